#!/bin/sh
# make-cfgs.sh - write the per-stage Vitis HLS components, one STAGE.cfg for
# every dataflow process ndr_df_STAGE that ../ndr_datapath.h declares, into
# DIR (default: this directory, where they are committed).
#
#   hw/vitis/stages/make-cfgs.sh [DIR]
#
# A stage's component has that process as its top (its streams are its
# ports) and the kernels' testbench, run with --stages so that the
# testbench calls the top itself: the files and flags of the testbench are
# those of ../ndr_datapath.cfg, moved one directory down. Edit this script
# or ../ndr_datapath.cfg, not the .cfg files; tests/integration/
# vitis_shims.sh checks the committed ones are what this writes.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
vitis=$here/..
[ -f "$vitis/ndr_datapath.h" ] && [ -f "$vitis/ndr_datapath.cfg" ] ||
	{ echo "make-cfgs: $vitis has no ndr_datapath.h and .cfg" >&2; exit 2; }

stages=$(sed -n 's/^void ndr_df_\([a-z_]*\).*/\1/p' "$vitis/ndr_datapath.h")
[ -n "$stages" ] || { echo "make-cfgs: no ndr_df_* in ndr_datapath.h" >&2; exit 2; }

# KEY=VALUE lines of the kernel's config, paths one directory further up
down() { # down KEY
	sed -n "s/^$1=//p" "$vitis/ndr_datapath.cfg" | while IFS= read -r v; do
		printf '%s=%s\n' "$1" "$(printf '%s\n' "$v" | awk '{
			for (i = 1; i <= NF; i++) {
				w = $i
				if (w == "-I.") w = "-I.."
				else if (w ~ /^-I[^\/]/) w = "-I../" substr(w, 3)
				else if (w !~ /^-/ && w ~ /\.(c|cpp)$/) w = "../" w
				printf "%s%s", (i > 1 ? " " : ""), w
			}
			print ""
		}')"
	done
}
argv() { # argv KEY: the kernel's arguments with --stages first
	sed -n "s/^$1=/$1=--stages /p" "$vitis/ndr_datapath.cfg"
}

mkdir -p "$out"
for s in $stages; do
	{
		cat <<CFG
# Vitis HLS component for the $s stage alone: ndr_df_$s of
# ../ndr_datapath.cpp as its top, its streams as ports. Written by
# make-cfgs.sh (edit that, or ../ndr_datapath.cfg). hw/Makefile runs it
# from hw/vitis/stages/:  make -C hw csim-$s | csynth-$s | cosim-$s
part=xcu55c-fsvh2892-2L-e

[hls]
flow_target=vivado
clock=3.1ns
clock_uncertainty=12%
syn.top=ndr_df_$s
syn.file=../ndr_datapath.cpp
syn.file=../amalgam/ndr_hw_all.cpp
$(down syn.cflags)

# Testbench: the whole card from a capture, compared with the golden
# model, with this stage's top called by the testbench (--stages).
CFG
		down tb.file
		down tb.cflags
		down csim.ldflags
		argv csim.argv
		down cosim.ldflags
		argv cosim.argv
		sed -n 's/^cosim\.trace_level=/&/p' "$vitis/ndr_datapath.cfg"
	} >"$out/$s.cfg"
done
