/*
 * eve.c - EVE JSON events and the line writer (ndr_eve.h).
 *
 * Every builder collects failures in a flag instead of checking each of the
 * dozens of jansson calls: a key whose value could not be allocated makes
 * the whole event NULL, so a half-built event is never printed as if it
 * were whole.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ndr_community_id.h"
#include "ndr_dns_names.h"
#include "ndr_eve.h"
#include "ndr_record.h"

/* ---- small pieces ------------------------------------------------------- */

struct builder {
	json_t *obj;
	int failed;
};

static void put(struct builder *b, const char *key, json_t *value)
{
	if (!value || json_object_set_new(b->obj, key, value))
		b->failed = 1;
}

static json_t *finish(struct builder *b)
{
	if (b->failed) {
		json_decref(b->obj);
		return NULL;
	}
	return b->obj;
}

static struct builder builder_new(void)
{
	struct builder b = { json_object(), 0 };

	b.failed = b.obj == NULL;
	return b;
}

/* A nested object: adds it under key and returns a builder for it whose
 * failures count against the parent. */
static json_t *put_object(struct builder *b, const char *key)
{
	json_t *o = json_object();

	put(b, key, o);
	return b->failed ? NULL : o;
}

static void put_sub(struct builder *b, json_t *obj, const char *key, json_t *value)
{
	/* json_object_set_new() releases value when it fails, obj NULL included */
	if (!value || json_object_set_new(obj, key, value))
		b->failed = 1;
}

/* json_int_t is signed 64-bit: saturated unsigned counters print as the
 * largest value JSON parsers agree on, not as a negative number. */
static json_t *json_u64(uint64_t v)
{
	return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

void ndr_eve_timestamp(uint64_t ts_ns, char buf[NDR_EVE_TS_LEN])
{
	time_t sec = (time_t)(ts_ns / 1000000000u);
	unsigned usec = (unsigned)(ts_ns % 1000000000u / 1000u);
	struct tm tm;

	if (!gmtime_r(&sec, &tm)) {
		snprintf(buf, NDR_EVE_TS_LEN, "1970-01-01T00:00:00.000000+0000");
		return;
	}
	/* ts_ns < 2^64 ns keeps the year below 2555: always 19 characters */
	strftime(buf, NDR_EVE_TS_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + 19, NDR_EVE_TS_LEN - 19, ".%06u+0000", usec);
}

static json_t *json_ts(uint64_t ts_ns)
{
	char buf[NDR_EVE_TS_LEN];

	ndr_eve_timestamp(ts_ns, buf);
	return json_string(buf);
}

static void format_addr(const uint8_t addr[16], char buf[INET6_ADDRSTRLEN])
{
	if (ndr_addr_is_v4mapped(addr))
		inet_ntop(AF_INET, addr + 12, buf, INET6_ADDRSTRLEN);
	else
		inet_ntop(AF_INET6, addr, buf, INET6_ADDRSTRLEN);
}

/*
 * Bytes as text every JSON consumer accepts: printable ASCII as is, a
 * backslash doubled, anything else as \DDD (DNS presentation format, RFC
 * 1035 5.1), so the analyst sees exactly which bytes were on the wire.
 */
static json_t *json_presentation(const char *s, size_t len)
{
	char *out = malloc(len * 4 + 1), *p = out;
	json_t *j;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\\') {
			*p++ = '\\';
			*p++ = '\\';
		} else if (c >= 0x20 && c <= 0x7e) {
			*p++ = (char)c;
		} else {
			p += sprintf(p, "\\%03u", c);
		}
	}
	j = json_stringn(out, (size_t)(p - out));
	free(out);
	return j;
}

/* A string from a detector: kept as is when it is valid UTF-8. */
static json_t *json_text(const char *s)
{
	json_t *j;

	if (!s)
		s = "";
	j = json_string(s);
	return j ? j : json_presentation(s, strlen(s));
}

