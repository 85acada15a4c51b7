/*
 * test_capture.c - the capture reader on small pcap and pcapng files
 * written by the test: timestamps in ns, link type conversion (SLL), a
 * truncated file, an unsupported link type, errors that name the file,
 * timestamps no clock can have written (counted, given the time before).
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

#include "ndr_capture.h"
#include "tmpfile.h"

static char path[64];

static void write_pcap(int dlt, int nano, const uint8_t *const *frames, const uint32_t *lens,
		       unsigned n)
{
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(dlt, 65535,
		nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
	pcap_dumper_t *d;
	unsigned i;

	assert_non_null(dead);
	d = pcap_dump_open(dead, path);
	assert_non_null(d);
	for (i = 0; i < n; i++) {
		struct pcap_pkthdr h;

		h.ts.tv_sec = 1700000000 + i;
		h.ts.tv_usec = 123456 + i;
		h.caplen = lens[i];
		h.len = lens[i] + 100;
		pcap_dump((u_char *)d, &h, frames[i]);
	}
	pcap_dump_close(d);
	pcap_close(dead);
}

static int setup(void **state)
{
	(void)state;
	test_tmpfile(path, sizeof(path), "capture");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static void test_pcap_nano_ethernet(void **state)
{
	uint8_t a[60], b[1000];
	const uint8_t *frames[2] = { a, b };
	uint32_t lens[2] = { sizeof(a), sizeof(b) };
	struct ndr_capture *cap;
	struct ndr_capture_stats st;
	struct ndr_frame f;
	char err[256];

	(void)state;
	memset(a, 0xa1, sizeof(a));
	memset(b, 0xb2, sizeof(b));
	write_pcap(DLT_EN10MB, 1, frames, lens, 2);
	cap = ndr_capture_open_file(path, err, sizeof(err));
	assert_non_null(cap);
	assert_false(ndr_capture_is_live(cap));
	assert_int_equal(ndr_capture_next(cap, &f, 0, err, sizeof(err)), 1);
	assert_int_equal(f.ts_ns, 1700000000ull * 1000000000ull + 123456);
	assert_int_equal(f.caplen, 60);
	assert_int_equal(f.wirelen, 160);
	assert_memory_equal(f.data, a, 60);
	assert_int_equal(ndr_capture_next(cap, &f, 0, err, sizeof(err)), 1);
	assert_int_equal(f.ts_ns, 1700000001ull * 1000000000ull + 123457);
	assert_int_equal(f.caplen, 1000);
	assert_memory_equal(f.data, b, 1000);
	assert_int_equal(ndr_capture_next(cap, &f, 0, err, sizeof(err)), 0);
	ndr_capture_get_stats(cap, &st);
	assert_int_equal(st.frames, 2);
	assert_int_equal(st.truncated, 0);
	ndr_capture_close(cap);
}

static void test_pcap_micro_scaled(void **state)
{
	uint8_t a[60] = { 0 };
	const uint8_t *frames[1] = { a };
	uint32_t lens[1] = { sizeof(a) };
	struct ndr_capture *cap;
	struct ndr_frame f;
	char err[256];

	(void)state;
	write_pcap(DLT_EN10MB, 0, frames, lens, 1);
	cap = ndr_capture_open_file(path, err, sizeof(err));
	assert_non_null(cap);
	assert_int_equal(ndr_capture_next(cap, &f, 0, err, sizeof(err)), 1);
	assert_int_equal(f.ts_ns, 1700000000ull * 1000000000ull + 123456000ull);
	ndr_capture_close(cap);
}

static void test_truncated_file(void **state)
{
	uint8_t a[100], b[100], c[100];
	const uint8_t *frames[3] = { a, b, c };
	uint32_t lens[3] = { 100, 100, 100 };
	struct ndr_capture *cap;
	struct ndr_capture_stats st;
	struct ndr_frame f;
	char err[256];

	(void)state;
	memset(a, 1, 100);
	memset(b, 2, 100);
	memset(c, 3, 100);
	write_pcap(DLT_EN10MB, 1, frames, lens, 3);
	/* 24 + 3 * (16 + 100) = 372 bytes: cut inside the third frame. */
	assert_int_equal(truncate(path, 24 + 2 * 116 + 16 + 40), 0);
	cap = ndr_capture_open_file(path, err, sizeof(err));
	assert_non_null(cap);
	assert_int_equal(ndr_capture_next(cap, &f, 0, err, sizeof(err)), 1);
	assert_int_equal(ndr_capture_next(cap, &f, 0, err, sizeof(err)), 1);
	assert_int_equal(f.data[0], 2);
	assert_int_equal(ndr_capture_next(cap, &f, 0, err, sizeof(err)), 0);
	ndr_capture_get_stats(cap, &st);
	assert_int_equal(st.frames, 2);
	assert_int_equal(st.truncated, 1);
	ndr_capture_close(cap);
}

