/*
 * parser_stage.c - the parser as a dataflow stage (ndr_hw_parse.h).
 *
 * One beat or marker per clock. The delay line is what lets the capture
 * stages take every beat at one per clock although the headers are known
 * only once the window is full: each beat leaves NDR_PARSE_DELAY clocks
 * after it came in, and a frame's meta leaves at the clock its window is
 * parsed, at most NDR_HDR_BEATS - 1 clocks after its first beat came in,
 * so it is always ahead of the frame's first beat.
 */
#include "ndr_hw.h"

void ndr_parser_stage_init(struct ndr_parser_stage *s, const struct ndr_top_cfg *cfg)
{
	for (uint32_t k = 0; k < NDR_PARSE_DELAY; k++)
		s->delay_valid[k] = false;
	s->in_frame = false;
	s->parsed = false;
	s->frame_flags = 0;
	s->off = 0;
	s->ts = 0;
	s->win_len = 0;
	s->hb_ns = (uint64_t)cfg->heartbeat_ms * 1000000u;
	s->hb_next = 0;
	s->seen_any = false;
	s->now = 0;
	s->rx_frames = 0;
	s->rx_bytes = 0;
	s->rx_overrun = 0;
	s->parse_errors = 0;
	s->non_ip = 0;
	s->busy = 0;
	s->stalled = 0;
}

bool ndr_parser_stage_idle(const struct ndr_parser_stage *s)
{
	bool any = s->in_frame;
	for (uint32_t k = 0; k < NDR_PARSE_DELAY; k++)
		any |= s->delay_valid[k];
	return !any;
}

bool ndr_hb_due(uint64_t hb_ns, uint64_t *hb_next, bool *seen_any, uint64_t now)
{
	if (hb_ns == 0u)
		return false;
	if (!*seen_any) {
		*seen_any = true;
		*hb_next = now + hb_ns;
		return false;
	}
	if (now < *hb_next)
		return false;
	*hb_next += ((now - *hb_next) / hb_ns + 1u) * hb_ns;
	return true;
}

static void parse_snapshot(const struct ndr_parser_stage *s, uint64_t ts, bool final,
		     struct ndr_stats_parse *st)
{
	st->ts = ts;
	st->final = final;
	st->packets = s->rx_frames;
	st->bytes = s->rx_bytes;
	st->rx_overrun = s->rx_overrun;
	st->parse_errors = s->parse_errors;
	st->non_ip = s->non_ip;
}

static void parse_sample_rx(struct ndr_parser_stage *s, const struct ndr_beat *b)
{
	s->rx_frames = b->rx_frames;
	s->rx_bytes = b->rx_bytes;
	s->rx_overrun = b->rx_overrun;
}

/* A tick or a flush: card time, maybe a heartbeat, and a marker down the
 * delay line when a heartbeat is due (the captures' stages count too). */
static void parse_marker(struct ndr_parser_stage *s, const struct ndr_beat *b, struct ndr_parsed_s *out,
		   struct ndr_stats_parse_s *stats, struct ndr_cap_beat *c, bool *to_delay)
{
	bool flush = b->kind == NDR_BEAT_FLUSH;
	parse_sample_rx(s, b);
	s->now = ndr_hw_max64(s->now, b->ts_ns);
	bool hb = ndr_hb_due(s->hb_ns, &s->hb_next, &s->seen_any, s->now) || flush;

	struct ndr_parsed p;
	p.kind = flush ? NDR_PARSED_FLUSH : NDR_PARSED_TICK;
	p.flags = hb ? NDR_CAP_HB : 0u;
	p.dns = false;
	p.ts = s->now;
	p.m.kind = NDR_PKT_NONE;
	ndr_parsed_s_write(out, &p);
	if (!hb)
		return;
	struct ndr_stats_parse st;
	parse_snapshot(s, s->now, flush, &st);
	ndr_stats_parse_s_write(stats, &st);
	c->off = 0;
	c->len = 0;
	c->flags = (uint8_t)(NDR_CAP_MARK | NDR_CAP_HB | (flush ? NDR_CAP_FLUSH : 0u));
	c->ts = s->now;
	*to_delay = true;
}

static void parse_frame_start(struct ndr_parser_stage *s, const struct ndr_beat *b,
			struct ndr_stats_parse_s *stats)
{
	s->in_frame = true;
	s->parsed = false;
	s->off = 0;
	s->win_len = 0;
	s->ts = b->ts_ns;
	parse_sample_rx(s, b);    /* counts of the frames before this one */
	s->now = ndr_hw_max64(s->now, b->ts_ns);
	s->frame_flags = 0;
	if (ndr_hb_due(s->hb_ns, &s->hb_next, &s->seen_any, s->now)) {
		struct ndr_stats_parse st;
		parse_snapshot(s, s->now, false, &st);
		ndr_stats_parse_s_write(stats, &st);
		s->frame_flags = NDR_CAP_HB;
	}
}

