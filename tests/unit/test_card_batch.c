/*
 * test_card_batch.c - the three ways the emulated card takes frames must
 * leave the ring, the counters and the cycle accounting exactly alike:
 *   per beat   every beat copied into a struct ndr_beat for ndr_top_beat, as
 *              the HLS shim does (ndr_card_cfg.per_beat): the reference;
 *   per frame  ndr_card_frame -> ndr_top_frame, which reads beats where they
 *              lie and lets the beats no stage looks at pass in one step;
 *   batches    ndr_card_frames of several sizes (header prefetch only).
 *
 * The traffic is built to reach every path those could disturb: a tiny
 * flow table (collisions, evictions, false signature guesses, the scanner
 * retiring flows), both directions of flows and repeats of one flow (the
 * hash stage's last-key reuse), DNS over UDP and over TCP with messages
 * across many beats, TLS ClientHellos across beats and long TCP segments
 * whose TLS capture stops in the first payload beat (the pass-through
 * starts mid-frame), non-IP and truncated frames, frames of exactly one
 * and four beats, a frame longer than NDR_MAX_FRAME, time going backwards
 * and long gaps (idle expiry, heartbeats); and once with a ring too small
 * to hold the records (drops and drop notices).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_card.h"
#include "ndr_cycles.h"
#include "pktgen.h"
#include "tlsgen.h"

#define NFRAMES 6000u

struct traffic {
	struct ndr_frame_ref ref[NFRAMES];
	uint8_t *data[NFRAMES];
};

static uint32_t rnd_state = 12345u;

static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

static void ip4(char *out, size_t n, uint32_t host)
{
	snprintf(out, n, "10.%u.%u.%u", (host >> 16) & 255u, (host >> 8) & 255u, host & 255u);
}

static void build_frame(struct pg *p, uint32_t i)
{
	char a[32], b[32];
	uint32_t kind = rnd() % 16u;
	uint32_t flow = rnd() % 300u;            /* 300 flows in 64 ways */

	ip4(a, sizeof(a), 1000u + flow);
	ip4(b, sizeof(b), 5000u + flow % 7u);
	pg_init(p);
	if (kind == 0u) {                        /* non-IP */
		pg_eth(p, 0x0806);
		pg_fill(p, 0x11, 28);
	} else if (kind == 1u) {                 /* DNS query */
		struct dnsb d;
		char name[64];
		snprintf(name, sizeof(name), "h%u.example.org", i);
		dnsb_header(&d, (uint16_t)i, 0x0100, 1, 0, 0, 0);
		dnsb_question(&d, name, 16, 1);
		pg_udp4(p, a, (uint16_t)(40000u + flow), b, 53, d.b, d.len);
	} else if (kind == 2u) {                 /* longer than the card takes */
		pg_eth(p, 0x0800);
		pg_ipv4(p, a, b, 17, 64, 0, NULL, 0);
		pg_udp(p, 7000, 7001);
		pg_fill(p, 0x5a, 10000);
		pg_finish(p);
	} else if (kind == 4u) {                 /* a ClientHello over several beats */
		static struct tlsgen h;
		/* empty extensions first push the SNI past the header window */
		struct tlsgen_opts o = { .sni = "batch.example.net", .alpn = "h2",
					 .filler_before = rnd() % 100u, .padding = rnd() % 300u };
		tlsgen_hello(&h, &o);
		pg_tcp4(p, a, (uint16_t)(30000u + flow), b, 443, PG_TCP_ACK | PG_TCP_PSH, h.b, h.len);
	} else if (kind == 5u) {                 /* TCP data that is not TLS */
		static uint8_t data[1400];
		memset(data, 0x17 + (int)(i % 3u), sizeof(data));
		pg_tcp4(p, a, (uint16_t)(30000u + flow), b, 443, PG_TCP_ACK, data,
			(uint32_t)(rnd() % sizeof(data)));
	} else if (kind == 6u) {                 /* DNS over TCP, a long answer */
		static struct dnsb d;
		static uint8_t txt[600];
		uint8_t msg[8192];
		uint16_t rdlen = (uint16_t)(1u + rnd() % 500u);
		memset(txt, 'q', sizeof(txt));
		txt[0] = (uint8_t)(rdlen - 1u > 255u ? 255u : rdlen - 1u);
		dnsb_header(&d, (uint16_t)i, 0x8180, 1, 1, 0, 0);
		dnsb_question(&d, "t.tunnel.example.org", 16, 1);
		dnsb_rr(&d, 0xc00c, 16, 60, txt, rdlen);
		msg[0] = (uint8_t)(d.len >> 8);
		msg[1] = (uint8_t)d.len;
		memcpy(msg + 2, d.b, d.len);
		pg_tcp4(p, b, 53, a, (uint16_t)(30000u + flow), PG_TCP_ACK | PG_TCP_PSH, msg,
			d.len + 2u);
	} else if (kind == 7u) {                 /* exactly one beat, then four */
		pg_eth(p, 0x0800);
		pg_ipv4(p, a, b, 17, 64, 0, NULL, 0);
		pg_udp(p, 7000, 7001);
		pg_fill(p, 0x33, (i % 2u ? 64u : 256u) - 42u);
		pg_finish(p);
	} else if (kind == 3u) {                 /* the reverse direction */
		uint8_t flags = (uint8_t)(PG_TCP_ACK | (rnd() % 8u == 0u ? PG_TCP_FIN : 0u));
		pg_tcp4(p, b, 443, a, (uint16_t)(30000u + flow), flags, "pong", 4);
	} else {
		uint8_t flags = rnd() % 32u == 0u ? PG_TCP_RST : rnd() % 4u == 0u ? PG_TCP_SYN : PG_TCP_ACK;
		pg_tcp4(p, a, (uint16_t)(30000u + flow), b, 443, flags, "ping", 4);
	}
	if (kind == 0u)
		pg_finish(p);
	if (rnd() % 50u == 0u)                   /* cut inside the headers */
		p->len = 14u + rnd() % 30u;
}

