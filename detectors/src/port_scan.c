/*
 * port_scan.c - D4: internal port scans and sweeps.
 *
 * Zeek's scan policy, on flow records: within a window (5 min) one source
 * reaching >= 25 hosts on one port (horizontal scan, or an ICMP echo sweep)
 * or >= 15 ports on one host (vertical scan). Only failed attempts count by
 * default - a SYN never answered or answered by RST, a UDP flow with no
 * reply - because a scanner mostly fails while a busy client mostly
 * succeeds. Distinct counts are HyperLogLogs (precision 8: exact-ish in the
 * linear-counting range where the thresholds sit), one per (src, port) and
 * per (src, dst), in two LRU tables sized from memory_cap.
 *
 * One-way UDP services (syslog, SNMP traps, NetFlow/IPFIX/sFlow export,
 * statsd, GELF) never answer by design: a host logging to 25 collectors is
 * not scanning them. UDP to a port in one_way_udp_ports is not an attempt
 * at all (counted in one_way_udp). An ICMP unreachable is a flow record of
 * its own, initiated by the target and carrying only type and code, not the
 * probe's port; the probe's UDP record then shows no reply, which is what
 * counts as failed.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_detectors_ext.h"
#include "ndr_ew.h"
#include "ndr_hll.h"

#define PS_SECTION    "port_scan"
#define PS_HLL_P      8u
#define PS_HLL_BYTES  256u
#define PS_SID_HORIZ  8640001u
#define PS_SID_VERT   8640002u
#define PS_SID_SWEEP  8640003u
#define PS_MAX_ONE_WAY 64u

struct ps_port_key {
	uint8_t src[16];
	uint16_t port;
	uint8_t proto;
	uint8_t pad[5];
};

struct ps_host_key {
	uint8_t src[16];
	uint8_t dst[16];
};

/* shared shape of both tables' values */
struct ps_val {
	uint64_t window_start;
	uint64_t first_ns, last_ns;
	uint32_t failed, answered;
	uint8_t example[16];       /* last dst (port table) or dst (host table) */
	uint16_t example_port;
	uint16_t pad[3];
	struct ndr_hll hll;
	uint8_t regs[PS_HLL_BYTES];
};

struct ps {
	struct ndr_ew ew;
	uint64_t window_ns;
	uint64_t hosts_per_port, ports_per_host, sweep_hosts;
	int count_answered;
	uint16_t one_way[PS_MAX_ONE_WAY];
	size_t n_one_way;
	struct ndr_lru by_port, by_host;
	uint64_t attempts_failed, attempts_answered, icmp_echo, ignored;
	uint64_t one_way_udp, icmp_unreachable;
};

/* UDP services that send and expect nothing back: syslog 514, SNMP trap
 * 162, NetFlow 2055/9995/9996, IPFIX 4739, sFlow 6343, statsd 8125, GELF
 * 12201. */
static const uint16_t ps_one_way_default[] = { 162, 514, 2055, 4739, 6343, 8125, 9995, 9996,
					       12201 };

/* one_way_udp_ports: a list of ports, or "none" for none. */
static int ps_one_way_ports(struct ps *p, struct ndr_config *cfg, char *err, size_t errlen)
{
	const char *const *vals;
	size_t n = ndr_config_list(cfg, PS_SECTION, "one_way_udp_ports", &vals);
	int got;

	if (n == 1 && strcmp(vals[0], "none") == 0) {
		p->n_one_way = 0;
		return 0;
	}
	got = ndr_ew_port_list(cfg, PS_SECTION, "one_way_udp_ports", ps_one_way_default,
			       sizeof(ps_one_way_default) / sizeof(ps_one_way_default[0]),
			       p->one_way, PS_MAX_ONE_WAY, err, errlen);
	if (got < 0)
		return -1;
	p->n_one_way = (size_t)got;
	return 0;
}

