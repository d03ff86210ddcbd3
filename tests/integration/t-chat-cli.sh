#!/usr/bin/env bash
# tests/integration/t-chat-cli.sh: chat turns of the real Claude Code CLI
# through a real lighttpd, against the scripted Messages API on loopback
# (tests/tools/fake-anthropic.py): resume, a real Bash tool, stop, replay.
. "$(dirname "$0")/../lib.sh"
scratch
TAG="bgcli$$"

CLAUDE=
for c in "$BG_ROOT/tests/node_modules/@anthropic-ai/claude-code-linux-x64/claude" \
	"$BG_ROOT/tests/node_modules/@anthropic-ai/claude-code/bin/claude.exe"; do
	if [ -x "$c" ]; then CLAUDE=$c; break; fi
done
if [ -z "$CLAUDE" ]; then
	notok "the pinned Claude Code CLI is installed" "run tests/deps.sh (npm ci in tests/)"
	finish
	exit 1
fi

# The scripted Messages API.
python3 "$BG_ROOT/tests/tools/fake-anthropic.py" --port-file "$T/api.port" --log "$T/api.log" 2>"$T/api.err" &
on_exit "kill $!"
wait_for_file() { local i; for ((i = 0; i < 100; i++)); do [ -s "$1" ] && return 0; sleep 0.05; done; return 1; }
wait_for_file "$T/api.port" || { notok "the fake Messages API starts" "$(cat "$T/api.err")"; finish; exit 1; }
API_PORT=$(cat "$T/api.port")

TOKEN=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$TOKEN" > "$T/token"
mkdir -p "$T/home"
write_conf "$T/bg.conf" "$T/state" "bearer_token_file = $T/token" "claude_bin = $CLAUDE" \
	"agent_file = $BG_ROOT/conf/agent/breakglass.md" "turn_timeout = 60" \
	"agent_env = ANTHROPIC_API_KEY,ANTHROPIC_BASE_URL,CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC,CLAUDE_CODE_MAX_RETRIES"
# lighttpd hands a CGI only the variables it is configured with.
lighttpd_start "$T/bg.conf" "" "setenv.add-environment += (
	\"ANTHROPIC_BASE_URL\" => \"http://127.0.0.1:$API_PORT\",
	\"ANTHROPIC_API_KEY\" => \"sk-ant-test-dummy\",
	\"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC\" => \"1\",
	\"CLAUDE_CODE_MAX_RETRIES\" => \"1\",
	\"HOME\" => \"$T/home\",
)" || { notok "lighttpd starts" "see above"; finish; exit 1; }
AUTH=(-H "Authorization: Bearer $TOKEN")
JSON=(-H "Content-Type: application/json")

