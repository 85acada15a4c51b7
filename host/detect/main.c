/*
 * main.c - ndr-detect: a member of the Kafka consumer group that runs the
 * detectors over the records topic (detect.h has the checkpoint scheme,
 * docs/fleet.md the deployment).
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "detect.h"
#include "ndr_eve.h"
#include "ndr_kafka_wire.h"
#include "ndr_syslog.h"

#define MAX_PARTS 1024
#define SETUP_TIMEOUT_MS 30000
#define FLUSH_TIMEOUT_MS 10000

struct detect {
	struct detect_opts o;
	struct ndr_config *cfg;
	struct ndr_kafka_opts ko;
	const char *group;
	uint64_t commit_ms;
	rd_kafka_t *rk;                 /* the group member */
	rd_kafka_t *scanner;            /* reads alerts partitions on assignment */
	struct ndr_kafka_producer *prod;
	struct ndr_eve_writer *eve;
	struct ndr_syslog *syslog[DETECT_MAX_SYSLOG];
	int n_syslog;
	struct detect_alert_out aout;
	int partitions;
	struct detect_part *part[MAX_PARTS];
	int64_t committed[MAX_PARTS];   /* the checkpoint's offset */
	int64_t alerts_mark[MAX_PARTS]; /* and its alerts offset */
	int at_end[MAX_PARTS];
	int caught_up[MAX_PARTS];       /* reached the end once since assigned */
	int fatal;
	char fatal_msg[512];
	/* counters for the summary */
	uint64_t messages, bad_messages, records, replayed, alerts, suppressed, deduplicated;
	uint64_t lost;
	uint64_t commits, commits_deferred, assignments, revocations, acked_alerts;
	double first_msg, last_msg;     /* when records flowed (the rate) */
	char bad_why[512];
	char eve_line[16384];
};

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void set_fatal(struct detect *d, const char *msg)
{
	if (!d->fatal)
		snprintf(d->fatal_msg, sizeof(d->fatal_msg), "%s", msg);
	d->fatal = 1;
}

/* ---- alerts out ------------------------------------------------------ */

static void write_alert(void *arg, struct detect_part *p, const struct ndr_alert *a,
			const char *id)
{
	struct detect *d = arg;
	json_t *ev = ndr_eve_alert(a), *ndr;
	char *text;
	char addr[NDR_ADDR_STRLEN];
	const char *key = a->entity && a->entity[0] ? a->entity : ndr_addr_str(a->src_addr, addr);

	d->alerts++;
	if (!ev) {
		set_fatal(d, "out of memory rendering an alert");
		return;
	}
	/* ndr's own fields live under alert.metadata.ndr (Suricata's schema
	 * allows no other top-level key) */
	ndr = json_object_get(json_object_get(json_object_get(ev, "alert"), "metadata"), "ndr");
	if (!ndr) {
		set_fatal(d, "an alert rendered without alert.metadata.ndr");
		json_decref(ev);
		return;
	}
	json_object_set_new(ndr, "alert_id", json_string(id));
	if (d->eve)
		ndr_eve_write_json(d->eve, ev);
	for (int i = 0; i < d->n_syslog; i++)
		ndr_syslog_send_alert(d->syslog[i], a);
	if (d->prod) {
		text = json_dumps(ev, NDR_EVE_DUMP_FLAGS);
		/* alerts of records partition p go to alerts partition p: the
		 * next owner of p finds them there (detect.h) */
		if (!text || ndr_kafka_produce(d->prod, NDR_KT_ALERTS, detect_part_id(p), key,
					       strlen(key), text, strlen(text)) != 0)
			set_fatal(d, "an alert could not be queued for the alerts topic "
				  "(local queue full): stopping without a checkpoint");
		free(text);
	}
	json_decref(ev);
}

static void on_delivered(void *arg, enum ndr_kafka_topic t, int32_t partition, int64_t offset,
			 int err)
{
	struct detect *d = arg;

	if (t != NDR_KT_ALERTS || partition < 0 || partition >= MAX_PARTS)
		return;
	if (err) {
		/* never checkpoint past an alert that is not in the topic: the
		 * next owner replays and sends it */
		set_fatal(d, "an alert was not acknowledged by the cluster; stopping without "
			  "a checkpoint");
		return;
	}
	if (offset + 1 > d->alerts_mark[partition])
		d->alerts_mark[partition] = offset + 1;
	d->acked_alerts++;
	if (d->o.exit_after_alerts && d->acked_alerts >= d->o.exit_after_alerts) {
		fprintf(stderr, "ndr-detect: --exit-after-alerts %u: exiting before the "
			"checkpoint\n", d->o.exit_after_alerts);
		_exit(3);
	}
}

