/*
 * golden_entropy.c - fixed-point Shannon entropy, docs/dataplane.md
 * "Fixed-point entropy". The log2 table is computed with libm at start-up
 * (the hardware has it as a ROM), so the two only agree if the formula does.
 */
#include <math.h>

#include "golden_internal.h"

void golden_log2_table_init(uint32_t tab[GOLDEN_LOG2_MAX + 1])
{
	uint32_t i;

	tab[0] = 0;
	for (i = 1; i <= GOLDEN_LOG2_MAX; i++)
		tab[i] = (uint32_t)lround(log2((double)i) * 65536.0);
}

/* n is at most GOLDEN_LOG2_MAX, the callers bound it. */
uint16_t golden_entropy(const uint32_t hist[256], uint32_t n,
			const uint32_t tab[GOLDEN_LOG2_MAX + 1])
{
	uint64_t sum;
	unsigned i;

	if (n == 0)
		return 0;
	sum = (uint64_t)n * tab[n];
	for (i = 0; i < 256; i++)
		if (hist[i] > 0)
			sum -= (uint64_t)hist[i] * tab[hist[i]];
	return (uint16_t)((sum / n) >> (16 - NDR_ENTROPY_FRAC_BITS));
}
