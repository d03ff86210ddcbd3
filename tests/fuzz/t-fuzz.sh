#!/usr/bin/env bash
# tests/fuzz/t-fuzz.sh: runs every libFuzzer target in fuzz/ for a few seconds over its
# seed corpus, and each input in fuzz/regressions/<target>/ once, so a crash
# fuzzing found once stays a test. `make fuzz` is the long run.
. "$(dirname "$0")/../lib.sh"
cd "$BG_ROOT" || exit 1
FUZZ_JOBS=${FUZZ_JOBS:-2} fuzz/run.sh --check "${FUZZ_CHECK_SECONDS:-3}"
