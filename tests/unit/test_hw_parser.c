/* The header parser (hw/src/parser.c) on crafted frames, and the parser
 * stage (hw/src/parser_stage.c) through its streams. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ndr_hw.h"
#include "pktgen.h"

static struct pg P;

static struct ndr_pkt_meta parse_direct(const struct pg *p)
{
	struct ndr_pkt_meta m;
	memset(&m, 0, sizeof(m));   /* padding, for the memory compares below */
	ndr_parse_headers(p->b, p->len < NDR_HDR_WINDOW ? p->len : NDR_HDR_WINDOW, &m);
	return m;
}

/* ---- the parser stage (parser_stage.c) through its streams ----
 *
 * A rig drives ndr_stage_parser one clock at a time, as the clocked
 * simulation does, and drains every output after each clock, noting the
 * clock each item left at. */
#define RIG_MAX 4096u

/* rx's side band, as rx_stage.c fills it: counts before this frame. */
static uint64_t rx_frames_seen;

struct prig {
	struct ndr_parser_stage s;
	struct ndr_beat_s in;
	struct ndr_cap_beat_s db, tb;
	struct ndr_cap_meta_s dm, tm;
	struct ndr_parsed_s out;
	struct ndr_stats_parse_s st;
	bool hold_out;                  /* the consumer of `out` is stopped */
	bool meta_with_first;           /* the captures take a meta with its
	                                   frame's first beat, as they do */
	uint64_t clock;
	struct ndr_cap_beat beat[RIG_MAX];
	uint64_t beat_clock[RIG_MAX];
	uint32_t n_beat;
	struct ndr_cap_meta meta[RIG_MAX];
	uint64_t meta_clock[RIG_MAX];
	uint32_t n_meta;
	struct ndr_parsed parsed[RIG_MAX];
	uint32_t n_parsed;
	struct ndr_stats_parse stats[RIG_MAX];
	uint32_t n_stats;
};

static struct prig *prig_new(uint32_t heartbeat_ms)
{
	struct prig *g = calloc(1, sizeof(*g));
	assert_non_null(g);
	rx_frames_seen = 0;
	struct ndr_top_cfg cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.heartbeat_ms = heartbeat_ms;
	ndr_parser_stage_init(&g->s, &cfg);
	ndr_beat_s_init(&g->in);
	ndr_cap_beat_s_init(&g->db);
	ndr_cap_beat_s_init(&g->tb);
	ndr_cap_meta_s_init(&g->dm);
	ndr_cap_meta_s_init(&g->tm);
	ndr_parsed_s_init(&g->out);
	ndr_stats_parse_s_init(&g->st);
	return g;
}

/* One clock of the stage, then every consumer takes what came out. The
 * two captures' streams must carry the same items. */
static void prig_clock(struct prig *g)
{
	ndr_stage_parser(&g->s, &g->in, &g->db, &g->dm, &g->tb, &g->tm, &g->out, &g->st);
	struct ndr_cap_meta m, m2;
	while (!g->meta_with_first && ndr_cap_meta_s_read_nb(&g->dm, &m)) {
		assert_true(ndr_cap_meta_s_read_nb(&g->tm, &m2));
		assert_memory_equal(&m.m.src_addr, &m2.m.src_addr, 16);
		assert_int_equal(m.ts, m2.ts);
		assert_true(g->n_meta < RIG_MAX);
		g->meta[g->n_meta] = m;
		g->meta_clock[g->n_meta++] = g->clock;
	}
	assert_int_equal(ndr_cap_meta_s_count(&g->tm), ndr_cap_meta_s_count(&g->dm));
	struct ndr_cap_beat b, b2;
	while (ndr_cap_beat_s_read_nb(&g->db, &b)) {
		assert_true(ndr_cap_beat_s_read_nb(&g->tb, &b2));
		assert_int_equal(b.off, b2.off);
		assert_int_equal(b.len, b2.len);
		assert_int_equal(b.flags, b2.flags);
		assert_memory_equal(b.data, b2.data, NDR_BEAT_BYTES);
		assert_true(g->n_beat < RIG_MAX);
		if (g->meta_with_first && (b.flags & NDR_CAP_FIRST)) {
			assert_true(ndr_cap_meta_s_read_nb(&g->dm, &m));
			assert_true(ndr_cap_meta_s_read_nb(&g->tm, &m2));
			assert_int_equal(m.ts, m2.ts);
			g->meta[g->n_meta] = m;
			g->meta_clock[g->n_meta++] = g->clock;
		}
		g->beat[g->n_beat] = b;
		g->beat_clock[g->n_beat++] = g->clock;
	}
	assert_true(ndr_cap_beat_s_empty(&g->tb));
	if (!g->hold_out) {
		while (g->n_parsed < RIG_MAX && ndr_parsed_s_read_nb(&g->out, &g->parsed[g->n_parsed]))
			g->n_parsed++;
	}
	while (g->n_stats < RIG_MAX && ndr_stats_parse_s_read_nb(&g->st, &g->stats[g->n_stats]))
		g->n_stats++;
	g->clock++;
}


