/*
 * kafka_config.c - the [kafka] section and the librdkafka configuration
 * every ndr Kafka client starts from (ndr_kafka.h, docs/fleet.md).
 */
#include <stdio.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "ndr_kafka.h"

#define SECTION "kafka"

static const char *const topic_key[NDR_KT_N] = {
	"alerts_topic", "records_topic", "flow_topic", "dns_topic", "tls_topic",
};
static const char *const topic_default[NDR_KT_N] = {
	"ndr.alerts", "ndr.records", "ndr.flow", "ndr.dns", "ndr.tls",
};

void ndr_kafka_opts_default(struct ndr_kafka_opts *o)
{
	memset(o, 0, sizeof(*o));
	for (int t = 0; t < NDR_KT_N; t++)
		o->topic[t] = topic_default[t];
	o->acks = "all";
	o->compression = "lz4";
	o->idempotent = 1;
	o->queue_messages = 500000;
	o->spool_bytes = 256ull << 20;
	o->queue_bytes = 256u << 20;
	o->linger_ms = 20;
	o->delivery_timeout_ms = 300000;
	o->close_timeout_ms = 10000;
	o->key_seed = NDR_KAFKA_DEFAULT_KEY_SEED;
	o->client_id = "ndr";
}

static int one_of(const char *v, const char *const *allowed)
{
	for (; *allowed; allowed++)
		if (!strcmp(v, *allowed))
			return 1;
	return 0;
}

int ndr_kafka_config(struct ndr_config *cfg, struct ndr_kafka_opts *o, char *err,
		     size_t errlen)
{
	static const char *const acks[] = { "all", "-1", "1", "0", NULL };
	static const char *const codecs[] = { "none", "gzip", "snappy", "lz4", "zstd", NULL };
	const char *const *props;

	if (ndr_config_str(cfg, SECTION, "brokers", o->brokers, &o->brokers, err, errlen) ||
	    ndr_config_str(cfg, SECTION, "client_id", o->client_id, &o->client_id, err, errlen) ||
	    ndr_config_str(cfg, SECTION, "acks", o->acks, &o->acks, err, errlen) ||
	    ndr_config_str(cfg, SECTION, "compression", o->compression, &o->compression, err,
			   errlen) ||
	    ndr_config_bool(cfg, SECTION, "idempotent", o->idempotent, &o->idempotent, err,
			    errlen) ||
	    ndr_config_u64(cfg, SECTION, "queue_messages", o->queue_messages, 1, 10000000,
			   &o->queue_messages, err, errlen) ||
	    ndr_config_u64(cfg, SECTION, "queue_bytes", o->queue_bytes, 1024, 1ull << 40,
			   &o->queue_bytes, err, errlen) ||
	    ndr_config_duration_ms(cfg, SECTION, "linger", o->linger_ms, 0, 900000,
				   &o->linger_ms, err, errlen) ||
	    ndr_config_duration_ms(cfg, SECTION, "delivery_timeout", o->delivery_timeout_ms, 1000,
				   86400000, &o->delivery_timeout_ms, err, errlen) ||
	    ndr_config_duration_ms(cfg, SECTION, "close_timeout", o->close_timeout_ms, 0,
				   3600000, &o->close_timeout_ms, err, errlen) ||
	    ndr_config_u64(cfg, SECTION, "key_seed", o->key_seed, 0, UINT64_MAX, &o->key_seed,
			   err, errlen) ||
	    ndr_config_str(cfg, SECTION, "spool_dir", o->spool_dir, &o->spool_dir, err, errlen) ||
	    ndr_config_u64(cfg, SECTION, "spool_bytes", o->spool_bytes, 65536, 1ull << 40,
			   &o->spool_bytes, err, errlen))
		return -1;
	if (o->spool_dir && !o->spool_dir[0])
		return ndr_config_errorf(cfg, SECTION, "spool_dir", o->spool_dir, err, errlen,
					 "an empty directory name");
	for (int t = 0; t < NDR_KT_N; t++) {
		if (ndr_config_str(cfg, SECTION, topic_key[t], o->topic[t], &o->topic[t], err,
				   errlen))
			return -1;
		if (!o->topic[t][0] || strlen(o->topic[t]) > 249)
			return ndr_config_errorf(cfg, SECTION, topic_key[t], o->topic[t], err,
						 errlen, "a topic name has 1 to 249 characters");
	}
	if (!one_of(o->acks, acks))
		return ndr_config_errorf(cfg, SECTION, "acks", o->acks, err, errlen,
					 "'%s': all, 1 or 0", o->acks);
	if (o->idempotent && strcmp(o->acks, "all") && strcmp(o->acks, "-1"))
		return ndr_config_errorf(cfg, SECTION, "acks", o->acks, err, errlen,
					 "the idempotent producer needs acks = all "
					 "(or set idempotent = no)");
	if (!one_of(o->compression, codecs))
		return ndr_config_errorf(cfg, SECTION, "compression", o->compression, err, errlen,
					 "'%s': none, gzip, snappy, lz4 or zstd", o->compression);
	o->n_props = ndr_config_list(cfg, SECTION, "property", &props);
	if (o->n_props > NDR_KAFKA_MAX_PROPS)
		return ndr_config_errorf(cfg, SECTION, "property", NULL, err, errlen,
					 "at most %d properties", NDR_KAFKA_MAX_PROPS);
	o->props = props;
	for (size_t i = 0; i < o->n_props; i++) {
		const char *eq = strchr(props[i], '=');

		if (!eq || eq == props[i])
			return ndr_config_errorf(cfg, SECTION, "property", props[i], err, errlen,
						 "'%s': expected name=value (a librdkafka "
						 "property)", props[i]);
	}
	return 0;
}

