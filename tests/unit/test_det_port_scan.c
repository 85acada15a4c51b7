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
#include "ndr_config.h"
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

/* One host sending to n servers on a UDP port, no reply from any. */
static void udp_one_way(const struct ndr_detector_ops *o, void *d, const char *src, uint16_t port,
			int n, struct fg_alerts *al)
{
	struct ndr_flow_rec r;
	char dst[32];

	for (int i = 0; i < n; i++) {
		snprintf(dst, sizeof(dst), "10.20.0.%d", i + 1);
		fg_flow(&r, src, (uint16_t)(40000 + i), dst, port, 17, FG_T0 + i * FG_SEC, 0);
		fg_datagrams(&r, 3, 0, 200);
		fg_feed(o, d, &r, al);
	}
}

/* The enterprise mix: hosts sending syslog, SNMP traps, NetFlow,
 * IPFIX, sFlow and statsd to 30 collectors each, none of which answers,
 * raised 52 of 55 alerts. Those are not attempts; the same silence on a
 * port outside the list still is a scan, and so are UDP probes answered by
 * nothing next to them. */
static void one_way_udp_is_not_a_scan(void **state)
{
	static const uint16_t one_way[] = { 514, 162, 2055, 4739, 6343, 8125, 9995 };
	struct fg_alerts al = { 0 };
	void *d = fg_create(ops, NULL);
	char src[32];

	(void)state;
	for (size_t i = 0; i < sizeof(one_way) / sizeof(one_way[0]); i++) {
		snprintf(src, sizeof(src), "10.0.1.%zu", i + 1);
		udp_one_way(ops, d, src, one_way[i], 30, &al);
	}
	assert_int_equal(al.n, 0);
	assert_int_equal(fg_stat(ops, d, "one_way_udp"), 7 * 30);
	assert_int_equal(fg_stat(ops, d, "attempts_failed"), 0);
	/* a port that is not one-way: 30 unanswered probes are a sweep */
	udp_one_way(ops, d, "10.0.2.1", 5140, 30, &al);
	assert_int_equal(fg_count(&al, "port_scan", "10.0.2.1"), 1);
	assert_int_equal(al.a[0].signature_id, 8640001u);
	ops->destroy(d);

	/* the list is the operator's: "none" counts syslog again, a custom
	 * list exempts only its ports */
	memset(&al, 0, sizeof(al));
	d = fg_create(ops, "[port_scan]\none_way_udp_ports = none\n");
	udp_one_way(ops, d, "10.0.1.1", 514, 30, &al);
	assert_int_equal(fg_count(&al, "port_scan", "10.0.1.1"), 1);
	ops->destroy(d);
	memset(&al, 0, sizeof(al));
	d = fg_create(ops, "[port_scan]\none_way_udp_ports = 5140, 6000\n");
	udp_one_way(ops, d, "10.0.1.1", 5140, 30, &al);
	udp_one_way(ops, d, "10.0.1.2", 6000, 30, &al);
	assert_int_equal(al.n, 0);
	udp_one_way(ops, d, "10.0.1.3", 514, 30, &al);
	assert_int_equal(fg_count(&al, "port_scan", "10.0.1.3"), 1);
	ops->destroy(d);
}

/* A UDP probe answered (any reverse packet) is not a failure; one met only
 * by an ICMP port unreachable has no reply in its own record and is. The
 * ICMP errors themselves are counted, not scored. */
static void udp_answers_and_icmp_unreachable(void **state)
{
	struct fg_alerts al = { 0 };
	struct ndr_flow_rec r;
	void *d = fg_create(ops, NULL);

	(void)state;
	for (int p = 1; p <= 20; p++) {
		fg_flow(&r, "10.0.3.1", 50000, "10.0.3.9", (uint16_t)(1000 + p), 17,
			FG_T0 + p * FG_SEC, 0);
		fg_datagrams(&r, 1, 1, 60);             /* answered */
		fg_feed(ops, d, &r, &al);
	}
	assert_int_equal(al.n, 0);
	for (int p = 1; p <= 20; p++) {
		fg_flow(&r, "10.0.3.1", 50001, "10.0.3.9", (uint16_t)(2000 + p), 17,
			FG_T0 + 30 * FG_SEC + p * FG_SEC, 0);
		fg_datagrams(&r, 1, 0, 60);             /* the probe */
		fg_feed(ops, d, &r, &al);
		fg_flow(&r, "10.0.3.9", 0, "10.0.3.1", 3 << 8 | 3, 1,
			FG_T0 + 30 * FG_SEC + p * FG_SEC, 0);
		fg_datagrams(&r, 1, 0, 88);             /* port unreachable */
		fg_feed(ops, d, &r, &al);
	}
	assert_int_equal(fg_count(&al, "port_scan", "10.0.3.1"), 1);
	assert_int_equal(al.a[0].signature_id, 8640002u);
	assert_int_equal(fg_stat(ops, d, "icmp_unreachable"), 20);
	ops->destroy(d);
}

static void bad_one_way_list_is_an_error(void **state)
{
	char err[256];
	struct ndr_detector_ctx ctx = ndr_detector_ctx_one(FG_SEED);
	struct ndr_config *cfg;

	(void)state;
	cfg = ndr_config_parse("[port_scan]\none_way_udp_ports = 514, syslog\n", "t.conf",
			       err, sizeof(err));
	assert_non_null(cfg);
	assert_null(ops->create(cfg, &ctx, err, sizeof(err)));
	assert_non_null(strstr(err, "one_way_udp_ports"));
	ndr_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(horizontal_scan_alerts_once),
		cmocka_unit_test(vertical_scan_and_sweep),
		cmocka_unit_test(ordinary_traffic_is_quiet),
		cmocka_unit_test(allowlisted_scanner_and_scope),
		cmocka_unit_test(one_way_udp_is_not_a_scan),
		cmocka_unit_test(udp_answers_and_icmp_unreachable),
		cmocka_unit_test(bad_one_way_list_is_an_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
