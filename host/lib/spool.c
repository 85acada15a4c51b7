/*
 * spool.c - a bounded FIFO of messages on disk (ndr_spool.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ndr_le.h"
#include "ndr_spool.h"

#define REC_HDR 8u
#define MIN_BYTES (64u * 1024u)

struct pos {
	uint64_t seg;
	uint64_t off;
	uint32_t len;        /* message bytes, without the record header */
};

struct ndr_spool {
	char *dir;
	int lock_fd;
	int locked;             /* the flock is ours: the head may be saved */
	int sync;
	uint64_t max_bytes, segment_bytes;
	/* the queue: a ring of record positions, oldest at first */
	struct pos *q;
	size_t cap, first, count;
	/* the segment being appended to */
	uint64_t tail_seg, tail_off;
	int tail_fd;
	/* a segment open for reading */
	uint64_t read_seg;
	int read_fd;
	/* where the head was last saved, and pops since */
	uint64_t saved_seg, saved_off;
	unsigned unsaved;
	uint8_t *buf;
	size_t buf_cap;
	struct ndr_spool_stats st;
};

/* FNV-1a over the length and the message: enough to tell a torn or
 * damaged record from a whole one. */
static uint32_t checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t h = 2166136261u;

	for (int i = 0; i < 4; i++) {
		h ^= (uint8_t)(len >> (8 * i));
		h *= 16777619u;
	}
	for (size_t i = 0; i < len; i++) {
		h ^= b[i];
		h *= 16777619u;
	}
	return h;
}

static void seg_path(const struct ndr_spool *s, uint64_t seg, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%016" PRIx64 ".seg", s->dir, seg);
}

static int fail(char *err, size_t errlen, const struct ndr_spool *s, const char *what, int e)
{
	snprintf(err, errlen, "%s: %s: %s", s->dir, what, strerror(e));
	errno = e;
	return -1;
}

void ndr_spool_opts_default(struct ndr_spool_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_bytes = 64ull << 20;
	o->sync = 1;
}

/* ---- the queue in memory --------------------------------------------- */

static struct pos *q_at(const struct ndr_spool *s, size_t i)
{
	return &s->q[(s->first + i) % s->cap];
}

static int q_push(struct ndr_spool *s, struct pos p)
{
	if (s->count == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct pos *q = malloc(cap * sizeof(*q));

		if (!q)
			return -1;
		for (size_t i = 0; i < s->count; i++)
			q[i] = *q_at(s, i);
		free(s->q);
		s->q = q;
		s->cap = cap;
		s->first = 0;
	}
	*q_at(s, s->count) = p;
	s->count++;
	return 0;
}

/* ---- the head file ---------------------------------------------------- */

