/*
 * fast_card.c - the whole-frame emulation (ndr_fast_card.h): the stages'
 * cores run one frame at a time, in the order the dataflow keeps, without
 * clocks: before a frame the ticks of the quiet time before it, then its
 * heartbeat if one is due (counters before the frame), the scanner visits
 * its time makes due, its flow update, its DNS and TLS walks. Emulation
 * code, not a kernel: compiled into card.c with the hw/ sources.
 */
#include "ndr_fast_card.h"

void ndr_top_init(struct ndr_top *top, const struct ndr_top_cfg *cfg,
		  const struct ndr_ring_ctrl *ctrl, uint32_t log2_slots)
{
	top->cfg = *cfg;
	ndr_flow_cfg_init(&top->fcfg, cfg);
	ndr_flow_ctr_init(&top->fctr);
	ndr_flow_clock_init(&top->fclk);
	ndr_entropy_clear(&top->dns.acc);
	top->dns.st = NDR_DNS_W_IDLE;
	top->tls.st = NDR_TLS_W_IDLE;
	ndr_rw_init(&top->rw, ctrl, log2_slots);
	top->seen = false;
	top->now = 0;
	top->hb_ns = (uint64_t)cfg->heartbeat_ms * 1000000u;
	top->hb_next = 0;
	top->hb_seen = false;
	top->frames = 0;
	top->beats = 0;
	top->bytes = 0;
	top->parse_errors = 0;
	top->non_ip = 0;
	top->dns_messages = 0;
	top->dns_errors = 0;
	top->dns_walk_clocks = 0;
	top->tls_hellos = 0;
	top->tls_errors = 0;
	top->tls_walk_clocks = 0;
	top->ticks = 0;
	top->flush_ptr = 0;
	top->lossless = false;
}

/* Room for need slots (and the pad and drop notice that may come first),
 * or a lossless card is busy. */
static bool fast_room(struct ndr_top *top, const struct ndr_top_io *io, uint32_t need)
{
	if (!top->lossless)
		return true;
	uint32_t size = top->rw.mask + 1u;
	uint32_t cons = NDR_HW_LOAD_ACQUIRE(&io->ctrl->cons);
	uint32_t used = top->rw.prod - cons;
	return used <= size && size - used >= need + NDR_REC_MAX_SLOTS;
}

static void fast_write(struct ndr_top *top, const struct ndr_top_io *io, const uint8_t *rec,
		  uint32_t slots)
{
	if (slots)
		ndr_rw_write(&top->rw, io->ring, io->ctrl, rec, slots);
}

static void fast_heartbeat(struct ndr_top *top, const struct ndr_top_io *io, bool final)
{
	struct ndr_hb_parts p;
	p.parse.ts = top->now;
	p.parse.final = final;
	p.parse.packets = top->frames;
	p.parse.bytes = top->bytes;
	p.parse.rx_overrun = 0;
	p.parse.parse_errors = top->parse_errors;
	p.parse.non_ip = top->non_ip;
	p.flow.final = final;
	p.flow.active = top->fctr.active;
	p.flow.created = top->fctr.created;
	p.flow.evicted = top->fctr.evicted;
	p.flow.dns_only = top->fctr.dns_only;
	p.flow.link_dropped = 0;
	p.dns.final = final;
	p.dns.messages = top->dns_messages;
	p.dns.errors = top->dns_errors;
	p.dns.dropped = 0;
	p.dns.link_dropped = 0;
	p.tls.final = final;
	p.tls.hellos = top->tls_hellos;
	p.tls.errors = top->tls_errors;
	p.tls.dropped = 0;
	p.tls.link_dropped = 0;
	uint8_t rec[3 * NDR_SLOT_BYTES];
	ndr_hb_record(&p, rec);
	fast_write(top, io, rec, 3);
}

