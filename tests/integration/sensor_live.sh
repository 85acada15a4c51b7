#!/bin/bash
# ndr-sensor -i: live capture through libpcap into the emulated card. Two
# network namespaces joined by a veth pair; tcpreplay plays a committed
# tunnel capture into one end while the sensor listens on the other.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
need "$SENSOR"
cap=$CAPTURES/iodine-null.pcap
need "$cap"
for tool in ip tcpreplay ethtool; do
	command -v "$tool" >/dev/null || { fail "$tool is not installed"; exit 1; }
done

sensor_pid=
cleanup() {
	[ -n "$sensor_pid" ] && kill "$sensor_pid" 2>/dev/null
	veth_pair_del
	rm -rf "$TMP"
}
trap cleanup EXIT

veth_pair live l || exit 1

ip netns exec "$ns_b" "$SENSOR" -i "$vb" --eve "$TMP/live.json" 2>"$TMP/live.err" &
sensor_pid=$!
# wait until the sensor has its capture open (its packet socket exists)
for _ in $(seq 50); do
	ls -l /proc/$sensor_pid/fd 2>/dev/null | grep -q socket && break
	sleep 0.1
done
sleep 0.3

ip netns exec "$ns_a" tcpreplay -q -i "$va" --pps 3000 "$cap" >"$TMP/replay.log" 2>&1
check "tcpreplay played the capture" grep -q "Actual: [1-9]" "$TMP/replay.log"
sleep 1
kill -INT "$sensor_pid"
wait "$sensor_pid"
rc=$?
sensor_pid=
check "sensor stops cleanly on SIGINT (status $rc)" [ "$rc" -eq 0 ]

sent=$(tcpdump -nr "$cap" 2>/dev/null | wc -l)
seen=$(sed -n 's/^  packets   \([0-9]*\).*/\1/p' "$TMP/live.err")
check "sensor saw every replayed packet ($seen of $sent)" [ "${seen:-0}" -ge "$sent" ]
alerts=$(jq -r 'select(.event_type=="alert") | "\(.alert.category) \(.alert.metadata.ndr.entity)"' "$TMP/live.json" | sort -u)
entity=$(awk -F'\t' '$1=="iodine-null.pcap" {print $3}' "$CAPTURES/labels.tsv")
check "live: dns_tunnel alert naming $entity (got: ${alerts:-none})" \
	grep -qx "dns_tunnel $entity" <<<"$alerts"

# The software mode live: two emulated pipelines, each with its own
# capture handle in one PACKET_FANOUT group. A scan has a thousand flows,
# so both pipelines get some; together they see every packet, once.
scan=$CAPTURES/nmap-connect-scan.pcap
need "$scan"
ip netns exec "$ns_b" "$SENSOR" -i "$vb" --pipelines 2 -c "$CAPTURES/lateral.conf" \
	--eve "$TMP/fanout.json" 2>"$TMP/fanout.err" &
sensor_pid=$!
for _ in $(seq 50); do
	[ "$(ls -l /proc/$sensor_pid/fd 2>/dev/null | grep -c socket)" -ge 2 ] && break
	sleep 0.1
done
sleep 0.3
ip netns exec "$ns_a" tcpreplay -q -i "$va" --pps 3000 "$scan" >"$TMP/replay2.log" 2>&1
sleep 1
kill -INT "$sensor_pid"
wait "$sensor_pid"
rc=$?
sensor_pid=
check "fanout: sensor stops cleanly on SIGINT (status $rc)" [ "$rc" -eq 0 ]
sent=$(tcpdump -nr "$scan" 2>/dev/null | wc -l)
p0=$(sed -n 's/^  pipeline  0: \([0-9]*\) packets.*/\1/p' "$TMP/fanout.err")
p1=$(sed -n 's/^  pipeline  1: \([0-9]*\) packets.*/\1/p' "$TMP/fanout.err")
seen=$(sed -n 's/^  packets   \([0-9]*\).*/\1/p' "$TMP/fanout.err")
check "fanout: both pipelines got packets ($p0 and $p1)" [ "${p0:-0}" -gt 0 ] && [ "${p1:-0}" -gt 0 ]
check "fanout: the pipelines share the packets ($p0 + $p1 = $seen)" \
	[ "$((${p0:-0} + ${p1:-0}))" -eq "${seen:-x}" ]
check "fanout: every replayed packet seen once ($seen of $sent)" \
	[ "${seen:-0}" -ge "$sent" ] && [ "${seen:-0}" -le "$((sent + 20))" ]
check "fanout: per-pipeline drop counters reported" grep -q "packets dropped by the kernel" "$TMP/fanout.err"
scanner=$(awk -F'\t' '$1=="nmap-connect-scan.pcap" {print $3}' "$CAPTURES/labels-lateral.tsv")
check "fanout: the scan still raises port_scan naming $scanner" \
	grep -q "\"category\":\"port_scan\".*\"entity\":\"$scanner\"" "$TMP/fanout.json"
