/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * ndr_uapi.h - the /dev/ndrN interface of ndr.ko, shared by the module and
 * libndr (host/lib/source_chardev.c), and the layout of the emulated card's
 * shared memory (sim/ivshmem/), shared by the module and the card process.
 *
 * The records, the ring and the registers are ndr_abi.h's; this header only
 * says how userspace reaches them. See docs/kernel-module.md.
 *
 * mmap: two regions, both read-only, at the offsets NDR_IOC_INFO reports:
 *   ctrl   one page holding struct ndr_ring_ctrl (prod, cons, state);
 *   ring   the 2^log2_slots slots the card writes.
 * A mapping must lie within one region; PROT_WRITE is refused. The consumer
 * index goes back to the card through NDR_IOC_SET_CONS, once per batch.
 *
 * ioctls follow VFIO: every argument struct starts with argsz (the caller's
 * sizeof) and flags. The module refuses argsz smaller than the fields it
 * needs (-EINVAL) and unknown flags (-EINVAL); it fills at most argsz bytes,
 * so a struct may grow at its end without breaking old binaries.
 */
#ifndef NDR_UAPI_H
#define NDR_UAPI_H

#include "ndr_abi.h"

#ifdef __KERNEL__
#include <linux/ioctl.h>
#else
#include <sys/ioctl.h>
#endif

#define NDR_DEV_NAME       "ndr"      /* /dev/ndr0, /sys/class/ndr/ndr0 */
#define NDR_IOC_MAGIC      'N'

/* PCI identity of the card (a Xilinx Alveo user function with the ndr
 * bitstream), and of QEMU's ivshmem-plain, which the module binds only
 * with emulate=1. */
#define NDR_PCI_VENDOR     0x10ee
#define NDR_PCI_DEVICE     0x903f
#define NDR_EMU_PCI_VENDOR 0x1af4
#define NDR_EMU_PCI_DEVICE 0x1110

/* The bitstream build this module and the emulated card implement. The
 * module refuses any other build id (module parameter build_id overrides). */
#define NDR_BUILD_ID       0x4e44520000010001ull  /* "NDR" build 1.1 */

/* NDR_IOC_INFO: the ring's geometry and where to mmap it. */
struct ndr_ioc_info {
	uint32_t argsz;
	uint32_t flags;            /* out: NDR_INFO_F_* */
	uint32_t log2_slots;
	uint32_t abi_version;      /* NDR_ABI_VERSION of the card */
	uint64_t build_id;
	uint64_t ctrl_offset;      /* mmap offset of the control page */
	uint64_t ctrl_size;
	uint64_t ring_offset;      /* mmap offset of slot 0 */
	uint64_t ring_size;        /* bytes: NDR_SLOT_BYTES << log2_slots */
};
#define NDR_INFO_F_RUNNING   0x1u  /* the card is started */
#define NDR_INFO_F_EMULATED  0x2u  /* ivshmem emulation, see the docs */

/* NDR_IOC_COUNTERS: the card's and the driver's counters. */
struct ndr_ioc_counters {
	uint32_t argsz;
	uint32_t flags;            /* in: 0 */
	uint64_t packets;          /* card: frames seen */
	uint64_t bytes;            /* card: wire bytes */
	uint64_t records;          /* card: records written */
	uint64_t dropped;          /* card: records lost, ring full */
	uint64_t parse_errors;     /* card */
	uint64_t interrupts;       /* driver: interrupts (or emulated ones) */
	uint64_t wakeups;          /* driver: times pollers were woken */
	uint32_t prod;             /* ring indices now */
	uint32_t cons;
	/* since ABI 2: every loss the card counts (ndr_abi.h heartbeat) */
	uint64_t rx_overrun;       /* card: frames lost at its receive FIFO */
	uint64_t dns_dropped;      /* card: DNS messages, every engine busy */
	uint64_t tls_dropped;      /* card: TLS hellos, every engine busy */
	uint64_t link_dropped;     /* card: records, the record path full */
	uint64_t non_ip;
	uint64_t dns_messages;
	uint64_t dns_errors;
	uint64_t tls_hellos;
	uint64_t flows_active;
	uint64_t flows_created;
	uint64_t flows_evicted;
	uint64_t flows_dns_only;
};

/* NDR_IOC_START / NDR_IOC_STOP: struct ndr_ioc_run. START resets the ring
 * (prod = cons = 0) and enables the card; on a running card it does
 * nothing and sets NDR_RUN_F_WAS_RUNNING. STOP disables the card; the ring
 * keeps its records. */
struct ndr_ioc_run {
	uint32_t argsz;
	uint32_t flags;            /* out: NDR_RUN_F_* */
};
#define NDR_RUN_F_WAS_RUNNING 0x1u

/* NDR_IOC_SET_CONS: give slots back to the card. cons must lie in
 * [current cons, prod]: a consumer index cannot go backwards or pass the
 * producer (-EINVAL). */
struct ndr_ioc_cons {
	uint32_t argsz;
	uint32_t flags;            /* in: 0 */
	uint32_t cons;
	uint32_t reserved;
};

#define NDR_IOC_INFO      _IOWR(NDR_IOC_MAGIC, 0x00, struct ndr_ioc_info)
#define NDR_IOC_COUNTERS  _IOWR(NDR_IOC_MAGIC, 0x01, struct ndr_ioc_counters)
#define NDR_IOC_START     _IOWR(NDR_IOC_MAGIC, 0x02, struct ndr_ioc_run)
#define NDR_IOC_STOP      _IOWR(NDR_IOC_MAGIC, 0x03, struct ndr_ioc_run)
#define NDR_IOC_SET_CONS  _IOW(NDR_IOC_MAGIC, 0x04, struct ndr_ioc_cons)

/* ------------------------------------------------------------------------
 * The emulated card (QEMU ivshmem-plain, BAR2 = a shared memory file).
 *
 * ivshmem-plain has no interrupts and cannot DMA into guest memory, so the
 * card process (sim/ivshmem/) and the module meet in BAR2:
 *
 *   0x0000  the register blocks, exactly as the card's BAR0 (ndr_abi.h)
 *   0x1000  struct ndr_ring_ctrl of the staging ring (card writes prod,
 *           state; the card reads the consumer index from the ring block's
 *           cons register, as the real card does)
 *   0x2000  the staging ring: 2^log2_slots slots, the size the driver
 *           programmed into the ring block
 *
 * In emulation the module's "DMA engine" is a kernel thread that copies
 * slots [host prod, staging prod) from BAR2 to the same indices of the
 * dma_alloc_coherent ring, then publishes prod in the host control page, and
 * stands in for the interrupt by waking pollers (with the same moderation).
 * Slot indices, phase bits, pads and drop notices are the card's own.
 * ------------------------------------------------------------------------ */
#define NDR_EMU_REG_OFF    0x0000u
#define NDR_EMU_CTRL_OFF   0x1000u
#define NDR_EMU_SLOTS_OFF  0x2000u

#endif /* NDR_UAPI_H */
