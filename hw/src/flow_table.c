/*
 * flow_table.c - the flow table: 2^log2_buckets buckets of 4 ways, a scanner
 * that retires expired flows one bucket per packet, idle/active/close
 * timeouts, eviction, flush (docs/dataplane.md "Flow table").
 *
 * Tag/state split (docs/microarchitecture.md "Flow table"): the lookup, the
 * victim choice and the scanner work on one 64-byte header line per bucket
 * (signature = a second hash of the key, valid/closed bits, last_ts per way) and on one
 * 64-bit deadline word per bucket (the earliest time any of its ways
 * expires, 0 when none is valid), so the 176-byte entries are read only for
 * a signature match, a victim, or a way the scanner retires.
 *
 * Read-modify-write hazards: every write goes into a forwarding window
 * (a ring of the last NDR_FLOW_LINE_FWD line writes and the last
 * NDR_FLOW_ENTRY_FWD entry writes) and reaches memory only when it leaves
 * the window. Every read looks in the window first, newest write first. So
 * the emulation's memory really is stale for the window's depth, as the
 * hardware's is for its read latency, and a missing or wrong forward shows
 * up as a wrong record against the golden model.
 *
 * The table memory belongs to the caller (m_axi ports in hardware).
 * Every record is written through the record writer as it is cut.
 *
 * Spec choices (the golden model must make the same):
 * - Time differences never go negative: when packet times go backwards
 *   (captures do that), t - last_ts counts as 0, for expiry, for the active
 *   timeout and for the inter-arrival time. last_ts is still set to t.
 * - iat_min_us/iat_max_us take the inter-arrival time saturated at
 *   0xffffffff; iat_sum_us adds the full 64-bit value.
 * - After an ACTIVE record the period is empty until the next packet: a
 *   record cut in that state (IDLE/FIN/RST/EVICT/FLUSH with no packet since
 *   the ACTIVE record) has all counters 0, first_ts_ns = 0, iat_min_us =
 *   0xffffffff, and last_ts_ns = the time of the flow's last packet.
 * - ICMP means protocol 1 or 58; its dst_port is type << 8 | code of the
 *   first packet as parsed (0 when that packet was a fragment, whose ICMP
 *   header is not read).
 * - tcp_state and tcp_flags apply to protocol 6 only; a TCP fragment has
 *   flags 0 (its header is not read), so a flow started by one is MIDSTREAM.
 */
#include "ndr_hw.h"

#define TCP_FIN 0x01u
#define TCP_SYN 0x02u
#define TCP_RST 0x04u
#define TCP_ACK 0x10u

#define DIR_FWD 0u
#define DIR_REV 1u

_Static_assert(sizeof(struct ndr_flow_bucket) == 64, "a header line is one 64-byte word");

/* 2^24 buckets, the largest table the card accepts. */
#define FLOW_MAX_BUCKETS (1u << 24)

void ndr_flow_init(struct ndr_flow_table *ft, const struct ndr_flow_mem *mem,
		   uint32_t log2_buckets, uint32_t seed, uint32_t idle_ms,
		   uint32_t active_ms, uint32_t close_ms)
{
	ft->mem = *mem;
	ft->log2_buckets = log2_buckets;
	ft->mask = (1u << log2_buckets) - 1u;
	ft->seed = seed;
	ft->idle_ns = (uint64_t)idle_ms * 1000000u;
	ft->active_ns = (uint64_t)active_ms * 1000000u;
	ft->close_ns = (uint64_t)close_ms * 1000000u;
	ft->scan_ptr = 0;
	for (uint32_t i = 0; i < NDR_FLOW_LINE_FWD; i++)
		ft->line_tag[i] = NDR_FLOW_FWD_NONE;
	ft->line_head = 0;
	for (uint32_t i = 0; i < NDR_FLOW_ENTRY_FWD; i++)
		ft->entry_tag[i] = NDR_FLOW_FWD_NONE;
	ft->entry_head = 0;
	ft->active = 0;
	ft->created = 0;
	ft->evicted = 0;
	ft->collisions = 0;
	ft->sig_false = 0;
	ft->scan_expired = 0;
	ft->fwd_hits = 0;
	ft->extra_reads = 0;
	/* the hash unit's last result: that of the all-zero key */
	ndr_hw_zero(ft->key, NDR_FLOW_KEY_LEN);
	ft->src_lower = true;
	ndr_murmur3_32x2(ft->key, NDR_FLOW_KEY_LEN, seed, seed ^ NDR_FLOW_SIG_SALT,
			 &ft->hash, &ft->sig);
}

