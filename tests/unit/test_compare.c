/*
 * test_compare.c - the emulated card (hw/ kernels) against the golden model,
 * bit for bit, on (a) a crafted corpus of awkward packets and (b) a fuzz of
 * random and mutated frames with a fixed seed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "ndr_card.h"
#include "ndr_golden.h"
#include "pktgen.h"
#include "tlsgen.h"
#include "../../sim/golden/record_compare.h"

#define MS 1000000ull
#define T0 (1700000000ull * 1000000000ull)
#define RING_LOG2 14u
#define CORPUS_MAX 512
#define FUZZ_FRAMES 120000u

/* ---- the harness: one card and one golden model side by side ---- */

/* TLS records compared equal by the last harness_finish, and records the
 * card lacked (with drops_ok). */
static uint64_t last_tls_equal, last_missing;

struct harness {
	struct ndr_ring_ctrl *ctrl;
	uint8_t *slots;
	struct ndr_card *card;
	struct ndr_golden *golden;
	struct ndr_rec_cmp *cmp;
	uint64_t frame_no;
	int drops_ok;           /* the card may lack records it counted as dropped */
};

static void golden_record(void *arg, const struct ndr_rec_hdr *rec)
{
	struct harness *h = arg;

	ndr_rec_cmp_golden(h->cmp, rec, h->frame_no);
}

static void small_table_cfg(struct ndr_card_cfg *cfg)
{
	ndr_card_cfg_defaults(cfg);
	cfg->log2_buckets = 4;          /* 64 entries: evictions happen */
	cfg->idle_timeout_ms = 40;
	cfg->active_timeout_ms = 150;
	cfg->close_timeout_ms = 10;
}

static void harness_init(struct harness *h, const struct ndr_card_cfg *card_cfg,
			 const struct ndr_card_cfg *golden_cfg)
{
	char err[256];

	memset(h, 0, sizeof(*h));
	h->drops_ok = card_cfg->clocked && card_cfg->pace_line;
	h->slots = aligned_alloc(64, (size_t)NDR_SLOT_BYTES << RING_LOG2);
	h->ctrl = aligned_alloc(4096, 4096);
	assert_non_null(h->slots);
	assert_non_null(h->ctrl);
	memset(h->slots, 0, (size_t)NDR_SLOT_BYTES << RING_LOG2);
	memset(h->ctrl, 0, 4096);
	h->ctrl->log2_slots = RING_LOG2;
	h->card = ndr_card_new(card_cfg, h->slots, RING_LOG2, h->ctrl, err, sizeof(err));
	if (!h->card)
		fail_msg("ndr_card_new: %s", err);
	h->cmp = ndr_rec_cmp_new(stderr, 5);
	assert_non_null(h->cmp);
	if (h->drops_ok) {
		ndr_rec_cmp_allow_missing(h->cmp, NDR_REC_FLOW);
		ndr_rec_cmp_allow_missing(h->cmp, NDR_REC_DNS);
		ndr_rec_cmp_allow_missing(h->cmp, NDR_REC_TLS);
	}
	h->golden = ndr_golden_new(golden_cfg, golden_record, h);
	assert_non_null(h->golden);
}

static void drain(struct harness *h)
{
	uint32_t prod = __atomic_load_n(&h->ctrl->prod, __ATOMIC_ACQUIRE);
	uint32_t cons = h->ctrl->cons, mask = (1u << RING_LOG2) - 1;

	while (cons != prod) {
		const struct ndr_rec_hdr *rec =
			(const void *)(h->slots + (size_t)(cons & mask) * NDR_SLOT_BYTES);

		assert_in_range(rec->slots, 1, NDR_REC_MAX_SLOTS);
		ndr_rec_cmp_card(h->cmp, rec, h->frame_no);
		cons += rec->slots;
	}
	__atomic_store_n(&h->ctrl->cons, cons, __ATOMIC_RELEASE);
}

static void harness_frame(struct harness *h, uint64_t ts, const uint8_t *f, uint32_t caplen)
{
	h->frame_no++;
	ndr_golden_frame(h->golden, ts, f, caplen, caplen);
	ndr_card_frame(h->card, ts, f, caplen, caplen);
	drain(h);
}

/* Flushes both, returns the number of mismatching records; flows and dnss get
 * the numbers compared equal. */
