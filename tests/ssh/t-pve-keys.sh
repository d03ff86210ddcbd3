#!/usr/bin/env bash
# t-pve-keys.sh: the client keys and host keys cgi-bin/pve supports: ECDSA
# (OpenSSH and PEM format), an encrypted ed25519 key with a passphrase file,
# and the ssh-agent (only the configured identity, or every identity). Then
# hashed known_hosts entries, and an ECDSA host key pinned from known_hosts
# while the host also offers ed25519.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../gate/gate.sh"
source "$(dirname "$0")/sshd.sh"
scratch
qm_standin running
sshd_keys
ssh-keygen -q -t ecdsa -b 256 -N '' -C bg-test-ecdsa -f "$T/client/id_ecdsa"
ssh-keygen -q -t ed25519 -N 'correct horse' -C bg-test-enc -f "$T/client/id_enc"
ssh-keygen -q -t ecdsa -b 384 -m PEM -N '' -C bg-test-pem -f "$T/client/id_pem"
printf 'correct horse\n' > "$T/client/passphrase"
printf 'wrong\n' > "$T/client/wrong_passphrase"
ssh-keygen -q -t ecdsa -b 256 -N '' -f "$T/sshd/host_ecdsa"
sshd_authorize
# The same forced command for the other client keys.
line=$(cat "$T/sshd/authorized_keys")
for k in id_ecdsa id_enc id_pem; do
	printf '%s %s\n' "${line%% ssh-ed25519 *}" "$(cat "$T/client/$k.pub")" >> "$T/sshd/authorized_keys"
done
sshd_start || exit 1
export CGI_STDERR=$T/cgi.err

# expect_status NAME [SSH_AUTH_SOCK]: status through cgi-bin/pve succeeds.
expect_status() {
	if [ -n "${2:-}" ]; then
		cgi_run "$BG_BUILD/cgi-bin/pve" POST "" "" CONTENT_TYPE=application/json \
			HTTP_AUTHORIZATION="Bearer $(cat "$T/token")" SSH_AUTH_SOCK="$2" < <(printf '{"verb":"status"}')
	else
		pve_post "$BG_BUILD/cgi-bin/pve" status
	fi
	expect_eq "$1" "200 running" "$CGI_STATUS $(json_get "$CGI_BODY" 'd["state"]')"
	[ "$CGI_STATUS" = 200 ] || cat "$CGI_STDERR" >&2
}

SSH_KEY=$T/client/id_ecdsa sshd_conf
expect_status "an ECDSA client key works"

SSH_KEY=$T/client/id_pem sshd_conf
expect_status "a PEM ECDSA client key works"

cp "$T/known_hosts" "$T/known_hosts.hashed"
ssh-keygen -q -H -f "$T/known_hosts.hashed" > /dev/null 2>&1
expect_match "known_hosts is hashed for the next case" '^\|1\|' "$(cat "$T/known_hosts.hashed")"
KNOWN_HOSTS=$T/known_hosts.hashed sshd_conf
expect_status "a hashed known_hosts entry matches"

SSH_KEY=$T/client/id_enc sshd_conf "ssh_key_passphrase_file = $T/client/passphrase"
expect_status "an encrypted key with its passphrase file works"
SSH_KEY=$T/client/id_enc sshd_conf
pve_post "$BG_BUILD/cgi-bin/pve" status
expect_eq "an encrypted key without a passphrase is a config error" "500 config_error" \
	"$CGI_STATUS $(json_get "$CGI_BODY" 'd["error"]["code"]')"
SSH_KEY=$T/client/id_enc sshd_conf "ssh_key_passphrase_file = $T/client/wrong_passphrase"
pve_post "$BG_BUILD/cgi-bin/pve" status
expect_eq "a wrong passphrase is a config error" "500 config_error" \
	"$CGI_STATUS $(json_get "$CGI_BODY" 'd["error"]["code"]')"

# The agent contains a key sshd rejects first, then the right one.
eval "$(ssh-agent -s -a "$T/agent.sock")" > /dev/null
on_exit "kill $SSH_AGENT_PID"
ssh-add -q "$T/client/other_ed25519" 2>/dev/null
ssh-add -q "$T/client/id_ed25519" 2>/dev/null

SSH_KEY=$T/client/id_ed25519.pub sshd_conf
expect_status "the agent with ssh_key naming a public key works" "$T/agent.sock"
offered=$(grep -c "Failed publickey" "$SSHD_LOG")
expect_eq "the agent offered only the configured identity" 0 "$offered"

SSH_KEY=$T/client/other_ed25519.pub sshd_conf
cgi_run "$BG_BUILD/cgi-bin/pve" POST "" "" CONTENT_TYPE=application/json \
	HTTP_AUTHORIZATION="Bearer $(cat "$T/token")" SSH_AUTH_SOCK="$T/agent.sock" < <(printf '{"verb":"status"}')
expect_eq "the agent with a refused configured identity is ssh_auth" "502 ssh_auth" \
	"$CGI_STATUS $(json_get "$CGI_BODY" 'd["error"]["code"]')"
expect_eq "a refused identity was the only one offered" 1 "$(grep -c "Failed publickey" "$SSHD_LOG")"

SSH_KEY="" sshd_conf
expect_status "the agent with no ssh_key tries each identity" "$T/agent.sock"

SSH_KEY=$T/client/id_ed25519.pub sshd_conf
cgi_run "$BG_BUILD/cgi-bin/pve" POST "" "" CONTENT_TYPE=application/json \
	HTTP_AUTHORIZATION="Bearer $(cat "$T/token")" SSH_AUTH_SOCK="$T/nonexistent.sock" < <(printf '{"verb":"status"}')
expect_eq "an unreachable agent is ssh_auth" "502 ssh_auth" \
	"$CGI_STATUS $(json_get "$CGI_BODY" 'd["error"]["code"]')"

# A host with ed25519 and ECDSA host keys, known only by its ECDSA key:
# the client must ask for ECDSA, or the check could never match.
kill "$SSHD_PID"
sed -i "s|^HostKey .*|HostKey $T/sshd/host_ed25519\nHostKey $T/sshd/host_ecdsa|" "$T/sshd/sshd_config"
"$SSHD_BIN" -D -e -f "$T/sshd/sshd_config" -p "$SSHD_PORT" > "$SSHD_LOG" 2>&1 &
on_exit "kill $!"
wait_port "$SSHD_PORT" 10
printf '[127.0.0.1]:%s %s\n' "$SSHD_PORT" "$(cut -d' ' -f1,2 "$T/sshd/host_ecdsa.pub")" > "$T/known_hosts.ecdsa"
KNOWN_HOSTS=$T/known_hosts.ecdsa sshd_conf
expect_status "an ECDSA host key is pinned from known_hosts"
finish
