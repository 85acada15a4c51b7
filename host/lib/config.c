/*
 * config.c - the INI-style configuration file (ndr_config.h,
 * docs/configuration.md).
 *
 * The whole file is parsed up front into a flat list of (section, key,
 * value, line) entries; getters look entries up by name and mark them used,
 * so after every component has read its keys, whatever is left unmarked is a
 * typo the user wants to hear about. Files are small (tens of lines), so a
 * linear search is the simplest thing that is fast enough.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ndr_config.h"

struct config_entry {
	char *section;
	char *key;
	char *value;
	int line;
	int used;
};

/* Arrays handed out by ndr_config_list(), kept until ndr_config_free(). */
struct config_list {
	struct config_list *next;
	const char *values[];
};

struct ndr_config {
	char *name;                 /* file name for messages */
	struct config_entry *entries;
	size_t n, cap;
	struct config_list *lists;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static struct ndr_config *config_new(const char *name)
{
	struct ndr_config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return NULL;
	cfg->name = strdup(name ? name : "(config)");
	if (!cfg->name) {
		free(cfg);
		return NULL;
	}
	return cfg;
}

struct ndr_config *ndr_config_empty(void)
{
	return config_new("(no config file)");
}

void ndr_config_free(struct ndr_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n; i++) {
		free(cfg->entries[i].section);
		free(cfg->entries[i].key);
		free(cfg->entries[i].value);
	}
	free(cfg->entries);
	while (cfg->lists) {
		struct config_list *next = cfg->lists->next;
		free(cfg->lists);
		cfg->lists = next;
	}
	free(cfg->name);
	free(cfg);
}

/* ---- parsing ------------------------------------------------------------ */

static int is_name_char(int c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '.';
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

static int valid_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!is_name_char((unsigned char)*s))
			return 0;
	return 1;
}

static int add_entry(struct ndr_config *cfg, const char *section, const char *key,
		     const char *value, int line)
{
	struct config_entry *e;

	if (cfg->n == cfg->cap) {
		size_t cap = cfg->cap ? cfg->cap * 2 : 32;
		struct config_entry *p = realloc(cfg->entries, cap * sizeof(*p));
		if (!p)
			return -1;
		cfg->entries = p;
		cfg->cap = cap;
	}
	e = &cfg->entries[cfg->n];
	e->section = strdup(section);
	e->key = strdup(key);
	e->value = strdup(value);
	e->line = line;
	e->used = 0;
	if (!e->section || !e->key || !e->value) {
		free(e->section);
		free(e->key);
		free(e->value);
		return -1;
	}
	cfg->n++;
	return 0;
}

/*
 * The value part of "key = value", in place. A quoted value ends at its
 * closing quote (\" and \\ are the only escapes); an unquoted value ends at a
 * '#' or ';' that follows whitespace (an inline comment). Returns NULL with
 * a message in *why on a syntax error.
 */