static int ps_configure(void *det, struct ndr_config *cfg, char *err, size_t errlen)
{
	struct ps *p = det;
	uint64_t ms;

	if (ndr_config_duration_ms(cfg, PS_SECTION, "window", 300000, 1000, 86400000, &ms,
				   err, errlen) != 0 ||
	    ndr_config_u64(cfg, PS_SECTION, "hosts_per_port", 25, 2, 1000000,
			   &p->hosts_per_port, err, errlen) != 0 ||
	    ndr_config_u64(cfg, PS_SECTION, "ports_per_host", 15, 2, 65535,
			   &p->ports_per_host, err, errlen) != 0 ||
	    ndr_config_u64(cfg, PS_SECTION, "sweep_hosts", 25, 2, 1000000,
			   &p->sweep_hosts, err, errlen) != 0 ||
	    ndr_config_bool(cfg, PS_SECTION, "count_answered", 0, &p->count_answered,
			    err, errlen) != 0 ||
	    ps_one_way_ports(p, cfg, err, errlen) != 0)
		return -1;
	p->window_ns = ms * 1000000ull;
	ndr_stats_counter(&p->ew.stats, "attempts_failed", &p->attempts_failed);
	ndr_stats_counter(&p->ew.stats, "attempts_answered", &p->attempts_answered);
	ndr_stats_counter(&p->ew.stats, "icmp_echo", &p->icmp_echo);
	ndr_stats_counter(&p->ew.stats, "ignored", &p->ignored);
	ndr_stats_counter(&p->ew.stats, "one_way_udp", &p->one_way_udp);
	ndr_stats_counter(&p->ew.stats, "icmp_unreachable", &p->icmp_unreachable);
	return 0;
}

static const struct ndr_ew_table ps_tables[] = {
	{ .lru = offsetof(struct ps, by_port), .key_len = sizeof(struct ps_port_key),
	  .val_len = sizeof(struct ps_val), .zero_len = offsetof(struct ps_val, regs),
	  .eighths = 4, .entries_stat = "src_port_entries",
	  .evictions = 1, .time_off = offsetof(struct ps_val, last_ns),
	  .window_off = offsetof(struct ps, window_ns), .count_expired = 1 },
	{ .lru = offsetof(struct ps, by_host), .key_len = sizeof(struct ps_host_key),
	  .val_len = sizeof(struct ps_val), .zero_len = offsetof(struct ps_val, regs),
	  .eighths = 4, .seed_xor = 0x5bd1e995u,
	  .entries_stat = "src_host_entries", .evictions = 1,
	  .time_off = offsetof(struct ps_val, last_ns),
	  .window_off = offsetof(struct ps, window_ns), .count_expired = 1 },
};

static const struct ndr_ew_class ps_class = {
	.section = PS_SECTION,
	.size = sizeof(struct ps),
	.settings_off = offsetof(struct ps, window_ns),
	.settings_end = offsetof(struct ps, by_port),
	.defaults = { NDR_EW_EAST_WEST, 32u << 20, 3600000 },
	.configure = ps_configure,
	.tables = ps_tables,
	.n_tables = 2,
};

static void *ps_create(struct ndr_config *cfg, const struct ndr_detector_ctx *ctx, char *err,
		       size_t errlen)
{
	return ndr_ew_create(&ps_class, cfg, ctx, err, errlen);
}

static struct ps_val *touch(struct ps *p, struct ndr_lru *t, const void *key, uint64_t now)
{
	int created;
	struct ps_val *v = ndr_lru_get(t, key, &created);

	if (created) {
		ndr_hll_init(&v->hll, PS_HLL_P, v->regs);
		v->window_start = v->first_ns = now;
	} else if (now >= v->window_start + p->window_ns) {
		ndr_hll_reset(&v->hll);
		v->window_start = v->first_ns = now;
		v->failed = v->answered = 0;
	}
	v->last_ns = now;
	return v;
}

