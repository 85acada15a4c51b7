/*
 * ndr_hw.h - internal interfaces of the hw/ kernels (synthesizable C).
 *
 * The card's data path, stage by stage, as the HLS kernels implement it:
 *
 *   beats -> parser -> hash -> flow table (queue) ------------------\
 *                 \--> dns capture -> message FIFO -> walker engines --> record writer -> ring
 *                 \--> tls capture -> ClientHello walk (end of packet) ----/
 *
 * Every stage takes one beat, packet or message per clock at the CMAC's
 * 322 MHz; docs/microarchitecture.md has the stages, their latencies, the
 * flow table's geometry and forwarding windows, and the cycle accounting.
 *
 * A packet arrives as 64-byte beats (struct ndr_beat) exactly as the CMAC
 * presents it. Every kernel keeps its state in a struct passed by pointer:
 * that struct is what the hardware keeps in registers and BRAM. Large
 * memories (the flow table, the ring) are not part of the state: the caller
 * hands in a pointer, which in hardware is an m_axi port (HBM or host memory).
 *
 * Rules for everything under hw/: stdint.h/stdbool.h only, no libc calls, no
 * allocation, no recursion, no VLAs, no floating point, no function pointers,
 * every loop with a constant bound. docs/dataplane.md defines every value;
 * where it leaves a choice, the choice is written next to the code that makes
 * it, marked "Spec choice:".
 */
#ifndef NDR_HW_H
#define NDR_HW_H

#include <stdbool.h>
#include <stdint.h>

#include "ndr_abi.h"

/* Ring control words are shared with a consumer thread in the emulation; in
 * hardware they are plain m_axi accesses ordered by the AXI protocol. */
#ifdef __SYNTHESIS__
#define NDR_HW_STORE_RELEASE(p, v) (*(p) = (v))
#define NDR_HW_LOAD_ACQUIRE(p)     (*(p))
#define NDR_HW_PREFETCH(p)         ((void)0)
#else
#define NDR_HW_STORE_RELEASE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define NDR_HW_LOAD_ACQUIRE(p)     __atomic_load_n((p), __ATOMIC_ACQUIRE)
/* The emulation's stand-in for a read issued stages ahead of its use, as
 * the hardware pipeline issues the bucket read when the hash is known. */
#define NDR_HW_PREFETCH(p)         __builtin_prefetch((p))
#endif

/* A small helper whose bounds become constants only once it is inlined
 * into its caller (HLS inlines such functions by default). */
#ifdef __SYNTHESIS__
#define NDR_HW_INLINE static inline
#else
#define NDR_HW_INLINE static inline __attribute__((always_inline))
#endif

/* Byte moves of at most NDR_HW_MOVE_MAX bytes. Under synthesis a loop with
 * a constant bound that HLS turns into wide moves; in the emulation the
 * compiler's memcpy/memset, which a byte loop's early exit would keep from
 * being vectorized. */
#define NDR_HW_MOVE_MAX 4096u

#ifdef __SYNTHESIS__
static inline void ndr_hw_copy(uint8_t *dst, const uint8_t *src, uint32_t n)
{
	for (uint32_t i = 0; i < NDR_HW_MOVE_MAX; i++) {
		if (i >= n)
			break;
		dst[i] = src[i];
	}
}

static inline void ndr_hw_zero(uint8_t *dst, uint32_t n)
{
	for (uint32_t i = 0; i < NDR_HW_MOVE_MAX; i++) {
		if (i >= n)
			break;
		dst[i] = 0;
	}
}

/* <0, 0, >0 as the first differing byte of a and b (n <= 64). */
static inline int ndr_hw_compare(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	for (uint32_t i = 0; i < 64u; i++) {
		if (i >= n)
			break;
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	}
	return 0;
}

/* a[0..n) == b[0..n) (n <= 64): all bytes compared at once, no early exit. */
static inline bool ndr_hw_equal(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	uint8_t diff = 0;
	for (uint32_t i = 0; i < 64u; i++) {
		if (i < n)
			diff |= (uint8_t)(a[i] ^ b[i]);
	}
	return diff == 0u;
}
#else
static inline void ndr_hw_copy(uint8_t *dst, const uint8_t *src, uint32_t n)
{
	__builtin_memcpy(dst, src, n);
}

static inline void ndr_hw_zero(uint8_t *dst, uint32_t n)
{
	__builtin_memset(dst, 0, n);
}