static char *parse_value(char *s, const char **why)
{
	s = trim(s);
	if (*s == '"') {
		char *in = s + 1, *out = s;
		for (;;) {
			if (*in == '\0') {
				*why = "unterminated quoted value";
				return NULL;
			}
			if (*in == '"')
				break;
			if (*in == '\\') {
				if (in[1] != '"' && in[1] != '\\') {
					*why = "bad escape in quoted value (only \\\" and \\\\)";
					return NULL;
				}
				in++;
			}
			*out++ = *in++;
		}
		*out = '\0';
		in = trim(in + 1);
		if (*in != '\0' && *in != '#' && *in != ';') {
			*why = "text after the closing quote";
			return NULL;
		}
		return s;
	}
	for (char *p = s; *p; p++) {
		if ((*p == '#' || *p == ';') && p > s && (p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	}
	return trim(s);
}

/* Parse one line (NUL-terminated, no newline) into cfg. */
static int parse_line(struct ndr_config *cfg, char *line, int lineno, char *section,
		      size_t section_len, char *err, size_t errlen)
{
	char *s = trim(line);
	char *eq, *key, *value;
	const char *why = NULL;

	if (*s == '\0' || *s == '#' || *s == ';')
		return 0;
	if (*s == '[') {
		char *close = strchr(s, ']');
		char *rest;
		if (!close) {
			set_err(err, errlen, "%s:%d: missing ']' in section header", cfg->name, lineno);
			return -1;
		}
		*close = '\0';
		rest = trim(close + 1);
		if (*rest != '\0' && *rest != '#' && *rest != ';') {
			set_err(err, errlen, "%s:%d: text after section header", cfg->name, lineno);
			return -1;
		}
		s = trim(s + 1);
		if (!valid_name(s) || strlen(s) >= section_len) {
			set_err(err, errlen, "%s:%d: bad section name '%s' (letters, digits, _ - . only)",
				cfg->name, lineno, s);
			return -1;
		}
		strcpy(section, s);
		return 0;
	}
	eq = strchr(s, '=');
	if (!eq) {
		set_err(err, errlen, "%s:%d: expected 'key = value' or '[section]'", cfg->name, lineno);
		return -1;
	}
	*eq = '\0';
	key = trim(s);
	if (!valid_name(key)) {
		set_err(err, errlen, "%s:%d: bad key name '%s' (letters, digits, _ - . only)",
			cfg->name, lineno, key);
		return -1;
	}
	if (section[0] == '\0') {
		set_err(err, errlen, "%s:%d: key '%s' before any [section]", cfg->name, lineno, key);
		return -1;
	}
	value = parse_value(eq + 1, &why);
	if (!value) {
		set_err(err, errlen, "%s:%d: [%s] %s: %s", cfg->name, lineno, section, key, why);
		return -1;
	}
	if (add_entry(cfg, section, key, value, lineno)) {
		set_err(err, errlen, "%s:%d: out of memory", cfg->name, lineno);
		return -1;
	}
	return 0;
}

struct ndr_config *ndr_config_parse(const char *text, const char *name, char *err, size_t errlen)
{
	struct ndr_config *cfg = config_new(name);
	char section[128] = "";
	const char *p = text;
	int lineno = 0;

	if (!cfg) {
		set_err(err, errlen, "%s: out of memory", name ? name : "(config)");
		return NULL;
	}
	/* A UTF-8 byte order mark, as some editors write one. */
	if ((unsigned char)p[0] == 0xef && (unsigned char)p[1] == 0xbb && (unsigned char)p[2] == 0xbf)
		p += 3;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = malloc(len + 1);

		lineno++;
		if (!line) {
			set_err(err, errlen, "%s:%d: out of memory", cfg->name, lineno);
			ndr_config_free(cfg);
			return NULL;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		if (len > 0 && line[len - 1] == '\r')
			line[len - 1] = '\0';
		if (parse_line(cfg, line, lineno, section, sizeof(section), err, errlen)) {
			free(line);
			ndr_config_free(cfg);
			return NULL;
		}
		free(line);
		p = nl ? nl + 1 : p + len;
	}
	return cfg;
}

struct ndr_config *ndr_config_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct ndr_config *cfg;
	char *text = NULL;
	size_t len = 0, cap = 0;

	if (!f) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		size_t got;
		if (cap - len < 4096) {
			char *p;
			cap = cap ? cap * 2 : 8192;
			if (cap > (64u << 20)) {
				set_err(err, errlen, "%s: larger than 64 MiB, not a configuration file", path);
				goto fail;
			}
			p = realloc(text, cap);
			if (!p) {
				set_err(err, errlen, "%s: out of memory", path);
				goto fail;
			}
			text = p;
		}
		got = fread(text + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		set_err(err, errlen, "%s: read error: %s", path, strerror(errno));
		goto fail;
	}
	fclose(f);
	f = NULL;
	text[len] = '\0';
	if (strlen(text) != len) {
		int line = 1;
		for (size_t i = 0; text[i]; i++)
			line += text[i] == '\n';
		set_err(err, errlen, "%s:%d: NUL byte in file (not a text file?)", path, line);
		goto fail;
	}
	cfg = ndr_config_parse(text, path, err, errlen);
	free(text);
	return cfg;
fail:
	if (f)
		fclose(f);
	free(text);
	return NULL;
}

/* ---- lookup ------------------------------------------------------------- */

/*
 * The single entry for section/key, marked used; NULL if absent. A scalar
 * key set twice is an error: which of the two the user meant is a guess.
 */
static int find_one(struct ndr_config *cfg, const char *section, const char *key,
		    struct config_entry **out, char *err, size_t errlen)
{
	struct config_entry *found = NULL;

	*out = NULL;
	for (size_t i = 0; i < cfg->n; i++) {
		struct config_entry *e = &cfg->entries[i];
		if (strcmp(e->section, section) || strcmp(e->key, key))
			continue;
		e->used = 1;
		if (found) {
			set_err(err, errlen, "%s:%d: [%s] %s: set again (first set at line %d)",
				cfg->name, e->line, section, key, found->line);
			return -1;
		}
		found = e;
	}
	*out = found;
	return 0;
}

static int bad_value(struct ndr_config *cfg, const struct config_entry *e, const char *section,
		     char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static int bad_value(struct ndr_config *cfg, const struct config_entry *e, const char *section,
		     char *err, size_t errlen, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	set_err(err, errlen, "%s:%d: [%s] %s: %s", cfg->name, e->line, section, e->key, what);
	return -1;
}

/* Unsigned integer with an optional 0x prefix; *end past the digits. */
static int parse_uint(const char *s, uint64_t *out, const char **end)
{
	int base = 10;
	uint64_t v = 0;
	const char *p = s;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (!isxdigit((unsigned char)*p) || (base == 10 && !isdigit((unsigned char)*p)))
		return -1;
	for (; *p; p++) {
		int d;
		if (isdigit((unsigned char)*p))
			d = *p - '0';
		else if (base == 16 && isxdigit((unsigned char)*p))
			d = tolower((unsigned char)*p) - 'a' + 10;
		else
			break;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -2;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*out = v;
	*end = p;
	return 0;
}

int ndr_config_u64(struct ndr_config *cfg, const char *section, const char *key,
		   uint64_t def, uint64_t min, uint64_t max, uint64_t *out,
		   char *err, size_t errlen)
{
	struct config_entry *e;
	const char *end;
	uint64_t v, mult = 1;
	int rc;

	if (find_one(cfg, section, key, &e, err, errlen))
		return -1;
	if (!e) {
		*out = def;
		return 0;
	}
	rc = parse_uint(e->value, &v, &end);
	if (rc == -2)
		return bad_value(cfg, e, section, err, errlen, "'%s' is too large", e->value);
	if (rc)
		return bad_value(cfg, e, section, err, errlen,
				 "'%s' is not a non-negative integer", e->value);
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': mult = 1000ull; end++; break;
	case 'm': case 'M': mult = 1000000ull; end++; break;
	case 'g': case 'G': mult = 1000000000ull; end++; break;
	default: end = "?"; break;
	}
	if (*end != '\0')
		return bad_value(cfg, e, section, err, errlen,
				 "'%s' is not an integer (digits, 0x hex, optional k/m/g suffix)",
				 e->value);
	if (v > UINT64_MAX / mult)
		return bad_value(cfg, e, section, err, errlen, "'%s' is too large", e->value);
	v *= mult;
	if (v < min || v > max)
		return bad_value(cfg, e, section, err, errlen,
				 "%llu is out of range [%llu, %llu]", (unsigned long long)v,
				 (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

int ndr_config_double(struct ndr_config *cfg, const char *section, const char *key,
		      double def, double min, double max, double *out,
		      char *err, size_t errlen)
{
	struct config_entry *e;
	char *end;
	double v;

	if (find_one(cfg, section, key, &e, err, errlen))
		return -1;
	if (!e) {
		*out = def;
		return 0;
	}
	errno = 0;
	v = strtod(e->value, &end);
	if (end == e->value || *end != '\0' || errno == ERANGE || !isfinite(v))
		return bad_value(cfg, e, section, err, errlen, "'%s' is not a number", e->value);
	if (v < min || v > max)
		return bad_value(cfg, e, section, err, errlen, "%g is out of range [%g, %g]",
				 v, min, max);
	*out = v;
	return 0;
}

int ndr_config_bool(struct ndr_config *cfg, const char *section, const char *key,
		    int def, int *out, char *err, size_t errlen)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	struct config_entry *e;

	if (find_one(cfg, section, key, &e, err, errlen))
		return -1;
	if (!e) {
		*out = def;
		return 0;
	}
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(e->value, yes[i])) {
			*out = 1;
			return 0;
		}
		if (!strcasecmp(e->value, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return bad_value(cfg, e, section, err, errlen,
			 "'%s' is not a boolean (true/false, yes/no, on/off, 1/0)", e->value);
}

int ndr_config_duration_ms(struct ndr_config *cfg, const char *section, const char *key,
			   uint64_t def_ms, uint64_t min_ms, uint64_t max_ms, uint64_t *out,
			   char *err, size_t errlen)
{
	static const struct { const char *unit; uint64_t ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
		{ "d", 86400000 }, { "", 1000 },
	};
	struct config_entry *e;
	const char *end;
	uint64_t v;
	int rc;

	if (find_one(cfg, section, key, &e, err, errlen))
		return -1;
	if (!e) {
		*out = def_ms;
		return 0;
	}
	rc = parse_uint(e->value, &v, &end);
	if (rc == 0 && end[0] == '.')
		rc = -1;  /* "1.5s": say so plainly instead of "bad unit '.5s'" */
	if (rc == -2)
		return bad_value(cfg, e, section, err, errlen, "'%s' is too large", e->value);
	if (rc || (e->value[0] == '0' && (e->value[1] == 'x' || e->value[1] == 'X')))
		return bad_value(cfg, e, section, err, errlen,
				 "'%s' is not a duration (an integer with ms, s, m, h or d)",
				 e->value);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit))
			continue;
		if (v > UINT64_MAX / units[i].ms)
			return bad_value(cfg, e, section, err, errlen, "'%s' is too large", e->value);
		v *= units[i].ms;
		if (v < min_ms || v > max_ms)
			return bad_value(cfg, e, section, err, errlen,
					 "%llu ms is out of range [%llu ms, %llu ms]",
					 (unsigned long long)v, (unsigned long long)min_ms,
					 (unsigned long long)max_ms);
		*out = v;
		return 0;
	}
	return bad_value(cfg, e, section, err, errlen,
			 "unknown unit in '%s' (ms, s, m, h or d; a bare number is seconds)",
			 e->value);
}

int ndr_config_str(struct ndr_config *cfg, const char *section, const char *key,
		   const char *def, const char **out, char *err, size_t errlen)
{
	struct config_entry *e;

	if (find_one(cfg, section, key, &e, err, errlen))
		return -1;
	*out = e ? e->value : def;
	return 0;
}

size_t ndr_config_list(struct ndr_config *cfg, const char *section, const char *key,
		       const char *const **values)
{
	static const char *const none[1] = { NULL };
	struct config_list *list;
	size_t count = 0, j = 0;

	for (size_t i = 0; i < cfg->n; i++)
		if (!strcmp(cfg->entries[i].section, section) && !strcmp(cfg->entries[i].key, key))
			count++;
	*values = none;
	if (count == 0)
		return 0;
	list = malloc(sizeof(*list) + (count + 1) * sizeof(list->values[0]));
	if (!list) {
		/* No error channel in this signature, and an allowlist silently
		 * read as empty would change what gets alerted: stop loudly. */
		fprintf(stderr, "%s: [%s] %s: out of memory reading the list\n", cfg->name,
			section, key);
		abort();
	}
	for (size_t i = 0; i < cfg->n; i++) {
		struct config_entry *e = &cfg->entries[i];
		if (strcmp(e->section, section) || strcmp(e->key, key))
			continue;
		e->used = 1;
		list->values[j++] = e->value;
	}
	list->values[j] = NULL;
	list->next = cfg->lists;
	cfg->lists = list;
	*values = list->values;
	return count;
}

int ndr_config_check_unused(const struct ndr_config *cfg, char *err, size_t errlen)
{
	for (size_t i = 0; i < cfg->n; i++) {
		const struct config_entry *e = &cfg->entries[i];
		if (!e->used) {
			set_err(err, errlen, "%s:%d: unknown key '%s' in [%s]", cfg->name, e->line,
				e->key, e->section);
			return -1;
		}
	}
	return 0;
}

int ndr_config_errorf(const struct ndr_config *cfg, const char *section, const char *key,
		      const char *value, char *err, size_t errlen, const char *fmt, ...)
{
	const struct config_entry *at = NULL;
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < cfg->n; i++) {
		const struct config_entry *e = &cfg->entries[i];
		if (strcmp(e->section, section) || strcmp(e->key, key))
			continue;
		if (!at)
			at = e;
		if (value && e->value == value) {
			at = e;
			break;
		}
	}
	if (at)
		set_err(err, errlen, "%s:%d: [%s] %s: %s", cfg->name, at->line, section, key, what);
	else
		set_err(err, errlen, "%s: [%s] %s: %s", cfg->name, section, key, what);
	return -1;
}

/* The values of section/key in file order, joined by ", " into buf ("" when unset). */
static void joined_values(const struct ndr_config *cfg, const char *section, const char *key,
			  char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < cfg->n && at < len; i++) {
		const struct config_entry *e = &cfg->entries[i];

		if (strcmp(e->section, section) || strcmp(e->key, key))
			continue;
		at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? ", " : "", e->value);
	}
}

