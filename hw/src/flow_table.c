/*
 * flow_table.c - the flow table's logic (ndr_hw_flow.h): lookup, update,
 * eviction, timeouts, the scanner's schedule and the records, on one
 * bucket at a time. flow_stage.c runs it as a pipeline over the table
 * memory; sim/src/fast_card.c runs it in place for the whole-frame
 * emulation.
 *
 * Spec choices (the golden model makes the same; docs/dataplane.md):
 * - Time differences never go negative: when packet times go backwards
 *   (captures do that), t - last_ts counts as 0, for expiry, for the active
 *   timeout and for the inter-arrival time. last_ts is still set to t.
 * - iat_min_us/iat_max_us take the inter-arrival time saturated at
 *   0xffffffff; iat_sum_us adds the full 64-bit value.
 * - After an ACTIVE record the period is empty until the next packet: a
 *   record cut in that state has all counters 0, first_ts_ns = 0,
 *   iat_min_us = 0xffffffff, and last_ts_ns = the time of the last packet.
 * - ICMP means protocol 1 or 58; its dst_port is type << 8 | code of the
 *   first packet as parsed (0 when that packet was a fragment).
 * - tcp_state and tcp_flags apply to protocol 6 only; a TCP fragment has
 *   flags 0 (its header is not read), so a flow started by one is MIDSTREAM.
 * - A flow whose only packet made a UDP DNS record gives no flow record when
 *   it ends: the DNS record stands for it (counted in dns_only).
 */
#include "ndr_hw.h"

#define TCP_FIN 0x01u
#define TCP_SYN 0x02u
#define TCP_RST 0x04u
#define TCP_ACK 0x10u

#define DIR_FWD 0u
#define DIR_REV 1u

NDR_STATIC_ASSERT(sizeof(struct ndr_flow_bucket) == 64, "a header line is one 64-byte word");

void ndr_flow_cfg_init(struct ndr_flow_cfg *c, const struct ndr_top_cfg *top)
{
	c->log2_buckets = top->log2_buckets;
	c->mask = (1u << top->log2_buckets) - 1u;
	c->seed = top->hash_seed;
	c->idle_ns = (uint64_t)top->idle_timeout_ms * 1000000u;
	c->active_ns = (uint64_t)top->active_timeout_ms * 1000000u;
	c->close_ns = (uint64_t)top->close_timeout_ms * 1000000u;
	uint64_t scan = ((uint64_t)top->scan_sweep_ms * 1000000u) >> top->log2_buckets;
	c->scan_ns = scan < NDR_FLOW_SCAN_MIN_NS ? NDR_FLOW_SCAN_MIN_NS : scan;
}

void ndr_flow_ctr_init(struct ndr_flow_ctr *c)
{
	c->active = 0;
	c->created = 0;
	c->evicted = 0;
	c->collisions = 0;
	c->sig_false = 0;
	c->scan_visits = 0;
	c->scan_expired = 0;
	c->dns_only = 0;
	c->link_dropped = 0;
	c->records = 0;
}

void ndr_flow_clock_init(struct ndr_flow_clock *k)
{
	k->started = false;
	k->now = 0;
	k->scan_next = 0;
	k->scan_ptr = 0;
}

void ndr_flow_clock_advance(const struct ndr_flow_cfg *c, struct ndr_flow_clock *k, uint64_t t)
{
	if (!k->started) {
		k->started = true;
		k->now = t;
		k->scan_next = t + c->scan_ns;
		return;
	}
	k->now = ndr_hw_max64(k->now, t);
}

bool ndr_flow_visit_due(const struct ndr_flow_clock *k, uint64_t t)
{
	return k->started && k->scan_next <= t;
}

void ndr_flow_visit_take(const struct ndr_flow_cfg *c, struct ndr_flow_clock *k,
			 uint32_t *bucket, uint64_t *t)
{
	*bucket = k->scan_ptr;
	*t = k->scan_next;
	k->scan_ptr = (k->scan_ptr + 1u) & c->mask;
	k->scan_next += c->scan_ns;
}

