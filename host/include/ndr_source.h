/*
 * ndr_source.h - where records come from: a card behind one interface.
 *
 * Every source exposes its records the same way, as a ring laid out as in
 * ndr_abi.h, read through source->reader (ndr_ring.h). What differs is how the
 * ring fills up:
 *   sim      the emulated card (hw/ kernels compiled natively) running on a
 *            capture file ("sim:file:PATH") or a live interface through
 *            libpcap ("sim:live:IFACE"), in this process;
 *   chardev  ndr.ko's /dev/ndrN (mmap + poll), see docs/kernel-module.md:
 *            the emulated card behind QEMU, or a card with its own shell;
 *   xrt      an Alveo card on a Vitis shell through XRT's native API
 *            ("xrt:INDEX" or "xrt:BDF", with opts.xclbin), see
 *            docs/hardware.md;
 *   opencl   the hw/ kernels built as OpenCL C through the ICD loader
 *            ("opencl" or "opencl:PLATFORM"); with opts.xclbin, an Alveo
 *            through XRT's OpenCL ICD (ndr_opencl.h).
 * The loop is: pump() until it says records may be there, drain through
 * ndr_source_drain(), repeat until pump() says NDR_SRC_END.
 */
#ifndef NDR_SOURCE_H
#define NDR_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ndr_card.h"
#include "ndr_capture.h"
#include "ndr_ring.h"

enum {
	NDR_SRC_ERROR   = -1,
	NDR_SRC_IDLE    = 0,   /* nothing new before the timeout */
	NDR_SRC_RECORDS = 1,   /* the ring may hold new records */
	NDR_SRC_END     = 2,   /* producer finished and the ring is drained */
};

struct ndr_source_opts {
	struct ndr_card_cfg card;   /* flow table and timeouts (sim) */
	uint32_t ring_log2_slots;   /* 0 = the source's default */
	uint32_t batch_slots;       /* consumer write-back batch */
	int numa_node;              /* -1 = the card's own node, or none */
	const char *xclbin;         /* xrt, opencl on XRT: the xclbin to load */
	const char *xclbin_uuid;    /* same: refuse an xclbin with another UUID */
	const char *frames;         /* xrt, opencl: a capture for the card's
	                               emulation to play (XRT noop, PoCL) */
	int rs_fec;                 /* xrt, opencl on XRT: RS-FEC on the 100G
	                               link (default 1) */
	unsigned pipelines;         /* sim: emulated pipelines (0 or 1: one, in
	                               the consumer's thread; more: threads, see
	                               source_pipes.c) */
	struct ndr_capture_opts capture; /* sim: BPF filter, live buffer size */
};

void ndr_source_opts_defaults(struct ndr_source_opts *o);

/* The card's 100G port, where the source can read it (xrt). */
struct ndr_link_stats {
	int present;               /* the rest is valid */
	int up;
	int rs_fec;
	uint64_t rx_packets, rx_good_packets, rx_bytes, rx_bad_fcs;
	char state[96];            /* "up", "down (local fault ...)" */
};

#define NDR_SOURCE_MAX_PIPES 64

/* One emulated pipeline's share (software mode with several). */
struct ndr_pipe_stats {
	uint64_t frames;
	uint64_t records_dropped;   /* its ring was full (live) */
	uint64_t kernel_drops;      /* its capture handle's (live) */
};

struct ndr_source_stats {
	struct ndr_card_stats card;        /* all pipelines together */
	struct ndr_capture_stats capture;
	struct ndr_link_stats link;
	unsigned pipes;                    /* 0 unless several pipelines */
	struct ndr_pipe_stats pipe[NDR_SOURCE_MAX_PIPES];
};

struct ndr_source;

