/*
 * make_seeds.c - seed inputs for the fuzz harnesses, cut from real captures
 * (tests/fuzz/make-seeds.sh runs it and names the files).
 *
 *   make-seeds card CAPTURE SKIP N   frames SKIP+1..SKIP+N in fuzz_card's format
 *   make-seeds ring CAPTURE SKIP N   the ring after the card took those frames,
 *                                    in fuzz_ring's format
 * The seed goes to stdout. Seeds start the fuzzer from real protocol traffic
 * (DNS tunnels, TLS, scans) instead of from nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_capture.h"
#include "ndr_card.h"

static void put(const void *p, size_t n)
{
	if (fwrite(p, 1, n, stdout) != n) {
		perror("make-seeds: stdout");
		exit(1);
	}
}

static void put16(uint32_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	put(b, 2);
}

static void put32(uint32_t v)
{
	put16(v & 0xffff);
	put16(v >> 16);
}

/* fuzz_card.c: config bytes, then per frame step, flags, caplen, bytes. */
static void card_seed(struct ndr_capture *cap, unsigned n)
{
	struct ndr_frame f;
	char err[256];
	uint64_t last = 0;
	uint8_t cfg[3] = { 0x12, 0x03, 2 };   /* timeouts, heartbeat 1 s, 2^6 buckets */

	put(cfg, sizeof(cfg));
	put32(0x6e647221u);
	while (n-- && ndr_capture_next(cap, &f, -1, err, sizeof(err)) == 1) {
		uint64_t ms = last && f.ts_ns > last ? (f.ts_ns - last) / 1000000 : 0;
		uint8_t step = (uint8_t)(ms < 0xf0 ? ms : 0xf0 + (ms / 7000 > 14 ? 14 : ms / 7000)),
			flags = f.wirelen > f.caplen;
		uint32_t len = f.caplen > 0xffff ? 0xffff : f.caplen;

		last = f.ts_ns;
		put(&step, 1);
		put(&flags, 1);
		put16(len);
		put(f.data, len);
		if (flags)
			put16(f.wirelen - f.caplen > 0xffff ? 0xffff : f.wirelen - f.caplen);
	}
}

/* fuzz_ring.c: u8 log2 slots, u32 cons, u8 max records per drain, u8 batch,
 * then rounds: u16 prod ahead and the slots the card wrote from cons on,
 * one round whenever a ring's worth is near. */
static void put_round(const uint8_t *slots, uint32_t log2, uint32_t cons, uint32_t prod)
{
	uint32_t mask = (1u << log2) - 1;

	put16(prod - cons);
	for (uint32_t i = cons; i != prod; i++)
		put(slots + (size_t)(i & mask) * NDR_SLOT_BYTES, NDR_SLOT_BYTES);
}

static void ring_seed(struct ndr_capture *cap, unsigned n)
{
	const uint32_t log2 = 8;
	struct ndr_card_cfg cfg;
	struct ndr_ring_ctrl ctrl;
	struct ndr_frame f;
	struct ndr_card *card;
	uint8_t *slots = calloc((size_t)1 << log2, NDR_SLOT_BYTES);
	uint8_t head[2] = { 2, 0 };
	char err[256];

	memset(&ctrl, 0, sizeof(ctrl));
	ctrl.log2_slots = log2;
	ndr_card_cfg_defaults(&cfg);
	cfg.log2_buckets = 4;
	cfg.lossless = true;
	card = slots ? ndr_card_new(&cfg, slots, log2, &ctrl, err, sizeof(err)) : NULL;
	if (!card) {
		fprintf(stderr, "make-seeds: %s\n", slots ? err : "out of memory");
		exit(1);
	}
	put(&head[0], 1);
	put32(0);
	put(&head[1], 1);
	put(&head[1], 1);
	/* lossless: a full ring is handed over (one round) and the frame presented again */
	while (n-- && ndr_capture_next(cap, &f, -1, err, sizeof(err)) == 1) {
		while (ndr_card_frame(card, f.ts_ns, f.data, f.caplen, f.wirelen) == NDR_CARD_BUSY) {
			put_round(slots, log2, ctrl.cons, ctrl.prod);
			ctrl.cons = ctrl.prod;
		}
	}
	while (ndr_card_flush(card) == NDR_CARD_BUSY) {
		put_round(slots, log2, ctrl.cons, ctrl.prod);
		ctrl.cons = ctrl.prod;
	}
	put_round(slots, log2, ctrl.cons, ctrl.prod);
	ndr_card_free(card);
	free(slots);
}

int main(int argc, char **argv)
{
	struct ndr_capture *cap;
	struct ndr_frame f;
	char err[256];
	unsigned skip, n;

	if (argc != 5) {
		fprintf(stderr, "usage: make-seeds card|ring CAPTURE SKIP N\n");
		return 2;
	}
	cap = ndr_capture_open_file(argv[2], err, sizeof(err));
	if (!cap) {
		fprintf(stderr, "make-seeds: %s\n", err);
		return 1;
	}
	skip = (unsigned)strtoul(argv[3], NULL, 0);
	n = (unsigned)strtoul(argv[4], NULL, 0);
	while (skip-- && ndr_capture_next(cap, &f, -1, err, sizeof(err)) == 1)
		;
	if (!strcmp(argv[1], "card"))
		card_seed(cap, n);
	else if (!strcmp(argv[1], "ring"))
		ring_seed(cap, n);
	else
		return 2;
	ndr_capture_close(cap);
	return 0;
}
