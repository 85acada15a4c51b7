#!/usr/bin/env bash
# make-lateral-captures.sh - regenerate the east-west test captures in this directory with real
# tools (nmap, hydra, OpenSSH, openssl, stunnel4, curl, scp, dnsmasq).
#
# Five hosts on one Linux bridge, all in network namespaces this script creates; nothing leaves
# them.  A "switch" namespace holds the bridge ndrlat-br; each host namespace has one veth whose
# other end is a bridge port.  Offloads (checksum, TSO, GSO, GRO) are off on every veth so the
# capture shows the frames as a wire would.  One tcpdump on the bridge (promiscuous, so it sees
# forwarded frames) writes each capture to a temporary directory; it is moved into place only when
# its run succeeded, so a failed run leaves the previous capture untouched.
#
#   10.77.0.11  ws1      admin workstation / attacker
#   10.77.0.12  srv      server: sshd, openssl s_server, stunnel, http.server, dnsmasq
#   10.77.0.13  ws3      beacon client
#   10.77.0.14  ws4      SSH-over-TLS client
#   10.77.0.15  ws5      ordinary workstation
#
# Usage: sudo tests/captures/make-lateral-captures.sh [capture ...]
#        capture: nmap-connect-scan hydra-ssh tls-beacon ssh-over-tls benign-eastwest new-admin-path
#        beacon-5s beacon-300s kerberos-spray benign-background (default: all; beacon-300s and
#        benign-background are written to generated/, not committed: see README.md).  SSH_TUNNEL_SECONDS (default 660) sets the length of the
#        interactive session in ssh-over-tls; BEACON_COUNT (default 240) the beacon's callbacks.
#
# Needs (Debian packages): iproute2 ethtool tcpdump nmap hydra openssh-server openssh-client
# openssl stunnel4 curl dnsmasq bind9-dnsutils python3 krb5-kdc krb5-admin-server krb5-user
# bsdutils (scripts/deps.sh captures installs them).  It installs nothing; it says what is
# missing.
#
# Time compression (see retime_connections): tls-beacon's client calls every 0.5 s +- 10 % of
# real time; afterwards the gaps between connection starts are multiplied by 120 so the period
# reads 60 s +- 10 % over 4 h, while the packets inside each connection keep their real spacing.
# beacon-5s is stretched x10, beacon-300s x600, benign-background x25.  The others are real time.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

PFX=ndrlat
NS_SW=$PFX-sw
BRIDGE=$PFX-br
HOSTS=(ws1 srv ws3 ws4 ws5)
declare -A IP=([ws1]=10.77.0.11 [srv]=10.77.0.12 [ws3]=10.77.0.13 [ws4]=10.77.0.14
	       [ws5]=10.77.0.15)
SRV=${IP[srv]}

SSH_TUNNEL_SECONDS=${SSH_TUNNEL_SECONDS:-660}
BEACON_COUNT=${BEACON_COUNT:-240}
BEACON_STRETCH=120
BEACON5_COUNT=${BEACON5_COUNT:-80}
MAX_PACKETS=${MAX_PACKETS:-40000}  # safety net for capture size (< 5 MB)

WORK=""
PIDS=()
TCPDUMP_PID=""

log() { printf 'make-lateral-captures: %s %s\n' "$(date +%T)" "$*"; }
die() { printf 'make-lateral-captures: error: %s\n' "$*" >&2; exit 1; }

ns() { echo "$PFX-$1"; }
in_ns() { local h=$1; shift; ip netns exec "$(ns "$h")" "$@"; }

# ---------------------------------------------------------------------------------------------
# Set-up and tear-down

all_namespaces() {
	local h
	echo "$NS_SW"
	for h in "${HOSTS[@]}"; do ns "$h"; done
}

