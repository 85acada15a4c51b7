/*
 * entropy.c - Shannon entropy of a byte histogram in fixed point, with the
 * integer log2 table, bit for bit as docs/dataplane.md "Fixed-point entropy":
 *
 *   H16 = (n * L(n) - sum over c_i > 0 of c_i * L(c_i)) / n   (u64, truncating)
 *   H   = H16 >> 4                                            (Q4.12)
 *
 * The accumulator counts bytes and remembers which bins it touched; the
 * entropy sums c_i * L(c_i) over those bins only, which is the formula's
 * sum (bins with c_i = 0 add nothing).
 */
#include "ndr_hw.h"

void ndr_entropy_clear(struct ndr_entropy_acc *acc)
{
	for (uint32_t i = 0; i < 256u; i++)
		acc->hist[i] = 0;
	acc->ntouched = 0;
	acc->n = 0;
}

void ndr_entropy_reset(struct ndr_entropy_acc *acc)
{
	for (uint32_t i = 0; i < 256u; i++) {
		if (i >= acc->ntouched)
			break;
		acc->hist[acc->touched[i]] = 0;
	}
	acc->ntouched = 0;
	acc->n = 0;
}

static uint16_t entropy_from_sum(uint32_t n, uint64_t sum_clc)
{
	if (n == 0)
		return 0;
	uint64_t h16 = ((uint64_t)n * ndr_log2_q16[n] - sum_clc) / n;
	return (uint16_t)(h16 >> (16u - NDR_ENTROPY_FRAC_BITS));
}

uint16_t ndr_entropy_q12(const struct ndr_entropy_acc *acc)
{
	uint64_t sum = 0;
	for (uint32_t i = 0; i < 256u; i++) {
		if (i >= acc->ntouched)
			break;
		uint32_t c = acc->hist[acc->touched[i]];
		sum += (uint64_t)c * ndr_log2_q16[c];
	}
	return entropy_from_sum(acc->n, sum);
}

uint16_t ndr_entropy_hist_q12(const uint16_t hist[256], uint32_t n)
{
	if (n > NDR_LOG2_TABLE_MAX)
		return 0;
	uint64_t sum = 0;
	for (uint32_t i = 0; i < 256u; i++) {
		uint32_t c = hist[i];
		if (c > NDR_LOG2_TABLE_MAX)
			return 0;
		sum += (uint64_t)c * ndr_log2_q16[c];
	}
	return entropy_from_sum(n, sum);
}
