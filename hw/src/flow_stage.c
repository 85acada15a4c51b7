/*
 * flow_stage.c - the hash stage and the flow table as a pipelined stage
 * (ndr_hw_flow.h "the hash and flow stages").
 *
 * Why a read snapshot and a forwarding window: the table memory answers a
 * read `lat` clocks after it is issued, and an op behind another op of the
 * same bucket issues its read before the first one has written back. The
 * snapshot is what the memory really returned; the window holds the writes
 * made since, and every completion applies those newer than its read
 * (newest last, so the newest wins). A window shallower than the reads in
 * flight would leave stale state and wrong records: the golden model
 * comparison catches that (tests/unit/test_dataflow.c makes it happen).
 * There is no `DEPENDENCE false` without the forwarding that makes it true.
 *
 * Issue order: before an op whose time reaches the scanner's next visit,
 * the visits due are issued first (one a clock), so visits and packets
 * interleave exactly as docs/dataplane.md orders them.
 */
#include "ndr_hw.h"

#define FWD_NONE 0xffffffffu

void ndr_hash_stage_init(struct ndr_hash_stage *s, const struct ndr_top_cfg *cfg)
{
	ndr_flow_cfg_init(&s->cfg, cfg);
	s->busy = 0;
	s->stalled = 0;
}

void ndr_stage_hash(struct ndr_hash_stage *s, struct ndr_parsed_s *in, struct ndr_flow_op_s *out)
{
	NDR_STAGE
	if (ndr_parsed_s_empty(in))
		return;
	if (ndr_flow_op_s_full(out)) {
		s->stalled++;
		return;
	}
	struct ndr_parsed p;
	ndr_parsed_s_read(in, &p);
	s->busy++;
	struct ndr_flow_op op;
	op.flags = p.flags;
	op.dns = p.dns;
	op.ts = p.ts;
	op.m = p.m;
	op.src_lower = false;
	op.hash = 0;
	op.sig = 0;
	op.kind = p.kind == NDR_PARSED_PKT ? NDR_FLOW_OP_PKT
		: p.kind == NDR_PARSED_FLUSH ? NDR_FLOW_OP_FLUSH : NDR_FLOW_OP_TIME;
	if (op.kind == NDR_FLOW_OP_PKT)
		ndr_flow_hash_op(&s->cfg, &op);
	else
		ndr_hw_zero(op.key, NDR_FLOW_KEY_LEN);
	ndr_flow_op_s_write(out, &op);
}

void ndr_flow_stage_init(struct ndr_flow_stage *s, const struct ndr_top_cfg *cfg, uint32_t lat)
{
	ndr_flow_cfg_init(&s->cfg, cfg);
	ndr_flow_ctr_init(&s->ctr);
	ndr_flow_clock_init(&s->clk);
	s->lat = lat < 1u ? 1u : lat > NDR_FLOW_LAT_MAX ? NDR_FLOW_LAT_MAX : lat;
	s->fwd_depth = NDR_FLOW_FWD;
	s->in_flight = 0;
	s->held_valid = false;
	s->flushing = false;
	s->flush_ptr = 0;
	s->flush_t = 0;
	s->flush_flags = 0;
	for (uint32_t i = 0; i < NDR_FLOW_RING; i++)
		s->slot[i].valid = false;
	s->pclk = 0;
	s->wseq = 0;
	for (uint32_t i = 0; i < NDR_FLOW_FWD; i++) {
		s->fl[i].bucket = FWD_NONE;
		s->fe[i].index = FWD_NONE;
	}
	s->fwd_next = 0;
	s->busy = 0;
	s->stalled = 0;
	s->fwd_hits = 0;
	s->in_flight_max = 0;
}

static bool ndr_flow_stage_idle_but_held(const struct ndr_flow_stage *s)
{
	return !s->flushing && s->in_flight == 0u;
}

bool ndr_flow_stage_idle(const struct ndr_flow_stage *s)
{
	return !s->held_valid && ndr_flow_stage_idle_but_held(s);
}

/* ---- forwarding ---- */

/* The window is searched oldest to newest; a write counts when it came
 * after the read (seq - issued, modulo 2^32, below 2^31) and is among the
 * last fwd_depth writes. A write that left the window is in memory, but an
 * op whose read is older than it never sees it: the hazard a window too
 * shallow for the latency leaves (the lead's test makes it happen). */
