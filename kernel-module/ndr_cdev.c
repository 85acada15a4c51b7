// SPDX-License-Identifier: GPL-2.0
/*
 * ndr_cdev.c - /dev/ndrN: the ring and its control page by mmap (read-only),
 * poll that wakes on new records, and VFIO-style ioctls (ndr_uapi.h).
 *
 * Several readers may open the device; each sees the same ring. The
 * consumer index is one per card, as in the hardware: NDR_IOC_SET_CONS
 * refuses to move it backwards or past prod, so a confused reader cannot make
 * the card overwrite records another reader has not passed.
 */
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/version.h>

#include "ndr.h"

/* A caller's struct may be newer (larger) than ours, but not absurdly so. */
#define NDR_ARGSZ_MAX 4096u

#define NDR_MMAP_CTRL_OFFSET 0ull
#define NDR_MMAP_RING_OFFSET ((u64)PAGE_SIZE)

static int ndr_open(struct inode *inode, struct file *file)
{
	struct ndr_dev *nd = container_of(inode->i_cdev, struct ndr_dev, cdev);
	struct ndr_file *nf;

	nf = kzalloc(sizeof(*nf), GFP_KERNEL);
	if (!nf)
		return -ENOMEM;
	mutex_lock(&nd->lock);
	if (nd->gone) {
		mutex_unlock(&nd->lock);
		kfree(nf);
		return -ENODEV;
	}
	get_device(&nd->dev);
	nf->nd = nd;
	nf->file = file;
	list_add(&nf->node, &nd->files);
	mutex_unlock(&nd->lock);
	file->private_data = nf;
	return nonseekable_open(inode, file);
}

static int ndr_release(struct inode *inode, struct file *file)
{
	struct ndr_file *nf = file->private_data;
	struct ndr_dev *nd = nf->nd;

	mutex_lock(&nd->lock);
	list_del(&nf->node);
	mutex_unlock(&nd->lock);
	kfree(nf);
	put_device(&nd->dev);
	return 0;
}

/* Called by remove() with nd->lock held: after this no process maps the DMA
 * memory (a later access gets SIGBUS), so it can be freed. */
void ndr_cdev_zap_mappings(struct ndr_dev *nd)
{
	struct ndr_file *nf;

	list_for_each_entry(nf, &nd->files, node)
		unmap_mapping_range(nf->file->f_mapping, 0, 0, 1);
}

static __poll_t ndr_poll(struct file *file, poll_table *wait)
{
	struct ndr_dev *nd = ((struct ndr_file *)file->private_data)->nd;
	__poll_t mask = 0;

	poll_wait(file, &nd->wq, wait);
	mutex_lock(&nd->lock);
	if (nd->gone) {
		mask = EPOLLHUP | EPOLLERR;
	} else if (smp_load_acquire(&nd->ctrl->prod) != READ_ONCE(nd->ctrl->cons) ||
		   READ_ONCE(nd->ctrl->state) == NDR_RING_STATE_DONE) {
		mask = EPOLLIN | EPOLLRDNORM;
	}
	mutex_unlock(&nd->lock);
	return mask;
}

static int ndr_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct ndr_dev *nd = ((struct ndr_file *)file->private_data)->nd;
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	u64 len = vma->vm_end - vma->vm_start;
	int err = -EINVAL;

	if (vma->vm_flags & VM_WRITE)
		return -EACCES;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_clear(vma, VM_MAYWRITE);
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
#else
	vma->vm_flags &= ~VM_MAYWRITE;
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
#endif
	mutex_lock(&nd->lock);
	if (nd->gone) {
		err = -ENODEV;
	} else if (off == NDR_MMAP_CTRL_OFFSET && len <= PAGE_SIZE) {
		err = dma_mmap_coherent(&nd->pdev->dev, vma, nd->ctrl, nd->ctrl_dma, PAGE_SIZE);
	} else if (off >= NDR_MMAP_RING_OFFSET && len <= nd->ring_bytes &&
		   off - NDR_MMAP_RING_OFFSET <= nd->ring_bytes - len) {
		/* dma_mmap_coherent takes vm_pgoff as the offset into the buffer */
		vma->vm_pgoff -= NDR_MMAP_RING_OFFSET >> PAGE_SHIFT;
		err = dma_mmap_coherent(&nd->pdev->dev, vma, nd->ring, nd->ring_dma,
					nd->ring_bytes);
	}
	mutex_unlock(&nd->lock);
	return err;
}

/*
 * VFIO-style argument handling: argsz must cover the fields this command
 * reads (minsz) and be no larger than NDR_ARGSZ_MAX; flags must be ones the
 * command knows. Output goes back for min(argsz, sizeof) bytes.
 */
static int ndr_arg_in(void *karg, size_t ksize, size_t minsz, u32 known_flags,
		      void __user *uarg)
{
	u32 *hdr = karg; /* argsz, flags */

	if (copy_from_user(karg, uarg, minsz))
		return -EFAULT;
	if (hdr[0] < minsz || hdr[0] > NDR_ARGSZ_MAX)
		return -EINVAL;
	if (hdr[1] & ~known_flags)
		return -EINVAL;
	memset((u8 *)karg + minsz, 0, ksize - minsz);
	return 0;
}

static int ndr_arg_out(void __user *uarg, const void *karg, size_t ksize, u32 argsz)
{
	return copy_to_user(uarg, karg, min_t(size_t, ksize, argsz)) ? -EFAULT : 0;
}

