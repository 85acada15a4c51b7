/*
 * ndr_tls_fingerprint.h - JA3 and JA4 of a ClientHello from the lists the
 * card keeps (ndr_abi.h struct ndr_tls_rec, ABI 3).
 *
 * JA3 (Salesforce): "SSLVersion,Ciphers,Extensions,EllipticCurves,
 * EllipticCurvePointFormats", decimal values joined by '-', GREASE values
 * (RFC 8701) left out; the fingerprint is the MD5 of that string.
 * JA4 (FoxIO): t<version><d|i><ciphers 2 digits><extensions 2 digits>
 * <ALPN first and last character>_<SHA-256 of the sorted cipher list, 12
 * hex>_<SHA-256 of the sorted extension list without SNI and ALPN, '_', the
 * signature algorithms in wire order, 12 hex>. docs/alerts.md has the
 * details and their sources.
 *
 * Both need the whole hello: a record whose hello was cut (truncated,
 * malformed, more than 32 extensions, a list longer than the card keeps)
 * has no fingerprint, and the functions say why.
 */
#ifndef NDR_TLS_FINGERPRINT_H
#define NDR_TLS_FINGERPRINT_H

#include <stddef.h>

#include "ndr_abi.h"

#define NDR_JA3_STRLEN 1024   /* room for the longest JA3 string the lists allow */
#define NDR_JA4_STRLEN 40

/* NULL when r can give JA3/JA4 (a whole ClientHello), else why not, as a
 * name EVE uses in flowbit ndr.tls_fingerprint_missing.<why>:
 * "server_hello", "hello_not_whole" (truncated or malformed in what the
 * card saw), "no_ciphers" (no cipher suites read), "list_cut" (a list
 * longer than the card keeps), "count_beyond_array" (a count that
 * contradicts the record). */
const char *ndr_tls_fingerprint_missing(const struct ndr_tls_rec *r);
/* JA3 string and its MD5 in hex; 0, or -1 when ndr_tls_fingerprint_missing. */
int ndr_tls_ja3(const struct ndr_tls_rec *r, char str[NDR_JA3_STRLEN], char md5[33]);
/* JA4; 0, or -1 when ndr_tls_fingerprint_missing. */
int ndr_tls_ja4(const struct ndr_tls_rec *r, char out[NDR_JA4_STRLEN]);
/* MD5 of a string in hex (JA3S). */
void ndr_md5_hex(const char *s, char hex[33]);
/* 1 for the GREASE values 0x0a0a, 0x1a1a .. 0xfafa. */
int ndr_tls_grease(unsigned v);

#endif
