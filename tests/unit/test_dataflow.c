/*
 * test_dataflow.c - the clocked simulation's own behaviour (hw/src stages
 * run by sim/src/clocked.c, reported by sim/src/cycles.c):
 *   - the flow table's forwarding window covers its read latency, and a
 *     window shallower than the writes in flight gives wrong counts;
 *   - a full bucket evicts its least recently seen flow;
 *   - the scanner expires flows at their visit's time on a quiet link,
 *     driven by ticks alone;
 *   - the DNS walk engines drop and count what finds every buffer taken;
 *   - rx loses (and counts) what arrives while the input is held, and a
 *     frame it cuts is voided cleanly downstream;
 *   - the report's verdict names the stage that limited the run;
 *   - a lossless card on the smallest ring never stops for good.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "ndr_cycles.h"
#include "ndr_hw.h"
#include "ndr_record.h"
#include "test_hw_util.h"

#define T0 (1700000000ull * SEC)

static struct pg P;
static uint8_t R[NDR_REC_MAX_SLOTS * NDR_SLOT_BYTES];

/* Next record of the ring in its full form (compact ones expanded, as
 * libndr hands them to consumers); 0 when the ring is empty. */
static int next_full(struct tring *r, union ndr_rec_full *buf, const struct ndr_rec_hdr **rec)
{
	if (tr_next(r, R) == 0)
		return 0;
	*rec = ndr_rec_expand((const struct ndr_rec_hdr *)R, buf);
	return (*rec)->type;
}

static struct ndr_card *card_new(struct tring *r, uint32_t log2_slots,
				 const struct ndr_card_cfg *cfg)
{
	struct ndr_card *c = tcard_new(r, log2_slots, cfg);
	assert_non_null(c);
	return c;
}

/* The report's last line, "overall: ...". */
static void verdict(const struct ndr_cycles *cy, char *out, size_t n)
{
	static char buf[16384];
	memset(buf, 0, sizeof(buf));
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
	assert_non_null(f);
	ndr_cycles_report(f, cy);
	fclose(f);
	const char *o = strstr(buf, "\noverall: ");
	assert_non_null(o);
	snprintf(out, n, "%s", o + 1);
	char *nl = strchr(out, '\n');
	assert_non_null(nl);                     /* the last line, whole */
	assert_int_equal(nl[1], '\0');
	*nl = '\0';
}

/* ---- forwarding ---- */

/* nflows UDP flows in turn, per_flow minimum frames each, back to back at
 * line rate; the packet count of each flow's record after the flush. */
static void interleave_run(bool clocked, uint32_t lat, uint32_t fwd, uint32_t nflows,
			   uint32_t per_flow, uint64_t *pkts, struct ndr_cycles *cy)
{
	struct tring r;
	struct ndr_card_cfg cfg;
	ndr_card_cfg_defaults(&cfg);
	cfg.clocked = clocked;
	cfg.pace_line = true;
	cfg.flow_lat = lat;
	cfg.flow_fwd = fwd;
	struct ndr_card *c = card_new(&r, 12, &cfg);
	uint8_t payload[18] = {0};
	for (uint32_t i = 0; i < nflows * per_flow; i++) {
		pg_udp4(&P, "10.9.0.1", (uint16_t)(4000 + i % nflows), "10.9.9.9", 7, payload,
			sizeof(payload));
		assert_int_equal(P.len, 60);
		tcard_send(c, T0 + i, &P);          /* no scanner visit in between */
	}
	assert_int_equal(ndr_card_flush(c), 0);
	ndr_card_cycles(c, cy);
	for (uint32_t f = 0; f < nflows; f++)
		pkts[f] = 0;
	union ndr_rec_full full;
	const struct ndr_rec_hdr *h = NULL;
	int t;
	uint32_t records = 0;
	while ((t = next_full(&r, &full, &h)) != 0) {
		if (t != NDR_REC_FLOW)
			continue;
		const struct ndr_flow_rec *fr = (const struct ndr_flow_rec *)h;
		assert_int_equal(fr->end_reason, NDR_FLOW_END_FLUSH);
		assert_true(fr->src_port >= 4000 && fr->src_port < 4000 + nflows);
		pkts[fr->src_port - 4000] += fr->pkts_fwd + fr->pkts_rev;
		records++;
	}
	assert_int_equal(records, nflows);
	ndr_card_free(c);
	tr_free(&r);
}

/* Flows whose next packet comes while the write of their last one is
 * still in flight (distance < read latency): with the full window every
 * count is right, as in the whole-frame card. What the window must hold
 * is every write since the flow's own last one: with 8 flows in turn that
 * is the last 8 writes (a window of 7 loses one and counts go wrong),
 * however deep the latency. A single flow needs only the newest write:
 * with URAM latency (4 clocks, a packet every 2.3) no window is too
 * shallow. */
