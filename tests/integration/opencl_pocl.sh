#!/bin/bash
# The OpenCL card (--card opencl): hw/src built as OpenCL C by PoCL on the
# CPU, run one work item per batch of frames. Its records must be those of
# the emulated card bit for bit on every committed capture, the sensor's
# alerts the same as --card sim, and a ring too small for a batch must only
# mean more batches. The ICD loader looks only at a private vendors
# directory (OCL_ICD_VENDORS), never at a system-wide one.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
need "$SENSOR"
DUMP=$BUILD/tools/ndr-ring-dump
need "$DUMP"
cap=$CAPTURES/iodine-null.pcap

if ! ldconfig -p | grep -q 'libpocl.so.2 '; then
	fail "PoCL is not installed (pocl-opencl-icd, scripts/deps.sh)"
	exit 1
fi
mkdir -p "$TMP/vendors"
echo libpocl.so.2 >"$TMP/vendors/pocl.icd"
export OCL_ICD_VENDORS=$TMP/vendors

check "ldd: ndr-sensor links libOpenCL" sh -c "ldd '$SENSOR' | grep -q libOpenCL"

total=0
for c in "$CAPTURES"/*.pcap; do
	n=$(basename "$c" .pcap)
	"$DUMP" "sim:file:$c" >"$TMP/$n.sim.bin" 2>"$TMP/$n.sim.err"
	"$DUMP" opencl "$c" >"$TMP/$n.cl.bin" 2>"$TMP/$n.cl.err"; rc=$?
	bytes=$(stat -c %s "$TMP/$n.sim.bin")
	total=$((total + bytes))
	if [ "$rc" -eq 0 ] && [ "$bytes" -gt 0 ] && cmp -s "$TMP/$n.sim.bin" "$TMP/$n.cl.bin"; then
		pass "$n: OpenCL records bit-exact with the emulated card ($((bytes / 64)) slots)"
	else
		fail "$n: OpenCL records differ (exit $rc, $(cmp "$TMP/$n.sim.bin" "$TMP/$n.cl.bin" 2>&1 | head -c 120)) $(head -c 300 "$TMP/$n.cl.err")"
	fi
done
check "the captures gave records to compare ($((total / 64)) slots)" test "$total" -gt 640000

"$SENSOR" --card opencl -r "$cap" --eve - 2>"$TMP/err" |
	jq -r 'select(.event_type == "alert") | .alert.signature' >"$TMP/cl.sig"
"$SENSOR" -r "$cap" --eve - 2>/dev/null |
	jq -r 'select(.event_type == "alert") | .alert.signature' >"$TMP/sim.sig"
check "ndr-sensor --card opencl -r iodine-null.pcap: the DNS tunnel alert, as --card sim" sh -c "
	grep -q 'DNS tunnel' '$TMP/cl.sig' && cmp -s '$TMP/cl.sig' '$TMP/sim.sig'"
check "start line names the platform and the device" \
	grep -q "ndr-sensor: opencl: platform 'Portable Computing Language', device" "$TMP/err"

# A 256-slot ring holds five frames at the worst: many small batches, the
# consumer draining between them, nothing lost.
printf '[ring]\nslots_log2 = 8\n' >"$TMP/small.conf"
"$SENSOR" -q -c "$TMP/small.conf" --records --card opencl -r "$CAPTURES/dns2tcp.pcap" \
	--eve "$TMP/small.cl.json"
"$SENSOR" -q -c "$TMP/small.conf" --records -r "$CAPTURES/dns2tcp.pcap" --eve "$TMP/small.sim.json"
jq -c 'select(.event_type != "alert")' "$TMP/small.cl.json" >"$TMP/small.cl.rec"
jq -c 'select(.event_type != "alert")' "$TMP/small.sim.json" >"$TMP/small.sim.rec"
check "a 256-slot ring: the same $(wc -l <"$TMP/small.sim.rec") records as the emulated card" sh -c "
	[ \$(wc -l <'$TMP/small.sim.rec') -gt 1000 ] && cmp -s '$TMP/small.cl.rec' '$TMP/small.sim.rec'"

# errors
"$SENSOR" -q --card opencl >/dev/null 2>"$TMP/e1"; rc=$?
check "--card opencl without -r: exit 1, asks for a capture" sh -c "[ $rc -eq 1 ] && grep -q 'needs -r FILE' '$TMP/e1'"
"$SENSOR" -q --card opencl:nosuchplatform -r "$cap" >/dev/null 2>"$TMP/e2"; rc=$?
check "an unknown platform: exit 1, the platforms there named" sh -c "
	[ $rc -eq 1 ] && grep -q \"matching 'nosuchplatform' (platforms: 'Portable Computing Language')\" '$TMP/e2'"
mkdir -p "$TMP/novendors"
OCL_ICD_VENDORS=$TMP/novendors "$SENSOR" -q --card opencl -r "$cap" >/dev/null 2>"$TMP/e3"; rc=$?
check "no ICD at all: exit 1, says how to get one" sh -c "[ $rc -eq 1 ] && grep -q 'no OpenCL platform' '$TMP/e3'"
"$SENSOR" -q --card opencl:portable -r "$CAPTURES/nothere.pcap" >/dev/null 2>"$TMP/e4"; rc=$?
check "a missing capture: exit 1, named" sh -c "[ $rc -eq 1 ] && grep -q nothere.pcap '$TMP/e4'"
