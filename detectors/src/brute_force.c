/*
 * brute_force.c - D5: brute force and password spraying against
 * authentication services.
 *
 * A failed login is, on the wire, a short session with a small, nearly
 * constant byte count: the handshake, one or a few credential exchanges,
 * the server closing. Per (source, service) and tumbling window (30 min),
 * this detector counts such short sessions, their byte-size dispersion and
 * the distinct targets (HyperLogLog). Many similar short sessions is brute
 * force (Zeek's SSH policy: 30 failures in 30 min); the same spread over
 * many targets is password spraying.
 *
 * Kerberos (kerberos_ports, 88) is judged by its replies: a KDC answers a
 * wrong password or an unknown user with a KRB-ERROR of a hundred or two
 * bytes, a good one with a ticket of a kilobyte or more. kerbrute-style
 * guessing is many failure-sized replies to one source within seconds
 * (kerberos_burst within kerberos_burst_window) making most of its Kerberos
 * exchanges then; a Windows logon makes one failure-sized reply (the
 * pre-authentication request) among several tickets. UDP and TCP count
 * together. The other rules do not apply to Kerberos: a terminal server's
 * logons are hundreds of short sessions of similar size.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_detectors_ext.h"
#include "ndr_ew.h"
#include "ndr_hll.h"

#define BF_SECTION    "brute_force"
#define BF_HLL_P      7u
#define BF_HLL_BYTES  128u
#define BF_MAX_PORTS  64
#define BF_SID_BRUTE  8650001u
#define BF_SID_SPRAY  8650002u
#define BF_SID_KERB   8650003u
#define BF_BURST_MAX  64u

struct bf_key {
	uint8_t src[16];
	uint16_t port;
	uint8_t proto;
	uint8_t pad[5];
};

struct bf_val {
	uint64_t window_start, first_ns, last_ns;
	uint32_t sessions;
	uint32_t pad;
	double bytes_sum, bytes_sumsq;
	uint8_t last_dst[16];
	uint64_t recent_ns[BF_BURST_MAX];  /* the latest BF_BURST_MAX session starts */
	uint64_t failed_mask;              /* bit i: recent_ns[i] got a failure-sized reply */
	uint32_t n_recent;
	uint32_t pad2;
	struct ndr_hll hll;
	uint8_t regs[BF_HLL_BYTES];
};

struct bf {
	struct ndr_ew ew;
	uint16_t ports[BF_MAX_PORTS], burst_ports[BF_MAX_PORTS], krb_ports[BF_MAX_PORTS];
	size_t n_ports, n_burst_ports, n_krb_ports;
	uint64_t krb_failure_bytes, krb_burst, krb_window_ns;
	double krb_share;
	uint64_t burst_attempts, burst_window_ns;
	uint64_t window_ns, max_session_ns, max_session_bytes;
	uint64_t min_attempts, spray_hosts;
	double max_bytes_cv;
	struct ndr_lru table, active;
	uint64_t short_sessions, long_sessions, not_established, continuations;
	uint64_t kerberos_failures;
};

