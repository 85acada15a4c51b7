/*
 * ndr_card_feed.h - the emulated card (hw/ kernels compiled natively) fed
 * from a capture, writing into a ring someone else owns.
 *
 * The sim source owns its ring in plain memory; the XRT source, in XRT's
 * noop emulation, hands the card the ring and control page it allocated
 * and mapped through XRT, so that the emulated card plays the device's part
 * in the same process. Either way the frames reach the card here.
 *
 * A capture file is not a link at line rate, so reading it must lose
 * nothing: the card runs lossless (ndr_card.h) and says when the ring has
 * no room for its next step; the feed then keeps the frame and returns to
 * let the consumer drain. A live interface has no such luxury: there the
 * ring fills and the card drops and reports, as a card would; while the
 * link is quiet the card is given the wall clock's time, so flows end and
 * heartbeats go on without packets. A file is read ahead on a thread of
 * its own (ndr_readahead.h).
 */
#ifndef NDR_CARD_FEED_H
#define NDR_CARD_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "ndr_card.h"
#include "ndr_capture.h"

struct ndr_card_feed;

/* live: 0 = arg is a capture file, 1 = a live interface; copts: filter and
 * buffer (NULL: none). The ring (2^log2 slots, zeroed) and ctrl must
 * outlive the feed. NULL with err on failure. */
struct ndr_card_feed *ndr_card_feed_open(int live, const char *arg,
					 const struct ndr_capture_opts *copts,
					 const struct ndr_card_cfg *cfg, void *ring,
					 uint32_t log2_slots, struct ndr_ring_ctrl *ctrl,
					 char *err, size_t errlen);

/* Present frames until the ring may hold records, the input pauses or ends.
 * Returns the NDR_SRC_* codes of ndr_source.h; NDR_SRC_END once the input
 * ended and the card was flushed (the ring may still hold records). */
int ndr_card_feed_pump(struct ndr_card_feed *f, int timeout_ms, char *err, size_t errlen);

/* Safe from a signal handler: the next pump ends the input. */
void ndr_card_feed_stop(struct ndr_card_feed *f);

int ndr_card_feed_done(const struct ndr_card_feed *f);

void ndr_card_feed_get_stats(struct ndr_card_feed *f, struct ndr_card_stats *card,
			     struct ndr_capture_stats *capture);

void ndr_card_feed_free(struct ndr_card_feed *f);

#endif
