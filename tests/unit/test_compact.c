/*
 * test_compact.c - the card's compact records (NDR_REC_FLOW_SHORT,
 * NDR_REC_DNS_SHORT; ndr_abi.h, docs/dataplane.md "Compact records"):
 *   - expanded by libndr (ndr_rec_expand), they are exactly the full
 *     records the golden model writes when told to write only full ones
 *     (ndr_golden_full_records), FLOW, DNS and TLS per type in order;
 *   - the card writes the compact form exactly when the documented rules
 *     hold, which this file states again from the full record's fields;
 * on every committed capture in tests/captures (whole-frame card) and on
 * crafted corner cases (each boundary of the rules from both sides,
 * whole-frame and clocked card).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_capture.h"
#include "ndr_card.h"
#include "ndr_golden.h"
#include "ndr_record.h"
#include "pktgen.h"

#define SEC 1000000000ull
#define MS 1000000ull
#define T0 (1700000000ull * SEC)
#define RING_LOG2 16u
#define REC_BYTES (NDR_REC_MAX_SLOTS * NDR_SLOT_BYTES)
#define CAPTURES "tests/captures"

/* ---- the rules, from the full record (docs/dataplane.md) ---- */

static bool flow_rule(const struct ndr_flow_rec *r)
{
	uint64_t pkts = r->pkts_fwd + r->pkts_rev;
	return !(r->hdr.flags & NDR_REC_F_IPV6) && r->vlan_inner == 0 && pkts >= 1 && pkts <= 2 &&
	       r->last_ts_ns >= r->first_ts_ns && r->last_ts_ns - r->first_ts_ns < (1ull << 32);
}

static bool dns_rule(const struct ndr_dns_rec *r)
{
	return !(r->hdr.flags & NDR_REC_F_IPV6) && r->ip_proto == 17 && r->parse_flags == 0 &&
	       r->qdcount == 1 && r->ancount == 0 && r->nscount == 0 && r->arcount <= 1 &&
	       r->qclass == 1 && r->qname_len <= NDR_DNS_SHORT_NAME;
}

/* ---- records of one side, by class ---- */

enum { C_FLOW, C_DNS, C_TLS, CLASSES };
static const char *const class_name[CLASSES] = { "flow", "dns", "tls" };

struct list {
	uint8_t *rec;                /* full form, REC_BYTES apart */
	uint8_t *raw;                /* the type on the ring */
	size_t n, cap;
};

struct side {
	struct list l[CLASSES];
};

static const char *type_name(unsigned type)
{
	switch (type) {
	case NDR_REC_FLOW:       return "FLOW";
	case NDR_REC_FLOW_SHORT: return "FLOW_SHORT";
	case NDR_REC_DNS:        return "DNS";
	case NDR_REC_DNS_SHORT:  return "DNS_SHORT";
	case NDR_REC_TLS:        return "TLS";
	default:                 return "?";
	}
}

static int rec_class(unsigned type)
{
	switch (type) {
	case NDR_REC_FLOW: case NDR_REC_FLOW_SHORT: return C_FLOW;
	case NDR_REC_DNS: case NDR_REC_DNS_SHORT:   return C_DNS;
	case NDR_REC_TLS:                           return C_TLS;
	default:                                    return -1;
	}
}

static void side_add(struct side *s, const struct ndr_rec_hdr *raw)
{
	int c = rec_class(raw->type);
	if (c < 0)
		return;
	union ndr_rec_full buf;
	const struct ndr_rec_hdr *full = ndr_rec_expand(raw, &buf);
	assert_int_equal(full->type, c == C_FLOW ? NDR_REC_FLOW : c == C_DNS ? NDR_REC_DNS
					: NDR_REC_TLS);
	struct list *l = &s->l[c];
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		l->rec = realloc(l->rec, l->cap * REC_BYTES);
		l->raw = realloc(l->raw, l->cap);
		assert_non_null(l->rec);
		assert_non_null(l->raw);
	}
	memset(l->rec + l->n * REC_BYTES, 0, REC_BYTES);
	memcpy(l->rec + l->n * REC_BYTES, full, (size_t)full->slots * NDR_SLOT_BYTES);
	l->raw[l->n] = raw->type;
	l->n++;
}

