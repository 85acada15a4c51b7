/*
 * sensor.h - the parts of ndr-sensor and how main.c wires them.
 */
#ifndef NDR_SENSOR_H
#define NDR_SENSOR_H

#include <stdint.h>
#include <stdio.h>

#include "ndr_alert.h"
#include "ndr_config.h"
#include "ndr_health.h"
#include "ndr_syslog.h"
#include "ndr_source.h"
#include "ndr_workers.h"
#include "options.h"

/* card_config.c: [card] and [ring] sections into source options. */
int sensor_card_config(struct ndr_config *cfg, const struct sensor_opts *o,
		       struct ndr_source_opts *so, char *err, size_t errlen);

/* card_config.c: [stats] interval and metrics_file, the command line winning. */
struct sensor_stats_cfg {
	unsigned interval_s;          /* 0: no periodic stats events */
	const char *metrics_file;     /* NULL: none */
};
int sensor_stats_config(struct ndr_config *cfg, const struct sensor_opts *o,
			struct sensor_stats_cfg *sc, char *err, size_t errlen);

/* reload.c: SIGHUP. The output files reopened; then the configuration file
 * read again and checked whole; its reloadable parts (detector thresholds
 * and allowlists, [syslog], [stats]) applied without losing what the
 * detectors learned, or all of it refused (the running one stays). A line
 * on stderr says which, and what changed or why. */
struct sensor_reload {
	const struct sensor_opts *o;
	struct ndr_source *src;
	struct ndr_workers *det;
	uint64_t seed;
	struct sensor_outputs *out;
	struct ndr_config *cfg;             /* the running one */
	struct ndr_config **retired;        /* replaced ones: strings stay valid */
	size_t n_retired;
	struct sensor_stats_cfg stats;
};
/* 0 applied (or nothing to reload), -1 refused. */
int sensor_reload(struct sensor_reload *r);
void sensor_reload_free(struct sensor_reload *r);

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
/* kafka_spool.c: [kafka] spool_dir as the producer's overflow store. */
struct sensor_kafka_spool;
struct ndr_kafka_producer;
struct sensor_kafka_spool *sensor_kafka_spool_open(struct ndr_kafka_producer *p,
						   const struct ndr_kafka_opts *ko, char *err,
						   size_t errlen);
void sensor_kafka_spool_summary(const struct sensor_kafka_spool *s, FILE *f);
void sensor_kafka_spool_close(struct sensor_kafka_spool *s);

/* outputs.c: EVE JSON files/stdout, syslog receivers and Kafka: open, write
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
/* Records go to the outputs at all (--records, --kafka-records). */
int outputs_want_records(const struct sensor_outputs *out);
/* The detectors' seed: the fleet's key seed when records go to Kafka
 * (every sensor must key an entity alike), else def. */
uint64_t outputs_seed(const struct sensor_outputs *out, uint64_t def);
void outputs_attach_workers(struct sensor_outputs *out, struct ndr_workers *w);
/* Finishes, then: alerts no output took (an EVE write error and no
 * receiver took it, or every receiver dropped it), at most. */
uint64_t outputs_undelivered(struct sensor_outputs *out);
void outputs_summary(struct sensor_outputs *out, FILE *f);
void outputs_close(struct sensor_outputs *out);
/* SIGHUP: open the EVE file again where it was (logrotate moved it). */
int outputs_reopen(struct sensor_outputs *out, char *err, size_t errlen);
/* An event of the sensor's own (stats) into the EVE output. */
void outputs_event(struct sensor_outputs *out, const json_t *event);
/* A reload: [syslog] of cfg read into so (checks it), then, when it
 * changed, new sinks with so replace the old (which flush first); -1 with
 * err and the old sinks kept when one cannot open. */
int outputs_reload_check(struct sensor_outputs *out, struct ndr_config *cfg,
			 struct ndr_syslog_opts *so, char *err, size_t errlen);
int outputs_reload_syslog(struct sensor_outputs *out, const struct ndr_syslog_opts *so,
			  char *err, size_t errlen);
/* The outputs' counters (eve, syslog per receiver) into h. */
int outputs_health(struct sensor_outputs *out, struct ndr_health *h);

/* health_groups.c: the card's, capture's, ring's and detectors' counters
 * and the outputs' in one registry (more groups: ndr_health_add on
 * sensor_health_registry()); collect with ndr_health_collect first. */
struct sensor_health;
struct sensor_health *sensor_health_new(struct ndr_source *src, struct ndr_workers *det,
					struct sensor_outputs *out, char *err, size_t errlen);
struct ndr_health *sensor_health_registry(struct sensor_health *s);
/* The EVE stats event of what was collected (a new reference). */
json_t *sensor_health_event(struct sensor_health *s);
/* Once: the capture met a link type it cannot convert. */
void sensor_health_warn_linktype(struct sensor_health *s, const char *desc);
int sensor_health_write_metrics(struct sensor_health *s, const char *path, char *err,
				size_t errlen);
void sensor_health_free(struct sensor_health *s);

/* signals.c: SIGHUP, SIGINT/SIGTERM, SIGUSR1 blocked in every thread and
 * read from a descriptor between two pumps. */
#define SENSOR_SIG_RELOAD 1u
#define SENSOR_SIG_STOP   2u
#define SENSOR_SIG_STATS  4u
int sensor_signals_open(char *err, size_t errlen);
unsigned sensor_signals_take(int fd);

/* pidfile.c */
int sensor_pidfile_create(const char *path, char *err, size_t errlen);
void sensor_pidfile_remove(const char *path);

/* privileges.c: --user; keep_capture_caps keeps CAP_NET_RAW and
 * CAP_NET_ADMIN (reopening a live capture). */
int sensor_drop_privileges(const char *spec, int keep_capture_caps, char *err, size_t errlen);

/* sd_notify.c: "READY=1", "RELOADING=1", "STOPPING=1", "STATUS=..." to
 * $NOTIFY_SOCKET (nothing without one); the watchdog period or 0. */
int sensor_notify(const char *state);
uint64_t sensor_watchdog_usec(void);

#endif
