/*
 * test_flow_marks.c - the outputs' per-flow marks (ndr_flow_marks.h) and
 * the flow id they are keyed by (ndr_flow_id.h): marks add up per flow,
 * a forgotten flow starts clean, a slot taken by another flow loses the
 * mark (counted) but never gives a flow someone else's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "ndr_flow_id.h"
#include "ndr_flow_marks.h"

static void test_marks(void **state)
{
	struct ndr_flow_marks *m = ndr_flow_marks_new(4);   /* 16 slots */
	uint64_t a = 0x123450, b = a + 16;                  /* the same slot */

	(void)state;
	assert_non_null(m);
	assert_null(ndr_flow_marks_new(3));
	assert_null(ndr_flow_marks_new(25));
	assert_int_equal(ndr_flow_marks_get(m, a), 0);
	ndr_flow_marks_add(m, a, NDR_MARK_DNS);
	ndr_flow_marks_add(m, a, NDR_MARK_ALERTED);
	assert_int_equal(ndr_flow_marks_get(m, a), NDR_MARK_DNS | NDR_MARK_ALERTED);
	assert_int_equal(ndr_flow_marks_get(m, a + 1), 0);
	/* b takes a's slot: a loses its marks, b does not inherit them */
	ndr_flow_marks_add(m, b, NDR_MARK_TLS);
	assert_int_equal(ndr_flow_marks_get(m, b), NDR_MARK_TLS);
	assert_int_equal(ndr_flow_marks_get(m, a), 0);
	assert_int_equal(ndr_flow_marks_evicted(m), 1);
	ndr_flow_marks_forget(m, a);                        /* not there: b stays */
	assert_int_equal(ndr_flow_marks_get(m, b), NDR_MARK_TLS);
	ndr_flow_marks_forget(m, b);
	assert_int_equal(ndr_flow_marks_get(m, b), 0);
	ndr_flow_marks_add(m, 0, NDR_MARK_ALERTED);         /* id 0 is an id like any */
	assert_int_equal(ndr_flow_marks_get(m, 0), NDR_MARK_ALERTED);
	ndr_flow_marks_free(m);
}

static void v4(uint8_t out[16], uint8_t last)
{
	memset(out, 0, 16);
	out[10] = out[11] = 0xff;
	out[12] = 10;
	out[15] = last;
}

static void test_flow_id(void **state)
{
	uint8_t x[16], y[16];
	uint64_t id;

	(void)state;
	v4(x, 1);
	v4(y, 2);
	id = ndr_flow_id(x, 40000, y, 53, 17);
	assert_int_equal(id, ndr_flow_id(y, 53, x, 40000, 17));   /* both directions */
	assert_true(id <= NDR_FLOW_ID_MASK);
	assert_int_not_equal(id, ndr_flow_id(x, 40001, y, 53, 17));
	assert_int_not_equal(id, ndr_flow_id(x, 40000, y, 53, 6));
	/* ICMP: the card keys it without type and code, and so does the id */
	assert_int_equal(ndr_flow_id(x, 0, y, 8 << 8, 1), ndr_flow_id(x, 0, y, 0, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_marks),
		cmocka_unit_test(test_flow_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
