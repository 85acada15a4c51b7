/*
 * golden_flow.c - the golden model's flow table: docs/dataplane.md
 * "Flow hash" and "Flow table", one packet at a time, in the spec's order
 * (scan, lookup, active timeout).
 */
#include <string.h>

#include "golden_internal.h"

#define TCP_FIN 0x01u
#define TCP_SYN 0x02u
#define TCP_RST 0x04u
#define TCP_ACK 0x10u

static void put16le(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* The 44-byte canonical key: lower endpoint first, by address then port. */
static void make_key(const struct golden_pkt *p, uint8_t key[GOLDEN_KEY_BYTES])
{
	int c = memcmp(p->src, p->dst, 16);
	int src_lower = c < 0 || (c == 0 && p->sport <= p->dport);
	const uint8_t *lo_addr = src_lower ? p->src : p->dst;
	const uint8_t *hi_addr = src_lower ? p->dst : p->src;
	uint16_t lo_port = src_lower ? p->sport : p->dport;
	uint16_t hi_port = src_lower ? p->dport : p->sport;

	memcpy(key, lo_addr, 16);
	memcpy(key + 16, hi_addr, 16);
	put16le(key + 32, lo_port);
	put16le(key + 34, hi_port);
	key[36] = p->proto;
	key[37] = 0;
	put16le(key + 38, p->vlan_outer);
	put16le(key + 40, p->vlan_inner);
	put16le(key + 42, 0);
}

static int flow_closed(const struct golden_flow *fl)
{
	uint8_t s = fl->rec.tcp_state;

	return (s & (NDR_TCP_RST_FWD | NDR_TCP_RST_REV)) ||
	       ((s & NDR_TCP_FIN_FWD) && (s & NDR_TCP_FIN_REV));
}

/*
 * Spec choice: "t - last_ts" is the mathematical difference; a packet time
 * earlier than last_ts (captures are not always in time order) is an elapsed
 * time of 0, not a huge unsigned one. The same holds for the active timeout
 * and the inter-arrival time.
 */
static uint64_t elapsed(uint64_t t, uint64_t since)
{
	return t >= since ? t - since : 0;
}

static int flow_expired(const struct ndr_golden *g, const struct golden_flow *fl, uint64_t t)
{
	uint64_t timeout_ms = flow_closed(fl) ? g->cfg.close_timeout_ms : g->cfg.idle_timeout_ms;

	return elapsed(t, fl->last_ts) >= timeout_ms * 1000000ull;
}

static uint8_t expiry_reason(const struct golden_flow *fl)
{
	if (fl->rec.tcp_state & (NDR_TCP_RST_FWD | NDR_TCP_RST_REV))
		return NDR_FLOW_END_RST;
	if (flow_closed(fl))
		return NDR_FLOW_END_FIN;
	return NDR_FLOW_END_IDLE;
}

static void emit_flow(struct ndr_golden *g, struct golden_flow *fl, uint8_t reason, uint64_t t)
{
	struct ndr_flow_rec rec = fl->rec;

	rec.hdr.ts_ns = t;
	rec.end_reason = reason;
	golden_emit_flow(g, fl, &rec);
}

/*
 * Clears everything a period accumulates. tcp_state, the key, the
 * orientation and last_ts stay.
 *
 * Spec choice: first_ts_ns is 0 until the first packet of the period; a
 * period that ends without a packet (a flow cut ACTIVE at its last packet,
 * then expired, evicted or flushed) is still emitted, with zero counters,
 * first_ts_ns = 0 and last_ts_ns = the flow's last packet.
 */
static void start_period(struct golden_flow *fl)
{
	struct ndr_flow_rec *r = &fl->rec;

	r->tcp_flags_fwd = 0;
	r->tcp_flags_rev = 0;
	r->frag_seen = 0;
	r->pkts_fwd = r->pkts_rev = 0;
	r->bytes_fwd = r->bytes_rev = 0;
	r->first_ts_ns = 0;
	r->dir_changes = 0;
	r->iat_min_us = 0xffffffffu;
	r->iat_max_us = 0;
	memset(r->hist_fwd, 0, sizeof(r->hist_fwd));
	memset(r->hist_rev, 0, sizeof(r->hist_rev));
	r->iat_sum_us = 0;
	r->iat_sumsq_us = 0;
	r->payload_bytes_fwd = r->payload_bytes_rev = 0;
	memset(fl->pkt_len, 0, sizeof(fl->pkt_len));
	memset(fl->pkt_payload, 0, sizeof(fl->pkt_payload));
	fl->pkt_rev = 0;
	fl->dns_only = 0;
}

static unsigned hist_bin(uint32_t ip_len)
{
	static const uint32_t upper[NDR_HIST_BINS - 1] = { 64, 128, 256, 512, 768, 1024, 1500 };
	unsigned i;

	for (i = 0; i < NDR_HIST_BINS - 1; i++)
		if (ip_len <= upper[i])
			return i;
	return NDR_HIST_BINS - 1;
}

static uint64_t sat_add64(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static uint64_t sat_square64(uint64_t d)
{
	if (d > 0xffffffffull)
		return UINT64_MAX;
	return d * d;
}

static void flow_update(struct golden_flow *fl, const struct golden_pkt *p)
{
	struct ndr_flow_rec *r = &fl->rec;
	uint64_t t = p->ts_ns;
	int fwd;

	if (fl->rec.ip_proto == 1 || fl->rec.ip_proto == 58)
		fwd = memcmp(p->src, r->src_addr, 16) == 0;
	else
		fwd = memcmp(p->src, r->src_addr, 16) == 0 && p->sport == r->src_port;

	uint64_t n = r->pkts_fwd + r->pkts_rev;

	if (n < 2) {
		fl->pkt_len[n] = (uint16_t)p->ip_len;
		fl->pkt_payload[n] = (uint16_t)p->payload_len;
		if (!fwd)
			fl->pkt_rev |= (uint8_t)(1u << n);
	}
	if (n == 0) {
		r->first_ts_ns = t;
	} else {
		fl->dns_only = 0;
		/*
		 * Spec choice: iat_min/iat_max are 32-bit; a gap of 2^32 us or
		 * more is stored as 0xffffffff there (the 64-bit sums take it
		 * whole).
		 */
		uint64_t d = elapsed(t, fl->last_ts) / 1000;
		uint32_t d32 = d > 0xffffffffull ? 0xffffffffu : (uint32_t)d;

		if (d32 < r->iat_min_us)
			r->iat_min_us = d32;
		if (d32 > r->iat_max_us)
			r->iat_max_us = d32;
		r->iat_sum_us += d;
		r->iat_sumsq_us = sat_add64(r->iat_sumsq_us, sat_square64(d));
		if (fwd != fl->prev_fwd)
			r->dir_changes++;
	}

	if (fwd) {
		unsigned b = hist_bin(p->ip_len);

		r->pkts_fwd++;
		r->bytes_fwd += p->ip_len;
		r->payload_bytes_fwd += p->payload_len;
		if (r->hist_fwd[b] < 0xffff)
			r->hist_fwd[b]++;
	} else {
		unsigned b = hist_bin(p->ip_len);

		r->pkts_rev++;
		r->bytes_rev += p->ip_len;
		r->payload_bytes_rev += p->payload_len;
		if (r->hist_rev[b] < 0xffff)
			r->hist_rev[b]++;
	}

	fl->last_ts = t;
	r->last_ts_ns = t;
	fl->prev_fwd = fwd;
	if (p->fragment && r->frag_seen < 255)
		r->frag_seen++;

	if (p->has_tcp) {
		uint8_t f = p->tcp_flags;

		if (fwd)
			r->tcp_flags_fwd |= f;
		else
			r->tcp_flags_rev |= f;
		if (fwd && (f & TCP_SYN) && !(f & TCP_ACK))
			r->tcp_state |= NDR_TCP_SYN;
		if (!fwd && (f & TCP_SYN) && (f & TCP_ACK))
			r->tcp_state |= NDR_TCP_SYNACK;
		if (fwd && (f & TCP_ACK) && !(f & TCP_SYN) && (r->tcp_state & NDR_TCP_SYNACK))
			r->tcp_state |= NDR_TCP_ESTABLISHED;
		if (f & TCP_RST)
			r->tcp_state |= fwd ? NDR_TCP_RST_FWD : NDR_TCP_RST_REV;
		if (f & TCP_FIN)
			r->tcp_state |= fwd ? NDR_TCP_FIN_FWD : NDR_TCP_FIN_REV;
	}
}

/*
 * Spec choice: MIDSTREAM is set for every protocol-6 flow whose first packet
 * is not a parsed SYN without ACK; a flow started by a fragment (ports 0,
 * TCP header not read, so no flags) is "not SYN without ACK" and gets it.
 */
static void flow_start(struct ndr_golden *g, struct golden_flow *fl, const struct golden_pkt *p,
		       const uint8_t key[GOLDEN_KEY_BYTES], uint32_t hash)
{
	struct ndr_flow_rec *r = &fl->rec;

	memset(fl, 0, sizeof(*fl));
	fl->valid = 1;
	memcpy(fl->key, key, GOLDEN_KEY_BYTES);
	r->hdr.type = NDR_REC_FLOW;
	r->hdr.slots = sizeof(struct ndr_flow_rec) / NDR_SLOT_BYTES;
	r->hdr.version = NDR_ABI_VERSION;
	r->hdr.flags = p->ipv6 ? NDR_REC_F_IPV6 : 0;
	memcpy(r->src_addr, p->src, 16);
	memcpy(r->dst_addr, p->dst, 16);
	if (p->is_icmp) {
		r->src_port = 0;
		r->dst_port = (uint16_t)(p->icmp_type << 8 | p->icmp_code);
	} else {
		r->src_port = p->sport;
		r->dst_port = p->dport;
	}
	r->ip_proto = p->proto;
	r->vlan_outer = p->vlan_outer;
	r->vlan_inner = p->vlan_inner;
	r->flow_hash = hash;
	if (p->proto == 6 && !(p->has_tcp && (p->tcp_flags & TCP_SYN) && !(p->tcp_flags & TCP_ACK)))
		r->tcp_state = NDR_TCP_MIDSTREAM;
	start_period(fl);
	fl->dns_only = golden_dns_udp_record(p);
	fl->last_ts = p->ts_ns;
	(void)g;
	flow_update(fl, p);
}

/*
 * The scanner: visit k (k >= 1) at card time first + k * scan_ns looks at
 * bucket (k - 1) mod B and emits every way expired at that time, with that
 * time; the visits due are made before anything else happens at a later
 * card time.
 */
void golden_flow_visits(struct ndr_golden *g)
{
	while (g->scan_next <= g->now) {
		struct golden_flow *b = &g->table[(size_t)g->scan_ptr * GOLDEN_WAYS];
		uint64_t t = g->scan_next;
		unsigned w;

		/* (a visit of an empty bucket changes nothing: a shortcut) */
		for (w = 0; w < GOLDEN_WAYS && g->occupied[g->scan_ptr]; w++) {
			if (b[w].valid && flow_expired(g, &b[w], t)) {
				emit_flow(g, &b[w], expiry_reason(&b[w]), t);
				b[w].valid = 0;
				g->occupied[g->scan_ptr]--;
			}
		}
		g->scan_ptr = (g->scan_ptr + 1) & (g->nbuckets - 1);
		g->scan_next += g->scan_ns;
	}
}

void golden_flow_packet(struct ndr_golden *g, const struct golden_pkt *p)
{
	uint8_t key[GOLDEN_KEY_BYTES];
	uint32_t hash;
	struct golden_flow *b, *fl = NULL;
	uint64_t t = p->ts_ns;
	unsigned w;

	make_key(p, key);
	hash = golden_murmur3_32(key, GOLDEN_KEY_BYTES, g->cfg.hash_seed);
	b = &g->table[(size_t)(hash & (g->nbuckets - 1)) * GOLDEN_WAYS];

	for (w = 0; w < GOLDEN_WAYS; w++) {
		if (b[w].valid && memcmp(b[w].key, key, GOLDEN_KEY_BYTES) == 0) {
			fl = &b[w];
			break;
		}
	}
	if (fl) {
		if (flow_expired(g, fl, t)) {
			emit_flow(g, fl, expiry_reason(fl), t);
			flow_start(g, fl, p, key, hash);
		} else {
			flow_update(fl, p);
		}
	} else {
		for (w = 0; w < GOLDEN_WAYS; w++) {
			if (!b[w].valid) {
				fl = &b[w];
				break;
			}
		}
		if (!fl) {
			fl = &b[0];
			for (w = 1; w < GOLDEN_WAYS; w++)
				if (b[w].last_ts < fl->last_ts)
					fl = &b[w];
			emit_flow(g, fl, NDR_FLOW_END_EVICT, t);
		} else {
			g->occupied[hash & (g->nbuckets - 1)]++;
		}
		flow_start(g, fl, p, key, hash);
	}

	if (elapsed(t, fl->rec.first_ts_ns) >= g->cfg.active_timeout_ms * 1000000ull) {
		emit_flow(g, fl, NDR_FLOW_END_ACTIVE, t);
		start_period(fl);
	}
}

/* Flush records carry card time: the latest frame time seen. */
void golden_flow_flush(struct ndr_golden *g)
{
	size_t i, n = (size_t)g->nbuckets * GOLDEN_WAYS;

	for (i = 0; i < n; i++) {
		if (g->table[i].valid) {
			emit_flow(g, &g->table[i], NDR_FLOW_END_FLUSH, g->now);
			g->table[i].valid = 0;
			g->occupied[i / GOLDEN_WAYS]--;
		}
	}
}
