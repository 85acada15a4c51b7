/*
 * new_admin_path.c - D7: new or rare administrative paths.
 *
 * Administration in a network follows habits: the same few admin hosts
 * reach the same servers over RDP, SSH, WinRM and SMB day after day. An
 * attacker moving laterally uses paths nobody used before (Vectra's
 * "Suspicious Admin", Hopper, USENIX Security 2021). This detector learns
 * (src, dst, service) pairs over a learning period, calls a pair normal once
 * it was seen on normal_days distinct days, ages pairs out after max_age
 * without use, and after learning alerts on a pair it has never seen.
 *
 * Whether the target already has regular admins, and whether the source is
 * a regular admin elsewhere, set the score:
 *   source admins nothing, target has admins    0.8  a new actor on a managed host
 *   source admins nothing, target has none      0.9  workstation-to-workstation
 *   source is an admin, target has admins       0.5  a known admin's new target
 *   source is an admin, target has none         not alerted by default: an
 *       admin setting up a host nobody administers yet
 *       (alert_new_target_known_admin = true to alert, score 0.3)
 * During learning nothing is alerted: there is no baseline to compare with.
 * The baseline survives restarts via ndr_det_new_admin_path_save/_load.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_detectors_ext.h"
#include "ndr_ew.h"
#include "ndr_state_store.h"

#define AP_SECTION     "new_admin_path"
#define AP_STATE_NAME  "new_admin_path"
#define AP_SCHEMA      1u
#define AP_MAX_PORTS   32
#define AP_DAY_NS      (86400ull * 1000000000ull)
#define AP_SID_NEW     8670001u
#define AP_REC_BYTES   64u

struct ap_key {
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t port;
	uint8_t pad[6];
};

struct ap_pair {
	uint64_t last_ns;
	uint32_t first_day, last_day;
	uint16_t days_seen;
	uint8_t normal;
	uint8_t learned;           /* first seen during learning */
	uint32_t pad;
};

struct ap_host_key {
	uint8_t addr[16];
};

struct ap_host {
	uint32_t as_src;           /* normal pairs with this host as source */
	uint32_t as_dst;           /* ... as target: its regular admins */
};

struct ap {
	struct ndr_ew ew;
	uint16_t ports[AP_MAX_PORTS];
	size_t n_ports;
	uint64_t learning_ns, max_age_ns, normal_days;
	int alert_known_admin_new_target;
	uint64_t learn_start_ns;   /* 0 until the first record */
	uint64_t last_ns;          /* newest admin session seen */
	struct ndr_lru pairs, hosts;
	uint64_t sessions, new_pairs, became_normal, aged_out, evicted;
	uint64_t new_target_known_admin, learning_pairs;
};

static uint64_t stat_normal_pairs(const void *arg)
{
	const struct ap *d = arg;
	const struct ap_pair *p = NULL;
	uint64_t normal = 0;

	while ((p = ndr_lru_next_newer(&d->pairs, p, NULL)))
		normal += p->normal;
	return normal;
}

static uint64_t stat_evictions(const void *arg)
{
	const struct ap *d = arg;

	return d->evicted + d->hosts.evictions;
}

static int learning(const struct ap *d, uint64_t t);

static uint64_t stat_learning(const void *arg)
{
	const struct ap *d = arg;

	return learning(d, d->last_ns);
}

static uint64_t stat_learning_ends(const void *arg)
{
	const struct ap *d = arg;

	return d->learn_start_ns ? d->learn_start_ns + d->learning_ns : 0;
}