/* ---- memories behind their forwarding windows ---- */

/* The slot of the newest write to idx in a window of n slots (a power of
 * two) whose next write goes to slot head, or n when no write to idx is in
 * flight. Most reads miss every slot: one pass over all tags settles that
 * before the newest-first search. */
NDR_HW_INLINE uint32_t fwd_find(const uint32_t *tag, uint32_t n, uint32_t head, uint32_t idx)
{
	uint32_t hits = 0;
	for (uint32_t k = 0; k < NDR_FLOW_ENTRY_FWD; k++) {
		if (k >= n)
			break;
		hits |= tag[k] == idx;
	}
	if (!hits)
		return n;
	for (uint32_t k = 1; k <= NDR_FLOW_ENTRY_FWD; k++) {
		if (k > n)
			break;
		uint32_t slot = (head - k) & (n - 1u);
		if (tag[slot] == idx)
			return slot;
	}
	return n;
}

static void read_line(struct ndr_flow_table *ft, uint32_t idx, struct ndr_flow_bucket *line,
		      uint64_t *deadline)
{
	uint32_t s = fwd_find(ft->line_tag, NDR_FLOW_LINE_FWD, ft->line_head, idx);
	if (s < NDR_FLOW_LINE_FWD) {
		*line = ft->line_data[s];
		*deadline = ft->line_deadline[s];
		ft->fwd_hits++;
		return;
	}
	*line = ft->mem.buckets[idx];
	*deadline = ft->mem.deadline[idx];
}

/* The scanner needs only the deadline word. */
static uint64_t read_deadline(struct ndr_flow_table *ft, uint32_t idx)
{
	uint32_t s = fwd_find(ft->line_tag, NDR_FLOW_LINE_FWD, ft->line_head, idx);
	if (s < NDR_FLOW_LINE_FWD) {
		ft->fwd_hits++;
		return ft->line_deadline[s];
	}
	return ft->mem.deadline[idx];
}

static void retire_line(struct ndr_flow_table *ft, uint32_t s)
{
	uint32_t idx = ft->line_tag[s];
	if (idx == NDR_FLOW_FWD_NONE)
		return;
	ft->mem.buckets[idx] = ft->line_data[s];
	ft->mem.deadline[idx] = ft->line_deadline[s];
	ft->line_tag[s] = NDR_FLOW_FWD_NONE;
}

static void write_line(struct ndr_flow_table *ft, uint32_t idx, const struct ndr_flow_bucket *line,
		       uint64_t deadline)
{
	uint32_t s = ft->line_head & (NDR_FLOW_LINE_FWD - 1u);
	retire_line(ft, s);
	ft->line_tag[s] = idx;
	ft->line_data[s] = *line;
	ft->line_deadline[s] = deadline;
	ft->line_head++;
}

static void read_entry(struct ndr_flow_table *ft, uint32_t idx, struct ndr_flow_entry *e)
{
	uint32_t s = fwd_find(ft->entry_tag, NDR_FLOW_ENTRY_FWD, ft->entry_head, idx);
	if (s < NDR_FLOW_ENTRY_FWD) {
		*e = ft->entry_data[s];
		ft->fwd_hits++;
		return;
	}
	*e = ft->mem.entries[idx];
}

