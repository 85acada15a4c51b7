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
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstddef>
#include <cstring>
#include <strings.h>
#include <ctime>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include <experimental/xrt_ip.h>
#include <experimental/xrt_system.h>
#include <experimental/xrt_xclbin.h>
#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>
#include <xrt/xrt_kernel.h>

extern "C" {
#include "ndr_card_feed.h"
#include "ndr_cmac.h"
#include "ndr_numa.h"
#include "ndr_source.h"
#include "ndr_timebase.h"
}

namespace {

constexpr const char *kWriter = "ndr_record_writer";
constexpr const char *kDatapath = "ndr_datapath";
constexpr const char *kCmac = "cmac_0";

constexpr int kArgRing = 1, kArgCtrl = 2, kArgLog2 = 3, kArgInit = 4;
constexpr unsigned kFirstCallTimeoutMs = 2000;   /* a call is ~200 us of clocks */
constexpr size_t kCtrlBytes = 4096;
constexpr int kPollStepUs = 1000;
constexpr double kLinkPollS = 1.0;

/* hw/vitis/ndr_record_writer.cpp's arguments, in order. */
enum class arg_kind { stream, global, scalar32 };
struct expected_arg {
	const char *name;
	arg_kind kind;
};
const expected_arg kWriterArgs[] = {
	{ "records", arg_kind::stream },
	{ "ring", arg_kind::global },
	{ "ctrl", arg_kind::global },
	{ "log2_slots", arg_kind::scalar32 },
	{ "init", arg_kind::scalar32 },
};
constexpr size_t kWriterNArgs = sizeof(kWriterArgs) / sizeof(kWriterArgs[0]);

const char *kind_text(arg_kind k)
{
	switch (k) {
	case arg_kind::stream: return "an AXI4-Stream";
	case arg_kind::global: return "a memory pointer (m_axi)";
	case arg_kind::scalar32: return "a 32-bit scalar";
	}
	return "?";
}

/* What XRT's metadata says an argument is: streams have no register
 * (size 0) and a stream<> type; memory arguments are 64-bit pointers with a
 * memory connection; scalars are the rest. */
arg_kind kind_of(const xrt::xclbin::arg &a)
{
	if (a.get_host_type().find("stream") != std::string::npos && a.get_size() == 0)
		return arg_kind::stream;
	if (a.get_host_type().find('*') != std::string::npos)
		return arg_kind::global;
	return arg_kind::scalar32;
}

double mono_s()
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t wall_ns()
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* XRT trusts an xclbin's section table; a truncated or damaged file must be
 * refused before XRT reads past its end. "" if the container is sound. */
std::string check_container(const std::vector<char> &data)
{
	const size_t head = offsetof(struct axlf, m_sections);

	if (data.size() < head || memcmp(data.data(), "xclbin2", 8) != 0)
		return "not an xclbin (no xclbin2 header)";
	const auto *top = reinterpret_cast<const struct axlf *>(data.data());
	if (top->m_header.m_length > data.size())
		return "truncated: the header says " + std::to_string(top->m_header.m_length) +
		       " bytes, the file has " + std::to_string(data.size());
	uint64_t n = top->m_header.m_numSections;
	if (n == 0 || n > XCLBIN_MAX_NUM_SECTION ||
	    head + n * sizeof(struct axlf_section_header) > data.size())
		return "damaged: " + std::to_string(n) + " sections do not fit the file";
	for (uint64_t i = 0; i < n; i++) {
		const auto &h = top->m_sections[i];
		if (h.m_sectionOffset > data.size() || h.m_sectionSize > data.size() - h.m_sectionOffset)
			return "damaged: section " + std::to_string(i) + " runs past the end of the file";
	}
	return "";
}

std::vector<char> read_file(const char *path, std::string &why)
{
	std::vector<char> data;
	FILE *f = fopen(path, "rb");
	char buf[65536];
	size_t n;

	if (!f) {
		why = strerror(errno);
		return data;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		data.insert(data.end(), buf, buf + n);
	if (ferror(f))
		why = strerror(errno);
	fclose(f);
	return data;
}

/* Every way the xclbin differs from what this build drives; "" if none. */
std::string check_xclbin(const xrt::xclbin &xb, uint32_t cmac_off[NDR_CMAC_NREGS])
{
	std::string why;
	auto add = [&why](const std::string &s) { why += (why.empty() ? "" : "; ") + s; };
	auto w = xb.get_kernel(kWriter);

	if (!w) {
		add(std::string("no kernel ") + kWriter);
	} else {
		auto args = w.get_args();

		if (args.size() != kWriterNArgs)
			add(std::string(kWriter) + " has " + std::to_string(args.size()) +
			    " arguments, this host drives " + std::to_string(kWriterNArgs) +
			    " (records, ring, ctrl, log2_slots, init)");
		for (size_t i = 0; i < std::min(args.size(), kWriterNArgs); i++) {
			const auto &a = args[i];
			const auto &e = kWriterArgs[i];

			if (a.get_name() != e.name) {
				add(std::string(kWriter) + " argument " + std::to_string(i) + " is '" +
				    a.get_name() + "', expected '" + e.name + "'");
				continue;
			}
			if (kind_of(a) != e.kind)
				add(std::string(kWriter) + "." + e.name + " is " + kind_text(kind_of(a)) +
				    " (" + a.get_host_type() + "), expected " + kind_text(e.kind));
			else if (e.kind == arg_kind::scalar32 && a.get_size() != 4)
				add(std::string(kWriter) + "." + e.name + " is " +
				    std::to_string(a.get_size()) + " bytes, expected 4");
			if (e.kind != arg_kind::global)
				continue;
			auto mems = a.get_mems();
			if (mems.empty())
				add(std::string(kWriter) + "." + e.name + " is connected to no memory");
			else if (mems[0].get_type() != xrt::xclbin::mem::memory_type::host)
				add(std::string(kWriter) + "." + e.name + " is connected to " +
				    mems[0].get_tag() + ", not host memory (link with sp=" + kWriter +
				    "_1." + e.name + ":HOST[0])");
		}
		auto cus = w.get_cus();
		if (cus.size() != 1)
			add(std::string(kWriter) + " has " + std::to_string(cus.size()) +
			    " compute units, expected 1");
		else if (cus[0].get_control_type() != xrt::xclbin::ip::control_type::chain)
			add(std::string(kWriter) + " is not ap_ctrl_chain");
	}
	if (!xb.get_kernel(kDatapath))
		add(std::string("no kernel ") + kDatapath);
	auto c = xb.get_kernel(kCmac);
	if (!c) {
		add(std::string("no kernel ") + kCmac + " (the 100G MAC)");
	} else {
		auto args = c.get_args();
		for (int r = 0; r < NDR_CMAC_NREGS; r++) {
			auto it = std::find_if(args.begin(), args.end(), [r](const xrt::xclbin::arg &a) {
				return a.get_name() == ndr_cmac_reg_names[r];
			});
			if (it == args.end())
				add(std::string(kCmac) + " has no register '" + ndr_cmac_reg_names[r] + "'");
			else
				cmac_off[r] = (uint32_t)it->get_offset();
		}
	}
	return why;
}

/* Counted auto-restart is a property of the kernel's metadata that
 * xrt::xclbin does not expose: look for it in the kernel's XML element. */
bool has_counted_autorestart(const xrt::xclbin &xb)
{
	const axlf *top = xb.get_axlf();
	std::string xml;

	for (uint32_t i = 0; top && i < top->m_header.m_numSections; i++) {
		const auto &h = top->m_sections[i];
		if (h.m_sectionKind == EMBEDDED_METADATA)
			xml.assign(reinterpret_cast<const char *>(top) + h.m_sectionOffset,
				   (size_t)h.m_sectionSize);
	}
	auto at = xml.find(std::string("<kernel name=\"") + kWriter + "\"");
	if (at == std::string::npos)
		return false;
	auto tag = xml.substr(at, xml.find('>', at) - at);
	auto a = tag.find("countedAutoRestart=\"");
	return a != std::string::npos && tag.compare(a + 20, 2, "0\"") != 0;
}

uint64_t data_clock_hz(const xrt::xclbin &xb)
{
	auto clk = xb.get_axlf_section<const clock_freq_topology *>(CLOCK_FREQ_TOPOLOGY);

	if (!clk)
		return 0;
	for (int i = 0; i < clk->m_count; i++)
		if (clk->m_clock_freq[i].m_type == CT_DATA)
			return ndr_timebase_hz_from_mhz(clk->m_clock_freq[i].m_freq_Mhz);
	return 0;
}

struct impl {
	std::string spec;
	bool emulation = false;
	xrt::device dev;
	xrt::xclbin xb;
	xrt::uuid uuid;
	xrt::kernel writer;
	xrt::run run;
	xrt::bo ring_bo, ctrl_bo;
	xrt::ip cmac;
	uint8_t *ring = nullptr;
	struct ndr_ring_ctrl *ctrl = nullptr;
	uint32_t log2_slots = 0;
	bool running = false;         /* the writer may still write host memory */
	bool stopped = false;
	bool have_link = false;       /* registers readable (not in emulation) */
	struct ndr_cmac_io cmac_io {};
	struct ndr_cmac_status link {};
	std::string link_error;
	double next_link_poll = 0;
	struct ndr_timebase tb {};
	struct ndr_card_stats hb {};  /* the last heartbeat's counters */
	struct ndr_card_feed *feed = nullptr;
	volatile sig_atomic_t stop_requested = 0;
};

struct xrt_source {
	struct ndr_source base;
	impl *p;
};

impl *I(struct ndr_source *base)
{
	return reinterpret_cast<xrt_source *>(base)->p;
}

int cmac_read(void *arg, uint32_t off, uint32_t *v, char *err, size_t errlen)
{
	try {
		*v = static_cast<impl *>(arg)->cmac.read_register(off);
		return 0;
	} catch (const std::exception &e) {
		snprintf(err, errlen, "%s: reading register 0x%x: %s", kCmac, off, e.what());
		return -1;
	}
}

int cmac_write(void *arg, uint32_t off, uint32_t v, char *err, size_t errlen)
{
	try {
		static_cast<impl *>(arg)->cmac.write_register(off, v);
		return 0;
	} catch (const std::exception &e) {
		snprintf(err, errlen, "%s: writing register 0x%x: %s", kCmac, off, e.what());
		return -1;
	}
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

void poll_link(impl *p)
{
	char err[256];

	if (!p->have_link || mono_s() < p->next_link_poll)
		return;
	p->next_link_poll = mono_s() + kLinkPollS;
	int was_up = p->link.up;
	if (ndr_cmac_poll(&p->cmac_io, &p->link, err, sizeof(err))) {
		p->link_error = err;
		return;
	}
	p->link_error.clear();
	if (was_up != p->link.up)
		fprintf(stderr, "ndr-sensor: %s: link %s\n", p->spec.c_str(),
			ndr_cmac_link_text(&p->link));
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

		poll_link(p);
		if (p->stop_requested)
			return NDR_SRC_IDLE;
		if (ndr_ring_available(&base->reader))
			return NDR_SRC_RECORDS;
		nanosleep(&step, nullptr);
	}
	poll_link(p);
	return ndr_ring_available(&base->reader) ? NDR_SRC_RECORDS : NDR_SRC_IDLE;
}

void xrt_stop(struct ndr_source *base)
{
	impl *p = I(base);

	p->stop_requested = 1;
	if (p->feed)
		ndr_card_feed_stop(p->feed);
}

void heartbeat_to_stats(const struct ndr_heartbeat_rec *h, struct ndr_card_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->frames = h->packets;
	st->bytes = h->bytes;
	st->parse_errors = h->parse_errors;
	st->dns_messages = h->dns_messages;
	st->dns_errors = h->dns_errors;
	st->flows_active = h->flows_active;
	st->flows_created = h->flows_created;
	st->flows_evicted = h->flows_evicted;
	st->records_written = h->records_written;
	st->records_dropped = h->records_dropped;
}

void xrt_rewrite(struct ndr_source *base, struct ndr_rec_hdr *rec)
{
	impl *p = I(base);

	ndr_timebase_rewrite(&p->tb, rec, wall_ns());
	if (rec->type == NDR_REC_HEARTBEAT)
		heartbeat_to_stats(reinterpret_cast<const struct ndr_heartbeat_rec *>(rec), &p->hb);
}

void xrt_get_stats(struct ndr_source *base, struct ndr_source_stats *st)
{
	impl *p = I(base);

	memset(st, 0, sizeof(*st));
	if (p->feed)
		ndr_card_feed_get_stats(p->feed, &st->card, &st->capture);
	else
		st->card = p->hb;
	if (!p->have_link)
		return;
	st->link.present = 1;
	st->link.up = p->link.up;
	st->link.rs_fec = p->link.rs_fec;
	st->link.rx_packets = p->link.rx_packets;
	st->link.rx_good_packets = p->link.rx_good_packets;
	st->link.rx_bytes = p->link.rx_bytes;
	st->link.rx_bad_fcs = p->link.rx_bad_fcs;
	snprintf(st->link.state, sizeof(st->link.state), "%s",
		 p->link_error.empty() ? ndr_cmac_link_text(&p->link) : p->link_error.c_str());
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
};

/* The device's PCI address, or "" where XRT cannot say (noop emulation). */
std::string device_bdf(const xrt::device &dev)
{
	try {
		return dev.get_info<xrt::info::device::bdf>();
	} catch (const std::exception &) {
		return "";
	}
}

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
	const char *mode = getenv("XCL_EMULATION_MODE");
	uint32_t cmac_off[NDR_CMAC_NREGS] = {};
	char why[512] = "";
	int node;

	p->spec = desc;
	p->emulation = mode && *mode;
	if (!o->xclbin || !*o->xclbin) {
		snprintf(err, errlen, "%s: needs --xclbin FILE (the ndr build for this card)", desc);
		return -1;
	}
	if (!getenv("XILINX_XRT")) {
		snprintf(err, errlen,
			 "%s: XILINX_XRT is not set: point it at the XRT installation "
			 "(/opt/xilinx/xrt, or on Debian a directory whose lib/ links to the "
			 "multiarch library directory)", desc);
		return -1;
	}
	if (o->frames && !(p->emulation && strcmp(mode, "noop") == 0)) {
		snprintf(err, errlen,
			 "%s: -r %s: a card takes its packets from its QSFP28 port; frames from a "
			 "file go to the emulated card only under XCL_EMULATION_MODE=noop",
			 desc, o->frames);
		return -1;
	}

	/* 1. the image */
	std::string bad;
	std::vector<char> image = read_file(o->xclbin, bad);
	if (bad.empty())
		bad = check_container(image);
	if (!bad.empty()) {
		snprintf(err, errlen, "%s: %s: %s", desc, o->xclbin, bad.c_str());
		return -1;
	}
	try {
		p->xb = xrt::xclbin(image);
		bad = check_xclbin(p->xb, cmac_off);
	} catch (const std::exception &e) {
		snprintf(err, errlen, "%s: %s: unreadable xclbin metadata: %s", desc, o->xclbin,
			 e.what());
		return -1;
	}
	if (bad.empty() && !has_counted_autorestart(p->xb))
		bad = std::string(kWriter) + " was built without counted auto-restart "
		      "(HLS: syn.interface.s_axilite_auto_restart_counter=1)";
	if (!bad.empty()) {
		snprintf(err, errlen, "%s: %s is not an xclbin this ndr-sensor drives: %s", desc,
			 o->xclbin, bad.c_str());
		return -1;
	}
	std::string file_uuid = p->xb.get_uuid().to_string();
	if (o->xclbin_uuid && strcasecmp(o->xclbin_uuid, file_uuid.c_str()) != 0) {
		snprintf(err, errlen, "%s: %s has UUID %s, not the expected %s (--xclbin-uuid)",
			 desc, o->xclbin, file_uuid.c_str(), o->xclbin_uuid);
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
	std::string bdf = device_bdf(p->dev);
	node = bdf.empty() ? -1 : ndr_numa_node_of_sysfs(("/sys/bus/pci/devices/" + bdf).c_str());
	s->base.numa_node = o->numa_node >= 0 ? o->numa_node : node;
	if (o->numa_node < 0 && ndr_numa_pin(node, err, errlen))
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
		p->feed = ndr_card_feed_open(0, o->frames, &o->card, p->ring, p->log2_slots,
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
	std::string link = "link not read (XRT emulation has no registers)";
	if (!p->emulation) {
		try {
			p->cmac = xrt::ip(p->dev, p->uuid, kCmac);
		} catch (const std::exception &e) {
			snprintf(err, errlen, "%s: opening %s: %s", desc, kCmac, e.what());
			return -1;
		}
		p->cmac_io.read = cmac_read;
		p->cmac_io.write = cmac_write;
		p->cmac_io.arg = p;
		memcpy(p->cmac_io.offset, cmac_off, sizeof(cmac_off));
		if (ndr_cmac_start(&p->cmac_io, o->rs_fec, why, sizeof(why))) {
			snprintf(err, errlen, "%s: bringing up the 100G port: %s", desc, why);
			return -1;
		}
		p->have_link = true;
		poll_link(p);
		link = std::string("link ") + ndr_cmac_link_text(&p->link) + ", RS-FEC " +
		       (p->link.rs_fec ? "on" : "off");
	}

	/* 6. time: the kernel's real clock from the image; the emulated card
	 * stamps capture time and is not rescaled */
	uint64_t hz = data_clock_hz(p->xb);
	ndr_timebase_init(&p->tb, hz);
	char clock[96];
	if (hz)
		snprintf(clock, sizeof(clock), "data clock %.6g MHz", (double)hz / 1e6);
	else
		snprintf(clock, sizeof(clock), "no clock in the xclbin: time stamps assume %.6g MHz",
			 (double)NDR_TIMEBASE_NOMINAL_HZ / 1e6);
	char where[64];
	if (s->base.numa_node >= 0)
		snprintf(where, sizeof(where), "NUMA node %d%s", s->base.numa_node,
			 o->numa_node >= 0 ? " (--numa-node)" : " (the card's)");
	else
		snprintf(where, sizeof(where), "no NUMA node reported for the card");
	snprintf(s->base.info, sizeof(s->base.info),
		 "device %s%s%s, xclbin %s, %s, ring 2^%u slots in host memory, %s, %s%s",
		 device, bdf.empty() ? "" : " at ", bdf.c_str(), file_uuid.c_str(), clock,
		 p->log2_slots, where, link.c_str(),
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