static uint64_t harness_finish(struct harness *h, uint64_t *flows, uint64_t *dnss)
{
	struct ndr_card_stats st;
	uint64_t bad;

	ndr_golden_flush(h->golden);
	ndr_card_flush(h->card);
	drain(h);
	ndr_card_get_stats(h->card, &st);
	assert_int_equal(st.records_dropped, 0);
	if (h->drops_ok) {
		/* what the card lacks is exactly what it counted as dropped */
		assert_int_equal(ndr_rec_cmp_missing(h->cmp, NDR_REC_FLOW), st.flow_link_dropped);
		assert_int_equal(ndr_rec_cmp_missing(h->cmp, NDR_REC_DNS),
				 st.dns_link_dropped + st.dns_dropped);
		assert_int_equal(ndr_rec_cmp_missing(h->cmp, NDR_REC_TLS),
				 st.tls_link_dropped + st.tls_dropped);
		last_missing = ndr_rec_cmp_missing(h->cmp, NDR_REC_FLOW) +
			       ndr_rec_cmp_missing(h->cmp, NDR_REC_DNS) +
			       ndr_rec_cmp_missing(h->cmp, NDR_REC_TLS);
	} else {
		assert_int_equal(st.records_link_dropped + st.dns_dropped + st.tls_dropped, 0);
	}
	bad = ndr_rec_cmp_finish(h->cmp);
	*flows = ndr_rec_cmp_equal(h->cmp, NDR_REC_FLOW);
	*dnss = ndr_rec_cmp_equal(h->cmp, NDR_REC_DNS);
	last_tls_equal = ndr_rec_cmp_equal(h->cmp, NDR_REC_TLS);
	ndr_golden_free(h->golden);
	ndr_rec_cmp_free(h->cmp);
	ndr_card_free(h->card);
	free(h->slots);
	free(h->ctrl);
	return bad;
}

/* ---- the crafted corpus ---- */

struct frame {
	uint64_t dt;          /* time since the previous frame */
	uint32_t len;
	uint8_t b[2048];
};

struct corpus {
	unsigned n;
	struct frame f[CORPUS_MAX];
};

static void add(struct corpus *c, uint64_t dt, const struct pg *p, uint32_t caplen)
{
	struct frame *f;

	assert_true(c->n < CORPUS_MAX);
	f = &c->f[c->n++];
	f->dt = dt;
	f->len = caplen < p->len ? caplen : p->len;
	if (f->len > sizeof(f->b))
		f->len = sizeof(f->b);
	memcpy(f->b, p->b, f->len);
}

static void add_dns_udp(struct corpus *c, uint64_t dt, const struct dnsb *d, int response)
{
	struct pg p;

	if (response)
		pg_udp4(&p, "10.53.0.1", 53, "10.0.0.9", 33333, d->b, d->len);
	else
		pg_udp4(&p, "10.0.0.9", 33333, "10.53.0.1", 53, d->b, d->len);
	add(c, dt, &p, p.len);
}

static void add_dns_tcp(struct corpus *c, uint64_t dt, const struct dnsb *d, uint32_t cut)
{
	uint8_t msg[4200];
	struct pg p;

	msg[0] = (uint8_t)(d->len >> 8);
	msg[1] = (uint8_t)d->len;
	memcpy(msg + 2, d->b, d->len);
	pg_tcp4(&p, "10.0.0.9", 44444, "10.53.0.1", 53, PG_TCP_ACK | PG_TCP_PSH, msg,
		cut ? cut : d->len + 2);
	add(c, dt, &p, p.len);
}

