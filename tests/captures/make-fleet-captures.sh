#!/bin/sh
# The fleet test's two links (tests/integration/fleet_kafka.sh): the nmap
# connect scan of nmap-connect-scan.pcap split between two capture points,
# 12 of the ports scanned on 10.77.0.12 seen on each. Each link alone
# stays under port_scan's vertical threshold (15 ports on one host); only a
# detector that sees both links - ndr-detect over the records of both
# sensors - finds the scan. Run from the repository root; needs tcpdump.
set -eu
cd "$(dirname "$0")"
in=nmap-connect-scan.pcap
scanner=10.77.0.11
target=10.77.0.12

# packets of the scanner's sessions to these ports of the target, both ways
filter() {
	ports=""
	for p in "$@"; do
		ports="${ports:+$ports or }port $p"
	done
	echo "tcp and host $scanner and host $target and (
		(src host $scanner and (dst $(echo "$ports" | sed 's/ or port / or dst port /g'))) or
		(dst host $scanner and (src $(echo "$ports" | sed 's/ or port / or src port /g'))))"
}

tcpdump -n -r "$in" -w fleet-link-a.pcap "$(filter 21 110 135 111 443 445 256 113 80 993 53 25)"
tcpdump -n -r "$in" -w fleet-link-b.pcap "$(filter 22 139 554 143 995 587 199 23 309 330 311 30)"
