/*
 * ndr_golden.h - the golden reference model: computes FLOW and DNS records
 * from whole packets with straightforward C, written independently of hw/.
 * docs/dataplane.md is the specification both follow.
 */
#ifndef NDR_GOLDEN_H
#define NDR_GOLDEN_H

#include <stdint.h>

#include "ndr_card.h"

/* Called for every record, in order; rec points to slots*64 bytes, with
 * hdr.seq = 0 and no phase bit. */
typedef void (*ndr_golden_emit_fn)(void *arg, const struct ndr_rec_hdr *rec);

struct ndr_golden;

struct ndr_golden *ndr_golden_new(const struct ndr_card_cfg *cfg,
				  ndr_golden_emit_fn emit, void *arg);
void ndr_golden_frame(struct ndr_golden *g, uint64_t ts_ns, const uint8_t *frame,
		      uint32_t caplen, uint32_t wirelen);
/* Card time moves to t without a frame, as a quiet link's ticks move it:
 * the scanner visits due up to t are made (docs/dataplane.md "Card time").
 * For a card whose time went on after its last frame (a live card, the
 * Vitis testbench waiting before its flush); a flush then cuts at t. */
void ndr_golden_time(struct ndr_golden *g, uint64_t t);
void ndr_golden_flush(struct ndr_golden *g);
/* Write every FLOW and DNS record in its full form, never the compact one
 * (to check libndr's expansion of the card's compact records). */
void ndr_golden_full_records(struct ndr_golden *g);
void ndr_golden_free(struct ndr_golden *g);

#endif
