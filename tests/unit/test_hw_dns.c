/* The DNS extractor (hw/src/dns_walk.c, dns_stage.c) through the emulated
 * card, whole-frame and clocked (every test runs on both); records read as
 * the host reads them, compact ones expanded (ndr_rec_expand). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "ndr_hw.h"
#include "ndr_record.h"
#include "test_hw_util.h"

static struct pg P;
static struct dnsb D;
static uint8_t R[NDR_REC_MAX_SLOTS * NDR_SLOT_BYTES];
static union ndr_rec_full FULL;
#define DNS ((const struct ndr_dns_rec *)FULL.slots)
static bool clocked;            /* the card kind of this run of the tests */

struct fixture {
	struct tring r;
	struct ndr_card *c;
	int raw_type;               /* the last DNS record's type on the ring */
};

/* A frame into the card; a clocked card then finishes its work on it. */
static void send_frame(struct fixture *f, uint64_t ts)
{
	tcard_send(f->c, ts, &P);
	assert_int_equal(ndr_card_tick(f->c, ts), 0);
}

/* The next DNS record, full or compact, in its full form (DNS); 0 when
 * none is left. */
static int next_dns(struct fixture *f)
{
	int t;
	while ((t = tr_next(&f->r, R)) != 0) {
		if (t != NDR_REC_DNS && t != NDR_REC_DNS_SHORT)
			continue;
		f->raw_type = t;
		const struct ndr_rec_hdr *h = ndr_rec_expand((const struct ndr_rec_hdr *)R, &FULL);
		if (h != &FULL.hdr)
			memcpy(&FULL, h, (size_t)h->slots * NDR_SLOT_BYTES);
		assert_int_equal(FULL.hdr.type, NDR_REC_DNS);
		return NDR_REC_DNS;
	}
	return 0;
}

static int setup(void **state)
{
	static struct fixture f;
	struct ndr_card_cfg cfg;
	ndr_card_cfg_defaults(&cfg);
	cfg.heartbeat_ms = 0;
	cfg.clocked = clocked;
	f.c = tcard_new(&f.r, 10, &cfg);
	*state = &f;
	return f.c ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	ndr_card_free(f->c);
	tr_free(&f->r);
	return 0;
}

static uint16_t entropy_str(const char *s)
{
	uint16_t hist[256] = {0};
	uint32_t n = (uint32_t)strlen(s);
	for (uint32_t i = 0; i < n; i++)
		hist[(uint8_t)s[i]]++;
	return ndr_entropy_hist_q12(hist, n);
}

/* Send D over UDP/IPv4 to port 53 and read back the DNS record. */
static int send_udp(struct fixture *f, uint64_t ts)
{
	pg_udp4(&P, "10.0.0.7", 33333, "10.0.0.53", 53, D.b, D.len);
	send_frame(f, ts);
	return next_dns(f);
}

static void test_query(void **state)
{
	struct fixture *f = *state;
	dnsb_header(&D, 0xbeef, 0x0100, 1, 0, 0, 0);
	dnsb_question(&D, "www.Example-1.com", 1, 1);
	assert_int_equal(send_udp(f, 7 * SEC), NDR_REC_DNS);
	const struct ndr_dns_rec *d = DNS;
	assert_int_equal(d->hdr.slots, 3);
	assert_int_equal(f->raw_type, NDR_REC_DNS);           /* the name is too long */
	assert_int_equal(d->hdr.ts_ns, 7 * SEC);
	assert_int_equal(d->txid, 0xbeef);
	assert_int_equal(d->dns_flags, 0x0100);
	assert_int_equal(d->qdcount, 1);
	assert_int_equal(d->src_port, 33333);
	assert_int_equal(d->dst_port, 53);
	assert_int_equal(d->src_addr[15], 7);
	assert_int_equal(d->ip_proto, 17);
	assert_int_equal(d->ip_ttl, 64);
	assert_int_equal(d->msg_len, D.len);
	assert_int_equal(d->parse_flags, 0);
	assert_int_equal(d->qtype, 1);
	assert_int_equal(d->qclass, 1);
	assert_int_equal(d->qname_len, 17);
	assert_memory_equal(d->qname, "www.example-1.com", 17);
	for (uint32_t i = 17; i < 64; i++)
		assert_int_equal(d->qname[i], 0);
	assert_int_equal(d->label_count, 3);
	assert_int_equal(d->longest_label, 9);
	assert_int_equal(d->n_lower, 3 + 6 + 3);
	assert_int_equal(d->n_upper, 1);
	assert_int_equal(d->n_digit, 1);
	assert_int_equal(d->n_hyphen, 1);
	assert_int_equal(d->n_other, 0);
	assert_int_equal(d->qname_entropy, entropy_str("wwwexample-1com"));
	assert_int_equal(d->label_entropy, entropy_str("example-1"));
	assert_int_equal(d->an_a + d->an_aaaa + d->an_txt + d->an_other, 0);
	assert_int_equal(d->min_ttl, 0xffffffffu);
	assert_int_equal(d->first_an_type, 0);
}

