/*
 * clocked.c - the clocked simulation of the card (ndr_clocked.h).
 *
 * Units: the card clock is 322265625 Hz, so a clock is 1024/330 ns and the
 * 100 Gbit/s wire moves 10240/33 bits a clock; wire positions are kept in
 * u, 10240 u a clock and 33 u a bit, so no rounding accumulates.
 */
#include <string.h>

#include "ndr_card.h"
#include "ndr_clocked.h"

#define U_PER_CLOCK   10240u
#define U_PER_BIT     33u
/* Preamble and start delimiter, FCS (not in a capture), inter-frame gap. */
#define WIRE_OVERHEAD 24u
/* A lossless card runs no clock with less room than a record and a pad. */
#define LOSSLESS_ROOM (2u * NDR_REC_MAX_SLOTS)

void ndr_clocked_init(struct ndr_clocked *c, const struct ndr_top_cfg *cfg,
		      const struct ndr_clocked_cfg *ccfg, const struct ndr_ring_ctrl *ctrl,
		      uint32_t log2_slots)
{
	memset(c, 0, sizeof(*c));
	c->cfg = *ccfg;
	c->log2_slots = log2_slots;
	ndr_dataflow_init(&c->df, cfg, ctrl, log2_slots, ccfg->flow_lat);
	if (ccfg->flow_fwd && ccfg->flow_fwd < NDR_FLOW_FWD)
		c->df.flow.fwd_depth = ccfg->flow_fwd;
	/* MB/s as bytes a clock, << 16 */
	c->rate = ((uint64_t)ccfg->link_mbps * 1000000u << 16) / NDR_CLOCK_HZ;
	c->cap = (uint64_t)64 * NDR_SLOT_BYTES << 16;     /* 64 slots of credit */
	c->credit = c->cap;
}

static uint64_t clocked_time_of(const struct ndr_clocked *c, uint64_t clock)
{
	return c->t0 + clock * 1024u / 330u;
}

static uint64_t clocked_clock_of(const struct ndr_clocked *c, uint64_t t)
{
	return t > c->t0 ? (t - c->t0) * 330u / 1024u : 0u;
}

static bool clocked_room(const struct ndr_clocked *c, const struct ndr_dataflow_io *io)
{
	if (!c->cfg.lossless)
		return true;
	uint32_t size = 1u << c->log2_slots;
	uint32_t used = c->df.writer.w.prod - __atomic_load_n(&io->ctrl->cons, __ATOMIC_ACQUIRE);
	return used <= size && size - used >= LOSSLESS_ROOM;
}

static uint32_t clocked_in_count(const struct ndr_dataflow *d, uint32_t k)
{
	switch (k) {
	case NDR_OBS_RX:       return 0;
	case NDR_OBS_PARSER:   return ndr_beat_s_count(&d->s_rx);
	case NDR_OBS_DNS_CAP:  return ndr_cap_beat_s_count(&d->s_dns_beats);
	case NDR_OBS_TLS_CAP:  return ndr_cap_beat_s_count(&d->s_tls_beats);
	case NDR_OBS_HASH:     return ndr_parsed_s_count(&d->s_parsed);
	case NDR_OBS_FLOW:     return ndr_flow_op_s_count(&d->s_ops);
	case NDR_OBS_DNS_WALK: return ndr_dns_chunk_s_count(&d->s_dns_chunks);
	case NDR_OBS_TLS_WALK: return ndr_tls_chunk_s_count(&d->s_tls_chunks);
	case NDR_OBS_RECORDS:  return ndr_rec3_s_count(&d->s_flow_recs) +
				      ndr_rec6_s_count(&d->s_dns_recs) +
				      ndr_rec3_s_count(&d->s_tls_recs);
	default:               return ndr_slot_s_count(&d->s_slots);
	}
}

