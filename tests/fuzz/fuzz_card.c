/*
 * fuzz_card.c - arbitrary frames through the emulated card, held to the
 * golden model and to itself.
 *
 * Input: a configuration, then frames:
 *   u8 log2_buckets (4 + b % 5: tiny tables, so collisions and evictions
 *   are the common case), u8 timeouts, u8 heartbeat, u32 hash seed;
 *   per frame: u8 time step, u8 flags, u16 caplen, caplen bytes
 *   (fewer at the end of the input), u16 extra wire bytes if flags & 1.
 * A time step below 0xf0 adds that many ms; 0xf0..0xfe add (s - 0xef) * 7 s
 * (past every timeout); 0xff steps 1 s back (time going backwards, as a
 * merged capture does).
 *
 * Checks, on every input, for every driver in card_drivers.c (whole
 * frame, batches, a 64-slot ring that keeps the card busy, clocked at the
 * capture's times and clocked at line rate):
 *   - the ring discipline (record lengths, phase bit), and a busy card
 *     that gets going again once drained;
 *   - every FLOW, DNS and TLS record (compact ones too) bit for bit equal
 *     to the golden model's, in order (record_compare.h);
 *   - the same records and counters as the whole-frame driver: the batch
 *     driver's ring byte for byte, the others' data records and the
 *     counters both cut at the same point.
 * The whole-frame paths must lose nothing; a clocked card may lose what
 * the hardware would at that rate, counted, and is then held to nothing
 * but the ring discipline ("both write the same records when the clocked
 * card loses nothing", ndr_card.h).
 * Any difference is described on stderr and aborts, which libFuzzer and
 * the replay program both report as a finding.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card_drivers.h"
#include "fuzz_input.h"
#include "ndr_golden.h"
#include "record_compare.h"

#define MAX_FRAMES 512u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct saved_rec {
	uint64_t frame_no;
	uint8_t bytes[NDR_REC_MAX_SLOTS * NDR_SLOT_BYTES];
};

struct golden_out {
	struct saved_rec *recs;
	size_t n, cap;
	uint64_t frame_no;
};

/* What a driver produced beyond the compared records. */
struct driver_out {
	struct ndr_rec_cmp *cmp;
	uint64_t records, data_records;
	uint64_t digest;             /* FNV-1a over every record's bytes */
	uint64_t data_digest;        /* ... over FLOW, DNS and TLS records only */
};

static int is_data(unsigned type)
{
	return type == NDR_REC_FLOW || type == NDR_REC_DNS || type == NDR_REC_TLS ||
	       type == NDR_REC_FLOW_SHORT || type == NDR_REC_DNS_SHORT;
}

__attribute__((noreturn)) static void differ(const char *a, const char *b, const char *what)
{
	fprintf(stderr, "fuzz_card: %s and %s differ: %s\n", a, b, what);
	abort();
}

/* The counters two drivers cut at the same point (after the flush); pads
 * and slots only for the same ring. */
static void same_counters(const struct ndr_card_stats *a, const struct ndr_card_stats *b,
			  int same_ring, const char *na, const char *nb)
{
#define SAME(f) do { if (a->f != b->f) differ(na, nb, "counter " #f); } while (0)
	SAME(frames); SAME(bytes); SAME(parse_errors); SAME(non_ip); SAME(dns_messages);
	SAME(dns_errors); SAME(tls_hellos); SAME(flows_active); SAME(flows_created);
	SAME(flows_evicted); SAME(flows_dns_only); SAME(records_written); SAME(records_dropped);
	for (unsigned t = 0; t < NDR_REC_TYPE_MAX; t++)
		if ((t != NDR_REC_PAD || same_ring) && a->records_by_type[t] != b->records_by_type[t])
			differ(na, nb, "records of one type");
	if (same_ring)
		SAME(slots_written);
#undef SAME
}

static void golden_emit(void *arg, const struct ndr_rec_hdr *rec)
{
	struct golden_out *g = arg;

	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 64;
		struct saved_rec *more = realloc(g->recs, cap * sizeof(*more));

		if (!more)
			abort();
		g->recs = more;
		g->cap = cap;
	}
	g->recs[g->n].frame_no = g->frame_no;
	memcpy(g->recs[g->n].bytes, rec, (size_t)rec->slots * NDR_SLOT_BYTES);
	g->n++;
}

static void card_record(void *arg, const struct ndr_rec_hdr *rec, uint64_t frame_no)
{
	struct driver_out *o = arg;
	const uint8_t *b = (const uint8_t *)rec;
	size_t len = (size_t)rec->slots * NDR_SLOT_BYTES;

	ndr_rec_cmp_card(o->cmp, rec, frame_no);
	o->records++;
	for (size_t i = 0; i < len; i++)
		o->digest = (o->digest ^ b[i]) * 0x100000001b3ull;
	if (is_data(rec->type)) {
		/* the phase bit depends on the ring's size, not on the record */
		o->data_records++;
		for (size_t i = 0; i < len; i++)
			o->data_digest = (o->data_digest ^ (i == 3 ? b[i] & ~NDR_REC_F_PHASE : b[i])) *
					 0x100000001b3ull;
	}
}

