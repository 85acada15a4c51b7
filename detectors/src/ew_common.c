/*
 * ew_common.c - scope, allowlists, suppression and alert helpers shared by
 * the east-west detectors (ndr_ew.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ndr_ew.h"
#include "ndr_hll.h"


struct ndr_ew_supp {
	uint64_t alerted_ns;
	uint64_t until_ns;
	uint32_t suppressed;
	uint32_t level;
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

static int ew_init(struct ndr_ew *ew, struct ndr_config *cfg, const struct ndr_ew_class *cls,
		   const struct ndr_detector_ctx *ctx, char *err, size_t errlen)
{
	const struct ndr_ew_defaults *def = &cls->defaults;
	uint64_t ms;
	char why[200];

	ew->cls = cls;
	ew->section = cls->section;
	if (read_scope(ew, cfg, def->scope, err, errlen) != 0 ||
	    read_internal(ew, cfg, err, errlen) != 0 ||
	    read_set(ew, cfg, "allow_src", &ew->allow_src, err, errlen) != 0 ||
	    read_set(ew, cfg, "allow_dst", &ew->allow_dst, err, errlen) != 0 ||
	    read_pairs(ew, cfg, err, errlen) != 0 ||
	    ndr_config_u64(cfg, ew->section, "memory_cap", def->memory_cap, 64 * 1024,
			   (uint64_t)1 << 40, &ew->memory_cap, err, errlen) != 0 ||
	    ndr_config_duration_ms(cfg, ew->section, "suppress", def->suppress_ms, 1000,
				   30 * 86400000ull, &ms, err, errlen) != 0)
		return -1;
	/* The cap is the detector's across the workers: each instance holds
	 * its share of the entities, so it gets that share of the memory. */
	if (ctx->shards > 1)
		ew->memory_cap /= ctx->shards;
	ew->suppress_ns = ms * 1000000ull;
	ew->seed = ctx->seed ^ ndr_hash64(ew->section, strlen(ew->section), 0);
	ew->shard_seed = ctx->seed;
	if (ndr_lru_init(&ew->supp, ew->memory_cap / 16, sizeof(struct ndr_ew_entity),
			 sizeof(struct ndr_ew_supp), ew->seed, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "[%s] suppression %s", ew->section, why);
		return -1;
	}
	return 0;
}

static struct ndr_lru *table(const struct ndr_ew *ew, unsigned i)
{
	return (struct ndr_lru *)((uint8_t *)ew + ew->cls->tables[i].lru);
}

static size_t fixed_bytes(const struct ndr_ew *ew)
{
	return ew->cls->size + ndr_cidr_set_bytes(ew->internal) +
	       ndr_cidr_set_bytes(ew->allow_src) + ndr_cidr_set_bytes(ew->allow_dst) +
	       ew->n_allow_pair * sizeof(struct ndr_ew_pair);
}

size_t ndr_ew_budget(const struct ndr_ew *ew)
{
	size_t used = ndr_lru_bytes_cap(&ew->supp) + fixed_bytes(ew) + 4096;

	return ew->memory_cap > used ? ew->memory_cap - used : 0;
}

static uint64_t stat_memory(const void *arg)
{
	const struct ndr_ew *ew = arg;
	size_t n = fixed_bytes(ew) + ndr_lru_bytes_used(&ew->supp);

	for (unsigned i = 0; i < ew->cls->n_tables; i++)
		n += ndr_lru_bytes_used(table(ew, i));
	return n;
}

static uint64_t stat_memory_cap(const void *arg)
{
	return ((const struct ndr_ew *)arg)->memory_cap;
}

static uint64_t stat_memory_reserved(const void *arg)
{
	const struct ndr_ew *ew = arg;
	size_t n = fixed_bytes(ew) + ndr_lru_bytes_cap(&ew->supp);

	for (unsigned i = 0; i < ew->cls->n_tables; i++)
		n += ndr_lru_bytes_cap(table(ew, i));
	return n;
}

static uint64_t stat_evictions(const void *arg)
{
	const struct ndr_ew *ew = arg;
	uint64_t n = 0;

	for (unsigned i = 0; i < ew->cls->n_tables; i++)
		if (ew->cls->tables[i].evictions)
			n += table(ew, i)->evictions;
	return n;
}