/* The scanner passes k visits that retire nothing. */
static void fast_skip_visits(struct ndr_top *top, uint64_t k)
{
	top->fclk.scan_ptr = (uint32_t)((top->fclk.scan_ptr + k) & top->fcfg.mask);
	top->fclk.scan_next += k * top->fcfg.scan_ns;
	top->fctr.scan_visits += k;
}

/* Of the visits due by now, how many in a row from the next one find
 * nothing expired (io->expiry). */
static uint64_t fast_idle_visits(const struct ndr_top *top, const struct ndr_top_io *io,
				 uint64_t now)
{
	uint64_t n = 0;
	uint32_t b = top->fclk.scan_ptr;
	for (uint64_t vt = top->fclk.scan_next; vt <= now && io->expiry[b] > vt;
	     vt += top->fcfg.scan_ns) {
		n++;
		b = (b + 1u) & top->fcfg.mask;
	}
	return n;
}

static void fast_note_expiry(const struct ndr_top *top, const struct ndr_top_io *io, uint32_t b)
{
	if (io->expiry)
		io->expiry[b] = ndr_flow_next_expiry(&top->fcfg, &io->table.buckets[b]);
}

/* The scanner's visits due by card time now; false when a lossless card
 * ran out of fast_room (the rest is done by the next call). */
static bool fast_visits(struct ndr_top *top, const struct ndr_top_io *io)
{
	uint64_t now = top->fclk.now;
	while (ndr_flow_visit_due(&top->fclk, now)) {
		/* an empty table: every visit is a no-op, so they pass at once */
		if (top->fctr.active == 0u) {
			fast_skip_visits(top, (now - top->fclk.scan_next) / top->fcfg.scan_ns + 1u);
			return true;
		}
		if (io->expiry) {
			uint64_t idle = fast_idle_visits(top, io, now);
			fast_skip_visits(top, idle);
			if (!ndr_flow_visit_due(&top->fclk, now))
				break;
		}
		if (!fast_room(top, io, NDR_FLOW_WAYS * 3u))
			return false;
		uint32_t b;
		uint64_t vt;
		ndr_flow_visit_take(&top->fcfg, &top->fclk, &b, &vt);
		top->fctr.scan_visits++;
		struct ndr_flow_bucket *line = &io->table.buckets[b];
		uint32_t m = ndr_flow_expired_ways(&top->fcfg, line, vt);
		for (uint32_t way = 0; way < NDR_FLOW_WAYS; way++) {
			if (!(m & (1u << way)))
				continue;
			uint8_t rec[3 * NDR_SLOT_BYTES];
			uint32_t slots = ndr_flow_retire(&top->fcfg, &top->fctr, line,
							 &io->table.entries[b * NDR_FLOW_WAYS + way],
							 way, 0, vt, rec);
			top->fctr.scan_expired++;
			fast_write(top, io, rec, slots);
		}
		fast_note_expiry(top, io, b);
	}
	return true;
}

/* Card time moves to t: the visits still owed from before, a heartbeat if
 * one is due (counters before what t brings), then the visits up to t.
 * False when a lossless card is busy; calling again with the same t goes
 * on where it stopped. */
static bool fast_card_time(struct ndr_top *top, const struct ndr_top_io *io, uint64_t t)
{
	if (top->seen && !fast_visits(top, io))
		return false;
	uint64_t now = top->seen ? ndr_hw_max64(top->now, t) : t;
	uint64_t hb_next = top->hb_next;
	bool hb_seen = top->hb_seen;
	if (ndr_hb_due(top->hb_ns, &hb_next, &hb_seen, now)) {
		if (!fast_room(top, io, 3u))
			return false;
		top->now = now;
		fast_heartbeat(top, io, false);
	}
	top->hb_next = hb_next;
	top->hb_seen = hb_seen;
	top->now = now;
	top->seen = true;
	ndr_flow_clock_advance(&top->fcfg, &top->fclk, t);
	return fast_visits(top, io);
}

