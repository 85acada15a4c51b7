#!/bin/bash
# eval.sh - precision, recall and benign alert rate of every detector on labelled captures.
#
# Usage: tests/eval/eval.sh [-c CONFIG] DIR:LABELS[:CONFIG] [DIR:LABELS[:CONFIG] ...]
#   A set's own CONFIG (third field) wins over -c for the captures of that set.
#   Each LABELS file (docs/evaluation.md) has tab-separated lines
#     file  detector  entity  description
#   with file relative to DIR; detector "-" marks a capture where no alert is expected.
#   A capture may have several lines (several expected alerts).
# Every labelled capture goes through ndr-sensor (SENSOR, default build/bin/ndr-sensor).
# An alert counts once per (capture, detector, entity); it is a true positive when that triple is
# labelled, else a false positive; a labelled triple without an alert is a false negative.
# Alerts per hour of benign traffic, per detector: its alerts on the captures that have no label
# for that detector, over their summed duration (first to last packet).
set -u
SENSOR=${SENSOR:-build/bin/ndr-sensor}
CONFIG=()
if [ "${1:-}" = "-c" ]; then
	[ -n "${2:-}" ] && CONFIG=(-c "$2")
	shift 2
fi
die() { echo "eval: $*" >&2; exit 2; }
[ $# -ge 1 ] || die "usage: $0 [-c CONFIG] DIR:LABELS ..."
[ -x "$SENSOR" ] || die "$SENSOR: not built (make all)"
command -v jq >/dev/null || die "jq missing (apt-get install jq)"
command -v capinfos >/dev/null || die "capinfos missing (apt-get install wireshark-common)"

TMP=$(mktemp -d /tmp/ndr-eval.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
: >"$TMP/expected"     # capture \t detector \t entity
: >"$TMP/alerts"       # capture \t detector \t entity
: >"$TMP/captures"     # capture \t seconds \t labelled detectors (comma list)

for set in "$@"; do
	dir=${set%%:*}
	labels=${set#*:}
	setconf=""
	case "$labels" in *:*) setconf=${labels#*:}; labels=${labels%%:*} ;; esac
	[ -z "$setconf" ] || [ -r "$setconf" ] || die "$setconf: cannot read config"
	[ -d "$dir" ] || die "$dir: not a directory"
	[ -r "$labels" ] || die "$labels: cannot read labels"
	lineno=0
	while IFS=$'\t' read -r file detector entity _; do
		lineno=$((lineno + 1))
		case "$file" in ''|'#'*) continue ;; esac
		[ -n "$detector" ] && [ -n "$entity" ] ||
			die "$labels:$lineno: expected 'file<TAB>detector<TAB>entity<TAB>description'"
		[ -r "$dir/$file" ] || die "$labels:$lineno: $dir/$file: no such capture"
		printf '%s\t%s\t%s\n' "$dir/$file" "$detector" "$entity" >>"$TMP/labelled"
		printf '%s\t%s\n' "$dir/$file" "$setconf" >>"$TMP/capconf"
	done <"$labels"
done
[ -s "$TMP/labelled" ] || die "no labelled capture"
awk -F'\t' '$2 != "-"' "$TMP/labelled" | sort -u >"$TMP/expected"

cut -f1 "$TMP/labelled" | sort -u >"$TMP/capture-list"
while IFS= read -r cap; do
	eve=$TMP/eve.json
	conf=("${CONFIG[@]}")
	setconf=$(awk -F'\t' -v c="$cap" '$1 == c && $2 != "" {print $2; exit}' "$TMP/capconf")
	[ -n "$setconf" ] && conf=(-c "$setconf")
	if ! "$SENSOR" -q "${conf[@]}" -r "$cap" --eve "$eve" </dev/null 2>"$TMP/err"; then
		die "$cap: ndr-sensor failed: $(head -c 300 "$TMP/err")"
	fi
	jq -r --arg c "$cap" 'select(.event_type=="alert") |
		"\($c)\t\(.alert.category)\t\(.alert.metadata.ndr.entity)"' "$eve" | sort -u >>"$TMP/alerts"
	secs=$(capinfos -u -M "$cap" 2>/dev/null | awk -F': *' '/Capture duration/ {print $2+0}')
	dets=$(awk -F'\t' -v c="$cap" '$1 == c && $2 != "-" {print $2}' "$TMP/labelled" |
	       sort -u | paste -sd, -)
	printf '%s\t%s\t%s\n' "$cap" "${secs:-0}" "${dets:--}" >>"$TMP/captures"
	rm -f "$eve"
done <"$TMP/capture-list"

echo "## Alerts per capture"
awk -F'\t' '
	FILENAME == ARGV[1] { want[$1 FS $2 FS $3] = 1; next }
	FILENAME == ARGV[2] { got[$1 FS $2 FS $3] = 1; next }
	END {
		for (k in got) { split(k, f, FS); print (k in want ? "TP" : "FP") "\t" f[2] "\t" f[3] "\t" f[1] }
		for (k in want) if (!(k in got)) { split(k, f, FS); print "FN\t" f[2] "\t" f[3] "\t" f[1] }
	}' "$TMP/expected" "$TMP/alerts" | sort -k4,4 -k1,1 | awk -F'\t' '{printf "%-3s %-15s %-38s %s\n", $1, $2, $3, $4}'
echo
echo "## Per detector"
awk -f "$(dirname "$0")/score.awk" "$TMP/expected" "$TMP/alerts" "$TMP/captures"
