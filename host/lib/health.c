/*
 * health.c - the registry of counter groups and what is read from them
 * (ndr_health.h); health_render.c turns a collection into text.
 */
#include <stdlib.h>
#include <string.h>

#include "health_impl.h"

struct ndr_health *ndr_health_new(void)
{
	return calloc(1, sizeof(struct ndr_health));
}

static void clear_samples(struct ndr_health *h)
{
	for (size_t i = 0; i < h->n_samples; i++)
		free(h->samples[i].label_value);
	h->n_samples = 0;
	json_decref(h->json);
	h->json = NULL;
}

void ndr_health_free(struct ndr_health *h)
{
	if (!h)
		return;
	clear_samples(h);
	free(h->samples);
	for (size_t i = 0; i < h->n_watch; i++)
		free(h->watch[i].key);
	free(h->watch);
	free(h->groups);
	free(h);
}

static int valid_group(const char *name)
{
	if (!name || !name[0])
		return 0;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
			return 0;
	return 1;
}

static struct health_group *new_group(struct ndr_health *h, const char *group,
				      const char *label_key)
{
	struct health_group *g;

	if (!valid_group(group) || (label_key && !valid_group(label_key)))
		return NULL;
	if (h->n_groups == h->cap_groups) {
		size_t cap = h->cap_groups ? h->cap_groups * 2 : 16;
		struct health_group *more = realloc(h->groups, cap * sizeof(*more));

		if (!more)
			return NULL;
		h->groups = more;
		h->cap_groups = cap;
	}
	g = &h->groups[h->n_groups++];
	memset(g, 0, sizeof(*g));
	g->name = group;
	g->label_key = label_key;
	return g;
}

int ndr_health_add(struct ndr_health *h, const char *group, const char *label_key,
		   const char *label_value, const struct ndr_stats *st,
		   const char *const *losses, ndr_health_refresh_fn refresh, void *arg)
{
	struct health_group *g;

	if (!st || (label_key != NULL) != (label_value != NULL))
		return -1;
	g = new_group(h, group, label_key);
	if (!g)
		return -1;
	g->label_value = label_value;
	g->st = st;
	g->losses = losses;
	g->refresh = refresh;
	g->arg = arg;
	return 0;
}

int ndr_health_add_visitor(struct ndr_health *h, const char *group, const char *label_key,
			   const char *const *losses, ndr_health_visit_fn visit, void *arg)
{
	struct health_group *g;

	if (!visit || !label_key)
		return -1;
	g = new_group(h, group, label_key);
	if (!g)
		return -1;
	g->losses = losses;
	g->visit = visit;
	g->arg = arg;
	return 0;
}

static int is_loss(const struct health_group *g, const char *stat)
{
	for (const char *const *l = g->losses; l && *l; l++)
		if (!strcmp(*l, stat))
			return 1;
	return 0;
}

static struct health_sample *new_sample(struct ndr_health *h)
{
	if (h->n_samples == h->cap_samples) {
		size_t cap = h->cap_samples ? h->cap_samples * 2 : 128;
		struct health_sample *more = realloc(h->samples, cap * sizeof(*more));

		if (!more)
			return NULL;
		h->samples = more;
		h->cap_samples = cap;
	}
	return &h->samples[h->n_samples++];
}

struct collecting {
	struct ndr_health *h;
	const struct health_group *g;
};

/* One set of instances: its samples, and its JSON under the group. */
static void take_set(void *arg, const char *label_value, const struct ndr_stats *const *inst,
		     size_t n)
{
	struct collecting *c = arg;
	const struct health_group *g = c->g;
	json_t *set = json_object(), *where = c->h->json;

	if (n == 0 || !set) {
		json_decref(set);
		return;
	}
	for (unsigned i = 0; i < inst[0]->n; i++) {
		const struct ndr_stat *s = &inst[0]->s[i];
		struct health_sample *x = new_sample(c->h);

		if (!x)
			break;
		x->group = g;
		x->label_value = label_value ? strdup(label_value) : NULL;
		x->stat = s->name;
		x->kind = s->kind;
		x->text = s->kind == NDR_STAT_TEXT ? s->text : NULL;
		x->value = ndr_stats_value(inst, n, s->name);
		x->loss = s->kind == NDR_STAT_COUNTER && is_loss(g, s->name);
	}
	ndr_stats_json(inst, n, set);
	if (!json_object_get(where, g->name))
		json_object_set_new(where, g->name, json_object());
	where = json_object_get(where, g->name);
	if (label_value) {
		json_object_set_new(where, label_value, set);
	} else {
		json_object_update(where, set);
		json_decref(set);
	}
}

void ndr_health_collect(struct ndr_health *h)
{
	clear_samples(h);
	h->json = json_object();
	for (size_t i = 0; i < h->n_groups; i++) {
		const struct health_group *g = &h->groups[i];
		struct collecting c = { h, g };

		if (g->visit) {
			g->visit(g->arg, take_set, &c);
			continue;
		}
		if (g->refresh)
			g->refresh(g->arg);
		take_set(&c, g->label_value, &g->st, 1);
	}
}

uint64_t ndr_health_value(const struct ndr_health *h, const char *group,
			  const char *label_value, const char *stat)
{
	for (size_t i = 0; i < h->n_samples; i++) {
		const struct health_sample *x = &h->samples[i];

		if (!strcmp(x->group->name, group) && !strcmp(x->stat, stat) &&
		    (label_value ? x->label_value && !strcmp(x->label_value, label_value)
				 : !x->label_value))
			return x->value;
	}
	return 0;
}

json_t *ndr_health_json(const struct ndr_health *h)
{
	return h->json ? json_deep_copy(h->json) : json_object();
}

/* ---- warnings when a loss counter rises ---- */

static struct health_watch *find_watch(struct ndr_health *h, const char *key)
{
	for (size_t i = 0; i < h->n_watch; i++)
		if (!strcmp(h->watch[i].key, key))
			return &h->watch[i];
	if (h->n_watch == h->cap_watch) {
		size_t cap = h->cap_watch ? h->cap_watch * 2 : 32;
		struct health_watch *more = realloc(h->watch, cap * sizeof(*more));

		if (!more)
			return NULL;
		h->watch = more;
		h->cap_watch = cap;
	}
	memset(&h->watch[h->n_watch], 0, sizeof(h->watch[0]));
	h->watch[h->n_watch].key = strdup(key);
	if (!h->watch[h->n_watch].key)
		return NULL;
	return &h->watch[h->n_watch++];
}

unsigned ndr_health_warn(struct ndr_health *h, double now_s, double min_gap_s, FILE *f)
{
	unsigned warned = 0;

	for (size_t i = 0; i < h->n_samples; i++) {
		const struct health_sample *x = &h->samples[i];
		struct health_watch *w;
		char key[512];

		if (!x->loss)
			continue;
		snprintf(key, sizeof(key), "%s%s%s %s", x->group->name, x->label_value ? " " : "",
			 x->label_value ? x->label_value : "", x->stat);
		w = find_watch(h, key);
		if (!w)
			continue;
		if (x->value > w->last)
			w->pending += x->value - w->last;
		w->last = x->value;
		if (!w->pending || (w->warned && now_s - w->last_warn < min_gap_s))
			continue;
		fprintf(f, "ndr-sensor: warning: %s rising: +%llu (total %llu)\n", key,
			(unsigned long long)w->pending, (unsigned long long)x->value);
		w->pending = 0;
		w->warned = 1;
		w->last_warn = now_s;
		warned++;
	}
	if (warned)
		fflush(f);
	return warned;
}
