/*
 * ndr-gen - write synthetic captures for benchmarks and data-plane stress.
 *
 * The traffic is synthetic but well-formed (valid IPv4 checksums, real DNS
 * messages), deterministic for a given --seed, and shaped by a profile:
 *   mix       TCP flows of varied sizes, UDP, and DNS (ordinary lookups plus
 *             one tunnel-like client), the default for `make bench`;
 *   dns       DNS queries and responses only;
 *   min64     64-byte frames (60 captured bytes + FCS), many flows;
 *   min65     65-byte frames (two beats each), many flows;
 *   one-flow  back-to-back minimum frames of a single flow;
 *   new-flows every packet a new flow (fills the flow table);
 *   collide   minimum frames of 64 flows that all hash to one bucket of the
 *             card's default table and seed, round robin: every packet
 *             misses, evicts, and hits the bucket the last one wrote;
 *   dns-min   DNS queries in minimum frames (one beat each), many clients;
 *   dns-worst minimum frames whose QNAME walk is as long as the limits
 *             allow (16 backward pointers through the header's bytes): the
 *             DNS walk's worst case per beat, beyond what the card keeps up
 *             with (docs/microarchitecture.md "DNS");
 *   dns-heavy an enterprise resolver's view: 20 000 clients looking up
 *             names under 3 000 registered domains of a dozen public
 *             suffixes (a Zipf-like few popular ones), a fifth of them
 *             one-off CDN names, A/AAAA/HTTPS and some TXT/MX/PTR, 5 %
 *             NXDOMAIN, two tunnels; a little TCP and UDP (make bench);
 *   flow-heavy many short flows between 65 536 clients and 4 096 servers:
 *             refused and unanswered attempts, single UDP datagrams, short
 *             TCP sessions, on web, admin and random ports (make bench).
 * The two -heavy profiles are meant at --pps 4000 (1M packets = about four
 * minutes of a busy edge).
 *   interleave minimum frames of --flows N flows in turn (default 3): each
 *             flow's next packet comes N packets after its last, while the
 *             flow table may still be writing that one back (the read-
 *             modify-write hazard its forwarding covers).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_card.h"
#include "ndr_hw.h"

#define MAX_FRAME 1514
#define COLLIDE_FLOWS 64u

struct gen {
	pcap_dumper_t *out;
	uint64_t rng;
	uint64_t ts_ns;
	uint64_t gap_ns;
	uint64_t written;
	uint64_t bytes;
};

static uint64_t rnd(struct gen *g)
{
	/* xorshift64*: fast, deterministic, good enough for traffic shapes */
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * 0x2545F4914F6CDD1Dull;
}

static uint32_t rnd_below(struct gen *g, uint32_t n)
{
	return (uint32_t)(rnd(g) % n);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t ip_checksum(const uint8_t *h, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Ethernet + IPv4 header; returns the offset of the L4 header. */
static size_t put_eth_ip(uint8_t *f, uint32_t src, uint32_t dst, uint8_t proto,
			 size_t l4_len)
{
	static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 1 };
	static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 2 };
	uint8_t *ip = f + 14;

	memcpy(f, mac_b, 6);
	memcpy(f + 6, mac_a, 6);
	put16(f + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + l4_len));
	put16(ip + 4, 0x1234);
	ip[8] = 64;
	ip[9] = proto;
	put32(ip + 12, src);
	put32(ip + 16, dst);
	put16(ip + 10, ip_checksum(ip, 20));
	return 34;
}

static void emit(struct gen *g, const uint8_t *f, size_t len)
{
	struct pcap_pkthdr h;

	if (len < 60)
		len = 60;          /* Ethernet minimum without FCS; padding is zero */
	h.ts.tv_sec = (time_t)(g->ts_ns / 1000000000ull);
	h.ts.tv_usec = (suseconds_t)(g->ts_ns % 1000000000ull); /* ns precision dumper */
	h.caplen = (uint32_t)len;
	h.len = (uint32_t)len;
	pcap_dump((u_char *)g->out, &h, f);
	g->ts_ns += g->gap_ns;
	g->written++;
	g->bytes += len;
}

