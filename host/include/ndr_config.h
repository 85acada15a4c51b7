/*
 * ndr_config.h - the sensor's configuration file.
 *
 * Format (docs/configuration.md): INI-style. '#' or ';' start a comment line,
 * "[section]" opens a section, "key = value" sets a key; a key may repeat
 * where a list is expected (allow_domain = a.com). Values are trimmed;
 * a value may be quoted with double quotes.
 *
 * Every getter validates (type, range) and, on error, writes
 * "FILE:LINE: [section] key: what is wrong" into err and returns -1. Keys
 * that no getter asked for are reported by ndr_config_check_unused(), so a
 * typo in a threshold is an error, not a silently ignored line.
 */
#ifndef NDR_CONFIG_H
#define NDR_CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct ndr_config;

/* NULL with "FILE:LINE: what" in err on a syntax error or I/O error. */
struct ndr_config *ndr_config_load(const char *path, char *err, size_t errlen);
/* From a string (tests); name is used in messages. */
struct ndr_config *ndr_config_parse(const char *text, const char *name, char *err, size_t errlen);
/* An empty configuration: every getter returns its default. */
struct ndr_config *ndr_config_empty(void);
void ndr_config_free(struct ndr_config *cfg);

/* Getters: *out = default when the key is absent. 0 on success. Integers
 * accept decimal, 0x hex and the suffixes k/m/g (x1000) for counts; durations
 * are separate (ndr_config_duration_ms). */
int ndr_config_u64(struct ndr_config *cfg, const char *section, const char *key,
		   uint64_t def, uint64_t min, uint64_t max, uint64_t *out,
		   char *err, size_t errlen);
int ndr_config_double(struct ndr_config *cfg, const char *section, const char *key,
		      double def, double min, double max, double *out,
		      char *err, size_t errlen);
int ndr_config_bool(struct ndr_config *cfg, const char *section, const char *key,
		    int def, int *out, char *err, size_t errlen);
/* "250ms", "30s", "5m", "4h", "1d"; a bare number is seconds. */
int ndr_config_duration_ms(struct ndr_config *cfg, const char *section, const char *key,
			   uint64_t def_ms, uint64_t min_ms, uint64_t max_ms, uint64_t *out,
			   char *err, size_t errlen);
/* The string stays valid until ndr_config_free(). */
int ndr_config_str(struct ndr_config *cfg, const char *section, const char *key,
		   const char *def, const char **out, char *err, size_t errlen);
/* Every value of a repeated key, in file order; returns the count. The array
 * stays valid until ndr_config_free(). */
size_t ndr_config_list(struct ndr_config *cfg, const char *section, const char *key,
		       const char *const **values);

/* For checks a getter cannot make (a facility name, a CIDR in a list):
 * writes "FILE:LINE: [section] key: " and the formatted text into err and
 * returns -1. value is a string a getter returned (ndr_config_str, or one
 * element of ndr_config_list), which picks the line of that very entry;
 * NULL picks the key's first line. */
int ndr_config_errorf(const struct ndr_config *cfg, const char *section, const char *key,
		      const char *value, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* -1 and "FILE:LINE: unknown key 'k' in [s]" for the first key no getter asked for. */
int ndr_config_check_unused(const struct ndr_config *cfg, char *err, size_t errlen);

/* How section (NULL: every section) differs from a to b, key by key: the
 * number of keys whose values differ (a repeated key compares as its whole
 * list), and, when out is not NULL, "[s] key: old -> new; ..." in out
 * (truncated to outlen; "(unset)" for a key one side lacks). Reading
 * nothing, it marks nothing used. */
size_t ndr_config_diff(const struct ndr_config *a, const struct ndr_config *b,
		       const char *section, char *out, size_t outlen);
/* The distinct section names in file order: their count; the first max are
 * put in names (valid until ndr_config_free). */
size_t ndr_config_sections(const struct ndr_config *cfg, const char **names, size_t max);

#endif
