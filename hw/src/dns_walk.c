/*
 * dns_walk.c - a DNS walk engine: one DNS message, a bounded step a clock
 * (ndr_hw_dns.h; the values: docs/dataplane.md "DNS extractor").
 *
 * A clock reads at most a 16-byte window of the message buffer and moves
 * at most NDR_DNS_LANE_BYTES name or RDATA bytes into the histogram and the
 * name text, or sums NDR_ENTROPY_BINS_PER_CLOCK histogram bins. So a
 * message's clocks are the steps below, counted as they are taken:
 *   1 header; per QNAME label 1 + (label bytes beyond 8, 8 a clock), 1 for
 *   the terminating byte or pointer; entropy summations; the longest label
 *   again; 1 for qtype/qclass; 1 per step of a skipped name (further
 *   questions, answer names); 1 per answer's fixed part; TXT/NULL RDATA 8
 *   bytes a clock; 1 to hand over the record.
 * Nothing is read outside the visible bytes; every compression pointer must
 * point backwards, so no walk can loop.
 *
 * Spec choices (the golden model makes the same):
 * - Visible bytes = min(msg_len, NDR_DNS_MSG_MAX, bytes captured after the
 *   message start, L4 payload length from the IP/L4 headers minus the TCP
 *   length prefix). UDP msg_len = UDP length - 8, or 0 below 8.
 * - TCP: the segment qualifies when its L4 payload length is >= 2; if the
 *   2-byte length prefix was not captured, the message is a DNS error
 *   without a record, like < 12 visible bytes.
 * - QNAME walk: a step is a label or a pointer; the terminating zero is not
 *   a step. A 129th step sets PTR_LOOP. At a pointer, "no more than 16" is
 *   checked after "target below the pointer's offset"; both set PTR_LOOP.
 *   At a label, the 255-byte wire length check (which counts this label,
 *   its length byte and the terminating zero still to come) comes before
 *   the visibility check of the label's bytes.
 * - The question section continues after the first pointer of the QNAME
 *   (2 bytes) or after its terminating zero.
 * - A name skipped in a further question or an answer fails the same way
 *   (TRUNCATED, BAD_LABEL, LABEL_LONG); in the answer section such a failure
 *   also sets ANSWERS_CUT. A failed further question ends the parse.
 * - An answer RR counts only when its name, fixed part and RDATA are all
 *   visible. qdcount == 0: no question is read, answers start at offset 12.
 */
#include "ndr_hw.h"

#define DNS_HDR_LEN       12u
#define DNS_WIRE_NAME_MAX 255u
#define DNS_NAME_STEPS    128u
#define DNS_MAX_PTRS      16u
/* A question takes >= 5 bytes, so no more than this many fit in a message. */
#define DNS_MAX_QUESTIONS (NDR_DNS_MSG_MAX / 5u + 1u)

void ndr_dns_where(const struct ndr_pkt_meta *m, struct ndr_dns_where *w)
{
	w->active = false;
	w->tcp = false;
	w->pfx_off = 0;
	w->msg_off = 0;
	w->msg_cap = 0;
	if (m->kind != NDR_PKT_IP || m->frag)
		return;
	if (m->proto != 17u && m->proto != 6u)
		return;
	if (m->src_port != 53u && m->dst_port != 53u)
		return;
	w->tcp = m->proto == 6u;
	if (w->tcp) {
		if (m->payload_len < 2u)
			return;
		w->pfx_off = m->payload_off;
		w->msg_off = m->payload_off + 2u;
		w->msg_cap = ndr_hw_min32(m->payload_len - 2u, NDR_DNS_MSG_MAX);
	} else {
		uint32_t msg_len = m->udp_len >= 8u ? m->udp_len - 8u : 0u;
		w->msg_off = m->payload_off;
		w->msg_cap = ndr_hw_min32(ndr_hw_min32(msg_len, m->payload_len), NDR_DNS_MSG_MAX);
	}
	w->active = true;
}

