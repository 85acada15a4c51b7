/*
 * test_det_brute_force.c - D5 on synthetic flows.
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

static const struct ndr_detector_ops *ops = &ndr_det_brute_force;

/* a failed SSH login: ~3 s, ~4 KB, bytes varying a little */
static void failed_login(struct ndr_flow_rec *r, const char *src, const char *dst, uint16_t port,
			 int i, uint64_t t)
{
	fg_flow(r, src, (uint16_t)(40000 + i), dst, port, 6, t, 3 * FG_SEC);
	fg_tcp_session(r, 12, 200 + (uint32_t)(i % 5) * 8, 12, 150, 8);
}

static void ssh_brute_force(void **state)
{
	struct fg_alerts al = { 0 };
	struct ndr_flow_rec r;
	void *d = fg_create(ops, NULL);

	(void)state;
	for (int i = 0; i < 100; i++) {
		failed_login(&r, "10.0.0.5", "10.0.0.9", 22, i, FG_T0 + (uint64_t)i * 10 * FG_SEC);
		fg_feed(ops, d, &r, &al);
		if (i == 28)
			assert_int_equal(al.n, 0);   /* 29 attempts: under Zeek's 30 */
	}
	assert_int_equal(al.n, 1);
	assert_string_equal(al.a[0].entity, "10.0.0.5->*:22");
	assert_string_equal(al.a[0].mitre0, "T1110.001");
	ops->destroy(d);
}

/* OpenSSH takes up to six passwords per connection: a burst of short
 * sessions is a guessing run long before 30 sessions (the burst rule). */
static void ssh_burst_of_short_sessions(void **state)
{
	struct fg_alerts al = { 0 };
	struct ndr_flow_rec r;
	void *d = fg_create(ops, NULL);

	(void)state;
	for (int i = 0; i < 9; i++) {
		failed_login(&r, "10.0.0.8", "10.0.0.9", 22, i, FG_T0 + (uint64_t)i * 5 * FG_SEC);
		fg_feed(ops, d, &r, &al);
	}
	assert_int_equal(al.n, 0);           /* 9 in 45 s: under burst_attempts */
	failed_login(&r, "10.0.0.8", "10.0.0.9", 22, 9, FG_T0 + 50 * FG_SEC);
	fg_feed(ops, d, &r, &al);
	assert_int_equal(fg_count(&al, "brute_force", "10.0.0.8->*:22"), 1);
	ops->destroy(d);
}

/* The same ten sessions spread over ten minutes are not a burst. */
static void slow_sessions_are_not_a_burst(void **state)
{
	struct fg_alerts al = { 0 };
	struct ndr_flow_rec r;
	void *d = fg_create(ops, NULL);

	(void)state;
	for (int i = 0; i < 10; i++) {
		failed_login(&r, "10.0.0.8", "10.0.0.9", 22, i, FG_T0 + (uint64_t)i * 61 * FG_SEC);
		fg_feed(ops, d, &r, &al);
	}
	assert_int_equal(al.n, 0);
	ops->destroy(d);
}

static void rdp_password_spray(void **state)
{
	struct fg_alerts al = { 0 };
	struct ndr_flow_rec r;
	void *d = fg_create(ops, NULL);
	char dst[32];

	(void)state;
	for (int i = 0; i < 40; i++) {
		snprintf(dst, sizeof(dst), "10.0.1.%d", i + 1);
		failed_login(&r, "10.0.0.6", dst, 3389, i, FG_T0 + (uint64_t)i * 20 * FG_SEC);
		fg_feed(ops, d, &r, &al);
	}
	assert_int_equal(fg_count(&al, "brute_force", "10.0.0.6->*:3389"), 1);
	assert_string_equal(al.a[0].mitre0, "T1110.003");
	ops->destroy(d);
}

