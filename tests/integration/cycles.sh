#!/bin/bash
# Cycle accounting: ndr-sim --cycles on every committed capture and on each
# adversarial ndr-gen profile must report one beat per clock with no stall
# (and no DNS message dropped), and ndr-sim --compare must find the card
# bit-exact against the golden model on the same capture (table-full and
# eviction cases included). The DNS walk's documented worst case
# (dns-worst) must be reported as not line rate, with its drops counted.
# The report must be the same, line for line, when every beat goes through
# ndr_top_beat as in the HLS shim (--per-beat) instead of ndr_top_frame.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
SIM=$BUILD/bin/ndr-sim
GEN=$BUILD/bin/ndr-gen
need "$SIM"
need "$GEN"

status=0
# cycles_ok NAME FILE [ndr-sim options...]
cycles_ok() {
	local name=$1 file=$2 out overall
	shift 2
	out=$("$SIM" --cycles -r "$file" "$@" 2>&1)
	if [ "$("$SIM" --cycles --per-beat -r "$file" "$@" 2>&1)" = "$out" ]; then
		pass "per-beat $name: the same report"
	else
		fail "per-beat $name: the report differs from the whole-frame path's"
		status=1
	fi
	overall=$(printf '%s\n' "$out" | grep '^overall: ' | tail -1)
	if [ "$overall" = "overall: cycles/beat=1.00 stalls=0 line-rate=yes" ]; then
		pass "cycles $name: ${overall#overall: }"
	else
		fail "cycles $name: ${overall:-no overall line}"
		printf '%s\n' "$out" | sed -n '/^cycles:/,$p' | sed 's/^/    /'
		status=1
	fi
	out=$("$SIM" --compare -r "$file" "$@" 2>&1)
	if [ $? -eq 0 ]; then
		pass "compare $name: $(printf '%s\n' "$out" | grep '^compare: ' | sed 's/^compare: //')"
	else
		fail "compare $name: $(printf '%s\n' "$out" | grep '^compare: ' | sed 's/^compare: //')"
		status=1
	fi
}

shopt -s nullglob
captures=("$CAPTURES"/*.pcap "$CAPTURES"/*.pcapng)
if [ ${#captures[@]} -eq 0 ]; then
	fail "cycles: no captures in $CAPTURES"
	exit 1
fi
for f in "${captures[@]}"; do
	cycles_ok "$(basename "$f")" "$f"
done

# profile:packets; new-flows at 300000 fills the default table (2^18
# entries) and then evicts; collide evicts on every packet in one bucket.
for spec in min64:100000 min65:100000 one-flow:100000 new-flows:300000 \
	    collide:100000 dns-min:100000 dns:100000 mix:50000; do
	p=${spec%%:*}
	n=${spec#*:}
	f=$TMP/$p.pcap
	if ! "$GEN" -o "$f" --profile "$p" --packets "$n" 2>/dev/null; then
		fail "cycles $p: ndr-gen failed"
		status=1
		continue
	fi
	cycles_ok "$p" "$f"
done
# the adversarial profiles are what they claim: collide puts every flow in
# one bucket (every packet after the first four evicts), new-flows fills the
# table and evicts
f=$TMP/collide.pcap
ev=$("$SIM" --cycles -r "$f" | sed -n 's/.* \([0-9]*\) evicted,.*/\1/p')
if [ "${ev:-0}" -ge 99996 ]; then
	pass "collide: $ev of 100000 packets evicted a flow of the same bucket"
else
	fail "collide: only ${ev:-0} evictions: the flows do not share a bucket"
	status=1
fi
f=$TMP/new-flows.pcap
ev=$("$SIM" --cycles -r "$f" | sed -n 's/.* \([0-9]*\) evicted,.*/\1/p')
if [ "${ev:-0}" -gt 0 ]; then
	pass "new-flows: the table filled, $ev evictions"
else
	fail "new-flows: no eviction: the table never filled"
	status=1
fi

# a small table: full all the time, evictions and scanner expiries (slow
# packet rate: idle timeouts fire) on every kind of traffic
f=$TMP/mix-slow.pcap
"$GEN" -o "$f" --profile mix --packets 100000 --pps 2000 2>/dev/null
cycles_ok "mix-slow --buckets 6" "$f" --buckets 6

# The worst case per beat: the card must say it is not line rate and count
# what it dropped, not hide it.
f=$TMP/dns-worst.pcap
"$GEN" -o "$f" --profile dns-worst --packets 20000 2>/dev/null
out=$("$SIM" --cycles -r "$f" 2>&1)
drops=$(printf '%s\n' "$out" | sed -n 's/^dns: .* \([0-9]*\) dropped (FIFO full).*/\1/p')
if printf '%s\n' "$out" | grep -q 'line-rate=no$' && [ "${drops:-0}" -gt 0 ]; then
	pass "cycles dns-worst: not line rate, $drops DNS messages dropped and counted"
else
	fail "cycles dns-worst: expected line-rate=no with counted drops"
	status=1
fi
exit $status
