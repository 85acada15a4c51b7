/*
 * source_opencl_xilinx.c - an Alveo card through XRT's OpenCL ICD
 * (libxilinxopencl): "opencl[:PLATFORM] --xclbin FILE" on a Xilinx platform.
 *
 * The card the xrt source drives (source_xrt.cpp), for hosts whose stack
 * is OpenCL; the two share the image checks (ndr_xclbin.h) and what XRT
 * knows about the device (ndr_xrt_device.h):
 *
 *   1. read and check the xclbin: the record writer with its five arguments,
 *      ring and ctrl wired to host memory, ap_ctrl_chain; the data path; the
 *      CMAC. Auto-restart is not needed: OpenCL enqueues every call;
 *   2. load it with clCreateProgramWithBinary and clBuildProgram; the device
 *      must then hold the file's UUID, and XRT's OpenCL must see the
 *      kernels and the writer's arguments the metadata names;
 *   3. pin the consumer to the card's NUMA node before anything is
 *      allocated;
 *   4. the ring and its control page: host-only buffers (CL_MEM_EXT_PTR_XILINX
 *      with XCL_MEM_EXT_HOST_ONLY), mapped once and never unmapped while the
 *      card runs: the card writes host memory, the consumer reads it in
 *      place, nothing is migrated;
 *   5. one writer call with init = 1, waited for; then calls with init = 0
 *      kept queued by a thread of their own, in place of the xrt source's
 *      auto-restart (each call returns after 2^16 clocks, having published
 *      prod; the writer's state lives in the kernel between calls);
 *   6. the 100G port through xrt::ip on the device OpenCL loaded;
 *   7. poll prod in host memory, card time to wall time, heartbeats as the
 *      card's statistics (as the xrt source);
 *   8. on stop, no new call; the queued ones end (each within a call's
 *      clocks) before the buffers go, or the buffers stay.
 *
 * XRT's noop emulation runs all of this and executes nothing on the device;
 * as with the xrt source, -r FILE then lets the emulated card (ndr_card_feed.h)
 * write into the OpenCL-mapped ring in this process.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ndr_opencl.h"   /* first: it sets the OpenCL version */

#include <CL/cl_ext_xilinx.h>

#include "ndr_card_feed.h"
#include "ndr_record.h"
#include "ndr_timebase.h"
#include "ndr_xclbin.h"
#include "ndr_xrt_device.h"

#define XCL_CTRL_BYTES          4096u
#define XCL_CALL_CLOCKS         65536u  /* NDR_VITIS_WRITER_CALL (hw/vitis/ndr_datapath.h, C++) */
#define XCL_CALLS_QUEUED        8u      /* ~1.7 ms of calls at 300 MHz */
#define XCL_FIRST_CALL_MS       2000u
#define XCL_STOP_MS             2000u
#define XCL_POLL_STEP_US        1000

struct xcl_source {
	struct ndr_source base;
	char xclbin_path[256];
	int emulation;
	struct ndr_xclbin image;
	cl_device_id dev;
	cl_context ctx;
	cl_command_queue q;
	cl_program prog;
	cl_kernel writer;
	cl_mem ring_buf, ctrl_buf;
	uint8_t *ring;                 /* mapped while the source lives */
	struct ndr_ring_ctrl *ctrl;
	size_t ring_bytes;
	uint32_t log2_slots;
	struct ndr_xrt_link *link;     /* NULL in emulation: no registers */
	struct ndr_timebase tb;
	struct ndr_card_stats hb;      /* the last heartbeat's counters */
	struct ndr_card_feed *feed;

	/* The writer's calls. While busy, a call may be in flight and the
	 * card may write the buffers: they must not be freed. */
	int busy;
	pthread_t caller;
	int caller_started;
	uint64_t call_ns;              /* a call's length at the kernel clock */
	atomic_int caller_stop;
	atomic_int caller_done;
	atomic_int caller_failed;
	char caller_err[256];          /* written before caller_failed is set */
	atomic_ulong calls;            /* calls that ended */
	int stopped;
	volatile sig_atomic_t stop_requested;
};

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec t = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };

	nanosleep(&t, NULL);
}

