/*
 * ndr_hw_dns.h - the DNS path (dns_walk.c, dns_stage.c; docs/dataplane.md
 * "DNS extractor", docs/microarchitecture.md "DNS").
 *
 *   capture (one beat a clock): the beats that hold a DNS message go, as
 *     they are, to the walk stage, with the message's descriptor on the
 *     last one;
 *   walk: NDR_DNS_ENGINES engines, each with two message buffers. A message
 *     goes into a free buffer as its beats arrive (no buffer free: dropped,
 *     counted in dns_dropped); an engine walks one message at a time, a
 *     bounded step a clock; records leave in arrival order, one a clock.
 */
#ifndef NDR_HW_DNS_H
#define NDR_HW_DNS_H

#define NDR_DNS_ENGINES      32u
#define NDR_DNS_BUFS         2u     /* buffers per engine */
/* a message starts anywhere in its first beat: one beat more than 4 KB */
#define NDR_DNS_BUF_WORDS    (NDR_DNS_MSG_MAX / NDR_BEAT_BYTES + 1u)
#define NDR_DNS_LANE_BYTES   8u     /* name/TXT bytes an engine takes a clock */
#define NDR_DNS_REC_BYTES    (6u * NDR_SLOT_BYTES)

/* Where a packet's DNS message is, from its headers. */
struct ndr_dns_where {
	bool     active;            /* the packet carries a message */
	bool     tcp;
	uint32_t pfx_off;           /* TCP: frame offset of the length prefix */
	uint32_t msg_off;           /* frame offset of the message */
	uint32_t msg_cap;           /* message bytes that may be looked at */
};

/* What an engine needs besides the bytes: the packet's side of the record. */
struct ndr_dns_desc {
	uint64_t ts;
	uint8_t  src_addr[16];
	uint8_t  dst_addr[16];
	uint16_t src_port;
	uint16_t dst_port;
	uint16_t vlan_outer;
	uint8_t  proto;
	uint8_t  ttl;
	bool     ipv6;
	bool     tcp;
	uint32_t msg_len;
	uint32_t vis;               /* visible bytes, >= 12 */
	uint32_t base;              /* message byte 0 in the buffer / frame */
};

void ndr_dns_where(const struct ndr_pkt_meta *m, struct ndr_dns_where *w);
/* End of the frame (caplen captured bytes; pfx = the TCP length prefix, or
 * -1 when it was not captured): the descriptor. False when no record can be
 * made (no prefix, fewer than 12 visible bytes): a DNS error. */
bool ndr_dns_desc(const struct ndr_pkt_meta *m, const struct ndr_dns_where *w, uint64_t ts,
		  uint32_t caplen, int32_t pfx, struct ndr_dns_desc *d);

/* ---- the walk engine (dns_walk.c) ---- */
enum ndr_dns_walk_state {
	NDR_DNS_W_IDLE = 0,
	NDR_DNS_W_HDR,          /* the 12-byte header */
	NDR_DNS_W_QLEN,         /* QNAME: a length byte (and 8 label bytes) */
	NDR_DNS_W_QCOPY,        /* QNAME: 8 more bytes of the label */
	NDR_DNS_W_QENT,         /* QNAME entropy: 8 histogram bins a clock */
	NDR_DNS_W_LHIST,        /* the longest label again, 8 bytes a clock */
	NDR_DNS_W_LENT,         /* its entropy */
	NDR_DNS_W_QTAIL,        /* qtype, qclass */
	NDR_DNS_W_QSKIP,        /* further questions: a name step a clock */
	NDR_DNS_W_ANAME,        /* an answer's name: a step a clock */
	NDR_DNS_W_AFIX,         /* its type, class, TTL, RDLENGTH */
	NDR_DNS_W_ARD,          /* TXT/NULL RDATA, 8 bytes a clock */
	NDR_DNS_W_TENT,         /* TXT entropy */
	NDR_DNS_W_DONE,         /* the record is ready */
};

/* The message's fields of a DNS record (ndr_abi.h struct ndr_dns_rec), as
 * the walk builds them up. */
struct ndr_dns_fields {
	uint16_t txid, dns_flags, qdcount, ancount, nscount, arcount;
	uint16_t qtype, qclass, msg_len, parse_flags;
	uint8_t  qname_len, label_count, longest_label;
	uint16_t qname_entropy, label_entropy;
	uint8_t  n_lower, n_upper, n_digit, n_hyphen, n_other;
	uint16_t an_a, an_aaaa, an_txt, an_other, first_an_type;
	uint16_t txt_len, txt_entropy;
	uint32_t min_ttl;
};

