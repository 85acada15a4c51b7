/*
 * flowgen.c - synthetic flow records for detector tests (flowgen.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "flowgen.h"
#include "ndr_cidr_set.h"
#include "ndr_config.h"

void fg_flow(struct ndr_flow_rec *r, const char *src, uint16_t sport, const char *dst,
	     uint16_t dport, uint8_t proto, uint64_t start_ns, uint64_t dur_ns)
{
	memset(r, 0, sizeof(*r));
	r->hdr.type = NDR_REC_FLOW;
	r->hdr.slots = 3;
	r->hdr.version = NDR_ABI_VERSION;
	assert_int_equal(ndr_addr_parse(src, r->src_addr), 0);
	assert_int_equal(ndr_addr_parse(dst, r->dst_addr), 0);
	if (!ndr_addr_is_v4mapped(r->src_addr))
		r->hdr.flags |= NDR_REC_F_IPV6;
	r->src_port = sport;
	r->dst_port = dport;
	r->ip_proto = proto;
	r->end_reason = NDR_FLOW_END_FIN;
	r->first_ts_ns = start_ns;
	r->last_ts_ns = start_ns + dur_ns;
	r->hdr.ts_ns = r->last_ts_ns + FG_SEC;
	r->iat_min_us = 0xffffffffu;
}

static unsigned bin_of(uint32_t size)
{
	static const uint32_t top[] = { 64, 128, 256, 512, 768, 1024, 1500 };

	for (unsigned i = 0; i < 7; i++)
		if (size <= top[i])
			return i;
	return 7;
}

static void set_iat(struct ndr_flow_rec *r)
{
	uint64_t n = r->pkts_fwd + r->pkts_rev;
	uint64_t dur_us = (r->last_ts_ns - r->first_ts_ns) / 1000u;
	uint64_t mean;

	if (n < 2)
		return;
	mean = dur_us / (n - 1);
	r->iat_min_us = (uint32_t)(mean / 4);
	r->iat_max_us = (uint32_t)(mean * 8 > 0xffffffffu ? 0xffffffffu : mean * 8);
	r->iat_sum_us = dur_us;
	r->iat_sumsq_us = mean * mean * (n - 1) * 3;   /* std ~ 1.4 x mean: bursty */
}

void fg_tcp_session(struct ndr_flow_rec *r, uint32_t pkts_fwd, uint32_t pkt_size_fwd,
		    uint32_t pkts_rev, uint32_t pkt_size_rev, uint32_t turns)
{
	r->tcp_state = NDR_TCP_SYN | NDR_TCP_SYNACK | NDR_TCP_ESTABLISHED |
		       NDR_TCP_FIN_FWD | NDR_TCP_FIN_REV;
	r->tcp_flags_fwd = 0x02 | 0x10 | 0x08 | 0x01;
	r->tcp_flags_rev = 0x12 | 0x08 | 0x01;
	r->pkts_fwd = pkts_fwd + 3;
	r->pkts_rev = pkts_rev + 2;
	r->payload_bytes_fwd = (uint64_t)pkts_fwd * (pkt_size_fwd > 52 ? pkt_size_fwd - 52 : 0);
	r->payload_bytes_rev = (uint64_t)pkts_rev * (pkt_size_rev > 52 ? pkt_size_rev - 52 : 0);
	r->bytes_fwd = (uint64_t)pkts_fwd * pkt_size_fwd + 3 * 52;
	r->bytes_rev = (uint64_t)pkts_rev * pkt_size_rev + 2 * 52;
	r->hist_fwd[0] = 3;
	r->hist_rev[0] = 2;
	r->hist_fwd[bin_of(pkt_size_fwd)] += (uint16_t)(pkts_fwd > 0xfff0 ? 0xfff0 : pkts_fwd);
	r->hist_rev[bin_of(pkt_size_rev)] += (uint16_t)(pkts_rev > 0xfff0 ? 0xfff0 : pkts_rev);
	r->dir_changes = 2 * turns + 3;
	set_iat(r);
}

void fg_tcp_failed(struct ndr_flow_rec *r, int rst)
{
	r->tcp_state = NDR_TCP_SYN | (rst ? NDR_TCP_RST_REV : 0);
	r->tcp_flags_fwd = 0x02;
	r->pkts_fwd = 1;
	r->bytes_fwd = 60;
	r->hist_fwd[0] = 1;
	if (rst) {
		r->tcp_flags_rev = 0x14;
		r->pkts_rev = 1;
		r->bytes_rev = 40;
		r->hist_rev[0] = 1;
		r->dir_changes = 1;
		r->end_reason = NDR_FLOW_END_RST;
	} else {
		r->end_reason = NDR_FLOW_END_IDLE;
	}
	set_iat(r);
}

