/*
 * stats.c - registered detector statistics (ndr_stats.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ndr_stats.h"

static struct ndr_stat *add(struct ndr_stats *st, const char *name, enum ndr_stat_kind kind)
{
	struct ndr_stat *s;

	/* A detector registers a fixed list in create(); going past the
	 * array is a programming error, visible in the output as missing
	 * names, never a crash. */
	if (st->n == NDR_STATS_MAX) {
		st->dropped++;
		return NULL;
	}
	s = &st->s[st->n++];
	memset(s, 0, sizeof(*s));
	s->name = name;
	s->kind = kind;
	return s;
}

void ndr_stats_counter(struct ndr_stats *st, const char *name, const uint64_t *value)
{
	struct ndr_stat *s = add(st, name, NDR_STAT_COUNTER);

	if (s)
		s->counter = value;
}

static void add_read(struct ndr_stats *st, const char *name, enum ndr_stat_kind kind,
		     ndr_stat_read_fn read, const void *arg)
{
	struct ndr_stat *s = add(st, name, kind);

	if (s) {
		s->read = read;
		s->arg = arg;
	}
}

void ndr_stats_gauge(struct ndr_stats *st, const char *name, ndr_stat_read_fn read,
		     const void *arg)
{
	add_read(st, name, NDR_STAT_GAUGE, read, arg);
}

void ndr_stats_flag(struct ndr_stats *st, const char *name, ndr_stat_read_fn read,
		    const void *arg)
{
	add_read(st, name, NDR_STAT_FLAG, read, arg);
}

void ndr_stats_time(struct ndr_stats *st, const char *name, ndr_stat_read_fn read,
		    const void *arg)
{
	add_read(st, name, NDR_STAT_TIME, read, arg);
}

void ndr_stats_text(struct ndr_stats *st, const char *name, const char *text)
{
	struct ndr_stat *s = add(st, name, NDR_STAT_TEXT);

	if (s)
		s->text = text;
}

static uint64_t one(const struct ndr_stat *s)
{
	switch (s->kind) {
	case NDR_STAT_COUNTER:
		return *s->counter;
	case NDR_STAT_GAUGE:
	case NDR_STAT_TIME:
		return s->read(s->arg);
	case NDR_STAT_FLAG:
		return s->read(s->arg) != 0;
	default:
		return 0;
	}
}

/* Instance k's statistic number i, which is the same name in every
 * instance; looked up by name only if an instance differs. */
static const struct ndr_stat *find(const struct ndr_stats *st, unsigned i, const char *name)
{
	if (i < st->n && strcmp(st->s[i].name, name) == 0)
		return &st->s[i];
	for (unsigned j = 0; j < st->n; j++)
		if (strcmp(st->s[j].name, name) == 0)
			return &st->s[j];
	return NULL;
}

static uint64_t combine(const struct ndr_stats *const *inst, size_t n, unsigned i,
			const struct ndr_stat *first)
{
	uint64_t v = 0;

	for (size_t k = 0; k < n; k++) {
		const struct ndr_stat *s = find(inst[k], i, first->name);
		uint64_t x;

		if (!s)
			continue;
		x = one(s);
		if (first->kind == NDR_STAT_TIME || first->kind == NDR_STAT_FLAG)
			v = x > v ? x : v;
		else
			v += x;
	}
	return v;
}

uint64_t ndr_stats_value(const struct ndr_stats *const *inst, size_t n, const char *name)
{
	for (size_t k = 0; k < n; k++)
		for (unsigned i = 0; i < inst[k]->n; i++)
			if (strcmp(inst[k]->s[i].name, name) == 0)
				return combine(inst, n, i, &inst[k]->s[i]);
	return 0;
}

static json_t *iso_time(uint64_t ns)
{
	time_t s = (time_t)(ns / 1000000000ull);
	struct tm tm;
	char day[32], buf[48];

	gmtime_r(&s, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, sizeof(buf), "%s.%06uZ", day, (unsigned)(ns % 1000000000ull / 1000u));
	return json_string(buf);
}

void ndr_stats_json(const struct ndr_stats *const *inst, size_t n, json_t *out)
{
	if (n == 0)
		return;
	for (unsigned i = 0; i < inst[0]->n; i++) {
		const struct ndr_stat *s = &inst[0]->s[i];
		uint64_t v;

		if (s->kind == NDR_STAT_TEXT) {
			json_object_set_new(out, s->name, json_string(s->text ? s->text : ""));
			continue;
		}
		v = combine(inst, n, i, s);
		if (s->kind == NDR_STAT_FLAG)
			json_object_set_new(out, s->name, json_boolean(v));
		else if (s->kind == NDR_STAT_TIME) {
			if (v)
				json_object_set_new(out, s->name, iso_time(v));
		} else
			json_object_set_new(out, s->name, json_integer((json_int_t)v));
	}
}
