/*
 * ndr_bench - throughput of each stage on one capture, one core:
 *   pcap-read   the plain libpcap read loop (the ceiling for any pcap tool)
 *   card        the emulated card alone, frames preloaded in memory
 *   file+card   the "sim:file:" source (capture reader + emulated card) and
 *               the ring consumer: ndr-sensor's data path without detectors
 *   detectors   the records the card made, replayed through a ring reader into
 *               every detector, twice (tables cold, then warm)
 * Prints one line per stage; `make bench` runs it (tests/bench.sh).
 * Every stage runs on CPU 0; file+card's capture reader thread (the
 * source's readahead) may use the other CPUs, as in ndr-sensor.
 */
#include <pcap/pcap.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ndr_capture.h"
#include "ndr_card.h"
#include "ndr_config.h"
#include "ndr_detector.h"
#include "ndr_ring.h"
#include "ndr_source.h"

#define LOG2_SLOTS 20u
#define BENCH_RUNS 5

struct frames {
	uint8_t *data;
	size_t used, cap;
	uint32_t *off, *len, *wire;
	uint64_t *ts;
	size_t n, max;
	uint64_t wire_bytes;
};

static cpu_set_t all_cpus;     /* the process's CPUs, as it started */

/* Run the calling thread on that CPU only (cpu < 0: on all_cpus); threads
 * it starts afterwards inherit that. */
