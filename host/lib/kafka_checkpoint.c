/*
 * kafka_checkpoint.c - alert ids, the set of ids already written, and the
 * checkpoint in commit metadata (ndr_kafka_checkpoint.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <librdkafka/rdkafka.h>

#include "ndr_kafka_checkpoint.h"

#define CKPT_MAGIC "ndr-detect/1 alerts="

void ndr_ckpt_alert_id(const char *topic, int32_t partition, int64_t offset, unsigned n,
		       char *buf, size_t len)
{
	snprintf(buf, len, "%s/%" PRId32 "/%" PRId64 "/%u", topic, partition, offset, n);
}

void ndr_ckpt_id_prefix(const char *topic, int32_t partition, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%" PRId32 "/", topic, partition);
}

void ndr_ckpt_format(int64_t alerts_mark, char *buf, size_t len)
{
	snprintf(buf, len, CKPT_MAGIC "%" PRId64, alerts_mark);
}

int ndr_ckpt_parse(const void *meta, size_t len, int64_t *alerts_mark)
{
	char text[64], *end;
	size_t m = strlen(CKPT_MAGIC);
	long long v;

	if (!meta || len <= m || len >= sizeof(text))
		return -1;
	memcpy(text, meta, len);
	text[len] = '\0';
	if (strncmp(text, CKPT_MAGIC, m) != 0)
		return -1;
	v = strtoll(text + m, &end, 10);
	if (*end || end == text + m || v < 0)
		return -1;
	*alerts_mark = v;
	return 0;
}

/* ---- the set: open addressing over FNV-1a, ids copied ---------------- */

struct ndr_ckpt_seen {
	char **slot;
	size_t cap, n;      /* cap: a power of two, kept at most half full */
};

static uint64_t hash(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

struct ndr_ckpt_seen *ndr_ckpt_seen_new(void)
{
	struct ndr_ckpt_seen *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->cap = 64;
	s->slot = calloc(s->cap, sizeof(*s->slot));
	if (!s->slot) {
		free(s);
		return NULL;
	}
	return s;
}

static size_t find(char *const *slot, size_t cap, const char *id)
{
	size_t i = (size_t)hash(id) & (cap - 1);

	while (slot[i] && strcmp(slot[i], id) != 0)
		i = (i + 1) & (cap - 1);
	return i;
}

static int grow(struct ndr_ckpt_seen *s)
{
	size_t cap = s->cap * 2;
	char **slot = calloc(cap, sizeof(*slot));

	if (!slot)
		return -1;
	for (size_t i = 0; i < s->cap; i++)
		if (s->slot[i])
			slot[find(slot, cap, s->slot[i])] = s->slot[i];
	free(s->slot);
	s->slot = slot;
	s->cap = cap;
	return 0;
}

int ndr_ckpt_seen_add(struct ndr_ckpt_seen *s, const char *id)
{
	size_t i;

	if ((s->n + 1) * 2 > s->cap && grow(s))
		return -1;
	i = find(s->slot, s->cap, id);
	if (s->slot[i])
		return 0;
	s->slot[i] = strdup(id);
	if (!s->slot[i])
		return -1;
	s->n++;
	return 0;
}

int ndr_ckpt_seen_has(const struct ndr_ckpt_seen *s, const char *id)
{
	return s->slot[find(s->slot, s->cap, id)] != NULL;
}

size_t ndr_ckpt_seen_count(const struct ndr_ckpt_seen *s)
{
	return s->n;
}

void ndr_ckpt_seen_free(struct ndr_ckpt_seen *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->cap; i++)
		free(s->slot[i]);
	free(s->slot);
	free(s);
}

int ndr_ckpt_id_of_alert(const void *json, size_t len, char *id, size_t idlen)
{
	json_t *root = json_loadb(json, len, 0, NULL);
	json_t *meta = json_object_get(json_object_get(root, "alert"), "metadata");
	const char *v = json_string_value(json_object_get(json_object_get(meta, "ndr"),
							  "alert_id"));
	int rc = -1;

	if (v && strlen(v) < idlen) {
		strcpy(id, v);   /* length checked */
		rc = 0;
	}
	json_decref(root);
	return rc;
}

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int ndr_ckpt_scan(rd_kafka_t *scanner, const char *topic, int32_t partition, int64_t from,
		  const char *prefix, struct ndr_ckpt_seen *s, unsigned timeout_ms, char *err,
		  size_t errlen)
{
	rd_kafka_topic_partition_list_t *list;
	rd_kafka_resp_err_t e;
	int64_t lo, hi, next;
	size_t plen = strlen(prefix);
	double deadline = mono_ms() + timeout_ms;
	char id[NDR_CKPT_ID_LEN];
	int rc = -1;

	e = rd_kafka_query_watermark_offsets(scanner, topic, partition, &lo, &hi,
					     (int)timeout_ms);
	if (e) {
		snprintf(err, errlen, "kafka: %s [%d]: watermarks: %s", topic, (int)partition,
			 rd_kafka_err2str(e));
		return -1;
	}
	next = from > lo ? from : lo;
	if (next >= hi)
		return 0;
	list = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(list, topic, partition)->offset = next;
	e = rd_kafka_assign(scanner, list);
	rd_kafka_topic_partition_list_destroy(list);
	if (e) {
		snprintf(err, errlen, "kafka: %s [%d]: assign: %s", topic, (int)partition,
			 rd_kafka_err2str(e));
		return -1;
	}
	while (next < hi) {
		rd_kafka_message_t *m;

		if (mono_ms() > deadline) {
			snprintf(err, errlen, "kafka: %s [%d]: read %" PRId64 " of offsets up to %"
				 PRId64 " in %u ms", topic, (int)partition, next, hi, timeout_ms);
			goto out;
		}
		m = rd_kafka_consumer_poll(scanner, 100);
		if (!m)
			continue;
		if (m->err) {
			if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
				snprintf(err, errlen, "kafka: %s [%d]: %s", topic, (int)partition,
					 rd_kafka_message_errstr(m));
				rd_kafka_message_destroy(m);
				goto out;
			}
		} else if (m->partition == partition) {
			next = m->offset + 1;
			if (ndr_ckpt_id_of_alert(m->payload, m->len, id, sizeof(id)) == 0 &&
			    !strncmp(id, prefix, plen) && ndr_ckpt_seen_add(s, id)) {
				snprintf(err, errlen, "kafka: alert ids: out of memory");
				rd_kafka_message_destroy(m);
				goto out;
			}
		}
		rd_kafka_message_destroy(m);
	}
	rc = 0;
out:
	rd_kafka_assign(scanner, NULL);
	return rc;
}
