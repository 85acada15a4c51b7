/*
 * options.c - parse ndr-sensor's command line (see usage() for the contract).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_abi.h"
#include "options.h"

#ifndef NDR_VERSION
#define NDR_VERSION "unknown"
#endif

static void usage(FILE *out)
{
	fputs("Usage: ndr-sensor (-r FILE | -i IFACE | --card SPEC [-r FILE]) [options]\n"
	      "\n"
	      "Reads feature records from a card (or the emulated card), runs the\n"
	      "detectors and reports alerts as EVE JSON and RFC 5424 syslog.\n"
	      "\n"
	      "Input (one of):\n"
	      "  -r, --read FILE        a pcap or pcapng file through the emulated card\n"
	      "  -i, --interface IFACE  live packets (libpcap) through the emulated card\n"
	      "      --card SPEC        a card source (docs/hardware.md says which is for\n"
	      "                         which platform):\n"
	      "         sim:file:PATH, sim:live:IFACE  the emulated card (what -r, -i do)\n"
	      "         chardev:/dev/ndrN  a card driven by ndr.ko: the emulated card\n"
	      "                         behind QEMU, or a card with its own shell\n"
	      "         xrt:DEVICE       an Alveo card on a Vitis shell through XRT\n"
	      "                         (DEVICE = index or PCI BDF; needs --xclbin). Under\n"
	      "                         XCL_EMULATION_MODE=noop, -r FILE feeds the emulated\n"
	      "                         card in the device's place\n"
	      "         opencl[:PLATFORM]  the hw/ kernels through OpenCL: on PoCL,\n"
	      "                         built from source and run over -r FILE; with\n"
	      "                         --xclbin, an Alveo through XRT's OpenCL ICD (noop\n"
	      "                         emulation and -r FILE as for xrt:)\n"
	      "      --xclbin FILE      the ndr image to load (xrt, opencl on XRT)\n"
	      "      --xclbin-uuid UUID refuse an image with another UUID (same)\n"
	      "      --clocked          run the emulated card as the clocked simulation:\n"
	      "                         what a card at 100 Gbit/s would lose, it loses and\n"
	      "                         counts (slower; docs/microarchitecture.md)\n"
	      "\n"
	      "Output (alerts go to stdout as EVE JSON when none is given):\n"
	      "      --eve PATH         append EVE JSON lines to PATH ('-' = stdout)\n"
	      "      --syslog URL       send alerts as RFC 5424 syslog to udp://HOST:PORT or\n"
	      "                         tcp://HOST:PORT (RFC 6587 octet counting); repeatable\n"
	      "      --records          also write flow, dns and tls records as EVE events\n"
	      "\n"
	      "Other:\n"
	      "  -c, --config FILE      configuration (docs/configuration.md)\n"
	      "      --state DIR        keep learned baselines in DIR across restarts\n"
	      "      --numa-node N      run and allocate the ring on NUMA node N\n"
	      "      --progress         always print a progress line on stderr\n"
	      "      --no-progress      never print one\n"
	      "  -q, --quiet            no progress line and no summary\n"
	      "  -h, --help             this text\n"
	      "  -V, --version          the version\n"
	      "\n"
	      "Exit status: 0 done, 1 runtime error, 2 bad usage or configuration.\n",
	      out);
}

static int set_source(struct sensor_opts *o, const char *kind, const char *arg)
{
	if (o->source_spec[0]) {
		fprintf(stderr, "ndr-sensor: give only one of -r, -i, --card "
			"(or --card with -r for a card's emulation)\n");
		return -1;
	}
	if (!arg[0]) {
		fprintf(stderr, "ndr-sensor: empty argument for the input\n");
		return -1;
	}
	if (strlen(kind) + strlen(arg) >= sizeof(o->source_spec)) {
		fprintf(stderr, "ndr-sensor: input name too long\n");
		return -1;
	}
	strcpy(o->source_spec, kind);
	strcat(o->source_spec, arg);   /* length checked above */
	return 0;
}

