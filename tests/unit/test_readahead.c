/*
 * test_readahead.c - the capture read ahead on its own thread must hand out
 * exactly what ndr_capture_next does, in order, and end the same way: a
 * clean end, a truncated file (frames before the cut, then the flag), a
 * read error (frames before it, then the error, again on every call).
 * The queue is made as small as it may be, so the reader wraps it and
 * sleeps on a full queue again and again; frames of every size up to and
 * past NDR_MAX_FRAME go through. Freeing it while the reader sleeps on a
 * full queue must not hang.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "ndr_abi.h"
#include "ndr_capture.h"
#include "ndr_readahead.h"
#include "tmpfile.h"

#define NFRAMES   3000u
#define MAX_LEN   (NDR_MAX_FRAME + 700u)
/* two frames of NDR_MAX_FRAME and their headers: the least it accepts */
#define SMALL_Q   (2u * ((64u + NDR_MAX_FRAME + 63u) / 64u * 64u))

static char path[64];

static uint32_t frame_len(uint32_t i)
{
	static const uint32_t some[] = { 0, 1, 14, 60, 64, 65, 255, 256, 257, 1514,
					 NDR_MAX_FRAME - 1u, NDR_MAX_FRAME, MAX_LEN };
	if (i % 7u == 0u)
		return some[(i / 7u) % (sizeof(some) / sizeof(some[0]))];
	return (i * 2654435761u) % 1600u;
}

static void fill(uint8_t *b, uint32_t i, uint32_t len)
{
	for (uint32_t k = 0; k < len; k++)
		b[k] = (uint8_t)(i * 31u + k * 7u);
}

static void write_capture(unsigned n)
{
	static uint8_t b[MAX_LEN];
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535,
							    PCAP_TSTAMP_PRECISION_NANO);
	pcap_dumper_t *d;

	assert_non_null(dead);
	d = pcap_dump_open(dead, path);
	assert_non_null(d);
	for (uint32_t i = 0; i < n; i++) {
		struct pcap_pkthdr h;

		h.ts.tv_sec = 1700000000 + i / 1000u;
		h.ts.tv_usec = i;       /* nanoseconds in a nano file */
		h.caplen = frame_len(i);
		h.len = h.caplen + (i % 3u);
		fill(b, i, h.caplen);
		pcap_dump((u_char *)d, &h, b);
	}
	pcap_dump_close(d);
	pcap_close(dead);
}

