/* The record writer (hw/src/record_writer.c) and heartbeats (card_top.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "ndr_hw.h"
#include "test_hw_util.h"

static uint8_t R[NDR_REC_MAX_SLOTS * NDR_SLOT_BYTES];
#define HDR ((const struct ndr_rec_hdr *)R)

/* A 3-slot FLOW-typed record whose bytes identify it. */
static bool put3(struct ndr_rw *w, uint64_t ts)
{
	struct ndr_flow_rec r;
	memset(&r, 0x5a, sizeof(r));
	r.hdr.type = NDR_REC_FLOW;
	r.hdr.slots = 3;
	r.hdr.flags = 0;
	r.hdr.ts_ns = ts;
	bool ok = ndr_rw_write(w, (const uint8_t *)&r, sizeof(r), NULL, 0);
	ndr_rw_publish(w);
	return ok;
}

static void test_pad_phase_seq(void **state)
{
	(void)state;
	struct tring r;
	struct ndr_rw w;
	tr_init(&r, 6);
	ndr_rw_init(&w, r.slots, &r.ctrl, 6);
	uint32_t expect_seq = 0, pads = 0;
	/* 3 laps of 3-slot records: 64 % 3 = 1, so a 1-slot PAD ends lap 1 */
	for (int i = 0; i < 64; i++) {
		assert_true(put3(&w, (uint64_t)i));
		int t;
		while ((t = tr_next_any(&r, R, 1)) != 0) {
			uint32_t at = r.ctrl.cons - HDR->slots;
			if (t == NDR_REC_PAD) {
				pads++;
				assert_int_equal((at & 63) + HDR->slots, 64);   /* fills to the end */
				assert_int_equal(HDR->seq, expect_seq);        /* not consumed */
				continue;
			}
			assert_int_equal(t, NDR_REC_FLOW);
			assert_int_equal(HDR->seq, expect_seq);
			expect_seq++;
			assert_int_equal(HDR->version, NDR_ABI_VERSION);
			assert_int_equal(HDR->flags & NDR_REC_F_PHASE, (at / 64) % 2 == 0 ? 1 : 0);  /* laps 0, 2: set */
			assert_true((at & 63) + 3 <= 64);                 /* never wraps */
			assert_int_equal(R[100], 0x5a);
		}
	}
	assert_int_equal(r.bad_phase, 0);
	assert_true(pads >= 2);
	assert_int_equal(w.records_written, 64);
	assert_int_equal(w.by_type[NDR_REC_PAD], pads);
	assert_int_equal(w.slots_written, r.ctrl.prod);
	assert_int_equal(w.slots_written, 64 * 3 + pads);   /* each pad here is one slot */
	tr_free(&r);
}

static void test_full_ring_drops_and_notice(void **state)
{
	(void)state;
	struct tring r;
	struct ndr_rw w;
	tr_init(&r, 6);
	ndr_rw_init(&w, r.slots, &r.ctrl, 6);
	/* 21 records of 3 slots fill 63 of 64 slots; the consumer does not move */
	for (int i = 0; i < 21; i++)
		assert_true(put3(&w, 100 + (uint64_t)i));
	/* no room: dropped. The next attempt finds one free slot, enough for
	 * a notice of the first loss, then its record is dropped as well. */
	for (int i = 0; i < 5; i++)
		assert_false(put3(&w, 200 + (uint64_t)i));
	assert_int_equal(w.records_dropped, 5);
	assert_int_equal(r.ctrl.prod, 64);
	assert_true(r.ctrl.prod - r.ctrl.cons <= 64);

	int n = 0;
	while (tr_next(&r, R) == NDR_REC_FLOW)
		n++;
	assert_int_equal(n, 21);
	const struct ndr_drop_rec *d = (const struct ndr_drop_rec *)R;
	assert_int_equal(d->hdr.type, NDR_REC_DROP);
	assert_int_equal(d->hdr.slots, 1);
	assert_int_equal(d->reason, NDR_DROP_RING_FULL);
	assert_int_equal(d->lost, 1);
	assert_int_equal(d->first_lost_ts_ns, 200);
	assert_int_equal(d->hdr.seq, 22);        /* seq 21 went to the lost record */

	/* the consumer freed the ring: the next record brings the notice */
	assert_true(put3(&w, 300));
	assert_int_equal(tr_next(&r, R), NDR_REC_DROP);
	assert_int_equal(d->lost, 4);
	assert_int_equal(d->lost_total, 5);
	assert_int_equal(d->first_lost_ts_ns, 201);
	assert_int_equal(d->last_lost_ts_ns, 204);
	assert_int_equal(d->hdr.ts_ns, 300);
	assert_int_equal(tr_next(&r, R), NDR_REC_FLOW);
	assert_int_equal(HDR->ts_ns, 300);
	assert_int_equal(HDR->seq, 28);
	/* the lost records are visible as gaps in seq: 5 in all */
	assert_int_equal(r.seq_gaps, 5);
	assert_int_equal(r.bad_phase, 0);
	assert_int_equal(tr_next(&r, R), 0);
	tr_free(&r);
}

