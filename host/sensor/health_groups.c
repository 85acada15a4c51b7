/*
 * health_groups.c - what ndr-sensor reports while it runs: the card's,
 * the capture's and the ring's counters and every detector's, registered in
 * the health registry (ndr_health.h) next to the outputs' (outputs.c) and
 * any later part's; rendered as an EVE stats event and a metrics file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ndr_eve.h"
#include "sensor.h"

#ifndef NDR_VERSION
#define NDR_VERSION "unknown"
#endif
#ifndef NDR_SEMVER
#define NDR_SEMVER "0.0.0"
#endif

/* A snapshot the registered counters point into, taken before each read. */
struct sensor_health {
	struct ndr_source *src;
	struct ndr_workers *det;
	struct ndr_health *h;
	uint64_t start_wall_ns;
	/* card: from its latest heartbeat where it sends them, else the source */
	uint64_t packets, bytes, parse_errors, non_ip, rx_overrun, flows_active,
		 flows_created, flows_evicted, dns_messages, dns_errors, dns_dropped,
		 tls_hellos, tls_dropped, records_written, records_dropped,
		 records_link_dropped;
	/* capture */
	uint64_t cap_frames, cap_kernel_drops, cap_unsupported, cap_reopens, cap_down, cap_filtered;
	int unsupported_linktype, linktype_warned;
	/* ring */
	uint64_t ring_records, ring_heartbeats, ring_bad, ring_gaps, ring_card_dropped,
		 ring_used, ring_size;
	struct ndr_stats card, capture, ring;
};

static void refresh(void *arg)
{
	struct sensor_health *s = arg;
	const struct ndr_ring_counters *c = &s->src->reader.c;
	struct ndr_source_stats st;
	const struct ndr_card_stats *k = &st.card;

	ndr_source_get_stats(s->src, &st);
	if (c->have_hb) {
		const struct ndr_heartbeat_rec *hb = &c->hb;

		s->packets = hb->packets, s->bytes = hb->bytes;
		s->parse_errors = hb->parse_errors, s->non_ip = hb->non_ip;
		s->rx_overrun = hb->rx_overrun, s->flows_active = hb->flows_active;
		s->flows_created = hb->flows_created, s->flows_evicted = hb->flows_evicted;
		s->dns_messages = hb->dns_messages, s->dns_errors = hb->dns_errors;
		s->dns_dropped = hb->dns_dropped, s->tls_hellos = hb->tls_hellos;
		s->tls_dropped = hb->tls_dropped, s->records_written = hb->records_written;
		s->records_dropped = hb->records_dropped;
		s->records_link_dropped = hb->records_link_dropped;
	}
	/* the source's own count is newer than the last heartbeat */
	if (!c->have_hb || k->frames > s->packets) {
		s->packets = k->frames, s->bytes = k->bytes;
		s->parse_errors = k->parse_errors, s->non_ip = k->non_ip;
		s->rx_overrun = k->rx_overrun, s->flows_active = k->flows_active;
		s->flows_created = k->flows_created, s->flows_evicted = k->flows_evicted;
		s->dns_messages = k->dns_messages, s->dns_errors = k->dns_errors;
		s->dns_dropped = k->dns_dropped, s->tls_hellos = k->tls_hellos;
		s->tls_dropped = k->tls_dropped, s->records_written = k->records_written;
		s->records_dropped = k->records_dropped;
		s->records_link_dropped = k->records_link_dropped;
	}
	s->cap_frames = st.capture.frames;
	s->cap_kernel_drops = st.capture.kernel_drops;
	s->cap_unsupported = st.capture.unsupported;
	s->cap_reopens = st.capture.reopens;
	s->cap_down = st.capture.down;
	s->cap_filtered = st.capture.filtered;
	s->unsupported_linktype = st.capture.unsupported_linktype;
	s->ring_records = c->records;
	s->ring_heartbeats = c->by_type[NDR_REC_HEARTBEAT];
	s->ring_bad = c->bad_records;
	s->ring_gaps = c->seq_gaps;
	s->ring_card_dropped = c->card_dropped;
	s->ring_size = s->src->reader.ctrl ? (uint64_t)s->src->reader.mask + 1 : 0;
	s->ring_used = s->src->reader.ctrl ? ndr_ring_available(&s->src->reader) : 0;
}

