/*
 * test_golden.c - the golden model on crafted frames, with the expected
 * values worked out by hand (docs/dataplane.md).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "ndr_golden.h"
#include "pktgen.h"
#include "../../sim/golden/golden_internal.h"

#define MAX_RECS 64
#define SEC 1000000000ull
#define T0 (1700000000ull * SEC)

struct sink {
	unsigned n;
	/* records are read back as record structs: aligned as the ring's slots are */
	_Alignas(NDR_SLOT_BYTES) uint8_t rec[MAX_RECS][NDR_REC_MAX_SLOTS * NDR_SLOT_BYTES];
};

static void collect(void *arg, const struct ndr_rec_hdr *rec)
{
	struct sink *s = arg;

	assert_true(s->n < MAX_RECS);
	assert_int_equal(rec->seq, 0);
	assert_int_equal(rec->flags & NDR_REC_F_PHASE, 0);
	memcpy(s->rec[s->n++], rec, (size_t)rec->slots * NDR_SLOT_BYTES);
}

static struct ndr_golden *new_golden(struct sink *s, uint32_t log2_buckets)
{
	struct ndr_card_cfg cfg;
	struct ndr_golden *g;

	memset(s, 0, sizeof(*s));
	ndr_card_cfg_defaults(&cfg);
	cfg.log2_buckets = log2_buckets;
	g = ndr_golden_new(&cfg, collect, s);
	assert_non_null(g);
	/* the hand-worked values are of the full records; which ones the
	 * card writes compact is test_compact.c's */
	ndr_golden_full_records(g);
	return g;
}

static void feed(struct ndr_golden *g, uint64_t t, const struct pg *p)
{
	ndr_golden_frame(g, t, p->b, p->len, p->len);
}

static const struct ndr_flow_rec *flow(const struct sink *s, unsigned i)
{
	assert_true(i < s->n);
	assert_int_equal(s->rec[i][0], NDR_REC_FLOW);
	return (const struct ndr_flow_rec *)s->rec[i];
}

static const struct ndr_dns_rec *dns(const struct sink *s, unsigned i)
{
	assert_true(i < s->n);
	assert_int_equal(s->rec[i][0], NDR_REC_DNS);
	return (const struct ndr_dns_rec *)s->rec[i];
}

/* Runs one DNS message over UDP 10.0.0.1:40000 -> 10.0.0.2:53, returns
 * the DNS record (first record out). */
static const struct ndr_dns_rec *dns_over_udp(struct sink *s, const struct dnsb *d)
{
	struct ndr_golden *g = new_golden(s, 4);
	struct pg p;

	pg_udp4(&p, "10.0.0.1", 40000, "10.0.0.2", 53, d->b, d->len);
	feed(g, T0, &p);
	ndr_golden_free(g);
	return dns(s, 0);
}

/* ---- hash, log2 table, entropy ---- */

static void test_murmur3_vectors(void **state)
{
	(void)state;
	/* Published MurmurHash3_x86_32 test vectors. */
	assert_int_equal(golden_murmur3_32((const uint8_t *)"", 0, 0), 0);
	assert_int_equal(golden_murmur3_32((const uint8_t *)"", 0, 1), 0x514e28b7u);
	assert_int_equal(golden_murmur3_32((const uint8_t *)"", 0, 0xffffffffu), 0x81f16f39u);
	assert_int_equal(golden_murmur3_32((const uint8_t *)"\0\0\0\0", 4, 0), 0x2362f9deu);
	assert_int_equal(golden_murmur3_32((const uint8_t *)"aaaa", 4, 0x9747b28cu), 0x5a97808au);
	assert_int_equal(golden_murmur3_32((const uint8_t *)"abc", 3, 0x9747b28cu), 0xc84a62ddu);
	assert_int_equal(golden_murmur3_32((const uint8_t *)"Hello, world!", 13, 0x9747b28cu),
			 0x24884cbau);
}