static void alert(struct ps *p, const struct ndr_flow_rec *r, const struct ps_val *v,
		  uint32_t sid, double count, uint64_t threshold, uint64_t t,
		  const struct ndr_alert_sink *sink)
{
	char entity[64], sig[160];
	struct ndr_ew_entity ent;
	struct ndr_alert a;
	uint32_t prev;
	json_t *ev;

	ndr_ew_entity_host(&ent, r->src_addr);
	if (!ndr_ew_may_alert(&p->ew, &ent, 1, t, &prev))
		return;
	ndr_ew_entity_text(&ent, entity, sizeof(entity));
	memset(&a, 0, sizeof(a));
	ev = json_object();
	json_object_set_new(ev, "scanner", ndr_ew_json_addr(r->src_addr));
	if (sid == PS_SID_VERT) {
		snprintf(sig, sizeof(sig), "NDR port scan: %s probed %.0f ports on one host",
			 entity, count);
		json_object_set_new(ev, "target", ndr_ew_json_addr(v->example));
		json_object_set_new(ev, "distinct_ports", json_integer((json_int_t)llround(count)));
		json_object_set_new(ev, "example_port", json_integer(v->example_port));
		a.mitre[0] = "T1046";
	} else {
		snprintf(sig, sizeof(sig), "NDR %s: %s reached %.0f hosts on %s %u",
			 sid == PS_SID_SWEEP ? "ICMP sweep" : "port sweep", entity, count,
			 sid == PS_SID_SWEEP ? "ICMP type" : "port",
			 sid == PS_SID_SWEEP ? (unsigned)(v->example_port >> 8) : v->example_port);
		json_object_set_new(ev, sid == PS_SID_SWEEP ? "icmp_type" : "port",
				    json_integer(sid == PS_SID_SWEEP ? v->example_port >> 8
								     : v->example_port));
		json_object_set_new(ev, "distinct_hosts", json_integer((json_int_t)llround(count)));
		json_object_set_new(ev, "example_target", ndr_ew_json_addr(v->example));
		a.mitre[0] = sid == PS_SID_SWEEP ? "T1018" : "T1046";
		a.mitre[1] = "T1018";
		if (sid == PS_SID_SWEEP)
			a.mitre[1] = NULL;
	}
	json_object_set_new(ev, "threshold", json_integer((json_int_t)threshold));
	json_object_set_new(ev, "failed_attempts", json_integer(v->failed));
	json_object_set_new(ev, "answered_attempts", json_integer(v->answered));
	json_object_set_new(ev, "window_seconds", json_integer((json_int_t)(p->window_ns / 1000000000ull)));
	json_object_set_new(ev, "first_seen", ndr_ew_json_time(v->first_ns));
	json_object_set_new(ev, "last_seen", ndr_ew_json_time(v->last_ns));
	if (prev)
		json_object_set_new(ev, "suppressed_since_last_alert", json_integer(prev));
	a.ts_ns = t;
	a.signature = sig;
	a.signature_id = sid;
	a.score = 0.5 + 0.5 * ndr_ew_ramp(count, (double)threshold, 4.0 * (double)threshold);
	a.severity = a.score >= 0.9 ? 1 : 2;
	memcpy(a.src_addr, r->src_addr, 16);
	memcpy(a.dst_addr, v->example, 16);
	a.ipv6 = ndr_ew_ipv6(r);
	/* about the scanner (a vertical scan: the scanner and its target),
	 * not one flow: the ports and protocol are in the evidence */
	a.scope = sid == PS_SID_VERT ? NDR_ALERT_PAIR : NDR_ALERT_HOST;
	a.entity = entity;
	a.evidence = ev;
	ndr_ew_emit(&p->ew, sink, &a);
	json_decref(ev);
}

static int icmp_echo(const struct ndr_flow_rec *r)
{
	return (r->ip_proto == 1 && (r->dst_port >> 8) == 8) ||
	       (r->ip_proto == 58 && (r->dst_port >> 8) == 128);
}

/* What a flow is to this detector. */
enum ps_kind {
	PS_ATTEMPT,       /* a TCP or UDP connection attempt (*failed says how it went) */
	PS_SWEEP,         /* an ICMP echo request (*failed: unanswered) */
	PS_IGNORED,       /* not an attempt we saw begin, or a service's reply */
	PS_ONE_WAY,       /* UDP to a service that never answers */
	PS_UNREACHABLE,   /* ICMP unreachable: the target's side of a failed probe */
};

static enum ps_kind ps_kind_of(const struct ps *p, const struct ndr_flow_rec *r, int *failed)
{
	if (icmp_echo(r)) {
		*failed = r->pkts_rev == 0;
		return PS_SWEEP;
	}
	if (r->ip_proto == 6) {
		if (r->tcp_state & NDR_TCP_MIDSTREAM || r->end_reason == NDR_FLOW_END_ACTIVE)
			return PS_IGNORED;
		*failed = ndr_ew_tcp_failed(r);
		return PS_ATTEMPT;
	}
	if (r->ip_proto == 17) {
		/* a service's reply whose request the card did not see in the same flow
		 * (an answer arriving after the request's flow expired, a capture that
		 * starts mid-conversation): a resolver answering a client this way looked
		 * like a 15-port scan on real traffic (docs/detectors-east-west.md) */
		if (r->src_port < 1024 && r->dst_port >= 1024)
			return PS_IGNORED;
		if (ndr_ew_port_in(p->one_way, p->n_one_way, r->dst_port))
			return PS_ONE_WAY;   /* silence is the service's answer */
		*failed = r->pkts_rev == 0;
		return PS_ATTEMPT;
	}
	if ((r->ip_proto == 1 && (r->dst_port >> 8) == 3) ||
	    (r->ip_proto == 58 && (r->dst_port >> 8) == 1))
		return PS_UNREACHABLE;
	return PS_IGNORED;
}

/* 1 when an attempt goes into the tables. */
static int ps_counts(const struct ps *p, enum ps_kind kind, int failed)
{
	return failed || p->count_answered || kind == PS_SWEEP;
}

