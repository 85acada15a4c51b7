/*
 * ndr_record.h - reading records: names of enum values and address text.
 */
#ifndef NDR_RECORD_H
#define NDR_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "ndr_abi.h"

#define NDR_ADDR_STRLEN 46  /* INET6_ADDRSTRLEN */

/* IPv4-mapped addresses print as dotted quads. */
const char *ndr_addr_str(const uint8_t addr[16], char buf[NDR_ADDR_STRLEN]);
int ndr_addr_is_v4mapped(const uint8_t addr[16]);
/* Parse dotted IPv4 (stored mapped) or IPv6 text; 0 on success. */
int ndr_addr_parse(const char *text, uint8_t addr[16]);

const char *ndr_rec_type_name(unsigned type);
const char *ndr_flow_end_name(unsigned reason);
const char *ndr_proto_name(unsigned proto, char buf[8]);

#endif
