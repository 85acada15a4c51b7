/*
 * cli.c - table-driven command lines for the ndr tools (ndr_cli.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_cli.h"

#define MAX_OPTS  64
#define KEY_LONG  256         /* getopt values of options without a letter */
#define HELP_COL  25          /* where help text starts in --help */

static size_t count(const struct ndr_cli *cli)
{
	size_t n = 0;

	while (cli->opts[n].kind != NDR_CLI_END)
		n++;
	return n;
}

static int takes_value(const struct ndr_cli_opt *o)
{
	return o->kind == NDR_CLI_CALL ? o->takes_value
				       : o->kind != NDR_CLI_FLAG && o->kind != NDR_CLI_SECTION;
}

static uint64_t type_max(const struct ndr_cli_opt *o)
{
	if (o->max)
		return o->max;
	if (o->kind == NDR_CLI_UINT)
		return UINT32_MAX;
	if (o->kind == NDR_CLI_INT)
		return INT32_MAX;
	return UINT64_MAX;
}

int ndr_cli_number(const struct ndr_cli *cli, const char *opt, const char *text,
		   uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (text[0] == '-' || text[0] == '\0' || text[0] == ' ')
		goto bad;
	v = strtoull(text, &end, 0);
	if (errno || *end != '\0' || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	fprintf(stderr, "%s: %s: '%s' is not a number from %llu to %llu\n", cli->tool, opt, text,
		(unsigned long long)min, (unsigned long long)max);
	return -1;
}

static int store(const struct ndr_cli *cli, const struct ndr_cli_opt *o, const char *value)
{
	char opt[80];
	uint64_t v;

	snprintf(opt, sizeof(opt), "--%s", o->name);
	switch (o->kind) {
	case NDR_CLI_FLAG:
		*(int *)o->dest = o->value ? o->value : 1;
		return 0;
	case NDR_CLI_STRING:
		if (!value[0]) {
			fprintf(stderr, "%s: %s needs a value\n", cli->tool, opt);
			return -1;
		}
		*(const char **)o->dest = value;
		return 0;
	case NDR_CLI_CALL:
		return o->fn(cli->arg, value);
	default:
		if (ndr_cli_number(cli, opt, value, o->min, type_max(o), &v) != 0)
			return -1;
		if (o->kind == NDR_CLI_UINT)
			*(unsigned *)o->dest = (unsigned)v;
		else if (o->kind == NDR_CLI_INT)
			*(int *)o->dest = (int)v;
		else
			*(uint64_t *)o->dest = v;
		return 0;
	}
}

int ndr_cli_parse(const struct ndr_cli *cli, int argc, char **argv)
{
	struct option longopts[MAX_OPTS + 3];
	char shorts[3 * MAX_OPTS + 8];
	size_t n = count(cli), nl = 0, ns = 0;
	int c;

	if (n > MAX_OPTS) {
		fprintf(stderr, "%s: internal: more than %d options\n", cli->tool, MAX_OPTS);
		return -1;
	}
	shorts[ns++] = ':';     /* report a missing value as ':' */
	for (size_t i = 0; i < n; i++) {
		const struct ndr_cli_opt *o = &cli->opts[i];

		if (o->kind == NDR_CLI_SECTION)
			continue;
		longopts[nl].name = o->name;
		longopts[nl].has_arg = takes_value(o) ? required_argument : no_argument;
		longopts[nl].flag = NULL;
		longopts[nl].val = o->key ? o->key : KEY_LONG + (int)i;
		nl++;
		if (o->key) {
			shorts[ns++] = (char)o->key;
			if (takes_value(o))
				shorts[ns++] = ':';
		}
	}
	longopts[nl++] = (struct option){ "help", no_argument, NULL, 'h' };
	shorts[ns++] = 'h';
	if (cli->version) {
		longopts[nl++] = (struct option){ "version", no_argument, NULL, 'V' };
		shorts[ns++] = 'V';
	}
	longopts[nl] = (struct option){ NULL, 0, NULL, 0 };
	shorts[ns] = '\0';

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		const struct ndr_cli_opt *o = NULL;

		if (c == 'h') {
			ndr_cli_usage(cli, stdout);
			return 1;
		}
		if (c == 'V' && cli->version) {
			printf("%s %s\n", cli->tool, cli->version);
			return 1;
		}
		if (c == ':') {
			fprintf(stderr, "%s: %s needs a value\n", cli->tool, argv[optind - 1]);
			return -1;
		}
		if (c >= KEY_LONG && (size_t)(c - KEY_LONG) < n) {
			o = &cli->opts[c - KEY_LONG];
		} else {
			for (size_t i = 0; i < n && !o; i++)
				if (cli->opts[i].key == c && cli->opts[i].kind != NDR_CLI_SECTION)
					o = &cli->opts[i];
		}
		if (!o) {
			if (optopt && optopt < KEY_LONG)
				fprintf(stderr, "%s: unknown option '-%c' (try --help)\n", cli->tool,
					optopt);
			else
				fprintf(stderr, "%s: unknown option '%s' (try --help)\n", cli->tool,
					argv[optind - 1]);
			return -1;
		}
		if (store(cli, o, takes_value(o) ? optarg : NULL) != 0)
			return -1;
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s' (try --help)\n", cli->tool,
			argv[optind]);
		return -1;
	}
	return 0;
}

/* "  -r, --read FILE" padded to the help column; the help's lines after. */
static void usage_line(const struct ndr_cli_opt *o, FILE *out)
{
	char left[128];
	const char *h = o->help ? o->help : "";
	int len;

	if (o->key)
		len = snprintf(left, sizeof(left), "  -%c, --%s%s%s", o->key, o->name,
			       o->metavar ? " " : "", o->metavar ? o->metavar : "");
	else
		len = snprintf(left, sizeof(left), "      --%s%s%s", o->name, o->metavar ? " " : "",
			       o->metavar ? o->metavar : "");
	fputs(left, out);
	if (len >= HELP_COL - 1) {
		fputc('\n', out);
		len = 0;
	}
	for (;;) {
		const char *nl = strchr(h, '\n');
		int line = nl ? (int)(nl - h) : (int)strlen(h);

		fprintf(out, "%*s%.*s\n", HELP_COL - len, "", line, h);
		if (!nl)
			break;
		h = nl + 1;
		len = 0;
	}
}

void ndr_cli_usage(const struct ndr_cli *cli, FILE *out)
{
	size_t n = count(cli);

	fprintf(out, "Usage: %s %s\n", cli->tool, cli->synopsis);
	if (cli->about)
		fprintf(out, "\n%s\n", cli->about);
	for (size_t i = 0; i < n; i++) {
		const struct ndr_cli_opt *o = &cli->opts[i];

		if (o->kind == NDR_CLI_SECTION)
			fprintf(out, "\n%s\n", o->help);
		else
			usage_line(o, out);
	}
	usage_line(&(struct ndr_cli_opt){ .name = "help", .key = 'h', .help = "this text" }, out);
	if (cli->version)
		usage_line(&(struct ndr_cli_opt){ .name = "version", .key = 'V',
						  .help = "the version" }, out);
	if (cli->epilog)
		fprintf(out, "\n%s\n", cli->epilog);
}