static void test_entropy_exact(void **state)
{
	uint32_t tab[GOLDEN_LOG2_MAX + 1], hist[256] = { 0 };
	unsigned i;

	(void)state;
	golden_log2_table_init(tab);
	assert_int_equal(tab[0], 0);
	assert_int_equal(tab[1], 0);
	assert_int_equal(tab[2], 65536);
	assert_int_equal(tab[3], 103872);     /* 1.58496250 * 65536 = 103872.2 */
	assert_int_equal(tab[1024], 655360);
	assert_int_equal(golden_entropy(hist, 0, tab), 0);
	/* 64 equal counts: exactly 6 bits. */
	for (i = 0; i < 64; i++)
		hist[i] = 1;
	assert_int_equal(golden_entropy(hist, 64, tab), 6 << 12);
	/* "aab": (3*103872 - 2*65536 - 0) / 3 = 60181 (truncated), >> 4 = 3761. */
	memset(hist, 0, sizeof(hist));
	hist['a'] = 2;
	hist['b'] = 1;
	assert_int_equal(golden_entropy(hist, 3, tab), 3761);
	/* one symbol: 0 bits */
	memset(hist, 0, sizeof(hist));
	hist['x'] = 1024;
	assert_int_equal(golden_entropy(hist, 1024, tab), 0);
}

/* ---- DNS ---- */

static void test_dns_query_features(void **state)
{
	struct sink s;
	struct dnsb d;
	const struct ndr_dns_rec *r;

	(void)state;
	dnsb_header(&d, 0xbeef, 0x0100, 1, 0, 0, 0);
	dnsb_question(&d, "www.Ex-4mple_.COM", 28, 1);
	r = dns_over_udp(&s, &d);
	assert_int_equal(s.n, 1);
	assert_int_equal(r->hdr.slots, 3);             /* 2 + ceil(18/64) */
	assert_int_equal(r->hdr.version, NDR_ABI_VERSION);
	assert_int_equal(r->hdr.flags, 0);
	assert_int_equal(r->hdr.ts_ns, T0);
	assert_int_equal(r->txid, 0xbeef);
	assert_int_equal(r->dns_flags, 0x0100);
	assert_int_equal(r->qdcount, 1);
	assert_int_equal(r->src_port, 40000);
	assert_int_equal(r->dst_port, 53);
	assert_int_equal(r->ip_proto, 17);
	assert_int_equal(r->ip_ttl, 64);
	assert_int_equal(r->msg_len, d.len);
	assert_int_equal(r->qtype, 28);
	assert_int_equal(r->qclass, 1);
	assert_int_equal(r->qname_len, 17);
	assert_string_equal(r->qname, "www.ex-4mple_.com");
	assert_int_equal(r->label_count, 3);
	assert_int_equal(r->longest_label, 9);        /* "Ex-4mple_" */
	assert_int_equal(r->n_lower, 3 + 5);          /* www, x m p l e */
	assert_int_equal(r->n_upper, 1 + 3);          /* E, COM */
	assert_int_equal(r->n_digit, 1);
	assert_int_equal(r->n_hyphen, 1);
	assert_int_equal(r->n_other, 1);
	assert_int_equal(r->parse_flags, 0);
	assert_int_equal(r->min_ttl, 0xffffffffu);
	assert_int_equal(r->first_an_type, 0);
	/* src address 10.0.0.1 as ::ffff:10.0.0.1 */
	assert_int_equal(r->src_addr[10], 0xff);
	assert_int_equal(r->src_addr[11], 0xff);
	assert_int_equal(r->src_addr[12], 10);
	assert_int_equal(r->src_addr[15], 1);
}

static void test_dns_entropy_values(void **state)
{
	struct sink s;
	struct dnsb d;
	const struct ndr_dns_rec *r;

	(void)state;
	/* 36 + 28 = 64 distinct bytes: qname entropy exactly 6 bits. The
	 * longest label (36 distinct): H16 = L(36) = round(5.169925 * 65536)
	 * = 338817, >> 4 = 21176. */
	dnsb_header(&d, 1, 0, 1, 0, 0, 0);
	dnsb_question(&d, "abcdefghijklmnopqrstuvwxyz0123456789.!#$%&'()*+,/:;<=>?@[]^`{|}~-", 1, 1);
	r = dns_over_udp(&s, &d);
	assert_int_equal(r->qname_entropy, 6 << 12);
	assert_int_equal(r->label_entropy, 21176);
	assert_int_equal(r->longest_label, 36);
	assert_int_equal(r->n_other, 27);
	assert_int_equal(r->n_hyphen, 1);
	assert_int_equal(r->n_digit, 10);

	/* "aab": 3761 for both */
	dnsb_header(&d, 1, 0, 1, 0, 0, 0);
	dnsb_question(&d, "aAb", 1, 1);
	r = dns_over_udp(&s, &d);
	assert_int_equal(r->qname_entropy, 3761);
	assert_int_equal(r->label_entropy, 3761);
	assert_string_equal(r->qname, "aab");
}

