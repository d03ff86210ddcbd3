#!/usr/bin/env bash
# tests/chat/t-turn.sh: one turn from POST to `done` with the stand-in CLI:
# events, metadata, audit, the CLI failing, timeout, stop, replay, bad input.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-chat.sh"
scratch
chat_setup
FIX="$BG_FIXTURES"
TAG="bgchat$$"

# A quiet stream gets a keepalive comment every 15 s. This turn hangs in the
# background while the other cases run, and is checked at the end.
new_session
KEEP_SID=$SID
chat_post_to "$T/keep.out" "$KEEP_SID" "quiet $TAG-q" STANDIN_TRANSCRIPT="$FIX/local-text-plain.jsonl" STANDIN_HANG_AT=1 &
keep_pid=$!
keep_start=$(date +%s)
new_session

# --- A plain turn.
chat_post "$SID" "Is the VM up?" STANDIN_TRANSCRIPT="$FIX/local-text-plain.jsonl"
expect_eq "POST /chat is 200" 200 "$CGI_STATUS"
expect_match "the stream is text/event-stream" 'Content-Type: text/event-stream' "$CGI_HEADERS"
expect_match "the stream is not buffered by proxies" 'X-Accel-Buffering: no' "$CGI_HEADERS"
events=$(printf '%s' "$CGI_BODY" | sse_events)
expect_eq "a plain turn's events" "1 user
2 session
3 text
4 result
5 done" "$events"
expect_eq "the turn opens with the operator's message" '{"text":"Is the VM up?"}' "$(printf '%s' "$CGI_BODY" | sse_data user)"
expect_eq "done reports exit 0 and ok" '{"exit":0,"ok":true}' "$(printf '%s' "$CGI_BODY" | sse_data done)"

meta=$(cat "$T/state/sessions/$SID/meta.json")
expect_match "the first message titles the session" '"title":"Is the VM up\?"' "$meta"
expect_match "the turn is counted" '"turns":1' "$meta"
expect_match "the CLI's session id is kept" '"cli_session":"2867922c-8521-45c8-b964-bc95b38c3362"' "$meta"
expect_match "the audit log has chat.start" "\"action\":\"chat.start\",\"session\":\"$SID\"" "$(cat "$T/state/audit.jsonl")"
expect_match "the audit log has chat.end with the exit" "\"action\":\"chat.end\",\"session\":\"$SID\",\"ok\":true,\"exit_status\":0,\"state\":\"done\"" "$(cat "$T/state/audit.jsonl")"
if [ -e "$T/state/sessions/$SID/turn.pid" ]; then notok "the pid file goes with the turn" "still there"; else ok "the pid file goes with the turn"; fi

# --- Replay.
chat_get "session=$SID&after=3"
expect_eq "GET after=3 replays the rest" "4 result
5 done" "$(printf '%s' "$CGI_BODY" | sse_events)"
chat_get "session=$SID" HTTP_LAST_EVENT_ID=4
expect_eq "Last-Event-ID replays after it" "5 done" "$(printf '%s' "$CGI_BODY" | sse_events)"
chat_get "session=$SID&after=x"
expect_eq "a non-numeric after is 400" 400 "$CGI_STATUS"
chat_get "session=$SID" HTTP_LAST_EVENT_ID=-1
expect_eq "a negative Last-Event-ID is 400" 400 "$CGI_STATUS"
cgi_run "$CHAT_BIN/session" GET "/$SID" "" HTTP_AUTHORIZATION="Bearer $TOKEN" </dev/null
expect_match "GET /session/<id> holds the events" '"events":\[\{"id":1,"event":"user","data":\{"text":"Is the VM up\?"\}\},\{"id":2,"event":"session"' "$CGI_BODY"

# --- The CLI failing.
chat_post "$SID" "fail" STANDIN_TRANSCRIPT="$FIX/local-killed-sigterm-mid-stream.jsonl" \
	STANDIN_EXIT=1 STANDIN_STDERR="Error: something broke"
