/*
 * outputs.c - where ndr-sensor's events go: EVE JSON files (records and
 * alerts together, or alerts in a file of their own), any number of syslog
 * receivers, and Kafka. Every alert goes to the alert file (or the event
 * file), to every receiver and to Kafka; flow/dns/tls records (--records)
 * to the event file and Kafka, and with --kafka-records to Kafka's records
 * topic for ndr-detect. Counts the alerts no output took
 * (outputs_undelivered).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_eve.h"
#include "ndr_kafka.h"
#include "ndr_health.h"
#include "ndr_flow_id.h"
#include "ndr_flow_marks.h"
#include "ndr_syslog.h"
#include "ndr_tls_sessions.h"
#include "sensor.h"

struct sensor_outputs {
	struct ndr_eve_writer *events;  /* --eve: records, and alerts unless below */
	struct ndr_eve_writer *alerts;  /* --eve-alerts, or events, or NULL */
	struct ndr_tls_sessions *tls;   /* ClientHellos waiting for their ServerHello */
	struct ndr_flow_marks *marks;   /* flow.alerted and app_proto of flow events */
	struct ndr_syslog_opts syslog_opts;
	struct ndr_syslog *syslog[SENSOR_MAX_SYSLOG];
	const char *urls[SENSOR_MAX_SYSLOG];
	uint64_t syslog_refused[SENSOR_MAX_SYSLOG]; /* dropped when given */
	struct ndr_syslog_stats final[SENSOR_MAX_SYSLOG];
	char final_error[SENSOR_MAX_SYSLOG][256];
	int n_syslog;
	int finished;       /* syslog sinks flushed and closed */
	uint64_t alerts_total;
	uint64_t undelivered;      /* alerts no output took */
	uint64_t syslog_only;      /* alerts only syslog took (the EVE alert file failed) */
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

static void tls_event(void *arg, const struct ndr_tls_rec *client,
		      const struct ndr_tls_rec *server)
{
	struct sensor_outputs *out = arg;

	ndr_eve_write_tls_pair(out->events, client, server);
}

static void report(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "ndr-sensor: %s\n", msg);
}

static struct ndr_eve_writer *open_eve(const char *path, char *err, size_t errlen)
{
	struct ndr_eve_writer *w = ndr_eve_writer_open(path, err, errlen);

	if (w)
		ndr_eve_writer_set_report(w, report, NULL);
	return w;
}

/* --eve / --eve-alerts, else [eve] file / alerts; stdout when nothing at
 * all is given (Kafka counts), and for records when neither an event file
 * nor Kafka takes them. */
static int open_eve_files(struct sensor_outputs *out, const struct sensor_opts *o,
			  struct ndr_config *cfg, char *err, size_t errlen)
{
	const char *events, *alerts;

