/*
 * test_flow_hash.c - the host's copy of the card's flow key and hash
 * (ndr_flow_hash.h) against the card itself: every committed capture runs
 * through the emulated card; every flow record's flow_hash must equal the
 * hash of its key, and that key must be the one the host computed from the
 * frames of the capture. Also both directions of a packet hash alike, and
 * MurmurHash3 gives its published test values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_capture.h"
#include "ndr_card.h"
#include "ndr_flow_hash.h"
#include "ndr_ring.h"
#include "pktgen.h"

#define LOG2_SLOTS 20u

struct seen {
	struct ndr_flow_tuple *t;
	size_t n, cap;
};

static int cmp_tuple(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct ndr_flow_tuple));
}

struct check {
	const struct seen *seen;
	uint32_t seed;
	unsigned flows, bad_hash, not_seen;
};

static int on_record(void *arg, const struct ndr_rec_hdr *rec)
{
	struct check *c = arg;
	const struct ndr_flow_rec *r = (const struct ndr_flow_rec *)rec;
	struct ndr_flow_tuple t;

	if (rec->type != NDR_REC_FLOW)
		return 0;
	c->flows++;
	ndr_flow_tuple_set(&t, r->src_addr, r->src_port, r->dst_addr, r->dst_port, r->ip_proto,
			   r->vlan_outer, r->vlan_inner);
	if (r->frag_seen && r->src_port == 0 && r->dst_port == 0)
		t.lo_port = t.hi_port = 0;
	if (ndr_flow_tuple_hash(&t, c->seed) != r->flow_hash && c->bad_hash++ < 3)
		print_error("flow_hash %08x, host %08x\n", r->flow_hash,
			    ndr_flow_tuple_hash(&t, c->seed));
	if (!bsearch(&t, c->seen->t, c->seen->n, sizeof(t), cmp_tuple) && c->not_seen++ < 3)
		print_error("no frame had the key of a flow: proto %u ports %u %u vlan %u %u, "
			    "%u+%u packets, frag_seen %u\n", r->ip_proto, r->src_port,
			    r->dst_port, r->vlan_outer, r->vlan_inner, (unsigned)r->pkts_fwd,
			    (unsigned)r->pkts_rev, r->frag_seen);
	return 0;
}

struct frames {
	uint8_t **data;
	uint32_t *len;
	size_t n, cap;
};

static void frames_add(struct frames *fr, const uint8_t *data, uint32_t len)
{
	if (fr->n == fr->cap) {
		fr->cap = fr->cap ? fr->cap * 2 : 1024;
		fr->data = realloc(fr->data, fr->cap * sizeof(*fr->data));
		fr->len = realloc(fr->len, fr->cap * sizeof(*fr->len));
		assert_non_null(fr->data);
		assert_non_null(fr->len);
	}
	fr->data[fr->n] = malloc(len ? len : 1);
	assert_non_null(fr->data[fr->n]);
	memcpy(fr->data[fr->n], data, len);
	fr->len[fr->n++] = len;
}

static void frames_free(struct frames *fr)
{
	for (size_t i = 0; i < fr->n; i++)
		free(fr->data[i]);
	free(fr->data);
	free(fr->len);
}

/* The frames through the card, 1 ms apart (the ring holds all their
 * records); returns the flows checked. */
