/*
 * source_pipes.c - the emulated card as several pipelines on threads of
 * their own: the software mode that uses the cores (docs/hardware.md
 * "Software mode").
 *
 * Each pipeline is a whole emulated card (ndr_card.h) with its slice of the
 * flow table (the buckets divided among the pipelines) and its own ring; a
 * flow lives on one pipeline, as a NIC's RSS keeps a flow on one queue:
 *   file  a reader thread takes the capture's frames in order, computes the
 *         card's symmetric flow hash (ndr_flow_hash.h) and queues each
 *         frame to its pipeline (ndr_spsc.h), numbered;
 *   live  each pipeline has its own libpcap handle on the interface, the
 *         handles joined in a PACKET_FANOUT group (the kernel's symmetric
 *         flow hash), and counts its own drops.
 *
 * The consumer drains the rings. For a file it does so in a fixed order,
 * so a replay is repeatable: after each frame a pipeline notes (a "mark")
 * how far its ring had filled, and the consumer takes the marked records
 * in frame order, a mark only once every pipeline has passed its frame.
 * A pipeline with no frame to do is told where the reader is (a "sync"),
 * so it never holds the others back. A capture file loses nothing: a
 * pipeline waits for room in its ring before each frame. Live, rings are
 * drained as they fill and a full ring drops, counted per pipeline.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ndr_bell.h"
#include "ndr_flow_hash.h"
#include "ndr_numa.h"
#include "ndr_source.h"
#include "ndr_spsc.h"

#define FRAME_QUEUE_BYTES (4u << 20)
#define MARK_QUEUE_BYTES  (1u << 20)
#define SYNC_EVERY        256u        /* frames between the reader's syncs */
#define SNAPSHOT_EVERY    1024u       /* frames between stats snapshots */
#define LIVE_WAIT_MS      100
#define END_INDEX         (UINT64_MAX - 1)

enum { MSG_FRAME = 1, MSG_SYNC, MSG_END };

struct frame_msg {
	uint32_t kind;
	uint32_t caplen;
	uint32_t wirelen;
	uint32_t pad;
	uint64_t index;             /* 1, 2, ... in file order */
	uint64_t ts_ns;
	/* the frame's bytes follow */
};

struct mark {
	uint64_t index;             /* the frame after which ... */
	uint32_t prod;              /* ... the ring had filled to here */
	uint32_t pad;
};

struct pipes;

struct pipe {
	struct pipes *s;
	unsigned id;
	pthread_t thread;
	int started;
	struct ndr_card *card;
	void *ring_mem;
	size_t ring_bytes;
	struct ndr_ring_ctrl *ctrl;        /* the card's */
	uint32_t log2_slots;
	struct ndr_ring_ctrl view;         /* what the consumer's reader sees */
	struct ndr_ring_reader reader;
	struct ndr_capture *cap;           /* live */
	struct ndr_spsc frames;            /* file: reader -> pipeline */
	struct ndr_bell frames_bell;
	struct ndr_spsc marks;             /* file: pipeline -> consumer */
	struct ndr_bell room;              /* rung when the consumer frees ring room */
	_Alignas(64) uint64_t progress;    /* file: every frame up to it is done */
	int ended;                         /* live: its capture stopped */
	/* statistics, copied out by the pipeline under the lock */
	pthread_mutex_t lock;
	struct ndr_card_stats card_stats;
	struct ndr_capture_stats cap_stats;
	char err[256];                     /* why the pipeline stopped early */
};

struct pipes {
	struct ndr_source base;
	unsigned n;
	int live;
	volatile int stop;
	struct ndr_bell consumer;          /* rung when a mark or progress arrives */
	/* file: the reader */
	struct ndr_capture *cap;
	pthread_t reader;
	int reader_started;
	uint32_t hash_seed;
	pthread_mutex_t lock;
	struct ndr_capture_stats cap_stats;
	char err[256];                     /* read error */
	int failed;
	struct pipe pipe[];
};

/* ---- the reader (file) ---- */

static void wake(struct pipe *p)
{
	ndr_spsc_publish(&p->frames);
	ndr_bell_ring(&p->frames_bell);
}

