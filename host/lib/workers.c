/*
 * workers.c - detectors on worker threads, one ordered writer
 * (ndr_workers.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ndr_bell.h"
#include "ndr_detector.h"
#include "ndr_spsc.h"
#include "ndr_workers.h"

#define MAX_DETECTORS   32u
#define PUBLISH_EVERY   64u       /* messages between publishes */
#define RELEASE_EVERY   32u       /* messages between a worker's releases */
#define IDLE_WAIT_MS    100

enum msg_kind { MSG_RECORD = 1, MSG_TICK, MSG_SAVE, MSG_PAUSE, MSG_STOP };

struct msg {
	uint32_t kind;
	uint32_t mask;             /* detectors that want the record */
	uint64_t seq;              /* position in the stream */
	uint64_t now_ns;           /* tick */
	const char *dir;           /* save */
	/* MSG_RECORD: the record follows */
};

/* An alert as the writer keeps it until its turn: a deep copy. */
struct pending {
	struct pending *next;
	uint64_t seq;
	uint32_t det;
	uint64_t order;            /* emission order on its worker */
	struct ndr_alert a;        /* strings point into text[] */
	char text[];
};

struct worker {
	struct ndr_workers *pool;
	unsigned id;
	pthread_t thread;
	int started;
	struct ndr_spsc in;
	struct ndr_bell bell;                /* rung when the consumer publishes */
	_Alignas(64) uint64_t done;          /* seq of the last message processed */
	_Alignas(64) uint64_t sent;          /* consumer: seq of the last message pushed */
	unsigned unpublished;
	void *inst[MAX_DETECTORS];           /* NULL where the detector has no instance */
	struct ndr_alert_sink sink;
	/* what the worker is processing, for tagging alerts */
	uint64_t cur_seq;
	unsigned cur_det;
	uint64_t order;
	/* alerts handed to the writer */
	pthread_mutex_t lock;
	struct pending *head, *tail;
	/* state save answer */
	int save_failed;
	char save_err[512];
};

/* A record waiting to be written as an event. */
struct rec_event {
	uint64_t seq;
	uint32_t bytes;
	/* read as a record: aligned as a slot in the ring is */
	_Alignas(NDR_SLOT_BYTES) uint8_t data[NDR_REC_MAX_SLOTS * NDR_SLOT_BYTES];
};

struct ndr_workers {
	unsigned n;
	unsigned nd;                              /* detectors */
	const struct ndr_detector_ops *ops[MAX_DETECTORS];
	int home[MAX_DETECTORS];                  /* worker of a one-instance detector, else -1 */
	const void *router[MAX_DETECTORS];        /* an instance for shard() */
	uint32_t all_mask;
	struct ndr_workers_out out;
	/* the pause (ndr_workers_pause): workers wait in it until gen moves */
	pthread_mutex_t pause_lock;
	pthread_cond_t pause_cond;
	unsigned paused;
	uint64_t pause_gen;
	struct ndr_bell room;                     /* rung by workers when they free room */
	uint64_t seq;                             /* last seq given */
	int running, finished;
	uint64_t alerts;
	/* the writer */
	struct pending **ready;                   /* alerts collected, not yet written */
	size_t n_ready, cap_ready;
	struct rec_event *events;                 /* ring of records as events */
	size_t ev_head, ev_count, ev_cap;
	struct worker wk[];
};

/* ---- the worker side ---- */

