/*
 * test_det_beacon.c - D2 on synthetic flows.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowgen.h"
#include "ndr_detectors_ext.h"

static const struct ndr_detector_ops *ops = &ndr_det_beacon;

/* deterministic pseudo-random numbers in [0, 1) */
static double rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (double)(*s >> 11) / 9007199254740992.0;
}

static void jittered_beacon_alerts(void **state)
{
	struct fg_alerts al = { 0 };
	struct ndr_flow_rec r;
	void *d = fg_create(ops, NULL);
	uint64_t seed = 1, t = FG_T0;

	(void)state;
	for (int i = 0; i < 300; i++) {          /* every 60 s +-10 %, 5 h */
		t += (uint64_t)((54.0 + 12.0 * rnd(&seed)) * FG_SEC);
		fg_flow(&r, "10.0.0.5", (uint16_t)(40000 + i), "203.0.113.7", 443, 6, t, FG_SEC / 2);
		fg_tcp_session(&r, 6, 180 + (uint32_t)(rnd(&seed) * 10), 5, 300, 3);
		fg_feed(ops, d, &r, &al);
	}
	assert_int_equal(fg_count(&al, "beacon", "10.0.0.5->203.0.113.7:443"), 1);
	assert_true(al.a[0].score >= 0.8);
	assert_string_equal(al.a[0].mitre0, "T1071.001");
	ops->destroy(d);
}

/* A user browsing one site at random times with varied page sizes, and an
 * internal file server used in bursts: no alert. */
static void ordinary_traffic_is_quiet(void **state)
{
	struct fg_alerts al = { 0 };
	struct ndr_flow_rec r;
	void *d = fg_create(ops, NULL);
	uint64_t seed = 7, t = FG_T0, t2 = FG_T0;

	(void)state;
	for (int i = 0; i < 400; i++) {
		t += (uint64_t)(-log(1.0 - rnd(&seed)) * 60.0 * FG_SEC) + FG_SEC;   /* Poisson */
		fg_flow(&r, "10.0.0.6", (uint16_t)(40000 + i), "198.51.100.9", 443, 6, t, 2 * FG_SEC);
		fg_tcp_session(&r, 10, 400, 20 + (uint32_t)(rnd(&seed) * 400), 1400, 8);
		fg_feed(ops, d, &r, &al);
		/* bursts of 5 copies a user starts by hand, then a pause of minutes
		 * to an hour. (Bursts at a fixed spacing would score as a beacon on
		 * timing: a documented limit of the RITA score.) */
		t2 += (uint64_t)(i % 5 ? 2 + rnd(&seed) * 20 : 60 + rnd(&seed) * 3600) * FG_SEC;
		fg_flow(&r, "10.0.0.6", (uint16_t)(20000 + i), "10.0.0.20", 445, 6, t2, 5 * FG_SEC);
		fg_tcp_session(&r, 100 + (uint32_t)(rnd(&seed) * 2000), 1400, 50, 100, 20);
		fg_feed(ops, d, &r, &al);
	}
	for (int i = 0; i < al.n; i++)
		print_message("unexpected: %s %s %.3f\n", al.a[i].entity, al.a[i].signature, al.a[i].score);
	assert_int_equal(al.n, 0);
	assert_true(fg_stat(ops, d, "scored") > 300);
	ops->destroy(d);
}

static void strobe_and_continuations(void **state)
{
	struct fg_alerts al = { 0 };
	struct ndr_flow_rec r;
	void *d = fg_create(ops, "[beacon]\nstrobe_per_day = 1000\n");

	(void)state;
	for (int i = 0; i < 1200; i++) {
		fg_flow(&r, "10.0.0.7", (uint16_t)(10000 + i), "10.0.0.8", 8080, 6,
			FG_T0 + (uint64_t)i * FG_SEC, FG_SEC / 10);
		fg_tcp_session(&r, 2, 100, 2, 100, 1);
		fg_feed(ops, d, &r, &al);
	}
	assert_int_equal(fg_count(&al, "beacon", "10.0.0.7->10.0.0.8:8080"), 1);
	assert_int_equal(al.a[0].signature_id, 8620002u);
	/* one long flow reported in ACTIVE pieces is one connection */
	for (int i = 0; i < 10; i++) {
		fg_flow(&r, "10.0.0.9", 33333, "10.0.0.10", 22, 6, FG_T0 + (uint64_t)i * 120 * FG_SEC,
			119 * FG_SEC);
		fg_tcp_session(&r, 50, 100, 50, 100, 40);
		r.end_reason = i < 9 ? NDR_FLOW_END_ACTIVE : NDR_FLOW_END_FIN;
		fg_feed(ops, d, &r, &al);
	}
	assert_int_equal(fg_stat(ops, d, "continuations"), 9);
	ops->destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(jittered_beacon_alerts),
		cmocka_unit_test(ordinary_traffic_is_quiet),
		cmocka_unit_test(strobe_and_continuations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
