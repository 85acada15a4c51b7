#!/bin/bash
# The fleet mode end to end (docs/fleet.md), on librdkafka's mock cluster
# (3 brokers, real Kafka protocol on localhost) with kcat reading the topics
# as an independent client:
#   - two sensors on two links (tests/captures/fleet-link-{a,b}.pcap: an nmap
#     scan whose ports are split between the links, so neither sensor alone
#     sees a scan) send their records and alerts to Kafka; a broker goes down
#     while the second one runs and comes back;
#   - ndr-detect consumer 1 owns every partition, finds the cross-link scan,
#     and dies right after its alert is acknowledged, before its checkpoint
#     (--exit-after-alerts 1): the worst moment for a double alert;
#   - consumer 2 takes over, then consumer 3 joins; two more sensors (a
#     brute force, a DNS tunnel) run; consumer 3 is killed (SIGKILL) mid-run
#     and consumer 2 takes its partitions back;
#   - every alert ndr-detect wrote is in the alerts topic exactly once, and
#     they are exactly the alerts of a fresh consumer that reads everything
#     in one go (the reference); every sensor alert is there exactly once.
. "$(dirname "$0")/lib.sh"
DETECT=$BUILD/bin/ndr-detect
MOCK=$BUILD/tools/ndr-kafka-mock
need "$SENSOR"; need "$DETECT"; need "$MOCK"
need "$CAPTURES/fleet-link-a.pcap"; need "$CAPTURES/fleet-link-b.pcap"
if ! command -v kcat >/dev/null; then
	fail "kcat is not installed (scripts/deps.sh installs it)"
	exit 1
fi

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	exec 3>&- 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

wait_for() { # wait_for SECONDS command...: until the command succeeds
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.2
	done
}

# The cluster, commands on fd 3.
mkfifo "$TMP/mock.in"
"$MOCK" --brokers 3 --topic ndr.records:6 --topic ndr.alerts:6 <"$TMP/mock.in" \
	>"$TMP/mock.out" 2>"$TMP/mock.err" &
pids+=($!)
exec 3>"$TMP/mock.in"
if ! wait_for 20 grep -q '^bootstrap ' "$TMP/mock.out"; then
	fail "the mock cluster did not start: $(cat "$TMP/mock.err")"
	exit 1
fi
B=$(awk '/^bootstrap /{print $2}' "$TMP/mock.out")
test_lines_above() { test "$(wc -l <"$TMP/mock.out")" -gt "$1"; }
mock() { # mock COMMAND: run it, expect "ok"
	local before
	before=$(wc -l <"$TMP/mock.out")
	echo "$*" >&3
	wait_for 10 test_lines_above "$before" && [ "$(tail -1 "$TMP/mock.out")" = ok ]
}

# Consumers leave the group quickly when they die, and checkpoint often.
cat >"$TMP/detect.conf" <<EOF
[kafka]
property = session.timeout.ms=6000
property = heartbeat.interval.ms=500
[detect]
commit_interval = 200ms
EOF

sensor() { # sensor NAME CAPTURE: one link's sensor, alerts also to a file
	"$SENSOR" -r "$2" --kafka "$B" --kafka-records --eve "$TMP/$1.eve" \
		>"$TMP/$1.out" 2>"$TMP/$1.err"
}
detect() { # detect NAME [options]: a consumer of group fleet, in the background
	local name=$1
	shift
	"$DETECT" -c "$TMP/detect.conf" --kafka "$B" --group fleet "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err" &
	pids+=($!)
}
says() { # says WHAT FILE REGEX: a check that FILE has a line matching REGEX
	check "$1" grep -Eq "$3" "$2"
}
owns() { grep -qs 'checkpoint at offset' "$TMP/$1.err"; }

# ---- each link alone sees no scan ------------------------------------------
for l in a b; do
	"$SENSOR" -r "$CAPTURES/fleet-link-$l.pcap" --eve "$TMP/alone-$l.eve" -q
done
check "each link alone: no port scan (the attack is split over the links)" \
	test "$(cat "$TMP/alone-a.eve" "$TMP/alone-b.eve" | grep -c '"port_scan"')" = 0

