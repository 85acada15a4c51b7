/*
 * ndr_detector.h - the interface every detector implements.
 *
 * The sensor feeds every record (flow, DNS, heartbeat, drop) to every
 * detector in ring order; a detector ignores types it does not use. tick() is
 * called with the record time at least once per second of record time, and
 * once at the end with the last time seen, so windows close on time even
 * when records stop. Memory is bounded by the configuration; stats() reports
 * it.
 */
#ifndef NDR_DETECTOR_H
#define NDR_DETECTOR_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "ndr_abi.h"
#include "ndr_alert.h"
#include "ndr_config.h"

struct ndr_detector_ops {
	const char *name;   /* = alert category = config section */
	/* Reads its section of cfg; NULL with "...: what" in err on bad config. */
	void *(*create)(struct ndr_config *cfg, char *err, size_t errlen);
	void (*record)(void *det, const struct ndr_rec_hdr *rec,
		       const struct ndr_alert_sink *sink);
	void (*tick)(void *det, uint64_t now_ns, const struct ndr_alert_sink *sink);
	/* Adds counters and "memory_bytes"/"memory_cap_bytes" to the object. */
	void (*stats)(void *det, json_t *out);
	void (*destroy)(void *det);
	/* Optional (NULL when the detector learns nothing worth keeping):
	 * persist learned baselines in dir (--state DIR) atomically.
	 * state_load: 1 loaded, 0 nothing saved yet, -1 rejected with err (the
	 * detector then starts from an empty baseline). state_save: 0 or -1
	 * with err, the previous state intact. */
	int (*state_load)(void *det, const char *dir, char *err, size_t errlen);
	int (*state_save)(void *det, const char *dir, char *err, size_t errlen);
};

/* All detectors compiled in, NULL-terminated. */
extern const struct ndr_detector_ops *const ndr_detectors[];

#endif