static void test_forwarding_covers_latency(void **state)
{
	(void)state;
	static const struct { uint32_t lat, flows, fwd; bool right; } cases[] = {
		{ NDR_FLOW_LAT_HBM, 8, NDR_FLOW_FWD, true },
		{ NDR_FLOW_LAT_HBM, 8, 8, true },
		{ NDR_FLOW_LAT_HBM, 8, 7, false },
		{ NDR_FLOW_LAT_HBM, 8, 2, false },
		{ 16, 4, 4, true },
		{ 16, 4, 3, false },
		{ NDR_FLOW_LAT_URAM, 1, NDR_FLOW_FWD_URAM, true },
		{ NDR_FLOW_LAT_URAM, 1, 1, true },
	};
	const uint32_t per_flow = 300;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		uint64_t pkts[8], fast[8];
		struct ndr_cycles cy;
		interleave_run(false, 1, 1, cases[k].flows, per_flow, fast, &cy);
		for (uint32_t f = 0; f < cases[k].flows; f++)
			assert_int_equal(fast[f], per_flow);

		interleave_run(true, cases[k].lat, cases[k].fwd, cases[k].flows, per_flow, pkts, &cy);
		assert_int_equal(cy.flow_lat, cases[k].lat);
		assert_int_equal(cy.flow_fwd, cases[k].fwd);
		assert_true(ndr_cycles_line_rate(&cy));
		/* the hazard was there: more reads in flight than flows */
		assert_true(cy.flow_in_flight_max > cases[k].flows);
		uint32_t wrong = 0;
		for (uint32_t f = 0; f < cases[k].flows; f++)
			wrong += pkts[f] != per_flow;
		if (cases[k].right && wrong)
			fail_msg("latency %u, %u flows, window %u: %u flows counted wrong (flow 0: %llu "
				 "packets of %u)", cases[k].lat, cases[k].flows, cases[k].fwd, wrong,
				 (unsigned long long)pkts[0], per_flow);
		if (!cases[k].right && !wrong)
			fail_msg("latency %u, %u flows, window %u: every count right, the hazard did "
				 "not show", cases[k].lat, cases[k].flows, cases[k].fwd);
		if (cases[k].right && cy.flow_fwd_hits < per_flow * cases[k].flows / 2u)
			fail_msg("latency %u: %llu forwarded reads for %u packets", cases[k].lat,
				 (unsigned long long)cy.flow_fwd_hits, per_flow * cases[k].flows);
	}
}

/* ---- a full bucket ---- */

static struct ndr_flow_cfg card_flow_cfg(const struct ndr_card_cfg *cc)
{
	struct ndr_top_cfg top;
	memset(&top, 0, sizeof(top));
	top.log2_buckets = cc->log2_buckets;
	top.hash_seed = cc->hash_seed;
	top.idle_timeout_ms = cc->idle_timeout_ms;
	top.active_timeout_ms = cc->active_timeout_ms;
	top.close_timeout_ms = cc->close_timeout_ms;
	top.scan_sweep_ms = cc->scan_sweep_ms;
	struct ndr_flow_cfg fc;
	ndr_flow_cfg_init(&fc, &top);
	return fc;
}

/* The bucket of UDP 10.9.0.1:sport -> 10.9.9.9:7 in the card's table. */
static uint32_t bucket_of(const struct ndr_flow_cfg *fc, uint16_t sport)
{
	struct ndr_flow_op op;
	memset(&op, 0, sizeof(op));
	pg_udp4(&P, "10.9.0.1", sport, "10.9.9.9", 7, "", 0);
	ndr_parse_headers(P.b, P.len, &op.m);
	assert_int_equal(op.m.kind, NDR_PKT_IP);
	ndr_flow_hash_op(fc, &op);
	return op.hash & fc->mask;
}

static uint16_t port_for_bucket(const struct ndr_flow_cfg *fc, uint32_t bucket, uint16_t from)
{
	for (uint32_t port = from; port < 65535u; port++) {
		if (bucket_of(fc, (uint16_t)port) == bucket)
			return (uint16_t)port;
	}
	fail_msg("no port for bucket %u", bucket);
	return 0;
}

/* Four flows fill a bucket; a fifth and a sixth push out the least
 * recently seen ones, with an EVICT record at the time of the packet that
 * needed the room. The whole-frame and the clocked card alike. */
static void test_full_bucket_evicts(void **state)
{
	(void)state;
	for (int clocked = 0; clocked < 2; clocked++) {
		struct tring r;
		struct ndr_card_cfg cfg;
		ndr_card_cfg_defaults(&cfg);
		cfg.clocked = clocked;
		cfg.log2_buckets = 4;
		cfg.heartbeat_ms = 0;
		struct ndr_flow_cfg fc = card_flow_cfg(&cfg);
		uint16_t ports[6], from = 1024;
		for (int i = 0; i < 6; i++) {
			ports[i] = port_for_bucket(&fc, 5, from);
			from = (uint16_t)(ports[i] + 1);
		}
		struct ndr_card *c = card_new(&r, 10, &cfg);
		for (int i = 0; i < 4; i++) {
			pg_udp4(&P, "10.9.0.1", ports[i], "10.9.9.9", 7, "", 0);
			tcard_send(c, T0 + (uint64_t)(10 + i) * SEC, &P);
		}
		pg_udp4(&P, "10.9.0.1", ports[0], "10.9.9.9", 7, "", 0);
		tcard_send(c, T0 + 20 * SEC, &P);       /* way 0 is now the newest */
		pg_udp4(&P, "10.9.0.1", ports[4], "10.9.9.9", 7, "", 0);
		tcard_send(c, T0 + 21 * SEC, &P);       /* evicts ports[1] (11 s) */
		pg_udp4(&P, "10.9.0.1", ports[5], "10.9.9.9", 7, "", 0);
		tcard_send(c, T0 + 22 * SEC, &P);       /* evicts ports[2] (12 s) */
		assert_int_equal(ndr_card_tick(c, T0 + 22 * SEC), 0);

		struct ndr_card_stats st;
		ndr_card_get_stats(c, &st);
		assert_int_equal(st.flows_evicted, 2);
		assert_int_equal(st.flows_created, 6);
		assert_int_equal(st.flows_active, 4);
		union ndr_rec_full full;
		const struct ndr_rec_hdr *h = NULL;
		const struct ndr_flow_rec *fr = (const struct ndr_flow_rec *)R;
		assert_int_equal(next_full(&r, &full, &h), NDR_REC_FLOW);
		fr = (const struct ndr_flow_rec *)h;
		assert_int_equal(fr->end_reason, NDR_FLOW_END_EVICT);
		assert_int_equal(fr->src_port, ports[1]);
		assert_int_equal(fr->hdr.ts_ns, T0 + 21 * SEC);
		assert_int_equal(fr->first_ts_ns, T0 + 11 * SEC);
		assert_int_equal(next_full(&r, &full, &h), NDR_REC_FLOW);
		fr = (const struct ndr_flow_rec *)h;
		assert_int_equal(fr->end_reason, NDR_FLOW_END_EVICT);
		assert_int_equal(fr->src_port, ports[2]);
		assert_int_equal(fr->hdr.ts_ns, T0 + 22 * SEC);
		assert_int_equal(next_full(&r, &full, &h), 0);
		if (clocked) {
			struct ndr_cycles cy;
			ndr_card_cycles(c, &cy);
			assert_int_equal(cy.flow_evicted, 2);
			assert_int_equal(cy.flow_collisions, 5);
			assert_int_equal(cy.flow_created, 6);
		}
		/* the flush: the four left, way 0 with its two packets */
		assert_int_equal(ndr_card_flush(c), 0);
		int flush = 0;
		while (next_full(&r, &full, &h)) {
			if (h->type != NDR_REC_FLOW)
				continue;
			fr = (const struct ndr_flow_rec *)h;
			assert_int_equal(fr->end_reason, NDR_FLOW_END_FLUSH);
			assert_int_equal(fr->hdr.ts_ns, T0 + 22 * SEC);    /* card time */
			assert_int_equal(fr->pkts_fwd, fr->src_port == ports[0] ? 2 : 1);
			flush++;
		}
		assert_int_equal(flush, 4);
		ndr_card_free(c);
		tr_free(&r);
	}
}

