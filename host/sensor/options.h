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
	int quiet;                    /* no progress line, no summary */
	int numa_node;                /* -1 = the card's */
	int progress;                 /* -1 auto (a tty or a long run), 0 off, 1 on */
	unsigned workers;             /* --workers, 0 = [sensor] workers or auto */
	unsigned pipelines;           /* --pipelines, 0 = [card] pipelines or auto */
};

/* 0: run; 1: printed help or version, exit 0; -1: usage error printed, exit 2. */
int sensor_parse_args(int argc, char **argv, struct sensor_opts *o);

#endif