static void test_dns_answers(void **state)
{
	struct sink s;
	struct dnsb d;
	const struct ndr_dns_rec *r;
	static const uint8_t a[4] = { 1, 2, 3, 4 };
	static const uint8_t aaaa[16] = { 0x20, 1 };
	static const uint8_t txt[5] = { 4, 'a', 'b', 'c', 'd' };
	static const uint8_t nul[3] = { 'a', 'a', 'a' };

	(void)state;
	dnsb_header(&d, 7, 0x8180, 1, 5, 0, 0);
	dnsb_question(&d, "t.example", 16, 1);
	dnsb_rr(&d, 12, 16, 300, txt, sizeof(txt));
	dnsb_rr(&d, 12, 1, 60, a, sizeof(a));
	dnsb_rr(&d, 12, 28, 600, aaaa, sizeof(aaaa));
	dnsb_rr(&d, 12, 10, 30, nul, sizeof(nul));
	dnsb_rr(&d, 12, 5, 90, "\0", 1);
	r = dns_over_udp(&s, &d);
	assert_int_equal(r->parse_flags, 0);
	assert_int_equal(r->an_txt, 1);
	assert_int_equal(r->an_a, 1);
	assert_int_equal(r->an_aaaa, 1);
	assert_int_equal(r->an_other, 2);               /* NULL and CNAME */
	assert_int_equal(r->first_an_type, 16);
	assert_int_equal(r->min_ttl, 30);
	assert_int_equal(r->txt_len, 5 + 3);
	/* TXT bytes {4,a,b,c,d,a,a,a}: counts a=4, others 1 (4 of them), n=8:
	 * (8*L(8) - 4*L(4)) / 8 = (8*196608 - 4*131072) / 8 = 131072, >> 4 = 8192. */
	assert_int_equal(r->txt_entropy, 8192);
}

static void test_dns_pointer_cases(void **state)
{
	struct sink s;
	struct dnsb d;
	const struct ndr_dns_rec *r;

	(void)state;
	/* A pointer to itself: target == its own offset. */
	dnsb_header(&d, 1, 0, 1, 0, 0, 0);
	dnsb_labels(&d, "abc");
	dnsb_ptr(&d, 16);
	dnsb_u32(&d, 0x00010001);
	r = dns_over_udp(&s, &d);
	assert_int_equal(r->parse_flags, NDR_DNS_P_PTR_LOOP);
	assert_int_equal(r->label_count, 1);            /* "abc" was read */
	assert_string_equal(r->qname, "abc");
	assert_int_equal(r->qtype, 0);

	/* A forward pointer. */
	dnsb_header(&d, 1, 0, 1, 0, 0, 0);
	dnsb_ptr(&d, 20);
	dnsb_u32(&d, 0x00010001);
	dnsb_name(&d, "x");
	r = dns_over_udp(&s, &d);
	assert_int_equal(r->parse_flags, NDR_DNS_P_PTR_LOOP);
	assert_int_equal(r->label_count, 0);

	/* A qname that is a backward pointer into the header: byte 4 (the
	 * high byte of qdcount) is 0, so the name is the root. */
	dnsb_header(&d, 1, 0, 1, 0, 0, 0);
	dnsb_ptr(&d, 4);
	dnsb_u32(&d, 0x00020001);
	r = dns_over_udp(&s, &d);
	assert_int_equal(r->parse_flags, 0);
	assert_int_equal(r->qname_len, 0);
	assert_int_equal(r->hdr.slots, 3);
	assert_int_equal(r->qtype, 2);

	/* Two pointers in a row, both backward: follows them. */
	dnsb_header(&d, 1, 0, 2, 0, 0, 0);
	dnsb_question(&d, "a.b", 1, 1);                 /* name at 12 */
	dnsb_labels(&d, "c");                            /* at 21 */
	dnsb_ptr(&d, 12);
	dnsb_u32(&d, 0x00010001);
	r = dns_over_udp(&s, &d);
	assert_string_equal(r->qname, "a.b");
	assert_int_equal(r->parse_flags, 0);
}

