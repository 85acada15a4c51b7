/*
 * ndr_cl_compat.h - what the hw/ kernels need from C that OpenCL C spells
 * differently, so that hw/src compiles unchanged as OpenCL C.
 *
 * hw/ is written in the synthesizable subset (stdint.h and stdbool.h only,
 * no libc, no allocation, no recursion, fixed bounds: hw/include/ndr_hw.h),
 * which is nearly OpenCL C already. What differs:
 *   - the fixed-width integer names: OpenCL C has uchar/ushort/uint/ulong
 *     with the same widths, and no stdint.h (the program is one string,
 *     opencl/inline.awk drops the angle-bracket includes);
 *   - the GCC builtins and atomics of the emulation's fast paths: the
 *     kernels take their synthesis paths (__SYNTHESIS__), plain loops and
 *     plain stores, exactly what Vitis HLS compiles. Plain stores suffice:
 *     the host reads the ring only after the kernel has finished.
 *   - address spaces: the kernels' pointers carry none, which OpenCL C 1.2
 *     reads as private, and PoCL's CPU device offers no generic address
 *     space to make them reach global buffers. On a CPU device every
 *     address space is the same memory, so the wrapper hands the kernels
 *     their global buffers as plain pointers through an integer
 *     (NDR_CL_FLAT). This is the one thing that ties the program to a
 *     device with flat memory; on an OpenCL 2.0 device with a generic
 *     address space the conversion is exact.
 */
#ifndef NDR_CL_COMPAT_H
#define NDR_CL_COMPAT_H

#define __SYNTHESIS__ 1

typedef uchar  uint8_t;
typedef ushort uint16_t;
typedef uint   uint32_t;
typedef ulong  uint64_t;
typedef char   int8_t;
typedef short  int16_t;
typedef int    int32_t;
typedef long   int64_t;

#define UINT8_MAX  0xffu
#define UINT16_MAX 0xffffu
#define UINT32_MAX 0xffffffffu
#define UINT64_MAX 0xffffffffffffffffull
#define INT32_MAX  0x7fffffff
#define INT64_MAX  0x7fffffffffffffffll

/* OpenCL C has bool, true and false built in. */

/* A global buffer as the kernels' plain pointer (see above). */
#define NDR_CL_FLAT(type, p) ((type *)(ulong)(p))

#endif
