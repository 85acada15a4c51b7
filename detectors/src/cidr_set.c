/*
 * cidr_set.c - prefix sets over the 16-byte address form (ndr_cidr_set.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "ndr_cidr_set.h"

const char *const ndr_cidr_default_internal[] = {
	"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",   /* RFC 1918 */
	"100.64.0.0/10",                                   /* RFC 6598 */
	"fc00::/7",                                        /* RFC 4193 */
	NULL,
};

/* Each prefix also as two 64-bit words of network and mask, so a lookup is
 * two AND-compares a prefix (every east-west detector asks twice a flow). */
struct cidr_words {
	uint64_t net[2], mask[2];
};

struct ndr_cidr_set {
	struct ndr_cidr *v;
	struct cidr_words *w;
	size_t n, cap;
};


void ndr_addr_format(const uint8_t addr[16], char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	if (ndr_addr_is_v4mapped(addr))
		inet_ntop(AF_INET, addr + 12, tmp, sizeof(tmp));
	else
		inet_ntop(AF_INET6, addr, tmp, sizeof(tmp));
	snprintf(buf, len, "%s", tmp);
}

int ndr_cidr_parse(const char *text, struct ndr_cidr *out, char *err, size_t errlen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash, *end;
	unsigned long prefix;
	int v4;

	if (strlen(text) >= sizeof(buf)) {
		snprintf(err, errlen, "'%s': too long for an address or CIDR", text);
		return -1;
	}
	strcpy(buf, text);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (ndr_addr_parse(buf, out->addr) != 0) {
		snprintf(err, errlen, "'%s': not an IPv4/IPv6 address or CIDR "
			 "(10.0.0.0/8, fd00::/8)", text);
		return -1;
	}
	v4 = strchr(buf, ':') == NULL;
	prefix = v4 ? 32 : 128;
	if (slash) {
		if (slash[1] < '0' || slash[1] > '9') {
			snprintf(err, errlen, "'%s': prefix length is not a number", text);
			return -1;
		}
		prefix = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || prefix > (v4 ? 32ul : 128ul)) {
			snprintf(err, errlen, "'%s': prefix length must be 0..%d", text, v4 ? 32 : 128);
			return -1;
		}
	}
	out->prefix = (unsigned)prefix + (v4 ? 96u : 0u);
	for (unsigned bit = out->prefix; bit < 128; bit++)
		out->addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
	return 0;
}

int ndr_cidr_match(const struct ndr_cidr *c, const uint8_t addr[16])
{
	unsigned full = c->prefix / 8, rest = c->prefix % 8;
	uint8_t mask;

	if (memcmp(c->addr, addr, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xffu << (8 - rest));
	return (addr[full] & mask) == c->addr[full];
}

struct ndr_cidr_set *ndr_cidr_set_new(void)
{
	return calloc(1, sizeof(struct ndr_cidr_set));
}

void ndr_cidr_set_free(struct ndr_cidr_set *s)
{
	if (!s)
		return;
	free(s->v);
	free(s->w);
	free(s);
}

int ndr_cidr_set_add(struct ndr_cidr_set *s, const char *text, char *err, size_t errlen)
{
	struct ndr_cidr c;

	if (ndr_cidr_parse(text, &c, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].prefix == c.prefix && memcmp(s->v[i].addr, c.addr, 16) == 0)
			return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct ndr_cidr *v = realloc(s->v, cap * sizeof(*v));
		struct cidr_words *w;

		if (!v) {
			snprintf(err, errlen, "'%s': out of memory", text);
			return -1;
		}
		s->v = v;
		w = realloc(s->w, cap * sizeof(*w));
		if (!w) {
			snprintf(err, errlen, "'%s': out of memory", text);
			return -1;
		}
		s->w = w;
		s->cap = cap;
	}
	{
		uint8_t mask[16];
		struct cidr_words *w = &s->w[s->n];

		for (unsigned i = 0; i < 16; i++) {
			unsigned bits = c.prefix > i * 8 ? c.prefix - i * 8 : 0;

			mask[i] = bits >= 8 ? 0xffu : (uint8_t)(0xffu << (8 - bits));
		}
		memcpy(w->net, c.addr, 16);
		memcpy(w->mask, mask, 16);
	}
	s->v[s->n++] = c;
	return 0;
}

int ndr_cidr_set_add_list(struct ndr_cidr_set *s, const char *const *texts, size_t n,
			  char *err, size_t errlen)
{
	for (size_t i = 0; i < n && texts[i]; i++)
		if (ndr_cidr_set_add(s, texts[i], err, errlen) != 0)
			return -1;
	return 0;
}

int ndr_cidr_set_contains(const struct ndr_cidr_set *s, const uint8_t addr[16])
{
	uint64_t a[2];

	memcpy(a, addr, 16);
	for (size_t i = 0; i < s->n; i++) {
		const struct cidr_words *w = &s->w[i];

		if ((a[0] & w->mask[0]) == w->net[0] && (a[1] & w->mask[1]) == w->net[1])
			return 1;
	}
	return 0;
}

size_t ndr_cidr_set_count(const struct ndr_cidr_set *s)
{
	return s->n;
}

size_t ndr_cidr_set_bytes(const struct ndr_cidr_set *s)
{
	return sizeof(*s) + s->cap * (sizeof(struct ndr_cidr) + sizeof(struct cidr_words));
}
