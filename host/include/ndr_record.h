/*
 * ndr_record.h - reading records: names of enum values, address text, and
 * a card's heartbeat as its statistics.
 */
#ifndef NDR_RECORD_H
#define NDR_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "ndr_abi.h"

struct ndr_card_stats;   /* ndr_card.h */

#define NDR_ADDR_STRLEN 46  /* INET6_ADDRSTRLEN */

/* IPv4-mapped addresses print as dotted quads. */
const char *ndr_addr_str(const uint8_t addr[16], char buf[NDR_ADDR_STRLEN]);
int ndr_addr_is_v4mapped(const uint8_t addr[16]);
/* Parse dotted IPv4 (stored mapped) or IPv6 text; 0 on success. */
int ndr_addr_parse(const char *text, uint8_t addr[16]);

const char *ndr_rec_type_name(unsigned type);

/* The card's compact records (NDR_REC_FLOW_SHORT, NDR_REC_DNS_SHORT) as
 * the full ones it would otherwise have written, field for field
 * (record_expand.c). The ring reader hands every consumer the full form. */
union ndr_rec_full {
	struct ndr_rec_hdr hdr;
	struct ndr_flow_rec flow;
	uint8_t slots[NDR_REC_MAX_SLOTS * NDR_SLOT_BYTES];   /* a DNS record */
};
void ndr_flow_expand(const struct ndr_flow_short_rec *s, struct ndr_flow_rec *r);
/* r: room for ndr_dns_rec_slots(s->qname_len) slots. */
void ndr_dns_expand(const struct ndr_dns_short_rec *s, struct ndr_dns_rec *r);
/* rec itself, or its full form in buf when it is compact. */
const struct ndr_rec_hdr *ndr_rec_expand(const struct ndr_rec_hdr *rec, union ndr_rec_full *buf);
const char *ndr_flow_end_name(unsigned reason);
/* A card that runs on its own (xrt, OpenCL on XRT) reports its counters only
 * in heartbeats: the last one is its statistics (what it does not count
 * stays 0). */
void ndr_heartbeat_to_stats(const struct ndr_heartbeat_rec *h, struct ndr_card_stats *st);
const char *ndr_proto_name(unsigned proto, char buf[8]);

#endif