/* ---- the scanner on a quiet link ---- */

/* Flows in every bucket, then nothing but ticks: each flow's IDLE record
 * comes from the first visit of its bucket at or after its last packet +
 * the idle timeout, and carries that visit's time: first frame time +
 * k * scan_ns, bucket (k - 1) mod 16. No record before that visit, and
 * the whole-frame and the clocked card agree. */
static void test_scanner_expires_on_quiet_link(void **state)
{
	(void)state;
	for (int clocked = 0; clocked < 2; clocked++) {
		struct tring r;
		struct ndr_card_cfg cfg;
		ndr_card_cfg_defaults(&cfg);
		cfg.clocked = clocked;
		cfg.log2_buckets = 4;
		cfg.idle_timeout_ms = 2010;
		cfg.scan_sweep_ms = 1000;               /* 62.5 ms a visit */
		struct ndr_flow_cfg fc = card_flow_cfg(&cfg);
		assert_int_equal(fc.scan_ns, 62500000u);
		struct ndr_card *c = card_new(&r, 10, &cfg);
		/* 16 flows, 1 ms apart, each bucket's last at T0 + 15 ms at most */
		uint16_t port[16];
		uint32_t bucket[16];
		uint16_t from = 2000;
		for (uint32_t i = 0; i < 16; i++) {
			port[i] = port_for_bucket(&fc, i, from);
			from = (uint16_t)(port[i] + 1);
			bucket[i] = i;
		}
		for (uint32_t i = 0; i < 16; i++) {
			pg_udp4(&P, "10.9.0.1", port[i], "10.9.9.9", 7, "", 0);
			tcard_send(c, T0 + i * MSEC, &P);
		}
		/* the first visit that finds bucket b's flow (last at
		 * T0 + b ms) expired: k = b + 1 + 16 m, k * 62.5 ms >=
		 * b ms + 2010 ms */
		uint64_t expect[16];
		uint64_t last_expect = 0;
		for (uint32_t b = 0; b < 16; b++) {
			uint64_t k = b + 1u;
			while (k * 62500000ull < (uint64_t)b * MSEC + 2010 * MSEC)
				k += 16;
			expect[b] = T0 + k * 62500000ull;
			if (expect[b] > last_expect)
				last_expect = expect[b];
		}
		/* up to just before the first expiry: nothing */
		uint64_t first_expect = expect[0];
		for (uint32_t b = 1; b < 16; b++)
			first_expect = expect[b] < first_expect ? expect[b] : first_expect;
		assert_int_equal(ndr_card_tick(c, first_expect - 100 * MSEC - 1), 0);
		union ndr_rec_full full;
		const struct ndr_rec_hdr *h = NULL;
		int t;
		while ((t = next_full(&r, &full, &h)) != 0)
			assert_int_equal(t, NDR_REC_HEARTBEAT);
		/* ticks through the last expiry: every flow, at its visit */
		assert_int_equal(ndr_card_tick(c, last_expect + 200 * MSEC), 0);
		uint32_t seen = 0;
		uint64_t prev = 0;
		while ((t = next_full(&r, &full, &h)) != 0) {
			if (t != NDR_REC_FLOW)
				continue;
			const struct ndr_flow_rec *fr = (const struct ndr_flow_rec *)h;
			uint32_t i = 0;
			while (i < 16 && port[i] != fr->src_port)
				i++;
			assert_true(i < 16);
			assert_int_equal(fr->end_reason, NDR_FLOW_END_IDLE);
			assert_int_equal(fr->hdr.ts_ns, expect[bucket[i]]);
			assert_true(fr->hdr.ts_ns >= prev);
			prev = fr->hdr.ts_ns;
			seen |= 1u << i;
		}
		assert_int_equal(seen, 0xffff);
		struct ndr_card_stats st;
		ndr_card_get_stats(c, &st);
		assert_int_equal(st.flows_active, 0);
		if (clocked) {
			struct ndr_cycles cy;
			ndr_card_cycles(c, &cy);
			assert_int_equal(cy.flow_expired, 16);
			/* the visits came from ticks: one per 100 ms of quiet */
			assert_true(cy.ticks >= (last_expect - T0) / (100 * MSEC));
			assert_true(cy.flow_visits >= (last_expect - T0) / 62500000ull);
		}
		ndr_card_free(c);
		tr_free(&r);
	}
}

/* ---- the DNS engines ---- */

/* ndr-gen's dns-worst: a one-beat message whose QNAME is a pointer back
 * into the header, walked to the limits. */
static void dns_worst(struct pg *p, uint32_t i)
{
	static const uint8_t msg[14] = {
		1, 'x', 1, 'x', 1, 'x', 1, 'x', 1, 'x', 1, 'x', 0xc0, 0x00,
	};
	char src[32];
	snprintf(src, sizeof(src), "10.11.%u.%u", (i >> 8) & 255u, i & 255u);
	pg_udp4(p, src, (uint16_t)(1024 + i % 60000u), "10.0.0.53", 53, msg, sizeof(msg));
}

