/*
 * ndr_card.h - the emulated card: the hw/ kernels compiled natively, fed one
 * Ethernet frame at a time, writing records into a ring in host memory
 * exactly as the card's DMA would.
 *
 * Two ways to run the same kernels:
 *   whole-frame (default): each frame's work runs to its end at once
 *     (fast_card.c); nothing is ever lost for lack of an engine;
 *   clocked (cfg.clocked): every stage is called once per clock of the
 *     322.27 MHz card clock, frames arrive at the clock the 100 Gbit/s wire
 *     brings them, the walk engines, FIFOs, memory latency and host link
 *     are what they are in hardware, and what the card would lose at that
 *     rate is lost and counted (clocked.c, docs/microarchitecture.md).
 * Both write the same records when the clocked card loses nothing.
 *
 * The caller owns the ring memory (2^log2_slots slots of 64 bytes, zeroed)
 * and the struct ndr_ring_ctrl; the card writes slots and ctrl->prod, and
 * reads ctrl->cons to know how much room there is. Single-threaded per card:
 * a consumer in another thread must read prod with acquire and write cons
 * with release ordering (the card does the matching release/acquire).
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
	uint32_t heartbeat_ms;       /* 0 = no periodic heartbeat records */
	uint32_t scan_sweep_ms;      /* the expiry scanner's sweep of the table */
	/* A capture file, which must lose nothing: when the ring has no room
	 * for what the next step could write, ndr_card_frame/flush return
	 * NDR_CARD_BUSY instead of dropping; drain the ring and call again
	 * with the same frame. A live link leaves this off: the ring fills
	 * and the card drops and counts, as a card would. */
	bool     lossless;
	/* the clocked simulation instead of the whole-frame emulation */
	bool     clocked;
	/* clocked only: */
	bool     pace_line;          /* frames back to back at 100 Gbit/s,
	                                not at their capture times */
	uint32_t flow_lat;           /* flow table read latency, clocks */
	uint32_t flow_fwd;           /* forwarding window depth (a test makes
	                                it too shallow to show the hazard) */
	uint32_t link_mbps;          /* host link budget for records, MB/s */
	bool     producers_first;    /* stages called producers first within a
	                                clock (a test: records must not change) */
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
	uint64_t rx_overrun;         /* frames lost at the receive FIFO */
	uint64_t dns_messages;
	uint64_t dns_errors;
	uint64_t dns_dropped;        /* messages lost: every walk engine busy */
	uint64_t tls_hellos;
	uint64_t tls_dropped;
	uint64_t flows_active;
	uint64_t flows_created;
	uint64_t flows_evicted;
	uint64_t flows_dns_only;
	uint64_t records_written;    /* by type below, pads excluded */
	uint64_t records_by_type[NDR_REC_TYPE_MAX];
	uint64_t records_dropped;    /* ring full */
	uint64_t records_link_dropped; /* over the host link's budget */
	uint64_t flow_link_dropped;  /* of them: flow, DNS, TLS records */
	uint64_t dns_link_dropped;
	uint64_t tls_link_dropped;
	uint64_t slots_written;      /* including pads */
};

struct ndr_card;

/* Returns NULL and fills err (with the reason) on bad configuration or no memory. */
struct ndr_card *ndr_card_new(const struct ndr_card_cfg *cfg, void *ring_slots,
			      uint32_t log2_slots, struct ndr_ring_ctrl *ctrl,
			      char *err, size_t errlen);

#define NDR_CARD_BUSY 1   /* lossless: no room; drain the ring, call again */

/* Present one Ethernet frame. caplen bytes are present at frame; wirelen is
 * the length on the wire (>= caplen). Frames longer than NDR_MAX_FRAME are
 * cut to it. Returns 0, or NDR_CARD_BUSY (lossless only): the frame is not
 * taken yet. Bad packets are counted, never refused. */
int ndr_card_frame(struct ndr_card *card, uint64_t ts_ns, const uint8_t *frame,
		   uint32_t caplen, uint32_t wirelen);

/* One frame of a batch: the arguments of ndr_card_frame. */
struct ndr_frame_ref {
	uint64_t ts_ns;
	const uint8_t *data;
	uint32_t caplen;
	uint32_t wirelen;
};

/* Present n frames in order, as n calls of ndr_card_frame would, fetching
 * the next frames' headers while the current one is worked on. Returns the
 * frames taken (fewer than n only when lossless and busy). */
unsigned ndr_card_frames(struct ndr_card *card, const struct ndr_frame_ref *frames, unsigned n);

/* A live link that is quiet: card time is now_ns (ticks move the expiry
 * scanner and the heartbeat on). Never needed for a capture file. */
int ndr_card_tick(struct ndr_card *card, uint64_t now_ns);

/* End of input: emit every flow still in the table (reason FLUSH), the
 * final heartbeat and any pending drop notice, then publish prod. Returns
 * 0, or NDR_CARD_BUSY (lossless): drain and call again. */
int ndr_card_flush(struct ndr_card *card);

void ndr_card_get_stats(const struct ndr_card *card, struct ndr_card_stats *st);
void ndr_card_free(struct ndr_card *card);

#endif
