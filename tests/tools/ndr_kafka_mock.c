/*
 * ndr_kafka_mock.c - a Kafka cluster for tests, without a broker package:
 * librdkafka's mock cluster (rdkafka_mock.h), which speaks the real Kafka
 * protocol on localhost sockets, with consumer groups, idempotent
 * producers, and brokers that can be taken down.
 *
 *   ndr-kafka-mock [--brokers N] [--topic NAME:PARTITIONS]...
 *
 * Prints "bootstrap HOST:PORT,..." on stdout once the cluster listens, then
 * reads commands on stdin, one a line, answering each with "ok" or
 * "error: why":
 *   down ID          broker ID (1..N) stops answering (connections close)
 *   up ID            it comes back
 *   leader T P ID    broker ID becomes the leader of partition P of topic T
 *   quit             (or end of input) the cluster goes away
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_TOPICS 16

static void usage(void)
{
	fprintf(stderr, "usage: ndr-kafka-mock [--brokers N] [--topic NAME:PARTITIONS]...\n");
	exit(2);
}

static int command(rd_kafka_mock_cluster_t *mc, int brokers, const char *line)
{
	char verb[16], topic[256];
	int id, part;
	rd_kafka_resp_err_t e;

	if (sscanf(line, "%15s", verb) != 1)
		return 0;
	if (!strcmp(verb, "down") || !strcmp(verb, "up")) {
		if (sscanf(line, "%*s %d", &id) != 1 || id < 1 || id > brokers) {
			printf("error: %s needs a broker id 1..%d\n", verb, brokers);
			return 0;
		}
		e = verb[0] == 'd' ? rd_kafka_mock_broker_set_down(mc, id)
				   : rd_kafka_mock_broker_set_up(mc, id);
	} else if (!strcmp(verb, "leader")) {
		if (sscanf(line, "%*s %255s %d %d", topic, &part, &id) != 3) {
			printf("error: leader TOPIC PARTITION BROKER\n");
			return 0;
		}
		e = rd_kafka_mock_partition_set_leader(mc, topic, part, id);
	} else if (!strcmp(verb, "quit")) {
		return 1;
	} else {
		printf("error: unknown command '%s' (down, up, leader, quit)\n", verb);
		return 0;
	}
	if (e)
		printf("error: %s: %s\n", verb, rd_kafka_err2str(e));
	else
		printf("ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *topics[MAX_TOPICS];
	int parts[MAX_TOPICS], n_topics = 0, brokers = 3;
	rd_kafka_conf_t *conf;
	rd_kafka_mock_cluster_t *mc;
	rd_kafka_t *rk;
	char errstr[512], line[512];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--brokers") && i + 1 < argc) {
			brokers = atoi(argv[++i]);
			if (brokers < 1 || brokers > 16)
				usage();
		} else if (!strcmp(argv[i], "--topic") && i + 1 < argc && n_topics < MAX_TOPICS) {
			char *colon = strrchr(argv[++i], ':');

			if (!colon || atoi(colon + 1) < 1)
				usage();
			*colon = '\0';
			topics[n_topics] = argv[i];
			parts[n_topics++] = atoi(colon + 1);
		} else {
			usage();
		}
	}
	/* The cluster lives inside a client handle; this one does nothing else. */
	conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "log_level", "3", NULL, 0);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (!rk) {
		fprintf(stderr, "ndr-kafka-mock: %s\n", errstr);
		return 1;
	}
	mc = rd_kafka_mock_cluster_new(rk, brokers);
	if (!mc) {
		fprintf(stderr, "ndr-kafka-mock: the mock cluster did not start\n");
		return 1;
	}
	for (int i = 0; i < n_topics; i++) {
		/* replication factor = brokers, so a broker down loses nothing */
		rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, topics[i], parts[i], brokers);

		if (e) {
			fprintf(stderr, "ndr-kafka-mock: topic %s: %s\n", topics[i],
				rd_kafka_err2str(e));
			return 1;
		}
	}
	printf("bootstrap %s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		if (command(mc, brokers, line))
			break;
		fflush(stdout);
	}
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return 0;
}
