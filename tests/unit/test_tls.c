/*
 * test_tls.c - the TLS ClientHello extractor (docs/dataplane.md "TLS
 * ClientHello extractor"): crafted ClientHellos through the emulated card
 * and the golden model; each record's fields are checked against what the
 * spec says, and the two records must agree bit for bit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ndr_golden.h"
#include "test_hw_util.h"
#include "tlsgen.h"
#include "../../sim/golden/record_compare.h"
#include "../../sim/golden/record_text.h"

#define T0 (1700000000ull * SEC)
#define MAX_GOLDEN 8

struct rig {
	struct tring ring;
	struct ndr_card *card;
	struct ndr_golden *golden;
	uint8_t golden_tls[MAX_GOLDEN][3 * NDR_SLOT_BYTES];
	unsigned n_golden;
	uint64_t t;
};

static void on_golden(void *arg, const struct ndr_rec_hdr *rec)
{
	struct rig *r = arg;

	if (rec->type != NDR_REC_TLS)
		return;
	assert_int_equal(rec->slots, 3);
	assert_true(r->n_golden < MAX_GOLDEN);
	memcpy(r->golden_tls[r->n_golden++], rec, 3 * NDR_SLOT_BYTES);
}

static void rig_init(struct rig *r)
{
	struct ndr_card_cfg cfg;

	memset(r, 0, sizeof(*r));
	ndr_card_cfg_defaults(&cfg);
	cfg.log2_buckets = 8;
	r->card = tcard_new(&r->ring, 10, &cfg);
	assert_non_null(r->card);
	r->golden = ndr_golden_new(&cfg, on_golden, r);
	assert_non_null(r->golden);
	r->t = T0;
}

static void rig_free(struct rig *r)
{
	ndr_card_free(r->card);
	ndr_golden_free(r->golden);
	tr_free(&r->ring);
}

/* One frame (the first caplen bytes) through both; returns how many TLS
 * records it gave (the same number on both sides, checked), the card's
 * last one in out. The two records must be equal bit for bit. */
static unsigned rig_frame(struct rig *r, const struct pg *p, uint32_t caplen,
			  struct ndr_tls_rec *out)
{
	uint8_t rec[NDR_REC_MAX_SLOTS * NDR_SLOT_BYTES];
	unsigned n = 0;

	if (caplen > p->len)
		caplen = p->len;
	r->t += MSEC;
	r->n_golden = 0;
	ndr_golden_frame(r->golden, r->t, p->b, caplen, p->len);
	ndr_card_frame(r->card, r->t, p->b, caplen, p->len);
	while (tr_next_type(&r->ring, rec, NDR_REC_TLS)) {
		const struct ndr_rec_hdr *h = (const void *)rec;

		assert_true(n < r->n_golden);
		if (ndr_rec_diff(h, (const void *)r->golden_tls[n], "card", "golden", stderr))
			fail_msg("card and golden TLS records differ");
		memcpy(out, rec, sizeof(*out));
		n++;
	}
	assert_int_equal(n, r->n_golden);
	return n;
}

static unsigned send_hello(struct rig *r, const struct tlsgen *h, uint32_t cut,
			   struct ndr_tls_rec *out)
{
	struct pg p;

	pg_tcp4(&p, "10.1.0.5", 50123, "10.2.0.7", 443, PG_TCP_ACK | PG_TCP_PSH, h->b, h->len);
	return rig_frame(r, &p, cut ? 54 + cut : p.len, out);
}

static void test_sni_and_alpn(void **state)
{
	struct tlsgen h;
	struct tlsgen_opts o = { .sni = "Www.Example.COM", .alpn = "http/1.1", .n_ciphers = 17,
				 .session_id_len = 32, .filler_before = 2 };
	struct ndr_tls_rec t;
	struct rig r;

	(void)state;
	rig_init(&r);
	tlsgen_hello(&h, &o);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.hdr.type, NDR_REC_TLS);
	assert_int_equal(t.hdr.slots, 3);
	assert_int_equal(t.hdr.ts_ns, r.t);
	assert_int_equal(t.hdr.flags & NDR_REC_F_IPV6, 0);
	assert_int_equal(t.src_port, 50123);
	assert_int_equal(t.dst_port, 443);
	assert_int_equal(t.ip_proto, 6);
	assert_int_equal(t.tls_flags, NDR_TLS_F_SNI | NDR_TLS_F_ALPN);
	assert_int_equal(t.record_version, 0x0301);
	assert_int_equal(t.hello_version, 0x0303);
	assert_int_equal(t.record_len, h.len - 5);
	assert_int_equal(t.hello_len, h.len - 9);
	assert_int_equal(t.payload_len, h.len);
	assert_int_equal(t.n_ciphers, 17);
	assert_int_equal(t.n_extensions, 4);
	assert_int_equal(t.sni_len, 15);
	assert_string_equal(t.sni, "www.example.com");
	assert_int_equal(t.alpn_len, 8);
	assert_memory_equal(t.alpn, "http/1.1", 8);
	rig_free(&r);
}

