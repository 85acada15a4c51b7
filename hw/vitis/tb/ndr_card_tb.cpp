/*
 * ndr_card_tb.cpp - C simulation (and C/RTL co-simulation) testbench of the
 * Vitis kernels: a capture is presented to the ndr_datapath top one AXI4-
 * Stream word per call as the CMAC would, ndr_record_writer writes the
 * records into a ring in "host memory", and every FLOW, DNS and TLS record
 * (compact ones included) is compared, byte for byte but for seq and the
 * phase bit, with the golden model (sim/golden) fed the same frames at the
 * same card times. At the end the host's flush register asks the card for
 * a flush, the golden model is flushed too, and the card's final heartbeat
 * must count every frame and no loss.
 *
 *   usage: ndr_card_tb [--stages] [--max-gap CLOCKS] [--frames N] CAPTURE
 *
 * A relative CAPTURE is taken from $NDR_TB_ROOT when that is set (hw/Makefile
 * sets it to the source tree: Vitis runs a testbench in its own work
 * directory). --frames N presents only the first N frames (co-simulation
 * runs the RTL for every clock: keep it short).
 *
 * Time: the card stamps a frame with its own clock (1024/330 ns a clock
 * from the first call), so the testbench decides when each frame arrives
 * and gives the golden model that card time. A frame starts no sooner
 * than the wire allows after the one before it (its beats, and its length
 * at 100 Gbit/s with preamble and gap) and as late as its capture time
 * says, but a quiet gap is cut to --max-gap clocks (default 4096, 12.7 us)
 * so that a capture of minutes runs in seconds: records carry this
 * compressed card time on both sides.
 *
 * --stages: the testbench calls the stage processes of ndr_datapath.h
 * itself, wired as ndr_datapath wires them, instead of calling
 * ndr_datapath: a per-stage component (hw/vitis/stages/) names one of them
 * as its top, and C/RTL co-simulation replaces the calls of that top.
 *
 * Exits 0 when every record matched and at least one was compared, 1 on a
 * mismatch or a check that failed, 2 on bad usage or input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_datapath.h"

extern "C" {
#include "ndr_capture.h"
#include "ndr_golden.h"
#include "record_compare.h"
}

#define RING_LOG2      20u          /* 64 MiB: more than a writer call fills */
#define START_CLOCK    64u          /* the first frame's clock: card time > 0 */
#define WIRE_OVERHEAD  24u          /* preamble, FCS, inter-frame gap (bytes) */
#define MAX_REPORTS    10u

struct tb {
	bool stages;                /* call the stage processes, not the top */
	uint32_t flush;             /* the host's flush request register */
	uint64_t clock;             /* calls of the data path so far */
	uint64_t frame_no;          /* frames presented */
	uint64_t bytes;             /* their bytes, as the beats carried them */
	ndr_axis rx, records;
	uint8_t *ring;
	struct ndr_ring_ctrl ctrl;
	bool writer_started;
	struct ndr_rec_cmp *cmp;
	/* what came out of the ring */
	uint64_t by_type[NDR_REC_TYPE_MAX];
	uint64_t words_seen;        /* slots handed to the writer so far */
	struct ndr_heartbeat_rec hb;    /* the last heartbeat */
	/* The flush's heartbeat is the first one after the request. The card's
	 * time goes on after it, so periodic heartbeats may follow; they must
	 * count what the flush's counted, and no record may follow it. */
	bool have_final;
	struct ndr_heartbeat_rec final_hb;
	uint64_t after_final;       /* records read after the final heartbeat */
	uint64_t grew_after_final;  /* later heartbeats counting more than it */
	bool bad;                   /* a check failed (reported) */
};

/* The stage-by-stage wiring of ndr_datapath (ndr_datapath.cpp), for
 * --stages: the same streams, the same order. */