static void test_response_answers(void **state)
{
	struct fixture *f = *state;
	static const uint8_t a[4] = { 1, 2, 3, 4 };
	static const uint8_t aaaa[16] = { 0x20, 1, 0xd, 0xb8 };
	static const uint8_t txt[6] = { 5, 'h', 'e', 'l', 'l', 'o' };
	dnsb_header(&D, 1, 0x8180, 1, 4, 0, 0);
	dnsb_question(&D, "t.example", 16, 1);
	dnsb_rr(&D, 12, 1, 300, a, 4);
	dnsb_rr(&D, 12, 28, 60, aaaa, 16);
	dnsb_rr(&D, 12, 16, 100, txt, 6);
	dnsb_rr(&D, 12, 5, 90, "\0", 1);   /* CNAME to the root */
	assert_int_equal(send_udp(f, SEC), NDR_REC_DNS);
	const struct ndr_dns_rec *d = DNS;
	assert_int_equal(d->parse_flags, 0);
	assert_int_equal(d->ancount, 4);
	assert_int_equal(d->an_a, 1);
	assert_int_equal(d->an_aaaa, 1);
	assert_int_equal(d->an_txt, 1);
	assert_int_equal(d->an_other, 1);
	assert_int_equal(d->first_an_type, 1);
	assert_int_equal(d->min_ttl, 60);
	assert_int_equal(d->txt_len, 6);
	assert_int_equal(d->txt_entropy, entropy_str("\x05hello"));
	assert_int_equal(d->qtype, 16);

	/* more than 32 answers: 32 are walked */
	dnsb_header(&D, 2, 0x8180, 1, 40, 0, 0);
	dnsb_question(&D, "x", 1, 1);
	for (int i = 0; i < 40; i++)
		dnsb_rr(&D, 12, 1, (uint32_t)(1000 - i), a, 4);
	assert_int_equal(send_udp(f, SEC), NDR_REC_DNS);
	assert_int_equal(DNS->parse_flags, NDR_DNS_P_ANSWERS_CUT);
	assert_int_equal(DNS->an_a, 32);
	assert_int_equal(DNS->min_ttl, 1000 - 31);
}

static void test_pointers(void **state)
{
	struct fixture *f = *state;
	/* a pointer to itself */
	dnsb_header(&D, 3, 0, 1, 0, 0, 0);
	dnsb_ptr(&D, 12);
	dnsb_u32(&D, 0x00010001);
	assert_int_equal(send_udp(f, SEC), NDR_REC_DNS);
	assert_int_equal(DNS->parse_flags, NDR_DNS_P_PTR_LOOP);
	assert_int_equal(DNS->qname_len, 0);
	assert_int_equal(DNS->qtype, 0);

	/* a forward pointer, after a label that still counts */
	dnsb_header(&D, 4, 0, 1, 0, 0, 0);
	dnsb_labels(&D, "abc");
	dnsb_ptr(&D, 30);
	dnsb_u32(&D, 0x00010001);
	dnsb_name(&D, "evil");
	assert_int_equal(send_udp(f, SEC), NDR_REC_DNS);
	assert_int_equal(DNS->parse_flags, NDR_DNS_P_PTR_LOOP);
	assert_int_equal(DNS->label_count, 1);
	assert_int_equal(DNS->qname_len, 3);
	assert_memory_equal(DNS->qname, "abc", 3);

	/* a backward pointer into the header: qdcount's high byte (offset 4)
	 * is 0, which ends the name; the question goes on after the pointer */
	dnsb_header(&D, 5, 0, 1, 0, 0, 0);
	dnsb_labels(&D, "ab");
	dnsb_ptr(&D, 4);
	dnsb_u16(&D, 28);
	dnsb_u16(&D, 1);
	assert_int_equal(send_udp(f, SEC), NDR_REC_DNS);
	assert_int_equal(DNS->parse_flags, 0);
	assert_int_equal(DNS->qtype, 28);
	assert_memory_equal(DNS->qname, "ab", 3);
	assert_int_equal(f->raw_type, NDR_REC_DNS_SHORT);     /* a clean short query */
	assert_int_equal(DNS->hdr.slots, 3);
	assert_int_equal(DNS->min_ttl, 0xffffffffu);
}

