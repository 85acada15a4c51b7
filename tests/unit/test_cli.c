/*
 * test_cli.c - the shared option helper (ndr_cli.h): values land where the
 * table says, numbers are range-checked in decimal and hex, every usage
 * error is refused (with the tool's name on stderr), --help lists every
 * option under its heading, --version prints the version.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_cli.h"

struct vals {
	const char *file;
	unsigned buckets;
	uint64_t big;
	int node, quiet, calls, level;
	const char *last;
};

static int on_tag(void *arg, const char *v)
{
	struct vals *x = arg;

	if (strcmp(v, "bad") == 0) {
		fprintf(stderr, "test: --tag: bad\n");
		return -1;
	}
	x->calls++;
	x->last = v;
	return 0;
}

static struct vals v;

static const struct ndr_cli_opt opts[] = {
	NDR_CLI_HEADING("Input:"),
	{ "read", 'r', NDR_CLI_STRING, &v.file, .metavar = "FILE", .help = "a capture" },
	{ "buckets", 0, NDR_CLI_UINT, &v.buckets, .min = 4, .max = 24, .metavar = "LOG2",
	  .help = "buckets\nsecond line" },
	NDR_CLI_HEADING("Other:"),
	{ "big", 0, NDR_CLI_U64, &v.big, .metavar = "N", .help = "any size" },
	{ "node", 'n', NDR_CLI_INT, &v.node, .min = 0, .max = 7, .metavar = "N", .help = "a node" },
	{ "tag", 't', NDR_CLI_CALL, .fn = on_tag, .takes_value = 1, .metavar = "T",
	  .help = "repeatable" },
	{ "quiet", 'q', NDR_CLI_FLAG, &v.quiet, .help = "quiet" },
	{ "loud", 0, NDR_CLI_FLAG, &v.level, .value = 3, .help = "level 3" },
	NDR_CLI_LAST,
};

static const struct ndr_cli cli = { "test-tool", "-r FILE [options]", "About it.",
				    "Exit status: 0.", "1.2", opts, &v };

static int parse(int n, ...)
{
	char *argv[16];
	va_list ap;

	argv[0] = (char *)"test-tool";
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		argv[i + 1] = va_arg(ap, char *);
	va_end(ap);
	argv[n + 1] = NULL;
	memset(&v, 0, sizeof(v));
	v.node = -1;
	return ndr_cli_parse(&cli, n + 1, argv);
}

static void test_values(void **state)
{
	(void)state;
	assert_int_equal(parse(11, "-r", "x.pcap", "--buckets", "0x10", "--big", "18446744073709551615",
			       "-n", "7", "-q", "--loud", "-tA"), 0);
	assert_string_equal(v.file, "x.pcap");
	assert_int_equal(v.buckets, 16);
	assert_true(v.big == UINT64_MAX);
	assert_int_equal(v.node, 7);
	assert_int_equal(v.quiet, 1);
	assert_int_equal(v.level, 3);
	assert_int_equal(v.calls, 1);
	assert_int_equal(parse(4, "--tag=one", "--tag", "two", "--read=y"), 0);
	assert_int_equal(v.calls, 2);
	assert_string_equal(v.last, "two");
	assert_string_equal(v.file, "y");
	assert_int_equal(v.node, -1);          /* untouched when not given */
}

static void test_errors(void **state)
{
	(void)state;
	assert_int_equal(parse(2, "--buckets", "25"), -1);     /* above max */
	assert_int_equal(parse(2, "--buckets", "3"), -1);      /* below min */
	assert_int_equal(parse(2, "--buckets", "-5"), -1);
	assert_int_equal(parse(2, "--buckets", "12x"), -1);
	assert_int_equal(parse(2, "--buckets", ""), -1);
	assert_int_equal(parse(2, "--big", "18446744073709551616"), -1);   /* overflow */
	assert_int_equal(parse(1, "--buckets"), -1);           /* no value */
	assert_int_equal(parse(1, "-r"), -1);
	assert_int_equal(parse(2, "-r", ""), -1);              /* empty string */
	assert_int_equal(parse(1, "--bogus"), -1);
	assert_int_equal(parse(1, "-z"), -1);
	assert_int_equal(parse(3, "-r", "x", "stray"), -1);    /* positional */
	assert_int_equal(parse(2, "--tag", "bad"), -1);        /* rejected by its callback */
	assert_int_equal(parse(1, "--quiet=1"), -1);           /* a flag takes no value */
}

static void test_help_and_version(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	ndr_cli_usage(&cli, f);
	fclose(f);
	assert_non_null(strstr(text, "Usage: test-tool -r FILE [options]\n"));
	assert_non_null(strstr(text, "\nAbout it.\n"));
	assert_non_null(strstr(text, "\nInput:\n  -r, --read FILE"));
	assert_non_null(strstr(text, "      --buckets LOG2     buckets\n"
				     "                         second line\n"));
	assert_true(strstr(text, "\nOther:\n") > strstr(text, "--buckets"));
	assert_non_null(strstr(text, "  -h, --help"));
	assert_non_null(strstr(text, "  -V, --version"));
	assert_non_null(strstr(text, "\nExit status: 0.\n"));
	free(text);
	assert_int_equal(parse(1, "--help"), 1);
	assert_int_equal(parse(1, "-V"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_help_and_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