static unsigned check_frames(const char *what, const struct frames *fr)
{
	struct ndr_card_cfg cfg;
	struct ndr_ring_ctrl ctrl;
	struct ndr_ring_reader rd;
	struct seen seen = { 0 };
	struct ndr_card *card;
	char err[256];
	void *slots = aligned_alloc(4096, (size_t)NDR_SLOT_BYTES << LOG2_SLOTS);
	struct check c = { &seen, 0, 0, 0, 0 };

	assert_non_null(slots);
	memset(slots, 0, (size_t)NDR_SLOT_BYTES << LOG2_SLOTS);
	memset(&ctrl, 0, sizeof(ctrl));
	ndr_card_cfg_defaults(&cfg);
	c.seed = cfg.hash_seed;
	card = ndr_card_new(&cfg, slots, LOG2_SLOTS, &ctrl, err, sizeof(err));
	assert_non_null(card);
	ndr_ring_reader_init(&rd, slots, LOG2_SLOTS, &ctrl, 64);
	for (size_t i = 0; i < fr->n; i++) {
		struct ndr_flow_tuple t, rev;

		if (ndr_flow_tuple_of_frame(fr->data[i], fr->len[i], &t)) {
			/* the other direction of the same packet: same tuple */
			ndr_flow_tuple_set(&rev, t.hi_addr, t.hi_port, t.lo_addr, t.lo_port, t.proto,
					   t.vlan_outer, t.vlan_inner);
			assert_memory_equal(&t, &rev, sizeof(t));
			if (seen.n == seen.cap) {
				seen.cap = seen.cap ? seen.cap * 2 : 1024;
				seen.t = realloc(seen.t, seen.cap * sizeof(*seen.t));
				assert_non_null(seen.t);
			}
			seen.t[seen.n++] = t;
		}
		ndr_card_frame(card, 1700000000000000000ull + i * 1000000ull, fr->data[i],
			       fr->len[i], fr->len[i]);
	}
	qsort(seen.t, seen.n, sizeof(*seen.t), cmp_tuple);
	ndr_card_flush(card);
	ndr_ring_drain(&rd, on_record, &c, 0);
	print_message("%-28s %5u flows: %u with another hash, %u with a key no frame had\n",
		      what, c.flows, c.bad_hash, c.not_seen);
	assert_int_equal(c.bad_hash, 0);
	assert_int_equal(c.not_seen, 0);
	ndr_card_free(card);
	free(seen.t);
	free(slots);
	return c.flows;
}

static void check_capture(const char *path, unsigned *total)
{
	struct frames fr = { 0 };
	struct ndr_frame f;
	char err[256];
	struct ndr_capture *cap = ndr_capture_open_file(path, err, sizeof(err));

	assert_non_null(cap);
	while (ndr_capture_next(cap, &f, 0, err, sizeof(err)) == 1)
		frames_add(&fr, f.data, f.caplen);
	ndr_capture_close(cap);
	*total += check_frames(strrchr(path, '/') + 1, &fr);
	frames_free(&fr);
}

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Frames of every shape the parser knows: 0-2 VLAN tags, IPv4 with and
 * without options and fragments, IPv6 with extension headers and
 * fragments, TCP, UDP, ICMP, ICMPv6 and other protocols, each flow in
 * both directions; some of them then cut short or with bytes flipped. */
