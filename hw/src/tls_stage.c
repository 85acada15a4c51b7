/*
 * tls_stage.c - the TLS capture and walk stages (ndr_hw_tls.h).
 *
 * Capture: a TCP segment's beats go on to the walk stage from the beat that
 * holds its payload's first byte, when that byte is 22 (a handshake
 * record: nothing else can be a ClientHello, and most segments stop here).
 * The last chunk says whether bytes 0, 1 and 5 make the ClientHello
 * signature, so only a hello that found no buffer counts as dropped.
 * Walk: the engine pool (walk_pool.c) as for DNS.
 */
#include "ndr_hw.h"

void ndr_tls_capture_init(struct ndr_tls_capture *s)
{
	s->in_frame = false;
	s->active = false;
	s->sent_first = false;
	s->frame_flags = 0;
	s->ts = 0;
	s->off = 0;
	s->cap = 0;
	s->len = 0;
	s->held_valid = false;
	s->busy = 0;
	s->stalled = 0;
}

void ndr_stage_tls_capture(struct ndr_tls_capture *s, struct ndr_cap_beat_s *beats,
			   struct ndr_cap_meta_s *meta, struct ndr_tls_chunk_s *out)
{
	NDR_STAGE
	if (!s->held_valid) {
		if (!ndr_cap_beat_s_read_nb(beats, &s->held))
			return;
		s->held_valid = true;
	}
	const struct ndr_cap_beat *b = &s->held;
	bool first = b->flags & NDR_CAP_FIRST;
	if (ndr_tls_chunk_s_full(out) || (first && ndr_cap_meta_s_empty(meta))) {
		s->stalled++;
		return;
	}
	s->held_valid = false;
	s->busy++;
	struct ndr_tls_chunk c;
	c.word = 0;

	if (b->flags & NDR_CAP_MARK) {
		c.flags = (uint16_t)(NDR_CHUNK_MARK | (b->flags & (NDR_CAP_HB | NDR_CAP_FLUSH)));
		ndr_tls_chunk_s_write(out, &c);
		return;
	}
	if (first) {
		struct ndr_cap_meta cm;
		ndr_cap_meta_s_read(meta, &cm);
		s->m = cm.m;
		s->ts = cm.ts;
		s->active = ndr_tls_where(&s->m, &s->off, &s->cap);
		s->in_frame = true;
		s->sent_first = false;
		s->frame_flags = b->flags & NDR_CAP_HB;
		s->len = 0;
		for (uint32_t i = 0; i < 6u; i++)
			s->sig[i] = 0;
	}
	if (!s->in_frame)
		return;
	uint32_t off = b->off, end = b->off + b->len;
	s->len = end;
	uint16_t flags = 0;
	if (s->active) {
		for (uint32_t i = 0; i < 6u; i++) {
			uint32_t a = s->off + i;
			if (a >= off && a < end)
				s->sig[i] = b->data[a - off];
		}
		/* the beat with payload byte 0 decides whether anything goes on */
		if (s->off >= off && s->off < end && s->sig[0] != 22u)
			s->active = false;
	}
	uint32_t pay_end = s->off + s->cap;
	if (s->active && off < pay_end && end > s->off) {
		flags |= NDR_CHUNK_DATA;
		for (uint32_t i = 0; i < NDR_BEAT_BYTES; i++)
			c.data[i] = b->data[i];
		c.word = (uint16_t)(off / NDR_BEAT_BYTES - s->off / NDR_BEAT_BYTES);
	}
	if (s->active && (s->sent_first || (flags & NDR_CHUNK_DATA)) && (b->flags & NDR_CAP_LAST)) {
		flags |= NDR_CHUNK_LAST;
		if (b->flags & NDR_CAP_ABORT)
			flags |= NDR_CHUNK_ABORT;
		ndr_tls_desc(&s->m, s->ts, s->len, &c.desc);
		if (c.desc.vis >= 9u && s->sig[0] == 22u && s->sig[1] == 3u && s->sig[5] == 1u)
			flags |= NDR_CHUNK_HELLO;
	}
	if (flags && !s->sent_first) {
		flags |= NDR_CHUNK_FIRST;
		s->sent_first = true;
	}
	if (first && s->frame_flags) {
		flags |= NDR_CAP_HB;
		if (!(flags & (NDR_CHUNK_DATA | NDR_CHUNK_LAST)))
			flags |= NDR_CHUNK_MARK;
	}
	if (b->flags & NDR_CAP_LAST)
		s->in_frame = false;
	if (!flags)
		return;
	c.flags = flags;
	ndr_tls_chunk_s_write(out, &c);
}

/* ---- the walk stage ---- */

