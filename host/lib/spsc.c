/*
 * spsc.c - single-producer single-consumer message ring (ndr_spsc.h).
 */
#include <stdlib.h>
#include <string.h>

#include "ndr_spsc.h"

#define WORD        8u
#define SKIP_MARK   UINT64_MAX     /* the rest of the ring is padding */

static uint64_t align8(uint64_t n)
{
	return (n + WORD - 1) & ~(uint64_t)(WORD - 1);
}

int ndr_spsc_init(struct ndr_spsc *q, size_t bytes)
{
	uint64_t size = 4096;

	memset(q, 0, sizeof(*q));
	while (size < bytes)
		size <<= 1;
	q->buf = aligned_alloc(64, size);
	if (!q->buf)
		return -1;
	/* its pages now, not as the first messages arrive */
	memset(q->buf, 0, size);
	q->size = size;
	return 0;
}

void ndr_spsc_free(struct ndr_spsc *q)
{
	free(q->buf);
	q->buf = NULL;
}

size_t ndr_spsc_max_message(const struct ndr_spsc *q)
{
	return q->size / 4 - WORD;
}

void *ndr_spsc_reserve(struct ndr_spsc *q, size_t len)
{
	uint64_t need = WORD + align8(len);
	uint64_t off = q->p_head & (q->size - 1);
	uint64_t to_end = q->size - off;

	if (need > to_end)
		need += to_end;     /* the tail of the ring is skipped */
	if (q->p_head + need - q->p_tail > q->size) {
		q->p_tail = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);
		if (q->p_head + need - q->p_tail > q->size)
			return NULL;
	}
	if (need > WORD + align8(len)) {
		memcpy(q->buf + off, &(uint64_t){ SKIP_MARK }, WORD);
		q->p_head += to_end;
		off = 0;
	}
	return q->buf + off + WORD;
}

void ndr_spsc_push(struct ndr_spsc *q, size_t len)
{
	uint64_t off = q->p_head & (q->size - 1), word = len;

	memcpy(q->buf + off, &word, WORD);
	q->p_head += WORD + align8(len);
}

void ndr_spsc_publish(struct ndr_spsc *q)
{
	__atomic_store_n(&q->head, q->p_head, __ATOMIC_RELEASE);
}

int ndr_spsc_unpublished(const struct ndr_spsc *q)
{
	return q->p_head != __atomic_load_n(&q->head, __ATOMIC_RELAXED);
}

const void *ndr_spsc_front(struct ndr_spsc *q, size_t *len)
{
	for (;;) {
		uint64_t off, word;

		if (q->c_tail == q->c_head) {
			q->c_head = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
			if (q->c_tail == q->c_head)
				return NULL;
		}
		off = q->c_tail & (q->size - 1);
		memcpy(&word, q->buf + off, WORD);
		if (word == SKIP_MARK) {
			q->c_tail += q->size - off;
			continue;
		}
		*len = (size_t)word;
		return q->buf + off + WORD;
	}
}

const void *ndr_spsc_peek(struct ndr_spsc *q, uint64_t *pos, size_t *len)
{
	if (*pos < q->c_tail)
		*pos = q->c_tail;
	for (;;) {
		uint64_t off, word;

		if (*pos == q->c_head) {
			q->c_head = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
			if (*pos == q->c_head)
				return NULL;
		}
		off = *pos & (q->size - 1);
		memcpy(&word, q->buf + off, WORD);
		if (word == SKIP_MARK) {
			*pos += q->size - off;
			continue;
		}
		*len = (size_t)word;
		*pos += WORD + align8(word);
		return q->buf + off + WORD;
	}
}

void ndr_spsc_pop(struct ndr_spsc *q)
{
	uint64_t word;

	memcpy(&word, q->buf + (q->c_tail & (q->size - 1)), WORD);
	q->c_tail += WORD + align8(word);
}

void ndr_spsc_release(struct ndr_spsc *q)
{
	__atomic_store_n(&q->tail, q->c_tail, __ATOMIC_RELEASE);
}

int ndr_spsc_empty(const struct ndr_spsc *q)
{
	return __atomic_load_n(&q->head, __ATOMIC_ACQUIRE) == q->c_tail;
}
