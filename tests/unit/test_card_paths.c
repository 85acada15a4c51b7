/*
 * test_card_paths.c - every way the emulated card can run the same frames
 * must leave the same records:
 *   whole-frame   ndr_card_frame, one frame at a time (fast_card.c): the
 *                 reference;
 *   batches       ndr_card_frames of several sizes (header prefetch only):
 *                 the ring byte for byte, drops and notices included;
 *   clocked       the dataflow stages called once per clock (clocked.c),
 *                 frames at their capture times and back to back at line
 *                 rate, stages called consumers first and producers first:
 *                 the same FLOW, DNS and TLS records per type in order, and
 *                 the same counters where both cut them at the same point
 *                 (heartbeats, the final stats);
 *   lossless      a tiny ring, NDR_CARD_BUSY, drained and called again:
 *                 exactly the records of a big ring, in the same order.
 *
 * The traffic is built to reach every path those could disturb: a tiny
 * flow table (collisions, evictions, false signature guesses, the scanner
 * retiring flows), both directions of flows and repeats of one flow (the
 * hash stage's last-key reuse), DNS over UDP and over TCP with messages
 * across many beats, TLS ClientHellos across beats and long TCP segments
 * whose TLS capture stops in the first payload beat (the pass-through
 * starts mid-frame), non-IP and truncated frames, frames of exactly one
 * and four beats, a frame longer than NDR_MAX_FRAME, time going backwards
 * and long gaps (idle expiry, heartbeats, ticks).
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
		/* every third a name short enough for a compact record */
		snprintf(name, sizeof(name), i % 3u ? "h%u.example.org" : "q%u.io", i);
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
	} else if (kind == 7u && i % 4u == 2u) { /* IPv6: never a compact record */
		char a6[48], b6[48];
		snprintf(a6, sizeof(a6), "2001:db8::%x", 0x1000u + flow % 40u);
		snprintf(b6, sizeof(b6), "2001:db8:1::%x", flow % 3u);
		pg_eth(p, 0x86dd);
		pg_ipv6(p, a6, b6, 17, 64);
		pg_udp(p, 7000, 7001);
		pg_fill(p, 0x44, 256u - 62u);
		pg_finish(p);
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

/* grid_ns: 0, or every frame's time moved down onto a grid of that step
 * from the first frame's. */
static struct traffic *make_traffic_on(uint64_t grid_ns)
{
	struct traffic *t = calloc(1, sizeof(*t));
	static struct pg p;
	uint64_t ts = 1700000000ull * 1000000000ull, t0 = 0;

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
		if (i == 0u)
			t0 = ts;
		t->ref[i].ts_ns = grid_ns && ts >= t0 ? t0 + (ts - t0) / grid_ns * grid_ns : ts;
		t->ref[i].data = t->data[i];
		t->ref[i].caplen = p.len;
		t->ref[i].wirelen = p.len + (rnd() % 3u == 0u ? 4u : 0u);
	}
	return t;
}

static struct traffic *make_traffic(void)
{
	return make_traffic_on(0);
}

static void free_traffic(struct traffic *t)
{
	for (uint32_t i = 0; i < NFRAMES; i++)
		free(t->data[i]);
	free(t);
}

/* How the card is run. */
struct path {
	const char *name;
	bool clocked, pace_line, producers_first;
	unsigned batch;                          /* 0: ndr_card_frame per frame */
	uint32_t sweep_ms;                       /* 0: the default (1 s) */
	uint32_t heartbeat_ms;                   /* 0: the default (1 s) */
};

/* What a run leaves behind. */
struct run {
	uint8_t *slots;
	uint32_t log2;
	struct ndr_ring_ctrl ctrl;
	struct ndr_card_stats st;
	struct ndr_cycles cyc;
};

static void path_cfg(const struct path *p, struct ndr_card_cfg *cfg)
{
	ndr_card_cfg_defaults(cfg);
	cfg->log2_buckets = 4;                   /* 16 buckets: 64 ways */
	cfg->idle_timeout_ms = 2000;
	cfg->active_timeout_ms = 5000;
	cfg->clocked = p->clocked;
	cfg->pace_line = p->pace_line;
	cfg->producers_first = p->producers_first;
	if (p->sweep_ms)
		cfg->scan_sweep_ms = p->sweep_ms;
	if (p->heartbeat_ms)
		cfg->heartbeat_ms = p->heartbeat_ms;
}

