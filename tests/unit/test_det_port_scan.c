/*
 * test_det_port_scan.c - D4 on synthetic flows.
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

static const struct ndr_detector_ops *ops = &ndr_det_port_scan;

static void horizontal_scan_alerts_once(void **state)
{
	struct fg_alerts al = { 0 };
	struct ndr_flow_rec r;
	void *d = fg_create(ops, NULL);
	char dst[32];

	(void)state;
	for (int i = 0; i < 60; i++) {
		snprintf(dst, sizeof(dst), "10.1.0.%d", i + 1);
		fg_flow(&r, "10.0.0.5", (uint16_t)(40000 + i), dst, 445, 6, FG_T0 + i * FG_SEC / 10, 0);
		fg_tcp_failed(&r, i % 2);
		fg_feed(ops, d, &r, &al);
	}
	assert_int_equal(fg_count(&al, "port_scan", "10.0.0.5"), 1);
	assert_int_equal(al.n, 1);
	assert_string_equal(al.a[0].mitre0, "T1046");
	assert_true(al.a[0].evidence_keys >= 6);
	assert_true(fg_stat(ops, d, "alerts_suppressed") > 0);
	ops->destroy(d);
}

static void vertical_scan_and_sweep(void **state)
{
	struct fg_alerts al = { 0 };
	struct ndr_flow_rec r;
	void *d = fg_create(ops, NULL);
	char dst[32];

	(void)state;
	for (int p = 1; p <= 20; p++) {
		fg_flow(&r, "10.0.0.6", 50000, "10.0.0.9", (uint16_t)p, 6, FG_T0 + p * FG_SEC, 0);
		fg_tcp_failed(&r, 1);
		fg_feed(ops, d, &r, &al);
	}
	assert_int_equal(fg_count(&al, "port_scan", "10.0.0.6"), 1);
	assert_int_equal(al.a[0].signature_id, 8640002u);
	for (int i = 0; i < 40; i++) {
		snprintf(dst, sizeof(dst), "192.168.7.%d", i + 1);
		fg_flow(&r, "192.168.1.2", 0, dst, 8 << 8, 1, FG_T0 + i * FG_SEC, 0);
		fg_datagrams(&r, 1, 0, 84);
		fg_feed(ops, d, &r, &al);
	}
	assert_int_equal(fg_count(&al, "port_scan", "192.168.1.2"), 1);
	assert_int_equal(al.a[1].signature_id, 8640003u);
	ops->destroy(d);
}

/* A busy file server client, web browsing to many servers (answered), DNS:
 * many hosts, but none of it fails. Failures spread over windows stay under. */
static void ordinary_traffic_is_quiet(void **state)
{
	struct fg_alerts al = { 0 };
	struct ndr_flow_rec r;
	void *d = fg_create(ops, NULL);
	char dst[32];

	(void)state;
	for (int i = 0; i < 500; i++) {
		snprintf(dst, sizeof(dst), "10.2.%d.%d", i / 200, i % 200 + 1);
		fg_flow(&r, "10.0.0.7", (uint16_t)(30000 + i), dst, i % 2 ? 443 : 445, 6,
			FG_T0 + i * FG_SEC, 2 * FG_SEC);
		fg_tcp_session(&r, 20, 300, 40, 1400, 10);
		fg_feed(ops, d, &r, &al);
		fg_flow(&r, "10.0.0.7", (uint16_t)(20000 + i), "10.0.0.53", 53, 17, FG_T0 + i * FG_SEC, 0);
		fg_datagrams(&r, 1, 1, 80);
		fg_feed(ops, d, &r, &al);
	}
	/* 10 failed connects every 10 minutes: a dead server, not a scan */
	for (int i = 0; i < 100; i++) {
		snprintf(dst, sizeof(dst), "10.3.0.%d", i % 10 + 1);
		fg_flow(&r, "10.0.0.8", (uint16_t)(30000 + i), dst, 8080, 6,
			FG_T0 + (uint64_t)i * 60 * FG_SEC, 0);
		fg_tcp_failed(&r, 0);
		fg_feed(ops, d, &r, &al);
	}
	assert_int_equal(al.n, 0);
	assert_true(fg_stat(ops, d, "attempts_answered") == 1000);
	ops->destroy(d);
}

static void allowlisted_scanner_and_scope(void **state)
{
	struct fg_alerts al = { 0 };
	struct ndr_flow_rec r;
	void *d = fg_create(ops, "[port_scan]\nallow_src = 10.9.0.0/16\nhosts_per_port = 10\n");
	char dst[32];

	(void)state;
	for (int i = 0; i < 30; i++) {
		snprintf(dst, sizeof(dst), "10.1.0.%d", i + 1);
		fg_flow(&r, "10.9.0.1", 40000, dst, 22, 6, FG_T0 + i * FG_SEC, 0);   /* vuln scanner */
		fg_tcp_failed(&r, 0);
		fg_feed(ops, d, &r, &al);
		snprintf(dst, sizeof(dst), "8.8.%d.1", i + 1);                      /* not east-west */
		fg_flow(&r, "10.0.0.1", 40000, dst, 22, 6, FG_T0 + i * FG_SEC, 0);
		fg_tcp_failed(&r, 0);
		fg_feed(ops, d, &r, &al);
	}
	assert_int_equal(al.n, 0);
	assert_int_equal(fg_stat(ops, d, "allowlisted"), 30);
	assert_int_equal(fg_stat(ops, d, "out_of_scope"), 30);
	ops->destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(horizontal_scan_alerts_once),
		cmocka_unit_test(vertical_scan_and_sweep),
		cmocka_unit_test(ordinary_traffic_is_quiet),
		cmocka_unit_test(allowlisted_scanner_and_scope),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
