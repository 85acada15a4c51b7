/*
 * card.c - the emulated card (ndr_card.h): the hw/ kernels compiled
 * natively, run whole-frame (fast_card.c) or clocked (clocked.c), writing
 * records into the caller's ring.
 *
 * The card owns the flow table memory (URAM or HBM on the real card); the
 * kernels get it on every call. Only ctrl->prod is written here (by the
 * record writer, release); ctrl->cons is read with acquire.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ndr_card.h"
#include "ndr_clocked.h"
#include "ndr_cycles.h"
#include "ndr_fast_card.h"

/* The kernels are compiled into this file, one translation unit, the way
 * SQLite ships as an amalgamation: the compiler then inlines across the
 * stage boundaries as HLS does when it flattens the data path. hw/ still
 * builds file by file for the HLS flow and the synthesizability check; the
 * Makefile leaves hw/src out of libndr for this and stops when a kernel
 * source is missing from this list. */
#include "../../hw/src/parser.c"
#include "../../hw/src/parser_stage.c"
#include "../../hw/src/flow_hash.c"
#include "../../hw/src/flow_table.c"
#include "../../hw/src/flow_stage.c"
#include "../../hw/src/dns_walk.c"
#include "../../hw/src/dns_stage.c"
#include "../../hw/src/tls_walk.c"
#include "../../hw/src/tls_stage.c"
#include "../../hw/src/walk_pool.c"
#include "../../hw/src/entropy.c"
#include "../../hw/src/log2_table.c"
#include "../../hw/src/record_writer.c"
#include "../../hw/src/record_stage.c"
#include "../../hw/src/rx_stage.c"
#include "../../hw/src/card_dataflow.c"
#include "fast_card.c"
#include "clocked.c"

#define CARD_MIN_LOG2_BUCKETS 4u
#define CARD_MAX_LOG2_BUCKETS NDR_FLOW_MAX_LOG2_BUCKETS

struct ndr_card {
	struct ndr_card_cfg cfg;
	struct ndr_top_cfg tcfg;
	struct ndr_flow_mem table;
	size_t bucket_bytes, entry_bytes;
	uint64_t *expiry;               /* the whole-frame card's, ndr_top_io */
	uint8_t *ring;
	struct ndr_ring_ctrl *ctrl;
	struct ndr_top fast;
	struct ndr_clocked *clocked;    /* cfg.clocked */
};

/* Zeroed memory for one of the table's memories. Anonymous mappings come
 * zeroed and page in on first touch; huge pages (where the kernel allows
 * them on request) keep the random lookups of a large table from missing
 * the TLB on every packet. */
static void *table_alloc(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	(void)madvise(p, bytes, MADV_HUGEPAGE);     /* a hint: fine if refused */
#endif
	return p;
}

static void table_free(void *p, size_t bytes)
{
	if (p)
		munmap(p, bytes);
}

void ndr_card_cfg_defaults(struct ndr_card_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->log2_buckets = 16;
	cfg->hash_seed = 0x6e647221u;
	cfg->idle_timeout_ms = 30000;
	cfg->active_timeout_ms = 120000;
	cfg->close_timeout_ms = 1000;
	cfg->heartbeat_ms = 1000;
	cfg->scan_sweep_ms = 1000;
	cfg->flow_lat = NDR_FLOW_LAT_URAM;
	cfg->flow_fwd = NDR_FLOW_FWD;
	cfg->link_mbps = 12000;
}

static int check_cfg(const struct ndr_card_cfg *cfg, const void *ring_slots,
		     uint32_t log2_slots, const struct ndr_ring_ctrl *ctrl,
		     char *err, size_t errlen)
{
	if (!cfg || !ring_slots || !ctrl) {
		snprintf(err, errlen, "card: %s is NULL",
			 !cfg ? "configuration" : !ring_slots ? "ring memory" : "ring control page");
		return -1;
	}
	if (cfg->log2_buckets < CARD_MIN_LOG2_BUCKETS || cfg->log2_buckets > CARD_MAX_LOG2_BUCKETS) {
		snprintf(err, errlen, "card: log2_buckets %u out of range %u..%u",
			 cfg->log2_buckets, CARD_MIN_LOG2_BUCKETS, CARD_MAX_LOG2_BUCKETS);
		return -1;
	}
	if (log2_slots < NDR_RING_MIN_LOG2 || log2_slots > NDR_RING_MAX_LOG2) {
		snprintf(err, errlen, "card: ring log2_slots %u out of range %u..%u",
			 log2_slots, NDR_RING_MIN_LOG2, NDR_RING_MAX_LOG2);
		return -1;
	}
	const char *zero = !cfg->idle_timeout_ms ? "idle_timeout_ms"
			 : !cfg->active_timeout_ms ? "active_timeout_ms"
			 : !cfg->close_timeout_ms ? "close_timeout_ms"
			 : !cfg->scan_sweep_ms ? "scan_sweep_ms" : NULL;
	if (zero) {
		snprintf(err, errlen, "card: %s must be non-zero", zero);
		return -1;
	}
	if (cfg->clocked) {
		if (cfg->flow_lat < 1u || cfg->flow_lat > NDR_FLOW_LAT_MAX) {
			snprintf(err, errlen, "card: flow table latency %u out of range 1..%u clocks",
				 cfg->flow_lat, NDR_FLOW_LAT_MAX);
			return -1;
		}
		if (cfg->flow_fwd < 1u || cfg->flow_fwd > NDR_FLOW_FWD) {
			snprintf(err, errlen, "card: forwarding window %u out of range 1..%u",
				 cfg->flow_fwd, NDR_FLOW_FWD);
			return -1;
		}
		if (cfg->link_mbps < 1u || cfg->link_mbps > 100000u) {
			snprintf(err, errlen, "card: host link %u MB/s out of range 1..100000",
				 cfg->link_mbps);
			return -1;
		}
	}
	return 0;
}