struct dns_run {
	struct ndr_card_stats st;
	struct ndr_cycles cy;
	uint8_t *recs;                  /* DNS records, 6 slots apart */
	uint32_t n;
	struct ndr_heartbeat_rec last_hb;
};

static void dns_worst_run(bool clocked, uint32_t frames, struct dns_run *out)
{
	struct tring r;
	struct ndr_card_cfg cfg;
	ndr_card_cfg_defaults(&cfg);
	cfg.clocked = clocked;
	cfg.pace_line = true;
	cfg.link_mbps = 100000;     /* the walks are the limit here, not the link */
	struct ndr_card *c = card_new(&r, 16, &cfg);
	for (uint32_t i = 0; i < frames; i++) {
		dns_worst(&P, i);
		tcard_send(c, T0 + i * 10u, &P);
	}
	assert_int_equal(ndr_card_flush(c), 0);
	ndr_card_get_stats(c, &out->st);
	ndr_card_cycles(c, &out->cy);
	out->recs = calloc(frames, NDR_DNS_REC_BYTES);
	assert_non_null(out->recs);
	out->n = 0;
	memset(&out->last_hb, 0, sizeof(out->last_hb));
	union ndr_rec_full full;
	const struct ndr_rec_hdr *h = NULL;
	int t;
	while ((t = next_full(&r, &full, &h)) != 0) {
		if (t == NDR_REC_DNS) {
			const struct ndr_dns_rec *d = (const struct ndr_dns_rec *)h;
			assert_true(d->parse_flags & NDR_DNS_P_PTR_LOOP);
			assert_true(out->n < frames);
			memcpy(out->recs + (size_t)out->n * NDR_DNS_REC_BYTES, h,
			       (size_t)h->slots * NDR_SLOT_BYTES);
			out->n++;
		} else if (t == NDR_REC_HEARTBEAT) {
			memcpy(&out->last_hb, h, sizeof(out->last_hb));
		}
	}
	assert_int_equal(r.seq_gaps, 0);
	ndr_card_free(c);
	tr_free(&r);
}

/* Equal but for seq and the phase bit. */
static bool same_record(const uint8_t *a, const uint8_t *b)
{
	const struct ndr_rec_hdr *x = (const struct ndr_rec_hdr *)a;
	const struct ndr_rec_hdr *y = (const struct ndr_rec_hdr *)b;
	size_t n = (size_t)x->slots * NDR_SLOT_BYTES;
	if (x->type != y->type || x->slots != y->slots || x->ts_ns != y->ts_ns)
		return false;
	if ((x->flags ^ y->flags) & (uint8_t)~NDR_REC_F_PHASE)
		return false;
	return memcmp(a + 16, b + 16, n - 16) == 0 && memcmp(a, b, 3) == 0;
}

/* A burst of worst-case names at line rate: more walk work than the 32
 * engines do, so messages that find every buffer taken are dropped and
 * counted. Every message is either a record or a drop; the records are
 * the whole-frame card's, minus the dropped ones, in order; the final
 * heartbeat, the stats and the report all give the same number. */
static void test_dns_engines_drop_and_count(void **state)
{
	(void)state;
	const uint32_t n = 3000;
	struct dns_run fast, clk;
	dns_worst_run(false, n, &fast);
	dns_worst_run(true, n, &clk);
	assert_int_equal(fast.n, n);
	assert_int_equal(fast.st.dns_dropped, 0);

	assert_int_equal(clk.st.dns_messages, n);
	assert_true(clk.st.dns_dropped > 0u);
	assert_true(clk.st.dns_dropped < n);
	/* every message a record, or dropped for want of a buffer, or its
	 * record dropped on the record path (these records are 5 slots, and
	 * 32 engines finish more than one slot a clock of them) */
	assert_int_equal(clk.n + clk.st.dns_link_dropped, n - clk.st.dns_dropped);
	assert_int_equal(clk.st.records_link_dropped, clk.st.dns_link_dropped);
	assert_int_equal(clk.st.records_by_type[NDR_REC_DNS], clk.n);
	assert_int_equal(clk.cy.dns_dropped, clk.st.dns_dropped);
	assert_int_equal(clk.cy.dns_walked, n - clk.st.dns_dropped);
	assert_int_equal(clk.cy.dns_engines_max, NDR_DNS_ENGINES);   /* all were busy */
	assert_int_equal(clk.st.rx_overrun, 0);                      /* the beats never wait */
	/* in-band: the final heartbeat says the same */
	assert_int_equal(clk.last_hb.hdr.type, NDR_REC_HEARTBEAT);
	assert_int_equal(clk.last_hb.dns_messages, n);
	assert_int_equal(clk.last_hb.dns_dropped, clk.st.dns_dropped);
	assert_int_equal(clk.last_hb.rx_overrun, 0);
	assert_int_equal(clk.last_hb.records_link_dropped, clk.st.records_link_dropped);
	/* the records are the whole-frame card's, some left out */
	uint32_t j = 0, missing = 0;
	for (uint32_t i = 0; i < fast.n; i++) {
		if (j < clk.n && same_record(fast.recs + (size_t)i * NDR_DNS_REC_BYTES,
					     clk.recs + (size_t)j * NDR_DNS_REC_BYTES))
			j++;
		else
			missing++;
	}
	assert_int_equal(j, clk.n);
	assert_int_equal(missing, clk.st.dns_dropped + clk.st.dns_link_dropped);

	assert_false(ndr_cycles_line_rate(&clk.cy));
	char v[512], want[512];
	verdict(&clk.cy, v, sizeof(v));
	int w = snprintf(want, sizeof(want), "overall: line-rate=no limited-by=dns-walk (%llu DNS "
			 "messages dropped: all %u engines' buffers taken)",
			 (unsigned long long)clk.st.dns_dropped, NDR_DNS_ENGINES);
	/* a loss further down is named after the first, never hidden by it */
	if (clk.cy.link_dropped)
		snprintf(want + w, sizeof(want) - (size_t)w, "; also writer (%llu records dropped: "
			 "more than a slot a clock or the host link's %u MB/s)",
			 (unsigned long long)clk.cy.link_dropped, clk.cy.link_mbps);
	assert_string_equal(v, want);
	free(fast.recs);
	free(clk.recs);
}

