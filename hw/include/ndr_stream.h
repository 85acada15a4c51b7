/*
 * ndr_stream.h - the bounded FIFO between two stages of the data path.
 *
 *   NDR_STREAM(name, T, DEPTH)
 *
 * declares `struct name`, a FIFO of at most DEPTH items of type T, with
 *
 *   name_init(s)         empty it (the card's reset)
 *   name_empty(s)        nothing to read this clock
 *   name_full(s)         no room to write this clock
 *   name_read(s, &v)     pop one item (the caller saw !name_empty)
 *   name_write(s, &v)    push one item (the caller saw !name_full)
 *   name_read_nb(s, &v)  pop if there is one; false if empty
 *   name_write_nb(s, &v) push if there is room; false if full
 *   name_DEPTH           the depth, for the HLS STREAM pragma
 *
 * A stage uses the checks and the non-blocking forms only: one call is one
 * clock, and a stage never waits inside a call. Under Vitis HLS the shim
 * defines NDR_HLS_STREAMS before including this header and the same stage
 * code sees hls::stream<T> (read, write, empty, full map one to one), with
 * `#pragma HLS STREAM depth=name_DEPTH` where the dataflow region declares
 * it. The clocked simulation (sim/src/clocked.c) calls consumers before
 * producers within a clock, so an item written at clock t is read at t+1,
 * as from a registered FIFO; it reads the occupancy (name_count) for its
 * report, which stage code never does.
 */
#ifndef NDR_STREAM_H
#define NDR_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#if defined(__cplusplus) && defined(NDR_HLS_STREAMS)

#define NDR_STREAM(name, T, DEPTH)                                              \
	enum { name##_DEPTH = (DEPTH) };                                         \
	struct name { hls::stream<T> s; };                                       \
	static inline void name##_init(struct name *q) { (void)q; }              \
	static inline bool name##_empty(struct name *q) { return q->s.empty(); } \
	static inline bool name##_full(struct name *q) { return q->s.full(); }   \
	static inline void name##_read(struct name *q, T *v) { *v = q->s.read(); } \
	static inline void name##_write(struct name *q, const T *v) { q->s.write(*v); } \
	static inline bool name##_read_nb(struct name *q, T *v) { return q->s.read_nb(*v); } \
	static inline bool name##_write_nb(struct name *q, const T *v) { return q->s.write_nb(*v); }

#else

#define NDR_STREAM(name, T, DEPTH)                                              \
	enum { name##_DEPTH = (DEPTH) };                                         \
	struct name {                                                            \
		T item[DEPTH];                                                   \
		uint32_t rd, wr;        /* free running; wr - rd items held */   \
	};                                                                       \
	static inline void name##_init(struct name *q)                           \
	{                                                                        \
		q->rd = 0;                                                       \
		q->wr = 0;                                                       \
	}                                                                        \
	static inline bool name##_empty(struct name *q)                          \
	{                                                                        \
		return q->rd == q->wr;                                           \
	}                                                                        \
	static inline bool name##_full(struct name *q)                           \
	{                                                                        \
		return q->wr - q->rd >= (uint32_t)(DEPTH);                       \
	}                                                                        \
	static inline uint32_t name##_count(const struct name *q)                \
	{                                                                        \
		return q->wr - q->rd;                                            \
	}                                                                        \
	static inline void name##_read(struct name *q, T *v)                     \
	{                                                                        \
		*v = q->item[q->rd % (uint32_t)(DEPTH)];                         \
		q->rd++;                                                         \
	}                                                                        \
	static inline void name##_write(struct name *q, const T *v)              \
	{                                                                        \
		q->item[q->wr % (uint32_t)(DEPTH)] = *v;                         \
		q->wr++;                                                         \
	}                                                                        \
	static inline bool name##_read_nb(struct name *q, T *v)                  \
	{                                                                        \
		if (name##_empty(q))                                             \
			return false;                                            \
		name##_read(q, v);                                               \
		return true;                                                     \
	}                                                                        \
	static inline bool name##_write_nb(struct name *q, const T *v)           \
	{                                                                        \
		if (name##_full(q))                                              \
			return false;                                            \
		name##_write(q, v);                                              \
		return true;                                                     \
	}

#endif

#endif /* NDR_STREAM_H */