void ndr_flow_hash_op(const struct ndr_flow_cfg *c, struct ndr_flow_op *op)
{
	op->src_lower = ndr_flow_key(&op->m, op->key);
	ndr_murmur3_32x2(op->key, NDR_FLOW_KEY_LEN, c->seed, c->seed ^ NDR_FLOW_SIG_SALT,
			 &op->hash, &op->sig);
}

static uint64_t flow_elapsed(uint64_t t, uint64_t since)
{
	return t > since ? t - since : 0u;
}

static bool flow_is_icmp(uint8_t proto)
{
	return proto == 1u || proto == 58u;
}

static bool flow_closed(const struct ndr_flow_entry *e)
{
	if (e->tcp_state & (NDR_TCP_RST_FWD | NDR_TCP_RST_REV))
		return true;
	return (e->tcp_state & NDR_TCP_FIN_FWD) && (e->tcp_state & NDR_TCP_FIN_REV);
}

static uint8_t flow_expiry_reason(const struct ndr_flow_entry *e)
{
	if (e->tcp_state & (NDR_TCP_RST_FWD | NDR_TCP_RST_REV))
		return NDR_FLOW_END_RST;
	return flow_closed(e) ? NDR_FLOW_END_FIN : NDR_FLOW_END_IDLE;
}

/* A valid way expires at last_ts + its timeout: "expired at t" is
 * t >= that time, the same as t - last_ts >= timeout with differences that
 * never go negative (timeouts are non-zero). */
/* When way expires, as flow_way_expired decides: UINT64_MAX for never
 * (invalid, or the deadline would pass 2^64). */
static uint64_t flow_way_deadline(const struct ndr_flow_cfg *c, const struct ndr_flow_bucket *line,
			   uint32_t way)
{
	if (!(line->state[way] & NDR_FLOW_S_VALID))
		return UINT64_MAX;
	uint64_t timeout = (line->state[way] & NDR_FLOW_S_CLOSED) ? c->close_ns : c->idle_ns;
	uint64_t d = line->last_ts[way] + timeout;
	return d >= timeout ? d : UINT64_MAX;
}

static bool flow_way_expired(const struct ndr_flow_cfg *c, const struct ndr_flow_bucket *line,
			uint32_t way, uint64_t t)
{
	if (!(line->state[way] & NDR_FLOW_S_VALID))
		return false;
	uint64_t timeout = (line->state[way] & NDR_FLOW_S_CLOSED) ? c->close_ns : c->idle_ns;
	uint64_t d = line->last_ts[way] + timeout;
	return d >= timeout && t >= d;
}

uint32_t ndr_flow_expired_ways(const struct ndr_flow_cfg *c, const struct ndr_flow_bucket *line,
			       uint64_t t)
{
	uint32_t m = 0;
	for (uint32_t way = 0; way < NDR_FLOW_WAYS; way++)
		m |= flow_way_expired(c, line, way, t) ? 1u << way : 0u;
	return m;
}

uint64_t ndr_flow_next_expiry(const struct ndr_flow_cfg *c, const struct ndr_flow_bucket *line)
{
	uint64_t first = UINT64_MAX;
	for (uint32_t way = 0; way < NDR_FLOW_WAYS; way++) {
		uint64_t d = flow_way_deadline(c, line, way);
		first = d < first ? d : first;
	}
	return first;
}

uint32_t ndr_flow_valid_ways(const struct ndr_flow_bucket *line)
{
	uint32_t m = 0;
	for (uint32_t way = 0; way < NDR_FLOW_WAYS; way++)
		m |= (line->state[way] & NDR_FLOW_S_VALID) ? 1u << way : 0u;
	return m;
}

static uint32_t flow_hist_bin(uint32_t ip_len)
{
	if (ip_len <= 64u)
		return 0;
	if (ip_len <= 128u)
		return 1;
	if (ip_len <= 256u)
		return 2;
	if (ip_len <= 512u)
		return 3;
	if (ip_len <= 768u)
		return 4;
	if (ip_len <= 1024u)
		return 5;
	if (ip_len <= 1500u)
		return 6;
	return 7;
}

