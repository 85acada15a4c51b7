/*
 * record_writer.c - records into the ring in host memory (ndr_hw_rec.h;
 * ndr_abi.h "Slots and the ring").
 *
 * Spec choices (not compared against the golden model, but stated):
 * - seq: every record the card produces takes the next seq, including a
 *   record dropped because the ring was full, so the host sees a drop as a
 *   gap in seq and the following drop notice says how large it was. PADs do
 *   not take one: a PAD carries the seq the next record will get. A drop
 *   notice takes one when it is written (a notice that finds no room is not
 *   a lost record; it stays pending).
 * - A PAD fills the ring to its end (at most NDR_REC_MAX_SLOTS - 1 slots,
 *   zeros after its header) and is only written together with the record
 *   that needed it.
 * - The drop notice is written before the next record whenever a slot is
 *   free; its ts_ns is the time of the record that follows it (or of the
 *   flush), first/last_lost_ts are the ts_ns of the first and last records
 *   lost.
 */
#include "ndr_hw.h"

void ndr_rw_init(struct ndr_rw *w, const struct ndr_ring_ctrl *ctrl, uint32_t log2_slots)
{
	w->log2_slots = log2_slots;
	w->mask = (1u << log2_slots) - 1u;
	w->prod = ctrl->prod;
	w->published = w->prod;
	w->cons = NDR_HW_LOAD_ACQUIRE(&ctrl->cons);
	w->seq = 0;
	w->lost = 0;
	w->lost_total = 0;
	w->first_lost_ts = 0;
	w->last_lost_ts = 0;
	w->records_written = 0;
	for (uint32_t i = 0; i < NDR_REC_TYPE_MAX; i++)
		w->by_type[i] = 0;
	w->records_dropped = 0;
	w->slots_written = 0;
}

static uint32_t rw_ring_room(const struct ndr_rw *w)
{
	uint32_t size = w->mask + 1u;
	uint32_t used = w->prod - w->cons;
	/* A cons ahead of prod or more than a ring behind is a host bug; the
	 * card then writes nothing rather than overwrite unread records. */
	return used > size ? 0u : size - used;
}

static bool rw_have_room(struct ndr_rw *w, struct ndr_ring_ctrl *ctrl, uint32_t need)
{
	if (rw_ring_room(w) >= need)
		return true;
	w->cons = NDR_HW_LOAD_ACQUIRE(&ctrl->cons);
	return rw_ring_room(w) >= need;
}

static uint8_t *rw_slot_ptr(const struct ndr_rw *w, uint8_t *ring, uint32_t index)
{
	return ring + (index & w->mask) * NDR_SLOT_BYTES;
}

int32_t ndr_rw_reserve(struct ndr_rw *w, struct ndr_ring_ctrl *ctrl, uint32_t nslots,
		       uint64_t ts)
{
	uint32_t to_end = w->mask + 1u - (w->prod & w->mask);
	uint32_t pad = nslots > to_end ? to_end : 0u;
	if (rw_have_room(w, ctrl, pad + nslots))
		return (int32_t)pad;
	w->seq++;
	if (w->lost == 0u)
		w->first_lost_ts = ts;
	w->last_lost_ts = ts;
	w->lost++;
	w->lost_total++;
	w->records_dropped++;
	return -1;
}

static void rw_put_hdr(uint8_t *dst, uint8_t type, uint8_t slots, uint8_t flags, uint32_t seq,
		    uint64_t ts)
{
	dst[0] = type;
	dst[1] = slots;
	dst[2] = (uint8_t)NDR_ABI_VERSION;
	dst[3] = flags;
	ndr_put32(dst, 4, seq);
	ndr_put64(dst, 8, ts);
}

static uint8_t rw_phase(const struct ndr_rw *w)
{
	return (uint8_t)(ndr_ring_phase(w->prod, w->log2_slots) ? NDR_REC_F_PHASE : 0u);
}

void ndr_rw_pad_slot(struct ndr_rw *w, uint8_t *ring, uint32_t k, uint32_t nslots)
{
	uint8_t *dst = rw_slot_ptr(w, ring, w->prod);
	ndr_hw_zero(dst, NDR_SLOT_BYTES);
	if (k == 0u) {
		rw_put_hdr(dst, NDR_REC_PAD, (uint8_t)nslots, rw_phase(w), w->seq, 0);
		w->by_type[NDR_REC_PAD]++;
	}
	w->prod++;
	w->slots_written++;
}

void ndr_rw_pad(struct ndr_rw *w, uint8_t *ring, uint32_t nslots)
{
	NDR_FOR_N(k, nslots, NDR_REC_MAX_SLOTS)
		ndr_rw_pad_slot(w, ring, k, nslots);
}

