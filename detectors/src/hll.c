/*
 * hll.c - HyperLogLog distinct counter (see ndr_hll.h).
 */
#include <math.h>
#include <string.h>

#include "ndr_hll.h"

size_t ndr_hll_reg_bytes(unsigned precision)
{
	if (precision < NDR_HLL_MIN_PRECISION || precision > NDR_HLL_MAX_PRECISION)
		return 0;
	return (size_t)1 << precision;
}

/* 2^-r in fixed point with 63 - p fractional bits, so that m registers of
 * value 0 sum to exactly 2^63. Ranks beyond 63 - p (probability 2^-59 per
 * element) round to 0, which changes nothing measurable. */
static uint64_t inv_pow2(const struct ndr_hll *h, unsigned r)
{
	unsigned frac = 63u - h->precision;

	return r > frac ? 0 : (uint64_t)1 << (frac - r);
}

void ndr_hll_reset(struct ndr_hll *h)
{
	size_t m = (size_t)1 << h->precision;

	h->sparse = 0;
	h->zeros = (uint32_t)m;
	h->sum = (uint64_t)1 << 63;
}

int ndr_hll_init(struct ndr_hll *h, unsigned precision, uint8_t *regs)
{
	if (ndr_hll_reg_bytes(precision) == 0)
		return -1;
	h->reg = regs;
	h->precision = (uint8_t)precision;
	h->pad = 0;
	ndr_hll_reset(h);
	return 0;
}

/* Pairs a sparse counter holds at most: 4-byte pairs in 64 bytes, or in a
 * quarter of the registers when there are fewer. */
static unsigned sparse_max(const struct ndr_hll *h)
{
	unsigned quarter = (1u << h->precision) / 16u;

	return quarter < NDR_HLL_SPARSE_MAX ? quarter : NDR_HLL_SPARSE_MAX;
}

/* A pair: register index << 8 | rank. */
static uint32_t pair_at(const struct ndr_hll *h, unsigned i)
{
	uint32_t v;

	memcpy(&v, h->reg + 4 * i, 4);
	return v;
}

static void pair_set(struct ndr_hll *h, unsigned i, uint32_t v)
{
	memcpy(h->reg + 4 * i, &v, 4);
}

/* Writes the pairs out as full registers. */
static void densify(struct ndr_hll *h)
{
	uint32_t pairs[NDR_HLL_SPARSE_MAX];
	unsigned n = h->sparse;

	for (unsigned i = 0; i < n; i++)
		pairs[i] = pair_at(h, i);
	memset(h->reg, 0, (size_t)1 << h->precision);
	for (unsigned i = 0; i < n; i++)
		h->reg[pairs[i] >> 8] = (uint8_t)pairs[i];
	h->sparse = NDR_HLL_DENSE;
}

/* Register idx's rank, and where a sparse counter keeps it (*slot; the
 * next free pair when it is 0). */
static unsigned rank_of(const struct ndr_hll *h, size_t idx, unsigned *slot)
{
	if (h->sparse == NDR_HLL_DENSE)
		return h->reg[idx];
	for (unsigned i = 0; i < h->sparse; i++) {
		uint32_t v = pair_at(h, i);

		if (v >> 8 == idx) {
			*slot = i;
			return v & 0xffu;
		}
	}
	*slot = h->sparse;
	return 0;
}

void ndr_hll_add_hash(struct ndr_hll *h, uint64_t hash)
{
	unsigned p = h->precision, slot = 0;
	size_t idx = (size_t)(hash >> (64u - p));
	/* The remaining 64 - p bits, with a sentinel bit so the rank is at
	 * most 64 - p + 1 and clz never sees 0. */
	uint64_t rest = (hash << p) | ((uint64_t)1 << (p - 1u));
	unsigned rank = (unsigned)__builtin_clzll(rest) + 1u;
	unsigned old = rank_of(h, idx, &slot);

	if (rank <= old)
		return;
	if (old == 0)
		h->zeros--;
	h->sum = h->sum - inv_pow2(h, old) + inv_pow2(h, rank);
	if (h->sparse != NDR_HLL_DENSE) {
		if (slot < h->sparse || slot < sparse_max(h)) {
			pair_set(h, slot, (uint32_t)idx << 8 | rank);
			if (slot == h->sparse)
				h->sparse++;
			return;
		}
		densify(h);
	}
	h->reg[idx] = (uint8_t)rank;
}

/* sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1), Ertl 2017, eq. (13); x < 1. */
static double sigma(double x)
{
	double y = 1.0, z = x, prev;

	do {
		x *= x;
		prev = z;
		z += x * y;
		y += y;
	} while (z != prev);
	return z;
}

/*
 * Ertl's improved raw estimator ("New cardinality estimation algorithms for
 * HyperLogLog sketches", 2017). It needs only the number of zero registers
 * and the sum of 2^-r over the others, both kept incrementally, and has no
 * bias bump where the original switches from linear counting (about 2.5 m
 * distinct elements, +1.4 % at precision 12), so no empirical bias tables.
 * Registers at the largest rank (probability 2^-(64-p) per element) are
 * treated as ordinary ones.
 */
double ndr_hll_estimate(const struct ndr_hll *h)
{
	double m = (double)((uint64_t)1 << h->precision);
	/* h->sum has 63 - p fractional bits: scale to the sum of 2^-reg[i] */
	double total = ldexp((double)h->sum, -(int)(63u - h->precision));
	double nonzero = total - (double)h->zeros;

	if (h->zeros == (uint32_t)m)
		return 0.0;
	return m * m / (2.0 * M_LN2) / (m * sigma((double)h->zeros / m) + nonzero);
}

uint64_t ndr_hash64(const void *data, size_t len, uint64_t seed)
{
	const uint64_t mul = 0xc6a4a7935bd1e995ull;
	const int r = 47;
	const unsigned char *p = data;
	uint64_t h = seed ^ (len * mul);
	size_t blocks = len / 8;

	for (size_t i = 0; i < blocks; i++) {
		uint64_t k;

		memcpy(&k, p + i * 8, 8);   /* little-endian hosts only, like the ABI */
		k *= mul;
		k ^= k >> r;
		k *= mul;
		h ^= k;
		h *= mul;
	}
	p += blocks * 8;
	switch (len & 7) {
	case 7: h ^= (uint64_t)p[6] << 48; /* fall through */
	case 6: h ^= (uint64_t)p[5] << 40; /* fall through */
	case 5: h ^= (uint64_t)p[4] << 32; /* fall through */
	case 4: h ^= (uint64_t)p[3] << 24; /* fall through */
	case 3: h ^= (uint64_t)p[2] << 16; /* fall through */
	case 2: h ^= (uint64_t)p[1] << 8;  /* fall through */
	case 1: h ^= (uint64_t)p[0];
		h *= mul;
	}
	h ^= h >> r;
	h *= mul;
	h ^= h >> r;
	return h;
}
