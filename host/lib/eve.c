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
#include "ndr_dns_answers.h"
#include "ndr_dns_names.h"
#include "ndr_flow_id.h"
#include "ndr_eve.h"
#include "ndr_record.h"
#include "ndr_tls_fingerprint.h"

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

/* timestamp, flow_id (when the event is about one flow), event_type, vlan:
 * the head of every event, in Suricata's order. */
static void put_head(struct builder *b, uint64_t ts_ns, const uint64_t *flow_id,
		     const char *event_type, uint16_t vlan_outer, uint16_t vlan_inner)
{
	json_t *vlan;

	put(b, "timestamp", json_ts(ts_ns));
	if (flow_id)
		put(b, "flow_id", json_u64(*flow_id));
	put(b, "event_type", json_string(event_type));
	if (!vlan_outer)
		return;
	vlan = json_array();
	put(b, "vlan", vlan);
	if (!b->failed && (json_array_append_new(vlan, json_integer(vlan_outer)) ||
			   (vlan_inner && json_array_append_new(vlan, json_integer(vlan_inner)))))
		b->failed = 1;
}

/*
 * What ndr knows beyond Suricata's fields goes where Suricata's schema
 * lets a producer put its own names (docs/alerts.md "ndr's own fields"):
 * counters under metadata.flowints (Suricata's integer variables of a
 * flow), flags under metadata.flowbits (its named flags of a flow),
 * entropies under metadata.entropy (where its entropy keyword logs).
 * Names are prefixed "ndr_" / "ndr." so they never clash with a rule's.
 */
struct metadata {
	json_t *flowints, *flowbits, *entropy;
};

static struct metadata metadata_new(struct builder *b)
{
	struct metadata m = { json_object(), json_array(), json_object() };

	if (!m.flowints || !m.flowbits || !m.entropy)
		b->failed = 1;
	return m;
}

static void metadata_int(struct builder *b, struct metadata *m, const char *name, uint64_t v)
{
	put_sub(b, m->flowints, name, json_u64(v));
}

/* one flowbit "ndr.<group>.<name>" */
static void metadata_flag(struct builder *b, struct metadata *m, const char *group,
			  const char *name)
{
	char buf[96];

	snprintf(buf, sizeof(buf), "ndr.%s.%s", group, name);
	if (!b->failed && json_array_append_new(m->flowbits, json_string(buf)))
		b->failed = 1;
}

/* bit i of flags as "ndr.<group>.<names[i]>"; a bit without a name as hex */
static void metadata_flags(struct builder *b, struct metadata *m, const char *group,
			   unsigned flags, const char *const *names, unsigned nbits)
{
	for (unsigned i = 0; !b->failed && i < 16; i++) {
		char buf[64];

		if (!(flags & (1u << i)))
			continue;
		if (i < nbits && names[i])
			snprintf(buf, sizeof(buf), "ndr.%s.%s", group, names[i]);
		else
			snprintf(buf, sizeof(buf), "ndr.%s.0x%x", group, 1u << i);
		if (json_array_append_new(m->flowbits, json_string(buf)))
			b->failed = 1;
	}
}

/* Attaches what is not empty (the schema wants at least one flowbit) and
 * releases the rest. */
static void metadata_put(struct builder *b, struct metadata *m)
{
	json_t *meta = json_object();

	if (!meta || b->failed) {
		b->failed = 1;
		json_decref(meta);
		json_decref(m->flowints);
		json_decref(m->flowbits);
		json_decref(m->entropy);
		return;
	}
	if (json_array_size(m->flowbits))
		put_sub(b, meta, "flowbits", m->flowbits);
	else
		json_decref(m->flowbits);
	if (json_object_size(m->flowints))
		put_sub(b, meta, "flowints", m->flowints);
	else
		json_decref(m->flowints);
	if (json_object_size(m->entropy))
		put_sub(b, meta, "entropy", m->entropy);
	else
		json_decref(m->entropy);
	put(b, "metadata", meta);
}

/* ---- alert -------------------------------------------------------------- */

static json_t *json_ip(const uint8_t addr[16])
{
	char buf[INET6_ADDRSTRLEN];

	format_addr(addr, buf);
	return json_string(buf);
}

