/*
 * dns_extract.c - DNS message features (docs/dataplane.md "DNS extractor").
 *
 * Two halves of the DNS path. Capture: the message bytes are kept, as the
 * beats go by, in a fixed NDR_DNS_MSG_MAX buffer (one beat per clock).
 * Walk: a complete message is parsed with bounded loops and one NDR_REC_DNS
 * record is written; dns_stage.c runs walks on engines fed by a FIFO. Nothing
 * is read outside the visible bytes; every compression pointer must point
 * backwards, so no walk can loop.
 *
 * Engine clocks of a walk (docs/microarchitecture.md "DNS"): 2 (header,
 * record) + 1 per step (label, pointer, skipped-name step, answer RR) +
 * 2 * ceil(histogram bytes / NDR_DNS_LANE_BYTES) (the lane histograms are
 * updated, then summed over the bins they touched).
 *
 * Spec choices (the golden model must make the same):
 * - Visible bytes = min(msg_len, NDR_DNS_MSG_MAX, bytes captured after the
 *   message start, L4 payload length from the IP/L4 headers minus the TCP
 *   length prefix). The last bound keeps Ethernet padding out of a message.
 *   UDP msg_len = UDP length - 8, or 0 when the UDP length is below 8.
 * - TCP: the segment qualifies when its L4 payload length (from the headers)
 *   is >= 2; if the 2-byte length prefix itself was not captured, the
 *   message counts as a DNS error without a record, like < 12 visible bytes.
 * - QNAME walk: a step is a label or a pointer; the terminating zero is not
 *   a step. A 129th step sets PTR_LOOP (128 steps of labels alone cannot
 *   happen within 255 wire bytes, so pointers are involved). At a pointer,
 *   "no more than 16" is checked after "target below the pointer's offset";
 *   both set PTR_LOOP. At a label, the 255-byte wire length check (which
 *   counts this label, its length byte and the terminating zero still to
 *   come) comes before the visibility check of the label's bytes.
 * - The question section continues after the first pointer of the QNAME
 *   (2 bytes) or after its terminating zero.
 * - A name skipped in a further question or an answer fails the same way
 *   (TRUNCATED, BAD_LABEL, LABEL_LONG); in the answer section such a failure
 *   also sets ANSWERS_CUT. A failed further question ends the parse (no
 *   answers are walked).
 * - An answer RR counts (types, min_ttl, TXT) only when its name, fixed part
 *   and RDATA are all visible.
 * - qdcount == 0: no question is read and answers start at offset 12.
 */
#include "ndr_hw.h"

#define DNS_HDR_LEN       12u
#define DNS_WIRE_NAME_MAX 255u
#define DNS_NAME_STEPS    128u
#define DNS_MAX_PTRS      16u
/* A question takes >= 5 bytes, so no more than this many fit in a message. */
#define DNS_MAX_QUESTIONS (NDR_DNS_MSG_MAX / 5u + 1u)

static uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

static uint8_t sat_inc8(uint8_t v)
{
	return v == 0xffu ? v : (uint8_t)(v + 1u);
}

void ndr_dns_start(struct ndr_dns *d, const struct ndr_pkt_meta *m)
{
	d->active = false;
	if (m->kind != NDR_PKT_IP || m->frag)
		return;
	if (m->proto != 17u && m->proto != 6u)
		return;
	if (m->src_port != 53u && m->dst_port != 53u)
		return;
	d->tcp = m->proto == 6u;
	d->pfx_have = 0;
	d->msg_have = 0;
	if (d->tcp) {
		if (m->payload_len < 2u)
			return;
		d->pfx_off = m->payload_off;
		d->msg_off = m->payload_off + 2u;
		d->msg_cap = ndr_hw_min32(m->payload_len - 2u, NDR_DNS_MSG_MAX);
	} else {
		uint32_t msg_len = m->udp_len >= 8u ? m->udp_len - 8u : 0u;
		d->pfx_off = 0;
		d->msg_off = m->payload_off;
		d->msg_cap = ndr_hw_min32(ndr_hw_min32(msg_len, m->payload_len), NDR_DNS_MSG_MAX);
	}
	d->active = true;
}

/* Beats arrive in order, so the message's bytes of a beat are one run that
 * continues where the last one stopped: a 64-byte shifted write. */
