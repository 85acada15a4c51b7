/*
 * entropy.c - Shannon entropy of a byte histogram in fixed point, with the
 * integer log2 table, bit for bit as docs/dataplane.md "Fixed-point entropy":
 *
 *   H16 = (n * L(n) - sum over c_i > 0 of c_i * L(c_i)) / n   (u64, truncating)
 *   H   = H16 >> 4                                            (Q4.12)
 *
 * The accumulator counts bytes and remembers which bins it touched; the
 * entropy sums c_i * L(c_i) over those bins only, which is the formula's
 * sum (bins with c_i = 0 add nothing). A walk engine sums
 * NDR_ENTROPY_BINS_PER_CLOCK bins a clock (ndr_entropy_sum_step).
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
	NDR_FOR_N(i, acc->ntouched, 256u)
		acc->hist[acc->touched[i]] = 0;
	acc->ntouched = 0;
	acc->n = 0;
}

uint16_t ndr_entropy_from_sum(uint32_t n, uint64_t sum_clc)
{
	if (n == 0)
		return 0;
	uint64_t h16 = ((uint64_t)n * ndr_log2_q16[n] - sum_clc) / n;
	return (uint16_t)(h16 >> (16u - NDR_ENTROPY_FRAC_BITS));
}

bool ndr_entropy_sum_step(const struct ndr_entropy_acc *acc, uint32_t *at, uint64_t *sum)
{
	uint32_t base = *at;
	uint64_t s = 0;
	for (uint32_t k = 0; k < NDR_ENTROPY_BINS_PER_CLOCK; k++) {
		uint32_t i = base + k;
		if (i < acc->ntouched) {
			uint32_t c = acc->hist[acc->touched[i & 0xffu]];
			s += (uint64_t)c * ndr_log2_q16[c];
		}
	}
	*sum += s;
	*at = base + NDR_ENTROPY_BINS_PER_CLOCK;
	return *at >= acc->ntouched;
}

uint16_t ndr_entropy_q12(const struct ndr_entropy_acc *acc)
{
	uint64_t sum = 0;
	NDR_FOR_N(i, acc->ntouched, 256u) {
		uint32_t c = acc->hist[acc->touched[i]];
		sum += (uint64_t)c * ndr_log2_q16[c];
	}
	return ndr_entropy_from_sum(acc->n, sum);
}

uint16_t ndr_entropy_hist_q12(const uint16_t hist[256], uint32_t n)
{
	uint64_t sum = 0;
	bool over = n > NDR_LOG2_TABLE_MAX;
	for (uint32_t i = 0; i < 256u; i++) {
		uint32_t c = hist[i];
		if (c > NDR_LOG2_TABLE_MAX)
			over = true;
		else
			sum += (uint64_t)c * ndr_log2_q16[c];
	}
	return over ? 0u : ndr_entropy_from_sum(n, sum);
}
