// SPDX-License-Identifier: GPL-2.0
/*
 * ndr_sysfs.c - counters in /sys/class/ndr/ndrN/: what an operator checks
 * first (is the card writing, is it dropping, is anyone reading).
 */
#include <linux/device.h>
#include <linux/sysfs.h>

#include "ndr.h"

enum ndr_attr_what { NDR_A_RECORDS, NDR_A_DROPS, NDR_A_OCCUPANCY };

static ssize_t ndr_show_card(struct device *dev, char *buf, enum ndr_attr_what what)
{
	struct ndr_dev *nd = container_of(dev, struct ndr_dev, dev);
	u64 v = 0;

	mutex_lock(&nd->lock);
	if (nd->gone) {
		mutex_unlock(&nd->lock);
		return -ENODEV;
	}
	if (what == NDR_A_RECORDS)
		v = ndr_rd64(nd, NDR_STATS_REG(records_lo), NDR_STATS_REG(records_hi));
	else if (what == NDR_A_DROPS)
		v = ndr_rd64(nd, NDR_STATS_REG(dropped_lo), NDR_STATS_REG(dropped_hi));
	else
		v = (u32)(smp_load_acquire(&nd->ctrl->prod) - READ_ONCE(nd->ctrl->cons));
	mutex_unlock(&nd->lock);
	return sysfs_emit(buf, "%llu\n", v);
}

static ssize_t records_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return ndr_show_card(dev, buf, NDR_A_RECORDS);
}
static DEVICE_ATTR_RO(records);

static ssize_t drops_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return ndr_show_card(dev, buf, NDR_A_DROPS);
}
static DEVICE_ATTR_RO(drops);

static ssize_t ring_occupancy_show(struct device *dev, struct device_attribute *attr,
				   char *buf)
{
	return ndr_show_card(dev, buf, NDR_A_OCCUPANCY);
}
static DEVICE_ATTR_RO(ring_occupancy);

/*
 * Every loss the card counts, by where it happened (ndr_abi.h heartbeat),
 * and what it saw: one file each, the stats block's counter of that name.
 */
static ssize_t ndr_show_stat(struct device *dev, char *buf, u32 lo, u32 hi)
{
	struct ndr_dev *nd = container_of(dev, struct ndr_dev, dev);
	u64 v;

	mutex_lock(&nd->lock);
	if (nd->gone) {
		mutex_unlock(&nd->lock);
		return -ENODEV;
	}
	v = ndr_rd64(nd, nd->off_stats + lo, nd->off_stats + hi);
	mutex_unlock(&nd->lock);
	return sysfs_emit(buf, "%llu\n", v);
}

#define NDR_STAT_ATTR(name)							\
static ssize_t name##_show(struct device *dev, struct device_attribute *attr,	\
			   char *buf)						\
{										\
	return ndr_show_stat(dev, buf, offsetof(struct ndr_reg_stats, name##_lo), \
			     offsetof(struct ndr_reg_stats, name##_hi));	\
}										\
static DEVICE_ATTR_RO(name)

NDR_STAT_ATTR(rx_overrun);
NDR_STAT_ATTR(dns_dropped);
NDR_STAT_ATTR(tls_dropped);
NDR_STAT_ATTR(link_dropped);
NDR_STAT_ATTR(packets);
NDR_STAT_ATTR(dns_messages);
NDR_STAT_ATTR(tls_hellos);
NDR_STAT_ATTR(flows_active);
NDR_STAT_ATTR(flows_dns_only);

static ssize_t interrupts_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct ndr_dev *nd = container_of(dev, struct ndr_dev, dev);

	return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(&nd->interrupts));
}
static DEVICE_ATTR_RO(interrupts);

static ssize_t ring_slots_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct ndr_dev *nd = container_of(dev, struct ndr_dev, dev);

	return sysfs_emit(buf, "%u\n", 1u << nd->log2_slots);
}
static DEVICE_ATTR_RO(ring_slots);

static ssize_t build_id_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct ndr_dev *nd = container_of(dev, struct ndr_dev, dev);

	return sysfs_emit(buf, "%#llx\n", nd->build_id);
}
static DEVICE_ATTR_RO(build_id);

static ssize_t emulated_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct ndr_dev *nd = container_of(dev, struct ndr_dev, dev);

	return sysfs_emit(buf, "%d\n", nd->emulated);
}
static DEVICE_ATTR_RO(emulated);

static ssize_t running_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct ndr_dev *nd = container_of(dev, struct ndr_dev, dev);

	return sysfs_emit(buf, "%d\n", READ_ONCE(nd->running));
}
static DEVICE_ATTR_RO(running);

static struct attribute *ndr_attrs[] = {
	&dev_attr_records.attr,
	&dev_attr_drops.attr,
	&dev_attr_interrupts.attr,
	&dev_attr_ring_occupancy.attr,
	&dev_attr_ring_slots.attr,
	&dev_attr_build_id.attr,
	&dev_attr_emulated.attr,
	&dev_attr_running.attr,
	&dev_attr_rx_overrun.attr,
	&dev_attr_dns_dropped.attr,
	&dev_attr_tls_dropped.attr,
	&dev_attr_link_dropped.attr,
	&dev_attr_packets.attr,
	&dev_attr_dns_messages.attr,
	&dev_attr_tls_hellos.attr,
	&dev_attr_flows_active.attr,
	&dev_attr_flows_dns_only.attr,
	NULL,
};

static const struct attribute_group ndr_group = {
	.attrs = ndr_attrs,
};

const struct attribute_group *ndr_groups[] = {
	&ndr_group,
	NULL,
};