bool ndr_dns_desc(const struct ndr_pkt_meta *m, const struct ndr_dns_where *w, uint64_t ts,
		  uint32_t caplen, int32_t pfx, struct ndr_dns_desc *d)
{
	uint32_t msg_len;
	if (w->tcp) {
		if (pfx < 0)
			return false;
		msg_len = (uint32_t)pfx;
	} else {
		msg_len = m->udp_len >= 8u ? m->udp_len - 8u : 0u;
	}
	uint32_t have = caplen > w->msg_off ? ndr_hw_min32(caplen - w->msg_off, w->msg_cap) : 0u;
	uint32_t vis = ndr_hw_min32(have, msg_len);
	if (vis < DNS_HDR_LEN)
		return false;
	d->ts = ts;
	for (uint32_t i = 0; i < 16u; i++) {
		d->src_addr[i] = m->src_addr[i];
		d->dst_addr[i] = m->dst_addr[i];
	}
	d->src_port = m->src_port;
	d->dst_port = m->dst_port;
	d->vlan_outer = m->vlan_outer;
	d->proto = m->proto;
	d->ttl = m->ttl;
	d->ipv6 = m->ipv6;
	d->tcp = w->tcp;
	d->msg_len = msg_len;
	d->vis = vis;
	d->base = w->msg_off;
	return true;
}

static uint8_t dns_sat_inc8(uint8_t v)
{
	return v == 0xffu ? v : (uint8_t)(v + 1u);
}

void ndr_dns_walk_start(struct ndr_dns_walk *w, const struct ndr_dns_desc *d)
{
	w->st = NDR_DNS_W_HDR;
	w->d = *d;
	w->rec.txid = 0;
	w->rec.dns_flags = 0;
	w->rec.qdcount = 0;
	w->rec.ancount = 0;
	w->rec.nscount = 0;
	w->rec.arcount = 0;
	w->rec.qtype = 0;
	w->rec.qclass = 0;
	w->rec.msg_len = 0;
	w->rec.parse_flags = 0;
	w->rec.qname_len = 0;
	w->rec.label_count = 0;
	w->rec.longest_label = 0;
	w->rec.qname_entropy = 0;
	w->rec.label_entropy = 0;
	w->rec.n_lower = 0;
	w->rec.n_upper = 0;
	w->rec.n_digit = 0;
	w->rec.n_hyphen = 0;
	w->rec.n_other = 0;
	w->rec.an_a = 0;
	w->rec.an_aaaa = 0;
	w->rec.an_txt = 0;
	w->rec.an_other = 0;
	w->rec.first_an_type = 0;
	w->rec.txt_len = 0;
	w->rec.txt_entropy = 0;
	w->rec.min_ttl = 0xffffffffu;
	w->clocks = 0;
	w->pos = DNS_HDR_LEN;
	w->wire = 0;
	w->steps = 0;
	w->ptrs = 0;
	w->text = 0;
	w->longest_at = 0;
	w->end = DNS_HDR_LEN;
	w->jumped = false;
	w->name_ok = false;
	w->lab_at = 0;
	w->lab_left = 0;
	w->n_lower = 0;
	w->n_upper = 0;
	w->n_digit = 0;
	w->n_hyphen = 0;
	w->n_other = 0;
	w->skip_wire = 0;
	w->skip_iter = 0;
	w->q = 0;
	w->an = 0;
	w->an_n = 0;
	w->rd_at = 0;
	w->rd_left = 0;
	w->txt_len = 0;
	w->sum_at = 0;
	w->sum = 0;
}

/* Message byte i (i < vis). */
static uint8_t dns_at(const struct ndr_dns_walk *w, const uint8_t *msg, uint32_t i)
{
	return msg[w->d.base + i];
}

/* Up to NDR_DNS_LANE_BYTES bytes of the label being copied: character
 * classes, lower-cased text, histogram. */
static void dns_label_lanes(struct ndr_dns_walk *w, const uint8_t *msg)
{
	uint32_t n = ndr_hw_min32(w->lab_left, NDR_DNS_LANE_BYTES);
	for (uint32_t i = 0; i < NDR_DNS_LANE_BYTES; i++) {
		if (i < n) {
			uint8_t c = dns_at(w, msg, w->lab_at + i);
			uint32_t is_l = (uint8_t)(c - 'a') < 26u;
			uint32_t is_u = (uint8_t)(c - 'A') < 26u;
			uint32_t is_d = (uint8_t)(c - '0') < 10u;
			uint32_t is_h = c == '-';
			w->n_lower += is_l;
			w->n_upper += is_u;
			w->n_digit += is_d;
			w->n_hyphen += is_h;
			w->n_other += 1u - (is_l | is_u | is_d | is_h);
			uint8_t lc = (uint8_t)(c + (is_u << 5));
			/* text stays below 255: the wire length bounds labels
			 * and dots; the cut at 253 is made once, at the end */
			w->name[(w->text + i) & 0xffu] = (char)lc;
			ndr_entropy_add_below_max(&w->acc, lc);
		}
	}
	w->text += n;
	w->lab_at += n;
	w->lab_left -= n;
}

