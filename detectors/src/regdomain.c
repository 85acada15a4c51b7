/*
 * regdomain.c - registered domain of a DNS name from the Public Suffix List
 * (ndr_regdomain.h).
 *
 * The list's rules go into one open-addressing table keyed by the suffix
 * they name, with flags: the suffix is a rule, "*.suffix" is a rule,
 * "!suffix" is a rule, and "a longer rule ends in .suffix". A name is then
 * walked from its last label leftwards, one lookup per suffix, until no
 * rule reaches further: for "a.b.example.com" that is "com" and
 * "example.com". The table is built once per process and only read
 * afterwards, so every detector instance and the dispatching thread share
 * it without locks.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>
#include <libpsl.h>

#include "ndr_hll.h"
#include "ndr_regdomain.h"

#define NAME_MAX_LEN 253u
#define RULE_SEED    0x72756c65u

#define F_RULE   1u     /* the suffix is a rule */
#define F_WILD   2u     /* "*.suffix" is a rule */
#define F_EXCEPT 4u     /* "!suffix" is a rule */
#define F_INNER  8u     /* some longer rule ends in ".suffix" */

struct rule_slot {
	uint64_t hash;          /* 0: empty */
	uint32_t off;           /* the suffix text in text[] */
	uint16_t len;
	uint8_t flags;
	uint8_t pad;
};

struct rule_table {
	struct rule_slot *slots;
	uint32_t mask;
	size_t used;
	char *text;
	size_t text_len, text_cap;
	size_t bytes;
};

/* The process's list, loaded once. */
static struct {
	pthread_once_t once;
	const psl_ctx_t *psl;
	int psl_latest;            /* psl_latest() loaded; else libpsl's builtin */
	struct rule_table table;
	int use_table;             /* the table agreed with libpsl on every rule */
	char why[512];             /* why not, when it did not */
	char source[600];
} g = { .once = PTHREAD_ONCE_INIT };

struct ndr_regdomain {
	uint64_t lookups;
	int first;                 /* counts the shared list in its bytes */
};

/* ---- the table ---- */

static uint64_t suffix_hash(const char *s, size_t len)
{
	uint64_t h = ndr_hash64(s, len, RULE_SEED);

	return h ? h : 1;
}

static const struct rule_slot *table_find(const struct rule_table *t, const char *s, size_t len)
{
	uint64_t h = suffix_hash(s, len);

	for (uint32_t pos = (uint32_t)h & t->mask;; pos = (pos + 1) & t->mask) {
		const struct rule_slot *r = &t->slots[pos];

		if (r->hash == 0)
			return NULL;
		if (r->hash == h && r->len == len && memcmp(t->text + r->off, s, len) == 0)
			return r;
	}
}

static int table_grow(struct rule_table *t)
{
	struct rule_table bigger = *t;
	uint32_t n = t->mask ? (t->mask + 1) * 2 : 4096;

	bigger.slots = calloc(n, sizeof(*bigger.slots));
	if (!bigger.slots)
		return -1;
	bigger.mask = n - 1;
	for (uint32_t i = 0; t->slots && i <= t->mask; i++) {
		const struct rule_slot *r = &t->slots[i];
		uint32_t pos;

		if (r->hash == 0)
			continue;
		for (pos = (uint32_t)r->hash & bigger.mask; bigger.slots[pos].hash;
		     pos = (pos + 1) & bigger.mask)
			;
		bigger.slots[pos] = *r;
	}
	free(t->slots);
	*t = bigger;
	return 0;
}

static int table_add(struct rule_table *t, const char *s, size_t len, uint8_t flags)
{
	uint64_t h = suffix_hash(s, len);
	uint32_t pos;

	if (t->used * 2 >= (size_t)t->mask && table_grow(t) != 0)
		return -1;
	for (pos = (uint32_t)h & t->mask; t->slots[pos].hash; pos = (pos + 1) & t->mask) {
		struct rule_slot *r = &t->slots[pos];

		if (r->hash == h && r->len == len && memcmp(t->text + r->off, s, len) == 0) {
			r->flags |= flags;
			return 0;
		}
	}
	if (t->text_len + len > t->text_cap) {
		size_t cap = t->text_cap ? t->text_cap * 2 : 1 << 18;
		char *text;

		while (cap < t->text_len + len)
			cap *= 2;
		text = realloc(t->text, cap);
		if (!text)
			return -1;
		t->text = text;
		t->text_cap = cap;
	}
	memcpy(t->text + t->text_len, s, len);
	t->slots[pos].hash = h;
	t->slots[pos].off = (uint32_t)t->text_len;
	t->slots[pos].len = (uint16_t)len;
	t->slots[pos].flags = flags;
	t->text_len += len;
	t->used++;
	return 0;
}

/* A rule's base (without "*." or "!") with its flag, and every shorter
 * suffix of it marked as leading somewhere. */
static int add_rule(struct rule_table *t, const char *base, size_t len, uint8_t flag)
{
	if (table_add(t, base, len, flag) != 0)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (base[i] == '.' && table_add(t, base + i + 1, len - i - 1, F_INNER) != 0)
			return -1;
	return 0;
}

