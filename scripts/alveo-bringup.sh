#!/bin/bash
# Bring up ndr on an Alveo U55C or U250 on a Vitis (XDMA) shell, step by
# step, stopping at the first step that fails and saying what to do
# (docs/hardware.md "Bring-up"). Run as root on the machine with the card:
#
#   scripts/alveo-bringup.sh BDF XCLBIN [SECONDS]
#
#   1. xbutil validate          PCIe link, DMA, memory: the shell works
#   2. host memory              the HOST[0] bank the ring lives in
#   3. xbutil program           load the ndr image
#   4. xbutil examine           the image's compute units are there
#   5. ndr-sensor, SECONDS s    the 100G link comes up (RS-FEC on) and the
#                               card's heartbeat records arrive
#
# Then it prints the command line to run the sensor with, the image's UUID
# pinned (--xclbin-uuid) so that a card reprogrammed with another build is
# refused. XILINX_XRT must point at the XRT installation
# (source /opt/xilinx/xrt/setup.sh).
set -u
SENSOR=${SENSOR:-$(dirname "$0")/../build/bin/ndr-sensor}
HOSTMEM_SIZE=${HOSTMEM_SIZE:-1G}

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: $0 BDF XCLBIN [SECONDS]" >&2
	exit 2
fi
bdf=$1
xclbin=$2
seconds=${3:-20}
log=$(mktemp -d /tmp/ndr-bringup.XXXXXX)

step() { echo "== $*"; }
die() {
	echo "bring-up stopped: $*" >&2
	echo "(logs in $log)" >&2
	exit 1
}

[ -r "$xclbin" ] || die "$xclbin: cannot read the xclbin"
[ -x "$SENSOR" ] || die "$SENSOR: build ndr first (make)"
command -v xbutil >/dev/null || die "xbutil not found: install XRT and source /opt/xilinx/xrt/setup.sh"
[ -n "${XILINX_XRT:-}" ] || die "XILINX_XRT is not set: source /opt/xilinx/xrt/setup.sh"

step "1. xbutil validate --device $bdf"
xbutil validate --device "$bdf" >"$log/validate" 2>&1 ||
	die "the card fails XRT's validation (see $log/validate): is the shell flashed and does it match the platform? xbmgmt examine --device $bdf"

step "2. host memory for the ring: $HOSTMEM_SIZE"
xbutil configure --host-mem --device "$bdf" ENABLE --size "$HOSTMEM_SIZE" >"$log/hostmem" 2>&1 ||
	die "cannot enable host memory (see $log/hostmem): needs root and huge pages free; the ring of ndr_record_writer lives there"

step "3. xbutil program --device $bdf --user $xclbin"
xbutil program --device "$bdf" --user "$xclbin" >"$log/program" 2>&1 ||
	die "loading $xclbin failed (see $log/program): built for this card's platform?"

step "4. the image's compute units"
xbutil examine --device "$bdf" --report dynamic-regions >"$log/examine" 2>&1 ||
	die "xbutil examine failed (see $log/examine)"
for cu in ndr_record_writer cmac_0; do
	grep -q "$cu" "$log/examine" || die "no $cu compute unit on the card (see $log/examine)"
done

step "5. ndr-sensor for $seconds s: link, heartbeats"
timeout -s INT "$seconds" "$SENSOR" --card "xrt:$bdf" --xclbin "$xclbin" --progress \
	--eve "$log/eve.json" 2>"$log/sensor"
rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 124 ] || die "ndr-sensor failed (exit $rc): $(grep -v '^ ' "$log/sensor" | tail -n 2)"
start=$(grep -m1 "xrt:$bdf: device" "$log/sensor")
[ -n "$start" ] || die "ndr-sensor did not start the card (see $log/sensor)"
echo "$start"
grep -q "link up" "$log/sensor" ||
	die "the 100G link did not come up: $(grep -m1 '  link ' "$log/sensor") -- check the cable, the link partner's port speed and its RS-FEC setting ([card] rs_fec)"
hb=$(sed -n 's/.*heartbeat \([0-9]*\),.*/\1/p' "$log/sensor" | tail -n 1)
[ "${hb:-0}" -gt 0 ] ||
	die "no heartbeat records arrived in $seconds s: the data path or the writer is not running (see $log/sensor)"
uuid=$(echo "$start" | sed -n 's/.*xclbin \([0-9a-f-]*\),.*/\1/p')

echo "bring-up done: link up, $hb heartbeat records."
echo "run the sensor with:"
echo "  $SENSOR --card xrt:$bdf --xclbin $xclbin --xclbin-uuid $uuid --eve /var/log/ndr/eve.json"
