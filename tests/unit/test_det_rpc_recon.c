/*
 * test_det_rpc_recon.c - D6 on synthetic flows.
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

static const struct ndr_detector_ops *ops = &ndr_det_rpc_recon;

static void session(struct ndr_flow_rec *r, const char *src, const char *dst, uint16_t port,
		    uint64_t t, uint32_t pkts_fwd, uint32_t size_fwd, uint32_t pkts_rev)
{
	fg_flow(r, src, 50000, dst, port, 6, t, FG_SEC);
	fg_tcp_session(r, pkts_fwd, size_fwd, pkts_rev, 200, 6);
}

static void enumeration_fan_out(void **state)
{
	struct fg_alerts al = { 0 };
	struct ndr_flow_rec r;
	void *d = fg_create(ops, NULL);
	char dst[32];

	(void)state;
	for (int i = 0; i < 12; i++) {
		snprintf(dst, sizeof(dst), "10.0.2.%d", i + 1);
		session(&r, "10.0.0.5", dst, 445, FG_T0 + (uint64_t)i * 5 * FG_SEC, 8, 200, 8);
		fg_feed(ops, d, &r, &al);
		session(&r, "10.0.0.5", dst, 135, FG_T0 + (uint64_t)i * 5 * FG_SEC + FG_SEC, 4, 150, 4);
		fg_feed(ops, d, &r, &al);
	}
	assert_int_equal(fg_count(&al, "rpc_recon", "10.0.0.5"), 1);
	assert_int_equal(al.n, 1);
	assert_string_equal(al.a[0].mitre0, "T1087");
	ops->destroy(d);
}

static void psexec_like_execution(void **state)
{
	struct fg_alerts al = { 0 };
	struct ndr_flow_rec r;
	void *d = fg_create(ops, NULL);

	(void)state;
	session(&r, "10.0.0.5", "10.0.3.7", 445, FG_T0, 300, 1400, 40);     /* 400 KB pushed */
	fg_feed(ops, d, &r, &al);
	session(&r, "10.0.0.5", "10.0.3.7", 135, FG_T0 + 30 * FG_SEC, 4, 150, 4);
	fg_feed(ops, d, &r, &al);
	assert_int_equal(al.n, 0);                                          /* no RPC yet */
	session(&r, "10.0.0.5", "10.0.3.7", 49670, FG_T0 + 40 * FG_SEC, 10, 300, 10);
	fg_feed(ops, d, &r, &al);
	assert_int_equal(fg_count(&al, "rpc_recon", "10.0.0.5->10.0.3.7"), 1);
	assert_int_equal(al.a[0].signature_id, 8660002u);
	assert_int_equal(al.a[0].severity, 1);
	ops->destroy(d);
}

/* smbexec: no file written; named-pipe calls over SMB (the client sends as
 * much as it gets back, many turns), the endpoint mapper and a dynamic RPC
 * port, all within seconds. Records come in the order flows end (here the
 * RPC session's first, as in the public capture), not the order they
 * started. Spread over minutes the same sessions are not one action. */
