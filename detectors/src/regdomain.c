/*
 * regdomain.c - registered domain of a DNS name via libpsl (ndr_regdomain.h).
 *
 * libpsl takes about 2 us a name (it tries every suffix of it), and the same
 * names come back all the time (a query and its response, the same hosts
 * looked up again and again), so answers are kept in a direct-mapped cache
 * keyed by the whole name. Only the exact name can hit: a suffix cache would
 * be wrong where the list has rules below a registered domain (private
 * suffixes such as *.compute.amazonaws.com). A tunnel's names are all new
 * and go to libpsl every time; that costs speed, never a wrong answer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpsl.h>

#include "ndr_hll.h"
#include "ndr_regdomain.h"

#define RD_CACHE_SLOTS 1024u    /* a power of two */
#define RD_CACHE_NAME  104u     /* longer names are not cached */
#define RD_CACHE_SEED  0x72656764u

struct rd_slot {
	uint64_t hash;          /* 0: empty */
	uint8_t  len;
	uint8_t  kind;          /* enum ndr_rd_kind */
	uint8_t  off;           /* the domain starts at name + off */
	char     name[RD_CACHE_NAME];
};

struct ndr_regdomain {
	const psl_ctx_t *psl;
	int latest;             /* psl_latest() loaded; else the builtin list */
	uint64_t lookups;
	uint64_t hits;
	struct rd_slot cache[RD_CACHE_SLOTS];
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

static enum ndr_rd_kind classify(const struct ndr_regdomain *rd, const char *name, size_t len,
				 const char **domain)
{
	*domain = NULL;
	if (has_suffix(name, len, "in-addr.arpa") || has_suffix(name, len, "ip6.arpa"))
		return NDR_RD_REVERSE;
	if (len == 0 || last_label_numeric(name, len))
		return NDR_RD_NONE;
	*domain = psl_registrable_domain(rd->psl, name);
	return *domain ? NDR_RD_OK : NDR_RD_NONE;
}

enum ndr_rd_kind ndr_regdomain_get(struct ndr_regdomain *rd, const char *name,
				   const char **domain)
{
	size_t len = strlen(name);
	enum ndr_rd_kind kind;

	rd->lookups++;
	if (len >= RD_CACHE_NAME)
		return classify(rd, name, len, domain);
	uint64_t hash = ndr_hash64(name, len, RD_CACHE_SEED) | 1u;
	struct rd_slot *slot = &rd->cache[hash & (RD_CACHE_SLOTS - 1u)];
	if (slot->hash == hash && slot->len == len && memcmp(slot->name, name, len) == 0) {
		rd->hits++;
		*domain = slot->kind == NDR_RD_OK ? name + slot->off : NULL;
		return (enum ndr_rd_kind)slot->kind;
	}
	kind = classify(rd, name, len, domain);
	slot->hash = hash;
	slot->len = (uint8_t)len;
	slot->kind = (uint8_t)kind;
	slot->off = (uint8_t)(*domain ? *domain - name : 0);
	memcpy(slot->name, name, len);
	return kind;
}

size_t ndr_regdomain_bytes(const struct ndr_regdomain *rd)
{
	return sizeof(*rd);
}

void ndr_regdomain_counts(const struct ndr_regdomain *rd, uint64_t *lookups, uint64_t *hits)
{
	*lookups = rd->lookups;
	*hits = rd->hits;
}
