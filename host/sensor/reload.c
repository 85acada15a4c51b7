/*
 * reload.c - SIGHUP (sensor.h): reopen, then reload what can change while
 * the detectors keep their state. What sizes the card, the ring, the
 * capture or the workers needs a restart, and a file that changes it is
 * refused whole, so the sensor never runs half of one configuration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_detector.h"
#include "sensor.h"

static const char *const restart_sections[] = { "card", "ring", "capture", "sensor" };

/* Reads every section of cfg the way start-up does, changing nothing. */
static int check_whole(struct sensor_reload *r, struct ndr_config *cfg, uint32_t mask,
		       struct ndr_syslog_opts *so, struct sensor_stats_cfg *sc,
		       char *err, size_t errlen)
{
	struct ndr_source_opts srco;
	unsigned workers;

	if (sensor_card_config(cfg, r->o, &srco, err, errlen) ||
	    sensor_workers(cfg, r->o, r->src, &workers, err, errlen) ||
	    outputs_reload_check(r->out, cfg, so, err, errlen) ||
	    sensor_stats_config(cfg, r->o, sc, err, errlen))
		return -1;
	/* every detector's section, by creating instances from it; the
	 * changed ones asked whether they can take it */
	if (ndr_workers_reconfigure(r->det, cfg, r->seed, mask, 0, err, errlen))
		return -1;
	return ndr_config_check_unused(cfg, err, errlen);
}

static int refuse(const char *path, const char *why)
{
	fprintf(stderr, "ndr-sensor: SIGHUP: configuration %s refused, the running one "
		"stays: %s\n", path, why);
	return -1;
}

int sensor_reload(struct sensor_reload *r)
{
	const char *path = r->o->config_path;
	struct ndr_syslog_opts so;
	struct sensor_stats_cfg sc;
	struct ndr_config *next, **more;
	char err[2304] = "", diff[2048];
	uint32_t mask = 0;
	int reopened;

	reopened = outputs_reopen(r->out, err, sizeof(err)) == 0;
	if (!reopened)
		fprintf(stderr, "ndr-sensor: SIGHUP: %s (still writing to the old file)\n", err);
	if (!path) {
		if (reopened)
			fprintf(stderr, "ndr-sensor: SIGHUP: output files reopened (no "
				"configuration file to reload)\n");
		return 0;
	}
	next = ndr_config_load(path, err, sizeof(err));
	if (!next)
		return refuse(path, err);
	for (size_t i = 0; i < sizeof(restart_sections) / sizeof(restart_sections[0]); i++)
		if (ndr_config_diff(r->cfg, next, restart_sections[i], diff, sizeof(diff))) {
			snprintf(err, sizeof(err), "%s needs a restart", diff);
			goto refused;
		}
	for (unsigned d = 0; ndr_workers_detector_name(r->det, d); d++)
		if (ndr_config_diff(r->cfg, next, ndr_workers_detector_name(r->det, d), NULL, 0))
			mask |= 1u << d;
	if (check_whole(r, next, mask, &so, &sc, err, sizeof(err)))
		goto refused;
	if (ndr_config_diff(r->cfg, next, "syslog", NULL, 0) &&
	    outputs_reload_syslog(r->out, &so, err, sizeof(err)))
		goto refused;
	/* the detectors last (they said yes above): nothing refuses after */
	if (mask && ndr_workers_reconfigure(r->det, next, r->seed, mask, 1, err, sizeof(err))) {
		fprintf(stderr, "ndr-sensor: SIGHUP: warning: [syslog] was already applied\n");
		goto refused;
	}
	r->stats = sc;
	more = realloc(r->retired, (r->n_retired + 1) * sizeof(*more));
	if (!more) {
		/* keep the old one alive by leaking it rather than risk a
		 * detector string pointing into freed memory */
		fprintf(stderr, "ndr-sensor: warning: out of memory keeping the old "
			"configuration\n");
	} else {
		r->retired = more;
		r->retired[r->n_retired++] = r->cfg;
	}
	if (!ndr_config_diff(r->cfg, next, NULL, diff, sizeof(diff)))
		snprintf(diff, sizeof(diff), "nothing changed");
	r->cfg = next;
	fprintf(stderr, "ndr-sensor: SIGHUP: configuration %s reloaded: %s\n", path, diff);
	return 0;
refused:
	ndr_config_free(next);
	return refuse(path, err);
}

void sensor_reload_free(struct sensor_reload *r)
{
	for (size_t i = 0; i < r->n_retired; i++)
		ndr_config_free(r->retired[i]);
	free(r->retired);
	r->retired = NULL;
	r->n_retired = 0;
}
