/*
 * ndr_kafka_bench.c - the Kafka producer's throughput on its own, without
 * a card in front of it (scripts/bench-fleet.sh, docs/fleet.md
 * "Throughput"):
 *
 *   ndr-kafka-bench [--records N] [--partitions P] [--hold]
 *
 * Starts librdkafka's mock cluster (3 brokers) in this process, makes N
 * synthetic flow records (100 000 sources, a tenth of the flows to an admin
 * port), and sends them as ndr-sensor --kafka-records does: keyed by the
 * detectors' shard() keys (ndr_kafka_routes over ndr_workers_shard_key),
 * encoded (ndr_kafka_encode), through the same producer (ndr_kafka.h) with
 * the default [kafka] settings. Prints the bootstrap servers, then
 * "producer: M messages (N records) in T s = R records/s, ..." once every
 * message is acknowledged. With --hold the cluster stays up until stdin
 * closes, so ndr-detect can be measured on the same topic.
 *
 * When the local queue is full the bench waits for room (a sensor would
 * drop and count): it measures how fast the producer can go, not how it
 * sheds load.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "../unit/flowgen.h"
#include "ndr_kafka.h"
#include "ndr_kafka_wire.h"
#include "ndr_workers.h"

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr, "usage: ndr-kafka-bench [--records N] [--partitions P] [--hold]\n");
	exit(2);
}

static void make_flow(struct ndr_flow_rec *f, uint64_t i)
{
	char src[32], dst[32];
	uint32_t h = (uint32_t)(i * 2654435761u);

	snprintf(src, sizeof(src), "10.%u.%u.%u", (h >> 16) % 2, (h >> 8) % 256, h % 196 + 1);
	snprintf(dst, sizeof(dst), "10.200.%u.%u", (unsigned)(i % 64), (unsigned)(i % 250) + 1);
	fg_flow(f, src, (uint16_t)(32768 + i % 28000), dst, i % 10 == 0 ? 22 : 443, 6,
		FG_T0 + i * 1000, FG_SEC / 10);
	fg_tcp_session(f, 8, 300, 8, 1200, 3);
}

int main(int argc, char **argv)
{
	uint64_t n = 1000000, messages = 0, waits = 0;
	int partitions = 12, hold = 0;
	struct ndr_kafka_opts ko;
	struct ndr_kafka_producer *p;
	struct ndr_workers *keys;
	struct ndr_config *cfg = ndr_config_empty();
	struct ndr_workers_opts wo = { .workers = 1, .seed = NDR_KAFKA_DEFAULT_KEY_SEED };
	struct ndr_workers_out wout = { 0 };
	rd_kafka_mock_cluster_t *mc;
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *host;
	char err[512], line[1024];
	uint8_t buf[NDR_KAFKA_WIRE_MAX], key[NDR_KAFKA_KEY_LEN];
	double t0, t1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--records") && i + 1 < argc)
			n = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--partitions") && i + 1 < argc)
			partitions = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--hold"))
			hold = 1;
		else
			usage();
	}
	if (n == 0 || partitions < 1)
		usage();
	rd_kafka_conf_set(conf, "log_level", "3", NULL, 0);
	host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!host || !(mc = rd_kafka_mock_cluster_new(host, 3)) ||
	    rd_kafka_mock_topic_create(mc, "ndr.records", partitions, 3) ||
	    rd_kafka_mock_topic_create(mc, "ndr.alerts", partitions, 3)) {
		fprintf(stderr, "ndr-kafka-bench: the mock cluster did not start\n");
		return 1;
	}
	printf("bootstrap %s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);

	keys = ndr_workers_new(cfg, &wo, &wout, err, sizeof(err));
	ndr_kafka_opts_default(&ko);
	ko.brokers = rd_kafka_mock_cluster_bootstraps(mc);
	p = keys ? ndr_kafka_producer_open(&ko, err, sizeof(err)) : NULL;
	if (!p) {
		fprintf(stderr, "ndr-kafka-bench: %s\n", err);
		return 1;
	}
	t0 = mono_s();
	for (uint64_t i = 0; i < n; i++) {
		struct ndr_kafka_route r[NDR_KAFKA_MAX_DETECTORS];
		struct ndr_flow_rec f;
		unsigned routes;

		make_flow(&f, i);
		routes = ndr_kafka_routes(ndr_workers_shard_key, keys, &f.hdr, r);
		for (unsigned k = 0; k < routes; k++) {
			size_t len = ndr_kafka_encode(&f.hdr, r[k].mask, buf, sizeof(buf));

			ndr_kafka_key_put(r[k].key, key);
			while (ndr_kafka_produce(p, NDR_KT_RECORDS, NDR_KAFKA_PARTITION_ANY, key,
						 sizeof(key), buf, len) != 0) {
				waits++;
				ndr_kafka_flush(p, 10);   /* room, not a drop */
			}
			messages++;
		}
		if ((i & 1023) == 0)
			ndr_kafka_poll(p);
	}
	if (ndr_kafka_flush(p, 120000) != 0)
		fprintf(stderr, "ndr-kafka-bench: not everything acknowledged in 120 s\n");
	t1 = mono_s();
	ndr_kafka_summary(p, line, sizeof(line));
	printf("producer: %llu messages (%llu records) in %.3f s = %.0f records/s, "
	       "%.0f messages/s, %.1f MB/s of values; %llu waits for queue room\n  %s\n",
	       (unsigned long long)messages, (unsigned long long)n, t1 - t0,
	       (double)n / (t1 - t0), (double)messages / (t1 - t0),
	       (double)messages * (NDR_KAFKA_WIRE_HDR + 3 * NDR_SLOT_BYTES) / (t1 - t0) / 1e6,
	       (unsigned long long)waits, line);
	fflush(stdout);
	if (hold)
		while (fgets(line, sizeof(line), stdin))
			;
	ndr_kafka_producer_close(p);
	ndr_workers_free(keys);
	ndr_config_free(cfg);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(host);
	return 0;
}
