/* The header parser (hw/src/parser.c) on crafted frames. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "ndr_hw.h"
#include "pktgen.h"

static struct pg P;

static struct ndr_pkt_meta parse(const struct pg *p)
{
	struct ndr_pkt_meta m;
	memset(&m, 0, sizeof(m));   /* padding, for the memory compares below */
	ndr_parse_headers(p->b, p->len < NDR_HDR_WINDOW ? p->len : NDR_HDR_WINDOW, &m);
	return m;
}

/* The same frame through the beat interface must give the same meta. */
static struct ndr_pkt_meta parse_beats(const struct pg *p)
{
	struct ndr_parser ps;
	int done = 0;
	memset(&ps, 0, sizeof(ps));
	ndr_parser_start(&ps);
	for (uint32_t off = 0; off < p->len; off += 64) {
		uint32_t n = p->len - off < 64 ? p->len - off : 64;
		done += ndr_parser_beat(&ps, p->b + off, n, off + n >= p->len);
	}
	assert_int_equal(done, 1);
	return ps.meta;
}

static const uint8_t V4_A[16] = { 0,0,0,0,0,0,0,0,0,0,0xff,0xff, 10,0,0,1 };
static const uint8_t V4_B[16] = { 0,0,0,0,0,0,0,0,0,0,0xff,0xff, 10,0,0,2 };

static void test_ipv4_udp(void **state)
{
	(void)state;
	uint8_t payload[30] = {0};
	pg_udp4(&P, "10.0.0.1", 1234, "10.0.0.2", 53, payload, sizeof(payload));
	struct ndr_pkt_meta m = parse(&P);
	assert_int_equal(m.kind, NDR_PKT_IP);
	assert_false(m.ipv6);
	assert_false(m.frag);
	assert_int_equal(m.proto, 17);
	assert_memory_equal(m.src_addr, V4_A, 16);
	assert_memory_equal(m.dst_addr, V4_B, 16);
	assert_int_equal(m.src_port, 1234);
	assert_int_equal(m.dst_port, 53);
	assert_int_equal(m.ttl, 64);
	assert_int_equal(m.ip_len, 20 + 8 + 30);
	assert_int_equal(m.udp_len, 38);
	assert_int_equal(m.l4_off, 34);
	assert_int_equal(m.payload_off, 42);
	assert_int_equal(m.payload_len, 30);
	struct ndr_pkt_meta mb = parse_beats(&P);
	assert_memory_equal(&m, &mb, sizeof(m));
}

static void test_vlan_qinq(void **state)
{
	(void)state;
	pg_init(&P);
	pg_eth(&P, 0x8100);
	pg_vlan(&P, 0x2064, 0x0800);       /* PCP bits must be masked off */
	pg_ipv4(&P, "10.0.0.1", "10.0.0.2", 17, 64, 0, NULL, 0);
	pg_udp(&P, 1, 2);
	pg_finish(&P);
	struct ndr_pkt_meta m = parse(&P);
	assert_int_equal(m.kind, NDR_PKT_IP);
	assert_int_equal(m.vlan_outer, 0x064);
	assert_int_equal(m.vlan_inner, 0);
	assert_int_equal(m.l4_off, 38);

	pg_init(&P);
	pg_eth(&P, 0x88a8);
	pg_vlan(&P, 100, 0x8100);
	pg_vlan(&P, 200, 0x86dd);
	pg_ipv6(&P, "2001:db8::1", "2001:db8::2", 6, 7);
	pg_tcp(&P, 443, 5555, PG_TCP_ACK, 0);
	pg_finish(&P);
	m = parse(&P);
	assert_int_equal(m.kind, NDR_PKT_IP);
	assert_true(m.ipv6);
	assert_int_equal(m.vlan_outer, 100);
	assert_int_equal(m.vlan_inner, 200);
	assert_int_equal(m.ttl, 7);
	assert_int_equal(m.src_port, 443);
	assert_int_equal(m.tcp_flags, PG_TCP_ACK);
	assert_int_equal(m.ip_len, 60);
	assert_int_equal(m.payload_len, 0);

	/* a third tag: not IP */
	pg_init(&P);
	pg_eth(&P, 0x88a8);
	pg_vlan(&P, 1, 0x8100);
	pg_vlan(&P, 2, 0x9100);
	pg_vlan(&P, 3, 0x0800);
	pg_ipv4(&P, "10.0.0.1", "10.0.0.2", 17, 64, 0, NULL, 0);
	pg_udp(&P, 1, 2);
	pg_finish(&P);
	assert_int_equal(parse(&P).kind, NDR_PKT_NON_IP);

	/* a tag announced but cut */
	pg_init(&P);
	pg_eth(&P, 0x8100);
	pg_fill(&P, 0, 2);
	assert_int_equal(parse(&P).kind, NDR_PKT_ERROR);
}

