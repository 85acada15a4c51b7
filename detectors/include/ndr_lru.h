/*
 * ndr_lru.h - a fixed-capacity hash table of fixed-size entries with
 * least-recently-used eviction: the per-entity state of the east-west
 * detectors.
 *
 * One allocation holds every entry (key then value, 8-byte aligned); the
 * capacity is fixed at init, so memory never grows with traffic. When the
 * table is full, inserting a new key evicts the entry used least recently.
 * Keys are compared byte for byte and hashed with a seeded 64-bit hash, so
 * the caller must zero any padding in its key structs.
 *
 * Pages of the entry slab are touched only as entries are first used, so
 * a large cap costs address space, not resident memory, until it fills.
 */
#ifndef NDR_LRU_H
#define NDR_LRU_H

#include <stddef.h>
#include <stdint.h>

struct ndr_lru {
	uint8_t *slab;
	size_t stride;            /* node + key + value, rounded up to 8 */
	size_t key_len, val_len, key_off, val_off;
	uint32_t capacity;
	uint32_t used;
	uint32_t never_used;      /* entries [never_used, capacity) untouched */
	uint32_t free_head;
	uint32_t head, tail;      /* most / least recently used */
	uint32_t *bucket;
	uint32_t bucket_mask;
	uint64_t seed;
	uint64_t evictions;       /* entries pushed out by a new key */
};

/* Bytes one entry costs, table overhead (bucket array) included. */
size_t ndr_lru_entry_bytes(size_t key_len, size_t val_len);

/* Sizes the table to use at most budget bytes (at least 16 entries).
 * 0, or -1 with "what: why" in err. */
int ndr_lru_init(struct ndr_lru *t, size_t budget, size_t key_len, size_t val_len,
		 uint64_t seed, char *err, size_t errlen);
void ndr_lru_free(struct ndr_lru *t);

/* The value for key, made most recently used; NULL if absent. */
void *ndr_lru_find(struct ndr_lru *t, const void *key);
/* The value for key, inserted zeroed if absent (*created = 1), evicting the
 * least recently used entry when full; made most recently used. */
void *ndr_lru_get(struct ndr_lru *t, const void *key, int *created);
/* The least recently used value (and its key), or NULL when empty. */
void *ndr_lru_oldest(const struct ndr_lru *t, const void **key);
/* Iteration from the least recently used: start with NULL. */
void *ndr_lru_next_newer(const struct ndr_lru *t, const void *val, const void **key);
void ndr_lru_remove(struct ndr_lru *t, void *val);
/* The key stored with a value. */
const void *ndr_lru_key(const struct ndr_lru *t, const void *val);

/* Bytes allocated for entries in use, and for the full table. */
size_t ndr_lru_bytes_used(const struct ndr_lru *t);
size_t ndr_lru_bytes_cap(const struct ndr_lru *t);

#endif
