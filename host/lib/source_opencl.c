/*
 * source_opencl.c - the card's kernels through OpenCL: "opencl" or
 * "opencl:PLATFORM", with the frames of a capture (-r FILE). A Xilinx
 * platform (XRT's ICD) runs an xclbin instead: source_opencl_xilinx.c.
 *
 * The device program is hw/src as OpenCL C (opencl/ndr_card.cl, one text
 * made at build time and compiled by the platform at start), run as a
 * single work item per batch of frames (clEnqueueTask). Its state (the
 * card's registers and pipelines, the flow table memories) stays in device
 * buffers between batches; the ring and its control page are buffers over
 * host memory (CL_MEM_USE_HOST_PTR), mapped for the consumer between
 * launches and unmapped while the kernel runs, as OpenCL's memory model
 * asks. The records are those of the emulated card bit for bit
 * (tests/integration/opencl_pocl.sh).
 *
 * As with a capture through the emulated card, nothing may be lost: a batch
 * holds only as many frames as the ring has room for at the worst records
 * per frame, and the consumer drains between batches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr_numa.h"
#include "ndr_opencl.h"
#include "ndr_readahead.h"
#include "ndr_source.h"

/* The program text (build/gen/ndr_card_cl.c, from opencl/ndr_card.cl). */
extern const char ndr_card_cl_source[];

#define CL_BATCH_FRAMES 8192u
#define CL_BATCH_BYTES  (16u << 20)
#define CL_CTRL_BYTES   4096u
#define CL_STATS_WORDS  (15u + NDR_REC_TYPE_MAX)
#define CL_BUILD_OPTIONS "-cl-std=CL1.2"

/* As struct ndr_cl_frame in opencl/ndr_card.cl. */
struct cl_frame {
	uint64_t ts_ns;
	uint32_t offset;
	uint32_t caplen;
	uint32_t wirelen;
	uint32_t reserved;
};

enum { OP_INIT = 0, OP_FRAMES = 1, OP_FLUSH = 2 };

/* ndr_cl_card's arguments, in order. */
enum {
	ARG_TOP, ARG_BUCKETS, ARG_ENTRIES, ARG_RING, ARG_CTRL, ARG_LOG2,
	ARG_BYTES, ARG_FRAMES, ARG_N, ARG_OP, ARG_LOG2_BUCKETS, ARG_SEED, ARG_IDLE,
	ARG_ACTIVE, ARG_CLOSE, ARG_HEARTBEAT, ARG_SWEEP, ARG_DONE,
};

struct cl_source {
	struct ndr_source base;
	cl_context ctx;
	cl_command_queue q;
	cl_program prog;
	cl_kernel k_card, k_stats;
	cl_mem top, buckets, entries, ring, ctrl, bytes, frames, stats, done;
	void *ring_mem;
	size_t ring_bytes;
	struct ndr_ring_ctrl *ctrl_mem;
	uint32_t log2_slots;
	int mapped;
	struct ndr_readahead *ra;
	uint8_t *batch_bytes;
	struct cl_frame *batch;
	uint32_t batch_n;          /* frames in the batch not taken yet */
	size_t batch_used;
	int input_ended;           /* no more frames: flush with the last launch */
	int input_done;
	char pending_err[256];     /* a capture error after the last batch */
	volatile int stop_requested;
};

static int cl_fail(const struct cl_source *s, char *err, size_t errlen, cl_int rc,
		   const char *what)
{
	snprintf(err, errlen, "%s: %s: %s (%d)", s->base.desc, what, ndr_cl_err(rc), (int)rc);
	return -1;
}

static int map_ring(struct cl_source *s, char *err, size_t errlen)
{
	cl_int rc;
	void *r, *c;

	if (s->mapped)
		return 0;
	r = clEnqueueMapBuffer(s->q, s->ring, CL_TRUE, CL_MAP_READ, 0, s->ring_bytes, 0, NULL,
			       NULL, &rc);
	if (rc != CL_SUCCESS)
		return cl_fail(s, err, errlen, rc, "mapping the ring");
	c = clEnqueueMapBuffer(s->q, s->ctrl, CL_TRUE, CL_MAP_READ | CL_MAP_WRITE, 0,
			       CL_CTRL_BYTES, 0, NULL, NULL, &rc);
	if (rc != CL_SUCCESS) {
		clEnqueueUnmapMemObject(s->q, s->ring, r, 0, NULL, NULL);
		return cl_fail(s, err, errlen, rc, "mapping the control page");
	}
	/* Buffers over host memory map to that memory (OpenCL 1.2, 5.4.2). */
	if (r != s->ring_mem || c != (void *)s->ctrl_mem) {
		snprintf(err, errlen, "%s: the platform mapped the ring elsewhere than its host memory",
			 s->base.desc);
		clEnqueueUnmapMemObject(s->q, s->ring, r, 0, NULL, NULL);
		clEnqueueUnmapMemObject(s->q, s->ctrl, c, 0, NULL, NULL);
		clFinish(s->q);
		return -1;
	}
	s->mapped = 1;
	return 0;
}