static struct ndr_beat data_beat(const uint8_t *d, uint32_t n, bool last, uint64_t ts)
{
	struct ndr_beat b;
	memset(&b, 0, sizeof(b));
	memcpy(b.data, d, n);
	b.len = n;
	b.last = last;
	b.kind = NDR_BEAT_DATA;
	b.ts_ns = ts;
	b.rx_frames = rx_frames_seen;
	return b;
}

/* Queue a frame's beats (at most `cut` of them, then an abort end when
 * cut is smaller than the frame) into the stage's input. */
static void prig_put_frame(struct prig *g, const struct pg *p, uint64_t ts, uint32_t cut)
{
	uint32_t k = 0;
	for (uint32_t off = 0; off < p->len || (off == 0 && p->len == 0); off += 64, k++) {
		uint32_t n = p->len - off < 64 ? p->len - off : 64;
		if (k == cut) {
			struct ndr_beat a = data_beat(p->b, 0, true, 0);
			a.abort = true;
			assert_false(ndr_beat_s_full(&g->in));
			ndr_beat_s_write(&g->in, &a);
			break;
		}
		struct ndr_beat b = data_beat(p->b + off, n, off + n >= p->len, ts);
		assert_false(ndr_beat_s_full(&g->in));
		ndr_beat_s_write(&g->in, &b);
		if (p->len == 0)
			break;
	}
	rx_frames_seen++;
}

static void prig_run_idle(struct prig *g)
{
	for (uint32_t i = 0; i < 64u && !(ndr_beat_s_empty(&g->in) && ndr_parser_stage_idle(&g->s)); i++)
		prig_clock(g);
	prig_clock(g);
	assert_true(ndr_beat_s_empty(&g->in));
	assert_true(ndr_parser_stage_idle(&g->s));
}

/* Every field of the meta (not the padding). */
static void assert_meta_equal(const struct ndr_pkt_meta *a, const struct ndr_pkt_meta *b)
{
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->ipv6, b->ipv6);
	assert_int_equal(a->frag, b->frag);
	assert_int_equal(a->proto, b->proto);
	assert_memory_equal(a->src_addr, b->src_addr, 16);
	assert_memory_equal(a->dst_addr, b->dst_addr, 16);
	assert_int_equal(a->src_port, b->src_port);
	assert_int_equal(a->dst_port, b->dst_port);
	assert_int_equal(a->tcp_flags, b->tcp_flags);
	assert_int_equal(a->icmp_type, b->icmp_type);
	assert_int_equal(a->icmp_code, b->icmp_code);
	assert_int_equal(a->ttl, b->ttl);
	assert_int_equal(a->vlan_outer, b->vlan_outer);
	assert_int_equal(a->vlan_inner, b->vlan_inner);
	assert_int_equal(a->udp_len, b->udp_len);
	assert_int_equal(a->ip_len, b->ip_len);
	assert_int_equal(a->l4_off, b->l4_off);
	assert_int_equal(a->payload_off, b->payload_off);
	assert_int_equal(a->payload_len, b->payload_len);
}

/* The frame through the stage: its meta (to both captures and, for IP,
 * in the parsed item) must be what ndr_parse_headers says, it must reach
 * the captures before the frame's first beat, and the beats must leave
 * unchanged, in order, with their offsets and first/last flags. */
static struct ndr_pkt_meta parse_beats(const struct pg *p)
{
	struct prig *g = prig_new(0);
	prig_put_frame(g, p, 77, ~0u);
	prig_run_idle(g);
	assert_int_equal(g->n_meta, 1);
	assert_int_equal(g->n_parsed, 1);
	uint32_t beats = p->len ? (p->len + 63u) / 64u : 1u;
	assert_int_equal(g->n_beat, beats);
	assert_true(g->meta_clock[0] < g->beat_clock[0]);
	assert_int_equal(g->meta[0].ts, 77);
	for (uint32_t k = 0; k < beats; k++) {
		uint32_t off = k * 64u, n = p->len - off < 64 ? p->len - off : 64;
		assert_int_equal(g->beat[k].off, off);
		assert_int_equal(g->beat[k].len, n);
		assert_memory_equal(g->beat[k].data, p->b + off, n);
		assert_int_equal(g->beat[k].flags, (k == 0 ? NDR_CAP_FIRST : 0u) |
						 (k + 1 == beats ? NDR_CAP_LAST : 0u));
		assert_int_equal(g->beat[k].ts, 77);
	}
	struct ndr_pkt_meta want = parse_direct(p);
	assert_meta_equal(&g->meta[0].m, &want);
	const struct ndr_parsed *q = &g->parsed[0];
	assert_int_equal(q->ts, 77);
	assert_int_equal(q->kind, want.kind == NDR_PKT_IP ? NDR_PARSED_PKT : NDR_PARSED_TIME);
	assert_int_equal(q->dns, want.kind == NDR_PKT_IP && ndr_udp_dns_record(&want, p->len));
	if (want.kind == NDR_PKT_IP)
		assert_meta_equal(&q->m, &want);
	assert_int_equal(g->s.parse_errors, want.kind == NDR_PKT_ERROR);
	assert_int_equal(g->s.non_ip, want.kind == NDR_PKT_NON_IP);
	struct ndr_pkt_meta m = g->meta[0].m;
	free(g);
	return m;
}