static void fs_forward(struct ndr_flow_stage *s, struct ndr_flow_slot *sl)
{
	/* the live window: the last fwd_depth writes, oldest first */
	NDR_FOR_N(k, s->fwd_depth, NDR_FLOW_FWD) {
		uint32_t i = (s->fwd_next + NDR_FLOW_FWD - s->fwd_depth + k) % NDR_FLOW_FWD;
		const struct ndr_flow_fwd_line *fl = &s->fl[i];
		if (fl->bucket == sl->bucket && fl->seq - sl->issued < 0x80000000u) {
			sl->line = fl->line;
			s->fwd_hits++;
		}
		const struct ndr_flow_fwd_entry *fe = &s->fe[i];
		uint32_t base = sl->bucket * NDR_FLOW_WAYS;
		if (fe->index != FWD_NONE && fe->index - base < NDR_FLOW_WAYS &&
		    fe->seq - sl->issued < 0x80000000u) {
			sl->ways[fe->index - base] = fe->e;
			s->fwd_hits++;
		}
	}
}

/* Write back the line (and one entry, way < 4) of a completed op: to the
 * memory and into the window, as one write. */
static void fs_write_back(struct ndr_flow_stage *s, struct ndr_flow_mem mem,
		       const struct ndr_flow_slot *sl, uint32_t way)
{
	uint32_t i = s->fwd_next;
	s->fwd_next = (s->fwd_next + 1u) % NDR_FLOW_FWD;
	mem.buckets[sl->bucket] = sl->line;
	s->fl[i].bucket = sl->bucket;
	s->fl[i].seq = s->wseq;
	s->fl[i].line = sl->line;
	s->fe[i].index = FWD_NONE;
	if (way < NDR_FLOW_WAYS) {
		uint32_t idx = sl->bucket * NDR_FLOW_WAYS + way;
		mem.entries[idx] = sl->ways[way];
		s->fe[i].index = idx;
		s->fe[i].seq = s->wseq;
		s->fe[i].e = sl->ways[way];
	}
	s->wseq++;
}

static void fs_emit(struct ndr_flow_stage *s, struct ndr_rec3_s *out, const struct ndr_rec3 *r,
		 uint32_t slots)
{
	if (slots == 0u)
		return;
	if (!ndr_rec3_s_write_nb(out, r))
		s->ctr.link_dropped++;
}

/* Lowest set bit of a 4-bit mask, as a way number (mask != 0). */
static uint32_t fs_first_way(uint32_t mask)
{
	return (mask & 1u) ? 0u : (mask & 2u) ? 1u : (mask & 4u) ? 2u : 3u;
}

/* One clock of the op at the pipeline's end; true when it is done. */
static bool fs_complete(struct ndr_flow_stage *s, struct ndr_flow_mem mem, struct ndr_flow_slot *sl,
		     struct ndr_rec3_s *out, struct ndr_stats_flow_s *stats)
{
	struct ndr_rec3 r;
	if (!sl->forwarded) {
		fs_forward(s, sl);
		sl->forwarded = true;
		if (sl->kind == NDR_FLOW_SLOT_VISIT)
			sl->pending = ndr_flow_expired_ways(&s->cfg, &sl->line, sl->t);
		else if (sl->kind == NDR_FLOW_SLOT_FLUSH)
			sl->pending = ndr_flow_valid_ways(&sl->line);
	}
	switch (sl->kind) {
	case NDR_FLOW_SLOT_PKT: {
		uint32_t way = NDR_FLOW_WAYS;
		uint32_t slots = ndr_flow_packet_core(&s->cfg, &s->ctr, &sl->line, sl->ways,
						      &sl->op, r.b, &way);
		fs_emit(s, out, &r, slots);
		fs_write_back(s, mem, sl, way);
		return true;
	}
	case NDR_FLOW_SLOT_VISIT:
	case NDR_FLOW_SLOT_FLUSH:
		/* an expiry or a flush waits for room rather than lose its
		 * record: no packet needs it to hurry (a packet's record is
		 * dropped instead, above, so the packets never wait) */
		if (sl->pending != 0u && ndr_rec3_s_full(out))
			return false;
		if (sl->pending != 0u) {
			uint32_t way = fs_first_way(sl->pending);
			uint8_t reason = sl->kind == NDR_FLOW_SLOT_FLUSH ? (uint8_t)NDR_FLOW_END_FLUSH : 0u;
			uint32_t slots = ndr_flow_retire(&s->cfg, &s->ctr, &sl->line, &sl->ways[way],
							 way, reason, sl->t, r.b);
			if (sl->kind == NDR_FLOW_SLOT_VISIT)
				s->ctr.scan_expired++;
			fs_emit(s, out, &r, slots);
			sl->pending &= ~(1u << way);
		}
		if (sl->pending != 0u)
			return false;
		fs_write_back(s, mem, sl, NDR_FLOW_WAYS);
		return true;
	default: {
		if (!(sl->flags & NDR_CAP_HB))
			return true;
		if (ndr_stats_flow_s_full(stats))
			return false;
		struct ndr_stats_flow st;
		st.final = sl->final;
		st.active = s->ctr.active;
		st.created = s->ctr.created;
		st.evicted = s->ctr.evicted;
		st.dns_only = s->ctr.dns_only;
		st.link_dropped = s->ctr.link_dropped;
		ndr_stats_flow_s_write(stats, &st);
		return true;
	}
	}
}