static void smbexec_like_sequence(void **state)
{
	struct fg_alerts al = { 0 };
	struct ndr_flow_rec r;
	void *d = fg_create(ops, NULL);

	(void)state;
	session(&r, "10.0.0.5", "10.0.3.8", 49683, FG_T0, 16, 190, 14);
	fg_feed(ops, d, &r, &al);
	session(&r, "10.0.0.5", "10.0.3.8", 135, FG_T0, 2, 200, 2);
	fg_feed(ops, d, &r, &al);
	assert_int_equal(al.n, 0);
	fg_flow(&r, "10.0.0.5", 50001, "10.0.3.8", 445, 6, FG_T0 + 2 * FG_SEC, 9 * FG_SEC);
	fg_tcp_session(&r, 24, 240, 24, 200, 23);
	fg_feed(ops, d, &r, &al);
	assert_int_equal(fg_count(&al, "rpc_recon", "10.0.0.5->10.0.3.8"), 1);
	assert_int_equal(al.a[0].signature_id, 8660002u);
	assert_int_equal(al.a[0].severity, 2);
	assert_true(fg_evidence(&al.a[0], "smb_turns") >= 10);
	assert_true(fg_evidence(&al.a[0], "sequence_seconds") <= 3);
	assert_int_equal(fg_evidence(&al.a[0], "rpc_port"), 49683);
	ops->destroy(d);

	/* the same three sessions two minutes apart each: no */
	memset(&al, 0, sizeof(al));
	d = fg_create(ops, NULL);
	session(&r, "10.0.0.5", "10.0.3.8", 135, FG_T0, 2, 200, 2);
	fg_feed(ops, d, &r, &al);
	session(&r, "10.0.0.5", "10.0.3.8", 49683, FG_T0 + 120 * FG_SEC, 16, 190, 14);
	fg_feed(ops, d, &r, &al);
	fg_flow(&r, "10.0.0.5", 50001, "10.0.3.8", 445, 6, FG_T0 + 240 * FG_SEC, 9 * FG_SEC);
	fg_tcp_session(&r, 24, 240, 24, 200, 23);
	fg_feed(ops, d, &r, &al);
	assert_int_equal(al.n, 0);
	/* nor a file read over SMB next to RPC */
	fg_flow(&r, "10.0.0.5", 50002, "10.0.3.8", 445, 6, FG_T0 + 121 * FG_SEC, 9 * FG_SEC);
	fg_tcp_session(&r, 24, 100, 60, 1400, 23);
	fg_feed(ops, d, &r, &al);
	assert_int_equal(al.n, 0);
	ops->destroy(d);
}

/* A workstation saving files to two file servers, reading policy from two
 * DCs and using RPC with one of them: four hosts, writes without RPC, RPC
 * without writes - no alert. */
static void ordinary_traffic_is_quiet(void **state)
{
	static const char *const servers[] = { "10.0.0.2", "10.0.0.3", "10.0.0.20", "10.0.0.21" };
	struct fg_alerts al = { 0 };
	struct ndr_flow_rec r;
	void *d = fg_create(ops, NULL);

	(void)state;
	for (int i = 0; i < 100; i++) {
		uint64_t t = FG_T0 + (uint64_t)i * 20 * FG_SEC;

		session(&r, "10.0.1.50", servers[2 + i % 2], 445, t, 300, 1400, 40);  /* save */
		fg_feed(ops, d, &r, &al);
		session(&r, "10.0.1.50", servers[i % 2], 445, t, 20, 200, 300);       /* GPO read */
		fg_feed(ops, d, &r, &al);
		session(&r, "10.0.1.50", servers[0], 135, t + FG_SEC, 4, 150, 4);
		fg_feed(ops, d, &r, &al);
		session(&r, "10.0.1.50", servers[0], 49668, t + 2 * FG_SEC, 10, 300, 10);
		fg_feed(ops, d, &r, &al);
	}
	assert_int_equal(al.n, 0);
	assert_true(fg_stat(ops, d, "smb_writes") >= 100);
	assert_true(fg_stat(ops, d, "rpc_after_epm") >= 100);
	ops->destroy(d);
}

static void high_port_without_epm_is_not_rpc(void **state)
{
	struct fg_alerts al = { 0 };
	struct ndr_flow_rec r;
	void *d = fg_create(ops, "[rpc_recon]\nmin_targets = 2\nmin_calls = 2\n");
	char dst[32];

	(void)state;
	for (int i = 0; i < 10; i++) {
		snprintf(dst, sizeof(dst), "10.0.4.%d", i + 1);
		session(&r, "10.0.0.5", dst, 50000, FG_T0 + (uint64_t)i * FG_SEC, 8, 200, 8);
		fg_feed(ops, d, &r, &al);
	}
	assert_int_equal(al.n, 0);
	assert_int_equal(fg_stat(ops, d, "calls"), 0);
	ops->destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(enumeration_fan_out),
		cmocka_unit_test(psexec_like_execution),
		cmocka_unit_test(smbexec_like_sequence),
		cmocka_unit_test(ordinary_traffic_is_quiet),
		cmocka_unit_test(high_port_without_epm_is_not_rpc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