static void test_dns_bad_names(void **state)
{
	struct sink s;
	struct dnsb d;
	const struct ndr_dns_rec *r;
	char name[300];

	(void)state;
	/* 0x40 label type. */
	dnsb_header(&d, 1, 0, 1, 0, 0, 0);
	dnsb_labels(&d, "ok");
	dnsb_u8(&d, 0x41);
	dnsb_raw(&d, "zzzzzz", 6);
	r = dns_over_udp(&s, &d);
	assert_int_equal(r->parse_flags, NDR_DNS_P_BAD_LABEL);
	assert_string_equal(r->qname, "ok");

	/* Four 63-byte labels: 3*64 = 192, the fourth would make
	 * 192 + 64 + 1 = 257 > 255: LABEL_LONG, three labels count. */
	memset(name, 'a', sizeof(name));
	name[63] = name[127] = name[191] = '.';
	name[255] = '\0';
	dnsb_header(&d, 1, 0, 1, 0, 0, 0);
	dnsb_question(&d, name, 1, 1);
	r = dns_over_udp(&s, &d);
	assert_int_equal(r->parse_flags, NDR_DNS_P_LABEL_LONG);
	assert_int_equal(r->label_count, 3);
	assert_int_equal(r->qname_len, 191);
	assert_int_equal(r->longest_label, 63);
	assert_int_equal(r->hdr.slots, 5);             /* 2 + ceil(192/64) */

	/* Exactly 255 on the wire: 3 x 63 + one of 61: 192 + 62 + 1 = 255. */
	name[253] = '\0';
	dnsb_header(&d, 1, 0, 1, 0, 0, 0);
	dnsb_question(&d, name, 1, 1);
	r = dns_over_udp(&s, &d);
	assert_int_equal(r->parse_flags, 0);
	assert_int_equal(r->qname_len, 253);
	assert_int_equal(r->hdr.slots, 6);
}

static void test_dns_truncated_and_short(void **state)
{
	struct sink s;
	struct dnsb d;
	struct pg p;
	struct ndr_golden *g;
	const struct ndr_dns_rec *r;

	(void)state;
	dnsb_header(&d, 1, 0, 1, 0, 0, 0);
	dnsb_question(&d, "abcdef.example", 1, 1);
	pg_udp4(&p, "10.0.0.1", 40000, "10.0.0.2", 53, d.b, d.len);
	/* Capture cut in the middle of the second label. */
	g = new_golden(&s, 4);
	ndr_golden_frame(g, T0, p.b, 14 + 20 + 8 + 12 + 7 + 3, p.len);
	ndr_golden_free(g);
	r = dns(&s, 0);
	assert_int_equal(r->parse_flags, NDR_DNS_P_TRUNCATED);
	assert_int_equal(r->msg_len, d.len);
	assert_string_equal(r->qname, "abcdef");

	/* 11 bytes of message: no record (the flow record comes at flush). */
	pg_udp4(&p, "10.0.0.1", 40000, "10.0.0.2", 53, d.b, 11);
	g = new_golden(&s, 4);
	feed(g, T0, &p);
	assert_int_equal(s.n, 0);
	ndr_golden_flush(g);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.rec[0][0], NDR_REC_FLOW);
	ndr_golden_free(g);

	/* qdcount 0 */
	dnsb_header(&d, 1, 0, 0, 0, 0, 0);
	r = dns_over_udp(&s, &d);
	assert_int_equal(r->parse_flags, NDR_DNS_P_NO_QUESTION);
	assert_int_equal(r->qname_len, 0);

	/* An answer running past the message: counted answers stop. */
	dnsb_header(&d, 1, 0x8000, 1, 2, 0, 0);
	dnsb_question(&d, "a", 1, 1);
	dnsb_rr(&d, 12, 1, 5, "\1\2\3\4", 4);
	dnsb_rr(&d, 12, 1, 5, "\1\2\3\4", 4);
	d.len -= 2;
	r = dns_over_udp(&s, &d);
	assert_int_equal(r->parse_flags, NDR_DNS_P_TRUNCATED | NDR_DNS_P_ANSWERS_CUT);
	assert_int_equal(r->an_a, 1);
	assert_int_equal(r->min_ttl, 5);
}

static void test_dns_over_tcp(void **state)
{
	struct sink s;
	struct dnsb d;
	struct pg p;
	struct ndr_golden *g;
	uint8_t msg[512];
	const struct ndr_dns_rec *r;

	(void)state;
	dnsb_header(&d, 9, 0x0100, 1, 0, 0, 0);
	dnsb_question(&d, "tcp.example", 16, 1);
	msg[0] = (uint8_t)(d.len >> 8);
	msg[1] = (uint8_t)d.len;
	memcpy(msg + 2, d.b, d.len);
	pg_tcp4(&p, "10.0.0.1", 40001, "10.0.0.2", 53, PG_TCP_ACK | PG_TCP_PSH, msg, d.len + 2);
	g = new_golden(&s, 4);
	feed(g, T0, &p);
	ndr_golden_free(g);
	r = dns(&s, 0);
	assert_int_equal(r->parse_flags, NDR_DNS_P_TCP);
	assert_int_equal(r->ip_proto, 6);
	assert_int_equal(r->msg_len, d.len);
	assert_string_equal(r->qname, "tcp.example");
	assert_int_equal(r->qtype, 16);

	/* A segment with one byte of payload: no DNS record. */
	pg_tcp4(&p, "10.0.0.1", 40001, "10.0.0.2", 53, PG_TCP_ACK, msg, 1);
	g = new_golden(&s, 4);
	feed(g, T0, &p);
	assert_int_equal(s.n, 0);
	ndr_golden_free(g);
}

