/*
 * lru.c - fixed-capacity hash table with CLOCK recency (ndr_lru.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ndr_hll.h"
#include "ndr_lru.h"

#define NIL UINT32_MAX
#define MIN_ENTRIES 16u
#define MAX_ENTRIES ((size_t)1 << 30)

struct lru_node {
	uint32_t prev, next;       /* towards the newest / oldest end */
	uint32_t used;             /* hit since it was queued */
	uint32_t live;
	uint64_t hash;
};

static size_t align8(size_t n)
{
	return (n + 7u) & ~(size_t)7u;
}

static size_t stride_for(size_t key_len, size_t val_len)
{
	return sizeof(struct lru_node) + align8(key_len) + align8(val_len);
}

size_t ndr_lru_entry_bytes(size_t key_len, size_t val_len)
{
	/* the index is a power of two at least 4/3 of the entries: up to
	 * 8/3 eight-byte slots an entry */
	return stride_for(key_len, val_len) + 3 * sizeof(uint64_t);
}

static struct lru_node *node(const struct ndr_lru *t, uint32_t i)
{
	return (struct lru_node *)(t->slab + (size_t)i * t->stride);
}

static uint32_t index_of(const struct ndr_lru *t, const void *val)
{
	return (uint32_t)(((const uint8_t *)val - t->val_off - t->slab) / t->stride);
}

static void *value(const struct ndr_lru *t, uint32_t i)
{
	return (uint8_t *)node(t, i) + t->val_off;
}

/* Zeroed memory whose pages the kernel supplies on first touch. */
static void *map_zeroed(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	(void)madvise(p, bytes, MADV_HUGEPAGE);
	return p;
}

int ndr_lru_init(struct ndr_lru *t, size_t budget, size_t key_len, size_t val_len,
		 uint64_t seed, char *err, size_t errlen)
{
	return ndr_lru_init_side(t, budget, key_len, val_len, 0, seed, err, errlen);
}

int ndr_lru_init_side(struct ndr_lru *t, size_t budget, size_t key_len, size_t val_len,
		      size_t side_len, uint64_t seed, char *err, size_t errlen)
{
	size_t per = ndr_lru_entry_bytes(key_len, val_len) + side_len;
	size_t cap = budget / per, ni = 1;

	memset(t, 0, sizeof(*t));
	if (cap < MIN_ENTRIES)
		cap = MIN_ENTRIES;
	if (cap > MAX_ENTRIES)
		cap = MAX_ENTRIES;
	/* at most three quarters full: a probe run stays short, and 16 slots
	 * share a cache line */
	while (ni < cap + cap / 3 + 1)
		ni <<= 1;
	t->key_len = key_len;
	t->val_len = val_len;
	t->key_off = sizeof(struct lru_node);
	t->val_off = t->key_off + align8(key_len);
	t->stride = stride_for(key_len, val_len);
	t->capacity = (uint32_t)cap;
	t->index_mask = (uint32_t)(ni - 1);
	t->seed = seed;
	t->slab_bytes = cap * t->stride;
	t->index_bytes = ni * sizeof(uint64_t);
	t->zero_len = val_len;
	t->side_len = side_len;
	t->side_bytes = cap * side_len;
	t->slab = map_zeroed(t->slab_bytes);
	t->index = map_zeroed(t->index_bytes);
	if (side_len)
		t->side = map_zeroed(t->side_bytes);
	if (!t->slab || !t->index || (side_len && !t->side)) {
		snprintf(err, errlen, "table of %zu entries (%zu bytes): out of memory",
			 cap, t->slab_bytes + t->index_bytes + t->side_bytes);
		ndr_lru_free(t);
		return -1;
	}
	t->free_head = NIL;
	t->newest = t->oldest = NIL;
	return 0;
}

void ndr_lru_set_zero_len(struct ndr_lru *t, size_t val_bytes)
{
	t->zero_len = val_bytes < t->val_len ? val_bytes : t->val_len;
}

void ndr_lru_set_key_ops(struct ndr_lru *t, ndr_lru_hash_fn hash, ndr_lru_equal_fn equal)
{
	t->hash = hash;
	t->equal = equal;
}

void ndr_lru_free(struct ndr_lru *t)
{
	if (t->slab)
		munmap(t->slab, t->slab_bytes);
	if (t->index)
		munmap(t->index, t->index_bytes);
	if (t->side)
		munmap(t->side, t->side_bytes);
	t->slab = NULL;
	t->index = NULL;
	t->side = NULL;
}