static void run_card(const struct traffic *t, uint32_t log2_slots, const struct path *p,
		     struct run *r)
{
	struct ndr_card_cfg cfg;
	char err[256];

	path_cfg(p, &cfg);
	r->log2 = log2_slots;
	r->slots = calloc((size_t)1 << log2_slots, NDR_SLOT_BYTES);
	assert_non_null(r->slots);
	memset(&r->ctrl, 0, sizeof(r->ctrl));
	struct ndr_card *c = ndr_card_new(&cfg, r->slots, log2_slots, &r->ctrl, err, sizeof(err));
	assert_non_null(c);
	if (p->batch == 0u) {
		for (uint32_t i = 0; i < NFRAMES; i++)
			assert_int_equal(ndr_card_frame(c, t->ref[i].ts_ns, t->ref[i].data,
							t->ref[i].caplen, t->ref[i].wirelen), 0);
	} else {
		for (uint32_t i = 0; i < NFRAMES; i += p->batch) {
			unsigned n = NFRAMES - i < p->batch ? NFRAMES - i : p->batch;
			assert_int_equal(ndr_card_frames(c, &t->ref[i], n), n);
		}
	}
	assert_int_equal(ndr_card_flush(c), 0);
	ndr_card_get_stats(c, &r->st);
	ndr_card_cycles(c, &r->cyc);
	ndr_card_free(c);
}

/* ---- records by class ---- */

enum { C_FLOW, C_DNS, C_TLS, C_HB, C_OTHER, CLASSES };
static const char *const class_name[CLASSES] = { "flow", "dns", "tls", "heartbeat", "other" };

static int rec_class(unsigned type)
{
	switch (type) {
	case NDR_REC_FLOW: case NDR_REC_FLOW_SHORT: return C_FLOW;
	case NDR_REC_DNS: case NDR_REC_DNS_SHORT:   return C_DNS;
	case NDR_REC_TLS:                           return C_TLS;
	case NDR_REC_HEARTBEAT:                     return C_HB;
	default:                                    return C_OTHER;
	}
}

/* A list of records (pads left out), each as the host would copy it. */
struct recs {
	uint8_t *b;
	size_t n, cap;                           /* records */
};

#define REC_BYTES (NDR_REC_MAX_SLOTS * NDR_SLOT_BYTES)

static void recs_add(struct recs *l, const uint8_t *rec)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1024;
		l->b = realloc(l->b, l->cap * REC_BYTES);
		assert_non_null(l->b);
	}
	const struct ndr_rec_hdr *h = (const struct ndr_rec_hdr *)rec;
	memset(l->b + l->n * REC_BYTES, 0, REC_BYTES);
	memcpy(l->b + l->n * REC_BYTES, rec, (size_t)h->slots * NDR_SLOT_BYTES);
	l->n++;
}

static const struct ndr_rec_hdr *recs_at(const struct recs *l, size_t i)
{
	return (const struct ndr_rec_hdr *)(l->b + i * REC_BYTES);
}

/* Records [from, to) of a ring whose slots were never overwritten. */
static void recs_from_ring(struct recs *l, const uint8_t *slots, uint32_t log2, uint32_t from,
			   uint32_t to)
{
	uint32_t mask = (1u << log2) - 1u;
	while (from != to) {
		const uint8_t *s = slots + (size_t)(from & mask) * NDR_SLOT_BYTES;
		const struct ndr_rec_hdr *h = (const struct ndr_rec_hdr *)s;
		assert_true(h->slots >= 1 && h->slots <= NDR_REC_MAX_SLOTS);
		assert_int_equal(!!(h->flags & NDR_REC_F_PHASE), ndr_ring_phase(from, log2));
		if (h->type != NDR_REC_PAD)
			recs_add(l, s);
		from += h->slots;
	}
}

