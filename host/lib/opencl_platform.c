/*
 * opencl_platform.c - which OpenCL platform a card spec means (see
 * ndr_opencl.h), and OpenCL's error codes as words.
 *
 * XRT's ICD (libxilinxopencl) throws from its platform query when
 * XILINX_XRT is not set, and nothing catches it: the process aborts inside
 * clGetPlatformIDs, whichever platform was asked for. So before the loader
 * runs, the ICDs it will load are looked at the way ocl-icd finds them
 * (libOpenCL(7)): OCL_ICD_FILENAMES, then OCL_ICD_VENDORS (a directory, an
 * .icd file, or a library), else OPENCL_VENDOR_PATH or /etc/OpenCL/vendors.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "ndr_opencl.h"

#define MAX_PLATFORMS 16
#define XRT_ICD_LIB "xilinxopencl"

const char *ndr_cl_err(cl_int e)
{
	switch (e) {
	case CL_DEVICE_NOT_FOUND: return "device not found";
	case CL_DEVICE_NOT_AVAILABLE: return "device not available";
	case CL_BUILD_PROGRAM_FAILURE: return "program build failure";
	case CL_MEM_OBJECT_ALLOCATION_FAILURE: return "memory object allocation failure";
	case CL_OUT_OF_RESOURCES: return "out of resources";
	case CL_OUT_OF_HOST_MEMORY: return "out of host memory";
	case CL_INVALID_VALUE: return "invalid value";
	case CL_INVALID_BINARY: return "invalid binary";
	case CL_INVALID_BUFFER_SIZE: return "invalid buffer size";
	case CL_INVALID_HOST_PTR: return "invalid host pointer";
	case CL_INVALID_KERNEL_NAME: return "no such kernel in the program";
	case CL_INVALID_KERNEL_ARGS: return "kernel arguments not set";
	case CL_INVALID_BUILD_OPTIONS: return "invalid build options";
	case CL_INVALID_PROGRAM_EXECUTABLE: return "no program loaded on the device";
	case CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST: return "a command failed";
	case -1001: return "no platform (the ICD loader found no ICD)";
	default: return "OpenCL error";
	}
}

static int names_xrt_icd(const char *text)
{
	return strstr(text, XRT_ICD_LIB) != NULL;
}

static int icd_file_names_xrt(const char *path)
{
	char buf[512];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return names_xrt_icd(buf);
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcmp(s + n - t, tail) == 0;
}

/* The first .icd file in dir naming XRT's ICD, into which. */
static int dir_names_xrt(const char *dir, char *which, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];
	int found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d)) != NULL) {
		if (!ends_with(e->d_name, ".icd"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (icd_file_names_xrt(path)) {
			snprintf(which, len, "%s", path);
			found = 1;
		}
	}
	closedir(d);
	return found;
}

/* Will the ICD loader load XRT's ICD? which: where it is named. */
static int loader_loads_xrt(char *which, size_t len)
{
	const char *files = getenv("OCL_ICD_FILENAMES");
	const char *vendors = getenv("OCL_ICD_VENDORS");
	const char *dir = getenv("OPENCL_VENDOR_PATH");
	struct stat st;
	char path[4096];

	if (!dir || !*dir)
		dir = "/etc/OpenCL/vendors";
	if (files && names_xrt_icd(files)) {
		snprintf(which, len, "OCL_ICD_FILENAMES");
		return 1;
	}
	if (!vendors || !*vendors)
		return dir_names_xrt(dir, which, len);
	if (stat(vendors, &st) == 0 && S_ISDIR(st.st_mode))
		return dir_names_xrt(vendors, which, len);
	snprintf(which, len, "%s", vendors);
	if (!ends_with(vendors, ".icd"))
		return names_xrt_icd(vendors);
	if (!strchr(vendors, '/')) {
		snprintf(path, sizeof(path), "%s/%s", dir, vendors);
		if (stat(path, &st) == 0) {
			snprintf(which, len, "%s", path);
			return icd_file_names_xrt(path);
		}
	}
	return icd_file_names_xrt(vendors);
}

static int contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

int ndr_cl_pick_platform(const char *desc, const char *want, const char *xclbin,
			 struct ndr_cl_platform *p, char *err, size_t errlen)
{
	cl_platform_id ids[MAX_PLATFORMS];
	cl_uint n = 0;
	char seen[512] = "", name[128], vendor[128], icd[4096] = "";
	int xrt_icd = loader_loads_xrt(icd, sizeof(icd)), skipped_kind = 0;
	cl_int rc;

	memset(p, 0, sizeof(*p));
	if (xrt_icd && !getenv("XILINX_XRT")) {
		snprintf(err, errlen,
			 "%s: XILINX_XRT is not set, and XRT's OpenCL ICD (%s) aborts the process "
			 "without it: point it at the XRT installation (/opt/xilinx/xrt, or on "
			 "Debian a directory whose lib/ links to the multiarch library directory)",
			 desc, icd);
		return -1;
	}
	rc = clGetPlatformIDs(MAX_PLATFORMS, ids, &n);
	if (rc != CL_SUCCESS || n == 0) {
		if (xrt_icd)
			snprintf(err, errlen,
				 "%s: no OpenCL platform: XRT's ICD (%s) finds no device (is the "
				 "card on a Vitis shell with xocl loaded? see xbutil examine)",
				 desc, icd);
		else
			snprintf(err, errlen,
				 "%s: no OpenCL platform (no ICD: install pocl-opencl-icd, or point "
				 "OCL_ICD_VENDORS at a directory holding one)", desc);
		return -1;
	}
	for (cl_uint i = 0; i < n && i < MAX_PLATFORMS; i++) {
		size_t len = strlen(seen);
		int xilinx;

		name[0] = vendor[0] = '\0';
		clGetPlatformInfo(ids[i], CL_PLATFORM_NAME, sizeof(name), name, NULL);
		clGetPlatformInfo(ids[i], CL_PLATFORM_VENDOR, sizeof(vendor), vendor, NULL);
		snprintf(seen + len, sizeof(seen) - len, "%s'%s'", len ? ", " : "", name);
		xilinx = contains_nocase(vendor, "xilinx");
		if (*want && !contains_nocase(name, want) && !contains_nocase(vendor, want))
			continue;
		/* Unnamed, the kind of work decides: an xclbin runs on XRT's
		 * platform only, OpenCL C builds on any other. */
		if (!*want && xilinx != (xclbin != NULL)) {
			skipped_kind = 1;
			continue;
		}
		if (p->id || clGetDeviceIDs(ids[i], CL_DEVICE_TYPE_ALL, 1, &p->dev, NULL) != CL_SUCCESS)
			continue;
		p->id = ids[i];
		p->xilinx = xilinx;
		snprintf(p->name, sizeof(p->name), "%s", name);
	}
	if (!p->id) {
		snprintf(err, errlen, "%s: no OpenCL platform with a device%s%s%s%s (platforms: %s)",
			 desc, *want ? " matching '" : "", want, *want ? "'" : "",
			 !skipped_kind ? ""
			 : xclbin ? " that runs an xclbin (XRT's, libxilinxopencl)"
				  : " that builds OpenCL C (XRT's runs xclbins only: give --xclbin)",
			 seen);
		return -1;
	}
	if (p->xilinx && !xclbin) {
		snprintf(err, errlen, "%s: '%s' (XRT) runs xclbins, not OpenCL C: give --xclbin FILE, "
			 "the ndr build for the card", desc, p->name);
		return -1;
	}
	if (!p->xilinx && xclbin) {
		snprintf(err, errlen, "%s: --xclbin %s: '%s' builds the hw/ kernels from OpenCL C and "
			 "loads no xclbin; an xclbin runs on XRT's platform (opencl:Xilinx)",
			 desc, xclbin, p->name);
		return -1;
	}
	return 0;
}

void ndr_cl_release_mem(cl_mem *m)
{
	if (*m)
		clReleaseMemObject(*m);
	*m = NULL;
}

void ndr_cl_release(const cl_kernel *kernels, size_t n, cl_program prog, cl_command_queue q,
		    cl_context ctx)
{
	for (size_t i = 0; i < n; i++)
		if (kernels[i])
			clReleaseKernel(kernels[i]);
	if (prog)
		clReleaseProgram(prog);
	if (q)
		clReleaseCommandQueue(q);
	if (ctx)
		clReleaseContext(ctx);
}
