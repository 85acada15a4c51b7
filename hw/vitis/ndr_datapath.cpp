/*
 * ndr_datapath.cpp - Vitis HLS top of the card's data path: every hw/
 * stage from rx to the record stage as a process of one DATAFLOW region,
 * between the CMAC's RX AXI4-Stream and the record slot stream to
 * ndr_record_writer (docs/microarchitecture.md has the picture).
 *
 * Free running (ap_ctrl_none): one call is one clock of the CMAC's
 * 322.265625 MHz, and every process does one clock of its stage per call
 * (the II=1 contract, NDR_STAGE). Each process is a small wrapper that
 * owns its stage's state in static storage and starts it on its first
 * clock; the flow table's memories (bucket header lines and entries) are
 * URAM arrays owned by the flow stage's wrapper and handed to the stage on
 * every call, never kept as pointers. Every stream between two stages is
 * declared once here, at the depth its NDR_STREAM declares (name_DEPTH).
 *
 * Conversion only, plus what a stream interface needs and the stages
 * cannot see:
 * - time: card time is this clock counted from the bitstream's start,
 *   1024/330 ns a clock (ndr_vitis_clock_ns); a frame's ts_ns is the time
 *   of the clock its first beat arrives in, and rx's time ticks come from
 *   the same count. The host maps card time to wall time.
 * - wire length: unknown on a frame's first beat (ndr_vitis.h).
 * - flush: an s_axilite register, a request counter (ndr_datapath.h).
 */
#include "ndr_datapath.h"

/* The flow table's read latency and forwarding window in URAM
 * (ndr_hw_flow.h). */
#define NDR_VITIS_FLOW_LAT NDR_FLOW_LAT_URAM
#define NDR_VITIS_FLOW_FWD NDR_FLOW_FWD_URAM

void ndr_df_rx(ndr_axis &rx, uint32_t flush, struct ndr_beat_s &out)
{
	static struct ndr_rx_stage st;
	static bool started = false;
	/* card time: clock * 1024 / 330 ns, kept as ns + remainder so no
	 * divider is needed (3 ns and 34/330 a clock) */
	static uint64_t now_ns = 0;
	static uint32_t now_rem = 0;
	static uint32_t flushes_done = 0;

	if (!started) {
		ndr_rx_stage_init(&st);
		started = true;
	}
	struct ndr_rx_port port = ndr_rx_port();
	ndr_axis_word w;
	if (rx.read_nb(w))
		ndr_vitis_word_to_port(w, now_ns, &port);
	/* a flush is pending while the host's count is ahead of rx's */
	ndr_stage_rx(&st, &port, now_ns, flush != flushes_done, &out);
	flushes_done = (uint32_t)st.flushes;

	now_ns += NDR_CLK_NS_NUM / NDR_CLK_NS_DEN;
	now_rem += NDR_CLK_NS_NUM % NDR_CLK_NS_DEN;
	if (now_rem >= NDR_CLK_NS_DEN) {
		now_rem -= NDR_CLK_NS_DEN;
		now_ns++;
	}
}

void ndr_df_parser(struct ndr_beat_s &in, struct ndr_cap_beat_s &dns_beats,
		   struct ndr_cap_meta_s &dns_meta, struct ndr_cap_beat_s &tls_beats,
		   struct ndr_cap_meta_s &tls_meta, struct ndr_parsed_s &out,
		   struct ndr_stats_parse_s &stats)
{
	static struct ndr_parser_stage st;
	static bool started = false;

	if (!started) {
		struct ndr_top_cfg cfg;
		ndr_vitis_cfg(&cfg);
		ndr_parser_stage_init(&st, &cfg);
		started = true;
	}
	ndr_stage_parser(&st, &in, &dns_beats, &dns_meta, &tls_beats, &tls_meta, &out, &stats);
}

void ndr_df_dns_capture(struct ndr_cap_beat_s &beats, struct ndr_cap_meta_s &meta,
			struct ndr_dns_chunk_s &out)
{
	static struct ndr_dns_capture st;
	static bool started = false;

	if (!started) {
		ndr_dns_capture_init(&st);
		started = true;
	}
	ndr_stage_dns_capture(&st, &beats, &meta, &out);
}

