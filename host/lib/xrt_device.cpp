/*
 * xrt_device.cpp - an Alveo device through XRT's native API, by its shim
 * handle (see ndr_xrt_device.h): PCI address, loaded image, 100G port.
 */
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <new>
#include <string>

#include <experimental/xrt_ip.h>
#include <xrt/xrt_device.h>

extern "C" {
#include "ndr_numa.h"
#include "ndr_timebase.h"
#include "ndr_xclbin.h"
#include "ndr_xrt_device.h"
}

namespace {

constexpr double kLinkPollS = 1.0;

double mono_s()
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

} /* namespace */

struct ndr_xrt_link {
	std::string desc;
	xrt::device dev;
	xrt::ip cmac;
	struct ndr_cmac_io io {};
	struct ndr_cmac_status st {};
	std::string error;            /* the last poll's, "" if it read */
	double next_poll = 0;
};

namespace {

int cmac_read(void *arg, uint32_t off, uint32_t *v, char *err, size_t errlen)
{
	try {
		*v = static_cast<ndr_xrt_link *>(arg)->cmac.read_register(off);
		return 0;
	} catch (const std::exception &e) {
		snprintf(err, errlen, "%s: reading register 0x%x: %s", NDR_XCLBIN_CMAC, off,
			 e.what());
		return -1;
	}
}

int cmac_write(void *arg, uint32_t off, uint32_t v, char *err, size_t errlen)
{
	try {
		static_cast<ndr_xrt_link *>(arg)->cmac.write_register(off, v);
		return 0;
	} catch (const std::exception &e) {
		snprintf(err, errlen, "%s: writing register 0x%x: %s", NDR_XCLBIN_CMAC, off,
			 e.what());
		return -1;
	}
}

} /* namespace */

extern "C" int ndr_xrt_check_env(const char *desc, const struct ndr_source_opts *o,
				 int *emulation, char *err, size_t errlen)
{
	const char *mode = getenv("XCL_EMULATION_MODE");

	*emulation = mode && *mode;
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
	if (o->frames && !(*emulation && strcmp(mode, "noop") == 0)) {
		snprintf(err, errlen,
			 "%s: -r %s: a card takes its packets from its QSFP28 port; frames from a "
			 "file go to the emulated card only under XCL_EMULATION_MODE=noop",
			 desc, o->frames);
		return -1;
	}
	return 0;
}

extern "C" int ndr_xrt_place(void *handle, int numa_opt, int *node, char *bdf, size_t bdflen,
			     char *where, size_t wherelen, char *err, size_t errlen)
{
	char dir[128];
	int card = -1;

	ndr_xrt_device_bdf(handle, bdf, bdflen);
	if (bdf[0]) {
		snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s", bdf);
		card = ndr_numa_node_of_sysfs(dir);
	}
	*node = numa_opt >= 0 ? numa_opt : card;
	if (numa_opt < 0 && ndr_numa_pin(card, err, errlen))
		return -1;
	if (*node >= 0)
		snprintf(where, wherelen, "NUMA node %d%s", *node,
			 numa_opt >= 0 ? " (--numa-node)" : " (the card's)");
	else
		snprintf(where, wherelen, "no NUMA node reported for the card");
	return 0;
}

extern "C" void ndr_xrt_clock_text(uint64_t data_clock_hz, char *buf, size_t len)
{
	if (data_clock_hz)
		snprintf(buf, len, "data clock %.6g MHz", (double)data_clock_hz / 1e6);
	else
		snprintf(buf, len, "no clock in the xclbin: time stamps assume %.6g MHz",
			 (double)NDR_TIMEBASE_NOMINAL_HZ / 1e6);
}

extern "C" void ndr_xrt_device_bdf(void *handle, char *bdf, size_t len)
{
	try {
		xrt::device dev(static_cast<xclDeviceHandle>(handle));
		snprintf(bdf, len, "%s", dev.get_info<xrt::info::device::bdf>().c_str());
	} catch (const std::exception &) {
		snprintf(bdf, len, "%s", "");
	}
}

extern "C" int ndr_xrt_device_xclbin_uuid(void *handle, char *uuid, size_t len, char *err,
					  size_t errlen)
{
	try {
		xrt::device dev(static_cast<xclDeviceHandle>(handle));
		snprintf(uuid, len, "%s", dev.get_xclbin_uuid().to_string().c_str());
		return 0;
	} catch (const std::exception &e) {
		snprintf(err, errlen, "reading the device's xclbin UUID: %s", e.what());
		return -1;
	}
}

extern "C" struct ndr_xrt_link *ndr_xrt_link_open(void *handle, const char *uuid,
						  const uint32_t off[NDR_CMAC_NREGS], int rs_fec,
						  const char *desc, char *err, size_t errlen)
{
	auto *l = new (std::nothrow) ndr_xrt_link();
	char why[512] = "";

	if (!l) {
		snprintf(err, errlen, "%s: out of memory", desc);
		return nullptr;
	}
	l->desc = desc;
	try {
		l->dev = xrt::device(static_cast<xclDeviceHandle>(handle));
		l->cmac = xrt::ip(l->dev, xrt::uuid(std::string(uuid)), NDR_XCLBIN_CMAC);
	} catch (const std::exception &e) {
		snprintf(err, errlen, "%s: opening %s: %s", desc, NDR_XCLBIN_CMAC, e.what());
		delete l;
		return nullptr;
	}
	l->io.read = cmac_read;
	l->io.write = cmac_write;
	l->io.arg = l;
	memcpy(l->io.offset, off, sizeof(l->io.offset));
	if (ndr_cmac_start(&l->io, rs_fec, why, sizeof(why))) {
		snprintf(err, errlen, "%s: bringing up the 100G port: %s", desc, why);
		delete l;
		return nullptr;
	}
	ndr_xrt_link_poll(l);
	return l;
}

extern "C" void ndr_xrt_link_poll(struct ndr_xrt_link *l)
{
	char err[256];

	if (!l || mono_s() < l->next_poll)
		return;
	l->next_poll = mono_s() + kLinkPollS;
	int was_up = l->st.up;
	if (ndr_cmac_poll(&l->io, &l->st, err, sizeof(err))) {
		l->error = err;
		return;
	}
	l->error.clear();
	if (was_up != l->st.up)
		fprintf(stderr, "ndr-sensor: %s: link %s\n", l->desc.c_str(),
			ndr_cmac_link_text(&l->st));
}

extern "C" void ndr_xrt_link_text(const struct ndr_xrt_link *l, char *buf, size_t len)
{
	snprintf(buf, len, "link %s, RS-FEC %s", ndr_cmac_link_text(&l->st),
		 l->st.rs_fec ? "on" : "off");
}

extern "C" void ndr_xrt_link_get_stats(const struct ndr_xrt_link *l, struct ndr_link_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!l)
		return;
	st->present = 1;
	st->up = l->st.up;
	st->rs_fec = l->st.rs_fec;
	st->rx_packets = l->st.rx_packets;
	st->rx_good_packets = l->st.rx_good_packets;
	st->rx_bytes = l->st.rx_bytes;
	st->rx_bad_fcs = l->st.rx_bad_fcs;
	snprintf(st->state, sizeof(st->state), "%s",
		 l->error.empty() ? ndr_cmac_link_text(&l->st) : l->error.c_str());
}

extern "C" void ndr_xrt_link_free(struct ndr_xrt_link *l)
{
	delete l;
}
