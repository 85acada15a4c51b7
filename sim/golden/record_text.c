/*
 * record_text.c - records as text: the --dump line and the field-by-field
 * difference used by the bit-exact comparison.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "ndr_dns_answers.h"
#include "ndr_dns_names.h"
#include "ndr_record.h"
#include "record_text.h"

/* ---- small formatters ---- */

struct out {
	char *buf;
	size_t len, used;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->used >= o->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->used += (size_t)n;
}

static const char *addr_str(const uint8_t a[16], char buf[INET6_ADDRSTRLEN + 2])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	char t[INET6_ADDRSTRLEN];

	if (memcmp(a, mapped, 12) == 0) {
		inet_ntop(AF_INET, a + 12, buf, INET6_ADDRSTRLEN + 2);
	} else {
		inet_ntop(AF_INET6, a, t, sizeof(t));
		snprintf(buf, INET6_ADDRSTRLEN + 2, "[%s]", t);
	}
	return buf;
}

static void put_ts(struct out *o, const char *label, uint64_t ts)
{
	put(o, "%s=%" PRIu64 ".%09" PRIu64, label, ts / 1000000000u, ts % 1000000000u);
}

static void put_entropy(struct out *o, const char *label, uint16_t h)
{
	put(o, " %s=%u(%.3f)", label, h, h / (double)(1u << NDR_ENTROPY_FRAC_BITS));
}

static const char *proto_name(uint8_t p, char buf[8])
{
	switch (p) {
	case 1: return "icmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 58: return "icmp6";
	default:
		snprintf(buf, 8, "ip%u", p);
		return buf;
	}
}

static const char *end_name(uint8_t e)
{
	static const char *names[] = { "?", "IDLE", "ACTIVE", "FIN", "RST", "EVICT", "FLUSH" };

	return e < sizeof(names) / sizeof(names[0]) ? names[e] : "?";
}

static void put_tcp_flags(struct out *o, uint8_t f)
{
	static const char letters[] = "FSRPAUEC";
	unsigned i;

	if (!f) {
		put(o, "-");
		return;
	}
	for (i = 0; i < 8; i++)
		if (f & (1u << i))
			put(o, "%c", letters[i]);
}

static void put_bits(struct out *o, unsigned v, const char *const names[], unsigned n)
{
	unsigned i, first = 1;

	if (!v) {
		put(o, "-");
		return;
	}
	for (i = 0; i < n; i++) {
		if (v & (1u << i)) {
			put(o, "%s%s", first ? "" : "|", names[i]);
			first = 0;
		}
	}
	if (v >> n)
		put(o, "%s0x%x", first ? "" : "|", v >> n << n);
}

static const char *const tcp_state_names[] = {
	"SYN", "SYNACK", "EST", "RST_FWD", "RST_REV", "FIN_FWD", "FIN_REV", "MIDSTREAM",
};

static const char *const dns_parse_names[] = {
	"TRUNCATED", "PTR_LOOP", "LABEL_LONG", "NO_QUESTION",
	"BAD_LABEL", "ANSWERS_CUT", "TCP", "NAME_CUT",
};

static const char *const tls_flag_names[] = {
	"SNI", "SNI_CUT", "TRUNCATED", "MALFORMED", "EXT_CUT", "ALPN", "SERVER", "CIPHERS",
	"SV", "GROUPS", "SIGALGS", "PF", "LIST_CUT",
};

/* A kept list as "a,b,c" in hex (n entries of which max are kept). */
static void put_list16(struct out *o, const char *label, const uint16_t *v, unsigned n,
		       unsigned max)
{
	unsigned i;

	put(o, " %s=", label);
	for (i = 0; i < n && i < max; i++)
		put(o, "%s%x", i ? "," : "", v[i]);
	if (n > max)
		put(o, ",...(%u)", n);
}

static void put_hist(struct out *o, const uint16_t h[NDR_HIST_BINS])
{
	unsigned i;

	for (i = 0; i < NDR_HIST_BINS; i++)
		put(o, "%s%u", i ? "," : "", h[i]);
}

static void put_name(struct out *o, const char *s, unsigned len)
{
	unsigned i;

	put(o, "\"");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			put(o, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			put(o, "\\x%02x", c);
		else
			put(o, "%c", c);
	}
	put(o, "\"");
}

/* ---- one line per record ---- */

