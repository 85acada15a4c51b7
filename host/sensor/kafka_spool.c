/*
 * kafka_spool.c - the disk spool (ndr_spool.h) as the Kafka producer's
 * overflow store: what the full local queue cannot take (the cluster away
 * longer than the queue lasts) is appended to the spool, on disk before
 * produce returns, and given back oldest first once the queue has room
 * again, also after a restart of the sensor. A message is taken off the
 * spool only after librdkafka accepted it into its queue.
 *
 * Spooled message: u8 topic, i32 partition (little-endian), u32 key
 * length, key, value.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_le.h"
#include "ndr_kafka.h"
#include "ndr_spool.h"
#include "sensor.h"

#define HDR 9u

struct sensor_kafka_spool {
	struct ndr_spool *spool;
	uint8_t *buf;
	size_t cap;
	uint64_t write_errors;   /* messages the spool could not store */
	char err[256];
};

static int keep(void *arg, enum ndr_kafka_topic t, int32_t partition, const void *key,
		size_t key_len, const void *value, size_t len)
{
	struct sensor_kafka_spool *s = arg;
	size_t need = HDR + key_len + len;

	if (need > NDR_SPOOL_MSG_MAX)
		return -1;
	if (need > s->cap) {
		uint8_t *b = realloc(s->buf, need);

		if (!b)
			return -1;
		s->buf = b;
		s->cap = need;
	}
	s->buf[0] = (uint8_t)t;
	ndr_le32_put(s->buf + 1, (uint32_t)partition);
	ndr_le32_put(s->buf + 5, (uint32_t)key_len);
	memcpy(s->buf + HDR, key, key_len);
	memcpy(s->buf + HDR + key_len, value, len);
	if (ndr_spool_push(s->spool, s->buf, need, s->err, sizeof(s->err)) != 0) {
		if (s->write_errors++ == 0)
			fprintf(stderr, "ndr-sensor: kafka spool: %s\n", s->err);
		return -1;
	}
	return 0;
}

static void replay(void *arg, struct ndr_kafka_producer *p)
{
	struct sensor_kafka_spool *s = arg;
	const void *msg;
	size_t len;

	while (ndr_spool_count(s->spool)) {
		int rc = ndr_spool_peek(s->spool, 0, &msg, &len, s->err, sizeof(s->err));
		const uint8_t *m = msg;
		uint32_t key_len;

		if (rc != 1) {
			if (rc < 0 && s->write_errors++ == 0)
				fprintf(stderr, "ndr-sensor: kafka spool: %s\n", s->err);
			return;
		}
		key_len = len >= HDR ? ndr_le32_get(m + 5) : 0;
		if (len < HDR || m[0] >= NDR_KT_N || key_len > len - HDR) {
			/* not one of ours (checksummed, so not torn): skip it */
			ndr_spool_pop(s->spool, 1, s->err, sizeof(s->err));
			continue;
		}
		if (ndr_kafka_produce_if_room(p, (enum ndr_kafka_topic)m[0], (int32_t)ndr_le32_get(m + 1),
					      m + HDR, key_len, m + HDR + key_len,
					      len - HDR - key_len) != 0)
			return;   /* the queue is full again: the rest waits */
		ndr_spool_pop(s->spool, 1, s->err, sizeof(s->err));
	}
}

struct sensor_kafka_spool *sensor_kafka_spool_open(struct ndr_kafka_producer *p,
						   const struct ndr_kafka_opts *ko, char *err,
						   size_t errlen)
{
	struct sensor_kafka_spool *s = calloc(1, sizeof(*s));
	struct ndr_spool_opts so;
	struct ndr_kafka_overflow ov;

	if (!s) {
		snprintf(err, errlen, "kafka spool: out of memory");
		return NULL;
	}
	ndr_spool_opts_default(&so);
	so.dir = ko->spool_dir;
	so.max_bytes = ko->spool_bytes;
	s->spool = ndr_spool_open(&so, err, errlen);
	if (!s->spool) {
		free(s);
		return NULL;
	}
	ov.keep = keep;
	ov.replay = replay;
	ov.arg = s;
	ndr_kafka_set_overflow(p, &ov);
	return s;
}

void sensor_kafka_spool_summary(const struct sensor_kafka_spool *s, FILE *f)
{
	struct ndr_spool_stats st;

	ndr_spool_stats(s->spool, &st);
	fprintf(f, "; spool %s: %llu kept, %llu sent from it, %llu waiting, %llu dropped (full)",
		ndr_spool_dir(s->spool), (unsigned long long)st.pushed,
		(unsigned long long)st.popped, (unsigned long long)st.messages,
		(unsigned long long)st.dropped);
	if (s->write_errors)
		fprintf(f, ", %llu not stored", (unsigned long long)s->write_errors);
}

void sensor_kafka_spool_close(struct sensor_kafka_spool *s)
{
	if (!s)
		return;
	ndr_spool_close(s->spool);
	free(s->buf);
	free(s);
}
