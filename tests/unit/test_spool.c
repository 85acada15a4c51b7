/*
 * test_spool.c - the disk spool (ndr_spool.h): order kept across close and
 * reopen, the bound dropping the oldest with a count, a crash's torn last
 * record cut off, a crash after taking messages giving them back (never a
 * gap), one process per spool, taken segments deleted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ndr_spool.h"

static char dir[64];
static char err[512];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ndr-spool-test.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct ndr_spool *open_spool(const char *sub, uint64_t max)
{
	struct ndr_spool_opts o;
	char path[128];
	struct ndr_spool *s;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	ndr_spool_opts_default(&o);
	o.dir = path;
	o.max_bytes = max;
	o.segment_bytes = 64 * 1024;
	s = ndr_spool_open(&o, err, sizeof(err));
	if (!s)
		fail_msg("open %s: %s", path, err);
	return s;
}

static void push_n(struct ndr_spool *s, int from, int to, size_t pad)
{
	char msg[4096];

	for (int i = from; i < to; i++) {
		int n = snprintf(msg, sizeof(msg), "message %d ", i);
		memset(msg + n, 'p', pad);
		if (ndr_spool_push(s, msg, (size_t)n + pad, err, sizeof(err)))
			fail_msg("push %d: %s", i, err);
	}
}

/* The k-th queued message says "message WANT". */
static void expect_at(struct ndr_spool *s, size_t k, int want)
{
	const void *m;
	size_t len;
	char head[32];

	assert_int_equal(ndr_spool_peek(s, k, &m, &len, err, sizeof(err)), 1);
	snprintf(head, sizeof(head), "message %d ", want);
	if (len < strlen(head) || memcmp(m, head, strlen(head)))
		fail_msg("message %zu: want '%s', got '%.*s'", k, head, (int)(len < 20 ? len : 20),
			 (const char *)m);
}

static int count_segments(const char *sub)
{
	char path[128];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d)))
		n += strstr(de->d_name, ".seg") != NULL;
	closedir(d);
	return n;
}

static void test_order_across_reopen(void **state)
{
	struct ndr_spool *s = open_spool("order", 1 << 20);
	struct ndr_spool_stats st;
	const void *m;
	size_t len;

	(void)state;
	push_n(s, 0, 500, 200);             /* over several 64 KiB segments */
	assert_true(count_segments("order") >= 2);
	for (int i = 0; i < 500; i++)
		expect_at(s, (size_t)i, i);
	assert_int_equal(ndr_spool_peek(s, 500, &m, &len, err, sizeof(err)), 0);
	assert_int_equal(ndr_spool_pop(s, 120, err, sizeof(err)), 0);
	expect_at(s, 0, 120);
	ndr_spool_close(s);

	s = open_spool("order", 1 << 20);   /* a restart */
	ndr_spool_stats(s, &st);
	assert_int_equal(st.recovered, 380);
	assert_int_equal(ndr_spool_count(s), 380);
	for (int i = 0; i < 380; i++)
		expect_at(s, (size_t)i, 120 + i);
	push_n(s, 500, 510, 10);            /* new ones go after the old */
	expect_at(s, 380, 500);
	assert_int_equal(ndr_spool_pop(s, 390, err, sizeof(err)), 0);
	assert_int_equal(ndr_spool_sync(s, err, sizeof(err)), 0);
	assert_int_equal(ndr_spool_count(s), 0);
	/* every segment wholly taken is gone; the one being written stays */
	assert_int_equal(count_segments("order"), 1);
	ndr_spool_close(s);
	s = open_spool("order", 1 << 20);
	assert_int_equal(ndr_spool_count(s), 0);
	ndr_spool_close(s);
}

static void test_full_drops_oldest(void **state)
{
	struct ndr_spool *s = open_spool("full", 64 * 1024);
	struct ndr_spool_stats st;
	size_t n;

	(void)state;
	push_n(s, 0, 200, 1000);            /* ~200 KB into 64 KiB */
	ndr_spool_stats(s, &st);
	n = ndr_spool_count(s);
	assert_true(st.bytes <= 64 * 1024);
	assert_int_equal(st.dropped + n, 200);
	assert_true(n >= 55 && n <= 65);   /* 64 KiB / ~1020 bytes */
	for (size_t i = 0; i < n; i++)      /* the newest, in order */
		expect_at(s, i, (int)(200 - n + i));
	/* too big for the spool at all: refused, nothing lost */
	{
		static char big[70 * 1024];
		assert_int_equal(ndr_spool_push(s, big, sizeof(big), err, sizeof(err)), -1);
		assert_non_null(strstr(err, "does not fit"));
		assert_int_equal(ndr_spool_count(s), n);
	}
	ndr_spool_close(s);
	s = open_spool("full", 64 * 1024);
	assert_int_equal(ndr_spool_count(s), n);
	expect_at(s, 0, (int)(200 - n));
	ndr_spool_close(s);
}

static void test_torn_last_record(void **state)
{
	struct ndr_spool *s = open_spool("torn", 1 << 20);
	struct ndr_spool_stats st;
	char path[160];
	int fd;

	(void)state;
	push_n(s, 0, 3, 5);
	ndr_spool_close(s);
	/* a crash in the middle of a push: a header and part of a message */
	snprintf(path, sizeof(path), "%s/torn/%016x.seg", dir, 0);
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\x40\x00\x00\x00\x12\x34\x56\x78partial", 15), 15);
	close(fd);
	s = open_spool("torn", 1 << 20);
	ndr_spool_stats(s, &st);
	assert_int_equal(ndr_spool_count(s), 3);
	assert_int_equal(st.corrupt_bytes, 15);
	push_n(s, 3, 5, 5);                 /* written where the torn record was */
	ndr_spool_close(s);
	s = open_spool("torn", 1 << 20);
	ndr_spool_stats(s, &st);
	assert_int_equal(st.corrupt_bytes, 0);
	for (int i = 0; i < 5; i++)
		expect_at(s, (size_t)i, i);
	ndr_spool_close(s);
}

static void test_crash_after_pop_gives_back(void **state)
{
	struct ndr_spool *s = open_spool("crash", 1 << 20);
	pid_t pid;
	int status;

	(void)state;
	push_n(s, 0, 20, 5);
	ndr_spool_close(s);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ndr_spool *c = open_spool("crash", 1 << 20);
		ndr_spool_pop(c, 10, err, sizeof(err));    /* fewer than NDR_SPOOL_HEAD_EVERY */
		_exit(0);                                   /* a crash: no close */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	s = open_spool("crash", 1 << 20);
	/* all twenty again: duplicates, never a gap */
	assert_int_equal(ndr_spool_count(s), 20);
	expect_at(s, 0, 0);
	ndr_spool_close(s);
}

static void test_one_process_per_spool(void **state)
{
	struct ndr_spool *s = open_spool("lock", 1 << 20);
	struct ndr_spool_opts o;
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/lock", dir);
	ndr_spool_opts_default(&o);
	o.dir = path;
	o.max_bytes = 1 << 20;
	/* flock is per open file: a second open in this process is refused too */
	assert_null(ndr_spool_open(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "in use by another process"));
	ndr_spool_close(s);
	s = ndr_spool_open(&o, err, sizeof(err));
	assert_non_null(s);
	ndr_spool_close(s);
	o.max_bytes = 1000;
	assert_null(ndr_spool_open(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "below"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_across_reopen),
		cmocka_unit_test(test_full_drops_oldest),
		cmocka_unit_test(test_torn_last_record),
		cmocka_unit_test(test_crash_after_pop_gives_back),
		cmocka_unit_test(test_one_process_per_spool),
	};

	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
