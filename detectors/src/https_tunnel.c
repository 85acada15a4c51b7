/*
 * https_tunnel.c - D3: long sessions and interactive tunnels inside TLS.
 *
 * Two shapes, both from one flow's records accumulated across the card's
 * ACTIVE updates (every 120 s of a long flow):
 *  - long session: RITA's long-connection tiers (1 h / 4 h / 8 h / 12 h).
 *    Each tier crossed is an escalation and alerts again.
 *  - interactive tunnel (Vectra "Hidden HTTPS Tunnel"): a person typing
 *    through a TLS session - many request/response turns, small client
 *    packets, bytes both ways in comparable amounts, and human-scale gaps
 *    between packets. Scored as the mean of four 0..1 ramps; streaming
 *    (one-way bulk, ACK-clocked) and web keep-alive (few turns) stay low.
 * State is per flow (5-tuple) in a bounded LRU table, dropped when the
 * flow's final record arrives.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_detectors_ext.h"
#include "ndr_ew.h"

#define HT_SECTION     "https_tunnel"
#define HT_SID_LONG    8630001u
#define HT_SID_TUNNEL  8630002u
#define HT_MAX_PORTS   32
#define HT_TIERS       4
#define HT_LEVEL_TUNNEL 10u

struct ht_val {
	uint64_t first_ns, last_ns;
	uint64_t pkts_fwd, pkts_rev, bytes_fwd, bytes_rev;
	uint64_t small_fwd;            /* client packets <= 128 bytes */
	uint64_t dir_changes;
	double iat_sum_us;
	uint64_t iat_n;
	uint32_t periods;
	uint8_t tier_alerted, tunnel_alerted;
	uint8_t pad[2];
};

struct ht_view {
	double duration_s, turns_per_hour, small_client, balance, mean_iat_ms;
	double s_turns, s_small, s_balance, s_timing, score;
};

struct ht {
	struct ndr_ew ew;
	uint16_t ports[HT_MAX_PORTS];
	size_t n_ports;
	uint64_t tier_ns[HT_TIERS];
	uint64_t tunnel_min_ns, min_turns;
	double threshold;
	double turns_lo, turns_hi, small_lo, small_hi, bal_lo, bal_hi, iat_lo, iat_hi;
	struct ndr_lru flows;
	uint64_t records, updates, finished;
};

static int ramp_keys(struct ndr_config *cfg, const char *lo_key, const char *hi_key,
		     double dlo, double dhi, double max, double *lo, double *hi,
		     char *err, size_t errlen)
{
	if (ndr_config_double(cfg, HT_SECTION, lo_key, dlo, 0, max, lo, err, errlen) != 0 ||
	    ndr_config_double(cfg, HT_SECTION, hi_key, dhi, 0, max, hi, err, errlen) != 0)
		return -1;
	if (!(*lo < *hi)) {
		ndr_config_errorf(cfg, HT_SECTION, lo_key, NULL, err, errlen,
				  "%g must be below %s (%g)", *lo, hi_key, *hi);
		return -1;
	}
	return 0;
}