static void udp_frame(struct gen *g, uint32_t src, uint32_t dst, uint16_t sport,
		      uint16_t dport, size_t payload)
{
	uint8_t f[MAX_FRAME] = { 0 };
	size_t o = put_eth_ip(f, src, dst, 17, 8 + payload);

	put16(f + o, sport);
	put16(f + o + 2, dport);
	put16(f + o + 4, (uint16_t)(8 + payload));
	emit(g, f, o + 8 + payload);
}

static void tcp_frame(struct gen *g, uint32_t src, uint32_t dst, uint16_t sport,
		      uint16_t dport, uint8_t flags, size_t payload)
{
	uint8_t f[MAX_FRAME] = { 0 };
	size_t o = put_eth_ip(f, src, dst, 6, 20 + payload);

	put16(f + o, sport);
	put16(f + o + 2, dport);
	put32(f + o + 4, 1000);
	f[o + 12] = 0x50;
	f[o + 13] = flags;
	put16(f + o + 14, 65535);
	emit(g, f, o + 20 + payload);
}

static void dns_exchange_rc(struct gen *g, uint32_t client, uint32_t resolver,
			    const char *name, uint16_t qtype, int answer, unsigned rcode);

/* One DNS query (and its answer when answer != 0) for name. */
static void dns_exchange(struct gen *g, uint32_t client, uint32_t resolver,
			 const char *name, uint16_t qtype, int answer)
{
	dns_exchange_rc(g, client, resolver, name, qtype, answer, 0);
}

/* The same with a response code: an NXDOMAIN (3) answer has no record. */
static void dns_exchange_rc(struct gen *g, uint32_t client, uint32_t resolver,
			    const char *name, uint16_t qtype, int answer, unsigned rcode)
{
	uint8_t f[MAX_FRAME] = { 0 };
	uint8_t *d;
	size_t o = 34 + 8, n = 12, qlen;
	uint16_t id = (uint16_t)rnd(g), sport = (uint16_t)(1024 + rnd_below(g, 60000));
	const char *p = name;

	d = f + o;
	put16(d, id);
	put16(d + 2, 0x0100);
	put16(d + 4, 1);
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		d[n++] = (uint8_t)l;
		memcpy(d + n, p, l);
		n += l;
		p += l + (dot ? 1 : 0);
	}
	d[n++] = 0;
	put16(d + n, qtype);
	put16(d + n + 2, 1);
	n += 4;
	qlen = n;
	put_eth_ip(f, client, resolver, 17, 8 + n);
	put16(f + 34, sport);
	put16(f + 36, 53);
	put16(f + 38, (uint16_t)(8 + n));
	emit(g, f, o + n);
	if (!answer)
		return;

	put16(d + 2, (uint16_t)(0x8180 | rcode));
	if (rcode) {
		put_eth_ip(f, resolver, client, 17, 8 + qlen);
		put16(f + 34, 53);
		put16(f + 36, sport);
		put16(f + 38, (uint16_t)(8 + qlen));
		emit(g, f, o + qlen);
		return;
	}
	put16(d + 6, 1);
	n = qlen;
	put16(d + n, 0xc00c);
	put16(d + n + 2, qtype);
	put16(d + n + 4, 1);
	put32(d + n + 6, 300);
	if (qtype == 16) {
		size_t len = 40 + rnd_below(g, 200), i;

		put16(d + n + 10, (uint16_t)(len + 1));
		d[n + 12] = (uint8_t)len;
		for (i = 0; i < len; i++)
			d[n + 13 + i] = (uint8_t)('A' + rnd_below(g, 58));
		n += 13 + len;
	} else {
		put16(d + n + 10, 4);
		put32(d + n + 12, 0x0a000000u | rnd_below(g, 1u << 24));
		n += 16;
	}
	put_eth_ip(f, resolver, client, 17, 8 + n);
	put16(f + 34, 53);
	put16(f + 36, sport);
	put16(f + 38, (uint16_t)(8 + n));
	emit(g, f, o + n);
}

