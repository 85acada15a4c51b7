/* Flow hash and flow table through the emulated card (hw/src/flow_*.c),
 * whole-frame and clocked: every card test runs on both. Records are read
 * as the host reads them, compact ones expanded (ndr_rec_expand). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ndr_hw.h"
#include "ndr_record.h"
#include "test_hw_util.h"

static struct pg P;
static uint8_t R[NDR_REC_MAX_SLOTS * NDR_SLOT_BYTES];
static union ndr_rec_full FULL;
#define FLOW (&FULL.flow)
static bool clocked;            /* the card kind of this run of the tests */

/* 16 buckets: the scanner visits one every 62.5 ms of card time. */
static struct ndr_card_cfg small_cfg(void)
{
	struct ndr_card_cfg cfg;
	ndr_card_cfg_defaults(&cfg);
	cfg.log2_buckets = 4;
	cfg.heartbeat_ms = 0;
	cfg.clocked = clocked;
	return cfg;
}

#define SCAN_NS (62500ull * 1000u)

/* The next flow record, full or compact, in its full form (FLOW); 0 when
 * none is left. */
static int next_flow(struct tring *r)
{
	int t;
	while ((t = tr_next(r, R)) != 0) {
		if (t != NDR_REC_FLOW && t != NDR_REC_FLOW_SHORT)
			continue;
		const struct ndr_rec_hdr *h = ndr_rec_expand((const struct ndr_rec_hdr *)R, &FULL);
		if (h != &FULL.hdr)
			memcpy(&FULL, h, (size_t)h->slots * NDR_SLOT_BYTES);
		assert_int_equal(FULL.flow.hdr.type, NDR_REC_FLOW);
		return NDR_REC_FLOW;
	}
	return 0;
}

/* The time of the scanner's first visit of bucket b at or after
 * `deadline`, card time having started at `first`: visit k is at
 * first + k * SCAN_NS, on bucket (k - 1) mod 16. */
static uint64_t visit_at(uint64_t first, uint32_t b, uint64_t deadline)
{
	uint64_t k = b + 1u;
	while (first + k * SCAN_NS < deadline)
		k += 16u;
	return first + k * SCAN_NS;
}

static void test_murmur_vectors(void **state)
{
	(void)state;
	assert_int_equal(ndr_murmur3_32((const uint8_t *)"", 0, 0), 0);
	assert_int_equal(ndr_murmur3_32((const uint8_t *)"", 0, 1), 0x514e28b7u);
	assert_int_equal(ndr_murmur3_32((const uint8_t *)"", 0, 0xffffffffu), 0x81f16f39u);
	assert_int_equal(ndr_murmur3_32((const uint8_t *)"\0\0\0\0", 4, 0), 0x2362f9deu);
	assert_int_equal(ndr_murmur3_32((const uint8_t *)"aaaa", 4, 0x9747b28cu), 0x5a97808au);
	assert_int_equal(ndr_murmur3_32((const uint8_t *)"Hello, world!", 13, 0x9747b28cu),
			 0x24884cbau);
	const char *fox = "The quick brown fox jumps over the lazy dog";
	assert_int_equal(ndr_murmur3_32((const uint8_t *)fox, 43, 0x9747b28cu), 0x2fa826cdu);
	/* the two-seed pass gives each seed's hash, at every tail length */
	for (uint32_t len = 0; len <= 43u; len++) {
		uint32_t a, b;
		ndr_murmur3_32x2((const uint8_t *)fox, len, 0x9747b28cu, 7u, &a, &b);
		assert_int_equal(a, ndr_murmur3_32((const uint8_t *)fox, len, 0x9747b28cu));
		assert_int_equal(b, ndr_murmur3_32((const uint8_t *)fox, len, 7u));
	}
	uint32_t a, b;
	ndr_murmur3_32x2((const uint8_t *)fox, 43, 0x9747b28cu, 0x9747b28cu, &a, &b);
	assert_int_equal(a, 0x2fa826cdu);
	assert_int_equal(b, 0x2fa826cdu);
}

