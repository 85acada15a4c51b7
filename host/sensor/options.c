/*
 * options.c - ndr-sensor's command line, as a table for the shared option
 * helper (ndr_cli.h); the rules between options are checked after it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_abi.h"
#include "ndr_cli.h"
#include "options.h"

#ifndef NDR_VERSION
#define NDR_VERSION "unknown"
#endif
#ifndef NDR_SEMVER
#define NDR_SEMVER "0.0.0"
#endif

/* What the table's callbacks collect before the rules are applied. */
struct parse {
	struct sensor_opts *o;
	const char *read_file, *card, *iface;
	int twice;              /* -r or --card given twice */
};

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

static int opt_read(void *arg, const char *v)
{
	struct parse *p = arg;

	if (p->read_file) {
		fprintf(stderr, "ndr-sensor: give -r only once\n");
		return -1;
	}
	p->read_file = v;
	return 0;
}

static int opt_interface(void *arg, const char *v)
{
	struct parse *p = arg;

	p->iface = v;
	return set_source(p->o, "sim:live:", v);
}

static int opt_card(void *arg, const char *v)
{
	struct parse *p = arg;

	if (p->card) {
		fprintf(stderr, "ndr-sensor: give --card only once\n");
		return -1;
	}
	p->card = v;
	return 0;
}

static int opt_syslog(void *arg, const char *v)
{
	struct sensor_opts *o = ((struct parse *)arg)->o;

	if (o->n_syslog == SENSOR_MAX_SYSLOG) {
		fprintf(stderr, "ndr-sensor: at most %d --syslog receivers\n", SENSOR_MAX_SYSLOG);
		return -1;
	}
	o->syslog_urls[o->n_syslog++] = v;
	return 0;
}

static int opt_no_progress(void *arg, const char *v)
{
	(void)v;
	((struct parse *)arg)->o->progress = 0;
	return 0;
}

static const char about[] =
	"Reads feature records from a card (or the emulated card), runs the\n"
	"detectors and reports alerts as EVE JSON and RFC 5424 syslog.";

static const char epilog[] =
	"Signals: SIGHUP reopens the output files and reloads the configuration's\n"
	"thresholds, allowlists and outputs; SIGTERM, SIGINT stop (the card flushed,\n"
	"state saved, exit 0); SIGUSR1 writes a stats event now.\n"
	"Exit status: 0 done, 1 runtime error or an alert no output took,\n"
	"2 bad usage or configuration.";

