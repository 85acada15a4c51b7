/*
 * test_source_pipes.c - the software mode's sharding (source_pipes.c): a
 * capture through 2, 3 and 4 emulated pipelines gives the records one
 * pipeline gives, as a set, with only the documented flow-table effects
 * masked (when a flow's record is written - its ts, order and seq - and
 * whether a flow still in the table at the end says FLUSH or the reason a
 * scan would have found); the same capture through the same number of
 * pipelines gives the same records in the same order every time; every
 * frame is counted once. On every committed capture and on a generated
 * one with 6000 flows of every shape.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glob.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ndr_source.h"
#include "pktgen.h"
#include "tmpfile.h"

#define REC_BYTES (NDR_REC_MAX_SLOTS * NDR_SLOT_BYTES)

struct rec {
	uint8_t b[REC_BYTES];
};

struct run {
	struct rec *r;
	size_t n, cap;
	uint64_t frames, evicted;
	unsigned heartbeats;
};

static int keep(void *arg, const struct ndr_rec_hdr *rec)
{
	struct run *run = arg;

	if (rec->type == NDR_REC_HEARTBEAT || rec->type == NDR_REC_DROP) {
		run->heartbeats++;      /* per pipeline, with its own counters */
		return 0;
	}
	if (run->n == run->cap) {
		run->cap = run->cap ? run->cap * 2 : 1024;
		run->r = realloc(run->r, run->cap * sizeof(*run->r));
		assert_non_null(run->r);
	}
	memset(&run->r[run->n], 0, sizeof(run->r[run->n]));
	memcpy(run->r[run->n].b, rec, (size_t)rec->slots * NDR_SLOT_BYTES);
	run->n++;
	return 0;
}

static void replay(const char *path, unsigned pipelines, struct run *run)
{
	struct ndr_source_opts o;
	struct ndr_source_stats st;
	struct ndr_source *src;
	char spec[4200], err[512];
	int rc;

	memset(run, 0, sizeof(*run));
	ndr_source_opts_defaults(&o);
	o.pipelines = pipelines;
	snprintf(spec, sizeof(spec), "sim:file:%s", path);
	src = ndr_source_open(spec, &o, err, sizeof(err));
	if (!src)
		fail_msg("%s", err);
	do {
		rc = ndr_source_pump(src, 100, err, sizeof(err));
		if (rc == NDR_SRC_ERROR)
			fail_msg("%s", err);
		ndr_source_drain(src, keep, run, 0);
	} while (rc != NDR_SRC_END);
	ndr_source_get_stats(src, &st);
	run->frames = st.card.frames;
	run->evicted = st.card.flows_evicted;
	assert_int_equal(src->reader.c.records, run->n + run->heartbeats);
	assert_int_equal(src->reader.c.bad_records, 0);
	ndr_source_close(src);
}

/* What may differ with the number of pipelines, cleared or made canonical. */
static void normalise(struct rec *x)
{
	struct ndr_rec_hdr *h = (struct ndr_rec_hdr *)x->b;

	h->seq = 0;
	h->flags &= (uint8_t)~NDR_REC_F_PHASE;
	if (h->type == NDR_REC_FLOW) {
		struct ndr_flow_rec *f = (struct ndr_flow_rec *)x->b;

		h->ts_ns = 0;         /* when the scan reached it */
		/* still in the table at the end: the reason a scan would have
		 * given it (docs/dataplane.md "Flow table") */
		if (f->end_reason == NDR_FLOW_END_FLUSH)
			f->end_reason = f->tcp_state & (NDR_TCP_RST_FWD | NDR_TCP_RST_REV) ?
					NDR_FLOW_END_RST :
					(f->tcp_state & NDR_TCP_FIN_FWD) && (f->tcp_state & NDR_TCP_FIN_REV) ?
					NDR_FLOW_END_FIN : NDR_FLOW_END_IDLE;
	}
}

static int cmp_rec(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct rec));
}

static void compare(const char *what, unsigned n, struct run *one, struct run *many)
{
	assert_int_equal(one->frames, many->frames);
	if (one->n != many->n)
		fail_msg("%s: %zu records with 1 pipeline, %zu with %u", what, one->n, many->n, n);
	for (size_t i = 0; i < one->n; i++) {
		normalise(&one->r[i]);
		normalise(&many->r[i]);
	}
	qsort(one->r, one->n, sizeof(*one->r), cmp_rec);
	qsort(many->r, many->n, sizeof(*many->r), cmp_rec);
	for (size_t i = 0; i < one->n; i++)
		if (memcmp(&one->r[i], &many->r[i], sizeof(one->r[i])) != 0)
			fail_msg("%s: record %zu of %zu differs with %u pipelines (type %u)", what, i,
				 one->n, n, ((struct ndr_rec_hdr *)one->r[i].b)->type);
}

