/*
 * partition.c - one records partition's detectors: every detector compiled
 * in, fed the partition's records in offset order, ticked on record time,
 * each alert named by a deterministic id and let out only when it was not
 * already written (detect.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "ndr_detector.h"
#include "ndr_kafka_wire.h"

#define NS_PER_SEC 1000000000ull

struct detect_part {
	int32_t id;
	const char *topic;
	const struct detect_alert_out *out;
	unsigned n;
	void *inst[NDR_KAFKA_MAX_DETECTORS];
	struct ndr_alert_sink sink;
	int64_t next;               /* offset after the last record, -1 none */
	int64_t committed;          /* alerts of records before it are out */
	struct ndr_ckpt_seen *seen; /* ids written after the checkpoint */
	int64_t cur_offset;         /* the record being processed */
	unsigned cur_n;             /* alerts it raised so far */
	uint64_t last_ts, next_tick;
	struct ndr_config *cfg;     /* for the instances made on first use */
	uint64_t seed;
	struct detect_part_counts c;
};

static void on_alert(void *arg, const struct ndr_alert *a)
{
	struct detect_part *p = arg;
	char id[NDR_CKPT_ID_LEN];

	ndr_ckpt_alert_id(p->topic, p->id, p->cur_offset, p->cur_n++, id, sizeof(id));
	if (p->cur_offset < p->committed) {
		p->c.suppressed++;
		return;
	}
	if (p->seen && ndr_ckpt_seen_has(p->seen, id)) {
		p->c.deduplicated++;
		return;
	}
	p->c.alerts++;
	p->out->alert(p->out->arg, p, a, id);
}

struct detect_part *detect_part_new(struct ndr_config *cfg, const char *topic,
				    int32_t partition, unsigned partitions, uint64_t seed,
				    const struct detect_alert_out *out, char *err, size_t errlen)
{
	struct detect_part *p = calloc(1, sizeof(*p));

	if (!p) {
		snprintf(err, errlen, "partition %d: out of memory", (int)partition);
		return NULL;
	}
	p->id = partition;
	p->topic = topic;
	p->out = out;
	p->next = -1;
	p->sink = (struct ndr_alert_sink){ on_alert, p };
	p->n = ndr_kafka_detector_count();
	p->cfg = cfg;
	p->seed = seed;
	for (unsigned d = 0; d < p->n; d++) {
		const struct ndr_detector_ops *ops = ndr_detectors[d];
		struct ndr_detector_ctx ctx = {
			.shard = (unsigned)partition, .shards = partitions, .seed = seed,
		};
		char why[512] = "";

		/* a partition holds its share of the caps, as a worker does; a
		 * one-instance detector's records all come to one partition,
		 * which makes its whole-cap instance on first use */
		if (ops->flags & NDR_DET_ONE_INSTANCE)
			continue;
		p->inst[d] = ops->create(cfg, &ctx, why, sizeof(why));
		if (!p->inst[d]) {
			snprintf(err, errlen, "detector %s: %s", ops->name, why);
			detect_part_free(p);
			return NULL;
		}
	}
	return p;
}

int32_t detect_part_id(const struct detect_part *p)
{
	return p->id;
}

void detect_part_resume(struct detect_part *p, int64_t committed, struct ndr_ckpt_seen *seen)
{
	p->committed = committed;
	ndr_ckpt_seen_free(p->seen);
	p->seen = seen;
}

void detect_part_record(struct detect_part *p, int64_t offset, const struct ndr_rec_hdr *rec,
			uint32_t mask)
{
	p->cur_offset = offset;
	p->cur_n = 0;
	p->next = offset + 1;
	p->c.records++;
	if (offset < p->committed)
		p->c.replayed++;
	if (rec->ts_ns > p->last_ts)
		p->last_ts = rec->ts_ns;
	for (unsigned d = 0; d < p->n; d++) {
		if (!(mask & (1u << d)))
			continue;
		if (!p->inst[d]) {
			struct ndr_detector_ctx one = ndr_detector_ctx_one(p->seed);
			char why[512];

			/* its configuration was checked at startup: only memory
			 * can fail here */
			p->inst[d] = ndr_detectors[d]->create(p->cfg, &one, why, sizeof(why));
			if (!p->inst[d]) {
				p->c.lost++;
				continue;
			}
		}
		ndr_detectors[d]->record(p->inst[d], rec, &p->sink);
	}
	/* windows close on the partition's record time, once per second of
	 * it, as in the sensor: a replay ticks at the same records */
	if (p->last_ts >= p->next_tick) {
		for (unsigned d = 0; d < p->n; d++)
			if (p->inst[d])
				ndr_detectors[d]->tick(p->inst[d], p->last_ts, &p->sink);
		p->next_tick = p->last_ts - p->last_ts % NS_PER_SEC + NS_PER_SEC;
	}
}

const struct detect_part_counts *detect_part_counts(const struct detect_part *p)
{
	return &p->c;
}

int64_t detect_part_next(const struct detect_part *p)
{
	return p->next;
}

void detect_part_free(struct detect_part *p)
{
	if (!p)
		return;
	for (unsigned d = 0; d < p->n; d++)
		if (p->inst[d])
			ndr_detectors[d]->destroy(p->inst[d]);
	ndr_ckpt_seen_free(p->seen);
	free(p);
}