/* ---- checkpoints ------------------------------------------------------ */

/* Commits every owned partition that moved, once all its alerts are
 * acknowledged. only: a list to restrict to (revocation), or NULL. */
static void checkpoint(struct detect *d, const rd_kafka_topic_partition_list_t *only)
{
	rd_kafka_topic_partition_list_t *list;
	rd_kafka_resp_err_t e;
	char meta[96];

	if (d->fatal)
		return;
	if (d->prod && ndr_kafka_flush(d->prod, FLUSH_TIMEOUT_MS) != 0) {
		d->commits_deferred++;   /* the cluster is slow: try again later */
		return;
	}
	if (d->fatal)
		return;
	list = rd_kafka_topic_partition_list_new(8);
	for (int p = 0; p < d->partitions; p++) {
		int64_t next;
		rd_kafka_topic_partition_t *tp;

		if (!d->part[p] || (next = detect_part_next(d->part[p])) <= d->committed[p])
			continue;
		if (only && !rd_kafka_topic_partition_list_find(only, d->ko.topic[NDR_KT_RECORDS],
								p))
			continue;
		ndr_ckpt_format(d->alerts_mark[p], meta, sizeof(meta));
		tp = rd_kafka_topic_partition_list_add(list, d->ko.topic[NDR_KT_RECORDS], p);
		tp->offset = next;
		tp->metadata = strdup(meta);
		tp->metadata_size = strlen(meta);
	}
	if (list->cnt) {
		e = rd_kafka_commit(d->rk, list, 0);
		if (e) {
			d->commits_deferred++;
		} else {
			d->commits++;
			for (int i = 0; i < list->cnt; i++)
				d->committed[list->elems[i].partition] = list->elems[i].offset;
		}
	}
	rd_kafka_topic_partition_list_destroy(list);
}

/* Loads partition p's checkpoint and the alert ids written after it. */
static int resume(struct detect *d, struct detect_part *part, const rd_kafka_topic_partition_t *c)
{
	int32_t p = detect_part_id(part);
	int64_t committed = c->offset >= 0 ? c->offset : 0, mark = 0;
	struct ndr_ckpt_seen *seen = ndr_ckpt_seen_new();
	char prefix[NDR_CKPT_ID_LEN], err[512];

	if (!seen)
		return -1;
	/* no checkpoint, or one without our metadata: scan the whole alerts
	 * partition for ids */
	if (c->offset >= 0 && ndr_ckpt_parse(c->metadata, c->metadata_size, &mark) != 0)
		mark = 0;
	ndr_ckpt_id_prefix(d->ko.topic[NDR_KT_RECORDS], p, prefix, sizeof(prefix));
	if (d->prod && ndr_ckpt_scan(d->scanner, d->ko.topic[NDR_KT_ALERTS], p, mark, prefix,
				     seen, SETUP_TIMEOUT_MS, err, sizeof(err)) != 0) {
		ndr_ckpt_seen_free(seen);
		set_fatal(d, err);
		return -1;
	}
	detect_part_resume(part, committed, seen);
	d->committed[p] = committed;
	d->alerts_mark[p] = mark;
	d->at_end[p] = 0;
	d->caught_up[p] = 0;
	if (!d->o.quiet)
		fprintf(stderr, "ndr-detect: partition %d: checkpoint at offset %" PRId64
			", %zu alerts already written after it; replaying from the start\n",
			(int)p, committed, ndr_ckpt_seen_count(seen));
	return 0;
}

static void assign_parts(struct detect *d, rd_kafka_topic_partition_list_t *parts)
{
	rd_kafka_topic_partition_list_t *c = rd_kafka_topic_partition_list_copy(parts);
	rd_kafka_resp_err_t e = rd_kafka_committed(d->rk, c, SETUP_TIMEOUT_MS);
	char err[512];

	d->assignments++;
	if (e) {
		snprintf(err, sizeof(err), "kafka: committed offsets: %s", rd_kafka_err2str(e));
		set_fatal(d, err);
	}
	for (int i = 0; i < c->cnt && !d->fatal; i++) {
		int32_t p = c->elems[i].partition;

		if (p < 0 || p >= d->partitions || d->part[p])
			continue;
		d->part[p] = detect_part_new(d->cfg, d->ko.topic[NDR_KT_RECORDS], p,
					     (unsigned)d->partitions, d->ko.key_seed, &d->aout, err,
					     sizeof(err));
		if (!d->part[p] || resume(d, d->part[p], &c->elems[i]) != 0)
			set_fatal(d, d->part[p] ? d->fatal_msg : err);
	}
	rd_kafka_topic_partition_list_destroy(c);
	/* every partition from its first record: the state is rebuilt */
	for (int i = 0; i < parts->cnt; i++)
		parts->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
	rd_kafka_assign(d->rk, d->fatal ? NULL : parts);
}

