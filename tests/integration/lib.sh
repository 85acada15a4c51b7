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
