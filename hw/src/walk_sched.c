/*
 * walk_sched.c - the FIFO and engine pool in front of a walk stage, kept as
 * clocks (ndr_hw.h "Walk scheduling"; docs/microarchitecture.md).
 *
 * Which item is dropped depends only on these clocks, known when the item
 * arrives, so the emulation walks an item at once and writes its record at
 * the end of its packet; the schedule says whether the card could have.
 */
#include "ndr_hw.h"

void ndr_walk_sched_init(struct ndr_walk_sched *s, uint32_t engines, uint32_t fifo_depth)
{
	s->engines = engines > NDR_WALK_MAX ? NDR_WALK_MAX : (engines ? engines : 1u);
	s->fifo_depth = fifo_depth > NDR_WALK_MAX ? NDR_WALK_MAX : (fifo_depth ? fifo_depth : 1u);
	for (uint32_t i = 0; i < NDR_WALK_MAX; i++) {
		s->engine_free[i] = 0;
		s->handover[i] = 0;
	}
	s->next = 0;
	s->last_handover = 0;
	s->any = false;
	s->fifo_drops = 0;
	s->engine_cycles = 0;
	s->wait_cycles = 0;
	s->fifo_max = 0;
	s->last_busy = 0;
}

/* Items still waiting at `now`: the hand-over clocks are in FIFO order and
 * never decrease, so the waiting ones are the newest. */
static uint32_t waiting(const struct ndr_walk_sched *s, uint64_t now)
{
	uint32_t n = 0;
	for (uint32_t k = 1; k <= NDR_WALK_MAX; k++) {
		if (k > s->fifo_depth)
			break;
		uint64_t h = s->handover[(s->next - k) % s->fifo_depth];
		if (h <= now)
			break;
		n++;
	}
	return n;
}

bool ndr_walk_sched_admit(struct ndr_walk_sched *s, uint64_t now)
{
	uint32_t queued = waiting(s, now);
	if (queued == s->fifo_depth) {
		s->fifo_drops++;
		return false;
	}
	if (queued + 1u > s->fifo_max)
		s->fifo_max = queued + 1u;
	return true;
}

void ndr_walk_sched_run(struct ndr_walk_sched *s, uint64_t now, uint32_t cycles)
{
	/* hand-over: after the previous one, and when an engine is free */
	uint64_t h = now;
	if (s->any && s->last_handover + 1u > h)
		h = s->last_handover + 1u;
	uint32_t e = 0;
	for (uint32_t i = 1; i < NDR_WALK_MAX; i++) {
		if (i >= s->engines)
			break;
		if (s->engine_free[i] < s->engine_free[e])
			e = i;
	}
	if (s->engine_free[e] > h)
		h = s->engine_free[e];
	s->engine_free[e] = h + cycles;
	s->engine_cycles += cycles;
	s->wait_cycles += h - now;
	if (s->engine_free[e] > s->last_busy)
		s->last_busy = s->engine_free[e];
	s->last_handover = h;
	s->any = true;
	s->handover[s->next % s->fifo_depth] = h;
	s->next++;
}

uint64_t ndr_walk_sched_idle(const struct ndr_walk_sched *s, uint64_t now)
{
	return s->last_busy > now ? s->last_busy : now;
}