expect_match "exit 1 without a result is cli_failed with stderr" \
	'"code":"cli_failed","message":"The Claude Code CLI exited with status 1: Error: something broke","fatal":true' \
	"$(printf '%s' "$CGI_BODY" | sse_data error)"
expect_eq "ids go on across turns" 6 "$(printf '%s' "$CGI_BODY" | sse_events | head -n 1 | awk '{print $1}')"
expect_eq "cli_failed ends with done exit 1" '{"exit":1,"ok":false}' "$(printf '%s' "$CGI_BODY" | sse_data done)"
expect_eq "done comes last, once" "done" "$(printf '%s' "$CGI_BODY" | sse_events | awk '{print $2}' | grep -c done | sed 's/^1$/done/')"

chat_post "$SID" "fail in German" STANDIN_TRANSCRIPT="$FIX/local-killed-sigterm-mid-stream.jsonl" \
	STANDIN_EXIT=1 STANDIN_STDERR='Fehler: Größe zu groß'
expect_match "a non-ASCII stderr line keeps its letters" \
	'"message":"The Claude Code CLI exited with status 1: Fehler: Größe zu groß"' \
	"$(printf '%s' "$CGI_BODY" | sse_data error)"

chat_post "$SID" "crash" STANDIN_TRANSCRIPT="$FIX/local-text-plain.jsonl" STANDIN_CRASH_AT=2 STANDIN_EXIT=1
expect_eq "a crash mid-line is bad_line, then cli_failed" "user session error error done" \
	"$(printf '%s' "$CGI_BODY" | sse_events | awk '{printf "%s ", $2}' | sed 's/ $//')"
expect_match "the cut line is a non-fatal bad_line" '"code":"bad_line".*"fatal":false' "$(printf '%s' "$CGI_BODY" | sse_data error | head -n 1)"

chat_post "$SID" "max turns" STANDIN_TRANSCRIPT="$FIX/local-error-max-turns.jsonl" STANDIN_EXIT=1
expect_eq "exit 1 with a result is no cli_failed" "" "$(printf '%s' "$CGI_BODY" | sse_data error | grep cli_failed)"
expect_eq "exit 1 with a result is done ok:false" '{"exit":1,"ok":false}' "$(printf '%s' "$CGI_BODY" | sse_data done)"

# --- A session id the CLI already has (an earlier turn stopped early) is resumed.
new_session
chat_post "$SID" "in use" STANDIN_TRANSCRIPT="$FIX/local-text-plain.jsonl" STANDIN_IN_USE=1 \
	STANDIN_ARGV_FILE="$T/argv-in-use"
expect_eq "an id already in use is resumed in the same turn" '{"exit":0,"ok":true}' "$(printf '%s' "$CGI_BODY" | sse_data done)"
expect_eq "the retry resumes our own id" "--resume $SID" "$(grep -A1 -- '^--resume$' "$T/argv-in-use" | tr '\n' ' ' | sed 's/ $//')"
expect_match "the retried turn says it resumed" '"resumed":true' "$(printf '%s' "$CGI_BODY" | sse_data session)"

# --- A line over 16 MiB is skipped and the turn goes on.
python3 - "$FIX/local-text-plain.jsonl" "$T/huge.jsonl" <<'EOP'
import sys
lines = open(sys.argv[1], "rb").read().splitlines(keepends=True)
with open(sys.argv[2], "wb") as f:
    f.write(lines[0])
    f.write(b'{"type":"assistant","pad":"' + b"x" * (17 * 1024 * 1024) + b'"}\n')
    f.writelines(lines[1:])
EOP
chat_post "$SID" "huge" STANDIN_TRANSCRIPT="$T/huge.jsonl"
expect_eq "a line over 16 MiB is a bad_line and the turn goes on" "user session error text result done" \
	"$(printf '%s' "$CGI_BODY" | sse_events | awk '{printf "%s ", $2}' | sed 's/ $//')"