static void test_no_sni(void **state)
{
	struct tlsgen h;
	struct tlsgen_opts o = { .filler_before = 3 };
	struct ndr_tls_rec t;
	static const char zero[NDR_TLS_SNI_MAX];
	struct rig r;

	(void)state;
	rig_init(&r);
	tlsgen_hello(&h, &o);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags, 0);
	assert_int_equal(t.n_extensions, 3);
	assert_int_equal(t.sni_len, 0);
	assert_memory_equal(t.sni, zero, sizeof(zero));

	/* server_name whose first entry is not a host_name */
	o.sni = "example.org";
	o.sni_name_type = 1;
	tlsgen_hello(&h, &o);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags, 0);
	assert_int_equal(t.n_extensions, 4);
	assert_memory_equal(t.sni, zero, sizeof(zero));

	/* no extensions block at all */
	o.sni = NULL;
	o.filler_before = 0;
	tlsgen_hello(&h, &o);
	h.len -= 2;                                 /* drop the empty length */
	tlsgen_put16(&h, 3, (uint16_t)(h.len - 5));
	tlsgen_put24(&h, 6, h.len - 9);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags, 0);
	assert_int_equal(t.n_extensions, 0);
	assert_int_equal(t.n_ciphers, 3);
	rig_free(&r);
}

static void test_cut_names(void **state)
{
	char name[201], want[NDR_TLS_SNI_MAX + 1];
	struct tlsgen h;
	struct tlsgen_opts o = { 0 };
	struct ndr_tls_rec t;
	struct rig r;

	(void)state;
	rig_init(&r);
	for (unsigned i = 0; i < 200; i++)
		name[i] = (char)("ABCdefghij"[i % 10]);
	name[200] = '\0';
	for (unsigned i = 0; i < NDR_TLS_SNI_MAX; i++)
		want[i] = (char)("abcdefghij"[i % 10]);
	o.sni = name;

	tlsgen_hello(&h, &o);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags, NDR_TLS_F_SNI | NDR_TLS_F_SNI_CUT);
	assert_int_equal(t.sni_len, 200);
	assert_memory_equal(t.sni, want, NDR_TLS_SNI_MAX);

	name[NDR_TLS_SNI_MAX] = '\0';               /* exactly 64: stored whole */
	tlsgen_hello(&h, &o);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags, NDR_TLS_F_SNI);
	assert_int_equal(t.sni_len, NDR_TLS_SNI_MAX);
	assert_memory_equal(t.sni, want, NDR_TLS_SNI_MAX);

	name[NDR_TLS_SNI_MAX + 1] = 'x';            /* 65 */
	name[NDR_TLS_SNI_MAX] = 'Q';
	name[NDR_TLS_SNI_MAX + 1] = '\0';
	tlsgen_hello(&h, &o);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags, NDR_TLS_F_SNI | NDR_TLS_F_SNI_CUT);
	assert_int_equal(t.sni_len, NDR_TLS_SNI_MAX + 1);
	rig_free(&r);
}

