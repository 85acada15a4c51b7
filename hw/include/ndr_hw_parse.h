/*
 * ndr_hw_parse.h - the parser (parser.c, parser_stage.c): Ethernet, VLAN,
 * IPv4/IPv6 and L4 headers of a frame's first NDR_HDR_WINDOW bytes
 * (docs/dataplane.md "Parser").
 */
#ifndef NDR_HW_PARSE_H
#define NDR_HW_PARSE_H

enum ndr_pkt_kind {
	NDR_PKT_NONE = 0,       /* not parsed yet */
	NDR_PKT_IP,             /* IPv4/IPv6 that parsed */
	NDR_PKT_NON_IP,
	NDR_PKT_ERROR,          /* malformed or truncated: counted, ignored */
};

/* What the parser tells the later stages about one packet. */
struct ndr_pkt_meta {
	uint8_t  kind;          /* enum ndr_pkt_kind */
	bool     ipv6;
	bool     frag;          /* IPv4 MF/offset, or an IPv6 fragment header */
	uint8_t  proto;         /* L4 protocol */
	uint8_t  src_addr[16];  /* network order, IPv4 as ::ffff:a.b.c.d */
	uint8_t  dst_addr[16];
	uint16_t src_port;      /* 0 for fragments and port-less protocols */
	uint16_t dst_port;
	uint8_t  tcp_flags;
	uint8_t  icmp_type;     /* ICMP/ICMPv6, not for fragments */
	uint8_t  icmp_code;
	uint8_t  ttl;           /* IPv4 TTL / IPv6 hop limit */
	uint16_t vlan_outer;
	uint16_t vlan_inner;
	uint16_t udp_len;       /* UDP length field */
	uint32_t ip_len;        /* IPv4 total length, IPv6 payload length + 40 */
	uint32_t l4_off;        /* frame offset of the L4 header */
	uint32_t payload_off;   /* frame offset of the L4 payload */
	uint32_t payload_len;   /* L4 payload length from the headers */
};

/* Parse a header window of n captured bytes (n <= NDR_HDR_WINDOW). A fixed
 * chain of extractions: a new frame can enter it every clock. */
void ndr_parse_headers(const uint8_t *win, uint32_t n, struct ndr_pkt_meta *m);

/* True when the packet's UDP DNS message gives a DNS record: the rule of
 * docs/dataplane.md "DNS extractor" (>= 12 visible bytes), for a frame of
 * caplen captured bytes. The flow table uses it for one-packet DNS flows
 * (docs/dataplane.md "Compact records"). */
bool ndr_udp_dns_record(const struct ndr_pkt_meta *m, uint32_t caplen);

/* ---- the parser stage (parser_stage.c) ----
 *
 * Takes one beat (or marker) per clock from rx. Holds a frame's first four
 * beats as its header window, parses it when the window is full or the
 * frame ends, and sends:
 *   - to each capture stage (DNS, TLS): one ndr_cap_meta per frame, and
 *     every beat and marker through a four-clock delay line, so the meta
 *     is there before the frame's first beat (no clock is lost waiting);
 *   - to the hash stage: one ndr_parsed per frame (at its last beat, when
 *     its length is known) or marker;
 *   - to the record stage: its counters when a heartbeat is due.
 * The heartbeat is due when card time (the largest frame or marker time
 * so far) reaches the next boundary: the frame or marker that crosses it
 * carries NDR_CAP_HB downstream, and each stage sends its counters when it
 * sees that flag, so the heartbeat counts everything before that frame.
 */
#define NDR_PARSE_DELAY NDR_HDR_BEATS

/* struct ndr_cap_beat.flags and struct ndr_parsed.flags */
#define NDR_CAP_FIRST  0x01u   /* first beat of a frame */
#define NDR_CAP_LAST   0x02u   /* last beat of a frame */
#define NDR_CAP_ABORT  0x04u   /* the frame was cut by rx: void */
#define NDR_CAP_HB     0x08u   /* a heartbeat is due before this frame */
#define NDR_CAP_MARK   0x10u   /* no frame: a marker (tick or flush) */
#define NDR_CAP_FLUSH  0x20u   /* the marker is a flush */

