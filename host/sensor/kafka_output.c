/*
 * kafka_output.c - ndr-sensor's events to Kafka (docs/fleet.md): alerts as
 * EVE JSON to the alerts topic keyed by their entity; with --records, flow,
 * dns and tls events as EVE JSON to their topics (a tls event per
 * handshake, ClientHello and ServerHello paired as in the EVE file); with
 * --kafka-records,
 * every record in the binary wire format to the records topic, once per
 * distinct detector key, for ndr-detect.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_eve.h"
#include "ndr_kafka.h"
#include "ndr_kafka_wire.h"
#include "ndr_record.h"
#include "ndr_tls_sessions.h"
#include "sensor.h"

#define EVE_MAX 16384

struct sensor_kafka {
	struct ndr_kafka_producer *p;
	struct ndr_kafka_opts ko;
	int eve_records;            /* --records */
	int wire_records;           /* --kafka-records */
	struct ndr_workers *keys;   /* the detectors' shard() */
	struct sensor_kafka_spool *spool;   /* [kafka] spool_dir, or NULL */
	struct ndr_tls_sessions *tls;       /* --records: hellos waiting for their pair */
	uint64_t unencodable;       /* events too long for EVE_MAX */
	char eve[EVE_MAX];
	uint8_t wire[NDR_KAFKA_WIRE_MAX];
};

int sensor_kafka_config(const struct sensor_opts *o, struct ndr_config *cfg,
			struct ndr_kafka_opts *ko, char *err, size_t errlen)
{
	ndr_kafka_opts_default(ko);
	if (ndr_kafka_config(cfg, ko, err, errlen))
		return -1;
	if (o->kafka_brokers)
		ko->brokers = o->kafka_brokers;
	return 0;
}

/* The key of a record's EVE event: its first detector's (one entity's
 * events stay in one partition, in order); 0 when no detector takes it. */
static int event_key(struct sensor_kafka *k, const struct ndr_rec_hdr *rec,
		     uint8_t key[NDR_KAFKA_KEY_LEN])
{
	struct ndr_kafka_route routes[NDR_KAFKA_MAX_DETECTORS];

	if (!k->keys || !ndr_kafka_routes(ndr_workers_shard_key, k->keys, rec, routes))
		return 0;
	ndr_kafka_key_put(routes[0].key, key);
	return 1;
}

/* A handshake from the pairing (ndr_tls_sessions.h): one tls event. */
static void tls_event(void *arg, const struct ndr_tls_rec *client,
		      const struct ndr_tls_rec *server)
{
	struct sensor_kafka *k = arg;
	uint8_t key[NDR_KAFKA_KEY_LEN];
	int keyed = event_key(k, client ? &client->hdr : &server->hdr, key);
	int n = ndr_eve_tls_pair_format(client, server, k->eve, sizeof(k->eve));

	if (n < 0) {
		k->unencodable++;
		return;
	}
	ndr_kafka_produce(k->p, NDR_KT_TLS, NDR_KAFKA_PARTITION_ANY, keyed ? key : NULL,
			  keyed ? NDR_KAFKA_KEY_LEN : 0, k->eve, (size_t)n);
}

struct sensor_kafka *sensor_kafka_open(const struct sensor_opts *o,
				       const struct ndr_kafka_opts *ko, char *err, size_t errlen)
{
	struct sensor_kafka *k = calloc(1, sizeof(*k));

	if (!k) {
		snprintf(err, errlen, "kafka: out of memory");
		return NULL;
	}
	k->ko = *ko;
	k->eve_records = o->records;
	k->wire_records = o->kafka_records;
	k->p = ndr_kafka_producer_open(ko, err, errlen);
	if (!k->p) {
		free(k);
		return NULL;
	}
	if (ko->spool_dir) {
		k->spool = sensor_kafka_spool_open(k->p, ko, err, errlen);
		if (!k->spool) {
			ndr_kafka_producer_close(k->p);
			free(k);
			return NULL;
		}
	}
	if (k->eve_records) {
		k->tls = ndr_tls_sessions_new(NDR_TLS_PAIR_CAPACITY, NDR_TLS_PAIR_WAIT_NS, tls_event,
					      k);
		if (!k->tls) {
			snprintf(err, errlen, "kafka: out of memory for TLS sessions");
			sensor_kafka_close(k);
			return NULL;
		}
	}
	return k;
}