/* Every frame of the tests below goes both ways: the headers parsed
 * directly, and the frame through the stage, which must agree. */
static struct ndr_pkt_meta parse(const struct pg *p)
{
	struct ndr_pkt_meta m = parse_direct(p);
	struct ndr_pkt_meta mb = parse_beats(p);
	assert_meta_equal(&m, &mb);
	return m;
}

static const uint8_t V4_A[16] = { 0,0,0,0,0,0,0,0,0,0,0xff,0xff, 10,0,0,1 };
static const uint8_t V4_B[16] = { 0,0,0,0,0,0,0,0,0,0,0xff,0xff, 10,0,0,2 };

static void test_ipv4_udp(void **state)
{
	(void)state;
	uint8_t payload[30] = {0};
	pg_udp4(&P, "10.0.0.1", 1234, "10.0.0.2", 53, payload, sizeof(payload));
	struct ndr_pkt_meta m = parse(&P);
	assert_int_equal(m.kind, NDR_PKT_IP);
	assert_false(m.ipv6);
	assert_false(m.frag);
	assert_int_equal(m.proto, 17);
	assert_memory_equal(m.src_addr, V4_A, 16);
	assert_memory_equal(m.dst_addr, V4_B, 16);
	assert_int_equal(m.src_port, 1234);
	assert_int_equal(m.dst_port, 53);
	assert_int_equal(m.ttl, 64);
	assert_int_equal(m.ip_len, 20 + 8 + 30);
	assert_int_equal(m.udp_len, 38);
	assert_int_equal(m.l4_off, 34);
	assert_int_equal(m.payload_off, 42);
	assert_int_equal(m.payload_len, 30);
}

static void test_vlan_qinq(void **state)
{
	(void)state;
	pg_init(&P);
	pg_eth(&P, 0x8100);
	pg_vlan(&P, 0x2064, 0x0800);       /* PCP bits must be masked off */
	pg_ipv4(&P, "10.0.0.1", "10.0.0.2", 17, 64, 0, NULL, 0);
	pg_udp(&P, 1, 2);
	pg_finish(&P);
	struct ndr_pkt_meta m = parse(&P);
	assert_int_equal(m.kind, NDR_PKT_IP);
	assert_int_equal(m.vlan_outer, 0x064);
	assert_int_equal(m.vlan_inner, 0);
	assert_int_equal(m.l4_off, 38);

	pg_init(&P);
	pg_eth(&P, 0x88a8);
	pg_vlan(&P, 100, 0x8100);
	pg_vlan(&P, 200, 0x86dd);
	pg_ipv6(&P, "2001:db8::1", "2001:db8::2", 6, 7);
	pg_tcp(&P, 443, 5555, PG_TCP_ACK, 0);
	pg_finish(&P);
	m = parse(&P);
	assert_int_equal(m.kind, NDR_PKT_IP);
	assert_true(m.ipv6);
	assert_int_equal(m.vlan_outer, 100);
	assert_int_equal(m.vlan_inner, 200);
	assert_int_equal(m.ttl, 7);
	assert_int_equal(m.src_port, 443);
	assert_int_equal(m.tcp_flags, PG_TCP_ACK);
	assert_int_equal(m.ip_len, 60);
	assert_int_equal(m.payload_len, 0);

	/* a third tag: not IP */
	pg_init(&P);
	pg_eth(&P, 0x88a8);
	pg_vlan(&P, 1, 0x8100);
	pg_vlan(&P, 2, 0x9100);
	pg_vlan(&P, 3, 0x0800);
	pg_ipv4(&P, "10.0.0.1", "10.0.0.2", 17, 64, 0, NULL, 0);
	pg_udp(&P, 1, 2);
	pg_finish(&P);
	assert_int_equal(parse(&P).kind, NDR_PKT_NON_IP);

	/* a tag announced but cut */
	pg_init(&P);
	pg_eth(&P, 0x8100);
	pg_fill(&P, 0, 2);
	assert_int_equal(parse(&P).kind, NDR_PKT_ERROR);
}

