#!/usr/bin/env bash
# t-sse-parser.sh: the page's event-stream parser (htdocs/js/sse.js) under node --test,
# one "ok"/"not ok" line per test case.
. "$(dirname "$0")/../lib.sh"

if ! command -v node >/dev/null 2>&1; then
	notok "sse parser unit tests" "node is not installed; run make deps"
	finish
	exit
fi

out=$(node --test --test-reporter=tap "$BG_ROOT/tests/browser/sse.test.mjs" 2>&1)
rc=$?
# Top-level TAP lines are "ok N - name" and "not ok N - name".
while IFS= read -r line; do
	case "$line" in
	"ok "*) ok "sse: ${line#ok * - }" ;;
	"not ok "*) notok "sse: ${line#not ok * - }" "see node --test tests/browser/sse.test.mjs" ;;
	esac
done <<< "$out"
if [ "$rc" -ne 0 ]; then
	printf '%s\n' "$out" | grep -A 12 '^not ok' | head -n 60
	_bg_failed=1
fi
finish