static int fsync_dir(const struct ndr_spool *s)
{
	int fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Where the oldest queued message starts: its record, or the tail's end. */
static void head_pos(const struct ndr_spool *s, uint64_t *seg, uint64_t *off)
{
	if (s->count) {
		*seg = q_at(s, 0)->seg;
		*off = q_at(s, 0)->off;
	} else {
		*seg = s->tail_seg;
		*off = s->tail_off;
	}
}

static void delete_segments_before(struct ndr_spool *s, uint64_t seg)
{
	DIR *d = opendir(s->dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		unsigned long long n;
		char tail[8];
		char path[4096];

		if (sscanf(de->d_name, "%16llx.%3s", &n, tail) == 2 && !strcmp(tail, "seg") &&
		    strlen(de->d_name) == 20 && n < seg) {
			snprintf(path, sizeof(path), "%s/%s", s->dir, de->d_name);
			unlink(path);
		}
	}
	closedir(d);
}

static int save_head(struct ndr_spool *s, char *err, size_t errlen)
{
	char tmp[4096], path[4096], line[96];
	uint64_t seg, off;
	int fd, n;

	head_pos(s, &seg, &off);
	if (seg == s->saved_seg && off == s->saved_off) {
		s->unsaved = 0;
		return 0;
	}
	snprintf(tmp, sizeof(tmp), "%s/head.tmp", s->dir);
	snprintf(path, sizeof(path), "%s/head", s->dir);
	n = snprintf(line, sizeof(line), "ndr-spool 1 %016" PRIx64 " %" PRIu64 "\n", seg, off);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(err, errlen, s, "head", errno);
	if (write(fd, line, (size_t)n) != n || fsync(fd) < 0) {
		int e = errno ? errno : EIO;
		close(fd);
		unlink(tmp);
		return fail(err, errlen, s, "head", e);
	}
	close(fd);
	if (rename(tmp, path) < 0)
		return fail(err, errlen, s, "head", errno);
	fsync_dir(s);
	/* only once the head says so: the segments wholly taken can go */
	if (seg > s->saved_seg)
		delete_segments_before(s, seg);
	s->saved_seg = seg;
	s->saved_off = off;
	s->unsaved = 0;
	return 0;
}

static int load_head(struct ndr_spool *s, uint64_t *seg, uint64_t *off)
{
	char path[4096], line[128];
	unsigned long long a, b;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/head", s->dir);
	f = fopen(path, "r");
	*seg = 0;
	*off = 0;
	if (!f)
		return 0;    /* a new spool, or one whose head was never saved */
	ok = fgets(line, sizeof(line), f) && sscanf(line, "ndr-spool 1 %16llx %llu", &a, &b) == 2;
	fclose(f);
	if (ok) {
		*seg = a;
		*off = b;
	}
	return 0;
}

/* ---- reading back at open --------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The segment numbers in dir, sorted; NULL-safe count in *n. */
static uint64_t *list_segments(const struct ndr_spool *s, size_t *n)
{
	DIR *d = opendir(s->dir);
	struct dirent *de;
	uint64_t *v = NULL;
	size_t cap = 0;

	*n = 0;
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		unsigned long long seg;
		char tail[8];

		if (strlen(de->d_name) != 20 || sscanf(de->d_name, "%16llx.%3s", &seg, tail) != 2 ||
		    strcmp(tail, "seg"))
			continue;
		if (*n == cap) {
			uint64_t *more = realloc(v, (cap ? cap * 2 : 16) * sizeof(*v));
			if (!more)
				break;
			v = more;
			cap = cap ? cap * 2 : 16;
		}
		v[(*n)++] = seg;
	}
	closedir(d);
	if (v)
		qsort(v, *n, sizeof(*v), cmp_u64);
	return v;
}

/* Reads the records of one segment from off on into the queue. Returns
 * the offset after the last whole record. */
static uint64_t scan_segment(struct ndr_spool *s, uint64_t seg, uint64_t off, int last)
{
	char path[4096];
	struct stat stb;
	uint8_t hdr[REC_HDR];
	uint8_t *msg = NULL;
	size_t msg_cap = 0;
	int fd;

	seg_path(s, seg, path, sizeof(path));
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &stb) < 0) {
		if (fd >= 0)
			close(fd);
		return off;
	}
	while (off + REC_HDR <= (uint64_t)stb.st_size) {
		uint32_t len, sum;

		if (pread(fd, hdr, REC_HDR, (off_t)off) != REC_HDR)
			break;
		len = ndr_le32_get(hdr);
		sum = ndr_le32_get(hdr + 4);
		if (len > NDR_SPOOL_MSG_MAX || off + REC_HDR + len > (uint64_t)stb.st_size)
			break;
		if (len > msg_cap) {
			uint8_t *m = realloc(msg, len);
			if (!m)
				break;
			msg = m;
			msg_cap = len;
		}
		if (pread(fd, msg, len, (off_t)(off + REC_HDR)) != (ssize_t)len ||
		    checksum(msg, len) != sum)
			break;
		if (q_push(s, (struct pos){ seg, off, len }))
			break;
		s->st.bytes += REC_HDR + len;
		off += REC_HDR + len;
	}
	if (off < (uint64_t)stb.st_size) {
		s->st.corrupt_bytes += (uint64_t)stb.st_size - off;
		if (last && ftruncate(fd, (off_t)off) == 0)
			fsync(fd);    /* a crash cut the last push: it was never accepted */
	}
	free(msg);
	close(fd);
	return off;
}

