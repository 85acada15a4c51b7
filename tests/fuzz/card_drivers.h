/*
 * card_drivers.h - the ways a harness can drive the emulated card.
 *
 * Each driver runs a list of frames through a fresh card, through one entry
 * of the public API (sim/include/ndr_card.h), and hands every record the
 * card wrote to a callback in ring order. The card harness runs every
 * driver on the same frames and holds each to the golden model and to the
 * others. A new way of driving the card (a clocked simulation) is one more
 * entry in card_drivers[].
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
	/* Feeds frames [0, n) to card; calls drain(n) whenever it lets the
	 * ring be read (drain hands out the records). */
	void (*feed)(struct ndr_card *card, const struct ndr_frame_ref *frames, unsigned n,
		     void (*drain)(void *ctx, uint64_t frame_no), void *ctx);
};

extern const struct card_driver card_drivers[];
extern const unsigned card_driver_count;

/* Runs frames through a card driven by d. Every record (pads excluded) goes
 * to fn; the card's counters end in *st. Aborts with a message on a card
 * that breaks the ring discipline (bad length or phase) or will not start
 * with a configuration the caller checked with ndr_card_new. */
void card_run(const struct card_driver *d, const struct ndr_card_cfg *cfg,
	      const struct ndr_frame_ref *frames, unsigned n,
	      card_record_fn fn, void *arg, struct ndr_card_stats *st);

/* The ring size card_run uses: room for the whole flow table at flush plus
 * a batch of frames' worst case, so no record is ever dropped. */
uint32_t card_ring_log2(const struct ndr_card_cfg *cfg);

#endif
