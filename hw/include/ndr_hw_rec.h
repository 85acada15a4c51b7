/*
 * ndr_hw_rec.h - records on their way to the host (record_writer.c,
 * record_stage.c): the heartbeat, the merge of the record streams into one
 * slot a clock, and the writer that owns the ring in host memory.
 */
#ifndef NDR_HW_REC_H
#define NDR_HW_REC_H

/* ---- the ring writer's logic (record_writer.c) ----
 *
 * The writer owns prod; the host owns cons. Room is size - (prod - cons);
 * cons is re-read only when the room last seen is too small, as hardware
 * polls it. Slots are written before prod is written back, so [cons, prod)
 * always holds complete records. seq counts every record, dropped ones
 * included (pads take none), so a drop is a gap the next drop notice
 * explains. A record that would wrap is preceded by a PAD to the ring's
 * end; if the two do not fit, the record is dropped and nothing written.
 * The ring (slots) and its control page are host memory: m_axi ports,
 * handed in on every call.
 */
struct ndr_rw {
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

void ndr_rw_init(struct ndr_rw *w, const struct ndr_ring_ctrl *ctrl, uint32_t log2_slots);
/* A record of nslots slots is next: the pad slots it needs first (0 or
 * more), or -1 when there is no room for both (the record is dropped and
 * counted; its seq is taken). */
int32_t ndr_rw_reserve(struct ndr_rw *w, struct ndr_ring_ctrl *ctrl, uint32_t nslots,
		       uint64_t ts);
/* Write a pad of nslots at prod, or its slot k (the header at k = 0). */
void ndr_rw_pad(struct ndr_rw *w, uint8_t *ring, uint32_t nslots);
void ndr_rw_pad_slot(struct ndr_rw *w, uint8_t *ring, uint32_t k, uint32_t nslots);
/* Write slot k of a record (k = 0 sets seq and the phase bit). */
void ndr_rw_slot(struct ndr_rw *w, uint8_t *ring, const uint8_t slot[NDR_SLOT_BYTES], uint32_t k);
/* A drop notice is owed and there is room for it. */
bool ndr_rw_notice_due(struct ndr_rw *w, struct ndr_ring_ctrl *ctrl);
/* Write it (one slot) at time ts. */
void ndr_rw_notice(struct ndr_rw *w, uint8_t *ring, uint64_t ts);
/* Write prod back to the ring control page. */
void ndr_rw_publish(struct ndr_rw *w, struct ndr_ring_ctrl *ctrl);
/* A whole record of nslots slots in one go (the emulation): notice first
 * if owed, pad, slots; false when it was dropped. */
bool ndr_rw_write(struct ndr_rw *w, uint8_t *ring, struct ndr_ring_ctrl *ctrl,
		  const uint8_t *rec, uint32_t nslots);

/* ---- the heartbeat ---- */
struct ndr_hb_parts {
	struct ndr_stats_parse parse;
	struct ndr_stats_flow flow;
	struct ndr_stats_dns dns;
	struct ndr_stats_tls tls;
};
/* The heartbeat record (3 slots) from the stages' counters; the writer's
 * own (records_written, records_dropped) are filled in as it writes it. */
void ndr_hb_record(const struct ndr_hb_parts *p, uint8_t out[3 * NDR_SLOT_BYTES]);
/* The writer's counters into slot k of a heartbeat record. */
void ndr_hb_patch(const struct ndr_rw *w, uint8_t slot[NDR_SLOT_BYTES], uint32_t k);

/* ---- the record stage (record_stage.c) ----
 *
 * Takes whole records from the flow table, the DNS and TLS engines and
 * the heartbeat's counters, and hands the writer one slot a clock: the
 * heartbeat first when all its parts are in, then the record streams in
 * turn. */
struct ndr_slot_item {
	uint8_t b[NDR_SLOT_BYTES];
};

NDR_STREAM(ndr_slot_s, struct ndr_slot_item, 64)

struct ndr_record_stage {
	uint8_t  rec[NDR_DNS_REC_BYTES];    /* the record being sent */
	uint32_t slots, sent;               /* its slots, sent so far */
	uint32_t turn;                      /* round robin: flow, DNS, TLS */
	struct ndr_hb_parts hb;
	bool     have_parse, have_flow, have_dns, have_tls;
	uint64_t records, heartbeats;
	uint64_t busy, stalled;
};

void ndr_record_stage_init(struct ndr_record_stage *s);
void ndr_stage_records(struct ndr_record_stage *s, struct ndr_rec3_s *flow, struct ndr_rec6_s *dns,
		       struct ndr_rec3_s *tls, struct ndr_stats_parse_s *sp,
		       struct ndr_stats_flow_s *sf, struct ndr_stats_dns_s *sd,
		       struct ndr_stats_tls_s *st, struct ndr_slot_s *out);
bool ndr_record_stage_idle(const struct ndr_record_stage *s);

/* ---- the writer stage ----
 * One slot a clock into the ring when the host link takes a write this
 * clock (link_ready: PCIe credit, modelled by the simulation; always in
 * hardware's eyes, since the AXI write channel back-pressures). */
struct ndr_writer_stage {
	struct ndr_rw w;
	uint8_t  first[NDR_SLOT_BYTES];     /* a record's first slot */
	bool     first_pending;             /* notice and room still to settle */
	bool     first_held;                /* waiting for its pad */
	uint32_t pad_len, pad_k;            /* the pad being written */
	uint32_t rec_left;                  /* slots of the record still to come */
	uint32_t rec_k;                     /* next slot's index in it */
	bool     rec_drop;                  /* it is being dropped */
	bool     rec_hb;                    /* it is a heartbeat */
	uint64_t busy, stalled, link_waits;
};

void ndr_writer_stage_init(struct ndr_writer_stage *s, const struct ndr_ring_ctrl *ctrl,
			   uint32_t log2_slots);
void ndr_stage_writer(struct ndr_writer_stage *s, struct ndr_slot_s *in, uint8_t *ring,
		      struct ndr_ring_ctrl *ctrl, bool link_ready);
bool ndr_writer_stage_idle(const struct ndr_writer_stage *s);

#endif