delete_namespaces() {
	local n pid
	for n in $(all_namespaces); do
		ip netns list 2>/dev/null | grep -qw "^$n" || continue
		for pid in $(ip netns pids "$n" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null || true; done
		sleep 0.3
		for pid in $(ip netns pids "$n" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
		ip netns del "$n" || log "warning: could not delete namespace $n"
	done
}

cleanup() {
	local rc=$? i
	trap - EXIT INT TERM
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill -TERM "${PIDS[$i]}" 2>/dev/null || true; done
	[ -n "$TCPDUMP_PID" ] && kill -TERM "$TCPDUMP_PID" 2>/dev/null || true
	delete_namespaces
	[ -n "$WORK" ] && rm -rf "$WORK"
	exit "$rc"
}

check_tools() {
	local missing=() pair tool pkg
	for pair in ip:iproute2 ethtool:ethtool tcpdump:tcpdump nmap:nmap hydra:hydra \
		    /usr/sbin/sshd:openssh-server ssh:openssh-client scp:openssh-client \
		    ssh-keygen:openssh-client openssl:openssl stunnel4:stunnel4 curl:curl \
		    /usr/sbin/dnsmasq:dnsmasq dig:bind9-dnsutils python3:python3 \
		    krb5kdc:krb5-kdc kdb5_util:krb5-kdc kadmin.local:krb5-admin-server kinit:krb5-user \
		    logger:bsdutils; do
		tool=${pair%%:*}
		pkg=${pair#*:}
		command -v "$tool" >/dev/null 2>&1 || missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] || die "missing tools; install: apt-get install $(printf '%s\n' \
		"${missing[@]}" | sort -u | tr '\n' ' ')"
	[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces)"
}

make_network() {
	local h i=0 v
	delete_namespaces
	ip netns add "$NS_SW"
	ip -n "$NS_SW" link add "$BRIDGE" type bridge
	ip -n "$NS_SW" link set "$BRIDGE" up
	ip -n "$NS_SW" link set lo up
	for h in "${HOSTS[@]}"; do
		i=$((i + 1))
		v=$PFX-p$i
		ip netns add "$(ns "$h")"
		ip link add "$v" netns "$NS_SW" type veth peer name eth0 netns "$(ns "$h")"
		ip -n "$NS_SW" link set "$v" master "$BRIDGE" up
		ip -n "$(ns "$h")" addr add "${IP[$h]}/24" dev eth0
		ip -n "$(ns "$h")" link set eth0 up
		ip -n "$(ns "$h")" link set lo up
		# IPv4 only: no router solicitations or MLD reports in the captures
		in_ns "$h" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1
		ip netns exec "$NS_SW" ethtool -K "$v" tx off rx off tso off gso off gro off >/dev/null
		in_ns "$h" ethtool -K eth0 tx off rx off tso off gso off gro off >/dev/null
	done
	ip netns exec "$NS_SW" ethtool -K "$BRIDGE" tx off rx off tso off gso off gro off \
		>/dev/null 2>&1 || true
}

# ---------------------------------------------------------------------------------------------
# Servers (each started in the foreground of a background job, tracked by pid)

bg() { # bg HOST COMMAND...: a server in HOST's namespace, tracked by pid
	local h=$1
	shift
	ip netns exec "$(ns "$h")" "$@" &
	PIDS+=($!)
}

wait_port() { # wait_port HOST PORT: until something listens there (10 s)
	local i
	for i in $(seq 50); do
		in_ns "$1" bash -c "exec 3<>/dev/tcp/127.0.0.1/$2" 2>/dev/null && return 0
		sleep 0.2
	done
	die "nothing listens on $1:$2"
}

make_keys() {
	mkdir -p "$WORK/ssh" /run/sshd
	ssh-keygen -q -t ed25519 -N '' -f "$WORK/ssh/host_ed25519" -C ndr-capture-host
	ssh-keygen -q -t ed25519 -N '' -f "$WORK/ssh/admin_ed25519" -C ndr-capture-admin
	cp "$WORK/ssh/admin_ed25519.pub" "$WORK/ssh/authorized_keys"
	chmod 600 "$WORK/ssh/authorized_keys"
	cat >"$WORK/ssh/sshd_config" <<-EOF
		Port 22
		ListenAddress 0.0.0.0
		HostKey $WORK/ssh/host_ed25519
		PidFile $WORK/ssh/sshd.pid
		AuthorizedKeysFile $WORK/ssh/authorized_keys
		StrictModes no
		PermitRootLogin yes
		PasswordAuthentication yes
		KbdInteractiveAuthentication no
		UsePAM no
		MaxAuthTries 6
		MaxStartups 50:30:100
		UseDNS no
		PrintMotd no
		Subsystem sftp internal-sftp
	EOF
	cat >"$WORK/ssh/client_config" <<-EOF
		Host *
		    IdentityFile $WORK/ssh/admin_ed25519
		    IdentitiesOnly yes
		    User root
		    StrictHostKeyChecking no
		    UserKnownHostsFile /dev/null
		    LogLevel ERROR
		    BatchMode yes
	EOF
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=srv.corp.test" \
		-keyout "$WORK/tls.key" -out "$WORK/tls.crt" 2>/dev/null
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=srv.corp.test" -keyout "$WORK/tls-ec.key" -out "$WORK/tls-ec.crt" 2>/dev/null
}

start_sshd() {
	bg srv /usr/sbin/sshd -D -e -f "$WORK/ssh/sshd_config" 2>>"$WORK/sshd.log"
	wait_port srv 22
}

# ---------------------------------------------------------------------------------------------
# Capture

start_capture() { # start_capture FILE SNAPLEN
	in_ns_sw_tcpdump "$1" "$2" &
	TCPDUMP_PID=$!
	sleep 1.5
}

in_ns_sw_tcpdump() {
	exec ip netns exec "$NS_SW" tcpdump -q -n -i "$BRIDGE" -s "$2" -c "$MAX_PACKETS" \
		-w "$1" 'ip or ip6' 2>>"$WORK/tcpdump.log"
}

stop_capture() {
	sleep 3   # the last FIN/ACKs
	kill -INT "$TCPDUMP_PID" 2>/dev/null || true
	wait "$TCPDUMP_PID" 2>/dev/null || true
	TCPDUMP_PID=""
}

stop_servers() {
	local i
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill -TERM "${PIDS[$i]}" 2>/dev/null || true; done
	for i in "${PIDS[@]}"; do wait "$i" 2>/dev/null || true; done
	PIDS=()
	# anything a server left behind in a host namespace (sshd session children, stunnel)
	local h pid
	for h in "${HOSTS[@]}"; do
		for pid in $(ip netns pids "$(ns "$h")" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null || true; done
	done
	sleep 0.5
}

install_capture() { # install_capture NAME: move WORK/NAME.pcap into tests/captures
	local f=$WORK/$1.pcap size
	[ -s "$f" ] || die "$1: empty capture"
	size=$(stat -c %s "$f")
	[ "$size" -lt 5000000 ] || die "$1: capture is $size bytes (limit 5 MB)"
	mv "$f" "$HERE/$1.pcap"
	log "$1.pcap: $size bytes, $(tcpdump -r "$HERE/$1.pcap" 2>/dev/null | wc -l) packets"
}

# ---------------------------------------------------------------------------------------------
# Scenarios

# nmap connect scan of 1000 ports on srv, then a ping sweep (ICMP echo/timestamp and TCP probes,
# --send-ip so the probes are IP packets and not ARP) and a one-port connect sweep across the
# other hosts.  srv has sshd and a web server listening, so a few ports answer.
capture_nmap_connect_scan() {
	start_sshd
	bg srv python3 -m http.server -b 0.0.0.0 80 >/dev/null 2>&1
	wait_port srv 80
	start_capture "$WORK/nmap-connect-scan.pcap" 256
	in_ns ws1 nmap -n -Pn -sT -p 1-1000 -T4 "$SRV" >"$WORK/nmap.log"
	in_ns ws1 nmap -n -sn --send-ip 10.77.0.12-15 >>"$WORK/nmap.log"
	in_ns ws1 nmap -n -Pn -sT -p 445 10.77.0.12-15 >>"$WORK/nmap.log"
	stop_capture
	stop_servers
	grep -q "22/tcp *open" "$WORK/nmap.log" || die "nmap-connect-scan: nmap did not find sshd"
	install_capture nmap-connect-scan
}

# hydra against sshd with password authentication: 240 wrong passwords for root, 8 tasks.
# OpenSSH lets a client try MaxAuthTries (6) passwords per connection and hydra uses them all, so
# 240 guesses were 53 TCP sessions (60 guesses were only 14).
capture_hydra_ssh() {
	local i
	start_sshd
	for i in $(seq 1 240); do echo "Winter$((2000 + i))!"; done >"$WORK/words.txt"
	start_capture "$WORK/hydra-ssh.pcap" 256
	in_ns ws1 hydra -I -t 8 -l root -P "$WORK/words.txt" "ssh://$SRV" >"$WORK/hydra.log" 2>&1 ||
		true   # hydra exits 0 or 255 when no password was found; the log says what happened
	stop_capture
	stop_servers
	grep -q "of 1 target completed, 0 valid password" "$WORK/hydra.log" ||
		die "hydra-ssh: hydra did not finish its wordlist: $(tail -3 "$WORK/hydra.log")"
	install_capture hydra-ssh
}

# Rewrites timestamps of a capture so that the gap between consecutive connection starts is
# multiplied by STRETCH; each packet moves with its own connection, so timing inside a
# connection is unchanged.  A connection is a TCP one from its SYN (keyed by both endpoints), or
# a UDP/ICMP exchange: packets between the same endpoints with no pause over 0.5 s of real time
# (a DNS lookup, an NTP poll, a syslog message).  Anything else moves with the last start.
retime_connections() { # retime_connections IN OUT STRETCH
	python3 - "$1" "$2" "$3" <<-'EOF'
		import struct, sys
		src, dst, stretch = sys.argv[1], sys.argv[2], float(sys.argv[3])
		data = open(src, 'rb').read()
		magic = data[:4]
		if magic not in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
		    sys.exit('retime: %s: not a little-endian pcap file' % src)
		scale = 1e9 if magic == b'\x4d\x3c\xb2\xa1' else 1e6
		recs, off = [], 24
		while off + 16 <= len(data):
		    sec, frac, incl, orig = struct.unpack_from('<IIII', data, off)
		    recs.append([sec + frac / scale, data[off + 8:off + 16 + incl]])
		    off += 16 + incl
		def conn(frame):  # (key, starts a TCP connection) of an IPv4 frame on Ethernet, or None
		    ip = 8 + 14
		    if frame[20:22] != b'\x08\x00' or len(frame) < ip + 20:
		        return None
		    proto = frame[ip + 9]
		    a, b = frame[ip + 12:ip + 16], frame[ip + 16:ip + 20]
		    ihl = (frame[ip] & 15) * 4
		    l4 = ip + ihl
		    sport = dport = 0
		    if proto in (6, 17) and len(frame) >= l4 + 4:
		        sport, dport = struct.unpack_from('>HH', frame, l4)
		    key = (proto,) + tuple(sorted([(a, sport), (b, dport)]))
		    syn = proto == 6 and len(frame) > l4 + 13 and frame[l4 + 13] & 0x12 == 0x02
		    return key, syn
		first = recs[0][0]
		shift, last_seen, prev_old, prev_new = {}, {}, None, None
		for r in recs:
		    c = conn(r[1])
		    key = c[0] if c else None
		    new_conn = c is not None and (
		        c[1] if key[0] == 6 else
		        key not in last_seen or r[0] - last_seen[key] > 0.5)
		    if c is not None and key[0] == 6 and key not in shift:
		        new_conn = True   # a TCP flow whose SYN came before the capture
		    if new_conn:
		        new = first if prev_old is None else prev_new + (r[0] - prev_old) * stretch
		        shift[key] = new - r[0]
		        prev_old, prev_new = r[0], new
		    if key is not None:
		        last_seen[key] = r[0]
		    r[0] += shift.get(key, (prev_new - prev_old) if prev_old is not None else 0)
		recs.sort(key=lambda r: r[0])
		with open(dst, 'wb') as out:
		    out.write(data[:4].replace(b'\x4d\x3c', b'\xd4\xc3') + data[4:24])
		    for t, rest in recs:
		        sec = int(t)
		        out.write(struct.pack('<II', sec, int(round((t - sec) * 1e6)) % 1000000))
		        out.write(rest)
	EOF
}

# ws3 fetches https://srv/ every 0.5 s +- 10 % (uniform), BEACON_COUNT times; then the gaps
# are stretched x120 (60 s +- 10 %, 4 h for 240 callbacks).
capture_tls_beacon() {
	bg srv openssl s_server -quiet -www -accept 443 -cert "$WORK/tls.crt" \
		-key "$WORK/tls.key"
	wait_port srv 443
	start_capture "$WORK/tls-beacon-real.pcap" 256
	in_ns ws3 python3 - "$SRV" "$BEACON_COUNT" <<-'EOF'
		import random, subprocess, sys, time
		random.seed(5)
		for i in range(int(sys.argv[2])):
		    subprocess.run(['curl', '-sk', '-o', '/dev/null', '--max-time', '5',
		                    'https://%s/' % sys.argv[1]], check=True)
		    time.sleep(0.5 * random.uniform(0.9, 1.1))
	EOF
	stop_capture
	stop_servers
	retime_connections "$WORK/tls-beacon-real.pcap" "$WORK/tls-beacon.pcap" "$BEACON_STRETCH"
	install_capture tls-beacon
}

# An HTTPS server for the beacons: openssl s_server -WWW (one small file, so a check-in is a
# handshake and a few hundred bytes) with an EC certificate (a short chain in the handshake).
start_small_https() {
	mkdir -p "$WORK/tlsroot"
	printf 'ok\n' >"$WORK/tlsroot/c"
	head -c 2000 /dev/urandom | base64 >"$WORK/tlsroot/page.html"
	bg srv bash -c "cd '$WORK/tlsroot' && exec openssl s_server -quiet -WWW -accept 443 \
		-cert '$WORK/tls-ec.crt' -key '$WORK/tls-ec.key'"
	wait_port srv 443
}

# beacon HOST COUNT PERIOD JITTER SEED: curl https://srv/c COUNT times, sleeping PERIOD * (1 +-
# JITTER) (uniform) of real time after each.
beacon() {
	in_ns "$1" python3 - "$SRV" "$2" "$3" "$4" "$5" <<-'EOF'
		import random, subprocess, sys, time
		srv, count, period, jitter = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
		random.seed(int(sys.argv[5]))
		for i in range(count):
		    subprocess.run(['curl', '-sk', '-o', '/dev/null', '--max-time', '5',
		                    'https://%s/c' % srv], check=True)
		    time.sleep(period * random.uniform(1 - jitter, 1 + jitter))
	EOF
}

# browse HOST SECONDS SEED URL...: a person reading pages for SECONDS of real time: a burst of
# 1-4 fetches 0.05-0.3 s apart, then a pause (exponential, mean 2.5 s; one in ten a long one).
browse() {
	local h=$1 secs=$2 seed=$3
	shift 3
	in_ns "$h" python3 - "$secs" "$seed" "$@" <<-'EOF'
		import random, subprocess, sys, time
		end = time.time() + float(sys.argv[1])
		random.seed(int(sys.argv[2]))
		urls = sys.argv[3:]
		while time.time() < end:
		    for _ in range(random.randint(1, 4)):
		        subprocess.run(['curl', '-sk', '-o', '/dev/null', '--max-time', '5',
		                        random.choice(urls)])
		        time.sleep(random.uniform(0.05, 0.3))
		    time.sleep(random.expovariate(1 / 2.5) * (4 if random.random() < 0.1 else 1))
	EOF
}

# ws3 calls https://srv/c every 0.5 s +- 20 % (uniform) of real time, BEACON5_COUNT (80) times,
# while ws5 browses the same server as a person does; gaps between connection starts are then
# stretched x10: a 5 s +- 20 % beacon next to human browsing, 80 check-ins in about 7 minutes.
capture_beacon_5s() {
	start_small_https
	start_capture "$WORK/beacon-5s-real.pcap" 96
	browse ws5 45 11 "https://$SRV/page.html" "https://$SRV/c" &
	local human=$!
	beacon ws3 "$BEACON5_COUNT" 0.5 0.2 7
	wait "$human" || die "beacon-5s: the browsing client failed"
	stop_capture
	stop_servers
	retime_connections "$WORK/beacon-5s-real.pcap" "$WORK/beacon-5s.pcap" 10
	install_capture beacon-5s
}

# A slow beacon: ws4 every 0.5 s +- 20 % of real time, 45 times, stretched x600: 300 s +- 20 %
# over 3.7 hours of packet time.
capture_beacon_300s() {
	start_small_https
	start_capture "$WORK/beacon-300s-real.pcap" 96
	beacon ws4 45 0.5 0.2 9
	stop_capture
	stop_servers
	retime_connections "$WORK/beacon-300s-real.pcap" "$WORK/beacon-300s.pcap" 600
	# generated, not committed (3.7 hours of packet time for one slow beacon)
	mkdir -p "$HERE/generated"
	mv "$WORK/beacon-300s.pcap" "$HERE/generated/beacon-300s.pcap"
	log "generated/beacon-300s.pcap: $(stat -c %s "$HERE/generated/beacon-300s.pcap") bytes"
}

# An MIT Kerberos KDC (krb5kdc) for CORP.TEST on srv, every principal requiring
# pre-authentication, as Active Directory does.  KRB5_CONFIG / KRB5_KDC_PROFILE point every
# Kerberos program of this script at WORK/krb; nothing under /etc is touched.
KRB_USERS=(alice bob carol dave erin frank grace heidi ivan judy mallory niaj olivia peggy
	   rupert sybil trent victor walter yvonne)
start_kdc() {
	local u
	mkdir -p "$WORK/krb"
	cat >"$WORK/krb/krb5.conf" <<-EOF
		[libdefaults]
		    default_realm = CORP.TEST
		    dns_lookup_kdc = false
		    dns_lookup_realm = false
		    rdns = false
		[realms]
		    CORP.TEST = {
		        kdc = $SRV:88
		    }
	EOF
	cat >"$WORK/krb/kdc.conf" <<-EOF
		[kdcdefaults]
		    kdc_ports = 88
		    kdc_tcp_ports = 88
		[realms]
		    CORP.TEST = {
		        database_name = $WORK/krb/principal
		        key_stash_file = $WORK/krb/stash
		        acl_file = $WORK/krb/kadm5.acl
		        default_principal_flags = +preauth
		    }
		[logging]
		    kdc = FILE:$WORK/krb/kdc.log
	EOF
	: >"$WORK/krb/kadm5.acl"
	export KRB5_CONFIG=$WORK/krb/krb5.conf KRB5_KDC_PROFILE=$WORK/krb/kdc.conf
	kdb5_util create -s -r CORP.TEST -P "ndr-master-$$" >/dev/null 2>&1 ||
		die "kdb5_util create failed"
	for u in "${KRB_USERS[@]}"; do
		# erin uses the season's password the spray tries; everyone else a good one
		kadmin.local -r CORP.TEST -q "addprinc -pw $([ "$u" = erin ] && echo 'Spring2024!' ||
			echo "Tr0ub4dor-$u-9") $u" >/dev/null 2>&1 || die "kadmin.local: addprinc $u failed"
	done
	bg srv krb5kdc -n -r CORP.TEST
	sleep 1
}

# kinit PASSWORD HOST USER: one AS exchange from HOST (two, with pre-authentication); true when
# the password was right.
krb_kinit() {
	printf '%s\n' "$1" | in_ns "$2" env KRB5CCNAME="FILE:$WORK/krb/cc-$2-$3" kinit "$3@CORP.TEST" \
		>/dev/null 2>&1
}

# kerbrute's password spray, with MIT kinit: ws1 tries one password ("Spring2024!") for 20
# users as fast as kinit starts, one of them right.  Around it ordinary logons: ws5 and ws4 get
# tickets with their right passwords a few times, one user mistypes once.
capture_kerberos_spray() {
	local u ok=0
	start_kdc
	start_capture "$WORK/kerberos-spray.pcap" 256
	krb_kinit 'Tr0ub4dor-alice-9' ws5 alice || die "kerberos-spray: alice's logon failed"
	sleep 2
	krb_kinit 'Tr0ub4dor-bob-8' ws4 bob && die "kerberos-spray: a wrong password was accepted"
	sleep 1
	krb_kinit 'Tr0ub4dor-bob-9' ws4 bob || die "kerberos-spray: bob's logon failed"
	sleep 3
	for u in "${KRB_USERS[@]}"; do
		if krb_kinit 'Spring2024!' ws1 "$u"; then ok=$((ok + 1)); fi
	done
	[ "$ok" -eq 1 ] || die "kerberos-spray: $ok users took the sprayed password, expected 1"
	sleep 3
	krb_kinit 'Tr0ub4dor-carol-9' ws5 carol || die "kerberos-spray: carol's logon failed"
	stop_capture
	stop_servers
	install_capture kerberos-spray
}

# A benign background of ~3.3 h of packet time (8 minutes of real time stretched x25; see
# retime_connections), for make eval's alerts per benign hour.  Not committed (a few MB): made
# into tests/captures/generated/.  30 web sites (addresses 10.77.0.100-129 on srv, HTTP and
# HTTPS) browsed by ws3 and ws5 as people do, with lookups through dnsmasq; a software updater
# on ws4 checking https://10.77.0.100/update every hour of packet time; a monitoring server (ws1)
# polling srv's exporter on port 9100 every 15 s and logging in with SSH now and then; NTP polls
# (SNTP client and server in python: 48-byte mode 3/4 datagrams) from three hosts every 64 s;
# ws5 sending syslog (util-linux logger) to 25 collectors; a file copied between workstations.
capture_benign_background() {
	local i secs=${BENIGN_SECONDS:-480} sites=() stretch=25
	start_sshd
	for i in $(seq 100 129); do
		ip -n "$(ns srv)" addr add "10.77.0.$i/24" dev eth0
		sites+=("http://10.77.0.$i:8080/p$((i % 20 + 1)).html" "https://10.77.0.$i/page.html")
	done
	mkdir -p "$WORK/www" "$WORK/metrics"
	for i in $(seq 1 20); do head -c $((i * 700)) /dev/urandom | base64 >"$WORK/www/p$i.html"; done
	echo 'node_load1 0.1' >"$WORK/metrics/metrics"
	bg srv python3 -m http.server -b 0.0.0.0 -d "$WORK/www" 8080 >/dev/null 2>&1
	bg srv python3 -m http.server -b 0.0.0.0 -d "$WORK/metrics" 9100 >/dev/null 2>&1
	start_small_https
	bg srv /usr/sbin/dnsmasq -k -C /dev/null -p 53 --no-resolv --no-hosts \
		--listen-address="$SRV" --bind-interfaces --address=/corp.test/"$SRV"
	bg srv python3 -c '
import socket, struct, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 123))
while True:
    q, a = s.recvfrom(512)
    t = time.time() + 2208988800
    s.sendto(bytes([0x24, 2, q[2], 0xe9]) + bytes(36) + struct.pack(">II", int(t), 0), a)
'
	bg srv python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 514))