void ndr_tls_engines_init(struct ndr_tls_engines *s)
{
	ndr_pool_init(&s->pool, NDR_TLS_ENGINES);
	for (uint32_t e = 0; e < NDR_TLS_ENGINES; e++)
		s->walk[e].st = NDR_TLS_W_IDLE;
	s->flush_wait = false;
	s->hb_wait = false;
	s->hb_until = 0;
	s->held_valid = false;
	s->hellos = 0;
	s->errors = 0;
	s->dropped = 0;
	s->link_dropped = 0;
	s->walked = 0;
	s->walk_clocks = 0;
	s->busy = 0;
	s->stalled = 0;
}

bool ndr_tls_engines_idle(const struct ndr_tls_engines *s)
{
	return !s->held_valid && ndr_pool_idle(&s->pool);
}

static void tls_stats_of(const struct ndr_tls_engines *s, bool final, struct ndr_stats_tls *st)
{
	st->final = final;
	st->hellos = s->hellos;
	st->errors = s->errors;
	st->dropped = s->dropped;
	st->link_dropped = s->link_dropped;
}

static void tls_retire(struct ndr_tls_engines *s, struct ndr_rec3_s *out)
{
	uint32_t e;
	if (!ndr_pool_head_done(&s->pool, &e))
		return;
	if (s->walk[e].st == NDR_TLS_W_DONE) {
		struct ndr_rec3 r;
		ndr_tls_walk_record(&s->walk[e], r.b);
		uint64_t err = ndr_tls_walk_error(&s->walk[e]) ? 1u : 0u;
		uint64_t lost = ndr_rec3_s_write_nb(out, &r) ? 0u : 1u;
		s->hellos++;
		s->errors += err;
		s->link_dropped += lost;
		if (s->hb_wait) {       /* older than the heartbeat's mark */
			s->hb.hellos++;
			s->hb.errors += err;
			s->hb.link_dropped += lost;
		}
	}
	s->walk[e].st = NDR_TLS_W_IDLE;
	ndr_pool_retire(&s->pool, e);
}

static void tls_engines_clock(struct ndr_tls_engines *s)
{
	uint32_t busy = 0;
	for (uint32_t e = 0; e < NDR_TLS_ENGINES; e++) {
		int32_t b = s->pool.walking[e];
		if (b >= 0 && !s->pool.done[e]) {
			busy++;
			if (ndr_tls_walk_step(&s->walk[e], s->buf[e][b])) {
				s->pool.done[e] = true;
				s->walked++;
				s->walk_clocks += s->walk[e].clocks;
			}
		} else if (b < 0) {
			int32_t pick = ndr_pool_take(&s->pool, e);
			if (pick >= 0)
				ndr_tls_walk_start(&s->walk[e], &s->desc[e][pick]);
		}
	}
	ndr_pool_account(&s->pool, busy);
}

static bool tls_receive(struct ndr_tls_engines *s, const struct ndr_tls_chunk *c)
{
	if (c->flags & NDR_CAP_FLUSH) {
		s->flush_wait = true;
		return true;
	}
	if (c->flags & NDR_CAP_HB) {
		if (s->hb_wait)
			return false;   /* the previous heartbeat's messages are still out */
		tls_stats_of(s, false, &s->hb);
		s->hb_wait = true;
		s->hb_until = s->pool.order_wr;
	}
	if (c->flags & NDR_CHUNK_MARK)
		return true;
	struct ndr_pool_rx r;
	ndr_pool_chunk(&s->pool, c->flags, (c->flags & NDR_CHUNK_HELLO) != 0u, &r);
	if (r.write && c->word < NDR_TLS_BUF_WORDS) {
		for (uint32_t i = 0; i < NDR_BEAT_BYTES; i++)
			s->buf[r.engine][r.buf][c->word * NDR_BEAT_BYTES + i] = c->data[i];
	}
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
static bool tls_hb_send(struct ndr_tls_engines *s, struct ndr_stats_tls_s *stats)
{
	if (!s->hb_wait || s->pool.order_rd != s->hb_until)
		return true;
	if (ndr_stats_tls_s_full(stats))
		return false;
	ndr_stats_tls_s_write(stats, &s->hb);
	s->hb_wait = false;
	return true;
}

void ndr_stage_tls_engines(struct ndr_tls_engines *s, struct ndr_tls_chunk_s *in,
			   struct ndr_rec3_s *out, struct ndr_stats_tls_s *stats)
{
	NDR_STAGE
	if (tls_hb_send(s, stats))
		tls_retire(s, out);
	tls_engines_clock(s);
	if (s->flush_wait) {
		if (s->hb_wait || !ndr_pool_idle(&s->pool) || ndr_stats_tls_s_full(stats))
			return;
		struct ndr_stats_tls st;
		tls_stats_of(s, true, &st);
		ndr_stats_tls_s_write(stats, &st);
		s->flush_wait = false;
		return;
	}
	if (!s->held_valid) {
		if (!ndr_tls_chunk_s_read_nb(in, &s->held))
			return;
		s->held_valid = true;
	}
	s->busy++;
	if (tls_receive(s, &s->held))
		s->held_valid = false;
	else
		s->stalled++;
}