struct ndr_card *ndr_card_new(const struct ndr_card_cfg *cfg, void *ring_slots,
			      uint32_t log2_slots, struct ndr_ring_ctrl *ctrl,
			      char *err, size_t errlen)
{
	if (check_cfg(cfg, ring_slots, log2_slots, ctrl, err, errlen))
		return NULL;

	struct ndr_card *card = calloc(1, sizeof(*card));
	if (!card) {
		snprintf(err, errlen, "card: out of memory for the card state (%zu bytes)",
			 sizeof(*card));
		return NULL;
	}
	card->cfg = *cfg;
	card->ring = ring_slots;
	card->ctrl = ctrl;
	size_t buckets = (size_t)1 << cfg->log2_buckets;
	card->bucket_bytes = buckets * sizeof(struct ndr_flow_bucket);
	card->entry_bytes = buckets * NDR_FLOW_WAYS * sizeof(struct ndr_flow_entry);
	card->table.buckets = table_alloc(card->bucket_bytes);
	card->table.entries = table_alloc(card->entry_bytes);
	if (!card->table.buckets || !card->table.entries) {
		snprintf(err, errlen, "card: out of memory for a flow table of 2^%u buckets (%zu bytes)",
			 cfg->log2_buckets, card->bucket_bytes + card->entry_bytes);
		ndr_card_free(card);
		return NULL;
	}

	card->tcfg.log2_buckets = cfg->log2_buckets;
	card->tcfg.hash_seed = cfg->hash_seed;
	card->tcfg.idle_timeout_ms = cfg->idle_timeout_ms;
	card->tcfg.active_timeout_ms = cfg->active_timeout_ms;
	card->tcfg.close_timeout_ms = cfg->close_timeout_ms;
	card->tcfg.heartbeat_ms = cfg->heartbeat_ms;
	card->tcfg.scan_sweep_ms = cfg->scan_sweep_ms;
	if (cfg->clocked) {
		card->clocked = calloc(1, sizeof(*card->clocked));
		if (!card->clocked) {
			snprintf(err, errlen, "card: out of memory for the clocked simulation (%zu bytes)",
				 sizeof(*card->clocked));
			ndr_card_free(card);
			return NULL;
		}
		struct ndr_clocked_cfg cc = {
			.pace_line = cfg->pace_line,
			.lossless = cfg->lossless,
			.producers_first = cfg->producers_first,
			.flow_lat = cfg->flow_lat,
			.flow_fwd = cfg->flow_fwd,
			.link_mbps = cfg->link_mbps,
		};
		ndr_clocked_init(card->clocked, &card->tcfg, &cc, ctrl, log2_slots);
	} else {
		card->expiry = malloc(buckets * sizeof(uint64_t));
		if (!card->expiry) {
			snprintf(err, errlen, "card: out of memory for the buckets' expiry times (%zu bytes)",
				 buckets * sizeof(uint64_t));
			ndr_card_free(card);
			return NULL;
		}
		for (size_t b = 0; b < buckets; b++)
			card->expiry[b] = UINT64_MAX;
		ndr_top_init(&card->fast, &card->tcfg, ctrl, log2_slots);
		card->fast.lossless = cfg->lossless;
	}
	return card;
}

static struct ndr_top_io fast_io(const struct ndr_card *card)
{
	struct ndr_top_io io = { card->table, card->ring, card->ctrl, card->expiry };
	return io;
}

static struct ndr_dataflow_io clocked_io(const struct ndr_card *card)
{
	struct ndr_dataflow_io io = { card->table, card->ring, card->ctrl, true };
	return io;
}

int ndr_card_frame(struct ndr_card *card, uint64_t ts_ns, const uint8_t *frame,
		   uint32_t caplen, uint32_t wirelen)
{
	if (caplen > NDR_MAX_FRAME)
		caplen = NDR_MAX_FRAME;
	if (wirelen < caplen)
		wirelen = caplen;
	if (card->clocked) {
		struct ndr_dataflow_io io = clocked_io(card);
		return ndr_clocked_frame(card->clocked, &io, ts_ns, frame, caplen, wirelen);
	}
	struct ndr_top_io io = fast_io(card);
	return ndr_top_frame(&card->fast, &io, ts_ns, frame, caplen, wirelen);
}