/* ---- rx overrun ---- */

/* rx with its consumer stopped: the FIFO fills, the frame whose beat
 * finds it full is cut (counted once), the frames after it are lost whole
 * (each counted), and once there is room again the cut frame gets its
 * abort end before anything else. Through the parser stage that frame
 * makes nothing; the frames around it parse as usual. */
static void test_rx_overrun_consumer_stopped(void **state)
{
	(void)state;
	static struct ndr_beat_s q;
	struct ndr_rx_stage rx;
	ndr_rx_stage_init(&rx);
	ndr_beat_s_init(&q);
	const uint32_t beats_per = 10, frames = 20;
	uint8_t payload[600 - 42];
	memset(payload, 0x61, sizeof(payload));
	uint64_t clock = 0;
	/* frames of 10 beats back to back, the FIFO (128) never read */
	for (uint32_t f = 0; f < frames; f++) {
		pg_udp4(&P, "10.12.0.1", (uint16_t)(5000 + f), "10.12.0.2", 9, payload, sizeof(payload));
		assert_int_equal(P.len, 600);
		for (uint32_t k = 0; k < beats_per; k++) {
			struct ndr_rx_port port;
			memset(&port, 0, sizeof(port));
			port.valid = true;
			uint32_t n = k + 1 < beats_per ? 64u : P.len - k * 64u;
			memcpy(port.beat.data, P.b + k * 64u, n);
			port.beat.len = n;
			port.beat.last = k + 1 == beats_per;
			port.beat.ts_ns = T0 + f;
			port.beat.wire_len = P.len;
			ndr_stage_rx(&rx, &port, T0 + f, false, &q);
			clock++;
		}
	}
	/* 12 whole frames and 8 beats of the 13th went in */
	assert_int_equal(ndr_beat_s_count(&q), 128);
	assert_int_equal(rx.frames, frames);
	assert_int_equal(rx.overrun, frames - 12);
	assert_true(rx.abort_pending);
	/* no room, no abort yet; then the consumer takes one beat */
	struct ndr_rx_port idle;
	memset(&idle, 0, sizeof(idle));
	ndr_stage_rx(&rx, &idle, T0 + frames, false, &q);
	assert_int_equal(ndr_beat_s_count(&q), 128);
	struct ndr_beat b;
	ndr_beat_s_read(&q, &b);
	ndr_stage_rx(&rx, &idle, T0 + frames, false, &q);
	assert_false(rx.abort_pending);
	/* one more frame, whole */
	pg_udp4(&P, "10.12.0.1", 5999, "10.12.0.2", 9, payload, 10);
	struct ndr_rx_port port;
	memset(&port, 0, sizeof(port));
	port.valid = true;
	memcpy(port.beat.data, P.b, P.len);
	port.beat.len = P.len;
	port.beat.last = true;
	port.beat.ts_ns = T0 + 100;
	port.beat.wire_len = P.len;
	for (int i = 0; i < 64; i++)
		ndr_beat_s_read(&q, &b);         /* make room */
	ndr_stage_rx(&rx, &port, T0 + 100, false, &q);
	assert_int_equal(rx.overrun, frames - 12);

	/* what is left of the FIFO: beats 0..63 were taken above (and beat
	 * 0 before); now through the parser */
	struct ndr_top_cfg cfg;
	memset(&cfg, 0, sizeof(cfg));
	static struct ndr_parser_stage ps;
	static struct ndr_cap_beat_s db, tb;
	static struct ndr_cap_meta_s dm, tm;
	static struct ndr_parsed_s out;
	static struct ndr_stats_parse_s sp;
	ndr_parser_stage_init(&ps, &cfg);
	ndr_cap_beat_s_init(&db);
	ndr_cap_beat_s_init(&tb);
	ndr_cap_meta_s_init(&dm);
	ndr_cap_meta_s_init(&tm);
	ndr_parsed_s_init(&out);
	ndr_stats_parse_s_init(&sp);
	/* start at a frame boundary: beats 65..69 end frame 6 */
	for (int i = 0; i < 5; i++)
		ndr_beat_s_read(&q, &b);
	assert_true(b.last);
	uint32_t pkts = 0, voided = 0, aborts = 0, ports_seen = 0;
	for (int i = 0; i < 400; i++) {
		ndr_stage_parser(&ps, &q, &db, &dm, &tb, &tm, &out, &sp);
		struct ndr_parsed p;
		while (ndr_parsed_s_read_nb(&out, &p)) {
			if (p.kind == NDR_PARSED_PKT) {
				pkts++;
				ports_seen |= p.m.src_port == 5999 ? 1u : 0u;
			} else {
				voided++;
			}
		}
		struct ndr_cap_beat cb;
		while (ndr_cap_beat_s_read_nb(&db, &cb))
			aborts += (cb.flags & NDR_CAP_ABORT) ? 1u : 0u;
		struct ndr_cap_meta cm;
		while (ndr_cap_meta_s_read_nb(&dm, &cm))
			;
		while (ndr_cap_beat_s_read_nb(&tb, &cb))
			;
		while (ndr_cap_meta_s_read_nb(&tm, &cm))
			;
	}
	/* frames 7..11 whole, the cut 12th voided, the late one whole */
	assert_int_equal(pkts, 5 + 1);
	assert_int_equal(voided, 1);
	assert_int_equal(aborts, 1);
	assert_int_equal(ports_seen, 1);
	assert_int_equal(ps.parse_errors, 0);
	assert_int_equal(ps.non_ip, 0);
	assert_true(ndr_parser_stage_idle(&ps));
	(void)clock;
}

