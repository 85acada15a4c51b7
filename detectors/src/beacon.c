/*
 * beacon.c - D2: command-and-control beacons.
 *
 * Implants call home on a timer: connections from one host to one server
 * start at regular intervals, carry similar byte counts, go on for hours
 * and fill the hourly histogram evenly. Scored as RITA v5 does, each part
 * 0..1 and a quarter of the score:
 *   timing     (1 - |Bowley skew| of the intervals between distinct start
 *              seconds + max(0, 1 - MAD/median / timing_mad_tolerance)) / 2
 *   size       the same over bytes per connection (size_mad_tolerance)
 *   duration   max(span of the pair / duration_window, hours with a
 *              connection in the last 24 / duration_window in hours)
 *   histogram  1 - coefficient of variation of connections per complete
 *              hour (zeros included), over at most the last 24 hours
 * The last max_starts start times and sizes per (src, dst, dst port, proto)
 * are kept in a ring in a bounded LRU table. A pair with >= strobe_per_day
 * connections in 24 h is a "strobe" (RITA), reported on its own.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_detectors_ext.h"
#include "ndr_ew.h"

#define BC_SECTION     "beacon"
#define BC_SID_BEACON  8620001u
#define BC_SID_STROBE  8620002u
#define BC_HOURS       24u
#define BC_MAX_STARTS  256u

struct bc_key {
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t port;
	uint8_t proto;
	uint8_t pad[5];
};

/* followed by uint32 start_s[max_starts] and uint32 bytes[max_starts] */
struct bc_val {
	uint64_t first_ns, last_ns;
	uint64_t conns;
	uint32_t first_hour, cur_hour;
	uint16_t hours[BC_HOURS];      /* connections per hour, ring by hour % 24 */
	uint16_t n, pad16;             /* starts kept (the latest max_starts) */
	uint32_t last_start_s;
};

struct bc {
	struct ndr_ew ew;
	uint64_t max_starts, min_connections, strobe_per_day;
	uint64_t duration_window_ns, idle_ns;
	double threshold, timing_tol, size_tol;
	size_t val_len;
	struct ndr_lru table, active;
	uint64_t connections, continuations, duplicate_starts, late_starts, scored;
};

struct bc_scores {
	double timing, size, duration, histogram, score;
	double interval_median, interval_mad, skew;
	double bytes_median, bytes_mad;
	unsigned intervals, hours_active;
};

static uint32_t *starts(struct bc_val *v)
{
	return (uint32_t *)(v + 1);
}

static uint32_t *sizes(struct bc_val *v, uint64_t max)
{
	return (uint32_t *)(v + 1) + max;
}

static int bc_configure(void *det, struct ndr_config *cfg, char *err, size_t errlen)
{
	struct bc *b = det;
	uint64_t dur_ms, idle_ms;

	if (ndr_config_u64(cfg, BC_SECTION, "max_starts", 32, 8, BC_MAX_STARTS,
			   &b->max_starts, err, errlen) != 0 ||
	    ndr_config_u64(cfg, BC_SECTION, "min_connections", 6, 4, BC_MAX_STARTS,
			   &b->min_connections, err, errlen) != 0 ||
	    ndr_config_u64(cfg, BC_SECTION, "strobe_per_day", 86400, 100, 100000000,
			   &b->strobe_per_day, err, errlen) != 0 ||
	    ndr_config_duration_ms(cfg, BC_SECTION, "duration_window", 6 * 3600000ull, 3600000,
				   86400000, &dur_ms, err, errlen) != 0 ||
	    ndr_config_duration_ms(cfg, BC_SECTION, "pair_idle", 86400000, 60000,
				   7 * 86400000ull, &idle_ms, err, errlen) != 0 ||
	    ndr_config_double(cfg, BC_SECTION, "score_threshold", 0.8, 0.05, 1.0,
			      &b->threshold, err, errlen) != 0 ||
	    ndr_config_double(cfg, BC_SECTION, "timing_mad_tolerance", 0.5, 0.01, 10,
			      &b->timing_tol, err, errlen) != 0 ||
	    ndr_config_double(cfg, BC_SECTION, "size_mad_tolerance", 0.5, 0.01, 10,
			      &b->size_tol, err, errlen) != 0)
		return -1;
	if (b->min_connections > b->max_starts) {
		ndr_config_errorf(cfg, BC_SECTION, "min_connections", NULL, err, errlen,
				  "%llu must not exceed max_starts (%llu)",
				  (unsigned long long)b->min_connections,
				  (unsigned long long)b->max_starts);
		return -1;
	}
	b->duration_window_ns = dur_ms * 1000000ull;
	b->idle_ns = idle_ms * 1000000ull;
	b->val_len = sizeof(struct bc_val) + 2 * b->max_starts * sizeof(uint32_t);
	ndr_stats_counter(&b->ew.stats, "connections", &b->connections);
	ndr_stats_counter(&b->ew.stats, "continuations", &b->continuations);
	ndr_stats_counter(&b->ew.stats, "duplicate_starts", &b->duplicate_starts);
	ndr_stats_counter(&b->ew.stats, "late_starts", &b->late_starts);
	ndr_stats_counter(&b->ew.stats, "scored", &b->scored);
	return 0;
}

