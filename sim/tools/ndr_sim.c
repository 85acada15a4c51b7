/*
 * ndr-sim - runs the emulated card over a capture file, consumes its ring,
 * and prints what it wrote; with --compare, checks the card's FLOW, DNS and
 * TLS records against the golden model, bit for bit.
 *
 * Exit status: 0 success, 1 records differ, 2 bad arguments or I/O error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_capture.h"
#include "ndr_card.h"
#include "ndr_cycles.h"
#include "ndr_golden.h"
#include "../golden/record_compare.h"
#include "../golden/record_text.h"

#define MAX_REPORTED_MISMATCHES 10u

struct opts {
	const char *file;
	int compare;
	int dump;
	int cycles;
	int drops_ok;
	struct ndr_card_cfg cfg;
};

/* What the consumer and the golden callback share. */
struct run {
	const struct opts *o;
	struct ndr_ring_ctrl *ctrl;
	uint8_t *slots;
	uint32_t log2_slots;
	uint64_t frame_no;
	uint64_t by_type[NDR_REC_TYPE_MAX + 1];   /* last: unknown types */
	struct ndr_rec_cmp *cmp;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ndr-sim -r FILE [--compare [--drops-ok]] [--dump] [--cycles | --clocked]\n"
		"               [--pace capture|line] [--link-mbps N] [--flow-latency N]\n"
		"               [--fwd-depth N] [--producers-first]\n"
		"               [--buckets LOG2] [--seed N] [--idle-ms N] [--active-ms N]\n"
		"               [--close-ms N] [--heartbeat-ms N] [--sweep-ms N]\n"
		"\n"
		"Runs the emulated card over a pcap or pcapng capture and prints the number\n"
		"of records it wrote per type and the card's counters.\n"
		"\n"
		"  -r, --read FILE     capture to replay (pcap or pcapng)\n"
		"  -c, --compare       also run the golden model and compare FLOW, DNS and TLS records,\n"
		"                      per type, in order, every byte except hdr.seq and the\n"
		"                      phase bit; exit 1 on any difference\n"
		"      --drops-ok      with --compare: DNS and TLS records the card dropped (and\n"
		"                      counted) may be missing; their number must equal its count\n"
		"  -d, --dump          print every record the card wrote, one line each\n"
		"      --clocked       run the clocked simulation: every stage once per clock at\n"
		"                      322 MHz, frames at the clock a 100 Gbit/s wire brings them\n"
		"      --cycles        --clocked, and report what it observed per stage and whether\n"
		"                      the card keeps line rate (nothing lost, input never held)\n"
		"      --pace P        capture: frames at their capture times (default); line:\n"
		"                      back to back at 100 Gbit/s whatever their times (their\n"
		"                      quiet gaps squeezed out: for evenly timed captures)\n"
		"      --link-mbps N   host link budget for records, MB/s (default 12000)\n"
		"      --flow-latency N  flow table read latency in clocks, 1..128 (default 4: URAM;\n"
		"                      96 models entries in HBM)\n"
		"      --fwd-depth N   flow table forwarding window, 1..128 (default 128; smaller\n"
		"                      than the latency only to see the hazard it covers)\n"
		"      --producers-first  call the stages producers first within a clock\n"
		"      --buckets LOG2  flow table buckets, 2^LOG2 of 4 ways (default 16)\n"
		"      --seed N        flow hash seed (default 0x6e647221)\n"
		"      --idle-ms N     idle timeout (default 30000)\n"
		"      --active-ms N   active timeout (default 120000)\n"
		"      --close-ms N    close timeout after FIN/RST (default 1000)\n"
		"      --heartbeat-ms N  heartbeat interval of card time, 0 = none (default 1000)\n"
		"      --sweep-ms N    the expiry scanner's sweep of the table (default 1000)\n"
		"  -h, --help          this text\n"
		"\n"
		"Numbers may be decimal or 0x hex. Exit status: 0 ok, 1 records differ,\n"
		"2 bad arguments or an unreadable capture.\n");
}