static const char *const popular[] = {
	"www.example.com", "mail.example.org", "cdn.example.net", "api.shop.example",
	"login.bank.example", "static.news.example", "img.social.example", "time.example.com",
};

static void dns_mix(struct gen *g, uint64_t i)
{
	uint32_t client = 0x0a000100u + rnd_below(g, 200);

	if (i % 4 == 0) {
		/* one client running a tunnel-like stream of unique names */
		char name[128];

		snprintf(name, sizeof(name), "%08llx%08llx.%04x.t.tunnel.example",
			 (unsigned long long)rnd(g), (unsigned long long)rnd(g),
			 (unsigned)(i & 0xffff));
		dns_exchange(g, 0x0a0000feu, 0x0a000035u, name, 16, 1);
	} else {
		dns_exchange(g, client, 0x0a000035u, popular[rnd_below(g, 8)],
			     rnd_below(g, 4) ? 1 : 28, 1);
	}
}

static void tcp_mix(struct gen *g)
{
	uint32_t c = 0x0a010000u + rnd_below(g, 4096), s = 0x0a020000u + rnd_below(g, 64);
	uint16_t sp = (uint16_t)(1024 + rnd_below(g, 60000)), dp = rnd_below(g, 2) ? 443 : 445;
	unsigned k, n = 2 + rnd_below(g, 12);

	tcp_frame(g, c, s, sp, dp, 0x02, 0);
	tcp_frame(g, s, c, dp, sp, 0x12, 0);
	for (k = 0; k < n; k++) {
		if (k & 1)
			tcp_frame(g, s, c, dp, sp, 0x10, 1400 - rnd_below(g, 400));
		else
			tcp_frame(g, c, s, sp, dp, 0x18, 40 + rnd_below(g, 500));
	}
	tcp_frame(g, c, s, sp, dp, 0x11, 0);
	tcp_frame(g, s, c, dp, sp, 0x11, 0);
}

/* ---- dns-heavy ---- */

static const char *const heavy_suffixes[] = {
	"com", "net", "org", "co.uk", "com.br", "de", "fr", "io", "com.au", "co.jp",
	"blogspot.com", "cloudfront.net",
};

/* Registered domain number d (Zipf-like popularity is in the caller). */
static void heavy_domain(char *buf, size_t len, uint32_t d)
{
	static const char *const words[] = {
		"acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "wonka",
		"tyrell", "cyberdyne", "soylent", "vandelay", "gringotts", "aperture",
	};

	snprintf(buf, len, "%s%u.%s", words[d % 14], d / 14,
		 heavy_suffixes[(d * 7u) % (sizeof(heavy_suffixes) / sizeof(heavy_suffixes[0]))]);
}

/* A popular domain: half the lookups go to the first 1 %, as at a real
 * resolver. */
static uint32_t heavy_pick(struct gen *g, uint32_t n)
{
	uint32_t r = rnd_below(g, 100);

	if (r < 50)
		return rnd_below(g, n / 100 ? n / 100 : 1);
	if (r < 80)
		return rnd_below(g, n / 10 ? n / 10 : 1);
	return rnd_below(g, n);
}

