#!/bin/bash
# The Vitis HLS shims (hw/vitis) as far as they can be checked without
# Vitis: the stand-in HLS headers (tests/hls) behave as C simulation does
# and stop where Vitis would; with them g++ builds both kernels and the
# testbench from the files vitis/ndr_datapath.cfg names (-Wall -Wextra
# -Werror); the testbench matches the golden model on every committed
# capture through the DATAFLOW top and stage by stage (--stages, with
# timeouts short enough that flows expire), and fails when the card and its
# golden model are configured apart; the per-stage components are current;
# and every csim/csynth/cosim target stops with one line when Vitis is
# missing. What only Vitis shows (timing, resources, FIFO depths, RTL) is
# in docs/hardware.md.
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
# make test runs this under make: nested makes would print their
# directories and share its jobserver; the Vitis targets are checked as a
# user runs them, from a shell
unset MAKEFLAGS MAKELEVEL MFLAGS
need hw/Makefile
need hw/vitis/ndr_datapath.cfg
need tests/hls/standin_selftest.cpp

for t in g++ make; do
	command -v $t >/dev/null || { fail "$t is not installed (scripts/deps.sh)"; exit 1; }
done

# ---- the stand-in headers ----
st=$TMP/standin_selftest
if g++ -std=c++14 -Wall -Wextra -Werror -Itests/hls -o "$st" tests/hls/standin_selftest.cpp \
	2>"$TMP/st.err"; then
	if "$st" >"$TMP/st.out" 2>&1; then
		pass "stand-in headers: $(grep -c '^ok:' "$TMP/st.out") checks of ap_uint, ap_axiu and hls::stream"
	else
		fail "stand-in headers:"
		grep -v '^ok:' "$TMP/st.out" | sed 's/^/    /'
	fi
	( "$st" read-empty >"$TMP/st.empty" 2>&1 ) 2>/dev/null
	rc=$?
	check "stand-in hls::stream: a read of an empty stream stops and names it (exit $rc)" \
		sh -c "[ $rc -ne 0 ] && grep -q \"'selftest_fifo': read while empty\" '$TMP/st.empty'"
	( "$st" bad-range >"$TMP/st.range" 2>&1 ) 2>/dev/null
	rc=$?
	check "stand-in ap_uint: a part select outside the width stops (exit $rc)" \
		sh -c "[ $rc -ne 0 ] && grep -q 'outside the 512 bits' '$TMP/st.range'"
else
	fail "stand-in headers: the self-test does not compile:"
	sed 's/^/    /' "$TMP/st.err"
fi

# ---- what the shims are made of ----
amalgam=hw/vitis/amalgam/ndr_hw_all.cpp
want=$(cd hw/src && ls *.c | grep -vx card_dataflow.c | sort)
have=$(sed -n 's|^#include "../../src/\(.*\)"$|\1|p' "$amalgam" | sort)
other=$(grep '^#' "$amalgam" | grep -v -e '^#include "../../src/' -e '^#include "../ndr_vitis.h"$')
check "the amalgamation includes every hw/src source but card_dataflow.c, once, and nothing else" \
	sh -c "[ '$want' = '$have' ] && [ -z '$other' ] && \
		[ \$(grep -c '^#include \"../../src/' '$amalgam') -eq $(echo "$want" | wc -l) ]"

