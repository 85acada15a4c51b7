/*
 * tls_walk.c - a TLS ClientHello walk engine, a bounded step a clock
 * (ndr_hw_tls.h; the values: docs/dataplane.md "TLS ClientHello
 * extractor").
 *
 * The walk is a cursor over the payload. Every read goes through
 * cursor_take, which applies the spec's two bounds in order: the
 * container's declared end (a length that runs past it is MALFORMED) and
 * the visible limit L (bytes not seen: the walk just stops). Once stopped,
 * every later take fails, so the steps after a stop need no checks.
 *
 * Clocks: one for the signature and headers, one each for legacy_version
 * and random, session id, cipher suites, compression methods and the
 * extensions length; one per extension header; server_name one for its
 * list, type and length and one per 8 bytes of the host name; ALPN one.
 */
#include "ndr_hw.h"

#define TLS_HDR_BYTES    9u      /* record header 5 + handshake header 4 */
#define TLS_RANDOM_BYTES 32u

static bool tls_ok(const struct ndr_pkt_meta *m)
{
	return m->kind == NDR_PKT_IP && !m->frag && m->proto == 6u && m->payload_len > 0u;
}

bool ndr_tls_where(const struct ndr_pkt_meta *m, uint32_t *off, uint32_t *cap)
{
	*off = m->payload_off;
	*cap = ndr_hw_min32(m->payload_len, NDR_TLS_VIEW);
	return tls_ok(m);
}

void ndr_tls_desc(const struct ndr_pkt_meta *m, uint64_t ts, uint32_t caplen,
		  struct ndr_tls_desc *d)
{
	uint32_t off, cap;
	ndr_tls_where(m, &off, &cap);
	d->ts = ts;
	for (uint32_t i = 0; i < 16u; i++) {
		d->src_addr[i] = m->src_addr[i];
		d->dst_addr[i] = m->dst_addr[i];
	}
	d->src_port = m->src_port;
	d->dst_port = m->dst_port;
	d->vlan_outer = m->vlan_outer;
	d->vlan_inner = m->vlan_inner;
	d->ttl = m->ttl;
	d->ipv6 = m->ipv6;
	d->payload_len = m->payload_len;
	d->vis = caplen > off ? ndr_hw_min32(caplen - off, cap) : 0u;
	d->base = off;
}

void ndr_tls_walk_start(struct ndr_tls_walk *w, const struct ndr_tls_desc *d)
{
	w->st = NDR_TLS_W_SIG;
	w->d = *d;
	w->clocks = 0;
	w->pos = 0;
	w->lim = 0;
	w->stop = false;
	w->cflags = 0;
	w->hello_end = 0;
	w->ext_end = 0;
	w->data_end = 0;
	w->k = 0;
	w->walk_ext = false;
	w->sni_done = false;
	w->alpn_done = false;
	w->copy_at = 0;
	w->copy_left = 0;
	w->copy_to = 0;
	w->tls_flags = 0;
	w->record_version = 0;
	w->hello_version = 0;
	w->record_len = 0;
	w->sni_len = 0;
	w->n_ciphers = 0;
	w->n_extensions = 0;
	w->hello_len = 0;
	w->alpn_len = 0;
	for (uint32_t i = 0; i < NDR_TLS_ALPN_MAX; i++)
		w->alpn[i] = 0;
	for (uint32_t i = 0; i < NDR_TLS_SNI_MAX; i++)
		w->sni[i] = 0;
}

static uint8_t tls_at(const struct ndr_tls_walk *w, const uint8_t *buf, uint32_t i)
{
	return buf[w->d.base + i];
}

static uint16_t tls_at16(const struct ndr_tls_walk *w, const uint8_t *buf, uint32_t i)
{
	return (uint16_t)(tls_at(w, buf, i) << 8 | tls_at(w, buf, i + 1u));
}

/* Claim n bytes at the cursor inside bound; true when they may be read
 * at *a. */
static bool tls_take(struct ndr_tls_walk *w, uint32_t n, uint32_t bound, uint32_t *a)
{
	if (w->stop)
		return false;
	uint64_t end = (uint64_t)w->pos + n;
	if (end > bound) {
		w->cflags |= NDR_TLS_F_MALFORMED;
		w->stop = true;
		return false;
	}
	if (end > w->lim) {
		w->stop = true;
		return false;
	}
	*a = w->pos;
	w->pos = (uint32_t)end;
	return true;
}

/* A length-prefixed vector's length (1 or 2 bytes). */
static bool tls_vec(struct ndr_tls_walk *w, const uint8_t *buf, uint32_t len_bytes, uint32_t bound,
		uint32_t *len)
{
	uint32_t a;
	if (!tls_take(w, len_bytes, bound, &a))
		return false;
	*len = len_bytes == 1u ? tls_at(w, buf, a) : tls_at16(w, buf, a);
	return true;
}

