/*
 * ndr_bench - throughput of each stage on one capture, one core:
 *   pcap-read   the plain libpcap read loop (the ceiling for any pcap tool)
 *   card        the emulated card alone, frames preloaded in memory
 *   file+card   the "sim:file:" source (capture reader + emulated card) and
 *               the ring consumer: ndr-sensor's data path without detectors
 *   detectors   the records the card made, through the detectors:
 *               - per detector, one core: each detector's share of the
 *                 worker loop, tables warm;
 *               - all of them, one core: the worker loop on every record,
 *                 tables cold (first pass) and warm (best and worst of
 *                 BENCH_RUNS further passes);
 *               - the dispatcher (shard and copy into 16 workers' queues);
 *               - ndr_workers with 1 and 2 worker threads, end to end
 *                 (records given by this thread, the workers' CPU time
 *                 measured), and 16 workers projected from the rate per
 *                 busy core, capped by the dispatcher's.
 * Prints one line per stage; `make bench` runs it (tests/bench.sh).
 * Single-core stages run on CPU 0; file+card's capture reader thread (the
 * source's readahead) and the worker threads may use the other CPUs, as in
 * ndr-sensor.
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
#include "ndr_workers.h"

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
		records += ndr_source_drain(src, discard, NULL, 0);
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

#define BENCH_SEED 0x6e64722d62656e63ull

struct dets {
	void *state[32];
	size_t nd;
	uint64_t alerts;
	struct ndr_alert_sink sink;
};

static void dets_create(struct dets *c)
{
	struct ndr_config *cfg = ndr_config_empty();
	struct ndr_detector_ctx ctx = ndr_detector_ctx_one(BENCH_SEED);
	char err[256];

	memset(c, 0, sizeof(*c));
	c->sink.emit = null_emit;
	c->sink.arg = &c->alerts;
	for (c->nd = 0; ndr_detectors[c->nd] && c->nd < 32; c->nd++) {
		c->state[c->nd] = ndr_detectors[c->nd]->create(cfg, &ctx, err, sizeof(err));
		if (!c->state[c->nd])
			die(err);
	}
	ndr_config_free(cfg);
}

static void dets_free(struct dets *c)
{
	for (size_t i = 0; i < c->nd; i++)
		ndr_detectors[i]->destroy(c->state[i]);
}

/* The kept records, as pointers in ring order. */
struct recs {
	const struct ndr_rec_hdr **p;
	size_t n;
};

static void recs_index(const struct recbuf *b, struct recs *r)
{
	const uint8_t *p = b->data;

	r->p = malloc(b->n * sizeof(*r->p));
	if (!r->p)
		die("out of memory");
	for (r->n = 0; r->n < b->n; r->n++) {
		r->p[r->n] = (const struct ndr_rec_hdr *)p;
		p += (size_t)r->p[r->n]->slots * NDR_SLOT_BYTES;
	}
}

/* Detector d's prefetch for the record NDR_DET_PREFETCH_AHEAD after i, as
 * a worker calls it (ndr_detector.h). */
static void prefetch_ahead(struct dets *c, size_t d, const struct recs *r, size_t i, size_t to)
{
	if (ndr_detectors[d]->prefetch && i + NDR_DET_PREFETCH_AHEAD < to)
		ndr_detectors[d]->prefetch(c->state[d], r->p[i + NDR_DET_PREFETCH_AHEAD]);
}

/* What a worker does, on this core: every detector on records [from, to),
 * and a tick every second of record time. */
static double worker_loop(struct dets *c, const struct recs *r, size_t from, size_t to)
{
	uint64_t next_tick = 0;
	double t0 = now_s();

	for (size_t i = from; i < to; i++) {
		const struct ndr_rec_hdr *rec = r->p[i];

		for (size_t d = 0; d < c->nd; d++)
			prefetch_ahead(c, d, r, i, to);
		for (size_t d = 0; d < c->nd; d++)
			ndr_detectors[d]->record(c->state[d], rec, &c->sink);
		if (rec->ts_ns >= next_tick) {
			for (size_t d = 0; d < c->nd; d++)
				ndr_detectors[d]->tick(c->state[d], rec->ts_ns, &c->sink);
			next_tick = rec->ts_ns + 1000000000ull;
		}
	}
	return now_s() - t0;
}