static struct {
	struct ndr_beat_s s_rx;
	struct ndr_cap_beat_s s_dns_beats, s_tls_beats;
	struct ndr_cap_meta_s s_dns_meta, s_tls_meta;
	struct ndr_parsed_s s_parsed;
	struct ndr_stats_parse_s s_st_parse;
	struct ndr_flow_op_s s_ops;
	struct ndr_rec3_s s_flow_recs;
	struct ndr_stats_flow_s s_st_flow;
	struct ndr_dns_chunk_s s_dns_chunks;
	struct ndr_rec8_s s_dns_recs;
	struct ndr_stats_dns_s s_st_dns;
	struct ndr_tls_chunk_s s_tls_chunks;
	struct ndr_rec8_s s_tls_recs;
	struct ndr_stats_tls_s s_st_tls;
	struct ndr_slot_s s_slots;
} wires;

static void tb_stages(ndr_axis &rx, ndr_axis &records, uint32_t flush)
{
	ndr_df_rx(rx, flush, wires.s_rx);
	ndr_df_parser(wires.s_rx, wires.s_dns_beats, wires.s_dns_meta, wires.s_tls_beats,
		      wires.s_tls_meta, wires.s_parsed, wires.s_st_parse);
	ndr_df_dns_capture(wires.s_dns_beats, wires.s_dns_meta, wires.s_dns_chunks);
	ndr_df_tls_capture(wires.s_tls_beats, wires.s_tls_meta, wires.s_tls_chunks);
	ndr_df_hash(wires.s_parsed, wires.s_ops);
	ndr_df_flow(wires.s_ops, wires.s_flow_recs, wires.s_st_flow);
	ndr_df_dns_engines(wires.s_dns_chunks, wires.s_dns_recs, wires.s_st_dns);
	ndr_df_tls_engines(wires.s_tls_chunks, wires.s_tls_recs, wires.s_st_tls);
	ndr_df_records(wires.s_flow_recs, wires.s_dns_recs, wires.s_tls_recs, wires.s_st_parse,
		       wires.s_st_flow, wires.s_st_dns, wires.s_st_tls, wires.s_slots);
	ndr_df_out(wires.s_slots, records);
}

static void tb_fail(struct tb *t, const char *what)
{
	fprintf(stderr, "ndr_card_tb: %s\n", what);
	t->bad = true;
}

static void golden_record(void *arg, const struct ndr_rec_hdr *rec)
{
	struct tb *t = (struct tb *)arg;
	ndr_rec_cmp_golden(t->cmp, rec, t->frame_no);
}

static bool tb_same_counts(const struct ndr_heartbeat_rec *a, const struct ndr_heartbeat_rec *b)
{
	return a->packets == b->packets && a->bytes == b->bytes &&
	       a->rx_overrun == b->rx_overrun && a->dns_dropped == b->dns_dropped &&
	       a->tls_dropped == b->tls_dropped && a->records_dropped == b->records_dropped &&
	       a->records_link_dropped == b->records_link_dropped;
}

/* Take every record the writer published. */
static void tb_read_ring(struct tb *t)
{
	uint32_t mask = (1u << RING_LOG2) - 1u;
	while (t->ctrl.cons != t->ctrl.prod) {
		const uint8_t *p = t->ring + (size_t)(t->ctrl.cons & mask) * NDR_SLOT_BYTES;
		struct ndr_rec_hdr h;
		memcpy(&h, p, sizeof(h));
		if (h.slots == 0u || h.slots > NDR_REC_MAX_SLOTS || h.type >= NDR_REC_TYPE_MAX) {
			fprintf(stderr, "ndr_card_tb: bad record header at slot %u: type %u, "
				"%u slots\n", t->ctrl.cons, h.type, h.slots);
			exit(1);
		}
		t->by_type[h.type]++;
		if (t->have_final && h.type != NDR_REC_PAD && h.type != NDR_REC_HEARTBEAT)
			t->after_final++;
		if (h.type == NDR_REC_HEARTBEAT) {
			memcpy(&t->hb, p, sizeof(t->hb));
			if (t->have_final && !tb_same_counts(&t->hb, &t->final_hb))
				t->grew_after_final++;
			if (t->flush && !t->have_final) {
				t->final_hb = t->hb;
				t->have_final = true;
			}
		} else if (h.type == NDR_REC_DROP) {
			tb_fail(t, "the writer wrote a drop notice: the ring ran full");
		} else if (h.type != NDR_REC_PAD) {
			ndr_rec_cmp_card(t->cmp, (const struct ndr_rec_hdr *)p, t->frame_no);
		}
		t->ctrl.cons += h.slots;
	}
}

