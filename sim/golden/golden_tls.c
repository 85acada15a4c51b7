/*
 * golden_tls.c - the golden model's TLS hello extractor: docs/dataplane.md
 * "TLS ClientHello extractor" (and its ServerHello, ABI 3), on a whole
 * segment held in memory.
 */
#include <string.h>

#include "golden_internal.h"

#define TLS_HANDSHAKE    22u
#define TLS_CLIENT_HELLO 1u
#define TLS_SERVER_HELLO 2u
#define TLS_EXT_SNI      0u
#define TLS_EXT_GROUPS   10u
#define TLS_EXT_PF       11u
#define TLS_EXT_SIGALGS  13u
#define TLS_EXT_ALPN     16u
#define TLS_EXT_VERSIONS 43u

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* The walk over the visible payload: "take n bytes inside bound". */
struct walk {
	const uint8_t *b;
	uint32_t pos;
	uint32_t limit;            /* L = min(E, R, V) */
	int stopped;
	uint16_t *flags;
};

/* Returns the offset of the n bytes taken, or -1 when the walk stops. */
static int64_t take(struct walk *w, uint32_t n, uint32_t bound)
{
	uint32_t at = w->pos;

	if (w->stopped)
		return -1;
	if ((uint64_t)at + n > bound) {
		*w->flags |= NDR_TLS_F_MALFORMED;
		w->stopped = 1;
		return -1;
	}
	if ((uint64_t)at + n > w->limit) {
		w->stopped = 1;
		return -1;
	}
	w->pos = at + n;
	return at;
}

static int take8(struct walk *w, uint32_t bound, uint32_t *v)
{
	int64_t at = take(w, 1, bound);

	if (at < 0)
		return 0;
	*v = w->b[at];
	return 1;
}

static int take16(struct walk *w, uint32_t bound, uint32_t *v)
{
	int64_t at = take(w, 2, bound);

	if (at < 0)
		return 0;
	*v = rd16(w->b + at);
	return 1;
}

static void server_name(struct walk *w, uint32_t end, struct ndr_tls_rec *r)
{
	uint32_t list, type, m, i, keep;
	int64_t at;

	if (!take16(w, end, &list) || list < 3)
		return;
	if (!take8(w, end, &type) || !take16(w, end, &m) || type != 0)
		return;
	at = take(w, m, end);
	if (at < 0)
		return;
	r->tls_flags |= NDR_TLS_F_SNI;
	r->sni_len = (uint16_t)m;
	keep = m;
	if (keep > NDR_TLS_SNI_MAX) {
		keep = NDR_TLS_SNI_MAX;
		r->tls_flags |= NDR_TLS_F_SNI_CUT;
	}
	for (i = 0; i < keep; i++)
		r->sni[i] = (char)lower(w->b[at + i]);
}

static void alpn(struct walk *w, uint32_t end, struct ndr_tls_rec *r)
{
	uint32_t list, a;
	int64_t at;

	if (!take16(w, end, &list) || list < 1)
		return;
	if (!take8(w, end, &a))
		return;
	at = take(w, a, end);
	if (at < 0)
		return;
	r->tls_flags |= NDR_TLS_F_ALPN;
	r->alpn_len = (uint8_t)a;
	memcpy(r->alpn, w->b + at, a < NDR_TLS_ALPN_MAX ? a : NDR_TLS_ALPN_MAX);
	if (a)
		r->alpn_last = w->b[at + a - 1];
}