/* End of the QNAME walk (normal or not): the name's counts, then its
 * entropy. */
static void dns_qname_end(struct ndr_dns_walk *w)
{
	w->rec.n_lower = (uint8_t)ndr_hw_min32(w->n_lower, 0xffu);
	w->rec.n_upper = (uint8_t)ndr_hw_min32(w->n_upper, 0xffu);
	w->rec.n_digit = (uint8_t)ndr_hw_min32(w->n_digit, 0xffu);
	w->rec.n_hyphen = (uint8_t)ndr_hw_min32(w->n_hyphen, 0xffu);
	w->rec.n_other = (uint8_t)ndr_hw_min32(w->n_other, 0xffu);
	uint32_t text = w->text;
	if (text > NDR_DNS_NAME_MAX) {
		w->rec.parse_flags |= NDR_DNS_P_NAME_CUT;
		text = NDR_DNS_NAME_MAX;
	}
	w->rec.qname_len = (uint8_t)text;
	w->sum_at = 0;
	w->sum = 0;
	w->st = NDR_DNS_W_QENT;
}

/* A QNAME step at a length byte; a label's first lanes in the same clock. */
static void dns_qname_len_step(struct ndr_dns_walk *w, const uint8_t *msg)
{
	uint32_t vis = w->d.vis, pos = w->pos;
	uint16_t *flags = &w->rec.parse_flags;
	if (pos >= vis) {
		*flags |= NDR_DNS_P_TRUNCATED;
		dns_qname_end(w);
		return;
	}
	uint8_t b = dns_at(w, msg, pos);
	if (b == 0u) {
		if (!w->jumped)
			w->end = pos + 1u;
		w->name_ok = true;
		dns_qname_end(w);
		return;
	}
	if (w->steps == DNS_NAME_STEPS) {
		*flags |= NDR_DNS_P_PTR_LOOP;
		dns_qname_end(w);
		return;
	}
	w->steps++;
	if ((b & 0xc0u) == 0xc0u) {
		if (pos + 1u >= vis) {
			*flags |= NDR_DNS_P_TRUNCATED;
			dns_qname_end(w);
			return;
		}
		uint32_t target = (uint32_t)(b & 0x3fu) << 8 | dns_at(w, msg, pos + 1u);
		if (target >= pos || w->ptrs == DNS_MAX_PTRS) {
			*flags |= NDR_DNS_P_PTR_LOOP;
			dns_qname_end(w);
			return;
		}
		w->ptrs++;
		if (!w->jumped)
			w->end = pos + 2u;
		w->jumped = true;
		w->pos = target;
		return;
	}
	if (b & 0xc0u) {
		*flags |= NDR_DNS_P_BAD_LABEL;
		dns_qname_end(w);
		return;
	}
	if (w->wire + 1u + b + 1u > DNS_WIRE_NAME_MAX) {
		*flags |= NDR_DNS_P_LABEL_LONG;
		dns_qname_end(w);
		return;
	}
	if (pos + 1u + b > vis) {
		*flags |= NDR_DNS_P_TRUNCATED;
		dns_qname_end(w);
		return;
	}
	w->rec.label_count = dns_sat_inc8(w->rec.label_count);
	if (b > w->rec.longest_label) {
		w->rec.longest_label = b;
		w->longest_at = pos + 1u;
	}
	if (w->text > 0u) {
		w->name[w->text & 0xffu] = '.';
		w->text++;
	}
	w->wire += 1u + b;
	w->pos = pos + 1u + b;
	w->lab_at = pos + 1u;
	w->lab_left = b;
	dns_label_lanes(w, msg);
	w->st = w->lab_left ? NDR_DNS_W_QCOPY : NDR_DNS_W_QLEN;
}

/* One step of skipping a name at pos (further questions, answers): 1 when
 * the name ended (pos past it), 0 to go on, -1 on a failure (flags set). */
