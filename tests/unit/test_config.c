/* test_config.c - the configuration file parser and its getters. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "ndr_config.h"

static const char good[] =
	"# ndr test configuration\n"
	"; semicolon comment\n"
	"\n"
	"[card]\n"
	"hash_seed = 0x6e647221\n"
	"idle_timeout = 30s   # inline comment\n"
	"active_timeout=2m\n"
	"close_timeout = 250ms\r\n"
	"heartbeat = 5\n"
	"\n"
	"[ dns_tunnel ]\n"
	"min_queries = 20k\n"
	"entropy = 3.75\n"
	"enabled = yes\n"
	"quiet = Off\n"
	"allow_domain = example.com\n"
	"allow_domain = \"corp.example\"   ; trailing comment\n"
	"allow_domain = \"with \\\"quote\\\" and # hash\"\n"
	"name = a#b\n"
	"window = 1d\n"
	"empty =\n";

static struct ndr_config *parse_ok(const char *text)
{
	char err[256] = "";
	struct ndr_config *cfg = ndr_config_parse(text, "t.conf", err, sizeof(err));

	if (!cfg)
		fail_msg("unexpected parse error: %s", err);
	return cfg;
}

static void expect_parse_error(const char *text, const char *want)
{
	char err[256] = "";
	struct ndr_config *cfg = ndr_config_parse(text, "bad.conf", err, sizeof(err));

	if (cfg) {
		ndr_config_free(cfg);
		fail_msg("parse of %s succeeded, expected error %s", text, want);
	}
	if (!strstr(err, want))
		fail_msg("error '%s' does not contain '%s'", err, want);
}

static void test_good_file(void **state)
{
	struct ndr_config *cfg = parse_ok(good);
	char err[256] = "";
	uint64_t v;
	double d;
	int b;
	const char *s;
	const char *const *list;

	(void)state;
	assert_int_equal(ndr_config_u64(cfg, "card", "hash_seed", 0, 0, UINT32_MAX, &v, err,
					sizeof(err)), 0);
	assert_int_equal(v, 0x6e647221);
	assert_int_equal(ndr_config_duration_ms(cfg, "card", "idle_timeout", 0, 0, UINT64_MAX,
						&v, err, sizeof(err)), 0);
	assert_int_equal(v, 30000);
	assert_int_equal(ndr_config_duration_ms(cfg, "card", "active_timeout", 0, 0, UINT64_MAX,
						&v, err, sizeof(err)), 0);
	assert_int_equal(v, 120000);
	assert_int_equal(ndr_config_duration_ms(cfg, "card", "close_timeout", 0, 0, UINT64_MAX,
						&v, err, sizeof(err)), 0);
	assert_int_equal(v, 250);
	assert_int_equal(ndr_config_duration_ms(cfg, "card", "heartbeat", 0, 0, UINT64_MAX,
						&v, err, sizeof(err)), 0);
	assert_int_equal(v, 5000);
	assert_int_equal(ndr_config_duration_ms(cfg, "dns_tunnel", "window", 0, 0, UINT64_MAX,
						&v, err, sizeof(err)), 0);
	assert_int_equal(v, 86400000);
	assert_int_equal(ndr_config_u64(cfg, "dns_tunnel", "min_queries", 1, 0, 1000000, &v, err,
					sizeof(err)), 0);
	assert_int_equal(v, 20000);
	assert_int_equal(ndr_config_double(cfg, "dns_tunnel", "entropy", 0, 0, 8, &d, err,
					   sizeof(err)), 0);
	assert_true(d == 3.75);
	assert_int_equal(ndr_config_bool(cfg, "dns_tunnel", "enabled", 0, &b, err, sizeof(err)), 0);
	assert_int_equal(b, 1);
	assert_int_equal(ndr_config_bool(cfg, "dns_tunnel", "quiet", 1, &b, err, sizeof(err)), 0);
	assert_int_equal(b, 0);
	/* '#' not after whitespace is part of the value */
	assert_int_equal(ndr_config_str(cfg, "dns_tunnel", "name", NULL, &s, err, sizeof(err)), 0);
	assert_string_equal(s, "a#b");
	assert_int_equal(ndr_config_str(cfg, "dns_tunnel", "empty", "x", &s, err, sizeof(err)), 0);
	assert_string_equal(s, "");

	assert_int_equal(ndr_config_list(cfg, "dns_tunnel", "allow_domain", &list), 3);
	assert_string_equal(list[0], "example.com");
	assert_string_equal(list[1], "corp.example");
	assert_string_equal(list[2], "with \"quote\" and # hash");
	assert_null(list[3]);

	assert_int_equal(ndr_config_check_unused(cfg, err, sizeof(err)), 0);
	ndr_config_free(cfg);
}

