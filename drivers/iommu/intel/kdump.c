// SPDX-License-Identifier: GPL-2.0
/*
 * VT-d in a kdump kernel: hand off to the crashed kernel's translation.
 *
 * When the crashed kernel armed the crash kernel window (see
 * drivers/iommu/kdump_reserve.c), every device's domain maps this kernel's
 * memory 1:1, or the device is in pass-through.  Verify that by reading
 * the old root, context, PASID and second-level tables, without writing
 * them, and if it holds leave DMA remapping exactly as it was: translation
 * stays enabled on the old root table and devices do DMA with physical
 * addresses.  The alternative, copying the old tables and then replacing
 * the copied context entries while devices may still be doing DMA, is
 * what intel_iommu_init() does otherwise.
 *
 * Table formats: VT-d specification (rev 4.0) 9.1 root entry, 9.2
 * scalable-mode root entry, 9.3 context entry, 9.4 scalable-mode context
 * entry, 9.5 PASID directory entry, 9.6 PASID table entry, 9.8
 * second-level paging entries.
 *
 * Copyright (C) 2026 The kdump-iommu authors
 */

#define pr_fmt(fmt) "DMAR: kdump: " fmt

#include <linux/dmar.h>
#include <linux/io.h>
#include <linux/kdump_iommu.h>
#include <linux/pci.h>

#include "iommu.h"
#include "pasid.h"

/* Second-level paging entries hold a host physical address in 51:12. */
#define VTD_SL_ADDR_MASK	GENMASK_ULL(51, 12)
#define VTD_MAX_LEVELS		5

/* Legacy context entry (9.3) */
#define CTX_PRESENT		BIT_ULL(0)
#define CTX_TT(lo)		(((lo) >> 2) & 3)
#define CTX_AW(hi)		((hi) & 7)
/* Scalable-mode context entry (9.4): four quadwords, RID_PASID in 83:64 */
#define SM_CTX_RID_PASID(q1)	((q1) & GENMASK_ULL(19, 0))
/* PASID table entry (9.6) */
#define PE_PRESENT		BIT_ULL(0)
#define PE_AW(q0)		(((q0) >> 2) & 7)
#define PE_PGTT(q0)		(((q0) >> 6) & 7)

struct vtd_old_walk {
	u64 root;			/* second-level table, physical */
	unsigned int levels;
	struct kdump_iommu_old_tables tables;
};

/*
 * The root, context and PASID tables stay mapped for the whole check, one
 * page per kind: devices on a bus share a context table, and mapping old
 * memory (ioremap, since it is not this kernel's RAM) for every entry
 * read was most of the hand-off's cost.
 */
enum { VTD_OLD_ROOT, VTD_OLD_CONTEXT, VTD_OLD_PASID_DIR, VTD_OLD_PASID };

struct vtd_handoff {
	struct intel_iommu *iommu;
	u64 rtaddr;
	unsigned int nr_devices;
	struct kdump_iommu_roots verified;	/* second-level tables */
	struct kdump_iommu_old_tables ctx;	/* by VTD_OLD_* */
	char why_not[96];
};

/* kdump_iommu_lookup_t for a second-level table (9.8). */
static int vtd_old_lookup(void *data, u64 iova, struct kdump_iommu_pte *pte)
{
	struct vtd_old_walk *w = data;
	u64 phys = w->root, e, size;
	unsigned int level;

	for (level = w->levels; level; level--) {
		unsigned int shift = VTD_PAGE_SHIFT + VTD_STRIDE_SHIFT * (level - 1);
		u64 *table = kdump_iommu_old_table(&w->tables, level, phys);

		if (!table)
			return -ENOMEM;
		e = READ_ONCE(table[(iova >> shift) & 0x1ff]);
		if (!(e & (DMA_PTE_READ | DMA_PTE_WRITE)))
			return -ENOENT;
		/* Super pages exist at the 2 MiB and 1 GiB levels only. */
		if ((e & DMA_PTE_LARGE_PAGE) && level > 3)
			return -EINVAL;
		if (level == 1 || (e & DMA_PTE_LARGE_PAGE)) {
			size = BIT_ULL(shift);
			pte->size = size;
			pte->phys = (e & VTD_SL_ADDR_MASK & ~(size - 1)) |
				    (iova & (size - 1));
			pte->writable = (e & DMA_PTE_READ) && (e & DMA_PTE_WRITE);
			return 0;
		}
		phys = e & VTD_SL_ADDR_MASK;
	}
	return -EINVAL;
}

