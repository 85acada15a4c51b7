# bd_model.tcl - a model of the few Vivado block-design commands that
# hw/vitis/post_link.tcl uses, over a design described by the test: which
# static-region ports and pins exist, which kernel cells with which pins,
# and what is connected. Lets tests/integration/vitis_link.sh run the hook
# in plain tclsh against each platform's names and check what it wires.
#
# The test sets before sourcing the hook:
#   ::ports      top-level interface and clock ports of the design
#   ::pins       hierarchical pins (e.g. ii_level0_wire/ulp_m_aclk_freerun_ref_00)
#   ::cells      dict cell -> VLNV
#   ::cell_pins  list of cell/pin names (interface and plain pins)
#   ::nets       dict pin -> net it is on
# and reads back ::made: {intf A B} and {net A B} per connection.

set ::made {}

proc _opt {args name} {
	set i [lsearch -exact $args $name]
	if {$i < 0} { return "" }
	return [lindex $args [expr {$i + 1}]]
}

proc _name_filter {filter} {
	if {[regexp {NAME\s*==\s*"([^"]+)"} $filter -> n]} { return $n }
	return ""
}

proc _of_cell {args} {
	set cell [_opt $args -of_objects]
	set n [_name_filter [_opt $args -filter]]
	set p "$cell/$n"
	if {[lsearch -exact $::cell_pins $p] >= 0} { return $p }
	return ""
}

proc get_bd_intf_ports {args} {
	set n [lindex $args end]
	if {[lsearch -exact $::ports $n] >= 0} { return $n }
	return ""
}

proc get_bd_ports {args} { return [get_bd_intf_ports {*}$args] }

proc get_bd_pins {args} {
	if {[_opt $args -of_objects] ne ""} { return [_of_cell {*}$args] }
	set n [lindex $args end]
	if {[lsearch -exact $::pins $n] >= 0} { return $n }
	return ""
}

proc get_bd_intf_pins {args} { return [_of_cell {*}$args] }

proc get_bd_cells {args} {
	set f [_opt $args -filter]
	if {![regexp {VLNV\s*=~\s*"([^"]+)"} $f -> pat]} { return "" }
	set out {}
	dict for {c v} $::cells {
		if {[string match $pat $v]} { lappend out $c }
	}
	return $out
}

proc get_bd_nets {args} {
	set p [_opt $args -of_objects]
	if {[dict exists $::nets $p]} { return [dict get $::nets $p] }
	return ""
}

proc connect_bd_intf_net {a b} { lappend ::made [list intf $a $b] }
proc connect_bd_net {a b} { lappend ::made [list net $a $b] }
proc disconnect_bd_net {net pin} {
	dict unset ::nets $pin
	lappend ::made [list disconnect $net $pin]
}
