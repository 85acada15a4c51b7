/*
 * ndr_lru.h - a fixed-capacity hash table of fixed-size entries with
 * least-recently-used eviction: the per-entity state of the detectors.
 *
 * One allocation holds every entry (a small header, the key, the value,
 * 8-byte aligned); the capacity is fixed at init, so memory never grows with
 * traffic. When the table is full, inserting a new key evicts the entry used
 * least recently. Keys are compared byte for byte and hashed with a seeded
 * 64-bit hash (the caller must zero any padding in its key structs), unless
 * the table was given its own key functions (ndr_lru_set_key_ops).
 *
 * Recency is kept the CLOCK way (second chance), not by moving an entry to
 * the front of a list on every hit: a hit only sets a bit in the entry it
 * already reads, where a list move would touch two more entries, each a
 * cache miss on a big table. The entries sit in a queue in the order they
 * were inserted; whoever asks for the oldest entry (ndr_lru_oldest, and
 * eviction) first sends every entry at the old end whose bit is set to the
 * new end, clearing the bit. So "oldest" is the entry unused for longest,
 * to within the hits since it was queued: for expiry ("while the oldest is
 * older than the window, remove it") the order is as exact as before.
 *
 * The index is open addressing with linear probing: 8-byte slots holding
 * the low 32 bits of the hash and the entry number, at most three quarters
 * full, so a lookup reads one index cache line, then only the entry whose
 * bits match; and a deletion, which shifts the rest of its probe run back,
 * finds where each slot belongs in the slot itself, not in its entry (an
 * eviction on a full table would otherwise read several random entries).
 *
 * Pages of the entry slab are touched only as entries are first used, so
 * a large cap costs address space, not resident memory, until it fills.
 *
 * A table may also give each entry side bytes, in a second slab parallel
 * to the first (ndr_lru_init_side): room the owner uses for only some of
 * its entries (beacon's start-time history, kept only for pairs that
 * connect again), so an entry that never needs it touches only its own
 * few cache lines. Side bytes are not zeroed for a new entry: they may
 * hold an evicted entry's data, and the owner tracks in the value which
 * of them are valid.
 */
#ifndef NDR_LRU_H
#define NDR_LRU_H

#include <stddef.h>
#include <stdint.h>

/* Own key functions for keys that are not compared byte for byte (a name
 * of varying length inside a fixed-size key): equal keys must hash equal. */
typedef uint64_t (*ndr_lru_hash_fn)(const void *key, uint64_t seed);
typedef int (*ndr_lru_equal_fn)(const void *stored, const void *key);

struct ndr_lru {
	uint8_t *slab;
	size_t slab_bytes;
	size_t stride;            /* header + key + value, rounded up to 8 */
	size_t key_len, val_len, key_off, val_off;
	uint32_t capacity;
	uint32_t used;
	uint32_t never_used;      /* entries [never_used, capacity) untouched */
	uint32_t free_head;
	uint32_t newest, oldest;  /* the two ends of the queue */
	uint64_t *index;          /* low 32 hash bits << 32 | (entry + 1); 0 = empty */
	size_t index_bytes;
	uint32_t index_mask;
	uint8_t *side;            /* side_len bytes per entry, or NULL */
	size_t side_len, side_bytes;
	size_t zero_len;          /* value bytes a new entry gets zeroed */
	uint64_t seed;
	ndr_lru_hash_fn hash;     /* NULL: ndr_hash64 over key_len bytes */
	ndr_lru_equal_fn equal;   /* NULL: memcmp over key_len bytes */
	uint64_t evictions;       /* entries pushed out by a new key */
};

/* Bytes one entry costs, table overhead (the index) included. */
size_t ndr_lru_entry_bytes(size_t key_len, size_t val_len);

/* Sizes the table to use at most budget bytes (at least 16 entries).
 * 0, or -1 with "what: why" in err. */
int ndr_lru_init(struct ndr_lru *t, size_t budget, size_t key_len, size_t val_len,
		 uint64_t seed, char *err, size_t errlen);
/* The same, each entry also owning side_len bytes (see above); the
 * capacity is what budget buys at ndr_lru_entry_bytes(key_len, val_len) +
 * side_len an entry. */
int ndr_lru_init_side(struct ndr_lru *t, size_t budget, size_t key_len, size_t val_len,
		      size_t side_len, uint64_t seed, char *err, size_t errlen);
/* The side bytes of a value of a table made by ndr_lru_init_side. */
void *ndr_lru_side(const struct ndr_lru *t, const void *val);
/* Before the first insert: a new entry gets only the first val_bytes of
 * its value zeroed (the rest may hold an evicted entry's bytes), for a
 * value whose tail its owner initialises itself, such as HyperLogLog
 * registers (ndr_hll_init): a new entry then touches only its head. */
void ndr_lru_set_zero_len(struct ndr_lru *t, size_t val_bytes);
/* Before the first insert. */
void ndr_lru_set_key_ops(struct ndr_lru *t, ndr_lru_hash_fn hash, ndr_lru_equal_fn equal);
void ndr_lru_free(struct ndr_lru *t);

/* Starts fetching what a lookup of key will read, records ahead of it:
 * stage 0 its index line; stage 1 (later, when that line has arrived) the
 * entry the index names. */
void ndr_lru_prefetch(const struct ndr_lru *t, const void *key, int stage);
/* The value for key, marked used; NULL if absent. */
void *ndr_lru_find(struct ndr_lru *t, const void *key);
/* The value for key, inserted zeroed (but see ndr_lru_set_zero_len) if
 * absent (*created = 1), evicting the least recently used entry when full;
 * marked used. */
void *ndr_lru_get(struct ndr_lru *t, const void *key, int *created);
/* The least recently used value (and its key), or NULL when empty. Entries
 * used since they were queued go to the new end first (see above). */
void *ndr_lru_oldest(struct ndr_lru *t, const void **key);
/* Iteration in queue order, from the oldest end: start with NULL. */
void *ndr_lru_next_newer(const struct ndr_lru *t, const void *val, const void **key);
void ndr_lru_remove(struct ndr_lru *t, void *val);
/* The key stored with a value. */
const void *ndr_lru_key(const struct ndr_lru *t, const void *val);

/* Removes, from the oldest end, every entry whose uint64_t time at byte
 * time_off of its value plus window is at or before now; calls gone (when
 * not NULL) on each just before it goes. Returns how many went. */
uint64_t ndr_lru_expire(struct ndr_lru *t, size_t time_off, uint64_t window, uint64_t now,
			void (*gone)(void *arg, void *val), void *arg);

/* Bytes allocated for entries in use, and for the full table (side bytes
 * included). */
size_t ndr_lru_bytes_used(const struct ndr_lru *t);
size_t ndr_lru_bytes_cap(const struct ndr_lru *t);

/* For ndr_stats gauges: entries in use (arg: the table). */
uint64_t ndr_lru_stat_used(const void *table);

#endif