#define vtd_why(h, rid, ...) \
	kdump_iommu_why((h)->why_not, sizeof((h)->why_not), rid, __VA_ARGS__)

static int vtd_check_sl(struct vtd_handoff *h, u16 rid, u64 root,
			unsigned int aw)
{
	struct vtd_old_walk w = { .root = root, .levels = aw + 2 };

	if (aw < 1 || aw > 3) {
		vtd_why(h, rid, "unknown address width %u", aw);
		return -EINVAL;
	}
	return kdump_iommu_check_root(&h->verified, root, vtd_old_lookup, &w,
				      &w.tables, rid, h->why_not,
				      sizeof(h->why_not));
}

/* Read quadword @idx of the 4 KiB table of kind @kind at @phys. */
static int vtd_old_read(struct vtd_handoff *h, unsigned int kind, u64 phys,
			unsigned int idx, u64 *val)
{
	u64 *table = kdump_iommu_old_table(&h->ctx, kind, phys);

	if (!table)
		return -ENOMEM;
	*val = READ_ONCE(table[idx]);
	return 0;
}

/* Scalable mode: context (9.4) -> PASID directory (9.5) -> table (9.6). */
static int vtd_check_sm(struct vtd_handoff *h, u16 rid, u64 ctx_table)
{
	unsigned int devfn = rid & 0x7f, pasid;
	u64 lo, q1, dir, pe;

	if (vtd_old_read(h, VTD_OLD_CONTEXT, ctx_table, devfn * 4, &lo) ||
	    vtd_old_read(h, VTD_OLD_CONTEXT, ctx_table, devfn * 4 + 1, &q1))
		return -ENOMEM;
	if (!(lo & CTX_PRESENT)) {
		vtd_why(h, rid, "no scalable-mode context entry");
		return -ENOENT;
	}
	pasid = SM_CTX_RID_PASID(q1);
	if ((pasid >> PASID_PDE_SHIFT) >= VTD_PAGE_SIZE / sizeof(u64) ||
	    vtd_old_read(h, VTD_OLD_PASID_DIR, lo & VTD_PAGE_MASK,
			 pasid >> PASID_PDE_SHIFT, &dir))
		return -EINVAL;
	if (!(dir & PE_PRESENT)) {
		vtd_why(h, rid, "no PASID directory entry for PASID %u", pasid);
		return -ENOENT;
	}
	if (vtd_old_read(h, VTD_OLD_PASID, dir & VTD_PAGE_MASK,
			 (pasid & PASID_PTE_MASK) * 8, &pe))
		return -ENOMEM;
	if (!(pe & PE_PRESENT)) {
		vtd_why(h, rid, "no PASID table entry for PASID %u", pasid);
		return -ENOENT;
	}
	switch (PE_PGTT(pe)) {
	case PASID_ENTRY_PGTT_PT:
		return 0;
	case PASID_ENTRY_PGTT_SL_ONLY:
		return vtd_check_sl(h, rid, pe & VTD_SL_ADDR_MASK, PE_AW(pe));
	default:
		vtd_why(h, rid, "PASID %u uses translation type %llu, not checked",
			pasid, PE_PGTT(pe));
		return -EOPNOTSUPP;
	}
}

