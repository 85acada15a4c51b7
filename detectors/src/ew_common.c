/*
 * ew_common.c - scope, allowlists, suppression and alert helpers shared by
 * the east-west detectors (ndr_ew.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>

#include "ndr_ew.h"
#include "ndr_hll.h"

#define EW_ENTITY_MAX 96

struct ndr_ew_supp {
	uint64_t alerted_ns;
	uint64_t until_ns;
	uint32_t suppressed;
	uint32_t level;
};

struct ew_entity_key {
	char text[EW_ENTITY_MAX];
};

static int read_scope(struct ndr_ew *ew, struct ndr_config *cfg, enum ndr_ew_scope def,
		      char *err, size_t errlen)
{
	static const char *const names[] = { "east_west", "from_internal", "any" };
	const char *v;

	if (ndr_config_str(cfg, ew->section, "scope", names[def], &v, err, errlen) != 0)
		return -1;
	for (unsigned i = 0; i < 3; i++) {
		if (strcmp(v, names[i]) == 0) {
			ew->scope = (enum ndr_ew_scope)i;
			return 0;
		}
	}
	ndr_config_errorf(cfg, ew->section, "scope", v, err, errlen,
			  "'%s': must be east_west, from_internal or any", v);
	return -1;
}

static int read_set(struct ndr_ew *ew, struct ndr_config *cfg, const char *key,
		    struct ndr_cidr_set **out, char *err, size_t errlen)
{
	const char *const *vals;
	size_t n = ndr_config_list(cfg, ew->section, key, &vals);
	char why[160];

	*out = ndr_cidr_set_new();
	if (!*out) {
		snprintf(err, errlen, "[%s] %s: out of memory", ew->section, key);
		return -1;
	}
	for (size_t i = 0; i < n; i++)   /* one by one: the error names its line */
		if (ndr_cidr_set_add_list(*out, vals + i, 1, why, sizeof(why)) != 0)
			return ndr_config_errorf(cfg, ew->section, key, vals[i], err, errlen, "%s",
						 why);
	return 0;
}

