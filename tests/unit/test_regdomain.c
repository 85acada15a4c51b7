/*
 * test_regdomain.c - registered domains via the Public Suffix List.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registered),
		cmocka_unit_test(test_no_domain),
		cmocka_unit_test(test_reverse),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
