/* Fixed-point entropy and the log2 table (hw/src/entropy.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ndr_hw.h"

static uint16_t entropy_of(const char *s)
{
	struct ndr_entropy_acc acc;
	ndr_entropy_clear(&acc);
	for (size_t i = 0; s[i]; i++)
		ndr_entropy_add(&acc, (uint8_t)s[i]);
	return ndr_entropy_q12(&acc);
}

static void test_log2_table(void **state)
{
	(void)state;
	assert_int_equal(ndr_log2_q16[0], 0);
	assert_int_equal(ndr_log2_q16[1], 0);
	assert_int_equal(ndr_log2_q16[2], 65536);
	assert_int_equal(ndr_log2_q16[64], 6u << 16);
	assert_int_equal(ndr_log2_q16[1024], 10u << 16);
	/* log2(3) * 65536 = 103872.04..., log2(1000) * 65536 = 653117.6... */
	assert_int_equal(ndr_log2_q16[3], 103872);
	assert_int_equal(ndr_log2_q16[1000], 653118);
	for (uint32_t x = 2; x <= 1024; x++)
		assert_true(ndr_log2_q16[x] > ndr_log2_q16[x - 1]);
}

static void test_equal_counts_64(void **state)
{
	(void)state;
	struct ndr_entropy_acc acc;
	ndr_entropy_clear(&acc);
	for (uint32_t i = 0; i < 64; i++)
		ndr_entropy_add(&acc, (uint8_t)(i * 3));
	assert_int_equal(acc.n, 64);
	assert_int_equal(ndr_entropy_q12(&acc), 6u << 12);

	/* two symbols, 32 each: exactly one bit */
	ndr_entropy_clear(&acc);
	for (uint32_t i = 0; i < 64; i++)
		ndr_entropy_add(&acc, (uint8_t)(i & 1 ? 'a' : 'b'));
	assert_int_equal(ndr_entropy_q12(&acc), 1u << 12);
}

static void test_single_char_and_empty(void **state)
{
	(void)state;
	assert_int_equal(entropy_of("aaaaaaaaaaaaaaaaaaaaaaaa"), 0);
	assert_int_equal(entropy_of("x"), 0);
	assert_int_equal(entropy_of(""), 0);
}

static void test_known_strings(void **state)
{
	(void)state;
	/* "aab": n=3, counts 2,1:
	 * (3*L(3) - 2*L(2)) / 3 = (311616 - 131072) / 3 = 60181 (trunc); >> 4 = 3761
	 * (true value 0.9183 bits * 4096 = 3761.3) */
	assert_int_equal(entropy_of("aab"), 3761);
	/* "google": n=6, g2 o2 l1 e1: (6*169408 - 2*2*65536) / 6 = 125717; >> 4 = 7857 */
	assert_int_equal(entropy_of("google"), 7857);
	/* four equal symbols: exactly 2 bits */
	assert_int_equal(entropy_of("abcd"), 2u << 12);
}

static void test_acc_matches_histogram(void **state)
{
	(void)state;
	srand(7);
	for (int round = 0; round < 200; round++) {
		struct ndr_entropy_acc acc;
		uint16_t hist[256] = {0};
		ndr_entropy_clear(&acc);
		uint32_t n = (uint32_t)(rand() % 1025);
		uint32_t alphabet = 1 + (uint32_t)(rand() % 256);
		for (uint32_t i = 0; i < n; i++) {
			uint8_t b = (uint8_t)(rand() % alphabet);
			ndr_entropy_add(&acc, b);
			hist[b]++;
		}
		assert_int_equal(ndr_entropy_q12(&acc), ndr_entropy_hist_q12(hist, n));
		assert_true(ndr_entropy_q12(&acc) <= 8u << 12);
	}
}

static void test_acc_stops_at_1024(void **state)
{
	(void)state;
	struct ndr_entropy_acc acc;
	ndr_entropy_clear(&acc);
	for (uint32_t i = 0; i < 2000; i++)
		ndr_entropy_add(&acc, (uint8_t)(i < 1024 ? i & 3 : 0xff));
	assert_int_equal(acc.n, 1024);
	assert_int_equal(acc.hist[0xff], 0);
	assert_int_equal(ndr_entropy_q12(&acc), 2u << 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log2_table),
		cmocka_unit_test(test_equal_counts_64),
		cmocka_unit_test(test_single_char_and_empty),
		cmocka_unit_test(test_known_strings),
		cmocka_unit_test(test_acc_matches_histogram),
		cmocka_unit_test(test_acc_stops_at_1024),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