struct ndr_source_ops {
	const char *kind;
	int (*pump)(struct ndr_source *s, int timeout_ms, char *err, size_t errlen);
	/* Safe from a signal handler: finish soon, flushing what is in flight. */
	void (*stop)(struct ndr_source *s);
	void (*get_stats)(struct ndr_source *s, struct ndr_source_stats *st);
	void (*close)(struct ndr_source *s);
	/* NULL, or rewrites a copy of every record before the consumer sees
	 * it: a card's clock to wall time (ndr_timebase.h). */
	void (*rewrite)(struct ndr_source *s, struct ndr_rec_hdr *rec);
	/* NULL, or its own drain (several rings): hands records to fn and
	 * keeps reader.c the sum of its rings' counters. */
	size_t (*drain)(struct ndr_source *s, ndr_record_fn fn, void *arg, size_t max_records);
};

struct ndr_source {
	const struct ndr_source_ops *ops;
	struct ndr_ring_reader reader;
	int numa_node;              /* node the ring lives on, -1 if unknown */
	int replay;                 /* a capture file: time comes only from it */
	unsigned threads;           /* threads of its own that keep a core busy */
	char desc[256];             /* for messages: "sim:file:x.pcap" */
	char info[512];             /* what the operator should see at start:
	                               device, image, clock, link ("" = none) */
};

/* spec: "sim:file:PATH", "sim:live:IFACE", "chardev:/dev/ndr0", "xrt:0",
 * "xrt:0000:3b:00.1", "opencl", "opencl:NAME". NULL with "SPEC: what" in err. */
struct ndr_source *ndr_source_open(const char *spec, const struct ndr_source_opts *o,
				   char *err, size_t errlen);

static inline int ndr_source_pump(struct ndr_source *s, int timeout_ms, char *err,
				  size_t errlen)
{
	return s->ops->pump(s, timeout_ms, err, errlen);
}

static inline void ndr_source_stop(struct ndr_source *s)
{
	s->ops->stop(s);
}

static inline void ndr_source_get_stats(struct ndr_source *s, struct ndr_source_stats *st)
{
	memset(st, 0, sizeof(*st));
	s->ops->get_stats(s, st);
}

/* Hand every record in the ring to fn (ndr_ring_drain), through the
 * source's rewrite when it has one. */
size_t ndr_source_drain(struct ndr_source *s, ndr_record_fn fn, void *arg, size_t max_records);

void ndr_source_close(struct ndr_source *s);

/* Ring size for a card configuration: the end-of-capture flush writes every
 * flow still in the table at once, so the ring must hold a full table of
 * flow records (4 ways x 3 slots); at least 2^20 slots. */
uint32_t ndr_source_default_log2_slots(const struct ndr_card_cfg *cfg);

/* Implementations (source_*.c). */
struct ndr_source *ndr_source_sim_open(const char *what, const char *arg,
				       const struct ndr_source_opts *o,
				       char *err, size_t errlen);
/* The emulated card as o->pipelines pipelines on threads of their own,
 * each with a slice of the flow table and its own ring, sharded by the
 * card's flow hash (file) or the kernel's PACKET_FANOUT (live). */
struct ndr_source *ndr_source_pipes_open(const char *what, const char *arg,
					 const struct ndr_source_opts *o,
					 char *err, size_t errlen);
/* path: /dev/ndrN of ndr.ko (docs/kernel-module.md). */
struct ndr_source *ndr_source_chardev_open(const char *path, const struct ndr_source_opts *o,
					   char *err, size_t errlen);
/* platform: "" (the first with a device that fits: XRT's with o->xclbin,
 * another without) or part of a platform's name or vendor; o->frames is
 * required but on XRT (noop emulation only there). */
struct ndr_source *ndr_source_opencl_open(const char *platform, const struct ndr_source_opts *o,
					  char *err, size_t errlen);
/* device: an XRT device index or PCI BDF; o->xclbin is required. */
struct ndr_source *ndr_source_xrt_open(const char *device, const struct ndr_source_opts *o,
				       char *err, size_t errlen);

#endif
