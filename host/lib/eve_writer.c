/*
 * eve_writer.c - whole EVE lines into a file, failures reported
 * (ndr_eve_writer.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ndr_eve_writer.h"

struct ndr_eve_writer {
	int fd;
	int owned;              /* ours to close (a file we opened) */
	int regular;            /* a regular file: a partial line can be cut */
	int dirty;              /* a partial line stayed: start the next on a new line */
	char *path;
	struct ndr_eve_stats st;
	void (*report)(void *arg, const char *msg);
	void *report_arg;
	/* the current failure, while st.failing */
	uint64_t lost;          /* lines lost since it began */
	double fail_since, last_report;
	int settling;           /* lines go through again, since settle_since */
	double settle_since;
};

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report_stderr(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

static struct ndr_eve_writer *writer_new(int fd, int owned, const char *path)
{
	struct ndr_eve_writer *w = calloc(1, sizeof(*w));
	struct stat st;

	if (!w)
		return NULL;
	w->path = strdup(path);
	if (!w->path) {
		free(w);
		return NULL;
	}
	w->fd = fd;
	w->owned = owned;
	w->regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	w->report = report_stderr;
	return w;
}

static int open_path(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return fd;
}

struct ndr_eve_writer *ndr_eve_writer_open(const char *path, char *err, size_t errlen)
{
	struct ndr_eve_writer *w;
	int fd;

	if (!strcmp(path, "-")) {
		fflush(stdout);  /* what stdio holds goes first */
		w = writer_new(STDOUT_FILENO, 0, "-");
		if (!w)
			snprintf(err, errlen, "eve: out of memory");
		return w;
	}
	fd = open_path(path, err, errlen);
	if (fd < 0)
		return NULL;
	w = writer_new(fd, 1, path);
	if (!w) {
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
	}
	return w;
}

struct ndr_eve_writer *ndr_eve_writer_from_file(FILE *f)
{
	fflush(f);
	return writer_new(fileno(f), 0, "stream");
}

void ndr_eve_writer_set_report(struct ndr_eve_writer *w,
			       void (*report)(void *arg, const char *msg), void *arg)
{
	w->report = report ? report : report_stderr;
	w->report_arg = arg;
}

static void say(struct ndr_eve_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct ndr_eve_writer *w, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	w->report(w->report_arg, msg);
}

/*
 * A failure is one episode from the first lost line until lines have gone
 * through for NDR_EVE_SETTLE_S: a nearly full disk takes a short line
 * between two long ones it refuses, and that is no recovery worth a line
 * on stderr. Said when it starts, reminded every NDR_EVE_REPORT_EVERY_S,
 * and said when it ends (or at close).
 */
static void failed(struct ndr_eve_writer *w, int err)
{
	double now = mono_s();

	w->st.errors++;
	w->lost++;
	w->settling = 0;
	if (!w->st.failing) {
		w->st.failing = 1;
		w->fail_since = w->last_report = now;
		say(w, "eve %s: cannot write: %s; events are being lost", w->path, strerror(err));
	} else if (now - w->last_report >= NDR_EVE_REPORT_EVERY_S) {
		w->last_report = now;
		say(w, "eve %s: still cannot write (%s): %llu events lost in %.0f s", w->path,
		    strerror(err), (unsigned long long)w->lost, now - w->fail_since);
	}
}

static void recovered(struct ndr_eve_writer *w, double now)
{
	say(w, "eve %s: writing again after %llu events lost in %.0f s", w->path,
	    (unsigned long long)w->lost, now - w->fail_since);
	w->st.failing = 0;
	w->settling = 0;
	w->lost = 0;
}

static void succeeded(struct ndr_eve_writer *w)
{
	double now;

	w->st.events++;
	if (!w->st.failing)
		return;
	now = mono_s();
	if (!w->settling) {
		w->settling = 1;
		w->settle_since = now;
	} else if (now - w->settle_since >= NDR_EVE_SETTLE_S) {
		recovered(w, now);
	}
}

void ndr_eve_writer_count_error(struct ndr_eve_writer *w, int err)
{
	failed(w, err);
}

/* All of buf, or -1 with errno and *done bytes written. */
static int write_all(int fd, const char *buf, size_t len, size_t *done)
{
	*done = 0;
	while (*done < len) {
		ssize_t n = write(fd, buf + *done, len - *done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		*done += (size_t)n;
	}
	return 0;
}

int ndr_eve_write_line(struct ndr_eve_writer *w, const char *line, size_t len)
{
	char *buf = malloc(len + 2), *p = buf;
	off_t start = -1;
	size_t done;
	int e;

	if (!buf) {
		failed(w, ENOMEM);
		errno = ENOMEM;
		return -1;
	}
	if (w->dirty)
		*p++ = '\n';   /* end the broken line left behind */
	memcpy(p, line, len);
	p += len;
	*p++ = '\n';
	if (w->regular)
		start = lseek(w->fd, 0, SEEK_END);   /* where O_APPEND puts the line */
	if (write_all(w->fd, buf, (size_t)(p - buf), &done) == 0) {
		free(buf);
		w->dirty = 0;
		succeeded(w);
		return 0;
	}
	e = errno;
	free(buf);
	if (done > 0) {
		/* cut the partial line off, or mark it to be ended */
		if (start >= 0 && ftruncate(w->fd, start) == 0)
			w->st.cuts++;
		else
			w->dirty = 1;
	}
	failed(w, e);
	errno = e;
	return -1;
}

int ndr_eve_writer_reopen(struct ndr_eve_writer *w, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	if (!w->owned)
		return 0;
	fd = open_path(w->path, err, errlen);
	if (fd < 0)
		return -1;
	close(w->fd);
	w->fd = fd;
	w->regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	w->dirty = 0;
	w->st.reopens++;
	return 0;
}

const char *ndr_eve_writer_path(const struct ndr_eve_writer *w)
{
	return w->path;
}

int ndr_eve_writer_same_file(const struct ndr_eve_writer *a, const struct ndr_eve_writer *b)
{
	struct stat sa, sb;

	return fstat(a->fd, &sa) == 0 && fstat(b->fd, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

void ndr_eve_writer_stats(const struct ndr_eve_writer *w, struct ndr_eve_stats *out)
{
	*out = w->st;
}

void ndr_eve_writer_close(struct ndr_eve_writer *w)
{
	if (!w)
		return;
	if (w->st.failing && w->settling)
		recovered(w, mono_s());
	else if (w->st.failing)
		say(w, "eve %s: closed while failing: %llu events lost in %.0f s", w->path,
		    (unsigned long long)w->lost, mono_s() - w->fail_since);
	if (w->owned)
		close(w->fd);
	free(w->path);
	free(w);
}