/* A sync, if there is room: "every frame up to index is given out". */
static void try_sync(struct pipe *p, uint64_t index)
{
	struct frame_msg *m = ndr_spsc_reserve(&p->frames, sizeof(*m));

	if (!m)
		return;            /* full: the pipeline is busy and will move on */
	memset(m, 0, sizeof(*m));
	m->kind = MSG_SYNC;
	m->index = index;
	ndr_spsc_push(&p->frames, sizeof(*m));
	wake(p);
}

static struct frame_msg *reserve_frame(struct pipes *s, unsigned to, size_t len, uint64_t index)
{
	struct pipe *p = &s->pipe[to];
	struct frame_msg *m;
	int synced = 0;

	while (!(m = ndr_spsc_reserve(&p->frames, len))) {
		uint32_t seen = ndr_bell_read(&p->room);

		wake(p);
		/* Before waiting, tell the others how far the file is read, so
		 * none of them holds the consumer back from this one's records. */
		if (!synced) {
			for (unsigned i = 0; i < s->n; i++)
				if (i != to)
					try_sync(&s->pipe[i], index - 1);
			synced = 1;
		}
		if (s->stop)
			return NULL;
		m = ndr_spsc_reserve(&p->frames, len);
		if (m)
			break;
		ndr_bell_wait(&p->room, seen, 10);
	}
	return m;
}

static void send_end(struct pipes *s, uint64_t index)
{
	for (unsigned i = 0; i < s->n; i++) {
		struct pipe *p = &s->pipe[i];
		struct frame_msg *m;

		while (!(m = ndr_spsc_reserve(&p->frames, sizeof(*m)))) {
			uint32_t seen = ndr_bell_read(&p->room);

			wake(p);
			if (ndr_spsc_reserve(&p->frames, sizeof(*m)))
				continue;
			ndr_bell_wait(&p->room, seen, 10);
		}
		memset(m, 0, sizeof(*m));
		m->kind = MSG_END;
		m->index = index;
		ndr_spsc_push(&p->frames, sizeof(*m));
		wake(p);
	}
}

static void *reader_main(void *arg)
{
	struct pipes *s = arg;
	uint64_t index = 0;
	struct ndr_frame f;
	char err[256];
	int rc = 0;   /* stopped before the first read: not a failure */

	while (!s->stop && (rc = ndr_capture_next(s->cap, &f, 0, err, sizeof(err))) == 1) {
		struct ndr_flow_tuple t;
		unsigned to = 0;
		struct frame_msg *m;

		index++;
		if (ndr_flow_tuple_of_frame(f.data, f.caplen, &t))
			to = (unsigned)(((uint64_t)ndr_flow_tuple_hash(&t, s->hash_seed) * s->n) >> 32);
		m = reserve_frame(s, to, sizeof(*m) + f.caplen, index);
		if (!m)
			break;
		m->kind = MSG_FRAME;
		m->caplen = f.caplen;
		m->wirelen = f.wirelen;
		m->index = index;
		m->ts_ns = f.ts_ns;
		memcpy(m + 1, f.data, f.caplen);
		ndr_spsc_push(&s->pipe[to].frames, sizeof(*m) + f.caplen);
		if (index % 32 == 0)
			wake(&s->pipe[to]);
		if (index % SYNC_EVERY == 0)
			for (unsigned i = 0; i < s->n; i++)
				try_sync(&s->pipe[i], index);
		if (index % SNAPSHOT_EVERY == 0) {
			pthread_mutex_lock(&s->lock);
			ndr_capture_get_stats(s->cap, &s->cap_stats);
			pthread_mutex_unlock(&s->lock);
		}
	}
	pthread_mutex_lock(&s->lock);
	ndr_capture_get_stats(s->cap, &s->cap_stats);
	if (rc < 0) {
		snprintf(s->err, sizeof(s->err), "%s", err);
		s->failed = 1;
	}
	pthread_mutex_unlock(&s->lock);
	send_end(s, index);
	return NULL;
}

