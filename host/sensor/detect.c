/*
 * detect.c - run every compiled-in detector over the records.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ndr_detector.h"
#include "sensor.h"

struct sensor_detectors {
	size_t n;
	const struct ndr_detector_ops **ops;
	void **state;
	struct ndr_alert_sink sink;
};

struct sensor_detectors *detectors_create(struct ndr_config *cfg,
					  const struct ndr_alert_sink *sink,
					  char *err, size_t errlen)
{
	struct sensor_detectors *d = calloc(1, sizeof(*d));
	size_t n = 0, i;

	if (!d)
		goto oom;
	while (ndr_detectors[n])
		n++;
	d->ops = calloc(n ? n : 1, sizeof(*d->ops));
	d->state = calloc(n ? n : 1, sizeof(*d->state));
	if (!d->ops || !d->state)
		goto oom;
	d->sink = *sink;
	for (i = 0; i < n; i++) {
		char why[512] = "";

		struct ndr_detector_ctx ctx = ndr_detector_ctx_one(0x6e6472);

		d->state[i] = ndr_detectors[i]->create(cfg, &ctx, why, sizeof(why));
		if (!d->state[i]) {
			snprintf(err, errlen, "detector %s: %s", ndr_detectors[i]->name, why);
			detectors_destroy(d);
			return NULL;
		}
		d->ops[i] = ndr_detectors[i];
		d->n = i + 1;
	}
	return d;
oom:
	snprintf(err, errlen, "detectors: out of memory");
	detectors_destroy(d);
	return NULL;
}

void detectors_record(struct sensor_detectors *d, const struct ndr_rec_hdr *rec)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		d->ops[i]->record(d->state[i], rec, &d->sink);
}

void detectors_tick(struct sensor_detectors *d, uint64_t now_ns)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		d->ops[i]->tick(d->state[i], now_ns, &d->sink);
}

json_t *detectors_stats(struct sensor_detectors *d)
{
	json_t *all = json_object();
	size_t i;

	for (i = 0; i < d->n; i++) {
		json_t *one = json_object();

		ndr_detector_stats_json(d->ops[i], d->state[i], one);
		json_object_set_new(all, d->ops[i]->name, one);
	}
	return all;
}

int detectors_state_load(struct sensor_detectors *d, const char *dir, int quiet,
			 char *err, size_t errlen)
{
	size_t i;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "--state %s: cannot create the directory: %s", dir,
			 strerror(errno));
		return -1;
	}
	for (i = 0; i < d->n; i++) {
		char why[512] = "";
		int rc;

		if (!d->ops[i]->state_load)
			continue;
		rc = d->ops[i]->state_load(d->state[i], dir, why, sizeof(why));
		/* A rejected baseline is not fatal: the detector relearns, and the
		 * operator is told why. */
		if (rc < 0)
			fprintf(stderr, "ndr-sensor: warning: %s: saved state rejected, "
				"learning again: %s\n", d->ops[i]->name, why);
		else if (!quiet)
			fprintf(stderr, "ndr-sensor: %s: %s\n", d->ops[i]->name,
				rc ? "baseline loaded" : "no saved baseline yet, learning");
	}
	return 0;
}

int detectors_state_save(struct sensor_detectors *d, const char *dir, char *err,
			 size_t errlen)
{
	int status = 0;
	size_t i;

	for (i = 0; i < d->n; i++) {
		char why[512] = "";

		if (!d->ops[i]->state_save)
			continue;
		if (d->ops[i]->state_save(d->state[i], dir, why, sizeof(why))) {
			snprintf(err, errlen, "%s: saving state in %s: %s", d->ops[i]->name, dir,
				 why);
			status = -1;
		}
	}
	return status;
}

void detectors_destroy(struct sensor_detectors *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n; i++)
		d->ops[i]->destroy(d->state[i]);
	free(d->ops);
	free(d->state);
	free(d);
}