void ndr_rw_slot(struct ndr_rw *w, uint8_t *ring, const uint8_t slot[NDR_SLOT_BYTES], uint32_t k)
{
	uint8_t *dst = rw_slot_ptr(w, ring, w->prod);
	for (uint32_t i = 0; i < NDR_SLOT_BYTES; i++)
		dst[i] = slot[i];
	if (k == 0u) {
		uint8_t type = slot[0];
		dst[3] = (uint8_t)((slot[3] & ~NDR_REC_F_PHASE) | rw_phase(w));
		ndr_put32(dst, 4, w->seq);
		w->seq++;
		w->records_written++;
		if (type < NDR_REC_TYPE_MAX)
			w->by_type[type]++;
	}
	w->prod++;
	w->slots_written++;
}

bool ndr_rw_notice_due(struct ndr_rw *w, struct ndr_ring_ctrl *ctrl)
{
	return w->lost != 0u && rw_have_room(w, ctrl, 1u);
}

void ndr_rw_notice(struct ndr_rw *w, uint8_t *ring, uint64_t ts)
{
	uint8_t r[NDR_SLOT_BYTES];
	ndr_hw_zero(r, NDR_SLOT_BYTES);
	rw_put_hdr(r, NDR_REC_DROP, 1, 0, 0, ts);
	ndr_put32(r, NDR_OFF(ndr_drop_rec, reason), NDR_DROP_RING_FULL);
	ndr_put32(r, NDR_OFF(ndr_drop_rec, lost), w->lost);
	ndr_put64(r, NDR_OFF(ndr_drop_rec, lost_total), w->lost_total);
	ndr_put64(r, NDR_OFF(ndr_drop_rec, first_lost_ts_ns), w->first_lost_ts);
	ndr_put64(r, NDR_OFF(ndr_drop_rec, last_lost_ts_ns), w->last_lost_ts);
	ndr_rw_slot(w, ring, r, 0);
	w->lost = 0;
}

void ndr_rw_publish(struct ndr_rw *w, struct ndr_ring_ctrl *ctrl)
{
	if (w->prod == w->published)
		return;
	NDR_HW_STORE_RELEASE(&ctrl->prod, w->prod);
	w->published = w->prod;
}

bool ndr_rw_write(struct ndr_rw *w, uint8_t *ring, struct ndr_ring_ctrl *ctrl,
		  const uint8_t *rec, uint32_t nslots)
{
	uint64_t ts = ndr_get64(rec, 8);
	if (ndr_rw_notice_due(w, ctrl))
		ndr_rw_notice(w, ring, ts);
	int32_t pad = ndr_rw_reserve(w, ctrl, nslots, ts);
	if (pad < 0)
		return false;
	if (pad > 0)
		ndr_rw_pad(w, ring, (uint32_t)pad);
	bool hb = rec[0] == NDR_REC_HEARTBEAT;
	NDR_FOR_N(k, nslots, NDR_REC_MAX_SLOTS) {
		uint8_t slot[NDR_SLOT_BYTES];
		for (uint32_t i = 0; i < NDR_SLOT_BYTES; i++)
			slot[i] = rec[k * NDR_SLOT_BYTES + i];
		if (hb)
			ndr_hb_patch(w, slot, k);
		ndr_rw_slot(w, ring, slot, k);
	}
	return true;
}

/* ---- the heartbeat ---- */

#define HB(f) NDR_OFF(ndr_heartbeat_rec, f)

void ndr_hb_record(const struct ndr_hb_parts *p, uint8_t out[3 * NDR_SLOT_BYTES])
{
	ndr_hw_zero(out, 3u * NDR_SLOT_BYTES);
	out[0] = NDR_REC_HEARTBEAT;
	out[1] = 3;
	out[2] = (uint8_t)NDR_ABI_VERSION;
	ndr_put64(out, 8, p->parse.ts);
	ndr_put64(out, HB(packets), p->parse.packets);
	ndr_put64(out, HB(bytes), p->parse.bytes);
	ndr_put64(out, HB(parse_errors), p->parse.parse_errors);
	ndr_put64(out, HB(non_ip), p->parse.non_ip);
	ndr_put64(out, HB(rx_overrun), p->parse.rx_overrun);
	ndr_put64(out, HB(flows_active), p->flow.active);
	ndr_put64(out, HB(flows_created), p->flow.created);
	ndr_put64(out, HB(flows_evicted), p->flow.evicted);
	ndr_put64(out, HB(flows_dns_only), p->flow.dns_only);
	ndr_put64(out, HB(dns_messages), p->dns.messages);
	ndr_put64(out, HB(dns_errors), p->dns.errors);
	ndr_put64(out, HB(dns_dropped), p->dns.dropped);
	ndr_put64(out, HB(tls_hellos), p->tls.hellos);
	ndr_put64(out, HB(tls_dropped), p->tls.dropped);
	ndr_put64(out, HB(records_link_dropped),
		  p->flow.link_dropped + p->dns.link_dropped + p->tls.link_dropped);
}