/* ---- a pipeline ---- */

static void snapshot(struct pipe *p)
{
	pthread_mutex_lock(&p->lock);
	ndr_card_get_stats(p->card, &p->card_stats);
	if (p->cap)
		ndr_capture_get_stats(p->cap, &p->cap_stats);
	pthread_mutex_unlock(&p->lock);
}

/* After a frame: the ring's fill, for the consumer's ordered merge. */
static void put_mark(struct pipe *p, uint64_t index, uint32_t *last_prod)
{
	uint32_t prod = __atomic_load_n(&p->ctrl->prod, __ATOMIC_ACQUIRE);
	struct mark *mk;

	if (prod != *last_prod) {
		while (!(mk = ndr_spsc_reserve(&p->marks, sizeof(*mk)))) {
			uint32_t seen = ndr_bell_read(&p->room);

			ndr_spsc_publish(&p->marks);
			ndr_bell_ring(&p->s->consumer);
			if (ndr_spsc_reserve(&p->marks, sizeof(*mk)))
				continue;
			ndr_bell_wait(&p->room, seen, 10);
		}
		mk->index = index;
		mk->prod = prod;
		ndr_spsc_push(&p->marks, sizeof(*mk));
		ndr_spsc_publish(&p->marks);
		*last_prod = prod;
	}
	__atomic_store_n(&p->progress, index, __ATOMIC_RELEASE);
}

/* The consumer is told, and this pipeline waits a little for it to
 * make room in its ring. */
static void wait_room(struct pipe *p)
{
	uint32_t r = ndr_bell_read(&p->room);

	ndr_bell_ring(&p->s->consumer);
	ndr_bell_wait(&p->room, r, 10);
}

static uint64_t wall_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void *file_pipe_main(void *arg)
{
	struct pipe *p = arg;
	uint32_t last_prod = 0;
	unsigned frames = 0, since_release = 0;

	for (;;) {
		uint32_t seen = ndr_bell_read(&p->frames_bell);
		const struct frame_msg *m;
		size_t len;

		m = ndr_spsc_front(&p->frames, &len);
		if (!m) {
			ndr_spsc_release(&p->frames);
			since_release = 0;
			ndr_bell_ring(&p->room);       /* the reader may wait for room */
			ndr_bell_ring(&p->s->consumer);
			ndr_bell_wait(&p->frames_bell, seen, LIVE_WAIT_MS);
			continue;
		}
		if (m->kind == MSG_FRAME) {
			/* a file loses nothing: the lossless card stops where the
			 * ring is full and goes on from there when called again */
			while (ndr_card_frame(p->card, m->ts_ns, (const uint8_t *)(m + 1), m->caplen,
					      m->wirelen) == NDR_CARD_BUSY)
				wait_room(p);
			put_mark(p, m->index, &last_prod);
			if (++frames % SNAPSHOT_EVERY == 0)
				snapshot(p);
			if (frames % 64 == 0)
				ndr_bell_ring(&p->s->consumer);
		} else if (m->kind == MSG_SYNC) {
			if (m->index > p->progress)
				__atomic_store_n(&p->progress, m->index, __ATOMIC_RELEASE);
			ndr_bell_ring(&p->s->consumer);
		} else {
			/* The end: every frame is done here; once the consumer
			 * has taken the records (the ring holds a whole table),
			 * the table's flows, then nothing more. */
			if (m->index > p->progress)
				__atomic_store_n(&p->progress, m->index, __ATOMIC_RELEASE);
			while (ndr_card_flush(p->card) == NDR_CARD_BUSY && !p->s->stop)
				wait_room(p);
			put_mark(p, END_INDEX, &last_prod);
			snapshot(p);
			__atomic_store_n(&p->progress, UINT64_MAX, __ATOMIC_RELEASE);
			ndr_spsc_pop(&p->frames);
			ndr_spsc_release(&p->frames);
			ndr_bell_ring(&p->room);
			ndr_bell_ring(&p->s->consumer);
			return NULL;
		}
		ndr_spsc_pop(&p->frames);
		if (++since_release >= 32) {
			ndr_spsc_release(&p->frames);
			since_release = 0;
			ndr_bell_ring(&p->room);
		}
	}
}