static inline int ndr_hw_compare(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	/* An address (16 bytes) as two big-endian words: the compiler makes
	 * an ordering memcmp a libc call even at a constant size. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (__builtin_constant_p(n) && n == 16u) {
		uint64_t x[2], y[2];
		__builtin_memcpy(x, a, 16);
		__builtin_memcpy(y, b, 16);
		for (uint32_t i = 0; i < 2u; i++) {
			uint64_t u = __builtin_bswap64(x[i]), v = __builtin_bswap64(y[i]);
			if (u != v)
				return u < v ? -1 : 1;
		}
		return 0;
	}
#endif
	return __builtin_memcmp(a, b, n);
}

/* With a constant n the compiler turns this into a few vector compares. */
static inline bool ndr_hw_equal(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	return __builtin_memcmp(a, b, n) == 0;
}
#endif

/* Network-order reads and the small helpers every kernel uses. */
static inline uint16_t ndr_hw_be16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t ndr_hw_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t ndr_hw_min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

#define NDR_BEAT_BYTES   64u
#define NDR_FLOW_WAYS    4u
#define NDR_FLOW_KEY_LEN 44u
#define NDR_MAX_BEATS    ((NDR_MAX_FRAME + NDR_BEAT_BYTES - 1u) / NDR_BEAT_BYTES)
#define NDR_HDR_BEATS    (NDR_HDR_WINDOW / NDR_BEAT_BYTES)

/* One 512-bit AXI4-Stream beat: TDATA, the TKEEP byte count, TLAST, and the
 * rx adapter's side band on the first beat of a frame. */
struct ndr_beat {
	uint8_t  data[NDR_BEAT_BYTES];
	uint32_t len;           /* valid bytes, 0..64 (0 only for an empty frame) */
	bool     last;          /* TLAST */
	uint64_t ts_ns;         /* first beat: arrival time, ns since the epoch */
	uint32_t wire_len;      /* first beat: frame length on the wire */
};

/* ------------------------------------------------------------------------
 * Log2 table and fixed-point entropy (entropy.c, log2_table.c)
 * ------------------------------------------------------------------------ */

#define NDR_LOG2_TABLE_MAX 1024u

/* ndr_log2_q16[x] = round(log2(x) * 2^16), [0] = 0; hw/tools/gen_log2_table.py */
extern const uint32_t ndr_log2_q16[NDR_LOG2_TABLE_MAX + 1u];

/* A byte histogram with the list of bins it touched, so that neither the
 * entropy (a sum over the touched bins) nor the reset needs a pass over all
 * 256 bins: in hardware, lane histograms with valid bits, summed over the
 * touched bins at the end. n stops at NDR_LOG2_TABLE_MAX: further bytes are
 * ignored. */
struct ndr_entropy_acc {
	uint16_t hist[256];
	uint8_t  touched[256];
	uint32_t ntouched;
	uint32_t n;
};

/* Every bin to zero (for an accumulator of unknown contents). */
void ndr_entropy_clear(struct ndr_entropy_acc *acc);
/* The touched bins to zero (for an accumulator cleared before). */
void ndr_entropy_reset(struct ndr_entropy_acc *acc);
/* For a caller that knows n is below NDR_LOG2_TABLE_MAX. */
static inline void ndr_entropy_add_below_max(struct ndr_entropy_acc *acc, uint8_t byte)
{
	if (acc->hist[byte]++ == 0u)
		acc->touched[acc->ntouched++] = byte;
	acc->n++;
}

static inline void ndr_entropy_add(struct ndr_entropy_acc *acc, uint8_t byte)
{
	if (acc->n >= NDR_LOG2_TABLE_MAX)
		return;
	ndr_entropy_add_below_max(acc, byte);
}
/* Shannon entropy in bits per byte, Q4.12 (docs/dataplane.md). */
uint16_t ndr_entropy_q12(const struct ndr_entropy_acc *acc);
/* The same value straight from a histogram of n bytes (n <= 1024). */
uint16_t ndr_entropy_hist_q12(const uint16_t hist[256], uint32_t n);

/* ------------------------------------------------------------------------
 * Parser (parser.c)
 * ------------------------------------------------------------------------ */

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

/* The parser holds the header window (the first NDR_HDR_WINDOW bytes, four
 * beats) and parses it once, when the window is full or the frame ends. */
struct ndr_parser {
	uint8_t  win[NDR_HDR_WINDOW];
	uint32_t win_len;       /* bytes of the frame in win */
	uint32_t frame_len;     /* bytes of the frame seen so far */
	bool     done;          /* meta is final for this frame */
	struct ndr_pkt_meta meta;
};

void ndr_parser_start(struct ndr_parser *p);
/* Feed one beat of len valid bytes (TLAST = last); true on the beat that
 * completes the parse (once a frame). */
bool ndr_parser_beat(struct ndr_parser *p, const uint8_t *data, uint32_t len, bool last);
/* Parse a complete header window (win_len bytes captured; exposed for tests). */
void ndr_parse_headers(const uint8_t *win, uint32_t win_len, struct ndr_pkt_meta *m);

/* ------------------------------------------------------------------------
 * Record writer (record_writer.c)
 * ------------------------------------------------------------------------ */

struct ndr_rw {
	uint8_t  *slots;                /* ring base: 2^log2_slots slots */
	struct ndr_ring_ctrl *ctrl;
	uint32_t log2_slots;
	uint32_t mask;
	uint32_t prod;                  /* next slot to write */
	uint32_t published;             /* last prod written back */
	uint32_t cons;                  /* last cons read from ctrl */
	uint32_t seq;                   /* next record sequence number */
	/* drops not yet reported in a notice */
	uint32_t lost;
	uint64_t lost_total;
	uint64_t first_lost_ts;
	uint64_t last_lost_ts;
	/* counters */
	uint64_t records_written;       /* pads excluded */
	uint64_t by_type[NDR_REC_TYPE_MAX];  /* pads included at NDR_REC_PAD */
	uint64_t records_dropped;
	uint64_t slots_written;         /* pads included */
};

void ndr_rw_init(struct ndr_rw *w, uint8_t *slots, struct ndr_ring_ctrl *ctrl,
		 uint32_t log2_slots);
/* Write one record: head_len bytes of head (which begins with a struct
 * ndr_rec_hdr giving type, slots and ts), then tail_len bytes of tail, then
 * zeros to the end of its last slot. The writer sets seq and the phase bit,
 * writes a PAD first when the record would wrap, writes a pending drop notice
 * first when there is room for it, and drops (and counts) the record when
 * the ring has no room. True when the record reached the ring. */
bool ndr_rw_write(struct ndr_rw *w, const uint8_t *head, uint32_t head_len,
		  const uint8_t *tail, uint32_t tail_len);
/* Write the pending drop notice, if any, when there is room. */
void ndr_rw_notice(struct ndr_rw *w, uint64_t now_ns);
/* Write prod back to the ring control page (after the slots it covers). */
void ndr_rw_publish(struct ndr_rw *w);

/* ------------------------------------------------------------------------
 * Flow hash and flow table (flow_hash.c, flow_table.c)
 * ------------------------------------------------------------------------ */

uint32_t ndr_murmur3_32(const uint8_t *key, uint32_t len, uint32_t seed);
/* MurmurHash3_x86_32 of one key under two seeds at once (one pass over the
 * key, two accumulators): the flow hash and the signature. */
void ndr_murmur3_32x2(const uint8_t *key, uint32_t len, uint32_t seed_a, uint32_t seed_b,
		      uint32_t *hash_a, uint32_t *hash_b);

/* Canonical 44-byte key of a packet (docs/dataplane.md "Flow hash"); returns
 * true when the packet's source is the key's lower endpoint. */
bool ndr_flow_key(const struct ndr_pkt_meta *m, uint8_t key[NDR_FLOW_KEY_LEN]);

/* Table geometry. A bucket is one 64-byte header line (the "tag" memory:
 * signatures, valid/closed bits, last-seen times of its 4 ways) plus 4 flow
 * entries (the "state" memory) that are read only when a signature matches,
 * a victim is evicted or the scanner retires an expired way. Hardware: the
 * header lines in URAM banked by the low bucket bits, the per-bucket
 * deadline word in its own URAM (the scanner's read port), the entries in
 * HBM. docs/microarchitecture.md has the reasoning and the numbers. */
#define NDR_FLOW_HW_LOG2_BUCKETS 18u    /* hardware default: 2^20 entries */
#define NDR_FLOW_BANKS           4u     /* header-line banks, bucket & 3 */
/* Forwarding windows: writes still in flight to memory, newest first. The
 * line window covers the header URAM's read-to-write latency (<= 8 clocks).
 * The entry window must cover the entry memory's round trip in packets: in
 * hardware with HBM entries that is ~128; the emulation's memory has no
 * latency but the window's, so any depth gives the same records and 16
 * keeps the search cheap (docs/microarchitecture.md). */
#define NDR_FLOW_LINE_FWD        8u
#define NDR_FLOW_ENTRY_FWD       16u

#define NDR_FLOW_S_VALID  0x01u
#define NDR_FLOW_S_CLOSED 0x02u        /* RST seen, or FIN both ways */

/* One bucket's header line: exactly 64 bytes, one URAM/HBM word, one cache
 * line in the emulation. */
/* A way's signature is a second hash of the key (seed ^ NDR_FLOW_SIG_SALT):
 * the flow hash's low bits already chose the bucket, so its own bits would
 * leave a 16-bit signature; an independent one makes a false match (an
 * extra entry read) a 4-in-2^32 event per lookup. */
#define NDR_FLOW_SIG_SALT 0x5bd1e995u

struct ndr_flow_bucket {
	uint32_t sig[NDR_FLOW_WAYS];    /* signature of each way's key */
	uint64_t last_ts[NDR_FLOW_WAYS];
	uint8_t  state[NDR_FLOW_WAYS];  /* NDR_FLOW_S_* */
	uint8_t  pad[12];
};

/* One way's flow state, touched only on a match, an insert or an emit. */
struct ndr_flow_entry {
	uint8_t  key[NDR_FLOW_KEY_LEN];
	uint8_t  src_is_lower;      /* the initiator is the key's lower end */
	uint8_t  ipv6;
	uint8_t  tcp_state;
	uint8_t  frag_seen;
	uint32_t hash;
	uint16_t src_port;
	uint16_t dst_port;
	uint8_t  tcp_flags[2];      /* [0] fwd, [1] rev */
	uint8_t  last_dir;          /* direction of the previous packet */
	uint8_t  pad;
	uint32_t dir_changes;
	uint32_t iat_min_us;
	uint32_t iat_max_us;
	uint64_t pkts[2];
	uint64_t bytes[2];
	uint64_t payload[2];
	uint64_t first_ts;          /* 0 while the period has no packet */
	uint64_t last_ts;
	uint64_t iat_sum_us;
	uint64_t iat_sumsq_us;
	uint16_t hist[2][NDR_HIST_BINS];
};

/* The table's three memories; all zeroed by the caller before init (a zero
 * header line is a bucket with every way free, a zero deadline a bucket
 * with nothing to expire). */
struct ndr_flow_mem {
	struct ndr_flow_bucket *buckets;    /* 2^log2_buckets lines */
	uint64_t *deadline;                 /* 2^log2_buckets words */
	struct ndr_flow_entry *entries;     /* 2^log2_buckets * NDR_FLOW_WAYS */
};

/* A forwarding window slot's tag: the memory index its write goes to, or
 * NDR_FLOW_FWD_NONE when the slot is empty (no bucket or entry has that
 * index: at most 2^24 buckets of 4 ways). Tags are kept apart from the
 * data so that a lookup compares them all at once: one comparator per slot
 * in hardware, a few vector compares in the emulation. */
#define NDR_FLOW_FWD_NONE 0xffffffffu

struct ndr_flow_table {
	struct ndr_flow_mem mem;
	uint32_t log2_buckets;
	uint32_t mask;
	uint32_t seed;
	uint64_t idle_ns;
	uint64_t active_ns;
	uint64_t close_ns;
	uint32_t scan_ptr;
	/* forwarding windows (ring buffers, the oldest write retires to memory
	 * when a new one enters) */
	uint32_t line_tag[NDR_FLOW_LINE_FWD];
	uint64_t line_deadline[NDR_FLOW_LINE_FWD];
	struct ndr_flow_bucket line_data[NDR_FLOW_LINE_FWD];
	uint32_t line_head;
	uint32_t entry_tag[NDR_FLOW_ENTRY_FWD];
	struct ndr_flow_entry entry_data[NDR_FLOW_ENTRY_FWD];
	uint32_t entry_head;
	/* counters */
	uint64_t active;                /* valid entries */
	uint64_t created;
	uint64_t evicted;               /* new flow in a full bucket: LRU way out */
	uint64_t collisions;            /* new flow in a bucket holding another */
	uint64_t sig_false;             /* signature matched, key did not */
	uint64_t scan_expired;          /* ways the scanner retired */
	uint64_t fwd_hits;              /* reads answered by a forwarding window */
	/* memory reads of the last packet beyond the pipelined one line read
	 * and one entry read: what the cycle accounting charges */
	uint32_t extra_reads;
	/* the hash stage's output for the packet in flight */
	uint8_t  key[NDR_FLOW_KEY_LEN];
	bool     src_lower;
	uint32_t hash;
	uint32_t sig;
};

void ndr_flow_init(struct ndr_flow_table *ft, const struct ndr_flow_mem *mem,
		   uint32_t log2_buckets, uint32_t seed, uint32_t idle_ms,
		   uint32_t active_ms, uint32_t close_ms);
/* Hash stage: the packet's key and hash, and the bucket's read issued; runs
 * as soon as the headers are parsed, before ndr_flow_packet. */
void ndr_flow_hash(struct ndr_flow_table *ft, const struct ndr_pkt_meta *m);
/* Scan, lookup, update, active timeout for one parsed IP packet at t, whose
 * key and hash ndr_flow_hash computed. */
void ndr_flow_packet(struct ndr_flow_table *ft, const struct ndr_pkt_meta *m,
		     uint64_t t, struct ndr_rw *w);
/* Retire the forwarding windows to memory, then emit every valid entry with
 * reason FLUSH at time t and free it. */
void ndr_flow_flush(struct ndr_flow_table *ft, uint64_t t, struct ndr_rw *w);

/* ------------------------------------------------------------------------
 * DNS extractor (dns_extract.c)
 * ------------------------------------------------------------------------ */

/* The DNS path is two stages (docs/microarchitecture.md "DNS"):
 *   capture (per beat, dns_extract.c): the message bytes of the packet go
 *     into a message buffer as the beats go by, one beat per clock;
 *   walk (per message, dns_stage.c): a FIFO of complete messages feeds
 *     NDR_DNS_ENGINES walker engines; each engine parses one message (name
 *     walk, questions, answers, entropies) and writes its record. A message
 *     that finds the FIFO full is dropped and counted (dns_fifo_drops).
 * The emulation walks a message when it arrives and keeps the FIFO and the
 * engines as clocks (which message is dropped depends only on them), so a
 * record enters the ring at the end of its packet, as it did before. */
#define NDR_DNS_ENGINES     32u
#define NDR_DNS_FIFO_DEPTH  32u
#define NDR_DNS_LANE_BYTES  8u      /* name/TXT bytes an engine takes per clock */

/* Result of the message parse, before it becomes a record. */
struct ndr_dns_result {
	bool     have_record;       /* false: fewer than 12 bytes visible */
	uint16_t parse_flags;
	uint32_t cycles;            /* engine clocks the parse takes */
};

/* Capture stage state: one packet's message as it arrives. */
struct ndr_dns {
	bool     active;            /* this packet carries a DNS message */
	bool     tcp;
	uint32_t pfx_off;           /* TCP: frame offset of the length prefix */
	uint8_t  pfx[2];
	uint32_t pfx_have;          /* prefix bytes captured */
	uint32_t msg_off;           /* frame offset of the message */
	uint32_t msg_cap;           /* bytes of the message that may be copied */
	uint32_t msg_have;          /* bytes copied into msg */
	uint8_t  msg[NDR_DNS_MSG_MAX];
};

/* What a walker needs besides the bytes: the packet's side of the record. */
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
};

