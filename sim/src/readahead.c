/*
 * readahead.c - a capture file read on its own thread into a queue of frames
 * (sim/include/ndr_readahead.h).
 *
 * The queue is one byte ring. Each entry is a 64-byte header and the
 * frame's bytes, padded to 64 bytes, so that every frame starts on a cache
 * line (and its beats on beat boundaries). An entry never wraps: when one
 * does not fit before the end of the ring, a WRAP header fills the rest and
 * the entry starts at offset 0. The reader's last entry is END, carrying the
 * capture's status.
 *
 * tail (bytes ever written) is the reader's, head (bytes ever freed) the
 * consumer's, each on its own cache line, and each side works on a private
 * copy of its own index and of the last value of the other's it loaded: a
 * side publishes its index only every RA_PUBLISH bytes, before it sleeps and
 * at the end, and loads the other's only when its copy says the ring is full
 * (reader) or empty (consumer). Per frame the two cores then share no cache
 * line at all. A frame handed out stays in the ring until the next call
 * frees it. Neither side spins: a side that finds the ring empty or full
 * publishes, sets its *_waiting flag and sleeps on the condition variable;
 * a side that publishes wakes the other only when that flag is set. Both
 * put a full fence between storing one (index or flag) and loading the
 * other, so either the sleeper sees the index move before it sleeps or the
 * publisher sees the flag.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_abi.h"
#include "ndr_readahead.h"

#define RA_ALIGN   64u
#define RA_PUBLISH (64u << 10)

enum { RA_FRAME = 1, RA_WRAP = 2, RA_END = 3 };

struct ra_hdr {
	uint64_t ts_ns;
	uint32_t caplen;
	uint32_t wirelen;
	uint64_t unsupported;       /* the capture's count after this frame */
	uint64_t bad_time;          /* the capture's count after this frame */
	uint64_t filtered;          /* same, the filter's */
	uint32_t kind;
	int32_t  linktype;          /* of the unsupported frames */
	uint8_t  pad[16];           /* the frame starts on the next cache line */
};

_Static_assert(sizeof(struct ra_hdr) == RA_ALIGN, "queue entry header is one cache line");

struct ndr_readahead {
	struct ndr_capture *cap;
	uint8_t *buf;
	uint64_t size;              /* a multiple of RA_ALIGN */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int stop;

	/* shared, one cache line each */
	_Alignas(64) uint64_t tail; /* published by the reader */
	_Alignas(64) uint64_t head; /* published by the consumer */
	_Alignas(64) int prod_waiting;
	_Alignas(64) int cons_waiting;

	/* the reader's own */
	_Alignas(64) uint64_t r_tail;
	uint64_t r_head;            /* head as last loaded */
	/* written by the reader before it publishes END */
	int end_rc;
	int truncated;
	uint64_t end_unsupported, end_filtered;
	char end_err[512];
	/* written by the reader before it publishes the first frame with a
	 * bad time (ndr_capture.h), read only after that frame */
	struct ndr_capture_stats bad_first;

	/* the consumer's own */
	_Alignas(64) uint64_t c_head;   /* the frame handed out starts here */
	uint64_t c_next;            /* head once that frame is done */
	uint64_t c_tail;            /* tail as last loaded */
	uint64_t frames;
	uint64_t unsupported;       /* as of the last frame taken */
	uint64_t filtered;          /* same */
	int linktype;               /* of the unsupported frames */
	uint64_t bad_time;          /* as of the last frame taken */
	int ended;                  /* END taken */
};

static uint64_t align_up(uint64_t n)
{
	return (n + RA_ALIGN - 1u) & ~(uint64_t)(RA_ALIGN - 1u);
}

static bool stopped(struct ndr_readahead *ra)
{
	return __atomic_load_n(&ra->stop, __ATOMIC_SEQ_CST);
}

