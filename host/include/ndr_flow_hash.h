/*
 * ndr_flow_hash.h - the card's symmetric flow hash, computed on the host
 * from a frame's headers (docs/dataplane.md "Flow hash"), so that a capture
 * can be spread over several emulated pipelines as RSS spreads a link over
 * queues: both directions of a flow, and every packet of it, to the same
 * pipeline.
 *
 * The tuple is the card's canonical key: the lower endpoint (address as
 * IPv4-mapped IPv6 for IPv4, then port) first; ports are 0 for fragments
 * and for protocols without ports (ICMP included); up to two VLAN ids. The
 * hash is MurmurHash3_x86_32 of the 44-byte key with the card's seed. A
 * frame the card would not key (non-IP, a header it cannot parse) has no
 * tuple; it belongs to no flow and any pipeline may take it.
 */
#ifndef NDR_FLOW_HASH_H
#define NDR_FLOW_HASH_H

#include <stdint.h>

struct ndr_flow_tuple {
	uint8_t lo_addr[16];
	uint8_t hi_addr[16];
	uint16_t lo_port, hi_port;
	uint8_t proto;
	uint16_t vlan_outer, vlan_inner;
};

/* The tuple of an Ethernet frame (caplen bytes): 1, or 0 when it has none. */
int ndr_flow_tuple_of_frame(const uint8_t *frame, uint32_t caplen, struct ndr_flow_tuple *t);

/* Fills t from one direction of a flow, in canonical order. */
void ndr_flow_tuple_set(struct ndr_flow_tuple *t, const uint8_t a[16], uint16_t a_port,
			const uint8_t b[16], uint16_t b_port, uint8_t proto,
			uint16_t vlan_outer, uint16_t vlan_inner);

uint32_t ndr_flow_tuple_hash(const struct ndr_flow_tuple *t, uint32_t seed);

/* MurmurHash3_x86_32 (Austin Appleby, public domain). */
uint32_t ndr_murmur3_x86_32(const void *key, uint32_t len, uint32_t seed);

#endif
