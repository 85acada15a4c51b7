/*
 * ndr_capture.h - frames from a capture file (pcap or pcapng) or a live
 * interface, through libpcap, converted to Ethernet frames as the CMAC would
 * present them (see docs/dataplane.md "Input").
 */
#ifndef NDR_CAPTURE_H
#define NDR_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

struct ndr_frame {
	uint64_t ts_ns;
	const uint8_t *data;         /* Ethernet frame, valid until the next call */
	uint32_t caplen;
	uint32_t wirelen;
};

/* Frames stamped later than this (2100-01-01) carry a corrupt time, not a
 * date: see bad_time below. */
#define NDR_CAPTURE_MAX_TIME_S 4102444800ll

struct ndr_capture_stats {
	uint64_t frames;             /* delivered */
	uint64_t unsupported;        /* frames of a link type we cannot convert */
	uint64_t kernel_drops;       /* live: libpcap's ps_drop */
	int truncated;               /* file ended inside a record */
	int unsupported_linktype;    /* the DLT_ number of those frames */
	uint64_t filtered;           /* frames the BPF filter left out */
	uint64_t down;               /* live: times the interface went away */
	uint64_t reopens;            /* live: times it was opened again */
	/* Frames whose timestamp no clock can have written: before 1970 (a
	 * pcap file's 32-bit seconds are signed, so 0xffffffff is -1), with a
	 * fraction of a second out of range, or after NDR_CAPTURE_MAX_TIME_S.
	 * Such a frame is delivered (its packet is real) with the time of the
	 * frame before it (0 for the first), so one corrupt record cannot move
	 * the sensor's clock by centuries. The first one is kept for the report. */
	uint64_t bad_time;
	uint64_t bad_time_first_frame;   /* 1-based number among the frames read */
	int64_t bad_time_first_sec;      /* its seconds as the file has them */
	int64_t bad_time_first_frac;     /* and its fraction (us, or ns if nano) */
};

struct ndr_capture;

/* What libpcap is asked for beyond the defaults. */
struct ndr_capture_opts {
	const char *filter;          /* BPF filter (pcap-filter(7)), NULL: all */
	uint64_t buffer_bytes;       /* live: kernel buffer, 0: libpcap's default */
};

/* NULL with the reason in err ("FILE: what") on failure. */
struct ndr_capture *ndr_capture_open_file(const char *path, char *err, size_t errlen);
/* Live capture; snaplen 65535, promiscuous, immediate mode. An interface
 * that goes down or disappears later is not an error: ndr_capture_next()
 * waits for it, reopening with backoff (250 ms doubling to 30 s), counts
 * it in stats.down and stats.reopens and says so on stderr. */
struct ndr_capture *ndr_capture_open_live(const char *iface, char *err, size_t errlen);
/* The same with options (o may be NULL): a BPF filter, compiled for the
 * link type ("FILE: filter 'x': why" when it does not compile) - run by the
 * kernel live, here for a file so stats.filtered counts what it left out;
 * the live kernel buffer size. */
struct ndr_capture *ndr_capture_open_file_opts(const char *path, const struct ndr_capture_opts *o,
					       char *err, size_t errlen);
struct ndr_capture *ndr_capture_open_live_opts(const char *iface, const struct ndr_capture_opts *o,
					       char *err, size_t errlen);

/* 1: a frame in *f; 0: end of file (or live capture stopped by
 * ndr_capture_break); 0 for a live capture's timeout with no frame is not
 * returned: it waits up to timeout_ms and returns 2 when nothing arrived;
 * -1: error, reason in err. A truncated file ends with 0 and stats.truncated. */
int ndr_capture_next(struct ndr_capture *cap, struct ndr_frame *f, int timeout_ms,
		     char *err, size_t errlen);

/* Live only: makes cap one member of the PACKET_FANOUT group (any id
 * unique on the host): the kernel gives each packet to one member, by a
 * symmetric hash of its flow, fragments reassembled first - so several
 * handles on one interface share its packets, each flow whole on one.
 * 0, or -1 with "IFACE: why" in err. */
int ndr_capture_fanout(struct ndr_capture *cap, uint16_t group, char *err, size_t errlen);

/* Safe from a signal handler: makes a blocked live capture return 0. */
void ndr_capture_break(struct ndr_capture *cap);

void ndr_capture_get_stats(const struct ndr_capture *cap, struct ndr_capture_stats *st);
int ndr_capture_is_live(const struct ndr_capture *cap);
void ndr_capture_close(struct ndr_capture *cap);

#endif
