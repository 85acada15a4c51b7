/*
 * state_store.c - atomic, versioned, checksummed baseline files
 * (ndr_state_store.h). The checksum is SHA-256 from libcrypto.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>
#include <openssl/evp.h>

#include "ndr_le.h"
#include "ndr_state_store.h"

#define MAGIC       "NDRSTATE"
#define HEADER_LEN  32u
#define SUM_LEN     32u
#define BUF_LEN     65536u

struct ndr_state_writer {
	int fd;
	int failed;
	EVP_MD_CTX *md;
	uint64_t payload;
	size_t buffered;
	char dir[PATH_MAX];
	char tmp[PATH_MAX];
	char final[PATH_MAX];
	uint8_t buf[BUF_LEN];
};

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int valid_name(const char *name)
{
	if (!*name || strlen(name) > 64)
		return 0;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return 0;
	return 1;
}

static int write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Temporary files of writers that died (.<name>.state.tmp.*). */
static void remove_stale(const char *dir, const char *name)
{
	char prefix[96], path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	snprintf(prefix, sizeof(prefix), ".%s.state.tmp.", name);
	while ((e = readdir(d)))
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	closedir(d);
}

struct ndr_state_writer *ndr_state_write_begin(const char *dir, const char *name,
					       uint32_t schema, uint64_t written_ns,
					       char *err, size_t errlen)
{
	struct ndr_state_writer *w;
	uint8_t hdr[HEADER_LEN];

	if (!valid_name(name)) {
		snprintf(err, errlen, "state name '%s': use a-z, 0-9, '_', '-'", name);
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, errlen, "%s/%s.state: out of memory", dir, name);
		return NULL;
	}
	snprintf(w->dir, sizeof(w->dir), "%s", dir);
	snprintf(w->final, sizeof(w->final), "%s/%s.state", dir, name);
	snprintf(w->tmp, sizeof(w->tmp), "%s/.%s.state.tmp.%ld", dir, name, (long)getpid());
	remove_stale(dir, name);
	w->fd = open(w->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		snprintf(err, errlen, "%s: %s", w->tmp, strerror(errno));
		free(w);
		return NULL;
	}
	w->md = EVP_MD_CTX_new();
	if (!w->md || EVP_DigestInit_ex(w->md, EVP_sha256(), NULL) != 1) {
		snprintf(err, errlen, "%s: SHA-256 unavailable", w->tmp);
		ndr_state_write_abort(w);
		return NULL;
	}
	/* the length is patched in at commit */
	memcpy(hdr, MAGIC, 8);
	ndr_le32_put(hdr + 8, NDR_STATE_FORMAT);
	ndr_le32_put(hdr + 12, schema);
	put64(hdr + 16, 0);
	put64(hdr + 24, written_ns);
	memcpy(w->buf, hdr, HEADER_LEN);
	w->buffered = HEADER_LEN;
	return w;
}

static int flush(struct ndr_state_writer *w, char *err, size_t errlen)
{
	if (write_all(w->fd, w->buf, w->buffered) != 0) {
		snprintf(err, errlen, "%s: write: %s", w->tmp, strerror(errno));
		w->failed = 1;
		return -1;
	}
	w->buffered = 0;
	return 0;
}

int ndr_state_write(struct ndr_state_writer *w, const void *data, size_t len,
		    char *err, size_t errlen)
{
	const uint8_t *p = data;

	if (w->failed) {
		snprintf(err, errlen, "%s: an earlier write failed", w->tmp);
		return -1;
	}
	w->payload += len;
	while (len) {
		size_t n = BUF_LEN - w->buffered;

		if (n > len)
			n = len;
		memcpy(w->buf + w->buffered, p, n);
		w->buffered += n;
		p += n;
		len -= n;
		if (w->buffered == BUF_LEN && flush(w, err, errlen) != 0)
			return -1;
	}
	return 0;
}