static int parse_u32(const char *opt, const char *text, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (text[0] == '-' || text[0] == '\0')
		goto bad;
	v = strtoull(text, &end, 0);
	if (errno || *end != '\0' || v > max)
		goto bad;
	*out = (uint32_t)v;
	return 0;
bad:
	fprintf(stderr, "ndr-sim: %s: '%s' is not a number from 0 to %u\n", opt, text, max);
	return -1;
}

enum { OPT_BUCKETS = 256, OPT_SEED, OPT_IDLE, OPT_ACTIVE, OPT_CLOSE, OPT_HEARTBEAT, OPT_CYCLES,
       OPT_CLOCKED, OPT_PACE, OPT_LINK, OPT_LAT, OPT_FWD, OPT_PFIRST, OPT_SWEEP, OPT_DROPS_OK };

/* 0: run; 1: --help given; -1: bad arguments (already reported). */
static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "read", required_argument, NULL, 'r' },
		{ "compare", no_argument, NULL, 'c' },
		{ "dump", no_argument, NULL, 'd' },
		{ "cycles", no_argument, NULL, OPT_CYCLES },
		{ "buckets", required_argument, NULL, OPT_BUCKETS },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "idle-ms", required_argument, NULL, OPT_IDLE },
		{ "active-ms", required_argument, NULL, OPT_ACTIVE },
		{ "close-ms", required_argument, NULL, OPT_CLOSE },
		{ "heartbeat-ms", required_argument, NULL, OPT_HEARTBEAT },
		{ "clocked", no_argument, NULL, OPT_CLOCKED },
		{ "pace", required_argument, NULL, OPT_PACE },
		{ "link-mbps", required_argument, NULL, OPT_LINK },
		{ "flow-latency", required_argument, NULL, OPT_LAT },
		{ "fwd-depth", required_argument, NULL, OPT_FWD },
		{ "producers-first", no_argument, NULL, OPT_PFIRST },
		{ "sweep-ms", required_argument, NULL, OPT_SWEEP },
		{ "drops-ok", no_argument, NULL, OPT_DROPS_OK },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc = 0;

	memset(o, 0, sizeof(*o));
	ndr_card_cfg_defaults(&o->cfg);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":r:cdh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': o->file = optarg; break;
		case 'c': o->compare = 1; break;
		case 'd': o->dump = 1; break;
		case OPT_CYCLES: o->cycles = 1; o->cfg.clocked = true; break;
		case OPT_CLOCKED: o->cfg.clocked = true; break;
		case OPT_PFIRST: o->cfg.producers_first = true; break;
		case OPT_DROPS_OK: o->drops_ok = 1; break;
		case OPT_PACE:
			if (!strcmp(optarg, "line")) {
				o->cfg.pace_line = true;
			} else if (strcmp(optarg, "capture")) {
				fprintf(stderr, "ndr-sim: --pace: '%s' is neither capture nor line\n", optarg);
				rc = -1;
			}
			break;
		case OPT_LINK:
			rc |= parse_u32("--link-mbps", optarg, 100000, &o->cfg.link_mbps);
			break;
		case OPT_LAT:
			rc |= parse_u32("--flow-latency", optarg, 128, &o->cfg.flow_lat);
			break;
		case OPT_FWD:
			rc |= parse_u32("--fwd-depth", optarg, 128, &o->cfg.flow_fwd);
			break;
		case OPT_SWEEP:
			rc |= parse_u32("--sweep-ms", optarg, UINT32_MAX, &o->cfg.scan_sweep_ms);
			break;
		case 'h': return 1;
		case OPT_BUCKETS:
			rc |= parse_u32("--buckets", optarg, 31, &o->cfg.log2_buckets);
			break;
		case OPT_SEED:
			rc |= parse_u32("--seed", optarg, UINT32_MAX, &o->cfg.hash_seed);
			break;
		case OPT_IDLE:
			rc |= parse_u32("--idle-ms", optarg, UINT32_MAX, &o->cfg.idle_timeout_ms);
			break;
		case OPT_ACTIVE:
			rc |= parse_u32("--active-ms", optarg, UINT32_MAX, &o->cfg.active_timeout_ms);
			break;
		case OPT_CLOSE:
			rc |= parse_u32("--close-ms", optarg, UINT32_MAX, &o->cfg.close_timeout_ms);
			break;
		case OPT_HEARTBEAT:
			rc |= parse_u32("--heartbeat-ms", optarg, UINT32_MAX, &o->cfg.heartbeat_ms);
			break;
		case ':':
			fprintf(stderr, "ndr-sim: %s needs a value\n", argv[optind - 1]);
			return -1;
		default:
			if (optopt)
				fprintf(stderr, "ndr-sim: unknown option '-%c'\n", optopt);
			else
				fprintf(stderr, "ndr-sim: unknown option '%s'\n", argv[optind - 1]);
			return -1;
		}
	}
	if (rc)
		return -1;
	if (optind < argc) {
		fprintf(stderr, "ndr-sim: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!o->file) {
		fprintf(stderr, "ndr-sim: no capture given (-r FILE)\n");
		return -1;
	}
	if (o->drops_ok && !o->compare) {
		fprintf(stderr, "ndr-sim: --drops-ok goes with --compare\n");
		return -1;
	}
	o->cfg.lossless = true;
	return 0;
}