static void flow_put_hdr(uint8_t *rec, uint8_t type, uint8_t slots, uint8_t flags, uint64_t t)
{
	rec[0] = type;
	rec[1] = slots;
	rec[2] = (uint8_t)NDR_ABI_VERSION;
	rec[3] = flags;
	ndr_put32(rec, 4, 0);
	ndr_put64(rec, 8, t);
}

/* The compact record applies (ndr_abi.h "compact flow record"). */
static bool flow_compact(const struct ndr_flow_entry *e)
{
	uint64_t pkts = e->pkts[DIR_FWD] + e->pkts[DIR_REV];
	return !e->ipv6 && e->key[40] == 0u && e->key[41] == 0u && pkts >= 1u &&
	       pkts <= NDR_FLOW_SHORT_MAX_PKTS && e->last_ts >= e->first_ts &&
	       e->last_ts - e->first_ts <= 0xffffffffu;
}

#define FS(f) NDR_OFF(ndr_flow_short_rec, f)
#define FR(f) NDR_OFF(ndr_flow_rec, f)

static uint32_t flow_record_short(const struct ndr_flow_entry *e, uint8_t reason, uint64_t t,
			     uint8_t *rec)
{
	const uint8_t *src = e->src_is_lower ? e->key : e->key + 16;
	const uint8_t *dst = e->src_is_lower ? e->key + 16 : e->key;
	ndr_hw_zero(rec, NDR_SLOT_BYTES);
	flow_put_hdr(rec, NDR_REC_FLOW_SHORT, 1, 0, t);
	for (uint32_t i = 0; i < 4u; i++) {
		rec[FS(src_addr4) + i] = src[12u + i];
		rec[FS(dst_addr4) + i] = dst[12u + i];
	}
	ndr_put16(rec, FS(src_port), e->src_port);
	ndr_put16(rec, FS(dst_port), e->dst_port);
	rec[FS(ip_proto)] = e->key[36];
	rec[FS(end_reason)] = reason;
	rec[FS(tcp_flags_fwd)] = e->tcp_flags[DIR_FWD];
	rec[FS(tcp_flags_rev)] = e->tcp_flags[DIR_REV];
	rec[FS(vlan_outer)] = e->key[38];
	rec[FS(vlan_outer) + 1u] = e->key[39];
	rec[FS(tcp_state)] = e->tcp_state;
	rec[FS(frag_seen)] = e->frag_seen;
	uint32_t pkts = (uint32_t)(e->pkts[DIR_FWD] + e->pkts[DIR_REV]);
	rec[FS(pkts)] = (uint8_t)pkts;
	rec[FS(rev)] = e->pkt_rev;
	for (uint32_t i = 0; i < 2u; i++) {
		bool have = i < pkts;
		ndr_put16(rec, FS(ip_len) + 2u * i, have ? e->pkt_len[i] : 0u);
		ndr_put16(rec, FS(payload_len) + 2u * i, have ? e->pkt_payload[i] : 0u);
	}
	ndr_put64(rec, FS(first_ts_ns), e->first_ts);
	ndr_put32(rec, FS(last_delta_ns), (uint32_t)(e->last_ts - e->first_ts));
	ndr_put32(rec, FS(flow_hash), e->hash);
	return 1;
}