static void build_dns_corpus(struct corpus *c)
{
	struct dnsb d;
	char longname[300];
	uint8_t txt[600];
	unsigned i;

	/* plain query and response with answers of every kind */
	dnsb_header(&d, 1, 0x0100, 1, 0, 0, 1);
	dnsb_question(&d, "Www.Example.COM", 1, 1);
	add_dns_udp(c, MS, &d, 0);
	dnsb_header(&d, 1, 0x8180, 1, 4, 0, 0);
	dnsb_question(&d, "Www.Example.COM", 1, 1);
	dnsb_rr(&d, 12, 5, 300, "\3www\0", 5);
	dnsb_rr(&d, 12, 1, 60, "\1\2\3\4", 4);
	dnsb_rr(&d, 12, 28, 30, "0123456789abcdef", 16);
	dnsb_rr(&d, 12, 1, 3600, "\1\2\3\5", 4);
	add_dns_udp(c, MS, &d, 1);
	/* TXT and NULL answers, more than 1024 RDATA bytes in all */
	for (i = 0; i < sizeof(txt); i++)
		txt[i] = (uint8_t)(i * 7 + 3);
	dnsb_header(&d, 2, 0x8400, 1, 3, 0, 0);
	dnsb_question(&d, "t.tunnel.example", 16, 1);
	dnsb_rr(&d, 12, 16, 0, txt, 255);
	dnsb_rr(&d, 12, 10, 5, txt, 600);
	dnsb_rr(&d, 12, 16, 1, txt + 100, 400);
	add_dns_tcp(c, MS, &d, 0);
	/* pointer loop, forward pointer, pointer chains */
	dnsb_header(&d, 3, 0, 1, 0, 0, 0);
	dnsb_labels(&d, "loop");
	dnsb_ptr(&d, 12);
	add_dns_udp(c, MS, &d, 0);
	dnsb_header(&d, 4, 0, 1, 0, 0, 0);
	dnsb_labels(&d, "fwd");
	dnsb_ptr(&d, 40);
	dnsb_u32(&d, 0x00010001);
	add_dns_udp(c, MS, &d, 0);
	dnsb_header(&d, 5, 0, 1, 0, 0, 0);
	dnsb_ptr(&d, 16);
	dnsb_ptr(&d, 14);
	dnsb_ptr(&d, 12);
	add_dns_udp(c, MS, &d, 0);
	/* 20 pointers back in a row: more than 16 */
	dnsb_header(&d, 6, 0, 1, 0, 0, 0);
	dnsb_name(&d, "x");
	for (i = 0; i < 20; i++)
		dnsb_ptr(&d, (uint16_t)(i == 0 ? 12 : 15 + 2 * (i - 1)));
	add_dns_udp(c, MS, &d, 0);
	/* oversized and reserved labels, 255-byte names */
	memset(longname, 'q', sizeof(longname));
	longname[63] = longname[127] = longname[191] = '.';
	longname[255] = '\0';
	dnsb_header(&d, 7, 0, 1, 0, 0, 0);
	dnsb_question(&d, longname, 1, 1);
	add_dns_udp(c, MS, &d, 0);
	longname[253] = '\0';
	dnsb_header(&d, 8, 0, 1, 0, 0, 0);
	dnsb_question(&d, longname, 1, 1);
	add_dns_udp(c, MS, &d, 0);
	dnsb_header(&d, 9, 0, 1, 0, 0, 0);
	dnsb_u8(&d, 0x80);
	dnsb_raw(&d, "abcdefgh", 8);
	add_dns_udp(c, MS, &d, 0);
	/* truncated: message cut in the name, in the question, in an answer */
	dnsb_header(&d, 10, 0x8180, 1, 2, 0, 0);
	dnsb_question(&d, "cut.example", 1, 1);
	dnsb_rr(&d, 12, 1, 9, "\1\1\1\1", 4);
	dnsb_rr(&d, 12, 1, 9, "\1\1\1\1", 4);
	for (i = 12; i <= d.len; i += 3) {
		struct dnsb cut = d;

		cut.len = i;
		add_dns_udp(c, MS, &cut, 1);
	}
	/* the UDP length says more than there is */
	{
		struct pg p;

		pg_udp4(&p, "10.0.0.9", 33333, "10.53.0.1", 53, d.b, d.len);
		pg_put16(&p, 14 + 20 + 4, (uint16_t)(d.len + 8 + 50));
		add(c, MS, &p, p.len);
		/* snaplen cut */
		add(c, MS, &p, 14 + 20 + 8 + 20);
	}
	/* ancount above 32, qdcount 0, qdcount 2 */
	dnsb_header(&d, 11, 0x8180, 1, 40, 0, 0);
	dnsb_question(&d, "many", 1, 1);
	for (i = 0; i < 40; i++)
		dnsb_rr(&d, 12, (uint16_t)(i % 3 ? 1 : 16), 100 - i, "\1\1\1\1", 4);
	add_dns_udp(c, MS, &d, 1);
	dnsb_header(&d, 12, 0x8180, 0, 1, 0, 0);
	dnsb_rr(&d, 0, 1, 7, "\1\1\1\1", 4);
	add_dns_udp(c, MS, &d, 1);
	dnsb_header(&d, 13, 0, 2, 1, 0, 0);
	dnsb_question(&d, "one.example", 1, 1);
	dnsb_question(&d, "two.example", 28, 1);
	dnsb_rr(&d, 12, 28, 70, "0123456789abcdef", 16);
	add_dns_udp(c, MS, &d, 1);
	/* fewer than 12 bytes; TCP with 1 byte; TCP message cut mid-segment */
	d.len = 11;
	add_dns_udp(c, MS, &d, 0);
	dnsb_header(&d, 14, 0, 1, 0, 0, 0);
	dnsb_question(&d, "tcp.example", 1, 1);
	add_dns_tcp(c, MS, &d, 1);
	add_dns_tcp(c, MS, &d, 20);
	/* A message over 4096 bytes over TCP */
	dnsb_header(&d, 15, 0x8180, 1, 20, 0, 0);
	dnsb_question(&d, "big.example", 16, 1);
	for (i = 0; i < 20; i++)
		dnsb_rr(&d, 12, 16, 1, txt, 255);
	{
		static uint8_t msg[8192];
		static struct pg p;

		msg[0] = (uint8_t)(d.len >> 8);
		msg[1] = (uint8_t)d.len;
		memcpy(msg + 2, d.b, d.len);
		pg_init(&p);
		pg_eth(&p, 0x0800);
		pg_ipv4(&p, "10.0.0.9", "10.53.0.1", 6, 64, 0, NULL, 0);
		pg_tcp(&p, 44445, 53, PG_TCP_ACK, 0);
		pg_bytes(&p, msg, d.len + 2);
		pg_finish(&p);
		/* the corpus keeps 2048 bytes: the rest is beyond the capture */
		add(c, MS, &p, p.len);
	}
	/* DNS over IPv6 with a VLAN tag */
	{
		struct pg p;

		dnsb_header(&d, 16, 0x0100, 1, 0, 0, 0);
		dnsb_question(&d, "v6.example", 28, 1);
		pg_init(&p);
		pg_eth(&p, 0x8100);
		pg_vlan(&p, 77, 0x86dd);
		pg_ipv6(&p, "2001:db8::9", "2001:db8::53", 17, 200);
		pg_udp(&p, 5353, 53);
		pg_bytes(&p, d.b, d.len);
		pg_finish(&p);
		add(c, MS, &p, p.len);
	}
}