static int ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* One line of the list: its rule in the form it is written, and for an
 * internationalised rule also in the ASCII form names arrive in. */
static int add_line(struct rule_table *t, const char *rule)
{
	uint8_t flag = F_RULE;
	const char *base = rule;
	char *puny = NULL;
	int rc;

	if (rule[0] == '!') {
		flag = F_EXCEPT;
		base = rule + 1;
	} else if (rule[0] == '*' && rule[1] == '.') {
		flag = F_WILD;
		base = rule + 2;
	}
	rc = add_rule(t, base, strlen(base), flag);
	if (rc == 0 && !ascii(base) &&
	    idn2_to_ascii_8z(base, &puny, IDN2_NONTRANSITIONAL) == IDN2_OK) {
		rc = add_rule(t, puny, strlen(puny), flag);
		idn2_free(puny);
	}
	return rc;
}

/* The rules of the list file: the first word of each line that is not a
 * comment, lower case. Returns the count, or -1 with why. */
static long load_rules(struct rule_table *t, const char *path, char **lines_out,
		       char *why, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[512];
	long n = 0;
	size_t used = 0, cap = 1 << 18;
	char *lines = malloc(cap);

	if (!f || !lines) {
		snprintf(why, len, "%.200s: cannot read it", path);
		if (f)
			fclose(f);
		free(lines);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;

		while (*p == ' ' || *p == '\t')
			p++;
		if (p[0] == '/' && p[1] == '/')
			continue;
		for (end = p; *end && !isspace((unsigned char)*end); end++)
			*end = (char)tolower((unsigned char)*end);
		*end = '\0';
		if (!*p)
			continue;
		if (add_line(t, p) != 0) {
			snprintf(why, len, "%.200s: out of memory", path);
			break;
		}
		if (used + (size_t)(end - p) + 1 > cap) {
			char *more = realloc(lines, cap * 2);

			if (!more)
				break;
			lines = more;
			cap *= 2;
		}
		memcpy(lines + used, p, (size_t)(end - p) + 1);
		used += (size_t)(end - p) + 1;
		n++;
	}
	fclose(f);
	if (n == 0 && !why[0])
		snprintf(why, len, "%.200s: no rules in it", path);
	if (why[0]) {
		free(lines);
		return -1;
	}
	lines = realloc(lines, used + 1);
	lines[used] = '\0';
	*lines_out = lines;
	return n;
}

/* The PSL algorithm over the table: the prevailing rule is an exception if
 * one matches, else the longest matching rule, else "*". Returns how many
 * labels from the right are the public suffix. */
static unsigned public_suffix_labels(const struct rule_table *t, const char *name, size_t len)
{
	unsigned labels = 0, ps = 1;
	size_t pos = len;
	int wild = 0;

	for (;;) {
		const struct rule_slot *r;
		size_t i = pos;

		while (i > 0 && name[i - 1] != '.')
			i--;
		labels++;                       /* name + i is the next suffix */
		if (wild)
			ps = labels;            /* "*.parent" matches it */
		r = table_find(t, name + i, len - i);
		if (!r)
			break;
		if (r->flags & F_EXCEPT)
			return labels - 1;
		/* libpsl counts the parent of a wildcard as a suffix too
		 * ("*.nom.br" makes "nom.br" one); so do we */
		if (r->flags & (F_RULE | F_WILD))
			ps = labels;
		wild = (r->flags & F_WILD) != 0;
		if (!(r->flags & (F_INNER | F_WILD)) || i == 0)
			break;
		pos = i - 1;
	}
	return ps;
}

/* Offset of the last n labels of name (n >= 1), or -1 if it has fewer. */
static long last_labels(const char *name, size_t len, unsigned n)
{
	size_t i = len;

	while (i > 0) {
		if (name[i - 1] == '.' && --n == 0)
			return (long)i;
		i--;
	}
	return n == 1 ? 0 : -1;
}

