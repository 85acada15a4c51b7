/*
 * test_ring.c - the host ring reader against rings written by hand: batching,
 * pads, the phase bit, sequence gaps and corrupt records.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "ndr_ring.h"

#define LOG2 6u
#define SIZE (1u << LOG2)

struct ring {
	uint8_t slots[SIZE * NDR_SLOT_BYTES];
	struct ndr_ring_ctrl ctrl;
	uint32_t prod;
	uint32_t seq;
};

struct seen {
	int n;
	uint8_t types[256];
	uint32_t seqs[256];
	int stop_after;
};

static int collect(void *arg, const struct ndr_rec_hdr *rec)
{
	struct seen *s = arg;

	s->types[s->n] = rec->type;
	s->seqs[s->n] = rec->seq;
	s->n++;
	return s->stop_after && s->n >= s->stop_after;
}

static struct ndr_rec_hdr *put(struct ring *r, uint8_t type, uint8_t slots)
{
	struct ndr_rec_hdr *h = (struct ndr_rec_hdr *)(r->slots + (r->prod & (SIZE - 1)) * 64);

	memset(h, 0, (size_t)slots * 64);
	h->type = type;
	h->slots = slots;
	h->version = NDR_ABI_VERSION;
	h->flags = ndr_ring_phase(r->prod, LOG2) ? NDR_REC_F_PHASE : 0;
	if (type != NDR_REC_PAD)
		h->seq = r->seq++;
	r->prod += slots;
	return h;
}

static void put_flow(struct ring *r)
{
	if (SIZE - (r->prod & (SIZE - 1)) < 3)
		put(r, NDR_REC_PAD, (uint8_t)(SIZE - (r->prod & (SIZE - 1))));
	put(r, NDR_REC_FLOW, 3);
}

static void put_dns(struct ring *r, const char *name)
{
	size_t len = strlen(name);
	uint8_t slots = (uint8_t)ndr_dns_rec_slots((uint32_t)len);
	struct ndr_dns_rec *d;

	if (SIZE - (r->prod & (SIZE - 1)) < slots)
		put(r, NDR_REC_PAD, (uint8_t)(SIZE - (r->prod & (SIZE - 1))));
	d = (struct ndr_dns_rec *)put(r, NDR_REC_DNS, slots);
	d->qname_len = (uint8_t)len;
	memcpy(d->qname, name, len);
}

static void publish(struct ring *r)
{
	__atomic_store_n(&r->ctrl.prod, r->prod, __ATOMIC_RELEASE);
}

static uint32_t room(struct ring *r)
{
	return SIZE - (r->prod - r->ctrl.cons);
}

static void test_reads_records_in_order_and_batches_cons(void **state)
{
	static struct ring r;
	struct ndr_ring_reader rd;
	struct seen s = { 0 };

	(void)state;
	memset(&r, 0, sizeof(r));
	ndr_ring_reader_init(&rd, r.slots, LOG2, &r.ctrl, 6);
	put_flow(&r);
	put_dns(&r, "www.example.com");
	put_flow(&r);
	publish(&r);
	assert_int_equal(ndr_ring_available(&rd), 3 + 3 + 3);
	assert_int_equal(ndr_ring_drain(&rd, collect, &s, 0), 3);
	assert_int_equal(s.types[0], NDR_REC_FLOW);
	assert_int_equal(s.types[1], NDR_REC_DNS);
	assert_int_equal(s.types[2], NDR_REC_FLOW);
	assert_int_equal(r.ctrl.cons, 9);
	/* 9 slots with a batch of 6: one write-back mid-way and one at the end */
	assert_int_equal(rd.c.batches, 2);
	assert_int_equal(rd.c.records, 3);
	assert_int_equal(rd.c.by_type[NDR_REC_DNS], 1);
	assert_int_equal(rd.c.seq_gaps, 0);
	assert_int_equal(ndr_ring_drain(&rd, collect, &s, 0), 0);
}

static void test_wraps_with_pads_over_many_laps(void **state)
{
	static struct ring r;
	struct ndr_ring_reader rd;
	struct seen s;
	int lap, total = 0;

	(void)state;
	memset(&r, 0, sizeof(r));
	ndr_ring_reader_init(&rd, r.slots, LOG2, &r.ctrl, 8);
	for (lap = 0; lap < 50; lap++) {
		memset(&s, 0, sizeof(s));
		while (room(&r) >= 16) {
			if (r.seq % 3 == 0)
				put_dns(&r, "a-rather-long-label-to-need-more-than-one-slot.example.org");
			else
				put_flow(&r);
		}
		publish(&r);
		total += (int)ndr_ring_drain(&rd, collect, &s, 0);
		assert_int_equal(r.ctrl.cons, r.prod);
	}
	assert_int_equal(total, (int)r.seq);
	assert_true(rd.c.pads > 0);
	assert_int_equal(rd.c.phase_errors, 0);
	assert_int_equal(rd.c.bad_records, 0);
	assert_int_equal(rd.c.seq_gaps, 0);
}