static void side_free(struct side *s)
{
	for (int c = 0; c < CLASSES; c++) {
		free(s->l[c].rec);
		free(s->l[c].raw);
	}
	memset(s, 0, sizeof(*s));
}

static void golden_emit(void *arg, const struct ndr_rec_hdr *rec)
{
	side_add(arg, rec);
}

/* ---- a card and the golden model side by side ---- */

struct rig {
	struct ndr_card *card;
	struct ndr_golden *golden;
	uint8_t *slots;
	struct ndr_ring_ctrl ctrl;
	struct side card_side, golden_side;
};

static void rig_init(struct rig *r, const struct ndr_card_cfg *cfg)
{
	char err[256];
	memset(r, 0, sizeof(*r));
	r->slots = calloc((size_t)1 << RING_LOG2, NDR_SLOT_BYTES);
	assert_non_null(r->slots);
	r->card = ndr_card_new(cfg, r->slots, RING_LOG2, &r->ctrl, err, sizeof(err));
	if (!r->card)
		fail_msg("ndr_card_new: %s", err);
	struct ndr_card_cfg g = *cfg;
	g.clocked = false;
	r->golden = ndr_golden_new(&g, golden_emit, &r->golden_side);
	assert_non_null(r->golden);
	ndr_golden_full_records(r->golden);
}

static void rig_drain(struct rig *r)
{
	uint32_t prod = __atomic_load_n(&r->ctrl.prod, __ATOMIC_ACQUIRE);
	uint32_t mask = (1u << RING_LOG2) - 1u;
	while (r->ctrl.cons != prod) {
		const struct ndr_rec_hdr *h =
			(const void *)(r->slots + (size_t)(r->ctrl.cons & mask) * NDR_SLOT_BYTES);
		assert_in_range(h->slots, 1, NDR_REC_MAX_SLOTS);
		if (h->type != NDR_REC_PAD)
			side_add(&r->card_side, h);
		r->ctrl.cons += h->slots;
	}
	__atomic_store_n(&r->ctrl.cons, r->ctrl.cons, __ATOMIC_RELEASE);
}

static void rig_frame(struct rig *r, uint64_t ts, const uint8_t *f, uint32_t caplen,
		      uint32_t wirelen)
{
	ndr_golden_frame(r->golden, ts, f, caplen, wirelen);
	assert_int_equal(ndr_card_frame(r->card, ts, f, caplen, wirelen), 0);
	rig_drain(r);
}

/* Per class: the card's records (expanded) are the golden model's full
 * ones, in order; each is compact on the ring exactly when the rules
 * hold. Counts the compact and full ones. */
struct tally {
	size_t compact[CLASSES], full[CLASSES];
};

static void rig_finish(struct rig *r, const char *what, struct tally *t)
{
	struct ndr_card_stats st;
	ndr_golden_flush(r->golden);
	assert_int_equal(ndr_card_flush(r->card), 0);
	rig_drain(r);
	ndr_card_get_stats(r->card, &st);
	assert_int_equal(st.records_dropped, 0);
	assert_int_equal(st.records_link_dropped + st.dns_dropped + st.tls_dropped + st.rx_overrun, 0);
	for (int c = 0; c < CLASSES; c++) {
		const struct list *a = &r->card_side.l[c], *g = &r->golden_side.l[c];
		if (a->n != g->n)
			fail_msg("%s: %zu %s records from the card, %zu from the golden model", what,
				 a->n, class_name[c], g->n);
		for (size_t i = 0; i < a->n; i++) {
			uint8_t x[REC_BYTES], y[REC_BYTES];
			memcpy(x, a->rec + i * REC_BYTES, REC_BYTES);
			memcpy(y, g->rec + i * REC_BYTES, REC_BYTES);
			memset(x + 4, 0, 4);                    /* seq */
			x[3] &= (uint8_t)~NDR_REC_F_PHASE;
			for (size_t k = 0; k < REC_BYTES; k++) {
				if (x[k] != y[k])
					fail_msg("%s: %s record %zu (%s on the ring, ts %llu): byte %zu "
						 "is %u expanded, %u in the golden full record", what,
						 class_name[c], i,
						 type_name(a->raw[i]),
						 (unsigned long long)((const struct ndr_rec_hdr *)y)->ts_ns,
						 k, x[k], y[k]);
			}
			bool rule = c == C_FLOW ? flow_rule((const struct ndr_flow_rec *)y)
				  : c == C_DNS ? dns_rule((const struct ndr_dns_rec *)y) : false;
			bool compact = a->raw[i] == NDR_REC_FLOW_SHORT || a->raw[i] == NDR_REC_DNS_SHORT;
			if (rule != compact)
				fail_msg("%s: %s record %zu written %s, but the rules say %s", what,
					 class_name[c], i, type_name(a->raw[i]),
					 rule ? "compact" : "full");
			if (compact)
				t->compact[c]++;
			else
				t->full[c]++;
		}
	}
	ndr_golden_free(r->golden);
	ndr_card_free(r->card);
	free(r->slots);
}