# --- Spawn failure.
chat_setup "claude_bin = $T/no-such-claude"
chat_post "$SID" "nothing to run"
expect_match "a missing CLI is spawn_failed" '"code":"spawn_failed".*"fatal":true' "$(printf '%s' "$CGI_BODY" | sse_data error)"
expect_eq "spawn_failed ends with done exit -1" '{"exit":-1,"ok":false}' "$(printf '%s' "$CGI_BODY" | sse_data done)"

# --- Timeout: SIGINT ends the stand-in as it ends the CLI, with a result.
chat_setup "turn_timeout = 1"
chat_post "$SID" "hang $TAG-t" STANDIN_TRANSCRIPT="$FIX/local-text-plain.jsonl" STANDIN_HANG_AT=1
expect_match "turn_timeout stops the turn with timeout" '"code":"timeout".*"fatal":true' "$(printf '%s' "$CGI_BODY" | sse_data error)"
expect_eq "a timed-out turn ends with done" '{"exit":0,"ok":false}' "$(printf '%s' "$CGI_BODY" | sse_data done)"
expect_match "the audit log records the timeout" '"action":"chat.end".*"state":"timeout"' "$(tail -n 1 "$T/state/audit.jsonl")"

# --- Stop: DELETE while the CLI hangs, with a Bash-tool-like orphan in its own session.
chat_setup
chat_delete "$SID"
expect_eq "DELETE with no turn running is 409" 409 "$CGI_STATUS"
chat_post_to "$T/stop.out" "$SID" "hang $TAG-s" STANDIN_TRANSCRIPT="$FIX/local-text-plain.jsonl" \
	STANDIN_HANG_AT=2 STANDIN_ORPHAN="$TAG-orphan-s" &
post_pid=$!
wait_for 10 pgrep -f "$TAG-orphan-s" >/dev/null
chat_delete "$SID"
expect_eq "DELETE of a running turn is 202" 202 "$CGI_STATUS"
wait "$post_pid"
expect_eq "the stopped turn ends with aborted, then done" "error done" \
	"$(sse_events < "$T/stop.out" | tail -n 2 | awk '{printf "%s ", $2}' | sed 's/ $//')"
expect_match "aborted is fatal" '"code":"aborted".*"fatal":true' "$(sse_data error < "$T/stop.out")"
if pgrep -f "$TAG-(s|orphan-s)" >/dev/null; then
	notok "nothing of a stopped turn is left" "$(pgrep -af "$TAG-")"
else
	ok "nothing of a stopped turn is left"
fi
wait_for 5 turn_idle "$SID"
expect_eq "the lock is free after a stop" 0 "$?"

# A CLI that ignores SIGINT gets SIGTERM 5 s later.
new_session
chat_post_to "$T/term.out" "$SID" "hang $TAG-i" STANDIN_TRANSCRIPT="$FIX/local-text-plain.jsonl" \
	STANDIN_HANG_AT=1 STANDIN_IGNORE_SIGINT=1 &
post_pid=$!
wait_for 10 log_has "$SID" session
chat_delete "$SID"
start=$(date +%s)
wait "$post_pid"
elapsed=$(( $(date +%s) - start ))
expect_eq "SIGTERM follows an ignored SIGINT" '{"exit":143,"ok":false}' "$(sse_data done < "$T/term.out")"
if [ "$elapsed" -ge 4 ] && [ "$elapsed" -le 10 ]; then ok "SIGTERM comes about 5 s after SIGINT"; else notok "SIGTERM comes about 5 s after SIGINT" "took $elapsed s"; fi
if pgrep -f "$TAG-i" >/dev/null; then notok "nothing of a terminated turn is left" "$(pgrep -af "$TAG-i")"; else ok "nothing of a terminated turn is left"; fi

# A supervisor killed outright takes the CLI with it.
new_session
chat_post_to "$T/killed.out" "$SID" "hang $TAG-k" STANDIN_TRANSCRIPT="$FIX/local-text-plain.jsonl" STANDIN_HANG_AT=1 &
post_pid=$!
wait_for 10 log_has "$SID" session
kill -KILL "$(cut -d' ' -f1 "$T/state/sessions/$SID/turn.pid")"
wait "$post_pid"
if wait_for 5 no_process "$TAG-k"; then ok "the CLI dies with its supervisor"; else notok "the CLI dies with its supervisor" "$(pgrep -af "$TAG-k")"; fi

