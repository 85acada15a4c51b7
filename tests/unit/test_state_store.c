/*
 * test_state_store.c - round trip, rejection of damaged or foreign files,
 * and atomicity when the writer dies before the rename.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "ndr_state_store.h"

static char dir[64];
static char path[128];

static void save(const char *text, uint32_t schema)
{
	char err[300];
	struct ndr_state_writer *w = ndr_state_write_begin(dir, "seen", schema, 42, err, sizeof(err));

	if (!w)
		fail_msg("%s", err);
	assert_int_equal(ndr_state_write(w, text, strlen(text), err, sizeof(err)), 0);
	if (ndr_state_write_commit(w, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

static int load(char *out, size_t len, uint32_t schema, char *err, size_t errlen)
{
	struct ndr_state_blob b;
	int rc = ndr_state_load(dir, "seen", schema, &b, err, errlen);

	if (rc == 1) {
		assert_true(b.len < len);
		memcpy(out, b.data, b.len);
		out[b.len] = '\0';
		assert_int_equal(b.written_ns, 42);
		free(b.data);
	}
	return rc;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ndr-test-state-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/seen.state", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void round_trip(void **state)
{
	char buf[256], err[300];

	(void)state;
	assert_int_equal(load(buf, sizeof(buf), 1, err, sizeof(err)), 0);   /* no file */
	save("example.com\nexample.org\n", 1);
	assert_int_equal(load(buf, sizeof(buf), 1, err, sizeof(err)), 1);
	assert_string_equal(buf, "example.com\nexample.org\n");
	save("", 1);                                                         /* empty payload */
	assert_int_equal(load(buf, sizeof(buf), 1, err, sizeof(err)), 1);
	assert_string_equal(buf, "");
}

static void damaged_and_foreign_files_rejected(void **state)
{
	char buf[256], err[300];
	FILE *f;

	(void)state;
	save("payload-bytes", 1);
	assert_int_equal(load(buf, sizeof(buf), 2, err, sizeof(err)), -1);   /* other schema */
	assert_non_null(strstr(err, "schema 1"));
	assert_non_null(strstr(err, path));

	f = fopen(path, "r+b");                                               /* flip a byte */
	fseek(f, 35, SEEK_SET);
	fputc('X', f);
	fclose(f);
	assert_int_equal(load(buf, sizeof(buf), 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "checksum"));

	save("payload-bytes", 1);                                             /* truncated */
	assert_int_equal(truncate(path, 40), 0);
	assert_int_equal(load(buf, sizeof(buf), 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "size"));

	f = fopen(path, "wb");                                                /* not ours */
	fputs("hello world, this is not a state file at all", f);
	fclose(f);
	assert_int_equal(load(buf, sizeof(buf), 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "magic"));
	assert_int_equal(ndr_state_quarantine(dir, "seen", err, sizeof(err)), 0);
	assert_int_equal(load(buf, sizeof(buf), 1, err, sizeof(err)), 0);
}

/* A writer that dies after writing everything but before commit leaves the
 * old state readable; the next writer cleans up its temporary file. */
static void crash_before_rename_keeps_old_state(void **state)
{
	char buf[256], err[300], tmp[160];
	int status;
	pid_t pid;

	(void)state;
	save("old", 1);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ndr_state_writer *w = ndr_state_write_begin(dir, "seen", 1, 42, err, sizeof(err));

		if (!w || ndr_state_write(w, "new-new-new", 11, err, sizeof(err)) != 0)
			_exit(2);
		/* flush what is buffered, as a crash mid-way would have */
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	snprintf(tmp, sizeof(tmp), "%s/.seen.state.tmp.%ld", dir, (long)pid);
	assert_int_equal(access(tmp, F_OK), 0);                 /* the half-written file */
	assert_int_equal(load(buf, sizeof(buf), 1, err, sizeof(err)), 1);
	assert_string_equal(buf, "old");
	save("newer", 1);
	assert_int_equal(access(tmp, F_OK), -1);                /* cleaned up */
	assert_int_equal(load(buf, sizeof(buf), 1, err, sizeof(err)), 1);
	assert_string_equal(buf, "newer");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(damaged_and_foreign_files_rejected),
		cmocka_unit_test(crash_before_rename_keeps_old_state),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