static int dns_skip_step(struct ndr_dns_walk *w, const uint8_t *msg)
{
	uint32_t vis = w->d.vis, p = w->pos;
	uint16_t *flags = &w->rec.parse_flags;
	if (w->skip_iter > DNS_NAME_STEPS) {
		*flags |= NDR_DNS_P_PTR_LOOP;     /* unreachable within 255 wire bytes */
		return -1;
	}
	w->skip_iter++;
	if (p >= vis) {
		*flags |= NDR_DNS_P_TRUNCATED;
		return -1;
	}
	uint8_t b = dns_at(w, msg, p);
	if (b == 0u) {
		w->pos = p + 1u;
		return 1;
	}
	if ((b & 0xc0u) == 0xc0u) {
		if (p + 1u >= vis) {
			*flags |= NDR_DNS_P_TRUNCATED;
			return -1;
		}
		w->pos = p + 2u;
		return 1;
	}
	if (b & 0xc0u) {
		*flags |= NDR_DNS_P_BAD_LABEL;
		return -1;
	}
	if (w->skip_wire + 1u + b + 1u > DNS_WIRE_NAME_MAX) {
		*flags |= NDR_DNS_P_LABEL_LONG;
		return -1;
	}
	if (p + 1u + b > vis) {
		*flags |= NDR_DNS_P_TRUNCATED;
		return -1;
	}
	w->skip_wire += 1u + b;
	w->pos = p + 1u + b;
	return 0;
}

static void dns_skip_begin(struct ndr_dns_walk *w)
{
	w->skip_wire = 0;
	w->skip_iter = 0;
}

/* The answer section from pos. */
static void dns_answers_begin(struct ndr_dns_walk *w)
{
	uint32_t n = w->rec.ancount;
	if (n > NDR_DNS_MAX_ANSWERS) {
		w->rec.parse_flags |= NDR_DNS_P_ANSWERS_CUT;
		n = NDR_DNS_MAX_ANSWERS;
	}
	w->an = 0;
	w->an_n = n;
	dns_skip_begin(w);
	w->st = n ? NDR_DNS_W_ANAME : NDR_DNS_W_TENT;
	w->sum_at = 0;
	w->sum = 0;
}

static void dns_answer_next(struct ndr_dns_walk *w)
{
	w->an++;
	dns_skip_begin(w);
	w->st = w->an < w->an_n ? NDR_DNS_W_ANAME : NDR_DNS_W_TENT;
}

static void dns_answer_fixed(struct ndr_dns_walk *w, const uint8_t *msg)
{
	uint32_t vis = w->d.vis, pos = w->pos;
	if (pos + 10u > vis) {
		w->rec.parse_flags |= NDR_DNS_P_ANSWERS_CUT | NDR_DNS_P_TRUNCATED;
		w->st = NDR_DNS_W_TENT;
		return;
	}
	uint16_t type = (uint16_t)(dns_at(w, msg, pos) << 8 | dns_at(w, msg, pos + 1u));
	uint32_t ttl = (uint32_t)dns_at(w, msg, pos + 4u) << 24 | (uint32_t)dns_at(w, msg, pos + 5u) << 16 |
		       (uint32_t)dns_at(w, msg, pos + 6u) << 8 | dns_at(w, msg, pos + 7u);
	uint32_t rdlen = (uint32_t)dns_at(w, msg, pos + 8u) << 8 | dns_at(w, msg, pos + 9u);
	uint32_t rdata = pos + 10u;
	if (rdata + rdlen > vis) {
		w->rec.parse_flags |= NDR_DNS_P_ANSWERS_CUT | NDR_DNS_P_TRUNCATED;
		w->st = NDR_DNS_W_TENT;
		return;
	}
	if (type == 1u)
		w->rec.an_a++;
	else if (type == 28u)
		w->rec.an_aaaa++;
	else if (type == 16u)
		w->rec.an_txt++;
	else
		w->rec.an_other++;
	if (w->an == 0u)
		w->rec.first_an_type = type;
	if (ttl < w->rec.min_ttl)
		w->rec.min_ttl = ttl;
	w->pos = rdata + rdlen;
	if (type == 16u || type == 10u) {
		w->txt_len += rdlen;
		uint32_t take = ndr_hw_min32(rdlen, NDR_TXT_ENTROPY_MAX - w->acc.n);
		if (take) {
			w->rd_at = rdata;
			w->rd_left = take;
			w->st = NDR_DNS_W_ARD;
			return;
		}
	}
	dns_answer_next(w);
}

