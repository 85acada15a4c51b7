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
#include "options.h"

/* card_config.c: [card] and [ring] sections into source options. */
int sensor_card_config(struct ndr_config *cfg, const struct sensor_opts *o,
		       struct ndr_source_opts *so, char *err, size_t errlen);

/* detect.c: every compiled-in detector, fed in ring order. */
struct sensor_detectors;
struct sensor_detectors *detectors_create(struct ndr_config *cfg,
					  const struct ndr_alert_sink *sink,
					  char *err, size_t errlen);
void detectors_record(struct sensor_detectors *d, const struct ndr_rec_hdr *rec);
void detectors_tick(struct sensor_detectors *d, uint64_t now_ns);
/* {"dns_tunnel": {...}, ...} */
json_t *detectors_stats(struct sensor_detectors *d);
/* --state DIR: create it if needed, load each detector's saved baseline
 * (a rejected one is a warning, the detector relearns). -1 only when the
 * directory cannot be made. */
int detectors_state_load(struct sensor_detectors *d, const char *dir, int quiet,
			 char *err, size_t errlen);
/* Save every detector's baseline atomically; -1 with err if any failed. */
int detectors_state_save(struct sensor_detectors *d, const char *dir, char *err,
			 size_t errlen);
void detectors_destroy(struct sensor_detectors *d);

/* outputs.c: EVE JSON file/stdout and syslog receivers. */
struct sensor_outputs;
struct sensor_outputs *outputs_open(const struct sensor_opts *o, struct ndr_config *cfg,
				    char *err, size_t errlen);
void outputs_alert(void *outputs, const struct ndr_alert *alert);
void outputs_record(struct sensor_outputs *out, const struct ndr_rec_hdr *rec);
void outputs_poll(struct sensor_outputs *out);
/* Flush and close the syslog sinks (bounded time); summary and close call it. */
void outputs_finish(struct sensor_outputs *out);
uint64_t outputs_alerts(const struct sensor_outputs *out);
void outputs_summary(struct sensor_outputs *out, FILE *f);
void outputs_close(struct sensor_outputs *out);

#endif
