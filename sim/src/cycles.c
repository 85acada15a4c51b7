/*
 * cycles.c - the report of what the clocked simulation observed
 * (ndr_cycles.h). It computes nothing but ratios of observed counts.
 */
#include <inttypes.h>
#include <string.h>

#include "ndr_cycles.h"

bool ndr_cycles_line_rate(const struct ndr_cycles *c)
{
	return c->clocked && c->rx_overrun == 0u && c->dns_dropped == 0u && c->tls_dropped == 0u &&
	       c->link_dropped == 0u && c->ring_dropped == 0u;
}

static double per(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

/* Where rx's losses come from: the stage furthest down the data path
 * whose input was full (it could not keep up; the ones before it were
 * only held by it). */
static const struct ndr_stage_obs *bottleneck(const struct ndr_cycles *c)
{
	const struct ndr_stage_obs *m = NULL;
	for (uint32_t k = NDR_OBS_PARSER; k < NDR_OBS_STAGES; k++) {
		if (c->st[k].full_input)
			m = &c->st[k];
	}
	return m;
}

/* One loss of the card: the stage it names and why. */
static void loss_text(FILE *out, const struct ndr_cycles *c, int k)
{
	const struct ndr_stage_obs *m;

	switch (k) {
	case 0:
		m = bottleneck(c);
		fprintf(out, "%s (%" PRIu64 " frames lost at rx: the input was held)",
			m ? m->name : "rx", c->rx_overrun);
		break;
	case 1:
		fprintf(out, "dns-walk (%" PRIu64 " DNS messages dropped: all %u engines' "
			"buffers taken)", c->dns_dropped, c->dns_engines);
		break;
	case 2:
		fprintf(out, "tls-walk (%" PRIu64 " TLS hellos dropped: all %u engines' "
			"buffers taken)", c->tls_dropped, c->tls_engines);
		break;
	case 3:
		fprintf(out, "writer (%" PRIu64 " records dropped: more than a slot a clock or the host link's "
			"%u MB/s)", c->link_dropped, c->link_mbps);
		break;
	default:
		fprintf(out, "host (%" PRIu64 " records dropped: the ring was full)",
			c->ring_dropped);
		break;
	}
}

/* The first loss along the data path names the limit; every other loss
 * follows it, so none is hidden behind the first. */
static void limiter(FILE *out, const struct ndr_cycles *c)
{
	const uint64_t lost[5] = { c->rx_overrun, c->dns_dropped, c->tls_dropped,
				   c->link_dropped, c->ring_dropped };
	int n = 0;

	if (ndr_cycles_line_rate(c)) {
		fprintf(out, "limited-by=none\n");
		return;
	}
	for (int k = 0; k < 5; k++) {
		if (!lost[k])
			continue;
		fputs(n++ ? "; also " : "limited-by=", out);
		loss_text(out, c, k);
	}
	if (!n)
		fputs("limited-by=unknown (not a clocked run)", out);
	fputc('\n', out);
}

void ndr_cycles_report(FILE *out, const struct ndr_cycles *c)
{
	if (!c->clocked) {
		fprintf(out, "cycles: not a clocked run\n");
		return;
	}
	double hz = (double)NDR_CLOCK_HZ;
	double in_s = (double)(c->input_clocks ? c->input_clocks : 1u) / hz;
	fprintf(out, "cycles: %" PRIu64 " frames, %" PRIu64 " beats, %" PRIu64 " ticks (%" PRIu64
		" of them changed nothing but time: taken without clocks) at %.2f MHz, "
		"frames %s\n", c->frames, c->beats, c->ticks, c->quiet_ticks, hz / 1e6,
		c->pace_line ? "back to back at 100 Gbit/s" : "at their capture times on a 100 Gbit/s wire");
	fprintf(out, "  input %" PRIu64 " clocks first to last beat (load: a stage's work "
		"over them), drained %" PRIu64 " clocks later; %" PRIu64 " clocks run, %" PRIu64
		" idle clocks skipped\n",
		c->input_clocks, c->drain_clocks, c->clocks_run, c->clocks - c->clocks_run);
	fprintf(out, "  %-12s %12s %-7s %12s %10s %7s %9s %10s\n", "stage", "items", "",
		"busy-clocks", "held", "load", "in-peak", "in-full");
	for (uint32_t k = 0; k < NDR_OBS_STAGES; k++) {
		const struct ndr_stage_obs *s = &c->st[k];
		char peak[24] = "-";
		if (s->in_depth)
			snprintf(peak, sizeof(peak), "%u/%u", s->in_peak, s->in_depth);
		fprintf(out, "  %-12s %12" PRIu64 " %-7s %12" PRIu64 " %10" PRIu64 " %7.2f %9s %10"
			PRIu64 "\n", s->name ? s->name : "?", s->items, s->unit ? s->unit : "", s->busy,
			s->held, per(s->busy_input, c->input_clocks + 1u), peak, s->in_full);
	}
	fprintf(out, "flow: read latency %u clocks, forwarding window %u, at most %" PRIu64
		" ops in flight, %" PRIu64 " forwarded reads, %" PRIu64 " scanner visits (%" PRIu64
		" expired), %" PRIu64 " created, %" PRIu64 " evicted, %" PRIu64 " collisions, %" PRIu64
		" false signatures, %" PRIu64 " DNS-only flows\n",
		c->flow_lat, c->flow_fwd, c->flow_in_flight_max, c->flow_fwd_hits, c->flow_visits,
		c->flow_expired, c->flow_created, c->flow_evicted, c->flow_collisions,
		c->flow_sig_false, c->flow_dns_only);
	fprintf(out, "dns: %u engines (at most %u walking at once), %" PRIu64 " messages, %" PRIu64
		" walked, %.1f clocks per walk, %.2f engines busy on average, %" PRIu64
		" dropped (no buffer)\n",
		c->dns_engines, c->dns_engines_max, c->dns_messages, c->dns_walked,
		per(c->dns_walk_clocks, c->dns_walked), per(c->dns_engine_clocks, c->input_clocks),
		c->dns_dropped);
	fprintf(out, "tls: %u engines (at most %u walking at once), %" PRIu64 " hellos, %" PRIu64
		" walked, %.1f clocks per walk, %" PRIu64 " dropped (no buffer)\n",
		c->tls_engines, c->tls_engines_max, c->tls_hellos, c->tls_walked,
		per(c->tls_walk_clocks, c->tls_walked), c->tls_dropped);
	double rec_mbs = (double)c->slots * 64.0 / in_s / 1e6;
	fprintf(out, "records: %" PRIu64 " records, %" PRIu64 " slots (%.2f a beat), %.0f MB/s at the "
		"input's pace against a host link of %u MB/s; writer waited %" PRIu64 " clocks for "
		"the link; %" PRIu64 " dropped (record path full), %" PRIu64 " dropped (ring full)\n",
		c->records, c->slots, per(c->slots, c->beats), rec_mbs, c->link_mbps, c->link_waits,
		c->link_dropped, c->ring_dropped);
	fprintf(out, "sustained: %.2f Mpps, %.2f Gbit/s of frames over the input's %" PRIu64
		" clocks\n", (double)c->frames / in_s / 1e6,
		(double)c->frame_bytes * 8.0 / in_s / 1e9, c->input_clocks);
	fprintf(out, "losses: rx %" PRIu64 " frames, dns %" PRIu64 " messages, tls %" PRIu64
		" hellos, records %" PRIu64 " (record path) %" PRIu64 " (ring)\n",
		c->rx_overrun, c->dns_dropped, c->tls_dropped, c->link_dropped, c->ring_dropped);
	fprintf(out, "overall: line-rate=%s ", ndr_cycles_line_rate(c) ? "yes" : "no");
	limiter(out, c);
}
