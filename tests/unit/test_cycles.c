/*
 * Line-rate structure of the kernels: the flow table's forwarding windows
 * and full-bucket behaviour (hw/src/flow_table.c), the DNS walk stage's FIFO
 * (hw/src/dns_stage.c), and the cycle accounting the card reports
 * (sim/src/cycles.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "ndr_cycles.h"
#include "ndr_hw.h"
#include "test_hw_util.h"

#define LOG2_BUCKETS 4u
#define BUCKETS (1u << LOG2_BUCKETS)
#define RING_LOG2 10u

static struct pg P;
static uint8_t R[NDR_REC_MAX_SLOTS * NDR_SLOT_BYTES];
#define FLOW ((const struct ndr_flow_rec *)R)

/* A flow table driven directly, with its own memories and ring. */
struct rig {
	struct ndr_flow_bucket buckets[BUCKETS];
	uint64_t deadline[BUCKETS];
	struct ndr_flow_entry entries[BUCKETS * NDR_FLOW_WAYS];
	struct ndr_flow_table ft;
	struct tring ring;
	struct ndr_rw rw;
};

static struct rig *rig_new(void)
{
	struct rig *g = calloc(1, sizeof(*g));
	assert_non_null(g);
	struct ndr_flow_mem mem = { g->buckets, g->deadline, g->entries };
	ndr_flow_init(&g->ft, &mem, LOG2_BUCKETS, 0x6e647221u, 30000, 120000, 1000);
	tr_init(&g->ring, RING_LOG2);
	ndr_rw_init(&g->rw, g->ring.slots, &g->ring.ctrl, RING_LOG2);
	return g;
}

static void rig_free(struct rig *g)
{
	tr_free(&g->ring);
	free(g);
}

/* One UDP packet 10.9.0.1:sport -> 10.9.9.9:7 at t through hash + lookup. */
static uint32_t rig_packet(struct rig *g, uint16_t sport, uint64_t t)
{
	struct ndr_pkt_meta m;
	pg_udp4(&P, "10.9.0.1", sport, "10.9.9.9", 7, "", 0);
	ndr_parse_headers(P.b, P.len, &m);
	assert_int_equal(m.kind, NDR_PKT_IP);
	ndr_flow_hash(&g->ft, &m);
	uint32_t bucket = g->ft.hash & g->ft.mask;
	ndr_flow_packet(&g->ft, &m, t, &g->rw);
	ndr_rw_publish(&g->rw);
	return bucket;
}

static uint16_t port_for_bucket(uint32_t bucket, uint16_t from)
{
	for (uint32_t port = from; port < 65535u; port++) {
		struct ndr_pkt_meta m;
		uint8_t key[NDR_FLOW_KEY_LEN];
		pg_udp4(&P, "10.9.0.1", (uint16_t)port, "10.9.9.9", 7, "", 0);
		ndr_parse_headers(P.b, P.len, &m);
		ndr_flow_key(&m, key);
		if ((ndr_murmur3_32(key, NDR_FLOW_KEY_LEN, 0x6e647221u) & (BUCKETS - 1u)) == bucket)
			return (uint16_t)port;
	}
	fail_msg("no port for bucket %u", bucket);
	return 0;
}

/* The memory behind the window really is stale: back-to-back packets of
 * one flow are counted right only because reads are forwarded. */
static void test_forwarding_window(void **state)
{
	(void)state;
	struct rig *g = rig_new();
	uint32_t b = rig_packet(g, 4000, 10 * SEC);
	/* the write is still in flight: memory shows a free bucket */
	assert_int_equal(g->buckets[b].state[0], 0);
	assert_int_equal(g->deadline[b], 0);
	uint64_t hits = g->ft.fwd_hits;
	rig_packet(g, 4000, 10 * SEC + 1000);
	assert_true(g->ft.fwd_hits > hits);
	assert_int_equal(g->ft.active, 1);
	assert_int_equal(g->ft.created, 1);

	/* NDR_FLOW_LINE_FWD later writes push the line out to memory */
	uint16_t port = 5000;
	for (uint32_t i = 0; i < NDR_FLOW_LINE_FWD + 1u; i++) {
		port = port_for_bucket((b + 1u + i % 2u) % BUCKETS, port);
		rig_packet(g, port, 11 * SEC);
		port++;
	}
	assert_int_equal(g->buckets[b].state[0], NDR_FLOW_S_VALID);
	assert_int_equal(g->deadline[b], 10 * SEC + 1000 + 30 * SEC);

	ndr_flow_flush(&g->ft, 12 * SEC, &g->rw);
	ndr_rw_publish(&g->rw);
	int seen = 0;
	while (tr_next_type(&g->ring, R, NDR_REC_FLOW)) {
		if (FLOW->src_port != 4000)
			continue;
		assert_int_equal(FLOW->pkts_fwd, 2);
		assert_int_equal(FLOW->iat_sum_us, 1);
		seen++;
	}
	assert_int_equal(seen, 1);
	assert_int_equal(g->ft.active, 0);
	rig_free(g);
}