static void recs_of_run(struct recs *l, const struct run *r)
{
	memset(l, 0, sizeof(*l));
	assert_true(r->ctrl.prod <= (1u << r->log2));      /* nothing overwritten */
	recs_from_ring(l, r->slots, r->log2, 0, r->ctrl.prod);
}

/* Equal but for seq and the phase bit, and for a heartbeat the writer's
 * two counters (where the writer is when it writes one differs between
 * the paths; every other counter is cut at the same frame). */
static void assert_rec_equal(const struct ndr_rec_hdr *a, const struct ndr_rec_hdr *b,
			     const char *what, int cls, size_t idx, bool exact)
{
	uint8_t x[REC_BYTES], y[REC_BYTES];
	size_t n = (size_t)a->slots * NDR_SLOT_BYTES;
	if (a->type != b->type || a->slots != b->slots)
		fail_msg("%s: %s record %zu: type %u/%u slots %u/%u", what, class_name[cls], idx,
			 a->type, b->type, a->slots, b->slots);
	memcpy(x, a, n);
	memcpy(y, b, n);
	if (!exact) {
		memset(x + 4, 0, 4);
		memset(y + 4, 0, 4);
		x[3] &= (uint8_t)~NDR_REC_F_PHASE;
		y[3] &= (uint8_t)~NDR_REC_F_PHASE;
		if (cls == C_HB) {
			size_t w = offsetof(struct ndr_heartbeat_rec, records_written);
			size_t d = offsetof(struct ndr_heartbeat_rec, records_dropped);
			memset(x + w, 0, 8);
			memset(y + w, 0, 8);
			memset(x + d, 0, 8);
			memset(y + d, 0, 8);
		}
	} else {
		x[3] &= (uint8_t)~NDR_REC_F_PHASE;
		y[3] &= (uint8_t)~NDR_REC_F_PHASE;
	}
	static const char *const hb_field[] = {
		"packets", "bytes", "parse_errors", "non_ip", "rx_overrun", "flows_active",
		"flows_created", "flows_evicted", "flows_dns_only", "dns_messages", "dns_errors",
		"dns_dropped", "tls_hellos", "tls_dropped", "records_written", "records_dropped",
		"records_link_dropped",
	};
	for (size_t i = 0; i < n; i++) {
		if (x[i] == y[i])
			continue;
		size_t f = (i - 16u) / 8u;
		if (cls == C_HB && i >= 16u && f < sizeof(hb_field) / sizeof(hb_field[0])) {
			uint64_t u, v;
			memcpy(&u, x + 16u + 8u * f, 8);
			memcpy(&v, y + 16u + 8u * f, 8);
			fail_msg("%s: heartbeat %zu (ts %llu): %s is %llu, not %llu", what, idx,
				 (unsigned long long)a->ts_ns, hb_field[f], (unsigned long long)v,
				 (unsigned long long)u);
		}
		fail_msg("%s: %s record %zu (type %u, ts %llu): byte %zu is %u, not %u", what,
			 class_name[cls], idx, a->type, (unsigned long long)a->ts_ns, i, y[i], x[i]);
	}
}

/* The FLOW, DNS, TLS and heartbeat records of b are a's, per class in
 * order. Returns how many were compared, per class. */
static void assert_same_per_class(const struct recs *a, const struct recs *b, const char *what,
				  int first_class, int end_class, size_t counts[CLASSES])
{
	size_t ia[CLASSES] = {0}, ib[CLASSES] = {0};
	for (int c = 0; c < CLASSES; c++)
		counts[c] = 0;
	size_t i = 0, j = 0;
	for (int cls = first_class; cls < end_class; cls++) {
		i = 0;
		j = 0;
		for (;;) {
			while (i < a->n && rec_class(recs_at(a, i)->type) != cls)
				i++;
			while (j < b->n && rec_class(recs_at(b, j)->type) != cls)
				j++;
			if (i == a->n || j == b->n)
				break;
			assert_rec_equal(recs_at(a, i), recs_at(b, j), what, cls, ia[cls], false);
			ia[cls]++;
			ib[cls]++;
			i++;
			j++;
		}
		while (i < a->n && rec_class(recs_at(a, i)->type) != cls)
			i++;
		while (j < b->n && rec_class(recs_at(b, j)->type) != cls)
			j++;
		if (i != a->n || j != b->n)
			fail_msg("%s: %s records: %zu and %zu after %zu equal ones", what,
				 class_name[cls], ia[cls] + (i != a->n), ib[cls] + (j != b->n),
				 ia[cls]);
		counts[cls] = ia[cls];
	}
}

