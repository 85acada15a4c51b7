/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * ndr_abi.h - the record, ring and register ABI between the card and the host.
 *
 * This is the single source of truth. It is included by the HLS kernels
 * (hw/), the kernel module (kernel-module/), libndr (host/) and the emulated
 * card (sim/). Every size and offset is pinned by a static assert below, so a
 * change that moves a field breaks the build of all four at once.
 *
 * Byte order: all multi-byte fields are little-endian (the host and the card's
 * PCIe DMA engine are both little-endian). Network-order values from packets
 * (ports, addresses) are converted: ports are host integers; addresses are
 * stored as 16 bytes in network byte order, IPv4 as IPv4-mapped IPv6
 * (::ffff:a.b.c.d).
 *
 * Bump NDR_ABI_VERSION on any incompatible change.
 */
#ifndef NDR_ABI_H
#define NDR_ABI_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#endif

#define NDR_ABI_VERSION 2u

#ifdef __cplusplus
#define NDR_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define NDR_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif

/* ------------------------------------------------------------------------
 * Slots and the ring
 *
 * A slot is 64 bytes: one 512-bit AXI beat and one cache line. A record is
 * 1..NDR_REC_MAX_SLOTS consecutive slots; its first slot begins with
 * struct ndr_rec_hdr.
 *
 *   host memory (dma_alloc_coherent, 2^n slots)          card
 *   +--------+--------+--------+--------+-----+--------+
 *   | slot 0 | slot 1 | slot 2 | slot 3 | ... | slot N |  <- record writer
 *   +--------+--------+--------+--------+-----+--------+
 *        ^ cons & mask          ^ prod & mask
 *
 *   struct ndr_ring_ctrl (one page):  prod   written back by the card
 *                                     cons   written by the host
 *
 * prod and cons are free-running 32-bit slot indices; (prod - cons) is the
 * number of slots holding records not yet consumed, never more than the ring
 * size. The card writes all slots of a record before it writes back a prod
 * that covers them, so slots in [cons, prod) are always complete records: the
 * host never needs an MMIO read per record. The host writes cons back once
 * per batch, not once per record.
 *
 * A record never wraps: when the next record does not fit before the end of
 * the ring, the writer first fills the rest of the ring with one
 * NDR_REC_PAD record. Readers can therefore hand out records in place.
 *
 * Phase bit: the first slot of every record carries NDR_REC_F_PHASE equal to
 * ndr_ring_phase(index, log2 size), which flips on every lap. A reader that
 * finds the wrong phase at an index below prod has found a card bug, and says
 * so, rather than decoding a stale record.
 *
 * When the ring is full the card drops the record, counts it, and as soon as
 * there is room again writes an NDR_REC_DROP notice saying how many were lost
 * and why, before any newer record.
 * ------------------------------------------------------------------------ */

#define NDR_SLOT_BYTES          64u
#define NDR_REC_MAX_SLOTS       8u
#define NDR_RING_MIN_LOG2       6u   /* 64 slots */
#define NDR_RING_MAX_LOG2       24u  /* 16 Mi slots = 1 GiB */

static inline uint32_t ndr_ring_phase(uint32_t index, uint32_t log2_slots)
{
	return ((index >> log2_slots) & 1u) ^ 1u;
}

struct ndr_ring_ctrl {
	uint32_t prod;           /* written by the card only */
	uint32_t prod_pad[15];   /* own cache line: no false sharing */
	uint32_t cons;           /* written by the host only */
	uint32_t cons_pad[15];
	uint32_t log2_slots;     /* ring size, set once by the owner */
	uint32_t abi_version;    /* NDR_ABI_VERSION of the writer */
	uint32_t state;          /* NDR_RING_STATE_* */
	uint32_t reserved[13];
};

#define NDR_RING_STATE_STOPPED  0u
#define NDR_RING_STATE_RUNNING  1u
#define NDR_RING_STATE_DONE     2u   /* producer finished (end of capture) */

/* ------------------------------------------------------------------------
 * Records
 * ------------------------------------------------------------------------ */