static int read_internal(struct ndr_ew *ew, struct ndr_config *cfg, char *err, size_t errlen)
{
	const char *const *vals;
	size_t n = ndr_config_list(cfg, ew->section, "internal", &vals);
	const char *where = ew->section;
	char why[160];

	if (n == 0) {
		n = ndr_config_list(cfg, "east_west", "internal", &vals);
		where = "east_west";
	}
	if (n == 0) {
		vals = ndr_cidr_default_internal;
		n = (size_t)-1;
	}
	ew->internal = ndr_cidr_set_new();
	if (!ew->internal) {
		snprintf(err, errlen, "[%s] internal: out of memory", ew->section);
		return -1;
	}
	if (vals == ndr_cidr_default_internal) {
		if (ndr_cidr_set_add_list(ew->internal, vals, n, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "[%s] internal %s", where, why);
			return -1;
		}
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (ndr_cidr_set_add_list(ew->internal, vals + i, 1, why, sizeof(why)) != 0)
			return ndr_config_errorf(cfg, where, "internal", vals[i], err, errlen, "%s",
						 why);
	return 0;
}

static int read_pairs(struct ndr_ew *ew, struct ndr_config *cfg, char *err, size_t errlen)
{
	const char *const *vals;
	size_t n = ndr_config_list(cfg, ew->section, "allow_pair", &vals);
	char why[160];

	if (n == 0)
		return 0;
	ew->allow_pair = calloc(n, sizeof(*ew->allow_pair));
	if (!ew->allow_pair) {
		snprintf(err, errlen, "[%s] allow_pair: out of memory", ew->section);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		char a[128], b[128], extra[2];

		/* "SRC DST", "SRC -> DST" or "SRC,DST" */
		char buf[300];
		snprintf(buf, sizeof(buf), "%s", vals[i]);
		for (char *p = buf; *p; p++)
			if (*p == ',' || *p == '>' || (*p == '-' && p[1] == '>'))
				*p = ' ';
		if (strlen(vals[i]) >= sizeof(buf) - 1 ||
		    sscanf(buf, "%127s %127s %1s", a, b, extra) != 2) {
			ndr_config_errorf(cfg, ew->section, "allow_pair", vals[i], err, errlen,
					  "'%s': expected \"SRC_CIDR DST_CIDR\"", vals[i]);
			return -1;
		}
		if (ndr_cidr_parse(a, &ew->allow_pair[i].src, why, sizeof(why)) != 0 ||
		    ndr_cidr_parse(b, &ew->allow_pair[i].dst, why, sizeof(why)) != 0) {
			ndr_config_errorf(cfg, ew->section, "allow_pair", vals[i], err, errlen, "%s",
					  why);
			return -1;
		}
	}
	ew->n_allow_pair = n;
	return 0;
}

int ndr_ew_init(struct ndr_ew *ew, struct ndr_config *cfg, const char *section,
		const struct ndr_ew_defaults *def, char *err, size_t errlen)
{
	uint64_t ms;
	char why[200];

	memset(ew, 0, sizeof(*ew));
	ew->section = section;
	if (read_scope(ew, cfg, def->scope, err, errlen) != 0 ||
	    read_internal(ew, cfg, err, errlen) != 0 ||
	    read_set(ew, cfg, "allow_src", &ew->allow_src, err, errlen) != 0 ||
	    read_set(ew, cfg, "allow_dst", &ew->allow_dst, err, errlen) != 0 ||
	    read_pairs(ew, cfg, err, errlen) != 0 ||
	    ndr_config_u64(cfg, section, "memory_cap", def->memory_cap, 64 * 1024,
			   (uint64_t)1 << 40, &ew->memory_cap, err, errlen) != 0 ||
	    ndr_config_duration_ms(cfg, section, "suppress", def->suppress_ms, 1000,
				   30 * 86400000ull, &ms, err, errlen) != 0)
		goto fail;
	ew->suppress_ns = ms * 1000000ull;
	if (getrandom(&ew->seed, sizeof(ew->seed), 0) != sizeof(ew->seed))
		ew->seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull;
	if (ndr_lru_init(&ew->supp, ew->memory_cap / 16, sizeof(struct ew_entity_key),
			 sizeof(struct ndr_ew_supp), ew->seed, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "[%s] suppression %s", section, why);
		goto fail;
	}
	return 0;
fail:
	ndr_ew_fini(ew);
	return -1;
}

void ndr_ew_fini(struct ndr_ew *ew)
{
	ndr_cidr_set_free(ew->internal);
	ndr_cidr_set_free(ew->allow_src);
	ndr_cidr_set_free(ew->allow_dst);
	free(ew->allow_pair);
	ndr_lru_free(&ew->supp);
	ew->internal = ew->allow_src = ew->allow_dst = NULL;
	ew->allow_pair = NULL;
}

static size_t fixed_bytes(const struct ndr_ew *ew)
{
	return ndr_cidr_set_bytes(ew->internal) + ndr_cidr_set_bytes(ew->allow_src) +
	       ndr_cidr_set_bytes(ew->allow_dst) + ew->n_allow_pair * sizeof(struct ndr_ew_pair);
}

size_t ndr_ew_budget(const struct ndr_ew *ew)
{
	size_t used = ndr_lru_bytes_cap(&ew->supp) + fixed_bytes(ew) + 4096;

	return ew->memory_cap > used ? ew->memory_cap - used : 0;
}

const struct ndr_flow_rec *ndr_ew_flow(struct ndr_ew *ew, const struct ndr_rec_hdr *rec)
{
	const struct ndr_flow_rec *r = (const struct ndr_flow_rec *)rec;

	if (rec->type != NDR_REC_FLOW)
		return NULL;
	ew->flows++;
	if (rec->slots < 3 || r->end_reason < NDR_FLOW_END_IDLE ||
	    r->end_reason > NDR_FLOW_END_FLUSH || r->last_ts_ns < r->first_ts_ns) {
		ew->malformed++;
		return NULL;
	}
	return r;
}

int ndr_ew_is_internal(const struct ndr_ew *ew, const uint8_t addr[16])
{
	return ndr_cidr_set_contains(ew->internal, addr);
}

int ndr_ew_admit(struct ndr_ew *ew, const uint8_t src[16], const uint8_t dst[16])
{
	int in_scope;

	switch (ew->scope) {
	case NDR_EW_EAST_WEST:
		in_scope = ndr_ew_is_internal(ew, src) && ndr_ew_is_internal(ew, dst);
		break;
	case NDR_EW_FROM_INTERNAL:
		in_scope = ndr_ew_is_internal(ew, src);
		break;
	default:
		in_scope = 1;
		break;
	}
	if (!in_scope) {
		ew->out_of_scope++;
		return 0;
	}
	if (ndr_cidr_set_contains(ew->allow_src, src) ||
	    ndr_cidr_set_contains(ew->allow_dst, dst))
		goto allowed;
	for (size_t i = 0; i < ew->n_allow_pair; i++)
		if (ndr_cidr_match(&ew->allow_pair[i].src, src) &&
		    ndr_cidr_match(&ew->allow_pair[i].dst, dst))
			goto allowed;
	return 1;
allowed:
	ew->allowlisted++;
	return 0;
}

int ndr_ew_may_alert(struct ndr_ew *ew, const char *entity, unsigned level, uint64_t t,
		     uint32_t *prev_suppressed)
{
	struct ew_entity_key key;
	struct ndr_ew_supp *s;
	int created;

	memset(&key, 0, sizeof(key));
	snprintf(key.text, sizeof(key.text), "%s", entity);
	s = ndr_lru_get(&ew->supp, &key, &created);
	*prev_suppressed = 0;
	if (!created && t < s->until_ns && level <= s->level) {
		s->suppressed++;
		ew->alerts_suppressed++;
		return 0;
	}
	if (!created)
		*prev_suppressed = s->suppressed;
	s->alerted_ns = t;
	s->until_ns = t + ew->suppress_ns;
	s->suppressed = 0;
	s->level = level;
	return 1;
}

void ndr_ew_emit(struct ndr_ew *ew, const struct ndr_alert_sink *sink, struct ndr_alert *a)
{
	a->category = ew->section;
	ew->alerts++;
	ndr_alert_emit(sink, a);
}

void ndr_ew_stats(const struct ndr_ew *ew, json_t *out, size_t tables_used, size_t tables_cap)
{
	size_t fixed = fixed_bytes(ew);

	json_object_set_new(out, "flow_records", json_integer((json_int_t)ew->flows));
	json_object_set_new(out, "malformed", json_integer((json_int_t)ew->malformed));
	json_object_set_new(out, "out_of_scope", json_integer((json_int_t)ew->out_of_scope));
	json_object_set_new(out, "allowlisted", json_integer((json_int_t)ew->allowlisted));
	json_object_set_new(out, "alerts", json_integer((json_int_t)ew->alerts));
	json_object_set_new(out, "alerts_suppressed", json_integer((json_int_t)ew->alerts_suppressed));
	json_object_set_new(out, "memory_bytes",
			    json_integer((json_int_t)(fixed + tables_used +
						      ndr_lru_bytes_used(&ew->supp))));
	json_object_set_new(out, "memory_cap_bytes", json_integer((json_int_t)ew->memory_cap));
	json_object_set_new(out, "memory_reserved_bytes",
			    json_integer((json_int_t)(fixed + tables_cap +
						      ndr_lru_bytes_cap(&ew->supp))));
}

void ndr_ew_flow_key(struct ndr_ew_flow_key *k, const struct ndr_flow_rec *r)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->src, r->src_addr, 16);
	memcpy(k->dst, r->dst_addr, 16);
	k->src_port = r->src_port;
	k->dst_port = r->dst_port;
	k->vlan = r->vlan_outer;
	k->proto = r->ip_proto;
}