static int setup(void **state)
{
	(void)state;
	test_tmpfile(path, sizeof(path), "readahead");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static struct ndr_readahead *start(size_t queue)
{
	char err[256];
	struct ndr_capture *cap = ndr_capture_open_file(path, err, sizeof(err));
	struct ndr_readahead *ra;

	assert_non_null(cap);
	ra = ndr_readahead_start(cap, queue, err, sizeof(err));
	assert_non_null(ra);
	return ra;
}

/* Every frame equal to the direct reader's; returns the readahead's last
 * return value. */
static int compare_all(size_t queue, uint32_t *frames, char *err, size_t errlen)
{
	char derr[256];
	struct ndr_capture *direct = ndr_capture_open_file(path, derr, sizeof(derr));
	struct ndr_readahead *ra = start(queue);
	struct ndr_frame a, b;
	int ra_rc, d_rc;

	assert_non_null(direct);
	*frames = 0;
	for (;;) {
		ra_rc = ndr_readahead_next(ra, &a, err, errlen);
		d_rc = ndr_capture_next(direct, &b, 0, derr, sizeof(derr));
		assert_int_equal(ra_rc, d_rc);
		if (ra_rc != 1)
			break;
		uint32_t keep = b.caplen < NDR_MAX_FRAME ? b.caplen : NDR_MAX_FRAME;
		assert_int_equal(a.ts_ns, b.ts_ns);
		assert_int_equal(a.caplen, keep);
		assert_int_equal(a.wirelen, b.wirelen);
		assert_memory_equal(a.data, b.data, keep);
		assert_int_equal((uintptr_t)a.data % 64u, 0);   /* beats on cache lines */
		(*frames)++;
	}
	if (ra_rc < 0)
		assert_string_equal(err, derr);
	/* the end repeats */
	assert_int_equal(ndr_readahead_next(ra, &a, err, errlen), ra_rc);

	struct ndr_capture_stats sa, sd;
	ndr_readahead_get_stats(ra, &sa);
	ndr_capture_get_stats(direct, &sd);
	assert_int_equal(sa.frames, sd.frames);
	assert_int_equal(sa.unsupported, sd.unsupported);
	assert_int_equal(sa.truncated, sd.truncated);
	ndr_readahead_free(ra);
	ndr_capture_close(direct);
	return ra_rc;
}

static void test_same_frames_small_queue(void **state)
{
	uint32_t n;
	char err[256];

	(void)state;
	write_capture(NFRAMES);
	assert_int_equal(compare_all(SMALL_Q, &n, err, sizeof(err)), 0);
	assert_int_equal(n, NFRAMES);
}

static void test_same_frames_default_queue(void **state)
{
	uint32_t n;
	char err[256];

	(void)state;
	write_capture(NFRAMES);
	assert_int_equal(compare_all(0, &n, err, sizeof(err)), 0);
	assert_int_equal(n, NFRAMES);
}

static void test_truncated(void **state)
{
	struct ndr_readahead *ra;
	struct ndr_capture_stats st;
	struct ndr_frame f;
	uint32_t n;
	char err[256];
	long size;
	FILE *fp;

	(void)state;
	write_capture(200);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	fclose(fp);
	assert_int_equal(truncate(path, size - 10), 0);
	assert_int_equal(compare_all(SMALL_Q, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 199);
	ra = start(0);
	while (ndr_readahead_next(ra, &f, err, sizeof(err)) == 1)
		;
	ndr_readahead_get_stats(ra, &st);
	assert_int_equal(st.truncated, 1);
	assert_int_equal(st.frames, 199);
	ndr_readahead_free(ra);
}

/* A record header claiming 2 GB: libpcap gives up there with an error. */
static void test_read_error_after_frames(void **state)
{
	uint32_t n, off = 24, bad = 0x7fffffffu;
	char err[256] = "";
	FILE *fp;

	(void)state;
	write_capture(50);
	for (uint32_t i = 0; i < 40; i++)
		off += 16u + frame_len(i);
	fp = fopen(path, "r+b");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, (long)off + 8, SEEK_SET), 0);     /* caplen of frame 40 */
	assert_int_equal(fwrite(&bad, 4, 1, fp), 1);
	fclose(fp);
	assert_int_equal(compare_all(SMALL_Q, &n, err, sizeof(err)), -1);
	assert_int_equal(n, 40);
	assert_non_null(strstr(err, path));
}

static void test_free_while_reader_waits(void **state)
{
	struct ndr_readahead *ra;
	struct ndr_frame f;
	char err[256];

	(void)state;
	write_capture(NFRAMES);
	ra = start(SMALL_Q);
	assert_int_equal(ndr_readahead_next(ra, &f, err, sizeof(err)), 1);
	usleep(20000);          /* the reader fills the queue and sleeps */
	ndr_readahead_free(ra);
	ra = start(SMALL_Q);    /* and before it took anything */
	ndr_readahead_free(ra);
}

static void test_refuses_bad_queue_and_live(void **state)
{
	char err[256];
	struct ndr_capture *cap;

	(void)state;
	write_capture(3);
	cap = ndr_capture_open_file(path, err, sizeof(err));
	assert_non_null(cap);
	assert_null(ndr_readahead_start(cap, SMALL_Q - 64u, err, sizeof(err)));
	assert_non_null(strstr(err, "cannot hold"));
	ndr_capture_close(cap);     /* still the caller's */
	cap = ndr_capture_open_live("lo", err, sizeof(err));
	if (cap) {              /* needs CAP_NET_RAW */
		assert_null(ndr_readahead_start(cap, 0, err, sizeof(err)));
		assert_non_null(strstr(err, "only a capture file"));
		ndr_capture_close(cap);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_same_frames_small_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_frames_default_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_error_after_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_while_reader_waits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_bad_queue_and_live, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
