#!/bin/bash
# Build the guest's initramfs: busybox, ndr.ko, ndr-sensor (with the shared
# libraries it needs, see docs/kernel-module.md), ndr-kmod-test and the init
# script, and the sensor's configuration as /ndr.conf.
# Usage: mkinitramfs.sh OUT.cpio.gz KO SENSOR KMOD_TEST CONFIG
set -eu
out=$1 ko=$2 sensor=$3 kmodtest=$4 conf=$5
here=$(cd "$(dirname "$0")" && pwd)
root=$(mktemp -d /tmp/ndr-initramfs.XXXXXX)
trap 'rm -rf "$root"' EXIT

busybox=$(command -v busybox || true)
[ -n "$busybox" ] && file -L "$busybox" | grep -q 'statically linked' || {
	echo "mkinitramfs: need a statically linked busybox (Debian: busybox-static)" >&2
	exit 1
}
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,etc}
cp "$busybox" "$root/bin/busybox"
cp "$ko" "$root/ndr.ko"
cp "$kmodtest" "$root/bin/ndr-kmod-test"
cp "$sensor" "$root/bin/ndr-sensor"
cp "$conf" "$root/ndr.conf"
# Debian ships no libsystemd.a, which the static libdbus (pulled in by
# libpcap.a) needs: ndr-sensor goes in with its shared libraries instead.
if ! file -L "$sensor" | grep -q 'statically linked'; then
	ldd "$sensor" | awk '/=> \// {print $3} /^\t\/lib/ {print $1}' | while read -r lib; do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
fi
# libpsl reads the public suffix list at run time, if the build uses the file.
for f in /usr/share/publicsuffix/public_suffix_list.dat /usr/share/publicsuffix/public_suffix_list.dafsa; do
	[ -e "$f" ] && mkdir -p "$root$(dirname "$f")" && cp "$f" "$root$f"
done
cp "$here/init.sh" "$root/init"
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
