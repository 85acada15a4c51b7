/*
 * rpc_recon.c - D6: RPC/SMB reconnaissance fan-out and remote execution.
 *
 * MITRE BZAR counts DCE/RPC and SMB operations (discovery calls, admin
 * shares, service control). Flow records carry no RPC operation numbers,
 * so this detector works one level up:
 *  - recon: per source and window (5 min), established sessions ("calls")
 *    to the endpoint mapper (135), SMB (445, 139) and dynamic RPC ports
 *    (>= 49152, counted only after an endpoint-mapper session to the same
 *    host, as a DCE/RPC client does), and the distinct hosts they reach
 *    (HyperLogLog). Many calls to many hosts is enumeration.
 *  - exec: on one target within 10 min, an SMB session that writes (client
 *    payload >= write_bytes and >= 4x what it reads back: a file pushed to a
 *    share) and an RPC session (EPM then dynamic port: service control,
 *    WMI, task scheduler). That pair is the PsExec/WMI/atexec shape; a file
 *    copy alone, or RPC alone, is not.
 *  - exec by sequence (smbexec, impacket's service-per-command): no file is
 *    written; on one target, within sequence_window (30 s) of each other,
 *    an SMB session the client drives (it sends at least as much payload as
 *    it gets back, over >= sequence_min_turns request/response turns: named
 *    pipe calls, not a file read), an endpoint-mapper session and a dynamic
 *    RPC session after it. Weaker than a write (named-pipe RPC to a domain
 *    controller has the same shape), so a lower score and severity.
 * Records arrive when flows end, not when they start, so the pair keeps the
 * start times of each kind of session and judges order by them: an RPC
 * session whose record arrives before its mapper lookup's still counts.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_detectors_ext.h"
#include "ndr_ew.h"
#include "ndr_hll.h"

#define RR_SECTION    "rpc_recon"
#define RR_HLL_P      7u
#define RR_HLL_BYTES  128u
#define RR_MAX_PORTS  16
#define RR_SID_RECON  8660001u
#define RR_SID_EXEC   8660002u
#define RR_LEVEL_SEQ   1u          /* an exec by sequence, then by write: escalates */
#define RR_LEVEL_WRITE 2u

struct rr_src_key {
	uint8_t src[16];
};

struct rr_src {
	uint64_t window_start, first_ns, last_ns;
	uint32_t calls, epm, smb, dyn;
	uint8_t last_dst[16];
	struct ndr_hll hll;
	uint8_t regs[RR_HLL_BYTES];
};

struct rr_pair_key {
	uint8_t src[16];
	uint8_t dst[16];
};

/* Start times (first_ts_ns) of the latest session of each kind, 0 = none. */
struct rr_pair {
	uint64_t last_ns;
	uint64_t epm_ns;           /* endpoint-mapper session */
	uint64_t dyn_ns;           /* high-port session, whether after EPM or not */
	uint64_t rpc_ns;           /* dynamic RPC: a high-port session after EPM */
	uint64_t write_ns;         /* write-heavy SMB session */
	uint64_t write_bytes;
	uint64_t cmd_ns;           /* client-driven SMB session (named-pipe calls) */
	uint64_t cmd_bytes_fwd, cmd_bytes_rev;
	uint32_t cmd_turns;
	uint16_t rpc_port, dyn_port;
};

struct rr {
	struct ndr_ew ew;
	uint16_t epm_ports[RR_MAX_PORTS], smb_ports[RR_MAX_PORTS];
	size_t n_epm, n_smb;
	uint64_t dynamic_low;
	uint64_t window_ns, exec_window_ns, sequence_window_ns;
	uint64_t min_calls, min_targets, write_bytes, sequence_min_turns;
	struct ndr_lru srcs, pairs;
	uint64_t calls, writes, rpc_after_epm, smb_commands;
};

