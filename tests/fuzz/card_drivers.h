/*
 * card_drivers.h - the ways a harness can drive the emulated card.
 *
 * Each driver runs a list of frames through a fresh card, through one entry
 * of the public API (sim/include/ndr_card.h), and hands every record the
 * card wrote to a callback in ring order. The card harness runs every
 * driver on the same frames and holds each to the golden model and to the
 * others. Another way of driving the card is one more entry in
 * card_drivers[].
 */
#ifndef NDR_FUZZ_CARD_DRIVERS_H
#define NDR_FUZZ_CARD_DRIVERS_H

#include <stdint.h>

#include "ndr_card.h"

/* frame_no: 1-based number of the frame being handled when the record came
 * out, or n + 1 for records of the final flush. */
typedef void (*card_record_fn)(void *arg, const struct ndr_rec_hdr *rec, uint64_t frame_no);

struct card_driver {
	const char *name;
	/* Sets what this driver needs in a copy of the configuration. */
	void (*configure)(struct ndr_card_cfg *cfg);
	/* Feeds frames [0, n) to card; calls drain(ctx, frame_no, busy)
	 * whenever it lets the ring be read, busy = 1 when the card said
	 * NDR_CARD_BUSY (only those count towards "busy with an empty ring"). */
	void (*feed)(struct ndr_card *card, const struct ndr_frame_ref *frames, unsigned n,
		     void (*drain)(void *ctx, uint64_t frame_no, int busy), void *ctx);
	/* log2 of the ring's slots; 0: one large enough never to be full */
	uint32_t ring_log2;
	/* 1: its ring must be the reference driver's byte for byte (heartbeats,
	 * notices and counters too); 0: the same FLOW, DNS and TLS records and
	 * the counters both cut at the same point, when it lost nothing */
	int exact;
};

extern const struct card_driver card_drivers[];
extern const unsigned card_driver_count;

/* Runs frames through a card driven by d. Every record (pads excluded) goes
 * to fn; the card's counters end in *st. Aborts with a message on a card
 * that breaks the ring discipline (bad length or phase), stays busy with
 * an empty ring, or will not start with a configuration the caller built. */
void card_run(const struct card_driver *d, const struct ndr_card_cfg *cfg,
	      const struct ndr_frame_ref *frames, unsigned n,
	      card_record_fn fn, void *arg, struct ndr_card_stats *st);

/* The card counted a loss (clocked: FIFOs, walk engines, the host link). */
int card_lost_any(const struct ndr_card_stats *st);

#endif