static void test_linux_sll(void **state)
{
	uint8_t sll[16 + 28] = { 0 };
	const uint8_t *frames[1] = { sll };
	uint32_t lens[1] = { sizeof(sll) };
	struct ndr_capture *cap;
	struct ndr_frame f;
	char err[256];

	(void)state;
	sll[14] = 0x08;       /* protocol 0x0800 */
	sll[15] = 0x00;
	sll[16] = 0x45;       /* first IP byte */
	sll[43] = 0x77;
	write_pcap(DLT_LINUX_SLL, 1, frames, lens, 1);
	cap = ndr_capture_open_file(path, err, sizeof(err));
	assert_non_null(cap);
	assert_int_equal(ndr_capture_next(cap, &f, 0, err, sizeof(err)), 1);
	assert_int_equal(f.caplen, 14 + 28);
	assert_int_equal(f.wirelen, 14 + 28 + 100);
	assert_int_equal(f.data[0], 0);              /* zero MACs */
	assert_int_equal(f.data[11], 0);
	assert_int_equal(f.data[12], 0x08);
	assert_int_equal(f.data[13], 0x00);
	assert_int_equal(f.data[14], 0x45);
	assert_int_equal(f.data[14 + 27], 0x77);
	ndr_capture_close(cap);
}

static void test_raw_ipv6_and_null(void **state)
{
	uint8_t raw6[40] = { 0x60 }, null4[4 + 20] = { 2, 0, 0, 0, 0x45 };
	const uint8_t *f1[1] = { raw6 }, *f2[1] = { null4 };
	uint32_t l1[1] = { sizeof(raw6) }, l2[1] = { sizeof(null4) };
	struct ndr_capture *cap;
	struct ndr_frame f;
	char err[256];

	(void)state;
	write_pcap(DLT_RAW, 1, f1, l1, 1);
	cap = ndr_capture_open_file(path, err, sizeof(err));
	assert_non_null(cap);
	assert_int_equal(ndr_capture_next(cap, &f, 0, err, sizeof(err)), 1);
	assert_int_equal(f.caplen, 54);
	assert_int_equal(f.data[12], 0x86);
	assert_int_equal(f.data[13], 0xdd);
	ndr_capture_close(cap);

	write_pcap(DLT_NULL, 1, f2, l2, 1);
	cap = ndr_capture_open_file(path, err, sizeof(err));
	assert_non_null(cap);
	assert_int_equal(ndr_capture_next(cap, &f, 0, err, sizeof(err)), 1);
	assert_int_equal(f.caplen, 34);
	assert_int_equal(f.data[12], 0x08);
	assert_int_equal(f.data[13], 0x00);
	assert_int_equal(f.data[14], 0x45);
	ndr_capture_close(cap);
}

static void test_unsupported_linktype(void **state)
{
	uint8_t a[30] = { 0 };
	const uint8_t *frames[2] = { a, a };
	uint32_t lens[2] = { 30, 30 };
	struct ndr_capture *cap;
	struct ndr_capture_stats st;
	struct ndr_frame f;
	char err[256];

	(void)state;
	write_pcap(DLT_IEEE802_11, 1, frames, lens, 2);
	cap = ndr_capture_open_file(path, err, sizeof(err));
	assert_non_null(cap);
	assert_int_equal(ndr_capture_next(cap, &f, 0, err, sizeof(err)), 0);
	ndr_capture_get_stats(cap, &st);
	assert_int_equal(st.frames, 0);
	assert_int_equal(st.unsupported, 2);
	ndr_capture_close(cap);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);   /* pcapng in the writer's (little-endian) order */
}

