/*
 * ndr_detector.h - the interface every detector implements.
 *
 * The sensor runs each detector as one or more instances, one per detector
 * worker (docs/detectors.md "Workers"). Every record goes through each
 * detector's shard() on the dispatching thread, which names the instance
 * that must see it; that instance gets the record, in ring order, through
 * record(). An instance ignores record types it does not use. tick() is
 * called on every instance with the record time at least once per second of
 * record time, and once at the end with the last time seen, so windows close
 * on time even when records stop. Memory is bounded by the configuration,
 * divided evenly among the instances; stats() reports it.
 */
#ifndef NDR_DETECTOR_H
#define NDR_DETECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "ndr_abi.h"
#include "ndr_alert.h"
#include "ndr_config.h"
#include "ndr_stats.h"

/* Where an instance runs. */
struct ndr_detector_ctx {
	unsigned shard;     /* this instance, 0 .. shards-1 */
	unsigned shards;    /* instances of the detector: caps are divided by this */
	/* Seed for every hash whose result shows (HyperLogLog estimates) or
	 * that traffic could aim at (table placement): random per start, fixed
	 * for a replay (so replays repeat), the same for every instance. */
	uint64_t seed;
};

/* shard(): the detector does not use this record; no instance gets it. */
#define NDR_SHARD_SKIP UINT64_MAX

/* flags */
#define NDR_DET_ONE_INSTANCE 1u   /* one instance sees every record it keeps:
				   * its state is one baseline (learned paths),
				   * saved to one file */

struct ndr_detector_ops {
	const char *name;   /* = alert category = config section */
	unsigned flags;
	/* Reads its section of cfg; NULL with "...: what" in err on bad config. */
	void *(*create)(struct ndr_config *cfg, const struct ndr_detector_ctx *ctx,
			char *err, size_t errlen);
	/* Which instance sees rec: records with equal keys go to the same
	 * instance, so the key must carry everything the detector's state and
	 * its alert suppression are keyed by (docs/detectors.md lists each).
	 * NDR_SHARD_SKIP for records the detector does not use. Runs on the
	 * dispatching thread while instances run elsewhere: it may read only
	 * what create() set up and never changes (configuration). A shard()
	 * shared by several detectors must give a record the same key
	 * whichever of them it is called with: the dispatcher calls it once
	 * per record. */
	uint64_t (*shard)(const void *det, const struct ndr_rec_hdr *rec);
	void (*record)(void *det, const struct ndr_rec_hdr *rec,
		       const struct ndr_alert_sink *sink);
	/* Optional: starts fetching the table index lines record() will read
	 * for rec (ndr_lru_prefetch stage 0). A worker calls it
	 * NDR_DET_PREFETCH_AHEAD records before it calls record(rec), so the
	 * cache misses of several records overlap instead of each record
	 * waiting for its own. (A second stage for the entries the index
	 * names cost more than it saved: it hashes every key once more and
	 * reads the index line, stalling when it has not arrived.) Reads
	 * configuration and the tables, changes nothing: output never depends
	 * on it. */
	void (*prefetch)(const void *det, const struct ndr_rec_hdr *rec);
	void (*tick)(void *det, uint64_t now_ns, const struct ndr_alert_sink *sink);
	/* Its registered counters (ndr_stats.h), "memory_bytes" and
	 * "memory_cap_bytes" among them. */
	const struct ndr_stats *(*stats)(const void *det);
	void (*destroy)(void *det);
	/* Optional (NULL when the detector learns nothing worth keeping; only
	 * for NDR_DET_ONE_INSTANCE detectors): persist learned baselines in dir
	 * (--state DIR) atomically.
	 * state_load: 1 loaded, 0 nothing saved yet, -1 rejected with err (the
	 * detector then starts from an empty baseline). state_save: 0 or -1
	 * with err, the previous state intact. */
	int (*state_load)(void *det, const char *dir, char *err, size_t errlen);
	int (*state_save)(void *det, const char *dir, char *err, size_t errlen);
	/* Optional (NULL: a change to its section needs a restart): a new
	 * configuration without losing what was learned. fresh is an instance
	 * create()d from the new configuration with this instance's ctx.
	 * apply 0: only check, -1 with err naming what cannot change at run
	 * time (a table size, a hash seed); apply 1 (after every instance of
	 * every detector said yes): take fresh's thresholds and allowlists,
	 * which cannot fail. Called while no instance runs (the workers are
	 * paused); fresh is destroyed afterwards, so parts may be swapped. */
	int (*reconfigure)(void *det, void *fresh, int apply, char *err, size_t errlen);
};

/* How far ahead of record() a worker calls prefetch(): far enough for a
 * miss to arrive while the records between are handled, near enough for
 * the line to be still cached when its record comes. */
#define NDR_DET_PREFETCH_AHEAD 8u

/* All detectors compiled in, NULL-terminated. */
extern const struct ndr_detector_ops *const ndr_detectors[];

/* A single-instance context (tests, tools): shard 0 of 1 with this seed. */
struct ndr_detector_ctx ndr_detector_ctx_one(uint64_t seed);

/* One instance's statistics as members of out (ndr_stats_json). */
void ndr_detector_stats_json(const struct ndr_detector_ops *ops, const void *det, json_t *out);

/* Well-mixed 64-bit shard key of an address, for shard() functions; seed:
 * the context's, so traffic cannot aim every key at one worker. */
uint64_t ndr_shard_key_addr(const uint8_t addr[16], uint64_t seed);

/* The instance (0 .. n-1) a shard key goes to. */
static inline unsigned ndr_shard_of(uint64_t key, unsigned n)
{
	return (unsigned)(((key >> 32) * (uint64_t)n) >> 32);
}

#endif
