/*
 * golden.c - the golden reference model's entry points (ndr_golden.h):
 * parse each frame, then feed the flow table and the DNS and TLS
 * extractors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden_internal.h"

#define GOLDEN_LOG2_BUCKETS_MAX 24u

struct ndr_golden *ndr_golden_new(const struct ndr_card_cfg *cfg, ndr_golden_emit_fn emit,
				  void *arg)
{
	struct ndr_golden *g;

	/* The header gives no error buffer: say why on stderr. */
	if (cfg->log2_buckets > GOLDEN_LOG2_BUCKETS_MAX) {
		fprintf(stderr, "ndr_golden_new: log2_buckets %u is above %u\n",
			cfg->log2_buckets, GOLDEN_LOG2_BUCKETS_MAX);
		return NULL;
	}
	if (!emit) {
		fprintf(stderr, "ndr_golden_new: no emit callback\n");
		return NULL;
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		fprintf(stderr, "ndr_golden_new: out of memory\n");
		return NULL;
	}
	g->cfg = *cfg;
	g->emit = emit;
	g->arg = arg;
	g->nbuckets = 1u << cfg->log2_buckets;
	g->table = calloc((size_t)g->nbuckets * GOLDEN_WAYS, sizeof(*g->table));
	g->occupied = calloc(g->nbuckets, 1);
	if (!g->table || !g->occupied) {
		free(g->table);
		free(g->occupied);
		fprintf(stderr, "ndr_golden_new: out of memory for %u flow buckets\n", g->nbuckets);
		free(g);
		return NULL;
	}
	golden_log2_table_init(g->log2_tab);
	/* Spec: a sweep of the table every scan_sweep_ms, one bucket at a
	 * time, never more often than every 64 ns. */
	g->scan_ns = ((uint64_t)cfg->scan_sweep_ms * 1000000ull) >> cfg->log2_buckets;
	if (g->scan_ns < 64)
		g->scan_ns = 64;
	return g;
}

void ndr_golden_frame(struct ndr_golden *g, uint64_t ts_ns, const uint8_t *frame,
		      uint32_t caplen, uint32_t wirelen)
{
	struct golden_pkt pkt;

	(void)wirelen;   /* only the card's heartbeat byte counter uses it */
	/* card time: the latest frame time so far, whatever the frame */
	if (!g->started) {
		g->started = 1;
		g->now = ts_ns;
		g->scan_next = ts_ns + g->scan_ns;
	} else if (ts_ns > g->now) {
		g->now = ts_ns;
	}
	golden_flow_visits(g);
	if (golden_parse(frame, caplen, ts_ns, &pkt) != GOLDEN_IP)
		return;
	golden_flow_packet(g, &pkt);
	golden_dns_packet(g, &pkt);
	golden_tls_packet(g, &pkt);
}

void ndr_golden_full_records(struct ndr_golden *g)
{
	g->full_records = 1;
}

void ndr_golden_time(struct ndr_golden *g, uint64_t t)
{
	if (!g->started || t <= g->now)
		return;
	g->now = t;
	golden_flow_visits(g);
}

void ndr_golden_flush(struct ndr_golden *g)
{
	golden_flow_flush(g);
}

void ndr_golden_free(struct ndr_golden *g)
{
	if (!g)
		return;
	free(g->table);
	free(g->occupied);
	free(g);
}