static const char *const scope_names[] = { "flow", "host", "pair" };

/* alert.source / alert.target: Suricata's names for the attacker and the
 * attacked of a host alert. */
static void put_endpoint(struct builder *b, json_t *alert, const char *key,
			 const uint8_t addr[16])
{
	json_t *o = json_object();

	put_sub(b, alert, key, o);
	if (!b->failed)
		put_sub(b, o, "ip", json_ip(addr));
}

json_t *ndr_eve_alert(const struct ndr_alert *a)
{
	struct builder b = builder_new();
	int flow = a->scope == NDR_ALERT_FLOW;
	unsigned scope = (unsigned)a->scope < 3 ? (unsigned)a->scope : 0;
	uint64_t flow_id = flow ? ndr_flow_id(a->src_addr, a->src_port, a->dst_addr, a->dst_port,
					       a->proto) : 0;
	json_t *alert, *meta, *mitre, *ndr, *evidence;

	if (b.failed)
		return NULL;
	put_head(&b, a->ts_ns, flow ? &flow_id : NULL, "alert", 0, 0);
	if (flow) {
		put_tuple(&b, a->src_addr, a->dst_addr, a->src_port, a->dst_port, a->proto);
	} else {
		/* a host, or a pair: its addresses, and no made-up ports */
		put(&b, "src_ip", json_ip(a->src_addr));
		if (a->scope == NDR_ALERT_PAIR)
			put(&b, "dest_ip", json_ip(a->dst_addr));
	}

	alert = put_object(&b, "alert");
	put_sub(&b, alert, "action", json_string("allowed"));
	put_sub(&b, alert, "gid", json_integer(NDR_EVE_GID));
	put_sub(&b, alert, "signature_id", json_integer(a->signature_id));
	put_sub(&b, alert, "rev", json_integer(a->rev ? a->rev : 1));
	put_sub(&b, alert, "signature", json_text(a->signature));
	put_sub(&b, alert, "category", json_text(a->category));
	put_sub(&b, alert, "severity", json_integer(a->severity));
	if (!flow && !b.failed) {
		put_endpoint(&b, alert, "source", a->src_addr);
		if (a->scope == NDR_ALERT_PAIR)
			put_endpoint(&b, alert, "target", a->dst_addr);
	}
	meta = json_object();
	put_sub(&b, alert, "metadata", meta);
	mitre = json_array();
	put_sub(&b, b.failed ? NULL : meta, "mitre_technique_id", mitre);
	for (int i = 0; !b.failed && i < NDR_ALERT_MAX_MITRE && a->mitre[i]; i++)
		if (json_array_append_new(mitre, json_text(a->mitre[i])))
			b.failed = 1;
	if (b.failed)
		return finish(&b);
	if (!json_array_size(mitre))
		json_object_del(meta, "mitre_technique_id");  /* minItems 1 */

	ndr = json_object();
	put_sub(&b, meta, "ndr", ndr);
	put_sub(&b, ndr, "detector", json_text(a->category));
	put_sub(&b, ndr, "scope", json_string(scope_names[scope]));
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

const char *ndr_eve_app_proto(const struct ndr_flow_rec *r, const struct ndr_eve_flow_seen *seen)
{
	int both = r->payload_bytes_fwd > 0 && r->payload_bytes_rev > 0;

	if (seen && seen->tls)
		return "tls";
	if (seen && seen->dns)
		return "dns";
	if (r->ip_proto == 17 && r->payload_bytes_fwd > 0) {
		if (r->dst_port == 53)
			return "dns";
		if (r->dst_port == 88)
			return "krb5";
		return NULL;
	}
	if (r->ip_proto != 6 || !both)
		return NULL;
	switch (r->dst_port) {
	case 22: return "ssh";
	case 53: return "dns";
	case 88: return "krb5";
	case 139: case 445: return "smb";
	case 3389: return "rdp";
	}
	return NULL;
}

static const char *const hist_names[NDR_HIST_BINS] = {
	"le64", "le128", "le256", "le512", "le768", "le1024", "le1500", "gt1500",
};

json_t *ndr_eve_flow_seen(const struct ndr_flow_rec *r, const struct ndr_eve_flow_seen *seen)
{
	static const char *const tcp_state_bits[8] = {
		"syn", "synack", "established", "rst_fwd", "rst_rev", "fin_fwd", "fin_rev",
		"midstream",
	};
	struct builder b = builder_new();
	uint64_t pkts = r->pkts_fwd + r->pkts_rev;
	uint64_t flow_id = ndr_flow_id(r->src_addr, r->src_port, r->dst_addr, r->dst_port,
				       r->ip_proto);
	const char *app_proto = ndr_eve_app_proto(r, seen);
	struct metadata m;
	char name[48];
	json_t *flow;

	if (b.failed)
		return NULL;
	put_head(&b, r->hdr.ts_ns, &flow_id, "flow", r->vlan_outer, r->vlan_inner);
	put_tuple(&b, r->src_addr, r->dst_addr, r->src_port, r->dst_port, r->ip_proto);
	if (app_proto)
		put(&b, "app_proto", json_string(app_proto));

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
	put_sub(&b, flow, "alerted", json_boolean(seen && seen->alerted));

	if (r->ip_proto == 6)
		put_tcp(&b, r);

	m = metadata_new(&b);
	if (r->ip_proto == 6) {
		metadata_flags(&b, &m, "tcp", r->tcp_state, tcp_state_bits, 8);
		metadata_int(&b, &m, "ndr_tcp_state", r->tcp_state);
	}
	metadata_int(&b, &m, "ndr_payload_bytes_toserver", r->payload_bytes_fwd);
	metadata_int(&b, &m, "ndr_payload_bytes_toclient", r->payload_bytes_rev);
	for (unsigned i = 0; i < 2 * NDR_HIST_BINS; i++) {
		int rev = i >= NDR_HIST_BINS;
		unsigned bin = i % NDR_HIST_BINS;

		snprintf(name, sizeof(name), "ndr_hist_%s_%s", rev ? "toclient" : "toserver",
			 hist_names[bin]);
		metadata_int(&b, &m, name, rev ? r->hist_rev[bin] : r->hist_fwd[bin]);
	}
	if (r->iat_min_us != 0xffffffffu && pkts >= 2) {
		metadata_int(&b, &m, "ndr_iat_min_us", r->iat_min_us);
		metadata_int(&b, &m, "ndr_iat_max_us", r->iat_max_us);
		metadata_int(&b, &m, "ndr_iat_mean_us", (r->iat_sum_us + (pkts - 1) / 2) / (pkts - 1));
		metadata_int(&b, &m, "ndr_iat_sum_us", r->iat_sum_us);
		/* saturated: the sum of squares no longer says anything exact */
		if (r->iat_sumsq_us != UINT64_MAX)
			metadata_int(&b, &m, "ndr_iat_sumsq_us", r->iat_sumsq_us);
	}
	metadata_int(&b, &m, "ndr_dir_changes", r->dir_changes);
	metadata_int(&b, &m, "ndr_frag_seen", r->frag_seen);
	metadata_int(&b, &m, "ndr_seq", r->hdr.seq);
	metadata_put(&b, &m);
	return finish(&b);
}

json_t *ndr_eve_flow(const struct ndr_flow_rec *r)
{
	return ndr_eve_flow_seen(r, NULL);
}

/* ---- dns ---------------------------------------------------------------- */

static json_t *json_entropy(uint16_t fixed)
{
	return json_real((double)fixed / (double)(1u << NDR_ENTROPY_FRAC_BITS));
}

static void put_dns_flags(struct builder *b, json_t *dns, uint16_t flags)
{
	char buf[8];

	snprintf(buf, sizeof(buf), "%x", flags);
	put_sub(b, dns, "flags", json_string(buf));
	if (flags & 0x8000)
		put_sub(b, dns, "qr", json_true());
	if (flags & 0x0400)
		put_sub(b, dns, "aa", json_true());
	if (flags & 0x0200)
		put_sub(b, dns, "tc", json_true());
	if (flags & 0x0100)
		put_sub(b, dns, "rd", json_true());
	if (flags & 0x0080)
		put_sub(b, dns, "ra", json_true());
	put_sub(b, dns, "opcode", json_integer((flags >> 11) & 0xf));
}

/* Suricata's EVE DNS format 2: type, id, flags, rrname/rrtype of the
 * question, rcode of an answer, at the top of the dns object. */
#define EVE_DNS_VERSION 2

/* Suricata's text for an answer address: dotted IPv4, or IPv6 as eight
 * groups of four hex digits (not compressed), as its dns logger writes. */
static json_t *json_dns_addr(const struct ndr_dns_answer *a)
{
	char t[48];
	const uint8_t *p = a->addr;

	if (a->type == 1) {
		snprintf(t, sizeof(t), "%u.%u.%u.%u", p[12], p[13], p[14], p[15]);
	} else {
		snprintf(t, sizeof(t),
			 "%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x",
			 p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11],
			 p[12], p[13], p[14], p[15]);
	}
	return json_string(t);
}