/* Admin SSH sessions (long, large), SMB file copies, web: no alert. */
static void ordinary_traffic_is_quiet(void **state)
{
	struct fg_alerts al = { 0 };
	struct ndr_flow_rec r;
	void *d = fg_create(ops, NULL);

	(void)state;
	for (int i = 0; i < 200; i++) {
		uint64_t t = FG_T0 + (uint64_t)i * 5 * FG_SEC;

		fg_flow(&r, "10.0.0.7", (uint16_t)(30000 + i), "10.0.0.20", 445, 6, t, 20 * FG_SEC);
		fg_tcp_session(&r, 2000, 1500, 1000, 60, 100);      /* file copy */
		fg_feed(ops, d, &r, &al);
		fg_flow(&r, "10.0.0.7", (uint16_t)(20000 + i), "10.0.0.30", 443, 6, t, FG_SEC);
		fg_tcp_session(&r, 5, 300, 5, 1200, 3);             /* web: not a service */
		fg_feed(ops, d, &r, &al);
	}
	for (int i = 0; i < 5; i++) {                                 /* admin logs in 5 times */
		failed_login(&r, "10.0.0.8", "10.0.0.9", 22, i, FG_T0 + (uint64_t)i * 60 * FG_SEC);
		fg_feed(ops, d, &r, &al);
	}
	/* 40 short sessions with wildly different sizes: not a login loop */
	for (int i = 0; i < 40; i++) {
		fg_flow(&r, "10.0.0.10", (uint16_t)(30000 + i), "10.0.0.11", 5985, 6,
			FG_T0 + (uint64_t)i * 10 * FG_SEC, FG_SEC);
		fg_tcp_session(&r, 2 + (uint32_t)(i % 7) * 3, 1400, 2, 100, 2);
		fg_feed(ops, d, &r, &al);
	}
	assert_int_equal(al.n, 0);
	assert_true(fg_stat(ops, d, "long_sessions") >= 200);
	ops->destroy(d);
}

/* The final record of a long session (after ACTIVE updates) is no login. */
static void long_session_tail_is_not_an_attempt(void **state)
{
	struct fg_alerts al = { 0 };
	struct ndr_flow_rec r;
	void *d = fg_create(ops, "[brute_force]\nmin_attempts = 2\n");

	(void)state;
	fg_flow(&r, "10.0.0.5", 40000, "10.0.0.9", 22, 6, FG_T0, 120 * FG_SEC);
	fg_tcp_session(&r, 100, 100, 100, 100, 90);
	r.end_reason = NDR_FLOW_END_ACTIVE;
	fg_feed(ops, d, &r, &al);
	fg_flow(&r, "10.0.0.5", 40000, "10.0.0.9", 22, 6, FG_T0 + 121 * FG_SEC, FG_SEC);
	fg_tcp_session(&r, 2, 100, 2, 100, 1);
	fg_feed(ops, d, &r, &al);
	assert_int_equal(fg_stat(ops, d, "short_sessions"), 0);
	assert_int_equal(fg_stat(ops, d, "continuations"), 2);
	ops->destroy(d);
}

/* One Kerberos exchange over UDP: the request and a reply of reply_size
 * IP bytes (a KRB-ERROR is 100-250, a ticket 1000 and more). */
static void krb_udp(struct ndr_flow_rec *r, const char *src, uint16_t sport, const char *dst,
		    uint64_t t, uint32_t req_size, uint32_t reply_size)
{
	fg_flow(r, src, sport, dst, 88, 17, t, FG_SEC / 1000);
	fg_datagrams(r, 1, 1, req_size);
	r->bytes_rev = reply_size;
	r->payload_bytes_rev = reply_size - 28;
}

/* kerbrute passwordspray, as in the public capture: 13 AS-REQs over UDP to
 * one DC within 25 ms, each answered by a KRB-ERROR, one user's password
 * right (an AS-REP, over TCP as it is too big for UDP). */