static int xcl_fail(const struct xcl_source *s, char *err, size_t errlen, cl_int rc,
		    const char *what)
{
	snprintf(err, errlen, "%s: %s: %s (%d)", s->base.desc, what, ndr_cl_err(rc), (int)rc);
	return -1;
}

/* Wait for one call, then say how it ended: 0, or -1 with why. */
static int call_ended(cl_event ev, char *why, size_t len)
{
	cl_int st = CL_COMPLETE;
	cl_int rc = clWaitForEvents(1, &ev);

	if (rc == CL_SUCCESS || rc == CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST)
		rc = clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof(st), &st, NULL);
	clReleaseEvent(ev);
	if (rc != CL_SUCCESS || st < 0) {
		snprintf(why, len, "a call of %s failed: %s (%d)", NDR_XCLBIN_WRITER,
			 ndr_cl_err(rc != CL_SUCCESS ? rc : st), (int)(rc != CL_SUCCESS ? rc : st));
		return -1;
	}
	return 0;
}

/*
 * The writer's calls, for as long as the source runs: XCL_CALLS_QUEUED
 * ahead, a new one as the oldest ends. A call lasts XCL_CALL_CLOCKS on a
 * card; one that ends sooner (XRT's emulation runs nothing) is not followed
 * faster than that, so the host never spins. The consumer never waits for
 * this thread, nor this thread for the consumer: the card writes on while
 * the detectors work, as with the xrt source's auto-restart.
 */
static void *caller_main(void *arg)
{
	struct xcl_source *s = arg;
	cl_event ev[XCL_CALLS_QUEUED];
	unsigned head = 0, n = 0;
	uint64_t burst = XCL_CALLS_QUEUED * s->call_ns;
	uint64_t next = 0, now;
	char why[sizeof(s->caller_err)];
	cl_int rc;
	int failed = 0;

	while (!failed && !atomic_load(&s->caller_stop)) {
		if (n == XCL_CALLS_QUEUED) {
			failed = call_ended(ev[head], why, sizeof(why));
			head = (head + 1) % XCL_CALLS_QUEUED;
			n--;
			if (!failed)
				atomic_fetch_add(&s->calls, 1);
			continue;
		}
		now = clock_ns(CLOCK_MONOTONIC);
		if (next + burst < now)
			next = now - burst;
		if (next > now)
			sleep_ns(next - now);
		next += s->call_ns;
		rc = clEnqueueTask(s->q, s->writer, 0, NULL, &ev[(head + n) % XCL_CALLS_QUEUED]);
		if (rc == CL_SUCCESS)
			n++;
		if (rc == CL_SUCCESS)
			rc = clFlush(s->q);
		if (rc != CL_SUCCESS) {
			snprintf(why, sizeof(why), "calling %s: %s (%d)", NDR_XCLBIN_WRITER,
				 ndr_cl_err(rc), (int)rc);
			failed = 1;
		}
	}
	/* No call from here on; the queued ones end by themselves. */
	for (; n; n--, head = (head + 1) % XCL_CALLS_QUEUED) {
		char late[sizeof(why)];

		if (call_ended(ev[head], late, sizeof(late)) == 0) {
			atomic_fetch_add(&s->calls, 1);
		} else if (!failed) {
			failed = 1;
			snprintf(why, sizeof(why), "%s", late);
		}
	}
	if (failed) {
		snprintf(s->caller_err, sizeof(s->caller_err), "%s", why);
		atomic_store(&s->caller_failed, 1);
	}
	atomic_store(&s->caller_done, 1);
	return NULL;
}

/* No more calls; 0 once none is in flight, -1 (buffers stay) if they do
 * not end in time. */