static void test_hash_symmetry(void **state)
{
	(void)state;
	struct ndr_pkt_meta a = {0}, b = {0};
	uint8_t ka[NDR_FLOW_KEY_LEN], kb[NDR_FLOW_KEY_LEN];
	a.proto = b.proto = 6;
	a.src_addr[15] = 9; a.dst_addr[15] = 3;
	a.src_port = 1000; a.dst_port = 80;
	b.src_addr[15] = 3; b.dst_addr[15] = 9;
	b.src_port = 80; b.dst_port = 1000;
	a.vlan_outer = b.vlan_outer = 7;
	bool la = ndr_flow_key(&a, ka), lb = ndr_flow_key(&b, kb);
	assert_false(la);
	assert_true(lb);
	assert_memory_equal(ka, kb, NDR_FLOW_KEY_LEN);
	assert_int_equal(ka[15], 3);           /* lower address first */
	assert_int_equal(ka[32], 80 & 0xff);   /* lower endpoint's port, LE */
	assert_int_equal(ka[36], 6);
	assert_int_equal(ka[38], 7);
	uint32_t seed = 0x6e647221u;
	assert_int_equal(ndr_murmur3_32(ka, 44, seed), ndr_murmur3_32(kb, 44, seed));
	assert_int_not_equal(ndr_murmur3_32(ka, 44, seed), ndr_murmur3_32(ka, 44, seed + 1));
	/* same addresses: the port decides which end is lower */
	a.dst_addr[15] = 9;
	b.src_addr[15] = 9;
	la = ndr_flow_key(&a, ka);
	lb = ndr_flow_key(&b, kb);
	assert_memory_equal(ka, kb, NDR_FLOW_KEY_LEN);
	assert_true(la != lb);
}

static void tcp(struct ndr_card *c, uint64_t t, int from_client, uint8_t flags, uint32_t n)
{
	static const uint8_t data[1400];
	if (from_client)
		pg_tcp4(&P, "10.1.0.1", 40000, "10.2.0.2", 443, flags, data, n);
	else
		pg_tcp4(&P, "10.2.0.2", 443, "10.1.0.1", 40000, flags, data, n);
	tcard_send(c, t, &P);
}

static void udp_other(struct ndr_card *c, uint64_t t, uint16_t sport)
{
	pg_udp4(&P, "192.168.0.1", sport, "192.168.0.2", 9999, "x", 1);
	tcard_send(c, t, &P);
}

