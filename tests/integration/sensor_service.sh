#!/bin/bash
# ndr-sensor as a service: a live sensor on a veth pair between two network
# namespaces with --pidfile and --stats-interval 1; logrotate's move and
# SIGHUP (no event lost or torn, new events in the new file), a reload that
# lowers a threshold (the next replay alerts, on state learned before it)
# and two that are refused, SIGUSR1, the metrics file through
# python3-prometheus-client's parser, SIGTERM's summary and exit 0, the
# pidfile's rules, and --user nobody with the capture still working.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
need "$SENSOR"
cap=$CAPTURES/iodine-null.pcap
need "$cap"
for tool in ip tcpreplay ethtool jq python3; do
	command -v "$tool" >/dev/null || { fail "$tool is not installed"; exit 1; }
done

pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	veth_pair_del
	[ -n "${KEEP:-}" ] && echo "kept $TMP" || rm -rf "$TMP"
}
trap cleanup EXIT

veth_pair svc s || exit 1

# DNS messages in the capture: one dns event each (--records)
msgs=$(tcpdump -nr "$cap" 2>/dev/null | wc -l)
count() { # count FILE JQ-FILTER: events matching, every line parsed as JSON
	jq -c "select($2)" "$1" 2>/dev/null | wc -l
}
wait_for() { # wait_for SECONDS COMMAND...: poll until the command succeeds
	local t=$(($1 * 10))
	shift
	while [ "$t" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		t=$((t - 1))
	done
	return 1
}
have_events() { [ "$(count "$1" "$2")" -ge "$3" ]; }
wait_capture() { # the sensor's packet socket is open
	wait_for 10 sh -c "ls -l /proc/$1/fd 2>/dev/null | grep -q socket"
	sleep 0.3
}
replay() {
	ip netns exec "$ns_a" tcpreplay -q -i "$va" --pps 3000 "$cap" >>"$TMP/replay.log" 2>&1
}

out=$TMP/out
mkdir -p "$out"
conf=$TMP/ndr.conf
# thresholds no tunnel reaches: message counts before any scoring; the
# short-session path (obviously encoded names) capped below score_threshold
# (iodine's binary labels score it 0.8 at short_min_names 16), so only
# min_queries decides
short='short_min_names = 16\nscore_threshold = 0.9\n'
high="[dns_tunnel]\nmin_queries = 1000000\ntxt_min_answers = 1000000\n$short"
printf "$high" >"$conf"
# a syslog receiver on the sensor's namespace's loopback
port=$((20000 + $$ % 10000))
ip netns exec "$ns_b" /usr/bin/python3 -u - "$port" >"$TMP/syslog.log" 2>&1 <<'EOF2' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', int(sys.argv[1])))
while True:
    print(s.recv(65536).decode(errors='replace'), flush=True)
EOF2
syslog_pid=$!
ip netns exec "$ns_b" "$SENSOR" -i "$vb" -c "$conf" --records --pidfile "$out/ndr.pid" \
	--syslog "udp://127.0.0.1:$port" --buffer-size 64 --stats-interval 1 --metrics-file "$out/ndr.prom" --eve "$out/eve.json" \
	2>"$TMP/svc.err" &
pid=$!
wait_capture "$pid"
check "pidfile holds the sensor's pid" [ "$(cat "$out/ndr.pid" 2>/dev/null)" = "$pid" ]
ip netns exec "$ns_b" "$SENSOR" -i "$vb" --pidfile "$out/ndr.pid" --eve "$TMP/x.json" \
	2>"$TMP/second.err"
rc=$?
check "a second sensor on the same pidfile is refused (status $rc)" \
	grep -q "already running as pid $pid" "$TMP/second.err"

replay
wait_for 20 have_events "$out/eve.json" '.event_type=="dns"' "$msgs"
first_dns=$(count "$out/eve.json" '.event_type=="dns"')
queries=$(count "$out/eve.json" '.event_type=="dns" and .dns.type=="query"')
check "first replay: $first_dns dns events of $msgs messages (drops checked at the end)" \
	[ "$first_dns" -gt 0 ]
check "high thresholds: no dns_tunnel alert yet" \
	[ "$(count "$out/eve.json" '.event_type=="alert"')" -eq 0 ]
wait_for 5 have_events "$out/eve.json" '.event_type=="stats"' 1
check "stats events every second while running" \
	have_events "$out/eve.json" '.event_type=="stats" and .stats.decoder.pkts > 0' 1

# refused: a table size needs a restart; a typo is an error; a bad line
hups=0
for bad in "${high}max_entities = 32768\n" "${high}score_treshold = 0.6\n" '[dns_tunnel\n' '[card]\nflow_buckets_log2 = 12\n'; do
	printf "$bad" >"$conf"
	kill -HUP "$pid"
	hups=$((hups + 1))
	wait_for 5 sh -c "[ \$(grep -c 'refused, the running one stays' '$TMP/svc.err') -ge $hups ]"
done
check "four bad configurations refused, each saying why" \
	[ "$(grep -c 'refused, the running one stays' "$TMP/svc.err")" -eq 4 ]
check "refusal names the key that needs a restart" grep -q "max_entities.*restart" "$TMP/svc.err"
check "refusal names the unknown key" grep -q "unknown key 'score_treshold'" "$TMP/svc.err"
check "sensor still running after the refusals" kill -0 "$pid"

# logrotate: move, then SIGHUP with a lower threshold
printf "[dns_tunnel]\nmin_queries = 50\ntxt_min_answers = 1000000\n$short[syslog]\nfacility = local3\n" >"$conf"
mv "$out/eve.json" "$out/eve.json.1"
kill -HUP "$pid"
changed='reloaded: \[dns_tunnel\] min_queries: 1000000 -> 50; \[syslog\] facility: (unset) -> local3$'
wait_for 5 grep -q "$changed" "$TMP/svc.err"
check "reload reports what changed" grep -q "$changed" "$TMP/svc.err"
wait_for 5 test -s "$out/eve.json"
check "SIGHUP reopened eve.json at its path" test -s "$out/eve.json"
replay
wait_for 20 have_events "$out/eve.json" '.event_type=="dns"' "$msgs"
kill -USR1 "$pid"
sleep 1.5
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
check "SIGTERM: exit status 0 (got $rc)" [ "$rc" -eq 0 ]
check "SIGTERM: the summary is written" grep -q "summary for sim:live:$vb" "$TMP/svc.err"
check "pidfile removed at exit" test ! -e "$out/ndr.pid"

old_lines=$(wc -l <"$out/eve.json.1")
new_lines=$(wc -l <"$out/eve.json")
parsed=$(cat "$out/eve.json.1" "$out/eve.json" | jq -c . 2>/dev/null | wc -l)
check "no line torn across the rotation ($parsed of $((old_lines + new_lines)) parse)" \
	[ "$parsed" -eq "$((old_lines + new_lines))" ]
dns_old=$(count "$out/eve.json.1" '.event_type=="dns"')
dns_new=$(count "$out/eve.json" '.event_type=="dns"')
# a loaded machine may drop packets in the kernel: counted, never silent
kdrops() { sed -n 's/^  drops .*; \([0-9]*\) packets by the capture.*/\1/p' "$1"; }
drops=$(kdrops "$TMP/svc.err")
check "no dns event lost across the rotation ($dns_old + $dns_new + ${drops:-?} kernel drops = $((2 * msgs)))" \
	[ "$((dns_old + dns_new + ${drops:-0}))" -eq "$((2 * msgs))" ]
check "new events went to the new file ($dns_new dns events)" [ "$dns_new" -gt 0 ]
alert_q=$(jq -r 'select(.event_type=="alert" and .alert.category=="dns_tunnel") |
	.alert.metadata.ndr.evidence.queries' "$out/eve.json" | head -1)
check "lower threshold: the second replay alerts" [ -n "$alert_q" ]
# local3 = 19: PRI 152..159; local0 (the default before the reload) would be 128..135
wait_for 5 grep -q '^<15[2-9]>1 .*dns_tunnel' "$TMP/syslog.log"
check "[syslog] reloaded: the alert went to the receiver with facility local3" \
	grep -q '^<15[2-9]>1 ' "$TMP/syslog.log"
kill "$syslog_pid" 2>/dev/null
check "the detector kept its state across the reload ($alert_q queries > $queries of one replay)" \
	[ "${alert_q:-0}" -gt "$queries" ]
check "the stats event counts both replays' packets" \
	have_events "$out/eve.json" ".event_type==\"stats\" and .stats.decoder.pkts >= $((2 * msgs))" 1
check "stats events carry every detector's counters" \
	have_events "$out/eve.json" '.event_type=="stats" and (.metadata.flowints.ndr.detector.dns_tunnel.memory_bytes > 0)' 1

# the metrics file, read as node_exporter's textfile collector would
# Debian's python3, where python3-prometheus-client is
/usr/bin/python3 - "$out/ndr.prom" "$((2 * msgs))" "$(kdrops "$TMP/svc.err")" >"$TMP/prom.out" 2>&1 <<'EOF'
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
def value(name, **labels):
    for s in fams[name].samples:
        if s.name == name + ('_total' if fams[name].type == 'counter' else '') or s.name == name:
            if all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    raise KeyError(name)
assert fams['ndr_card_packets'].type == 'counter', fams['ndr_card_packets'].type
assert value('ndr_card_packets') + int(sys.argv[3]) >= int(sys.argv[2]), value('ndr_card_packets')
assert fams['ndr_detector_memory_bytes'].type == 'gauge'
assert value('ndr_detector_memory_bytes', detector='dns_tunnel') > 0
assert value('ndr_detector_alerts', detector='dns_tunnel') >= 1
assert value('ndr_eve_reopens') == 5, value('ndr_eve_reopens')  # every SIGHUP reopens
assert value('ndr_capture_kernel_drops') == int(sys.argv[3]), 'kernel drops differ from the summary'
print('families', len(fams))
EOF
check "metrics file parsed by prometheus_client: $(tail -1 "$TMP/prom.out")" \
	grep -q '^families' "$TMP/prom.out"

# a stale pidfile (its process gone) is replaced
echo 999999999 >"$out/ndr.pid"
"$SENSOR" -q -r "$cap" --pidfile "$out/ndr.pid" --eve "$TMP/stale.json" 2>"$TMP/stale.err"
rc=$?
check "stale pidfile replaced (status $rc)" grep -q "replacing a stale pidfile" "$TMP/stale.err"

# --user nobody: the capture keeps working, the process is nobody with
# only CAP_NET_RAW and CAP_NET_ADMIN; logrotate still works in a
# directory nobody owns
nob=$TMP/nobody
chmod 755 "$TMP"
mkdir -p "$nob" && chown nobody "$nob"
ip netns exec "$ns_b" "$SENSOR" -i "$vb" --user nobody --records --eve "$nob/eve.json" --buffer-size 64 \
	--pidfile "$nob/ndr.pid" 2>"$TMP/nobody.err" &
pid=$!
wait_capture "$pid"
wait_for 5 sh -c "grep -q '^Uid:.*65534' /proc/$pid/status"
uid=$(awk '/^Uid:/ {print $2 "/" $3 "/" $4}' /proc/$pid/status)
capeff=$(awk '/^CapEff:/ {print $2}' /proc/$pid/status)
check "--user nobody: real/effective/saved uid 65534 ($uid)" [ "$uid" = "65534/65534/65534" ]
check "--user nobody: only CAP_NET_RAW and CAP_NET_ADMIN left ($capeff)" \
	[ "$capeff" = "0000000000003000" ]
replay
wait_for 20 have_events "$nob/eve.json" '.event_type=="dns"' "$msgs"
mv "$nob/eve.json" "$nob/eve.json.1"
kill -HUP "$pid"
wait_for 5 test -e "$nob/eve.json"
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
nob_dns=$(count "$nob/eve.json.1" '.event_type=="dns"')
drops=$(kdrops "$TMP/nobody.err")
check "--user nobody: capture still works ($nob_dns dns events + ${drops:-?} kernel drops of $msgs)" \
	[ "$nob_dns" -gt 0 ] && [ "$((nob_dns + ${drops:-0}))" -eq "$msgs" ]
check "--user nobody: SIGHUP reopened the file as nobody" \
	[ "$(stat -c %U "$nob/eve.json" 2>/dev/null)" = nobody ]
check "--user nobody: exit 0 and pidfile removed (status $rc)" \
	[ "$rc" -eq 0 ] && [ ! -e "$nob/ndr.pid" ]

# the interface goes down, then away entirely: the sensor waits, reopens,
# counts it, and captures again - never a silent exit
ip netns exec "$ns_b" "$SENSOR" -i "$vb" --records --eve "$TMP/flap.json" --buffer-size 64 \
	--metrics-file "$TMP/flap.prom" --stats-interval 1 2>"$TMP/flap.err" &
pid=$!
wait_capture "$pid"
ip -n "$ns_b" link set "$vb" down
wait_for 5 grep -q "$vb: link down" "$TMP/flap.err"
check "link down: reported" grep -q "$vb: link down" "$TMP/flap.err"
ip -n "$ns_b" link set "$vb" up
wait_for 10 grep -q "$vb: link up again" "$TMP/flap.err"
check "link up again: reported" grep -q "$vb: link up again" "$TMP/flap.err"
ip -n "$ns_a" link del "$va"                             # both ends gone
wait_for 5 grep -q "$vb: capture lost" "$TMP/flap.err"
check "interface deleted: reported, the sensor keeps running" \
	grep -q "$vb: capture lost" "$TMP/flap.err" && kill -0 "$pid"
veth_link
wait_for 40 grep -q "$vb: capturing again" "$TMP/flap.err"
check "interface recreated: reopened, capturing again" grep -q "$vb: capturing again" "$TMP/flap.err"
sleep 0.3
replay
wait_for 20 have_events "$TMP/flap.json" '.event_type=="dns"' "$msgs"
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
flap_dns=$(count "$TMP/flap.json" '.event_type=="dns"')
drops=$(kdrops "$TMP/flap.err")
check "after the flaps every packet is seen or counted ($flap_dns dns events + ${drops:-?} kernel drops of $msgs)" \
	[ "$((flap_dns + ${drops:-0}))" -eq "$msgs" ]
check "down (2) and reopens (1) counted in the metrics" \
	grep -q '^ndr_capture_reopens_total 1$' "$TMP/flap.prom" &&
	grep -q '^ndr_capture_down_total 2$' "$TMP/flap.prom"
check "flapping sensor exits 0 on SIGTERM (status $rc)" [ "$rc" -eq 0 ]

# -f: a BPF filter on a capture file, and one that does not compile
"$SENSOR" -r "$cap" -f "udp and src host 10.53.0.1" --eve "$TMP/f.json" --metrics-file "$TMP/f.prom" \
	2>"$TMP/f.err"
queries_only=$(tcpdump -nr "$cap" "udp and src host 10.53.0.1" 2>/dev/null | wc -l)
got=$(sed -n 's/^  packets   \([0-9]*\).*/\1/p' "$TMP/f.err")
check "-f: only the matching packets reach the card ($got of $queries_only)" \
	[ "${got:-x}" = "$queries_only" ]
check "-f: the rest counted as filtered" \
	grep -q "^ndr_capture_filtered_total $((msgs - queries_only))$" "$TMP/f.prom"
"$SENSOR" -r "$cap" -f "udp prot 53" --eve "$TMP/f2.json" 2>"$TMP/f2.err"
rc=$?
check "-f: a filter that does not compile is refused, saying why (status $rc)" \
	[ "$rc" -ne 0 ] && grep -q "filter 'udp prot 53'" "$TMP/f2.err"
check "a rising loss counter is warned about" \
	grep -q "warning: capture down rising: +1" "$TMP/flap.err"

# an unsupported link type (radiotap, DLT 127): counted and said once, with its number
/usr/bin/python3 - "$TMP/radiotap.pcap" <<'EOF2'
import struct, sys
with open(sys.argv[1], 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 127))
    for i in range(3):
        frame = bytes(8) + bytes(range(40))
        f.write(struct.pack('<IIII', 1700000000 + i, 0, len(frame), len(frame)) + frame)
EOF2
"$SENSOR" -r "$TMP/radiotap.pcap" --eve "$TMP/rt.json" --metrics-file "$TMP/rt.prom" 2>"$TMP/rt.err"
check "unsupported link type: one warning naming DLT 127 ($(grep -c 'link type 127' "$TMP/rt.err"))" \
	[ "$(grep -c 'link type 127 is not supported' "$TMP/rt.err")" -eq 1 ]
check "unsupported link type: its frames counted" \
	grep -q '^ndr_capture_unsupported_total 3$' "$TMP/rt.prom"

# Type=notify: the sd_notify datagrams, read from a socket as systemd would
/usr/bin/python3 - "$TMP/notify.sock" >"$TMP/notify.log" 2>&1 <<'EOF2' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
while True:
    msg = s.recv(4096).decode()
    print(msg.replace('\n', ' '), flush=True)
    if 'STOPPING=1' in msg:
        break
EOF2
listener=$!
wait_for 5 test -S "$TMP/notify.sock"
NOTIFY_SOCKET=$TMP/notify.sock "$SENSOR" -i lo --eve "$TMP/notify.json" 2>"$TMP/notify.err" &
pid=$!
wait_for 10 grep -q "READY=1" "$TMP/notify.log"
kill -HUP "$pid"
wait_for 5 grep -q "RELOADING=1" "$TMP/notify.log"
kill -TERM "$pid"
wait "$pid"
pid=
wait "$listener"
check "sd_notify: READY=1, RELOADING=1 then READY=1, STOPPING=1 ($(tr '\n' '|' <"$TMP/notify.log"))" \
	sh -c "tr '\n' '|' <'$TMP/notify.log' | grep -q '^READY=1 STATUS=reading records|RELOADING=1|READY=1|STOPPING=1|'"
