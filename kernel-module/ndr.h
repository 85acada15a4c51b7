/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ndr.h - ndr.ko's device state, shared by its files:
 *   ndr_main.c   module parameters, PCI probe/remove, the register chain
 *   ndr_ring.c   the coherent ring, start/stop, the interrupt, and the
 *                emulated DMA engine for the ivshmem card
 *   ndr_cdev.c   /dev/ndrN: mmap, poll, ioctl
 *   ndr_sysfs.c  counters in /sys/class/ndr/ndrN/
 *
 * Lifetime: struct ndr_dev lives as long as its embedded struct device; an
 * open file holds a reference, so a file may outlive the PCI device (unplug
 * while open). Everything that touches the hardware or the DMA memory holds
 * ->lock and checks ->gone first; remove() sets ->gone under ->lock, zaps
 * every user mapping and only then frees the memory.
 */
#ifndef NDR_KMOD_H
#define NDR_KMOD_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "ndr_abi.h"
#include "ndr_uapi.h"

struct ndr_dev {
	struct device dev;             /* /sys/class/ndr/ndrN, refcounted */
	struct cdev cdev;
	struct pci_dev *pdev;          /* referenced until release */
	int minor;
	bool emulated;

	void __iomem *bar;             /* the mapped BAR holding the registers */
	resource_size_t bar_len;
	void __iomem *regs;            /* the register chain (bar + 0) */
	u32 off_ring, off_stats;       /* found by walking the chain */
	u64 build_id;
	u32 caps;

	/* The ring in host memory. */
	u32 log2_slots;
	size_t ring_bytes;
	void *ring;
	dma_addr_t ring_dma;
	struct ndr_ring_ctrl *ctrl;    /* its own page */
	dma_addr_t ctrl_dma;

	/* Emulation: the staging ring in BAR2 and the thread that moves it. */
	void __iomem *emu_ctrl;
	void __iomem *emu_slots;
	struct task_struct *mover;

	int irq;                       /* -1 when there is none */
	atomic64_t interrupts;         /* real, or emulated by the mover */
	atomic64_t wakeups;

	struct mutex lock;             /* running, gone, files, the hardware */
	bool running;
	bool gone;                     /* the PCI device was removed */
	struct list_head files;        /* open files, to zap their mappings */
	wait_queue_head_t wq;          /* pollers: new records, done, gone */
};

struct ndr_file {
	struct list_head node;
	struct file *file;
	struct ndr_dev *nd;
};

/* Module parameters (ndr_main.c). */
extern unsigned int ndr_ring_slots;
extern unsigned int ndr_irq_coalesce_recs;
extern unsigned int ndr_irq_coalesce_us;

static inline u32 ndr_rd(struct ndr_dev *nd, u32 off)
{
	return ioread32(nd->regs + off);
}

static inline void ndr_wr(struct ndr_dev *nd, u32 off, u32 val)
{
	iowrite32(val, nd->regs + off);
}

#define NDR_RING_REG(m) (nd->off_ring + offsetof(struct ndr_reg_ring, m))
#define NDR_STATS_REG(m) (nd->off_stats + offsetof(struct ndr_reg_stats, m))
/* A 64-bit counter of the stats block, by its name there. */
#define NDR_STAT(nd, m) ndr_rd64((nd), NDR_STATS_REG(m##_lo), NDR_STATS_REG(m##_hi))

/* A 64-bit lo/hi register pair read so that a carry between the halves is
 * never seen half done. */
u64 ndr_rd64(struct ndr_dev *nd, u32 off_lo, u32 off_hi);

/* ndr_ring.c; callers hold nd->lock. */
int ndr_ring_alloc(struct ndr_dev *nd);
void ndr_ring_free(struct ndr_dev *nd);
void ndr_ring_program(struct ndr_dev *nd);
int ndr_ring_start(struct ndr_dev *nd, bool *was_running);
void ndr_ring_stop(struct ndr_dev *nd);
int ndr_ring_set_cons(struct ndr_dev *nd, u32 cons);
int ndr_irq_setup(struct ndr_dev *nd);
void ndr_irq_teardown(struct ndr_dev *nd);

/* ndr_cdev.c */
extern const struct file_operations ndr_fops;
void ndr_cdev_zap_mappings(struct ndr_dev *nd);

/* ndr_sysfs.c */
extern const struct attribute_group *ndr_groups[];

#endif
