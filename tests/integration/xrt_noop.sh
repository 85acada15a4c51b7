#!/bin/bash
# The XRT card source (--card xrt:DEVICE --xclbin FILE) against Debian's XRT
# 2.13 in its noop emulation: the whole native-API flow (xclbin load and
# checks, device open, host-only buffers, writer start with auto-restart,
# stop) and every error path; then the data path, where the emulated card
# writes into the XRT-mapped ring in the sensor's process and the sensor's
# records and alerts must equal --card sim on every committed capture.
# xclbins come from build/tools/ndr-test-xclbin (Debian's xclbinutil cannot
# run). XRT finds its shims through XILINX_XRT/lib: Debian installs them in
# the multiarch directory, so a private directory links to it.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
need "$SENSOR"
. tests/integration/xrt_env.sh
cap=$CAPTURES/iodine-null.pcap
need "$cap"

xrt_noop_env libxrt_noop.so.2

check "ldd: ndr-sensor links libxrt_coreutil" sh -c "ldd '$SENSOR' | grep -q libxrt_coreutil"

# --- the image ---------------------------------------------------------
xrt_images 6e647200-0000-4000-8000-000000000010 ndr_record_writer ndr_datapath cmac_0

fails "missing xclbin file: named" "nothere.xclbin: No such file" \
	--card xrt:0 --xclbin "$TMP/nothere.xclbin" -r "$cap"
fails "bad xclbin (random bytes): not an xclbin" "not an xclbin" \
	--card xrt:0 --xclbin "$TMP/garbage.xclbin" -r "$cap"
fails "truncated xclbin: sizes named" "truncated: the header says" \
	--card xrt:0 --xclbin "$TMP/truncated.xclbin" -r "$cap"
fails "missing kernel: ndr_record_writer named" "no kernel ndr_record_writer" \
	--card xrt:0 --xclbin "$TMP/nowriter.xclbin" -r "$cap"
fails "missing kernel: ndr_datapath named" "no kernel ndr_datapath" \
	--card xrt:0 --xclbin "$TMP/nodatapath.xclbin" -r "$cap"
fails "missing kernel: cmac_0 named" "no kernel cmac_0" \
	--card xrt:0 --xclbin "$TMP/nocmac.xclbin" -r "$cap"
fails "wrong argument count: both counts named" "has 4 arguments, this host drives 5" \
	--card xrt:0 --xclbin "$TMP/args4.xclbin" -r "$cap"
fails "ring not in host memory: the bank and the fix named" \
	"ring is connected to HBM[0], not host memory" \
	--card xrt:0 --xclbin "$TMP/hbm.xclbin" -r "$cap"
fails "writer without auto-restart: the HLS setting named" \
	"s_axilite_auto_restart_counter" \
	--card xrt:0 --xclbin "$TMP/norestart.xclbin" -r "$cap"
fails "wrong UUID: both UUIDs named" \
	"has UUID 6e647200-0000-4000-8000-000000000010, not the expected 6e647200-0000-4000-8000-0000000000ff" \
	--card xrt:0 --xclbin "$TMP/good.xclbin" \
	--xclbin-uuid 6e647200-0000-4000-8000-0000000000ff -r "$cap"
fails "no --xclbin: asked for" "needs --xclbin" --card xrt:0 -r "$cap"

# --- the device --------------------------------------------------------
fails "missing device (a BDF XRT does not know): named" "xrt:0000:3b:00.1: no such device" \
	--card xrt:0000:3b:00.1 --xclbin "$TMP/good.xclbin" -r "$cap"
# shellcheck disable=SC2030,SC2031
(unset XCL_EMULATION_MODE; unset XILINX_XRT
 fails "XILINX_XRT unset: the fix named" "XILINX_XRT is not set" \
	--card xrt:0 --xclbin "$TMP/good.xclbin")
(unset XCL_EMULATION_MODE
 fails "no card on this machine (real XRT, no emulation): said so" "XRT finds no device" \
	--card xrt:0 --xclbin "$TMP/good.xclbin"
 fails "-r with a real card: refused, the emulation named" "XCL_EMULATION_MODE=noop" \
	--card xrt:0 --xclbin "$TMP/good.xclbin" -r "$cap")
"$SENSOR" -q -r "$cap" --xclbin "$TMP/good.xclbin" >/dev/null 2>"$TMP/err"; rc=$?
check "--xclbin without an xrt card: usage error (exit $rc)" \
	sh -c "[ $rc -eq 2 ] && grep -q 'for --card xrt' '$TMP/err'"

# --- the full flow, the data path ---------------------------------------
"$SENSOR" --card xrt:0 --xclbin "$TMP/good.xclbin" --records -r "$cap" --eve "$TMP/x.json" \
	2>"$TMP/err"; rc=$?
check "full flow: exit 0 (got $rc)" [ "$rc" -eq 0 ]
check "start line: device, the xclbin's UUID, its data clock, ring, NUMA placement" \
	grep -q "xrt:0: device 0, xclbin 6e647200-0000-4000-8000-000000000010, data clock 250 MHz, ring 2^[0-9]* slots in host memory, .*NUMA" "$TMP/err"
check "start line: the emulated card plays the device" \
	grep -q "the emulated card plays the device" "$TMP/err"