int ndr_kafka_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value, char *err,
		       size_t errlen)
{
	char why[256];

	if (rd_kafka_conf_set(conf, name, value, why, sizeof(why)) != RD_KAFKA_CONF_OK) {
		snprintf(err, errlen, "kafka: %s=%s: %s", name, value, why);
		return -1;
	}
	return 0;
}

rd_kafka_conf_t *ndr_kafka_conf_new(const struct ndr_kafka_opts *o, const char *const *role,
				    char *err, size_t errlen)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();

	if (!o->brokers || !o->brokers[0]) {
		snprintf(err, errlen, "kafka: no brokers (--kafka HOST:PORT,... or [kafka] brokers)");
		goto fail;
	}
	if (ndr_kafka_conf_set(conf, "bootstrap.servers", o->brokers, err, errlen) ||
	    ndr_kafka_conf_set(conf, "client.id", o->client_id, err, errlen) ||
	    /* for the retry count (ndr_kafka_stats) */
	    ndr_kafka_conf_set(conf, "statistics.interval.ms", "1000", err, errlen) ||
	    ndr_kafka_conf_set(conf, "log_level", "4", err, errlen))
		goto fail;
	for (; role && role[0]; role += 2)
		if (ndr_kafka_conf_set(conf, role[0], role[1], err, errlen))
			goto fail;
	for (size_t i = 0; i < o->n_props; i++) {
		char name[256];
		const char *eq = strchr(o->props[i], '=');
		size_t n = eq ? (size_t)(eq - o->props[i]) : 0;

		if (!eq || n == 0 || n >= sizeof(name)) {
			snprintf(err, errlen, "kafka: property '%s': expected name=value",
				 o->props[i]);
			goto fail;
		}
		memcpy(name, o->props[i], n);
		name[n] = '\0';
		if (ndr_kafka_conf_set(conf, name, eq + 1, err, errlen))
			goto fail;
	}
	return conf;
fail:
	rd_kafka_conf_destroy(conf);
	return NULL;
}
