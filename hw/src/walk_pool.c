/*
 * walk_pool.c - the engine pool of the walk stages (ndr_hw_pool.h).
 */
#include "ndr_hw.h"

void ndr_pool_init(struct ndr_walk_pool *p, uint32_t engines)
{
	p->engines = engines > NDR_POOL_ENGINES_MAX ? NDR_POOL_ENGINES_MAX : engines;
	for (uint32_t e = 0; e < NDR_POOL_ENGINES_MAX; e++) {
		for (uint32_t b = 0; b < NDR_POOL_BUFS; b++) {
			p->buf_busy[e][b] = false;
			p->buf_ready[e][b] = false;
			p->buf_seq[e][b] = 0;
		}
		p->walking[e] = -1;
		p->done[e] = false;
	}
	p->rx_active = false;
	p->rx_drop = false;
	p->rx_engine = 0;
	p->rx_buf = 0;
	p->seq = 0;
	p->order_rd = 0;
	p->order_wr = 0;
	p->busy_max = 0;
	p->busy_clocks = 0;
}

bool ndr_pool_allocate(struct ndr_walk_pool *p)
{
	int32_t idle = -1, any = -1;
	uint32_t any_b = 0;
	for (uint32_t e = 0; e < NDR_POOL_ENGINES_MAX; e++) {
		bool all_free = e < p->engines;
		for (uint32_t b = 0; b < NDR_POOL_BUFS; b++) {
			if (e >= p->engines || p->buf_busy[e][b]) {
				all_free = false;
			} else if (any < 0) {
				any = (int32_t)e;
				any_b = b;
			}
		}
		if (all_free && idle < 0)
			idle = (int32_t)e;
	}
	if (idle < 0 && any < 0)
		return false;
	p->rx_engine = (uint32_t)(idle >= 0 ? idle : any);
	p->rx_buf = idle >= 0 ? 0u : any_b;
	p->buf_busy[p->rx_engine][p->rx_buf] = true;
	return true;
}

void ndr_pool_ready(struct ndr_walk_pool *p, uint32_t e, uint32_t b)
{
	p->buf_ready[e][b] = true;
	p->buf_seq[e][b] = p->seq++;
	p->order[p->order_wr % NDR_POOL_SLOTS] = (uint16_t)(e * NDR_POOL_BUFS + b);
	p->order_wr++;
}

void ndr_pool_free(struct ndr_walk_pool *p, uint32_t e, uint32_t b)
{
	p->buf_busy[e][b] = false;
	p->buf_ready[e][b] = false;
}

int32_t ndr_pool_take(struct ndr_walk_pool *p, uint32_t e)
{
	int32_t pick = -1;
	for (uint32_t b = 0; b < NDR_POOL_BUFS; b++) {
		/* the older of two ready buffers: seq difference modulo 2^32 */
		if (p->buf_ready[e][b] &&
		    (pick < 0 || p->buf_seq[e][b] - p->buf_seq[e][pick] > 0x80000000u))
			pick = (int32_t)b;
	}
	if (pick >= 0) {
		p->buf_ready[e][pick] = false;
		p->walking[e] = pick;
	}
	return pick;
}

bool ndr_pool_head_done(const struct ndr_walk_pool *p, uint32_t *e)
{
	if (p->order_rd == p->order_wr)
		return false;
	uint32_t tag = p->order[p->order_rd % NDR_POOL_SLOTS];
	*e = tag / NDR_POOL_BUFS;
	return p->done[*e] && p->walking[*e] == (int32_t)(tag % NDR_POOL_BUFS);
}

void ndr_pool_retire(struct ndr_walk_pool *p, uint32_t e)
{
	p->buf_busy[e][(uint32_t)p->walking[e] % NDR_POOL_BUFS] = false;
	p->walking[e] = -1;
	p->done[e] = false;
	p->order_rd++;
}

void ndr_pool_account(struct ndr_walk_pool *p, uint32_t busy)
{
	p->busy_clocks += busy;
	if (busy > p->busy_max)
		p->busy_max = busy;
}

bool ndr_pool_idle(const struct ndr_walk_pool *p)
{
	bool any = p->rx_active || p->order_rd != p->order_wr;
	for (uint32_t e = 0; e < NDR_POOL_ENGINES_MAX; e++) {
		for (uint32_t b = 0; b < NDR_POOL_BUFS; b++)
			any |= p->buf_busy[e][b];
	}
	return !any;
}

void ndr_pool_chunk(struct ndr_walk_pool *p, uint32_t flags, bool makes_record,
		    struct ndr_pool_rx *r)
{
	r->write = false;
	r->last = false;
	r->kept = false;
	r->dropped = false;
	r->engine = p->rx_engine;
	r->buf = p->rx_buf;
	if (flags & NDR_CHUNK_FIRST) {
		p->rx_active = true;
		p->rx_drop = !ndr_pool_allocate(p);
		r->engine = p->rx_engine;
		r->buf = p->rx_buf;
	}
	if (!p->rx_active)
		return;
	r->write = (flags & NDR_CHUNK_DATA) && !p->rx_drop;
	if (!(flags & NDR_CHUNK_LAST))
		return;
	r->last = true;
	p->rx_active = false;
	bool whole = !(flags & NDR_CHUNK_ABORT) && makes_record;
	r->dropped = whole && p->rx_drop;
	if (p->rx_drop)
		return;
	if (whole) {
		r->kept = true;
		ndr_pool_ready(p, r->engine, r->buf);
	} else {
		ndr_pool_free(p, r->engine, r->buf);
	}
}