enum ndr_rec_type {
	NDR_REC_EMPTY     = 0,  /* never written by the card */
	NDR_REC_FLOW      = 1,  /* flow end or periodic update: 3 slots */
	NDR_REC_DNS       = 2,  /* DNS query or response: 2 + name slots */
	NDR_REC_DROP      = 3,  /* drop notice: 1 slot */
	NDR_REC_HEARTBEAT = 4,  /* card counters: 3 slots */
	NDR_REC_PAD       = 5,  /* filler up to the end of the ring */
	NDR_REC_TLS       = 6,  /* TLS ClientHello: 3 slots */
	NDR_REC_FLOW_SHORT = 7, /* IPv4 flow of 1 or 2 packets: 1 slot */
	NDR_REC_DNS_SHORT = 8,  /* short IPv4 DNS query: 1 slot */
	NDR_REC_TYPE_MAX
};

/* struct ndr_rec_hdr.flags */
#define NDR_REC_F_PHASE   0x01u  /* ring lap parity, see above */
#define NDR_REC_F_IPV6    0x02u  /* addresses are IPv6 (else IPv4-mapped) */

/* 16 bytes, at the start of the first slot of every record. */
struct ndr_rec_hdr {
	uint8_t  type;        /* enum ndr_rec_type */
	uint8_t  slots;       /* record length in slots, 1..NDR_REC_MAX_SLOTS */
	uint8_t  version;     /* NDR_ABI_VERSION */
	uint8_t  flags;       /* NDR_REC_F_* */
	uint32_t seq;         /* record sequence number, +1 per record, also
	                         for records the card dropped for lack of room
	                         (pads take none): a gap that no drop notice
	                         explains is a loss nobody counted */
	uint64_t ts_ns;       /* event time, ns since the Unix epoch: the packet
	                         time for DNS, the time the flow record was cut */
};

/* -------- flow record (NDR_REC_FLOW, 3 slots, 192 bytes) ----------------
 *
 * Direction: "fwd" is the direction of the first packet the card saw of the
 * flow (src -> dst below); "rev" is the other.
 */

enum ndr_flow_end {
	NDR_FLOW_END_IDLE     = 1,  /* no packet for idle_timeout */
	NDR_FLOW_END_ACTIVE   = 2,  /* periodic update of a long flow; the flow
	                               goes on and counters restart from zero */
	NDR_FLOW_END_FIN      = 3,  /* FIN seen both ways, then close_timeout */
	NDR_FLOW_END_RST      = 4,  /* RST seen, then close_timeout */
	NDR_FLOW_END_EVICT    = 5,  /* pushed out by a new flow (table full) */
	NDR_FLOW_END_FLUSH    = 6,  /* end of capture or card stop */
};

/* struct ndr_flow_rec.tcp_state: handshake outcome */
#define NDR_TCP_SYN         0x01u  /* SYN (without ACK) seen fwd */
#define NDR_TCP_SYNACK      0x02u  /* SYN+ACK seen rev */
#define NDR_TCP_ESTABLISHED 0x04u  /* ACK fwd after SYN+ACK */
#define NDR_TCP_RST_FWD     0x08u
#define NDR_TCP_RST_REV     0x10u
#define NDR_TCP_FIN_FWD     0x20u
#define NDR_TCP_FIN_REV     0x40u
#define NDR_TCP_MIDSTREAM   0x80u  /* first packet was not a SYN */

/* Packet-size histogram bins, by IP total length (bytes):
 * [0]<=64 [1]<=128 [2]<=256 [3]<=512 [4]<=768 [5]<=1024 [6]<=1500 [7]>1500.
 * Counts saturate at 0xffff. */
#define NDR_HIST_BINS 8u

