/*
 * ndr_hls.h - what every hw/ source needs to be both synthesizable C for
 * Vitis HLS and fast native C for the emulation: pragmas, inlining, byte
 * moves, and the network- and little-endian field accessors.
 *
 * Rules for everything under hw/ (checked by scripts/check-synth.sh):
 * stdint.h/stdbool.h only, no libc calls, no allocation, no recursion, no
 * VLAs, no floating point, no function pointers, no pointer casts, no
 * pointers kept in static state, and every loop
 *     for (V = init; V < CONSTANT; V++)
 * with no break, return or goto inside it: a constant trip count, which HLS
 * unrolls or pipelines. A job that needs more than one clock per item is a
 * state machine that does one clock of it per call (docs/hardware.md).
 */
#ifndef NDR_HLS_H
#define NDR_HLS_H

#include <stdbool.h>
#include <stdint.h>

/* Pragmas are written in the sources, seen by Vitis HLS (which defines
 * __SYNTHESIS__) and compiled away by gcc. */
#ifdef __SYNTHESIS__
#define NDR_PRAGMA(x) _Pragma(#x)
#else
#define NDR_PRAGMA(x)
#endif

/* The II=1 contract of a stage: one call is one clock. */
#define NDR_STAGE NDR_PRAGMA(HLS PIPELINE II=1 style=flp)
/* A loop whose iterations are hardware in parallel (lanes, ways, engines). */
#define NDR_UNROLL NDR_PRAGMA(HLS UNROLL)

/* A small helper whose bounds become constants only once it is inlined
 * into its caller (HLS inlines such functions by default). */
#ifdef __SYNTHESIS__
#define NDR_HW_INLINE static inline
#else
#define NDR_HW_INLINE static inline __attribute__((always_inline))
#endif

/* Ring control words are shared with a consumer thread in the emulation; in
 * hardware they are plain m_axi accesses ordered by the AXI protocol. */
#ifdef __SYNTHESIS__
#define NDR_HW_STORE_RELEASE(p, v) (*(p) = (v))
#define NDR_HW_LOAD_ACQUIRE(p)     (*(p))
#define NDR_HW_PREFETCH(p)         ((void)0)
#else
#define NDR_HW_STORE_RELEASE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define NDR_HW_LOAD_ACQUIRE(p)     __atomic_load_n((p), __ATOMIC_ACQUIRE)
/* The emulation's stand-in for a memory read issued stages ahead of use. */
#define NDR_HW_PREFETCH(p)         __builtin_prefetch((p))
#endif

/* Byte moves of at most NDR_HW_MOVE_MAX bytes. Under synthesis a loop with
 * a constant trip count and a predicate per byte (a mux per byte lane); in
 * the emulation the compiler's memcpy/memset. */
#define NDR_HW_MOVE_MAX 512u

#ifdef __SYNTHESIS__
static inline void ndr_hw_copy(uint8_t *dst, const uint8_t *src, uint32_t n)
{
	for (uint32_t i = 0; i < NDR_HW_MOVE_MAX; i++) {
		if (i < n)
			dst[i] = src[i];
	}
}

static inline void ndr_hw_zero(uint8_t *dst, uint32_t n)
{
	for (uint32_t i = 0; i < NDR_HW_MOVE_MAX; i++) {
		if (i < n)
			dst[i] = 0;
	}
}

/* a[0..n) == b[0..n) (n <= 64): all bytes compared at once. */
static inline bool ndr_hw_equal(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	uint8_t diff = 0;
	for (uint32_t i = 0; i < 64u; i++) {
		if (i < n)
			diff |= (uint8_t)(a[i] ^ b[i]);
	}
	return diff == 0u;
}