struct ndr_dns_walk {
	uint8_t  st;                /* enum ndr_dns_walk_state */
	struct ndr_dns_desc d;
	struct ndr_dns_fields rec;  /* the name is in name[] */
	char     name[NDR_DNS_NAME_MAX + 3u + NDR_DNS_LANE_BYTES];
	struct ndr_entropy_acc acc;
	uint32_t clocks;            /* clocks this walk took */
	/* QNAME walk */
	uint32_t pos, wire, steps, ptrs, text, longest_at, end;
	bool     jumped;
	bool     name_ok;           /* the QNAME ended at its zero byte */
	uint32_t lab_at, lab_left;
	uint32_t n_lower, n_upper, n_digit, n_hyphen, n_other;
	/* a name being skipped (further questions, answers) */
	uint32_t skip_wire, skip_iter;
	uint32_t q;                 /* questions done */
	uint32_t an, an_n;          /* answers done, to do */
	uint32_t rd_at, rd_left;
	uint32_t txt_len;
	/* entropy summation */
	uint32_t sum_at;
	uint64_t sum;
};

/* A message to walk; the engine is then busy until ndr_dns_walk_step says
 * it is done. */
void ndr_dns_walk_start(struct ndr_dns_walk *w, const struct ndr_dns_desc *d);
/* One clock of the walk over the message bytes msg[d.base ..
 * d.base + d.vis); true when the record is ready. */
bool ndr_dns_walk_step(struct ndr_dns_walk *w, const uint8_t *msg);
/* The record of a finished walk (NDR_REC_DNS or NDR_REC_DNS_SHORT) into
 * out; its slots. */
uint32_t ndr_dns_walk_record(const struct ndr_dns_walk *w, uint8_t out[NDR_DNS_REC_BYTES]);
/* The parse flags worth an error count (any but NDR_DNS_P_TCP). */
bool ndr_dns_walk_error(const struct ndr_dns_walk *w);

/* ---- the capture and walk stages (dns_stage.c) ---- */

struct ndr_dns_chunk {
	uint8_t  data[NDR_BEAT_BYTES];
	uint16_t flags;
	uint16_t word;              /* which buffer word data goes to */
	struct ndr_dns_desc desc;   /* LAST */
};

struct ndr_rec6 {
	uint8_t b[NDR_DNS_REC_BYTES];
};

struct ndr_stats_dns {
	bool     final;
	uint64_t messages;
	uint64_t errors;
	uint64_t dropped;
	uint64_t link_dropped;
};

NDR_STREAM(ndr_dns_chunk_s, struct ndr_dns_chunk, 16)
NDR_STREAM(ndr_rec6_s, struct ndr_rec6, 16)
NDR_STREAM(ndr_stats_dns_s, struct ndr_stats_dns, 2)

struct ndr_dns_capture {
	bool     in_frame;
	bool     sent_first;
	uint8_t  frame_flags;
	struct ndr_pkt_meta m;
	uint64_t ts;
	struct ndr_dns_where where;
	int32_t  pfx;               /* TCP prefix as captured, -1 not yet */
	uint32_t pfx_have;
	uint8_t  pfx_b[2];
	uint32_t len;               /* frame bytes seen */
	bool     held_valid;        /* a beat read, waiting for its meta */
	struct ndr_cap_beat held;
	uint64_t busy, stalled;
};

struct ndr_dns_engines {
	struct ndr_walk_pool pool;
	struct ndr_dns_walk walk[NDR_DNS_ENGINES];
	uint8_t  buf[NDR_DNS_ENGINES][NDR_POOL_BUFS][NDR_DNS_BUF_WORDS * NDR_BEAT_BYTES];
	struct ndr_dns_desc desc[NDR_DNS_ENGINES][NDR_POOL_BUFS];
	bool     hb_wait;           /* a heartbeat waits for older messages */
	uint32_t hb_until;          /* ... until the retire order reaches this */
	struct ndr_stats_dns hb;      /* its counts */
	bool     flush_wait;        /* a flush marker waits for the engines */
	bool     held_valid;        /* a chunk read, waiting for stats room */
	struct ndr_dns_chunk held;
	/* counters */
	uint64_t messages, errors, dropped, link_dropped, walked, walk_clocks;
	uint64_t busy, stalled;
};

void ndr_dns_capture_init(struct ndr_dns_capture *s);
void ndr_stage_dns_capture(struct ndr_dns_capture *s, struct ndr_cap_beat_s *beats,
			   struct ndr_cap_meta_s *meta, struct ndr_dns_chunk_s *out);
void ndr_dns_engines_init(struct ndr_dns_engines *s);
void ndr_stage_dns_engines(struct ndr_dns_engines *s, struct ndr_dns_chunk_s *in,
			   struct ndr_rec6_s *out, struct ndr_stats_dns_s *stats);
bool ndr_dns_engines_idle(const struct ndr_dns_engines *s);

#endif
