#!/bin/bash
# kafka_spool.sh - [kafka] spool_dir: with the cluster away, what the bounded
# local queue cannot hold and what could not be delivered in time goes to
# the disk spool; the next start, with the cluster back, sends it. Every
# event of the first run reaches its topic, none twice.
. "$(dirname "$0")/lib.sh"
MOCK=$BUILD/tools/ndr-kafka-mock
CAP=$CAPTURES/dns2tcp.pcap
need "$SENSOR"; need "$MOCK"; need "$CAP"
if ! command -v kcat >/dev/null; then
	fail "kcat is not installed (scripts/deps.sh installs it)"
	exit 1
fi
mock_pid=
cleanup() { exec 3>&- 2>/dev/null; [ -n "$mock_pid" ] && kill -9 "$mock_pid" 2>/dev/null; [ -n "$KEEP" ] || rm -rf "$TMP"; }
trap cleanup EXIT

"$SENSOR" -r "$CAP" --records -q --eve "$TMP/ref.json"
for t in alert flow dns tls; do
	eval "ref_$t=$(jq -c "select(.event_type==\"$t\")" "$TMP/ref.json" | wc -l)"
done
check "the capture has events of every kind ($ref_alert alerts, $ref_flow flows, $ref_dns dns)" \
	[ "$ref_alert" -gt 0 ] && [ "$ref_flow" -gt 0 ] && [ "$ref_dns" -gt 0 ]

# nothing listens on this port: the cluster is away for the whole first run
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf '[kafka]\nspool_dir = %s\nqueue_messages = 50\ndelivery_timeout = 2s\nclose_timeout = 1s\n' \
	"$TMP/spool" >"$TMP/away.conf"
"$SENSOR" -c "$TMP/away.conf" -r "$CAP" --records --kafka "127.0.0.1:$port" 2>"$TMP/away.err"
rc=$?
check "cluster away: the run ends normally (rc $rc)" [ "$rc" -eq 0 ]
total=$((ref_alert + ref_flow + ref_dns + ref_tls))
waiting=$(sed -n 's/.*spool [^:]*: [0-9]* kept, [0-9]* sent from it, \([0-9]*\) waiting.*/\1/p' "$TMP/away.err")
check "cluster away: every event waits in the spool ($waiting of $total)" [ "${waiting:-0}" -eq "$total" ]
check "cluster away: nothing counted as failed or dropped" \
	grep -q ' 0 failed.*0 dropped' "$TMP/away.err"

# the mock serves until its stdin closes: a fifo held open here
mkfifo "$TMP/mock.in"
"$MOCK" --brokers 1 --topic ndr.alerts:1 --topic ndr.flow:1 --topic ndr.dns:1 --topic ndr.tls:1 \
	<"$TMP/mock.in" >"$TMP/mock.out" 2>"$TMP/mock.err" &
mock_pid=$!
exec 3>"$TMP/mock.in"
for _ in $(seq 100); do grep -q '^bootstrap ' "$TMP/mock.out" && break; sleep 0.1; done
B=$(awk '/^bootstrap /{print $2}' "$TMP/mock.out")
check "the mock cluster is up" [ -n "$B" ]

# the cluster is back: the next start (alerts only this time) sends the spool
printf '[kafka]\nspool_dir = %s\nclose_timeout = 20s\n' "$TMP/spool" >"$TMP/back.conf"
"$SENSOR" -c "$TMP/back.conf" -r "$CAP" --kafka "$B" 2>"$TMP/back.err"
rc=$?
check "cluster back: the run ends normally (rc $rc)" [ "$rc" -eq 0 ]
left=$(sed -n 's/.*spool [^:]*: [0-9]* kept, [0-9]* sent from it, \([0-9]*\) waiting.*/\1/p' "$TMP/back.err")
check "cluster back: the spool is empty after the next start (${left:-?} waiting)" [ "${left:-1}" -eq 0 ]
for t in alert flow dns tls; do
	topic=ndr.$t; [ $t = alert ] && topic=ndr.alerts
	got=$(kcat -b "$B" -C -t "$topic" -e -q -o beginning 2>/dev/null | jq -c "select(.event_type==\"$t\")" | sort)
	want=$(jq -c "select(.event_type==\"$t\")" "$TMP/ref.json" | sort)
	n=$(printf '%s' "$got" | grep -c .)
	eval "r=\$ref_$t"
	if [ $t = alert ]; then
		# the second run adds its own alerts: each alert twice
		check "$topic: the first run's alerts and the second's ($n = 2 x $r)" \
			[ "$n" -eq $((2 * r)) ] && [ "$(printf '%s\n' "$got" | sort -u | grep -c .)" -eq "$r" ]
	else
		check "$topic: every event of the first run arrived once ($n of $r)" \
			[ "$(printf '%s\n' "$got" | sort -u | grep -c .)" -eq "$r" ] && [ "$n" -eq "$r" ]
	fi
done