/* One call of the writer kernel (NDR_VITIS_WRITER_CALL clocks, which it
 * runs beside the data path's), then the host's side of the ring. */
static void tb_writer(struct tb *t)
{
	ndr_record_writer(t->records, t->ring, &t->ctrl, RING_LOG2, t->writer_started ? 0u : 1u);
	t->writer_started = true;
	tb_read_ring(t);
}

/* One clock of the data path, with the CMAC's word if there is one. */
static void tb_clock(struct tb *t, const ndr_axis_word *w)
{
	if (w)
		t->rx.write(*w);
	if (t->stages)
		tb_stages(t->rx, t->records, t->flush);
	else
		ndr_datapath(t->rx, t->records, t->flush);
	t->clock++;
	if (t->clock % NDR_VITIS_WRITER_CALL == 0u)
		tb_writer(t);
}

/* Clocks without input until clock `until`. */
static void tb_idle_until(struct tb *t, uint64_t until)
{
	while (t->clock < until)
		tb_clock(t, NULL);
}

/* Clocks without input until a writer call published no record. The
 * writer publishes only at its calls, every NDR_VITIS_WRITER_CALL clocks
 * (far longer than any stage's latency), so the wait ends on a call: then
 * nothing was written in the whole interval before it. A window that
 * ended between calls could miss a periodic heartbeat or an expiry made
 * just before the host's flush and take it for the flush's. */
static void tb_idle_quiet(struct tb *t)
{
	uint64_t seen;
	do {
		seen = t->ctrl.prod;
		tb_idle_until(t, (t->clock / NDR_VITIS_WRITER_CALL + 1u) * NDR_VITIS_WRITER_CALL);
	} while (t->ctrl.prod != seen);
}

/* The frame's beats, one a clock from the current one. */
static void tb_frame(struct tb *t, const struct ndr_frame *f)
{
	uint32_t off = 0;
	do {
		uint32_t n = f->caplen - off < NDR_BEAT_BYTES ? f->caplen - off : NDR_BEAT_BYTES;
		uint8_t bytes[NDR_BEAT_BYTES];
		memset(bytes, 0, sizeof(bytes));
		memcpy(bytes, f->data + off, n);
		ndr_axis_word w = ndr_vitis_slot_to_word(bytes, off + n >= f->caplen);
		w.keep = 0;
		for (uint32_t i = 0; i < n; i++)
			w.keep[(int)i] = 1u;
		w.strb = w.keep;
		tb_clock(t, &w);
		off += n;
	} while (off < f->caplen);
}

/* Clocks frame f keeps the wire busy at 100 Gbit/s (10240/33 bits a clock). */
static uint64_t tb_wire_clocks(const struct ndr_frame *f)
{
	uint64_t bits = (uint64_t)(f->wirelen + WIRE_OVERHEAD) * 8u;
	return (bits * 33u + 10239u) / 10240u;
}

static int usage(void)
{
	fprintf(stderr, "usage: ndr_card_tb [--stages] [--max-gap CLOCKS] [--frames N] "
		"[--linger CLOCKS] CAPTURE\n");
	return 2;
}