static int stop_calls(struct xcl_source *s, char *why, size_t len)
{
	unsigned waited = 0;

	if (s->caller_started) {
		atomic_store(&s->caller_stop, 1);
		while (!atomic_load(&s->caller_done) && waited++ < XCL_STOP_MS)
			sleep_ns(1000000);
		if (!atomic_load(&s->caller_done)) {
			snprintf(why, len, "%s's queued calls did not end in %u ms",
				 NDR_XCLBIN_WRITER, XCL_STOP_MS);
			return -1;
		}
		pthread_join(s->caller, NULL);
		s->caller_started = 0;
		s->busy = 0;
	}
	if (s->busy) {
		snprintf(why, len, "%s's first call has not ended", NDR_XCLBIN_WRITER);
		return -1;
	}
	return 0;
}

static int xcl_pump(struct ndr_source *base, int timeout_ms, char *err, size_t errlen)
{
	struct xcl_source *s = (struct xcl_source *)base;
	char why[256];

	if (s->feed) {
		int rc = ndr_card_feed_pump(s->feed, timeout_ms, err, errlen);
		if (rc != NDR_SRC_END)
			return rc;
		s->stop_requested = 1;   /* the capture ended: so does the device */
	}
	if (atomic_load(&s->caller_failed)) {
		snprintf(err, errlen, "%s: %s", base->desc, s->caller_err);
		return NDR_SRC_ERROR;
	}
	if (s->stop_requested && !s->stopped) {
		if (stop_calls(s, why, sizeof(why))) {
			snprintf(err, errlen, "%s: %s", base->desc, why);
			return NDR_SRC_ERROR;
		}
		__atomic_store_n(&s->ctrl->state, NDR_RING_STATE_DONE, __ATOMIC_RELEASE);
		s->stopped = 1;
	}
	if (ndr_ring_available(&base->reader))
		return NDR_SRC_RECORDS;
	if (s->stopped)
		return NDR_SRC_END;
	/* No interrupt reaches the host from a user kernel: poll prod. */
	for (int waited_us = 0; waited_us < timeout_ms * 1000; waited_us += XCL_POLL_STEP_US) {
		ndr_xrt_link_poll(s->link);
		if (s->stop_requested || atomic_load(&s->caller_failed))
			return NDR_SRC_IDLE;
		if (ndr_ring_available(&base->reader))
			return NDR_SRC_RECORDS;
		sleep_ns(XCL_POLL_STEP_US * 1000ull);
	}
	ndr_xrt_link_poll(s->link);
	return ndr_ring_available(&base->reader) ? NDR_SRC_RECORDS : NDR_SRC_IDLE;
}

static void xcl_stop(struct ndr_source *base)
{
	struct xcl_source *s = (struct xcl_source *)base;

	s->stop_requested = 1;
	if (s->feed)
		ndr_card_feed_stop(s->feed);
}

static void xcl_rewrite(struct ndr_source *base, struct ndr_rec_hdr *rec)
{
	struct xcl_source *s = (struct xcl_source *)base;

	ndr_timebase_rewrite(&s->tb, rec, clock_ns(CLOCK_REALTIME));
	if (rec->type == NDR_REC_HEARTBEAT)
		ndr_heartbeat_to_stats((const struct ndr_heartbeat_rec *)rec, &s->hb);
}

static void xcl_get_stats(struct ndr_source *base, struct ndr_source_stats *st)
{
	struct xcl_source *s = (struct xcl_source *)base;

	memset(st, 0, sizeof(*st));
	if (s->feed)
		ndr_card_feed_get_stats(s->feed, &st->card, &st->capture);
	else
		st->card = s->hb;
	ndr_xrt_link_get_stats(s->link, &st->link);
}