/* A card at line rate whose flow stage falls behind: one-beat frames back
 * to back, each a flow of its own, in a 1024-entry table whose flows end
 * after 1 ms idle and whose scanner sweeps it every millisecond, over a
 * host link of 1 MB/s. A scanner visit that ends flows waits for room for
 * their records (a flow's end is not dropped), and that room comes at the
 * link's pace: the flow stage holds, the streams before it fill, and rx
 * must lose frames (the CMAC cannot wait), count each and void the cut
 * ones cleanly. Every frame not lost is exactly one flow, nothing counts as
 * a parse error, and the report blames the stage furthest down whose input
 * was full, the writer (the flow stage's was full too, held by it), then
 * names the records the link could not take. */
static void test_rx_overrun_flow_behind(void **state)
{
	(void)state;
	struct tring r;
	struct ndr_card_cfg cfg;
	ndr_card_cfg_defaults(&cfg);
	cfg.clocked = true;
	cfg.pace_line = true;
	cfg.log2_buckets = 8;
	cfg.idle_timeout_ms = 1;
	cfg.scan_sweep_ms = 1;
	cfg.link_mbps = 1;
	struct ndr_card *c = card_new(&r, 16, &cfg);
	const uint32_t frames = 5000;
	for (uint32_t i = 0; i < frames; i++) {
		char src[32];
		snprintf(src, sizeof(src), "10.13.%u.%u", i >> 8, i & 255u);
		pg_udp4(&P, src, (uint16_t)(3000 + i % 1000u), "10.0.0.9", 9999, "", 0);
		tcard_send(c, T0 + i * 1000u, &P);
		while (tr_next(&r, R))
			;
	}
	assert_int_equal(ndr_card_flush(c), 0);
	struct ndr_heartbeat_rec hb;
	memset(&hb, 0, sizeof(hb));
	int t;
	while ((t = tr_next(&r, R)) != 0) {
		if (t == NDR_REC_HEARTBEAT)
			memcpy(&hb, R, sizeof(hb));
	}
	struct ndr_card_stats st;
	struct ndr_cycles cy;
	ndr_card_get_stats(c, &st);
	ndr_card_cycles(c, &cy);
	assert_int_equal(st.frames, frames);
	assert_true(st.rx_overrun > 0u);
	assert_int_equal(cy.rx_overrun, st.rx_overrun);
	/* in-band too: the final heartbeat */
	assert_int_equal(hb.hdr.type, NDR_REC_HEARTBEAT);
	assert_int_equal(hb.packets, frames);
	assert_int_equal(hb.rx_overrun, st.rx_overrun);
	assert_int_equal(hb.flows_created, st.flows_created);
	assert_int_equal(hb.records_link_dropped, st.records_link_dropped);
	assert_int_equal(st.flows_created + st.rx_overrun, frames);
	assert_int_equal(st.parse_errors, 0);
	assert_int_equal(st.dns_messages, 0);
	assert_true(cy.st[NDR_OBS_FLOW].in_full > 0u);
	assert_true(cy.st[NDR_OBS_WRITER].in_full > 0u);
	assert_true(cy.st[NDR_OBS_RX].held > 0u);
	char v[512], want[512];
	verdict(&cy, v, sizeof(v));
	int w = snprintf(want, sizeof(want), "overall: line-rate=no limited-by=writer (%llu frames "
			 "lost at rx: the input was held)", (unsigned long long)st.rx_overrun);
	if (st.records_link_dropped)
		snprintf(want + w, sizeof(want) - (size_t)w, "; also writer (%llu records dropped: "
			 "more than a slot a clock or the host link's 1 MB/s)",
			 (unsigned long long)st.records_link_dropped);
	assert_string_equal(v, want);
	ndr_card_free(c);
	tr_free(&r);
}

/* ---- the report ---- */

/* A burst at line rate after a pause: 20000 one-beat frames of distinct
 * flows into a 2^16-bucket table swept each second, 99 ms of quiet, then
 * 20000 more back to back. The quiet link's ticks make the scanner's
 * visits as they fall due, so the first frame after the pause finds at
 * most NDR_TICK_NS / scan_ns visits ahead of it and the burst is taken
 * whole. (With 100 ms ticks it found 6500 and rx lost 2853 frames.) */
static void test_burst_after_pause(void **state)
{
	(void)state;
	struct tring r;
	struct ndr_card_cfg cfg;
	ndr_card_cfg_defaults(&cfg);
	cfg.clocked = true;
	cfg.log2_buckets = 16;
	struct ndr_card *c = card_new(&r, 20, &cfg);
	const uint32_t frames = 40000;
	for (uint32_t i = 0; i < frames; i++) {
		char src[32];
		snprintf(src, sizeof(src), "10.%u.%u.%u", 20u + (i >> 16), (i >> 8) & 255u, i & 255u);
		pg_udp4(&P, src, 5000, "10.0.0.9", 9999, "", 0);
		/* 64-byte frames at 148.8 Mpps: 6.72 ns apart */
		uint64_t ts = T0 + (uint64_t)i * 672u / 100u + (i >= frames / 2 ? 99 * MSEC : 0u);
		tcard_send(c, ts, &P);
		while (tr_next(&r, R))
			;
	}
	assert_int_equal(ndr_card_flush(c), 0);
	while (tr_next(&r, R))
		;
	struct ndr_card_stats st;
	struct ndr_cycles cy;
	ndr_card_get_stats(c, &st);
	ndr_card_cycles(c, &cy);
	assert_int_equal(st.frames, frames);
	assert_int_equal(st.rx_overrun, 0);
	assert_int_equal(st.flows_created, frames);
	/* the pause's ticks did happen, most without clocks of their own */
	assert_true(cy.ticks >= 99 * MSEC / NDR_TICK_NS - 1u);
	assert_true(cy.quiet_ticks > 0u);
	assert_true(ndr_cycles_line_rate(&cy));
	ndr_card_free(c);
	tr_free(&r);
}