static void fs_issue(struct ndr_flow_stage *s, struct ndr_flow_mem mem, uint8_t kind, uint32_t bucket,
		  uint64_t t, uint8_t flags, bool final)
{
	struct ndr_flow_slot *sl = &s->slot[s->pclk % NDR_FLOW_RING];
	sl->valid = true;
	sl->kind = kind;
	sl->flags = flags;
	sl->final = final;
	sl->forwarded = false;
	sl->bucket = bucket & s->cfg.mask;
	sl->issued = s->wseq;
	sl->pending = 0;
	sl->t = t;
	s->in_flight++;
	if (kind == NDR_FLOW_SLOT_MARK)
		return;
	/* the read: the memory as it is at this clock */
	sl->line = mem.buckets[sl->bucket];
	for (uint32_t w = 0; w < NDR_FLOW_WAYS; w++)
		sl->ways[w] = mem.entries[sl->bucket * NDR_FLOW_WAYS + w];
	if (kind == NDR_FLOW_SLOT_VISIT)
		s->ctr.scan_visits++;
}

/* What to issue this clock, if anything. A heartbeat mark goes before
 * the visits and the packet of the frame that carries it, as in the
 * whole-frame emulation (sim/src/fast_card.c). */
static void fs_issue_next(struct ndr_flow_stage *s, struct ndr_flow_mem mem)
{
	if (s->flushing) {
		if (s->flush_ptr <= s->cfg.mask) {
			fs_issue(s, mem, NDR_FLOW_SLOT_FLUSH, s->flush_ptr, s->flush_t, 0, false);
			s->flush_ptr++;
		} else {
			fs_issue(s, mem, NDR_FLOW_SLOT_MARK, 0, s->flush_t, s->flush_flags, true);
			s->flushing = false;
		}
		return;
	}
	if (!s->held_valid)
		return;
	if ((s->held.flags & NDR_CAP_HB) && s->held.kind != NDR_FLOW_OP_FLUSH) {
		fs_issue(s, mem, NDR_FLOW_SLOT_MARK, 0, s->held.ts, NDR_CAP_HB, false);
		s->held.flags &= (uint8_t)~NDR_CAP_HB;
		return;
	}
	uint64_t t = s->clk.started ? ndr_hw_max64(s->clk.now, s->held.ts) : s->held.ts;
	if (ndr_flow_visit_due(&s->clk, t)) {
		uint32_t bucket;
		uint64_t vt;
		ndr_flow_visit_take(&s->cfg, &s->clk, &bucket, &vt);
		fs_issue(s, mem, NDR_FLOW_SLOT_VISIT, bucket, vt, 0, false);
		return;
	}
	s->held_valid = false;
	ndr_flow_clock_advance(&s->cfg, &s->clk, s->held.ts);
	if (s->held.kind == NDR_FLOW_OP_PKT) {
		struct ndr_flow_slot *sl = &s->slot[s->pclk % NDR_FLOW_RING];
		fs_issue(s, mem, NDR_FLOW_SLOT_PKT, s->held.hash, s->held.ts, 0, false);
		sl->op = s->held;
	} else if (s->held.kind == NDR_FLOW_OP_FLUSH) {
		s->flushing = true;
		s->flush_ptr = 0;
		s->flush_t = s->clk.now;
		s->flush_flags = NDR_CAP_HB;
	}
}