static void test_tcp_fin(void **state)
{
	(void)state;
	struct tring r;
	struct ndr_card_cfg cfg = small_cfg();
	struct ndr_card *c = tcard_new(&r, 8, &cfg);
	assert_non_null(c);
	uint64_t t0 = 1700000000ull * SEC;
	tcp(c, t0, 1, PG_TCP_SYN, 0);
	tcp(c, t0 + 1 * MSEC, 0, PG_TCP_SYN | PG_TCP_ACK, 0);
	tcp(c, t0 + 3 * MSEC, 1, PG_TCP_ACK, 0);
	tcp(c, t0 + 4 * MSEC, 1, PG_TCP_ACK | PG_TCP_PSH, 100);
	tcp(c, t0 + 10 * MSEC, 0, PG_TCP_ACK | PG_TCP_PSH, 1000);
	tcp(c, t0 + 11 * MSEC, 1, PG_TCP_FIN | PG_TCP_ACK, 0);
	tcp(c, t0 + 12 * MSEC, 0, PG_TCP_FIN | PG_TCP_ACK, 0);
	tcp(c, t0 + 13 * MSEC, 1, PG_TCP_ACK, 0);
	/* closed, but the close timeout (1 s) has not passed: nothing yet,
	 * although the scanner has visited every bucket since */
	assert_int_equal(ndr_card_tick(c, t0 + 1012 * MSEC), 0);
	assert_int_equal(next_flow(&r), 0);
	/* on the quiet link, the ticks bring the scanner to the bucket: the
	 * record carries that visit's time */
	assert_int_equal(ndr_card_tick(c, t0 + 2100 * MSEC), 0);
	assert_int_equal(next_flow(&r), NDR_REC_FLOW);
	const struct ndr_flow_rec *f = FLOW;
	uint64_t t1 = visit_at(t0, f->flow_hash & 15u, t0 + 1013 * MSEC);
	assert_int_equal(f->hdr.slots, 3);
	assert_int_equal(f->hdr.version, NDR_ABI_VERSION);
	assert_int_equal(f->hdr.flags & NDR_REC_F_IPV6, 0);
	assert_int_equal(f->hdr.ts_ns, t1);
	assert_int_equal(f->end_reason, NDR_FLOW_END_FIN);
	assert_int_equal(f->ip_proto, 6);
	assert_int_equal(f->src_addr[15], 1);
	assert_int_equal(f->src_addr[10], 0xff);
	assert_int_equal(f->dst_addr[12], 10);
	assert_int_equal(f->dst_addr[13], 2);
	assert_int_equal(f->src_port, 40000);
	assert_int_equal(f->dst_port, 443);
	assert_int_equal(f->tcp_state, NDR_TCP_SYN | NDR_TCP_SYNACK | NDR_TCP_ESTABLISHED |
			 NDR_TCP_FIN_FWD | NDR_TCP_FIN_REV);
	assert_int_equal(f->tcp_flags_fwd, PG_TCP_SYN | PG_TCP_ACK | PG_TCP_PSH | PG_TCP_FIN);
	assert_int_equal(f->tcp_flags_rev, PG_TCP_SYN | PG_TCP_ACK | PG_TCP_PSH | PG_TCP_FIN);
	assert_int_equal(f->pkts_fwd, 5);
	assert_int_equal(f->pkts_rev, 3);
	assert_int_equal(f->bytes_fwd, 5 * 40 + 100);
	assert_int_equal(f->bytes_rev, 3 * 40 + 1000);
	assert_int_equal(f->payload_bytes_fwd, 100);
	assert_int_equal(f->payload_bytes_rev, 1000);
	assert_int_equal(f->first_ts_ns, t0);
	assert_int_equal(f->last_ts_ns, t0 + 13 * MSEC);
	/* iats (us): 1000 2000 1000 6000 1000 1000 1000 */
	assert_int_equal(f->iat_min_us, 1000);
	assert_int_equal(f->iat_max_us, 6000);
	assert_int_equal(f->iat_sum_us, 13000);
	assert_int_equal(f->iat_sumsq_us, 1000000ull * (1 + 4 + 1 + 36 + 1 + 1 + 1));
	/* F R F F R F R F */
	assert_int_equal(f->dir_changes, 6);
	assert_int_equal(f->hist_fwd[0], 4);
	assert_int_equal(f->hist_fwd[1], 0);
	assert_int_equal(f->hist_fwd[2], 1);   /* 140 bytes */
	assert_int_equal(f->hist_rev[0], 2);
	assert_int_equal(f->hist_rev[6], 1);   /* 1040 bytes: <= 1500 */
	assert_int_equal(f->frag_seen, 0);
	pg_tcp4(&P, "10.1.0.1", 40000, "10.2.0.2", 443, 0, "", 0);
	uint8_t key[44];
	struct ndr_pkt_meta m;
	ndr_parse_headers(P.b, P.len, &m);
	ndr_flow_key(&m, key);
	assert_int_equal(f->flow_hash, ndr_murmur3_32(key, 44, cfg.hash_seed));
	assert_int_equal(next_flow(&r), 0);
	assert_int_equal(r.bad_phase, 0);
	ndr_card_free(c);
	tr_free(&r);
}

