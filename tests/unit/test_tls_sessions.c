/*
 * test_tls_sessions.c - ClientHello and ServerHello records paired by
 * connection (host/lib/tls_sessions.c): pairs, retransmissions, waits run
 * out, a full table, ServerHellos nobody waited for, the flush; every
 * record goes out exactly once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "ndr_tls_sessions.h"

#define SEC 1000000000ull

struct seen {
	unsigned n;
	uint32_t client_seq[64], server_seq[64];   /* 0xffffffff: none */
};

static void on_pair(void *arg, const struct ndr_tls_rec *c, const struct ndr_tls_rec *s)
{
	struct seen *v = arg;

	assert_true(c || s);
	assert_true(v->n < 64);
	if (c && s) {
		assert_int_equal(c->src_port, s->dst_port);
		assert_memory_equal(c->src_addr, s->dst_addr, 16);
	}
	v->client_seq[v->n] = c ? c->hdr.seq : 0xffffffffu;
	v->server_seq[v->n] = s ? s->hdr.seq : 0xffffffffu;
	v->n++;
}

/* client 10.0.0.<host>:<port> -> 10.9.9.9:443, or the server's answer. */
static struct ndr_tls_rec hello(int server, uint8_t host, uint16_t port, uint32_t seq, uint64_t ts)
{
	struct ndr_tls_rec r;
	uint8_t c[16] = { [10] = 0xff, [11] = 0xff, 10, 0, 0, host };
	uint8_t s[16] = { [10] = 0xff, [11] = 0xff, 10, 9, 9, 9 };

	memset(&r, 0, sizeof(r));
	r.hdr.type = NDR_REC_TLS;
	r.hdr.seq = seq;
	r.hdr.ts_ns = ts;
	memcpy(server ? r.dst_addr : r.src_addr, c, 16);
	memcpy(server ? r.src_addr : r.dst_addr, s, 16);
	r.src_port = server ? 443 : port;
	r.dst_port = server ? port : 443;
	if (server)
		r.tls_flags = NDR_TLS_F_SERVER;
	return r;
}

static void test_pairs_and_leftovers(void **state)
{
	struct seen v = { 0 };
	struct ndr_tls_sessions_stats st;
	struct ndr_tls_sessions *s = ndr_tls_sessions_new(4, 2 * SEC, on_pair, &v);
	struct ndr_tls_rec r;

	(void)state;
	assert_non_null(s);
	r = hello(0, 1, 1000, 1, 1 * SEC);
	ndr_tls_sessions_add(s, &r);
	r = hello(0, 2, 2000, 2, 1 * SEC);
	ndr_tls_sessions_add(s, &r);
	assert_int_equal(v.n, 0);
	r = hello(1, 2, 2000, 3, 1 * SEC + 5);          /* answers the second */
	ndr_tls_sessions_add(s, &r);
	assert_int_equal(v.n, 1);
	assert_int_equal(v.client_seq[0], 2);
	assert_int_equal(v.server_seq[0], 3);
	r = hello(1, 7, 7000, 4, 1 * SEC + 6);          /* nobody waits for it */
	ndr_tls_sessions_add(s, &r);
	assert_int_equal(v.n, 2);
	assert_int_equal(v.client_seq[1], 0xffffffffu);
	r = hello(1, 1, 1001, 5, 1 * SEC + 7);          /* another port: not a pair */
	ndr_tls_sessions_add(s, &r);
	assert_int_equal(v.n, 3);
	r = hello(0, 1, 1000, 6, 1 * SEC + 8);          /* retransmitted: seq 1 goes alone */
	ndr_tls_sessions_add(s, &r);
	assert_int_equal(v.n, 4);
	assert_int_equal(v.client_seq[3], 1);
	assert_int_equal(v.server_seq[3], 0xffffffffu);
	r = hello(0, 3, 3000, 7, 4 * SEC);              /* seq 6 waited too long */
	ndr_tls_sessions_add(s, &r);
	assert_int_equal(v.n, 5);
	assert_int_equal(v.client_seq[4], 6);
	ndr_tls_sessions_stats(s, &st);
	assert_int_equal(st.paired, 1);
	assert_int_equal(st.client_alone, 2);
	assert_int_equal(st.server_alone, 2);
	assert_int_equal(st.waiting, 1);
	ndr_tls_sessions_flush(s);
	assert_int_equal(v.n, 6);
	assert_int_equal(v.client_seq[5], 7);
	ndr_tls_sessions_stats(s, &st);
	assert_int_equal(st.waiting, 0);
	ndr_tls_sessions_free(s);
}

