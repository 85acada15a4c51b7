/*
 * source_sim.c - the emulated card as a card source.
 *
 * The capture (file or live interface) feeds the emulated card in this
 * thread; the card fills a ring in memory exactly as a real card's DMA would,
 * and the caller drains it through the same ring reader as any card. A
 * capture file is read ahead on a thread of its own (ndr_readahead.h), so
 * with a second core the card does not wait for libpcap.
 *
 * A capture file is not a link at line rate, so reading it must lose nothing:
 * the card runs lossless (ndr_card.h) and says when the ring has no room
 * for its next step; the source then keeps the frame and returns to let the
 * consumer drain. A live interface has no such luxury: there the ring fills
 * and the card drops and reports, as a card would; while the link is quiet
 * the card is given the wall clock's time, so flows end and heartbeats go
 * on without packets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ndr_numa.h"
#include "ndr_readahead.h"
#include "ndr_source.h"

#define SIM_FRAMES_PER_PUMP 2048u

struct sim_source {
	struct ndr_source base;
	struct ndr_capture *cap;        /* live; a file's is owned by ra */
	struct ndr_readahead *ra;       /* file */
	struct ndr_card *card;
	void *ring_mem;
	size_t ring_bytes;
	struct ndr_ring_ctrl *ctrl;
	uint32_t log2_slots;
	int live;
	int flushing;              /* capture ended; the flush is under way */
	int input_done;            /* capture ended; card flushed */
	int have_pending;          /* a frame the card had no room for yet */
	struct ndr_frame pending;
	uint8_t pending_data[NDR_MAX_FRAME];
	volatile int stop_requested;
};

static int next_frame(struct sim_source *s, struct ndr_frame *f, int timeout_ms, char *err,
		      size_t errlen)
{
	if (s->ra)
		return ndr_readahead_next(s->ra, f, err, errlen);
	return ndr_capture_next(s->cap, f, timeout_ms, err, errlen);
}

static uint64_t wall_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* The end of the capture: the flush, which a lossless card may need to
 * take in several pumps. */
static int sim_finish(struct sim_source *s)
{
	s->flushing = 1;
	if (ndr_card_flush(s->card) == NDR_CARD_BUSY)
		return NDR_SRC_RECORDS;
	s->input_done = 1;
	return NDR_SRC_RECORDS;
}

static int sim_pump(struct ndr_source *base, int timeout_ms, char *err, size_t errlen)
{
	struct sim_source *s = (struct sim_source *)base;
	struct ndr_frame f;
	unsigned n;
	int rc = 1;

	if (s->input_done)
		return ndr_ring_available(&base->reader) ? NDR_SRC_RECORDS : NDR_SRC_END;
	if (s->flushing)
		return sim_finish(s);

	for (n = 0; n < SIM_FRAMES_PER_PUMP; n++) {
		if (s->stop_requested) {
			rc = 0;
			break;
		}
		if (s->have_pending) {
			f = s->pending;
		} else {
			rc = next_frame(s, &f, n ? 0 : timeout_ms, err, errlen);
			if (rc != 1)
				break;
		}
		if (ndr_card_frame(s->card, f.ts_ns, f.data, f.caplen, f.wirelen) == NDR_CARD_BUSY) {
			/* keep it: the reader's buffer moves on at the next read */
			if (!s->have_pending) {
				memcpy(s->pending_data, f.data, f.caplen);
				s->pending = f;
				s->pending.data = s->pending_data;
				s->have_pending = 1;
			}
			return NDR_SRC_RECORDS;
		}
		s->have_pending = 0;
	}
	/* Frames read before an end, a timeout or an error still count. */
	if (rc == 1)
		return NDR_SRC_RECORDS;
	if (rc == 2) {
		if (s->live)
			ndr_card_tick(s->card, wall_ns());
		return n ? NDR_SRC_RECORDS : NDR_SRC_IDLE;
	}
	if (rc < 0)
		return NDR_SRC_ERROR;
	return sim_finish(s);
}

static void sim_stop(struct ndr_source *base)
{
	struct sim_source *s = (struct sim_source *)base;

	s->stop_requested = 1;
	if (s->live)
		ndr_capture_break(s->cap);
}

static void sim_get_stats(struct ndr_source *base, struct ndr_source_stats *st)
{
	struct sim_source *s = (struct sim_source *)base;

	ndr_card_get_stats(s->card, &st->card);
	if (s->ra)
		ndr_readahead_get_stats(s->ra, &st->capture);
	else
		ndr_capture_get_stats(s->cap, &st->capture);
}

static void sim_close(struct ndr_source *base)
{
	struct sim_source *s = (struct sim_source *)base;

	if (s->card)
		ndr_card_free(s->card);
	ndr_readahead_free(s->ra);
	if (s->cap)
		ndr_capture_close(s->cap);
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

/* A ring as large as the table: room for a burst of expiries. */
static uint32_t default_log2_slots(const struct ndr_card_cfg *cfg)
{
	uint32_t l = cfg->log2_buckets + 4u;

	if (l < 20u)
		l = 20u;
	return l > NDR_RING_MAX_LOG2 ? NDR_RING_MAX_LOG2 : l;
}

struct ndr_source *ndr_source_sim_open(const char *what, const char *arg,
				       const struct ndr_source_opts *o,
				       char *err, size_t errlen)
{
	struct sim_source *s = calloc(1, sizeof(*s));
	char why[256] = "";

	if (!s) {
		snprintf(err, errlen, "sim: out of memory");
		return NULL;
	}
	s->base.ops = &sim_ops;
	s->base.numa_node = o->numa_node;
	s->live = strcmp(what, "live") == 0;
	snprintf(s->base.desc, sizeof(s->base.desc), "sim:%s:%s", what, arg);

	s->log2_slots = o->ring_log2_slots ? o->ring_log2_slots : default_log2_slots(&o->card);
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

	s->cap = s->live ? ndr_capture_open_live(arg, why, sizeof(why))
			 : ndr_capture_open_file(arg, why, sizeof(why));
	if (!s->cap) {
		snprintf(err, errlen, "%s", why);
		goto fail;
	}
	struct ndr_card_cfg ccfg = o->card;
	ccfg.lossless = !s->live;
	s->card = ndr_card_new(&ccfg, s->ring_mem, s->log2_slots, s->ctrl, why, sizeof(why));
	if (!s->card) {
		snprintf(err, errlen, "%s: emulated card: %s", s->base.desc, why);
		goto fail;
	}
	/* Last, so that a failure before it leaves no thread to stop. */
	if (!s->live) {
		s->ra = ndr_readahead_start(s->cap, 0, why, sizeof(why));
		if (!s->ra) {
			snprintf(err, errlen, "%s: %s", s->base.desc, why);
			goto fail;
		}
		s->cap = NULL;
	}
	s->ctrl->state = NDR_RING_STATE_RUNNING;
	ndr_ring_reader_init(&s->base.reader, s->ring_mem, s->log2_slots, s->ctrl,
			     o->batch_slots);
	return &s->base;
fail:
	sim_close(&s->base);
	return NULL;
}