static void *live_pipe_main(void *arg)
{
	struct pipe *p = arg;
	unsigned frames = 0;

	while (!p->s->stop) {
		struct ndr_frame f;
		char err[256];
		int rc = ndr_capture_next(p->cap, &f, LIVE_WAIT_MS, err, sizeof(err));

		if (rc == 2) {
			/* a quiet link: card time goes on with the wall clock */
			ndr_card_tick(p->card, wall_ns());
			continue;
		}
		if (rc != 1) {
			if (rc < 0) {
				pthread_mutex_lock(&p->lock);
				snprintf(p->err, sizeof(p->err), "%s", err);
				pthread_mutex_unlock(&p->lock);
			}
			break;
		}
		/* live: no waiting for room, a full ring drops and says so */
		ndr_card_frame(p->card, f.ts_ns, f.data, f.caplen, f.wirelen);
		if (++frames % 64 == 0) {
			ndr_bell_ring(&p->s->consumer);
			if (frames % SNAPSHOT_EVERY == 0)
				snapshot(p);
		}
	}
	ndr_card_flush(p->card);
	snapshot(p);
	__atomic_store_n(&p->ended, 1, __ATOMIC_RELEASE);
	ndr_bell_ring(&p->s->consumer);
	return NULL;
}

/* ---- the consumer ---- */

static void publish_cons(void *arg, uint32_t cons)
{
	struct pipe *p = arg;

	__atomic_store_n(&p->ctrl->cons, cons, __ATOMIC_RELEASE);
	ndr_bell_ring(&p->room);
}

static void sum_counters(struct pipes *s)
{
	struct ndr_ring_counters *c = &s->base.reader.c;

	memset(c, 0, sizeof(*c));
	for (unsigned i = 0; i < s->n; i++) {
		const struct ndr_ring_counters *x = &s->pipe[i].reader.c;

		c->records += x->records;
		for (unsigned t = 0; t < NDR_REC_TYPE_MAX; t++)
			c->by_type[t] += x->by_type[t];
		c->pads += x->pads;
		c->bad_records += x->bad_records;
		c->bad_slots += x->bad_slots;
		c->phase_errors += x->phase_errors;
		c->seq_gaps += x->seq_gaps;
		c->card_dropped += x->card_dropped;
		c->batches += x->batches;
	}
}

/* The next mark to take: the lowest frame number, if every pipeline has
 * passed it. */
static struct pipe *next_mark(struct pipes *s, const struct mark **out)
{
	uint64_t low = UINT64_MAX;
	struct pipe *best = NULL;
	const struct mark *bm = NULL;

	for (unsigned i = 0; i < s->n; i++) {
		uint64_t pr = __atomic_load_n(&s->pipe[i].progress, __ATOMIC_ACQUIRE);

		if (pr < low)
			low = pr;
	}
	for (unsigned i = 0; i < s->n; i++) {
		size_t len;
		const struct mark *m = ndr_spsc_front(&s->pipe[i].marks, &len);

		if (m && (!bm || m->index < bm->index)) {
			bm = m;
			best = &s->pipe[i];
		}
	}
	if (!bm || bm->index > low)
		return NULL;
	*out = bm;
	return best;
}

static size_t pipes_drain(struct ndr_source *base, ndr_record_fn fn, void *arg, size_t max)
{
	struct pipes *s = (struct pipes *)base;
	size_t handed = 0;

	if (s->live) {
		for (unsigned i = 0; i < s->n; i++) {
			struct pipe *p = &s->pipe[i];

			p->view.prod = __atomic_load_n(&p->ctrl->prod, __ATOMIC_ACQUIRE);
			handed += ndr_ring_drain(&p->reader, fn, arg, max ? max - handed : 0);
			if (max && handed >= max)
				break;
		}
	} else {
		const struct mark *m;
		struct pipe *p;

		while ((p = next_mark(s, &m))) {
			p->view.prod = m->prod;
			handed += ndr_ring_drain(&p->reader, fn, arg, 0);
			ndr_spsc_pop(&p->marks);
			ndr_spsc_release(&p->marks);
			ndr_bell_ring(&p->room);
			if (max && handed >= max)
				break;
		}
	}
	sum_counters(s);
	return handed;
}

