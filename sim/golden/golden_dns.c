/*
 * golden_dns.c - the golden model's DNS extractor: docs/dataplane.md
 * "DNS extractor", on a whole message held in memory.
 */
#include <string.h>

#include "golden_internal.h"

#define NAME_MAX_STEPS    128u
#define NAME_MAX_POINTERS 16u
#define NAME_MAX_WIRE     255u

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint8_t sat_inc8(uint8_t v)
{
	return v == 255 ? v : (uint8_t)(v + 1);
}

static uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* The message as the extractor sees it. */
struct dns_msg {
	const uint8_t *m;
	uint32_t visible;          /* bytes of the message that may be read */
};

/* What the QNAME walk accumulates. */
struct qname_feat {
	char text[NDR_DNS_NAME_MAX + 1];
	uint32_t text_len;
	int name_cut;
	uint32_t label_count;
	uint32_t longest;
	uint32_t longest_off;      /* message offset of the longest label's bytes */
	uint32_t hist[256];
	uint32_t n_bytes;
	uint8_t n_lower, n_upper, n_digit, n_hyphen, n_other;
};

static void add_label(struct qname_feat *ft, const uint8_t *label, uint32_t len, uint32_t off)
{
	uint32_t i;

	if (ft->label_count > 0) {
		if (ft->text_len < NDR_DNS_NAME_MAX)
			ft->text[ft->text_len++] = '.';
		else
			ft->name_cut = 1;
	}
	for (i = 0; i < len; i++) {
		uint8_t c = label[i];

		if (c >= 'a' && c <= 'z')
			ft->n_lower = sat_inc8(ft->n_lower);
		else if (c >= 'A' && c <= 'Z')
			ft->n_upper = sat_inc8(ft->n_upper);
		else if (c >= '0' && c <= '9')
			ft->n_digit = sat_inc8(ft->n_digit);
		else if (c == '-')
			ft->n_hyphen = sat_inc8(ft->n_hyphen);
		else
			ft->n_other = sat_inc8(ft->n_other);
		ft->hist[lower(c)]++;
		ft->n_bytes++;
		if (ft->text_len < NDR_DNS_NAME_MAX)
			ft->text[ft->text_len++] = (char)lower(c);
		else
			ft->name_cut = 1;
	}
	if (len > ft->longest) {
		ft->longest = len;
		ft->longest_off = off;
	}
	ft->label_count++;
}

/*
 * Walks the question's QNAME from offset 12, following pointers. Returns the
 * NDR_DNS_P_* flag that stopped it, or 0 when it ended normally, with *end
 * the offset just after the name as written at offset 12.
 *
 * Spec choices: a "step" is one label (non-zero length byte) or one pointer;
 * the terminating zero is not a step. A 129th step stops the walk with
 * PTR_LOOP (only pointers can make a name that long without LABEL_LONG).
 * For a label, the checks are in this order: length byte visible (else
 * TRUNCATED), type bits (BAD_LABEL), the wire length including this label
 * and a terminating zero (> 255: LABEL_LONG), the label bytes visible (else
 * TRUNCATED). For a pointer: second byte visible (else TRUNCATED), a 17th
 * pointer (PTR_LOOP), target lower than the pointer's own offset (else
 * PTR_LOOP). Pointer bytes do not count in the wire length.
 */
