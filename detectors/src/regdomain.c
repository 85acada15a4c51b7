/*
 * regdomain.c - registered domain of a DNS name via libpsl (ndr_regdomain.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpsl.h>

#include "ndr_regdomain.h"

struct ndr_regdomain {
	const psl_ctx_t *psl;
	int latest;             /* psl_latest() loaded; else the builtin list */
};

struct ndr_regdomain *ndr_regdomain_open(char *err, size_t errlen)
{
	struct ndr_regdomain *rd = calloc(1, sizeof(*rd));

	if (!rd) {
		snprintf(err, errlen, "public suffix list: out of memory");
		return NULL;
	}
	rd->psl = psl_latest(NULL);
	rd->latest = rd->psl != NULL;
	if (!rd->psl)
		rd->psl = psl_builtin();
	if (!rd->psl) {
		snprintf(err, errlen, "public suffix list: neither the system list "
			 "(psl_latest) nor libpsl's builtin list could be loaded");
		free(rd);
		return NULL;
	}
	return rd;
}

void ndr_regdomain_close(struct ndr_regdomain *rd)
{
	if (!rd)
		return;
	if (rd->latest)   /* the builtin context is static: never freed */
		psl_free((psl_ctx_t *)rd->psl);
	free(rd);
}

const char *ndr_regdomain_source(const struct ndr_regdomain *rd)
{
	return rd->latest ? "latest" : "builtin";
}

static int has_suffix(const char *name, size_t len, const char *zone)
{
	size_t zl = strlen(zone);

	if (len == zl)
		return memcmp(name, zone, zl) == 0;
	return len > zl && name[len - zl - 1] == '.' && memcmp(name + len - zl, zone, zl) == 0;
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

enum ndr_rd_kind ndr_regdomain_get(const struct ndr_regdomain *rd, const char *name,
				   const char **domain)
{
	size_t len = strlen(name);

	*domain = NULL;
	if (has_suffix(name, len, "in-addr.arpa") || has_suffix(name, len, "ip6.arpa"))
		return NDR_RD_REVERSE;
	if (len == 0 || last_label_numeric(name, len))
		return NDR_RD_NONE;
	*domain = psl_registrable_domain(rd->psl, name);
	return *domain ? NDR_RD_OK : NDR_RD_NONE;
}
