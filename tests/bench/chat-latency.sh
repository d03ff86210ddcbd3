#!/usr/bin/env bash
# tests/bench/chat-latency.sh: the delay an event gets between the CLI writing
# its line and a client reading the event, through a real lighttpd.
#
#   tests/bench/chat-latency.sh [EVENTS] [GAP_MS]    (run `make` first)
#
# The stand-in CLI writes EVENTS text_delta lines (default 2000), GAP_MS apart
# (default 2), each carrying the CLOCK_REALTIME microseconds of its write. A
# Python client on the same machine reads the POST /chat stream and notes when
# each text event arrives. The path measured: the stand-in's pipe, the
# supervisor's read and translation, the event log append, the CGI's inotify
# wake-up and replay, lighttpd, the client socket. Prints p50, p99 and max.
# Not part of make check: the numbers depend on the machine and its load.
set -eu
. "$(dirname "$0")/../lib.sh"
events=${1:-2000}
gap=${2:-2}
scratch

sid_cli=2867922c-8521-45c8-b964-bc95b38c3362
python3 - "$events" "$sid_cli" > "$T/latency.jsonl" <<'PY'
import json, sys
n, sid = int(sys.argv[1]), sys.argv[2]
print(json.dumps({"type": "system", "subtype": "init", "session_id": sid, "model": "bench", "cwd": "/", "tools": []}))
for i in range(n):
    print(json.dumps({"type": "stream_event", "session_id": sid, "parent_tool_use_id": None,
                      "event": {"type": "content_block_delta", "index": 0,
                                "delta": {"type": "text_delta", "text": "@TS@"}}}))
print(json.dumps({"type": "result", "subtype": "success", "is_error": False, "result": "done",
                  "num_turns": 1, "duration_ms": 1, "total_cost_usd": 0, "session_id": sid}))
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
	"agent_env = STANDIN_TRANSCRIPT,STANDIN_DELAY_MS,STANDIN_TIMESTAMP"
lighttpd_start "$T/bg.conf" "" "setenv.add-environment += (
	\"STANDIN_TRANSCRIPT\" => \"$T/latency.jsonl\",
	\"STANDIN_DELAY_MS\" => \"$gap\",
	\"STANDIN_TIMESTAMP\" => \"1\",
)"
http POST /session -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" --data '{}'
sid=$(printf '%s' "$HTTP_BODY" | sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p')

python3 - "$LIGHTTPD_PORT" "$TOKEN" "$sid" <<'PY'
import http.client, json, sys, time
port, token, sid = int(sys.argv[1]), sys.argv[2], sys.argv[3]
conn = http.client.HTTPConnection("127.0.0.1", port)
conn.request("POST", "/chat", body=json.dumps({"session": sid, "message": "bench"}),
             headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
resp = conn.getresponse()
delays, event = [], None
while True:
    line = resp.fp.readline()
    if not line:
        break
    now = time.time_ns() // 1000
    if line.startswith(b"event: "):
        event = line[7:].strip()
    elif line.startswith(b"data: ") and event == b"text":
        delays.append(now - int(json.loads(line[6:])["text"]))
    elif line.startswith(b"data: ") and event == b"done":
        break
delays.sort()
if not delays:
    sys.exit("chat-latency: no text events arrived")
pick = lambda q: delays[min(len(delays) - 1, int(q * len(delays)))]
print(f"chat-latency: {len(delays)} events, CLI write to client read: "
      f"p50 {pick(0.50)} us, p99 {pick(0.99)} us, max {delays[-1]} us")
PY
