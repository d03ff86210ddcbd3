#!/usr/bin/env bash
# entrypoint.sh: the container's command. Checks the settings in the
# environment, loads the SSH key into an ssh-agent, writes ~/.ssh/config,
# known_hosts, breakglass.conf and lighttpd's top file, then execs lighttpd in
# the foreground as a non-root user.
#
# Every setting and its default is listed in README.md (Deployment,
# "Container settings"). A missing or invalid setting stops the start with one
# line on stderr naming it. No secret is written to stdout, stderr or any file
# but the one it came from. The private key goes from its file to ssh-add
# through stdin. The agent's credentials reach the CGIs through lighttpd's
# env.NAME references, never through the rendered files.
#
# Exit status: 0 never (lighttpd replaces this script), 1 a setting is
# missing or invalid, 2 a step of the start failed.
set -euo pipefail
umask 077

say() { printf 'entrypoint: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
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

# Every missing setting is named on one line, so one restart fixes them all.
missing=()
[ -n "$pve_host" ] || missing+=(BREAKGLASS_PVE_HOST)
[ -n "$vm_host" ] || missing+=(BREAKGLASS_VM_HOST)
[ -n "$known_hosts_text" ] || missing+=(BREAKGLASS_KNOWN_HOSTS)
if [ -z "$token_file" ] && [ -z "$trusted_proxies" ]; then
	missing+=("BREAKGLASS_TOKEN_FILE or BREAKGLASS_TRUSTED_PROXIES")
fi
if [ "${#missing[@]}" -gt 0 ]; then
	list=$(printf '%s, ' "${missing[@]}")
	die "missing setting: ${list%, } (see README.md, Container settings)"
fi

# --- checks -------------------------------------------------------------------

# check_int NAME VALUE MIN MAX
check_int() {
	case "$2" in ''|*[!0-9]*) die "$1 must be a whole number from $3 to $4";; esac
	if [ "${#2}" -gt 10 ] || [ "$2" -lt "$3" ] || [ "$2" -gt "$4" ]; then
		die "$1 must be a whole number from $3 to $4"
	fi
}

# check_word NAME VALUE: host names, user names, addresses and model names go
# into ssh's config, breakglass.conf and lighttpd's config. Allowed: letters,
# digits and . _ : [ ] @ -, not starting with a dash or @.
check_word() {
	local re='^[][A-Za-z0-9._:][][A-Za-z0-9._:@-]*$'
	if ! [[ $2 =~ $re ]]; then
		die "$1 is not a valid name or address (letters, digits and . _ : [ ] @ - only)"
	fi
}

