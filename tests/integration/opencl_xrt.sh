#!/bin/bash
# The Alveo card through XRT's OpenCL ICD (--card opencl[:PLATFORM] --xclbin
# FILE) against Debian's XRT 2.13 in its noop emulation: libxilinxopencl as
# the only ICD of a private vendors directory (OCL_ICD_VENDORS; nothing is
# installed system-wide), XILINX_XRT a private directory whose lib/ links to
# the multiarch library directory (as tests/integration/xrt_noop.sh).
# The whole OpenCL flow runs: xclbin checks, clCreateProgramWithBinary and
# clBuildProgram, the device's UUID, host-only buffers mapped, the writer's
# first call and the calls kept queued, stop. Noop executes nothing on the
# device, so with -r the emulated card writes into the OpenCL-mapped ring in
# the sensor's process, and the ring's bytes, the sensor's records and its
# alerts must equal --card sim on every committed capture. Then every way
# to get it wrong, each with its message.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
need "$SENSOR"
. tests/integration/xrt_env.sh
DUMP=$BUILD/tools/ndr-ring-dump
need "$DUMP"
cap=$CAPTURES/iodine-null.pcap
need "$cap"

xrt_noop_env libxrt_noop.so.2 libxilinxopencl.so.2
mkdir -p "$TMP/vendors" "$TMP/both" "$TMP/novendors"
echo libxilinxopencl.so.2 >"$TMP/vendors/xilinx.icd"
export OCL_ICD_VENDORS=$TMP/vendors

check "ldd: ndr-sensor links libOpenCL (the ICD loader), not an ICD" \
	sh -c "ldd '$SENSOR' | grep -q libOpenCL && ! ldd '$SENSOR' | grep -q libxilinxopencl"

# --- the image -------------------------------------------------------------
xrt_images 6e647200-0000-4000-8000-0000000010b0 ndr_record_writer ndr_datapath

fails "missing xclbin file: named" "opencl: $TMP/nothere.xclbin: No such file" \
	--card opencl --xclbin "$TMP/nothere.xclbin" -r "$cap"
fails "damaged xclbin (random bytes): not an xclbin" "garbage.xclbin: not an xclbin" \
	--card opencl --xclbin "$TMP/garbage.xclbin" -r "$cap"
fails "damaged xclbin (truncated): sizes named" "truncated: the header says" \
	--card opencl --xclbin "$TMP/truncated.xclbin" -r "$cap"
fails "missing kernel: ndr_record_writer named" "no kernel ndr_record_writer" \
	--card opencl --xclbin "$TMP/nowriter.xclbin" -r "$cap"
fails "missing kernel: ndr_datapath named" "no kernel ndr_datapath" \
	--card opencl --xclbin "$TMP/nodatapath.xclbin" -r "$cap"
fails "wrong argument count: both counts named" "has 4 arguments, this host drives 5" \
	--card opencl --xclbin "$TMP/args4.xclbin" -r "$cap"
fails "ring not in host memory: the bank and the fix named" \
	"ring is connected to HBM[0], not host memory (link with sp=ndr_record_writer_1.ring:HOST[0])" \
	--card opencl --xclbin "$TMP/hbm.xclbin" -r "$cap"
fails "wrong UUID: both UUIDs named" \
	"has UUID 6e647200-0000-4000-8000-0000000010b0, not the expected 6e647200-0000-4000-8000-0000000000ff" \
	--card opencl --xclbin "$TMP/good.xclbin" \
	--xclbin-uuid 6e647200-0000-4000-8000-0000000000ff -r "$cap"
# OpenCL calls the writer each time: counted auto-restart (which --card xrt:
# needs) is not asked for.
"$SENSOR" -q --card opencl --xclbin "$TMP/norestart.xclbin" -r "$cap" --eve "$TMP/nr.json" \
	2>"$TMP/nr.err"; rc=$?
check "a writer without auto-restart runs through OpenCL (exit $rc)" \
	sh -c "[ $rc -eq 0 ] && grep -q 'DNS tunnel' '$TMP/nr.json'"

# --- the platform ------------------------------------------------------------
OCL_ICD_VENDORS=$TMP/novendors "$SENSOR" -q --card opencl --xclbin "$TMP/good.xclbin" -r "$cap" \
	>/dev/null 2>"$TMP/e.err"; rc=$?
check "no platform (an empty vendors directory): exit 1, how to get one said (exit $rc)" \
	sh -c "[ $rc -eq 1 ] && grep -q 'opencl: no OpenCL platform (no ICD' '$TMP/e.err'"
fails "wrong platform name: the platforms there named" \
	"opencl:nvidia: no OpenCL platform with a device matching 'nvidia' (platforms: 'Xilinx')" \
	--card opencl:nvidia --xclbin "$TMP/good.xclbin" -r "$cap"