static void xcl_close(struct ndr_source *base)
{
	struct xcl_source *s = (struct xcl_source *)base;
	char why[256];

	ndr_card_feed_free(s->feed);
	s->feed = NULL;
	if (stop_calls(s, why, sizeof(why))) {
		/* Freeing the ring under a card that still writes it would hand
		 * its pages to someone else: keep them (s is not freed). */
		fprintf(stderr, "ndr-sensor: %s: %s; its buffers stay allocated\n", base->desc, why);
		return;
	}
	if (atomic_load(&s->calls))
		fprintf(stderr, "ndr-sensor: %s: %s ended after %lu calls\n", base->desc,
			NDR_XCLBIN_WRITER, (unsigned long)atomic_load(&s->calls));
	if (s->ring)
		clEnqueueUnmapMemObject(s->q, s->ring_buf, s->ring, 0, NULL, NULL);
	if (s->ctrl)
		clEnqueueUnmapMemObject(s->q, s->ctrl_buf, s->ctrl, 0, NULL, NULL);
	if (s->q)
		clFinish(s->q);
	ndr_cl_release_mem(&s->ring_buf);
	ndr_cl_release_mem(&s->ctrl_buf);
	ndr_cl_release(&s->writer, 1, s->prog, s->q, s->ctx);
	ndr_xrt_link_free(s->link);
	ndr_xclbin_close(&s->image);
	free(s);
}

static const struct ndr_source_ops xcl_ops = {
	.kind = "opencl",
	.pump = xcl_pump,
	.stop = xcl_stop,
	.get_stats = xcl_get_stats,
	.close = xcl_close,
	.rewrite = xcl_rewrite,
};

/* The emulated card stamps capture time, as the C simulation does: no
 * clock to map, and its own counters instead of heartbeats. */
static const struct ndr_source_ops xcl_emulated_ops = {
	.kind = "opencl",
	.pump = xcl_pump,
	.stop = xcl_stop,
	.get_stats = xcl_get_stats,
	.close = xcl_close,
	.rewrite = NULL,
};

static int contains_word(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; (p = strstr(p, name)) != NULL; p += n)
		if ((p == list || p[-1] == ';') && (p[n] == ';' || p[n] == '\0'))
			return 1;
	return 0;
}

