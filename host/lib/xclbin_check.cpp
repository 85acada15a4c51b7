/*
 * xclbin_check.cpp - read an ndr xclbin and check it (see ndr_xclbin.h),
 * with XRT's xrt::xclbin; the one place both Alveo card sources learn what
 * an image holds.
 */
#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <strings.h>
#include <vector>

#include <experimental/xrt_xclbin.h>

extern "C" {
#include "ndr_timebase.h"
#include "ndr_xclbin.h"
}

namespace {

const char *const kWriter = NDR_XCLBIN_WRITER;

/* hw/vitis/ndr_record_writer.cpp's arguments, in order. */
enum class arg_kind { stream, global, scalar32 };
struct expected_arg {
	const char *name;
	arg_kind kind;
};
const expected_arg kWriterArgs[NDR_XCLBIN_WRITER_NARGS] = {
	{ "records", arg_kind::stream },
	{ "ring", arg_kind::global },
	{ "ctrl", arg_kind::global },
	{ "log2_slots", arg_kind::scalar32 },
	{ "init", arg_kind::scalar32 },
};
constexpr size_t kWriterNArgs = NDR_XCLBIN_WRITER_NARGS;

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
std::string check_kernels(const xrt::xclbin &xb, uint32_t cmac_off[NDR_CMAC_NREGS])
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
	if (!xb.get_kernel(NDR_XCLBIN_DATAPATH))
		add(std::string("no kernel ") + NDR_XCLBIN_DATAPATH);
	auto c = xb.get_kernel(NDR_XCLBIN_CMAC);
	if (!c) {
		add(std::string("no kernel ") + NDR_XCLBIN_CMAC + " (the 100G MAC)");
	} else {
		auto args = c.get_args();
		for (int r = 0; r < NDR_CMAC_NREGS; r++) {
			auto it = std::find_if(args.begin(), args.end(), [r](const xrt::xclbin::arg &a) {
				return a.get_name() == ndr_cmac_reg_names[r];
			});
			if (it == args.end())
				add(std::string(NDR_XCLBIN_CMAC) + " has no register '" +
				    ndr_cmac_reg_names[r] + "'");
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

/* "" or why path is refused; fills xb but data. */
std::string check(const char *path, const std::vector<char> &image, unsigned flags,
		  const char *want_uuid, struct ndr_xclbin *xb)
{
	std::string bad = check_container(image);

	if (!bad.empty())
		return std::string(path) + ": " + bad;
	xrt::xclbin meta;
	try {
		meta = xrt::xclbin(image);
		bad = check_kernels(meta, xb->cmac_off);
	} catch (const std::exception &e) {
		return std::string(path) + ": unreadable xclbin metadata: " + e.what();
	}
	if (bad.empty() && (flags & NDR_XCLBIN_NEED_AUTORESTART) && !has_counted_autorestart(meta))
		bad = std::string(kWriter) + " was built without counted auto-restart "
		      "(HLS: syn.interface.s_axilite_auto_restart_counter=1)";
	if (!bad.empty())
		return std::string(path) + " is not an xclbin this ndr-sensor drives: " + bad;
	snprintf(xb->uuid, sizeof(xb->uuid), "%s", meta.get_uuid().to_string().c_str());
	if (want_uuid && strcasecmp(want_uuid, xb->uuid) != 0)
		return std::string(path) + " has UUID " + xb->uuid + ", not the expected " +
		       want_uuid + " (--xclbin-uuid)";
	xb->data_clock_hz = data_clock_hz(meta);
	return "";
}

} /* namespace */

extern "C" int ndr_xclbin_open(const char *path, unsigned flags, const char *want_uuid,
			       struct ndr_xclbin *xb, char *err, size_t errlen)
{
	std::string bad;

	memset(xb, 0, sizeof(*xb));
	try {
		std::vector<char> image = read_file(path, bad);
		if (!bad.empty()) {
			snprintf(err, errlen, "%s: %s", path, bad.c_str());
			return -1;
		}
		bad = check(path, image, flags, want_uuid, xb);
		if (!bad.empty()) {
			snprintf(err, errlen, "%s", bad.c_str());
			return -1;
		}
		xb->data = static_cast<uint8_t *>(malloc(image.size()));
		if (!xb->data) {
			snprintf(err, errlen, "%s: out of memory for %zu bytes", path, image.size());
			return -1;
		}
		memcpy(xb->data, image.data(), image.size());
		xb->size = image.size();
	} catch (const std::exception &e) {
		snprintf(err, errlen, "%s: %s", path, e.what());
		return -1;
	}
	return 0;
}

extern "C" void ndr_xclbin_close(struct ndr_xclbin *xb)
{
	free(xb->data);
	xb->data = nullptr;
	xb->size = 0;
}
