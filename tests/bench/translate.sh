#!/usr/bin/env bash
# tests/bench/translate.sh: compares the speed of the C translator (lib/translate.c,
# through build/tests/tools/translate_lines) with tests/bench/translate.py, which does
# the same mapping in straightforward Python, over every recorded transcript.
#
#   tests/bench/translate.sh [COPIES]    (run `make unit` first)
#
# The input is every fixture concatenated, COPIES times (default 20). Each
# translator runs 5 times; the lowest CPU time (user + system) counts,
# because wall-clock time on a shared machine varies more than the work. Before timing, the
# two outputs are compared event by event, so the numbers are for equal work.
set -eu
cd "$(dirname "$0")/../.."
copies=${1:-20}
fixtures=${BG_FIXTURES:-../shared/fixtures/stream-json}
tool=build/tests/tools/translate_lines
[ -x "$tool" ] || { echo "translate.sh: $tool is missing; run make unit" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bg-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for ((i = 0; i < copies; i++)); do cat "$fixtures"/*.jsonl; done > "$tmp/input.jsonl"

"$tool" "$tmp/input.jsonl" > "$tmp/c.events"
python3 tests/bench/translate.py "$tmp/input.jsonl" > "$tmp/py.events"
python3 - "$tmp/c.events" "$tmp/py.events" <<'PY'
import json, sys
# split("\n"), not splitlines(): events may hold U+2028, which splitlines() splits on.
c = open(sys.argv[1], encoding="utf-8").read().split("\n")
p = open(sys.argv[2], encoding="utf-8").read().split("\n")
c, p = c[:-1], p[:-1]  # both end with a newline
assert len(c) == len(p), f"event counts differ: C {len(c)}, Python {len(p)}"
for i, (x, y) in enumerate(zip(c, p)):
    xn, xj = x.split(" ", 1)
    yn, yj = y.split(" ", 1)
    assert xn == yn, f"event {i + 1}: name {xn} differs from {yn}"
    assert json.loads(xj) == json.loads(yj), f"event {i + 1}: data differs"
print(f"outputs agree: {len(c)} events")
PY

# Print the lowest CPU time (user + system) of 5 runs of a command, in seconds.
best_of_5() {
	local best="" t i
	for i in 1 2 3 4 5; do
		t=$( { /usr/bin/time -f '%U %S' "$@" > /dev/null; } 2>&1 | tail -n 1 | awk '{ print $1 + $2 }')
		if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$t; fi
	done
	echo "$best"
}

bytes=$(stat -c %s "$tmp/input.jsonl")
lines=$(wc -l < "$tmp/input.jsonl")
c=$(best_of_5 "$tool" "$tmp/input.jsonl")
py=$(best_of_5 python3 tests/bench/translate.py "$tmp/input.jsonl")
awk -v b="$bytes" -v l="$lines" -v c="$c" -v p="$py" 'BEGIN {
	printf "input: %d lines, %.1f MB\n", l, b / 1e6
	printf "C:      %6.2f s  %7.1f MB/s\n", c, b / 1e6 / (c > 0 ? c : 0.001)
	printf "Python: %6.2f s  %7.1f MB/s\n", p, b / 1e6 / (p > 0 ? p : 0.001)
	printf "ratio:  %.1fx\n", p / (c > 0 ? c : 0.001)
}'