/* Walker scratch: the histogram and the name text. The work counters give
 * the engine's clocks (ndr_dns_parse fills them). */
struct ndr_dns_walker {
	struct ndr_entropy_acc acc; /* kept cleared between messages */
	char     name[NDR_DNS_NAME_MAX + 3u];
	uint32_t steps;             /* labels, pointers, skipped-name steps, RRs */
	uint32_t hist_bytes;        /* bytes fed to a histogram */
};

/* Walk scheduling shared by the DNS and TLS walk stages (walk_sched.c): a
 * FIFO of complete items in front of a pool of engines, kept as clocks.
 * An item arriving at clock `now` finds the FIFO full (dropped, counted) or
 * is handed to the engine that frees up first, at most one per clock, in
 * order; the engine is then busy for the item's walk clocks. */
#define NDR_WALK_MAX 32u
struct ndr_walk_sched {
	uint32_t engines;           /* <= NDR_WALK_MAX */
	uint32_t fifo_depth;        /* <= NDR_WALK_MAX */
	uint64_t engine_free[NDR_WALK_MAX];  /* clock an engine is next free */
	/* hand-over clocks of the last fifo_depth items, in FIFO order: an
	 * item whose hand-over is still ahead is in the FIFO */
	uint64_t handover[NDR_WALK_MAX];
	uint32_t next;              /* ring position of the next item */
	uint64_t last_handover;
	bool     any;               /* an item was handed over before */
	uint64_t fifo_drops;        /* FIFO full: item dropped, no record */
	uint64_t engine_cycles;     /* sum of the engines' busy clocks */
	uint64_t wait_cycles;       /* clocks items spent in the FIFO */
	uint32_t fifo_max;          /* highest FIFO occupancy */
	uint64_t last_busy;         /* clock the last engine goes idle */
};