static int rr_configure(void *det, struct ndr_config *cfg, char *err, size_t errlen)
{
	static const uint16_t def_epm[] = { 135 }, def_smb[] = { 445, 139 };
	struct rr *d = det;
	uint64_t window_ms, exec_ms, seq_ms;
	int n;

	if ((n = ndr_ew_port_list(cfg, RR_SECTION, "epm_ports", def_epm, 1, d->epm_ports,
				  RR_MAX_PORTS, err, errlen)) < 0)
		return -1;
	d->n_epm = (size_t)n;
	if ((n = ndr_ew_port_list(cfg, RR_SECTION, "smb_ports", def_smb, 2, d->smb_ports,
				  RR_MAX_PORTS, err, errlen)) < 0)
		return -1;
	d->n_smb = (size_t)n;
	if (ndr_config_u64(cfg, RR_SECTION, "dynamic_port_low", 49152, 1024, 65535,
			   &d->dynamic_low, err, errlen) != 0 ||
	    ndr_config_duration_ms(cfg, RR_SECTION, "window", 300000, 1000, 86400000,
				   &window_ms, err, errlen) != 0 ||
	    ndr_config_duration_ms(cfg, RR_SECTION, "exec_window", 600000, 1000, 86400000,
				   &exec_ms, err, errlen) != 0 ||
	    ndr_config_u64(cfg, RR_SECTION, "min_calls", 5, 1, 1000000,
			   &d->min_calls, err, errlen) != 0 ||
	    ndr_config_u64(cfg, RR_SECTION, "min_targets", 5, 1, 1000000,
			   &d->min_targets, err, errlen) != 0 ||
	    ndr_config_u64(cfg, RR_SECTION, "write_bytes", 65536, 1, (uint64_t)1 << 40,
			   &d->write_bytes, err, errlen) != 0 ||
	    ndr_config_duration_ms(cfg, RR_SECTION, "sequence_window", 30000, 1000, 3600000,
				   &seq_ms, err, errlen) != 0 ||
	    ndr_config_u64(cfg, RR_SECTION, "sequence_min_turns", 10, 1, 1000000,
			   &d->sequence_min_turns, err, errlen) != 0)
		return -1;
	d->sequence_window_ns = seq_ms * 1000000ull;
	d->window_ns = window_ms * 1000000ull;
	d->exec_window_ns = exec_ms * 1000000ull;
	ndr_stats_counter(&d->ew.stats, "calls", &d->calls);
	ndr_stats_counter(&d->ew.stats, "smb_writes", &d->writes);
	ndr_stats_counter(&d->ew.stats, "rpc_after_epm", &d->rpc_after_epm);
	ndr_stats_counter(&d->ew.stats, "smb_commands", &d->smb_commands);
	return 0;
}

static const struct ndr_ew_table rr_tables[] = {
	{ .lru = offsetof(struct rr, srcs), .key_len = sizeof(struct rr_src_key),
	  .val_len = sizeof(struct rr_src), .zero_len = offsetof(struct rr_src, regs),
	  .eighths = 4, .entries_stat = "src_entries",
	  .evictions = 1, .time_off = offsetof(struct rr_src, last_ns),
	  .window_off = offsetof(struct rr, window_ns), .count_expired = 1 },
	{ .lru = offsetof(struct rr, pairs), .key_len = sizeof(struct rr_pair_key),
	  .val_len = sizeof(struct rr_pair), .eighths = 4, .seed_xor = 0x7f4a7c15u,
	  .entries_stat = "pair_entries", .evictions = 1,
	  .time_off = offsetof(struct rr_pair, last_ns),
	  .window_off = offsetof(struct rr, exec_window_ns), .count_expired = 1 },
};

static const struct ndr_ew_class rr_class = {
	.section = RR_SECTION,
	.size = sizeof(struct rr),
	.settings_off = offsetof(struct rr, epm_ports),
	.settings_end = offsetof(struct rr, srcs),
	.defaults = { NDR_EW_EAST_WEST, 16u << 20, 3600000 },
	.configure = rr_configure,
	.tables = rr_tables,
	.n_tables = 2,
};

static void *rr_create(struct ndr_config *cfg, const struct ndr_detector_ctx *ctx, char *err,
		       size_t errlen)
{
	return ndr_ew_create(&rr_class, cfg, ctx, err, errlen);
}

static void fill_alert(struct ndr_alert *a, const struct ndr_flow_rec *r, uint64_t t)
{
	memset(a, 0, sizeof(*a));
	a->ts_ns = t;
	memcpy(a->src_addr, r->src_addr, 16);
	memcpy(a->dst_addr, r->dst_addr, 16);
	a->ipv6 = ndr_ew_ipv6(r);
	a->scope = NDR_ALERT_PAIR;   /* many sessions, no one flow */
}