static int read_back(struct ndr_spool *s)
{
	uint64_t head_seg, head_off, *segs;
	size_t n;

	load_head(s, &head_seg, &head_off);
	segs = list_segments(s, &n);
	s->tail_seg = head_seg;
	s->tail_off = head_off;
	for (size_t i = 0; i < n; i++) {
		uint64_t start = 0;

		if (segs[i] < head_seg)
			continue;          /* taken before the last save */
		if (segs[i] == head_seg)
			start = head_off;
		s->tail_seg = segs[i];
		s->tail_off = scan_segment(s, segs[i], start, i + 1 == n);
	}
	free(segs);
	s->saved_seg = head_seg;
	s->saved_off = head_off;
	s->st.recovered = s->count;
	s->st.messages = s->count;
	return 0;
}

/* ---- public ---------------------------------------------------------- */

struct ndr_spool *ndr_spool_open(const struct ndr_spool_opts *o, char *err, size_t errlen)
{
	struct ndr_spool *s;
	char path[4096];

	if (!o->dir || !o->dir[0]) {
		snprintf(err, errlen, "spool: no directory given");
		return NULL;
	}
	if (o->max_bytes < MIN_BYTES) {
		snprintf(err, errlen, "%s: spool size %" PRIu64 " is below %u bytes", o->dir,
			 o->max_bytes, MIN_BYTES);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->dir = strdup(o->dir))) {
		free(s);
		snprintf(err, errlen, "%s: out of memory", o->dir);
		return NULL;
	}
	s->lock_fd = s->tail_fd = s->read_fd = -1;
	s->sync = o->sync;
	s->max_bytes = o->max_bytes;
	s->segment_bytes = o->segment_bytes ? o->segment_bytes : o->max_bytes / 8;
	if (s->segment_bytes < MIN_BYTES)
		s->segment_bytes = MIN_BYTES;
	if (mkdir(s->dir, 0700) < 0 && errno != EEXIST) {
		fail(err, errlen, s, "mkdir", errno);
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/lock", s->dir);
	s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lock_fd < 0) {
		fail(err, errlen, s, "lock", errno);
		goto fail;
	}
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		snprintf(err, errlen, "%s: in use by another process", s->dir);
		goto fail;
	}
	s->locked = 1;
	read_back(s);
	return s;
fail:
	ndr_spool_close(s);
	return NULL;
}

static int open_tail(struct ndr_spool *s, char *err, size_t errlen)
{
	char path[4096];

	if (s->tail_fd >= 0 && s->tail_off < s->segment_bytes)
		return 0;
	if (s->tail_fd >= 0) {
		close(s->tail_fd);
		s->tail_fd = -1;
		s->tail_seg++;
		s->tail_off = 0;
	}
	seg_path(s, s->tail_seg, path, sizeof(path));
	s->tail_fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (s->tail_fd < 0)
		return fail(err, errlen, s, "segment", errno);
	if (s->tail_off == 0 && s->sync)
		fsync_dir(s);   /* the new file's name is on disk too */
	return 0;
}