static int ht_configure(void *det, struct ndr_config *cfg, char *err, size_t errlen)
{
	static const uint16_t def_ports[] = { 443, 8443 };
	static const char *const tier_keys[HT_TIERS] = {
		"long_low", "long_medium", "long_high", "long_critical" };
	static const uint64_t tier_def_h[HT_TIERS] = { 1, 4, 8, 12 };
	struct ht *h = det;
	uint64_t ms;
	int n;

	if ((n = ndr_ew_port_list(cfg, HT_SECTION, "ports", def_ports, 2, h->ports, HT_MAX_PORTS,
				  err, errlen)) < 0)
		return -1;
	h->n_ports = (size_t)n;
	for (unsigned i = 0; i < HT_TIERS; i++) {
		if (ndr_config_duration_ms(cfg, HT_SECTION, tier_keys[i], tier_def_h[i] * 3600000ull,
					   60000, 30 * 86400000ull, &ms, err, errlen) != 0)
			return -1;
		h->tier_ns[i] = ms * 1000000ull;
		if (i > 0 && h->tier_ns[i] <= h->tier_ns[i - 1]) {
			ndr_config_errorf(cfg, HT_SECTION, tier_keys[i], NULL, err, errlen,
					  "must be longer than %s", tier_keys[i - 1]);
			return -1;
		}
	}
	if (ndr_config_duration_ms(cfg, HT_SECTION, "tunnel_min_duration", 600000, 10000,
				   86400000, &ms, err, errlen) != 0 ||
	    ndr_config_u64(cfg, HT_SECTION, "min_turns", 200, 2, 100000000,
			   &h->min_turns, err, errlen) != 0 ||
	    ndr_config_double(cfg, HT_SECTION, "score_threshold", 0.75, 0.05, 1.0,
			      &h->threshold, err, errlen) != 0 ||
	    ramp_keys(cfg, "turns_per_hour_low", "turns_per_hour_high", 300, 1500, 1e9,
		      &h->turns_lo, &h->turns_hi, err, errlen) != 0 ||
	    ramp_keys(cfg, "small_client_low", "small_client_high", 0.5, 0.8, 1,
		      &h->small_lo, &h->small_hi, err, errlen) != 0 ||
	    ramp_keys(cfg, "balance_low", "balance_high", 0.05, 0.25, 1,
		      &h->bal_lo, &h->bal_hi, err, errlen) != 0 ||
	    ramp_keys(cfg, "mean_gap_ms_low", "mean_gap_ms_high", 10, 100, 1e7,
		      &h->iat_lo, &h->iat_hi, err, errlen) != 0)
		return -1;
	h->tunnel_min_ns = ms * 1000000ull;
	ndr_stats_counter(&h->ew.stats, "tls_records", &h->records);
	ndr_stats_counter(&h->ew.stats, "active_updates", &h->updates);
	ndr_stats_counter(&h->ew.stats, "flows_finished", &h->finished);
	return 0;
}

/* An ACTIVE flow silent for NDR_EW_ACTIVE_FORGET_NS ended without a final
 * record we saw. */
static const struct ndr_ew_table ht_tables[] = {
	{ .lru = offsetof(struct ht, flows), .key_len = sizeof(struct ndr_ew_flow_key),
	  .val_len = sizeof(struct ht_val), .eighths = 8, .entries_stat = "flows_tracked",
	  .evictions = 1, .time_off = offsetof(struct ht_val, last_ns),
	  .fixed_window = NDR_EW_ACTIVE_FORGET_NS, .count_expired = 1 },
};

static const struct ndr_ew_class ht_class = {
	.section = HT_SECTION,
	.size = sizeof(struct ht),
	.settings_off = offsetof(struct ht, ports),
	.settings_end = offsetof(struct ht, flows),
	.defaults = { NDR_EW_FROM_INTERNAL, 16u << 20, 86400000 },
	.configure = ht_configure,
	.tables = ht_tables,
	.n_tables = 1,
};

static void *ht_create(struct ndr_config *cfg, const struct ndr_detector_ctx *ctx, char *err,
		       size_t errlen)
{
	return ndr_ew_create(&ht_class, cfg, ctx, err, errlen);
}