struct ndr_flow_rec {
	/* slot 0 */
	struct ndr_rec_hdr hdr;
	uint8_t  src_addr[16];     /* initiator */
	uint8_t  dst_addr[16];     /* responder */
	uint16_t src_port;         /* 0 for protocols without ports */
	uint16_t dst_port;         /* ICMP: type << 8 | code of first packet */
	uint8_t  ip_proto;
	uint8_t  end_reason;       /* enum ndr_flow_end */
	uint8_t  tcp_flags_fwd;    /* OR of TCP flags, fwd direction */
	uint8_t  tcp_flags_rev;
	uint16_t vlan_outer;       /* VLAN id, 0 if untagged */
	uint16_t vlan_inner;       /* QinQ inner id, 0 if none */
	uint8_t  tcp_state;        /* NDR_TCP_* */
	uint8_t  frag_seen;        /* count of fragments, saturating */
	uint16_t reserved0;
	/* slot 1 */
	uint64_t pkts_fwd;
	uint64_t pkts_rev;
	uint64_t bytes_fwd;        /* IP bytes (IP total length) */
	uint64_t bytes_rev;
	uint64_t first_ts_ns;      /* first packet of this record's period */
	uint64_t last_ts_ns;       /* last packet */
	uint32_t flow_hash;        /* symmetric 5-tuple hash (same value for
	                              both directions) */
	uint32_t dir_changes;      /* times the sending side switched */
	uint32_t iat_min_us;       /* inter-arrival time between consecutive
	                              packets (any direction), microseconds,
	                              0xffffffff if fewer than two packets */
	uint32_t iat_max_us;
	/* slot 2 */
	uint16_t hist_fwd[NDR_HIST_BINS];
	uint16_t hist_rev[NDR_HIST_BINS];
	uint64_t iat_sum_us;       /* sum of inter-arrival times, us; mean is
	                              iat_sum_us / (pkts_fwd + pkts_rev - 1) */
	uint64_t iat_sumsq_us;     /* sum of squared iat, us^2, saturating */
	uint64_t payload_bytes_fwd;/* L4 payload bytes */
	uint64_t payload_bytes_rev;
};

/* -------- compact flow record (NDR_REC_FLOW_SHORT, 1 slot) --------------
 *
 * Why: a flood of one-packet flows (SYN floods, scans, random-port UDP) at
 * 64-byte line rate is 148.8 M flows/s; three slots each would be 28.6 GB/s,
 * beyond the host link (docs/microarchitecture.md "Record bandwidth"). The
 * card writes this record instead of NDR_REC_FLOW exactly when the flow is
 * IPv4, has no inner VLAN tag, the record's period holds 1 or 2 packets and
 * its last packet is no earlier than its first and within 2^32 ns of it.
 * It carries everything the full record would: libndr expands it
 * (ndr_flow_expand) into the struct ndr_flow_rec the card would otherwise
 * have written, field for field (docs/dataplane.md "Compact records").
 */
#define NDR_FLOW_SHORT_MAX_PKTS 2u

struct ndr_flow_short_rec {
	struct ndr_rec_hdr hdr;
	uint8_t  src_addr4[4];     /* initiator, network order */
	uint8_t  dst_addr4[4];
	uint16_t src_port;
	uint16_t dst_port;
	uint8_t  ip_proto;
	uint8_t  end_reason;       /* enum ndr_flow_end */
	uint8_t  tcp_flags_fwd;
	uint8_t  tcp_flags_rev;
	uint16_t vlan_outer;
	uint8_t  tcp_state;
	uint8_t  frag_seen;
	uint8_t  pkts;             /* 1 or 2 */
	uint8_t  rev;              /* bit i: packet i+1 went rev */
	uint16_t ip_len[2];        /* IP length of each packet (0 if absent) */
	uint16_t payload_len[2];   /* L4 payload length of each packet */
	uint16_t reserved0;
	uint64_t first_ts_ns;
	uint32_t last_delta_ns;    /* last_ts_ns - first_ts_ns */
	uint32_t flow_hash;
};

/* -------- DNS record (NDR_REC_DNS, 2..6 slots) --------------------------
 *
 * One record per DNS message on UDP or TCP port 53 (either port). For TCP,
 * only a message that starts in a segment's payload (after the 2-byte length)
 * is parsed; data in the same segment beyond the first message is ignored.
 *
 * Name features are computed over the question's QNAME (first question only).
 * The name is stored lower-cased in dotted form without the trailing dot
 * ("www.example.com"; "" for the root), NUL-padded, in the slots that follow
 * slot 1: slots = 2 + ceil((qname_len + 1) / 64).
 *
 * Entropy values are Shannon entropy in bits per character, unsigned fixed
 * point with NDR_ENTROPY_FRAC_BITS fractional bits, computed exactly as
 * docs/dataplane.md "Fixed-point entropy" specifies (integer log2 table), so the
 * kernels and the golden model agree bit for bit.
 */

#define NDR_ENTROPY_FRAC_BITS 12u
#define NDR_DNS_NAME_MAX      253u  /* dotted text, without trailing dot */

/* struct ndr_dns_rec.dns_flags: the DNS header flags word as on the wire
 * (QR 0x8000, opcode 0x7800, AA 0x0400, TC 0x0200, RD 0x0100, RA 0x0080,
 * rcode 0x000f). */

