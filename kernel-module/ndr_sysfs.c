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
	NULL,
};

static const struct attribute_group ndr_group = {
	.attrs = ndr_attrs,
};

const struct attribute_group *ndr_groups[] = {
	&ndr_group,
	NULL,
};
