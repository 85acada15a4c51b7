#!/bin/bash
# Every loss of the card reaches the host, counted exactly. A flood of
# DNS messages whose names loop through compression pointers (ndr-gen
# dns-worst: the longest walk a one-beat message can ask for) at 100G line
# rate is more than the DNS walk engines take: the clocked card drops
# messages, and records its host link cannot carry. The sensor running that
# card must name both kinds in its summary with the card's own numbers, the
# card's last heartbeat must carry them, and every message must be either a
# DNS record the sensor saw or a counted loss. The whole-frame card loses
# nothing on the same flood.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
SIM=$BUILD/bin/ndr-sim
GEN=$BUILD/bin/ndr-gen
need "$SENSOR"
need "$SIM"
need "$GEN"

N=20000
f=$TMP/flood.pcap
# 200 Mpps of timestamps: the wire, at 148.8 Mpps for these frames, is the limit
"$GEN" -o "$f" --profile dns-worst --packets $N --pps 200000000 2>/dev/null || {
	fail "ndr-gen dns-worst"
	exit 1
}

rep=$("$SIM" --cycles -r "$f")
dropped=$(printf '%s\n' "$rep" | sed -n 's/^card: .* dns_dropped \([0-9]*\) .*/\1/p')
link=$(printf '%s\n' "$rep" | sed -n 's/^card: .* records_link_dropped \([0-9]*\) .*/\1/p')
if [ "${dropped:-0}" -gt 0 ]; then
	pass "the clocked card drops $dropped of $N DNS messages (${link:-?} records over the host link)"
else
	fail "the clocked card dropped no DNS message: the flood is not a flood"
	exit 1
fi

"$SENSOR" -r "$f" --clocked --records --eve "$TMP/eve.json" 2>"$TMP/err"
rc=$?
drops=$(grep '^  drops ' "$TMP/err")
want="card: $dropped DNS messages dropped by the card, $link records dropped by the card (record path full);"
if [ $rc -eq 0 ] && printf '%s\n' "$drops" | grep -qF "$want"; then
	pass "sensor summary: ${drops#  drops     }"
else
	fail "sensor summary (exit $rc) does not say '$want': $drops"
fi
dns=$(grep -c '"event_type":"dns"' "$TMP/eve.json")
if [ $((dns + dropped + link)) -eq $N ]; then
	pass "$dns DNS events + $dropped dropped + $link over the link = the $N messages sent"
else
	fail "$dns DNS events + $dropped dropped + $link over the link != the $N messages sent"
fi

# the card's last heartbeat, in-band, says the same
hb=$("$SIM" --clocked --dump -r "$f" | grep ' HEARTBEAT ' | tail -1)
if printf '%s\n' "$hb" | grep -q " dns_dropped=$dropped .* link_dropped=$link"; then
	pass "last heartbeat: dns_dropped=$dropped link_dropped=$link"
else
	fail "last heartbeat does not carry the losses: $hb"
fi

# the whole-frame card: no engine is ever busy, nothing is lost
"$SENSOR" -r "$f" --records --eve "$TMP/eve2.json" 2>"$TMP/err2"
dns=$(grep -c '"event_type":"dns"' "$TMP/eve2.json")
if grep -q '^  drops     card: none;' "$TMP/err2" && [ "$dns" -eq $N ]; then
	pass "whole-frame card: all $N DNS messages as events, drops: none"
else
	fail "whole-frame card: $dns DNS events of $N; $(grep '^  drops ' "$TMP/err2")"
fi

# [card] emulation = clocked in a config file is the same card as --clocked
printf '[card]\nemulation = clocked\n' >"$TMP/clocked.conf"
"$SENSOR" -c "$TMP/clocked.conf" -r "$f" --eve /dev/null 2>"$TMP/err3"
if grep -qF "$want" "$TMP/err3"; then
	pass "[card] emulation = clocked: the same losses as --clocked"
else
	fail "[card] emulation = clocked: $(grep '^  drops ' "$TMP/err3")"
fi
printf '[card]\nemulation = cycle\nscan_sweep = 0\n' >"$TMP/bad.conf"
"$SENSOR" -c "$TMP/bad.conf" -r "$f" --eve /dev/null 2>"$TMP/err4"
rc=$?
if [ $rc -ne 0 ] && grep -q "bad.conf:3: \[card\] scan_sweep" "$TMP/err4"; then
	pass "[card] scan_sweep = 0 refused: $(head -1 "$TMP/err4")"
else
	fail "[card] scan_sweep = 0 (exit $rc): $(head -2 "$TMP/err4")"
fi
printf '[card]\nemulation = cycle\n' >"$TMP/bad2.conf"
"$SENSOR" -c "$TMP/bad2.conf" -r "$f" --eve /dev/null 2>"$TMP/err5"
rc=$?
if [ $rc -ne 0 ] && grep -q "bad2.conf:2: \[card\] emulation.*neither frame nor clocked" "$TMP/err5"; then
	pass "[card] emulation = cycle refused: $(head -1 "$TMP/err5")"
else
	fail "[card] emulation = cycle (exit $rc): $(head -2 "$TMP/err5")"
fi
