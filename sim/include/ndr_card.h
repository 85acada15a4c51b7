/*
 * ndr_card.h - the emulated card: the hw/ kernels compiled natively, fed one
 * Ethernet frame at a time (split into 64-byte beats as the CMAC would), writing
 * records into a ring in host memory exactly as the card's DMA would.
 *
 * The caller owns the ring memory (2^log2_slots slots of 64 bytes, zeroed) and
 * the struct ndr_ring_ctrl; the card writes slots and ctrl->prod, and reads
 * ctrl->cons to know how much room there is. Single-threaded per card: a
 * consumer in another thread must read prod with acquire and write cons with
 * release ordering (the card does the matching release/acquire).
 */
#ifndef NDR_CARD_H
#define NDR_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ndr_abi.h"

struct ndr_card_cfg {
	uint32_t log2_buckets;       /* flow table buckets (4 ways each) */
	uint32_t hash_seed;
	uint32_t idle_timeout_ms;
	uint32_t active_timeout_ms;
	uint32_t close_timeout_ms;
	uint32_t heartbeat_ms;       /* 0 = no heartbeat records */
	/* Feed every beat through ndr_top_beat as a struct ndr_beat, as the
	 * HLS shim does, instead of ndr_top_frame's whole-frame path (the
	 * default, several times faster). The records, counters and cycle
	 * accounting are the same either way (tests/unit/test_card_batch.c);
	 * this is the path to run when a kernel's beat handling changes. */
	bool     per_beat;
};

/* Defaults documented in docs/dataplane.md. */
void ndr_card_cfg_defaults(struct ndr_card_cfg *cfg);

/* Counters of the card; also sent in-band in heartbeat records. */
struct ndr_card_stats {
	uint64_t frames;             /* frames presented */
	uint64_t beats;              /* 64-byte beats presented */
	uint64_t bytes;              /* wire bytes */
	uint64_t parse_errors;
	uint64_t non_ip;
	uint64_t dns_messages;
	uint64_t dns_errors;
	uint64_t flows_active;
	uint64_t flows_created;
	uint64_t flows_evicted;
	uint64_t records_written;    /* by type below, pads excluded */
	uint64_t records_by_type[NDR_REC_TYPE_MAX];
	uint64_t records_dropped;    /* ring full */
	uint64_t slots_written;      /* including pads */
};

struct ndr_card;

/* Returns NULL and fills err (with the reason) on bad configuration or no memory. */
struct ndr_card *ndr_card_new(const struct ndr_card_cfg *cfg, void *ring_slots,
			      uint32_t log2_slots, struct ndr_ring_ctrl *ctrl,
			      char *err, size_t errlen);

/* Present one Ethernet frame. caplen bytes are present at frame; wirelen is
 * the length on the wire (>= caplen). Frames longer than NDR_MAX_FRAME are
 * cut to it. Never fails: bad packets are counted. */
void ndr_card_frame(struct ndr_card *card, uint64_t ts_ns, const uint8_t *frame,
		    uint32_t caplen, uint32_t wirelen);

/* One frame of a batch: the arguments of ndr_card_frame. */
struct ndr_frame_ref {
	uint64_t ts_ns;
	const uint8_t *data;
	uint32_t caplen;
	uint32_t wirelen;
};

/* Present n frames, in order: the ring and the stats end up exactly as after
 * n calls of ndr_card_frame. What a batch adds is that the card knows where
 * the next frames are and fetches their header bytes while it works on the
 * current one. The ring needs room for n * NDR_CARD_WORST_SLOTS_PER_FRAME
 * slots for the batch to lose no record. */
void ndr_card_frames(struct ndr_card *card, const struct ndr_frame_ref *frames, unsigned n);

/* End of input: emit every flow still in the table (reason FLUSH) and any
 * pending drop notice, then publish prod. */
void ndr_card_flush(struct ndr_card *card);

/* Slots of room the card needs to be sure one more frame loses no record. */
#define NDR_CARD_WORST_SLOTS_PER_FRAME 48u

void ndr_card_get_stats(const struct ndr_card *card, struct ndr_card_stats *st);
void ndr_card_free(struct ndr_card *card);

#endif
