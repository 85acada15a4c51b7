/*
 * ndr_dns_names.h - DNS names and numbers as people read them, shared by
 * every part that prints a DNS record (the EVE writer, the simulator's record
 * dump, the DNS tunnel detector's evidence) so none of them depends on
 * another's header.
 *
 * Name limits (RFC 1035 2.3.4): a label holds at most 63 bytes, a name in
 * dotted text at most NDR_DNS_NAME_MAX (253, ndr_abi.h) without the trailing
 * dot. The card stores at most NDR_DNS_NAME_MAX bytes of a name (a longer one
 * is cut and flagged NDR_DNS_P_NAME_CUT). Printed in presentation format
 * (RFC 1035 5.1: a byte outside printable ASCII as \DDD) a stored name needs
 * at most NDR_DNS_PRESENTATION_MAX bytes with its NUL.
 */
#ifndef NDR_DNS_NAMES_H
#define NDR_DNS_NAMES_H

#include <stdint.h>

#include "ndr_abi.h"

#define NDR_DNS_LABEL_MAX        63u
#define NDR_DNS_PRESENTATION_MAX (4u * NDR_DNS_NAME_MAX + 1u)
#define NDR_DNS_NUMBER_NAME_LEN  16u   /* buffer for "TYPE65535", "RCODE15" */

/* "A", "AAAA", "HTTPS", ... or "TYPE1234" (RFC 3597). The result is a
 * static string or buf. */
const char *ndr_dns_rrtype_name(uint16_t type, char buf[NDR_DNS_NUMBER_NAME_LEN]);

/* "NOERROR", "NXDOMAIN", ... or "RCODE12". The result is a static string
 * or buf. */
const char *ndr_dns_rcode_name(unsigned rcode, char buf[NDR_DNS_NUMBER_NAME_LEN]);

#endif
