// SPDX-License-Identifier: GPL-2.0
/*
 * The kdump crash kernel window, primary kernel side.
 *
 * After a panic the kdump kernel boots with the IOMMU still translating
 * through tables in the crashed kernel's memory, while devices may still
 * be doing DMA.  Rather than have the kdump kernel rewrite or copy those
 * tables, the primary kernel prepares for it ("Kdump IO Rule", LKML
 * 2008): while a crash kernel is loaded, the memory reserved for it
 * (crashk_res, crashk_low_res) is mapped 1:1, IOVA == physical address,
 * in the DMA domains of the devices the dump uses.  The kdump kernel then
 * finds its own memory reachable 1:1 through the old tables and does its
 * I/O with physical addresses, without writing them (kdump_handoff.c).
 *
 * The 2008 objection still holds: every device with the window can write
 * to the crash kernel's memory.  So the window is given with least
 * privilege:
 *
 * - at boot nothing is mapped: the crash regions are only reserved in the
 *   IOVA space of every device (IOMMU_RESV_RESERVED_RELAXABLE), so that
 *   dma-iommu never hands those IOVAs out, whichever device of a group
 *   sets up its domain, and a VFIO container keeps them;
 * - kexec arms the window when a crash image is loaded and disarms it
 *   (unmapped, IOTLB flushed) before the image is unloaded or replaced,
 *   with the windows computed from the crash regions at each arming;
 * - only the IOMMU groups of the target devices are armed: those the dump
 *   tooling declares (/sys/kernel/kdump_iommu/devices, or
 *   kdump_iommu_devices=), else the trusted controllers a dump can be
 *   written through (kdump_iommu_default_class()).  Every other device
 *   in a DMA domain stays blocked from the crash memory, as without the
 *   window; a group with an untrusted device is never armed.
 *
 * Nothing of this runs on the crash path.
 *
 * Copyright (C) 2026 The kdump-iommu authors
 */

#define pr_fmt(fmt) "kdump_iommu: " fmt

#include <kunit/visibility.h>
#include <linux/crash_dump.h>
#include <linux/iommu.h>
#include <linux/kexec.h>
#include <linux/kobject.h>
#include <linux/log2.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "kdump_iommu.h"

static enum kdump_iommu_mode kdump_iommu_param = KDUMP_IOMMU_ON;

static const char * const kdump_iommu_mode_names[] = {
	[KDUMP_IOMMU_OFF] = "off",
	[KDUMP_IOMMU_ON] = "on",
	[KDUMP_IOMMU_FORCE] = "force",
};

/**
 * kdump_iommu_parse_mode() - parse the value of kdump_iommu=
 * @str: the value: "on" or "off" ("force" where @force_ok)
 * @force_ok: accept "force" (a debug kernel)
 * @mode: where to store the result; left alone on error
 *
 * Only exact values are accepted: kstrtobool() would take "yesterday" for
 * "yes", and a typo in a parameter that decides how a kdump kernel treats
 * the IOMMU should be reported, not guessed at.
 *
 * Return: 0 on success, -EINVAL if @str is missing or not a known value.
 */
VISIBLE_IF_KUNIT int kdump_iommu_parse_mode(const char *str, bool force_ok,
					    enum kdump_iommu_mode *mode)
{
	int i;

	if (!str)
		return -EINVAL;
	i = match_string(kdump_iommu_mode_names,
			 ARRAY_SIZE(kdump_iommu_mode_names), str);
	if (i < 0 || (i == KDUMP_IOMMU_FORCE && !force_ok))
		return -EINVAL;
	*mode = i;
	return 0;
}

/**
 * kdump_iommu_mode_name() - the kdump_iommu= value that selects a mode
 * @mode: the mode
 *
 * Return: "on", "off", "force", or "?" for a value out of range.
 */
const char *kdump_iommu_mode_name(enum kdump_iommu_mode mode)
{
	if ((unsigned int)mode >= ARRAY_SIZE(kdump_iommu_mode_names))
		return "?";
	return kdump_iommu_mode_names[mode];
}

static int __init kdump_iommu_setup(char *str)
{
	bool debug = IS_ENABLED(CONFIG_KDUMP_IOMMU_RESERVE_DEBUG);

	if (kdump_iommu_parse_mode(str, debug, &kdump_iommu_param))
		pr_warn("ignoring kdump_iommu=%s: expected on or off%s; keeping %s\n",
			str, debug ? " or force" : "",
			kdump_iommu_mode_name(kdump_iommu_param));
	return 1;
}
__setup("kdump_iommu=", kdump_iommu_setup);

/**
 * kdump_iommu_mode() - the mode this kernel runs in
 *
 * Return: the mode set with kdump_iommu=, KDUMP_IOMMU_ON by default.
 */
enum kdump_iommu_mode kdump_iommu_mode(void)
{
	return kdump_iommu_param;
}