void sensor_kafka_keys(struct sensor_kafka *k, struct ndr_workers *w)
{
	k->keys = w;
}

void sensor_kafka_alert(struct sensor_kafka *k, const struct ndr_alert *a)
{
	char addr[NDR_ADDR_STRLEN];
	const char *key = a->entity && a->entity[0] ? a->entity : ndr_addr_str(a->src_addr, addr);
	int n = ndr_eve_alert_format(a, k->eve, sizeof(k->eve));

	if (n < 0) {
		k->unencodable++;
		return;
	}
	ndr_kafka_produce(k->p, NDR_KT_ALERTS, NDR_KAFKA_PARTITION_ANY, key, strlen(key), k->eve,
			  (size_t)n);
}

static void eve_record(struct sensor_kafka *k, const struct ndr_rec_hdr *rec, const uint8_t *key)
{
	enum ndr_kafka_topic t;
	int n;

	if (rec->type != NDR_REC_TLS)
		ndr_tls_sessions_advance(k->tls, rec->ts_ns);
	switch (rec->type) {
	case NDR_REC_FLOW:
		t = NDR_KT_FLOW;
		n = ndr_eve_flow_format((const struct ndr_flow_rec *)rec, k->eve, sizeof(k->eve));
		break;
	case NDR_REC_DNS:
		t = NDR_KT_DNS;
		n = ndr_eve_dns_format((const struct ndr_dns_rec *)rec, k->eve, sizeof(k->eve));
		break;
	case NDR_REC_TLS:
		/* produced when paired (tls_event), keyed by its first record */
		ndr_tls_sessions_add(k->tls, (const struct ndr_tls_rec *)rec);
		return;
	default:
		return;
	}
	if (n < 0) {
		k->unencodable++;
		return;
	}
	ndr_kafka_produce(k->p, t, NDR_KAFKA_PARTITION_ANY, key, key ? NDR_KAFKA_KEY_LEN : 0,
			  k->eve, (size_t)n);
}

void sensor_kafka_record(struct sensor_kafka *k, const struct ndr_rec_hdr *rec)
{
	struct ndr_kafka_route routes[NDR_KAFKA_MAX_DETECTORS];
	uint8_t key[NDR_KAFKA_KEY_LEN];
	unsigned n = k->keys ? ndr_kafka_routes(ndr_workers_shard_key, k->keys, rec, routes) : 0;

	if (n)
		ndr_kafka_key_put(routes[0].key, key);
	/* EVE events keyed like the record's first detector: one entity's
	 * events stay in one partition, in order */
	if (k->eve_records)
		eve_record(k, rec, n ? key : NULL);
	for (unsigned i = 0; k->wire_records && i < n; i++) {
		size_t len = ndr_kafka_encode(rec, routes[i].mask, k->wire, sizeof(k->wire));

		if (!len) {
			k->unencodable++;
			continue;
		}
		ndr_kafka_key_put(routes[i].key, key);
		ndr_kafka_produce(k->p, NDR_KT_RECORDS, NDR_KAFKA_PARTITION_ANY, key, sizeof(key),
				  k->wire, len);
	}
}

void sensor_kafka_poll(struct sensor_kafka *k)
{
	ndr_kafka_poll(k->p);
}

void sensor_kafka_finish(struct sensor_kafka *k)
{
	if (k->tls)
		ndr_tls_sessions_flush(k->tls);   /* the hellos still waiting go out alone */
	ndr_kafka_producer_finish(k->p);
}

void sensor_kafka_summary(struct sensor_kafka *k, FILE *f)
{
	char line[1024];

	sensor_kafka_finish(k);
	ndr_kafka_summary(k->p, line, sizeof(line));
	fprintf(f, "  kafka     %s: %s", k->ko.brokers, line);
	if (k->unencodable)
		fprintf(f, "; %llu events too long to encode", (unsigned long long)k->unencodable);
	if (k->spool)
		sensor_kafka_spool_summary(k->spool, f);
	fputc('\n', f);
}

const struct ndr_stats *sensor_kafka_stats(const struct sensor_kafka *k)
{
	return ndr_kafka_stats(k->p);
}

void sensor_kafka_close(struct sensor_kafka *k)
{
	if (!k)
		return;
	ndr_tls_sessions_free(k->tls);
	ndr_kafka_producer_close(k->p);
	sensor_kafka_spool_close(k->spool);   /* what still waits stays for the next start */
	free(k);
}