/* ---- the committed captures ---- */

static void run_capture(const char *path, bool clocked, struct tally *t)
{
	struct ndr_card_cfg cfg;
	struct rig r;
	char err[256], what[600];
	struct ndr_frame f;
	int rc;

	ndr_card_cfg_defaults(&cfg);
	cfg.clocked = clocked;
	rig_init(&r, &cfg);
	struct ndr_capture *cap = ndr_capture_open_file(path, err, sizeof(err));
	if (!cap)
		fail_msg("%s", err);
	while ((rc = ndr_capture_next(cap, &f, 0, err, sizeof(err))) == 1) {
		uint32_t caplen = f.caplen > NDR_MAX_FRAME ? NDR_MAX_FRAME : f.caplen;
		rig_frame(&r, f.ts_ns, f.data, caplen, f.wirelen);
	}
	if (rc < 0)
		fail_msg("%s", err);
	ndr_capture_close(cap);
	snprintf(what, sizeof(what), "%s (%s)", path, clocked ? "clocked" : "whole-frame");
	rig_finish(&r, what, t);
	side_free(&r.card_side);
	side_free(&r.golden_side);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void test_captures(void **state)
{
	(void)state;
	struct dirent **ents;
	int n = scandir(CAPTURES, &ents, NULL, by_name);
	if (n < 0)
		fail_msg("%s: cannot list (run from the repository's top directory)", CAPTURES);
	unsigned files = 0;
	struct tally t;
	memset(&t, 0, sizeof(t));
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		size_t len = strlen(name);
		if (len > 5 && strcmp(name + len - 5, ".pcap") == 0) {
			char path[300];
			snprintf(path, sizeof(path), "%s/%s", CAPTURES, name);
			/* the whole-frame card: the clocked one writes the same
			 * records (test_card_paths.c, tests/integration/cycles.sh)
			 * and costs ten times the time here */
			run_capture(path, false, &t);
			files++;
		}
		free(ents[i]);
	}
	free(ents);
	printf("captures: %u files, flow %zu compact %zu full, dns %zu compact %zu full, "
	       "tls %zu\n", files, t.compact[C_FLOW], t.full[C_FLOW],
	       t.compact[C_DNS], t.full[C_DNS], t.full[C_TLS]);
	assert_true(files >= 10);
	/* both forms of both kinds really were compared */
	assert_true(t.compact[C_FLOW] > 100u);
	assert_true(t.full[C_FLOW] > 100u);
	assert_true(t.compact[C_DNS] > 100u);
	assert_true(t.full[C_DNS] > 100u);
	assert_true(t.full[C_TLS] > 10u);
}

/* ---- crafted corner cases ---- */

/* Each case is one flow from its own source address (10.77.0.k for flow
 * cases, 10.78.0.k for DNS cases) with the form its record must take. */
enum form { NONE, SHORT, FULL };

struct frames {
	unsigned n;
	uint64_t ts[256];
	uint32_t len[256];
	uint8_t b[256][9300];
};

static struct frames F;

static void put(uint64_t ts, const struct pg *p)
{
	assert_true(F.n < 256);
	F.ts[F.n] = ts;
	F.len[F.n] = p->len;
	memcpy(F.b[F.n], p->b, p->len);
	F.n++;
}

static char A[32], B[32];

static const char *addr(unsigned net, unsigned k)
{
	snprintf(A, sizeof(A), "10.%u.0.%u", net, k);
	return A;
}