static int all_done(struct pipes *s)
{
	for (unsigned i = 0; i < s->n; i++) {
		struct pipe *p = &s->pipe[i];
		size_t len;

		if (s->live) {
			if (!__atomic_load_n(&p->ended, __ATOMIC_ACQUIRE) ||
			    __atomic_load_n(&p->ctrl->prod, __ATOMIC_ACQUIRE) != p->reader.cons)
				return 0;
		} else if (__atomic_load_n(&p->progress, __ATOMIC_ACQUIRE) != UINT64_MAX ||
			   ndr_spsc_front(&p->marks, &len)) {
			return 0;
		}
	}
	return 1;
}

static int drainable(struct pipes *s)
{
	const struct mark *m;

	if (!s->live)
		return next_mark(s, &m) != NULL;
	for (unsigned i = 0; i < s->n; i++)
		if (__atomic_load_n(&s->pipe[i].ctrl->prod, __ATOMIC_ACQUIRE) !=
		    s->pipe[i].reader.cons)
			return 1;
	return 0;
}

static int pipes_pump(struct ndr_source *base, int timeout_ms, char *err, size_t errlen)
{
	struct pipes *s = (struct pipes *)base;

	for (int waited = 0;; waited = 1) {
		uint32_t seen = ndr_bell_read(&s->consumer);

		if (drainable(s))
			return NDR_SRC_RECORDS;
		if (all_done(s)) {
			pthread_mutex_lock(&s->lock);
			if (s->failed) {
				snprintf(err, errlen, "%s", s->err);
				s->failed = 0;
				pthread_mutex_unlock(&s->lock);
				return NDR_SRC_ERROR;
			}
			pthread_mutex_unlock(&s->lock);
			for (unsigned i = 0; i < s->n; i++) {
				if (s->pipe[i].err[0]) {
					snprintf(err, errlen, "%s", s->pipe[i].err);
					s->pipe[i].err[0] = '\0';
					return NDR_SRC_ERROR;
				}
			}
			return NDR_SRC_END;
		}
		if (waited)
			return NDR_SRC_IDLE;
		ndr_bell_wait(&s->consumer, seen, timeout_ms);
	}
}

static void pipes_stop(struct ndr_source *base)
{
	struct pipes *s = (struct pipes *)base;

	s->stop = 1;
	for (unsigned i = 0; i < s->n; i++)
		if (s->pipe[i].cap)
			ndr_capture_break(s->pipe[i].cap);
}

static void pipes_get_stats(struct ndr_source *base, struct ndr_source_stats *st)
{
	struct pipes *s = (struct pipes *)base;

	memset(st, 0, sizeof(*st));
	st->pipes = s->n;
	pthread_mutex_lock(&s->lock);
	st->capture = s->cap_stats;
	pthread_mutex_unlock(&s->lock);
	for (unsigned i = 0; i < s->n; i++) {
		struct pipe *p = &s->pipe[i];
		struct ndr_card_stats c;
		struct ndr_capture_stats k;

		pthread_mutex_lock(&p->lock);
		c = p->card_stats;
		k = p->cap_stats;
		pthread_mutex_unlock(&p->lock);
		st->card.frames += c.frames;
		st->card.beats += c.beats;
		st->card.bytes += c.bytes;
		st->card.parse_errors += c.parse_errors;
		st->card.non_ip += c.non_ip;
		st->card.dns_messages += c.dns_messages;
		st->card.dns_errors += c.dns_errors;
		st->card.flows_active += c.flows_active;
		st->card.flows_created += c.flows_created;
		st->card.flows_evicted += c.flows_evicted;
		st->card.records_written += c.records_written;
		for (unsigned t = 0; t < NDR_REC_TYPE_MAX; t++)
			st->card.records_by_type[t] += c.records_by_type[t];
		st->card.records_dropped += c.records_dropped;
		st->card.slots_written += c.slots_written;
		if (s->live) {
			st->capture.frames += k.frames;
			st->capture.unsupported += k.unsupported;
			st->capture.kernel_drops += k.kernel_drops;
			st->capture.down += k.down;
			st->capture.reopens += k.reopens;
			if (k.unsupported)
				st->capture.unsupported_linktype = k.unsupported_linktype;
		}
		if (i < NDR_SOURCE_MAX_PIPES) {
			st->pipe[i].frames = c.frames;
			st->pipe[i].records_dropped = c.records_dropped;
			st->pipe[i].kernel_drops = k.kernel_drops;
		}
	}
}

