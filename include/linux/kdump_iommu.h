/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kdump crash kernel window: while a crash kernel is loaded, the
 * memory reserved with crashkernel= is mapped 1:1 (IOVA == physical
 * address) for the devices the dump uses, so that a kdump kernel can do
 * its I/O through the IOMMU translation the crashed kernel leaves behind.
 * See Documentation/admin-guide/kdump/iommu.rst.
 *
 * This is what other subsystems call: kexec, and IOMMUs outside the IOMMU
 * API.  The rest is in drivers/iommu/kdump_iommu.h.
 */
#ifndef _LINUX_KDUMP_IOMMU_H
#define _LINUX_KDUMP_IOMMU_H

#include <linux/list.h>
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

/* IOMMUs outside the IOMMU API, with one fixed IOVA space */

/**
 * struct kdump_iommu_iova_space - the fixed IOVA space of an IOMMU outside
 *	the IOMMU API
 * @base: its first address
 * @mask: an address A is translated when (A & @mask) == @base; every
 *	other address goes through untranslated
 * @page_shift: log2 of the IOMMU page size
 * @enabled: translation is on
 *
 * HP zx1/sx1000 IOC (sba_iommu): IBASE, IMASK and TCNFG.
 */
struct kdump_iommu_iova_space {
	u64 base;
	u64 mask;
	unsigned int page_shift;
	bool enabled;
};

struct kdump_iommu_fixed;

/**
 * struct kdump_iommu_fixed_ops - what an IOMMU with a fixed IOVA space
 *	does for the window
 * @map: write identity entries for [@start, @end] (whole IOMMU pages that
 *	the driver reserved at registration) and purge its IOTLB
 * @unmap: make them invalid again and purge its IOTLB
 * @old_entry: kdump kernel: decode @entry, a 64-bit entry of the crashed
 *	kernel's page table (which the core reads at @old_table); 0 with
 *	*@phys set if it is valid, -ENOENT if not
 */
struct kdump_iommu_fixed_ops {
	int (*map)(struct kdump_iommu_fixed *unit, u64 start, u64 end);
	void (*unmap)(struct kdump_iommu_fixed *unit, u64 start, u64 end);
	int (*old_entry)(struct kdump_iommu_fixed *unit, u64 entry, u64 *phys);
};

/**
 * struct kdump_iommu_fixed - an IOMMU outside the IOMMU API that
 *	translates one fixed range of bus addresses for all its devices
 *	(HP zx1/sx1000 sba_iommu)
 * @name: for the log and the status view
 * @space: its IOVA space
 * @last_usable: the last address of @space the driver hands out (sba: the
 *	upper half may belong to the AGP GART)
 * @ops: see &struct kdump_iommu_fixed_ops
 * @old_table: kdump kernel: the physical address of the crashed kernel's
 *	page table, an array of 64-bit entries, one per IOVA page of @space
 * @node: on the core's list of units (core-private)
 * @nr_reserved: how many ranges of @reserved (core-private)
 * @reserved: what the driver reserved in its allocator (core-private)
 * @nr_mapped: how many ranges of @mapped are armed (core-private)
 * @mapped: the identity ranges armed (core-private)
 * @state: what the primary kernel can arm, for the status view
 *	(core-private)
 */
struct kdump_iommu_fixed {
	char name[32];
	struct kdump_iommu_iova_space space;
	u64 last_usable;
	const struct kdump_iommu_fixed_ops *ops;
	u64 old_table;
	struct list_head node;
	unsigned int nr_reserved;
	struct kdump_iommu_range reserved[2];
	unsigned int nr_mapped;
	struct kdump_iommu_range mapped[2];
	char state[128];
};

#ifdef CONFIG_KDUMP_IOMMU_FIXED
int kdump_iommu_fixed_register(struct kdump_iommu_fixed *unit,
			       struct kdump_iommu_range *reserve);
bool kdump_iommu_fixed_handoff_wanted(void);
void kdump_iommu_fixed_check(const char *iommu, struct kdump_iommu_fixed *unit,
			     const char *why_not);
void kdump_iommu_fixed_check_done(void);
#endif

#endif /* _LINUX_KDUMP_IOMMU_H */