static void view(const struct ht *h, const struct ht_val *v, struct ht_view *w)
{
	double hours;

	memset(w, 0, sizeof(*w));
	w->duration_s = (double)(v->last_ns - v->first_ns) / 1e9;
	hours = fmax(w->duration_s / 3600.0, 1.0 / 60.0);
	w->turns_per_hour = (double)v->dir_changes / 2.0 / hours;
	w->small_client = v->pkts_fwd ? (double)v->small_fwd / (double)v->pkts_fwd : 0;
	w->balance = fmax(v->bytes_fwd, v->bytes_rev) > 0 ?
		     fmin(v->bytes_fwd, v->bytes_rev) / fmax(v->bytes_fwd, v->bytes_rev) : 0;
	w->mean_iat_ms = v->iat_n ? v->iat_sum_us / (double)v->iat_n / 1000.0 : 0;
	w->s_turns = ndr_ew_ramp(w->turns_per_hour, h->turns_lo, h->turns_hi);
	w->s_small = ndr_ew_ramp(w->small_client, h->small_lo, h->small_hi);
	w->s_balance = ndr_ew_ramp(w->balance, h->bal_lo, h->bal_hi);
	w->s_timing = ndr_ew_ramp(w->mean_iat_ms, h->iat_lo, h->iat_hi);
	w->score = (w->s_turns + w->s_small + w->s_balance + w->s_timing) / 4.0;
}

static void alert(struct ht *h, const struct ndr_flow_rec *r, const struct ht_val *v,
		  const struct ht_view *w, unsigned tier, uint64_t t,
		  const struct ndr_alert_sink *sink)
{
	static const char *const tier_name[HT_TIERS + 1] = { "", "1st", "2nd", "3rd", "4th" };
	char entity[112], sig[240];
	struct ndr_ew_entity ent;
	struct ndr_alert a;
	uint32_t prev;
	json_t *ev;
	int tunnel = tier == 0;

	ndr_ew_entity_pair(&ent, r->src_addr, r->dst_addr, r->dst_port);
	if (!ndr_ew_may_alert(&h->ew, &ent, tunnel ? HT_LEVEL_TUNNEL : tier, t, &prev))
		return;
	ndr_ew_entity_text(&ent, entity, sizeof(entity));
	if (tunnel)
		snprintf(sig, sizeof(sig), "NDR hidden HTTPS tunnel: interactive session %s "
			 "(%.0f turns/h, %.0f%% small client packets)", entity, w->turns_per_hour,
			 100.0 * w->small_client);
	else
		snprintf(sig, sizeof(sig), "NDR long TLS session: %s open for %.1f h (%s tier)",
			 entity, w->duration_s / 3600.0, tier_name[tier]);
	ev = json_object();
	json_object_set_new(ev, "client", ndr_ew_json_addr(r->src_addr));
	json_object_set_new(ev, "server", ndr_ew_json_addr(r->dst_addr));
	json_object_set_new(ev, "server_port", json_integer(r->dst_port));
	json_object_set_new(ev, "session_start", ndr_ew_json_time(v->first_ns));
	json_object_set_new(ev, "last_seen", ndr_ew_json_time(v->last_ns));
	json_object_set_new(ev, "duration_s", ndr_ew_json_real(w->duration_s, 1));
	json_object_set_new(ev, "bytes_fwd", json_integer((json_int_t)v->bytes_fwd));
	json_object_set_new(ev, "bytes_rev", json_integer((json_int_t)v->bytes_rev));
	json_object_set_new(ev, "pkts_fwd", json_integer((json_int_t)v->pkts_fwd));
	json_object_set_new(ev, "pkts_rev", json_integer((json_int_t)v->pkts_rev));
	json_object_set_new(ev, "records", json_integer(v->periods));
	json_object_set_new(ev, "turns_per_hour", ndr_ew_json_real(w->turns_per_hour, 1));
	json_object_set_new(ev, "small_client_share", ndr_ew_json_real(w->small_client, 1000));
	json_object_set_new(ev, "byte_balance", ndr_ew_json_real(w->balance, 1000));
	json_object_set_new(ev, "mean_gap_ms", ndr_ew_json_real(w->mean_iat_ms, 10));
	if (tunnel)
		json_object_set_new(ev, "score_parts",
				    json_pack("{s:f,s:f,s:f,s:f}", "turns", w->s_turns,
					      "small_client", w->s_small, "balance", w->s_balance,
					      "timing", w->s_timing));
	else
		json_object_set_new(ev, "tier", json_integer(tier));
	if (prev)
		json_object_set_new(ev, "suppressed_since_last_alert", json_integer(prev));
	memset(&a, 0, sizeof(a));
	a.ts_ns = t;
	a.signature = sig;
	a.signature_id = tunnel ? HT_SID_TUNNEL : HT_SID_LONG;
	a.score = tunnel ? w->score : 0.25 * tier;
	a.severity = tunnel ? (w->score >= 0.9 ? 1 : 2) : tier >= 4 ? 1 : tier >= 3 ? 2 : 3;
	a.mitre[0] = "T1572";
	a.mitre[1] = "T1090";
	a.mitre[2] = "T1573.002";
	ndr_ew_alert_endpoints(&a, r);
	a.entity = entity;
	a.evidence = ev;
	ndr_ew_emit(&h->ew, sink, &a);
	json_decref(ev);
}