static void test_generated_shapes(void **state)
{
	static const char *const v4[] = { "10.0.0.1", "10.0.0.2", "192.168.7.9", "10.0.0.1" };
	static const char *const v6[] = { "2001:db8::1", "2001:db8::2", "fe80::7", "2001:db8::1" };
	static const uint8_t protos[] = { 6, 17, 1, 47, 132 };
	struct frames fr = { 0 };
	uint64_t x = 0x1234567887654321ull;
	unsigned flows;

	(void)state;
	for (unsigned k = 0; k < 6000; k++) {
		struct pg p;
		unsigned vlans = rnd(&x) % 3, ver6 = rnd(&x) & 1, dir = rnd(&x) & 1;
		unsigned a = rnd(&x) % 4, b = (a + 1 + rnd(&x) % 3) % 4;
		uint8_t proto = protos[rnd(&x) % 5];
		uint16_t sp = (uint16_t)(1000 + rnd(&x) % 8), dp = (uint16_t)(rnd(&x) % 2 ? 53 : 443);
		int frag = rnd(&x) % 8 == 0;

		if (dir) {
			unsigned t = a;

			a = b;
			b = t;
		}
		pg_init(&p);
		pg_eth(&p, vlans ? 0x8100 : ver6 ? 0x86dd : 0x0800);
		for (unsigned v = 0; v < vlans; v++)
			pg_vlan(&p, (uint16_t)(100 + v + rnd(&x) % 3),
				v + 1 < vlans ? 0x8100 : ver6 ? 0x86dd : 0x0800);
		if (ver6) {
			unsigned ext = rnd(&x) % 3;
			uint8_t first = frag ? 44 : ext ? 0 : (proto == 1 ? 58 : proto);

			pg_ipv6(&p, v6[a], v6[b], first, 64);
			if (frag)
				pg_ipv6_frag(&p, proto == 1 ? 58 : proto, (uint16_t)(rnd(&x) % 2), 1);
			else if (ext)
				pg_ipv6_ext(&p, 0, proto == 1 ? 58 : proto, 8);
		} else {
			pg_ipv4(&p, v4[a], v4[b], proto, 64, frag ? 0x2000 : 0, NULL, 0);
		}
		if (proto == 6)
			pg_tcp(&p, dir ? dp : sp, dir ? sp : dp, 0x18, 0);
		else if (proto == 17)
			pg_udp(&p, dir ? dp : sp, dir ? sp : dp);
		else if (proto == 1)
			pg_icmp(&p, (uint8_t)(rnd(&x) % 2 ? 8 : 0), 0);
		else
			pg_fill(&p, 0x5a, 8);
		pg_fill(&p, 0, rnd(&x) % 40);
		pg_finish(&p);
		if (rnd(&x) % 10 == 0)
			p.len = (uint32_t)(rnd(&x) % p.len);           /* cut */
		else if (rnd(&x) % 10 == 0)
			p.b[rnd(&x) % p.len] ^= (uint8_t)(1u << (rnd(&x) % 8));
		frames_add(&fr, p.b, p.len);
	}
	flows = check_frames("generated shapes", &fr);
	assert_true(flows >= 100);
	frames_free(&fr);
}

static void test_card_agrees(void **state)
{
	glob_t g;
	unsigned total = 0;

	(void)state;
	assert_int_equal(glob("tests/captures/*.pcap", 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++)
		check_capture(g.gl_pathv[i], &total);
	assert_true(g.gl_pathc >= 5);
	assert_true(total >= 500);
	globfree(&g);
}

static void test_murmur3_vectors(void **state)
{
	(void)state;
	/* the reference implementation's values */
	assert_int_equal(ndr_murmur3_x86_32("", 0, 0), 0);
	assert_int_equal(ndr_murmur3_x86_32("", 0, 1), 0x514e28b7u);
	assert_int_equal(ndr_murmur3_x86_32("\xff\xff\xff\xff", 4, 0), 0x76293b50u);
	assert_int_equal(ndr_murmur3_x86_32("\x21\x43\x65\x87", 4, 0), 0xf55b516bu);
	assert_int_equal(ndr_murmur3_x86_32("\x21\x43\x65", 3, 0), 0x7e4a8634u);
	assert_int_equal(ndr_murmur3_x86_32("Hello, world!", 13, 1234), 0xfaf6cdb3u);
}

static void test_non_ip_has_no_tuple(void **state)
{
	uint8_t f[64] = { 0 };
	struct ndr_flow_tuple t;

	(void)state;
	f[12] = 0x08;
	f[13] = 0x06;                    /* ARP */
	assert_int_equal(ndr_flow_tuple_of_frame(f, 60, &t), 0);
	f[13] = 0x00;                    /* IPv4 with version 6 in it */
	f[14] = 0x65;
	assert_int_equal(ndr_flow_tuple_of_frame(f, 60, &t), 0);
	assert_int_equal(ndr_flow_tuple_of_frame(f, 13, &t), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_murmur3_vectors),
		cmocka_unit_test(test_non_ip_has_no_tuple),
		cmocka_unit_test(test_card_agrees),
		cmocka_unit_test(test_generated_shapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
