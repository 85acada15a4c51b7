// SPDX-License-Identifier: GPL-2.0
/*
 * ndr_main.c - module parameters, PCI probe and remove, and the check that
 * the card runs a bitstream this driver understands.
 */
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/version.h>

#include "ndr.h"

#define NDR_MAX_DEVS   16
#define NDR_MAX_BLOCKS 16

unsigned int ndr_ring_slots = 32768;
module_param_named(ring_slots, ndr_ring_slots, uint, 0444);
MODULE_PARM_DESC(ring_slots, "record ring size in 64-byte slots, a power of two (64..16777216; default 32768)");

unsigned int ndr_irq_coalesce_recs = 64;
module_param_named(irq_coalesce_recs, ndr_irq_coalesce_recs, uint, 0444);
MODULE_PARM_DESC(irq_coalesce_recs, "interrupt after this many records (default 64)");

unsigned int ndr_irq_coalesce_us = 100;
module_param_named(irq_coalesce_us, ndr_irq_coalesce_us, uint, 0444);
MODULE_PARM_DESC(irq_coalesce_us, "... or this long after the first pending record, us (default 100)");

static bool ndr_emulate;
module_param_named(emulate, ndr_emulate, bool, 0444);
MODULE_PARM_DESC(emulate, "also bind QEMU's ivshmem-plain (1af4:1110) as an emulated card (default 0)");

static unsigned long long ndr_build_id = NDR_BUILD_ID;
module_param_named(build_id, ndr_build_id, ullong, 0444);
MODULE_PARM_DESC(build_id, "bitstream build id to accept (default: the one this driver was built for)");

static struct class *ndr_class;
static dev_t ndr_devt;
static DEFINE_IDA(ndr_minors);

u64 ndr_rd64(struct ndr_dev *nd, u32 off_lo, u32 off_hi)
{
	u32 hi, lo, hi2;

	do {
		hi = ndr_rd(nd, off_hi);
		lo = ndr_rd(nd, off_lo);
		hi2 = ndr_rd(nd, off_hi);
	} while (hi != hi2);
	return (u64)hi << 32 | lo;
}

/*
 * Walk the register chain (ndr_abi.h): every block must lie inside the BAR,
 * the chain must move forward, and the ID block must name the ABI version and
 * build this driver was built for. Anything else is not our bitstream, and
 * the message says which field differs.
 */
static int ndr_check_regs(struct ndr_dev *nd, resource_size_t reg_len)
{
	struct device *d = &nd->pdev->dev;
	u32 off = 0, off_id = U32_MAX, magic, abi;
	int n;

	nd->off_ring = U32_MAX;
	nd->off_stats = U32_MAX;
	for (n = 0; n < NDR_MAX_BLOCKS; n++) {
		u32 type = ndr_rd(nd, off + offsetof(struct ndr_reg_blk_hdr, type));
		u32 next = ndr_rd(nd, off + offsetof(struct ndr_reg_blk_hdr, next));
		u32 size = ndr_rd(nd, off + offsetof(struct ndr_reg_blk_hdr, size));
		u32 need = 0;

		if (type == NDR_BLK_ID) {
			off_id = off;
			need = sizeof(struct ndr_reg_id);
		} else if (type == NDR_BLK_RING) {
			nd->off_ring = off;
			need = sizeof(struct ndr_reg_ring);
		} else if (type == NDR_BLK_STATS) {
			nd->off_stats = off;
			need = sizeof(struct ndr_reg_stats);
		}
		if (size < need || off + (u64)size > reg_len) {
			dev_err(d, "register block type %#x at %#x: size %u (need %u, BAR holds %llu): not an ndr bitstream\n",
				type, off, size, need, (unsigned long long)reg_len);
			return -ENODEV;
		}
		if (n == 0 && type != NDR_BLK_ID) {
			dev_err(d, "register space does not start with the ID block (type %#x, magic expected %#x): not an ndr bitstream\n",
				type, NDR_REG_MAGIC);
			return -ENODEV;
		}
		if (!next)
			break;
		if (next <= off || next % 4) {
			dev_err(d, "register chain: block at %#x points back or unaligned to %#x\n",
				off, next);
			return -ENODEV;
		}
		off = next;
	}
	if (n == NDR_MAX_BLOCKS) {
		dev_err(d, "register chain longer than %d blocks\n", NDR_MAX_BLOCKS);
		return -ENODEV;
	}
	magic = ndr_rd(nd, off_id + offsetof(struct ndr_reg_id, magic));
	if (magic != NDR_REG_MAGIC) {
		dev_err(d, "ID block magic %#010x, expected %#010x (\"NDR0\"): not an ndr bitstream\n",
			magic, NDR_REG_MAGIC);
		return -ENODEV;
	}
	abi = ndr_rd(nd, off_id + offsetof(struct ndr_reg_id, abi_version));
	nd->build_id = (u64)ndr_rd(nd, off_id + offsetof(struct ndr_reg_id, build_id_hi)) << 32 |
		       ndr_rd(nd, off_id + offsetof(struct ndr_reg_id, build_id_lo));
	nd->caps = ndr_rd(nd, off_id + offsetof(struct ndr_reg_id, caps));
	if (abi != NDR_ABI_VERSION) {
		dev_err(d, "card speaks record ABI version %u, this driver speaks %u: load a matching bitstream or driver\n",
			abi, NDR_ABI_VERSION);
		return -ENODEV;
	}
	if (nd->build_id != ndr_build_id) {
		dev_err(d, "bitstream build id %#llx does not match the %#llx this driver accepts: load the matching bitstream (or build_id=%#llx if you know it is compatible)\n",
			nd->build_id, ndr_build_id, nd->build_id);
		return -ENODEV;
	}
	if (nd->off_ring == U32_MAX || nd->off_stats == U32_MAX) {
		dev_err(d, "register chain has no %s block\n",
			nd->off_ring == U32_MAX ? "ring" : "stats");
		return -ENODEV;
	}
	return 0;
}

