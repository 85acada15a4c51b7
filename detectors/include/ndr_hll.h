/*
 * ndr_hll.h - HyperLogLog distinct counter and the 64-bit hash it uses.
 *
 * Flajolet et al. 2007 with 64-bit hashes (no large-range correction is
 * needed) and Ertl's 2017 improved estimator, which includes the small-range
 * (linear counting) correction without the original's bias where it
 * switches over.
 * m = 2^precision one-byte registers; standard error 1.04 / sqrt(m)
 * (precision 10: 1 KiB, 3.3 %; 12: 4 KiB, 1.6 %).
 *
 * The registers are memory the caller owns (so a table of counters can be
 * one allocation). The sum of 2^-register is kept exactly in fixed point and
 * updated on every register change, so ndr_hll_estimate() is O(1) and cheap
 * enough to call on every record.
 *
 * Sparse while small: most counters (a client's names under one domain, a
 * source's targets) see few elements. Until more than NDR_HLL_SPARSE_MAX
 * (at most a quarter of m) registers are set, they are kept as (index,
 * rank) pairs in the first 64 bytes of the register memory, and a reset
 * touches no register at all; then the registers are written out in full.
 * The zero count and the sum move exactly as with full registers, so every
 * estimate is the same bit for bit (test_hll checks against a plain
 * implementation). The register memory need not be zeroed before init.
 */
#ifndef NDR_HLL_H
#define NDR_HLL_H

#include <stddef.h>
#include <stdint.h>

#define NDR_HLL_MIN_PRECISION 4u
#define NDR_HLL_MAX_PRECISION 16u

#define NDR_HLL_SPARSE_MAX 16u

struct ndr_hll {
	uint8_t *reg;          /* 2^precision registers, caller's memory */
	uint8_t precision;
	uint8_t pad;
	uint16_t sparse;       /* registers set, while kept as pairs; else
				* NDR_HLL_DENSE */
	uint32_t zeros;        /* registers still 0 */
	uint64_t sum;          /* sum of 2^-reg[i], fixed point 2^(63-p) */
};

#define NDR_HLL_DENSE UINT16_MAX

/* Bytes of register memory for a precision (0 if out of range). */
size_t ndr_hll_reg_bytes(unsigned precision);

/* Binds h to regs (ndr_hll_reg_bytes(precision) bytes) and clears it.
 * 0, or -1 if precision is outside [NDR_HLL_MIN_PRECISION, NDR_HLL_MAX_PRECISION]. */
int ndr_hll_init(struct ndr_hll *h, unsigned precision, uint8_t *regs);
void ndr_hll_reset(struct ndr_hll *h);

/* Adds an element by its 64-bit hash (the hash must be well mixed). */
void ndr_hll_add_hash(struct ndr_hll *h, uint64_t hash);

/* Estimated number of distinct elements added since the last reset. */
double ndr_hll_estimate(const struct ndr_hll *h);

/* MurmurHash64A (Austin Appleby, public domain): a fast, well-mixed 64-bit
 * hash. Seed it with a secret when inputs are attacker-chosen, so nobody can
 * pick names that collide. */
uint64_t ndr_hash64(const void *data, size_t len, uint64_t seed);

#endif
