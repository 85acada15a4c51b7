/*
 * workers_config.c - how many detector workers, and the detectors' seed.
 */
#include <sched.h>
#include <stdio.h>
#include <time.h>
#include <sys/random.h>

#include "sensor.h"

/* The CPUs this process may run on: after the source pinned it to the
 * card's NUMA node (or --numa-node did), the cores of that node. */
static unsigned usable_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 1;
	return (unsigned)CPU_COUNT(&set);
}

int sensor_workers(struct ndr_config *cfg, const struct sensor_opts *o,
		   const struct ndr_source *src, unsigned *workers, char *err, size_t errlen)
{
	uint64_t v;
	unsigned cpus, busy;

	if (ndr_config_u64(cfg, "sensor", "workers", 0, 0, NDR_WORKERS_MAX, &v, err, errlen))
		return -1;
	if (o->workers)
		v = o->workers;       /* the command line wins */
	if (v) {
		*workers = (unsigned)v;
		return 0;
	}
	/* The cores left once the consumer and the source's own threads
	 * (capture reader, emulated pipelines) have theirs. */
	cpus = usable_cpus();
	busy = 1 + src->threads;
	*workers = cpus > busy ? cpus - busy : 1;
	return 0;
}

uint64_t sensor_seed(const struct ndr_source *src)
{
	uint64_t seed;

	/* A replay must repeat, so its hashes are keyed the same every time;
	 * live traffic gets a secret key, so nobody can aim at collisions. */
	if (src->replay)
		return 0x6e64722d7265706cull;   /* "ndr-repl" */
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull;
	return seed | 1;
}