/* Whether entry i is the first of its section (and key, when with_key) in cfg. */
static int first_of(const struct ndr_config *cfg, size_t i, int with_key)
{
	const struct config_entry *e = &cfg->entries[i];

	for (size_t j = 0; j < i; j++)
		if (!strcmp(cfg->entries[j].section, e->section) &&
		    (!with_key || !strcmp(cfg->entries[j].key, e->key)))
			return 0;
	return 1;
}

static int has_key(const struct ndr_config *cfg, const char *section, const char *key)
{
	for (size_t i = 0; i < cfg->n; i++)
		if (!strcmp(cfg->entries[i].section, section) &&
		    (!key || !strcmp(cfg->entries[i].key, key)))
			return 1;
	return 0;
}

/* Appends "[section] key: old -> new" for one key when it differs. */
static size_t diff_key(const struct ndr_config *a, const struct ndr_config *b,
		       const char *section, const char *key, char *out, size_t outlen, size_t *at)
{
	char va[256], vb[256];

	joined_values(a, section, key, va, sizeof(va));
	joined_values(b, section, key, vb, sizeof(vb));
	if (!strcmp(va, vb))
		return 0;
	if (out && *at < outlen)
		*at += (size_t)snprintf(out + *at, outlen - *at, "%s[%s] %s: %s -> %s",
					*at ? "; " : "", section, key, va[0] ? va : "(unset)",
					vb[0] ? vb : "(unset)");
	return 1;
}

size_t ndr_config_diff(const struct ndr_config *a, const struct ndr_config *b,
		       const char *section, char *out, size_t outlen)
{
	size_t changed = 0, at = 0;

	if (out && outlen)
		out[0] = '\0';
	for (int pass = 0; pass < 2; pass++) {
		const struct ndr_config *x = pass ? b : a, *y = pass ? a : b;

		for (size_t i = 0; i < x->n; i++) {
			const struct config_entry *e = &x->entries[i];

			if ((section && strcmp(e->section, section)) || !first_of(x, i, 1))
				continue;
			/* a key in both is compared once, on the first pass */
			if (pass && has_key(y, e->section, e->key))
				continue;
			changed += diff_key(a, b, e->section, e->key, out, outlen, &at);
		}
	}
	return changed;
}

size_t ndr_config_sections(const struct ndr_config *cfg, const char **names, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < cfg->n; i++)
		if (first_of(cfg, i, 0)) {
			if (n < max)
				names[n] = cfg->entries[i].section;
			n++;
		}
	return n;
}