int main(int argc, char **argv)
{
	static struct tb t;
	uint64_t max_gap = 4096u, max_frames = UINT64_MAX, linger = 0u;
	const char *path = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--stages")) {
			t.stages = true;
		} else if ((!strcmp(argv[i], "--max-gap") || !strcmp(argv[i], "--frames") ||
			    !strcmp(argv[i], "--linger")) && i + 1 < argc) {
			char *end;
			uint64_t v = strtoull(argv[i + 1], &end, 10);
			if (*end || end == argv[i + 1] || v == 0u) {
				fprintf(stderr, "ndr_card_tb: %s %s: a number > 0\n", argv[i],
					argv[i + 1]);
				return 2;
			}
			if (!strcmp(argv[i], "--max-gap"))
				max_gap = v;
			else if (!strcmp(argv[i], "--linger"))
				linger = v;
			else
				max_frames = v;
			i++;
		} else if (argv[i][0] == '-' || path) {
			return usage();
		} else {
			path = argv[i];
		}
	}
	if (!path)
		return usage();

	static char where[4096];
	const char *root = getenv("NDR_TB_ROOT");
	if (path[0] != '/' && root && *root) {
		if ((size_t)snprintf(where, sizeof(where), "%s/%s", root, path) >= sizeof(where)) {
			fprintf(stderr, "ndr_card_tb: %s/%s: path too long\n", root, path);
			return 2;
		}
		path = where;
	}
	char err[256];
	struct ndr_capture *cap = ndr_capture_open_file(path, err, sizeof(err));
	if (!cap) {
		fprintf(stderr, "ndr_card_tb: %s\n", err);
		return 2;
	}
	t.ring = (uint8_t *)calloc((size_t)1 << RING_LOG2, NDR_SLOT_BYTES);
	t.ctrl.log2_slots = RING_LOG2;
	t.cmp = ndr_rec_cmp_new(stderr, MAX_REPORTS);
	struct ndr_top_cfg top;
	ndr_vitis_cfg(&top);
	struct ndr_card_cfg cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.log2_buckets = top.log2_buckets;
	cfg.hash_seed = top.hash_seed;
	cfg.idle_timeout_ms = top.idle_timeout_ms;
	cfg.active_timeout_ms = top.active_timeout_ms;
	cfg.close_timeout_ms = top.close_timeout_ms;
	cfg.heartbeat_ms = top.heartbeat_ms;
	cfg.scan_sweep_ms = top.scan_sweep_ms;
	struct ndr_golden *g = t.cmp ? ndr_golden_new(&cfg, golden_record, &t) : NULL;
	if (!t.ring || !g) {
		fprintf(stderr, "ndr_card_tb: out of memory\n");
		return 2;
	}

	/* the writer starts first, as the host starts it before traffic */
	tb_writer(&t);
	struct ndr_frame f;
	uint64_t start = START_CLOCK, prev_ts = 0, prev_busy = 0;
	int rc = 0;
	while (t.frame_no < max_frames &&
	       (rc = ndr_capture_next(cap, &f, 0, err, sizeof(err))) == 1) {
		if (t.frame_no > 0u) {
			uint64_t gap = f.ts_ns > prev_ts ? (f.ts_ns - prev_ts) * 330u / 1024u : 0u;
			if (gap > max_gap)
				gap = max_gap;
			start += gap > prev_busy ? gap : prev_busy;
		}
		tb_idle_until(&t, start);
		t.frame_no++;
		t.bytes += f.caplen;
		ndr_golden_frame(g, ndr_vitis_clock_ns(t.clock), f.data, f.caplen, f.wirelen);
		uint64_t beats = f.caplen ? (f.caplen + NDR_BEAT_BYTES - 1u) / NDR_BEAT_BYTES : 1u;
		uint64_t wire = tb_wire_clocks(&f);
		prev_busy = beats > wire ? beats : wire;
		prev_ts = f.ts_ns;
		tb_frame(&t, &f);
	}
	if (rc < 0) {
		fprintf(stderr, "ndr_card_tb: %s\n", err);
		return 2;
	}

	/* the end: everything in flight out, then the host's flush */
	tb_idle_quiet(&t);
	t.flush++;
	while (!t.have_final && t.clock < (uint64_t)1 << 40)
		tb_idle_until(&t, t.clock + NDR_VITIS_WRITER_CALL);
	tb_idle_quiet(&t);
	/* --linger: the card's time goes on (periodic heartbeats) */
	tb_idle_until(&t, t.clock + linger);
	tb_idle_quiet(&t);
	/* the card's time went on after the last frame (its quiet link's
	 * ticks): the golden model's goes to the final heartbeat's, the card
	 * time of the flush, before it flushes */
	if (t.have_final)
		ndr_golden_time(g, t.final_hb.hdr.ts_ns);
	ndr_golden_flush(g);

	uint64_t bad = ndr_rec_cmp_finish(t.cmp);
	uint64_t flows = ndr_rec_cmp_equal(t.cmp, NDR_REC_FLOW);
	uint64_t dns = ndr_rec_cmp_equal(t.cmp, NDR_REC_DNS);
	uint64_t tls = ndr_rec_cmp_equal(t.cmp, NDR_REC_TLS);
	if (!t.have_final)
		tb_fail(&t, "no heartbeat after the flush");
	if (t.after_final != 0u)
		tb_fail(&t, "records came after the final heartbeat");
	if (t.grew_after_final != 0u)
		tb_fail(&t, "a heartbeat after the flush's counts more than the flush's");
	if (t.have_final) {
		t.hb = t.final_hb;
		if (t.hb.packets != t.frame_no) {
			fprintf(stderr, "ndr_card_tb: the final heartbeat counts %llu packets, "
				"%llu were presented\n", (unsigned long long)t.hb.packets,
				(unsigned long long)t.frame_no);
			t.bad = true;
		}
		if (t.hb.bytes != t.bytes) {
			fprintf(stderr, "ndr_card_tb: the final heartbeat counts %llu bytes, "
				"the beats carried %llu\n", (unsigned long long)t.hb.bytes,
				(unsigned long long)t.bytes);
			t.bad = true;
		}
		uint64_t lost = t.hb.rx_overrun + t.hb.dns_dropped + t.hb.tls_dropped +
				t.hb.records_dropped + t.hb.records_link_dropped;
		if (lost) {
			fprintf(stderr, "ndr_card_tb: the card lost something: rx_overrun %llu, "
				"dns_dropped %llu, tls_dropped %llu, records_dropped %llu, "
				"records_link_dropped %llu\n",
				(unsigned long long)t.hb.rx_overrun,
				(unsigned long long)t.hb.dns_dropped,
				(unsigned long long)t.hb.tls_dropped,
				(unsigned long long)t.hb.records_dropped,
				(unsigned long long)t.hb.records_link_dropped);
			t.bad = true;
		}
	}
	printf("ndr_card_tb: %s%s: %llu frames in %llu clocks; records equal: %llu flow, "
	       "%llu dns, %llu tls (%llu compact flow, %llu compact dns); %llu heartbeats; "
	       "%llu mismatches\n", path, t.stages ? " (stages)" : "",
	       (unsigned long long)t.frame_no, (unsigned long long)t.clock,
	       (unsigned long long)flows, (unsigned long long)dns, (unsigned long long)tls,
	       (unsigned long long)t.by_type[NDR_REC_FLOW_SHORT],
	       (unsigned long long)t.by_type[NDR_REC_DNS_SHORT],
	       (unsigned long long)t.by_type[NDR_REC_HEARTBEAT], (unsigned long long)bad);
	ndr_golden_free(g);
	ndr_rec_cmp_free(t.cmp);
	ndr_capture_close(cap);
	free(t.ring);
	return bad == 0u && !t.bad && flows + dns + tls > 0u ? 0 : 1;
}
