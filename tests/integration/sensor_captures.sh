#!/bin/bash
# Every committed capture through ndr-sensor: each tunnel capture raises a
# dns_tunnel alert naming its tunnel domain (tests/captures/labels.tsv) and no
# alert naming anything else; benign captures raise none.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
need "$SENSOR"
need "$CAPTURES/labels.tsv"

n=0
while IFS=$'\t' read -r file detector entity _; do
	case "$file" in ''|'#'*) continue ;; esac
	n=$((n + 1))
	need "$CAPTURES/$file"
	eve=$TMP/$file.json
	if ! "$SENSOR" -q -r "$CAPTURES/$file" --eve "$eve" 2>"$TMP/$file.err"; then
		fail "$file: ndr-sensor exited with an error: $(head -c 300 "$TMP/$file.err")"
		continue
	fi
	alerts=$(jq -r 'select(.event_type=="alert") | "\(.alert.category) \(.alert.metadata.ndr.entity)"' "$eve" | sort -u)
	if [ "$detector" = "-" ]; then
		check "$file: benign capture raises no alert (got: ${alerts:-none})" [ -z "$alerts" ]
	else
		check "$file: raises $detector naming $entity" grep -qx "$detector $entity" <<<"$alerts"
		others=$(grep -vx "$detector $entity" <<<"$alerts")
		check "$file: no alert naming anything else (got: ${others:-none})" [ -z "$others" ]
		count=$(jq -c 'select(.event_type=="alert")' "$eve" | wc -l)
		check "$file: one alert per entity per suppression window (got $count)" [ "$count" -eq 1 ]
	fi
done <"$CAPTURES/labels.tsv"
check "labels.tsv names at least 4 captures (got $n)" [ "$n" -ge 4 ]
