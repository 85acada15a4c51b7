#!/bin/bash
# Run every test: the cmocka unit tests in build/tests/, then each
# tests/integration/*.sh. Integration scripts print one line per check:
# "PASS: what" or "FAIL: what". Ends with "N passed, N failed"; exits 1 on any
# failure. --unit runs only the unit tests; a name filter may follow.
set -u
cd "$(dirname "$0")/.."
# `make -s test` runs the same tests as `make test`: make's flags must not
# reach the builds the scripts run themselves (kbuild, the guest programs).
unset MAKEFLAGS MFLAGS MAKELEVEL
export BUILD=${BUILD:-build}
LOG=$BUILD/test-logs
mkdir -p "$LOG"

unit_only=0
filter=""
for a in "$@"; do
	case "$a" in
	--unit) unit_only=1 ;;
	*) filter="$a" ;;
	esac
done

passed=0
failed=0
failures=()

run_unit() {
	local t=$1 name out p f
	name=$(basename "$t")
	out=$LOG/$name.log
	timeout 600 "$t" >"$out" 2>&1
	local rc=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | awk '{s+=$1} END {print s+0}')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1   # crashed or timed out before cmocka could report
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		failures+=("$name (see $out)")
		printf 'FAIL %-32s %d passed, %d failed\n' "$name" "$p" "$f"
	else
		printf 'ok   %-32s %d passed\n' "$name" "$p"
	fi
}

run_script() {
	local s=$1 name out p f rc
	name=$(basename "$s" .sh)
	out=$LOG/$name.log
	timeout 900 bash "$s" >"$out" 2>&1
	rc=$?
	p=$(grep -c '^PASS: ' "$out")
	f=$(grep -c '^FAIL: ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "FAIL: $name exited with status $rc" >>"$out"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		failures+=("$name (see $out)")
		printf 'FAIL %-32s %d passed, %d failed\n' "$name" "$p" "$f"
		grep '^FAIL: ' "$out" | sed 's/^/       /'
	else
		printf 'ok   %-32s %d passed\n' "$name" "$p"
	fi
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	case "$t" in *"$filter"*) run_unit "$t" ;; esac
done
if [ "$unit_only" = 0 ]; then
	for s in tests/integration/*.sh; do
		[ -f "$s" ] || continue
	[ "$(basename "$s")" = lib.sh ] && continue   # sourced by the others
		case "$s" in *"$filter"*) run_script "$s" ;; esac
	done
fi

if [ ${#failures[@]} -gt 0 ]; then
	echo
	echo "failed:"
	printf '  %s\n' "${failures[@]}"
fi
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
