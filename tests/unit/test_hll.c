/*
 * test_hll.c - HyperLogLog accuracy, the sparse form against plain
 * registers, and the 64-bit hash.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_hll.h"

/* Distinct names "host-<i>.example.com", hashed like the detector does. */
static double count_names(unsigned precision, unsigned n, uint64_t seed)
{
	uint8_t *regs = malloc(ndr_hll_reg_bytes(precision));
	struct ndr_hll h;
	char name[64];
	double est;

	assert_non_null(regs);
	assert_int_equal(ndr_hll_init(&h, precision, regs), 0);
	for (unsigned i = 0; i < n; i++) {
		int len = snprintf(name, sizeof(name), "host-%u.example.com", i);
		uint64_t hash = ndr_hash64(name, (size_t)len, seed);

		ndr_hll_add_hash(&h, hash);
		ndr_hll_add_hash(&h, hash);   /* repeats never count */
	}
	est = ndr_hll_estimate(&h);
	free(regs);
	return est;
}

/* Every seed within 4 standard errors (1.04/sqrt(m)); the root mean square
 * relative error over 16 seeds within 1.5 standard errors (an unbiased
 * estimator gives about 1.0; the original HLL's bias bump near 2.5 m gave
 * 1.8 at precision 12 and 10k names). */
static void check_error(unsigned precision, unsigned n)
{
	double se = 1.04 / sqrt((double)(1u << precision));
	double sum_sq = 0;
	const unsigned seeds = 16;

	for (unsigned s = 1; s <= seeds; s++) {
		double est = count_names(precision, n, 0x1234567ull * s);
		double rel = (est - n) / n;

		print_message("p=%u n=%u seed=%u estimate=%.0f error=%+.2f%%\n",
			      precision, n, s, est, 100 * rel);
		assert_true(fabs(rel) < 4 * se);
		sum_sq += rel * rel;
	}
	print_message("p=%u n=%u rms error %.2f%% (standard error %.2f%%)\n", precision, n,
		      100 * sqrt(sum_sq / seeds), 100 * se);
	assert_true(sqrt(sum_sq / seeds) < 1.5 * se);
}

static void test_error_1k(void **state)
{
	(void)state;
	check_error(10, 1000);
	check_error(12, 1000);
}

static void test_error_10k(void **state)
{
	(void)state;
	check_error(10, 10000);
	check_error(12, 10000);
}

static void test_error_100k(void **state)
{
	(void)state;
	check_error(10, 100000);
	check_error(12, 100000);
}

/* Small range: linear counting makes tiny sets nearly exact. */
static void test_small_counts(void **state)
{
	(void)state;
	assert_true(count_names(10, 0, 1) == 0.0);
	for (unsigned n = 1; n <= 50; n++)
		assert_true(fabs(count_names(10, n, 7) - n) <= 1.0 + 0.02 * n);
}

static void test_reset_and_bounds(void **state)
{
	uint8_t regs[1 << 6];
	struct ndr_hll h;

	(void)state;
	assert_int_equal(ndr_hll_init(&h, 3, regs), -1);
	assert_int_equal(ndr_hll_init(&h, 17, regs), -1);
	assert_int_equal(ndr_hll_reg_bytes(17), 0);
	assert_int_equal(ndr_hll_reg_bytes(6), 64);
	assert_int_equal(ndr_hll_init(&h, 6, regs), 0);
	for (uint64_t i = 0; i < 1000; i++)
		ndr_hll_add_hash(&h, ndr_hash64(&i, sizeof(i), 0));
	assert_true(ndr_hll_estimate(&h) > 500);
	ndr_hll_reset(&h);
	assert_true(ndr_hll_estimate(&h) == 0.0);
	/* the extreme hashes must not overflow a register or the sum */
	ndr_hll_add_hash(&h, 0);
	ndr_hll_add_hash(&h, UINT64_MAX);
	assert_true(ndr_hll_estimate(&h) > 1.5 && ndr_hll_estimate(&h) < 2.5);
}

static void test_hash(void **state)
{
	const char *a = "abc.example.com";

	(void)state;
	assert_true(ndr_hash64(a, strlen(a), 1) == ndr_hash64(a, strlen(a), 1));
	assert_true(ndr_hash64(a, strlen(a), 1) != ndr_hash64(a, strlen(a), 2));
	assert_true(ndr_hash64(a, strlen(a), 1) != ndr_hash64("abd.example.com", strlen(a), 1));
	/* avalanche: one flipped input bit flips about half the output bits */
	unsigned total = 0;
	for (uint64_t i = 0; i < 1000; i++) {
		uint64_t j = i ^ 1;
		total += (unsigned)__builtin_popcountll(ndr_hash64(&i, 8, 0) ^ ndr_hash64(&j, 8, 0));
	}
	assert_true(total > 1000 * 28 && total < 1000 * 36);
}

/* The counter against plain registers: after every add, the zero count and
 * the fixed-point sum (so the estimate) are those of a full register array
 * built the obvious way, through the sparse pairs, their write-out and
 * resets, on register memory that starts as garbage; once written out, the
 * registers are the plain ones. */
static void check_against_plain(unsigned p, unsigned n, uint64_t seed)
{
	size_t m = (size_t)1 << p;
	uint8_t *regs = malloc(m), *plain = calloc(m, 1);
	struct ndr_hll h;
	uint64_t x = seed;

	assert_non_null(regs);
	assert_non_null(plain);
	memset(regs, 0xa5, m);
	assert_int_equal(ndr_hll_init(&h, p, regs), 0);
	for (unsigned i = 0; i < n; i++) {
		uint64_t hash, rest, sum = 0;
		unsigned rank;
		uint32_t zeros = 0;

		if (i == n / 2) {                /* a window restarts */
			ndr_hll_reset(&h);
			memset(plain, 0, m);
		}
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		hash = ndr_hash64(&x, sizeof(x), 7);
		rest = (hash << p) | ((uint64_t)1 << (p - 1));
		rank = (unsigned)__builtin_clzll(rest) + 1;
		if (rank > plain[hash >> (64 - p)])
			plain[hash >> (64 - p)] = (uint8_t)rank;
		ndr_hll_add_hash(&h, hash);
		for (size_t r = 0; r < m; r++) {
			zeros += plain[r] == 0;
			if (plain[r] <= 63 - p)
				sum += (uint64_t)1 << (63 - p - plain[r]);
		}
		assert_int_equal(h.zeros, zeros);
		assert_true(h.sum == sum);
		if (h.sparse == NDR_HLL_DENSE)
			assert_memory_equal(regs, plain, m);
	}
	assert_int_equal(h.sparse, NDR_HLL_DENSE);   /* the stream was long enough */
	free(regs);
	free(plain);
}

static void test_sparse_is_exact(void **state)
{
	(void)state;
	for (unsigned p = NDR_HLL_MIN_PRECISION; p <= 12; p++)
		for (uint64_t seed = 1; seed <= 3; seed++)
			check_against_plain(p, 200, seed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_1k),
		cmocka_unit_test(test_error_10k),
		cmocka_unit_test(test_error_100k),
		cmocka_unit_test(test_small_counts),
		cmocka_unit_test(test_reset_and_bounds),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_sparse_is_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
