// SPDX-License-Identifier: GPL-2.0
/*
 * VT-d in a kdump kernel: hand off to the crashed kernel's translation.
 *
 * When the crashed kernel had a crash image loaded, it had mapped this
 * kernel's memory 1:1 for the dump's devices (the crash kernel window,
 * drivers/iommu/kdump_reserve.c); other devices in DMA domains cannot
 * reach it, and pass-through devices reach everything.  Find out which
 * device is which by reading the old root, context, PASID and
 * second-level tables, without writing them, and let the core decide
 * (drivers/iommu/kdump_handoff.c).  A hand-off leaves DMA remapping
 * exactly as it was: translation stays enabled on the old root table and
 * devices do DMA with physical addresses.  The alternative, copying the
 * old tables and then replacing the copied context entries while devices
 * may still be doing DMA, is what intel_iommu_init() does otherwise.
 *
 * Table formats: VT-d specification (rev 4.0) 9.1 root entry, 9.2
 * scalable-mode root entry, 9.3 context entry, 9.4 scalable-mode context
 * entry, 9.5 PASID directory entry, 9.6 PASID table entry, 9.7
 * first-level and 9.8 second-level paging entries.
 *
 * Copyright (C) 2026 The kdump-iommu authors
 */

#define pr_fmt(fmt) "DMAR: kdump: " fmt

#include <linux/dmar.h>
#include <linux/io.h>
#include <linux/pci.h>
#include <linux/pci-ats.h>

#include "../kdump_iommu.h"
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
#define SM_CTX_PDTS(lo)		(((lo) >> 9) & 7)	/* 2^(PDTS + 7) entries */
/* PASID table entry (9.6) */
#define PE_PRESENT		BIT_ULL(0)
#define PE_AW(q0)		(((q0) >> 2) & 7)
#define PE_PGTT(q0)		(((q0) >> 6) & 7)
#define PE_FLPM(q2)		(((q2) >> 2) & 3)	/* 0: 4-level, 1: 5-level */
/* First-level paging entries (9.7): the IA-32e format */
#define FL_PRESENT		BIT_ULL(0)
#define FL_RW			BIT_ULL(1)
#define FL_US			BIT_ULL(2)
#define FL_PS			BIT_ULL(7)	/* levels 2 and 3; PAT at level 1 */

/*
 * A walk of one second-level (9.8) or first-level (9.7) table.  Both
 * formats share the layout: 9 bits of index per level, the address in
 * 51:12, a large page at levels 2 and 3 with bit 7 (the same bit is PAT,
 * or ignored, at level 1).  They differ in what makes an entry present
 * and which bits allow a write.
 */
struct vtd_old_walk {
	u64 root;			/* the table, physical */
	unsigned int levels;
	u64 present;			/* any of these: the entry is present */
	u64 write;			/* all of these, at every level: writable */
	struct kdump_iommu_old_tables tables;
};

/* Second level: an entry is present when it allows reads or writes. */
#define VTD_SL_BITS	.present = DMA_PTE_READ | DMA_PTE_WRITE, \
			.write = DMA_PTE_READ | DMA_PTE_WRITE
/*
 * First level: a request without a PASID is a user access (3.6.1), so a
 * write needs U/S as well as R/W.
 */
#define VTD_FL_BITS	.present = FL_PRESENT, .write = FL_RW | FL_US

/* The two formats, for the core's cache of roots walked */
enum { VTD_OLD_SL, VTD_OLD_FL };

/*
 * The root, context and PASID tables stay mapped for the whole check, one
 * page per kind: devices on a bus share a context table, and mapping old
 * memory (ioremap, since it is not this kernel's RAM) for every entry
 * read was most of the hand-off's cost.
 */
enum { VTD_OLD_ROOT, VTD_OLD_CONTEXT, VTD_OLD_PASID_DIR, VTD_OLD_PASID };

struct vtd_handoff {
	struct kdump_iommu_handoff core;
	struct intel_iommu *iommu;
	u64 rtaddr;
	struct kdump_iommu_old_tables ctx;	/* by VTD_OLD_* */
};

/*
 * kdump_iommu_lookup_t for a second- or first-level table.  What a leaf
 * allows is what every entry on the way to it allows (3.7.1).
 */
