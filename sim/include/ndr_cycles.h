/*
 * ndr_cycles.h - what the clocked simulation observed (clocked.c), and the
 * report ndr-sim --cycles prints from it (cycles.c;
 * docs/microarchitecture.md "The clocked simulation").
 *
 * Every number comes from the simulation: items each stage took, clocks it
 * worked, clocks it was held (its output full, or work it must finish), the
 * peak occupancy of every stream, and every loss with where it happened.
 * line-rate=yes only when rx never lost a beat (the input was never held:
 * the CMAC cannot wait) and nothing anywhere was dropped.
 */
#ifndef NDR_CYCLES_H
#define NDR_CYCLES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define NDR_CLOCK_HZ 322265625ull          /* CMAC clock: 100G / 310.3 ps */

enum ndr_obs_stage {
	NDR_OBS_RX, NDR_OBS_PARSER, NDR_OBS_DNS_CAP, NDR_OBS_TLS_CAP, NDR_OBS_HASH,
	NDR_OBS_FLOW, NDR_OBS_DNS_WALK, NDR_OBS_TLS_WALK, NDR_OBS_RECORDS, NDR_OBS_WRITER,
	NDR_OBS_STAGES
};

struct ndr_stage_obs {
	const char *name;
	const char *unit;           /* what items are */
	uint64_t items;
	uint64_t busy;              /* clocks with work */
	uint64_t busy_input;        /* of them, by the last beat: its load
	                               while frames came is this over
	                               input_clocks */
	uint64_t held;              /* clocks it could not go on */
	const char *in_stream;      /* the stream it reads, peak of it */
	uint32_t in_peak, in_depth;
	uint64_t in_full;           /* clocks that stream was full: the stage
	                               was behind what came to it */
	uint64_t full_input;        /* of them, by the last beat */
};

struct ndr_card;

struct ndr_cycles {
	bool     clocked;           /* false: a whole-frame card, no clocks */
	bool     pace_line;
	uint64_t clocks;            /* simulated, skipped idle ones included */
	uint64_t clocks_run;        /* clocks every stage was called */
	uint64_t input_clocks;      /* first beat to last beat */
	uint64_t drain_clocks;      /* last beat to every stage idle */
	uint64_t beats, frames, frame_bytes, ticks;
	uint64_t quiet_ticks;       /* of the ticks, taken without clocks */
	struct ndr_stage_obs st[NDR_OBS_STAGES];
	/* losses, by where */
	uint64_t rx_overrun;        /* frames (rx FIFO full) */
	uint64_t dns_dropped, tls_dropped;
	uint64_t link_dropped;      /* records: record path full */
	uint64_t ring_dropped;      /* records: host ring full */
	/* flow table */
	uint32_t flow_lat, flow_fwd;
	uint64_t flow_in_flight_max, flow_fwd_hits, flow_visits, flow_expired;
	uint64_t flow_created, flow_evicted, flow_collisions, flow_sig_false, flow_dns_only;
	/* walk engines */
	uint32_t dns_engines, dns_engines_max;
	uint64_t dns_messages, dns_walked, dns_walk_clocks, dns_engine_clocks;
	uint32_t tls_engines, tls_engines_max;
	uint64_t tls_hellos, tls_walked, tls_walk_clocks, tls_engine_clocks;
	/* records and the host link */
	uint64_t records, slots, link_waits;
	uint32_t link_mbps;
};

/* The card's clocks and counters (after ndr_card_flush for the drain). */
void ndr_card_cycles(const struct ndr_card *card, struct ndr_cycles *c);

/* Nothing lost, the input never held. */
bool ndr_cycles_line_rate(const struct ndr_cycles *c);

/* The per-stage report, ending with the line
 * "overall: line-rate=yes|no limited-by=STAGE (why)". */
void ndr_cycles_report(FILE *out, const struct ndr_cycles *c);

#endif
