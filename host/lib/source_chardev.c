/*
 * source_chardev.c - ndr.ko's /dev/ndrN as a card source.
 *
 * The ring and its control page are mapped read-only (ndr_uapi.h); the ring
 * reader walks them in place and gives slots back through NDR_IOC_SET_CONS
 * once per batch (the reader's publish hook), never once per record. poll()
 * sleeps until the card (its interrupt, or the emulated DMA engine) says
 * there are records. The consumer runs on the card's NUMA node, read from
 * /sys/class/ndr/ndrN/device/numa_node, unless the user chose one.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ndr_numa.h"
#include "ndr_source.h"
#include "ndr_uapi.h"

struct chardev_source {
	struct ndr_source base;
	int fd;
	struct ndr_ioc_info info;
	void *ctrl_map;
	void *ring_map;
	int started;               /* this source started the card */
	int publish_errno;         /* a SET_CONS failed: reported by pump */
	volatile int stop_requested;
};

static void chardev_publish(void *arg, uint32_t cons)
{
	struct chardev_source *s = arg;
	struct ndr_ioc_cons c = { .argsz = sizeof(c), .cons = cons };

	if (ioctl(s->fd, NDR_IOC_SET_CONS, &c) != 0 && !s->publish_errno)
		s->publish_errno = errno;
}

static const struct ndr_ring_ctrl *ctrl_of(const struct chardev_source *s)
{
	return s->ctrl_map;
}

static int chardev_pump(struct ndr_source *base, int timeout_ms, char *err, size_t errlen)
{
	struct chardev_source *s = (struct chardev_source *)base;
	struct pollfd p = { .fd = s->fd, .events = POLLIN };

	if (s->publish_errno) {
		snprintf(err, errlen, "%s: giving slots back to the card: %s", base->desc,
			 strerror(s->publish_errno));
		return NDR_SRC_ERROR;
	}
	if (ndr_ring_available(&base->reader))
		return NDR_SRC_RECORDS;
	if (s->stop_requested ||
	    __atomic_load_n(&ctrl_of(s)->state, __ATOMIC_ACQUIRE) == NDR_RING_STATE_DONE)
		return ndr_ring_available(&base->reader) ? NDR_SRC_RECORDS : NDR_SRC_END;
	if (poll(&p, 1, timeout_ms) < 0) {
		if (errno == EINTR)
			return NDR_SRC_IDLE;
		snprintf(err, errlen, "%s: poll: %s", base->desc, strerror(errno));
		return NDR_SRC_ERROR;
	}
	if (p.revents & (POLLHUP | POLLERR)) {
		snprintf(err, errlen, "%s: the card went away (unplugged or driver unbound)",
			 base->desc);
		return NDR_SRC_ERROR;
	}
	return ndr_ring_available(&base->reader) ||
	       __atomic_load_n(&ctrl_of(s)->state, __ATOMIC_ACQUIRE) == NDR_RING_STATE_DONE
		       ? NDR_SRC_RECORDS : NDR_SRC_IDLE;
}

static void chardev_stop(struct ndr_source *base)
{
	((struct chardev_source *)base)->stop_requested = 1;
}

static void chardev_get_stats(struct ndr_source *base, struct ndr_source_stats *st)
{
	struct chardev_source *s = (struct chardev_source *)base;
	struct ndr_ioc_counters c = { .argsz = sizeof(c) };

	memset(st, 0, sizeof(*st));
	if (ioctl(s->fd, NDR_IOC_COUNTERS, &c) != 0)
		return;
	st->card.frames = c.packets;
	st->card.bytes = c.bytes;
	st->card.records_written = c.records;
	st->card.records_dropped = c.dropped;
	st->card.parse_errors = c.parse_errors;
	st->card.rx_overrun = c.rx_overrun;
	st->card.dns_dropped = c.dns_dropped;
	st->card.tls_dropped = c.tls_dropped;
	st->card.records_link_dropped = c.link_dropped;
	st->card.non_ip = c.non_ip;
	st->card.dns_messages = c.dns_messages;
	st->card.dns_errors = c.dns_errors;
	st->card.tls_hellos = c.tls_hellos;
	st->card.flows_active = c.flows_active;
	st->card.flows_created = c.flows_created;
	st->card.flows_evicted = c.flows_evicted;
	st->card.flows_dns_only = c.flows_dns_only;
}

