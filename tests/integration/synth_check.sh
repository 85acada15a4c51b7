#!/bin/bash
# scripts/check-synth.sh passes on the tree, and fails - at the right
# file:line, with the right complaint - on each construct Vitis HLS cannot
# build, injected into a temporary copy of hw/.
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

CHECK=scripts/check-synth.sh
need "$CHECK"

out=$TMP/tree.out
if "$CHECK" >"$out" 2>&1; then
	pass "check-synth: the hw/ tree has no violations"
else
	fail "check-synth: the hw/ tree has violations:"
	sed 's/^/    /' "$out"
fi

# copy_tree DIR: a copy of the parts of the tree the check reads
copy_tree() {
	mkdir -p "$1/hw"
	cp -r hw/src hw/include "$1/hw/"
	[ -d hw/vitis ] && cp -r hw/vitis "$1/hw/"
}

# expect WHAT FILE LINE PATTERN: FILE (relative to hw/) is already in place
# in $TMP/case; the check must exit 1 and report FILE:LINE matching PATTERN.
expect() {
	local what=$1 file=$2 line=$3 pattern=$4 rc
	"$CHECK" "$TMP/case" >"$TMP/case.out" 2>&1
	rc=$?
	if [ "$rc" -eq 1 ] && grep -q "^hw/$file:$line: .*$pattern" "$TMP/case.out"; then
		pass "check-synth rejects $what (hw/$file:$line)"
	else
		fail "check-synth does not reject $what at hw/$file:$line (exit $rc):"
		sed 's/^/    /' "$TMP/case.out"
	fi
	rm -rf "$TMP/case"
}

# inject WHAT LINE PATTERN: stdin becomes hw/src/zz_inject.c in a fresh copy
inject() {
	copy_tree "$TMP/case"
	cat >"$TMP/case/hw/src/zz_inject.c"
	expect "$1" src/zz_inject.c "$2" "$3"
}

inject "malloc" 4 'dynamic allocation: malloc' <<'EOF'
#include "ndr_hw.h"
void *malloc(unsigned long n);
uint8_t *zz_buffer(void);
uint8_t *zz_buffer(void) { return malloc(64); }
EOF

inject "free" 3 'dynamic allocation: free' <<'EOF'
#include "ndr_hw.h"
void free(void *p);
void zz_release(void *p) { free(p); }
EOF

inject "direct recursion" 4 'recursion: zz_depth calls itself' <<'EOF'
#include "ndr_hw.h"
uint32_t zz_depth(uint32_t n);
uint32_t zz_depth(uint32_t n)
{ return n ? zz_depth(n - 1u) + 1u : 0u; }
EOF

inject "indirect recursion" '\(6\|10\)' 'recursion: zz_even -> zz_odd -> zz_even' <<'EOF'
#include "ndr_hw.h"
static bool zz_odd(uint32_t n);
uint32_t zz_parity(uint32_t n);
static bool zz_even(uint32_t n)
{
	return n == 0u ? true : zz_odd(n - 1u);
}
static bool zz_odd(uint32_t n)
{
	return n == 0u ? false : zz_even(n - 1u);
}
uint32_t zz_parity(uint32_t n) { return zz_even(n) ? 0u : 1u; }
EOF

copy_tree "$TMP/case"
cat >"$TMP/case/hw/src/zz_inject.c" <<'EOF'
#include "ndr_hw.h"
void ndr_zz_hook(struct ndr_rw *w, struct ndr_ring_ctrl *ctrl);
void ndr_zz_hook(struct ndr_rw *w, struct ndr_ring_ctrl *ctrl) { ndr_rw_publish(w, ctrl); }
EOF
sed -i 's/^void ndr_rw_publish(struct ndr_rw \*w, struct ndr_ring_ctrl \*ctrl)$/void ndr_zz_hook(struct ndr_rw *w, struct ndr_ring_ctrl *ctrl);\n&/' \
	"$TMP/case/hw/src/record_writer.c"
sed -i '/^void ndr_rw_publish(struct ndr_rw \*w, struct ndr_ring_ctrl \*ctrl)$/,/^}/ s/^{$/{\n\tndr_zz_hook(w, ctrl);/' \
	"$TMP/case/hw/src/record_writer.c"
