#!/bin/bash
# JA3, JA4 and the negotiated TLS version of every TLS handshake in the
# committed captures: what ndr-sensor writes (the card's lists, libndr's
# fingerprints, ClientHello and ServerHello paired) against what
# tests/tools/tls_fingerprints.py computes on its own from the raw bytes.
# Fails when no capture has a fingerprint to compare, so it cannot pass
# empty. The published-value check (Chrome 143's JA3/JA4) is in
# tests/unit/test_tls.c. Last, the Kafka output's tls topic (librdkafka's
# mock cluster, read with kcat) must hold the same paired events as the
# EVE file.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
need "$SENSOR"
need tests/tools/tls_fingerprints.py

total=0
for f in "$CAPTURES"/*.pcap; do
	want=$TMP/want.txt got=$TMP/got.txt eve=$TMP/$(basename "$f").json
	python3 tests/tools/tls_fingerprints.py "$f" >"$TMP/raw.txt" || {
		fail "$(basename "$f"): tls_fingerprints.py failed"
		continue
	}
	grep -q '^client ' "$TMP/raw.txt" || continue
	# one line per ClientHello: endpoints, JA3, JA4, and the version of the
	# ServerHello answering it (the next one of that connection; 0000 when
	# it is cut before the version is sure: the sensor's UNDETERMINED), or "-"
	python3 - "$TMP/raw.txt" >"$want" <<'PY'
import sys
pending = {}
out = []
for line in open(sys.argv[1]):
    w = line.split()
    if w[0] == 'client':
        key = tuple(w[1:5])
        if key in pending:
            out.append(pending.pop(key) + ['-'])
        pending[key] = w[1:]
    else:
        key = (w[3], w[4], w[1], w[2])
        if key in pending:
            out.append(pending.pop(key) + [w[5]])
out += [p + ['-'] for p in pending.values()]
for o in sorted(' '.join(x) for x in out):
    print(o)
PY
	if ! "$SENSOR" -q -r "$f" --records --eve "$eve" 2>"$TMP/err.txt"; then
		fail "$(basename "$f"): ndr-sensor exited with an error: $(head -c 300 "$TMP/err.txt")"
		continue
	fi
	jq -r 'select(.event_type == "tls" and .tls.client_handshake != null) |
	       [.src_ip, (.src_port|tostring), .dest_ip, (.dest_port|tostring),
	        (.tls.ja3.hash // "-"), (.tls.ja4 // "-"),
	        (if .tls.server_handshake then
	           ({"TLS 1.3": "0304", "TLS 1.2": "0303", "TLS 1.1": "0302", "TLSv1": "0301",
	             "SSLv3": "0300", "UNDETERMINED": "0000"}[.tls.version] // .tls.version)
	         else "-" end)] | join(" ")' "$eve" | sort >"$got"
	n=$(wc -l <"$want")
	fps=$(awk '$5 != "-"' "$want" | wc -l)
	total=$((total + fps))
	if cmp -s "$want" "$got"; then
		pass "$(basename "$f"): $n ClientHellos, $fps fingerprints and the versions their servers chose as computed from the bytes"
	else
		fail "$(basename "$f"): sensor and tls_fingerprints.py differ: $(diff "$want" "$got" | head -5 | tr '\n' ' ')"
	fi
done
check "some capture had a fingerprint to compare (got $total)" [ "$total" -gt 0 ]

# The Kafka output (--kafka with --records) writes the same tls events as the
# EVE file: one per handshake, paired the same way.
MOCK=$BUILD/tools/ndr-kafka-mock
if ! command -v kcat >/dev/null || [ ! -x "$MOCK" ]; then
	fail "kcat or $MOCK is missing (scripts/deps.sh installs kcat; make builds the mock)"
	exit 1
fi
mkfifo "$TMP/mock.in"
"$MOCK" --brokers 1 --topic ndr.alerts:1 --topic ndr.flow:1 --topic ndr.dns:1 --topic ndr.tls:1 \
	<"$TMP/mock.in" >"$TMP/mock.out" 2>"$TMP/mock.err" &
mock_pid=$!
exec 3>"$TMP/mock.in"
trap 'exec 3>&- 2>/dev/null; kill -9 $mock_pid 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 100); do grep -q '^bootstrap ' "$TMP/mock.out" && break; sleep 0.1; done
B=$(awk '/^bootstrap /{print $2}' "$TMP/mock.out")
if [ -z "$B" ]; then
	fail "the mock cluster did not start: $(head -c 300 "$TMP/mock.err")"
	exit 1
fi
"$SENSOR" -q -r "$CAPTURES/tls-beacon.pcap" --records --kafka "$B" --eve "$TMP/k.json" \
	2>"$TMP/k.err"
jq -c 'select(.event_type == "tls")' "$TMP/k.json" | sort >"$TMP/k.file"
kcat -b "$B" -C -t ndr.tls -e -q -o beginning 2>/dev/null | sort >"$TMP/k.topic"
paired=$(grep -c '"server_handshake"' "$TMP/k.topic")
check "kafka: ndr.tls holds the EVE file's tls events, paired ($(wc -l <"$TMP/k.topic") events, $paired with a ServerHello)" \
	bash -c '[ "$3" -gt 0 ] && cmp -s "$1" "$2"' _ "$TMP/k.file" "$TMP/k.topic" "$paired"