static void test_stale_phase_is_rejected(void **state)
{
	static struct ring r;
	struct ndr_ring_reader rd;
	struct seen s = { 0 };
	struct ndr_rec_hdr *h;

	(void)state;
	memset(&r, 0, sizeof(r));
	ndr_ring_reader_init(&rd, r.slots, LOG2, &r.ctrl, 1);
	put_flow(&r);
	h = put(&r, NDR_REC_FLOW, 3);
	h->flags ^= NDR_REC_F_PHASE;   /* a slot left over from the last lap */
	put_flow(&r);
	publish(&r);
	ndr_ring_drain(&rd, collect, &s, 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(rd.c.phase_errors, 1);  /* its header; the rest are not headers */
	assert_int_equal(rd.c.bad_records, 1);
	assert_int_equal(rd.c.bad_slots, 3);
	/* the record after the bad one is found again, one seq missing */
	assert_int_equal(s.seqs[1], 2);
	assert_int_equal(rd.c.seq_gaps, 1);
}

static void test_corrupt_headers_are_skipped_not_trusted(void **state)
{
	static struct ring r;
	struct ndr_ring_reader rd;
	struct seen s = { 0 };
	struct ndr_rec_hdr *h;
	struct ndr_dns_rec *d;

	(void)state;
	memset(&r, 0, sizeof(r));
	ndr_ring_reader_init(&rd, r.slots, LOG2, &r.ctrl, 4);
	h = put(&r, NDR_REC_FLOW, 3);
	h->slots = 200;                /* impossible length */
	h = put(&r, 77, 1);            /* unknown type */
	d = (struct ndr_dns_rec *)put(&r, NDR_REC_DNS, 3);
	d->qname_len = 250;            /* says 6 slots, header says 3 */
	h = put(&r, NDR_REC_HEARTBEAT, 2);
	h->version = NDR_ABI_VERSION + 1;
	put_flow(&r);
	publish(&r);
	assert_int_equal(ndr_ring_drain(&rd, collect, &s, 0), 1);
	assert_int_equal(s.types[0], NDR_REC_FLOW);
	assert_int_equal(rd.c.bad_slots, 3 + 1 + 3 + 2);
	assert_int_equal(r.ctrl.cons, r.prod);
}

static void test_record_never_read_beyond_prod(void **state)
{
	static struct ring r;
	struct ndr_ring_reader rd;
	struct seen s = { 0 };

	(void)state;
	memset(&r, 0, sizeof(r));
	ndr_ring_reader_init(&rd, r.slots, LOG2, &r.ctrl, 4);
	put_flow(&r);
	put_flow(&r);
	/* producer has published only part of the second record */
	__atomic_store_n(&r.ctrl.prod, 4, __ATOMIC_RELEASE);
	ndr_ring_drain(&rd, collect, &s, 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(rd.c.bad_slots, 1);
}

static void test_stop_and_limit(void **state)
{
	static struct ring r;
	struct ndr_ring_reader rd;
	struct seen s = { 0 };
	int i;

	(void)state;
	memset(&r, 0, sizeof(r));
	ndr_ring_reader_init(&rd, r.slots, LOG2, &r.ctrl, 64);
	for (i = 0; i < 10; i++)
		put_flow(&r);
	publish(&r);
	s.stop_after = 2;
	assert_int_equal(ndr_ring_drain(&rd, collect, &s, 0), 2);
	assert_int_equal(r.ctrl.cons, 6);   /* published even below a batch */
	s.stop_after = 0;
	assert_int_equal(ndr_ring_drain(&rd, collect, &s, 3), 3);
	assert_int_equal(ndr_ring_drain(&rd, collect, &s, 0), 5);
}

static void test_drop_notices_are_summed(void **state)
{
	static struct ring r;
	struct ndr_ring_reader rd;
	struct seen s = { 0 };
	struct ndr_drop_rec *d;

	(void)state;
	memset(&r, 0, sizeof(r));
	ndr_ring_reader_init(&rd, r.slots, LOG2, &r.ctrl, 4);
	d = (struct ndr_drop_rec *)put(&r, NDR_REC_DROP, 1);
	d->reason = NDR_DROP_RING_FULL;
	d->lost = 17;
	d = (struct ndr_drop_rec *)put(&r, NDR_REC_DROP, 1);
	d->lost = 3;
	publish(&r);
	ndr_ring_drain(&rd, collect, &s, 0);
	assert_int_equal(rd.c.card_dropped, 20);
	assert_int_equal(rd.c.by_type[NDR_REC_DROP], 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_records_in_order_and_batches_cons),
		cmocka_unit_test(test_wraps_with_pads_over_many_laps),
		cmocka_unit_test(test_stale_phase_is_rejected),
		cmocka_unit_test(test_corrupt_headers_are_skipped_not_trusted),
		cmocka_unit_test(test_record_never_read_beyond_prod),
		cmocka_unit_test(test_stop_and_limit),
		cmocka_unit_test(test_drop_notices_are_summed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
