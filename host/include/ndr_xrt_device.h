/*
 * ndr_xrt_device.h - driving an Alveo device through XRT, the parts both
 * card sources share (xrt: XRT's native API; opencl on XRT's OpenCL ICD):
 * the environment XRT needs, the device's PCI address and NUMA placement,
 * the image it holds, and its 100G port (cmac_0, brought up and watched
 * through xrt::ip and ndr_cmac.h).
 *
 * A device is named by its XRT shim handle (xclDeviceHandle): the xrt
 * source has it from its xrt::device, the OpenCL source from XRT's
 * clGetDeviceInfo(CL_DEVICE_HANDLE) once a program is built, so the OpenCL
 * path talks to the very device its context loaded.
 */
#ifndef NDR_XRT_DEVICE_H
#define NDR_XRT_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "ndr_cmac.h"
#include "ndr_source.h"

/* The settings XRT and an Alveo source need: --xclbin given, XILINX_XRT
 * set (XRT finds its shims there, and its OpenCL ICD aborts the process
 * without it), -r FILE only under XCL_EMULATION_MODE=noop. *emulation: an
 * XRT emulation mode is set. 0, or -1 with "desc: what" in err. */
int ndr_xrt_check_env(const char *desc, const struct ndr_source_opts *o, int *emulation,
		      char *err, size_t errlen);

/* The device's PCI address, "" where XRT cannot say (noop emulation). */
void ndr_xrt_device_bdf(void *handle, char *bdf, size_t len);

/* Run the calling thread (the consumer) on the card's NUMA node and prefer
 * its memory, before the ring is allocated, unless the operator chose one
 * (numa_opt >= 0, already applied). *node: the node the ring lives on, -1
 * if unknown; bdf and where ("NUMA node 1 (the card's)") for the start
 * line. 0, or -1 with err. */
int ndr_xrt_place(void *handle, int numa_opt, int *node, char *bdf, size_t bdflen,
		  char *where, size_t wherelen, char *err, size_t errlen);

/* "data clock 300 MHz", or what time stamps assume without one. */
void ndr_xrt_clock_text(uint64_t data_clock_hz, char *buf, size_t len);

/* The UUID of the xclbin the device holds; 0, or -1 with err. */
int ndr_xrt_device_xclbin_uuid(void *handle, char *uuid, size_t len, char *err, size_t errlen);

struct ndr_xrt_link;

/* Open cmac_0 of the image uuid (registers at off, ndr_xclbin.h) and bring
 * the port up (ndr_cmac_start, RS-FEC as asked). desc names the source in
 * messages. NULL with err on failure. */
struct ndr_xrt_link *ndr_xrt_link_open(void *handle, const char *uuid,
				       const uint32_t off[NDR_CMAC_NREGS], int rs_fec,
				       const char *desc, char *err, size_t errlen);

/* Read the link at most once a second; a change is logged on stderr. */
void ndr_xrt_link_poll(struct ndr_xrt_link *l);

/* "link up, RS-FEC on" (for a start line). */
void ndr_xrt_link_text(const struct ndr_xrt_link *l, char *buf, size_t len);

void ndr_xrt_link_get_stats(const struct ndr_xrt_link *l, struct ndr_link_stats *st);

void ndr_xrt_link_free(struct ndr_xrt_link *l);

#ifdef __cplusplus
}
#endif

#endif
