/*
 * ndr_eve_writer.h - EVE lines into a file, whole or not at all, with
 * failures said out loud.
 *
 * The output layer of ndr-sensor's EVE files (docs/alerts.md "When a disk
 * fills up"): open, write lines, reopen (log rotation: the path is opened
 * anew, a new file if it was moved away), close.
 *
 * Whole lines: each line goes to the file in write(2) calls on an O_APPEND
 * descriptor; when the file system refuses part of it (ENOSPC, EDQUOT, EIO)
 * the file is cut back to where the line began (ftruncate), so a reader
 * never sees half a line, and the next line after space returns starts
 * clean. Should the cut itself fail (or the output is a pipe, which cannot
 * be cut), the next line is written after a newline, so only the broken
 * line is lost and every other line stays whole. One writer per file: a
 * second process appending to the same file could lose a line to the cut.
 *
 * Loud failures: the first failed line reports "eve PATH: cannot write:
 * why; events are being lost" through the report function (default:
 * stderr), a reminder with the count lost so far at most every
 * NDR_EVE_REPORT_EVERY_S while it keeps failing, and "eve PATH: writing
 * again after N events lost in T s" once lines have gone through for
 * NDR_EVE_SETTLE_S (a nearly full disk that takes a short line between
 * long ones it refuses is still one failure), or at close.
 *
 * Not thread-safe: one writer per thread, or a lock around it.
 */
#ifndef NDR_EVE_WRITER_H
#define NDR_EVE_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define NDR_EVE_REPORT_EVERY_S 10
#define NDR_EVE_SETTLE_S 1

struct ndr_eve_writer;

struct ndr_eve_stats {
	uint64_t events;    /* lines written whole */
	uint64_t errors;    /* lines lost to a render or write error */
	uint64_t cuts;      /* partial lines removed after a failed write */
	uint64_t reopens;   /* ndr_eve_writer_reopen() calls that opened the file */
	int failing;        /* in a failure (see above) */
};

/* path "-" is stdout; otherwise the file is opened for append (created
 * 0644). NULL with "PATH: why" in err on failure. */
struct ndr_eve_writer *ndr_eve_writer_open(const char *path, char *err, size_t errlen);
/* Write to a stream the caller owns (flushed, then written by descriptor;
 * not closed by ndr_eve_writer_close). */
struct ndr_eve_writer *ndr_eve_writer_from_file(FILE *f);

/* Where failure reports go (default: a line on stderr). */
void ndr_eve_writer_set_report(struct ndr_eve_writer *w,
			       void (*report)(void *arg, const char *msg), void *arg);

/* One line of len bytes (no newline in it: the writer adds it). 0, or -1
 * with errno set and the line counted in errors. */
int ndr_eve_write_line(struct ndr_eve_writer *w, const char *line, size_t len);
/* Count a line lost before it reached the writer (a render error). */
void ndr_eve_writer_count_error(struct ndr_eve_writer *w, int err);

/* Open the path again (after log rotation moved the file away) and write
 * there from now on; stdout and a caller's stream stay as they are. 0, or
 * -1 with "PATH: why" in err and the old file kept. */
int ndr_eve_writer_reopen(struct ndr_eve_writer *w, char *err, size_t errlen);

/* The path given to open ("-" for stdout, "stream" for a caller's). */
const char *ndr_eve_writer_path(const struct ndr_eve_writer *w);
/* Whether two writers write the same file (same device and inode). */
int ndr_eve_writer_same_file(const struct ndr_eve_writer *a, const struct ndr_eve_writer *b);

void ndr_eve_writer_stats(const struct ndr_eve_writer *w, struct ndr_eve_stats *out);
void ndr_eve_writer_close(struct ndr_eve_writer *w);

#endif