static void add_l3_variants(struct corpus *c)
{
	static const uint8_t opts[8] = { 0x94, 0x04, 0, 0, 0x01, 0x01, 0x01, 0x00 };
	struct pg p;
	unsigned i;

	/* VLAN and QinQ, and a third tag */
	for (i = 0; i < 3; i++) {
		pg_init(&p);
		pg_eth(&p, i == 0 ? 0x8100 : 0x88a8);
		pg_vlan(&p, (uint16_t)(0xf000 | (10 + i)), i == 0 ? 0x0800 : 0x8100);
		if (i >= 1)
			pg_vlan(&p, 20, i == 1 ? 0x0800 : 0x9100);
		if (i == 2)
			pg_vlan(&p, 30, 0x0800);
		pg_ipv4(&p, "172.16.0.1", "172.16.0.2", 17, 5, 0, NULL, 0);
		pg_udp(&p, 1000, 2000);
		pg_fill(&p, 0xab, 30);
		pg_finish(&p);
		add(c, MS, &p, p.len);
	}
	/* IPv4 options; bad IHL; total length below the header */
	pg_init(&p);
	pg_eth(&p, 0x0800);
	pg_ipv4(&p, "172.16.1.1", "172.16.1.2", 6, 64, 0, opts, sizeof(opts));
	pg_tcp(&p, 1, 2, PG_TCP_SYN, 12);
	pg_finish(&p);
	add(c, MS, &p, p.len);
	p.b[14] = 0x43;
	add(c, MS, &p, p.len);
	p.b[14] = 0x47;
	pg_put16(&p, 16, 20);
	add(c, MS, &p, p.len);
	/* fragments: first (MF), middle, last; v6 fragment header */
	for (i = 0; i < 3; i++) {
		pg_init(&p);
		pg_eth(&p, 0x0800);
		pg_ipv4(&p, "172.16.2.1", "172.16.2.2", 17, 64,
			(uint16_t)((i < 2 ? 0x2000 : 0) | (i * 185)), NULL, 0);
		pg_fill(&p, 0x11, 1480);
		pg_finish(&p);
		add(c, MS, &p, p.len);
	}
	pg_init(&p);
	pg_eth(&p, 0x86dd);
	pg_ipv6(&p, "2001:db8::1", "2001:db8::2", 44, 64);
	pg_ipv6_frag(&p, 17, 0, 1);
	pg_udp(&p, 53, 53);
	pg_fill(&p, 0, 64);
	pg_finish(&p);
	add(c, MS, &p, p.len);
	/* IPv6 extension chains: 4 walked, a fifth; AH; past the window;
	 * past the capture */
	for (i = 0; i < 7; i++) {
		unsigned k, n = i < 6 ? i : 2;

		pg_init(&p);
		pg_eth(&p, 0x86dd);
		pg_ipv6(&p, "2001:db8::1", "2001:db8::3", n ? 0 : 6, 64);
		for (k = 0; k < n; k++) {
			uint8_t type = k == 0 ? 0 : (k % 2 ? 60 : 43);
			uint8_t next = k + 1 < n ? (uint8_t)((k + 1) % 2 ? 60 : 43) : 51;

			pg_ipv6_ext(&p, type, next, i == 5 ? 48 : 8);
		}
		if (n)
			pg_ipv6_ext(&p, 51, 6, 12);
		pg_tcp(&p, 7, 8, PG_TCP_SYN | PG_TCP_ACK, 0);
		pg_finish(&p);
		add(c, MS, &p, i == 6 ? 14 + 40 + 8 + 4 : p.len);
	}
	/* ICMP and ICMPv6, echo and reply */
	pg_init(&p);
	pg_eth(&p, 0x0800);
	pg_ipv4(&p, "172.16.3.1", "172.16.3.2", 1, 64, 0, NULL, 0);
	pg_icmp(&p, 8, 0);
	pg_finish(&p);
	add(c, MS, &p, p.len);
	pg_init(&p);
	pg_eth(&p, 0x0800);
	pg_ipv4(&p, "172.16.3.2", "172.16.3.1", 1, 64, 0, NULL, 0);
	pg_icmp(&p, 0, 0);
	pg_finish(&p);
	add(c, MS, &p, p.len);
	pg_init(&p);
	pg_eth(&p, 0x86dd);
	pg_ipv6(&p, "fe80::1", "ff02::1", 58, 255);
	pg_icmp(&p, 135, 0);
	pg_finish(&p);
	add(c, MS, &p, p.len);
	/* ICMP with the type byte cut off by the capture */
	pg_init(&p);
	pg_eth(&p, 0x0800);
	pg_ipv4(&p, "172.16.3.5", "172.16.3.6", 1, 64, 0, NULL, 0);
	pg_icmp(&p, 3, 3);
	pg_finish(&p);
	add(c, MS, &p, 34);
	/* other protocols, ARP, runts */
	pg_init(&p);
	pg_eth(&p, 0x0800);
	pg_ipv4(&p, "172.16.4.1", "172.16.4.2", 47, 64, 0, NULL, 0);
	pg_fill(&p, 0, 40);
	pg_finish(&p);
	add(c, MS, &p, p.len);
	pg_init(&p);
	pg_eth(&p, 0x0806);
	pg_fill(&p, 0, 28);
	add(c, MS, &p, p.len);
	add(c, MS, &p, 10);
	/* TCP with a bad data offset; UDP header cut */
	pg_tcp4(&p, "172.16.5.1", 1, "172.16.5.2", 2, PG_TCP_SYN, "", 0);
	p.b[14 + 20 + 12] = 0x40;
	add(c, MS, &p, p.len);
	pg_udp4(&p, "172.16.5.1", 1, "172.16.5.2", 2, "", 0);
	add(c, MS, &p, 14 + 20 + 6);
}