/* Each detector's share over records [from, to): in runs of 64, each
 * detector timed over a run (64 records keep the clock's cost out). */
static void per_detector(struct dets *c, const struct recs *r, size_t from, size_t to,
			 double *secs)
{
	for (size_t i = from; i < to; i += 64) {
		size_t m = to - i < 64 ? to - i : 64;

		for (size_t d = 0; d < c->nd; d++) {
			double t0 = now_s();

			for (size_t k = 0; k < m; k++) {
				prefetch_ahead(c, d, r, i + k, to);
				ndr_detectors[d]->record(c->state[d], r->p[i + k], &c->sink);
			}
			secs[d] += now_s() - t0;
		}
	}
}

static void print_rate(const char *what, size_t n, double secs)
{
	printf("%-28s %6.0f ns/record  %7.3f M records/s\n", what, secs / (double)n * 1e9,
	       (double)n / secs / 1e6);
}

/*
 * One core, as one worker would run. "Cold" is the first half of the
 * records on fresh detectors (their tables' pages are touched as they
 * fill, as at a sensor's start); "warm" is the second half, on the tables
 * the first half filled: new records, the state a running sensor has.
 * BENCH_RUNS times, fresh detectors each; best and worst reported. Then
 * each detector's share of the second half, on another fresh set.
 */
static void bench_one_core(const struct recs *r)
{
	size_t half = r->n / 2;
	double cold_best = 0, cold_worst = 0, warm_best = 0, warm_worst = 0;
	double secs[32] = { 0 };
	uint64_t alerts = 0;
	struct dets c;
	char name[64];

	for (int run = 0; run < BENCH_RUNS; run++) {
		double cold, warm;

		dets_create(&c);
		cold = worker_loop(&c, r, 0, half);
		warm = worker_loop(&c, r, half, r->n);
		if (run == 0 || cold < cold_best)
			cold_best = cold;
		if (run == 0 || cold > cold_worst)
			cold_worst = cold;
		if (run == 0 || warm < warm_best)
			warm_best = warm;
		if (run == 0 || warm > warm_worst)
			warm_worst = warm;
		alerts = c.alerts;
		dets_free(&c);
	}
	dets_create(&c);
	worker_loop(&c, r, 0, half);
	per_detector(&c, r, half, r->n, secs);
	printf("detectors, one core, tables warm (each detector's share of the worker loop,\n"
	       "second half of the records after the first):\n");
	for (size_t d = 0; d < c.nd; d++) {
		snprintf(name, sizeof(name), "  %s", ndr_detectors[d]->name);
		print_rate(name, r->n - half, secs[d]);
	}
	dets_free(&c);
	printf("all %zu detectors, one core, the worker loop, %d runs:\n", c.nd, BENCH_RUNS);
	printf("  tables cold (first half)    %.3f-%.3f M records/s\n",
	       (double)half / cold_worst / 1e6, (double)half / cold_best / 1e6);
	printf("  tables warm (second half)   %.3f-%.3f M records/s (%.0f-%.0f ns/record)\n",
	       (double)(r->n - half) / warm_worst / 1e6, (double)(r->n - half) / warm_best / 1e6,
	       warm_best / (double)(r->n - half) * 1e9, warm_worst / (double)(r->n - half) * 1e9);
	printf("  %llu alerts a run\n", (unsigned long long)alerts);
}

static void bench_out_alert(void *arg, const struct ndr_alert *a)
{
	(*(uint64_t *)arg)++;
	(void)a;
}