static void test_defaults_and_empty(void **state)
{
	struct ndr_config *cfg = ndr_config_empty();
	char err[256] = "";
	uint64_t v;
	double d;
	int b;
	const char *s;
	const char *const *list;

	(void)state;
	assert_non_null(cfg);
	assert_int_equal(ndr_config_u64(cfg, "x", "y", 42, 0, 100, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 42);
	assert_int_equal(ndr_config_double(cfg, "x", "y", 0.5, 0, 1, &d, err, sizeof(err)), 0);
	assert_true(d == 0.5);
	assert_int_equal(ndr_config_bool(cfg, "x", "y", 1, &b, err, sizeof(err)), 0);
	assert_int_equal(b, 1);
	assert_int_equal(ndr_config_duration_ms(cfg, "x", "y", 1234, 0, 9999, &v, err,
						sizeof(err)), 0);
	assert_int_equal(v, 1234);
	assert_int_equal(ndr_config_str(cfg, "x", "y", "dflt", &s, err, sizeof(err)), 0);
	assert_string_equal(s, "dflt");
	assert_int_equal(ndr_config_list(cfg, "x", "y", &list), 0);
	assert_null(list[0]);
	assert_int_equal(ndr_config_check_unused(cfg, err, sizeof(err)), 0);
	ndr_config_free(cfg);
}

static void test_syntax_errors(void **state)
{
	(void)state;
	expect_parse_error("[card]\nthis is not a key value\n", "bad.conf:2: expected 'key = value'");
	expect_parse_error("[card\nx = 1\n", "bad.conf:1: missing ']'");
	expect_parse_error("x = 1\n", "bad.conf:1: key 'x' before any [section]");
	expect_parse_error("[a]\n[b c]\n", "bad.conf:2: bad section name 'b c'");
	expect_parse_error("[a] junk\n", "bad.conf:1: text after section header");
	expect_parse_error("[a]\n\n\nbad key = 1\n", "bad.conf:4: bad key name 'bad key'");
	expect_parse_error("[a]\n = 1\n", "bad.conf:2: bad key name ''");
	expect_parse_error("[a]\nk = \"open\n", "bad.conf:2: [a] k: unterminated quoted value");
	expect_parse_error("[a]\nk = \"x\" y\n", "bad.conf:2: [a] k: text after the closing quote");
	expect_parse_error("[a]\nk = \"\\n\"\n", "bad.conf:2: [a] k: bad escape");
}

/* Getter errors: "FILE:LINE: [section] key: what". */
static void expect_getter_error(const char *text, int (*get)(struct ndr_config *, char *, size_t),
				const char *want)
{
	struct ndr_config *cfg = parse_ok(text);
	char err[256] = "";

	assert_int_equal(get(cfg, err, sizeof(err)), -1);
	if (!strstr(err, want))
		fail_msg("error '%s' does not contain '%s'", err, want);
	ndr_config_free(cfg);
}

static int get_u64(struct ndr_config *cfg, char *err, size_t errlen)
{
	uint64_t v;
	return ndr_config_u64(cfg, "s", "k", 0, 10, 1000000, &v, err, errlen);
}

static int get_double(struct ndr_config *cfg, char *err, size_t errlen)
{
	double v;
	return ndr_config_double(cfg, "s", "k", 0, 0.0, 8.0, &v, err, errlen);
}

static int get_bool(struct ndr_config *cfg, char *err, size_t errlen)
{
	int v;
	return ndr_config_bool(cfg, "s", "k", 0, &v, err, errlen);
}

static int get_duration(struct ndr_config *cfg, char *err, size_t errlen)
{
	uint64_t v;
	return ndr_config_duration_ms(cfg, "s", "k", 0, 100, 3600000, &v, err, errlen);
}

static int get_str(struct ndr_config *cfg, char *err, size_t errlen)
{
	const char *v;
	return ndr_config_str(cfg, "s", "k", NULL, &v, err, errlen);
}

static void test_type_and_range_errors(void **state)
{
	(void)state;
	expect_getter_error("[s]\nk = abc\n", get_u64, "t.conf:2: [s] k: 'abc' is not a non-negative integer");
	expect_getter_error("[s]\nk = -5\n", get_u64, "t.conf:2: [s] k: '-5' is not a non-negative integer");
	expect_getter_error("[s]\nk = 12x\n", get_u64, "t.conf:2: [s] k: '12x' is not an integer");
	expect_getter_error("[s]\nk = 5\n", get_u64, "t.conf:2: [s] k: 5 is out of range [10, 1000000]");
	expect_getter_error("[s]\nk = 2m\n", get_u64, "2000000 is out of range [10, 1000000]");
	expect_getter_error("[s]\nk = 99999999999999999999\n", get_u64, "is too large");
	expect_getter_error("[s]\nk = 20000000000000000g\n", get_u64, "is too large");
	expect_getter_error("[s]\n\nk = 1.5x\n", get_double, "t.conf:3: [s] k: '1.5x' is not a number");
	expect_getter_error("[s]\nk = nan\n", get_double, "'nan' is not a number");
	expect_getter_error("[s]\nk = 9.5\n", get_double, "9.5 is out of range [0, 8]");
	expect_getter_error("[s]\nk = maybe\n", get_bool, "t.conf:2: [s] k: 'maybe' is not a boolean");
	expect_getter_error("[s]\nk = 5x\n", get_duration, "t.conf:2: [s] k: unknown unit in '5x'");
	expect_getter_error("[s]\nk = 1.5s\n", get_duration, "'1.5s' is not a duration");
	expect_getter_error("[s]\nk = 50ms\n", get_duration, "50 ms is out of range [100 ms, 3600000 ms]");
	expect_getter_error("[s]\nk = 2d\n", get_duration, "172800000 ms is out of range");
	expect_getter_error("[s]\nk = 1\nk = 2\n", get_str, "t.conf:3: [s] k: set again (first set at line 2)");
}

static void test_unused_keys(void **state)
{
	struct ndr_config *cfg = parse_ok("[card]\nidle_timeout = 5s\nidel_timeout = 9s\n[other]\nx = 1\n");
	char err[256] = "";
	uint64_t v;

	(void)state;
	assert_int_equal(ndr_config_duration_ms(cfg, "card", "idle_timeout", 0, 0, UINT64_MAX,
						&v, err, sizeof(err)), 0);
	assert_int_equal(ndr_config_check_unused(cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "t.conf:3: unknown key 'idel_timeout' in [card]");
	/* a key in a section nobody reads is just as unknown */
	assert_int_equal(ndr_config_u64(cfg, "card", "idel_timeout", 0, 0, 0, &v, err,
					sizeof(err)), -1);
	assert_int_equal(ndr_config_check_unused(cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "t.conf:5: unknown key 'x' in [other]");
	ndr_config_free(cfg);
}

static void test_errorf(void **state)
{
	struct ndr_config *cfg = parse_ok("[a]\nnet = 10.0.0.0/8\nnet = 300.0.0.0/8\nf = bogus\n");
	const char *const *list;
	const char *s;
	char err[256] = "";

	(void)state;
	assert_int_equal(ndr_config_list(cfg, "a", "net", &list), 2);
	assert_int_equal(ndr_config_errorf(cfg, "a", "net", list[1], err, sizeof(err),
					   "'%s' is not a CIDR", list[1]), -1);
	assert_string_equal(err, "t.conf:3: [a] net: '300.0.0.0/8' is not a CIDR");
	assert_int_equal(ndr_config_str(cfg, "a", "f", NULL, &s, err, sizeof(err)), 0);
	assert_int_equal(ndr_config_errorf(cfg, "a", "f", s, err, sizeof(err), "bad"), -1);
	assert_string_equal(err, "t.conf:4: [a] f: bad");
	ndr_config_free(cfg);
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/ndr-test-config-XXXXXX";
	char err[256] = "";
	int fd = mkstemp(path);
	struct ndr_config *cfg;
	uint64_t v;
	static const char nul_text[] = "[a]\nk = 1\nx\0y = 2\n";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\xef\xbb\xbf[a]\nk = 7\n", 13), 13);
	close(fd);
	cfg = ndr_config_load(path, err, sizeof(err));
	assert_non_null(cfg);
	assert_int_equal(ndr_config_u64(cfg, "a", "k", 0, 0, 10, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 7);
	ndr_config_free(cfg);

	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, nul_text, sizeof(nul_text) - 1), (ssize_t)sizeof(nul_text) - 1);
	close(fd);
	assert_null(ndr_config_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, ":3: NUL byte in file"));
	unlink(path);

	assert_null(ndr_config_load("/nonexistent/ndr.conf", err, sizeof(err)));
	assert_string_equal(err, "/nonexistent/ndr.conf: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_defaults_and_empty),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_type_and_range_errors),
		cmocka_unit_test(test_unused_keys),
		cmocka_unit_test(test_errorf),
		cmocka_unit_test(test_load_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
