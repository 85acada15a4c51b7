# post_link.tcl - v++ -l post-system-link hook for ndr: wire the 100G MAC
# kernel (cmac_0) to the card's QSFP28 port 0.
#
# v++ runs this inside the block design of the dynamic region after it has
# placed and connected the kernels (hw/Makefile passes it as
# compiler.userPostSysLinkOverlayTcl). The three connections made here are to
# ports of the platform's static region, which connectivity options cannot
# name: the GT serial lanes, the GT reference clock and the free-running
# clock the CMAC's GT helper logic needs while the kernel clock may still be
# settling. Their names differ between platforms, so each is looked up
# among the known spellings; a platform with none of them stops the link
# with a message rather than building a bitstream with an unconnected MAC.
#
# Known spellings (from the platforms' block designs, `platforminfo -p`):
#   QSFP0 lanes     io_gt_qsfp0_00 (U55C, U50)  io_gt_qsfp_00 (U250, U280)
#                   io_gt_gtyquad_00 (other gen3x16 shells)
#   QSFP0 refclk    io_clk_qsfp0_refclka_00     io_clk_qsfp_refclka_00
#                   io_clk_gtyquad_refclk0_00
#   free-running    ii_level0_wire/ulp_m_aclk_freerun_ref_00 (U55C, U50)
#                   ii_level1_wire/ulp_m_aclk_freerun_ref_00 (U250)
#                   clk_gt_freerun (U280), blp_s_aclk_freerun_ref_00

set ndr_tag "ndr post_link.tcl:"

proc ndr_first_intf_port {names} {
	foreach n $names {
		if {[llength [get_bd_intf_ports -quiet $n]] == 1} { return $n }
	}
	return ""
}

proc ndr_first_clock {names} {
	foreach n $names {
		if {[llength [get_bd_ports -quiet $n]] == 1} { return [get_bd_ports $n] }
		if {[llength [get_bd_pins -quiet $n]] == 1} { return [get_bd_pins $n] }
	}
	return ""
}

proc ndr_stop {msg} {
	puts "ERROR: $msg"
	error $msg
}

set lanes [ndr_first_intf_port {io_gt_qsfp0_00 io_gt_qsfp_00 io_gt_gtyquad_00}]
set refclk [ndr_first_intf_port {io_clk_qsfp0_refclka_00 io_clk_qsfp_refclka_00 io_clk_gtyquad_refclk0_00}]
set freerun [ndr_first_clock {ii_level0_wire/ulp_m_aclk_freerun_ref_00 ii_level1_wire/ulp_m_aclk_freerun_ref_00 clk_gt_freerun blp_s_aclk_freerun_ref_00}]
if {$lanes eq "" || $refclk eq "" || $freerun eq ""} {
	ndr_stop "$ndr_tag this platform has no known QSFP0 lanes ($lanes), reference clock ($refclk) or free-running clock ($freerun); add its names here"
}
puts "$ndr_tag QSFP0 lanes $lanes, reference clock $refclk, free-running clock $freerun"

# The MAC's compute unit: the cell whose VLNV names the cmac_0 kernel.
set cmac [get_bd_cells -quiet -filter {VLNV =~ "*:*:cmac_0:*"}]
if {[llength $cmac] != 1} {
	ndr_stop "$ndr_tag expected one cmac_0 compute unit, found [llength $cmac] (nk=cmac_0:1:cmac_0)"
}

set gt [get_bd_intf_pins -quiet -of_objects $cmac -filter {NAME == "gt_serial_port0"}]
set ref [get_bd_intf_pins -quiet -of_objects $cmac -filter {NAME == "gt_refclk0"}]
set frpin [get_bd_pins -quiet -of_objects $cmac -filter {NAME == "clk_gt_freerun"}]
if {$gt eq "" || $ref eq "" || $frpin eq ""} {
	ndr_stop "$ndr_tag $cmac lacks gt_serial_port0, gt_refclk0 or clk_gt_freerun: build cmac_0.xo for INTERFACE=0"
}

connect_bd_intf_net [get_bd_intf_ports $lanes] $gt
connect_bd_intf_net [get_bd_intf_ports $refclk] $ref
# v++ may have tied the pin to a kernel clock: the GT helper needs the
# free-running one.
set old [get_bd_nets -quiet -of_objects $frpin]
if {$old ne ""} {
	disconnect_bd_net $old $frpin
}
connect_bd_net $freerun $frpin
puts "$ndr_tag $cmac wired to QSFP0"
