#!/usr/bin/env bash
# entrypoint.sh: the container's command. Checks the settings in the
# environment, loads the SSH key into an ssh-agent, writes ~/.ssh/config,
# known_hosts, breakglass.conf and lighttpd's top file, then execs lighttpd in
# the foreground; lighttpd switches to the non-root runtime user.
#
# It is meant to start as root with only CAP_CHOWN, CAP_SETUID and
# CAP_SETGID (conf/k8s/deployment.yaml). Root opens the private key, which
# only root may read, and hands it to ssh-add through stdin; ssh-add and the
# ssh-agent run as the runtime user. lighttpd, the CGIs and the CLI then run
# as that user with no capabilities and cannot read the key file. Started as
# the runtime user itself, it still works, with a warning, because then the
# key file must be readable by the user the agent's tools run as.
#
# Every setting and its default is listed in README.md (Deployment,
# "Container settings"). Missing or invalid settings stop the start with one
# line each on stderr, naming the setting. No secret is written to stdout,
# stderr or any file but the one it came from. The agent's credentials reach
# the CGIs through lighttpd's env.NAME references, never through the
# rendered files.
#
# Exit status: 0 never (lighttpd replaces this script), 1 a setting is
# missing or invalid, 2 a step of the start failed.
set -euo pipefail
umask 077

say() { printf 'entrypoint: %s\n' "$*" >&2; }
fail() { say "$*"; exit 2; }

# --- settings -----------------------------------------------------------------

prefix=${BREAKGLASS_PREFIX:-/usr/local}
pve_host=${BREAKGLASS_PVE_HOST:-}
pve_port=${BREAKGLASS_PVE_PORT:-22}
pve_user=${BREAKGLASS_PVE_USER:-root}
vm_host=${BREAKGLASS_VM_HOST:-}
vm_port=${BREAKGLASS_VM_PORT:-22}
vm_user=${BREAKGLASS_VM_USER:-root}
vmid=${BREAKGLASS_VMID:-102}
known_hosts_text=${BREAKGLASS_KNOWN_HOSTS:-}
key_file=${BREAKGLASS_SSH_KEY_FILE:-/run/secrets/breakglass/ssh-key}
token_file=${BREAKGLASS_TOKEN_FILE:-}
trusted_proxies=${BREAKGLASS_TRUSTED_PROXIES:-}
auth_header=${BREAKGLASS_AUTH_HEADER:-X-authentik-username}
allowed_origin=${BREAKGLASS_ALLOWED_ORIGIN:-}
bind=${BREAKGLASS_BIND:-0.0.0.0}
port=${BREAKGLASS_PORT:-8080}
state_dir=${BREAKGLASS_STATE_DIR:-/var/lib/breakglass}
run_dir=${BREAKGLASS_RUN_DIR:-/run/breakglass}
run_user=${BREAKGLASS_USER:-breakglass}
htdocs=${BREAKGLASS_HTDOCS:-$prefix/share/breakglass/htdocs}
cgi_dir=${BREAKGLASS_CGI_DIR:-$prefix/lib/breakglass/cgi-bin}
lighttpd_conf=${BREAKGLASS_LIGHTTPD_CONF:-$prefix/share/breakglass/conf/lighttpd.conf}
agent_file=${BREAKGLASS_AGENT_FILE:-$prefix/share/breakglass/conf/agent/breakglass.md}
claude_bin=${BREAKGLASS_CLAUDE_BIN:-claude}
agent_env=${BREAKGLASS_AGENT_ENV:-ANTHROPIC_API_KEY,CLAUDE_CODE_OAUTH_TOKEN,ANTHROPIC_BASE_URL}
model=${BREAKGLASS_MODEL:-}
turn_timeout=${BREAKGLASS_TURN_TIMEOUT:-900}
max_turns=${BREAKGLASS_MAX_TURNS:-40}
connect_timeout=${BREAKGLASS_CONNECT_TIMEOUT:-5}
verb_timeout=${BREAKGLASS_VERB_TIMEOUT:-180}