fails "XRT's platform without --xclbin: asked for" \
	"opencl:xilinx: 'Xilinx' (XRT) runs xclbins, not OpenCL C: give --xclbin FILE" \
	--card opencl:xilinx -r "$cap"
fails "no platform that builds OpenCL C, none named: said, --xclbin suggested" \
	"no OpenCL platform with a device that builds OpenCL C (XRT's runs xclbins only: give --xclbin) (platforms: 'Xilinx')" \
	--card opencl -r "$cap"
# shellcheck disable=SC2030,SC2031
(unset XILINX_XRT
 fails "XILINX_XRT unset: refused before XRT's ICD aborts, the .icd named" \
	"XILINX_XRT is not set, and XRT's OpenCL ICD ($TMP/vendors/xilinx.icd) aborts" \
	--card opencl --xclbin "$TMP/good.xclbin" -r "$cap"
 OCL_ICD_VENDORS=$TMP/vendors/xilinx.icd
 fails "XILINX_XRT unset, OCL_ICD_VENDORS naming the .icd file: refused too" \
	"XILINX_XRT is not set, and XRT's OpenCL ICD ($TMP/vendors/xilinx.icd)" \
	--card opencl --xclbin "$TMP/good.xclbin" -r "$cap")
(unset XCL_EMULATION_MODE
 fails "no card on this machine (real XRT, no emulation): said so" \
	"no OpenCL platform: XRT's ICD ($TMP/vendors/xilinx.icd) finds no device" \
	--card opencl --xclbin "$TMP/good.xclbin")
"$SENSOR" -q -r "$cap" --xclbin "$TMP/good.xclbin" >/dev/null 2>"$TMP/err"; rc=$?
check "--xclbin with the emulated card: usage error naming both card kinds (exit $rc)" \
	sh -c "[ $rc -eq 2 ] && grep -q 'for --card xrt:DEVICE and --card opencl' '$TMP/err'"

# Both ICDs: the work decides the platform unless one is named.
if ldconfig -p | grep -q 'libpocl.so.2 '; then
	echo libpocl.so.2 >"$TMP/both/0-pocl.icd"
	cp "$TMP/vendors/xilinx.icd" "$TMP/both/1-xilinx.icd"
	small=$CAPTURES/new-admin-path.pcap
	OCL_ICD_VENDORS=$TMP/both "$SENSOR" --card opencl --xclbin "$TMP/good.xclbin" -r "$small" \
		--eve /dev/null 2>"$TMP/b1.err"; rc1=$?
	OCL_ICD_VENDORS=$TMP/both "$SENSOR" --card opencl -r "$small" --eve /dev/null \
		2>"$TMP/b2.err"; rc2=$?
	check "PoCL and XRT both there: --xclbin takes XRT's platform, without it PoCL's" sh -c "
		[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] &&
		grep -q \"ndr-sensor: opencl: platform 'Xilinx', xclbin\" '$TMP/b1.err' &&
		grep -q \"ndr-sensor: opencl: platform 'Portable Computing Language'\" '$TMP/b2.err'"
	OCL_ICD_VENDORS=$TMP/both fails "an xclbin for PoCL: refused, XRT's platform named" \
		"'Portable Computing Language' builds the hw/ kernels from OpenCL C and loads no xclbin" \
		--card opencl:portable --xclbin "$TMP/good.xclbin" -r "$cap"
else
	fail "PoCL is not installed (pocl-opencl-icd, scripts/deps.sh)"
fi

# --- the full flow, the data path ---------------------------------------------
"$SENSOR" --card opencl:xilinx --xclbin "$TMP/good.xclbin" --xclbin-uuid \
	6E647200-0000-4000-8000-0000000010B0 --records -r "$cap" --eve "$TMP/x.json" \
	2>"$TMP/full.err"; rc=$?
check "full flow: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "start line: platform, the xclbin's UUID, its data clock, ring in host memory, NUMA, calls queued" \
	grep -q "opencl:xilinx: platform 'Xilinx', xclbin 6e647200-0000-4000-8000-0000000010b0, data clock 250 MHz, ring 2^[0-9]* slots in host memory, .*NUMA.*; ndr_record_writer called 8 ahead" "$TMP/full.err"
check "start line: the emulated card plays the device" \
	grep -q "the emulated card plays the device (XCL_EMULATION_MODE=noop)" "$TMP/full.err"
check "end: the writer's queued calls all ended" \
	grep -q "opencl:xilinx: ndr_record_writer ended after [1-9][0-9]* calls" "$TMP/full.err"