sse_events() { awk '/^id: /{id=$2} /^event: /{print id, $2}'; }
sse_data() { awk -v want="$1" '/^event: /{ev=$2} /^data: /{if (ev == want) print substr($0, 7)}'; }
body() { python3 -c 'import json, sys; print(json.dumps({"session": sys.argv[1], "message": sys.argv[2]}))' "$1" "$2"; }
new_session() {
	http POST /session "${AUTH[@]}" "${JSON[@]}" --data '{}'
	SID=$(printf '%s' "$HTTP_BODY" | sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p')
}
# chat SID MESSAGE [curl args]: POST /chat, the SSE body in $HTTP_BODY.
chat() {
	local sid=$1 msg=$2
	shift 2
	HTTP_TIMEOUT=90 http POST /chat "${AUTH[@]}" "${JSON[@]}" -N --data-binary "$(body "$sid" "$msg")" "$@"
}
wait_for() {
	local limit=$1 i
	shift
	for ((i = 0; i < limit * 20; i++)); do "$@" && return 0; sleep 0.05; done
	return 1
}

# --- Two turns of one session: the second resumes the first.
new_session
chat "$SID" "Is the VM up? $TAG-one"
expect_eq "turn 1 through lighttpd is 200" 200 "$HTTP_STATUS"
expect_eq "turn 1 streams user, session, text, result, done" "user session text result done" \
	"$(printf '%s' "$HTTP_BODY" | sse_events | awk '{print $2}' | uniq | tr '\n' ' ' | sed 's/ $//')"
expect_match "turn 1 has the scripted text" 'Hello from the scripted model' "$(printf '%s' "$HTTP_BODY" | sse_data text | tr -d '\n')"
expect_eq "turn 1 ends ok" '{"exit":0,"ok":true}' "$(printf '%s' "$HTTP_BODY" | sse_data done)"
expect_match "turn 1 is a new CLI session" '"resumed":false' "$(printf '%s' "$HTTP_BODY" | sse_data session)"
chat "$SID" "And the disk? $TAG-two"
expect_eq "turn 2 ends ok" '{"exit":0,"ok":true}' "$(printf '%s' "$HTTP_BODY" | sse_data done)"
expect_match "turn 2 resumes the CLI session" '"resumed":true' "$(printf '%s' "$HTTP_BODY" | sse_data session)"
last_request=$(tail -n 1 "$T/api.log")
expect_match "turn 2's request carries turn 1's messages" "$TAG-one.*Hello from the scripted model.*$TAG-two" "$last_request"
expect_match "the request carries the agent's prompt" 'You are breakglass' "$last_request"
http GET "/session/$SID" "${AUTH[@]}"
expect_match "GET /session/<id> holds both turns' events" '"turns":2.*"events":\[\{"id":1,"event":"user".*"event":"user","data":\{"text":"And the disk' "$HTTP_BODY"

# --- A Bash tool call runs a real command.
new_session
chat "$SID" "SCENARIO:bash echo $TAG-bash-out; uname -s"
expect_match "the Bash tool call is streamed" '"name":"Bash","input":\{"command":"echo '"$TAG"'-bash-out; uname -s"' \
	"$(printf '%s' "$HTTP_BODY" | sse_data tool)"
expect_match "the command's real output is streamed" '"output":"'"$TAG"'-bash-out\\nLinux","is_error":false' \
	"$(printf '%s' "$HTTP_BODY" | sse_data tool)"
expect_eq "the tool turn ends ok" '{"exit":0,"ok":true}' "$(printf '%s' "$HTTP_BODY" | sse_data done)"

# --- An overloaded API: a retry, then a failed result.
new_session
chat "$SID" "SCENARIO:529"
expect_match "HTTP 529 shows as a non-fatal api_retry" '"code":"api_retry".*"fatal":false' "$(printf '%s' "$HTTP_BODY" | sse_data error)"
expect_match "HTTP 529 ends with a failed result" '"ok":false' "$(printf '%s' "$HTTP_BODY" | sse_data result)"
expect_eq "HTTP 529 ends with done exit 1" '{"exit":1,"ok":false}' "$(printf '%s' "$HTTP_BODY" | sse_data done)"

# --- Stop mid-turn while the Bash tool runs: nothing is left running.
new_session
STOP_SID=$SID
# The CLI refuses a long `sleep` in its Bash tool; tail -f waits as long.
# A pattern anchored at the start matches tail itself, not the CLI, whose
# argv contains the same text.
: > "$T/$TAG-stop"
( chat "$STOP_SID" "SCENARIO:bash tail -f /dev/null $T/$TAG-stop"; printf '%s' "$HTTP_BODY" > "$T/stop.out" ) &
post=$!
if wait_for 30 pgrep -f "^tail -f /dev/null $T/$TAG-stop" >/dev/null; then ok "the Bash tool's command runs"; else notok "the Bash tool's command runs" "no tail seen"; fi
http DELETE "/chat?session=$STOP_SID" "${AUTH[@]}" "${JSON[@]}"
expect_eq "DELETE /chat of a running turn is 202" 202 "$HTTP_STATUS"
start=$(date +%s)
wait "$post"
expect_eq "the stopped stream ends with aborted, then done" "error done" \
	"$(sse_events < "$T/stop.out" | tail -n 2 | awk '{print $2}' | tr '\n' ' ' | sed 's/ $//')"
expect_match "the stop is reported as aborted" '"code":"aborted"' "$(sse_data error < "$T/stop.out")"
if pgrep -f "$TAG-stop" >/dev/null; then
	notok "nothing of the stopped turn is left" "$(pgrep -af "$TAG-stop")"
else
	ok "nothing of the stopped turn is left"
fi
echo "# stop took $(( $(date +%s) - start )) s" >&2

# --- A client leaves mid-turn and replays with Last-Event-ID: every event once.
new_session
: > "$T/left.out"
curl -sS -N -X POST "${AUTH[@]}" "${JSON[@]}" --data-binary "$(body "$SID" "SCENARIO:slow 25")" \
	"$LIGHTTPD_URL/chat" > "$T/left.out" 2>/dev/null &
client=$!
wait_for 30 sh -c "[ \$(grep -c '^id: ' '$T/left.out') -ge 3 ]"
kill "$client"
wait "$client" 2>/dev/null
seen=$(awk '/^id: /{id=$2} /^$/{if (id != "") {print id; id=""}}' "$T/left.out")
last=$(printf '%s\n' "$seen" | tail -n 1)
if [ -n "$last" ]; then ok "events arrive live before the client leaves"; else notok "events arrive live before the client leaves" "none"; fi
HTTP_TIMEOUT=30 http GET "/chat?session=$SID" "${AUTH[@]}" -N -H "Last-Event-ID: $last"
rest=$(printf '%s' "$HTTP_BODY" | sse_events | awk '{print $1}')
expect_eq "the replay follows the turn to done" done "$(printf '%s' "$HTTP_BODY" | sse_events | tail -n 1 | awk '{print $2}')"
all=$(awk -F'"id":' '{split($2, a, ","); print a[1]}' "$T/state/sessions/$SID/events.jsonl")
expect_eq "left + replayed = every event exactly once" "$all" "$(printf '%s\n%s\n' "$seen" "$rest" | sed '/^$/d')"
expect_eq "the left turn still ended ok" '{"exit":0,"ok":true}' "$(printf '%s' "$HTTP_BODY" | sse_data done)"
finish