void ndr_stage_flow(struct ndr_flow_stage *s, struct ndr_flow_mem mem, struct ndr_flow_op_s *in,
		    struct ndr_rec3_s *out, struct ndr_stats_flow_s *stats)
{
	NDR_STAGE
	/* the op whose read was issued lat clocks ago completes */
	struct ndr_flow_slot *tail = &s->slot[(s->pclk - s->lat) % NDR_FLOW_RING];
	if (tail->valid) {
		s->busy++;
		if (!fs_complete(s, mem, tail, out, stats)) {
			s->stalled++;
			return;     /* the pipeline holds: nothing moves */
		}
		tail->valid = false;
		s->in_flight--;
	}
	fs_issue_next(s, mem);
	s->pclk++;
	uint32_t in_flight = 0;
	for (uint32_t i = 0; i < NDR_FLOW_RING; i++)
		in_flight += s->slot[i].valid ? 1u : 0u;
	if (in_flight > s->in_flight_max)
		s->in_flight_max = in_flight;
	if (!s->held_valid && ndr_flow_op_s_read_nb(in, &s->held))
		s->held_valid = true;
}

#ifndef __SYNTHESIS__
static bool fs_bucket_in_flight(const struct ndr_flow_stage *s, uint32_t bucket)
{
	for (uint32_t i = 0; i < NDR_FLOW_RING; i++) {
		if (s->slot[i].valid && s->slot[i].kind != NDR_FLOW_SLOT_MARK &&
		    s->slot[i].bucket == bucket)
			return true;
	}
	return false;
}

uint64_t ndr_flow_stage_quiet_visits(struct ndr_flow_stage *s, struct ndr_flow_mem mem,
				     struct ndr_flow_op_s *in)
{
	if (!s->held_valid || s->held.kind != NDR_FLOW_OP_TIME || (s->held.flags & NDR_CAP_HB) ||
	    s->flushing || !ndr_flow_op_s_empty(in))
		return 0;
	uint64_t t = ndr_hw_max64(s->clk.now, s->held.ts), n = 0;
	bool quiet = ndr_flow_stage_idle_but_held(s);
	while (ndr_flow_visit_due(&s->clk, t)) {
		if (s->ctr.active == 0u && quiet) {
			uint64_t k = (t - s->clk.scan_next) / s->cfg.scan_ns + 1u;
			s->clk.scan_ptr = (uint32_t)((s->clk.scan_ptr + k) & s->cfg.mask);
			s->clk.scan_next += k * s->cfg.scan_ns;
			s->ctr.scan_visits += k;
			return n + k;
		}
		/* memory is current for a bucket no op in flight will write */
		uint32_t b = s->clk.scan_ptr;
		if (ndr_flow_valid_ways(&mem.buckets[b]) || (!quiet && fs_bucket_in_flight(s, b)))
			break;
		uint64_t vt;
		ndr_flow_visit_take(&s->cfg, &s->clk, &b, &vt);
		s->ctr.scan_visits++;
		n++;
	}
	return n;
}

bool ndr_flow_stage_quiet_until(struct ndr_flow_stage *s, struct ndr_flow_mem mem, uint64_t t,
				uint64_t *stop)
{
	while (ndr_flow_visit_due(&s->clk, t)) {
		if (s->ctr.active == 0u) {
			uint64_t k = (t - s->clk.scan_next) / s->cfg.scan_ns + 1u;
			s->clk.scan_ptr = (uint32_t)((s->clk.scan_ptr + k) & s->cfg.mask);
			s->clk.scan_next += k * s->cfg.scan_ns;
			s->ctr.scan_visits += k;
			break;
		}
		if (ndr_flow_expired_ways(&s->cfg, &mem.buckets[s->clk.scan_ptr], s->clk.scan_next)) {
			*stop = s->clk.scan_next;
			return false;
		}
		uint32_t b;
		uint64_t vt;
		ndr_flow_visit_take(&s->cfg, &s->clk, &b, &vt);
		s->ctr.scan_visits++;
	}
	return true;
}
#endif
