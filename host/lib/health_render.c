/*
 * health_render.c - the collected counters in Prometheus text exposition
 * format (ndr_health.h), and the metrics file written atomically.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "health_impl.h"

/* ndr_GROUP_STAT, with the suffix its kind needs under Prometheus'
 * conventions: _total for a counter, _timestamp_seconds for a time. */
static void metric_name(const struct health_sample *x, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "ndr_%s_%s", x->group->name, x->stat);

	for (char *c = buf; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || *c == ':'))
			*c = '_';
	if (x->kind == NDR_STAT_COUNTER && !(n > 6 && !strcmp(buf + n - 6, "_total")))
		snprintf(buf + n, len > n ? len - n : 0, "_total");
	else if (x->kind == NDR_STAT_TIME)
		snprintf(buf + n, len > n ? len - n : 0, "_timestamp_seconds");
}

static int exported(const struct health_sample *x)
{
	return x->kind != NDR_STAT_TEXT && !(x->kind == NDR_STAT_TIME && x->value == 0);
}

/* A label value as the text format escapes it: \\, \" and \n. */
static void put_label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void put_value(FILE *f, const struct health_sample *x)
{
	if (x->kind == NDR_STAT_TIME)
		fprintf(f, "%llu.%09llu", (unsigned long long)(x->value / 1000000000ull),
			(unsigned long long)(x->value % 1000000000ull));
	else
		fprintf(f, "%llu", (unsigned long long)x->value);
}

int ndr_health_prometheus(const struct ndr_health *h, FILE *f)
{
	char *done = calloc(h->n_samples ? h->n_samples : 1, 1);
	char name[256], other[256];

	if (!done)
		return -1;
	/* a family's samples together, whatever order the groups came in */
	for (size_t i = 0; i < h->n_samples; i++) {
		const struct health_sample *x = &h->samples[i];

		if (done[i] || !exported(x))
			continue;
		metric_name(x, name, sizeof(name));
		fprintf(f, "# HELP %s ndr %s: %s\n# TYPE %s %s\n", name, x->group->name, x->stat,
			name, x->kind == NDR_STAT_COUNTER ? "counter" : "gauge");
		for (size_t j = i; j < h->n_samples; j++) {
			const struct health_sample *y = &h->samples[j];

			if (done[j] || !exported(y))
				continue;
			metric_name(y, other, sizeof(other));
			if (strcmp(name, other))
				continue;
			done[j] = 1;
			fputs(name, f);
			if (y->label_value) {
				fprintf(f, "{%s=\"", y->group->label_key);
				put_label_value(f, y->label_value);
				fputs("\"}", f);
			}
			fputc(' ', f);
			put_value(f, y);
			fputc('\n', f);
		}
	}
	free(done);
	return ferror(f) ? -1 : 0;
}

int ndr_health_write_metrics(const struct ndr_health *h, const char *path, const char *preamble,
			     char *err, size_t errlen)
{
	char tmp[4200];
	FILE *f;
	int fd, failed;

	/* in the same directory, so rename() replaces it in one step */
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: name too long", path);
		return -1;
	}
	fd = mkstemp(tmp);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		snprintf(err, errlen, "%s: cannot create %s: %s", path, tmp, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		return -1;
	}
	/* node_exporter reads it as whoever it runs as */
	(void)fchmod(fd, 0644);
	if (preamble)
		fputs(preamble, f);
	failed = ndr_health_prometheus(h, f) != 0;
	failed |= fclose(f) != 0;
	if (failed || rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: cannot write the metrics: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