static void test_bad_labels(void **state)
{
	struct fixture *f = *state;
	/* reserved label type 01 */
	dnsb_header(&D, 6, 0, 1, 0, 0, 0);
	dnsb_labels(&D, "ok");
	dnsb_u8(&D, 0x45);
	dnsb_raw(&D, "aaaaaaaaaa", 10);
	assert_int_equal(send_udp(f, SEC), NDR_REC_DNS);
	assert_int_equal(DNS->parse_flags, NDR_DNS_P_BAD_LABEL);
	assert_int_equal(DNS->label_count, 1);

	/* four 63-byte labels: 4 * 64 + 1 > 255 */
	char big[4 * 64];
	for (int i = 0; i < 4; i++) {
		memset(big + i * 64, 'a' + i, 63);
		big[i * 64 + 63] = '.';
	}
	big[4 * 64 - 1] = 0;
	dnsb_header(&D, 7, 0, 1, 0, 0, 0);
	dnsb_question(&D, big, 1, 1);
	assert_int_equal(send_udp(f, SEC), NDR_REC_DNS);
	assert_int_equal(DNS->parse_flags, NDR_DNS_P_LABEL_LONG);
	assert_int_equal(DNS->label_count, 3);
	assert_int_equal(DNS->longest_label, 63);
	assert_int_equal(DNS->qname_len, 3 * 63 + 2);
	assert_int_equal(DNS->hdr.slots, ndr_dns_rec_slots(191));
	assert_int_equal(DNS->label_entropy, 0);

	/* qdcount 0 */
	dnsb_header(&D, 8, 0, 0, 0, 0, 0);
	assert_int_equal(send_udp(f, SEC), NDR_REC_DNS);
	assert_int_equal(DNS->parse_flags, NDR_DNS_P_NO_QUESTION);
	assert_int_equal(DNS->hdr.slots, 3);
}

static void test_truncated(void **state)
{
	struct fixture *f = *state;
	static const uint8_t a[4] = { 1, 2, 3, 4 };
	dnsb_header(&D, 9, 0x8180, 1, 2, 0, 0);
	dnsb_question(&D, "example.org", 1, 1);
	dnsb_rr(&D, 12, 1, 10, a, 4);
	dnsb_rr(&D, 12, 1, 5, a, 4);
	pg_udp4(&P, "10.0.0.7", 33333, "10.0.0.53", 53, D.b, D.len);
	P.len -= 3;                          /* the capture ends inside RR 2 */
	send_frame(f, SEC);
	assert_int_equal(next_dns(f), NDR_REC_DNS);
	assert_int_equal(DNS->parse_flags, NDR_DNS_P_TRUNCATED | NDR_DNS_P_ANSWERS_CUT);
	assert_int_equal(DNS->msg_len, D.len);
	assert_int_equal(DNS->an_a, 1);
	assert_int_equal(DNS->min_ttl, 10);

	/* fewer than 12 bytes visible: no record, a DNS error */
	struct ndr_card_stats before, after;
	ndr_card_get_stats(f->c, &before);
	pg_udp4(&P, "10.0.0.7", 33333, "10.0.0.53", 53, D.b, D.len);
	P.len = 14 + 20 + 8 + 11;
	send_frame(f, SEC);
	assert_int_equal(next_dns(f), 0);
	ndr_card_get_stats(f->c, &after);
	assert_int_equal(after.dns_messages, before.dns_messages + 1);
	assert_int_equal(after.dns_errors, before.dns_errors + 1);

	/* question cut before qtype */
	dnsb_header(&D, 10, 0, 1, 0, 0, 0);
	dnsb_name(&D, "abc");
	dnsb_u16(&D, 1);
	assert_int_equal(send_udp(f, SEC), NDR_REC_DNS);
	assert_int_equal(DNS->parse_flags, NDR_DNS_P_TRUNCATED);
	assert_int_equal(DNS->qtype, 0);
	assert_memory_equal(DNS->qname, "abc", 4);
}