/* The card is lossless here: when the ring is full it waits for a drain. */
#define SIM_RING_LOG2 16u

static void golden_record(void *arg, const struct ndr_rec_hdr *rec)
{
	struct run *r = arg;

	ndr_rec_cmp_golden(r->cmp, rec, r->frame_no);
}

/* Reads every complete record in [cons, prod) and hands the slots back. */
static int drain(struct run *r)
{
	uint32_t prod = __atomic_load_n(&r->ctrl->prod, __ATOMIC_ACQUIRE);
	uint32_t cons = r->ctrl->cons, mask = (1u << r->log2_slots) - 1;
	char line[2048];

	while (cons != prod) {
		const struct ndr_rec_hdr *rec =
			(const void *)(r->slots + (size_t)(cons & mask) * NDR_SLOT_BYTES);
		uint32_t phase = ndr_ring_phase(cons, r->log2_slots);

		if (rec->slots == 0 || rec->slots > NDR_REC_MAX_SLOTS ||
		    (cons & mask) + rec->slots > mask + 1) {
			fprintf(stderr, "ndr-sim: card bug: record at slot %u has %u slots\n",
				cons, rec->slots);
			return -1;
		}
		if ((uint32_t)(rec->flags & NDR_REC_F_PHASE) != phase) {
			fprintf(stderr, "ndr-sim: card bug: record at slot %u has phase %u, expected %u\n",
				cons, rec->flags & NDR_REC_F_PHASE, phase);
			return -1;
		}
		r->by_type[rec->type < NDR_REC_TYPE_MAX ? rec->type : NDR_REC_TYPE_MAX]++;
		if (r->o->dump && rec->type != NDR_REC_PAD) {
			ndr_rec_format(rec, line, sizeof(line));
			printf("%s\n", line);
		}
		if (r->cmp)
			ndr_rec_cmp_card(r->cmp, rec, r->frame_no);
		cons += rec->slots;
	}
	__atomic_store_n(&r->ctrl->cons, cons, __ATOMIC_RELEASE);
	return 0;
}

