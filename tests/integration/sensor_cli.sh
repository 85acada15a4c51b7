#!/bin/bash
# ndr-sensor's command line and its handling of bad input: clear errors with
# the right exit status, never a crash, nothing accepted lost.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
need "$SENSOR"
cap=$CAPTURES/iodine-null.pcap
need "$cap"

"$SENSOR" --help >"$TMP/help" 2>&1
check "--help exits 0 and documents -r, -i, --syslog" \
	grep -q -- '--syslog' "$TMP/help"
check "--version names the record ABI" sh -c "'$SENSOR' --version | grep -q 'record ABI'"

"$SENSOR" >/dev/null 2>"$TMP/e1"; rc=$?
check "no input: exit 2 (got $rc)" [ "$rc" -eq 2 ]
check "no input: says what is missing" grep -q "no input" "$TMP/e1"

"$SENSOR" --bogus -r "$cap" >/dev/null 2>"$TMP/e2"; rc=$?
check "unknown option: exit 2 and named (got $rc)" sh -c "[ $rc -eq 2 ] && grep -q -- '--bogus' '$TMP/e2'"

"$SENSOR" -r /nonexistent.pcap >/dev/null 2>"$TMP/e3"; rc=$?
check "missing capture: exit 1 naming the file (got $rc)" sh -c "[ $rc -eq 1 ] && grep -q nonexistent '$TMP/e3'"

printf '[dns_tunnel]\nno_such_threshold = 5\n' >"$TMP/bad.conf"
"$SENSOR" -c "$TMP/bad.conf" -r "$cap" >/dev/null 2>"$TMP/e4"; rc=$?
check "unknown config key: exit 2 with file:line (got $rc: $(cat "$TMP/e4"))" \
	sh -c "[ $rc -eq 2 ] && grep -q 'bad.conf:2' '$TMP/e4'"

printf '[card]\nidle_timeout = banana\n' >"$TMP/bad2.conf"
"$SENSOR" -c "$TMP/bad2.conf" -r "$cap" >/dev/null 2>"$TMP/e5"; rc=$?
check "bad config value: exit 2 naming the key (got $rc)" \
	sh -c "[ $rc -eq 2 ] && grep -q 'idle_timeout' '$TMP/e5'"

"$SENSOR" --syslog bogus://x -r "$cap" >/dev/null 2>"$TMP/e6"; rc=$?
check "bad syslog URL: exit 2 (got $rc)" [ "$rc" -eq 2 ]

# A truncated capture: everything before the cut is processed, with a warning.
size=$(stat -c %s "$cap")
head -c $((size * 2 / 3)) "$cap" >"$TMP/trunc.pcap"
"$SENSOR" -r "$TMP/trunc.pcap" --eve "$TMP/trunc.json" 2>"$TMP/e7"; rc=$?
check "truncated capture: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "truncated capture: warns" grep -q "truncated" "$TMP/e7"
check "truncated capture: packets before the cut counted" \
	sh -c "grep -E '^  packets   [1-9]' '$TMP/e7' >/dev/null"

# Not a capture at all.
head -c 5000 /dev/urandom >"$TMP/garbage.pcap"
"$SENSOR" -r "$TMP/garbage.pcap" >/dev/null 2>"$TMP/e8"; rc=$?
check "garbage file: exit 1 with a message, no crash (got $rc)" \
	sh -c "[ $rc -eq 1 ] && [ -s '$TMP/e8' ]"

# --records writes flow and dns events as well as alerts.
"$SENSOR" -q -r "$cap" --records --eve "$TMP/rec.json"
check "--records: dns events" sh -c "jq -r .event_type '$TMP/rec.json' | grep -qx dns"
check "--records: flow events" sh -c "jq -r .event_type '$TMP/rec.json' | grep -qx flow"
check "--records: every line is JSON" sh -c "jq -e . '$TMP/rec.json' >/dev/null"

# Summary numbers agree with the EVE output.
"$SENSOR" -r "$cap" --records --eve "$TMP/rec2.json" 2>"$TMP/sum"
dns_events=$(jq -r 'select(.event_type=="dns") | 1' "$TMP/rec2.json" | wc -l)
check "summary counts the dns records written ($dns_events)" \
	grep -q "dns $dns_events," "$TMP/sum"

# --state DIR: baselines saved atomically, a corrupt one rejected with a warning.
"$SENSOR" -r "$cap" --state "$TMP/state" --eve /dev/null 2>"$TMP/s1"; rc=$?
check "--state: first run exits 0 and learns (got $rc)" \
	sh -c "[ $rc -eq 0 ] && grep -q 'no saved baseline yet' '$TMP/s1'"
is_state() { [ "$(head -c 8 "$1" 2>/dev/null)" = NDRSTATE ]; }
check "--state: baseline written as a state file (NDRSTATE header)" is_state "$TMP/state/new_admin_path.state"
"$SENSOR" -r "$cap" --state "$TMP/state" --eve /dev/null 2>"$TMP/s2"
check "--state: second run loads it" grep -q "baseline loaded" "$TMP/s2"
printf 'garbage' >"$TMP/state/new_admin_path.state"
"$SENSOR" -r "$cap" --state "$TMP/state" --eve /dev/null 2>"$TMP/s3"; rc=$?
check "--state: corrupt baseline is a warning, not a failure (got $rc)" \
	sh -c "[ $rc -eq 0 ] && grep -q 'saved state rejected' '$TMP/s3'"
check "--state: corrupt file moved aside, its bytes kept" \
	[ "$(cat "$TMP/state/new_admin_path.state.bad" 2>/dev/null)" = garbage ]
check "--state: a fresh baseline replaces it" is_state "$TMP/state/new_admin_path.state"

# Progress line: forced on, it appears even for a short capture; -q silences everything.
"$SENSOR" --progress -r "$cap" --eve /dev/null 2>"$TMP/p1"
check "--progress prints a progress line" grep -q "packets (.* Mpps), .* records, .* alerts" "$TMP/p1"
"$SENSOR" -q -r "$cap" --eve /dev/null 2>"$TMP/p2"
check "-q prints nothing on stderr" [ ! -s "$TMP/p2" ]

# Impossible capture timestamps (0xffffffff seconds, read as -1; a whole
# second of microseconds; the year 2100): reported, and the frames keep the
# time before them instead of moving the clock to the year 2554.
bad=tests/fuzz/findings/capture/pcap-impossible-timestamps.pcap
"$SENSOR" -r "$bad" --records --eve "$TMP/bad.json" 2>"$TMP/bad.err"
check "impossible timestamps are reported (3 of 5 frames, the first is frame 2)" \
	grep -q "3 frames have an impossible timestamp .*the first is frame 2 at -1 s" "$TMP/bad.err"
years=$(jq -r '.timestamp[0:4]' "$TMP/bad.json" | sort -u | tr '\n' ' ')
check "and every event keeps a time of the capture's year ($years)" [ "$years" = "2023 " ]
