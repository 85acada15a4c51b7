/*
 * card_drivers.c - whole-frame, batched, tiny-ring and clocked drivers of
 * the emulated card, and the ring reader they share. Every card runs
 * lossless (a capture file's mode): a full ring makes the card say
 * NDR_CARD_BUSY, the driver drains and presents the same frame again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card_drivers.h"

#define BATCH_MAX  8u    /* frames per ndr_card_frames call */
#define RING_LOG2 14u    /* the default ring: never the bottleneck */

struct ring_run {
	uint8_t *slots;
	struct ndr_ring_ctrl *ctrl;
	uint32_t log2_slots;
	card_record_fn fn;
	void *arg;
	const char *driver;
	unsigned idle_busy;          /* BUSY answers with nothing to drain */
};

/* Reads [cons, prod) as a host would, checking what ndr-sim --compare checks. */
static void drain(void *ctx, uint64_t frame_no, int busy)
{
	struct ring_run *r = ctx;
	uint32_t prod = __atomic_load_n(&r->ctrl->prod, __ATOMIC_ACQUIRE);
	uint32_t cons = r->ctrl->cons, mask = (1u << r->log2_slots) - 1;

	if (cons == prod) {
		/* a frame that wrote nothing is no sign of a stuck card */
		if (busy && ++r->idle_busy > 64) {
			fprintf(stderr, "fuzz_card: %s: the card stays busy with an empty ring\n",
				r->driver);
			abort();
		}
		return;
	}
	r->idle_busy = 0;
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

int card_lost_any(const struct ndr_card_stats *st)
{
	return st->rx_overrun || st->dns_dropped || st->tls_dropped ||
	       st->records_link_dropped || st->records_dropped;
}

void card_run(const struct card_driver *d, const struct ndr_card_cfg *cfg,
	      const struct ndr_frame_ref *frames, unsigned n,
	      card_record_fn fn, void *arg, struct ndr_card_stats *st)
{
	struct ndr_card_cfg c = *cfg;
	struct ring_run r = { .fn = fn, .arg = arg, .driver = d->name };
	struct ndr_card *card;
	char err[256];

	c.lossless = true;
	d->configure(&c);
	r.log2_slots = d->ring_log2 ? d->ring_log2 : RING_LOG2;
	r.slots = calloc((size_t)1 << r.log2_slots, NDR_SLOT_BYTES);
	r.ctrl = calloc(1, sizeof(*r.ctrl));
	if (!r.slots || !r.ctrl) {
		fprintf(stderr, "fuzz_card: out of memory\n");
		abort();
	}
	r.ctrl->log2_slots = r.log2_slots;
	card = ndr_card_new(&c, r.slots, r.log2_slots, r.ctrl, err, sizeof(err));
	if (!card) {
		fprintf(stderr, "fuzz_card: %s: the card refuses its configuration: %s\n",
			d->name, err);
		abort();
	}
	d->feed(card, frames, n, drain, &r);
	while (ndr_card_flush(card) == NDR_CARD_BUSY)
		drain(&r, (uint64_t)n + 1, 1);
	drain(&r, (uint64_t)n + 1, 0);
	ndr_card_get_stats(card, st);
	ndr_card_free(card);
	free(r.slots);
	free(r.ctrl);
}

static void whole_frame_configure(struct ndr_card_cfg *cfg)
{
	cfg->clocked = false;
}

static void clocked_configure(struct ndr_card_cfg *cfg)
{
	cfg->clocked = true;
	cfg->pace_line = false;      /* frames at their capture times */
}

static void clocked_line_configure(struct ndr_card_cfg *cfg)
{
	cfg->clocked = true;
	cfg->pace_line = true;       /* back to back at 100 Gbit/s */
}

/* One ndr_card_frame call per frame, again after each BUSY. */
static void feed_frames(struct ndr_card *card, const struct ndr_frame_ref *f, unsigned n,
			void (*drain_fn)(void *, uint64_t, int), void *ctx)
{
	for (unsigned i = 0; i < n; i++) {
		while (ndr_card_frame(card, f[i].ts_ns, f[i].data, f[i].caplen, f[i].wirelen) ==
		       NDR_CARD_BUSY)
			drain_fn(ctx, i + 1, 1);
		drain_fn(ctx, i + 1, 0);
	}
}

/* ndr_card_frames over batches of 1..BATCH_MAX frames, sizes varying so
 * a batch boundary falls everywhere; a busy card takes fewer. */
static void feed_batches(struct ndr_card *card, const struct ndr_frame_ref *f, unsigned n,
			 void (*drain_fn)(void *, uint64_t, int), void *ctx)
{
	unsigned i = 0, size = 1;

	while (i < n) {
		unsigned want = n - i < size ? n - i : size;
		unsigned took = ndr_card_frames(card, f + i, want);

		i += took;
		drain_fn(ctx, i, took < want);
		size = size % BATCH_MAX + 1;
	}
}

const struct card_driver card_drivers[] = {
	/* the reference: every other driver is held to it */
	{ "whole-frame", whole_frame_configure, feed_frames, 0, 1 },
	{ "batch", whole_frame_configure, feed_batches, 0, 1 },
	/* 64 slots: BUSY at almost every frame, the records must not change */
	{ "tiny-ring", whole_frame_configure, feed_frames, NDR_RING_MIN_LOG2, 0 },
	{ "clocked", clocked_configure, feed_frames, 0, 0 },
	{ "clocked-line-rate", clocked_line_configure, feed_frames, 0, 0 },
};
const unsigned card_driver_count = sizeof(card_drivers) / sizeof(card_drivers[0]);