static uint64_t read_u64(const void *p)
{
	return *(const uint64_t *)p;
}

static void detectors_visit(void *arg, ndr_health_emit_fn emit, void *emit_arg)
{
	struct sensor_health *s = arg;

	/* one set per detector, labelled with its name (the same signature) */
	ndr_workers_stats_each(s->det, emit, emit_arg);
}

#define COUNTER(st, s, field) ndr_stats_counter(st, #field, &(s)->field)

struct sensor_health *sensor_health_new(struct ndr_source *src, struct ndr_workers *det,
					struct sensor_outputs *out, char *err, size_t errlen)
{
	static const char *const card_losses[] = { "rx_overrun", "dns_dropped", "tls_dropped",
		"records_dropped", "records_link_dropped", NULL };
	static const char *const capture_losses[] = { "kernel_drops",
		"down", NULL };
	static const char *const ring_losses[] = { "bad_records", "seq_gaps",
		"card_dropped", NULL };
	struct sensor_health *s = calloc(1, sizeof(*s));
	struct timespec now;

	if (!s || !(s->h = ndr_health_new())) {
		free(s);
		snprintf(err, errlen, "stats: out of memory");
		return NULL;
	}
	s->src = src;
	s->det = det;
	clock_gettime(CLOCK_REALTIME, &now);
	s->start_wall_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	ndr_stats_counter(&s->card, "packets", &s->packets);
	COUNTER(&s->card, s, bytes);
	COUNTER(&s->card, s, parse_errors);
	COUNTER(&s->card, s, non_ip);
	COUNTER(&s->card, s, rx_overrun);
	ndr_stats_gauge(&s->card, "flows_active", read_u64, &s->flows_active);
	COUNTER(&s->card, s, flows_created);
	COUNTER(&s->card, s, flows_evicted);
	COUNTER(&s->card, s, dns_messages);
	COUNTER(&s->card, s, dns_errors);
	COUNTER(&s->card, s, dns_dropped);
	COUNTER(&s->card, s, tls_hellos);
	COUNTER(&s->card, s, tls_dropped);
	COUNTER(&s->card, s, records_written);
	COUNTER(&s->card, s, records_dropped);
	COUNTER(&s->card, s, records_link_dropped);
	ndr_stats_counter(&s->capture, "packets", &s->cap_frames);
	ndr_stats_counter(&s->capture, "kernel_drops", &s->cap_kernel_drops);
	ndr_stats_counter(&s->capture, "unsupported", &s->cap_unsupported);
	ndr_stats_counter(&s->capture, "reopens", &s->cap_reopens);
	ndr_stats_counter(&s->capture, "down", &s->cap_down);
	ndr_stats_counter(&s->capture, "filtered", &s->cap_filtered);
	ndr_stats_counter(&s->ring, "records", &s->ring_records);
	ndr_stats_counter(&s->ring, "heartbeats", &s->ring_heartbeats);
	ndr_stats_counter(&s->ring, "bad_records", &s->ring_bad);
	ndr_stats_counter(&s->ring, "seq_gaps", &s->ring_gaps);
	ndr_stats_counter(&s->ring, "card_dropped", &s->ring_card_dropped);
	ndr_stats_gauge(&s->ring, "used_slots", read_u64, &s->ring_used);
	ndr_stats_gauge(&s->ring, "size_slots", read_u64, &s->ring_size);
	/* the card group refreshes the snapshot the next two read */
	if (ndr_health_add(s->h, "card", NULL, NULL, &s->card, card_losses, refresh, s) ||
	    ndr_health_add(s->h, "capture", NULL, NULL, &s->capture, capture_losses, NULL,
			   NULL) ||
	    ndr_health_add(s->h, "ring", NULL, NULL, &s->ring, ring_losses, NULL, NULL) ||
	    ndr_health_add_visitor(s->h, "detector", "detector", NULL, detectors_visit, s) ||
	    outputs_health(out, s->h)) {
		snprintf(err, errlen, "stats: cannot register the counters");
		sensor_health_free(s);
		return NULL;
	}
	return s;
}