static size_t str_need(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static const char *str_put(char **p, const char *s)
{
	char *at = *p;

	if (!s)
		return NULL;
	strcpy(at, s);
	*p += strlen(s) + 1;
	return at;
}

/* The sink of every instance on a worker: copy the alert for the writer. */
static void worker_emit(void *arg, const struct ndr_alert *a)
{
	struct worker *wk = arg;
	size_t need = str_need(a->category) + str_need(a->signature) + str_need(a->entity);
	struct pending *p;
	char *t;

	for (unsigned i = 0; i < NDR_ALERT_MAX_MITRE && a->mitre[i]; i++)
		need += str_need(a->mitre[i]);
	p = malloc(sizeof(*p) + need);
	if (!p) {
		fprintf(stderr, "ndr: out of memory keeping an alert of %s\n", a->category);
		return;
	}
	p->next = NULL;
	p->seq = wk->cur_seq;
	p->det = wk->cur_det;
	p->order = wk->order++;
	p->a = *a;
	t = p->text;
	p->a.category = str_put(&t, a->category);
	p->a.signature = str_put(&t, a->signature);
	p->a.entity = str_put(&t, a->entity);
	for (unsigned i = 0; i < NDR_ALERT_MAX_MITRE && a->mitre[i]; i++)
		p->a.mitre[i] = str_put(&t, a->mitre[i]);
	p->a.evidence = a->evidence ? json_deep_copy(a->evidence) : NULL;
	pthread_mutex_lock(&wk->lock);
	if (wk->tail)
		wk->tail->next = p;
	else
		wk->head = p;
	wk->tail = p;
	pthread_mutex_unlock(&wk->lock);
}

static void free_pending(struct pending *p)
{
	json_decref(p->a.evidence);
	free(p);
}

static void handle(struct worker *wk, const struct msg *m)
{
	struct ndr_workers *w = wk->pool;

	wk->cur_seq = m->seq;
	switch (m->kind) {
	case MSG_RECORD: {
		const struct ndr_rec_hdr *rec = (const struct ndr_rec_hdr *)(m + 1);

		for (unsigned d = 0; d < w->nd; d++) {
			if (!(m->mask & (1u << d)) || !wk->inst[d])
				continue;
			wk->cur_det = d;
			w->ops[d]->record(wk->inst[d], rec, &wk->sink);
		}
		break;
	}
	case MSG_TICK:
		for (unsigned d = 0; d < w->nd; d++) {
			if (!wk->inst[d])
				continue;
			wk->cur_det = d;
			w->ops[d]->tick(wk->inst[d], m->now_ns, &wk->sink);
		}
		break;
	case MSG_SAVE:
		wk->save_failed = 0;
		for (unsigned d = 0; d < w->nd; d++) {
			char why[400] = "";

			if (!wk->inst[d] || !w->ops[d]->state_save)
				continue;
			if (w->ops[d]->state_save(wk->inst[d], m->dir, why, sizeof(why))) {
				snprintf(wk->save_err, sizeof(wk->save_err), "%s: saving state in %s: %s",
					 w->ops[d]->name, m->dir, why);
				wk->save_failed = 1;
			}
		}
		break;
	case MSG_PAUSE:
		/* the consumer reads or reconfigures the detectors meanwhile */
		pthread_mutex_lock(&w->pause_lock);
		w->paused++;
		pthread_cond_broadcast(&w->pause_cond);
		while (w->pause_gen == m->now_ns)
			pthread_cond_wait(&w->pause_cond, &w->pause_lock);
		pthread_mutex_unlock(&w->pause_lock);
		break;
	default:
		break;
	}
}

/* The detectors' prefetch for a record some messages ahead (ndr_detector.h). */
static void prefetch_record(struct worker *wk, const struct msg *m)
{
	const struct ndr_rec_hdr *rec = (const struct ndr_rec_hdr *)(m + 1);
	struct ndr_workers *w = wk->pool;

	for (unsigned d = 0; d < w->nd; d++)
		if ((m->mask & (1u << d)) && wk->inst[d] && w->ops[d]->prefetch)
			w->ops[d]->prefetch(wk->inst[d], rec);
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	unsigned since_release = 0;
	uint64_t ahead_pos = 0;   /* the next message to prefetch for */
	unsigned ahead = 0;       /* messages from the front to ahead_pos */

	for (;;) {
		uint32_t seen = ndr_bell_read(&wk->bell);
		const struct msg *m;
		size_t len;
		int stop;

		m = ndr_spsc_front(&wk->in, &len);
		if (!m) {
			ndr_spsc_release(&wk->in);
			since_release = 0;
			ndr_bell_ring(&wk->pool->room);
			ndr_bell_wait(&wk->bell, seen, IDLE_WAIT_MS);
			continue;
		}
		/* the records up to NDR_DET_PREFETCH_AHEAD after this one */
		while (ahead <= NDR_DET_PREFETCH_AHEAD) {
			size_t next_len;
			const struct msg *next = ndr_spsc_peek(&wk->in, &ahead_pos, &next_len);

			if (!next)
				break;
			if (ahead++ > 0 && next->kind == MSG_RECORD)
				prefetch_record(wk, next);
		}
		handle(wk, m);
		stop = m->kind == MSG_STOP;
		/* alerts are queued (under the lock) before done moves */
		__atomic_store_n(&wk->done, m->seq, __ATOMIC_RELEASE);
		ndr_spsc_pop(&wk->in);
		if (ahead)
			ahead--;
		if (++since_release >= RELEASE_EVERY || stop) {
			ndr_spsc_release(&wk->in);
			since_release = 0;
			ndr_bell_ring(&wk->pool->room);
		}
		if (stop)
			break;
	}
	return NULL;
}

/* ---- setting up ---- */

void ndr_workers_free(struct ndr_workers *w)
{
	if (!w)
		return;
	if (w->running)
		ndr_workers_finish(w);
	for (unsigned i = 0; i < w->n; i++) {
		struct worker *wk = &w->wk[i];
		struct pending *p = wk->head, *next;

		for (unsigned d = 0; d < w->nd; d++)
			if (wk->inst[d])
				w->ops[d]->destroy(wk->inst[d]);
		for (; p; p = next) {
			next = p->next;
			free_pending(p);
		}
		ndr_spsc_free(&wk->in);
		pthread_mutex_destroy(&wk->lock);
	}
	for (size_t i = 0; i < w->n_ready; i++)
		free_pending(w->ready[i]);
	free(w->ready);
	free(w->events);
	pthread_mutex_destroy(&w->pause_lock);
	pthread_cond_destroy(&w->pause_cond);
	free(w);
}

struct ndr_workers *ndr_workers_new(struct ndr_config *cfg, const struct ndr_workers_opts *o,
				    const struct ndr_workers_out *out, char *err, size_t errlen)
{
	unsigned n = o->workers, nd = 0;
	struct ndr_workers *w;

	if (n < 1 || n > NDR_WORKERS_MAX) {
		snprintf(err, errlen, "workers: %u is outside 1..%u", n, NDR_WORKERS_MAX);
		return NULL;
	}
	while (ndr_detectors[nd])
		nd++;
	if (nd > MAX_DETECTORS) {
		snprintf(err, errlen, "workers: %u detectors, at most %u", nd, MAX_DETECTORS);
		return NULL;
	}
	w = calloc(1, sizeof(*w) + n * sizeof(struct worker));
	if (!w) {
		snprintf(err, errlen, "workers: out of memory");
		return NULL;
	}
	w->n = n;
	w->nd = nd;
	w->out = *out;
	pthread_mutex_init(&w->pause_lock, NULL);
	pthread_cond_init(&w->pause_cond, NULL);
	/* jansson picks its hash seed once; do it before threads make objects */
	json_object_seed(0);
	for (unsigned i = 0; i < n; i++) {
		struct worker *wk = &w->wk[i];

		wk->pool = w;
		wk->id = i;
		wk->sink.emit = worker_emit;
		wk->sink.arg = wk;
		pthread_mutex_init(&wk->lock, NULL);
		if (ndr_spsc_init(&wk->in, o->queue_bytes ? o->queue_bytes
							  : NDR_WORKERS_QUEUE_BYTES) != 0) {
			w->n = i + 1;
			snprintf(err, errlen, "workers: out of memory for worker %u's queue", i);
			goto fail;
		}
	}
	for (unsigned d = 0; d < nd; d++) {
		const struct ndr_detector_ops *ops = ndr_detectors[d];
		int one = (ops->flags & NDR_DET_ONE_INSTANCE) != 0;

		w->ops[d] = ops;
		w->all_mask |= 1u << d;
		/* one-instance detectors spread over the workers by their place */
		w->home[d] = one ? (int)(d % n) : -1;
		for (unsigned i = 0; i < n; i++) {
			struct ndr_detector_ctx ctx = {
				.shard = one ? 0 : i, .shards = one ? 1 : n, .seed = o->seed,
			};
			char why[512] = "";

			if (one && (int)i != w->home[d])
				continue;
			w->wk[i].inst[d] = ops->create(cfg, &ctx, why, sizeof(why));
			if (!w->wk[i].inst[d]) {
				snprintf(err, errlen, "detector %s: %s", ops->name, why);
				goto fail;
			}
			if (!w->router[d])
				w->router[d] = w->wk[i].inst[d];
		}
	}
	return w;
fail:
	ndr_workers_free(w);
	return NULL;
}

int ndr_workers_state_load(struct ndr_workers *w, const char *dir, int quiet,
			   char *err, size_t errlen)
{
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "--state %s: cannot create the directory: %s", dir,
			 strerror(errno));
		return -1;
	}
	for (unsigned d = 0; d < w->nd; d++) {
		for (unsigned i = 0; i < w->n; i++) {
			char why[512] = "";
			void *inst = w->wk[i].inst[d];
			int rc;

			if (!inst || !w->ops[d]->state_load)
				continue;
			rc = w->ops[d]->state_load(inst, dir, why, sizeof(why));
			/* A rejected baseline is not fatal: the detector
			 * relearns, and the operator is told why. */
			if (rc < 0)
				fprintf(stderr, "ndr-sensor: warning: %s: saved state rejected, "
					"learning again: %s\n", w->ops[d]->name, why);
			else if (!quiet)
				fprintf(stderr, "ndr-sensor: %s: %s\n", w->ops[d]->name,
					rc ? "baseline loaded" : "no saved baseline yet, learning");
		}
	}
	return 0;
}

