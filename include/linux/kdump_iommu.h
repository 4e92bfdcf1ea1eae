/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kdump crash kernel window: while a crash kernel is loaded, the
 * memory reserved with crashkernel= is mapped 1:1 (IOVA == physical
 * address) for the devices the dump uses, so that a kdump kernel can do
 * its I/O through the IOMMU translation the crashed kernel leaves behind.
 * See Documentation/admin-guide/kdump/iommu.rst.
 *
 * This is what other subsystems call: kexec.  The rest is in
 * drivers/iommu/kdump_iommu.h.
 */
#ifndef _LINUX_KDUMP_IOMMU_H
#define _LINUX_KDUMP_IOMMU_H

#include <linux/types.h>

/**
 * struct kdump_iommu_range - a range of physical (and IO virtual) addresses
 * @start: first address
 * @end: last address (inclusive, as in struct resource)
 */
struct kdump_iommu_range {
	u64 start;
	u64 end;
};

#ifdef CONFIG_KDUMP_IOMMU_RESERVE
void kdump_iommu_arm(void);
void kdump_iommu_disarm(void);
#else
static inline void kdump_iommu_arm(void)
{
}

static inline void kdump_iommu_disarm(void)
{
}
#endif

#endif /* _LINUX_KDUMP_IOMMU_H */