static const struct ndr_ew_table bc_tables[] = {
	{ .lru = offsetof(struct bc, table), .key_len = sizeof(struct bc_key),
	  .val_len_off = offsetof(struct bc, val_len), .eighths = 7, .entries_stat = "pairs",
	  .evictions = 1, .time_off = offsetof(struct bc_val, last_ns),
	  .window_off = offsetof(struct bc, idle_ns), .count_expired = 1 },
	{ .lru = offsetof(struct bc, active), .key_len = sizeof(struct ndr_ew_flow_key),
	  .val_len = sizeof(uint64_t), .eighths = 1, .seed_xor = 0x6a09e667u,
	  .fixed_window = NDR_EW_ACTIVE_FORGET_NS },
};

static const struct ndr_ew_class bc_class = {
	.section = BC_SECTION,
	.size = sizeof(struct bc),
	.defaults = { NDR_EW_FROM_INTERNAL, 64u << 20, 86400000 },
	.configure = bc_configure,
	.tables = bc_tables,
	.n_tables = 2,
};

static void *bc_create(struct ndr_config *cfg, const struct ndr_detector_ctx *ctx, char *err,
		       size_t errlen)
{
	return ndr_ew_create(&bc_class, cfg, ctx, err, errlen);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Quantile of sorted x by linear interpolation. */
static double quantile(const double *x, unsigned n, double q)
{
	double pos = q * (n - 1);
	unsigned i = (unsigned)pos;

	if (i + 1 >= n)
		return x[n - 1];
	return x[i] + (pos - i) * (x[i + 1] - x[i]);
}

/* Dispersion score of x (sorted in place): (1 - |Bowley| + MAD part) / 2. */
static double dispersion(double *x, unsigned n, double tol, double *median, double *mad,
			 double *skew)
{
	double q1, q2, q3, dev[BC_MAX_STARTS], bowley = 0, madv, rel;

	qsort(x, n, sizeof(double), cmp_double);
	q1 = quantile(x, n, 0.25);
	q2 = quantile(x, n, 0.5);
	q3 = quantile(x, n, 0.75);
	if (q3 > q1)
		bowley = (q1 + q3 - 2 * q2) / (q3 - q1);
	for (unsigned i = 0; i < n; i++)
		dev[i] = fabs(x[i] - q2);
	qsort(dev, n, sizeof(double), cmp_double);
	madv = quantile(dev, n, 0.5);
	rel = madv / fmax(q2, 1.0);
	*median = q2;
	*mad = madv;
	if (skew)
		*skew = bowley;
	return (1.0 - fabs(bowley) + fmax(0.0, 1.0 - rel / tol)) / 2.0;
}

/* Advances the hour ring to hour h, zeroing the hours skipped. */
static void advance_hours(struct bc_val *v, uint32_t h)
{
	if (h <= v->cur_hour)
		return;
	for (uint32_t x = v->cur_hour + 1; x <= h && x <= v->cur_hour + BC_HOURS; x++)
		v->hours[x % BC_HOURS] = 0;
	v->cur_hour = h;
}

static void score(const struct bc *b, struct bc_val *v, struct bc_scores *s)
{
	double iv[BC_MAX_STARTS], by[BC_MAX_STARTS], st[BC_MAX_STARTS];
	double span_h = (double)b->duration_window_ns / 3600e9, sum = 0, sumsq = 0, mean;
	uint32_t *sp = starts(v), *bp = sizes(v, b->max_starts);
	unsigned n = v->n, k = 0, complete = 0, first;

	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < n; i++) {
		st[i] = sp[i];
		by[i] = bp[i];
	}
	qsort(st, n, sizeof(double), cmp_double);
	for (unsigned i = 1; i < n; i++)
		if (st[i] > st[i - 1])
			iv[k++] = st[i] - st[i - 1];
	s->intervals = k;
	if (k >= 3)
		s->timing = dispersion(iv, k, b->timing_tol, &s->interval_median,
				       &s->interval_mad, &s->skew);
	s->size = dispersion(by, n, b->size_tol, &s->bytes_median, &s->bytes_mad, NULL);

	for (unsigned h = 0; h < BC_HOURS; h++)
		s->hours_active += v->hours[h] > 0;
	s->duration = fmin(1.0, fmax((double)(v->last_ns - v->first_ns) /
				     (double)b->duration_window_ns,
				     s->hours_active / fmin(span_h, (double)BC_HOURS)));

	/* complete hours: after the pair's first hour, before the current one */
	first = v->cur_hour >= BC_HOURS ? v->cur_hour - (BC_HOURS - 1) : 0;
	if (first <= v->first_hour)
		first = v->first_hour + 1;
	for (uint32_t h = first; h < v->cur_hour; h++) {
		double c = v->hours[h % BC_HOURS];

		sum += c;
		sumsq += c * c;
		complete++;
	}
	if (complete >= 1 && sum > 0) {
		mean = sum / complete;
		s->histogram = fmax(0.0, 1.0 - sqrt(fmax(0.0, sumsq / complete - mean * mean)) / mean);
	}
	s->score = (s->timing + s->size + s->duration + s->histogram) / 4.0;
}