static int ndr_map_bar(struct ndr_dev *nd)
{
	struct pci_dev *pdev = nd->pdev;
	int bar = nd->emulated ? 2 : 0;
	resource_size_t need;

	nd->bar_len = pci_resource_len(pdev, bar);
	need = nd->emulated ? NDR_EMU_SLOTS_OFF + nd->ring_bytes : NDR_REG_SPACE;
	if (!(pci_resource_flags(pdev, bar) & IORESOURCE_MEM) || nd->bar_len < need) {
		dev_err(&pdev->dev, "BAR%d is %llu bytes, need %llu%s\n", bar,
			(unsigned long long)nd->bar_len, (unsigned long long)need,
			nd->emulated ? " (the emulated card's shared memory must hold the ring: lower ring_slots or grow it)" : "");
		return -ENODEV;
	}
	nd->bar = pci_iomap(pdev, bar, 0);
	if (!nd->bar) {
		dev_err(&pdev->dev, "cannot map BAR%d\n", bar);
		return -ENOMEM;
	}
	nd->regs = nd->bar + (nd->emulated ? NDR_EMU_REG_OFF : 0);
	if (nd->emulated) {
		nd->emu_ctrl = nd->bar + NDR_EMU_CTRL_OFF;
		nd->emu_slots = nd->bar + NDR_EMU_SLOTS_OFF;
	}
	return 0;
}

static void ndr_dev_release(struct device *dev)
{
	struct ndr_dev *nd = container_of(dev, struct ndr_dev, dev);

	if (nd->minor >= 0)
		ida_free(&ndr_minors, nd->minor);
	pci_dev_put(nd->pdev);
	kfree(nd);
}

static int ndr_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct ndr_dev *nd;
	int err;

	if (id->vendor == NDR_EMU_PCI_VENDOR && !ndr_emulate)
		return -ENODEV;

	nd = kzalloc(sizeof(*nd), GFP_KERNEL);
	if (!nd)
		return -ENOMEM;
	nd->pdev = pci_dev_get(pdev);
	nd->emulated = id->vendor == NDR_EMU_PCI_VENDOR;
	nd->irq = -1;
	nd->minor = -1;
	nd->log2_slots = ilog2(ndr_ring_slots);
	nd->ring_bytes = (size_t)NDR_SLOT_BYTES << nd->log2_slots;
	mutex_init(&nd->lock);
	INIT_LIST_HEAD(&nd->files);
	init_waitqueue_head(&nd->wq);
	atomic64_set(&nd->interrupts, 0);
	atomic64_set(&nd->wakeups, 0);
	device_initialize(&nd->dev);
	nd->dev.release = ndr_dev_release;

	err = pci_enable_device_mem(pdev);
	if (err) {
		dev_err(&pdev->dev, "cannot enable the device: %d\n", err);
		goto err_put;
	}
	err = pci_request_regions(pdev, KBUILD_MODNAME);
	if (err) {
		dev_err(&pdev->dev, "cannot claim the BARs: %d\n", err);
		goto err_disable;
	}
	err = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (err)
		err = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32));
	if (err) {
		dev_err(&pdev->dev, "no usable DMA mask (64 or 32 bits): %d\n", err);
		goto err_regions;
	}
	pci_set_master(pdev);
	err = ndr_map_bar(nd);
	if (err)
		goto err_master;
	err = ndr_check_regs(nd, nd->emulated ? NDR_EMU_CTRL_OFF : nd->bar_len);
	if (err)
		goto err_unmap;
	err = ndr_ring_alloc(nd);
	if (err)
		goto err_unmap;
	ndr_ring_program(nd);
	err = ndr_irq_setup(nd);
	if (err)
		goto err_ring;

	err = ida_alloc_max(&ndr_minors, NDR_MAX_DEVS - 1, GFP_KERNEL);
	if (err < 0) {
		dev_err(&pdev->dev, "more than %d cards\n", NDR_MAX_DEVS);
		goto err_irq;
	}
	nd->minor = err;
	nd->dev.class = ndr_class;
	nd->dev.parent = &pdev->dev;
	nd->dev.devt = MKDEV(MAJOR(ndr_devt), nd->minor);
	nd->dev.groups = ndr_groups;
	err = dev_set_name(&nd->dev, NDR_DEV_NAME "%d", nd->minor);
	if (err)
		goto err_irq;
	cdev_init(&nd->cdev, &ndr_fops);
	nd->cdev.owner = THIS_MODULE;
	err = cdev_device_add(&nd->cdev, &nd->dev);
	if (err) {
		dev_err(&pdev->dev, "cannot add /dev/%s: %d\n", dev_name(&nd->dev), err);
		goto err_irq;
	}
	pci_set_drvdata(pdev, nd);
	dev_info(&pdev->dev, "%s: %s card, build %#llx, ring %u slots (%zu KiB), %s\n",
		 dev_name(&nd->dev), nd->emulated ? "emulated (ivshmem)" : "PCIe",
		 nd->build_id, 1u << nd->log2_slots, nd->ring_bytes >> 10,
		 nd->irq >= 0 ? (pdev->msix_enabled ? "MSI-X" : "MSI") :
		 "no interrupt: emulated DMA engine thread wakes readers");
	return 0;

