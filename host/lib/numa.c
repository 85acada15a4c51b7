/*
 * numa.c - NUMA placement through libnuma (see ndr_numa.h).
 */
#include <errno.h>
#include <numa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ndr_numa.h"

int ndr_numa_node_of_sysfs(const char *device_dir)
{
	char path[512];
	FILE *f;
	int node = -1;

	snprintf(path, sizeof(path), "%s/numa_node", device_dir);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &node) != 1)
		node = -1;
	fclose(f);
	return node;
}

int ndr_numa_pin(int node, char *err, size_t errlen)
{
	if (node < 0 || numa_available() < 0)
		return 0;
	if (node > numa_max_node()) {
		snprintf(err, errlen, "numa: node %d does not exist (max %d)", node,
			 numa_max_node());
		return -1;
	}
	if (numa_run_on_node(node) != 0) {
		snprintf(err, errlen, "numa: cannot run on node %d: %s", node, strerror(errno));
		return -1;
	}
	numa_set_preferred(node);
	return 0;
}

void *ndr_numa_alloc(size_t bytes, int node)
{
	void *p;

	if (node >= 0 && numa_available() >= 0 && node <= numa_max_node()) {
		p = numa_alloc_onnode(bytes, node);
		if (p)
			memset(p, 0, bytes);
		return p;
	}
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void ndr_numa_free(void *p, size_t bytes)
{
	if (!p)
		return;
	/* numa_alloc_onnode memory is mmap'd too, so munmap frees either kind. */
	munmap(p, bytes);
}
