/*
 * outputs.c - where ndr-sensor's events go: one EVE JSON writer (file or
 * stdout) and any number of syslog receivers. Every alert goes to all of
 * them; flow/dns/tls records (--records) only to EVE.
 */
#include <stdio.h>
#include <stdlib.h>

#include "ndr_eve.h"
#include "ndr_flow_id.h"
#include "ndr_flow_marks.h"
#include "ndr_syslog.h"
#include "sensor.h"

struct sensor_outputs {
	struct ndr_eve_writer *eve;
	struct ndr_flow_marks *marks;   /* flow.alerted and app_proto of flow events */
	struct ndr_syslog *syslog[SENSOR_MAX_SYSLOG];
	const char *urls[SENSOR_MAX_SYSLOG];
	struct ndr_syslog_stats final[SENSOR_MAX_SYSLOG];
	char final_error[SENSOR_MAX_SYSLOG][256];
	int n_syslog;
	int finished;       /* syslog sinks flushed and closed */
	uint64_t alerts;
};

struct sensor_outputs *outputs_open(const struct sensor_opts *o, struct ndr_config *cfg,
				    char *err, size_t errlen)
{
	struct sensor_outputs *out = calloc(1, sizeof(*out));
	struct ndr_syslog_opts so;
	int i;

	if (!out) {
		snprintf(err, errlen, "outputs: out of memory");
		return NULL;
	}
	ndr_syslog_opts_default(&so);
	/* Read [syslog] even without --syslog, so its keys are still checked. */
	if (ndr_syslog_config(cfg, &so, err, errlen))
		goto fail;
	out->marks = ndr_flow_marks_new(NDR_FLOW_MARKS_DEFAULT_BITS);
	if (!out->marks) {
		snprintf(err, errlen, "outputs: out of memory");
		goto fail;
	}
	if (o->eve_path) {
		out->eve = ndr_eve_writer_open(o->eve_path, err, errlen);
		if (!out->eve)
			goto fail;
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
	if (alert->scope == NDR_ALERT_FLOW)
		ndr_flow_marks_add(out->marks, ndr_flow_id(alert->src_addr, alert->src_port,
							   alert->dst_addr, alert->dst_port,
							   alert->proto), NDR_MARK_ALERTED);
	if (out->eve)
		ndr_eve_write_alert(out->eve, alert);
	for (i = 0; i < out->n_syslog && !out->finished; i++)
		ndr_syslog_send_alert(out->syslog[i], alert);
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

	ndr_eve_write_flow_seen(out->eve, r, &seen);
	if (r->end_reason != NDR_FLOW_END_ACTIVE)
		ndr_flow_marks_forget(out->marks, id);  /* a later flow on this tuple starts clean */
}

static void write_dns(struct sensor_outputs *out, const struct ndr_dns_rec *r)
{
	ndr_flow_marks_add(out->marks, ndr_flow_id(r->src_addr, r->src_port, r->dst_addr,
						   r->dst_port, r->ip_proto), NDR_MARK_DNS);
	ndr_eve_write_dns(out->eve, r);
}

static void write_tls(struct sensor_outputs *out, const struct ndr_tls_rec *r)
{
	ndr_flow_marks_add(out->marks, ndr_flow_id(r->src_addr, r->src_port, r->dst_addr,
						   r->dst_port, r->ip_proto), NDR_MARK_TLS);
	ndr_eve_write_tls(out->eve, r);
}

void outputs_record(void *arg, const struct ndr_rec_hdr *rec)
{
	struct sensor_outputs *out = arg;

	if (!out->eve)
		return;
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
}

void outputs_finish(struct sensor_outputs *out)
{
	int i;

	if (out->finished)
		return;
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
}

void outputs_close(struct sensor_outputs *out)
{
	if (!out)
		return;
	outputs_finish(out);
	if (out->eve)
		ndr_eve_writer_close(out->eve);
	ndr_flow_marks_free(out->marks);
	free(out);
}