static uint32_t flow_record_full(const struct ndr_flow_entry *e, uint8_t reason, uint64_t t,
			    uint8_t *rec)
{
	const uint8_t *src = e->src_is_lower ? e->key : e->key + 16;
	const uint8_t *dst = e->src_is_lower ? e->key + 16 : e->key;
	ndr_hw_zero(rec, 3u * NDR_SLOT_BYTES);
	flow_put_hdr(rec, NDR_REC_FLOW, 3, e->ipv6 ? NDR_REC_F_IPV6 : 0u, t);
	for (uint32_t i = 0; i < 16u; i++) {
		rec[FR(src_addr) + i] = src[i];
		rec[FR(dst_addr) + i] = dst[i];
	}
	ndr_put16(rec, FR(src_port), e->src_port);
	ndr_put16(rec, FR(dst_port), e->dst_port);
	rec[FR(ip_proto)] = e->key[36];
	rec[FR(end_reason)] = reason;
	rec[FR(tcp_flags_fwd)] = e->tcp_flags[DIR_FWD];
	rec[FR(tcp_flags_rev)] = e->tcp_flags[DIR_REV];
	for (uint32_t i = 0; i < 4u; i++)
		rec[FR(vlan_outer) + i] = e->key[38u + i];   /* outer, inner: LE as in the key */
	rec[FR(tcp_state)] = e->tcp_state;
	rec[FR(frag_seen)] = e->frag_seen;
	ndr_put64(rec, FR(pkts_fwd), e->pkts[DIR_FWD]);
	ndr_put64(rec, FR(pkts_rev), e->pkts[DIR_REV]);
	ndr_put64(rec, FR(bytes_fwd), e->bytes[DIR_FWD]);
	ndr_put64(rec, FR(bytes_rev), e->bytes[DIR_REV]);
	ndr_put64(rec, FR(first_ts_ns), e->first_ts);
	ndr_put64(rec, FR(last_ts_ns), e->last_ts);
	ndr_put32(rec, FR(flow_hash), e->hash);
	ndr_put32(rec, FR(dir_changes), e->dir_changes);
	ndr_put32(rec, FR(iat_min_us), e->iat_min_us);
	ndr_put32(rec, FR(iat_max_us), e->iat_max_us);
	for (uint32_t i = 0; i < NDR_HIST_BINS; i++) {
		ndr_put16(rec, FR(hist_fwd) + 2u * i, e->hist[DIR_FWD][i]);
		ndr_put16(rec, FR(hist_rev) + 2u * i, e->hist[DIR_REV][i]);
	}
	ndr_put64(rec, FR(iat_sum_us), e->iat_sum_us);
	ndr_put64(rec, FR(iat_sumsq_us), e->iat_sumsq_us);
	ndr_put64(rec, FR(payload_bytes_fwd), e->payload[DIR_FWD]);
	ndr_put64(rec, FR(payload_bytes_rev), e->payload[DIR_REV]);
	return 3;
}

/* The record of e cut at t; 0 slots when its DNS record stands for it. */
static uint32_t flow_record(struct ndr_flow_ctr *ctr, const struct ndr_flow_entry *e, uint8_t reason,
		       uint64_t t, uint8_t *rec)
{
	if (e->dns_only && e->pkts[DIR_FWD] + e->pkts[DIR_REV] == 1u) {
		ctr->dns_only++;
		return 0;
	}
	ctr->records++;
	if (flow_compact(e))
		return flow_record_short(e, reason, t, rec);
	return flow_record_full(e, reason, t, rec);
}

/* Counters, flags, histograms, iat statistics, dir_changes and frag_seen
 * restart; key, orientation, ports, tcp_state and last_ts are kept. */
static void flow_reset_period(struct ndr_flow_entry *e)
{
	for (uint32_t d = 0; d < 2u; d++) {
		e->pkts[d] = 0;
		e->bytes[d] = 0;
		e->payload[d] = 0;
		e->tcp_flags[d] = 0;
		for (uint32_t i = 0; i < NDR_HIST_BINS; i++)
			e->hist[d][i] = 0;
		e->pkt_len[d] = 0;
		e->pkt_payload[d] = 0;
	}
	e->pkt_rev = 0;
	e->dir_changes = 0;
	e->frag_seen = 0;
	e->iat_min_us = 0xffffffffu;
	e->iat_max_us = 0;
	e->iat_sum_us = 0;
	e->iat_sumsq_us = 0;
	e->first_ts = 0;
	e->dns_only = 0;
}