static void alert(struct bc *b, const struct ndr_flow_rec *r, const struct bc_val *v,
		  const struct bc_scores *s, int strobe, uint64_t day_conns, uint64_t t,
		  const struct ndr_alert_sink *sink)
{
	char entity[112], sig[240];
	struct ndr_ew_entity ent;
	struct ndr_alert a;
	uint32_t prev;
	json_t *ev;

	ndr_ew_entity_pair(&ent, r->src_addr, r->dst_addr, r->dst_port);
	if (!ndr_ew_may_alert(&b->ew, &ent, strobe ? 2 : 1, t, &prev))
		return;
	ndr_ew_entity_text(&ent, entity, sizeof(entity));
	ev = json_object();
	json_object_set_new(ev, "source", ndr_ew_json_addr(r->src_addr));
	json_object_set_new(ev, "server", ndr_ew_json_addr(r->dst_addr));
	json_object_set_new(ev, "server_port", json_integer(r->dst_port));
	json_object_set_new(ev, "connections", json_integer((json_int_t)v->conns));
	json_object_set_new(ev, "connections_24h", json_integer((json_int_t)day_conns));
	json_object_set_new(ev, "first_seen", ndr_ew_json_time(v->first_ns));
	json_object_set_new(ev, "last_seen", ndr_ew_json_time(v->last_ns));
	if (strobe) {
		snprintf(sig, sizeof(sig), "NDR strobe: %s, %llu connections in 24 h", entity,
			 (unsigned long long)day_conns);
	} else {
		snprintf(sig, sizeof(sig), "NDR beacon: %s every ~%.0f s (score %.2f)", entity,
			 s->interval_median, s->score);
		json_object_set_new(ev, "interval_median_s", ndr_ew_json_real(s->interval_median, 10));
		json_object_set_new(ev, "interval_mad_s", ndr_ew_json_real(s->interval_mad, 10));
		json_object_set_new(ev, "interval_bowley_skew", ndr_ew_json_real(s->skew, 1000));
		json_object_set_new(ev, "bytes_median", ndr_ew_json_real(s->bytes_median, 1));
		json_object_set_new(ev, "bytes_mad", ndr_ew_json_real(s->bytes_mad, 1));
		json_object_set_new(ev, "intervals_scored", json_integer(s->intervals));
		json_object_set_new(ev, "hours_active_24h", json_integer(s->hours_active));
		json_object_set_new(ev, "score_timing", ndr_ew_json_real(s->timing, 1000));
		json_object_set_new(ev, "score_size", ndr_ew_json_real(s->size, 1000));
		json_object_set_new(ev, "score_duration", ndr_ew_json_real(s->duration, 1000));
		json_object_set_new(ev, "score_histogram", ndr_ew_json_real(s->histogram, 1000));
	}
	if (prev)
		json_object_set_new(ev, "suppressed_since_last_alert", json_integer(prev));
	memset(&a, 0, sizeof(a));
	a.ts_ns = t;
	a.signature = sig;
	a.signature_id = strobe ? BC_SID_STROBE : BC_SID_BEACON;
	a.score = strobe ? 0.7 : s->score;
	a.severity = strobe ? 3 : s->score >= 0.9 ? 1 : 2;
	a.mitre[0] = "T1071.001";
	a.mitre[1] = "T1573";
	ndr_ew_alert_endpoints(&a, r);
	a.entity = entity;
	a.evidence = ev;
	ndr_ew_emit(&b->ew, sink, &a);
	json_decref(ev);
}