while True: s.recvfrom(65535)
'
	bg ws3 python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 9000)); s.listen(1)
while True:
    c, _ = s.accept()
    while c.recv(65536): pass
    c.close()
'
	wait_port srv 8080
	wait_port srv 9100
	wait_port ws3 9000
	start_capture "$WORK/benign-background-real.pcap" 96
	local jobs=()
	browse ws3 "$secs" 3 "${sites[@]}" & jobs+=($!)
	browse ws5 "$secs" 5 "${sites[@]}" & jobs+=($!)
	for h in ws3 ws5; do
		in_ns "$h" bash -c "end=\$((SECONDS + $secs)); while [ \$SECONDS -lt \$end ]; do
			dig +short +time=2 +tries=1 @$SRV site\$((RANDOM % 30)).corp.test >/dev/null
			sleep \$((RANDOM % 6 + 1)).\$((RANDOM % 1000)); done" & jobs+=($!)
	done
	in_ns ws4 bash -c "end=\$((SECONDS + $secs)); while [ \$SECONDS -lt \$end ]; do
		curl -sk -o /dev/null --max-time 5 https://10.77.0.100/c; sleep $((3600 / stretch)); done" &
	jobs+=($!)
	in_ns ws1 bash -c "end=\$((SECONDS + $secs)); while [ \$SECONDS -lt \$end ]; do
		curl -s -o /dev/null --max-time 2 http://$SRV:9100/metrics; sleep 0.6; done" & jobs+=($!)
	for h in ws3 ws4 ws5; do
		in_ns "$h" python3 - "$SRV" "$secs" "$((64 / stretch)).56" <<-'EOF' & jobs+=($!)
			import socket, sys, time
			srv, end, period = sys.argv[1], time.time() + float(sys.argv[2]), float(sys.argv[3])
			while time.time() < end:
			    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
			    s.sendto(bytes([0x23]) + bytes(47), (srv, 123))
			    try: s.recvfrom(512)
			    except OSError: pass
			    s.close()
			    time.sleep(period)
		EOF
	done
	in_ns ws5 bash -c "end=\$((SECONDS + $secs)); while [ \$SECONDS -lt \$end ]; do
		for i in \$(seq 100 124); do logger --udp --server 10.77.0.\$i --port 514 \
			-t app \"event \$RANDOM\"; done; sleep \$((RANDOM % 4 + 1)).\$((RANDOM % 1000)); done" \
		& jobs+=($!)
	(
		local ssh=(ssh -F "$WORK/ssh/client_config") n
		for n in 1 2 3 4; do
			sleep $((secs / 5))
			in_ns ws1 "${ssh[@]}" "$SRV" 'uptime; df -h' >/dev/null
		done
		in_ns ws5 bash -c "head -c 3000000 /dev/urandom >/dev/tcp/${IP[ws3]}/9000"
	) & jobs+=($!)
	for i in "${jobs[@]}"; do wait "$i" || die "benign-background: a client failed"; done
	stop_capture
	stop_servers
	retime_connections "$WORK/benign-background-real.pcap" "$WORK/benign-background.pcap" \
		"$stretch"
	mkdir -p "$HERE/generated"
	mv "$WORK/benign-background.pcap" "$HERE/generated/benign-background.pcap"
	log "generated/benign-background.pcap: $(stat -c %s "$HERE/generated/benign-background.pcap") bytes"
}

