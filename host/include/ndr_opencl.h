/*
 * ndr_opencl.h - what the two OpenCL card sources share: which platform a
 * spec means, and OpenCL's error codes as words.
 *
 *   opencl[:PLATFORM]               the hw/ kernels as OpenCL C, built by the
 *                                   platform (PoCL here), over -r FILE
 *                                   (source_opencl.c);
 *   opencl[:PLATFORM] --xclbin FILE an Alveo through XRT's OpenCL ICD
 *                                   (libxilinxopencl): the xclbin loaded
 *                                   with clCreateProgramWithBinary
 *                                   (source_opencl_xilinx.c).
 * PLATFORM is part of a platform's name or vendor; without it, the first
 * platform with a device that fits: a Xilinx one for an xclbin, any other
 * one for OpenCL C.
 */
#ifndef NDR_OPENCL_H
#define NDR_OPENCL_H

#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <stddef.h>

#include "ndr_source.h"

struct ndr_cl_platform {
	cl_platform_id id;
	cl_device_id dev;
	char name[128];
	int xilinx;             /* XRT's: runs xclbins, compiles no OpenCL C */
};

/* The platform and first device for desc ("opencl:NAME"), want ("" or part
 * of a name or vendor) and an xclbin or not. Refuses, before the ICD loader
 * runs, a Xilinx ICD without XILINX_XRT (XRT would abort the process). 0, or
 * -1 with "desc: what" in err: no platform (with how to get one), none
 * matching (with the names there), a Xilinx one without --xclbin, another
 * with it. */
int ndr_cl_pick_platform(const char *desc, const char *want, const char *xclbin,
			 struct ndr_cl_platform *p, char *err, size_t errlen);

/* "out of resources" for CL_OUT_OF_RESOURCES, and so on. */
const char *ndr_cl_err(cl_int e);

/* Both OpenCL sources' teardown: *m released and cleared if set; the n
 * kernels, the program, the queue and the context, in that order, each
 * only if it was made (NULL otherwise). */
void ndr_cl_release_mem(cl_mem *m);
void ndr_cl_release(const cl_kernel *kernels, size_t n, cl_program prog, cl_command_queue q,
		    cl_context ctx);

/* The Alveo path (source_opencl_xilinx.c): p is a Xilinx platform. */
struct ndr_source *ndr_source_opencl_xilinx_open(const char *desc,
						 const struct ndr_cl_platform *p,
						 const struct ndr_source_opts *o,
						 char *err, size_t errlen);

#endif