static void test_ipv4_options_tcp(void **state)
{
	(void)state;
	uint8_t opts[12];
	memset(opts, 1, sizeof(opts));
	uint8_t data[100] = {0};
	pg_init(&P);
	pg_eth(&P, 0x0800);
	pg_ipv4(&P, "10.0.0.1", "10.0.0.2", 6, 64, 0, opts, sizeof(opts));
	pg_tcp(&P, 40000, 80, PG_TCP_SYN | PG_TCP_ACK, 8);
	pg_bytes(&P, data, sizeof(data));
	pg_finish(&P);
	struct ndr_pkt_meta m = parse(&P);
	assert_int_equal(m.kind, NDR_PKT_IP);
	assert_int_equal(m.l4_off, 14 + 32);
	assert_int_equal(m.payload_off, 14 + 32 + 28);
	assert_int_equal(m.ip_len, 32 + 28 + 100);
	assert_int_equal(m.payload_len, 100);
	assert_int_equal(m.src_port, 40000);
	assert_int_equal(m.dst_port, 80);
	assert_int_equal(m.tcp_flags, PG_TCP_SYN | PG_TCP_ACK);
	struct ndr_pkt_meta mb = parse_beats(&P);
	assert_memory_equal(&m, &mb, sizeof(m));

	/* IHL 4 */
	P.b[14] = 0x44;
	assert_int_equal(parse(&P).kind, NDR_PKT_ERROR);
	/* version 6 under EtherType 0x0800 */
	P.b[14] = 0x68;
	assert_int_equal(parse(&P).kind, NDR_PKT_ERROR);
	/* total length below IHL*4 */
	P.b[14] = 0x48;
	pg_put16(&P, 16, 28);
	assert_int_equal(parse(&P).kind, NDR_PKT_ERROR);
	/* a long total length is fine (snaplen) */
	pg_put16(&P, 16, 1500);
	m = parse(&P);
	assert_int_equal(m.kind, NDR_PKT_IP);
	assert_int_equal(m.payload_len, 1500 - 32 - 28);
	/* options cut by the capture */
	struct pg q = P;
	q.len = 14 + 24;
	assert_int_equal(parse(&q).kind, NDR_PKT_ERROR);
	/* TCP header cut by the capture */
	q.len = 14 + 32 + 24;
	assert_int_equal(parse(&q).kind, NDR_PKT_ERROR);
	/* TCP data offset below 5 */
	q = P;
	q.b[14 + 32 + 12] = 0x40;
	assert_int_equal(parse(&q).kind, NDR_PKT_ERROR);
}

static void test_ipv4_fragments(void **state)
{
	(void)state;
	uint8_t data[40] = {0};
	pg_init(&P);
	pg_eth(&P, 0x0800);
	pg_ipv4(&P, "10.0.0.1", "10.0.0.2", 17, 64, 0x2000, NULL, 0);  /* MF, offset 0 */
	pg_udp(&P, 5353, 53);
	pg_bytes(&P, data, sizeof(data));
	pg_finish(&P);
	struct ndr_pkt_meta m = parse(&P);
	assert_int_equal(m.kind, NDR_PKT_IP);
	assert_true(m.frag);
	assert_int_equal(m.src_port, 0);
	assert_int_equal(m.dst_port, 0);
	assert_int_equal(m.payload_len, 48);     /* no L4 header for fragments */

	pg_put16(&P, 14 + 6, 0x0010);                /* offset 16, no MF */
	m = parse(&P);
	assert_true(m.frag);
	assert_int_equal(m.proto, 17);
	pg_put16(&P, 14 + 6, 0x4000);                /* DF only */
	m = parse(&P);
	assert_false(m.frag);
	assert_int_equal(m.dst_port, 53);
}

