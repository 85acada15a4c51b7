/*
 * ndr_fast_card.h - the whole-frame emulation of the card (fast_card.c),
 * what ndr-sensor runs by default.
 *
 * The cores of the hw/ stages (parser, flow table logic, walk engines,
 * ring writer) run without clocks: a frame is parsed, its flow update, DNS
 * and TLS walks run to their end, and its records are written at once.
 * It is lossless: no engine is ever busy and no FIFO fills, so nothing is
 * dropped but what the host's ring has no room for. Its records equal the
 * clocked simulation's (clocked.c) whenever that one drops nothing, which
 * tests/integration/cycles.sh checks on every capture and profile.
 */
#ifndef NDR_FAST_CARD_H
#define NDR_FAST_CARD_H

#include "ndr_hw.h"

struct ndr_top {
	struct ndr_top_cfg cfg;
	struct ndr_flow_cfg fcfg;
	struct ndr_flow_ctr fctr;
	struct ndr_flow_clock fclk;
	struct ndr_dns_walk dns;
	struct ndr_tls_walk tls;
	struct ndr_rw rw;
	/* card time, ticks and heartbeat */
	bool     seen;
	uint64_t now;
	uint64_t hb_ns, hb_next;
	bool     hb_seen;
	/* counters */
	uint64_t frames, beats, bytes, parse_errors, non_ip;
	uint64_t dns_messages, dns_errors, dns_walk_clocks;
	uint64_t tls_hellos, tls_errors, tls_walk_clocks;
	uint64_t ticks;
	uint32_t flush_ptr;         /* the next bucket a flush emits */
	bool     lossless;          /* wait for ring room: NDR_TOP_BUSY */
};

struct ndr_top_io {
	struct ndr_flow_mem table;
	uint8_t *ring;
	struct ndr_ring_ctrl *ctrl;
	/* Emulation only, no card memory: per bucket, the first card time a
	 * way of it can be expired (ndr_flow_next_expiry; UINT64_MAX when
	 * empty), kept after every packet, visit and flush of the bucket. A
	 * scanner visit before that time would find nothing to retire, so it
	 * passes without reading the line: the records are the same, the
	 * visits counted the same. NULL: every visit reads its line. */
	uint64_t *expiry;
};

/* Returned when top->lossless and the ring has no room for the next step:
 * the step is not done; drain the ring and call again with the same
 * arguments (what was done before stays done). */
#define NDR_TOP_BUSY 1

void ndr_top_init(struct ndr_top *top, const struct ndr_top_cfg *cfg,
		  const struct ndr_ring_ctrl *ctrl, uint32_t log2_slots);
/* One whole frame of caplen bytes (caplen <= NDR_MAX_FRAME), after the
 * ticks of any quiet time before it. */
int ndr_top_frame(struct ndr_top *top, const struct ndr_top_io *io, uint64_t ts_ns,
		  const uint8_t *frame, uint32_t caplen, uint32_t wire_len);
/* A quiet link: the ticks up to card time now_ns (live capture). */
int ndr_top_tick(struct ndr_top *top, const struct ndr_top_io *io, uint64_t now_ns);
/* End of input: flush the table, the final heartbeat, notice, publish. */
int ndr_top_flush(struct ndr_top *top, const struct ndr_top_io *io);

#endif
