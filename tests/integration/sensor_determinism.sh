#!/bin/bash
# A replay (-r) takes its time only from the capture, and the detector
# workers write through one ordered writer: every committed capture gives
# byte-identical EVE output (alerts, and flow/dns/tls records with
# --records) on a second run and with --workers 1, 2 and 4 (and through
# three emulated pipelines, with 2 or 3 workers), with the
# default configuration and with the east-west one (lateral.conf). Also
# when the capture arrives through a pipe that stalls halfway (so a sensor
# that ticked on the wall clock while waiting would differ).
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
need "$SENSOR"
need "$CAPTURES/lateral.conf"

run() { # run OUT ARGS...: EVE of one replay to OUT
	local out=$1
	shift
	"$SENSOR" -q --records --eve "$out" "$@" 2>"$out.err"
}

total_alerts=0
captures=0
for cap in "$CAPTURES"/*.pcap; do
	name=$(basename "$cap" .pcap)
	captures=$((captures + 1))
	for conf in default lateral; do
		args=(-r "$cap")
		[ "$conf" = lateral ] && args+=(-c "$CAPTURES/lateral.conf")
		base=$TMP/$name.$conf
		if ! run "$base.w1.json" "${args[@]}" --workers 1; then
			fail "$name ($conf): ndr-sensor failed: $(head -c 300 "$base.w1.json.err")"
			continue
		fi
		alerts=$(grep -c '"event_type":"alert"' "$base.w1.json")
		events=$(wc -l <"$base.w1.json")
		total_alerts=$((total_alerts + alerts))
		run "$base.again.json" "${args[@]}" --workers 1
		check "$name ($conf): a second run is byte-identical ($events events, $alerts alerts)" \
			cmp -s "$base.w1.json" "$base.again.json"
		for w in 2 4; do
			run "$base.w$w.json" "${args[@]}" --workers "$w"
			check "$name ($conf): --workers $w is byte-identical to --workers 1" \
				cmp -s "$base.w1.json" "$base.w$w.json"
		done
		# three emulated pipelines: repeatable too (and the same set
		# of records as one: test_source_pipes)
		run "$base.p3a.json" "${args[@]}" --pipelines 3 --workers 2
		run "$base.p3b.json" "${args[@]}" --pipelines 3 --workers 3
		check "$name ($conf): --pipelines 3 repeats byte for byte" \
			cmp -s "$base.p3a.json" "$base.p3b.json"
	done
done
check "the captures raise alerts to compare (got $total_alerts over $captures captures)" \
	[ "$total_alerts" -ge 5 ]

# A capture through a pipe that stalls for a second halfway.
cap=$CAPTURES/tls-beacon.pcap
half=$(( $(stat -c %s "$cap") / 2 ))
fifo=$TMP/stall.pcap
mkfifo "$fifo"
( head -c "$half" "$cap"; sleep 1.5; tail -c +$((half + 1)) "$cap" ) >"$fifo" &
run "$TMP/stall.json" -r "$fifo" -c "$CAPTURES/lateral.conf" --workers 2
wait
run "$TMP/direct.json" -r "$cap" -c "$CAPTURES/lateral.conf" --workers 2
check "a capture that stalls halfway gives the same output as read at once" \
	cmp -s "$TMP/stall.json" "$TMP/direct.json"
check "that output is not empty" [ -s "$TMP/direct.json" ]
