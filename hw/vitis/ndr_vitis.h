/*
 * ndr_vitis.h - conversions between the Vitis HLS interface types and the
 * C kernels' types, shared by the shims in hw/vitis/. Conversion only: no
 * decision is taken here that docs/dataplane.md defines.
 *
 * A stream word is ap_axiu<512,0,0,0>: TDATA (64 bytes, byte 0 in bits
 * 7:0, as the CMAC presents it), TKEEP (one bit per valid byte, contiguous
 * from byte 0) and TLAST. Two kinds of stream use it:
 *   packet beats  CMAC RX -> ndr_datapath: TLAST ends a frame;
 *   record slots  ndr_datapath -> ndr_record_writer: one 64-byte ring slot
 *                 per word, TLAST on the last slot of a record.
 */
#ifndef NDR_VITIS_H
#define NDR_VITIS_H

#include <ap_axi_sdata.h>
#include <ap_int.h>
#include <hls_stream.h>
#include <stdint.h>

extern "C" {
#include "ndr_hw.h"
}

typedef ap_axiu<512, 0, 0, 0> ndr_axis_word;
typedef hls::stream<ndr_axis_word> ndr_axis;

/* The clock the kernels are closed at: the CMAC's 322.265625 MHz, whose
 * period is exactly 1024/330 ns. */
#define NDR_CLK_NS_NUM 1024u
#define NDR_CLK_NS_DEN 330u

/* TKEEP is contiguous from byte 0 on every beat of the CMAC (and of any
 * AXI4-Stream with TKEEP packed at the start); its popcount is the byte count. */
static inline uint32_t ndr_vitis_keep_bytes(ap_uint<64> keep)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < NDR_BEAT_BYTES; i++) {
#pragma HLS UNROLL
		n += keep[i] ? 1u : 0u;
	}
	return n;
}

static inline void ndr_vitis_word_to_beat(const ndr_axis_word &w, uint64_t ts_ns,
					  struct ndr_beat *b)
{
	for (uint32_t i = 0; i < NDR_BEAT_BYTES; i++) {
#pragma HLS UNROLL
		b->data[i] = (uint8_t)w.data.range(8 * i + 7, 8 * i);
	}
	b->len = ndr_vitis_keep_bytes(w.keep);
	b->last = w.last != 0;
	b->ts_ns = ts_ns;
	b->wire_len = 0;   /* first beat: set by the caller when it is known */
}

static inline ndr_axis_word ndr_vitis_slot_to_word(const uint8_t *slot, bool last)
{
	ndr_axis_word w;
	for (uint32_t i = 0; i < NDR_SLOT_BYTES; i++) {
#pragma HLS UNROLL
		w.data.range(8 * i + 7, 8 * i) = slot[i];
	}
	w.keep = -1;
	w.strb = -1;
	w.last = last ? 1 : 0;
	return w;
}

static inline void ndr_vitis_word_to_slot(const ndr_axis_word &w, uint8_t *slot)
{
	for (uint32_t i = 0; i < NDR_SLOT_BYTES; i++) {
#pragma HLS UNROLL
		slot[i] = (uint8_t)w.data.range(8 * i + 7, 8 * i);
	}
}

#endif /* NDR_VITIS_H */
