#!/bin/sh
# make deb: the ndr Debian package from the build (make install into a
# staging root, stripped binaries, compressed man pages, conffiles, the
# shared-library dependencies dpkg-shlibdeps finds), built with dpkg-deb.
#   scripts/make-deb.sh BUILD VERSION   -> BUILD/ndr_VERSION_ARCH.deb
set -eu
build=$1
version=$2
arch=$(dpkg --print-architecture)
stage=$build/deb/root
rm -rf "$build/deb"
mkdir -p "$stage/DEBIAN"

make --no-print-directory install DESTDIR="$stage" PREFIX=/usr SYSTEMDUNITDIR=/lib/systemd/system \
	SYSUSERSDIR=/usr/lib/sysusers.d >/dev/null
for b in "$stage"/usr/bin/*; do
	strip --strip-unneeded --remove-section=.comment --remove-section=.note "$b"
done
gzip -9n "$stage"/usr/share/man/man*/*

doc=$stage/usr/share/doc/ndr
mkdir -p "$doc"
cat >"$doc/copyright" <<'COPYRIGHT'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: ndr
Source: https://github.com/ndr-sensor/ndr

Files: *
Copyright: 2026 the ndr authors
License: unstated
 The project has not stated a license for its userspace code yet; ask the
 authors before redistributing it.

Files: usr/src/ndr-*
Copyright: 2026 the ndr authors
License: GPL-2.0-only
 The ndr.ko sources carry SPDX-License-Identifier: GPL-2.0. On Debian
 systems the full text of the GNU General Public License version 2 is in
 /usr/share/common-licenses/GPL-2.
COPYRIGHT
{
	echo "ndr ($version) unstable; urgency=medium"
	echo
	echo "  * Release $version (git $(git describe --always --dirty 2>/dev/null || echo unknown))."
	echo
	echo " -- ndr maintainers <ndr@example.org>  $(date -R -u -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")"
} | gzip -9n >"$doc/changelog.Debian.gz"

# the libraries the binaries link, as dpkg-shlibdeps finds them
shl=$build/deb/shlibdeps
mkdir -p "$shl/debian"
printf 'Source: ndr\n\nPackage: ndr\nArchitecture: any\n' >"$shl/debian/control"
depends=$(cd "$shl" && dpkg-shlibdeps -O --ignore-missing-info \
	$(for b in "$OLDPWD/$stage"/usr/bin/*; do printf ' -e%s' "$b"; done) 2>/dev/null |
	sed -n 's/^shlibs:Depends=//p')

cat >"$stage/DEBIAN/control" <<CONTROL
Package: ndr
Version: $version
Architecture: $arch
Maintainer: ndr maintainers <ndr@example.org>
Installed-Size: $(du -sk --exclude=DEBIAN "$stage" | cut -f1)
Depends: $depends
Recommends: dkms, logrotate
Suggests: prometheus-node-exporter
Section: net
Priority: optional
Homepage: https://github.com/ndr-sensor/ndr
Description: FPGA SmartNIC network detection sensor
 ndr reads the feature records an AMD/Xilinx Alveo card (or its emulation,
 built from the same HLS kernels) writes for every packet of a link, runs
 detectors for DNS tunnels, beacons, hidden HTTPS tunnels, port scans, brute
 force, RPC reconnaissance and new admin paths, and reports alerts as
 Suricata-style EVE JSON and RFC 5424 syslog.
 .
 This package has ndr-sensor (with a hardened systemd unit, logrotate
 snippet and annotated /etc/ndr/ndr.conf), ndr-sim and ndr-gen, and the
 DKMS source of the ndr.ko PCIe driver in /usr/src.
CONTROL
(cd "$stage" && find etc -type f | sed 's|^|/|' | sort) >"$stage/DEBIAN/conffiles"

# the service's user (systemd-sysusers), not in a foreign root (dpkg --root)
cat >"$stage/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ] && [ -z "${DPKG_ROOT:-}" ]; then
	if command -v systemd-sysusers >/dev/null 2>&1; then
		systemd-sysusers /usr/lib/sysusers.d/ndr.conf
	fi
	if [ -d /run/systemd/system ]; then
		systemctl daemon-reload >/dev/null || true
	fi
fi
POSTINST
cat >"$stage/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -z "${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null || true
fi
POSTRM
chmod 0755 "$stage/DEBIAN/postinst" "$stage/DEBIAN/postrm"

out=$build/ndr_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$out" >/dev/null
echo "$out"