static int unmap_ring(struct cl_source *s, char *err, size_t errlen)
{
	cl_int rc;

	if (!s->mapped)
		return 0;
	s->mapped = 0;
	rc = clEnqueueUnmapMemObject(s->q, s->ring, s->ring_mem, 0, NULL, NULL);
	if (rc == CL_SUCCESS)
		rc = clEnqueueUnmapMemObject(s->q, s->ctrl, s->ctrl_mem, 0, NULL, NULL);
	if (rc != CL_SUCCESS)
		return cl_fail(s, err, errlen, rc, "unmapping the ring");
	return 0;
}

/* One launch of ndr_cl_card over n frames of the batch: *taken of them
 * went in, *flushed when a flush asked for is complete. */
static int launch(struct cl_source *s, uint32_t n, uint32_t op, uint32_t *taken, int *flushed,
		  char *err, size_t errlen)
{
	cl_int rc = CL_SUCCESS;
	uint32_t done[2] = { 0, 0 };

	if (n) {
		size_t nbytes = s->batch[n - 1].offset + s->batch[n - 1].caplen;

		rc = clEnqueueWriteBuffer(s->q, s->bytes, CL_FALSE, 0, nbytes ? nbytes : 1,
					  s->batch_bytes, 0, NULL, NULL);
		if (rc == CL_SUCCESS)
			rc = clEnqueueWriteBuffer(s->q, s->frames, CL_FALSE, 0,
						  n * sizeof(struct cl_frame), s->batch, 0, NULL,
						  NULL);
		if (rc != CL_SUCCESS)
			return cl_fail(s, err, errlen, rc, "writing the frames");
	}
	if (unmap_ring(s, err, errlen))
		return -1;
	rc = clSetKernelArg(s->k_card, ARG_N, sizeof(n), &n);
	if (rc == CL_SUCCESS)
		rc = clSetKernelArg(s->k_card, ARG_OP, sizeof(op), &op);
	if (rc == CL_SUCCESS)
		rc = clEnqueueTask(s->q, s->k_card, 0, NULL, NULL);
	if (rc == CL_SUCCESS && op != OP_INIT)
		rc = clEnqueueReadBuffer(s->q, s->done, CL_TRUE, 0, sizeof(done), done, 0, NULL,
					 NULL);
	if (rc == CL_SUCCESS)
		rc = clFinish(s->q);
	if (rc != CL_SUCCESS)
		return cl_fail(s, err, errlen, rc, "running ndr_cl_card");
	if (taken)
		*taken = done[0];
	if (flushed)
		*flushed = done[1] != 0u;
	return map_ring(s, err, errlen);
}

/* Frames the card did not take move to the front of the batch. */
static void keep_rest(struct cl_source *s, uint32_t taken)
{
	uint32_t left = s->batch_n - taken;
	size_t from = left ? s->batch[taken].offset : s->batch_used;

	memmove(s->batch_bytes, s->batch_bytes + from, s->batch_used - from);
	memmove(s->batch, s->batch + taken, left * sizeof(*s->batch));
	for (uint32_t i = 0; i < left; i++)
		s->batch[i].offset -= (uint32_t)from;
	s->batch_n = left;
	s->batch_used -= from;
}

