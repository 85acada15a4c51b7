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
#include <stdlib.h>
#include <string.h>

#include "ndr_eve.h"
#include "ndr_golden.h"
#include "ndr_tls_fingerprint.h"
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
	uint8_t golden_tls[MAX_GOLDEN][sizeof(struct ndr_tls_rec)];
	unsigned n_golden;
	uint64_t t;
};

static void on_golden(void *arg, const struct ndr_rec_hdr *rec)
{
	struct rig *r = arg;

	if (rec->type != NDR_REC_TLS)
		return;
	assert_int_equal(rec->slots, sizeof(struct ndr_tls_rec) / NDR_SLOT_BYTES);
	assert_true(r->n_golden < MAX_GOLDEN);
	memcpy(r->golden_tls[r->n_golden++], rec, sizeof(struct ndr_tls_rec));
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
	assert_int_equal(t.hdr.slots, 8);
	assert_int_equal(t.hdr.ts_ns, r.t);
	assert_int_equal(t.hdr.flags & NDR_REC_F_IPV6, 0);
	assert_int_equal(t.src_port, 50123);
	assert_int_equal(t.dst_port, 443);
	assert_int_equal(t.ip_proto, 6);
	assert_int_equal(t.tls_flags & ~NDR_TLS_F_CIPHERS, NDR_TLS_F_SNI | NDR_TLS_F_ALPN);
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
	assert_int_equal(t.tls_flags & ~NDR_TLS_F_CIPHERS, 0);
	assert_int_equal(t.n_extensions, 3);
	assert_int_equal(t.sni_len, 0);
	assert_memory_equal(t.sni, zero, sizeof(zero));

	/* server_name whose first entry is not a host_name */
	o.sni = "example.org";
	o.sni_name_type = 1;
	tlsgen_hello(&h, &o);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags & ~NDR_TLS_F_CIPHERS, 0);
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
	assert_int_equal(t.tls_flags & ~NDR_TLS_F_CIPHERS, 0);
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
	assert_int_equal(t.tls_flags & ~NDR_TLS_F_CIPHERS, NDR_TLS_F_SNI | NDR_TLS_F_SNI_CUT);
	assert_int_equal(t.sni_len, 200);
	assert_memory_equal(t.sni, want, NDR_TLS_SNI_MAX);

	name[NDR_TLS_SNI_MAX] = '\0';               /* exactly 64: stored whole */
	tlsgen_hello(&h, &o);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags & ~NDR_TLS_F_CIPHERS, NDR_TLS_F_SNI);
	assert_int_equal(t.sni_len, NDR_TLS_SNI_MAX);
	assert_memory_equal(t.sni, want, NDR_TLS_SNI_MAX);

	name[NDR_TLS_SNI_MAX + 1] = 'x';            /* 65 */
	name[NDR_TLS_SNI_MAX] = 'Q';
	name[NDR_TLS_SNI_MAX + 1] = '\0';
	tlsgen_hello(&h, &o);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags & ~NDR_TLS_F_CIPHERS, NDR_TLS_F_SNI | NDR_TLS_F_SNI_CUT);
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
	assert_int_equal(t.tls_flags & ~NDR_TLS_F_CIPHERS, NDR_TLS_F_TRUNCATED);
	assert_int_equal(t.hello_version, 0x0303);
	assert_int_equal(t.n_ciphers, 100);
	assert_int_equal(t.n_extensions, 0);
	assert_int_equal(t.payload_len, h.len);

	/* the capture ends inside the random: only the legacy version */
	assert_int_equal(send_hello(&r, &h, 20, &t), 1);
	assert_int_equal(t.tls_flags & ~NDR_TLS_F_CIPHERS, NDR_TLS_F_TRUNCATED);
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
	assert_int_equal(t.tls_flags & ~NDR_TLS_F_CIPHERS, NDR_TLS_F_SNI | NDR_TLS_F_TRUNCATED);
	assert_string_equal(t.sni, "cut.example");
	assert_int_equal(t.n_extensions, 2);

	/* a hello longer than its record (continues in the next record):
	 * read up to the record's end only */
	tlsgen_hello(&h, &o);
	tlsgen_put16(&h, 3, 200);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags & ~NDR_TLS_F_CIPHERS, NDR_TLS_F_SNI | NDR_TLS_F_TRUNCATED);
	assert_int_equal(t.record_len, 200);
	assert_int_equal(t.n_extensions, 2);
	tlsgen_put16(&h, 3, 45);                    /* ends inside the ciphers */
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags & ~NDR_TLS_F_CIPHERS, NDR_TLS_F_TRUNCATED);
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
	assert_int_equal(t.tls_flags & ~NDR_TLS_F_CIPHERS, NDR_TLS_F_SNI | NDR_TLS_F_TRUNCATED);
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
	assert_int_equal(t.tls_flags & ~NDR_TLS_F_CIPHERS, NDR_TLS_F_MALFORMED);
	assert_int_equal(t.n_extensions, 1);
	assert_int_equal(t.sni_len, 0);

	/* extension length past the extensions block */
	tlsgen_hello(&h, &o);
	tlsgen_put16(&h, h.sni_ext_off + 2, 0x4000);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags & ~NDR_TLS_F_CIPHERS, NDR_TLS_F_MALFORMED);
	assert_int_equal(t.n_extensions, 1);

	/* extensions block past the hello */
	tlsgen_hello(&h, &o);
	tlsgen_put16(&h, h.ext_len_off, 0xffff);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags & ~NDR_TLS_F_CIPHERS, NDR_TLS_F_MALFORMED);
	assert_int_equal(t.n_extensions, 0);

	/* cipher suites past the hello */
	tlsgen_hello(&h, &o);
	tlsgen_put16(&h, h.ciphers_off, 0xfff0);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags & ~NDR_TLS_F_CIPHERS, NDR_TLS_F_MALFORMED);
	assert_int_equal(t.n_ciphers, 0x7ff8);

	/* a record too short for the handshake header */
	tlsgen_hello(&h, &o);
	tlsgen_put16(&h, 3, 2);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags & ~NDR_TLS_F_CIPHERS, NDR_TLS_F_MALFORMED | NDR_TLS_F_TRUNCATED);
	assert_int_equal(t.hello_version, 0);

	/* a hello length shorter than its contents: the walk ends at it */
	tlsgen_hello(&h, &o);
	tlsgen_put24(&h, 6, 40);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags & ~NDR_TLS_F_CIPHERS, NDR_TLS_F_MALFORMED);
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
	assert_int_equal(t.tls_flags & ~NDR_TLS_F_CIPHERS, NDR_TLS_F_EXT_CUT);
	assert_int_equal(t.n_extensions, NDR_TLS_MAX_EXT);

	o.filler_before = NDR_TLS_MAX_EXT - 1;      /* the SNI is the 32nd */
	tlsgen_hello(&h, &o);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags & ~NDR_TLS_F_CIPHERS, NDR_TLS_F_SNI);
	assert_int_equal(t.n_extensions, NDR_TLS_MAX_EXT);

	o.filler_after = 1;                         /* a 33rd after it */
	tlsgen_hello(&h, &o);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags & ~NDR_TLS_F_CIPHERS, NDR_TLS_F_SNI | NDR_TLS_F_EXT_CUT);
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
	h.b[5] = 11;                                /* a Certificate */
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