static void dns_rdata_lanes(struct ndr_dns_walk *w, const uint8_t *msg)
{
	uint32_t n = ndr_hw_min32(w->rd_left, NDR_DNS_LANE_BYTES);
	for (uint32_t i = 0; i < NDR_DNS_LANE_BYTES; i++) {
		if (i < n)
			ndr_entropy_add_below_max(&w->acc, dns_at(w, msg, w->rd_at + i));
	}
	w->rd_at += n;
	w->rd_left -= n;
	if (!w->rd_left)
		dns_answer_next(w);
}

static void dns_header(struct ndr_dns_walk *w, const uint8_t *msg)
{
	w->rec.msg_len = (uint16_t)ndr_hw_min32(w->d.msg_len, 0xffffu);
	if (w->d.vis < w->d.msg_len)
		w->rec.parse_flags |= NDR_DNS_P_TRUNCATED;
	w->rec.txid = (uint16_t)(dns_at(w, msg, 0) << 8 | dns_at(w, msg, 1));
	w->rec.dns_flags = (uint16_t)(dns_at(w, msg, 2) << 8 | dns_at(w, msg, 3));
	w->rec.qdcount = (uint16_t)(dns_at(w, msg, 4) << 8 | dns_at(w, msg, 5));
	w->rec.ancount = (uint16_t)(dns_at(w, msg, 6) << 8 | dns_at(w, msg, 7));
	w->rec.nscount = (uint16_t)(dns_at(w, msg, 8) << 8 | dns_at(w, msg, 9));
	w->rec.arcount = (uint16_t)(dns_at(w, msg, 10) << 8 | dns_at(w, msg, 11));
	if (w->rec.qdcount == 0u) {
		w->rec.parse_flags |= NDR_DNS_P_NO_QUESTION;
		dns_answers_begin(w);
	} else {
		w->st = NDR_DNS_W_QLEN;
	}
}

/* An entropy summation a clock; true with the value when done (the
 * histogram is then cleared for the next use). */
static bool dns_entropy_step(struct ndr_dns_walk *w, uint16_t *value)
{
	if (!ndr_entropy_sum_step(&w->acc, &w->sum_at, &w->sum))
		return false;
	*value = ndr_entropy_from_sum(w->acc.n, w->sum);
	ndr_entropy_reset(&w->acc);
	w->sum_at = 0;
	w->sum = 0;
	return true;
}

static void dns_longest_lanes(struct ndr_dns_walk *w, const uint8_t *msg)
{
	uint32_t n = ndr_hw_min32(w->lab_left, NDR_DNS_LANE_BYTES);
	for (uint32_t i = 0; i < NDR_DNS_LANE_BYTES; i++) {
		if (i < n) {
			uint8_t c = dns_at(w, msg, w->lab_at + i);
			ndr_entropy_add(&w->acc, (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32u) : c);
		}
	}
	w->lab_at += n;
	w->lab_left -= n;
	if (!w->lab_left)
		w->st = NDR_DNS_W_LENT;
}