struct ndr_cap_beat {
	uint8_t  data[NDR_BEAT_BYTES];
	uint16_t off;           /* frame offset of data[0] */
	uint8_t  len;
	uint8_t  flags;         /* NDR_CAP_* */
	uint64_t ts;            /* marker: its time */
};

struct ndr_cap_meta {
	struct ndr_pkt_meta m;
	uint64_t ts;
};

enum ndr_parsed_kind {
	NDR_PARSED_PKT = 1,     /* an IP packet for the flow table */
	NDR_PARSED_TIME,        /* any other frame: card time only */
	NDR_PARSED_TICK,
	NDR_PARSED_FLUSH,
};

struct ndr_parsed {
	uint8_t  kind;          /* enum ndr_parsed_kind */
	uint8_t  flags;         /* NDR_CAP_HB */
	bool     dns;           /* ndr_udp_dns_record() */
	uint64_t ts;
	struct ndr_pkt_meta m;
};

/* The parser's counters as the heartbeat needs them (rx's included). */
struct ndr_stats_parse {
	uint64_t ts;            /* the heartbeat's time */
	bool     final;         /* after a flush */
	uint64_t packets;
	uint64_t bytes;
	uint64_t rx_overrun;
	uint64_t parse_errors;
	uint64_t non_ip;
};

NDR_STREAM(ndr_beat_s, struct ndr_beat, 128)
NDR_STREAM(ndr_cap_beat_s, struct ndr_cap_beat, 8)
NDR_STREAM(ndr_cap_meta_s, struct ndr_cap_meta, NDR_PARSE_DELAY + 1u)   /* > frames in the delay line */
NDR_STREAM(ndr_parsed_s, struct ndr_parsed, 8)
NDR_STREAM(ndr_stats_parse_s, struct ndr_stats_parse, 2)

struct ndr_parser_stage {
	/* delay line toward the captures (slot 0 is the newest) */
	struct ndr_cap_beat delay[NDR_PARSE_DELAY];
	bool     delay_valid[NDR_PARSE_DELAY];
	/* the frame being received */
	bool     in_frame;
	bool     parsed;
	uint8_t  frame_flags;   /* NDR_CAP_HB for this frame */
	uint32_t off;
	uint64_t ts;
	uint8_t  win[NDR_HDR_WINDOW];
	uint32_t win_len;
	struct ndr_pkt_meta meta;
	/* heartbeat schedule, in card time */
	uint64_t hb_ns;
	uint64_t hb_next;
	bool     seen_any;
	uint64_t now;           /* card time */
	/* counters */
	uint64_t rx_frames, rx_bytes, rx_overrun;   /* as rx last sampled them */
	uint64_t parse_errors;
	uint64_t non_ip;
	/* performance (read by the clocked simulation's report) */
	uint64_t busy, stalled;
};

void ndr_parser_stage_init(struct ndr_parser_stage *s, const struct ndr_top_cfg *cfg);
void ndr_stage_parser(struct ndr_parser_stage *s, struct ndr_beat_s *in,
		      struct ndr_cap_beat_s *dns_beats, struct ndr_cap_meta_s *dns_meta,
		      struct ndr_cap_beat_s *tls_beats, struct ndr_cap_meta_s *tls_meta,
		      struct ndr_parsed_s *out, struct ndr_stats_parse_s *stats);

/* No frame in progress and the delay line empty. */
bool ndr_parser_stage_idle(const struct ndr_parser_stage *s);

/* The heartbeat schedule both paths share: true when card time now (after
 * this frame or marker) makes a heartbeat due; moves the boundary on. The
 * first frame only sets the first boundary. */
bool ndr_hb_due(uint64_t hb_ns, uint64_t *hb_next, bool *seen_any, uint64_t now);

#endif
