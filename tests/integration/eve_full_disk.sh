#!/bin/bash
# EVE files on a disk that fills up (a 64 KiB tmpfs this test mounts in a
# private mount namespace): with alerts in a file of their own, records
# filling the disk cost no alert and the sensor exits 0; with alerts in the
# full file, it says how many alerts were lost and exits 1. Either way every
# line in the full file is whole JSON, and the failure is said on stderr
# when it starts, not once per lost line. An alert a syslog spool on disk
# keeps is not lost; one that reached no output is.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
need "$SENSOR"
PCAP=$CAPTURES/dns2tcp.pcap
need "$PCAP"

# What the capture writes with room to spare.
"$SENSOR" -q -r "$PCAP" --records --eve "$TMP/ref.json" 2>"$TMP/ref.err"
check "reference run exits 0" [ $? -eq 0 ]
ref_alerts=$(jq -c 'select(.event_type=="alert")' "$TMP/ref.json" | wc -l)
ref_lines=$(wc -l <"$TMP/ref.json")
check "the capture raises alerts ($ref_alerts) among $ref_lines events" [ "$ref_alerts" -gt 0 ]

mkdir -p "$TMP/small"
# run_full NAME ARGS...: the sensor with the small tmpfs (FULL_SIZE, 64k
# unless given) mounted on $TMP/small
run_full() {
	local name=$1
	shift
	FULL_SIZE=${FULL_SIZE:-64k} unshare -m --propagation private bash -c '
		mount -t tmpfs -o size=$FULL_SIZE tmpfs "$1" || exit 99
		shift
		"$@"
		rc=$?
		cp "'"$TMP"'/small/eve.json" "'"$TMP"'/'"$name"'.json" 2>/dev/null
		exit $rc' _ "$TMP/small" "$SENSOR" "$@" 2>"$TMP/$name.err"
}

# every line whole: each parses alone, and the file ends with a newline
whole_lines() {
	local f=$1
	[ -s "$f" ] && [ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" = '\n' ] &&
		jq -e . "$f" >/dev/null 2>&1 && [ "$(jq -c . "$f" | wc -l)" -eq "$(wc -l <"$f")" ]
}

# A: alerts in a file of their own (not on the full disk)
run_full own -r "$PCAP" --records --eve "$TMP/small/eve.json" --eve-alerts "$TMP/alerts.json"
rc=$?
check "alerts apart: exits 0 though records were lost (rc $rc)" [ $rc -eq 0 ]
got=$(wc -l <"$TMP/alerts.json")
check "alerts apart: every alert written ($got of $ref_alerts)" [ "$got" -eq "$ref_alerts" ]
check "alerts apart: the alert file holds exactly the reference alerts" \
	diff <(jq -c 'select(.event_type=="alert")' "$TMP/ref.json") <(jq -c . "$TMP/alerts.json")
lines=$(wc -l <"$TMP/own.json")
check "alerts apart: the full disk got some records ($lines of $ref_lines lines)" \
	[ "$lines" -gt 0 ] && [ "$lines" -lt "$ref_lines" ]
check "alerts apart: every line on the full disk is whole JSON" whole_lines "$TMP/own.json"
check "alerts apart: no alert in the record file" \
	[ "$(jq -c 'select(.event_type=="alert")' "$TMP/own.json" | wc -l)" -eq 0 ]
starts=$(grep -c "eve $TMP/small/eve.json: cannot write: No space left on device" "$TMP/own.err")
check "alerts apart: the failure said once when it started ($starts)" [ "$starts" -eq 1 ]
check "alerts apart: the loss counted at exit" grep -q "closed while failing: [0-9]* events lost" \
	"$TMP/own.err"
check "alerts apart: no alert reported lost" bash -c "! grep -q 'alerts could not be' '$TMP/own.err'"

# B: alerts in the file that fills up. The capture's one alert comes
# early (the short-session path sees dns2tcp in its first queries, event 10
# of 1564, 9 KB in), so the disk is one 4 KB page here: full before it.
FULL_SIZE=4k run_full shared -r "$PCAP" --records --eve "$TMP/small/eve.json"
rc=$?
check "alerts on the full disk: exits 1 (rc $rc)" [ $rc -eq 1 ]
check "alerts on the full disk: says how many alerts were lost" \
	grep -q "of $ref_alerts alerts could not be delivered to any output" "$TMP/shared.err"
check "alerts on the full disk: every line is whole JSON" whole_lines "$TMP/shared.json"

# C: a full disk, the receiver down, a disk spool keeping the alerts for the
# next start: not lost, so exit 0; D: the same with a memory spool: lost, exit 1
port=$((20000 + $$ % 20000))
printf '[syslog]\nspool_dir = %s\nclose_flush = 300ms\n' "$TMP/spool" >"$TMP/spool.conf"
run_full kept -c "$TMP/spool.conf" -r "$PCAP" --records --eve "$TMP/small/eve.json" \
	--syslog "udp://127.0.0.1:$port"
rc=$?
check "full disk, alerts kept in a disk spool: exits 0 (rc $rc)" [ $rc -eq 0 ]
check "full disk, alerts kept in a disk spool: says so" \
	grep -q "$ref_alerts alerts kept in the spool for the next start" "$TMP/kept.err"
printf '[syslog]\nclose_flush = 300ms\n' >"$TMP/memory.conf"
FULL_SIZE=4k run_full lost -c "$TMP/memory.conf" -r "$PCAP" --records --eve "$TMP/small/eve.json" \
	--syslog "udp://127.0.0.1:$port"
rc=$?
check "full disk, receiver down, memory spool: exits 1 (rc $rc)" [ $rc -eq 1 ]
check "full disk, receiver down, memory spool: says the alerts reached no output" \
	grep -q "$ref_alerts of $ref_alerts alerts could not be delivered to any output" "$TMP/lost.err"