int ndr_workers_start(struct ndr_workers *w, char *err, size_t errlen)
{
	for (unsigned i = 0; i < w->n; i++) {
		int rc = pthread_create(&w->wk[i].thread, NULL, worker_main, &w->wk[i]);

		if (rc != 0) {
			snprintf(err, errlen, "workers: cannot start worker %u: %s", i, strerror(rc));
			w->running = 1;
			ndr_workers_finish(w);
			return -1;
		}
		w->wk[i].started = 1;
	}
	w->running = 1;
	return 0;
}

/* ---- the consumer side: dispatch ---- */

static void publish(struct worker *wk)
{
	if (!wk->unpublished)
		return;
	ndr_spsc_publish(&wk->in);
	wk->unpublished = 0;
	ndr_bell_ring(&wk->bell);
}

static void collect(struct ndr_workers *w);

/* Room in a worker's queue, waiting for it if needed. */
static struct msg *reserve(struct ndr_workers *w, struct worker *wk, size_t len)
{
	struct msg *m;

	while (!(m = ndr_spsc_reserve(&wk->in, len))) {
		uint32_t seen = ndr_bell_read(&w->room);

		publish(wk);
		m = ndr_spsc_reserve(&wk->in, len);
		if (m)
			break;
		ndr_bell_wait(&w->room, seen, IDLE_WAIT_MS);
	}
	return m;
}

