/*
 * card_top.c - the kernels wired together as on the card, one call per beat.
 *
 * The first beats of a frame go into the parser's header window; once the
 * window is parsed (at most four beats in), the DNS extractor is given the
 * window's bytes and then every later beat, as a four-beat delay line would
 * in hardware; the TLS extractor is fed the same way. At the last beat the
 * flow table and the DNS and TLS extractors write their records and prod is
 * written back.
 *
 * Spec choices (heartbeat: not compared against the golden model):
 * - The first frame sets the first boundary to its time + interval. When a
 *   frame's time reaches the boundary, one heartbeat (ts_ns = that frame's
 *   time) is written and the boundary moves forward by whole intervals past
 *   the frame's time: a gap in traffic gives one heartbeat, not a burst.
 * - Every frame, IP or not, counts for the heartbeat and is the "last packet
 *   seen" whose time a FLUSH record carries.
 * - dns_errors counts messages without a record (< 12 bytes visible) and
 *   records with any parse flag other than NDR_DNS_P_TCP.
 *
 * Cycle accounting: every beat is one clock of the beat clock. The parser
 * and the DNS capture take one beat per clock by construction. The flow
 * stage takes one packet per clock plus one clock per extra memory read
 * (flow_table.c extra_reads), behind a queue of NDR_FLOW_QUEUE_DEPTH
 * packets; a packet that would wait longer than the queue holds stalls the
 * beat clock by the difference (counted in stalls: on the card, whose CMAC
 * cannot be back-pressured, those would be lost beats). The DNS walk stage
 * keeps its own engines and FIFO (dns_stage.c) and never stalls the beats.
 */
#include "ndr_hw.h"

void ndr_top_init(struct ndr_top *top, const struct ndr_top_cfg *cfg,
		  const struct ndr_flow_mem *table, uint8_t *slots,
		  struct ndr_ring_ctrl *ctrl, uint32_t log2_slots)
{
	ndr_parser_start(&top->parser);
	ndr_flow_init(&top->flow, table, cfg->log2_buckets, cfg->hash_seed,
		      cfg->idle_timeout_ms, cfg->active_timeout_ms, cfg->close_timeout_ms);
	top->dns.active = false;
	ndr_dns_stage_init(&top->dnsq);
	top->tls.active = false;
	top->tls.hellos = 0;
	top->tls.errors = 0;
	top->tls.walk_cycles = 0;
	ndr_walk_sched_init(&top->tlsq, NDR_TLS_ENGINES, NDR_TLS_FIFO_DEPTH);
	ndr_rw_init(&top->rw, slots, ctrl, log2_slots);
	top->in_frame = false;
	top->off = 0;
	top->ts = 0;
	top->last_ts = 0;
	top->seen_any = false;
	top->hb_ns = (uint64_t)cfg->heartbeat_ms * 1000000u;
	top->hb_next = 0;
	top->frames = 0;
	top->beats = 0;
	top->bytes = 0;
	top->parse_errors = 0;
	top->non_ip = 0;
	top->clock = 0;
	top->stalls = 0;
	top->flow_packets = 0;
	top->flow_cycles = 0;
	top->flow_free = 0;
	top->flow_wait_max = 0;
	top->drain_clock = 0;
}

static void heartbeat(struct ndr_top *top, uint64_t t)
{
	if (top->hb_ns == 0u)
		return;
	if (!top->seen_any) {
		top->hb_next = t + top->hb_ns;
		return;
	}
	if (t < top->hb_next)
		return;

	struct ndr_heartbeat_rec r = {0};
	r.hdr.type = NDR_REC_HEARTBEAT;
	r.hdr.slots = 2;
	r.hdr.version = NDR_ABI_VERSION;
	r.hdr.ts_ns = t;
	r.packets = top->frames;
	r.bytes = top->bytes;
	r.parse_errors = top->parse_errors;
	r.dns_messages = top->dnsq.messages;
	r.flows_active = top->flow.active;
	r.flows_created = top->flow.created;
	r.flows_evicted = top->flow.evicted;
	r.records_written = top->rw.records_written;
	r.records_dropped = top->rw.records_dropped;
	r.dns_errors = top->dnsq.errors;
	ndr_rw_write(&top->rw, (const uint8_t *)&r, sizeof(r), 0, 0);

	top->hb_next += ((t - top->hb_next) / top->hb_ns + 1u) * top->hb_ns;
}

static void start_frame(struct ndr_top *top, uint64_t ts_ns, uint32_t wire_len)
{
	top->in_frame = true;
	top->off = 0;
	top->ts = ts_ns;
	heartbeat(top, ts_ns);        /* counters as they were before this frame */
	top->seen_any = true;
	top->last_ts = ts_ns;
	top->frames++;
	top->bytes += wire_len;
	ndr_parser_start(&top->parser);
	top->dns.active = false;
	top->tls.active = false;
}

/* The headers are known: hand the DNS extractor what went by so far. */
static void headers_parsed(struct ndr_top *top, const uint8_t *data, uint32_t len)
{
	const struct ndr_parser *p = &top->parser;
	if (p->meta.kind == NDR_PKT_IP)
		ndr_flow_hash(&top->flow, &p->meta);
	ndr_dns_start(&top->dns, &p->meta);
	ndr_tls_start(&top->tls, &p->meta);
	if (!top->dns.active && !top->tls.active)
		return;
	for (uint32_t k = 0; k < NDR_HDR_BEATS; k++) {
		uint32_t at = k * NDR_BEAT_BYTES;
		if (at >= p->win_len)
			break;
		uint32_t n = p->win_len - at;
		ndr_dns_bytes(&top->dns, p->win + at, at, n < NDR_BEAT_BYTES ? n : NDR_BEAT_BYTES);
		ndr_tls_bytes(&top->tls, p->win + at, at, n < NDR_BEAT_BYTES ? n : NDR_BEAT_BYTES);
	}
	/* Bytes of this beat past the window, if the window ended inside it. */
	if (top->off + len > p->win_len) {
		uint32_t skip = p->win_len - top->off;
		ndr_dns_bytes(&top->dns, data + skip, p->win_len, len - skip);
		ndr_tls_bytes(&top->tls, data + skip, p->win_len, len - skip);
	}
}

