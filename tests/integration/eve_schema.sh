#!/bin/bash
# Every event ndr-sensor writes on every committed capture (alerts; flow,
# dns and tls records; the stats event that ends each run) holds to
# Suricata's EVE schema (tests/tools/eve_check.jq: the keys it allows, the
# fields it requires, their types), and to what
# docs/alerts.md promises on top: signature ids in ndr's range with gid and
# rev; an alert about one flow carries that flow's flow_id and its flow event
# says alerted; an alert about a host carries no ports, community_id or flow_id.
# The east-west captures run with their config (lateral.conf), as their test does.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
CHECK=tests/tools/eve_check.jq
need "$SENSOR"
need "$CHECK"

# The checker itself must be able to fail: an event with ndr's old top-level
# object, a dns event without the version the schema requires, a float flow_id.
bad='{"timestamp":"2026-11-25T21:39:04.123456+0000","event_type":"dns","flow_id":1.5,'
bad+='"dns":{"type":"query"},"ndr":{"seq":1}}'
faults=$(jq -r -f "$CHECK" <<<"$bad")
check "checker rejects an unknown top-level key" grep -q "top-level key ndr" <<<"$faults"
check "checker rejects a dns event without version" grep -q "dns.version is missing" <<<"$faults"
check "checker rejects a non-integer flow_id" grep -q "flow_id is not an integer" <<<"$faults"
# ... and in the parts ABI 3 and the stats events added: a key under stats
# (ndr's counters), a key in the TLS handshake objects, a DNS answer's
bad='{"timestamp":"2026-11-25T21:39:04.123456+0000","event_type":"stats","stats":{"uptime":1,'
bad+='"ndr":{"card":{}}},"tls":{"client_handshake":{"ciphers":[4865],"ndr":1},'
bad+='"ja3s":{"hash":"x","string":"y","ndr":1}},"dns":{"version":2,"answers":[{"ndr":1}]}}'
faults=$(jq -r -f "$CHECK" <<<"$bad")
check "checker rejects a key under stats" grep -q "stats.ndr is not in" <<<"$faults"
check "checker rejects a key in tls.client_handshake" \
	grep -q "tls.client_handshake.ndr is not in" <<<"$faults"
check "checker rejects a key in tls.ja3s" grep -q "tls.ja3s.ndr is not in" <<<"$faults"
check "checker rejects a key in a dns answer" grep -q "dns.answers\[\].ndr is not in" <<<"$faults"

total=0 types=""
for pcap in "$CAPTURES"/*.pcap; do
	name=$(basename "$pcap" .pcap)
	eve=$TMP/$name.json
	# --stats-interval: the run ends with a stats event
	if ! "$SENSOR" -q -c "$CAPTURES/lateral.conf" -r "$pcap" --records --eve "$eve" \
		--stats-interval 1 \
		2>"$TMP/$name.err" </dev/null; then
		fail "$name: ndr-sensor exited with an error: $(head -c 300 "$TMP/$name.err")"
		continue
	fi
	n=$(wc -l <"$eve")
	total=$((total + n))
	types+=" $(jq -r .event_type "$eve" | sort -u | tr '\n' ' ')"
	faults=$(jq -r -f "$CHECK" "$eve")
	first=${faults%%$'\n'*}
	check "$name: all $n events hold to Suricata's schema (first fault: ${first:-none})" \
		[ -z "$faults" ]

	# ndr's promises: ids in range, gid 1, rev >= 1
	badsid=$(jq -r 'select(.event_type=="alert") | .alert |
		select(.gid != 1 or .rev < 1 or .signature_id < 8600000 or .signature_id > 8699999) |
		"\(.gid):\(.signature_id):\(.rev)"' "$eve")
	check "$name: every alert has gid 1, a rev and a sid in 8600000-8699999 (${badsid:-ok})" \
		[ -z "$badsid" ]
	# flow alerts name a flow event with the same flow_id that says alerted
	jq -r 'select(.event_type=="flow" and .flow.alerted) | .flow_id' "$eve" | sort -u \
		>"$TMP/$name.alerted"
	missing=$(jq -r 'select(.event_type=="alert" and .alert.metadata.ndr.scope=="flow") |
		.flow_id' "$eve" | sort -u | comm -23 - "$TMP/$name.alerted")
	check "$name: every flow alert's flow_id is a flow event with alerted true (${missing:-ok})" \
		[ -z "$missing" ]
	untied=$(jq -r 'select(.event_type=="alert" and .alert.metadata.ndr.scope=="flow" and
		(has("flow_id") and has("src_port") and has("community_id") | not)) | .alert.category' \
		"$eve")
	check "$name: flow alerts carry flow_id, ports and community_id (${untied:-ok})" [ -z "$untied" ]
	fake=$(jq -r 'select(.event_type=="alert" and .alert.metadata.ndr.scope!="flow" and
		(has("src_port") or has("dest_port") or has("community_id") or has("flow_id") or
		 (.alert.source.ip != .src_ip))) | .alert.category' "$eve")
	check "$name: host alerts carry no ports, community_id or flow_id (${fake:-ok})" [ -z "$fake" ]
	# a flow's dns and tls events share its flow_id
	orphans=$(jq -r 'select(.event_type=="dns" or .event_type=="tls") | .flow_id' "$eve" |
		sort -u | comm -23 - <(jq -r 'select(.event_type=="flow") | .flow_id' "$eve" | sort -u) |
		wc -l)
	check "$name: dns and tls events name flows that have a flow event ($orphans without)" \
		[ "$orphans" -eq 0 ]
done
# Every kind of event and every scope was seen, so the checks above checked something.
for t in alert flow dns tls stats; do
	check "the captures wrote $t events" grep -qw "$t" <<<"$types"
done
scopes=$(cat "$TMP"/*.json | jq -r 'select(.event_type=="alert") | .alert.metadata.ndr.scope' |
	sort -u | tr '\n' ' ')
check "the captures raised flow and host alerts (scopes: $scopes)" \
	grep -q "flow.*host\|host.*flow" <<<"$scopes"
apps=$(cat "$TMP"/*.json | jq -r 'select(.event_type=="flow") | .app_proto // empty' | sort -u |
	tr '\n' ' ')
check "flow events name app_proto dns, ssh and tls (got: $apps)" \
	bash -c 'for a in dns ssh tls; do grep -qw $a <<<"$1" || exit 1; done' _ "$apps"
# ndr's counters ride in the stats event where the schema allows them
nocount=$(cat "$TMP"/*.json | jq -r 'select(.event_type=="stats") |
	select((.metadata.flowints.ndr.card.packets // 0) <= 0) | .timestamp' | wc -l)
check "every stats event carries ndr's counters under metadata.flowints.ndr ($nocount without)" \
	[ "$nocount" -eq 0 ]
# ABI 3's fields reached the events: DNS answers, paired TLS handshakes
answers=$(cat "$TMP"/*.json | jq -r 'select(.event_type=="dns" and .dns.answers) | .flow_id' | wc -l)
check "dns events carry answers ($answers)" [ "$answers" -gt 100 ]
paired=$(cat "$TMP"/*.json | jq -r 'select(.event_type=="tls" and .tls.ja3 and .tls.ja4 and .tls.ja3s) |
	.flow_id' | wc -l)
check "tls events carry ja3, ja4 and ja3s of paired handshakes ($paired)" [ "$paired" -gt 100 ]
check "checked $total events" [ "$total" -gt 10000 ]