static void dns_heavy(struct gen *g)
{
	static const char *const hosts[] = { "www", "api", "mail", "cdn", "static", "login",
					     "img", "app", "auth", "update" };
	static const uint16_t types[] = { 1, 1, 1, 1, 1, 1, 28, 28, 28, 65, 65, 16, 15, 12 };
	uint32_t r = rnd_below(g, 100), client = 0x0a400000u + rnd_below(g, 20000);
	uint32_t resolver = 0x0a000035u + rnd_below(g, 4);
	char dom[64], name[160];

	if (r < 10) {
		tcp_mix(g);
		return;
	}
	if (r < 15) {
		udp_frame(g, client, 0x0a500000u + rnd_below(g, 4096),
			  (uint16_t)(1024 + rnd_below(g, 60000)), 123, 48);
		return;
	}
	if (r < 16) {
		/* two tunnels: unique names, TXT */
		snprintf(name, sizeof(name), "%08llx%04x.%s.tunnel%u.example",
			 (unsigned long long)rnd(g), (unsigned)(g->written & 0xffff),
			 "q", (unsigned)(r & 1));
		dns_exchange(g, 0x0a0000feu - (r & 1), resolver, name, 16, 1);
		return;
	}
	heavy_domain(dom, sizeof(dom), heavy_pick(g, 3000));
	if (r < 33)     /* one-off CDN names */
		snprintf(name, sizeof(name), "r%u---sn-%06x.%s", rnd_below(g, 20),
			 rnd_below(g, 1u << 24), dom);
	else
		snprintf(name, sizeof(name), "%s.%s", hosts[heavy_pick(g, 10)], dom);
	dns_exchange_rc(g, client, resolver, name, types[rnd_below(g, 14)], 1,
			rnd_below(g, 20) == 0 ? 3 : 0);
}

/* ---- flow-heavy ---- */

static void flow_heavy(struct gen *g)
{
	static const uint16_t ports[] = { 443, 443, 443, 80, 80, 22, 445, 3389, 135, 8080,
					  53, 25 };
	uint32_t c = 0x0a600000u + rnd_below(g, 65536), s = 0x0a700000u + rnd_below(g, 4096);
	uint16_t sp = (uint16_t)(1024 + rnd_below(g, 60000));
	uint16_t dp = rnd_below(g, 4) ? ports[rnd_below(g, 12)]
				      : (uint16_t)(1024 + rnd_below(g, 64000));
	uint32_t r = rnd_below(g, 100);
	unsigned k, n;

	if (r < 20) {          /* refused */
		tcp_frame(g, c, s, sp, dp, 0x02, 0);
		tcp_frame(g, s, c, dp, sp, 0x14, 0);
	} else if (r < 35) {   /* unanswered */
		tcp_frame(g, c, s, sp, dp, 0x02, 0);
	} else if (r < 65) {   /* one datagram, sometimes answered */
		udp_frame(g, c, s, sp, dp, 20 + rnd_below(g, 400));
		if (r < 45)
			udp_frame(g, s, c, dp, sp, 20 + rnd_below(g, 400));
	} else {               /* a short session */
		n = rnd_below(g, 4);
		tcp_frame(g, c, s, sp, dp, 0x02, 0);
		tcp_frame(g, s, c, dp, sp, 0x12, 0);
		tcp_frame(g, c, s, sp, dp, 0x10, 0);
		for (k = 0; k < n; k++)
			tcp_frame(g, k & 1 ? s : c, k & 1 ? c : s, k & 1 ? dp : sp,
				  k & 1 ? sp : dp, 0x18, 40 + rnd_below(g, 900));
		tcp_frame(g, c, s, sp, dp, 0x11, 0);
		tcp_frame(g, s, c, dp, sp, 0x11, 0);
	}
}

/* The card's bucket for a UDP flow, from the hw/ code itself. */
static uint32_t card_bucket(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
			    uint32_t seed, uint32_t mask)
{
	struct ndr_pkt_meta m;
	uint8_t key[NDR_FLOW_KEY_LEN];

	memset(&m, 0, sizeof(m));
	m.kind = NDR_PKT_IP;
	m.proto = 17;
	m.src_addr[10] = m.src_addr[11] = 0xff;
	m.dst_addr[10] = m.dst_addr[11] = 0xff;
	put32(m.src_addr + 12, src);
	put32(m.dst_addr + 12, dst);
	m.src_port = sport;
	m.dst_port = dport;
	ndr_flow_key(&m, key);
	return ndr_murmur3_32(key, NDR_FLOW_KEY_LEN, seed) & mask;
}

struct collide_set {
	uint32_t src[COLLIDE_FLOWS];
	uint16_t sport[COLLIDE_FLOWS];
};