static void ps_port_key_of(struct ps_port_key *pk, const struct ndr_flow_rec *r, int sweep)
{
	memset(pk, 0, sizeof(*pk));
	memcpy(pk->src, r->src_addr, 16);
	pk->port = sweep ? (uint16_t)(r->dst_port & 0xff00u) : r->dst_port;
	pk->proto = r->ip_proto;
}

static void ps_host_key_of(struct ps_host_key *hk, const struct ndr_flow_rec *r)
{
	memset(hk, 0, sizeof(*hk));
	memcpy(hk->src, r->src_addr, 16);
	memcpy(hk->dst, r->dst_addr, 16);
}

static void ps_prefetch(const void *det, const struct ndr_rec_hdr *rec)
{
	const struct ps *p = det;
	const struct ndr_flow_rec *r = ndr_ew_flow_peek(rec);
	struct ps_port_key pk;
	struct ps_host_key hk;
	enum ps_kind kind;
	int failed = 0;

	if (!r)
		return;
	kind = ps_kind_of(p, r, &failed);
	if ((kind != PS_ATTEMPT && kind != PS_SWEEP) || !ps_counts(p, kind, failed))
		return;
	ps_port_key_of(&pk, r, kind == PS_SWEEP);
	ndr_lru_prefetch(&p->by_port, &pk, 0);
	if (kind == PS_SWEEP)
		return;
	ps_host_key_of(&hk, r);
	ndr_lru_prefetch(&p->by_host, &hk, 0);
}

static void ps_record(void *det, const struct ndr_rec_hdr *rec, const struct ndr_alert_sink *sink)
{
	struct ps *p = det;
	const struct ndr_flow_rec *r = ndr_ew_flow(&p->ew, rec);
	struct ps_port_key pk;
	struct ps_host_key hk;
	struct ps_val *v;
	enum ps_kind kind;
	int failed = 0, sweep;
	uint64_t t;
	double n;

	if (!r || !ndr_ew_admit(&p->ew, r->src_addr, r->dst_addr))
		return;
	t = r->hdr.ts_ns;
	kind = ps_kind_of(p, r, &failed);
	sweep = kind == PS_SWEEP;
	switch (kind) {
	case PS_SWEEP:
		p->icmp_echo++;
		break;
	case PS_ATTEMPT:
		break;
	case PS_ONE_WAY:
		p->one_way_udp++;
		return;
	case PS_UNREACHABLE:
		p->icmp_unreachable++;
		p->ignored++;
		return;
	case PS_IGNORED:
		p->ignored++;
		return;
	}
	if (failed)
		p->attempts_failed++;
	else
		p->attempts_answered++;
	if (!ps_counts(p, kind, failed))
		return;

	ps_port_key_of(&pk, r, sweep);
	v = touch(p, &p->by_port, &pk, t);
	failed ? v->failed++ : v->answered++;
	memcpy(v->example, r->dst_addr, 16);
	v->example_port = pk.port;
	ndr_hll_add_hash(&v->hll, ndr_hash64(r->dst_addr, 16, p->ew.seed));
	n = ndr_hll_estimate(&v->hll);
	if (sweep && n >= (double)p->sweep_hosts)
		alert(p, r, v, PS_SID_SWEEP, n, p->sweep_hosts, t, sink);
	else if (!sweep && n >= (double)p->hosts_per_port)
		alert(p, r, v, PS_SID_HORIZ, n, p->hosts_per_port, t, sink);
	if (sweep)
		return;

	ps_host_key_of(&hk, r);
	v = touch(p, &p->by_host, &hk, t);
	failed ? v->failed++ : v->answered++;
	memcpy(v->example, r->dst_addr, 16);
	v->example_port = r->dst_port;
	{
		uint8_t port_proto[3] = { (uint8_t)(r->dst_port >> 8), (uint8_t)r->dst_port,
					  r->ip_proto };

		ndr_hll_add_hash(&v->hll, ndr_hash64(port_proto, 3, p->ew.seed));
	}
	n = ndr_hll_estimate(&v->hll);
	if (n >= (double)p->ports_per_host)
		alert(p, r, v, PS_SID_VERT, n, p->ports_per_host, t, sink);
}

const struct ndr_detector_ops ndr_det_port_scan = {
	.name = PS_SECTION,
	.create = ps_create,
	.shard = ndr_ew_shard,
	.record = ps_record,
	.prefetch = ps_prefetch,
	.tick = ndr_ew_tick,
	.stats = ndr_ew_stats,
	.destroy = ndr_ew_destroy,
	.reconfigure = ndr_ew_reconfigure,
};
