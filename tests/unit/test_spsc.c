/*
 * test_spsc.c - the single-producer single-consumer message ring
 * (ndr_spsc.h): nothing is seen or peeked at before it is published, a
 * full ring says so, and two threads pass two million messages of every
 * size through a small ring (so it wraps all the time) without losing,
 * reordering or corrupting one, the consumer looking ahead of its front.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "ndr_spsc.h"

static void test_publish_and_full(void **state)
{
	struct ndr_spsc q;
	size_t len, pushed = 0;
	uint8_t *p;

	(void)state;
	assert_int_equal(ndr_spsc_init(&q, 4096), 0);
	assert_int_equal(ndr_spsc_max_message(&q), 4096 / 4 - 8);
	p = ndr_spsc_reserve(&q, 100);
	assert_non_null(p);
	memset(p, 7, 100);
	ndr_spsc_push(&q, 100);
	assert_true(ndr_spsc_unpublished(&q));
	assert_null(ndr_spsc_front(&q, &len));          /* not published yet */
	{
		uint64_t pos = 0;

		assert_null(ndr_spsc_peek(&q, &pos, &len));
	}
	ndr_spsc_publish(&q);
	p = (uint8_t *)ndr_spsc_front(&q, &len);
	assert_non_null(p);
	assert_int_equal(len, 100);
	assert_int_equal(p[99], 7);
	ndr_spsc_pop(&q);
	assert_null(ndr_spsc_front(&q, &len));
	/* without releases the producer runs out of room */
	ndr_spsc_release(&q);
	while ((p = ndr_spsc_reserve(&q, 200))) {
		ndr_spsc_push(&q, 200);
		pushed++;
	}
	assert_true(pushed >= 4096 / 208 - 1 && pushed <= 4096 / 208);
	ndr_spsc_publish(&q);
	for (size_t i = 0; i < pushed; i++) {
		assert_non_null(ndr_spsc_front(&q, &len));
		ndr_spsc_pop(&q);
	}
	assert_null(ndr_spsc_front(&q, &len));
	assert_null(ndr_spsc_reserve(&q, 200));         /* room not released yet */
	ndr_spsc_release(&q);
	assert_non_null(ndr_spsc_reserve(&q, 200));
	ndr_spsc_free(&q);
}

#define MESSAGES 2000000u

static size_t size_of(uint32_t i)
{
	return 8 + (i * 2654435761u >> 7) % 1000;
}

static void *producer(void *arg)
{
	struct ndr_spsc *q = arg;

	for (uint32_t i = 0; i < MESSAGES; i++) {
		size_t len = size_of(i);
		uint8_t *p;

		while (!(p = ndr_spsc_reserve(q, len))) {
			ndr_spsc_publish(q);
			sched_yield();
		}
		memcpy(p, &i, 4);
		memset(p + 4, (int)(i & 0xff), len - 4);
		ndr_spsc_push(q, len);
		if (i % 7 == 0)
			ndr_spsc_publish(q);
	}
	ndr_spsc_publish(q);
	return NULL;
}

static void test_two_threads(void **state)
{
	struct ndr_spsc q;
	pthread_t t;
	uint32_t next = 0;
	unsigned bad = 0, bad_peek = 0, peeked = 0, ahead = 0;
	uint64_t pos = 0;

	(void)state;
	assert_int_equal(ndr_spsc_init(&q, 8192), 0);
	assert_int_equal(pthread_create(&t, NULL, producer, &q), 0);
	while (next < MESSAGES) {
		size_t len;
		const uint8_t *p = ndr_spsc_front(&q, &len);
		uint32_t id;

		if (!p) {
			ndr_spsc_release(&q);
			sched_yield();
			continue;
		}
		memcpy(&id, p, 4);
		if (id != next || len != size_of(next) || p[len - 1] != (uint8_t)(next & 0xff))
			bad++;
		/* looking ahead as a worker does: the messages after the front,
		 * in order, whole, across the ring's wrap, none twice */
		while (ahead < 4) {
			size_t plen;
			const uint8_t *n = ndr_spsc_peek(&q, &pos, &plen);
			uint32_t want = next + ahead, pid;

			if (!n)
				break;
			memcpy(&pid, n, 4);
			if (pid != want || plen != size_of(want) || n[plen - 1] != (uint8_t)(want & 0xff))
				bad_peek++;
			ahead++;
			peeked++;
		}
		next++;
		ndr_spsc_pop(&q);
		if (ahead)
			ahead--;
		if (next % 5 == 0)
			ndr_spsc_release(&q);
	}
	pthread_join(t, NULL);
	assert_int_equal(bad, 0);
	assert_int_equal(bad_peek, 0);
	assert_true(peeked >= MESSAGES / 2);
	ndr_spsc_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publish_and_full),
		cmocka_unit_test(test_two_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