/* Line pace squeezes a capture's quiet time out, but card time still
 * passes: a 40 s gap owes the card four million ticks. They change nothing
 * but time while the flows wait for their idle timeout, so the card takes
 * them once what is in flight is done, not one a clock (that made a test of
 * a few thousand frames run 4 CPU minutes). The records are the
 * whole-frame card's either way (test_card_paths). */
static void test_line_pace_gap_takes_few_clocks(void **state)
{
	(void)state;
	struct tring r;
	struct ndr_card_cfg cfg;
	ndr_card_cfg_defaults(&cfg);
	cfg.clocked = true;
	cfg.pace_line = true;
	cfg.heartbeat_ms = 0;
	struct ndr_card *c = card_new(&r, 16, &cfg);
	for (uint32_t i = 0; i < 200; i++) {
		char src[32];
		snprintf(src, sizeof(src), "10.1.%u.%u", i >> 8, i & 255u);
		pg_udp4(&P, src, 5000, "10.0.0.9", 9999, "", 0);
		/* 100 frames, 40 s of nothing, 100 more */
		tcard_send(c, T0 + (uint64_t)i * 1000u + (i >= 100 ? 40000 * MSEC : 0u), &P);
		while (tr_next(&r, R))
			;
	}
	assert_int_equal(ndr_card_flush(c), 0);
	while (tr_next(&r, R))
		;
	struct ndr_card_stats st;
	struct ndr_cycles cy;
	ndr_card_get_stats(c, &st);
	ndr_card_cycles(c, &cy);
	assert_int_equal(st.frames, 200);
	assert_int_equal(st.rx_overrun, 0);
	assert_true(cy.ticks >= 40000 * MSEC / NDR_TICK_NS - 1u);
	/* the table's sweep visits and the idle expiries of 100 flows need
	 * clocks; four million ticks one a clock would be over 4e6 */
	assert_true(cy.clocks_run < 100000u);
	ndr_card_free(c);
	tr_free(&r);
}

/* 65-byte frames are two beats each: at line rate each beat takes one
 * clock of rx and the parser, and the wire brings a frame every
 * (65 + 24) * 8 bits. Nothing is held, the verdict says so. */
static void test_report_line_rate(void **state)
{
	(void)state;
	struct tring r;
	struct ndr_card_cfg cfg;
	ndr_card_cfg_defaults(&cfg);
	cfg.clocked = true;
	cfg.pace_line = true;
	cfg.heartbeat_ms = 0;
	struct ndr_card *c = card_new(&r, 16, &cfg);
	uint8_t payload[23] = {0};
	for (uint32_t i = 0; i < 1000u; i++) {
		pg_udp4(&P, "10.3.0.1", (uint16_t)(1000 + i), "10.4.0.1", 9, payload, sizeof(payload));
		assert_int_equal(P.len, 65);
		tcard_send(c, T0 + i, &P);
		while (tr_next(&r, R))
			;
	}
	assert_int_equal(ndr_card_flush(c), 0);
	struct ndr_cycles cy;
	ndr_card_cycles(c, &cy);
	assert_true(cy.clocked);
	assert_int_equal(cy.frames, 1000);
	assert_int_equal(cy.beats, 2000);
	assert_int_equal(cy.st[NDR_OBS_RX].items, 2000);
	assert_int_equal(cy.st[NDR_OBS_RX].held, 0);
	assert_int_equal(cy.ticks, 0);
	assert_int_equal(cy.st[NDR_OBS_PARSER].items, 2000 + 1);   /* and the flush */
	assert_int_equal(cy.st[NDR_OBS_PARSER].held, 0);
	/* the last frame starts 999 * 712 bits after the first, at 10240/33
	 * bits a clock; its first beat comes at the next clock edge, its
	 * second one after it: the input spans those clocks */
	uint64_t wire = (999ull * 712u * 33u + 10239u) / 10240u + 2u;
	if (cy.input_clocks != wire)
		fail_msg("input %llu clocks, the wire takes %llu", (unsigned long long)cy.input_clocks,
			 (unsigned long long)wire);
	assert_int_equal(cy.flow_created, 1000);
	assert_true(ndr_cycles_line_rate(&cy));
	char v[512];
	verdict(&cy, v, sizeof(v));
	assert_string_equal(v, "overall: line-rate=yes limited-by=none");
	/* a whole-frame card has no clocks to report */
	struct ndr_card_cfg fc;
	ndr_card_cfg_defaults(&fc);
	struct tring r2;
	struct ndr_card *f = card_new(&r2, 10, &fc);
	ndr_card_cycles(f, &cy);
	assert_false(cy.clocked);
	assert_false(ndr_cycles_line_rate(&cy));
	ndr_card_free(f);
	tr_free(&r2);
	ndr_card_free(c);
	tr_free(&r);
}

/* A host link of 1 MB/s: one-packet flows whose records the link cannot
 * take are dropped on the record path and counted per kind, and the
 * verdict blames the writer (the input itself is never held: packets do
 * not wait for the link). */
