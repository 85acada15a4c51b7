/*
 * flow_hash.c - the card's flow key and hash from a frame (ndr_flow_hash.h),
 * following docs/dataplane.md "Parser" and "Flow hash" rule by rule; the
 * unit test holds it to the flow_hash of every flow record the card writes.
 */
#include <string.h>

#include "ndr_flow_hash.h"

#define HDR_WINDOW 256u     /* headers beyond this are a parse error */
#define MAX_VLANS  2u
#define MAX_V6_EXT 4u

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static int is_vlan(uint16_t type)
{
	return type == 0x8100 || type == 0x88a8 || type == 0x9100;
}

/* The L4 ports at off (TCP or UDP), or 0 when the header does not fit. */
static int l4_ports(const uint8_t *f, uint32_t len, uint32_t off, uint8_t proto,
		    uint16_t *sport, uint16_t *dport)
{
	uint32_t need;

	*sport = *dport = 0;
	if (proto == 6) {
		if (off + 20 > len)
			return 0;
		need = (uint32_t)(f[off + 12] >> 4) * 4u;
		if (need < 20)
			return 0;
	} else if (proto == 17) {
		need = 8;
	} else if (proto == 1 || proto == 58) {
		need = 2;           /* type and code, not part of the key */
		return off + need <= len && off + need <= HDR_WINDOW;
	} else {
		return 1;           /* no L4 header read */
	}
	if (off + need > len || off + need > HDR_WINDOW)
		return 0;
	*sport = be16(f + off);
	*dport = be16(f + off + 2);
	return 1;
}

int ndr_flow_tuple_of_frame(const uint8_t *f, uint32_t caplen, struct ndr_flow_tuple *t)
{
	uint32_t off = 12, len = caplen;
	uint16_t type, vlan[MAX_VLANS] = { 0, 0 }, sport = 0, dport = 0;
	uint8_t src[16], dst[16], proto;
	unsigned nvlan = 0;
	int frag;

	if (len < 14)
		return 0;
	type = be16(f + off);
	while (is_vlan(type)) {
		if (nvlan == MAX_VLANS || off + 6 > len)
			return 0;       /* a third tag: not IP; a cut tag: error */
		vlan[nvlan++] = be16(f + off + 2) & 0x0fffu;
		off += 4;
		type = be16(f + off);
	}
	off += 2;
	if (type == 0x0800) {
		uint32_t ihl, total;

		if (off + 20 > len || (f[off] >> 4) != 4)
			return 0;
		ihl = (uint32_t)(f[off] & 0x0f) * 4u;
		total = be16(f + off + 2);
		if (ihl < 20 || total < ihl || off + ihl > len)
			return 0;
		proto = f[off + 9];
		frag = (f[off + 6] & 0x20) || (be16(f + off + 6) & 0x1fff);
		memset(src, 0, 10);
		src[10] = src[11] = 0xff;
		memcpy(dst, src, 12);
		memcpy(src + 12, f + off + 12, 4);
		memcpy(dst + 12, f + off + 16, 4);
		off += ihl;
	} else if (type == 0x86dd) {
		unsigned ext = 0;

		if (off + 40 > len || (f[off] >> 4) != 6)
			return 0;
		proto = f[off + 6];
		memcpy(src, f + off + 8, 16);
		memcpy(dst, f + off + 24, 16);
		off += 40;
		frag = 0;
		while (proto == 0 || proto == 43 || proto == 60 || proto == 51 || proto == 44) {
			if (off + 8 > len)
				return 0;
			if (proto == 44) {
				frag = 1;
				proto = f[off];
				off += 8;
				break;
			}
			if (ext == MAX_V6_EXT)
				break;      /* not walked further: its L4 is that header */
			ext++;
			{
				uint32_t hl = proto == 51 ? ((uint32_t)f[off + 1] + 2u) * 4u
							  : ((uint32_t)f[off + 1] + 1u) * 8u;

				proto = f[off];
				off += hl;
			}
			if (off > len)
				return 0;
		}
	} else {
		return 0;               /* non-IP */
	}
	if (off > HDR_WINDOW)
		return 0;
	if (!frag && !l4_ports(f, len, off, proto, &sport, &dport))
		return 0;
	ndr_flow_tuple_set(t, src, sport, dst, dport, proto, vlan[0], vlan[1]);
	return 1;
}

void ndr_flow_tuple_set(struct ndr_flow_tuple *t, const uint8_t a[16], uint16_t a_port,
			const uint8_t b[16], uint16_t b_port, uint8_t proto,
			uint16_t vlan_outer, uint16_t vlan_inner)
{
	int c, a_low;

	if (proto != 6 && proto != 17)
		a_port = b_port = 0;    /* ICMP and the rest are keyed without ports */
	c = memcmp(a, b, 16);
	a_low = c < 0 || (c == 0 && a_port <= b_port);
	memset(t, 0, sizeof(*t));
	memcpy(t->lo_addr, a_low ? a : b, 16);
	memcpy(t->hi_addr, a_low ? b : a, 16);
	t->lo_port = a_low ? a_port : b_port;
	t->hi_port = a_low ? b_port : a_port;
	t->proto = proto;
	t->vlan_outer = vlan_outer;
	t->vlan_inner = vlan_inner;
}

uint32_t ndr_flow_tuple_hash(const struct ndr_flow_tuple *t, uint32_t seed)
{
	uint8_t key[44];

	memcpy(key, t->lo_addr, 16);
	memcpy(key + 16, t->hi_addr, 16);
	put_le16(key + 32, t->lo_port);
	put_le16(key + 34, t->hi_port);
	key[36] = t->proto;
	key[37] = 0;
	put_le16(key + 38, t->vlan_outer);
	put_le16(key + 40, t->vlan_inner);
	put_le16(key + 42, 0);
	return ndr_murmur3_x86_32(key, sizeof(key), seed);
}

static uint32_t rotl32(uint32_t x, int r)
{
	return x << r | x >> (32 - r);
}

uint32_t ndr_murmur3_x86_32(const void *data, uint32_t len, uint32_t seed)
{
	const uint8_t *p = data;
	const uint32_t c1 = 0xcc9e2d51u, c2 = 0x1b873593u;
	uint32_t h = seed, k, i;

	for (i = 0; i + 4 <= len; i += 4) {
		k = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 |
		    (uint32_t)p[i + 3] << 24;
		k *= c1;
		k = rotl32(k, 15);
		k *= c2;
		h ^= k;
		h = rotl32(h, 13);
		h = h * 5u + 0xe6546b64u;
	}
	k = 0;
	switch (len & 3u) {
	case 3:
		k ^= (uint32_t)p[i + 2] << 16;
		/* fall through */
	case 2:
		k ^= (uint32_t)p[i + 1] << 8;
		/* fall through */
	case 1:
		k ^= p[i];
		k *= c1;
		k = rotl32(k, 15);
		k *= c2;
		h ^= k;
	}
	h ^= len;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}
