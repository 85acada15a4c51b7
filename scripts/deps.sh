#!/bin/sh
# Install the Debian packages ndr needs to build and test, and nothing when
# they are all present. Idempotent; run as root (make run / make test call it).
#   scripts/deps.sh            build and test
#   scripts/deps.sh captures   also the tools that remake tests/captures
#   scripts/deps.sh eval       also what make eval needs (capinfos)
#   scripts/deps.sh bench      also the tools make bench compares with
#   scripts/deps.sh fuzz       also libFuzzer (make fuzz)
set -eu

PKGS="build-essential pkg-config git
qemu-system-x86 linux-image-amd64 linux-headers-amd64 busybox-static sparse cpio kmod file
libpcap-dev libpsl-dev libidn2-dev libjansson-dev libcmocka-dev libnuma-dev libssl-dev publicsuffix
rsyslog rsyslog-openssl openssl tcpdump tcpreplay iproute2 ethtool procps jq librdkafka-dev kcat
libcap-dev python3-prometheus-client lintian dpkg-dev man-db systemd logrotate
libxrt-dev libxrt-utils uuid-dev ocl-icd-opencl-dev opencl-c-headers pocl-opencl-icd tcl
clang"

# The real tools behind the committed captures (tests/captures/README.md).
CAPTURE_PKGS="iodine dns2tcp dnsmasq-base socat bind9-dnsutils net-tools
nmap hydra openssh-server openssh-client stunnel4 openssl curl python3
krb5-kdc krb5-admin-server krb5-user"
EVAL_PKGS="wireshark-common"
BENCH_PKGS="softflowd libndpi-bin"
# clang's libFuzzer and sanitizer runtimes (make test's sanitizer build uses
# gcc's, which build-essential brings; its clang build needs only clang).
FUZZ_PKGS="clang libclang-rt-14-dev"

for group in "$@"; do
	case "$group" in
	captures) PKGS="$PKGS $CAPTURE_PKGS" ;;
	eval) PKGS="$PKGS $EVAL_PKGS" ;;
	bench) PKGS="$PKGS $BENCH_PKGS" ;;
	fuzz) PKGS="$PKGS $FUZZ_PKGS" ;;
	*) echo "deps: unknown group '$group' (captures, eval, bench, fuzz)" >&2; exit 2 ;;
	esac
done

missing=""
for p in $PKGS; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages and not root; run: sudo apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=900 update -qq
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends $missing >/dev/null