static void push(struct ndr_workers *w, struct worker *wk, struct msg *m, size_t len)
{
	ndr_spsc_push(&wk->in, len);
	wk->sent = m->seq;
	if (++wk->unpublished >= PUBLISH_EVERY)
		publish(wk);
	(void)w;
}

static void send_record(struct ndr_workers *w, unsigned i, uint32_t mask,
			const struct ndr_rec_hdr *rec)
{
	size_t bytes = (size_t)rec->slots * NDR_SLOT_BYTES;
	struct worker *wk = &w->wk[i];
	struct msg *m = reserve(w, wk, sizeof(*m) + bytes);

	m->kind = MSG_RECORD;
	m->mask = mask;
	m->seq = w->seq;
	memcpy(m + 1, rec, bytes);
	push(w, wk, m, sizeof(*m) + bytes);
}

static void send_control(struct ndr_workers *w, unsigned i, enum msg_kind kind,
			 uint64_t now_ns, const char *dir)
{
	struct worker *wk = &w->wk[i];
	struct msg *m = reserve(w, wk, sizeof(*m));

	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->seq = w->seq;
	m->now_ns = now_ns;
	m->dir = dir;
	push(w, wk, m, sizeof(*m));
}

int ndr_workers_route(const struct ndr_workers *w, unsigned det, const struct ndr_rec_hdr *rec)
{
	uint64_t key;

	if (det >= w->nd)
		return -1;
	key = w->ops[det]->shard(w->router[det], rec);
	if (key == NDR_SHARD_SKIP)
		return -1;
	if (w->home[det] >= 0)
		return w->home[det];
	return (int)ndr_shard_of(key, w->n);
}

