#!/bin/bash
# ndr-sensor's alerts reach a real rsyslogd over UDP and over TCP (RFC 6587
# octet counting), as RFC 5424 lines rsyslog parses field by field, with the
# alert's EVE JSON as MSG, and none lost: as many lines arrive as the sensor
# wrote alerts to its EVE file.
#
# rsyslogd runs by hand (no systemd): its own config in a temp dir, imudp and
# imtcp on free 127.0.0.1 ports, one ruleset per transport writing to its own
# file, killed on exit.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

RSYSLOGD=${RSYSLOGD:-/usr/sbin/rsyslogd}
cap=$CAPTURES/iodine-null.pcap
need "$SENSOR"
need "$cap"
need "$RSYSLOGD"
if ! command -v jq >/dev/null; then
	fail "jq is not installed (apt-get install jq)"
	exit 1
fi

rsyslog_pid=""
cleanup() {
	if [ -n "$rsyslog_pid" ]; then
		kill "$rsyslog_pid" 2>/dev/null
		wait "$rsyslog_pid" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

# A port nothing listens on (proto: t or u).
free_port() {
	local p i
	for i in $(seq 1 100); do
		p=$((20000 + RANDOM % 40000))
		if [ -z "$(ss -Hln"$1" "sport = :$p" 2>/dev/null)" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

UDP_PORT=$(free_port u) || { fail "no free UDP port"; exit 1; }
TCP_PORT=$(free_port t) || { fail "no free TCP port"; exit 1; }

# What rsyslog parsed from each message, '|'-separated, then the MSG; and the
# raw line as received.
cat >"$TMP/rsyslog.conf" <<EOF
global(workDirectory="$TMP" maxMessageSize="64k")
module(load="imudp")
module(load="imtcp")
template(name="fields" type="string"
	 string="%protocol-version%|%pri%|%hostname%|%app-name%|%procid%|%msgid%|%structured-data%|%msg%\n")
template(name="raw" type="string" string="%rawmsg%\n")
ruleset(name="udp") {
	action(type="omfile" file="$TMP/udp.log" template="fields")
	action(type="omfile" file="$TMP/udp.raw" template="raw")
}
ruleset(name="tcp") {
	action(type="omfile" file="$TMP/tcp.log" template="fields")
	action(type="omfile" file="$TMP/tcp.raw" template="raw")
}
input(type="imudp" address="127.0.0.1" port="$UDP_PORT" ruleset="udp")
input(type="imtcp" address="127.0.0.1" port="$TCP_PORT" ruleset="tcp")
EOF

"$RSYSLOGD" -n -f "$TMP/rsyslog.conf" -i "$TMP/rsyslogd.pid" </dev/null >"$TMP/rsyslogd.out" 2>&1 &
rsyslog_pid=$!

ready=0
for _ in $(seq 1 100); do
	if [ -n "$(ss -Hltn "sport = :$TCP_PORT")" ] && [ -n "$(ss -Hlun "sport = :$UDP_PORT")" ]; then
		ready=1
		break
	fi
	if ! kill -0 "$rsyslog_pid" 2>/dev/null; then
		break
	fi
	sleep 0.1
done
if [ "$ready" != 1 ]; then
	fail "rsyslogd did not start listening on udp $UDP_PORT and tcp $TCP_PORT: $(cat "$TMP/rsyslogd.out")"
	exit 1
fi
pass "rsyslogd listens on udp $UDP_PORT and tcp $TCP_PORT"

# wait_lines FILE N: until FILE has at least N lines (10 s at most)
wait_lines() {
	for _ in $(seq 1 100); do
		[ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

for proto in udp tcp; do
	port=$UDP_PORT
	[ "$proto" = tcp ] && port=$TCP_PORT
	eve=$TMP/eve-$proto.json
	"$SENSOR" -r "$cap" --eve "$eve" --syslog "$proto://127.0.0.1:$port" \
		>"$TMP/sensor-$proto.out" 2>&1
	rc=$?
	check "$proto: ndr-sensor -r iodine-null.pcap --syslog exits 0 (got $rc)" [ "$rc" -eq 0 ]
	alerts=$(jq -c 'select(.event_type=="alert")' "$eve" 2>/dev/null | wc -l)
	check "$proto: the sensor raised alerts (EVE has $alerts)" [ "$alerts" -gt 0 ]
	wait_lines "$TMP/$proto.log" "$alerts"
	got=$(wc -l <"$TMP/$proto.log" 2>/dev/null || echo 0)
	check "$proto: rsyslog received every alert ($got lines for $alerts alerts)" \
		[ "$got" -eq "$alerts" ]

	# Each line: version 1, facility local0 (PRI 128..135), app ndr-sensor,
	# MSGID dns_tunnel, no structured data, MSG = EVE JSON of a dns_tunnel alert.
	bad=0
	while IFS='|' read -r ver pri host app procid msgid sd msg; do
		if [ "$ver" != 1 ] || [ "$pri" -lt 128 ] || [ "$pri" -gt 135 ] ||
		   [ "$app" != ndr-sensor ] || [ "$msgid" != dns_tunnel ] || [ "$sd" != - ] ||
		   [ -z "$host" ] || [ -z "$procid" ]; then
			echo "bad header: $ver|$pri|$host|$app|$procid|$msgid|$sd"
			bad=$((bad + 1))
			continue
		fi
		if ! printf '%s' "$msg" |
			jq -e '.event_type == "alert" and .alert.category == "dns_tunnel"' >/dev/null 2>&1; then
			echo "bad MSG: $msg"
			bad=$((bad + 1))
		fi
	done <"$TMP/$proto.log"
	check "$proto: every line is RFC 5424 (v1, local0, ndr-sensor, MSGID dns_tunnel) with an alert as MSG ($bad bad)" \
		sh -c "[ $bad -eq 0 ] && [ $got -gt 0 ]"
	check "$proto: raw lines start '<PRI>1 ' with a UTC timestamp" \
		sh -c "[ -s '$TMP/$proto.raw' ] && ! grep -Ev '^<13[0-5]>1 [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{6}Z ' '$TMP/$proto.raw'"
	# the MSG is byte for byte the alert the sensor wrote to its EVE file
	first_eve=$(grep -m1 '"event_type":"alert"' "$eve")
	check "$proto: MSG equals the EVE alert" \
		grep -qF -- "|$first_eve" "$TMP/$proto.log"
done