void ndr_dns_bytes(struct ndr_dns *d, const uint8_t *data, uint32_t off, uint32_t len)
{
	if (!d->active)
		return;
	if (len > NDR_BEAT_BYTES)
		len = NDR_BEAT_BYTES;
	uint32_t end = off + len;
	if (d->tcp && d->pfx_have < 2u) {
		for (uint32_t k = 0; k < 2u; k++) {
			uint32_t at = d->pfx_off + k;
			if (at >= off && at < end) {
				d->pfx[k] = data[at - off];
				d->pfx_have++;
			}
		}
	}
	uint32_t msg_end = d->msg_off + d->msg_cap;
	uint32_t from = off > d->msg_off ? off : d->msg_off;
	uint32_t to = end < msg_end ? end : msg_end;
	if (from >= to)
		return;
	uint8_t *dst = d->msg + (from - d->msg_off);
	const uint8_t *src = data + (from - off);
	uint32_t n = to - from;
	ndr_hw_copy(dst, src, n);
	d->msg_have = to - d->msg_off;
}

bool ndr_dns_close(const struct ndr_dns *d, const struct ndr_pkt_meta *m, uint64_t t,
		   struct ndr_dns_desc *desc)
{
	uint32_t msg_len;
	if (d->tcp) {
		if (d->pfx_have < 2u)
			return false;
		msg_len = ndr_hw_be16(d->pfx);
	} else {
		msg_len = m->udp_len >= 8u ? m->udp_len - 8u : 0u;
	}
	uint32_t vis = ndr_hw_min32(d->msg_have, msg_len);
	if (vis < DNS_HDR_LEN)
		return false;
	desc->ts = t;
	for (uint32_t i = 0; i < 16u; i++) {
		desc->src_addr[i] = m->src_addr[i];
		desc->dst_addr[i] = m->dst_addr[i];
	}
	desc->src_port = m->src_port;
	desc->dst_port = m->dst_port;
	desc->vlan_outer = m->vlan_outer;
	desc->proto = m->proto;
	desc->ttl = m->ttl;
	desc->ipv6 = m->ipv6;
	desc->tcp = d->tcp;
	desc->msg_len = msg_len;
	desc->vis = vis;
	return true;
}

/* The result of skipping one name that is not the QNAME. */
static bool skip_name(struct ndr_dns_walker *wk, const uint8_t *msg, uint32_t vis,
		      uint32_t *pos, uint16_t *flags)
{
	uint32_t p = *pos, wire = 0;
	for (uint32_t iter = 0; iter <= DNS_NAME_STEPS; iter++) {
		wk->steps++;
		if (p >= vis) {
			*flags |= NDR_DNS_P_TRUNCATED;
			return false;
		}
		uint8_t b = msg[p];
		if (b == 0u) {
			*pos = p + 1u;
			return true;
		}
		if ((b & 0xc0u) == 0xc0u) {
			if (p + 1u >= vis) {
				*flags |= NDR_DNS_P_TRUNCATED;
				return false;
			}
			*pos = p + 2u;
			return true;
		}
		if (b & 0xc0u) {
			*flags |= NDR_DNS_P_BAD_LABEL;
			return false;
		}
		if (wire + 1u + b + 1u > DNS_WIRE_NAME_MAX) {
			*flags |= NDR_DNS_P_LABEL_LONG;
			return false;
		}
		if (p + 1u + b > vis) {
			*flags |= NDR_DNS_P_TRUNCATED;
			return false;
		}
		wire += 1u + b;
		p += 1u + b;
	}
	*flags |= NDR_DNS_P_PTR_LOOP;   /* unreachable within 255 wire bytes */
	return false;
}

/* Walk the QNAME at offset 12: features into rec, text into name. Returns
 * true when the name ended normally, with *end just past it. */
static bool walk_qname(struct ndr_dns_walker *wk, const uint8_t *msg, uint32_t vis,
		       struct ndr_dns_rec *rec, uint32_t *end)
{
	uint32_t pos = DNS_HDR_LEN, wire = 0, steps = 0, ptrs = 0, text = 0;
	uint32_t longest_at = 0;
	uint32_t n_lower = 0, n_upper = 0, n_digit = 0, n_hyphen = 0, n_other = 0;
	bool jumped = false, ok = false;
	struct ndr_entropy_acc *acc = &wk->acc;
	char *name = wk->name;

