/*
 * card.c - the emulated card: the hw/ kernels compiled natively, fed beat by
 * beat as the CMAC would present a frame, writing records into the caller's
 * ring (sim/include/ndr_card.h).
 *
 * The card owns the flow table memory (an HBM region on the real card); the
 * kernels get a pointer to it. Only ctrl->prod is written here (through the
 * record writer, release); ctrl->cons is read with acquire.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ndr_card.h"
#include "ndr_cycles.h"
#include "ndr_hw.h"

/* The kernels are compiled into this file, one translation unit, the way
 * SQLite ships as an amalgamation: the compiler then inlines across the
 * stage boundaries as HLS does when it flattens the data path, instead of
 * calling through every stage for every beat (half the emulation's time went
 * to those calls). hw/ still builds file by file for the HLS flow and the
 * synthesizability check; the Makefile leaves hw/src out of libndr for this.
 * The sources are listed, not globbed: a new kernel is added here. */
#include "../../hw/src/card_top.c"
#include "../../hw/src/parser.c"
#include "../../hw/src/flow_hash.c"
#include "../../hw/src/flow_table.c"
#include "../../hw/src/dns_extract.c"
#include "../../hw/src/dns_stage.c"
#include "../../hw/src/walk_sched.c"
#include "../../hw/src/tls_extract.c"
#include "../../hw/src/entropy.c"
#include "../../hw/src/log2_table.c"
#include "../../hw/src/record_writer.c"

#define CARD_MIN_LOG2_BUCKETS 4u
#define CARD_MAX_LOG2_BUCKETS 24u