static void test_tcp_rst_and_midstream(void **state)
{
	(void)state;
	struct tring r;
	struct ndr_card_cfg cfg = small_cfg();
	struct ndr_card *c = tcard_new(&r, 8, &cfg);
	uint64_t t0 = 5 * SEC;
	tcp(c, t0, 1, PG_TCP_SYN, 0);
	tcp(c, t0 + 1 * MSEC, 0, PG_TCP_RST | PG_TCP_ACK, 0);
	/* the same flow's next packet after the close timeout (1 s), before
	 * the scanner's next visit of any bucket (t0 + 1062.5 ms): the packet
	 * cuts the old one (RST) and starts a new one mid-stream */
	tcp(c, t0 + 1002 * MSEC, 1, PG_TCP_ACK, 10);
	assert_int_equal(ndr_card_tick(c, t0 + 1002 * MSEC), 0);
	assert_int_equal(next_flow(&r), NDR_REC_FLOW);
	assert_int_equal(FLOW->end_reason, NDR_FLOW_END_RST);
	assert_int_equal(FLOW->tcp_state, NDR_TCP_SYN | NDR_TCP_RST_REV);
	assert_int_equal(FLOW->hdr.ts_ns, t0 + 1002 * MSEC);
	assert_int_equal(FLOW->pkts_fwd + FLOW->pkts_rev, 2);
	assert_int_equal(FLOW->last_ts_ns, t0 + 1 * MSEC);
	assert_int_equal(ndr_card_flush(c), 0);
	assert_int_equal(next_flow(&r), NDR_REC_FLOW);
	assert_int_equal(FLOW->end_reason, NDR_FLOW_END_FLUSH);
	assert_int_equal(FLOW->tcp_state, NDR_TCP_MIDSTREAM);
	assert_int_equal(FLOW->pkts_fwd, 1);
	assert_int_equal(FLOW->iat_min_us, 0xffffffffu);
	assert_int_equal(FLOW->iat_max_us, 0);
	assert_int_equal(FLOW->hdr.ts_ns, t0 + 1002 * MSEC);      /* flush: card time */
	assert_int_equal(next_flow(&r), 0);
	struct ndr_card_stats st;
	ndr_card_get_stats(c, &st);
	assert_int_equal(st.flows_created, 2);
	assert_int_equal(st.flows_active, 0);
	ndr_card_free(c);
	tr_free(&r);
}

static void test_idle_timeout(void **state)
{
	(void)state;
	struct tring r;
	struct ndr_card_cfg cfg = small_cfg();
	cfg.idle_timeout_ms = 5000;
	struct ndr_card *c = tcard_new(&r, 8, &cfg);
	pg_udp4(&P, "10.0.0.1", 5000, "10.0.0.2", 6000, "abc", 3);
	tcard_send(c, 10 * SEC, &P);
	pg_udp4(&P, "10.0.0.2", 6000, "10.0.0.1", 5000, "abcdef", 6);
	tcard_send(c, 11 * SEC, &P);
	/* a quiet link: idle for just under 5 s, every bucket visited: kept */
	assert_int_equal(ndr_card_tick(c, 16 * SEC - 1), 0);
	assert_int_equal(next_flow(&r), 0);
	/* cut at the first visit of its bucket from 16 s on */
	assert_int_equal(ndr_card_tick(c, 17100 * MSEC), 0);
	assert_int_equal(next_flow(&r), NDR_REC_FLOW);
	assert_int_equal(FLOW->end_reason, NDR_FLOW_END_IDLE);
	assert_int_equal(FLOW->hdr.ts_ns, visit_at(10 * SEC, FLOW->flow_hash & 15u, 16 * SEC));
	assert_int_equal(FLOW->ip_proto, 17);
	assert_int_equal(FLOW->src_port, 5000);
	assert_int_equal(FLOW->pkts_fwd, 1);
	assert_int_equal(FLOW->pkts_rev, 1);
	assert_int_equal(FLOW->payload_bytes_rev, 6);
	assert_int_equal(FLOW->iat_min_us, 1000000);
	assert_int_equal(FLOW->dir_changes, 1);
	assert_int_equal(FLOW->tcp_state, 0);
	assert_int_equal(next_flow(&r), 0);
	/* and a packet of another flow, later, cuts nothing more */
	udp_other(c, 20 * SEC, 1);
	assert_int_equal(ndr_card_tick(c, 20 * SEC), 0);
	assert_int_equal(next_flow(&r), 0);
	ndr_card_free(c);
	tr_free(&r);
}