# An interactive SSH session inside one TLS session: stunnel4 client on ws4 (127.0.0.1:2222) ->
# srv:443 stunnel4 server -> srv's sshd on 127.0.0.1:22 (loopback, not on the bridge).  A typist
# sends commands one character at a time, 80-300 ms apart, with 2-8 s pauses to read the output,
# for SSH_TUNNEL_SECONDS of real time.
capture_ssh_over_tls() {
	start_sshd
	cat >"$WORK/stunnel-srv.conf" <<-EOF
		foreground = yes
		pid =
		[ssh-tls]
		accept = 0.0.0.0:443
		connect = 127.0.0.1:22
		cert = $WORK/tls.crt
		key = $WORK/tls.key
	EOF
	cat >"$WORK/stunnel-cli.conf" <<-EOF
		foreground = yes
		pid =
		[ssh-tls]
		client = yes
		accept = 127.0.0.1:2222
		connect = $SRV:443
	EOF
	bg srv stunnel4 "$WORK/stunnel-srv.conf" 2>>"$WORK/stunnel.log"
	bg ws4 stunnel4 "$WORK/stunnel-cli.conf" 2>>"$WORK/stunnel.log"
	wait_port srv 443
	wait_port ws4 2222
	start_capture "$WORK/ssh-over-tls.pcap" 0
	in_ns ws4 python3 - "$SSH_TUNNEL_SECONDS" <<-'EOF' |
		import random, sys, time
		random.seed(7)
		cmds = ['uptime', 'id', 'ls -la /etc | head -20', 'cat /etc/hostname',
		        'ps aux | head -15', 'df -h', 'ip addr', 'cat /etc/os-release',
		        'ls /var/log', 'free -m', 'who', 'date', 'uname -a', 'ls -l /tmp']
		end = time.time() + float(sys.argv[1])
		time.sleep(3)
		while time.time() < end:
		    for ch in random.choice(cmds) + '\n':
		        sys.stdout.write(ch)
		        sys.stdout.flush()
		        time.sleep(random.uniform(0.08, 0.3))
		    time.sleep(random.uniform(2, 8))
		sys.stdout.write('exit\n')
		sys.stdout.flush()
		time.sleep(2)
	EOF
		in_ns ws4 ssh -F "$WORK/ssh/client_config" -tt -p 2222 127.0.0.1 >"$WORK/ssh-session.log" 2>&1
	stop_capture
	stop_servers
	grep -q "Linux" "$WORK/ssh-session.log" || die "ssh-over-tls: the session did not run"
	install_capture ssh-over-tls
}

