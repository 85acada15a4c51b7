/*
 * golden_parse.c - the golden model's packet parser: docs/dataplane.md
 * "Parser", on a whole frame held in memory.
 */
#include <string.h>

#include "golden_internal.h"

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int is_vlan_tpid(uint16_t t)
{
	return t == 0x8100 || t == 0x88a8 || t == 0x9100;
}

static void ipv4_mapped(uint8_t out[16], const uint8_t *a)
{
	memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	memcpy(out + 12, a, 4);
}

static int is_ipv6_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 60 || nh == 51;
}

/* Parses the IPv4 header at off; sets l4_off. */
static enum golden_parse_result parse_ipv4(const uint8_t *f, uint32_t caplen, uint32_t off,
					   struct golden_pkt *p)
{
	uint32_t ihl, hl, tot;
	uint16_t frag;

	if (off + 20 > caplen)
		return GOLDEN_PARSE_ERROR;
	if ((f[off] >> 4) != 4)
		return GOLDEN_PARSE_ERROR;
	ihl = f[off] & 0x0fu;
	if (ihl < 5)
		return GOLDEN_PARSE_ERROR;
	hl = ihl * 4;
	tot = rd16(f + off + 2);
	if (tot < hl || off + hl > caplen)
		return GOLDEN_PARSE_ERROR;

	frag = rd16(f + off + 6);
	p->fragment = (frag & 0x2000) != 0 || (frag & 0x1fff) != 0;
	p->ttl = f[off + 8];
	p->proto = f[off + 9];
	ipv4_mapped(p->src, f + off + 12);
	ipv4_mapped(p->dst, f + off + 16);
	p->ip_len = tot;
	p->l4_off = off + hl;
	return GOLDEN_IP;
}

/*
 * Spec choice: "at most 4" extension headers of types 0/43/60/51 are walked;
 * when a fifth follows, the walk stops and that next-header value is taken as
 * the L4 protocol (a protocol without ports), not a parse error. A fragment
 * header (44) ends the walk wherever it appears, also after four others.
 */
static enum golden_parse_result parse_ipv6(const uint8_t *f, uint32_t caplen, uint32_t off,
					   struct golden_pkt *p)
{
	uint32_t pos, len;
	uint8_t nh;
	unsigned walked = 0;

	if (off + 40 > caplen)
		return GOLDEN_PARSE_ERROR;
	if ((f[off] >> 4) != 6)
		return GOLDEN_PARSE_ERROR;
	p->ipv6 = 1;
	p->ip_len = (uint32_t)rd16(f + off + 4) + 40;
	nh = f[off + 6];
	p->ttl = f[off + 7];
	memcpy(p->src, f + off + 8, 16);
	memcpy(p->dst, f + off + 24, 16);

	pos = off + 40;
	for (;;) {
		if (nh == 44) {
			if (pos + 8 > caplen)
				return GOLDEN_PARSE_ERROR;
			p->fragment = 1;
			nh = f[pos];
			pos += 8;
			break;
		}
		if (!is_ipv6_ext(nh) || walked == 4)
			break;
		if (pos + 2 > caplen)
			return GOLDEN_PARSE_ERROR;
		if (nh == 51)
			len = ((uint32_t)f[pos + 1] + 2) * 4;
		else
			len = ((uint32_t)f[pos + 1] + 1) * 8;
		if (pos + len > caplen)
			return GOLDEN_PARSE_ERROR;
		nh = f[pos];
		pos += len;
		walked++;
	}
	p->proto = nh;
	p->l4_off = pos;
	return GOLDEN_IP;
}

/*
 * Spec choice: a frame too short for its Ethernet header or for a VLAN tag
 * it announces is non-IP (its EtherType cannot be known), not a parse error.
 *
 * Spec choice: ICMP type and code are read when both bytes are within the
 * captured bytes and within the header window; otherwise they are taken as
 * 0 and the packet is still a valid IP packet (the ICMP L4 header length is
 * 0 by the spec, so the window rule does not make it an error).
 *
 * Spec choice: "ICMP" means protocol 1 or 58 under either IP version.
 */
enum golden_parse_result golden_parse(const uint8_t *f, uint32_t caplen, uint64_t ts_ns,
				      struct golden_pkt *p)
{
	enum golden_parse_result r;
	uint32_t off, ip_off, end, ip_hdr_len;
	uint16_t et;
	unsigned tags = 0;
	int64_t payload;

	memset(p, 0, sizeof(*p));
	if (caplen > NDR_MAX_FRAME)
		caplen = NDR_MAX_FRAME;
	p->ts_ns = ts_ns;
	p->frame = f;
	p->caplen = caplen;

	if (caplen < 14)
		return GOLDEN_NON_IP;
	et = rd16(f + 12);
	off = 14;
	while (is_vlan_tpid(et)) {
		if (tags == 2)
			return GOLDEN_NON_IP;   /* a third tag */
		if (off + 4 > caplen)
			return GOLDEN_NON_IP;
		if (tags == 0)
			p->vlan_outer = rd16(f + off) & 0x0fff;
		else
			p->vlan_inner = rd16(f + off) & 0x0fff;
		et = rd16(f + off + 2);
		off += 4;
		tags++;
	}

	ip_off = off;
	if (et == 0x0800)
		r = parse_ipv4(f, caplen, off, p);
	else if (et == 0x86dd)
		r = parse_ipv6(f, caplen, off, p);
	else
		return GOLDEN_NON_IP;
	if (r != GOLDEN_IP)
		return r;

	off = p->l4_off;
	if (!p->fragment && p->proto == 6) {
		uint32_t doff;

		if (off + 20 > caplen)
			return GOLDEN_PARSE_ERROR;
		doff = f[off + 12] >> 4;
		if (doff < 5 || off + doff * 4 > caplen)
			return GOLDEN_PARSE_ERROR;
		p->has_tcp = 1;
		p->sport = rd16(f + off);
		p->dport = rd16(f + off + 2);
		p->tcp_flags = f[off + 13];
		p->l4_hdr_len = doff * 4;
	} else if (!p->fragment && p->proto == 17) {
		if (off + 8 > caplen)
			return GOLDEN_PARSE_ERROR;
		p->has_udp = 1;
		p->sport = rd16(f + off);
		p->dport = rd16(f + off + 2);
		p->udp_len = rd16(f + off + 4);
		p->l4_hdr_len = 8;
	} else if (!p->fragment && (p->proto == 1 || p->proto == 58)) {
		p->is_icmp = 1;
		if (off + 2 <= caplen && off + 2 <= NDR_HDR_WINDOW) {
			p->icmp_type = f[off];
			p->icmp_code = f[off + 1];
		}
	}

	end = off + p->l4_hdr_len;
	if (end > NDR_HDR_WINDOW)
		return GOLDEN_PARSE_ERROR;

	ip_hdr_len = p->l4_off - ip_off;
	payload = (int64_t)p->ip_len - ip_hdr_len - p->l4_hdr_len;
	p->payload_len = payload > 0 ? (uint32_t)payload : 0;
	return GOLDEN_IP;
}