/* The lists JA3 and JA4 need (ABI 3), GREASE included as on the wire,
 * and the highest version of supported_versions without GREASE. */
static void test_lists(void **state)
{
	static const uint16_t cs[] = { 0x2a2a, 0x1301, 0x1302, 0xc02b, 0x002f };
	static const uint8_t groups[] = { 0, 8, 0x3a, 0x3a, 0, 0x1d, 0, 0x17, 0, 0x18 };
	static const uint8_t pf[] = { 2, 0, 1 };
	static const uint8_t sig[] = { 0, 6, 4, 3, 8, 4, 4, 1 };
	static const uint8_t sv[] = { 6, 0x7a, 0x7a, 3, 4, 3, 3 };
	static const uint8_t sni[] = { 0, 8, 0, 0, 5, 'a', '.', 'b', 'c', 'd' };
	static const uint8_t alpn[] = { 0, 12, 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1' };
	const struct tlsgen_ext ext[] = {
		{ 0xdada, NULL, 0 }, { 0, sni, sizeof(sni) }, { 10, groups, sizeof(groups) },
		{ 11, pf, sizeof(pf) }, { 13, sig, sizeof(sig) }, { 43, sv, sizeof(sv) },
		{ 16, alpn, sizeof(alpn) }, { 0x44cd, "\0\0", 2 }, { 10, groups, 4 },
	};
	struct tlsgen h;
	struct ndr_tls_rec t;
	struct rig r;

	(void)state;
	rig_init(&r);
	tlsgen_client(&h, 0x0303, cs, 5, ext, sizeof(ext) / sizeof(ext[0]));
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags, NDR_TLS_F_SNI | NDR_TLS_F_ALPN | NDR_TLS_F_CIPHERS |
			 NDR_TLS_F_SV | NDR_TLS_F_GROUPS | NDR_TLS_F_SIGALGS | NDR_TLS_F_PF);
	assert_int_equal(t.n_ciphers, 5);
	assert_memory_equal(t.ciphers, cs, sizeof(cs));
	assert_int_equal(t.ciphers[5], 0);
	assert_int_equal(t.n_extensions, 9);
	uint16_t types[9] = { 0xdada, 0, 10, 11, 13, 43, 16, 0x44cd, 10 };
	assert_memory_equal(t.ext_types, types, sizeof(types));
	assert_int_equal(t.n_groups, 4);          /* the first supported_groups only */
	assert_int_equal(t.groups[0], 0x3a3a);
	assert_int_equal(t.groups[1], 0x1d);
	assert_int_equal(t.groups[3], 0x18);
	assert_int_equal(t.n_point_formats, 2);
	assert_int_equal(t.point_formats[0], 0);
	assert_int_equal(t.point_formats[1], 1);
	assert_int_equal(t.n_sigalgs, 3);
	assert_int_equal(t.sigalgs[0], 0x0403);
	assert_int_equal(t.sigalgs[2], 0x0401);
	assert_int_equal(t.n_versions, 3);
	assert_int_equal(t.sv_version, 0x0304);
	assert_int_equal(t.alpn_len, 2);
	assert_int_equal(t.alpn_last, '2');
	assert_string_equal(t.sni, "a.bcd");

	/* lists longer than kept: cut, flagged, the first ones kept */
	uint16_t many[70];
	uint8_t bigsig[2 + 80];
	for (unsigned i = 0; i < 70; i++)
		many[i] = (uint16_t)(0x0100 + i);
	for (unsigned i = 0; i < 40; i++) {
		bigsig[2 + 2 * i] = 8;
		bigsig[3 + 2 * i] = (uint8_t)i;
	}
	bigsig[0] = 0;
	bigsig[1] = 80;
	const struct tlsgen_ext ext2[] = { { 13, bigsig, sizeof(bigsig) } };
	tlsgen_client(&h, 0x0303, many, 70, ext2, 1);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags, NDR_TLS_F_CIPHERS | NDR_TLS_F_SIGALGS | NDR_TLS_F_LIST_CUT);
	assert_int_equal(t.n_ciphers, 70);
	assert_int_equal(t.ciphers[63], 0x0100 + 63);
	assert_int_equal(t.n_sigalgs, 40);
	assert_int_equal(t.sigalgs[31], 0x0800 + 31);

	/* a hello cut before its ciphers: no list claimed */
	tlsgen_client(&h, 0x0303, many, 70, ext2, 1);
	assert_int_equal(send_hello(&r, &h, 9 + 2 + 32 + 1 + 2 + 20, &t), 1);
	assert_int_equal(t.tls_flags, NDR_TLS_F_TRUNCATED);
	assert_int_equal(t.n_ciphers, 70);
	assert_int_equal(t.ciphers[0], 0);
	rig_free(&r);
}

