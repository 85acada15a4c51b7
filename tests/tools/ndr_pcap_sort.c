/*
 * ndr_pcap_sort.c - a capture in the order a wire would deliver it.
 *
 *   ndr-pcap-sort IN OUT      IN: pcap or pcapng; OUT: pcap, frames sorted
 *                             by time (stable: equal times keep their order)
 *
 * Why: captures merged from two capture points (queries from one, answers
 * from the other) run backwards in time at every merge point. The clocked
 * card puts a frame that is earlier than the one before it right behind
 * that one on the wire, so such a capture arrives in bursts no real link
 * could carry, and measures the bursts rather than the card.
 * tests/integration/shared_captures.sh runs the clocked card on the sorted
 * copy. Exit 0 on success, 1 with "ndr-pcap-sort: FILE: what" otherwise.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct frame {
	struct pcap_pkthdr h;
	size_t index;             /* capture order: the tie-break */
	u_char *data;
};

static int by_time(const void *a, const void *b)
{
	const struct frame *x = a, *y = b;

	if (x->h.ts.tv_sec != y->h.ts.tv_sec)
		return x->h.ts.tv_sec < y->h.ts.tv_sec ? -1 : 1;
	if (x->h.ts.tv_usec != y->h.ts.tv_usec)
		return x->h.ts.tv_usec < y->h.ts.tv_usec ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static void free_frames(struct frame *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(f[i].data);
	free(f);
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct frame *f = NULL;
	size_t n = 0, cap = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: ndr-pcap-sort IN OUT\n");
		return 2;
	}
	/* nanosecond timestamps when the file has them: sorting at
	 * microseconds would reorder frames the file tells apart */
	pcap_t *in = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO,
							     err);
	if (!in) {
		fprintf(stderr, "ndr-pcap-sort: %s: %s\n", argv[1], err);
		return 1;
	}
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;
	while ((rc = pcap_next_ex(in, &h, &data)) == 1) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			struct frame *nf = realloc(f, ncap * sizeof(*f));
			if (!nf) {
				fprintf(stderr, "ndr-pcap-sort: %s: out of memory at frame %zu\n",
					argv[1], n + 1);
				free_frames(f, n);
				pcap_close(in);
				return 1;
			}
			f = nf;
			cap = ncap;
		}
		f[n].h = *h;
		f[n].index = n;
		f[n].data = malloc(h->caplen ? h->caplen : 1);
		if (!f[n].data) {
			fprintf(stderr, "ndr-pcap-sort: %s: out of memory at frame %zu\n", argv[1],
				n + 1);
			free_frames(f, n);
			pcap_close(in);
			return 1;
		}
		memcpy(f[n].data, data, h->caplen);
		n++;
	}
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "ndr-pcap-sort: %s: frame %zu: %s\n", argv[1], n + 1, pcap_geterr(in));
		free_frames(f, n);
		pcap_close(in);
		return 1;
	}
	qsort(f, n, sizeof(*f), by_time);

	pcap_dumper_t *out = pcap_dump_open(in, argv[2]);
	if (!out) {
		fprintf(stderr, "ndr-pcap-sort: %s: %s\n", argv[2], pcap_geterr(in));
		free_frames(f, n);
		pcap_close(in);
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		pcap_dump((u_char *)out, &f[i].h, f[i].data);
	rc = pcap_dump_flush(out);
	pcap_dump_close(out);
	free_frames(f, n);
	pcap_close(in);
	if (rc) {
		fprintf(stderr, "ndr-pcap-sort: %s: write failed\n", argv[2]);
		return 1;
	}
	return 0;
}