static uint64_t hash_key(const struct ndr_lru *t, const void *key)
{
	return t->hash ? t->hash(key, t->seed) : ndr_hash64(key, t->key_len, t->seed);
}

static int key_equal(const struct ndr_lru *t, const struct lru_node *n, const void *key)
{
	const void *stored = (const uint8_t *)n + t->key_off;

	return t->equal ? t->equal(stored, key) : memcmp(stored, key, t->key_len) == 0;
}

/* ---- the queue ---- */

static void unlink_node(struct ndr_lru *t, uint32_t i)
{
	struct lru_node *n = node(t, i);

	if (n->prev != NIL)
		node(t, n->prev)->next = n->next;
	else
		t->newest = n->next;
	if (n->next != NIL)
		node(t, n->next)->prev = n->prev;
	else
		t->oldest = n->prev;
}

static void push_newest(struct ndr_lru *t, uint32_t i)
{
	struct lru_node *n = node(t, i);

	n->prev = NIL;
	n->next = t->newest;
	if (t->newest != NIL)
		node(t, t->newest)->prev = i;
	t->newest = i;
	if (t->oldest == NIL)
		t->oldest = i;
}

/* Second chance: entries hit since they were queued go to the new end.
 * Each hit pays for at most one such move, so this is O(1) amortised. */
static uint32_t settle_oldest(struct ndr_lru *t)
{
	uint32_t i;

	while ((i = t->oldest) != NIL && node(t, i)->used) {
		node(t, i)->used = 0;
		if (t->newest == i)
			break;          /* alone in the queue */
		unlink_node(t, i);
		push_newest(t, i);
	}
	return t->oldest;
}

/* ---- the index ---- */

/* A slot: the low 32 bits of the hash (they chose the slot, so a deletion
 * can tell where a slot's entry belongs without reading the entry) above
 * the entry number + 1; 0 is an empty slot. */
static uint64_t slot_tag(uint64_t hash)
{
	return (uint64_t)(uint32_t)hash << 32;
}

static uint32_t slot_entry(uint64_t s)
{
	return (uint32_t)s - 1u;
}

static uint32_t slot_home(const struct ndr_lru *t, uint64_t s)
{
	return (uint32_t)(s >> 32) & t->index_mask;
}

/* Asks for the lines of an entry a caller reads after a lookup (its head:
 * up to PREFETCH_BYTES) at once, so they arrive together with the line the
 * key is compared in instead of one miss after another. */
#define PREFETCH_BYTES 256u

static void prefetch_entry(const struct ndr_lru *t, const void *n)
{
	const uint8_t *p = n;
	size_t len = t->stride < PREFETCH_BYTES ? t->stride : PREFETCH_BYTES;

	for (size_t off = 64; off < len; off += 64)
		__builtin_prefetch(p + off);
	__builtin_prefetch(p + len - 1);
}

/* The index slot of key: where it is (*found = 1) or where it would go. */
static uint32_t probe(const struct ndr_lru *t, const void *key, uint64_t hash, int *found)
{
	uint32_t pos = (uint32_t)hash & t->index_mask;
	uint64_t tag = slot_tag(hash);

	for (;; pos = (pos + 1) & t->index_mask) {
		uint64_t s = t->index[pos];

		if (s == 0) {
			*found = 0;
			return pos;
		}
		if ((s & 0xffffffff00000000ull) == tag) {
			const struct lru_node *n = node(t, slot_entry(s));

			prefetch_entry(t, n);
			if (n->hash == hash && key_equal(t, n, key)) {
				*found = 1;
				return pos;
			}
		}
	}
}

/* Deletes slot pos by shifting later entries of its probe run back
 * (Knuth 6.4 algorithm R), so lookups never meet a hole in a run. */
static void index_delete(struct ndr_lru *t, uint32_t pos)
{
	uint32_t hole = pos, j = pos;

	for (;;) {
		uint64_t s;
		uint32_t home;

		j = (j + 1) & t->index_mask;
		s = t->index[j];
		if (s == 0)
			break;
		home = slot_home(t, s);
		/* s may fill the hole unless its home lies cyclically in (hole, j] */
		if (hole <= j ? (home <= hole || home > j) : (home <= hole && home > j)) {
			t->index[hole] = s;
			hole = j;
		}
	}
	t->index[hole] = 0;
}

static uint32_t index_find_entry(const struct ndr_lru *t, uint32_t i)
{
	uint32_t pos = (uint32_t)node(t, i)->hash & t->index_mask;

	while ((uint32_t)t->index[pos] != i + 1u)
		pos = (pos + 1) & t->index_mask;
	return pos;
}