static void test_report_link_limited(void **state)
{
	(void)state;
	struct tring r;
	struct ndr_card_cfg cfg;
	ndr_card_cfg_defaults(&cfg);
	cfg.clocked = true;
	cfg.pace_line = true;
	cfg.link_mbps = 1;
	cfg.log2_buckets = 4;                    /* evictions: a record a packet */
	struct ndr_card *c = card_new(&r, 16, &cfg);
	for (uint32_t i = 0; i < 3000u; i++) {
		pg_udp4(&P, "10.3.0.1", (uint16_t)(1000 + i), "10.4.0.1", 9, "", 0);
		tcard_send(c, T0 + i, &P);
	}
	assert_int_equal(ndr_card_flush(c), 0);
	struct ndr_heartbeat_rec hb;
	memset(&hb, 0, sizeof(hb));
	int t;
	while ((t = tr_next(&r, R)) != 0) {
		if (t == NDR_REC_HEARTBEAT)
			memcpy(&hb, R, sizeof(hb));
	}
	struct ndr_card_stats st;
	struct ndr_cycles cy;
	ndr_card_get_stats(c, &st);
	ndr_card_cycles(c, &cy);
	assert_true(st.flow_link_dropped > 0u);
	assert_int_equal(st.records_link_dropped, st.flow_link_dropped + st.dns_link_dropped +
						  st.tls_link_dropped);
	assert_int_equal(cy.link_dropped, st.records_link_dropped);
	assert_int_equal(hb.hdr.type, NDR_REC_HEARTBEAT);        /* in-band too */
	assert_int_equal(hb.records_link_dropped, st.records_link_dropped);
	assert_int_equal(st.rx_overrun, 0);
	assert_true(cy.link_waits > 0u);
	/* every flow is a record or a counted drop */
	assert_int_equal(st.records_by_type[NDR_REC_FLOW] + st.records_by_type[NDR_REC_FLOW_SHORT] +
			 st.flow_link_dropped, 3000);
	char v[512], want[512];
	verdict(&cy, v, sizeof(v));
	snprintf(want, sizeof(want), "overall: line-rate=no limited-by=writer (%llu records dropped: "
		 "more than a slot a clock or the host link's 1 MB/s)", (unsigned long long)st.records_link_dropped);
	assert_string_equal(v, want);
	ndr_card_free(c);
	tr_free(&r);
}

/* Nobody drains the ring: records are lost for lack of room, and the
 * verdict blames the host. */
static void test_report_ring_full(void **state)
{
	(void)state;
	struct tring r;
	struct ndr_card_cfg cfg;
	ndr_card_cfg_defaults(&cfg);
	cfg.clocked = true;
	struct ndr_card *c = card_new(&r, NDR_RING_MIN_LOG2, &cfg);
	for (uint32_t i = 0; i < 200u; i++) {
		pg_udp4(&P, "10.3.0.1", (uint16_t)(1000 + i), "10.4.0.1", 9, "", 0);
		tcard_send(c, T0 + i * 1000u, &P);
	}
	assert_int_equal(ndr_card_flush(c), 0);
	struct ndr_card_stats st;
	struct ndr_cycles cy;
	ndr_card_get_stats(c, &st);
	ndr_card_cycles(c, &cy);
	assert_true(st.records_dropped > 0u);
	assert_int_equal(cy.ring_dropped, st.records_dropped);
	char v[512], want[512];
	verdict(&cy, v, sizeof(v));
	snprintf(want, sizeof(want), "overall: line-rate=no limited-by=host (%llu records dropped: "
		 "the ring was full)", (unsigned long long)st.records_dropped);
	assert_string_equal(v, want);
	ndr_card_free(c);
	tr_free(&r);
}

/* ---- lossless on the smallest ring ---- */

/* A flush of a full table writes a record every clock, so the writer is
 * never idle: a lossless card on a 64-slot ring, drained at every
 * NDR_CARD_BUSY, must still get every record out. A BUSY that draining
 * cannot answer (prod never moves) is a card stuck for good. */
static void test_lossless_small_ring_flush(void **state)
{
	(void)state;
	for (int clocked = 0; clocked < 2; clocked++) {
		struct tring r;
		struct ndr_card_cfg cfg;
		ndr_card_cfg_defaults(&cfg);
		cfg.clocked = clocked;
		cfg.lossless = true;
		cfg.log2_buckets = 4;
		cfg.heartbeat_ms = 0;
		struct ndr_card *c = card_new(&r, NDR_RING_MIN_LOG2, &cfg);
		uint32_t flows = 0, stuck = 0;
		for (uint32_t i = 0; i < 200; i++) {
			pg_init(&P);
			pg_eth(&P, 0x86dd);             /* IPv6: full 3-slot records */
			pg_ipv6(&P, "2001:db8::1", "2001:db8::2", 17, 64);
			pg_udp(&P, (uint16_t)(1000 + i), 9);
			pg_fill(&P, 0, 10);
			pg_finish(&P);
			while (ndr_card_frame(c, T0 + i * 100u, P.b, P.len, P.len) == NDR_CARD_BUSY) {
				int t;
				while ((t = tr_next(&r, R)) != 0)
					flows += t == NDR_REC_FLOW;
			}
		}
		int rc;
		while ((rc = ndr_card_flush(c)) == NDR_CARD_BUSY) {
			uint32_t prod = __atomic_load_n(&r.ctrl.prod, __ATOMIC_ACQUIRE);
			if (prod == r.ctrl.cons && ++stuck > 1000u)
			{
				struct ndr_card_stats s;
				ndr_card_get_stats(c, &s);
				fail_msg("%s card: NDR_CARD_BUSY for good in the flush of a 64-slot ring "
					 "(prod %u published, %llu slots written)",
					 clocked ? "clocked" : "whole-frame", prod,
					 (unsigned long long)s.slots_written);
			}
			int t;
			while ((t = tr_next(&r, R)) != 0)
				flows += t == NDR_REC_FLOW;
		}
		assert_int_equal(rc, 0);
		int t;
		while ((t = tr_next(&r, R)) != 0)
			flows += t == NDR_REC_FLOW;
		struct ndr_card_stats st;
		ndr_card_get_stats(c, &st);
		assert_int_equal(st.records_dropped, 0);
		assert_int_equal(flows, 200);           /* evicted and flushed, all of them */
		assert_int_equal(r.seq_gaps, 0);
		ndr_card_free(c);
		tr_free(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forwarding_covers_latency),
		cmocka_unit_test(test_full_bucket_evicts),
		cmocka_unit_test(test_scanner_expires_on_quiet_link),
		cmocka_unit_test(test_dns_engines_drop_and_count),
		cmocka_unit_test(test_rx_overrun_consumer_stopped),
		cmocka_unit_test(test_rx_overrun_flow_behind),
		cmocka_unit_test(test_burst_after_pause),
		cmocka_unit_test(test_line_pace_gap_takes_few_clocks),
		cmocka_unit_test(test_report_line_rate),
		cmocka_unit_test(test_report_link_limited),
		cmocka_unit_test(test_report_ring_full),
		cmocka_unit_test(test_lossless_small_ring_flush),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
