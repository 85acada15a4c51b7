/*
 * ndr_vitis.h - what the Vitis HLS shims in hw/vitis/ share: the hw/ code
 * seen through hls::stream, the interface word, and the conversions
 * between the two. Conversion only: no decision is taken here that
 * docs/dataplane.md defines.
 *
 * The hw/ sources are C; here they are compiled as C++ (ndr_hw_all.cpp
 * includes them all) with NDR_HLS_STREAMS defined, so every NDR_STREAM of
 * ndr_stream.h is an hls::stream and the stage code reads and writes the
 * FIFOs that the DATAFLOW region of ndr_datapath.cpp declares.
 *
 * A stream word is ap_axiu<512,0,0,0>: TDATA (64 bytes, byte 0 in bits
 * 7:0, as the CMAC presents it), TKEEP (one bit per valid byte, contiguous
 * from byte 0) and TLAST. Two streams use it:
 *   packet beats  CMAC RX -> ndr_datapath: TLAST ends a frame;
 *   record slots  ndr_datapath -> ndr_record_writer: one 64-byte ring slot
 *                 per word, TLAST set on every word (a slot is a unit; the
 *                 writer finds record boundaries in the record headers).
 */
#ifndef NDR_VITIS_H
#define NDR_VITIS_H

#include <ap_axi_sdata.h>
#include <ap_int.h>
#include <hls_stream.h>
#include <stdint.h>

#define NDR_HLS_STREAMS 1
#include "ndr_hw.h"

typedef ap_axiu<512, 0, 0, 0> ndr_axis_word;
typedef hls::stream<ndr_axis_word> ndr_axis;

/* The clock the data path is closed at: the CMAC's 322.265625 MHz, whose
 * period is exactly 1024/330 ns. Card time (frame timestamps, ticks) is
 * this clock counted from the bitstream's start; the host maps it to wall
 * time (docs/hardware.md, "Time"). */
#define NDR_CLK_NS_NUM 1024u
#define NDR_CLK_NS_DEN 330u

/* The card's configuration, fixed when the bitstream is built (the flow
 * register block of ndr_abi.h is read-only on this build). Defaults are
 * the emulated card's (docs/dataplane.md); a testbench build may set
 * shorter timeouts with -D so that expiry happens within a short run. */
#ifndef NDR_VITIS_LOG2_BUCKETS
#define NDR_VITIS_LOG2_BUCKETS 14u   /* 16 Ki lines, 64 Ki entries: docs/hardware.md */
#endif
#ifndef NDR_VITIS_HASH_SEED
#define NDR_VITIS_HASH_SEED 0x6e647221u
#endif
#ifndef NDR_VITIS_IDLE_MS
#define NDR_VITIS_IDLE_MS 30000u
#endif
#ifndef NDR_VITIS_ACTIVE_MS
#define NDR_VITIS_ACTIVE_MS 120000u
#endif
#ifndef NDR_VITIS_CLOSE_MS
#define NDR_VITIS_CLOSE_MS 1000u
#endif
#ifndef NDR_VITIS_HEARTBEAT_MS
#define NDR_VITIS_HEARTBEAT_MS 1000u
#endif
#ifndef NDR_VITIS_SWEEP_MS
#define NDR_VITIS_SWEEP_MS 1000u
#endif

static inline void ndr_vitis_cfg(struct ndr_top_cfg *cfg)
{
	cfg->log2_buckets = NDR_VITIS_LOG2_BUCKETS;
	cfg->hash_seed = NDR_VITIS_HASH_SEED;
	cfg->idle_timeout_ms = NDR_VITIS_IDLE_MS;
	cfg->active_timeout_ms = NDR_VITIS_ACTIVE_MS;
	cfg->close_timeout_ms = NDR_VITIS_CLOSE_MS;
	cfg->heartbeat_ms = NDR_VITIS_HEARTBEAT_MS;
	cfg->scan_sweep_ms = NDR_VITIS_SWEEP_MS;
}

/* Card time at clock n. */
static inline uint64_t ndr_vitis_clock_ns(uint64_t n)
{
	return n * NDR_CLK_NS_NUM / NDR_CLK_NS_DEN;
}

/* TKEEP is contiguous from byte 0 on every beat of the CMAC (and of any
 * AXI4-Stream with TKEEP packed at the start); its popcount is the byte count. */
static inline uint32_t ndr_vitis_keep_bytes(const ap_uint<64> &keep)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < NDR_BEAT_BYTES; i++) {
		NDR_UNROLL
		n += keep[i] ? 1u : 0u;
	}
	return n;
}

/* A CMAC beat as the rx stage's port: the frame's time on its first beat.
 * The CMAC does not give a frame's length before its last beat, so
 * wire_len is 0 and the heartbeat's byte counter stays 0 on the card. */
static inline void ndr_vitis_word_to_port(const ndr_axis_word &w, uint64_t ts_ns,
					  struct ndr_rx_port *p)
{
	p->valid = true;
	for (uint32_t i = 0; i < NDR_BEAT_BYTES; i++) {
		NDR_UNROLL
		p->beat.data[i] = (uint8_t)w.data.range(8 * i + 7, 8 * i);
	}
	p->beat.len = ndr_vitis_keep_bytes(w.keep);
	p->beat.last = w.last != 0u;
	p->beat.kind = NDR_BEAT_DATA;
	p->beat.abort = false;
	p->beat.ts_ns = ts_ns;
	p->beat.wire_len = 0;
	p->beat.rx_frames = 0;
	p->beat.rx_bytes = 0;
	p->beat.rx_overrun = 0;
}

static inline ndr_axis_word ndr_vitis_slot_to_word(const uint8_t slot[NDR_SLOT_BYTES], bool last)
{
	ndr_axis_word w;
	for (uint32_t i = 0; i < NDR_SLOT_BYTES; i++) {
		NDR_UNROLL
		w.data.range(8 * i + 7, 8 * i) = slot[i];
	}
	w.keep = -1;
	w.strb = -1;
	w.last = last ? 1u : 0u;
	return w;
}

static inline void ndr_vitis_word_to_slot(const ndr_axis_word &w, uint8_t slot[NDR_SLOT_BYTES])
{
	for (uint32_t i = 0; i < NDR_SLOT_BYTES; i++) {
		NDR_UNROLL
		slot[i] = (uint8_t)w.data.range(8 * i + 7, 8 * i);
	}
}

#endif /* NDR_VITIS_H */
