/*
 * source_xrt.cpp - an Alveo card on a Vitis shell, through XRT's native API.
 *
 * On a Vitis shell the card's PCI functions belong to XRT (xclmgmt, xocl):
 * the kernels' arguments are s_axilite registers XRT places, memory for an
 * m_axi port must come from XRT, and the user kernels have no interrupt of
 * their own. So here XRT does what ndr.ko does for a card with its own
 * shell (docs/kernel-module.md):
 *
 *   1. load the xclbin and check it is an ndr build this host speaks: the
 *      record writer with the arguments of hw/vitis/ndr_record_writer.cpp
 *      (records, ring, ctrl, log2_slots, init), its ring and control page
 *      wired to host memory, counted auto-restart; the data path; the CMAC
 *      kernel with the registers ndr_cmac.h uses. Every difference is named.
 *   2. check the device holds that image after loading (its UUID, and the
 *      one the operator pinned with --xclbin-uuid);
 *   3. allocate the ring and its control page as host-only buffers (card
 *      writes go straight to host memory; nothing to sync), on the card's
 *      NUMA node;
 *   4. run the writer once with init = 1, then start it auto-restarting
 *      with init = 0 (its state lives in the kernel between calls);
 *   5. bring the 100G port up with RS-FEC, watch the link once a second;
 *   6. poll the producer index in host memory; map the card's clock to wall
 *      time (ndr_timebase.h) on a copy of each record; keep the heartbeat
 *      counters as the card's statistics;
 *   7. on stop, abort the auto-restarting run before the buffers go.
 *
 * XRT's noop emulation (XCL_EMULATION_MODE=noop) runs all of this but
 * executes nothing on the device side; with opts.frames the emulated card
 * (the same hw/ kernels compiled natively, ndr_card_feed.h) then plays the
 * device's part in this process, writing into the XRT-mapped buffers. The
 * CMAC's registers cannot be read there (XRT refuses register access on a
 * noop device), so the link is reported as not read.
 */
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <string>
#include <vector>

#include <experimental/xrt_system.h>
#include <experimental/xrt_xclbin.h>
#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>
#include <xrt/xrt_kernel.h>

extern "C" {
#include "ndr_card_feed.h"
#include "ndr_numa.h"
#include "ndr_record.h"
#include "ndr_source.h"
#include "ndr_timebase.h"
#include "ndr_xclbin.h"
#include "ndr_xrt_device.h"
}

