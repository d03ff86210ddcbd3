# tests/lib.sh: helpers every test script sources: case reporting, a scratch
# folder, a CGI runner and a lighttpd on a free loopback port.
#
# A script prints "ok NAME" or "not ok NAME: why" per case (tests/run counts
# them) and should end with `finish`, which exits non-zero if any case failed.

BG_ROOT=${BG_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BG_BUILD=${BG_BUILD:-$BG_ROOT/build}
BG_ASAN=${BG_ASAN:-$BG_ROOT/build/asan}
BG_FIXTURES=${BG_FIXTURES:-$BG_ROOT/../shared/fixtures/stream-json}
_bg_failed=0
_bg_cleanups=()

ok() { printf 'ok %s\n' "$1"; }
notok() { printf 'not ok %s: %s\n' "$1" "$2"; _bg_failed=1; }
finish() { [ "$_bg_failed" -eq 0 ]; }

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
	if [ "$2" == "$3" ]; then ok "$1"; else notok "$1" "expected '$2', got '$3'"; fi
}

# expect_match NAME REGEX TEXT
expect_match() {
	if printf '%s' "$3" | grep -qE -- "$2"; then ok "$1"; else notok "$1" "'$(printf '%s' "$3" | head -c 300)' does not match /$2/"; fi
}

# Run a command when the script exits, last registered first.
on_exit() { _bg_cleanups=("$1" "${_bg_cleanups[@]}"); }
_bg_exit() {
	local c
	for c in "${_bg_cleanups[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
}
trap _bg_exit EXIT

# Make a scratch folder, removed at exit; its path is in $T.
scratch() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/bg-test.XXXXXX")
	on_exit "rm -rf '$T'"
}

# Write a breakglass.conf at $1 with state_dir $2 and the key = value lines
# that follow as arguments.
write_conf() {
	local path=$1 state=$2
	shift 2
	{
		echo "state_dir = $state"
		for line in "$@"; do echo "$line"; done
	} > "$path"
	mkdir -p "$state"
}

# cgi_run PROGRAM METHOD PATH_INFO QUERY [VAR=VALUE ...] < body
# Runs a CGI program with an environment built from scratch, like lighttpd's,
# and splits its answer into CGI_STATUS (number), CGI_HEADERS and CGI_BODY.
# CONTENT_LENGTH is set from the body unless given. BREAKGLASS_CONF comes
# from $BG_CONF.
cgi_run() {
	local prog=$1 method=$2 path_info=$3 query=$4
	shift 4
	local body out
	body=$(mktemp)
	cat > "$body"
	local len
	len=$(stat -c %s "$body")
	out=$(env -i PATH=/usr/bin:/bin BREAKGLASS_CONF="${BG_CONF:-}" \
		GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 REQUEST_SCHEME=http \
		HTTP_HOST=127.0.0.1:8080 SERVER_NAME=127.0.0.1 SERVER_PORT=8080 \
		REMOTE_ADDR=127.0.0.1 REQUEST_METHOD="$method" PATH_INFO="$path_info" \
		QUERY_STRING="$query" CONTENT_LENGTH="$len" \
		ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
		"$@" "$prog" < "$body" 2>"${CGI_STDERR:-/dev/null}"; printf x)
	rm -f "$body"
	out=${out%x}
	CGI_HEADERS=${out%%$'\r\n\r\n'*}
	CGI_BODY=${out#*$'\r\n\r\n'}
	CGI_STATUS=$(printf '%s\n' "$CGI_HEADERS" | sed -n 's/^Status: \([0-9]*\).*/\1/p' | head -n 1)
	[ -n "$CGI_STATUS" ] || CGI_STATUS=200
}

# Print an unused TCP port on 127.0.0.1.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Wait up to $2 seconds (default 10) for a TCP listener on 127.0.0.1:$1.
wait_port() {
	local port=$1 limit=${2:-10} i
	for ((i = 0; i < limit * 20; i++)); do
		if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then return 0; fi
		sleep 0.05
	done
	return 1
}

# lighttpd_start CONF [CGI_DIR] [EXTRA_CONF_TEXT]
# Starts lighttpd in the foreground (in the background of this script) with
# conf/lighttpd.conf on a free port; sets LIGHTTPD_PORT, LIGHTTPD_URL and
# LIGHTTPD_LOG. CGI_DIR defaults to $BG_BUILD/cgi-bin. Needs $T.
lighttpd_start() {
	local conf=$1 cgi=${2:-$BG_BUILD/cgi-bin} extra=${3:-}
	LIGHTTPD_PORT=$(free_port)
	LIGHTTPD_URL="http://127.0.0.1:$LIGHTTPD_PORT"
	LIGHTTPD_LOG="$T/lighttpd.log"
	cat > "$T/lighttpd-top.conf" <<EOT
var.bg_htdocs = "$BG_ROOT/htdocs"
var.bg_cgi = "$cgi"
var.bg_conf = "$conf"
var.bg_bind = "127.0.0.1"
var.bg_port = $LIGHTTPD_PORT
server.pid-file = "$T/lighttpd.pid"
include "$BG_ROOT/conf/lighttpd.conf"
$extra
EOT
	lighttpd -D -f "$T/lighttpd-top.conf" > "$LIGHTTPD_LOG" 2>&1 &
	LIGHTTPD_PID=$!
	on_exit "kill $LIGHTTPD_PID"
	if ! wait_port "$LIGHTTPD_PORT" 10; then
		echo "lighttpd did not start:" >&2
		cat "$LIGHTTPD_LOG" >&2
		return 1
	fi
}

# http METHOD PATH [curl args...]: sets HTTP_STATUS, HTTP_HEADERS, HTTP_BODY.
http() {
	local method=$1 path=$2
	shift 2
	local hdr body
	hdr=$(mktemp)
	body=$(mktemp)
	HTTP_STATUS=$(curl -sS -o "$body" -D "$hdr" -w '%{http_code}' --max-time "${HTTP_TIMEOUT:-20}" \
		-X "$method" "$@" "$LIGHTTPD_URL$path")
	HTTP_HEADERS=$(tr -d '\r' < "$hdr")
	HTTP_BODY=$(cat "$body")
	rm -f "$hdr" "$body"
}