struct ndr_card {
	struct ndr_top top;
	bool per_beat;
	struct ndr_flow_mem table;
	size_t bucket_bytes, deadline_bytes, entry_bytes;
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
	cfg->log2_buckets = 16;
	cfg->hash_seed = 0x6e647221u;
	cfg->idle_timeout_ms = 30000;
	cfg->active_timeout_ms = 120000;
	cfg->close_timeout_ms = 1000;
	cfg->heartbeat_ms = 1000;
	cfg->per_beat = false;
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
			 : !cfg->close_timeout_ms ? "close_timeout_ms" : NULL;
	if (zero) {
		snprintf(err, errlen, "card: %s must be non-zero", zero);
		return -1;
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
	size_t buckets = (size_t)1 << cfg->log2_buckets;
	size_t bytes = buckets * (sizeof(struct ndr_flow_bucket) + sizeof(uint64_t) +
				  NDR_FLOW_WAYS * sizeof(struct ndr_flow_entry));
	card->bucket_bytes = buckets * sizeof(struct ndr_flow_bucket);
	card->deadline_bytes = buckets * sizeof(uint64_t);
	card->entry_bytes = buckets * NDR_FLOW_WAYS * sizeof(struct ndr_flow_entry);
	card->table.buckets = table_alloc(card->bucket_bytes);
	card->table.deadline = table_alloc(card->deadline_bytes);
	card->table.entries = table_alloc(card->entry_bytes);
	if (!card->table.buckets || !card->table.deadline || !card->table.entries) {
		snprintf(err, errlen, "card: out of memory for a flow table of 2^%u buckets (%zu bytes)",
			 cfg->log2_buckets, bytes);
		ndr_card_free(card);
		return NULL;
	}

	struct ndr_top_cfg tc = {
		.log2_buckets = cfg->log2_buckets,
		.hash_seed = cfg->hash_seed,
		.idle_timeout_ms = cfg->idle_timeout_ms,
		.active_timeout_ms = cfg->active_timeout_ms,
		.close_timeout_ms = cfg->close_timeout_ms,
		.heartbeat_ms = cfg->heartbeat_ms,
	};
	ndr_top_init(&card->top, &tc, &card->table, ring_slots, ctrl, log2_slots);
	card->per_beat = cfg->per_beat;
	return card;
}

/* The frame as the CMAC presents it: each beat copied into a struct
 * ndr_beat, TKEEP and TLAST set, side band on every beat. */
static void beat_by_beat(struct ndr_top *top, uint64_t ts_ns, const uint8_t *frame,
			 uint32_t caplen, uint32_t wirelen)
{
	struct ndr_beat b;
	b.ts_ns = ts_ns;
	b.wire_len = wirelen;
	uint32_t off = 0;
	do {
		uint32_t n = caplen - off < NDR_BEAT_BYTES ? caplen - off : NDR_BEAT_BYTES;
		memset(b.data, 0, sizeof(b.data));
		if (n)
			memcpy(b.data, frame + off, n);
		b.len = n;
		b.last = off + n >= caplen;
		ndr_top_beat(top, &b);
		off += n;
	} while (off < caplen);
}

void ndr_card_frame(struct ndr_card *card, uint64_t ts_ns, const uint8_t *frame,
		    uint32_t caplen, uint32_t wirelen)
{
	if (caplen > NDR_MAX_FRAME)
		caplen = NDR_MAX_FRAME;
	if (wirelen < caplen)
		wirelen = caplen;
	if (card->per_beat)
		beat_by_beat(&card->top, ts_ns, frame, caplen, wirelen);
	else
		ndr_top_frame(&card->top, ts_ns, frame, caplen, wirelen);
}

/* ---- batches: the frames' header beats fetched ahead ----
 *
 * On the card the frame arrives on the wire; in the emulation it lies in
 * host memory, and once the card is no longer bound by its own work, the
 * wait for each frame's first bytes is what is left (the parser's copy of
 * the header window was the emulation's hottest instruction). A batch says
 * where the next frames are, so their header windows are fetched
 * FRAME_AHEAD frames early; the frames of a batch need not be contiguous,
 * so the CPU's own prefetcher cannot guess them. Payload beats are not
 * fetched: most pass through unread (ndr_top_frame). The flow table's
 * reads are issued by the hash stage itself (ndr_flow_hash).
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

void ndr_card_frames(struct ndr_card *card, const struct ndr_frame_ref *frames, unsigned n)
{
	for (unsigned i = 0; i < n && i < FRAME_AHEAD; i++)
		prefetch_headers(&frames[i]);
	for (unsigned i = 0; i < n; i++) {
		if (i + FRAME_AHEAD < n)
			prefetch_headers(&frames[i + FRAME_AHEAD]);
		const struct ndr_frame_ref *f = &frames[i];
		ndr_card_frame(card, f->ts_ns, f->data, f->caplen, f->wirelen);
	}
}

void ndr_card_flush(struct ndr_card *card)
{
	ndr_top_flush(&card->top);
}

void ndr_card_get_stats(const struct ndr_card *card, struct ndr_card_stats *st)
{
	const struct ndr_top *t = &card->top;
	memset(st, 0, sizeof(*st));
	st->frames = t->frames;
	st->beats = t->beats;
	st->bytes = t->bytes;
	st->parse_errors = t->parse_errors;
	st->non_ip = t->non_ip;
	st->dns_messages = t->dnsq.messages;
	st->dns_errors = t->dnsq.errors;
	st->flows_active = t->flow.active;
	st->flows_created = t->flow.created;
	st->flows_evicted = t->flow.evicted;
	st->records_written = t->rw.records_written;
	for (uint32_t i = 0; i < NDR_REC_TYPE_MAX; i++)
		st->records_by_type[i] = t->rw.by_type[i];
	st->records_dropped = t->rw.records_dropped;
	st->slots_written = t->rw.slots_written;
}

void ndr_card_cycles(const struct ndr_card *card, struct ndr_cycles *c)
{
	const struct ndr_top *t = &card->top;
	memset(c, 0, sizeof(*c));
	c->beats = t->beats;
	c->frames = t->frames;
	c->frame_bytes = t->bytes;
	c->clock = t->clock;
	c->stalls = t->stalls;
	c->drain_clock = t->drain_clock;
	c->flow_packets = t->flow_packets;
	c->flow_cycles = t->flow_cycles;
	c->flow_wait_max = t->flow_wait_max;
	c->flow_queue_depth = NDR_FLOW_QUEUE_DEPTH;
	c->flow_created = t->flow.created;
	c->flow_evicted = t->flow.evicted;
	c->flow_collisions = t->flow.collisions;
	c->flow_sig_false = t->flow.sig_false;
	c->flow_scan_expired = t->flow.scan_expired;
	c->flow_fwd_hits = t->flow.fwd_hits;
	c->dns_messages = t->dnsq.messages;
	c->dns_walked = t->dnsq.walked;
	c->dns_engine_cycles = t->dnsq.sched.engine_cycles;
	c->dns_wait_cycles = t->dnsq.sched.wait_cycles;
	c->dns_fifo_drops = t->dnsq.sched.fifo_drops;
	c->dns_fifo_max = t->dnsq.sched.fifo_max;
	c->dns_fifo_depth = NDR_DNS_FIFO_DEPTH;
	c->dns_engines = NDR_DNS_ENGINES;
	c->tls_hellos = t->tls.hellos;
	c->tls_engine_cycles = t->tlsq.engine_cycles;
	c->tls_wait_cycles = t->tlsq.wait_cycles;
	c->tls_fifo_drops = t->tlsq.fifo_drops;
	c->tls_fifo_max = t->tlsq.fifo_max;
	c->tls_fifo_depth = NDR_TLS_FIFO_DEPTH;
	c->tls_engines = NDR_TLS_ENGINES;
	c->records = t->rw.records_written + t->rw.records_dropped;
	c->record_slots = t->rw.slots_written;
}

void ndr_card_free(struct ndr_card *card)
{
	if (!card)
		return;
	table_free(card->table.buckets, card->bucket_bytes);
	table_free(card->table.deadline, card->deadline_bytes);
	table_free(card->table.entries, card->entry_bytes);
	free(card);
}
