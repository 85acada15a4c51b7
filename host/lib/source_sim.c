/*
 * source_sim.c - the emulated card as a card source.
 *
 * The capture (file or live interface) feeds the emulated card in this
 * thread (ndr_card_feed.h); the card fills a ring in memory exactly as a real
 * card's DMA would, and the caller drains it through the same ring reader as
 * any card.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_card_feed.h"
#include "ndr_numa.h"
#include "ndr_source.h"

struct sim_source {
	struct ndr_source base;
	struct ndr_card_feed *feed;
	void *ring_mem;
	size_t ring_bytes;
	struct ndr_ring_ctrl *ctrl;
	uint32_t log2_slots;
};

static int sim_pump(struct ndr_source *base, int timeout_ms, char *err, size_t errlen)
{
	struct sim_source *s = (struct sim_source *)base;
	int rc = ndr_card_feed_pump(s->feed, timeout_ms, err, errlen);

	if (rc == NDR_SRC_END)
		return ndr_ring_available(&base->reader) ? NDR_SRC_RECORDS : NDR_SRC_END;
	return rc;
}

static void sim_stop(struct ndr_source *base)
{
	ndr_card_feed_stop(((struct sim_source *)base)->feed);
}

static void sim_get_stats(struct ndr_source *base, struct ndr_source_stats *st)
{
	memset(st, 0, sizeof(*st));
	ndr_card_feed_get_stats(((struct sim_source *)base)->feed, &st->card, &st->capture);
}

static void sim_close(struct ndr_source *base)
{
	struct sim_source *s = (struct sim_source *)base;

	ndr_card_feed_free(s->feed);
	ndr_numa_free(s->ring_mem, s->ring_bytes);
	free(s);
}

static const struct ndr_source_ops sim_ops = {
	.kind = "sim",
	.pump = sim_pump,
	.stop = sim_stop,
	.get_stats = sim_get_stats,
	.close = sim_close,
};

struct ndr_source *ndr_source_sim_open(const char *what, const char *arg,
				       const struct ndr_source_opts *o,
				       char *err, size_t errlen)
{
	struct sim_source *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errlen, "sim: out of memory");
		return NULL;
	}
	s->base.ops = &sim_ops;
	s->base.numa_node = o->numa_node;
	s->base.replay = strcmp(what, "live") != 0;
	s->base.threads = s->base.replay ? 1 : 0;    /* a capture file's reader */
	snprintf(s->base.desc, sizeof(s->base.desc), "sim:%s:%s", what, arg);

	s->log2_slots = o->ring_log2_slots ? o->ring_log2_slots
					   : ndr_source_default_log2_slots(&o->card);
	if (s->log2_slots < NDR_RING_MIN_LOG2 || s->log2_slots > NDR_RING_MAX_LOG2) {
		snprintf(err, errlen, "%s: ring size 2^%u slots is outside 2^%u..2^%u",
			 s->base.desc, s->log2_slots, NDR_RING_MIN_LOG2, NDR_RING_MAX_LOG2);
		goto fail;
	}
	/* The control block shares the allocation, after the slots. */
	s->ring_bytes = ((size_t)NDR_SLOT_BYTES << s->log2_slots) + 4096;
	s->ring_mem = ndr_numa_alloc(s->ring_bytes, o->numa_node);
	if (!s->ring_mem) {
		snprintf(err, errlen, "%s: cannot allocate a ring of %zu bytes", s->base.desc,
			 s->ring_bytes);
		goto fail;
	}
	s->ctrl = (struct ndr_ring_ctrl *)((uint8_t *)s->ring_mem +
					   ((size_t)NDR_SLOT_BYTES << s->log2_slots));
	s->ctrl->log2_slots = s->log2_slots;
	s->ctrl->abi_version = NDR_ABI_VERSION;

	s->feed = ndr_card_feed_open(strcmp(what, "live") == 0, arg, &o->capture, &o->card, s->ring_mem,
				     s->log2_slots, s->ctrl, err, errlen);
	if (!s->feed)
		goto fail;
	s->ctrl->state = NDR_RING_STATE_RUNNING;
	ndr_ring_reader_init(&s->base.reader, s->ring_mem, s->log2_slots, s->ctrl,
			     o->batch_slots);
	return &s->base;
fail:
	sim_close(&s->base);
	return NULL;
}