static int bf_configure(void *det, struct ndr_config *cfg, char *err, size_t errlen)
{
	static const uint16_t def_ports[] = { 22, 3389, 445, 88, 389, 636, 5985, 5986 };
	static const uint16_t def_burst_ports[] = { 22, 3389, 5985, 5986 };
	static const uint16_t def_krb_ports[] = { 88 };
	struct bf *b = det;
	uint64_t window_ms, session_ms, burst_ms, krb_ms;
	int n;

	n = ndr_ew_port_list(cfg, BF_SECTION, "ports", def_ports,
			     sizeof(def_ports) / sizeof(def_ports[0]), b->ports, BF_MAX_PORTS,
			     err, errlen);
	if (n < 0)
		return -1;
	b->n_ports = (size_t)n;
	n = ndr_ew_port_list(cfg, BF_SECTION, "burst_ports", def_burst_ports,
			     sizeof(def_burst_ports) / sizeof(def_burst_ports[0]), b->burst_ports,
			     BF_MAX_PORTS, err, errlen);
	if (n < 0)
		return -1;
	b->n_burst_ports = (size_t)n;
	n = ndr_ew_port_list(cfg, BF_SECTION, "kerberos_ports", def_krb_ports, 1, b->krb_ports,
			     BF_MAX_PORTS, err, errlen);
	if (n < 0)
		return -1;
	b->n_krb_ports = (size_t)n;
	if (ndr_config_duration_ms(cfg, BF_SECTION, "window", 1800000, 10000, 86400000,
				   &window_ms, err, errlen) != 0 ||
	    ndr_config_duration_ms(cfg, BF_SECTION, "max_session", 30000, 100, 3600000,
				   &session_ms, err, errlen) != 0 ||
	    ndr_config_u64(cfg, BF_SECTION, "max_session_bytes", 20000, 100, 100000000,
			   &b->max_session_bytes, err, errlen) != 0 ||
	    ndr_config_u64(cfg, BF_SECTION, "min_attempts", 30, 2, 1000000,
			   &b->min_attempts, err, errlen) != 0 ||
	    ndr_config_u64(cfg, BF_SECTION, "spray_hosts", 10, 2, 1000000,
			   &b->spray_hosts, err, errlen) != 0 ||
	    ndr_config_double(cfg, BF_SECTION, "max_bytes_cv", 0.5, 0.01, 10,
			      &b->max_bytes_cv, err, errlen) != 0 ||
	    ndr_config_u64(cfg, BF_SECTION, "burst_attempts", 10, 2, BF_BURST_MAX,
			   &b->burst_attempts, err, errlen) != 0 ||
	    ndr_config_duration_ms(cfg, BF_SECTION, "burst_window", 60000, 1000, 3600000,
				   &burst_ms, err, errlen) != 0 ||
	    ndr_config_u64(cfg, BF_SECTION, "kerberos_failure_bytes", 400, 32, 65535,
			   &b->krb_failure_bytes, err, errlen) != 0 ||
	    ndr_config_u64(cfg, BF_SECTION, "kerberos_burst", 10, 2, BF_BURST_MAX,
			   &b->krb_burst, err, errlen) != 0 ||
	    ndr_config_duration_ms(cfg, BF_SECTION, "kerberos_burst_window", 10000, 100, 3600000,
				   &krb_ms, err, errlen) != 0 ||
	    ndr_config_double(cfg, BF_SECTION, "kerberos_failure_share", 0.7, 0.05, 1.0,
			      &b->krb_share, err, errlen) != 0)
		return -1;
	b->krb_window_ns = krb_ms * 1000000ull;
	b->burst_window_ns = burst_ms * 1000000ull;
	b->window_ns = window_ms * 1000000ull;
	b->max_session_ns = session_ms * 1000000ull;
	ndr_stats_counter(&b->ew.stats, "short_sessions", &b->short_sessions);
	ndr_stats_counter(&b->ew.stats, "long_sessions", &b->long_sessions);
	ndr_stats_counter(&b->ew.stats, "not_established", &b->not_established);
	ndr_stats_counter(&b->ew.stats, "continuations", &b->continuations);
	ndr_stats_counter(&b->ew.stats, "kerberos_failures", &b->kerberos_failures);
	return 0;
}

static const struct ndr_ew_table bf_tables[] = {
	{ .lru = offsetof(struct bf, table), .key_len = sizeof(struct bf_key),
	  .val_len = sizeof(struct bf_val), .zero_len = offsetof(struct bf_val, regs),
	  .eighths = 7, .entries_stat = "entries",
	  .evictions = 1, .time_off = offsetof(struct bf_val, last_ns),
	  .window_off = offsetof(struct bf, window_ns), .count_expired = 1 },
	{ .lru = offsetof(struct bf, active), .key_len = sizeof(struct ndr_ew_flow_key),
	  .val_len = sizeof(uint64_t), .eighths = 1, .seed_xor = 0x2545f491u,
	  .fixed_window = NDR_EW_ACTIVE_FORGET_NS },
};

static const struct ndr_ew_class bf_class = {
	.section = BF_SECTION,
	.size = sizeof(struct bf),
	.settings_off = offsetof(struct bf, ports),
	.settings_end = offsetof(struct bf, table),
	.defaults = { NDR_EW_EAST_WEST, 16u << 20, 3600000 },
	.configure = bf_configure,
	.tables = bf_tables,
	.n_tables = 2,
};

static void *bf_create(struct ndr_config *cfg, const struct ndr_detector_ctx *ctx, char *err,
		       size_t errlen)
{
	return ndr_ew_create(&bf_class, cfg, ctx, err, errlen);
}

