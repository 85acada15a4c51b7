/*
 * ring.c - batched consumer of the record ring (see ndr_ring.h, ndr_abi.h).
 */
#include <stdio.h>
#include <string.h>

#include "ndr_ring.h"

void ndr_ring_reader_init(struct ndr_ring_reader *r, const void *slots,
			  uint32_t log2_slots, struct ndr_ring_ctrl *ctrl,
			  uint32_t batch_slots)
{
	memset(r, 0, sizeof(*r));
	r->slots = slots;
	r->log2_slots = log2_slots;
	r->mask = (1u << log2_slots) - 1u;
	r->ctrl = ctrl;
	r->cons = __atomic_load_n(&ctrl->cons, __ATOMIC_ACQUIRE);
	r->batch_slots = batch_slots ? batch_slots : 1u;
}

uint32_t ndr_ring_available(const struct ndr_ring_reader *r)
{
	return __atomic_load_n(&r->ctrl->prod, __ATOMIC_ACQUIRE) - r->cons;
}

static uint32_t expected_slots(const struct ndr_rec_hdr *rec, uint32_t slots_to_end,
			       const char **why)
{
	switch (rec->type) {
	case NDR_REC_FLOW:
		return 3;
	case NDR_REC_DNS: {
		const struct ndr_dns_rec *d = (const struct ndr_dns_rec *)rec;
		/* qname_len lives in slot 1: only read it once slot 1 is known
		 * to belong to this record. */
		if (rec->slots < 2 || rec->slots > slots_to_end) {
			*why = "dns record shorter than its fixed part";
			return 0;
		}
		if (d->qname_len > NDR_DNS_NAME_MAX) {
			*why = "dns qname_len beyond NDR_DNS_NAME_MAX";
			return 0;
		}
		return ndr_dns_rec_slots(d->qname_len);
	}
	case NDR_REC_DROP:
		return 1;
	case NDR_REC_HEARTBEAT:
		return 3;
	case NDR_REC_FLOW_SHORT:
		return 1;
	case NDR_REC_DNS_SHORT:
		if (((const struct ndr_dns_short_rec *)rec)->qname_len > NDR_DNS_SHORT_NAME) {
			*why = "compact dns qname_len beyond NDR_DNS_SHORT_NAME";
			return 0;
		}
		return 1;
	case NDR_REC_TLS:
		return 3;
	case NDR_REC_PAD:
		return slots_to_end;
	default:
		*why = "unknown record type";
		return 0;
	}
}

uint32_t ndr_record_check(const struct ndr_rec_hdr *rec, uint32_t slots_to_end,
			  const char **why)
{
	uint32_t want;

	*why = NULL;
	if (rec->version != NDR_ABI_VERSION) {
		*why = "record ABI version differs from this build";
		return 0;
	}
	if (rec->slots == 0 || rec->slots > NDR_REC_MAX_SLOTS) {
		*why = "record slot count out of range";
		return 0;
	}
	if (rec->slots > slots_to_end) {
		*why = "record runs past the end of the ring or of prod";
		return 0;
	}
	want = expected_slots(rec, slots_to_end, why);
	if (want == 0)
		return 0;
	if (want != rec->slots) {
		*why = "record slot count does not match its type";
		return 0;
	}
	return want;
}

static void publish(struct ndr_ring_reader *r)
{
	if (r->publish)
		r->publish(r->publish_arg, r->cons);
	else
		__atomic_store_n(&r->ctrl->cons, r->cons, __ATOMIC_RELEASE);
	r->c.batches++;
}

static void account(struct ndr_ring_reader *r, const struct ndr_rec_hdr *rec)
{
	r->c.records++;
	r->c.by_type[rec->type]++;
	if (r->have_seq && rec->seq != r->next_seq)
		r->c.seq_gaps += (uint32_t)(rec->seq - r->next_seq);
	r->next_seq = rec->seq + 1u;
	r->have_seq = 1;
	if (rec->type == NDR_REC_DROP)
		r->c.card_dropped += ((const struct ndr_drop_rec *)rec)->lost;
	if (rec->type == NDR_REC_HEARTBEAT) {
		memcpy(&r->c.hb, rec, sizeof(r->c.hb));
		r->c.have_hb = 1;
	}
}

void ndr_hb_losses(const struct ndr_heartbeat_rec *hb, char *buf, size_t len, uint64_t *total)
{
	const struct { uint64_t n; const char *one, *many; } kind[] = {
		{ hb->rx_overrun, "frame lost at rx (overrun)", "frames lost at rx (overrun)" },
		{ hb->dns_dropped, "DNS message dropped by the card", "DNS messages dropped by the card" },
		{ hb->tls_dropped, "TLS hello dropped by the card", "TLS hellos dropped by the card" },
		{ hb->records_link_dropped, "record dropped by the card (record path full)",
		  "records dropped by the card (record path full)" },
		{ hb->records_dropped, "record dropped by the card (ring full)",
		  "records dropped by the card (ring full)" },
	};
	size_t at = 0;

	*total = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(kind) / sizeof(kind[0]); i++) {
		if (!kind[i].n)
			continue;
		*total += kind[i].n;
		int w = snprintf(buf + at, at < len ? len - at : 0, "%s%llu %s", at ? ", " : "",
				 (unsigned long long)kind[i].n, kind[i].n == 1 ? kind[i].one : kind[i].many);
		if (w > 0)
			at += (size_t)w;
	}
	if (*total == 0)
		snprintf(buf, len, "none");
}

size_t ndr_ring_drain(struct ndr_ring_reader *r, ndr_record_fn fn, void *arg,
		      size_t max_records)
{
	const uint32_t size = r->mask + 1u;
	uint32_t prod = __atomic_load_n(&r->ctrl->prod, __ATOMIC_ACQUIRE);
	uint32_t unpublished = 0;
	int resyncing = 0;
	size_t handed = 0;

	if (prod - r->cons > size) {
		/* A producer index more than a ring ahead cannot be right:
		 * trust nothing before the last full ring. */
		r->c.bad_slots += prod - r->cons - size;
		r->cons = prod - size;
	}
	while (r->cons != prod) {
		uint32_t idx = r->cons & r->mask;
		uint32_t to_end = size - idx;
		uint32_t avail = prod - r->cons;
		const struct ndr_rec_hdr *rec =
			(const struct ndr_rec_hdr *)(r->slots + (size_t)idx * NDR_SLOT_BYTES);
		const char *why;
		uint32_t n = ndr_record_check(rec, avail < to_end ? avail : to_end, &why);
		int stop = 0;

		if (n && (rec->flags & NDR_REC_F_PHASE) !=
			 (ndr_ring_phase(r->cons, r->log2_slots) ? NDR_REC_F_PHASE : 0)) {
			r->c.phase_errors++;
			n = 0;
		}
		if (!n) {
			if (!resyncing)
				r->c.bad_records++;
			resyncing = 1;
			r->c.bad_slots++;
			r->cons++;
			unpublished++;
			continue;
		}
		resyncing = 0;
		if (rec->type == NDR_REC_PAD) {
			r->c.pads++;
		} else {
			account(r, rec);
			stop = fn(arg, ndr_rec_expand(rec, &r->expanded));
			handed++;
		}
		r->cons += n;
		unpublished += n;
		if (unpublished >= r->batch_slots) {
			publish(r);
			unpublished = 0;
		}
		if (stop || (max_records && handed >= max_records))
			break;
	}
	if (unpublished)
		publish(r);
	return handed;
}
