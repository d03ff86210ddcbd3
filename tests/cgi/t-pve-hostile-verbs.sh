#!/usr/bin/env bash
# t-pve-hostile-verbs.sh: cgi-bin/pve rejects every body that does not name
# exactly one verb with 400 bad_verb, before it opens any connection.
source "$(dirname "$0")/../lib.sh"
scratch

# A listener that counts connections stands in for the Proxmox host.
PORT=$(free_port)
python3 -c 'import socket,sys
s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
while True:
    c=s.accept()[0]; open(sys.argv[2], "a").write("connect\n"); c.close()' "$PORT" "$T/connections" &
on_exit "kill $!"
wait_port "$PORT" 5 || { notok "listener started" "no listener"; finish; exit; }
# wait_port's own probe is counted first: wait for it, then start from zero.
for _ in $(seq 100); do [ -s "$T/connections" ] && break; sleep 0.02; done
: > "$T/connections"
printf '[127.0.0.1]:%s ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGubJhJRQRwguULXM3oFfeIsffMiK7HllgxrU89DaAEk\n' "$PORT" > "$T/known_hosts"
printf 'bg-test-token-0123456789abcdef0123456789\n' > "$T/token"
BG_CONF="$T/breakglass.conf"
write_conf "$BG_CONF" "$T/state" "bearer_token_file = $T/token" "pve_host = 127.0.0.1" \
	"pve_port = $PORT" "known_hosts = $T/known_hosts" "ssh_key = $T/no-key"

# JSON string literals, escapes included, as the body's "verb".
hostile=(
	'""' '" "' '"status;reboot"' '"status\n"' '"status\r"' '"status "' '" status"' '"\tstatus"'
	'"STATUS"' '"Status"' '"reset 103"' '"reset --skiplock"' '"stop --overrule-shutdown 1"'
	'"$(reboot)"' '"`reboot`"' '"status && reboot"' '"status|reboot"' '"status\u0000x"'
	'"\u0000status"' '"stat"' '"statuss"' '"qm status 102"' '"/usr/sbin/qm status"'
	'"\u0455tatus"' '"st\u0430tus"' '"status\u200b"' '"\ufeffstatus"' '"\uff53tatus"'
	'"-"' '"--help"' '"reboot"' '"destroy"' '"cycle 102"' '"forensics\n--vmid 1"'
	'null' '1' 'true' '["status"]' '{"verb":"status"}'
	"\"$(printf 'a%.0s' $(seq 4096))\""
)
i=0
for v in "${hostile[@]}"; do
	i=$((i + 1))
	cgi_run "$BG_BUILD/cgi-bin/pve" POST "" "" CONTENT_TYPE=application/json \
		HTTP_AUTHORIZATION="Bearer $(cat "$T/token")" < <(printf '{"verb":%s,"confirm":%s}' "$v" "$v")
	expect_eq "hostile verb $i is 400" 400 "$CGI_STATUS"
	expect_match "hostile verb $i is bad_verb" '"code":"bad_verb"' "$CGI_BODY"
done
cgi_run "$BG_BUILD/cgi-bin/pve" POST "" "" CONTENT_TYPE=application/json \
	HTTP_AUTHORIZATION="Bearer $(cat "$T/token")" < <(printf '{}')
expect_eq "a body without verb is 400" 400 "$CGI_STATUS"
expect_eq "no hostile verb opened a connection" "" "$(cat "$T/connections")"
expect_eq "every rejected verb is audited" $((i + 1)) "$(grep -c '"action":"pve.refused"' "$T/state/audit.jsonl")"

# The route exists only at /pve.
cgi_run "$BG_BUILD/cgi-bin/pve" GET "/x" "" HTTP_AUTHORIZATION="Bearer $(cat "$T/token")" < /dev/null
expect_eq "GET /pve/x is 404" 404 "$CGI_STATUS"
cgi_run "$BG_BUILD/cgi-bin/pve" DELETE "" "" HTTP_AUTHORIZATION="Bearer $(cat "$T/token")" < /dev/null
expect_eq "DELETE /pve is 405" 405 "$CGI_STATUS"
finish