# Ordinary east-west traffic for about 3 minutes, at irregular times: the admin on ws1 logs in to
# srv by SSH four times and copies a 3 MB file from it with scp; ws3, ws4, ws5 fetch pages from
# srv's web server and resolve names through srv's dnsmasq; ws5 sends a 2 MB file to ws3 over
# plain TCP (socat-free: bash /dev/tcp into a python listener).  Snap length 256: the card reads
# headers only, the DNS answers here fit.
capture_benign_eastwest() {
	start_sshd
	mkdir -p "$WORK/www"
	head -c 3000000 /dev/urandom >"$WORK/www/backup.tar"
	for i in $(seq 1 20); do echo "<html><body>page $i</body></html>" >"$WORK/www/p$i.html"; done
	bg srv python3 -m http.server -b 0.0.0.0 -d "$WORK/www" 8080 >/dev/null 2>&1
	bg srv /usr/sbin/dnsmasq -k -C /dev/null -p 53 --no-resolv --no-hosts \
		--listen-address="$SRV" --bind-interfaces \
		--address=/srv.corp.test/"$SRV" --address=/files.corp.test/"$SRV" \
		--address=/wiki.corp.test/"$SRV" --address=/ws3.corp.test/"${IP[ws3]}"
	bg ws3 python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 9000)); s.listen(1)