static int cmp_range(const void *a, const void *b)
{
	const struct kdump_iommu_range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/**
 * kdump_iommu_make_windows() - turn crash regions into identity windows
 * @regions: the crash regions; an empty one (end == 0, or start > end, as
 *	crashk_low_res is when there is no low region) is skipped
 * @nr_regions: number of @regions, at most %KDUMP_IOMMU_MAX_WINDOWS
 * @page_size: the IOMMU page size, a power of two
 * @max_addr: the highest address the IOMMU can map (its input address
 *	width), inclusive
 * @windows: output, room for @nr_regions entries: sorted, page aligned,
 *	overlapping or adjacent windows merged
 * @clipped: output: how many bytes of the regions lie above @max_addr
 *	and are left out
 *
 * A window shrinks inward to whole pages: an IOMMU maps pages, and a
 * partial page at either end belongs, in part, to memory the crash kernel
 * does not own (the kdump kernel's memory map drops partial pages too).
 *
 * Return: the number of windows written to @windows (none if @page_size is
 * not a power of two).
 */
VISIBLE_IF_KUNIT unsigned int
kdump_iommu_make_windows(const struct kdump_iommu_range *regions,
			 unsigned int nr_regions, u64 page_size, u64 max_addr,
			 struct kdump_iommu_range *windows, u64 *clipped)
{
	unsigned int i, n = 0, merged = 0;

	*clipped = 0;
	if (!is_power_of_2(page_size))
		return 0;

	for (i = 0; i < nr_regions; i++) {
		u64 start = regions[i].start, end = regions[i].end;
		u64 s, e;

		if (!end || start > end)
			continue;
		s = ALIGN(start, page_size);
		if (s < start)		/* wrapped: no whole page above start */
			continue;
		if (end == U64_MAX) {
			e = U64_MAX;
		} else {
			e = ALIGN_DOWN(end + 1, page_size);
			if (e <= s)
				continue;
			e--;
		}
		if (s > max_addr) {
			*clipped += e - s + 1;
			continue;
		}
		if (e > max_addr) {
			u64 top = max_addr == U64_MAX ? U64_MAX :
				  ALIGN_DOWN(max_addr + 1, page_size) - 1;

			*clipped += e - top;
			e = top;
			if (e < s)
				continue;
		}
		windows[n].start = s;
		windows[n].end = e;
		n++;
	}
	if (!n)
		return 0;

	sort(windows, n, sizeof(*windows), cmp_range, NULL);
	for (i = 1; i < n; i++) {
		struct kdump_iommu_range *last = &windows[merged];

		if (last->end == U64_MAX || windows[i].start <= last->end + 1) {
			last->end = max(last->end, windows[i].end);
			continue;
		}
		windows[++merged] = windows[i];
	}
	return merged + 1;
}

/**
 * kdump_iommu_overlaps() - does a range touch any window?
 * @windows: the windows
 * @nr: how many
 * @start: first address of the range
 * @end: last address of the range (inclusive)
 *
 * Return: true if [@start, @end] and a window share at least one address.
 */
bool kdump_iommu_overlaps(const struct kdump_iommu_range *windows,
			  unsigned int nr, u64 start, u64 end)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (start <= windows[i].end && end >= windows[i].start)
			return true;
	return false;
}

/**
 * kdump_iommu_leaf_size() - the page iommu_map() uses at an address
 * @addr: IOVA (and physical address) where the page starts
 * @left: bytes still to map from @addr, at least one smallest page
 * @pgsize_bitmap: the page sizes the domain supports
 *
 * The largest supported page that @addr is aligned to and that fits in
 * @left, as iommu_pgsize() picks it.
 *
 * Return: the page size, or 0 if none fits.
 */
u64 kdump_iommu_leaf_size(u64 addr, u64 left, unsigned long pgsize_bitmap)
{
	unsigned long sizes = pgsize_bitmap;

	/* Page sizes no larger than what is left ... */
	if (left < BIT_ULL(BITS_PER_LONG - 1))
		sizes &= GENMASK(fls64(left) - 1, 0);
	/* ... and no larger than the address's alignment. */
	if (addr && __ffs64(addr) < BITS_PER_LONG)
		sizes &= GENMASK(__ffs64(addr), 0);
	return sizes ? BIT_ULL(__fls(sizes)) : 0;
}

/**
 * kdump_iommu_nr_pages() - how many IOMMU pages map a window 1:1
 * @window: the window
 * @pgsize_bitmap: the page sizes the domain supports (as in struct
 *	iommu_domain)
 * @largest: output: the largest page size used, 0 if none
 *
 * Counts the way iommu_map() splits a mapping: at each address, the
 * largest supported page that the address is aligned to and that fits in
 * what is left.  Since IOVA == physical address, the alignment of the one
 * is that of the other, and a 2 MiB aligned window maps with 2 MiB (or
 * 1 GiB) pages only.
 *
 * Return: the number of leaf pages, or 0 if the window cannot be mapped
 * with these page sizes (it is not aligned to the smallest).
 */
u64 kdump_iommu_nr_pages(const struct kdump_iommu_range *window,
			 unsigned long pgsize_bitmap, u64 *largest)
{
	u64 addr = window->start, left, nr = 0;
	unsigned long min;

	*largest = 0;
	if (!pgsize_bitmap || window->end < window->start)
		return 0;
	min = 1UL << __ffs(pgsize_bitmap);
	if (!IS_ALIGNED(addr, min) || !IS_ALIGNED(window->end + 1, min))
		return 0;

	left = window->end - window->start + 1;
	while (left) {
		u64 pgsize = kdump_iommu_leaf_size(addr, left, pgsize_bitmap);

		*largest = max(*largest, pgsize);
		addr += pgsize;
		left -= pgsize;
		nr++;
	}
	return nr;
}

/**
 * kdump_iommu_leaf_tables() - how many page tables hold a window's leaves
 * @window: the window
 * @pgsize_bitmap: the page sizes the domain supports
 *
 * Both VT-d (second-level, 9.8) and AMD-Vi (v1, 2.2.3) tables are 4 KiB
 * pages of 512 entries: a leaf of at least 4 KiB << 9 * (L - 1) and less
 * than 4 KiB << 9 * L bytes sits in a level-L table, which covers
 * 4 KiB << 9 * L bytes (AMD-Vi repeats the entry of a page between two
 * level sizes; it is still in that one table).  Counts the distinct
 * tables that iommu_map() fills with the window's leaves, split as
 * kdump_iommu_nr_pages() splits it: the page-table memory the window
 * costs a domain, beyond the few upper-level tables every mapping shares.
 *
 * Return: the number of tables, 0 if the window cannot be mapped with
 * these page sizes.
 */
u64 kdump_iommu_leaf_tables(const struct kdump_iommu_range *window,
			    unsigned long pgsize_bitmap)
{
	/* Per level, the table the last leaf at that level went into, + 1 */
	u64 addr = window->start, left, nr = 0, last[6] = {};
	unsigned long min;

	if (!pgsize_bitmap || window->end < window->start)
		return 0;
	min = 1UL << __ffs(pgsize_bitmap);
	if (!IS_ALIGNED(addr, min) || !IS_ALIGNED(window->end + 1, min) ||
	    min < SZ_4K)
		return 0;

	left = window->end - window->start + 1;
	while (left) {
		u64 pgsize = kdump_iommu_leaf_size(addr, left, pgsize_bitmap);
		unsigned int level, shift;
		u64 table;

		if (!pgsize)
			return 0;
		level = (__ffs64(pgsize) - 12) / 9;
		shift = 12 + 9 * (level + 1);
		table = shift < 64 ? (addr >> shift) + 1 : 1;
		/*
		 * Addresses only grow: a table left behind at a level is
		 * never come back to.
		 */
		if (last[level] != table)
			nr++;
		last[level] = table;
		addr += pgsize;
		left -= pgsize;
	}
	return nr;
}