static void retire_entry(struct ndr_flow_table *ft, uint32_t s)
{
	uint32_t idx = ft->entry_tag[s];
	if (idx == NDR_FLOW_FWD_NONE)
		return;
	ft->mem.entries[idx] = ft->entry_data[s];
	ft->entry_tag[s] = NDR_FLOW_FWD_NONE;
}

static void write_entry(struct ndr_flow_table *ft, uint32_t idx, const struct ndr_flow_entry *e)
{
	uint32_t s = ft->entry_head & (NDR_FLOW_ENTRY_FWD - 1u);
	retire_entry(ft, s);
	ft->entry_tag[s] = idx;
	ft->entry_data[s] = *e;
	ft->entry_head++;
}

static void retire_all(struct ndr_flow_table *ft)
{
	/* oldest first, so a newer write of the same index wins */
	for (uint32_t k = 0; k < NDR_FLOW_LINE_FWD; k++)
		retire_line(ft, (ft->line_head + k) & (NDR_FLOW_LINE_FWD - 1u));
	for (uint32_t k = 0; k < NDR_FLOW_ENTRY_FWD; k++)
		retire_entry(ft, (ft->entry_head + k) & (NDR_FLOW_ENTRY_FWD - 1u));
}

static uint64_t elapsed(uint64_t t, uint64_t since)
{
	return t > since ? t - since : 0u;
}

static bool is_icmp(uint8_t proto)
{
	return proto == 1u || proto == 58u;
}

static bool flow_closed(const struct ndr_flow_entry *e)
{
	if (e->tcp_state & (NDR_TCP_RST_FWD | NDR_TCP_RST_REV))
		return true;
	return (e->tcp_state & NDR_TCP_FIN_FWD) && (e->tcp_state & NDR_TCP_FIN_REV);
}

static uint8_t expiry_reason(const struct ndr_flow_entry *e)
{
	if (e->tcp_state & (NDR_TCP_RST_FWD | NDR_TCP_RST_REV))
		return NDR_FLOW_END_RST;
	return flow_closed(e) ? NDR_FLOW_END_FIN : NDR_FLOW_END_IDLE;
}

/* A valid way of a header line expires at last_ts + its timeout: "expired
 * at t" is t >= that time, the same as t - last_ts >= timeout with time
 * differences that never go negative (timeouts are non-zero). */
static uint64_t way_deadline(const struct ndr_flow_table *ft, const struct ndr_flow_bucket *line,
			     uint32_t way)
{
	uint64_t timeout = (line->state[way] & NDR_FLOW_S_CLOSED) ? ft->close_ns : ft->idle_ns;
	uint64_t d = line->last_ts[way] + timeout;
	return d < timeout ? UINT64_MAX : d;
}

static bool way_expired(const struct ndr_flow_table *ft, const struct ndr_flow_bucket *line,
			uint32_t way, uint64_t t)
{
	return (line->state[way] & NDR_FLOW_S_VALID) && t >= way_deadline(ft, line, way);
}

/* The earliest deadline of the valid ways; 0 when none is valid (a real
 * deadline is >= the timeout, which is non-zero). */
static uint64_t line_deadline(const struct ndr_flow_table *ft, const struct ndr_flow_bucket *line)
{
	uint64_t d = 0;
	for (uint32_t way = 0; way < NDR_FLOW_WAYS; way++) {
		if (!(line->state[way] & NDR_FLOW_S_VALID))
			continue;
		uint64_t w = way_deadline(ft, line, way);
		if (d == 0u || w < d)
			d = w;
	}
	return d;
}

static uint32_t hist_bin(uint32_t ip_len)
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