static size_t lower_copy(char *dst, const char *src, size_t len)
{
	for (size_t i = 0; i < len; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[len] = '\0';
	return len;
}

static long table_domain(const struct rule_table *t, const char *name, size_t len)
{
	unsigned ps = public_suffix_labels(t, name, len);

	return last_labels(name, len, ps + 1);
}

static long psl_domain(const char *name, size_t len)
{
	const char *d = psl_registrable_domain(g.psl, name);

	(void)len;
	return d ? d - name : -1;
}

/* Every rule of the list, in the three shapes a rule can match, against
 * libpsl: the table is used only if they agree on all of them. */
static int table_agrees(const char *lines, long n, char *why, size_t wlen)
{
	char name[600], low[600];

	for (const char *p = lines; n-- > 0 && *p; p += strlen(p) + 1) {
		const char *base = p[0] == '!' ? p + 1 : p[0] == '*' && p[1] == '.' ? p + 2 : p;
		const char *prefixes[] = { "x.", "y.x.", "" };

		for (unsigned k = 0; k < 3; k++) {
			size_t len;
			long ours, theirs;

			snprintf(name, sizeof(name), "%s%s", prefixes[k], base);
			len = lower_copy(low, name, strlen(name));
			if (!ascii(low))
				continue;   /* names arrive in ASCII; UTF-8 forms are libpsl's */
			ours = table_domain(&g.table, low, len);
			theirs = psl_domain(low, len);
			if (ours != theirs) {
				snprintf(why, wlen, "rule %.64s: %.64s gives %.64s here, %.64s in libpsl",
					 p, low, ours < 0 ? "none" : low + ours,
					 theirs < 0 ? "none" : low + theirs);
				return 0;
			}
		}
	}
	return 1;
}

static void load_once(void)
{
	char path[512];
	const char *dist = psl_dist_filename();
	char *lines = NULL;
	long n;
	size_t dl;

	g.psl = psl_latest(NULL);
	g.psl_latest = g.psl != NULL;
	if (!g.psl)
		g.psl = psl_builtin();
	if (!g.psl_latest || !dist) {
		snprintf(g.source, sizeof(g.source), "builtin via libpsl");
		return;
	}
	/* psl_latest reads the compiled form; its text source sits beside it */
	dl = strlen(dist);
	if (dl > 6 && strcmp(dist + dl - 6, ".dafsa") == 0)
		snprintf(path, sizeof(path), "%.*s.dat", (int)(dl - 6), dist);
	else
		snprintf(path, sizeof(path), "%s", dist);
	n = load_rules(&g.table, path, &lines, g.why, sizeof(g.why));
	if (n > 0 && table_agrees(lines, n, g.why, sizeof(g.why)))
		g.use_table = 1;
	free(lines);
	if (g.use_table)
		snprintf(g.source, sizeof(g.source), "latest");
	else
		snprintf(g.source, sizeof(g.source), "latest via libpsl (%s)", g.why);
	g.table.bytes = ((size_t)g.table.mask + 1) * sizeof(struct rule_slot) + g.table.text_cap;
}

struct ndr_regdomain *ndr_regdomain_open(char *err, size_t errlen)
{
	static int handles;
	struct ndr_regdomain *rd;

	pthread_once(&g.once, load_once);
	if (!g.psl) {
		snprintf(err, errlen, "public suffix list: neither the system list "
			 "(psl_latest) nor libpsl's builtin list could be loaded");
		return NULL;
	}
	rd = calloc(1, sizeof(*rd));
	if (!rd) {
		snprintf(err, errlen, "public suffix list: out of memory");
		return NULL;
	}
	rd->first = __atomic_fetch_add(&handles, 1, __ATOMIC_RELAXED) == 0;
	return rd;
}

void ndr_regdomain_close(struct ndr_regdomain *rd)
{
	/* The list is the process's and stays (like libpsl's builtin one). */
	free(rd);
}

const char *ndr_regdomain_source(const struct ndr_regdomain *rd)
{
	(void)rd;
	return g.source;
}

static int has_suffix(const char *name, size_t len, const char *zone)
{
	size_t zl = strlen(zone);

	if (len == zl)
		return strncasecmp(name, zone, zl) == 0;
	return len > zl && name[len - zl - 1] == '.' &&
	       strncasecmp(name + len - zl, zone, zl) == 0;
}

static int last_label_numeric(const char *name, size_t len)
{
	size_t i = len;

	while (i > 0 && name[i - 1] != '.')
		i--;
	if (i == len)
		return 0;
	for (size_t j = i; j < len; j++)
		if (name[j] < '0' || name[j] > '9')
			return 0;
	return 1;
}

enum ndr_rd_kind ndr_regdomain_find(const struct ndr_regdomain *rd, const char *name,
				    size_t len, size_t *domain_off)
{
	char low[NAME_MAX_LEN + 2];
	long off;

	(void)rd;
	*domain_off = 0;
	if (has_suffix(name, len, "in-addr.arpa") || has_suffix(name, len, "ip6.arpa"))
		return NDR_RD_REVERSE;
	if (len == 0 || len > NAME_MAX_LEN || last_label_numeric(name, len))
		return NDR_RD_NONE;
	lower_copy(low, name, len);
	off = g.use_table ? table_domain(&g.table, low, len) : psl_domain(low, len);
	if (off < 0)
		return NDR_RD_NONE;
	*domain_off = (size_t)off;
	return NDR_RD_OK;
}

enum ndr_rd_kind ndr_regdomain_get(struct ndr_regdomain *rd, const char *name,
				   const char **domain)
{
	size_t off;
	enum ndr_rd_kind kind = ndr_regdomain_find(rd, name, strlen(name), &off);

	rd->lookups++;
	*domain = kind == NDR_RD_OK ? name + off : NULL;
	return kind;
}

size_t ndr_regdomain_bytes(const struct ndr_regdomain *rd)
{
	return sizeof(*rd) + (rd->first ? g.table.bytes : 0);
}

uint64_t ndr_regdomain_lookups(const struct ndr_regdomain *rd)
{
	return rd->lookups;
}