/* Serial bus controller, InfiniBand (PCI Code and ID Assignment 1.x) */
#define KDUMP_PCI_CLASS_SERIAL_INFINIBAND	0x0c06

/**
 * kdump_iommu_default_class() - is a device of this class a default target?
 * @class: its PCI class code (pci_dev->class: base, sub-class, interface)
 *
 * With nothing declared, the window goes to what a dump can be written
 * through: a disk (mass-storage controllers: SCSI, IDE, RAID, SATA, SAS,
 * NVMe, ...), the network (network controllers, and InfiniBand HCAs of
 * either class), a SAN (Fibre Channel), a USB disk (USB host controllers:
 * UHCI, OHCI, EHCI, xHCI) or an SD card (SD host controllers).  A kdump
 * kernel told nothing takes the usual path when one of these has no
 * window, so the list holds every class a dump is known to be written
 * through.  Graphics, audio, serial ports, FireWire, USB4 and USB device
 * controllers, card readers of no class (0xff), accelerators and
 * unclassified devices get none: a dump through one needs declaring.
 *
 * Return: true for those controllers.
 */
bool kdump_iommu_default_class(u32 class)
{
	switch (class >> 16) {
	case PCI_BASE_CLASS_STORAGE:
	case PCI_BASE_CLASS_NETWORK:
		return true;
	}
	switch (class >> 8) {
	case PCI_CLASS_SERIAL_FIBER:
	case KDUMP_PCI_CLASS_SERIAL_INFINIBAND:
	case PCI_CLASS_SYSTEM_SDHCI:
		return true;
	}
	switch (class) {
	case PCI_CLASS_SERIAL_USB_UHCI:
	case PCI_CLASS_SERIAL_USB_OHCI:
	case PCI_CLASS_SERIAL_USB_EHCI:
	case PCI_CLASS_SERIAL_USB_XHCI:
		return true;
	}
	return false;
}

/* Primary kernel ------------------------------------------------------ */

/*
 * Everything below, but the hooks' fast paths, under kdump_iommu_lock.  It
 * nests inside a group's lock (the IOMMU core calls the hooks with it
 * held), never the other way round.
 */
static DEFINE_MUTEX(kdump_iommu_lock);

/* A crash image is loaded: the windows below are (to be) armed. */
static bool kdump_iommu_loaded;
/* Turned off after a failure, until reboot. */
static bool kdump_iommu_failed;
static struct kdump_iommu_range armed_windows[KDUMP_IOMMU_MAX_WINDOWS];
static unsigned int nr_armed_windows;

/**
 * struct kdump_iommu_group - an IOMMU group with the window mapped
 * @domain: its default domain, which maps the window
 * @armed_by: the target device that armed it
 */
struct kdump_iommu_group {
	struct iommu_domain *domain;
	char armed_by[32];
};

/* By IOMMU group id */
static DEFINE_XARRAY(kdump_iommu_groups);

/* The declared targets, in pci_dev_str_match() form; NULL: the default */
static char *kdump_iommu_targets;
static char *kdump_iommu_targets_param __initdata;

static void kdump_iommu_arm_fn(struct work_struct *work);
static DECLARE_WORK(kdump_iommu_arm_work, kdump_iommu_arm_fn);

static bool kdump_iommu_primary(void)
{
	return kdump_iommu_param != KDUMP_IOMMU_OFF && !is_kdump_kernel() &&
	       !READ_ONCE(kdump_iommu_failed);
}

/**
 * kdump_iommu_crash_windows() - the windows of the crash regions as they
 *	are now
 * @windows: output, room for %KDUMP_IOMMU_MAX_WINDOWS
 *
 * Return: how many (0 without crashkernel=).
 */
unsigned int kdump_iommu_crash_windows(struct kdump_iommu_range *windows)
{
	struct kdump_iommu_range regions[KDUMP_IOMMU_MAX_WINDOWS] = {
		{ crashk_res.start, crashk_res.end },
		{ crashk_low_res.start, crashk_low_res.end },
	};
	u64 clipped;

	return kdump_iommu_make_windows(regions, ARRAY_SIZE(regions),
					PAGE_SIZE, U64_MAX, windows, &clipped);
}

static bool kdump_iommu_untrusted(struct device *dev)
{
	return dev_is_pci(dev) && to_pci_dev(dev)->untrusted;
}

/**
 * kdump_iommu_get_resv_regions() - reserve the crash regions in a
 *	device's IOVA space
 * @dev: the device
 * @head: its reserved regions, as passed to the driver's get_resv_regions()
 *
 * Called by IOMMU drivers from their get_resv_regions(), for every device
 * behind them: dma-iommu reserves a domain's IOVAs from the regions of the
 * first device of the group only, and any device may be the first.  The
 * regions are what the crash regions are now: they never grow, so an
 * arming later always finds its windows reserved.
 *
 * IOMMU_RESV_RESERVED_RELAXABLE: the DMA API must not allocate there, so
 * that arming the window never meets a live mapping, but nothing is
 * mapped, and VFIO does not reserve relaxable regions: a device assigned
 * to a guest keeps its whole IOVA space.
 */
void kdump_iommu_get_resv_regions(struct device *dev, struct list_head *head)
{
	struct kdump_iommu_range windows[KDUMP_IOMMU_MAX_WINDOWS];
	struct iommu_resv_region *region;
	unsigned int i, n;

	if (kdump_iommu_param == KDUMP_IOMMU_OFF || is_kdump_kernel())
		return;
	n = kdump_iommu_crash_windows(windows);
	for (i = 0; i < n; i++) {
		region = iommu_alloc_resv_region(windows[i].start,
						 windows[i].end - windows[i].start + 1,
						 0, IOMMU_RESV_RESERVED_RELAXABLE,
						 GFP_KERNEL);
		if (!region) {
			/*
			 * A domain set up from this list would not keep the
			 * allocator out of the window: never arm again.
			 */
			if (!xchg(&kdump_iommu_failed, true))
				dev_warn(dev, "kdump_iommu: no memory to reserve the crash kernel window: turned off until reboot\n");
			queue_work(system_unbound_wq, &kdump_iommu_arm_work);
			return;
		}
		list_add_tail(&region->list, head);
	}
}

