/*
 * golden_hash.c - MurmurHash3_x86_32 (Austin Appleby's public-domain
 * reference algorithm), written out for the golden model. Blocks are read
 * little-endian byte by byte so the result does not depend on the host.
 */
#include "golden_internal.h"

static uint32_t rotl32(uint32_t x, unsigned r)
{
	return (x << r) | (x >> (32 - r));
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

uint32_t golden_murmur3_32(const uint8_t *data, uint32_t len, uint32_t seed)
{
	const uint32_t c1 = 0xcc9e2d51u, c2 = 0x1b873593u;
	uint32_t nblocks = len / 4, i, h = seed, k;
	const uint8_t *tail = data + nblocks * 4;

	for (i = 0; i < nblocks; i++) {
		const uint8_t *b = data + i * 4;

		k = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
		    (uint32_t)b[3] << 24;
		k *= c1;
		k = rotl32(k, 15);
		k *= c2;
		h ^= k;
		h = rotl32(h, 13);
		h = h * 5 + 0xe6546b64u;
	}

	k = 0;
	switch (len & 3) {
	case 3:
		k ^= (uint32_t)tail[2] << 16;
		/* fall through */
	case 2:
		k ^= (uint32_t)tail[1] << 8;
		/* fall through */
	case 1:
		k ^= tail[0];
		k *= c1;
		k = rotl32(k, 15);
		k *= c2;
		h ^= k;
	}

	h ^= len;
	return fmix32(h);
}