/* 2. The image onto the device, and what XRT's OpenCL makes of it. */
static int load_program(struct xcl_source *s, char *err, size_t errlen)
{
	const unsigned char *bin = s->image.data;
	size_t len = s->image.size;
	char names[512] = "", held[40], why[256];
	cl_int rc, status = CL_SUCCESS;
	cl_uint nargs = 0;
	void *handle = NULL;

	s->prog = clCreateProgramWithBinary(s->ctx, 1, &s->dev, &len, &bin, &status, &rc);
	if (rc != CL_SUCCESS) {
		snprintf(err, errlen, "%s: %s: clCreateProgramWithBinary: %s (%d, binary status %d)",
			 s->base.desc, s->xclbin_path, ndr_cl_err(rc), (int)rc, (int)status);
		return -1;
	}
	rc = clBuildProgram(s->prog, 1, &s->dev, "", NULL, NULL);
	if (rc != CL_SUCCESS) {
		snprintf(err, errlen, "%s: loading %s onto the device: %s (%d)", s->base.desc,
			 s->xclbin_path, ndr_cl_err(rc), (int)rc);
		return -1;
	}
	rc = clGetDeviceInfo(s->dev, CL_DEVICE_HANDLE, sizeof(handle), &handle, NULL);
	if (rc != CL_SUCCESS || !handle)
		return xcl_fail(s, err, errlen, rc, "XRT's device handle (CL_DEVICE_HANDLE)");
	if (ndr_xrt_device_xclbin_uuid(handle, held, sizeof(held), why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", s->base.desc, why);
		return -1;
	}
	if (strcmp(held, s->image.uuid) != 0) {
		snprintf(err, errlen, "%s: the device holds xclbin %s, not %s's %s (another process "
			 "keeps its image loaded?)", s->base.desc, held, s->xclbin_path, s->image.uuid);
		return -1;
	}
	/* The metadata was checked; XRT's OpenCL must see it the same way. */
	rc = clGetProgramInfo(s->prog, CL_PROGRAM_KERNEL_NAMES, sizeof(names), names, NULL);
	if (rc != CL_SUCCESS)
		return xcl_fail(s, err, errlen, rc, "the program's kernel names");
	if (!contains_word(names, NDR_XCLBIN_WRITER) || !contains_word(names, NDR_XCLBIN_DATAPATH)) {
		snprintf(err, errlen, "%s: XRT's OpenCL sees the kernels '%s' in %s, not %s and %s",
			 s->base.desc, names, s->xclbin_path, NDR_XCLBIN_WRITER, NDR_XCLBIN_DATAPATH);
		return -1;
	}
	s->writer = clCreateKernel(s->prog, NDR_XCLBIN_WRITER, &rc);
	if (rc != CL_SUCCESS)
		return xcl_fail(s, err, errlen, rc, "creating " NDR_XCLBIN_WRITER);
	rc = clGetKernelInfo(s->writer, CL_KERNEL_NUM_ARGS, sizeof(nargs), &nargs, NULL);
	if (rc != CL_SUCCESS)
		return xcl_fail(s, err, errlen, rc, NDR_XCLBIN_WRITER "'s arguments");
	if (nargs != NDR_XCLBIN_WRITER_NARGS) {
		snprintf(err, errlen, "%s: XRT's OpenCL sees %u arguments of %s, its metadata %u",
			 s->base.desc, (unsigned)nargs, NDR_XCLBIN_WRITER, NDR_XCLBIN_WRITER_NARGS);
		return -1;
	}
	return 0;
}

/* 4. A host-only buffer, mapped: memory the card writes and the host reads. */
static int host_only(struct xcl_source *s, size_t bytes, cl_mem *buf, void **map, char *err,
		     size_t errlen)
{
	cl_mem_ext_ptr_t ext;
	cl_int rc;

	memset(&ext, 0, sizeof(ext));
	ext.flags = XCL_MEM_EXT_HOST_ONLY;
	*buf = clCreateBuffer(s->ctx, CL_MEM_READ_WRITE | CL_MEM_EXT_PTR_XILINX, bytes, &ext, &rc);
	if (rc == CL_SUCCESS)
		*map = clEnqueueMapBuffer(s->q, *buf, CL_TRUE, CL_MAP_READ | CL_MAP_WRITE, 0, bytes,
					  0, NULL, NULL, &rc);
	if (rc != CL_SUCCESS) {
		snprintf(err, errlen, "%s: allocating %zu bytes of host memory for the card: %s (%d) "
			 "(is host memory enabled? xbutil configure --host-mem ENABLE --size 1G)",
			 s->base.desc, bytes, ndr_cl_err(rc), (int)rc);
		return -1;
	}
	memset(*map, 0, bytes);
	return 0;
}

/* 5. The call that (re)starts the writer on this ring, then the rest. */
static int start_writer(struct xcl_source *s, char *err, size_t errlen)
{
	uint32_t init = 1;
	cl_event first;
	cl_int rc, st = CL_QUEUED;
	unsigned waited = 0;
	char why[256];

	rc = clSetKernelArg(s->writer, NDR_XCLBIN_ARG_RING, sizeof(cl_mem), &s->ring_buf);
	if (rc == CL_SUCCESS)
		rc = clSetKernelArg(s->writer, NDR_XCLBIN_ARG_CTRL, sizeof(cl_mem), &s->ctrl_buf);
	if (rc == CL_SUCCESS)
		rc = clSetKernelArg(s->writer, NDR_XCLBIN_ARG_LOG2, sizeof(s->log2_slots),
				    &s->log2_slots);
	if (rc == CL_SUCCESS)
		rc = clSetKernelArg(s->writer, NDR_XCLBIN_ARG_INIT, sizeof(init), &init);
	if (rc != CL_SUCCESS)
		return xcl_fail(s, err, errlen, rc, "setting " NDR_XCLBIN_WRITER "'s arguments");
	rc = clEnqueueTask(s->q, s->writer, 0, NULL, &first);
	if (rc != CL_SUCCESS)
		return xcl_fail(s, err, errlen, rc, "calling " NDR_XCLBIN_WRITER);
	s->busy = 1;
	clFlush(s->q);
	while (waited++ < XCL_FIRST_CALL_MS) {
		rc = clGetEventInfo(first, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof(st), &st, NULL);
		if (rc != CL_SUCCESS || st <= CL_COMPLETE)
			break;
		sleep_ns(1000000);
	}
	if (rc != CL_SUCCESS || st > CL_COMPLETE) {
		/* still in flight: the card may write the ring; busy stays */
		snprintf(err, errlen, "%s: %s did not finish its first call in %u ms: is the data "
			 "path's clock running?", s->base.desc, NDR_XCLBIN_WRITER, XCL_FIRST_CALL_MS);
		return -1;
	}
	s->busy = 0;
	if (call_ended(first, why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", s->base.desc, why);
		return -1;
	}
	init = 0;
	rc = clSetKernelArg(s->writer, NDR_XCLBIN_ARG_INIT, sizeof(init), &init);
	if (rc != CL_SUCCESS)
		return xcl_fail(s, err, errlen, rc, "setting " NDR_XCLBIN_WRITER "'s init");
	s->busy = 1;
	if (pthread_create(&s->caller, NULL, caller_main, s) != 0) {
		s->busy = 0;
		snprintf(err, errlen, "%s: cannot start the thread that calls %s", s->base.desc,
			 NDR_XCLBIN_WRITER);
		return -1;
	}
	s->caller_started = 1;
	return 0;
}

static int open_xcl(struct xcl_source *s, const struct ndr_cl_platform *p,
		    const struct ndr_source_opts *o, char *err, size_t errlen)
{
	const char *desc = s->base.desc;
	cl_command_queue_properties qp = 0, props = 0;
	char why[512], bdf[64], where[64], clock[96], dname[128] = "";
	char link[128] = "link not read (XRT emulation has no registers)";
	void *handle = NULL;
	cl_int rc;

	if (ndr_xrt_check_env(desc, o, &s->emulation, err, errlen))
		return -1;
	snprintf(s->xclbin_path, sizeof(s->xclbin_path), "%s", o->xclbin);

	/* 1. the image */
	if (ndr_xclbin_open(o->xclbin, 0, o->xclbin_uuid, &s->image, why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", desc, why);
		return -1;
	}

	/* 2. onto the device */
	s->dev = p->dev;
	clGetDeviceInfo(s->dev, CL_DEVICE_NAME, sizeof(dname), dname, NULL);
	{
		cl_context_properties cp[] = { CL_CONTEXT_PLATFORM, (cl_context_properties)p->id, 0 };

		s->ctx = clCreateContext(cp, 1, &s->dev, NULL, NULL, &rc);
	}
	if (rc != CL_SUCCESS)
		return xcl_fail(s, err, errlen, rc, "creating a context");
	/* Out of order where the device allows: XRT may then hand the queued
	 * calls to the scheduler together, and ap_ctrl_chain starts the next
	 * as the one before finishes. */
	clGetDeviceInfo(s->dev, CL_DEVICE_QUEUE_PROPERTIES, sizeof(qp), &qp, NULL);
	props = qp & CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE;
	s->q = clCreateCommandQueue(s->ctx, s->dev, props, &rc);
	if (rc != CL_SUCCESS)
		return xcl_fail(s, err, errlen, rc, "creating a queue");
	if (load_program(s, err, errlen))
		return -1;

	/* 3. NUMA, then the buffers, so that they come from the card's node */
	clGetDeviceInfo(s->dev, CL_DEVICE_HANDLE, sizeof(handle), &handle, NULL);
	if (ndr_xrt_place(handle, o->numa_node, &s->base.numa_node, bdf, sizeof(bdf), where,
			  sizeof(where), err, errlen))
		return -1;

	/* 4. the ring and its control page in host memory */
	s->log2_slots = o->ring_log2_slots ? o->ring_log2_slots
					   : ndr_source_default_log2_slots(&o->card);
	if (s->log2_slots < NDR_RING_MIN_LOG2 || s->log2_slots > NDR_RING_MAX_LOG2) {
		snprintf(err, errlen, "%s: ring size 2^%u slots is outside 2^%u..2^%u", desc,
			 s->log2_slots, NDR_RING_MIN_LOG2, NDR_RING_MAX_LOG2);
		return -1;
	}
	s->ring_bytes = (size_t)NDR_SLOT_BYTES << s->log2_slots;
	if (host_only(s, s->ring_bytes, &s->ring_buf, (void **)&s->ring, err, errlen) ||
	    host_only(s, XCL_CTRL_BYTES, &s->ctrl_buf, (void **)&s->ctrl, err, errlen))
		return -1;
	s->ctrl->log2_slots = s->log2_slots;
	s->ctrl->abi_version = NDR_ABI_VERSION;

	/* In noop emulation the emulated card takes the device's part. */
	if (o->frames) {
		s->base.replay = 1;      /* emulation: frames from a capture file */
		s->base.threads = 1;     /* and its reader */
		s->feed = ndr_card_feed_open(0, o->frames, NULL, &o->card, s->ring, s->log2_slots,
					     s->ctrl, err, errlen);
		if (!s->feed)
			return -1;
		s->base.ops = &xcl_emulated_ops;
	}

	/* 5. the writer, at the kernels' clock */
	s->call_ns = (uint64_t)XCL_CALL_CLOCKS * 1000000000ull /
		     (s->image.data_clock_hz ? s->image.data_clock_hz : NDR_TIMEBASE_NOMINAL_HZ);
	if (start_writer(s, err, errlen))
		return -1;
	s->ctrl->state = NDR_RING_STATE_RUNNING;

	/* 6. the 100G port */
	if (!s->emulation) {
		s->link = ndr_xrt_link_open(handle, s->image.uuid, s->image.cmac_off, o->rs_fec,
					    desc, err, errlen);
		if (!s->link)
			return -1;
		ndr_xrt_link_text(s->link, link, sizeof(link));
	}

	/* 7. time: the kernels' real clock from the image */
	ndr_timebase_init(&s->tb, s->image.data_clock_hz);
	ndr_xrt_clock_text(s->image.data_clock_hz, clock, sizeof(clock));
	snprintf(s->base.info, sizeof(s->base.info),
		 "platform '%.32s'%s%.32s%s%s%.16s, xclbin %s, %.60s, ring 2^%u slots in host "
		 "memory, %.48s, %.64s; %s called %u ahead%s%s",
		 p->name, dname[0] ? ", device '" : "", dname, dname[0] ? "'" : "",
		 bdf[0] ? " at " : "", bdf, s->image.uuid, clock, s->log2_slots, where, link,
		 NDR_XCLBIN_WRITER, XCL_CALLS_QUEUED,
		 props ? " (out-of-order queue)" : "",
		 s->feed ? "; the emulated card plays the device (XCL_EMULATION_MODE=noop)" : "");
	ndr_ring_reader_init(&s->base.reader, s->ring, s->log2_slots, s->ctrl, o->batch_slots);
	return 0;
}

struct ndr_source *ndr_source_opencl_xilinx_open(const char *desc,
						 const struct ndr_cl_platform *p,
						 const struct ndr_source_opts *o,
						 char *err, size_t errlen)
{
	struct xcl_source *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errlen, "%s: out of memory", desc);
		return NULL;
	}
	s->base.ops = &xcl_ops;
	s->base.numa_node = -1;
	snprintf(s->base.desc, sizeof(s->base.desc), "%s", desc);
	if (open_xcl(s, p, o, err, errlen) == 0)
		return &s->base;
	xcl_close(&s->base);
	return NULL;
}