/* Partition p's counts into the totals, and its detectors freed. */
static void retire(struct detect *d, int32_t p)
{
	const struct detect_part_counts *c = detect_part_counts(d->part[p]);

	d->records += c->records;
	d->replayed += c->replayed;
	d->suppressed += c->suppressed;
	d->deduplicated += c->deduplicated;
	d->lost += c->lost;
	detect_part_free(d->part[p]);
	d->part[p] = NULL;
}

static void revoke_parts(struct detect *d, rd_kafka_topic_partition_list_t *parts)
{
	d->revocations++;
	checkpoint(d, parts);
	for (int i = 0; i < parts->cnt; i++) {
		int32_t p = parts->elems[i].partition;

		if (p >= 0 && p < d->partitions && d->part[p])
			retire(d, p);
	}
	rd_kafka_assign(d->rk, NULL);
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
			 rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	struct detect *d = opaque;

	(void)rk;
	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
		assign_parts(d, parts);
	else
		revoke_parts(d, parts);
}

/* ---- records in -------------------------------------------------------- */

/* The first time an assigned partition reaches its end: the replay that
 * rebuilt its state is over, and what it found already written is known
 * (an operator, and tests/integration/fleet_kafka.sh, wait for this line). */
static void caught_up(struct detect *d, int32_t p)
{
	const struct detect_part_counts *c = detect_part_counts(d->part[p]);
	int64_t next = detect_part_next(d->part[p]);

	d->caught_up[p] = 1;
	if (!d->o.quiet)
		fprintf(stderr, "ndr-detect: partition %d: caught up at offset %" PRId64 " (%" PRIu64
			" records replayed, %" PRIu64 " alerts deduplicated)\n", (int)p,
			next < 0 ? 0 : next, c->replayed, c->deduplicated);
}

static void on_message(struct detect *d, rd_kafka_message_t *m)
{
	union ndr_rec_full rec;
	uint32_t mask;
	char why[256];

	if (m->err) {
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			if (m->partition >= 0 && m->partition < MAX_PARTS)
				d->at_end[m->partition] = 1;
			if (m->partition >= 0 && m->partition < d->partitions &&
			    d->part[m->partition] && !d->caught_up[m->partition])
				caught_up(d, m->partition);
		} else if (!d->o.quiet) {
			fprintf(stderr, "ndr-detect: kafka: %s\n", rd_kafka_message_errstr(m));
		}
		return;
	}
	if (m->partition < 0 || m->partition >= d->partitions || !d->part[m->partition])
		return;
	d->messages++;
	d->last_msg = mono_s();
	if (d->messages == 1)
		d->first_msg = d->last_msg;
	d->at_end[m->partition] = 0;
	if (ndr_kafka_decode(m->payload, m->len, &rec, &mask, why, sizeof(why)) != 0) {
		/* a counted drop: the offset still moves on */
		if (!d->bad_messages++)
			snprintf(d->bad_why, sizeof(d->bad_why), "%s [%d] offset %" PRId64 ": %s",
				 rd_kafka_topic_name(m->rkt), (int)m->partition, m->offset, why);
		return;
	}
	detect_part_record(d->part[m->partition], m->offset, &rec.hdr, mask);
}

static int all_at_end(const struct detect *d)
{
	int owned = 0;

	for (int p = 0; p < d->partitions; p++) {
		if (!d->part[p])
			continue;
		owned++;
		if (!d->at_end[p])
			return 0;
	}
	return owned > 0;
}

/* ---- set-up ------------------------------------------------------------ */

static int topic_partitions(rd_kafka_t *rk, const char *topic, char *err, size_t errlen)
{
	rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topic, NULL);
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t e;
	int n = -1;

	e = rd_kafka_metadata(rk, 0, t, &md, SETUP_TIMEOUT_MS);
	if (e)
		snprintf(err, errlen, "kafka: metadata of %s: %s", topic, rd_kafka_err2str(e));
	else if (md->topic_cnt != 1 || md->topics[0].err)
		snprintf(err, errlen, "kafka: topic %s: %s", topic,
			 md->topic_cnt ? rd_kafka_err2str(md->topics[0].err) : "not found");
	else
		n = md->topics[0].partition_cnt;
	if (md)
		rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(t);
	return n;
}