/* The ticks of the quiet time before t (through t when inclusive), as rx
 * makes them: grid points of NDR_TICK_NS. Only the grid point that brings
 * a heartbeat needs a step of its own; the ticks between change nothing
 * but card time, so a run of them is one step to its last, with the
 * visits each would make in order. */
static bool fast_ticks_until(struct ndr_top *top, const struct ndr_top_io *io, uint64_t t,
			bool inclusive)
{
	if (!top->seen)
		return true;
	for (;;) {
		if (!fast_visits(top, io))
			return false;
		uint64_t g = ndr_rx_next_tick(top->now);
		if (inclusive ? g > t : g >= t)
			return true;
		/* the last grid point before (or at) t */
		uint64_t last = (inclusive ? t : t - 1u) / NDR_TICK_NS * NDR_TICK_NS;
		if (top->hb_ns && top->hb_seen && top->hb_next <= last) {
			/* the first tick at or past the heartbeat's boundary */
			uint64_t h = (top->hb_next + NDR_TICK_NS - 1u) / NDR_TICK_NS * NDR_TICK_NS;
			last = h > g ? h - NDR_TICK_NS : g;
		}
		top->ticks += (last - g) / NDR_TICK_NS + 1u;
		if (!fast_card_time(top, io, last))
			return false;
	}
}

static void fast_flow(struct ndr_top *top, const struct ndr_top_io *io, const struct ndr_pkt_meta *m,
		 uint64_t ts, uint32_t caplen)
{
	struct ndr_flow_op op;
	op.kind = NDR_FLOW_OP_PKT;
	op.flags = 0;
	op.ts = ts;
	op.m = *m;
	op.dns = ndr_udp_dns_record(m, caplen);
	ndr_flow_hash_op(&top->fcfg, &op);
	uint32_t b = op.hash & top->fcfg.mask;
	uint8_t rec[3 * NDR_SLOT_BYTES];
	uint32_t way;
	uint32_t slots = ndr_flow_packet_core(&top->fcfg, &top->fctr, &io->table.buckets[b],
					      &io->table.entries[b * NDR_FLOW_WAYS], &op, rec, &way);
	fast_note_expiry(top, io, b);
	fast_write(top, io, rec, slots);
}

static void fast_dns(struct ndr_top *top, const struct ndr_top_io *io, const struct ndr_pkt_meta *m,
		uint64_t ts, const uint8_t *frame, uint32_t caplen)
{
	struct ndr_dns_where w;
	ndr_dns_where(m, &w);
	if (!w.active)
		return;
	top->dns_messages++;
	int32_t pfx = -1;
	if (w.tcp && caplen >= w.pfx_off + 2u)
		pfx = (int32_t)ndr_hw_be16(frame + w.pfx_off);
	struct ndr_dns_desc d;
	if (!ndr_dns_desc(m, &w, ts, caplen, pfx, &d)) {
		top->dns_errors++;
		return;
	}
	ndr_dns_walk_start(&top->dns, &d);
	while (!ndr_dns_walk_step(&top->dns, frame))
		;
	top->dns_walk_clocks += top->dns.clocks;
	if (ndr_dns_walk_error(&top->dns))
		top->dns_errors++;
	uint8_t rec[NDR_DNS_REC_BYTES];
	fast_write(top, io, rec, ndr_dns_walk_record(&top->dns, rec));
	top->dns.st = NDR_DNS_W_IDLE;
}

static void fast_tls(struct ndr_top *top, const struct ndr_top_io *io, const struct ndr_pkt_meta *m,
		uint64_t ts, const uint8_t *frame, uint32_t caplen)
{
	uint32_t off, cap;
	if (!ndr_tls_where(m, &off, &cap) || caplen <= off || frame[off] != 22u)
		return;
	struct ndr_tls_desc d;
	ndr_tls_desc(m, ts, caplen, &d);
	ndr_tls_walk_start(&top->tls, &d);
	while (!ndr_tls_walk_step(&top->tls, frame))
		;
	if (top->tls.st == NDR_TLS_W_DONE) {
		top->tls_walk_clocks += top->tls.clocks;
		top->tls_hellos++;
		if (ndr_tls_walk_error(&top->tls))
			top->tls_errors++;
		uint8_t rec[NDR_TLS_REC_BYTES];
		fast_write(top, io, rec, ndr_tls_walk_record(&top->tls, rec));
	}
	top->tls.st = NDR_TLS_W_IDLE;
}

