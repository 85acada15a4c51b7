/*
 * test_state_loaders.c - every detector's state loader against files the
 * saver could never have written. Each case was a real defect: a pair count
 * that wraps when multiplied (a 144-byte file hung the sensor at startup), a
 * pair stored twice (its hosts' admin counts stayed inflated forever), and
 * times past the year 2262 (wrapping the learning window and the ages).
 * A rejected file must leave an empty baseline and be moved aside.
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

#include "flowgen.h"
#include "ndr_detectors_ext.h"
#include "ndr_state_store.h"

static const struct ndr_detector_ops *ops = &ndr_det_new_admin_path;
#define DAY (86400ull * FG_SEC)

struct pair {
	uint8_t src, dst;          /* 10.0.0.src -> 10.0.5.dst */
	uint16_t port, days_seen;
	uint32_t first_day, last_day;
	uint8_t flags;
	uint64_t last_ns;
};

/* A schema 1 payload as ndr_det_new_admin_path_save writes it. */
static size_t payload(uint8_t *out, uint64_t learn_start, uint64_t count,
		      const struct pair *p, size_t n)
{
	memcpy(out, &learn_start, 8);
	memcpy(out + 8, &count, 8);
	for (size_t i = 0; i < n; i++) {
		uint8_t *r = out + 16 + i * 64;

		memset(r, 0, 64);
		r[10] = r[11] = 0xff;               /* IPv4-mapped */
		r[12] = 10; r[15] = p[i].src;
		r[26] = r[27] = 0xff;
		r[28] = 10; r[30] = 5; r[31] = p[i].dst;
		memcpy(r + 32, &p[i].port, 2);
		memcpy(r + 34, &p[i].days_seen, 2);
		memcpy(r + 36, &p[i].first_day, 4);
		memcpy(r + 40, &p[i].last_day, 4);
		r[44] = p[i].flags;
		memcpy(r + 48, &p[i].last_ns, 8);
	}
	return 16 + n * 64;
}

static void write_state(const char *dir, uint64_t written_ns, const uint8_t *data, size_t len)
{
	char err[512];
	struct ndr_state_writer *w = ndr_state_write_begin(dir, "new_admin_path", 1, written_ns,
							   err, sizeof(err));

	if (!w || ndr_state_write(w, data, len, err, sizeof(err)) != 0 ||
	    ndr_state_write_commit(w, err, sizeof(err)) != 0)
		fail_msg("writing the state file: %s", err);
}

/* Loads dir into a fresh detector: the result, with err, and pairs kept. */
static int load(const char *dir, char *err, size_t errlen, long long *pairs)
{
	void *d = fg_create(ops, NULL);
	int rc;

	alarm(10);   /* a loader that loops on a huge count fails, not hangs */
	rc = ops->state_load(d, dir, err, errlen);
	alarm(0);
	*pairs = fg_stat(ops, d, "pairs");
	ops->destroy(d);
	return rc;
}

static void expect_rejected(const char *dir, const char *why_part)
{
	char err[512], path[600];
	long long pairs;

	assert_int_equal(load(dir, err, sizeof(err), &pairs), -1);
	if (!strstr(err, why_part))
		fail_msg("expected '%s' in: %s", why_part, err);
	assert_non_null(strstr(err, "empty baseline"));
	assert_int_equal(pairs, 0);
	snprintf(path, sizeof(path), "%s/new_admin_path.state.bad", dir);
	assert_int_equal(access(path, F_OK), 0);
	unlink(path);
}

static const uint64_t T = FG_T0 + 3 * DAY;
#define GOOD(src, dst, port) { src, dst, port, 2, (uint32_t)(T / DAY) - 1, (uint32_t)(T / DAY), 1, T }

static void count_that_wraps(void **state)
{
	char dir[] = "/tmp/ndr-test-sl-XXXXXX";
	struct pair p[1] = { GOOD(100, 1, 22) };
	uint8_t buf[16 + 64];

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* (2^58 + 1) * 64 wraps to 64: the one record that is there */
	write_state(dir, T, buf, payload(buf, FG_T0, (1ull << 58) + 1, p, 1));
	expect_rejected(dir, "pair count does not match");
	/* and a count one short or one long of the records */
	write_state(dir, T, buf, payload(buf, FG_T0, 2, p, 1));
	expect_rejected(dir, "pair count does not match");
	write_state(dir, T, buf, payload(buf, FG_T0, 0, p, 1));
	expect_rejected(dir, "pair count does not match");
	rmdir(dir);
}