/*
 * Where start_s goes among the latest max_starts starts kept: a free slot,
 * else the earliest start's slot, or -1 when start_s is older than all of
 * them. Records do not arrive in start order - a card emits a flow when it
 * ends or when its scanner reaches it, and at a flush in table order - so
 * keeping the last arrivals would score a random sample of the pair's
 * history (on a captured 60 s beacon: a median interval of 378 s).
 */
static int keep_slot(struct bc_val *v, uint64_t max, uint32_t start_s)
{
	uint32_t *sp = starts(v);
	unsigned earliest = 0;

	if (v->n < max)
		return v->n++;
	for (unsigned i = 1; i < v->n; i++)
		if (sp[i] < sp[earliest])
			earliest = i;
	return start_s > sp[earliest] ? (int)earliest : -1;
}

static void bc_record(void *det, const struct ndr_rec_hdr *rec, const struct ndr_alert_sink *sink)
{
	struct bc *b = det;
	const struct ndr_flow_rec *r = ndr_ew_flow(&b->ew, rec);
	struct bc_scores s;
	struct bc_val *v;
	struct bc_key k;
	uint64_t start, bytes, day_conns = 0;
	uint32_t start_s, hour;
	int created, slot;

	if (!r || (r->ip_proto != 6 && r->ip_proto != 17) ||
	    !ndr_ew_admit(&b->ew, r->src_addr, r->dst_addr))
		return;
	if (ndr_ew_continues(&b->active, r)) {
		b->continuations++;
		return;
	}
	b->connections++;
	start = r->first_ts_ns;
	start_s = (uint32_t)(start / 1000000000ull);
	hour = (uint32_t)(start / 3600000000000ull);
	bytes = r->bytes_fwd + r->bytes_rev;

	memset(&k, 0, sizeof(k));
	memcpy(k.src, r->src_addr, 16);
	memcpy(k.dst, r->dst_addr, 16);
	k.port = r->dst_port;
	k.proto = r->ip_proto;
	v = ndr_lru_get(&b->table, &k, &created);
	if (created) {
		v->first_ns = start;
		v->first_hour = v->cur_hour = hour;
	}
	if (start < v->first_ns)
		v->first_ns = start;
	if (start > v->last_ns)
		v->last_ns = start;
	v->conns++;
	advance_hours(v, hour);
	if (hour + BC_HOURS > v->cur_hour && v->hours[hour % BC_HOURS] < UINT16_MAX)
		v->hours[hour % BC_HOURS]++;
	for (unsigned h = 0; h < BC_HOURS; h++)
		day_conns += v->hours[h];
	if (day_conns >= b->strobe_per_day) {
		alert(b, r, v, NULL, 1, day_conns, r->hdr.ts_ns, sink);
		return;   /* a strobe's timing says nothing more */
	}
	if (!created && start_s == v->last_start_s) {
		b->duplicate_starts++;   /* parallel connections: one start */
		return;
	}
	v->last_start_s = start_s;
	slot = keep_slot(v, b->max_starts, start_s);
	if (slot < 0) {
		b->late_starts++;
		return;
	}
	starts(v)[slot] = start_s;
	sizes(v, b->max_starts)[slot] = bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)bytes;
	if (v->n < b->min_connections)
		return;
	b->scored++;
	score(b, v, &s);
	if (s.score >= b->threshold)
		alert(b, r, v, &s, 0, day_conns, r->hdr.ts_ns, sink);
}

const struct ndr_detector_ops ndr_det_beacon = {
	.name = BC_SECTION,
	.create = bc_create,
	.shard = ndr_ew_shard,
	.record = bc_record,
	.tick = ndr_ew_tick,
	.stats = ndr_ew_stats,
	.destroy = ndr_ew_destroy,
};
