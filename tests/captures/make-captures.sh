#!/usr/bin/env bash
# make-captures.sh - regenerate the DNS test captures in this directory with real tools.
#
# Two network namespaces joined by one veth pair; nothing leaves them.  The client namespace runs
# tcpdump on its veth end while real tunnel clients (iodine, dns2tcp) or an ordinary resolver
# client (dig against dnsmasq) talk to the server namespace.  Each capture is written to a
# temporary directory and moved into place only when its run succeeded, so a failed run leaves
# the previous captures untouched.
#
# Usage: sudo tests/captures/make-captures.sh [capture ...]
#        capture is one of: iodine-null iodine-txt dns2tcp benign-dns iodine-short dns2tcp-short
#        (default: all six)
#
# Needs (Debian packages): iodine dns2tcp dnsmasq-base (or dnsmasq) tcpdump ethtool iproute2 socat bind9-dnsutils.
# It installs nothing; it says what is missing.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

NS_CLI=ndrcap-cli
NS_SRV=ndrcap-srv
VETH_CLI=ndrcap-c0
VETH_SRV=ndrcap-s0
CLI_IP=10.53.0.1
SRV_IP=10.53.0.2
PREFIX_LEN=24

# Tunnel inner addresses (iodine) live only inside the namespaces too.
IODINE_NET=10.99.0.1/27
IODINE_SRV_IP=10.99.0.1
IODINE_PASSWORD=ndr-capture-pw
DNS2TCP_KEY=ndr-capture-key

# Safety nets for capture size (< 5 MB): tunnel frames are up to ~1.5 KB, benign ones ~0.2 KB.
MAX_TUNNEL_PACKETS=3000
MAX_BENIGN_PACKETS=9000

WORK=""
PIDS=()
TCPDUMP_PID=""

