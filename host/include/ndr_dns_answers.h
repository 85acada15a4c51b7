/*
 * ndr_dns_answers.h - the answers a DNS record keeps (ndr_abi.h "DNS
 * answers", ABI 3): its answer table, addresses and first CNAME target,
 * checked and decoded for the ring reader, EVE and the record dump.
 */
#ifndef NDR_DNS_ANSWERS_H
#define NDR_DNS_ANSWERS_H

#include <stdint.h>

#include "ndr_abi.h"

struct ndr_dns_answer {
	uint16_t type;
	uint16_t rdlen;            /* RDLENGTH: a TXT/NULL answer's size */
	uint32_t ttl;
	int      owner_is_qname;   /* owner name was the pointer to the question */
	int      has_addr;         /* addr holds the A/AAAA address */
	uint8_t  addr[16];         /* A: IPv4-mapped; AAAA: as is */
	int      is_cname;         /* the CNAME whose target the record keeps */
};

struct ndr_dns_answers {
	unsigned n;                                 /* entries kept */
	struct ndr_dns_answer a[NDR_DNS_AN_ENTRIES];
	unsigned flags;                             /* NDR_DNS_A_* */
	const char *cname;                          /* stored target text, not
	                                               NUL-terminated; NULL if none */
	unsigned cname_stored;
	unsigned cname_len;                         /* its full length */
};

/* The slot count a DNS record's fields call for, or 0 with *why set when
 * they contradict each other (more entries or address bytes than the
 * layout holds, addresses that do not add up, a CNAME text beyond the text
 * area). Reads slot 1 only: the caller knows the record has two slots. */
uint32_t ndr_dns_rec_expected_slots(const struct ndr_dns_rec *r, const char **why);

/* Decodes the answers of a record ndr_dns_rec_expected_slots accepted. */
void ndr_dns_answers_read(const struct ndr_dns_rec *r, struct ndr_dns_answers *out);

#endif
