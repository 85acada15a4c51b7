/*
 * beacon.c - D2: command-and-control beacons.
 *
 * Implants call home on a timer. Two scores per (src, dst, dst port,
 * proto), over the latest max_starts check-in start times (nanoseconds
 * from the flow records; starts closer than merge to a kept one are one
 * check-in, a client opening parallel connections):
 *
 * Periodicity (the fast path, ndr_periodicity.h): are the intervals
 * between check-ins on the beat of one period, allowing jitter up to
 * max_jitter and missed check-ins, more often than a Poisson process
 * would put them there? Its significance (-log10 of the p-value) grows
 * with each on-beat interval, so a 5 s beacon alerts within minutes and a
 * 300 s one within hours; irregular starts stay near 0.
 *
 * Long horizon (RITA v5's score, for slow and sloppy beacons whose timing
 * alone is not significant), each part 0..1 and a quarter of the score:
 *   timing     (1 - |Bowley skew| of the intervals + max(0, 1 - MAD/median
 *              / timing_mad_tolerance)) / 2
 *   size       the same over bytes per connection (size_mad_tolerance)
 *   duration   max(span of the pair / duration_window, hours with a
 *              connection in the last 24 / duration_window in hours)
 *   histogram  1 - coefficient of variation of connections per complete
 *              hour (zeros included), over at most the last 24 hours
 *
 * Neither scores timers slower than max_period (software updaters check
 * hourly or daily), services on allow_ports (NTP, SNMP, monitoring agents,
 * one-way telemetry: they are polled or sent on a timer by design) or
 * multicast and broadcast destinations. A pair with >= strobe_per_day
 * connections in 24 h is a "strobe" (RITA), reported on its own.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_detectors_ext.h"
#include "ndr_ew.h"
#include "ndr_periodicity.h"

#define BC_SECTION     "beacon"
#define BC_SID_BEACON  8620001u
#define BC_SID_STROBE  8620002u
#define BC_HOURS       24u
#define BC_MAX_STARTS  256u
#define BC_MAX_ALLOW   64u

struct bc_key {
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t port;
	uint8_t proto;
	uint8_t pad[5];
};

/*
 * The starts kept (the latest max_starts) and their bytes: the first in the
 * value, the others in the entry's side bytes (ndr_lru_init_side): uint64
 * start_ns[max_starts - 1], then uint32 bytes[max_starts - 1]. Most pairs
 * connect once, so a new pair touches only its own entry's few cache lines,
 * not the ~900 bytes of a full history. The table holds as many pairs as
 * when the history was in the value: the capacity is what the budget buys
 * at the value and side bytes together.
 */
struct bc_val {
	uint64_t first_ns, last_ns;
	uint64_t conns;
	uint32_t first_hour, cur_hour;
	uint16_t hours[BC_HOURS];      /* connections per hour, ring by hour % 24 */
	uint16_t n, pad16;             /* starts kept */
	uint32_t bytes0;               /* the first start's bytes */
	uint64_t start0;               /* the first start */
};

struct bc {
	struct ndr_ew ew;
	uint64_t max_starts, min_connections, strobe_per_day, min_intervals;
	uint64_t duration_window_ns, idle_ns, merge_ns;
	double threshold, timing_tol, size_tol;
	double max_jitter, min_significance, min_period_s, max_period_s;
	struct ndr_periodicity_bands bands;
	uint16_t allow_ports[BC_MAX_ALLOW];
	size_t n_allow_ports;
	size_t val_len, side_len;
	struct ndr_lru table, active;
	uint64_t connections, continuations, duplicate_starts, late_starts, scored;
	uint64_t allowlisted_port, multicast, slow_timers;
};

struct bc_scores {
	double timing, size, duration, histogram, score;
	double interval_median, interval_mad, skew;
	double bytes_median, bytes_mad;
	unsigned intervals, hours_active;
	struct ndr_periodicity per;
};

/* Start i of a pair's kept starts, and its bytes. */
static uint64_t *start_at(const struct bc *b, struct bc_val *v, unsigned i)
{
	if (i == 0)
		return &v->start0;
	return (uint64_t *)ndr_lru_side(&b->table, v) + (i - 1);
}