void ndr_df_tls_capture(struct ndr_cap_beat_s &beats, struct ndr_cap_meta_s &meta,
			struct ndr_tls_chunk_s &out)
{
	static struct ndr_tls_capture st;
	static bool started = false;

	if (!started) {
		ndr_tls_capture_init(&st);
		started = true;
	}
	ndr_stage_tls_capture(&st, &beats, &meta, &out);
}

void ndr_df_hash(struct ndr_parsed_s &in, struct ndr_flow_op_s &out)
{
	static struct ndr_hash_stage st;
	static bool started = false;

	if (!started) {
		struct ndr_top_cfg cfg;
		ndr_vitis_cfg(&cfg);
		ndr_hash_stage_init(&st, &cfg);
		started = true;
	}
	ndr_stage_hash(&st, &in, &out);
}

void ndr_df_flow(struct ndr_flow_op_s &in, struct ndr_rec3_s &out, struct ndr_stats_flow_s &stats)
{
	/* Zero before the first op, as struct ndr_flow_mem requires: static
	 * storage is, and so are the bitstream's initial URAM contents. */
	static struct ndr_flow_bucket buckets[1u << NDR_VITIS_LOG2_BUCKETS];
	NDR_PRAGMA(HLS BIND_STORAGE variable=buckets type=ram_2p impl=uram)
	static struct ndr_flow_entry entries[(1u << NDR_VITIS_LOG2_BUCKETS) * NDR_FLOW_WAYS];
	NDR_PRAGMA(HLS BIND_STORAGE variable=entries type=ram_2p impl=uram)
	static struct ndr_flow_stage st;
	static bool started = false;

	if (!started) {
		struct ndr_top_cfg cfg;
		ndr_vitis_cfg(&cfg);
		ndr_flow_stage_init(&st, &cfg, NDR_VITIS_FLOW_LAT);
		st.fwd_depth = NDR_VITIS_FLOW_FWD;
		started = true;
	}
	struct ndr_flow_mem mem;
	mem.buckets = buckets;
	mem.entries = entries;
	ndr_stage_flow(&st, mem, &in, &out, &stats);
}

void ndr_df_dns_engines(struct ndr_dns_chunk_s &in, struct ndr_rec6_s &out,
			struct ndr_stats_dns_s &stats)
{
	static struct ndr_dns_engines st;
	static bool started = false;

	if (!started) {
		ndr_dns_engines_init(&st);
		started = true;
	}
	ndr_stage_dns_engines(&st, &in, &out, &stats);
}

void ndr_df_tls_engines(struct ndr_tls_chunk_s &in, struct ndr_rec3_s &out,
			struct ndr_stats_tls_s &stats)
{
	static struct ndr_tls_engines st;
	static bool started = false;

	if (!started) {
		ndr_tls_engines_init(&st);
		started = true;
	}
	ndr_stage_tls_engines(&st, &in, &out, &stats);
}

void ndr_df_records(struct ndr_rec3_s &flow, struct ndr_rec6_s &dns, struct ndr_rec3_s &tls,
		    struct ndr_stats_parse_s &sp, struct ndr_stats_flow_s &sf,
		    struct ndr_stats_dns_s &sd, struct ndr_stats_tls_s &st,
		    struct ndr_slot_s &out)
{
	static struct ndr_record_stage rs;
	static bool started = false;

	if (!started) {
		ndr_record_stage_init(&rs);
		started = true;
	}
	ndr_stage_records(&rs, &flow, &dns, &tls, &sp, &sf, &sd, &st, &out);
}

void ndr_df_out(struct ndr_slot_s &in, ndr_axis &records)
{
	NDR_STAGE
	struct ndr_slot_item it;
	if (!records.full() && ndr_slot_s_read_nb(&in, &it))
		records.write(ndr_vitis_slot_to_word(it.b, true));
}

