/*
 * detect.h - ndr-detect: the detectors as a Kafka consumer group over the
 * records topic (docs/fleet.md).
 *
 * Each assigned partition of the records topic gets its own instance of
 * every detector (ndr_detectors[], the code ndr-sensor runs), holding
 * 1/partitions of the caps as a sensor's worker does: the records of one
 * entity all arrive in one partition (their key is the detector's shard()
 * key), in order.
 *
 * Checkpoints and exactly-once alerts. The detectors' state is a function
 * of the partition's records, in offset order, with the time the records
 * carry (ticks come from record time, never the clock), and the seed
 * ([kafka] key_seed) is the fleet's: replaying a partition from its start
 * rebuilds the state exactly. A checkpoint is the committed offset C of
 * the partition plus, in the commit's metadata, the offset W of the alerts
 * partition from which this partition's later alerts were written. It is
 * committed only once every alert raised by records before C is
 * acknowledged by the cluster. On assignment the partition is read from
 * its first offset: alerts raised by records before C are suppressed
 * (delivered before the checkpoint); alerts after C get a deterministic id
 * (records topic, partition, offset of the record, n-th alert of that
 * record) which is looked up among the ids already in the alerts partition
 * from W on (written after the checkpoint by an owner that died before the
 * next one), and sent only when absent. Alerts of records partition p go to
 * alerts partition p.
 */
#ifndef NDR_DETECT_H
#define NDR_DETECT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ndr_abi.h"
#include "ndr_alert.h"
#include "ndr_config.h"
#include "ndr_kafka.h"
#include "ndr_kafka_checkpoint.h"

#define DETECT_MAX_SYSLOG 4

struct detect_opts {
	const char *config_path;
	const char *brokers;          /* --kafka */
	const char *group;            /* --group, else [detect] group */
	const char *eve_path;         /* --eve: alerts also as EVE lines */
	const char *syslog_urls[DETECT_MAX_SYSLOG];
	int n_syslog;
	int no_kafka_alerts;          /* --no-kafka-alerts */
	int exit_at_end;              /* --exit-at-end: stop when caught up */
	unsigned exit_after_alerts;   /* --exit-after-alerts N: fault injection */
	int quiet;
};

/* options.c */
int detect_parse_args(int argc, char **argv, struct detect_opts *o);

/* partition.c: one partition's detectors. */
struct detect_part;
struct detect_alert_out {
	/* a new alert to write, with its id */
	void (*alert)(void *arg, struct detect_part *p, const struct ndr_alert *a,
		      const char *id);
	void *arg;
};
struct detect_part *detect_part_new(struct ndr_config *cfg, const char *topic,
				    int32_t partition, unsigned partitions, uint64_t seed,
				    const struct detect_alert_out *out, char *err, size_t errlen);
int32_t detect_part_id(const struct detect_part *p);
/* The checkpoint it resumes from: alerts of records before `committed`
 * are not written again, and those whose id is in seen (taken) are not
 * either. */
void detect_part_resume(struct detect_part *p, int64_t committed, struct ndr_ckpt_seen *seen);
/* The record at offset, for the detectors in mask. */
void detect_part_record(struct detect_part *p, int64_t offset, const struct ndr_rec_hdr *rec,
			uint32_t mask);
struct detect_part_counts {
	uint64_t records, replayed, alerts, suppressed, deduplicated;
	uint64_t lost;    /* records a detector could not see (no memory for it) */
};
const struct detect_part_counts *detect_part_counts(const struct detect_part *p);
/* The offset after the last record processed, or -1. */
int64_t detect_part_next(const struct detect_part *p);
void detect_part_free(struct detect_part *p);

#endif