static void ht_record(void *det, const struct ndr_rec_hdr *rec, const struct ndr_alert_sink *sink)
{
	struct ht *h = det;
	const struct ndr_flow_rec *r = ndr_ew_flow(&h->ew, rec);
	struct ndr_ew_flow_key k;
	struct ht_view w;
	struct ht_val *v, one;
	uint64_t pkts, t;
	unsigned tier = 0;
	int created, final;

	if (!r || r->ip_proto != 6 || !ndr_ew_port_in(h->ports, h->n_ports, r->dst_port) ||
	    !ndr_ew_admit(&h->ew, r->src_addr, r->dst_addr))
		return;
	h->records++;
	t = r->hdr.ts_ns;
	ndr_ew_flow_key(&k, r);
	final = r->end_reason != NDR_FLOW_END_ACTIVE;
	/* A flow seen whole in one record needs no table entry: most flows
	 * are short and end before any ACTIVE update. */
	v = final ? ndr_lru_find(&h->flows, &k) : NULL;
	created = 0;
	if (!v && final) {
		memset(&one, 0, sizeof(one));
		v = &one;
		created = 1;
	} else if (!v) {
		v = ndr_lru_get(&h->flows, &k, &created);
	}
	if (created)
		v->first_ns = r->first_ts_ns;
	else
		h->updates++;
	if (r->last_ts_ns > v->last_ns)
		v->last_ns = r->last_ts_ns;
	v->periods++;
	v->pkts_fwd += r->pkts_fwd;
	v->pkts_rev += r->pkts_rev;
	v->bytes_fwd += r->bytes_fwd;
	v->bytes_rev += r->bytes_rev;
	v->small_fwd += (uint64_t)r->hist_fwd[0] + r->hist_fwd[1];
	v->dir_changes += r->dir_changes;
	pkts = r->pkts_fwd + r->pkts_rev;
	if (pkts >= 2) {
		v->iat_sum_us += (double)r->iat_sum_us;
		v->iat_n += pkts - 1;
	}

	view(h, v, &w);
	while (tier < HT_TIERS && v->last_ns - v->first_ns >= h->tier_ns[tier])
		tier++;
	if (tier > v->tier_alerted) {
		v->tier_alerted = (uint8_t)tier;
		alert(h, r, v, &w, tier, t, sink);
	}
	if (!v->tunnel_alerted && v->last_ns - v->first_ns >= h->tunnel_min_ns &&
	    v->dir_changes >= h->min_turns && w.score >= h->threshold) {
		v->tunnel_alerted = 1;
		alert(h, r, v, &w, 0, t, sink);
	}
	if (final) {
		if (v != &one)
			ndr_lru_remove(&h->flows, v);
		h->finished++;
	}
}

const struct ndr_detector_ops ndr_det_https_tunnel = {
	.name = HT_SECTION,
	.create = ht_create,
	.shard = ndr_ew_shard,
	.record = ht_record,
	.tick = ndr_ew_tick,
	.stats = ndr_ew_stats,
	.destroy = ndr_ew_destroy,
	.reconfigure = ndr_ew_reconfigure,
};
