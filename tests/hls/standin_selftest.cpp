/*
 * standin_selftest.cpp - the stand-in HLS headers of tests/hls do what the
 * shims rely on, and stop where Vitis's would (tests/integration/
 * vitis_shims.sh runs it).
 *
 *   standin_selftest              every check; exit 0 when all hold
 *   standin_selftest read-empty   reads an empty stream: must stop (abort)
 *   standin_selftest bad-range    selects bits outside an ap_uint: must stop
 */
#include <cstdio>
#include <cstring>

#include <ap_axi_sdata.h>
#include <ap_int.h>
#include <hls_stream.h>

static int failures;

static void expect(bool ok, const char *what)
{
	std::printf("%s: %s\n", ok ? "ok" : "FAILED", what);
	failures += ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !std::strcmp(argv[1], "read-empty")) {
		hls::stream<int> s("selftest_fifo");
		(void)s.read();                     /* must not return */
		return 0;
	}
	if (argc == 2 && !std::strcmp(argv[1], "bad-range")) {
		ap_uint<512> v;
		(void)v.range(512, 505);            /* must not return */
		return 0;
	}
	if (argc != 1) {
		std::fprintf(stderr, "usage: standin_selftest [read-empty|bad-range]\n");
		return 2;
	}

	ap_uint<512> d;
	expect(d.range(63, 0) == 0u && d.range(511, 448) == 0u, "ap_uint starts at zero");
	d.range(67, 60) = 0xa5u;                 /* across a 64-bit word boundary */
	expect(d.range(67, 60) == 0xa5u, "a byte across a word boundary reads back");
	expect(d.range(59, 56) == 0u && d.range(71, 68) == 0u, "its neighbours are untouched");
	expect(d[60] && !d[61] && d[62] && d[67], "bit selects see the byte's bits");
	d[511] = 1u;
	expect(d.range(511, 504) == 0x80u, "the top bit is set alone");
	d.range(7, 0) = 0x1ffu;
	expect(d.range(7, 0) == 0xffu && d.range(15, 8) == 0u, "a part select takes its width only");
	expect((uint8_t)d.range(15, 8) == 0u && (uint8_t)d.range(7, 0) == 0xffu,
	       "part selects convert to bytes");

	ap_uint<64> k = -1;
	expect(k.to_uint64() == ~0ull, "-1 is all ones (64 bits)");
	ap_uint<512> all = -1;
	expect(all.range(511, 448) == ~0ull && all.range(63, 0) == ~0ull, "-1 is all ones (512 bits)");
	ap_uint<12> narrow = 0xffffu;
	expect(narrow == 0xfffu, "a value is cut to W bits");
	k = 0;
	k[3] = 1u;
	expect(k == 8u && k != 0u, "bit assignment and comparison through the conversion");

	ap_axiu<512, 0, 0, 0> w;
	w.last = 1u;
	w.keep = 0;
	w.keep[0] = 1u;
	expect(w.last != 0u && w.keep == 1u, "ap_axiu: last and keep");

	hls::stream<int> s("fifo");
	expect(s.empty() && !s.full(), "a new stream is empty and never full");
	for (int i = 0; i < 1000; i++)
		s.write(i);
	bool order = true;
	for (int i = 0; i < 1000; i++)
		order = order && s.read() == i;
	expect(order && s.empty(), "1000 items come out in order (no depth in C simulation)");
	int v = -1;
	expect(!s.read_nb(v) && v == -1, "read_nb on an empty stream takes nothing");
	expect(s.write_nb(7) && s.read_nb(v) && v == 7, "write_nb and read_nb move one item");

	std::printf("%d failed\n", failures);
	return failures ? 1 : 0;
}