static void test_ipv4_options_tcp(void **state)
{
	(void)state;
	uint8_t opts[12];
	memset(opts, 1, sizeof(opts));
	uint8_t data[100] = {0};
	pg_init(&P);
	pg_eth(&P, 0x0800);
	pg_ipv4(&P, "10.0.0.1", "10.0.0.2", 6, 64, 0, opts, sizeof(opts));
	pg_tcp(&P, 40000, 80, PG_TCP_SYN | PG_TCP_ACK, 8);
	pg_bytes(&P, data, sizeof(data));
	pg_finish(&P);
	struct ndr_pkt_meta m = parse(&P);
	assert_int_equal(m.kind, NDR_PKT_IP);
	assert_int_equal(m.l4_off, 14 + 32);
	assert_int_equal(m.payload_off, 14 + 32 + 28);
	assert_int_equal(m.ip_len, 32 + 28 + 100);
	assert_int_equal(m.payload_len, 100);
	assert_int_equal(m.src_port, 40000);
	assert_int_equal(m.dst_port, 80);
	assert_int_equal(m.tcp_flags, PG_TCP_SYN | PG_TCP_ACK);

	/* IHL 4 */
	P.b[14] = 0x44;
	assert_int_equal(parse(&P).kind, NDR_PKT_ERROR);
	/* version 6 under EtherType 0x0800 */
	P.b[14] = 0x68;
	assert_int_equal(parse(&P).kind, NDR_PKT_ERROR);
	/* total length below IHL*4 */
	P.b[14] = 0x48;
	pg_put16(&P, 16, 28);
	assert_int_equal(parse(&P).kind, NDR_PKT_ERROR);
	/* a long total length is fine (snaplen) */
	pg_put16(&P, 16, 1500);
	m = parse(&P);
	assert_int_equal(m.kind, NDR_PKT_IP);
	assert_int_equal(m.payload_len, 1500 - 32 - 28);
	/* options cut by the capture */
	struct pg q = P;
	q.len = 14 + 24;
	assert_int_equal(parse(&q).kind, NDR_PKT_ERROR);
	/* TCP header cut by the capture */
	q.len = 14 + 32 + 24;
	assert_int_equal(parse(&q).kind, NDR_PKT_ERROR);
	/* TCP data offset below 5 */
	q = P;
	q.b[14 + 32 + 12] = 0x40;
	assert_int_equal(parse(&q).kind, NDR_PKT_ERROR);
}

static void test_ipv4_fragments(void **state)
{
	(void)state;
	uint8_t data[40] = {0};
	pg_init(&P);
	pg_eth(&P, 0x0800);
	pg_ipv4(&P, "10.0.0.1", "10.0.0.2", 17, 64, 0x2000, NULL, 0);  /* MF, offset 0 */
	pg_udp(&P, 5353, 53);
	pg_bytes(&P, data, sizeof(data));
	pg_finish(&P);
	struct ndr_pkt_meta m = parse(&P);
	assert_int_equal(m.kind, NDR_PKT_IP);
	assert_true(m.frag);
	assert_int_equal(m.src_port, 0);
	assert_int_equal(m.dst_port, 0);
	assert_int_equal(m.payload_len, 48);     /* no L4 header for fragments */

	pg_put16(&P, 14 + 6, 0x0010);                /* offset 16, no MF */
	m = parse(&P);
	assert_true(m.frag);
	assert_int_equal(m.proto, 17);
	pg_put16(&P, 14 + 6, 0x4000);                /* DF only */
	m = parse(&P);
	assert_false(m.frag);
	assert_int_equal(m.dst_port, 53);
}

