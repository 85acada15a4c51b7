/*
 * source_opencl.c - the card's kernels through OpenCL: "opencl" or
 * "opencl:PLATFORM", with the frames of a capture (-r FILE).
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
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ndr_numa.h"
#include "ndr_readahead.h"
#include "ndr_source.h"

/* The program text (build/gen/ndr_card_cl.c, from opencl/ndr_card.cl). */
extern const char ndr_card_cl_source[];

#define CL_BATCH_FRAMES 8192u
#define CL_BATCH_BYTES  (16u << 20)
#define CL_CTRL_BYTES   4096u
#define CL_STATS_WORDS  (13u + NDR_REC_TYPE_MAX)
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
	ARG_TOP, ARG_BUCKETS, ARG_DEADLINE, ARG_ENTRIES, ARG_RING, ARG_CTRL, ARG_LOG2,
	ARG_BYTES, ARG_FRAMES, ARG_N, ARG_OP, ARG_LOG2_BUCKETS, ARG_SEED, ARG_IDLE,
	ARG_ACTIVE, ARG_CLOSE, ARG_HEARTBEAT, ARG_PER_BEAT,
};

struct cl_source {
	struct ndr_source base;
	cl_context ctx;
	cl_command_queue q;
	cl_program prog;
	cl_kernel k_card, k_stats;
	cl_mem top, buckets, deadline, entries, ring, ctrl, bytes, frames, stats;
	void *ring_mem;
	size_t ring_bytes;
	struct ndr_ring_ctrl *ctrl_mem;
	uint32_t log2_slots;
	int mapped;
	struct ndr_readahead *ra;
	uint8_t *batch_bytes;
	struct cl_frame *batch;
	int input_done;
	char pending_err[256];     /* a capture error after the last batch */
	volatile int stop_requested;
};

static const char *cl_err(cl_int e)
{
	switch (e) {
	case CL_DEVICE_NOT_FOUND: return "device not found";
	case CL_BUILD_PROGRAM_FAILURE: return "program build failure";
	case CL_MEM_OBJECT_ALLOCATION_FAILURE: return "memory object allocation failure";
	case CL_OUT_OF_RESOURCES: return "out of resources";
	case CL_OUT_OF_HOST_MEMORY: return "out of host memory";
	case CL_INVALID_VALUE: return "invalid value";
	case CL_INVALID_BUFFER_SIZE: return "invalid buffer size";
	case CL_INVALID_HOST_PTR: return "invalid host pointer";
	case CL_INVALID_KERNEL_NAME: return "no such kernel in the program";
	case CL_INVALID_KERNEL_ARGS: return "kernel arguments not set";
	case CL_INVALID_BUILD_OPTIONS: return "invalid build options";
	case -1001: return "no platform (the ICD loader found no ICD)";
	default: return "OpenCL error";
	}
}