hw/vitis/stages/make-cfgs.sh "$TMP/cfgs" 2>"$TMP/cfgs.err"
missing=""
for f in "$TMP"/cfgs/*.cfg; do
	cmp -s "$f" "hw/vitis/stages/$(basename "$f")" || missing="$missing $(basename "$f")"
done
extra=""
for f in hw/vitis/stages/*.cfg; do
	[ -f "$TMP/cfgs/$(basename "$f")" ] || extra="$extra $(basename "$f")"
done
nstages=$(ls "$TMP"/cfgs/*.cfg 2>/dev/null | wc -l)
check "per-stage configs: $nstages, each what stages/make-cfgs.sh writes${missing:+ (stale:$missing)}${extra:+ (no stage:$extra)}" \
	sh -c "[ $nstages -ge 10 ] && [ -z '$missing' ] && [ -z '$extra' ]"
notop=""
for f in hw/vitis/stages/*.cfg; do
	top=$(sed -n 's/^syn\.top=//p' "$f")
	grep -q "^void $top(" hw/vitis/ndr_datapath.cpp || notop="$notop $top"
done
check "every per-stage top is a process defined in ndr_datapath.cpp${notop:+ (not:$notop)}" test -z "$notop"

# ---- the testbench, built as Vitis's C simulation would build it ----
SHORT="-DNDR_VITIS_IDLE_MS=5 -DNDR_VITIS_ACTIVE_MS=20 -DNDR_VITIS_CLOSE_MS=1"
SHORT="$SHORT -DNDR_VITIS_HEARTBEAT_MS=10 -DNDR_VITIS_SWEEP_MS=1"
build() { # build NAME MAKE-VARS...: hw/Makefile's stand-in testbench into $TMP/NAME
	local name=$1
	shift
	if nice -n 19 make -s -C hw -j2 standin STANDIN="$TMP/$name" "$@" >"$TMP/$name.build" 2>&1 &&
		[ -x "$TMP/$name/ndr_card_tb" ]; then
		return 0
	fi
	fail "the stand-in testbench ($name) does not build with -Wall -Wextra -Werror:"
	tail -20 "$TMP/$name.build" | sed 's/^/    /'
	return 1
}

# run WHAT TB ARGS...: one capture; PASS with the record counts
run_tb() {
	local what=$1 tb=$2 out rc
	shift 2
	out=$TMP/run.out
	nice -n 19 "$tb" "$@" >"$out" 2>&1
	rc=$?
	local line
	line=$(grep '^ndr_card_tb: .* mismatches$' "$out" | tail -1)
	if [ "$rc" -eq 0 ] && [ -n "$line" ]; then
		pass "$what: $(echo "$line" | sed 's/^ndr_card_tb: [^:]*: //')"
	else
		fail "$what (exit $rc):"
		head -30 "$out" | sed 's/^/    /'
	fi
}

captures=("$CAPTURES"/*.pcap)
if build default; then
	for c in "${captures[@]}"; do
		run_tb "vitis csim (stand-ins), DATAFLOW top: $(basename "$c")" "$TMP/default/ndr_card_tb" "$c"
	done
fi
if build short STANDIN_DEFS="$SHORT"; then
	for c in "${captures[@]}"; do
		run_tb "vitis csim (stand-ins), stage by stage, flows expiring: $(basename "$c")" \
			"$TMP/short/ndr_card_tb" --stages "$c"
	done
	# A periodic heartbeat (every 10 ms here) made just before the host's
	# flush is not the flush's: the 10 frames end where one falls due
	# between two writer calls (the testbench once took it for the final
	# one and failed; generated/beacon-300s.pcap showed it first).
	run_tb "vitis csim (stand-ins): a periodic heartbeat just before the flush is not the final one" \
		"$TMP/short/ndr_card_tb" --max-gap 1000000 --frames 10 "$CAPTURES/nmap-connect-scan.pcap"
	# The card's time goes on after the flush: 30 ms of quiet link, three
	# periodic heartbeats, each counting what the flush's counted.
	run_tb "vitis csim (stand-ins), stage by stage: heartbeats after the flush count nothing new" \
		"$TMP/short/ndr_card_tb" --stages --linger 10000000 "$CAPTURES/dns2tcp.pcap"
fi
# A card configured apart from its golden model must fail the comparison.
if build apart STANDIN_SYN_DEFS="-DNDR_VITIS_IDLE_MS=2 -DNDR_VITIS_SWEEP_MS=1"; then
	"$TMP/apart/ndr_card_tb" "$CAPTURES/new-admin-path.pcap" >"$TMP/apart.out" 2>&1
	rc=$?
	n=$(sed -n 's/.*; \([0-9]*\) mismatches$/\1/p' "$TMP/apart.out")
	check "a card whose timeouts differ from its golden model's fails the testbench (exit $rc, ${n:-no} mismatches)" \
		sh -c "[ $rc -eq 1 ] && [ '${n:-0}' -gt 0 ] && grep -q '^mismatch: flow record' '$TMP/apart.out'"
fi

# ---- Vitis targets without Vitis: one line each ----
mkdir -p "$TMP/bin"
for t in make sh sed; do ln -s "$(command -v $t)" "$TMP/bin/$t"; done
# one_line TARGET PATTERN: the target fails, and says only PATTERN's line
one_line() {
	local out=$TMP/one.out rc
	PATH=$TMP/bin make -C hw "$1" >"$out" 2>&1
	rc=$?
	grep -v "^make\(\[[0-9]*\]\)\?: \(Entering\|Leaving\) directory" "$out" >"$out.msg"
	[ "$rc" -ne 0 ] && [ "$(wc -l <"$out.msg")" -eq 1 ] && grep -q "$2" "$out.msg"
}
stages=$(make -s -C hw -p -n csim-standin 2>/dev/null | sed -n 's/^STAGES *:= //p' | head -1)
[ -n "$stages" ] || fail "hw/Makefile names no STAGES"
for c in ndr_datapath ndr_record_writer $stages writer; do
	bad=""
	one_line "csim-$c" 'hw: vitis-run not found' || bad="$bad csim"
	one_line "csynth-$c" 'hw: v++ not found' || bad="$bad csynth"
	one_line "cosim-$c" 'hw: vitis-run not found' || bad="$bad cosim"
	check "hw: csim-$c, csynth-$c, cosim-$c stop with one line without Vitis${bad:+ (not:$bad)}" test -z "$bad"
done
bad=""
for t in csim csynth cosim xo xclbin; do
	one_line "$t" 'hw: \(v++\|vitis-run\) not found' || bad="$bad $t"
done
check "hw: csim, csynth, cosim, xo, xclbin stop with one line without Vitis${bad:+ (not:$bad)}" test -z "$bad"
check "hw: an unknown component is named, in one line" one_line csynth-nosuch "no component 'nosuch'"

# With the tools there, each target runs its own component's config.
bad=""
for c in $stages; do
	make -n -C hw "csynth-$c" VPP=/bin/true >"$TMP/dry" 2>&1
	grep -q "cd vitis/stages && v++ -c --mode hls --config $c.cfg --work_dir .*/hls/$c\$" "$TMP/dry" ||
		bad="$bad csynth-$c"
	make -n -C hw "cosim-$c" VPP=/bin/true VRUN=/bin/true >"$TMP/dry" 2>&1
	grep -q "vitis-run --mode hls --cosim" "$TMP/dry" && grep -q -- "--config $c.cfg" "$TMP/dry" ||
		bad="$bad cosim-$c"
done
make -n -C hw csynth-writer VPP=/bin/true >"$TMP/dry" 2>&1
grep -q -- "--config ndr_record_writer.cfg" "$TMP/dry" || bad="$bad csynth-writer"
check "hw: with Vitis present, each stage target runs its stage's config${bad:+ (not:$bad)}" test -z "$bad"