/* A full bucket: the least recently seen way is evicted with a record, and
 * the collision and eviction counters say so. */
static void test_full_bucket(void **state)
{
	(void)state;
	struct rig *g = rig_new();
	uint16_t ports[6];
	uint16_t from = 1024;
	for (int i = 0; i < 6; i++) {
		ports[i] = port_for_bucket(5, from);
		from = (uint16_t)(ports[i] + 1);
	}
	for (int i = 0; i < 4; i++)
		rig_packet(g, ports[i], (uint64_t)(10 + i) * SEC);
	assert_int_equal(g->ft.collisions, 3);
	assert_int_equal(g->ft.evicted, 0);
	rig_packet(g, ports[0], 20 * SEC);      /* way 0 is now the newest */
	rig_packet(g, ports[4], 21 * SEC);      /* evicts ports[1] (11 s) */
	rig_packet(g, ports[5], 22 * SEC);      /* evicts ports[2] (12 s) */
	assert_int_equal(g->ft.evicted, 2);
	assert_int_equal(g->ft.collisions, 5);
	assert_int_equal(g->ft.active, 4);
	assert_int_equal(g->ft.created, 6);
	assert_int_equal(tr_next_type(&g->ring, R, NDR_REC_FLOW), NDR_REC_FLOW);
	assert_int_equal(FLOW->end_reason, NDR_FLOW_END_EVICT);
	assert_int_equal(FLOW->src_port, ports[1]);
	assert_int_equal(FLOW->hdr.ts_ns, 21 * SEC);
	assert_int_equal(tr_next_type(&g->ring, R, NDR_REC_FLOW), NDR_REC_FLOW);
	assert_int_equal(FLOW->src_port, ports[2]);
	assert_int_equal(tr_next_type(&g->ring, R, NDR_REC_FLOW), 0);
	rig_free(g);
}

static struct ndr_card *cycles_card(struct tring *r)
{
	struct ndr_card_cfg cfg;
	ndr_card_cfg_defaults(&cfg);
	cfg.log2_buckets = 8;
	cfg.heartbeat_ms = 0;
	struct ndr_card *c = tcard_new(r, 16, &cfg);
	assert_non_null(c);
	return c;
}

static void drain_ring(struct tring *r)
{
	while (tr_next(r, R))
		;
}

/* 65-byte frames are two beats each: one clock per beat, nothing held. */
static void test_cycles_two_beat_frames(void **state)
{
	(void)state;
	struct tring r;
	struct ndr_card *c = cycles_card(&r);
	uint8_t payload[23] = {0};
	for (uint32_t i = 0; i < 1000u; i++) {
		pg_udp4(&P, "10.3.0.1", (uint16_t)(1000 + i), "10.4.0.1", 9, payload, sizeof(payload));
		assert_int_equal(P.len, 65);
		tcard_send(c, SEC + i, &P);
		drain_ring(&r);
	}
	ndr_card_flush(c);
	struct ndr_cycles cy;
	ndr_card_cycles(c, &cy);
	assert_int_equal(cy.beats, 2000);
	assert_int_equal(cy.clock, 2000);
	assert_int_equal(cy.stalls, 0);
	assert_int_equal(cy.flow_packets, 1000);
	assert_int_equal(cy.flow_cycles, 1000);
	assert_true(ndr_cycles_line_rate(&cy));

	char buf[4096] = {0};
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
	assert_non_null(f);
	ndr_cycles_report(f, &cy);
	fclose(f);
	assert_non_null(strstr(buf, "\noverall: cycles/beat=1.00 stalls=0 line-rate=yes\n"));
	assert_non_null(strstr(buf, "parser"));
	ndr_card_free(c);
	tr_free(&r);
}