static void test_active_timeout(void **state)
{
	(void)state;
	struct tring r;
	struct ndr_card_cfg cfg = small_cfg();
	cfg.active_timeout_ms = 3000;
	struct ndr_card *c = tcard_new(&r, 8, &cfg);
	for (int i = 0; i <= 7; i++) {
		pg_udp4(&P, "10.0.0.1", 5000, "10.0.0.2", 6000, "abc", 3);
		tcard_send(c, (100 + (uint64_t)i) * SEC, &P);
	}
	assert_int_equal(ndr_card_tick(c, 107 * SEC), 0);
	/* periods: packets at 100..103 (cut at 103), 104..107 (cut at 107) */
	assert_int_equal(next_flow(&r), NDR_REC_FLOW);
	assert_int_equal(FLOW->end_reason, NDR_FLOW_END_ACTIVE);
	assert_int_equal(FLOW->hdr.ts_ns, 103 * SEC);
	assert_int_equal(FLOW->pkts_fwd, 4);
	assert_int_equal(FLOW->first_ts_ns, 100 * SEC);
	assert_int_equal(FLOW->last_ts_ns, 103 * SEC);
	assert_int_equal(FLOW->iat_sum_us, 3000000);
	assert_int_equal(next_flow(&r), NDR_REC_FLOW);
	assert_int_equal(FLOW->end_reason, NDR_FLOW_END_ACTIVE);
	assert_int_equal(FLOW->first_ts_ns, 104 * SEC);
	assert_int_equal(FLOW->pkts_fwd, 4);
	assert_int_equal(FLOW->iat_sum_us, 3000000);   /* 103 -> 104 is not in this period */
	assert_int_equal(FLOW->src_port, 5000);
	assert_int_equal(next_flow(&r), 0);
	/* an empty period cut by flush */
	assert_int_equal(ndr_card_flush(c), 0);
	assert_int_equal(next_flow(&r), NDR_REC_FLOW);
	assert_int_equal(FLOW->end_reason, NDR_FLOW_END_FLUSH);
	assert_int_equal(FLOW->pkts_fwd, 0);
	assert_int_equal(FLOW->first_ts_ns, 0);
	assert_int_equal(FLOW->last_ts_ns, 107 * SEC);
	assert_int_equal(FLOW->hdr.ts_ns, 107 * SEC);
	assert_int_equal(next_flow(&r), 0);
	ndr_card_free(c);
	tr_free(&r);
}

/* Source port whose flow to 10.9.9.9:53 lands in the given bucket. */
static uint16_t port_for_bucket(uint32_t bucket, uint32_t mask, uint32_t seed, uint16_t from)
{
	for (uint32_t port = from; port < 65535; port++) {
		pg_udp4(&P, "10.9.0.1", (uint16_t)port, "10.9.9.9", 7, "", 0);
		struct ndr_pkt_meta m;
		uint8_t key[44];
		ndr_parse_headers(P.b, P.len, &m);
		ndr_flow_key(&m, key);
		if ((ndr_murmur3_32(key, 44, seed) & mask) == bucket)
			return (uint16_t)port;
	}
	fail_msg("no port for bucket %u", bucket);
	return 0;
}

