/*
 * ndr_periodicity.h - is a series of connection start times a timer?
 *
 * A beacon sleeps for a period P, wakes, calls home, and sleeps again; C2
 * frameworks add jitter (Cobalt Strike's "sleep 60 jitter 20" sleeps
 * uniformly in [48 s, 60 s], Sliver adds up to its jitter on top) and a
 * check-in is sometimes missed (host asleep, network down), leaving an
 * interval of 2P or 3P. Given the check-in times, the test:
 *
 *   1. takes the intervals between consecutive check-ins and a candidate
 *      period P (their median, and half of it in case most intervals are
 *      misses);
 *   2. for a band b (max_jitter x 1/6, 1/3, 2/3, 1) calls an interval
 *      "on beat" when it is within (1 +- b) k P for some k in 1..3
 *      (k - 1 missed check-ins);
 *   3. asks how likely that many on-beat intervals would be if the starts
 *      were a Poisson process (exponential intervals) of the mean that puts
 *      the most mass in the bands, the most lenient random process: each
 *      interval is on beat with probability p0, and the count of on-beat
 *      intervals is binomial (n, p0); the p-value is its upper tail;
 *   4. keeps the best (P, b) and multiplies its p-value by the number of
 *      (P, b) tried (Bonferroni), so trying several does not manufacture
 *      significance.
 *
 * significance = -log10(p-value): it grows with every on-beat interval, so
 * a fast beacon is significant within minutes and a slow one within hours,
 * while irregular (human, Poisson-like) starts stay near 0 however long
 * they are watched. Pure function of its input; no state, no allocation.
 */
#ifndef NDR_PERIODICITY_H
#define NDR_PERIODICITY_H

#include <stddef.h>

#define NDR_PERIODICITY_MAX_MISSES 2u   /* k - 1 at most */

struct ndr_periodicity {
	double period_s;        /* the period that fits best */
	double jitter;          /* 90th percentile of |interval / (k P) - 1| over on-beat
				 * intervals: 0.2 means +-20 % */
	double band;            /* the band b of the best fit */
	double p_null;          /* p0: chance of one interval on beat under Poisson */
	double significance;    /* -log10 of the corrected p-value; 0 when none */
	double confidence;      /* 1 - corrected p-value */
	unsigned intervals;     /* n */
	unsigned on_beat;       /* of them on beat */
	unsigned missed;        /* check-ins missed inside on-beat intervals */
};

#define NDR_PERIODICITY_BANDS 4u

/* The bands and their chance under the null, computed once (they depend
 * only on max_jitter, the widest band: 0.3 for +-30 %). */
struct ndr_periodicity_bands {
	double max_jitter;
	double band[NDR_PERIODICITY_BANDS];
	double p_null[NDR_PERIODICITY_BANDS];
};

void ndr_periodicity_bands_init(struct ndr_periodicity_bands *b, double max_jitter);

/*
 * t: check-in times in seconds, sorted ascending, n of them (n - 1
 * intervals). Fills *out; with fewer than 3 intervals significance is 0.
 */
void ndr_periodicity_test(const double *t, size_t n, const struct ndr_periodicity_bands *bands,
			  struct ndr_periodicity *out);

#endif
