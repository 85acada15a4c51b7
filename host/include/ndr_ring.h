/*
 * ndr_ring.h - the host side of the record ring: a batched consumer.
 *
 * The reader walks [cons, prod) of a ring laid out as ndr_abi.h describes,
 * checks every record (type, length, version, phase), hands valid records to
 * a callback in place (no copy), and writes cons back once per batch, not
 * once per record. Anything wrong in the ring is counted, never trusted: a
 * record with an impossible length is skipped one slot at a time until a
 * valid header is found again.
 */
#ifndef NDR_RING_H
#define NDR_RING_H

#include <stddef.h>
#include <stdint.h>

#include "ndr_abi.h"
#include "ndr_record.h"

struct ndr_ring_counters {
	uint64_t records;              /* valid records handed out (pads excluded) */
	uint64_t by_type[NDR_REC_TYPE_MAX];
	uint64_t pads;
	uint64_t bad_records;          /* failed validation, skipped */
	uint64_t bad_slots;            /* slots skipped while resynchronising */
	uint64_t phase_errors;
	uint64_t seq_gaps;             /* records missing by sequence number */
	uint64_t card_dropped;         /* sum of 'lost' in drop notices */
	uint64_t batches;              /* cons write-backs */
	/* the card's counters as its latest heartbeat gave them (every loss
	 * it counted: ndr_abi.h); have_hb = 0 until the first one */
	int have_hb;
	struct ndr_heartbeat_rec hb;
};

/* The card's losses of hb in words, each kind named ("3 frames at rx
 * (overrun), 2 DNS messages and 1 TLS hello dropped by the card, ..."),
 * or "none"; the total in *total. */
void ndr_hb_losses(const struct ndr_heartbeat_rec *hb, char *buf, size_t len, uint64_t *total);

struct ndr_ring_reader {
	const uint8_t *slots;
	uint32_t log2_slots;
	uint32_t mask;
	struct ndr_ring_ctrl *ctrl;
	uint32_t cons;                 /* local consumer index */
	uint32_t next_seq;
	int have_seq;
	uint32_t batch_slots;          /* write cons back after this many */
	/* how the consumer index reaches the producer: NULL writes ctrl->cons */
	void (*publish)(void *arg, uint32_t cons);
	void *publish_arg;
	struct ndr_ring_counters c;
	union ndr_rec_full expanded;   /* a compact record as handed out */
};

/* Return non-zero to stop the drain after this record (it is consumed).
 * Compact records (NDR_REC_FLOW_SHORT, NDR_REC_DNS_SHORT) are handed out in
 * their full form (ndr_rec_expand), valid until the callback returns; the
 * counters count them under their own type. */
typedef int (*ndr_record_fn)(void *arg, const struct ndr_rec_hdr *rec);

void ndr_ring_reader_init(struct ndr_ring_reader *r, const void *slots,
			  uint32_t log2_slots, struct ndr_ring_ctrl *ctrl,
			  uint32_t batch_slots);

/* Slots available to read now (acquire-loads prod). */
uint32_t ndr_ring_available(const struct ndr_ring_reader *r);

/* Hand every record in [cons, prod) to fn, at most max_records (0 = no
 * limit); publishes cons per batch and at the end. Returns records handed. */
size_t ndr_ring_drain(struct ndr_ring_reader *r, ndr_record_fn fn, void *arg,
		      size_t max_records);

/* Validates one record at ring index idx, given the slots left before the
 * end of the ring; returns its slot count, or 0 if it is not a valid record
 * (why in *why). Exposed for tests and for the chardev source. */
uint32_t ndr_record_check(const struct ndr_rec_hdr *rec, uint32_t slots_to_end,
			  const char **why);

#endif
