/* 200k random and half-valid frames through the emulated card: nothing
 * crashes, and every counter agrees with what the ring and an independent
 * parse of the same frames say. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "ndr_hw.h"
#include "test_hw_util.h"

#define FRAMES 200000u

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static uint8_t F[NDR_MAX_FRAME + 200];

/* Random bytes, sometimes under valid Ethernet/IP/L4 headers, sometimes a
 * DNS port, so that every stage gets garbage. */
static uint32_t make_frame(void)
{
	uint32_t kind = rnd() % 8;
	uint32_t len = (rnd() % 16 == 0) ? rnd() % (NDR_MAX_FRAME + 100) : rnd() % 320;
	for (uint32_t i = 0; i < len; i++)
		F[i] = (uint8_t)rnd();
	if (kind == 0 || len < 60)
		return len;
	uint32_t off = 12;
	if (kind == 1) {
		F[off] = 0x81; F[off + 1] = 0x00; off += 4;
	}
	int v6 = kind >= 5;
	F[off] = v6 ? 0x86 : 0x08;
	F[off + 1] = v6 ? 0xdd : 0x00;
	off += 2;
	uint8_t proto = (uint8_t)((uint8_t[]){ 6, 17, 17, 1, 58, 44, 0 })[rnd() % 7];
	uint32_t l4;
	if (v6) {
		F[off] = 0x60;
		F[off + 4] = (uint8_t)(rnd() % 3);
		F[off + 6] = proto;
		for (uint32_t i = 8; i < 40; i++)
			F[off + i] = (uint8_t)(rnd() % 3);   /* few distinct flows */
		l4 = off + 40;
	} else {
		F[off] = (uint8_t)(rnd() % 4 ? 0x45 : 0x40 | (rnd() % 16));
		F[off + 2] = (uint8_t)(rnd() % 3);
		F[off + 6] = (uint8_t)(rnd() % 4 ? 0 : rnd());
		F[off + 9] = proto;
		for (uint32_t i = 12; i < 20; i++)
			F[off + i] = (uint8_t)(rnd() % 3);
		l4 = off + 20;
	}
	if (l4 + 4 <= len && (rnd() % 2)) {
		F[l4 + 0] = 0; F[l4 + 1] = (uint8_t)(rnd() % 4);
		F[l4 + 2] = 0; F[l4 + 3] = 53;
		if (proto == 6 && l4 + 13 <= len)
			F[l4 + 12] = (uint8_t)(rnd() % 2 ? 0x50 : rnd());
	}
	return len;
}

static uint64_t beats_of(uint32_t len)
{
	if (len > NDR_MAX_FRAME)
		len = NDR_MAX_FRAME;
	return len == 0 ? 1 : (len + 63) / 64;
}

struct seen {
	uint64_t by_type[NDR_REC_TYPE_MAX];
	uint64_t lost;
};

static void drain(struct tring *r, struct seen *s)
{
	static uint8_t rec[NDR_REC_MAX_SLOTS * NDR_SLOT_BYTES];
	int t;
	while ((t = tr_next(r, rec)) != 0) {
		assert_true(t > 0 && t < NDR_REC_TYPE_MAX);
		const struct ndr_rec_hdr *h = (const struct ndr_rec_hdr *)rec;
		assert_int_equal(h->version, NDR_ABI_VERSION);
		s->by_type[t]++;
		if (t == NDR_REC_DROP)
			s->lost += ((const struct ndr_drop_rec *)rec)->lost;
		if (t == NDR_REC_DNS) {
			const struct ndr_dns_rec *d = (const struct ndr_dns_rec *)rec;
			assert_true(d->qname_len <= NDR_DNS_NAME_MAX);
			assert_int_equal(h->slots, ndr_dns_rec_slots_an(d->qname_len, d->an_flags,
									d->cname_stored, d->an_entries,
									d->addr_bytes));
			assert_int_equal(d->qname[d->qname_len], 0);
		}
		if (t == NDR_REC_FLOW) {
			const struct ndr_flow_rec *f = (const struct ndr_flow_rec *)rec;
			assert_true(f->end_reason >= NDR_FLOW_END_IDLE && f->end_reason <= NDR_FLOW_END_FLUSH);
			assert_int_equal(h->slots, 3);
		}
	}
}

static void test_garbage_frames(void **state)
{
	(void)state;
	struct tring r;
	struct ndr_card_cfg cfg;
	ndr_card_cfg_defaults(&cfg);
	cfg.log2_buckets = 6;
	cfg.idle_timeout_ms = 2000;
	cfg.active_timeout_ms = 5000;
	struct ndr_card *c = tcard_new(&r, 10, &cfg);
	assert_non_null(c);
	struct seen s;
	memset(&s, 0, sizeof(s));
	uint64_t ts = 1600000000ull * SEC, beats = 0, non_ip = 0, errors = 0;

	for (uint32_t i = 0; i < FRAMES; i++) {
		uint32_t len = make_frame();
		struct ndr_pkt_meta m;
		ndr_parse_headers(F, len < NDR_HDR_WINDOW ? len : NDR_HDR_WINDOW, &m);
		non_ip += m.kind == NDR_PKT_NON_IP;
		errors += m.kind == NDR_PKT_ERROR;
		beats += beats_of(len);
		ts += rnd() % 2000000;
		if (rnd() % 1000 == 0)
			ts -= 5 * MSEC;                 /* captures go backwards too */
		ndr_card_frame(c, ts, F, len, len + rnd() % 3);
		/* the consumer stalls for a while in the middle: drops */
		if (i % 50 == 0 && (i < 80000 || i > 90000))
			drain(&r, &s);
	}
	drain(&r, &s);
	ndr_card_flush(c);
	drain(&r, &s);
	ndr_card_flush(c);          /* the table is empty: only a pending notice */
	drain(&r, &s);

	struct ndr_card_stats st;
	ndr_card_get_stats(c, &st);
	assert_int_equal(st.frames, FRAMES);
	assert_int_equal(st.beats, beats);
	assert_int_equal(st.non_ip, non_ip);
	assert_int_equal(st.parse_errors, errors);
	assert_int_equal(st.flows_active, 0);
	assert_true(st.records_dropped > 0);
	assert_true(st.dns_messages > 0);
	assert_true(st.flows_evicted > 0);
	assert_true(s.by_type[NDR_REC_HEARTBEAT] > 0);
	uint64_t sum = 0;
	for (int t = 1; t < NDR_REC_TYPE_MAX; t++) {
		if (t == NDR_REC_PAD)
			continue;
		assert_int_equal(s.by_type[t], st.records_by_type[t]);
		sum += st.records_by_type[t];
	}
	assert_int_equal(sum, st.records_written);
	assert_int_equal(st.slots_written, r.ctrl.prod);
	assert_int_equal(s.lost, st.records_dropped);
	assert_int_equal(r.seq_gaps, st.records_dropped);
	assert_int_equal(r.bad_phase, 0);
	print_message("frames %u: ip %llu non-ip %llu errors %llu dns %llu flows %llu evicted %llu "
		      "records %llu dropped %llu\n", FRAMES,
		      (unsigned long long)(FRAMES - non_ip - errors), (unsigned long long)non_ip,
		      (unsigned long long)errors, (unsigned long long)st.dns_messages,
		      (unsigned long long)st.flows_created, (unsigned long long)st.flows_evicted,
		      (unsigned long long)st.records_written, (unsigned long long)st.records_dropped);
	ndr_card_free(c);
	tr_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_garbage_frames),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
