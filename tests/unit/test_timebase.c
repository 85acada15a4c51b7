/*
 * test_timebase.c - a card's clock to wall time: rescaling for a kernel
 * clock v++ lowered, every time field of a record, drift correction in both
 * directions whatever the consumer's backlog.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "ndr_timebase.h"

#define MS 1000000ull
#define S  1000000000ull
#define WALL0 (1700000000ull * S)

static void nominal_clock_is_identity(void **state)
{
	struct ndr_timebase tb;

	(void)state;
	ndr_timebase_init(&tb, 0);
	assert_int_equal(ndr_timebase_map(&tb, 5 * S, WALL0), WALL0);
	assert_int_equal(ndr_timebase_map(&tb, 7 * S, WALL0), WALL0 + 2 * S);
	assert_int_equal(ndr_timebase_hz_from_mhz(322), NDR_TIMEBASE_NOMINAL_HZ);
	assert_int_equal(ndr_timebase_hz_from_mhz(250), 250000000ull);
}

/* v++ closed timing at 250 MHz: the card's clock count, stamped as if each
 * clock were 1024/330 ns, runs 322.27/250 times too fast. */
static void lowered_clock_is_rescaled(void **state)
{
	struct ndr_timebase tb;
	uint64_t clocks = 250000000ull * 10;                 /* 10 s at 250 MHz */
	uint64_t stamped = clocks * 1024u / 330u;

	(void)state;
	ndr_timebase_init(&tb, ndr_timebase_hz_from_mhz(250));
	ndr_timebase_map(&tb, 0 + 1, WALL0);               /* anchor */
	uint64_t got = ndr_timebase_map(&tb, stamped + 1, WALL0);
	int64_t err = (int64_t)(got - (WALL0 + 10 * S));

	assert_true(err > -1000 && err < 1000);            /* within 1 us over 10 s */
}

static void every_time_field_is_mapped(void **state)
{
	struct ndr_timebase tb;
	struct ndr_flow_rec f;
	struct ndr_drop_rec d;
	struct ndr_dns_rec n;

	(void)state;
	ndr_timebase_init(&tb, 0);
	memset(&f, 0, sizeof(f));
	f.hdr.type = NDR_REC_FLOW;
	f.hdr.slots = 3;
	f.hdr.ts_ns = 100 * S;
	f.first_ts_ns = 90 * S;
	f.last_ts_ns = 99 * S;
	ndr_timebase_rewrite(&tb, &f.hdr, WALL0);
	assert_int_equal(f.hdr.ts_ns, WALL0);
	assert_int_equal(f.first_ts_ns, WALL0 - 10 * S);
	assert_int_equal(f.last_ts_ns, WALL0 - 1 * S);

	memset(&d, 0, sizeof(d));
	d.hdr.type = NDR_REC_DROP;
	d.hdr.ts_ns = 101 * S;
	d.first_lost_ts_ns = 100 * S + 5 * MS;
	d.last_lost_ts_ns = 0;                               /* not set stays 0 */
	ndr_timebase_rewrite(&tb, &d.hdr, WALL0 + S);
	assert_int_equal(d.hdr.ts_ns, WALL0 + S);
	assert_int_equal(d.first_lost_ts_ns, WALL0 + 5 * MS);
	assert_int_equal(d.last_lost_ts_ns, 0);

	memset(&n, 0, sizeof(n));
	n.hdr.type = NDR_REC_DNS;
	n.hdr.ts_ns = 102 * S;
	ndr_timebase_rewrite(&tb, &n.hdr, WALL0 + 2 * S);
	assert_int_equal(n.hdr.ts_ns, WALL0 + 2 * S);
}

static void heartbeat(struct ndr_timebase *tb, uint64_t card, uint64_t now)
{
	struct ndr_heartbeat_rec h;

	memset(&h, 0, sizeof(h));
	h.hdr.type = NDR_REC_HEARTBEAT;
	h.hdr.ts_ns = card;
	ndr_timebase_rewrite(tb, &h.hdr, now);
}

/* The card's crystal is 200 ppm slow: without correction its time falls
 * 17 s a day behind; with it the error stays within the lag bound. */
static void slow_card_is_pulled_forward(void **state)
{
	struct ndr_timebase tb;
	uint64_t wall = WALL0, card = 1 * S;

	(void)state;
	ndr_timebase_init(&tb, 0);
	for (int i = 0; i < 86400; i++) {
		heartbeat(&tb, card, wall + 2 * MS);         /* seen 2 ms after */
		card += S - S / 5000;                          /* 200 ppm slow */
		wall += S;
	}
	int64_t err = (int64_t)(wall - ndr_timebase_map(&tb, card, wall));
	assert_true(err >= 0 && err < (int64_t)(NDR_TIMEBASE_MAX_LAG_NS + 20 * MS));
	assert_true(tb.corrections > 0);
}

/* A fast card would map records into the future: corrected at once. */
static void fast_card_never_maps_into_the_future(void **state)
{
	struct ndr_timebase tb;
	uint64_t wall = WALL0, card = 1 * S;

	(void)state;
	ndr_timebase_init(&tb, 0);
	for (int i = 0; i < 3600; i++) {
		struct ndr_heartbeat_rec h;

		memset(&h, 0, sizeof(h));
		h.hdr.type = NDR_REC_HEARTBEAT;
		h.hdr.ts_ns = card;
		ndr_timebase_rewrite(&tb, &h.hdr, wall);
		assert_true(h.hdr.ts_ns <= wall);
		card += S + S / 5000;
		wall += S;
	}
}

/* A consumer 3 s behind (a backlog in the ring) sees every heartbeat late;
 * only the smallest delay of a window counts, so one prompt heartbeat per
 * window keeps the anchor where it is. */
static void backlog_does_not_move_the_anchor(void **state)
{
	struct ndr_timebase tb;
	uint64_t wall = WALL0, card = 1 * S;

	(void)state;
	ndr_timebase_init(&tb, 0);
	heartbeat(&tb, card, wall);
	for (int i = 1; i < 10 * (int)NDR_TIMEBASE_WINDOW; i++) {
		card += S;
		wall += S;
		heartbeat(&tb, card, wall + (i % NDR_TIMEBASE_WINDOW ? 3 * S : 1 * MS));
	}
	assert_int_equal(tb.corrections, 0);
	assert_int_equal(ndr_timebase_map(&tb, card, 0), wall);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nominal_clock_is_identity),
		cmocka_unit_test(lowered_clock_is_rescaled),
		cmocka_unit_test(every_time_field_is_mapped),
		cmocka_unit_test(slow_card_is_pulled_forward),
		cmocka_unit_test(fast_card_never_maps_into_the_future),
		cmocka_unit_test(backlog_does_not_move_the_anchor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