int ndr_ew_continues(struct ndr_lru *active, const struct ndr_flow_rec *r)
{
	struct ndr_ew_flow_key k;
	uint64_t *last;
	int created, seen;

	ndr_ew_flow_key(&k, r);
	if (r->end_reason == NDR_FLOW_END_ACTIVE) {
		last = ndr_lru_get(active, &k, &created);
		seen = !created;
		*last = r->hdr.ts_ns;
		return seen;
	}
	last = ndr_lru_find(active, &k);
	if (!last)
		return 0;
	ndr_lru_remove(active, last);
	return 1;
}

void ndr_ew_active_expire(struct ndr_lru *active, uint64_t now_ns)
{
	uint64_t *last;

	while ((last = ndr_lru_oldest(active, NULL)) && *last + NDR_EW_ACTIVE_FORGET_NS <= now_ns)
		ndr_lru_remove(active, last);
}

void ndr_ew_alert_endpoints(struct ndr_alert *a, const struct ndr_flow_rec *r)
{
	memcpy(a->src_addr, r->src_addr, 16);
	memcpy(a->dst_addr, r->dst_addr, 16);
	a->ipv6 = ndr_ew_ipv6(r);
	a->src_port = r->src_port;
	a->dst_port = r->dst_port;
	a->proto = r->ip_proto;
}

int ndr_ew_ipv6(const struct ndr_flow_rec *r)
{
	return (r->hdr.flags & NDR_REC_F_IPV6) != 0;
}

