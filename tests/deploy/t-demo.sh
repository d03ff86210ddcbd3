#!/usr/bin/env bash
# tests/deploy/t-demo.sh: the demo end to end. It starts demo/run.sh (what
# `make demo` runs after the build) in the background on a free port and uses
# it as a person would: the page, a status verb, and one chat turn in which
# the demo model finds devvm's full disk over ssh. Then it stops the demo as
# Ctrl-C does and checks that no process is left and the scratch folder is gone.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
scratch
# The demo's unprivileged users must reach their files inside it.
chmod 0755 "$T"
DEMO_DIR_PATH="$T/demo"
PORT=$(free_port)

if [ "$(id -u)" -ne 0 ]; then
	notok "demo starts" "the demo runs as root"
	finish
	exit 1
fi

# The demo uses the CLI only through the demo model unless credentials are
# set; keep them out, whatever the caller's environment holds.
# A background job of a script starts with SIGINT ignored, and bash cannot
# trap a signal ignored at entry; python restores the default first, so the
# demo's own process group gets SIGINT as from Ctrl-C in a terminal.
env -u ANTHROPIC_API_KEY -u CLAUDE_CODE_OAUTH_TOKEN DEMO_PORT="$PORT" DEMO_DIR="$DEMO_DIR_PATH" \
	python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.setsid(); os.execv(sys.argv[1], sys.argv[1:])' \
	"$BG_ROOT/demo/run.sh" > "$T/demo.out" 2>&1 < /dev/null &
DEMO_PID=$!
on_exit "kill -TERM $DEMO_PID"
LIGHTTPD_URL="http://127.0.0.1:$PORT"

started=no
for _ in $(seq 300); do
	if grep -q 'breakglass demo is running' "$T/demo.out"; then started=yes; break; fi
	kill -0 "$DEMO_PID" 2> /dev/null || break
	sleep 0.1
done
if [ "$started" != yes ]; then
	notok "demo starts" "$(tail -n 20 "$T/demo.out")"
	finish
	exit 1
fi
ok "demo starts"

TOKEN=$(sed -n 's/^  token   //p' "$T/demo.out")
expect_match "demo prints a fresh token" '^[0-9a-f]{48}$' "$TOKEN"
expect_match "demo prints the page's URL" "page    http://127.0.0.1:$PORT/" "$(cat "$T/demo.out")"
expect_match "demo says the model is scripted" 'DEMO MODEL' "$(cat "$T/demo.out")"
AUTH=(-H "Authorization: Bearer $TOKEN")
JSON=(-H "Content-Type: application/json")

http GET /
expect_match "demo serves the page" '<html' "$HTTP_BODY"

http POST /pve "${AUTH[@]}" "${JSON[@]}" --data '{"verb":"status"}'
expect_eq "status verb through the demo is 200" 200 "$HTTP_STATUS"
expect_match "status verb reaches the stand-in VM" '"ok":true.*"state":"running"' "$HTTP_BODY"

http POST /session "${AUTH[@]}" "${JSON[@]}" --data '{}'
SID=$(printf '%s' "$HTTP_BODY" | sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p')
HTTP_TIMEOUT=60 http POST /chat "${AUTH[@]}" "${JSON[@]}" -N \
	--data "{\"session\":\"$SID\",\"message\":\"devapp is down on my VM, can you fix it?\"}"
expect_eq "chat turn through the demo is 200" 200 "$HTTP_STATUS"
TOOLS=$(printf '%s\n' "$HTTP_BODY" | awk '/^event: /{ev=$2} /^data: /{if (ev == "tool") print}')
expect_match "demo agent runs ssh devvm" '"command":"ssh -o ConnectTimeout=10 devvm ' "$TOOLS"
expect_match "demo agent sees the full disk" '100% /var/log' "$TOOLS"
expect_match "demo agent sees the failed service" 'devapp.service +loaded +failed' "$TOOLS"
RESULT=$(printf '%s\n' "$HTTP_BODY" | awk '/^event: /{ev=$2} /^data: /{if (ev == "result") print}')
expect_match "demo turn ends with the findings" '"ok":true.*Demo model.*Errno 28' "$RESULT"
expect_match "demo turn ends with done" 'event: done' "$HTTP_BODY"

# Stop it as Ctrl-C would (SIGINT to its whole process group), and look for
# anything left.
kill -INT -- "-$DEMO_PID"
gone=no
for _ in $(seq 100); do
	if ! kill -0 "$DEMO_PID" 2> /dev/null; then gone=yes; break; fi
	sleep 0.1
done
expect_eq "demo stops on Ctrl-C" yes "$gone"
expect_match "demo says it stopped" 'demo: stopped' "$(tail -n 1 "$T/demo.out")"
LEFT=$(pgrep -af -- "$DEMO_DIR_PATH" || true)
expect_eq "demo leaves no process running" "" "$LEFT"
if (exec 3<> "/dev/tcp/127.0.0.1/$PORT") 2> /dev/null; then
	notok "demo's port is closed" "127.0.0.1:$PORT still accepts connections"
else
	ok "demo's port is closed"
fi
if [ -e "$DEMO_DIR_PATH" ]; then
	notok "demo removes its scratch folder" "$DEMO_DIR_PATH is still there"
else
	ok "demo removes its scratch folder"
fi
finish