static void recs_free(struct recs *l)
{
	free(l->b);
}

/* The counters both paths cut at the same point (after the flush); pads
 * and slots only when both rings are the same size. */
static void assert_same_counters(const struct ndr_card_stats *a, const struct ndr_card_stats *b,
				 bool same_ring)
{
	assert_int_equal(a->frames, b->frames);
	assert_int_equal(a->bytes, b->bytes);
	assert_int_equal(a->parse_errors, b->parse_errors);
	assert_int_equal(a->non_ip, b->non_ip);
	assert_int_equal(a->dns_messages, b->dns_messages);
	assert_int_equal(a->dns_errors, b->dns_errors);
	assert_int_equal(a->tls_hellos, b->tls_hellos);
	assert_int_equal(a->flows_active, b->flows_active);
	assert_int_equal(a->flows_created, b->flows_created);
	assert_int_equal(a->flows_evicted, b->flows_evicted);
	assert_int_equal(a->flows_dns_only, b->flows_dns_only);
	assert_int_equal(a->records_written, b->records_written);
	for (unsigned t = 0; t < NDR_REC_TYPE_MAX; t++) {
		if (t != NDR_REC_PAD || same_ring)
			assert_int_equal(a->records_by_type[t], b->records_by_type[t]);
	}
	assert_int_equal(a->records_dropped, b->records_dropped);
	if (same_ring)
		assert_int_equal(a->slots_written, b->slots_written);
}

/* A clocked run that lost nothing (its records can then equal the
 * reference's). */
static void assert_lossless_run(const struct run *r, const char *what)
{
	if (r->st.rx_overrun || r->st.dns_dropped || r->st.tls_dropped ||
	    r->st.records_link_dropped || r->st.records_dropped) {
		ndr_cycles_report(stderr, &r->cyc);
		fail_msg("%s lost: %llu frames at rx, %llu DNS, %llu TLS, %llu records on the link, "
			 "%llu in the ring", what, (unsigned long long)r->st.rx_overrun,
			 (unsigned long long)r->st.dns_dropped, (unsigned long long)r->st.tls_dropped,
			 (unsigned long long)r->st.records_link_dropped,
			 (unsigned long long)r->st.records_dropped);
	}
	assert_true(ndr_cycles_line_rate(&r->cyc));
}

#define BIG_RING 17u

/* Every path against the whole-frame card with the same configuration:
 * the record classes [first_class, end_class). */
