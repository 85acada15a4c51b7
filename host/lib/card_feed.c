/*
 * card_feed.c - the emulated card fed from a capture (see ndr_card_feed.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ndr_card_feed.h"
#include "ndr_readahead.h"
#include "ndr_source.h"

#define FEED_FRAMES_PER_PUMP 2048u

struct ndr_card_feed {
	struct ndr_capture *cap;        /* live; a file's is owned by ra */
	struct ndr_readahead *ra;       /* file */
	struct ndr_card *card;
	int live;
	int flushing;                   /* capture ended; the flush under way */
	int input_done;                 /* capture ended; card flushed */
	int have_pending;               /* a frame the card had no room for yet */
	struct ndr_frame pending;
	volatile int stop_requested;
	uint8_t pending_data[NDR_MAX_FRAME];
};

static uint64_t wall_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* The end of the input: the flush, which a lossless card may need to take
 * in several pumps. */
static int finish(struct ndr_card_feed *f)
{
	f->flushing = 1;
	if (ndr_card_flush(f->card) == NDR_CARD_BUSY)
		return NDR_SRC_RECORDS;
	f->input_done = 1;
	return NDR_SRC_RECORDS;
}

static int next_frame(struct ndr_card_feed *f, struct ndr_frame *fr, int timeout_ms, char *err,
		      size_t errlen)
{
	if (f->ra)
		return ndr_readahead_next(f->ra, fr, err, errlen);
	return ndr_capture_next(f->cap, fr, timeout_ms, err, errlen);
}

int ndr_card_feed_pump(struct ndr_card_feed *f, int timeout_ms, char *err, size_t errlen)
{
	struct ndr_frame fr;
	unsigned n;
	int rc = 1;

	if (f->input_done)
		return NDR_SRC_END;
	if (f->flushing)
		return finish(f);
	for (n = 0; n < FEED_FRAMES_PER_PUMP; n++) {
		if (f->stop_requested) {
			rc = 0;
			break;
		}
		if (f->have_pending) {
			fr = f->pending;
		} else {
			rc = next_frame(f, &fr, n ? 0 : timeout_ms, err, errlen);
			if (rc != 1)
				break;
		}
		if (ndr_card_frame(f->card, fr.ts_ns, fr.data, fr.caplen, fr.wirelen) ==
		    NDR_CARD_BUSY) {
			/* keep it: the reader's buffer moves on at the next read */
			if (!f->have_pending) {
				memcpy(f->pending_data, fr.data, fr.caplen);
				f->pending = fr;
				f->pending.data = f->pending_data;
				f->have_pending = 1;
			}
			return NDR_SRC_RECORDS;
		}
		f->have_pending = 0;
	}
	/* Frames read before an end, a timeout or an error still count. */
	if (rc == 1)
		return NDR_SRC_RECORDS;
	if (rc == 2) {
		/* a quiet link: card time goes on with the wall clock */
		if (f->live)
			ndr_card_tick(f->card, wall_ns());
		return n ? NDR_SRC_RECORDS : NDR_SRC_IDLE;
	}
	if (rc < 0)
		return NDR_SRC_ERROR;
	return finish(f);
}

void ndr_card_feed_stop(struct ndr_card_feed *f)
{
	f->stop_requested = 1;
	if (f->live)
		ndr_capture_break(f->cap);
}

int ndr_card_feed_done(const struct ndr_card_feed *f)
{
	return f->input_done;
}

void ndr_card_feed_get_stats(struct ndr_card_feed *f, struct ndr_card_stats *card,
			     struct ndr_capture_stats *capture)
{
	ndr_card_get_stats(f->card, card);
	if (f->ra)
		ndr_readahead_get_stats(f->ra, capture);
	else
		ndr_capture_get_stats(f->cap, capture);
}

void ndr_card_feed_free(struct ndr_card_feed *f)
{
	if (!f)
		return;
	if (f->card)
		ndr_card_free(f->card);
	ndr_readahead_free(f->ra);
	if (f->cap)
		ndr_capture_close(f->cap);
	free(f);
}

struct ndr_card_feed *ndr_card_feed_open(int live, const char *arg,
					 const struct ndr_capture_opts *copts,
					 const struct ndr_card_cfg *cfg, void *ring,
					 uint32_t log2_slots, struct ndr_ring_ctrl *ctrl,
					 char *err, size_t errlen)
{
	struct ndr_card_feed *f = calloc(1, sizeof(*f));
	char why[512] = "";

	if (!f) {
		snprintf(err, errlen, "%s: out of memory", arg);
		return NULL;
	}
	f->live = live;
	f->cap = live ? ndr_capture_open_live_opts(arg, copts, why, sizeof(why))
		      : ndr_capture_open_file_opts(arg, copts, why, sizeof(why));
	if (!f->cap) {
		snprintf(err, errlen, "%s", why);
		goto fail;
	}
	struct ndr_card_cfg ccfg = *cfg;
	ccfg.lossless = !live;     /* a file must lose nothing */
	f->card = ndr_card_new(&ccfg, ring, log2_slots, ctrl, why, sizeof(why));
	if (!f->card) {
		snprintf(err, errlen, "%s: emulated card: %s", arg, why);
		goto fail;
	}
	/* Last, so that a failure before it leaves no thread to stop. */
	if (!live) {
		f->ra = ndr_readahead_start(f->cap, 0, why, sizeof(why));
		if (!f->ra) {
			snprintf(err, errlen, "%s: %s", arg, why);
			goto fail;
		}
		f->cap = NULL;
	}
	return f;
fail:
	ndr_card_feed_free(f);
	return NULL;
}