static void test_ipv6_ext_headers(void **state)
{
	(void)state;
	uint8_t data[10] = {0};
	pg_init(&P);
	pg_eth(&P, 0x86dd);
	pg_ipv6(&P, "2001:db8::1", "2001:db8::2", 0, 64);
	pg_ipv6_ext(&P, 0, 60, 8);        /* hop-by-hop */
	pg_ipv6_ext(&P, 60, 51, 16);      /* destination options */
	pg_ipv6_ext(&P, 51, 17, 24);      /* AH: (4 + 2) * 4 */
	pg_udp(&P, 1000, 2000);
	pg_bytes(&P, data, sizeof(data));
	pg_finish(&P);
	struct ndr_pkt_meta m = parse(&P);
	assert_int_equal(m.kind, NDR_PKT_IP);
	assert_true(m.ipv6);
	assert_false(m.frag);
	assert_int_equal(m.proto, 17);
	assert_int_equal(m.l4_off, 14 + 40 + 48);
	assert_int_equal(m.src_port, 1000);
	assert_int_equal(m.ip_len, 40 + 48 + 8 + 10);
	assert_int_equal(m.payload_len, 10);
	assert_int_equal(m.src_addr[0], 0x20);
	assert_int_equal(m.src_addr[15], 1);

	/* fragment header: a fragment, next header is the protocol */
	pg_init(&P);
	pg_eth(&P, 0x86dd);
	pg_ipv6(&P, "2001:db8::1", "2001:db8::2", 43, 64);
	pg_ipv6_ext(&P, 43, 44, 8);
	pg_ipv6_frag(&P, 6, 0, 1);
	pg_fill(&P, 0, 30);
	pg_finish(&P);
	m = parse(&P);
	assert_int_equal(m.kind, NDR_PKT_IP);
	assert_true(m.frag);
	assert_int_equal(m.proto, 6);
	assert_int_equal(m.src_port, 0);
	assert_int_equal(m.payload_len, 30);

	/* five extension headers: four are walked, the fifth number is the protocol */
	pg_init(&P);
	pg_eth(&P, 0x86dd);
	pg_ipv6(&P, "2001:db8::1", "2001:db8::2", 60, 64);
	for (int i = 0; i < 5; i++)
		pg_ipv6_ext(&P, 60, i == 4 ? 17 : 60, 8);
	pg_finish(&P);
	m = parse(&P);
	assert_int_equal(m.kind, NDR_PKT_IP);
	assert_int_equal(m.proto, 60);
	assert_int_equal(m.l4_off, 14 + 40 + 32);

	/* an extension header running past the capture */
	pg_init(&P);
	pg_eth(&P, 0x86dd);
	pg_ipv6(&P, "2001:db8::1", "2001:db8::2", 60, 64);
	pg_ipv6_ext(&P, 60, 17, 64);
	pg_finish(&P);
	P.len -= 10;
	assert_int_equal(parse(&P).kind, NDR_PKT_ERROR);

	/* headers beyond the 256-byte window, although captured */
	pg_init(&P);
	pg_eth(&P, 0x86dd);
	pg_ipv6(&P, "2001:db8::1", "2001:db8::2", 60, 64);
	pg_ipv6_ext(&P, 60, 17, 200);
	pg_udp(&P, 1, 53);
	pg_fill(&P, 0, 100);
	pg_finish(&P);
	assert_int_equal(parse(&P).kind, NDR_PKT_ERROR);
	assert_int_equal(parse_beats(&P).kind, NDR_PKT_ERROR);
}

static void test_icmp(void **state)
{
	(void)state;
	pg_init(&P);
	pg_eth(&P, 0x0800);
	pg_ipv4(&P, "10.0.0.1", "10.0.0.2", 1, 64, 0, NULL, 0);
	pg_icmp(&P, 8, 0);
	pg_finish(&P);
	struct ndr_pkt_meta m = parse(&P);
	assert_int_equal(m.kind, NDR_PKT_IP);
	assert_int_equal(m.icmp_type, 8);
	assert_int_equal(m.src_port, 0);
	assert_int_equal(m.payload_len, 8);      /* ICMP L4 header length is 0 */
}

static void test_garbage(void **state)
{
	(void)state;
	pg_init(&P);
	pg_fill(&P, 0xff, 10);
	assert_int_equal(parse(&P).kind, NDR_PKT_ERROR);     /* runt */
	pg_init(&P);
	pg_eth(&P, 0x0806);
	pg_fill(&P, 0, 28);
	assert_int_equal(parse(&P).kind, NDR_PKT_NON_IP);    /* ARP */
	pg_init(&P);
	pg_eth(&P, 0x0800);
	pg_fill(&P, 0x45, 10);
	assert_int_equal(parse(&P).kind, NDR_PKT_ERROR);     /* IPv4 cut */
	pg_init(&P);
	pg_eth(&P, 0x86dd);
	pg_fill(&P, 0x60, 39);
	assert_int_equal(parse(&P).kind, NDR_PKT_ERROR);     /* IPv6 cut */
	struct ndr_parser ps;
	uint8_t none[1] = { 0 };
	ndr_parser_start(&ps);
	assert_true(ndr_parser_beat(&ps, none, 0, true));
	assert_int_equal(ps.meta.kind, NDR_PKT_ERROR);       /* empty frame */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_udp),
		cmocka_unit_test(test_vlan_qinq),
		cmocka_unit_test(test_ipv4_options_tcp),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_ipv6_ext_headers),
		cmocka_unit_test(test_icmp),
		cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
