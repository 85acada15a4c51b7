/*
 * flow_id.c - EVE flow ids (ndr_flow_id.h).
 */
#include "ndr_flow_hash.h"
#include "ndr_flow_id.h"

/* Two independent 32-bit halves of the card's key hash; the seeds are
 * arbitrary and fixed, so the id of a flow never changes between runs. */
#define FLOW_ID_SEED_HI 0x6e64725fu
#define FLOW_ID_SEED_LO 0x666c6f77u

uint64_t ndr_flow_id(const uint8_t src[16], uint16_t sport, const uint8_t dst[16],
		     uint16_t dport, uint8_t proto)
{
	struct ndr_flow_tuple t;

	ndr_flow_tuple_set(&t, src, sport, dst, dport, proto, 0, 0);
	return (((uint64_t)ndr_flow_tuple_hash(&t, FLOW_ID_SEED_HI) << 32) |
		ndr_flow_tuple_hash(&t, FLOW_ID_SEED_LO)) & NDR_FLOW_ID_MASK;
}