/* A ServerHello: the chosen cipher, the selected version, its extensions. */
static void test_server_hello(void **state)
{
	static const uint8_t sel[] = { 3, 4 };
	static const uint8_t alpn[] = { 0, 3, 2, 'h', '2' };
	const struct tlsgen_ext ext[] = {
		{ 51, "\0\x1d\0\0", 4 }, { 43, sel, 2 }, { 16, alpn, sizeof(alpn) }, { 0, NULL, 0 },
	};
	struct tlsgen h;
	struct ndr_tls_rec t;
	struct rig r;

	(void)state;
	rig_init(&r);
	tlsgen_server(&h, 0x0303, 0x1302, ext, 4);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags, NDR_TLS_F_SERVER | NDR_TLS_F_CIPHERS | NDR_TLS_F_SV |
			 NDR_TLS_F_ALPN);
	assert_int_equal(t.hello_version, 0x0303);
	assert_int_equal(t.sv_version, 0x0304);
	assert_int_equal(t.n_ciphers, 1);
	assert_int_equal(t.ciphers[0], 0x1302);
	assert_int_equal(t.n_extensions, 4);
	assert_int_equal(t.ext_types[0], 51);
	assert_int_equal(t.ext_types[3], 0);
	assert_int_equal(t.sni_len, 0);
	assert_int_equal(t.alpn_len, 2);

	/* a TLS 1.2 ServerHello: no supported_versions */
	tlsgen_server(&h, 0x0303, 0xc02f, NULL, 0);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_int_equal(t.tls_flags, NDR_TLS_F_SERVER | NDR_TLS_F_CIPHERS);
	assert_int_equal(t.sv_version, 0);
	assert_int_equal(t.ciphers[0], 0xc02f);
	rig_free(&r);
}