/* Targets -------------------------------------------------------------- */

/**
 * kdump_iommu_match_targets() - is a device in a list of targets?
 * @pdev: the device
 * @list: devices separated by ';', each as pci_dev_str_match() takes it:
 *	[<domain>:]<bus>:<device>.<function>[/<device>.<function>]* or
 *	pci:<vendor>:<device>[:<subvendor>:<subdevice>]
 *
 * Return: 1 if @pdev is in @list, 0 if not, -EINVAL if an entry is
 * malformed (as far as matching @pdev parses it), -ENOMEM.
 */
int kdump_iommu_match_targets(struct pci_dev *pdev, const char *list)
{
	const char *p = list;
	int ret;

	while (*p) {
		ret = pci_dev_str_match(pdev, p, &p);
		if (ret < 0)
			return ret;
		if (*p && *p != ';')
			return -EINVAL;
		if (ret)
			return 1;
		if (*p)
			p++;
	}
	return 0;
}

/* Is @pdev a target now?  Untrusted devices never are. */
static bool kdump_iommu_is_target(struct pci_dev *pdev)
{
	bool ret;

	if (pdev->untrusted)
		return false;
	mutex_lock(&kdump_iommu_lock);
	if (kdump_iommu_targets)
		ret = kdump_iommu_match_targets(pdev, kdump_iommu_targets) > 0;
	else	/* A kdump kernel has no VFs: the PF does the dump. */
		ret = kdump_iommu_default_class(pdev->class) && !pdev->is_virtfn;
	mutex_unlock(&kdump_iommu_lock);
	return ret;
}

/* Why @pdev cannot be given the window, or NULL if it can. */
static const char *kdump_iommu_cannot_arm(struct pci_dev *pdev)
{
	struct kdump_iommu_dev_info info;

	kdump_iommu_dev_info(pdev, &info);
	switch (info.state) {
	case KDUMP_DEV_NO_IOMMU:
		return "not behind an IOMMU";
	case KDUMP_DEV_UNTRUSTED:
		return "untrusted (external-facing) devices never get the window";
	case KDUMP_DEV_PASSTHROUGH:
		return "pass-through: it reaches all memory without the window";
	case KDUMP_DEV_OTHER:
		return "its default domain is not a DMA domain of the IOMMU";
	default:
		return NULL;
	}
}

/*
 * Check a target list against the devices there are: every entry must
 * parse, and with @strict (a declaration from user space) name at least
 * one device, every device it names being one the window can be given to.
 * Without @strict (kdump_iommu_devices=, checked before every driver that
 * exposes devices has probed) those only get a warning.  Says what is
 * wrong.
 */