static void add_flow_lifecycles(struct corpus *c)
{
	struct pg p;
	unsigned i;

	/* a TCP handshake and close */
	pg_tcp4(&p, "192.168.9.1", 40000, "192.168.9.2", 443, PG_TCP_SYN, "", 0);
	add(c, MS, &p, p.len);
	pg_tcp4(&p, "192.168.9.2", 443, "192.168.9.1", 40000, PG_TCP_SYN | PG_TCP_ACK, "", 0);
	add(c, 2 * MS, &p, p.len);
	pg_tcp4(&p, "192.168.9.1", 40000, "192.168.9.2", 443, PG_TCP_ACK, "hello", 5);
	add(c, 1 * MS, &p, p.len);
	pg_tcp4(&p, "192.168.9.1", 40000, "192.168.9.2", 443, PG_TCP_FIN | PG_TCP_ACK, "", 0);
	add(c, 1 * MS, &p, p.len);
	pg_tcp4(&p, "192.168.9.2", 443, "192.168.9.1", 40000, PG_TCP_FIN | PG_TCP_ACK, "", 0);
	add(c, 1 * MS, &p, p.len);
	/* an RST mid-stream */
	pg_tcp4(&p, "192.168.9.3", 1234, "192.168.9.4", 22, PG_TCP_ACK, "xx", 2);
	add(c, 1 * MS, &p, p.len);
	pg_tcp4(&p, "192.168.9.4", 22, "192.168.9.3", 1234, PG_TCP_RST, "", 0);
	add(c, 1 * MS, &p, p.len);
	/* a long flow: ACTIVE cuts (active timeout 150 ms), then idle */
	for (i = 0; i < 12; i++) {
		pg_udp4(&p, "192.168.9.5", 5000, "192.168.9.6", 6000, "tick", 4);
		add(c, 20 * MS, &p, p.len);
	}
	/* many flows into a 16-bucket table: evictions */
	for (i = 0; i < 200; i++) {
		char src[32];

		snprintf(src, sizeof(src), "10.%u.%u.1", i / 50, i % 50);
		pg_udp4(&p, src, (uint16_t)(1024 + i), "10.200.0.1", 9999, "e", 1);
		add(c, 100000, &p, p.len);
	}
	/* a gap: everything expires as the scanner passes */
	for (i = 0; i < 40; i++) {
		pg_udp4(&p, "192.168.9.7", 7, "192.168.9.8", 8, "late", 4);
		add(c, i == 0 ? 100 * MS : MS, &p, p.len);
	}
}

