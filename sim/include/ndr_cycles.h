/*
 * ndr_cycles.h - cycle accounting of the emulated card: what the kernels'
 * clocks say about line rate (docs/microarchitecture.md "Cycle accounting").
 *
 * The card's beat clock advances one clock per 64-byte beat (the CMAC hands
 * over at most one beat per clock at 322 MHz) and by every clock a stage
 * holds the beat stream (a stall). Stages report their items, the clocks
 * they were busy, and their stalls. "cycles/beat" overall is the beat clock
 * over the beats: 1.00 with zero stalls and no DNS FIFO drop is line rate
 * for back-to-back beats, the worst case a 100G port can present.
 */
#ifndef NDR_CYCLES_H
#define NDR_CYCLES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define NDR_CLOCK_HZ 322265625ull          /* CMAC clock: 100G / 310.3 ps */

struct ndr_card;

struct ndr_cycles {
	uint64_t beats;
	uint64_t frames;
	uint64_t frame_bytes;       /* frame length on the wire, FCS excluded */
	uint64_t clock;             /* beat clock at the last beat */
	uint64_t stalls;            /* clocks the beat stream was held */
	uint64_t drain_clock;       /* every stage idle again (after flush) */
	/* flow stage */
	uint64_t flow_packets;
	uint64_t flow_cycles;
	uint64_t flow_wait_max;
	uint32_t flow_queue_depth;
	uint64_t flow_created;
	uint64_t flow_evicted;
	uint64_t flow_collisions;
	uint64_t flow_sig_false;
	uint64_t flow_scan_expired;
	uint64_t flow_fwd_hits;
	/* DNS walk stage */
	uint64_t dns_messages;
	uint64_t dns_walked;
	uint64_t dns_engine_cycles;
	uint64_t dns_wait_cycles;
	uint64_t dns_fifo_drops;
	uint32_t dns_fifo_max;
	uint32_t dns_fifo_depth;
	uint32_t dns_engines;
	/* TLS walk stage */
	uint64_t tls_hellos;        /* ClientHello records written */
	uint64_t tls_engine_cycles;
	uint64_t tls_wait_cycles;
	uint64_t tls_fifo_drops;
	uint32_t tls_fifo_max;
	uint32_t tls_fifo_depth;
	uint32_t tls_engines;
	/* record writer */
	uint64_t records;
	uint64_t record_slots;
};

/* The card's clocks and counters (call after ndr_card_flush for the drain). */
void ndr_card_cycles(const struct ndr_card *card, struct ndr_cycles *c);

/* Beat clock over beats (1.0 for an empty run). */
double ndr_cycles_per_beat(const struct ndr_cycles *c);

/* Line rate: cycles/beat prints as 1.00, no stall, no DNS message or TLS
 * hello dropped. */
bool ndr_cycles_line_rate(const struct ndr_cycles *c);

/* The per-stage report, ending with the line
 * "overall: cycles/beat=X.XX stalls=N line-rate=yes|no". */
void ndr_cycles_report(FILE *out, const struct ndr_cycles *c);

#endif