while True:
    c, _ = s.accept()
    while c.recv(65536): pass
    c.close()
'
	wait_port srv 8080
	wait_port ws3 9000
	start_capture "$WORK/benign-eastwest.pcap" 256
	local ssh=(ssh -F "$WORK/ssh/client_config")
	(   # the admin
		sleep 5;  in_ns ws1 "${ssh[@]}" "$SRV" uptime >/dev/null
		sleep 37; in_ns ws1 "${ssh[@]}" "$SRV" 'df -h; free -m' >/dev/null
		sleep 21; in_ns ws1 scp -q -F "$WORK/ssh/client_config" "$SRV:$WORK/www/backup.tar" \
			"$WORK/copy.tar"
		sleep 48; in_ns ws1 "${ssh[@]}" "$SRV" 'ls /var/log' >/dev/null
		sleep 29; in_ns ws1 "${ssh[@]}" "$SRV" 'who' >/dev/null
	) &
	local admin=$!
	(   # ws5 copies a file to ws3
		sleep 70
		in_ns ws5 bash -c "head -c 2000000 /dev/zero >/dev/tcp/${IP[ws3]}/9000"
	) &
	local copy=$!
	for h in ws3 ws4 ws5; do
		in_ns "$h" python3 - "$SRV" "$h" <<-'EOF' &
			import random, subprocess, sys, time
			srv, me = sys.argv[1], sys.argv[2]
			random.seed(me)
			end = time.time() + 150
			while time.time() < end:
			    name = random.choice(['srv', 'files', 'wiki', 'ws3'])
			    subprocess.run(['dig', '+short', '+time=2', '+tries=1', '@' + srv,
			                    name + '.corp.test'], stdout=subprocess.DEVNULL)
			    for _ in range(random.randint(1, 4)):
			        subprocess.run(['curl', '-s', '-o', '/dev/null', '--max-time', '5',
			                        'http://%s:8080/p%d.html' % (srv, random.randint(1, 20))])
			        time.sleep(random.uniform(0.2, 2))
			    time.sleep(random.expovariate(1 / 12.0))
		EOF
		PIDS+=($!)
	done
	wait "$admin" || die "benign-eastwest: an admin session failed"
	wait "$copy" || die "benign-eastwest: the file copy failed"
	for h in "${PIDS[@]: -3}"; do wait "$h" || true; done
	stop_capture
	stop_servers
	cmp -s "$WORK/www/backup.tar" "$WORK/copy.tar" || die "benign-eastwest: scp copy differs"
	install_capture benign-eastwest
}