# --- checks -------------------------------------------------------------------

# Every problem is collected first and then printed, one line each, so one
# restart fixes them all. A setting that failed one check skips the checks
# that depend on it, so it is named once.
errors=()
flagged=" "

# bad NAME LINE: record LINE as a problem of the setting NAME.
bad() {
	errors+=("$2")
	flagged="$flagged$1 "
}

# is_flagged NAME: true when NAME already has a problem.
is_flagged() { [[ $flagged == *" $1 "* ]]; }

# report_errors: print every problem found so far and stop.
report_errors() {
	[ "${#errors[@]}" -gt 0 ] || return 0
	local line
	for line in "${errors[@]}"; do say "$line"; done
	exit 1
}

[ -n "$pve_host" ] || bad BREAKGLASS_PVE_HOST "missing setting: BREAKGLASS_PVE_HOST (see README.md, Container settings)"
[ -n "$vm_host" ] || bad BREAKGLASS_VM_HOST "missing setting: BREAKGLASS_VM_HOST (see README.md, Container settings)"
[ -n "$known_hosts_text" ] || bad BREAKGLASS_KNOWN_HOSTS "missing setting: BREAKGLASS_KNOWN_HOSTS (see README.md, Container settings)"
if [ -z "$token_file" ] && [ -z "$trusted_proxies" ]; then
	bad BREAKGLASS_TOKEN_FILE "missing setting: BREAKGLASS_TOKEN_FILE or BREAKGLASS_TRUSTED_PROXIES (see README.md, Container settings)"
fi

# check_int NAME VALUE MIN MAX
check_int() {
	case "$2" in ''|*[!0-9]*) bad "$1" "$1 must be a whole number from $3 to $4"; return 0 ;; esac
	if [ "${#2}" -gt 10 ] || [ "$2" -lt "$3" ] || [ "$2" -gt "$4" ]; then
		bad "$1" "$1 must be a whole number from $3 to $4"
	fi
}

# check_word NAME VALUE: host names, user names, addresses and model names go
# into ssh's config, breakglass.conf and lighttpd's config. Allowed: letters,
# digits and . _ : [ ] @ -, not starting with a dash or @.
check_word() {
	local re='^[][A-Za-z0-9._:][][A-Za-z0-9._:@-]*$'
	if ! [[ $2 =~ $re ]]; then
		bad "$1" "$1 is not a valid name or address (letters, digits and . _ : [ ] @ - only)"
	fi
}

# check_path NAME VALUE: an absolute path without quotes, backslashes or
# control characters (it is quoted in lighttpd's config).
check_path() {
	local re='^/[^"\[:cntrl:]]*$'
	if ! [[ $2 =~ $re ]]; then
		bad "$1" "$1 must be an absolute path without quotes or backslashes"
	fi
}

