#!/usr/bin/env bash
# fuzz/corpus.sh: builds the seed corpus of every fuzz target in build/fuzz/corpus/<target>/
# from the small hand-made seeds in fuzz/seeds/, the stream-json transcripts
# in $BG_FIXTURES, the golden CGI cases in tests/cgi/cases/ and the agent
# file in conf/agent/.
#
#   fuzz/corpus.sh [OUT]     (OUT defaults to build/fuzz/corpus)
#
# Existing files are kept, so inputs a longer `make fuzz` found stay.
set -eu
cd "$(dirname "$0")/.."
out=${1:-build/fuzz/corpus}
fixtures=${BG_FIXTURES:-../shared/fixtures/stream-json}
chunk_max=32768		# bytes of one translator seed

for dir in fuzz/seeds/*/; do
	t=$(basename "$dir")
	mkdir -p "$out/$t"
	cp "$dir"* "$out/$t/"
done

# The translator: each transcript in runs of whole lines of at most
# chunk_max bytes, in order, so the seeds carry the state a turn builds.
# A longer line is cut, which also seeds the bad_line path.
if [ -d "$fixtures" ]; then
	python3 - "$fixtures" "$out/fuzz_translate" "$chunk_max" <<'PY'
import os, sys
src, dst, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
for name in sorted(os.listdir(src)):
    if not name.endswith(".jsonl"):
        continue
    data = open(os.path.join(src, name), "rb").read()
    chunk, n = b"", 0
    def flush():
        global chunk, n
        if chunk:
            with open(os.path.join(dst, "%s.%03d" % (name[:-6], n)), "wb") as f:
                f.write(chunk)
            n += 1
            chunk = b""
    for line in data.split(b"\n"):
        line = line[:limit - 1] + b"\n"
        if len(chunk) + len(line) > limit:
            flush()
        chunk += line
    flush()
PY
else
	echo "corpus.sh: $fixtures is missing; the translator starts from fuzz/seeds only" >&2
fi

# The agent parser: the shipped agent file.
cp conf/agent/*.md "$out/fuzz_agent/" 2>/dev/null || true

# The CGI request and query targets: each golden case as the environment
# and body it sends. setup() and config() are not run, because the fuzz
# target has its own configuration (with the same token).
for case in tests/cgi/cases/*.sh; do
	name=$(basename "$case" .sh)
	(
		TOKEN=0123456789abcdef0123456789abcdef-test STATE=/nonexistent T=/nonexistent SID=00000000-0000-4000-8000-000000000000
		PROG= METHOD=GET PATH_INFO= QUERY= BODY= ENV=()
		setup() { :; }
		config() { :; }
		. "$case"
		{
			printf 'REQUEST_METHOD=%s\nREMOTE_ADDR=127.0.0.1\nHTTP_HOST=127.0.0.1:8080\n' "$METHOD"
			[ -z "$PATH_INFO" ] || printf 'PATH_INFO=%s\n' "$PATH_INFO"
			[ -z "$QUERY" ] || printf 'QUERY_STRING=%s\n' "$QUERY"
			for e in "${ENV[@]}"; do printf '%s\n' "$e"; done
			printf '\n%s' "$BODY"
		} > "$out/fuzz_cgi_request/case-$name"
		[ -z "$QUERY" ] || printf '%s' "$QUERY" > "$out/fuzz_cgi_query/case-$name"
	)
done