/* struct ndr_dns_rec.parse_flags: what went wrong, if anything */
#define NDR_DNS_P_TRUNCATED   0x0001u /* message shorter than it says */
#define NDR_DNS_P_PTR_LOOP    0x0002u /* compression pointer loop or
                                          forward/out-of-bounds pointer */
#define NDR_DNS_P_LABEL_LONG  0x0004u /* label > 63 or name > 255 on wire */
#define NDR_DNS_P_NO_QUESTION 0x0008u /* qdcount == 0 */
#define NDR_DNS_P_BAD_LABEL   0x0010u /* reserved label type (0x40/0x80) */
#define NDR_DNS_P_ANSWERS_CUT 0x0020u /* stopped walking answers (bound hit
                                          or malformed RR) */
#define NDR_DNS_P_TCP         0x0040u /* carried over TCP */
#define NDR_DNS_P_NAME_CUT    0x0080u /* qname text longer than
                                          NDR_DNS_NAME_MAX, stored cut */

struct ndr_dns_rec {
	/* slot 0 */
	struct ndr_rec_hdr hdr;
	uint8_t  src_addr[16];
	uint8_t  dst_addr[16];
	uint16_t src_port;
	uint16_t dst_port;
	uint16_t txid;
	uint16_t dns_flags;        /* see above */
	uint16_t qdcount;
	uint16_t ancount;
	uint16_t nscount;
	uint16_t arcount;
	/* slot 1 */
	uint16_t qtype;
	uint16_t qclass;
	uint16_t msg_len;          /* DNS message length (UDP payload, or TCP
	                              length prefix) */
	uint16_t parse_flags;      /* NDR_DNS_P_* */
	uint8_t  qname_len;        /* length of the dotted text stored below */
	uint8_t  label_count;
	uint8_t  longest_label;    /* bytes */
	uint8_t  ip_proto;         /* 17 UDP, 6 TCP */
	uint16_t qname_entropy;    /* all label characters, dots excluded */
	uint16_t label_entropy;    /* the longest label (first if tied) */
	uint8_t  n_lower;          /* character classes over the labels */
	uint8_t  n_upper;          /* counted before lower-casing */
	uint8_t  n_digit;
	uint8_t  n_hyphen;
	uint8_t  n_other;          /* anything else, including '_' */
	uint8_t  ip_ttl;           /* IPv4 TTL / IPv6 hop limit */
	uint16_t vlan_outer;
	uint16_t an_a;             /* answers of type A */
	uint16_t an_aaaa;          /* answers of type AAAA */
	uint16_t an_txt;           /* answers of type TXT */
	uint16_t an_other;         /* answers of any other type */
	uint16_t first_an_type;    /* type of the first answer, 0 if none */
	uint16_t txt_len;          /* total RDATA bytes of TXT/NULL answers,
	                              saturating at 0xffff */
	uint16_t txt_entropy;      /* entropy of those RDATA bytes, fixed point,
	                              over the first NDR_TXT_ENTROPY_MAX bytes */
	uint16_t reserved0;
	uint32_t min_ttl;          /* smallest answer TTL, 0xffffffff if none */
	uint32_t reserved1;
	uint64_t reserved2;
	uint64_t reserved3;
	/* slots 2.. */
	char     qname[];          /* qname_len bytes, then NUL padding */
};

#define NDR_TXT_ENTROPY_MAX 1024u
#define NDR_DNS_MSG_MAX     4096u   /* DNS message bytes the card examines */
#define NDR_MAX_FRAME       9216u   /* largest frame the card accepts */
#define NDR_HDR_WINDOW      256u    /* headers must end within this */
#define NDR_DNS_MAX_ANSWERS 32u    /* RRs walked in the answer section */

static inline uint32_t ndr_dns_rec_slots(uint32_t qname_len)
{
	return 2u + (qname_len + 1u + NDR_SLOT_BYTES - 1u) / NDR_SLOT_BYTES;
}

/* -------- compact DNS query record (NDR_REC_DNS_SHORT, 1 slot) ----------
 *
 * Why: a flood of minimum-size DNS queries at line rate is 148.8 M
 * messages/s, three slots each would be 28.6 GB/s. The card writes this
 * record instead of NDR_REC_DNS exactly when the message came over UDP and
 * IPv4 with no parse flag, qdcount = 1, ancount = nscount = 0, arcount <= 1,
 * qclass = 1 and a name of at most NDR_DNS_SHORT_NAME bytes. The fields it
 * leaves out are implied by those conditions (answers none, min_ttl
 * 0xffffffff, ip_proto 17); libndr expands it (ndr_dns_expand) into the
 * struct ndr_dns_rec and name the card would otherwise have written.
 */
