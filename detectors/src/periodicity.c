/*
 * periodicity.c - the beacon timing test of ndr_periodicity.h: on-beat
 * intervals counted against a Poisson null, binomial tail, Bonferroni over
 * the (period, band) pairs tried.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_periodicity.h"

#define PT_MAX_INTERVALS 1024u
#define PT_BANDS         NDR_PERIODICITY_BANDS
#define PT_PERIODS       2u
#define PT_P_MIN         1e-12
#define PT_NULL_STEPS    32u

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* k (1..3) when d is within (1 +- b) k P, else 0; *dev gets |d/(kP) - 1|. */
static unsigned on_beat(double d, double period, double b, double *dev)
{
	for (unsigned k = 1; k <= NDR_PERIODICITY_MAX_MISSES + 1; k++) {
		double e = fabs(d / (k * period) - 1.0);

		if (e <= b) {
			*dev = e;
			return k;
		}
	}
	return 0;
}

/* Probability that an exponential interval of mean mu lands in the union of
 * the bands [(1 - b) k P, (1 + b) k P], k = 1..3 (they overlap from b = 0.2). */
static double band_mass(double period, double b, double mu)
{
	double p = 0, lo = 0, hi = 0;
	int open = 0;

	for (unsigned k = 1; k <= NDR_PERIODICITY_MAX_MISSES + 1; k++) {
		double l = (1.0 - b) * k * period, h = (1.0 + b) * k * period;

		if (open && l <= hi) {
			hi = h;
			continue;
		}
		if (open)
			p += exp(-lo / mu) - exp(-hi / mu);
		lo = l;
		hi = h;
		open = 1;
	}
	p += exp(-lo / mu) - exp(-hi / mu);
	return p;
}

/* The most lenient Poisson null: the largest band mass over means from P/4
 * to 10 P. The observed mean is no good as the null's: bursty traffic (a
 * user copying files, then pausing for an hour) has a mean dominated by its
 * pauses, under which any short interval looks improbable. */
static double null_share(double period, double b)
{
	double best = 0;

	for (unsigned i = 0; i <= PT_NULL_STEPS; i++) {
		double mu = period * 0.25 * pow(40.0, (double)i / PT_NULL_STEPS);

		best = fmax(best, band_mass(period, b, mu));
	}
	return fmin(fmax(best, PT_P_MIN), 1.0 - PT_P_MIN);
}

/* log10 of P(X >= x) for X ~ Binomial(n, p), summed from the top term down
 * (no lgamma: it writes the global signgam, a race between workers). */
static double log10_binom_tail(unsigned n, unsigned x, double p)
{
	double lt = n * log(p), acc = lt, step = log1p(-p) - log(p);

	if (x == 0)
		return 0;
	for (unsigned j = n; j > x; j--) {
		lt += log((double)j) - log((double)(n - j + 1)) + step;
		acc = fmax(acc, lt) + log1p(exp(-fabs(acc - lt)));
	}
	return fmin(0.0, acc / log(10.0));
}

/* The period that centres the on-beat intervals of a first guess: the
 * median of d / k over them (the median of raw intervals sits off centre
 * when jitter is one-sided or the sample is small). *off_beat gets how many
 * intervals the refined period leaves off beat at the widest band. */
static double refine(const double *d, unsigned m, double guess, double b, unsigned *off_beat)
{
	double r[PT_MAX_INTERVALS], e, p = guess;
	unsigned n = 0;

	for (unsigned i = 0; i < m; i++) {
		unsigned k = on_beat(d[i], guess, b, &e);

		if (k)
			r[n++] = d[i] / k;
	}
	if (n > 0) {
		qsort(r, n, sizeof(double), cmp_double);
		p = n % 2 ? r[n / 2] : (r[n / 2 - 1] + r[n / 2]) / 2;
	}
	*off_beat = 0;
	for (unsigned i = 0; i < m; i++)
		*off_beat += on_beat(d[i], p, b, &e) == 0;
	return p;
}

void ndr_periodicity_bands_init(struct ndr_periodicity_bands *b, double max_jitter)
{
	static const double band_share[PT_BANDS] = { 1.0 / 6, 1.0 / 3, 2.0 / 3, 1.0 };

	b->max_jitter = max_jitter;
	for (unsigned i = 0; i < PT_BANDS; i++) {
		b->band[i] = max_jitter * band_share[i];
		b->p_null[i] = null_share(1.0, b->band[i]);   /* scale-free: P = 1 */
	}
}

void ndr_periodicity_test(const double *t, size_t n, const struct ndr_periodicity_bands *bands,
			  struct ndr_periodicity *out)
{
	double max_jitter = bands->max_jitter;
	double d[PT_MAX_INTERVALS], sorted[PT_MAX_INTERVALS], dev[PT_MAX_INTERVALS];
	double median, best_log = 1.0, periods[PT_PERIODS];
	unsigned m, off_beat;

	memset(out, 0, sizeof(*out));
	if (n > PT_MAX_INTERVALS + 1) {
		t += n - (PT_MAX_INTERVALS + 1);
		n = PT_MAX_INTERVALS + 1;
	}
	if (n < 4)
		return;
	m = (unsigned)(n - 1);
	for (unsigned i = 0; i < m; i++) {
		d[i] = t[i + 1] - t[i];
		sorted[i] = d[i];
	}
	qsort(sorted, m, sizeof(double), cmp_double);
	median = m % 2 ? sorted[m / 2] : (sorted[m / 2 - 1] + sorted[m / 2]) / 2;
	if (median <= 0)
		return;
	out->intervals = m;
	periods[0] = refine(d, m, median, max_jitter, &off_beat);
	/* half the median only when that is needed: when most intervals are
	 * misses the median is 2 P; otherwise P / 2 explains jitter at the
	 * band's edge as missed check-ins */
	periods[1] = 0;
	if (4 * off_beat >= m) {
		double half = refine(d, m, median / 2, max_jitter, &off_beat), e;
		unsigned ones = 0;

		for (unsigned i = 0; i < m; i++)
			ones += on_beat(d[i], half, max_jitter, &e) == 1;
		if (4 * ones >= m)   /* it must see check-ins that were not missed */
			periods[1] = half;
	}
	for (unsigned pi = 0; pi < PT_PERIODS && periods[pi] > 0; pi++) {
		for (unsigned bi = 0; bi < PT_BANDS; bi++) {
			double b = bands->band[bi], p0 = bands->p_null[bi], lp, e;
			unsigned x = 0, missed = 0, ne = 0;

			for (unsigned i = 0; i < m; i++) {
				unsigned k = on_beat(d[i], periods[pi], b, &e);

				if (k) {
					x++;
					missed += k - 1;
					dev[ne++] = e;
				}
			}
			lp = log10_binom_tail(m, x, p0);
			if (lp < best_log - 1e-9) {   /* a tie keeps the longer period */
				best_log = lp;
				out->period_s = periods[pi];
				out->band = b;
				out->p_null = p0;
				out->on_beat = x;
				out->missed = missed;
				qsort(dev, ne, sizeof(double), cmp_double);
				out->jitter = ne ? dev[(unsigned)(0.9 * (ne - 1) + 0.5)] : 0;
			}
		}
	}
	best_log += log10((double)(PT_PERIODS * PT_BANDS));
	if (best_log < 0) {
		out->significance = -best_log;
		out->confidence = 1.0 - pow(10.0, best_log);
	}
}
