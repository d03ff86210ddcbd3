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
# Like a Kubernetes Secret mounted with fsGroup: readable by bgtest's group.
install -m 0440 -g "$uid" "$T/keys/id_ed25519" "$T/secrets/ssh-key-group"
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

# expect_lines CASE PATTERN...: exit status 1 and one line for each PATTERN,
# in that order, and no other line.
expect_lines() {
	local name=$1 i=0 line
	shift
	if [ "$RC" -eq 0 ] || [ "$RC" -eq 124 ]; then
		notok "$name" "exit status $RC, output: $ERR"
		return
	fi
	if [ "$(printf '%s\n' "$ERR" | grep -c .)" -ne $# ]; then
		notok "$name" "expected $# lines, got: $ERR"
		return
	fi
	while IFS= read -r line; do
		i=$((i + 1))
		if ! [[ $line =~ ${!i} ]]; then
			notok "$name" "line $i does not match ${!i}: $line"
			return
		fi
	done <<< "$ERR"
	ok "$name"
}

# --- settings that are missing or wrong ---------------------------------------

base_env
without BREAKGLASS_PVE_HOST BREAKGLASS_VM_HOST BREAKGLASS_KNOWN_HOSTS BREAKGLASS_TOKEN_FILE
run_fail
expect_lines "entrypoint names every missing setting" \
	'^entrypoint: missing setting: BREAKGLASS_PVE_HOST \(see README.md, Container settings\)$' \
	'^entrypoint: missing setting: BREAKGLASS_VM_HOST \(' \
	'^entrypoint: missing setting: BREAKGLASS_KNOWN_HOSTS \(' \
	'^entrypoint: missing setting: BREAKGLASS_TOKEN_FILE or BREAKGLASS_TRUSTED_PROXIES \('

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
ENV+=(BREAKGLASS_PVE_PORT=22x BREAKGLASS_VMID=abc BREAKGLASS_AGENT_FILE="$T/absent.md")
without BREAKGLASS_VM_HOST
run_fail
expect_lines "entrypoint names every invalid setting" \
	'^entrypoint: missing setting: BREAKGLASS_VM_HOST \(' \
	'^entrypoint: BREAKGLASS_PVE_PORT must be a whole number from 1 to 65535$' \
	'^entrypoint: BREAKGLASS_VMID must be a whole number from 100 to 999999999$' \
	'^entrypoint: BREAKGLASS_AGENT_FILE: .*absent.md is not readable$'

for origin in https://breakglass.example.org/ https://breakglass.example.org/chat; do
	base_env
	ENV+=(BREAKGLASS_ALLOWED_ORIGIN="$origin")
	run_fail
	expect_one_line "entrypoint rejects origin $origin" \
		'^entrypoint: BREAKGLASS_ALLOWED_ORIGIN must be an origin without a path or trailing slash'
done
for origin in breakglass.example.org https://Breakglass.example.org ftp://breakglass.example.org \
	https://breakglass.example.org:8x https://breakglass.example.org:70000 'https://a.example.org https://b.example.org'; do
	base_env
	ENV+=(BREAKGLASS_ALLOWED_ORIGIN="$origin")
	run_fail
	expect_one_line "entrypoint rejects origin $origin" '^entrypoint: BREAKGLASS_ALLOWED_ORIGIN (must be an origin|has a port)'
done
# A valid origin passes: the only line left is the deliberate bad port.
for origin in https://breakglass.example.org https://breakglass.example.org:8443 'http://[fd00::1]:8080'; do
	base_env
	ENV+=(BREAKGLASS_ALLOWED_ORIGIN="$origin" BREAKGLASS_PORT=0)
	run_fail
	expect_one_line "entrypoint accepts origin $origin" '^entrypoint: BREAKGLASS_PORT must be'
done

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
	'^entrypoint: BREAKGLASS_KNOWN_HOSTS has no host key for \[vm.test.invalid\]:2222 \(BREAKGLASS_VM_HOST\);'

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
ENV+=(BREAKGLASS_SSH_KEY_FILE="$T/secrets/ssh-key-group")
run_fail
expect_one_line "root start rejects a key bgtest can read" \
	"^entrypoint: BREAKGLASS_SSH_KEY_FILE: $T/secrets/ssh-key-group is readable by bgtest, "

base_env
ENV+=(BREAKGLASS_AGENT_FILE="$T/absent.md")
run_fail
expect_one_line "entrypoint names a missing agent file" '^entrypoint: BREAKGLASS_AGENT_FILE: .*absent.md is not readable$'

# More names than breakglass.conf accepts: only the CGI's own parser knows.
base_env
ENV+=(BREAKGLASS_AGENT_ENV="$(printf 'V%d,' $(seq 40) | sed 's/,$//')" BREAKGLASS_RUN_DIR="$T/run-many")
run_fail
expect_one_line "entrypoint reports a rejected breakglass.conf" '^entrypoint: breakglass.conf was rejected: .*agent_env'

# Root without CAP_SETUID cannot become bgtest, and says so once.
base_env
setpriv --no-new-privs --inh-caps=-all --bounding-set=-all,+chown -- env -i "${ENV[@]}" timeout 20 "$ENTRY" \
	> /dev/null 2> "$T/nocap.err" < /dev/null
RC=$?
ERR=$(cat "$T/nocap.err")
expect_one_line "entrypoint needs CAP_SETUID as root" '^entrypoint: cannot switch to bgtest: the container needs CAP_SETUID and CAP_SETGID'

# --- a start that works, as root dropping to bgtest -----------------------------

# Root with exactly the capabilities conf/k8s/deployment.yaml adds, and
# no_new_privs as allowPrivilegeEscalation: false sets it.
CAPS=$(sed -n 's/^ *add: \[\(.*\)\]$/\1/p' "$BG_ROOT/conf/k8s/deployment.yaml" | tr -d ' "' | tr '[:upper:]' '[:lower:]')
expect_eq "k8s example adds chown, setuid, setgid" "chown,setuid,setgid" "$CAPS"
BOUNDING=-all
IFS=, read -ra cap_list <<< "$CAPS"
for c in "${cap_list[@]}"; do BOUNDING="$BOUNDING,+$c"; done
base_env
PORT=""
for e in "${ENV[@]}"; do case "$e" in BREAKGLASS_PORT=*) PORT=${e#*=} ;; esac; done
setpriv --no-new-privs --inh-caps=-all --bounding-set="$BOUNDING" -- env -i "${ENV[@]}" "$ENTRY" \
	> "$T/entry.out" 2> "$T/entry.err" < /dev/null &
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
expect_eq "lighttpd keeps no capabilities" "CapPrm:	0000000000000000 CapEff:	0000000000000000" \
	"$(grep -E '^Cap(Prm|Eff):' "/proc/$ENTRY_PID/status" | tr '\n' ' ' | sed 's/ $//')"
AGENT_PID=$(pgrep -f "^ssh-agent -D -a $T/run/ssh-agent.sock" | head -n 1)
expect_eq "ssh-agent runs as bgtest" bgtest "$(ps -o user= -p "${AGENT_PID:-0}" | tr -d ' ')"
# The agent makes itself non-dumpable, so a process of the same user (the
# CLI's Bash tool) can neither trace it nor read its /proc files.
if setpriv --reuid=bgtest --regid="$uid" --clear-groups cat "/proc/${AGENT_PID:-0}/environ" > /dev/null 2>&1; then
	notok "bgtest cannot read the agent's memory" "/proc/$AGENT_PID/environ is readable by bgtest"
else
	ok "bgtest cannot read the agent's memory"
fi
# The control: the agent's supervising shell, also bgtest's, is dumpable.
SUPERVISOR_PID=$(ps -o ppid= -p "${AGENT_PID:-0}" | tr -d ' ')
if setpriv --reuid=bgtest --regid="$uid" --clear-groups cat "/proc/${SUPERVISOR_PID:-0}/environ" > /dev/null 2>&1; then
	ok "bgtest can read its other processes"
else
	notok "bgtest can read its other processes" "/proc/$SUPERVISOR_PID/environ is not readable, so the check above proves nothing"
fi
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

# --- a start as the unprivileged user itself (docker run --user 10001) ----------

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
expect_match "unprivileged start warns about the key" \
	"^entrypoint: warning: started as bgtest, not as root: the agent's tools can read " "$(cat "$T/entry2.err")"
kill "$ENTRY2_PID" 2> /dev/null

finish
