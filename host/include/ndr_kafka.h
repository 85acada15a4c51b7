/*
 * ndr_kafka.h - events to Apache Kafka through librdkafka: the [kafka]
 * configuration section and a producer that never blocks its caller
 * (docs/fleet.md).
 *
 * The producer is librdkafka's idempotent producer (acks=all, retries
 * without duplicates or reordering within a partition). ndr_kafka_produce()
 * only copies the message into librdkafka's bounded local queue
 * (queue_messages, queue_bytes) and returns: the thread that drains the
 * card never waits for a broker. When the queue is full - the cluster is
 * unreachable for longer than the queue lasts - the message goes to the
 * overflow store if one is attached (the disk spool), else it is dropped
 * and counted; a message not delivered in delivery_timeout, or purged at
 * close, goes there too instead of counting as failed. Delivery reports come back through ndr_kafka_poll() on the
 * caller's thread and are counted: delivered, failed (not acknowledged
 * within delivery_timeout, or purged at close), retries (produce requests
 * librdkafka sent again, from its statistics).
 *
 * One thread calls everything on one producer.
 */
#ifndef NDR_KAFKA_H
#define NDR_KAFKA_H

#include <stddef.h>
#include <stdint.h>

#include "ndr_config.h"
#include "ndr_stats.h"

enum ndr_kafka_topic {
	NDR_KT_ALERTS,      /* EVE JSON alerts */
	NDR_KT_RECORDS,     /* binary records for ndr-detect (ndr_kafka_wire.h) */
	NDR_KT_FLOW,        /* EVE JSON flow events (--records) */
	NDR_KT_DNS,         /* EVE JSON dns events */
	NDR_KT_TLS,         /* EVE JSON tls events */
	NDR_KT_N
};

#define NDR_KAFKA_DEFAULT_KEY_SEED 0x6e6472666c656574ull   /* "ndrfleet" */
#define NDR_KAFKA_MAX_PROPS 64

struct ndr_kafka_opts {
	const char *brokers;              /* --kafka, else [kafka] brokers */
	const char *topic[NDR_KT_N];
	const char *acks;                 /* "all", "1", "0" */
	const char *compression;          /* none, gzip, snappy, lz4, zstd */
	int idempotent;
	uint64_t queue_messages;          /* the bounded local queue */
	uint64_t queue_bytes;
	uint64_t linger_ms;
	uint64_t delivery_timeout_ms;     /* then a message counts as failed */
	uint64_t close_timeout_ms;        /* how long close waits for acks */
	uint64_t key_seed;                /* the fleet's shard-key seed */
	const char *client_id;
	/* "name=value" librdkafka properties passed through unchanged (TLS,
	 * SASL, ...): [kafka] property, repeatable. Applied last. */
	const char *const *props;
	size_t n_props;
	/* [kafka] spool_dir: messages the full local queue cannot take wait
	 * there (ndr_spool.h: on disk, across restarts) instead of being
	 * dropped; NULL: dropped and counted. spool_bytes bounds it. */
	const char *spool_dir;
	uint64_t spool_bytes;
};

/* Defaults for everything (brokers NULL). */
void ndr_kafka_opts_default(struct ndr_kafka_opts *o);
/* Reads [kafka] over the defaults; "FILE:LINE: ..." in err on bad values.
 * Reads every key even when Kafka is not used, so typos are caught. */
int ndr_kafka_config(struct ndr_config *cfg, struct ndr_kafka_opts *o, char *err,
		     size_t errlen);

/* A librdkafka configuration: the common settings (brokers, client id,
 * statistics), then the role's (name, value pairs, NULL-terminated: the
 * producer's, a consumer's), then the pass-through properties, so an
 * operator can override anything. NULL with "kafka: name=value: why" in
 * err. The caller owns it (rd_kafka_conf_destroy or rd_kafka_new). */
struct rd_kafka_conf_s *ndr_kafka_conf_new(const struct ndr_kafka_opts *o,
					   const char *const *role, char *err, size_t errlen);
/* Sets one property on conf, with "kafka: name=value: why" in err. */
int ndr_kafka_conf_set(struct rd_kafka_conf_s *conf, const char *name, const char *value,
		       char *err, size_t errlen);

/* Where messages the local queue cannot take go, and come back from. */
struct ndr_kafka_producer;
struct ndr_kafka_overflow {
	/* Keep the message (0), or refuse it (-1: dropped and counted). */
	int (*keep)(void *arg, enum ndr_kafka_topic t, int32_t partition, const void *key,
		    size_t key_len, const void *value, size_t len);
	/* Called from ndr_kafka_poll() while the queue has room: give kept
	 * messages back, oldest first, through ndr_kafka_produce(). */
	void (*replay)(void *arg, struct ndr_kafka_producer *p);
	void *arg;
};

/* Told of every message's fate, from ndr_kafka_poll (ndr-detect uses the
 * offsets). err = 0 when the cluster acknowledged it at offset. */
typedef void (*ndr_kafka_delivered_fn)(void *arg, enum ndr_kafka_topic t, int32_t partition,
				       int64_t offset, int err);

struct ndr_kafka_producer *ndr_kafka_producer_open(const struct ndr_kafka_opts *o,
						   char *err, size_t errlen);
void ndr_kafka_set_overflow(struct ndr_kafka_producer *p, const struct ndr_kafka_overflow *ov);
void ndr_kafka_set_delivered(struct ndr_kafka_producer *p, ndr_kafka_delivered_fn fn,
			     void *arg);

#define NDR_KAFKA_PARTITION_ANY (-1)

/* Queues one message (copied). 0 queued, 1 kept by the overflow store,
 * -1 dropped (counted). Never blocks. */
int ndr_kafka_produce(struct ndr_kafka_producer *p, enum ndr_kafka_topic t, int32_t partition,
		      const void *key, size_t key_len, const void *value, size_t len);
/* Queues one message if the local queue has room: 0 (counted as
 * produced), or -1 with nothing counted and no overflow store called (the
 * overflow store's own replay uses it). */
int ndr_kafka_produce_if_room(struct ndr_kafka_producer *p, enum ndr_kafka_topic t,
			      int32_t partition, const void *key, size_t key_len,
			      const void *value, size_t len);
/* Serves delivery reports and statistics; never blocks. */
void ndr_kafka_poll(struct ndr_kafka_producer *p);
/* Waits up to timeout_ms until everything queued is acknowledged or
 * failed; 0 when nothing is left in flight. (ndr-detect, and close.) */
int ndr_kafka_flush(struct ndr_kafka_producer *p, unsigned timeout_ms);
/* Messages queued and not yet acknowledged or failed. */
uint64_t ndr_kafka_in_flight(const struct ndr_kafka_producer *p);
/* Its counters (ndr_stats.h): produced, delivered, failed, retries,
 * dropped, overflow, in_flight. */
const struct ndr_stats *ndr_kafka_stats(const struct ndr_kafka_producer *p);
/* One line for a summary: "N delivered, N failed, ...". */
void ndr_kafka_summary(struct ndr_kafka_producer *p, char *buf, size_t len);
const char *ndr_kafka_last_error(const struct ndr_kafka_producer *p);
const char *ndr_kafka_topic_name(const struct ndr_kafka_producer *p, enum ndr_kafka_topic t);

/* Flushes for close_timeout_ms and purges what is left (counted as
 * failed): the counters are final. Nothing may be produced afterwards. */
void ndr_kafka_producer_finish(struct ndr_kafka_producer *p);
/* Finishes (if not yet) and frees. NULL is fine. */
void ndr_kafka_producer_close(struct ndr_kafka_producer *p);

#endif