static void test_card_drop_notice_and_flush(void **state)
{
	(void)state;
	struct tring r;
	struct ndr_card_cfg cfg;
	ndr_card_cfg_defaults(&cfg);
	cfg.heartbeat_ms = 0;
	struct ndr_card *c = tcard_new(&r, 6, &cfg);
	struct pg p;
	/* 40 DNS queries of 3 slots: the 64-slot ring holds 21 */
	for (int i = 0; i < 40; i++) {
		static const uint8_t q[] = { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1 };
		pg_udp4(&p, "10.0.0.1", (uint16_t)(2000 + i), "10.0.0.2", 53, q, sizeof(q));
		tcard_send(c, (1 + (uint64_t)i) * MSEC, &p);
	}
	struct ndr_card_stats st;
	ndr_card_get_stats(c, &st);
	assert_int_equal(st.records_by_type[NDR_REC_DNS], 21);
	assert_int_equal(st.records_dropped, 19);
	int dns = 0, drop = 0;
	int t;
	while ((t = tr_next(&r, R)) != 0) {
		dns += t == NDR_REC_DNS;
		if (t == NDR_REC_DROP) {
			drop++;
			assert_int_equal(((const struct ndr_drop_rec *)R)->lost, 1);
		}
	}
	assert_int_equal(dns, 21);
	assert_int_equal(drop, 1);
	/* flush: first the notice of the other 18, then FLOW records until
	 * the ring is full again */
	ndr_card_flush(c);
	assert_int_equal(tr_next(&r, R), NDR_REC_DROP);
	assert_int_equal(((const struct ndr_drop_rec *)R)->lost, 18);
	assert_int_equal(((const struct ndr_drop_rec *)R)->lost_total, 19);
	int flows = 0;
	while (tr_next(&r, R) == NDR_REC_FLOW)
		flows++;
	assert_int_equal(flows, 21);
	ndr_card_get_stats(c, &st);
	assert_int_equal(st.records_by_type[NDR_REC_FLOW], 21);
	assert_int_equal(st.records_dropped, 19 + (40 - 21));
	assert_int_equal(st.slots_written, r.ctrl.prod);
	assert_int_equal(st.records_written, 21 + 21 + 2);
	assert_int_equal(r.bad_phase, 0);
	ndr_card_free(c);
	tr_free(&r);
}

static void test_heartbeat(void **state)
{
	(void)state;
	struct tring r;
	struct ndr_card_cfg cfg;
	ndr_card_cfg_defaults(&cfg);
	struct ndr_card *c = tcard_new(&r, 10, &cfg);
	struct pg p;
	uint64_t t0 = 1000 * SEC + 123;
	uint64_t times[] = { 0, 400 * MSEC, 999 * MSEC, 1000 * MSEC, 1500 * MSEC,
			     2 * SEC, 7 * SEC + 500 * MSEC, 8 * SEC };
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		pg_init(&p);
		pg_eth(&p, 0x0806);
		pg_fill(&p, 0, 46);
		ndr_card_frame(c, t0 + times[i], p.b, p.len, 100);
	}
	/* boundaries t0+1s, +2s, then +8s after the gap */
	uint64_t expect_ts[] = { t0 + 1000 * MSEC, t0 + 2 * SEC, t0 + 7 * SEC + 500 * MSEC,
				 t0 + 8 * SEC };
	uint64_t expect_pkts[] = { 3, 5, 6, 7 };
	for (int i = 0; i < 4; i++) {
		assert_int_equal(tr_next(&r, R), NDR_REC_HEARTBEAT);
		const struct ndr_heartbeat_rec *h = (const struct ndr_heartbeat_rec *)R;
		assert_int_equal(h->hdr.slots, 2);
		assert_int_equal(h->hdr.ts_ns, expect_ts[i]);
		assert_int_equal(h->packets, expect_pkts[i]);
		assert_int_equal(h->bytes, expect_pkts[i] * 100);
		assert_int_equal(h->records_written, (uint64_t)i);
	}
	assert_int_equal(tr_next(&r, R), 0);
	ndr_card_free(c);
	tr_free(&r);
}

static void test_bad_config(void **state)
{
	(void)state;
	struct ndr_card_cfg cfg;
	struct ndr_ring_ctrl ctrl = {0};
	static uint8_t slots[64 * 64];
	char err[200];
	ndr_card_cfg_defaults(&cfg);
	cfg.log2_buckets = 3;
	assert_null(ndr_card_new(&cfg, slots, 6, &ctrl, err, sizeof(err)));
	assert_non_null(strstr(err, "log2_buckets 3"));
	ndr_card_cfg_defaults(&cfg);
	assert_null(ndr_card_new(&cfg, slots, 5, &ctrl, err, sizeof(err)));
	assert_non_null(strstr(err, "log2_slots 5"));
	cfg.close_timeout_ms = 0;
	assert_null(ndr_card_new(&cfg, slots, 6, &ctrl, err, sizeof(err)));
	assert_non_null(strstr(err, "close_timeout_ms"));
	ndr_card_cfg_defaults(&cfg);
	cfg.heartbeat_ms = 0;
	struct ndr_card *c = ndr_card_new(&cfg, slots, 6, &ctrl, err, sizeof(err));
	assert_non_null(c);
	ndr_card_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pad_phase_seq),
		cmocka_unit_test(test_full_ring_drops_and_notice),
		cmocka_unit_test(test_card_drop_notice_and_flush),
		cmocka_unit_test(test_heartbeat),
		cmocka_unit_test(test_bad_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