static int cl_pump(struct ndr_source *base, int timeout_ms, char *err, size_t errlen)
{
	struct cl_source *s = (struct cl_source *)base;
	uint32_t op = OP_FRAMES, taken = 0;
	struct ndr_frame f;
	int rc = 1, flushed = 0;

	(void)timeout_ms;   /* a file: frames are there or the input ended */
	if (s->input_done)
		return ndr_ring_available(&base->reader) ? NDR_SRC_RECORDS : NDR_SRC_END;
	while (!s->input_ended && s->batch_n < CL_BATCH_FRAMES &&
	       s->batch_used + NDR_MAX_FRAME <= CL_BATCH_BYTES) {
		if (s->stop_requested) {
			s->input_ended = 1;
			break;
		}
		rc = ndr_readahead_next(s->ra, &f, s->pending_err, sizeof(s->pending_err));
		if (rc != 1) {
			/* an error ends the input too; the frames before it count */
			s->input_ended = rc <= 0;
			break;
		}
		/* As ndr_card_frame does. */
		if (f.caplen > NDR_MAX_FRAME)
			f.caplen = NDR_MAX_FRAME;
		if (f.wirelen < f.caplen)
			f.wirelen = f.caplen;
		memcpy(s->batch_bytes + s->batch_used, f.data, f.caplen);
		s->batch[s->batch_n].ts_ns = f.ts_ns;
		s->batch[s->batch_n].offset = (uint32_t)s->batch_used;
		s->batch[s->batch_n].caplen = f.caplen;
		s->batch[s->batch_n].wirelen = f.wirelen;
		s->batch[s->batch_n].reserved = 0;
		s->batch_used += f.caplen;
		s->batch_n++;
	}
	if (s->input_ended)
		op = OP_FLUSH;
	if (s->batch_n == 0 && op == OP_FRAMES)
		return NDR_SRC_IDLE;
	if (launch(s, s->batch_n, op, &taken, &flushed, err, errlen))
		return NDR_SRC_ERROR;
	keep_rest(s, taken);
	if (op == OP_FLUSH && flushed) {
		s->input_done = 1;
		if (s->pending_err[0]) {
			snprintf(err, errlen, "%s", s->pending_err);
			return NDR_SRC_ERROR;
		}
	}
	return NDR_SRC_RECORDS;
}

static void cl_stop(struct ndr_source *base)
{
	((struct cl_source *)base)->stop_requested = 1;
}

static void cl_get_stats(struct ndr_source *base, struct ndr_source_stats *st)
{
	struct cl_source *s = (struct cl_source *)base;
	uint64_t w[CL_STATS_WORDS];
	cl_int rc;

	memset(st, 0, sizeof(*st));
	ndr_readahead_get_stats(s->ra, &st->capture);
	rc = clEnqueueTask(s->q, s->k_stats, 0, NULL, NULL);
	if (rc == CL_SUCCESS)
		rc = clEnqueueReadBuffer(s->q, s->stats, CL_TRUE, 0, sizeof(w), w, 0, NULL, NULL);
	if (rc != CL_SUCCESS)
		return;
	st->card.frames = w[0];
	st->card.beats = w[1];
	st->card.bytes = w[2];
	st->card.parse_errors = w[3];
	st->card.non_ip = w[4];
	st->card.dns_messages = w[5];
	st->card.dns_errors = w[6];
	st->card.flows_active = w[7];
	st->card.flows_created = w[8];
	st->card.flows_evicted = w[9];
	st->card.records_written = w[10];
	for (uint32_t i = 0; i < NDR_REC_TYPE_MAX; i++)
		st->card.records_by_type[i] = w[11 + i];
	st->card.records_dropped = w[11 + NDR_REC_TYPE_MAX];
	st->card.slots_written = w[12 + NDR_REC_TYPE_MAX];
	st->card.tls_hellos = w[13 + NDR_REC_TYPE_MAX];
	st->card.flows_dns_only = w[14 + NDR_REC_TYPE_MAX];
}

static void cl_close(struct ndr_source *base)
{
	struct cl_source *s = (struct cl_source *)base;
	char err[64];

	if (s->q) {
		unmap_ring(s, err, sizeof(err));
		clFinish(s->q);
	}
	ndr_cl_release_mem(&s->top);
	ndr_cl_release_mem(&s->buckets);
	ndr_cl_release_mem(&s->done);
	ndr_cl_release_mem(&s->entries);
	ndr_cl_release_mem(&s->ring);
	ndr_cl_release_mem(&s->ctrl);
	ndr_cl_release_mem(&s->bytes);
	ndr_cl_release_mem(&s->frames);
	ndr_cl_release_mem(&s->stats);
	const cl_kernel kernels[] = { s->k_card, s->k_stats };
	ndr_cl_release(kernels, 2, s->prog, s->q, s->ctx);
	ndr_readahead_free(s->ra);
	ndr_numa_free(s->ring_mem, s->ring_bytes);
	ndr_numa_free(s->ctrl_mem, CL_CTRL_BYTES);
	free(s->batch_bytes);
	free(s->batch);
	free(s);
}

