# Shared by the integration scripts: paths and the PASS/FAIL convention
# (tests/run.sh counts the lines).
BUILD=${BUILD:-build}
SENSOR=$BUILD/bin/ndr-sensor
CAPTURES=tests/captures
TMP=$(mktemp -d /tmp/ndr-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; }
check() { # check "what" command...
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}
need() { # need FILE: fail loudly rather than skip when a prerequisite is missing
	if [ ! -e "$1" ]; then
		fail "missing $1"
		exit 1
	fi
}

# veth_pair NAME LETTER: two network namespaces, ndrNAME-a-PID and
# ndrNAME-b-PID, joined by a veth pair (nLETTERaPID in the first,
# nLETTERbPID in the second), both ends up with IPv6 off. Sets ns_a ns_b va
# vb; veth_pair_del removes them (from the script's EXIT trap). Returns
# non-zero (after a FAIL line) when they cannot be made.
veth_pair() {
	ns_a=ndr$1-a-$$ ns_b=ndr$1-b-$$ va=n$2a$$ vb=n$2b$$
	if ! { ip netns add "$ns_a" && ip netns add "$ns_b" && veth_link; }; then
		fail "cannot create namespaces and a veth pair (root needed)"
		return 1
	fi
	ip netns exec "$ns_a" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$ns_b" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip -n "$ns_a" link set lo up
	ip -n "$ns_b" link set lo up
}
# veth_link: (re)make the pair between ns_a and ns_b and bring both ends up
# with offloads off (otherwise frames are merged and checksums left undone).
veth_link() {
	ip link add "$va" type veth peer name "$vb" &&
		ip link set "$va" netns "$ns_a" && ip link set "$vb" netns "$ns_b" &&
		ip -n "$ns_a" link set "$va" up && ip -n "$ns_b" link set "$vb" up || return 1
	ip netns exec "$ns_a" ethtool -K "$va" tx off rx off tso off gso off gro off >/dev/null 2>&1
	ip netns exec "$ns_b" ethtool -K "$vb" tx off rx off tso off gso off gro off >/dev/null 2>&1
	return 0
}
veth_pair_del() {
	ip netns del "$ns_a" 2>/dev/null
	ip netns del "$ns_b" 2>/dev/null
}