static uint16_t walk_qname(const struct dns_msg *d, struct qname_feat *ft, uint32_t *end)
{
	uint32_t pos = 12, steps = 0, pointers = 0, wire = 0;
	int jumped = 0;

	for (;;) {
		uint8_t b;

		if (pos >= d->visible)
			return NDR_DNS_P_TRUNCATED;
		b = d->m[pos];
		if (b == 0) {
			if (!jumped)
				*end = pos + 1;
			return 0;
		}
		if ((b & 0xc0) == 0x40 || (b & 0xc0) == 0x80)
			return NDR_DNS_P_BAD_LABEL;
		if (steps == NAME_MAX_STEPS)
			return NDR_DNS_P_PTR_LOOP;
		steps++;
		if ((b & 0xc0) == 0) {
			if (wire + 1 + b + 1 > NAME_MAX_WIRE)
				return NDR_DNS_P_LABEL_LONG;
			if (pos + 1 + b > d->visible)
				return NDR_DNS_P_TRUNCATED;
			add_label(ft, d->m + pos + 1, b, pos + 1);
			wire += 1u + b;
			pos += 1u + b;
		} else {
			uint32_t target;

			if (pos + 2 > d->visible)
				return NDR_DNS_P_TRUNCATED;
			if (pointers == NAME_MAX_POINTERS)
				return NDR_DNS_P_PTR_LOOP;
			pointers++;
			target = (uint32_t)(b & 0x3f) << 8 | d->m[pos + 1];
			if (target >= pos)
				return NDR_DNS_P_PTR_LOOP;
			if (!jumped) {
				*end = pos + 2;
				jumped = 1;
			}
			pos = target;
		}
	}
}

/*
 * Skips a name in a later question or an answer RR: a pointer ends it. Same
 * bounds and flags as walk_qname (the step bound cannot be reached here:
 * LABEL_LONG comes first).
 */
static uint16_t skip_name(const struct dns_msg *d, uint32_t *pos_io)
{
	uint32_t pos = *pos_io, steps = 0, wire = 0;

	for (;;) {
		uint8_t b;

		if (pos >= d->visible)
			return NDR_DNS_P_TRUNCATED;
		b = d->m[pos];
		if (b == 0) {
			*pos_io = pos + 1;
			return 0;
		}
		if ((b & 0xc0) == 0x40 || (b & 0xc0) == 0x80)
			return NDR_DNS_P_BAD_LABEL;
		if (steps == NAME_MAX_STEPS)
			return NDR_DNS_P_PTR_LOOP;
		steps++;
		if ((b & 0xc0) == 0) {
			if (wire + 1 + b + 1 > NAME_MAX_WIRE)
				return NDR_DNS_P_LABEL_LONG;
			if (pos + 1 + b > d->visible)
				return NDR_DNS_P_TRUNCATED;
			wire += 1u + b;
			pos += 1u + b;
		} else {
			if (pos + 2 > d->visible)
				return NDR_DNS_P_TRUNCATED;
			*pos_io = pos + 2;
			return 0;
		}
	}
}

/*
 * The sections after the first question: further questions, then answers.
 *
 * Spec choices: a later question that is malformed or runs past the
 * visible bytes stops the walk with its cause only (TRUNCATED, BAD_LABEL,
 * LABEL_LONG): ANSWERS_CUT means "stopped walking answers", and the walk
 * never reached them. An answer RR that does so sets ANSWERS_CUT together
 * with its cause. An RR is counted only when
 * it is visible whole (name, 10 fixed bytes and RDATA). "ancount > 32 sets
 * ANSWERS_CUT" applies when the walk reaches the answer section.
 */
