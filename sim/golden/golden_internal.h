/*
 * golden_internal.h - shared between the files of the golden model
 * (sim/golden/). Not part of any public API: the model is used through
 * sim/include/ndr_golden.h.
 *
 * The golden model is written from docs/dataplane.md alone, independently of
 * hw/, so that the two implementations check each other. Where the spec
 * leaves a choice, the choice is written down as a comment starting with
 * "Spec choice:" next to the code that makes it.
 */
#ifndef NDR_GOLDEN_INTERNAL_H
#define NDR_GOLDEN_INTERNAL_H

#include <stdint.h>

#include "ndr_abi.h"
#include "ndr_golden.h"

#define GOLDEN_WAYS        4u
#define GOLDEN_KEY_BYTES   44u
#define GOLDEN_LOG2_MAX    1024u   /* L(x) is defined for 0 <= x <= 1024 */

/* What the parser found in one frame. */
enum golden_parse_result {
	GOLDEN_NON_IP = 0,
	GOLDEN_PARSE_ERROR,
	GOLDEN_IP,
};

struct golden_pkt {
	uint64_t ts_ns;
	const uint8_t *frame;
	uint32_t caplen;             /* already cut to NDR_MAX_FRAME */

	uint16_t vlan_outer;
	uint16_t vlan_inner;
	int ipv6;
	uint8_t src[16];             /* IPv4 as IPv4-mapped IPv6 */
	uint8_t dst[16];
	uint8_t proto;
	uint8_t ttl;                 /* IPv4 TTL / IPv6 hop limit */
	int fragment;

	uint32_t ip_len;             /* IPv4 total length / IPv6 payload + 40 */
	uint32_t l4_off;             /* frame offset of the L4 header */
	uint32_t l4_hdr_len;         /* 0 for fragments and non TCP/UDP */
	uint32_t payload_len;        /* L4 payload length from the headers */

	int has_tcp;                 /* TCP header parsed (not a fragment) */
	int has_udp;                 /* UDP header parsed (not a fragment) */
	int is_icmp;                 /* protocol 1 or 58, not a fragment */
	uint16_t sport;              /* 0 for fragments and portless protocols */
	uint16_t dport;
	uint8_t tcp_flags;
	uint16_t udp_len;
	uint8_t icmp_type;
	uint8_t icmp_code;
};

struct golden_flow {
	int valid;
	uint8_t key[GOLDEN_KEY_BYTES];
	uint64_t last_ts;            /* last packet of the flow, kept across periods */
	int prev_fwd;                /* direction of the previous packet of the period */
	struct ndr_flow_rec rec;     /* the record being accumulated */
	/* for the compact record: the period's first two packets */
	uint16_t pkt_len[2];
	uint16_t pkt_payload[2];
	uint8_t pkt_rev;             /* bit i: packet i went rev */
	int dns_only;                /* its one packet made a UDP DNS record */
};

struct ndr_golden {
	struct ndr_card_cfg cfg;
	ndr_golden_emit_fn emit;
	void *arg;
	uint32_t log2_tab[GOLDEN_LOG2_MAX + 1];
	uint32_t nbuckets;
	uint32_t scan_ptr;
	struct golden_flow *table;   /* nbuckets * GOLDEN_WAYS entries */
	uint8_t *occupied;           /* valid ways per bucket */
	int started;                 /* a frame was seen: card time is known */
	uint64_t now;                /* card time: the latest frame time */
	uint64_t scan_ns;            /* card time between scanner visits */
	uint64_t scan_next;          /* time of the next visit */
	int full_records;            /* never write the compact forms */
};

/* golden_parse.c */
enum golden_parse_result golden_parse(const uint8_t *frame, uint32_t caplen,
				      uint64_t ts_ns, struct golden_pkt *pkt);

/* golden_hash.c */
uint32_t golden_murmur3_32(const uint8_t *data, uint32_t len, uint32_t seed);

/* golden_entropy.c */
void golden_log2_table_init(uint32_t tab[GOLDEN_LOG2_MAX + 1]);
uint16_t golden_entropy(const uint32_t hist[256], uint32_t n,
			const uint32_t tab[GOLDEN_LOG2_MAX + 1]);

/* golden_flow.c */
void golden_flow_visits(struct ndr_golden *g);
void golden_flow_packet(struct ndr_golden *g, const struct golden_pkt *pkt);
void golden_flow_flush(struct ndr_golden *g);

/* golden_dns.c */
void golden_dns_packet(struct ndr_golden *g, const struct golden_pkt *pkt);

/* A UDP DNS message of this packet gives a DNS record (golden_dns.c). */
int golden_dns_udp_record(const struct golden_pkt *p);

/* golden_compact.c: the record as the card writes it (compact when the
 * rules of docs/dataplane.md "Compact records" hold), to g->emit. */
void golden_emit_flow(struct ndr_golden *g, const struct golden_flow *fl,
		      const struct ndr_flow_rec *rec);
void golden_emit_dns(struct ndr_golden *g, const struct ndr_dns_rec *rec);

/* golden_tls.c */
void golden_tls_packet(struct ndr_golden *g, const struct golden_pkt *pkt);

#endif
