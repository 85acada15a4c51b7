/*
 * test_det_new_admin_path.c - D7: learning, alerts on new pairs, aging and
 * the baseline surviving a restart.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flowgen.h"
#include "ndr_detectors_ext.h"

static const struct ndr_detector_ops *ops = &ndr_det_new_admin_path;
#define DAY (86400ull * FG_SEC)

static void admin(void *d, struct fg_alerts *al, const char *src, const char *dst, uint16_t port,
		  uint64_t t)
{
	struct ndr_flow_rec r;

	fg_flow(&r, src, 51000, dst, port, 6, t, 600 * FG_SEC);
	fg_tcp_session(&r, 2000, 120, 3000, 400, 1500);
	fg_feed(ops, d, &r, al);
}

/* 7 days of habit: 10.0.0.100 administers three servers every day. */
static void learn_week(void *d, struct fg_alerts *al)
{
	for (int day = 0; day < 7; day++) {
		uint64_t t = FG_T0 + day * DAY + 3600 * FG_SEC;

		admin(d, al, "10.0.0.100", "10.0.5.1", 3389, t);
		admin(d, al, "10.0.0.100", "10.0.5.2", 22, t + FG_SEC);
		admin(d, al, "10.0.0.100", "10.0.5.3", 5985, t + 2 * FG_SEC);
	}
}

static void new_pairs_after_learning(void **state)
{
	struct fg_alerts al = { 0 };
	void *d = fg_create(ops, NULL);
	uint64_t after = FG_T0 + 8 * DAY;

	(void)state;
	learn_week(d, &al);
	admin(d, &al, "10.0.0.77", "10.0.5.1", 3389, FG_T0 + 2 * DAY);   /* during learning */
	assert_int_equal(al.n, 0);
	assert_int_equal(fg_stat(ops, d, "normal_pairs"), 3);

	admin(d, &al, "10.0.0.100", "10.0.5.1", 3389, after);             /* known path */
	admin(d, &al, "10.0.0.77", "10.0.5.1", 3389, after);              /* seen in learning */
	assert_int_equal(al.n, 0);
	admin(d, &al, "10.0.0.66", "10.0.5.2", 22, after + FG_SEC);       /* new actor */
	assert_int_equal(fg_count(&al, "new_admin_path", "10.0.0.66->10.0.5.2:22"), 1);
	assert_string_equal(al.a[0].mitre0, "T1021.004");
	assert_true(al.a[0].score >= 0.8);
	admin(d, &al, "10.0.0.66", "10.0.5.2", 22, after + 60 * FG_SEC);  /* same pair again */
	assert_int_equal(al.n, 1);
	admin(d, &al, "10.0.0.66", "10.0.0.67", 3389, after + 70 * FG_SEC); /* ws -> ws */
	assert_int_equal(al.n, 2);
	assert_true(al.a[1].score >= 0.9);
	admin(d, &al, "10.0.0.100", "10.0.9.9", 22, after + 80 * FG_SEC);  /* admin, fresh host */
	assert_int_equal(al.n, 2);
	assert_int_equal(fg_stat(ops, d, "new_target_known_admin"), 1);
	ops->destroy(d);
}

static void pairs_age_out(void **state)
{
	struct fg_alerts al = { 0 };
	void *d = fg_create(ops, "[new_admin_path]\nmax_age = 10d\n");
	struct ndr_alert_sink s = fg_sink(&al);

	(void)state;
	learn_week(d, &al);
	ops->tick(d, FG_T0 + 20 * DAY, &s);
	assert_int_equal(fg_stat(ops, d, "pairs"), 0);
	assert_int_equal(fg_stat(ops, d, "aged_out"), 3);
	admin(d, &al, "10.0.0.100", "10.0.5.1", 3389, FG_T0 + 20 * DAY);
	assert_int_equal(al.n, 1);    /* forgotten, so new again */
	ops->destroy(d);
}

static void baseline_survives_restart(void **state)
{
	char dir[] = "/tmp/ndr-test-ap-XXXXXX", err[512], path[600];
	struct fg_alerts al = { 0 };
	void *d = fg_create(ops, NULL), *d2;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(ndr_det_new_admin_path_load(d, dir, err, sizeof(err)), 0);  /* none yet */
	learn_week(d, &al);
	if (ndr_det_new_admin_path_save(d, dir, err, sizeof(err)) != 0)
		fail_msg("save: %s", err);
	ops->destroy(d);

	d2 = fg_create(ops, NULL);
	assert_int_equal(ndr_det_new_admin_path_load(d2, dir, err, sizeof(err)), 1);
	assert_int_equal(fg_stat(ops, d2, "pairs"), 3);
	assert_int_equal(fg_stat(ops, d2, "normal_pairs"), 3);
	admin(d2, &al, "10.0.0.100", "10.0.5.2", 22, FG_T0 + 9 * DAY);   /* still known */
	assert_int_equal(al.n, 0);
	admin(d2, &al, "10.0.0.66", "10.0.5.2", 22, FG_T0 + 9 * DAY);    /* learning is over */
	assert_int_equal(al.n, 1);
	ops->destroy(d2);

	/* a flipped byte: rejected, moved aside, empty baseline */
	snprintf(path, sizeof(path), "%s/new_admin_path.state", dir);
	f = fopen(path, "r+b");
	assert_non_null(f);
	fseek(f, 40, SEEK_SET);
	fputc(0x5a, f);
	fclose(f);
	d2 = fg_create(ops, NULL);
	assert_int_equal(ndr_det_new_admin_path_load(d2, dir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "checksum"));
	assert_non_null(strstr(err, "empty baseline"));
	assert_int_equal(fg_stat(ops, d2, "pairs"), 0);
	snprintf(path, sizeof(path), "%s/new_admin_path.state.bad", dir);
	assert_int_equal(access(path, F_OK), 0);
	unlink(path);
	rmdir(dir);
	ops->destroy(d2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(new_pairs_after_learning),
		cmocka_unit_test(pairs_age_out),
		cmocka_unit_test(baseline_survives_restart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