static void tls_signature(struct ndr_tls_walk *w, const uint8_t *buf)
{
	uint32_t vis = w->d.vis;
	if (vis < TLS_HDR_BYTES || tls_at(w, buf, 0) != 22u || tls_at(w, buf, 1) != 3u ||
	    tls_at(w, buf, 5) != 1u) {
		w->st = NDR_TLS_W_NONE;
		return;
	}
	w->record_version = tls_at16(w, buf, 1);
	w->record_len = tls_at16(w, buf, 3);
	w->hello_len = (uint32_t)tls_at(w, buf, 6) << 16 | (uint32_t)tls_at(w, buf, 7) << 8 | tls_at(w, buf, 8);
	w->hello_end = TLS_HDR_BYTES + w->hello_len;
	uint32_t rec_end = 5u + w->record_len;
	w->pos = TLS_HDR_BYTES;
	w->lim = ndr_hw_min32(ndr_hw_min32(w->hello_end, rec_end), vis);
	if (w->lim < w->hello_end)
		w->cflags |= NDR_TLS_F_TRUNCATED;
	if (w->record_len < 4u)
		w->cflags |= NDR_TLS_F_MALFORMED;
	w->st = NDR_TLS_W_VER;
}

/* After an extension's data (or its parse stopped): the next one. */
static void tls_ext_after(struct ndr_tls_walk *w)
{
	if (w->stop) {
		w->st = NDR_TLS_W_DONE;
		return;
	}
	w->pos = w->data_end;
	w->st = NDR_TLS_W_EXT;
}

static void tls_extension(struct ndr_tls_walk *w, const uint8_t *buf)
{
	uint32_t a;
	if (!w->walk_ext || w->stop || w->pos >= w->ext_end) {
		w->st = NDR_TLS_W_DONE;
		return;
	}
	if (w->k == NDR_TLS_MAX_EXT) {
		w->cflags |= NDR_TLS_F_EXT_CUT;
		w->st = NDR_TLS_W_DONE;
		return;
	}
	w->k++;
	if (!tls_take(w, 4u, w->ext_end, &a)) {
		w->st = NDR_TLS_W_DONE;
		return;
	}
	uint32_t type = tls_at16(w, buf, a);
	w->data_end = w->pos + tls_at16(w, buf, a + 2u);
	w->n_extensions++;
	if (w->data_end > w->ext_end) {
		w->cflags |= NDR_TLS_F_MALFORMED;
		w->st = NDR_TLS_W_DONE;
		return;
	}
	if (type == 0u && !w->sni_done) {
		w->sni_done = true;
		w->st = NDR_TLS_W_SNI;
	} else if (type == 16u && !w->alpn_done) {
		w->alpn_done = true;
		w->st = NDR_TLS_W_ALPN;
	} else {
		tls_ext_after(w);
	}
}

/* Only a host_name (type 0) entry, the list's first. */
static void tls_server_name(struct ndr_tls_walk *w, const uint8_t *buf)
{
	uint32_t a, list, type, m;
	uint32_t end = w->data_end;
	if (!tls_vec(w, buf, 2u, end, &list) || list < 3u || !tls_vec(w, buf, 1u, end, &type) ||
	    !tls_vec(w, buf, 2u, end, &m) || type != 0u || !tls_take(w, m, end, &a)) {
		tls_ext_after(w);
		return;
	}
	w->copy_at = a;
	w->copy_left = ndr_hw_min32(m, NDR_TLS_SNI_MAX);
	w->copy_to = 0;
	w->sni_len = (uint16_t)m;
	w->tls_flags |= NDR_TLS_F_SNI;
	if (m > NDR_TLS_SNI_MAX)
		w->tls_flags |= NDR_TLS_F_SNI_CUT;
	w->st = w->copy_left ? NDR_TLS_W_SNICOPY : NDR_TLS_W_EXT;
	if (!w->copy_left)
		tls_ext_after(w);
}

static void tls_sni_copy(struct ndr_tls_walk *w, const uint8_t *buf)
{
	uint32_t n = ndr_hw_min32(w->copy_left, 8u);
	for (uint32_t i = 0; i < 8u; i++) {
		if (i < n) {
			uint8_t ch = tls_at(w, buf, w->copy_at + i);
			if (ch >= 'A' && ch <= 'Z')
				ch = (uint8_t)(ch + ('a' - 'A'));
			w->sni[(w->copy_to + i) & (NDR_TLS_SNI_MAX - 1u)] = ch;
		}
	}
	w->copy_at += n;
	w->copy_to += n;
	w->copy_left -= n;
	if (!w->copy_left)
		tls_ext_after(w);
}

static void tls_alpn(struct ndr_tls_walk *w, const uint8_t *buf)
{
	uint32_t a, list, n;
	uint32_t end = w->data_end;
	if (tls_vec(w, buf, 2u, end, &list) && list >= 1u && tls_vec(w, buf, 1u, end, &n) &&
	    tls_take(w, n, end, &a)) {
		uint32_t keep = ndr_hw_min32(n, NDR_TLS_ALPN_MAX);
		for (uint32_t i = 0; i < NDR_TLS_ALPN_MAX; i++) {
			if (i < keep)
				w->alpn[i] = tls_at(w, buf, a + i);
		}
		w->alpn_len = (uint8_t)n;
		w->tls_flags |= NDR_TLS_F_ALPN;
	}
	tls_ext_after(w);
}

