// SPDX-License-Identifier: GPL-2.0
/*
 * AMD-Vi in a kdump kernel: keep the crashed kernel's DMA translation.
 *
 * The device table is where DMA translation and interrupt remapping meet
 * (AMD I/O Virtualization Technology (IOMMU) Specification, 48882 rev
 * 3.08, 2.2.2): each entry holds both the I/O page table root and the
 * interrupt remapping table of its device.  A kdump kernel must write
 * device table entries to set up its own interrupts, so it cannot leave
 * the old table alone; it cannot rewrite the old table in place either
 * without touching the crashed kernel's memory.  Upstream already takes
 * the middle way for both halves: early_enable_iommus() copies the old
 * device table into new memory, keeping every entry's translation fields,
 * and points the IOMMU at the copy before any interrupt is set up.
 *
 * So the hand-off keeps that copy, which holds no DMA state of its own,
 * and stops where the usual path would start replacing the translation
 * half: if every device's entry still translates through the crashed
 * kernel's page tables (or passes DMA through) such that this kernel's
 * memory is mapped 1:1 and writable, no IOMMU is registered, entries keep
 * their translation fields, and devices do DMA with physical addresses
 * through the crash kernel window.  New interrupt remapping tables still
 * go into the copied entries as devices request interrupts.  The old page
 * tables are only read.
 *
 * Formats: device table entry (2.2.2.1), I/O page tables for host
 * translation (2.2.3), including level skipping (not produced by Linux,
 * reported) and the "next level 7" encoding of large pages (2.2.3.2).
 *
 * Copyright (C) 2026 The kdump-iommu authors
 */

#define pr_fmt(fmt) "AMD-Vi: kdump: " fmt

#include <linux/io.h>
#include <linux/kdump_iommu.h>
#include <linux/mem_encrypt.h>
#include <linux/pci.h>

#include "amd_iommu.h"

#define AMD_MAX_LEVELS	PAGE_MODE_6_LEVEL

struct amd_old_walk {
	u64 root;			/* top-level table, physical */
	unsigned int mode;		/* paging mode: number of levels */
	struct kdump_iommu_old_tables tables;
};

struct amd_handoff {
	unsigned int nr_devices;
	struct kdump_iommu_roots verified;
	char why_not[96];
};

/* kdump_iommu_lookup_t for a v1 I/O page table (2.2.3). */
static int amd_old_lookup(void *data, u64 iova, struct kdump_iommu_pte *pte)
{
	struct amd_old_walk *w = data;
	unsigned int level = w->mode - 1, next;
	u64 table = w->root, e, size;

	if (w->mode < AMD_MAX_LEVELS && iova >= BIT_ULL(PM_LEVEL_SHIFT(w->mode)))
		return -ENOENT;
	for (;;) {
		u64 *t = kdump_iommu_old_table(&w->tables, level, table);

		if (!t)
			return -ENOMEM;
		e = READ_ONCE(t[PM_LEVEL_INDEX(level, iova)]);
		if (!IOMMU_PTE_PRESENT(e))
			return -ENOENT;
		next = PM_PTE_LEVEL(e);
		/* A leaf: next level 0 (a page of this level's size) or 7. */
		if (!level || next == PAGE_MODE_NONE || next == PAGE_MODE_7_LEVEL)
			break;
		/* The page table walk may skip levels; Linux never does. */
		if (next != level)
			return -EOPNOTSUPP;
		table = __sme_clr(e) & IOMMU_PAGE_MASK;
		level--;
	}
	size = next == PAGE_MODE_7_LEVEL ? PTE_PAGE_SIZE(e) : PTE_LEVEL_PAGE_SIZE(level);
	pte->size = size;
	pte->phys = (__sme_clr(e) & IOMMU_PAGE_MASK & ~(size - 1)) | (iova & (size - 1));
	pte->writable = (e & IOMMU_PTE_IR) && (e & IOMMU_PTE_IW);
	return 0;
}

#define amd_why(h, rid, ...) \
	kdump_iommu_why((h)->why_not, sizeof((h)->why_not), rid, __VA_ARGS__)

