/*
 * rx_stage.c - the CMAC's receive stream into the card (ndr_hw_card.h).
 */
#include "ndr_hw.h"

void ndr_rx_stage_init(struct ndr_rx_stage *s)
{
	s->in_frame = false;
	s->dropping = false;
	s->abort_pending = false;
	s->seen = false;
	s->count_beats = false;
	s->last = 0;
	s->frames = 0;
	s->bytes = 0;
	s->overrun = 0;
	s->ticks = 0;
	s->flushes = 0;
	s->busy = 0;
	s->stalled = 0;
}

uint64_t ndr_rx_next_tick(uint64_t last)
{
	uint64_t from = last + NDR_TICK_NS;
	return (from + NDR_TICK_NS - 1u) / NDR_TICK_NS * NDR_TICK_NS;
}

static void rx_sample(const struct ndr_rx_stage *s, struct ndr_beat *b)
{
	b->rx_frames = s->frames;
	b->rx_bytes = s->bytes;
	b->rx_overrun = s->overrun;
}

static void rx_marker(struct ndr_rx_stage *s, uint8_t kind, uint64_t t, struct ndr_beat_s *out)
{
	struct ndr_beat b;
	for (uint32_t i = 0; i < NDR_BEAT_BYTES; i++)
		b.data[i] = 0;
	b.len = 0;
	b.last = true;
	b.kind = kind;
	b.abort = false;
	b.ts_ns = t;
	b.wire_len = 0;
	rx_sample(s, &b);
	ndr_beat_s_write(out, &b);
}

/* A frame cut short: its end, so the stages drop what they have of it. */
static void rx_abort_beat(struct ndr_rx_stage *s, struct ndr_beat_s *out)
{
	struct ndr_beat b;
	for (uint32_t i = 0; i < NDR_BEAT_BYTES; i++)
		b.data[i] = 0;
	b.len = 0;
	b.last = true;
	b.kind = NDR_BEAT_DATA;
	b.abort = true;
	b.ts_ns = 0;
	b.wire_len = 0;
	rx_sample(s, &b);
	ndr_beat_s_write(out, &b);
	s->abort_pending = false;
}

void ndr_stage_rx(struct ndr_rx_stage *s, const struct ndr_rx_port *port, uint64_t now_ns,
		  bool flush, struct ndr_beat_s *out)
{
	NDR_STAGE
	bool room = !ndr_beat_s_full(out);
	bool wrote = false;
	if (s->abort_pending && room) {
		rx_abort_beat(s, out);
		wrote = true;
	}
	if (port->valid) {
		struct ndr_beat b = port->beat;
		b.kind = NDR_BEAT_DATA;
		b.abort = false;
		s->busy++;
		bool first = !s->in_frame;
		if (first) {
			s->last = s->seen ? ndr_hw_max64(s->last, b.ts_ns) : b.ts_ns;
			s->seen = true;
			rx_sample(s, &b);
			s->frames++;
			s->bytes += b.wire_len;
			/* the CMAC gives no length up front (wire_len 0): its
			 * frames are counted a beat at a time */
			s->count_beats = b.wire_len == 0u;
			s->dropping = false;
		}
		if (s->count_beats)
			s->bytes += b.len;
		s->in_frame = !b.last;
		if (s->dropping) {
			s->dropping = !b.last;
			return;
		}
		if (wrote || !room) {
			/* the link cannot wait: this frame is lost from here */
			s->overrun++;
			s->stalled++;
			s->dropping = !b.last;
			s->abort_pending = s->abort_pending || !first;
			return;
		}
		ndr_beat_s_write(out, &b);
		return;
	}
	if (s->in_frame || wrote || !room)
		return;
	if (flush) {
		rx_marker(s, NDR_BEAT_FLUSH, s->last, out);
		s->flushes++;
		return;
	}
	uint64_t g = ndr_rx_next_tick(s->last);
	if (s->seen && now_ns >= g) {
		rx_marker(s, NDR_BEAT_TICK, g, out);
		s->last = g;
		s->ticks++;
	}
}
