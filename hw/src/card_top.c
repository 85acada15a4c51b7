/*
 * card_top.c - the kernels wired together as on the card, one call per beat.
 *
 * The first beats of a frame go into the parser's header window; once the
 * window is parsed (at most four beats in), the DNS extractor is given the
 * window's bytes and then every later beat, as a four-beat delay line would
 * in hardware. At the last beat the flow table and the DNS extractor write
 * their records and prod is written back.
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
	ndr_entropy_clear(&top->dns.acc);
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
	top->dns_messages = 0;
	top->dns_errors = 0;
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
	r.dns_messages = top->dns_messages;
	r.flows_active = top->flow.active;
	r.flows_created = top->flow.created;
	r.flows_evicted = top->flow.evicted;
	r.records_written = top->rw.records_written;
	r.records_dropped = top->rw.records_dropped;
	r.dns_errors = top->dns_errors;
	ndr_rw_write(&top->rw, (const uint8_t *)&r, sizeof(r), 0, 0);

	top->hb_next += ((t - top->hb_next) / top->hb_ns + 1u) * top->hb_ns;
}

static void start_frame(struct ndr_top *top, const struct ndr_beat *b)
{
	top->in_frame = true;
	top->off = 0;
	top->ts = b->ts_ns;
	heartbeat(top, b->ts_ns);     /* counters as they were before this frame */
	top->seen_any = true;
	top->last_ts = b->ts_ns;
	top->frames++;
	top->bytes += b->wire_len;
	ndr_parser_start(&top->parser);
	top->dns.active = false;
}

/* The headers are known: hand the DNS extractor what went by so far. */
static void headers_parsed(struct ndr_top *top, const struct ndr_beat *b, uint32_t len)
{
	const struct ndr_parser *p = &top->parser;
	ndr_dns_start(&top->dns, &p->meta);
	if (!top->dns.active)
		return;
	for (uint32_t k = 0; k < NDR_HDR_BEATS; k++) {
		uint32_t at = k * NDR_BEAT_BYTES;
		if (at >= p->win_len)
			break;
		uint32_t n = p->win_len - at;
		ndr_dns_bytes(&top->dns, p->win + at, at, n < NDR_BEAT_BYTES ? n : NDR_BEAT_BYTES);
	}
	/* Bytes of this beat past the window, if the window ended inside it. */
	if (top->off + len > p->win_len) {
		uint32_t skip = p->win_len - top->off;
		ndr_dns_bytes(&top->dns, b->data + skip, p->win_len, len - skip);
	}
}

static void end_frame(struct ndr_top *top)
{
	const struct ndr_pkt_meta *m = &top->parser.meta;
	top->in_frame = false;

	if (m->kind == NDR_PKT_IP) {
		ndr_flow_packet(&top->flow, m, top->ts, &top->rw);
		if (top->dns.active) {
			top->dns_messages++;
			struct ndr_dns_result res = ndr_dns_finish(&top->dns, m, top->ts, &top->rw);
			if (!res.have_record || (res.parse_flags & (uint16_t)~NDR_DNS_P_TCP))
				top->dns_errors++;
		}
	} else if (m->kind == NDR_PKT_NON_IP) {
		top->non_ip++;
	} else {
		top->parse_errors++;
	}
	if (top->rw.lost)
		ndr_rw_notice(&top->rw, top->ts);
	ndr_rw_publish(&top->rw);
}

void ndr_top_beat(struct ndr_top *top, const struct ndr_beat *b)
{
	uint32_t len = b->len > NDR_BEAT_BYTES ? NDR_BEAT_BYTES : b->len;
	top->beats++;
	if (!top->in_frame)
		start_frame(top, b);
	if (ndr_parser_beat(&top->parser, b))
		headers_parsed(top, b, len);
	else if (top->dns.active)
		ndr_dns_bytes(&top->dns, b->data, top->off, len);
	top->off += len;
	if (b->last)
		end_frame(top);
}

void ndr_top_flush(struct ndr_top *top)
{
	ndr_flow_flush(&top->flow, top->last_ts, &top->rw);
	ndr_rw_notice(&top->rw, top->last_ts);
	ndr_rw_publish(&top->rw);
}