err_irq:
	ndr_irq_teardown(nd);
err_ring:
	ndr_ring_free(nd);
err_unmap:
	pci_iounmap(pdev, nd->bar);
err_master:
	pci_clear_master(pdev);
err_regions:
	pci_release_regions(pdev);
err_disable:
	pci_disable_device(pdev);
err_put:
	put_device(&nd->dev);
	return err;
}

static void ndr_remove(struct pci_dev *pdev)
{
	struct ndr_dev *nd = pci_get_drvdata(pdev);

	cdev_device_del(&nd->cdev, &nd->dev);
	mutex_lock(&nd->lock);
	nd->gone = true;
	ndr_ring_stop(nd);
	ndr_cdev_zap_mappings(nd);
	mutex_unlock(&nd->lock);
	wake_up_interruptible_all(&nd->wq);

	ndr_irq_teardown(nd);
	ndr_ring_free(nd);
	pci_iounmap(pdev, nd->bar);
	pci_clear_master(pdev);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
	pci_set_drvdata(pdev, NULL);
	dev_info(&pdev->dev, "removed\n");
	put_device(&nd->dev);
}

static const struct pci_device_id ndr_pci_ids[] = {
	{ PCI_DEVICE(NDR_PCI_VENDOR, NDR_PCI_DEVICE) },
	{ PCI_DEVICE(NDR_EMU_PCI_VENDOR, NDR_EMU_PCI_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, ndr_pci_ids);

static struct pci_driver ndr_pci_driver = {
	.name = KBUILD_MODNAME,
	.id_table = ndr_pci_ids,
	.probe = ndr_probe,
	.remove = ndr_remove,
};

static int __init ndr_init(void)
{
	int err;

	if (!is_power_of_2(ndr_ring_slots) ||
	    ndr_ring_slots < (1u << NDR_RING_MIN_LOG2) ||
	    ndr_ring_slots > (1u << NDR_RING_MAX_LOG2)) {
		pr_err("ndr: ring_slots=%u must be a power of two in %u..%u\n", ndr_ring_slots,
		       1u << NDR_RING_MIN_LOG2, 1u << NDR_RING_MAX_LOG2);
		return -EINVAL;
	}
	err = alloc_chrdev_region(&ndr_devt, 0, NDR_MAX_DEVS, NDR_DEV_NAME);
	if (err)
		return err;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	ndr_class = class_create(NDR_DEV_NAME);
#else
	ndr_class = class_create(THIS_MODULE, NDR_DEV_NAME);
#endif
	if (IS_ERR(ndr_class)) {
		err = PTR_ERR(ndr_class);
		goto err_region;
	}
	err = pci_register_driver(&ndr_pci_driver);
	if (err)
		goto err_class;
	return 0;

err_class:
	class_destroy(ndr_class);
err_region:
	unregister_chrdev_region(ndr_devt, NDR_MAX_DEVS);
	return err;
}

static void __exit ndr_exit(void)
{
	pci_unregister_driver(&ndr_pci_driver);
	class_destroy(ndr_class);
	unregister_chrdev_region(ndr_devt, NDR_MAX_DEVS);
	ida_destroy(&ndr_minors);
}

module_init(ndr_init);
module_exit(ndr_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ndr network detection card: record ring, /dev/ndrN");
MODULE_VERSION("0.1");