static rd_kafka_t *consumer(struct detect *d, const char *group, int member, char *err,
			    size_t errlen)
{
	const char *role[] = {
		"group.id", group,
		"enable.auto.commit", "false",
		"enable.auto.offset.store", "false",
		"auto.offset.reset", "earliest",
		"enable.partition.eof", member ? "true" : "false",
		NULL,
	};
	rd_kafka_conf_t *conf = ndr_kafka_conf_new(&d->ko, role, err, errlen);
	rd_kafka_t *rk;
	char why[512];

	if (!conf)
		return NULL;
	if (member) {
		rd_kafka_conf_set_opaque(conf, d);
		rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
	}
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof(why));
	if (!rk) {
		rd_kafka_conf_destroy(conf);
		snprintf(err, errlen, "kafka: consumer: %s", why);
	}
	return rk;
}

/* 0; -1 bad configuration (exit 2); -2 the cluster did not answer (exit 1). */
static int setup(struct detect *d, char *err, size_t errlen)
{
	struct ndr_syslog_opts so;
	struct detect_part *probe;
	char scan_group[300];
	rd_kafka_topic_partition_list_t *sub;
	int alert_parts;

	d->cfg = d->o.config_path ? ndr_config_load(d->o.config_path, err, errlen)
				  : ndr_config_empty();
	if (!d->cfg)
		return -1;
	ndr_kafka_opts_default(&d->ko);
	d->ko.client_id = "ndr-detect";
	ndr_syslog_opts_default(&so);
	if (ndr_kafka_config(d->cfg, &d->ko, err, errlen) ||
	    ndr_syslog_config(d->cfg, &so, err, errlen) ||
	    ndr_config_str(d->cfg, "detect", "group", "ndr-detect", &d->group, err, errlen) ||
	    ndr_config_duration_ms(d->cfg, "detect", "commit_interval", 1000, 10, 3600000,
				   &d->commit_ms, err, errlen))
		return -1;
	if (d->o.brokers)
		d->ko.brokers = d->o.brokers;
	if (d->o.group)
		d->group = d->o.group;
	/* every detector's section is read (and checked) by one probe */
	probe = detect_part_new(d->cfg, "probe", 0, 1, d->ko.key_seed, &d->aout, err, errlen);
	if (!probe)
		return -1;
	detect_part_free(probe);
	if (ndr_config_check_unused(d->cfg, err, errlen))
		return -1;
	if (d->o.eve_path && !(d->eve = ndr_eve_writer_open(d->o.eve_path, err, errlen)))
		return -1;
	for (int i = 0; i < d->o.n_syslog; i++) {
		so.url = d->o.syslog_urls[i];
		if (!(d->syslog[i] = ndr_syslog_open(&so, err, errlen)))
			return -1;
		d->n_syslog = i + 1;
	}
	if (!d->o.no_kafka_alerts) {
		d->prod = ndr_kafka_producer_open(&d->ko, err, errlen);
		if (!d->prod)
			return -1;
		ndr_kafka_set_delivered(d->prod, on_delivered, d);
	}
	snprintf(scan_group, sizeof(scan_group), "%s.scan", d->group);
	d->rk = consumer(d, d->group, 1, err, errlen);
	if (!d->rk || !(d->scanner = consumer(d, scan_group, 0, err, errlen)))
		return -1;
	d->partitions = topic_partitions(d->rk, d->ko.topic[NDR_KT_RECORDS], err, errlen);
	if (d->partitions < 0)
		return -2;
	if (d->partitions > MAX_PARTS) {
		snprintf(err, errlen, "kafka: %s has %d partitions; at most %d",
			 d->ko.topic[NDR_KT_RECORDS], d->partitions, MAX_PARTS);
		return -1;
	}
	if (d->prod) {
		alert_parts = topic_partitions(d->rk, d->ko.topic[NDR_KT_ALERTS], err, errlen);
		if (alert_parts < 0)
			return -2;
		if (alert_parts < d->partitions) {
			snprintf(err, errlen, "kafka: %s has %d partitions, fewer than %s's %d: "
				 "alerts of records partition p go to alerts partition p",
				 d->ko.topic[NDR_KT_ALERTS], alert_parts,
				 d->ko.topic[NDR_KT_RECORDS], d->partitions);
			return -1;
		}
	}
	sub = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(sub, d->ko.topic[NDR_KT_RECORDS], RD_KAFKA_PARTITION_UA);
	if (rd_kafka_subscribe(d->rk, sub)) {
		snprintf(err, errlen, "kafka: subscribe to %s failed", d->ko.topic[NDR_KT_RECORDS]);
		rd_kafka_topic_partition_list_destroy(sub);
		return -2;
	}
	rd_kafka_topic_partition_list_destroy(sub);
	return 0;
}