# Records must be equal line for line; an alert's position among them, its
# timestamp and, for a port scan, its example port depend on when the
# detectors tick (two runs of --card sim differ there), so alerts compare by
# signature and endpoints.
split() { # split EVE-FILE PREFIX
	jq -c 'select(.event_type != "alert")' "$1" >"$2.records"
	jq -r 'select(.event_type == "alert") |
		[.alert.signature_id, .src_ip, .dest_ip] | @tsv' "$1" | sort >"$2.alerts"
}
total_records=0
total_alerts=0
for c in "$CAPTURES"/*.pcap; do
	n=$(basename "$c" .pcap)
	"$SENSOR" -q --records -r "$c" --eve "$TMP/$n.sim.json"
	"$SENSOR" -q --records --card xrt:0 --xclbin "$TMP/good.xclbin" -r "$c" \
		--eve "$TMP/$n.xrt.json" 2>"$TMP/$n.err"
	split "$TMP/$n.sim.json" "$TMP/$n.sim"
	split "$TMP/$n.xrt.json" "$TMP/$n.xrt"
	r=$(wc -l <"$TMP/$n.sim.records")
	a=$(wc -l <"$TMP/$n.sim.alerts")
	total_records=$((total_records + r))
	total_alerts=$((total_alerts + a))
	if [ "$r" -gt 0 ] && cmp -s "$TMP/$n.sim.records" "$TMP/$n.xrt.records" &&
	   cmp -s "$TMP/$n.sim.alerts" "$TMP/$n.xrt.alerts"; then
		pass "$n: xrt (noop, emulated card in the XRT ring) = sim: $r records, $a alerts"
	else
		fail "$n: xrt differs from sim ($(diff "$TMP/$n.sim.records" "$TMP/$n.xrt.records" | head -c 200)) $(head -c 200 "$TMP/$n.err")"
	fi
done
check "the captures gave records and alerts to compare ($total_records, $total_alerts)" \
	test "$total_records" -gt 1000 -a "$total_alerts" -ge 5
"$SENSOR" --card xrt:0 --xclbin "$TMP/good.xclbin" -r "$cap" --eve - 2>/dev/null |
	jq -r 'select(.event_type == "alert") | .alert.signature' >"$TMP/sig"
check "iodine-null through xrt: the DNS tunnel alert" grep -q "DNS tunnel" "$TMP/sig"

# --- stop on a signal ----------------------------------------------------
# Without frames nothing writes the ring (noop runs no kernel): the sensor
# waits like a sensor on a quiet link until told to stop.
"$SENSOR" --card xrt:0 --xclbin "$TMP/good.xclbin" --eve "$TMP/quiet.json" 2>"$TMP/quiet.err" &
pid=$!
for _ in $(seq 50); do grep -q "xrt:0: device 0" "$TMP/quiet.err" && break; sleep 0.1; done
sleep 0.5
kill -TERM "$pid"
wait "$pid"; rc=$?
check "SIGTERM on a quiet card: exit 0 with a summary (got $rc)" \
	sh -c "[ $rc -eq 0 ] && grep -q 'summary for xrt:0' '$TMP/quiet.err'"

# --- the bring-up script (docs/hardware.md) --------------------------------
# xbutil is a stand-in that logs its calls (and fails where told); the
# sensor step runs for real, against the noop device, where no link can be
# read: the script must stop there and say so.
mkdir -p "$TMP/fakebin"
cat >"$TMP/fakebin/xbutil" <<'SH'
#!/bin/sh
echo "$*" >>"$XBUTIL_LOG"
case "$1" in
validate) [ -z "${FAIL_VALIDATE:-}" ] || { echo "PCIe link: FAILED"; exit 1; } ;;
examine) echo "ndr_record_writer:ndr_record_writer_1 cmac_0:cmac_0" ;;
esac
exit 0
SH
chmod +x "$TMP/fakebin/xbutil"
export XBUTIL_LOG=$TMP/xbutil.log
PATH=$TMP/fakebin:$PATH FAIL_VALIDATE=1 SENSOR=$SENSOR \
	scripts/alveo-bringup.sh 0 "$TMP/good.xclbin" 2 >"$TMP/bu1.out" 2>&1; rc=$?
check "bring-up: a card failing validation stops at step 1 (exit $rc)" sh -c "
	[ $rc -eq 1 ] && grep -q \"fails XRT's validation\" '$TMP/bu1.out' &&
	[ \$(wc -l <'$XBUTIL_LOG') -eq 1 ]"
rm -f "$XBUTIL_LOG"
PATH=$TMP/fakebin:$PATH SENSOR=$SENSOR \
	scripts/alveo-bringup.sh 0 "$TMP/good.xclbin" 2 >"$TMP/bu2.out" 2>&1; rc=$?
check "bring-up: validate, host memory, program, examine in that order" sh -c "
	sed -n 1p '$XBUTIL_LOG' | grep -q '^validate --device 0' &&
	sed -n 2p '$XBUTIL_LOG' | grep -q '^configure --host-mem --device 0 ENABLE --size 1G' &&
	sed -n 3p '$XBUTIL_LOG' | grep -q \"^program --device 0 --user $TMP/good.xclbin\" &&
	sed -n 4p '$XBUTIL_LOG' | grep -q '^examine --device 0 --report dynamic-regions'"
check "bring-up: the sensor starts the card, and no link stops it with advice (exit $rc)" sh -c "
	[ $rc -eq 1 ] && grep -q 'xrt:0: device 0' '$TMP/bu2.out' &&
	grep -q 'the 100G link did not come up' '$TMP/bu2.out'"