static void walk_answers(struct ndr_golden *g, const struct dns_msg *d, uint32_t pos,
			 uint32_t more_questions, struct ndr_dns_rec *r)
{
	uint32_t txt_hist[256] = { 0 };
	uint32_t txt_n = 0, i, n_an, txt_len = 0;
	uint16_t f;

	for (i = 0; i < more_questions; i++) {
		f = skip_name(d, &pos);
		if (f) {
			r->parse_flags |= f;
			return;
		}
		if (pos + 4 > d->visible) {
			r->parse_flags |= NDR_DNS_P_TRUNCATED;
			return;
		}
		pos += 4;
	}

	n_an = r->ancount;
	if (n_an > NDR_DNS_MAX_ANSWERS) {
		r->parse_flags |= NDR_DNS_P_ANSWERS_CUT;
		n_an = NDR_DNS_MAX_ANSWERS;
	}
	for (i = 0; i < n_an; i++) {
		uint16_t type, rdlen;
		uint32_t ttl, j;

		f = skip_name(d, &pos);
		if (f) {
			r->parse_flags |= f | NDR_DNS_P_ANSWERS_CUT;
			break;
		}
		if (pos + 10 > d->visible) {
			r->parse_flags |= NDR_DNS_P_TRUNCATED | NDR_DNS_P_ANSWERS_CUT;
			break;
		}
		type = rd16(d->m + pos);
		ttl = rd32(d->m + pos + 4);
		rdlen = rd16(d->m + pos + 8);
		if (pos + 10 + rdlen > d->visible) {
			r->parse_flags |= NDR_DNS_P_TRUNCATED | NDR_DNS_P_ANSWERS_CUT;
			break;
		}
		if (type == 1)
			r->an_a++;
		else if (type == 28)
			r->an_aaaa++;
		else if (type == 16)
			r->an_txt++;
		else
			r->an_other++;
		if (i == 0)
			r->first_an_type = type;
		if (ttl < r->min_ttl)
			r->min_ttl = ttl;
		if (type == 16 || type == 10) {
			txt_len += rdlen;
			for (j = 0; j < rdlen && txt_n < NDR_TXT_ENTROPY_MAX; j++, txt_n++)
				txt_hist[d->m[pos + 10 + j]]++;
		}
		pos += 10u + rdlen;
	}
	r->txt_len = txt_len > 0xffff ? 0xffff : (uint16_t)txt_len;
	r->txt_entropy = golden_entropy(txt_hist, txt_n, g->log2_tab);
}

static void fill_name(struct ndr_golden *g, const struct dns_msg *d,
		      const struct qname_feat *ft, struct ndr_dns_rec *r)
{
	uint32_t hist[256] = { 0 }, i;

	r->qname_len = (uint8_t)ft->text_len;
	memcpy(r->qname, ft->text, ft->text_len);
	r->label_count = ft->label_count > 255 ? 255 : (uint8_t)ft->label_count;
	r->longest_label = (uint8_t)ft->longest;
	r->qname_entropy = golden_entropy(ft->hist, ft->n_bytes, g->log2_tab);
	for (i = 0; i < ft->longest; i++)
		hist[lower(d->m[ft->longest_off + i])]++;
	r->label_entropy = golden_entropy(hist, ft->longest, g->log2_tab);
	r->n_lower = ft->n_lower;
	r->n_upper = ft->n_upper;
	r->n_digit = ft->n_digit;
	r->n_hyphen = ft->n_hyphen;
	r->n_other = ft->n_other;
	if (ft->name_cut)
		r->parse_flags |= NDR_DNS_P_NAME_CUT;
}

/*
 * Spec choices on what the message is:
 * - UDP: msg_len = UDP length - 8 (0 if the UDP length is below 8); the
 *   visible bytes are those of it that were captured and lie within the IP
 *   packet (the L4 payload length by the headers), so Ethernet padding is
 *   never read as message bytes.
 * - TCP: the segment's payload length is the one computed from the headers;
 *   below 2 bytes there is no message. The length prefix must be captured,
 *   else no record. The message bytes visible are those of this segment's
 *   payload (by the headers) after the prefix that were captured, so
 *   Ethernet padding is never read as message bytes.
 * - Either: at most NDR_DNS_MSG_MAX bytes are visible; a message longer than
 *   that is TRUNCATED even when captured whole, as the spec's "fewer bytes
 *   are visible than msg_len" reads.
 * - qdcount == 0: NO_QUESTION, and the answer section is walked from offset
 *   12.
 */
