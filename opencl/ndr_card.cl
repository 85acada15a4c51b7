/*
 * ndr_card.cl - the card's kernels (hw/src) as one OpenCL C program, run as
 * a single work item (clEnqueueTask) over batches of frames from the host:
 * the same parser, flow table, DNS and TLS stages and record writer the
 * emulated card (sim/src/card.c) and the bitstream (hw/vitis) run, writing
 * records into a ring buffer in the same layout (ndr_abi.h), bit for bit.
 *
 * Thin on purpose: the kernels come in unchanged through the compatibility
 * header; what is here is the work a driver of ndr_top does (sim/src/card.c
 * for the emulation, hw/vitis/ndr_datapath.cpp for HLS): hold the state
 * between launches, present frames, flush, report counters. The host side
 * is host/lib/source_opencl.c; opencl/inline.awk makes the program text.
 */
#include "ndr_cl_compat.h"

/* The sources are listed, as in sim/src/card.c; the Makefile checks both
 * lists against hw/src. */
#include "../hw/src/card_top.c"
#include "../hw/src/parser.c"
#include "../hw/src/flow_hash.c"
#include "../hw/src/flow_table.c"
#include "../hw/src/dns_extract.c"
#include "../hw/src/dns_stage.c"
#include "../hw/src/walk_sched.c"
#include "../hw/src/tls_extract.c"
#include "../hw/src/entropy.c"
#include "../hw/src/log2_table.c"
#include "../hw/src/record_writer.c"

/* One frame of a batch, laid out as host/lib/source_opencl.c's copy. */
struct ndr_cl_frame {
	ulong ts_ns;
	uint  offset;        /* into the batch's bytes */
	uint  caplen;        /* <= NDR_MAX_FRAME */
	uint  wirelen;       /* >= caplen */
	uint  reserved;
};

/* op */
#define NDR_CL_INIT   0u
#define NDR_CL_FRAMES 1u
#define NDR_CL_FLUSH  2u   /* the batch's frames, then end of input */

/* Sizes as this compiler lays the state out: the host allocates by them
 * (per bucket: a header line and its ways' entries). */
__kernel void ndr_cl_layout(__global ulong *out)
{
	out[0] = sizeof(struct ndr_top);
	out[1] = sizeof(struct ndr_flow_bucket);
	out[2] = sizeof(struct ndr_flow_entry) * NDR_FLOW_WAYS;
	out[3] = sizeof(struct ndr_cl_frame);
	out[4] = NDR_ABI_VERSION;
}

/* A frame as the CMAC presents it, beat by beat (sim/src/card.c's
 * beat_by_beat), for [card] per_beat. */
static void ndr_cl_beats(struct ndr_top *top, ulong ts_ns, const uchar *frame,
			 uint caplen, uint wirelen)
{
	struct ndr_beat b;
	uint off = 0;

	b.ts_ns = ts_ns;
	b.wire_len = wirelen;
	for (uint i = 0; i < NDR_MAX_FRAME / NDR_BEAT_BYTES + 1u; i++) {
		uint n = caplen - off < NDR_BEAT_BYTES ? caplen - off : NDR_BEAT_BYTES;

		for (uint j = 0; j < NDR_BEAT_BYTES; j++)
			b.data[j] = j < n ? frame[off + j] : 0;
		b.len = n;
		b.last = off + n >= caplen;
		ndr_top_beat(top, &b);
		off += n;
		if (off >= caplen)
			break;
	}
}

__kernel void ndr_cl_card(__global struct ndr_top *g_top,
			  __global struct ndr_flow_bucket *g_buckets,
			  __global ulong *g_deadline,
			  __global struct ndr_flow_entry *g_entries,
			  __global uchar *g_ring,
			  __global struct ndr_ring_ctrl *g_ctrl,
			  uint log2_slots,
			  __global const uchar *g_bytes,
			  __global const struct ndr_cl_frame *frames,
			  uint n, uint op,
			  uint log2_buckets, uint hash_seed, uint idle_timeout_ms,
			  uint active_timeout_ms, uint close_timeout_ms, uint heartbeat_ms,
			  uint per_beat)
{
	struct ndr_top *top = NDR_CL_FLAT(struct ndr_top, g_top);
	struct ndr_flow_bucket *buckets = NDR_CL_FLAT(struct ndr_flow_bucket, g_buckets);
	uint64_t *deadline = NDR_CL_FLAT(uint64_t, g_deadline);
	struct ndr_flow_entry *entries = NDR_CL_FLAT(struct ndr_flow_entry, g_entries);
	uint8_t *ring = NDR_CL_FLAT(uint8_t, g_ring);
	struct ndr_ring_ctrl *ctrl = NDR_CL_FLAT(struct ndr_ring_ctrl, g_ctrl);
	const uint8_t *bytes = NDR_CL_FLAT(const uint8_t, g_bytes);

	if (op == NDR_CL_INIT) {
		/* The flow memories were zeroed by the host, as ndr_flow_mem
		 * requires. */
		struct ndr_top_cfg cfg;
		struct ndr_flow_mem mem;

		cfg.log2_buckets = log2_buckets;
		cfg.hash_seed = hash_seed;
		cfg.idle_timeout_ms = idle_timeout_ms;
		cfg.active_timeout_ms = active_timeout_ms;
		cfg.close_timeout_ms = close_timeout_ms;
		cfg.heartbeat_ms = heartbeat_ms;
		mem.buckets = buckets;
		mem.deadline = deadline;
		mem.entries = entries;
		ndr_top_init(top, &cfg, &mem, ring, ctrl, log2_slots);
		return;
	}
	/* A buffer need not be at the same address in every launch. */
	top->rw.slots = ring;
	top->rw.ctrl = ctrl;
	top->flow.mem.buckets = buckets;
	top->flow.mem.deadline = deadline;
	top->flow.mem.entries = entries;

	for (uint i = 0; i < n; i++) {
		const uint8_t *f = bytes + frames[i].offset;

		if (per_beat)
			ndr_cl_beats(top, frames[i].ts_ns, f, frames[i].caplen, frames[i].wirelen);
		else
			ndr_top_frame(top, frames[i].ts_ns, f, frames[i].caplen, frames[i].wirelen);
	}
	if (op == NDR_CL_FLUSH)
		ndr_top_flush(top);
}

/* The card's counters, in the order of struct ndr_card_stats (ndr_card.h),
 * as sim/src/card.c's ndr_card_get_stats reads them. */
__kernel void ndr_cl_stats(__global const struct ndr_top *t, __global ulong *out)
{
	out[0] = t->frames;
	out[1] = t->beats;
	out[2] = t->bytes;
	out[3] = t->parse_errors;
	out[4] = t->non_ip;
	out[5] = t->dnsq.messages;
	out[6] = t->dnsq.errors;
	out[7] = t->flow.active;
	out[8] = t->flow.created;
	out[9] = t->flow.evicted;
	out[10] = t->rw.records_written;
	for (uint i = 0; i < NDR_REC_TYPE_MAX; i++)
		out[11 + i] = t->rw.by_type[i];
	out[11 + NDR_REC_TYPE_MAX] = t->rw.records_dropped;
	out[12 + NDR_REC_TYPE_MAX] = t->rw.slots_written;
}