/* ClientHellos whole and cut, with lengths that lie, on several ports. */
static void add_tls_hellos(struct corpus *c)
{
	static const char *const names[] = {
		"Example.COM", "a.b.c.d.e.f.example.org", "xn--bcher-kva.example",
		"a-very-long-label-for-a-server-name-that-goes-past-sixty-four-bytes.example.net",
	};
	struct tlsgen h;
	struct pg p;
	unsigned i;

	for (i = 0; i < 12; i++) {
		struct tlsgen_opts o = { 0 };
		uint16_t port = (uint16_t)(i % 3 == 0 ? 443 : 8443 + i);
		uint32_t n;

		o.sni = (i % 5 == 4) ? NULL : names[i % 4];
		o.alpn = (i & 1) ? "h2" : (i % 4 == 2 ? "http/1.1-extended" : NULL);
		o.n_ciphers = (uint16_t)(3 + 7 * i);
		o.session_id_len = (uint8_t)((i % 3) * 16);
		o.filler_before = i % 4;
		o.filler_after = i == 7 ? 40 : i % 2;
		o.padding = i == 9 ? 1100 : (i % 3) * 100;
		tlsgen_hello(&h, &o);
		switch (i) {
		case 3: tlsgen_put16(&h, h.ext_len_off, 0xfff0); break;
		case 5: tlsgen_put16(&h, 3, 100); break;
		case 6:
			if (h.sni_ext_off)
				tlsgen_put16(&h, h.sni_ext_off + 7, 0x300);
			break;
		case 8: tlsgen_put24(&h, 6, 70); break;
		}
		n = h.len;
		if (i == 10)
			n = h.len / 2;        /* the first of two segments */
		pg_tcp4(&p, "10.44.0.2", (uint16_t)(40000 + i), "10.44.0.9", port,
			PG_TCP_ACK | PG_TCP_PSH, h.b, n);
		add(c, MS / 4, &p, i == 11 ? 54 + 80 : p.len);
	}
}

