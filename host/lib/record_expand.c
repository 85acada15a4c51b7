/*
 * record_expand.c - the card's compact records as the full ones it would
 * otherwise have written (ndr_record.h; docs/dataplane.md "Compact
 * records"). Everything a full record holds follows from the compact one
 * and the conditions under which the card writes it; the golden model's
 * full records check this field for field (tests/unit/test_compact.c).
 */
#include <string.h>

#include "ndr_record.h"

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static void addr4(uint8_t dst[16], const uint8_t a4[4])
{
	memcpy(dst, v4mapped, sizeof(v4mapped));
	memcpy(dst + 12, a4, 4);
}

/* Packet-size histogram bin of an IP length (ndr_abi.h). */
static unsigned hist_bin(uint32_t ip_len)
{
	static const uint32_t upper[NDR_HIST_BINS - 1] = { 64, 128, 256, 512, 768, 1024, 1500 };

	for (unsigned i = 0; i < NDR_HIST_BINS - 1; i++)
		if (ip_len <= upper[i])
			return i;
	return NDR_HIST_BINS - 1;
}

void ndr_flow_expand(const struct ndr_flow_short_rec *s, struct ndr_flow_rec *r)
{
	unsigned n = s->pkts > NDR_FLOW_SHORT_MAX_PKTS ? NDR_FLOW_SHORT_MAX_PKTS : s->pkts;

	memset(r, 0, sizeof(*r));
	r->hdr = s->hdr;
	r->hdr.type = NDR_REC_FLOW;
	r->hdr.slots = sizeof(*r) / NDR_SLOT_BYTES;
	addr4(r->src_addr, s->src_addr4);
	addr4(r->dst_addr, s->dst_addr4);
	r->src_port = s->src_port;
	r->dst_port = s->dst_port;
	r->ip_proto = s->ip_proto;
	r->end_reason = s->end_reason;
	r->tcp_flags_fwd = s->tcp_flags_fwd;
	r->tcp_flags_rev = s->tcp_flags_rev;
	r->vlan_outer = s->vlan_outer;
	r->tcp_state = s->tcp_state;
	r->frag_seen = s->frag_seen;
	for (unsigned i = 0; i < n; i++) {
		int rev = (s->rev >> i) & 1;
		unsigned b = hist_bin(s->ip_len[i]);

		if (rev) {
			r->pkts_rev++;
			r->bytes_rev += s->ip_len[i];
			r->payload_bytes_rev += s->payload_len[i];
			r->hist_rev[b]++;
		} else {
			r->pkts_fwd++;
			r->bytes_fwd += s->ip_len[i];
			r->payload_bytes_fwd += s->payload_len[i];
			r->hist_fwd[b]++;
		}
	}
	r->first_ts_ns = s->first_ts_ns;
	r->last_ts_ns = s->first_ts_ns + s->last_delta_ns;
	r->flow_hash = s->flow_hash;
	r->iat_min_us = 0xffffffffu;
	if (n == 2) {
		uint64_t d = s->last_delta_ns / 1000u;

		r->dir_changes = ((s->rev ^ (s->rev >> 1)) & 1u) ? 1u : 0u;
		r->iat_min_us = (uint32_t)d;
		r->iat_max_us = (uint32_t)d;
		r->iat_sum_us = d;
		r->iat_sumsq_us = d * d;
	}
}

void ndr_dns_expand(const struct ndr_dns_short_rec *s, struct ndr_dns_rec *r)
{
	unsigned len = s->qname_len > NDR_DNS_SHORT_NAME ? NDR_DNS_SHORT_NAME : s->qname_len;
	unsigned slots = ndr_dns_rec_slots(len);

	memset(r, 0, slots * NDR_SLOT_BYTES);
	r->hdr = s->hdr;
	r->hdr.type = NDR_REC_DNS;
	r->hdr.slots = (uint8_t)slots;
	addr4(r->src_addr, s->src_addr4);
	addr4(r->dst_addr, s->dst_addr4);
	r->src_port = s->src_port;
	r->dst_port = s->dst_port;
	r->txid = s->txid;
	r->dns_flags = s->dns_flags;
	r->qdcount = 1;
	r->arcount = s->arcount;
	r->qtype = s->qtype;
	r->qclass = 1;
	r->msg_len = s->msg_len;
	r->qname_len = (uint8_t)len;
	r->label_count = s->label_count;
	r->longest_label = s->longest_label;
	r->ip_proto = 17;
	r->qname_entropy = s->qname_entropy;
	r->label_entropy = s->label_entropy;
	r->n_lower = s->n_lower;
	r->n_upper = s->n_upper;
	r->n_digit = s->n_digit;
	r->n_hyphen = s->n_hyphen;
	r->n_other = s->n_other;
	r->ip_ttl = s->ip_ttl;
	r->vlan_outer = s->vlan_outer;
	r->min_ttl = 0xffffffffu;
	memcpy(r->qname, s->qname, len);
}

const struct ndr_rec_hdr *ndr_rec_expand(const struct ndr_rec_hdr *rec, union ndr_rec_full *buf)
{
	if (rec->type == NDR_REC_FLOW_SHORT) {
		ndr_flow_expand((const struct ndr_flow_short_rec *)rec, &buf->flow);
		return &buf->flow.hdr;
	}
	if (rec->type == NDR_REC_DNS_SHORT) {
		ndr_dns_expand((const struct ndr_dns_short_rec *)rec, (struct ndr_dns_rec *)buf->slots);
		return &buf->hdr;
	}
	return rec;
}