int ndr_spool_push(struct ndr_spool *s, const void *msg, size_t len, char *err, size_t errlen)
{
	uint64_t need = REC_HDR + (uint64_t)len;
	uint8_t hdr[REC_HDR];
	size_t done;

	if (len > NDR_SPOOL_MSG_MAX || need > s->max_bytes) {
		snprintf(err, errlen, "%s: a message of %zu bytes does not fit in the spool", s->dir,
			 len);
		errno = EMSGSIZE;
		return -1;
	}
	if (open_tail(s, err, errlen))
		return -1;
	ndr_le32_put(hdr, (uint32_t)len);
	ndr_le32_put(hdr + 4, checksum(msg, len));
	{
		struct iovec_like { const void *p; size_t n; } parts[2] = { { hdr, REC_HDR }, { msg, len } };
		uint64_t at = s->tail_off;

		for (int i = 0; i < 2; i++) {
			for (done = 0; done < parts[i].n;) {
				ssize_t n = pwrite(s->tail_fd, (const uint8_t *)parts[i].p + done,
						   parts[i].n - done, (off_t)at);
				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0) {
					int e = n < 0 ? errno : EIO;
					/* nothing half-written stays behind */
					if (ftruncate(s->tail_fd, (off_t)s->tail_off) < 0)
						s->tail_off = at;  /* scan at open will cut it */
					return fail(err, errlen, s, "write", e);
				}
				done += (size_t)n;
				at += (uint64_t)n;
			}
		}
		if (s->sync && fdatasync(s->tail_fd) < 0) {
			int e = errno;
			if (ftruncate(s->tail_fd, (off_t)s->tail_off) < 0)
				s->tail_off = at;
			return fail(err, errlen, s, "fdatasync", e);
		}
	}
	if (q_push(s, (struct pos){ s->tail_seg, s->tail_off, (uint32_t)len })) {
		snprintf(err, errlen, "%s: out of memory", s->dir);
		return -1;
	}
	s->tail_off += need;
	s->st.bytes += need;
	s->st.pushed++;
	/* over the bound: the oldest go first */
	while (s->st.bytes > s->max_bytes && s->count > 1) {
		struct pos *p = q_at(s, 0);

		s->st.bytes -= REC_HDR + p->len;
		s->first = (s->first + 1) % s->cap;
		s->count--;
		s->st.dropped++;
		s->unsaved++;
	}
	s->st.messages = s->count;
	if (s->unsaved >= NDR_SPOOL_HEAD_EVERY)
		save_head(s, err, errlen);
	return 0;
}

int ndr_spool_peek(struct ndr_spool *s, size_t i, const void **msg, size_t *len,
		   char *err, size_t errlen)
{
	const struct pos *p;
	char path[4096];

	if (i >= s->count)
		return 0;
	p = q_at(s, i);
	if (s->read_fd < 0 || s->read_seg != p->seg) {
		if (s->read_fd >= 0)
			close(s->read_fd);
		seg_path(s, p->seg, path, sizeof(path));
		s->read_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (s->read_fd < 0)
			return fail(err, errlen, s, "segment", errno);
		s->read_seg = p->seg;
	}
	if (p->len > s->buf_cap) {
		uint8_t *b = realloc(s->buf, p->len);
		if (!b) {
			snprintf(err, errlen, "%s: out of memory", s->dir);
			return -1;
		}
		s->buf = b;
		s->buf_cap = p->len;
	}
	if (pread(s->read_fd, s->buf, p->len, (off_t)(p->off + REC_HDR)) != (ssize_t)p->len)
		return fail(err, errlen, s, "read", errno ? errno : EIO);
	*msg = s->buf;
	*len = p->len;
	return 1;
}

int ndr_spool_pop(struct ndr_spool *s, size_t n, char *err, size_t errlen)
{
	if (n > s->count)
		n = s->count;
	for (size_t i = 0; i < n; i++) {
		s->st.bytes -= REC_HDR + q_at(s, 0)->len;
		s->first = (s->first + 1) % s->cap;
		s->count--;
	}
	s->st.popped += n;
	s->st.messages = s->count;
	s->unsaved += (unsigned)n;
	if (s->unsaved >= NDR_SPOOL_HEAD_EVERY)
		return save_head(s, err, errlen);
	return 0;
}

int ndr_spool_sync(struct ndr_spool *s, char *err, size_t errlen)
{
	return save_head(s, err, errlen);
}

size_t ndr_spool_count(const struct ndr_spool *s)
{
	return s->count;
}

void ndr_spool_stats(const struct ndr_spool *s, struct ndr_spool_stats *out)
{
	*out = s->st;
}

const char *ndr_spool_dir(const struct ndr_spool *s)
{
	return s->dir;
}

void ndr_spool_close(struct ndr_spool *s)
{
	char err[256];

	if (!s)
		return;
	if (s->locked)
		save_head(s, err, sizeof(err));
	if (s->tail_fd >= 0)
		close(s->tail_fd);
	if (s->read_fd >= 0)
		close(s->read_fd);
	if (s->lock_fd >= 0)
		close(s->lock_fd);   /* releases the flock */
	free(s->q);
	free(s->buf);
	free(s->dir);
	free(s);
}