static void pin(int cpu)
{
	cpu_set_t set = all_cpus;

	if (cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
	}
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void report(const char *stage, double secs, uint64_t pkts, uint64_t bytes,
		   uint64_t records)
{
	printf("%-10s %8.3f s  %8.3f Mpps  %7.2f Gbit/s", stage, secs, (double)pkts / secs / 1e6,
	       (double)bytes * 8 / secs / 1e9);
	if (records)
		printf("  %8.3f M records/s", (double)records / secs / 1e6);
	printf("\n");
}

static void die(const char *what)
{
	fprintf(stderr, "ndr_bench: %s\n", what);
	exit(1);
}

static void bench_pcap_read(const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	uint64_t n = 0, bytes = 0, sum = 0;
	double t0;
	pcap_t *p = pcap_open_offline(path, errbuf);

	if (!p)
		die(errbuf);
	t0 = now_s();
	while (pcap_next_ex(p, &h, &d) == 1) {
		n++;
		bytes += h->len;
		sum += d[h->caplen - 1];  /* touch the packet as any reader must */
	}
	report("pcap-read", now_s() - t0, n, bytes, 0);
	if (sum == 42)
		printf("\n");
	pcap_close(p);
}

static void load(const char *path, struct frames *fr)
{
	char err[256];
	struct ndr_capture *cap = ndr_capture_open_file(path, err, sizeof(err));
	struct ndr_frame f;

	if (!cap)
		die(err);
	memset(fr, 0, sizeof(*fr));
	while (ndr_capture_next(cap, &f, 0, err, sizeof(err)) == 1) {
		if (fr->n == fr->max) {
			fr->max = fr->max ? fr->max * 2 : 1 << 16;
			fr->off = realloc(fr->off, fr->max * sizeof(*fr->off));
			fr->len = realloc(fr->len, fr->max * sizeof(*fr->len));
			fr->wire = realloc(fr->wire, fr->max * sizeof(*fr->wire));
			fr->ts = realloc(fr->ts, fr->max * sizeof(*fr->ts));
			if (!fr->off || !fr->len || !fr->wire || !fr->ts)
				die("out of memory");
		}
		if (fr->used + f.caplen > fr->cap) {
			fr->cap = fr->cap ? fr->cap * 2 : 1 << 24;
			fr->data = realloc(fr->data, fr->cap);
			if (!fr->data)
				die("out of memory");
		}
		memcpy(fr->data + fr->used, f.data, f.caplen);
		fr->off[fr->n] = (uint32_t)fr->used;
		fr->len[fr->n] = f.caplen;
		fr->wire[fr->n] = f.wirelen;
		fr->ts[fr->n] = f.ts_ns;
		fr->used += f.caplen;
		fr->wire_bytes += f.wirelen;
		fr->n++;
	}
	ndr_capture_close(cap);
}

struct ring {
	void *slots;
	struct ndr_ring_ctrl ctrl;
	struct ndr_ring_reader rd;
};

static int discard(void *arg, const struct ndr_rec_hdr *rec)
{
	(void)arg;
	(void)rec;
	return 0;
}

/* Copy of every record, to replay through the consumer and detectors. */
struct recbuf {
	uint8_t *data;
	size_t used, cap;
	uint64_t n;
};

static int keep(void *arg, const struct ndr_rec_hdr *rec)
{
	struct recbuf *b = arg;
	size_t len = (size_t)rec->slots * NDR_SLOT_BYTES;

	if (b->used + len > b->cap) {
		b->cap = b->cap ? b->cap * 2 : 1 << 24;
		b->data = realloc(b->data, b->cap);
		if (!b->data)
			die("out of memory");
	}
	memcpy(b->data + b->used, rec, len);
	b->used += len;
	b->n++;
	return 0;
}

/* Frames go to the card in batches of this many, the ring drained between
 * batches (it holds far more than a batch's worst case). */
#define CARD_BATCH 256u

static uint64_t run_card(const struct frames *fr, struct ring *r, ndr_record_fn fn, void *arg,
			 double *secs)
{
	struct ndr_card_cfg cfg;
	struct ndr_card *card;
	struct ndr_frame_ref batch[CARD_BATCH];
	char err[256];
	uint64_t records = 0;
	double t0;
	size_t i;

	memset(&r->ctrl, 0, sizeof(r->ctrl));
	memset(r->slots, 0, (size_t)NDR_SLOT_BYTES << LOG2_SLOTS);
	ndr_card_cfg_defaults(&cfg);
	card = ndr_card_new(&cfg, r->slots, LOG2_SLOTS, &r->ctrl, err, sizeof(err));
	if (!card)
		die(err);
	ndr_ring_reader_init(&r->rd, r->slots, LOG2_SLOTS, &r->ctrl, 256);
	t0 = now_s();
	for (i = 0; i < fr->n;) {
		unsigned n;

		for (n = 0; n < CARD_BATCH && i < fr->n; n++, i++) {
			batch[n].ts_ns = fr->ts[i];
			batch[n].data = fr->data + fr->off[i];
			batch[n].caplen = fr->len[i];
			batch[n].wirelen = fr->wire[i];
		}
		ndr_card_frames(card, batch, n);
		records += ndr_ring_drain(&r->rd, fn, arg, 0);
	}
	ndr_card_flush(card);
	records += ndr_ring_drain(&r->rd, fn, arg, 0);
	*secs = now_s() - t0;
	ndr_card_free(card);
	return records;
}

/* A shared VM's neighbours swing one run by a third or more: the card
 * stage reports the best of BENCH_RUNS, the usual guard (as hyperfine's
 * min). */
static uint64_t best_card(const struct frames *fr, struct ring *r, double *secs)
{
	uint64_t records = 0;

	for (int run = 0; run < BENCH_RUNS; run++) {
		double t;

		records = run_card(fr, r, discard, NULL, &t);
		if (run == 0 || t < *secs)
			*secs = t;
	}
	return records;
}

/* ndr-sensor's data path without detectors: the "sim:file:" source (capture
 * reader + emulated card in batches) pumped and drained as the sensor does. */
static void bench_file_card(const char *path)
{
	struct ndr_source_opts o;
	struct ndr_source_stats st;
	struct ndr_source *src;
	char spec[4096], err[512];
	uint64_t records = 0;
	double t0;
	int rc;

	ndr_source_opts_defaults(&o);
	snprintf(spec, sizeof(spec), "sim:file:%s", path);
	pin(-1);        /* the reader thread starts here: let it go elsewhere */
	src = ndr_source_open(spec, &o, err, sizeof(err));
	pin(0);
	if (!src)
		die(err);
	t0 = now_s();
	do {
		rc = ndr_source_pump(src, 0, err, sizeof(err));
		if (rc == NDR_SRC_ERROR)
			die(err);
		records += ndr_ring_drain(&src->reader, discard, NULL, 0);
	} while (rc != NDR_SRC_END);
	ndr_source_get_stats(src, &st);
	report("file+card", now_s() - t0, st.card.frames, st.card.bytes, records);
	ndr_source_close(src);
}

static void null_emit(void *arg, const struct ndr_alert *a)
{
	(*(uint64_t *)arg)++;
	(void)a;
}

struct consumer {
	void *state[16];
	size_t nd;
	struct ndr_alert_sink sink;
};

static int to_detectors(void *arg, const struct ndr_rec_hdr *rec)
{
	struct consumer *c = arg;

	for (size_t i = 0; i < c->nd; i++)
		ndr_detectors[i]->record(c->state[i], rec, &c->sink);
	return 0;
}

/* The kept records laid into the ring as the card wrote them (one lap, so
 * every phase bit is the first lap's), then drained through a ring reader
 * into every detector: what ndr-sensor's main thread does per record. */
static double replay(const struct recbuf *b, struct ring *r, struct consumer *c)
{
	double t0;
	size_t got;

	if (b->used > (size_t)NDR_SLOT_BYTES << LOG2_SLOTS)
		die("the records do not fit one lap of the ring");
	memset(&r->ctrl, 0, sizeof(r->ctrl));
	memcpy(r->slots, b->data, b->used);
	ndr_ring_reader_init(&r->rd, r->slots, LOG2_SLOTS, &r->ctrl, 256);
	r->ctrl.prod = (uint32_t)(b->used / NDR_SLOT_BYTES);
	t0 = now_s();
	got = ndr_ring_drain(&r->rd, to_detectors, c, 0);
	t0 = now_s() - t0;
	if (got != b->n)
		die("the ring reader did not hand back every record");
	return t0;
}

/* Twice through the same detectors: the first pass finds their tables
 * untouched (the kernel maps and zeroes their pages as they fill, as at a
 * sensor's start), the second finds them in memory, as a sensor that has
 * run for a while does. */
static void bench_consumer(const struct recbuf *b, struct ring *r)
{
	struct ndr_config *cfg = ndr_config_empty();
	uint64_t alerts = 0;
	struct consumer c = { .nd = 0, .sink = { null_emit, &alerts } };
	char err[256];

	for (c.nd = 0; ndr_detectors[c.nd] && c.nd < 16; c.nd++) {
		struct ndr_detector_ctx ctx = ndr_detector_ctx_one(0x6e6472);

		c.state[c.nd] = ndr_detectors[c.nd]->create(cfg, &ctx, err, sizeof(err));
		if (!c.state[c.nd])
			die(err);
	}
	for (int pass = 0; pass < 2; pass++) {
		double secs = replay(b, r, &c);

		printf("%-10s %8.3f s  %8.3f M records/s (ring reader + %zu detectors, %s)\n",
		       "detectors", secs, (double)b->n / secs / 1e6, c.nd,
		       pass == 0 ? "tables cold" : "the same records again, tables warm");
	}
	printf("           %llu alerts\n", (unsigned long long)alerts);
	for (size_t i = 0; i < c.nd; i++)
		ndr_detectors[i]->destroy(c.state[i]);
	ndr_config_free(cfg);
}

static bool want(const char *only, const char *stage)
{
	return !only || strcmp(only, stage) == 0;
}

int main(int argc, char **argv)
{
	struct frames fr;
	struct ring r;
	struct recbuf b;
	uint64_t records;
	double secs;
	const char *only = NULL;     /* --stage NAME: that stage alone, for a profiler */

	if (argc == 4 && strcmp(argv[1], "--stage") == 0) {
		only = argv[2];
		if (!want(only, "pcap-read") && !want(only, "card") && !want(only, "file+card") &&
		    !want(only, "detectors")) {
			fprintf(stderr, "ndr_bench: --stage %s: not one of pcap-read, card, "
				"file+card, detectors\n", only);
			return 2;
		}
	} else if (argc != 2) {
		fprintf(stderr, "usage: ndr_bench [--stage pcap-read|card|file+card|detectors] "
			"CAPTURE\n");
		return 2;
	}
	const char *path = argv[argc - 1];
	if (sched_getaffinity(0, sizeof(all_cpus), &all_cpus) != 0)
		die("sched_getaffinity failed");
	pin(0);
	r.slots = aligned_alloc(4096, (size_t)NDR_SLOT_BYTES << LOG2_SLOTS);
	if (!r.slots)
		die("out of memory");
	memset(&b, 0, sizeof(b));

	if (want(only, "pcap-read"))
		bench_pcap_read(path);
	if (want(only, "card") || want(only, "detectors"))
		load(path, &fr);
	if (want(only, "card")) {
		records = best_card(&fr, &r, &secs);
		report("card", secs, fr.n, fr.wire_bytes, records);
	}
	if (want(only, "file+card"))
		bench_file_card(path);
	if (want(only, "detectors")) {
		records = run_card(&fr, &r, keep, &b, &secs);
		bench_consumer(&b, &r);
		printf("packets %zu, records %llu\n", fr.n, (unsigned long long)records);
	}
	return 0;
}