static void kerbrute_spray(void **state)
{
	static const uint32_t replies[] = { 130, 130, 230, 223, 130, 225, 130, 130, 130, 130,
					    197, 192, 130 };
	struct fg_alerts al = { 0 };
	struct ndr_flow_rec r;
	void *d = fg_create(ops, NULL);

	(void)state;
	for (int i = 0; i < 13; i++) {
		krb_udp(&r, "172.16.66.1", (uint16_t)(50439 + i), "172.16.66.36",
			FG_T0 + (uint64_t)i * 2000000ull, 180, replies[i]);
		fg_feed(ops, d, &r, &al);
		if (i < 9)
			assert_int_equal(al.n, 0);
	}
	fg_flow(&r, "172.16.66.1", 52420, "172.16.66.36", 88, 6, FG_T0 + 24000000ull, FG_SEC / 100);
	fg_tcp_session(&r, 1, 279, 2, 800, 1);
	fg_feed(ops, d, &r, &al);
	assert_int_equal(fg_count(&al, "brute_force", "172.16.66.1->*:88"), 1);
	assert_int_equal(al.a[0].signature_id, 8650003u);
	assert_string_equal(al.a[0].mitre0, "T1110.003");
	assert_true(fg_evidence(&al.a[0], "kerberos_failure_replies") >= 10);
	assert_true(fg_evidence(&al.a[0], "burst_seconds") < 1);
	assert_true(fg_stat(ops, d, "kerberos_failures") == 13);
	ops->destroy(d);
}

/* A terminal server logging 60 users on in two minutes: each logon is one
 * pre-authentication KRB-ERROR, an AS-REP and four service tickets. A
 * service with a stale password retrying every 20 s. A client falling back
 * from UDP to TCP (KRB_ERR_RESPONSE_TOO_BIG) on every ticket. None is
 * guessing. */
static void kerberos_logons_are_quiet(void **state)
{
	struct fg_alerts al = { 0 };
	struct ndr_flow_rec r;
	void *d = fg_create(ops, NULL);
	uint16_t port = 20000;

	(void)state;
	for (int u = 0; u < 60; u++) {
		uint64_t t = FG_T0 + (uint64_t)u * 2 * FG_SEC;

		krb_udp(&r, "10.0.5.10", port++, "10.0.0.2", t, 250, 210);
		fg_feed(ops, d, &r, &al);
		for (int k = 0; k < 5; k++) {
			fg_flow(&r, "10.0.5.10", port++, "10.0.0.2", 88, 6,
				t + (uint64_t)(k + 1) * 10000000ull, FG_SEC / 50);
			fg_tcp_session(&r, 3, 600, 3, 700, 1);
			fg_feed(ops, d, &r, &al);
		}
	}
	for (int i = 0; i < 100; i++) {
		krb_udp(&r, "10.0.5.11", port++, "10.0.0.2", FG_T0 + (uint64_t)i * 20 * FG_SEC, 250,
			180);
		fg_feed(ops, d, &r, &al);
	}
	for (int i = 0; i < 40; i++) {
		uint64_t t = FG_T0 + (uint64_t)i * FG_SEC;

		krb_udp(&r, "10.0.5.12", port++, "10.0.0.2", t, 1200, 120);   /* too big */
		fg_feed(ops, d, &r, &al);
		fg_flow(&r, "10.0.5.12", port++, "10.0.0.2", 88, 6, t + 1000000ull, FG_SEC / 50);
		fg_tcp_session(&r, 3, 600, 3, 700, 1);
		fg_feed(ops, d, &r, &al);
	}
	for (int i = 0; i < al.n; i++)
		print_message("unexpected: %s\n", al.a[i].signature);
	assert_int_equal(al.n, 0);
	assert_true(fg_stat(ops, d, "kerberos_failures") >= 200);
	ops->destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ssh_brute_force),
		cmocka_unit_test(kerbrute_spray),
		cmocka_unit_test(kerberos_logons_are_quiet),
		cmocka_unit_test(ssh_burst_of_short_sessions),
		cmocka_unit_test(slow_sessions_are_not_a_burst),
		cmocka_unit_test(rdp_password_spray),
		cmocka_unit_test(ordinary_traffic_is_quiet),
		cmocka_unit_test(long_session_tail_is_not_an_attempt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