static void test_ipv6_ext_headers(void **state)
{
	(void)state;
	uint8_t data[10] = {0};
	pg_init(&P);
	pg_eth(&P, 0x86dd);
	pg_ipv6(&P, "2001:db8::1", "2001:db8::2", 0, 64);
	pg_ipv6_ext(&P, 0, 60, 8);        /* hop-by-hop */
	pg_ipv6_ext(&P, 60, 51, 16);      /* destination options */
	pg_ipv6_ext(&P, 51, 17, 24);      /* AH: (4 + 2) * 4 */
	pg_udp(&P, 1000, 2000);
	pg_bytes(&P, data, sizeof(data));
	pg_finish(&P);
	struct ndr_pkt_meta m = parse(&P);
	assert_int_equal(m.kind, NDR_PKT_IP);
	assert_true(m.ipv6);
	assert_false(m.frag);
	assert_int_equal(m.proto, 17);
	assert_int_equal(m.l4_off, 14 + 40 + 48);
	assert_int_equal(m.src_port, 1000);
	assert_int_equal(m.ip_len, 40 + 48 + 8 + 10);
	assert_int_equal(m.payload_len, 10);
	assert_int_equal(m.src_addr[0], 0x20);
	assert_int_equal(m.src_addr[15], 1);

	/* fragment header: a fragment, next header is the protocol */
	pg_init(&P);
	pg_eth(&P, 0x86dd);
	pg_ipv6(&P, "2001:db8::1", "2001:db8::2", 43, 64);
	pg_ipv6_ext(&P, 43, 44, 8);
	pg_ipv6_frag(&P, 6, 0, 1);
	pg_fill(&P, 0, 30);
	pg_finish(&P);
	m = parse(&P);
	assert_int_equal(m.kind, NDR_PKT_IP);
	assert_true(m.frag);
	assert_int_equal(m.proto, 6);
	assert_int_equal(m.src_port, 0);
	assert_int_equal(m.payload_len, 30);

	/* five extension headers: four are walked, the fifth number is the protocol */
	pg_init(&P);
	pg_eth(&P, 0x86dd);
	pg_ipv6(&P, "2001:db8::1", "2001:db8::2", 60, 64);
	for (int i = 0; i < 5; i++)
		pg_ipv6_ext(&P, 60, i == 4 ? 17 : 60, 8);
	pg_finish(&P);
	m = parse(&P);
	assert_int_equal(m.kind, NDR_PKT_IP);
	assert_int_equal(m.proto, 60);
	assert_int_equal(m.l4_off, 14 + 40 + 32);

	/* an extension header running past the capture */
	pg_init(&P);
	pg_eth(&P, 0x86dd);
	pg_ipv6(&P, "2001:db8::1", "2001:db8::2", 60, 64);
	pg_ipv6_ext(&P, 60, 17, 64);
	pg_finish(&P);
	P.len -= 10;
	assert_int_equal(parse(&P).kind, NDR_PKT_ERROR);

	/* headers beyond the 256-byte window, although captured */
	pg_init(&P);
	pg_eth(&P, 0x86dd);
	pg_ipv6(&P, "2001:db8::1", "2001:db8::2", 60, 64);
	pg_ipv6_ext(&P, 60, 17, 200);
	pg_udp(&P, 1, 53);
	pg_fill(&P, 0, 100);
	pg_finish(&P);
	assert_int_equal(parse(&P).kind, NDR_PKT_ERROR);
	assert_int_equal(parse_beats(&P).kind, NDR_PKT_ERROR);
}

static void test_icmp(void **state)
{
	(void)state;
	pg_init(&P);
	pg_eth(&P, 0x0800);
	pg_ipv4(&P, "10.0.0.1", "10.0.0.2", 1, 64, 0, NULL, 0);
	pg_icmp(&P, 8, 0);
	pg_finish(&P);
	struct ndr_pkt_meta m = parse(&P);
	assert_int_equal(m.kind, NDR_PKT_IP);
	assert_int_equal(m.icmp_type, 8);
	assert_int_equal(m.src_port, 0);
	assert_int_equal(m.payload_len, 8);      /* ICMP L4 header length is 0 */
}

static void test_garbage(void **state)
{
	(void)state;
	pg_init(&P);
	pg_fill(&P, 0xff, 10);
	assert_int_equal(parse(&P).kind, NDR_PKT_ERROR);     /* runt */
	pg_init(&P);
	pg_eth(&P, 0x0806);
	pg_fill(&P, 0, 28);
	assert_int_equal(parse(&P).kind, NDR_PKT_NON_IP);    /* ARP */
	pg_init(&P);
	pg_eth(&P, 0x0800);
	pg_fill(&P, 0x45, 10);
	assert_int_equal(parse(&P).kind, NDR_PKT_ERROR);     /* IPv4 cut */
	pg_init(&P);
	pg_eth(&P, 0x86dd);
	pg_fill(&P, 0x60, 39);
	assert_int_equal(parse(&P).kind, NDR_PKT_ERROR);     /* IPv6 cut */
	pg_init(&P);
	assert_int_equal(parse_beats(&P).kind, NDR_PKT_ERROR); /* empty frame */
}

/* A frame of n bytes: UDP 10.0.0.1:sport -> 10.0.0.2:9 padded to n (or
 * an ARP frame when sport is 0). */
static void frame_of(struct pg *p, uint16_t sport, uint32_t n)
{
	pg_init(p);
	if (sport == 0) {
		pg_eth(p, 0x0806);
		pg_fill(p, 0, n - 14);
		return;
	}
	pg_eth(p, 0x0800);
	pg_ipv4(p, "10.0.0.1", "10.0.0.2", 17, 64, 0, NULL, 0);
	pg_udp(p, sport, 9);
	pg_fill(p, (uint8_t)sport, n - 42);
	pg_finish(p);
}

