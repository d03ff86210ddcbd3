#!/usr/bin/env bash
# fuzz/run.sh: builds every libFuzzer target, runs each for a set time over its corpus and
# its regression inputs, and prints a table: target, seconds, inputs executed, findings.
#
#   fuzz/run.sh [--check] [SECONDS]     (SECONDS defaults to $FUZZ_SECONDS, else 60)
#
# Each file in fuzz/regressions/<target>/ is run once first: an input that
# once crashed must pass for good. Then the target runs for SECONDS over
# build/fuzz/corpus/<target>/ (see fuzz/corpus.sh). A crash, leak, timeout
# or out-of-memory input is saved to build/fuzz/findings/<target>/ and
# counts as a finding; turn it into a regression by copying it, with a name
# saying what it proves, to fuzz/regressions/<target>/.
#
# --check is for `make check` (tests/fuzz/t-fuzz.sh): it also prints
# "ok NAME" / "not ok NAME: why" lines, and keeps new inputs out of the
# corpus so every run starts from the same seeds. FUZZ_JOBS targets run at
# once (default 1). The exit status is 1 when anything was found.
set -u
cd "$(dirname "$0")/.."
check=0
if [ "${1:-}" = --check ]; then
	check=1
	shift
fi
seconds=${1:-${FUZZ_SECONDS:-60}}
jobs=${FUZZ_JOBS:-1}
out=build/fuzz

# Each target's dictionary and largest input: room to pass every bound it
# checks (a 64 KiB body, a 4 KiB query or configuration line).
opts() {
	case "$1" in
	fuzz_translate)		echo "-dict=fuzz/json.dict -max_len=65536" ;;
	fuzz_cgi_request)	echo "-dict=fuzz/cgi.dict -max_len=70000" ;;
	fuzz_cgi_query)		echo "-dict=fuzz/cgi.dict -max_len=8192" ;;
	fuzz_config)		echo "-dict=fuzz/config.dict -max_len=8192" ;;
	fuzz_verb|fuzz_gate_command|fuzz_pvestatus) echo "-dict=fuzz/verbs.dict -max_len=4096" ;;
	fuzz_agent)		echo "-dict=fuzz/agent.dict -max_len=8192" ;;
	fuzz_session_title)	echo "-dict=fuzz/json.dict -max_len=1024" ;;
	fuzz_statefiles)	echo "-dict=fuzz/json.dict -max_len=16384" ;;
	*)			echo "-max_len=4096" ;;
	esac
}

# Runs in the same tree (make check beside make fuzz) share the targets and
# the corpus: one builds them at a time, and each keeps its own logs.
mkdir -p "$out"
exec 9> "$out.lock"
flock 9
if ! make -s -f fuzz/fuzz.mk -j2 > "$out.build.log" 2>&1; then
	cat "$out.build.log" >&2
	[ "$check" -eq 1 ] && echo "not ok fuzz targets build with clang and libFuzzer: see above"
	exit 1
fi
[ "$check" -eq 1 ] && echo "ok fuzz targets build with clang and libFuzzer"
fuzz/corpus.sh "$out/corpus"
flock -u 9
work=$out
if [ "$check" -eq 1 ]; then
	work=$(mktemp -d "$out/check.XXXXXX")
fi

# run_one TARGET: writes $work/results/TARGET as "seconds inputs findings".
run_one() {
	local t=$1 bin=$out/bin/$1 log=$work/logs/$1.log findings=$out/findings/$1
	local scratch="" first corpus=$out/corpus/$1 reg n=0 found=0 runs start end r
	mkdir -p "$work/logs" "$findings" "$corpus"
	rm -f "$work/tap/$t"
	: > "$log"

	# Regression inputs, each once and by name.
	for reg in fuzz/regressions/"$t"/*; do
		[ -f "$reg" ] || continue
		if "$bin" -close_fd_mask=2 "$reg" >> "$log" 2>&1; then
			echo "ok fuzz regression $t/$(basename "$reg") passes" >> "$work/tap/$t"
		else
			found=$((found + 1))
			echo "not ok fuzz regression $t/$(basename "$reg") passes: crashes again, see $log" >> "$work/tap/$t"
		fi
	done

	first=$corpus
	if [ "$check" -eq 1 ]; then
		scratch=$(mktemp -d "${TMPDIR:-/tmp}/bg-fuzz.XXXXXX")
		first="$scratch $corpus"
	fi
	[ -d "fuzz/regressions/$t" ] && first="$first fuzz/regressions/$t"
	before=$(find "$findings" -type f | wc -l)
	touch "$log.start"
	start=$(date +%s.%N)
	# shellcheck disable=SC2046,SC2086
	"$bin" $(opts "$t") -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-close_fd_mask=2 -print_final_stats=1 -artifact_prefix="$findings/" \
		$first >> "$log" 2>&1
	r=$?
	end=$(date +%s.%N)
	[ -n "$scratch" ] && rm -rf "$scratch"
	runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
	[ -n "$runs" ] || runs=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$log" | tail -n 1)
	n=$(( $(find "$findings" -type f | wc -l) - before ))
	[ "$r" -ne 0 ] && [ "$n" -eq 0 ] && n=1	# died without writing an input
	found=$((found + n))
	if [ "$n" -eq 0 ]; then
		echo "ok fuzz $t runs ${seconds}s without a finding" >> "$work/tap/$t"
	else
		echo "not ok fuzz $t runs ${seconds}s without a finding: $n found, see $log and $findings/" >> "$work/tap/$t"
		grep -E 'ERROR|runtime error|SUMMARY|fuzz_[a-z_]*:' "$log" | head -n 5 >> "$work/tap/$t"
		find "$findings" -type f -newer "$log.start" | head -n 3 |
			sed "s|^|# reproduce, with the target's own messages: $bin |" >> "$work/tap/$t"
	fi
	awk -v s="$start" -v e="$end" -v r="${runs:-0}" -v f="$found" \
		'BEGIN { printf "%.0f %d %d\n", e - s, r, f }' > "$work/results/$t"
}

mkdir -p "$work/results" "$work/tap"
targets=()
for src in fuzz/fuzz_*.c; do
	targets+=("$(basename "$src" .c)")
done
for t in "${targets[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
	run_one "$t" &
done
wait

total=0
[ "$check" -eq 1 ] && cat "${targets[@]/#/$work/tap/}"
printf '\n%-20s %8s %14s %9s\n' target seconds inputs findings
for t in "${targets[@]}"; do
	read -r s r f < "$work/results/$t"
	printf '%-20s %8s %14s %9s\n' "$t" "$s" "$r" "$f"
	total=$((total + f))
done
# A passing check run leaves nothing behind; a failing one keeps its logs.
[ "$check" -eq 1 ] && [ "$total" -eq 0 ] && rm -rf "$work"
[ "$total" -eq 0 ]