# ---- consumer 1 alone; the two links; a broker down during the second --------
detect c1 --exit-after-alerts 1
c1=$!
wait_for 30 owns c1 || fail "consumer 1 got no partitions: $(tail -3 "$TMP/c1.err")"
sensor link-a "$CAPTURES/fleet-link-a.pcap"
# broker 1 leads every partition, then goes down while link b's sensor
# sends: its records wait in the producer's queue and go out when it is back
leaders() {
	for t in ndr.records ndr.alerts; do
		for p in 0 1 2 3 4 5; do mock leader $t $p 1 || return 1; done
	done
}
check "broker 1 leads every partition" leaders
check "broker 1 goes down" mock down 1
sensor link-b "$CAPTURES/fleet-link-b.pcap" &
sb=$!
sleep 3
check "broker 1 comes back" mock up 1
wait "$sb"
for s in link-a link-b; do
	check "$s sensor: every record and alert acknowledged (0 failed, 0 dropped)" \
		grep -q 'delivered, 0 failed, [0-9]* retries, 0 dropped' "$TMP/$s.err"
done
wait "$c1"
rc1=$?
check "consumer 1 died after its first alert was acknowledged, before its checkpoint" \
	test "$rc1" = 3

# ---- consumer 2 takes over; consumer 3 joins; more links; 3 is killed -------
detect c2
c2=$!
wait_for 40 owns c2 || fail "consumer 2 got no partitions: $(tail -3 "$TMP/c2.err")"
# consumer 2 alone owns all six partitions: it replays them to their ends
# (and meets consumer 1's alert) before consumer 3 joins. Without this wait
# the rebalance could hand the alert's partition to consumer 3 first, which
# then deduplicates it and dies by SIGKILL without a summary, and consumer
# 2 might not get the partition back before its SIGTERM: the check below
# then failed although nothing was written twice.
caught_up() { test "$(grep -c 'caught up at offset' "$TMP/$1.err")" -ge "$2"; }
wait_for 60 caught_up c2 6 ||
	fail "consumer 2 did not read its six partitions to the end: $(tail -3 "$TMP/c2.err")"
detect c3
c3=$!
wait_for 40 owns c3 || fail "consumer 3 got no partitions: $(tail -3 "$TMP/c3.err")"
sensor link-c "$CAPTURES/hydra-ssh.pcap"
sleep 1
{ kill -9 "$c3" && wait "$c3"; } 2>/dev/null
sensor link-d "$CAPTURES/iodine-null.pcap"

# a message that is not a record (another producer's mistake) is a counted drop
printf 'not an ndr record\n' | kcat -b "$B" -P -t ndr.records -p 0 2>/dev/null

# ---- the reference: a fresh group reads everything in one go ------------------
"$DETECT" -c "$TMP/detect.conf" --kafka "$B" --group reference --no-kafka-alerts \
	--exit-at-end --eve "$TMP/ref.eve" 2>"$TMP/ref.err"
jq -r '.alert.metadata.ndr.alert_id' "$TMP/ref.eve" | sort >"$TMP/ref.ids"
check "a foreign message on the records topic is dropped and counted, not fatal" \
	grep -q ' 1 bad messages dropped; first: ndr.records \[0\] offset [0-9]*: not an ndr record' \
	"$TMP/ref.err"
check "the reference run has alerts of several detectors" \
	test "$(jq -r '.alert.signature_id' "$TMP/ref.eve" | cut -c1-4 | sort -u | wc -l)" -ge 2
check "the cross-link scan is found (port_scan on 10.77.0.11 from two links' records)" \
	grep -q '"src_ip":"10.77.0.11".*port scan' "$TMP/ref.eve"

# consumer 2 writes the rest (after the SIGKILL'd member's session ends)
topic_ids() {
	kcat -b "$B" -C -t ndr.alerts -e -q -o beginning 2>/dev/null |
		jq -r '.alert.metadata.ndr.alert_id // empty' | sort >"$TMP/topic.ids"
}
all_there() { topic_ids; [ -z "$(comm -23 "$TMP/ref.ids" <(sort -u "$TMP/topic.ids"))" ]; }
wait_for 60 all_there
check "every alert of the reference is in the alerts topic" all_there
check "no alert is in the alerts topic twice ($(wc -l <"$TMP/topic.ids") ids)" \
	test -z "$(uniq -d "$TMP/topic.ids")"