static uint16_t rd_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static void emit(const struct ndr_flow_entry *e, uint8_t reason, uint64_t t, struct ndr_rw *w)
{
	struct ndr_flow_rec r = {0};
	r.hdr.type = NDR_REC_FLOW;
	r.hdr.slots = 3;
	r.hdr.version = NDR_ABI_VERSION;
	r.hdr.flags = e->ipv6 ? NDR_REC_F_IPV6 : 0u;
	r.hdr.ts_ns = t;
	const uint8_t *src = e->src_is_lower ? e->key : e->key + 16;
	const uint8_t *dst = e->src_is_lower ? e->key + 16 : e->key;
	for (uint32_t i = 0; i < 16u; i++) {
		r.src_addr[i] = src[i];
		r.dst_addr[i] = dst[i];
	}
	r.src_port = e->src_port;
	r.dst_port = e->dst_port;
	r.ip_proto = e->key[36];
	r.end_reason = reason;
	r.tcp_flags_fwd = e->tcp_flags[DIR_FWD];
	r.tcp_flags_rev = e->tcp_flags[DIR_REV];
	r.vlan_outer = rd_le16(e->key + 38);
	r.vlan_inner = rd_le16(e->key + 40);
	r.tcp_state = e->tcp_state;
	r.frag_seen = e->frag_seen;
	r.pkts_fwd = e->pkts[DIR_FWD];
	r.pkts_rev = e->pkts[DIR_REV];
	r.bytes_fwd = e->bytes[DIR_FWD];
	r.bytes_rev = e->bytes[DIR_REV];
	r.first_ts_ns = e->first_ts;
	r.last_ts_ns = e->last_ts;
	r.flow_hash = e->hash;
	r.dir_changes = e->dir_changes;
	r.iat_min_us = e->iat_min_us;
	r.iat_max_us = e->iat_max_us;
	for (uint32_t i = 0; i < NDR_HIST_BINS; i++) {
		r.hist_fwd[i] = e->hist[DIR_FWD][i];
		r.hist_rev[i] = e->hist[DIR_REV][i];
	}
	r.iat_sum_us = e->iat_sum_us;
	r.iat_sumsq_us = e->iat_sumsq_us;
	r.payload_bytes_fwd = e->payload[DIR_FWD];
	r.payload_bytes_rev = e->payload[DIR_REV];
	ndr_rw_write(w, (const uint8_t *)&r, sizeof(r), 0, 0);
}

/* Counters, flags, histograms, iat statistics, dir_changes and frag_seen
 * restart; key, orientation, ports, tcp_state and last_ts are kept. */
static void reset_period(struct ndr_flow_entry *e)
{
	for (uint32_t d = 0; d < 2u; d++) {
		e->pkts[d] = 0;
		e->bytes[d] = 0;
		e->payload[d] = 0;
		e->tcp_flags[d] = 0;
		for (uint32_t i = 0; i < NDR_HIST_BINS; i++)
			e->hist[d][i] = 0;
	}
	e->dir_changes = 0;
	e->frag_seen = 0;
	e->iat_min_us = 0xffffffffu;
	e->iat_max_us = 0;
	e->iat_sum_us = 0;
	e->iat_sumsq_us = 0;
	e->first_ts = 0;
}

