// SPDX-License-Identifier: GPL-2.0
/*
 * The kdump crash kernel window: fault injection, for tests only
 * (CONFIG_KDUMP_IOMMU_RESERVE_DEBUG).
 *
 * - fail_kdump_iommu_window=<interval>,<probability>,<space>,<times>
 *   makes mapping the window into a group fail when a crash image is
 *   loaded, in the format of Documentation/fault-injection/;
 * - /sys/kernel/debug/kdump_iommu/damage unmaps the first page of the
 *   window from a device's domain, as a stray write to its page tables
 *   would, and taints the kernel: the kdump kernel must then find the
 *   window partial and take the usual path.
 *
 * Copyright (C) 2026 The kdump-iommu authors
 */

#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/uaccess.h>

#include "kdump_iommu.h"

static DECLARE_FAULT_ATTR(kdump_iommu_fail_window);

static int __init kdump_iommu_fail_setup(char *str)
{
	return setup_fault_attr(&kdump_iommu_fail_window, str);
}
__setup("fail_kdump_iommu_window=", kdump_iommu_fail_setup);

bool kdump_iommu_fail_arm(void)
{
	return should_fail(&kdump_iommu_fail_window, 1);
}

struct kdump_iommu_damage {
	struct device *dev;
	u64 iova;
	size_t unmapped;
	int ret;
};

/* With the group's lock held, so that its domain stays. */
static int kdump_iommu_damage_member(struct device *dev, void *data)
{
	struct kdump_iommu_damage *d = data;
	struct iommu_domain *domain;

	if (dev != d->dev)
		return 0;
	domain = iommu_get_domain_for_dev(dev);
	if (domain && iommu_is_dma_domain(domain))
		d->unmapped = kdump_iommu_damage_domain(domain, &d->iova);
	d->ret = d->unmapped ? 0 : -ENXIO;
	return 1;
}

static ssize_t kdump_iommu_damage_write(struct file *file,
					const char __user *ubuf,
					size_t count, loff_t *ppos)
{
	struct kdump_iommu_damage d = {};
	struct iommu_group *group;
	struct pci_dev *pdev = NULL, *found = NULL;
	char name[64];

	if (count >= sizeof(name))
		return -EINVAL;
	if (copy_from_user(name, ubuf, count))
		return -EFAULT;
	name[count] = '\0';
	strim(name);
	if (!*name || strchr(name, ';'))
		return -EINVAL;
	for_each_pci_dev(pdev) {
		int ret = kdump_iommu_match_targets(pdev, name);

		if (ret < 0) {
			pci_dev_put(pdev);
			pci_dev_put(found);
			return ret;
		}
		if (ret && found) {	/* one device only */
			pci_dev_put(pdev);
			pci_dev_put(found);
			return -EINVAL;
		}
		if (ret)
			found = pci_dev_get(pdev);
	}
	if (!found)
		return -ENODEV;
	group = iommu_group_get(&found->dev);
	d.dev = &found->dev;
	d.ret = -ENXIO;
	if (group) {
		iommu_group_for_each_dev(group, &d, kdump_iommu_damage_member);
		iommu_group_put(group);
	}
	if (!d.ret) {
		pci_warn(found, "kdump_iommu: damaged the crash kernel window for testing (%zu bytes unmapped at %#llx)\n",
			 d.unmapped, d.iova);
		add_taint(TAINT_USER, LOCKDEP_STILL_OK);
	}
	pci_dev_put(found);
	return d.ret ?: count;
}

static const struct file_operations kdump_iommu_damage_fops = {
	.write = kdump_iommu_damage_write,
	.llseek = noop_llseek,
};

void kdump_iommu_debugfs_init(struct dentry *dir)
{
	debugfs_create_file("damage", 0200, dir, NULL, &kdump_iommu_damage_fops);
}
