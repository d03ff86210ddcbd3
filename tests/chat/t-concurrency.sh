#!/usr/bin/env bash
# tests/chat/t-concurrency.sh: one turn per session, many sessions at once,
# and a client that leaves mid-turn and comes back for the rest.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib-chat.sh"
scratch
chat_setup
FIX="$BG_FIXTURES"
TRANSCRIPT="$FIX/local-tools-bash-read.jsonl"

# --- Two POSTs for one session at once: one runs, one is 409.
new_session
chat_post_to "$T/a.out" "$SID" "first" STANDIN_TRANSCRIPT="$TRANSCRIPT" STANDIN_DELAY_MS=200 &
a=$!
chat_post_to "$T/b.out" "$SID" "second" STANDIN_TRANSCRIPT="$TRANSCRIPT" STANDIN_DELAY_MS=200 &
b=$!
wait "$a" "$b"
expect_eq "two POSTs at once: one 200, one 409" "200 409" "$(cat "$T/a.out.status" "$T/b.out.status" | sort | tr '\n' ' ' | sed 's/ $//')"
expect_match "the 409 names turn_running" '"code":"turn_running"' "$(cat "$T/a.out" "$T/b.out")"
expect_match "the refused turn is audited" "\"action\":\"chat.refused\",\"session\":\"$SID\"" "$(cat "$T/state/audit.jsonl")"

# --- Thirty turns over thirty sessions in parallel.
new_session
chat_post "$SID" "reference" STANDIN_TRANSCRIPT="$TRANSCRIPT"
reference=$(printf '%s' "$CGI_BODY" | sse_events | awk '{print $2}')
expect_match "the reference turn ends with done" 'done$' "$reference"

pids=()
sids=()
for i in $(seq 1 30); do
	new_session
	sids+=("$SID")
	chat_post_to "$T/p$i.out" "$SID" "parallel $i" STANDIN_TRANSCRIPT="$TRANSCRIPT" STANDIN_DELAY_MS=5 &
	pids+=($!)
done
wait "${pids[@]}"
bad=0
for i in $(seq 1 30); do
	sid=${sids[$((i - 1))]}
	got=$(sse_events < "$T/p$i.out")
	log=$(awk -F'"event":"' '{split($2, a, "\""); print a[1]}' "$T/state/sessions/$sid/events.jsonl")
	if [ "$(cat "$T/p$i.out.status")" != 200 ] || [ "$(printf '%s\n' "$got" | awk '{print $2}')" != "$reference" ] ||
		! printf '%s\n' "$got" | ids_increasing || [ "$log" != "$reference" ]; then
		bad=$((bad + 1))
		echo "turn $i: status $(cat "$T/p$i.out.status"), events: $(printf '%s' "$got" | tr '\n' ' ')"
	fi
done
expect_eq "thirty parallel turns: every stream and log complete, none duplicated" 0 "$bad"

# --- A client leaves mid-turn (lighttpd sends the CGI SIGTERM) and comes back.
new_session
: > "$T/left.out"
env -i PATH=/usr/bin:/bin BREAKGLASS_CONF="$BG_CONF" REQUEST_METHOD=POST CONTENT_TYPE=application/json \
	REMOTE_ADDR=127.0.0.1 HTTP_HOST=127.0.0.1:8080 SERVER_NAME=127.0.0.1 SERVER_PORT=8080 REQUEST_SCHEME=http \
	HTTP_AUTHORIZATION="Bearer $TOKEN" CONTENT_LENGTH=$(chat_body "$SID" "leave early" | wc -c) \
	STANDIN_TRANSCRIPT="$FIX/local-partial-messages-tools.jsonl" STANDIN_DELAY_MS=40 \
	ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
	"$CHAT_BIN/chat" < <(chat_body "$SID" "leave early") > "$T/left.out" 2>"$T/stderr.left" &
cgi=$!
wait_for 10 sh -c "[ \$(grep -c '^id: ' '$T/left.out' 2>/dev/null) -ge 3 ]"
kill -TERM "$cgi"
wait "$cgi" 2>/dev/null
# Only whole events count: the last id whose blank line arrived.
seen=$(awk '/^id: /{id=$2} /^$/{if (id != "") {print id; id=""}}' "$T/left.out")
last=$(printf '%s\n' "$seen" | tail -n 1)
if turn_idle "$SID"; then notok "the turn goes on after the client left" "it had ended"; else ok "the turn goes on after the client left"; fi
chat_get "session=$SID" HTTP_LAST_EVENT_ID="$last"
rest=$(printf '%s' "$CGI_BODY" | sse_events | awk '{print $1}')
all=$(awk -F'"id":' '{split($2, a, ","); print a[1]}' "$T/state/sessions/$SID/events.jsonl")
expect_eq "replay after Last-Event-ID follows to done" done "$(printf '%s' "$CGI_BODY" | sse_events | tail -n 1 | awk '{print $2}')"
expect_eq "left + replayed = every event exactly once" "$all" "$(printf '%s\n%s\n' "$seen" "$rest" | sed '/^$/d')"
sanitizer_clean "parallel runs are sanitizer-clean"
finish
