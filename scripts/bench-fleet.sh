#!/bin/bash
# Throughput of the fleet path (docs/fleet.md "Throughput"), on librdkafka's
# mock cluster (3 brokers on localhost, so no network and no disk: an upper
# bound for a real cluster's client side):
#   1. ndr-sensor --kafka-records on a generated flow-heavy capture: the
#      producer's records/s (its summary: kafka delivered / elapsed), next to
#      the same run without Kafka;
#   2. one ndr-detect consuming all of it: records/s while records flowed.
# Usage: scripts/bench-fleet.sh [PACKETS]   (default 1000000)
set -eu
BUILD=${BUILD:-build}
packets=${1:-1000000}
tmp=$(mktemp -d /tmp/ndr-bench-fleet.XXXXXX)
trap 'exec 3>&- 2>/dev/null; kill $mock 2>/dev/null; rm -rf "$tmp"' EXIT

"$BUILD/bin/ndr-gen" --profile flow-heavy --packets "$packets" -o "$tmp/cap.pcap" >/dev/null
mkfifo "$tmp/in"
"$BUILD/tools/ndr-kafka-mock" --topic ndr.records:12 --topic ndr.alerts:12 \
	<"$tmp/in" >"$tmp/out" 2>/dev/null &
mock=$!
exec 3>"$tmp/in"
for _ in $(seq 100); do grep -q '^bootstrap' "$tmp/out" && break; sleep 0.1; done
B=$(awk '/^bootstrap/{print $2}' "$tmp/out")

echo "== ndr-sensor without Kafka"
"$BUILD/bin/ndr-sensor" -r "$tmp/cap.pcap" --workers 1 --eve /dev/null 2>&1 | grep -E '^  (records|elapsed)'
echo "== ndr-sensor --kafka-records"
"$BUILD/bin/ndr-sensor" -r "$tmp/cap.pcap" --workers 1 --kafka "$B" --kafka-records \
	2>"$tmp/sensor.err" >/dev/null
grep -E '^  (records|kafka|elapsed)' "$tmp/sensor.err"
awk '/^  kafka/{for(i=1;i<=NF;i++) if($(i+1)=="delivered,") d=$i}
     /^  elapsed/{t=$2} END{printf "producer: %d messages delivered in %.3f s = %.0f messages/s\n", d, t, d/t}' \
	"$tmp/sensor.err"
echo "== ndr-detect, one consumer"
"$BUILD/bin/ndr-detect" --kafka "$B" --group bench --exit-at-end --no-kafka-alerts 2>&1 |
	grep -E '^  (records|alerts|elapsed)'
