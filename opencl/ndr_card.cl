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
 * lists against hw/src. The whole-frame driver (sim/src/fast_card.c) is
 * what runs them here, as in the emulated card. */
#include "../hw/src/parser.c"
#include "../hw/src/parser_stage.c"
#include "../hw/src/flow_hash.c"
#include "../hw/src/flow_table.c"
#include "../hw/src/flow_stage.c"
#include "../hw/src/dns_walk.c"
#include "../hw/src/dns_stage.c"
#include "../hw/src/tls_walk.c"
#include "../hw/src/tls_stage.c"
#include "../hw/src/walk_pool.c"
#include "../hw/src/entropy.c"
#include "../hw/src/log2_table.c"
#include "../hw/src/record_writer.c"
#include "../hw/src/record_stage.c"
#include "../hw/src/rx_stage.c"
#include "../hw/src/card_dataflow.c"
#include "../sim/src/fast_card.c"

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

/* The card is lossless (a capture file): it takes frames until the ring
 * has no room for the next step, and says in done[0] how many it took and
 * in done[1] whether a flush asked for is complete. The host drains the
 * ring and launches again with the frames not taken. */
__kernel void ndr_cl_card(__global struct ndr_top *g_top,
			  __global struct ndr_flow_bucket *g_buckets,
			  __global struct ndr_flow_entry *g_entries,
			  __global uchar *g_ring,
			  __global struct ndr_ring_ctrl *g_ctrl,
			  uint log2_slots,
			  __global const uchar *g_bytes,
			  __global const struct ndr_cl_frame *frames,
			  uint n, uint op,
			  uint log2_buckets, uint hash_seed, uint idle_timeout_ms,
			  uint active_timeout_ms, uint close_timeout_ms, uint heartbeat_ms,
			  uint scan_sweep_ms, __global uint *done)
{
	struct ndr_top *top = NDR_CL_FLAT(struct ndr_top, g_top);
	struct ndr_top_io io;
	const uint8_t *bytes = NDR_CL_FLAT(const uint8_t, g_bytes);

	io.table.buckets = NDR_CL_FLAT(struct ndr_flow_bucket, g_buckets);
	io.table.entries = NDR_CL_FLAT(struct ndr_flow_entry, g_entries);
	io.ring = NDR_CL_FLAT(uint8_t, g_ring);
	io.ctrl = NDR_CL_FLAT(struct ndr_ring_ctrl, g_ctrl);
	if (op == NDR_CL_INIT) {
		/* The flow memories were zeroed by the host, as ndr_flow_mem
		 * requires. */
		struct ndr_top_cfg cfg;

		cfg.log2_buckets = log2_buckets;
		cfg.hash_seed = hash_seed;
		cfg.idle_timeout_ms = idle_timeout_ms;
		cfg.active_timeout_ms = active_timeout_ms;
		cfg.close_timeout_ms = close_timeout_ms;
		cfg.heartbeat_ms = heartbeat_ms;
		cfg.scan_sweep_ms = scan_sweep_ms;
		ndr_top_init(top, &cfg, io.ctrl, log2_slots);
		top->lossless = true;
		return;
	}
	uint taken = 0;
	for (uint i = 0; i < n; i++) {
		const uint8_t *f = bytes + frames[i].offset;

		if (ndr_top_frame(top, &io, frames[i].ts_ns, f, frames[i].caplen,
				  frames[i].wirelen) == NDR_TOP_BUSY)
			break;
		taken++;
	}
	done[0] = taken;
	done[1] = 0;
	if (op == NDR_CL_FLUSH && taken == n)
		done[1] = ndr_top_flush(top, &io) == NDR_TOP_BUSY ? 0u : 1u;
}

/* The card's counters, in the order host/lib/source_opencl.c reads them. */
__kernel void ndr_cl_stats(__global const struct ndr_top *t, __global ulong *out)
{
	out[0] = t->frames;
	out[1] = t->beats;
	out[2] = t->bytes;
	out[3] = t->parse_errors;
	out[4] = t->non_ip;
	out[5] = t->dns_messages;
	out[6] = t->dns_errors;
	out[7] = t->fctr.active;
	out[8] = t->fctr.created;
	out[9] = t->fctr.evicted;
	out[10] = t->rw.records_written;
	for (uint i = 0; i < NDR_REC_TYPE_MAX; i++)
		out[11 + i] = t->rw.by_type[i];
	out[11 + NDR_REC_TYPE_MAX] = t->rw.records_dropped;
	out[12 + NDR_REC_TYPE_MAX] = t->rw.slots_written;
	out[13 + NDR_REC_TYPE_MAX] = t->tls_hellos;
	out[14 + NDR_REC_TYPE_MAX] = t->fctr.dns_only;
}
