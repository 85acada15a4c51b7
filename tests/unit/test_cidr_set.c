/*
 * test_cidr_set.c - prefix parsing and membership over the 16-byte form.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "ndr_cidr_set.h"

static int in(const struct ndr_cidr_set *s, const char *text)
{
	uint8_t a[16];

	assert_int_equal(ndr_addr_parse(text, a), 0);
	return ndr_cidr_set_contains(s, a);
}

static void default_internal_ranges(void **state)
{
	struct ndr_cidr_set *s = ndr_cidr_set_new();
	char err[200];

	(void)state;
	assert_int_equal(ndr_cidr_set_add_list(s, ndr_cidr_default_internal, (size_t)-1,
					       err, sizeof(err)), 0);
	assert_int_equal(ndr_cidr_set_count(s), 5);
	assert_true(in(s, "10.255.1.1"));
	assert_true(in(s, "172.31.255.255"));
	assert_false(in(s, "172.32.0.1"));
	assert_true(in(s, "192.168.0.1"));
	assert_true(in(s, "100.127.0.1"));
	assert_false(in(s, "100.128.0.1"));
	assert_true(in(s, "fd12::1"));
	assert_false(in(s, "2001:db8::1"));
	assert_false(in(s, "8.8.8.8"));
	assert_false(in(s, "::a00:1"));     /* 10.0.0.1 as IPv4-compatible, not mapped */
	ndr_cidr_set_free(s);
}

static void bad_prefixes_rejected(void **state)
{
	struct ndr_cidr_set *s = ndr_cidr_set_new();
	char err[200];

	(void)state;
	assert_int_equal(ndr_cidr_set_add(s, "10.0.0.0/33", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "10.0.0.0/33"));
	assert_int_equal(ndr_cidr_set_add(s, "10.0.0/8", err, sizeof(err)), -1);
	assert_int_equal(ndr_cidr_set_add(s, "fd00::/129", err, sizeof(err)), -1);
	assert_int_equal(ndr_cidr_set_add(s, "10.0.0.0/", err, sizeof(err)), -1);
	assert_int_equal(ndr_cidr_set_add(s, "10.1.2.3/8", err, sizeof(err)), 0);   /* host bits */
	assert_int_equal(ndr_cidr_set_add(s, "10.0.0.0/8", err, sizeof(err)), 0);   /* duplicate */
	assert_int_equal(ndr_cidr_set_count(s), 1);
	assert_true(in(s, "10.200.0.1"));
	assert_int_equal(ndr_cidr_set_add(s, "192.168.1.7", err, sizeof(err)), 0);
	assert_true(in(s, "192.168.1.7"));
	assert_false(in(s, "192.168.1.8"));
	assert_int_equal(ndr_cidr_set_add(s, "192.168.2.0/23", err, sizeof(err)), 0);
	assert_true(in(s, "192.168.3.9"));
	assert_false(in(s, "192.168.4.1"));
	ndr_cidr_set_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_internal_ranges),
		cmocka_unit_test(bad_prefixes_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