int sensor_parse_args(int argc, char **argv, struct sensor_opts *o)
{
	static char version[96];
	struct parse p = { .o = o };
	const struct ndr_cli_opt opts[] = {
		NDR_CLI_HEADING("Input (one of):"),
		{ "read", 'r', NDR_CLI_CALL, .fn = opt_read, .takes_value = 1, .metavar = "FILE",
		  .help = "a pcap or pcapng file through the emulated card" },
		{ "interface", 'i', NDR_CLI_CALL, .fn = opt_interface, .takes_value = 1,
		  .metavar = "IFACE", .help = "live packets (libpcap) through the emulated card" },
		{ "card", 0, NDR_CLI_CALL, .fn = opt_card, .takes_value = 1, .metavar = "SPEC",
		  .help = "a card source (docs/hardware.md says which is for\n"
			  "which platform):\n"
			  "sim:file:PATH, sim:live:IFACE  the emulated card\n"
			  "  (what -r, -i do)\n"
			  "chardev:/dev/ndrN  a card driven by ndr.ko: the\n"
			  "  emulated card behind QEMU, or a card with its own shell\n"
			  "xrt:DEVICE  an Alveo card on a Vitis shell through XRT\n"
			  "  (DEVICE = index or PCI BDF; needs --xclbin). Under\n"
			  "  XCL_EMULATION_MODE=noop, -r FILE feeds the emulated\n"
			  "  card in the device's place\n"
			  "opencl[:PLATFORM]  the hw/ kernels through OpenCL: on\n"
			  "  PoCL, built from source and run over -r FILE; with\n"
			  "  --xclbin, an Alveo through XRT's OpenCL ICD (noop\n"
			  "  emulation and -r FILE as for xrt:)" },
		{ "xclbin", 0, NDR_CLI_STRING, &o->xclbin, .metavar = "FILE",
		  .help = "the ndr image to load (xrt, opencl on XRT)" },
		{ "xclbin-uuid", 0, NDR_CLI_STRING, &o->xclbin_uuid, .metavar = "UUID",
		  .help = "refuse an image with another UUID (same)" },
		{ "clocked", 0, NDR_CLI_FLAG, &o->clocked,
		  .help = "run the emulated card as the clocked simulation:\n"
			  "what a card at 100 Gbit/s would lose, it loses and\n"
			  "counts (slower; docs/microarchitecture.md)" },
		{ "pipelines", 0, NDR_CLI_UINT, &o->pipelines, .min = 1, .max = 64, .metavar = "N",
		  .help = "with -r/-i: N emulated card pipelines on threads of\n"
			  "their own, sharded by flow (default 1 for -r)" },
		{ "filter", 'f', NDR_CLI_STRING, &o->filter, .metavar = "EXPR",
		  .help = "with -r/-i: only packets matching this BPF filter\n"
			  "(pcap-filter(7); [capture] filter)" },
		{ "buffer-size", 0, NDR_CLI_UINT, &o->buffer_mib, .min = 1, .max = 65536,
		  .metavar = "MIB", .help = "with -i: the kernel capture buffer, in MiB\n"
					   "([capture] buffer_size; default libpcap's 2)" },
		NDR_CLI_HEADING("Output (alerts go to stdout as EVE JSON when none is given):"),
		{ "eve", 0, NDR_CLI_STRING, &o->eve_path, .metavar = "PATH",
		  .help = "append EVE JSON lines to PATH ('-' = stdout)" },
		{ "eve-alerts", 0, NDR_CLI_STRING, &o->eve_alerts_path, .metavar = "PATH",
		  .help = "alerts to PATH instead, in a file of their own\n"
			  "(records filling a disk cannot cost an alert)" },
		{ "syslog", 0, NDR_CLI_CALL, .fn = opt_syslog, .takes_value = 1, .metavar = "URL",
		  .help = "send alerts as RFC 5424 syslog to udp://HOST:PORT,\n"
			  "tcp://HOST:PORT (RFC 6587 octet counting) or\n"
			  "tls://HOST:PORT (RFC 5425; [syslog] tls_ca); repeatable" },
		{ "syslog-format", 0, NDR_CLI_STRING, &o->syslog_format, .metavar = "FORMAT",
		  .help = "the syslog message: rfc5424 (EVE JSON, the default)\n"
			  "or cef (ArcSight CEF)" },
		{ "records", 0, NDR_CLI_FLAG, &o->records,
		  .help = "also write flow, dns and tls records as EVE events" },
		{ "kafka", 0, NDR_CLI_STRING, &o->kafka_brokers, .metavar = "BROKERS",
		  .help = "alerts (and with --records flow, dns, tls events) as\n"
			  "EVE JSON to Kafka at HOST:PORT,... ([kafka] section,\n"
			  "docs/fleet.md)" },
		{ "kafka-records", 0, NDR_CLI_FLAG, &o->kafka_records,
		  .help = "also every record, binary, to the records topic\n"
			  "for ndr-detect (needs --kafka or [kafka] brokers)" },
		NDR_CLI_HEADING("Running as a service:"),
		{ "pidfile", 0, NDR_CLI_STRING, &o->pidfile, .metavar = "FILE",
		  .help = "write the process id to FILE (refused while another\n"
			  "sensor holds it; a stale one is replaced), removed at exit" },
		{ "user", 0, NDR_CLI_STRING, &o->user, .metavar = "USER[:GROUP]",
		  .help = "run as USER once the input and outputs are open,\n"
			  "keeping only the capabilities a live capture needs\n"
			  "(outputs reopened on SIGHUP must be writable by USER)" },
		{ "stats-interval", 0, NDR_CLI_INT, &o->stats_interval_s, .min = 0, .max = 86400,
		  .metavar = "SECONDS", .help = "an EVE stats event (and the metrics file) every\n"
					       "SECONDS; 0 = none ([stats] interval)" },
		{ "metrics-file", 0, NDR_CLI_STRING, &o->metrics_file, .metavar = "FILE",
		  .help = "the counters in Prometheus text format, replaced\n"
			  "atomically (node_exporter's textfile collector)" },
		NDR_CLI_HEADING("Other:"),
		{ "config", 'c', NDR_CLI_STRING, &o->config_path, .metavar = "FILE",
		  .help = "configuration (docs/configuration.md)" },
		{ "state", 0, NDR_CLI_STRING, &o->state_dir, .metavar = "DIR",
		  .help = "keep learned baselines in DIR across restarts" },
		{ "numa-node", 0, NDR_CLI_INT, &o->numa_node, .min = 0, .max = 1023, .metavar = "N",
		  .help = "run and allocate the ring on NUMA node N" },
		{ "workers", 0, NDR_CLI_UINT, &o->workers, .min = 1, .max = 256, .metavar = "N",
		  .help = "detector worker threads (default: the cores of the\n"
			  "card's NUMA node not used by the input)" },
		{ "progress", 0, NDR_CLI_FLAG, &o->progress,
		  .help = "always print a progress line on stderr" },
		{ "no-progress", 0, NDR_CLI_CALL, .fn = opt_no_progress, .help = "never print one" },
		{ "quiet", 'q', NDR_CLI_FLAG, &o->quiet, .help = "no progress line and no summary" },
		NDR_CLI_LAST,
	};
	const struct ndr_cli cli = { "ndr-sensor",
		"(-r FILE | -i IFACE | --card SPEC [-r FILE]) [options]", about, epilog, version,
		opts, &p };
	int rc;

	memset(o, 0, sizeof(*o));
	o->numa_node = -1;
	o->progress = -1;
	o->stats_interval_s = -1;
	snprintf(version, sizeof(version), "%s (git %s, record ABI %u)", NDR_SEMVER, NDR_VERSION,
		 NDR_ABI_VERSION);
	rc = ndr_cli_parse(&cli, argc, argv);
	if (rc)
		return rc;
	if (o->state_dir && !o->state_dir[0]) {
		fprintf(stderr, "ndr-sensor: --state needs a directory\n");
		return -1;
	}
	/* -r alone is the emulated card; with --card the frames go to that
	 * card's emulation (the source refuses them where there is none). */
	if (p.card && p.iface) {
		fprintf(stderr, "ndr-sensor: give only one of -i, --card\n");
		return -1;
	}
	if (p.card) {
		if (set_source(o, "", p.card))
			return -1;
		o->frames = p.read_file;
	} else if (p.read_file && set_source(o, "sim:file:", p.read_file)) {
		return -1;
	}
	if (!o->source_spec[0]) {
		fprintf(stderr, "ndr-sensor: no input: give -r FILE, -i IFACE or --card SPEC "
			"(try --help)\n");
		return -1;
	}
	if ((o->xclbin || o->xclbin_uuid) && strncmp(o->source_spec, "xrt:", 4) != 0 &&
	    strcmp(o->source_spec, "opencl") != 0 && strncmp(o->source_spec, "opencl:", 7) != 0) {
		fprintf(stderr, "ndr-sensor: --xclbin and --xclbin-uuid are for --card xrt:DEVICE "
			"and --card opencl[:PLATFORM] (XRT's OpenCL)\n");
		return -1;
	}
	if (o->kafka_brokers && !o->kafka_brokers[0]) {
		fprintf(stderr, "ndr-sensor: --kafka needs HOST:PORT[,HOST:PORT...]\n");
		return -1;
	}
	if (o->filter && strncmp(o->source_spec, "sim:", 4) != 0) {
		fprintf(stderr, "ndr-sensor: -f is for -r and -i (a card's frames are not "
			"captured here)\n");
		return -1;
	}
	if (o->buffer_mib && strncmp(o->source_spec, "sim:live:", 9) != 0) {
		fprintf(stderr, "ndr-sensor: --buffer-size is for -i\n");
		return -1;
	}
	if (o->pidfile && !o->pidfile[0]) {
		fprintf(stderr, "ndr-sensor: --pidfile needs a file name\n");
		return -1;
	}
	return 0;
}