static int ap_configure(void *det, struct ndr_config *cfg, char *err, size_t errlen)
{
	static const uint16_t def_ports[] = { 3389, 22, 5985, 5986, 445 };
	struct ap *d = det;
	struct ndr_stats *st = &d->ew.stats;
	uint64_t learn_ms, age_ms;
	int n;

	if ((n = ndr_ew_port_list(cfg, AP_SECTION, "ports", def_ports, 5, d->ports, AP_MAX_PORTS,
				  err, errlen)) < 0)
		return -1;
	d->n_ports = (size_t)n;
	if (ndr_config_duration_ms(cfg, AP_SECTION, "learning", 7 * 86400000ull, 0,
				   365 * 86400000ull, &learn_ms, err, errlen) != 0 ||
	    ndr_config_duration_ms(cfg, AP_SECTION, "max_age", 30 * 86400000ull, 86400000ull,
				   3650 * 86400000ull, &age_ms, err, errlen) != 0 ||
	    ndr_config_u64(cfg, AP_SECTION, "normal_days", 2, 1, 365, &d->normal_days,
			   err, errlen) != 0 ||
	    ndr_config_bool(cfg, AP_SECTION, "alert_new_target_known_admin", 0,
			    &d->alert_known_admin_new_target, err, errlen) != 0)
		return -1;
	d->learning_ns = learn_ms * 1000000ull;
	d->max_age_ns = age_ms * 1000000ull;
	ndr_stats_counter(st, "admin_sessions", &d->sessions);
	ndr_stats_gauge(st, "normal_pairs", stat_normal_pairs, d);
	ndr_stats_counter(st, "learning_pairs", &d->learning_pairs);
	ndr_stats_counter(st, "new_pairs", &d->new_pairs);
	ndr_stats_counter(st, "became_normal", &d->became_normal);
	ndr_stats_counter(st, "new_target_known_admin", &d->new_target_known_admin);
	ndr_stats_counter(st, "aged_out", &d->aged_out);
	ndr_stats_gauge(st, "evictions", stat_evictions, d);
	ndr_stats_flag(st, "learning", stat_learning, d);
	ndr_stats_time(st, "learning_ends", stat_learning_ends, d);
	return 0;
}

/* Pairs age out in ap_tick(), which keeps the host counts in step. */
static const struct ndr_ew_table ap_tables[] = {
	{ .lru = offsetof(struct ap, pairs), .key_len = sizeof(struct ap_key),
	  .val_len = sizeof(struct ap_pair), .eighths = 6, .entries_stat = "pairs" },
	{ .lru = offsetof(struct ap, hosts), .key_len = sizeof(struct ap_host_key),
	  .val_len = sizeof(struct ap_host), .eighths = 2, .seed_xor = 0x3c6ef372u },
};

static const struct ndr_ew_class ap_class = {
	.section = AP_SECTION,
	.size = sizeof(struct ap),
	.settings_off = offsetof(struct ap, ports),
	.settings_end = offsetof(struct ap, learn_start_ns),
	.defaults = { NDR_EW_EAST_WEST, 32u << 20, 86400000 },
	.configure = ap_configure,
	.tables = ap_tables,
	.n_tables = 2,
};

static void *ap_create(struct ndr_config *cfg, const struct ndr_detector_ctx *ctx, char *err,
		       size_t errlen)
{
	return ndr_ew_create(&ap_class, cfg, ctx, err, errlen);
}

/* One instance holds the whole baseline; it sees only sessions to the
 * admin services, so a sensor with many workers does not send it every
 * flow. */
static uint64_t ap_shard(const void *det, const struct ndr_rec_hdr *rec)
{
	const struct ap *d = det;
	const struct ndr_flow_rec *r = (const struct ndr_flow_rec *)rec;

	if (rec->type != NDR_REC_FLOW || r->ip_proto != 6 ||
	    !ndr_ew_port_in(d->ports, d->n_ports, r->dst_port))
		return NDR_SHARD_SKIP;
	return 0;
}

static struct ap_host *host(struct ap *d, const uint8_t addr[16], int create)
{
	struct ap_host_key k;
	int created;

	memcpy(k.addr, addr, 16);
	return create ? ndr_lru_get(&d->hosts, &k, &created) : ndr_lru_find(&d->hosts, &k);
}

static void count_normal(struct ap *d, const struct ap_key *k, int delta)
{
	struct ap_host *s = host(d, k->src, delta > 0), *t;

	if (s)
		s->as_src = delta > 0 ? s->as_src + 1 : (s->as_src ? s->as_src - 1 : 0);
	t = host(d, k->dst, delta > 0);
	if (t)
		t->as_dst = delta > 0 ? t->as_dst + 1 : (t->as_dst ? t->as_dst - 1 : 0);
	if (delta < 0) {
		if (s && !s->as_src && !s->as_dst)
			ndr_lru_remove(&d->hosts, s);
		t = host(d, k->dst, 0);
		if (t && !t->as_src && !t->as_dst)
			ndr_lru_remove(&d->hosts, t);
	}
}

static void drop_pair(struct ap *d, struct ap_pair *p)
{
	if (p->normal)
		count_normal(d, ndr_lru_key(&d->pairs, p), -1);
	ndr_lru_remove(&d->pairs, p);
}

static int learning(const struct ap *d, uint64_t t)
{
	return d->learn_start_ns == 0 || t < d->learn_start_ns + d->learning_ns;
}

