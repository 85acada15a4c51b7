/*
 * test_hw_util.h - a ring and a consumer for the hw/ kernel tests: the
 * emulated card writes into it, the test reads records back as the host
 * would (checking phase bits and seq on the way).
 */
#ifndef NDR_TEST_HW_UTIL_H
#define NDR_TEST_HW_UTIL_H

#include <stdlib.h>
#include <string.h>

#include "ndr_card.h"
#include "pktgen.h"

struct tring {
	uint8_t *slots;
	struct ndr_ring_ctrl ctrl;
	uint32_t log2;
	uint32_t bad_phase;          /* records whose phase bit was wrong */
	int64_t last_seq;            /* -1 before the first record */
	uint64_t seq_gaps;           /* records missing between seqs */
};

static inline void tr_init(struct tring *r, uint32_t log2)
{
	r->log2 = log2;
	r->slots = aligned_alloc(64, (size_t)NDR_SLOT_BYTES << log2);
	memset(r->slots, 0, (size_t)NDR_SLOT_BYTES << log2);
	memset(&r->ctrl, 0, sizeof(r->ctrl));
	r->bad_phase = 0;
	r->last_seq = -1;
	r->seq_gaps = 0;
}

static inline void tr_free(struct tring *r)
{
	free(r->slots);
}

/* Next record (PADs included when want_pad) copied to out (512 bytes);
 * returns its type, or 0 when [cons, prod) is empty. */
static inline int tr_next_any(struct tring *r, uint8_t *out, int want_pad)
{
	for (;;) {
		uint32_t prod = __atomic_load_n(&r->ctrl.prod, __ATOMIC_ACQUIRE);
		uint32_t cons = r->ctrl.cons;
		if (cons == prod)
			return 0;
		uint32_t mask = (1u << r->log2) - 1u;
		const uint8_t *s = r->slots + (size_t)(cons & mask) * NDR_SLOT_BYTES;
		const struct ndr_rec_hdr *h = (const struct ndr_rec_hdr *)s;
		uint32_t n = h->slots ? h->slots : 1;
		if (((h->flags & NDR_REC_F_PHASE) ? 1u : 0u) != ndr_ring_phase(cons, r->log2))
			r->bad_phase++;
		memcpy(out, s, (size_t)n * NDR_SLOT_BYTES);
		__atomic_store_n(&r->ctrl.cons, cons + n, __ATOMIC_RELEASE);
		if (h->type != NDR_REC_PAD) {
			if (r->last_seq >= 0 && h->seq != (uint32_t)r->last_seq + 1u)
				r->seq_gaps += h->seq - (uint32_t)r->last_seq - 1u;
			r->last_seq = h->seq;
		}
		if (h->type == NDR_REC_PAD && !want_pad)
			continue;
		return h->type;
	}
}

static inline int tr_next(struct tring *r, uint8_t *out)
{
	return tr_next_any(r, out, 0);
}

/* Next record of one type, skipping others; 0 when none is left. */
static inline int tr_next_type(struct tring *r, uint8_t *out, int type)
{
	int t;
	while ((t = tr_next(r, out)) != 0) {
		if (t == type)
			return t;
	}
	return 0;
}

static inline struct ndr_card *tcard_new(struct tring *r, uint32_t log2_slots,
					 const struct ndr_card_cfg *cfg)
{
	char err[256];
	tr_init(r, log2_slots);
	struct ndr_card *c = ndr_card_new(cfg, r->slots, log2_slots, &r->ctrl, err, sizeof(err));
	return c;
}

static inline void tcard_send(struct ndr_card *c, uint64_t ts, const struct pg *p)
{
	ndr_card_frame(c, ts, p->b, p->len, p->len);
}

#define SEC 1000000000ull
#define MSEC 1000000ull

#endif
