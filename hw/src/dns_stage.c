/*
 * dns_stage.c - the DNS capture and walk stages (ndr_hw_dns.h).
 *
 * Why engines with two buffers each, and a drop when none is free: a
 * message arrives at one beat a clock but its walk takes longer (a step
 * per label, pointer and answer, the histogram lanes), so walks overlap.
 * A message is written, beat by beat, straight into the buffer of the
 * engine that will walk it (no copy later); with two buffers an engine
 * receives its next message while it walks the current one. When every
 * buffer is taken the new message is dropped and counted (dns_dropped):
 * the beats never wait. Records leave in the order their messages came
 * (a retire queue), so DNS records keep the order of their packets.
 */
#include "ndr_hw.h"

void ndr_dns_capture_init(struct ndr_dns_capture *s)
{
	s->in_frame = false;
	s->sent_first = false;
	s->frame_flags = 0;
	s->ts = 0;
	s->pfx = -1;
	s->pfx_have = 0;
	s->len = 0;
	s->held_valid = false;
	s->busy = 0;
	s->stalled = 0;
}

static void dns_chunk_clear(struct ndr_dns_chunk *c, uint16_t flags)
{
	c->flags = flags;
	c->word = 0;
}

void ndr_stage_dns_capture(struct ndr_dns_capture *s, struct ndr_cap_beat_s *beats,
			   struct ndr_cap_meta_s *meta, struct ndr_dns_chunk_s *out)
{
	NDR_STAGE
	if (!s->held_valid) {
		if (!ndr_cap_beat_s_read_nb(beats, &s->held))
			return;
		s->held_valid = true;
	}
	const struct ndr_cap_beat *b = &s->held;
	bool first = b->flags & NDR_CAP_FIRST;
	if (ndr_dns_chunk_s_full(out) || (first && ndr_cap_meta_s_empty(meta))) {
		s->stalled++;
		return;
	}
	s->held_valid = false;
	s->busy++;
	struct ndr_dns_chunk c;

	if (b->flags & NDR_CAP_MARK) {
		dns_chunk_clear(&c, (uint16_t)(NDR_CHUNK_MARK | (b->flags & (NDR_CAP_HB | NDR_CAP_FLUSH))));
		ndr_dns_chunk_s_write(out, &c);
		return;
	}
	if (first) {
		struct ndr_cap_meta cm;
		ndr_cap_meta_s_read(meta, &cm);
		s->m = cm.m;
		s->ts = cm.ts;
		ndr_dns_where(&s->m, &s->where);
		s->in_frame = true;
		s->sent_first = false;
		s->frame_flags = b->flags & NDR_CAP_HB;
		s->pfx = -1;
		s->pfx_have = 0;
		s->len = 0;
	}
	if (!s->in_frame)
		return;
	uint32_t off = b->off, end = b->off + b->len;
	s->len = end;
	const struct ndr_dns_where *w = &s->where;
	uint16_t flags = 0;
	if (w->active && w->tcp) {
		for (uint32_t k = 0; k < 2u; k++) {
			uint32_t a = w->pfx_off + k;
			if (a >= off && a < end) {
				s->pfx_b[k] = b->data[a - off];
				s->pfx_have++;
			}
		}
	}
	uint32_t msg_end = w->msg_off + w->msg_cap;
	if (w->active && off < msg_end && end > w->msg_off) {
		flags |= NDR_CHUNK_DATA;
		for (uint32_t i = 0; i < NDR_BEAT_BYTES; i++)
			c.data[i] = b->data[i];
		c.word = (uint16_t)(off / NDR_BEAT_BYTES - w->msg_off / NDR_BEAT_BYTES);
	}
	if (w->active && (b->flags & NDR_CAP_LAST)) {
		flags |= NDR_CHUNK_LAST;
		if (b->flags & NDR_CAP_ABORT)
			flags |= NDR_CHUNK_ABORT;
		if (s->pfx_have >= 2u)
			s->pfx = (int32_t)ndr_hw_be16(s->pfx_b);
		if (ndr_dns_desc(&s->m, w, s->ts, s->len, s->pfx, &c.desc))
			flags |= NDR_CHUNK_RECORD;
	}
	if (flags && !s->sent_first) {
		flags |= NDR_CHUNK_FIRST;
		s->sent_first = true;
	}
	if (first && s->frame_flags) {
		/* the heartbeat mark rides on this frame's first chunk, or
		 * goes alone when its first beat holds no message byte */
		flags |= NDR_CAP_HB;
		if (!(flags & (NDR_CHUNK_DATA | NDR_CHUNK_LAST)))
			flags |= NDR_CHUNK_MARK;
	}
	if (b->flags & NDR_CAP_LAST)
		s->in_frame = false;
	if (!flags)
		return;
	c.flags = flags;
	ndr_dns_chunk_s_write(out, &c);
}

/* ---- the walk stage ---- */

void ndr_dns_engines_init(struct ndr_dns_engines *s)
{
	ndr_pool_init(&s->pool, NDR_DNS_ENGINES);
	for (uint32_t e = 0; e < NDR_DNS_ENGINES; e++) {
		s->walk[e].st = NDR_DNS_W_IDLE;
		ndr_entropy_clear(&s->walk[e].acc);
	}
	s->flush_wait = false;
	s->hb_wait = false;
	s->hb_until = 0;
	s->held_valid = false;
	s->messages = 0;
	s->errors = 0;
	s->dropped = 0;
	s->link_dropped = 0;
	s->walked = 0;
	s->walk_clocks = 0;
	s->busy = 0;
	s->stalled = 0;
}