/* Root (9.1/9.2) -> context entry (9.3/9.4) -> domain, for one requester. */
static int vtd_check_rid(struct pci_dev *pdev, u16 rid, void *data)
{
	struct vtd_handoff *h = data;
	bool sm = h->rtaddr & DMA_RTADDR_SMT;
	u8 bus = PCI_BUS_NUM(rid), devfn = rid & 0xff;
	u64 root, lo, hi;

	/* A root entry is two quadwords; scalable mode splits devfn 0x80+ */
	if (vtd_old_read(h, VTD_OLD_ROOT, h->rtaddr & VTD_PAGE_MASK,
			 bus * 2 + (sm && devfn >= 0x80), &root))
		return -ENOMEM;
	if (!(root & CTX_PRESENT)) {
		vtd_why(h, rid, "no root entry");
		return -ENOENT;
	}
	if (sm)
		return vtd_check_sm(h, rid, root & VTD_PAGE_MASK);

	if (vtd_old_read(h, VTD_OLD_CONTEXT, root & VTD_PAGE_MASK, devfn * 2, &lo) ||
	    vtd_old_read(h, VTD_OLD_CONTEXT, root & VTD_PAGE_MASK, devfn * 2 + 1, &hi))
		return -ENOMEM;
	if (!(lo & CTX_PRESENT)) {
		vtd_why(h, rid, "no context entry");
		return -ENOENT;
	}
	switch (CTX_TT(lo)) {
	case CONTEXT_TT_PASS_THROUGH:
		return 0;
	case CONTEXT_TT_MULTI_LEVEL:
	case CONTEXT_TT_DEV_IOTLB:
		return vtd_check_sl(h, rid, lo & VTD_SL_ADDR_MASK, CTX_AW(hi));
	default:
		vtd_why(h, rid, "reserved translation type %llu", CTX_TT(lo));
		return -EINVAL;
	}
}

static bool vtd_translating(struct intel_iommu *iommu)
{
	return readl(iommu->reg + DMAR_GSTS_REG) & DMA_GSTS_TES;
}

/**
 * intel_iommu_kdump_handoff() - skip DMA-remapping init in a kdump kernel?
 *
 * Called by intel_iommu_init() with dmar_global_lock held for writing,
 * after the DMAR table and device scopes are parsed.
 *
 * Return: true if DMA remapping must be left as the crashed kernel left it
 * (the caller then registers no IOMMU and devices use direct DMA); false
 * to initialise it as usual.
 */
bool __init intel_iommu_kdump_handoff(void)
{
	struct vtd_handoff h = {};
	struct dmar_drhd_unit *drhd;
	struct intel_iommu *iommu, *first = NULL;
	struct pci_dev *pdev = NULL;
	unsigned int nr_iommus = 0;
	char name[16];
	int ret = 0;

	if (!kdump_iommu_handoff_wanted())
		return false;
	for_each_active_iommu(iommu, drhd) {
		if (!vtd_translating(iommu))
			continue;
		first = first ?: iommu;
		nr_iommus++;
	}
	/* The crashed kernel left no DMA remapping on: nothing to hand off. */
	if (!first)
		return false;

	for_each_pci_dev(pdev) {
		u8 bus, devfn;

		iommu = device_to_iommu(&pdev->dev, &bus, &devfn);
		if (!iommu || !vtd_translating(iommu) ||
		    !kdump_iommu_handoff_device(&pdev->dev))
			continue;
		if (!h.iommu || h.iommu != iommu) {
			h.iommu = iommu;
			h.rtaddr = dmar_readq(iommu->reg + DMAR_RTADDR_REG);
			h.verified.nr = 0;
		}
		h.nr_devices++;
		ret = pci_for_each_dma_alias(pdev, vtd_check_rid, &h);
		if (ret) {
			if (!h.why_not[0])
				snprintf(h.why_not, sizeof(h.why_not),
					 "%s: old tables not readable (%d)",
					 pci_name(pdev), ret);
			pci_dev_put(pdev);
			break;
		}
	}
	kdump_iommu_old_tables_done(&h.ctx);
	if (nr_iommus > 1)
		snprintf(name, sizeof(name), "%u DMAR units", nr_iommus);
	else
		strscpy(name, first->name, sizeof(name));
	if (!kdump_iommu_handoff(name, h.nr_devices, ret ? h.why_not : NULL))
		return false;

	/*
	 * Keep DMA faults visible: interrupt remapping set up the fault
	 * interrupt when it is on, init_dmars() would have otherwise.
	 */
	for_each_active_iommu(iommu, drhd)
		if (vtd_translating(iommu))
			dmar_set_interrupt(iommu);
	return true;
}
