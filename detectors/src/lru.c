/*
 * lru.c - fixed-capacity LRU hash table (ndr_lru.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_hll.h"
#include "ndr_lru.h"

#define NIL UINT32_MAX

struct lru_node {
	uint32_t prev, next;       /* towards most / least recently used */
	uint32_t hnext;            /* hash chain, or free list */
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
	/* buckets are a power of two >= capacity: up to two per entry */
	return stride_for(key_len, val_len) + 2 * sizeof(uint32_t);
}

static struct lru_node *node(const struct ndr_lru *t, uint32_t i)
{
	return (struct lru_node *)(t->slab + (size_t)i * t->stride);
}

static uint32_t index_of(const struct ndr_lru *t, const void *val)
{
	return (uint32_t)(((const uint8_t *)val - t->val_off - t->slab) / t->stride);
}

int ndr_lru_init(struct ndr_lru *t, size_t budget, size_t key_len, size_t val_len,
		 uint64_t seed, char *err, size_t errlen)
{
	size_t per = ndr_lru_entry_bytes(key_len, val_len);
	size_t cap = budget / per, nb = 1;

	memset(t, 0, sizeof(*t));
	if (cap < 16)
		cap = 16;
	if (cap > (size_t)1 << 30)
		cap = (size_t)1 << 30;
	while (nb < cap)
		nb <<= 1;
	t->key_len = key_len;
	t->val_len = val_len;
	t->key_off = sizeof(struct lru_node);
	t->val_off = t->key_off + align8(key_len);
	t->stride = stride_for(key_len, val_len);
	t->capacity = (uint32_t)cap;
	t->bucket_mask = (uint32_t)(nb - 1);
	t->seed = seed;
	t->slab = calloc(cap, t->stride);
	t->bucket = malloc(nb * sizeof(uint32_t));
	if (!t->slab || !t->bucket) {
		snprintf(err, errlen, "table of %zu entries (%zu bytes): out of memory",
			 cap, cap * t->stride);
		ndr_lru_free(t);
		return -1;
	}
	memset(t->bucket, 0xff, nb * sizeof(uint32_t));
	t->free_head = NIL;
	t->head = t->tail = NIL;
	return 0;
}

void ndr_lru_free(struct ndr_lru *t)
{
	free(t->slab);
	free(t->bucket);
	t->slab = NULL;
	t->bucket = NULL;
}

static void unlink_lru(struct ndr_lru *t, uint32_t i)
{
	struct lru_node *n = node(t, i);

	if (n->prev != NIL)
		node(t, n->prev)->next = n->next;
	else
		t->head = n->next;
	if (n->next != NIL)
		node(t, n->next)->prev = n->prev;
	else
		t->tail = n->prev;
}

static void push_front(struct ndr_lru *t, uint32_t i)
{
	struct lru_node *n = node(t, i);

	n->prev = NIL;
	n->next = t->head;
	if (t->head != NIL)
		node(t, t->head)->prev = i;
	t->head = i;
	if (t->tail == NIL)
		t->tail = i;
}

static void remove_index(struct ndr_lru *t, uint32_t i)
{
	struct lru_node *n = node(t, i);
	uint32_t *link = &t->bucket[n->hash & t->bucket_mask];

	while (*link != i)
		link = &node(t, *link)->hnext;
	*link = n->hnext;
	unlink_lru(t, i);
	n->live = 0;
	n->hnext = t->free_head;
	t->free_head = i;
	t->used--;
}

static uint32_t lookup(const struct ndr_lru *t, const void *key, uint64_t hash)
{
	uint32_t i;

	for (i = t->bucket[hash & t->bucket_mask]; i != NIL; i = node(t, i)->hnext) {
		struct lru_node *n = node(t, i);

		if (n->hash == hash && memcmp((uint8_t *)n + t->key_off, key, t->key_len) == 0)
			return i;
	}
	return NIL;
}

void *ndr_lru_find(struct ndr_lru *t, const void *key)
{
	uint32_t i = lookup(t, key, ndr_hash64(key, t->key_len, t->seed));

	if (i == NIL)
		return NULL;
	unlink_lru(t, i);
	push_front(t, i);
	return (uint8_t *)node(t, i) + t->val_off;
}

void *ndr_lru_get(struct ndr_lru *t, const void *key, int *created)
{
	uint64_t hash = ndr_hash64(key, t->key_len, t->seed);
	uint32_t i = lookup(t, key, hash);
	struct lru_node *n;

	*created = 0;
	if (i != NIL) {
		unlink_lru(t, i);
		push_front(t, i);
		return (uint8_t *)node(t, i) + t->val_off;
	}
	if (t->free_head == NIL && t->never_used == t->capacity) {
		remove_index(t, t->tail);
		t->evictions++;
	}
	if (t->free_head != NIL) {
		i = t->free_head;
		t->free_head = node(t, i)->hnext;
	} else {
		i = t->never_used++;
	}
	n = node(t, i);
	memset(n, 0, t->stride);
	n->hash = hash;
	n->live = 1;
	memcpy((uint8_t *)n + t->key_off, key, t->key_len);
	n->hnext = t->bucket[hash & t->bucket_mask];
	t->bucket[hash & t->bucket_mask] = i;
	push_front(t, i);
	t->used++;
	*created = 1;
	return (uint8_t *)n + t->val_off;
}

void *ndr_lru_oldest(const struct ndr_lru *t, const void **key)
{
	if (t->tail == NIL)
		return NULL;
	if (key)
		*key = (uint8_t *)node(t, t->tail) + t->key_off;
	return (uint8_t *)node(t, t->tail) + t->val_off;
}

void *ndr_lru_next_newer(const struct ndr_lru *t, const void *val, const void **key)
{
	uint32_t i = val ? node(t, index_of(t, val))->prev : t->tail;

	if (i == NIL)
		return NULL;
	if (key)
		*key = (uint8_t *)node(t, i) + t->key_off;
	return (uint8_t *)node(t, i) + t->val_off;
}

void ndr_lru_remove(struct ndr_lru *t, void *val)
{
	remove_index(t, index_of(t, val));
}

const void *ndr_lru_key(const struct ndr_lru *t, const void *val)
{
	return (const uint8_t *)val - t->val_off + t->key_off;
}

size_t ndr_lru_bytes_used(const struct ndr_lru *t)
{
	return (size_t)t->used * t->stride + ((size_t)t->bucket_mask + 1) * sizeof(uint32_t);
}

size_t ndr_lru_bytes_cap(const struct ndr_lru *t)
{
	return (size_t)t->capacity * t->stride + ((size_t)t->bucket_mask + 1) * sizeof(uint32_t);
}
