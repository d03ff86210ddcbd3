#!/usr/bin/env bash
# tests/deploy/t-entrypoint.sh: entrypoint.sh in a scratch root. It must name
# each missing or invalid setting on one line. A start must render the ssh
# config, known_hosts, breakglass.conf and lighttpd's top file, load the key
# into an agent and run lighttpd unprivileged, with no secret in its output
# or in the files it writes.
#
# It runs in its own mount and PID namespaces (it re-executes itself through
# unshare), where a copy of /etc/passwd adds the test user bgtest; the
# kernel ends every process the test started when the script ends.
if [ "${BG_DEPLOY_NS:-}" != 1 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "not ok entrypoint tests run as root: they switch users and use namespaces"
		exit 1
	fi
	BG_DEPLOY_NS=1 exec unshare --pid --fork --kill-child --mount --mount-proc \
		--propagation private -- "$0" "$@"
fi
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
scratch
chmod 0755 "$T"
ENTRY="$BG_ROOT/entrypoint.sh"
SECRET_API_KEY="sk-ant-test-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"
TOKEN=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')

# A user that exists only in this namespace, with its home in the state folder.
uid=64321
while getent passwd "$uid" > /dev/null || getent group "$uid" > /dev/null; do uid=$((uid + 1)); done
cp /etc/passwd "$T/passwd"
cp /etc/group "$T/group"
echo "bgtest:x:$uid:$uid::$T/state/home:/usr/sbin/nologin" >> "$T/passwd"
echo "bgtest:x:$uid:" >> "$T/group"
chmod 0644 "$T/passwd" "$T/group"
mount --bind "$T/passwd" /etc/passwd
mount --bind "$T/group" /etc/group

mkdir -p "$T/keys" "$T/secrets"
ssh-keygen -q -t ed25519 -N '' -C bg-entrypoint-test -f "$T/keys/id_ed25519"
ssh-keygen -q -t ed25519 -N '' -C pve-host -f "$T/keys/pve_host"
ssh-keygen -q -t ed25519 -N '' -C vm-host -f "$T/keys/vm_host"
# The key as a root-only Secret file, which bgtest cannot read.
install -m 0400 "$T/keys/id_ed25519" "$T/secrets/ssh-key"
printf '%s\n' "$TOKEN" > "$T/secrets/token"
chown "root:$uid" "$T/secrets/token"
chmod 0440 "$T/secrets/token"
KNOWN="pve.test.invalid $(cut -d' ' -f1,2 "$T/keys/pve_host.pub")
[vm.test.invalid]:2222 $(cut -d' ' -f1,2 "$T/keys/vm_host.pub")"

# base_env: the settings of a start that works, one NAME=VALUE an element.
base_env() {
	ENV=(PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
		BREAKGLASS_PVE_HOST=pve.test.invalid
		BREAKGLASS_VM_HOST=vm.test.invalid BREAKGLASS_VM_PORT=2222
		"BREAKGLASS_KNOWN_HOSTS=$KNOWN"
		BREAKGLASS_SSH_KEY_FILE="$T/secrets/ssh-key"
		BREAKGLASS_TOKEN_FILE="$T/secrets/token"
		BREAKGLASS_USER=bgtest BREAKGLASS_BIND=127.0.0.1 BREAKGLASS_PORT="$(free_port)"
		BREAKGLASS_STATE_DIR="$T/state" BREAKGLASS_RUN_DIR="$T/run"
		BREAKGLASS_HTDOCS="$BG_ROOT/htdocs" BREAKGLASS_CGI_DIR="$BG_BUILD/cgi-bin"
		BREAKGLASS_LIGHTTPD_CONF="$BG_ROOT/conf/lighttpd.conf"
		BREAKGLASS_AGENT_FILE="$BG_ROOT/conf/agent/breakglass.md"
		BREAKGLASS_CLAUDE_BIN=/bin/true
		ANTHROPIC_API_KEY="$SECRET_API_KEY")
}

# without NAME...: drop settings from ENV.
without() {
	local keep=() e n skip
	for e in "${ENV[@]}"; do
		skip=0
		for n in "$@"; do [ "${e%%=*}" = "$n" ] && skip=1; done
		[ "$skip" -eq 1 ] || keep+=("$e")
	done
	ENV=("${keep[@]}")
}

# run_fail: run the entrypoint with ENV, expecting it to stop; sets RC and ERR.
run_fail() {
	ERR=$(env -i "${ENV[@]}" timeout 20 "$ENTRY" 2>&1 > /dev/null < /dev/null)
	RC=$?
}

# expect_one_line CASE PATTERN: exit status 1, one line, matching PATTERN.
expect_one_line() {
	if [ "$RC" -eq 0 ] || [ "$RC" -eq 124 ]; then
		notok "$1" "exit status $RC, output: $ERR"
	elif [ "$(printf '%s\n' "$ERR" | grep -c .)" -ne 1 ]; then
		notok "$1" "expected one line, got: $ERR"
	else
		expect_match "$1" "$2" "$ERR"
	fi
}

# --- settings that are missing or wrong ---------------------------------------

ENV=(PATH=/usr/bin:/bin)
run_fail
expect_one_line "entrypoint names every missing setting" \
	'^entrypoint: missing setting: BREAKGLASS_PVE_HOST, BREAKGLASS_VM_HOST, BREAKGLASS_KNOWN_HOSTS, BREAKGLASS_TOKEN_FILE or BREAKGLASS_TRUSTED_PROXIES '

for name in BREAKGLASS_PVE_HOST BREAKGLASS_VM_HOST BREAKGLASS_KNOWN_HOSTS; do
	base_env
	without "$name"
	run_fail
	expect_one_line "entrypoint names missing $name" "^entrypoint: missing setting: $name \\("
done
base_env
without BREAKGLASS_TOKEN_FILE
run_fail
expect_one_line "entrypoint needs a token or trusted proxies" \
	'missing setting: BREAKGLASS_TOKEN_FILE or BREAKGLASS_TRUSTED_PROXIES \('

base_env
ENV+=(BREAKGLASS_PVE_PORT=70000)
run_fail
expect_one_line "entrypoint rejects a bad port" '^entrypoint: BREAKGLASS_PVE_PORT must be a whole number from 1 to 65535$'

base_env
ENV+=("BREAKGLASS_VM_HOST=vm.test.invalid
pve_host = evil")
run_fail
expect_one_line "entrypoint rejects a newline in a host" '^entrypoint: BREAKGLASS_VM_HOST is not a valid name'

base_env
ENV+=("BREAKGLASS_KNOWN_HOSTS=pve.test.invalid $(cut -d' ' -f1,2 "$T/keys/pve_host.pub")")
run_fail
expect_one_line "entrypoint needs the VM's host key" \
	'^entrypoint: BREAKGLASS_KNOWN_HOSTS has no host key for \[vm.test.invalid\]:2222 \(BREAKGLASS_VM_HOST\)'

base_env
ENV+=(BREAKGLASS_SSH_KEY_FILE="$T/secrets/absent")
run_fail
expect_one_line "entrypoint names a missing key file" '^entrypoint: BREAKGLASS_SSH_KEY_FILE: .*/absent does not exist'

ssh-keygen -q -t rsa -b 2048 -N '' -f "$T/keys/id_rsa"
base_env
ENV+=(BREAKGLASS_SSH_KEY_FILE="$T/keys/id_rsa" BREAKGLASS_RUN_DIR="$T/run-rsa")
run_fail
expect_one_line "entrypoint rejects an RSA key" '^entrypoint: BREAKGLASS_SSH_KEY_FILE: the key must be ed25519 or ECDSA'
sleep 0.3
if pgrep -f "$T/run-rsa/ssh-agent.sock" > /dev/null; then
	notok "failed start leaves no agent" "$(pgrep -af "$T/run-rsa")"
else
	ok "failed start leaves no agent"
fi

base_env
ENV+=(BREAKGLASS_AGENT_FILE="$T/absent.md")
run_fail
expect_one_line "entrypoint names a missing agent file" '^entrypoint: BREAKGLASS_AGENT_FILE: .*absent.md is not readable$'

# More names than breakglass.conf accepts: only the CGI's own parser knows.
base_env
ENV+=(BREAKGLASS_AGENT_ENV="$(printf 'V%d,' $(seq 40) | sed 's/,$//')" BREAKGLASS_RUN_DIR="$T/run-many")
run_fail
expect_one_line "entrypoint reports a rejected breakglass.conf" '^entrypoint: breakglass.conf was rejected: .*agent_env'

# --- a start that works, as root dropping to bgtest -----------------------------

base_env
PORT=""
for e in "${ENV[@]}"; do case "$e" in BREAKGLASS_PORT=*) PORT=${e#*=} ;; esac; done
env -i "${ENV[@]}" "$ENTRY" > "$T/entry.out" 2> "$T/entry.err" < /dev/null &
ENTRY_PID=$!
on_exit "kill $ENTRY_PID"
LIGHTTPD_URL="http://127.0.0.1:$PORT"
if wait_port "$PORT" 15; then
	ok "entrypoint starts lighttpd"
else
	notok "entrypoint starts lighttpd" "$(cat "$T/entry.err")"
	finish
	exit 1
fi

expect_eq "lighttpd runs as the unprivileged user" bgtest "$(ps -o user= -p "$ENTRY_PID" | tr -d ' ')"
http GET /session -H "Authorization: Bearer $TOKEN"
expect_eq "session route answers through the entrypoint" 200 "$HTTP_STATUS"
http GET /pve -H "Authorization: Bearer $TOKEN"
expect_match "pve route reads the rendered config" '"vmid":102' "$HTTP_BODY"
http GET /session
expect_eq "routes still need the token" 401 "$HTTP_STATUS"
http GET /
expect_eq "page is served" 200 "$HTTP_STATUS"

HOME_DIR=$T/state/home
CONFIG=$(cat "$HOME_DIR/.ssh/config" 2> /dev/null)
# host_block NAME: the lines of the ssh config's "Host NAME" block.
host_block() { printf '%s\n' "$CONFIG" | awk -v h="Host $1" '$0 == h { p = 1; print; next } /^Host / { p = 0 } p && NF'; }
expect_eq "ssh config has the devvm alias" $'Host devvm\n\tHostName vm.test.invalid\n\tPort 2222\n\tUser root' "$(host_block devvm)"
expect_eq "ssh config has the pve alias" $'Host pve\n\tHostName pve.test.invalid\n\tPort 22\n\tUser root\n\tRequestTTY no' "$(host_block pve)"
expect_match "ssh config checks host keys strictly" $'\tStrictHostKeyChecking yes' "$CONFIG"
RESOLVED=$(setpriv --reuid=bgtest --regid="$uid" --clear-groups ssh -G devvm 2>&1)
expect_match "ssh as bgtest resolves devvm from its home" '^port 2222$' "$(printf '%s\n' "$RESOLVED" | grep '^port ')"
expect_match "ssh as bgtest uses the rendered known_hosts" "userknownhostsfile $HOME_DIR/.ssh/known_hosts" "$RESOLVED"
expect_eq "known_hosts holds both host keys" "$KNOWN" "$(cat "$HOME_DIR/.ssh/known_hosts")"
expect_eq "ssh config belongs to bgtest" "bgtest 600" "$(stat -c '%U %a' "$HOME_DIR/.ssh/config")"

CONF=$(cat "$T/run/breakglass.conf")
expect_match "breakglass.conf names the Proxmox host" '^pve_host = pve.test.invalid$' "$(printf '%s\n' "$CONF" | grep '^pve_host')"
expect_match "breakglass.conf points at the known_hosts" "known_hosts = $HOME_DIR/.ssh/known_hosts" "$CONF"
expect_match "breakglass.conf names the token file" "bearer_token_file = $T/secrets/token" "$CONF"
if grep -q ssh_key "$T/run/breakglass.conf"; then
	notok "breakglass.conf leaves the key to the agent" "$CONF"
else
	ok "breakglass.conf leaves the key to the agent"
fi
TOP=$(cat "$T/run/lighttpd.conf")
expect_match "lighttpd passes the agent socket" "\"SSH_AUTH_SOCK\" => \"$T/run/ssh-agent.sock\"" "$TOP"
expect_match "lighttpd passes the API key by reference" '"ANTHROPIC_API_KEY" => env.ANTHROPIC_API_KEY' "$TOP"

AGENT=$(setpriv --reuid=bgtest --regid="$uid" --clear-groups env SSH_AUTH_SOCK="$T/run/ssh-agent.sock" ssh-add -l 2>&1)
expect_match "agent holds the key for bgtest" 'bg-entrypoint-test \(ED25519\)$' "$AGENT"
if setpriv --reuid=bgtest --regid="$uid" --clear-groups test -r "$T/secrets/ssh-key"; then
	notok "bgtest cannot read the key file" "the test's key file is readable"
else
	ok "bgtest cannot read the key file"
fi

# No secret in the output or in any file the entrypoint wrote.
KEY_BODY=$(sed -n 2p "$T/secrets/ssh-key")
LEAKS=""
for f in "$T/entry.out" "$T/entry.err" "$T/run/breakglass.conf" "$T/run/lighttpd.conf" \
	"$HOME_DIR/.ssh/config" "$HOME_DIR/.ssh/known_hosts"; do
	for s in "$TOKEN" "$SECRET_API_KEY" "$KEY_BODY"; do
		if grep -qF -- "$s" "$f"; then LEAKS="$LEAKS $f"; fi
	done
done
expect_eq "no secret in output or rendered files" "" "$LEAKS"

kill "$ENTRY_PID"
wait "$ENTRY_PID" 2> /dev/null
stopped=no
for _ in $(seq 40); do
	if ! pgrep -f "ssh-agent -D -a $T/run/" > /dev/null; then stopped=yes; break; fi
	sleep 0.05
done
expect_eq "agent stops with lighttpd" yes "$stopped"

# --- a start as the unprivileged user itself (the image's USER) ------------------

# The files where `make install` puts them in the image, found through the
# entrypoint's default paths under BREAKGLASS_PREFIX.
if make -s -C "$BG_ROOT" install DESTDIR="$T/image" PREFIX=/usr/local > "$T/install.log" 2>&1; then
	ok "make install builds the image's tree"
else
	notok "make install builds the image's tree" "$(tail -n 5 "$T/install.log")"
fi
base_env
without BREAKGLASS_USER BREAKGLASS_PORT BREAKGLASS_RUN_DIR BREAKGLASS_SSH_KEY_FILE \
	BREAKGLASS_HTDOCS BREAKGLASS_CGI_DIR BREAKGLASS_LIGHTTPD_CONF BREAKGLASS_AGENT_FILE
ENV+=(BREAKGLASS_PREFIX="$T/image/usr/local")
PORT2=$(free_port)
# Like a Kubernetes Secret with fsGroup: group-readable, owned by root.
install -m 0440 -g "$uid" "$T/keys/id_ed25519" "$T/secrets/ssh-key-group"
ENV+=(BREAKGLASS_PORT="$PORT2" BREAKGLASS_RUN_DIR="$T/state/run" BREAKGLASS_SSH_KEY_FILE="$T/secrets/ssh-key-group")
setpriv --reuid=bgtest --regid="$uid" --init-groups env -i "${ENV[@]}" "$ENTRY" \
	> "$T/entry2.out" 2> "$T/entry2.err" < /dev/null &
ENTRY2_PID=$!
on_exit "kill $ENTRY2_PID"
LIGHTTPD_URL="http://127.0.0.1:$PORT2"
if wait_port "$PORT2" 15; then
	http GET /session -H "Authorization: Bearer $TOKEN"
	expect_eq "entrypoint runs as the unprivileged user" 200 "$HTTP_STATUS"
	http GET /
	expect_match "installed page is served" '<html' "$HTTP_BODY"
else
	notok "entrypoint runs as the unprivileged user" "$(cat "$T/entry2.err")"
fi
if grep -q 'server.username' "$T/state/run/lighttpd.conf" 2> /dev/null; then
	notok "unprivileged start sets no server.username" "$(cat "$T/state/run/lighttpd.conf")"
else
	ok "unprivileged start sets no server.username"
fi
kill "$ENTRY2_PID" 2> /dev/null

finish