/* ---- flows ---- */

static void tcp_pkt(struct pg *p, int fwd, uint8_t flags, uint32_t payload)
{
	static uint8_t zeros[1500];

	if (fwd)
		pg_tcp4(p, "192.168.0.1", 5555, "192.168.0.2", 80, flags, zeros, payload);
	else
		pg_tcp4(p, "192.168.0.2", 80, "192.168.0.1", 5555, flags, zeros, payload);
}

static void test_flow_tcp_fin(void **state)
{
	struct sink s;
	struct ndr_golden *g = new_golden(&s, 0);   /* 1 bucket: visited every second */
	struct pg p;
	const struct ndr_flow_rec *f;

	(void)state;
	tcp_pkt(&p, 1, PG_TCP_SYN, 0);
	feed(g, T0, &p);
	tcp_pkt(&p, 0, PG_TCP_SYN | PG_TCP_ACK, 0);
	feed(g, T0 + 1000000, &p);                       /* +1 ms */
	tcp_pkt(&p, 1, PG_TCP_ACK, 100);
	feed(g, T0 + 3000000, &p);                       /* +2 ms */
	tcp_pkt(&p, 1, PG_TCP_FIN | PG_TCP_ACK, 0);
	feed(g, T0 + 3000500, &p);                       /* +500 ns: 0 us */
	tcp_pkt(&p, 0, PG_TCP_FIN | PG_TCP_ACK, 1400);
	feed(g, T0 + 4000000, &p);                       /* +999.5 us -> 999 */
	assert_int_equal(s.n, 0);

	/* 1 s after the last packet the closed flow has expired, but the
	 * scanner's visit at T0 + 1 s came before that: nothing yet */
	pg_udp4(&p, "1.1.1.1", 1, "2.2.2.2", 2, "x", 1);
	feed(g, T0 + 4000000 + SEC, &p);
	assert_int_equal(s.n, 0);
	/* card time passes T0 + 2 s: that visit cuts it, at its own time */
	feed(g, T0 + 2 * SEC + 500000000, &p);
	assert_int_equal(s.n, 1);
	f = flow(&s, 0);
	assert_int_equal(f->end_reason, NDR_FLOW_END_FIN);
	assert_int_equal(f->hdr.ts_ns, T0 + 2 * SEC);
	assert_int_equal(f->hdr.slots, 3);
	assert_int_equal(f->src_port, 5555);
	assert_int_equal(f->dst_port, 80);
	assert_int_equal(f->ip_proto, 6);
	assert_int_equal(f->pkts_fwd, 3);
	assert_int_equal(f->pkts_rev, 2);
	assert_int_equal(f->bytes_fwd, 40 + 140 + 40);
	assert_int_equal(f->bytes_rev, 40 + 1440);
	assert_int_equal(f->payload_bytes_fwd, 100);
	assert_int_equal(f->payload_bytes_rev, 1400);
	assert_int_equal(f->first_ts_ns, T0);
	assert_int_equal(f->last_ts_ns, T0 + 4000000);
	assert_int_equal(f->tcp_state, NDR_TCP_SYN | NDR_TCP_SYNACK | NDR_TCP_ESTABLISHED |
					       NDR_TCP_FIN_FWD | NDR_TCP_FIN_REV);
	assert_int_equal(f->tcp_flags_fwd, PG_TCP_SYN | PG_TCP_ACK | PG_TCP_FIN);
	assert_int_equal(f->tcp_flags_rev, PG_TCP_SYN | PG_TCP_ACK | PG_TCP_FIN);
	/* fwd rev fwd fwd rev: changes at 2, 3, 5 */
	assert_int_equal(f->dir_changes, 3);
	assert_int_equal(f->iat_min_us, 0);
	assert_int_equal(f->iat_max_us, 2000);
	assert_int_equal(f->iat_sum_us, 1000 + 2000 + 0 + 999);
	assert_int_equal(f->iat_sumsq_us, 1000000ull + 4000000ull + 0 + 998001ull);
	assert_int_equal(f->hist_fwd[0], 2);            /* 40, 40 */
	assert_int_equal(f->hist_fwd[2], 1);            /* 140 */
	assert_int_equal(f->hist_rev[0], 1);
	assert_int_equal(f->hist_rev[6], 1);            /* 1440 */
	assert_int_equal(f->frag_seen, 0);
	assert_int_equal(f->vlan_outer, 0);
	ndr_golden_free(g);
}

