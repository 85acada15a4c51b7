/*
 * ndr_le.h - 32-bit little-endian fields in byte buffers, for the host's
 * own on-disk and on-wire formats (spool records, Kafka wire records,
 * detector state files): the same bytes on every host, whatever its order.
 */
#ifndef NDR_LE_H
#define NDR_LE_H

#include <stdint.h>

static inline void ndr_le32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t ndr_le32_get(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#endif
