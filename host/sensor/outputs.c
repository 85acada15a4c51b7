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
#include "ndr_syslog.h"
#include "ndr_tls_sessions.h"
#include "sensor.h"

/* A ClientHello waits this long (record time) for its ServerHello, and
 * at most this many wait: then it goes out alone (ndr_tls_sessions.h). */
#define TLS_PAIR_WAIT_NS  (2ull * 1000000000ull)
#define TLS_PAIR_CAPACITY 4096u

struct sensor_outputs {
	struct ndr_eve_writer *eve;
	struct ndr_tls_sessions *tls;
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
};

static void tls_event(void *arg, const struct ndr_tls_rec *client,
		      const struct ndr_tls_rec *server)
{
	struct sensor_outputs *out = arg;

	ndr_eve_write_tls_pair(out->eve, client, server);
}

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
		out->tls = ndr_tls_sessions_new(TLS_PAIR_CAPACITY, TLS_PAIR_WAIT_NS, tls_event, out);
		if (!out->tls) {
			snprintf(err, errlen, "outputs: out of memory for TLS sessions");
			goto fail;
		}
	}
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
		ndr_tls_sessions_add(out->tls, (const struct ndr_tls_rec *)rec);
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
	if (out->tls)
		ndr_tls_sessions_flush(out->tls);
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
		struct ndr_tls_sessions_stats ts;
		struct ndr_eve_stats st;

		ndr_tls_sessions_flush(out->tls);
		ndr_tls_sessions_stats(out->tls, &ts);
		ndr_eve_writer_stats(out->eve, &st);
		fprintf(f, "  eve       %llu events, %llu write errors\n",
			(unsigned long long)st.events, (unsigned long long)st.errors);
		if (ts.paired + ts.client_alone + ts.server_alone)
			fprintf(f, "  tls       %llu handshakes paired, %llu ClientHellos and %llu "
				"ServerHellos alone\n", (unsigned long long)ts.paired,
				(unsigned long long)ts.client_alone,
				(unsigned long long)ts.server_alone);
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
	ndr_tls_sessions_free(out->tls);
	sensor_kafka_close(out->kafka);
	if (out->eve)
		ndr_eve_writer_close(out->eve);
	free(out);
}