struct ndr_health *sensor_health_registry(struct sensor_health *s)
{
	return s->h;
}

void sensor_health_free(struct sensor_health *s)
{
	if (!s)
		return;
	ndr_health_free(s->h);
	free(s);
}

/* Suricata's names for what Suricata also counts (its etc/schema.json
 * "stats", which allows no other key there); the rest, everything ndr
 * counts, goes to metadata.flowints.ndr (sensor_health_event). */
static json_t *suricata_stats(struct sensor_health *s, uint64_t now_ns)
{
	const struct ndr_health *h = s->h;

	return json_pack("{s:I, s:{s:I, s:I}, s:{s:I, s:I, s:I}, s:{s:I, s:I}, s:{s:I}}",
		"uptime", (json_int_t)((now_ns - s->start_wall_ns) / 1000000000ull),
		"capture",
		"kernel_packets", (json_int_t)(ndr_health_value(h, "capture", NULL, "packets") +
					       ndr_health_value(h, "capture", NULL, "kernel_drops")),
		"kernel_drops", (json_int_t)ndr_health_value(h, "capture", NULL, "kernel_drops"),
		"decoder",
		"pkts", (json_int_t)ndr_health_value(h, "card", NULL, "packets"),
		"bytes", (json_int_t)ndr_health_value(h, "card", NULL, "bytes"),
		"invalid", (json_int_t)ndr_health_value(h, "card", NULL, "parse_errors"),
		"flow",
		"total", (json_int_t)ndr_health_value(h, "card", NULL, "flows_created"),
		"active", (json_int_t)ndr_health_value(h, "card", NULL, "flows_active"),
		"detect",
		"alert", (json_int_t)ndr_health_value(h, "eve", NULL, "alerts"));
}

json_t *sensor_health_event(struct sensor_health *s)
{
	struct timespec now;
	char ts[NDR_EVE_TS_LEN];
	uint64_t now_ns;
	json_t *ev;

	clock_gettime(CLOCK_REALTIME, &now);
	now_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	ndr_eve_timestamp(now_ns, ts);
	ev = json_object();
	json_object_set_new(ev, "timestamp", json_string(ts));
	json_object_set_new(ev, "event_type", json_string("stats"));
	json_object_set_new(ev, "stats", suricata_stats(s, now_ns));
	/* Suricata's schema has no room for ndr's counters under "stats" nor
	 * at the top level: they go where flow, dns and tls events keep ndr's
	 * counters, metadata.flowints (docs/alerts.md "Stats event") */
	json_object_set_new(ev, "metadata", json_pack("{s:{s:o}}", "flowints", "ndr",
						      ndr_health_json(s->h)));
	return ev;
}

void sensor_health_warn_linktype(struct sensor_health *s, const char *desc)
{
	if (s->linktype_warned || !s->cap_unsupported)
		return;
	s->linktype_warned = 1;
	fprintf(stderr, "ndr-sensor: warning: %s: link type %d is not supported: its frames "
		"are counted (capture unsupported), not analysed\n", desc,
		s->unsupported_linktype);
}

int sensor_health_write_metrics(struct sensor_health *s, const char *path, char *err,
				size_t errlen)
{
	char pre[1024];

	snprintf(pre, sizeof(pre),
		 "# HELP ndr_build_info ndr-sensor's version, commit and record ABI\n"
		 "# TYPE ndr_build_info gauge\n"
		 "ndr_build_info{version=\"%s\",commit=\"%s\",abi=\"%u\"} 1\n"
		 "# HELP ndr_start_time_seconds when ndr-sensor started (Unix time)\n"
		 "# TYPE ndr_start_time_seconds gauge\n"
		 "ndr_start_time_seconds %llu.%09llu\n",
		 NDR_SEMVER, NDR_VERSION, NDR_ABI_VERSION,
		 (unsigned long long)(s->start_wall_ns / 1000000000ull),
		 (unsigned long long)(s->start_wall_ns % 1000000000ull));
	return ndr_health_write_metrics(s->h, path, pre, err, errlen);
}