# check_origin NAME VALUE: what a browser sends in Origin, scheme://host[:port]
# with a lowercase scheme and host, because the CGIs compare it byte for byte.
check_origin() {
	local re='^https?://([a-z0-9]([a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])(:([0-9]{1,5}))?$'
	if [[ $2 == *://*/* ]]; then
		bad "$1" "$1 must be an origin without a path or trailing slash, such as https://breakglass.example.org"
	elif ! [[ $2 =~ $re ]]; then
		bad "$1" "$1 must be an origin (http:// or https://, a lowercase host, an optional :port), such as https://breakglass.example.org"
	elif [ -n "${BASH_REMATCH[4]}" ] && { [ "${BASH_REMATCH[4]}" -lt 1 ] || [ "${BASH_REMATCH[4]}" -gt 65535 ]; }; then
		bad "$1" "$1 has a port outside 1 to 65535"
	fi
}

check_int BREAKGLASS_PVE_PORT "$pve_port" 1 65535
check_int BREAKGLASS_VM_PORT "$vm_port" 1 65535
check_int BREAKGLASS_PORT "$port" 1 65535
check_int BREAKGLASS_VMID "$vmid" 100 999999999
check_int BREAKGLASS_TURN_TIMEOUT "$turn_timeout" 1 86400
check_int BREAKGLASS_MAX_TURNS "$max_turns" 1 1000
check_int BREAKGLASS_CONNECT_TIMEOUT "$connect_timeout" 1 86400
check_int BREAKGLASS_VERB_TIMEOUT "$verb_timeout" 1 86400
[ -z "$pve_host" ] || check_word BREAKGLASS_PVE_HOST "$pve_host"
[ -z "$vm_host" ] || check_word BREAKGLASS_VM_HOST "$vm_host"
check_word BREAKGLASS_PVE_USER "$pve_user"
check_word BREAKGLASS_VM_USER "$vm_user"
check_word BREAKGLASS_BIND "$bind"
check_word BREAKGLASS_USER "$run_user"
[ -z "$model" ] || check_word BREAKGLASS_MODEL "$model"
[ -z "$allowed_origin" ] || check_origin BREAKGLASS_ALLOWED_ORIGIN "$allowed_origin"
re_header='^[A-Za-z0-9_-]+$'
re_cidrs='^[0-9A-Fa-f.:/, ]+$'
re_names='^[A-Z_][A-Z0-9_]*(,[A-Z_][A-Z0-9_]*)*$'
if ! [[ $auth_header =~ $re_header ]]; then
	bad BREAKGLASS_AUTH_HEADER "BREAKGLASS_AUTH_HEADER must be a header name (letters, digits, - and _)"
fi
if [ -n "$trusted_proxies" ] && ! [[ $trusted_proxies =~ $re_cidrs ]]; then
	bad BREAKGLASS_TRUSTED_PROXIES "BREAKGLASS_TRUSTED_PROXIES must be comma-separated CIDRs such as 10.0.0.0/8,fd00::/8"
fi
if ! [[ $agent_env =~ $re_names ]]; then
	bad BREAKGLASS_AGENT_ENV "BREAKGLASS_AGENT_ENV must be comma-separated variable names"
fi
for name in BREAKGLASS_STATE_DIR:"$state_dir" BREAKGLASS_RUN_DIR:"$run_dir" \
	BREAKGLASS_HTDOCS:"$htdocs" BREAKGLASS_CGI_DIR:"$cgi_dir" \
	BREAKGLASS_LIGHTTPD_CONF:"$lighttpd_conf" BREAKGLASS_AGENT_FILE:"$agent_file" \
	BREAKGLASS_SSH_KEY_FILE:"$key_file"; do
	check_path "${name%%:*}" "${name#*:}"
done
[ -z "$token_file" ] || check_path BREAKGLASS_TOKEN_FILE "$token_file"
case "$claude_bin" in
/*) check_path BREAKGLASS_CLAUDE_BIN "$claude_bin" ;;
*) check_word BREAKGLASS_CLAUDE_BIN "$claude_bin" ;;
esac

# The agent's socket path must fit in sockaddr_un (108 bytes with the NUL).
agent_sock=$run_dir/ssh-agent.sock
if ! is_flagged BREAKGLASS_RUN_DIR && [ "${#agent_sock}" -gt 100 ]; then
	bad BREAKGLASS_RUN_DIR "BREAKGLASS_RUN_DIR is too long for a socket path (at most 84 bytes)"
fi

# host_pattern HOST PORT: how known_hosts names a host on a port.
host_pattern() {
	if [ "$2" = 22 ]; then printf '%s' "$1"; else printf '[%s]:%s' "$1" "$2"; fi
}

# check_host_key HOST PORT HOST_SETTING PORT_SETTING: the known_hosts text
# must have a line for HOST on PORT; names the ones without in no_host_key.
no_host_key=""
check_host_key() {
	if [ -z "$1" ] || [ -z "$known_hosts_text" ] || is_flagged "$3" || is_flagged "$4"; then return 0; fi
	if ! ssh-keygen -F "$(host_pattern "$1" "$2")" -f /dev/stdin <<< "$known_hosts_text" > /dev/null 2>&1; then
		no_host_key="$no_host_key, $(host_pattern "$1" "$2") ($3)"
	fi
}
check_host_key "$pve_host" "$pve_port" BREAKGLASS_PVE_HOST BREAKGLASS_PVE_PORT
check_host_key "$vm_host" "$vm_port" BREAKGLASS_VM_HOST BREAKGLASS_VM_PORT
if [ -n "$no_host_key" ]; then
	bad BREAKGLASS_KNOWN_HOSTS "BREAKGLASS_KNOWN_HOSTS has no host key for ${no_host_key#, }; add the line ssh-keyscan prints for each"
fi

is_flagged BREAKGLASS_HTDOCS || [ -f "$htdocs/index.html" ] ||
	bad BREAKGLASS_HTDOCS "BREAKGLASS_HTDOCS: $htdocs/index.html does not exist"
if ! is_flagged BREAKGLASS_CGI_DIR; then
	absent=""
	for prog in session chat pve audit; do
		[ -x "$cgi_dir/$prog" ] || absent="$absent $prog"
	done
	[ -z "$absent" ] || bad BREAKGLASS_CGI_DIR "BREAKGLASS_CGI_DIR: $cgi_dir lacks the executable programs:$absent"
fi
is_flagged BREAKGLASS_LIGHTTPD_CONF || [ -r "$lighttpd_conf" ] ||
	bad BREAKGLASS_LIGHTTPD_CONF "BREAKGLASS_LIGHTTPD_CONF: $lighttpd_conf is not readable"
is_flagged BREAKGLASS_AGENT_FILE || [ -r "$agent_file" ] ||
	bad BREAKGLASS_AGENT_FILE "BREAKGLASS_AGENT_FILE: $agent_file is not readable"
# Opened, not tested with -r: root without CAP_DAC_OVERRIDE reads only what
# the file's mode lets its owner or others read.
if ! is_flagged BREAKGLASS_SSH_KEY_FILE && ! (: < "$key_file") 2> /dev/null; then
	bad BREAKGLASS_SSH_KEY_FILE "BREAKGLASS_SSH_KEY_FILE: $key_file does not exist or is not readable by uid $(id -u)"
fi

# The user lighttpd, the CGIs and the CLI run as. ssh reads ~/.ssh/config
# from the passwd entry's home, not from $HOME, so the user needs an entry.
as_user=()
entry=""
if [ "$(id -u)" -eq 0 ]; then
	if ! is_flagged BREAKGLASS_USER; then
		if entry=$(getent passwd "$run_user"); then
			as_user=(setpriv --reuid="$run_user" --regid="$(id -g "$run_user")" --init-groups)
		else
			bad BREAKGLASS_USER "BREAKGLASS_USER: no user named $run_user"
		fi
	fi
elif entry=$(getent passwd "$(id -u)"); then
	run_user=${entry%%:*}
else
	bad BREAKGLASS_USER "uid $(id -u) has no passwd entry; run as root or as the image's breakglass user"
fi
run_uid=""
if [ -n "$entry" ]; then
	IFS=: read -r _ _ run_uid run_gid _ home _ <<< "$entry"
	if [ "$run_uid" -eq 0 ]; then
		bad BREAKGLASS_USER "BREAKGLASS_USER must not be root"
	else
		check_path "home of $run_user" "$home"
	fi
fi

# as_user_run CMD...: run a command as the runtime user (directly when this
# script already runs as that user).
as_user_run() {
	if [ "${#as_user[@]}" -gt 0 ]; then "${as_user[@]}" -- "$@"; else "$@"; fi
}

# Every later check and step runs commands as the runtime user.
if [ -n "$run_uid" ] && ! is_flagged BREAKGLASS_USER && ! as_user_run true 2> /dev/null; then
	bad BREAKGLASS_USER "cannot switch to $run_user: the container needs CAP_SETUID and CAP_SETGID (see conf/k8s/deployment.yaml)"
fi

if [ -n "$run_uid" ] && ! is_flagged BREAKGLASS_USER; then
	# The key must reach the agent only through this script: the CGIs and the
	# CLI's tools run as the runtime user, and the model decides what they read.
	# shellcheck disable=SC2016 # $1 is the inner shell's
	if [ "$(id -u)" -eq 0 ] && ! is_flagged BREAKGLASS_SSH_KEY_FILE &&
		as_user_run sh -c ': < "$1"' _ "$key_file" 2> /dev/null; then
		bad BREAKGLASS_SSH_KEY_FILE "BREAKGLASS_SSH_KEY_FILE: $key_file is readable by $run_user, the user the agent's tools run as; make it mode 0400, owned by root (in Kubernetes: defaultMode 0400 and no fsGroup)"
	fi
	if [ -n "$token_file" ] && ! is_flagged BREAKGLASS_TOKEN_FILE; then
		if ! as_user_run test -r "$token_file"; then
			bad BREAKGLASS_TOKEN_FILE "BREAKGLASS_TOKEN_FILE: $token_file is not readable by $run_user"
		else
			# shellcheck disable=SC2016 # $1 is the inner shell's
			token_bytes=$(as_user_run sh -c 'tr -d "\n" < "$1" | wc -c' _ "$token_file")
			[ "$token_bytes" -ge 32 ] || bad BREAKGLASS_TOKEN_FILE "BREAKGLASS_TOKEN_FILE: the token must be at least 32 bytes"
		fi
	fi
	# The home is created only inside the state or run folder, a volume that
	# may start empty. Elsewhere it must exist, so a typo cannot create /nonexistent.
	case "$home/" in
	"$state_dir"/*|"$run_dir"/*) ;;
	*) as_user_run test -d "$home" || bad BREAKGLASS_USER "home of $run_user: $home does not exist" ;;
	esac
fi
report_errors

if [ "$(id -u)" -ne 0 ]; then
	say "warning: started as $run_user, not as root: the agent's tools can read $key_file; start as root (see README.md, Security model)"
fi
if [[ $claude_bin == /* ]]; then
	[ -x "$claude_bin" ] || say "warning: BREAKGLASS_CLAUDE_BIN: $claude_bin is not executable; the chat will fail"
elif ! command -v "$claude_bin" > /dev/null; then
	say "warning: BREAKGLASS_CLAUDE_BIN: $claude_bin is not on PATH; the chat will fail"
fi
if [ -z "${ANTHROPIC_API_KEY:-}" ] && [ -z "${CLAUDE_CODE_OAUTH_TOKEN:-}" ]; then
	say "warning: neither ANTHROPIC_API_KEY nor CLAUDE_CODE_OAUTH_TOKEN is set; the chat works only if the CLI is logged in under $home"
fi

# --- files ----------------------------------------------------------------------

# Root here may lack CAP_DAC_OVERRIDE (conf/k8s/deployment.yaml keeps only
# CHOWN, SETUID and SETGID), so it cannot enter the runtime user's private
# folders. It only creates the state and run folders and gives them to the
# user, who writes everything inside them.

# own_dir DIR: make DIR exist and belong to the runtime user.
own_dir() {
	if ! as_user_run test -d "$1" 2> /dev/null; then
		mkdir -p "$1" 2> /dev/null || as_user_run mkdir -p "$1" || return 1
	fi
	if [ "$(id -u)" -eq 0 ] && ! as_user_run test -O "$1" 2> /dev/null; then
		chown "$run_uid:$run_gid" "$1" || return 1
	fi
}

own_dir "$state_dir" || fail "cannot create $state_dir or give it to $run_user"
own_dir "$run_dir" || fail "cannot create $run_dir or give it to $run_user"
as_user_run mkdir -p "$home/.ssh" || fail "cannot create $home/.ssh"
# The run folder stays searchable (0711): lighttpd reads its top file there
# as root before it switches to the runtime user.
as_user_run chmod 0700 "$home/.ssh" || fail "cannot set the mode of $home/.ssh"
as_user_run chmod 0711 "$run_dir" || fail "cannot set the mode of $run_dir"

# write_file PATH MODE: stdin to PATH, written by the runtime user.
write_file() {
	# shellcheck disable=SC2016 # $1 and $2 are the inner shell's
	as_user_run sh -c 'cat > "$1.tmp" && chmod "$2" "$1.tmp" && mv -f "$1.tmp" "$1"' write_file "$1" "$2" ||
		fail "cannot write $1"
}

known_hosts=$home/.ssh/known_hosts
printf '%s\n' "$known_hosts_text" | write_file "$known_hosts" 0644

write_file "$home/.ssh/config" 0600 <<EOF
# Written by entrypoint.sh at every start; edits here are lost.
# devvm: the development VM, as $vm_user. pve: the Proxmox host, where a
# forced command accepts one power verb and nothing else.
Host devvm
	HostName $vm_host
	Port $vm_port
	User $vm_user

Host pve
	HostName $pve_host
	Port $pve_port
	User $pve_user
	RequestTTY no

Host *
	StrictHostKeyChecking yes
	UserKnownHostsFile $known_hosts
	GlobalKnownHostsFile /dev/null
	UpdateHostKeys no
	IdentityAgent $agent_sock
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	BatchMode yes
	ForwardAgent no
	ForwardX11 no
	ConnectTimeout 10
	ServerAliveInterval 15
	ServerAliveCountMax 4
EOF

conf=$run_dir/breakglass.conf
{
	echo "# Written by entrypoint.sh from the container's environment at every start."
	echo "state_dir = $state_dir"
	echo "auth_header = $auth_header"
	[ -z "$trusted_proxies" ] || echo "trusted_proxies = ${trusted_proxies// /}"
	[ -z "$token_file" ] || echo "bearer_token_file = $token_file"
	[ -z "$allowed_origin" ] || echo "allowed_origin = $allowed_origin"
	echo "pve_host = $pve_host"
	echo "pve_port = $pve_port"
	echo "pve_user = $pve_user"
	echo "known_hosts = $known_hosts"
	echo "vmid = $vmid"
	echo "connect_timeout = $connect_timeout"
	echo "verb_timeout = $verb_timeout"
	echo "claude_bin = $claude_bin"
	echo "agent_file = $agent_file"
	echo "agent_env = $agent_env"
	[ -z "$model" ] || echo "model = $model"
	echo "turn_timeout = $turn_timeout"
	echo "max_turns = $max_turns"
} | write_file "$conf" 0644

# lighttpd's top file: the variables conf/lighttpd.conf expects, then the
# extra CGI environment. Agent variables are referenced as env.NAME, so their
# values stay in this process's environment and never reach a file. Only the
# names that are set are listed, because lighttpd rejects an unset env.NAME.
top=$run_dir/lighttpd.conf
{
	echo "# Written by entrypoint.sh at every start."
	echo "var.bg_htdocs = \"$htdocs\""
	echo "var.bg_cgi = \"$cgi_dir\""
	echo "var.bg_conf = \"$conf\""
	echo "var.bg_bind = \"$bind\""
	echo "var.bg_port = $port"
	if [ "$(id -u)" -eq 0 ]; then
		echo "server.username = \"$run_user\""
		echo "server.groupname = \"$(id -gn "$run_user")\""
	fi
	echo "include \"$lighttpd_conf\""
	echo "setenv.add-environment += ("
	echo "	\"SSH_AUTH_SOCK\" => \"$agent_sock\","
	echo "	\"HOME\" => \"$home\","
	IFS=, read -ra names <<< "$agent_env"
	for name in "${names[@]}"; do
		if [ -n "${!name+set}" ]; then echo "	\"$name\" => env.$name,"; fi
	done
	echo ")"
} | write_file "$top" 0644

# --- check the rendered configuration -----------------------------------------

# The session program reads breakglass.conf before anything else and returns
# 500 naming the invalid key. With a valid file it stops at 401 (no credentials).
answer=$(as_user_run env -i PATH=/usr/bin:/bin BREAKGLASS_CONF="$conf" \
	GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET REQUEST_SCHEME=http \
	SERVER_PROTOCOL=HTTP/1.1 HTTP_HOST=localhost REMOTE_ADDR=127.0.0.1 \
	PATH_INFO= QUERY_STRING= "$cgi_dir/session" 2> /dev/null < /dev/null || true)
if printf '%s' "$answer" | grep -q '^Status: 500'; then
	fail "breakglass.conf was rejected: $(printf '%s' "$answer" | sed -n 's/.*"message":"\([^"]*\)".*/\1/p' | head -n 1)"
fi

# --- ssh-agent ------------------------------------------------------------------

# The agent runs as the runtime user, because ssh-agent rejects other users'
# clients. It dies with this process: lighttpd replaces this script, and the
# kernel sends the agent's supervising shell SIGTERM when lighttpd exits
# (--pdeathsig). The signal is set on the shell, because ssh-agent is setgid
# and exec of a setgid program clears it.
as_user_run rm -f "$agent_sock"
pdeath=(setpriv --pdeathsig TERM)
if [ "${#as_user[@]}" -gt 0 ]; then pdeath=("${as_user[@]}" --pdeathsig TERM); fi
# shellcheck disable=SC2016 # $1 and $! are the inner shell's
"${pdeath[@]}" -- bash -c 'ssh-agent -D -a "$1" > /dev/null & agent=$!
	trap "kill \$agent 2>/dev/null; wait \$agent; exit 0" TERM INT
	wait "$agent"' ssh-agent-supervisor "$agent_sock" < /dev/null &
for _ in $(seq 50); do
	[ -S "$agent_sock" ] && break
	sleep 0.1
done
[ -S "$agent_sock" ] || fail "ssh-agent did not create $agent_sock"

# ssh-add reads the key from stdin, opened here: the file may be readable only
# by root, or too open for ssh-add's own permission check.
if ! as_user_run env SSH_AUTH_SOCK="$agent_sock" ssh-add -q - < "$key_file" 2> /dev/null; then
	fail "BREAKGLASS_SSH_KEY_FILE: ssh-add could not load $key_file (not a private key, or it has a passphrase)"
fi
listing=$(as_user_run env SSH_AUTH_SOCK="$agent_sock" ssh-add -l)
case "$listing" in
*"(ED25519)"|*"(ECDSA)") ;;
*) fail "BREAKGLASS_SSH_KEY_FILE: the key must be ed25519 or ECDSA (Debian's libssh2 cannot sign with RSA keys)" ;;
esac
say "ssh-agent holds $(printf '%s' "$listing" | awk '{ print $NF, $2 }')"

# --- lighttpd -----------------------------------------------------------------

# lighttpd gets the environment it needs and nothing else: the agent's
# variables (for env.NAME), PATH and LANG.
keep=" PATH LANG ${agent_env//,/ } "
while IFS= read -r name; do
	case "$keep" in *" $name "*) ;; *) unset "$name" ;; esac
done < <(compgen -e)
export LANG=${LANG:-C.UTF-8}

say "lighttpd on $bind:$port as $run_user; state in $state_dir"
lighttpd=$(command -v lighttpd || echo /usr/sbin/lighttpd)
exec "$lighttpd" -D -f "$top"
