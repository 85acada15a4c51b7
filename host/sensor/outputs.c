/*
 * outputs.c - where ndr-sensor's events go: one EVE JSON writer (file or
 * stdout) and any number of syslog receivers. Every alert goes to all of
 * them; flow/dns/tls records (--records) to EVE and Kafka, and with
 * --kafka-records to Kafka's records topic for ndr-detect.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ndr_eve.h"
#include "ndr_kafka.h"
#include "ndr_health.h"
#include "ndr_syslog.h"
#include "sensor.h"

struct sensor_outputs {
	struct ndr_eve_writer *eve;
	struct ndr_syslog_opts syslog_opts;
	struct ndr_syslog *syslog[SENSOR_MAX_SYSLOG];
	const char *urls[SENSOR_MAX_SYSLOG];
	struct ndr_syslog_stats final[SENSOR_MAX_SYSLOG];
	char final_error[SENSOR_MAX_SYSLOG][256];
	int n_syslog;
	int finished;       /* syslog sinks flushed and closed */
	uint64_t alerts;
	struct sensor_kafka *kafka;
	int records;        /* --records */
	int want_records;   /* --records or --kafka-records */
	int fleet_keys;     /* --kafka-records: key_seed seeds the detectors */
	uint64_t key_seed;
	/* counters while running (outputs_health) */
	struct ndr_syslog_stats before_reload[SENSOR_MAX_SYSLOG];   /* sinks replaced */
	struct ndr_syslog_stats syslog_now[SENSOR_MAX_SYSLOG];
	struct ndr_eve_stats eve_now;
	struct ndr_stats eve_stats, syslog_stats[SENSOR_MAX_SYSLOG];
};

struct sensor_outputs *outputs_open(const struct sensor_opts *o, struct ndr_config *cfg,
				    char *err, size_t errlen)
{
	struct sensor_outputs *out = calloc(1, sizeof(*out));
	struct ndr_syslog_opts so;
	struct ndr_kafka_opts ko;
	int i;

	if (!out) {
		snprintf(err, errlen, "outputs: out of memory");
		return NULL;
	}
	ndr_syslog_opts_default(&so);
	/* Read [syslog] even without --syslog, so its keys are still checked. */
	if (ndr_syslog_config(cfg, &so, err, errlen) ||
	    sensor_kafka_config(o, cfg, &ko, err, errlen))
		goto fail;
	out->records = o->records;
	out->want_records = o->records || o->kafka_records;
	if (o->kafka_brokers || o->kafka_records) {
		out->kafka = sensor_kafka_open(o, &ko, err, errlen);
		if (!out->kafka)
			goto fail;
		out->fleet_keys = o->kafka_records;
		out->key_seed = ko.key_seed;
	}
	if (o->eve_path) {
		out->eve = ndr_eve_writer_open(o->eve_path, err, errlen);
		if (!out->eve)
			goto fail;
	}
	out->syslog_opts = so;
	for (i = 0; i < o->n_syslog; i++) {
		so.url = o->syslog_urls[i];
		out->urls[i] = o->syslog_urls[i];
		out->syslog[i] = ndr_syslog_open(&so, err, errlen);
		if (!out->syslog[i])
			goto fail;
		out->n_syslog = i + 1;
	}
	return out;
fail:
	outputs_close(out);
	return NULL;
}

void outputs_alert(void *arg, const struct ndr_alert *alert)
{
	struct sensor_outputs *out = arg;
	int i;

	out->alerts++;
	if (out->eve)
		ndr_eve_write_alert(out->eve, alert);
	for (i = 0; i < out->n_syslog && !out->finished; i++)
		ndr_syslog_send_alert(out->syslog[i], alert);
	if (out->kafka)
		sensor_kafka_alert(out->kafka, alert);
}

void outputs_record(void *arg, const struct ndr_rec_hdr *rec)
{
	struct sensor_outputs *out = arg;

	if (out->kafka)
		sensor_kafka_record(out->kafka, rec);
	if (!out->eve || !out->records)
		return;
	if (rec->type == NDR_REC_FLOW)
		ndr_eve_write_flow(out->eve, (const struct ndr_flow_rec *)rec);
	else if (rec->type == NDR_REC_DNS)
		ndr_eve_write_dns(out->eve, (const struct ndr_dns_rec *)rec);
	else if (rec->type == NDR_REC_TLS)
		ndr_eve_write_tls(out->eve, (const struct ndr_tls_rec *)rec);
}

void outputs_poll(struct sensor_outputs *out)
{
	int i;

	for (i = 0; i < out->n_syslog && !out->finished; i++)
		ndr_syslog_poll(out->syslog[i]);
	if (out->kafka && !out->finished)
		sensor_kafka_poll(out->kafka);
}

void outputs_finish(struct sensor_outputs *out)
{
	int i;

	if (out->finished)
		return;
	if (out->kafka)
		sensor_kafka_finish(out->kafka);
	for (i = 0; i < out->n_syslog; i++) {
		snprintf(out->final_error[i], sizeof(out->final_error[i]), "%s",
			 ndr_syslog_last_error(out->syslog[i]));
		ndr_syslog_close(out->syslog[i], &out->final[i]);
		if (out->final[i].dropped)
			fprintf(stderr, "ndr-sensor: syslog: %llu alerts could not be delivered\n",
				(unsigned long long)out->final[i].dropped);
	}
	out->finished = 1;
}

uint64_t outputs_alerts(const struct sensor_outputs *out)
{
	return out->alerts;
}

int outputs_want_records(const struct sensor_outputs *out)
{
	return out->want_records;
}

uint64_t outputs_seed(const struct sensor_outputs *out, uint64_t def)
{
	return out->fleet_keys ? out->key_seed : def;
}