static struct ndr_workers *pool(unsigned n, size_t queue_bytes, uint64_t *alerts)
{
	struct ndr_config *cfg = ndr_config_empty();
	struct ndr_workers_opts o = { .workers = n, .seed = BENCH_SEED, .queue_bytes = queue_bytes };
	struct ndr_workers_out out = { bench_out_alert, NULL, alerts };
	char err[256];
	struct ndr_workers *w = ndr_workers_new(cfg, &o, &out, err, sizeof(err));

	if (!w)
		die(err);
	ndr_config_free(cfg);
	return w;
}

static void feed(struct ndr_workers *w, const struct recs *r, size_t from, size_t to)
{
	uint64_t next_tick = 0;

	for (size_t i = from; i < to; i++) {
		const struct ndr_rec_hdr *rec = r->p[i];

		ndr_workers_record(w, rec);
		if (rec->ts_ns >= next_tick) {
			ndr_workers_tick(w, rec->ts_ns);
			next_tick = rec->ts_ns + 1000000000ull;
		}
		if (i % 1024 == 0)
			ndr_workers_poll(w);
	}
	ndr_workers_sync(w);
}

static double cpu_s(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The dispatcher alone: records sharded and copied into 16 queues large
 * enough to take them all (a quarter of the records each: the heaviest
 * worker gets its sixteenth and a one-instance detector's share), no
 * worker running. */
static double bench_dispatcher(const struct recbuf *b, const struct recs *r)
{
	uint64_t alerts = 0;
	struct ndr_workers *w = pool(16, (b->used + r->n * 64) / 4, &alerts);
	double t0 = now_s(), secs;

	for (size_t i = 0; i < r->n; i++)
		ndr_workers_record(w, r->p[i]);
	secs = now_s() - t0;
	ndr_workers_free(w);
	printf("dispatcher (shard + copy, 16 workers):\n");
	print_rate("  one core", r->n, secs);
	return (double)r->n / secs;
}

/* ndr_workers as the sensor runs it: this thread gives the records, the
 * workers run wherever the scheduler puts them. The second half of the
 * records is timed (tables warm from the first); the workers' CPU time is
 * the process's less this thread's. */
static double bench_workers(unsigned n, const struct recs *r)
{
	uint64_t alerts = 0;
	struct ndr_workers *w = pool(n, 0, &alerts);
	char err[256];
	double t0, secs, cpu0, me0, busy;

	pin(-1);
	if (ndr_workers_start(w, err, sizeof(err)))
		die(err);
	feed(w, r, 0, r->n / 2);
	t0 = now_s();
	cpu0 = cpu_s(CLOCK_PROCESS_CPUTIME_ID);
	me0 = cpu_s(CLOCK_THREAD_CPUTIME_ID);
	feed(w, r, r->n / 2, r->n);
	secs = now_s() - t0;
	busy = (cpu_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0) - (cpu_s(CLOCK_THREAD_CPUTIME_ID) - me0);
	ndr_workers_finish(w);
	ndr_workers_free(w);
	pin(0);
	printf("workers %-2u %8.3f M records/s end to end, tables warm; workers' CPU %.2f s = "
	       "%.3f M records/s per busy core\n", n, (double)(r->n - r->n / 2) / secs / 1e6, busy,
	       (double)(r->n - r->n / 2) / busy / 1e6);
	return (double)(r->n - r->n / 2) / busy;
}

static void bench_detectors(const struct recbuf *b)
{
	struct recs r;
	double dispatch, per_core, projected;

	recs_index(b, &r);
	bench_one_core(&r);
	dispatch = bench_dispatcher(b, &r);
	bench_workers(1, &r);
	per_core = bench_workers(2, &r);
	projected = 16 * per_core < dispatch ? 16 * per_core : dispatch;
	printf("workers 16 %8.3f M records/s projected: min(16 x %.3f per busy core, dispatcher "
	       "%.3f)\n", projected / 1e6, per_core / 1e6, dispatch / 1e6);
	free(r.p);
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
		printf("packets %zu, records %llu\n", fr.n, (unsigned long long)records);
		bench_detectors(&b);
	}
	return 0;
}