void fg_datagrams(struct ndr_flow_rec *r, uint32_t pkts_fwd, uint32_t pkts_rev, uint32_t size)
{
	r->end_reason = NDR_FLOW_END_IDLE;
	r->pkts_fwd = pkts_fwd;
	r->pkts_rev = pkts_rev;
	r->bytes_fwd = (uint64_t)pkts_fwd * size;
	r->bytes_rev = (uint64_t)pkts_rev * size;
	r->payload_bytes_fwd = (uint64_t)pkts_fwd * (size > 28 ? size - 28 : 0);
	r->payload_bytes_rev = (uint64_t)pkts_rev * (size > 28 ? size - 28 : 0);
	r->hist_fwd[bin_of(size)] = (uint16_t)pkts_fwd;
	r->hist_rev[bin_of(size)] = (uint16_t)pkts_rev;
	r->dir_changes = pkts_rev ? 2 * (pkts_fwd < pkts_rev ? pkts_fwd : pkts_rev) - 1 : 0;
	set_iat(r);
}

static void collect(void *arg, const struct ndr_alert *a)
{
	struct fg_alerts *al = arg;
	struct fg_alert *f;

	/* every alert must carry the fields a SOC needs */
	assert_non_null(a->category);
	assert_non_null(a->entity);
	assert_non_null(a->signature);
	assert_non_null(a->mitre[0]);
	assert_true(json_is_object(a->evidence));
	assert_true(a->score >= 0.0 && a->score <= 1.0);
	assert_true(a->severity >= 1 && a->severity <= 3);
	if (al->n < FG_MAX_ALERTS) {
		f = &al->a[al->n];
		snprintf(f->category, sizeof(f->category), "%s", a->category);
		snprintf(f->entity, sizeof(f->entity), "%s", a->entity);
		snprintf(f->signature, sizeof(f->signature), "%s", a->signature);
		f->signature_id = a->signature_id;
		f->severity = a->severity;
		f->score = a->score;
		for (f->n_mitre = 0; f->n_mitre < NDR_ALERT_MAX_MITRE && a->mitre[f->n_mitre];)
			f->n_mitre++;
		snprintf(f->mitre0, sizeof(f->mitre0), "%s", a->mitre[0]);
		f->evidence_keys = (int)json_object_size(a->evidence);
		if (a->evidence) {
			char *text = json_dumps(a->evidence, JSON_COMPACT | JSON_SORT_KEYS);

			snprintf(f->evidence, sizeof(f->evidence), "%s", text ? text : "");
			free(text);
		}
	}
	al->n++;
}

struct ndr_alert_sink fg_sink(struct fg_alerts *out)
{
	struct ndr_alert_sink s = { collect, out };

	return s;
}

double fg_evidence(const struct fg_alert *a, const char *key)
{
	json_error_t jerr;
	json_t *o = json_loads(a->evidence, 0, &jerr), *v;
	double x;

	if (!o)
		fail_msg("evidence of '%s' is not JSON (cut at %zu bytes?): %s", a->signature,
			 sizeof(a->evidence), jerr.text);
	v = json_object_get(o, key);
	if (!json_is_number(v))
		fail_msg("evidence of '%s': no number '%s' in %s", a->signature, key, a->evidence);
	x = json_number_value(v);
	json_decref(o);
	return x;
}

int fg_count(const struct fg_alerts *al, const char *category, const char *entity)
{
	int n = 0;

	for (int i = 0; i < al->n && i < FG_MAX_ALERTS; i++)
		if (strcmp(al->a[i].category, category) == 0 &&
		    (!entity || strcmp(al->a[i].entity, entity) == 0))
			n++;
	return n;
}

void *fg_create(const struct ndr_detector_ops *ops, const char *config_text)
{
	char err[512] = "";
	struct ndr_config *cfg = ndr_config_parse(config_text ? config_text : "", "test.conf",
						  err, sizeof(err));
	struct ndr_detector_ctx ctx = ndr_detector_ctx_one(FG_SEED);
	void *det;

	if (!cfg)
		fail_msg("config: %s", err);
	det = ops->create(cfg, &ctx, err, sizeof(err));
	if (!det)
		fail_msg("%s create: %s", ops->name, err);
	if (ndr_config_check_unused(cfg, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	ndr_config_free(cfg);
	return det;
}

void fg_feed(const struct ndr_detector_ops *ops, void *det, const struct ndr_flow_rec *r,
	     struct fg_alerts *al)
{
	struct ndr_alert_sink s = fg_sink(al);

	ops->record(det, &r->hdr, &s);
}

long long fg_stat(const struct ndr_detector_ops *ops, void *det, const char *key)
{
	json_t *o = json_object();
	json_t *v;
	long long x;

	ndr_detector_stats_json(ops, det, o);
	v = json_object_get(o, key);
	if (!json_is_integer(v))
		fail_msg("%s stats: no integer '%s'", ops->name, key);
	x = (long long)json_integer_value(v);
	json_decref(o);
	return x;
}