log() { printf 'make-captures: %s %s\n' "$(date +%T)" "$*"; }
die() { printf 'make-captures: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# Set-up and tear-down

namespace_exists() {
	ip netns list 2>/dev/null | awk '{ print $1 }' | grep -qx -- "$1"
}

kill_namespace_processes() {
	local ns=$1 pid
	namespace_exists "$ns" || return 0
	for pid in $(ip netns pids "$ns" 2>/dev/null); do
		kill -TERM "$pid" 2>/dev/null || true
	done
	sleep 0.5
	for pid in $(ip netns pids "$ns" 2>/dev/null); do
		kill -KILL "$pid" 2>/dev/null || true
	done
}

delete_namespaces() {
	local ns
	for ns in "$NS_CLI" "$NS_SRV"; do
		if namespace_exists "$ns"; then
			kill_namespace_processes "$ns"
			ip netns del "$ns" || log "warning: could not delete namespace $ns"
		fi
	done
}

cleanup() {
	local rc=$? pid
	trap - EXIT INT TERM
	# Daemons and clients this script started, newest first, by their pid.
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		pid=${PIDS[$i]}
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	# Anything still inside our own namespaces was started by this script too.
	delete_namespaces
	if [[ -n $WORK && -d $WORK ]]; then
		if ((rc != 0)); then
			log "logs of the failed run:"
			for f in "$WORK"/*.log; do
				[[ -s $f ]] || continue
				printf -- '--- %s (last 15 lines)\n' "$(basename "$f")"
				tail -n 15 "$f"
			done
		fi
		rm -rf "$WORK"
	fi
	exit "$rc"
}

check_tools() {
	local missing=() entry tool pkg
	for entry in iodine:iodine iodined:iodine dns2tcpc:dns2tcp dns2tcpd:dns2tcp \
	    dnsmasq:dnsmasq-base tcpdump:tcpdump ethtool:ethtool ip:iproute2 ss:iproute2 \
	    socat:socat dig:bind9-dnsutils ifconfig:net-tools; do
		tool=${entry%%:*}
		pkg=${entry#*:}
		if ! command -v "$tool" >/dev/null 2>&1; then
			missing+=("$tool (Debian package $pkg)")
		fi
	done
	if ((${#missing[@]} > 0)); then
		printf 'make-captures: error: missing tool: %s\n' "${missing[@]}" >&2
		die "install the packages above (apt-get install ...) and run again"
	fi
	[[ -c /dev/net/tun ]] || die "/dev/net/tun is missing: iodine needs the tun driver"
}

make_namespaces() {
	delete_namespaces # a crashed earlier run may have left them
	ip netns add "$NS_CLI"
	ip netns add "$NS_SRV"
	ip link add "$VETH_CLI" netns "$NS_CLI" type veth peer name "$VETH_SRV" netns "$NS_SRV"
	ip -n "$NS_CLI" addr add "$CLI_IP/$PREFIX_LEN" dev "$VETH_CLI"
	ip -n "$NS_SRV" addr add "$SRV_IP/$PREFIX_LEN" dev "$VETH_SRV"
	ip -n "$NS_CLI" link set lo up
	ip -n "$NS_SRV" link set lo up
	# Without this the capture holds GSO super-frames and unfilled checksums, not wire packets.
	ip netns exec "$NS_CLI" ethtool -K "$VETH_CLI" tx off rx off tso off gso off gro off >/dev/null
	ip netns exec "$NS_SRV" ethtool -K "$VETH_SRV" tx off rx off tso off gso off gro off >/dev/null
	ip -n "$NS_CLI" link set "$VETH_CLI" up
	ip -n "$NS_SRV" link set "$VETH_SRV" up
	wait_for "veth link up" 10 link_up "$NS_CLI" "$VETH_CLI"
	wait_for "veth link up" 10 link_up "$NS_SRV" "$VETH_SRV"
}

link_up() { # link_up NAMESPACE DEVICE
	ip -n "$1" link show dev "$2" | grep -q LOWER_UP
}

# wait_for WHAT SECONDS COMMAND...: poll COMMAND every 0.1 s until it succeeds.
wait_for() {
	local what=$1 secs=$2
	shift 2
	local tries=$((secs * 10))
	while ((tries-- > 0)); do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	die "timed out after ${secs}s waiting for $what"
}

# start_bg NAMESPACE LOGNAME COMMAND...: run COMMAND in NAMESPACE in the background.
# `ip netns exec` execs the command, so $! is the command's own pid.
LAST_PID=""
start_bg() {
	local ns=$1 logname=$2
	shift 2
	ip netns exec "$ns" "$@" >"$WORK/$logname.log" 2>&1 </dev/null &
	LAST_PID=$!
	PIDS+=("$LAST_PID")
}

stop_pid() {
	local pid=$1 sig=${2:-TERM}
	kill "-$sig" "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	local keep=() p
	for p in "${PIDS[@]}"; do
		[[ $p == "$pid" ]] || keep+=("$p")
	done
	PIDS=("${keep[@]+"${keep[@]}"}")
}

udp_listening() { # udp_listening NAMESPACE ADDR:PORT
	ip netns exec "$1" ss -Hnlu "src $2" | grep -q .
}

tcp_listening() { # tcp_listening NAMESPACE ADDR:PORT
	ip netns exec "$1" ss -Hnlt "src $2" | grep -q .
}

has_addr() { # has_addr NAMESPACE DEVICE ADDR
	ip -n "$1" -4 addr show dev "$2" 2>/dev/null | grep -q "inet $3/"
}

# ---------------------------------------------------------------------------------------------
# Capturing

start_capture() { # start_capture NAME MAX_PACKETS
	local name=$1 max=$2
	start_bg "$NS_CLI" "$name.tcpdump" tcpdump -i "$VETH_CLI" -n -s 0 -U -Z root \
	    -c "$max" -w "$WORK/$name.pcap" 'port 53'
	TCPDUMP_PID=$LAST_PID
	wait_for "tcpdump to listen on $VETH_CLI" 10 grep -q 'listening on' "$WORK/$name.tcpdump.log"
}

stop_capture() {
	local name=$1
	sleep 1 # let the last answers arrive
	kill -0 "$TCPDUMP_PID" 2>/dev/null || die "$name: tcpdump stopped early (packet limit reached?)"
	stop_pid "$TCPDUMP_PID" INT
	TCPDUMP_PID=""
	[[ -s $WORK/$name.pcap ]] || die "$name: tcpdump wrote nothing"
}

publish_capture() {
	local name=$1
	mv -f "$WORK/$name.pcap" "$HERE/$name.pcap"
	chmod 0644 "$HERE/$name.pcap"
	log "$name: wrote $HERE/$name.pcap ($(stat -c %s "$HERE/$name.pcap") bytes)"
}

# echo_roundtrip NAME HOST PORT BYTES: send BYTES random bytes to a TCP echo service from the
# client namespace and check that exactly the same bytes came back.  The connection is never
# half-closed (dns2tcpc drops the whole session when its local client does): socat runs until
# all bytes are back, then it is stopped.
echo_roundtrip() {
	local name=$1 host=$2 port=$3 bytes=$4 pid got
	head -c "$bytes" /dev/urandom >"$WORK/$name.payload"
	: >"$WORK/$name.echoed"
	ip netns exec "$NS_CLI" socat -t 600 - "TCP:$host:$port,connect-timeout=20,shut-none" \
	    <"$WORK/$name.payload" >"$WORK/$name.echoed" 2>"$WORK/$name.socat.log" &
	pid=$!
	PIDS+=("$pid")
	wait_for "$bytes bytes echoed through $host:$port" 300 echoed_all "$WORK/$name.echoed" "$bytes" "$pid"
	got=$(stat -c %s "$WORK/$name.echoed")
	stop_pid "$pid"
	cmp -s "$WORK/$name.payload" "$WORK/$name.echoed" ||
	    die "$name: data echoed through the tunnel differs ($got of $bytes bytes back)"
	log "$name: $bytes bytes went through the tunnel and came back intact"
}

echoed_all() { # echoed_all FILE BYTES PID: all bytes back, or the client died (then stop waiting)
	[[ $(stat -c %s "$1") -ge $2 ]] && return 0
	kill -0 "$3" 2>/dev/null || die "transfer client exited early ($(stat -c %s "$1") of $2 bytes back)"
	return 1
}

# ---------------------------------------------------------------------------------------------
# Captures

capture_iodine() { # capture_iodine NAME QTYPE DOMAIN
	local name=$1 qtype=$2 domain=$3 srv_pid cli_pid echo_pid

	start_bg "$NS_SRV" "$name.iodined" iodined -f -c -l "$SRV_IP" -p 53 -d dns0 \
	    -P "$IODINE_PASSWORD" "$IODINE_NET" "$domain"
	srv_pid=$LAST_PID
	wait_for "iodined on $SRV_IP:53" 10 udp_listening "$NS_SRV" "$SRV_IP:53"
	start_bg "$NS_SRV" "$name.echo" socat "TCP-LISTEN:7001,bind=$IODINE_SRV_IP,reuseaddr,fork" EXEC:cat
	echo_pid=$LAST_PID

	start_capture "$name" "$MAX_TUNNEL_PACKETS"
	# -r: no raw UDP mode, so every byte goes through DNS queries and answers.
	start_bg "$NS_CLI" "$name.iodine" iodine -f -r -T "$qtype" -d dns0 -P "$IODINE_PASSWORD" \
	    "$SRV_IP" "$domain"
	cli_pid=$LAST_PID
	wait_for "iodine tunnel up (dns0 has an address)" 60 has_addr "$NS_CLI" dns0 '10\.99\.0\.[0-9]*'
	wait_for "echo service on the tunnel" 10 tcp_listening "$NS_SRV" "$IODINE_SRV_IP:7001"

	# Upstream data travels in query names, downstream in answers: a round trip exercises both.
	echo_roundtrip "$name" "$IODINE_SRV_IP" 7001 60000
	sleep 10 # idle keep-alive polling, as a resting tunnel does
	echo_roundtrip "$name" "$IODINE_SRV_IP" 7001 20000

	stop_pid "$cli_pid"
	stop_capture "$name"
	stop_pid "$echo_pid"
	stop_pid "$srv_pid"
	publish_capture "$name"
}

capture_dns2tcp() {
	local name=dns2tcp domain=t.dns2tcp.test srv_pid cli_pid echo_pid

	start_bg "$NS_SRV" "$name.echo" socat TCP-LISTEN:7777,bind=127.0.0.1,reuseaddr,fork EXEC:cat
	echo_pid=$LAST_PID
	cat >"$WORK/dns2tcpd.conf" <<-EOF
		listen = $SRV_IP
		port = 53
		user = nobody
		chroot = /
		domain = $domain
		key = $DNS2TCP_KEY
		resources = echo:127.0.0.1:7777
	EOF
	start_bg "$NS_SRV" "$name.dns2tcpd" dns2tcpd -F -f "$WORK/dns2tcpd.conf"
	srv_pid=$LAST_PID
	wait_for "dns2tcpd on $SRV_IP:53" 10 udp_listening "$NS_SRV" "$SRV_IP:53"
	wait_for "echo service for dns2tcp" 10 tcp_listening "$NS_SRV" 127.0.0.1:7777

	start_capture "$name" "$MAX_TUNNEL_PACKETS"
	start_bg "$NS_CLI" "$name.dns2tcpc" dns2tcpc -z "$domain" -k "$DNS2TCP_KEY" -r echo \
	    -l 2222 "$SRV_IP"
	cli_pid=$LAST_PID
	wait_for "dns2tcpc on port 2222" 10 tcp_listening "$NS_CLI" '*:2222'

	echo_roundtrip "$name" 127.0.0.1 2222 40000
	sleep 3
	echo_roundtrip "$name" 127.0.0.1 2222 12000

	stop_pid "$cli_pid"
	stop_capture "$name"
	stop_pid "$srv_pid"
	stop_pid "$echo_pid"
	publish_capture "$name"
}

# capture_short NAME PACKETS CLIENT...: only the first PACKETS packets of a tunnel session (its
# first PACKETS/2 queries and their answers), as a short-lived implant or a session cut short
# would send; the client runs until tcpdump has them, then it is stopped.
capture_short() {
	local name=$1 max=$2 cli_pid
	shift 2
	start_capture "$name" "$max"
	start_bg "$NS_CLI" "$name.client" "$@"
	cli_pid=$LAST_PID
	wait_for "$name: $max packets captured" 60 tcpdump_done
	TCPDUMP_PID=""
	stop_pid "$cli_pid"
	[[ -s $WORK/$name.pcap ]] || die "$name: tcpdump wrote nothing"
	publish_capture "$name"
}

tcpdump_done() { ! kill -0 "$TCPDUMP_PID" 2>/dev/null; }

# The first 14 queries of an iodine session (version, login, codec and fragment-size probes,
# some with raw 8-bit bytes in their labels) and of a dns2tcp one (authentication, resource
# connect, the first data): the shape of the public 12-22-query captures.
capture_iodine_short() {
	local srv_pid
	start_bg "$NS_SRV" iodine-short.iodined iodined -f -c -l "$SRV_IP" -p 53 -d dns0 \
	    -P "$IODINE_PASSWORD" "$IODINE_NET" t.iodine-short.test
	srv_pid=$LAST_PID
	wait_for "iodined on $SRV_IP:53" 10 udp_listening "$NS_SRV" "$SRV_IP:53"
	capture_short iodine-short 28 iodine -f -r -T NULL -d dns0 -P "$IODINE_PASSWORD" \
	    "$SRV_IP" t.iodine-short.test
	stop_pid "$srv_pid"
}

capture_dns2tcp_short() {
	local srv_pid echo_pid domain=t.dns2tcp-short.test
	start_bg "$NS_SRV" dns2tcp-short.echo socat TCP-LISTEN:7777,bind=127.0.0.1,reuseaddr,fork EXEC:cat
	echo_pid=$LAST_PID
	cat >"$WORK/dns2tcpd-short.conf" <<-EOF
		listen = $SRV_IP
		port = 53
		user = nobody
		chroot = /
		domain = $domain
		key = $DNS2TCP_KEY
		resources = echo:127.0.0.1:7777
	EOF
	start_bg "$NS_SRV" dns2tcp-short.dns2tcpd dns2tcpd -F -f "$WORK/dns2tcpd-short.conf"
	srv_pid=$LAST_PID
	wait_for "dns2tcpd on $SRV_IP:53" 10 udp_listening "$NS_SRV" "$SRV_IP:53"
	head -c 3000 /dev/urandom >"$WORK/dns2tcp-short.payload"
	# dns2tcpc -l -: it carries its standard input
	capture_short dns2tcp-short 28 bash -c "exec dns2tcpc -z $domain -k $DNS2TCP_KEY \
	    -r echo -l - $SRV_IP <$WORK/dns2tcp-short.payload >/dev/null"
	stop_pid "$srv_pid"
	stop_pid "$echo_pid"
}

# The benign zone: ~300 ordinary-looking registered domains, a handful of names each.
BRANDS=(acme northwind contoso fabrikam globex initech umbrella hooli vandelay wonka
	stark wayne tyrell cyberdyne soylent oceanic massive gringotts monarch aperture
	blueriver redpine greenleaf silverline goldcrest ironbridge stonegate brightwave
	clearpath swiftlane)
SECTORS=(shop bank news cloud travel media games health labs market)
TLDS=(com org net io de co.uk com.au fr nl ch)

# zone_domains: print one registered domain per line, deterministic.
zone_domains() {
	local b s i=0
	for b in "${BRANDS[@]}"; do
		for s in "${SECTORS[@]}"; do
			printf '%s-%s.%s\n' "$b" "$s" "${TLDS[$(((i * 7 + ${#b}) % ${#TLDS[@]}))]}"
			i=$((i + 1))
		done
	done
}

write_dnsmasq_conf() {
	local conf=$1 i=0 d a b v6 tld
	{
		echo "# generated by make-captures.sh: authoritative answers for a test zone, no upstream"
		echo "no-resolv"
		echo "no-hosts"
		echo "no-poll"
		echo "bind-interfaces"
		echo "listen-address=$SRV_IP"
		echo "port=53"
		echo "user=root"
		echo "cache-size=1000"
		echo "local-ttl=300"
		# Names under these suffixes that are not configured get NXDOMAIN, not REFUSED.
		for tld in "${TLDS[@]}" lan local in-addr.arpa ip6.arpa; do
			echo "local=/$tld/"
		done
		while read -r d; do
			# Addresses are documentation ranges (RFC 5737 / RFC 3849): answers only, never dialled.
			b=$(((i + 150) % 254 + 1))
			v6=$(printf '2001:db8:%x::' "$((i + 1))")
			case $((i / 254)) in
			0) a="192.0.2.$((i % 254 + 1))"; b="198.51.100.$b" ;;
			*) a="203.0.113.$((i % 254 + 1))"; b="198.51.100.$(((i % 254) / 2 + 1))" ;;
			esac
			echo "host-record=$d,www.$d,api.$d,$a,${v6}10"
			echo "host-record=mail.$d,$b"
			echo "host-record=static.$d,$a,${v6}20"
			echo "host-record=login.$d,$a,${v6}30"
			echo "host-record=m.$d,$a"
			echo "cname=cdn.$d,static.$d"
			echo "mx-host=$d,mail.$d,10"
			echo "txt-record=$d,\"v=spf1 mx a:mail.$d -all\""
			if ((i % 3 == 0)); then
				echo "txt-record=_dmarc.$d,\"v=DMARC1; p=quarantine; rua=mailto:dmarc@$d\""
				echo "srv-host=_imaps._tcp.$d,mail.$d,993,0,10"
				echo "srv-host=_submission._tcp.$d,mail.$d,587,0,10"
			fi
			if ((i % 5 == 0)); then
				echo "srv-host=_xmpp-client._tcp.$d,chat.$d,5222,5,0"
				echo "host-record=chat.$d,$b"
			fi
			i=$((i + 1))
		done < <(zone_domains)
	} >"$conf"
}

# write_query_batches DIR: dig batch files of ordinary lookups, a few dozen queries each.
write_query_batches() {
	local dir=$1
	zone_domains >"$WORK/domains.txt"
	awk -v dir="$dir" '
	BEGIN { srand(20240601) }
	{ dom[n++] = $0 }
	# Popularity is skewed as in real traffic: a few domains get most lookups.
	# Every third domain (index % 3 == 0) publishes DMARC and mail SRV records.
	function pick(   u) { u = rand(); idx = int(n * u * u * u); return dom[idx] }
	function emit(line) { print line > (dir "/batch-" sprintf("%03d", int(q / 30))); q++ }
	END {
		split("www www www www api cdn static mail m login", sub_, " ")
		split("wwww ww intranet old beta vpn autodiscover wpad", bad, " ")
		while (q < 3000) {
			d = pick(); r = rand()
			if (r < 0.70) {
				# A browser-style lookup: A and AAAA for the same name, sometimes HTTPS too.
				h = sub_[1 + int(rand() * 10)]
				name = (rand() < 0.15) ? d : h "." d
				emit(name " A"); emit(name " AAAA")
				if (rand() < 0.10) emit(name " HTTPS")
			} else if (r < 0.82) {
				emit("www." d " A")
			} else if (r < 0.86) {
				emit(d " MX")
			} else if (r < 0.89) {
				emit(d " TXT")
				if (idx % 3 == 0 && rand() < 0.5) emit("_dmarc." d " TXT")
			} else if (r < 0.91) {
				if (idx % 3 != 0 && rand() < 0.8) d = dom[3 * int(rand() * n / 3)]
				emit(((rand() < 0.5) ? "_imaps._tcp." : "_submission._tcp.") d " SRV")
			} else if (r < 0.93) {
				emit("-x 192.0.2." (1 + int(rand() * 254)))
			} else if (r < 0.955) {
				# Names that do not exist: typos and guessed hosts (NXDOMAIN).
				name = bad[1 + int(rand() * 8)] "." d
				emit(name " A"); emit(name " AAAA")
			} else if (r < 0.98) {
				emit("printer.lan A")
			} else {
				emit(sprintf("host%d.local A", int(rand() * 20)))
			}
		}
	}' "$WORK/domains.txt"
}

capture_benign() {
	local name=benign-dns srv_pid f
	write_dnsmasq_conf "$WORK/dnsmasq.conf"
	start_bg "$NS_SRV" "$name.dnsmasq" dnsmasq -k -C "$WORK/dnsmasq.conf" --pid-file="$WORK/dnsmasq.pid"
	srv_pid=$LAST_PID
	wait_for "dnsmasq on $SRV_IP:53" 10 udp_listening "$NS_SRV" "$SRV_IP:53"
	mkdir -p "$WORK/batches"
	write_query_batches "$WORK/batches"

	start_capture "$name" "$MAX_BENIGN_PACKETS"
	for f in "$WORK"/batches/batch-*; do
		ip netns exec "$NS_CLI" dig "@$SRV_IP" +tries=1 +time=2 +noall -f "$f" \
		    >>"$WORK/$name.dig.log" 2>&1 || true
		sleep "0.$((RANDOM % 3 + 1))"
	done
	stop_capture "$name"
	stop_pid "$srv_pid"
	publish_capture "$name"
}

# ---------------------------------------------------------------------------------------------

main() {
	local want=("$@") c
	((${#want[@]} > 0)) || want=(iodine-null iodine-txt dns2tcp benign-dns iodine-short dns2tcp-short)
	for c in "${want[@]}"; do
		case $c in
		iodine-null | iodine-txt | dns2tcp | benign-dns | iodine-short | dns2tcp-short) ;;
		*) die "unknown capture '$c' (iodine-null, iodine-txt, dns2tcp, benign-dns, iodine-short or dns2tcp-short)" ;;
		esac
	done
	((EUID == 0)) || die "run as root (it creates network namespaces): sudo $0"
	check_tools

	WORK=$(mktemp -d /tmp/ndrcap.XXXXXX)
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	make_namespaces

	for c in "${want[@]}"; do
		log "$c: capturing"
		case $c in
		iodine-null) capture_iodine iodine-null NULL t.iodine-null.test ;;
		iodine-txt) capture_iodine iodine-txt TXT t.iodine-txt.test ;;
		dns2tcp) capture_dns2tcp ;;
		benign-dns) capture_benign ;;
		iodine-short) capture_iodine_short ;;
		dns2tcp-short) capture_dns2tcp_short ;;
		esac
	done
	log "done"
}

main "$@"
