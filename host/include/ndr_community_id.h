/*
 * ndr_community_id.h - Community ID v1 flow hashing.
 *
 * The identifier Zeek, Suricata, Arkime and Elastic print for a flow, so a
 * SOC can pivot from an ndr alert to the same flow in another tool by string
 * comparison. Spec: https://github.com/corelight/community-id-spec
 *
 *   "1:" base64(sha1(seed . saddr . daddr . proto . 0 . sport . dport))
 *
 * with the endpoints ordered so the smaller (address, port) comes first, all
 * values in network byte order. For ICMP and ICMPv6 the "ports" are the type
 * and either the counterpart type (echo <-> echo reply and the other
 * request/response pairs, which makes both directions hash alike) or the
 * code (one-way messages, which are never reordered). Protocols other than
 * TCP, UDP, SCTP, ICMP and ICMPv6 hash addresses and protocol only.
 */
#ifndef NDR_COMMUNITY_ID_H
#define NDR_COMMUNITY_ID_H

#include <stddef.h>
#include <stdint.h>

/* "1:" + 28 base64 characters + NUL */
#define NDR_COMMUNITY_ID_LEN 31

/*
 * Addresses are 16 bytes in network byte order as in the record ABI; when
 * both are IPv4-mapped (::ffff:a.b.c.d) the flow is hashed as IPv4 (4-byte
 * addresses), otherwise as IPv6. For ICMP/ICMPv6 pass the type as sport and
 * the code as dport. Writes the NUL-terminated id into out; 0 on success,
 * -1 if libcrypto failed (out is then "").
 */
int ndr_community_id_v1(const uint8_t saddr[16], const uint8_t daddr[16],
			uint8_t proto, uint16_t sport, uint16_t dport,
			uint16_t seed, char out[NDR_COMMUNITY_ID_LEN]);

#endif