/* Records one frame can write: heartbeat, flow, DNS, TLS (their longest). */
#define FRAME_SLOTS (3u + 3u + NDR_REC_MAX_SLOTS + NDR_TLS_REC_BYTES / NDR_SLOT_BYTES)

int ndr_top_frame(struct ndr_top *top, const struct ndr_top_io *io, uint64_t ts_ns,
		  const uint8_t *frame, uint32_t caplen, uint32_t wire_len)
{
	if (caplen > NDR_MAX_FRAME)
		caplen = NDR_MAX_FRAME;
	if (!fast_ticks_until(top, io, ts_ns, false) || !fast_card_time(top, io, ts_ns) ||
	    !fast_room(top, io, FRAME_SLOTS)) {
		ndr_rw_publish(&top->rw, io->ctrl);
		return NDR_TOP_BUSY;
	}
	top->frames++;
	top->beats += caplen ? (caplen + NDR_BEAT_BYTES - 1u) / NDR_BEAT_BYTES : 1u;
	top->bytes += wire_len;

	struct ndr_pkt_meta m;
	ndr_parse_headers(frame, caplen < NDR_HDR_WINDOW ? caplen : NDR_HDR_WINDOW, &m);
	if (m.kind == NDR_PKT_IP) {
		fast_flow(top, io, &m, ts_ns, caplen);
		fast_dns(top, io, &m, ts_ns, frame, caplen);
		fast_tls(top, io, &m, ts_ns, frame, caplen);
	} else if (m.kind == NDR_PKT_NON_IP) {
		top->non_ip++;
	} else {
		top->parse_errors++;
	}
	ndr_rw_publish(&top->rw, io->ctrl);
	return 0;
}

int ndr_top_tick(struct ndr_top *top, const struct ndr_top_io *io, uint64_t now_ns)
{
	bool done = fast_ticks_until(top, io, now_ns, true);
	ndr_rw_publish(&top->rw, io->ctrl);
	return done ? 0 : NDR_TOP_BUSY;
}

int ndr_top_flush(struct ndr_top *top, const struct ndr_top_io *io)
{
	if (top->seen && !fast_visits(top, io))
		goto busy;
	for (; top->flush_ptr <= top->fcfg.mask; top->flush_ptr++) {
		uint32_t b = top->flush_ptr;
		struct ndr_flow_bucket *line = &io->table.buckets[b];
		uint32_t m = ndr_flow_valid_ways(line);
		if (m && !fast_room(top, io, NDR_FLOW_WAYS * 3u))
			goto busy;
		for (uint32_t way = 0; way < NDR_FLOW_WAYS; way++) {
			if (!(m & (1u << way)))
				continue;
			uint8_t rec[3 * NDR_SLOT_BYTES];
			uint32_t slots = ndr_flow_retire(&top->fcfg, &top->fctr, line,
							 &io->table.entries[b * NDR_FLOW_WAYS + way],
							 way, NDR_FLOW_END_FLUSH, top->now, rec);
			fast_write(top, io, rec, slots);
		}
		fast_note_expiry(top, io, b);
	}
	if (!fast_room(top, io, 3u))
		goto busy;
	fast_heartbeat(top, io, true);
	if (ndr_rw_notice_due(&top->rw, io->ctrl))
		ndr_rw_notice(&top->rw, io->ring, top->now);
	ndr_rw_publish(&top->rw, io->ctrl);
	top->flush_ptr = 0;
	return 0;
busy:
	ndr_rw_publish(&top->rw, io->ctrl);
	return NDR_TOP_BUSY;
}