uint64_t ndr_workers_shard_key(void *w, unsigned det, const struct ndr_rec_hdr *rec)
{
	const struct ndr_workers *ws = w;

	return det < ws->nd ? ws->ops[det]->shard(ws->router[det], rec) : NDR_SHARD_SKIP;
}

static int is_event(const struct ndr_rec_hdr *rec)
{
	return rec->type == NDR_REC_FLOW || rec->type == NDR_REC_DNS || rec->type == NDR_REC_TLS;
}

static void keep_event(struct ndr_workers *w, const struct ndr_rec_hdr *rec)
{
	struct rec_event *e;

	if (w->ev_count == w->ev_cap) {
		size_t cap = w->ev_cap ? w->ev_cap * 2 : 1024;
		struct rec_event *more = malloc(cap * sizeof(*more));

		if (!more) {
			fprintf(stderr, "ndr: out of memory keeping a record event\n");
			return;
		}
		for (size_t i = 0; i < w->ev_count; i++)
			more[i] = w->events[(w->ev_head + i) % w->ev_cap];
		free(w->events);
		w->events = more;
		w->ev_cap = cap;
		w->ev_head = 0;
	}
	e = &w->events[(w->ev_head + w->ev_count) % w->ev_cap];
	e->seq = w->seq;
	e->bytes = (uint32_t)rec->slots * NDR_SLOT_BYTES;
	memcpy(e->data, rec, e->bytes);
	w->ev_count++;
}

void ndr_workers_record(struct ndr_workers *w, const struct ndr_rec_hdr *rec)
{
	uint32_t mask[NDR_WORKERS_MAX];
	unsigned used[MAX_DETECTORS], n_used = 0;
	uint64_t keys[MAX_DETECTORS];

	w->seq++;
	if (w->out.record && is_event(rec))
		keep_event(w, rec);
	if (w->n == 1) {
		/* one worker: every detector sees every record, as it always
		 * did; record() ignores what it does not use */
		send_record(w, 0, w->all_mask, rec);
		return;
	}
	for (unsigned d = 0; d < w->nd; d++) {
		uint64_t (*fn)(const void *, const struct ndr_rec_hdr *) = w->ops[d]->shard;
		uint64_t key = NDR_SHARD_SKIP;
		unsigned k;
		int i;

		/* the east-west detectors share one shard(): once a record */
		for (k = 0; k < d && w->ops[k]->shard != fn; k++)
			;
		key = k < d ? keys[k] : fn(w->router[d], rec);
		keys[d] = key;
		if (key == NDR_SHARD_SKIP)
			continue;
		i = w->home[d] >= 0 ? w->home[d] : (int)ndr_shard_of(key, w->n);
		for (k = 0; k < n_used && used[k] != (unsigned)i; k++)
			;
		if (k == n_used) {
			used[n_used++] = (unsigned)i;
			mask[i] = 0;
		}
		mask[i] |= 1u << d;
	}
	for (unsigned k = 0; k < n_used; k++)
		send_record(w, used[k], mask[used[k]], rec);
}

