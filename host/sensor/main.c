/*
 * main.c - ndr-sensor: records from a card source, through the detectors, to
 * the SOC's sinks. See options.c for the command line and docs/ for the rest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ndr_numa.h"
#include "ndr_record.h"
#include "ndr_workers.h"
#include "sensor.h"

#define NS_PER_SEC 1000000000ull
#define PUMP_TIMEOUT_MS 200
#define PROGRESS_AFTER_S 3.0
#define PROGRESS_EVERY_S 2.0
#define STATE_SAVE_EVERY_S 3600.0

#define WARN_CHECK_EVERY_S 1.0
#define WARN_GAP_S 60.0

struct run {
	struct ndr_workers *det;
	struct sensor_outputs *out;
	int replay;           /* time comes only from the records */
	uint64_t last_ts;
	uint64_t next_tick;
	/* running as a service */
	int sigfd;
	int stopping;
	struct sensor_health *health;
	struct sensor_reload reload;      /* the running configuration too */
	double next_stats, next_warn, next_watchdog, watchdog_every;
};

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Detectors close windows on record time, at least once per second of it. */
static void tick_if_due(struct run *r)
{
	if (r->last_ts < r->next_tick)
		return;
	ndr_workers_tick(r->det, r->last_ts);
	r->next_tick = r->last_ts - r->last_ts % NS_PER_SEC + NS_PER_SEC;
}

static int on_record(void *arg, const struct ndr_rec_hdr *rec)
{
	struct run *r = arg;

	if (rec->ts_ns > r->last_ts)
		r->last_ts = rec->ts_ns;
	ndr_workers_record(r->det, rec);
	tick_if_due(r);
	return 0;
}

static void print_progress(struct ndr_source *src, const struct run *r, double elapsed)
{
	struct ndr_source_stats st;

	ndr_source_get_stats(src, &st);
	fprintf(stderr, "ndr-sensor: %.1fs %llu packets (%.2f Mpps), %llu records, %llu alerts%s",
		elapsed, (unsigned long long)st.card.frames,
		elapsed > 0 ? (double)st.card.frames / elapsed / 1e6 : 0.0,
		(unsigned long long)src->reader.c.records,
		(unsigned long long)ndr_workers_alerts(r->det), isatty(2) ? "\r" : "\n");
}