static void pipes_close(struct ndr_source *base)
{
	struct pipes *s = (struct pipes *)base;

	s->stop = 1;
	for (unsigned i = 0; i < s->n; i++) {
		struct pipe *p = &s->pipe[i];

		if (p->cap)
			ndr_capture_break(p->cap);
		/* let a pipeline waiting for ring room go */
		if (p->ctrl)
			__atomic_store_n(&p->ctrl->cons,
					 __atomic_load_n(&p->ctrl->prod, __ATOMIC_ACQUIRE),
					 __ATOMIC_RELEASE);
	}
	if (s->reader_started) {
		for (unsigned i = 0; i < s->n; i++)
			ndr_bell_ring(&s->pipe[i].room);
		pthread_join(s->reader, NULL);
	}
	for (unsigned i = 0; i < s->n; i++) {
		struct pipe *p = &s->pipe[i];

		if (p->started) {
			/* it may wait for ring room or marks room: keep freeing */
			while (pthread_tryjoin_np(p->thread, NULL) == EBUSY) {
				size_t len;

				if (p->ctrl)
					__atomic_store_n(&p->ctrl->cons,
							 __atomic_load_n(&p->ctrl->prod, __ATOMIC_ACQUIRE),
							 __ATOMIC_RELEASE);
				while (ndr_spsc_front(&p->marks, &len))
					ndr_spsc_pop(&p->marks);
				ndr_spsc_release(&p->marks);
				ndr_bell_ring(&p->room);
				ndr_bell_ring(&p->frames_bell);
				usleep(1000);
			}
		}
		if (p->card)
			ndr_card_free(p->card);
		if (p->cap)
			ndr_capture_close(p->cap);
		ndr_spsc_free(&p->frames);
		ndr_spsc_free(&p->marks);
		ndr_numa_free(p->ring_mem, p->ring_bytes);
		pthread_mutex_destroy(&p->lock);
	}
	if (s->cap)
		ndr_capture_close(s->cap);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static const struct ndr_source_ops pipes_ops = {
	.kind = "sim",
	.pump = pipes_pump,
	.stop = pipes_stop,
	.get_stats = pipes_get_stats,
	.close = pipes_close,
	.drain = pipes_drain,
};

/* log2 of the buckets of one pipeline's slice of the table. */
static uint32_t slice_log2(uint32_t log2_buckets, unsigned n)
{
	uint32_t l = log2_buckets;

	while (l > 4 && (1u << (log2_buckets - l)) < n)
		l--;
	return l;
}

static int open_pipe(struct pipes *s, struct pipe *p, const char *arg,
		     const struct ndr_source_opts *o, char *err, size_t errlen)
{
	struct ndr_card_cfg cfg = o->card;
	char why[512] = "";

	p->s = s;
	p->id = (unsigned)(p - s->pipe);
	pthread_mutex_init(&p->lock, NULL);
	cfg.log2_buckets = slice_log2(o->card.log2_buckets, s->n);
	p->log2_slots = o->ring_log2_slots ? o->ring_log2_slots
					   : ndr_source_default_log2_slots(&cfg);
	p->ring_bytes = ((size_t)NDR_SLOT_BYTES << p->log2_slots) + 4096;
	p->ring_mem = ndr_numa_alloc(p->ring_bytes, o->numa_node);
	if (!p->ring_mem) {
		snprintf(err, errlen, "%s: pipeline %u: cannot allocate a ring of %zu bytes",
			 s->base.desc, p->id, p->ring_bytes);
		return -1;
	}
	p->ctrl = (struct ndr_ring_ctrl *)((uint8_t *)p->ring_mem +
					   ((size_t)NDR_SLOT_BYTES << p->log2_slots));
	p->ctrl->log2_slots = p->log2_slots;
	p->ctrl->abi_version = NDR_ABI_VERSION;
	cfg.lossless = !s->live;    /* a file waits for the consumer; a link cannot */
	p->card = ndr_card_new(&cfg, p->ring_mem, p->log2_slots, p->ctrl, why, sizeof(why));
	if (!p->card) {
		snprintf(err, errlen, "%s: pipeline %u: emulated card: %s", s->base.desc, p->id,
			 why);
		return -1;
	}
	p->ctrl->state = NDR_RING_STATE_RUNNING;
	p->view = *p->ctrl;
	ndr_ring_reader_init(&p->reader, p->ring_mem, p->log2_slots, &p->view, o->batch_slots);
	p->reader.publish = publish_cons;
	p->reader.publish_arg = p;
	if (s->live) {
		p->cap = ndr_capture_open_live_opts(arg, &o->capture, why, sizeof(why));
		if (!p->cap || ndr_capture_fanout(p->cap, (uint16_t)(getpid() & 0xffff), why,
						  sizeof(why)) != 0) {
			snprintf(err, errlen, "%s", why);
			return -1;
		}
	} else if (ndr_spsc_init(&p->frames, FRAME_QUEUE_BYTES) != 0 ||
		   ndr_spsc_init(&p->marks, MARK_QUEUE_BYTES) != 0) {
		snprintf(err, errlen, "%s: pipeline %u: out of memory", s->base.desc, p->id);
		return -1;
	}
	return 0;
}

struct ndr_source *ndr_source_pipes_open(const char *what, const char *arg,
					 const struct ndr_source_opts *o,
					 char *err, size_t errlen)
{
	unsigned n = o->pipelines;
	struct pipes *s;
	char why[512] = "";

	if (n < 2 || n > NDR_SOURCE_MAX_PIPES) {
		snprintf(err, errlen, "sim:%s:%s: %u pipelines, expected 2..%u", what, arg, n,
			 NDR_SOURCE_MAX_PIPES);
		return NULL;
	}
	s = calloc(1, sizeof(*s) + n * sizeof(struct pipe));
	if (!s) {
		snprintf(err, errlen, "sim: out of memory");
		return NULL;
	}
	s->base.ops = &pipes_ops;
	s->base.numa_node = o->numa_node;
	s->n = n;
	s->live = strcmp(what, "live") == 0;
	s->base.replay = !s->live;
	s->base.threads = n + (s->live ? 0 : 1);
	s->hash_seed = o->card.hash_seed;
	pthread_mutex_init(&s->lock, NULL);
	snprintf(s->base.desc, sizeof(s->base.desc), "sim:%s:%s", what, arg);
	for (unsigned i = 0; i < n; i++) {
		if (open_pipe(s, &s->pipe[i], arg, o, err, errlen) != 0)
			goto fail;
	}
	if (!s->live) {
		s->cap = ndr_capture_open_file_opts(arg, &o->capture, why, sizeof(why));
		if (!s->cap) {
			snprintf(err, errlen, "%s", why);
			goto fail;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		struct pipe *p = &s->pipe[i];

		if (pthread_create(&p->thread, NULL, s->live ? live_pipe_main : file_pipe_main,
				   p) != 0) {
			snprintf(err, errlen, "%s: cannot start pipeline %u", s->base.desc, i);
			goto fail;
		}
		p->started = 1;
	}
	if (!s->live) {
		if (pthread_create(&s->reader, NULL, reader_main, s) != 0) {
			snprintf(err, errlen, "%s: cannot start the capture reader", s->base.desc);
			goto fail;
		}
		s->reader_started = 1;
	}
	return &s->base;
fail:
	pipes_close(&s->base);
	return NULL;
}