bool ndr_tls_walk_step(struct ndr_tls_walk *w, const uint8_t *buf)
{
	uint32_t a, len;
	if (w->st == NDR_TLS_W_IDLE || w->st == NDR_TLS_W_DONE || w->st == NDR_TLS_W_NONE)
		return w->st != NDR_TLS_W_IDLE;
	w->clocks++;
	switch (w->st) {
	case NDR_TLS_W_SIG:
		tls_signature(w, buf);
		break;
	case NDR_TLS_W_VER:
		if (tls_take(w, 2u, w->hello_end, &a))
			w->hello_version = tls_at16(w, buf, a);
		tls_take(w, TLS_RANDOM_BYTES, w->hello_end, &a);
		w->st = NDR_TLS_W_SID;
		break;
	case NDR_TLS_W_SID:
		if (tls_vec(w, buf, 1u, w->hello_end, &len))
			tls_take(w, len, w->hello_end, &a);
		w->st = NDR_TLS_W_CS;
		break;
	case NDR_TLS_W_CS:
		if (tls_vec(w, buf, 2u, w->hello_end, &len)) {
			w->n_ciphers = (uint16_t)(len >> 1);
			tls_take(w, len, w->hello_end, &a);
		}
		w->st = NDR_TLS_W_CM;
		break;
	case NDR_TLS_W_CM:
		if (tls_vec(w, buf, 1u, w->hello_end, &len))
			tls_take(w, len, w->hello_end, &a);
		w->st = NDR_TLS_W_EXTLEN;
		break;
	case NDR_TLS_W_EXTLEN:
		w->walk_ext = false;
		if (!w->stop && w->pos != w->hello_end && tls_vec(w, buf, 2u, w->hello_end, &len)) {
			w->ext_end = w->pos + len;
			if (w->ext_end > w->hello_end)
				w->cflags |= NDR_TLS_F_MALFORMED;
			else
				w->walk_ext = true;
		}
		w->st = w->walk_ext ? NDR_TLS_W_EXT : NDR_TLS_W_DONE;
		break;
	case NDR_TLS_W_EXT:
		tls_extension(w, buf);
		break;
	case NDR_TLS_W_SNI:
		tls_server_name(w, buf);
		break;
	case NDR_TLS_W_SNICOPY:
		tls_sni_copy(w, buf);
		break;
	case NDR_TLS_W_ALPN:
		tls_alpn(w, buf);
		break;
	default:
		w->st = NDR_TLS_W_DONE;
		break;
	}
	if (w->st == NDR_TLS_W_DONE)
		w->tls_flags |= w->cflags;
	return w->st == NDR_TLS_W_DONE || w->st == NDR_TLS_W_NONE;
}

bool ndr_tls_walk_error(const struct ndr_tls_walk *w)
{
	return w->tls_flags & (NDR_TLS_F_MALFORMED | NDR_TLS_F_TRUNCATED);
}

#define TR(f) NDR_OFF(ndr_tls_rec, f)

uint32_t ndr_tls_walk_record(const struct ndr_tls_walk *w, uint8_t out[NDR_TLS_REC_BYTES])
{
	ndr_hw_zero(out, NDR_TLS_REC_BYTES);
	out[0] = NDR_REC_TLS;
	out[1] = 3;
	out[2] = (uint8_t)NDR_ABI_VERSION;
	out[3] = w->d.ipv6 ? NDR_REC_F_IPV6 : 0u;
	ndr_put64(out, 8, w->d.ts);
	for (uint32_t i = 0; i < 16u; i++) {
		out[TR(src_addr) + i] = w->d.src_addr[i];
		out[TR(dst_addr) + i] = w->d.dst_addr[i];
	}
	ndr_put16(out, TR(src_port), w->d.src_port);
	ndr_put16(out, TR(dst_port), w->d.dst_port);
	ndr_put16(out, TR(vlan_outer), w->d.vlan_outer);
	ndr_put16(out, TR(vlan_inner), w->d.vlan_inner);
	out[TR(ip_proto)] = 6u;
	out[TR(ip_ttl)] = w->d.ttl;
	ndr_put16(out, TR(tls_flags), w->tls_flags);
	ndr_put16(out, TR(record_version), w->record_version);
	ndr_put16(out, TR(hello_version), w->hello_version);
	ndr_put16(out, TR(record_len), w->record_len);
	ndr_put16(out, TR(sni_len), w->sni_len);
	ndr_put32(out, TR(hello_len), w->hello_len);
	ndr_put16(out, TR(n_ciphers), w->n_ciphers);
	ndr_put16(out, TR(n_extensions), w->n_extensions);
	out[TR(alpn_len)] = w->alpn_len;
	ndr_put16(out, TR(payload_len), w->d.payload_len > 0xffffu ? 0xffffu : w->d.payload_len);
	for (uint32_t i = 0; i < NDR_TLS_ALPN_MAX; i++)
		out[TR(alpn) + i] = w->alpn[i];
	for (uint32_t i = 0; i < NDR_TLS_SNI_MAX; i++)
		out[TR(sni) + i] = w->sni[i];
	return 3;
}