static void chardev_close(struct ndr_source *base)
{
	struct chardev_source *s = (struct chardev_source *)base;

	if (s->ring_map && s->ring_map != MAP_FAILED)
		munmap(s->ring_map, s->info.ring_size);
	if (s->ctrl_map && s->ctrl_map != MAP_FAILED)
		munmap(s->ctrl_map, s->info.ctrl_size);
	if (s->fd >= 0) {
		if (s->started) {
			struct ndr_ioc_run r = { .argsz = sizeof(r) };

			ioctl(s->fd, NDR_IOC_STOP, &r);
		}
		close(s->fd);
	}
	free(s);
}

static const struct ndr_source_ops chardev_ops = {
	.kind = "chardev",
	.pump = chardev_pump,
	.stop = chardev_stop,
	.get_stats = chardev_get_stats,
	.close = chardev_close,
};

/* /dev/ndr3 -> /sys/class/ndr/ndr3/device */
static int card_numa_node(const char *path)
{
	const char *name = strrchr(path, '/');
	char dir[256];

	snprintf(dir, sizeof(dir), "/sys/class/" NDR_DEV_NAME "/%s/device", name ? name + 1 : path);
	return ndr_numa_node_of_sysfs(dir);
}

struct ndr_source *ndr_source_chardev_open(const char *path, const struct ndr_source_opts *o,
					   char *err, size_t errlen)
{
	struct chardev_source *s = calloc(1, sizeof(*s));
	struct ndr_ioc_run run = { .argsz = sizeof(run) };
	int node;

	if (!s) {
		snprintf(err, errlen, "chardev:%s: out of memory", path);
		return NULL;
	}
	s->base.ops = &chardev_ops;
	snprintf(s->base.desc, sizeof(s->base.desc), "chardev:%s", path);
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0) {
		snprintf(err, errlen, "%s: %s%s", s->base.desc, strerror(errno),
			 errno == ENOENT ? " (is ndr.ko loaded and the card bound?)" : "");
		goto fail;
	}
	s->info.argsz = sizeof(s->info);
	if (ioctl(s->fd, NDR_IOC_INFO, &s->info) != 0) {
		snprintf(err, errlen, "%s: NDR_IOC_INFO: %s (not an ndr device, or another driver version)",
			 s->base.desc, strerror(errno));
		goto fail;
	}
	if (s->info.abi_version != NDR_ABI_VERSION ||
	    s->info.log2_slots < NDR_RING_MIN_LOG2 || s->info.log2_slots > NDR_RING_MAX_LOG2 ||
	    s->info.ring_size != (uint64_t)NDR_SLOT_BYTES << s->info.log2_slots ||
	    s->info.ctrl_size < sizeof(struct ndr_ring_ctrl)) {
		snprintf(err, errlen, "%s: card speaks ABI %u with a ring of 2^%u slots; this build speaks ABI %u",
			 s->base.desc, s->info.abi_version, s->info.log2_slots, NDR_ABI_VERSION);
		goto fail;
	}
	node = card_numa_node(path);
	s->base.numa_node = o->numa_node >= 0 ? o->numa_node : node;
	if (o->numa_node < 0 && ndr_numa_pin(node, err, errlen))
		goto fail;
	s->ctrl_map = mmap(NULL, s->info.ctrl_size, PROT_READ, MAP_SHARED, s->fd,
			   (off_t)s->info.ctrl_offset);
	s->ring_map = s->ctrl_map == MAP_FAILED ? MAP_FAILED
		    : mmap(NULL, s->info.ring_size, PROT_READ, MAP_SHARED, s->fd,
			   (off_t)s->info.ring_offset);
	if (s->ctrl_map == MAP_FAILED || s->ring_map == MAP_FAILED) {
		snprintf(err, errlen, "%s: mmap of the %s: %s", s->base.desc,
			 s->ctrl_map == MAP_FAILED ? "control page" : "ring", strerror(errno));
		goto fail;
	}
	if (ioctl(s->fd, NDR_IOC_START, &run) != 0) {
		snprintf(err, errlen, "%s: starting the card: %s", s->base.desc, strerror(errno));
		goto fail;
	}
	s->started = !(run.flags & NDR_RUN_F_WAS_RUNNING);
	/* The reader only reads the control page: the publish hook moves cons. */
	ndr_ring_reader_init(&s->base.reader, s->ring_map, s->info.log2_slots,
			     (struct ndr_ring_ctrl *)s->ctrl_map, o->batch_slots);
	s->base.reader.publish = chardev_publish;
	s->base.reader.publish_arg = s;
	return &s->base;
fail:
	chardev_close(&s->base);
	return NULL;
}