static double bytes_cv(const struct bf_val *v)
{
	double n = v->sessions, mean, var;

	if (n < 2)
		return 0.0;
	mean = v->bytes_sum / n;
	var = v->bytes_sumsq / n - mean * mean;
	return mean > 0 && var > 0 ? sqrt(var) / mean : 0.0;
}

/* What a Kerberos burst showed: failure-sized replies, all exchanges, span. */
struct bf_krb {
	unsigned failures, exchanges;
	double seconds;
};

static void alert(struct bf *b, const struct ndr_flow_rec *r, const struct bf_val *v,
		  int spray, double hosts, double cv, const struct bf_krb *krb, uint64_t t,
		  const struct ndr_alert_sink *sink)
{
	char entity[80], sig[200];
	struct ndr_ew_entity ent;
	struct ndr_alert a;
	uint64_t thr = spray ? b->spray_hosts : b->min_attempts;
	uint32_t prev;
	json_t *ev;

	ndr_ew_entity_service(&ent, r->src_addr, r->dst_port);
	if (!ndr_ew_may_alert(&b->ew, &ent, spray ? 2 : 1, t, &prev))
		return;
	ndr_ew_entity_text(&ent, entity, sizeof(entity));
	if (krb)
		snprintf(sig, sizeof(sig), "NDR Kerberos guessing: %s, %u failure-sized replies in "
			 "%.1f s", entity, krb->failures, krb->seconds);
	else if (spray)
		snprintf(sig, sizeof(sig), "NDR password spray: %s, %u short sessions to %.0f hosts "
			 "on port %u", entity, v->sessions, hosts, r->dst_port);
	else
		snprintf(sig, sizeof(sig), "NDR brute force: %s, %u short similar sessions on port %u",
			 entity, v->sessions, r->dst_port);
	ev = json_object();
	json_object_set_new(ev, "source", ndr_ew_json_addr(r->src_addr));
	json_object_set_new(ev, "service_port", json_integer(r->dst_port));
	json_object_set_new(ev, "short_sessions", json_integer(v->sessions));
	json_object_set_new(ev, "distinct_targets", json_integer((json_int_t)llround(hosts)));
	json_object_set_new(ev, "example_target", ndr_ew_json_addr(v->last_dst));
	json_object_set_new(ev, "mean_session_bytes",
			    ndr_ew_json_real(v->bytes_sum / v->sessions, 10));
	json_object_set_new(ev, "session_bytes_cv", ndr_ew_json_real(cv, 1000));
	json_object_set_new(ev, "window_seconds", json_integer((json_int_t)(b->window_ns / 1000000000ull)));
	json_object_set_new(ev, "first_seen", ndr_ew_json_time(v->first_ns));
	json_object_set_new(ev, "last_seen", ndr_ew_json_time(v->last_ns));
	if (krb) {
		json_object_set_new(ev, "kerberos_failure_replies", json_integer(krb->failures));
		json_object_set_new(ev, "kerberos_exchanges", json_integer(krb->exchanges));
		json_object_set_new(ev, "burst_seconds", ndr_ew_json_real(krb->seconds, 1000));
		json_object_set_new(ev, "failure_reply_max_bytes",
				    json_integer((json_int_t)b->krb_failure_bytes));
	}
	if (prev)
		json_object_set_new(ev, "suppressed_since_last_alert", json_integer(prev));
	memset(&a, 0, sizeof(a));
	a.ts_ns = t;
	a.signature = sig;
	a.signature_id = krb ? BF_SID_KERB : spray ? BF_SID_SPRAY : BF_SID_BRUTE;
	a.score = 0.5 + 0.25 * ndr_ew_ramp(spray ? hosts : v->sessions, (double)thr, 4.0 * thr) +
		  0.25 * (1.0 - fmin(cv / b->max_bytes_cv, 1.0));
	if (krb)
		a.score = 0.6 + 0.4 * ndr_ew_ramp(krb->failures, (double)b->krb_burst,
						  4.0 * b->krb_burst);
	a.severity = a.score >= 0.85 ? 1 : 2;
	a.mitre[0] = spray || krb ? "T1110.003" : "T1110.001";
	if (krb)
		a.mitre[1] = "T1110.001";
	memcpy(a.src_addr, r->src_addr, 16);
	memcpy(a.dst_addr, v->last_dst, 16);
	a.ipv6 = ndr_ew_ipv6(r);
	/* about the source host over many sessions (the port is the
	 * evidence's service_port; the target an example) */
	a.scope = NDR_ALERT_HOST;
	a.entity = entity;
	a.evidence = ev;
	ndr_ew_emit(&b->ew, sink, &a);
	json_decref(ev);
}