namespace {

constexpr const char *kWriter = NDR_XCLBIN_WRITER;

constexpr int kArgRing = NDR_XCLBIN_ARG_RING, kArgCtrl = NDR_XCLBIN_ARG_CTRL;
constexpr int kArgLog2 = NDR_XCLBIN_ARG_LOG2, kArgInit = NDR_XCLBIN_ARG_INIT;
constexpr unsigned kFirstCallTimeoutMs = 2000;   /* a call is ~200 us of clocks */
constexpr size_t kCtrlBytes = 4096;
constexpr int kPollStepUs = 1000;

uint64_t wall_ns()
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct impl {
	std::string spec;
	int emulation = 0;
	xrt::device dev;
	struct ndr_xclbin image {};
	xrt::xclbin xb;
	xrt::uuid uuid;
	xrt::kernel writer;
	xrt::run run;
	xrt::bo ring_bo, ctrl_bo;
	uint8_t *ring = nullptr;
	struct ndr_ring_ctrl *ctrl = nullptr;
	uint32_t log2_slots = 0;
	bool running = false;         /* the writer may still write host memory */
	bool stopped = false;
	struct ndr_xrt_link *link = nullptr;   /* registers readable (not in emulation) */
	struct ndr_timebase tb {};
	struct ndr_card_stats hb {};  /* the last heartbeat's counters */
	struct ndr_card_feed *feed = nullptr;
	volatile sig_atomic_t stop_requested = 0;

	~impl()
	{
		ndr_xrt_link_free(link);
		ndr_xclbin_close(&image);
	}
};

struct xrt_source {
	struct ndr_source base;
	impl *p;
};

impl *I(struct ndr_source *base)
{
	return reinterpret_cast<xrt_source *>(base)->p;
}

/* Stop the writer before anything frees the memory it writes. Returns
 * false if it could not be stopped (then the buffers must be kept). */
bool stop_writer(impl *p, std::string &why)
{
	if (!p->running)
		return true;
	try {
		auto st = p->run.state();
		if (st == ERT_CMD_STATE_NEW || st == ERT_CMD_STATE_QUEUED ||
		    st == ERT_CMD_STATE_RUNNING || st == ERT_CMD_STATE_SUBMITTED)
			p->run.abort();
		p->running = false;
	} catch (const std::exception &e) {
		why = std::string(kWriter) + ": abort: " + e.what();
		return false;
	}
	return true;
}

int xrt_pump(struct ndr_source *base, int timeout_ms, char *err, size_t errlen)
{
	impl *p = I(base);
	std::string why;

	if (p->feed) {
		int rc = ndr_card_feed_pump(p->feed, timeout_ms, err, errlen);
		if (rc != NDR_SRC_END)
			return rc;
		p->stop_requested = 1;   /* the capture ended: so does the device */
	}
	if (p->stop_requested && !p->stopped) {
		if (!stop_writer(p, why)) {
			snprintf(err, errlen, "%s: %s", base->desc, why.c_str());
			return NDR_SRC_ERROR;
		}
		__atomic_store_n(&p->ctrl->state, NDR_RING_STATE_DONE, __ATOMIC_RELEASE);
		p->stopped = true;
	}
	if (ndr_ring_available(&base->reader))
		return NDR_SRC_RECORDS;
	if (p->stopped)
		return NDR_SRC_END;
	/* No interrupt reaches the host from a user kernel: poll prod. */
	for (int waited_us = 0; waited_us < timeout_ms * 1000; waited_us += kPollStepUs) {
		struct timespec step = { 0, kPollStepUs * 1000L };

		ndr_xrt_link_poll(p->link);
		if (p->stop_requested)
			return NDR_SRC_IDLE;
		if (ndr_ring_available(&base->reader))
			return NDR_SRC_RECORDS;
		nanosleep(&step, nullptr);
	}
	ndr_xrt_link_poll(p->link);
	return ndr_ring_available(&base->reader) ? NDR_SRC_RECORDS : NDR_SRC_IDLE;
}

void xrt_stop(struct ndr_source *base)
{
	impl *p = I(base);

	p->stop_requested = 1;
	if (p->feed)
		ndr_card_feed_stop(p->feed);
}

void xrt_rewrite(struct ndr_source *base, struct ndr_rec_hdr *rec)
{
	impl *p = I(base);

	ndr_timebase_rewrite(&p->tb, rec, wall_ns());
	if (rec->type == NDR_REC_HEARTBEAT)
		ndr_heartbeat_to_stats(reinterpret_cast<const struct ndr_heartbeat_rec *>(rec),
				       &p->hb);
}

void xrt_get_stats(struct ndr_source *base, struct ndr_source_stats *st)
{
	impl *p = I(base);

	memset(st, 0, sizeof(*st));
	if (p->feed)
		ndr_card_feed_get_stats(p->feed, &st->card, &st->capture);
	else
		st->card = p->hb;
	ndr_xrt_link_get_stats(p->link, &st->link);
}

void xrt_close(struct ndr_source *base)
{
	auto *s = reinterpret_cast<xrt_source *>(base);
	impl *p = s->p;
	std::string why;

	if (p) {
		ndr_card_feed_free(p->feed);
		p->feed = nullptr;
		if (!stop_writer(p, why)) {
			/* Freeing the ring under a card that still writes it would
			 * hand its pages to someone else: keep them. */
			fprintf(stderr, "ndr-sensor: %s: %s; its buffers stay allocated\n",
				base->desc, why.c_str());
			/* p is not deleted, on purpose */
		} else {
			delete p;
		}
	}
	free(s);
}

const struct ndr_source_ops xrt_ops = {
	.kind = "xrt",
	.pump = xrt_pump,
	.stop = xrt_stop,
	.get_stats = xrt_get_stats,
	.close = xrt_close,
	.rewrite = xrt_rewrite,
	.drain = nullptr,
};

/* The emulated card stamps capture time, as the C simulation does: no
 * clock to map, and its own counters instead of heartbeats. */
const struct ndr_source_ops xrt_emulated_ops = {
	.kind = "xrt",
	.pump = xrt_pump,
	.stop = xrt_stop,
	.get_stats = xrt_get_stats,
	.close = xrt_close,
	.rewrite = nullptr,
	.drain = nullptr,
};

xrt::device open_device(const std::string &spec)
{
	bool index = !spec.empty() &&
		     std::all_of(spec.begin(), spec.end(), [](char c) { return c >= '0' && c <= '9'; });

	if (index)
		return xrt::device((unsigned int)std::stoul(spec));
	return xrt::device(spec);
}

int open_impl(struct xrt_source *s, const char *device, const struct ndr_source_opts *o,
	      char *err, size_t errlen)
{
	impl *p = s->p;
	const char *desc = s->base.desc;
	char why[512] = "";

	p->spec = desc;
	if (ndr_xrt_check_env(desc, o, &p->emulation, err, errlen))
		return -1;

	/* 1. the image */
	if (ndr_xclbin_open(o->xclbin, NDR_XCLBIN_NEED_AUTORESTART, o->xclbin_uuid, &p->image,
			    why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", desc, why);
		return -1;
	}
	std::string file_uuid = p->image.uuid;
	try {
		p->xb = xrt::xclbin(std::vector<char>(p->image.data, p->image.data + p->image.size));
	} catch (const std::exception &e) {
		snprintf(err, errlen, "%s: %s: unreadable xclbin metadata: %s", desc, o->xclbin,
			 e.what());
		return -1;
	}

	/* 2. the device, holding that image */
	try {
		if (!p->emulation && xrt::system::enumerate_devices() == 0) {
			snprintf(err, errlen,
				 "%s: XRT finds no device (is the card on a Vitis shell with xocl "
				 "loaded? see xbutil examine)", desc);
			return -1;
		}
		p->dev = open_device(device);
	} catch (const std::exception &e) {
		snprintf(err, errlen, "%s: no such device: %s", desc, e.what());
		return -1;
	}
	try {
		p->uuid = p->dev.load_xclbin(p->xb);
	} catch (const std::exception &e) {
		snprintf(err, errlen, "%s: loading %s: %s", desc, o->xclbin, e.what());
		return -1;
	}
	std::string held = p->dev.get_xclbin_uuid().to_string();
	if (p->uuid.to_string() != file_uuid || held != file_uuid) {
		snprintf(err, errlen, "%s: the device holds xclbin %s, not %s's %s (another process "
			 "keeps its image loaded?)", desc, held.c_str(), o->xclbin, file_uuid.c_str());
		return -1;
	}

	/* 3. NUMA, then the buffers, so that they come from the card's node */
	char bdf[64], where[64];
	if (ndr_xrt_place(static_cast<xclDeviceHandle>(p->dev), o->numa_node, &s->base.numa_node,
			  bdf, sizeof(bdf), where, sizeof(where), err, errlen))
		return -1;
	p->log2_slots = o->ring_log2_slots ? o->ring_log2_slots
					   : ndr_source_default_log2_slots(&o->card);
	if (p->log2_slots < NDR_RING_MIN_LOG2 || p->log2_slots > NDR_RING_MAX_LOG2) {
		snprintf(err, errlen, "%s: ring size 2^%u slots is outside 2^%u..2^%u", desc,
			 p->log2_slots, NDR_RING_MIN_LOG2, NDR_RING_MAX_LOG2);
		return -1;
	}
	size_t ring_bytes = (size_t)NDR_SLOT_BYTES << p->log2_slots;
	try {
		p->writer = xrt::kernel(p->dev, p->uuid, kWriter);
		p->ring_bo = xrt::bo(p->dev, ring_bytes, xrt::bo::flags::host_only,
				     p->writer.group_id(kArgRing));
		p->ctrl_bo = xrt::bo(p->dev, kCtrlBytes, xrt::bo::flags::host_only,
				     p->writer.group_id(kArgCtrl));
		p->ring = p->ring_bo.map<uint8_t *>();
		p->ctrl = p->ctrl_bo.map<struct ndr_ring_ctrl *>();
	} catch (const std::exception &e) {
		snprintf(err, errlen, "%s: allocating the %zu-byte ring in host memory: %s "
			 "(is host memory enabled? xbutil configure --host-mem ENABLE --size 1G)",
			 desc, ring_bytes, e.what());
		return -1;
	}
	memset(p->ring, 0, ring_bytes);
	memset(p->ctrl, 0, kCtrlBytes);
	p->ctrl->log2_slots = p->log2_slots;
	p->ctrl->abi_version = NDR_ABI_VERSION;

	/* In noop emulation the emulated card takes the device's part. */
	if (o->frames) {
		s->base.replay = 1;      /* emulation: frames from a capture file */
		s->base.threads = 1;     /* and its reader */
		p->feed = ndr_card_feed_open(0, o->frames, nullptr, &o->card, p->ring, p->log2_slots,
					     p->ctrl, err, errlen);
		if (!p->feed)
			return -1;
		s->base.ops = &xrt_emulated_ops;
	}

	/* 4. the writer: one call that (re)starts it on this ring, then for ever */
	try {
		p->run = xrt::run(p->writer);
		p->run.set_arg(kArgRing, p->ring_bo);
		p->run.set_arg(kArgCtrl, p->ctrl_bo);
		p->run.set_arg(kArgLog2, p->log2_slots);
		p->run.set_arg(kArgInit, 1u);
		p->running = true;
		p->run.start();
		auto st = p->run.wait(kFirstCallTimeoutMs);
		if (st != ERT_CMD_STATE_COMPLETED) {
			snprintf(err, errlen, "%s: %s did not finish its first call in %u ms "
				 "(state %d): is the data path's clock running?", desc, kWriter,
				 kFirstCallTimeoutMs, (int)st);
			return -1;
		}
		p->run.set_arg(kArgInit, 0u);
		p->run.start(xrt::autostart{ 0 });
	} catch (const std::exception &e) {
		snprintf(err, errlen, "%s: starting %s: %s", desc, kWriter, e.what());
		return -1;
	}
	p->ctrl->state = NDR_RING_STATE_RUNNING;

	/* 5. the 100G port */
	char link[128] = "link not read (XRT emulation has no registers)";
	if (!p->emulation) {
		p->link = ndr_xrt_link_open(static_cast<xclDeviceHandle>(p->dev), file_uuid.c_str(),
					    p->image.cmac_off, o->rs_fec, desc, err, errlen);
		if (!p->link)
			return -1;
		ndr_xrt_link_text(p->link, link, sizeof(link));
	}

	/* 6. time: the kernel's real clock from the image; the emulated card
	 * stamps capture time and is not rescaled */
	ndr_timebase_init(&p->tb, p->image.data_clock_hz);
	char clock[96];
	ndr_xrt_clock_text(p->image.data_clock_hz, clock, sizeof(clock));
	snprintf(s->base.info, sizeof(s->base.info),
		 "device %s%s%s, xclbin %s, %s, ring 2^%u slots in host memory, %s, %s%s",
		 device, bdf[0] ? " at " : "", bdf, file_uuid.c_str(), clock,
		 p->log2_slots, where, link,
		 p->feed ? "; the emulated card plays the device (XCL_EMULATION_MODE=noop)" : "");
	ndr_ring_reader_init(&s->base.reader, p->ring, p->log2_slots, p->ctrl, o->batch_slots);
	return 0;
}

} /* namespace */

extern "C" struct ndr_source *ndr_source_xrt_open(const char *device,
						  const struct ndr_source_opts *o,
						  char *err, size_t errlen)
{
	auto *s = static_cast<xrt_source *>(calloc(1, sizeof(xrt_source)));

	if (!s) {
		snprintf(err, errlen, "xrt:%s: out of memory", device);
		return nullptr;
	}
	s->base.ops = &xrt_ops;
	s->base.numa_node = -1;
	snprintf(s->base.desc, sizeof(s->base.desc), "xrt:%s", device);
	try {
		s->p = new impl();
		if (open_impl(s, device, o, err, errlen) == 0)
			return &s->base;
	} catch (const std::exception &e) {
		snprintf(err, errlen, "xrt:%s: %s", device, e.what());
	}
	xrt_close(&s->base);
	return nullptr;
}