static void check(const char *path)
{
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	for (unsigned n = 2; n <= 4; n++) {
		struct run one, many, again;

		replay(path, 1, &one);
		replay(path, n, &many);
		replay(path, n, &again);
		/* the same pipelines twice: the same records in the same order */
		assert_int_equal(many.n, again.n);
		assert_memory_equal(many.r, again.r, many.n * sizeof(*many.r));
		assert_int_equal(one.evicted, 0);
		assert_int_equal(many.evicted, 0);
		compare(name, n, &one, &many);
		if (n == 2)
			print_message("%-24s %6zu records, equal with 2, 3 and 4 pipelines\n", name,
				      one.n);
		free(one.r);
		free(many.r);
		free(again.r);
	}
}

static void test_committed_captures(void **state)
{
	glob_t g;

	(void)state;
	assert_int_equal(glob("tests/captures/*.pcap", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 5);
	for (size_t i = 0; i < g.gl_pathc; i++)
		check(g.gl_pathv[i]);
	globfree(&g);
}

/* 6000 flows of several packets each (TCP sessions, refused attempts, UDP
 * and ICMP, IPv4 and IPv6, VLAN-tagged), interleaved, over 10 minutes: so
 * some flows end by idle timeout while others run on. */
static void test_generated_capture(void **state)
{
	char path[256];
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535,
							    PCAP_TSTAMP_PRECISION_NANO);
	pcap_dumper_t *d;
	uint64_t x = 0x243f6a8885a308d3ull, ts = 1700000000ull * 1000000000ull;

	(void)state;
	test_tmpfile(path, sizeof(path), "pipes");
	d = pcap_dump_open(dead, path);
	assert_non_null(d);
	for (unsigned k = 0; k < 60000; k++) {
		struct pg p;
		struct pcap_pkthdr h;
		unsigned flow, dir;
		char a[48], b[48];

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		flow = (unsigned)(x % 6000);
		dir = (x >> 20) & 1;
		pg_init(&p);
		if (flow % 5 == 4) {
			snprintf(a, sizeof(a), "2001:db8::%x", 1 + flow % 200);
			snprintf(b, sizeof(b), "2001:db8:1::%x", 1 + flow / 200);
			pg_eth(&p, 0x86dd);
			pg_ipv6(&p, dir ? b : a, dir ? a : b, 17, 64);
			pg_udp(&p, dir ? 53 : (uint16_t)(1024 + flow), dir ? (uint16_t)(1024 + flow) : 53);
		} else {
			snprintf(a, sizeof(a), "10.%u.%u.%u", 1 + flow % 3, flow / 256 % 256, flow % 256);
			snprintf(b, sizeof(b), "10.9.%u.%u", flow % 7, 1 + flow % 250);
			if (flow % 7 == 0) {
				pg_eth(&p, 0x8100);
				pg_vlan(&p, (uint16_t)(10 + flow % 3), 0x0800);
			} else {
				pg_eth(&p, 0x0800);
			}
			if (flow % 11 == 0) {
				pg_ipv4(&p, dir ? b : a, dir ? a : b, 1, 64, 0, NULL, 0);
				pg_icmp(&p, dir ? 0 : 8, 0);
			} else {
				pg_ipv4(&p, dir ? b : a, dir ? a : b, 6, 64, 0, NULL, 0);
				pg_tcp(&p, dir ? 443 : (uint16_t)(2000 + flow), dir ? (uint16_t)(2000 + flow) : 443,
				       (x >> 30) % 9 == 0 ? 0x11 : (x >> 30) % 13 == 0 ? 0x04 : 0x18, 0);
			}
		}
		pg_fill(&p, 0, (uint32_t)((x >> 40) % 100));
		pg_finish(&p);
		ts += (x >> 44) % 20000000;        /* up to 20 ms apart: about 10 minutes */
		h.ts.tv_sec = (time_t)(ts / 1000000000ull);
		h.ts.tv_usec = (suseconds_t)(ts % 1000000000ull);
		h.caplen = h.len = p.len;
		pcap_dump((u_char *)d, &h, p.b);
	}
	pcap_dump_close(d);
	pcap_close(dead);
	check(path);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_committed_captures),
		cmocka_unit_test(test_generated_capture),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
