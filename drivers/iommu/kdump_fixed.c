// SPDX-License-Identifier: GPL-2.0
/*
 * The kdump crash kernel window for IOMMUs outside the IOMMU API that
 * translate one fixed range of bus addresses for all the devices behind
 * them, and let every other address through untranslated (HP zx1/sx1000
 * sba_iommu, "IOVA bypass").
 *
 * A kdump kernel leaves such an IOMMU as the crashed kernel left it (sba:
 * re-enabling an IOC under in-flight DMA machine-checks) and does DMA with
 * physical addresses.  Outside the IOVA space they reach memory
 * untranslated; inside it the crashed kernel's page table translates
 * them.  So the driver reserves, at boot, the IOMMU pages of the crash
 * regions that lie inside its space, and while a crash image is loaded
 * those pages hold identity entries.  One translation serves every
 * device: there is no isolating one device from another here.
 *
 * Copyright (C) 2026 The kdump-iommu authors
 */

#define pr_fmt(fmt) "kdump_iommu: " fmt

#include <kunit/visibility.h>
#include <linux/bits.h>
#include <linux/crash_dump.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>

#include "kdump_iommu.h"

/* Registered at boot, before any crash image can be loaded */
static LIST_HEAD(kdump_iommu_fixed_units);

/**
 * kdump_iommu_iova_space_check() - is a fixed IOVA space one aligned range?
 * @s: the space
 *
 * An IOMMU with a fixed IOVA space translates an address A when
 * (A & mask) == base (HP zx1/sx1000 IOC: the IBASE and IMASK registers),
 * and lets every other address through untranslated.  That is one range
 * only if the mask is a run of ones from bit 63 down and the base has no
 * bit below it; anything else is firmware this code does not understand.
 *
 * Return: 0 if it is, -EINVAL if not or if the IOMMU page (4 KiB at
 * least) does not fit in the space.
 */
VISIBLE_IF_KUNIT int
kdump_iommu_iova_space_check(const struct kdump_iommu_iova_space *s)
{
	u64 size = ~s->mask + 1;

	if (!is_power_of_2(size) || (s->base & ~s->mask))
		return -EINVAL;
	if (s->page_shift < 12 || s->page_shift > 63 ||
	    BIT_ULL(s->page_shift) > size)
		return -EINVAL;
	return 0;
}

/**
 * kdump_iommu_iova_space_translates() - does a bus address go through the
 *	IOMMU's page table?
 * @s: the space, passed by kdump_iommu_iova_space_check()
 * @addr: the address a device puts on the bus
 * @index: output if it does: the page table entry that translates @addr
 * @run: output if not: how many bytes from @addr on go through
 *	untranslated, a power of two @addr is aligned to, at least one IOMMU
 *	page, and never reaching into the space
 *
 * Return: true if @addr is translated.
 */
VISIBLE_IF_KUNIT bool
kdump_iommu_iova_space_translates(const struct kdump_iommu_iova_space *s,
				  u64 addr, u64 *index, u64 *run)
{
	u64 last = s->base | ~s->mask, left;

	if (s->enabled && addr >= s->base && addr <= last) {
		*index = (addr - s->base) >> s->page_shift;
		return true;
	}
	addr &= ~(BIT_ULL(s->page_shift) - 1);
	if (s->enabled && addr < s->base)
		left = s->base - addr;
	else
		left = addr ? -addr : U64_MAX;
	*run = kdump_iommu_leaf_size(addr, left,
				     GENMASK(BITS_PER_LONG - 1, s->page_shift));
	return false;
}

/**
 * kdump_iommu_iova_space_plan() - what a fixed IOVA space needs for the
 *	windows to be reached 1:1
 * @windows: the windows
 * @nr: how many
 * @s: the space, translation enabled
 * @last_usable: the last address of the space the driver hands out; the
 *	rest of the space belongs to someone else (sba: the AGP GART half)
 * @identity: output, room for @nr ranges: the parts of the windows inside
 *	the space, rounded out to whole IOMMU pages
 *
 * Return: the number of @identity ranges (0: every window is reached
 * untranslated); -EINVAL if the space is not understood; -EBUSY if a
 * window reaches into the space above @last_usable.
 */
