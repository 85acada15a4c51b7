/*
 * ndr_hw_flow.h - flow hash, flow table and the expiry scanner
 * (flow_hash.c, flow_table.c, flow_stage.c; docs/dataplane.md "Flow hash",
 * "Flow table"; docs/microarchitecture.md "Flow table").
 */
#ifndef NDR_HW_FLOW_H
#define NDR_HW_FLOW_H

#define NDR_FLOW_WAYS    4u
#define NDR_FLOW_KEY_LEN 44u
#define NDR_FLOW_MAX_LOG2_BUCKETS 24u
/* The scanner visits at most one bucket every this many ns of card time,
 * whatever the sweep time asks (one visit in 20 clocks at 322 MHz). */
#define NDR_FLOW_SCAN_MIN_NS 64u

uint32_t ndr_murmur3_32(const uint8_t *key, uint32_t len, uint32_t seed);
/* MurmurHash3_x86_32 of one key under two seeds at once (one pass over the
 * key, two accumulators): the flow hash and the signature. */
void ndr_murmur3_32x2(const uint8_t *key, uint32_t len, uint32_t seed_a, uint32_t seed_b,
		      uint32_t *hash_a, uint32_t *hash_b);

/* Canonical 44-byte key of a packet (docs/dataplane.md "Flow hash"); returns
 * true when the packet's source is the key's lower endpoint. */
bool ndr_flow_key(const struct ndr_pkt_meta *m, uint8_t key[NDR_FLOW_KEY_LEN]);

/* ---- the table's memory ----
 *
 * A bucket is one 64-byte header line (signatures, last-seen times and
 * state of its 4 ways: what lookup, victim choice and scanner need) and 4
 * flow entries (the state a record is cut from). Both live in memories the
 * caller owns and hands to every call (URAM in hardware). A way's
 * signature is a second hash of the key (seed ^ NDR_FLOW_SIG_SALT), so a
 * lookup reads the entry of a way only when its signature matches.
 */
#define NDR_FLOW_S_VALID  0x01u
#define NDR_FLOW_S_CLOSED 0x02u        /* RST seen, or FIN both ways */
#define NDR_FLOW_SIG_SALT 0x5bd1e995u

struct ndr_flow_bucket {
	uint32_t sig[NDR_FLOW_WAYS];
	uint64_t last_ts[NDR_FLOW_WAYS];
	uint8_t  state[NDR_FLOW_WAYS];  /* NDR_FLOW_S_* */
	uint8_t  pad[12];
};

#define NDR_FLOW_ENTRY_PAD 7u

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
	uint8_t  dns_only;          /* its one packet made a UDP DNS record */
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
	/* the period's first two packets, for a compact record */
	uint16_t pkt_len[2];        /* IP length */
	uint16_t pkt_payload[2];    /* L4 payload length */
	uint8_t  pkt_rev;           /* bit i: packet i went rev */
	uint8_t  pad2[NDR_FLOW_ENTRY_PAD];
};

struct ndr_flow_mem {
	struct ndr_flow_bucket *buckets;    /* 2^log2_buckets lines, zeroed */
	struct ndr_flow_entry *entries;     /* 2^log2_buckets * NDR_FLOW_WAYS */
};

/* ---- what the hash stage hands the table ---- */
enum ndr_flow_op_kind {
	NDR_FLOW_OP_PKT = 1,        /* look up and update */
	NDR_FLOW_OP_TIME,           /* card time only (other frames, ticks) */
	NDR_FLOW_OP_FLUSH,          /* emit every flow, reason FLUSH */
};

struct ndr_flow_op {
	uint8_t  kind;              /* enum ndr_flow_op_kind */
	uint8_t  flags;             /* NDR_CAP_HB */
	bool     dns;               /* the packet makes a UDP DNS record */
	bool     src_lower;
	uint64_t ts;
	uint32_t hash;
	uint32_t sig;
	uint8_t  key[NDR_FLOW_KEY_LEN];
	struct ndr_pkt_meta m;
};

/* ---- the table's logic, shared by the stage and the emulation ---- */
struct ndr_flow_cfg {
	uint32_t log2_buckets;
	uint32_t mask;
	uint32_t seed;
	uint64_t idle_ns;
	uint64_t active_ns;
	uint64_t close_ns;
	uint64_t scan_ns;           /* card time between two scanner visits */
};

struct ndr_flow_ctr {
	uint64_t active;            /* valid entries */
	uint64_t created;
	uint64_t evicted;           /* new flow in a full bucket: LRU way out */
	uint64_t collisions;        /* new flow in a bucket holding another */
	uint64_t sig_false;         /* signature matched, key did not */
	uint64_t scan_visits;       /* buckets the scanner visited */
	uint64_t scan_expired;      /* ways it retired */
	uint64_t dns_only;          /* flows whose DNS record stands for them */
	uint64_t link_dropped;      /* records the record path had no room for */
	uint64_t records;           /* records cut */
};