	for (uint32_t iter = 0; iter <= DNS_NAME_STEPS; iter++) {
		if (pos >= vis) {
			rec->parse_flags |= NDR_DNS_P_TRUNCATED;
			break;
		}
		uint8_t b = msg[pos];
		if (b == 0u) {
			if (!jumped)
				*end = pos + 1u;
			ok = true;
			break;
		}
		if (steps == DNS_NAME_STEPS) {
			rec->parse_flags |= NDR_DNS_P_PTR_LOOP;
			break;
		}
		steps++;
		wk->steps++;
		if ((b & 0xc0u) == 0xc0u) {
			if (pos + 1u >= vis) {
				rec->parse_flags |= NDR_DNS_P_TRUNCATED;
				break;
			}
			uint32_t target = (uint32_t)(b & 0x3fu) << 8 | msg[pos + 1u];
			if (target >= pos || ptrs == DNS_MAX_PTRS) {
				rec->parse_flags |= NDR_DNS_P_PTR_LOOP;
				break;
			}
			ptrs++;
			if (!jumped)
				*end = pos + 2u;
			jumped = true;
			pos = target;
			continue;
		}
		if (b & 0xc0u) {
			rec->parse_flags |= NDR_DNS_P_BAD_LABEL;
			break;
		}
		if (wire + 1u + b + 1u > DNS_WIRE_NAME_MAX) {
			rec->parse_flags |= NDR_DNS_P_LABEL_LONG;
			break;
		}
		if (pos + 1u + b > vis) {
			rec->parse_flags |= NDR_DNS_P_TRUNCATED;
			break;
		}

		/* A label of b bytes at pos + 1. */
		rec->label_count = sat_inc8(rec->label_count);
		if (b > rec->longest_label) {
			rec->longest_label = b;
			longest_at = pos + 1u;
		}
		if (text > 0u) {
			if (text < NDR_DNS_NAME_MAX)
				name[text] = '.';
			text++;
		}
		for (uint32_t i = 0; i < 63u; i++) {
			if (i >= b)
				break;
			uint8_t c = msg[pos + 1u + i];
			/* one class per byte, counted without branches; the
			 * saturation at 255 is applied once, at the end */
			uint32_t is_l = (uint8_t)(c - 'a') < 26u;
			uint32_t is_u = (uint8_t)(c - 'A') < 26u;
			uint32_t is_d = (uint8_t)(c - '0') < 10u;
			uint32_t is_h = c == '-';
			n_lower += is_l;
			n_upper += is_u;
			n_digit += is_d;
			n_hyphen += is_h;
			n_other += 1u - (is_l | is_u | is_d | is_h);
			uint8_t lc = (uint8_t)(c + (is_u << 5));
			/* text stays below 255 (the wire length bounds labels
			 * and dots), inside name[], and the histogram below
			 * 1024: no checks per byte; the cut at 253 is made
			 * once, after the walk */
			name[text] = (char)lc;
			text++;
			ndr_entropy_add_below_max(acc, lc);
		}
		wk->hist_bytes += b;
		wire += 1u + b;
		pos += 1u + b;
	}

	rec->n_lower = (uint8_t)ndr_hw_min32(n_lower, 0xffu);
	rec->n_upper = (uint8_t)ndr_hw_min32(n_upper, 0xffu);
	rec->n_digit = (uint8_t)ndr_hw_min32(n_digit, 0xffu);
	rec->n_hyphen = (uint8_t)ndr_hw_min32(n_hyphen, 0xffu);
	rec->n_other = (uint8_t)ndr_hw_min32(n_other, 0xffu);
	if (text > NDR_DNS_NAME_MAX) {
		rec->parse_flags |= NDR_DNS_P_NAME_CUT;
		text = NDR_DNS_NAME_MAX;
	}
	rec->qname_len = (uint8_t)text;
	rec->qname_entropy = ndr_entropy_q12(acc);
	ndr_entropy_reset(acc);
	for (uint32_t i = 0; i < 63u; i++) {
		if (i >= rec->longest_label)
			break;
		ndr_entropy_add(acc, lower(msg[longest_at + i]));
	}
	wk->hist_bytes += rec->longest_label;
	rec->label_entropy = ndr_entropy_q12(acc);
	ndr_entropy_reset(acc);
	return ok;
}

static void walk_answers(struct ndr_dns_walker *wk, const uint8_t *msg, uint32_t vis,
			 uint32_t pos, struct ndr_dns_rec *rec)
{
	struct ndr_entropy_acc *acc = &wk->acc;
	uint32_t n = rec->ancount;
	if (n > NDR_DNS_MAX_ANSWERS) {
		rec->parse_flags |= NDR_DNS_P_ANSWERS_CUT;
		n = NDR_DNS_MAX_ANSWERS;
	}
	uint32_t txt_len = 0;
	for (uint32_t i = 0; i < NDR_DNS_MAX_ANSWERS; i++) {
		if (i >= n)
			break;
		wk->steps++;
		if (!skip_name(wk, msg, vis, &pos, &rec->parse_flags)) {
			rec->parse_flags |= NDR_DNS_P_ANSWERS_CUT;
			break;
		}
		if (pos + 10u > vis) {
			rec->parse_flags |= NDR_DNS_P_ANSWERS_CUT | NDR_DNS_P_TRUNCATED;
			break;
		}
		uint16_t type = ndr_hw_be16(msg + pos);
		uint32_t ttl = ndr_hw_be32(msg + pos + 4u);
		uint32_t rdlen = ndr_hw_be16(msg + pos + 8u);
		uint32_t rdata = pos + 10u;
		if (rdata + rdlen > vis) {
			rec->parse_flags |= NDR_DNS_P_ANSWERS_CUT | NDR_DNS_P_TRUNCATED;
			break;
		}
		if (type == 1u)
			rec->an_a++;
		else if (type == 28u)
			rec->an_aaaa++;
		else if (type == 16u)
			rec->an_txt++;
		else
			rec->an_other++;
		if (i == 0u)
			rec->first_an_type = type;
		if (ttl < rec->min_ttl)
			rec->min_ttl = ttl;
		if (type == 16u || type == 10u) {
			txt_len += rdlen;
			uint32_t room = NDR_TXT_ENTROPY_MAX - acc->n;
			uint32_t take = rdlen < room ? rdlen : room;
			for (uint32_t k = 0; k < NDR_TXT_ENTROPY_MAX; k++) {
				if (k >= take)
					break;
				ndr_entropy_add_below_max(acc, msg[rdata + k]);
			}
			wk->hist_bytes += take;
		}
		pos = rdata + rdlen;
	}
	rec->txt_len = (uint16_t)ndr_hw_min32(txt_len, 0xffffu);
	rec->txt_entropy = ndr_entropy_q12(acc);
	if (acc->n)
		ndr_entropy_reset(acc);
}