void ndr_workers_tick(struct ndr_workers *w, uint64_t now_ns)
{
	w->seq++;
	for (unsigned i = 0; i < w->n; i++)
		send_control(w, i, MSG_TICK, now_ns, NULL);
}

/* ---- the writer ---- */

static void collect(struct ndr_workers *w)
{
	for (unsigned i = 0; i < w->n; i++) {
		struct worker *wk = &w->wk[i];
		struct pending *p, *next;

		pthread_mutex_lock(&wk->lock);
		p = wk->head;
		wk->head = wk->tail = NULL;
		pthread_mutex_unlock(&wk->lock);
		for (; p; p = next) {
			next = p->next;
			if (w->n_ready == w->cap_ready) {
				size_t cap = w->cap_ready ? w->cap_ready * 2 : 256;
				struct pending **more = realloc(w->ready, cap * sizeof(*more));

				if (!more) {
					fprintf(stderr, "ndr: out of memory ordering alerts\n");
					free_pending(p);
					continue;
				}
				w->ready = more;
				w->cap_ready = cap;
			}
			w->ready[w->n_ready++] = p;
		}
	}
}

/* Every message up to this seq is processed by every worker. */
static uint64_t watermark(struct ndr_workers *w)
{
	uint64_t low = w->seq;

	for (unsigned i = 0; i < w->n; i++) {
		uint64_t done = __atomic_load_n(&w->wk[i].done, __ATOMIC_ACQUIRE);

		/* caught up: nothing of it is pending, whatever comes next
		 * comes after w->seq */
		if (done != w->wk[i].sent && done < low)
			low = done;
	}
	return low;
}

static int cmp_pending(const void *x, const void *y)
{
	const struct pending *a = *(const struct pending *const *)x;
	const struct pending *b = *(const struct pending *const *)y;
	int c;

	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	if (a->det != b->det)
		return a->det < b->det ? -1 : 1;
	if (a->a.ts_ns != b->a.ts_ns)
		return a->a.ts_ns < b->a.ts_ns ? -1 : 1;
	c = strcmp(a->a.entity ? a->a.entity : "", b->a.entity ? b->a.entity : "");
	if (c)
		return c;
	return a->order < b->order ? -1 : a->order > b->order;
}

static void write_event(struct ndr_workers *w, const struct rec_event *e)
{
	w->out.record(w->out.arg, (const struct ndr_rec_hdr *)e->data);
}

/* Writes every alert and event up to seq upto, in stream order. */
static void write_upto(struct ndr_workers *w, uint64_t upto)
{
	size_t n = 0, k = 0;

	/* the final ones to the front, in order */
	for (size_t i = 0; i < w->n_ready; i++) {
		if (w->ready[i]->seq <= upto) {
			struct pending *t = w->ready[n];

			w->ready[n++] = w->ready[i];
			w->ready[i] = t;
		}
	}
	if (n > 1)   /* qsort's base may not be NULL, and ready is until the first alert */
		qsort(w->ready, n, sizeof(*w->ready), cmp_pending);
	for (;;) {
		const struct rec_event *e = w->ev_count ? &w->events[w->ev_head] : NULL;
		/* an alert goes before the record that raised it, as Suricata logs an
		 * alert before its flow: so the flow event can say flow.alerted */
		int take_event = e && e->seq <= upto && (k == n || e->seq < w->ready[k]->seq);

		if (take_event) {
			write_event(w, e);
			w->ev_head = (w->ev_head + 1) % w->ev_cap;
			w->ev_count--;
			continue;
		}
		if (k == n)
			break;
		w->out.alert(w->out.arg, &w->ready[k]->a);
		w->alerts++;
		free_pending(w->ready[k]);
		k++;
	}
	if (n) {
		memmove(w->ready, w->ready + n, (w->n_ready - n) * sizeof(*w->ready));
		w->n_ready -= n;
	}
}

void ndr_workers_poll(struct ndr_workers *w)
{
	uint64_t upto;

	for (unsigned i = 0; i < w->n; i++)
		publish(&w->wk[i]);
	/* the watermark first: every alert of a message up to it was queued
	 * before the worker said it was done, so collecting afterwards finds
	 * them all */
	upto = watermark(w);
	collect(w);
	write_upto(w, upto);
}