static void format_flow(struct out *o, const struct ndr_flow_rec *r)
{
	char a[INET6_ADDRSTRLEN + 2], b[INET6_ADDRSTRLEN + 2], pn[8];

	put(o, " %s %s %s:%u > %s:%u", end_name(r->end_reason), proto_name(r->ip_proto, pn),
	    addr_str(r->src_addr, a), r->src_port, addr_str(r->dst_addr, b), r->dst_port);
	if (r->ip_proto == 1 || r->ip_proto == 58)
		put(o, "(type %u code %u)", r->dst_port >> 8, r->dst_port & 0xff);
	put(o, " vlan=%u/%u pkts=%" PRIu64 "/%" PRIu64 " bytes=%" PRIu64 "/%" PRIu64
	    " payload=%" PRIu64 "/%" PRIu64 " ",
	    r->vlan_outer, r->vlan_inner, r->pkts_fwd, r->pkts_rev, r->bytes_fwd, r->bytes_rev,
	    r->payload_bytes_fwd, r->payload_bytes_rev);
	put_ts(o, "first", r->first_ts_ns);
	put(o, " ");
	put_ts(o, "last", r->last_ts_ns);
	put(o, " hash=0x%08x dirchg=%u iat_us=", r->flow_hash, r->dir_changes);
	if (r->iat_min_us == 0xffffffffu)
		put(o, "-");
	else
		put(o, "%u", r->iat_min_us);
	put(o, "/%u/%" PRIu64 "/%" PRIu64 " tcp=", r->iat_max_us, r->iat_sum_us, r->iat_sumsq_us);
	put_tcp_flags(o, r->tcp_flags_fwd);
	put(o, "/");
	put_tcp_flags(o, r->tcp_flags_rev);
	put(o, " state=");
	put_bits(o, r->tcp_state, tcp_state_names, 8);
	put(o, " frag=%u hist=", r->frag_seen);
	put_hist(o, r->hist_fwd);
	put(o, "/");
	put_hist(o, r->hist_rev);
}

/* The kept answers: " kept=TYPE/ttl[/rdlen][=addr|=cname]...,flags". */
static void format_dns_answers(struct out *o, const struct ndr_dns_rec *r)
{
	static const char *const an_flag_names[5] = {
		"entries_cut", "addr_cut", "cname", "cname_cut", "cname_bad",
	};
	struct ndr_dns_answers an;
	char tn[NDR_DNS_NUMBER_NAME_LEN], a[INET6_ADDRSTRLEN + 2];
	const char *why;
	unsigned i;

	if (!r->an_entries && !r->an_flags)
		return;
	if (!ndr_dns_rec_expected_slots(r, &why)) {
		put(o, " kept=(%s)", why);
		return;
	}
	ndr_dns_answers_read(r, &an);
	put(o, " kept=");
	for (i = 0; i < an.n; i++) {
		const struct ndr_dns_answer *e = &an.a[i];

		put(o, "%s%s/%u", i ? "," : "", ndr_dns_rrtype_name(e->type, tn), e->ttl);
		if (e->has_addr)
			put(o, "=%s", addr_str(e->addr, a));
		else if (e->is_cname)
			put(o, "=%.*s", (int)an.cname_stored, an.cname);
		else
			put(o, "/%u", e->rdlen);
	}
	put(o, " kept_flags=");
	put_bits(o, an.flags, an_flag_names, 5);
}

