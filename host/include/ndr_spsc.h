/*
 * ndr_spsc.h - a lock-free single-producer single-consumer queue of
 * variable-length messages in one byte ring.
 *
 * One thread pushes, one thread takes; neither ever waits on the other
 * inside these calls (a full or empty queue is a return value, the caller
 * decides how to wait). Each side works on its own copy of the indices and
 * makes its progress visible only when it publishes (producer) or releases
 * (consumer), so a batch of messages costs one cache-line transfer each
 * way, not one per message - the discipline of a NIC descriptor ring.
 *
 * A message is stored contiguously after an 8-byte length word; one that
 * would cross the end of the ring is placed at its start instead, the tail
 * left as a skip mark. Payloads are 8-byte aligned.
 */
#ifndef NDR_SPSC_H
#define NDR_SPSC_H

#include <stddef.h>
#include <stdint.h>

struct ndr_spsc {
	uint8_t *buf;
	uint64_t size;                       /* a power of two */
	/* shared: each written by one side, read by the other */
	_Alignas(64) uint64_t head;          /* published by the producer */
	_Alignas(64) uint64_t tail;          /* released by the consumer */
	/* the producer's own */
	_Alignas(64) uint64_t p_head;        /* next write, published or not */
	uint64_t p_tail;                     /* last tail seen */
	/* the consumer's own */
	_Alignas(64) uint64_t c_tail;        /* next read, released or not */
	uint64_t c_head;                     /* last head seen */
};

/* A queue of at least bytes (rounded up to a power of two, >= 4096).
 * 0, or -1 when out of memory. */
int ndr_spsc_init(struct ndr_spsc *q, size_t bytes);
void ndr_spsc_free(struct ndr_spsc *q);

/* The largest payload one message can have. */
size_t ndr_spsc_max_message(const struct ndr_spsc *q);

/* Producer: room for a payload of len bytes (<= ndr_spsc_max_message),
 * or NULL when the queue is full; then ndr_spsc_push() to keep it. */
void *ndr_spsc_reserve(struct ndr_spsc *q, size_t len);
void ndr_spsc_push(struct ndr_spsc *q, size_t len);
/* Makes every pushed message visible to the consumer. */
void ndr_spsc_publish(struct ndr_spsc *q);
/* Messages pushed and not yet published. */
int ndr_spsc_unpublished(const struct ndr_spsc *q);

/* Consumer: the oldest published message (its length in *len), or NULL. */
const void *ndr_spsc_front(struct ndr_spsc *q, size_t *len);
/* Done with the front message. */
void ndr_spsc_pop(struct ndr_spsc *q);
/* Consumer, looking past the front (to prefetch what later messages
 * need): the published message at position *pos, or NULL when there is
 * none yet; *pos then moves past it. Start *pos at 0; a position behind
 * the front starts again at the front. */
const void *ndr_spsc_peek(struct ndr_spsc *q, uint64_t *pos, size_t *len);
/* Gives the popped messages' room back to the producer. */
void ndr_spsc_release(struct ndr_spsc *q);

/* Either side: nothing published is left to take (the consumer's view
 * when called by the consumer, an estimate otherwise). */
int ndr_spsc_empty(const struct ndr_spsc *q);

#endif