static void test_tcp_dns(void **state)
{
	struct fixture *f = *state;
	static const uint8_t a[4] = { 9, 9, 9, 9 };
	dnsb_header(&D, 0x4242, 0x8180, 1, 1, 0, 0);
	dnsb_question(&D, "tcp.example.net", 1, 1);
	dnsb_rr(&D, 12, 1, 77, a, 4);
	uint8_t buf[600];
	buf[0] = (uint8_t)(D.len >> 8);
	buf[1] = (uint8_t)D.len;
	memcpy(buf + 2, D.b, D.len);
	pg_tcp4(&P, "10.0.0.53", 53, "10.0.0.7", 40001, PG_TCP_ACK | PG_TCP_PSH, buf, D.len + 2);
	send_frame(f, 3 * SEC);
	assert_int_equal(next_dns(f), NDR_REC_DNS);
	assert_int_equal(DNS->parse_flags, NDR_DNS_P_TCP);
	assert_int_equal(DNS->ip_proto, 6);
	assert_int_equal(DNS->msg_len, D.len);
	assert_int_equal(DNS->txid, 0x4242);
	assert_int_equal(DNS->src_port, 53);
	assert_int_equal(DNS->an_a, 1);
	assert_memory_equal(DNS->qname, "tcp.example.net", 16);

	/* a length prefix that promises more than the segment carries */
	buf[0] = 0x01;
	pg_tcp4(&P, "10.0.0.53", 53, "10.0.0.7", 40001, PG_TCP_ACK, buf, D.len + 2);
	send_frame(f, 3 * SEC);
	assert_int_equal(next_dns(f), NDR_REC_DNS);
	assert_int_equal(DNS->parse_flags, NDR_DNS_P_TCP | NDR_DNS_P_TRUNCATED);
	assert_int_equal(DNS->msg_len, 256 + D.len);
	assert_int_equal(DNS->an_a, 1);

	/* a pure ACK on port 53 is not a message */
	struct ndr_card_stats before, after;
	ndr_card_get_stats(f->c, &before);
	pg_tcp4(&P, "10.0.0.53", 53, "10.0.0.7", 40001, PG_TCP_ACK, "", 0);
	send_frame(f, 3 * SEC);
	ndr_card_get_stats(f->c, &after);
	assert_int_equal(after.dns_messages, before.dns_messages);
}

static void test_big_message_over_beats(void **state)
{
	struct fixture *f = *state;
	/* a response spanning many beats, over IPv6 with a VLAN tag */
	uint8_t txt[256];
	txt[0] = 255;
	for (int i = 1; i < 256; i++)
		txt[i] = (uint8_t)(i * 7);
	dnsb_header(&D, 11, 0x8180, 1, 6, 0, 0);
	dnsb_question(&D, "big.test", 16, 1);
	for (int i = 0; i < 6; i++)
		dnsb_rr(&D, 12, 16, 30, txt, 256);
	pg_init(&P);
	pg_eth(&P, 0x8100);
	pg_vlan(&P, 42, 0x86dd);
	pg_ipv6(&P, "2001:db8::53", "2001:db8::7", 17, 55);
	pg_udp(&P, 53, 5353);
	pg_bytes(&P, D.b, D.len);
	pg_finish(&P);
	send_frame(f, SEC);
	assert_int_equal(next_dns(f), NDR_REC_DNS);
	assert_int_equal(DNS->hdr.flags & NDR_REC_F_IPV6, NDR_REC_F_IPV6);
	assert_int_equal(DNS->vlan_outer, 42);
	assert_int_equal(DNS->ip_ttl, 55);
	assert_int_equal(DNS->parse_flags, 0);
	assert_int_equal(DNS->an_txt, 6);
	assert_int_equal(DNS->txt_len, 6 * 256);
	/* entropy over the first 1024 RDATA bytes: four copies of txt */
	uint16_t hist[256] = {0};
	for (int k = 0; k < 4; k++)
		for (int i = 0; i < 256; i++)
			hist[txt[i]]++;
	assert_int_equal(DNS->txt_entropy, ndr_entropy_hist_q12(hist, 1024));
}

static int whole_frame(void **state)
{
	(void)state;
	clocked = false;
	return 0;
}

static int clocked_card(void **state)
{
	(void)state;
	clocked = true;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_query, setup, teardown),
		cmocka_unit_test_setup_teardown(test_response_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pointers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_labels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_dns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_message_over_beats, setup, teardown),
	};
	int failed = cmocka_run_group_tests_name("whole-frame card", tests, whole_frame, NULL);
	failed += cmocka_run_group_tests_name("clocked card", tests, clocked_card, NULL);
	return failed;
}
