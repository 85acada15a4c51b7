/*
 * ndr_readahead.h - a capture file read ahead on a thread of its own.
 *
 * Reading a capture through libpcap (the kernel's copy out of the page
 * cache, the record headers, the link-type conversion) costs about as much
 * per frame as the emulated card's whole work on it. A reader thread does
 * that work and leaves the frames in a queue in memory; the card's thread
 * takes them from there, so on a machine with a second core the card no
 * longer waits for the file, and it finds each frame's bytes in the shared
 * cache where the reader just wrote them.
 *
 * The contract is ndr_capture_next's for a file: frames in file order, each
 * valid until the next call; the end of the file, a truncated file and a
 * read error are reported after every frame that came before them.
 * One reader thread and one consumer thread per queue.
 */
#ifndef NDR_READAHEAD_H
#define NDR_READAHEAD_H

#include <stddef.h>

#include "ndr_capture.h"

/* Queue size when the caller passes 0: room for at least 200 frames of
 * NDR_MAX_FRAME bytes, small enough to stay in a shared L3 cache. */
#define NDR_READAHEAD_DEFAULT_BYTES (2u << 20)

struct ndr_readahead;

/* Starts the reader thread on cap, a capture file (not live), and takes cap
 * over: ndr_readahead_free closes it. queue_bytes: 0 for the default. On
 * failure returns NULL with the reason in err, and cap is still the
 * caller's. */
struct ndr_readahead *ndr_readahead_start(struct ndr_capture *cap, size_t queue_bytes,
					  char *err, size_t errlen);

/* 1: a frame in *f, valid until the next call; 0: end of file (stats say
 * whether it was truncated); -1: read error, the reason in err. The end and
 * an error repeat on every later call. */
int ndr_readahead_next(struct ndr_readahead *ra, struct ndr_frame *f, char *err, size_t errlen);

/* The capture's counters as of the last frame taken: frames taken, frames
 * of an unsupported link type skipped before it, truncated once the end was
 * taken. */
void ndr_readahead_get_stats(const struct ndr_readahead *ra, struct ndr_capture_stats *st);

/* Stops the reader (it may be ahead of the consumer: the frames it read
 * beyond the last one taken are dropped), waits for it, closes the capture. */
void ndr_readahead_free(struct ndr_readahead *ra);

#endif
