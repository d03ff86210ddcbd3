#!/usr/bin/env bash
# t-pve-concurrency.sh: two mutating verbs at once (one gets 409), and a
# client that leaves mid-cycle: the cycle still finishes and is audited.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../gate/gate.sh"
source "$(dirname "$0")/sshd.sh"
scratch
qm_standin running
sshd_keys
sshd_authorize
sshd_start || exit 1
sshd_conf
lighttpd_start "$BG_CONF" || exit 1
TOKEN=$(cat "$T/token")

post_cycle() {
	curl -sS -o "$1.body" -w '%{http_code}' --max-time "${2:-20}" -X POST \
		-H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
		--data-binary '{"verb":"cycle","confirm":"cycle"}' "$LIGHTTPD_URL/pve" > "$1.code" 2>/dev/null
}

# wait_audit VERB COUNT: wait up to 10 s for COUNT pve.run records of VERB.
wait_audit() {
	local i
	for i in $(seq 200); do
		[ "$(grep '"action":"pve.run"' "$T/state/audit.jsonl" 2>/dev/null | grep -c "\"verb\":\"$1\"")" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# Two cycles at once: the second finds the first's lock.
echo 1 > "$T/qm/delay"
post_cycle "$T/a" &
a=$!
for _ in $(seq 100); do grep -q "qm stop" "$T/qm/calls" && break; sleep 0.05; done
post_cycle "$T/b" &
b=$!
wait "$a" "$b"
expect_eq "two cycles at once: one runs, one is refused" "200 409" \
	"$(printf '%s\n' "$(cat "$T/a.code")" "$(cat "$T/b.code")" | sort | tr '\n' ' ' | sed 's/ $//')"
expect_eq "the refused one is verb_running" verb_running \
	"$(json_get "$(cat "$T/b.body")" 'd["error"]["code"]')"
expect_eq "only one cycle reached qm" 1 "$(grep -c 'qm start' "$T/qm/calls")"

# The client leaves mid-cycle: lighttpd sends the CGI SIGTERM, and the CGI
# still waits for the cycle to end and audits it.
qm_standin running
echo 1 > "$T/qm/delay"
runs_before=$(grep -c '"action":"pve.run"' "$T/state/audit.jsonl")
post_cycle "$T/c" 0.5
expect_eq "the client gave up mid-cycle" 000 "$(cat "$T/c.code")"
if wait_audit cycle 2; then ok "a cycle whose client left is audited"; else notok "a cycle whose client left is audited" "no record"; fi
expect_eq "the left cycle's audit says it reached running" '[true, 0, "running"]' \
	"$(json_get "$(grep '"action":"pve.run"' "$T/state/audit.jsonl" | tail -n 1)" '[d["ok"], d["exit_status"], d["state"]]')"
expect_eq "the left cycle stopped and started the VM" "qm stop 102 --overrule-shutdown 1|qm start 102" \
	"$(grep -E 'qm (stop|start)' "$T/qm/calls" | paste -sd'|')"
expect_eq "one more run record" $((runs_before + 1)) "$(grep -c '"action":"pve.run"' "$T/state/audit.jsonl")"

# The CGI itself dies mid-cycle (the SSH connection is cut): the gate on
# the host still finishes the cycle.
qm_standin running
echo 1 > "$T/qm/delay"
(pve_post "$BG_BUILD/cgi-bin/pve" cycle cycle) &
sub=$!
for _ in $(seq 100); do grep -q "qm stop" "$T/qm/calls" && break; sleep 0.05; done
pid=$(cgi_pid "$BG_BUILD/cgi-bin/pve" || true)
[ -n "$pid" ] && kill -KILL "$pid"
wait "$sub"
# Each stand-in qm call takes 1 s here, so a loaded machine needs a while.
for _ in $(seq 400); do
	[ "$(tail -n 1 "$T/qm/calls")" = "qm status 102" ] && grep -q "qm start" "$T/qm/calls" && break
	sleep 0.05
done
expect_eq "a cut connection does not stop the cycle" running "$(cat "$T/qm/state")"
expect_eq "the gate read the state after its cycle" "qm status 102" "$(tail -n 1 "$T/qm/calls")"

# SIGTERM before anything was sent cancels: nothing runs, the attempt is audited.
qm_standin running
SILENT_PORT=$(free_port)
python3 -c 'import socket,sys
s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(4); c=[]
while True: c.append(s.accept()[0])' "$SILENT_PORT" &
on_exit "kill $!"
wait_port "$SILENT_PORT" 5
printf '[127.0.0.1]:%s %s\n' "$SILENT_PORT" "$(cut -d' ' -f1,2 "$T/sshd/host_ed25519.pub")" >> "$T/known_hosts"
PVE_PORT=$SILENT_PORT CONNECT_TIMEOUT=10 sshd_conf
t0=$(date +%s%N)
(pve_post "$BG_BUILD/cgi-bin/pve" stop stop) &
sub=$!
for _ in $(seq 100); do
	pid=$(cgi_pid "$BG_BUILD/cgi-bin/pve" || true)
	[ -n "$pid" ] && break
	sleep 0.02
done
sleep 0.3
[ -n "$pid" ] && kill -TERM "$pid"
wait "$sub"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_within "SIGTERM before the verb is sent ends the request" "$ms" 3000
expect_eq "a cancelled verb never reached qm" "" "$(qm_calls)"
expect_eq "a cancelled verb is audited as not ok" '["pve.run", "stop", false]' \
	"$(json_get "$(tail -n 1 "$T/state/audit.jsonl")" '[d["action"], d["verb"], d["ok"]]')"
finish
