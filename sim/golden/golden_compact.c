/*
 * golden_compact.c - the golden model's records as the card writes them:
 * docs/dataplane.md "Compact records" (when a FLOW record is written as
 * NDR_REC_FLOW_SHORT, a DNS record as NDR_REC_DNS_SHORT, and when a flow
 * has no record because its DNS record stands for it).
 */
#include <string.h>

#include "golden_internal.h"

static int is_v4mapped(const uint8_t a[16])
{
	static const uint8_t pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return memcmp(a, pfx, sizeof(pfx)) == 0;
}

void golden_emit_flow(struct ndr_golden *g, const struct golden_flow *fl,
		      const struct ndr_flow_rec *rec)
{
	uint64_t pkts = rec->pkts_fwd + rec->pkts_rev;
	struct ndr_flow_short_rec s;

	/* Spec: a flow whose only packet made a UDP DNS record has no
	 * flow record; the DNS record stands for it. */
	if (fl->dns_only && pkts == 1)
		return;
	if (g->full_records || (rec->hdr.flags & NDR_REC_F_IPV6) || rec->vlan_inner != 0 ||
	    pkts < 1 || pkts > NDR_FLOW_SHORT_MAX_PKTS || rec->last_ts_ns < rec->first_ts_ns ||
	    rec->last_ts_ns - rec->first_ts_ns > 0xffffffffull) {
		g->emit(g->arg, &rec->hdr);
		return;
	}
	memset(&s, 0, sizeof(s));
	s.hdr = rec->hdr;
	s.hdr.type = NDR_REC_FLOW_SHORT;
	s.hdr.slots = 1;
	memcpy(s.src_addr4, rec->src_addr + 12, 4);
	memcpy(s.dst_addr4, rec->dst_addr + 12, 4);
	s.src_port = rec->src_port;
	s.dst_port = rec->dst_port;
	s.ip_proto = rec->ip_proto;
	s.end_reason = rec->end_reason;
	s.tcp_flags_fwd = rec->tcp_flags_fwd;
	s.tcp_flags_rev = rec->tcp_flags_rev;
	s.vlan_outer = rec->vlan_outer;
	s.tcp_state = rec->tcp_state;
	s.frag_seen = rec->frag_seen;
	s.pkts = (uint8_t)pkts;
	s.rev = fl->pkt_rev;
	s.ip_len[0] = fl->pkt_len[0];
	s.payload_len[0] = fl->pkt_payload[0];
	if (pkts == 2) {
		s.ip_len[1] = fl->pkt_len[1];
		s.payload_len[1] = fl->pkt_payload[1];
	}
	s.first_ts_ns = rec->first_ts_ns;
	s.last_delta_ns = (uint32_t)(rec->last_ts_ns - rec->first_ts_ns);
	s.flow_hash = rec->flow_hash;
	g->emit(g->arg, &s.hdr);
}

void golden_emit_dns(struct ndr_golden *g, const struct ndr_dns_rec *r)
{
	struct ndr_dns_short_rec s;

	if (g->full_records || (r->hdr.flags & NDR_REC_F_IPV6) || !is_v4mapped(r->src_addr) ||
	    r->ip_proto != 17 || r->parse_flags != 0 || r->qdcount != 1 || r->ancount != 0 ||
	    r->nscount != 0 || r->arcount > 1 || r->qclass != 1 ||
	    r->qname_len > NDR_DNS_SHORT_NAME) {
		g->emit(g->arg, &r->hdr);
		return;
	}
	memset(&s, 0, sizeof(s));
	s.hdr = r->hdr;
	s.hdr.type = NDR_REC_DNS_SHORT;
	s.hdr.slots = 1;
	memcpy(s.src_addr4, r->src_addr + 12, 4);
	memcpy(s.dst_addr4, r->dst_addr + 12, 4);
	s.src_port = r->src_port;
	s.dst_port = r->dst_port;
	s.txid = r->txid;
	s.dns_flags = r->dns_flags;
	s.qtype = r->qtype;
	s.msg_len = r->msg_len;
	s.qname_entropy = r->qname_entropy;
	s.label_entropy = r->label_entropy;
	s.vlan_outer = r->vlan_outer;
	s.arcount = (uint8_t)r->arcount;
	s.qname_len = r->qname_len;
	s.label_count = r->label_count;
	s.longest_label = r->longest_label;
	s.n_lower = r->n_lower;
	s.n_upper = r->n_upper;
	s.n_digit = r->n_digit;
	s.n_hyphen = r->n_hyphen;
	s.n_other = r->n_other;
	s.ip_ttl = r->ip_ttl;
	memcpy(s.qname, r->qname, r->qname_len);
	g->emit(g->arg, &s.hdr);
}
