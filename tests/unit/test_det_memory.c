/*
 * test_det_memory.c - every east-west detector stays within its configured
 * memory cap when fed 10 M flow records from 1 M distinct hosts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "flowgen.h"
#include "ndr_detectors_ext.h"

#define RECORDS   10000000u
#define HOSTS     1000000u
#define CAP       (2u << 20)

static void bounded_under_flood(void **state)
{
	static const struct ndr_detector_ops *const dets[] = {
		&ndr_det_beacon, &ndr_det_https_tunnel, &ndr_det_port_scan,
		&ndr_det_brute_force, &ndr_det_rpc_recon, &ndr_det_new_admin_path,
	};
	static const uint16_t ports[] = { 22, 443, 445, 135, 3389, 5985, 49700, 8080 };
	enum { N = sizeof(dets) / sizeof(dets[0]) };
	struct fg_alerts al = { 0 };
	struct ndr_alert_sink sink = fg_sink(&al);
	struct ndr_flow_rec r;
	void *d[N];
	char cfg[512];
	uint64_t x = 88172645463325252ull, admin = 0;
	clock_t c0 = clock();

	(void)state;
	for (unsigned i = 0; i < N; i++) {
		snprintf(cfg, sizeof(cfg), "[%s]\nmemory_cap = %u\nscope = any\n%s", dets[i]->name,
			 CAP, i == 5 ? "learning = 1h\n" : "");
		d[i] = fg_create(dets[i], cfg);
	}
	fg_flow(&r, "10.0.0.1", 1, "10.0.0.2", 2, 6, FG_T0, FG_SEC);
	fg_tcp_session(&r, 10, 200, 10, 200, 5);
	for (unsigned n = 0; n < RECORDS; n++) {
		uint32_t src, dst;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		src = (uint32_t)(x % HOSTS);
		dst = (uint32_t)((x >> 32) % HOSTS);
		r.src_addr[12] = 10;
		r.src_addr[13] = (uint8_t)(src >> 16);
		r.src_addr[14] = (uint8_t)(src >> 8);
		r.src_addr[15] = (uint8_t)src;
		r.dst_addr[12] = 10;
		r.dst_addr[13] = (uint8_t)(128 + (dst >> 16));
		r.dst_addr[14] = (uint8_t)(dst >> 8);
		r.dst_addr[15] = (uint8_t)dst;
		r.src_port = (uint16_t)(1024 + (x >> 20) % 60000);
		r.dst_port = ports[(x >> 40) & 7];
		admin += r.dst_port == 22 || r.dst_port == 445 || r.dst_port == 3389 ||
			 r.dst_port == 5985;
		r.tcp_state = (x >> 50) & 1 ? NDR_TCP_SYN :
			      NDR_TCP_SYN | NDR_TCP_SYNACK | NDR_TCP_ESTABLISHED;
		r.end_reason = (x >> 51) % 8 == 0 ? NDR_FLOW_END_ACTIVE : NDR_FLOW_END_FIN;
		r.first_ts_ns = FG_T0 + (uint64_t)n * 10000000ull;   /* 100 records/s: ~28 h */
		r.last_ts_ns = r.first_ts_ns + FG_SEC;
		r.hdr.ts_ns = r.last_ts_ns + FG_SEC;
		for (unsigned i = 0; i < N; i++) {
			dets[i]->record(d[i], &r.hdr, &sink);
			if (n % 100000 == 0)
				dets[i]->tick(d[i], r.hdr.ts_ns, &sink);
		}
	}
	for (unsigned i = 0; i < N; i++) {
		long long used = fg_stat(dets[i], d[i], "memory_bytes");
		long long cap = fg_stat(dets[i], d[i], "memory_cap_bytes");
		long long reserved = fg_stat(dets[i], d[i], "memory_reserved_bytes");

		print_message("%-16s memory %lld reserved %lld cap %lld flows %lld alerts %lld\n",
			      dets[i]->name, used, reserved, cap, fg_stat(dets[i], d[i], "flow_records"),
			      fg_stat(dets[i], d[i], "alerts"));
		assert_int_equal(cap, CAP);
		assert_true(used <= cap);
		assert_true(reserved <= cap);
		/* the tables filled (the cap was exercised) or state was dropped on time */
		assert_true(used > cap / 4 || fg_stat(dets[i], d[i], "expired") > 0);
		/* new_admin_path is given only sessions to its admin ports */
		assert_int_equal(fg_stat(dets[i], d[i], "flow_records"),
				 dets[i] == &ndr_det_new_admin_path ? admin : RECORDS);
		dets[i]->destroy(d[i]);
	}
	print_message("%u records x %d detectors in %.1f s CPU\n", RECORDS, (int)N,
		      (double)(clock() - c0) / CLOCKS_PER_SEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bounded_under_flood),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
