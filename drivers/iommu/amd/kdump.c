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
 * half: if the entries say that the dump's devices reach this kernel's
 * memory 1:1 (through the crash kernel window, or pass-through) and every
 * other device none of it, no IOMMU is registered, entries keep their
 * translation fields, and devices do DMA with physical addresses.  New
 * interrupt remapping tables still go into the copied entries as devices
 * request interrupts.  The old page tables are only read.
 *
 * Formats: device table entry (2.2.2.1), I/O page tables for host
 * translation (2.2.3), including level skipping (not produced by Linux,
 * reported) and the "next level 7" encoding of large pages (2.2.3.2).
 *
 * Copyright (C) 2026 The kdump-iommu authors
 */

#define pr_fmt(fmt) "AMD-Vi: kdump: " fmt

#include <linux/io.h>
#include <linux/mem_encrypt.h>
#include <linux/pci.h>

#include "../kdump_iommu.h"
#include "amd_iommu.h"

#define AMD_MAX_LEVELS	PAGE_MODE_6_LEVEL

struct amd_old_walk {
	u64 root;			/* top-level table, physical */
	unsigned int mode;		/* paging mode: number of levels */
	u64 me_mask;			/* SME's C-bit: sme_me_mask */
	struct kdump_iommu_old_tables tables;
};

/*
 * kdump_iommu_lookup_t for a v1 I/O page table (2.2.3).  What a page
 * allows is what every entry on the way to it allows (2.2.3.1: the IR and
 * IW bits are ANDed); the device table entry's are checked by the caller,
 * so that the verdict depends on the table alone and is shared by every
 * device that uses it.
 */
static int amd_old_lookup(void *data, u64 iova, struct kdump_iommu_pte *pte)
{
	struct amd_old_walk *w = data;
	unsigned int level = w->mode - 1, next;
	u64 table = w->root, e, size, perm = IOMMU_PTE_IR | IOMMU_PTE_IW;

	if (w->mode < AMD_MAX_LEVELS && iova >= BIT_ULL(PM_LEVEL_SHIFT(w->mode))) {
		/* Beyond the top level: not translated, DMA is refused. */
		pte->size = BIT_ULL(PM_LEVEL_SHIFT(w->mode));
		return -ENOENT;
	}
	for (;;) {
		u64 *t = kdump_iommu_old_table(&w->tables, level, table);

		pte->size = PTE_LEVEL_PAGE_SIZE(level);
		if (!t)
			return -ENOMEM;
		e = READ_ONCE(t[PM_LEVEL_INDEX(level, iova)]);
		if (!IOMMU_PTE_PRESENT(e))
			return -ENOENT;
		perm &= e;
		next = PM_PTE_LEVEL(e);
		/* A leaf: next level 0 (a page of this level's size) or 7. */
		if (!level || next == PAGE_MODE_NONE || next == PAGE_MODE_7_LEVEL)
			break;
		/* The page table walk may skip levels; Linux never does. */
		if (next != level)
			return -EOPNOTSUPP;
		/*
		 * With SME the crashed kernel wrote table addresses with the
		 * C-bit set (iommu_virt_to_phys()): the table is at the
		 * address without it.
		 */
		table = e & ~w->me_mask & IOMMU_PAGE_MASK;
		level--;
	}
	size = PTE_LEVEL_PAGE_SIZE(level);
	if (next == PAGE_MODE_7_LEVEL) {
		/*
		 * A page larger than this level's, repeated in every entry it
		 * spans (2.2.3.2): its size sits in the address bits, and must
		 * lie between this level's page and the next level's.
		 */
		if (!~(e | w->me_mask | ~IOMMU_PAGE_MASK))
			return -EINVAL;
		size = PTE_PAGE_SIZE(e & ~w->me_mask);
		if (size <= PTE_LEVEL_PAGE_SIZE(level) ||
		    (level + 1 < AMD_MAX_LEVELS &&
		     size >= PTE_LEVEL_PAGE_SIZE(level + 1)))
			return -EINVAL;
	}
	/*
	 * A page's C-bit stays: DMA through it is encrypted (__sme_set() in
	 * iommu_v1_map_pages()), which is not 1:1 for this kernel's buffers.
	 */
	pte->phys = (e & IOMMU_PAGE_MASK & ~(size - 1)) | (iova & (size - 1));
	pte->writable = perm == (IOMMU_PTE_IR | IOMMU_PTE_IW);
	/*
	 * Step by this level's page: each of the repeated entries is what the
	 * hardware reads for its part of the page, and each is checked.
	 */
	pte->size = PTE_LEVEL_PAGE_SIZE(level);
	return 0;
}

/*
 * Device table entry (2.2.2.1) -> page table, for one requester ID of the
 * IOMMU's PCI segment.  Indices beyond the segment's device table are
 * refused, as upstream's check_device() does.
 */
static enum kdump_iommu_old amd_check_devid(struct kdump_iommu_handoff *h,
					    struct amd_iommu *iommu, u16 devid)
{
	struct amd_old_walk w = {};
	unsigned int mode;
	u64 dte;

