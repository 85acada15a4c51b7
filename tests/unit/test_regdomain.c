/*
 * test_regdomain.c - registered domains from the Public Suffix List: the
 * hash table built from the system list must answer as libpsl does, on
 * every rule of the list in every shape a rule can match, and on the
 * names the detector tests use.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <ctype.h>
#include <stdlib.h>

#include <idn2.h>
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
	/* the table answers (not libpsl): what the tests below compare */
	assert_string_equal(ndr_regdomain_source(*state), "latest");
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

/* Case does not matter to the answer, and the offset is into the name as
 * given; the lookup counter counts. */
static void test_case_and_offsets(void **state)
{
	const char *name = "WWW.Example.CO.UK";
	size_t off = 99;

	assert_int_equal(ndr_regdomain_find(*state, name, strlen(name), &off), NDR_RD_OK);
	assert_string_equal(name + off, "Example.CO.UK");
	/* a length shorter than the string: only that prefix is the name */
	assert_int_equal(ndr_regdomain_find(*state, "a.example.com.evil", 13, &off), NDR_RD_OK);
	assert_int_equal(off, 2);
	assert_int_equal(ndr_regdomain_find(*state, "CO.UK", 5, &off), NDR_RD_NONE);
	uint64_t before = ndr_regdomain_lookups(*state);
	const char *d;
	ndr_regdomain_get(*state, "x.example.org", &d);
	ndr_regdomain_get(*state, "co.uk", &d);
	assert_int_equal(ndr_regdomain_lookups(*state) - before, 2);
}

static const psl_ctx_t *libpsl(void)
{
	const psl_ctx_t *psl = psl_latest(NULL);

	assert_non_null(psl);
	return psl;
}

/* Ours against libpsl on one name; both get it lower case (libpsl needs
 * that). Returns 1 when they agree. */
static int agree(void *rd, const psl_ctx_t *psl, const char *name)
{
	const char *want = psl_registrable_domain(psl, name);
	size_t off, len = strlen(name);
	enum ndr_rd_kind kind = ndr_regdomain_find(rd, name, len, &off);

	/* reverse zones are classified on purpose (test_reverse) */
	if ((len >= 12 && strcmp(name + len - 12, "in-addr.arpa") == 0) ||
	    (len >= 8 && strcmp(name + len - 8, "ip6.arpa") == 0))
		return kind == NDR_RD_REVERSE;
	if (!want)
		return kind != NDR_RD_OK;
	return kind == NDR_RD_OK && strcmp(name + off, want) == 0;
}

static unsigned check_shapes(void *rd, const psl_ctx_t *psl, const char *base,
			     unsigned *checked)
{
	static const char *const prefixes[] = { "", "x.", "y.x.", "z.y.x." };
	char name[600];
	unsigned bad = 0;

	for (unsigned k = 0; k < 4; k++) {
		snprintf(name, sizeof(name), "%s%s", prefixes[k], base);
		(*checked)++;
		if (!agree(rd, psl, name)) {
			if (bad++ < 5)
				print_error("disagree on '%s'\n", name);
		}
	}
	return bad;
}

/* Every rule of the system list (read here, apart from the code under
 * test), as the suffix itself and under one, two and three more labels,
 * in the form written and, for internationalised rules, in the ASCII form
 * DNS carries: about 40 000 names. */
static void test_whole_list_against_libpsl(void **state)
{
	const psl_ctx_t *psl = libpsl();
	FILE *f = fopen("/usr/share/publicsuffix/public_suffix_list.dat", "r");
	char line[512];
	unsigned rules = 0, checked = 0, bad = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end, *puny;
		const char *base;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p || (p[0] == '/' && p[1] == '/'))
			continue;
		for (end = p; *end && !isspace((unsigned char)*end); end++)
			*end = (char)tolower((unsigned char)*end);
		*end = '\0';
		base = p[0] == '!' ? p + 1 : (p[0] == '*' && p[1] == '.') ? p + 2 : p;
		rules++;
		bad += check_shapes(*state, psl, base, &checked);
		if (idn2_to_ascii_8z(base, &puny, IDN2_NONTRANSITIONAL) == IDN2_OK) {
			if (strcmp(puny, base) != 0)
				bad += check_shapes(*state, psl, puny, &checked);
			idn2_free(puny);
		}
	}
	fclose(f);
	print_message("%u rules, %u names checked, %u disagree\n", rules, checked, bad);
	assert_true(rules > 5000);
	assert_int_equal(bad, 0);
	psl_free((psl_ctx_t *)psl);
}

/* The names the detector tests and the old cache test used, many
 * variations each, against libpsl. */
static void test_names_against_libpsl(void **state)
{
	static const char *const zones[] = {
		"example.com", "example.co.uk", "blogspot.com", "duckdns.org", "com.br",
		"compute.amazonaws.com", "s3.amazonaws.com", "corp.local", "co.uk", "com",
		"tunnel.example", "t.tunnel.example", "dns2tcp.test", "iodine.test", "ck",
		"www.ck", "kawasaki.jp", "city.kawasaki.jp", "nom.br", "xn--55qx5d.cn",
		"github.io", "herokuapp.com", "localhost", "in-addr.arpa.example.com",
	};
	const psl_ctx_t *psl = libpsl();
	char name[300];
	unsigned checked = 0;

	for (unsigned i = 0; i < 6000; i++) {
		const char *zone = zones[i % (sizeof(zones) / sizeof(zones[0]))];

		if (i % 97u == 0u)
			snprintf(name, sizeof(name), "%0120u.h%u.%s", i, i % 7u, zone);
		else if (i % 3u == 0u)
			snprintf(name, sizeof(name), "%s", zone);
		else
			snprintf(name, sizeof(name), "h%u.s%u.%s", i % 3000u, i % 5u, zone);
		checked++;
		if (!agree(*state, psl, name))
			fail_msg("'%s': libpsl says %s", name,
				 psl_registrable_domain(psl, name) ? psl_registrable_domain(psl, name)
								   : "none");
	}
	assert_int_equal(checked, 6000);
	psl_free((psl_ctx_t *)psl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registered),
		cmocka_unit_test(test_no_domain),
		cmocka_unit_test(test_reverse),
		cmocka_unit_test(test_case_and_offsets),
		cmocka_unit_test(test_whole_list_against_libpsl),
		cmocka_unit_test(test_names_against_libpsl),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
