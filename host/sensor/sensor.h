/*
 * sensor.h - the parts of ndr-sensor and how main.c wires them.
 */
#ifndef NDR_SENSOR_H
#define NDR_SENSOR_H

#include <stdint.h>
#include <stdio.h>

#include "ndr_alert.h"
#include "ndr_config.h"
#include "ndr_source.h"
#include "ndr_workers.h"
#include "options.h"

/* card_config.c: [card] and [ring] sections into source options. */
int sensor_card_config(struct ndr_config *cfg, const struct sensor_opts *o,
		       struct ndr_source_opts *so, char *err, size_t errlen);

/* workers_config.c: --workers or [sensor] workers, else the cores of the
 * card's node less the consumer's and the source's own threads (>= 1). */
int sensor_workers(struct ndr_config *cfg, const struct sensor_opts *o,
		   const struct ndr_source *src, unsigned *workers, char *err, size_t errlen);
/* The detectors' hash seed: fixed for a replay, random for live input. */
uint64_t sensor_seed(const struct ndr_source *src);

/* outputs.c: EVE JSON files/stdout and syslog receivers: open, write
 * (outputs_alert, outputs_record), poll, reopen, finish, close. */
struct sensor_outputs;
struct sensor_outputs *outputs_open(const struct sensor_opts *o, struct ndr_config *cfg,
				    char *err, size_t errlen);
void outputs_alert(void *outputs, const struct ndr_alert *alert);
void outputs_record(void *outputs, const struct ndr_rec_hdr *rec);
void outputs_poll(struct sensor_outputs *out);
/* Open the EVE files again by their paths (after log rotation). 0, or -1
 * with "PATH: why" in err and the old files kept. */
int outputs_reopen(struct sensor_outputs *out, char *err, size_t errlen);
/* Flush and close the syslog sinks (bounded time); summary and close call it. */
void outputs_finish(struct sensor_outputs *out);
uint64_t outputs_alerts(const struct sensor_outputs *out);
/* Finishes, then: alerts no output took (an EVE write error and no
 * receiver took it, or every receiver dropped it), at most. */
uint64_t outputs_undelivered(struct sensor_outputs *out);
void outputs_summary(struct sensor_outputs *out, FILE *f);
void outputs_close(struct sensor_outputs *out);

#endif