/* Card time and the scanner's place. Card time is the largest frame or
 * marker time so far; visit k (k >= 1) happens at card time
 * first + k * scan_ns, on bucket (k - 1) mod B, before any packet whose
 * time reaches it (docs/dataplane.md "Flow table"). */
struct ndr_flow_clock {
	bool     started;
	uint64_t now;
	uint64_t scan_next;         /* time of the next visit */
	uint32_t scan_ptr;          /* its bucket */
};

void ndr_flow_cfg_init(struct ndr_flow_cfg *c, const struct ndr_top_cfg *top);
void ndr_flow_ctr_init(struct ndr_flow_ctr *c);
void ndr_flow_clock_init(struct ndr_flow_clock *k);
/* Card time after an op of time t (which starts the scanner's schedule). */
void ndr_flow_clock_advance(const struct ndr_flow_cfg *c, struct ndr_flow_clock *k, uint64_t t);
/* True when the next visit is due no later than card time t. */
bool ndr_flow_visit_due(const struct ndr_flow_clock *k, uint64_t t);
/* Take the next visit: its bucket and time. */
void ndr_flow_visit_take(const struct ndr_flow_cfg *c, struct ndr_flow_clock *k,
			 uint32_t *bucket, uint64_t *t);

/* The hash stage's work on a parsed IP packet. */
void ndr_flow_hash_op(const struct ndr_flow_cfg *c, struct ndr_flow_op *op);

/* A packet against its bucket: line and the bucket's four entries (as
 * they are now: the caller has forwarded any write still in flight).
 * Updates them in place and writes at most one record into rec (its
 * length in slots is returned, 0 for none); *way is the way whose entry
 * was written. Reads only the entries a lookup needs (signature match,
 * victim), as the memory would. */
uint32_t ndr_flow_packet_core(const struct ndr_flow_cfg *c, struct ndr_flow_ctr *ctr,
			      struct ndr_flow_bucket *line, struct ndr_flow_entry *ways,
			      const struct ndr_flow_op *op, uint8_t rec[3 * NDR_SLOT_BYTES],
			      uint32_t *way);
/* Ways of line valid and expired at t (bit per way). */
uint32_t ndr_flow_expired_ways(const struct ndr_flow_cfg *c, const struct ndr_flow_bucket *line,
			       uint64_t t);
/* Ways of line valid (bit per way). */
uint32_t ndr_flow_valid_ways(const struct ndr_flow_bucket *line);
/* The first card time at which a way of line is expired: for every t,
 * ndr_flow_expired_ways(c, line, t) != 0 exactly when t >= this.
 * UINT64_MAX when none ever is (no valid way). For the emulation, which
 * lets a scanner visit pass without reading a line that cannot expire;
 * the kernels do not use it. */
uint64_t ndr_flow_next_expiry(const struct ndr_flow_cfg *c, const struct ndr_flow_bucket *line);
/* Retire one way: its record (reason, or the entry's own expiry reason
 * when reason is 0) at time t into rec, the way freed in line. Returns the
 * record's slots (0: the flow's DNS record stands for it). */
uint32_t ndr_flow_retire(const struct ndr_flow_cfg *c, struct ndr_flow_ctr *ctr,
			 struct ndr_flow_bucket *line, const struct ndr_flow_entry *e,
			 uint32_t way, uint8_t reason, uint64_t t,
			 uint8_t rec[3 * NDR_SLOT_BYTES]);

/* ---- the hash and flow stages (flow_stage.c) ----
 *
 * hash: one parsed item per clock -> one flow op (key, hash, signature).
 * flow: a pipeline over the table memory. Each clock it issues one op (a
 * packet, a scanner visit, a flush of one bucket, or a marker) and reads
 * its bucket: the header line and the four entries, a snapshot of the
 * memory at that clock, which arrives `lat` clocks later (the memory's
 * read latency). There the op completes: the writes made since its read
 * (ops ahead of it in the pipeline, same bucket) are forwarded from a
 * window of the last NDR_FLOW_FWD writes, then the table logic above runs
 * and the line and entry are written back. A visit or flush that retires
 * several ways completes over several clocks, one record a clock, and
 * holds the pipeline meanwhile. A packet's record that finds the record
 * stream full is dropped and counted (link_dropped), so packets never wait
 * for the host link; an expiry or flush record waits for room instead.
 */
#define NDR_FLOW_LAT_MAX  128u  /* deepest read latency the pipeline holds */
#define NDR_FLOW_RING     256u  /* pipeline slots (> NDR_FLOW_LAT_MAX) */
#define NDR_FLOW_FWD      128u  /* forwarding window: covers any latency up
                                   to NDR_FLOW_LAT_MAX */
#define NDR_FLOW_LAT_URAM 4u    /* header line + entries in URAM */
#define NDR_FLOW_FWD_URAM 16u   /* the window a URAM table needs (>= 4) */
#define NDR_FLOW_LAT_HBM  96u   /* entries in HBM: ~300 ns at 322 MHz */

