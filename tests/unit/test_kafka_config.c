/*
 * test_kafka_config.c - the [kafka] section and the librdkafka
 * configuration built from it (ndr_kafka.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <librdkafka/rdkafka.h>

#include "ndr_kafka.h"

static int parse(const char *text, struct ndr_kafka_opts *o, char *err, size_t errlen)
{
	struct ndr_config *cfg = ndr_config_parse(text, "k.conf", err, errlen);
	int rc;

	assert_non_null(cfg);
	ndr_kafka_opts_default(o);
	rc = ndr_kafka_config(cfg, o, err, errlen);
	if (rc == 0 && ndr_config_check_unused(cfg, err, errlen))
		rc = -1;
	/* the options point into cfg: copy what the test looks at first */
	if (rc == 0) {
		static char brokers[128], alerts[128];

		snprintf(brokers, sizeof(brokers), "%s", o->brokers ? o->brokers : "");
		snprintf(alerts, sizeof(alerts), "%s", o->topic[NDR_KT_ALERTS]);
		o->brokers = brokers;
		o->topic[NDR_KT_ALERTS] = alerts;
		o->n_props = 0;
	}
	ndr_config_free(cfg);
	return rc;
}

static void expect_error(const char *text, const char *want)
{
	struct ndr_kafka_opts o;
	char err[512] = "";

	assert_int_equal(parse(text, &o, err, sizeof(err)), -1);
	if (!strstr(err, want))
		fail_msg("expected '%s' in '%s'", want, err);
}

static void test_defaults(void **state)
{
	struct ndr_kafka_opts o;

	(void)state;
	ndr_kafka_opts_default(&o);
	assert_null(o.brokers);
	assert_string_equal(o.topic[NDR_KT_ALERTS], "ndr.alerts");
	assert_string_equal(o.topic[NDR_KT_RECORDS], "ndr.records");
	assert_string_equal(o.acks, "all");
	assert_true(o.idempotent);
	assert_int_equal(o.key_seed, NDR_KAFKA_DEFAULT_KEY_SEED);
}

static void test_section_read(void **state)
{
	struct ndr_kafka_opts o;
	char err[512];

	(void)state;
	assert_int_equal(parse("[kafka]\nbrokers = k1:9092,k2:9092\nalerts_topic = soc.alerts\n"
			       "compression = zstd\nqueue_messages = 10k\nlinger = 5ms\n"
			       "key_seed = 0x1234\nproperty = security.protocol=SSL\n",
			       &o, err, sizeof(err)), 0);
	assert_string_equal(o.brokers, "k1:9092,k2:9092");
	assert_string_equal(o.topic[NDR_KT_ALERTS], "soc.alerts");
	assert_int_equal(o.queue_messages, 10000);
	assert_int_equal(o.linger_ms, 5);
	assert_int_equal(o.key_seed, 0x1234);
}

static void test_section_errors(void **state)
{
	(void)state;
	expect_error("[kafka]\nacks = 1\n",
		     "k.conf:2: [kafka] acks: the idempotent producer needs acks = all");
	expect_error("[kafka]\nacks = some\n", "k.conf:2: [kafka] acks: 'some': all, 1 or 0");
	expect_error("[kafka]\ncompression = brotli\n", "'brotli': none, gzip, snappy, lz4 or zstd");
	expect_error("[kafka]\nproperty = novalue\n", "k.conf:2: [kafka] property: 'novalue'");
	expect_error("[kafka]\nproperty = =x\n", "expected name=value");
	expect_error("[kafka]\nqueue_messages = 0\n", "queue_messages");
	expect_error("[kafka]\nbrokres = x\n", "unknown key 'brokres' in [kafka]");
	/* acks = 1 is fine without idempotence */
	struct ndr_kafka_opts o;
	char err[512];
	assert_int_equal(parse("[kafka]\nacks = 1\nidempotent = no\n", &o, err, sizeof(err)), 0);
}

static void expect_conf(rd_kafka_conf_t *conf, const char *name, const char *want)
{
	char v[256];
	size_t len = sizeof(v);

	assert_int_equal(rd_kafka_conf_get(conf, name, v, &len), RD_KAFKA_CONF_OK);
	assert_string_equal(v, want);
}

/* Role settings come after the common ones, properties after both: an
 * operator can override anything; librdkafka's refusal is the error. */
static void test_conf_layers(void **state)
{
	struct ndr_kafka_opts o;
	const char *props[] = { "linger.ms=77", "client.id=probe-7" };
	const char *role[] = { "linger.ms", "5", NULL };
	const char *bad[] = { "no.such.property=1" };
	rd_kafka_conf_t *conf;
	char err[512];

	(void)state;
	ndr_kafka_opts_default(&o);
	assert_null(ndr_kafka_conf_new(&o, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "no brokers"));
	o.brokers = "127.0.0.1:9";
	conf = ndr_kafka_conf_new(&o, role, err, sizeof(err));
	assert_non_null(conf);
	expect_conf(conf, "bootstrap.servers", "127.0.0.1:9");
	expect_conf(conf, "linger.ms", "5");
	expect_conf(conf, "client.id", "ndr");
	rd_kafka_conf_destroy(conf);
	o.props = props;
	o.n_props = 2;
	conf = ndr_kafka_conf_new(&o, role, err, sizeof(err));
	assert_non_null(conf);
	expect_conf(conf, "linger.ms", "77");
	expect_conf(conf, "client.id", "probe-7");
	rd_kafka_conf_destroy(conf);
	o.props = bad;
	o.n_props = 1;
	assert_null(ndr_kafka_conf_new(&o, role, err, sizeof(err)));
	assert_non_null(strstr(err, "kafka: no.such.property=1: No such configuration property"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_section_read),
		cmocka_unit_test(test_section_errors),
		cmocka_unit_test(test_conf_layers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