static uint32_t *bytes_at(const struct bc *b, struct bc_val *v, unsigned i)
{
	if (i == 0)
		return &v->bytes0;
	return (uint32_t *)((uint64_t *)ndr_lru_side(&b->table, v) + (b->max_starts - 1)) +
	       (i - 1);
}

/* Polled or timer-driven by design: DNS 53 (a resolver carries every
 * program's lookups, and what a DNS channel says is in its names, D1's
 * business), NTP 123, SNMP 161/162, syslog 514,
 * NetFlow 2055/9995, IPFIX 4739, sFlow 6343, statsd 8125, GELF 12201,
 * Nagios NRPE 5666, Prometheus node exporter 9100, Zabbix agent and
 * server 10050/10051, DHCP 67/68, NetBIOS 137/138, SSDP 1900, mDNS 5353. */
static const uint16_t bc_allow_default[] = { 53, 67, 68, 123, 137, 138, 161, 162, 514, 1900,
					     2055, 4739, 5353, 5666, 6343, 8125, 9100, 9995,
					     10050, 10051, 12201 };

/* allow_ports: a list, or "none". */
/* Of two keys whose values contradict each other, the one the file sets
 * (a when both or neither), so the error names the line to change. */
static const char *bc_set_key(struct ndr_config *cfg, const char *a, const char *b)
{
	const char *const *v;
	return ndr_config_list(cfg, BC_SECTION, a, &v) == 0 &&
	       ndr_config_list(cfg, BC_SECTION, b, &v) > 0 ? b : a;
}

static int bc_allow_ports(struct bc *b, struct ndr_config *cfg, char *err, size_t errlen)
{
	const char *const *vals;
	size_t n = ndr_config_list(cfg, BC_SECTION, "allow_ports", &vals);
	int got;

	if (n == 1 && strcmp(vals[0], "none") == 0)
		return 0;
	got = ndr_ew_port_list(cfg, BC_SECTION, "allow_ports", bc_allow_default,
			       sizeof(bc_allow_default) / sizeof(bc_allow_default[0]),
			       b->allow_ports, BC_MAX_ALLOW, err, errlen);
	if (got < 0)
		return -1;
	b->n_allow_ports = (size_t)got;
	return 0;
}

