/*
 * test_eve_writer.c - EVE lines on a file system that fills up: every line
 * in the file whole, the failure said once when it starts (not once per
 * line) and once when it stops, and the first line after space returns
 * starts clean. The test mounts its own small tmpfs in a private mount
 * namespace (root, as make test runs).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>
#include <jansson.h>

#include "ndr_eve_writer.h"

static char dir[64];

static int mount_small_tmpfs(void **state)
{
	(void)state;
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		fprintf(stderr, "test_eve_writer: needs root for a private tmpfs: %s\n",
			strerror(errno));
		return -1;
	}
	snprintf(dir, sizeof(dir), "/tmp/ndr-eve-full.XXXXXX");
	if (!mkdtemp(dir) || mount("tmpfs", dir, "tmpfs", 0, "size=64k")) {
		fprintf(stderr, "test_eve_writer: tmpfs on %s: %s\n", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static int unmount_tmpfs(void **state)
{
	(void)state;
	umount(dir);
	rmdir(dir);
	return 0;
}

struct reports {
	char text[8][256];
	int n;
};

static void catch_report(void *arg, const char *msg)
{
	struct reports *r = arg;

	if (r->n < 8)
		snprintf(r->text[r->n], sizeof(r->text[0]), "%s", msg);
	r->n++;
}

/* A 2900-byte line: writes cross the tmpfs's 4 KiB pages, so the one that
 * meets the full disk is cut short by the kernel. */
static int write_numbered(struct ndr_eve_writer *w, int n)
{
	char line[3000];
	int len = snprintf(line, sizeof(line), "{\"n\":%d,\"pad\":\"", n);

	memset(line + len, 'x', 2880);
	len += 2880;
	len += snprintf(line + len, sizeof(line) - (size_t)len, "\"}");
	return ndr_eve_write_line(w, line, (size_t)len);
}

/* Every line of the file parses and ends with a newline; returns how many,
 * and the numbers in order in ns. */
static int check_file(const char *path, int *ns, int max)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int count = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		json_error_t jerr;
		json_t *j;
		size_t len = strlen(line);

		if (len == 0 || line[len - 1] != '\n')
			fail_msg("line %d is not whole: %.60s...", count + 1, line);
		j = json_loads(line, 0, &jerr);
		if (!j)
			fail_msg("line %d is not JSON (%s): %.60s...", count + 1, jerr.text, line);
		if (count < max)
			ns[count] = (int)json_integer_value(json_object_get(j, "n"));
		json_decref(j);
		count++;
	}
	fclose(f);
	return count;
}

static void test_fill_up_and_recover(void **state)
{
	char path[96], filler[96], err[256];
	struct reports rep = { 0 };
	struct ndr_eve_writer *w;
	struct ndr_eve_stats st;
	int ns[64], written = 0, lost = 0, i, fd, lines;
	static char block[16384];

	(void)state;
	/* a file to delete later, so space comes back while the writer runs */
	snprintf(filler, sizeof(filler), "%s/filler", dir);
	fd = open(filler, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, block, sizeof(block)), (ssize_t)sizeof(block));
	close(fd);

	snprintf(path, sizeof(path), "%s/eve.json", dir);
	w = ndr_eve_writer_open(path, err, sizeof(err));
	assert_non_null(w);
	ndr_eve_writer_set_report(w, catch_report, &rep);
	for (i = 0; i < 40; i++) {
		if (write_numbered(w, i) == 0) {
			written++;
			assert_int_equal(lost, 0);   /* no line succeeds once the disk is full */
		} else {
			assert_true(errno == ENOSPC);
			lost++;
		}
	}
	ndr_eve_writer_stats(w, &st);
	assert_true(written > 0 && lost > 0);
	assert_int_equal(st.events, written);
	assert_int_equal(st.errors, lost);
	assert_true(st.failing);
	assert_true(st.cuts >= 1);          /* a partial line was there, and was cut */
	/* said once when it started, not once per lost line */
	assert_int_equal(rep.n, 1);
	assert_non_null(strstr(rep.text[0], "cannot write: No space left on device"));
	assert_non_null(strstr(rep.text[0], path));
	lines = check_file(path, ns, 64);
	assert_int_equal(lines, written);
	for (i = 0; i < lines; i++)
		assert_int_equal(ns[i], i);

	/* space returns: the next line is whole and on its own line */
	assert_int_equal(unlink(filler), 0);
	assert_int_equal(write_numbered(w, 1000), 0);
	assert_int_equal(rep.n, 1);          /* one line is not a recovery yet */
	usleep((useconds_t)(NDR_EVE_SETTLE_S * 1100000));
	assert_int_equal(write_numbered(w, 1001), 0);
	assert_int_equal(rep.n, 2);
	assert_non_null(strstr(rep.text[1], "writing again after"));
	ndr_eve_writer_stats(w, &st);
	assert_false(st.failing);
	lines = check_file(path, ns, 64);
	assert_int_equal(lines, written + 2);
	assert_int_equal(ns[written], 1000);
	assert_int_equal(ns[written + 1], 1001);
	ndr_eve_writer_close(w);
	assert_int_equal(rep.n, 2);          /* closed while fine: nothing to say */
}

/* Reopen after rotation: the old file keeps what was written, the new
 * one gets what follows. */
static void test_reopen_after_rotation(void **state)
{
	char path[96], moved[96], err[256];
	struct ndr_eve_writer *w;
	int ns[4];

	(void)state;
	snprintf(path, sizeof(path), "%s/rot.json", dir);
	snprintf(moved, sizeof(moved), "%s/rot.json.1", dir);
	w = ndr_eve_writer_open(path, err, sizeof(err));
	assert_non_null(w);
	assert_int_equal(ndr_eve_write_line(w, "{\"n\":1}", 7), 0);
	assert_int_equal(rename(path, moved), 0);
	assert_int_equal(ndr_eve_writer_reopen(w, err, sizeof(err)), 0);
	assert_int_equal(ndr_eve_write_line(w, "{\"n\":2}", 7), 0);
	ndr_eve_writer_close(w);
	assert_int_equal(check_file(moved, ns, 4), 1);
	assert_int_equal(ns[0], 1);
	assert_int_equal(check_file(path, ns, 4), 1);
	assert_int_equal(ns[0], 2);
	unlink(path);
	unlink(moved);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reopen_after_rotation),
		cmocka_unit_test(test_fill_up_and_recover),
	};

	return cmocka_run_group_tests(tests, mount_small_tmpfs, unmount_tmpfs);
}