void ndr_walk_sched_init(struct ndr_walk_sched *s, uint32_t engines, uint32_t fifo_depth);
/* false (and counted in fifo_drops) when the FIFO is full at `now`. */
bool ndr_walk_sched_admit(struct ndr_walk_sched *s, uint64_t now);
/* Hand an admitted item of `cycles` walk clocks to an engine. */
void ndr_walk_sched_run(struct ndr_walk_sched *s, uint64_t now, uint32_t cycles);
/* The clock the last engine goes idle (never before now). */
uint64_t ndr_walk_sched_idle(const struct ndr_walk_sched *s, uint64_t now);

struct ndr_dns_stage {
	struct ndr_dns_walker walker;
	struct ndr_walk_sched sched;
	/* counters */
	uint64_t messages;          /* packets that carried a message */
	uint64_t errors;            /* no record, or parse flags beyond TCP */
	uint64_t walked;            /* messages parsed by an engine */
};

/* Decide from the parsed headers whether the packet carries a message. */
void ndr_dns_start(struct ndr_dns *d, const struct ndr_pkt_meta *m);
/* Bytes [off, off+len) of the frame (len <= 64); only the message's bytes
 * are kept. */
void ndr_dns_bytes(struct ndr_dns *d, const uint8_t *data, uint32_t off, uint32_t len);
/* End of packet: the message's length and visible bytes; false when no
 * record can be made (TCP prefix not captured, fewer than 12 bytes). */
