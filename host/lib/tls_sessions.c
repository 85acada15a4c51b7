/*
 * tls_sessions.c - ClientHello and ServerHello records paired by
 * connection (ndr_tls_sessions.h).
 *
 * The waiting ClientHellos are a ring in arrival order (the oldest goes out
 * first when time or room runs out) with a hash chain per bucket for the
 * ServerHello's lookup. An entry paired out of the middle is marked gone
 * and skipped when the ring's head reaches it.
 */
#include <stdlib.h>
#include <string.h>

#include "ndr_tls_sessions.h"

struct waiting {
	struct ndr_tls_rec rec;
	int live;
	int32_t next;              /* hash chain */
	uint32_t bucket;
};

struct ndr_tls_sessions {
	struct waiting *w;
	int32_t *heads;
	unsigned cap, nb;
	unsigned head, count;      /* ring: slots in use, live or gone */
	uint64_t wait_ns;
	ndr_tls_pair_fn fn;
	void *arg;
	struct ndr_tls_sessions_stats st;
};

/* FNV-1a over the client's view of the connection. */
static uint32_t conn_hash(const uint8_t *ca, const uint8_t *sa, uint16_t cp, uint16_t sp,
			  uint16_t vlan)
{
	uint32_t h = 2166136261u;
	uint8_t k[38];

	memcpy(k, ca, 16);
	memcpy(k + 16, sa, 16);
	memcpy(k + 32, &cp, 2);
	memcpy(k + 34, &sp, 2);
	memcpy(k + 36, &vlan, 2);
	for (unsigned i = 0; i < sizeof(k); i++)
		h = (h ^ k[i]) * 16777619u;
	return h;
}

static int same_conn(const struct ndr_tls_rec *c, const uint8_t *ca, const uint8_t *sa,
		     uint16_t cp, uint16_t sp, uint16_t vlan)
{
	return c->src_port == cp && c->dst_port == sp && c->vlan_outer == vlan &&
	       memcmp(c->src_addr, ca, 16) == 0 && memcmp(c->dst_addr, sa, 16) == 0;
}

struct ndr_tls_sessions *ndr_tls_sessions_new(unsigned capacity, uint64_t wait_ns,
					      ndr_tls_pair_fn fn, void *arg)
{
	struct ndr_tls_sessions *s = calloc(1, sizeof(*s));

	if (!s || !capacity)
		goto fail;
	s->cap = capacity;
	s->nb = 1;
	while (s->nb < capacity)
		s->nb <<= 1;
	s->w = calloc(capacity, sizeof(*s->w));
	s->heads = malloc(s->nb * sizeof(*s->heads));
	if (!s->w || !s->heads)
		goto fail;
	for (unsigned i = 0; i < s->nb; i++)
		s->heads[i] = -1;
	s->wait_ns = wait_ns;
	s->fn = fn;
	s->arg = arg;
	return s;
fail:
	ndr_tls_sessions_free(s);
	return NULL;
}

static void unlink_entry(struct ndr_tls_sessions *s, int32_t idx)
{
	int32_t *p = &s->heads[s->w[idx].bucket];

	while (*p != -1 && *p != idx)
		p = &s->w[*p].next;
	if (*p == idx)
		*p = s->w[idx].next;
	s->w[idx].live = 0;
	s->st.waiting--;
}

/* Drops gone entries at the head; sends out live ones while 'all', while
 * 'room' is asked and the ring is full, or when they waited longer than
 * wait_ns before 'now'. */
static void expire(struct ndr_tls_sessions *s, uint64_t now, int all, int room)
{
	while (s->count) {
		struct waiting *e = &s->w[s->head];

		if (e->live) {
			int old = now > e->rec.hdr.ts_ns && now - e->rec.hdr.ts_ns > s->wait_ns;

			if (!all && !old && !(room && s->count == s->cap))
				return;
			unlink_entry(s, (int32_t)s->head);
			s->st.client_alone++;
			s->fn(s->arg, &e->rec, NULL);
		}
		s->head = (s->head + 1) % s->cap;
		s->count--;
	}
}

static int32_t find(struct ndr_tls_sessions *s, uint32_t bucket, const uint8_t *ca,
		    const uint8_t *sa, uint16_t cp, uint16_t sp, uint16_t vlan)
{
	for (int32_t i = s->heads[bucket]; i != -1; i = s->w[i].next)
		if (same_conn(&s->w[i].rec, ca, sa, cp, sp, vlan))
			return i;
	return -1;
}

void ndr_tls_sessions_add(struct ndr_tls_sessions *s, const struct ndr_tls_rec *r)
{
	uint32_t bucket;
	int32_t i;

	expire(s, r->hdr.ts_ns, 0, 0);
	if (r->tls_flags & NDR_TLS_F_SERVER) {
		bucket = conn_hash(r->dst_addr, r->src_addr, r->dst_port, r->src_port,
				   r->vlan_outer) & (s->nb - 1);
		i = find(s, bucket, r->dst_addr, r->src_addr, r->dst_port, r->src_port,
			 r->vlan_outer);
		if (i < 0) {
			s->st.server_alone++;
			s->fn(s->arg, NULL, r);
			return;
		}
		unlink_entry(s, i);
		s->st.paired++;
		s->fn(s->arg, &s->w[i].rec, r);
		return;
	}
	bucket = conn_hash(r->src_addr, r->dst_addr, r->src_port, r->dst_port, r->vlan_outer) &
		 (s->nb - 1);
	i = find(s, bucket, r->src_addr, r->dst_addr, r->src_port, r->dst_port, r->vlan_outer);
	if (i >= 0) {                       /* a retransmission: the first goes alone */
		unlink_entry(s, i);
		s->st.client_alone++;
		s->fn(s->arg, &s->w[i].rec, NULL);
	}
	expire(s, r->hdr.ts_ns, 0, 1);
	i = (int32_t)((s->head + s->count) % s->cap);
	s->w[i].rec = *r;
	s->w[i].live = 1;
	s->w[i].bucket = bucket;
	s->w[i].next = s->heads[bucket];
	s->heads[bucket] = i;
	s->count++;
	s->st.waiting++;
}

void ndr_tls_sessions_advance(struct ndr_tls_sessions *s, uint64_t now_ns)
{
	expire(s, now_ns, 0, 0);
}

void ndr_tls_sessions_flush(struct ndr_tls_sessions *s)
{
	expire(s, 0, 1, 0);
}

void ndr_tls_sessions_stats(const struct ndr_tls_sessions *s, struct ndr_tls_sessions_stats *st)
{
	*st = s->st;
}

void ndr_tls_sessions_free(struct ndr_tls_sessions *s)
{
	if (!s)
		return;
	free(s->w);
	free(s->heads);
	free(s);
}
