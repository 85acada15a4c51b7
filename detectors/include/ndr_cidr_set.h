/*
 * ndr_cidr_set.h - a set of IPv4/IPv6 prefixes, and the test "is this
 * address in it".
 *
 * Addresses are the 16-byte form of the record ABI (IPv4 as IPv4-mapped
 * IPv6), so one set holds both families: "10.0.0.0/8" is stored as
 * ::ffff:10.0.0.0/104 and never matches a native IPv6 address.
 *
 * Used by the east-west detectors for the internal ranges and for CIDR
 * allowlists. Sets are small (tens of prefixes) and built once at start;
 * lookups are a linear scan.
 */
#ifndef NDR_CIDR_SET_H
#define NDR_CIDR_SET_H

#include <stddef.h>
#include <stdint.h>
#include "ndr_record.h"

struct ndr_cidr {
	uint8_t addr[16];   /* host bits cleared */
	unsigned prefix;    /* 0..128, over the 16-byte form */
};

struct ndr_cidr_set;

/* "10.0.0.0/8", "fd00::/8", "192.168.1.7" (a /32), "::1" (a /128).
 * 0, or -1 with "'text': why" in err. */
int ndr_cidr_parse(const char *text, struct ndr_cidr *out, char *err, size_t errlen);
int ndr_cidr_match(const struct ndr_cidr *c, const uint8_t addr[16]);

/* Internal ranges used when the configuration names none:
 * RFC 1918, RFC 6598 (carrier-grade NAT) and RFC 4193 (IPv6 ULA). */
extern const char *const ndr_cidr_default_internal[];

struct ndr_cidr_set *ndr_cidr_set_new(void);
void ndr_cidr_set_free(struct ndr_cidr_set *s);
/* Parses and adds one prefix; -1 with "'text': why" in err. */
int ndr_cidr_set_add(struct ndr_cidr_set *s, const char *text, char *err, size_t errlen);
/* Adds every string of a NULL-terminated or counted list (n = (size_t)-1
 * for NULL-terminated); stops at the first bad one. */
int ndr_cidr_set_add_list(struct ndr_cidr_set *s, const char *const *texts, size_t n,
			  char *err, size_t errlen);
int ndr_cidr_set_contains(const struct ndr_cidr_set *s, const uint8_t addr[16]);
size_t ndr_cidr_set_count(const struct ndr_cidr_set *s);
/* Heap bytes held, for memory accounting. */
size_t ndr_cidr_set_bytes(const struct ndr_cidr_set *s);

/* Formats a 16-byte address as text: dotted quad for IPv4-mapped. */
void ndr_addr_format(const uint8_t addr[16], char *buf, size_t len);
/* ndr_addr_is_v4mapped() and ndr_addr_parse() come from ndr_record.h. */

#endif