static void register_stats(struct ndr_ew *ew)
{
	struct ndr_stats *st = &ew->stats;
	int evictions = 0, expired = 0;

	ndr_stats_counter(st, "flow_records", &ew->flows);
	ndr_stats_counter(st, "malformed", &ew->malformed);
	ndr_stats_counter(st, "out_of_scope", &ew->out_of_scope);
	ndr_stats_counter(st, "allowlisted", &ew->allowlisted);
	ndr_stats_counter(st, "alerts", &ew->alerts);
	ndr_stats_counter(st, "alerts_suppressed", &ew->alerts_suppressed);
	for (unsigned i = 0; i < ew->cls->n_tables; i++) {
		const struct ndr_ew_table *tb = &ew->cls->tables[i];

		if (tb->entries_stat)
			ndr_stats_gauge(st, tb->entries_stat, ndr_lru_stat_used, table(ew, i));
		evictions |= tb->evictions;
		expired |= tb->count_expired;
	}
	if (evictions)
		ndr_stats_gauge(st, "evictions", stat_evictions, ew);
	if (expired)
		ndr_stats_counter(st, "expired", &ew->expired);
	ndr_stats_gauge(st, "memory_bytes", stat_memory, ew);
	ndr_stats_gauge(st, "memory_cap_bytes", stat_memory_cap, ew);
	ndr_stats_gauge(st, "memory_reserved_bytes", stat_memory_reserved, ew);
}

void *ndr_ew_create(const struct ndr_ew_class *cls, struct ndr_config *cfg,
		    const struct ndr_detector_ctx *ctx, char *err, size_t errlen)
{
	struct ndr_ew *ew = calloc(1, cls->size);
	size_t budget;
	char why[200];

	if (!ew) {
		snprintf(err, errlen, "[%s]: out of memory", cls->section);
		return NULL;
	}
	if (ew_init(ew, cfg, cls, ctx, err, errlen) != 0 ||
	    (cls->configure && cls->configure(ew, cfg, err, errlen) != 0))
		goto fail;
	budget = ndr_ew_budget(ew);
	for (unsigned i = 0; i < cls->n_tables; i++) {
		const struct ndr_ew_table *tb = &cls->tables[i];
		size_t val_len = tb->val_len, side_len = 0;

		if (tb->val_len_off)
			memcpy(&val_len, (const uint8_t *)ew + tb->val_len_off, sizeof(val_len));
		if (tb->side_len_off)
			memcpy(&side_len, (const uint8_t *)ew + tb->side_len_off, sizeof(side_len));
		if (ndr_lru_init_side(table(ew, i), budget / 8 * tb->eighths, tb->key_len, val_len,
				      side_len, ew->seed ^ tb->seed_xor, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "[%s] memory_cap %llu: %s", cls->section,
				 (unsigned long long)ew->memory_cap, why);
			goto fail;
		}
		if (tb->zero_len)
			ndr_lru_set_zero_len(table(ew, i), tb->zero_len);
	}
	register_stats(ew);
	return ew;
fail:
	ndr_ew_destroy(ew);
	return NULL;
}

#define EW_SWAP(a, b) do { __typeof__(a) t_ = (a); (a) = (b); (b) = t_; } while (0)

int ndr_ew_reconfigure(void *det, void *fresh_det, int apply, char *err, size_t errlen)
{
	struct ndr_ew *ew = det, *f = fresh_det;
	const struct ndr_ew_class *cls = ew->cls;

	if (f->memory_cap != ew->memory_cap) {
		snprintf(err, errlen, "[%s] memory_cap needs a restart (it sizes the learned "
			 "tables)", ew->section);
		return -1;
	}
	for (unsigned i = 0; i < 2 * cls->n_tables; i++) {
		const struct ndr_ew_table *tb = &cls->tables[i / 2];
		size_t off = i % 2 ? tb->side_len_off : tb->val_len_off, a, b;

		if (!off)
			continue;
		memcpy(&a, (const uint8_t *)ew + off, sizeof(a));
		memcpy(&b, (const uint8_t *)f + off, sizeof(b));
		if (a != b) {
			snprintf(err, errlen, "[%s] a setting that sizes the %s table needs a "
				 "restart", ew->section, tb->entries_stat ? tb->entries_stat :
				 "learned");
			return -1;
		}
	}
	if (!apply)
		return 0;
	ew->scope = f->scope;
	ew->suppress_ns = f->suppress_ns;
	EW_SWAP(ew->internal, f->internal);
	EW_SWAP(ew->allow_src, f->allow_src);
	EW_SWAP(ew->allow_dst, f->allow_dst);
	EW_SWAP(ew->allow_pair, f->allow_pair);
	EW_SWAP(ew->n_allow_pair, f->n_allow_pair);
	if (cls->settings_end > cls->settings_off)
		memcpy((uint8_t *)ew + cls->settings_off, (const uint8_t *)f + cls->settings_off,
		       cls->settings_end - cls->settings_off);
	return 0;
}

void ndr_ew_destroy(void *det)
{
	struct ndr_ew *ew = det;

	if (!ew)
		return;
	for (unsigned i = 0; i < ew->cls->n_tables; i++)
		ndr_lru_free(table(ew, i));
	ndr_cidr_set_free(ew->internal);
	ndr_cidr_set_free(ew->allow_src);
	ndr_cidr_set_free(ew->allow_dst);
	free(ew->allow_pair);
	ndr_lru_free(&ew->supp);
	free(ew);
}

