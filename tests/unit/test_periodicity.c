/*
 * test_periodicity.c - the beacon timing test on synthetic start-time
 * series: jittered timers with missed check-ins must become significant
 * within a few dozen intervals; Poisson and human-like (bursts and think
 * times) series must not, at any length, over many seeds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ndr_periodicity.h"

#define MAX_T 64          /* the beacon detector's default ring */
#define ALERT 8.0         /* its default min_significance */

static struct ndr_periodicity_bands bands30;   /* max_jitter 0.3, the default */

static double rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (double)(*s >> 11) / 9007199254740992.0;
}

/* Smallest prefix (check-ins) whose test reaches ALERT, 0 if none; the
 * latest MAX_T starts only, as the detector keeps them. */
static size_t first_alert(const double *t, size_t n, struct ndr_periodicity *at)
{
	for (size_t k = 4; k <= n; k++) {
		size_t from = k > MAX_T ? k - MAX_T : 0;

		ndr_periodicity_test(t + from, k - from, &bands30, at);
		if (at->significance >= ALERT)
			return k;
	}
	return 0;
}

/* A timer of period p, uniform jitter of +-j around it (or, one_sided,
 * sleeping in [p (1 - j), p] as Cobalt Strike's "sleep p jitter j"), each
 * check-in missed with probability miss. */
static size_t timer(double *t, size_t n, double p, double j, int one_sided, double miss,
		    uint64_t *seed)
{
	double now = 1000.0;
	size_t k = 0;

	while (k < n) {
		double u = rnd(seed);

		now += one_sided ? p * (1.0 - j * u) : p * (1.0 + j * (2 * u - 1));
		if (rnd(seed) >= miss)
			t[k++] = now;
	}
	return k;
}

static void jittered_timers_become_significant(void **state)
{
	static const struct {
		double period, jitter, miss;
		int one_sided;
		size_t within;      /* check-ins */
	} cases[] = {
		{ 5, 0.0, 0.0, 0, 12 },     /* a fixed timer: significant at once */
		{ 5, 0.1, 0.0, 0, 22 },
		{ 5, 0.2, 0.0, 0, 36 },     /* the curl beacon */
		{ 5, 0.2, 0.1, 0, 36 },     /* ... missing one check-in in ten */
		{ 60, 0.3, 0.0, 0, 70 },    /* the widest jitter handled */
		{ 60, 0.3, 0.1, 0, 70 },
		{ 60, 0.2, 0.0, 1, 26 },    /* sleep 60 jitter 20 %: 48-60 s */
		{ 300, 0.4, 0.0, 1, 48 },   /* sleep 300 jitter 40 %: 180-300 s */
		{ 300, 0.1, 0.2, 0, 26 },
	};
	double t[200];
	struct ndr_periodicity r;

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		for (uint64_t s = 1; s <= 20; s++) {
			uint64_t seed = s * 7919;
			size_t n = timer(t, 200, cases[c].period, cases[c].jitter,
					 cases[c].one_sided, cases[c].miss, &seed);
			size_t k = first_alert(t, n, &r);

			if (k == 0 || k > cases[c].within)
				fail_msg("case %zu seed %llu: period %.0f jitter %.2f miss %.2f: "
					 "significant after %zu check-ins, want <= %zu", c,
					 (unsigned long long)s, cases[c].period, cases[c].jitter,
					 cases[c].miss, k, cases[c].within);
			/* the evidence names the timer */
			double expect = cases[c].one_sided ? cases[c].period * (1 - cases[c].jitter / 2)
							    : cases[c].period;
			if (fabs(r.period_s - expect) >= 0.2 * expect)
				fail_msg("case %zu seed %llu: period %.3f, want %.3f", c,
					 (unsigned long long)s, r.period_s, expect);
			assert_true(r.jitter <= fmax(cases[c].jitter, 0.01) + 0.05);
			assert_true(r.confidence > 0.99999999);
			assert_true(r.on_beat <= r.intervals);
		}
	}
}

/* Missed check-ins are named in the evidence. */
static void misses_are_counted(void **state)
{
	double t[40];
	struct ndr_periodicity r;

	(void)state;
	for (int i = 0; i < 40; i++)
		t[i] = 100.0 + 10.0 * i + (i >= 20 ? 10.0 : 0) + (i >= 30 ? 20.0 : 0);
	ndr_periodicity_test(t, 40, &bands30, &r);
	assert_true(fabs(r.period_s - 10.0) < 1e-9);
	assert_int_equal(r.intervals, 39);
	assert_int_equal(r.on_beat, 39);
	assert_int_equal(r.missed, 3);
	assert_true(r.jitter < 1e-9);
	assert_true(r.significance > 20);
}

/* Poisson starts, at any rate and any length up to the ring, never. */
static void poisson_is_not_significant(void **state)
{
	double t[400];
	struct ndr_periodicity r;
	double worst = 0;

	(void)state;
	for (uint64_t s = 1; s <= 200; s++) {
		uint64_t seed = s * 104729;
		double now = 0, mean = 1 + 600 * rnd(&seed);

		for (int i = 0; i < 400; i++) {
			now += -log(1.0 - rnd(&seed)) * mean;
			t[i] = now;
		}
		for (size_t k = 4; k <= 400; k++) {
			size_t from = k > MAX_T ? k - MAX_T : 0;

			ndr_periodicity_test(t + from, k - from, &bands30, &r);
			worst = fmax(worst, r.significance);
		}
	}
	print_message("poisson: worst significance %.2f over 200 series x 397 prefixes\n", worst);
	assert_true(worst < ALERT);
}

/* A person: page loads (several connections within seconds), think times
 * that are log-normal (median 30 s, heavy tail), sessions and breaks. */
static void human_like_is_not_significant(void **state)
{
	double t[400];
	struct ndr_periodicity r;
	double worst = 0;

	(void)state;
	for (uint64_t s = 1; s <= 200; s++) {
		uint64_t seed = s * 15485863;
		double now = 0, sigma = 0.8 + 1.2 * rnd(&seed);

		for (int i = 0; i < 400; i++) {
			/* Box-Muller normal */
			double z = sqrt(-2 * log(1 - rnd(&seed))) * cos(2 * M_PI * rnd(&seed));

			if (rnd(&seed) < 0.3)
				now += 1.0 + 4 * rnd(&seed);          /* next page of a burst */
			else
				now += 30.0 * exp(sigma * z);       /* think time */
			if (rnd(&seed) < 0.02)
				now += 600 + 3600 * rnd(&seed);     /* a meeting */
			t[i] = now;
		}
		for (size_t k = 4; k <= 400; k++) {
			size_t from = k > MAX_T ? k - MAX_T : 0;

			ndr_periodicity_test(t + from, k - from, &bands30, &r);
			worst = fmax(worst, r.significance);
		}
	}
	print_message("human-like: worst significance %.2f\n", worst);
	assert_true(worst < ALERT);
}

static void too_short_is_nothing(void **state)
{
	double t[3] = { 1, 2, 3 };
	struct ndr_periodicity r;

	(void)state;
	ndr_periodicity_test(t, 3, &bands30, &r);
	assert_true(r.significance == 0);
	ndr_periodicity_test(t, 0, &bands30, &r);
	assert_true(r.significance == 0);
}

int main(void)
{
	ndr_periodicity_bands_init(&bands30, 0.3);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(jittered_timers_become_significant),
		cmocka_unit_test(misses_are_counted),
		cmocka_unit_test(poisson_is_not_significant),
		cmocka_unit_test(human_like_is_not_significant),
		cmocka_unit_test(too_short_is_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
