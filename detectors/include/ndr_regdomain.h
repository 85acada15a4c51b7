/*
 * ndr_regdomain.h - the registered domain (eTLD+1) of a DNS name.
 *
 * From the Public Suffix List that libpsl uses: the system's list
 * (publicsuffix, the file psl_latest loads) read into a hash table of
 * suffixes, so a name costs a lookup per label of its public suffix plus
 * one, about 0.1 us, where libpsl takes about 2 us. When the list was
 * loaded, each of its rules was checked against libpsl once (per process);
 * if the text file is missing or they disagree anywhere, every name goes to
 * libpsl itself (slower, never wrong), and ndr_regdomain_source() says so.
 * Both ICANN and private sections count, so each customer of a dynamic-DNS
 * or hosting suffix (x.duckdns.org, y.blogspot.com) is its own domain.
 * Never a "last two labels" guess: that merges every *.com.br.
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

/* NULL with "public suffix list: why" in err if no list loads. */
struct ndr_regdomain *ndr_regdomain_open(char *err, size_t errlen);
void ndr_regdomain_close(struct ndr_regdomain *rd);

/* Classifies name (dotted text, no trailing dot, len bytes; ASCII letters
 * in any case). On NDR_RD_OK *domain_off is where the registered domain
 * starts in name ("a.b.example.co.uk" -> 4, "example.co.uk"). Reads only
 * what open() loaded: safe from any thread. */
enum ndr_rd_kind ndr_regdomain_find(const struct ndr_regdomain *rd, const char *name,
				    size_t len, size_t *domain_off);

/* The same for a NUL-terminated name, counted in the lookups: on NDR_RD_OK
 * *domain points into name at its registered domain; otherwise NULL. */
enum ndr_rd_kind ndr_regdomain_get(struct ndr_regdomain *rd, const char *name,
				   const char **domain);

/* Memory held by this handle (the shared list once, in the first handle). */
size_t ndr_regdomain_bytes(const struct ndr_regdomain *rd);
/* Names looked up through ndr_regdomain_get. */
uint64_t ndr_regdomain_lookups(const struct ndr_regdomain *rd);

/* Which list answers: "latest" (the system list, hash table), "latest via
 * libpsl (why)" or "builtin via libpsl" (libpsl itself answers every name). */
const char *ndr_regdomain_source(const struct ndr_regdomain *rd);

#endif