/* ---- batches: the frames' header beats fetched ahead ----
 *
 * In the emulation a frame lies in host memory, and once the card is no
 * longer bound by its own work, the wait for each frame's first bytes is
 * what is left. A batch says where the next frames are, so their header
 * windows are fetched FRAME_AHEAD frames early; the frames of a batch need
 * not be contiguous, so the CPU's own prefetcher cannot guess them.
 *
 * A macro, not a function: GCC takes a function whose only effect is a
 * prefetch for one without effects and drops its calls. */
#define FRAME_AHEAD 16u

#define prefetch_headers(f) do { \
	const uint8_t *h_ = (f)->data; \
	uint32_t n_ = (f)->caplen < NDR_HDR_WINDOW ? (f)->caplen : NDR_HDR_WINDOW; \
	for (uint32_t o_ = 0; o_ < n_; o_ += 64u) \
		__builtin_prefetch(h_ + o_); \
} while (0)

unsigned ndr_card_frames(struct ndr_card *card, const struct ndr_frame_ref *frames, unsigned n)
{
	for (unsigned i = 0; i < n && i < FRAME_AHEAD; i++)
		prefetch_headers(&frames[i]);
	for (unsigned i = 0; i < n; i++) {
		if (i + FRAME_AHEAD < n)
			prefetch_headers(&frames[i + FRAME_AHEAD]);
		const struct ndr_frame_ref *f = &frames[i];
		if (ndr_card_frame(card, f->ts_ns, f->data, f->caplen, f->wirelen))
			return i;
	}
	return n;
}

int ndr_card_tick(struct ndr_card *card, uint64_t now_ns)
{
	if (card->clocked) {
		struct ndr_dataflow_io io = clocked_io(card);
		return ndr_clocked_tick(card->clocked, &io, now_ns);
	}
	struct ndr_top_io io = fast_io(card);
	return ndr_top_tick(&card->fast, &io, now_ns);
}

int ndr_card_flush(struct ndr_card *card)
{
	if (card->clocked) {
		struct ndr_dataflow_io io = clocked_io(card);
		return ndr_clocked_flush(card->clocked, &io);
	}
	struct ndr_top_io io = fast_io(card);
	return ndr_top_flush(&card->fast, &io);
}

static void writer_stats(const struct ndr_rw *w, struct ndr_card_stats *st)
{
	st->records_written = w->records_written;
	for (uint32_t i = 0; i < NDR_REC_TYPE_MAX; i++)
		st->records_by_type[i] = w->by_type[i];
	st->records_dropped = w->records_dropped;
	st->slots_written = w->slots_written;
}

void ndr_card_get_stats(const struct ndr_card *card, struct ndr_card_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (card->clocked) {
		const struct ndr_clocked *c = card->clocked;
		const struct ndr_dataflow *d = &c->df;
		st->frames = d->rx.frames;
		st->beats = c->beats;
		st->bytes = d->rx.bytes;
		st->rx_overrun = d->rx.overrun;
		st->parse_errors = d->parser.parse_errors;
		st->non_ip = d->parser.non_ip;
		st->dns_messages = d->dns.messages;
		st->dns_errors = d->dns.errors;
		st->dns_dropped = d->dns.dropped;
		st->tls_hellos = d->tls.hellos;
		st->tls_dropped = d->tls.dropped;
		st->flows_active = d->flow.ctr.active;
		st->flows_created = d->flow.ctr.created;
		st->flows_evicted = d->flow.ctr.evicted;
		st->flows_dns_only = d->flow.ctr.dns_only;
		st->flow_link_dropped = d->flow.ctr.link_dropped;
		st->dns_link_dropped = d->dns.link_dropped;
		st->tls_link_dropped = d->tls.link_dropped;
		st->records_link_dropped = st->flow_link_dropped + st->dns_link_dropped +
					   st->tls_link_dropped;
		writer_stats(&d->writer.w, st);
		return;
	}
	const struct ndr_top *t = &card->fast;
	st->frames = t->frames;
	st->beats = t->beats;
	st->bytes = t->bytes;
	st->parse_errors = t->parse_errors;
	st->non_ip = t->non_ip;
	st->dns_messages = t->dns_messages;
	st->dns_errors = t->dns_errors;
	st->tls_hellos = t->tls_hellos;
	st->flows_active = t->fctr.active;
	st->flows_created = t->fctr.created;
	st->flows_evicted = t->fctr.evicted;
	st->flows_dns_only = t->fctr.dns_only;
	writer_stats(&t->rw, st);
}

void ndr_card_cycles(const struct ndr_card *card, struct ndr_cycles *c)
{
	if (card->clocked) {
		ndr_clocked_observe(card->clocked, c);
		return;
	}
	memset(c, 0, sizeof(*c));
	c->frames = card->fast.frames;
}

void ndr_card_free(struct ndr_card *card)
{
	if (!card)
		return;
	free(card->expiry);
	table_free(card->table.buckets, card->bucket_bytes);
	table_free(card->table.entries, card->entry_bytes);
	free(card->clocked);
	free(card);
}