/* After a quiet spell every scanned bucket holds four expired flows: each
 * packet then needs six clocks of the flow stage, and one-beat packets back
 * to back overrun its queue. The accounting must say so. */
static void test_cycles_scanner_burst_stalls(void **state)
{
	(void)state;
	struct tring r;
	struct ndr_card *c = cycles_card(&r);
	/* fill the table: 256 buckets x 4 ways, a packet every 1 us */
	for (uint32_t i = 0; i < 20000u; i++) {
		char src[32];
		snprintf(src, sizeof(src), "10.5.%u.%u", (i >> 8) & 255u, i & 255u);
		pg_udp4(&P, src, (uint16_t)(2000 + i), "10.6.0.1", 9, "", 0);
		tcard_send(c, SEC + (uint64_t)i * 1000u, &P);
		drain_ring(&r);
	}
	struct ndr_cycles before;
	ndr_card_cycles(c, &before);
	assert_int_equal(before.stalls, 0);
	/* 40 s later, one flow back to back: the scanner expires 4 per packet */
	for (uint32_t i = 0; i < 64u; i++) {
		pg_udp4(&P, "10.7.0.1", 3000, "10.6.0.1", 9, "", 0);
		tcard_send(c, 41 * SEC + i, &P);
		drain_ring(&r);
	}
	ndr_card_flush(c);
	drain_ring(&r);
	struct ndr_cycles cy;
	ndr_card_cycles(c, &cy);
	assert_true(cy.flow_scan_expired > before.flow_scan_expired + 200u);
	assert_true(cy.stalls > 0u);
	assert_int_equal(cy.clock, cy.beats + cy.stalls);
	assert_false(ndr_cycles_line_rate(&cy));
	ndr_card_free(c);
	tr_free(&r);
}

/* One-beat DNS messages whose QNAME walk takes ~140 clocks: more than the
 * engines can take at one per clock. The FIFO fills, later messages are
 * dropped and counted, and nothing else breaks. */
static void test_dns_fifo_full_drops(void **state)
{
	(void)state;
	static const uint8_t msg[14] = {
		1, 'x', 1, 'x', 1, 'x', 1, 'x', 1, 'x', 1, 'x', 0xc0, 0x00,
	};
	struct tring r;
	struct ndr_card *c = cycles_card(&r);
	const uint32_t n = 2000;
	for (uint32_t i = 0; i < n; i++) {
		pg_udp4(&P, "10.8.0.1", (uint16_t)(1024 + i), "10.8.0.53", 53, msg, sizeof(msg));
		tcard_send(c, SEC + i, &P);
		drain_ring(&r);
	}
	ndr_card_flush(c);
	struct ndr_cycles cy;
	ndr_card_cycles(c, &cy);
	assert_int_equal(cy.dns_messages, n);
	assert_true(cy.dns_fifo_drops > 0u);
	assert_int_equal(cy.dns_walked + cy.dns_fifo_drops, n);
	assert_int_equal(cy.dns_fifo_max, NDR_DNS_FIFO_DEPTH);
	assert_int_equal(cy.stalls, 0);             /* the beats never wait */
	assert_false(ndr_cycles_line_rate(&cy));
	/* every walked message made a record, PTR_LOOP flagged */
	tr_free(&r);
	ndr_card_free(c);

	c = cycles_card(&r);
	uint32_t records = 0;
	for (uint32_t i = 0; i < 200u; i++) {
		pg_udp4(&P, "10.8.0.1", (uint16_t)(1024 + i), "10.8.0.53", 53, msg, sizeof(msg));
		tcard_send(c, SEC + i, &P);
		while (tr_next_type(&r, R, NDR_REC_DNS)) {
			const struct ndr_dns_rec *d = (const struct ndr_dns_rec *)R;
			assert_true(d->parse_flags & NDR_DNS_P_PTR_LOOP);
			records++;
		}
	}
	ndr_card_flush(c);
	while (tr_next_type(&r, R, NDR_REC_DNS))
		records++;
	ndr_card_cycles(c, &cy);
	assert_int_equal(records, cy.dns_walked);
	ndr_card_free(c);
	tr_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forwarding_window),
		cmocka_unit_test(test_full_bucket),
		cmocka_unit_test(test_cycles_two_beat_frames),
		cmocka_unit_test(test_cycles_scanner_burst_stalls),
		cmocka_unit_test(test_dns_fifo_full_drops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