/*
 * A burst: burst_attempts short sessions to an interactive-login service
 * (burst_ports) started within burst_window. OpenSSH lets a client try
 * MaxAuthTries (6) passwords per connection, and guessing tools use them
 * all, so 30 sessions can be 180 guesses: Zeek's sshguess trace (11
 * sessions in 70 s, 10 of them within 57 s) and hydra against OpenSSH stay under min_attempts for
 * many minutes. Ten logins in a minute is no person; the ports exclude
 * Kerberos, SMB and LDAP, where one logon makes bursts of short sessions.
 */
static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int burst(const struct bf *b, const struct bf_val *v, const struct ndr_flow_rec *r)
{
	uint64_t t[BF_BURST_MAX];
	unsigned n = v->n_recent, k = (unsigned)b->burst_attempts;

	if (v->sessions < k || n < k ||
	    !ndr_ew_port_in(b->burst_ports, b->n_burst_ports, r->dst_port))
		return 0;
	memcpy(t, v->recent_ns, n * sizeof(t[0]));
	qsort(t, n, sizeof(t[0]), cmp_u64);
	for (unsigned i = 0; i + k <= n; i++)
		if (t[i + k - 1] - t[i] <= b->burst_window_ns)
			return 1;
	return 0;
}

/*
 * Keeps the latest BF_BURST_MAX session starts whatever order the records
 * arrive in (a card emits a flow when its scanner reaches it, and at a flush
 * in table order).
 */
static void keep_start(struct bf_val *v, uint64_t start_ns, int failed)
{
	unsigned slot = 0;

	if (v->n_recent < BF_BURST_MAX) {
		slot = v->n_recent++;
	} else {
		for (unsigned i = 1; i < BF_BURST_MAX; i++)
			if (v->recent_ns[i] < v->recent_ns[slot])
				slot = i;
		if (start_ns <= v->recent_ns[slot])
			return;
	}
	v->recent_ns[slot] = start_ns;
	if (failed)
		v->failed_mask |= 1ull << slot;
	else
		v->failed_mask &= ~(1ull << slot);
}

struct bf_start {
	uint64_t ns;
	int failed;
};

static int cmp_start(const void *a, const void *b)
{
	const struct bf_start *x = a, *y = b;

	return x->ns < y->ns ? -1 : x->ns > y->ns;
}

/* A Kerberos burst: kerberos_burst failure-sized replies started within
 * kerberos_burst_window, and at least kerberos_failure_share of the
 * exchanges started in that span. */
static int kerberos_burst(const struct bf *b, const struct bf_val *v, struct bf_krb *out)
{
	struct bf_start s[BF_BURST_MAX];
	unsigned n = v->n_recent;

	for (unsigned i = 0; i < n; i++) {
		s[i].ns = v->recent_ns[i];
		s[i].failed = (v->failed_mask >> i) & 1u;
	}
	qsort(s, n, sizeof(s[0]), cmp_start);
	for (unsigned i = 0; i < n; i++) {
		unsigned fails = 0, all = 0, last = i;

		if (!s[i].failed)
			continue;
		for (unsigned j = i; j < n && s[j].ns - s[i].ns <= b->krb_window_ns; j++) {
			all++;
			if (s[j].failed) {
				fails++;
				last = j;
			}
		}
		if (fails >= b->krb_burst && fails >= b->krb_share * all) {
			out->failures = fails;
			out->exchanges = all;
			out->seconds = (double)(s[last].ns - s[i].ns) / 1e9;
			return 1;
		}
	}
	return 0;
}

static void bf_key_of(struct bf_key *k, const struct ndr_flow_rec *r, int krb)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->src, r->src_addr, 16);
	k->port = r->dst_port;
	k->proto = krb ? 0 : r->ip_proto;   /* Kerberos: UDP and TCP are one service */
}

