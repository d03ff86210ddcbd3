#!/usr/bin/env bash
# t-pve-verbs.sh: every verb through cgi-bin/pve, a real sshd and the gate,
# run directly as a CGI and through lighttpd; answers, audit and refusals.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../gate/gate.sh"
source "$(dirname "$0")/sshd.sh"
scratch
qm_standin stopped
sshd_keys
sshd_authorize
sshd_start || exit 1
sshd_conf
lighttpd_start "$BG_CONF" || exit 1

audit_last() { tail -n 1 "$T/state/audit.jsonl"; }

for tr in cgi http; do
	qm_standin stopped
	http GET /pve -H "Authorization: Bearer $(cat "$T/token")"
	if [ "$tr" = cgi ]; then
		cgi_run "$BG_BUILD/cgi-bin/pve" GET "" "" HTTP_AUTHORIZATION="Bearer $(cat "$T/token")" < /dev/null
		HTTP_STATUS=$CGI_STATUS
		HTTP_BODY=$CGI_BODY
	fi
	expect_eq "$tr: GET /pve answers 200" 200 "$HTTP_STATUS"
	expect_eq "$tr: GET /pve names the VM" 102 "$(json_get "$HTTP_BODY" 'd["vmid"]')"
	expect_eq "$tr: GET /pve lists the verbs in order" '["status", "forensics", "start", "stop", "reset", "cycle"]' \
		"$(json_get "$HTTP_BODY" '[v["name"] for v in d["verbs"]]')"
	expect_eq "$tr: GET /pve marks mutating verbs" '[false, false, true, true, true, true]' \
		"$(json_get "$HTTP_BODY" '[v["mutating"] for v in d["verbs"]]')"

	pve_request "$tr" status
	expect_eq "$tr: status answers 200" 200 "$RESP_STATUS"
	expect_eq "$tr: status of a stopped VM" stopped "$(json_get "$RESP_BODY" 'd["state"]')"
	expect_eq "$tr: status ok" true "$(json_get "$RESP_BODY" 'd["ok"]')"
	expect_eq "$tr: status answer has every field" \
		'["audit_id", "duration_ms", "exit_status", "ok", "state", "stderr", "stdout", "uptime", "verb", "vmid"]' \
		"$(json_get "$RESP_BODY" 'sorted(d.keys())')"
	expect_eq "$tr: status stdout leaves out the gate's line" "" \
		"$(json_get "$RESP_BODY" 'd["stdout"]' | grep breakglass-gate)"
	expect_eq "$tr: status audit_id is the pve.run record" \
		"$(json_get "$RESP_BODY" 'd["audit_id"]')" "$(json_get "$(audit_last)" 'd["id"]')"
	expect_eq "$tr: status audit record" '["pve.run", "status", true, 0, "stopped"]' \
		"$(json_get "$(audit_last)" '[d["action"], d["verb"], d["ok"], d["exit_status"], d["state"]]')"

	pve_request "$tr" start start
	expect_eq "$tr: start reaches running" '[200, true, 0, "running"]' \
		"[$RESP_STATUS, $(json_get "$RESP_BODY" '[d["ok"], d["exit_status"], d["state"]]' | tr -d '[]')]"

	pve_request "$tr" status
	expect_eq "$tr: status of a running VM has its details" '["running", 3600, 4242, "running"]' \
		"$(json_get "$RESP_BODY" '[d["state"], d["uptime"], d["pid"], d["qmpstatus"]]')"

	pve_request "$tr" reset reset
	expect_eq "$tr: reset of a running VM" '[true, "running"]' "$(json_get "$RESP_BODY" '[d["ok"], d["state"]]')"

	pve_request "$tr" cycle cycle
	expect_eq "$tr: cycle ends running" '[true, "running"]' "$(json_get "$RESP_BODY" '[d["ok"], d["state"]]')"

	pve_request "$tr" stop stop
	expect_eq "$tr: stop reaches stopped" '[true, "stopped"]' "$(json_get "$RESP_BODY" '[d["ok"], d["state"]]')"

	pve_request "$tr" reset reset
	expect_eq "$tr: reset of a stopped VM is a remote failure, 200" 200 "$RESP_STATUS"
	expect_eq "$tr: reset of a stopped VM: ok false, exit 1" '[false, 1, "stopped"]' \
		"$(json_get "$RESP_BODY" '[d["ok"], d["exit_status"], d["state"]]')"
	expect_match "$tr: reset of a stopped VM shows qm's message" "VM 102 not running" "$(json_get "$RESP_BODY" 'd["stderr"]')"
	expect_eq "$tr: failed reset audited as not ok" '["pve.run", false, 1]' \
		"$(json_get "$(audit_last)" '[d["action"], d["ok"], d["exit_status"]]')"

	echo locked > "$T/qm/mode"
	pve_request "$tr" start start
	expect_eq "$tr: start of a locked VM is ok false" '[200, false]' "[$RESP_STATUS, $(json_get "$RESP_BODY" 'd["ok"]')]"
	expect_match "$tr: start of a locked VM shows qm's message" "VM is locked \(backup\)" "$(json_get "$RESP_BODY" 'd["stderr"]')"
	rm -f "$T/qm/mode"

	pve_request "$tr" forensics
	expect_eq "$tr: forensics ok" true "$(json_get "$RESP_BODY" 'd["ok"]')"
	expect_match "$tr: forensics has labelled sections" "=== journal: ok" "$(json_get "$RESP_BODY" 'd["stdout"]')"

	: > "$T/qm/calls"
	pve_request "$tr" cycle
	expect_eq "$tr: cycle without confirm is 428" 428 "$RESP_STATUS"
	expect_eq "$tr: 428 code" confirm_required "$(json_get "$RESP_BODY" 'd["error"]["code"]')"
	pve_request "$tr" cycle stop
	expect_eq "$tr: cycle confirmed as another verb is 428" 428 "$RESP_STATUS"
	pve_request "$tr" 'status;reboot'
	expect_eq "$tr: a hostile verb is 400" '[400, "bad_verb"]' "[$RESP_STATUS, \"$(json_get "$RESP_BODY" 'd["error"]["code"]')\"]"
	pve_request "$tr" 'status\u0000x'
	expect_eq "$tr: a verb with a NUL is 400" 400 "$RESP_STATUS"
	pve_request "$tr" 'STATUS'
	expect_eq "$tr: an upper-case verb is 400" 400 "$RESP_STATUS"
	expect_eq "$tr: refused requests never reach qm" "" "$(qm_calls)"
	expect_eq "$tr: refusals are audited" '["pve.refused", false]' \
		"$(json_get "$(audit_last)" '[d["action"], d["ok"]]')"
done

# A verb that cannot be audited is not run.
: > "$T/qm/calls"
mv "$T/state/audit.jsonl" "$T/audit.saved"
mkdir "$T/state/audit.jsonl"
pve_request cgi stop stop
expect_eq "unwritable audit log: 500 audit_failed" '[500, "audit_failed"]' \
	"[$RESP_STATUS, \"$(json_get "$RESP_BODY" 'd["error"]["code"]')\"]"
expect_eq "unwritable audit log: qm never ran" "" "$(qm_calls)"
rmdir "$T/state/audit.jsonl"
mv "$T/audit.saved" "$T/state/audit.jsonl"

begins=$(grep -c '"action":"pve.begin"' "$T/state/audit.jsonl")
runs=$(grep -c '"action":"pve.run"' "$T/state/audit.jsonl")
expect_eq "every verb sent has a begin and a run record" "$begins" "$runs"
finish