void outputs_attach_workers(struct sensor_outputs *out, struct ndr_workers *w)
{
	if (out->kafka)
		sensor_kafka_keys(out->kafka, w);
}

void outputs_summary(struct sensor_outputs *out, FILE *f)
{
	int i;

	if (out->eve) {
		struct ndr_eve_stats st;

		ndr_eve_writer_stats(out->eve, &st);
		fprintf(f, "  eve       %llu events, %llu write errors\n",
			(unsigned long long)st.events, (unsigned long long)st.errors);
	}
	outputs_finish(out);
	for (i = 0; i < out->n_syslog; i++) {
		const struct ndr_syslog_stats *st = &out->final[i];
		const char *e = out->final_error[i];

		fprintf(f, "  syslog    %s: %llu sent, %llu queued, %llu dropped, %llu reconnects%s%s\n",
			out->urls[i], (unsigned long long)st->sent,
			(unsigned long long)st->queued, (unsigned long long)st->dropped,
			(unsigned long long)st->reconnects, e[0] ? "; last error: " : "", e);
	}
	if (out->kafka)
		sensor_kafka_summary(out->kafka, f);
}

void outputs_close(struct sensor_outputs *out)
{
	if (!out)
		return;
	outputs_finish(out);
	sensor_kafka_close(out->kafka);
	if (out->eve)
		ndr_eve_writer_close(out->eve);
	free(out);
}

/* ---- running as a service: reopen, reload, stats ---- */

int outputs_reopen(struct sensor_outputs *out, char *err, size_t errlen)
{
	return out->eve ? ndr_eve_writer_reopen(out->eve, err, errlen) : 0;
}

void outputs_event(struct sensor_outputs *out, const json_t *event)
{
	if (out->eve)
		(void)ndr_eve_write_json(out->eve, event);   /* counted in its errors */
}

int outputs_reload_check(struct sensor_outputs *out, struct ndr_config *cfg,
			 struct ndr_syslog_opts *so, char *err, size_t errlen)
{
	(void)out;
	ndr_syslog_opts_default(so);
	return ndr_syslog_config(cfg, so, err, errlen);
}

int outputs_reload_syslog(struct sensor_outputs *out, const struct ndr_syslog_opts *so,
			  char *err, size_t errlen)
{
	struct ndr_syslog *fresh[SENSOR_MAX_SYSLOG] = { NULL };
	struct ndr_syslog_opts one = *so;
	int i;

	if (out->finished)
		return 0;
	/* every new sink first: if one cannot open, the old ones stay */
	for (i = 0; i < out->n_syslog; i++) {
		one.url = out->urls[i];
		fresh[i] = ndr_syslog_open(&one, err, errlen);
		if (!fresh[i]) {
			while (i--)
				ndr_syslog_close(fresh[i], NULL);
			return -1;
		}
	}
	for (i = 0; i < out->n_syslog; i++) {
		struct ndr_syslog_stats st;

		ndr_syslog_close(out->syslog[i], &st);   /* flushes its spool, bounded */
		out->before_reload[i].sent += st.sent;
		out->before_reload[i].dropped += st.dropped;
		out->before_reload[i].reconnects += st.reconnects;
		out->syslog[i] = fresh[i];
	}
	out->syslog_opts = *so;
	return 0;
}

static void refresh_counters(void *arg)
{
	struct sensor_outputs *out = arg;

	if (out->eve)
		ndr_eve_writer_stats(out->eve, &out->eve_now);
	for (int i = 0; i < out->n_syslog; i++) {
		struct ndr_syslog_stats st = out->final[i];

		if (!out->finished)
			ndr_syslog_stats(out->syslog[i], &st);
		out->syslog_now[i] = st;
		out->syslog_now[i].sent += out->before_reload[i].sent;
		out->syslog_now[i].dropped += out->before_reload[i].dropped;
		out->syslog_now[i].reconnects += out->before_reload[i].reconnects;
	}
}

static uint64_t read_u64(const void *p)
{
	return *(const uint64_t *)p;
}

int outputs_health(struct sensor_outputs *out, struct ndr_health *h)
{
	static const char *const eve_losses[] = { "errors", NULL };
	static const char *const syslog_losses[] = { "dropped", NULL };
	struct ndr_stats *st = &out->eve_stats;

	ndr_stats_counter(st, "events", &out->eve_now.events);
	ndr_stats_counter(st, "errors", &out->eve_now.errors);
	ndr_stats_counter(st, "reopens", &out->eve_now.reopens);
	ndr_stats_counter(st, "alerts", &out->alerts);
	if (out->eve && ndr_health_add(h, "eve", NULL, NULL, st, eve_losses, refresh_counters,
				       out))
		return -1;
	for (int i = 0; i < out->n_syslog; i++) {
		struct ndr_syslog_stats *now = &out->syslog_now[i];

		st = &out->syslog_stats[i];
		ndr_stats_counter(st, "sent", &now->sent);
		ndr_stats_gauge(st, "queued", read_u64, &now->queued);
		ndr_stats_gauge(st, "spool_bytes", read_u64, &now->spool_bytes);
		ndr_stats_counter(st, "dropped", &now->dropped);
		ndr_stats_counter(st, "reconnects", &now->reconnects);
		/* the first group refreshes every receiver */
		if (ndr_health_add(h, "syslog", "receiver", out->urls[i], st, syslog_losses,
				   out->eve || i ? NULL : refresh_counters, out))
			return -1;
	}
	/* the producer's own counters, read on this thread like its poll */
	static const char *const kafka_losses[] = { "failed", "dropped", NULL };
	if (out->kafka && ndr_health_add(h, "kafka", NULL, NULL, sensor_kafka_stats(out->kafka),
					 kafka_losses, NULL, NULL))
		return -1;
	return 0;
}
