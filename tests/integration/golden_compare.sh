#!/bin/bash
# The emulated card against the golden model, bit for bit, on every capture
# in tests/captures (*.pcap, *.pcapng): one PASS/FAIL line per capture. Fails
# when there is no capture at all, so an empty directory cannot pass.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
SIM=$BUILD/bin/ndr-sim

if [ ! -x "$SIM" ]; then
	echo "FAIL: golden compare: $SIM not built (make BUILD=$BUILD)"
	exit 1
fi

shopt -s nullglob
captures=(tests/captures/*.pcap tests/captures/*.pcapng)
if [ ${#captures[@]} -eq 0 ]; then
	echo "FAIL: golden compare: no captures in tests/captures"
	exit 1
fi

status=0
for f in "${captures[@]}"; do
	out=$("$SIM" --compare -r "$f" 2>&1)
	rc=$?
	summary=$(printf '%s\n' "$out" | grep '^compare: ' | tail -1)
	if [ $rc -eq 0 ]; then
		echo "PASS: golden compare $(basename "$f"): ${summary#compare: }"
	else
		echo "FAIL: golden compare $(basename "$f") (exit $rc): ${summary:-no summary}"
		printf '%s\n' "$out" | grep -E '^(mismatch|  |ndr-sim)' | head -20 | sed 's/^/    /'
		status=1
	fi
done
exit $status
