/*
 * community_id.c - Community ID v1 (ndr_community_id.h).
 *
 * Follows the spec's reference implementation byte for byte: the hash input
 * is seed(2) saddr(4|16) daddr(4|16) proto(1) pad(1) [sport(2) dport(2)],
 * big-endian, which keeps it 32-bit aligned as the spec requires.
 */
#include <string.h>

#include <openssl/evp.h>

#include "ndr_community_id.h"
#include "ndr_record.h"

enum { PROTO_ICMP = 1, PROTO_TCP = 6, PROTO_UDP = 17, PROTO_ICMPV6 = 58, PROTO_SCTP = 132 };

/*
 * ICMP request/response types map to their counterpart so both directions
 * of an exchange get one id; -1 marks a one-way type (the code is the
 * "destination port" and the endpoints keep their order). The pairs are
 * Zeek's (ICMP4_counterpart / ICMP6_counterpart), as the spec prescribes.
 */
static int icmp_counterpart(uint8_t proto, uint16_t type)
{
	static const uint16_t v4[][2] = {
		{ 8, 0 }, { 0, 8 },      /* echo */
		{ 13, 14 }, { 14, 13 },  /* timestamp */
		{ 15, 16 }, { 16, 15 },  /* information */
		{ 10, 9 }, { 9, 10 },    /* router solicitation / advertisement */
		{ 17, 18 }, { 18, 17 },  /* address mask */
	};
	static const uint16_t v6[][2] = {
		{ 128, 129 }, { 129, 128 }, /* echo */
		{ 133, 134 }, { 134, 133 }, /* router solicitation / advertisement */
		{ 135, 136 }, { 136, 135 }, /* neighbor solicitation / advertisement */
		{ 130, 131 }, { 131, 130 }, /* MLD query / report */
		{ 139, 140 }, { 140, 139 }, /* node information (who-are-you) */
		{ 144, 145 }, { 145, 144 }, /* home agent address discovery */
	};
	const uint16_t (*map)[2] = proto == PROTO_ICMP ? v4 : v6;
	size_t n = proto == PROTO_ICMP ? sizeof(v4) / sizeof(v4[0]) : sizeof(v6) / sizeof(v6[0]);

	for (size_t i = 0; i < n; i++)
		if (map[i][0] == type)
			return map[i][1];
	return -1;
}

int ndr_community_id_v1(const uint8_t saddr[16], const uint8_t daddr[16],
			uint8_t proto, uint16_t sport, uint16_t dport,
			uint16_t seed, char out[NDR_COMMUNITY_ID_LEN])
{
	uint8_t buf[2 + 16 + 16 + 2 + 4];
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int v4 = ndr_addr_is_v4mapped(saddr) && ndr_addr_is_v4mapped(daddr);
	size_t alen = v4 ? 4 : 16, off = v4 ? 12 : 0, n = 0;
	int has_ports = proto == PROTO_TCP || proto == PROTO_UDP || proto == PROTO_SCTP ||
			proto == PROTO_ICMP || proto == PROTO_ICMPV6;
	int one_way = 0, swap;
	const uint8_t *a = saddr + off, *b = daddr + off;
	uint16_t pa = sport, pb = dport;

	out[0] = '\0';
	if (proto == PROTO_ICMP || proto == PROTO_ICMPV6) {
		int counter = icmp_counterpart(proto, sport);
		if (counter < 0)
			one_way = 1;
		else
			pb = (uint16_t)counter;
	}
	if (!has_ports)
		pa = pb = 0;
	{
		int c = memcmp(a, b, alen);
		swap = !one_way && !(c < 0 || (c == 0 && pa < pb));
	}
	if (swap) {
		const uint8_t *t = a;
		uint16_t tp = pa;
		a = b;
		b = t;
		pa = pb;
		pb = tp;
	}
	buf[n++] = (uint8_t)(seed >> 8);
	buf[n++] = (uint8_t)seed;
	memcpy(buf + n, a, alen);
	n += alen;
	memcpy(buf + n, b, alen);
	n += alen;
	buf[n++] = proto;
	buf[n++] = 0;
	if (has_ports) {
		buf[n++] = (uint8_t)(pa >> 8);
		buf[n++] = (uint8_t)pa;
		buf[n++] = (uint8_t)(pb >> 8);
		buf[n++] = (uint8_t)pb;
	}
	if (!EVP_Digest(buf, n, md, &mdlen, EVP_sha1(), NULL) || mdlen != 20)
		return -1;
	memcpy(out, "1:", 2);
	/* 20 bytes -> 28 base64 characters and a NUL: exactly fits. */
	EVP_EncodeBlock((unsigned char *)out + 2, md, (int)mdlen);
	return 0;
}