static const struct ndr_source_ops cl_ops = {
	.kind = "opencl",
	.pump = cl_pump,
	.stop = cl_stop,
	.get_stats = cl_get_stats,
	.close = cl_close,
	.rewrite = NULL,
};

static int build_program(struct cl_source *s, cl_device_id dev, char *err, size_t errlen)
{
	const char *src = ndr_card_cl_source;
	cl_int rc;

	s->prog = clCreateProgramWithSource(s->ctx, 1, &src, NULL, &rc);
	if (rc != CL_SUCCESS)
		return cl_fail(s, err, errlen, rc, "creating the program");
	rc = clBuildProgram(s->prog, 1, &dev, CL_BUILD_OPTIONS, NULL, NULL);
	if (rc != CL_SUCCESS) {
		char log[2048] = "";
		char *p;

		clGetProgramBuildInfo(s->prog, dev, CL_PROGRAM_BUILD_LOG, sizeof(log) - 1, log, NULL);
		for (p = log; *p; p++)
			if (*p == '\n')
				*p = ' ';
		snprintf(err, errlen, "%s: building opencl/ndr_card.cl: %s: %.1500s", s->base.desc,
			 ndr_cl_err(rc), log);
		return -1;
	}
	s->k_card = clCreateKernel(s->prog, "ndr_cl_card", &rc);
	if (rc == CL_SUCCESS)
		s->k_stats = clCreateKernel(s->prog, "ndr_cl_stats", &rc);
	if (rc != CL_SUCCESS)
		return cl_fail(s, err, errlen, rc, "creating the kernels");
	return 0;
}

/* How the device lays out the card's state: sizes for the buffers, and a
 * check that frames and records mean the same on both sides. */
static int device_layout(struct cl_source *s, uint64_t out[5], char *err, size_t errlen)
{
	cl_kernel k;
	cl_mem m;
	cl_int rc;

	k = clCreateKernel(s->prog, "ndr_cl_layout", &rc);
	if (rc != CL_SUCCESS)
		return cl_fail(s, err, errlen, rc, "creating ndr_cl_layout");
	m = clCreateBuffer(s->ctx, CL_MEM_WRITE_ONLY, 5 * sizeof(uint64_t), NULL, &rc);
	if (rc == CL_SUCCESS)
		rc = clSetKernelArg(k, 0, sizeof(m), &m);
	if (rc == CL_SUCCESS)
		rc = clEnqueueTask(s->q, k, 0, NULL, NULL);
	if (rc == CL_SUCCESS)
		rc = clEnqueueReadBuffer(s->q, m, CL_TRUE, 0, 5 * sizeof(uint64_t), out, 0, NULL,
					 NULL);
	if (m)
		clReleaseMemObject(m);
	clReleaseKernel(k);
	if (rc != CL_SUCCESS)
		return cl_fail(s, err, errlen, rc, "running ndr_cl_layout");
	if (out[3] != sizeof(struct cl_frame) || out[4] != NDR_ABI_VERSION) {
		snprintf(err, errlen, "%s: the device lays a frame out in %llu bytes and speaks ABI "
			 "%llu; this host: %zu bytes, ABI %u", s->base.desc,
			 (unsigned long long)out[3], (unsigned long long)out[4],
			 sizeof(struct cl_frame), NDR_ABI_VERSION);
		return -1;
	}
	return 0;
}

static cl_mem zeroed(struct cl_source *s, size_t bytes, cl_int *rc)
{
	static const uint8_t zero;
	cl_mem m = clCreateBuffer(s->ctx, CL_MEM_READ_WRITE, bytes, NULL, rc);

	if (*rc == CL_SUCCESS)
		*rc = clEnqueueFillBuffer(s->q, m, &zero, 1, 0, bytes, 0, NULL, NULL);
	return m;
}