static void udp(uint64_t ts, unsigned k, bool rev, uint32_t payload)
{
	static uint8_t zeros[9000];
	static struct pg p;
	snprintf(B, sizeof(B), "10.99.0.%u", k);
	if (rev)
		pg_udp4(&p, B, 7, addr(77, k), 1000, zeros, payload);
	else
		pg_udp4(&p, addr(77, k), 1000, B, 7, zeros, payload);
	put(ts, &p);
}

/* The expected form of the flow record(s) of case k, and of its DNS
 * records (DNS cases). */
static enum form flow_form[64], dns_form[64];

static void build_flow_cases(void)
{
	static struct pg p;
	uint64_t t = T0;
	/* 1: one packet */
	udp(t, 1, false, 10);
	flow_form[1] = SHORT;
	/* 2: two packets, the second back: dir_changes 1, iat of the two */
	udp(t + 1 * MS, 2, false, 100);
	udp(t + 6 * MS + 123456, 2, true, 3);
	flow_form[2] = SHORT;
	/* 3: three packets */
	for (int i = 0; i < 3; i++)
		udp(t + (uint64_t)(10 + i) * MS, 3, i == 1, 20);
	flow_form[3] = FULL;
	/* 4: IPv6 */
	pg_init(&p);
	pg_eth(&p, 0x86dd);
	pg_ipv6(&p, "2001:db8::4", "2001:db8::99", 17, 64);
	pg_udp(&p, 1000, 7);
	pg_fill(&p, 0, 8);
	pg_finish(&p);
	put(t + 20 * MS, &p);
	flow_form[4] = FULL;                 /* no IPv4 address to find it by */
	/* 5: QinQ: an inner VLAN id */
	pg_init(&p);
	pg_eth(&p, 0x88a8);
	pg_vlan(&p, 100, 0x8100);
	pg_vlan(&p, 200, 0x0800);
	pg_ipv4(&p, addr(77, 5), "10.99.0.5", 17, 64, 0, NULL, 0);
	pg_udp(&p, 1000, 7);
	pg_finish(&p);
	put(t + 21 * MS, &p);
	flow_form[5] = FULL;
	/* 6: one VLAN tag, the outer id is kept */
	pg_init(&p);
	pg_eth(&p, 0x8100);
	pg_vlan(&p, 300, 0x0800);
	pg_ipv4(&p, addr(77, 6), "10.99.0.6", 17, 64, 0, NULL, 0);
	pg_udp(&p, 1000, 7);
	pg_finish(&p);
	put(t + 22 * MS, &p);
	flow_form[6] = SHORT;
	/* 7, 8: two packets 2^32 - 1 ns apart, and 2^32 */
	udp(t + 30 * MS, 7, false, 1);
	udp(t + 30 * MS + 0xffffffffull, 7, false, 2);
	flow_form[7] = SHORT;
	udp(t + 31 * MS, 8, false, 1);
	udp(t + 31 * MS + 0x100000000ull, 8, true, 2);
	flow_form[8] = FULL;
	/* 9: the second packet earlier than the first */
	udp(t + 40 * MS, 9, false, 1);
	udp(t + 40 * MS - 1000, 9, true, 1);
	flow_form[9] = FULL;
	/* 10: a SYN alone; 11: SYN and SYN-ACK */
	pg_tcp4(&p, addr(77, 10), 5000, "10.99.0.10", 22, PG_TCP_SYN, "", 0);
	put(t + 41 * MS, &p);
	flow_form[10] = SHORT;
	pg_tcp4(&p, addr(77, 11), 5000, "10.99.0.11", 22, PG_TCP_SYN, "", 0);
	put(t + 42 * MS, &p);
	pg_tcp4(&p, "10.99.0.11", 22, addr(77, 11), 5000, PG_TCP_SYN | PG_TCP_ACK, "", 0);
	put(t + 42 * MS + 77000, &p);
	flow_form[11] = SHORT;
	/* 12: ICMP echo: type and code in dst_port */
	pg_init(&p);
	pg_eth(&p, 0x0800);
	pg_ipv4(&p, addr(77, 12), "10.99.0.12", 1, 64, 0, NULL, 0);
	pg_icmp(&p, 8, 0);
	pg_finish(&p);
	put(t + 43 * MS, &p);
	flow_form[12] = SHORT;
	/* 13: a fragment */
	pg_init(&p);
	pg_eth(&p, 0x0800);
	pg_ipv4(&p, addr(77, 13), "10.99.0.13", 17, 64, 0x2000, NULL, 0);
	pg_fill(&p, 0, 100);
	pg_finish(&p);
	put(t + 44 * MS, &p);
	flow_form[13] = SHORT;
	/* 14: a jumbo frame: the largest histogram bin, a large IP length */
	udp(t + 45 * MS, 14, false, 9000);
	flow_form[14] = SHORT;
	/* 15, 16: histogram bin edges, IP lengths 64 and 65 */
	udp(t + 46 * MS, 15, false, 64 - 28);
	udp(t + 47 * MS, 15, true, 65 - 28);
	flow_form[15] = SHORT;
	/* 17: an ACTIVE cut (timeout 5 s) after four packets, then a
	 * period whose first packet goes rev */
	for (int i = 0; i < 4; i++)
		udp(t + 50 * MS + (uint64_t)i * 1700 * MS, 17, false, 5);
	udp(t + 6 * SEC, 17, true, 6);
	udp(t + 6 * SEC + 500 * MS, 17, false, 7);
	flow_form[17] = NONE;                /* two records: checked below */
	/* 18: an ACTIVE cut after two packets (full: 5.1 s apart), then an
	 * empty period to its end (full: no packet) */
	udp(t + 100 * MS, 18, false, 5);
	udp(t + 5200 * MS, 18, true, 5);
	flow_form[18] = NONE;
	/* 19: idle: one packet, then 40 s of other traffic */
	udp(t + 110 * MS, 19, false, 5);
	flow_form[19] = SHORT;
	udp(t + 45 * SEC, 20, false, 5);     /* moves card time */
	flow_form[20] = SHORT;
}