bool ndr_dns_walk_step(struct ndr_dns_walk *w, const uint8_t *msg)
{
	if (w->st == NDR_DNS_W_IDLE || w->st == NDR_DNS_W_DONE)
		return w->st == NDR_DNS_W_DONE;
	w->clocks++;
	uint16_t v;
	int r;
	switch (w->st) {
	case NDR_DNS_W_HDR:
		dns_header(w, msg);
		break;
	case NDR_DNS_W_QLEN:
		dns_qname_len_step(w, msg);
		break;
	case NDR_DNS_W_QCOPY:
		dns_label_lanes(w, msg);
		if (!w->lab_left)
			w->st = NDR_DNS_W_QLEN;
		break;
	case NDR_DNS_W_QENT:
		if (dns_entropy_step(w, &v)) {
			w->rec.qname_entropy = v;
			w->lab_at = w->longest_at;
			w->lab_left = w->rec.longest_label;
			w->st = w->lab_left ? NDR_DNS_W_LHIST : NDR_DNS_W_LENT;
		}
		break;
	case NDR_DNS_W_LHIST:
		dns_longest_lanes(w, msg);
		break;
	case NDR_DNS_W_LENT:
		if (dns_entropy_step(w, &v)) {
			w->rec.label_entropy = v;
			w->st = w->name_ok ? NDR_DNS_W_QTAIL : NDR_DNS_W_DONE;
			w->pos = w->end;
		}
		break;
	case NDR_DNS_W_QTAIL:
		if (w->pos + 4u > w->d.vis) {
			w->rec.parse_flags |= NDR_DNS_P_TRUNCATED;
			w->st = NDR_DNS_W_DONE;
			break;
		}
		w->rec.qtype = (uint16_t)(dns_at(w, msg, w->pos) << 8 | dns_at(w, msg, w->pos + 1u));
		w->rec.qclass = (uint16_t)(dns_at(w, msg, w->pos + 2u) << 8 | dns_at(w, msg, w->pos + 3u));
		w->pos += 4u;
		w->q = 1;
		dns_skip_begin(w);
		if (w->q < w->rec.qdcount && w->q < DNS_MAX_QUESTIONS)
			w->st = NDR_DNS_W_QSKIP;
		else
			dns_answers_begin(w);
		break;
	case NDR_DNS_W_QSKIP:
		r = dns_skip_step(w, msg);
		if (r < 0) {
			w->st = NDR_DNS_W_DONE;
		} else if (r > 0) {
			if (w->pos + 4u > w->d.vis) {
				w->rec.parse_flags |= NDR_DNS_P_TRUNCATED;
				w->st = NDR_DNS_W_DONE;
				break;
			}
			w->pos += 4u;
			w->q++;
			dns_skip_begin(w);
			if (!(w->q < w->rec.qdcount && w->q < DNS_MAX_QUESTIONS))
				dns_answers_begin(w);
		}
		break;
	case NDR_DNS_W_ANAME:
		r = dns_skip_step(w, msg);
		if (r < 0) {
			w->rec.parse_flags |= NDR_DNS_P_ANSWERS_CUT;
			w->st = NDR_DNS_W_TENT;
		} else if (r > 0) {
			w->st = NDR_DNS_W_AFIX;
		}
		break;
	case NDR_DNS_W_AFIX:
		dns_answer_fixed(w, msg);
		break;
	case NDR_DNS_W_ARD:
		dns_rdata_lanes(w, msg);
		break;
	case NDR_DNS_W_TENT:
		if (dns_entropy_step(w, &v)) {
			w->rec.txt_entropy = v;
			w->rec.txt_len = (uint16_t)ndr_hw_min32(w->txt_len, 0xffffu);
			w->st = NDR_DNS_W_DONE;
		}
		break;
	default:
		w->st = NDR_DNS_W_DONE;
		break;
	}
	return w->st == NDR_DNS_W_DONE;
}

bool ndr_dns_walk_error(const struct ndr_dns_walk *w)
{
	return w->rec.parse_flags != 0u;   /* NDR_DNS_P_TCP is added to the record only */
}

/* The compact record applies (ndr_abi.h "compact DNS query record"). */
static bool dns_short_form(const struct ndr_dns_walk *w)
{
	const struct ndr_dns_fields *f = &w->rec;
	return !w->d.ipv6 && !w->d.tcp && f->parse_flags == 0u && f->qdcount == 1u &&
	       f->ancount == 0u && f->nscount == 0u && f->arcount <= 1u && f->qclass == 1u &&
	       f->qname_len <= NDR_DNS_SHORT_NAME;
}

static void dns_put_hdr(uint8_t *rec, uint8_t type, uint8_t slots, uint8_t flags, uint64_t t)
{
	rec[0] = type;
	rec[1] = slots;
	rec[2] = (uint8_t)NDR_ABI_VERSION;
	rec[3] = flags;
	ndr_put32(rec, 4, 0);
	ndr_put64(rec, 8, t);
}

#define DS(f) NDR_OFF(ndr_dns_short_rec, f)
#define DR(f) NDR_OFF(ndr_dns_rec, f)