static void test_flow_rst_midstream_and_hash(void **state)
{
	struct sink s;
	struct ndr_golden *g = new_golden(&s, 0);
	struct pg p;
	const struct ndr_flow_rec *f;
	uint8_t key[44] = { 0 };

	(void)state;
	tcp_pkt(&p, 0, PG_TCP_ACK, 10);                  /* first packet from the server */
	feed(g, T0, &p);
	tcp_pkt(&p, 1, PG_TCP_RST, 0);
	feed(g, T0 + 10, &p);
	pg_udp4(&p, "1.1.1.1", 1, "2.2.2.2", 2, "x", 1);
	feed(g, T0 + 10 + SEC, &p);         /* expired, but visited at T0 + 1 s */
	feed(g, T0 + 2 * SEC - 1, &p);      /* the next visit not yet due */
	assert_int_equal(s.n, 0);
	feed(g, T0 + 2 * SEC, &p);          /* it is: first, then this packet */
	assert_int_equal(s.n, 1);
	f = flow(&s, 0);
	assert_int_equal(f->hdr.ts_ns, T0 + 2 * SEC);
	assert_int_equal(f->end_reason, NDR_FLOW_END_RST);
	assert_int_equal(f->src_port, 80);               /* initiator = first sender */
	assert_int_equal(f->tcp_state, NDR_TCP_MIDSTREAM | NDR_TCP_RST_REV);

	/* The key by hand: lower endpoint 192.168.0.1:5555 first. */
	key[10] = key[11] = 0xff;
	key[12] = 192; key[13] = 168; key[14] = 0; key[15] = 1;
	key[26] = key[27] = 0xff;
	key[28] = 192; key[29] = 168; key[30] = 0; key[31] = 2;
	key[32] = 5555 & 0xff; key[33] = 5555 >> 8;
	key[34] = 80; key[35] = 0;
	key[36] = 6;
	assert_int_equal(f->flow_hash, golden_murmur3_32(key, 44, 0x6e647221u));
	ndr_golden_free(g);
}

static void test_flow_idle_active_flush(void **state)
{
	struct sink s;
	struct ndr_card_cfg cfg;
	struct ndr_golden *g;
	struct pg p, other;
	const struct ndr_flow_rec *f;

	(void)state;
	memset(&s, 0, sizeof(s));
	ndr_card_cfg_defaults(&cfg);
	cfg.log2_buckets = 0;
	cfg.idle_timeout_ms = 30000;
	cfg.active_timeout_ms = 50000;
	g = ndr_golden_new(&cfg, collect, &s);
	assert_non_null(g);
	ndr_golden_full_records(g);

	pg_udp4(&p, "10.1.1.1", 1000, "10.1.1.2", 2000, "abcd", 4);
	pg_udp4(&other, "10.9.9.9", 9, "10.9.9.8", 8, "", 0);
	feed(g, T0, &p);
	feed(g, T0 + 20 * SEC, &p);
	feed(g, T0 + 40 * SEC, &p);
	assert_int_equal(s.n, 0);
	feed(g, T0 + 50 * SEC, &p);                      /* 50 s since first: ACTIVE */
	assert_int_equal(s.n, 1);
	f = flow(&s, 0);
	assert_int_equal(f->end_reason, NDR_FLOW_END_ACTIVE);
	assert_int_equal(f->pkts_fwd, 4);
	assert_int_equal(f->first_ts_ns, T0);
	assert_int_equal(f->last_ts_ns, T0 + 50 * SEC);
	assert_int_equal(f->iat_max_us, 20000000u);
	assert_int_equal(f->iat_min_us, 10000000u);
	assert_int_equal(f->payload_bytes_fwd, 16);

	feed(g, T0 + 60 * SEC, &p);                      /* first of the new period */
	feed(g, T0 + 95 * SEC, &other);                  /* 35 s idle: scan expires it */
	assert_int_equal(s.n, 2);
	f = flow(&s, 1);
	assert_int_equal(f->end_reason, NDR_FLOW_END_IDLE);
	/* at the first visit (one a second) that finds it 30 s idle */
	assert_int_equal(f->hdr.ts_ns, T0 + 90 * SEC);
	assert_int_equal(f->pkts_fwd, 1);
	assert_int_equal(f->first_ts_ns, T0 + 60 * SEC);
	assert_int_equal(f->iat_min_us, 0xffffffffu);
	assert_int_equal(f->iat_max_us, 0);
	assert_int_equal(f->dir_changes, 0);

	ndr_golden_flush(g);
	assert_int_equal(s.n, 3);
	f = flow(&s, 2);
	assert_int_equal(f->end_reason, NDR_FLOW_END_FLUSH);
	assert_int_equal(f->hdr.ts_ns, T0 + 95 * SEC);
	assert_int_equal(f->src_port, 9);
	ndr_golden_free(g);
}