static void flow_start(struct ndr_flow_entry *e, const struct ndr_flow_op *op)
{
	const struct ndr_pkt_meta *m = &op->m;
	ndr_hw_copy(e->key, op->key, NDR_FLOW_KEY_LEN);
	e->src_is_lower = op->src_lower ? 1u : 0u;
	e->ipv6 = m->ipv6 ? 1u : 0u;
	e->hash = op->hash;
	if (flow_is_icmp(m->proto)) {
		e->src_port = 0;
		e->dst_port = (uint16_t)((uint16_t)m->icmp_type << 8 | m->icmp_code);
	} else {
		e->src_port = m->src_port;
		e->dst_port = m->dst_port;
	}
	e->tcp_state = 0;
	if (m->proto == 6u && (m->tcp_flags & (TCP_SYN | TCP_ACK)) != TCP_SYN)
		e->tcp_state = NDR_TCP_MIDSTREAM;
	e->last_dir = DIR_FWD;
	flow_reset_period(e);
	e->dns_only = op->dns ? 1u : 0u;
	e->last_ts = op->ts;
	for (uint32_t i = 0; i < NDR_FLOW_ENTRY_PAD; i++)
		e->pad2[i] = 0;
}

static uint64_t flow_sat_add64(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static void flow_update(struct ndr_flow_entry *e, const struct ndr_flow_op *op)
{
	const struct ndr_pkt_meta *m = &op->m;
	uint64_t t = op->ts;
	/* fwd when the packet's (source address, source port) is the
	 * initiator's; ICMP ports are 0 on both sides, so the address decides. */
	const uint8_t *src = e->src_is_lower ? e->key : e->key + 16;
	uint16_t pkt_sport = flow_is_icmp(m->proto) ? 0u : m->src_port;
	uint32_t dir = pkt_sport == e->src_port && ndr_hw_equal(m->src_addr, src, 16u)
		       ? DIR_FWD : DIR_REV;
	uint64_t n = e->pkts[DIR_FWD] + e->pkts[DIR_REV];

	if (n == 0u) {
		e->first_ts = t;
	} else {
		uint64_t d = flow_elapsed(t, e->last_ts) / 1000u;
		uint32_t d32 = d > 0xffffffffu ? 0xffffffffu : (uint32_t)d;
		if (d32 < e->iat_min_us)
			e->iat_min_us = d32;
		if (d32 > e->iat_max_us)
			e->iat_max_us = d32;
		e->iat_sum_us += d;
		uint64_t sq = d > 0xffffffffu ? UINT64_MAX : d * d;
		e->iat_sumsq_us = flow_sat_add64(e->iat_sumsq_us, sq);
		if (dir != e->last_dir)
			e->dir_changes++;
		e->dns_only = 0;
	}
	if (n < 2u) {
		e->pkt_len[n] = (uint16_t)m->ip_len;
		e->pkt_payload[n] = (uint16_t)m->payload_len;
		e->pkt_rev |= (uint8_t)(dir << n);
	}

	e->pkts[dir]++;
	e->bytes[dir] += m->ip_len;
	e->payload[dir] += m->payload_len;
	uint32_t bin = flow_hist_bin(m->ip_len);
	if (e->hist[dir][bin] != 0xffffu)
		e->hist[dir][bin]++;
	e->last_ts = t;
	e->last_dir = (uint8_t)dir;
	if (m->frag && e->frag_seen != 0xffu)
		e->frag_seen++;

	if (m->proto != 6u)
		return;
	uint8_t f = m->tcp_flags;
	e->tcp_flags[dir] |= f;
	bool syn = f & TCP_SYN, ack = f & TCP_ACK;
	if (dir == DIR_FWD) {
		if (syn && !ack)
			e->tcp_state |= NDR_TCP_SYN;
		if (ack && !syn && (e->tcp_state & NDR_TCP_SYNACK))
			e->tcp_state |= NDR_TCP_ESTABLISHED;
		if (f & TCP_RST)
			e->tcp_state |= NDR_TCP_RST_FWD;
		if (f & TCP_FIN)
			e->tcp_state |= NDR_TCP_FIN_FWD;
	} else {
		if (syn && ack)
			e->tcp_state |= NDR_TCP_SYNACK;
		if (f & TCP_RST)
			e->tcp_state |= NDR_TCP_RST_REV;
		if (f & TCP_FIN)
			e->tcp_state |= NDR_TCP_FIN_REV;
	}
}

/* The header line's copy of what lookup, victim choice and scanner need. */
static void flow_set_way(struct ndr_flow_bucket *line, uint32_t way, const struct ndr_flow_entry *e,
		    uint32_t sig)
{
	line->sig[way] = sig;
	line->last_ts[way] = e->last_ts;
	line->state[way] = (uint8_t)(NDR_FLOW_S_VALID | (flow_closed(e) ? NDR_FLOW_S_CLOSED : 0u));
}

uint32_t ndr_flow_packet_core(const struct ndr_flow_cfg *c, struct ndr_flow_ctr *ctr,
			      struct ndr_flow_bucket *line, struct ndr_flow_entry *ways,
			      const struct ndr_flow_op *op, uint8_t rec[3 * NDR_SLOT_BYTES],
			      uint32_t *way_out)
{
	uint64_t t = op->ts;
	/* The ways whose signature matches are confirmed against their key;
	 * every valid way is compared at once in hardware. */
	uint32_t found = NDR_FLOW_WAYS, free_way = NDR_FLOW_WAYS;
	bool occupied = false;
	for (uint32_t way = 0; way < NDR_FLOW_WAYS; way++) {
		bool valid = line->state[way] & NDR_FLOW_S_VALID;
		if (!valid && free_way == NDR_FLOW_WAYS)
			free_way = way;
		occupied |= valid;
		if (valid && found == NDR_FLOW_WAYS && line->sig[way] == op->sig) {
			if (ndr_hw_equal(ways[way].key, op->key, NDR_FLOW_KEY_LEN))
				found = way;
			else
				ctr->sig_false++;
		}
	}

	uint32_t way, slots = 0;
	struct ndr_flow_entry *e;
	if (found != NDR_FLOW_WAYS) {
		way = found;
		e = &ways[way];
		if (flow_way_expired(c, line, way, t)) {
			slots = flow_record(ctr, e, flow_expiry_reason(e), t, rec);
			flow_start(e, op);
			ctr->created++;
		}
	} else if (free_way != NDR_FLOW_WAYS) {
		way = free_way;
		e = &ways[way];
		flow_start(e, op);
		ctr->active++;
		ctr->created++;
		if (occupied)
			ctr->collisions++;
	} else {
		way = 0;
		for (uint32_t v = 1; v < NDR_FLOW_WAYS; v++) {
			if (line->last_ts[v] < line->last_ts[way])
				way = v;
		}
		e = &ways[way];
		slots = flow_record(ctr, e, NDR_FLOW_END_EVICT, t, rec);
		ctr->evicted++;
		ctr->collisions++;
		flow_start(e, op);
		ctr->created++;
	}

	flow_update(e, op);
	/* at most one record a packet: a flow just started cannot be at its
	 * active timeout (timeouts are >= 1 ms) */
	if (flow_elapsed(t, e->first_ts) >= c->active_ns) {
		slots = flow_record(ctr, e, NDR_FLOW_END_ACTIVE, t, rec);
		flow_reset_period(e);
	}
	flow_set_way(line, way, e, op->sig);
	*way_out = way;
	return slots;
}

uint32_t ndr_flow_retire(const struct ndr_flow_cfg *c, struct ndr_flow_ctr *ctr,
			 struct ndr_flow_bucket *line, const struct ndr_flow_entry *e,
			 uint32_t way, uint8_t reason, uint64_t t,
			 uint8_t rec[3 * NDR_SLOT_BYTES])
{
	(void)c;
	uint32_t slots = flow_record(ctr, e, reason ? reason : flow_expiry_reason(e), t, rec);
	line->state[way] = 0;
	ctr->active--;
	return slots;
}