static int kdump_iommu_check_targets(const char *list, bool strict)
{
	const char *p = list, *end = list;

	while (*p) {
		struct pci_dev *pdev = NULL;
		unsigned int matched = 0;
		const char *why;
		int ret;

		for_each_pci_dev(pdev) {
			ret = pci_dev_str_match(pdev, p, &end);
			if (ret == -ENOMEM) {
				pci_dev_put(pdev);
				return ret;
			}
			if (ret < 0 || (*end && *end != ';')) {
				pr_warn("targets: '%.*s' is not a PCI device: want [<domain>:]<bus>:<device>.<function>[/<device>.<function>]* or pci:<vendor>:<device>[:<subvendor>:<subdevice>], separated by ';'\n",
					(int)strcspn(p, ";"), p);
				pci_dev_put(pdev);
				return -EINVAL;
			}
			if (!ret)
				continue;
			matched++;
			why = kdump_iommu_cannot_arm(pdev);
			if (why) {
				pci_warn(pdev, "kdump_iommu: cannot be a kdump target: %s\n",
					 why);
				if (strict) {
					pci_dev_put(pdev);
					return -EINVAL;
				}
			}
		}
		if (!matched) {
			pr_warn("targets: '%.*s' matches no PCI device%s\n",
				(int)strcspn(p, ";"), p,
				strict ? "" : " yet: armed if it appears");
			if (strict)
				return -ENODEV;
			/* (nothing parsed it: find the next entry by hand) */
			end = p + strcspn(p, ";");
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

static int __init kdump_iommu_devices_setup(char *str)
{
	kdump_iommu_targets_param = str;
	return 1;
}
__setup("kdump_iommu_devices=", kdump_iommu_devices_setup);

/**
 * kdump_iommu_devices_param() - kdump_iommu_devices= as given
 *
 * Return: the value (in a kdump kernel, the devices its dump needs: see
 * kdump_handoff.c), or NULL if the parameter is not given.
 */
const char * __init kdump_iommu_devices_param(void)
{
	return kdump_iommu_targets_param;
}

/**
 * kdump_iommu_declared() - the declared targets, for the status view
 * @buf: where to copy them
 * @len: its size
 *
 * Return: @buf, or NULL if none are declared (the default policy).
 */
const char *kdump_iommu_declared(char *buf, size_t len)
{
	const char *ret = NULL;

	mutex_lock(&kdump_iommu_lock);
	if (kdump_iommu_targets) {
		strscpy(buf, kdump_iommu_targets, len);
		ret = buf;
	}
	mutex_unlock(&kdump_iommu_lock);
	return ret;
}

/* Arming --------------------------------------------------------------- */

/*
 * Walk the windows the way iommu_map() laid them out in @domain, one leaf
 * page at a time (kdump_iommu_leaf_size() picks pages as iommu_pgsize()
 * does).  With @unmap, unmap every leaf that is mapped: a hole, in a
 * damaged window, must not stop the rest from going, as it would stop
 * iommu_unmap() of the whole range.
 *
 * Return: how many leaves (still) translate at all, and in @identity how
 * many of those translate 1:1, in @total how many leaves there are.
 */
static unsigned int kdump_iommu_leaves(struct iommu_domain *domain,
				       bool unmap, unsigned int *identity,
				       unsigned int *total)
{
	struct iommu_iotlb_gather gather;
	unsigned int i, mapped = 0;

	lockdep_assert_held(&kdump_iommu_lock);
	*identity = 0;
	*total = 0;
	iommu_iotlb_gather_init(&gather);
	for (i = 0; i < nr_armed_windows; i++) {
		u64 addr = armed_windows[i].start;
		u64 left = armed_windows[i].end - addr + 1;

		while (left) {
			u64 leaf = kdump_iommu_leaf_size(addr, left,
							 domain->pgsize_bitmap);
			phys_addr_t phys;

			(*total)++;
			if (!leaf)
				break;
			phys = iommu_iova_to_phys(domain, addr);
			if (phys && unmap) {
				iommu_unmap_fast(domain, addr, leaf, &gather);
				phys = iommu_iova_to_phys(domain, addr);
			}
			mapped += !!phys;
			*identity += phys == addr;
			addr += leaf;
			left -= leaf;
		}
	}
	if (unmap)
		iommu_iotlb_sync(domain, &gather);
	return mapped;
}

/*
 * Unmap the windows from one armed group and forget it.  What cannot be
 * unmapped would leave memory that stops being the crash kernel's
 * reachable: say so loudly and turn the window off.
 */
static void kdump_iommu_unmap_group(unsigned long id,
				    struct kdump_iommu_group *g)
{
	unsigned int left, identity, total;

	lockdep_assert_held(&kdump_iommu_lock);
	left = kdump_iommu_leaves(g->domain, true, &identity, &total);
	if (left) {
		pr_err("%u of %u pages of the crash kernel window stay mapped in the group of %s: turned off until reboot\n",
		       left, total, g->armed_by);
		kdump_iommu_failed = true;
	}
	xa_erase(&kdump_iommu_groups, id);
	kfree(g);
}

static unsigned int kdump_iommu_unmap_all(void)
{
	struct kdump_iommu_group *g;
	unsigned long id;
	unsigned int n = 0;

	lockdep_assert_held(&kdump_iommu_lock);
	xa_for_each(&kdump_iommu_groups, id, g) {
		kdump_iommu_unmap_group(id, g);
		n++;
	}
	return n;
}

/*
 * Does @dev's IOMMU driver reserve the windows in its IOVA space?  Only
 * those that call kdump_iommu_get_resv_regions() do (VT-d, AMD-Vi); in a
 * domain of any other, dma-iommu may have handed those IOVAs out, and
 * mapping the window there would meet live mappings.
 */
static bool kdump_iommu_reserved_for(struct device *dev)
{
	struct kdump_iommu_range windows[KDUMP_IOMMU_MAX_WINDOWS];
	struct iommu_resv_region *region;
	unsigned int i, nr, found = 0;
	LIST_HEAD(regions);

	mutex_lock(&kdump_iommu_lock);
	nr = nr_armed_windows;
	memcpy(windows, armed_windows, sizeof(windows));
	mutex_unlock(&kdump_iommu_lock);

	iommu_get_resv_regions(dev, &regions);
	list_for_each_entry(region, &regions, list) {
		if (region->type != IOMMU_RESV_RESERVED_RELAXABLE)
			continue;
		for (i = 0; i < nr; i++)
			found += region->start <= windows[i].start &&
				 region->start + region->length - 1 >=
				 windows[i].end;
	}
	iommu_put_resv_regions(dev, &regions);
	return found >= nr;
}

/*
 * Map the windows 1:1 into a group's default domain, which its lock keeps
 * alive.  The IOVAs are reserved in it (kdump_iommu_get_resv_regions()),
 * so this never meets another mapping.
 */
static int kdump_iommu_arm_group(int id, struct iommu_domain *domain,
				 struct device *target)
{
	struct kdump_iommu_group *g;
	unsigned int i;
	int ret = 0;

	mutex_lock(&kdump_iommu_lock);
	if (!kdump_iommu_loaded || kdump_iommu_failed)
		goto out;
	g = xa_load(&kdump_iommu_groups, id);
	if (g && g->domain == domain)
		goto out;
	/* Its default domain changed: the old one is on its way out. */
	if (g)
		kdump_iommu_unmap_group(id, g);

	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g) {
		ret = -ENOMEM;
		goto out;
	}
	g->domain = domain;
	strscpy(g->armed_by, dev_name(target), sizeof(g->armed_by));
	for (i = 0; i < nr_armed_windows; i++) {
		u64 start = armed_windows[i].start;
		u64 size = armed_windows[i].end - start + 1;

		ret = kdump_iommu_fail_arm() ? -ENOMEM :
		      iommu_map(domain, start, start, size,
				IOMMU_READ | IOMMU_WRITE, GFP_KERNEL);
		if (ret) {
			/* iommu_map() undid its part; undo the others. */
			while (i--)
				iommu_unmap(domain, armed_windows[i].start,
					    armed_windows[i].end -
					    armed_windows[i].start + 1);
			kfree(g);
			dev_warn(target, "kdump_iommu: cannot map the crash kernel window (%d)\n",
				 ret);
			goto out;
		}
	}
	ret = xa_err(xa_store(&kdump_iommu_groups, id, g, GFP_KERNEL));
	if (ret) {
		for (i = 0; i < nr_armed_windows; i++)
			iommu_unmap(domain, armed_windows[i].start,
				    armed_windows[i].end - armed_windows[i].start + 1);
		kfree(g);
	}
out:
	mutex_unlock(&kdump_iommu_lock);
	return ret;
}

/* A group with an untrusted device in it loses the window. */
static void kdump_iommu_disarm_group(int id, struct device *why)
{
	struct kdump_iommu_group *g;

	mutex_lock(&kdump_iommu_lock);
	g = xa_load(&kdump_iommu_groups, id);
	if (g) {
		dev_info(why, "kdump_iommu: untrusted device in the group of %s: crash kernel window removed\n",
			 g->armed_by);
		kdump_iommu_unmap_group(id, g);
	}
	mutex_unlock(&kdump_iommu_lock);
}

/*
 * Untrusted devices added so far, counted by kdump_iommu_device_added()
 * under their group's lock.  A group is searched for one and then armed
 * in two walks, each under the group's lock but not across both: one
 * added in between finds nothing armed to take away, and the arming walk
 * sees the count move and leaves the group to the next pass.
 */
static atomic_t kdump_iommu_untrusted_added = ATOMIC_INIT(0);

struct kdump_iommu_arm_ctx {
	int id;
	int ret;
	int untrusted_added;
	bool again;
};

/* An untrusted device in the group: disarm it, and stop the walk. */
static int kdump_iommu_find_untrusted(struct device *dev, void *data)
{
	struct kdump_iommu_arm_ctx *ctx = data;

	if (!kdump_iommu_untrusted(dev))
		return 0;
	kdump_iommu_disarm_group(ctx->id, dev);
	return 1;
}

/*
 * For each device of a group with no untrusted device, with the group's
 * lock held across all of them: a target arms the group.
 */
static int kdump_iommu_arm_member(struct device *dev, void *data)
{
	struct kdump_iommu_arm_ctx *ctx = data;
	struct iommu_domain *domain;

	if (!dev_is_pci(dev) || !kdump_iommu_is_target(to_pci_dev(dev)))
		return 0;
	domain = iommu_get_dma_domain(dev);
	if (!domain || !iommu_is_dma_domain(domain))
		return 0;
	if (!kdump_iommu_reserved_for(dev)) {
		dev_warn_once(dev, "kdump_iommu: its IOMMU driver does not reserve the crash kernel window: not armed\n");
		return 0;
	}
	if (atomic_read(&kdump_iommu_untrusted_added) != ctx->untrusted_added) {
		ctx->again = true;
		return 1;
	}
	ctx->ret = kdump_iommu_arm_group(ctx->id, domain, dev);
	return ctx->ret;
}

/* Arm every group with a target in it that is not armed yet. */
static int kdump_iommu_arm_all(void)
{
	struct pci_dev *pdev = NULL;
	bool again = false;

	for_each_pci_dev(pdev) {
		struct kdump_iommu_arm_ctx ctx = {};
		struct iommu_group *group;

		if (!kdump_iommu_is_target(pdev))
			continue;
		group = iommu_group_get(&pdev->dev);
		if (!group)
			continue;
		ctx.id = iommu_group_id(group);
		ctx.untrusted_added = atomic_read(&kdump_iommu_untrusted_added);
		/*
		 * Never armed with an untrusted device in it, not even for a
		 * moment; one that joins later disarms it from
		 * kdump_iommu_device_added().
		 */
		if (!iommu_group_for_each_dev(group, &ctx,
					      kdump_iommu_find_untrusted))
			iommu_group_for_each_dev(group, &ctx,
						 kdump_iommu_arm_member);
		iommu_group_put(group);
		if (ctx.ret) {
			pci_dev_put(pdev);
			return ctx.ret;
		}
		again |= ctx.again;
	}
	if (again)
		queue_work(system_unbound_wq, &kdump_iommu_arm_work);
	return 0;
}

/* Warn once, unmap everything, and never arm again. */
static void kdump_iommu_fail(int err)
{
	mutex_lock(&kdump_iommu_lock);
	kdump_iommu_unmap_all();
	if (!kdump_iommu_failed)
		pr_warn("arming the crash kernel window failed (%d): turned off until reboot; a kdump kernel will initialise the IOMMU as usual\n",
			err);
	kdump_iommu_failed = true;
	mutex_unlock(&kdump_iommu_lock);
}

static void kdump_iommu_say_armed(void);

/* A crash image is loaded and this load has said what it armed. */
static bool kdump_iommu_said;

/*
 * Arm what a loaded crash image needs: every target group not armed
 * yet.  Runs from a work item, after
 * kexec_load() and kexec_file_load() (and after hot-plug): not under
 * kexec's lock, which a panic needs to take.  A panic before it is done
 * finds the window partly armed, and the kdump kernel takes its usual
 * path.
 */
static void kdump_iommu_arm_fn(struct work_struct *work)
{
	int ret;

	if (READ_ONCE(kdump_iommu_failed)) {
		kdump_iommu_fail(-ENOMEM);
		return;
	}
	if (!READ_ONCE(kdump_iommu_loaded))
		return;
	ret = kdump_iommu_arm_all();
	if (ret) {
		kdump_iommu_fail(ret);
		return;
	}
	if (!xchg(&kdump_iommu_said, true))
		kdump_iommu_say_armed();
}

/**
 * kdump_iommu_device_added() - a device got a default DMA domain
 * @dev: the device
 *
 * Called by the IOMMU core with the group's lock held, for every device
 * that is probed (hot-plug included) and for every new default domain,
 * before the device is attached to it where the core allows.  While a
 * crash image is loaded a target arms its group (from the work item,
 * which walks the whole group under its lock), and an untrusted device
 * takes the window from its group at once.
 */
void kdump_iommu_device_added(struct device *dev)
{
	struct iommu_group *group;

	if (kdump_iommu_untrusted(dev))
		atomic_inc(&kdump_iommu_untrusted_added);
	if (!READ_ONCE(kdump_iommu_loaded))
		return;
	if (kdump_iommu_untrusted(dev)) {
		group = iommu_group_get(dev);
		if (group) {
			kdump_iommu_disarm_group(iommu_group_id(group), dev);
			iommu_group_put(group);
		}
		return;
	}
	if (dev_is_pci(dev) && kdump_iommu_is_target(to_pci_dev(dev)))
		queue_work(system_unbound_wq, &kdump_iommu_arm_work);
}

/**
 * kdump_iommu_domain_freed() - forget a domain before it is freed
 * @domain: the domain
 *
 * Called by iommu_domain_free().  A domain is only armed while it is a
 * group's default domain, so one that is being freed is not being armed:
 * with nothing armed there is nothing to look for.
 */
void kdump_iommu_domain_freed(struct iommu_domain *domain)
{
	struct kdump_iommu_group *g;
	unsigned long id;

	if (xa_empty(&kdump_iommu_groups))
		return;
	mutex_lock(&kdump_iommu_lock);
	xa_for_each(&kdump_iommu_groups, id, g) {
		if (g->domain == domain) {
			xa_erase(&kdump_iommu_groups, id);
			kfree(g);
		}
	}
	mutex_unlock(&kdump_iommu_lock);
}

static void kdump_iommu_say_armed(void)
{
	unsigned int state[KDUMP_DEV_NR_STATES] = {}, i, listed = 0;
	struct kdump_iommu_range windows[KDUMP_IOMMU_MAX_WINDOWS];
	struct kdump_iommu_dev_info info;
	struct pci_dev *pdev = NULL;
	char list[128] = "";
	unsigned int nr;
	int len = 0;

	mutex_lock(&kdump_iommu_lock);
	nr = nr_armed_windows;
	memcpy(windows, armed_windows, sizeof(windows));
	mutex_unlock(&kdump_iommu_lock);

	for_each_pci_dev(pdev) {
		kdump_iommu_dev_info(pdev, &info);
		state[info.state]++;
		if (info.state != KDUMP_DEV_ARMED)
			continue;
		if (listed++ < 4)
			len += scnprintf(list + len, sizeof(list) - len, "%s%s",
					 listed > 1 ? " " : "", pci_name(pdev));
		else if (listed == 5)
			len += scnprintf(list + len, sizeof(list) - len, " ...");
	}
	for (i = 0; i < nr; i++)
		pr_info("crash kernel loaded: window [mem %#010llx-%#010llx] mapped 1:1 for %u devices (%s); %u other devices blocked from it, %u in pass-through, %u untrusted\n",
			windows[i].start, windows[i].end,
			state[KDUMP_DEV_ARMED], listed ? list : "none",
			state[KDUMP_DEV_BLOCKED], state[KDUMP_DEV_PASSTHROUGH],
			state[KDUMP_DEV_UNTRUSTED]);
	if (!state[KDUMP_DEV_ARMED] && state[KDUMP_DEV_BLOCKED])
		pr_warn("no target device in a DMA domain: nothing armed; a kdump kernel will initialise the IOMMU as usual\n");
}

/*
 * A device that can write to the loaded image can change it after kexec
 * checked its signature: with a signed-kexec-only policy, no window.
 */
static bool kdump_iommu_image_must_stay(void)
{
	return IS_ENABLED(CONFIG_KEXEC_SIG_FORCE) ||
	       security_locked_down(LOCKDOWN_KEXEC);
}

/**
 * kdump_iommu_arm() - a crash image was loaded: arm the window
 *
 * Called by kexec (kexec_load() and kexec_file_load() with the
 * KEXEC_ON_CRASH flag), under its lock, once the image is in place.  The
 * windows are the crash regions as they are now; the mapping is done
 * right after, from a work item.  Failure turns the window off: the kdump
 * kernel then finds nothing armed and takes the usual path.
 */
void kdump_iommu_arm(void)
{
	if (!kdump_iommu_primary())
		return;
	if (kdump_iommu_image_must_stay()) {
		pr_info_once("kexec accepts signed images only: no crash kernel window, which would let devices change the loaded image\n");
		return;
	}
	mutex_lock(&kdump_iommu_lock);
	nr_armed_windows = kdump_iommu_crash_windows(armed_windows);
	kdump_iommu_loaded = nr_armed_windows;
	kdump_iommu_said = false;
	mutex_unlock(&kdump_iommu_lock);
	if (nr_armed_windows)
		queue_work(system_unbound_wq, &kdump_iommu_arm_work);
}

/**
 * kdump_iommu_disarm() - the crash image is about to go: disarm the window
 *
 * Called by kexec before it unloads or replaces a crash image.  Unmaps the
 * window from every group that has it, and flushes the IOTLB, before it
 * returns.
 */
void kdump_iommu_disarm(void)
{
	bool was;
	unsigned int n;

	mutex_lock(&kdump_iommu_lock);
	was = kdump_iommu_loaded;
	kdump_iommu_loaded = false;
	mutex_unlock(&kdump_iommu_lock);
	if (!was)
		return;
	/* An arming under way checks kdump_iommu_loaded before it maps. */
	cancel_work_sync(&kdump_iommu_arm_work);

	mutex_lock(&kdump_iommu_lock);
	n = kdump_iommu_unmap_all();
	mutex_unlock(&kdump_iommu_lock);
	pr_info("crash kernel unloaded: window unmapped from %u IOMMU groups\n", n);
}

/**
 * kdump_iommu_settle() - wait for an arming under way
 *
 * For the status view, which then shows what a load armed.
 */
void kdump_iommu_settle(void)
{
	flush_work(&kdump_iommu_arm_work);
}

/* For the status view ----------------------------------------------------- */

/* One leaf per page iommu_map() used: a damaged entry or table shows. */
static bool kdump_iommu_window_intact(struct iommu_domain *domain)
{
	unsigned int identity, total;

	kdump_iommu_leaves(domain, false, &identity, &total);
	return identity == total;
}

struct kdump_iommu_info_ctx {
	struct device *dev;
	struct kdump_iommu_dev_info *info;
};

static int kdump_iommu_info_member(struct device *dev, void *data)
{
	struct kdump_iommu_info_ctx *ctx = data;
	struct kdump_iommu_dev_info *info = ctx->info;
	struct iommu_domain *domain;
	struct kdump_iommu_group *g;

	if (dev != ctx->dev)
		return 0;
	domain = iommu_get_dma_domain(dev);
	if (domain)
		info->pgsize_bitmap = domain->pgsize_bitmap;
	if (domain && domain->type == IOMMU_DOMAIN_IDENTITY) {
		info->state = KDUMP_DEV_PASSTHROUGH;
		return 1;
	}
	if (!domain || !iommu_is_dma_domain(domain)) {
		info->state = KDUMP_DEV_OTHER;
		return 1;
	}

	/*
	 * The group's lock keeps the domain; ours keeps the windows and the
	 * page tables under them, which disarming unmaps (and may free), for
	 * the walk.  The walk is bounded: one lookup per page of the window.
	 */
	mutex_lock(&kdump_iommu_lock);
	g = xa_load(&kdump_iommu_groups, info->group);
	if (g && g->domain == domain) {
		info->state = kdump_iommu_window_intact(domain) ?
			      KDUMP_DEV_ARMED : KDUMP_DEV_DAMAGED;
		strscpy(info->armed_by, g->armed_by, sizeof(info->armed_by));
	} else {
		info->state = kdump_iommu_loaded ? KDUMP_DEV_BLOCKED :
						   KDUMP_DEV_RESERVED;
	}
	mutex_unlock(&kdump_iommu_lock);
	return 1;
}

/**
 * kdump_iommu_dev_info() - what the window is to a device
 * @pdev: the device
 * @info: output
 *
 * Takes the device's group lock, so its domain cannot go away meanwhile.
 */
void kdump_iommu_dev_info(struct pci_dev *pdev,
			  struct kdump_iommu_dev_info *info)
{
	struct kdump_iommu_info_ctx ctx = { .dev = &pdev->dev, .info = info };
	struct iommu_group *group;

	memset(info, 0, sizeof(*info));
	info->group = -1;
	info->target = kdump_iommu_is_target(pdev);
	group = iommu_group_get(&pdev->dev);
	if (!group)
		return;
	info->group = iommu_group_id(group);
	if (pdev->untrusted)
		info->state = KDUMP_DEV_UNTRUSTED;
	else
		iommu_group_for_each_dev(group, &ctx, kdump_iommu_info_member);
	iommu_group_put(group);
}

/**
 * kdump_iommu_is_armed() - is a crash image loaded, with what windows?
 * @nr_groups: output: how many IOMMU groups are armed
 * @windows: output, room for %KDUMP_IOMMU_MAX_WINDOWS
 * @nr_windows: output: how many
 * @failed: output: the window is off after a failure
 *
 * Return: true while a crash image is loaded.
 */
bool kdump_iommu_is_armed(unsigned int *nr_groups,
			  struct kdump_iommu_range *windows,
			  unsigned int *nr_windows, bool *failed)
{
	struct kdump_iommu_group *g;
	unsigned long id;
	bool loaded;

	mutex_lock(&kdump_iommu_lock);
	loaded = kdump_iommu_loaded;
	*failed = kdump_iommu_failed;
	*nr_groups = 0;
	xa_for_each(&kdump_iommu_groups, id, g)
		(*nr_groups)++;
	*nr_windows = nr_armed_windows;
	memcpy(windows, armed_windows, sizeof(armed_windows));
	mutex_unlock(&kdump_iommu_lock);
	return loaded;
}

#ifdef CONFIG_KDUMP_IOMMU_RESERVE_DEBUG
/**
 * kdump_iommu_damage_domain() - unmap the first page of an armed window
 * @domain: the domain to damage, its group's lock held (which
 *	kdump_iommu_lock nests in)
 * @iova: output: the IO virtual address unmapped
 *
 * Testing only (kdump_debug.c).  Under kdump_iommu_lock, so that the
 * window is neither disarmed nor unmapped meanwhile.
 *
 * Return: the bytes unmapped, 0 if @domain has no window mapped.
 */
size_t kdump_iommu_damage_domain(struct iommu_domain *domain, u64 *iova)
{
	size_t unmapped = 0;
	u64 start;

	mutex_lock(&kdump_iommu_lock);
	start = armed_windows[0].start;
	if (kdump_iommu_loaded && !kdump_iommu_failed && nr_armed_windows &&
	    iommu_iova_to_phys(domain, start) == start) {
		*iova = start;
		unmapped = iommu_unmap(domain, start, PAGE_SIZE);
	}
	mutex_unlock(&kdump_iommu_lock);
	return unmapped;
}
#endif

/* /sys/kernel/kdump_iommu/devices ----------------------------------------- */

static ssize_t devices_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	ssize_t len;

	mutex_lock(&kdump_iommu_lock);
	len = sysfs_emit(buf, "%s\n", kdump_iommu_targets ?: "");
	mutex_unlock(&kdump_iommu_lock);
	return len;
}

static ssize_t devices_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	char *copy, *list, *old;
	int ret;

	copy = kstrndup(buf, count, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	list = strim(copy);
	ret = *list ? kdump_iommu_check_targets(list, true) : 0;
	if (ret)
		goto out;
	if (list != copy) {
		memmove(copy, list, strlen(list) + 1);
		list = copy;
	}

	mutex_lock(&kdump_iommu_lock);
	if (kdump_iommu_loaded) {
		mutex_unlock(&kdump_iommu_lock);
		pr_warn("targets: a crash kernel is loaded and armed: unload it first (kexec -p -u), then declare the devices and load it again\n");
		ret = -EBUSY;
		goto out;
	}
	old = kdump_iommu_targets;
	kdump_iommu_targets = *list ? list : NULL;
	mutex_unlock(&kdump_iommu_lock);
	if (*list) {
		pr_info("targets: %s\n", list);
		copy = NULL;
	} else {
		pr_info("targets: " KDUMP_IOMMU_DEFAULT_TARGETS "\n");
	}
	kfree(old);
	ret = count;
out:
	kfree(copy);
	return ret;
}

static struct kobj_attribute kdump_iommu_devices_attr = __ATTR_RW(devices);

static struct attribute *kdump_iommu_attrs[] = {
	&kdump_iommu_devices_attr.attr,
	NULL,
};

static const struct attribute_group kdump_iommu_attr_group = {
	.attrs = kdump_iommu_attrs,
};

/*
 * After the IOMMUs have found their devices (late_initcall_sync): say
 * what is reserved, check kdump_iommu_devices=, and offer the sysfs file.
 */
static int __init kdump_iommu_primary_init(void)
{
	struct kdump_iommu_range windows[KDUMP_IOMMU_MAX_WINDOWS];
	struct kobject *kobj;
	unsigned int i, n;
	char *list;

	if (is_kdump_kernel())
		return 0;
	if (kdump_iommu_param == KDUMP_IOMMU_OFF) {
		pr_info("disabled (kdump_iommu=off): no crash kernel window\n");
		return 0;
	}
	n = kdump_iommu_crash_windows(windows);
	if (!n) {
		pr_info("no crashkernel= reservation: no crash kernel window\n");
		return 0;
	}
	for (i = 0; i < n; i++)
		pr_info("crash kernel window [mem %#010llx-%#010llx] (%llu MiB): IOVAs reserved; mapped 1:1 for the dump's devices while a crash kernel is loaded\n",
			windows[i].start, windows[i].end,
			(windows[i].end - windows[i].start + 1) >> 20);

	list = kdump_iommu_targets_param ?
	       kstrdup(strim(kdump_iommu_targets_param), GFP_KERNEL) : NULL;
	if (list && (!*list || kdump_iommu_check_targets(list, false))) {
		pr_warn("ignoring kdump_iommu_devices=%s: using the default targets\n",
			kdump_iommu_targets_param);
		kfree(list);
		list = NULL;
	}
	kdump_iommu_targets = list;
	pr_info("targets: %s\n",
		list ?: KDUMP_IOMMU_DEFAULT_TARGETS);

	kobj = kobject_create_and_add("kdump_iommu", kernel_kobj);
	if (!kobj || sysfs_create_group(kobj, &kdump_iommu_attr_group)) {
		kobject_put(kobj);
		pr_warn("no /sys/kernel/kdump_iommu: devices can only be declared with kdump_iommu_devices=\n");
	}
	return 0;
}
late_initcall_sync(kdump_iommu_primary_init);