static void test_flow_eviction(void **state)
{
	struct sink s;
	struct ndr_golden *g = new_golden(&s, 0);       /* one bucket of 4 ways */
	struct pg p;
	unsigned i;

	(void)state;
	for (i = 0; i < 4; i++) {
		pg_udp4(&p, "10.0.0.1", (uint16_t)(1000 + i), "10.0.0.2", 7, "", 0);
		feed(g, T0 + (4 - i) * 1000, &p);           /* the last one is the oldest */
	}
	assert_int_equal(s.n, 0);
	pg_udp4(&p, "10.0.0.1", 2000, "10.0.0.2", 7, "", 0);
	feed(g, T0 + 5000, &p);
	assert_int_equal(s.n, 1);
	assert_int_equal(flow(&s, 0)->end_reason, NDR_FLOW_END_EVICT);
	assert_int_equal(flow(&s, 0)->src_port, 1003);
	assert_int_equal(flow(&s, 0)->hdr.ts_ns, T0 + 5000);
	ndr_golden_flush(g);
	assert_int_equal(s.n, 5);
	/* Flush in way order: way 3 now holds port 2000. */
	assert_int_equal(flow(&s, 1)->src_port, 1000);
	assert_int_equal(flow(&s, 4)->src_port, 2000);
	ndr_golden_free(g);
}