	if (ndr_config_str(cfg, "eve", "file", NULL, &events, err, errlen) ||
	    ndr_config_str(cfg, "eve", "alerts", NULL, &alerts, err, errlen))
		return -1;
	if (o->eve_path)
		events = o->eve_path;
	if (o->eve_alerts_path)
		alerts = o->eve_alerts_path;
	if ((events && !events[0]) || (alerts && !alerts[0])) {
		snprintf(err, errlen, "eve: an empty file name");
		return -1;
	}
	/* Kafka is an output too: records and alerts go there, stdout stays free */
	if (!events && ((!alerts && o->n_syslog == 0 && !o->kafka_brokers && !o->kafka_records) ||
			(o->records && !o->kafka_brokers)))
		events = "-";
	if (events) {
		out->events = open_eve(events, err, errlen);
		if (!out->events)
			return -1;
	}
	if (!alerts) {
		out->alerts = out->events;
		return 0;
	}
	out->alerts = open_eve(alerts, err, errlen);
	if (!out->alerts)
		return -1;
	if (out->events && (ndr_eve_writer_same_file(out->events, out->alerts) ||
			    !strcmp(events, alerts))) {
		snprintf(err, errlen, "eve: %s and %s are the same file: give alerts a file of "
			 "their own, or only one of the two", events, alerts);
		return -1;
	}
	return 0;
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
	if (o->syslog_format) {
		int f = ndr_syslog_format_parse(o->syslog_format);

		if (f < 0) {
			snprintf(err, errlen, "--syslog-format: '%s' is not a format (rfc5424, cef)",
				 o->syslog_format);
			goto fail;
		}
		so.format = (enum ndr_syslog_format)f;
	}
	out->syslog_opts = so;
	out->marks = ndr_flow_marks_new(NDR_FLOW_MARKS_DEFAULT_BITS);
	if (!out->marks) {
		snprintf(err, errlen, "outputs: out of memory");
		goto fail;
	}
	if (open_eve_files(out, o, cfg, err, errlen))
		goto fail;
	if (out->events) {
		out->tls = ndr_tls_sessions_new(NDR_TLS_PAIR_CAPACITY, NDR_TLS_PAIR_WAIT_NS, tls_event,
						out);
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
	int eve_ok = 0, syslog_ok = 0, i;

	out->alerts_total++;
	if (alert->scope == NDR_ALERT_FLOW)
		ndr_flow_marks_add(out->marks, ndr_flow_id(alert->src_addr, alert->src_port,
							   alert->dst_addr, alert->dst_port,
							   alert->proto), NDR_MARK_ALERTED);
	if (out->alerts)
		eve_ok = ndr_eve_write_alert(out->alerts, alert) == 0;
	for (i = 0; i < out->n_syslog && !out->finished; i++) {
		if (ndr_syslog_send_alert(out->syslog[i], alert) == 0)
			syslog_ok = 1;
		else
			out->syslog_refused[i]++;
	}
	if (out->kafka) {
		sensor_kafka_alert(out->kafka, alert);
		syslog_ok = 1;   /* queued for the cluster: counted there if lost */
	}
	if (!eve_ok && !syslog_ok)
		out->undelivered++;
	else if (!eve_ok)
		out->syslog_only++;
}

/*
 * An alert is written before the flow event of the record that raised it
 * (ndr_workers.h), and the card writes a flow's record when the flow ends
 * or at each active period: so a flow event says alerted for every alert
 * written before it. An alert raised after a flow's last record (a
 * detector that decides over many flows) cannot change a line already
 * written: its flow_id still finds that flow event.
 */
static void write_flow(struct sensor_outputs *out, const struct ndr_flow_rec *r)
{
	uint64_t id = ndr_flow_id(r->src_addr, r->src_port, r->dst_addr, r->dst_port, r->ip_proto);
	uint8_t marks = ndr_flow_marks_get(out->marks, id);
	struct ndr_eve_flow_seen seen = {
		.alerted = !!(marks & NDR_MARK_ALERTED),
		.dns = !!(marks & NDR_MARK_DNS),
		.tls = !!(marks & NDR_MARK_TLS),
	};

	ndr_eve_write_flow_seen(out->events, r, &seen);
	if (r->end_reason != NDR_FLOW_END_ACTIVE)
		ndr_flow_marks_forget(out->marks, id);  /* a later flow on this tuple starts clean */
}

static void write_dns(struct sensor_outputs *out, const struct ndr_dns_rec *r)
{
	ndr_flow_marks_add(out->marks, ndr_flow_id(r->src_addr, r->src_port, r->dst_addr,
						   r->dst_port, r->ip_proto), NDR_MARK_DNS);
	ndr_eve_write_dns(out->events, r);
}

static void write_tls(struct sensor_outputs *out, const struct ndr_tls_rec *r)
{
	ndr_flow_marks_add(out->marks, ndr_flow_id(r->src_addr, r->src_port, r->dst_addr,
						   r->dst_port, r->ip_proto), NDR_MARK_TLS);
	ndr_tls_sessions_add(out->tls, r);   /* written with its pair, or alone (tls_event) */
}

void outputs_record(void *arg, const struct ndr_rec_hdr *rec)
{
	struct sensor_outputs *out = arg;

	if (out->kafka)
		sensor_kafka_record(out->kafka, rec);
	if (!out->events || !out->records)
		return;
	if (rec->type != NDR_REC_TLS)
		ndr_tls_sessions_advance(out->tls, rec->ts_ns);
	if (rec->type == NDR_REC_FLOW)
		write_flow(out, (const struct ndr_flow_rec *)rec);
	else if (rec->type == NDR_REC_DNS)
		write_dns(out, (const struct ndr_dns_rec *)rec);
	else if (rec->type == NDR_REC_TLS)
		write_tls(out, (const struct ndr_tls_rec *)rec);
}

void outputs_poll(struct sensor_outputs *out)
{
	int i;

	for (i = 0; i < out->n_syslog && !out->finished; i++)
		ndr_syslog_poll(out->syslog[i]);
	if (out->kafka && !out->finished)
		sensor_kafka_poll(out->kafka);
}

int outputs_reopen(struct sensor_outputs *out, char *err, size_t errlen)
{
	if (out->events && ndr_eve_writer_reopen(out->events, err, errlen))
		return -1;
	if (out->alerts && out->alerts != out->events &&
	    ndr_eve_writer_reopen(out->alerts, err, errlen))
		return -1;
	return 0;
}

void outputs_finish(struct sensor_outputs *out)
{
	uint64_t lost_at_close = UINT64_MAX;
	int i;

	if (out->finished)
		return;
	if (out->tls)
		ndr_tls_sessions_flush(out->tls);
	if (out->kafka)
		sensor_kafka_finish(out->kafka);
	for (i = 0; i < out->n_syslog; i++) {
		uint64_t at_close;

		snprintf(out->final_error[i], sizeof(out->final_error[i]), "%s",
			 ndr_syslog_last_error(out->syslog[i]));
		ndr_syslog_close(out->syslog[i], &out->final[i]);
		if (out->final[i].dropped)
			fprintf(stderr, "ndr-sensor: syslog %s: %llu alerts could not be delivered\n",
				out->urls[i], (unsigned long long)out->final[i].dropped);
		if (out->final[i].kept)
			fprintf(stderr, "ndr-sensor: syslog %s: %llu alerts kept in the spool for the "
				"next start\n", out->urls[i], (unsigned long long)out->final[i].kept);
		at_close = out->final[i].dropped - out->syslog_refused[i];
		if (at_close < lost_at_close)
			lost_at_close = at_close;
	}
	/* Alerts only syslog took, then every receiver dropped some at close:
	 * which ones is not known, so count the most that may be lost. */
	if (out->n_syslog && out->syslog_only)
		out->undelivered += lost_at_close < out->syslog_only ? lost_at_close : out->syslog_only;
	out->finished = 1;
}

uint64_t outputs_alerts(const struct sensor_outputs *out)
{
	return out->alerts_total;
}

uint64_t outputs_undelivered(struct sensor_outputs *out)
{
	outputs_finish(out);
	return out->undelivered;
}

static void eve_summary(FILE *f, const char *what, struct ndr_eve_writer *w)
{
	struct ndr_eve_stats st;

	ndr_eve_writer_stats(w, &st);
	fprintf(f, "  %-9s %s: %llu events, %llu lost to write errors%s\n", what,
		ndr_eve_writer_path(w), (unsigned long long)st.events,
		(unsigned long long)st.errors, st.failing ? " (still failing)" : "");
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

	if (out->events) {
		struct ndr_tls_sessions_stats ts;

		ndr_tls_sessions_flush(out->tls);
		ndr_tls_sessions_stats(out->tls, &ts);
		eve_summary(f, "eve", out->events);
		if (ts.paired + ts.client_alone + ts.server_alone)
			fprintf(f, "  tls       %llu handshakes paired, %llu ClientHellos and %llu "
				"ServerHellos alone\n", (unsigned long long)ts.paired,
				(unsigned long long)ts.client_alone,
				(unsigned long long)ts.server_alone);
	}
	if (out->alerts && out->alerts != out->events)
		eve_summary(f, "eve", out->alerts);
	outputs_finish(out);
	for (i = 0; i < out->n_syslog; i++) {
		const struct ndr_syslog_stats *st = &out->final[i];
		const char *e = out->final_error[i];

		fprintf(f, "  syslog    %s: %llu sent, %llu queued, %llu dropped, %llu kept in the "
			"spool, %llu recovered from it, %llu refused (ICMP), %llu reconnects%s%s\n",
			out->urls[i], (unsigned long long)st->sent,
			(unsigned long long)st->queued, (unsigned long long)st->dropped,
			(unsigned long long)st->kept, (unsigned long long)st->recovered,
			(unsigned long long)st->refused,
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
	if (out->alerts && out->alerts != out->events)
		ndr_eve_writer_close(out->alerts);
	if (out->events)
		ndr_eve_writer_close(out->events);
	ndr_flow_marks_free(out->marks);
	free(out);
}

/* ---- running as a service: reopen, reload, stats ---- */

void outputs_event(struct sensor_outputs *out, const json_t *event)
{
	struct ndr_eve_writer *w = out->events ? out->events : out->alerts;

	if (w)
		(void)ndr_eve_write_json(w, event);   /* counted in its errors */
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

	memset(&out->eve_now, 0, sizeof(out->eve_now));
	if (out->events)
		ndr_eve_writer_stats(out->events, &out->eve_now);
	if (out->alerts && out->alerts != out->events) {
		struct ndr_eve_stats a;

		ndr_eve_writer_stats(out->alerts, &a);
		out->eve_now.events += a.events;
		out->eve_now.errors += a.errors;
		out->eve_now.reopens += a.reopens;
	}
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
	ndr_stats_counter(st, "alerts", &out->alerts_total);
	if ((out->events || out->alerts) && ndr_health_add(h, "eve", NULL, NULL, st, eve_losses, refresh_counters,
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
				   out->events || out->alerts || i ? NULL : refresh_counters, out))
			return -1;
	}
	/* the producer's own counters, read on this thread like its poll */
	static const char *const kafka_losses[] = { "failed", "dropped", NULL };
	if (out->kafka && ndr_health_add(h, "kafka", NULL, NULL, sensor_kafka_stats(out->kafka),
					 kafka_losses, NULL, NULL))
		return -1;
	return 0;
}
