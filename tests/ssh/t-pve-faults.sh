#!/usr/bin/env bash
# t-pve-faults.sh: each SSH fault is its own clear error within its
# deadline, through cgi-bin/pve run directly and through lighttpd; nothing
# reaches qm unless the host key matched and our key was accepted.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../gate/gate.sh"
source "$(dirname "$0")/sshd.sh"
scratch
qm_standin running
sshd_keys
# A short gate timeout bounds the hanging qm this script leaves behind.
sshd_authorize "$(gate_argv | tr '\n' ' ')--timeout-max 5"
sshd_start || exit 1
sshd_conf
lighttpd_start "$BG_CONF" || exit 1

# A listener that accepts and never speaks.
SILENT_PORT=$(free_port)
python3 -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); c=[]
while True: c.append(s.accept()[0])' "$SILENT_PORT" &
on_exit "kill $!"
wait_port "$SILENT_PORT" 5
DEAD_PORT=$(free_port)
# Both ports are known, so the client gets as far as connecting.
for port in "$SILENT_PORT" "$DEAD_PORT"; do
	printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$T/sshd/host_ed25519.pub")" >> "$T/known_hosts"
done

# Another host key, for the "changed key" case.
ssh-keygen -q -t ed25519 -N '' -f "$T/sshd/other_host"
printf '[127.0.0.1]:%s %s\n' "$SSHD_PORT" "$(cut -d' ' -f1,2 "$T/sshd/other_host.pub")" > "$T/known_hosts.changed"
printf '[127.0.0.1]:%s %s\n' "$((SSHD_PORT + 1))" "$(cut -d' ' -f1,2 "$T/sshd/host_ed25519.pub")" > "$T/known_hosts.otherport"
: > "$T/known_hosts.empty"

# expect_fault NAME TRANSPORT STATUS CODE LIMIT_MS VERB [CONFIRM]
expect_fault() {
	local name=$1 tr=$2 status=$3 code=$4 limit=$5 verb=$6 confirm=${7:-}
	: > "$T/qm/calls"
	pve_request "$tr" "$verb" "$confirm"
	expect_eq "$tr: $name: $status $code" "[$status, \"$code\"]" \
		"[$RESP_STATUS, \"$(json_get "$RESP_BODY" 'd["error"]["code"]')\"]"
	expect_within "$tr: $name: within its deadline" "$RESP_MS" "$limit"
}

for tr in cgi http; do
	PVE_PORT=$DEAD_PORT sshd_conf
	expect_fault "sshd not listening" "$tr" 502 ssh_connect 2000 status

	PVE_PORT=$SILENT_PORT CONNECT_TIMEOUT=1 sshd_conf
	expect_fault "a listener that never speaks" "$tr" 504 connect_timeout 3000 status

	KNOWN_HOSTS=$T/known_hosts.changed sshd_conf
	accepted=$(grep -c "publickey" "$SSHD_LOG")
	expect_fault "host key changed" "$tr" 502 host_key_mismatch 2000 stop stop
	expect_eq "$tr: host key changed: qm never ran" "" "$(qm_calls)"
	expect_eq "$tr: host key changed: no authentication attempted" "$accepted" \
		"$(grep -c "publickey" "$SSHD_LOG")"

	KNOWN_HOSTS=$T/known_hosts.otherport sshd_conf
	connections=$(grep -c "Connection from" "$SSHD_LOG")
	expect_fault "host unknown" "$tr" 502 host_key_unknown 2000 stop stop
	expect_eq "$tr: host unknown: no connection made" "$connections" \
		"$(grep -c "Connection from" "$SSHD_LOG")"
	KNOWN_HOSTS=$T/known_hosts.empty sshd_conf
	expect_fault "empty known_hosts" "$tr" 502 host_key_unknown 2000 status

	SSH_KEY=$T/client/other_ed25519 sshd_conf
	expect_fault "key refused" "$tr" 502 ssh_auth 2000 stop stop
	expect_eq "$tr: key refused: qm never ran" "" "$(qm_calls)"

	SSH_KEY=$T/client/missing sshd_conf
	expect_fault "key file missing" "$tr" 500 config_error 2000 status

	CONNECT_TIMEOUT=1 VERB_TIMEOUT=1 sshd_conf
	echo status > "$T/qm/hang"
	expect_fault "remote hang" "$tr" 504 verb_timeout 4000 status
	rm -f "$T/qm/hang"

	sshd_conf
	pve_request "$tr" reset reset
	echo stopped > "$T/qm/state"
	pve_request "$tr" reset reset
	expect_eq "$tr: remote failure is 200 with ok false" '200 false' "$RESP_STATUS $(json_get "$RESP_BODY" 'd["ok"]')"
	echo running > "$T/qm/state"
done

# The gate refusing: its authorized_keys line is wrong, or it is not the gate.
sshd_conf
sshd_authorize "--vmid 1"
for tr in cgi http; do
	expect_fault "gate refuses (bad gate arguments)" "$tr" 502 gate_refused 2000 status
done
sed -i "s|command=\"[^\"]*\"|command=\"/bin/echo not the gate\"|" "$T/sshd/authorized_keys"
for tr in cgi http; do
	expect_fault "forced command is not the gate" "$tr" 502 gate_refused 2000 status
done

# Every failure is audited as a run that was not ok.
fails=$(grep '"action":"pve.run"' "$T/state/audit.jsonl" | grep -c '"ok":false')
if [ "$fails" -ge 20 ]; then ok "SSH failures are audited"; else notok "SSH failures are audited" "only $fails records"; fi
finish
