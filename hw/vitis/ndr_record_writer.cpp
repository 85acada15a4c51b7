/*
 * ndr_record_writer.cpp - Vitis HLS top of the record writer: record slots
 * from ndr_datapath into the ring in host memory (ndr_abi.h), through the
 * C record writer (hw/src/record_writer.c), which sets seq and the phase
 * bit, pads before the ring's end, drops and counts records when the host
 * has not made room, and writes the drop notices.
 *
 * A controllable kernel (ap_ctrl_chain), because XRT can only start and give
 * buffers to one; the host starts it once per batch (or with auto-restart),
 * and its state lives in static variables across calls:
 *   ring, ctrl   m_axi to host memory (sp=...:HOST[0]): the 2^log2_slots
 *                slots, and the control page (prod written back, cons read);
 *   log2_slots   ring size; init = 1 (re)starts the writer on this ring;
 *   returns      after NDR_VITIS_WRITER_CALL clocks, having published prod.
 *
 * Conversion only: words are gathered into a record (TLAST ends it) and the
 * record is handed to ndr_rw_write.
 */
#include "ndr_vitis.h"

#define NDR_VITIS_WRITER_CALL 65536u   /* clocks per call, about 200 us */

extern "C" void ndr_record_writer(ndr_axis &records, uint8_t *ring,
				  struct ndr_ring_ctrl *ctrl, uint32_t log2_slots,
				  uint32_t init)
{
#pragma HLS INTERFACE mode=axis port=records
#pragma HLS INTERFACE mode=m_axi port=ring bundle=host offset=slave max_widen_bitwidth=512 depth=4096
#pragma HLS INTERFACE mode=m_axi port=ctrl bundle=host offset=slave depth=1
#pragma HLS INTERFACE mode=s_axilite port=ring bundle=control
#pragma HLS INTERFACE mode=s_axilite port=ctrl bundle=control
#pragma HLS INTERFACE mode=s_axilite port=log2_slots bundle=control
#pragma HLS INTERFACE mode=s_axilite port=init bundle=control
#pragma HLS INTERFACE mode=ap_ctrl_chain port=return bundle=control

	static struct ndr_rw w;
	static uint8_t rec[NDR_REC_MAX_SLOTS * NDR_SLOT_BYTES];
	static uint32_t have = 0;       /* slots of rec gathered */

	if (init) {
		ndr_rw_init(&w, ring, ctrl, log2_slots);
		have = 0;
	}
	/* the host may move the ring between calls; the indices stay */
	w.slots = ring;
	w.ctrl = ctrl;

	for (uint32_t clk = 0; clk < NDR_VITIS_WRITER_CALL; clk++) {
		ndr_axis_word word;
		if (!records.read_nb(word))
			continue;
		if (have < NDR_REC_MAX_SLOTS)
			ndr_vitis_word_to_slot(word, rec + have * NDR_SLOT_BYTES);
		have++;
		if (word.last) {
			uint32_t n = have < NDR_REC_MAX_SLOTS ? have : NDR_REC_MAX_SLOTS;
			ndr_rw_write(&w, rec, n * NDR_SLOT_BYTES, rec, 0);
			have = 0;
		}
	}
	ndr_rw_publish(&w);
}