static void hb_patch64(uint8_t *slot, uint32_t k, uint32_t off, uint64_t v)
{
	uint32_t base = k * NDR_SLOT_BYTES;
	if (off >= base && off + 8u <= base + NDR_SLOT_BYTES)
		ndr_put64(slot, off - base, v);
}

void ndr_hb_patch(const struct ndr_rw *w, uint8_t slot[NDR_SLOT_BYTES], uint32_t k)
{
	hb_patch64(slot, k, HB(records_written), w->records_written);
	hb_patch64(slot, k, HB(records_dropped), w->records_dropped);
}

/* ---- the writer stage ---- */

void ndr_writer_stage_init(struct ndr_writer_stage *s, const struct ndr_ring_ctrl *ctrl,
			   uint32_t log2_slots)
{
	ndr_rw_init(&s->w, ctrl, log2_slots);
	s->first_pending = false;
	s->first_held = false;
	s->pad_len = 0;
	s->pad_k = 0;
	s->rec_left = 0;
	s->rec_k = 0;
	s->rec_drop = false;
	s->rec_hb = false;
	s->busy = 0;
	s->stalled = 0;
	s->link_waits = 0;
}

bool ndr_writer_stage_idle(const struct ndr_writer_stage *s)
{
	return !s->first_pending && !s->first_held && s->pad_k == s->pad_len && s->rec_left == 0u &&
	       s->w.prod == s->w.published;
}

/* Write one slot of the current record (its rec_k-th), or drop it. */
static void writer_put(struct ndr_writer_stage *s, uint8_t *ring, uint8_t *slot)
{
	if (!s->rec_drop) {
		if (s->rec_hb)
			ndr_hb_patch(&s->w, slot, s->rec_k);
		ndr_rw_slot(&s->w, ring, slot, s->rec_k);
	}
	s->rec_k++;
	s->rec_left--;
}

/* A record's first slot is in: the drop notice owed, then its place. */
static void writer_first_slot(struct ndr_writer_stage *s, uint8_t *ring, struct ndr_ring_ctrl *ctrl)
{
	uint64_t ts = ndr_get64(s->first, 8);
	if (ndr_rw_notice_due(&s->w, ctrl)) {
		ndr_rw_notice(&s->w, ring, ts);
		return;                 /* the record waits a clock */
	}
	s->first_pending = false;
	int32_t pad = ndr_rw_reserve(&s->w, ctrl, s->rec_left, ts);
	s->rec_drop = pad < 0;
	if (pad > 0) {
		s->pad_len = (uint32_t)pad;
		s->pad_k = 0;
		s->first_held = true;
		return;
	}
	writer_put(s, ring, s->first);
}

void ndr_stage_writer(struct ndr_writer_stage *s, struct ndr_slot_s *in, uint8_t *ring,
		      struct ndr_ring_ctrl *ctrl, bool link_ready)
{
	NDR_STAGE
	bool work = s->first_pending || s->pad_k < s->pad_len || s->first_held ||
		    !ndr_slot_s_empty(in);
	if (!link_ready) {
		if (work)
			s->link_waits++;
		return;
	}
	if (!work) {
		ndr_rw_publish(&s->w, ctrl);   /* idle: the host sees it all */
		return;
	}
	s->busy++;
	if (s->pad_k < s->pad_len) {
		ndr_rw_pad_slot(&s->w, ring, s->pad_k, s->pad_len);
		s->pad_k++;
		return;
	}
	if (s->first_held) {
		s->first_held = false;
		writer_put(s, ring, s->first);
		return;
	}
	if (s->first_pending) {
		writer_first_slot(s, ring, ctrl);
		return;
	}
	struct ndr_slot_item it;
	ndr_slot_s_read(in, &it);
	if (s->rec_left) {
		writer_put(s, ring, it.b);
	} else {
		uint32_t n = it.b[1];
		/* the record stage never makes 0 or more than the maximum */
		s->rec_left = n == 0u || n > NDR_REC_MAX_SLOTS ? 1u : n;
		s->rec_k = 0;
		s->rec_hb = it.b[0] == NDR_REC_HEARTBEAT;
		for (uint32_t i = 0; i < NDR_SLOT_BYTES; i++)
			s->first[i] = it.b[i];
		s->first_pending = true;
		writer_first_slot(s, ring, ctrl);
	}
	/* A busy writer publishes in batches (one doorbell write per 64
	 * slots), but never more than a quarter of the ring at a time: a
	 * small ring must not fill before the host sees any of it. */
	uint32_t batch = (s->w.mask + 1u) >> 2;
	if (batch > 64u)
		batch = 64u;
	if (!s->rec_left && s->w.prod - s->w.published >= (batch ? batch : 1u))
		ndr_rw_publish(&s->w, ctrl);
}
