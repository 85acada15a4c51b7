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

#define CARD_MIN_LOG2_BUCKETS 4u
#define CARD_MAX_LOG2_BUCKETS 24u

struct ndr_card {
	struct ndr_top top;
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
	return card;
}

void ndr_card_frame(struct ndr_card *card, uint64_t ts_ns, const uint8_t *frame,
		    uint32_t caplen, uint32_t wirelen)
{
	struct ndr_beat b;
	if (caplen > NDR_MAX_FRAME)
		caplen = NDR_MAX_FRAME;
	if (wirelen < caplen)
		wirelen = caplen;
	b.ts_ns = ts_ns;
	b.wire_len = wirelen;

	uint32_t off = 0;
	do {
		uint32_t n = caplen - off < NDR_BEAT_BYTES ? caplen - off : NDR_BEAT_BYTES;
		/* A constant-size copy is two vector moves; a variable one is a
		 * byte loop, and most beats are full. */
		if (n == NDR_BEAT_BYTES)
			memcpy(b.data, frame + off, NDR_BEAT_BYTES);
		else if (n)
			memcpy(b.data, frame + off, n);
		b.len = n;
		b.last = off + n >= caplen;
		ndr_top_beat(&card->top, &b);
		off += n;
	} while (off < caplen);
}

/* ---- batches: the flow table's reads issued frames ahead ----
 *
 * On the card the hash stage runs several frames ahead of the flow stage,
 * and the bucket's header line and deadline word are read as soon as the
 * hash is known; the entry a packet needs is read once its header line is
 * back. One frame at a time the emulation cannot do that: the hash of a
 * frame is known only just before its flow update, so every lookup waits
 * for the header line and then for the entry. A batch runs the same
 * lookahead in software: LINE_AHEAD frames ahead of the flow stage it
 * parses the frame's headers, hashes the key and prefetches the bucket's
 * header line and deadline word; ENTRY_AHEAD frames ahead it reads that
 * (by then cached) header line and prefetches the entry the packet will
 * touch. Besides prefetching, the lookahead only hands the hash it computed
 * to the frame's hash stage (hand_over); the kernels then run on each frame
 * unchanged, so the records are those of one frame at a time
 * (tests/unit/test_card_batch.c compares the rings). */
#define FRAME_AHEAD 16u     /* the frame's header bytes fetched */
#define LINE_AHEAD  8u      /* power of two: the lookahead ring's size */
#define ENTRY_AHEAD 4u

struct ahead {
	bool     ip;            /* the headers parsed as IP: the rest is set */
	uint8_t  key[NDR_FLOW_KEY_LEN];
	uint32_t hash;
	uint32_t sig;
	uint32_t bucket;
};

/* Only a frame that fits the header window needs the lookahead: its
 * headers are parsed, and its hash stage's reads issued, at its last beat,
 * right before its flow update. A longer frame's hash stage runs beats
 * before its last one, which hides the reads as well; looking ahead into it
 * would only pull its bytes in out of order (and measurably slows the
 * emulation on large frames). */
static bool short_frame(const struct ndr_frame_ref *f)
{
	return f->caplen <= NDR_HDR_WINDOW;
}

/* The hash stage of a frame ahead: headers, key, hash, header line read. */
static void issue_line(const struct ndr_flow_table *ft, const struct ndr_frame_ref *f,
		       struct ahead *a)
{
	struct ndr_pkt_meta m;

	a->ip = false;
	if (!short_frame(f))
		return;
	ndr_parse_headers(f->data, f->caplen, &m);
	a->ip = m.kind == NDR_PKT_IP;
	if (!a->ip)
		return;
	(void)ndr_flow_key(&m, a->key);
	ndr_murmur3_32x2(a->key, NDR_FLOW_KEY_LEN, ft->seed, ft->seed ^ NDR_FLOW_SIG_SALT,
			 &a->hash, &a->sig);
	a->bucket = a->hash & ft->mask;
	__builtin_prefetch(&ft->mem.buckets[a->bucket]);
	__builtin_prefetch(&ft->mem.deadline[a->bucket]);
}