VISIBLE_IF_KUNIT int
kdump_iommu_iova_space_plan(const struct kdump_iommu_range *windows,
			    unsigned int nr, const struct kdump_iommu_iova_space *s,
			    u64 last_usable, struct kdump_iommu_range *identity)
{
	u64 last = s->base | ~s->mask, page = BIT_ULL(s->page_shift);
	unsigned int i;
	int n = 0;

	if (kdump_iommu_iova_space_check(s) || last_usable < s->base ||
	    last_usable > last)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		u64 start = max(windows[i].start, s->base);
		u64 end = min(windows[i].end, last);

		if (windows[i].end < windows[i].start || start > end)
			continue;
		if (end > last_usable)
			return -EBUSY;
		identity[n].start = start & ~(page - 1);
		identity[n].end = end | (page - 1);
		n++;
	}
	return n;
}

/**
 * kdump_iommu_bytes_below() - how much of the windows lies at or below an
 *	address
 * @windows: the windows
 * @nr: how many
 * @limit: the address, inclusive (a device's DMA mask)
 *
 * Return: the number of bytes.
 */
VISIBLE_IF_KUNIT u64
kdump_iommu_bytes_below(const struct kdump_iommu_range *windows,
			unsigned int nr, u64 limit)
{
	u64 bytes = 0;
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (windows[i].start <= windows[i].end &&
		    windows[i].start <= limit)
			bytes += min(windows[i].end, limit) - windows[i].start + 1;
	return bytes;
}

/* Devices limited to 32-bit DMA: their bounce buffers must be below 4 GiB. */
#define KDUMP_IOMMU_DMA32_LIMIT	0xffffffffULL

/**
 * kdump_iommu_fixed_register() - take part in the window, at boot
 * @unit: the IOMMU, with @name, @space, @last_usable and @ops set; it
 *	must stay until reboot
 * @reserve: output, room for %KDUMP_IOMMU_MAX_WINDOWS ranges: the IOMMU
 *	pages the driver must mark used in its allocator now, and never
 *	hand out; nothing is mapped there until a crash image is loaded
 *
 * Says what it found, in the log and in the status view.
 *
 * Return: the number of @reserve ranges, 0 if none is needed (the crash
 * regions are reached untranslated); -ENODEV if there is no window (no
 * crashkernel=, kdump_iommu=off, a kdump kernel), or another negative
 * errno if the crash regions cannot be made reachable (said why).  The
 * unit is registered, and must stay, unless this returns an error.
 */
int kdump_iommu_fixed_register(struct kdump_iommu_fixed *unit,
			       struct kdump_iommu_range *reserve)
{
	struct kdump_iommu_range windows[KDUMP_IOMMU_MAX_WINDOWS];
	const struct kdump_iommu_iova_space *s = &unit->space;
	u64 last = s->base | ~s->mask, bytes = 0;
	unsigned int nr;
	int n, i;

	if (kdump_iommu_mode() == KDUMP_IOMMU_OFF || is_kdump_kernel())
		return -ENODEV;
	nr = kdump_iommu_crash_windows(windows);
	if (!nr)
		return -ENODEV;

	n = kdump_iommu_iova_space_plan(windows, nr, s, unit->last_usable,
					reserve);
	for (i = 0; i < n; i++) {
		unit->reserved[i] = reserve[i];
		bytes += reserve[i].end - reserve[i].start + 1;
	}
	unit->nr_reserved = max(n, 0);
	if (n == -EINVAL)
		scnprintf(unit->state, sizeof(unit->state),
			  "NOT armed: IOVA space base %#llx mask %#llx not understood",
			  s->base, s->mask);
	else if (n == -EBUSY)
		scnprintf(unit->state, sizeof(unit->state),
			  "NOT armed: window in IOVA space %#llx-%#llx above %#llx, which the driver cannot give",
			  s->base, last, unit->last_usable);
	else if (n)
		scnprintf(unit->state, sizeof(unit->state),
			  "%llu KiB inside IOVA space %#llx-%#llx reserved, mapped 1:1 while a crash kernel is loaded; the rest untranslated",
			  bytes >> 10, s->base, last);
	else
		scnprintf(unit->state, sizeof(unit->state),
			  "window outside IOVA space %#llx-%#llx: reached untranslated by every device",
			  s->base, last);
	if (n < 0) {
		pr_warn("%s: %s: a kdump kernel's DMA there would go astray (move crashkernel= out of it)\n",
			unit->name, unit->state);
		return n;
	}
	pr_info("%s: %s\n", unit->name, unit->state);
	list_add_tail(&unit->node, &kdump_iommu_fixed_units);

