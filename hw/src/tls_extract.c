/*
 * tls_extract.c - TLS ClientHello features (docs/dataplane.md "TLS
 * ClientHello extractor").
 *
 * Capture: the first NDR_TLS_VIEW bytes of a TCP segment's payload are kept
 * as the beats go by (one beat per clock, a shifted write as for DNS).
 * Walk: at the end of the packet the kept bytes are checked for the
 * ClientHello signature and walked with bounded loops; one NDR_REC_TLS
 * record is written. No reassembly and no flow state: what the segment
 * shows is all there is.
 *
 * The walk is a cursor over the buffer. Every read goes through cursor_take,
 * which applies the spec's two bounds in order: the container's declared
 * end (a length that runs past it is MALFORMED) and the visible limit L
 * (bytes not seen: the walk just stops). Once stopped, every later take
 * fails, so the steps after a stop need no checks of their own.
 *
 * Walk clocks (docs/microarchitecture.md "TLS"): 6 for the fixed part
 * (signature, versions and lengths, session id, cipher suites, compression,
 * extensions length), then 1 per extension header and 2 more for a
 * server_name or ALPN extension that is parsed.
 */
#include "ndr_hw.h"

#define TLS_HDR_BYTES    9u      /* record header 5 + handshake header 4 */
#define TLS_RANDOM_BYTES 32u

struct cursor {
	const uint8_t *buf;
	uint32_t pos;
	uint32_t lim;               /* L = min(E, R, V) */
	bool     stop;
	uint16_t flags;
};

/* Claim n bytes at the cursor inside `bound`; true when they may be read
 * at *at. */
static bool cursor_take(struct cursor *c, uint32_t n, uint32_t bound, uint32_t *at)
{
	if (c->stop)
		return false;
	uint64_t end = (uint64_t)c->pos + n;
	if (end > bound) {
		c->flags |= NDR_TLS_F_MALFORMED;
		c->stop = true;
		return false;
	}
	if (end > c->lim) {
		c->stop = true;
		return false;
	}
	*at = c->pos;
	c->pos = (uint32_t)end;
	return true;
}

/* A length-prefixed vector: its length (1 or 2 bytes), then skip it. */
static bool cursor_vector(struct cursor *c, uint32_t len_bytes, uint32_t bound, uint32_t *len)
{
	uint32_t at;
	if (!cursor_take(c, len_bytes, bound, &at))
		return false;
	*len = len_bytes == 1u ? c->buf[at] : ndr_hw_be16(c->buf + at);
	return true;
}

