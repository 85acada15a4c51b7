/*
 * kafka_producer.c - the non-blocking idempotent producer (ndr_kafka.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <librdkafka/rdkafka.h>

#include "ndr_kafka.h"

struct ndr_kafka_producer {
	rd_kafka_t *rk;
	rd_kafka_topic_t *topic[NDR_KT_N];
	uint64_t close_timeout_ms;
	struct ndr_kafka_overflow ov;
	int have_ov;
	int finished;
	ndr_kafka_delivered_fn delivered_fn;
	void *delivered_arg;
	/* counters (registered in stats) */
	uint64_t produced, delivered, failed, retries, dropped, overflow;
	struct ndr_stats stats;
	char last_error[256];
};

static uint64_t stat_in_flight(const void *arg)
{
	return ndr_kafka_in_flight(arg);
}

static void set_error(struct ndr_kafka_producer *p, const char *what, const char *why)
{
	snprintf(p->last_error, sizeof(p->last_error), "%s: %s", what, why);
}

/* Which of our topics a delivery report is for (the opaque of its topic). */
static enum ndr_kafka_topic topic_of(const rd_kafka_message_t *m)
{
	return (enum ndr_kafka_topic)(intptr_t)rd_kafka_topic_opaque(m->rkt);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct ndr_kafka_producer *p = opaque;

	(void)rk;
	/* not delivered in delivery_timeout, or purged at close: into the
	 * overflow store (the disk spool) when there is one, to be sent again
	 * when the cluster is back or the sensor starts again */
	if (m->err && p->have_ov &&
	    p->ov.keep(p->ov.arg, topic_of(m), NDR_KAFKA_PARTITION_ANY, m->key, m->key_len,
		       m->payload, m->len) == 0) {
		p->overflow++;
		return;
	}
	if (m->err) {
		p->failed++;
		set_error(p, rd_kafka_topic_name(m->rkt), rd_kafka_err2str(m->err));
	} else {
		p->delivered++;
	}
	if (p->delivered_fn)
		p->delivered_fn(p->delivered_arg, topic_of(m), m->partition, m->offset,
				m->err ? -1 : 0);
}

/* librdkafka's statistics, once a second: the produce requests it retried,
 * summed over the brokers (it counts per broker since start). */
static int on_stats(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
	struct ndr_kafka_producer *p = opaque;
	json_t *root = json_loadb(json, len, 0, NULL), *brokers, *b;
	const char *name;
	uint64_t retries = 0;

	(void)rk;
	brokers = root ? json_object_get(root, "brokers") : NULL;
	json_object_foreach(brokers, name, b)
		retries += (uint64_t)json_integer_value(json_object_get(b, "txretries"));
	if (brokers)
		p->retries = retries;
	json_decref(root);
	return 0;   /* librdkafka frees json */
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	(void)rk;
	set_error(opaque, rd_kafka_err2name(err), reason);
}

struct ndr_kafka_producer *ndr_kafka_producer_open(const struct ndr_kafka_opts *o,
						   char *err, size_t errlen)
{
	struct ndr_kafka_producer *p = calloc(1, sizeof(*p));
	char qmsgs[32], qkb[32], linger[32], timeout[32];
	const char *role[] = {
		"enable.idempotence", o->idempotent ? "true" : "false",
		"acks", o->acks,
		"compression.codec", o->compression,
		"queue.buffering.max.messages", qmsgs,
		"queue.buffering.max.kbytes", qkb,
		"linger.ms", linger,
		"message.timeout.ms", timeout,
		/* the Java client's partitioner: a key lands where Kafka Streams,
		 * Flink or a Java consumer would put it */
		"partitioner", "murmur2_random",
		NULL,
	};
	rd_kafka_conf_t *conf;
	char why[512];

	if (!p) {
		snprintf(err, errlen, "kafka: out of memory");
		return NULL;
	}
	snprintf(qmsgs, sizeof(qmsgs), "%" PRIu64, o->queue_messages);
	snprintf(qkb, sizeof(qkb), "%" PRIu64, (o->queue_bytes + 1023) / 1024);
	snprintf(linger, sizeof(linger), "%" PRIu64, o->linger_ms);
	snprintf(timeout, sizeof(timeout), "%" PRIu64, o->delivery_timeout_ms);
	p->close_timeout_ms = o->close_timeout_ms;
	conf = ndr_kafka_conf_new(o, role, err, errlen);
	if (!conf)
		goto fail;
	rd_kafka_conf_set_opaque(conf, p);
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_stats_cb(conf, on_stats);
	rd_kafka_conf_set_error_cb(conf, on_error);
	p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
	if (!p->rk) {
		rd_kafka_conf_destroy(conf);
		snprintf(err, errlen, "kafka: producer: %s", why);
		goto fail;
	}
	for (int t = 0; t < NDR_KT_N; t++) {
		rd_kafka_topic_conf_t *tc = rd_kafka_topic_conf_new();

		rd_kafka_topic_conf_set_opaque(tc, (void *)(intptr_t)t);
		p->topic[t] = rd_kafka_topic_new(p->rk, o->topic[t], tc);
		if (!p->topic[t]) {
			snprintf(err, errlen, "kafka: topic %s: %s", o->topic[t],
				 rd_kafka_err2str(rd_kafka_last_error()));
			goto fail;
		}
	}
	ndr_stats_counter(&p->stats, "produced", &p->produced);
	ndr_stats_counter(&p->stats, "delivered", &p->delivered);
	ndr_stats_counter(&p->stats, "failed", &p->failed);
	ndr_stats_counter(&p->stats, "retries", &p->retries);
	ndr_stats_counter(&p->stats, "dropped", &p->dropped);
	ndr_stats_counter(&p->stats, "overflow", &p->overflow);
	ndr_stats_gauge(&p->stats, "in_flight", stat_in_flight, p);
	return p;
fail:
	p->close_timeout_ms = 0;
	ndr_kafka_producer_close(p);
	return NULL;
}