/* Appends text to grouped[key], creating the array. */
static void put_grouped(struct builder *b, json_t **grouped, const char *key, json_t *text)
{
	json_t *arr;

	if (!text) {
		b->failed = 1;
		return;
	}
	if (!*grouped)
		*grouped = json_object();
	arr = *grouped ? json_object_get(*grouped, key) : NULL;
	if (*grouped && !arr) {
		arr = json_array();
		put_sub(b, *grouped, key, arr);
	}
	if (!arr || json_array_append_new(arr, text))
		b->failed = 1;
}

/* The answers the card kept (ndr_abi.h "DNS answers") as Suricata's
 * "answers" and "grouped": rrname where the answer's owner was the
 * question's name, rdata for addresses and a CNAME target kept whole.
 * TXT/NULL contents are not kept: the size of answer i goes to flowint
 * ndr_answer_<i>_rdlength, what was not kept to flowbits ndr.dns_answers.*. */
static void eve_dns_answers(struct builder *b, json_t *dns, struct metadata *m,
			    const struct ndr_dns_rec *r, size_t qlen)
{
	static const char *const kept_bits[5] = {
		"entries_cut", "addr_cut", "cname", "cname_cut", "cname_bad",
	};
	struct ndr_dns_answers an;
	json_t *answers = NULL, *grouped = NULL;
	const char *why;
	char tbuf[NDR_DNS_NUMBER_NAME_LEN], name[48];
	unsigned i, want;

	want = ndr_dns_rec_expected_slots(r, &why);
	if (!r->an_entries || !want || r->hdr.slots < want)
		return;
	ndr_dns_answers_read(r, &an);
	answers = json_array();
	put_sub(b, dns, "answers", answers);
	for (i = 0; i < an.n && !b->failed; i++) {
		const struct ndr_dns_answer *a = &an.a[i];
		const char *type = ndr_dns_rrtype_name(a->type, tbuf);
		json_t *e = json_object();

		if (!e || json_array_append_new(answers, e)) {
			b->failed = 1;
			break;
		}
		if (a->owner_is_qname && !(r->parse_flags & NDR_DNS_P_NO_QUESTION))
			put_sub(b, e, "rrname", json_presentation(r->qname, qlen));
		put_sub(b, e, "rrtype", json_string(type));
		put_sub(b, e, "ttl", json_integer(a->ttl));
		if (a->has_addr) {
			put_sub(b, e, "rdata", json_dns_addr(a));
			put_grouped(b, &grouped, type, json_dns_addr(a));
		} else if (a->is_cname && an.cname_stored == an.cname_len) {
			put_sub(b, e, "rdata", json_presentation(an.cname, an.cname_stored));
			put_grouped(b, &grouped, type, json_presentation(an.cname, an.cname_stored));
		}
		if (a->type == 16 || a->type == 10) {
			snprintf(name, sizeof(name), "ndr_answer_%u_rdlength", i);
			metadata_int(b, m, name, a->rdlen);
		}
	}
	if (grouped)
		put_sub(b, dns, "grouped", grouped);
	metadata_flags(b, m, "dns_answers", an.flags, kept_bits, 5);
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
	uint64_t flow_id = ndr_flow_id(r->src_addr, r->src_port, r->dst_addr, r->dst_port,
				       r->ip_proto);
	char tbuf[NDR_DNS_NUMBER_NAME_LEN];
	struct metadata m;
	json_t *dns;

	if (b.failed)
		return NULL;
	put_head(&b, r->hdr.ts_ns, &flow_id, "dns", r->vlan_outer, 0);
	put_tuple(&b, r->src_addr, r->dst_addr, r->src_port, r->dst_port, r->ip_proto);

	dns = put_object(&b, "dns");
	put_sub(&b, dns, "version", json_integer(EVE_DNS_VERSION));
	put_sub(&b, dns, "type", json_string(answer ? "answer" : "query"));
	put_sub(&b, dns, "id", json_integer(r->txid));
	put_dns_flags(&b, dns, r->dns_flags);
	if (r->qdcount > 0 && !(r->parse_flags & NDR_DNS_P_NO_QUESTION)) {
		put_sub(&b, dns, "rrname", json_presentation(r->qname, qlen));
		put_sub(&b, dns, "rrtype", json_string(ndr_dns_rrtype_name(r->qtype, tbuf)));
	}
	if (answer)
		put_sub(&b, dns, "rcode", json_string(ndr_dns_rcode_name(r->dns_flags & 0xf, tbuf)));

	m = metadata_new(&b);
	metadata_flags(&b, &m, "dns", r->parse_flags, parse_bits, 8);
	metadata_int(&b, &m, "ndr_qclass", r->qclass);
	metadata_int(&b, &m, "ndr_qdcount", r->qdcount);
	metadata_int(&b, &m, "ndr_ancount", r->ancount);
	metadata_int(&b, &m, "ndr_nscount", r->nscount);
	metadata_int(&b, &m, "ndr_arcount", r->arcount);
	metadata_int(&b, &m, "ndr_msg_len", r->msg_len);
	metadata_int(&b, &m, "ndr_label_count", r->label_count);
	metadata_int(&b, &m, "ndr_longest_label", r->longest_label);
	metadata_int(&b, &m, "ndr_n_lower", r->n_lower);
	metadata_int(&b, &m, "ndr_n_upper", r->n_upper);
	metadata_int(&b, &m, "ndr_n_digit", r->n_digit);
	metadata_int(&b, &m, "ndr_n_hyphen", r->n_hyphen);
	metadata_int(&b, &m, "ndr_n_other", r->n_other);
	metadata_int(&b, &m, "ndr_an_a", r->an_a);
	metadata_int(&b, &m, "ndr_an_aaaa", r->an_aaaa);
	metadata_int(&b, &m, "ndr_an_txt", r->an_txt);
	metadata_int(&b, &m, "ndr_an_other", r->an_other);
	if (r->first_an_type)
		metadata_int(&b, &m, "ndr_first_an_type", r->first_an_type);
	if (r->min_ttl != 0xffffffffu)
		metadata_int(&b, &m, "ndr_min_ttl", r->min_ttl);
	metadata_int(&b, &m, "ndr_txt_len", r->txt_len);
	metadata_int(&b, &m, "ndr_ip_ttl", r->ip_ttl);
	metadata_int(&b, &m, "ndr_seq", r->hdr.seq);
	put_sub(&b, m.entropy, "ndr_dns_query", json_entropy(r->qname_entropy));
	put_sub(&b, m.entropy, "ndr_dns_query_longest_label", json_entropy(r->label_entropy));
	if (r->txt_len)
		put_sub(&b, m.entropy, "ndr_dns_answer_txt", json_entropy(r->txt_entropy));
	if (answer)
		eve_dns_answers(&b, dns, &m, r, qlen);
	metadata_put(&b, &m);
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

/* A TLS version's name, or NULL for 0. */
static json_t *json_tls_version(uint16_t v)
{
	char buf[16];

	return json_string(tls_version_name(v, buf));
}

/* A u16 list without GREASE values, as Suricata's integer arrays; NULL
 * when nothing is left (its arrays have minItems 1). */
static json_t *json_u16_list(const uint16_t *v, unsigned n)
{
	json_t *a = NULL;

	for (unsigned i = 0; i < n; i++) {
		if (ndr_tls_grease(v[i]))
			continue;
		if (!a && !(a = json_array()))
			return NULL;
		json_array_append_new(a, json_integer(v[i]));
	}
	return a;
}

static void put_sub_opt(struct builder *b, json_t *obj, const char *key, json_t *value)
{
	if (value)
		put_sub(b, obj, key, value);
}

/* client_alpns / server_alpns: the first protocol only, and only whole
 * (the card keeps 8 bytes of it). */
static void put_alpns(struct builder *b, json_t *tls, const char *key, const struct ndr_tls_rec *r)
{
	json_t *a;

	if (!(r->tls_flags & NDR_TLS_F_ALPN) || r->alpn_len > NDR_TLS_ALPN_MAX)
		return;
	a = json_array();
	put_sub(b, tls, key, a);
	if (!b->failed && json_array_append_new(a, json_presentation((const char *)r->alpn,
								       r->alpn_len)))
		b->failed = 1;
}

/* The ClientHello's side: client_handshake, client_alpns, ja3, ja4 (when
 * the hello was whole, else flowbit ndr.tls_fingerprint_missing.<why>),
 * flowint ndr_client_max_version. */
static void eve_tls_client(struct builder *b, json_t *tls, struct metadata *m,
			   const struct ndr_tls_rec *c)
{
	char ja3[NDR_JA3_STRLEN], md5[33], ja4[NDR_JA4_STRLEN];
	const char *missing = ndr_tls_fingerprint_missing(c);
	json_t *hs = json_object();

	put_sub(b, tls, "client_handshake", hs);
	if (c->hello_version)
		put_sub(b, hs, "version", json_tls_version(c->hello_version));
	if (c->tls_flags & NDR_TLS_F_CIPHERS)
		put_sub_opt(b, hs, "ciphers", json_u16_list(c->ciphers,
			c->n_ciphers < NDR_TLS_CIPHERS_MAX ? c->n_ciphers : NDR_TLS_CIPHERS_MAX));
	put_sub_opt(b, hs, "exts", json_u16_list(c->ext_types,
		c->n_extensions < NDR_TLS_MAX_EXT ? c->n_extensions : NDR_TLS_MAX_EXT));
	if (c->tls_flags & NDR_TLS_F_SIGALGS)
		put_sub_opt(b, hs, "sig_algs", json_u16_list(c->sigalgs,
			c->n_sigalgs < NDR_TLS_SIGALGS_MAX ? c->n_sigalgs : NDR_TLS_SIGALGS_MAX));
	put_alpns(b, tls, "client_alpns", c);
	if (!missing && !ndr_tls_ja3(c, ja3, md5) && !ndr_tls_ja4(c, ja4)) {
		json_t *j = json_object();

		put_sub(b, tls, "ja3", j);
		put_sub(b, j, "hash", json_string(md5));
		put_sub(b, j, "string", json_string(ja3));
		put_sub(b, tls, "ja4", json_string(ja4));
	} else {
		metadata_flag(b, m, "tls_fingerprint_missing", missing ? missing : "digest_failed");
	}
	if (c->tls_flags & NDR_TLS_F_SV)
		metadata_int(b, m, "ndr_client_max_version", c->sv_version);
}

/* The ServerHello's side: server_handshake, server_alpns, ja3s. */
static void eve_tls_server(struct builder *b, json_t *tls, const struct ndr_tls_rec *s)
{
	unsigned n = s->n_extensions < NDR_TLS_MAX_EXT ? s->n_extensions : NDR_TLS_MAX_EXT;
	json_t *hs = json_object();
	char str[NDR_JA3_STRLEN], md5[33];
	size_t at;

	put_sub(b, tls, "server_handshake", hs);
	if (s->hello_version)
		put_sub(b, hs, "version", json_tls_version(s->hello_version));
	if (s->tls_flags & NDR_TLS_F_CIPHERS)
		put_sub(b, hs, "cipher", json_integer(s->ciphers[0]));
	put_sub_opt(b, hs, "exts", json_u16_list(s->ext_types, n));
	put_alpns(b, tls, "server_alpns", s);
	/* JA3S: version, cipher, extensions (wire order), of a whole hello */
	if ((s->tls_flags & NDR_TLS_F_CIPHERS) &&
	    !(s->tls_flags & (NDR_TLS_F_TRUNCATED | NDR_TLS_F_MALFORMED | NDR_TLS_F_EXT_CUT))) {
		json_t *j = json_object();

		at = (size_t)snprintf(str, sizeof(str), "%u,%u,", s->hello_version, s->ciphers[0]);
		for (unsigned i = 0; i < n && at < sizeof(str); i++)
			at += (size_t)snprintf(str + at, sizeof(str) - at, "%s%u", i ? "-" : "",
					       s->ext_types[i]);
		ndr_md5_hex(str, md5);
		put_sub(b, tls, "ja3s", j);
		put_sub(b, j, "hash", json_string(md5));
		put_sub(b, j, "string", json_string(str));
	}
}

/* tls.version: what the server chose (supported_versions, else the legacy
 * version of a ServerHello read whole); "UNDETERMINED" (Suricata's word)
 * for a ServerHello cut before supported_versions could be read, since a
 * TLS 1.3 server says TLS 1.2 in its legacy field too; without a
 * ServerHello, the ClientHello's legacy_version (a TLS 1.3 client says
 * TLS 1.2 there), or the record layer's when the hello was cut before it.
 * Flowbit ndr.tls_version_from.<which> says which. */
static void eve_tls_version(struct builder *b, json_t *tls, struct metadata *m,
			    const struct ndr_tls_rec *c, const struct ndr_tls_rec *s)
{
	uint16_t v;
	const char *from;

	if (s && (s->tls_flags & NDR_TLS_F_SV) && s->sv_version) {
		v = s->sv_version;
		from = "server_supported_versions";
	} else if (s && (s->tls_flags & (NDR_TLS_F_TRUNCATED | NDR_TLS_F_MALFORMED))) {
		put_sub(b, tls, "version", json_string("UNDETERMINED"));
		metadata_flag(b, m, "tls_version_from", "server_hello_cut");
		return;
	} else if (s && s->hello_version) {
		v = s->hello_version;
		from = "server_hello";
	} else if (c && c->hello_version) {
		v = c->hello_version;
		from = "client_hello";
	} else {
		v = (c ? c : s)->record_version;
		from = "record_layer";
	}
	put_sub(b, tls, "version", json_tls_version(v));
	metadata_flag(b, m, "tls_version_from", from);
}

json_t *ndr_eve_tls_pair(const struct ndr_tls_rec *c, const struct ndr_tls_rec *s)
{
	static const char *const flag_bits[13] = {
		"sni", "sni_cut", "truncated", "malformed", "ext_cut", "alpn", "server",
		"ciphers", "supported_versions", "groups", "sig_algs", "point_formats", "list_cut",
	};
	const struct ndr_tls_rec *r = c ? c : s;
	struct builder b;
	size_t sni;
	uint64_t flow_id;
	struct metadata m;
	json_t *tls;

	if (!r)
		return NULL;
	b = builder_new();
	if (b.failed)
		return NULL;
	sni = r->sni_len > NDR_TLS_SNI_MAX ? NDR_TLS_SNI_MAX : r->sni_len;
	/* the client is the source, also when only the ServerHello was seen */
	if (c)
		flow_id = ndr_flow_id(c->src_addr, c->src_port, c->dst_addr, c->dst_port,
				      c->ip_proto);
	else
		flow_id = ndr_flow_id(s->dst_addr, s->dst_port, s->src_addr, s->src_port,
				      s->ip_proto);
	put_head(&b, r->hdr.ts_ns, &flow_id, "tls", r->vlan_outer, r->vlan_inner);
	if (c)
		put_tuple(&b, c->src_addr, c->dst_addr, c->src_port, c->dst_port, c->ip_proto);
	else
		put_tuple(&b, s->dst_addr, s->src_addr, s->dst_port, s->src_port, s->ip_proto);

	tls = put_object(&b, "tls");
	if (c && (c->tls_flags & NDR_TLS_F_SNI))
		put_sub(&b, tls, "sni", json_presentation(c->sni, sni));
	/* the fields of the ClientHello's record, else the ServerHello's */
	m = metadata_new(&b);
	metadata_flags(&b, &m, "tls", r->tls_flags, flag_bits, 13);
	metadata_int(&b, &m, "ndr_record_version", r->record_version);
	metadata_int(&b, &m, "ndr_hello_version", r->hello_version);
	metadata_int(&b, &m, "ndr_record_len", r->record_len);
	metadata_int(&b, &m, "ndr_hello_len", r->hello_len);
	metadata_int(&b, &m, "ndr_payload_len", r->payload_len);
	metadata_int(&b, &m, "ndr_sni_len", r->sni_len);
	metadata_int(&b, &m, "ndr_n_ciphers", r->n_ciphers);
	metadata_int(&b, &m, "ndr_n_extensions", r->n_extensions);
	if (r->tls_flags & NDR_TLS_F_ALPN)
		metadata_int(&b, &m, "ndr_alpn_len", r->alpn_len);
	metadata_int(&b, &m, "ndr_ip_ttl", r->ip_ttl);
	metadata_int(&b, &m, "ndr_seq", r->hdr.seq);
	if (c && s)
		metadata_int(&b, &m, "ndr_server_seq", s->hdr.seq);

	eve_tls_version(&b, tls, &m, c, s);
	if (c)
		eve_tls_client(&b, tls, &m, c);
	if (s)
		eve_tls_server(&b, tls, s);
	metadata_put(&b, &m);
	return finish(&b);
}

/* One record on its own: a ClientHello as a client-only event, a
 * ServerHello as a server-only one. */
json_t *ndr_eve_tls(const struct ndr_tls_rec *r)
{
	if (r->tls_flags & NDR_TLS_F_SERVER)
		return ndr_eve_tls_pair(NULL, r);
	return ndr_eve_tls_pair(r, NULL);
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

char *ndr_eve_tls_pair_str(const struct ndr_tls_rec *client, const struct ndr_tls_rec *server)
{
	return dump_and_free(ndr_eve_tls_pair(client, server));
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

int ndr_eve_tls_pair_format(const struct ndr_tls_rec *client, const struct ndr_tls_rec *server,
			    char *buf, size_t len)
{
	return format_and_free(ndr_eve_tls_pair(client, server), buf, len);
}

/* ---- events through the line writer (eve_writer.c) ------------------------ */

static int write_event(struct ndr_eve_writer *w, char *line)
{
	int rc;

	if (!line) {
		ndr_eve_writer_count_error(w, ENOMEM);
		errno = ENOMEM;
		return -1;
	}
	rc = ndr_eve_write_line(w, line, strlen(line));
	free(line);
	return rc;
}

int ndr_eve_write_alert(struct ndr_eve_writer *w, const struct ndr_alert *alert)
{
	return write_event(w, ndr_eve_alert_str(alert));
}

int ndr_eve_write_flow(struct ndr_eve_writer *w, const struct ndr_flow_rec *rec)
{
	return write_event(w, ndr_eve_flow_str(rec));
}

int ndr_eve_write_flow_seen(struct ndr_eve_writer *w, const struct ndr_flow_rec *rec,
			    const struct ndr_eve_flow_seen *seen)
{
	return write_event(w, dump_and_free(ndr_eve_flow_seen(rec, seen)));
}

int ndr_eve_write_dns(struct ndr_eve_writer *w, const struct ndr_dns_rec *rec)
{
	return write_event(w, ndr_eve_dns_str(rec));
}

int ndr_eve_write_tls(struct ndr_eve_writer *w, const struct ndr_tls_rec *rec)
{
	return write_event(w, ndr_eve_tls_str(rec));
}

int ndr_eve_write_tls_pair(struct ndr_eve_writer *w, const struct ndr_tls_rec *client,
			   const struct ndr_tls_rec *server)
{
	return write_event(w, ndr_eve_tls_pair_str(client, server));
}

int ndr_eve_write_json(struct ndr_eve_writer *w, const json_t *event)
{
	return write_event(w, json_dumps(event, NDR_EVE_DUMP_FLAGS));
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
