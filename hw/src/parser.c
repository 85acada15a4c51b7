/*
 * parser.c - Ethernet / VLAN / IPv4 / IPv6 / TCP / UDP / ICMP header parser
 * (docs/dataplane.md "Parser").
 *
 * The parser keeps the first NDR_HDR_WINDOW bytes of the frame (four beats)
 * and parses them once, on the beat that fills the window or ends the frame.
 * Every header through the end of the L4 header must lie within the window
 * and within the captured bytes: both limits are the window's length here,
 * which is min(captured bytes, NDR_HDR_WINDOW).
 *
 * Spec choices (the golden model must make the same):
 * - A frame too short for its Ethernet header or for a VLAN tag it announces
 *   is a parse error (not non-IP). EtherType 0x0800 whose version is not 4,
 *   and 0x86dd whose version is not 6, are parse errors.
 * - IPv6: only 0/43/60/51 count toward the limit of 4 extension headers; a
 *   fragment header (44) is honoured wherever it appears in the walk, also
 *   after 4 others. When 4 have been walked and the next header is another
 *   of 0/43/60/51, the walk stops and that number is the L4 protocol.
 *   Any fragment header marks a fragment, even offset 0 with M clear.
 * - ICMP is protocol 1 or 58 under either IP version. Its type and code are
 *   read when they lie within the window, else both are 0 (no parse error:
 *   the ICMP L4 header length is 0, so nothing is required of it).
 */
#include "ndr_hw.h"

static bool is_vlan_tpid(uint16_t et)
{
	return et == 0x8100u || et == 0x88a8u || et == 0x9100u;
}

static bool is_ipv6_ext(uint8_t nh)
{
	return nh == 0u || nh == 43u || nh == 60u || nh == 51u;
}

static void clear_meta(struct ndr_pkt_meta *m)
{
	m->kind = NDR_PKT_ERROR;
	m->ipv6 = false;
	m->frag = false;
	m->proto = 0;
	for (uint32_t i = 0; i < 16u; i++) {
		m->src_addr[i] = 0;
		m->dst_addr[i] = 0;
	}
	m->src_port = 0;
	m->dst_port = 0;
	m->tcp_flags = 0;
	m->icmp_type = 0;
	m->icmp_code = 0;
	m->ttl = 0;
	m->vlan_outer = 0;
	m->vlan_inner = 0;
	m->udp_len = 0;
	m->ip_len = 0;
	m->l4_off = 0;
	m->payload_off = 0;
	m->payload_len = 0;
}

/* IPv4 header at off; returns false on a parse error. */
static bool parse_ipv4(const uint8_t *w, uint32_t n, uint32_t off, struct ndr_pkt_meta *m,
		       uint32_t *l3_len)
{
	if (off + 20u > n)
		return false;
	if ((w[off] >> 4) != 4u)
		return false;
	uint32_t ihl = (uint32_t)(w[off] & 0x0fu) * 4u;
	uint32_t total = ndr_hw_be16(w + off + 2);
	if (ihl < 20u || total < ihl || off + ihl > n)
		return false;
	m->frag = (ndr_hw_be16(w + off + 6) & 0x3fffu) != 0;
	m->ttl = w[off + 8];
	m->proto = w[off + 9];
	m->src_addr[10] = 0xff;
	m->src_addr[11] = 0xff;
	m->dst_addr[10] = 0xff;
	m->dst_addr[11] = 0xff;
	for (uint32_t i = 0; i < 4u; i++) {
		m->src_addr[12u + i] = w[off + 12u + i];
		m->dst_addr[12u + i] = w[off + 16u + i];
	}
	m->ip_len = total;
	*l3_len = ihl;
	return true;
}

/* IPv6 header and extension headers at off; false on a parse error. */
static bool parse_ipv6(const uint8_t *w, uint32_t n, uint32_t off, struct ndr_pkt_meta *m,
		       uint32_t *l3_len)
{
	if (off + 40u > n)
		return false;
	if ((w[off] >> 4) != 6u)
		return false;
	m->ipv6 = true;
	m->ip_len = (uint32_t)ndr_hw_be16(w + off + 4) + 40u;
	uint8_t nh = w[off + 6];
	m->ttl = w[off + 7];
	for (uint32_t i = 0; i < 16u; i++) {
		m->src_addr[i] = w[off + 8u + i];
		m->dst_addr[i] = w[off + 24u + i];
	}

	uint32_t pos = off + 40u;
	uint32_t walked = 0;
	bool done = false, bad = false;
	for (uint32_t step = 0; step < 5u; step++) {
		if (done || bad)
			continue;
		if (nh == 44u) {
			if (pos + 8u > n) {
				bad = true;
			} else {
				m->frag = true;
				nh = w[pos];
				pos += 8u;
			}
			done = true;
		} else if (!is_ipv6_ext(nh) || walked == 4u) {
			done = true;
		} else if (pos + 2u > n) {
			bad = true;
		} else {
			uint32_t len = nh == 51u ? ((uint32_t)w[pos + 1] + 2u) * 4u
						 : ((uint32_t)w[pos + 1] + 1u) * 8u;
			if (pos + len > n) {
				bad = true;
			} else {
				nh = w[pos];
				pos += len;
				walked++;
			}
		}
	}
	if (bad)
		return false;
	m->proto = nh;
	*l3_len = pos - off;
	return true;
}