check "no alert in the topic that the reference does not have" \
	test -z "$(comm -13 "$TMP/ref.ids" "$TMP/topic.ids")"
check "the cross-link scan alert went through the alerts topic (kcat)" \
	sh -c "kcat -b '$B' -C -t ndr.alerts -e -q -o beginning 2>/dev/null |
		grep '\"alert_id\"' | grep -q '\"src_ip\":\"10.77.0.11\".*port scan'"

# the sensors' own alerts: each exactly once
kcat -b "$B" -C -t ndr.alerts -e -q -o beginning 2>/dev/null | grep -v '"alert_id"' | sort \
	>"$TMP/topic.sensor"
cat "$TMP"/link-?.eve | sort >"$TMP/sensor.eve"
check "every sensor alert is in the alerts topic exactly once ($(wc -l <"$TMP/sensor.eve"))" \
	cmp -s "$TMP/topic.sensor" "$TMP/sensor.eve"

# consumer 2 resumed: it found the alert consumer 1 wrote before dying
kill -TERM "$c2"
wait "$c2"
rc2=$?
check "consumer 2 stops cleanly on SIGTERM" test "$rc2" = 0
says "consumer 2 skipped the alert already in the topic (deduplicated >= 1)" "$TMP/c2.err" \
	'alerts +[0-9]+ written, [0-9]+ suppressed .*, [1-9][0-9]* deduplicated'
says "consumer 2 took over partitions more than once (rebalances)" "$TMP/c2.err" \
	'group +([2-9]|[1-9][0-9]+) assignments'

# ---- the data path never waits for the cluster ----------------------------------
# Nothing listens at the broker address: the local queue (5 messages) fills,
# the rest is dropped and counted, the sensor's own output is complete, and
# exit waits only close_timeout.
printf '[kafka]\nqueue_messages = 5\nclose_timeout = 1s\n' >"$TMP/down.conf"
port=$((20000 + RANDOM % 20000))
while ss -ltn | grep -q ":$port "; do port=$((20000 + RANDOM % 20000)); done
timeout 60 "$SENSOR" -r "$CAPTURES/nmap-connect-scan.pcap" -c "$TMP/down.conf" \
	--kafka "127.0.0.1:$port" --kafka-records --eve "$TMP/down.eve" 2>"$TMP/down.err"
rc=$?
check "cluster unreachable: the sensor finishes (status $rc)" test "$rc" = 0
says "cluster unreachable: what the queue cannot hold is dropped and counted" "$TMP/down.err" \
	'^  kafka .* [1-9][0-9]* dropped \(queue full\)'
says "cluster unreachable: what was queued is counted as failed at exit" "$TMP/down.err" \
	'^  kafka .*delivered, [1-9][0-9]* failed'
"$SENSOR" -r "$CAPTURES/nmap-connect-scan.pcap" --eve "$TMP/plain.eve" -q
alerts_of() { jq -c '[.alert.signature_id, .src_ip, .dest_ip, .alert.signature]' "$1"; }
check "cluster unreachable: the sensor finds the same alerts as without Kafka" \
	cmp -s <(alerts_of "$TMP/down.eve") <(alerts_of "$TMP/plain.eve")

# ---- configuration errors are clear ---------------------------------------------
printf '[kafka]\nacks = 1\n' >"$TMP/bad.conf"
"$SENSOR" -r "$CAPTURES/fleet-link-a.pcap" -c "$TMP/bad.conf" --kafka "$B" 2>"$TMP/bad.err"
rc=$?
check "[kafka] acks = 1 with the idempotent producer: exit 2 with file and line" \
	sh -c "test $rc = 2 && grep -q 'bad.conf:2: \[kafka\] acks: the idempotent producer needs acks = all' '$TMP/bad.err'"
printf '[kafka]\nproperty = no.such.property=1\n' >"$TMP/bad.conf"
"$DETECT" -c "$TMP/bad.conf" --kafka "$B" 2>"$TMP/bad.err"
rc=$?
check "a property librdkafka rejects: exit 2 with librdkafka's reason" \
	sh -c "test $rc = 2 && grep -q 'kafka: no.such.property=1: No such configuration property' '$TMP/bad.err'"
