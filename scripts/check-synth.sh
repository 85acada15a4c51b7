#!/bin/bash
# check-synth.sh - can Vitis HLS build the hw/ kernels? Checks every
# hw/src/*.c, the hw/include/*.h headers they include, and the Vitis shims
# hw/vitis/*.cpp, *.h for what HLS cannot synthesize (docs/hardware.md,
# "Synthesizability check"):
#
#   dynamic allocation     malloc/calloc/realloc/free/alloca tokens
#   recursion              cycles in the call graph (gcc -fcallgraph-info),
#                          direct and through other functions
#   libc calls             calls to functions hw/ does not define
#   function pointers      "(*name)(...)" declarators and indirect calls
#   VLAs                   gcc -Werror=vla
#   unbounded loops        the loop rule: for (init; V < CONST; V++) only
#   floating point         float/double tokens and constants, and a build
#                          with -mgeneral-regs-only (no FP/SIMD registers)
#   headers                <stdint.h>, <stdbool.h>, hw/include/*.h only
#                          (shims also <ap_int.h> <ap_axi_sdata.h> <hls_stream.h>)
#
# The kernels are preprocessed with -D__SYNTHESIS__, as Vitis HLS does, so
# code under #ifndef __SYNTHESIS__ is not checked.
#
# Usage: scripts/check-synth.sh [ROOT]    (ROOT: a source tree, default the
# one this script is in). Prints "file:line: what" per violation; exits 0
# when there is none, 1 when there are, 2 when it cannot run (no gcc, no
# sources). Needs gcc >= 10, awk, sed, sort.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=${1:-$here/..}
cd "$root" || { echo "check-synth: cannot enter $root" >&2; exit 2; }
CC=${CC:-gcc}

