/*
 * health_impl.h - what health.c collects and health_render.c prints.
 */
#ifndef NDR_HEALTH_IMPL_H
#define NDR_HEALTH_IMPL_H

#include "ndr_health.h"

struct health_group {
	const char *name, *label_key, *label_value;
	const struct ndr_stats *st;          /* or visit */
	const char *const *losses;
	ndr_health_refresh_fn refresh;
	ndr_health_visit_fn visit;
	void *arg;
};

/* One statistic of one set as last collected. */
struct health_sample {
	const struct health_group *group;
	char *label_value;                   /* NULL: unlabelled */
	const char *stat;
	enum ndr_stat_kind kind;
	uint64_t value;
	const char *text;
	int loss;
};

/* A loss counter's last value and when it was last warned about. */
struct health_watch {
	char *key;
	uint64_t last, pending;
	double last_warn;
	int warned;
};

struct ndr_health {
	struct health_group *groups;
	size_t n_groups, cap_groups;
	struct health_sample *samples;
	size_t n_samples, cap_samples;
	json_t *json;
	struct health_watch *watch;
	size_t n_watch, cap_watch;
};

#endif