static void compare_paths(const struct traffic *t, const struct path *ref_path,
			  const struct path *paths, size_t n_paths, int first_class, int end_class)
{
	struct run ref, r;
	struct recs lref, l;

	run_card(t, BIG_RING, ref_path, &ref);
	recs_of_run(&lref, &ref);
	/* the traffic does what it is meant to */
	assert_int_equal(ref.st.records_dropped, 0);
	assert_true(ref.st.flows_evicted > 100u);
	assert_true(ref.st.parse_errors > 10u);
	assert_true(ref.st.non_ip > 10u);
	assert_true(ref.st.dns_messages > 100u);
	assert_true(ref.st.records_by_type[NDR_REC_TLS] > 100u);
	assert_true(ref.st.records_by_type[NDR_REC_FLOW] > 100u);
	assert_true(ref.st.records_by_type[NDR_REC_FLOW_SHORT] > 300u);
	assert_true(ref.st.records_by_type[NDR_REC_DNS] > 100u);
	assert_true(ref.st.records_by_type[NDR_REC_DNS_SHORT] > 100u);
	assert_true(ref.st.records_by_type[NDR_REC_HEARTBEAT] > 50u / (ref_path->heartbeat_ms ? ref_path->heartbeat_ms / 1000u : 1u));
	assert_true(ref.st.flows_dns_only > 10u);

	for (size_t k = 0; k < n_paths; k++) {
		const struct path *p = &paths[k];
		run_card(t, BIG_RING, p, &r);
		if (!p->clocked) {
			/* the same code on the same frames: the same ring */
			assert_int_equal(ref.ctrl.prod, r.ctrl.prod);
			assert_memory_equal(&ref.st, &r.st, sizeof(r.st));
			assert_memory_equal(ref.slots, r.slots, (size_t)NDR_SLOT_BYTES << BIG_RING);
		} else {
			size_t n[CLASSES];
			assert_lossless_run(&r, p->name);
			assert_int_equal(r.cyc.frames, NFRAMES);
			assert_true(r.cyc.beats > 4u * NFRAMES);
			assert_true(r.cyc.flow_expired > 0u);    /* the scanner retired flows */
			recs_of_run(&l, &r);
			assert_same_per_class(&lref, &l, p->name, first_class, end_class, n);
			if (first_class <= C_FLOW && end_class > C_FLOW)
				assert_int_equal(n[C_FLOW], ref.st.records_by_type[NDR_REC_FLOW] +
							    ref.st.records_by_type[NDR_REC_FLOW_SHORT]);
			if (end_class > C_HB)
				assert_int_equal(n[C_HB], ref.st.records_by_type[NDR_REC_HEARTBEAT]);
			assert_same_counters(&ref.st, &r.st, true);
			recs_free(&l);
		}
		free(r.slots);
	}
	recs_free(&lref);
	free(ref.slots);
}

static void test_paths_same_records(void **state)
{
	(void)state;
	static const struct path ref_path = { .name = "whole-frame" };
	static const struct path paths[] = {
		{ .name = "batch 1", .batch = 1 },
		{ .name = "batch 2", .batch = 2 },
		{ .name = "batch 5", .batch = 5 },
		{ .name = "batch 8", .batch = 8 },
		{ .name = "batch 9", .batch = 9 },
		{ .name = "batch 31", .batch = 31 },
		{ .name = "batch 256", .batch = 256 },
		{ .name = "batch all", .batch = NFRAMES },
		{ .name = "clocked, pace capture", .clocked = true },
		{ .name = "clocked, pace capture, producers first", .clocked = true, .producers_first = true },
		{ .name = "clocked, pace capture, batch 31", .clocked = true, .batch = 31 },
	};
	struct traffic *t = make_traffic();
	compare_paths(t, &ref_path, paths, sizeof(paths) / sizeof(paths[0]), C_FLOW, C_OTHER);
	free_traffic(t);
}

/* Frames only at the times of the scanner's visits (16 buckets swept in
 * 1 s: one visit every 62.5 ms, from the first frame's time on), and
 * timeouts that are whole numbers of visits: flows fall due exactly when
 * a visit reaches their bucket, the case where the whole-frame card's
 * shortcut (a visit before a bucket's first expiry reads nothing) must
 * still retire them, as the clocked card does. */
static void test_paths_deadline_on_visit(void **state)
{
	(void)state;
	static const struct path ref_path = { .name = "whole-frame, on the visit grid" };
	static const struct path paths[] = {
		{ .name = "clocked, pace capture, on the visit grid", .clocked = true },
	};
	struct traffic *t = make_traffic_on(1000000000ull >> 4);
	compare_paths(t, &ref_path, paths, sizeof(paths) / sizeof(paths[0]), C_FLOW, C_OTHER);
	free_traffic(t);
}

/* Back to back at line rate. The capture's 40-second gaps are then a few
 * clocks apart on the wire, and a scanner that sweeps the table every
 * second owes 640 visits at once (ndr-sim --cycles says limited-by=flow):
 * with a sweep of a minute the flow stage keeps up and nothing is lost,
 * so the records can be compared. */