/* The flow stage's clock: the packet enters at the clock of its last beat
 * and starts when the stage is free; beyond the queue's depth the beat
 * clock waits. */
static void flow_stage(struct ndr_top *top, const struct ndr_pkt_meta *m)
{
	uint64_t start = top->flow_free > top->clock ? top->flow_free : top->clock;
	uint64_t wait = start - top->clock;
	if (wait > top->flow_wait_max)
		top->flow_wait_max = wait;
	if (wait > NDR_FLOW_QUEUE_DEPTH) {
		uint64_t stall = wait - NDR_FLOW_QUEUE_DEPTH;
		top->stalls += stall;
		top->clock += stall;
	}
	ndr_flow_packet(&top->flow, m, top->ts, &top->rw);
	uint64_t cost = 1u + top->flow.extra_reads;
	top->flow_free = start + cost;
	top->flow_cycles += cost;
	top->flow_packets++;
}

static void end_frame(struct ndr_top *top)
{
	const struct ndr_pkt_meta *m = &top->parser.meta;
	top->in_frame = false;

	if (m->kind == NDR_PKT_IP) {
		flow_stage(top, m);
		if (top->dns.active)
			ndr_dns_stage_message(&top->dnsq, &top->dns, m, top->ts, top->clock, &top->rw);
		if (top->tls.active)
			ndr_tls_close(&top->tls, m, top->ts, top->clock, &top->tlsq, &top->rw);
	} else if (m->kind == NDR_PKT_NON_IP) {
		top->non_ip++;
	} else {
		top->parse_errors++;
	}
	if (top->rw.lost)
		ndr_rw_notice(&top->rw, top->ts);
	ndr_rw_publish(&top->rw);
}

/* One beat of len (<= 64) valid bytes at data; ts_ns and wire_len are the
 * first beat's side band. */
static void top_beat(struct ndr_top *top, const uint8_t *data, uint32_t len, bool last,
		     uint64_t ts_ns, uint32_t wire_len)
{
	top->beats++;
	top->clock++;
	if (!top->in_frame)
		start_frame(top, ts_ns, wire_len);
	if (ndr_parser_beat(&top->parser, data, len, last)) {
		headers_parsed(top, data, len);
	} else {
		/* each is a no-op when its extractor is not active */
		ndr_dns_bytes(&top->dns, data, top->off, len);
		ndr_tls_bytes(&top->tls, data, top->off, len);
	}
	top->off += len;
	if (last)
		end_frame(top);
}

void ndr_top_beat(struct ndr_top *top, const struct ndr_beat *b)
{
	uint32_t len = b->len > NDR_BEAT_BYTES ? NDR_BEAT_BYTES : b->len;
	top_beat(top, b->data, len, b->last, b->ts_ns, b->wire_len);
}

/* A beat passes through untouched once the headers are parsed and neither
 * extractor captures: no stage reads it, so only the beat clock and the
 * byte offsets move. Once that holds it holds for the rest of the frame
 * (only the last beat ends it), so the beats up to the last pass at once. */
static bool passing(const struct ndr_top *top)
{
	return top->in_frame && top->parser.done && !top->dns.active && !top->tls.active;
}

void ndr_top_frame(struct ndr_top *top, uint64_t ts_ns, const uint8_t *frame,
		   uint32_t caplen, uint32_t wire_len)
{
	if (caplen > NDR_MAX_FRAME)
		caplen = NDR_MAX_FRAME;
	/* the last beat's offset; an empty frame is one empty last beat */
	uint32_t last_off = caplen == 0u ? 0u : (caplen - 1u) / NDR_BEAT_BYTES * NDR_BEAT_BYTES;
	uint32_t off = 0;
	for (uint32_t i = 0; i < NDR_MAX_BEATS; i++) {
		if (off == last_off)
			break;
		if (passing(top)) {
			uint32_t beats = (last_off - off) / NDR_BEAT_BYTES;
			top->beats += beats;
			top->clock += beats;
			top->parser.frame_len += last_off - off;
			top->off += last_off - off;
			off = last_off;
			break;
		}
		top_beat(top, frame + off, NDR_BEAT_BYTES, false, ts_ns, wire_len);
		off += NDR_BEAT_BYTES;
	}
	top_beat(top, frame + off, caplen - off, true, ts_ns, wire_len);
}

void ndr_top_flush(struct ndr_top *top)
{
	uint64_t idle = ndr_dns_stage_idle(&top->dnsq, top->clock);
	uint64_t tls_idle = ndr_walk_sched_idle(&top->tlsq, top->clock);
	if (tls_idle > idle)
		idle = tls_idle;
	top->drain_clock = idle > top->flow_free ? idle : top->flow_free;
	if (top->drain_clock < top->clock)
		top->drain_clock = top->clock;
	ndr_flow_flush(&top->flow, top->last_ts, &top->rw);
	ndr_rw_notice(&top->rw, top->last_ts);
	ndr_rw_publish(&top->rw);
}