	if (devid > iommu->pci_seg->last_bdf) {
		kdump_iommu_handoff_why(h, devid, "beyond the device table");
		return KDUMP_OLD_MIXED;
	}
	dte = READ_ONCE(get_dev_table(iommu)[devid].data[0]);
	/* No translation information: DMA passes untranslated (2.2.2.1). */
	if (!(dte & DTE_FLAG_V) || !(dte & DTE_FLAG_TV))
		return KDUMP_OLD_PASSTHROUGH;
	/* DTE IR (bit 61) and IW (62) gate every access (2.2.2.1). */
	if (!(dte & (DTE_FLAG_IR | DTE_FLAG_IW)))
		return KDUMP_OLD_BLOCKED;
	if (!(dte & DTE_FLAG_IR) || !(dte & DTE_FLAG_IW)) {
		kdump_iommu_handoff_why(h, devid, "DMA allowed in one direction only");
		return KDUMP_OLD_MIXED;
	}
	mode = (dte >> DEV_ENTRY_MODE_SHIFT) & DEV_ENTRY_MODE_MASK;
	if (mode == PAGE_MODE_NONE)
		return KDUMP_OLD_PASSTHROUGH;
	if (mode > AMD_MAX_LEVELS) {
		kdump_iommu_handoff_why(h, devid, "paging mode %u", mode);
		return KDUMP_OLD_MIXED;
	}

	w.me_mask = sme_me_mask;
	w.root = dte & ~w.me_mask & IOMMU_PAGE_MASK;
	w.mode = mode;
	return kdump_iommu_handoff_root(h, w.root, w.mode, 0, amd_old_lookup,
					&w, &w.tables, devid);
}

struct amd_device {
	struct kdump_iommu_handoff *h;
	struct amd_iommu *iommu;	/* the endpoint's, not an alias's */
	enum kdump_iommu_old state;
	bool first;
};

static void amd_device_state(struct amd_device *d, enum kdump_iommu_old state)
{
	d->state = d->first ? state : kdump_iommu_old_combine(d->state, state);
	d->first = false;
}

/* Every requester ID a device uses must agree. */
static int amd_check_alias(struct pci_dev *pdev, u16 alias, void *data)
{
	struct amd_device *d = data;
	struct amd_iommu_pci_seg *pci_seg = d->iommu->pci_seg;

	amd_device_state(d, amd_check_devid(d->h, d->iommu, alias));
	/* The IVRS may alias the requester too (IVHD alias entries). */
	if (alias <= pci_seg->last_bdf && pci_seg->alias_table[alias] != alias)
		amd_device_state(d, amd_check_devid(d->h, d->iommu,
						    pci_seg->alias_table[alias]));
	return 0;
}

/**
 * amd_iommu_kdump_handoff() - keep the crashed kernel's DMA translation?
 *
 * Context: once, at the start of amd_iommu_init_pci(), when PCI devices
 * are enumerated and, in a kdump kernel, the old device table has been
 * copied.
 *
 * Return: true if no IOMMU must be registered and the copied device table
 * entries must keep their translation fields; false for the usual path.
 */
bool __init amd_iommu_kdump_handoff(void)
{
	struct kdump_iommu_handoff h;
	struct amd_iommu *iommu;
	struct pci_dev *pdev = NULL;
	unsigned int nr_iommus = 0;
	char name[24];

	if (!kdump_iommu_handoff_wanted())
		return false;
	/*
	 * The copy of the old device table drops what v2 (guest) page tables
	 * an entry had (GV, GCR3), as upstream always did: a DMA domain on v2
	 * tables (amd_iommu=pgtbl_v2) would read as pass-through.  The copy
	 * notes it; not checked, the usual path.
	 */
	if (amd_iommu_kdump_old_gv) {
		pr_info("the crashed kernel used v2 page tables, which are not checked: initialising the IOMMU as usual\n");
		return false;
	}
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
	/*
	 * ACPI devices in the IVRS (IVHD type F0h entries) do DMA too, but
	 * are not PCI devices this check goes through.
	 */
	if (!list_empty(&acpihid_map)) {
		pr_info("ACPI devices in the IVRS are not checked: initialising the IOMMU as usual\n");
		return false;
	}

	if (nr_iommus > 1)
		snprintf(name, sizeof(name), "%u AMD-Vi units", nr_iommus);
	else
		strscpy(name, "AMD-Vi", sizeof(name));
	kdump_iommu_handoff_begin(&h, name);
	for_each_pci_dev(pdev) {
		struct amd_device d = { .h = &h, .first = true };

		iommu = rlookup_amd_iommu(&pdev->dev);
		/* Not behind an IOMMU, or the IOMMU's own PCI function */
		if (!iommu || iommu->devid == pci_dev_id(pdev))
			continue;
		d.iommu = iommu;
		pci_for_each_dma_alias(pdev, amd_check_alias, &d);
		kdump_iommu_handoff_device(&h, pdev, d.state);
	}
	if (!kdump_iommu_handoff_end(&h))
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
	kdump_iommu_handoff_guard();
	return true;
}

#if IS_ENABLED(CONFIG_KDUMP_IOMMU_RESERVE_KUNIT_TEST)
#include "kdump_kunit.c"
#endif