void golden_dns_packet(struct ndr_golden *g, const struct golden_pkt *p)
{
	uint8_t buf[NDR_REC_MAX_SLOTS * NDR_SLOT_BYTES];
	struct ndr_dns_rec *r = (struct ndr_dns_rec *)buf;
	struct qname_feat ft;
	struct dns_msg d;
	uint32_t moff, msg_len, avail, end = 12;
	uint16_t f;

	if (p->fragment || !(p->has_tcp || p->has_udp))
		return;
	if (p->sport != 53 && p->dport != 53)
		return;

	memset(buf, 0, sizeof(buf));
	if (p->has_udp) {
		msg_len = p->udp_len >= 8 ? p->udp_len - 8u : 0;
		moff = p->l4_off + 8;
		avail = p->caplen > moff ? p->caplen - moff : 0;
		if (p->payload_len < avail)
			avail = p->payload_len;
	} else {
		uint32_t seg;

		if (p->payload_len < 2)
			return;
		moff = p->l4_off + p->l4_hdr_len;
		if (moff + 2 > p->caplen)
			return;
		msg_len = rd16(p->frame + moff);
		moff += 2;
		seg = p->payload_len - 2;
		avail = p->caplen - moff;
		if (seg < avail)
			avail = seg;
		r->parse_flags |= NDR_DNS_P_TCP;
	}
	d.m = p->frame + moff;
	d.visible = msg_len < avail ? msg_len : avail;
	if (d.visible > NDR_DNS_MSG_MAX)
		d.visible = NDR_DNS_MSG_MAX;
	if (d.visible < msg_len)
		r->parse_flags |= NDR_DNS_P_TRUNCATED;
	if (d.visible < 12)
		return;

	r->hdr.type = NDR_REC_DNS;
	r->hdr.version = NDR_ABI_VERSION;
	r->hdr.flags = p->ipv6 ? NDR_REC_F_IPV6 : 0;
	r->hdr.ts_ns = p->ts_ns;
	memcpy(r->src_addr, p->src, 16);
	memcpy(r->dst_addr, p->dst, 16);
	r->src_port = p->sport;
	r->dst_port = p->dport;
	r->txid = rd16(d.m);
	r->dns_flags = rd16(d.m + 2);
	r->qdcount = rd16(d.m + 4);
	r->ancount = rd16(d.m + 6);
	r->nscount = rd16(d.m + 8);
	r->arcount = rd16(d.m + 10);
	r->msg_len = (uint16_t)msg_len;
	r->ip_proto = p->proto;
	r->ip_ttl = p->ttl;
	r->vlan_outer = p->vlan_outer;
	r->min_ttl = 0xffffffffu;

	if (r->qdcount == 0) {
		r->parse_flags |= NDR_DNS_P_NO_QUESTION;
		walk_answers(g, &d, 12, 0, r);
	} else {
		memset(&ft, 0, sizeof(ft));
		f = walk_qname(&d, &ft, &end);
		fill_name(g, &d, &ft, r);
		if (f) {
			r->parse_flags |= f;
		} else if (end + 4 > d.visible) {
			r->parse_flags |= NDR_DNS_P_TRUNCATED;
		} else {
			r->qtype = rd16(d.m + end);
			r->qclass = rd16(d.m + end + 2);
			walk_answers(g, &d, end + 4, r->qdcount - 1u, r);
		}
	}

	r->hdr.slots = (uint8_t)ndr_dns_rec_slots(r->qname_len);
	golden_emit_dns(g, r);
}

int golden_dns_udp_record(const struct golden_pkt *p)
{
	uint32_t msg_len, moff, avail, visible;

	if (p->fragment || !p->has_udp || (p->sport != 53 && p->dport != 53))
		return 0;
	msg_len = p->udp_len >= 8 ? p->udp_len - 8u : 0;
	moff = p->l4_off + 8;
	avail = p->caplen > moff ? p->caplen - moff : 0;
	if (p->payload_len < avail)
		avail = p->payload_len;
	visible = msg_len < avail ? msg_len : avail;
	if (visible > NDR_DNS_MSG_MAX)
		visible = NDR_DNS_MSG_MAX;
	return visible >= 12;
}