void ndr_ew_tick(void *det, uint64_t now_ns, const struct ndr_alert_sink *sink)
{
	struct ndr_ew *ew = det;

	(void)sink;
	for (unsigned i = 0; i < ew->cls->n_tables; i++) {
		const struct ndr_ew_table *tb = &ew->cls->tables[i];
		uint64_t window = tb->fixed_window, n;

		if (tb->window_off)
			memcpy(&window, (const uint8_t *)ew + tb->window_off, sizeof(window));
		if (!window)
			continue;
		n = ndr_lru_expire(table(ew, i), tb->time_off, window, now_ns, NULL, NULL);
		if (tb->count_expired)
			ew->expired += n;
	}
}

const struct ndr_stats *ndr_ew_stats(const void *det)
{
	return &((const struct ndr_ew *)det)->stats;
}

uint64_t ndr_ew_shard(const void *det, const struct ndr_rec_hdr *rec)
{
	const struct ndr_ew *ew = det;

	if (rec->type != NDR_REC_FLOW)
		return NDR_SHARD_SKIP;
	/* Even a malformed record has a source field to count it by. */
	return ndr_shard_key_addr(((const struct ndr_flow_rec *)rec)->src_addr, ew->shard_seed);
}

static int flow_well_formed(const struct ndr_flow_rec *r)
{
	return r->hdr.slots >= 3 && r->end_reason >= NDR_FLOW_END_IDLE &&
	       r->end_reason <= NDR_FLOW_END_FLUSH && r->last_ts_ns >= r->first_ts_ns;
}

const struct ndr_flow_rec *ndr_ew_flow(struct ndr_ew *ew, const struct ndr_rec_hdr *rec)
{
	const struct ndr_flow_rec *r = (const struct ndr_flow_rec *)rec;

	if (rec->type != NDR_REC_FLOW)
		return NULL;
	ew->flows++;
	if (!flow_well_formed(r)) {
		ew->malformed++;
		return NULL;
	}
	return r;
}

const struct ndr_flow_rec *ndr_ew_flow_peek(const struct ndr_rec_hdr *rec)
{
	const struct ndr_flow_rec *r = (const struct ndr_flow_rec *)rec;

	return rec->type == NDR_REC_FLOW && flow_well_formed(r) ? r : NULL;
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

int ndr_ew_may_alert(struct ndr_ew *ew, const struct ndr_ew_entity *entity, unsigned level,
		     uint64_t t, uint32_t *prev_suppressed)
{
	struct ndr_ew_supp *s;
	int created;

	s = ndr_lru_get(&ew->supp, entity, &created);
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

enum { ENTITY_HOST = 1, ENTITY_PAIR, ENTITY_PAIR_PORT, ENTITY_SERVICE };

void ndr_ew_entity_host(struct ndr_ew_entity *e, const uint8_t a[16])
{
	memset(e, 0, sizeof(*e));
	e->kind = ENTITY_HOST;
	memcpy(e->a, a, 16);
}

void ndr_ew_entity_pair(struct ndr_ew_entity *e, const uint8_t src[16], const uint8_t dst[16],
			int port)
{
	memset(e, 0, sizeof(*e));
	e->kind = port < 0 ? ENTITY_PAIR : ENTITY_PAIR_PORT;
	e->port = port < 0 ? 0 : (uint16_t)port;
	memcpy(e->a, src, 16);
	memcpy(e->b, dst, 16);
}

void ndr_ew_entity_service(struct ndr_ew_entity *e, const uint8_t src[16], unsigned port)
{
	memset(e, 0, sizeof(*e));
	e->kind = ENTITY_SERVICE;
	e->port = (uint16_t)port;
	memcpy(e->a, src, 16);
}

void ndr_ew_entity_text(const struct ndr_ew_entity *e, char *buf, size_t len)
{
	char s[48], d[48];

	ndr_addr_format(e->a, s, sizeof(s));
	switch (e->kind) {
	case ENTITY_HOST:
		snprintf(buf, len, "%s", s);
		break;
	case ENTITY_SERVICE:
		snprintf(buf, len, "%s->*:%u", s, e->port);
		break;
	default:
		ndr_addr_format(e->b, d, sizeof(d));
		if (e->kind == ENTITY_PAIR)
			snprintf(buf, len, "%s->%s", s, d);
		else if (ndr_addr_is_v4mapped(e->b))
			snprintf(buf, len, "%s->%s:%u", s, d, e->port);
		else
			snprintf(buf, len, "%s->[%s]:%u", s, d, e->port);
		break;
	}
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