static void test_paths_same_records_line_rate(void **state)
{
	(void)state;
	static const struct path ref_path = { .name = "whole-frame", .sweep_ms = 60000, .heartbeat_ms = 10000 };
	static const struct path paths[] = {
		{ .name = "clocked, pace line", .clocked = true, .pace_line = true, .sweep_ms = 60000, .heartbeat_ms = 10000 },
		{ .name = "clocked, pace line, producers first", .clocked = true, .pace_line = true, .producers_first = true, .sweep_ms = 60000, .heartbeat_ms = 10000 },
		{ .name = "clocked, pace capture", .clocked = true, .sweep_ms = 60000, .heartbeat_ms = 10000 },
	};
	struct traffic *t = make_traffic();
	compare_paths(t, &ref_path, paths, sizeof(paths) / sizeof(paths[0]), C_FLOW, C_HB);
	free_traffic(t);
}

/* The heartbeats at line rate: each counts what came before the frame or
 * tick that made it due, so they are the whole-frame card's (but for the
 * writer's own counters). A tick right behind a TLS hello or a DNS
 * message whose walk is still running must not leave it out. */
static void test_heartbeats_line_rate(void **state)
{
	(void)state;
	static const struct path ref_path = { .name = "whole-frame", .sweep_ms = 60000, .heartbeat_ms = 10000 };
	static const struct path paths[] = {
		{ .name = "clocked, pace line", .clocked = true, .pace_line = true, .sweep_ms = 60000, .heartbeat_ms = 10000 },
	};
	struct traffic *t = make_traffic();
	compare_paths(t, &ref_path, paths, 1, C_HB, C_OTHER);
	free_traffic(t);
}

/* A ring too small for the records: the batches leave the same drops and
 * drop notices, byte for byte. */
static void test_batches_ring_full(void **state)
{
	(void)state;
	static const unsigned sizes[] = { 1, 2, 5, 9, 31, 256, NFRAMES };
	struct traffic *t = make_traffic();
	struct path p = { .name = "whole-frame" };
	struct run single, batched;

	run_card(t, NDR_RING_MIN_LOG2, &p, &single);
	assert_true(single.st.records_dropped > 0u);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		p.batch = sizes[k];
		run_card(t, NDR_RING_MIN_LOG2, &p, &batched);
		assert_int_equal(single.ctrl.prod, batched.ctrl.prod);
		assert_memory_equal(&single.st, &batched.st, sizeof(single.st));
		assert_memory_equal(single.slots, batched.slots,
				    (size_t)NDR_SLOT_BYTES << NDR_RING_MIN_LOG2);
		free(batched.slots);
	}
	free(single.slots);
	free_traffic(t);
}

/* A lossless card on a tiny ring: every NDR_CARD_BUSY is answered by
 * draining the ring and calling again with the same frame (or flush).
 * A BUSY that a drain cannot answer (nothing to drain) many times over is
 * a card that can no longer move: a failure, not a hang. */
static void drain_into(struct recs *l, uint8_t *slots, uint32_t log2, struct ndr_ring_ctrl *ctrl,
		       unsigned *stuck, const char *what, uint32_t frame)
{
	uint32_t prod = __atomic_load_n(&ctrl->prod, __ATOMIC_ACQUIRE);
	if (prod == ctrl->cons) {
		if (++*stuck > 1000u)
			fail_msg("%s: NDR_CARD_BUSY at frame %u with an empty ring (prod %u)", what,
				 frame, prod);
		return;
	}
	*stuck = 0;
	recs_from_ring(l, slots, log2, ctrl->cons, prod);
	__atomic_store_n(&ctrl->cons, prod, __ATOMIC_RELEASE);
}

static void run_lossless(const struct traffic *t, uint32_t log2, const struct path *p,
			 struct recs *l, struct ndr_card_stats *st, uint64_t *busy)
{
	struct ndr_card_cfg cfg;
	struct ndr_ring_ctrl ctrl;
	char err[256], what[128];
	unsigned stuck = 0;