static void test_eviction_and_flush(void **state)
{
	(void)state;
	struct tring r;
	struct ndr_card_cfg cfg = small_cfg();
	struct ndr_card *c = tcard_new(&r, 10, &cfg);
	uint16_t ports[5];
	uint16_t from = 1024;
	for (int i = 0; i < 5; i++) {
		ports[i] = port_for_bucket(3, 15, cfg.hash_seed, from);
		from = (uint16_t)(ports[i] + 1);
	}
	/* four flows fill bucket 3; way 1 (ports[1]) is the oldest by last_ts */
	uint64_t t = 50 * SEC;
	for (int i = 0; i < 4; i++) {
		pg_udp4(&P, "10.9.0.1", ports[i], "10.9.9.9", 7, "", 0);
		tcard_send(c, t + (i == 1 ? 0 : 10 + (uint64_t)i) * MSEC, &P);
	}
	pg_udp4(&P, "10.9.0.1", ports[0], "10.9.9.9", 7, "", 0);
	tcard_send(c, t + 20 * MSEC, &P);
	assert_int_equal(ndr_card_tick(c, t + 20 * MSEC), 0);
	assert_int_equal(next_flow(&r), 0);
	pg_udp4(&P, "10.9.0.1", ports[4], "10.9.9.9", 7, "", 0);
	tcard_send(c, t + 30 * MSEC, &P);
	assert_int_equal(ndr_card_tick(c, t + 30 * MSEC), 0);
	assert_int_equal(next_flow(&r), NDR_REC_FLOW);
	assert_int_equal(FLOW->end_reason, NDR_FLOW_END_EVICT);
	assert_int_equal(FLOW->src_port, ports[1]);
	assert_int_equal(FLOW->hdr.ts_ns, t + 30 * MSEC);
	struct ndr_card_stats st;
	ndr_card_get_stats(c, &st);
	assert_int_equal(st.flows_evicted, 1);
	assert_int_equal(st.flows_active, 4);
	assert_int_equal(st.flows_created, 5);

	/* a non-IP frame is the last packet seen: FLUSH records carry its time */
	pg_init(&P);
	pg_eth(&P, 0x0806);
	pg_fill(&P, 0, 46);
	tcard_send(c, t + 40 * MSEC, &P);
	assert_int_equal(ndr_card_flush(c), 0);
	int n = 0;
	while (next_flow(&r)) {
		assert_int_equal(FLOW->end_reason, NDR_FLOW_END_FLUSH);
		assert_int_equal(FLOW->hdr.ts_ns, t + 40 * MSEC);
		n++;
	}
	assert_int_equal(n, 4);
	ndr_card_get_stats(c, &st);
	assert_int_equal(st.flows_active, 0);
	assert_int_equal(st.non_ip, 1);
	/* IPv4 flows of one or two packets: every one written compact */
	assert_int_equal(st.records_by_type[NDR_REC_FLOW], 0);
	assert_int_equal(st.records_by_type[NDR_REC_FLOW_SHORT], 5);
	ndr_card_free(c);
	tr_free(&r);
}

/* ndr_flow_next_expiry is the first time ndr_flow_expired_ways finds a
 * way expired: on random lines (valid, closed, empty ways; times near 0,
 * near 2^64 and in between), for times just before, at and after it. */
static void test_next_expiry(void **state)
{
	(void)state;
	struct ndr_top_cfg top;
	memset(&top, 0, sizeof(top));
	top.log2_buckets = 4;
	top.idle_timeout_ms = 2000;
	top.active_timeout_ms = 5000;
	top.close_timeout_ms = 1000;
	top.scan_sweep_ms = 1000;
	struct ndr_flow_cfg c;
	ndr_flow_cfg_init(&c, &top);
	uint64_t x = 88172645463325252ull;
	unsigned with_expiry = 0, never = 0;
	for (unsigned n = 0; n < 20000u; n++) {
		struct ndr_flow_bucket line;
		memset(&line, 0, sizeof(line));
		for (uint32_t w = 0; w < NDR_FLOW_WAYS; w++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			line.state[w] = (uint8_t)((x & 1u ? NDR_FLOW_S_VALID : 0u) |
						  (x & 2u ? NDR_FLOW_S_CLOSED : 0u));
			uint64_t kind = (x >> 2) % 3u;
			line.last_ts[w] = kind == 0u ? x >> 40 : kind == 1u ? UINT64_MAX - (x >> 34) : x >> 1;
		}
		uint64_t e = ndr_flow_next_expiry(&c, &line);
		if (e == UINT64_MAX) {
			never++;
			assert_int_equal(ndr_flow_expired_ways(&c, &line, UINT64_MAX - 1u), 0);
			continue;
		}
		with_expiry++;
		assert_int_not_equal(ndr_flow_expired_ways(&c, &line, e), 0);
		assert_int_not_equal(ndr_flow_expired_ways(&c, &line, e + 1u), 0);
		if (e > 0u)
			assert_int_equal(ndr_flow_expired_ways(&c, &line, e - 1u), 0);
	}
	assert_true(with_expiry > 1000u && never > 1000u);
}