tmp=$(mktemp -d /tmp/check-synth.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

die() { echo "check-synth: $*" >&2; exit 2; }

command -v "$CC" >/dev/null 2>&1 || die "$CC not found: install gcc (apt-get install gcc)"
echo 'int f(void); int f(void) { return 0; }' >"$tmp/probe.c"
"$CC" -fcallgraph-info -c "$tmp/probe.c" -o "$tmp/probe.o" 2>/dev/null ||
	die "$CC does not support -fcallgraph-info (needs gcc >= 10)"
fp_regs=-mgeneral-regs-only
if ! "$CC" $fp_regs -c "$tmp/probe.c" -o "$tmp/probe.o" 2>/dev/null; then
	echo "check-synth: note: $CC has no -mgeneral-regs-only on $(uname -m);" \
		"floating point is checked by tokens only" >&2
	fp_regs=
fi
"$CC" -std=c11 -O2 -o "$tmp/synth-lint" "$here/synth-lint.c" ||
	die "cannot build $here/synth-lint.c"

shopt -s nullglob
srcs=(hw/src/*.c)
shims=(hw/vitis/*.cpp hw/vitis/*.h)
[ ${#srcs[@]} -gt 0 ] || die "no hw/src/*.c under $(pwd)"

CF=(-std=c11 -D__SYNTHESIS__ -Ihw/include)
out=$tmp/violations
: >"$out"

# gcc diagnostics -> "file:line: PREFIXmessage" for each error
errors() { # errors PREFIX < gcc-stderr
	awk -v prefix="$1" 'match($0, /^[^ :][^:]*:[0-9]+:[0-9]+: (fatal )?error: /) {
		split($0, p, ":")
		msg = substr($0, RLENGTH + 1)
		print p[1] ":" p[2] ": " prefix msg
	}'
}

# One kernel source; its violations go to $n.out. Runs in the background,
# so a failure to run is written to $n.fatal rather than exiting.
check_source() {
	local f=$1 n compiles
	n=$tmp/$(basename "$f" .c)
	local out=$n.out
	: >"$out"
	die() { echo "check-synth: $*" >"$n.fatal"; exit 2; }

	# VLAs, undeclared (libc) functions, and whether it compiles at all
	compiles=1
	if ! "$CC" "${CF[@]}" -fsyntax-only -Werror=vla \
		-Werror=implicit-function-declaration "$f" 2>"$n.syn"; then
		grep -q 'error: ' "$n.syn" || die "$CC failed on $f: $(head -1 "$n.syn")"
		grep -e '\[-Werror=vla\]' "$n.syn" | errors 'variable length array: ' >>"$out"
		grep -e 'implicit-function-declaration\]' "$n.syn" |
			errors 'call to an undeclared function (no libc in hw/): ' >>"$out"
		grep -v -e '\[-Werror=vla\]' -e 'implicit-function-declaration\]' "$n.syn" \
			>"$n.other"
		if grep -q 'error: ' "$n.other"; then
			errors 'does not compile: ' <"$n.other" >>"$out"
			compiles=0
		fi
	fi

	# tokens, includes, loops; then the loop bounds must be constants
	if ! "$CC" "${CF[@]}" -E -dI "$f" >"$n.i" 2>/dev/null; then
		# a missing header: check the text as written
		"$tmp/synth-lint" -r "$f" >>"$out" || die "synth-lint failed on $f"
		return
	fi
	"$tmp/synth-lint" "$n.i" "$n.bounds" >>"$out" || die "synth-lint failed on $f"
	[ "$compiles" = 1 ] || return 0
	if [ -s "$n.bounds" ]; then
		sed '/^#[ 	]*include/d' "$n.i" | cat - "$n.bounds" >"$n.b.c"
		"$CC" -std=c11 -pedantic-errors -w -fsyntax-only "$n.b.c" 2>"$n.b.err"
		# keep only the errors at a loop's #line: those are the asserts
		awk '
			FNR == NR {
				if ($1 == "//") { sub(/^\/\/ /, ""); text = $0 }
				else if ($1 == "#line") { loc = $3 ":" $2; gsub(/"/, "", loc); expr[loc] = text }
				next
			}
			match($0, /^[^ :][^:]*:[0-9]+:[0-9]+: error: /) {
				split($0, p, ":")
				k = p[1] ":" p[2]
				if ((k in expr) && !(k in done)) {
					done[k] = 1
					print k ": loop without a constant bound: " expr[k] \
						" is not an integer constant expression (docs/hardware.md, loop rule)"
				}
			}' "$n.bounds" "$n.b.err" >>"$out"
	fi

	# floating point: a build that may not use FP or SIMD registers
	if [ -n "$fp_regs" ]; then
		"$CC" "${CF[@]}" -O2 $fp_regs -w -c "$f" -o "$n.fp.o" 2>"$n.fp" ||
			errors 'floating point in the data path (-mgeneral-regs-only): ' \
				<"$n.fp" >>"$out"
	fi

	# call graph, unoptimised so no call is inlined or turned into a loop
	"$CC" "${CF[@]}" -O0 -fno-inline -w -fcallgraph-info \
		-c "$f" -o "$n.o" 2>/dev/null || die "$CC -fcallgraph-info failed on $f"
}

for f in "${srcs[@]}"; do
	check_source "$f" &
done
wait
fatal=("$tmp"/*.fatal)
if [ ${#fatal[@]} -gt 0 ]; then
	cat "${fatal[@]}" >&2
	exit 2
fi
cat "$tmp"/*.out >>"$out"

# recursion, libc calls and indirect calls, from every file's call graph
cat "$tmp"/*.ci </dev/null | grep -v '^graph\|^}' | awk '
	function field(s, name,    r) {
		if (!match(s, name ": \"[^\"]*\""))
			return ""
		r = substr(s, RSTART, RLENGTH)
		sub(/^[a-z]*: "/, "", r)
		sub(/"$/, "", r)
		return r
	}
	function short(t) { sub(/^.*:/, "", t); return t }
	function loc(l) { sub(/:[0-9]+$/, "", l); return l }
	/^node:/ {
		if ($0 !~ /shape : ellipse/)
			defined[field($0, "title")] = 1
		next
	}
	/^edge:/ {
		s = field($0, "sourcename"); t = field($0, "targetname")
		n = ++nadj[s]
		adj[s, n] = t
		at[s, n] = loc(field($0, "label"))
	}
	function dfs(u,    i, v, k, path) {
		color[u] = 1
		stack[++sp] = u
		pos[u] = sp
		for (i = 1; i <= nadj[u]; i++) {
			v = adj[u, i]
			if (v == u) {
				print at[u, i] ": recursion: " short(u) " calls itself"
			} else if (color[v] == 1) {
				path = ""
				for (k = pos[v]; k <= sp; k++)
					path = path short(stack[k]) " -> "
				print at[u, i] ": recursion: " path short(v)
			} else if (color[v] == 0 && (v in defined)) {
				dfs(v)
			}
		}
		sp--
		color[u] = 2
	}
	END {
		for (key in adj) {
			split(key, kk, SUBSEP)
			t = adj[key]
			if (t == "__indirect_call")
				print at[key] ": call through a function pointer (in " short(kk[1]) ")"
			else if (!(t in defined))
				print at[key] ": call to " t ", which hw/ does not define (no libc in kernels)"
		}
		for (u in defined)
			if (color[u] == 0)
				dfs(u)
	}' >>"$out"

for f in "${shims[@]}"; do
	"$tmp/synth-lint" -s "$f" >>"$out" || die "synth-lint failed on $f"
done

sort -t: -k1,1 -k2,2n "$out" | uniq >"$tmp/sorted"
count=$(wc -l <"$tmp/sorted")
if [ "$count" -gt 0 ]; then
	cat "$tmp/sorted"
	echo "check-synth: $count violation(s) in hw/ (rules: docs/hardware.md)" >&2
	exit 1
fi
echo "check-synth: ${#srcs[@]} kernel sources, ${#shims[@]} shim files: no violations"
exit 0