	if (!kdump_iommu_bytes_below(windows, nr, KDUMP_IOMMU_DMA32_LIMIT))
		pr_warn_once("no crash kernel memory below 4 GiB: devices limited to 32-bit DMA cannot do DMA in a kdump kernel (reserve some with crashkernel=...@<4G or ,low)\n");
	return n;
}

/*
 * A crash image was loaded: write the identity entries, in each unit that
 * has none yet.  The windows are the crash regions now, inside what was
 * reserved at boot: they only shrink.
 */
int kdump_iommu_arm_fixed(const struct kdump_iommu_range *windows,
			  unsigned int nr)
{
	struct kdump_iommu_range identity[KDUMP_IOMMU_MAX_WINDOWS];
	struct kdump_iommu_fixed *unit;
	int n, i, ret;

	list_for_each_entry(unit, &kdump_iommu_fixed_units, node) {
		/* Armed already (the arming runs again on hot-plug) */
		if (unit->nr_mapped)
			continue;
		n = kdump_iommu_iova_space_plan(windows, nr, &unit->space,
						unit->last_usable, identity);
		for (i = 0; i < n; i++) {
			if (!kdump_iommu_overlaps(unit->reserved,
						  unit->nr_reserved,
						  identity[i].start,
						  identity[i].start) ||
			    !kdump_iommu_overlaps(unit->reserved,
						  unit->nr_reserved,
						  identity[i].end,
						  identity[i].end)) {
				pr_warn("%s: window %#llx-%#llx outside what was reserved at boot\n",
					unit->name, identity[i].start,
					identity[i].end);
				return -ERANGE;
			}
			ret = unit->ops->map(unit, identity[i].start,
					     identity[i].end);
			if (ret)
				return ret;
			unit->mapped[unit->nr_mapped++] = identity[i];
		}
	}
	return 0;
}

void kdump_iommu_unmap_fixed(void)
{
	struct kdump_iommu_fixed *unit;

	list_for_each_entry(unit, &kdump_iommu_fixed_units, node) {
		while (unit->nr_mapped) {
			unit->nr_mapped--;
			unit->ops->unmap(unit, unit->mapped[unit->nr_mapped].start,
					 unit->mapped[unit->nr_mapped].end);
		}
	}
}

bool kdump_iommu_fixed_armed(void)
{
	return !list_empty(&kdump_iommu_fixed_units);
}

void kdump_iommu_status_fixed(struct seq_file *seq)
{
	struct kdump_iommu_fixed *unit;

	list_for_each_entry(unit, &kdump_iommu_fixed_units, node)
		seq_printf(seq, "iommu %s: %s%s\n", unit->name, unit->state,
			   unit->nr_mapped ? "; mapped now" : "");
}

/* Kdump kernel ---------------------------------------------------------- */

static struct kdump_iommu_handoff kdump_iommu_fixed_h;
static bool kdump_iommu_fixed_started;

/*
 * kdump_iommu_lookup_t through a unit's old page table, read where the
 * crashed kernel's RAM is (kdump_iommu_old_table()), like the IOMMU API
 * drivers' tables: the table's address comes from a register the crashed
 * kernel programmed.
 */
