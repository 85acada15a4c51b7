/*
 * ndr_hw.h - internal interfaces of the hw/ kernels (synthesizable C).
 *
 * The card's data path is a dataflow of stages joined by bounded streams
 * (ndr_stream.h); every stage is one function whose call is one clock at
 * the CMAC's 322.27 MHz (docs/microarchitecture.md has the picture, the
 * budgets and the clocked simulation):
 *
 *   CMAC ─► rx ─► parser ─┬─► hash ─► flow table ───────────────┐
 *                         ├─► DNS capture ─► DNS walk engines ──┼─► records ─► writer ─► ring
 *                         └─► TLS capture ─► TLS walk engines ──┘   (+heartbeat)
 *
 * The same logic also runs as a whole-frame emulation (sim/src/fast_card.c) that
 * calls the stages' cores directly, without clocks, for ndr-sensor; the
 * two must write the same records (tests/integration/cycles.sh).
 *
 * State lives in structs passed by pointer (registers and BRAM in
 * hardware); the large memories (flow table, host ring) are passed to the
 * stage on every call (URAM / m_axi ports), never kept as pointers.
 * docs/dataplane.md defines every value a record carries.
 */
#ifndef NDR_HW_H
#define NDR_HW_H

#include "ndr_abi.h"
#include "ndr_hls.h"
#include "ndr_stream.h"

#define NDR_BEAT_BYTES   64u
#define NDR_MAX_BEATS    ((NDR_MAX_FRAME + NDR_BEAT_BYTES - 1u) / NDR_BEAT_BYTES)
#define NDR_HDR_BEATS    (NDR_HDR_WINDOW / NDR_BEAT_BYTES)
#define NDR_CLOCK_HZ_U   322265625u   /* CMAC clock: 100G / 310.3 ps */
/* A quiet link gets a time tick every NDR_TICK_NS of card time (rx_stage.c):
 * the scanner and the heartbeat go on without packets. The records do not
 * depend on it (a visit's record carries the visit's own time). It bounds
 * the scanner visits a frame can find owed ahead of it after a quiet gap:
 * at most NDR_TICK_NS / scan_ns (3 with 2^18 buckets swept each second),
 * so a burst after a pause is not held up behind a backlog of visits
 * (with 100 ms ticks, 6553 visits held a 2^16 table's first frame for 20
 * us and rx lost the burst: test_dataflow.c, burst after pause). A tick is
 * one item a stage: 100000 a quiet second are 0.03 % of the clocks. */
#define NDR_TICK_NS      10000u

enum ndr_beat_kind {
	NDR_BEAT_DATA  = 0,     /* a beat of a frame */
	NDR_BEAT_TICK  = 1,     /* no frame: card time moved on (ts_ns) */
	NDR_BEAT_FLUSH = 2,     /* end of input / card stop (ts_ns = card time) */
};

/* One 512-bit AXI4-Stream beat as the CMAC presents it (TDATA, the TKEEP
 * byte count, TLAST) with the rx stage's side band, or a marker. */
struct ndr_beat {
	uint8_t  data[NDR_BEAT_BYTES];
	uint32_t len;           /* valid bytes, 0..64 (0 only for an empty frame) */
	bool     last;          /* TLAST */
	uint8_t  kind;          /* enum ndr_beat_kind */
	bool     abort;         /* rx cut this frame: what came of it is void */
	uint64_t ts_ns;         /* first beat: arrival time; marker: its time */
	uint32_t wire_len;      /* first beat: frame length on the wire */
	/* rx counters sampled on a frame's first beat and on markers */
	uint64_t rx_frames;
	uint64_t rx_bytes;
	uint64_t rx_overrun;
};

/* Card configuration (the flow register block, ndr_abi.h). */
struct ndr_top_cfg {
	uint32_t log2_buckets;
	uint32_t hash_seed;
	uint32_t idle_timeout_ms;
	uint32_t active_timeout_ms;
	uint32_t close_timeout_ms;
	uint32_t heartbeat_ms;      /* 0: no periodic heartbeat records */
	uint32_t scan_sweep_ms;     /* expiry scanner: one sweep of the table */
};

#include "ndr_hw_entropy.h"
#include "ndr_hw_parse.h"
#include "ndr_hw_flow.h"
#include "ndr_hw_pool.h"
#include "ndr_hw_dns.h"
#include "ndr_hw_tls.h"
#include "ndr_hw_rec.h"
#include "ndr_hw_card.h"

#endif /* NDR_HW_H */