static long ndr_ioc_info(struct ndr_dev *nd, void __user *uarg)
{
	struct ndr_ioc_info a;
	int err = ndr_arg_in(&a, sizeof(a), offsetofend(struct ndr_ioc_info, flags), 0, uarg);

	if (err)
		return err;
	a.flags = (nd->running ? NDR_INFO_F_RUNNING : 0) |
		  (nd->emulated ? NDR_INFO_F_EMULATED : 0);
	a.log2_slots = nd->log2_slots;
	a.abi_version = NDR_ABI_VERSION;
	a.build_id = nd->build_id;
	a.ctrl_offset = NDR_MMAP_CTRL_OFFSET;
	a.ctrl_size = PAGE_SIZE;
	a.ring_offset = NDR_MMAP_RING_OFFSET;
	a.ring_size = nd->ring_bytes;
	return ndr_arg_out(uarg, &a, sizeof(a), a.argsz);
}

static long ndr_ioc_counters(struct ndr_dev *nd, void __user *uarg)
{
	struct ndr_ioc_counters a;
	int err = ndr_arg_in(&a, sizeof(a), offsetofend(struct ndr_ioc_counters, flags), 0, uarg);

	if (err)
		return err;
	a.packets = ndr_rd64(nd, NDR_STATS_REG(packets_lo), NDR_STATS_REG(packets_hi));
	a.bytes = ndr_rd64(nd, NDR_STATS_REG(bytes_lo), NDR_STATS_REG(bytes_hi));
	a.records = ndr_rd64(nd, NDR_STATS_REG(records_lo), NDR_STATS_REG(records_hi));
	a.dropped = ndr_rd64(nd, NDR_STATS_REG(dropped_lo), NDR_STATS_REG(dropped_hi));
	a.parse_errors = ndr_rd64(nd, NDR_STATS_REG(parse_errors_lo),
				  NDR_STATS_REG(parse_errors_hi));
	a.interrupts = atomic64_read(&nd->interrupts);
	a.wakeups = atomic64_read(&nd->wakeups);
	a.prod = smp_load_acquire(&nd->ctrl->prod);
	a.cons = READ_ONCE(nd->ctrl->cons);
	a.rx_overrun = NDR_STAT(nd, rx_overrun);
	a.dns_dropped = NDR_STAT(nd, dns_dropped);
	a.tls_dropped = NDR_STAT(nd, tls_dropped);
	a.link_dropped = NDR_STAT(nd, link_dropped);
	a.non_ip = NDR_STAT(nd, non_ip);
	a.dns_messages = NDR_STAT(nd, dns_messages);
	a.dns_errors = NDR_STAT(nd, dns_errors);
	a.tls_hellos = NDR_STAT(nd, tls_hellos);
	a.flows_active = NDR_STAT(nd, flows_active);
	a.flows_created = NDR_STAT(nd, flows_created);
	a.flows_evicted = NDR_STAT(nd, flows_evicted);
	a.flows_dns_only = NDR_STAT(nd, flows_dns_only);
	return ndr_arg_out(uarg, &a, sizeof(a), a.argsz);
}

static long ndr_ioc_run(struct ndr_dev *nd, unsigned int cmd, void __user *uarg)
{
	struct ndr_ioc_run a;
	bool was_running = nd->running;
	int err = ndr_arg_in(&a, sizeof(a), offsetofend(struct ndr_ioc_run, flags), 0, uarg);

	if (err)
		return err;
	if (cmd == NDR_IOC_START)
		err = ndr_ring_start(nd, &was_running);
	else
		ndr_ring_stop(nd);
	if (err)
		return err;
	a.flags = was_running ? NDR_RUN_F_WAS_RUNNING : 0;
	return ndr_arg_out(uarg, &a, sizeof(a), a.argsz);
}

static long ndr_ioc_set_cons(struct ndr_dev *nd, void __user *uarg)
{
	struct ndr_ioc_cons a;
	int err = ndr_arg_in(&a, sizeof(a), offsetofend(struct ndr_ioc_cons, cons), 0, uarg);

	if (err)
		return err;
	return ndr_ring_set_cons(nd, a.cons);
}

static long ndr_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct ndr_dev *nd = ((struct ndr_file *)file->private_data)->nd;
	void __user *uarg = (void __user *)arg;
	long err;

	mutex_lock(&nd->lock);
	if (nd->gone) {
		err = -ENODEV;
		goto out;
	}
	switch (cmd) {
	case NDR_IOC_INFO:
		err = ndr_ioc_info(nd, uarg);
		break;
	case NDR_IOC_COUNTERS:
		err = ndr_ioc_counters(nd, uarg);
		break;
	case NDR_IOC_START:
	case NDR_IOC_STOP:
		err = ndr_ioc_run(nd, cmd, uarg);
		break;
	case NDR_IOC_SET_CONS:
		err = ndr_ioc_set_cons(nd, uarg);
		break;
	default:
		err = -ENOTTY;
		break;
	}
out:
	mutex_unlock(&nd->lock);
	return err;
}

const struct file_operations ndr_fops = {
	.owner = THIS_MODULE,
	.open = ndr_open,
	.release = ndr_release,
	.poll = ndr_poll,
	.mmap = ndr_mmap,
	.unlocked_ioctl = ndr_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};
