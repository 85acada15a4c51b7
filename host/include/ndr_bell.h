/*
 * ndr_bell.h - wake a sleeping thread when there is work: a doorbell over a
 * Linux futex.
 *
 * The queues between threads (ndr_spsc.h) never block; a thread that finds
 * nothing to do reads the bell's count, looks once more, and sleeps until
 * the count moves. Ringing costs an atomic increment, and a system call
 * only when someone sleeps. A thread spinning on an empty queue would take
 * a core from the card on a small machine, hence sleep rather than spin.
 */
#ifndef NDR_BELL_H
#define NDR_BELL_H

#include <stdint.h>

struct ndr_bell {
	uint32_t count;
	uint32_t sleepers;
};

/* Take the count before the last look at the queue... */
static inline uint32_t ndr_bell_read(const struct ndr_bell *b)
{
	return __atomic_load_n(&b->count, __ATOMIC_ACQUIRE);
}

/* ...then sleep until it differs from seen, or timeout_ms (< 0: none). */
void ndr_bell_wait(struct ndr_bell *b, uint32_t seen, int timeout_ms);
void ndr_bell_ring(struct ndr_bell *b);

#endif