int sensor_parse_args(int argc, char **argv, struct sensor_opts *o)
{
	enum { OPT_CARD = 256, OPT_EVE, OPT_SYSLOG, OPT_RECORDS, OPT_NUMA, OPT_PROGRESS,
	       OPT_NO_PROGRESS, OPT_STATE, OPT_XCLBIN, OPT_XCLBIN_UUID, OPT_CLOCKED };
	static const struct option longopts[] = {
		{ "read", required_argument, NULL, 'r' },
		{ "interface", required_argument, NULL, 'i' },
		{ "card", required_argument, NULL, OPT_CARD },
		{ "xclbin", required_argument, NULL, OPT_XCLBIN },
		{ "xclbin-uuid", required_argument, NULL, OPT_XCLBIN_UUID },
		{ "clocked", no_argument, NULL, OPT_CLOCKED },
		{ "config", required_argument, NULL, 'c' },
		{ "eve", required_argument, NULL, OPT_EVE },
		{ "syslog", required_argument, NULL, OPT_SYSLOG },
		{ "records", no_argument, NULL, OPT_RECORDS },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "numa-node", required_argument, NULL, OPT_NUMA },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *read_file = NULL, *card = NULL, *other = NULL;
	int c;

	memset(o, 0, sizeof(*o));
	o->numa_node = -1;
	o->progress = -1;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":r:i:c:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (read_file) {
				fprintf(stderr, "ndr-sensor: give -r only once\n");
				return -1;
			}
			read_file = optarg;
			break;
		case 'i':
			if (set_source(o, "sim:live:", optarg))
				return -1;
			other = optarg;
			break;
		case OPT_CARD:
			if (card) {
				fprintf(stderr, "ndr-sensor: give --card only once\n");
				return -1;
			}
			card = optarg;
			break;
		case OPT_XCLBIN:
			o->xclbin = optarg;
			break;
		case OPT_XCLBIN_UUID:
			o->xclbin_uuid = optarg;
			break;
		case OPT_CLOCKED:
			o->clocked = 1;
			break;
		case 'c':
			o->config_path = optarg;
			break;
		case OPT_EVE:
			o->eve_path = optarg;
			break;
		case OPT_SYSLOG:
			if (o->n_syslog == SENSOR_MAX_SYSLOG) {
				fprintf(stderr, "ndr-sensor: at most %d --syslog receivers\n",
					SENSOR_MAX_SYSLOG);
				return -1;
			}
			o->syslog_urls[o->n_syslog++] = optarg;
			break;
		case OPT_RECORDS:
			o->records = 1;
			break;
		case OPT_STATE:
			if (!optarg[0]) {
				fprintf(stderr, "ndr-sensor: --state needs a directory\n");
				return -1;
			}
			o->state_dir = optarg;
			break;
		case OPT_NUMA: {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*end || end == optarg || v < 0 || v > 1023) {
				fprintf(stderr, "ndr-sensor: --numa-node: '%s' is not a node number\n",
					optarg);
				return -1;
			}
			o->numa_node = (int)v;
			break;
		}
		case OPT_PROGRESS:
			o->progress = 1;
			break;
		case OPT_NO_PROGRESS:
			o->progress = 0;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf("ndr-sensor %s (record ABI %u)\n", NDR_VERSION, NDR_ABI_VERSION);
			return 1;
		case ':':
			fprintf(stderr, "ndr-sensor: %s needs an argument\n", argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "ndr-sensor: unknown option '%s' (try --help)\n",
				argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ndr-sensor: unexpected argument '%s' (try --help)\n", argv[optind]);
		return -1;
	}
	/* -r alone is the emulated card; with --card the frames go to that
	 * card's emulation (the source refuses them where there is none). */
	if (card && other) {
		fprintf(stderr, "ndr-sensor: give only one of -i, --card\n");
		return -1;
	}
	if (card) {
		if (set_source(o, "", card))
			return -1;
		o->frames = read_file;
	} else if (read_file && set_source(o, "sim:file:", read_file)) {
		return -1;
	}
	if (!o->source_spec[0]) {
		fprintf(stderr, "ndr-sensor: no input: give -r FILE, -i IFACE or --card SPEC (try --help)\n");
		return -1;
	}
	if ((o->xclbin || o->xclbin_uuid) && strncmp(o->source_spec, "xrt:", 4) != 0 &&
	    strcmp(o->source_spec, "opencl") != 0 && strncmp(o->source_spec, "opencl:", 7) != 0) {
		fprintf(stderr, "ndr-sensor: --xclbin and --xclbin-uuid are for --card xrt:DEVICE "
			"and --card opencl[:PLATFORM] (XRT's OpenCL)\n");
		return -1;
	}
	if (o->frames && !card) {
		fprintf(stderr, "ndr-sensor: internal: frames without a card\n");
		return -1;
	}
	if (!o->eve_path && o->n_syslog == 0)
		o->eve_path = "-";
	return 0;
}
