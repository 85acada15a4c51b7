/*
 * ndr_datapath.cpp - Vitis HLS top of the card's data path: the C kernels
 * of hw/src (parser, flow table, DNS capture and walk, TLS extractor,
 * heartbeat: ndr_top_beat) between the CMAC's RX stream and the record
 * writer.
 *
 * Free running (ap_ctrl_none): one call takes at most one beat, so a call is
 * a clock cycle and the call count is the card's clock. No memory port (a
 * free-running kernel may have none): the flow table is on chip, in URAM,
 * NDR_VITIS_LOG2_BUCKETS buckets of 4 ways, as the three memories of struct
 * ndr_flow_mem (docs/microarchitecture.md "Flow table"): the bucket header
 * lines (64 B each), the per-bucket deadline words (8 B, the scanner's
 * port) and the flow entries (sizeof(struct ndr_flow_entry) each, read
 * only on a signature match, a victim or an expiry); the records are not written to
 * host memory here but into a small on-chip staging ring, whose slots are
 * forwarded as they appear, one per word, TLAST on the last slot of each
 * record, to ndr_record_writer, which owns the ring in host memory.
 *
 * Conversion only, with three things a stream interface needs and the C
 * kernels cannot see:
 * - time: ts_ns of a frame is the clock count times 1024/330 ns (the CMAC
 *   clock, 322.265625 MHz), counted from the moment the bitstream started;
 *   the host maps it to wall time (docs/hardware.md, "Time"). C simulation
 *   takes the capture's time from the testbench instead (ndr_vitis_tb_ts).
 * - wire length: the CMAC does not give a frame's length on its first beat,
 *   so wire_len is 0 and the heartbeat's byte counter stays 0 in hardware.
 * - PAD records of the staging ring are not forwarded; the writer pads the
 *   host ring itself. seq and the phase bit are set again by the writer.
 */
#include "ndr_vitis.h"

#ifndef NDR_VITIS_LOG2_BUCKETS
#define NDR_VITIS_LOG2_BUCKETS 14u   /* 16 Ki lines, 64 Ki entries: docs/hardware.md */
#endif
#define NDR_VITIS_STAGE_LOG2   7u    /* 128 slots: more than one frame can make */

#ifndef __SYNTHESIS__
/* C simulation: the testbench sets the capture time of the next frame. */
uint64_t ndr_vitis_tb_ts;
#endif

extern "C" void ndr_datapath(ndr_axis &rx, ndr_axis &records)
{
#pragma HLS INTERFACE mode=axis port=rx
#pragma HLS INTERFACE mode=axis port=records
#pragma HLS INTERFACE mode=ap_ctrl_none port=return

	/* Zero before init, as struct ndr_flow_mem requires: static storage
	 * is, and the bitstream's initial URAM contents are zero. */
	static struct ndr_flow_bucket buckets[1u << NDR_VITIS_LOG2_BUCKETS];
#pragma HLS BIND_STORAGE variable=buckets type=ram_2p impl=uram
	static uint64_t deadline[1u << NDR_VITIS_LOG2_BUCKETS];
#pragma HLS BIND_STORAGE variable=deadline type=ram_2p impl=uram
	static struct ndr_flow_entry entries[(1u << NDR_VITIS_LOG2_BUCKETS) * NDR_FLOW_WAYS];
#pragma HLS BIND_STORAGE variable=entries type=ram_2p impl=uram
	static uint8_t stage[(1u << NDR_VITIS_STAGE_LOG2) * NDR_SLOT_BYTES];
	static struct ndr_ring_ctrl stage_ctrl;
	static struct ndr_top top;
	static bool started = false;
	static bool in_frame = false;
	static uint64_t clocks = 0;
	static uint32_t fwd = 0;        /* next staging slot to forward */
	static uint32_t fwd_left = 0;   /* slots left of the record being forwarded */
	static bool fwd_pad = false;    /* that record is a PAD: not forwarded */

	if (!started) {
		struct ndr_top_cfg cfg;
		cfg.log2_buckets = NDR_VITIS_LOG2_BUCKETS;
		cfg.hash_seed = 0x6e647221u;
		cfg.idle_timeout_ms = 30000u;
		cfg.active_timeout_ms = 120000u;
		cfg.close_timeout_ms = 1000u;
		cfg.heartbeat_ms = 1000u;
		stage_ctrl.prod = 0;
		stage_ctrl.cons = 0;
		stage_ctrl.log2_slots = NDR_VITIS_STAGE_LOG2;
		struct ndr_flow_mem mem;
		mem.buckets = buckets;
		mem.deadline = deadline;
		mem.entries = entries;
		ndr_top_init(&top, &cfg, &mem, stage, &stage_ctrl, NDR_VITIS_STAGE_LOG2);
		started = true;
	}
	clocks++;

	ndr_axis_word w;
	if (rx.read_nb(w)) {
#ifdef __SYNTHESIS__
		uint64_t ts = clocks * NDR_CLK_NS_NUM / NDR_CLK_NS_DEN;
#else
		uint64_t ts = ndr_vitis_tb_ts;
#endif
		struct ndr_beat b;
		ndr_vitis_word_to_beat(w, in_frame ? 0u : ts, &b);
		ndr_top_beat(&top, &b);
		in_frame = !b.last;
	}

	/* One staged slot out per call. Bursts wait in the staging ring (one
	 * frame cuts at most about 45 slots: a heartbeat, seven flow records,
	 * a DNS record and their pads); a full staging ring drops and counts
	 * records exactly as the host ring does, and the heartbeat reports it. */
	if (fwd != stage_ctrl.prod && !records.full()) {
		const uint8_t *slot = stage + (fwd & top.rw.mask) * NDR_SLOT_BYTES;
		if (fwd_left == 0u) {
			fwd_left = slot[1];               /* struct ndr_rec_hdr.slots */
			fwd_pad = slot[0] == NDR_REC_PAD; /* struct ndr_rec_hdr.type */
		}
		fwd_left--;
		if (!fwd_pad)
			records.write(ndr_vitis_slot_to_word(slot, fwd_left == 0u));
		fwd++;
		stage_ctrl.cons = fwd;
	}
}