/* Frames of 1 to 10 beats back to back, one beat a clock as rx hands
 * them over: every beat leaves the delay line NDR_PARSE_DELAY clocks
 * after it came in, in order, every meta before its frame's first beat,
 * metas and parsed items in frame order. */
static void test_stage_order_and_delay(void **state)
{
	(void)state;
	static const uint32_t sizes[] = { 60, 64, 65, 128, 200, 256, 257, 300, 640, 64, 61, 1000 };
	const uint32_t nf = sizeof(sizes) / sizeof(sizes[0]);
	struct prig *g = prig_new(0);
	static struct pg frames[12];
	uint64_t in_clock[RIG_MAX];
	uint32_t n_in = 0;
	for (uint32_t f = 0; f < nf; f++)
		frame_of(&frames[f], f == 3 ? 0 : (uint16_t)(1000 + f), sizes[f]);
	for (uint32_t f = 0; f < nf; f++) {
		const struct pg *p = &frames[f];
		for (uint32_t off = 0; off < p->len; off += 64) {
			uint32_t n = p->len - off < 64 ? p->len - off : 64;
			struct ndr_beat b = data_beat(p->b + off, n, off + n >= p->len, 1000u + f);
			ndr_beat_s_write(&g->in, &b);
			in_clock[n_in++] = g->clock;
			prig_clock(g);
		}
	}
	prig_run_idle(g);
	assert_int_equal(g->n_beat, n_in);
	assert_int_equal(g->n_meta, nf);
	assert_int_equal(g->n_parsed, nf);
	assert_int_equal(g->s.stalled, 0);
	uint32_t k = 0;
	for (uint32_t f = 0; f < nf; f++) {
		const struct pg *p = &frames[f];
		assert_int_equal(g->meta[f].ts, 1000u + f);
		assert_int_equal(g->parsed[f].ts, 1000u + f);
		assert_int_equal(g->parsed[f].kind, f == 3 ? NDR_PARSED_TIME : NDR_PARSED_PKT);
		if (f != 3)
			assert_int_equal(g->parsed[f].m.src_port, 1000 + f);
		/* the meta is out before the first beat, and a frame's meta is
		 * never out before the previous frame's last beat came in */
		assert_true(g->meta_clock[f] < g->beat_clock[k]);
		for (uint32_t off = 0; off < p->len; off += 64, k++) {
			assert_int_equal(g->beat_clock[k], in_clock[k] + NDR_PARSE_DELAY);
			assert_int_equal(g->beat[k].off, off);
			assert_int_equal(g->beat[k].ts, 1000u + f);
			assert_memory_equal(g->beat[k].data, p->b + off,
					    p->len - off < 64 ? p->len - off : 64);
			assert_int_equal(!!(g->beat[k].flags & NDR_CAP_FIRST), off == 0);
			assert_int_equal(!!(g->beat[k].flags & NDR_CAP_LAST), off + 64 >= p->len);
		}
	}
	assert_int_equal(k, n_in);
	assert_int_equal(g->s.non_ip, 1);
	assert_int_equal(g->s.parse_errors, 0);
	free(g);
}

/* A full output holds the stage: nothing is read, nothing is lost, and
 * everything comes out in order once the consumer moves again. */
static void test_stage_back_pressure(void **state)
{
	(void)state;
	struct prig *g = prig_new(0);
	for (uint32_t f = 0; f < 40; f++) {
		frame_of(&P, (uint16_t)(2000 + f), f % 3 ? 64 : 150);
		prig_put_frame(g, &P, 5000u + f, ~0u);
	}
	uint32_t queued = ndr_beat_s_count(&g->in);
	g->hold_out = true;
	for (uint32_t i = 0; i < 100; i++)
		prig_clock(g);
	assert_int_equal(g->n_parsed, 0);
	assert_int_equal(ndr_parsed_s_count(&g->out), ndr_parsed_s_DEPTH);
	assert_true(g->s.stalled > 50u);
	assert_true(ndr_beat_s_count(&g->in) > 0u);
	uint32_t taken = queued - ndr_beat_s_count(&g->in);
	assert_true(g->n_beat <= taken);
	g->hold_out = false;
	prig_run_idle(g);
	assert_int_equal(g->n_parsed, 40);
	assert_int_equal(g->n_meta, 40);
	assert_int_equal(g->n_beat, queued);
	uint32_t k = 0;
	for (uint32_t f = 0; f < 40; f++) {
		assert_int_equal(g->parsed[f].kind, NDR_PARSED_PKT);
		assert_int_equal(g->parsed[f].m.src_port, 2000 + f);
		assert_int_equal(g->meta[f].m.src_port, 2000 + f);
		assert_true(g->beat[k].flags & NDR_CAP_FIRST);
		assert_int_equal(g->beat[k].ts, 5000u + f);
		assert_true(g->meta_clock[f] < g->beat_clock[k]);
		k += f % 3 ? 1u : 3u;
	}
	assert_int_equal(k, queued);
	free(g);
}