static void print_summary(const struct run *r, const struct ndr_card_stats *st,
			  const struct ndr_capture_stats *cs)
{
	printf("capture: %" PRIu64 " frames, %" PRIu64 " of an unsupported link type%s\n",
	       cs->frames, cs->unsupported, cs->truncated ? ", file truncated" : "");
	printf("records: %" PRIu64 " flow (%" PRIu64 " compact), %" PRIu64 " dns (%" PRIu64
	       " compact), %" PRIu64 " tls, %" PRIu64 " drop, %" PRIu64 " heartbeat, %" PRIu64
	       " pad\n",
	       r->by_type[NDR_REC_FLOW] + r->by_type[NDR_REC_FLOW_SHORT],
	       r->by_type[NDR_REC_FLOW_SHORT],
	       r->by_type[NDR_REC_DNS] + r->by_type[NDR_REC_DNS_SHORT], r->by_type[NDR_REC_DNS_SHORT],
	       r->by_type[NDR_REC_TLS], r->by_type[NDR_REC_DROP], r->by_type[NDR_REC_HEARTBEAT],
	       r->by_type[NDR_REC_PAD]);
	if (r->by_type[NDR_REC_TYPE_MAX] || r->by_type[NDR_REC_EMPTY])
		printf("records: %" PRIu64 " of an unknown type\n",
		       r->by_type[NDR_REC_TYPE_MAX] + r->by_type[NDR_REC_EMPTY]);
	printf("card: frames %" PRIu64 " bytes %" PRIu64 " parse_errors %" PRIu64
	       " non_ip %" PRIu64 " rx_overrun %" PRIu64 " dns_messages %" PRIu64
	       " dns_errors %" PRIu64 " dns_dropped %" PRIu64 " tls_hellos %" PRIu64
	       " tls_dropped %" PRIu64 "\n",
	       st->frames, st->bytes, st->parse_errors, st->non_ip, st->rx_overrun,
	       st->dns_messages, st->dns_errors, st->dns_dropped, st->tls_hellos, st->tls_dropped);
	printf("card: flows_active %" PRIu64 " flows_created %" PRIu64 " flows_evicted %" PRIu64
	       " flows_dns_only %" PRIu64 " records_written %" PRIu64 " records_dropped %" PRIu64
	       " records_link_dropped %" PRIu64 " slots_written %" PRIu64 "\n",
	       st->flows_active, st->flows_created, st->flows_evicted, st->flows_dns_only,
	       st->records_written, st->records_dropped, st->records_link_dropped,
	       st->slots_written);
}

