/*
 * ndr-sim - runs the emulated card over a capture file, consumes its ring,
 * and prints what it wrote; with --compare, checks the card's FLOW, DNS and
 * TLS records against the golden model, bit for bit.
 *
 * Exit status: 0 success, 1 records differ, 2 bad arguments or I/O error.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_capture.h"
#include "ndr_cli.h"
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

#ifndef NDR_VERSION
#define NDR_VERSION "unknown"
#endif

static int set_pace(void *arg, const char *value)
{
	struct opts *o = arg;

	if (!strcmp(value, "line")) {
		o->cfg.pace_line = true;
		return 0;
	}
	if (!strcmp(value, "capture")) {
		o->cfg.pace_line = false;
		return 0;
	}
	fprintf(stderr, "ndr-sim: --pace: '%s' is neither capture nor line\n", value);
	return -1;
}

/* 0: run; 1: --help or --version printed; -1: bad arguments (reported). */
static int parse_args(int argc, char **argv, struct opts *o)
{
	int clocked = 0, producers_first = 0, rc;
	struct ndr_card_cfg *c = &o->cfg;
	const struct ndr_cli_opt opts[] = {
		NDR_CLI_HEADING("Input and output:"),
		{ "read", 'r', NDR_CLI_STRING, &o->file, .metavar = "FILE",
		  .help = "capture to replay (pcap or pcapng)" },
		{ "compare", 'c', NDR_CLI_FLAG, &o->compare,
		  .help = "also run the golden model and compare FLOW, DNS and TLS records,\n"
			  "per type, in order, every byte except hdr.seq and the phase bit;\n"
			  "exit 1 on any difference" },
		{ "drops-ok", 0, NDR_CLI_FLAG, &o->drops_ok,
		  .help = "with --compare: DNS and TLS records the card dropped (and counted)\n"
			  "may be missing; their number must equal its count" },
		{ "dump", 'd', NDR_CLI_FLAG, &o->dump, .help = "print every record the card wrote, one line each" },
		NDR_CLI_HEADING("Clocked simulation:"),
		{ "clocked", 0, NDR_CLI_FLAG, &clocked,
		  .help = "every stage once per clock at 322 MHz, frames at the clock a\n"
			  "100 Gbit/s wire brings them" },
		{ "cycles", 0, NDR_CLI_FLAG, &o->cycles,
		  .help = "--clocked, and report what it observed per stage and whether the\n"
			  "card keeps line rate (nothing lost, input never held)" },
		{ "pace", 0, NDR_CLI_CALL, .fn = set_pace, .takes_value = 1, .metavar = "P",
		  .help = "capture: frames at their capture times (default); line: back to\n"
			  "back at 100 Gbit/s whatever their times (quiet gaps squeezed out)" },
		{ "link-mbps", 0, NDR_CLI_UINT, &c->link_mbps, .max = 100000, .metavar = "N",
		  .help = "host link budget for records, MB/s (default 12000)" },
		{ "flow-latency", 0, NDR_CLI_UINT, &c->flow_lat, .min = 1, .max = 128, .metavar = "N",
		  .help = "flow table read latency in clocks (default 4: URAM; 96 models HBM)" },
		{ "fwd-depth", 0, NDR_CLI_UINT, &c->flow_fwd, .min = 1, .max = 128, .metavar = "N",
		  .help = "flow table forwarding window (default 128; smaller than the\n"
			  "latency only to see the hazard it covers)" },
		{ "producers-first", 0, NDR_CLI_FLAG, &producers_first,
		  .help = "call the stages producers first within a clock" },
		NDR_CLI_HEADING("Card configuration:"),
		{ "buckets", 0, NDR_CLI_UINT, &c->log2_buckets, .max = 31, .metavar = "LOG2",
		  .help = "flow table buckets, 2^LOG2 of 4 ways (default 16)" },
		{ "seed", 0, NDR_CLI_UINT, &c->hash_seed, .max = UINT32_MAX, .metavar = "N",
		  .help = "flow hash seed (default 0x6e647221)" },
		{ "idle-ms", 0, NDR_CLI_UINT, &c->idle_timeout_ms, .max = UINT32_MAX, .metavar = "N",
		  .help = "idle timeout (default 30000)" },
		{ "active-ms", 0, NDR_CLI_UINT, &c->active_timeout_ms, .max = UINT32_MAX, .metavar = "N",
		  .help = "active timeout (default 120000)" },
		{ "close-ms", 0, NDR_CLI_UINT, &c->close_timeout_ms, .max = UINT32_MAX, .metavar = "N",
		  .help = "close timeout after FIN/RST (default 1000)" },
		{ "heartbeat-ms", 0, NDR_CLI_UINT, &c->heartbeat_ms, .max = UINT32_MAX, .metavar = "N",
		  .help = "heartbeat interval of card time, 0 = none (default 1000)" },
		{ "sweep-ms", 0, NDR_CLI_UINT, &c->scan_sweep_ms, .max = UINT32_MAX, .metavar = "N",
		  .help = "the expiry scanner's sweep of the table (default 1000)" },
		NDR_CLI_LAST,
	};
	const struct ndr_cli cli = {
		"ndr-sim", "-r FILE [options]",
		"Runs the emulated card over a pcap or pcapng capture and prints the number\n"
		"of records it wrote per type and the card's counters.",
		"Exit status: 0 ok, 1 records differ, 2 bad arguments or an unreadable capture.",
		NDR_VERSION, opts, o,
	};

	memset(o, 0, sizeof(*o));
	ndr_card_cfg_defaults(&o->cfg);
	rc = ndr_cli_parse(&cli, argc, argv);
	if (rc != 0)
		return rc;
	if (!o->file) {
		fprintf(stderr, "ndr-sim: no capture given (-r FILE)\n");
		return -1;
	}
	if (o->drops_ok && !o->compare) {
		fprintf(stderr, "ndr-sim: --drops-ok goes with --compare\n");
		return -1;
	}
	o->cfg.clocked = clocked || o->cycles;
	o->cfg.producers_first = producers_first;
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

	if (rc != 0)
		return rc > 0 ? 0 : 2;
	return run(&o);
}