static void start_flow(struct ndr_flow_entry *e, const uint8_t key[NDR_FLOW_KEY_LEN],
		       bool src_lower, uint32_t hash, const struct ndr_pkt_meta *m, uint64_t t)
{
	ndr_hw_copy(e->key, key, NDR_FLOW_KEY_LEN);
	e->src_is_lower = src_lower ? 1u : 0u;
	e->pad = 0;
	e->ipv6 = m->ipv6 ? 1u : 0u;
	e->hash = hash;
	if (is_icmp(m->proto)) {
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
	reset_period(e);
	e->last_ts = t;
}

static uint64_t sat_add64(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static void update(struct ndr_flow_entry *e, const struct ndr_pkt_meta *m, uint64_t t)
{
	/* fwd when the packet's (source address, source port) is the
	 * initiator's; ICMP ports are 0 on both sides, so the address decides. */
	const uint8_t *src = e->src_is_lower ? e->key : e->key + 16;
	uint16_t pkt_sport = is_icmp(m->proto) ? 0u : m->src_port;
	uint32_t dir = pkt_sport == e->src_port && ndr_hw_equal(m->src_addr, src, 16u)
		       ? DIR_FWD : DIR_REV;

	if (e->pkts[DIR_FWD] + e->pkts[DIR_REV] == 0u) {
		e->first_ts = t;
	} else {
		uint64_t d = elapsed(t, e->last_ts) / 1000u;
		uint32_t d32 = d > 0xffffffffu ? 0xffffffffu : (uint32_t)d;
		if (d32 < e->iat_min_us)
			e->iat_min_us = d32;
		if (d32 > e->iat_max_us)
			e->iat_max_us = d32;
		e->iat_sum_us += d;
		uint64_t sq = d > 0xffffffffu ? UINT64_MAX : d * d;
		e->iat_sumsq_us = sat_add64(e->iat_sumsq_us, sq);
		if (dir != e->last_dir)
			e->dir_changes++;
	}

	e->pkts[dir]++;
	e->bytes[dir] += m->ip_len;
	e->payload[dir] += m->payload_len;
	uint32_t bin = hist_bin(m->ip_len);
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

static bool key_equal(const uint8_t *a, const uint8_t *b)
{
	return ndr_hw_equal(a, b, NDR_FLOW_KEY_LEN);
}

/* The header line's copy of what lookup, victim choice and scanner need. */
static void set_way(struct ndr_flow_bucket *line, uint32_t way, const struct ndr_flow_entry *e,
		    uint32_t sig)
{
	line->sig[way] = sig;
	line->last_ts[way] = e->last_ts;
	line->state[way] = (uint8_t)(NDR_FLOW_S_VALID | (flow_closed(e) ? NDR_FLOW_S_CLOSED : 0u));
}

static uint32_t entry_index(uint32_t bucket, uint32_t way)
{
	return bucket * NDR_FLOW_WAYS + way;
}

/* Step 1: the deadline word says whether bucket scan_ptr holds an expired
 * way; only then are its line and the expired entries read. */
static void scan_bucket(struct ndr_flow_table *ft, uint64_t t, struct ndr_rw *w)
{
	uint32_t bucket = ft->scan_ptr;
	ft->scan_ptr = (ft->scan_ptr + 1u) & ft->mask;
	uint64_t deadline = read_deadline(ft, bucket);
	if (deadline == 0u || t < deadline)
		return;

	struct ndr_flow_bucket line;
	read_line(ft, bucket, &line, &deadline);
	ft->extra_reads++;
	for (uint32_t way = 0; way < NDR_FLOW_WAYS; way++) {
		if (!way_expired(ft, &line, way, t))
			continue;
		struct ndr_flow_entry e;
		read_entry(ft, entry_index(bucket, way), &e);
		ft->extra_reads++;
		emit(&e, expiry_reason(&e), t, w);
		line.state[way] = 0;
		ft->active--;
		ft->scan_expired++;
	}
	write_line(ft, bucket, &line, line_deadline(ft, &line));
}

/* The hash unit keeps its last key and result: a packet of the same flow
 * skips the hash, and its bucket read was issued already. */
void ndr_flow_hash(struct ndr_flow_table *ft, const struct ndr_pkt_meta *m)
{
	uint8_t key[NDR_FLOW_KEY_LEN];
	ft->src_lower = ndr_flow_key(m, key);
	if (!key_equal(key, ft->key)) {
		ndr_hw_copy(ft->key, key, NDR_FLOW_KEY_LEN);
		ndr_murmur3_32x2(ft->key, NDR_FLOW_KEY_LEN, ft->seed, ft->seed ^ NDR_FLOW_SIG_SALT,
				 &ft->hash, &ft->sig);
		uint32_t bucket = ft->hash & ft->mask;
		NDR_HW_PREFETCH(&ft->mem.buckets[bucket]);
		/* the ways' entries too: a match or a victim needs one of
		 * them, and their misses then overlap the header line's */
		const uint8_t *ways = (const uint8_t *)&ft->mem.entries[entry_index(bucket, 0)];
		for (uint32_t off = 0; off < NDR_FLOW_WAYS * sizeof(struct ndr_flow_entry); off += 64u)
			NDR_HW_PREFETCH(ways + off);
	}
	NDR_HW_PREFETCH(&ft->mem.deadline[(ft->scan_ptr + 8u) & ft->mask]);
}

void ndr_flow_packet(struct ndr_flow_table *ft, const struct ndr_pkt_meta *m,
		     uint64_t t, struct ndr_rw *w)
{
	ft->extra_reads = 0;
	scan_bucket(ft, t, w);

	const uint8_t *key = ft->key;
	bool src_lower = ft->src_lower;
	uint32_t hash = ft->hash;
	uint32_t bucket = hash & ft->mask;

	struct ndr_flow_bucket line;
	uint64_t deadline;
	read_line(ft, bucket, &line, &deadline);

	/* Ways whose signature matches are confirmed against the entry's key;
	 * the first read is the pipelined one, each further one costs a read. */
	struct ndr_flow_entry e;
	uint32_t found = NDR_FLOW_WAYS, free_way = NDR_FLOW_WAYS, entry_reads = 0;
	bool occupied = false;
	for (uint32_t way = 0; way < NDR_FLOW_WAYS; way++) {
		if (!(line.state[way] & NDR_FLOW_S_VALID)) {
			if (free_way == NDR_FLOW_WAYS)
				free_way = way;
			continue;
		}
		occupied = true;
		if (found != NDR_FLOW_WAYS || line.sig[way] != ft->sig)
			continue;
		read_entry(ft, entry_index(bucket, way), &e);
		entry_reads++;
		if (key_equal(e.key, key))
			found = way;
		else
			ft->sig_false++;
	}

	uint32_t way;
	if (found != NDR_FLOW_WAYS) {
		way = found;
		if (way_expired(ft, &line, way, t)) {
			emit(&e, expiry_reason(&e), t, w);
			start_flow(&e, key, src_lower, hash, m, t);
			ft->created++;
		}
	} else if (free_way != NDR_FLOW_WAYS) {
		way = free_way;
		start_flow(&e, key, src_lower, hash, m, t);
		ft->active++;
		ft->created++;
		if (occupied)
			ft->collisions++;
	} else {
		way = 0;
		for (uint32_t v = 1; v < NDR_FLOW_WAYS; v++) {
			if (line.last_ts[v] < line.last_ts[way])
				way = v;
		}
		read_entry(ft, entry_index(bucket, way), &e);
		entry_reads++;
		emit(&e, NDR_FLOW_END_EVICT, t, w);
		ft->evicted++;
		ft->collisions++;
		start_flow(&e, key, src_lower, hash, m, t);
		ft->created++;
	}

	update(&e, m, t);

	if (elapsed(t, e.first_ts) >= ft->active_ns) {
		emit(&e, NDR_FLOW_END_ACTIVE, t, w);
		reset_period(&e);
	}

	set_way(&line, way, &e, ft->sig);
	write_entry(ft, entry_index(bucket, way), &e);
	write_line(ft, bucket, &line, line_deadline(ft, &line));
	if (entry_reads > 1u)
		ft->extra_reads += entry_reads - 1u;
}

void ndr_flow_flush(struct ndr_flow_table *ft, uint64_t t, struct ndr_rw *w)
{
	retire_all(ft);
	for (uint32_t bucket = 0; bucket < FLOW_MAX_BUCKETS; bucket++) {
		if (bucket > ft->mask)
			break;
		if (ft->mem.deadline[bucket] == 0u)
			continue;
		struct ndr_flow_bucket *line = &ft->mem.buckets[bucket];
		for (uint32_t way = 0; way < NDR_FLOW_WAYS; way++) {
			if (!(line->state[way] & NDR_FLOW_S_VALID))
				continue;
			emit(&ft->mem.entries[entry_index(bucket, way)], NDR_FLOW_END_FLUSH, t, w);
			line->state[way] = 0;
			ft->active--;
		}
		ft->mem.deadline[bucket] = 0;
	}
}