/*
 * JA3 and JA4 against published values. Chrome 143 (Android) as a public
 * TLS fingerprinting service reported it (ja3_text, ja3_hash, ja4, ja4_r,
 * ja4_ro; quoted in service0427/v2_cp_app tls.md): its cipher suites and
 * extensions in the order the service saw them on the wire, its groups,
 * point formats and signature algorithms. The hello built from them gets
 * GREASE values where Chrome puts them (first cipher, first and last
 * extension, first group, first version), which both fingerprints must
 * ignore, and short contents where the fingerprints do not look (a 32-byte
 * X25519 key share instead of X25519MLKEM768's 1216 bytes, so the hello
 * fits the card's 1024-byte view: docs/alerts.md says why real PQ hellos
 * get no fingerprint).
 */
static void test_ja3_ja4_published(void **state)
{
	static const uint16_t cs[] = {
		0x4a4a, 4865, 4866, 4867, 49195, 49199, 49196, 49200, 52393, 52392, 49171, 49172,
		156, 157, 47, 53,
	};
	static const uint8_t groups[] = { 0, 10, 0x5a, 0x5a, 0x11, 0xec, 0, 29, 0, 23, 0, 24 };
	static const uint8_t pf[] = { 1, 0 };
	static const uint8_t sig[] = { 0, 16, 4, 3, 8, 4, 4, 1, 5, 3, 8, 5, 5, 1, 8, 6, 6, 1 };
	static const uint8_t sv[] = { 6, 0xba, 0xba, 3, 4, 3, 3 };
	static const uint8_t sni[] = { 0, 23, 0, 0, 20, 't', 'l', 's', '.', 'b', 'r', 'o', 'w', 's',
				       'e', 'r', 'l', 'e', 'a', 'k', 's', '.', 'c', 'o', 'm' };
	static const uint8_t alpn[] = { 0, 12, 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1' };
	static const uint8_t ks[43] = { 0, 41, 0xaa, 0xaa, 0, 1, 0, 0, 29, 0, 32 };
	static const uint8_t psk_modes[] = { 1, 1 };
	const struct tlsgen_ext ext[] = {
		{ 0x0a0a, NULL, 0 }, { 45, psk_modes, 2 }, { 51, ks, 43 }, { 16, alpn, sizeof(alpn) },
		{ 65037, "\0\0\1\0\1\x9f\0\0\0\0", 10 }, { 23, NULL, 0 },
		{ 17613, "\0\3\2h2", 6 }, { 0, sni, sizeof(sni) }, { 11, pf, sizeof(pf) },
		{ 10, groups, sizeof(groups) }, { 43, sv, sizeof(sv) }, { 65281, "\0", 1 },
		{ 35, NULL, 0 }, { 18, NULL, 0 }, { 5, "\1\0\0\0\0", 5 }, { 13, sig, sizeof(sig) },
		{ 27, "\2\0\2", 3 }, { 0xfafa, "\0", 1 },
	};
	char ja3[NDR_JA3_STRLEN], md5[33], ja4[NDR_JA4_STRLEN];
	struct tlsgen h;
	struct ndr_tls_rec t;
	struct rig r;

	(void)state;
	rig_init(&r);
	tlsgen_client(&h, 0x0303, cs, sizeof(cs) / 2, ext, sizeof(ext) / sizeof(ext[0]));
	assert_true(h.len <= NDR_TLS_VIEW);
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);
	assert_null(ndr_tls_fingerprint_missing(&t));
	assert_int_equal(ndr_tls_ja3(&t, ja3, md5), 0);
	assert_string_equal(ja3, "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-"
			    "49172-156-157-47-53,45-51-16-65037-23-17613-0-11-10-43-65281-35-"
			    "18-5-13-27,4588-29-23-24,0");
	assert_string_equal(md5, "98487aa16281980e7d1120d399efb6a4");
	assert_int_equal(ndr_tls_ja4(&t, ja4), 0);
	assert_string_equal(ja4, "t13d1516h2_8daaf6152771_d8a2da3f94cd");

	/* the EVE event carries them, and the version its server chose */
	static const uint8_t sel[] = { 3, 4 };
	const struct tlsgen_ext sext[] = { { 43, sel, 2 }, { 51, "\0\x1d\0\0", 4 } };
	struct ndr_tls_rec sh;
	struct pg p;
	tlsgen_server(&h, 0x0303, 4865, sext, 2);
	pg_tcp4(&p, "10.2.0.7", 443, "10.1.0.5", 50123, PG_TCP_ACK | PG_TCP_PSH, h.b, h.len);
	assert_int_equal(rig_frame(&r, &p, p.len, &sh), 1);
	char *ev = ndr_eve_tls_pair_str(&t, &sh);
	assert_non_null(ev);
	assert_non_null(strstr(ev, "\"ja4\":\"t13d1516h2_8daaf6152771_d8a2da3f94cd\""));
	assert_non_null(strstr(ev, "\"hash\":\"98487aa16281980e7d1120d399efb6a4\""));
	assert_non_null(strstr(ev, "\"tls\":{\"sni\":\"tls.browserleaks.com\",\"version\":\"TLS 1.3\""));
	assert_non_null(strstr(ev, "\"server_handshake\":{\"version\":\"TLS 1.2\",\"cipher\":4865,\"exts\":[43,51]}"));
	assert_non_null(strstr(ev, "\"src_ip\":\"10.1.0.5\""));
	free(ev);

	/* a hello the card saw cut has none, and says why */
	assert_int_equal(send_hello(&r, &h, 0, &t), 1);       /* h is the ServerHello now */
	assert_non_null(ndr_tls_fingerprint_missing(&t));
	tlsgen_client(&h, 0x0303, cs, sizeof(cs) / 2, ext, sizeof(ext) / sizeof(ext[0]));
	assert_int_equal(send_hello(&r, &h, h.len - 3, &t), 1);
	assert_string_equal(ndr_tls_fingerprint_missing(&t), "hello_not_whole");
	assert_int_equal(ndr_tls_ja4(&t, ja4), -1);
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
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_server_hello),
		cmocka_unit_test(test_ja3_ja4_published),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