static void duplicate_pair(void **state)
{
	char dir[] = "/tmp/ndr-test-sl-XXXXXX", err[512];
	struct pair p[3] = { GOOD(100, 1, 22), GOOD(100, 2, 22), GOOD(100, 1, 22) };
	uint8_t buf[16 + 3 * 64];
	long long pairs;

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_state(dir, T, buf, payload(buf, FG_T0, 2, p, 2));
	assert_int_equal(load(dir, err, sizeof(err), &pairs), 1);   /* the two distinct ones */
	assert_int_equal(pairs, 2);
	write_state(dir, T, buf, payload(buf, FG_T0, 3, p, 3));
	expect_rejected(dir, "pair 2: 10.0.0.100->10.0.5.1:22 is in the file twice");
	unlink(strcat(strcpy(err, dir), "/new_admin_path.state"));
	rmdir(dir);
}

static void impossible_times(void **state)
{
	char dir[] = "/tmp/ndr-test-sl-XXXXXX";
	struct pair p[1] = { GOOD(100, 1, 22) };
	uint8_t buf[16 + 64];

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* the file written after the year 2262 */
	write_state(dir, 0xffffffffffffff00ull, buf, payload(buf, FG_T0, 1, p, 1));
	expect_rejected(dir, "after the year 2262");
	/* a session after the moment the file was written */
	write_state(dir, T - 1, buf, payload(buf, FG_T0, 1, p, 1));
	expect_rejected(dir, "pair 0: invalid record");
	/* learning started after it */
	write_state(dir, T, buf, payload(buf, T + 1, 1, p, 1));
	expect_rejected(dir, "learning started");
	/* last_day that is not the day of last_ns */
	p[0].last_day++;
	write_state(dir, T, buf, payload(buf, FG_T0, 1, p, 1));
	expect_rejected(dir, "pair 0: invalid record");
	p[0].last_day--;
	/* never seen on any day */
	p[0].days_seen = 0;
	write_state(dir, T, buf, payload(buf, FG_T0, 1, p, 1));
	expect_rejected(dir, "pair 0: invalid record");
	rmdir(dir);
}

/* The admin counts a loaded baseline gives: 10.0.0.100 administers 10.0.5.1
 * and .2 (normal), so a new target of it scores as a known admin's (0.5,
 * and no alert by default when the target has no admins). */
static void loaded_counts_are_exact(void **state)
{
	char dir[] = "/tmp/ndr-test-sl-XXXXXX", err[512];
	struct pair p[2] = { GOOD(100, 1, 22), GOOD(100, 2, 22) };
	uint8_t buf[16 + 2 * 64];
	struct fg_alerts al = { 0 };
	struct ndr_flow_rec r;
	void *d = fg_create(ops, NULL);

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_state(dir, T, buf, payload(buf, FG_T0 - 10 * DAY, 2, p, 2));
	assert_int_equal(ops->state_load(d, dir, err, sizeof(err)), 1);
	assert_int_equal(fg_stat(ops, d, "normal_pairs"), 2);
	fg_flow(&r, "10.0.0.66", 51000, "10.0.5.1", 22, 6, T + FG_SEC, 60 * FG_SEC);
	fg_tcp_session(&r, 2000, 120, 3000, 400, 1500);
	fg_feed(ops, d, &r, &al);
	assert_int_equal(al.n, 1);      /* a stranger on a managed host */
	assert_non_null(strstr(al.a[0].signature, "target has regular admins"));
	ops->destroy(d);
	unlink(strcat(strcpy(err, dir), "/new_admin_path.state"));
	rmdir(dir);
}

/* Learning started, every pair aged out since: the newest session time is
 * the file's time, and must survive restarts for the file to stay valid. */
static void empty_baseline_survives_restarts(void **state)
{
	char dir[] = "/tmp/ndr-test-sl-XXXXXX", err[512];
	uint8_t buf[16];
	json_t *st;
	void *d;

	(void)state;
	assert_non_null(mkdtemp(dir));
	write_state(dir, T, buf, payload(buf, T - 10 * DAY, 0, NULL, 0));
	for (int restart = 0; restart < 3; restart++) {
		d = fg_create(ops, NULL);
		if (ops->state_load(d, dir, err, sizeof(err)) != 1)
			fail_msg("restart %d: %s", restart, err);
		st = json_object();
		ndr_detector_stats_json(ops, d, st);
		assert_true(json_is_false(json_object_get(st, "learning")));   /* it ended */
		json_decref(st);
		if (ops->state_save(d, dir, err, sizeof(err)) != 0)
			fail_msg("restart %d: save: %s", restart, err);
		ops->destroy(d);
	}
	unlink(strcat(strcpy(err, dir), "/new_admin_path.state"));
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(count_that_wraps),
		cmocka_unit_test(duplicate_pair),
		cmocka_unit_test(impossible_times),
		cmocka_unit_test(loaded_counts_are_exact),
		cmocka_unit_test(empty_baseline_survives_restarts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
