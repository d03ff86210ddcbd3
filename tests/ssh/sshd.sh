# tests/ssh/sshd.sh: sourced by the SSH tests: a real OpenSSH sshd on a free
# loopback port whose only key is forced to run host/pve-gate with the
# stand-in qm, and a breakglass.conf that points cgi-bin/pve at it.
# Needs tests/lib.sh, tests/gate/gate.sh and $T.

SSHD_BIN=${SSHD_BIN:-/usr/sbin/sshd}

# sshd_keys: the host key ($T/sshd/host_ed25519), the client key
# ($T/client/id_ed25519) and a second client key sshd does not know
# ($T/client/other_ed25519).
sshd_keys() {
	mkdir -p "$T/sshd" "$T/client"
	chmod 700 "$T/client"
	ssh-keygen -q -t ed25519 -N '' -C bg-test-host -f "$T/sshd/host_ed25519"
	ssh-keygen -q -t ed25519 -N '' -C bg-test-client -f "$T/client/id_ed25519"
	ssh-keygen -q -t ed25519 -N '' -C bg-test-other -f "$T/client/other_ed25519"
}

# sshd_authorize [GATE_ARGS...]: authorized_keys with the client key forced
# to the gate (default arguments: gate_argv).
sshd_authorize() {
	local args cmd
	if [ "$#" -gt 0 ]; then args="$*"; else args=$(gate_argv | tr '\n' ' '); fi
	cmd="$GATE ${args% }"
	printf 'restrict,command="%s" %s\n' "$cmd" "$(cat "$T/client/id_ed25519.pub")" \
		> "$T/sshd/authorized_keys"
}

# sshd_start: start sshd in the foreground of a background job on a free
# port; sets SSHD_PORT, SSHD_PID and SSHD_LOG and writes $T/known_hosts.
sshd_start() {
	# sshd started as root insists on its privilege separation folder.
	if [ "$(id -u)" -eq 0 ] && [ ! -d /run/sshd ]; then mkdir -p /run/sshd && chmod 755 /run/sshd; fi
	SSHD_PORT=$(free_port)
	SSHD_LOG="$T/sshd/sshd.log"
	cat > "$T/sshd/sshd_config" <<EOT
ListenAddress 127.0.0.1
HostKey $T/sshd/host_ed25519
PidFile none
AuthorizedKeysFile $T/sshd/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin forced-commands-only
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AllowUsers $(id -un)
UseDNS no
PermitUserEnvironment no
LogLevel VERBOSE
MaxStartups 64
MaxAuthTries 6
EOT
	"$SSHD_BIN" -D -e -f "$T/sshd/sshd_config" -p "$SSHD_PORT" > "$SSHD_LOG" 2>&1 &
	SSHD_PID=$!
	on_exit "kill $SSHD_PID"
	if ! wait_port "$SSHD_PORT" 10; then
		echo "sshd did not start:" >&2
		cat "$SSHD_LOG" >&2
		return 1
	fi
	sshd_known_hosts
}

# sshd_known_hosts: write $T/known_hosts with the current host key.
sshd_known_hosts() {
	printf '[127.0.0.1]:%s %s\n' "$SSHD_PORT" "$(cut -d' ' -f1,2 "$T/sshd/host_ed25519.pub")" \
		> "$T/known_hosts"
}

# sshd_conf [KEY=VALUE ...]: write $BG_CONF for cgi-bin/pve against this
# sshd; extra lines override nothing, so pass only keys not set here.
sshd_conf() {
	BG_CONF="$T/breakglass.conf"
	write_conf "$BG_CONF" "$T/state" \
		"bearer_token_file = $T/token" \
		"pve_host = 127.0.0.1" \
		"pve_port = ${PVE_PORT:-$SSHD_PORT}" \
		"pve_user = $(id -un)" \
		"known_hosts = ${KNOWN_HOSTS:-$T/known_hosts}" \
		"ssh_key = ${SSH_KEY-$T/client/id_ed25519}" \
		"connect_timeout = ${CONNECT_TIMEOUT:-3}" \
		"verb_timeout = ${VERB_TIMEOUT:-20}" \
		"$@"
	# An empty SSH_KEY leaves ssh_key at its default: the agent.
	[ -n "${SSH_KEY-x}" ] || sed -i '/^ssh_key = $/d' "$BG_CONF"
	[ -f "$T/token" ] || printf 'bg-test-token-0123456789abcdef0123456789\n' > "$T/token"
	export BG_CONF
}

# pve_post PROGRAM VERB [CONFIRM]: POST /pve through cgi_run with the token.
pve_post() {
	local prog=$1 verb=$2 confirm=${3:-}
	local body
	if [ -n "$confirm" ]; then
		body=$(printf '{"verb":"%s","confirm":"%s"}' "$verb" "$confirm")
	else
		body=$(printf '{"verb":"%s"}' "$verb")
	fi
	cgi_run "$prog" POST "" "" \
		CONTENT_TYPE=application/json \
		HTTP_AUTHORIZATION="Bearer $(cat "$T/token")" < <(printf '%s' "$body")
}

# json_get JSON EXPR: print a field with python3 (EXPR indexes "d").
json_get() {
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); v=eval(sys.argv[2]); print(json.dumps(v) if not isinstance(v,str) else v)' "$1" "$2" 2>/dev/null
}

# pve_request TRANSPORT VERB [CONFIRM]: POST /pve directly ("cgi") or through
# lighttpd ("http", after lighttpd_start); sets RESP_STATUS, RESP_BODY and
# RESP_MS (wall-clock milliseconds).
pve_request() {
	local transport=$1 verb=$2 confirm=${3:-} t0 body
	t0=$(date +%s%N)
	if [ "$transport" = cgi ]; then
		pve_post "$BG_BUILD/cgi-bin/pve" "$verb" "$confirm"
		RESP_STATUS=$CGI_STATUS
		RESP_BODY=$CGI_BODY
	else
		if [ -n "$confirm" ]; then
			body=$(printf '{"verb":"%s","confirm":"%s"}' "$verb" "$confirm")
		else
			body=$(printf '{"verb":"%s"}' "$verb")
		fi
		http POST /pve -H "Authorization: Bearer $(cat "$T/token")" \
			-H "Content-Type: application/json" --data-binary "$body"
		RESP_STATUS=$HTTP_STATUS
		RESP_BODY=$HTTP_BODY
	fi
	RESP_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
}

# cgi_pid PROGRAM: the pid of a running PROGRAM whose BREAKGLASS_CONF is
# this test's $BG_CONF (other test runs may run the same binary at once).
cgi_pid() {
	local f pid
	for f in /proc/[0-9]*/environ; do
		pid=${f#/proc/}
		pid=${pid%/environ}
		[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$1" ] || continue
		if { tr '\0' '\n' < "$f"; } 2>/dev/null | grep -qxF "BREAKGLASS_CONF=$BG_CONF"; then
			echo "$pid"
			return 0
		fi
	done
	return 1
}
