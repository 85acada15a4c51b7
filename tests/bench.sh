#!/bin/bash
# make bench: generate a >= 1M-packet capture (once) and measure each stage
# of the data path on it, one core. See tests/bench/ndr_bench.c.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PACKETS=${BENCH_PACKETS:-1000000}
cap=$BUILD/bench/mix-$PACKETS.pcap
if [ ! -s "$cap" ]; then
	"$BUILD/bin/ndr-gen" -o "$cap.tmp" --packets "$PACKETS" --profile mix
	mv "$cap.tmp" "$cap"
fi
echo "capture: $cap ($(stat -c %s "$cap") bytes)"
# ndr_bench pins each stage to CPU 0 itself; only the capture reader
# thread of file+card may run elsewhere.
"$BUILD/bench/ndr_bench" "$cap" | tee "$BUILD/bench/stages.txt"
echo
echo "ndr-sensor end to end (detectors and EVE output included; the capture"
echo "reader on a thread of its own, card and detectors on the main thread):"
start=$(date +%s.%N)
"$BUILD/bin/ndr-sensor" -r "$cap" --eve /dev/null 2>"$BUILD/bench/sensor.log"
end=$(date +%s.%N)
grep -E "elapsed|records  " "$BUILD/bench/sensor.log" | sed 's/^/  /'
awk -v s="$start" -v e="$end" 'BEGIN { printf "  wall %.3f s\n", e - s }'

# What users would otherwise run on the same file, one core each.
timed() { # timed LABEL COMMAND...: wall seconds and Mpps of a whole run
	local label=$1 start end
	shift
	start=$(date +%s.%N)
	"$@" >/dev/null 2>&1
	end=$(date +%s.%N)
	awk -v l="$label" -v s="$start" -v e="$end" -v n="$PACKETS" \
		'BEGIN { printf "  %-12s %8.3f s  %8.3f Mpps\n", l, e - s, n / (e - s) / 1e6 }' |
		tee -a "$BUILD/bench/others.txt"
}
: >"$BUILD/bench/others.txt"
echo
echo "the same capture through other tools:"
if command -v ndpiReader >/dev/null; then
	timed ndpiReader taskset -c 0 ndpiReader -q -i "$cap"
fi
if command -v softflowd >/dev/null; then
	# flow export goes to a port on loopback where nothing listens
	timed softflowd taskset -c 0 softflowd -D -r "$cap" -n 127.0.0.1:9995
fi

# The emulated card against the target (issue 2: >= 2.5 Mpps on one core)
# and against the other tools on the same file.
echo
awk -v target=2.5 '
	FILENAME ~ /stages/ && $1 == "card"      { card = $4 }
	FILENAME ~ /stages/ && $1 == "file+card" { file = $4 }
	FILENAME ~ /others/                      { other[$1] = $(NF - 1) }
	END {
		printf "emulated card: %.2f Mpps on one core, target %.1f: %s\n", card, target,
		       (card >= target ? "met" : "NOT met")
		for (t in other)
			if (other[t] > 0)
				printf "  %.1fx %s (capture file to ring: %.1fx)\n", card / other[t], t,
				       file / other[t]
	}' "$BUILD/bench/stages.txt" "$BUILD/bench/others.txt"