static int cl_fail(const struct cl_source *s, char *err, size_t errlen, cl_int rc,
		   const char *what)
{
	snprintf(err, errlen, "%s: %s: %s (%d)", s->base.desc, what, cl_err(rc), (int)rc);
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

/* One launch of ndr_cl_card over n frames of the batch. */
static int launch(struct cl_source *s, uint32_t n, uint32_t op, char *err, size_t errlen)
{
	cl_int rc = CL_SUCCESS;

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
	if (rc == CL_SUCCESS)
		rc = clFinish(s->q);
	if (rc != CL_SUCCESS)
		return cl_fail(s, err, errlen, rc, "running ndr_cl_card");
	return map_ring(s, err, errlen);
}

static uint32_t ring_room(const struct cl_source *s)
{
	return (1u << s->log2_slots) - (s->ctrl_mem->prod - s->ctrl_mem->cons);
}

static int cl_pump(struct ndr_source *base, int timeout_ms, char *err, size_t errlen)
{
	struct cl_source *s = (struct cl_source *)base;
	uint32_t n = 0, max, op = OP_FRAMES;
	size_t used = 0;
	struct ndr_frame f;
	int rc = 1;

	(void)timeout_ms;   /* a file: frames are there or the input ended */
	if (s->pending_err[0]) {
		snprintf(err, errlen, "%s", s->pending_err);
		return NDR_SRC_ERROR;
	}
	if (s->input_done)
		return ndr_ring_available(&base->reader) ? NDR_SRC_RECORDS : NDR_SRC_END;
	max = ring_room(s) / NDR_CARD_WORST_SLOTS_PER_FRAME;
	if (max == 0)
		return NDR_SRC_RECORDS;   /* the consumer makes room first */
	if (max > CL_BATCH_FRAMES)
		max = CL_BATCH_FRAMES;
	while (n < max && used + NDR_MAX_FRAME <= CL_BATCH_BYTES) {
		if (s->stop_requested) {
			rc = 0;
			break;
		}
		rc = ndr_readahead_next(s->ra, &f, s->pending_err, sizeof(s->pending_err));
		if (rc != 1)
			break;
		/* As ndr_card_frame does. */
		if (f.caplen > NDR_MAX_FRAME)
			f.caplen = NDR_MAX_FRAME;
		if (f.wirelen < f.caplen)
			f.wirelen = f.caplen;
		memcpy(s->batch_bytes + used, f.data, f.caplen);
		s->batch[n].ts_ns = f.ts_ns;
		s->batch[n].offset = (uint32_t)used;
		s->batch[n].caplen = f.caplen;
		s->batch[n].wirelen = f.wirelen;
		s->batch[n].reserved = 0;
		used += f.caplen;
		n++;
	}
	if (rc < 0)
		rc = 1;             /* the frames before the error still count */
	else
		s->pending_err[0] = '\0';
	if (rc == 0)
		op = OP_FLUSH;
	if (n == 0 && op == OP_FRAMES)
		return s->pending_err[0] ? NDR_SRC_RECORDS : NDR_SRC_IDLE;
	if (launch(s, n, op, err, errlen))
		return NDR_SRC_ERROR;
	if (op == OP_FLUSH)
		s->input_done = 1;
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
}

static void release_mem(cl_mem *m)
{
	if (*m)
		clReleaseMemObject(*m);
	*m = NULL;
}

static void cl_close(struct ndr_source *base)
{
	struct cl_source *s = (struct cl_source *)base;
	char err[64];

	if (s->q) {
		unmap_ring(s, err, sizeof(err));
		clFinish(s->q);
	}
	release_mem(&s->top);
	release_mem(&s->buckets);
	release_mem(&s->deadline);
	release_mem(&s->entries);
	release_mem(&s->ring);
	release_mem(&s->ctrl);
	release_mem(&s->bytes);
	release_mem(&s->frames);
	release_mem(&s->stats);
	if (s->k_card)
		clReleaseKernel(s->k_card);
	if (s->k_stats)
		clReleaseKernel(s->k_stats);
	if (s->prog)
		clReleaseProgram(s->prog);
	if (s->q)
		clReleaseCommandQueue(s->q);
	if (s->ctx)
		clReleaseContext(s->ctx);
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

static int contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

/* The first platform with a device whose name or vendor contains want
 * (any, if want is empty); its names go to err when none matches. */
static int pick_platform(struct cl_source *s, const char *want, cl_platform_id *plat,
			 cl_device_id *dev, char *pname, size_t pnlen, char *err, size_t errlen)
{
	cl_platform_id ids[16];
	cl_uint n = 0;
	char seen[512] = "", name[128], vendor[128];
	cl_int rc = clGetPlatformIDs(16, ids, &n);

	if (rc != CL_SUCCESS || n == 0) {
		snprintf(err, errlen, "%s: no OpenCL platform (no ICD: install pocl-opencl-icd, or "
			 "point OCL_ICD_VENDORS at a directory holding one)", s->base.desc);
		return -1;
	}
	for (cl_uint i = 0; i < n && i < 16; i++) {
		size_t len = strlen(seen);

		name[0] = vendor[0] = '\0';
		clGetPlatformInfo(ids[i], CL_PLATFORM_NAME, sizeof(name), name, NULL);
		clGetPlatformInfo(ids[i], CL_PLATFORM_VENDOR, sizeof(vendor), vendor, NULL);
		snprintf(seen + len, sizeof(seen) - len, "%s'%s'", len ? ", " : "", name);
		if (*want && !contains_nocase(name, want) && !contains_nocase(vendor, want))
			continue;
		if (clGetDeviceIDs(ids[i], CL_DEVICE_TYPE_ALL, 1, dev, NULL) != CL_SUCCESS)
			continue;
		if (contains_nocase(vendor, "xilinx")) {
			snprintf(err, errlen, "%s: '%s' runs xclbins, not OpenCL C: on an Alveo use "
				 "--card xrt:DEVICE --xclbin FILE", s->base.desc, name);
			return -1;
		}
		*plat = ids[i];
		snprintf(pname, pnlen, "%s", name);
		return 0;
	}
	snprintf(err, errlen, "%s: no OpenCL platform with a device%s%s%s (platforms: %s)",
		 s->base.desc, *want ? " matching '" : "", want, *want ? "'" : "", seen);
	return -1;
}

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
			 cl_err(rc), log);
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
			 c->close_timeout_ms, c->heartbeat_ms, c->per_beat ? 1u : 0u };
	cl_mem *mems[] = { &s->top, &s->buckets, &s->deadline, &s->entries, &s->ring, &s->ctrl };
	cl_int rc = CL_SUCCESS;

	for (unsigned i = 0; i < 6 && rc == CL_SUCCESS; i++)
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
		rc = clSetKernelArg(s->k_stats, 0, sizeof(cl_mem), &s->top);
	if (rc == CL_SUCCESS)
		rc = clSetKernelArg(s->k_stats, 1, sizeof(cl_mem), &s->stats);
	return rc;
}

