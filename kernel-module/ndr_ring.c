// SPDX-License-Identifier: GPL-2.0
/*
 * ndr_ring.c - the record ring in host memory, starting and stopping the
 * card, the interrupt, and (for the ivshmem card) the emulated DMA engine.
 *
 * The ring and its control page are separate coherent allocations: the
 * control page is exactly one page for any ring size, and neither needs an
 * allocation larger than the ring itself.
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/pci.h>

#include "ndr.h"

/* A real card clears RESET within microseconds; the emulated card is a
 * process on the host, polled every millisecond. */
#define NDR_RESET_TIMEOUT_MS 2000

int ndr_ring_alloc(struct ndr_dev *nd)
{
	struct device *d = &nd->pdev->dev;

	nd->ctrl = dma_alloc_coherent(d, PAGE_SIZE, &nd->ctrl_dma, GFP_KERNEL);
	if (!nd->ctrl) {
		dev_err(d, "cannot allocate the ring control page\n");
		return -ENOMEM;
	}
	nd->ring = dma_alloc_coherent(d, nd->ring_bytes, &nd->ring_dma, GFP_KERNEL);
	if (!nd->ring) {
		dev_err(d, "cannot allocate a ring of %zu bytes (ring_slots=%u): lower ring_slots\n",
			nd->ring_bytes, 1u << nd->log2_slots);
		dma_free_coherent(d, PAGE_SIZE, nd->ctrl, nd->ctrl_dma);
		nd->ctrl = NULL;
		return -ENOMEM;
	}
	nd->ctrl->log2_slots = nd->log2_slots;
	nd->ctrl->abi_version = NDR_ABI_VERSION;
	nd->ctrl->state = NDR_RING_STATE_STOPPED;
	return 0;
}

void ndr_ring_free(struct ndr_dev *nd)
{
	struct device *d = &nd->pdev->dev;

	if (nd->ring)
		dma_free_coherent(d, nd->ring_bytes, nd->ring, nd->ring_dma);
	if (nd->ctrl)
		dma_free_coherent(d, PAGE_SIZE, nd->ctrl, nd->ctrl_dma);
	nd->ring = NULL;
	nd->ctrl = NULL;
}

/* Tell the card where the ring is; the card stays disabled. */
void ndr_ring_program(struct ndr_dev *nd)
{
	ndr_wr(nd, NDR_RING_REG(control), 0);
	ndr_wr(nd, NDR_RING_REG(base_lo), lower_32_bits(nd->ring_dma));
	ndr_wr(nd, NDR_RING_REG(base_hi), upper_32_bits(nd->ring_dma));
	ndr_wr(nd, NDR_RING_REG(ctrl_lo), lower_32_bits(nd->ctrl_dma));
	ndr_wr(nd, NDR_RING_REG(ctrl_hi), upper_32_bits(nd->ctrl_dma));
	ndr_wr(nd, NDR_RING_REG(log2_slots), nd->log2_slots);
	ndr_wr(nd, NDR_RING_REG(irq_coalesce_recs), ndr_irq_coalesce_recs);
	ndr_wr(nd, NDR_RING_REG(irq_coalesce_us), ndr_irq_coalesce_us);
	ndr_wr(nd, NDR_RING_REG(cons), 0);
}

static void ndr_wake(struct ndr_dev *nd)
{
	atomic64_inc(&nd->wakeups);
	wake_up_interruptible_all(&nd->wq);
}

/*
 * The emulated DMA engine. The card process writes records into the staging
 * ring in BAR2 and its prod into the staging control block; this thread
 * copies the new slots to the same indices of the host ring (so phase bits,
 * pads and drop notices are the card's own), publishes prod in the host
 * control page, mirrors the card's end-of-capture state, and stands in for
 * the interrupt: it wakes pollers after irq_coalesce_recs slots, or
 * irq_coalesce_us after the first unsignalled one. The card never overwrites
 * a staging slot before the consumer index passed it, and the consumer index
 * never passes what this thread published, so a copy never races the card.
 */
static int ndr_mover(void *arg)
{
	struct ndr_dev *nd = arg;
	const u32 size = 1u << nd->log2_slots, mask = size - 1;
	u32 prod = 0, pending = 0;
	u64 first_pending_ns = 0;
	bool done = false;

	while (!kthread_should_stop()) {
		/* The card writes its final prod before DONE: read them in
		 * the other order, so DONE seen means this prod is final. */
		u32 state = ioread32(nd->emu_ctrl + offsetof(struct ndr_ring_ctrl, state));
		u32 card_prod = ioread32(nd->emu_ctrl + offsetof(struct ndr_ring_ctrl, prod));
		u32 n = card_prod - prod;
		bool woke = false;

		rmb(); /* slots after the prod that covers them */
		if (n > size) {
			dev_err_ratelimited(&nd->pdev->dev,
					    "emulated card: prod %u is more than a ring ahead of %u; resynchronising\n",
					    card_prod, prod);
			prod = card_prod - size;
			n = size;
		}
		while (prod != card_prod) {
			u32 idx = prod & mask, chunk = min(card_prod - prod, size - idx);

			memcpy_fromio((u8 *)nd->ring + (size_t)idx * NDR_SLOT_BYTES,
				      nd->emu_slots + (size_t)idx * NDR_SLOT_BYTES,
				      (size_t)chunk * NDR_SLOT_BYTES);
			prod += chunk;
		}
		if (n) {
			smp_store_release(&nd->ctrl->prod, prod);
			if (!pending)
				first_pending_ns = ktime_get_ns();
			pending += n;
		}
		if (state == NDR_RING_STATE_DONE && !done) {
			smp_store_release(&nd->ctrl->state, NDR_RING_STATE_DONE);
			done = true;
			woke = true;
		}
		if (pending && (pending >= ndr_irq_coalesce_recs ||
				ktime_get_ns() - first_pending_ns >= ndr_irq_coalesce_us * 1000ull))
			woke = true;
		if (woke) {
			atomic64_inc(&nd->interrupts);
			ndr_wake(nd);
			pending = 0;
		}
		if (!n)
			usleep_range(500, 1000);
		else
			cond_resched();
	}
	return 0;
}