static const char *proto_name(uint8_t proto, char buf[8])
{
	switch (proto) {
	case 1: return "ICMP";
	case 6: return "TCP";
	case 17: return "UDP";
	case 58: return "IPv6-ICMP";
	case 132: return "SCTP";
	}
	snprintf(buf, 8, "%u", proto);
	return buf;
}

static int proto_has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132;
}

static int proto_is_icmp(uint8_t proto)
{
	return proto == 1 || proto == 58;
}

/* src_ip, src_port, dest_ip, dest_port, proto, community_id in Suricata's
 * order; ICMP puts type and code where the ports would be. */
static void put_tuple(struct builder *b, const uint8_t src[16], const uint8_t dst[16],
		      uint16_t sport, uint16_t dport, uint8_t proto)
{
	char sbuf[INET6_ADDRSTRLEN], dbuf[INET6_ADDRSTRLEN], pbuf[8];
	char cid[NDR_COMMUNITY_ID_LEN];
	uint16_t cid_sport = sport, cid_dport = dport;

	format_addr(src, sbuf);
	format_addr(dst, dbuf);
	put(b, "src_ip", json_string(sbuf));
	if (proto_has_ports(proto))
		put(b, "src_port", json_integer(sport));
	put(b, "dest_ip", json_string(dbuf));
	if (proto_has_ports(proto))
		put(b, "dest_port", json_integer(dport));
	put(b, "proto", json_string(proto_name(proto, pbuf)));
	if (proto_is_icmp(proto)) {
		cid_sport = dport >> 8;
		cid_dport = dport & 0xff;
		put(b, "icmp_type", json_integer(cid_sport));
		put(b, "icmp_code", json_integer(cid_dport));
	}
	if (ndr_community_id_v1(src, dst, proto, cid_sport, cid_dport, 0, cid) == 0)
		put(b, "community_id", json_string(cid));
}

/* ---- alert -------------------------------------------------------------- */

json_t *ndr_eve_alert(const struct ndr_alert *a)
{
	struct builder b = builder_new();
	json_t *alert, *meta, *mitre, *ndr, *evidence;

	if (b.failed)
		return NULL;
	put(&b, "timestamp", json_ts(a->ts_ns));
	put(&b, "event_type", json_string("alert"));
	put_tuple(&b, a->src_addr, a->dst_addr, a->src_port, a->dst_port, a->proto);

	alert = put_object(&b, "alert");
	put_sub(&b, alert, "action", json_string("allowed"));
	put_sub(&b, alert, "gid", json_integer(1));
	put_sub(&b, alert, "signature_id", json_integer(a->signature_id));
	put_sub(&b, alert, "rev", json_integer(1));
	put_sub(&b, alert, "signature", json_text(a->signature));
	put_sub(&b, alert, "category", json_text(a->category));
	put_sub(&b, alert, "severity", json_integer(a->severity));
	meta = json_object();
	put_sub(&b, alert, "metadata", meta);
	mitre = json_array();
	put_sub(&b, b.failed ? NULL : meta, "mitre_technique_id", mitre);
	for (int i = 0; !b.failed && i < NDR_ALERT_MAX_MITRE && a->mitre[i]; i++)
		if (json_array_append_new(mitre, json_text(a->mitre[i])))
			b.failed = 1;

	ndr = put_object(&b, "ndr");
	put_sub(&b, ndr, "detector", json_text(a->category));
	if (a->entity)
		put_sub(&b, ndr, "entity", json_text(a->entity));
	put_sub(&b, ndr, "score", json_real(a->score));
	evidence = a->evidence ? json_deep_copy(a->evidence) : json_object();
	put_sub(&b, ndr, "evidence", evidence);
	return finish(&b);
}

/* ---- flow --------------------------------------------------------------- */

/* Suricata's flow states: "closed" once torn down, "established" once both
 * sides spoke (TCP: the handshake completed), else "new". */