static void test_truncated(void **state)
{
	struct tlsgen h;
	struct tlsgen_opts o = { .n_ciphers = 100, .sni = "cut.example" };
	struct ndr_tls_rec t;
	struct rig r;

	(void)state;
	rig_init(&r);
	tlsgen_hello(&h, &o);
	/* the capture ends inside the cipher suites */
	assert_int_equal(send_hello(&r, &h, 60, &t), 1);
	assert_int_equal(t.tls_flags, NDR_TLS_F_TRUNCATED);
	assert_int_equal(t.hello_version, 0x0303);
	assert_int_equal(t.n_ciphers, 100);
	assert_int_equal(t.n_extensions, 0);
	assert_int_equal(t.payload_len, h.len);

	/* the capture ends inside the random: only the legacy version */
	assert_int_equal(send_hello(&r, &h, 20, &t), 1);
	assert_int_equal(t.tls_flags, NDR_TLS_F_TRUNCATED);
	assert_int_equal(t.hello_version, 0x0303);
	assert_int_equal(t.n_ciphers, 0);

	/* eight bytes of payload: too short to be looked at */
	assert_int_equal(send_hello(&r, &h, 8, &t), 0);

	/* a hello longer than the card's view: the SNI before the cut is
	 * seen, the padding extension's header too, nothing after it */
	o.n_ciphers = 0;
	o.padding = 1500;
	o.filler_after = 0;
	tlsgen_hello(&h, &o);
	assert_true(h.len > NDR_TLS_VIEW);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags, NDR_TLS_F_SNI | NDR_TLS_F_TRUNCATED);
	assert_string_equal(t.sni, "cut.example");
	assert_int_equal(t.n_extensions, 2);

	/* a hello longer than its record (continues in the next record):
	 * read up to the record's end only */
	tlsgen_hello(&h, &o);
	tlsgen_put16(&h, 3, 200);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags, NDR_TLS_F_SNI | NDR_TLS_F_TRUNCATED);
	assert_int_equal(t.record_len, 200);
	assert_int_equal(t.n_extensions, 2);
	tlsgen_put16(&h, 3, 45);                    /* ends inside the ciphers */
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags, NDR_TLS_F_TRUNCATED);
	assert_int_equal(t.n_extensions, 0);
	assert_int_equal(t.n_ciphers, 3);
	rig_free(&r);
}

/* A ClientHello split across two TCP segments: the first segment's record
 * says what it shows, the second starts mid-hello and is not looked at. */
static void test_split_across_segments(void **state)
{
	struct tlsgen h;
	struct tlsgen_opts o = { .sni = "split.example.net", .alpn = "h2", .padding = 400 };
	struct ndr_tls_rec t;
	struct pg p;
	struct rig r;
	uint32_t first;

	(void)state;
	rig_init(&r);
	tlsgen_hello(&h, &o);
	first = h.alpn_ext_off + 2;                 /* inside the ALPN header */
	pg_tcp4(&p, "10.1.0.5", 50200, "10.2.0.7", 443, PG_TCP_ACK, h.b, first);
	assert_int_equal(rig_frame(&r, &p, p.len, &t), 1);
	assert_int_equal(t.tls_flags, NDR_TLS_F_SNI | NDR_TLS_F_TRUNCATED);
	assert_string_equal(t.sni, "split.example.net");
	assert_int_equal(t.n_extensions, 1);
	assert_int_equal(t.alpn_len, 0);
	assert_int_equal(t.payload_len, first);
	assert_int_equal(t.hello_len, h.len - 9);

	pg_tcp4(&p, "10.1.0.5", 50200, "10.2.0.7", 443, PG_TCP_ACK, h.b + first, h.len - first);
	assert_int_equal(rig_frame(&r, &p, p.len, &t), 0);
	rig_free(&r);
}

static void test_malformed(void **state)
{
	struct tlsgen h;
	struct tlsgen_opts o = { .sni = "bad.example", .filler_after = 2 };
	struct ndr_tls_rec t;
	struct rig r;

	(void)state;
	rig_init(&r);

	/* host name length past the extension */
	tlsgen_hello(&h, &o);
	tlsgen_put16(&h, h.sni_ext_off + 7, 200);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags, NDR_TLS_F_MALFORMED);
	assert_int_equal(t.n_extensions, 1);
	assert_int_equal(t.sni_len, 0);

	/* extension length past the extensions block */
	tlsgen_hello(&h, &o);
	tlsgen_put16(&h, h.sni_ext_off + 2, 0x4000);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags, NDR_TLS_F_MALFORMED);
	assert_int_equal(t.n_extensions, 1);

	/* extensions block past the hello */
	tlsgen_hello(&h, &o);
	tlsgen_put16(&h, h.ext_len_off, 0xffff);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags, NDR_TLS_F_MALFORMED);
	assert_int_equal(t.n_extensions, 0);

	/* cipher suites past the hello */
	tlsgen_hello(&h, &o);
	tlsgen_put16(&h, h.ciphers_off, 0xfff0);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags, NDR_TLS_F_MALFORMED);
	assert_int_equal(t.n_ciphers, 0x7ff8);

	/* a record too short for the handshake header */
	tlsgen_hello(&h, &o);
	tlsgen_put16(&h, 3, 2);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags, NDR_TLS_F_MALFORMED | NDR_TLS_F_TRUNCATED);
	assert_int_equal(t.hello_version, 0);

	/* a hello length shorter than its contents: the walk ends at it */
	tlsgen_hello(&h, &o);
	tlsgen_put24(&h, 6, 40);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags, NDR_TLS_F_MALFORMED);
	assert_int_equal(t.hello_len, 40);
	rig_free(&r);
}

