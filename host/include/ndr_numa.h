/*
 * ndr_numa.h - keep the consumer and its ring on the card's NUMA node.
 *
 * A 100G card's records land in host memory by DMA; reading them from the
 * other socket costs a remote access per cache line, so the ring is allocated
 * on the card's node and the consumer thread runs there.
 */
#ifndef NDR_NUMA_H
#define NDR_NUMA_H

#include <stddef.h>

/* The NUMA node of a PCI device from sysfs (e.g. /sys/class/ndr/ndr0/device),
 * -1 when unknown or the machine is not NUMA. */
int ndr_numa_node_of_sysfs(const char *device_dir);

/* Run the calling thread on node and prefer its memory. 0 on success or
 * when there is nothing to do (node < 0, no NUMA); -1 with err otherwise. */
int ndr_numa_pin(int node, char *err, size_t errlen);

/* Zeroed, page-aligned memory on node (any node if node < 0). */
void *ndr_numa_alloc(size_t bytes, int node);
void ndr_numa_free(void *p, size_t bytes);

#endif