static int set_args(struct cl_source *s, const struct ndr_card_cfg *c)
{
	uint32_t v[] = { c->log2_buckets, c->hash_seed, c->idle_timeout_ms, c->active_timeout_ms,
			 c->close_timeout_ms, c->heartbeat_ms, c->scan_sweep_ms };
	cl_mem *mems[] = { &s->top, &s->buckets, &s->entries, &s->ring, &s->ctrl };
	cl_int rc = CL_SUCCESS;

	for (unsigned i = 0; i < 5 && rc == CL_SUCCESS; i++)
		rc = clSetKernelArg(s->k_card, ARG_TOP + i, sizeof(cl_mem), mems[i]);
	if (rc == CL_SUCCESS)
		rc = clSetKernelArg(s->k_card, ARG_LOG2, sizeof(s->log2_slots), &s->log2_slots);
	if (rc == CL_SUCCESS)
		rc = clSetKernelArg(s->k_card, ARG_BYTES, sizeof(cl_mem), &s->bytes);
	if (rc == CL_SUCCESS)
		rc = clSetKernelArg(s->k_card, ARG_FRAMES, sizeof(cl_mem), &s->frames);
	for (unsigned i = 0; i < 7 && rc == CL_SUCCESS; i++)
		rc = clSetKernelArg(s->k_card, ARG_LOG2_BUCKETS + i, sizeof(v[i]), &v[i]);
	if (rc == CL_SUCCESS)
		rc = clSetKernelArg(s->k_card, ARG_DONE, sizeof(cl_mem), &s->done);
	if (rc == CL_SUCCESS)
		rc = clSetKernelArg(s->k_stats, 0, sizeof(cl_mem), &s->top);
	if (rc == CL_SUCCESS)
		rc = clSetKernelArg(s->k_stats, 1, sizeof(cl_mem), &s->stats);
	return rc;
}