/* COLLIDE_FLOWS source endpoints whose flows to 10.9.0.1:9 share the bucket
 * of the first candidate, in the card's default table (about 2^16 tries
 * per flow). */
static void collide_init(struct collide_set *cs)
{
	struct ndr_card_cfg cfg;
	uint32_t mask, target, n = 0, i;

	ndr_card_cfg_defaults(&cfg);
	mask = (1u << cfg.log2_buckets) - 1u;
	target = card_bucket(0x0a080000u, 1024, 0x0a090001u, 9, cfg.hash_seed, mask);
	for (i = 0; n < COLLIDE_FLOWS; i++) {
		uint32_t src = 0x0a080000u + (i >> 4);
		uint16_t sport = (uint16_t)(1024 + (i & 15));

		if (card_bucket(src, sport, 0x0a090001u, 9, cfg.hash_seed, mask) != target)
			continue;
		cs->src[n] = src;
		cs->sport[n] = sport;
		n++;
	}
}

/* A query for a random two-label name of 4 letters: 60 bytes, one beat. */
static void dns_min(struct gen *g)
{
	uint8_t f[MAX_FRAME] = { 0 };
	uint8_t *d = f + 42;
	uint32_t client = 0x0a0a0000u + rnd_below(g, 1u << 16);
	size_t n = 12, i;

	put16(d, (uint16_t)rnd(g));
	put16(d + 2, 0x0100);
	put16(d + 4, 1);
	d[n++] = 2;
	for (i = 0; i < 2; i++)
		d[n++] = (uint8_t)('a' + rnd_below(g, 26));
	d[n++] = 1;
	d[n++] = (uint8_t)('a' + rnd_below(g, 26));
	d[n++] = 0;
	put16(d + n, 1);
	put16(d + n + 2, 1);
	n += 4;
	put_eth_ip(f, client, 0x0a000035u, 17, 8 + n);
	put16(f + 34, (uint16_t)(1024 + rnd_below(g, 60000)));
	put16(f + 36, 53);
	put16(f + 38, (uint16_t)(8 + n));
	emit(g, f, 42 + n);
}

/* A 14-byte message whose header bytes read as six 1-byte labels and whose
 * QNAME is a pointer back to offset 0: the walk goes round until the 17th
 * pointer (PTR_LOOP), 7 steps a round. qdcount = 0x0178 keeps the walk on. */
static void dns_worst(struct gen *g)
{
	static const uint8_t msg[14] = {
		1, 'x', 1, 'x', 1, 'x', 1, 'x', 1, 'x', 1, 'x', 0xc0, 0x00,
	};
	uint8_t f[MAX_FRAME] = { 0 };

	memcpy(f + 42, msg, sizeof(msg));
	put_eth_ip(f, 0x0a0b0000u + rnd_below(g, 1u << 16), 0x0a000035u, 17, 8 + sizeof(msg));
	put16(f + 34, (uint16_t)(1024 + rnd_below(g, 60000)));
	put16(f + 36, 53);
	put16(f + 38, (uint16_t)(8 + sizeof(msg)));
	emit(g, f, 42 + sizeof(msg));
}

