/*
 * ndr_xclbin.h - an ndr xclbin, read and checked before XRT loads it.
 *
 * The two Alveo card sources (xrt: XRT's native API, opencl on XRT's OpenCL
 * ICD) load the same image and drive the same kernels, so they refuse the
 * same files with the same words:
 *   - a file that is not an xclbin, or is truncated or damaged (XRT trusts
 *     the section table and would read past the end);
 *   - an image without ndr_record_writer (records stream, ring, ctrl,
 *     log2_slots, init; ring and ctrl wired to host memory; one compute
 *     unit, ap_ctrl_chain), ndr_datapath, or cmac_0 with the registers
 *     ndr_cmac.h uses;
 *   - optionally, a writer built without counted auto-restart (the xrt
 *     source restarts it with xrt::autostart; OpenCL enqueues every call);
 *   - an image whose UUID is not the one the operator pinned.
 * Implemented with XRT's xrt::xclbin (host/lib/xclbin_check.cpp).
 */
#ifndef NDR_XCLBIN_H
#define NDR_XCLBIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "ndr_cmac.h"

#define NDR_XCLBIN_NEED_AUTORESTART 1u

/* The ring writer's arguments (hw/vitis/ndr_record_writer.cpp), by index. */
enum {
	NDR_XCLBIN_ARG_RECORDS = 0,
	NDR_XCLBIN_ARG_RING = 1,
	NDR_XCLBIN_ARG_CTRL = 2,
	NDR_XCLBIN_ARG_LOG2 = 3,
	NDR_XCLBIN_ARG_INIT = 4,
	NDR_XCLBIN_WRITER_NARGS = 5,
};

#define NDR_XCLBIN_WRITER   "ndr_record_writer"
#define NDR_XCLBIN_DATAPATH "ndr_datapath"
#define NDR_XCLBIN_CMAC     "cmac_0"

struct ndr_xclbin {
	uint8_t *data;                        /* the whole file */
	size_t size;
	char uuid[40];                        /* as XRT prints it */
	uint64_t data_clock_hz;               /* the kernels' clock; 0 = not in the image */
	uint32_t cmac_off[NDR_CMAC_NREGS];    /* cmac_0's registers, by ndr_cmac_reg_names */
};

/* Read path and check it (flags: NDR_XCLBIN_*). want_uuid: NULL, or the UUID
 * the image must have. 0, or -1 with "PATH: what" in err (nothing to free). */
int ndr_xclbin_open(const char *path, unsigned flags, const char *want_uuid,
		    struct ndr_xclbin *xb, char *err, size_t errlen);

void ndr_xclbin_close(struct ndr_xclbin *xb);

#ifdef __cplusplus
}
#endif

#endif
