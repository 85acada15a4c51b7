/*
 * ndr_timebase.h - a card's clock to wall time.
 *
 * On a card the data path stamps a frame with its clock count times the
 * nominal CMAC period, 1024/330 ns (322.265625 MHz): time since the
 * bitstream started, not wall time, and only right if the kernel really runs
 * at that clock. v++ may close timing at a lower kernel clock; the xclbin
 * then says which (its data clock), and the host rescales.
 *
 * The mapping is wall = wall0 + (card - card0) * nominal_hz / actual_hz,
 * anchored on the first record seen. A record reaches the host a little
 * after the card cut it (the writer publishes at least every 200 us; the host
 * polls), never before, so the smallest delay seen over a window of
 * heartbeats is the offset error, whatever the consumer's backlog: a record
 * that would map into the future moves the anchor back at once; a window
 * whose smallest delay exceeds max_lag moves it forward by that delay. That
 * keeps the two clocks' drift (crystals differ by up to a few hundred ppm)
 * from adding up.
 */
#ifndef NDR_TIMEBASE_H
#define NDR_TIMEBASE_H

#include <stdint.h>

#include "ndr_abi.h"

/* The clock the data path's time stamps assume (hw/vitis/ndr_vitis.h). */
#define NDR_TIMEBASE_NOMINAL_HZ 322265625ull

#define NDR_TIMEBASE_WINDOW     16u              /* heartbeats per correction */
#define NDR_TIMEBASE_MAX_LAG_NS 50000000ull      /* 50 ms */

struct ndr_timebase {
	uint64_t actual_hz;        /* the data path's real clock */
	int anchored;
	uint64_t card0, wall0;
	int64_t min_delay;         /* smallest now - mapped in this window */
	uint32_t window_n;
	uint64_t corrections;      /* times the anchor moved */
};

/* actual_hz: the kernel clock the xclbin reports; 0 = the nominal one. */
void ndr_timebase_init(struct ndr_timebase *tb, uint64_t actual_hz);

/* Data clock in MHz from an xclbin (whole MHz) to Hz: 322 MHz is the
 * nominal 322.265625 MHz rounded, not a clock 0.08 % slower. */
uint64_t ndr_timebase_hz_from_mhz(uint32_t mhz);

/* Card time to wall time (anchors on the first call). */
uint64_t ndr_timebase_map(struct ndr_timebase *tb, uint64_t card_ns, uint64_t now_ns);

/* Rewrite every time field of a record in place (header, flow period,
 * drop interval); a heartbeat also feeds the drift correction. now_ns is
 * the wall time the record was read. */
void ndr_timebase_rewrite(struct ndr_timebase *tb, struct ndr_rec_hdr *rec, uint64_t now_ns);

#endif
