/*
 * ndr_hw_card.h - the card put together: the receive stage, the dataflow
 * of all stages as the clocked simulation and the Vitis top run it
 * (card_dataflow.c). The whole-frame emulation that calls the same cores
 * without clocks is sim/src/fast_card.c.
 */
#ifndef NDR_HW_CARD_H
#define NDR_HW_CARD_H

/* ---- rx (rx_stage.c): the CMAC's receive stream into the card ----
 *
 * The CMAC cannot be held: a beat it presents is taken this clock or lost.
 * A frame whose beat finds the FIFO full is lost from there and counts in
 * rx_overrun; if some of it went in already, rx sends an end with abort
 * set as soon as there is room (the stages drop what they had of it). On a quiet link rx sends a time tick every
 * NDR_TICK_NS of card time (grid points at least NDR_TICK_NS after the
 * last frame or tick), so the scanner and the heartbeat go on without
 * packets; and a flush when the host asks for one.
 */
struct ndr_rx_port {
	bool     valid;             /* a beat this clock */
	struct ndr_beat beat;       /* DATA, with ts_ns and wire_len on a first beat */
};

struct ndr_rx_stage {
	bool     in_frame;
	bool     dropping;          /* the rest of this frame is lost */
	bool     abort_pending;     /* a cut frame's end still to send */
	bool     seen;              /* card time is known */
	bool     count_beats;       /* this frame's bytes come beat by beat */
	uint64_t last;              /* card time: last frame or tick */
	uint64_t frames, bytes, overrun;
	uint64_t ticks, flushes;
	uint64_t busy, stalled;
};

void ndr_rx_stage_init(struct ndr_rx_stage *s);
/* The next tick's time after card time `last` (the grid rule). */
uint64_t ndr_rx_next_tick(uint64_t last);
/* now_ns: the card's clock; flush: the host asks for a flush (held until
 * rx_stage.flushes moves). */
void ndr_stage_rx(struct ndr_rx_stage *s, const struct ndr_rx_port *port, uint64_t now_ns,
		  bool flush, struct ndr_beat_s *out);

/* ---- the dataflow (card_dataflow.c) ---- */
struct ndr_dataflow {
	struct ndr_rx_stage rx;
	struct ndr_parser_stage parser;
	struct ndr_hash_stage hash;
	struct ndr_flow_stage flow;
	struct ndr_dns_capture dns_cap;
	struct ndr_dns_engines dns;
	struct ndr_tls_capture tls_cap;
	struct ndr_tls_engines tls;
	struct ndr_record_stage rec;
	struct ndr_writer_stage writer;
	/* streams */
	struct ndr_beat_s s_rx;
	struct ndr_cap_beat_s s_dns_beats, s_tls_beats;
	struct ndr_cap_meta_s s_dns_meta, s_tls_meta;
	struct ndr_parsed_s s_parsed;
	struct ndr_stats_parse_s s_st_parse;
	struct ndr_flow_op_s s_ops;
	struct ndr_rec3_s s_flow_recs;
	struct ndr_stats_flow_s s_st_flow;
	struct ndr_dns_chunk_s s_dns_chunks;
	struct ndr_rec6_s s_dns_recs;
	struct ndr_stats_dns_s s_st_dns;
	struct ndr_tls_chunk_s s_tls_chunks;
	struct ndr_rec3_s s_tls_recs;
	struct ndr_stats_tls_s s_st_tls;
	struct ndr_slot_s s_slots;
};

/* The card's memories and the host link, as this clock sees them. */
struct ndr_dataflow_io {
	struct ndr_flow_mem table;
	uint8_t *ring;
	struct ndr_ring_ctrl *ctrl;
	bool link_ready;
};

void ndr_dataflow_init(struct ndr_dataflow *d, const struct ndr_top_cfg *cfg,
		       const struct ndr_ring_ctrl *ctrl, uint32_t log2_slots, uint32_t flow_lat);
/* One clock: every stage once, consumers before producers (writer first,
 * rx last), so an item written at clock t is read at t + 1. With
 * producers_first the order is reversed (a test: the records must not
 * depend on it). */
void ndr_dataflow_clock(struct ndr_dataflow *d, const struct ndr_dataflow_io *io,
			const struct ndr_rx_port *port, uint64_t now_ns, bool flush,
			bool producers_first);
/* Every stage idle and every stream empty. */
bool ndr_dataflow_idle(const struct ndr_dataflow *d);
/* The simulation's, not the hardware's: the ticks an idle card makes up
 * to card time upto that change nothing but card time and the scanner's
 * place (no heartbeat due, no visit that retires a flow), taken without
 * clocks; returns how many. The clocked simulation uses it on quiet links,
 * where those ticks would take clocks nothing else needs. */
uint64_t ndr_dataflow_quiet_ticks(struct ndr_dataflow *d, const struct ndr_dataflow_io *io,
				  uint64_t upto);

#endif