static int bc_configure(void *det, struct ndr_config *cfg, char *err, size_t errlen)
{
	struct bc *b = det;
	uint64_t dur_ms, idle_ms, merge_ms, min_period_ms, max_period_ms;
	size_t whole;

	if (ndr_config_u64(cfg, BC_SECTION, "max_starts", 64, 8, BC_MAX_STARTS,
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
			      &b->size_tol, err, errlen) != 0 ||
	    ndr_config_u64(cfg, BC_SECTION, "min_intervals", 8, 3, BC_MAX_STARTS - 1,
			   &b->min_intervals, err, errlen) != 0 ||
	    ndr_config_double(cfg, BC_SECTION, "max_jitter", 0.3, 0.01, 0.45,
			      &b->max_jitter, err, errlen) != 0 ||
	    ndr_config_double(cfg, BC_SECTION, "min_significance", 8, 2, 100,
			      &b->min_significance, err, errlen) != 0 ||
	    ndr_config_duration_ms(cfg, BC_SECTION, "merge", 1000, 0, 60000, &merge_ms,
				   err, errlen) != 0 ||
	    ndr_config_duration_ms(cfg, BC_SECTION, "min_period", 2000, 0, 3600000,
				   &min_period_ms, err, errlen) != 0 ||
	    ndr_config_duration_ms(cfg, BC_SECTION, "max_period", 1800000, 1000, 86400000,
				   &max_period_ms, err, errlen) != 0 ||
	    bc_allow_ports(b, cfg, err, errlen) != 0)
		return -1;
	if (min_period_ms >= max_period_ms)
		return ndr_config_errorf(cfg, BC_SECTION, bc_set_key(cfg, "max_period", "min_period"),
					 NULL, err, errlen, "min_period (%llu ms) must be below "
					 "max_period (%llu ms)", (unsigned long long)min_period_ms,
					 (unsigned long long)max_period_ms);
	if (b->min_intervals >= b->max_starts)
		return ndr_config_errorf(cfg, BC_SECTION, bc_set_key(cfg, "max_starts", "min_intervals"),
					 NULL, err, errlen, "min_intervals (%llu) must be below "
					 "max_starts (%llu)", (unsigned long long)b->min_intervals,
					 (unsigned long long)b->max_starts);
	ndr_periodicity_bands_init(&b->bands, b->max_jitter);
	b->merge_ns = merge_ms * 1000000ull;
	b->min_period_s = (double)min_period_ms / 1000.0;
	b->max_period_s = (double)max_period_ms / 1000.0;
	if (b->min_connections > b->max_starts) {
		ndr_config_errorf(cfg, BC_SECTION, "min_connections", NULL, err, errlen,
				  "%llu must not exceed max_starts (%llu)",
				  (unsigned long long)b->min_connections,
				  (unsigned long long)b->max_starts);
		return -1;
	}
	b->duration_window_ns = dur_ms * 1000000ull;
	b->idle_ns = idle_ms * 1000000ull;
	/* value and side bytes together are what a value holding every start
	 * was (the pair's fields up to start0, then max_starts starts and
	 * bytes, 8-byte aligned): the same number of pairs in the same memory */
	whole = offsetof(struct bc_val, start0) +
		b->max_starts * (sizeof(uint64_t) + sizeof(uint32_t));
	b->val_len = sizeof(struct bc_val);
	b->side_len = ((whole + 7) & ~(size_t)7) - sizeof(struct bc_val);
	ndr_stats_counter(&b->ew.stats, "connections", &b->connections);
	ndr_stats_counter(&b->ew.stats, "continuations", &b->continuations);
	ndr_stats_counter(&b->ew.stats, "duplicate_starts", &b->duplicate_starts);
	ndr_stats_counter(&b->ew.stats, "late_starts", &b->late_starts);
	ndr_stats_counter(&b->ew.stats, "scored", &b->scored);
	ndr_stats_counter(&b->ew.stats, "allowlisted_port", &b->allowlisted_port);
	ndr_stats_counter(&b->ew.stats, "multicast", &b->multicast);
	ndr_stats_counter(&b->ew.stats, "slow_timers", &b->slow_timers);
	return 0;
}

static const struct ndr_ew_table bc_tables[] = {
	{ .lru = offsetof(struct bc, table), .key_len = sizeof(struct bc_key),
	  .val_len_off = offsetof(struct bc, val_len), .side_len_off = offsetof(struct bc, side_len),
	  .eighths = 7, .entries_stat = "pairs",
	  .evictions = 1, .time_off = offsetof(struct bc_val, last_ns),
	  .window_off = offsetof(struct bc, idle_ns), .count_expired = 1 },
	{ .lru = offsetof(struct bc, active), .key_len = sizeof(struct ndr_ew_flow_key),
	  .val_len = sizeof(uint64_t), .eighths = 1, .seed_xor = 0x6a09e667u,
	  .fixed_window = NDR_EW_ACTIVE_FORGET_NS },
};