/* Device table entry (2.2.2.1) -> page table, for one requester ID. */
static int amd_check_devid(struct amd_handoff *h, struct amd_iommu *iommu,
			   u16 devid)
{
	u64 dte = READ_ONCE(get_dev_table(iommu)[devid].data[0]);
	struct amd_old_walk w = {};
	unsigned int mode;

	/* No translation information: DMA passes untranslated. */
	if (!(dte & DTE_FLAG_V) || !(dte & DTE_FLAG_TV))
		return 0;
	mode = (dte >> DEV_ENTRY_MODE_SHIFT) & DEV_ENTRY_MODE_MASK;
	if (mode == PAGE_MODE_NONE) {
		/* Pass-through when reads and writes are allowed. */
		if ((dte & DTE_FLAG_IR) && (dte & DTE_FLAG_IW))
			return 0;
		amd_why(h, devid, "DMA blocked by its device table entry");
		return -EACCES;
	}
	if (mode > AMD_MAX_LEVELS) {
		amd_why(h, devid, "paging mode %u", mode);
		return -EINVAL;
	}

	w.root = __sme_clr(dte) & IOMMU_PAGE_MASK;
	w.mode = mode;
	return kdump_iommu_check_root(&h->verified, w.root, amd_old_lookup, &w,
				      &w.tables, devid, h->why_not,
				      sizeof(h->why_not));
}

static int amd_check_alias(struct pci_dev *pdev, u16 alias, void *data)
{
	struct amd_handoff *h = data;
	struct amd_iommu *iommu = rlookup_amd_iommu(&pdev->dev);
	struct amd_iommu_pci_seg *pci_seg = iommu->pci_seg;
	int ret;

	ret = amd_check_devid(h, iommu, alias);
	/* The IVRS may alias the requester too (IVHD alias entries). */
	if (!ret && pci_seg->alias_table[alias] != alias)
		ret = amd_check_devid(h, iommu, pci_seg->alias_table[alias]);
	return ret;
}

/**
 * amd_iommu_kdump_handoff() - keep the crashed kernel's DMA translation?
 *
 * Called once at the start of amd_iommu_init_pci(), when PCI devices are
 * enumerated and, in a kdump kernel, the old device table has been copied.
 *
 * Return: true if no IOMMU must be registered and the copied device table
 * entries must keep their translation fields; false for the usual path.
 */
bool __init amd_iommu_kdump_handoff(void)
{
	struct amd_handoff h = {};
	struct amd_iommu *iommu;
	struct pci_dev *pdev = NULL;
	unsigned int nr_iommus = 0;
	char name[16];
	int ret = 0;

	if (!kdump_iommu_handoff_wanted())
		return false;
	/*
	 * Translation left on by the crashed kernel, and its device table
	 * copied: early_enable_iommus() clears the flag if the copy failed.
	 */
	for_each_iommu(iommu) {
		if (!translation_pre_enabled(iommu))
			return false;
		nr_iommus++;
	}
	if (!nr_iommus)
		return false;

	for_each_pci_dev(pdev) {
		iommu = rlookup_amd_iommu(&pdev->dev);
		/* Not behind an IOMMU, or the IOMMU's own PCI function */
		if (!iommu || iommu->devid == pci_dev_id(pdev) ||
		    !kdump_iommu_handoff_device(&pdev->dev))
			continue;
		h.nr_devices++;
		ret = pci_for_each_dma_alias(pdev, amd_check_alias, &h);
		if (ret) {
			pci_dev_put(pdev);
			break;
		}
	}
	if (nr_iommus > 1)
		snprintf(name, sizeof(name), "%u AMD-Vi units", nr_iommus);
	else
		strscpy(name, "AMD-Vi", sizeof(name));
	if (!kdump_iommu_handoff(name, h.nr_devices, ret ? h.why_not : NULL))
		return false;

	/*
	 * Interrupt remapping stays on, so device MSIs must be composed by
	 * its irq domain; amd_iommu_probe_device() would set that when the
	 * IOMMU registers the device, which it now will not.
	 */
	for_each_pci_dev(pdev) {
		iommu = rlookup_amd_iommu(&pdev->dev);
		if (iommu && iommu->devid != pci_dev_id(pdev))
			amd_iommu_set_pci_msi_domain(&pdev->dev, iommu);
	}
	return true;
}