static const char *flow_state(const struct ndr_flow_rec *r)
{
	if (r->ip_proto == 6) {
		if ((r->tcp_state & (NDR_TCP_RST_FWD | NDR_TCP_RST_REV)) ||
		    ((r->tcp_state & NDR_TCP_FIN_FWD) && (r->tcp_state & NDR_TCP_FIN_REV)))
			return "closed";
		return (r->tcp_state & NDR_TCP_ESTABLISHED) ? "established" : "new";
	}
	return r->pkts_rev > 0 ? "established" : "new";
}

static json_t *json_hex8(uint8_t v)
{
	char buf[4];

	snprintf(buf, sizeof(buf), "%02x", v);
	return json_string(buf);
}

static json_t *json_u16_array(const uint16_t *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++) {
		if (json_array_append_new(a, json_integer(v[i]))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* names for bit i of a flags word; NULL where a bit has no name */
static json_t *json_flag_names(unsigned flags, const char *const *names, unsigned nbits)
{
	json_t *a = json_array();

	for (unsigned i = 0; a && i < 16; i++) {
		char buf[8];
		const char *name;
		if (!(flags & (1u << i)))
			continue;
		name = i < nbits && names[i] ? names[i] : NULL;
		if (!name) {
			snprintf(buf, sizeof(buf), "0x%x", 1u << i);
			name = buf;
		}
		if (json_array_append_new(a, json_string(name))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static void put_tcp(struct builder *b, const struct ndr_flow_rec *r)
{
	static const char *const bits[8] = { "fin", "syn", "rst", "psh", "ack", "urg", "ecn", "cwr" };
	uint8_t all = r->tcp_flags_fwd | r->tcp_flags_rev;
	json_t *tcp = put_object(b, "tcp");

	put_sub(b, tcp, "tcp_flags", json_hex8(all));
	put_sub(b, tcp, "tcp_flags_ts", json_hex8(r->tcp_flags_fwd));
	put_sub(b, tcp, "tcp_flags_tc", json_hex8(r->tcp_flags_rev));
	for (unsigned i = 0; i < 8; i++)
		if (all & (1u << i))
			put_sub(b, tcp, bits[i], json_true());
}

json_t *ndr_eve_flow(const struct ndr_flow_rec *r)
{
	static const char *const tcp_state_bits[8] = {
		"syn", "synack", "established", "rst_fwd", "rst_rev", "fin_fwd", "fin_rev",
		"midstream",
	};
	struct builder b = builder_new();
	uint64_t pkts = r->pkts_fwd + r->pkts_rev;
	json_t *flow, *ndr, *vlan;

	if (b.failed)
		return NULL;
	put(&b, "timestamp", json_ts(r->hdr.ts_ns));
	put(&b, "flow_id", json_integer(r->flow_hash));
	put(&b, "event_type", json_string("flow"));
	if (r->vlan_outer) {
		vlan = json_array();
		put(&b, "vlan", vlan);
		if (!b.failed && (json_array_append_new(vlan, json_integer(r->vlan_outer)) ||
				  (r->vlan_inner &&
				   json_array_append_new(vlan, json_integer(r->vlan_inner)))))
			b.failed = 1;
	}
	put_tuple(&b, r->src_addr, r->dst_addr, r->src_port, r->dst_port, r->ip_proto);

	flow = put_object(&b, "flow");
	put_sub(&b, flow, "pkts_toserver", json_u64(r->pkts_fwd));
	put_sub(&b, flow, "pkts_toclient", json_u64(r->pkts_rev));
	put_sub(&b, flow, "bytes_toserver", json_u64(r->bytes_fwd));
	put_sub(&b, flow, "bytes_toclient", json_u64(r->bytes_rev));
	put_sub(&b, flow, "start", json_ts(r->first_ts_ns));
	put_sub(&b, flow, "end", json_ts(r->last_ts_ns));
	put_sub(&b, flow, "age", json_u64(r->last_ts_ns > r->first_ts_ns ?
					  (r->last_ts_ns - r->first_ts_ns) / 1000000000u : 0));
	put_sub(&b, flow, "state", json_string(flow_state(r)));
	put_sub(&b, flow, "reason", json_string(ndr_flow_end_name(r->end_reason)));
	put_sub(&b, flow, "alerted", json_false());

	if (r->ip_proto == 6)
		put_tcp(&b, r);

	ndr = put_object(&b, "ndr");
	put_sub(&b, ndr, "tcp_state", json_hex8(r->tcp_state));
	put_sub(&b, ndr, "tcp_state_flags", json_flag_names(r->tcp_state, tcp_state_bits, 8));
	put_sub(&b, ndr, "payload_bytes_toserver", json_u64(r->payload_bytes_fwd));
	put_sub(&b, ndr, "payload_bytes_toclient", json_u64(r->payload_bytes_rev));
	put_sub(&b, ndr, "hist_toserver", json_u16_array(r->hist_fwd, NDR_HIST_BINS));
	put_sub(&b, ndr, "hist_toclient", json_u16_array(r->hist_rev, NDR_HIST_BINS));
	if (r->iat_min_us != 0xffffffffu && pkts >= 2) {
		double mean = (double)r->iat_sum_us / (double)(pkts - 1);
		put_sub(&b, ndr, "iat_min_us", json_integer(r->iat_min_us));
		put_sub(&b, ndr, "iat_max_us", json_integer(r->iat_max_us));
		put_sub(&b, ndr, "iat_mean_us", json_real(mean));
		put_sub(&b, ndr, "iat_sum_us", json_u64(r->iat_sum_us));
		/* saturated: the sum of squares no longer says anything exact */
		put_sub(&b, ndr, "iat_sumsq_us", r->iat_sumsq_us == UINT64_MAX ? json_null() :
			json_u64(r->iat_sumsq_us));
	}
	put_sub(&b, ndr, "dir_changes", json_integer(r->dir_changes));
	put_sub(&b, ndr, "frag_seen", json_integer(r->frag_seen));
	put_sub(&b, ndr, "vlan_outer", json_integer(r->vlan_outer));
	put_sub(&b, ndr, "vlan_inner", json_integer(r->vlan_inner));
	put_sub(&b, ndr, "seq", json_integer(r->hdr.seq));
	return finish(&b);
}

/* ---- dns ---------------------------------------------------------------- */

static json_t *json_entropy(uint16_t fixed)
{
	return json_real((double)fixed / (double)(1u << NDR_ENTROPY_FRAC_BITS));
}

json_t *ndr_eve_dns(const struct ndr_dns_rec *r)
{
	static const char *const parse_bits[8] = {
		"truncated", "ptr_loop", "label_long", "no_question", "bad_label",
		"answers_cut", "tcp", "name_cut",
	};
	struct builder b = builder_new();
	int answer = (r->dns_flags & 0x8000) != 0;
	size_t qlen = r->qname_len > NDR_DNS_NAME_MAX ? NDR_DNS_NAME_MAX : r->qname_len;
	char tbuf[NDR_DNS_NUMBER_NAME_LEN];
	json_t *dns, *ndr;

	if (b.failed)
		return NULL;
	put(&b, "timestamp", json_ts(r->hdr.ts_ns));
	put(&b, "event_type", json_string("dns"));
	if (r->vlan_outer) {
		json_t *vlan = json_array();
		put(&b, "vlan", vlan);
		if (!b.failed && json_array_append_new(vlan, json_integer(r->vlan_outer)))
			b.failed = 1;
	}
	put_tuple(&b, r->src_addr, r->dst_addr, r->src_port, r->dst_port, r->ip_proto);

	dns = put_object(&b, "dns");
	put_sub(&b, dns, "type", json_string(answer ? "answer" : "query"));
	put_sub(&b, dns, "id", json_integer(r->txid));
	snprintf(tbuf, sizeof(tbuf), "%x", r->dns_flags);
	put_sub(&b, dns, "flags", json_string(tbuf));
	if (answer)
		put_sub(&b, dns, "qr", json_true());
	if (r->dns_flags & 0x0400)
		put_sub(&b, dns, "aa", json_true());
	if (r->dns_flags & 0x0200)
		put_sub(&b, dns, "tc", json_true());
	if (r->dns_flags & 0x0100)
		put_sub(&b, dns, "rd", json_true());
	if (r->dns_flags & 0x0080)
		put_sub(&b, dns, "ra", json_true());
	put_sub(&b, dns, "opcode", json_integer((r->dns_flags >> 11) & 0xf));
	if (r->qdcount > 0 && !(r->parse_flags & NDR_DNS_P_NO_QUESTION)) {
		put_sub(&b, dns, "rrname", json_presentation(r->qname, qlen));
		put_sub(&b, dns, "rrtype", json_string(ndr_dns_rrtype_name(r->qtype, tbuf)));
	}
	if (answer)
		put_sub(&b, dns, "rcode", json_string(ndr_dns_rcode_name(r->dns_flags & 0xf, tbuf)));

	ndr = put_object(&b, "ndr");
	put_sub(&b, ndr, "qclass", json_integer(r->qclass));
	put_sub(&b, ndr, "qdcount", json_integer(r->qdcount));
	put_sub(&b, ndr, "ancount", json_integer(r->ancount));
	put_sub(&b, ndr, "nscount", json_integer(r->nscount));
	put_sub(&b, ndr, "arcount", json_integer(r->arcount));
	put_sub(&b, ndr, "msg_len", json_integer(r->msg_len));
	put_sub(&b, ndr, "label_count", json_integer(r->label_count));
	put_sub(&b, ndr, "longest_label", json_integer(r->longest_label));
	put_sub(&b, ndr, "entropy", json_entropy(r->qname_entropy));
	put_sub(&b, ndr, "label_entropy", json_entropy(r->label_entropy));
	put_sub(&b, ndr, "n_lower", json_integer(r->n_lower));
	put_sub(&b, ndr, "n_upper", json_integer(r->n_upper));
	put_sub(&b, ndr, "n_digit", json_integer(r->n_digit));
	put_sub(&b, ndr, "n_hyphen", json_integer(r->n_hyphen));
	put_sub(&b, ndr, "n_other", json_integer(r->n_other));
	put_sub(&b, ndr, "an_a", json_integer(r->an_a));
	put_sub(&b, ndr, "an_aaaa", json_integer(r->an_aaaa));
	put_sub(&b, ndr, "an_txt", json_integer(r->an_txt));
	put_sub(&b, ndr, "an_other", json_integer(r->an_other));
	if (r->first_an_type)
		put_sub(&b, ndr, "first_an_type",
			json_string(ndr_dns_rrtype_name(r->first_an_type, tbuf)));
	if (r->min_ttl != 0xffffffffu)
		put_sub(&b, ndr, "min_ttl", json_integer(r->min_ttl));
	put_sub(&b, ndr, "txt_len", json_integer(r->txt_len));
	put_sub(&b, ndr, "txt_entropy", json_entropy(r->txt_entropy));
	put_sub(&b, ndr, "ip_ttl", json_integer(r->ip_ttl));
	put_sub(&b, ndr, "parse_flags", json_flag_names(r->parse_flags, parse_bits, 8));
	put_sub(&b, ndr, "seq", json_integer(r->hdr.seq));
	return finish(&b);
}

/* ---- tls ---------------------------------------------------------------- */

/* Suricata's names for the versions it knows; others as hex. */
static const char *tls_version_name(uint16_t v, char buf[16])
{
	switch (v) {
	case 0x0200: return "SSLv2";
	case 0x0300: return "SSLv3";
	case 0x0301: return "TLSv1";
	case 0x0302: return "TLS 1.1";
	case 0x0303: return "TLS 1.2";
	case 0x0304: return "TLS 1.3";
	}
	snprintf(buf, 16, "0x%04x", v);
	return buf;
}

/* tls.version is the ClientHello's legacy_version (a TLS 1.3 client says
 * TLS 1.2 there: the card sees no supported_versions list), or the record
 * layer's when the hello was cut before it. */
json_t *ndr_eve_tls(const struct ndr_tls_rec *r)
{
	static const char *const flag_bits[6] = {
		"sni", "sni_cut", "truncated", "malformed", "ext_cut", "alpn",
	};
	struct builder b = builder_new();
	size_t sni = r->sni_len > NDR_TLS_SNI_MAX ? NDR_TLS_SNI_MAX : r->sni_len;
	size_t alpn = r->alpn_len > NDR_TLS_ALPN_MAX ? NDR_TLS_ALPN_MAX : r->alpn_len;
	uint16_t version = r->hello_version ? r->hello_version : r->record_version;
	char vbuf[16];
	json_t *tls, *ndr;

	if (b.failed)
		return NULL;
	put(&b, "timestamp", json_ts(r->hdr.ts_ns));
	put(&b, "event_type", json_string("tls"));
	if (r->vlan_outer) {
		json_t *vlan = json_array();
		put(&b, "vlan", vlan);
		if (!b.failed && json_array_append_new(vlan, json_integer(r->vlan_outer)))
			b.failed = 1;
		if (!b.failed && r->vlan_inner &&
		    json_array_append_new(vlan, json_integer(r->vlan_inner)))
			b.failed = 1;
	}
	put_tuple(&b, r->src_addr, r->dst_addr, r->src_port, r->dst_port, r->ip_proto);

	tls = put_object(&b, "tls");
	if (r->tls_flags & NDR_TLS_F_SNI)
		put_sub(&b, tls, "sni", json_presentation(r->sni, sni));
	put_sub(&b, tls, "version", json_string(tls_version_name(version, vbuf)));

	ndr = put_object(&b, "ndr");
	snprintf(vbuf, sizeof(vbuf), "0x%04x", r->record_version);
	put_sub(&b, ndr, "record_version", json_string(vbuf));
	snprintf(vbuf, sizeof(vbuf), "0x%04x", r->hello_version);
	put_sub(&b, ndr, "hello_version", json_string(vbuf));
	put_sub(&b, ndr, "record_len", json_integer(r->record_len));
	put_sub(&b, ndr, "hello_len", json_integer(r->hello_len));
	put_sub(&b, ndr, "payload_len", json_integer(r->payload_len));
	put_sub(&b, ndr, "sni_len", json_integer(r->sni_len));
	put_sub(&b, ndr, "n_ciphers", json_integer(r->n_ciphers));
	put_sub(&b, ndr, "n_extensions", json_integer(r->n_extensions));
	if (r->tls_flags & NDR_TLS_F_ALPN) {
		put_sub(&b, ndr, "alpn", json_presentation((const char *)r->alpn, alpn));
		put_sub(&b, ndr, "alpn_len", json_integer(r->alpn_len));
	}
	put_sub(&b, ndr, "ip_ttl", json_integer(r->ip_ttl));
	put_sub(&b, ndr, "flags", json_flag_names(r->tls_flags, flag_bits, 6));
	put_sub(&b, ndr, "seq", json_integer(r->hdr.seq));
	return finish(&b);
}

/* ---- text --------------------------------------------------------------- */

static char *dump_and_free(json_t *event)
{
	char *s;

	if (!event)
		return NULL;
	s = json_dumps(event, NDR_EVE_DUMP_FLAGS);
	json_decref(event);
	return s;
}

char *ndr_eve_alert_str(const struct ndr_alert *alert)
{
	return dump_and_free(ndr_eve_alert(alert));
}

char *ndr_eve_flow_str(const struct ndr_flow_rec *rec)
{
	return dump_and_free(ndr_eve_flow(rec));
}

char *ndr_eve_dns_str(const struct ndr_dns_rec *rec)
{
	return dump_and_free(ndr_eve_dns(rec));
}

char *ndr_eve_tls_str(const struct ndr_tls_rec *rec)
{
	return dump_and_free(ndr_eve_tls(rec));
}

static int format_and_free(json_t *event, char *buf, size_t len)
{
	size_t need;

	if (len > 0)
		buf[0] = '\0';
	if (!event)
		return -1;
	need = json_dumpb(event, buf, len, NDR_EVE_DUMP_FLAGS);
	json_decref(event);
	if (need == 0 || need >= len || need > (size_t)INT32_MAX) {
		if (len > 0)
			buf[0] = '\0';
		return -1;
	}
	buf[need] = '\0';
	return (int)need;
}

int ndr_eve_alert_format(const struct ndr_alert *alert, char *buf, size_t len)
{
	return format_and_free(ndr_eve_alert(alert), buf, len);
}

int ndr_eve_flow_format(const struct ndr_flow_rec *rec, char *buf, size_t len)
{
	return format_and_free(ndr_eve_flow(rec), buf, len);
}

int ndr_eve_dns_format(const struct ndr_dns_rec *rec, char *buf, size_t len)
{
	return format_and_free(ndr_eve_dns(rec), buf, len);
}

int ndr_eve_tls_format(const struct ndr_tls_rec *rec, char *buf, size_t len)
{
	return format_and_free(ndr_eve_tls(rec), buf, len);
}

/* ---- the writer --------------------------------------------------------- */

struct ndr_eve_writer {
	FILE *f;
	int owned;
	struct ndr_eve_stats stats;
};

struct ndr_eve_writer *ndr_eve_writer_open(const char *path, char *err, size_t errlen)
{
	struct ndr_eve_writer *w;
	FILE *f;

	if (!strcmp(path, "-")) {
		w = ndr_eve_writer_from_file(stdout);
		if (!w)
			snprintf(err, errlen, "eve: out of memory");
		return w;
	}
	f = fopen(path, "a");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	w = ndr_eve_writer_from_file(f);
	if (!w) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	w->owned = 1;
	return w;
}

struct ndr_eve_writer *ndr_eve_writer_from_file(FILE *f)
{
	struct ndr_eve_writer *w = calloc(1, sizeof(*w));

	if (w)
		w->f = f;
	return w;
}

static int write_line(struct ndr_eve_writer *w, char *line)
{
	int failed;

	if (!line) {
		w->stats.errors++;
		errno = ENOMEM;
		return -1;
	}
	failed = fputs(line, w->f) == EOF || fputc('\n', w->f) == EOF || fflush(w->f) == EOF;
	free(line);
	if (failed) {
		int e = errno;
		clearerr(w->f);  /* the next line may succeed (disk space freed) */
		w->stats.errors++;
		errno = e;
		return -1;
	}
	w->stats.events++;
	return 0;
}

int ndr_eve_write_alert(struct ndr_eve_writer *w, const struct ndr_alert *alert)
{
	return write_line(w, ndr_eve_alert_str(alert));
}

int ndr_eve_write_flow(struct ndr_eve_writer *w, const struct ndr_flow_rec *rec)
{
	return write_line(w, ndr_eve_flow_str(rec));
}

int ndr_eve_write_dns(struct ndr_eve_writer *w, const struct ndr_dns_rec *rec)
{
	return write_line(w, ndr_eve_dns_str(rec));
}

int ndr_eve_write_tls(struct ndr_eve_writer *w, const struct ndr_tls_rec *rec)
{
	return write_line(w, ndr_eve_tls_str(rec));
}

int ndr_eve_write_json(struct ndr_eve_writer *w, const json_t *event)
{
	return write_line(w, json_dumps(event, NDR_EVE_DUMP_FLAGS));
}

void ndr_eve_writer_stats(const struct ndr_eve_writer *w, struct ndr_eve_stats *out)
{
	*out = w->stats;
}

void ndr_eve_writer_close(struct ndr_eve_writer *w)
{
	if (!w)
		return;
	if (w->owned)
		fclose(w->f);
	else
		fflush(w->f);
	free(w);
}

static void eve_sink_emit(void *arg, const struct ndr_alert *alert)
{
	/* a failure is counted in the writer's stats; the detector goes on */
	(void)ndr_eve_write_alert(arg, alert);
}

struct ndr_alert_sink ndr_eve_alert_sink(struct ndr_eve_writer *w)
{
	struct ndr_alert_sink sink = { eve_sink_emit, w };

	return sink;
}