#define NDR_DNS_SHORT_NAME 12u

struct ndr_dns_short_rec {
	struct ndr_rec_hdr hdr;
	uint8_t  src_addr4[4];
	uint8_t  dst_addr4[4];
	uint16_t src_port;
	uint16_t dst_port;
	uint16_t txid;
	uint16_t dns_flags;
	uint16_t qtype;
	uint16_t msg_len;
	uint16_t qname_entropy;
	uint16_t label_entropy;
	uint16_t vlan_outer;
	uint8_t  arcount;          /* 0 or 1 */
	uint8_t  qname_len;        /* <= NDR_DNS_SHORT_NAME */
	uint8_t  label_count;
	uint8_t  longest_label;
	uint8_t  n_lower;
	uint8_t  n_upper;
	uint8_t  n_digit;
	uint8_t  n_hyphen;
	uint8_t  n_other;
	uint8_t  ip_ttl;
	char     qname[NDR_DNS_SHORT_NAME];  /* NUL-padded when shorter */
};

/* -------- TLS ClientHello record (NDR_REC_TLS, 3 slots, 192 bytes) ------
 *
 * One record per TCP segment whose payload starts with a TLS handshake
 * record holding a ClientHello (content type 22, major version 3, handshake
 * type 1), on any port. Per segment, without reassembly: only what the
 * segment's first NDR_TLS_VIEW payload bytes show is parsed, a ClientHello
 * split across segments gives NDR_TLS_F_TRUNCATED and whatever its first
 * segment holds, and a retransmitted ClientHello gives a second record.
 * docs/dataplane.md "TLS ClientHello extractor" defines every field.
 *
 * The SNI host name is stored lower-cased (A-Z only), its first
 * NDR_TLS_SNI_MAX bytes in slot 2, NUL-padded; sni_len is its full length
 * on the wire, NDR_TLS_F_SNI_CUT says it was longer than what is stored.
 */

#define NDR_TLS_VIEW      1024u  /* payload bytes of a segment the card sees */
#define NDR_TLS_SNI_MAX   64u    /* SNI bytes stored */
#define NDR_TLS_ALPN_MAX  8u     /* bytes of the first ALPN protocol stored */
#define NDR_TLS_MAX_EXT   32u    /* extensions walked */

/* struct ndr_tls_rec.tls_flags */
#define NDR_TLS_F_SNI       0x0001u /* server_name with a host_name entry */
#define NDR_TLS_F_SNI_CUT   0x0002u /* host name longer than NDR_TLS_SNI_MAX */
#define NDR_TLS_F_TRUNCATED 0x0004u /* ClientHello not whole in the visible
                                        bytes of this segment's record */
#define NDR_TLS_F_MALFORMED 0x0008u /* a length runs past its container */
#define NDR_TLS_F_EXT_CUT   0x0010u /* more than NDR_TLS_MAX_EXT extensions */
#define NDR_TLS_F_ALPN      0x0020u /* ALPN with a first protocol */

struct ndr_tls_rec {
	/* slot 0 */
	struct ndr_rec_hdr hdr;
	uint8_t  src_addr[16];     /* the packet's own (the client) */
	uint8_t  dst_addr[16];
	uint16_t src_port;
	uint16_t dst_port;
	uint16_t vlan_outer;
	uint16_t vlan_inner;
	uint8_t  ip_proto;         /* always 6 */
	uint8_t  ip_ttl;           /* IPv4 TTL / IPv6 hop limit */
	uint16_t tls_flags;        /* NDR_TLS_F_* */
	uint16_t record_version;   /* TLS record layer version (0x0301 ...) */
	uint16_t hello_version;    /* ClientHello legacy_version, 0 if not seen */
	/* slot 1 */
	uint16_t record_len;       /* TLS record length field */
	uint16_t sni_len;          /* host name length on the wire, 0 if none */
	uint32_t hello_len;        /* handshake length field (24 bits) */
	uint16_t n_ciphers;        /* cipher_suites length / 2 */
	uint16_t n_extensions;     /* extension headers read */
	uint8_t  alpn_len;         /* length of the first ALPN protocol */
	uint8_t  reserved0;
	uint16_t payload_len;      /* segment's TCP payload length, saturating */
	uint8_t  alpn[NDR_TLS_ALPN_MAX]; /* its first bytes, NUL-padded */
	uint64_t reserved1[5];
	/* slot 2 */
	char     sni[NDR_TLS_SNI_MAX];   /* NUL-padded when shorter */
};

