/*
 * ndr_card_tb.cpp - C simulation (and C/RTL co-simulation) testbench of the
 * Vitis shims: a capture is presented to ndr_datapath beat by beat as the
 * CMAC would, ndr_record_writer writes the records into a ring in "host
 * memory", and every FLOW and DNS record is compared, byte for byte, with
 * the golden model (sim/golden) fed the same frames.
 *
 *   usage: ndr_card_tb CAPTURE     (hls_config.cfg: csim.argv)
 *
 * Exits 0 when every record matched and at least one was compared.
 * Heartbeat and drop records are not compared (the golden model does not
 * define them; docs/dataplane.md). The free-running data path has no end of
 * capture, so neither side is flushed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_vitis.h"

extern "C" {
#include "ndr_capture.h"
#include "ndr_card.h"
#include "ndr_golden.h"
#include "record_compare.h"
}

#ifndef NDR_VITIS_LOG2_BUCKETS
#define NDR_VITIS_LOG2_BUCKETS 14u
#endif
#define RING_LOG2 20u
#define WRITER_EVERY 128u   /* frames between writer calls */

extern "C" void ndr_datapath(ndr_axis &rx, ndr_axis &records);
extern "C" void ndr_record_writer(ndr_axis &records, uint8_t *ring,
				  struct ndr_ring_ctrl *ctrl, uint32_t log2_slots,
				  uint32_t init);
extern uint64_t ndr_vitis_tb_ts;

struct tb {
	ndr_axis rx, records;
	uint8_t *ring;
	struct ndr_ring_ctrl ctrl;
	struct ndr_rec_cmp *cmp;
	uint64_t frame_no;
	bool writer_started;
};

static void golden_record(void *arg, const struct ndr_rec_hdr *rec)
{
	struct tb *t = (struct tb *)arg;
	if (rec->type == NDR_REC_FLOW || rec->type == NDR_REC_DNS)
		ndr_rec_cmp_golden(t->cmp, rec, t->frame_no);
}

/* Run the writer once and take every record it published. */
static void drain(struct tb *t)
{
	ndr_record_writer(t->records, t->ring, &t->ctrl, RING_LOG2, t->writer_started ? 0u : 1u);
	t->writer_started = true;
	uint32_t mask = (1u << RING_LOG2) - 1u;
	while (t->ctrl.cons != t->ctrl.prod) {
		const struct ndr_rec_hdr *h = (const struct ndr_rec_hdr *)
			(t->ring + (size_t)(t->ctrl.cons & mask) * NDR_SLOT_BYTES);
		if (h->slots == 0u) {
			fprintf(stderr, "ndr_card_tb: record with 0 slots at %u\n", t->ctrl.cons);
			exit(1);
		}
		if (h->type == NDR_REC_FLOW || h->type == NDR_REC_DNS)
			ndr_rec_cmp_card(t->cmp, h, t->frame_no);
		t->ctrl.cons += h->slots;
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: ndr_card_tb CAPTURE\n");
		return 2;
	}
	char err[256];
	struct ndr_capture *cap = ndr_capture_open_file(argv[1], err, sizeof(err));
	if (!cap) {
		fprintf(stderr, "ndr_card_tb: %s\n", err);
		return 2;
	}
	static struct tb t;
	t.ring = (uint8_t *)calloc((size_t)1 << RING_LOG2, NDR_SLOT_BYTES);
	t.cmp = ndr_rec_cmp_new(stderr, 10);
	struct ndr_card_cfg cfg;
	ndr_card_cfg_defaults(&cfg);
	cfg.log2_buckets = NDR_VITIS_LOG2_BUCKETS;
	struct ndr_golden *g = ndr_golden_new(&cfg, golden_record, &t);
	if (!t.ring || !t.cmp || !g) {
		fprintf(stderr, "ndr_card_tb: out of memory\n");
		return 2;
	}

	struct ndr_frame f;
	int rc;
	while ((rc = ndr_capture_next(cap, &f, 0, err, sizeof(err))) == 1) {
		t.frame_no++;
		ndr_golden_frame(g, f.ts_ns, f.data, f.caplen, f.wirelen);
		ndr_vitis_tb_ts = f.ts_ns;
		uint32_t off = 0;
		do {
			uint32_t n = f.caplen - off < NDR_BEAT_BYTES ? f.caplen - off : NDR_BEAT_BYTES;
			uint8_t slot[NDR_BEAT_BYTES] = {0};
			memcpy(slot, f.data + off, n);
			ndr_axis_word w = ndr_vitis_slot_to_word(slot, off + n >= f.caplen);
			w.keep = 0;
			for (uint32_t i = 0; i < n; i++)
				w.keep[i] = 1;
			t.rx.write(w);
			ndr_datapath(t.rx, t.records);
			off += n;
		} while (off < f.caplen);
		/* let the staging ring empty: one slot per clock */
		for (uint32_t i = 0; i < 64u; i++)
			ndr_datapath(t.rx, t.records);
		if (t.frame_no % WRITER_EVERY == 0u)
			drain(&t);
	}
	if (rc < 0) {
		fprintf(stderr, "ndr_card_tb: %s\n", err);
		return 2;
	}
	for (uint32_t i = 0; i < 256u; i++)
		ndr_datapath(t.rx, t.records);
	drain(&t);

	uint64_t bad = ndr_rec_cmp_finish(t.cmp);
	uint64_t flows = ndr_rec_cmp_equal(t.cmp, NDR_REC_FLOW);
	uint64_t dns = ndr_rec_cmp_equal(t.cmp, NDR_REC_DNS);
	printf("ndr_card_tb: %llu frames, %llu flow and %llu dns records equal, %llu mismatches\n",
	       (unsigned long long)t.frame_no, (unsigned long long)flows,
	       (unsigned long long)dns, (unsigned long long)bad);
	ndr_golden_free(g);
	ndr_rec_cmp_free(t.cmp);
	ndr_capture_close(cap);
	free(t.ring);
	return bad == 0 && flows + dns > 0 ? 0 : 1;
}