static void build_corpus(struct corpus *c)
{
	c->n = 0;
	build_dns_corpus(c);
	add_l3_variants(c);
	add_flow_lifecycles(c);
	add_tls_hellos(c);
}

static uint64_t run_corpus(const struct corpus *c, const struct ndr_card_cfg *card_cfg,
			   const struct ndr_card_cfg *golden_cfg, uint64_t *flows, uint64_t *dnss)
{
	struct harness h;
	uint64_t t = T0;
	unsigned i;

	harness_init(&h, card_cfg, golden_cfg);
	for (i = 0; i < c->n; i++) {
		t += c->f[i].dt;
		harness_frame(&h, t, c->f[i].b, c->f[i].len);
	}
	return harness_finish(&h, flows, dnss);
}

static void test_crafted_corpus(void **state)
{
	static struct corpus c;
	struct ndr_card_cfg cfg;
	uint64_t flows, dnss, bad;

	(void)state;
	build_corpus(&c);
	small_table_cfg(&cfg);
	bad = run_corpus(&c, &cfg, &cfg, &flows, &dnss);
	printf("crafted corpus: %u frames, %llu flow, %llu dns and %llu tls records bit-exact, "
	       "%llu differ\n", c.n, (unsigned long long)flows, (unsigned long long)dnss,
	       (unsigned long long)last_tls_equal, (unsigned long long)bad);
	assert_int_equal(bad, 0);
	assert_true(flows > 100);
	assert_true(dnss > 30);
	assert_int_equal(last_tls_equal, 12);
}

/* The clocked simulation against the golden model on the same corpus: at
 * the capture's pace every record; back to back at line rate the corpus's
 * small frames bring more record slots than the writer's one a clock, and
 * what the card lacks must be exactly what it counted as dropped. */
static void test_crafted_corpus_clocked(void **state)
{
	static struct corpus c;
	struct ndr_card_cfg cfg, card;
	uint64_t flows, dnss, bad;

	(void)state;
	build_corpus(&c);
	small_table_cfg(&cfg);
	for (int line = 0; line < 2; line++) {
		card = cfg;
		card.clocked = true;
		card.pace_line = line;
		last_missing = 0;
		bad = run_corpus(&c, &card, &cfg, &flows, &dnss);
		printf("crafted corpus, clocked%s: %llu flow, %llu dns and %llu tls records "
		       "bit-exact, %llu differ, %llu dropped and counted\n",
		       line ? " at line rate" : "", (unsigned long long)flows,
		       (unsigned long long)dnss, (unsigned long long)last_tls_equal,
		       (unsigned long long)bad, (unsigned long long)last_missing);
		assert_int_equal(bad, 0);
		assert_true(flows > 100);
		assert_true(dnss > 25);
		assert_true(last_tls_equal >= 10);
	}
}

/* The comparison must be able to fail: a golden model with another hash
 * seed gives other flow hashes. */
static void test_compare_detects_difference(void **state)
{
	static struct corpus c;
	struct ndr_card_cfg cfg, other;
	uint64_t flows, dnss, bad;

	(void)state;
	build_corpus(&c);
	small_table_cfg(&cfg);
	other = cfg;
	other.hash_seed ^= 1;
	bad = run_corpus(&c, &cfg, &other, &flows, &dnss);
	assert_true(bad > 0);
}

/* ---- fuzz ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: fixed seed, same sequence everywhere */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint32_t rnd_below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

static uint32_t random_frame(uint8_t *b, uint32_t max)
{
	static const uint16_t types[] = { 0x0800, 0x86dd, 0x8100, 0x88a8, 0x0806, 0x9100 };
	uint32_t len = rnd_below(max < 400 ? max : 400), i;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)rnd();
	if (len >= 15) {
		uint16_t t = types[rnd_below(sizeof(types) / sizeof(types[0]))];

		b[12] = (uint8_t)(t >> 8);
		b[13] = (uint8_t)t;
		if (t == 0x0800)
			b[14] = (uint8_t)(0x40 | (5 + rnd_below(3)));
		else if (t == 0x86dd)
			b[14] = 0x60;
	}
	return len;
}