void ndr_dns_parse(struct ndr_dns_walker *wk, const uint8_t *msg, uint32_t vis,
		   uint32_t msg_len, struct ndr_dns_rec *rec)
{
	wk->steps = 0;
	wk->hist_bytes = 0;
	rec->msg_len = (uint16_t)ndr_hw_min32(msg_len, 0xffffu);
	rec->min_ttl = 0xffffffffu;
	if (vis < msg_len)
		rec->parse_flags |= NDR_DNS_P_TRUNCATED;
	rec->txid = ndr_hw_be16(msg);
	rec->dns_flags = ndr_hw_be16(msg + 2);
	rec->qdcount = ndr_hw_be16(msg + 4);
	rec->ancount = ndr_hw_be16(msg + 6);
	rec->nscount = ndr_hw_be16(msg + 8);
	rec->arcount = ndr_hw_be16(msg + 10);

	uint32_t pos = DNS_HDR_LEN;
	if (rec->qdcount == 0u) {
		rec->parse_flags |= NDR_DNS_P_NO_QUESTION;
	} else {
		if (!walk_qname(wk, msg, vis, rec, &pos))
			return;
		if (pos + 4u > vis) {
			rec->parse_flags |= NDR_DNS_P_TRUNCATED;
			return;
		}
		rec->qtype = ndr_hw_be16(msg + pos);
		rec->qclass = ndr_hw_be16(msg + pos + 2u);
		pos += 4u;
		for (uint32_t q = 1; q < DNS_MAX_QUESTIONS; q++) {
			if (q >= rec->qdcount)
				break;
			if (!skip_name(wk, msg, vis, &pos, &rec->parse_flags))
				return;
			if (pos + 4u > vis) {
				rec->parse_flags |= NDR_DNS_P_TRUNCATED;
				return;
			}
			pos += 4u;
		}
	}
	walk_answers(wk, msg, vis, pos, rec);
}

struct ndr_dns_result ndr_dns_walk(struct ndr_dns_walker *wk, const struct ndr_dns_desc *desc,
				   const uint8_t *msg, struct ndr_rw *w)
{
	struct ndr_dns_rec rec = {0};
	ndr_dns_parse(wk, msg, desc->vis, desc->msg_len, &rec);
	if (desc->tcp)
		rec.parse_flags |= NDR_DNS_P_TCP;
	rec.hdr.type = NDR_REC_DNS;
	rec.hdr.slots = (uint8_t)ndr_dns_rec_slots(rec.qname_len);
	rec.hdr.version = NDR_ABI_VERSION;
	rec.hdr.flags = desc->ipv6 ? NDR_REC_F_IPV6 : 0u;
	rec.hdr.ts_ns = desc->ts;
	for (uint32_t i = 0; i < 16u; i++) {
		rec.src_addr[i] = desc->src_addr[i];
		rec.dst_addr[i] = desc->dst_addr[i];
	}
	rec.src_port = desc->src_port;
	rec.dst_port = desc->dst_port;
	rec.ip_proto = desc->proto;
	rec.ip_ttl = desc->ttl;
	rec.vlan_outer = desc->vlan_outer;
	ndr_rw_write(w, (const uint8_t *)&rec, sizeof(rec), (const uint8_t *)wk->name,
		     rec.qname_len);

	struct ndr_dns_result res;
	res.have_record = true;
	res.parse_flags = rec.parse_flags;
	uint32_t lanes = (wk->hist_bytes + NDR_DNS_LANE_BYTES - 1u) / NDR_DNS_LANE_BYTES;
	res.cycles = 2u + wk->steps + 2u * lanes;
	return res;
}