# An admin (ws1) logs in to srv over SSH every ten seconds; a minute later a workstation that
# never administered anything (ws4) logs in to srv too, and the admin carries on. With a
# learning period of a minute (lateral.conf) ws1->srv is the learned path and ws4->srv is new.
capture_new_admin_path() {
	start_sshd
	start_capture "$WORK/new-admin-path.pcap" 256
	local ssh=(ssh -F "$WORK/ssh/client_config") i
	for i in 1 2 3 4 5; do
		in_ns ws1 "${ssh[@]}" "$SRV" uptime >/dev/null || die "new-admin-path: admin login failed"
		sleep 10
	done
	sleep 25
	in_ns ws4 "${ssh[@]}" "$SRV" 'id; hostname' >/dev/null || die "new-admin-path: ws4 login failed"
	sleep 5
	in_ns ws1 "${ssh[@]}" "$SRV" uptime >/dev/null || die "new-admin-path: admin login failed"
	stop_capture
	stop_servers
	install_capture new-admin-path
}

# ---------------------------------------------------------------------------------------------

main() {
	local all=(nmap-connect-scan hydra-ssh tls-beacon ssh-over-tls benign-eastwest new-admin-path
		   beacon-5s beacon-300s kerberos-spray benign-background) c
	local want=("$@")
	[ ${#want[@]} -gt 0 ] || want=("${all[@]}")
	for c in "${want[@]}"; do
		[[ " ${all[*]} " == *" $c "* ]] || die "unknown capture '$c' (one of: ${all[*]})"
	done
	check_tools
	trap cleanup EXIT INT TERM
	WORK=$(mktemp -d /tmp/ndr-lateral.XXXXXX)
	chmod 755 "$WORK"
	make_keys
	make_network
	for c in "${want[@]}"; do
		log "capturing $c"
		"capture_${c//-/_}"
	done
}

main "$@"