/* After a stall, rx's FIFO hands the parser one-beat frames at one a
 * clock. The captures take a frame's meta only with its first beat, so
 * the metas of every frame in the delay line wait in the meta streams at
 * once: the stage must not wait for room there that only its own delay
 * line can make (a deadlock: nothing moves again). */
static void test_stage_one_beat_frames_back_to_back(void **state)
{
	(void)state;
	struct prig *g = prig_new(0);
	g->meta_with_first = true;
	for (uint32_t f = 0; f < 40; f++) {
		frame_of(&P, (uint16_t)(6000 + f), 60);
		prig_put_frame(g, &P, 7000u + f, ~0u);
	}
	for (uint32_t i = 0; i < 200 && g->n_parsed < 40; i++)
		prig_clock(g);
	if (g->n_parsed != 40)
		fail_msg("the parser stage stopped after %u of 40 one-beat frames: %u metas "
			 "waiting (stream depth %u), %u beats in rx's FIFO", g->n_parsed,
			 ndr_cap_meta_s_count(&g->dm), (unsigned)ndr_cap_meta_s_DEPTH,
			 ndr_beat_s_count(&g->in));
	prig_run_idle(g);
	assert_int_equal(g->n_beat, 40);
	assert_int_equal(g->n_meta, 40);
	for (uint32_t f = 0; f < 40; f++) {
		assert_int_equal(g->meta[f].m.src_port, 6000 + f);
		assert_int_equal(g->beat[f].ts, 7000u + f);
		assert_int_equal(g->beat_clock[f], f + NDR_PARSE_DELAY);   /* one a clock */
	}
	free(g);
}

/* A frame cut by rx ends with an abort beat: the stage ends the frame
 * there, makes nothing of it (no packet for the flow table, no parse
 * error, no non-IP count), passes the abort on to the captures, and the
 * next frame is parsed as if nothing had happened. Cut inside the header
 * window (the meta comes from what was there) and after it. */
static void test_stage_abort(void **state)
{
	(void)state;
	struct prig *g = prig_new(0);
	frame_of(&P, 3001, 600);                   /* 10 beats */
	prig_put_frame(g, &P, 100, 2);             /* 2 beats, then cut */
	frame_of(&P, 3002, 100);
	prig_put_frame(g, &P, 200, ~0u);
	frame_of(&P, 3003, 600);
	prig_put_frame(g, &P, 300, 6);             /* cut after its window */
	frame_of(&P, 0, 100);                      /* ARP: counted non-IP */
	prig_put_frame(g, &P, 400, 1);             /* ... but cut: not */
	frame_of(&P, 3005, 64);
	prig_put_frame(g, &P, 500, ~0u);
	prig_run_idle(g);

	assert_int_equal(g->n_parsed, 5);
	assert_int_equal(g->parsed[0].kind, NDR_PARSED_TIME);
	assert_int_equal(g->parsed[0].ts, 100);
	assert_int_equal(g->parsed[1].kind, NDR_PARSED_PKT);
	assert_int_equal(g->parsed[1].m.src_port, 3002);
	assert_int_equal(g->parsed[2].kind, NDR_PARSED_TIME);
	assert_int_equal(g->parsed[3].kind, NDR_PARSED_TIME);
	assert_int_equal(g->parsed[4].kind, NDR_PARSED_PKT);
	assert_int_equal(g->parsed[4].m.src_port, 3005);
	assert_int_equal(g->s.parse_errors, 0);
	assert_int_equal(g->s.non_ip, 0);
	/* one meta per frame, cut or not, each ahead of its first beat */
	assert_int_equal(g->n_meta, 5);
	assert_int_equal(g->meta[2].m.src_port, 3003);   /* parsed before the cut */
	/* beats: 2 + abort, 2, 6 + abort, 1 + abort, 1 */
	assert_int_equal(g->n_beat, 3 + 2 + 7 + 2 + 1);
	static const uint32_t ends[] = { 2, 4, 11, 13, 14 };
	static const bool aborted[] = { true, false, true, true, false };
	uint32_t first = 0;
	for (uint32_t f = 0; f < 5; f++) {
		const struct ndr_cap_beat *e = &g->beat[ends[f]];
		assert_true(g->beat[first].flags & NDR_CAP_FIRST);
		assert_true(g->meta_clock[f] < g->beat_clock[first]);
		assert_true(e->flags & NDR_CAP_LAST);
		assert_int_equal(!!(e->flags & NDR_CAP_ABORT), aborted[f]);
		if (aborted[f])
			assert_int_equal(e->len, 0);
		for (uint32_t k = first + 1; k <= ends[f]; k++)
			assert_false(g->beat[k].flags & NDR_CAP_FIRST);
		for (uint32_t k = first; k < ends[f]; k++)
			assert_false(g->beat[k].flags & (NDR_CAP_LAST | NDR_CAP_ABORT));
		first = ends[f] + 1;
	}
	free(g);
}

