/*
 * options.c - ndr-detect's command line (ndr_cli.h).
 */
#include <stdio.h>
#include <string.h>

#include "detect.h"
#include "ndr_cli.h"

#ifndef NDR_VERSION
#define NDR_VERSION "unknown"
#endif

static int opt_syslog(void *arg, const char *v)
{
	struct detect_opts *o = arg;

	if (o->n_syslog == DETECT_MAX_SYSLOG) {
		fprintf(stderr, "ndr-detect: at most %d --syslog receivers\n", DETECT_MAX_SYSLOG);
		return -1;
	}
	o->syslog_urls[o->n_syslog++] = v;
	return 0;
}

static const char about[] =
	"Runs ndr's detectors as a Kafka consumer group over the records topic\n"
	"that ndr-sensor --kafka-records writes: add consumers to scale, each\n"
	"sees whole entities from every link. Alerts go to the alerts topic\n"
	"exactly once across restarts and rebalances (docs/fleet.md).";

static const char epilog[] =
	"Exit status: 0 done, 1 runtime error, 2 bad usage or configuration.";

int detect_parse_args(int argc, char **argv, struct detect_opts *o)
{
	const struct ndr_cli_opt opts[] = {
		NDR_CLI_HEADING("Kafka:"),
		{ "kafka", 0, NDR_CLI_STRING, &o->brokers, .metavar = "BROKERS",
		  .help = "HOST:PORT,... (else [kafka] brokers)" },
		{ "group", 'g', NDR_CLI_STRING, &o->group, .metavar = "ID",
		  .help = "the consumer group (else [detect] group,\n"
			  "default ndr-detect)" },
		NDR_CLI_HEADING("Alerts (to the alerts topic unless --no-kafka-alerts):"),
		{ "no-kafka-alerts", 0, NDR_CLI_FLAG, &o->no_kafka_alerts,
		  .help = "do not write alerts to the alerts topic (then to\n"
			  "stdout unless --eve or --syslog is given)" },
		{ "eve", 0, NDR_CLI_STRING, &o->eve_path, .metavar = "PATH",
		  .help = "also append them as EVE JSON lines ('-' = stdout)" },
		{ "syslog", 0, NDR_CLI_CALL, .fn = opt_syslog, .takes_value = 1, .metavar = "URL",
		  .help = "also send them as RFC 5424 syslog (udp:// or\n"
			  "tcp://HOST:PORT); repeatable" },
		NDR_CLI_HEADING("Other:"),
		{ "config", 'c', NDR_CLI_STRING, &o->config_path, .metavar = "FILE",
		  .help = "configuration: [kafka], [detect], the detectors'\n"
			  "sections (docs/configuration.md, docs/fleet.md)" },
		{ "exit-at-end", 0, NDR_CLI_FLAG, &o->exit_at_end,
		  .help = "commit and exit once every assigned partition is\n"
			  "read to its end (batch runs, benchmarks)" },
		{ "exit-after-alerts", 0, NDR_CLI_UINT, &o->exit_after_alerts, .min = 1,
		  .max = 1000000000, .metavar = "N",
		  .help = "fault injection for tests: die right after N alerts\n"
			  "are acknowledged, before their checkpoint" },
		{ "quiet", 'q', NDR_CLI_FLAG, &o->quiet, .help = "no summary" },
		NDR_CLI_LAST,
	};
	const struct ndr_cli cli = { "ndr-detect", "--kafka BROKERS [options]", about, epilog,
		NDR_VERSION, opts, o };

	int rc;

	memset(o, 0, sizeof(*o));
	rc = ndr_cli_parse(&cli, argc, argv);
	if (rc)
		return rc;
	/* alerts always go somewhere */
	if (o->no_kafka_alerts && !o->eve_path && !o->n_syslog)
		o->eve_path = "-";
	return 0;
}
