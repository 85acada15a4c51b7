# Sourced after lib.sh by the scripts that drive a card through Debian's XRT
# 2.13 in its noop emulation (xrt_noop.sh, opencl_xrt.sh). XRT finds its
# shims through XILINX_XRT/lib: Debian installs them in the multiarch
# directory, so a private directory links to it. xclbins come from
# build/tools/ndr-test-xclbin (Debian's xclbinutil cannot run).
XCLBIN_GEN=$BUILD/tools/ndr-test-xclbin
need "$XCLBIN_GEN"
xrt_libdir=$(dirname "$(ldconfig -p | awk '/libxrt_coreutil.so.2 / {print $NF; exit}')")

# xrt_noop_env LIB...: XILINX_XRT and XCL_EMULATION_MODE=noop, after
# checking that each LIB (e.g. libxrt_noop.so.2) is installed.
xrt_noop_env() {
	local lib
	for lib in "$@"; do
		if [ ! -e "$xrt_libdir/$lib" ]; then
			fail "XRT's $lib is not installed (libxrt-dev, scripts/deps.sh)"
			exit 1
		fi
	done
	mkdir -p "$TMP/xrt"
	ln -sfn "$xrt_libdir" "$TMP/xrt/lib"
	export XILINX_XRT=$TMP/xrt XCL_EMULATION_MODE=noop
}

# xrt_images: the xclbins both sources are checked against, in $TMP: good
# (UUID $1), one without each kernel named in the rest of the arguments,
# a writer with 4 arguments, a ring in HBM, no auto-restart, truncated,
# random bytes.
xrt_images() {
	local uuid=$1 k n
	shift
	"$XCLBIN_GEN" -o "$TMP/good.xclbin" --uuid "$uuid" --data-clock-mhz 250
	# a prerequisite, not a result: no PASS for a file that exists
	[ -s "$TMP/good.xclbin" ] || { fail "ndr-test-xclbin wrote no xclbin"; exit 1; }
	for k in "$@"; do       # ndr_record_writer -> nowriter.xclbin
		n=${k#ndr_record_}
		n=${n#ndr_}
		"$XCLBIN_GEN" -o "$TMP/no${n%_0}.xclbin" --omit-kernel "$k"
	done
	"$XCLBIN_GEN" -o "$TMP/args4.xclbin" --writer-args 4
	"$XCLBIN_GEN" -o "$TMP/hbm.xclbin" --ring-bank hbm
	"$XCLBIN_GEN" -o "$TMP/norestart.xclbin" --no-autorestart
	head -c 1000 "$TMP/good.xclbin" >"$TMP/truncated.xclbin"
	head -c 4096 /dev/urandom >"$TMP/garbage.xclbin"
}

# fails "what" "expected text" sensor-args...: exit 1 with that message on
# stderr, no crash
fails() {
	local what=$1 want=$2 rc
	shift 2
	"$SENSOR" -q "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" -eq 1 ] && grep -qF -- "$want" "$TMP/err"; then
		pass "$what"
	else
		fail "$what (exit $rc: $(head -c 300 "$TMP/err"))"
	fi
}