static void format_dns(struct out *o, const struct ndr_dns_rec *r)
{
	char a[INET6_ADDRSTRLEN + 2], b[INET6_ADDRSTRLEN + 2], pn[8], tn[NDR_DNS_NUMBER_NAME_LEN];
	uint16_t f = r->dns_flags;

	put(o, " %s %s:%u > %s:%u ttl=%u vlan=%u id=0x%04x %s op=%u", proto_name(r->ip_proto, pn),
	    addr_str(r->src_addr, a), r->src_port, addr_str(r->dst_addr, b), r->dst_port,
	    r->ip_ttl, r->vlan_outer, r->txid, (f & 0x8000) ? "response" : "query",
	    (f >> 11) & 0xf);
	put(o, "%s%s%s%s rcode=%u", (f & 0x0400) ? " AA" : "", (f & 0x0200) ? " TC" : "",
	    (f & 0x0100) ? " RD" : "", (f & 0x0080) ? " RA" : "", f & 0xf);
	put(o, " qd=%u an=%u ns=%u ar=%u len=%u qname=", r->qdcount, r->ancount, r->nscount,
	    r->arcount, r->msg_len);
	put_name(o, r->qname, r->qname_len);
	put(o, " qtype=%s qclass=%u labels=%u longest=%u", ndr_dns_rrtype_name(r->qtype, tn), r->qclass,
	    r->label_count, r->longest_label);
	put_entropy(o, "qH", r->qname_entropy);
	put_entropy(o, "lH", r->label_entropy);
	put(o, " chars=l%u,u%u,d%u,h%u,o%u", r->n_lower, r->n_upper, r->n_digit, r->n_hyphen,
	    r->n_other);
	put(o, " answers=a%u,aaaa%u,txt%u,other%u first=%s min_ttl=", r->an_a, r->an_aaaa,
	    r->an_txt, r->an_other, r->first_an_type ? ndr_dns_rrtype_name(r->first_an_type, tn) : "-");
	if (r->min_ttl == 0xffffffffu)
		put(o, "-");
	else
		put(o, "%u", r->min_ttl);
	put(o, " txt_len=%u", r->txt_len);
	put_entropy(o, "txtH", r->txt_entropy);
	put(o, " parse=");
	put_bits(o, r->parse_flags, dns_parse_names, 8);
	format_dns_answers(o, r);
}

static void format_tls(struct out *o, const struct ndr_tls_rec *r)
{
	char a[INET6_ADDRSTRLEN + 2], b[INET6_ADDRSTRLEN + 2];
	unsigned sni = r->sni_len < NDR_TLS_SNI_MAX ? r->sni_len : NDR_TLS_SNI_MAX;
	unsigned alpn = r->alpn_len < NDR_TLS_ALPN_MAX ? r->alpn_len : NDR_TLS_ALPN_MAX;

	put(o, " %s:%u > %s:%u ttl=%u vlan=%u/%u payload=%u rec=0x%04x/%u hello=0x%04x/%u"
	    " ciphers=%u ext=%u sni=", addr_str(r->src_addr, a), r->src_port,
	    addr_str(r->dst_addr, b), r->dst_port, r->ip_ttl, r->vlan_outer, r->vlan_inner,
	    r->payload_len, r->record_version, r->record_len, r->hello_version, r->hello_len,
	    r->n_ciphers, r->n_extensions);
	put_name(o, r->sni, sni);
	put(o, "(%u) alpn=", r->sni_len);
	put_name(o, (const char *)r->alpn, alpn);
	put(o, "(%u) sv=0x%04x", r->alpn_len, r->sv_version);
	if (r->tls_flags & NDR_TLS_F_CIPHERS)
		put_list16(o, "cs", r->ciphers, r->n_ciphers, NDR_TLS_CIPHERS_MAX);
	put_list16(o, "exts", r->ext_types, r->n_extensions, NDR_TLS_MAX_EXT);
	if (r->tls_flags & NDR_TLS_F_GROUPS)
		put_list16(o, "groups", r->groups, r->n_groups, NDR_TLS_GROUPS_MAX);
	if (r->tls_flags & NDR_TLS_F_SIGALGS)
		put_list16(o, "sigalgs", r->sigalgs, r->n_sigalgs, NDR_TLS_SIGALGS_MAX);
	put(o, " flags=");
	put_bits(o, r->tls_flags, tls_flag_names, 13);
}

