/*
 * record_dns.c - a DNS record's kept answers: layout checks and decoding
 * (ndr_dns_answers.h; the layout: ndr_abi.h "DNS answers").
 */
#include <string.h>

#include "ndr_dns_answers.h"

static int is_addr(uint16_t type, uint16_t rdlen)
{
	return (type == 1 && rdlen == 4) || (type == 28 && rdlen == 16);
}

static const struct ndr_dns_an_entry *table_of(const struct ndr_dns_rec *r)
{
	return (const struct ndr_dns_an_entry *)((const uint8_t *)r +
		ndr_dns_table_slot(r->qname_len, r->an_flags, r->cname_stored) * NDR_SLOT_BYTES);
}

uint32_t ndr_dns_rec_expected_slots(const struct ndr_dns_rec *r, const char **why)
{
	if (r->qname_len > NDR_DNS_NAME_MAX) {
		*why = "dns qname_len beyond NDR_DNS_NAME_MAX";
		return 0;
	}
	if (r->an_entries > NDR_DNS_AN_ENTRIES) {
		*why = "dns an_entries beyond NDR_DNS_AN_ENTRIES";
		return 0;
	}
	if (r->addr_bytes > NDR_DNS_ADDR_BYTES || (r->addr_bytes && !r->an_entries)) {
		*why = "dns addr_bytes beyond the address slot or without answers";
		return 0;
	}
	if (r->cname_stored > r->cname_len ||
	    (!(r->an_flags & NDR_DNS_A_CNAME) && (r->cname_len || r->cname_stored)) ||
	    (uint32_t)r->qname_len + r->cname_stored > NDR_DNS_NAME_MAX + 1u) {
		*why = "dns CNAME text beyond its length or the text area";
		return 0;
	}
	return ndr_dns_rec_slots_an(r->qname_len, r->an_flags, r->cname_stored, r->an_entries,
				    r->addr_bytes);
}

void ndr_dns_answers_read(const struct ndr_dns_rec *r, struct ndr_dns_answers *out)
{
	const struct ndr_dns_an_entry *t = table_of(r);
	const uint8_t *addrs = (const uint8_t *)t + NDR_SLOT_BYTES;
	unsigned i, at = 0;
	int cname_found = 0;

	memset(out, 0, sizeof(*out));
	out->n = r->an_entries > NDR_DNS_AN_ENTRIES ? NDR_DNS_AN_ENTRIES : r->an_entries;
	out->flags = r->an_flags;
	if (r->an_flags & NDR_DNS_A_CNAME) {
		out->cname = r->qname + r->qname_len + 1;
		out->cname_stored = r->cname_stored;
		out->cname_len = r->cname_len;
	}
	for (i = 0; i < out->n; i++) {
		struct ndr_dns_answer *a = &out->a[i];
		struct ndr_dns_an_entry e;

		memcpy(&e, &t[i], sizeof(e));
		a->type = e.type;
		a->rdlen = e.rdlen;
		a->ttl = e.ttl;
		a->owner_is_qname = (r->an_owner_q >> i) & 1u;
		if (is_addr(e.type, e.rdlen) && at + e.rdlen <= r->addr_bytes) {
			a->has_addr = 1;
			if (e.rdlen == 4) {
				a->addr[10] = 0xff;
				a->addr[11] = 0xff;
				memcpy(a->addr + 12, addrs + at, 4);
			} else {
				memcpy(a->addr, addrs + at, 16);
			}
			at += e.rdlen;
		}
		if (e.type == 5 && !cname_found) {
			cname_found = 1;
			a->is_cname = (r->an_flags & NDR_DNS_A_CNAME) != 0;
		}
	}
}