static void remove_entry(struct ndr_lru *t, uint32_t i)
{
	struct lru_node *n = node(t, i);

	index_delete(t, index_find_entry(t, i));
	unlink_node(t, i);
	n->live = 0;
	n->next = t->free_head;
	t->free_head = i;
	t->used--;
}

/* ---- the API ---- */

void ndr_lru_prefetch(const struct ndr_lru *t, const void *key, int stage)
{
	uint64_t hash;
	const uint64_t *slot;

	if (t->used == 0)
		return;   /* as ndr_lru_find: an empty table is not read */
	hash = hash_key(t, key);
	slot = &t->index[(uint32_t)hash & t->index_mask];
	if (stage == 0) {
		__builtin_prefetch(slot);
		return;
	}
	if (*slot && (*slot & 0xffffffff00000000ull) == slot_tag(hash))
		__builtin_prefetch(node(t, slot_entry(*slot)));
}

void *ndr_lru_find(struct ndr_lru *t, const void *key)
{
	uint64_t hash;
	int found;
	uint32_t pos, i;

	if (t->used == 0)
		return NULL;   /* tables that are mostly empty cost no miss */
	hash = hash_key(t, key);
	pos = probe(t, key, hash, &found);
	if (!found)
		return NULL;
	i = slot_entry(t->index[pos]);
	node(t, i)->used = 1;
	return value(t, i);
}

void *ndr_lru_get(struct ndr_lru *t, const void *key, int *created)
{
	uint64_t hash = hash_key(t, key);
	int found;
	uint32_t pos = probe(t, key, hash, &found);
	struct lru_node *n;
	uint32_t i;

	*created = 0;
	if (found) {
		i = slot_entry(t->index[pos]);
		node(t, i)->used = 1;
		return value(t, i);
	}
	if (t->free_head == NIL && t->never_used == t->capacity) {
		remove_entry(t, settle_oldest(t));
		t->evictions++;
		/* the deletion may have moved the slot this key would take */
		pos = probe(t, key, hash, &found);
	}
	if (t->free_head != NIL) {
		i = t->free_head;
		t->free_head = node(t, i)->next;
		memset(node(t, i), 0, t->val_off + t->zero_len);
	} else {
		i = t->never_used++;      /* fresh pages are already zero */
	}
	n = node(t, i);
	n->hash = hash;
	n->live = 1;
	memcpy((uint8_t *)n + t->key_off, key, t->key_len);
	t->index[pos] = slot_tag(hash) | (i + 1u);
	push_newest(t, i);
	t->used++;
	*created = 1;
	return value(t, i);
}

void *ndr_lru_oldest(struct ndr_lru *t, const void **key)
{
	uint32_t i = settle_oldest(t);

	if (i == NIL)
		return NULL;
	if (key)
		*key = (uint8_t *)node(t, i) + t->key_off;
	return value(t, i);
}

void *ndr_lru_next_newer(const struct ndr_lru *t, const void *val, const void **key)
{
	uint32_t i = val ? node(t, index_of(t, val))->prev : t->oldest;

	if (i == NIL)
		return NULL;
	if (key)
		*key = (uint8_t *)node(t, i) + t->key_off;
	return value(t, i);
}

void ndr_lru_remove(struct ndr_lru *t, void *val)
{
	remove_entry(t, index_of(t, val));
}

void *ndr_lru_side(const struct ndr_lru *t, const void *val)
{
	return t->side + (size_t)index_of(t, val) * t->side_len;
}

const void *ndr_lru_key(const struct ndr_lru *t, const void *val)
{
	return (const uint8_t *)val - t->val_off + t->key_off;
}

uint64_t ndr_lru_expire(struct ndr_lru *t, size_t time_off, uint64_t window, uint64_t now,
			void (*gone)(void *arg, void *val), void *arg)
{
	uint64_t n = 0, ts;
	uint8_t *v;

	while ((v = ndr_lru_oldest(t, NULL))) {
		memcpy(&ts, v + time_off, sizeof(ts));
		if (ts + window > now)
			break;
		if (gone)
			gone(arg, v);
		ndr_lru_remove(t, v);
		n++;
	}
	return n;
}

size_t ndr_lru_bytes_used(const struct ndr_lru *t)
{
	return (size_t)t->used * (t->stride + t->side_len) + t->index_bytes;
}

size_t ndr_lru_bytes_cap(const struct ndr_lru *t)
{
	return t->slab_bytes + t->index_bytes + t->side_bytes;
}

uint64_t ndr_lru_stat_used(const void *table)
{
	return ((const struct ndr_lru *)table)->used;
}