# Records: the ring's bytes, and the sensor's EVE records line for line. An
# alert compares by signature and endpoints: its position among the records,
# its time and, for a port scan, the example port depend on when the
# detectors tick, which differs between two runs of --card sim itself.
split() { # split EVE-FILE PREFIX
	jq -c 'select(.event_type != "alert")' "$1" >"$2.records"
	jq -r 'select(.event_type == "alert") |
		[.alert.signature_id, .src_ip, .dest_ip] | @tsv' "$1" | sort >"$2.alerts"
}
total_slots=0
total_records=0
total_alerts=0
for c in "$CAPTURES"/*.pcap; do
	n=$(basename "$c" .pcap)
	"$DUMP" "sim:file:$c" >"$TMP/$n.sim.bin" 2>/dev/null
	"$DUMP" opencl "$c" "$TMP/good.xclbin" >"$TMP/$n.cl.bin" 2>"$TMP/$n.dump.err"; drc=$?
	"$SENSOR" -q --records -r "$c" --eve "$TMP/$n.sim.json"
	"$SENSOR" -q --records --card opencl --xclbin "$TMP/good.xclbin" -r "$c" \
		--eve "$TMP/$n.cl.json" 2>"$TMP/$n.err"; src=$?
	split "$TMP/$n.sim.json" "$TMP/$n.sim"
	split "$TMP/$n.cl.json" "$TMP/$n.cl"
	slots=$(($(stat -c %s "$TMP/$n.sim.bin") / 64))
	r=$(wc -l <"$TMP/$n.sim.records")
	a=$(wc -l <"$TMP/$n.sim.alerts")
	total_slots=$((total_slots + slots))
	total_records=$((total_records + r))
	total_alerts=$((total_alerts + a))
	if [ "$drc" -eq 0 ] && [ "$src" -eq 0 ] && [ "$slots" -gt 0 ] && [ "$r" -gt 0 ] &&
	   cmp -s "$TMP/$n.sim.bin" "$TMP/$n.cl.bin" &&
	   cmp -s "$TMP/$n.sim.records" "$TMP/$n.cl.records" &&
	   cmp -s "$TMP/$n.sim.alerts" "$TMP/$n.cl.alerts"; then
		pass "$n: OpenCL on XRT (noop, emulated card in the mapped ring) = sim: $slots ring slots byte-equal, $r records, $a alerts"
	else
		fail "$n: OpenCL on XRT differs from sim (dump exit $drc, sensor exit $src; $(cmp "$TMP/$n.sim.bin" "$TMP/$n.cl.bin" 2>&1 | head -c 100); $(diff "$TMP/$n.sim.records" "$TMP/$n.cl.records" | head -c 150); $(diff "$TMP/$n.sim.alerts" "$TMP/$n.cl.alerts" | head -c 150)) $(head -c 200 "$TMP/$n.err")"
	fi
done
check "the captures gave ring slots, records and alerts to compare ($total_slots, $total_records, $total_alerts)" \
	test "$total_slots" -gt 10000 -a "$total_records" -gt 1000 -a "$total_alerts" -ge 5

# --- stop on a signal -------------------------------------------------------------
# The pacing below assumes the writer's call length; it is the hw/ constant.
hw_call=$(sed -n 's/^#define NDR_VITIS_WRITER_CALL \([0-9]*\)u.*/\1/p' hw/vitis/ndr_datapath.h)
host_call=$(sed -n 's/^#define XCL_CALL_CLOCKS *\([0-9]*\)u.*/\1/p' host/lib/source_opencl_xilinx.c)
check "the host paces calls at the writer's call length ($host_call = $hw_call clocks)" \
	test -n "$hw_call" -a "$hw_call" = "$host_call" -a "$hw_call" = 65536

# Without frames nothing writes the ring (noop runs no kernel): the sensor
# waits like a sensor on a quiet link, the writer called all along, until
# told to stop. A call that ends at once (noop) is not followed faster than
# a card's call takes (2^16 clocks at 250 MHz, 262 us): at most that rate
# plus the 8 queued ahead.
for sig in TERM INT; do
	start=$(date +%s%N)
	"$SENSOR" --card opencl --xclbin "$TMP/good.xclbin" --eve "$TMP/quiet.json" \
		2>"$TMP/quiet.err" &
	pid=$!
	for _ in $(seq 50); do grep -q "ndr-sensor: opencl: platform" "$TMP/quiet.err" && break; sleep 0.1; done
	sleep 1
	kill -"$sig" "$pid"
	wait "$pid"; rc=$?
	elapsed_us=$((($(date +%s%N) - start) / 1000))
	calls=$(sed -n 's/.*ndr_record_writer ended after \([0-9]*\) calls.*/\1/p' "$TMP/quiet.err")
	check "SIG$sig on a quiet card: exit 0, a summary, the queued calls ended (got $rc, ${calls:-no} calls in ${elapsed_us} us)" \
		sh -c "[ $rc -eq 0 ] && grep -q 'summary for opencl' '$TMP/quiet.err' &&
		       [ '${calls:-0}' -gt 0 ] && [ '${calls:-0}' -le $((elapsed_us / 262 + 8)) ]"
done