/* <0, 0, >0 as the first differing byte of a and b (n <= 64). */
static inline int ndr_hw_compare(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	int r = 0;
	for (uint32_t i = 0; i < 64u; i++) {
		if (i < n && r == 0 && a[i] != b[i])
			r = a[i] < b[i] ? -1 : 1;
	}
	return r;
}
#else
static inline void ndr_hw_copy(uint8_t *dst, const uint8_t *src, uint32_t n)
{
	__builtin_memcpy(dst, src, n);
}

static inline void ndr_hw_zero(uint8_t *dst, uint32_t n)
{
	__builtin_memset(dst, 0, n);
}

/* With a constant n the compiler turns this into a few vector compares. */
static inline bool ndr_hw_equal(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	return __builtin_memcmp(a, b, n) == 0;
}

static inline int ndr_hw_compare(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	/* An address (16 bytes) as two big-endian words: the compiler makes
	 * an ordering memcmp a libc call even at a constant size. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (__builtin_constant_p(n) && n == 16u) {
		uint64_t x[2], y[2];
		__builtin_memcpy(x, a, 16);
		__builtin_memcpy(y, b, 16);
		for (uint32_t i = 0; i < 2u; i++) {
			uint64_t u = __builtin_bswap64(x[i]), v = __builtin_bswap64(y[i]);
			if (u != v)
				return u < v ? -1 : 1;
		}
		return 0;
	}
#endif
	return __builtin_memcmp(a, b, n);
}
#endif

/* NDR_FOR_N(i, n, MAX) { body }: body for i = 0 .. min(n, MAX) - 1, n not
 * changed by the body. Under synthesis a loop of exactly MAX iterations
 * whose body is predicated on i < n (a constant trip count: MAX lanes or
 * pipeline slots, as the loop rule wants); natively the short loop, which
 * the emulation's speed depends on. Both run the body for the same i. */
#ifdef __SYNTHESIS__
#define NDR_FOR_N(i, n, MAX) \
	for (uint32_t i = 0; i < (uint32_t)(MAX); i++) \
		if (i < (uint32_t)(n))
#else
#define NDR_FOR_N(i, n, MAX) \
	for (uint32_t i = 0, i##_end_ = (uint32_t)(n); i < i##_end_ && i < (uint32_t)(MAX); i++)
#endif

/* Network-order reads (packets). */
static inline uint16_t ndr_hw_be16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t ndr_hw_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Little-endian fields of records (ndr_abi.h), written byte by byte: a
 * record is a byte array at the ABI's offsets, never a cast struct. */
static inline void ndr_put8(uint8_t *rec, uint32_t off, uint32_t v)
{
	rec[off] = (uint8_t)v;
}

static inline void ndr_put16(uint8_t *rec, uint32_t off, uint32_t v)
{
	rec[off] = (uint8_t)v;
	rec[off + 1u] = (uint8_t)(v >> 8);
}

static inline void ndr_put32(uint8_t *rec, uint32_t off, uint32_t v)
{
	for (uint32_t i = 0; i < 4u; i++)
		rec[off + i] = (uint8_t)(v >> (8u * i));
}

static inline void ndr_put64(uint8_t *rec, uint32_t off, uint64_t v)
{
	for (uint32_t i = 0; i < 8u; i++)
		rec[off + i] = (uint8_t)(v >> (8u * i));
}

static inline uint32_t ndr_get16(const uint8_t *rec, uint32_t off)
{
	return (uint32_t)rec[off] | (uint32_t)rec[off + 1u] << 8;
}

static inline uint64_t ndr_get64(const uint8_t *rec, uint32_t off)
{
	uint64_t v = 0;
	for (uint32_t i = 0; i < 8u; i++)
		v |= (uint64_t)rec[off + i] << (8u * i);
	return v;
}

static inline uint32_t ndr_hw_min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static inline uint64_t ndr_hw_max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Offsets of record fields, for the ndr_put* writers. */
#define NDR_OFF(type, field) ((uint32_t)__builtin_offsetof(struct type, field))

#endif /* NDR_HLS_H */
