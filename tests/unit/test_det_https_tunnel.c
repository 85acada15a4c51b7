/*
 * test_det_https_tunnel.c - D3 from ACTIVE updates of one flow.
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

static const struct ndr_detector_ops *ops = &ndr_det_https_tunnel;

/* one 120 s period of a flow; last = final record */
static void period(struct ndr_flow_rec *r, const char *src, int i, int last, uint32_t pf,
		   uint32_t sf, uint32_t pr, uint32_t sr, uint32_t turns)
{
	fg_flow(r, src, 44444, "198.51.100.20", 443, 6, FG_T0 + (uint64_t)i * 120 * FG_SEC,
		119 * FG_SEC);
	fg_tcp_session(r, pf, sf, pr, sr, turns);
	if (i > 0)
		r->tcp_state = NDR_TCP_SYN | NDR_TCP_SYNACK | NDR_TCP_ESTABLISHED;
	r->end_reason = last ? NDR_FLOW_END_FIN : NDR_FLOW_END_ACTIVE;
}

static void interactive_tunnel(void **state)
{
	struct fg_alerts al = { 0 };
	struct ndr_flow_rec r;
	void *d = fg_create(ops, NULL);

	(void)state;
	for (int i = 0; i < 10; i++) {      /* 20 min of typing: 500 small packets each way */
		period(&r, "10.0.0.5", i, i == 9, 500, 90, 500, 150, 450);
		fg_feed(ops, d, &r, &al);
	}
	assert_int_equal(fg_count(&al, "https_tunnel", "10.0.0.5->198.51.100.20:443"), 1);
	assert_int_equal(al.a[0].signature_id, 8630002u);
	assert_string_equal(al.a[0].mitre0, "T1572");
	assert_int_equal(fg_stat(ops, d, "flows_tracked"), 0);
	ops->destroy(d);
}

static void long_session_tiers(void **state)
{
	struct fg_alerts al = { 0 };
	struct ndr_flow_rec r;
	void *d = fg_create(ops, NULL);

	(void)state;
	for (int i = 0; i < 5 * 30; i++) {   /* 5 h of streaming: tiers 1 h and 4 h */
		period(&r, "10.0.0.6", i, 0, 2000, 52, 4000, 1500, 1900);
		fg_feed(ops, d, &r, &al);
	}
	assert_int_equal(fg_count(&al, "https_tunnel", "10.0.0.6->198.51.100.20:443"), 2);
	assert_int_equal(al.a[0].signature_id, 8630001u);
	assert_int_equal(al.a[0].severity, 3);
	assert_true(al.a[1].score > al.a[0].score);
	ops->destroy(d);
}

/* Web pages, a 30-min video stream, an idle websocket: no alert. */
static void ordinary_traffic_is_quiet(void **state)
{
	struct fg_alerts al = { 0 };
	struct ndr_flow_rec r;
	void *d = fg_create(ops, NULL);

	(void)state;
	for (int i = 0; i < 200; i++) {
		fg_flow(&r, "10.0.0.7", (uint16_t)(30000 + i), "198.51.100.30", 443, 6,
			FG_T0 + (uint64_t)i * 10 * FG_SEC, 3 * FG_SEC);
		fg_tcp_session(&r, 10, 600, 30, 1400, 5);
		fg_feed(ops, d, &r, &al);
	}
	for (int i = 0; i < 15; i++) {
		period(&r, "10.0.0.8", i, i == 14, 2000, 52, 4000, 1500, 1900);   /* video */
		fg_feed(ops, d, &r, &al);
		period(&r, "10.0.0.9", i, i == 14, 4, 90, 4, 90, 4);              /* websocket */
		fg_feed(ops, d, &r, &al);
	}
	assert_int_equal(al.n, 0);
	ops->destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(interactive_tunnel),
		cmocka_unit_test(long_session_tiers),
		cmocka_unit_test(ordinary_traffic_is_quiet),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