	path_cfg(p, &cfg);
	cfg.lossless = true;
	snprintf(what, sizeof(what), "%s, lossless, 2^%u slots", p->name, log2);
	uint8_t *slots = calloc((size_t)1 << log2, NDR_SLOT_BYTES);
	assert_non_null(slots);
	memset(&ctrl, 0, sizeof(ctrl));
	memset(l, 0, sizeof(*l));
	*busy = 0;
	struct ndr_card *c = ndr_card_new(&cfg, slots, log2, &ctrl, err, sizeof(err));
	assert_non_null(c);
	for (uint32_t i = 0; i < NFRAMES; i++) {
		const struct ndr_frame_ref *f = &t->ref[i];
		int rc;
		while ((rc = ndr_card_frame(c, f->ts_ns, f->data, f->caplen, f->wirelen)) != 0) {
			assert_int_equal(rc, NDR_CARD_BUSY);
			(*busy)++;
			drain_into(l, slots, log2, &ctrl, &stuck, what, i);
		}
	}
	int rc;
	while ((rc = ndr_card_flush(c)) != 0) {
		assert_int_equal(rc, NDR_CARD_BUSY);
		(*busy)++;
		drain_into(l, slots, log2, &ctrl, &stuck, what, NFRAMES);
	}
	stuck = 0;
	drain_into(l, slots, log2, &ctrl, &stuck, what, NFRAMES);
	ndr_card_get_stats(c, st);
	ndr_card_free(c);
	free(slots);
}

static void lossless_tiny_ring(uint32_t log2)
{
	static const struct path paths[] = {
		{ .name = "whole-frame" },
		{ .name = "clocked, pace capture", .clocked = true },
		{ .name = "clocked, pace line", .clocked = true, .pace_line = true, .sweep_ms = 60000, .heartbeat_ms = 10000 },
	};
	struct traffic *t = make_traffic();
	for (size_t k = 0; k < sizeof(paths) / sizeof(paths[0]); k++) {
		struct recs big, tiny;
		struct ndr_card_stats sb, st;
		uint64_t busy_big, busy_tiny;
		run_lossless(t, BIG_RING, &paths[k], &big, &sb, &busy_big);
		run_lossless(t, log2, &paths[k], &tiny, &st, &busy_tiny);
		assert_int_equal(busy_big, 0);
		if (busy_tiny < 20u)                    /* the ring really was too small */
			fail_msg("%s: only %llu NDR_CARD_BUSY on 2^%u slots", paths[k].name,
				 (unsigned long long)busy_tiny, log2);
		assert_int_equal(st.records_dropped, 0);
		assert_int_equal(st.records_link_dropped, sb.records_link_dropped);
		if (big.n != tiny.n)
			fail_msg("%s: %zu records on a big ring, %zu on 2^%u slots", paths[k].name,
				 big.n, tiny.n, log2);
		for (size_t i = 0; i < big.n; i++)
			assert_rec_equal(recs_at(&big, i), recs_at(&tiny, i), paths[k].name,
					 rec_class(recs_at(&big, i)->type), i, true);
		assert_same_counters(&sb, &st, false);
		recs_free(&big);
		recs_free(&tiny);
	}
	free_traffic(t);
}

static void test_lossless_ring_128(void **state)
{
	(void)state;
	lossless_tiny_ring(7);
}

static void test_lossless_ring_64(void **state)
{
	(void)state;
	lossless_tiny_ring(NDR_RING_MIN_LOG2);
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
	for (int clocked = 0; clocked < 2; clocked++) {
		memset(&ctrl, 0, sizeof(ctrl));
		ndr_card_cfg_defaults(&cfg);
		cfg.clocked = clocked;
		struct ndr_card *c = ndr_card_new(&cfg, slots, NDR_RING_MIN_LOG2, &ctrl, err,
						  sizeof(err));
		assert_non_null(c);
		assert_int_equal(ndr_card_frames(c, NULL, 0), 0);
		ndr_card_get_stats(c, &st);
		assert_int_equal(st.frames, 0);
		assert_int_equal(ctrl.prod, 0);
		ndr_card_free(c);
	}
	free(slots);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths_same_records),
		cmocka_unit_test(test_paths_deadline_on_visit),
		cmocka_unit_test(test_paths_same_records_line_rate),
		cmocka_unit_test(test_heartbeats_line_rate),
		cmocka_unit_test(test_batches_ring_full),
		cmocka_unit_test(test_lossless_ring_128),
		cmocka_unit_test(test_lossless_ring_64),
		cmocka_unit_test(test_empty_batch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
