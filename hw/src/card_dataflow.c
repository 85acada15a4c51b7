/*
 * card_dataflow.c - every stage of the card, joined by their streams, one
 * clock at a time (ndr_hw_card.h). The clocked simulation (sim/src/
 * clocked.c) calls ndr_dataflow_clock once per clock; the Vitis top
 * (hw/vitis/ndr_datapath.cpp) is the same region with the stages as
 * dataflow processes and the streams as hls::stream.
 */
#include "ndr_hw.h"

void ndr_dataflow_init(struct ndr_dataflow *d, const struct ndr_top_cfg *cfg,
		       const struct ndr_ring_ctrl *ctrl, uint32_t log2_slots, uint32_t flow_lat)
{
	ndr_rx_stage_init(&d->rx);
	ndr_parser_stage_init(&d->parser, cfg);
	ndr_hash_stage_init(&d->hash, cfg);
	ndr_flow_stage_init(&d->flow, cfg, flow_lat);
	ndr_dns_capture_init(&d->dns_cap);
	ndr_dns_engines_init(&d->dns);
	ndr_tls_capture_init(&d->tls_cap);
	ndr_tls_engines_init(&d->tls);
	ndr_record_stage_init(&d->rec);
	ndr_writer_stage_init(&d->writer, ctrl, log2_slots);
	ndr_beat_s_init(&d->s_rx);
	ndr_cap_beat_s_init(&d->s_dns_beats);
	ndr_cap_beat_s_init(&d->s_tls_beats);
	ndr_cap_meta_s_init(&d->s_dns_meta);
	ndr_cap_meta_s_init(&d->s_tls_meta);
	ndr_parsed_s_init(&d->s_parsed);
	ndr_stats_parse_s_init(&d->s_st_parse);
	ndr_flow_op_s_init(&d->s_ops);
	ndr_rec3_s_init(&d->s_flow_recs);
	ndr_stats_flow_s_init(&d->s_st_flow);
	ndr_dns_chunk_s_init(&d->s_dns_chunks);
	ndr_rec6_s_init(&d->s_dns_recs);
	ndr_stats_dns_s_init(&d->s_st_dns);
	ndr_tls_chunk_s_init(&d->s_tls_chunks);
	ndr_rec3_s_init(&d->s_tls_recs);
	ndr_stats_tls_s_init(&d->s_st_tls);
	ndr_slot_s_init(&d->s_slots);
}

/* The stages in data order, producers first: rx 0 .. writer 9. */
static void df_stage(struct ndr_dataflow *d, const struct ndr_dataflow_io *io,
		  const struct ndr_rx_port *port, uint64_t now_ns, bool flush, uint32_t k)
{
	switch (k) {
	case 0:
		ndr_stage_rx(&d->rx, port, now_ns, flush, &d->s_rx);
		break;
	case 1:
		ndr_stage_parser(&d->parser, &d->s_rx, &d->s_dns_beats, &d->s_dns_meta,
				 &d->s_tls_beats, &d->s_tls_meta, &d->s_parsed, &d->s_st_parse);
		break;
	case 2:
		ndr_stage_dns_capture(&d->dns_cap, &d->s_dns_beats, &d->s_dns_meta, &d->s_dns_chunks);
		break;
	case 3:
		ndr_stage_tls_capture(&d->tls_cap, &d->s_tls_beats, &d->s_tls_meta, &d->s_tls_chunks);
		break;
	case 4:
		ndr_stage_hash(&d->hash, &d->s_parsed, &d->s_ops);
		break;
	case 5:
		ndr_stage_flow(&d->flow, io->table, &d->s_ops, &d->s_flow_recs, &d->s_st_flow);
		break;
	case 6:
		ndr_stage_dns_engines(&d->dns, &d->s_dns_chunks, &d->s_dns_recs, &d->s_st_dns);
		break;
	case 7:
		ndr_stage_tls_engines(&d->tls, &d->s_tls_chunks, &d->s_tls_recs, &d->s_st_tls);
		break;
	case 8:
		ndr_stage_records(&d->rec, &d->s_flow_recs, &d->s_dns_recs, &d->s_tls_recs,
				  &d->s_st_parse, &d->s_st_flow, &d->s_st_dns, &d->s_st_tls,
				  &d->s_slots);
		break;
	default:
		ndr_stage_writer(&d->writer, &d->s_slots, io->ring, io->ctrl, io->link_ready);
		break;
	}
}

