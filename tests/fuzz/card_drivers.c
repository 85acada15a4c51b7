/*
 * card_drivers.c - whole-frame, batched and per-beat drivers of the
 * emulated card, and the ring reader they share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card_drivers.h"

#define BATCH_MAX 8u   /* frames per ndr_card_frames call */

struct ring_run {
	uint8_t *slots;
	struct ndr_ring_ctrl *ctrl;
	uint32_t log2_slots;
	card_record_fn fn;
	void *arg;
	const char *driver;
};

uint32_t card_ring_log2(const struct ndr_card_cfg *cfg)
{
	uint64_t need = ((uint64_t)4 << cfg->log2_buckets) * 3 +
			(uint64_t)(BATCH_MAX + 8) * NDR_CARD_WORST_SLOTS_PER_FRAME;
	uint32_t l = NDR_RING_MIN_LOG2;

	while (((uint64_t)1 << l) < need && l < NDR_RING_MAX_LOG2)
		l++;
	return l;
}

/* Reads [cons, prod) as a host would, checking what ndr-sim --compare checks. */
static void drain(void *ctx, uint64_t frame_no)
{
	struct ring_run *r = ctx;
	uint32_t prod = __atomic_load_n(&r->ctrl->prod, __ATOMIC_ACQUIRE);
	uint32_t cons = r->ctrl->cons, mask = (1u << r->log2_slots) - 1;

	while (cons != prod) {
		const struct ndr_rec_hdr *rec =
			(const void *)(r->slots + (size_t)(cons & mask) * NDR_SLOT_BYTES);

		if (rec->slots == 0 || rec->slots > NDR_REC_MAX_SLOTS ||
		    (cons & mask) + rec->slots > mask + 1) {
			fprintf(stderr, "fuzz_card: %s: record at slot %u has %u slots\n",
				r->driver, cons, rec->slots);
			abort();
		}
		if ((uint32_t)(rec->flags & NDR_REC_F_PHASE) != ndr_ring_phase(cons, r->log2_slots)) {
			fprintf(stderr, "fuzz_card: %s: record at slot %u has the wrong phase\n",
				r->driver, cons);
			abort();
		}
		if (rec->type != NDR_REC_PAD)
			r->fn(r->arg, rec, frame_no);
		cons += rec->slots;
	}
	__atomic_store_n(&r->ctrl->cons, cons, __ATOMIC_RELEASE);
}

void card_run(const struct card_driver *d, const struct ndr_card_cfg *cfg,
	      const struct ndr_frame_ref *frames, unsigned n,
	      card_record_fn fn, void *arg, struct ndr_card_stats *st)
{
	struct ndr_card_cfg c = *cfg;
	struct ring_run r = { .fn = fn, .arg = arg, .driver = d->name };
	struct ndr_card *card;
	char err[256];

	d->configure(&c);
	r.log2_slots = card_ring_log2(&c);
	r.slots = calloc((size_t)1 << r.log2_slots, NDR_SLOT_BYTES);
	r.ctrl = calloc(1, sizeof(*r.ctrl));
	if (!r.slots || !r.ctrl) {
		fprintf(stderr, "fuzz_card: out of memory\n");
		abort();
	}
	r.ctrl->log2_slots = r.log2_slots;
	card = ndr_card_new(&c, r.slots, r.log2_slots, r.ctrl, err, sizeof(err));
	if (!card) {
		fprintf(stderr, "fuzz_card: %s: the card refuses a configuration it accepted "
			"without this driver: %s\n", d->name, err);
		abort();
	}
	d->feed(card, frames, n, drain, &r);
	ndr_card_flush(card);
	drain(&r, (uint64_t)n + 1);
	ndr_card_get_stats(card, st);
	ndr_card_free(card);
	free(r.slots);
	free(r.ctrl);
}

static void whole_frame_configure(struct ndr_card_cfg *cfg)
{
	cfg->per_beat = false;
}

static void per_beat_configure(struct ndr_card_cfg *cfg)
{
	cfg->per_beat = true;
}

/* One ndr_card_frame call per frame (ndr_top_frame, or ndr_top_beat per
 * beat when the configuration says per_beat). */
static void feed_frames(struct ndr_card *card, const struct ndr_frame_ref *f, unsigned n,
			void (*drain_fn)(void *, uint64_t), void *ctx)
{
	for (unsigned i = 0; i < n; i++) {
		ndr_card_frame(card, f[i].ts_ns, f[i].data, f[i].caplen, f[i].wirelen);
		drain_fn(ctx, i + 1);
	}
}

/* ndr_card_frames over batches of 1..BATCH_MAX frames, sizes varying so
 * a batch boundary falls everywhere. */
static void feed_batches(struct ndr_card *card, const struct ndr_frame_ref *f, unsigned n,
			 void (*drain_fn)(void *, uint64_t), void *ctx)
{
	unsigned i = 0, size = 1;

	while (i < n) {
		unsigned take = n - i < size ? n - i : size;

		ndr_card_frames(card, f + i, take);
		i += take;
		drain_fn(ctx, i);
		size = size % BATCH_MAX + 1;
	}
}

const struct card_driver card_drivers[] = {
	{ "whole-frame", whole_frame_configure, feed_frames },
	{ "batch", whole_frame_configure, feed_batches },
	{ "per-beat", per_beat_configure, feed_frames },
};
const unsigned card_driver_count = sizeof(card_drivers) / sizeof(card_drivers[0]);