/* Record time moved on by other records: a ClientHello that waited too
 * long goes out without waiting for the next TLS record. */
static void test_advance(void **state)
{
	struct seen v = { 0 };
	struct ndr_tls_sessions *s = ndr_tls_sessions_new(4, 2 * SEC, on_pair, &v);
	struct ndr_tls_rec r;

	(void)state;
	assert_non_null(s);
	r = hello(0, 1, 1000, 1, 10 * SEC);
	ndr_tls_sessions_add(s, &r);
	r = hello(0, 2, 2000, 2, 11 * SEC);
	ndr_tls_sessions_add(s, &r);
	ndr_tls_sessions_advance(s, 12 * SEC);          /* 2 s exactly: not yet */
	assert_int_equal(v.n, 0);
	ndr_tls_sessions_advance(s, 12 * SEC + 1);      /* the first waited too long */
	assert_int_equal(v.n, 1);
	assert_int_equal(v.client_seq[0], 1);
	assert_int_equal(v.server_seq[0], 0xffffffffu);
	ndr_tls_sessions_advance(s, 5 * SEC);           /* time from an older record */
	assert_int_equal(v.n, 1);
	r = hello(1, 2, 2000, 3, 12 * SEC + 2);         /* the second still pairs */
	ndr_tls_sessions_add(s, &r);
	assert_int_equal(v.n, 2);
	assert_int_equal(v.client_seq[1], 2);
	assert_int_equal(v.server_seq[1], 3);
	ndr_tls_sessions_free(s);
}

static void test_full_table(void **state)
{
	struct seen v = { 0 };
	struct ndr_tls_sessions *s = ndr_tls_sessions_new(3, 100 * SEC, on_pair, &v);
	struct ndr_tls_rec r;

	(void)state;
	assert_non_null(s);
	for (uint32_t i = 0; i < 5; i++) {
		r = hello(0, (uint8_t)(i + 1), 1000, i, SEC);
		ndr_tls_sessions_add(s, &r);
	}
	/* room for three: the two oldest went out alone, in order */
	assert_int_equal(v.n, 2);
	assert_int_equal(v.client_seq[0], 0);
	assert_int_equal(v.client_seq[1], 1);
	r = hello(1, 4, 1000, 9, SEC);                  /* pairs from the middle */
	ndr_tls_sessions_add(s, &r);
	assert_int_equal(v.client_seq[2], 3);
	assert_int_equal(v.server_seq[2], 9);
	for (uint32_t i = 0; i < 3; i++) {               /* the gone slot is reused */
		r = hello(0, (uint8_t)(20 + i), 1000, 20 + i, SEC);
		ndr_tls_sessions_add(s, &r);
	}
	ndr_tls_sessions_flush(s);
	/* 8 ClientHellos and one ServerHello: 8 events, each record once */
	assert_int_equal(v.n, 8);
	uint32_t seen_mask = 0;
	for (unsigned i = 0; i < v.n; i++) {
		assert_false(seen_mask & (1u << (v.client_seq[i] % 32)));
		seen_mask |= 1u << (v.client_seq[i] % 32);
	}
	ndr_tls_sessions_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairs_and_leftovers),
		cmocka_unit_test(test_advance),
		cmocka_unit_test(test_full_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