static struct traffic *make_traffic(void)
{
	struct traffic *t = calloc(1, sizeof(*t));
	static struct pg p;
	uint64_t ts = 1700000000ull * 1000000000ull;

	assert_non_null(t);
	rnd_state = 12345u;
	for (uint32_t i = 0; i < NFRAMES; i++) {
		build_frame(&p, i);
		uint32_t r = rnd() % 100u;
		if (r == 0u)
			ts += 40ull * 1000000000ull;     /* past the idle timeout */
		else if (r == 1u)
			ts -= 3000000ull;                /* time going backwards */
		else
			ts += 1000000ull + rnd() % 1000000u;
		t->data[i] = malloc(p.len ? p.len : 1u);
		assert_non_null(t->data[i]);
		memcpy(t->data[i], p.b, p.len);
		t->ref[i].ts_ns = ts;
		t->ref[i].data = t->data[i];
		t->ref[i].caplen = p.len;
		t->ref[i].wirelen = p.len + (rnd() % 3u == 0u ? 4u : 0u);
	}
	return t;
}

static void free_traffic(struct traffic *t)
{
	for (uint32_t i = 0; i < NFRAMES; i++)
		free(t->data[i]);
	free(t);
}

/* What a run leaves behind. */
struct run {
	uint8_t *slots;
	struct ndr_ring_ctrl ctrl;
	struct ndr_card_stats st;
	struct ndr_cycles cyc;
};

#define PER_BEAT (~0u)

/* batch 0: one ndr_card_frame per frame; PER_BEAT: the same with the card
 * feeding beat by beat; else ndr_card_frames in batches of that many (the
 * last one shorter). */