static int grease(uint32_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* n big-endian u16 values at p into out[0 .. min(n, max)); 1 when more. */
static int keep16(const uint8_t *p, uint32_t n, uint16_t *out, uint32_t max)
{
	uint32_t i;

	for (i = 0; i < n && i < max; i++)
		out[i] = rd16(p + 2 * i);
	return n > max;
}

/* supported_groups, signature_algorithms, ec_point_formats and the
 * ClientHello's supported_versions: the list kept or looked at. */
static void list_ext(struct walk *w, uint32_t type, uint32_t end, struct ndr_tls_rec *r)
{
	uint32_t len, i;
	int64_t at;
	int cut = 0;

	if (type == TLS_EXT_GROUPS || type == TLS_EXT_SIGALGS) {
		if (!take16(w, end, &len))
			return;
	} else if (!take8(w, end, &len)) {
		return;
	}
	at = take(w, len, end);
	if (at < 0)
		return;
	if (type == TLS_EXT_GROUPS) {
		r->n_groups = (uint16_t)(len / 2);
		cut = keep16(w->b + at, len / 2, r->groups, NDR_TLS_GROUPS_MAX);
		r->tls_flags |= NDR_TLS_F_GROUPS;
	} else if (type == TLS_EXT_SIGALGS) {
		r->n_sigalgs = (uint16_t)(len / 2);
		cut = keep16(w->b + at, len / 2, r->sigalgs, NDR_TLS_SIGALGS_MAX);
		r->tls_flags |= NDR_TLS_F_SIGALGS;
	} else if (type == TLS_EXT_PF) {
		r->n_point_formats = (uint8_t)len;
		memcpy(r->point_formats, w->b + at, len < NDR_TLS_PF_MAX ? len : NDR_TLS_PF_MAX);
		cut = len > NDR_TLS_PF_MAX;
		r->tls_flags |= NDR_TLS_F_PF;
	} else {
		r->n_versions = (uint8_t)(len / 2);
		for (i = 0; i < len / 2; i++) {
			uint16_t v = rd16(w->b + at + 2 * i);

			if (!grease(v) && v > r->sv_version)
				r->sv_version = v;
		}
		r->tls_flags |= NDR_TLS_F_SV;
	}
	if (cut)
		r->tls_flags |= NDR_TLS_F_LIST_CUT;
}

static void walk_extensions(struct walk *w, uint32_t ext_end, int server, struct ndr_tls_rec *r)
{
	int seen_sni = 0, seen_alpn = 0, seen_list[4] = { 0 };

	while (!w->stopped && w->pos < ext_end) {
		uint32_t type, len, data_end;
		int64_t at;

		if (r->n_extensions == NDR_TLS_MAX_EXT) {
			r->tls_flags |= NDR_TLS_F_EXT_CUT;
			return;
		}
		at = take(w, 4, ext_end);
		if (at < 0)
			return;
		type = rd16(w->b + at);
		len = rd16(w->b + at + 2);
		r->ext_types[r->n_extensions] = (uint16_t)type;
		r->n_extensions++;
		data_end = w->pos + len;
		if (data_end > ext_end) {
			r->tls_flags |= NDR_TLS_F_MALFORMED;
			return;
		}
		if (type == TLS_EXT_SNI && !seen_sni && !server) {
			seen_sni = 1;
			server_name(w, data_end, r);
		} else if (type == TLS_EXT_ALPN && !seen_alpn) {
			seen_alpn = 1;
			alpn(w, data_end, r);
		} else if (type == TLS_EXT_VERSIONS && server && !seen_list[0]) {
			uint32_t v;

			seen_list[0] = 1;
			if (take16(w, data_end, &v)) {
				r->sv_version = (uint16_t)v;
				r->tls_flags |= NDR_TLS_F_SV;
			}
		} else if (!server && (type == TLS_EXT_VERSIONS || type == TLS_EXT_GROUPS ||
				       type == TLS_EXT_PF || type == TLS_EXT_SIGALGS)) {
			int k = type == TLS_EXT_VERSIONS ? 0 : type == TLS_EXT_GROUPS ? 1
				: type == TLS_EXT_PF ? 2 : 3;

			if (!seen_list[k]) {
				seen_list[k] = 1;
				list_ext(w, type, data_end, r);
			}
		}
		if (w->stopped)
			return;
		w->pos = data_end;
	}
}

void golden_tls_packet(struct ndr_golden *g, const struct golden_pkt *p)
{
	struct ndr_tls_rec r;
	struct walk w;
	const uint8_t *b;
	uint32_t off, vis, e, rend, lim, s, c, k, x;
	int server, ok;

	if (p->fragment || !p->has_tcp)
		return;
	off = p->l4_off + p->l4_hdr_len;
	vis = p->caplen > off ? p->caplen - off : 0;
	if (vis > p->payload_len)
		vis = p->payload_len;
	if (vis > NDR_TLS_VIEW)
		vis = NDR_TLS_VIEW;
	b = p->frame + off;
	if (vis < 9 || b[0] != TLS_HANDSHAKE || b[1] != 3 ||
	    (b[5] != TLS_CLIENT_HELLO && b[5] != TLS_SERVER_HELLO))
		return;
	server = b[5] == TLS_SERVER_HELLO;

	memset(&r, 0, sizeof(r));
	r.hdr.type = NDR_REC_TLS;
	r.hdr.slots = sizeof(r) / NDR_SLOT_BYTES;
	if (server)
		r.tls_flags |= NDR_TLS_F_SERVER;
	r.hdr.version = NDR_ABI_VERSION;
	r.hdr.flags = p->ipv6 ? NDR_REC_F_IPV6 : 0;
	r.hdr.ts_ns = p->ts_ns;
	memcpy(r.src_addr, p->src, 16);
	memcpy(r.dst_addr, p->dst, 16);
	r.src_port = p->sport;
	r.dst_port = p->dport;
	r.vlan_outer = p->vlan_outer;
	r.vlan_inner = p->vlan_inner;
	r.ip_proto = p->proto;
	r.ip_ttl = p->ttl;
	r.payload_len = p->payload_len > 0xffff ? 0xffff : (uint16_t)p->payload_len;
	r.record_version = rd16(b + 1);
	r.record_len = rd16(b + 3);
	r.hello_len = (uint32_t)b[6] << 16 | (uint32_t)b[7] << 8 | b[8];

	e = 9 + r.hello_len;
	rend = 5u + r.record_len;
	lim = e < rend ? e : rend;
	if (vis < lim)
		lim = vis;
	if (lim < e)
		r.tls_flags |= NDR_TLS_F_TRUNCATED;
	if (r.record_len < 4)
		r.tls_flags |= NDR_TLS_F_MALFORMED;

	w.b = b;
	w.pos = 9;
	w.limit = lim;
	w.stopped = 0;
	w.flags = &r.tls_flags;
	if (take16(&w, e, &s))
		r.hello_version = (uint16_t)s;
	if (take(&w, 32, e) < 0 || !take8(&w, e, &s) || take(&w, s, e) < 0)
		goto done;
	if (server) {
		/* one cipher suite, one compression method */
		ok = take16(&w, e, &c);
		if (ok) {
			r.ciphers[0] = (uint16_t)c;
			r.n_ciphers = 1;
			r.tls_flags |= NDR_TLS_F_CIPHERS;
		}
		ok = ok && take(&w, 1, e) >= 0;
	} else {
		int64_t at = -1;

		ok = take16(&w, e, &c);
		if (ok) {
			r.n_ciphers = (uint16_t)(c / 2);
			at = take(&w, c, e);
			ok = at >= 0;
		}
		if (ok) {
			r.tls_flags |= NDR_TLS_F_CIPHERS;
			if (keep16(b + at, c / 2, r.ciphers, NDR_TLS_CIPHERS_MAX))
				r.tls_flags |= NDR_TLS_F_LIST_CUT;
		}
		ok = ok && take8(&w, e, &k) && take(&w, k, e) >= 0;
	}
	if (ok && w.pos != e && take16(&w, e, &x)) {
		if (w.pos + x > e)
			r.tls_flags |= NDR_TLS_F_MALFORMED;
		else
			walk_extensions(&w, w.pos + x, server, &r);
	}
done:
	g->emit(g->arg, &r.hdr);
}