VISIBLE_IF_KUNIT int kdump_iommu_fixed_lookup(void *data, u64 iova,
					      struct kdump_iommu_pte *pte)
{
	struct kdump_iommu_fixed_walk *f = data;
	struct kdump_iommu_fixed *unit = f->unit;
	u64 index, run, phys, addr;
	u64 *table;
	int ret;

	if (!kdump_iommu_iova_space_translates(&unit->space, iova, &index,
					       &run)) {
		pte->phys = iova;
		pte->size = run;
		pte->writable = true;
		return 0;
	}
	pte->size = BIT_ULL(unit->space.page_shift);
	/* Entries are quadwords: a base between them is not understood. */
	if (unit->old_table & (sizeof(u64) - 1))
		return -EINVAL;
	addr = unit->old_table + index * sizeof(u64);
	if (addr < unit->old_table)
		return -EINVAL;
	table = kdump_iommu_old_table(&f->tables, 0, addr);
	if (!table)
		return -EFAULT;
	ret = unit->ops->old_entry(unit,
				   READ_ONCE(table[(addr & (SZ_4K - 1)) / sizeof(u64)]),
				   &phys);
	if (ret)
		return ret;
	/* A misaligned entry must not reach into the page offset. */
	pte->phys = (phys & ~(pte->size - 1)) | (iova & (pte->size - 1));
	/* Fixed-space IOMMUs here have no permission bits. */
	pte->writable = true;
	return 0;
}

/**
 * kdump_iommu_fixed_handoff_wanted() - should a driver check its units?
 *
 * Return: true in a kdump kernel unless booted with kdump_iommu=off.
 */
bool kdump_iommu_fixed_handoff_wanted(void)
{
	return kdump_iommu_handoff_wanted();
}

/**
 * kdump_iommu_fixed_check() - does a unit reach this kernel's memory 1:1?
 * @iommu: the driver's name, for the log
 * @unit: the unit as the crashed kernel left it: @space and @old_table
 *	from its registers, @ops->old_entry to decode its page table
 * @why_not: NULL, or why the unit cannot be checked at all
 *
 * Reads only.  End with kdump_iommu_fixed_check_done().
 */
void __init kdump_iommu_fixed_check(const char *iommu,
				    struct kdump_iommu_fixed *unit,
				    const char *why_not)
{
	struct kdump_iommu_handoff *h = &kdump_iommu_fixed_h;
	struct kdump_iommu_fixed_walk f = { .unit = unit };
	struct kdump_iommu_walk w;

	if (!kdump_iommu_fixed_started) {
		kdump_iommu_handoff_begin(h, iommu);
		h->fixed = true;
		kdump_iommu_fixed_started = true;
	}
	if (!why_not && kdump_iommu_iova_space_check(&unit->space))
		why_not = "IOVA space not understood";
	if (why_not) {
		h->nr_mixed++;
		if (!h->why[0])
			scnprintf(h->why, sizeof(h->why), "%s: %s", unit->name,
				  why_not);
		return;
	}
	kdump_iommu_walk_ram(h, kdump_iommu_fixed_lookup, &f, &w);
	kdump_iommu_old_tables_done(&f.tables);
	if (w.state == KDUMP_OLD_IDENTITY) {
		h->nr_identity++;
		return;
	}
	h->nr_mixed++;
	if (h->why[0])
		return;
	if (w.state == KDUMP_OLD_BLOCKED || w.err == -ENOENT)
		scnprintf(h->why, sizeof(h->why), "%s: IOVA %#llx not mapped",
			  unit->name, w.iova);
	else if (w.err)
		scnprintf(h->why, sizeof(h->why), "%s: IOVA %#llx not readable (%d)",
			  unit->name, w.iova, w.err);
	else
		scnprintf(h->why, sizeof(h->why), "%s: IOVA %#llx maps to %#llx, not 1:1",
			  unit->name, w.iova, w.phys);
}

/**
 * kdump_iommu_fixed_check_done() - say what the units' checks found
 */
void __init kdump_iommu_fixed_check_done(void)
{
	if (kdump_iommu_fixed_started)
		kdump_iommu_handoff_end(&kdump_iommu_fixed_h);
}
