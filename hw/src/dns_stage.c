/*
 * dns_stage.c - the DNS walk stage: a FIFO of complete messages feeding
 * NDR_DNS_ENGINES walker engines (docs/microarchitecture.md "DNS").
 *
 * Why engines and a FIFO: a message arrives at the end of its packet, and a
 * packet can be one beat, but the walk of a message takes several clocks (a
 * step per label, pointer and answer, and the histogram lanes). One engine
 * per message in flight keeps up as long as, on average, messages cost no
 * more engine clocks than NDR_DNS_ENGINES times the beats they took to
 * arrive; the FIFO absorbs bursts. When the FIFO is full the new message is
 * dropped and counted (fifo_drops): the beat stream is never stalled.
 *
 * The clock is the card's beat clock. Messages leave the FIFO in order, at
 * most one per clock, each to the engine that frees up first; an engine
 * given a message at clock h is busy until h + the walk's clocks.
 *
 * How the emulation runs it: which message is dropped depends only on these
 * clocks, known when the message arrives, so the message is walked at once
 * and its record written at the end of its packet; the FIFO and the engines
 * are kept as clocks (the hand-over clock of each of the last FIFO-depth
 * messages). DNS records keep their order; the records a frame can cause
 * stay what they were (its own DNS record at most).
 */
#include "ndr_hw.h"

void ndr_dns_stage_init(struct ndr_dns_stage *s)
{
	ndr_entropy_clear(&s->walker.acc);
	for (uint32_t i = 0; i < NDR_DNS_ENGINES; i++)
		s->engine_free[i] = 0;
	for (uint32_t i = 0; i < NDR_DNS_FIFO_DEPTH; i++)
		s->handover[i] = 0;
	s->next = 0;
	s->last_handover = 0;
	s->any = false;
	s->messages = 0;
	s->errors = 0;
	s->walked = 0;
	s->fifo_drops = 0;
	s->engine_cycles = 0;
	s->wait_cycles = 0;
	s->fifo_max = 0;
	s->last_busy = 0;
}

/* Messages still waiting at `now`: the hand-over clocks are in FIFO order
 * and never decrease, so the waiting ones are the newest. */
static uint32_t waiting(const struct ndr_dns_stage *s, uint64_t now)
{
	uint32_t n = 0;
	for (uint32_t k = 1; k <= NDR_DNS_FIFO_DEPTH; k++) {
		uint64_t h = s->handover[(s->next - k) % NDR_DNS_FIFO_DEPTH];
		if (h <= now)
			break;
		n++;
	}
	return n;
}

void ndr_dns_stage_message(struct ndr_dns_stage *s, const struct ndr_dns *d,
			   const struct ndr_pkt_meta *m, uint64_t t, uint64_t now,
			   struct ndr_rw *w)
{
	s->messages++;
	struct ndr_dns_desc desc;
	if (!ndr_dns_close(d, m, t, &desc)) {
		s->errors++;        /* nothing to walk: never queued */
		return;
	}
	uint32_t queued = waiting(s, now);
	if (queued == NDR_DNS_FIFO_DEPTH) {
		s->fifo_drops++;
		return;
	}
	if (queued + 1u > s->fifo_max)
		s->fifo_max = queued + 1u;

	struct ndr_dns_result res = ndr_dns_walk(&s->walker, &desc, d->msg, w);
	if (res.parse_flags & (uint16_t)~NDR_DNS_P_TCP)
		s->errors++;
	s->walked++;

	/* hand-over: after the previous one, and when an engine is free */
	uint64_t h = now;
	if (s->any && s->last_handover + 1u > h)
		h = s->last_handover + 1u;
	uint32_t e = 0;
	for (uint32_t i = 1; i < NDR_DNS_ENGINES; i++) {
		if (s->engine_free[i] < s->engine_free[e])
			e = i;
	}
	if (s->engine_free[e] > h)
		h = s->engine_free[e];
	s->engine_free[e] = h + res.cycles;
	s->engine_cycles += res.cycles;
	s->wait_cycles += h - now;
	if (s->engine_free[e] > s->last_busy)
		s->last_busy = s->engine_free[e];
	s->last_handover = h;
	s->any = true;
	s->handover[s->next % NDR_DNS_FIFO_DEPTH] = h;
	s->next++;
}

uint64_t ndr_dns_stage_idle(const struct ndr_dns_stage *s, uint64_t now)
{
	return s->last_busy > now ? s->last_busy : now;
}
