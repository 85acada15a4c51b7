#!/bin/bash
# make bench: on three generated captures of >= 1M packets each - the
# general mix, a DNS-heavy and a flow-heavy one (ndr-gen profiles mix,
# dns-heavy, flow-heavy) - measure each stage of the data path
# (tests/bench/ndr_bench.c: the card; the detectors per detector, on one
# core, on 1 and 2 workers, 16 projected), ndr-sensor end to end, and
# softflowd and ndpiReader on the same files; end with the ratios against
# the targets. Wall times are the best of BENCH_RUNS runs, with the range.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PACKETS=${BENCH_PACKETS:-1000000}
RUNS=${BENCH_RUNS:-3}
OUT=$BUILD/bench
mkdir -p "$OUT"
: >"$OUT/summary.txt"

capture() { # capture PROFILE: path of the generated capture (made once)
	local profile=$1 cap=$OUT/$1-$PACKETS.pcap pps=1000000
	case "$profile" in *-heavy) pps=4000 ;; esac   # about four minutes of a busy edge
	if [ ! -s "$cap" ]; then
		"$BUILD/bin/ndr-gen" -o "$cap.tmp" --packets "$PACKETS" --profile "$profile" \
			--pps "$pps" >/dev/null 2>&1
		mv "$cap.tmp" "$cap"
	fi
	echo "$cap"
}

timed() { # timed LABEL COMMAND...: best and range of RUNS wall times
	local label=$1 best="" worst="" s e t
	shift
	for _ in $(seq "$RUNS"); do
		s=$(date +%s.%N)
		"$@" >/dev/null 2>&1
		e=$(date +%s.%N)
		t=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }')
		best=$(awk -v a="${best:-$t}" -v b="$t" 'BEGIN { print (b < a ? b : a) }')
		worst=$(awk -v a="${worst:-$t}" -v b="$t" 'BEGIN { print (b > a ? b : a) }')
	done
	awk -v l="$label" -v b="$best" -v w="$worst" -v n="$PACKETS" \
		'BEGIN { printf "  %-22s %7.3f s (%.3f-%.3f over runs)  %6.3f Mpps\n", l, b, b, w, n / b / 1e6 }'
}

for profile in mix dns-heavy flow-heavy; do
	cap=$(capture "$profile")
	log=$OUT/$profile.txt
	echo "=== $profile: $cap ($(stat -c %s "$cap") bytes)" | tee "$log"
	# ndr_bench pins single-core stages to CPU 0 itself
	"$BUILD/bench/ndr_bench" "$cap" | tee -a "$log"
	echo | tee -a "$log"
	echo "end to end, $RUNS runs each (the machine's cores shared by every thread):" | tee -a "$log"
	{
		timed "ndr-sensor" "$BUILD/bin/ndr-sensor" -q -r "$cap" --eve /dev/null
		timed "ndr-sensor 2 pipelines" "$BUILD/bin/ndr-sensor" -q -r "$cap" --eve /dev/null \
			--pipelines 2
		if command -v softflowd >/dev/null; then
			# flow export to a port on loopback where nothing listens
			timed "softflowd" softflowd -D -r "$cap" -n 127.0.0.1:9995
		fi
		if command -v ndpiReader >/dev/null; then
			timed "ndpiReader" ndpiReader -q -i "$cap"
		fi
	} | tee -a "$log"
	"$BUILD/bin/ndr-sensor" -r "$cap" --eve /dev/null 2>&1 |
		grep -E "^  (records|workers|elapsed)" | sed 's/^/  sensor summary:/' | tee -a "$log"
	echo | tee -a "$log"
	awk -v profile="$profile" '
		$1 == "card" && $3 == "s"         { card = $4 }
		/tables warm \(second half\)/      { split($5, r, "-"); warm_lo = r[1]; warm_hi = r[2] }
		/^workers 1 /                     { w1 = $3 }
		/^workers 2 /                     { w2 = $3 }
		/^workers 16 /                    { w16 = $3 }
		/^  ndr-sensor  /                 { sensor = $2 }
		/^  ndr-sensor 2 pipelines/       { sensor2 = $4 }
		/^  softflowd /                   { sf = $2 }
		/^  ndpiReader /                  { np = $2 }
		END {
			target = 0
			if (profile == "mix")
				target = 3.0
			if (profile == "dns-heavy")
				target = 2.0
			printf "%s: card %.2f Mpps; detectors on one core %.2f-%.2f M records/s", profile,
			       card, warm_lo, warm_hi
			if (target)
				printf " (target %.1f: %s)", target, (warm_hi >= target) ? "met" : "NOT met"
			printf "; workers 1: %.2f, 2: %.2f, 16 projected: %.2f M records/s\n", w1, w2, w16
			if (sf) {
				printf "%s: ndr-sensor %.3f s = %.2fx softflowd (target 2x: %s)%s\n",
				       profile, sensor, sf / sensor, (sf / sensor >= 2) ? "met" : "NOT met",
				       np ? sprintf(", %.2fx ndpiReader", np / sensor) : ""
				if (sensor2)
					printf "%s: ndr-sensor --pipelines 2 %.3f s = %.2fx softflowd\n",
					       profile, sensor2, sf / sensor2
			}
		}' "$log" | tee -a "$OUT/summary.txt"
	echo
done
echo "=== summary (also in $OUT/summary.txt)"
cat "$OUT/summary.txt"