void ndr_rec_format(const struct ndr_rec_hdr *rec, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };
	union ndr_rec_full full;

	if (len == 0)
		return;
	buf[0] = '\0';
	put(&o, "seq=%u ", rec->seq);
	switch (rec->type) {
	case NDR_REC_FLOW:
		put_ts(&o, "FLOW ts", rec->ts_ns);
		format_flow(&o, (const struct ndr_flow_rec *)rec);
		break;
	case NDR_REC_FLOW_SHORT:
		put_ts(&o, "FLOW(short) ts", rec->ts_ns);
		format_flow(&o, (const struct ndr_flow_rec *)ndr_rec_expand(rec, &full));
		break;
	case NDR_REC_DNS:
		put_ts(&o, "DNS ts", rec->ts_ns);
		format_dns(&o, (const struct ndr_dns_rec *)rec);
		break;
	case NDR_REC_DNS_SHORT:
		put_ts(&o, "DNS(short) ts", rec->ts_ns);
		format_dns(&o, (const struct ndr_dns_rec *)ndr_rec_expand(rec, &full));
		break;
	case NDR_REC_TLS:
		put_ts(&o, "TLS ts", rec->ts_ns);
		format_tls(&o, (const struct ndr_tls_rec *)rec);
		break;
	case NDR_REC_DROP: {
		const struct ndr_drop_rec *d = (const struct ndr_drop_rec *)rec;

		put_ts(&o, "DROP ts", rec->ts_ns);
		put(&o, " reason=%s lost=%u lost_total=%" PRIu64 " ",
		    d->reason == NDR_DROP_RING_FULL ? "RING_FULL" : "?", d->lost, d->lost_total);
		put_ts(&o, "first_lost", d->first_lost_ts_ns);
		put(&o, " ");
		put_ts(&o, "last_lost", d->last_lost_ts_ns);
		break;
	}
	case NDR_REC_HEARTBEAT: {
		const struct ndr_heartbeat_rec *h = (const struct ndr_heartbeat_rec *)rec;

		put_ts(&o, "HEARTBEAT ts", rec->ts_ns);
		put(&o, " packets=%" PRIu64 " bytes=%" PRIu64 " parse_errors=%" PRIu64
		    " non_ip=%" PRIu64 " rx_overrun=%" PRIu64 " flows_active=%" PRIu64
		    " created=%" PRIu64 " evicted=%" PRIu64 " dns_only=%" PRIu64
		    " dns=%" PRIu64 " dns_errors=%" PRIu64 " dns_dropped=%" PRIu64
		    " tls=%" PRIu64 " tls_dropped=%" PRIu64 " records=%" PRIu64
		    " dropped=%" PRIu64 " link_dropped=%" PRIu64,
		    h->packets, h->bytes, h->parse_errors, h->non_ip, h->rx_overrun,
		    h->flows_active, h->flows_created, h->flows_evicted, h->flows_dns_only,
		    h->dns_messages, h->dns_errors, h->dns_dropped, h->tls_hellos, h->tls_dropped,
		    h->records_written, h->records_dropped, h->records_link_dropped);
		break;
	}
	case NDR_REC_PAD:
		put(&o, "PAD slots=%u", rec->slots);
		break;
	default:
		put(&o, "TYPE%u slots=%u", rec->type, rec->slots);
		break;
	}
	if (rec->type != NDR_REC_PAD)
		put(&o, " slots=%u v=%u%s", rec->slots, rec->version,
		    (rec->flags & NDR_REC_F_IPV6) ? " ipv6" : "");
}

/* ---- field-by-field difference ---- */

enum field_kind { F_UINT, F_HEX, F_ADDR, F_TS, F_FLAGS_HDR };

struct field {
	const char *name;
	uint16_t off;
	uint8_t size;
	uint8_t kind;
	uint8_t count;              /* array elements (0 or 1: scalar) */
};

#define FLD(t, m, k) { #m, (uint16_t)offsetof(t, m), (uint8_t)sizeof(((t *)0)->m), k, 1 }
#define ARR(t, m, k, n) { #m, (uint16_t)offsetof(t, m), (uint8_t)sizeof(((t *)0)->m[0]), k, n }

static const struct field hdr_fields[] = {
	{ "hdr.type", 0, 1, F_UINT, 1 },
	{ "hdr.slots", 1, 1, F_UINT, 1 },
	{ "hdr.version", 2, 1, F_UINT, 1 },
	{ "hdr.flags", 3, 1, F_FLAGS_HDR, 1 },
	{ "hdr.ts_ns", 8, 8, F_TS, 1 },
};