static void test_pcapng(void **state)
{
	uint8_t buf[256] = { 0 }, *p = buf;
	struct ndr_capture *cap;
	struct ndr_frame f;
	char err[256];
	uint64_t ts = 1700000000ull * 1000000ull + 42;   /* microseconds */
	FILE *out;

	(void)state;
	/* Section header block */
	put32(p, 0x0a0d0d0a); put32(p + 4, 28); put32(p + 8, 0x1a2b3c4d);
	p[12] = 1; p[14] = 0;                               /* version 1.0 */
	memset(p + 16, 0xff, 8);                            /* section length unknown */
	put32(p + 24, 28);
	p += 28;
	/* Interface description block: Ethernet, default us resolution */
	put32(p, 1); put32(p + 4, 20); p[8] = 1; put32(p + 12, 65535); put32(p + 16, 20);
	p += 20;
	/* Enhanced packet block with a 60-byte frame */
	put32(p, 6); put32(p + 4, 32 + 60); put32(p + 8, 0);
	put32(p + 12, (uint32_t)(ts >> 32)); put32(p + 16, (uint32_t)ts);
	put32(p + 20, 60); put32(p + 24, 64);
	memset(p + 28, 0x5a, 60);
	put32(p + 88, 32 + 60);
	p += 92;
	out = fopen(path, "wb");
	assert_non_null(out);
	assert_int_equal(fwrite(buf, 1, (size_t)(p - buf), out), (size_t)(p - buf));
	fclose(out);

	cap = ndr_capture_open_file(path, err, sizeof(err));
	if (!cap)
		fail_msg("%s", err);
	assert_int_equal(ndr_capture_next(cap, &f, 0, err, sizeof(err)), 1);
	assert_int_equal(f.ts_ns, ts * 1000);
	assert_int_equal(f.caplen, 60);
	assert_int_equal(f.wirelen, 64);
	assert_int_equal(f.data[59], 0x5a);
	assert_int_equal(ndr_capture_next(cap, &f, 0, err, sizeof(err)), 0);
	ndr_capture_close(cap);
}

/* A classic pcap file written byte by byte, so the test controls what no
 * dumper writes: seconds with the top bit set (libpcap reads them signed),
 * a fraction of a second out of range. */
static uint32_t raw_wire_len = 60;   /* what each record says was on the wire */

static void write_raw_pcap(const uint32_t (*ts)[2], unsigned n)
{
	uint8_t hdr[24] = { 0 }, rec[16], frame[60];
	FILE *out = fopen(path, "wb");

	assert_non_null(out);
	put32(hdr, 0xa1b2c3d4);                       /* microseconds */
	hdr[4] = 2; hdr[6] = 4;                       /* version 2.4 */
	put32(hdr + 16, 65535);
	put32(hdr + 20, 1);                           /* Ethernet */
	assert_int_equal(fwrite(hdr, 1, sizeof(hdr), out), sizeof(hdr));
	memset(frame, 0x33, sizeof(frame));
	for (unsigned i = 0; i < n; i++) {
		put32(rec, ts[i][0]);
		put32(rec + 4, ts[i][1]);
		put32(rec + 8, sizeof(frame));
		put32(rec + 12, raw_wire_len);
		assert_int_equal(fwrite(rec, 1, sizeof(rec), out), sizeof(rec));
		assert_int_equal(fwrite(frame, 1, sizeof(frame), out), sizeof(frame));
	}
	fclose(out);
}

static void test_impossible_timestamps(void **state)
{
	static const uint32_t ts[][2] = {
		{ 1700000000u, 5 },
		{ 0xffffffffu, 0 },           /* -1 s: before 1970 */
		{ 1700000001u, 1000000 },     /* a whole second of microseconds */
		{ 4102444800u, 0 },           /* 2100-01-01 */
		{ 1700000002u, 7 },
		{ 0x80000000u, 999999 },      /* -2^31 s */
	};
	static const uint64_t want[] = {
		1700000000000005000ull, 1700000000000005000ull, 1700000000000005000ull,
		1700000000000005000ull, 1700000002000007000ull, 1700000002000007000ull,
	};
	struct ndr_capture_stats st;
	struct ndr_capture *cap;
	struct ndr_frame f;
	char err[256];

	(void)state;
	write_raw_pcap(ts, 6);
	cap = ndr_capture_open_file(path, err, sizeof(err));
	if (!cap)
		fail_msg("%s", err);
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(ndr_capture_next(cap, &f, 0, err, sizeof(err)), 1);
		if (f.ts_ns != want[i])
			fail_msg("frame %u: ts_ns %llu, want %llu", i + 1,
				 (unsigned long long)f.ts_ns, (unsigned long long)want[i]);
		assert_int_equal(f.caplen, 60);       /* the packet itself is kept */
	}
	assert_int_equal(ndr_capture_next(cap, &f, 0, err, sizeof(err)), 0);
	ndr_capture_get_stats(cap, &st);
	assert_int_equal(st.frames, 6);
	assert_int_equal(st.bad_time, 4);
	assert_int_equal(st.bad_time_first_frame, 2);
	assert_int_equal(st.bad_time_first_sec, -1);
	assert_int_equal(st.bad_time_first_frac, 0);
	ndr_capture_close(cap);

	/* the first frame bad: time 0 until a good one */
	write_raw_pcap(ts + 1, 4);
	cap = ndr_capture_open_file(path, err, sizeof(err));
	assert_non_null(cap);
	assert_int_equal(ndr_capture_next(cap, &f, 0, err, sizeof(err)), 1);
	assert_int_equal(f.ts_ns, 0);
	ndr_capture_close(cap);
}

