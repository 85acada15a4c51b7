/*
 * ndr_clocked.h - the clocked simulation of the card (clocked.c).
 *
 * Every clock of the 322.27 MHz card clock, every stage of hw/ is called
 * once (ndr_dataflow_clock). A frame's beats reach rx at the clock the wire
 * brings them: at its capture time, never before the previous frame has
 * left the 100 Gbit/s wire (preamble, FCS and gap included), or, with
 * pace_line, back to back on the wire whatever the capture's times. Card
 * time on a quiet link follows the clock, so rx makes its ticks. The host
 * link takes one 64-byte slot a clock at most, and on average no more than
 * link_mbps. When every stage is idle and nothing is due before the next
 * frame or tick, the clock jumps there (those clocks are counted, not run).
 */
#ifndef NDR_CLOCKED_H
#define NDR_CLOCKED_H

#include "ndr_cycles.h"
#include "ndr_hw.h"

struct ndr_clocked_cfg {
	bool     pace_line;
	bool     lossless;          /* no clock while the ring has no room */
	bool     producers_first;
	uint32_t flow_lat;
	uint32_t flow_fwd;
	uint32_t link_mbps;
};

struct ndr_clocked {
	struct ndr_dataflow df;
	struct ndr_clocked_cfg cfg;
	uint32_t log2_slots;
	uint64_t clock;             /* clocks simulated */
	uint64_t clocks_run;        /* of them, clocks the stages ran */
	uint64_t quiet_visits;      /* scanner visits of empty buckets taken
	                               without clocks on a quiet link */
	uint64_t quiet_ticks;       /* ticks of an idle card that changed
	                               nothing but time, taken without clocks */
	bool     have_t0;
	uint64_t t0;                /* capture time of clock 0 */
	uint64_t wire_free_u;       /* the wire is free from here (1 clock =
	                               10240 u, 1 bit = 33 u) */
	/* the frame being presented (a lossless card may stop in it) */
	bool     in_frame;
	bool     arrived;           /* its first beat went in */
	uint64_t arrival;           /* the clock its first beat is due */
	uint64_t wire_start_u;      /* where it starts on the wire */
	uint64_t first_clock;       /* the clock its first beat went in */
	uint8_t  frame[NDR_MAX_FRAME];
	uint32_t caplen, wirelen, off;
	uint64_t ts;
	/* input span */
	bool     any_beat;
	uint64_t first_beat_clock, last_beat_clock, beats, frames, frame_bytes;
	uint64_t drained_clock;
	int      flush_phase;       /* 0 none, 1 asked, 2 draining */
	uint64_t flushes_seen;
	/* host link */
	uint64_t credit, rate, cap; /* bytes << 16 */
	uint64_t slots_seen;
	/* peak occupancy of each stage's input stream */
	uint32_t peak[NDR_OBS_STAGES];
	uint64_t full_clocks[NDR_OBS_STAGES];   /* clocks its input was full */
	uint64_t busy_in_input[NDR_OBS_STAGES]; /* its work by the last beat */
	uint64_t full_in_input[NDR_OBS_STAGES]; /* full clocks by the last beat */
};

void ndr_clocked_init(struct ndr_clocked *c, const struct ndr_top_cfg *cfg,
		      const struct ndr_clocked_cfg *ccfg, const struct ndr_ring_ctrl *ctrl,
		      uint32_t log2_slots);
/* 0, or NDR_CARD_BUSY (lossless, no room): call again with the same frame. */
int ndr_clocked_frame(struct ndr_clocked *c, const struct ndr_dataflow_io *io, uint64_t ts,
		      const uint8_t *frame, uint32_t caplen, uint32_t wirelen);
int ndr_clocked_tick(struct ndr_clocked *c, const struct ndr_dataflow_io *io, uint64_t now);
int ndr_clocked_flush(struct ndr_clocked *c, const struct ndr_dataflow_io *io);
void ndr_clocked_observe(const struct ndr_clocked *c, struct ndr_cycles *o);

#endif