static void alert_recon(struct rr *d, const struct ndr_flow_rec *r, const struct rr_src *s,
			double hosts, uint64_t t, const struct ndr_alert_sink *sink)
{
	char entity[64], sig[200];
	struct ndr_ew_entity ent;
	struct ndr_alert a;
	uint32_t prev;
	json_t *ev;

	ndr_ew_entity_host(&ent, r->src_addr);
	if (!ndr_ew_may_alert(&d->ew, &ent, 1, t, &prev))
		return;
	ndr_ew_entity_text(&ent, entity, sizeof(entity));
	snprintf(sig, sizeof(sig), "NDR RPC/SMB recon: %s made %u RPC/SMB sessions to %.0f hosts",
		 entity, s->calls, hosts);
	ev = json_object();
	json_object_set_new(ev, "source", ndr_ew_json_addr(r->src_addr));
	json_object_set_new(ev, "calls", json_integer(s->calls));
	json_object_set_new(ev, "distinct_targets", json_integer((json_int_t)llround(hosts)));
	json_object_set_new(ev, "epm_sessions", json_integer(s->epm));
	json_object_set_new(ev, "smb_sessions", json_integer(s->smb));
	json_object_set_new(ev, "dynamic_rpc_sessions", json_integer(s->dyn));
	json_object_set_new(ev, "example_target", ndr_ew_json_addr(s->last_dst));
	json_object_set_new(ev, "window_seconds", json_integer((json_int_t)(d->window_ns / 1000000000ull)));
	json_object_set_new(ev, "first_seen", ndr_ew_json_time(s->first_ns));
	json_object_set_new(ev, "last_seen", ndr_ew_json_time(s->last_ns));
	if (prev)
		json_object_set_new(ev, "suppressed_since_last_alert", json_integer(prev));
	fill_alert(&a, r, t);
	a.signature = sig;
	a.signature_id = RR_SID_RECON;
	a.scope = NDR_ALERT_HOST;    /* the source; targets are the evidence's */
	a.score = 0.5 + 0.5 * ndr_ew_ramp(hosts, (double)d->min_targets, 4.0 * d->min_targets);
	a.severity = 2;
	a.mitre[0] = "T1087";
	a.mitre[1] = "T1135";
	a.mitre[2] = "T1021.002";
	a.entity = entity;
	a.evidence = ev;
	ndr_ew_emit(&d->ew, sink, &a);
	json_decref(ev);
}

