#!/bin/bash
# Syslog that loses no alert, against a real rsyslogd started here (no systemd):
#  - TLS (RFC 5425): rsyslog's ossl driver with certificates this test makes with
#    openssl; the sensor checks the server's certificate and name, and shows its
#    own client certificate (rsyslog requires one); a wrong CA or a missing
#    client certificate delivers nothing, and the sensor says so.
#  - CEF over TLS: every line rsyslog stores is the alert's CEF text.
#  - Outages (UDP and TLS): the receiver down when the sensor starts, the sensor
#    restarted while it is still down, the receiver back: with a disk spool
#    every alert of every run arrives, in order, none twice... and none lost.
#    (An outage in the middle of one run is tests/unit/test_syslog.c's: a
#    replay here takes a tenth of a second.)
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

RSYSLOGD=${RSYSLOGD:-/usr/sbin/rsyslogd}
need "$SENSOR"
need "$RSYSLOGD"
need /usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_ossl.so
command -v openssl >/dev/null || { fail "openssl is not installed"; exit 1; }

pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

free_port() {
	local p
	for _ in $(seq 1 100); do
		p=$((20000 + RANDOM % 40000))
		if [ -z "$(ss -Hln"$1" "sport = :$p" 2>/dev/null)" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# ---- certificates: a CA, the server (localhost), a client -------------------
pki=$TMP/pki
mkdir -p "$pki"
(
	cd "$pki" || exit 1
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=ndr test CA" \
		-keyout ca.key -out ca.pem
	openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
		-extfile server.ext -out server.pem
	openssl req -newkey rsa:2048 -nodes -subj "/CN=ndr-sensor" -keyout client.key -out client.csr
	printf 'extendedKeyUsage=clientAuth\n' >client.ext
	openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
		-extfile client.ext -out client.pem
	# a CA that signed nothing here
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=other CA" \
		-keyout other.key -out other.pem
) >"$TMP/openssl.log" 2>&1
check "openssl made a CA, a server and a client certificate" \
	test -s "$pki/server.pem" -a -s "$pki/client.pem" -a -s "$pki/other.pem"

# start_rsyslog NAME udp|tls PORT: one rsyslogd writing each message as
# "%msg%" to $TMP/NAME.log; its pid in pids, its pid file $TMP/NAME.pid
start_rsyslog() {
	local name=$1 kind=$2 port=$3 input
	if [ "$kind" = udp ]; then
		input="module(load=\"imudp\")
input(type=\"imudp\" address=\"127.0.0.1\" port=\"$port\" ruleset=\"r\")"
	else
		input="global(DefaultNetstreamDriver=\"ossl\"
	DefaultNetstreamDriverCAFile=\"$pki/ca.pem\"
	DefaultNetstreamDriverCertFile=\"$pki/server.pem\"
	DefaultNetstreamDriverKeyFile=\"$pki/server.key\")
module(load=\"imtcp\" StreamDriver.Name=\"ossl\" StreamDriver.Mode=\"1\"
	StreamDriver.AuthMode=\"x509/certvalid\")
input(type=\"imtcp\" address=\"127.0.0.1\" port=\"$port\" ruleset=\"r\")"
	fi
	mkdir -p "$TMP/$name.work"
	cat >"$TMP/$name.conf" <<EOC
global(workDirectory="$TMP/$name.work" maxMessageSize="64k")
$input
template(name="m" type="string" string="%msg%\n")
ruleset(name="r") { action(type="omfile" file="$TMP/$name.log" template="m") }
EOC
	"$RSYSLOGD" -n -f "$TMP/$name.conf" -i "$TMP/$name.pid" </dev/null >"$TMP/$name.out" 2>&1 &
	pids+=($!)
	for _ in $(seq 1 100); do
		if [ "$kind" = udp ] && [ -n "$(ss -Hlun "sport = :$port")" ]; then return 0; fi
		if [ "$kind" = tls ] && [ -n "$(ss -Hltn "sport = :$port")" ]; then return 0; fi
		sleep 0.1
	done
	fail "rsyslogd $name did not listen on $kind $port: $(cat "$TMP/$name.out")"
	return 1
}

stop_rsyslog() {
	local pid
	pid=$(cat "$TMP/$1.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null
	for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
}

# wait_lines FILE N: until FILE has at least N lines (10 s at most)
wait_lines() {
	for _ in $(seq 1 100); do
		[ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# the alerts of an EVE file, one compact line each
alerts_of() { jq -c 'select(.event_type=="alert")' "$@"; }

cat >"$TMP/sensor-tls.conf" <<EOF
[syslog]
tls_ca   = $pki/ca.pem
tls_cert = $pki/client.pem
tls_key  = $pki/client.key
backoff_min = 50ms
backoff_max = 200ms
close_flush = 3s
EOF

# ---- TLS: delivered, verified both ways -------------------------------------
TLS_PORT=$(free_port t) || { fail "no free TCP port"; exit 1; }
start_rsyslog tls tls "$TLS_PORT" || exit 1
"$SENSOR" -q -c "$TMP/sensor-tls.conf" -r "$CAPTURES/dns2tcp.pcap" --eve "$TMP/tls.eve" \
	--syslog "tls://localhost:$TLS_PORT" 2>"$TMP/tls.err"
rc=$?
check "tls: the sensor exits 0 (rc $rc: $(head -c 300 "$TMP/tls.err"))" [ $rc -eq 0 ]
n=$(alerts_of "$TMP/tls.eve" | wc -l)
check "tls: the capture raised alerts ($n)" [ "$n" -gt 0 ]
wait_lines "$TMP/tls.log" "$n"
check "tls: rsyslog got every alert over TLS ($(wc -l <"$TMP/tls.log" 2>/dev/null) of $n)" \
	diff <(alerts_of "$TMP/tls.eve") <(jq -c . "$TMP/tls.log")

# a CA that did not sign the server: nothing goes, and the sensor says why
sed "s|$pki/ca.pem|$pki/other.pem|" "$TMP/sensor-tls.conf" >"$TMP/wrongca.conf"
sed -i 's/close_flush = 3s/close_flush = 500ms/' "$TMP/wrongca.conf"
before=$(wc -l <"$TMP/tls.log")
"$SENSOR" -c "$TMP/wrongca.conf" -r "$CAPTURES/dns2tcp.pcap" --eve "$TMP/wrongca.eve" \
	--syslog "tls://localhost:$TLS_PORT" >/dev/null 2>"$TMP/wrongca.err"
sleep 0.5
check "tls, wrong CA: nothing delivered" [ "$(wc -l <"$TMP/tls.log")" -eq "$before" ]
check "tls, wrong CA: the summary names the certificate failure" \
	grep -q "last error: tls://localhost:$TLS_PORT: tls handshake: certificate" "$TMP/wrongca.err"
# no client certificate: rsyslog refuses the session
grep -v "tls_cert\|tls_key" "$TMP/wrongca.conf" | sed "s|$pki/other.pem|$pki/ca.pem|" \
	>"$TMP/nocert.conf"
"$SENSOR" -c "$TMP/nocert.conf" -r "$CAPTURES/dns2tcp.pcap" --eve "$TMP/nocert.eve" \
	--syslog "tls://localhost:$TLS_PORT" >/dev/null 2>"$TMP/nocert.err"
sleep 0.5
check "tls, no client certificate: rsyslog accepted nothing" \
	[ "$(wc -l <"$TMP/tls.log")" -eq "$before" ]
check "tls, no client certificate: the sensor counts the alert as not delivered by syslog" \
	grep -q "syslog tls://localhost:$TLS_PORT: 1 alerts could not be delivered" "$TMP/nocert.err"

# ---- CEF over TLS -----------------------------------------------------------
before=$(wc -l <"$TMP/tls.log")
"$SENSOR" -q -c "$TMP/sensor-tls.conf" -r "$CAPTURES/iodine-txt.pcap" --eve "$TMP/cef.eve" \
	--syslog "tls://localhost:$TLS_PORT" --syslog-format cef 2>"$TMP/cef.err"
rc=$?
check "cef: the sensor exits 0 (rc $rc)" [ $rc -eq 0 ]
n=$(alerts_of "$TMP/cef.eve" | wc -l)
check "cef: the capture raised alerts ($n)" [ "$n" -gt 0 ]
wait_lines "$TMP/tls.log" $((before + n))
tail -n +$((before + 1)) "$TMP/tls.log" >"$TMP/cef.lines"
# header: CEF:0|ndr|ndr-sensor|version|sid|name|severity|  (names hold no pipe here)
got=$(awk -F'|' '$1=="CEF:0" && $2=="ndr" && $3=="ndr-sensor" {print $5}' "$TMP/cef.lines")
check "cef: each line is CEF:0|ndr|ndr-sensor|... with the alert's signature id ($got)" \
	[ "$got" = "$(alerts_of "$TMP/cef.eve" | jq -r .alert.signature_id)" ]
check "cef: extensions carry the source and the flow id" \
	grep -q "src=10.53.0.1 .*cn1Label=flowId cn1=$(alerts_of "$TMP/cef.eve" | jq -r .flow_id)" \
	"$TMP/cef.lines"
stop_rsyslog tls

# ---- outages, with a disk spool ----------------------------------------------
# outage KIND URL PORT: run 1 with the receiver down, run 2 (a restart) still
# down, then the receiver starts and run 3 delivers everything.
outage() {
	local kind=$1 url=$2 port=$3 conf=$TMP/$1-spool.conf i rc
	{
		echo "[syslog]"
		[ "$kind" = tls ] && grep -v "^\[syslog\]\|close_flush" "$TMP/sensor-tls.conf"
		echo "spool_dir = $TMP/$kind-spool"
		echo "close_flush = 500ms"
		[ "$kind" = udp ] && printf 'backoff_min = 50ms\nbackoff_max = 200ms\nudp_confirm = 100ms\n'
	} >"$conf"
	i=0
	for cap in dns2tcp iodine-txt; do
		i=$((i + 1))
		"$SENSOR" -c "$conf" -r "$CAPTURES/$cap.pcap" --eve "$TMP/$kind-run$i.eve" \
			--syslog "$url" >/dev/null 2>"$TMP/$kind-run$i.err"
		rc=$?
		check "$kind outage, run $i (receiver down): exits 0 (rc $rc)" [ $rc -eq 0 ]
		check "$kind outage, run $i: the alerts are kept on disk for the next start" \
			grep -q "alerts kept in the spool for the next start" "$TMP/$kind-run$i.err"
		check "$kind outage, run $i: none dropped" \
			grep -q "syslog .* 0 dropped" "$TMP/$kind-run$i.err"
	done
	start_rsyslog "$kind-recv" "$kind" "$port" || return
	"$SENSOR" -c "$conf" -r "$CAPTURES/iodine-null.pcap" --eve "$TMP/$kind-run3.eve" \
		--syslog "$url" >/dev/null 2>"$TMP/$kind-run3.err"
	rc=$?
	check "$kind outage, run 3 (receiver back): exits 0 (rc $rc)" [ $rc -eq 0 ]
	n=$(alerts_of "$TMP/$kind-run1.eve" "$TMP/$kind-run2.eve" "$TMP/$kind-run3.eve" | wc -l)
	check "$kind outage: the three runs raised alerts ($n)" [ "$n" -ge 3 ]
	wait_lines "$TMP/$kind-recv.log" "$n"
	check "$kind outage: every alert of the three runs arrived, in order, once ($n)" \
		diff <(alerts_of "$TMP/$kind-run1.eve" "$TMP/$kind-run2.eve" "$TMP/$kind-run3.eve") \
		<(jq -c . "$TMP/$kind-recv.log")
	check "$kind outage: run 3 recovered the spooled alerts" \
		grep -q "[1-9][0-9]* recovered from it" "$TMP/$kind-run3.err"
	stop_rsyslog "$kind-recv"
}

UDP_PORT=$(free_port u) || { fail "no free UDP port"; exit 1; }
outage udp "udp://127.0.0.1:$UDP_PORT" "$UDP_PORT"
TLS2_PORT=$(free_port t) || { fail "no free TCP port"; exit 1; }
outage tls "tls://localhost:$TLS2_PORT" "$TLS2_PORT"
