#!/bin/bash
# The card on the public captures used for evaluation (docs/evaluation.md):
# traffic nobody here shaped. For each capture, the whole-frame card's
# FLOW, DNS and TLS records are bit-exact with the golden model, and so are
# the clocked card's on the capture sorted by time (as a wire delivers it:
# tests/tools/ndr_pcap_sort.c says why), at the capture's own pace.
#
# The captures are not part of the repository (several state no licence):
# they are looked for in $NDR_SHARED_PCAPS, else ../shared/pcaps beside the
# checkout. Without them this prints one SKIP line, which counts neither as
# passed nor as failed.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
SIM=$BUILD/bin/ndr-sim
SORT=$BUILD/tools/ndr-pcap-sort
need "$SIM"
need "$SORT"

dir=${NDR_SHARED_PCAPS:-$(cd .. && pwd)/shared/pcaps}
if [ ! -d "$dir" ]; then
	echo "SKIP: no shared captures in $dir (set NDR_SHARED_PCAPS to run this)"
	exit 0
fi
mapfile -t caps < <(find "$dir" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | sort)
if [ ${#caps[@]} -eq 0 ]; then
	fail "no captures in $dir"
	exit 1
fi

for f in "${caps[@]}"; do
	name=${f#"$dir"/}
	out=$("$SIM" -r "$f" --compare 2>&1)
	rc=$?
	cmp=$(printf '%s\n' "$out" | grep '^compare:' | tail -1)
	if [ $rc -eq 0 ] && printf '%s\n' "$cmp" | grep -q 'bit-exact'; then
		pass "$name, whole-frame: ${cmp#compare: }"
	else
		fail "$name, whole-frame (exit $rc): $(printf '%s\n' "$out" | grep '^compare:' | tr '\n' ' ')"
	fi

	s=$TMP/sorted.pcap
	if ! "$SORT" "$f" "$s" 2>"$TMP/sort.err"; then
		fail "$name: ndr-pcap-sort: $(cat "$TMP/sort.err")"
		continue
	fi
	out=$("$SIM" -r "$s" --cycles --compare 2>&1)
	rc=$?
	cmp=$(printf '%s\n' "$out" | grep '^compare:' | tail -1)
	verdict=$(printf '%s\n' "$out" | sed -n 's/^overall: //p')
	if [ $rc -eq 0 ] && printf '%s\n' "$cmp" | grep -q 'bit-exact'; then
		pass "$name, clocked (sorted by time): ${cmp#compare: }; $verdict"
	else
		fail "$name, clocked (sorted by time, exit $rc): $(printf '%s\n' "$out" | grep '^compare:' | tr '\n' ' ') $verdict"
	fi
done
