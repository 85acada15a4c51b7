/*
 * ndr_hw_tls.h - the TLS ClientHello path (tls_walk.c, tls_stage.c;
 * docs/dataplane.md "TLS ClientHello extractor").
 *
 * The same shape as DNS: the capture stage passes the beats of a TCP
 * segment whose payload starts with a handshake record (byte 0 = 22) to the
 * walk stage, NDR_TLS_ENGINES engines with two buffers each; a hello that
 * finds no free buffer is dropped and counted (tls_dropped).
 */
#ifndef NDR_HW_TLS_H
#define NDR_HW_TLS_H

#define NDR_TLS_ENGINES    16u
#define NDR_TLS_BUFS       2u
#define NDR_TLS_BUF_WORDS  (NDR_TLS_VIEW / NDR_BEAT_BYTES + 1u)
#define NDR_TLS_REC_BYTES  (3u * NDR_SLOT_BYTES)

struct ndr_tls_desc {
	uint64_t ts;
	uint8_t  src_addr[16];
	uint8_t  dst_addr[16];
	uint16_t src_port;
	uint16_t dst_port;
	uint16_t vlan_outer;
	uint16_t vlan_inner;
	uint8_t  ttl;
	bool     ipv6;
	uint32_t payload_len;       /* the segment's L4 payload, from headers */
	uint32_t vis;               /* payload bytes visible, <= NDR_TLS_VIEW */
	uint32_t base;              /* payload byte 0 in the buffer / frame */
};

/* The segment's payload: true when it may hold a ClientHello (TCP, not a
 * fragment, payload > 0); *off, *cap: where it is and how much is kept. */
bool ndr_tls_where(const struct ndr_pkt_meta *m, uint32_t *off, uint32_t *cap);
/* End of the frame (caplen bytes): the descriptor. */
void ndr_tls_desc(const struct ndr_pkt_meta *m, uint64_t ts, uint32_t caplen,
		  struct ndr_tls_desc *d);

enum ndr_tls_walk_state {
	NDR_TLS_W_IDLE = 0,
	NDR_TLS_W_SIG,          /* signature, record and handshake headers */
	NDR_TLS_W_VER,          /* legacy_version, random */
	NDR_TLS_W_SID,          /* session id */
	NDR_TLS_W_CS,           /* cipher suites */
	NDR_TLS_W_CM,           /* compression methods */
	NDR_TLS_W_EXTLEN,       /* extensions length */
	NDR_TLS_W_EXT,          /* an extension header a clock */
	NDR_TLS_W_SNI,          /* server_name: list, type, length */
	NDR_TLS_W_SNICOPY,      /* the host name, 8 bytes a clock */
	NDR_TLS_W_ALPN,         /* the first ALPN protocol */
	NDR_TLS_W_DONE,         /* a record is ready */
	NDR_TLS_W_NONE,         /* not a ClientHello: no record */
};

struct ndr_tls_walk {
	uint8_t  st;
	struct ndr_tls_desc d;
	uint32_t clocks;
	/* the cursor (tls_walk.c) */
	uint32_t pos, lim;
	bool     stop;
	uint16_t cflags;
	uint32_t hello_end, ext_end, data_end, k;
	bool     walk_ext, sni_done, alpn_done;
	uint32_t copy_at, copy_left, copy_to;
	/* the record's fields */
	uint16_t tls_flags, record_version, hello_version, record_len;
	uint16_t sni_len, n_ciphers, n_extensions;
	uint32_t hello_len;
	uint8_t  alpn_len;
	uint8_t  alpn[NDR_TLS_ALPN_MAX];
	uint8_t  sni[NDR_TLS_SNI_MAX];
};

void ndr_tls_walk_start(struct ndr_tls_walk *w, const struct ndr_tls_desc *d);
/* One clock over payload bytes buf[d.base .. d.base + d.vis); true when
 * the walk is over (DONE: a record; NONE: not a ClientHello). */
bool ndr_tls_walk_step(struct ndr_tls_walk *w, const uint8_t *buf);
/* The record of a walk that ended in DONE; its slots. */
uint32_t ndr_tls_walk_record(const struct ndr_tls_walk *w, uint8_t out[NDR_TLS_REC_BYTES]);
bool ndr_tls_walk_error(const struct ndr_tls_walk *w);

/* ---- stages (tls_stage.c); chunk flags as for DNS (ndr_hw_dns.h) ---- */
#define NDR_CHUNK_HELLO 0x4000u     /* LAST: the payload starts a ClientHello */

struct ndr_tls_chunk {
	uint8_t  data[NDR_BEAT_BYTES];
	uint16_t flags;
	uint16_t word;
	struct ndr_tls_desc desc;   /* LAST */
};

struct ndr_stats_tls {
	bool     final;
	uint64_t hellos;
	uint64_t errors;
	uint64_t dropped;
	uint64_t link_dropped;
};

NDR_STREAM(ndr_tls_chunk_s, struct ndr_tls_chunk, 16)
NDR_STREAM(ndr_stats_tls_s, struct ndr_stats_tls, 2)

struct ndr_tls_capture {
	bool     in_frame;
	bool     active;            /* this segment's beats go on */
	bool     sent_first;
	uint8_t  frame_flags;
	struct ndr_pkt_meta m;
	uint64_t ts;
	uint32_t off, cap;          /* payload offset, bytes kept */
	uint8_t  sig[6];            /* payload bytes 0..5 as they pass */
	uint32_t len;
	bool     held_valid;
	struct ndr_cap_beat held;
	uint64_t busy, stalled;
};

struct ndr_tls_engines {
	struct ndr_walk_pool pool;
	struct ndr_tls_walk walk[NDR_TLS_ENGINES];
	uint8_t  buf[NDR_TLS_ENGINES][NDR_POOL_BUFS][NDR_TLS_BUF_WORDS * NDR_BEAT_BYTES];
	struct ndr_tls_desc desc[NDR_TLS_ENGINES][NDR_POOL_BUFS];
	bool     hb_wait;           /* a heartbeat waits for older messages */
	uint32_t hb_until;          /* ... until the retire order reaches this */
	struct ndr_stats_tls hb;      /* its counts */
	bool     flush_wait;
	bool     held_valid;
	struct ndr_tls_chunk held;
	uint64_t hellos, errors, dropped, link_dropped, walked, walk_clocks;
	uint64_t busy, stalled;
};

void ndr_tls_capture_init(struct ndr_tls_capture *s);
void ndr_stage_tls_capture(struct ndr_tls_capture *s, struct ndr_cap_beat_s *beats,
			   struct ndr_cap_meta_s *meta, struct ndr_tls_chunk_s *out);
void ndr_tls_engines_init(struct ndr_tls_engines *s);
void ndr_stage_tls_engines(struct ndr_tls_engines *s, struct ndr_tls_chunk_s *in,
			   struct ndr_rec3_s *out, struct ndr_stats_tls_s *stats);
bool ndr_tls_engines_idle(const struct ndr_tls_engines *s);

#endif
