/*
 * ndr_datapath.h - the data path's dataflow processes (ndr_datapath.cpp):
 * one wrapper per hw/ stage, holding that stage's state (and, for the flow
 * table, its memories), called once per clock. ndr_datapath() is the
 * DATAFLOW region of all of them; each is also an HLS top of its own for
 * the per-stage components (hw/vitis/stages/), and the testbench can wire
 * them itself (NDR_TB_STAGES) so that a per-stage C/RTL co-simulation sees
 * its top called directly.
 */
#ifndef NDR_DATAPATH_H
#define NDR_DATAPATH_H

#include "ndr_vitis.h"

/* The free-running kernel (ap_ctrl_none): the CMAC's RX stream in, record
 * slots out to ndr_record_writer. One call is one clock. flush is an
 * s_axilite register: a request counter, each increment by the host asks
 * for one flush (every flow out, reason FLUSH, then a final heartbeat). */
extern "C" void ndr_datapath(ndr_axis &rx, ndr_axis &records, uint32_t flush);

/* The stages, in data order. */
void ndr_df_rx(ndr_axis &rx, uint32_t flush, struct ndr_beat_s &out);
void ndr_df_parser(struct ndr_beat_s &in, struct ndr_cap_beat_s &dns_beats,
		   struct ndr_cap_meta_s &dns_meta, struct ndr_cap_beat_s &tls_beats,
		   struct ndr_cap_meta_s &tls_meta, struct ndr_parsed_s &out,
		   struct ndr_stats_parse_s &stats);
void ndr_df_dns_capture(struct ndr_cap_beat_s &beats, struct ndr_cap_meta_s &meta,
			struct ndr_dns_chunk_s &out);
void ndr_df_tls_capture(struct ndr_cap_beat_s &beats, struct ndr_cap_meta_s &meta,
			struct ndr_tls_chunk_s &out);
void ndr_df_hash(struct ndr_parsed_s &in, struct ndr_flow_op_s &out);
void ndr_df_flow(struct ndr_flow_op_s &in, struct ndr_rec3_s &out, struct ndr_stats_flow_s &stats);
void ndr_df_dns_engines(struct ndr_dns_chunk_s &in, struct ndr_rec6_s &out,
			struct ndr_stats_dns_s &stats);
void ndr_df_tls_engines(struct ndr_tls_chunk_s &in, struct ndr_rec3_s &out,
			struct ndr_stats_tls_s &stats);
void ndr_df_records(struct ndr_rec3_s &flow, struct ndr_rec6_s &dns, struct ndr_rec3_s &tls,
		    struct ndr_stats_parse_s &sp, struct ndr_stats_flow_s &sf,
		    struct ndr_stats_dns_s &sd, struct ndr_stats_tls_s &st,
		    struct ndr_slot_s &out);
/* The slot stream onto the kernel's AXI4-Stream port. */
void ndr_df_out(struct ndr_slot_s &in, ndr_axis &records);

/* The record writer kernel (ndr_record_writer.cpp). */
extern "C" void ndr_record_writer(ndr_axis &records, uint8_t *ring, struct ndr_ring_ctrl *ctrl,
				  uint32_t log2_slots, uint32_t init);
/* Clocks one call of it runs (about 200 us). */
#define NDR_VITIS_WRITER_CALL 65536u

#endif /* NDR_DATAPATH_H */
