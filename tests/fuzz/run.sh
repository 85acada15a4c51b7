#!/bin/bash
# `make fuzz`: every harness in $BUILD/libfuzzer/fuzz under libFuzzer for
# FUZZ_SECONDS each (FUZZ_ONLY=NAME runs one), starting from the committed
# corpus (tests/fuzz/corpus/NAME), every past finding (tests/fuzz/findings/
# NAME) and what earlier runs found ($BUILD/fuzz-runs/NAME/corpus, which
# grows from run to run). One PASS/FAIL line per harness with executions,
# coverage and CPU time; each run is also appended to
# $BUILD/fuzz-runs/history.tsv, so a campaign's totals can be added up.
# A finding is left in $BUILD/fuzz-runs/NAME/findings/ and fails the run.
# The body is one function, read whole before it runs: editing this file
# while a campaign runs it cannot derail that campaign.
set -u
cd "$(dirname "$0")/../.."

main() {
BUILD=${BUILD:-build}
SECS=${FUZZ_SECONDS:-60}
ONLY=${FUZZ_ONLY:-}
# libFuzzer's timeout is wall-clock: a campaign at nice 19 on a busy machine
# waits for the CPU long enough to look hung, so it sets a longer one.
TIMEOUT=${FUZZ_TIMEOUT:-10}
OUT=$BUILD/fuzz-runs
HIST=$OUT/history.tsv
mkdir -p "$OUT"
[ -f "$HIST" ] || printf 'date\tharness\twall_s\tcpu_s\texecutions\tcov\tft\tcorpus\tfindings\tcommit\n' >"$HIST"
commit=$(git describe --always --dirty 2>/dev/null || echo unknown)

shopt -s nullglob
bins=("$BUILD"/libfuzzer/fuzz/fuzz_*)
[ ${#bins[@]} -gt 0 ] || { echo "FAIL: no fuzzers in $BUILD/libfuzzer/fuzz (make fuzz builds them)"; return 1; }
status=0 ran=0
for bin in "${bins[@]}"; do
	name=${bin##*/fuzz_}
	[ -n "$ONLY" ] && [ "$ONLY" != "$name" ] && continue
	ran=$((ran + 1))
	work=$OUT/$name
	mkdir -p "$work/corpus" "$work/findings"
	args=(-max_total_time="$SECS" -timeout="$TIMEOUT" -rss_limit_mb=2048 -print_final_stats=1
	      -artifact_prefix="$work/findings/")
	[ -f "tests/fuzz/dict/$name.dict" ] && args+=(-dict="tests/fuzz/dict/$name.dict")
	dirs=("$work/corpus")   # new inputs go to the first directory
	for d in "tests/fuzz/corpus/$name" "tests/fuzz/findings/$name"; do
		[ -d "$d" ] && dirs+=("$d")
	done
	before=$(ls "$work/findings" | wc -l)
	TIMEFORMAT='%U %S'
	t0=$(date +%s)
	cpu=$( { time "$bin" "${args[@]}" "${dirs[@]}" >"$work/log" 2>&1; } 2>&1 )
	rc=$?
	wall=$(( $(date +%s) - t0 ))
	cpu_s=$(awk '{printf "%.0f", $1 + $2}' <<<"$cpu")
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
	last=$(grep -E '^#[0-9]+' "$work/log" | tail -1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
	corpus=$(ls "$work/corpus" | wc -l)
	findings=$(( $(ls "$work/findings" | grep -Ev '^slow-unit-' | wc -l) - before ))
	[ "$findings" -lt 0 ] && findings=0
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$name" "$wall" \
		"$cpu_s" "${execs:-0}" "${cov:-0}" "${ft:-0}" "$corpus" "$findings" "$commit" >>"$HIST"
	what="$name: ${wall} s, ${cpu_s} CPU s, ${execs:-0} executions, cov ${cov:-?}, ft ${ft:-?}, corpus $corpus"
	if [ "$rc" -ne 0 ] || [ "$findings" -gt 0 ]; then
		echo "FAIL: fuzz $what: exit $rc, $findings new finding(s) in $work/findings (log: $work/log)"
		grep -m5 -E 'ERROR|SUMMARY|runtime error|fuzz_' "$work/log" | sed 's/^/       /'
		status=1
	else
		echo "PASS: fuzz $what, no finding"
	fi
done
[ "$ran" -gt 0 ] || { echo "FAIL: no fuzzer named '$ONLY'"; return 1; }
return $status
}

main "$@"; exit $?   # one line: bash reads it whole before main runs