static void test_many_extensions(void **state)
{
	struct tlsgen h;
	struct tlsgen_opts o = { .sni = "late.example", .filler_before = 40 };
	struct ndr_tls_rec t;
	struct rig r;

	(void)state;
	rig_init(&r);
	tlsgen_hello(&h, &o);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags, NDR_TLS_F_EXT_CUT);
	assert_int_equal(t.n_extensions, NDR_TLS_MAX_EXT);

	o.filler_before = NDR_TLS_MAX_EXT - 1;      /* the SNI is the 32nd */
	tlsgen_hello(&h, &o);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags, NDR_TLS_F_SNI);
	assert_int_equal(t.n_extensions, NDR_TLS_MAX_EXT);

	o.filler_after = 1;                         /* a 33rd after it */
	tlsgen_hello(&h, &o);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags, NDR_TLS_F_SNI | NDR_TLS_F_EXT_CUT);
	rig_free(&r);
}

static void test_not_tls(void **state)
{
	static const char http[] = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
	struct tlsgen h;
	struct tlsgen_opts o = { .sni = "x.example" };
	struct ndr_tls_rec t;
	struct pg p;
	struct rig r;

	(void)state;
	rig_init(&r);
	pg_tcp4(&p, "10.1.0.5", 50300, "10.2.0.7", 443, PG_TCP_ACK, http, sizeof(http) - 1);
	assert_int_equal(rig_frame(&r, &p, p.len, &t), 0);

	tlsgen_hello(&h, &o);
	h.b[5] = 2;                                 /* a ServerHello */
	assert_int_equal(send_hello(&r, &h, 0, &t), 0);
	h.b[5] = 1;
	h.b[0] = 23;                                /* application data */
	assert_int_equal(send_hello(&r, &h, 0, &t), 0);
	h.b[0] = 22;
	h.b[1] = 2;                                 /* not major version 3 */
	assert_int_equal(send_hello(&r, &h, 0, &t), 0);
	h.b[1] = 3;

	/* the same hello over UDP is not looked at */
	pg_udp4(&p, "10.1.0.5", 50300, "10.2.0.7", 443, h.b, h.len);
	assert_int_equal(rig_frame(&r, &p, p.len, &t), 0);

	/* any TCP port will do */
	pg_tcp4(&p, "10.1.0.5", 50300, "10.2.0.7", 8443, PG_TCP_ACK, h.b, h.len);
	assert_int_equal(rig_frame(&r, &p, p.len, &t), 1);
	assert_string_equal(t.sni, "x.example");
	rig_free(&r);
}

static void test_ipv6_vlan(void **state)
{
	struct tlsgen h;
	struct tlsgen_opts o = { .sni = "v6.example" };
	struct ndr_tls_rec t;
	struct pg p;
	struct rig r;

	(void)state;
	rig_init(&r);
	tlsgen_hello(&h, &o);
	pg_init(&p);
	pg_eth(&p, 0x8100);
	pg_vlan(&p, 100, 0x8100);
	pg_vlan(&p, 200, 0x86dd);
	pg_ipv6(&p, "2001:db8::1", "2001:db8::2", 6, 33);
	pg_tcp(&p, 50400, 443, PG_TCP_ACK, 12);
	pg_bytes(&p, h.b, h.len);
	pg_finish(&p);
	assert_int_equal(rig_frame(&r, &p, p.len, &t), 1);
	assert_int_equal(t.hdr.flags & NDR_REC_F_IPV6, NDR_REC_F_IPV6);
	assert_int_equal(t.vlan_outer, 100);
	assert_int_equal(t.vlan_inner, 200);
	assert_int_equal(t.ip_ttl, 33);
	assert_int_equal(t.src_addr[0], 0x20);
	assert_int_equal(t.dst_addr[15], 2);
	assert_string_equal(t.sni, "v6.example");
	rig_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sni_and_alpn),
		cmocka_unit_test(test_no_sni),
		cmocka_unit_test(test_cut_names),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_split_across_segments),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_many_extensions),
		cmocka_unit_test(test_not_tls),
		cmocka_unit_test(test_ipv6_vlan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