static int ndr_reset_card(struct ndr_dev *nd)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(NDR_RESET_TIMEOUT_MS);

	ndr_wr(nd, NDR_RING_REG(control), NDR_RING_CTL_RESET);
	while (ndr_rd(nd, NDR_RING_REG(control)) & NDR_RING_CTL_RESET) {
		if (time_after(jiffies, deadline)) {
			dev_err(&nd->pdev->dev, "card did not finish a ring reset within %d ms%s\n",
				NDR_RESET_TIMEOUT_MS,
				nd->emulated ? " (is the emulated card process running?)" : "");
			ndr_wr(nd, NDR_RING_REG(control), 0);
			return -ETIMEDOUT;
		}
		usleep_range(200, 1000);
	}
	return 0;
}

int ndr_ring_start(struct ndr_dev *nd, bool *was_running)
{
	int err;

	*was_running = nd->running;
	if (nd->running)
		return 0;
	err = ndr_reset_card(nd);
	if (err)
		return err;
	memset(nd->ring, 0, nd->ring_bytes);
	WRITE_ONCE(nd->ctrl->prod, 0);
	WRITE_ONCE(nd->ctrl->cons, 0);
	WRITE_ONCE(nd->ctrl->state, NDR_RING_STATE_RUNNING);
	ndr_ring_program(nd);
	if (nd->emulated) {
		nd->mover = kthread_run(ndr_mover, nd, "ndr%d-dma", nd->minor);
		if (IS_ERR(nd->mover)) {
			err = PTR_ERR(nd->mover);
			nd->mover = NULL;
			WRITE_ONCE(nd->ctrl->state, NDR_RING_STATE_STOPPED);
			return err;
		}
	}
	wmb(); /* ring and control page before the card may write */
	ndr_wr(nd, NDR_RING_REG(control),
	       NDR_RING_CTL_ENABLE | (nd->irq >= 0 ? NDR_RING_CTL_IRQ_EN : 0));
	nd->running = true;
	return 0;
}

void ndr_ring_stop(struct ndr_dev *nd)
{
	if (!nd->running)
		return;
	ndr_wr(nd, NDR_RING_REG(control), 0);
	ndr_rd(nd, NDR_RING_REG(control)); /* flush the posted write */
	if (nd->mover) {
		kthread_stop(nd->mover);
		nd->mover = NULL;
	}
	if (READ_ONCE(nd->ctrl->state) == NDR_RING_STATE_RUNNING)
		WRITE_ONCE(nd->ctrl->state, NDR_RING_STATE_STOPPED);
	nd->running = false;
	ndr_wake(nd);
}

int ndr_ring_set_cons(struct ndr_dev *nd, u32 cons)
{
	u32 old = READ_ONCE(nd->ctrl->cons);
	u32 prod = smp_load_acquire(&nd->ctrl->prod);

	if (cons - old > prod - old)
		return -EINVAL;
	WRITE_ONCE(nd->ctrl->cons, cons);
	ndr_wr(nd, NDR_RING_REG(cons), cons);
	return 0;
}

static irqreturn_t ndr_irq(int irq, void *arg)
{
	struct ndr_dev *nd = arg;

	atomic64_inc(&nd->interrupts);
	ndr_wake(nd);
	return IRQ_HANDLED;
}

/* MSI-X, else MSI. The emulated card has neither (ivshmem-plain): there the
 * mover thread plays the interrupt. */
int ndr_irq_setup(struct ndr_dev *nd)
{
	struct pci_dev *pdev = nd->pdev;
	int err;

	err = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSIX | PCI_IRQ_MSI);
	if (err < 0) {
		if (nd->emulated)
			return 0;
		dev_err(&pdev->dev, "no MSI-X or MSI vector: %d\n", err);
		return err;
	}
	nd->irq = pci_irq_vector(pdev, 0);
	err = request_irq(nd->irq, ndr_irq, 0, KBUILD_MODNAME, nd);
	if (err) {
		dev_err(&pdev->dev, "cannot request irq %d: %d\n", nd->irq, err);
		pci_free_irq_vectors(pdev);
		nd->irq = -1;
		return err;
	}
	return 0;
}

void ndr_irq_teardown(struct ndr_dev *nd)
{
	if (nd->irq < 0)
		return;
	free_irq(nd->irq, nd);
	pci_free_irq_vectors(nd->pdev);
	nd->irq = -1;
}
