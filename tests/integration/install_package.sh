#!/bin/bash
# make install and make deb as an operator uses them: the installed sensor
# runs with the installed configuration, the man pages render and list every
# option, the systemd unit passes systemd-analyze verify, the logrotate
# snippet rotates a running sensor's output through its pidfile, the DKMS
# tree builds ndr.ko on its own, and the package passes lintian without
# errors, installs and is removed and purged cleanly in a scratch root.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
need "$SENSOR"
cap=$CAPTURES/iodine-null.pcap
semver=$(cat VERSION)

inst=$TMP/inst
make --no-print-directory install DESTDIR="$inst" PREFIX=/usr/local >"$TMP/install.log" 2>&1
check "make install DESTDIR=... PREFIX=/usr/local (status $?)" [ -x "$inst/usr/local/bin/ndr-sensor" ]
bin=$inst/usr/local/bin
version=$("$bin/ndr-sensor" --version)
check "--version: semantic version, git commit and ABI ($version)" \
	grep -Eq "^ndr-sensor $semver \(git [0-9a-f]{7,}(-dirty)?, record ABI [0-9]+\)$" <<<"$version"
check "installed ndr-sim and ndr-gen run" \
	sh -c "'$bin/ndr-sim' --help >/dev/null && '$bin/ndr-gen' --help >/dev/null"

# the annotated configuration is one the sensor accepts (it refuses unknown keys)
"$bin/ndr-sensor" -q -c "$inst/etc/ndr/ndr.conf" -r "$cap" --eve "$TMP/conf.json" 2>"$TMP/conf.err"
check "installed /etc/ndr/ndr.conf is accepted by the installed sensor (status $?)" \
	[ ! -s "$TMP/conf.err" ]
# make install again keeps an edited configuration
echo "# edited" >>"$inst/etc/ndr/ndr.conf"
make --no-print-directory install DESTDIR="$inst" PREFIX=/usr/local >/dev/null 2>&1
check "make install keeps an edited /etc/ndr/ndr.conf" grep -q "^# edited" "$inst/etc/ndr/ndr.conf"

man=$inst/usr/local/share/man
for page in man8/ndr-sensor.8 man5/ndr.conf.5 man1/ndr-sim.1; do
	out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$man/$page" 2>&1 >/dev/null)
	check "man page $page renders without a warning${out:+: $out}" [ -z "$out" ]
