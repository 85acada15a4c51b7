/*
 * record_stage.c - the record streams merged into one slot a clock for the
 * writer, and the heartbeat assembled from the stages' counters
 * (ndr_hw_rec.h).
 *
 * Why counters travel as stream items: stages of a dataflow region share
 * nothing but streams. Each stage sends its counters when the heartbeat
 * mark reaches it, in order with its own work, so the heartbeat counts what
 * each stage had done before the frame that made it due.
 */
#include "ndr_hw.h"

void ndr_record_stage_init(struct ndr_record_stage *s)
{
	s->slots = 0;
	s->sent = 0;
	s->turn = 0;
	s->have_parse = false;
	s->have_flow = false;
	s->have_dns = false;
	s->have_tls = false;
	s->records = 0;
	s->heartbeats = 0;
	s->busy = 0;
	s->stalled = 0;
}

bool ndr_record_stage_idle(const struct ndr_record_stage *s)
{
	return s->sent == s->slots && !s->have_parse && !s->have_flow && !s->have_dns &&
	       !s->have_tls;
}

/* The next record to send, if any: the heartbeat first, then the record
 * streams in turn. */
static bool rs_next_record(struct ndr_record_stage *s, struct ndr_rec3_s *flow,
			   struct ndr_rec6_s *dns, struct ndr_rec3_s *tls)
{
	if (s->have_parse && s->have_flow && s->have_dns && s->have_tls) {
		ndr_hb_record(&s->hb, s->rec);
		s->have_parse = false;
		s->have_flow = false;
		s->have_dns = false;
		s->have_tls = false;
		s->heartbeats++;
		return true;
	}
	/* the first stream with a record, from this turn's on */
	uint32_t src = 3u;
	for (uint32_t k = 0; k < 3u; k++) {
		uint32_t c = (s->turn + k) % 3u;
		bool ready = c == 0u ? !ndr_rec3_s_empty(flow)
			   : c == 1u ? !ndr_rec6_s_empty(dns) : !ndr_rec3_s_empty(tls);
		if (src == 3u && ready)
			src = c;
	}
	if (src == 0u || src == 2u) {
		struct ndr_rec3 r;
		ndr_rec3_s_read(src == 0u ? flow : tls, &r);
		for (uint32_t i = 0; i < NDR_FLOW_REC_BYTES; i++)
			s->rec[i] = r.b[i];
	} else if (src == 1u) {
		struct ndr_rec6 r;
		ndr_rec6_s_read(dns, &r);
		for (uint32_t i = 0; i < NDR_DNS_REC_BYTES; i++)
			s->rec[i] = r.b[i];
	} else {
		return false;
	}
	s->turn = (src + 1u) % 3u;
	s->records++;
	return true;
}

void ndr_stage_records(struct ndr_record_stage *s, struct ndr_rec3_s *flow, struct ndr_rec6_s *dns,
		       struct ndr_rec3_s *tls, struct ndr_stats_parse_s *sp,
		       struct ndr_stats_flow_s *sf, struct ndr_stats_dns_s *sd,
		       struct ndr_stats_tls_s *st, struct ndr_slot_s *out)
{
	NDR_STAGE
	/* the heartbeat's parts, each as its stage sends it */
	if (!s->have_parse && ndr_stats_parse_s_read_nb(sp, &s->hb.parse))
		s->have_parse = true;
	if (!s->have_flow && ndr_stats_flow_s_read_nb(sf, &s->hb.flow))
		s->have_flow = true;
	if (!s->have_dns && ndr_stats_dns_s_read_nb(sd, &s->hb.dns))
		s->have_dns = true;
	if (!s->have_tls && ndr_stats_tls_s_read_nb(st, &s->hb.tls))
		s->have_tls = true;

	if (ndr_slot_s_full(out)) {
		if (s->sent < s->slots)
			s->stalled++;
		return;
	}
	if (s->sent == s->slots) {
		if (!rs_next_record(s, flow, dns, tls))
			return;
		uint32_t n = s->rec[1];
		s->slots = n == 0u || n > 6u ? 1u : n;
		s->sent = 0;
	}
	s->busy++;
	struct ndr_slot_item it;
	for (uint32_t i = 0; i < NDR_SLOT_BYTES; i++)
		it.b[i] = s->rec[s->sent * NDR_SLOT_BYTES + i];
	ndr_slot_s_write(out, &it);
	s->sent++;
}