# check_path NAME VALUE: an absolute path without quotes, backslashes or
# control characters (it is quoted in lighttpd's config).
check_path() {
	local re='^/[^"\[:cntrl:]]*$'
	if ! [[ $2 =~ $re ]]; then
		die "$1 must be an absolute path without quotes or backslashes"
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
check_word BREAKGLASS_PVE_HOST "$pve_host"
check_word BREAKGLASS_VM_HOST "$vm_host"
check_word BREAKGLASS_PVE_USER "$pve_user"
check_word BREAKGLASS_VM_USER "$vm_user"
check_word BREAKGLASS_BIND "$bind"
check_word BREAKGLASS_USER "$run_user"
[ -z "$model" ] || check_word BREAKGLASS_MODEL "$model"
re_header='^[A-Za-z0-9_-]+$'
re_cidrs='^[0-9A-Fa-f.:/, ]+$'
re_origin='^https?://[][A-Za-z0-9.:-]+$'
re_names='^[A-Z_][A-Z0-9_]*(,[A-Z_][A-Z0-9_]*)*$'
if ! [[ $auth_header =~ $re_header ]]; then
	die "BREAKGLASS_AUTH_HEADER must be a header name (letters, digits, - and _)"
fi
if [ -n "$trusted_proxies" ] && ! [[ $trusted_proxies =~ $re_cidrs ]]; then
	die "BREAKGLASS_TRUSTED_PROXIES must be comma-separated CIDRs such as 10.0.0.0/8,fd00::/8"
fi
if [ -n "$allowed_origin" ] && ! [[ $allowed_origin =~ $re_origin ]]; then
	die "BREAKGLASS_ALLOWED_ORIGIN must be an origin such as https://breakglass.example.org"
fi
if ! [[ $agent_env =~ $re_names ]]; then
	die "BREAKGLASS_AGENT_ENV must be comma-separated variable names"
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
if [ "${#agent_sock}" -gt 100 ]; then
	die "BREAKGLASS_RUN_DIR is too long for a socket path (at most 84 bytes)"
fi

[ -f "$htdocs/index.html" ] || die "BREAKGLASS_HTDOCS: $htdocs/index.html does not exist"
for prog in session chat pve audit; do
	[ -x "$cgi_dir/$prog" ] || die "BREAKGLASS_CGI_DIR: $cgi_dir/$prog is missing or not executable"
done
[ -r "$lighttpd_conf" ] || die "BREAKGLASS_LIGHTTPD_CONF: $lighttpd_conf is not readable"
[ -r "$agent_file" ] || die "BREAKGLASS_AGENT_FILE: $agent_file is not readable"
[ -r "$key_file" ] || die "BREAKGLASS_SSH_KEY_FILE: $key_file does not exist or is not readable"

# The user lighttpd, the CGIs and the CLI run as. ssh reads ~/.ssh/config
# from the passwd entry's home, not from $HOME, so the user needs an entry.
if [ "$(id -u)" -eq 0 ]; then
	entry=$(getent passwd "$run_user") || die "BREAKGLASS_USER: no user named $run_user"
	as_user=(setpriv --reuid="$run_user" --regid="$(id -g "$run_user")" --init-groups)
else
	entry=$(getent passwd "$(id -u)") || die "uid $(id -u) has no passwd entry; run as the image's breakglass user"
	run_user=${entry%%:*}
	as_user=()
fi
IFS=: read -r _ _ run_uid run_gid _ home _ <<< "$entry"
[ "$run_uid" -ne 0 ] || die "BREAKGLASS_USER must not be root"
check_path "home of $run_user" "$home"

# as_user_run CMD...: run a command as the runtime user (directly when this
# script already runs as that user).
as_user_run() {
	if [ "${#as_user[@]}" -gt 0 ]; then "${as_user[@]}" -- "$@"; else "$@"; fi
}

if [ -n "$token_file" ]; then
	as_user_run test -r "$token_file" || die "BREAKGLASS_TOKEN_FILE: $token_file is not readable by $run_user"
	# shellcheck disable=SC2016 # $1 is the inner shell's
	token_bytes=$(as_user_run sh -c 'tr -d "\n" < "$1" | wc -c' _ "$token_file")
	[ "$token_bytes" -ge 32 ] || die "BREAKGLASS_TOKEN_FILE: the token must be at least 32 bytes"
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

# The home is created only inside the state or run folder, a volume that may
# start empty. Elsewhere it must exist, so a typo cannot create /nonexistent.
case "$home/" in
"$state_dir"/*|"$run_dir"/*) ;;
*) [ -d "$home" ] || die "home of $run_user: $home does not exist" ;;
esac
for dir in "$state_dir" "$run_dir" "$home" "$home/.ssh"; do
	mkdir -p "$dir" || fail "cannot create $dir"
	if [ "$(id -u)" -eq 0 ]; then chown "$run_uid:$run_gid" "$dir"; fi
done
chmod 0700 "$home/.ssh" "$run_dir"

# write_file PATH MODE: stdin to PATH, owned by the runtime user.
write_file() {
	local tmp="$1.tmp"
	cat > "$tmp" || fail "cannot write $1"
	chmod "$2" "$tmp"
	if [ "$(id -u)" -eq 0 ]; then chown "$run_uid:$run_gid" "$tmp"; fi
	mv -f "$tmp" "$1"
}

# host_pattern HOST PORT: how known_hosts names a host on a port.
host_pattern() {
	if [ "$2" = 22 ]; then printf '%s' "$1"; else printf '[%s]:%s' "$1" "$2"; fi
}

known_hosts=$home/.ssh/known_hosts
printf '%s\n' "$known_hosts_text" | write_file "$known_hosts" 0644
for pair in "pve:$pve_host:$pve_port:BREAKGLASS_PVE_HOST" "vm:$vm_host:$vm_port:BREAKGLASS_VM_HOST"; do
	IFS=: read -r _ h p name <<< "$pair"
	if ! ssh-keygen -F "$(host_pattern "$h" "$p")" -f "$known_hosts" > /dev/null 2>&1; then
		die "BREAKGLASS_KNOWN_HOSTS has no host key for $(host_pattern "$h" "$p") ($name); add the line ssh-keyscan prints for it"
	fi
done
rm -f "$known_hosts.old"

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
rm -f "$agent_sock"
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