static void summary(struct detect *d, double elapsed)
{
	char line[1024];

	fprintf(stderr, "ndr-detect: summary for group %s on %s\n", d->group,
		d->ko.topic[NDR_KT_RECORDS]);
	fprintf(stderr, "  records   %" PRIu64 " messages, %" PRIu64 " records to the detectors "
		"(%" PRIu64 " replayed to rebuild state), %" PRIu64 " bad messages dropped%s%s\n",
		d->messages, d->records, d->replayed, d->bad_messages,
		d->bad_messages ? "; first: " : "", d->bad_why);
	if (d->lost)
		fprintf(stderr, "  lost      %" PRIu64 " records a detector could not see "
			"(no memory for its instance)\n", d->lost);
	fprintf(stderr, "  alerts    %" PRIu64 " written, %" PRIu64 " suppressed (before a "
		"checkpoint), %" PRIu64 " deduplicated (already in the topic)\n",
		d->alerts, d->suppressed, d->deduplicated);
	fprintf(stderr, "  group     %" PRIu64 " assignments, %" PRIu64 " revocations, %" PRIu64
		" checkpoints, %" PRIu64 " deferred\n", d->assignments, d->revocations,
		d->commits, d->commits_deferred);
	if (d->prod) {
		ndr_kafka_summary(d->prod, line, sizeof(line));
		fprintf(stderr, "  kafka     %s\n", line);
	}
	/* the rate over the time records flowed: joining the group and
	 * waiting for records are not the consumer's speed */
	fprintf(stderr, "  elapsed   %.3f s; records flowed for %.3f s (%.0f records/s)\n",
		elapsed, d->last_msg - d->first_msg,
		d->last_msg > d->first_msg ? (double)d->records / (d->last_msg - d->first_msg)
					   : 0.0);
}

int main(int argc, char **argv)
{
	struct detect *d = calloc(1, sizeof(*d));
	char err[1024] = "";
	double start, last_commit;
	int rc, status = 2;

	if (!d)
		return 1;
	rc = detect_parse_args(argc, argv, &d->o);
	if (rc) {
		free(d);
		return rc > 0 ? 0 : 2;
	}
	d->aout = (struct detect_alert_out){ write_alert, d };
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	rc = setup(d, err, sizeof(err));
	if (rc) {
		status = rc == -2 ? 1 : 2;
		goto out;
	}
	status = 0;
	start = last_commit = mono_s();
	while (!g_stop && !d->fatal) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(d->rk, 100);

		if (m) {
			on_message(d, m);
			rd_kafka_message_destroy(m);
		}
		if (d->prod)
			ndr_kafka_poll(d->prod);
		for (int i = 0; i < d->n_syslog; i++)
			ndr_syslog_poll(d->syslog[i]);
		if (mono_s() - last_commit >= (double)d->commit_ms / 1000.0) {
			checkpoint(d, NULL);
			last_commit = mono_s();
		}
		if (d->o.exit_at_end && all_at_end(d))
			break;
	}
	if (!d->fatal)
		checkpoint(d, NULL);
	/* leaving the group revokes what we own: revoke_parts() counts and frees */
	rd_kafka_consumer_close(d->rk);
	for (int p = 0; p < d->partitions; p++)
		if (d->part[p])
			retire(d, p);
	if (d->prod)
		ndr_kafka_producer_finish(d->prod);
	if (d->fatal) {
		snprintf(err, sizeof(err), "%s", d->fatal_msg);
		status = 1;
	}
	if (!d->o.quiet)
		summary(d, mono_s() - start);
out:
	if (err[0])
		fprintf(stderr, "ndr-detect: %s\n", err);
	if (d->rk)
		rd_kafka_destroy(d->rk);
	if (d->scanner) {
		rd_kafka_consumer_close(d->scanner);
		rd_kafka_destroy(d->scanner);
	}
	ndr_kafka_producer_close(d->prod);
	for (int i = 0; i < d->n_syslog; i++)
		ndr_syslog_close(d->syslog[i], NULL);
	if (d->eve)
		ndr_eve_writer_close(d->eve);
	ndr_config_free(d->cfg);
	free(d);
	return status;
}