static int vtd_old_lookup(void *data, u64 iova, struct kdump_iommu_pte *pte)
{
	struct vtd_old_walk *w = data;
	u64 phys = w->root, e, size, perm = w->write;
	unsigned int level, top = VTD_PAGE_SHIFT + VTD_STRIDE_SHIFT * w->levels;

	/* Beyond the address width the table covers: not translated */
	if (top < 64 && iova >> top) {
		pte->size = BIT_ULL(top);
		return -ENOENT;
	}
	for (level = w->levels; level; level--) {
		unsigned int shift = VTD_PAGE_SHIFT + VTD_STRIDE_SHIFT * (level - 1);
		u64 *table = kdump_iommu_old_table(&w->tables, level, phys);

		size = BIT_ULL(shift);
		pte->size = size;
		if (!table)
			return -ENOMEM;
		e = READ_ONCE(table[(iova >> shift) & 0x1ff]);
		if (!(e & w->present))
			return -ENOENT;
		perm &= e;
		/* Large pages exist at the 2 MiB and 1 GiB levels only. */
		if ((e & DMA_PTE_LARGE_PAGE) && level > 3)
			return -EINVAL;
		if (level == 1 || (e & DMA_PTE_LARGE_PAGE)) {
			pte->phys = (e & VTD_SL_ADDR_MASK & ~(size - 1)) |
				    (iova & (size - 1));
			pte->writable = perm == w->write;
			return 0;
		}
		phys = e & VTD_SL_ADDR_MASK;
	}
	return -EINVAL;
}

#define vtd_why(h, rid, ...) kdump_iommu_handoff_why(&(h)->core, rid, __VA_ARGS__)

static enum kdump_iommu_old vtd_check_sl(struct vtd_handoff *h, u16 rid,
					 u64 root, unsigned int aw)
{
	struct vtd_old_walk w = { .root = root, .levels = aw + 2, VTD_SL_BITS };

	if (aw < 1 || aw > 3) {
		vtd_why(h, rid, "unknown address width %u", aw);
		return KDUMP_OLD_MIXED;
	}
	return kdump_iommu_handoff_root(&h->core, root, w.levels, VTD_OLD_SL,
					vtd_old_lookup, &w, &w.tables, rid);
}