static void run_card(const struct traffic *t, uint32_t log2_slots, unsigned batch, struct run *r)
{
	struct ndr_card_cfg cfg;
	char err[256];

	ndr_card_cfg_defaults(&cfg);
	cfg.per_beat = batch == PER_BEAT;
	cfg.log2_buckets = 4;                    /* 16 buckets: 64 ways */
	cfg.idle_timeout_ms = 2000;
	cfg.active_timeout_ms = 5000;
	r->slots = calloc((size_t)1 << log2_slots, NDR_SLOT_BYTES);
	assert_non_null(r->slots);
	memset(&r->ctrl, 0, sizeof(r->ctrl));
	struct ndr_card *c = ndr_card_new(&cfg, r->slots, log2_slots, &r->ctrl, err, sizeof(err));
	assert_non_null(c);
	if (batch == 0u || batch == PER_BEAT) {
		for (uint32_t i = 0; i < NFRAMES; i++)
			ndr_card_frame(c, t->ref[i].ts_ns, t->ref[i].data, t->ref[i].caplen,
				       t->ref[i].wirelen);
	} else {
		for (uint32_t i = 0; i < NFRAMES; i += batch) {
			unsigned n = NFRAMES - i < batch ? NFRAMES - i : batch;
			ndr_card_frames(c, &t->ref[i], n);
		}
	}
	ndr_card_flush(c);
	ndr_card_get_stats(c, &r->st);
	ndr_card_cycles(c, &r->cyc);
	ndr_card_free(c);
}

static void assert_same(const struct run *a, const struct run *b, uint32_t log2_slots)
{
	assert_int_equal(a->ctrl.prod, b->ctrl.prod);
	assert_memory_equal(&a->st, &b->st, sizeof(a->st));
	assert_memory_equal(&a->cyc, &b->cyc, sizeof(a->cyc));
	assert_memory_equal(a->slots, b->slots, (size_t)NDR_SLOT_BYTES << log2_slots);
}

static void compare_batches(uint32_t log2_slots)
{
	static const unsigned sizes[] = { 0, 1, 2, 5, 8, 9, 31, 256, NFRAMES };
	struct traffic *t = make_traffic();
	struct run single, batched;

	run_card(t, log2_slots, PER_BEAT, &single);
	/* the traffic does what it is meant to */
	assert_true(single.st.flows_evicted > 100u);
	assert_true(single.st.parse_errors > 10u);
	assert_true(single.st.non_ip > 10u);
	assert_true(single.st.dns_messages > 100u);
	assert_true(single.st.records_by_type[NDR_REC_TLS] + single.st.records_dropped > 100u);
	assert_true(single.st.beats > 4u * NFRAMES);
	assert_true(single.st.records_by_type[NDR_REC_FLOW] + single.st.records_dropped > 1000u);
	assert_true(single.cyc.flow_scan_expired > 0u);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		run_card(t, log2_slots, sizes[k], &batched);
		assert_same(&single, &batched, log2_slots);
		free(batched.slots);
	}
	free(single.slots);
	free_traffic(t);
}

static void test_batch_equals_single(void **state)
{
	(void)state;
	compare_batches(16);                     /* every record fits */
}

static void test_batch_equals_single_ring_full(void **state)
{
	(void)state;
	struct traffic *t = make_traffic();
	struct run single;

	run_card(t, NDR_RING_MIN_LOG2, PER_BEAT, &single);
	assert_true(single.st.records_dropped > 0u);
	free(single.slots);
	free_traffic(t);
	compare_batches(NDR_RING_MIN_LOG2);      /* drops and drop notices */
}

static void test_empty_batch(void **state)
{
	(void)state;
	struct ndr_card_cfg cfg;
	struct ndr_ring_ctrl ctrl;
	struct ndr_card_stats st;
	char err[256];
	uint8_t *slots = calloc((size_t)1 << NDR_RING_MIN_LOG2, NDR_SLOT_BYTES);

	assert_non_null(slots);
	memset(&ctrl, 0, sizeof(ctrl));
	ndr_card_cfg_defaults(&cfg);
	struct ndr_card *c = ndr_card_new(&cfg, slots, NDR_RING_MIN_LOG2, &ctrl, err, sizeof(err));
	assert_non_null(c);
	ndr_card_frames(c, NULL, 0);
	ndr_card_get_stats(c, &st);
	assert_int_equal(st.frames, 0);
	assert_int_equal(ctrl.prod, 0);
	ndr_card_free(c);
	free(slots);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_equals_single),
		cmocka_unit_test(test_batch_equals_single_ring_full),
		cmocka_unit_test(test_empty_batch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
