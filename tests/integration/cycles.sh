#!/bin/bash
# The clocked simulation (ndr-sim --cycles: every stage called once per
# 322 MHz clock, frames at the clock the 100 Gbit/s wire brings them):
#  - on every committed capture, at its own pace: line rate, and the records
#    bit-exact with the golden model (so equal to the whole-frame emulation's,
#    which golden_compare.sh holds to the same model); the stages called in
#    the other order within a clock give the same records;
#  - on each adversarial ndr-gen profile at 100G line rate (frames back to
#    back on the wire): line-rate=yes and bit-exact for min64, min65,
#    new-flows, collide, dns-min and mix; dns-worst is not line rate, names
#    the DNS walk as the limit, and every DNS record it lacks is one it
#    counted as dropped;
#  - the flow table's forwarding is needed: interleaved flows with the read
#    latency of HBM give the golden records with the full window and differ
#    with a window shallower than the writes in flight.
# Each check is one PASS/FAIL line.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
SIM=$BUILD/bin/ndr-sim
GEN=$BUILD/bin/ndr-gen
need "$SIM"
need "$GEN"

status=0
bad() { fail "$@"; status=1; }

# overall LINE OUT: the verdict line of a report
overall() { printf '%s\n' "$1" | grep '^overall: ' | tail -1; }
compare() { printf '%s\n' "$1" | grep '^compare: ' | tail -1; }

# clocked NAME FILE WANT [ndr-sim options]: the verdict must be WANT (yes|no)
# and the records bit-exact (with the card's counted drops allowed for "no")
clocked() {
	local name=$1 file=$2 want=$3 out rc v c
	shift 3
	local drops=()
	[ "$want" = no ] && drops=(--drops-ok)
	out=$("$SIM" --cycles --compare "${drops[@]}" -r "$file" "$@" 2>&1)
	rc=$?
	v=$(overall "$out")
	c=$(compare "$out")
	if [ $rc -eq 0 ] && [ "${v#overall: line-rate=$want }" != "$v" ]; then
		pass "clocked $name: line-rate=$want; ${c#compare: }"
	else
		bad "clocked $name (exit $rc): ${v:-no verdict}; ${c:-no comparison}"
		printf '%s\n' "$out" | grep -E '^(mismatch|cycles|  |losses)' | head -24 | sed 's/^/    /'
	fi
	LAST_OUT=$out
}

shopt -s nullglob
captures=("$CAPTURES"/*.pcap "$CAPTURES"/*.pcapng)
if [ ${#captures[@]} -eq 0 ]; then
	bad "cycles: no captures in $CAPTURES"
	exit 1
fi
for f in "${captures[@]}"; do
	clocked "$(basename "$f")" "$f" yes
	out=$("$SIM" --clocked --producers-first --compare -r "$f" 2>&1)
	if [ $? -eq 0 ]; then
		pass "clocked $(basename "$f"), producers called first: the same records"
	else
		bad "clocked $(basename "$f"), producers called first: $(compare "$out")"
	fi
done

# profile:packets at line rate; new-flows at 300000 fills the default table
# (2^18 entries) and then evicts; collide evicts on every packet in one bucket
for spec in min64:100000 min65:100000 new-flows:300000 collide:100000 dns-min:100000 \
	    mix:200000; do
	p=${spec%%:*}
	n=${spec#*:}
	f=$TMP/$p.pcap
	if ! "$GEN" -o "$f" --profile "$p" --packets "$n" 2>/dev/null; then
		bad "cycles $p: ndr-gen failed"
		continue
	fi
	clocked "$p at line rate" "$f" yes --pace line
done

# the adversarial profiles are what they claim
ev=$(printf '%s\n' "$("$SIM" --cycles --pace line -r "$TMP/collide.pcap")" |
	sed -n 's/.* \([0-9]*\) evicted,.*/\1/p')
if [ "${ev:-0}" -ge 99996 ]; then
	pass "collide: $ev of 100000 packets evicted a flow of the same bucket"
else
	bad "collide: only ${ev:-0} evictions: the flows do not share a bucket"
fi
ev=$(printf '%s\n' "$("$SIM" --cycles --pace line -r "$TMP/new-flows.pcap")" |
	sed -n 's/.* \([0-9]*\) evicted,.*/\1/p')
if [ "${ev:-0}" -gt 0 ]; then
	pass "new-flows: the table filled, $ev evictions"
else
	bad "new-flows: no eviction: the table never filled"
fi

# a small table, a slow packet rate: full all the time, expiries by the
# scanner as card time goes on
f=$TMP/mix-slow.pcap
"$GEN" -o "$f" --profile mix --packets 50000 --pps 2000 2>/dev/null
clocked "mix-slow --buckets 6" "$f" yes --buckets 6
exp=$(printf '%s\n' "$LAST_OUT" | sed -n 's/.*scanner visits (\([0-9]*\) expired).*/\1/p')
if [ "${exp:-0}" -gt 0 ]; then
	pass "mix-slow: the scanner expired $exp flows"
else
	bad "mix-slow: the scanner expired no flow"
fi

# The worst case per beat: the card must say it is not line rate, which
# stage limited it, and count every DNS message it lost.
f=$TMP/dns-worst.pcap
"$GEN" -o "$f" --profile dns-worst --packets 20000 2>/dev/null
clocked "dns-worst at line rate" "$f" no --pace line
if printf '%s\n' "$(overall "$LAST_OUT")" | grep -q 'limited-by=dns-walk ([1-9][0-9]* DNS messages dropped'; then
	pass "dns-worst: $(overall "$LAST_OUT" | sed 's/^overall: //')"
else
	bad "dns-worst: the verdict does not name the DNS walk: $(overall "$LAST_OUT")"
fi
# the record path overflows too; the verdict must say so after the walk
link=$(printf '%s\n' "$LAST_OUT" | sed -n 's/^card: .* records_link_dropped \([0-9]*\) .*/\1/p')
if [ "${link:-0}" -gt 0 ] && overall "$LAST_OUT" | grep -q "; also writer ($link records dropped"; then
	pass "dns-worst: the $link records the link could not take are named too"
elif [ "${link:-0}" -eq 0 ] && ! overall "$LAST_OUT" | grep -q "; also"; then
	pass "dns-worst: no other loss, none named"
else
	bad "dns-worst: records_link_dropped ${link:-?} but the verdict says: $(overall "$LAST_OUT")"
fi

# Forwarding: 16 flows in turn with the flow table's entries in HBM (96
# clocks): a flow's next packet reads its entry while its last update is
# still on its way back. The full window gives the golden records; a window
# shallower than the writes in flight does not.
f=$TMP/interleave.pcap
"$GEN" -o "$f" --profile interleave --flows 16 --packets 20000 2>/dev/null
clocked "interleave, HBM latency" "$f" yes --pace line --flow-latency 96
hits=$(printf '%s\n' "$LAST_OUT" | sed -n 's/.* \([0-9]*\) forwarded reads.*/\1/p')
if [ "${hits:-0}" -gt 0 ]; then
	pass "interleave: $hits reads answered by the forwarding window"
else
	bad "interleave: no read was forwarded: the latency is not exercised"
fi
out=$("$SIM" --cycles --compare --pace line --flow-latency 96 --fwd-depth 12 -r "$f" 2>&1)
if [ $? -eq 1 ] && compare "$out" | grep -q FAILED; then
	pass "interleave, window 12 < writes in flight: stale reads, records differ from golden"
else
	bad "interleave, window 12: the records still match: the hazard was not exercised"
fi
exit $status
