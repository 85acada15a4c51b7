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

/* kafka_output.c: alerts and records to Kafka (docs/fleet.md). */
struct ndr_kafka_opts;
struct sensor_kafka;
/* [kafka] with --kafka over it; always read, so its keys are checked. */
int sensor_kafka_config(const struct sensor_opts *o, struct ndr_config *cfg,
			struct ndr_kafka_opts *ko, char *err, size_t errlen);
struct sensor_kafka *sensor_kafka_open(const struct sensor_opts *o,
				       const struct ndr_kafka_opts *ko, char *err, size_t errlen);
/* The detectors whose shard() keys the records (seeded with key_seed). */
void sensor_kafka_keys(struct sensor_kafka *k, struct ndr_workers *w);
void sensor_kafka_alert(struct sensor_kafka *k, const struct ndr_alert *a);
void sensor_kafka_record(struct sensor_kafka *k, const struct ndr_rec_hdr *rec);
void sensor_kafka_poll(struct sensor_kafka *k);
void sensor_kafka_finish(struct sensor_kafka *k);
void sensor_kafka_summary(struct sensor_kafka *k, FILE *f);
const struct ndr_stats *sensor_kafka_stats(const struct sensor_kafka *k);
void sensor_kafka_close(struct sensor_kafka *k);

/* outputs.c: EVE JSON file/stdout, syslog receivers and Kafka. */
struct sensor_outputs;
struct sensor_outputs *outputs_open(const struct sensor_opts *o, struct ndr_config *cfg,
				    char *err, size_t errlen);
void outputs_alert(void *outputs, const struct ndr_alert *alert);
void outputs_record(void *outputs, const struct ndr_rec_hdr *rec);
void outputs_poll(struct sensor_outputs *out);
/* Flush and close the syslog sinks (bounded time); summary and close call it. */
void outputs_finish(struct sensor_outputs *out);
uint64_t outputs_alerts(const struct sensor_outputs *out);
/* Records go to the outputs at all (--records, --kafka-records). */
int outputs_want_records(const struct sensor_outputs *out);
/* The detectors' seed: the fleet's key seed when records go to Kafka
 * (every sensor must key an entity alike), else def. */
uint64_t outputs_seed(const struct sensor_outputs *out, uint64_t def);
void outputs_attach_workers(struct sensor_outputs *out, struct ndr_workers *w);
void outputs_summary(struct sensor_outputs *out, FILE *f);
void outputs_close(struct sensor_outputs *out);

#endif
