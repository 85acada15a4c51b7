/*
 * ndr_hw_pool.h - the engine pool shared by the DNS and TLS walk stages
 * (walk_pool.c): which engine's buffer a message goes into, which buffer
 * an engine walks next, and the order records leave in.
 *
 * Each engine has NDR_POOL_BUFS buffers: it walks one message while the
 * next one arrives into the other. A new message takes an idle engine's
 * first buffer, else the first free buffer of a busy engine; with none
 * free it is dropped (the stage counts it). A complete message waits in
 * its buffer until its engine takes it (oldest first); its record leaves
 * when every older message's record has left (the retire order), one a
 * clock.
 */
#ifndef NDR_HW_POOL_H
#define NDR_HW_POOL_H

/* struct ndr_dns_chunk / ndr_tls_chunk flags (with NDR_CAP_HB, NDR_CAP_FLUSH) */
#define NDR_CHUNK_FIRST  0x0100u    /* first chunk of a message */
#define NDR_CHUNK_LAST   0x0200u    /* its last: desc is valid */
#define NDR_CHUNK_DATA   0x0400u    /* data holds a beat of the message */
#define NDR_CHUNK_RECORD 0x0800u    /* LAST: the message makes a record */
#define NDR_CHUNK_ABORT  0x1000u    /* LAST: the frame was cut, void */
#define NDR_CHUNK_MARK   0x2000u    /* no message: a marker */

#define NDR_POOL_ENGINES_MAX 32u
#define NDR_POOL_BUFS        2u
#define NDR_POOL_SLOTS       (NDR_POOL_ENGINES_MAX * NDR_POOL_BUFS)

struct ndr_walk_pool {
	uint32_t engines;           /* <= NDR_POOL_ENGINES_MAX */
	bool     buf_busy[NDR_POOL_ENGINES_MAX][NDR_POOL_BUFS];  /* holds a message */
	bool     buf_ready[NDR_POOL_ENGINES_MAX][NDR_POOL_BUFS]; /* complete, to walk */
	uint32_t buf_seq[NDR_POOL_ENGINES_MAX][NDR_POOL_BUFS];   /* arrival order */
	int32_t  walking[NDR_POOL_ENGINES_MAX];   /* buffer walked, -1 idle */
	bool     done[NDR_POOL_ENGINES_MAX];      /* its record waits */
	/* the message being received */
	bool     rx_active, rx_drop;
	uint32_t rx_engine, rx_buf;
	uint32_t seq;
	uint16_t order[NDR_POOL_SLOTS];           /* engine * BUFS + buffer */
	uint32_t order_rd, order_wr;
	/* performance */
	uint32_t busy_max;          /* most engines walking at once */
	uint64_t busy_clocks;       /* engine clocks spent walking */
};

void ndr_pool_init(struct ndr_walk_pool *p, uint32_t engines);
/* A message begins: a buffer for it (rx_engine, rx_buf), or false. */
bool ndr_pool_allocate(struct ndr_walk_pool *p);
/* The message in (e, b) is complete and will make a record. */
void ndr_pool_ready(struct ndr_walk_pool *p, uint32_t e, uint32_t b);
/* The buffer (e, b) is free again (a message that makes no record). */
void ndr_pool_free(struct ndr_walk_pool *p, uint32_t e, uint32_t b);
/* Engine e is idle: the buffer it takes next (marked walked), or -1. */
int32_t ndr_pool_take(struct ndr_walk_pool *p, uint32_t e);
/* The oldest complete message, when its walk is done: its engine. */
bool ndr_pool_head_done(const struct ndr_walk_pool *p, uint32_t *e);
/* Its record has left: the engine is idle, the buffer free. */
void ndr_pool_retire(struct ndr_walk_pool *p, uint32_t e);
/* Count the clock's walking engines (busy). */
void ndr_pool_account(struct ndr_walk_pool *p, uint32_t busy);
/* What a chunk of a message means for the pool (flags NDR_CHUNK_*): a
 * FIRST allocates, DATA goes to (engine, buf) when write, a LAST ends the
 * message: kept (ready to walk) when it is whole and makes a record, else
 * its buffer is freed; dropped when it would have made one but found no
 * buffer. */
struct ndr_pool_rx {
	bool     write, last, kept, dropped;
	uint32_t engine, buf;
};
void ndr_pool_chunk(struct ndr_walk_pool *p, uint32_t flags, bool makes_record,
		    struct ndr_pool_rx *r);
/* Nothing held, walked or waiting to retire. */
bool ndr_pool_idle(const struct ndr_walk_pool *p);

#endif