expect "recursion through another file" src/zz_inject.c 3 \
	'recursion: .*ndr_zz_hook -> ndr_rw_publish\|recursion: .*ndr_rw_publish -> ndr_zz_hook'

inject "a VLA" 5 'variable length array' <<'EOF'
#include "ndr_hw.h"
uint8_t zz_sum(const uint8_t *p, uint32_t n);
uint8_t zz_sum(const uint8_t *p, uint32_t n)
{
	uint8_t copy[n];
	copy[0] = p[0];
	return copy[0];
}
EOF

inject "an unbounded while loop" 6 'while loop' <<'EOF'
#include "ndr_hw.h"
uint32_t zz_log2(uint32_t x);
uint32_t zz_log2(uint32_t x)
{
	uint32_t n = 0;
	while (x > 1u) {
		x >>= 1;
		n++;
	}
	return n;
}
EOF

inject "a do-while loop" 6 'do-while loop' <<'EOF'
#include "ndr_hw.h"
uint32_t zz_digits(uint32_t x);
uint32_t zz_digits(uint32_t x)
{
	uint32_t n = 0;
	do {
		x /= 10u;
		n++;
	} while (x != 0u);
	return n;
}
EOF

inject "a for loop with a variable bound" 6 'loop without a constant bound: n is not an integer constant' <<'EOF'
#include "ndr_hw.h"
uint32_t zz_total(const uint8_t *p, uint32_t n);
uint32_t zz_total(const uint8_t *p, uint32_t n)
{
	uint32_t s = 0;
	for (uint32_t i = 0; i < n; i++)
		s += p[i];
	return s;
}
EOF

inject "a for loop without a condition" 5 'condition "" is not' <<'EOF'
#include "ndr_hw.h"
uint32_t zz_find(const uint8_t *p);
uint32_t zz_find(const uint8_t *p)
{
	for (uint32_t i = 0;; i++) {
		if (p[i] == 0u)
			return i;
	}
}
EOF

inject "a loop variable changed in the body" 8 'loop variable i is changed' <<'EOF'
#include "ndr_hw.h"
uint32_t zz_skip(const uint8_t *p);
uint32_t zz_skip(const uint8_t *p)
{
	uint32_t s = 0;
	for (uint32_t i = 0; i < 64u; i++) {
		if (p[i] == 0u)
			i = 0;
		s += p[i];
	}
	return s;
}
EOF

inject "float" 4 'floating point in the data path: float' <<'EOF'
#include "ndr_hw.h"
uint32_t zz_scale(uint32_t x);
uint32_t zz_scale(uint32_t x)
{ float f = (float)x; return (uint32_t)(f * 2); }
EOF

inject "double arithmetic (-mgeneral-regs-only)" 4 'floating point in the data path (-mgeneral-regs-only)' <<'EOF'
#include "ndr_hw.h"
uint32_t zz_half(uint32_t x);
uint32_t zz_half(uint32_t x)
{ return (uint32_t)(x * 0.5); }
EOF

inject "a function pointer" 2 'function pointer' <<'EOF'
#include "ndr_hw.h"
typedef uint32_t (*zz_fn)(uint32_t);
uint32_t zz_apply(zz_fn f, uint32_t x);
uint32_t zz_apply(zz_fn f, uint32_t x) { return f(x); }
EOF

inject "a call through a function pointer" 4 'call through a function pointer' <<'EOF'
#include "ndr_hw.h"
typedef uint32_t zz_fn_t(uint32_t);
uint32_t zz_apply(zz_fn_t *f, uint32_t x);
uint32_t zz_apply(zz_fn_t *f, uint32_t x) { return f(x); }
EOF

inject "#include <string.h>" 2 'header <string.h> is not allowed' <<'EOF'
#include "ndr_hw.h"
#include <string.h>
void zz_clear(uint8_t *p);
void zz_clear(uint8_t *p) { memset(p, 0, 64); }
EOF

inject "a libc call without its header" 3 'call to an undeclared function' <<'EOF'
#include "ndr_hw.h"
void zz_clear(uint8_t *p);
void zz_clear(uint8_t *p) { memset(p, 0, 64); }
EOF

inject "#include <hls_stream.h> in a kernel" 2 'header <hls_stream.h> is not allowed in hw/' <<'EOF'
#include "ndr_hw.h"
#include <hls_stream.h>
EOF