/* -------- drop notice (NDR_REC_DROP, 1 slot) ----------------------------
 * Explains a gap in seq: records the writer could not put into the ring. */

enum ndr_drop_reason {
	NDR_DROP_RING_FULL   = 1,  /* records lost: host did not consume */
};

struct ndr_drop_rec {
	struct ndr_rec_hdr hdr;
	uint32_t reason;           /* enum ndr_drop_reason */
	uint32_t lost;             /* records lost since the previous notice */
	uint64_t lost_total;       /* since the card started */
	uint64_t first_lost_ts_ns;
	uint64_t last_lost_ts_ns;
	uint8_t  reserved[16];
};

/* -------- heartbeat (NDR_REC_HEARTBEAT, 3 slots) -------------------------
 * Written once per heartbeat interval of card time (packets, and the time
 * ticks of a quiet link), and once more after a flush with the final
 * counts, so an idle link and a dead card can be told apart and every
 * counter reaches the host in-band. Counters are totals since the card
 * started. Every place the card can lose something has its counter here
 * (the *_dropped and rx_overrun fields); the same values are in the stats
 * register block. docs/abi.md "Losses" says where each one happens. */

struct ndr_heartbeat_rec {
	struct ndr_rec_hdr hdr;
	/* input */
	uint64_t packets;          /* frames received, overrun ones included */
	uint64_t bytes;            /* wire bytes of those frames */
	uint64_t parse_errors;     /* malformed or truncated packets */
	uint64_t non_ip;
	uint64_t rx_overrun;       /* frames lost whole or cut: the receive
	                              FIFO was full (the link cannot wait) */
	/* flow table */
	uint64_t flows_active;     /* entries in the flow table now */
	uint64_t flows_created;
	uint64_t flows_evicted;
	uint64_t flows_dns_only;   /* one-packet UDP flows whose DNS record
	                              stands for them: no flow record */
	/* DNS */
	uint64_t dns_messages;     /* packets that carried a message */
	uint64_t dns_errors;       /* no record (< 12 bytes), or parse flags */
	uint64_t dns_dropped;      /* messages lost: every walk engine busy */
	/* TLS */
	uint64_t tls_hellos;       /* ClientHello records made */
	uint64_t tls_dropped;      /* ClientHellos lost: every engine busy */
	/* records: counted by the writer as it writes this heartbeat, this
	 * one included, so records_written + records_dropped = hdr.seq + 1 */
	uint64_t records_written;  /* into the ring, pads excluded */
	uint64_t records_dropped;  /* ring full (drop notices, seq gaps) */
	uint64_t records_link_dropped; /* the record path was full: more
	                                  records than the host link takes */
	uint64_t reserved[5];
};

struct ndr_pad_rec {
	struct ndr_rec_hdr hdr;
	uint8_t  reserved[48];
};

/* ------------------------------------------------------------------------
 * Register space (BAR0)
 *
 * A chain of blocks, each starting with struct ndr_reg_blk_hdr; the first at
 * offset 0. 'next' is the byte offset of the next block, 0 at the end. A
 * driver walks the chain, and refuses the card unless the ID block's magic,
 * abi_version and build_id are what it was built for.
 * All registers are 32-bit; 64-bit values are lo/hi pairs.
 * ------------------------------------------------------------------------ */

#define NDR_REG_MAGIC       0x3052444eu  /* "NDR0" little-endian */

enum ndr_blk_type {
	NDR_BLK_ID    = 0x0001,
	NDR_BLK_RING  = 0x0002,
	NDR_BLK_FLOW  = 0x0003,
	NDR_BLK_STATS = 0x0004,
};

struct ndr_reg_blk_hdr {
	uint32_t type;             /* enum ndr_blk_type */
	uint32_t version;          /* block layout version */
	uint32_t next;             /* offset of the next block, 0 = last */
	uint32_t size;             /* bytes in this block, header included */
};