/* The stage's input stream is full this clock (the stage is behind). */
static bool clocked_in_full(struct ndr_dataflow *d, uint32_t k)
{
	switch (k) {
	case NDR_OBS_RX:       return false;
	case NDR_OBS_PARSER:   return ndr_beat_s_full(&d->s_rx);
	case NDR_OBS_DNS_CAP:  return ndr_cap_beat_s_full(&d->s_dns_beats);
	case NDR_OBS_TLS_CAP:  return ndr_cap_beat_s_full(&d->s_tls_beats);
	case NDR_OBS_HASH:     return ndr_parsed_s_full(&d->s_parsed);
	case NDR_OBS_FLOW:     return ndr_flow_op_s_full(&d->s_ops);
	case NDR_OBS_DNS_WALK: return ndr_dns_chunk_s_full(&d->s_dns_chunks);
	case NDR_OBS_TLS_WALK: return ndr_tls_chunk_s_full(&d->s_tls_chunks);
	case NDR_OBS_RECORDS:  return ndr_rec3_s_full(&d->s_flow_recs) ||
				      ndr_rec6_s_full(&d->s_dns_recs) ||
				      ndr_rec3_s_full(&d->s_tls_recs);
	default:               return ndr_slot_s_full(&d->s_slots);
	}
}

/* Each stage's work counter (what ndr_clocked_observe reports as busy). */
static uint64_t clocked_busy(const struct ndr_dataflow *d, uint32_t k)
{
	switch (k) {
	case NDR_OBS_RX:       return d->rx.busy;
	case NDR_OBS_PARSER:   return d->parser.busy;
	case NDR_OBS_DNS_CAP:  return d->dns_cap.busy;
	case NDR_OBS_TLS_CAP:  return d->tls_cap.busy;
	case NDR_OBS_HASH:     return d->hash.busy;
	case NDR_OBS_FLOW:     return d->flow.busy;
	case NDR_OBS_DNS_WALK: return d->dns.pool.busy_clocks;
	case NDR_OBS_TLS_WALK: return d->tls.pool.busy_clocks;
	case NDR_OBS_RECORDS:  return d->rec.busy;
	default:               return d->writer.busy;
	}
}

static void clocked_one_clock(struct ndr_clocked *c, const struct ndr_dataflow_io *io0,
		      const struct ndr_rx_port *port, uint64_t now, bool flush)
{
	struct ndr_dataflow_io io = *io0;
	c->quiet_visits += ndr_flow_stage_quiet_visits(&c->df.flow, io.table, &c->df.s_ops);
	c->credit += c->rate;
	if (c->credit > c->cap)
		c->credit = c->cap;
	io.link_ready = c->credit >= ((uint64_t)NDR_SLOT_BYTES << 16);
	ndr_dataflow_clock(&c->df, &io, port, now, flush, c->cfg.producers_first);
	uint64_t slots = c->df.writer.w.slots_written;
	uint64_t spent = (slots - c->slots_seen) * ((uint64_t)NDR_SLOT_BYTES << 16);
	c->credit = c->credit > spent ? c->credit - spent : 0u;
	c->slots_seen = slots;
	for (uint32_t k = 0; k < NDR_OBS_STAGES; k++) {
		uint32_t n = clocked_in_count(&c->df, k);
		if (n > c->peak[k])
			c->peak[k] = n;
		c->full_clocks[k] += clocked_in_full(&c->df, k) ? 1u : 0u;
	}
	c->clock++;
	c->clocks_run++;
}

/* Idle until clock `until` (exclusive), card time below `limit`: runs the
 * clocks in which something happens, jumps over the rest. */
static int clocked_idle_until(struct ndr_clocked *c, const struct ndr_dataflow_io *io, uint64_t until,
		      uint64_t limit)
{
	struct ndr_rx_port none = { .valid = false };
	while (c->clock < until) {
		if (!clocked_room(c, io))
			return NDR_CARD_BUSY;
		uint64_t now = c->cfg.pace_line ? limit : clocked_time_of(c, c->clock);
		if (now > limit)
			now = limit;
		if (ndr_dataflow_idle(&c->df)) {
			/* the quiet time's ticks that change nothing but time
			 * (before the clock the frame comes at) */
			uint64_t upto = limit;
			if (!c->cfg.pace_line) {
				uint64_t tu = clocked_time_of(c, until - 1u);
				upto = tu < upto ? tu : upto;
			}
			c->quiet_ticks += ndr_dataflow_quiet_ticks(&c->df, io, upto);
			/* nothing moves until the next tick is due */
			uint64_t g = ndr_rx_next_tick(c->df.rx.last);
			uint64_t target = until;
			if (c->df.rx.seen && g <= limit) {
				uint64_t gc = c->cfg.pace_line ? c->clock : clocked_clock_of(c, g);
				if (gc < target)
					target = gc > c->clock ? gc : c->clock;
			}
			if (target > c->clock) {
				c->clock = target;
				c->credit = c->cap;
				continue;
			}
		}
		clocked_one_clock(c, io, &none, now, false);
	}
	return 0;
}