/*
 * The parse is a chain of stages, each a bounded extraction at an offset the
 * previous stage found; in hardware each is a pipeline stage (a byte select
 * over the window and a few compares), so a new frame's parse can start
 * every clock while earlier frames' parses are still in the chain
 * (docs/microarchitecture.md "Parser"):
 *   L2: Ethernet and up to two VLAN tags -> EtherType and L3 offset;
 *   L3: the IPv4 header, or the IPv6 header and its extension-header walk
 *       (one step per stage, at most five) -> protocol, L4 offset;
 *   L4: TCP/UDP ports and lengths, ICMP type/code -> payload offset.
 * A stage that finds the frame malformed ends the chain with the meta as it
 * stands (kind ERROR unless the stage says NON_IP).
 */

/* L2: true with the EtherType and the offset of the L3 header. */
static bool parse_l2(const uint8_t *w, uint32_t n, struct ndr_pkt_meta *m, uint16_t *ethertype,
		     uint32_t *l3_off)
{
	if (n < 14u)
		return false;
	uint32_t off = 12;
	uint16_t et = ndr_hw_be16(w + 12);
	/* at most two tags; a third makes the frame non-IP */
	if (is_vlan_tpid(et)) {
		if (off + 6u > n)
			return false;
		m->vlan_outer = ndr_hw_be16(w + off + 2) & 0x0fffu;
		et = ndr_hw_be16(w + off + 4);
		off += 4u;
		if (is_vlan_tpid(et)) {
			if (off + 6u > n)
				return false;
			m->vlan_inner = ndr_hw_be16(w + off + 2) & 0x0fffu;
			et = ndr_hw_be16(w + off + 4);
			off += 4u;
			if (is_vlan_tpid(et)) {
				m->kind = NDR_PKT_NON_IP;
				return false;
			}
		}
	}
	*ethertype = et;
	*l3_off = off + 2u;
	return true;
}

/* L4 at l4: false on a parse error; sets the L4 header's length. */
static bool parse_l4(const uint8_t *w, uint32_t n, uint32_t l4, struct ndr_pkt_meta *m,
		     uint32_t *l4_hdr)
{
	*l4_hdr = 0;
	if (m->frag)
		return true;
	if (m->proto == 6u) {
		if (l4 + 20u > n)
			return false;
		uint32_t doff = (uint32_t)(w[l4 + 12] >> 4) * 4u;
		if (doff < 20u || l4 + doff > n)
			return false;
		m->src_port = ndr_hw_be16(w + l4);
		m->dst_port = ndr_hw_be16(w + l4 + 2);
		m->tcp_flags = w[l4 + 13];
		*l4_hdr = doff;
	} else if (m->proto == 17u) {
		if (l4 + 8u > n)
			return false;
		m->src_port = ndr_hw_be16(w + l4);
		m->dst_port = ndr_hw_be16(w + l4 + 2);
		m->udp_len = ndr_hw_be16(w + l4 + 4);
		*l4_hdr = 8u;
	} else if (m->proto == 1u || m->proto == 58u) {
		if (l4 + 2u <= n) {
			m->icmp_type = w[l4];
			m->icmp_code = w[l4 + 1];
		}
	}
	return true;
}

void ndr_parse_headers(const uint8_t *w, uint32_t n, struct ndr_pkt_meta *m)
{
	clear_meta(m);
	if (n > NDR_HDR_WINDOW)
		n = NDR_HDR_WINDOW;

	uint16_t et = 0;
	uint32_t off = 0;
	if (!parse_l2(w, n, m, &et, &off))
		return;

	uint32_t l3_len = 0;
	if (et == 0x0800u) {
		if (!parse_ipv4(w, n, off, m, &l3_len))
			return;
	} else if (et == 0x86ddu) {
		if (!parse_ipv6(w, n, off, m, &l3_len))
			return;
	} else {
		m->kind = NDR_PKT_NON_IP;
		return;
	}

	uint32_t l4 = off + l3_len;
	uint32_t l4_hdr = 0;
	if (!parse_l4(w, n, l4, m, &l4_hdr))
		return;
	m->l4_off = l4;
	m->payload_off = l4 + l4_hdr;
	uint32_t hdrs = l3_len + l4_hdr;
	m->payload_len = m->ip_len > hdrs ? m->ip_len - hdrs : 0u;
	m->kind = NDR_PKT_IP;
}

bool ndr_udp_dns_record(const struct ndr_pkt_meta *m, uint32_t caplen)
{
	if (m->kind != NDR_PKT_IP || m->frag || m->proto != 17u)
		return false;
	if (m->src_port != 53u && m->dst_port != 53u)
		return false;
	uint32_t msg_len = m->udp_len >= 8u ? m->udp_len - 8u : 0u;
	uint32_t cap = ndr_hw_min32(ndr_hw_min32(msg_len, m->payload_len), NDR_DNS_MSG_MAX);
	uint32_t have = caplen > m->payload_off ? ndr_hw_min32(caplen - m->payload_off, cap) : 0u;
	return ndr_hw_min32(have, msg_len) >= 12u;
}