static void test_ipv6_icmp_fragment_flows(void **state)
{
	(void)state;
	struct tring r;
	struct ndr_card_cfg cfg = small_cfg();
	struct ndr_card *c = tcard_new(&r, 8, &cfg);
	pg_init(&P);
	pg_eth(&P, 0x86dd);
	pg_ipv6(&P, "2001:db8::5", "2001:db8::6", 58, 64);
	pg_icmp(&P, 128, 0);
	pg_finish(&P);
	tcard_send(c, SEC, &P);
	pg_init(&P);
	pg_eth(&P, 0x86dd);
	pg_ipv6(&P, "2001:db8::6", "2001:db8::5", 58, 64);
	pg_icmp(&P, 129, 0);
	pg_finish(&P);
	tcard_send(c, 2 * SEC, &P);
	pg_init(&P);
	pg_eth(&P, 0x0800);
	pg_ipv4(&P, "10.0.0.1", "10.0.0.2", 17, 64, 0x2000, NULL, 0);
	pg_fill(&P, 0, 100);
	pg_finish(&P);
	tcard_send(c, 3 * SEC, &P);
	assert_int_equal(ndr_card_flush(c), 0);
	int seen = 0;
	while (next_flow(&r)) {
		if (FLOW->ip_proto == 58) {
			assert_int_equal(FLOW->hdr.flags & NDR_REC_F_IPV6, NDR_REC_F_IPV6);
			assert_int_equal(FLOW->src_addr[15], 5);
			assert_int_equal(FLOW->src_port, 0);
			assert_int_equal(FLOW->dst_port, 128 << 8);
			assert_int_equal(FLOW->pkts_fwd, 1);
			assert_int_equal(FLOW->pkts_rev, 1);
			seen |= 1;
		} else {
			assert_int_equal(FLOW->ip_proto, 17);
			assert_int_equal(FLOW->frag_seen, 1);
			assert_int_equal(FLOW->dst_port, 0);
			assert_int_equal(FLOW->payload_bytes_fwd, 100);
			seen |= 2;
		}
	}
	assert_int_equal(seen, 3);
	ndr_card_free(c);
	tr_free(&r);
}

static int whole_frame(void **state)
{
	(void)state;
	clocked = false;
	return 0;
}

static int clocked_card(void **state)
{
	(void)state;
	clocked = true;
	return 0;
}

int main(void)
{
	const struct CMUnitTest hash[] = {
		cmocka_unit_test(test_murmur_vectors),
		cmocka_unit_test(test_hash_symmetry),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_fin),
		cmocka_unit_test(test_tcp_rst_and_midstream),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_active_timeout),
		cmocka_unit_test(test_eviction_and_flush),
		cmocka_unit_test(test_next_expiry),
		cmocka_unit_test(test_ipv6_icmp_fragment_flows),
	};
	int failed = cmocka_run_group_tests(hash, NULL, NULL);
	failed += cmocka_run_group_tests_name("whole-frame card", tests, whole_frame, NULL);
	failed += cmocka_run_group_tests_name("clocked card", tests, clocked_card, NULL);
	return failed;
}