static void read_config(struct fuzz_in *in, struct ndr_card_cfg *cfg)
{
	uint8_t t = fuzz_u8(in), hb = fuzz_u8(in);

	ndr_card_cfg_defaults(cfg);
	cfg->log2_buckets = 4 + fuzz_u8(in) % 5;
	cfg->idle_timeout_ms = 1000u * (1 + (t & 7));
	cfg->active_timeout_ms = 2000u * (1 + (t >> 3 & 7));
	cfg->close_timeout_ms = 100u * (1 + (t >> 6));
	cfg->heartbeat_ms = hb & 0x80 ? 0 : 250u * (1 + (hb & 15));
	cfg->hash_seed = fuzz_u32(in);
}

static unsigned read_frames(struct fuzz_in *in, struct ndr_frame_ref *f)
{
	uint64_t ts = 1700000000ull * 1000000000ull;
	unsigned n = 0;

	while (in->left && n < MAX_FRAMES) {
		uint8_t step = fuzz_u8(in), flags = fuzz_u8(in);
		size_t want = fuzz_u16(in) % (NDR_MAX_FRAME + 64 + 1), got;

		if (step < 0xf0)
			ts += (uint64_t)step * 1000000ull;
		else if (step < 0xff)
			ts += (uint64_t)(step - 0xef) * 7000000000ull;
		else
			ts -= 1000000000ull;
		f[n].ts_ns = ts;
		f[n].data = fuzz_bytes(in, want, &got);
		f[n].caplen = (uint32_t)got;
		f[n].wirelen = (uint32_t)got + (flags & 1 ? fuzz_u16(in) : 0);
		n++;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ndr_frame_ref frames[MAX_FRAMES];
	struct fuzz_in in;
	struct ndr_card_cfg cfg;
	struct golden_out g = { 0 };
	struct ndr_golden *golden;
	struct ndr_card_stats first_st = { 0 };
	struct driver_out first = { 0 };
	unsigned n;

	fuzz_in_init(&in, data, size);
	read_config(&in, &cfg);
	n = read_frames(&in, frames);

	golden = ndr_golden_new(&cfg, golden_emit, &g);
	if (!golden)
		abort();
	for (unsigned i = 0; i < n; i++) {
		g.frame_no = i + 1;
		ndr_golden_frame(golden, frames[i].ts_ns, frames[i].data, frames[i].caplen,
				 frames[i].wirelen);
	}
	g.frame_no = (uint64_t)n + 1;
	ndr_golden_flush(golden);
	ndr_golden_free(golden);

	for (unsigned d = 0; d < card_driver_count; d++) {
		const struct card_driver *drv = &card_drivers[d];
		struct driver_out o = { .digest = 0xcbf29ce484222325ull,
					.data_digest = 0xcbf29ce484222325ull };
		struct ndr_card_stats st;
		uint64_t bad;
		int lost;

		/* counted quietly: a clocked card that lost records differs, and
		 * that is no finding; a difference that is one is run again below
		 * with the report on */
		o.cmp = ndr_rec_cmp_new(NULL, 0);
		if (!o.cmp)
			abort();
		for (size_t i = 0; i < g.n; i++)
			ndr_rec_cmp_golden(o.cmp, (const void *)g.recs[i].bytes, g.recs[i].frame_no);
		card_run(drv, &cfg, frames, n, card_record, &o, &st);
		lost = card_lost_any(&st);
		if (getenv("FUZZ_VERBOSE"))
			fprintf(stderr, "fuzz_card: %-18s %llu records%s\n", drv->name,
				(unsigned long long)o.records, lost ? ", lost some (counted)" : "");
		if (lost && !strstr(drv->name, "clocked")) {
			fprintf(stderr, "fuzz_card: %s lost records (%llu dropped in the ring) "
				"though it runs lossless\n", drv->name,
				(unsigned long long)st.records_dropped);
			abort();
		}
		bad = lost ? 0 : ndr_rec_cmp_finish(o.cmp);
		ndr_rec_cmp_free(o.cmp);
		if (bad) {
			struct driver_out again = { 0 };
			struct ndr_card_stats st2;

			again.cmp = ndr_rec_cmp_new(stderr, 3);
			for (size_t i = 0; again.cmp && i < g.n; i++)
				ndr_rec_cmp_golden(again.cmp, (const void *)g.recs[i].bytes,
						   g.recs[i].frame_no);
			if (again.cmp) {
				card_run(drv, &cfg, frames, n, card_record, &again, &st2);
				ndr_rec_cmp_finish(again.cmp);
			}
			fprintf(stderr, "fuzz_card: %s: %llu records differ from the golden model "
				"(%u frames)\n", drv->name, (unsigned long long)bad, n);
			abort();
		}
		if (d == 0) {
			first = o;
			first_st = st;
			continue;
		}
		if (lost)
			continue;
		/* the data records per type are held to the golden model above;
		 * their interleaving, and so seq, may differ between drivers */
		if (o.data_records != first.data_records)
			differ(drv->name, card_drivers[0].name, "the number of FLOW, DNS and TLS records");
		if (drv->exact && (o.records != first.records || o.digest != first.digest ||
				   o.data_digest != first.data_digest))
			differ(drv->name, card_drivers[0].name, "the ring (heartbeats, drop notices)");
		same_counters(&st, &first_st, drv->exact, drv->name, card_drivers[0].name);
	}
	free(g.recs);
	return 0;
}