# a violation in a header is reported at the header's own line
copy_tree "$TMP/case"
line=$(grep -n -m1 '^#include <stdint.h>' "$TMP/case/hw/include/ndr_hls.h" | cut -d: -f1)
if [ -n "$line" ]; then
	sed -i "${line}a #include <stdio.h>" "$TMP/case/hw/include/ndr_hls.h"
	expect "#include <stdio.h> in hw/include/ndr_hls.h" include/ndr_hls.h $((line + 1)) \
		'header <stdio.h> is not allowed'
else
	fail "hw/include/ndr_hls.h no longer includes <stdint.h>: the header case has no anchor"
	rm -rf "$TMP/case"
fi

inject "a break that leaves a loop" 6 'break inside a loop: the loop has no constant trip count' <<'EOF'
#include "ndr_hw.h"
uint32_t zz_first_zero(const uint8_t b[64]);
uint32_t zz_first_zero(const uint8_t b[64])
{
	uint32_t i;
	for (i = 0; i < 64u; i++) if (b[i] == 0u) break;
	return i;
}
EOF

inject "a return from inside a loop" 7 'return inside a loop' <<'EOF'
#include "ndr_hw.h"
bool zz_has_zero(const uint8_t b[64]);
bool zz_has_zero(const uint8_t b[64])
{
	for (uint32_t i = 0; i < 64u; i++) {
		if (b[i] == 0u)
			return true;
	}
	return false;
}
EOF

inject "a pointer cast" 4 'pointer cast' <<'EOF'
#include "ndr_hw.h"
uint32_t zz_word(const uint8_t *b);
uint32_t zz_word(const uint8_t *b)
{ return *(const uint32_t *)b; }
EOF

inject "a pointer in static state" 3 'pointer in static state' <<'EOF'
#include "ndr_hw.h"
uint8_t zz_last(void);
static const uint8_t *zz_cursor;
uint8_t zz_last(void) { return zz_cursor ? zz_cursor[0] : 0u; }
EOF

inject "a state struct that holds a pointer" 2 'struct zz_state holds a pointer' <<'EOF'
#include "ndr_hw.h"
struct zz_state {
	uint32_t n;
	uint8_t *buf;
};
uint32_t zz_count(struct zz_state *s);
uint32_t zz_count(struct zz_state *s) { return s->n; }
EOF

inject "a struct that keeps an argument bundle" 7 'struct zz_keeper holds an argument bundle' <<'EOF'
#include "ndr_hw.h"
struct zz_io {
	uint8_t *ring;
};
struct zz_keeper {
	uint32_t n;
	struct zz_io io;
};
uint32_t zz_keep(struct zz_keeper *k);
uint32_t zz_keep(struct zz_keeper *k) { return k->n; }
EOF

# what the rules allow: a switch's break inside a loop, a loop predicated
# on a data-dependent count, a *_io bundle passed per call
copy_tree "$TMP/case"
cat >"$TMP/case/hw/src/zz_inject.c" <<'EOF'
#include "ndr_hw.h"
struct zz_io {
	uint8_t *ring;
};
uint32_t zz_classes(const struct zz_io *io, uint32_t n);
uint32_t zz_classes(const struct zz_io *io, uint32_t n)
{
	uint32_t c = 0;
	for (uint32_t i = 0; i < 64u; i++) {
		if (i >= n)
			continue;
		switch (io->ring[i]) {
		case 0:
			c++;
			break;
		default:
			break;
		}
	}
	return c;
}
EOF
if "$CHECK" "$TMP/case" >"$TMP/case.out" 2>&1; then
	pass "check-synth accepts a switch's break in a loop, a predicated body and an *_io bundle"
else
	fail "check-synth rejects allowed constructs:"
	sed 's/^/    /' "$TMP/case.out"
fi
rm -rf "$TMP/case"

# the Vitis shims may use the HLS headers, and nothing else
if ls hw/vitis/*.cpp >/dev/null 2>&1; then
	copy_tree "$TMP/case"
	shim=$(ls "$TMP"/case/hw/vitis/*.cpp | head -1)
	sed -i '1i #include <vector>' "$shim"
	expect "#include <vector> in a Vitis shim" "vitis/$(basename "$shim")" 1 \
		'header <vector> is not allowed'
else
	fail "no Vitis shims in hw/vitis/ to check"
fi
