#!/bin/bash
# The east-west captures made by real tools (tests/captures/make-lateral-captures.sh) through
# ndr-sensor: every labelled capture raises each alert of tests/captures/labels-lateral.tsv -
# detector and entity - and no alert naming anything else; the benign capture raises none.
# Config: tests/captures/lateral.conf (new_admin_path learns for 30 s, not days).
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
LABELS=$CAPTURES/labels-lateral.tsv
CONF=$CAPTURES/lateral.conf
need "$SENSOR"
need "$LABELS"
need "$CONF"

files=$(awk -F'\t' '$1 != "" && $1 !~ /^#/ {print $1}' "$LABELS" | sort -u)
n=0
for file in $files; do
	n=$((n + 1))
	need "$CAPTURES/$file"
	eve=$TMP/$file.json
	if ! "$SENSOR" -q -c "$CONF" -r "$CAPTURES/$file" --eve "$eve" 2>"$TMP/$file.err" </dev/null; then
		fail "$file: ndr-sensor exited with an error: $(head -c 300 "$TMP/$file.err")"
		continue
	fi
	alerts=$(jq -r 'select(.event_type=="alert") | "\(.alert.category) \(.alert.metadata.ndr.entity)"' "$eve" | sort -u)
	expected=$(awk -F'\t' -v f="$file" '$1 == f && $2 != "-" {print $2 " " $3}' "$LABELS" | sort -u)
	if [ -z "$expected" ]; then
		check "$file: benign capture raises no alert (got: ${alerts:-none})" [ -z "$alerts" ]
		continue
	fi
	while read -r want; do
		check "$file: raises $want" grep -qxF "$want" <<<"$alerts"
		count=$(jq -r 'select(.event_type=="alert") | "\(.alert.category) \(.alert.metadata.ndr.entity)"' "$eve" |
			grep -cxF "$want")
		check "$file: one $want alert per suppression window (got $count)" [ "$count" -eq 1 ]
	done <<<"$expected"
	others=$(grep -vxF "$expected" <<<"$alerts")
	check "$file: no alert naming anything else (got: $(echo ${others:-none}))" [ -z "$others" ]
done
check "labels-lateral.tsv names at least 6 captures (got $n)" [ "$n" -ge 6 ]