static const struct field flow_fields[] = {
	FLD(struct ndr_flow_rec, src_addr, F_ADDR),
	FLD(struct ndr_flow_rec, dst_addr, F_ADDR),
	FLD(struct ndr_flow_rec, src_port, F_UINT),
	FLD(struct ndr_flow_rec, dst_port, F_UINT),
	FLD(struct ndr_flow_rec, ip_proto, F_UINT),
	FLD(struct ndr_flow_rec, end_reason, F_UINT),
	FLD(struct ndr_flow_rec, tcp_flags_fwd, F_HEX),
	FLD(struct ndr_flow_rec, tcp_flags_rev, F_HEX),
	FLD(struct ndr_flow_rec, vlan_outer, F_UINT),
	FLD(struct ndr_flow_rec, vlan_inner, F_UINT),
	FLD(struct ndr_flow_rec, tcp_state, F_HEX),
	FLD(struct ndr_flow_rec, frag_seen, F_UINT),
	FLD(struct ndr_flow_rec, reserved0, F_HEX),
	FLD(struct ndr_flow_rec, pkts_fwd, F_UINT),
	FLD(struct ndr_flow_rec, pkts_rev, F_UINT),
	FLD(struct ndr_flow_rec, bytes_fwd, F_UINT),
	FLD(struct ndr_flow_rec, bytes_rev, F_UINT),
	FLD(struct ndr_flow_rec, first_ts_ns, F_TS),
	FLD(struct ndr_flow_rec, last_ts_ns, F_TS),
	FLD(struct ndr_flow_rec, flow_hash, F_HEX),
	FLD(struct ndr_flow_rec, dir_changes, F_UINT),
	FLD(struct ndr_flow_rec, iat_min_us, F_UINT),
	FLD(struct ndr_flow_rec, iat_max_us, F_UINT),
	ARR(struct ndr_flow_rec, hist_fwd, F_UINT, NDR_HIST_BINS),
	ARR(struct ndr_flow_rec, hist_rev, F_UINT, NDR_HIST_BINS),
	FLD(struct ndr_flow_rec, iat_sum_us, F_UINT),
	FLD(struct ndr_flow_rec, iat_sumsq_us, F_UINT),
	FLD(struct ndr_flow_rec, payload_bytes_fwd, F_UINT),
	FLD(struct ndr_flow_rec, payload_bytes_rev, F_UINT),
};

static const struct field dns_fields[] = {
	FLD(struct ndr_dns_rec, src_addr, F_ADDR),
	FLD(struct ndr_dns_rec, dst_addr, F_ADDR),
	FLD(struct ndr_dns_rec, src_port, F_UINT),
	FLD(struct ndr_dns_rec, dst_port, F_UINT),
	FLD(struct ndr_dns_rec, txid, F_HEX),
	FLD(struct ndr_dns_rec, dns_flags, F_HEX),
	FLD(struct ndr_dns_rec, qdcount, F_UINT),
	FLD(struct ndr_dns_rec, ancount, F_UINT),
	FLD(struct ndr_dns_rec, nscount, F_UINT),
	FLD(struct ndr_dns_rec, arcount, F_UINT),
	FLD(struct ndr_dns_rec, qtype, F_UINT),
	FLD(struct ndr_dns_rec, qclass, F_UINT),
	FLD(struct ndr_dns_rec, msg_len, F_UINT),
	FLD(struct ndr_dns_rec, parse_flags, F_HEX),
	FLD(struct ndr_dns_rec, qname_len, F_UINT),
	FLD(struct ndr_dns_rec, label_count, F_UINT),
	FLD(struct ndr_dns_rec, longest_label, F_UINT),
	FLD(struct ndr_dns_rec, ip_proto, F_UINT),
	FLD(struct ndr_dns_rec, qname_entropy, F_UINT),
	FLD(struct ndr_dns_rec, label_entropy, F_UINT),
	FLD(struct ndr_dns_rec, n_lower, F_UINT),
	FLD(struct ndr_dns_rec, n_upper, F_UINT),
	FLD(struct ndr_dns_rec, n_digit, F_UINT),
	FLD(struct ndr_dns_rec, n_hyphen, F_UINT),
	FLD(struct ndr_dns_rec, n_other, F_UINT),
	FLD(struct ndr_dns_rec, ip_ttl, F_UINT),
	FLD(struct ndr_dns_rec, vlan_outer, F_UINT),
	FLD(struct ndr_dns_rec, an_a, F_UINT),
	FLD(struct ndr_dns_rec, an_aaaa, F_UINT),
	FLD(struct ndr_dns_rec, an_txt, F_UINT),
	FLD(struct ndr_dns_rec, an_other, F_UINT),
	FLD(struct ndr_dns_rec, first_an_type, F_UINT),
	FLD(struct ndr_dns_rec, txt_len, F_UINT),
	FLD(struct ndr_dns_rec, txt_entropy, F_UINT),
	FLD(struct ndr_dns_rec, an_entries, F_UINT),
	FLD(struct ndr_dns_rec, an_flags, F_HEX),
	FLD(struct ndr_dns_rec, min_ttl, F_UINT),
	FLD(struct ndr_dns_rec, cname_len, F_UINT),
	FLD(struct ndr_dns_rec, cname_stored, F_UINT),
	FLD(struct ndr_dns_rec, an_owner_q, F_HEX),
	FLD(struct ndr_dns_rec, addr_bytes, F_UINT),
	FLD(struct ndr_dns_rec, reserved2, F_HEX),
	FLD(struct ndr_dns_rec, reserved3, F_HEX),
};