bool ndr_dns_close(const struct ndr_dns *d, const struct ndr_pkt_meta *m, uint64_t t,
		   struct ndr_dns_desc *desc);
/* Parse vis of msg_len bytes of a message into rec and wk->name (qname_len
 * bytes); counts the work in wk. */
void ndr_dns_parse(struct ndr_dns_walker *wk, const uint8_t *msg, uint32_t visible,
		   uint32_t msg_len, struct ndr_dns_rec *rec);
/* Parse one message and write its record; the clocks it takes an engine. */
struct ndr_dns_result ndr_dns_walk(struct ndr_dns_walker *wk, const struct ndr_dns_desc *desc,
				   const uint8_t *msg, struct ndr_rw *w);

void ndr_dns_stage_init(struct ndr_dns_stage *s);
/* End of a packet at clock `now` whose capture holds a message: dropped if
 * the FIFO is full at `now`, else walked (its record written) and given its
 * hand-over clock and engine. */
void ndr_dns_stage_message(struct ndr_dns_stage *s, const struct ndr_dns *d,
			   const struct ndr_pkt_meta *m, uint64_t t, uint64_t now,
			   struct ndr_rw *w);
/* The clock every engine is idle again (at least now). */
uint64_t ndr_dns_stage_idle(const struct ndr_dns_stage *s, uint64_t now);

