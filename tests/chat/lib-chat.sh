# tests/chat/lib-chat.sh: what the chat tests share: a configuration whose CLI
# is the stand-in, sessions, and calls of cgi-bin/chat with their SSE parsed.
# Source it after tests/lib.sh and `scratch`.

STANDIN="$BG_ROOT/tests/stand-ins/claude"
CHAT_BIN=${BG_CHAT_BIN:-$BG_ASAN/cgi-bin}
TOKEN=0123456789abcdef0123456789abcdef-chat
# The stand-in's controls reach it only when agent_env names them.
STANDIN_VARS=STANDIN_TRANSCRIPT,STANDIN_DELAY_MS,STANDIN_EXIT,STANDIN_STDERR,STANDIN_CRASH_AT,STANDIN_HANG_AT,STANDIN_ARGV_FILE,STANDIN_ORPHAN,STANDIN_IGNORE_SIGINT,STANDIN_ENV_FILE,STANDIN_TIMESTAMP,STANDIN_IN_USE

# chat_setup [KEY = VALUE...]: token, a short agent file and $T/bg.conf; a
# line given replaces the default line of its key.
chat_setup() {
	local line key defaults=() lines=()
	printf '%s\n' "$TOKEN" > "$T/token"
	cat > "$T/agent.md" <<'EOA'
---
name: breakglass
description: Test agent.
tools: Bash, Read, Grep, Glob
---
You are a test agent.
EOA
	defaults=("bearer_token_file = $T/token" "claude_bin = $STANDIN" "agent_file = $T/agent.md"
		"turn_timeout = 30" "agent_env = ANTHROPIC_API_KEY,$STANDIN_VARS")
	for line in "${defaults[@]}"; do
		key=${line%% =*}
		printf '%s\n' "$@" | grep -q "^$key =" || lines+=("$line")
	done
	write_conf "$T/bg.conf" "$T/state" "${lines[@]}" "$@"
	export BG_CONF="$T/bg.conf"
}

# new_session: mint a session, its id in $SID.
new_session() {
	cgi_run "$CHAT_BIN/session" POST "" "" CONTENT_TYPE=application/json \
		HTTP_AUTHORIZATION="Bearer $TOKEN" <<<'{}'
	SID=$(printf '%s' "$CGI_BODY" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
}

# Each CGI run writes its stderr (and its turn's supervisor's) to a file of
# its own, so a detached supervisor's late lines are not lost.
stderr_file() {
	mktemp "$T/stderr.XXXXXX"
}

# sanitizer_clean NAME: no CGI or supervisor reported a sanitizer error.
sanitizer_clean() {
	local hits
	hits=$(grep -lE 'Sanitizer|runtime error' "$T"/stderr.* 2>/dev/null | head -n 3)
	if [ -z "$hits" ]; then ok "$1"; else notok "$1" "$(head -n 5 $hits)"; fi
}

chat_body() {
	python3 -c 'import json, sys; print(json.dumps({"session": sys.argv[1], "message": sys.argv[2]}))' "$1" "$2"
}

# chat_post SID MESSAGE [VAR=VALUE...]: POST /chat; sets CGI_STATUS, CGI_BODY.
chat_post() {
	local sid=$1 msg=$2
	shift 2
	CGI_STDERR=$(stderr_file) cgi_run "$CHAT_BIN/chat" POST "" "" CONTENT_TYPE=application/json \
		HTTP_AUTHORIZATION="Bearer $TOKEN" "$@" < <(chat_body "$sid" "$msg")
}

# chat_post_to FILE SID MESSAGE [VAR=VALUE...]: the same, status and body to
# FILE.status and FILE (for runs in the background).
chat_post_to() {
	local file=$1
	shift
	chat_post "$@"
	printf '%s\n' "$CGI_STATUS" > "$file.status"
	printf '%s' "$CGI_BODY" > "$file"
}

# chat_get QUERY [VAR=VALUE...]: GET /chat?QUERY.
chat_get() {
	local query=$1
	shift
	CGI_STDERR=$(stderr_file) cgi_run "$CHAT_BIN/chat" GET "" "$query" HTTP_AUTHORIZATION="Bearer $TOKEN" "$@" </dev/null
}

chat_delete() {
	CGI_STDERR=$(stderr_file) cgi_run "$CHAT_BIN/chat" DELETE "" "session=$1" CONTENT_TYPE=application/json \
		HTTP_AUTHORIZATION="Bearer $TOKEN" </dev/null
}

# sse_events: an SSE body on stdin to "ID EVENT" lines.
sse_events() {
	awk '/^id: /{id=$2} /^event: /{print id, $2}'
}

# sse_data EVENT: the data lines of every EVENT in the SSE body on stdin.
sse_data() {
	awk -v want="$1" '/^event: /{ev=$2} /^data: /{if (ev == want) print substr($0, 7)}'
}

# wait_for SECONDS COMMAND...: retry COMMAND every 50 ms until it succeeds.
wait_for() {
	local limit=$1 i
	shift
	for ((i = 0; i < limit * 20; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# log_has SID EVENT: the session's event log contains an EVENT line.
log_has() {
	grep -q "\"event\":\"$2\"" "$T/state/sessions/$1/events.jsonl" 2>/dev/null
}

# turn_idle SID: no turn holds the session's lock.
turn_idle() {
	flock -n -x "$T/state/sessions/$1/turn.lock" true 2>/dev/null
}

# no_process PATTERN: no process's command line matches PATTERN.
no_process() {
	! pgrep -f "$1" >/dev/null
}

# ids_increasing: the "ID EVENT" lines on stdin have strictly increasing ids.
ids_increasing() {
	awk 'BEGIN{last=-1; ok=1} {if ($1 <= last) ok=0; last=$1} END{exit ok ? 0 : 1}'
}