static void dns_query(uint64_t ts, unsigned k, bool tcp, bool v6, const struct dnsb *d)
{
	static struct pg p;
	if (v6) {
		pg_init(&p);
		pg_eth(&p, 0x86dd);
		pg_ipv6(&p, "2001:db8::78", "2001:db8::53", 17, 64);
		pg_udp(&p, 2000, 53);
		pg_bytes(&p, d->b, d->len);
		pg_finish(&p);
	} else if (tcp) {
		uint8_t msg[600];
		msg[0] = (uint8_t)(d->len >> 8);
		msg[1] = (uint8_t)d->len;
		memcpy(msg + 2, d->b, d->len);
		pg_tcp4(&p, addr(78, k), 2000, "10.0.0.53", 53, PG_TCP_ACK | PG_TCP_PSH, msg,
			d->len + 2u);
	} else {
		pg_udp4(&p, addr(78, k), 2000, "10.0.0.53", 53, d->b, d->len);
	}
	put(ts, &p);
}

static void build_dns_cases(void)
{
	static struct dnsb d;
	uint64_t t = T0 + 200 * MS;
	/* 1: a plain query */
	dnsb_header(&d, 1, 0x0100, 1, 0, 0, 0);
	dnsb_question(&d, "a.io", 1, 1);
	dns_query(t, 1, false, false, &d);
	dns_form[1] = SHORT;
	/* 2, 3: names of 12 and 13 bytes */
	dnsb_header(&d, 2, 0x0100, 1, 0, 0, 0);
	dnsb_question(&d, "abcdefgh.com", 1, 1);
	dns_query(t + 1 * MS, 2, false, false, &d);
	dns_form[2] = SHORT;
	dnsb_header(&d, 3, 0x0100, 1, 0, 0, 0);
	dnsb_question(&d, "abcdefghi.com", 1, 1);
	dns_query(t + 2 * MS, 3, false, false, &d);
	dns_form[3] = FULL;
	/* 4, 5: one additional record (EDNS), and two */
	dnsb_header(&d, 4, 0x0100, 1, 0, 0, 1);
	dnsb_question(&d, "edns.io", 28, 1);
	dnsb_rr(&d, 0, 41, 0, "", 0);
	dns_query(t + 3 * MS, 4, false, false, &d);
	dns_form[4] = SHORT;
	dnsb_header(&d, 5, 0x0100, 1, 0, 0, 2);
	dnsb_question(&d, "edns.io", 28, 1);
	dnsb_rr(&d, 0, 41, 0, "", 0);
	dnsb_rr(&d, 0, 41, 0, "", 0);
	dns_query(t + 4 * MS, 5, false, false, &d);
	dns_form[5] = FULL;
	/* 6: class CH */
	dnsb_header(&d, 6, 0x0100, 1, 0, 0, 0);
	dnsb_question(&d, "version.bind", 16, 3);
	dns_query(t + 5 * MS, 6, false, false, &d);
	dns_form[6] = FULL;
	/* 7: two questions */
	dnsb_header(&d, 7, 0x0100, 2, 0, 0, 0);
	dnsb_question(&d, "a.io", 1, 1);
	dnsb_question(&d, "b.io", 1, 1);
	dns_query(t + 6 * MS, 7, false, false, &d);
	dns_form[7] = FULL;
	/* 8: an answer; 9: an authority record */
	dnsb_header(&d, 8, 0x8180, 1, 1, 0, 0);
	dnsb_question(&d, "a.io", 1, 1);
	dnsb_rr(&d, 12, 1, 60, "\1\2\3\4", 4);
	dns_query(t + 7 * MS, 8, false, false, &d);
	dns_form[8] = FULL;
	dnsb_header(&d, 9, 0x8180, 1, 0, 1, 0);
	dnsb_question(&d, "a.io", 1, 1);
	dnsb_rr(&d, 12, 2, 60, "\0", 1);
	dns_query(t + 8 * MS, 9, false, false, &d);
	dns_form[9] = FULL;
	/* 10: over TCP; 11: over IPv6 (no IPv4 address to find it by) */
	dnsb_header(&d, 10, 0x0100, 1, 0, 0, 0);
	dnsb_question(&d, "a.io", 1, 1);
	dns_query(t + 9 * MS, 10, true, false, &d);
	dns_form[10] = FULL;
	dns_query(t + 10 * MS, 11, false, true, &d);
	/* 12: a parse flag (the question cut before its class) */
	dnsb_header(&d, 12, 0x0100, 1, 0, 0, 0);
	dnsb_name(&d, "a.io");
	dnsb_u16(&d, 1);
	dns_query(t + 11 * MS, 12, false, false, &d);
	dns_form[12] = FULL;
	/* 13: the root name (empty text) */
	dnsb_header(&d, 13, 0x0100, 1, 0, 0, 0);
	dnsb_question(&d, "", 2, 1);
	dns_query(t + 12 * MS, 13, false, false, &d);
	dns_form[13] = SHORT;
	/* 14: every character class, counted before lower-casing */
	dnsb_header(&d, 14, 0x0100, 1, 0, 0, 0);
	dnsb_question(&d, "Ab-C_1.Io", 33, 1);
	dns_query(t + 13 * MS, 14, false, false, &d);
	dns_form[14] = SHORT;
	/* 15: a query and its answer: two DNS records and a two-packet flow
	 * (the one-packet queries above have none: their DNS record stands
	 * for them) */
	static struct pg p;
	dnsb_header(&d, 15, 0x0100, 1, 0, 0, 0);
	dnsb_question(&d, "x.io", 1, 1);
	pg_udp4(&p, addr(78, 15), 2000, "10.0.0.53", 53, d.b, d.len);
	put(t + 14 * MS, &p);
	dnsb_header(&d, 15, 0x8180, 1, 1, 0, 0);
	dnsb_question(&d, "x.io", 1, 1);
	dnsb_rr(&d, 12, 1, 60, "\1\2\3\4", 4);
	pg_udp4(&p, "10.0.0.53", 53, addr(78, 15), 2000, d.b, d.len);
	put(t + 14 * MS + 300000, &p);
	dns_form[15] = NONE;                 /* query short, answer full */
	flow_form[40 + 15] = SHORT;
}