int ndr_clocked_frame(struct ndr_clocked *c, const struct ndr_dataflow_io *io, uint64_t ts,
		      const uint8_t *frame, uint32_t caplen, uint32_t wirelen)
{
	if (!c->in_frame) {
		if (!c->have_t0) {
			c->have_t0 = true;
			c->t0 = ts;
		}
		memcpy(c->frame, frame, caplen);
		c->caplen = caplen;
		c->wirelen = wirelen;
		c->ts = ts;
		c->off = 0;
		c->arrived = false;
		/* on the wire from the later of its time and the end of the
		 * frame before it; its first beat comes at the next clock */
		uint64_t start = c->wire_free_u;
		if (!c->cfg.pace_line && clocked_clock_of(c, ts) * U_PER_CLOCK > start)
			start = clocked_clock_of(c, ts) * U_PER_CLOCK;
		c->wire_start_u = start;
		c->arrival = (start + U_PER_CLOCK - 1u) / U_PER_CLOCK;
		c->in_frame = true;
	}
	uint64_t limit = c->ts ? c->ts - 1u : 0u;
	if (!c->arrived) {
		int rc = clocked_idle_until(c, io, c->arrival, limit);
		if (rc)
			return rc;
		/* ticks still owed before this frame (a saturated wire, or
		 * line pace squeezing a quiet gap): rx sends one a clock; while
		 * the card is idle, those that change nothing but time at once */
		while (c->df.rx.seen && ndr_rx_next_tick(c->df.rx.last) <= limit) {
			if (!clocked_room(c, io))
				return NDR_CARD_BUSY;
			uint64_t n = ndr_dataflow_quiet_ticks(&c->df, io, limit);
			if (n) {
				c->quiet_ticks += n;
				continue;
			}
			/* Line pace squeezes the gap's time out, so the ticks it
			 * owes are no wire's: the card finishes what is in flight
			 * first (a clock with no tick due), then takes the quiet
			 * ones at once, as it would have between them in time. */
			uint64_t now = limit;
			if (c->cfg.pace_line && !ndr_dataflow_idle(&c->df))
				now = c->df.rx.last;
			struct ndr_rx_port none = { .valid = false };
			clocked_one_clock(c, io, &none, now, false);
		}
	}
	do {
		if (!clocked_room(c, io))
			return NDR_CARD_BUSY;
		struct ndr_rx_port p;
		uint32_t n = c->caplen - c->off < NDR_BEAT_BYTES ? c->caplen - c->off : NDR_BEAT_BYTES;
		memset(&p, 0, sizeof(p));
		p.valid = true;
		memcpy(p.beat.data, c->frame + c->off, n);
		p.beat.len = n;
		p.beat.last = c->off + n >= c->caplen;
		p.beat.ts_ns = c->ts;
		p.beat.wire_len = c->wirelen;
		if (!c->arrived) {
			c->arrived = true;
			c->first_clock = c->clock;
			if (!c->any_beat) {
				c->any_beat = true;
				c->first_beat_clock = c->clock;
			}
		}
		clocked_one_clock(c, io, &p, c->ts, false);
		c->beats++;
		c->off += n;
	} while (c->off < c->caplen);
	c->last_beat_clock = c->clock;
	for (uint32_t k = 0; k < NDR_OBS_STAGES; k++) {
		c->busy_in_input[k] = clocked_busy(&c->df, k);
		c->full_in_input[k] = c->full_clocks[k];
	}
	c->frames++;
	c->frame_bytes += c->wirelen;
	uint64_t bits = (uint64_t)(c->wirelen + WIRE_OVERHEAD) * 8u;
	uint64_t start = c->wire_start_u;
	if (c->first_clock > c->arrival)     /* held back by ticks owed first */
		start = c->first_clock * U_PER_CLOCK;
	c->wire_free_u = start + bits * U_PER_BIT;
	c->in_frame = false;
	return 0;
}

