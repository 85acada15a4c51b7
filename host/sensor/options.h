/*
 * options.h - ndr-sensor's command line.
 */
#ifndef NDR_SENSOR_OPTIONS_H
#define NDR_SENSOR_OPTIONS_H

#include <stddef.h>

#define SENSOR_MAX_SYSLOG 4

struct sensor_opts {
	char source_spec[4200];       /* sim:file:..., sim:live:..., chardev:..., xrt:..., opencl */
	const char *frames;           /* -r with --card: frames for the card's emulation */
	const char *xclbin;           /* --xclbin: the image for xrt: */
	const char *xclbin_uuid;      /* --xclbin-uuid: refuse any other image */
	int clocked;                  /* --clocked: the clocked simulation */
	const char *config_path;      /* NULL = defaults */
	const char *state_dir;        /* --state: learned baselines, NULL = none */
	const char *eve_path;         /* --eve: NULL = [eve] file, "-" = stdout */
	const char *eve_alerts_path;  /* --eve-alerts: NULL = [eve] alerts */
	const char *syslog_urls[SENSOR_MAX_SYSLOG];
	int n_syslog;
	const char *syslog_format;    /* --syslog-format: NULL = [syslog] format */
	int records;                  /* also write flow/dns events */
	const char *kafka_brokers;    /* --kafka: alerts (and records) to Kafka */
	int kafka_records;            /* --kafka-records: the records topic */
	int quiet;                    /* no progress line, no summary */
	int numa_node;                /* -1 = the card's */
	int progress;                 /* -1 auto (a tty or a long run), 0 off, 1 on */
	unsigned workers;             /* --workers, 0 = [sensor] workers or auto */
	unsigned pipelines;           /* --pipelines, 0 = [card] pipelines or auto */
	/* running as a service */
	const char *pidfile;          /* --pidfile: NULL = none */
	const char *user;             /* --user USER[:GROUP]: NULL = stay */
	int stats_interval_s;         /* --stats-interval: -1 = [stats] interval */
	const char *metrics_file;     /* --metrics-file: NULL = [stats] metrics_file */
	/* capture (-r, -i) */
	const char *filter;           /* -f: NULL = [capture] filter */
	unsigned buffer_mib;          /* --buffer-size: 0 = [capture] buffer_size */
};

/* 0: run; 1: printed help or version, exit 0; -1: usage error printed, exit 2. */
int sensor_parse_args(int argc, char **argv, struct sensor_opts *o);

#endif
