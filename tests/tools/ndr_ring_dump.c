/*
 * ndr_ring_dump.c - every record a card source hands out, byte for byte, to
 * stdout: what tests compare to show two cards bit-exact (the OpenCL card
 * against the emulated card, tests/integration/opencl_pocl.sh).
 *
 *   ndr-ring-dump SPEC [FRAMES [XCLBIN]]   e.g. sim:file:x.pcap, opencl x.pcap,
 *                                          or opencl:Xilinx x.pcap ndr.xclbin (noop)
 *
 * Exit status: 0 done, 1 the source failed, 2 usage.
 */
#include <stdio.h>
#include <string.h>

#include "ndr_source.h"

static int dump(void *arg, const struct ndr_rec_hdr *rec)
{
	FILE *out = arg;

	return fwrite(rec, NDR_SLOT_BYTES, rec->slots, out) == rec->slots ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct ndr_source_opts o;
	struct ndr_source *s;
	char err[1024];
	int rc;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: ndr-ring-dump SPEC [FRAMES [XCLBIN]]\n");
		return 2;
	}
	ndr_source_opts_defaults(&o);
	o.frames = argc > 2 && argv[2][0] ? argv[2] : NULL;
	o.xclbin = argc > 3 ? argv[3] : NULL;
	s = ndr_source_open(argv[1], &o, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "ndr-ring-dump: %s\n", err);
		return 1;
	}
	do {
		rc = ndr_source_pump(s, 200, err, sizeof(err));
		ndr_source_drain(s, dump, stdout, 0);
	} while (rc != NDR_SRC_END && rc != NDR_SRC_ERROR);
	if (rc == NDR_SRC_ERROR)
		fprintf(stderr, "ndr-ring-dump: %s\n", err);
	ndr_source_close(s);
	return rc == NDR_SRC_ERROR || fflush(stdout) != 0 ? 1 : 0;
}