static void alert(struct ap *d, const struct ndr_flow_rec *r, int src_admin, int dst_admins,
		  uint64_t t, const struct ndr_alert_sink *sink)
{
	char entity[112], sig[320];
	struct ndr_ew_entity ent;
	struct ndr_alert a;
	struct ap_host *h;
	uint32_t prev;
	json_t *ev;
	double score;

	ndr_ew_entity_pair(&ent, r->src_addr, r->dst_addr, r->dst_port);
	if (!ndr_ew_may_alert(&d->ew, &ent, 1, t, &prev))
		return;
	ndr_ew_entity_text(&ent, entity, sizeof(entity));
	score = src_admin ? (dst_admins ? 0.5 : 0.3) : (dst_admins ? 0.8 : 0.9);
	snprintf(sig, sizeof(sig), "NDR new admin path: %s never seen before (%s, %s)", entity,
		 src_admin ? "source is a known admin" : "source administers nothing",
		 dst_admins ? "target has regular admins" : "target has no regular admins");
	ev = json_object();
	json_object_set_new(ev, "source", ndr_ew_json_addr(r->src_addr));
	json_object_set_new(ev, "target", ndr_ew_json_addr(r->dst_addr));
	json_object_set_new(ev, "service_port", json_integer(r->dst_port));
	h = host(d, r->src_addr, 0);
	json_object_set_new(ev, "source_regular_paths", json_integer(h ? h->as_src : 0));
	h = host(d, r->dst_addr, 0);
	json_object_set_new(ev, "target_regular_admins", json_integer(h ? h->as_dst : 0));
	json_object_set_new(ev, "session_start", ndr_ew_json_time(r->first_ts_ns));
	json_object_set_new(ev, "bytes_fwd", json_integer((json_int_t)r->bytes_fwd));
	json_object_set_new(ev, "bytes_rev", json_integer((json_int_t)r->bytes_rev));
	json_object_set_new(ev, "baseline_since", ndr_ew_json_time(d->learn_start_ns));
	json_object_set_new(ev, "baseline_pairs", json_integer(d->pairs.used));
	if (prev)
		json_object_set_new(ev, "suppressed_since_last_alert", json_integer(prev));
	memset(&a, 0, sizeof(a));
	a.ts_ns = t;
	a.signature = sig;
	a.signature_id = AP_SID_NEW;
	a.score = score;
	a.severity = score >= 0.8 ? 2 : 3;
	a.mitre[0] = r->dst_port == 3389 ? "T1021.001" : r->dst_port == 22 ? "T1021.004" :
		     r->dst_port == 445 ? "T1021.002" : "T1021.006";
	a.mitre[1] = "T1078";
	ndr_ew_alert_endpoints(&a, r);
	a.entity = entity;
	a.evidence = ev;
	ndr_ew_emit(&d->ew, sink, &a);
	json_decref(ev);
}

static void ap_key_of(struct ap_key *k, const struct ndr_flow_rec *r)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->src, r->src_addr, 16);
	memcpy(k->dst, r->dst_addr, 16);
	k->port = r->dst_port;
}

static void ap_prefetch(const void *det, const struct ndr_rec_hdr *rec)
{
	const struct ap *d = det;
	const struct ndr_flow_rec *r;
	struct ap_key k;

	if (ap_shard(det, rec) == NDR_SHARD_SKIP)
		return;
	r = ndr_ew_flow_peek(rec);
	if (!r || !ndr_ew_answered(r))
		return;
	ap_key_of(&k, r);
	ndr_lru_prefetch(&d->pairs, &k, 0);
}