static void take_server_name(struct cursor *c, uint32_t end, struct ndr_tls_rec *rec)
{
	uint32_t at, list, m;
	if (!cursor_vector(c, 2u, end, &list) || list < 3u)
		return;
	uint32_t type;
	if (!cursor_vector(c, 1u, end, &type) || !cursor_vector(c, 2u, end, &m))
		return;
	/* Spec: only a host_name (type 0) entry, the list's first. */
	if (type != 0u)
		return;
	if (!cursor_take(c, m, end, &at))
		return;
	uint32_t keep = ndr_hw_min32(m, NDR_TLS_SNI_MAX);
	for (uint32_t i = 0; i < NDR_TLS_SNI_MAX; i++) {
		if (i >= keep)
			break;
		uint8_t ch = c->buf[at + i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (uint8_t)(ch + ('a' - 'A'));
		rec->sni[i] = (char)ch;
	}
	rec->sni_len = (uint16_t)m;
	rec->tls_flags |= NDR_TLS_F_SNI;
	if (m > NDR_TLS_SNI_MAX)
		rec->tls_flags |= NDR_TLS_F_SNI_CUT;
}

static void take_alpn(struct cursor *c, uint32_t end, struct ndr_tls_rec *rec)
{
	uint32_t at, list, a;
	if (!cursor_vector(c, 2u, end, &list) || list < 1u)
		return;
	if (!cursor_vector(c, 1u, end, &a))
		return;
	if (!cursor_take(c, a, end, &at))
		return;
	uint32_t keep = ndr_hw_min32(a, NDR_TLS_ALPN_MAX);
	for (uint32_t i = 0; i < NDR_TLS_ALPN_MAX; i++) {
		if (i >= keep)
			break;
		rec->alpn[i] = c->buf[at + i];
	}
	rec->alpn_len = (uint8_t)a;
	rec->tls_flags |= NDR_TLS_F_ALPN;
}

bool ndr_tls_parse(const uint8_t *buf, uint32_t vis, struct ndr_tls_rec *rec, uint32_t *cycles)
{
	*cycles = 0;
	if (vis < TLS_HDR_BYTES || buf[0] != 22u || buf[1] != 3u || buf[5] != 1u)
		return false;

	rec->record_version = (uint16_t)ndr_hw_be16(buf + 1);
	rec->record_len = (uint16_t)ndr_hw_be16(buf + 3);
	rec->hello_len = (uint32_t)buf[6] << 16 | (uint32_t)buf[7] << 8 | buf[8];
	uint32_t hello_end = TLS_HDR_BYTES + rec->hello_len;
	uint32_t rec_end = 5u + rec->record_len;

	struct cursor c;
	c.buf = buf;
	c.pos = TLS_HDR_BYTES;
	c.lim = ndr_hw_min32(ndr_hw_min32(hello_end, rec_end), vis);
	c.stop = false;
	c.flags = 0;
	if (c.lim < hello_end)
		c.flags |= NDR_TLS_F_TRUNCATED;
	if (rec->record_len < 4u)
		c.flags |= NDR_TLS_F_MALFORMED;
	*cycles = 6u;

	uint32_t at, len;
	if (cursor_take(&c, 2u, hello_end, &at))
		rec->hello_version = (uint16_t)ndr_hw_be16(buf + at);
	cursor_take(&c, TLS_RANDOM_BYTES, hello_end, &at);
	if (cursor_vector(&c, 1u, hello_end, &len))
		cursor_take(&c, len, hello_end, &at);
	if (cursor_vector(&c, 2u, hello_end, &len)) {
		rec->n_ciphers = (uint16_t)(len >> 1);
		cursor_take(&c, len, hello_end, &at);
	}
	if (cursor_vector(&c, 1u, hello_end, &len))
		cursor_take(&c, len, hello_end, &at);

	uint32_t ext_end = 0;
	bool walk = false;
	if (!c.stop && c.pos != hello_end && cursor_vector(&c, 2u, hello_end, &len)) {
		ext_end = c.pos + len;
		if (ext_end > hello_end)
			c.flags |= NDR_TLS_F_MALFORMED;
		else
			walk = true;
	}

	bool sni_done = false, alpn_done = false;
	for (uint32_t k = 0; k <= NDR_TLS_MAX_EXT; k++) {
		if (!walk || c.stop || c.pos >= ext_end)
			break;
		if (k == NDR_TLS_MAX_EXT) {
			c.flags |= NDR_TLS_F_EXT_CUT;
			break;
		}
		if (!cursor_take(&c, 4u, ext_end, &at))
			break;
		uint32_t type = ndr_hw_be16(buf + at);
		uint32_t data_end = c.pos + ndr_hw_be16(buf + at + 2u);
		rec->n_extensions++;
		(*cycles)++;
		if (data_end > ext_end) {
			c.flags |= NDR_TLS_F_MALFORMED;
			break;
		}
		if (type == 0u && !sni_done) {
			sni_done = true;
			*cycles += 2u;
			take_server_name(&c, data_end, rec);
		} else if (type == 16u && !alpn_done) {
			alpn_done = true;
			*cycles += 2u;
			take_alpn(&c, data_end, rec);
		}
		if (c.stop)
			break;
		c.pos = data_end;
	}
	rec->tls_flags |= c.flags;
	return true;
}

void ndr_tls_start(struct ndr_tls *t, const struct ndr_pkt_meta *m)
{
	t->active = m->kind == NDR_PKT_IP && !m->frag && m->proto == 6u && m->payload_len > 0u;
	t->off = m->payload_off;
	t->cap = ndr_hw_min32(m->payload_len, NDR_TLS_VIEW);
	t->have = 0;
}

void ndr_tls_bytes(struct ndr_tls *t, const uint8_t *data, uint32_t off, uint32_t len)
{
	if (!t->active)
		return;
	if (len > NDR_BEAT_BYTES)
		len = NDR_BEAT_BYTES;
	uint32_t from = off > t->off ? off : t->off;
	uint32_t to = ndr_hw_min32(off + len, t->off + t->cap);
	if (from >= to)
		return;
	ndr_hw_copy(t->buf + (from - t->off), data + (from - off), to - from);
	t->have = to - t->off;
	/* Only a handshake record (content type 22) can be a ClientHello: one
	 * compare on the first payload byte stops the capture of everything else
	 * (ndr_tls_parse would reject it anyway), sparing the buffer writes. */
	if (t->buf[0] != 22u)
		t->active = false;
}

bool ndr_tls_close(struct ndr_tls *t, const struct ndr_pkt_meta *m, uint64_t ts,
		   uint64_t now, struct ndr_walk_sched *q, struct ndr_rw *w)
{
	struct ndr_tls_rec rec;
	uint32_t cycles;
	if (!t->active)
		return false;
	ndr_hw_zero((uint8_t *)&rec, sizeof(rec));
	if (!ndr_tls_parse(t->buf, t->have, &rec, &cycles))
		return false;
	if (!ndr_walk_sched_admit(q, now))
		return false;
	ndr_walk_sched_run(q, now, cycles);
	rec.hdr.type = NDR_REC_TLS;
	rec.hdr.slots = 3;
	rec.hdr.version = NDR_ABI_VERSION;
	rec.hdr.flags = m->ipv6 ? NDR_REC_F_IPV6 : 0u;
	rec.hdr.ts_ns = ts;
	for (uint32_t i = 0; i < 16u; i++) {
		rec.src_addr[i] = m->src_addr[i];
		rec.dst_addr[i] = m->dst_addr[i];
	}
	rec.src_port = m->src_port;
	rec.dst_port = m->dst_port;
	rec.vlan_outer = m->vlan_outer;
	rec.vlan_inner = m->vlan_inner;
	rec.ip_proto = m->proto;
	rec.ip_ttl = m->ttl;
	rec.payload_len = m->payload_len > 0xffffu ? 0xffffu : (uint16_t)m->payload_len;
	t->hellos++;
	if (rec.tls_flags & (NDR_TLS_F_MALFORMED | NDR_TLS_F_TRUNCATED))
		t->errors++;
	t->walk_cycles += cycles;
	ndr_rw_write(w, (const uint8_t *)&rec, sizeof(rec), 0, 0);
	return true;
}
