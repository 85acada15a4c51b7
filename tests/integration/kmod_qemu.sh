#!/bin/bash
# ndr.ko in a real kernel: build it against Debian's linux-headers-amd64
# (W=1, sparse), boot Debian's linux-image-amd64 in QEMU with a busybox
# initramfs, present the emulated card as ivshmem-plain (ndr-ivshmem-card on
# the host writes its registers and staging ring into the shared memory), and
# check that ndr-sensor in the guest, reading /dev/ndr0, reports what
# ndr-sensor -r writes on the host for the same capture: every flow, dns
# and tls event and every alert, line for line. The guest's own checks
# (tests/kmod/init.sh, ndr-kmod-test) come back as PASS/FAIL lines.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
# kbuild's output is checked below: a caller's make -s must not silence it
unset MAKEFLAGS MFLAGS MAKELEVEL
t0=$(date +%s)
CARD=$BUILD/bin/ndr-ivshmem-card
CAP=$CAPTURES/iodine-null.pcap
need "$SENSOR"
need "$CARD"
need "$CAP"
ACCEL=${NDR_QEMU_ACCEL:-tcg}

# Debian's kernel: the headers package names the version; the image must match.
kver=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
	sed -n 's/.*linux-headers-\([^ ,]*\).*/\1/p')
KDIR=/usr/src/linux-headers-$kver
VMLINUZ=/boot/vmlinuz-$kver
if [ -z "$kver" ] || [ ! -d "$KDIR" ] || [ ! -r "$VMLINUZ" ]; then
	fail "need Debian's linux-headers-amd64 and the matching linux-image-amd64 (got '${kver:-none}': $KDIR, $VMLINUZ)"
	exit 1
fi
for tool in qemu-system-x86_64 busybox sparse cpio; do
	command -v $tool >/dev/null || { fail "missing $tool (scripts/deps.sh installs it)"; exit 1; }
done

# 1. The module, from a copy (the tree stays clean), with W=1 and sparse.
KM=$BUILD/kmod
rm -rf "$KM"
make -s -C kernel-module dkms-src DESTDIR="$(pwd)/$KM" >/dev/null
if make -C "$KM" KDIR="$KDIR" W=1 C=1 >"$TMP/kbuild.log" 2>&1 && [ -f "$KM/ndr.ko" ]; then
	pass "ndr.ko builds against $kver"
else
	fail "ndr.ko does not build against $kver: $(grep -m3 -E 'error|Error' "$TMP/kbuild.log")"
	exit 1
fi
warnings=$(grep -E 'warning:|error:' "$TMP/kbuild.log" | grep -v 'Skipping BTF')
check "ndr.ko: no warnings with W=1 (${warnings:-none})" [ -z "$warnings" ]
check "ndr.ko: sparse (C=1) ran on every file" [ "$(grep -c '^  CHECK' "$TMP/kbuild.log")" -ge 4 ]

# 2. The guest's programs and the initramfs.
cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Wshadow -Wvla -Wstrict-prototypes \
	-Wmissing-prototypes -Ihw/include -static -o "$TMP/ndr-kmod-test" tests/kmod/ndr_kmod_test.c ||
	{ fail "ndr-kmod-test does not build"; exit 1; }
# The ivshmem card's flow table is sized to its ring (2^15 slots -> 2^11
# buckets); the host run uses the same so evictions cannot differ. The DNS
# tunnel detector's hash seed is fixed on both sides, so its estimates (and
# the alerts' scores) are the same, not merely close.
printf '[card]\nflow_buckets_log2 = 11\n[dns_tunnel]\nhash_seed = 0x6e6472\n' >"$TMP/ref.conf"
tests/kmod/mkinitramfs.sh "$TMP/initrd.gz" "$KM/ndr.ko" "$SENSOR" "$TMP/ndr-kmod-test" \
	"$TMP/ref.conf" || { fail "the initramfs cannot be built"; exit 1; }

# 3. The reference: the same capture through the emulated card on the host.
"$SENSOR" -c "$TMP/ref.conf" -r "$CAP" --records --eve "$TMP/host.json" 2>"$TMP/host.txt" ||
	{ fail "ndr-sensor -r $CAP on the host: $(head -c 300 "$TMP/host.txt")"; exit 1; }