static uint64_t gap(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/* by_write: the PsExec shape (a file pushed, then RPC); else the smbexec
 * shape (named-pipe calls over SMB, the mapper and RPC within seconds). */
static void alert_exec(struct rr *d, const struct ndr_flow_rec *r, const struct rr_pair *p,
		       int by_write, uint64_t t, const struct ndr_alert_sink *sink)
{
	char entity[112], sig[220];
	struct ndr_ew_entity ent;
	struct ndr_alert a;
	uint32_t prev;
	json_t *ev;

	ndr_ew_entity_pair(&ent, r->src_addr, r->dst_addr, -1);
	if (!ndr_ew_may_alert(&d->ew, &ent, by_write ? RR_LEVEL_WRITE : RR_LEVEL_SEQ, t, &prev))
		return;
	ndr_ew_entity_text(&ent, entity, sizeof(entity));
	ev = json_object();
	json_object_set_new(ev, "source", ndr_ew_json_addr(r->src_addr));
	json_object_set_new(ev, "target", ndr_ew_json_addr(r->dst_addr));
	if (by_write) {
		snprintf(sig, sizeof(sig), "NDR remote execution: %s wrote %llu bytes over SMB and "
			 "used RPC within %llu s", entity, (unsigned long long)p->write_bytes,
			 (unsigned long long)(d->exec_window_ns / 1000000000ull));
		json_object_set_new(ev, "smb_write_bytes", json_integer((json_int_t)p->write_bytes));
		json_object_set_new(ev, "smb_write_at", ndr_ew_json_time(p->write_ns));
	} else {
		uint64_t lo = p->cmd_ns, hi = p->cmd_ns;

		lo = p->epm_ns < lo ? p->epm_ns : lo;
		lo = p->rpc_ns < lo ? p->rpc_ns : lo;
		hi = p->epm_ns > hi ? p->epm_ns : hi;
		hi = p->rpc_ns > hi ? p->rpc_ns : hi;
		snprintf(sig, sizeof(sig), "NDR remote execution: %s drove SMB named pipes, the "
			 "endpoint mapper and RPC port %u within %.0f s", entity, p->rpc_port,
			 (double)(hi - lo) / 1e9);
		json_object_set_new(ev, "method", json_string("smb_epm_rpc_sequence"));
		json_object_set_new(ev, "smb_session_at", ndr_ew_json_time(p->cmd_ns));
		json_object_set_new(ev, "smb_client_bytes", json_integer((json_int_t)p->cmd_bytes_fwd));
		json_object_set_new(ev, "smb_server_bytes", json_integer((json_int_t)p->cmd_bytes_rev));
		json_object_set_new(ev, "smb_turns", json_integer(p->cmd_turns));
		json_object_set_new(ev, "sequence_seconds", ndr_ew_json_real((double)(hi - lo) / 1e9,
									   10));
	}
	json_object_set_new(ev, "endpoint_mapper_at", ndr_ew_json_time(p->epm_ns));
	json_object_set_new(ev, "rpc_at", ndr_ew_json_time(p->rpc_ns));
	json_object_set_new(ev, "rpc_port", json_integer(p->rpc_port));
	if (prev)
		json_object_set_new(ev, "suppressed_since_last_alert", json_integer(prev));
	fill_alert(&a, r, t);
	a.signature = sig;
	a.signature_id = RR_SID_EXEC;
	a.score = by_write ? 0.85 : 0.6;
	a.severity = by_write ? 1 : 2;
	a.mitre[0] = "T1021.002";
	a.mitre[1] = "T1569.002";
	a.mitre[2] = "T1047";
	a.entity = entity;
	a.evidence = ev;
	ndr_ew_emit(&d->ew, sink, &a);
	json_decref(ev);
}

/* A high-port session is RPC when it starts after an endpoint-mapper
 * session to the same host (a second of slack: clocks of one capture) and
 * within exec_window of it, whichever record came first. */
static void confirm_rpc(struct rr *d, struct rr_pair *p)
{
	if (!p->epm_ns || !p->dyn_ns || p->rpc_ns == p->dyn_ns ||
	    p->dyn_ns + 1000000000ull < p->epm_ns || p->dyn_ns - p->epm_ns > d->exec_window_ns)
		return;
	p->rpc_ns = p->dyn_ns;
	p->rpc_port = p->dyn_port;
	d->rpc_after_epm++;
}

static int sequence_seen(const struct rr *d, const struct rr_pair *p)
{
	return p->cmd_ns && p->rpc_ns && p->epm_ns && gap(p->cmd_ns, p->epm_ns) <= d->sequence_window_ns &&
	       gap(p->cmd_ns, p->rpc_ns) <= d->sequence_window_ns &&
	       gap(p->epm_ns, p->rpc_ns) <= d->sequence_window_ns;
}

/* What kind of session r is: 0 none this detector counts (before any
 * table), else *epm, *smb, *dyn say which. */
static int rr_kind(const struct rr *d, const struct ndr_flow_rec *r, int *epm, int *smb, int *dyn)
{
	if (r->ip_proto != 6 || !ndr_ew_answered(r))
		return 0;
	*epm = ndr_ew_port_in(d->epm_ports, d->n_epm, r->dst_port);
	*smb = ndr_ew_port_in(d->smb_ports, d->n_smb, r->dst_port);
	*dyn = r->dst_port >= d->dynamic_low;
	return *epm || *smb || *dyn;
}

static void rr_pair_key_of(struct rr_pair_key *pk, const struct ndr_flow_rec *r)
{
	memset(pk, 0, sizeof(*pk));
	memcpy(pk->src, r->src_addr, 16);
	memcpy(pk->dst, r->dst_addr, 16);
}

static void rr_prefetch(const void *det, const struct ndr_rec_hdr *rec)
{
	const struct rr *d = det;
	const struct ndr_flow_rec *r = ndr_ew_flow_peek(rec);
	struct rr_pair_key pk;
	struct rr_src_key sk;
	int epm, smb, dyn;

	if (!r || !rr_kind(d, r, &epm, &smb, &dyn))
		return;
	rr_pair_key_of(&pk, r);
	ndr_lru_prefetch(&d->pairs, &pk, 0);
	if (dyn)
		return;   /* a high port is most often not (yet) known as RPC */
	memset(&sk, 0, sizeof(sk));
	memcpy(sk.src, r->src_addr, 16);
	ndr_lru_prefetch(&d->srcs, &sk, 0);
}

static void rr_record(void *det, const struct ndr_rec_hdr *rec, const struct ndr_alert_sink *sink)
{
	struct rr *d = det;
	const struct ndr_flow_rec *r = ndr_ew_flow(&d->ew, rec);
	struct rr_pair_key pk;
	struct rr_src_key sk;
	struct rr_pair *p;
	struct rr_src *s;
	int epm, smb, dyn, created;
	uint64_t t, start;
	double hosts;

	if (!r || !rr_kind(d, r, &epm, &smb, &dyn))
		return;
	if (!ndr_ew_admit(&d->ew, r->src_addr, r->dst_addr))
		return;
	t = r->hdr.ts_ns;

	rr_pair_key_of(&pk, r);
	p = ndr_lru_get(&d->pairs, &pk, &created);
	start = r->first_ts_ns;
	if (dyn) {
		if (start >= p->dyn_ns) {
			p->dyn_ns = start;
			p->dyn_port = r->dst_port;
		}
	} else {
		if (epm && start >= p->epm_ns)
			p->epm_ns = start;
		if (smb && r->payload_bytes_fwd >= d->write_bytes &&
		    r->payload_bytes_fwd >= 4 * r->payload_bytes_rev) {
			p->write_ns = start;
			p->write_bytes = r->payload_bytes_fwd;
			d->writes++;
		} else if (smb && r->payload_bytes_fwd >= r->payload_bytes_rev &&
			   r->dir_changes >= d->sequence_min_turns) {
			p->cmd_ns = start;
			p->cmd_bytes_fwd = r->payload_bytes_fwd;
			p->cmd_bytes_rev = r->payload_bytes_rev;
			p->cmd_turns = r->dir_changes;
			d->smb_commands++;
		}
	}
	confirm_rpc(d, p);
	p->last_ns = t;
	if (dyn && p->rpc_ns != p->dyn_ns)
		return;   /* a high port, not (yet) known as RPC */
	if (p->write_ns && p->rpc_ns && gap(p->write_ns, p->rpc_ns) <= d->exec_window_ns)
		alert_exec(d, r, p, 1, t, sink);
	else if (sequence_seen(d, p))
		alert_exec(d, r, p, 0, t, sink);

	d->calls++;
	memset(&sk, 0, sizeof(sk));
	memcpy(sk.src, r->src_addr, 16);
	s = ndr_lru_get(&d->srcs, &sk, &created);
	if (created || t >= s->window_start + d->window_ns) {
		if (created)
			ndr_hll_init(&s->hll, RR_HLL_P, s->regs);
		else
			ndr_hll_reset(&s->hll);
		s->window_start = s->first_ns = t;
		s->calls = s->epm = s->smb = s->dyn = 0;
	}
	s->last_ns = t;
	s->calls++;
	s->epm += (uint32_t)epm;
	s->smb += (uint32_t)smb;
	s->dyn += (uint32_t)dyn;
	memcpy(s->last_dst, r->dst_addr, 16);
	ndr_hll_add_hash(&s->hll, ndr_hash64(r->dst_addr, 16, d->ew.seed));
	hosts = ndr_hll_estimate(&s->hll);
	if (s->calls >= d->min_calls && hosts >= (double)d->min_targets)
		alert_recon(d, r, s, hosts, t, sink);
}

const struct ndr_detector_ops ndr_det_rpc_recon = {
	.name = RR_SECTION,
	.create = rr_create,
	.shard = ndr_ew_shard,
	.record = rr_record,
	.prefetch = rr_prefetch,
	.tick = ndr_ew_tick,
	.stats = ndr_ew_stats,
	.destroy = ndr_ew_destroy,
	.reconfigure = ndr_ew_reconfigure,
};
