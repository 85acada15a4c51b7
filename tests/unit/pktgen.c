/*
 * pktgen.c - frame and DNS message builders for the unit tests (pktgen.h).
 * Overflowing the buffers is a bug in the test: it aborts.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pktgen.h"

static void need(uint32_t have, uint32_t more, uint32_t cap, const char *what)
{
	if (have + more > cap) {
		fprintf(stderr, "pktgen: %s: %u + %u bytes exceed %u\n", what, have, more, cap);
		abort();
	}
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

void pg_put16(struct pg *p, uint32_t off, uint16_t v)
{
	put16(p->b + off, v);
}

void pg_init(struct pg *p)
{
	p->len = 0;
	p->ip_off = 0;
	p->ip_ver = 0;
	p->udp_off = 0;
}

void pg_bytes(struct pg *p, const void *data, uint32_t n)
{
	need(p->len, n, PG_MAX, "frame");
	memcpy(p->b + p->len, data, n);
	p->len += n;
}

void pg_fill(struct pg *p, uint8_t byte, uint32_t n)
{
	need(p->len, n, PG_MAX, "frame");
	memset(p->b + p->len, byte, n);
	p->len += n;
}

void pg_eth(struct pg *p, uint16_t ethertype)
{
	static const uint8_t macs[12] = { 0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01 };
	uint8_t et[2];

	pg_bytes(p, macs, sizeof(macs));
	put16(et, ethertype);
	pg_bytes(p, et, 2);
}

void pg_vlan(struct pg *p, uint16_t vid, uint16_t next_ethertype)
{
	uint8_t t[4];

	put16(t, vid);
	put16(t + 2, next_ethertype);
	pg_bytes(p, t, 4);
}

static void parse_addr(int af, const char *s, void *out)
{
	if (inet_pton(af, s, out) != 1) {
		fprintf(stderr, "pktgen: bad address '%s'\n", s);
		abort();
	}
}

void pg_ipv4(struct pg *p, const char *src, const char *dst, uint8_t proto, uint8_t ttl,
	     uint16_t frag, const uint8_t *opts, uint32_t optlen)
{
	uint8_t h[20] = { 0 };

	if (optlen % 4 || optlen > 40) {
		fprintf(stderr, "pktgen: IPv4 options of %u bytes\n", optlen);
		abort();
	}
	h[0] = (uint8_t)(0x40 | (5 + optlen / 4));
	put16(h + 4, 0x1234);
	put16(h + 6, frag);
	h[8] = ttl;
	h[9] = proto;
	parse_addr(AF_INET, src, h + 12);
	parse_addr(AF_INET, dst, h + 16);
	p->ip_off = p->len;
	p->ip_ver = 4;
	pg_bytes(p, h, 20);
	if (optlen)
		pg_bytes(p, opts, optlen);
}

void pg_ipv6(struct pg *p, const char *src, const char *dst, uint8_t next, uint8_t hlim)
{
	uint8_t h[40] = { 0 };

	h[0] = 0x60;
	h[6] = next;
	h[7] = hlim;
	parse_addr(AF_INET6, src, h + 8);
	parse_addr(AF_INET6, dst, h + 24);
	p->ip_off = p->len;
	p->ip_ver = 6;
	pg_bytes(p, h, 40);
}

void pg_ipv6_ext(struct pg *p, uint8_t type, uint8_t next, uint32_t len)
{
	uint8_t h[2];

	h[0] = next;
	h[1] = type == 51 ? (uint8_t)(len / 4 - 2) : (uint8_t)(len / 8 - 1);
	pg_bytes(p, h, 2);
	pg_fill(p, 0, len - 2);
}

void pg_ipv6_frag(struct pg *p, uint8_t next, uint16_t offset_units, int more)
{
	uint8_t h[8] = { 0 };

	h[0] = next;
	put16(h + 2, (uint16_t)(offset_units << 3 | (more ? 1 : 0)));
	h[7] = 0x42;
	pg_bytes(p, h, 8);
}

void pg_udp(struct pg *p, uint16_t sport, uint16_t dport)
{
	uint8_t h[8] = { 0 };

	put16(h, sport);
	put16(h + 2, dport);
	p->udp_off = p->len;
	pg_bytes(p, h, 8);
}

void pg_tcp(struct pg *p, uint16_t sport, uint16_t dport, uint8_t flags, uint32_t optlen)
{
	uint8_t h[20] = { 0 };

	put16(h, sport);
	put16(h + 2, dport);
	h[12] = (uint8_t)((5 + optlen / 4) << 4);
	h[13] = flags;
	put16(h + 14, 65535);
	pg_bytes(p, h, 20);
	pg_fill(p, 1, optlen);   /* NOP options */
}