# 4. The emulated card, then the guest.
SHM=$TMP/ndr-card.shm
"$CARD" -v "$SHM" "file:$CAP" "link:$CAP" >"$TMP/card.out" 2>"$TMP/card.err" &
card_pid=$!
for _ in $(seq 50); do grep -q ready "$TMP/card.out" 2>/dev/null && break; sleep 0.1; done
check "ndr-ivshmem-card is up" grep -q ready "$TMP/card.out"
start=$(date +%s)
timeout 170 qemu-system-x86_64 -accel "$ACCEL" -m 512 -smp 1 -nographic -no-reboot \
	-kernel "$VMLINUZ" -initrd "$TMP/initrd.gz" \
	-append "console=ttyS0 quiet loglevel=3 panic=-1 oops=panic" \
	-object memory-backend-file,id=ndrshm,share=on,mem-path="$SHM",size=8M \
	-device ivshmem-plain,memdev=ndrshm \
	-serial file:"$TMP/console.log" -serial file:"$TMP/data.log" \
	-monitor none -display none >"$TMP/qemu.out" 2>&1
qrc=$?
kill "$card_pid" 2>/dev/null
wait "$card_pid" 2>/dev/null
tr -d '\r' <"$TMP/console.log" >"$TMP/console.txt"
tr -d '\r' <"$TMP/data.log" >"$TMP/data.txt"
mkdir -p "$BUILD/test-logs"
cp "$TMP/console.txt" "$BUILD/test-logs/kmod_qemu.console.txt"
cp "$TMP/data.txt" "$BUILD/test-logs/kmod_qemu.data.txt"
cp "$TMP/card.err" "$BUILD/test-logs/kmod_qemu.card.txt"
check "the guest ran to the end in $(( $(date +%s) - start )) s (qemu status $qrc)" \
	grep -q GUEST-DONE "$TMP/console.txt"
grep -E '^(PASS|FAIL): ' "$TMP/console.txt"

# 5. The guest sensor against the host sensor.
section() { sed -n "/^==$1==\$/,/^==[A-Z]*==\$/p" "$TMP/data.txt" | sed '1d;$d'; }
section SUMMARY >"$TMP/guest.txt"
section EVE >"$TMP/guest.json"
records_line() { grep -m1 '^  records ' "$1"; }
h=$(records_line "$TMP/host.txt") g=$(records_line "$TMP/guest.txt")
same_nonempty() { [ -n "$1" ] && [ "$1" = "$2" ]; }
check "guest and host count the same records of each type, heartbeats included (host:${h#  records} guest:${g#  records})" \
	same_nonempty "$h" "$g"
count() { grep -c "\"event_type\":\"$1\"" "$TMP/host.json"; }
what="$(count flow) flow, $(count dns) dns, $(count tls) tls events and $(count alert) alerts"
if [ "$(count alert)" -gt 0 ] && [ "$(count dns)" -gt 0 ] && cmp -s "$TMP/host.json" "$TMP/guest.json"; then
	pass "the guest's EVE output (--records) is the host's, line for line: $what"
else
	first=$(cmp "$TMP/host.json" "$TMP/guest.json" 2>&1 | head -1)
	fail "the guest's EVE output (--records) is not the host's ($what on the host, $(wc -l <"$TMP/guest.json") lines in the guest; ${first:-the host run has no alert or dns event})"
	diff "$TMP/host.json" "$TMP/guest.json" | head -6 | cut -c1-400
fi
sum=$(grep -m1 '^  drops ' "$TMP/guest.txt")
check "no ring errors in the guest's lossless run ($sum)" grep -q ' 0 bad ring records, 0 sequence gaps' <<<"$sum"
echo "kmod_qemu: took $(( $(date +%s) - t0 )) s"   # information, not a check
if grep -q '^FAIL' "$TMP/console.txt" || ! grep -q GUEST-DONE "$TMP/console.txt"; then
	# indented: its PASS/FAIL lines were counted once already above
	echo "--- guest console (tail) ---"; tail -40 "$TMP/console.txt" | sed 's/^/    /'
	echo "--- card ---"; cat "$TMP/card.err"
fi