/* 1 for a flow to a watched service (*krb: a Kerberos one). */
static int bf_watched(const struct bf *b, const struct ndr_flow_rec *r, int *krb)
{
	if (r->ip_proto != 6 && r->ip_proto != 17)
		return 0;
	*krb = ndr_ew_port_in(b->krb_ports, b->n_krb_ports, r->dst_port);
	return *krb || ndr_ew_port_in(b->ports, b->n_ports, r->dst_port);
}

static void bf_prefetch(const void *det, const struct ndr_rec_hdr *rec)
{
	const struct bf *b = det;
	const struct ndr_flow_rec *r = ndr_ew_flow_peek(rec);
	struct bf_key k;
	int krb;

	if (!r || !bf_watched(b, r, &krb) || r->end_reason == NDR_FLOW_END_ACTIVE)
		return;
	bf_key_of(&k, r, krb);
	ndr_lru_prefetch(&b->table, &k, 0);
}

static void bf_record(void *det, const struct ndr_rec_hdr *rec, const struct ndr_alert_sink *sink)
{
	struct bf *b = det;
	const struct ndr_flow_rec *r = ndr_ew_flow(&b->ew, rec);
	struct bf_key k;
	struct bf_val *v;
	uint64_t t, bytes;
	double hosts, cv;
	int created, krb, failed = 0;
	struct bf_krb kb;

	if (!r || !bf_watched(b, r, &krb) || !ndr_ew_admit(&b->ew, r->src_addr, r->dst_addr))
		return;
	if (ndr_ew_continues(&b->active, r) || r->end_reason == NDR_FLOW_END_ACTIVE ||
	    (r->tcp_state & NDR_TCP_MIDSTREAM)) {
		b->continuations++;   /* a long session: not a login attempt */
		return;
	}
	if (!ndr_ew_answered(r)) {
		b->not_established++;  /* a refused connect is D4's business */
		return;
	}
	bytes = r->bytes_fwd + r->bytes_rev;
	if (ndr_ew_duration_ns(r) > b->max_session_ns || bytes > b->max_session_bytes) {
		b->long_sessions++;
		return;
	}
	b->short_sessions++;
	t = r->hdr.ts_ns;

	bf_key_of(&k, r, krb);
	v = ndr_lru_get(&b->table, &k, &created);
	if (created || t >= v->window_start + b->window_ns) {
		if (created)
			ndr_hll_init(&v->hll, BF_HLL_P, v->regs);
		else
			ndr_hll_reset(&v->hll);
		v->window_start = v->first_ns = t;
		v->sessions = 0;
		v->bytes_sum = v->bytes_sumsq = 0;
	}
	v->last_ns = t;
	if (krb && r->payload_bytes_rev > 0 && r->payload_bytes_rev <= b->krb_failure_bytes) {
		failed = 1;
		b->kerberos_failures++;
	}
	keep_start(v, r->first_ts_ns, failed);
	v->sessions++;
	v->bytes_sum += (double)bytes;
	v->bytes_sumsq += (double)bytes * (double)bytes;
	memcpy(v->last_dst, r->dst_addr, 16);
	ndr_hll_add_hash(&v->hll, ndr_hash64(r->dst_addr, 16, b->ew.seed));

	hosts = ndr_hll_estimate(&v->hll);
	cv = bytes_cv(v);
	if (krb) {
		/* tickets are all alike in size, so "many similar short sessions"
		 * says nothing on Kerberos: only its failures do */
		if (failed && kerberos_burst(b, v, &kb))
			alert(b, r, v, 0, hosts, cv, &kb, t, sink);
		return;
	}
	if (cv > b->max_bytes_cv)
		return;
	if (hosts >= (double)b->spray_hosts && v->sessions >= b->spray_hosts)
		alert(b, r, v, 1, hosts, cv, NULL, t, sink);
	else if (v->sessions >= b->min_attempts || burst(b, v, r))
		alert(b, r, v, 0, hosts, cv, NULL, t, sink);
}

const struct ndr_detector_ops ndr_det_brute_force = {
	.name = BF_SECTION,
	.create = bf_create,
	.shard = ndr_ew_shard,
	.record = bf_record,
	.prefetch = bf_prefetch,
	.tick = ndr_ew_tick,
	.stats = ndr_ew_stats,
	.destroy = ndr_ew_destroy,
	.reconfigure = ndr_ew_reconfigure,
};
