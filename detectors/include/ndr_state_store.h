/*
 * ndr_state_store.h - learned baselines that survive a restart.
 *
 * One file per baseline, DIR/<name>.state:
 *
 *   offset  size  field
 *   0       8     magic "NDRSTATE"
 *   8       4     format version (NDR_STATE_FORMAT), little-endian
 *   12      4     schema: the owner's payload version
 *   16      8     payload length in bytes
 *   24      8     time the file was written, ns since the epoch
 *   32      n     payload (the owner's records)
 *   32+n    32    SHA-256 over bytes [0, 32+n)
 *
 * Writing is atomic: the data goes to DIR/.<name>.state.tmp.<pid>, which is
 * fsync'ed, renamed over DIR/<name>.state, and the directory is fsync'ed.
 * A crash at any point leaves either the old file or the new one, never a
 * mix; a stale temporary file is removed by the next writer.
 *
 * Reading rejects a file with another magic, format or schema, a length
 * that does not match the file size, or a bad checksum, with a message
 * saying which. What to do then is the owner's decision (the admin-path
 * detector starts an empty baseline and moves the file aside with
 * ndr_state_quarantine(), so the evidence is kept and not overwritten).
 */
#ifndef NDR_STATE_STORE_H
#define NDR_STATE_STORE_H

#include <stddef.h>
#include <stdint.h>

#define NDR_STATE_FORMAT 1u
#define NDR_STATE_MAX_PAYLOAD ((uint64_t)1 << 32)   /* 4 GiB */

struct ndr_state_writer;

/* Opens the temporary file. NULL with "path: why" in err. */
struct ndr_state_writer *ndr_state_write_begin(const char *dir, const char *name,
					       uint32_t schema, uint64_t written_ns,
					       char *err, size_t errlen);
/* Appends payload bytes (buffered). 0, or -1 with err; after an error the
 * writer only accepts abort. */
int ndr_state_write(struct ndr_state_writer *w, const void *data, size_t len,
		    char *err, size_t errlen);
/* Finishes: checksum, fsync, rename, fsync of the directory. Frees w.
 * 0, or -1 with err (the old file, if any, is untouched). */
int ndr_state_write_commit(struct ndr_state_writer *w, char *err, size_t errlen);
/* Drops the temporary file. Frees w. */
void ndr_state_write_abort(struct ndr_state_writer *w);

struct ndr_state_blob {
	void *data;               /* payload, malloc'ed; free() it */
	size_t len;
	uint64_t written_ns;
};

/* 1 loaded into *out, 0 no file, -1 rejected or unreadable with
 * "path: why" in err. */
int ndr_state_load(const char *dir, const char *name, uint32_t schema,
		   struct ndr_state_blob *out, char *err, size_t errlen);
/* Renames DIR/<name>.state to DIR/<name>.state.bad (replacing an older
 * one). 0, or -1 with err. */
int ndr_state_quarantine(const char *dir, const char *name, char *err, size_t errlen);

/* A cursor over a loaded payload, for owners decoding fixed records. */
struct ndr_state_reader {
	const uint8_t *p, *end;
};
void ndr_state_reader_init(struct ndr_state_reader *r, const struct ndr_state_blob *b);
/* Copies len bytes; -1 when fewer remain. */
int ndr_state_read(struct ndr_state_reader *r, void *out, size_t len);
size_t ndr_state_remaining(const struct ndr_state_reader *r);
/* 0 when exactly count records of rec_bytes bytes each remain, else -1.
 * count comes from the file: it is divided into, never multiplied (a count
 * of 2^58 + 1 must not wrap to a size that matches). */
int ndr_state_expect_records(const struct ndr_state_reader *r, uint64_t count, size_t rec_bytes);

/* Times in a state file are ns since the epoch; later than this (year 2262,
 * where signed 64-bit ns end) is corrupt, not a date, and a loader that
 * took it would overflow adding a window or an age to it. */
#define NDR_STATE_MAX_TIME_NS ((uint64_t)INT64_MAX)

#endif
