/*
 * pktgen.h - builds Ethernet/VLAN/IPv4/IPv6/UDP/TCP/ICMP frames and DNS
 * messages in memory for the unit tests.
 *
 * Layers are appended in order; pg_finish() then fills in the length fields
 * (IPv4 total length and checksum, IPv6 payload length, UDP length) from the
 * bytes present. A test that wants a lie in a length field writes it after
 * pg_finish() with pg_put16().
 *
 *   struct pg p;
 *   pg_init(&p);
 *   pg_eth(&p, 0x0800);
 *   pg_ipv4(&p, "10.0.0.1", "10.0.0.2", 17, 64, 0, NULL, 0);
 *   pg_udp(&p, 1234, 53);
 *   pg_bytes(&p, dns.b, dns.len);
 *   pg_finish(&p);            -> p.b, p.len
 */
#ifndef NDR_TEST_PKTGEN_H
#define NDR_TEST_PKTGEN_H

#include <stddef.h>
#include <stdint.h>

#define PG_MAX 16384u

struct pg {
	uint8_t b[PG_MAX];
	uint32_t len;
	uint32_t ip_off;       /* 0 when no IP header was added */
	int ip_ver;
	uint32_t udp_off;      /* 0 when no UDP header was added */
};

void pg_init(struct pg *p);
/* Ethernet header with fixed MACs; ethertype may be a VLAN TPID, then call
 * pg_vlan for each tag. */
void pg_eth(struct pg *p, uint16_t ethertype);
/* A VLAN tag body: vid, then the next EtherType. */
void pg_vlan(struct pg *p, uint16_t vid, uint16_t next_ethertype);
/* frag is the flags+offset word (0x2000 MF, low 13 bits offset in 8 B units). */
void pg_ipv4(struct pg *p, const char *src, const char *dst, uint8_t proto, uint8_t ttl,
	     uint16_t frag, const uint8_t *opts, uint32_t optlen);
void pg_ipv6(struct pg *p, const char *src, const char *dst, uint8_t next, uint8_t hlim);
/* Generic IPv6 extension header of total length len (a multiple of 8, or of
 * 4 for AH: type 51). */
void pg_ipv6_ext(struct pg *p, uint8_t type, uint8_t next, uint32_t len);
void pg_ipv6_frag(struct pg *p, uint8_t next, uint16_t offset_units, int more);
void pg_udp(struct pg *p, uint16_t sport, uint16_t dport);
/* optlen must be a multiple of 4. */
void pg_tcp(struct pg *p, uint16_t sport, uint16_t dport, uint8_t flags, uint32_t optlen);
void pg_icmp(struct pg *p, uint8_t type, uint8_t code);
void pg_bytes(struct pg *p, const void *data, uint32_t n);
void pg_fill(struct pg *p, uint8_t byte, uint32_t n);
void pg_finish(struct pg *p);
void pg_put16(struct pg *p, uint32_t off, uint16_t v);

/* Convenience: a whole UDP/IPv4 or TCP/IPv4 frame with the given payload. */
void pg_udp4(struct pg *p, const char *src, uint16_t sport, const char *dst, uint16_t dport,
	     const void *payload, uint32_t n);
void pg_tcp4(struct pg *p, const char *src, uint16_t sport, const char *dst, uint16_t dport,
	     uint8_t flags, const void *payload, uint32_t n);

#define PG_TCP_FIN 0x01
#define PG_TCP_SYN 0x02
#define PG_TCP_RST 0x04
#define PG_TCP_PSH 0x08
#define PG_TCP_ACK 0x10

/* DNS message builder. */
struct dnsb {
	uint8_t b[8192];
	uint32_t len;
};

void dnsb_header(struct dnsb *d, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
		 uint16_t ns, uint16_t ar);
/* Dotted name as labels ending with a zero byte ("" is the root). */
void dnsb_name(struct dnsb *d, const char *dotted);
/* Labels without the terminating zero (to be followed by a pointer). */
void dnsb_labels(struct dnsb *d, const char *dotted);
void dnsb_ptr(struct dnsb *d, uint16_t target);
void dnsb_u8(struct dnsb *d, uint8_t v);
void dnsb_u16(struct dnsb *d, uint16_t v);
void dnsb_u32(struct dnsb *d, uint32_t v);
void dnsb_raw(struct dnsb *d, const void *data, uint32_t n);
void dnsb_question(struct dnsb *d, const char *name, uint16_t qtype, uint16_t qclass);
/* An RR whose name is a pointer to name_ptr (0: the root name). */
void dnsb_rr(struct dnsb *d, uint16_t name_ptr, uint16_t type, uint32_t ttl,
	     const void *rdata, uint16_t rdlen);

#endif