static void wait_all_done(struct ndr_workers *w, uint64_t seq)
{
	for (;;) {
		uint32_t seen = ndr_bell_read(&w->room);
		int all = 1;

		for (unsigned i = 0; i < w->n; i++) {
			uint64_t done;

			publish(&w->wk[i]);
			done = __atomic_load_n(&w->wk[i].done, __ATOMIC_ACQUIRE);
			if (done < seq && done != w->wk[i].sent)
				all = 0;
		}
		if (all)
			return;
		ndr_workers_poll(w);
		ndr_bell_wait(&w->room, seen, 10);
	}
}

void ndr_workers_sync(struct ndr_workers *w)
{
	if (!w->running)
		return;
	wait_all_done(w, w->seq);
	ndr_workers_poll(w);
}

int ndr_workers_state_save(struct ndr_workers *w, const char *dir, char *err, size_t errlen)
{
	int status = 0;

	if (!w->running) {
		for (unsigned d = 0; d < w->nd; d++) {
			for (unsigned i = 0; i < w->n; i++) {
				char why[400] = "";
				void *inst = w->wk[i].inst[d];

				if (!inst || !w->ops[d]->state_save)
					continue;
				if (w->ops[d]->state_save(inst, dir, why, sizeof(why))) {
					snprintf(err, errlen, "%s: saving state in %s: %s",
						 w->ops[d]->name, dir, why);
					status = -1;
				}
			}
		}
		return status;
	}
	/* on each worker, after what it was given: the workers own the
	 * detectors while they run */
	w->seq++;
	for (unsigned i = 0; i < w->n; i++)
		send_control(w, i, MSG_SAVE, 0, dir);
	wait_all_done(w, w->seq);
	for (unsigned i = 0; i < w->n; i++) {
		if (w->wk[i].save_failed) {
			snprintf(err, errlen, "%s", w->wk[i].save_err);
			status = -1;
		}
	}
	return status;
}

void ndr_workers_finish(struct ndr_workers *w)
{
	if (!w->running)
		return;
	w->seq++;
	for (unsigned i = 0; i < w->n; i++) {
		if (!w->wk[i].started)
			continue;
		send_control(w, i, MSG_STOP, 0, NULL);
		publish(&w->wk[i]);
	}
	for (unsigned i = 0; i < w->n; i++) {
		if (w->wk[i].started)
			pthread_join(w->wk[i].thread, NULL);
		w->wk[i].started = 0;
	}
	w->running = 0;
	collect(w);
	write_upto(w, UINT64_MAX);
}

/* ---- the pause: the detectors read or changed between two records ---- */

void ndr_workers_pause(struct ndr_workers *w)
{
	uint64_t gen;

	if (!w->running)
		return;
	pthread_mutex_lock(&w->pause_lock);
	gen = w->pause_gen;
	w->paused = 0;
	pthread_mutex_unlock(&w->pause_lock);
	w->seq++;
	for (unsigned i = 0; i < w->n; i++) {
		send_control(w, i, MSG_PAUSE, gen, NULL);
		publish(&w->wk[i]);
	}
	pthread_mutex_lock(&w->pause_lock);
	while (w->paused < w->n)
		pthread_cond_wait(&w->pause_cond, &w->pause_lock);
	pthread_mutex_unlock(&w->pause_lock);
}

void ndr_workers_resume(struct ndr_workers *w)
{
	if (!w->running)
		return;
	pthread_mutex_lock(&w->pause_lock);
	w->pause_gen++;
	pthread_cond_broadcast(&w->pause_cond);
	pthread_mutex_unlock(&w->pause_lock);
}

void ndr_workers_stats_each(struct ndr_workers *w, ndr_workers_stats_fn fn, void *arg)
{
	ndr_workers_pause(w);
	for (unsigned d = 0; d < w->nd; d++) {
		const struct ndr_stats *st[NDR_WORKERS_MAX];
		size_t k = 0;

		for (unsigned i = 0; i < w->n; i++)
			if (w->wk[i].inst[d])
				st[k++] = w->ops[d]->stats(w->wk[i].inst[d]);
		fn(arg, w->ops[d]->name, st, k);
	}
	ndr_workers_resume(w);
}