static int fsync_dir(const char *dir, char *err, size_t errlen)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) != 0) {
		snprintf(err, errlen, "%s: fsync directory: %s", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* The header goes to disk with a zero length; its real value is written
 * here, and the checksum is computed over the file as it will be read. */
static int finish_file(struct ndr_state_writer *w, char *err, size_t errlen)
{
	uint8_t hdr[HEADER_LEN], sum[SUM_LEN], buf[BUF_LEN];
	unsigned sum_len = 0;
	ssize_t n;

	if (w->payload > NDR_STATE_MAX_PAYLOAD) {
		snprintf(err, errlen, "%s: payload of %llu bytes is too large", w->tmp,
			 (unsigned long long)w->payload);
		return -1;
	}
	if (flush(w, err, errlen) != 0)
		return -1;
	if (pread(w->fd, hdr, HEADER_LEN, 0) != (ssize_t)HEADER_LEN)
		goto io;
	put64(hdr + 16, w->payload);
	if (pwrite(w->fd, hdr, HEADER_LEN, 0) != (ssize_t)HEADER_LEN)
		goto io;
	/* re-read what is on disk: the sum covers exactly those bytes */
	{
		int rfd = open(w->tmp, O_RDONLY | O_CLOEXEC);
		uint64_t left = HEADER_LEN + w->payload;

		if (rfd < 0)
			goto io;
		while (left && (n = read(rfd, buf, left < BUF_LEN ? left : BUF_LEN)) > 0) {
			EVP_DigestUpdate(w->md, buf, (size_t)n);
			left -= (uint64_t)n;
		}
		close(rfd);
		if (left)
			goto io;
	}
	if (EVP_DigestFinal_ex(w->md, sum, &sum_len) != 1 || sum_len != SUM_LEN) {
		snprintf(err, errlen, "%s: SHA-256 failed", w->tmp);
		return -1;
	}
	if (lseek(w->fd, 0, SEEK_END) < 0 || write_all(w->fd, sum, SUM_LEN) != 0 ||
	    fsync(w->fd) != 0)
		goto io;
	return 0;
io:
	snprintf(err, errlen, "%s: %s", w->tmp, errno ? strerror(errno) : "short read/write");
	return -1;
}

int ndr_state_write_commit(struct ndr_state_writer *w, char *err, size_t errlen)
{
	if (w->failed) {
		snprintf(err, errlen, "%s: an earlier write failed", w->tmp);
		ndr_state_write_abort(w);
		return -1;
	}
	if (finish_file(w, err, errlen) != 0) {
		ndr_state_write_abort(w);
		return -1;
	}
	if (close(w->fd) != 0) {
		w->fd = -1;
		snprintf(err, errlen, "%s: close: %s", w->tmp, strerror(errno));
		ndr_state_write_abort(w);
		return -1;
	}
	w->fd = -1;
	if (rename(w->tmp, w->final) != 0) {
		snprintf(err, errlen, "rename %s -> %s: %s", w->tmp, w->final, strerror(errno));
		ndr_state_write_abort(w);
		return -1;
	}
	if (fsync_dir(w->dir, err, errlen) != 0) {
		EVP_MD_CTX_free(w->md);
		free(w);
		return -1;
	}
	EVP_MD_CTX_free(w->md);
	free(w);
	return 0;
}

void ndr_state_write_abort(struct ndr_state_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	unlink(w->tmp);
	EVP_MD_CTX_free(w->md);
	free(w);
}

static int reject(char *err, size_t errlen, const char *path, const char *why)
{
	snprintf(err, errlen, "%s: %s", path, why);
	return -1;
}

int ndr_state_load(const char *dir, const char *name, uint32_t schema,
		   struct ndr_state_blob *out, char *err, size_t errlen)
{
	char path[PATH_MAX], why[160];
	uint8_t hdr[HEADER_LEN], sum[SUM_LEN], want[SUM_LEN];
	unsigned sum_len = 0;
	struct stat st;
	uint64_t len;
	EVP_MD_CTX *md;
	int fd, ok;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "%s/%s.state", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return reject(err, errlen, path, strerror(errno));
	}
	if (fstat(fd, &st) != 0 || read(fd, hdr, HEADER_LEN) != (ssize_t)HEADER_LEN) {
		close(fd);
		return reject(err, errlen, path, "truncated: shorter than the 32-byte header");
	}
	if (memcmp(hdr, MAGIC, 8) != 0) {
		close(fd);
		return reject(err, errlen, path, "not an ndr state file (bad magic)");
	}
	if (ndr_le32_get(hdr + 8) != NDR_STATE_FORMAT || ndr_le32_get(hdr + 12) != schema) {
		snprintf(why, sizeof(why), "format %u schema %u, this build reads format %u schema %u",
			 ndr_le32_get(hdr + 8), ndr_le32_get(hdr + 12), NDR_STATE_FORMAT, schema);
		close(fd);
		return reject(err, errlen, path, why);
	}
	len = get64(hdr + 16);
	if (len > NDR_STATE_MAX_PAYLOAD || (uint64_t)st.st_size != HEADER_LEN + len + SUM_LEN) {
		snprintf(why, sizeof(why), "size %lld does not match the payload length %llu "
			 "(truncated or appended to)", (long long)st.st_size, (unsigned long long)len);
		close(fd);
		return reject(err, errlen, path, why);
	}
	out->data = malloc(len ? len : 1);
	if (!out->data) {
		close(fd);
		return reject(err, errlen, path, "out of memory");
	}
	ok = pread(fd, out->data, len, HEADER_LEN) == (ssize_t)len &&
	     pread(fd, sum, SUM_LEN, (off_t)(HEADER_LEN + len)) == (ssize_t)SUM_LEN;
	close(fd);
	md = EVP_MD_CTX_new();
	ok = ok && md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(md, hdr, HEADER_LEN) == 1 &&
	     EVP_DigestUpdate(md, out->data, len) == 1 &&
	     EVP_DigestFinal_ex(md, want, &sum_len) == 1 && sum_len == SUM_LEN;
	EVP_MD_CTX_free(md);
	if (!ok || memcmp(sum, want, SUM_LEN) != 0) {
		free(out->data);
		out->data = NULL;
		return reject(err, errlen, path, ok ? "checksum mismatch (corrupt)" : "read failed");
	}
	if (get64(hdr + 24) > NDR_STATE_MAX_TIME_NS) {
		free(out->data);
		out->data = NULL;
		snprintf(why, sizeof(why), "written at %llu ns, after the year 2262: a corrupt time",
			 (unsigned long long)get64(hdr + 24));
		return reject(err, errlen, path, why);
	}
	out->len = len;
	out->written_ns = get64(hdr + 24);
	return 1;
}

int ndr_state_quarantine(const char *dir, const char *name, char *err, size_t errlen)
{
	char from[PATH_MAX], to[PATH_MAX + 8];

	snprintf(from, sizeof(from), "%s/%s.state", dir, name);
	snprintf(to, sizeof(to), "%s.bad", from);
	if (rename(from, to) != 0) {
		snprintf(err, errlen, "rename %s -> %s: %s", from, to, strerror(errno));
		return -1;
	}
	return 0;
}

void ndr_state_reader_init(struct ndr_state_reader *r, const struct ndr_state_blob *b)
{
	r->p = b->data;
	r->end = r->p + b->len;
}

int ndr_state_read(struct ndr_state_reader *r, void *out, size_t len)
{
	if ((size_t)(r->end - r->p) < len)
		return -1;
	memcpy(out, r->p, len);
	r->p += len;
	return 0;
}

size_t ndr_state_remaining(const struct ndr_state_reader *r)
{
	return (size_t)(r->end - r->p);
}

int ndr_state_expect_records(const struct ndr_state_reader *r, uint64_t count, size_t rec_bytes)
{
	size_t left = ndr_state_remaining(r);

	if (rec_bytes == 0 || left % rec_bytes != 0 || count != left / rec_bytes)
		return -1;
	return 0;
}
