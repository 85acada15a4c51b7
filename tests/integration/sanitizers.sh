#!/bin/bash
# The sanitizer pass: everything built again under ASan and UBSan (make
# sanitize, into $BUILD/san, any report fatal), then
#   - every unit test program: it passes and no sanitizer reports anything;
#   - ndr-sensor over every committed capture, with --records and --state
#     (saved, then loaded by a second run): no report, and the same flow,
#     dns and tls events as the optimised build writes (alerts are left out
#     of that comparison: detectors seed their hashes at random, so an
#     HLL estimate, and with it a score, differs from run to run);
#   - every fuzz harness over its committed corpus and every past finding
#     (tests/fuzz/corpus/NAME, tests/fuzz/findings/NAME): no report.
# One PASS/FAIL line per program, capture and harness.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
SAN=$BUILD/san
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
need "$SAN/bin/ndr-sensor"
need "$SENSOR"

# A sanitizer's report, wherever it went.
reported() { grep -qE 'runtime error:|ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|SUMMARY: (Address|Leak|UndefinedBehavior)Sanitizer' "$@"; }
report_line() { grep -m1 -hE 'runtime error:|ERROR: [A-Za-z]*Sanitizer' "$@" | cut -c1-300; }

# 1. unit tests
shopt -s nullglob
units=("$SAN"/tests/test_*)
[ ${#units[@]} -gt 0 ] || fail "no unit tests in $SAN/tests (make sanitize builds them)"
for t in "${units[@]}"; do
	name=$(basename "$t")
	out=$TMP/$name.log
	timeout 600 "$t" >"$out" 2>&1
	rc=$?
	n=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | awk '{s+=$1} END {print s+0}')
	if [ $rc -eq 0 ] && ! reported "$out" && [ "$n" -gt 0 ]; then
		pass "ASan+UBSan: $name: $n tests, no report"
	else
		fail "ASan+UBSan: $name: exit $rc, $n tests passed: $(report_line "$out")"
		mkdir -p "$BUILD/test-logs" && cp "$out" "$BUILD/test-logs/san-$name.log"
	fi
done

# 2. the sensor over the committed captures
caps=("$CAPTURES"/*.pcap "$CAPTURES"/*.pcapng)
[ ${#caps[@]} -gt 0 ] || fail "no captures in $CAPTURES"
for cap in "${caps[@]}"; do
	name=$(basename "$cap")
	conf=()
	[ "$name" = "${name#benign-eastwest}" ] || conf=(-c "$CAPTURES/lateral.conf")
	st=$TMP/state-$name
	mkdir -p "$st"
	"$SENSOR" "${conf[@]}" -q -r "$cap" --records --eve "$TMP/ref.json" 2>/dev/null
	"$SAN/bin/ndr-sensor" "${conf[@]}" -r "$cap" --records --eve "$TMP/san.json" \
		--state "$st" >"$TMP/san.out" 2>&1
	rc1=$?
	"$SAN/bin/ndr-sensor" "${conf[@]}" -q -r "$cap" --eve /dev/null --state "$st" \
		>>"$TMP/san.out" 2>&1
	rc2=$?
	grep -v '"event_type":"alert"' "$TMP/ref.json" >"$TMP/ref.rec"
	grep -v '"event_type":"alert"' "$TMP/san.json" >"$TMP/san.rec"
	events=$(wc -l <"$TMP/san.rec")
	alerts=$(grep -c '"event_type":"alert"' "$TMP/san.json")
	same=1
	cmp -s "$TMP/ref.rec" "$TMP/san.rec" || same=0
	if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && ! reported "$TMP/san.out" && [ "$events" -gt 0 ] &&
	   [ $same = 1 ]; then
		pass "ASan+UBSan: ndr-sensor -r $name --records --state, twice: the -O2 build's $events record events (and $alerts alerts), no report"
	else
		fail "ASan+UBSan: ndr-sensor -r $name: exit $rc1/$rc2, $events record events$([ $same = 1 ] || echo ', not those of the -O2 build'): $(report_line "$TMP/san.out")"
	fi
	rm -f "$TMP/ref.json" "$TMP/san.json"
done

# 3. the fuzz corpora and past findings
reps=("$SAN"/fuzz-replay/fuzz_*)
[ ${#reps[@]} -gt 0 ] || fail "no replay programs in $SAN/fuzz-replay"
for rep in "${reps[@]}"; do
	name=${rep##*/fuzz_}
	dirs=()
	for d in "tests/fuzz/corpus/$name" "tests/fuzz/findings/$name"; do
		[ -d "$d" ] && dirs+=("$d")
	done
	if [ ${#dirs[@]} -eq 0 ]; then
		fail "fuzz $name: no corpus in tests/fuzz/corpus/$name"
		continue
	fi
	timeout 600 "$rep" "${dirs[@]}" >"$TMP/rep.out" 2>&1
	rc=$?
	n=$(sed -n 's/.*: \([0-9]*\) inputs replayed$/\1/p' "$TMP/rep.out")
	if [ $rc -eq 0 ] && ! reported "$TMP/rep.out" && [ "${n:-0}" -gt 0 ]; then
		pass "ASan+UBSan: fuzz $name: ${n} corpus and finding inputs replayed, no finding"
	else
		fail "ASan+UBSan: fuzz $name: exit $rc after ${n:-?} inputs: $(grep -m1 -E 'fuzz_|runtime error|ERROR' "$TMP/rep.out" | cut -c1-300)"
	fi
done
