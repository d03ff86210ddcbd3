#!/usr/bin/env bash
# tests/bench/chat-rss.sh: peak memory of cgi-bin/chat (and of the turn's
# supervisor) while a turn streams a large transcript.
#
#   tests/bench/chat-rss.sh [MB]    (run `make` first; default 100 MB)
#
# The stand-in CLI writes MB megabytes of text_delta lines of 1 KiB of text
# each as fast as it can. cgi-bin/chat runs as lighttpd would start it, with
# its SSE stream going to /dev/null. Reports the CGI's peak RSS (GNU time's
# %M) and the supervisor's VmHWM read from /proc just before it exits.
# Not part of make check.
set -eu
. "$(dirname "$0")/../lib.sh"
mb=${1:-100}
scratch

python3 - "$mb" > "$T/big.jsonl" <<'PY'
import json, sys
target = int(sys.argv[1]) * 1024 * 1024
sid = "2867922c-8521-45c8-b964-bc95b38c3362"
out = sys.stdout
out.write(json.dumps({"type": "system", "subtype": "init", "session_id": sid, "model": "bench", "cwd": "/", "tools": []}) + "\n")
line = json.dumps({"type": "stream_event", "session_id": sid, "parent_tool_use_id": None,
                   "event": {"type": "content_block_delta", "index": 0,
                             "delta": {"type": "text_delta", "text": "x" * 1024}}}) + "\n"
for _ in range(target // len(line)):
    out.write(line)
out.write(json.dumps({"type": "result", "subtype": "success", "is_error": False, "result": "done",
                      "num_turns": 1, "duration_ms": 1, "total_cost_usd": 0, "session_id": sid}) + "\n")
PY

TOKEN=0123456789abcdef0123456789abcdef-bench
printf '%s\n' "$TOKEN" > "$T/token"
cat > "$T/agent.md" <<'EOA'
---
name: breakglass
description: Bench agent.
tools: Bash
---
Bench.
EOA
write_conf "$T/bg.conf" "$T/state" "bearer_token_file = $T/token" \
	"claude_bin = $BG_ROOT/tests/stand-ins/claude" "agent_file = $T/agent.md" \
	"agent_env = STANDIN_TRANSCRIPT" "turn_timeout = 600"
export BG_CONF="$T/bg.conf"
cgi_run "$BG_BUILD/cgi-bin/session" POST "" "" CONTENT_TYPE=application/json \
	HTTP_AUTHORIZATION="Bearer $TOKEN" <<<'{}'
sid=$(printf '%s' "$CGI_BODY" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
body="{\"session\":\"$sid\",\"message\":\"bench\"}"

# Watch the supervisor's peak while it runs.
(
	hwm=0
	for _ in $(seq 1 6000); do
		pid=$(cut -d' ' -f1 "$T/state/sessions/$sid/turn.pid" 2>/dev/null || true)
		if [ -n "$pid" ] && v=$(awk '/^VmHWM:/{print $2}' "/proc/$pid/status" 2>/dev/null) && [ -n "$v" ]; then
			hwm=$v
			echo "$hwm" > "$T/supervisor.hwm"
		elif [ "$hwm" != 0 ]; then
			break
		fi
		sleep 0.05
	done
) &
watcher=$!

start=$(date +%s.%N)
env -i PATH=/usr/bin:/bin BREAKGLASS_CONF="$BG_CONF" REQUEST_METHOD=POST CONTENT_TYPE=application/json \
	REMOTE_ADDR=127.0.0.1 HTTP_HOST=127.0.0.1:8080 SERVER_NAME=127.0.0.1 SERVER_PORT=8080 REQUEST_SCHEME=http \
	HTTP_AUTHORIZATION="Bearer $TOKEN" CONTENT_LENGTH=${#body} STANDIN_TRANSCRIPT="$T/big.jsonl" \
	/usr/bin/time -f '%M' -o "$T/cgi.rss" "$BG_BUILD/cgi-bin/chat" <<<"$body" > "$T/stream.out" 2>/dev/null
end=$(date +%s.%N)
wait "$watcher" || true

printf 'chat-rss: %s MB transcript, %s events streamed in %.1f s; peak RSS: cgi-bin/chat %s KiB, supervisor %s KiB\n' \
	"$mb" "$(grep -c '^id: ' "$T/stream.out")" "$(echo "$end - $start" | bc)" \
	"$(cat "$T/cgi.rss")" "$(cat "$T/supervisor.hwm" 2>/dev/null || echo '?')"