# --- A turn also ends everything it started when it ends on its own.
chat_post "$SID" "orphan $TAG-o" STANDIN_TRANSCRIPT="$FIX/local-text-plain.jsonl" STANDIN_ORPHAN="$TAG-orphan-o"
expect_eq "a turn leaving an orphan still ends ok" '{"exit":0,"ok":true}' "$(printf '%s' "$CGI_BODY" | sse_data done)"
if pgrep -f "$TAG-orphan-o" >/dev/null; then notok "an orphan of a finished turn is killed" "still running"; else ok "an orphan of a finished turn is killed"; fi

# --- Bad requests.
chat_post "not-a-uuid" "x"
expect_eq "a malformed session id is 400" 400 "$CGI_STATUS"
chat_post "00000000-0000-4000-8000-000000000000" "x"
expect_eq "an unknown session is 404" 404 "$CGI_STATUS"
chat_post "$SID" ""
expect_eq "an empty message is 400" 400 "$CGI_STATUS"
chat_post "$SID" "$(head -c 32769 /dev/zero | tr '\0' a)"
expect_eq "a message over 32 KiB is 400" 400 "$CGI_STATUS"
expect_match "400 names bad_message" '"code":"bad_message"' "$CGI_BODY"
chat_post "$SID" "$(head -c 32768 /dev/zero | tr '\0' a)" STANDIN_TRANSCRIPT="$FIX/local-text-plain.jsonl"
expect_eq "a message of exactly 32 KiB runs" '{"exit":0,"ok":true}' "$(printf '%s' "$CGI_BODY" | sse_data done)"
cgi_run "$CHAT_BIN/chat" POST "" "" CONTENT_TYPE=application/json HTTP_AUTHORIZATION="Bearer $TOKEN" \
	<<<"{\"session\":\"$SID\",\"message\":\"a\\u0000b\"}"
expect_eq "a message with a NUL byte is 400" 400 "$CGI_STATUS"
# A turn that cannot be audited does not start.
mv "$T/state/audit.jsonl" "$T/audit.saved"
mkdir "$T/state/audit.jsonl"
chat_post "$SID" "unaudited" STANDIN_TRANSCRIPT="$FIX/local-text-plain.jsonl" STANDIN_ARGV_FILE="$T/argv-unaudited"
expect_eq "an unwritable audit log is 500 audit_failed" "500 audit_failed" \
	"$CGI_STATUS $(printf '%s' "$CGI_BODY" | sed -n 's/.*"code":"\([a-z_]*\)".*/\1/p')"
if [ -e "$T/argv-unaudited" ]; then notok "an unaudited turn never runs the CLI" "the CLI ran"; else ok "an unaudited turn never runs the CLI"; fi
rmdir "$T/state/audit.jsonl"
mv "$T/audit.saved" "$T/state/audit.jsonl"

chat_get "session=../../etc"
expect_eq "GET with a malformed session is 400" 400 "$CGI_STATUS"
cgi_run "$CHAT_BIN/chat" GET "/x" "session=$SID" HTTP_AUTHORIZATION="Bearer $TOKEN" </dev/null
expect_eq "a path below /chat is 404" 404 "$CGI_STATUS"
wait_s=$((18 - ($(date +%s) - keep_start)))
[ "$wait_s" -gt 0 ] && sleep "$wait_s"
chat_delete "$KEEP_SID"
wait "$keep_pid"
expect_match "a quiet stream gets a keepalive comment" '^: keepalive$' "$(cat "$T/keep.out")"
expect_eq "the quiet turn ends with done" '{"exit":0,"ok":false}' "$(sse_data done < "$T/keep.out")"

sanitizer_clean "turn runs are sanitizer-clean"
finish