struct ndr_source *ndr_source_opencl_open(const char *platform, const struct ndr_source_opts *o,
					  char *err, size_t errlen)
{
	struct cl_source *s = calloc(1, sizeof(*s));
	struct ndr_capture *cap;
	cl_platform_id plat;
	cl_device_id dev;
	char pname[128], dname[128] = "", why[256];
	uint64_t layout[5];
	size_t buckets;
	cl_int rc;

	if (!s) {
		snprintf(err, errlen, "opencl: out of memory");
		return NULL;
	}
	s->base.ops = &cl_ops;
	s->base.numa_node = o->numa_node;
	snprintf(s->base.desc, sizeof(s->base.desc), "opencl%s%s", *platform ? ":" : "", platform);
	if (!o->frames) {
		snprintf(err, errlen, "%s: needs -r FILE: the OpenCL card's frames come from a capture",
			 s->base.desc);
		goto fail;
	}
	s->log2_slots = o->ring_log2_slots ? o->ring_log2_slots
					   : ndr_source_default_log2_slots(&o->card);
	if (s->log2_slots < NDR_RING_MIN_LOG2 || s->log2_slots > NDR_RING_MAX_LOG2) {
		snprintf(err, errlen, "%s: ring size 2^%u slots is outside 2^%u..2^%u", s->base.desc,
			 s->log2_slots, NDR_RING_MIN_LOG2, NDR_RING_MAX_LOG2);
		goto fail;
	}
	if (pick_platform(s, platform, &plat, &dev, pname, sizeof(pname), err, errlen))
		goto fail;
	clGetDeviceInfo(dev, CL_DEVICE_NAME, sizeof(dname), dname, NULL);
	{
		cl_context_properties props[] = { CL_CONTEXT_PLATFORM, (cl_context_properties)plat, 0 };

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
		s->deadline = zeroed(s, buckets * sizeof(uint64_t), &rc);
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
	if (launch(s, 0, OP_INIT, err, errlen))
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
		 "batch of up to %u frames; ring 2^%u slots", pname, dname, CL_BATCH_FRAMES,
		 s->log2_slots);
	return &s->base;
fail:
	cl_close(&s->base);
	return NULL;
}
