/*
 * record_writer.c - writes records into the ring in host memory
 * (ndr_abi.h "Slots and the ring").
 *
 * The writer owns prod; the host owns cons. Room is size - (prod - cons);
 * cons is re-read (acquire) only when the room last seen is too small, as the
 * hardware would poll it. Slots are written before prod is written back
 * (release), so [cons, prod) always holds complete records.
 *
 * Spec choices (not compared against the golden model, but stated):
 * - seq: every record the card produces takes the next seq, including a
 *   record dropped because the ring was full, so the host sees a drop as a
 *   gap in seq and the following drop notice says how large it was. PADs do
 *   not take one: a PAD carries the seq the next record will get. A drop
 *   notice takes one when it is written (a notice that finds no room is not
 *   a lost record; it stays pending).
 * - A PAD fills the ring to its end (at most NDR_REC_MAX_SLOTS - 1 slots,
 *   all written, zeros after its header) and is only written together with
 *   the record that needed it: if the two do not fit, the record is dropped
 *   and nothing is written.
 * - The drop notice is written before the next record whenever one slot is
 *   free; its ts_ns is the time of the record that follows it (or the time
 *   given to ndr_rw_notice), first/last_lost_ts are the ts_ns of the first
 *   and last records lost.
 */
#include "ndr_hw.h"

static uint64_t rd64le(const uint8_t *p)
{
	uint64_t v = 0;
	for (uint32_t i = 0; i < 8u; i++)
		v |= (uint64_t)p[i] << (8u * i);
	return v;
}

void ndr_rw_init(struct ndr_rw *w, uint8_t *slots, struct ndr_ring_ctrl *ctrl,
		 uint32_t log2_slots)
{
	w->slots = slots;
	w->ctrl = ctrl;
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

static uint32_t ring_room(const struct ndr_rw *w)
{
	uint32_t size = w->mask + 1u;
	uint32_t used = w->prod - w->cons;
	/* A cons ahead of prod or more than a ring behind is a host bug; the
	 * card then writes nothing rather than overwrite unread records. */
	return used > size ? 0u : size - used;
}

static bool have_room(struct ndr_rw *w, uint32_t need)
{
	if (ring_room(w) >= need)
		return true;
	w->cons = NDR_HW_LOAD_ACQUIRE(&w->ctrl->cons);
	return ring_room(w) >= need;
}

static uint8_t *slot_ptr(const struct ndr_rw *w, uint32_t index)
{
	return w->slots + (index & w->mask) * NDR_SLOT_BYTES;
}

/* Type, slots, version, flags with the phase bit, seq, ts: the header as it
 * goes into the first slot. */
static void put_hdr(uint8_t *dst, uint8_t type, uint8_t slots, uint8_t flags,
		    uint32_t seq, uint64_t ts)
{
	dst[0] = type;
	dst[1] = slots;
	dst[2] = (uint8_t)NDR_ABI_VERSION;
	dst[3] = flags;
	for (uint32_t i = 0; i < 4u; i++)
		dst[4u + i] = (uint8_t)(seq >> (8u * i));
	for (uint32_t i = 0; i < 8u; i++)
		dst[8u + i] = (uint8_t)(ts >> (8u * i));
}

static void write_pad(struct ndr_rw *w, uint32_t nslots, uint32_t seq, uint64_t ts)
{
	uint8_t *dst = slot_ptr(w, w->prod);
	uint32_t total = nslots * NDR_SLOT_BYTES;
	const uint32_t hdr = sizeof(struct ndr_rec_hdr);
	ndr_hw_zero(dst + hdr, total - hdr);
	uint8_t phase = (uint8_t)(ndr_ring_phase(w->prod, w->log2_slots) ? NDR_REC_F_PHASE : 0u);
	put_hdr(dst, NDR_REC_PAD, (uint8_t)nslots, phase, seq, ts);
	w->prod += nslots;
	w->slots_written += nslots;
	w->by_type[NDR_REC_PAD]++;
}

/* Pad if needed, then the record; false (nothing written) without room. */
static bool put_record(struct ndr_rw *w, const uint8_t *head, uint32_t head_len,
		       const uint8_t *tail, uint32_t tail_len, uint32_t seq)
{
	uint8_t type = head[0];
	uint32_t nslots = head[1];
	uint64_t ts = rd64le(head + 8);
	if (nslots == 0u || nslots > NDR_REC_MAX_SLOTS)
		nslots = NDR_REC_MAX_SLOTS;
	uint32_t total = nslots * NDR_SLOT_BYTES;
	if (head_len > total)
		head_len = total;
	if (tail_len > total - head_len)
		tail_len = total - head_len;

	uint32_t to_end = w->mask + 1u - (w->prod & w->mask);
	uint32_t pad = nslots > to_end ? to_end : 0u;
	if (!have_room(w, pad + nslots))
		return false;
	if (pad)
		write_pad(w, pad, seq, ts);

	uint8_t *dst = slot_ptr(w, w->prod);
	ndr_hw_copy(dst, head, head_len);
	if (tail_len)
		ndr_hw_copy(dst + head_len, tail, tail_len);
	ndr_hw_zero(dst + head_len + tail_len, total - head_len - tail_len);
	uint8_t flags = (uint8_t)(head[3] & ~NDR_REC_F_PHASE);
	if (ndr_ring_phase(w->prod, w->log2_slots))
		flags |= NDR_REC_F_PHASE;
	put_hdr(dst, type, (uint8_t)nslots, flags, seq, ts);

	w->prod += nslots;
	w->slots_written += nslots;
	w->records_written++;
	if (type < NDR_REC_TYPE_MAX)
		w->by_type[type]++;
	return true;
}

void ndr_rw_notice(struct ndr_rw *w, uint64_t now_ns)
{
	if (w->lost == 0u)
		return;
	struct ndr_drop_rec r = {0};
	r.hdr.type = NDR_REC_DROP;
	r.hdr.slots = 1;
	r.hdr.version = NDR_ABI_VERSION;
	r.hdr.ts_ns = now_ns;
	r.reason = NDR_DROP_RING_FULL;
	r.lost = w->lost;
	r.lost_total = w->lost_total;
	r.first_lost_ts_ns = w->first_lost_ts;
	r.last_lost_ts_ns = w->last_lost_ts;
	if (put_record(w, (const uint8_t *)&r, sizeof(r), 0, 0, w->seq)) {
		w->seq++;
		w->lost = 0;
	}
}

bool ndr_rw_write(struct ndr_rw *w, const uint8_t *head, uint32_t head_len,
		  const uint8_t *tail, uint32_t tail_len)
{
	uint64_t ts = rd64le(head + 8);
	if (w->lost)
		ndr_rw_notice(w, ts);
	uint32_t seq = w->seq++;
	if (put_record(w, head, head_len, tail, tail_len, seq))
		return true;
	if (w->lost == 0u)
		w->first_lost_ts = ts;
	w->last_lost_ts = ts;
	w->lost++;
	w->lost_total++;
	w->records_dropped++;
	return false;
}

void ndr_rw_publish(struct ndr_rw *w)
{
	if (w->prod == w->published)
		return;
	NDR_HW_STORE_RELEASE(&w->ctrl->prod, w->prod);
	w->published = w->prod;
}