/* The entry the flow update will touch, as the header line in memory tells
 * (the forwarding windows may hold a newer line: then the guess is only
 * less useful): the way whose signature matches, else a free way (written
 * when its write leaves the forwarding window), else the least recently
 * used way (read, then evicted). */
static const struct ndr_flow_entry *guess_entry(const struct ndr_flow_table *ft,
						const struct ahead *a)
{
	if (!a->ip)
		return NULL;
	const struct ndr_flow_bucket *line = &ft->mem.buckets[a->bucket];
	uint32_t match = NDR_FLOW_WAYS, free_way = NDR_FLOW_WAYS, lru = 0;
	for (uint32_t way = 0; way < NDR_FLOW_WAYS; way++) {
		if (!(line->state[way] & NDR_FLOW_S_VALID)) {
			if (free_way == NDR_FLOW_WAYS)
				free_way = way;
			continue;
		}
		if (line->sig[way] == a->sig && match == NDR_FLOW_WAYS)
			match = way;
		if (line->last_ts[way] < line->last_ts[lru])
			lru = way;
	}
	uint32_t way = match != NDR_FLOW_WAYS ? match : free_way != NDR_FLOW_WAYS ? free_way : lru;
	return &ft->mem.entries[(size_t)a->bucket * NDR_FLOW_WAYS + way];
}

/* A macro, not a function: GCC takes a function whose only effect is a
 * prefetch for one without effects and drops its calls. */
#define prefetch_entry(e) do { \
	const uint8_t *p_ = (const uint8_t *)(e); \
	if (p_) { \
		for (size_t off_ = 0; off_ < sizeof(struct ndr_flow_entry); off_ += 64u) \
			__builtin_prefetch(p_ + off_); \
		__builtin_prefetch(p_ + sizeof(struct ndr_flow_entry) - 1u); \
	} \
} while (0)

/* The hash the lookahead computed becomes the hash unit's last result, so
 * the frame's own hash stage (ndr_flow_hash) finds its key there and does
 * not hash it again. Key and result always belong together, whichever
 * frame's key it is, so a wrong guess costs only the hash. */
static void hand_over(struct ndr_flow_table *ft, const struct ahead *a)
{
	if (!a->ip)
		return;
	memcpy(ft->key, a->key, NDR_FLOW_KEY_LEN);
	ft->hash = a->hash;
	ft->sig = a->sig;
}

void ndr_card_frames(struct ndr_card *card, const struct ndr_frame_ref *frames, unsigned n)
{
	const struct ndr_flow_table *ft = &card->top.flow;
	struct ahead ring[LINE_AHEAD];

	if (n == 0)
		return;

	/* The frame's first beat, where its headers are: the frames of a
	 * batch need not be contiguous, so the CPU's own prefetcher cannot
	 * guess them. */
	for (unsigned i = LINE_AHEAD; i < n && i < FRAME_AHEAD; i++) {
		if (short_frame(&frames[i]))
			__builtin_prefetch(frames[i].data);
	}
	for (unsigned i = 0; i < n && i < LINE_AHEAD; i++)
		issue_line(ft, &frames[i], &ring[i]);
	for (unsigned i = 0; i < n; i++) {
		if (i + ENTRY_AHEAD < n && i + ENTRY_AHEAD >= LINE_AHEAD)
			prefetch_entry(guess_entry(ft, &ring[(i + ENTRY_AHEAD) & (LINE_AHEAD - 1u)]));
		const struct ndr_frame_ref *f = &frames[i];
		hand_over(&card->top.flow, &ring[i & (LINE_AHEAD - 1u)]);
		ndr_card_frame(card, f->ts_ns, f->data, f->caplen, f->wirelen);
		if (i + LINE_AHEAD < n)
			issue_line(ft, &frames[i + LINE_AHEAD], &ring[i & (LINE_AHEAD - 1u)]);
		if (i + FRAME_AHEAD < n && short_frame(&frames[i + FRAME_AHEAD]))
			__builtin_prefetch(frames[i + FRAME_AHEAD].data);
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