static void usage(FILE *out)
{
	fputs("Usage: ndr-gen -o FILE [--packets N] [--profile P] [--seed N] [--pps N]\n"
	      "Profiles: mix (default), dns, min64, min65, one-flow, new-flows,\n"
	      "          collide, dns-min, dns-worst, dns-heavy, flow-heavy,\n"
	      "          interleave.\n"
	      "--flows N sets the number of flows of interleave (default 3).\n"
	      "--pps sets the packet rate the timestamps imply (default 1000000).\n", out);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "packets", required_argument, NULL, 'n' },
		{ "profile", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 's' },
		{ "pps", required_argument, NULL, 'R' },
		{ "flows", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *profile = "mix";
	unsigned long long packets = 1000000, pps = 1000000, seed = 1, flows = 3;
	struct gen g;
	struct collide_set cs;
	pcap_t *dead;
	int c;

	while ((c = getopt_long(argc, argv, "o:n:p:s:h", longopts, NULL)) != -1) {
		char *end = NULL;

		switch (c) {
		case 'o': path = optarg; break;
		case 'n': packets = strtoull(optarg, &end, 10); break;
		case 'p': profile = optarg; break;
		case 's': seed = strtoull(optarg, &end, 10); break;
		case 'R': pps = strtoull(optarg, &end, 10); break;
		case 'F': flows = strtoull(optarg, &end, 10); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if (end && (*end || end == optarg)) {
			fprintf(stderr, "ndr-gen: '%s' is not a number\n", optarg);
			return 2;
		}
	}
	if (!path || !packets || !pps || !flows) {
		usage(stderr);
		return 2;
	}
	memset(&g, 0, sizeof(g));
	g.rng = seed * 0x9E3779B97F4A7C15ull + 1;
	g.ts_ns = 1764100000ull * 1000000000ull;
	g.gap_ns = 1000000000ull / pps ? 1000000000ull / pps : 1;
	dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
	g.out = dead ? pcap_dump_open(dead, path) : NULL;
	if (!g.out) {
		fprintf(stderr, "ndr-gen: %s: %s\n", path, dead ? pcap_geterr(dead) : strerror(errno));
		return 1;
	}
	if (!strcmp(profile, "collide"))
		collide_init(&cs);
	while (g.written < packets) {
		uint32_t a = 0x0a030000u + rnd_below(&g, 1u << 16);
		uint32_t b = 0x0a040000u + rnd_below(&g, 1u << 16);

		if (!strcmp(profile, "mix")) {
			uint32_t r = rnd_below(&g, 10);

			if (r < 6)
				tcp_mix(&g);
			else if (r < 8)
				udp_frame(&g, a, b, (uint16_t)rnd(&g), 4789, 100 + rnd_below(&g, 1300));
			else
				dns_mix(&g, g.written);
		} else if (!strcmp(profile, "dns")) {
			dns_mix(&g, g.written);
		} else if (!strcmp(profile, "min64")) {
			udp_frame(&g, a, b, (uint16_t)rnd(&g), 9, 18);
		} else if (!strcmp(profile, "min65")) {
			udp_frame(&g, a, b, (uint16_t)rnd(&g), 9, 23);
		} else if (!strcmp(profile, "one-flow")) {
			udp_frame(&g, 0x0a050001u, 0x0a050002u, 5000, 5001, 18);
		} else if (!strcmp(profile, "collide")) {
			uint32_t k = (uint32_t)(g.written % COLLIDE_FLOWS);

			udp_frame(&g, cs.src[k], 0x0a090001u, cs.sport[k], 9, 18);
		} else if (!strcmp(profile, "dns-min")) {
			dns_min(&g);
		} else if (!strcmp(profile, "dns-worst")) {
			dns_worst(&g);
		} else if (!strcmp(profile, "dns-heavy")) {
			dns_heavy(&g);
		} else if (!strcmp(profile, "flow-heavy")) {
			flow_heavy(&g);
		} else if (!strcmp(profile, "interleave")) {
			udp_frame(&g, 0x0a0c0000u + (uint32_t)(g.written % flows), 0x0a0d0001u,
				  4000, 9, 18);
		} else if (!strcmp(profile, "new-flows")) {
			udp_frame(&g, 0x0a060000u + (uint32_t)(g.written >> 16),
				  0x0a070000u, (uint16_t)g.written, 7, 18);
		} else {
			fprintf(stderr, "ndr-gen: unknown profile '%s'\n", profile);
			pcap_dump_close(g.out);
			return 2;
		}
	}
	pcap_dump_close(g.out);
	pcap_close(dead);
	fprintf(stderr, "ndr-gen: wrote %llu packets, %llu bytes to %s\n",
		(unsigned long long)g.written, (unsigned long long)g.bytes, path);
	return 0;
}