static void test_flow_vlan_ipv6_frag_icmp(void **state)
{
	struct sink s;
	struct ndr_golden *g = new_golden(&s, 4);
	struct pg p;
	const struct ndr_flow_rec *f;
	unsigned i, seen = 0;

	(void)state;
	/* QinQ UDP */
	pg_init(&p);
	pg_eth(&p, 0x88a8);
	pg_vlan(&p, 0x0123 | 0xe000, 0x8100);
	pg_vlan(&p, 0x0456, 0x0800);
	pg_ipv4(&p, "10.0.0.1", "10.0.0.2", 17, 64, 0, NULL, 0);
	pg_udp(&p, 1, 2);
	pg_finish(&p);
	feed(g, T0, &p);
	/* IPv6 with hop-by-hop and AH, then TCP SYN */
	pg_init(&p);
	pg_eth(&p, 0x86dd);
	pg_ipv6(&p, "2001:db8::1", "2001:db8::2", 0, 33);
	pg_ipv6_ext(&p, 0, 51, 8);
	pg_ipv6_ext(&p, 51, 6, 16);
	pg_tcp(&p, 3333, 443, PG_TCP_SYN, 0);
	pg_finish(&p);
	feed(g, T0 + 1, &p);
	/* IPv4 fragment (MF) of UDP: ports 0 */
	pg_init(&p);
	pg_eth(&p, 0x0800);
	pg_ipv4(&p, "10.0.0.3", "10.0.0.4", 17, 64, 0x2000, NULL, 0);
	pg_udp(&p, 53, 53);
	pg_fill(&p, 0, 100);
	pg_finish(&p);
	feed(g, T0 + 2, &p);
	/* ICMP echo */
	pg_init(&p);
	pg_eth(&p, 0x0800);
	pg_ipv4(&p, "10.0.0.5", "10.0.0.6", 1, 64, 0, NULL, 0);
	pg_icmp(&p, 8, 0);
	pg_finish(&p);
	feed(g, T0 + 3, &p);
	/* Parse errors: IHL 4; and a third VLAN tag (non-IP). No flows. */
	pg_init(&p);
	pg_eth(&p, 0x0800);
	pg_ipv4(&p, "10.0.0.7", "10.0.0.8", 17, 64, 0, NULL, 0);
	pg_udp(&p, 1, 2);
	pg_finish(&p);
	p.b[14] = 0x44;
	feed(g, T0 + 4, &p);
	pg_init(&p);
	pg_eth(&p, 0x8100);
	pg_vlan(&p, 1, 0x8100);
	pg_vlan(&p, 2, 0x8100);
	pg_vlan(&p, 3, 0x0800);
	pg_ipv4(&p, "10.0.0.7", "10.0.0.8", 17, 64, 0, NULL, 0);
	pg_udp(&p, 1, 2);
	pg_finish(&p);
	feed(g, T0 + 5, &p);
	assert_int_equal(s.n, 0);

	ndr_golden_flush(g);
	assert_int_equal(s.n, 4);
	for (i = 0; i < s.n; i++) {
		f = flow(&s, i);
		assert_int_equal(f->end_reason, NDR_FLOW_END_FLUSH);
		assert_int_equal(f->hdr.ts_ns, T0 + 5);
		switch (f->ip_proto) {
		case 17:
			if (f->frag_seen) {
				assert_int_equal(f->frag_seen, 1);
				assert_int_equal(f->src_port, 0);
				assert_int_equal(f->dst_port, 0);
				assert_int_equal(f->bytes_fwd, 20 + 8 + 100);
				assert_int_equal(f->payload_bytes_fwd, 108);
			} else {
				assert_int_equal(f->vlan_outer, 0x123);
				assert_int_equal(f->vlan_inner, 0x456);
			}
			seen |= f->frag_seen ? 1 : 2;
			break;
		case 6:
			assert_int_equal(f->hdr.flags, NDR_REC_F_IPV6);
			assert_int_equal(f->tcp_state, NDR_TCP_SYN);
			assert_int_equal(f->bytes_fwd, 40 + 8 + 16 + 20);
			assert_int_equal(f->payload_bytes_fwd, 0);
			seen |= 4;
			break;
		case 1:
			assert_int_equal(f->src_port, 0);
			assert_int_equal(f->dst_port, 8 << 8);
			seen |= 8;
			break;
		default:
			fail_msg("unexpected protocol %u", f->ip_proto);
		}
	}
	assert_int_equal(seen, 15);
	ndr_golden_free(g);
}

static void test_header_window(void **state)
{
	struct sink s;
	struct ndr_golden *g = new_golden(&s, 4);
	struct pg p;

	(void)state;
	/* TCP header ends at 14 + 40 + 184 + 20 = 258 > 256: parse error. */
	pg_init(&p);
	pg_eth(&p, 0x86dd);
	pg_ipv6(&p, "2001:db8::1", "2001:db8::2", 60, 64);
	pg_ipv6_ext(&p, 60, 6, 184);
	pg_tcp(&p, 1, 2, PG_TCP_SYN, 0);
	pg_finish(&p);
	feed(g, T0, &p);
	ndr_golden_flush(g);
	assert_int_equal(s.n, 0);
	ndr_golden_free(g);

	/* 176 bytes of extension: ends at 250, fine. */
	g = new_golden(&s, 4);
	pg_init(&p);
	pg_eth(&p, 0x86dd);
	pg_ipv6(&p, "2001:db8::1", "2001:db8::2", 60, 64);
	pg_ipv6_ext(&p, 60, 6, 176);
	pg_tcp(&p, 1, 2, PG_TCP_SYN, 0);
	pg_finish(&p);
	feed(g, T0, &p);
	ndr_golden_flush(g);
	assert_int_equal(s.n, 1);
	ndr_golden_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_murmur3_vectors),
		cmocka_unit_test(test_entropy_exact),
		cmocka_unit_test(test_dns_query_features),
		cmocka_unit_test(test_dns_entropy_values),
		cmocka_unit_test(test_dns_answers),
		cmocka_unit_test(test_dns_pointer_cases),
		cmocka_unit_test(test_dns_bad_names),
		cmocka_unit_test(test_dns_truncated_and_short),
		cmocka_unit_test(test_dns_over_tcp),
		cmocka_unit_test(test_flow_tcp_fin),
		cmocka_unit_test(test_flow_rst_midstream_and_hash),
		cmocka_unit_test(test_flow_idle_active_flush),
		cmocka_unit_test(test_flow_eviction),
		cmocka_unit_test(test_flow_vlan_ipv6_frag_icmp),
		cmocka_unit_test(test_header_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
