#!/bin/bash
# A receiver outage in the middle of a live run: ndr-sensor -i listens in a
# network namespace while tcpreplay plays three tunnel captures one after the
# other; rsyslogd (in the same namespace, on its loopback) runs for the first,
# is stopped for the second and started again for the third. Over TCP and over
# UDP, every alert the sensor raised (its EVE file) reaches rsyslog, in order,
# once: the one raised during the outage waits in the spool (TCP: the closed
# connection is seen before writing; UDP: the ICMP port unreachable sends the
# datagram back into the spool).
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
RSYSLOGD=${RSYSLOGD:-/usr/sbin/rsyslogd}
need "$SENSOR"
need "$RSYSLOGD"
for tool in ip tcpreplay ethtool; do
	command -v "$tool" >/dev/null || { fail "$tool is not installed"; exit 1; }
done

sensor_pid=
cleanup() {
	[ -n "$sensor_pid" ] && kill "$sensor_pid" 2>/dev/null
	for f in "$TMP"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
	veth_pair_del
	rm -rf "$TMP"
}
trap cleanup EXIT

veth_pair out o || exit 1

# rsyslog PROTO PORT NAME: start one in ns_b writing %msg% lines to NAME.log
rsyslog_start() {
	local mod=imudp
	[ "$1" = tcp ] && mod=imtcp
	mkdir -p "$TMP/$3.work"
	cat >"$TMP/$3.conf" <<EOC
global(workDirectory="$TMP/$3.work" maxMessageSize="64k")
module(load="$mod")
template(name="m" type="string" string="%msg%\n")
ruleset(name="r") { action(type="omfile" file="$TMP/$1.log" template="m") }
input(type="$mod" address="127.0.0.1" port="$2" ruleset="r")
EOC
	ip netns exec "$ns_b" "$RSYSLOGD" -n -f "$TMP/$3.conf" -i "$TMP/$3.pid" \
		</dev/null >"$TMP/$3.out" 2>&1 &
	for _ in $(seq 100); do
		ip netns exec "$ns_b" ss -Hln"${1:0:1}" "sport = :$2" | grep -q . && return 0
		sleep 0.1
	done
	fail "rsyslogd ($1 $2) did not start: $(cat "$TMP/$3.out")"
	return 1
}

rsyslog_stop() {
	local pid
	pid=$(cat "$TMP/$1.pid" 2>/dev/null) || return 0
	kill "$pid"
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	rm -f "$TMP/$1.pid"
}

# lines FILE: how many lines FILE has (0 when absent)
lines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }
wait_lines() {
	for _ in $(seq 150); do [ "$(lines "$1")" -ge "$2" ] && return 0; sleep 0.1; done
	return 1
}
alerts_now() { jq -c 'select(.event_type=="alert")' "$1" 2>/dev/null | wc -l; }
wait_alerts() {
	for _ in $(seq 150); do [ "$(alerts_now "$1")" -ge "$2" ] && return 0; sleep 0.1; done
	return 1
}
play() { ip netns exec "$ns_a" tcpreplay -q -i "$va" --pps 4000 "$CAPTURES/$1" >/dev/null 2>&1; }

for proto in tcp udp; do
	port=$((30000 + ($$ + ${#proto}) % 20000))
	rsyslog_start "$proto" "$port" "$proto-1" || continue
	printf '[syslog]\nbackoff_min = 50ms\nbackoff_max = 300ms\nudp_confirm = 100ms\n' \
		>"$TMP/sensor.conf"
	ip netns exec "$ns_b" "$SENSOR" --no-progress -c "$TMP/sensor.conf" -i "$vb" --eve "$TMP/$proto.eve" \
		--syslog "$proto://127.0.0.1:$port" 2>"$TMP/$proto.err" &
	sensor_pid=$!
	for _ in $(seq 50); do
		ls -l /proc/$sensor_pid/fd 2>/dev/null | grep -q socket && break
		sleep 0.1
	done
	sleep 0.3
	play dns2tcp.pcap
	wait_alerts "$TMP/$proto.eve" 1
	wait_lines "$TMP/$proto.log" 1
	check "$proto: the first alert arrived with the receiver up" [ "$(lines "$TMP/$proto.log")" -ge 1 ]
	rsyslog_stop "$proto-1"
	play iodine-txt.pcap
	wait_alerts "$TMP/$proto.eve" 2
	sleep 1
	during=$(lines "$TMP/$proto.log")
	check "$proto: the alert raised during the outage did not arrive yet ($during lines)" \
		[ "$during" -lt "$(alerts_now "$TMP/$proto.eve")" ]
	rsyslog_start "$proto" "$port" "$proto-2" || continue
	play iodine-null.pcap
	wait_alerts "$TMP/$proto.eve" 3
	n=$(alerts_now "$TMP/$proto.eve")
	wait_lines "$TMP/$proto.log" "$n"
	kill -INT "$sensor_pid"
	wait "$sensor_pid"
	rc=$?
	sensor_pid=
	check "$proto: the sensor stops cleanly (status $rc)" [ $rc -eq 0 ]
	check "$proto: the three captures raised alerts ($n)" [ "$n" -ge 3 ]
	check "$proto: every alert arrived once, in order, the outage's too ($(lines "$TMP/$proto.log") of $n)" \
		diff <(jq -c 'select(.event_type=="alert")' "$TMP/$proto.eve") <(jq -c . "$TMP/$proto.log")
	check "$proto: the summary counts no drop" grep -q "syslog .* 0 dropped" "$TMP/$proto.err"
	rsyslog_stop "$proto-2"
done
