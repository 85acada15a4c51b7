/*
 * ndr_hw_entropy.h - the log2 table and fixed-point Shannon entropy
 * (entropy.c, log2_table.c; docs/dataplane.md "Fixed-point entropy").
 */
#ifndef NDR_HW_ENTROPY_H
#define NDR_HW_ENTROPY_H

#define NDR_LOG2_TABLE_MAX 1024u
/* Histogram bins an engine sums per clock (docs/microarchitecture.md). */
#define NDR_ENTROPY_BINS_PER_CLOCK 8u

/* ndr_log2_q16[x] = round(log2(x) * 2^16), [0] = 0; hw/tools/gen_log2_table.py */
extern const uint32_t ndr_log2_q16[NDR_LOG2_TABLE_MAX + 1u];

/* A byte histogram with the list of bins it touched, so that neither the
 * entropy (a sum over the touched bins) nor the reset needs a pass over all
 * 256 bins: in hardware, lane histograms with valid bits, summed over the
 * touched bins at the end. n stops at NDR_LOG2_TABLE_MAX: further bytes are
 * ignored. */
struct ndr_entropy_acc {
	uint16_t hist[256];
	uint8_t  touched[256];
	uint32_t ntouched;
	uint32_t n;
};

/* Every bin to zero (for an accumulator of unknown contents). */
void ndr_entropy_clear(struct ndr_entropy_acc *acc);
/* The touched bins to zero (for an accumulator cleared before): in
 * hardware a clear of the valid bits, one clock. */
void ndr_entropy_reset(struct ndr_entropy_acc *acc);
/* For a caller that knows n is below NDR_LOG2_TABLE_MAX. */
static inline void ndr_entropy_add_below_max(struct ndr_entropy_acc *acc, uint8_t byte)
{
	if (acc->hist[byte]++ == 0u)
		acc->touched[acc->ntouched++] = byte;
	acc->n++;
}

static inline void ndr_entropy_add(struct ndr_entropy_acc *acc, uint8_t byte)
{
	if (acc->n < NDR_LOG2_TABLE_MAX)
		ndr_entropy_add_below_max(acc, byte);
}

/* One clock of the summation: c * L(c) of the touched bins [*at, *at + 8)
 * added to *sum; true when every touched bin is summed. */
bool ndr_entropy_sum_step(const struct ndr_entropy_acc *acc, uint32_t *at, uint64_t *sum);
/* Entropy of n bytes whose bins sum to sum_clc, Q4.12. */
uint16_t ndr_entropy_from_sum(uint32_t n, uint64_t sum_clc);
/* Shannon entropy in bits per byte, Q4.12, in one go (the summation of
 * ndr_entropy_sum_step to its end). */
uint16_t ndr_entropy_q12(const struct ndr_entropy_acc *acc);
/* The same value straight from a histogram of n bytes (n <= 1024). */
uint16_t ndr_entropy_hist_q12(const uint16_t hist[256], uint32_t n);

#endif