void pg_icmp(struct pg *p, uint8_t type, uint8_t code)
{
	uint8_t h[8] = { 0 };

	h[0] = type;
	h[1] = code;
	pg_bytes(p, h, 8);
}

static uint16_t ip_checksum(const uint8_t *h, uint32_t n)
{
	uint32_t sum = 0, i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void pg_finish(struct pg *p)
{
	if (p->ip_ver == 4) {
		uint8_t *h = p->b + p->ip_off;
		uint32_t hl = (uint32_t)(h[0] & 15) * 4;

		put16(h + 2, (uint16_t)(p->len - p->ip_off));
		put16(h + 10, 0);
		put16(h + 10, ip_checksum(h, hl));
	} else if (p->ip_ver == 6) {
		put16(p->b + p->ip_off + 4, (uint16_t)(p->len - p->ip_off - 40));
	}
	if (p->udp_off)
		put16(p->b + p->udp_off + 4, (uint16_t)(p->len - p->udp_off));
}

void pg_udp4(struct pg *p, const char *src, uint16_t sport, const char *dst, uint16_t dport,
	     const void *payload, uint32_t n)
{
	pg_init(p);
	pg_eth(p, 0x0800);
	pg_ipv4(p, src, dst, 17, 64, 0, NULL, 0);
	pg_udp(p, sport, dport);
	pg_bytes(p, payload, n);
	pg_finish(p);
}

void pg_tcp4(struct pg *p, const char *src, uint16_t sport, const char *dst, uint16_t dport,
	     uint8_t flags, const void *payload, uint32_t n)
{
	pg_init(p);
	pg_eth(p, 0x0800);
	pg_ipv4(p, src, dst, 6, 64, 0, NULL, 0);
	pg_tcp(p, sport, dport, flags, 0);
	pg_bytes(p, payload, n);
	pg_finish(p);
}

/* ---- DNS ---- */

void dnsb_raw(struct dnsb *d, const void *data, uint32_t n)
{
	need(d->len, n, sizeof(d->b), "dns message");
	memcpy(d->b + d->len, data, n);
	d->len += n;
}

void dnsb_u8(struct dnsb *d, uint8_t v)
{
	dnsb_raw(d, &v, 1);
}

void dnsb_u16(struct dnsb *d, uint16_t v)
{
	uint8_t b[2];

	put16(b, v);
	dnsb_raw(d, b, 2);
}

void dnsb_u32(struct dnsb *d, uint32_t v)
{
	dnsb_u16(d, (uint16_t)(v >> 16));
	dnsb_u16(d, (uint16_t)v);
}

void dnsb_header(struct dnsb *d, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
		 uint16_t ns, uint16_t ar)
{
	d->len = 0;
	dnsb_u16(d, id);
	dnsb_u16(d, flags);
	dnsb_u16(d, qd);
	dnsb_u16(d, an);
	dnsb_u16(d, ns);
	dnsb_u16(d, ar);
}

void dnsb_labels(struct dnsb *d, const char *dotted)
{
	const char *s = dotted;

	while (*s) {
		const char *dot = strchr(s, '.');
		size_t n = dot ? (size_t)(dot - s) : strlen(s);

		dnsb_u8(d, (uint8_t)n);
		dnsb_raw(d, s, (uint32_t)n);
		s += n;
		if (*s == '.')
			s++;
	}
}

void dnsb_name(struct dnsb *d, const char *dotted)
{
	dnsb_labels(d, dotted);
	dnsb_u8(d, 0);
}

void dnsb_ptr(struct dnsb *d, uint16_t target)
{
	dnsb_u16(d, (uint16_t)(0xc000 | target));
}

void dnsb_question(struct dnsb *d, const char *name, uint16_t qtype, uint16_t qclass)
{
	dnsb_name(d, name);
	dnsb_u16(d, qtype);
	dnsb_u16(d, qclass);
}

void dnsb_rr(struct dnsb *d, uint16_t name_ptr, uint16_t type, uint32_t ttl,
	     const void *rdata, uint16_t rdlen)
{
	if (name_ptr)
		dnsb_ptr(d, name_ptr);
	else
		dnsb_u8(d, 0);
	dnsb_u16(d, type);
	dnsb_u16(d, 1);
	dnsb_u32(d, ttl);
	dnsb_u16(d, rdlen);
	dnsb_raw(d, rdata, rdlen);
}
