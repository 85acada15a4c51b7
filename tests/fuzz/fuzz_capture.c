/*
 * fuzz_capture.c - arbitrary bytes as a capture file (pcap, pcapng, or
 * neither), read directly and through the read-ahead thread.
 *
 * The bytes are the file (a memfd, opened by its /proc path as libpcap
 * opens any file). Checks: opening fails with a message or succeeds; every
 * frame holds caplen readable bytes (ASan sees a byte beyond), caplen <=
 * wirelen, and a time between 1970 and NDR_CAPTURE_MAX_TIME_S; the
 * counters add up; and the read-ahead queue delivers exactly the same
 * frames, times, end and counters as the direct reader (a smaller queue,
 * so it wraps).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ndr_abi.h"
#include "ndr_capture.h"
#include "ndr_readahead.h"

#define MAX_FRAMES 4096u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	uint64_t ts_ns;
	uint32_t caplen, wirelen;
	uint64_t digest;
};

static struct seen direct[MAX_FRAMES];

__attribute__((noreturn)) static void die(const char *what)
{
	fprintf(stderr, "fuzz_capture: %s\n", what);
	abort();
}

static uint64_t digest(const uint8_t *p, uint32_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (uint32_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static void check_frame(const struct ndr_frame *f)
{
	if (f->caplen > f->wirelen)
		die("a frame with caplen > wirelen");
	if (f->ts_ns >= (uint64_t)NDR_CAPTURE_MAX_TIME_S * 1000000000ull)
		die("a frame stamped after NDR_CAPTURE_MAX_TIME_S");
}

static int open_memfd(const uint8_t *data, size_t size, char *path, size_t len)
{
	int fd = memfd_create("fuzz-capture", MFD_CLOEXEC);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		die("memfd");
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ndr_capture_stats st, rst;
	struct ndr_capture *cap;
	struct ndr_readahead *ra;
	struct ndr_frame f;
	char path[64], err[512], rerr[512];
	unsigned n = 0, m = 0;
	int fd = open_memfd(data, size, path, sizeof(path)), rc, rrc;

	cap = ndr_capture_open_file(path, err, sizeof(err));
	if (!cap) {
		if (!err[0])
			die("open failed without a reason");
		close(fd);
		return 0;
	}
	while (n < MAX_FRAMES && (rc = ndr_capture_next(cap, &f, 0, err, sizeof(err))) == 1) {
		check_frame(&f);
		direct[n].ts_ns = f.ts_ns;
		direct[n].caplen = f.caplen;
		direct[n].wirelen = f.wirelen;
		direct[n].digest = digest(f.data, f.caplen);
		n++;
	}
	if (n == MAX_FRAMES)
		rc = 0;   /* enough: the rest is more of the same */
	ndr_capture_get_stats(cap, &st);
	if (st.frames != n)
		die("frames counted differ from frames delivered");
	if (st.bad_time && (st.bad_time > n || !st.bad_time_first_frame ||
			    st.bad_time_first_frame > n + st.unsupported))
		die("bad_time counters do not add up");
	ndr_capture_close(cap);

	/* the same file through the read-ahead thread */
	cap = ndr_capture_open_file(path, err, sizeof(err));
	if (!cap)
		die("a file that opened once does not open again");
	ra = ndr_readahead_start(cap, (size_t)4 * (NDR_MAX_FRAME + 256), err, sizeof(err));
	if (!ra)
		die(err);
	while (m < n && (rrc = ndr_readahead_next(ra, &f, rerr, sizeof(rerr))) == 1) {
		/* read-ahead hands out at most NDR_MAX_FRAME bytes, as the card takes */
		uint32_t keep = direct[m].caplen < NDR_MAX_FRAME ? direct[m].caplen : NDR_MAX_FRAME;

		if (f.ts_ns != direct[m].ts_ns || f.caplen != keep ||
		    f.wirelen != (direct[m].wirelen > keep ? direct[m].wirelen : keep) ||
		    (keep == direct[m].caplen && digest(f.data, f.caplen) != direct[m].digest))
			die("read-ahead delivered another frame than the direct reader");
		m++;
	}
	if (m != n)
		die("read-ahead delivered fewer frames");
	if (n < MAX_FRAMES) {
		rrc = ndr_readahead_next(ra, &f, rerr, sizeof(rerr));
		if (rrc != rc)
			die("read-ahead ended otherwise than the direct reader");
		ndr_readahead_get_stats(ra, &rst);
		if (rst.frames != st.frames || rst.unsupported != st.unsupported ||
		    rst.truncated != st.truncated || rst.bad_time != st.bad_time ||
		    rst.bad_time_first_frame != st.bad_time_first_frame ||
		    rst.bad_time_first_sec != st.bad_time_first_sec)
			die("read-ahead counters differ from the direct reader's");
	}
	ndr_readahead_free(ra);
	close(fd);
	return 0;
}