struct ndr_source *ndr_source_opencl_open(const char *platform, const struct ndr_source_opts *o,
					  char *err, size_t errlen)
{
	struct cl_source *s;
	struct ndr_capture *cap;
	struct ndr_cl_platform plat;
	cl_device_id dev;
	char desc[sizeof(s->base.desc)], dname[128] = "", why[256];
	uint64_t layout[5];
	size_t buckets;
	cl_int rc;

	snprintf(desc, sizeof(desc), "opencl%s%s", *platform ? ":" : "", platform);
	if (ndr_cl_pick_platform(desc, platform, o->xclbin, &plat, err, errlen))
		return NULL;
	if (plat.xilinx)
		return ndr_source_opencl_xilinx_open(desc, &plat, o, err, errlen);
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "%s: out of memory", desc);
		return NULL;
	}
	s->base.ops = &cl_ops;
	s->base.numa_node = o->numa_node;
	s->base.replay = 1;     /* its frames come from a capture file */
	snprintf(s->base.desc, sizeof(s->base.desc), "%s", desc);
	dev = plat.dev;
	if (!o->frames) {
		snprintf(err, errlen, "%s: needs -r FILE: the OpenCL card's frames come from a capture",
			 s->base.desc);
		goto fail;
	}
	if (o->xclbin_uuid) {
		snprintf(err, errlen, "%s: --xclbin-uuid pins an xclbin, and '%s' runs none",
			 s->base.desc, plat.name);
		goto fail;
	}
	s->log2_slots = o->ring_log2_slots ? o->ring_log2_slots
					   : ndr_source_default_log2_slots(&o->card);
	if (s->log2_slots < NDR_RING_MIN_LOG2 || s->log2_slots > NDR_RING_MAX_LOG2) {
		snprintf(err, errlen, "%s: ring size 2^%u slots is outside 2^%u..2^%u", s->base.desc,
			 s->log2_slots, NDR_RING_MIN_LOG2, NDR_RING_MAX_LOG2);
		goto fail;
	}
	clGetDeviceInfo(dev, CL_DEVICE_NAME, sizeof(dname), dname, NULL);
	{
		cl_context_properties props[] = { CL_CONTEXT_PLATFORM, (cl_context_properties)plat.id,
						  0 };

		s->ctx = clCreateContext(props, 1, &dev, NULL, NULL, &rc);
	}
	if (rc != CL_SUCCESS) {
		cl_fail(s, err, errlen, rc, "creating a context");
		goto fail;
	}
	s->q = clCreateCommandQueue(s->ctx, dev, 0, &rc);
	if (rc != CL_SUCCESS) {
		cl_fail(s, err, errlen, rc, "creating a queue");
		goto fail;
	}
	if (build_program(s, dev, err, errlen) || device_layout(s, layout, err, errlen))
		goto fail;

	/* The ring and control page: host memory the consumer reads in place. */
	s->ring_bytes = (size_t)NDR_SLOT_BYTES << s->log2_slots;
	s->ring_mem = ndr_numa_alloc(s->ring_bytes, o->numa_node);
	s->ctrl_mem = ndr_numa_alloc(CL_CTRL_BYTES, o->numa_node);
	s->batch_bytes = malloc(CL_BATCH_BYTES);
	s->batch = calloc(CL_BATCH_FRAMES, sizeof(*s->batch));
	if (!s->ring_mem || !s->ctrl_mem || !s->batch_bytes || !s->batch) {
		snprintf(err, errlen, "%s: cannot allocate a ring of %zu bytes", s->base.desc,
			 s->ring_bytes);
		goto fail;
	}
	s->ctrl_mem->log2_slots = s->log2_slots;
	s->ctrl_mem->abi_version = NDR_ABI_VERSION;
	s->ring = clCreateBuffer(s->ctx, CL_MEM_READ_WRITE | CL_MEM_USE_HOST_PTR, s->ring_bytes,
				 s->ring_mem, &rc);
	if (rc == CL_SUCCESS)
		s->ctrl = clCreateBuffer(s->ctx, CL_MEM_READ_WRITE | CL_MEM_USE_HOST_PTR,
					 CL_CTRL_BYTES, s->ctrl_mem, &rc);
	/* The card's state, zeroed as ndr_flow_mem requires before init. */
	buckets = (size_t)1 << o->card.log2_buckets;
	if (rc == CL_SUCCESS)
		s->top = zeroed(s, layout[0], &rc);
	if (rc == CL_SUCCESS)
		s->buckets = zeroed(s, buckets * layout[1], &rc);
	if (rc == CL_SUCCESS)
		s->done = clCreateBuffer(s->ctx, CL_MEM_WRITE_ONLY, 2 * sizeof(uint32_t), NULL, &rc);
	if (rc == CL_SUCCESS)
		s->entries = zeroed(s, buckets * layout[2], &rc);
	if (rc == CL_SUCCESS)
		s->bytes = clCreateBuffer(s->ctx, CL_MEM_READ_ONLY, CL_BATCH_BYTES, NULL, &rc);
	if (rc == CL_SUCCESS)
		s->frames = clCreateBuffer(s->ctx, CL_MEM_READ_ONLY,
					   CL_BATCH_FRAMES * sizeof(struct cl_frame), NULL, &rc);
	if (rc == CL_SUCCESS)
		s->stats = clCreateBuffer(s->ctx, CL_MEM_WRITE_ONLY, CL_STATS_WORDS * sizeof(uint64_t),
					  NULL, &rc);
	if (rc != CL_SUCCESS) {
		cl_fail(s, err, errlen, rc, "allocating the card's buffers");
		goto fail;
	}
	rc = set_args(s, &o->card);
	if (rc != CL_SUCCESS) {
		cl_fail(s, err, errlen, rc, "setting kernel arguments");
		goto fail;
	}
	if (launch(s, 0, OP_INIT, NULL, NULL, err, errlen))
		goto fail;

	/* Last, so that a failure before it leaves no thread to stop. */
	cap = ndr_capture_open_file(o->frames, why, sizeof(why));
	if (!cap) {
		snprintf(err, errlen, "%s", why);
		goto fail;
	}
	s->ra = ndr_readahead_start(cap, 0, why, sizeof(why));
	if (!s->ra) {
		ndr_capture_close(cap);
		snprintf(err, errlen, "%s: %s", s->base.desc, why);
		goto fail;
	}
	s->ctrl_mem->state = NDR_RING_STATE_RUNNING;
	ndr_ring_reader_init(&s->base.reader, s->ring_mem, s->log2_slots, s->ctrl_mem,
			     o->batch_slots);
	snprintf(s->base.info, sizeof(s->base.info),
		 "platform '%s', device '%s': the hw/ kernels as OpenCL C, one work item per "
		 "batch of up to %u frames; ring 2^%u slots", plat.name, dname, CL_BATCH_FRAMES,
		 s->log2_slots);
	return &s->base;
fail:
	cl_close(&s->base);
	return NULL;
}