#define NDR_FLOW_REC_BYTES (3u * NDR_SLOT_BYTES)

/* A record of up to three slots: flow records, TLS records. */
struct ndr_rec3 {
	uint8_t b[NDR_FLOW_REC_BYTES];
};

/* The table's counters as the heartbeat needs them. */
struct ndr_stats_flow {
	bool     final;
	uint64_t active;
	uint64_t created;
	uint64_t evicted;
	uint64_t dns_only;
	uint64_t link_dropped;
};

NDR_STREAM(ndr_flow_op_s, struct ndr_flow_op, 8)
NDR_STREAM(ndr_rec3_s, struct ndr_rec3, 16)
NDR_STREAM(ndr_stats_flow_s, struct ndr_stats_flow, 2)

enum ndr_flow_slot_kind {
	NDR_FLOW_SLOT_PKT = 1,
	NDR_FLOW_SLOT_VISIT,
	NDR_FLOW_SLOT_FLUSH,
	NDR_FLOW_SLOT_MARK,         /* in order behind the ops before it */
};

struct ndr_flow_slot {
	bool     valid;
	uint8_t  kind;              /* enum ndr_flow_slot_kind */
	uint8_t  flags;             /* MARK: NDR_CAP_HB; final after a flush */
	bool     final;
	bool     forwarded;         /* completion started */
	uint32_t bucket;
	uint32_t issued;            /* writes done when its read was issued */
	uint32_t pending;           /* VISIT/FLUSH: ways still to retire */
	uint64_t t;                 /* VISIT/FLUSH: the time records carry */
	struct ndr_flow_op op;      /* PKT */
	struct ndr_flow_bucket line;
	struct ndr_flow_entry ways[NDR_FLOW_WAYS];
};

struct ndr_flow_fwd_line {
	uint32_t bucket;            /* 0xffffffff: empty */
	uint32_t seq;
	struct ndr_flow_bucket line;
};

struct ndr_flow_fwd_entry {
	uint32_t index;             /* bucket * 4 + way; 0xffffffff: empty */
	uint32_t seq;
	struct ndr_flow_entry e;
};

struct ndr_flow_stage {
	struct ndr_flow_cfg cfg;
	struct ndr_flow_ctr ctr;
	struct ndr_flow_clock clk;
	uint32_t lat;               /* read latency, 1..NDR_FLOW_LAT_MAX */
	uint32_t fwd_depth;         /* forwarding window used, <= NDR_FLOW_FWD */
	/* the op waiting to issue (an HLS stream has no peek) */
	bool     held_valid;
	struct ndr_flow_op held;
	/* a flush in progress */
	bool     flushing;
	uint32_t flush_ptr;
	uint64_t flush_t;
	uint8_t  flush_flags;
	/* the pipeline */
	struct ndr_flow_slot slot[NDR_FLOW_RING];
	uint32_t pclk;              /* pipeline clocks (moves when not held) */
	uint32_t wseq;              /* writes done */
	struct ndr_flow_fwd_line fl[NDR_FLOW_FWD];
	struct ndr_flow_fwd_entry fe[NDR_FLOW_FWD];
	uint32_t fwd_next;
	/* performance */
	uint32_t in_flight;
	uint64_t busy, stalled, fwd_hits, in_flight_max;
};

struct ndr_hash_stage {
	struct ndr_flow_cfg cfg;
	uint64_t busy, stalled;
};

void ndr_hash_stage_init(struct ndr_hash_stage *s, const struct ndr_top_cfg *cfg);
void ndr_stage_hash(struct ndr_hash_stage *s, struct ndr_parsed_s *in, struct ndr_flow_op_s *out);

void ndr_flow_stage_init(struct ndr_flow_stage *s, const struct ndr_top_cfg *cfg, uint32_t lat);
void ndr_stage_flow(struct ndr_flow_stage *s, struct ndr_flow_mem mem, struct ndr_flow_op_s *in,
		    struct ndr_rec3_s *out, struct ndr_stats_flow_s *stats);
/* Nothing in flight, nothing held, no flush running. */
bool ndr_flow_stage_idle(const struct ndr_flow_stage *s);
/* The simulation's, not the hardware's: while the stage holds a tick with
 * nothing in flight and nothing behind it, the scanner visits due that
 * find an empty bucket change nothing but the scanner's place, and the
 * quiet link's clocks they would take pass unseen; the clocked simulation
 * takes them here at once. Returns the visits taken. */
uint64_t ndr_flow_stage_quiet_visits(struct ndr_flow_stage *s, struct ndr_flow_mem mem,
				     struct ndr_flow_op_s *in);
/* The simulation's too: with the stage idle, the visits due up to card
 * time t that retire nothing (no way of their bucket expired at the
 * visit's time), taken at once. False, with the time of the first visit
 * that would retire a way in *stop (not taken), when one comes first. */
bool ndr_flow_stage_quiet_until(struct ndr_flow_stage *s, struct ndr_flow_mem mem, uint64_t t,
				uint64_t *stop);

#endif