/* Store one side's index, then wake the other side if it said it sleeps. */
static void publish(struct ndr_readahead *ra, uint64_t *index, uint64_t value, int *waiting)
{
	__atomic_store_n(index, value, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!__atomic_load_n(waiting, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&ra->mu);
	pthread_cond_broadcast(&ra->cv);
	pthread_mutex_unlock(&ra->mu);
}

/* Sleep until *index, the other side's, differs from seen, or the queue is
 * stopped; return its value. */
static uint64_t wait_for(struct ndr_readahead *ra, int *waiting, const uint64_t *index,
			 uint64_t seen)
{
	uint64_t v;

	pthread_mutex_lock(&ra->mu);
	__atomic_store_n(waiting, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	while ((v = __atomic_load_n(index, __ATOMIC_ACQUIRE)) == seen && !stopped(ra))
		pthread_cond_wait(&ra->cv, &ra->mu);
	__atomic_store_n(waiting, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&ra->mu);
	return v;
}

/* Reader: put one entry (a header and len bytes of data) in the ring.
 * False when the queue was stopped first. */
static bool push(struct ndr_readahead *ra, const struct ra_hdr *h, const uint8_t *data,
		 uint32_t len)
{
	uint64_t pos = ra->r_tail % ra->size;
	uint64_t need = align_up(sizeof(*h) + len);
	uint64_t skip = ra->size - pos < need ? ra->size - pos : 0u;

	while (ra->size - (ra->r_tail - ra->r_head) < skip + need) {
		uint64_t seen = ra->r_head;

		ra->r_head = __atomic_load_n(&ra->head, __ATOMIC_ACQUIRE);
		if (ra->r_head != seen)
			continue;
		publish(ra, &ra->tail, ra->r_tail, &ra->cons_waiting);
		ra->r_head = wait_for(ra, &ra->prod_waiting, &ra->head, seen);
		if (stopped(ra))
			return false;
	}
	if (skip) {
		struct ra_hdr w = { .kind = RA_WRAP };
		memcpy(ra->buf + pos, &w, sizeof(w));
		pos = 0;
	}
	memcpy(ra->buf + pos, h, sizeof(*h));
	if (len)
		memcpy(ra->buf + pos + sizeof(*h), data, len);
	ra->r_tail += skip + need;
	if (h->kind == RA_END || ra->r_tail - __atomic_load_n(&ra->tail, __ATOMIC_RELAXED) >= RA_PUBLISH)
		publish(ra, &ra->tail, ra->r_tail, &ra->cons_waiting);
	return true;
}

static void *reader(void *arg)
{
	struct ndr_readahead *ra = arg;
	struct ndr_capture_stats st;
	struct ndr_frame f;
	struct ra_hdr h;
	int rc;

	for (;;) {
		if (stopped(ra))
			return NULL;
		rc = ndr_capture_next(ra->cap, &f, 0, ra->end_err, sizeof(ra->end_err));
		if (rc != 1)
			break;
		/* the card takes no more than NDR_MAX_FRAME bytes of a frame */
		uint32_t keep = f.caplen < NDR_MAX_FRAME ? f.caplen : NDR_MAX_FRAME;
		ndr_capture_get_stats(ra->cap, &st);
		memset(&h, 0, sizeof(h));
		h.kind = RA_FRAME;
		h.ts_ns = f.ts_ns;
		h.caplen = keep;
		h.wirelen = f.wirelen > keep ? f.wirelen : keep;
		h.unsupported = st.unsupported;
		h.filtered = st.filtered;
		h.linktype = st.unsupported_linktype;
		h.bad_time = st.bad_time;
		if (st.bad_time == 1 && !ra->bad_first.bad_time)
			ra->bad_first = st;
		if (!push(ra, &h, f.data, keep))
			return NULL;
	}
	ndr_capture_get_stats(ra->cap, &st);
	ra->end_rc = rc < 0 ? -1 : 0;
	ra->truncated = st.truncated;
	ra->end_unsupported = st.unsupported;
	ra->end_filtered = st.filtered;
	ra->linktype = st.unsupported_linktype;
	memset(&h, 0, sizeof(h));
	h.kind = RA_END;
	(void)push(ra, &h, NULL, 0);       /* its publication orders end_* before it */
	return NULL;
}

struct ndr_readahead *ndr_readahead_start(struct ndr_capture *cap, size_t queue_bytes,
					  char *err, size_t errlen)
{
	struct ndr_readahead *ra;
	uint64_t size = queue_bytes ? queue_bytes : NDR_READAHEAD_DEFAULT_BYTES;
	int rc;

	if (ndr_capture_is_live(cap)) {
		snprintf(err, errlen, "readahead: only a capture file can be read ahead");
		return NULL;
	}
	size &= ~(uint64_t)(RA_ALIGN - 1u);
	/* the largest entry must fit however the ring is placed */
	if (size < 2u * align_up(sizeof(struct ra_hdr) + NDR_MAX_FRAME)) {
		snprintf(err, errlen, "readahead: a queue of %zu bytes cannot hold two frames of %u",
			 queue_bytes, NDR_MAX_FRAME);
		return NULL;
	}
	ra = aligned_alloc(64, sizeof(*ra));
	if (!ra) {
		snprintf(err, errlen, "readahead: out of memory");
		return NULL;
	}
	memset(ra, 0, sizeof(*ra));
	ra->buf = aligned_alloc(RA_ALIGN, size);
	if (!ra->buf) {
		snprintf(err, errlen, "readahead: out of memory for a queue of %llu bytes",
			 (unsigned long long)size);
		free(ra);
		return NULL;
	}
	ra->size = size;
	ra->cap = cap;
	pthread_mutex_init(&ra->mu, NULL);
	pthread_cond_init(&ra->cv, NULL);
	rc = pthread_create(&ra->thread, NULL, reader, ra);
	if (rc != 0) {
		snprintf(err, errlen, "readahead: cannot start the reader thread: %s", strerror(rc));
		pthread_cond_destroy(&ra->cv);
		pthread_mutex_destroy(&ra->mu);
		free(ra->buf);
		free(ra);
		return NULL;
	}
	return ra;
}

int ndr_readahead_next(struct ndr_readahead *ra, struct ndr_frame *f, char *err, size_t errlen)
{
	struct ra_hdr h;

	if (ra->ended) {
		if (ra->end_rc < 0)
			snprintf(err, errlen, "%s", ra->end_err);
		return ra->end_rc;
	}
	ra->c_head = ra->c_next;       /* the frame handed out last is done */
	if (ra->c_head - __atomic_load_n(&ra->head, __ATOMIC_RELAXED) >= RA_PUBLISH)
		publish(ra, &ra->head, ra->c_head, &ra->prod_waiting);
	for (;;) {
		if (ra->c_tail == ra->c_head) {
			ra->c_tail = __atomic_load_n(&ra->tail, __ATOMIC_ACQUIRE);
			if (ra->c_tail == ra->c_head) {
				publish(ra, &ra->head, ra->c_head, &ra->prod_waiting);
				ra->c_tail = wait_for(ra, &ra->cons_waiting, &ra->tail, ra->c_head);
				continue;
			}
		}
		uint64_t pos = ra->c_head % ra->size;
		memcpy(&h, ra->buf + pos, sizeof(h));
		if (h.kind == RA_WRAP) {
			ra->c_head += ra->size - pos;
			continue;
		}
		if (h.kind == RA_END) {
			ra->ended = 1;
			ra->unsupported = ra->end_unsupported;
			ra->filtered = ra->end_filtered;
			if (ra->end_rc < 0)
				snprintf(err, errlen, "%s", ra->end_err);
			return ra->end_rc;
		}
		f->ts_ns = h.ts_ns;
		f->caplen = h.caplen;
		f->wirelen = h.wirelen;
		f->data = ra->buf + pos + sizeof(h);
		ra->c_next = ra->c_head + align_up(sizeof(h) + h.caplen);
		ra->frames++;
		ra->unsupported = h.unsupported;
		ra->filtered = h.filtered;
		if (h.unsupported)
			ra->linktype = h.linktype;
		ra->bad_time = h.bad_time;
		return 1;
	}
}

void ndr_readahead_get_stats(const struct ndr_readahead *ra, struct ndr_capture_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->frames = ra->frames;
	st->unsupported = ra->unsupported;
	st->filtered = ra->filtered;
	st->unsupported_linktype = ra->linktype;
	st->truncated = ra->ended && ra->truncated;
	st->bad_time = ra->bad_time;
	if (ra->bad_time) {
		st->bad_time_first_frame = ra->bad_first.bad_time_first_frame;
		st->bad_time_first_sec = ra->bad_first.bad_time_first_sec;
		st->bad_time_first_frac = ra->bad_first.bad_time_first_frac;
	}
}

void ndr_readahead_free(struct ndr_readahead *ra)
{
	if (!ra)
		return;
	__atomic_store_n(&ra->stop, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_lock(&ra->mu);
	pthread_cond_broadcast(&ra->cv);
	pthread_mutex_unlock(&ra->mu);
	pthread_join(ra->thread, NULL);
	pthread_cond_destroy(&ra->cv);
	pthread_mutex_destroy(&ra->mu);
	ndr_capture_close(ra->cap);
	free(ra->buf);
	free(ra);
}
