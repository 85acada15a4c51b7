/*
 * ndr_spool.h - a bounded first-in first-out queue of messages on disk,
 * for outputs whose receiver may be away (syslog; Kafka): what could not be
 * sent survives an outage and a restart of the sensor, and is sent again
 * in the order it was queued.
 *
 * A spool is a directory of its own: segment files of records appended in
 * order ("%016llx.seg", a record = 4-byte length, 4-byte checksum, the
 * message), a "head" file saying where the oldest message not yet taken
 * starts, and a "lock" file (flock: one process per spool). Every push is
 * written and fdatasync'd before it returns (sync = 1, the default), so an
 * accepted message survives a crash or power loss. Taking messages
 * (ndr_spool_pop) moves the head in memory; the head file is rewritten
 * (write, fsync, rename) every NDR_SPOOL_HEAD_EVERY pops, at
 * ndr_spool_sync() and at close: after a crash, up to that many messages
 * already taken come back again (at-least-once: a receiver may see a
 * duplicate, never a gap).
 *
 * Bounded: the messages queued hold at most max_bytes (with their 8-byte
 * record headers); a push that would pass it drops the oldest messages
 * first, and counts them in dropped. Disk use is at most max_bytes plus
 * one segment of taken messages not yet deleted.
 *
 * At open, the segments are read back from the head on: a record cut by a
 * crash at the end of the last segment is cut off the file; a record that
 * is damaged elsewhere ends its segment (its bytes are counted in
 * corrupt_bytes) and reading goes on with the next one.
 *
 * One thread. Messages are at most NDR_SPOOL_MSG_MAX bytes.
 */
#ifndef NDR_SPOOL_H
#define NDR_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#define NDR_SPOOL_MSG_MAX    (1u << 24)
#define NDR_SPOOL_HEAD_EVERY 64u

struct ndr_spool_opts {
	const char *dir;            /* created (0700) when missing */
	uint64_t max_bytes;         /* bound of queued bytes; >= 64 KiB */
	uint64_t segment_bytes;     /* 0: max_bytes / 8, at least 64 KiB */
	int sync;                   /* fdatasync every push (default 1) */
};

struct ndr_spool_stats {
	uint64_t messages;          /* queued now */
	uint64_t bytes;             /* queued now, record headers included */
	uint64_t pushed;            /* accepted since open */
	uint64_t popped;            /* taken since open */
	uint64_t dropped;           /* oldest dropped to make room, since open */
	uint64_t recovered;         /* messages found queued at open */
	uint64_t corrupt_bytes;     /* damaged bytes skipped at open */
};

struct ndr_spool;

void ndr_spool_opts_default(struct ndr_spool_opts *o);

/* Open (or create) the spool in o->dir and read back what it holds. NULL
 * with "DIR: why" in err (including "in use by another process"). */
struct ndr_spool *ndr_spool_open(const struct ndr_spool_opts *o, char *err, size_t errlen);

/* Queue a message (on disk before this returns). 0; -1 with "DIR: why"
 * in err when it could not be stored (too big, disk full, I/O error):
 * nothing already queued is lost then. */
int ndr_spool_push(struct ndr_spool *s, const void *msg, size_t len, char *err, size_t errlen);

/* The i-th oldest queued message (0 = the oldest), read into a buffer the
 * spool owns, valid until the next call on s. 1 and *msg, *len set; 0 when
 * fewer than i + 1 are queued; -1 with err on a read error. */
int ndr_spool_peek(struct ndr_spool *s, size_t i, const void **msg, size_t *len,
		   char *err, size_t errlen);

/* Take the n oldest messages off the queue (n <= queued). 0, or -1 with
 * err when the head could not be saved (they are taken all the same). */
int ndr_spool_pop(struct ndr_spool *s, size_t n, char *err, size_t errlen);

/* Save the head now. 0 or -1 with err. */
int ndr_spool_sync(struct ndr_spool *s, char *err, size_t errlen);

size_t ndr_spool_count(const struct ndr_spool *s);
void ndr_spool_stats(const struct ndr_spool *s, struct ndr_spool_stats *out);
const char *ndr_spool_dir(const struct ndr_spool *s);

/* Saves the head and closes; what is queued stays for the next open. */
void ndr_spool_close(struct ndr_spool *s);

#endif
