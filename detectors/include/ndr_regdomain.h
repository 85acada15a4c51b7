/*
 * ndr_regdomain.h - the registered domain (eTLD+1) of a DNS name.
 *
 * A thin wrapper over libpsl with the Public Suffix List: the newest list on
 * the system (psl_latest: /usr/share/publicsuffix) if it loads, else the list
 * built into libpsl. Both ICANN and private sections count, so each customer
 * of a dynamic-DNS or hosting suffix (x.duckdns.org, y.blogspot.com) is its
 * own domain. Never a "last two labels" guess: that merges every *.com.br.
 *
 * Names that have no registrable domain are classified rather than guessed:
 *   NDR_RD_NONE     empty (root), a bare public suffix ("com", "co.uk"), a
 *                   single label ("localhost", "wpad"), or a name whose last
 *                   label is all digits (an IPv4 literal sent as a name:
 *                   no TLD is numeric)
 *   NDR_RD_REVERSE  reverse-mapping names under in-addr.arpa and ip6.arpa
 *                   (PTR lookups of addresses, which look like many distinct
 *                   numeric subdomains of one zone but are not a tunnel)
 */
#ifndef NDR_REGDOMAIN_H
#define NDR_REGDOMAIN_H

#include <stddef.h>
#include <stdint.h>

struct ndr_regdomain;

enum ndr_rd_kind {
	NDR_RD_OK = 0,
	NDR_RD_NONE,
	NDR_RD_REVERSE,
};

/* NULL with "public suffix list: why" in err if neither list loads. */
struct ndr_regdomain *ndr_regdomain_open(char *err, size_t errlen);
void ndr_regdomain_close(struct ndr_regdomain *rd);

/* Classifies name (lower-case dotted text, no trailing dot, NUL-terminated).
 * On NDR_RD_OK *domain points into name at its registered domain
 * ("a.b.example.co.uk" -> "example.co.uk"); otherwise *domain is NULL.
 * Answers are cached by the exact name (regdomain.c), so the same name
 * costs a hash and a compare the second time. */
enum ndr_rd_kind ndr_regdomain_get(struct ndr_regdomain *rd, const char *name,
				   const char **domain);

/* Memory held, the cache included (for the detector's memory stats). */
size_t ndr_regdomain_bytes(const struct ndr_regdomain *rd);
/* Names looked up, and how many the cache answered. */
void ndr_regdomain_counts(const struct ndr_regdomain *rd, uint64_t *lookups, uint64_t *hits);

/* Which list is in use: "latest" or "builtin" (for stats and logs). */
const char *ndr_regdomain_source(const struct ndr_regdomain *rd);

#endif