static int run(const struct opts *o)
{
	char err[512];
	struct run r;
	struct ndr_capture *cap = NULL;
	struct ndr_card *card = NULL;
	struct ndr_golden *golden = NULL;
	struct ndr_card_stats st;
	struct ndr_capture_stats cs;
	struct ndr_frame f;
	int rc = 2, n;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.log2_slots = SIM_RING_LOG2;
	r.slots = aligned_alloc(NDR_SLOT_BYTES, (size_t)NDR_SLOT_BYTES << r.log2_slots);
	r.ctrl = aligned_alloc(4096, 4096);
	if (!r.slots || !r.ctrl) {
		fprintf(stderr, "ndr-sim: out of memory for a ring of 2^%u slots\n", r.log2_slots);
		goto out;
	}
	memset(r.slots, 0, (size_t)NDR_SLOT_BYTES << r.log2_slots);
	memset(r.ctrl, 0, 4096);
	r.ctrl->log2_slots = r.log2_slots;

	cap = ndr_capture_open_file(o->file, err, sizeof(err));
	if (!cap) {
		fprintf(stderr, "ndr-sim: %s\n", err);
		goto out;
	}
	card = ndr_card_new(&o->cfg, r.slots, r.log2_slots, r.ctrl, err, sizeof(err));
	if (!card) {
		fprintf(stderr, "ndr-sim: %s\n", err);
		goto out;
	}
	if (o->compare) {
		r.cmp = ndr_rec_cmp_new(stdout, MAX_REPORTED_MISMATCHES);
		golden = r.cmp ? ndr_golden_new(&o->cfg, golden_record, &r) : NULL;
		if (!golden) {
			fprintf(stderr, "ndr-sim: cannot start the golden model\n");
			goto out;
		}
		if (o->drops_ok) {
			ndr_rec_cmp_allow_missing(r.cmp, NDR_REC_FLOW);
			ndr_rec_cmp_allow_missing(r.cmp, NDR_REC_DNS);
			ndr_rec_cmp_allow_missing(r.cmp, NDR_REC_TLS);
		}
	}

	while ((n = ndr_capture_next(cap, &f, -1, err, sizeof(err))) == 1) {
		r.frame_no++;
		if (golden)
			ndr_golden_frame(golden, f.ts_ns, f.data, f.caplen, f.wirelen);
		while (ndr_card_frame(card, f.ts_ns, f.data, f.caplen, f.wirelen) == NDR_CARD_BUSY)
			if (drain(&r))
				goto out;
		if (drain(&r))
			goto out;
	}
	if (n < 0) {
		fprintf(stderr, "ndr-sim: %s\n", err);
		goto out;
	}
	if (golden)
		ndr_golden_flush(golden);
	while (ndr_card_flush(card) == NDR_CARD_BUSY)
		if (drain(&r))
			goto out;
	if (drain(&r))
		goto out;

	ndr_card_get_stats(card, &st);
	ndr_capture_get_stats(cap, &cs);
	if (cs.truncated)
		fprintf(stderr, "ndr-sim: %s: file is truncated; used the %" PRIu64
			" frames before the cut\n", o->file, cs.frames);
	print_summary(&r, &st, &cs);
	if (o->cycles) {
		struct ndr_cycles cyc;

		ndr_card_cycles(card, &cyc);
		ndr_cycles_report(stdout, &cyc);
	}
	rc = 0;
	if (r.cmp) {
		uint64_t bad = ndr_rec_cmp_finish(r.cmp);
		uint64_t missing = ndr_rec_cmp_missing(r.cmp, NDR_REC_DNS) +
				   ndr_rec_cmp_missing(r.cmp, NDR_REC_TLS);
		uint64_t missing_flows = ndr_rec_cmp_missing(r.cmp, NDR_REC_FLOW);

		if (missing_flows != st.flow_link_dropped) {
			printf("compare: FAILED: %" PRIu64 " flow records missing, the card counted "
			       "%" PRIu64 " dropped\n", missing_flows, st.flow_link_dropped);
			bad++;
		}
		uint64_t counted = st.dns_dropped + st.tls_dropped + st.dns_link_dropped +
				   st.tls_link_dropped;

		if (missing != counted) {
			printf("compare: FAILED: %" PRIu64 " DNS/TLS records missing, the card "
			       "counted %" PRIu64 " dropped\n", missing, counted);
			bad++;
		}
		if (bad) {
			printf("compare: FAILED: %" PRIu64 " records differ (%" PRIu64
			       " flow, %" PRIu64 " dns, %" PRIu64 " tls bit-exact)\n", bad,
			       ndr_rec_cmp_equal(r.cmp, NDR_REC_FLOW),
			       ndr_rec_cmp_equal(r.cmp, NDR_REC_DNS),
			       ndr_rec_cmp_equal(r.cmp, NDR_REC_TLS));
			rc = 1;
		} else {
			printf("compare: %" PRIu64 " flow, %" PRIu64 " dns, %" PRIu64
			       " tls records bit-exact", ndr_rec_cmp_equal(r.cmp, NDR_REC_FLOW),
			       ndr_rec_cmp_equal(r.cmp, NDR_REC_DNS),
			       ndr_rec_cmp_equal(r.cmp, NDR_REC_TLS));
			if (o->drops_ok)
				printf("; %" PRIu64 " dropped by the card, as it counted",
				       missing + missing_flows);
			printf("\n");
		}
	}
out:
	ndr_golden_free(golden);
	ndr_rec_cmp_free(r.cmp);
	if (card)
		ndr_card_free(card);
	ndr_capture_close(cap);
	free(r.slots);
	free(r.ctrl);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o;
	int rc = parse_args(argc, argv, &o);

	if (rc > 0) {
		usage(stdout);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "Try 'ndr-sim --help'.\n");
		return 2;
	}
	return run(&o);
}