struct ndr_reg_id {
	struct ndr_reg_blk_hdr hdr;
	uint32_t magic;            /* NDR_REG_MAGIC */
	uint32_t abi_version;      /* NDR_ABI_VERSION */
	uint32_t build_id_lo;      /* identifies the bitstream build */
	uint32_t build_id_hi;
	uint32_t caps;             /* NDR_CAP_* */
	uint32_t clock_khz;        /* data path clock */
	uint32_t reserved[2];
};

#define NDR_CAP_MSIX         0x1u
#define NDR_CAP_PHASE        0x2u
#define NDR_CAP_DNS          0x4u

struct ndr_reg_ring {
	struct ndr_reg_blk_hdr hdr;
	uint32_t base_lo;          /* DMA address of slot 0 */
	uint32_t base_hi;
	uint32_t ctrl_lo;          /* DMA address of struct ndr_ring_ctrl */
	uint32_t ctrl_hi;
	uint32_t log2_slots;
	uint32_t cons;             /* host writes its consumer index here */
	uint32_t prod;             /* read-only mirror of the producer index */
	uint32_t control;          /* NDR_RING_CTL_* */
	uint32_t irq_coalesce_recs;/* raise an interrupt after this many */
	uint32_t irq_coalesce_us;  /* ... or this long after the first */
	uint32_t dropped;          /* records dropped, saturating */
	uint32_t reserved[5];
};

#define NDR_RING_CTL_ENABLE  0x1u
#define NDR_RING_CTL_IRQ_EN  0x2u
#define NDR_RING_CTL_RESET   0x4u  /* self-clearing: prod = cons = 0 */

struct ndr_reg_flow {
	struct ndr_reg_blk_hdr hdr;
	uint32_t hash_seed;
	uint32_t idle_timeout_ms;
	uint32_t active_timeout_ms;
	uint32_t close_timeout_ms;
	uint32_t heartbeat_ms;
	uint32_t log2_buckets;     /* read-only: table geometry */
	uint32_t ways;             /* read-only */
	uint32_t scan_sweep_ms;    /* the expiry scanner visits every bucket
	                              once per this much card time */
	uint32_t reserved[4];
};

/* The heartbeat's counters as registers, lo/hi pairs, the same names. */
struct ndr_reg_stats {
	struct ndr_reg_blk_hdr hdr;
	uint32_t packets_lo, packets_hi;
	uint32_t bytes_lo, bytes_hi;
	uint32_t parse_errors_lo, parse_errors_hi;
	uint32_t non_ip_lo, non_ip_hi;
	uint32_t rx_overrun_lo, rx_overrun_hi;
	uint32_t flows_active_lo, flows_active_hi;
	uint32_t flows_created_lo, flows_created_hi;
	uint32_t flows_evicted_lo, flows_evicted_hi;
	uint32_t flows_dns_only_lo, flows_dns_only_hi;
	uint32_t dns_messages_lo, dns_messages_hi;
	uint32_t dns_errors_lo, dns_errors_hi;
	uint32_t dns_dropped_lo, dns_dropped_hi;
	uint32_t tls_hellos_lo, tls_hellos_hi;
	uint32_t tls_dropped_lo, tls_dropped_hi;
	uint32_t records_lo, records_hi;         /* records_written */
	uint32_t dropped_lo, dropped_hi;         /* records_dropped */
	uint32_t link_dropped_lo, link_dropped_hi;
	uint32_t reserved[2];
};

/* The card's BAR0 layout; a driver must still walk the chain (a newer card
 * may add or move blocks), this is the layout this ABI version produces. */
#define NDR_REG_OFF_ID     0x000u
#define NDR_REG_OFF_RING   0x040u
#define NDR_REG_OFF_FLOW   0x0c0u
#define NDR_REG_OFF_STATS  0x140u
#define NDR_REG_SPACE      0x200u

/* ------------------------------------------------------------------------
 * Layout pins
 * ------------------------------------------------------------------------ */
#define NDR_OFFSETOF(t, m) __builtin_offsetof(t, m)