static enum kdump_iommu_old vtd_check_fl(struct vtd_handoff *h, u16 rid,
					 u64 q2)
{
	struct vtd_old_walk w = { .root = q2 & VTD_SL_ADDR_MASK, VTD_FL_BITS };

	switch (PE_FLPM(q2)) {
	case 0:
		w.levels = 4;
		break;
	case 1:
		w.levels = 5;
		break;
	default:
		vtd_why(h, rid, "reserved first-level paging mode %llu", PE_FLPM(q2));
		return KDUMP_OLD_MIXED;
	}
	return kdump_iommu_handoff_root(&h->core, w.root, w.levels, VTD_OLD_FL,
					vtd_old_lookup, &w, &w.tables, rid);
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

/*
 * Requests tagged with a PASID (shared virtual addressing, a PASID
 * attached through iommufd) are translated by that PASID's entry, not
 * RID_PASID's.  A device that keeps the window and its driver after a
 * hand-off must have no other present entry in its PASID directory (9.5,
 * of the size the context entry gives, 9.4) and tables (9.6): its tagged
 * DMA would be translated by tables nobody checked.
 *
 * Return: true, with the reason recorded, if one is present or cannot be
 * read.
 */
static bool vtd_other_pasid(struct vtd_handoff *h, u16 rid, u64 lo,
			    unsigned int rid_pasid)
{
	unsigned int nr = 1U << (SM_CTX_PDTS(lo) + 7);
	unsigned int per_page = VTD_PAGE_SIZE / sizeof(u64);
	u64 dir = lo & VTD_PAGE_MASK, de, pe;
	unsigned int i, j, pasid;

	for (i = 0; i < nr; i++) {
		if (vtd_old_read(h, VTD_OLD_PASID_DIR,
				 dir + (u64)(i / per_page) * VTD_PAGE_SIZE,
				 i % per_page, &de))
			goto unreadable;
		if (!(de & PE_PRESENT))
			continue;
		for (j = 0; j <= PASID_PTE_MASK; j++) {
			pasid = (i << PASID_PDE_SHIFT) | j;
			if (pasid == rid_pasid)
				continue;
			/* An entry is 8 quadwords; bit 0 of the first is P */
			if (vtd_old_read(h, VTD_OLD_PASID, de & VTD_PAGE_MASK,
					 j * 8, &pe))
				goto unreadable;
			if (pe & PE_PRESENT) {
				vtd_why(h, rid,
					"PASID %u also in use: its translation is not checked",
					pasid);
				return true;
			}
		}
	}
	return false;

unreadable:
	vtd_why(h, rid, "old PASID directory or table not readable");
	return true;
}

/*
 * Scalable mode: context (9.4) -> PASID directory (9.5) -> table (9.6).
 * A missing entry on the way blocks the device's DMA (7.2.1).
 */
static enum kdump_iommu_old vtd_check_sm(struct vtd_handoff *h, u16 rid,
					 u64 ctx_table)
{
	unsigned int devfn = rid & 0x7f, pasid;
	enum kdump_iommu_old state;
	u64 lo, q1, dir, pe;

	if (vtd_old_read(h, VTD_OLD_CONTEXT, ctx_table, devfn * 4, &lo) ||
	    vtd_old_read(h, VTD_OLD_CONTEXT, ctx_table, devfn * 4 + 1, &q1))
		goto unreadable;
	if (!(lo & CTX_PRESENT))
		return KDUMP_OLD_BLOCKED;
	pasid = SM_CTX_RID_PASID(q1);
	if ((pasid >> PASID_PDE_SHIFT) >= VTD_PAGE_SIZE / sizeof(u64)) {
		vtd_why(h, rid, "RID_PASID %u out of range", pasid);
		return KDUMP_OLD_MIXED;
	}
	if (vtd_old_read(h, VTD_OLD_PASID_DIR, lo & VTD_PAGE_MASK,
			 pasid >> PASID_PDE_SHIFT, &dir))
		goto unreadable;
	if (!(dir & PE_PRESENT))
		return KDUMP_OLD_BLOCKED;
	if (vtd_old_read(h, VTD_OLD_PASID, dir & VTD_PAGE_MASK,
			 (pasid & PASID_PTE_MASK) * 8, &pe))
		goto unreadable;
	if (!(pe & PE_PRESENT))
		return KDUMP_OLD_BLOCKED;
	switch (PE_PGTT(pe)) {
	case PASID_ENTRY_PGTT_PT:
		return KDUMP_OLD_PASSTHROUGH;
	case PASID_ENTRY_PGTT_SL_ONLY:
		state = vtd_check_sl(h, rid, pe & VTD_SL_ADDR_MASK, PE_AW(pe));
		break;
	case PASID_ENTRY_PGTT_FL_ONLY:
		if (vtd_old_read(h, VTD_OLD_PASID, dir & VTD_PAGE_MASK,
				 (pasid & PASID_PTE_MASK) * 8 + 2, &pe))
			goto unreadable;
		state = vtd_check_fl(h, rid, pe);
		break;
	default:
		vtd_why(h, rid, "PASID %u uses translation type %llu, not checked",
			pasid, PE_PGTT(pe));
		return KDUMP_OLD_MIXED;
	}
	/* Pass-through reaches everything anyway; blocked devices are stopped */
	if (state == KDUMP_OLD_IDENTITY && vtd_other_pasid(h, rid, lo, pasid))
		return KDUMP_OLD_MIXED;
	return state;

unreadable:
	vtd_why(h, rid, "old context or PASID table not readable");
	return KDUMP_OLD_MIXED;
}

/* Root (9.1/9.2) -> context entry (9.3/9.4) -> domain, for one requester. */
static enum kdump_iommu_old vtd_check_rid(struct vtd_handoff *h, u16 rid)
{
	bool sm = h->rtaddr & DMA_RTADDR_SMT;
	u8 bus = PCI_BUS_NUM(rid), devfn = rid & 0xff;
	u64 root, lo, hi;

	/* A root entry is two quadwords; scalable mode splits devfn 0x80+ */
	if (vtd_old_read(h, VTD_OLD_ROOT, h->rtaddr & VTD_PAGE_MASK,
			 bus * 2 + (sm && devfn >= 0x80), &root))
		goto unreadable;
	if (!(root & CTX_PRESENT))
		return KDUMP_OLD_BLOCKED;
	if (sm)
		return vtd_check_sm(h, rid, root & VTD_PAGE_MASK);

	if (vtd_old_read(h, VTD_OLD_CONTEXT, root & VTD_PAGE_MASK, devfn * 2, &lo) ||
	    vtd_old_read(h, VTD_OLD_CONTEXT, root & VTD_PAGE_MASK, devfn * 2 + 1, &hi))
		goto unreadable;
	if (!(lo & CTX_PRESENT))
		return KDUMP_OLD_BLOCKED;
	switch (CTX_TT(lo)) {
	case CONTEXT_TT_PASS_THROUGH:
		return KDUMP_OLD_PASSTHROUGH;
	case CONTEXT_TT_MULTI_LEVEL:
	case CONTEXT_TT_DEV_IOTLB:
		return vtd_check_sl(h, rid, lo & VTD_SL_ADDR_MASK, CTX_AW(hi));
	default:
		vtd_why(h, rid, "reserved translation type %llu", CTX_TT(lo));
		return KDUMP_OLD_MIXED;
	}

unreadable:
	vtd_why(h, rid, "old root or context table not readable");
	return KDUMP_OLD_MIXED;
}

struct vtd_device {
	struct vtd_handoff *h;
	enum kdump_iommu_old state;
	bool first;
};

/* Every requester ID a device uses (its DMA aliases) must agree. */
static int vtd_check_alias(struct pci_dev *pdev, u16 rid, void *data)
{
	struct vtd_device *d = data;
	enum kdump_iommu_old state = vtd_check_rid(d->h, rid);

	d->state = d->first ? state : kdump_iommu_old_combine(d->state, state);
	d->first = false;
	return 0;
}

static bool vtd_translating(struct intel_iommu *iommu)
{
	return readl(iommu->reg + DMAR_GSTS_REG) & DMA_GSTS_TES;
}

/* The crashed kernel's tables are in scalable mode (RTADDR_REG.TTM) */
static bool vtd_old_sm(struct intel_iommu *iommu)
{
	return dmar_readq(iommu->reg + DMAR_RTADDR_REG) & DMA_RTADDR_SMT;
}

/*
 * ATS that the crashed kernel enabled (PCIe 10.5.1.3, ATS Control): the
 * device may hold translations in its device TLB, which nothing of this
 * kernel's state knows about.
 */
static bool __init vtd_ats_enabled(struct pci_dev *pdev)
{
	u16 ctrl;

	if (!pdev->ats_cap)
		return false;
	pci_read_config_word(pdev, pdev->ats_cap + PCI_ATS_CTRL, &ctrl);
	return ctrl != 0xffff && (ctrl & PCI_ATS_CTRL_ENABLE);
}

static bool __init vtd_bus_master(struct pci_dev *pdev)
{
	u16 cmd;

	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	return cmd != 0xffff && (cmd & PCI_COMMAND_MASTER);
}

/*
 * What the units cache may differ from the tables just checked: the
 * crashed kernel may have died between changing an entry and invalidating
 * it.  So invalidate all of it, as the usual path does after copying the
 * tables, in the order VT-d 6.5.3.1 and 6.5.3.3 give: context cache, PASID
 * cache (scalable mode), IOTLB, then the device TLBs of devices with ATS
 * on, for their whole address space (6.5.2.5: the S bit and every address
 * bit set).  Through the invalidation queue that intel_iommu_init_qi() set
 * up in this kernel's memory, or the registers: no old memory is written.
 */
static void __init vtd_handoff_invalidate(void)
{
	struct dmar_drhd_unit *drhd;
	struct intel_iommu *iommu;
	struct pci_dev *pdev = NULL;
	unsigned int nr_dev_tlbs = 0;
	bool pasid = false;
	u8 bus, devfn;
	int qdep;

	for_each_active_iommu(iommu, drhd) {
		if (!vtd_translating(iommu))
			continue;
		iommu->flush.flush_context(iommu, 0, 0, 0, DMA_CCMD_GLOBAL_INVL);
		if (vtd_old_sm(iommu) && iommu->qi) {
			qi_flush_pasid_cache(iommu, 0, QI_PC_GLOBAL, 0);
			pasid = true;
		}
		iommu->flush.flush_iotlb(iommu, 0, 0, 0, DMA_TLB_GLOBAL_FLUSH);
	}
	/*
	 * Only devices that may do DMA: the blocked ones have bus mastering
	 * off by now, and one that does not answer would make the queue wait
	 * for ever (qi_submit_sync() retries a time-out).
	 */
	for_each_pci_dev(pdev) {
		iommu = device_lookup_iommu(&pdev->dev, &bus, &devfn);
		if (!iommu || !vtd_translating(iommu) || !iommu->qi ||
		    !vtd_ats_enabled(pdev) || !vtd_bus_master(pdev))
			continue;
		qdep = pci_ats_queue_depth(pdev);
		qi_flush_dev_iotlb(iommu, PCI_DEVID(bus, devfn),
				   pci_dev_id(pci_physfn(pdev)),
				   qdep < 0 ? 0 : qdep, 0, 64 - VTD_PAGE_SHIFT);
		nr_dev_tlbs++;
	}
	pr_info("invalidated the context%s IOTLB caches and %u device TLB%s\n",
		pasid ? ", PASID and" : " and", nr_dev_tlbs, nr_dev_tlbs == 1 ? "" : "s");
}

/**
 * intel_iommu_kdump_handoff_done() - after a hand-off, with
 *	dmar_global_lock released
 */
void __init intel_iommu_kdump_handoff_done(void)
{
	kdump_iommu_handoff_guard();
}

/**
 * intel_iommu_kdump_handoff() - skip DMA-remapping init in a kdump kernel?
 *
 * Context: intel_iommu_init(), with dmar_global_lock held for writing,
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
	char name[24];

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
	/*
	 * ACPI namespace devices (DMAR ANDD, 8.5) do DMA through the unit
	 * too, but are not PCI devices this check goes through.
	 */
	for_each_active_iommu(iommu, drhd) {
		struct device *dev;
		int i;

		if (!vtd_translating(iommu))
			continue;
		for_each_active_dev_scope(drhd->devices, drhd->devices_cnt, i, dev) {
			if (dev_is_pci(dev))
				continue;
			pr_info("%s: ACPI device %s is not checked: initialising DMA remapping as usual\n",
				iommu->name, dev_name(dev));
			return false;
		}
	}

	/*
	 * A queue to invalidate the units' caches with, in this kernel's
	 * memory, if interrupt remapping has not set one up already.
	 */
	for_each_active_iommu(iommu, drhd)
		if (vtd_translating(iommu))
			intel_iommu_init_qi(iommu);

	if (nr_iommus > 1)
		snprintf(name, sizeof(name), "%u DMAR units", nr_iommus);
	else
		strscpy(name, first->name, sizeof(name));
	kdump_iommu_handoff_begin(&h.core, name);
	for_each_pci_dev(pdev) {
		struct vtd_device d = { .h = &h, .first = true };
		u8 bus, devfn;

		iommu = device_lookup_iommu(&pdev->dev, &bus, &devfn);
		if (!iommu || !vtd_translating(iommu))
			continue;
		if (h.iommu != iommu) {
			h.iommu = iommu;
			h.rtaddr = dmar_readq(iommu->reg + DMAR_RTADDR_REG);
		}
		/* What device_lookup_iommu() looked up: VMD's, for its devices */
		pci_for_each_dma_alias(pci_real_dma_dev(pdev), vtd_check_alias,
				       &d);
		/* Scalable mode needs the queue too: no PASID cache otherwise. */
		if ((vtd_ats_enabled(pdev) && !ecap_dev_iotlb_support(iommu->ecap)) ||
		    ((vtd_ats_enabled(pdev) || vtd_old_sm(iommu)) && !iommu->qi)) {
			vtd_why(&h, pci_dev_id(pdev), "its caches cannot be invalidated");
			d.state = KDUMP_OLD_MIXED;
		}
		kdump_iommu_handoff_device(&h.core, pdev, d.state);
	}
	kdump_iommu_old_tables_done(&h.ctx);
	if (!kdump_iommu_handoff_end(&h.core))
		return false;
	vtd_handoff_invalidate();

	/*
	 * Keep DMA faults visible: interrupt remapping set up the fault
	 * interrupt when it is on, init_dmars() would have otherwise.
	 */
	for_each_active_iommu(iommu, drhd)
		if (vtd_translating(iommu))
			dmar_set_interrupt(iommu);
	return true;
}

#if IS_ENABLED(CONFIG_KDUMP_IOMMU_RESERVE_KUNIT_TEST)
#include "kdump_kunit.c"
#endif