/* ------------------------------------------------------------------------
 * TLS ClientHello extractor (tls_extract.c)
 * ------------------------------------------------------------------------ */

/* One TCP segment's first NDR_TLS_VIEW payload bytes, captured per beat;
 * walked at the end of the packet (docs/microarchitecture.md "TLS"). */
struct ndr_tls {
	bool     active;            /* TCP, not a fragment, with payload */
	uint32_t off;               /* frame offset of the payload */
	uint32_t cap;               /* bytes that may be kept */
	uint32_t have;              /* bytes kept in buf */
	uint8_t  buf[NDR_TLS_VIEW];
	/* counters */
	uint64_t hellos;            /* records written */
	uint64_t errors;            /* of them MALFORMED or TRUNCATED */
	uint64_t walk_cycles;       /* walker clocks, summed */
};

/* Decide from the parsed headers whether the packet's payload is kept. */
void ndr_tls_start(struct ndr_tls *t, const struct ndr_pkt_meta *m);
/* Bytes [off, off+len) of the frame (len <= 64); only payload bytes kept. */
void ndr_tls_bytes(struct ndr_tls *t, const uint8_t *data, uint32_t off, uint32_t len);
/* End of packet: walk the kept bytes; a ClientHello becomes a record if the
 * walk stage q (engines behind a FIFO, clocked at now) admits it, else it is
 * dropped and counted in q->fifo_drops. Returns true when the record was written
 * (time ts). */