#define STAGES 10u

void ndr_dataflow_clock(struct ndr_dataflow *d, const struct ndr_dataflow_io *io,
			const struct ndr_rx_port *port, uint64_t now_ns, bool flush,
			bool producers_first)
{
	for (uint32_t i = 0; i < STAGES; i++)
		df_stage(d, io, port, now_ns, flush, producers_first ? i : STAGES - 1u - i);
}

#ifndef __SYNTHESIS__
/* For the simulation only: the stream occupancies are not hardware. */
bool ndr_dataflow_idle(const struct ndr_dataflow *d)
{
	return !d->rx.in_frame && !d->rx.abort_pending &&
	       ndr_beat_s_count(&d->s_rx) == 0u &&
	       ndr_cap_beat_s_count(&d->s_dns_beats) == 0u &&
	       ndr_cap_beat_s_count(&d->s_tls_beats) == 0u &&
	       ndr_cap_meta_s_count(&d->s_dns_meta) == 0u &&
	       ndr_cap_meta_s_count(&d->s_tls_meta) == 0u &&
	       ndr_parsed_s_count(&d->s_parsed) == 0u &&
	       ndr_stats_parse_s_count(&d->s_st_parse) == 0u &&
	       ndr_flow_op_s_count(&d->s_ops) == 0u &&
	       ndr_rec3_s_count(&d->s_flow_recs) == 0u &&
	       ndr_stats_flow_s_count(&d->s_st_flow) == 0u &&
	       ndr_dns_chunk_s_count(&d->s_dns_chunks) == 0u &&
	       ndr_rec6_s_count(&d->s_dns_recs) == 0u &&
	       ndr_stats_dns_s_count(&d->s_st_dns) == 0u &&
	       ndr_tls_chunk_s_count(&d->s_tls_chunks) == 0u &&
	       ndr_rec3_s_count(&d->s_tls_recs) == 0u &&
	       ndr_stats_tls_s_count(&d->s_st_tls) == 0u &&
	       ndr_slot_s_count(&d->s_slots) == 0u &&
	       ndr_parser_stage_idle(&d->parser) &&
	       !d->dns_cap.held_valid && !d->tls_cap.held_valid &&
	       ndr_flow_stage_idle(&d->flow) && ndr_dns_engines_idle(&d->dns) &&
	       !d->dns.flush_wait && ndr_tls_engines_idle(&d->tls) && !d->tls.flush_wait &&
	       ndr_record_stage_idle(&d->rec) && ndr_writer_stage_idle(&d->writer);
}

/* Ticks of an idle card up to card time `upto` that change nothing but
 * card time and the scanner's place: no heartbeat falls due at them and no
 * visit they make retires a flow. Taken here without clocks, the card
 * left as the clocks would have left it (the ticks counted; the stages
 * between rx and the flow stage only pass a tick on). Returns the ticks
 * taken; the next tick, if any before upto, needs clocks. */
uint64_t ndr_dataflow_quiet_ticks(struct ndr_dataflow *d, const struct ndr_dataflow_io *io,
				  uint64_t upto)
{
	if (!d->rx.seen || !ndr_dataflow_idle(d))
		return 0;
	uint64_t g = ndr_rx_next_tick(d->rx.last);
	if (g > upto)
		return 0;
	uint64_t last = upto / NDR_TICK_NS * NDR_TICK_NS;
	const struct ndr_parser_stage *p = &d->parser;
	if (p->hb_ns && p->seen_any && p->hb_next <= last) {
		if (p->hb_next <= g)
			return 0;
		last = (p->hb_next - 1u) / NDR_TICK_NS * NDR_TICK_NS;
	}
	uint64_t stop;
	if (!ndr_flow_stage_quiet_until(&d->flow, io->table, last, &stop)) {
		if (stop <= g)
			return 0;
		last = (stop - 1u) / NDR_TICK_NS * NDR_TICK_NS;
	}
	if (last < g)
		return 0;
	uint64_t n = (last - g) / NDR_TICK_NS + 1u;
	d->rx.last = last;
	d->rx.ticks += n;
	d->parser.now = ndr_hw_max64(d->parser.now, last);
	ndr_flow_clock_advance(&d->flow.cfg, &d->flow.clk, last);
	return n;
}
#endif
