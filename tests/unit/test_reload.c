/*
 * test_reload.c - what SIGHUP relies on: configuration diffs, detectors
 * taking new thresholds and allowlists while keeping what they counted, the
 * refusals, and the health registry's Prometheus text and loss warnings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowgen.h"
#include "ndr_config.h"
#include "ndr_detectors_ext.h"
#include "ndr_health.h"

static struct ndr_config *parse(const char *text)
{
	char err[256] = "";
	struct ndr_config *c = ndr_config_parse(text, "t.conf", err, sizeof(err));

	if (!c)
		fail_msg("%s", err);
	return c;
}

static void config_diff_names_each_changed_key(void **state)
{
	struct ndr_config *a = parse("[x]\nk = 1\nlist = a\nlist = b\n[y]\nz = 2\n");
	struct ndr_config *b = parse("[x]\nk = 2\nlist = a\nlist = b\n[y]\nz = 2\nnew = 3\n");
	char out[512];

	(void)state;
	assert_int_equal(ndr_config_diff(a, b, NULL, out, sizeof(out)), 2);
	assert_string_equal(out, "[x] k: 1 -> 2; [y] new: (unset) -> 3");
	assert_int_equal(ndr_config_diff(a, b, "x", NULL, 0), 1);
	assert_int_equal(ndr_config_diff(a, a, NULL, out, sizeof(out)), 0);
	ndr_config_free(b);
	b = parse("[x]\nk = 1\nlist = a\n[y]\nz = 2\n");
	assert_int_equal(ndr_config_diff(a, b, "x", out, sizeof(out)), 1);
	assert_string_equal(out, "[x] list: a, b -> a");
	ndr_config_free(a);
	ndr_config_free(b);
}

/* failed attempts from src to n hosts on port 445, from host index first */
static void scan(const struct ndr_detector_ops *ops, void *d, int first, int n,
		 struct fg_alerts *al)
{
	struct ndr_flow_rec r;
	char dst[32];

	for (int i = first; i < first + n; i++) {
		snprintf(dst, sizeof(dst), "10.1.0.%d", i + 1);
		fg_flow(&r, "10.0.0.5", (uint16_t)(40000 + i), dst, 445, 6, FG_T0 + i * FG_SEC, 0);
		fg_tcp_failed(&r, 1);
		fg_feed(ops, d, &r, al);
	}
}

static void port_scan_threshold_lowered_keeps_counts(void **state)
{
	const struct ndr_detector_ops *ops = &ndr_det_port_scan;
	struct fg_alerts al = { 0 };
	void *d = fg_create(ops, "[port_scan]\nhosts_per_port = 100\n");
	void *fresh = fg_create(ops, "[port_scan]\nhosts_per_port = 20\n");
	char err[256] = "";

	(void)state;
	scan(ops, d, 0, 30, &al);
	assert_int_equal(al.n, 0);                  /* 30 hosts < 100 */
	assert_int_equal(ops->reconfigure(d, fresh, 0, err, sizeof(err)), 0);
	assert_int_equal(ops->reconfigure(d, fresh, 1, err, sizeof(err)), 0);
	ops->destroy(fresh);
	scan(ops, d, 30, 1, &al);
	/* the 31st host crosses 20 at once: the 30 before were kept */
	assert_int_equal(fg_count(&al, "port_scan", "10.0.0.5"), 1);
	ops->destroy(d);
}

static void allowlist_added_on_reload(void **state)
{
	const struct ndr_detector_ops *ops = &ndr_det_port_scan;
	struct fg_alerts al = { 0 };
	void *d = fg_create(ops, "[port_scan]\nhosts_per_port = 20\n");
	void *fresh = fg_create(ops, "[port_scan]\nhosts_per_port = 20\nallow_src = 10.0.0.5/32\n");
	char err[256] = "";

	(void)state;
	assert_int_equal(ops->reconfigure(d, fresh, 1, err, sizeof(err)), 0);
	ops->destroy(fresh);
	scan(ops, d, 0, 60, &al);
	assert_int_equal(al.n, 0);
	assert_int_equal(fg_stat(ops, d, "allowlisted"), 60);
	ops->destroy(d);
}

