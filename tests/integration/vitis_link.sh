#!/bin/bash
# The Vitis link for a real Alveo (hw/vitis/link_*.cfg, post_link.tcl) as
# far as it can be checked without Vitis: the post-link hook runs in tclsh
# against a model of each platform's block design (tests/vitis/bd_model.tcl)
# and must wire cmac_0's gt_serial_port0, gt_refclk0 and clk_gt_freerun to
# that platform's QSFP0 ports and free-running clock, or stop the link with a
# message; the link configs must name what the host checks in an xclbin.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
need hw/vitis/post_link.tcl
if ! command -v tclsh >/dev/null; then
	fail "tclsh is not installed (scripts/deps.sh installs tcl)"
	exit 1
fi

# run_hook NAME SETUP-TCL: run the hook on a model, print what it made
run_hook() {
	cat >"$TMP/$1.tcl" <<TCL
source tests/vitis/bd_model.tcl
$2
if {[catch {source hw/vitis/post_link.tcl} e]} { puts "STOPPED: \$e" }
foreach m \$::made { puts "MADE: \$m" }
TCL
	tclsh "$TMP/$1.tcl" >"$TMP/$1.out" 2>&1
}

cmac_cell='set ::cells [dict create /cmac_0 xilinx.com:kernel:cmac_0:1.0 /ndr_datapath_1 xilinx.com:hls:ndr_datapath:1.0]
set ::cell_pins {/cmac_0/gt_serial_port0 /cmac_0/gt_refclk0 /cmac_0/clk_gt_freerun /cmac_0/M_AXIS}'

run_hook u55c "set ::ports {io_gt_qsfp0_00 io_clk_qsfp0_refclka_00 io_gt_qsfp1_00}
set ::pins {ii_level0_wire/ulp_m_aclk_freerun_ref_00}
$cmac_cell
set ::nets [dict create /cmac_0/clk_gt_freerun clk_kernel_net]"
check "U55C: QSFP0 lanes to gt_serial_port0" grep -q "MADE: intf io_gt_qsfp0_00 /cmac_0/gt_serial_port0" "$TMP/u55c.out"
check "U55C: QSFP0 reference clock to gt_refclk0" grep -q "MADE: intf io_clk_qsfp0_refclka_00 /cmac_0/gt_refclk0" "$TMP/u55c.out"
check "U55C: the kernel clock v++ tied to clk_gt_freerun is taken off" grep -q "MADE: disconnect clk_kernel_net /cmac_0/clk_gt_freerun" "$TMP/u55c.out"
check "U55C: level-0 free-running clock to clk_gt_freerun" grep -q "MADE: net ii_level0_wire/ulp_m_aclk_freerun_ref_00 /cmac_0/clk_gt_freerun" "$TMP/u55c.out"
check "U55C: nothing else connected (3 connections)" test "$(grep -c 'MADE: \(intf\|net\) ' "$TMP/u55c.out")" -eq 3

run_hook u250 "set ::ports {io_gt_qsfp_00 io_clk_qsfp_refclka_00 io_clk_qsfp_refclkb_00 io_gt_qsfp_01}
set ::pins {ii_level1_wire/ulp_m_aclk_freerun_ref_00}
$cmac_cell
set ::nets [dict create]"
check "U250: QSFP lanes, refclk A, level-1 free-running clock" sh -c "
	grep -q 'MADE: intf io_gt_qsfp_00 /cmac_0/gt_serial_port0' '$TMP/u250.out' &&
	grep -q 'MADE: intf io_clk_qsfp_refclka_00 /cmac_0/gt_refclk0' '$TMP/u250.out' &&
	grep -q 'MADE: net ii_level1_wire/ulp_m_aclk_freerun_ref_00 /cmac_0/clk_gt_freerun' '$TMP/u250.out' &&
	! grep -q 'MADE: disconnect' '$TMP/u250.out'"

run_hook nogt "set ::ports {}
set ::pins {}
$cmac_cell
set ::nets [dict create]"
check "a platform without known GT ports: the link stops, nothing wired" sh -c "
	grep -q 'STOPPED: .*no known QSFP0 lanes' '$TMP/nogt.out' && ! grep -q MADE '$TMP/nogt.out'"

run_hook wrongif "set ::ports {io_gt_qsfp0_00 io_clk_qsfp0_refclka_00}
set ::pins {ii_level0_wire/ulp_m_aclk_freerun_ref_00}
set ::cells [dict create /cmac_0 xilinx.com:kernel:cmac_0:1.0]
set ::cell_pins {/cmac_0/gt_serial_port1 /cmac_0/gt_refclk1 /cmac_0/clk_gt_freerun}
set ::nets [dict create]"
check "a CMAC built for interface 1: the link stops naming INTERFACE=0" sh -c "
	grep -q 'STOPPED: .*INTERFACE=0' '$TMP/wrongif.out' && ! grep -q MADE '$TMP/wrongif.out'"

run_hook nocmac "set ::ports {io_gt_qsfp0_00 io_clk_qsfp0_refclka_00}
set ::pins {ii_level0_wire/ulp_m_aclk_freerun_ref_00}
set ::cells [dict create /ndr_datapath_1 xilinx.com:hls:ndr_datapath:1.0]
set ::cell_pins {}
set ::nets [dict create]"
check "no cmac_0 compute unit: the link stops" grep -q "STOPPED: .*found 0" "$TMP/nocmac.out"

# The link configs wire what the XRT source checks in an xclbin.
for cfg in hw/vitis/link_u55c.cfg hw/vitis/link_u250.cfg; do
	check "$cfg: ring and ctrl in host memory" sh -c "
		grep -q '^sp=ndr_record_writer_1.ring:HOST\[0\]' $cfg &&
		grep -q '^sp=ndr_record_writer_1.ctrl:HOST\[0\]' $cfg"
	check "$cfg: one CU each of cmac_0, ndr_datapath, ndr_record_writer" sh -c "
		grep -q '^nk=cmac_0:1:cmac_0' $cfg && grep -q '^nk=ndr_datapath:1:' $cfg &&
		grep -q '^nk=ndr_record_writer:1:' $cfg"
	check "$cfg: CMAC RX stream into the data path, data path into the writer" sh -c "
		grep -q '^stream_connect=cmac_0.M_AXIS:ndr_datapath_1.rx' $cfg &&
		grep -q '^stream_connect=ndr_datapath_1.records:ndr_record_writer_1.records' $cfg"
	check "$cfg: every kernel on the one kernel clock that carries 65-byte frames (>= 295 MHz)" sh -c "
		for k in cmac_0 ndr_datapath_1 ndr_record_writer_1; do
			f=\$(sed -n \"s/^freqHz=\\([0-9]*\\):\$k.ap_clk\$/\\1/p\" $cfg)
			[ -n \"\$f\" ] && [ \"\$f\" -ge 295000000 ] || exit 1
		done"
done
check "the writer's HLS config asks for counted auto-restart and a software reset" sh -c "
	grep -q '^syn.interface.s_axilite_auto_restart_counter=1' hw/vitis/ndr_record_writer.cfg &&
	grep -q '^syn.interface.s_axilite_sw_reset=1' hw/vitis/ndr_record_writer.cfg"
check "hw/Makefile passes the post-link hook to v++ -l" \
	grep -q 'userPostSysLinkOverlayTcl=$(POST_LINK_TCL)' hw/Makefile