done
missing=
for opt in $("$SENSOR" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
	grep -q -- "$(sed 's/-/\\\\-/g' <<<"$opt")" "$man/man8/ndr-sensor.8" || missing="$missing $opt"
done
check "ndr-sensor(8) documents every option of --help${missing:+ (missing:$missing)}" [ -z "$missing" ]
missing=
for opt in $("$bin/ndr-sim" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
	grep -q -- "$(sed 's/-/\\\\-/g' <<<"$opt")" "$man/man1/ndr-sim.1" || missing="$missing $opt"
done
check "ndr-sim(1) documents every option of --help${missing:+ (missing:$missing)}" [ -z "$missing" ]

# systemd-analyze verify, offline: the unit as installed, with its binary
# and man pages at their DESTDIR paths
unit=$inst/usr/local/lib/systemd/system/ndr-sensor.service
mkdir -p "$TMP/unit"
sed "s|/usr/local/bin/|$bin/|" "$unit" >"$TMP/unit/ndr-sensor.service"
MANPATH=$man systemd-analyze verify "$TMP/unit/ndr-sensor.service" >"$TMP/verify.log" 2>&1
rc=$?
check "systemd-analyze verify ndr-sensor.service (status $rc)$(head -c 300 "$TMP/verify.log")" [ "$rc" -eq 0 ]
for key in ProtectSystem=strict CapabilityBoundingSet=CAP_NET_RAW NoNewPrivileges=yes Type=notify; do
	check "unit hardening: $key" grep -q "^$key" "$unit"
done
# the check can fail: a unit naming a man page that is not there
sed 's|man:ndr.conf(5)|man:ndr-nonexistent(5)|' "$TMP/unit/ndr-sensor.service" >"$TMP/unit/bad.service"
MANPATH=$man systemd-analyze verify "$TMP/unit/bad.service" >/dev/null 2>&1
check "systemd-analyze verify fails on a unit with a missing man page (status $?)" [ $? -ne 0 ]

# the logrotate snippet, with its paths moved into the test's directory,
# run by logrotate on a running sensor
if command -v logrotate >/dev/null; then
	logs=$TMP/log
	mkdir -p "$logs"
	sed -e "s|/var/log/ndr|$logs|" -e "s|/run/ndr/ndr-sensor.pid|$logs/ndr.pid|g" \
		"$inst/etc/logrotate.d/ndr-sensor" >"$TMP/logrotate.conf"
	"$bin/ndr-sensor" -i lo --pidfile "$logs/ndr.pid" --stats-interval 1 --eve "$logs/eve.json" \
		2>"$TMP/rot.err" &
	pid=$!
	for _ in $(seq 50); do [ -s "$logs/eve.json" ] && break; sleep 0.1; done
	logrotate -f -s "$TMP/logrotate.state" "$TMP/logrotate.conf" 2>"$TMP/logrotate.err"
	rc=$?
	for _ in $(seq 50); do [ -s "$logs/eve.json" ] && break; sleep 0.1; done
	check "logrotate ran the snippet (status $rc)" [ "$rc" -eq 0 ]
	check "after logrotate the sensor writes a new eve.json" \
		sh -c "[ -e '$logs/eve.json.1' ] && jq -e 'select(.event_type==\"stats\")' '$logs/eve.json' >/dev/null"
	kill -TERM "$pid"
	wait "$pid"
	check "sensor under logrotate exits 0 (status $?)" [ $? -eq 0 ]
else
	fail "logrotate is not installed (scripts/deps.sh)"
fi

# the DKMS source builds ndr.ko by itself, as dkms would run it
dkms_src=$(ls -d "$inst"/usr/src/ndr-*)
check "DKMS source installed with its dkms.conf" test -s "$dkms_src/dkms.conf"
kdir=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -1)
if [ -n "$kdir" ]; then
	cp -r "$dkms_src" "$TMP/dkms"
	nice make -C "$TMP/dkms" KDIR="$kdir" modules >"$TMP/dkms.log" 2>&1
	check "DKMS tree builds ndr.ko against $(basename "$kdir") (status $?)" test -s "$TMP/dkms/ndr.ko"
else
	fail "no linux-headers-*-amd64 to build the DKMS tree (scripts/deps.sh)"
fi

# make deb, lintian, and dpkg in a scratch root
deb=$(make --no-print-directory deb 2>"$TMP/deb.err" | tail -1)
check "make deb built $deb" test -s "$deb"
lintian --tag-display-limit 0 "$deb" >"$TMP/lintian.log" 2>&1
check "lintian: no errors ($(grep -c '^E:' "$TMP/lintian.log") E:, $(grep -c '^W:' "$TMP/lintian.log") W:)" \
	sh -c "! grep -q '^E:' '$TMP/lintian.log'"
root=$TMP/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status"
# a foreign root: no chroot (it has no shell), dependencies not there
dpkgr() { dpkg --root="$root" --force-script-chrootless --force-depends \
	--force-not-root --log=/dev/null "$@"; }
dpkgr -i "$deb" >"$TMP/dpkg-i.log" 2>&1
check "dpkg -i in a scratch root (status $?)" [ -x "$root/usr/bin/ndr-sensor" ]
pv=$("$root/usr/bin/ndr-sensor" --version 2>&1)
check "the packaged sensor runs: $pv" grep -q "^ndr-sensor $semver " <<<"$pv"
check "packaged unit, logrotate, config, man pages, DKMS source in place" \
	sh -c "test -s '$root/lib/systemd/system/ndr-sensor.service' &&
	       test -s '$root/etc/logrotate.d/ndr-sensor' && test -s '$root/etc/ndr/ndr.conf' &&
	       test -s '$root/usr/share/man/man8/ndr-sensor.8.gz' &&
	       ls '$root'/usr/src/ndr-*/dkms.conf >/dev/null"
check "packaged unit runs /usr/bin/ndr-sensor" grep -q "^ExecStart=/usr/bin/ndr-sensor" \
	"$root/lib/systemd/system/ndr-sensor.service"
dpkgr -r ndr >"$TMP/dpkg-r.log" 2>&1
check "dpkg -r removes the files (status $?)" \
	sh -c "[ ! -e '$root/usr/bin/ndr-sensor' ] && [ ! -e '$root/lib/systemd/system/ndr-sensor.service' ]"
check "dpkg -r keeps the conffiles" test -e "$root/etc/ndr/ndr.conf"
dpkgr -P ndr >"$TMP/dpkg-p.log" 2>&1
check "dpkg -P purges the conffiles (status $?)" test ! -e "$root/etc/ndr/ndr.conf"
left=$(cd "$root" && find . -type f ! -path './var/lib/dpkg/*' | head -5)
check "nothing left in the scratch root${left:+: $left}" [ -z "$left" ]