static void sizes_need_a_restart(void **state)
{
	struct { const struct ndr_detector_ops *ops; const char *a, *b, *why; } c[] = {
		{ &ndr_det_port_scan, "[port_scan]\nmemory_cap = 1m\n", "[port_scan]\nmemory_cap = 2m\n",
		  "memory_cap" },
		{ &ndr_det_dns_tunnel, "[dns_tunnel]\nmax_entities = 1024\n",
		  "[dns_tunnel]\nmax_entities = 2048\n", "max_entities" },
		{ &ndr_det_dns_tunnel, "[dns_tunnel]\nhll_precision = 10\n",
		  "[dns_tunnel]\nhll_precision = 12\n", "hll_precision" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		void *d = fg_create(c[i].ops, c[i].a), *f = fg_create(c[i].ops, c[i].b);
		char err[256] = "";

		assert_int_equal(c[i].ops->reconfigure(d, f, 0, err, sizeof(err)), -1);
		assert_non_null(strstr(err, c[i].why));
		assert_non_null(strstr(err, "restart"));
		c[i].ops->destroy(f);
		c[i].ops->destroy(d);
	}
}

static void every_detector_can_reload(void **state)
{
	(void)state;
	for (const struct ndr_detector_ops *const *o = ndr_detectors; *o; o++)
		assert_non_null((*o)->reconfigure);
}

static uint64_t read_u64(const void *p)
{
	return *(const uint64_t *)p;
}

static void health_prometheus_and_warnings(void **state)
{
	static const char *const losses[] = { "dropped", NULL };
	struct ndr_health *h = ndr_health_new();
	struct ndr_stats a = { 0 }, b = { 0 };
	uint64_t sent = 5, dropped = 0, queued = 3, b_sent = 7;
	char *text = NULL, warn[1024];
	size_t len = 0;
	FILE *f;

	(void)state;
	ndr_stats_counter(&a, "sent", &sent);
	ndr_stats_counter(&a, "dropped", &dropped);
	ndr_stats_gauge(&a, "queued", read_u64, &queued);
	ndr_stats_counter(&b, "sent", &b_sent);
	assert_int_equal(ndr_health_add(h, "syslog", "receiver", "udp://a:514", &a, losses,
					NULL, NULL), 0);
	assert_int_equal(ndr_health_add(h, "kafka", NULL, NULL, &b, NULL, NULL, NULL), 0);
	assert_int_equal(ndr_health_add(h, "syslog", "receiver", "tcp://b\"x:1", &b, losses,
					NULL, NULL), 0);
	assert_int_equal(ndr_health_add(h, "Bad-Name", NULL, NULL, &b, NULL, NULL, NULL), -1);
	ndr_health_collect(h);
	f = open_memstream(&text, &len);
	assert_int_equal(ndr_health_prometheus(h, f), 0);
	fclose(f);
	/* one family, both receivers together, after one HELP and TYPE */
	assert_non_null(strstr(text, "# TYPE ndr_syslog_sent_total counter\n"
				     "ndr_syslog_sent_total{receiver=\"udp://a:514\"} 5\n"
				     "ndr_syslog_sent_total{receiver=\"tcp://b\\\"x:1\"} 7\n"));
	assert_non_null(strstr(text, "# TYPE ndr_syslog_queued gauge\n"
				     "ndr_syslog_queued{receiver=\"udp://a:514\"} 3\n"));
	assert_non_null(strstr(text, "ndr_kafka_sent_total 7\n"));
	free(text);
	assert_int_equal(ndr_health_value(h, "syslog", "udp://a:514", "queued"), 3);

	f = fmemopen(warn, sizeof(warn), "w");
	assert_int_equal(ndr_health_warn(h, 0.0, 60.0, f), 0);    /* nothing lost */
	dropped = 4;
	ndr_health_collect(h);
	assert_int_equal(ndr_health_warn(h, 1.0, 60.0, f), 1);    /* at once */
	dropped = 10;
	ndr_health_collect(h);
	assert_int_equal(ndr_health_warn(h, 2.0, 60.0, f), 0);    /* rate limited */
	dropped = 11;
	ndr_health_collect(h);
	assert_int_equal(ndr_health_warn(h, 62.0, 60.0, f), 1);   /* the rises summed */
	fclose(f);
	assert_non_null(strstr(warn, "syslog udp://a:514 dropped rising: +4 (total 4)\n"));
	assert_non_null(strstr(warn, "syslog udp://a:514 dropped rising: +7 (total 11)\n"));
	ndr_health_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config_diff_names_each_changed_key),
		cmocka_unit_test(port_scan_threshold_lowered_keeps_counts),
		cmocka_unit_test(allowlist_added_on_reload),
		cmocka_unit_test(sizes_need_a_restart),
		cmocka_unit_test(every_detector_can_reload),
		cmocka_unit_test(health_prometheus_and_warnings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
