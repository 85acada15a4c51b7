#!/bin/bash
# Throughput of the fleet path (docs/fleet.md "Throughput"), on librdkafka's
# mock cluster (3 brokers on localhost: no network and no disk, so this
# measures the clients):
#   1. the producer on its own: ndr-kafka-bench sends RECORDS synthetic flow
#      records as ndr-sensor --kafka-records does (same keys, encoding and
#      producer) and times them until every message is acknowledged;
#   2. one ndr-detect consuming them: records/s while records flowed;
#   3. ndr-sensor on a generated flow-heavy capture of PACKETS packets, with
#      and without --kafka-records (1 worker): what Kafka costs a sensor.
# Usage: scripts/bench-fleet.sh [RECORDS [PACKETS]]   (default 1000000 1000000)
set -eu
BUILD=${BUILD:-build}
records=${1:-1000000}
packets=${2:-1000000}
tmp=$(mktemp -d /tmp/ndr-bench-fleet.XXXXXX)
bench=
trap 'exec 3>&- 2>/dev/null; [ -n "$bench" ] && wait $bench; rm -rf "$tmp"' EXIT

mkfifo "$tmp/in"
"$BUILD/tools/ndr-kafka-bench" --records "$records" --partitions 12 --hold \
	<"$tmp/in" >"$tmp/out" 2>&1 &
bench=$!
exec 3>"$tmp/in"
for _ in $(seq 100); do grep -q '^bootstrap' "$tmp/out" && break; sleep 0.1; done
B=$(awk '/^bootstrap/{print $2}' "$tmp/out")
echo "== 1. the producer, $records records"
until grep -q '^producer' "$tmp/out"; do sleep 0.5; done
sed -n '/^producer/,$p' "$tmp/out"

echo "== 2. one ndr-detect over them"
"$BUILD/bin/ndr-detect" --kafka "$B" --group bench --exit-at-end --no-kafka-alerts \
	--eve /dev/null 2>&1 |
	grep -E '^  (records|alerts|elapsed)'

echo "== 3. ndr-sensor on $packets packets (flow-heavy), without and with --kafka-records"
"$BUILD/bin/ndr-gen" --profile flow-heavy --packets "$packets" -o "$tmp/cap.pcap" >/dev/null
"$BUILD/bin/ndr-sensor" -r "$tmp/cap.pcap" --workers 1 --eve /dev/null 2>&1 |
	grep -E '^  (records|elapsed)'
"$BUILD/bin/ndr-sensor" -r "$tmp/cap.pcap" --workers 1 --kafka "$B" --kafka-records \
	2>&1 >/dev/null | grep -E '^  (kafka|elapsed)'
