/*
 * test_regdomain.c - registered domains via the Public Suffix List, and the
 * cache in front of libpsl: every answer, cached or not, must be libpsl's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <libpsl.h>

#include "ndr_regdomain.h"

static int setup(void **state)
{
	char err[256];

	*state = ndr_regdomain_open(err, sizeof(err));
	if (!*state)
		print_error("%s\n", err);
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	ndr_regdomain_close(*state);
	return 0;
}

static void expect_domain(void *rd, const char *name, const char *want)
{
	const char *got;

	assert_int_equal(ndr_regdomain_get(rd, name, &got), NDR_RD_OK);
	assert_non_null(got);
	assert_string_equal(got, want);
	/* the result points into the name, at its tail */
	assert_ptr_equal(got, name + strlen(name) - strlen(want));
}

static void expect_kind(void *rd, const char *name, enum ndr_rd_kind kind)
{
	const char *got = "x";

	assert_int_equal(ndr_regdomain_get(rd, name, &got), kind);
	assert_null(got);
}

static void test_registered(void **state)
{
	expect_domain(*state, "www.example.com", "example.com");
	expect_domain(*state, "example.com", "example.com");
	expect_domain(*state, "a.b.example.co.uk", "example.co.uk");
	/* the case a two-label guess gets wrong: every *.com.br merged */
	expect_domain(*state, "www.loja.com.br", "loja.com.br");
	expect_domain(*state, "cdn.outra.com.br", "outra.com.br");
	/* private section: each customer of a hosting suffix is its own */
	expect_domain(*state, "x.y.blogspot.com", "y.blogspot.com");
	expect_domain(*state, "a.evil.duckdns.org", "evil.duckdns.org");
	/* unlisted TLDs (internal zones) take the default "*" rule */
	expect_domain(*state, "dc1.corp.local", "corp.local");
	/* odd bytes in labels left of the domain do not matter */
	expect_domain(*state, "a_b\xc3\x28.x y.example.org", "example.org");
	assert_true(strcmp(ndr_regdomain_source(*state), "latest") == 0 ||
		    strcmp(ndr_regdomain_source(*state), "builtin") == 0);
}

static void test_no_domain(void **state)
{
	expect_kind(*state, "", NDR_RD_NONE);
	expect_kind(*state, "com", NDR_RD_NONE);
	expect_kind(*state, "co.uk", NDR_RD_NONE);
	expect_kind(*state, "localhost", NDR_RD_NONE);
	expect_kind(*state, "wpad", NDR_RD_NONE);
	expect_kind(*state, "1.2.3.4", NDR_RD_NONE);
	expect_kind(*state, "10.0.0.1", NDR_RD_NONE);
}

static void test_reverse(void **state)
{
	expect_kind(*state, "1.0.168.192.in-addr.arpa", NDR_RD_REVERSE);
	expect_kind(*state, "in-addr.arpa", NDR_RD_REVERSE);
	expect_kind(*state, "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa",
		    NDR_RD_REVERSE);
	/* not a reverse zone, only a look-alike label */
	expect_domain(*state, "x.notin-addr.arpa.example.com", "example.com");
}

/* The same names again: now from the cache, into other buffers. */
static void test_cached_answers(void **state)
{
	uint64_t lookups, hits, hits_before;

	ndr_regdomain_counts(*state, &lookups, &hits_before);
	test_registered(state);
	test_no_domain(state);
	test_reverse(state);
	ndr_regdomain_counts(*state, &lookups, &hits);
	assert_true(hits - hits_before >= 20u);
	assert_true(lookups > hits);
}

/* Many names (so slots are shared and replaced), some of them long enough
 * to bypass the cache, each looked up three times and checked against
 * libpsl itself. */
static void test_cache_against_libpsl(void **state)
{
	static const char *const zones[] = {
		"example.com", "example.co.uk", "blogspot.com", "duckdns.org", "com.br",
		"compute.amazonaws.com", "s3.amazonaws.com", "corp.local", "co.uk", "com",
	};
	const psl_ctx_t *psl = strcmp(ndr_regdomain_source(*state), "latest") == 0
			       ? psl_latest(NULL) : psl_builtin();
	char name[300], copy[300];
	uint64_t lookups0, hits0, lookups, hits;

	assert_non_null(psl);
	ndr_regdomain_counts(*state, &lookups0, &hits0);
	for (int round = 0; round < 3; round++) {
		for (unsigned i = 0; i < 6000; i++) {
			const char *zone = zones[i % (sizeof(zones) / sizeof(zones[0]))];
			if (i % 97u == 0u)       /* past the cache's name limit */
				snprintf(name, sizeof(name), "%0120u.h%u.%s", i, i % 7u, zone);
			else
				snprintf(name, sizeof(name), "h%u.s%u.%s", i % 3000u, i % 5u, zone);
			const char *want = psl_registrable_domain(psl, name);
			/* twice, as a query and its response: the second from
			 * the cache unless the name is too long for it */
			for (int twice = 0; twice < 2; twice++) {
				const char *got = NULL;
				memcpy(copy, name, sizeof(name));
				enum ndr_rd_kind kind = ndr_regdomain_get(*state, copy, &got);
				if (want) {
					assert_int_equal(kind, NDR_RD_OK);
					assert_non_null(got);
					assert_string_equal(got, want);
					assert_ptr_equal(got, copy + (want - name));
				} else {
					assert_int_equal(kind, NDR_RD_NONE);
					assert_null(got);
				}
			}
		}
	}
	ndr_regdomain_counts(*state, &lookups, &hits);
	assert_int_equal(lookups - lookups0, 36000);
	assert_true(hits - hits0 >= 18000u - 3u * 62u);
	if (strcmp(ndr_regdomain_source(*state), "latest") == 0)
		psl_free((psl_ctx_t *)psl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registered),
		cmocka_unit_test(test_no_domain),
		cmocka_unit_test(test_reverse),
		cmocka_unit_test(test_cached_answers),
		cmocka_unit_test(test_cache_against_libpsl),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