#define NDR_TLS_ENGINES     16u
#define NDR_TLS_FIFO_DEPTH  32u
bool ndr_tls_close(struct ndr_tls *t, const struct ndr_pkt_meta *m, uint64_t ts,
		   uint64_t now, struct ndr_walk_sched *q, struct ndr_rw *w);
/* The TLS fields of rec from vis bytes of a segment's payload (rec zeroed
 * by the caller); false when they do not start a ClientHello. *cycles: the
 * walker's clocks. */
bool ndr_tls_parse(const uint8_t *buf, uint32_t vis, struct ndr_tls_rec *rec, uint32_t *cycles);

/* ------------------------------------------------------------------------
 * Card top (card_top.c): the kernels wired together, one call per beat
 * ------------------------------------------------------------------------ */

struct ndr_top_cfg {
	uint32_t log2_buckets;
	uint32_t hash_seed;
	uint32_t idle_timeout_ms;
	uint32_t active_timeout_ms;
	uint32_t close_timeout_ms;
	uint32_t heartbeat_ms;      /* 0: no heartbeat records */
};

/* Descriptors the flow stage can hold while it works on extra memory reads
 * (scanner hits, signature false positives); a packet that finds the queue
 * full holds the beat stream (a stall, counted). */
#define NDR_FLOW_QUEUE_DEPTH 16u

struct ndr_top {
	struct ndr_parser parser;
	struct ndr_flow_table flow;
	struct ndr_dns dns;                 /* capture stage */
	struct ndr_dns_stage dnsq;          /* walk stage */
	struct ndr_walk_sched tlsq;         /* TLS walk stage: engines, FIFO */
	struct ndr_tls tls;                 /* ClientHello extractor */
	struct ndr_rw rw;
	/* frame in progress */
	bool     in_frame;
	uint32_t off;               /* frame offset of the next beat */
	uint64_t ts;                /* time of the current frame */
	uint64_t last_ts;           /* time of the last frame seen */
	bool     seen_any;
	/* heartbeat */
	uint64_t hb_ns;
	uint64_t hb_next;
	/* counters */
	uint64_t frames;
	uint64_t beats;
	uint64_t bytes;
	uint64_t parse_errors;
	uint64_t non_ip;
	/* cycle accounting (docs/microarchitecture.md "Cycle accounting"): the
	 * beat clock advances one per beat and by every stall */
	uint64_t clock;
	uint64_t stalls;
	uint64_t flow_packets;
	uint64_t flow_cycles;       /* busy clocks of the flow stage */
	uint64_t flow_free;         /* clock the flow stage takes its next packet */
	uint64_t flow_wait_max;     /* longest queueing of a packet, clocks */
	uint64_t drain_clock;       /* set by ndr_top_flush: every stage idle */
};

void ndr_top_init(struct ndr_top *top, const struct ndr_top_cfg *cfg,
		  const struct ndr_flow_mem *table, uint8_t *slots,
		  struct ndr_ring_ctrl *ctrl, uint32_t log2_slots);
void ndr_top_beat(struct ndr_top *top, const struct ndr_beat *b);
/* One whole frame of caplen bytes (caplen <= NDR_MAX_FRAME), as its beats
 * through ndr_top_beat would, for a driver that holds frames in memory (the
 * emulation, sim/src/card.c): every beat is read where it lies instead of
 * being copied into a struct ndr_beat, and the beats no stage looks at pass
 * in one step (see card_top.c). A frame goes in whole through one of the
 * two entry points, never partly through each. */
void ndr_top_frame(struct ndr_top *top, uint64_t ts_ns, const uint8_t *frame,
		   uint32_t caplen, uint32_t wire_len);
/* End of input: flush the flow table, the pending drop notice, publish. */
void ndr_top_flush(struct ndr_top *top);

#endif /* NDR_HW_H */