static void ap_record(void *det, const struct ndr_rec_hdr *rec, const struct ndr_alert_sink *sink)
{
	struct ap *d = det;
	const struct ndr_flow_rec *r;
	struct ap_host *sh, *th;
	struct ap_pair *p;
	struct ap_key k;
	uint32_t day;
	uint64_t t;
	int created, src_admin, dst_admins;

	/* what ap_shard() routes here, whatever the number of workers: so
	 * flow_records counts sessions to the admin ports either way */
	if (ap_shard(det, rec) == NDR_SHARD_SKIP)
		return;
	r = ndr_ew_flow(&d->ew, rec);
	if (!r || !ndr_ew_answered(r) || !ndr_ew_admit(&d->ew, r->src_addr, r->dst_addr))
		return;
	t = r->hdr.ts_ns;
	d->sessions++;
	if (d->learn_start_ns == 0)
		d->learn_start_ns = t;
	if (t > d->last_ns)
		d->last_ns = t;
	day = (uint32_t)(t / AP_DAY_NS);

	ap_key_of(&k, r);
	p = ndr_lru_find(&d->pairs, &k);
	if (p) {
		p->last_ns = t;
		if (day != p->last_day) {
			p->last_day = day;
			if (p->days_seen < UINT16_MAX)
				p->days_seen++;
		}
		if (!p->normal && p->days_seen >= d->normal_days) {
			p->normal = 1;
			count_normal(d, &k, +1);
			d->became_normal++;
		}
		return;
	}

	if (d->pairs.used == d->pairs.capacity) {   /* full: forget the least recent */
		drop_pair(d, ndr_lru_oldest(&d->pairs, NULL));
		d->evicted++;
	}
	p = ndr_lru_get(&d->pairs, &k, &created);
	p->last_ns = t;
	p->first_day = p->last_day = day;
	p->days_seen = 1;
	if (d->normal_days <= 1) {
		p->normal = 1;
		count_normal(d, &k, +1);
	}
	if (learning(d, t)) {
		p->learned = 1;
		d->learning_pairs++;
		return;
	}
	d->new_pairs++;
	sh = host(d, k.src, 0);
	th = host(d, k.dst, 0);
	src_admin = sh && sh->as_src > (uint32_t)p->normal;
	dst_admins = th && th->as_dst > (uint32_t)p->normal;
	if (src_admin && !dst_admins && !d->alert_known_admin_new_target) {
		d->new_target_known_admin++;
		return;
	}
	alert(d, r, src_admin, dst_admins, t, sink);
}

static void ap_tick(void *det, uint64_t now_ns, const struct ndr_alert_sink *sink)
{
	struct ap *d = det;
	struct ap_pair *p;

	(void)sink;
	while ((p = ndr_lru_oldest(&d->pairs, NULL)) && p->last_ns + d->max_age_ns <= now_ns) {
		drop_pair(d, p);
		d->aged_out++;
	}
}

/* ------------------------------------------------------------------ */
/* persistence: schema 1 payload = u64 learn_start_ns, u64 pair count, then
 * per pair (oldest first, so reloading restores the LRU order) a 64-byte
 * record: src[16] dst[16] port u16 days_seen u16 first_day u32 last_day u32
 * flags u8 (1 normal, 2 learned) pad[3] last_ns u64 pad[8]. Host byte order
 * (little-endian, as the record ABI). */

int ndr_det_new_admin_path_save(void *det, const char *dir, char *err, size_t errlen)
{
	struct ap *d = det;
	struct ndr_state_writer *w;
	const struct ap_pair *p = NULL;
	const void *kp;
	uint64_t head[2] = { d->learn_start_ns, d->pairs.used };

	w = ndr_state_write_begin(dir, AP_STATE_NAME, AP_SCHEMA, d->last_ns, err, errlen);
	if (!w)
		return -1;
	if (ndr_state_write(w, head, sizeof(head), err, errlen) != 0)
		goto fail;
	p = NULL;
	while ((p = ndr_lru_next_newer(&d->pairs, p, &kp))) {
		const struct ap_key *k = kp;
		uint8_t rec[AP_REC_BYTES];

		memset(rec, 0, sizeof(rec));
		memcpy(rec, k->src, 16);
		memcpy(rec + 16, k->dst, 16);
		memcpy(rec + 32, &k->port, 2);
		memcpy(rec + 34, &p->days_seen, 2);
		memcpy(rec + 36, &p->first_day, 4);
		memcpy(rec + 40, &p->last_day, 4);
		rec[44] = (uint8_t)(p->normal | p->learned << 1);
		memcpy(rec + 48, &p->last_ns, 8);
		if (ndr_state_write(w, rec, sizeof(rec), err, errlen) != 0)
			goto fail;
	}
	return ndr_state_write_commit(w, err, errlen);
fail:
	ndr_state_write_abort(w);
	return -1;
}

/* Takes nothing the saver could not have written: a count that does not
 * match the payload, a pair twice (its host counts would be counted twice
 * and stay inflated), a record with a zero port or unknown flags, no day
 * seen, a day that is not the day of its last session, or a time after
 * the moment the file was written (the saver writes d->last_ns, the newest
 * session, as that moment). */