static const struct field tls_fields[] = {
	FLD(struct ndr_tls_rec, src_addr, F_ADDR),
	FLD(struct ndr_tls_rec, dst_addr, F_ADDR),
	FLD(struct ndr_tls_rec, src_port, F_UINT),
	FLD(struct ndr_tls_rec, dst_port, F_UINT),
	FLD(struct ndr_tls_rec, vlan_outer, F_UINT),
	FLD(struct ndr_tls_rec, vlan_inner, F_UINT),
	FLD(struct ndr_tls_rec, ip_proto, F_UINT),
	FLD(struct ndr_tls_rec, ip_ttl, F_UINT),
	FLD(struct ndr_tls_rec, tls_flags, F_HEX),
	FLD(struct ndr_tls_rec, record_version, F_HEX),
	FLD(struct ndr_tls_rec, hello_version, F_HEX),
	FLD(struct ndr_tls_rec, record_len, F_UINT),
	FLD(struct ndr_tls_rec, sni_len, F_UINT),
	FLD(struct ndr_tls_rec, hello_len, F_UINT),
	FLD(struct ndr_tls_rec, n_ciphers, F_UINT),
	FLD(struct ndr_tls_rec, n_extensions, F_UINT),
	FLD(struct ndr_tls_rec, alpn_len, F_UINT),
	FLD(struct ndr_tls_rec, alpn_last, F_HEX),
	FLD(struct ndr_tls_rec, payload_len, F_UINT),
	ARR(struct ndr_tls_rec, alpn, F_HEX, NDR_TLS_ALPN_MAX),
	FLD(struct ndr_tls_rec, sv_version, F_HEX),
	FLD(struct ndr_tls_rec, n_groups, F_UINT),
	FLD(struct ndr_tls_rec, n_sigalgs, F_UINT),
	FLD(struct ndr_tls_rec, n_point_formats, F_UINT),
	FLD(struct ndr_tls_rec, n_versions, F_UINT),
	ARR(struct ndr_tls_rec, reserved1, F_HEX, 4),
	ARR(struct ndr_tls_rec, ciphers, F_HEX, NDR_TLS_CIPHERS_MAX),
	ARR(struct ndr_tls_rec, ext_types, F_HEX, NDR_TLS_MAX_EXT),
	ARR(struct ndr_tls_rec, sigalgs, F_HEX, NDR_TLS_SIGALGS_MAX),
	ARR(struct ndr_tls_rec, groups, F_HEX, NDR_TLS_GROUPS_MAX),
	ARR(struct ndr_tls_rec, point_formats, F_HEX, NDR_TLS_PF_MAX),
	ARR(struct ndr_tls_rec, reserved2, F_HEX, 24),
};

static uint64_t get_le(const uint8_t *p, unsigned size)
{
	uint64_t v = 0;

	while (size--)
		v = v << 8 | p[size];
	return v;
}

static void field_text(const struct field *f, const uint8_t *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN + 2];
	uint64_t v;

	switch (f->kind) {
	case F_ADDR:
		snprintf(buf, len, "%s", addr_str(p, a));
		return;
	case F_TS:
		v = get_le(p, f->size);
		snprintf(buf, len, "%" PRIu64 ".%09" PRIu64, v / 1000000000u, v % 1000000000u);
		return;
	case F_HEX:
		snprintf(buf, len, "0x%" PRIx64, get_le(p, f->size));
		return;
	case F_FLAGS_HDR:
		snprintf(buf, len, "0x%02x", p[0] & (uint8_t)~NDR_REC_F_PHASE);
		return;
	default:
		snprintf(buf, len, "%" PRIu64, get_le(p, f->size));
		return;
	}
}

