/*
 * ndr_flow_id.h - the EVE "flow_id" of a flow: the same number on the flow
 * event, on every dns and tls event of that flow and on every alert that
 * names it, so an analyst pivots from an alert to its flow with one filter.
 *
 * The records carry no flow start time that stays the same over a long
 * flow's periodic records, so the id is a function of the 5-tuple alone:
 * the card's canonical tuple (ndr_flow_hash.h) without VLAN ids (an alert
 * does not know them), hashed to 64 bits and reduced to 51, as Suricata
 * reduces its own, so JavaScript-based consumers (which hold integers in
 * doubles) keep it exact. Both directions give the same id. A later flow
 * on the very same 5-tuple (port reuse) gets the same id again, as it gets
 * the same community_id; the timestamp tells them apart.
 */
#ifndef NDR_FLOW_ID_H
#define NDR_FLOW_ID_H

#include <stdint.h>

#define NDR_FLOW_ID_MASK 0x7ffffffffffffull   /* 51 bits */

/* Protocols other than TCP and UDP: the ports are ignored, as the card
 * ignores them in its flow key (an ICMP record's type/code included). */
uint64_t ndr_flow_id(const uint8_t src[16], uint16_t sport, const uint8_t dst[16],
		     uint16_t dport, uint8_t proto);

#endif