static int decode(struct ap *d, const struct ndr_state_blob *b, char *why, size_t len)
{
	struct ndr_state_reader rd;
	uint64_t head[2];

	ndr_state_reader_init(&rd, b);
	if (ndr_state_read(&rd, head, sizeof(head)) != 0 ||
	    ndr_state_expect_records(&rd, head[1], AP_REC_BYTES) != 0) {
		snprintf(why, len, "pair count does not match the payload");
		return -1;
	}
	if (head[0] > b->written_ns) {
		snprintf(why, len, "learning started at %llu ns, after the file was written (%llu)",
			 (unsigned long long)head[0], (unsigned long long)b->written_ns);
		return -1;
	}
	d->learn_start_ns = head[0];
	d->last_ns = b->written_ns;   /* the saver's d->last_ns, even with no pair left */
	for (uint64_t i = 0; i < head[1]; i++) {
		uint8_t rec[AP_REC_BYTES];
		struct ap_pair *p;
		struct ap_key k;
		uint16_t days_seen;
		uint32_t last_day;
		uint64_t last_ns;
		int created;

		if (ndr_state_read(&rd, rec, sizeof(rec)) != 0) {
			snprintf(why, len, "pair %llu: the payload ends inside it", (unsigned long long)i);
			return -1;
		}
		memset(&k, 0, sizeof(k));
		memcpy(k.src, rec, 16);
		memcpy(k.dst, rec + 16, 16);
		memcpy(&k.port, rec + 32, 2);
		memcpy(&days_seen, rec + 34, 2);
		memcpy(&last_day, rec + 40, 4);
		memcpy(&last_ns, rec + 48, 8);
		if (k.port == 0 || rec[44] > 3 || days_seen == 0 || last_ns > b->written_ns ||
		    last_day != last_ns / AP_DAY_NS) {
			snprintf(why, len, "pair %llu: invalid record", (unsigned long long)i);
			return -1;
		}
		if (ndr_lru_find(&d->pairs, &k)) {
			struct ndr_ew_entity ent;
			char entity[112];

			ndr_ew_entity_pair(&ent, k.src, k.dst, k.port);
			ndr_ew_entity_text(&ent, entity, sizeof(entity));
			snprintf(why, len, "pair %llu: %s is in the file twice",
				 (unsigned long long)i, entity);
			return -1;
		}
		if (d->pairs.used == d->pairs.capacity) {   /* smaller cap than before */
			drop_pair(d, ndr_lru_oldest(&d->pairs, NULL));
			d->evicted++;
		}
		p = ndr_lru_get(&d->pairs, &k, &created);
		p->days_seen = days_seen;
		memcpy(&p->first_day, rec + 36, 4);
		p->last_day = last_day;
		p->normal = rec[44] & 1;
		p->learned = (rec[44] >> 1) & 1;
		p->last_ns = last_ns;
		if (p->normal)
			count_normal(d, &k, +1);
	}
	return 0;
}

static void clear(struct ap *d)
{
	struct ap_pair *p;
	struct ap_host *h;

	while ((p = ndr_lru_oldest(&d->pairs, NULL)))
		ndr_lru_remove(&d->pairs, p);
	while ((h = ndr_lru_oldest(&d->hosts, NULL)))
		ndr_lru_remove(&d->hosts, h);
	d->learn_start_ns = d->last_ns = 0;
}

int ndr_det_new_admin_path_load(void *det, const char *dir, char *err, size_t errlen)
{
	struct ap *d = det;
	struct ndr_state_blob b;
	char why[300], qerr[300];
	int rc = ndr_state_load(dir, AP_STATE_NAME, AP_SCHEMA, &b, why, sizeof(why));

	if (rc == 0)
		return 0;
	if (rc > 0) {
		char inner[160];

		clear(d);
		if (decode(d, &b, inner, sizeof(inner)) == 0) {
			free(b.data);
			return 1;
		}
		free(b.data);
		clear(d);
		snprintf(why, sizeof(why), "%s/%s.state: %s", dir, AP_STATE_NAME, inner);
	}
	if (ndr_state_quarantine(dir, AP_STATE_NAME, qerr, sizeof(qerr)) == 0)
		snprintf(err, errlen, "%s; moved to %s.state.bad, starting with an empty baseline",
			 why, AP_STATE_NAME);
	else
		snprintf(err, errlen, "%s; starting with an empty baseline (%s)", why, qerr);
	return -1;
}

const struct ndr_detector_ops ndr_det_new_admin_path = {
	.name = AP_SECTION,
	.flags = NDR_DET_ONE_INSTANCE,
	.create = ap_create,
	.shard = ap_shard,
	.record = ap_record,
	.prefetch = ap_prefetch,
	.tick = ap_tick,
	.stats = ndr_ew_stats,
	.destroy = ndr_ew_destroy,
	.reconfigure = ndr_ew_reconfigure,
	.state_load = ndr_det_new_admin_path_load,
	.state_save = ndr_det_new_admin_path_save,
};
