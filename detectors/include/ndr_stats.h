/*
 * ndr_stats.h - a detector's counters, registered once when it is created
 * and rendered by one function (in the spirit of Suricata's
 * StatsRegisterCounter), so no detector writes its statistics by hand and
 * the instances of one detector on several workers add up.
 *
 * A detector embeds a struct ndr_stats, registers each statistic by name in
 * create() - a pointer to a uint64_t it increments as it likes, or a
 * function that reads a level when asked - and returns it from its stats
 * op. Reading happens when the detector is not running (at a summary, or on
 * its own thread), so the values need no atomics.
 *
 * How the instances of one detector combine (they register the same names
 * in the same order, being the same code):
 *   counter  events since start            summed
 *   gauge    a level now (entries, bytes)  summed (each instance holds its
 *                                          share of the caps, so the sum is
 *                                          the sensor's)
 *   flag     a yes/no state                true if any instance says true
 *   time     a time in ns, 0 = none        the latest, as ISO 8601 UTC
 *   text     a constant                    the first instance's
 */
#ifndef NDR_STATS_H
#define NDR_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define NDR_STATS_MAX 48

enum ndr_stat_kind {
	NDR_STAT_COUNTER,
	NDR_STAT_GAUGE,
	NDR_STAT_FLAG,
	NDR_STAT_TIME,
	NDR_STAT_TEXT,
};

typedef uint64_t (*ndr_stat_read_fn)(const void *arg);

struct ndr_stat {
	const char *name;              /* a literal: not copied */
	enum ndr_stat_kind kind;
	const uint64_t *counter;       /* counter */
	ndr_stat_read_fn read;         /* gauge, flag, time */
	const void *arg;
	const char *text;              /* text */
};

struct ndr_stats {
	unsigned n;
	unsigned dropped;              /* registrations beyond NDR_STATS_MAX */
	struct ndr_stat s[NDR_STATS_MAX];
};

void ndr_stats_counter(struct ndr_stats *st, const char *name, const uint64_t *value);
void ndr_stats_gauge(struct ndr_stats *st, const char *name, ndr_stat_read_fn read,
		     const void *arg);
void ndr_stats_flag(struct ndr_stats *st, const char *name, ndr_stat_read_fn read,
		    const void *arg);
void ndr_stats_time(struct ndr_stats *st, const char *name, ndr_stat_read_fn read,
		    const void *arg);
void ndr_stats_text(struct ndr_stats *st, const char *name, const char *text);

/* The value of one statistic, combined over n instances as above (a flag
 * is 0 or 1; text is 0). 0 when no instance has it. */
uint64_t ndr_stats_value(const struct ndr_stats *const *inst, size_t n, const char *name);

/* Sets every statistic, combined over the n instances, as a member of out
 * (counters and gauges as integers, flags as booleans, times as strings,
 * a time of 0 left out). */
void ndr_stats_json(const struct ndr_stats *const *inst, size_t n, json_t *out);

#endif