extern "C" void ndr_datapath(ndr_axis &rx, ndr_axis &records, uint32_t flush)
{
	NDR_PRAGMA(HLS INTERFACE mode=axis port=rx)
	NDR_PRAGMA(HLS INTERFACE mode=axis port=records)
	NDR_PRAGMA(HLS INTERFACE mode=s_axilite port=flush bundle=control)
	NDR_PRAGMA(HLS INTERFACE mode=ap_ctrl_none port=return)
	NDR_PRAGMA(HLS DATAFLOW)

	static struct ndr_beat_s s_rx;
	NDR_PRAGMA(HLS STREAM variable=s_rx.s depth=ndr_beat_s_DEPTH)
	static struct ndr_cap_beat_s s_dns_beats;
	NDR_PRAGMA(HLS STREAM variable=s_dns_beats.s depth=ndr_cap_beat_s_DEPTH)
	static struct ndr_cap_meta_s s_dns_meta;
	NDR_PRAGMA(HLS STREAM variable=s_dns_meta.s depth=ndr_cap_meta_s_DEPTH)
	static struct ndr_cap_beat_s s_tls_beats;
	NDR_PRAGMA(HLS STREAM variable=s_tls_beats.s depth=ndr_cap_beat_s_DEPTH)
	static struct ndr_cap_meta_s s_tls_meta;
	NDR_PRAGMA(HLS STREAM variable=s_tls_meta.s depth=ndr_cap_meta_s_DEPTH)
	static struct ndr_parsed_s s_parsed;
	NDR_PRAGMA(HLS STREAM variable=s_parsed.s depth=ndr_parsed_s_DEPTH)
	static struct ndr_stats_parse_s s_st_parse;
	NDR_PRAGMA(HLS STREAM variable=s_st_parse.s depth=ndr_stats_parse_s_DEPTH)
	static struct ndr_flow_op_s s_ops;
	NDR_PRAGMA(HLS STREAM variable=s_ops.s depth=ndr_flow_op_s_DEPTH)
	static struct ndr_rec3_s s_flow_recs;
	NDR_PRAGMA(HLS STREAM variable=s_flow_recs.s depth=ndr_rec3_s_DEPTH)
	static struct ndr_stats_flow_s s_st_flow;
	NDR_PRAGMA(HLS STREAM variable=s_st_flow.s depth=ndr_stats_flow_s_DEPTH)
	static struct ndr_dns_chunk_s s_dns_chunks;
	NDR_PRAGMA(HLS STREAM variable=s_dns_chunks.s depth=ndr_dns_chunk_s_DEPTH)
	static struct ndr_rec6_s s_dns_recs;
	NDR_PRAGMA(HLS STREAM variable=s_dns_recs.s depth=ndr_rec6_s_DEPTH)
	static struct ndr_stats_dns_s s_st_dns;
	NDR_PRAGMA(HLS STREAM variable=s_st_dns.s depth=ndr_stats_dns_s_DEPTH)
	static struct ndr_tls_chunk_s s_tls_chunks;
	NDR_PRAGMA(HLS STREAM variable=s_tls_chunks.s depth=ndr_tls_chunk_s_DEPTH)
	static struct ndr_rec3_s s_tls_recs;
	NDR_PRAGMA(HLS STREAM variable=s_tls_recs.s depth=ndr_rec3_s_DEPTH)
	static struct ndr_stats_tls_s s_st_tls;
	NDR_PRAGMA(HLS STREAM variable=s_st_tls.s depth=ndr_stats_tls_s_DEPTH)
	static struct ndr_slot_s s_slots;
	NDR_PRAGMA(HLS STREAM variable=s_slots.s depth=ndr_slot_s_DEPTH)

	ndr_df_rx(rx, flush, s_rx);
	ndr_df_parser(s_rx, s_dns_beats, s_dns_meta, s_tls_beats, s_tls_meta, s_parsed, s_st_parse);
	ndr_df_dns_capture(s_dns_beats, s_dns_meta, s_dns_chunks);
	ndr_df_tls_capture(s_tls_beats, s_tls_meta, s_tls_chunks);
	ndr_df_hash(s_parsed, s_ops);
	ndr_df_flow(s_ops, s_flow_recs, s_st_flow);
	ndr_df_dns_engines(s_dns_chunks, s_dns_recs, s_st_dns);
	ndr_df_tls_engines(s_tls_chunks, s_tls_recs, s_st_tls);
	ndr_df_records(s_flow_recs, s_dns_recs, s_tls_recs, s_st_parse, s_st_flow, s_st_dns,
		       s_st_tls, s_slots);
	ndr_df_out(s_slots, records);
}
