/*
 * ndr_cli.h - the command line of the ndr tools (ndr-sensor, ndr-sim): one
 * table describes the options, and from it come the getopt
 * parsing, the option list of --help, and the error messages, so every tool
 * says the same thing the same way:
 *
 *   TOOL: unknown option '--x' (try --help)             exit status 2
 *   TOOL: --x needs a value
 *   TOOL: --x: 'abc' is not a number from 1 to 64
 *   TOOL: unexpected argument 'y' (try --help)
 *
 * How a tool uses it:
 *
 *   static const struct ndr_cli_opt opts[] = {
 *       NDR_CLI_HEADING("Input:"),
 *       { "read", 'r', NDR_CLI_STRING, &o.file, .metavar = "FILE",
 *         .help = "a pcap or pcapng capture" },
 *       { "buckets", 0, NDR_CLI_UINT, &o.buckets, .min = 4, .max = 24,
 *         .metavar = "LOG2", .help = "flow table buckets, 2^LOG2" },
 *       { "syslog", 0, NDR_CLI_CALL, .fn = add_url, .metavar = "URL",
 *         .help = "...; repeatable" },
 *       { "quiet", 'q', NDR_CLI_FLAG, &o.quiet, .help = "no summary" },
 *       NDR_CLI_LAST,
 *   };
 *   static const struct ndr_cli cli = { "ndr-sim", "-r FILE [options]",
 *       "What the tool does.", "Exit status: ...", NDR_VERSION, opts, &o };
 *   int rc = ndr_cli_parse(&cli, argc, argv);  // 1: help/version, -1: usage error
 *
 * -h/--help and -V/--version (when the tool has a version) are built in.
 * Numbers are decimal or 0x hexadecimal. Options are kept in the order the
 * table lists them, under their sections, in --help.
 */
#ifndef NDR_CLI_H
#define NDR_CLI_H

#include <stdint.h>
#include <stdio.h>

enum ndr_cli_kind {
	NDR_CLI_END = 0,     /* closes the table */
	NDR_CLI_SECTION,     /* a heading in --help (help = its text) */
	NDR_CLI_FLAG,        /* int *dest = value (1 when value is 0) */
	NDR_CLI_STRING,      /* const char **dest = the argument (non-empty) */
	NDR_CLI_UINT,        /* unsigned *dest, in [min, max] */
	NDR_CLI_U64,         /* uint64_t *dest, in [min, max] */
	NDR_CLI_INT,         /* int *dest, in [min, max] (non-negative) */
	NDR_CLI_CALL,        /* fn(cli->arg, the argument, or NULL without one) */
};

struct ndr_cli_opt {
	const char *name;    /* the long name, without "--" */
	int key;             /* the short letter, 0 for none */
	enum ndr_cli_kind kind;
	void *dest;
	uint64_t min, max;   /* numbers; max 0 = the type's maximum */
	int value;           /* FLAG: what to store (0 means 1) */
	int takes_value;     /* CALL: whether it takes an argument */
	const char *metavar; /* in --help: "FILE", "N" */
	const char *help;    /* '\n' starts a new line under the first */
	/* CALL: 0, or -1 when it rejects the argument (it printed why). */
	int (*fn)(void *arg, const char *value);
};

#define NDR_CLI_HEADING(text) { .kind = NDR_CLI_SECTION, .help = (text) }
#define NDR_CLI_LAST { .kind = NDR_CLI_END }

struct ndr_cli {
	const char *tool;        /* "ndr-sensor": the prefix of every message */
	const char *synopsis;    /* after "Usage: TOOL " */
	const char *about;       /* a paragraph after the usage line, or NULL */
	const char *epilog;      /* after the options (exit status...), or NULL */
	const char *version;     /* -V prints "TOOL VERSION"; NULL: no -V */
	const struct ndr_cli_opt *opts;
	void *arg;               /* for CALL options */
};

/* Parses argv (from argv[1]) into the table's destinations. 0: run; 1:
 * --help or --version printed on stdout (exit 0); -1: a usage error
 * printed on stderr (exit 2). Non-option arguments are an error. */
int ndr_cli_parse(const struct ndr_cli *cli, int argc, char **argv);

/* The --help text. */
void ndr_cli_usage(const struct ndr_cli *cli, FILE *out);

/* A number as the table's options read them: 0, or -1 after printing
 * "TOOL: --OPT: 'TEXT' is not a number from MIN to MAX". */
int ndr_cli_number(const struct ndr_cli *cli, const char *opt, const char *text,
		   uint64_t min, uint64_t max, uint64_t *out);

#endif