/* A record that says it captured 60 bytes of a 20-byte packet: the card
 * takes caplen <= wirelen, so the wire length is raised to what is there. */
static void test_caplen_above_wire_length(void **state)
{
	static const uint32_t ts[][2] = { { 1700000000u, 5 } };
	struct ndr_capture *cap;
	struct ndr_frame f;
	char err[256];

	(void)state;
	raw_wire_len = 20;
	write_raw_pcap(ts, 1);
	raw_wire_len = 60;
	cap = ndr_capture_open_file(path, err, sizeof(err));
	if (!cap)
		fail_msg("%s", err);
	assert_int_equal(ndr_capture_next(cap, &f, 0, err, sizeof(err)), 1);
	assert_int_equal(f.caplen, 60);
	assert_int_equal(f.wirelen, 60);
	ndr_capture_close(cap);
}

static void test_pcapng_far_future(void **state)
{
	uint8_t buf[256] = { 0 }, *p = buf;
	struct ndr_capture_stats st;
	struct ndr_capture *cap;
	struct ndr_frame f;
	char err[256];
	uint64_t ts = 1ull << 62;   /* microseconds: year 146 million */
	FILE *out;

	(void)state;
	put32(p, 0x0a0d0d0a); put32(p + 4, 28); put32(p + 8, 0x1a2b3c4d);
	p[12] = 1; p[14] = 0;
	memset(p + 16, 0xff, 8);
	put32(p + 24, 28);
	p += 28;
	put32(p, 1); put32(p + 4, 20); p[8] = 1; put32(p + 12, 65535); put32(p + 16, 20);
	p += 20;
	put32(p, 6); put32(p + 4, 32 + 60); put32(p + 8, 0);
	put32(p + 12, (uint32_t)(ts >> 32)); put32(p + 16, (uint32_t)ts);
	put32(p + 20, 60); put32(p + 24, 60);
	memset(p + 28, 0x5a, 60);
	put32(p + 88, 32 + 60);
	p += 92;
	out = fopen(path, "wb");
	assert_non_null(out);
	assert_int_equal(fwrite(buf, 1, (size_t)(p - buf), out), (size_t)(p - buf));
	fclose(out);
	cap = ndr_capture_open_file(path, err, sizeof(err));
	if (!cap)
		fail_msg("%s", err);
	assert_int_equal(ndr_capture_next(cap, &f, 0, err, sizeof(err)), 1);
	assert_int_equal(f.ts_ns, 0);
	ndr_capture_get_stats(cap, &st);
	assert_int_equal(st.bad_time, 1);
	ndr_capture_close(cap);
}

static void test_errors_name_the_file(void **state)
{
	char err[256];
	FILE *out;

	(void)state;
	assert_null(ndr_capture_open_file("/nonexistent/x.pcap", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/x.pcap"));
	out = fopen(path, "wb");
	assert_non_null(out);
	fputs("this is not a capture file at all", out);
	fclose(out);
	assert_null(ndr_capture_open_file(path, err, sizeof(err)));
	assert_non_null(strstr(err, path));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pcap_nano_ethernet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcap_micro_scaled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_linux_sll, setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_ipv6_and_null, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsupported_linktype, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcapng, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_name_the_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_impossible_timestamps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcapng_far_future, setup, teardown),
		cmocka_unit_test_setup_teardown(test_caplen_above_wire_length, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