bool ndr_dns_engines_idle(const struct ndr_dns_engines *s)
{
	return !s->held_valid && ndr_pool_idle(&s->pool);
}

static void dns_stats_of(const struct ndr_dns_engines *s, bool final, struct ndr_stats_dns *st)
{
	st->final = final;
	st->messages = s->messages;
	st->errors = s->errors;
	st->dropped = s->dropped;
	st->link_dropped = s->link_dropped;
}

/* The oldest record leaves when its walk is done. */
static void dns_retire(struct ndr_dns_engines *s, struct ndr_rec6_s *out)
{
	uint32_t e;
	if (!ndr_pool_head_done(&s->pool, &e))
		return;
	struct ndr_rec6 r;
	ndr_dns_walk_record(&s->walk[e], r.b);
	uint64_t lost = ndr_rec6_s_write_nb(out, &r) ? 0u : 1u;
	uint64_t err = ndr_dns_walk_error(&s->walk[e]) ? 1u : 0u;
	s->link_dropped += lost;
	s->errors += err;
	if (s->hb_wait) {       /* older than the heartbeat's mark */
		s->hb.link_dropped += lost;
		s->hb.errors += err;
	}
	s->walk[e].st = NDR_DNS_W_IDLE;
	ndr_pool_retire(&s->pool, e);
}

/* Every engine does one clock of work, or takes its oldest ready buffer. */
static void dns_engines_clock(struct ndr_dns_engines *s)
{
	uint32_t busy = 0;
	for (uint32_t e = 0; e < NDR_DNS_ENGINES; e++) {
		int32_t b = s->pool.walking[e];
		if (b >= 0 && !s->pool.done[e]) {
			busy++;
			if (ndr_dns_walk_step(&s->walk[e], s->buf[e][b])) {
				s->pool.done[e] = true;
				s->walked++;
				s->walk_clocks += s->walk[e].clocks;
			}
		} else if (b < 0) {
			int32_t pick = ndr_pool_take(&s->pool, e);
			if (pick >= 0)
				ndr_dns_walk_start(&s->walk[e], &s->desc[e][pick]);
		}
	}
	ndr_pool_account(&s->pool, busy);
}

/* One chunk; false when it must wait (a heartbeat mark while the one
 * before it still waits for its messages). */
static bool dns_receive(struct ndr_dns_engines *s, const struct ndr_dns_chunk *c)
{
	if (c->flags & NDR_CAP_FLUSH) {
		s->flush_wait = true;
		return true;
	}
	if (c->flags & NDR_CAP_HB) {
		if (s->hb_wait)
			return false;   /* the previous heartbeat's messages are still out */
		dns_stats_of(s, false, &s->hb);
		s->hb_wait = true;
		s->hb_until = s->pool.order_wr;
	}
	if (c->flags & NDR_CHUNK_MARK)
		return true;
	struct ndr_pool_rx r;
	ndr_pool_chunk(&s->pool, c->flags, (c->flags & NDR_CHUNK_RECORD) != 0u, &r);
	if (r.write && c->word < NDR_DNS_BUF_WORDS) {
		for (uint32_t i = 0; i < NDR_BEAT_BYTES; i++)
			s->buf[r.engine][r.buf][c->word * NDR_BEAT_BYTES + i] = c->data[i];
	}
	if (!r.last || (c->flags & NDR_CHUNK_ABORT))
		return true;
	s->messages++;
	if (!(c->flags & NDR_CHUNK_RECORD))
		s->errors++;
	s->dropped += r.dropped ? 1u : 0u;
	if (r.kept) {
		s->desc[r.engine][r.buf] = c->desc;
		s->desc[r.engine][r.buf].base = c->desc.base % NDR_BEAT_BYTES;
	}
	return true;
}

/* A heartbeat counts the messages that came before its mark, whatever
 * their walks take: its counts were taken at the mark, and each older
 * message's record adds to them as it retires (in arrival order); when
 * the last older one is out they leave. False while they wait for room:
 * nothing newer may retire before them. */
static bool dns_hb_send(struct ndr_dns_engines *s, struct ndr_stats_dns_s *stats)
{
	if (!s->hb_wait || s->pool.order_rd != s->hb_until)
		return true;
	if (ndr_stats_dns_s_full(stats))
		return false;
	ndr_stats_dns_s_write(stats, &s->hb);
	s->hb_wait = false;
	return true;
}

void ndr_stage_dns_engines(struct ndr_dns_engines *s, struct ndr_dns_chunk_s *in,
			   struct ndr_rec6_s *out, struct ndr_stats_dns_s *stats)
{
	NDR_STAGE
	if (dns_hb_send(s, stats))
		dns_retire(s, out);
	dns_engines_clock(s);
	if (s->flush_wait) {
		if (s->hb_wait || !ndr_pool_idle(&s->pool) || ndr_stats_dns_s_full(stats))
			return;
		struct ndr_stats_dns st;
		dns_stats_of(s, true, &st);
		ndr_stats_dns_s_write(stats, &st);
		s->flush_wait = false;
		return;
	}
	if (!s->held_valid) {
		if (!ndr_dns_chunk_s_read_nb(in, &s->held))
			return;
		s->held_valid = true;
	}
	s->busy++;
	if (dns_receive(s, &s->held))
		s->held_valid = false;
	else
		s->stalled++;
}