static void parse_frame_end(struct ndr_parser_stage *s, bool abort, struct ndr_parsed_s *out)
{
	struct ndr_parsed p;
	p.kind = NDR_PARSED_TIME;
	p.flags = s->frame_flags;
	p.dns = false;
	p.ts = s->ts;
	p.m = s->meta;
	if (!abort) {
		if (s->meta.kind == NDR_PKT_IP) {
			p.kind = NDR_PARSED_PKT;
			p.dns = ndr_udp_dns_record(&s->meta, s->off);
		} else if (s->meta.kind == NDR_PKT_NON_IP) {
			s->non_ip++;
		} else {
			s->parse_errors++;
		}
	}
	ndr_parsed_s_write(out, &p);
	s->in_frame = false;
}

void ndr_stage_parser(struct ndr_parser_stage *s, struct ndr_beat_s *in,
		      struct ndr_cap_beat_s *dns_beats, struct ndr_cap_meta_s *dns_meta,
		      struct ndr_cap_beat_s *tls_beats, struct ndr_cap_meta_s *tls_meta,
		      struct ndr_parsed_s *out, struct ndr_stats_parse_s *stats)
{
	NDR_STAGE
	const uint32_t last = NDR_PARSE_DELAY - 1u;
	bool room = !ndr_cap_beat_s_full(dns_beats) && !ndr_cap_beat_s_full(tls_beats) &&
		    !ndr_cap_meta_s_full(dns_meta) && !ndr_cap_meta_s_full(tls_meta) &&
		    !ndr_parsed_s_full(out) && !ndr_stats_parse_s_full(stats);
	if (!room) {
		s->stalled++;
		return;
	}

	/* the delay line moves every clock */
	if (s->delay_valid[last]) {
		ndr_cap_beat_s_write(dns_beats, &s->delay[last]);
		ndr_cap_beat_s_write(tls_beats, &s->delay[last]);
	}
	for (uint32_t k = 0; k < last; k++) {
		uint32_t to = last - k;
		s->delay[to] = s->delay[to - 1u];
		s->delay_valid[to] = s->delay_valid[to - 1u];
	}
	s->delay_valid[0] = false;

	struct ndr_beat b;
	if (!ndr_beat_s_read_nb(in, &b))
		return;
	s->busy++;

	struct ndr_cap_beat c;
	bool to_delay = false;
	if (b.kind != NDR_BEAT_DATA && !s->in_frame) {
		parse_marker(s, &b, out, stats, &c, &to_delay);
		s->delay[0] = c;
		s->delay_valid[0] = to_delay;
		return;
	}
	if (b.kind != NDR_BEAT_DATA)
		return;     /* rx never puts a marker inside a frame */

	if (!s->in_frame)
		parse_frame_start(s, &b, stats);
	uint32_t len = b.len > NDR_BEAT_BYTES ? NDR_BEAT_BYTES : b.len;
	if (s->win_len < NDR_HDR_WINDOW) {
		/* the window is four beats: a beat lands at a beat boundary */
		for (uint32_t i = 0; i < NDR_BEAT_BYTES; i++)
			s->win[s->win_len + i] = b.data[i];
		s->win_len += len;
	}

	for (uint32_t i = 0; i < NDR_BEAT_BYTES; i++)
		c.data[i] = b.data[i];
	c.off = (uint16_t)s->off;
	c.len = (uint8_t)len;
	c.ts = s->ts;
	c.flags = (uint8_t)((s->off == 0u ? NDR_CAP_FIRST | s->frame_flags : 0u) |
			    (b.last ? NDR_CAP_LAST : 0u) | (b.abort ? NDR_CAP_ABORT : 0u));
	s->off += len;

	if (!s->parsed && (s->win_len >= NDR_HDR_WINDOW || b.last)) {
		ndr_parse_headers(s->win, s->win_len, &s->meta);
		s->parsed = true;
		struct ndr_cap_meta cm;
		cm.m = s->meta;
		cm.ts = s->ts;
		ndr_cap_meta_s_write(dns_meta, &cm);
		ndr_cap_meta_s_write(tls_meta, &cm);
	}
	if (b.last)
		parse_frame_end(s, b.abort, out);
	s->delay[0] = c;
	s->delay_valid[0] = true;
}