static void print_summary(struct ndr_source *src, struct run *r, double elapsed)
{
	const struct ndr_ring_counters *c = &src->reader.c;
	struct ndr_source_stats st;
	json_t *dstats, *one;
	const char *name;
	char *dtext;

	ndr_source_get_stats(src, &st);
	fprintf(stderr, "ndr-sensor: summary for %s\n", src->desc);
	fprintf(stderr, "  packets   %llu (%llu bytes), parse errors %llu, non-IP %llu, "
		"DNS messages %llu (%llu malformed)\n",
		(unsigned long long)st.card.frames, (unsigned long long)st.card.bytes,
		(unsigned long long)st.card.parse_errors, (unsigned long long)st.card.non_ip,
		(unsigned long long)st.card.dns_messages, (unsigned long long)st.card.dns_errors);
	fprintf(stderr, "  records   %llu (flow %llu, dns %llu, tls %llu, heartbeat %llu, "
		"drop notices %llu)\n",
		(unsigned long long)c->records,
		(unsigned long long)(c->by_type[NDR_REC_FLOW] + c->by_type[NDR_REC_FLOW_SHORT]),
		(unsigned long long)(c->by_type[NDR_REC_DNS] + c->by_type[NDR_REC_DNS_SHORT]),
		(unsigned long long)c->by_type[NDR_REC_TLS],
		(unsigned long long)c->by_type[NDR_REC_HEARTBEAT],
		(unsigned long long)c->by_type[NDR_REC_DROP]);
	/* the card's losses as its last heartbeat counted them (every card
	 * kind sends them in-band), else as the source knows them */
	char losses[512];
	uint64_t lost;
	struct ndr_heartbeat_rec hb = c->hb;
	if (!c->have_hb) {
		memset(&hb, 0, sizeof(hb));
		hb.rx_overrun = st.card.rx_overrun;
		hb.dns_dropped = st.card.dns_dropped;
		hb.tls_dropped = st.card.tls_dropped;
		hb.records_link_dropped = st.card.records_link_dropped;
		hb.records_dropped = st.card.records_dropped;
	}
	ndr_hb_losses(&hb, losses, sizeof(losses), &lost);
	fprintf(stderr, "  drops     card: %s; %llu packets by the capture, "
		"%llu unsupported frames, %llu bad ring records, %llu sequence gaps\n", losses,
		(unsigned long long)st.capture.kernel_drops,
		(unsigned long long)st.capture.unsupported,
		(unsigned long long)c->bad_records, (unsigned long long)c->seq_gaps);
	fprintf(stderr, "  flows     %llu created, %llu evicted\n",
		(unsigned long long)st.card.flows_created, (unsigned long long)st.card.flows_evicted);
	for (unsigned i = 0; st.pipes > 1 && i < st.pipes && i < NDR_SOURCE_MAX_PIPES; i++)
		fprintf(stderr, "  pipeline  %u: %llu packets, %llu records dropped (ring full), "
			"%llu packets dropped by the kernel\n", i,
			(unsigned long long)st.pipe[i].frames,
			(unsigned long long)st.pipe[i].records_dropped,
			(unsigned long long)st.pipe[i].kernel_drops);
	if (st.link.present)
		fprintf(stderr, "  link      %s, RS-FEC %s, %llu packets received (%llu good, "
			"%llu bytes), %llu with a bad FCS\n", st.link.state,
			st.link.rs_fec ? "on" : "off", (unsigned long long)st.link.rx_packets,
			(unsigned long long)st.link.rx_good_packets,
			(unsigned long long)st.link.rx_bytes, (unsigned long long)st.link.rx_bad_fcs);
	fprintf(stderr, "  alerts    %llu\n", (unsigned long long)outputs_alerts(r->out));
	outputs_summary(r->out, stderr);
	fprintf(stderr, "  workers   %u detector workers\n", ndr_workers_count(r->det));
	dstats = ndr_workers_stats(r->det);
	json_object_foreach(dstats, name, one) {
		/* One line per detector: the numbers an operator checks first,
		 * then everything it reports. */
		dtext = json_dumps(one, JSON_COMPACT | JSON_SORT_KEYS);
		fprintf(stderr, "  %-15s alerts %lld, memory %.1f of %.1f MiB  %s\n", name,
			(long long)json_integer_value(json_object_get(one, "alerts")),
			json_number_value(json_object_get(one, "memory_bytes")) / 1048576.0,
			json_number_value(json_object_get(one, "memory_cap_bytes")) / 1048576.0,
			dtext ? dtext : "{}");
		free(dtext);
	}
	json_decref(dstats);
	fprintf(stderr, "  elapsed   %.3f s (%.3f Mpps, %.0f records/s)\n", elapsed,
		elapsed > 0 ? (double)st.card.frames / elapsed / 1e6 : 0.0,
		elapsed > 0 ? (double)c->records / elapsed : 0.0);
	if (st.capture.truncated)
		fprintf(stderr, "ndr-sensor: warning: %s: the capture file is truncated; "
			"everything before the cut was processed\n", src->desc);
	if (st.capture.bad_time)
		fprintf(stderr, "ndr-sensor: warning: %s: %llu frames have an impossible timestamp "
			"(before 1970, after 2099 or a bad fraction; the first is frame %llu at "
			"%lld s + %lld); each was given the time of the frame before it\n", src->desc,
			(unsigned long long)st.capture.bad_time,
			(unsigned long long)st.capture.bad_time_first_frame,
			(long long)st.capture.bad_time_first_sec,
			(long long)st.capture.bad_time_first_frac);
}

/* Counters now: a stats event, the metrics file, warnings on rising losses. */
static void report_health(struct ndr_source *src, struct run *r, int event, double now)
{
	const char *metrics = r->reload.stats.metrics_file;
	char err[512];

	ndr_health_collect(sensor_health_registry(r->health));
	sensor_health_warn_linktype(r->health, src->desc);
	ndr_health_warn(sensor_health_registry(r->health), now, WARN_GAP_S, stderr);
	if (!event)
		return;
	json_t *ev = sensor_health_event(r->health);

	if (ev)
		outputs_event(r->out, ev);
	json_decref(ev);
	if (metrics && sensor_health_write_metrics(r->health, metrics, err, sizeof(err)))
		fprintf(stderr, "ndr-sensor: warning: %s\n", err);
}

