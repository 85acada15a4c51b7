/*
 * fuzz_state.c - every detector's state loader (--state DIR) on arbitrary
 * files.
 *
 * The loaders are found, not listed: at start every compiled-in detector
 * with state_load and state_save saves an empty baseline, and the file it
 * writes gives its name and schema. Input: u8 selector, then bytes.
 *   selector % loaders     which loader;
 *   selector & 0x40        a small memory cap (the loader must evict);
 *   selector & 0x80        the bytes are the whole file (the store's header
 *                          checks); else they are the payload, written with
 *                          a valid header and SHA-256 so the loader's own
 *                          decoding is reached.
 * Checks: a loader returns 1, 0 or -1 and nothing else; a rejected file is
 * moved aside (state.bad), never left to be overwritten; an accepted
 * baseline saves, that file loads again (1), and saving that gives the
 * same bytes (a baseline survives any number of restarts unchanged); the
 * detector keeps working on it (ticks, stats).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_input.h"
#include "ndr_detector.h"
#include "ndr_state_store.h"

#define MAX_LOADERS 16

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct loader {
	const struct ndr_detector_ops *ops;
	char name[64];
	uint32_t schema;
};

static struct loader loaders[MAX_LOADERS];
static unsigned n_loaders;
static char top[64], dir_in[80], dir_a[80], dir_b[80];

__attribute__((noreturn)) static void die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_state: %s: %s\n", what, detail);
	abort();
}

static void *create(const struct loader *l, int small)
{
	struct ndr_detector_ctx ctx = ndr_detector_ctx_one(1);
	char text[160], err[512];
	struct ndr_config *cfg;
	void *det;

	snprintf(text, sizeof(text), "[%s]\nmemory_cap = %s\n", l->ops->name,
		 small ? "65536" : "4194304");
	cfg = ndr_config_parse(text, "fuzz.conf", err, sizeof(err));
	if (!cfg)
		die("config", err);
	det = l->ops->create(cfg, &ctx, err, sizeof(err));
	ndr_config_free(cfg);   /* detectors copy what they keep */
	if (!det)
		die(l->ops->name, err);
	return det;
}

static void empty_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[400];

	if (!d)
		die(dir, "cannot open");
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
}