void ndr_kafka_set_overflow(struct ndr_kafka_producer *p, const struct ndr_kafka_overflow *ov)
{
	p->ov = *ov;
	p->have_ov = 1;
}

void ndr_kafka_set_delivered(struct ndr_kafka_producer *p, ndr_kafka_delivered_fn fn,
			     void *arg)
{
	p->delivered_fn = fn;
	p->delivered_arg = arg;
}

int ndr_kafka_produce_if_room(struct ndr_kafka_producer *p, enum ndr_kafka_topic t,
			      int32_t partition, const void *key, size_t key_len,
			      const void *value, size_t len)
{
	if (rd_kafka_produce(p->topic[t], partition, RD_KAFKA_MSG_F_COPY, (void *)value, len,
			     (void *)key, key_len, NULL) != 0)
		return -1;
	p->produced++;
	return 0;
}

int ndr_kafka_produce(struct ndr_kafka_producer *p, enum ndr_kafka_topic t, int32_t partition,
		      const void *key, size_t key_len, const void *value, size_t len)
{
	rd_kafka_resp_err_t e;

	/* RD_KAFKA_MSG_F_COPY without F_BLOCK: a full queue is an error now,
	 * never a wait. */
	if (rd_kafka_produce(p->topic[t], partition, RD_KAFKA_MSG_F_COPY, (void *)value, len,
			     key, key_len, NULL) == 0) {
		p->produced++;
		return 0;
	}
	e = rd_kafka_last_error();
	set_error(p, rd_kafka_topic_name(p->topic[t]), rd_kafka_err2str(e));
	if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL && p->have_ov &&
	    p->ov.keep(p->ov.arg, t, partition, key, key_len, value, len) == 0) {
		p->overflow++;
		return 1;
	}
	p->dropped++;
	return -1;
}

void ndr_kafka_poll(struct ndr_kafka_producer *p)
{
	rd_kafka_poll(p->rk, 0);
	if (p->have_ov && p->ov.replay)
		p->ov.replay(p->ov.arg, p);
}

int ndr_kafka_flush(struct ndr_kafka_producer *p, unsigned timeout_ms)
{
	return rd_kafka_flush(p->rk, (int)timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : -1;
}

uint64_t ndr_kafka_in_flight(const struct ndr_kafka_producer *p)
{
	int n = rd_kafka_outq_len(p->rk);

	return n > 0 ? (uint64_t)n : 0;
}

const struct ndr_stats *ndr_kafka_stats(const struct ndr_kafka_producer *p)
{
	return &p->stats;
}

void ndr_kafka_summary(struct ndr_kafka_producer *p, char *buf, size_t len)
{
	snprintf(buf, len, "%llu produced, %llu delivered, %llu failed, %llu retries, "
		 "%llu dropped (queue full), %llu to the overflow store, %llu in flight%s%s",
		 (unsigned long long)p->produced, (unsigned long long)p->delivered,
		 (unsigned long long)p->failed, (unsigned long long)p->retries,
		 (unsigned long long)p->dropped, (unsigned long long)p->overflow,
		 (unsigned long long)ndr_kafka_in_flight(p),
		 p->last_error[0] && (p->failed || p->dropped) ? "; last error: " : "",
		 p->failed || p->dropped ? p->last_error : "");
}

const char *ndr_kafka_last_error(const struct ndr_kafka_producer *p)
{
	return p->last_error;
}

const char *ndr_kafka_topic_name(const struct ndr_kafka_producer *p, enum ndr_kafka_topic t)
{
	return rd_kafka_topic_name(p->topic[t]);
}

void ndr_kafka_producer_finish(struct ndr_kafka_producer *p)
{
	if (p->rk && !p->finished) {
		rd_kafka_flush(p->rk, (int)p->close_timeout_ms);
		/* What is still queued will not be delivered: its reports come
		 * back as failed (purged) and are counted. */
		rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		rd_kafka_poll(p->rk, 0);
		rd_kafka_flush(p->rk, 100);
	}
	p->finished = 1;
}

void ndr_kafka_producer_close(struct ndr_kafka_producer *p)
{
	if (!p)
		return;
	ndr_kafka_producer_finish(p);
	for (int t = 0; t < NDR_KT_N; t++)
		if (p->topic[t])
			rd_kafka_topic_destroy(p->topic[t]);
	if (p->rk)
		rd_kafka_destroy(p->rk);
	free(p);
}