/* What arrived on the signal descriptor, and what is due on the clock. */
static void service(struct ndr_source *src, struct run *r, double now)
{
	unsigned sig = sensor_signals_take(r->sigfd);
	unsigned every = r->reload.stats.interval_s;
	int stats_now = 0;

	if ((sig & SENSOR_SIG_STOP) && !r->stopping) {
		r->stopping = 1;
		sensor_notify("STOPPING=1");
		ndr_source_stop(src);      /* the card flushes; the loop ends */
	}
	if (sig & SENSOR_SIG_RELOAD) {
		sensor_notify("RELOADING=1");
		/* what the workers raised so far goes to the old file */
		ndr_workers_sync(r->det);
		sensor_reload(&r->reload);
		sensor_notify("READY=1");
	}
	if (sig & SENSOR_SIG_STATS)
		stats_now = 1;
	if (every && now >= r->next_stats) {
		stats_now = 1;
		r->next_stats = now + every;
	}
	if (stats_now || now >= r->next_warn) {
		report_health(src, r, stats_now, now);
		r->next_warn = now + WARN_CHECK_EVERY_S;
	}
	if (r->watchdog_every > 0 && now >= r->next_watchdog) {
		sensor_notify("WATCHDOG=1");
		r->next_watchdog = now + r->watchdog_every;
	}
}

static int run_loop(struct ndr_source *src, struct run *r, const struct sensor_opts *o)
{
	double start = mono_s(), last_progress = -PROGRESS_EVERY_S, last_save = 0;
	int status = 0;
	char err[512];

	r->next_stats = r->reload.stats.interval_s;
	r->next_warn = WARN_CHECK_EVERY_S;
	for (;;) {
		int rc = ndr_source_pump(src, PUMP_TIMEOUT_MS, err, sizeof(err));
		double now;

		if (rc == NDR_SRC_ERROR) {
			fprintf(stderr, "ndr-sensor: %s\n", err);
			status = 1;
			/* Keep what was already accepted: drain the ring first. */
			ndr_source_drain(src, on_record, r, 0);
			break;
		}
		ndr_source_drain(src, on_record, r, 0);
		/* A live link may go quiet: windows still close on the wall
		 * clock. A capture file's time is its own, never the clock's,
		 * so a replay gives the same output every time. */
		if (rc == NDR_SRC_IDLE && !r->replay)
			ndr_workers_tick(r->det, wall_ns());
		ndr_workers_poll(r->det);
		outputs_poll(r->out);
		now = mono_s() - start;
		service(src, r, now);
		if (!o->quiet && o->progress != 0 &&
		    (o->progress == 1 || now >= PROGRESS_AFTER_S) &&
		    now - last_progress >= PROGRESS_EVERY_S) {
			print_progress(src, r, now);
			last_progress = now;
		}
		if (o->state_dir && now - last_save >= STATE_SAVE_EVERY_S) {
			if (ndr_workers_state_save(r->det, o->state_dir, err, sizeof(err)))
				fprintf(stderr, "ndr-sensor: warning: %s\n", err);
			last_save = now;
		}
		if (rc == NDR_SRC_END)
			break;
	}
	if (r->last_ts)
		ndr_workers_tick(r->det, r->last_ts);
	ndr_workers_finish(r->det);
	if (o->state_dir && ndr_workers_state_save(r->det, o->state_dir, err, sizeof(err))) {
		fprintf(stderr, "ndr-sensor: %s\n", err);
		status = 1;
	}
	/* the last counters, as a service's final stats event */
	if (r->reload.stats.interval_s || r->reload.stats.metrics_file)
		report_health(src, r, 1, mono_s() - start);
	else
		report_health(src, r, 0, mono_s() - start);
	if (!o->quiet) {
		if (last_progress >= 0 && isatty(2))
			fputc('\n', stderr);
		print_summary(src, r, mono_s() - start);
	}
	return status;
}

/* The detectors on their workers, writing through the outputs. */
static struct ndr_workers *start_detectors(struct ndr_config *cfg, const struct sensor_opts *o,
					   const struct ndr_source *src, struct sensor_outputs *out,
					   uint64_t seed, char *err, size_t errlen)
{
	struct ndr_workers_opts wo = { 0 };
	struct ndr_workers_out wout = { outputs_alert,
					outputs_want_records(out) ? outputs_record : NULL, out };
	struct ndr_workers *w;

	if (sensor_workers(cfg, o, src, &wo.workers, err, errlen))
		return NULL;
	wo.seed = seed;
	w = ndr_workers_new(cfg, &wo, &wout, err, errlen);
	if (!w)
		return NULL;
	if (ndr_config_check_unused(cfg, err, errlen) ||
	    (o->state_dir && ndr_workers_state_load(w, o->state_dir, o->quiet, err, errlen))) {
		ndr_workers_free(w);
		return NULL;
	}
	outputs_attach_workers(out, w);
	return w;
}

