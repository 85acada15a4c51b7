/*
 * flow_hash.c - the canonical flow key and MurmurHash3_x86_32 over it
 * (docs/dataplane.md "Flow hash").
 *
 * Key, 44 bytes: lower address[16], higher address[16], lower port (u16 LE),
 * higher port (u16 LE), protocol, 0, vlan_outer (u16 LE), vlan_inner (u16 LE),
 * 0, 0. "Lower" compares the address bytes first, then the port. Both
 * directions of a flow give the same key, hence the same hash.
 */
#include "ndr_hw.h"

static uint32_t rotl32(uint32_t x, uint32_t r)
{
	return (x << r) | (x >> (32u - r));
}

static uint32_t fmix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* MurmurHash3_x86_32 (Austin Appleby, public domain), blocks read
 * little-endian whatever the host. len is bounded by the caller (the flow
 * key is 44 bytes; the loop bound covers up to 64). */
uint32_t ndr_murmur3_32(const uint8_t *key, uint32_t len, uint32_t seed)
{
	const uint32_t c1 = 0xcc9e2d51u, c2 = 0x1b873593u;
	uint32_t h = seed;
	uint32_t nblocks = len / 4u;

	NDR_FOR_N(i, nblocks, 16u) {
		const uint8_t *p = key + 4u * i;
		uint32_t k = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
			     (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		k *= c1;
		k = rotl32(k, 15);
		k *= c2;
		h ^= k;
		h = rotl32(h, 13);
		h = h * 5u + 0xe6546b64u;
	}

	const uint8_t *tail = key + 4u * nblocks;
	uint32_t k1 = 0;
	switch (len & 3u) {
	case 3:
		k1 ^= (uint32_t)tail[2] << 16;
		/* fall through */
	case 2:
		k1 ^= (uint32_t)tail[1] << 8;
		/* fall through */
	case 1:
		k1 ^= tail[0];
		k1 *= c1;
		k1 = rotl32(k1, 15);
		k1 *= c2;
		h ^= k1;
		break;
	default:
		break;
	}
	h ^= len;
	return fmix32(h);
}

static uint32_t mix_block(uint32_t h, uint32_t k)
{
	k *= 0xcc9e2d51u;
	k = rotl32(k, 15);
	k *= 0x1b873593u;
	h ^= k;
	h = rotl32(h, 13);
	return h * 5u + 0xe6546b64u;
}

static uint32_t mix_tail(uint32_t h, const uint8_t *tail, uint32_t len)
{
	uint32_t k1 = 0;
	switch (len & 3u) {
	case 3:
		k1 ^= (uint32_t)tail[2] << 16;
		/* fall through */
	case 2:
		k1 ^= (uint32_t)tail[1] << 8;
		/* fall through */
	case 1:
		k1 ^= tail[0];
		k1 *= 0xcc9e2d51u;
		k1 = rotl32(k1, 15);
		k1 *= 0x1b873593u;
		h ^= k1;
		break;
	default:
		break;
	}
	return h;
}

void ndr_murmur3_32x2(const uint8_t *key, uint32_t len, uint32_t seed_a, uint32_t seed_b,
		      uint32_t *hash_a, uint32_t *hash_b)
{
	uint32_t ha = seed_a, hb = seed_b;
	uint32_t nblocks = len / 4u;

	NDR_FOR_N(i, nblocks, 16u) {
		const uint8_t *p = key + 4u * i;
		uint32_t k = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
			     (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		ha = mix_block(ha, k);
		hb = mix_block(hb, k);
	}
	const uint8_t *tail = key + 4u * nblocks;
	ha = mix_tail(ha, tail, len) ^ len;
	hb = mix_tail(hb, tail, len) ^ len;
	*hash_a = fmix32(ha);
	*hash_b = fmix32(hb);
}

/* <0, 0, >0 like memcmp over (address, port). */
static int endpoint_cmp(const uint8_t a[16], uint16_t aport, const uint8_t b[16], uint16_t bport)
{
	int c = ndr_hw_compare(a, b, 16u);
	if (c != 0)
		return c;
	if (aport != bport)
		return aport < bport ? -1 : 1;
	return 0;
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

bool ndr_flow_key(const struct ndr_pkt_meta *m, uint8_t key[NDR_FLOW_KEY_LEN])
{
	/* ICMP, fragments and port-less protocols: the parser already gives
	 * ports 0 for these. */
	bool src_lower = endpoint_cmp(m->src_addr, m->src_port, m->dst_addr, m->dst_port) <= 0;
	const uint8_t *lo = src_lower ? m->src_addr : m->dst_addr;
	const uint8_t *hi = src_lower ? m->dst_addr : m->src_addr;

	ndr_hw_copy(key, lo, 16u);
	ndr_hw_copy(key + 16, hi, 16u);
	put_le16(key + 32, src_lower ? m->src_port : m->dst_port);
	put_le16(key + 34, src_lower ? m->dst_port : m->src_port);
	key[36] = m->proto;
	key[37] = 0;
	put_le16(key + 38, m->vlan_outer);
	put_le16(key + 40, m->vlan_inner);
	key[42] = 0;
	key[43] = 0;
	return src_lower;
}
