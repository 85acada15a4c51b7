/*
 * cycles.c - the cycle accounting report (sim/include/ndr_cycles.h).
 *
 * Every stage line gives: items, busy clocks, stalls, and busy clocks per
 * input beat. For the parser that is 1.00 by construction (one beat per
 * clock); for the flow stage it is its occupancy (one clock per packet plus
 * one per extra memory read; below 1.00 it keeps up, its queue absorbs
 * bursts, and only a full queue stalls); for the DNS walk stage it is the
 * occupancy of one of its engines (engine clocks over engines x beats); for
 * the record writer it is 64-byte slots per beat: the host link, not the
 * beat pipeline, is what bounds it, so it is reported against PCIe and does
 * not enter the line-rate verdict (records the link cannot take are dropped
 * and reported in-band by the ring's drop notice, never stall the beats).
 */
#include <inttypes.h>

#include "ndr_cycles.h"

/* What a PCIe Gen3 x16 link moves in practice (ARCHITECTURE.md section 2). */
#define PCIE_GEN3_X16_GBPS 115.0
/* Preamble, SFD and inter-frame gap, and the FCS the capture leaves out. */
#define WIRE_OVERHEAD_BYTES 24u

double ndr_cycles_per_beat(const struct ndr_cycles *c)
{
	return c->beats ? (double)c->clock / (double)c->beats : 1.0;
}

bool ndr_cycles_line_rate(const struct ndr_cycles *c)
{
	/* "prints as 1.00": below 1.005 */
	return c->stalls == 0u && c->dns_fifo_drops == 0u && c->tls_fifo_drops == 0u &&
	       ndr_cycles_per_beat(c) < 1.005;
}

static double per(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

static void stage(FILE *out, const char *name, uint64_t items, const char *unit,
		  uint64_t cycles, uint64_t stalls, double per_beat)
{
	fprintf(out, "  %-14s %12" PRIu64 " %-9s %14" PRIu64 " %10" PRIu64 " %11.2f\n",
		name, items, unit, cycles, stalls, per_beat);
}

void ndr_cycles_report(FILE *out, const struct ndr_cycles *c)
{
	double hz = (double)NDR_CLOCK_HZ;
	double clocks = c->clock ? (double)c->clock : 1.0;
	double seconds = clocks / hz;

	fprintf(out, "cycles: %" PRIu64 " beats, %" PRIu64 " frames, beat clock %" PRIu64
		" at %.2f MHz, one beat per clock\n",
		c->beats, c->frames, c->clock, hz / 1e6);
	fprintf(out, "  %-14s %12s %-9s %14s %10s %11s\n",
		"stage", "items", "", "busy-cycles", "stalls", "cycles/beat");
	stage(out, "parser", c->beats, "beats", c->beats, 0, c->beats ? 1.0 : 0.0);
	stage(out, "dns-capture", c->beats, "beats", c->beats, 0, c->beats ? 1.0 : 0.0);
	stage(out, "flow", c->flow_packets, "packets", c->flow_cycles, c->stalls,
	      per(c->flow_cycles, c->beats));
	stage(out, "dns-walk", c->dns_walked, "messages", c->dns_engine_cycles, 0,
	      per(c->dns_engine_cycles, (uint64_t)c->dns_engines * c->beats));
	stage(out, "tls-walk", c->tls_hellos, "hellos", c->tls_engine_cycles, 0,
	      per(c->tls_engine_cycles, (uint64_t)c->tls_engines * c->beats));
	stage(out, "record-writer", c->record_slots, "slots", c->record_slots, 0,
	      per(c->record_slots, c->beats));

	fprintf(out, "flow: queue %u, longest wait %" PRIu64 " clocks, %" PRIu64
		" extra reads, %" PRIu64 " created, %" PRIu64 " evicted, %" PRIu64
		" collisions, %" PRIu64 " false signatures, %" PRIu64 " scanner expiries, %" PRIu64
		" forwarded reads\n",
		c->flow_queue_depth, c->flow_wait_max, c->flow_cycles - c->flow_packets,
		c->flow_created, c->flow_evicted, c->flow_collisions, c->flow_sig_false,
		c->flow_scan_expired, c->flow_fwd_hits);
	fprintf(out, "dns: %u engines, FIFO %u (highest %u), %" PRIu64 " messages, %" PRIu64
		" walked, %" PRIu64 " dropped (FIFO full), %.1f engine clocks per message, "
		"%.1f clocks waiting per message\n",
		c->dns_engines, c->dns_fifo_depth, c->dns_fifo_max, c->dns_messages, c->dns_walked,
		c->dns_fifo_drops, per(c->dns_engine_cycles, c->dns_walked),
		per(c->dns_wait_cycles, c->dns_walked));
	fprintf(out, "tls: %u engines, FIFO %u (highest %u), %" PRIu64 " hellos, %" PRIu64
		" dropped (FIFO full), %.1f engine clocks per hello, %.1f clocks waiting per hello\n",
		c->tls_engines, c->tls_fifo_depth, c->tls_fifo_max, c->tls_hellos,
		c->tls_fifo_drops, per(c->tls_engine_cycles, c->tls_hellos),
		per(c->tls_wait_cycles, c->tls_hellos));

	/* The host link's load when this traffic arrives at 100 Gbit/s on
	 * the wire (or at the beat clock's rate, if that is lower). */
	double wire_bytes = (double)c->frame_bytes + (double)c->frames * WIRE_OVERHEAD_BYTES;
	double wire_s = wire_bytes * 8.0 / 100e9;
	double rec_s = wire_s > seconds ? wire_s : seconds;
	double rec_gbps = (double)c->record_slots * 64.0 * 8.0 / rec_s / 1e9;
	fprintf(out, "records: %" PRIu64 " records, %.2f slots/beat, %.1f Gbit/s to the host "
		"at 100G line rate (PCIe Gen3 x16 ~%.0f): %s\n",
		c->records, per(c->record_slots, c->beats), rec_gbps, PCIE_GEN3_X16_GBPS,
		rec_gbps <= PCIE_GEN3_X16_GBPS ? "fits"
					       : "over the link; the ring drops and counts the excess");

	double frame_gbps = (double)c->frame_bytes * 8.0 / seconds / 1e9;
	double wire_gbps = wire_bytes * 8.0 / seconds / 1e9;
	fprintf(out, "sustained: %.2f Mpps, %.2f Gbit/s of frames (%.2f Gbit/s on the wire) at "
		"%.2f MHz with beats back to back; pipeline drained %" PRIu64
		" clocks after the last beat\n",
		(double)c->frames / seconds / 1e6, frame_gbps, wire_gbps, hz / 1e6,
		c->drain_clock > c->clock ? c->drain_clock - c->clock : 0u);
	fprintf(out, "overall: cycles/beat=%.2f stalls=%" PRIu64 " line-rate=%s\n",
		ndr_cycles_per_beat(c), c->stalls,
		ndr_cycles_line_rate(c) ? "yes" : "no");
}