static void stats_json_one(void *arg, const char *name, const struct ndr_stats *const *inst,
			   size_t n)
{
	json_t *one = json_object();

	ndr_stats_json(inst, n, one);
	json_object_set_new(arg, name, one);
}

json_t *ndr_workers_stats(struct ndr_workers *w)
{
	json_t *all = json_object();

	ndr_workers_stats_each(w, stats_json_one, all);
	return all;
}

/* Fresh instances from cfg where ctx says, one per live instance of d. */
static int fresh_instances(struct ndr_workers *w, unsigned d, struct ndr_config *cfg,
			   uint64_t seed, void **fresh, char *err, size_t errlen)
{
	const struct ndr_detector_ops *ops = w->ops[d];
	int one = (ops->flags & NDR_DET_ONE_INSTANCE) != 0;

	for (unsigned i = 0; i < w->n; i++) {
		struct ndr_detector_ctx ctx = {
			.shard = one ? 0 : i, .shards = one ? 1 : w->n, .seed = seed,
		};
		char why[512] = "";

		fresh[i] = NULL;
		if (!w->wk[i].inst[d])
			continue;
		fresh[i] = ops->create(cfg, &ctx, why, sizeof(why));
		if (!fresh[i]) {
			snprintf(err, errlen, "detector %s: %s", ops->name, why);
			return -1;
		}
	}
	return 0;
}

int ndr_workers_reconfigure(struct ndr_workers *w, struct ndr_config *cfg, uint64_t seed,
			    uint32_t changed_mask, int apply_it, char *err, size_t errlen)
{
	void **fresh = calloc((size_t)w->nd * w->n, sizeof(void *));
	int status = 0;

	if (!fresh) {
		snprintf(err, errlen, "workers: out of memory reconfiguring");
		return -1;
	}
	/* create() validates every detector's section, changed or not, so
	 * the new file is checked whole (and its keys are marked used) */
	for (unsigned d = 0; d < w->nd && !status; d++) {
		status = fresh_instances(w, d, cfg, seed, fresh + (size_t)d * w->n, err, errlen);
		if (!status && (changed_mask & (1u << d)) && !w->ops[d]->reconfigure) {
			snprintf(err, errlen, "detector %s: its settings change only with a "
				 "restart", w->ops[d]->name);
			status = -1;
		}
	}
	if (!status) {
		ndr_workers_pause(w);
		/* every instance says yes before any changes: all or nothing */
		for (int apply = 0; apply <= !!apply_it && !status; apply++)
			for (unsigned d = 0; d < w->nd && !status; d++) {
				if (!(changed_mask & (1u << d)))
					continue;
				for (unsigned i = 0; i < w->n && !status; i++) {
					char why[400] = "";
					void *f = fresh[(size_t)d * w->n + i];

					if (!w->wk[i].inst[d])
						continue;
					if (w->ops[d]->reconfigure(w->wk[i].inst[d], f, apply, why,
								   sizeof(why))) {
						snprintf(err, errlen, "detector %s: %s",
							 w->ops[d]->name, why);
						status = -1;
					}
				}
			}
		ndr_workers_resume(w);
	}
	for (unsigned d = 0; d < w->nd; d++)
		for (unsigned i = 0; i < w->n; i++)
			if (fresh[(size_t)d * w->n + i])
				w->ops[d]->destroy(fresh[(size_t)d * w->n + i]);
	free(fresh);
	return status;
}

const char *ndr_workers_detector_name(const struct ndr_workers *w, unsigned d)
{
	return d < w->nd ? w->ops[d]->name : NULL;
}

uint64_t ndr_workers_alerts(const struct ndr_workers *w)
{
	return w->alerts;
}

unsigned ndr_workers_count(const struct ndr_workers *w)
{
	return w->n;
}
