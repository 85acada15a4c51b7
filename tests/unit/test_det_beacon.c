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
	assert_true(al.a[0].score >= 0.5);
	assert_string_equal(al.a[0].mitre0, "T1071.001");
	assert_true(fabs(fg_evidence(&al.a[0], "period_s") - 60) < 3);
	assert_true(fg_evidence(&al.a[0], "jitter") <= 0.12);
	assert_true(fg_evidence(&al.a[0], "significance") >= 8);
	/* within half an hour of the first check-in, not after hours */
	assert_true(fg_evidence(&al.a[0], "check_ins") <= 30);
	ops->destroy(d);
}

/* A curl beacon every 5 s +- 20 % over HTTPS, one check-in in ten missed,
 * some check-ins making two connections at once: alerted within minutes,
 * evidence naming period, jitter, count, misses and confidence. */
static void fast_beacon_alerts_within_minutes(void **state)
{
	struct fg_alerts al = { 0 };
	struct ndr_flow_rec r;
	void *d = fg_create(ops, NULL);
	uint64_t seed = 3, t = FG_T0;
	int alerted_at = -1;

	(void)state;
	for (int i = 0; i < 80; i++) {
		t += (uint64_t)((4.0 + 2.0 * rnd(&seed)) * FG_SEC);
		if (rnd(&seed) < 0.1)
			continue;
		for (int c = 0; c < (i % 7 == 0 ? 2 : 1); c++) {
			fg_flow(&r, "10.0.0.5", (uint16_t)(40000 + 2 * i + c), "10.1.0.7", 443, 6,
				t + (uint64_t)c * 30000000ull, FG_SEC / 5);
			fg_tcp_session(&r, 8, 200, 6, 900, 3);
			fg_feed(ops, d, &r, &al);
		}
		if (alerted_at < 0 && al.n > 0)
			alerted_at = i;
	}
	assert_int_equal(al.n, 1);
	assert_true(alerted_at > 0 && alerted_at <= 40);     /* 200 s */
	assert_true(fabs(fg_evidence(&al.a[0], "period_s") - 5) < 0.5);
	assert_true(fg_evidence(&al.a[0], "jitter") <= 0.25);
	assert_true(fg_evidence(&al.a[0], "confidence") > 0.9999999);
	assert_true(fg_evidence(&al.a[0], "intervals_on_beat") >= 20);
	assert_true(fg_evidence(&al.a[0], "missed_check_ins") >= 0);
	assert_non_null(strstr(al.a[0].signature, "every ~5."));
	assert_true(fg_stat(ops, d, "duplicate_starts") > 0);
	ops->destroy(d);
}

/* Slow beacons: 60 s and 300 s with +-20 % jitter alert within hours. */
static void slow_beacons_alert_within_hours(void **state)
{
	static const double period[] = { 60, 300 };
	(void)state;
	for (int p = 0; p < 2; p++) {
		struct fg_alerts al = { 0 };
		struct ndr_flow_rec r;
		void *d = fg_create(ops, NULL);
		uint64_t seed = 11, t = FG_T0;
		double hours = 0;

		for (int i = 0; i < 200 && al.n == 0; i++) {
			t += (uint64_t)(period[p] * (0.8 + 0.4 * rnd(&seed)) * FG_SEC);
			fg_flow(&r, "10.0.0.5", (uint16_t)(40000 + i), "203.0.113.8", 8443, 6, t,
				FG_SEC);
			fg_tcp_session(&r, 8, 200, 6, 900, 3);
			fg_feed(ops, d, &r, &al);
			hours = (double)(t - FG_T0) / 3600e9;
		}
		assert_int_equal(al.n, 1);
		assert_true(hours <= (p == 0 ? 0.7 : 3.0));
		/* whichever score saw it first names the period */
		assert_true(fabs(fg_evidence(&al.a[0], strstr(al.a[0].evidence, "\"periodicity\"") ?
						       "period_s" : "interval_median_s") -
				 period[p]) < 0.1 * period[p]);
		ops->destroy(d);
	}
}

/* NTP and monitoring polls run on exact timers: allowlisted by port. A
 * software updater checking every hour is slower than max_period. A poller
 * on a port the operator lists, or a collector it names, is silent too. */
static void timers_by_design_are_quiet(void **state)
{
	static const uint16_t ports[] = { 53, 123, 161, 5666, 9100, 10050 };
	struct fg_alerts al = { 0 };
	struct ndr_flow_rec r;
	void *d = fg_create(ops, NULL);

	(void)state;
	for (int i = 0; i < 100; i++) {
		for (size_t p = 0; p < sizeof(ports) / sizeof(ports[0]); p++) {
			fg_flow(&r, "10.0.0.30", (uint16_t)(30000 + i), "10.0.0.40", ports[p],
				ports[p] == 53 || ports[p] == 123 || ports[p] == 161 ? 17 : 6,
				FG_T0 + (uint64_t)i * 64 * FG_SEC, FG_SEC / 10);
			fg_datagrams(&r, 1, 1, 90);
			fg_feed(ops, d, &r, &al);
		}
		fg_flow(&r, "10.0.0.31", (uint16_t)(30000 + i), "198.51.100.80", 443, 6,
			FG_T0 + (uint64_t)i * 3600 * FG_SEC, 3 * FG_SEC);
		fg_tcp_session(&r, 10, 300, 12, 1400, 4);
		fg_feed(ops, d, &r, &al);
	}
	assert_int_equal(al.n, 0);
	assert_int_equal(fg_stat(ops, d, "allowlisted_port"), 600);
	assert_true(fg_stat(ops, d, "slow_timers") > 0);
	ops->destroy(d);

	/* the same 60 s timer on a custom port: alerts, unless listed */
	for (int listed = 0; listed < 2; listed++) {
		memset(&al, 0, sizeof(al));
		d = fg_create(ops, listed ? "[beacon]\nallow_ports = 8080\n" : NULL);
		for (int i = 0; i < 60; i++) {
			fg_flow(&r, "10.0.0.32", (uint16_t)(30000 + i), "10.0.0.41", 8080, 6,
				FG_T0 + (uint64_t)i * 60 * FG_SEC, FG_SEC / 10);
			fg_tcp_session(&r, 5, 200, 5, 400, 2);
			fg_feed(ops, d, &r, &al);
		}
		assert_int_equal(al.n, listed ? 0 : 1);
		ops->destroy(d);
	}
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
		cmocka_unit_test(fast_beacon_alerts_within_minutes),
		cmocka_unit_test(slow_beacons_alert_within_hours),
		cmocka_unit_test(timers_by_design_are_quiet),
		cmocka_unit_test(ordinary_traffic_is_quiet),
		cmocka_unit_test(strobe_and_continuations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
