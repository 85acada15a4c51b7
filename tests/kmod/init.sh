#!/bin/busybox sh
# The QEMU guest's /init (tests/integration/kmod_qemu.sh): loads ndr.ko
# against the emulated card (ivshmem-plain, served by ndr-ivshmem-card on the
# host) and checks it. One "PASS: guest: ..." or "FAIL: guest: ..." line per
# check on the console; the sensor's output goes to the second serial port
# for the host to compare. Powers off at the end.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo 3 >/proc/sys/kernel/printk
echo   # the console starts with terminal escapes: start the checks on a new line
DATA=/dev/ttyS1
DEV=/dev/ndr0
SYS=/sys/class/ndr/ndr0

pass() { echo "PASS: guest: $*"; }
fail() { echo "FAIL: guest: $*"; }
check() { what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
wait_dev() { i=0; while [ ! -e $DEV ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done; [ -e $DEV ]; }
data() { echo "$*" >$DATA; }

# 1. The ivshmem device is left alone unless emulate=1.
insmod /ndr.ko
sleep 0.3
check "without emulate=1 the module does not bind ivshmem" [ ! -e $DEV ]
rmmod ndr

# 2. A bitstream with another build id is refused, saying why.
dmesg -c >/dev/null
insmod /ndr.ko emulate=1 build_id=0x1234
sleep 0.3
check "a mismatched build id is refused (no $DEV)" [ ! -e $DEV ]
check "the refusal names the build id" sh -c 'dmesg | grep -q "build id 0x4e44520000010001 does not match the 0x1234"'
rmmod ndr

# 3. Bound to the emulated card.
insmod /ndr.ko emulate=1 || fail "insmod ndr.ko emulate=1"
check "/dev/ndr0 appears" wait_dev
check "sysfs drops is 0 before the first run ($(cat $SYS/drops))" [ "$(cat $SYS/drops)" = 0 ]
check "sysfs ring_occupancy is 0 before the first run ($(cat $SYS/ring_occupancy))" \
	[ "$(cat $SYS/ring_occupancy)" = 0 ]
check "sysfs build_id is the card's, 0x4e44520000010001 ($(cat $SYS/build_id))" \
	[ "$(cat $SYS/build_id)" = 0x4e44520000010001 ]
check "sysfs ring_slots is the module default 32768" [ "$(cat $SYS/ring_slots)" = 32768 ]
check "the card's numa_node in sysfs is -1 or a node ($(cat $SYS/device/numa_node))" \
	sh -c "grep -Eq '^(-1|[0-9]+)\$' $SYS/device/numa_node"

# 4. The capture, losslessly, through the sensor (first card run), every
#    record as an event: the host compares them with its own run, line by line.
timeout -s KILL 60 ndr-sensor -c /ndr.conf --card chardev:$DEV --records --eve /tmp/eve.json \
	2>/tmp/summary.txt
rc=$?
check "ndr-sensor --card chardev:$DEV exits 0 (got $rc)" [ $rc = 0 ]
data "==SUMMARY=="
cat /tmp/summary.txt >$DATA
data "==EVE=="
cat /tmp/eve.json >$DATA
data "==END=="
check "sysfs records counts the card's records ($(cat $SYS/records))" [ "$(cat $SYS/records)" -gt 0 ]
check "sysfs interrupts counts emulated interrupts ($(cat $SYS/interrupts))" [ "$(cat $SYS/interrupts)" -gt 0 ]
check "sysfs ring_occupancy is 0 after the sensor drained it" [ "$(cat $SYS/ring_occupancy)" = 0 ]

# 5. ioctl and mmap checks, several readers.
ndr-kmod-test ioctl $DEV
ndr-kmod-test mmap $DEV
ndr-kmod-test readers $DEV
ndr-kmod-test storm $DEV 20000

# 6. Ring overflow: a 64-slot ring, the card plays the capture like a link
#    while nobody reads (second card run).
rmmod ndr
insmod /ndr.ko emulate=1 ring_slots=64 || fail "insmod ndr.ko ring_slots=64"
wait_dev
check "sysfs ring_slots is 64" [ "$(cat $SYS/ring_slots)" = 64 ]
ndr-kmod-test start $DEV
i=0; while [ "$(cat $SYS/drops)" = 0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sleep 1
drops=$(cat $SYS/drops)
check "the card drops when the ring is full (sysfs drops $drops)" [ "$drops" -gt 0 ]
check "sysfs ring_occupancy shows a full ring ($(cat $SYS/ring_occupancy))" [ "$(cat $SYS/ring_occupancy)" -gt 40 ]
timeout -s KILL 60 ndr-sensor --card chardev:$DEV --eve /dev/null 2>/tmp/summary2.txt
notices=$(sed -n 's/.*drop notices \([0-9]*\)).*/\1/p' /tmp/summary2.txt)
lost=$(grep -o '[0-9]* records dropped by the card (ring full)' /tmp/summary2.txt | cut -d' ' -f1)
data "==OVERFLOW=="
cat /tmp/summary2.txt >$DATA
data "==END=="
check "the drop notice reaches the sensor (drop notices: ${notices:-none})" [ "${notices:-0}" -ge 1 ]
check "the sensor reports the card's drop count ($lost = sysfs $drops or more)" [ "${lost:-0}" -ge "$drops" ]
ndr-kmod-test counters $DEV

# 7. Unplug while open, then bring the card back.
addr=$(basename "$(readlink $SYS/device)")
ndr-kmod-test unplug $DEV "$addr"
check "$DEV is gone after unplug" [ ! -e $DEV ]
echo 1 >/sys/bus/pci/rescan
check "$DEV returns after a PCI rescan" wait_dev

# 8. Unload while a reader holds the device.
ndr-kmod-test hold $DEV ndr
check "module gone after the holder let go" sh -c '! grep -q "^ndr " /proc/modules'

# 9. Load and unload 20 times.
ok=0
for i in $(seq 20); do
	insmod /ndr.ko emulate=1 && wait_dev && cat $SYS/records >/dev/null && rmmod ndr && ok=$((ok + 1))
done
check "20 load/unload cycles ($ok succeeded)" [ $ok = 20 ]

check "no kernel warning, oops or BUG in dmesg" sh -c '! dmesg | grep -E "WARNING:|BUG:|Oops|refcount_t|general protection|Call Trace"'
dmesg | grep -E "ndr|WARNING|BUG" | tail -20 >$DATA
echo "GUEST-DONE"
poweroff -f