static const struct ndr_ew_class bc_class = {
	.section = BC_SECTION,
	.size = sizeof(struct bc),
	.settings_off = offsetof(struct bc, max_starts),
	.settings_end = offsetof(struct bc, val_len),
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

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void score(const struct bc *b, struct bc_val *v, struct bc_scores *s)
{
	double iv[BC_MAX_STARTS], by[BC_MAX_STARTS], st[BC_MAX_STARTS];
	double span_h = (double)b->duration_window_ns / 3600e9, sum = 0, sumsq = 0, mean;
	uint64_t ns[BC_MAX_STARTS];
	unsigned n = v->n, k = 0, complete = 0, first;

	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < n; i++) {
		ns[i] = *start_at(b, v, i);
		by[i] = *bytes_at(b, v, i);
	}
	qsort(ns, n, sizeof(uint64_t), cmp_u64);
	for (unsigned i = 0; i < n; i++)
		st[i] = (double)(ns[i] - ns[0]) / 1e9;
	for (unsigned i = 1; i < n; i++)
		if (st[i] > st[i - 1])
			iv[k++] = st[i] - st[i - 1];
	ndr_periodicity_test(st, n, &b->bands, &s->per);
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

/* what raised an alert */
enum bc_method { BC_STROBE, BC_PERIODICITY, BC_LONG_HORIZON };

static void alert(struct bc *b, const struct ndr_flow_rec *r, const struct bc_val *v,
		  const struct bc_scores *s, enum bc_method method, uint64_t day_conns, uint64_t t,
		  const struct ndr_alert_sink *sink)
{
	char entity[112], sig[240];
	struct ndr_ew_entity ent;
	struct ndr_alert a;
	uint32_t prev;
	json_t *ev;

	int strobe = method == BC_STROBE;
	double score = strobe ? 0.7 : s->score;

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
	} else if (method == BC_PERIODICITY) {
		const struct ndr_periodicity *p = &s->per;

		score = 0.5 + 0.5 * ndr_ew_ramp(p->significance, b->min_significance,
						2 * b->min_significance);
		snprintf(sig, sizeof(sig),
			 "NDR beacon: %s every ~%.1f s +-%.0f %% (%u check-ins; by chance: p < 1e-%.0f)",
			 entity, p->period_s, 100 * p->jitter, v->n, floor(p->significance));
		json_object_set_new(ev, "method", json_string("periodicity"));
		json_object_set_new(ev, "period_s", ndr_ew_json_real(p->period_s, 1000));
		json_object_set_new(ev, "jitter", ndr_ew_json_real(p->jitter, 1000));
		json_object_set_new(ev, "check_ins", json_integer(v->n));
		json_object_set_new(ev, "intervals", json_integer(p->intervals));
		json_object_set_new(ev, "intervals_on_beat", json_integer(p->on_beat));
		json_object_set_new(ev, "missed_check_ins", json_integer(p->missed));
		json_object_set_new(ev, "band", ndr_ew_json_real(p->band, 1000));
		json_object_set_new(ev, "p_on_beat_if_random", ndr_ew_json_real(p->p_null, 10000));
		json_object_set_new(ev, "significance", ndr_ew_json_real(p->significance, 100));
		json_object_set_new(ev, "confidence", json_real(p->confidence));
		json_object_set_new(ev, "bytes_median", ndr_ew_json_real(s->bytes_median, 1));
		json_object_set_new(ev, "bytes_mad", ndr_ew_json_real(s->bytes_mad, 1));
	} else {
		snprintf(sig, sizeof(sig), "NDR beacon: %s every ~%.0f s (score %.2f)", entity,
			 s->interval_median, s->score);
		json_object_set_new(ev, "method", json_string("long_horizon"));
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
	a.score = score;
	a.severity = strobe ? 3 : score >= 0.9 ? 1 : 2;
	a.mitre[0] = "T1071.001";
	a.mitre[1] = "T1573";
	ndr_ew_alert_endpoints(&a, r);
	a.entity = entity;
	a.evidence = ev;
	ndr_ew_emit(&b->ew, sink, &a);
	json_decref(ev);
}

/*
 * Where start goes among the latest max_starts starts kept: a free slot,
 * else the earliest start's slot; -1 when it is older than all of them,
 * -2 when it is within merge of a kept start (the same check-in: a client
 * opening parallel connections). Records do not arrive in start order - a
 * card emits a flow when it ends or when its scanner reaches it, and at a
 * flush in table order - so keeping the last arrivals would score a random
 * sample of the pair's history (on a captured 60 s beacon: a median
 * interval of 378 s).
 */
static int keep_slot(const struct bc *b, struct bc_val *v, uint64_t start)
{
	uint64_t earliest_ns = 0;
	unsigned earliest = 0;

	for (unsigned i = 0; i < v->n; i++) {
		uint64_t sp = *start_at(b, v, i);
		uint64_t d = sp > start ? sp - start : start - sp;

		if (d < b->merge_ns || d == 0)
			return -2;
		if (i == 0 || sp < earliest_ns) {
			earliest = i;
			earliest_ns = sp;
		}
	}
	if (v->n < b->max_starts)
		return v->n++;
	return start > earliest_ns ? (int)earliest : -1;
}

static int multicast(const struct ndr_flow_rec *r)
{
	const uint8_t *a = r->dst_addr;

	if (ndr_ew_ipv6(r))
		return a[0] == 0xff;
	return (a[12] & 0xf0) == 0xe0 || (a[12] == 255 && a[13] == 255 && a[14] == 255 &&
					  a[15] == 255);
}

static void bc_key_of(struct bc_key *k, const struct ndr_flow_rec *r)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->src, r->src_addr, 16);
	memcpy(k->dst, r->dst_addr, 16);
	k->port = r->dst_port;
	k->proto = r->ip_proto;
}