static unsigned diff_fields(const struct field *fs, size_t n, const uint8_t *a, const uint8_t *b,
			    const char *an, const char *bn, FILE *out)
{
	unsigned diffs = 0;
	size_t i;
	unsigned e;

	for (i = 0; i < n; i++) {
		const struct field *f = &fs[i];
		unsigned count = f->count ? f->count : 1;

		for (e = 0; e < count; e++) {
			unsigned off = f->off + e * f->size;
			char va[64], vb[64], name[48];
			int same;

			if (f->kind == F_FLAGS_HDR)
				same = ((a[off] ^ b[off]) & (uint8_t)~NDR_REC_F_PHASE) == 0;
			else
				same = memcmp(a + off, b + off, f->size) == 0;
			if (same)
				continue;
			diffs++;
			if (!out)
				continue;
			if (count > 1)
				snprintf(name, sizeof(name), "%s[%u]", f->name, e);
			else
				snprintf(name, sizeof(name), "%s", f->name);
			field_text(f, a + off, va, sizeof(va));
			field_text(f, b + off, vb, sizeof(vb));
			fprintf(out, "  %s: %s=%s %s=%s\n", name, an, va, bn, vb);
		}
	}
	return diffs;
}

static void name_text(const uint8_t *p, unsigned len, char *buf, size_t buflen)
{
	struct out o = { buf, buflen, 0 };

	buf[0] = '\0';
	put_name(&o, (const char *)p, (unsigned)strnlen((const char *)p, len));
}

unsigned ndr_rec_diff(const struct ndr_rec_hdr *ra, const struct ndr_rec_hdr *rb,
		      const char *an, const char *bn, FILE *out)
{
	union ndr_rec_full fa, fb;
	unsigned diffs = diff_fields(hdr_fields, sizeof(hdr_fields) / sizeof(hdr_fields[0]),
				     (const uint8_t *)ra, (const uint8_t *)rb, an, bn, out);

	if (ra->type != rb->type)
		return diffs;
	/* compact records: their fields, through the full forms */
	ra = ndr_rec_expand(ra, &fa);
	rb = ndr_rec_expand(rb, &fb);

	const uint8_t *a = (const uint8_t *)ra, *b = (const uint8_t *)rb;
	unsigned slots = ra->slots < rb->slots ? ra->slots : rb->slots;
	if (ra->type == NDR_REC_FLOW) {
		diffs += diff_fields(flow_fields, sizeof(flow_fields) / sizeof(flow_fields[0]),
				     a, b, an, bn, out);
	} else if (ra->type == NDR_REC_DNS) {
		diffs += diff_fields(dns_fields, sizeof(dns_fields) / sizeof(dns_fields[0]),
				     a, b, an, bn, out);
		/* The text area (qname, CNAME) and the answer slots, their
		 * NUL padding included, over the slots both records have (a
		 * slot count difference is reported above). */
		if (slots > 2 && memcmp(a + 128, b + 128, (slots - 2) * NDR_SLOT_BYTES) != 0) {
			char ta[1100], tb[1100];

			diffs++;
			if (out) {
				name_text(a + 128, (slots - 2) * NDR_SLOT_BYTES, ta, sizeof(ta));
				name_text(b + 128, (slots - 2) * NDR_SLOT_BYTES, tb, sizeof(tb));
				fprintf(out, "  qname: %s=%s %s=%s%s\n", an, ta, bn, tb,
					strcmp(ta, tb) ? "" : " (CNAME, answers or padding differ)");
			}
		}
	} else if (ra->type == NDR_REC_TLS) {
		diffs += diff_fields(tls_fields, sizeof(tls_fields) / sizeof(tls_fields[0]),
				     a, b, an, bn, out);
		/* The SNI slot, padding included. */
		if (slots > 2 && memcmp(a + 128, b + 128, NDR_SLOT_BYTES) != 0) {
			char ta[300], tb[300];

			diffs++;
			if (out) {
				name_text(a + 128, NDR_TLS_SNI_MAX, ta, sizeof(ta));
				name_text(b + 128, NDR_TLS_SNI_MAX, tb, sizeof(tb));
				fprintf(out, "  sni: %s=%s %s=%s%s\n", an, ta, bn, tb,
					strcmp(ta, tb) ? "" : " (NUL padding differs)");
			}
		}
	} else if (slots > 0) {
		/* Other types: every byte after the header. */
		if (memcmp(a + 16, b + 16, slots * NDR_SLOT_BYTES - 16) != 0) {
			diffs++;
			if (out)
				fprintf(out, "  body: differs\n");
		}
	}
	return diffs;
}
