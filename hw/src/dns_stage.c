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
	ndr_walk_sched_init(&s->sched, NDR_DNS_ENGINES, NDR_DNS_FIFO_DEPTH);
	s->messages = 0;
	s->errors = 0;
	s->walked = 0;
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
	if (!ndr_walk_sched_admit(&s->sched, now))
		return;

	struct ndr_dns_result res = ndr_dns_walk(&s->walker, &desc, d->msg, w);
	if (res.parse_flags & (uint16_t)~NDR_DNS_P_TCP)
		s->errors++;
	s->walked++;
	ndr_walk_sched_run(&s->sched, now, res.cycles);
}

uint64_t ndr_dns_stage_idle(const struct ndr_dns_stage *s, uint64_t now)
{
	return ndr_walk_sched_idle(&s->sched, now);
}