static uint32_t dns_record_short(const struct ndr_dns_walk *w, uint8_t *out)
{
	const struct ndr_dns_fields *f = &w->rec;
	ndr_hw_zero(out, NDR_SLOT_BYTES);
	dns_put_hdr(out, NDR_REC_DNS_SHORT, 1, 0, w->d.ts);
	for (uint32_t i = 0; i < 4u; i++) {
		out[DS(src_addr4) + i] = w->d.src_addr[12u + i];
		out[DS(dst_addr4) + i] = w->d.dst_addr[12u + i];
	}
	ndr_put16(out, DS(src_port), w->d.src_port);
	ndr_put16(out, DS(dst_port), w->d.dst_port);
	ndr_put16(out, DS(txid), f->txid);
	ndr_put16(out, DS(dns_flags), f->dns_flags);
	ndr_put16(out, DS(qtype), f->qtype);
	ndr_put16(out, DS(msg_len), f->msg_len);
	ndr_put16(out, DS(qname_entropy), f->qname_entropy);
	ndr_put16(out, DS(label_entropy), f->label_entropy);
	ndr_put16(out, DS(vlan_outer), w->d.vlan_outer);
	out[DS(arcount)] = (uint8_t)f->arcount;
	out[DS(qname_len)] = f->qname_len;
	out[DS(label_count)] = f->label_count;
	out[DS(longest_label)] = f->longest_label;
	out[DS(n_lower)] = f->n_lower;
	out[DS(n_upper)] = f->n_upper;
	out[DS(n_digit)] = f->n_digit;
	out[DS(n_hyphen)] = f->n_hyphen;
	out[DS(n_other)] = f->n_other;
	out[DS(ip_ttl)] = w->d.ttl;
	for (uint32_t i = 0; i < NDR_DNS_SHORT_NAME; i++) {
		if (i < f->qname_len)
			out[DS(qname) + i] = (uint8_t)w->name[i];
	}
	return 1;
}

uint32_t ndr_dns_walk_record(const struct ndr_dns_walk *w, uint8_t out[NDR_DNS_REC_BYTES])
{
	if (dns_short_form(w))
		return dns_record_short(w, out);
	const struct ndr_dns_fields *f = &w->rec;
	uint32_t slots = ndr_dns_rec_slots(f->qname_len);
	ndr_hw_zero(out, slots * NDR_SLOT_BYTES);
	dns_put_hdr(out, NDR_REC_DNS, (uint8_t)slots, w->d.ipv6 ? NDR_REC_F_IPV6 : 0u, w->d.ts);
	for (uint32_t i = 0; i < 16u; i++) {
		out[DR(src_addr) + i] = w->d.src_addr[i];
		out[DR(dst_addr) + i] = w->d.dst_addr[i];
	}
	ndr_put16(out, DR(src_port), w->d.src_port);
	ndr_put16(out, DR(dst_port), w->d.dst_port);
	ndr_put16(out, DR(txid), f->txid);
	ndr_put16(out, DR(dns_flags), f->dns_flags);
	ndr_put16(out, DR(qdcount), f->qdcount);
	ndr_put16(out, DR(ancount), f->ancount);
	ndr_put16(out, DR(nscount), f->nscount);
	ndr_put16(out, DR(arcount), f->arcount);
	ndr_put16(out, DR(qtype), f->qtype);
	ndr_put16(out, DR(qclass), f->qclass);
	ndr_put16(out, DR(msg_len), f->msg_len);
	ndr_put16(out, DR(parse_flags), f->parse_flags | (w->d.tcp ? NDR_DNS_P_TCP : 0u));
	out[DR(qname_len)] = f->qname_len;
	out[DR(label_count)] = f->label_count;
	out[DR(longest_label)] = f->longest_label;
	out[DR(ip_proto)] = w->d.proto;
	ndr_put16(out, DR(qname_entropy), f->qname_entropy);
	ndr_put16(out, DR(label_entropy), f->label_entropy);
	out[DR(n_lower)] = f->n_lower;
	out[DR(n_upper)] = f->n_upper;
	out[DR(n_digit)] = f->n_digit;
	out[DR(n_hyphen)] = f->n_hyphen;
	out[DR(n_other)] = f->n_other;
	out[DR(ip_ttl)] = w->d.ttl;
	ndr_put16(out, DR(vlan_outer), w->d.vlan_outer);
	ndr_put16(out, DR(an_a), f->an_a);
	ndr_put16(out, DR(an_aaaa), f->an_aaaa);
	ndr_put16(out, DR(an_txt), f->an_txt);
	ndr_put16(out, DR(an_other), f->an_other);
	ndr_put16(out, DR(first_an_type), f->first_an_type);
	ndr_put16(out, DR(txt_len), f->txt_len);
	ndr_put16(out, DR(txt_entropy), f->txt_entropy);
	ndr_put32(out, DR(min_ttl), f->min_ttl);
	NDR_FOR_N(i, f->qname_len, NDR_DNS_NAME_MAX)
		out[DR(qname) + i] = (uint8_t)w->name[i];
	return slots;
}