/* Which case a record belongs to: 10.77.0.k -> k, 10.78.0.k -> 40 + k. */
static int case_of(const uint8_t a[16])
{
	static const uint8_t pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (memcmp(a, pfx, 12) != 0 || a[12] != 10 || a[14] != 0)
		return -1;
	if (a[13] == 77)
		return a[15];
	if (a[13] == 78)
		return 40 + a[15];
	return -1;
}

static void run_crafted(bool clocked)
{
	struct ndr_card_cfg cfg;
	struct rig r;
	struct tally t;

	ndr_card_cfg_defaults(&cfg);
	cfg.clocked = clocked;
	cfg.active_timeout_ms = 5000;
	rig_init(&r, &cfg);
	for (unsigned i = 0; i < F.n; i++)
		rig_frame(&r, F.ts[i], F.b[i], F.len[i], F.len[i]);
	memset(&t, 0, sizeof(t));
	rig_finish(&r, clocked ? "crafted (clocked)" : "crafted (whole-frame)", &t);

	/* the forms worked out by hand */
	unsigned seen_flow[64] = {0}, seen_dns[64] = {0};
	const struct list *fl = &r.card_side.l[C_FLOW];
	for (size_t i = 0; i < fl->n; i++) {
		const struct ndr_flow_rec *f = (const void *)(fl->rec + i * REC_BYTES);
		int k = case_of(f->src_addr);
		if (k < 0)
			continue;
		seen_flow[k]++;
		bool compact = fl->raw[i] == NDR_REC_FLOW_SHORT;
		if (flow_form[k] != NONE && compact != (flow_form[k] == SHORT))
			fail_msg("case %d: flow record %s, expected %s", k,
				 type_name(fl->raw[i]), flow_form[k] == SHORT ? "compact" : "full");
		if (k == 2) {
			assert_int_equal(f->pkts_fwd, 1);
			assert_int_equal(f->pkts_rev, 1);
			assert_int_equal(f->dir_changes, 1);
			assert_int_equal(f->iat_min_us, 5123);
			assert_int_equal(f->iat_sumsq_us, 5123ull * 5123ull);
		}
		if (k == 6)
			assert_int_equal(f->vlan_outer, 300);
		if (k == 12)
			assert_int_equal(f->dst_port, 8 << 8);
		if (k == 13)
			assert_int_equal(f->frag_seen, 1);
		if (k == 14)
			assert_int_equal(f->hist_fwd[7], 1);
		if (k == 15) {
			assert_int_equal(f->hist_fwd[0], 1);
			assert_int_equal(f->hist_rev[1], 1);
		}
		if (k == 17 && f->end_reason == NDR_FLOW_END_ACTIVE) {
			assert_int_equal(fl->raw[i], NDR_REC_FLOW);          /* 4 packets */
			assert_int_equal(f->pkts_fwd, 4);
		} else if (k == 17) {
			assert_int_equal(fl->raw[i], NDR_REC_FLOW_SHORT);    /* rev, then fwd */
			assert_int_equal(f->pkts_rev, 1);
			assert_int_equal(f->pkts_fwd, 1);
			assert_int_equal(f->dir_changes, 1);
		}
		if (k == 18 && f->end_reason == NDR_FLOW_END_ACTIVE) {
			assert_int_equal(fl->raw[i], NDR_REC_FLOW);
			assert_int_equal(f->pkts_fwd + f->pkts_rev, 2);
		} else if (k == 18) {
			assert_int_equal(fl->raw[i], NDR_REC_FLOW);           /* no packet */
			assert_int_equal(f->pkts_fwd + f->pkts_rev, 0);
		}
		if (k == 19)
			assert_int_equal(f->end_reason, NDR_FLOW_END_IDLE);
	}
	for (int k = 1; k <= 20; k++) {
		if (k == 4 || k == 16)
			continue;
		if (seen_flow[k] != (k == 17 || k == 18 ? 2u : 1u))
			fail_msg("case %d: %u flow records", k, seen_flow[k]);
	}
	/* one-packet UDP DNS flows have no flow record; the query over TCP
	 * and the query-answer pair have one */
	for (int k = 41; k <= 54; k++) {
		if (seen_flow[k] != (k == 50 ? 1u : 0u))
			fail_msg("DNS case %d: %u flow records", k - 40, seen_flow[k]);
	}
	assert_int_equal(seen_flow[55], 1);

	const struct list *dl = &r.card_side.l[C_DNS];
	for (size_t i = 0; i < dl->n; i++) {
		const struct ndr_dns_rec *d = (const void *)(dl->rec + i * REC_BYTES);
		int k = case_of(d->src_addr);
		if (k < 0)
			k = case_of(d->dst_addr);             /* the answer of case 15 */
		if (k < 40)
			continue;
		k -= 40;
		seen_dns[k]++;
		bool compact = dl->raw[i] == NDR_REC_DNS_SHORT;
		if (dns_form[k] != NONE && compact != (dns_form[k] == SHORT))
			fail_msg("case %d: DNS record %s, expected %s", k,
				 type_name(dl->raw[i]), dns_form[k] == SHORT ? "compact" : "full");
		if (k == 14) {
			assert_memory_equal(d->qname, "ab-c_1.io", 10);
			assert_int_equal(d->n_upper, 3);
			assert_int_equal(d->n_lower, 2);
			assert_int_equal(d->n_digit, 1);
			assert_int_equal(d->n_hyphen, 1);
			assert_int_equal(d->n_other, 1);
			assert_int_equal(d->qtype, 33);
		}
		if (k == 13)
			assert_int_equal(d->qname_len, 0);
		if (k == 4)
			assert_int_equal(d->arcount, 1);
		if (k == 15)
			assert_int_equal(compact, d->ancount == 0);
	}
	for (int k = 1; k <= 15; k++) {
		if (k == 11)
			continue;
		assert_int_equal(seen_dns[k], k == 15 ? 2 : 1);
	}
	assert_true(t.compact[C_FLOW] >= 12 && t.full[C_FLOW] >= 7);
	assert_true(t.compact[C_DNS] >= 6 && t.full[C_DNS] >= 9);
	side_free(&r.card_side);
	side_free(&r.golden_side);
}