NDR_STATIC_ASSERT(sizeof(struct ndr_rec_hdr) == 16, "record header is 16 B");
NDR_STATIC_ASSERT(sizeof(struct ndr_ring_ctrl) == 192, "ring ctrl size");
NDR_STATIC_ASSERT(NDR_OFFSETOF(struct ndr_ring_ctrl, cons) == 64, "cons in its own line");
NDR_STATIC_ASSERT(sizeof(struct ndr_flow_rec) == 3 * 64, "flow record is 3 slots");
NDR_STATIC_ASSERT(NDR_OFFSETOF(struct ndr_flow_rec, pkts_fwd) == 64, "flow slot 1");
NDR_STATIC_ASSERT(NDR_OFFSETOF(struct ndr_flow_rec, hist_fwd) == 128, "flow slot 2");
NDR_STATIC_ASSERT(NDR_OFFSETOF(struct ndr_flow_rec, src_port) == 48, "flow ports");
NDR_STATIC_ASSERT(NDR_OFFSETOF(struct ndr_dns_rec, qtype) == 64, "dns slot 1");
NDR_STATIC_ASSERT(NDR_OFFSETOF(struct ndr_dns_rec, qname) == 128, "dns name slot");
NDR_STATIC_ASSERT(sizeof(struct ndr_dns_rec) == 128, "dns fixed part is 2 slots");
NDR_STATIC_ASSERT(NDR_OFFSETOF(struct ndr_dns_rec, txid) == 52, "dns txid");
NDR_STATIC_ASSERT(NDR_OFFSETOF(struct ndr_dns_rec, qname_entropy) == 76, "dns entropy");
NDR_STATIC_ASSERT(NDR_OFFSETOF(struct ndr_dns_rec, min_ttl) == 104, "dns min_ttl");
NDR_STATIC_ASSERT(sizeof(struct ndr_tls_rec) == 3 * 64, "tls record is 3 slots");
NDR_STATIC_ASSERT(NDR_OFFSETOF(struct ndr_tls_rec, src_port) == 48, "tls ports");
NDR_STATIC_ASSERT(NDR_OFFSETOF(struct ndr_tls_rec, record_len) == 64, "tls slot 1");
NDR_STATIC_ASSERT(NDR_OFFSETOF(struct ndr_tls_rec, alpn) == 80, "tls alpn");
NDR_STATIC_ASSERT(NDR_OFFSETOF(struct ndr_tls_rec, sni) == 128, "tls slot 2");
NDR_STATIC_ASSERT(sizeof(struct ndr_drop_rec) == 64, "drop notice is 1 slot");
NDR_STATIC_ASSERT(sizeof(struct ndr_heartbeat_rec) == 3 * 64, "heartbeat is 3 slots");
NDR_STATIC_ASSERT(sizeof(struct ndr_flow_short_rec) == 64, "compact flow record is 1 slot");
NDR_STATIC_ASSERT(NDR_OFFSETOF(struct ndr_flow_short_rec, first_ts_ns) == 48, "short flow ts");
NDR_STATIC_ASSERT(sizeof(struct ndr_dns_short_rec) == 64, "compact DNS record is 1 slot");
NDR_STATIC_ASSERT(NDR_OFFSETOF(struct ndr_dns_short_rec, qname) == 52, "short DNS name");
NDR_STATIC_ASSERT(sizeof(struct ndr_pad_rec) == 64, "pad is 1 slot");
NDR_STATIC_ASSERT(sizeof(struct ndr_reg_blk_hdr) == 16, "block header");
NDR_STATIC_ASSERT(sizeof(struct ndr_reg_id) == 48, "id block");
NDR_STATIC_ASSERT(sizeof(struct ndr_reg_ring) == 80, "ring block");
NDR_STATIC_ASSERT(sizeof(struct ndr_reg_flow) == 64, "flow block");
NDR_STATIC_ASSERT(sizeof(struct ndr_reg_stats) == 160, "stats block");
NDR_STATIC_ASSERT(NDR_REG_OFF_RING >= NDR_REG_OFF_ID + sizeof(struct ndr_reg_id), "id fits");
NDR_STATIC_ASSERT(NDR_REG_OFF_FLOW >= NDR_REG_OFF_RING + sizeof(struct ndr_reg_ring), "ring fits");
NDR_STATIC_ASSERT(NDR_REG_OFF_STATS >= NDR_REG_OFF_FLOW + sizeof(struct ndr_reg_flow), "flow fits");
NDR_STATIC_ASSERT(NDR_REG_SPACE >= NDR_REG_OFF_STATS + sizeof(struct ndr_reg_stats), "stats fits");

#endif /* NDR_ABI_H */
