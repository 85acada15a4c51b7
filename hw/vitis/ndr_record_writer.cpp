/*
 * ndr_record_writer.cpp - Vitis HLS top of the record writer: record slots
 * from ndr_datapath into the ring in host memory (ndr_abi.h), by the
 * writer stage of hw/src/record_writer.c, which sets seq and the phase
 * bit, pads before the ring's end, drops and counts records when the host
 * has not made room, patches its own counters into heartbeats, and writes
 * the drop notices.
 *
 * A controllable kernel (ap_ctrl_chain), because XRT can only start and
 * give buffers to one; the host (host/lib/source_xrt.cpp) calls it once
 * with init = 1 and then starts it with auto-restart, init = 0:
 *   records      the slot stream from ndr_datapath, one slot a word;
 *   ring, ctrl   m_axi to host memory (sp=...:HOST[0]): the 2^log2_slots
 *                slots, and the control page (prod written back, cons
 *                read); passed to the stage on every clock, never stored;
 *   log2_slots   the ring's size;
 *   init         1: (re)start the writer on this ring.
 * Each call runs NDR_VITIS_WRITER_CALL clocks and returns with prod
 * published. The writer's state (indices, counters, the record in
 * progress, the slot it took) is static, so a record that spans two calls
 * continues in the next: nothing is lost at an auto-restart.
 */
#include "ndr_datapath.h"

extern "C" void ndr_record_writer(ndr_axis &records, uint8_t *ring, struct ndr_ring_ctrl *ctrl,
				  uint32_t log2_slots, uint32_t init)
{
	NDR_PRAGMA(HLS INTERFACE mode=axis port=records)
	NDR_PRAGMA(HLS INTERFACE mode=m_axi port=ring bundle=host offset=slave max_widen_bitwidth=512 depth=4096)
	NDR_PRAGMA(HLS INTERFACE mode=m_axi port=ctrl bundle=host offset=slave depth=1)
	NDR_PRAGMA(HLS INTERFACE mode=s_axilite port=ring bundle=control)
	NDR_PRAGMA(HLS INTERFACE mode=s_axilite port=ctrl bundle=control)
	NDR_PRAGMA(HLS INTERFACE mode=s_axilite port=log2_slots bundle=control)
	NDR_PRAGMA(HLS INTERFACE mode=s_axilite port=init bundle=control)
	NDR_PRAGMA(HLS INTERFACE mode=ap_ctrl_chain port=return bundle=control)

	static struct ndr_writer_stage st;
	/* the slot taken from the port, one clock ahead of the stage: a
	 * registered hand-off, as between two dataflow processes */
	static struct ndr_slot_s slots;
	NDR_PRAGMA(HLS STREAM variable=slots.s depth=2)

	if (init)
		ndr_writer_stage_init(&st, ctrl, log2_slots);

	for (uint32_t clk = 0; clk < NDR_VITIS_WRITER_CALL; clk++) {
		NDR_PRAGMA(HLS PIPELINE II=1)
		ndr_stage_writer(&st, &slots, ring, ctrl, true);
		ndr_axis_word w;
		if (!ndr_slot_s_full(&slots) && records.read_nb(w)) {
			struct ndr_slot_item it;
			ndr_vitis_word_to_slot(w, it.b);
			ndr_slot_s_write(&slots, &it);
		}
	}
	ndr_rw_publish(&st.w, ctrl);
}