/* Flows bc_record() ignores before any table, scope aside. */
static int bc_skips(const struct bc *b, const struct ndr_flow_rec *r)
{
	return (r->ip_proto != 6 && r->ip_proto != 17) ||
	       ndr_ew_port_in(b->allow_ports, b->n_allow_ports, r->dst_port);
}

static void bc_prefetch(const void *det, const struct ndr_rec_hdr *rec)
{
	const struct bc *b = det;
	const struct ndr_flow_rec *r = ndr_ew_flow_peek(rec);
	struct bc_key k;

	if (!r || bc_skips(b, r))
		return;
	bc_key_of(&k, r);
	ndr_lru_prefetch(&b->table, &k, 0);
}

static void bc_record(void *det, const struct ndr_rec_hdr *rec, const struct ndr_alert_sink *sink)
{
	struct bc *b = det;
	const struct ndr_flow_rec *r = ndr_ew_flow(&b->ew, rec);
	struct bc_scores s;
	struct bc_val *v;
	struct bc_key k;
	uint64_t start, bytes, day_conns = 0;
	uint32_t hour;
	int created, slot;

	if (!r || (r->ip_proto != 6 && r->ip_proto != 17) ||
	    !ndr_ew_admit(&b->ew, r->src_addr, r->dst_addr))
		return;
	if (ndr_ew_port_in(b->allow_ports, b->n_allow_ports, r->dst_port)) {
		b->allowlisted_port++;
		return;
	}
	if (multicast(r)) {
		b->multicast++;
		return;
	}
	if (ndr_ew_continues(&b->active, r)) {
		b->continuations++;
		return;
	}
	b->connections++;
	start = r->first_ts_ns;
	hour = (uint32_t)(start / 3600000000000ull);
	bytes = r->bytes_fwd + r->bytes_rev;

	bc_key_of(&k, r);
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
		alert(b, r, v, NULL, BC_STROBE, day_conns, r->hdr.ts_ns, sink);
		return;   /* a strobe's timing says nothing more */
	}
	slot = keep_slot(b, v, start);
	if (slot == -2) {
		b->duplicate_starts++;   /* parallel connections: one check-in */
		return;
	}
	if (slot < 0) {
		b->late_starts++;
		return;
	}
	*start_at(b, v, (unsigned)slot) = start;
	*bytes_at(b, v, (unsigned)slot) = bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)bytes;
	if (v->n < b->min_connections && v->n <= b->min_intervals)
		return;
	b->scored++;
	score(b, v, &s);
	if (s.per.intervals >= b->min_intervals && s.per.significance >= b->min_significance &&
	    s.per.period_s >= b->min_period_s) {
		if (s.per.period_s > b->max_period_s)
			b->slow_timers++;
		else
			alert(b, r, v, &s, BC_PERIODICITY, day_conns, r->hdr.ts_ns, sink);
		return;
	}
	if (v->n >= b->min_connections && s.score >= b->threshold) {
		if (s.interval_median > b->max_period_s || s.interval_median < b->min_period_s)
			b->slow_timers++;
		else
			alert(b, r, v, &s, BC_LONG_HORIZON, day_conns, r->hdr.ts_ns, sink);
	}
}

const struct ndr_detector_ops ndr_det_beacon = {
	.name = BC_SECTION,
	.create = bc_create,
	.shard = ndr_ew_shard,
	.record = bc_record,
	.prefetch = bc_prefetch,
	.tick = ndr_ew_tick,
	.stats = ndr_ew_stats,
	.destroy = ndr_ew_destroy,
	.reconfigure = ndr_ew_reconfigure,
};
