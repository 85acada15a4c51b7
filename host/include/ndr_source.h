/*
 * ndr_source.h - where records come from: a card behind one interface.
 *
 * Every source exposes its records the same way, as a ring laid out as in
 * ndr_abi.h, read through source->reader (ndr_ring.h). What differs is how the
 * ring fills up:
 *   sim      the emulated card (hw/ kernels compiled natively) running on a
 *            capture file ("sim:file:PATH") or a live interface through
 *            libpcap ("sim:live:IFACE"), in this process;
 *   chardev  ndr.ko's /dev/ndrN (mmap + poll), see docs/kernel-module.md.
 * The loop is: pump() until it says records may be there, drain the reader,
 * repeat until pump() says NDR_SRC_END.
 */
#ifndef NDR_SOURCE_H
#define NDR_SOURCE_H

#include <stddef.h>
#include <stdint.h>

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
};

void ndr_source_opts_defaults(struct ndr_source_opts *o);

struct ndr_source_stats {
	struct ndr_card_stats card;
	struct ndr_capture_stats capture;
};

struct ndr_source;

struct ndr_source_ops {
	const char *kind;
	int (*pump)(struct ndr_source *s, int timeout_ms, char *err, size_t errlen);
	/* Safe from a signal handler: finish soon, flushing what is in flight. */
	void (*stop)(struct ndr_source *s);
	void (*get_stats)(struct ndr_source *s, struct ndr_source_stats *st);
	void (*close)(struct ndr_source *s);
};

struct ndr_source {
	const struct ndr_source_ops *ops;
	struct ndr_ring_reader reader;
	int numa_node;              /* node the ring lives on, -1 if unknown */
	int replay;                 /* a capture file: time comes only from it */
	unsigned threads;           /* threads of its own that keep a core busy */
	char desc[256];             /* for messages: "sim:file:x.pcap" */
};

/* spec: "sim:file:PATH", "sim:live:IFACE", "chardev:/dev/ndr0".
 * NULL with "SPEC: what" in err. */
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
	s->ops->get_stats(s, st);
}

void ndr_source_close(struct ndr_source *s);

/* Implementations (source_*.c). */
struct ndr_source *ndr_source_sim_open(const char *what, const char *arg,
				       const struct ndr_source_opts *o,
				       char *err, size_t errlen);
/* path: /dev/ndrN of ndr.ko (docs/kernel-module.md). */
struct ndr_source *ndr_source_chardev_open(const char *path, const struct ndr_source_opts *o,
					   char *err, size_t errlen);

#endif