static void put_marker(struct prig *g, uint8_t kind, uint64_t ts)
{
	struct ndr_beat b = data_beat(P.b, 0, true, ts);
	b.kind = kind;
	ndr_beat_s_write(&g->in, &b);
}

/* The heartbeat is due when card time crosses the next boundary: the
 * frame (or tick) that crosses it carries NDR_CAP_HB on its first beat
 * and its parsed item, and the parser's counters, as of the frames
 * before it, go to the record stage. A flush always makes a final one. */
static void test_stage_heartbeat(void **state)
{
	(void)state;
	struct prig *g = prig_new(1000);
	const uint64_t s0 = 10 * 1000000000ull, ms = 1000000ull;
	uint64_t ts[] = { s0, s0 + 500 * ms, s0 + 1200 * ms, s0 + 1300 * ms, s0 + 4000 * ms };
	frame_of(&P, 0, 60);
	prig_put_frame(g, &P, ts[0], ~0u);
	for (uint32_t f = 1; f < 5; f++) {
		frame_of(&P, (uint16_t)(4000 + f), f == 2 ? 300 : 64);
		prig_put_frame(g, &P, ts[f], ~0u);
	}
	put_marker(g, NDR_BEAT_TICK, s0 + 4500 * ms);     /* not due: 15 s is */
	put_marker(g, NDR_BEAT_TICK, s0 + 5000 * ms);
	put_marker(g, NDR_BEAT_FLUSH, s0 + 5000 * ms);
	prig_run_idle(g);

	assert_int_equal(g->n_stats, 4);
	assert_int_equal(g->stats[0].ts, ts[2]);
	assert_int_equal(g->stats[0].packets, 2);
	assert_int_equal(g->stats[0].non_ip, 1);
	assert_false(g->stats[0].final);
	assert_int_equal(g->stats[1].ts, ts[4]);
	assert_int_equal(g->stats[1].packets, 4);
	assert_int_equal(g->stats[2].ts, s0 + 5000 * ms);
	assert_false(g->stats[2].final);
	assert_int_equal(g->stats[3].ts, s0 + 5000 * ms);
	assert_true(g->stats[3].final);
	assert_int_equal(g->stats[3].packets, 5);

	assert_int_equal(g->n_parsed, 8);
	static const uint8_t hb[] = { 0, 0, NDR_CAP_HB, 0, NDR_CAP_HB, 0, NDR_CAP_HB, NDR_CAP_HB };
	static const uint8_t kind[] = { NDR_PARSED_TIME, NDR_PARSED_PKT, NDR_PARSED_PKT,
					NDR_PARSED_PKT, NDR_PARSED_PKT, NDR_PARSED_TICK,
					NDR_PARSED_TICK, NDR_PARSED_FLUSH };
	for (uint32_t i = 0; i < 8; i++) {
		assert_int_equal(g->parsed[i].flags, hb[i]);
		assert_int_equal(g->parsed[i].kind, kind[i]);
	}
	/* to the captures: the frames' beats, HB on the crossing frames'
	 * first beats, and a marker for each tick or flush that makes one */
	uint32_t marks = 0, hb_first = 0;
	for (uint32_t k = 0; k < g->n_beat; k++) {
		const struct ndr_cap_beat *b = &g->beat[k];
		if (b->flags & NDR_CAP_MARK) {
			assert_true(b->flags & NDR_CAP_HB);
			assert_int_equal(!!(b->flags & NDR_CAP_FLUSH), marks == 1);
			assert_int_equal(b->ts, s0 + 5000 * ms);
			marks++;
		} else if ((b->flags & (NDR_CAP_FIRST | NDR_CAP_HB)) == (NDR_CAP_FIRST | NDR_CAP_HB)) {
			assert_true(b->ts == ts[2] || b->ts == ts[4]);
			hb_first++;
		} else {
			assert_false(b->flags & NDR_CAP_HB);
		}
	}
	assert_int_equal(marks, 2);
	assert_int_equal(hb_first, 2);
	assert_int_equal(g->n_beat, 1 + 1 + 5 + 1 + 1 + 2);
	free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_udp),
		cmocka_unit_test(test_vlan_qinq),
		cmocka_unit_test(test_ipv4_options_tcp),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_ipv6_ext_headers),
		cmocka_unit_test(test_icmp),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_stage_order_and_delay),
		cmocka_unit_test(test_stage_back_pressure),
		cmocka_unit_test(test_stage_one_beat_frames_back_to_back),
		cmocka_unit_test(test_stage_abort),
		cmocka_unit_test(test_stage_heartbeat),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
