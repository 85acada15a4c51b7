/*
 * ndr_workers.h - the detectors on worker threads, fed in ring order by the
 * thread that drains the card's ring (docs/detectors.md "Workers").
 *
 * Each worker holds one instance of every detector (one of a
 * NDR_DET_ONE_INSTANCE detector lives on one worker only). The consumer
 * gives each record to ndr_workers_record(), which asks every detector's
 * shard() which instance must see it and copies the record into that
 * worker's queue (ndr_spsc.h) with a mask of the detectors that want it;
 * so every detector entity always meets the same instance. Ticks go to
 * every worker at the point of the record stream where they were given.
 *
 * Everything a worker produces goes through one writer, on the consumer's
 * thread (ndr_workers_poll): an alert is tagged with the position in the
 * stream of the record or tick that raised it and its detector's place in
 * ndr_detectors[], and the writer releases alerts (and, when asked, the
 * records themselves as events) only when every worker has passed that
 * position, in that order: the order of a single worker. So the output
 * does not depend on the number of workers nor on thread timing. Alerts of
 * one detector raised by one record or tick on several instances (a tick
 * expiring entities on every worker) are ordered by time, then entity.
 * The alerts raised at a position come before the record event of that
 * position (an alert before its flow's event, as Suricata logs them), so
 * the flow event can say that an alert named its flow.
 *
 * One thread calls everything here (the consumer); the workers are its
 * own. Statistics and state saving read detectors only when the workers
 * are idle (ndr_workers_finish) or on the owning worker (state save).
 */
#ifndef NDR_WORKERS_H
#define NDR_WORKERS_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "ndr_abi.h"
#include "ndr_alert.h"
#include "ndr_config.h"
#include "ndr_stats.h"

#define NDR_WORKERS_MAX 256

struct ndr_workers_out {
	/* Called on the consumer's thread, in order (see above). */
	void (*alert)(void *arg, const struct ndr_alert *a);
	/* Flow, DNS and TLS records as events, interleaved with the alerts
	 * in stream order; NULL for none. */
	void (*record)(void *arg, const struct ndr_rec_hdr *rec);
	void *arg;
};

struct ndr_workers_opts {
	unsigned workers;          /* 1 .. NDR_WORKERS_MAX */
	uint64_t seed;             /* the detectors' (ndr_detector_ctx) */
	size_t queue_bytes;        /* each worker's queue; 0 = default */
};

#define NDR_WORKERS_QUEUE_BYTES (4u << 20)

struct ndr_workers;

/* Creates every detector's instances from cfg. NULL with "detector X:
 * why" in err. No thread runs until ndr_workers_start(). */
struct ndr_workers *ndr_workers_new(struct ndr_config *cfg, const struct ndr_workers_opts *o,
				    const struct ndr_workers_out *out, char *err, size_t errlen);

/* --state DIR, before start: create DIR if needed, load each baseline (a
 * rejected one is a warning on stderr, the detector relearns). -1 only
 * when the directory cannot be made. */
int ndr_workers_state_load(struct ndr_workers *w, const char *dir, int quiet,
			   char *err, size_t errlen);

/* Starts the worker threads (they inherit the caller's CPU affinity). */
int ndr_workers_start(struct ndr_workers *w, char *err, size_t errlen);

/* The next record of the stream (copied: rec may go once this returns). */
void ndr_workers_record(struct ndr_workers *w, const struct ndr_rec_hdr *rec);
/* Windows close at now_ns on every instance, at this point of the stream. */
void ndr_workers_tick(struct ndr_workers *w, uint64_t now_ns);
/* Hands queued work to the workers and writes what is final. */
void ndr_workers_poll(struct ndr_workers *w);

/* Waits until every record and tick given so far is processed and what
 * they raised is written. */
void ndr_workers_sync(struct ndr_workers *w);

/* Saves every baseline atomically, on the worker that owns it, after the
 * records given so far. 0, or -1 with err (the previous state intact). */
int ndr_workers_state_save(struct ndr_workers *w, const char *dir, char *err, size_t errlen);

/* Waits until every record and tick given is processed and everything is
 * written, then stops the threads. Nothing may be given afterwards. */
void ndr_workers_finish(struct ndr_workers *w);

/* Stops every worker between two messages, so the consumer may read or
 * change the detectors, until ndr_workers_resume(). Nothing may be given
 * meanwhile. No-op when the workers are not running. */
void ndr_workers_pause(struct ndr_workers *w);
void ndr_workers_resume(struct ndr_workers *w);

/* fn(arg, detector name, its instances' statistics, how many) for every
 * detector, in ndr_detectors[] order; while running, inside a pause (so the
 * values are those at one point of the record stream). */
typedef void (*ndr_workers_stats_fn)(void *arg, const char *name,
				     const struct ndr_stats *const *inst, size_t n);
void ndr_workers_stats_each(struct ndr_workers *w, ndr_workers_stats_fn fn, void *arg);

/* {"dns_tunnel": {...}, ...}: each detector's statistics summed over its
 * instances (ndr_stats.h), at any time (a pause while running). */
json_t *ndr_workers_stats(struct ndr_workers *w);

/* A new configuration without losing what the detectors learned: every
 * detector's section of cfg is validated by creating fresh instances with
 * seed (the one given to ndr_workers_new), and those in changed_mask (bit =
 * place in ndr_detectors[]) asked whether they can take it; with apply,
 * they then take their new settings (ndr_detector.h reconfigure), all of
 * them or none. -1 with "detector X: why" in err when cfg is refused:
 * nothing has changed then. */
int ndr_workers_reconfigure(struct ndr_workers *w, struct ndr_config *cfg, uint64_t seed,
			    uint32_t changed_mask, int apply, char *err, size_t errlen);
/* The name of detector d (its config section), NULL past the last. */
const char *ndr_workers_detector_name(const struct ndr_workers *w, unsigned d);

/* Alerts written so far. */
uint64_t ndr_workers_alerts(const struct ndr_workers *w);
unsigned ndr_workers_count(const struct ndr_workers *w);
/* The worker a detector's instance for this record lives on, or -1 when
 * the detector does not use the record: what ndr_workers_record does, for
 * tests. */
int ndr_workers_route(const struct ndr_workers *w, unsigned det, const struct ndr_rec_hdr *rec);

/* The shard key detector det gives rec (NDR_SHARD_SKIP: it does not use
 * it), computed with the detectors' seed: the Kafka records topic's key
 * (ndr_kafka_wire.h; an ndr_kafka_key_fn with w as its argument). */
uint64_t ndr_workers_shard_key(void *w, unsigned det, const struct ndr_rec_hdr *rec);

void ndr_workers_free(struct ndr_workers *w);

#endif