static void test_crafted(void **state)
{
	(void)state;
	F.n = 0;
	memset(flow_form, 0, sizeof(flow_form));
	memset(dns_form, 0, sizeof(dns_form));
	build_flow_cases();
	build_dns_cases();
	run_crafted(false);
	run_crafted(true);
}

/* The comparison above can fail: an expansion that leaves out one
 * implied field differs from the golden full record. */
static void test_expansion_is_checked(void **state)
{
	(void)state;
	struct ndr_card_cfg cfg;
	struct rig r;
	static struct dnsb d;
	static struct pg p;

	ndr_card_cfg_defaults(&cfg);
	rig_init(&r, &cfg);
	dnsb_header(&d, 1, 0x0100, 1, 0, 0, 0);
	dnsb_question(&d, "a.io", 1, 1);
	pg_udp4(&p, "10.78.0.1", 2000, "10.0.0.53", 53, d.b, d.len);
	rig_frame(&r, T0, p.b, p.len, p.len);
	udp(T0 + MS, 1, false, 10);
	F.n--;
	rig_frame(&r, T0 + MS, F.b[F.n], F.len[F.n], F.len[F.n]);
	ndr_golden_flush(r.golden);
	assert_int_equal(ndr_card_flush(r.card), 0);
	rig_drain(&r);
	assert_int_equal(r.card_side.l[C_DNS].n, 1);
	assert_int_equal(r.card_side.l[C_DNS].raw[0], NDR_REC_DNS_SHORT);
	assert_int_equal(r.card_side.l[C_FLOW].n, 1);
	assert_int_equal(r.card_side.l[C_FLOW].raw[0], NDR_REC_FLOW_SHORT);
	struct ndr_dns_rec *x = (void *)r.card_side.l[C_DNS].rec;
	const struct ndr_dns_rec *y = (const void *)r.golden_side.l[C_DNS].rec;
	assert_int_equal(x->min_ttl, 0xffffffffu);
	assert_int_equal(y->min_ttl, 0xffffffffu);
	x->min_ttl = 0;                          /* what a careless expansion leaves */
	assert_memory_not_equal(x, y, 2 * NDR_SLOT_BYTES);
	struct ndr_flow_rec *fx = (void *)r.card_side.l[C_FLOW].rec;
	const struct ndr_flow_rec *fy = (const void *)r.golden_side.l[C_FLOW].rec;
	assert_int_equal(fx->iat_min_us, 0xffffffffu);
	assert_int_equal(fy->iat_min_us, 0xffffffffu);
	ndr_golden_free(r.golden);
	ndr_card_free(r.card);
	free(r.slots);
	side_free(&r.card_side);
	side_free(&r.golden_side);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_captures),
		cmocka_unit_test(test_crafted),
		cmocka_unit_test(test_expansion_is_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
