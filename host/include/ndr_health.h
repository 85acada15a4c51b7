/*
 * ndr_health.h - the sensor's counters while it runs: one registry that the
 * card, the outputs, the detectors (and any later part: Kafka delivery) add
 * a group of counters to with one call, rendered three ways:
 *
 *   - an EVE event_type "stats" (Suricata's schema for what Suricata has;
 *     every ndr counter in one object, ndr_health_json(), that the sensor
 *     puts under metadata.flowints.ndr, the one place the schema leaves
 *     open: {"GROUP": {"STAT": v}}, or {"GROUP": {"LABEL VALUE": {...}}}
 *     for a labelled group);
 *   - Prometheus text exposition format (version 0.0.4), for
 *     node_exporter's textfile collector: ndr_GROUP_STAT_total for a
 *     counter, ndr_GROUP_STAT for a gauge (names already carrying a unit:
 *     _bytes, _seconds), a label {LABEL="VALUE"} where the group has one;
 *   - warnings on stderr when a counter named a loss starts rising, at most
 *     one per counter a minute (the first at once).
 *
 * A group is a struct ndr_stats (ndr_stats.h) the component fills once
 * with pointers to its counters, or several instances of one (the
 * detectors), combined as ndr_stats.h says. Values are read on the thread
 * that calls ndr_health_collect(); a counter written by another thread
 * must be registered as a gauge whose read function loads it atomically.
 *
 *   static const char *const losses[] = { "dropped", NULL };
 *   ndr_health_add(h, "kafka", NULL, NULL, &k->stats, losses, NULL, NULL);
 */
#ifndef NDR_HEALTH_H
#define NDR_HEALTH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "ndr_stats.h"

struct ndr_health;

/* Called before a group is read: take a snapshot its counters point into. */
typedef void (*ndr_health_refresh_fn)(void *arg);

/* How a group with instances (the detectors) hands them over: it calls
 * emit once per labelled set, with the label's value and the instances. */
typedef void (*ndr_health_emit_fn)(void *emit_arg, const char *label_value,
				   const struct ndr_stats *const *inst, size_t n);
typedef void (*ndr_health_visit_fn)(void *arg, ndr_health_emit_fn emit, void *emit_arg);

struct ndr_health *ndr_health_new(void);
void ndr_health_free(struct ndr_health *h);

/* One call per group. group: [a-z0-9_]+; label_key, label_value: NULL, or
 * what tells apart several groups of one name (receiver=udp://...).
 * losses: NULL or NULL-terminated names of counters whose rise is a loss.
 * Strings and st must outlive h. 0, or -1 on a bad name or no memory. */
int ndr_health_add(struct ndr_health *h, const char *group, const char *label_key,
		   const char *label_value, const struct ndr_stats *st,
		   const char *const *losses, ndr_health_refresh_fn refresh, void *arg);
/* A group read through visit (each set labelled label_key=its value). */
int ndr_health_add_visitor(struct ndr_health *h, const char *group, const char *label_key,
			   const char *const *losses, ndr_health_visit_fn visit, void *arg);

/* Reads every group now (values kept until the next collect). */
void ndr_health_collect(struct ndr_health *h);

/* The value last collected, or 0 when absent (label_value NULL: unlabelled). */
uint64_t ndr_health_value(const struct ndr_health *h, const char *group,
			  const char *label_value, const char *stat);

/* Warns on f about loss counters that rose since the previous call:
 * "ndr-sensor: warning: GROUP[ LABEL] STAT rising: +N (total T)", at most
 * once per counter every min_gap_s (the rises between are summed into the
 * next). now_s: a monotonic clock. Returns the warnings written. */
unsigned ndr_health_warn(struct ndr_health *h, double now_s, double min_gap_s, FILE *f);

/* {"GROUP": {...}, ...} of what was collected: a new reference. */
json_t *ndr_health_json(const struct ndr_health *h);

/* The Prometheus text of what was collected, into f (one # HELP and
 * # TYPE per metric family, its samples together). 0, or -1 on a write
 * error. */
int ndr_health_prometheus(const struct ndr_health *h, FILE *f);

/* Writes preamble (lines of the caller's own families, or NULL) and the
 * Prometheus text to path atomically (a temporary file in path's
 * directory, renamed over it), so the collector never reads half a file.
 * 0, or -1 with "PATH: why" in err. */
int ndr_health_write_metrics(const struct ndr_health *h, const char *path, const char *preamble,
			     char *err, size_t errlen);

#endif