/* The whole file at dir/name.state; NULL if there is none. */
static uint8_t *slurp(const char *dir, const char *name, size_t *len)
{
	char path[400];
	struct stat st;
	uint8_t *buf;
	int fd;

	snprintf(path, sizeof(path), "%s/%s.state", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !(buf = malloc((size_t)st.st_size + 1)) ||
	    read(fd, buf, (size_t)st.st_size) != st.st_size)
		die(path, "cannot read");
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

/* Which file a detector's save writes, and with which schema. */
static void discover(const struct ndr_detector_ops *ops)
{
	struct loader *l = &loaders[n_loaders];
	char err[512];
	struct dirent *e;
	DIR *d;
	void *det;

	l->ops = ops;
	empty_dir(dir_a);
	det = create(l, 0);
	if (ops->state_save(det, dir_a, err, sizeof(err)) != 0)
		die(ops->name, err);
	ops->destroy(det);
	d = opendir(dir_a);
	while (d && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		uint8_t *file;
		size_t len;

		if (n <= 6 || strcmp(e->d_name + n - 6, ".state") || n - 6 >= sizeof(l->name))
			continue;
		memcpy(l->name, e->d_name, n - 6);
		l->name[n - 6] = 0;
		file = slurp(dir_a, l->name, &len);
		if (!file || len < 16)
			die(ops->name, "its saved file is unreadable");
		memcpy(&l->schema, file + 12, 4);
		free(file);
	}
	if (d)
		closedir(d);
	if (!l->name[0])
		die(ops->name, "saving wrote no DIR/NAME.state");
	n_loaders++;
}

static void remove_dirs(void)
{
	empty_dir(dir_in);
	empty_dir(dir_a);
	empty_dir(dir_b);
	rmdir(dir_in);
	rmdir(dir_a);
	rmdir(dir_b);
	rmdir(top);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(top, sizeof(top), "%s/ndr-fuzz-state-XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(top))
		die(top, "mkdtemp");
	snprintf(dir_in, sizeof(dir_in), "%s/in", top);
	snprintf(dir_a, sizeof(dir_a), "%s/a", top);
	snprintf(dir_b, sizeof(dir_b), "%s/b", top);
	if (mkdir(dir_in, 0700) || mkdir(dir_a, 0700) || mkdir(dir_b, 0700))
		die(top, "mkdir");
	atexit(remove_dirs);
	for (unsigned i = 0; ndr_detectors[i] && n_loaders < MAX_LOADERS; i++)
		if (ndr_detectors[i]->state_load && ndr_detectors[i]->state_save)
			discover(ndr_detectors[i]);
	if (!n_loaders)
		die("detectors", "none has a state loader");
	return 0;
}

static void write_input(const struct loader *l, int raw, const uint8_t *data, size_t len)
{
	char path[400], err[512];

	if (raw) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s.state", dir_in, l->name);
		f = fopen(path, "wb");
		if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
			die(path, "cannot write");
	} else {
		uint64_t written;
		struct ndr_state_writer *w;
		size_t skip = len < 8 ? len : 8;

		/* the first 8 bytes (if any) are the time the file was written */
		written = 0;
		memcpy(&written, data, skip);
		w = ndr_state_write_begin(dir_in, l->name, l->schema, written, err, sizeof(err));
		if (!w || ndr_state_write(w, data + skip, len - skip, err, sizeof(err)) != 0 ||
		    ndr_state_write_commit(w, err, sizeof(err)) != 0)
			die("writing the input", err);
	}
}

static void null_emit(void *arg, const struct ndr_alert *a)
{
	(void)arg;
	(void)a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in;
	uint8_t sel;
	const struct loader *l;
	struct ndr_alert_sink sink = { null_emit, NULL };
	char err[1024], path[256];
	void *det, *again;
	uint8_t *a, *b;
	size_t alen, blen, len;
	const uint8_t *bytes;
	int rc, small;
	json_t *st;

	if (!n_loaders)
		LLVMFuzzerInitialize(NULL, NULL);
	fuzz_in_init(&in, data, size);
	sel = fuzz_u8(&in);
	l = &loaders[sel % n_loaders];
	small = sel & 0x40;
	bytes = fuzz_bytes(&in, in.left, &len);
	empty_dir(dir_in);
	empty_dir(dir_a);
	empty_dir(dir_b);
	write_input(l, sel & 0x80, bytes, len);

	det = create(l, small);
	err[0] = 0;
	rc = l->ops->state_load(det, dir_in, err, sizeof(err));
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz_state: %s: %s\n", l->name, rc == 1 ? "loaded" : err);
	if (rc != 1 && rc != -1)
		die(l->name, "state_load returned neither 1 (loaded) nor -1 (rejected) for a file");
	snprintf(path, sizeof(path), "%s/%s.state", dir_in, l->name);
	if (rc == -1) {
		if (!err[0])
			die(l->name, "rejected a file without saying why");
		if (access(path, F_OK) == 0)
			die(l->name, "rejected a file and left it where the next save overwrites it");
	} else {
		/* saved, loaded again, saved again: the same bytes */
		if (l->ops->state_save(det, dir_a, err, sizeof(err)) != 0)
			die("saving an accepted baseline", err);
		again = create(l, small);
		if (l->ops->state_load(again, dir_a, err, sizeof(err)) != 1)
			die("loading a baseline this build saved", err);
		if (l->ops->state_save(again, dir_b, err, sizeof(err)) != 0)
			die("saving a reloaded baseline", err);
		a = slurp(dir_a, l->name, &alen);
		b = slurp(dir_b, l->name, &blen);
		if (!a || !b || alen != blen || memcmp(a, b, alen) != 0)
			die(l->name, "a baseline changed between one restart and the next");
		free(a);
		free(b);
		l->ops->destroy(again);
	}
	/* whatever it holds now, the detector keeps running */
	l->ops->tick(det, 1800000000ull * 1000000000ull, &sink);
	l->ops->tick(det, UINT64_MAX / 2, &sink);
	st = json_object();
	ndr_detector_stats_json(l->ops, det, st);
	json_decref(st);
	l->ops->destroy(det);
	return 0;
}