int ndr_ew_answered(const struct ndr_flow_rec *r)
{
	if (r->ip_proto == 6 && !(r->tcp_state & NDR_TCP_MIDSTREAM))
		return (r->tcp_state & NDR_TCP_ESTABLISHED) != 0 &&
		       !(r->tcp_state & NDR_TCP_RST_REV && r->payload_bytes_rev == 0);
	return r->pkts_fwd > 0 && r->pkts_rev > 0;
}

int ndr_ew_tcp_failed(const struct ndr_flow_rec *r)
{
	if (r->ip_proto != 6 || (r->tcp_state & NDR_TCP_MIDSTREAM) || !(r->tcp_state & NDR_TCP_SYN))
		return 0;
	if (!(r->tcp_state & NDR_TCP_SYNACK))
		return 1;   /* unanswered, or refused with RST */
	return (r->tcp_state & NDR_TCP_RST_REV) && r->payload_bytes_rev == 0 &&
	       r->payload_bytes_fwd == 0;
}

uint64_t ndr_ew_duration_ns(const struct ndr_flow_rec *r)
{
	return r->last_ts_ns - r->first_ts_ns;
}

void ndr_ew_entity_host(char *buf, size_t len, const uint8_t a[16])
{
	ndr_addr_format(a, buf, len);
}

void ndr_ew_entity_pair(char *buf, size_t len, const uint8_t src[16], const uint8_t dst[16],
			int port)
{
	char s[48], d[48];

	ndr_addr_format(src, s, sizeof(s));
	ndr_addr_format(dst, d, sizeof(d));
	if (port < 0)
		snprintf(buf, len, "%s->%s", s, d);
	else if (ndr_addr_is_v4mapped(dst))
		snprintf(buf, len, "%s->%s:%d", s, d, port);
	else
		snprintf(buf, len, "%s->[%s]:%d", s, d, port);
}

void ndr_ew_entity_service(char *buf, size_t len, const uint8_t src[16], unsigned port)
{
	char s[48];

	ndr_addr_format(src, s, sizeof(s));
	snprintf(buf, len, "%s->*:%u", s, port);
}

json_t *ndr_ew_json_time(uint64_t ns)
{
	time_t s = (time_t)(ns / 1000000000ull);
	struct tm tm;
	char day[32], buf[48];

	gmtime_r(&s, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, sizeof(buf), "%s.%06uZ", day, (unsigned)(ns % 1000000000ull / 1000u));
	return json_string(buf);
}

json_t *ndr_ew_json_addr(const uint8_t a[16])
{
	char buf[48];

	ndr_addr_format(a, buf, sizeof(buf));
	return json_string(buf);
}

json_t *ndr_ew_json_real(double x, double scale)
{
	return json_real(round(x * scale) / scale);
}

int ndr_ew_port_list(struct ndr_config *cfg, const char *section, const char *key,
		     const uint16_t *def, size_t n_def, uint16_t *out, size_t max,
		     char *err, size_t errlen)
{
	const char *const *vals;
	size_t n = ndr_config_list(cfg, section, key, &vals), count = 0;

	if (n == 0) {
		memcpy(out, def, n_def * sizeof(*def));
		return (int)n_def;
	}
	for (size_t i = 0; i < n; i++) {
		const char *p = vals[i];

		/* "22", or "22, 3389" on one line */
		while (*p) {
			char *end;
			unsigned long v;

			while (*p == ' ' || *p == ',')
				p++;
			if (!*p)
				break;
			v = strtoul(p, &end, 10);
			if (end == p || v < 1 || v > 65535 || (*end && *end != ',' && *end != ' ')) {
				ndr_config_errorf(cfg, section, key, vals[i], err, errlen,
						  "'%s': expected ports 1..65535", vals[i]);
				return -1;
			}
			if (count == max) {
				ndr_config_errorf(cfg, section, key, vals[i], err, errlen,
						  "more than %zu ports", max);
				return -1;
			}
			out[count++] = (uint16_t)v;
			p = end;
		}
	}
	return (int)count;
}

int ndr_ew_port_in(const uint16_t *ports, size_t n, uint16_t port)
{
	for (size_t i = 0; i < n; i++)
		if (ports[i] == port)
			return 1;
	return 0;
}

double ndr_ew_ramp(double x, double lo, double hi)
{
	if (x <= lo)
		return 0.0;
	if (x >= hi)
		return 1.0;
	return (x - lo) / (hi - lo);
}