static uint32_t mutate(uint8_t *b, const struct frame *src)
{
	uint32_t len = src->len, n = 1 + rnd_below(4), i;

	memcpy(b, src->b, len);
	for (i = 0; i < n && len > 0; i++) {
		uint32_t where;

		switch (rnd_below(5)) {
		case 0:           /* anywhere */
			where = rnd_below(len);
			break;
		case 1: case 2:   /* headers */
			where = rnd_below(len < 80 ? len : 80);
			break;
		default:          /* the first part of a DNS message, if any */
			where = 42 + rnd_below(60);
			if (where >= len)
				where = rnd_below(len);
			break;
		}
		if (rnd_below(3) == 0)
			b[where] = (uint8_t)rnd();
		else
			b[where] ^= (uint8_t)(1u << rnd_below(8));
	}
	if (rnd_below(8) == 0)
		len = rnd_below(len + 1);   /* snaplen cut */
	return len;
}

/*
 * With NDR_FUZZ_PCAP=FILE in the environment the fuzz frames are also
 * written to FILE, to replay a failure with
 *   ndr-sim --compare --buckets 4 --idle-ms 40 --active-ms 150 --close-ms 10 -r FILE
 */
struct fuzz_pcap {
	pcap_t *dead;
	pcap_dumper_t *dumper;
};

static void fuzz_pcap_open(struct fuzz_pcap *fp)
{
	const char *path = getenv("NDR_FUZZ_PCAP");

	memset(fp, 0, sizeof(*fp));
	if (!path)
		return;
	fp->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535,
							 PCAP_TSTAMP_PRECISION_NANO);
	assert_non_null(fp->dead);
	fp->dumper = pcap_dump_open(fp->dead, path);
	if (!fp->dumper)
		fail_msg("%s: %s", path, pcap_geterr(fp->dead));
}

static void fuzz_pcap_write(struct fuzz_pcap *fp, uint64_t t, const uint8_t *b, uint32_t len)
{
	struct pcap_pkthdr ph;

	if (!fp->dumper)
		return;
	ph.ts.tv_sec = (time_t)(t / 1000000000u);
	ph.ts.tv_usec = (suseconds_t)(t % 1000000000u);   /* ns: a nanosecond file */
	ph.caplen = ph.len = len;
	pcap_dump((u_char *)fp->dumper, &ph, b);
}

static void fuzz_pcap_close(struct fuzz_pcap *fp)
{
	if (fp->dumper)
		pcap_dump_close(fp->dumper);
	if (fp->dead)
		pcap_close(fp->dead);
}

static void test_fuzz(void **state)
{
	static struct corpus c;
	static uint8_t buf[2048];
	struct ndr_card_cfg cfg;
	struct harness h;
	struct fuzz_pcap fp;
	uint64_t t = T0, flows, dnss, bad;
	unsigned i;

	(void)state;
	fuzz_pcap_open(&fp);
	build_corpus(&c);
	small_table_cfg(&cfg);
	rng_state = 0x6e6472206675a2ull;
	harness_init(&h, &cfg, &cfg);
	for (i = 0; i < FUZZ_FRAMES; i++) {
		uint32_t len;

		if (rnd_below(4) == 0)
			len = random_frame(buf, sizeof(buf));
		else
			len = mutate(buf, &c.f[rnd_below(c.n)]);
		/* mostly small steps, sometimes past a timeout, rarely back */
		switch (rnd_below(16)) {
		case 0: t += 60 * MS; break;
		case 1: t -= rnd_below(1000000); break;
		default: t += rnd_below(2 * MS); break;
		}
		fuzz_pcap_write(&fp, t, buf, len);
		harness_frame(&h, t, buf, len);
	}
	fuzz_pcap_close(&fp);
	bad = harness_finish(&h, &flows, &dnss);
	printf("fuzz: %u frames, %llu flow, %llu dns and %llu tls records bit-exact, %llu differ\n",
	       FUZZ_FRAMES, (unsigned long long)flows, (unsigned long long)dnss,
	       (unsigned long long)last_tls_equal, (unsigned long long)bad);
	assert_int_equal(bad, 0);
	assert_true(flows > 1000);
	assert_true(dnss > 1000);
	assert_true(last_tls_equal > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crafted_corpus),
		cmocka_unit_test(test_crafted_corpus_clocked),
		cmocka_unit_test(test_compare_detects_difference),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