int main(int argc, char **argv)
{
	struct sensor_opts o;
	struct ndr_source_opts so;
	struct ndr_config *cfg = NULL;
	struct ndr_source *src = NULL;
	struct run r;
	char err[1024] = "";
	uint64_t undelivered;
	int status = 2, rc, have_pidfile = 0;
	uint64_t seed;

	rc = sensor_parse_args(argc, argv, &o);
	if (rc)
		return rc > 0 ? 0 : 2;

	memset(&r, 0, sizeof(r));
	r.sigfd = -1;
	/* before any thread starts, so every thread has them blocked */
	r.sigfd = sensor_signals_open(err, sizeof(err));
	if (r.sigfd < 0)
		goto fail;
	cfg = o.config_path ? ndr_config_load(o.config_path, err, sizeof(err)) : ndr_config_empty();
	if (!cfg)
		goto fail;
	if (sensor_card_config(cfg, &o, &so, err, sizeof(err)) ||
	    sensor_stats_config(cfg, &o, &r.reload.stats, err, sizeof(err)))
		goto fail;
	if (o.pidfile) {
		if (sensor_pidfile_create(o.pidfile, err, sizeof(err))) {
			status = 1;
			goto fail;
		}
		have_pidfile = 1;
	}
	r.out = outputs_open(&o, cfg, err, sizeof(err));
	if (!r.out)
		goto fail;
	/* The source first: it places the process on the card's NUMA node,
	 * whose cores decide how many workers to start. */
	if (ndr_numa_pin(o.numa_node, err, sizeof(err))) {
		status = 1;
		goto fail;
	}
	src = ndr_source_open(o.source_spec, &so, err, sizeof(err));
	if (!src) {
		status = 1;
		goto fail;
	}
	r.replay = src->replay;
	seed = outputs_seed(r.out, sensor_seed(src));   /* --kafka-records: the fleet's */
	r.det = start_detectors(cfg, &o, src, r.out, seed, err, sizeof(err));
	if (!r.det)
		goto fail;
	status = 1;
	if (ndr_workers_start(r.det, err, sizeof(err)))
		goto fail;
	r.health = sensor_health_new(src, r.det, r.out, err, sizeof(err));
	if (!r.health)
		goto fail;
	r.reload = (struct sensor_reload){ .o = &o, .src = src, .det = r.det,
		.seed = seed, .out = r.out, .cfg = cfg, .stats = r.reload.stats };
	/* everything is open: what stays is what a live capture needs */
	if (o.user && sensor_drop_privileges(o.user, strncmp(o.source_spec, "sim:live:", 9) == 0,
					     err, sizeof(err)))
		goto fail;
	if (!o.quiet && src->info[0])
		fprintf(stderr, "ndr-sensor: %s: %s\n", src->desc, src->info);
	r.watchdog_every = (double)sensor_watchdog_usec() / 2e6;
	sensor_notify("READY=1\nSTATUS=reading records");

	status = run_loop(src, &r, &o);
	cfg = r.reload.cfg;     /* the one running at the end */
	undelivered = outputs_undelivered(r.out);
	if (undelivered) {
		fprintf(stderr, "ndr-sensor: %llu of %llu alerts could not be delivered to any "
			"output\n", (unsigned long long)undelivered,
			(unsigned long long)outputs_alerts(r.out));
		status = 1;
	}
	err[0] = '\0';
fail:
	if (err[0])
		fprintf(stderr, "ndr-sensor: %s\n", err);
	if (!r.stopping)
		sensor_notify("STOPPING=1");
	ndr_workers_free(r.det);
	sensor_health_free(r.health);
	ndr_source_close(src);
	if (r.out)
		outputs_close(r.out);
	ndr_config_free(cfg);
	sensor_reload_free(&r.reload);
	if (have_pidfile)
		sensor_pidfile_remove(o.pidfile);
	if (r.sigfd >= 0)
		close(r.sigfd);
	return status;
}