int ndr_clocked_tick(struct ndr_clocked *c, const struct ndr_dataflow_io *io, uint64_t now)
{
	struct ndr_rx_port none = { .valid = false };
	while (c->df.rx.seen && ndr_rx_next_tick(c->df.rx.last) <= now) {
		if (!clocked_room(c, io))
			return NDR_CARD_BUSY;
		clocked_one_clock(c, io, &none, now, false);
	}
	while (!ndr_dataflow_idle(&c->df)) {
		if (!clocked_room(c, io))
			return NDR_CARD_BUSY;
		clocked_one_clock(c, io, &none, now, false);
	}
	return 0;
}

int ndr_clocked_flush(struct ndr_clocked *c, const struct ndr_dataflow_io *io)
{
	struct ndr_rx_port none = { .valid = false };
	uint64_t now = c->df.rx.last;
	if (c->flush_phase == 0) {
		c->flush_phase = 1;
		c->flushes_seen = c->df.rx.flushes;
	}
	while (c->flush_phase == 1) {
		if (!clocked_room(c, io))
			return NDR_CARD_BUSY;
		clocked_one_clock(c, io, &none, now, true);
		if (c->df.rx.flushes != c->flushes_seen)
			c->flush_phase = 2;
	}
	while (!ndr_dataflow_idle(&c->df)) {
		if (!clocked_room(c, io))
			return NDR_CARD_BUSY;
		clocked_one_clock(c, io, &none, now, false);
	}
	c->drained_clock = c->clock;
	c->flush_phase = 0;
	return 0;
}

static void clocked_obs(struct ndr_cycles *o, uint32_t k, const char *name, const char *unit,
		uint64_t items, uint64_t busy, uint64_t held, const char *in)
{
	o->st[k].name = name;
	o->st[k].unit = unit;
	o->st[k].items = items;
	o->st[k].busy = busy;
	o->st[k].held = held;
	o->st[k].in_stream = in;
}

