/* The ring writer (hw/src/record_writer.c): its logic, the writer stage
 * that feeds it one slot a clock, the heartbeat record; and the card's
 * drop notices, heartbeats and configuration checks (sim/src/card.c). */
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
static bool put3(struct ndr_rw *w, struct tring *ring, uint64_t ts)
{
	struct ndr_flow_rec r;
	memset(&r, 0x5a, sizeof(r));
	r.hdr.type = NDR_REC_FLOW;
	r.hdr.slots = 3;
	r.hdr.version = NDR_ABI_VERSION;     /* the producer's, kept */
	r.hdr.flags = 0;
	r.hdr.ts_ns = ts;
	bool ok = ndr_rw_write(w, ring->slots, &ring->ctrl, (const uint8_t *)&r, 3);
	ndr_rw_publish(w, &ring->ctrl);
	return ok;
}

static void test_pad_phase_seq(void **state)
{
	(void)state;
	struct tring r;
	struct ndr_rw w;
	tr_init(&r, 6);
	ndr_rw_init(&w, &r.ctrl, 6);
	uint32_t expect_seq = 0, pads = 0;
	/* 3 laps of 3-slot records: 64 % 3 = 1, so a 1-slot PAD ends lap 1 */
	for (int i = 0; i < 64; i++) {
		assert_true(put3(&w, &r, (uint64_t)i));
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
	ndr_rw_init(&w, &r.ctrl, 6);
	/* 21 records of 3 slots fill 63 of 64 slots; the consumer does not move */
	for (int i = 0; i < 21; i++)
		assert_true(put3(&w, &r, 100 + (uint64_t)i));
	/* no room: dropped. The next attempt finds one free slot, enough for
	 * a notice of the first loss, then its record is dropped as well. */
	for (int i = 0; i < 5; i++)
		assert_false(put3(&w, &r, 200 + (uint64_t)i));
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
	assert_true(put3(&w, &r, 300));
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

/* A DNS message over TCP/IPv6 from port sport: a 3-slot DNS record (TCP
 * and IPv6 are never compact) and a one-packet flow whose 3-slot record
 * comes at the flush (a TCP flow is never DNS-only). */
static void dns6_tcp(struct pg *p, uint16_t sport)
{
	static const uint8_t q[] = { 0, 19, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1 };
	pg_init(p);
	pg_eth(p, 0x86dd);
	pg_ipv6(p, "2001:db8::1", "2001:db8::2", 6, 64);
	pg_tcp(p, sport, 53, PG_TCP_ACK | PG_TCP_PSH, 0);
	pg_bytes(p, q, sizeof(q));
	pg_finish(p);
}

static void test_card_drop_notice_and_flush(void **state)
{
	(void)state;
	for (int clocked = 0; clocked < 2; clocked++) {
		struct tring r;
		struct ndr_card_cfg cfg;
		ndr_card_cfg_defaults(&cfg);
		cfg.heartbeat_ms = 0;
		cfg.clocked = clocked;
		struct ndr_card *c = tcard_new(&r, 6, &cfg);
		assert_non_null(c);
		struct pg p;
		/* 40 DNS messages of 3 slots: the 64-slot ring holds 21 */
		for (int i = 0; i < 40; i++) {
			dns6_tcp(&p, (uint16_t)(2000 + i));
			tcard_send(c, (1 + (uint64_t)i) * MSEC, &p);
		}
		/* a clocked card is still at work on the last frames: let it
		 * finish (no tick is due yet) */
		assert_int_equal(ndr_card_tick(c, 40 * MSEC), 0);
		struct ndr_card_stats st;
		ndr_card_get_stats(c, &st);
		assert_int_equal(st.dns_messages, 40);
		assert_int_equal(st.records_by_type[NDR_REC_DNS], 21);
		assert_int_equal(st.records_dropped, 19);
		int dns = 0, drop = 0;
		int t;
		while ((t = tr_next(&r, R)) != 0) {
			dns += t == NDR_REC_DNS;
			if (t == NDR_REC_DROP) {
				drop++;
				assert_int_equal(((const struct ndr_drop_rec *)R)->lost, 1);
				assert_int_equal(((const struct ndr_drop_rec *)R)->first_lost_ts_ns,
						 22 * MSEC);
			}
		}
		assert_int_equal(dns, 21);
		assert_int_equal(drop, 1);
		/* flush: first the notice of the other 18, then FLOW records
		 * until the ring is full again; the rest and the final
		 * heartbeat are lost and counted */
		assert_int_equal(ndr_card_flush(c), 0);
		assert_int_equal(tr_next(&r, R), NDR_REC_DROP);
		assert_int_equal(((const struct ndr_drop_rec *)R)->lost, 18);
		assert_int_equal(((const struct ndr_drop_rec *)R)->lost_total, 19);
		assert_int_equal(((const struct ndr_drop_rec *)R)->last_lost_ts_ns, 40 * MSEC);
		int flows = 0;
		while ((t = tr_next(&r, R)) == NDR_REC_FLOW) {
			flows++;
			assert_int_equal(((const struct ndr_flow_rec *)R)->end_reason, NDR_FLOW_END_FLUSH);
			assert_int_equal(HDR->ts_ns, 40 * MSEC);     /* card time */
		}
		assert_int_equal(t, 0);
		assert_int_equal(flows, 21);
		ndr_card_get_stats(c, &st);
		assert_int_equal(st.records_by_type[NDR_REC_FLOW], 21);
		assert_int_equal(st.records_by_type[NDR_REC_HEARTBEAT], 0);
		assert_int_equal(st.records_dropped, 19 + (40 - 21) + 1);
		assert_int_equal(st.slots_written, r.ctrl.prod);
		assert_int_equal(st.records_written, 21 + 21 + 2);
		assert_int_equal(r.seq_gaps, 19);              /* the flush's are after the last */
		assert_int_equal(r.bad_phase, 0);
		/* the consumer freed the ring: the next flush says what was lost */
		assert_int_equal(ndr_card_flush(c), 0);
		assert_int_equal(tr_next(&r, R), NDR_REC_DROP);
		assert_int_equal(((const struct ndr_drop_rec *)R)->lost, 20);
		assert_int_equal(((const struct ndr_drop_rec *)R)->lost_total, 39);
		assert_int_equal(tr_next(&r, R), NDR_REC_HEARTBEAT);
		const struct ndr_heartbeat_rec *h = (const struct ndr_heartbeat_rec *)R;
		assert_int_equal(h->records_dropped, 39);
		/* the records before it and itself: with the lost ones, its seq + 1 */
		assert_int_equal(h->records_written, 21 + 21 + 3 + 1);
		assert_int_equal(h->records_written + h->records_dropped, h->hdr.seq + 1u);
		assert_int_equal(h->flows_active, 0);
		assert_int_equal(h->flows_created, 40);
		assert_int_equal(tr_next(&r, R), 0);
		assert_int_equal(r.seq_gaps, 39);
		ndr_card_free(c);
		tr_free(&r);
	}
}

/* ARP frames at these offsets from t0 (wire length 100) into a card. */
static void heartbeat_run(bool clocked, struct tring *r)
{
	struct ndr_card_cfg cfg;
	ndr_card_cfg_defaults(&cfg);
	cfg.clocked = clocked;
	struct ndr_card *c = tcard_new(r, 10, &cfg);
	assert_non_null(c);
	struct pg p;
	uint64_t t0 = 1000 * SEC + 123;
	uint64_t times[] = { 0, 400 * MSEC, 999 * MSEC, 1000 * MSEC, 1500 * MSEC,
			     2 * SEC, 7 * SEC + 500 * MSEC, 8 * SEC };
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		pg_init(&p);
		pg_eth(&p, 0x0806);
		pg_fill(&p, 0, 46);
		assert_int_equal(ndr_card_frame(c, t0 + times[i], p.b, p.len, 100), 0);
	}
	assert_int_equal(ndr_card_flush(c), 0);
	ndr_card_free(c);
}

/* Heartbeats are due by card time: the frames that cross a boundary
 * (t0+1 s, +2 s, +8 s), and on the quiet link between 2 s and 7.5 s the
 * ticks that cross one (the first point of the NDR_TICK_NS grid at or past
 * each boundary); the flush adds a final one. Each counts what came before
 * it; the whole-frame and the clocked card write the same. */
#define TICK_AT(t) (((t) + NDR_TICK_NS - 1u) / NDR_TICK_NS * NDR_TICK_NS)
static void test_heartbeat(void **state)
{
	(void)state;
	uint64_t t0 = 1000 * SEC + 123;
	uint64_t expect_ts[] = { t0 + 1000 * MSEC, t0 + 2 * SEC, TICK_AT(t0 + 3 * SEC),
				 TICK_AT(t0 + 4 * SEC), TICK_AT(t0 + 5 * SEC),
				 TICK_AT(t0 + 6 * SEC), TICK_AT(t0 + 7 * SEC), t0 + 8 * SEC,
				 t0 + 8 * SEC };
	/* the grid point is not the boundary itself: a tick, not a frame */
	assert_true(TICK_AT(t0 + 3 * SEC) > t0 + 3 * SEC);
	uint64_t expect_pkts[] = { 3, 5, 6, 6, 6, 6, 6, 7, 8 };
	for (int clocked = 0; clocked < 2; clocked++) {
		struct tring r;
		heartbeat_run(clocked, &r);
		for (int i = 0; i < 9; i++) {
			assert_int_equal(tr_next(&r, R), NDR_REC_HEARTBEAT);
			const struct ndr_heartbeat_rec *h = (const struct ndr_heartbeat_rec *)R;
			assert_int_equal(h->hdr.slots, 3);
			assert_int_equal(h->hdr.ts_ns, expect_ts[i]);
			assert_int_equal(h->packets, expect_pkts[i]);
			assert_int_equal(h->bytes, expect_pkts[i] * 100);
			assert_int_equal(h->non_ip, expect_pkts[i]);
			assert_int_equal(h->records_written, (uint64_t)i + 1u);   /* itself too */
			assert_int_equal(h->hdr.seq, (uint64_t)i);
			assert_int_equal(h->parse_errors, 0);
			assert_int_equal(h->flows_created, 0);
			assert_int_equal(h->rx_overrun, 0);
			assert_int_equal(h->dns_dropped, 0);
			assert_int_equal(h->tls_dropped, 0);
			assert_int_equal(h->records_dropped, 0);
			assert_int_equal(h->records_link_dropped, 0);
		}
		assert_int_equal(tr_next(&r, R), 0);
		assert_int_equal(r.bad_phase, 0);
		assert_int_equal(r.seq_gaps, 0);
		tr_free(&r);
	}
}

/* ndr_hb_record puts each stage's counter in its own field (distinct
 * values, so a field read from the wrong part shows), and the writer
 * patches its own two counters into whichever slot holds them. */
static void test_heartbeat_fields_and_patch(void **state)
{
	(void)state;
	struct ndr_hb_parts p;
	memset(&p, 0, sizeof(p));
	p.parse.ts = 1234567;
	p.parse.packets = 101;
	p.parse.bytes = 102;
	p.parse.rx_overrun = 103;
	p.parse.parse_errors = 104;
	p.parse.non_ip = 105;
	p.flow.active = 201;
	p.flow.created = 202;
	p.flow.evicted = 203;
	p.flow.dns_only = 204;
	p.flow.link_dropped = 205;
	p.dns.messages = 301;
	p.dns.errors = 302;
	p.dns.dropped = 303;
	p.dns.link_dropped = 304;
	p.tls.hellos = 401;
	p.tls.dropped = 403;
	p.tls.link_dropped = 404;
	uint8_t rec[3 * NDR_SLOT_BYTES];
	memset(rec, 0xee, sizeof(rec));
	ndr_hb_record(&p, rec);
	struct ndr_rw w;
	struct ndr_ring_ctrl ctrl = {0};
	ndr_rw_init(&w, &ctrl, 6);
	w.records_written = 0x1111222233334444ull;
	w.records_dropped = 0x5555666677778888ull;
	for (uint32_t k = 0; k < 3; k++)
		ndr_hb_patch(&w, rec + k * NDR_SLOT_BYTES, k);
	struct ndr_heartbeat_rec h;
	memcpy(&h, rec, sizeof(h));
	assert_int_equal(h.hdr.type, NDR_REC_HEARTBEAT);
	assert_int_equal(h.hdr.slots, 3);
	assert_int_equal(h.hdr.version, NDR_ABI_VERSION);
	assert_int_equal(h.hdr.ts_ns, 1234567);
	assert_int_equal(h.packets, 101);
	assert_int_equal(h.bytes, 102);
	assert_int_equal(h.rx_overrun, 103);
	assert_int_equal(h.parse_errors, 104);
	assert_int_equal(h.non_ip, 105);
	assert_int_equal(h.flows_active, 201);
	assert_int_equal(h.flows_created, 202);
	assert_int_equal(h.flows_evicted, 203);
	assert_int_equal(h.flows_dns_only, 204);
	assert_int_equal(h.dns_messages, 301);
	assert_int_equal(h.dns_errors, 302);
	assert_int_equal(h.dns_dropped, 303);
	assert_int_equal(h.tls_hellos, 401);
	assert_int_equal(h.tls_dropped, 403);
	assert_int_equal(h.records_link_dropped, 205 + 304 + 404);
	assert_int_equal(h.records_written, 0x1111222233334444ull);
	assert_int_equal(h.records_dropped, 0x5555666677778888ull);
	for (uint32_t i = 0; i < 5; i++)
		assert_int_equal(h.reserved[i], 0);
	/* a patch of one slot touches nothing else in it */
	uint8_t slot[NDR_SLOT_BYTES], before[NDR_SLOT_BYTES];
	memset(slot, 0xab, sizeof(slot));
	memcpy(before, slot, sizeof(slot));
	ndr_hb_patch(&w, slot, 0);
	assert_memory_equal(slot, before, sizeof(slot));
}

/* ---- the writer stage, one clock per call ---- */

struct wrig {
	struct tring r;
	struct ndr_writer_stage s;
	struct ndr_slot_s in;
	uint32_t queued[256];         /* slots of each record queued */
	uint32_t n_queued;
};

static void wrig_init(struct wrig *g, uint32_t log2)
{
	tr_init(&g->r, log2);
	ndr_writer_stage_init(&g->s, &g->r.ctrl, log2);
	ndr_slot_s_init(&g->in);
	g->n_queued = 0;
}

/* A record of n slots whose every byte after the header says (id, slot). */
static void wrig_queue(struct wrig *g, uint8_t type, uint32_t n, uint32_t id, uint64_t ts)
{
	for (uint32_t k = 0; k < n; k++) {
		struct ndr_slot_item it;
		memset(it.b, (int)((id * 8u + k) & 0xffu), sizeof(it.b));
		if (k == 0) {
			struct ndr_rec_hdr h = { .type = type, .slots = (uint8_t)n,
						 .version = NDR_ABI_VERSION, .ts_ns = ts };
			memcpy(it.b, &h, sizeof(h));
		}
		assert_false(ndr_slot_s_full(&g->in));
		ndr_slot_s_write(&g->in, &it);
	}
	g->queued[g->n_queued++] = n;
}

/* With the link ready only every third clock, the writer moves one slot
 * on those clocks and none on the others; it waits, counts the clocks it
 * waited with work, and loses nothing. Records of 1, 2, 3 and 6 slots,
 * with pads where one would wrap; prod is published only once every slot
 * of a record is written. */
static void test_writer_stage_slot_per_clock(void **state)
{
	(void)state;
	struct wrig g;
	wrig_init(&g, 7);
	static const uint32_t sizes[] = { 3, 1, 6, 2, 3, 3, 1, 6, 6, 2 };
	uint32_t next = 0, id = 0, got = 0;
	uint64_t clock = 0, waits = 0, ready_clocks = 0;
	while (got < 60u && clock < 100000u) {
		/* the producer keeps the stream fed */
		while (id < 60u && ndr_slot_s_count(&g.in) + sizes[next] <= ndr_slot_s_DEPTH) {
			wrig_queue(&g, NDR_REC_FLOW, sizes[next], id, 1000u + id);
			next = (next + 1u) % (sizeof(sizes) / sizeof(sizes[0]));
			id++;
		}
		bool ready = clock % 3u == 0u;
		uint64_t before = g.s.w.slots_written;
		bool work = !ndr_slot_s_empty(&g.in) || g.s.first_pending || g.s.first_held ||
			    g.s.pad_k < g.s.pad_len;
		ndr_stage_writer(&g.s, &g.in, g.r.slots, &g.r.ctrl, ready);
		uint64_t moved = g.s.w.slots_written - before;
		assert_true(moved <= (ready ? 1u : 0u));
		if (!ready && work)
			waits++;
		ready_clocks += ready;
		/* the consumer: [cons, prod) holds whole records only */
		assert_true(g.r.ctrl.prod <= g.s.w.prod);
		int t;
		while ((t = tr_next(&g.r, R)) != 0) {
			assert_int_equal(t, NDR_REC_FLOW);
			assert_int_equal(HDR->ts_ns, 1000u + got);
			assert_int_equal(HDR->seq, got);
			uint32_t n = HDR->slots;
			assert_int_equal(n, g.queued[got]);
			for (uint32_t k = 0; k < n; k++)
				assert_int_equal(R[k * NDR_SLOT_BYTES + 40], (got * 8u + k) & 0xffu);
			got++;
		}
		clock++;
	}
	assert_int_equal(got, 60);
	assert_int_equal(g.s.w.records_written, 60);
	assert_int_equal(g.s.w.records_dropped, 0);
	assert_int_equal(g.s.link_waits, waits);
	assert_true(waits > 100u);
	/* every slot, pads included, took a ready clock of its own */
	assert_true(g.s.w.slots_written <= ready_clocks);
	assert_int_equal(g.s.w.slots_written, g.r.ctrl.prod);
	assert_true(g.s.w.by_type[NDR_REC_PAD] > 0u);
	assert_int_equal(g.r.bad_phase, 0);
	tr_free(&g.r);
}

/* The link never ready: nothing is written, nothing is taken from the
 * stream, every clock with work counts as a wait; once it is ready the
 * records come out whole and in order. */
static void test_writer_stage_link_stopped(void **state)
{
	(void)state;
	struct wrig g;
	wrig_init(&g, 8);
	for (uint32_t i = 0; i < 10; i++)
		wrig_queue(&g, NDR_REC_TLS, 3, i, 50u + i);
	for (uint32_t c = 0; c < 500; c++)
		ndr_stage_writer(&g.s, &g.in, g.r.slots, &g.r.ctrl, false);
	assert_int_equal(g.s.link_waits, 500);
	assert_int_equal(g.s.w.slots_written, 0);
	assert_int_equal(ndr_slot_s_count(&g.in), 30);
	assert_int_equal(g.r.ctrl.prod, 0);
	uint32_t c = 0;
	while (!(ndr_slot_s_empty(&g.in) && ndr_writer_stage_idle(&g.s)) && c < 1000u) {
		ndr_stage_writer(&g.s, &g.in, g.r.slots, &g.r.ctrl, true);
		c++;
	}
	assert_int_equal(c, 30 + 1);          /* a slot a clock, then publish */
	for (uint32_t i = 0; i < 10; i++) {
		assert_int_equal(tr_next(&g.r, R), NDR_REC_TLS);
		assert_int_equal(HDR->ts_ns, 50u + i);
	}
	assert_int_equal(tr_next(&g.r, R), 0);
	assert_int_equal(g.s.w.records_dropped, 0);
	tr_free(&g.r);
}

/* Through the stage, a heartbeat carries the writer's records_written and
 * records_dropped as they are when it is written: the records before it,
 * written or dropped for lack of room, and itself (so written + dropped
 * is its seq + 1, which a host can check). */
static void test_writer_stage_heartbeat_patch(void **state)
{
	(void)state;
	struct wrig g;
	wrig_init(&g, 6);
	/* 21 records of 3 slots fill 63 of 64; one more is dropped */
	for (uint32_t i = 0; i < 22; i++) {
		wrig_queue(&g, NDR_REC_FLOW, 3, i, 10u + i);
		while (!ndr_slot_s_empty(&g.in) || !ndr_writer_stage_idle(&g.s))
			ndr_stage_writer(&g.s, &g.in, g.r.slots, &g.r.ctrl, true);
	}
	assert_int_equal(g.s.w.records_written, 21);
	assert_int_equal(g.s.w.records_dropped, 1);
	int n = 0;
	while (tr_next(&g.r, R) == NDR_REC_FLOW)
		n++;
	assert_int_equal(n, 21);
	/* the heartbeat: the notice of the lost one goes first, then it */
	struct ndr_hb_parts p;
	memset(&p, 0, sizeof(p));
	p.parse.ts = 99;
	p.parse.packets = 7;
	uint8_t rec[3 * NDR_SLOT_BYTES];
	ndr_hb_record(&p, rec);
	for (uint32_t k = 0; k < 3; k++) {
		struct ndr_slot_item it;
		memcpy(it.b, rec + k * NDR_SLOT_BYTES, NDR_SLOT_BYTES);
		ndr_slot_s_write(&g.in, &it);
	}
	while (!ndr_slot_s_empty(&g.in) || !ndr_writer_stage_idle(&g.s))
		ndr_stage_writer(&g.s, &g.in, g.r.slots, &g.r.ctrl, true);
	assert_int_equal(tr_next(&g.r, R), NDR_REC_DROP);
	assert_int_equal(((const struct ndr_drop_rec *)R)->lost, 1);
	assert_int_equal(((const struct ndr_drop_rec *)R)->first_lost_ts_ns, 31);
	assert_int_equal(((const struct ndr_drop_rec *)R)->hdr.ts_ns, 99);
	assert_int_equal(tr_next(&g.r, R), NDR_REC_HEARTBEAT);
	const struct ndr_heartbeat_rec *h = (const struct ndr_heartbeat_rec *)R;
	assert_int_equal(h->packets, 7);
	assert_int_equal(h->records_written, 23);    /* 21 records, the notice, itself */
	assert_int_equal(h->records_dropped, 1);
	assert_int_equal(h->hdr.seq, 23);            /* 22 records, the notice */
	assert_int_equal(g.s.w.records_written, 23);
	assert_int_equal(g.r.seq_gaps, 1);
	assert_int_equal(g.r.bad_phase, 0);
	tr_free(&g.r);
}

/* A full ring through the stage: whole records are dropped (their slots
 * taken from the stream, none written), counted, and announced by a
 * notice as soon as a slot is free, before any newer record. */
static void test_writer_stage_ring_full(void **state)
{
	(void)state;
	struct wrig g;
	wrig_init(&g, 6);
	for (uint32_t i = 0; i < 30; i++) {
		wrig_queue(&g, NDR_REC_DNS, 4, i, 500u + i);
		while (!ndr_slot_s_empty(&g.in) || !ndr_writer_stage_idle(&g.s))
			ndr_stage_writer(&g.s, &g.in, g.r.slots, &g.r.ctrl, true);
	}
	/* 16 records of 4 slots fill the ring; 14 dropped */
	assert_int_equal(g.s.w.records_written, 16);
	assert_int_equal(g.s.w.records_dropped, 14);
	assert_int_equal(g.s.w.slots_written, 64);
	assert_int_equal(g.r.ctrl.prod, 64);
	for (uint32_t i = 0; i < 16; i++) {
		assert_int_equal(tr_next(&g.r, R), NDR_REC_DNS);
		assert_int_equal(HDR->ts_ns, 500u + i);
	}
	wrig_queue(&g, NDR_REC_DNS, 4, 30, 700);
	while (!ndr_slot_s_empty(&g.in) || !ndr_writer_stage_idle(&g.s))
		ndr_stage_writer(&g.s, &g.in, g.r.slots, &g.r.ctrl, true);
	assert_int_equal(tr_next(&g.r, R), NDR_REC_DROP);
	const struct ndr_drop_rec *d = (const struct ndr_drop_rec *)R;
	assert_int_equal(d->lost, 14);
	assert_int_equal(d->first_lost_ts_ns, 516);
	assert_int_equal(d->last_lost_ts_ns, 529);
	assert_int_equal(tr_next(&g.r, R), NDR_REC_DNS);
	assert_int_equal(HDR->ts_ns, 700);
	assert_int_equal(R[64 + 10], (30u * 8u + 1u) & 0xffu);
	assert_int_equal(tr_next(&g.r, R), 0);
	assert_int_equal(g.r.seq_gaps, 14);
	tr_free(&g.r);
}

/* The smallest ring (64 slots) with a consumer that takes every record
 * as soon as prod shows it, and records coming back to back so the
 * writer is never idle: prod must be published often enough that the
 * ring never looks full of records the host cannot see yet. Nothing may
 * be dropped. */
static void test_writer_stage_small_ring_publishes(void **state)
{
	(void)state;
	struct wrig g;
	wrig_init(&g, NDR_RING_MIN_LOG2);
	uint32_t id = 0, got = 0;
	for (uint32_t clock = 0; clock < 20000u && got < 200u; clock++) {
		if (id < 200u && ndr_slot_s_count(&g.in) + 3u <= ndr_slot_s_DEPTH) {
			wrig_queue(&g, NDR_REC_FLOW, 3, id, 100u + id);
			id++;
		}
		ndr_stage_writer(&g.s, &g.in, g.r.slots, &g.r.ctrl, true);
		while (tr_next(&g.r, R) != 0) {
			if (HDR->type == NDR_REC_DROP)
				fail_msg("clock %u: %u records dropped on a 64-slot ring although the "
					 "host took every published record at once (prod %u published, "
					 "writer at %u)", clock, ((const struct ndr_drop_rec *)R)->lost,
					 g.r.ctrl.prod, g.s.w.prod);
			assert_int_equal(HDR->type, NDR_REC_FLOW);
			assert_int_equal(HDR->ts_ns, 100u + got);
			got++;
		}
	}
	assert_int_equal(g.s.w.records_dropped, 0);
	assert_int_equal(got, 200);
	tr_free(&g.r);
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
	cfg.scan_sweep_ms = 0;
	assert_null(ndr_card_new(&cfg, slots, 6, &ctrl, err, sizeof(err)));
	assert_non_null(strstr(err, "scan_sweep_ms"));
	/* the clocked simulation's own settings */
	ndr_card_cfg_defaults(&cfg);
	cfg.clocked = true;
	cfg.flow_lat = 0;
	assert_null(ndr_card_new(&cfg, slots, 6, &ctrl, err, sizeof(err)));
	assert_non_null(strstr(err, "latency 0"));
	cfg.flow_lat = NDR_FLOW_LAT_MAX + 1;
	assert_null(ndr_card_new(&cfg, slots, 6, &ctrl, err, sizeof(err)));
	assert_non_null(strstr(err, "latency"));
	cfg.flow_lat = NDR_FLOW_LAT_HBM;
	cfg.flow_fwd = NDR_FLOW_FWD + 1;
	assert_null(ndr_card_new(&cfg, slots, 6, &ctrl, err, sizeof(err)));
	assert_non_null(strstr(err, "forwarding window"));
	cfg.flow_fwd = 1;
	cfg.link_mbps = 0;
	assert_null(ndr_card_new(&cfg, slots, 6, &ctrl, err, sizeof(err)));
	assert_non_null(strstr(err, "host link 0"));
	cfg.link_mbps = 1;
	struct ndr_card *c = ndr_card_new(&cfg, slots, 6, &ctrl, err, sizeof(err));
	assert_non_null(c);
	ndr_card_free(c);
	/* not clocked: those are not looked at */
	cfg.clocked = false;
	cfg.flow_lat = 0;
	cfg.link_mbps = 0;
	cfg.heartbeat_ms = 0;
	c = ndr_card_new(&cfg, slots, 6, &ctrl, err, sizeof(err));
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
		cmocka_unit_test(test_heartbeat_fields_and_patch),
		cmocka_unit_test(test_writer_stage_slot_per_clock),
		cmocka_unit_test(test_writer_stage_link_stopped),
		cmocka_unit_test(test_writer_stage_heartbeat_patch),
		cmocka_unit_test(test_writer_stage_ring_full),
		cmocka_unit_test(test_writer_stage_small_ring_publishes),
		cmocka_unit_test(test_bad_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