void ndr_clocked_observe(const struct ndr_clocked *c, struct ndr_cycles *o)
{
	const struct ndr_dataflow *d = &c->df;
	memset(o, 0, sizeof(*o));
	o->clocked = true;
	o->pace_line = c->cfg.pace_line;
	o->clocks = c->clock;
	o->clocks_run = c->clocks_run;
	o->input_clocks = c->any_beat ? c->last_beat_clock - c->first_beat_clock : 0u;
	o->drain_clocks = c->drained_clock > c->last_beat_clock ?
			  c->drained_clock - c->last_beat_clock : 0u;
	o->beats = c->beats;
	o->frames = c->frames;
	o->frame_bytes = c->frame_bytes;
	o->ticks = d->rx.ticks;
	o->quiet_ticks = c->quiet_ticks;
	clocked_obs(o, NDR_OBS_RX, "rx", "beats", d->rx.busy, d->rx.busy, d->rx.stalled, "wire");
	clocked_obs(o, NDR_OBS_PARSER, "parser", "beats", d->parser.busy, d->parser.busy,
	    d->parser.stalled, "rx");
	clocked_obs(o, NDR_OBS_DNS_CAP, "dns-capture", "beats", d->dns_cap.busy, d->dns_cap.busy,
	    d->dns_cap.stalled, "delay line");
	clocked_obs(o, NDR_OBS_TLS_CAP, "tls-capture", "beats", d->tls_cap.busy, d->tls_cap.busy,
	    d->tls_cap.stalled, "delay line");
	clocked_obs(o, NDR_OBS_HASH, "hash", "items", d->hash.busy, d->hash.busy, d->hash.stalled,
	    "parsed");
	clocked_obs(o, NDR_OBS_FLOW, "flow", "ops", d->flow.busy, d->flow.busy, d->flow.stalled, "ops");
	clocked_obs(o, NDR_OBS_DNS_WALK, "dns-walk", "chunks", d->dns.busy, d->dns.pool.busy_clocks,
	    d->dns.stalled, "chunks");
	clocked_obs(o, NDR_OBS_TLS_WALK, "tls-walk", "chunks", d->tls.busy, d->tls.pool.busy_clocks,
	    d->tls.stalled, "chunks");
	clocked_obs(o, NDR_OBS_RECORDS, "records", "slots", d->rec.busy, d->rec.busy, d->rec.stalled,
	    "records");
	clocked_obs(o, NDR_OBS_WRITER, "writer", "slots", d->writer.busy, d->writer.busy,
	    d->writer.link_waits, "slots");
	o->st[NDR_OBS_PARSER].in_depth = ndr_beat_s_DEPTH;
	o->st[NDR_OBS_DNS_CAP].in_depth = ndr_cap_beat_s_DEPTH;
	o->st[NDR_OBS_TLS_CAP].in_depth = ndr_cap_beat_s_DEPTH;
	o->st[NDR_OBS_HASH].in_depth = ndr_parsed_s_DEPTH;
	o->st[NDR_OBS_FLOW].in_depth = ndr_flow_op_s_DEPTH;
	o->st[NDR_OBS_DNS_WALK].in_depth = ndr_dns_chunk_s_DEPTH;
	o->st[NDR_OBS_TLS_WALK].in_depth = ndr_tls_chunk_s_DEPTH;
	o->st[NDR_OBS_RECORDS].in_depth = ndr_rec3_s_DEPTH + ndr_rec6_s_DEPTH + ndr_rec3_s_DEPTH;
	o->st[NDR_OBS_WRITER].in_depth = ndr_slot_s_DEPTH;
	for (uint32_t k = 0; k < NDR_OBS_STAGES; k++) {
		o->st[k].in_peak = c->peak[k];
		o->st[k].in_full = c->full_clocks[k];
		o->st[k].busy_input = c->busy_in_input[k];
		o->st[k].full_input = c->full_in_input[k];
	}
	o->rx_overrun = d->rx.overrun;
	o->dns_dropped = d->dns.dropped;
	o->tls_dropped = d->tls.dropped;
	o->link_dropped = d->flow.ctr.link_dropped + d->dns.link_dropped + d->tls.link_dropped;
	o->ring_dropped = d->writer.w.records_dropped;
	o->flow_lat = d->flow.lat;
	o->flow_fwd = d->flow.fwd_depth;
	o->flow_in_flight_max = d->flow.in_flight_max;
	o->flow_fwd_hits = d->flow.fwd_hits;
	o->flow_visits = d->flow.ctr.scan_visits;
	o->flow_expired = d->flow.ctr.scan_expired;
	o->flow_created = d->flow.ctr.created;
	o->flow_evicted = d->flow.ctr.evicted;
	o->flow_collisions = d->flow.ctr.collisions;
	o->flow_sig_false = d->flow.ctr.sig_false;
	o->flow_dns_only = d->flow.ctr.dns_only;
	o->dns_engines = NDR_DNS_ENGINES;
	o->dns_engines_max = d->dns.pool.busy_max;
	o->dns_messages = d->dns.messages;
	o->dns_walked = d->dns.walked;
	o->dns_walk_clocks = d->dns.walk_clocks;
	o->dns_engine_clocks = d->dns.pool.busy_clocks;
	o->tls_engines = NDR_TLS_ENGINES;
	o->tls_engines_max = d->tls.pool.busy_max;
	o->tls_hellos = d->tls.hellos;
	o->tls_walked = d->tls.walked;
	o->tls_walk_clocks = d->tls.walk_clocks;
	o->tls_engine_clocks = d->tls.pool.busy_clocks;
	o->records = d->writer.w.records_written + d->writer.w.records_dropped;
	o->slots = d->writer.w.slots_written;
	o->link_waits = d->writer.link_waits;
	o->link_mbps = c->cfg.link_mbps;
}
