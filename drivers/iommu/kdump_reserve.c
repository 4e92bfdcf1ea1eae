// SPDX-License-Identifier: GPL-2.0
/*
 * An identity-mapped crash kernel window in every DMA domain, for kdump.
 *
 * After a panic the kdump kernel boots with the IOMMU still translating
 * through tables that live in the crashed kernel's memory, while devices
 * may still be doing DMA.  Rather than having the kdump kernel rewrite or
 * copy those tables, the primary kernel prepares for it ("Kdump IO Rule",
 * LKML 2008): every DMA domain maps the crash kernel regions 1:1
 * (IOVA == physical address) from boot, and the IOVA allocator never
 * hands those IOVAs out.  The kdump kernel then checks, reading the old
 * tables without writing them, that its own memory is mapped 1:1 for
 * every device, skips DMA-remapping initialisation and does DMA with
 * physical addresses.  If the check fails it takes the driver's usual
 * path, so it is never worse off than without this.
 *
 * This file is the generic part: the kdump_iommu= parameter, the windows,
 * the reserved region IOMMU drivers advertise, the status view, and the
 * kdump kernel's identity check and hand-off decision.  Drivers add a
 * hook to their get_resv_regions() and, for the kdump kernel, a lookup
 * function that walks their own table format.
 *
 * Copyright (C) 2026 The kdump-iommu authors
 */

#define pr_fmt(fmt) "kdump_iommu: " fmt

#include <linux/crash_core.h>
#include <linux/crash_dump.h>
#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/elf.h>
#include <linux/fault-inject.h>
#include <linux/init.h>
#include <linux/iommu.h>
#include <linux/ioport.h>
#include <linux/kdump_iommu.h>
#include <linux/kexec.h>
#include <linux/log2.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/string.h>

/*
 * x86 reserves the first megabyte of RAM for good in every kernel
 * (arch/x86/realmode/init.c), so a kdump kernel never puts a DMA buffer
 * there even though kexec hands it that memory: no window needed below.
 */
#define KDUMP_IOMMU_DMA_FLOOR	(IS_ENABLED(CONFIG_X86) ? SZ_1M : 0)

static enum kdump_iommu_mode kdump_iommu_param = KDUMP_IOMMU_ON;

/* The crash regions as seen at boot, and the windows made of them. */
static struct kdump_iommu_range crash_regions[KDUMP_IOMMU_MAX_WINDOWS];
static struct kdump_iommu_range windows[KDUMP_IOMMU_MAX_WINDOWS];
static unsigned int nr_windows;

/* What the primary kernel did. */
static atomic_t nr_advertised = ATOMIC_INIT(0);
static atomic_t nr_untrusted = ATOMIC_INIT(0);

/*
 * The DMA domains the window is mapped in, for the crash-path check.
 * Changed under armed_lock; read on the crash path without it, once the
 * other CPUs are stopped: an entry is cleared before its domain is freed.
 */
#define KDUMP_IOMMU_MAX_ARMED	64
static struct kdump_iommu_armed {
	struct iommu_domain *domain;
	char dev[16];
} armed[KDUMP_IOMMU_MAX_ARMED];
static DEFINE_SPINLOCK(armed_lock);
static bool armed_overflow;

/* What the kdump kernel decided, for the status view. */
static struct {
	char iommu[16];
	unsigned int nr_devices;
	bool skipped;
	char why_not[96];
	char crash_check[160];
} handoff;

/*
 * IOMMUs outside the IOMMU API (HP sba_iommu), one entry per unit, for
 * the status view.  Filled in at boot, by one CPU.
 */
#define KDUMP_IOMMU_MAX_UNITS	8
static struct {
	char name[24];
	char state[128];
} units[KDUMP_IOMMU_MAX_UNITS];
static unsigned int nr_units;

#define VMCOREINFO_WINDOW	"KDUMP_IOMMU_WINDOW="
#define VMCOREINFO_TARGETS	"KDUMP_IOMMU_TARGETS="

/**
 * kdump_iommu_parse_mode() - parse the value of kdump_iommu=
 * @str: the value: "on", "off" or "force"
 * @mode: where to store the result; left alone on error
 *
 * Only exact values are accepted: kstrtobool() would take "yesterday" for
 * "yes" and "offline" for "off", and a typo in a parameter that decides
 * how a kdump kernel treats the IOMMU should be reported, not guessed at.
 *
 * Return: 0 on success, -EINVAL if @str is missing or not a known value.
 */
int kdump_iommu_parse_mode(const char *str, enum kdump_iommu_mode *mode)
{
	static const struct {
		const char *name;
		enum kdump_iommu_mode mode;
	} values[] = {
		{ "on", KDUMP_IOMMU_ON },
		{ "off", KDUMP_IOMMU_OFF },
		{ "force", KDUMP_IOMMU_FORCE },
	};
	unsigned int i;

	if (!str)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(values); i++) {
		if (!strcmp(str, values[i].name)) {
			*mode = values[i].mode;
			return 0;
		}
	}
	return -EINVAL;
}

/**
 * kdump_iommu_mode_name() - the kdump_iommu= value that selects a mode
 * @mode: the mode
 *
 * Return: "on", "off", "force", or "?" for a value out of range.
 */
const char *kdump_iommu_mode_name(enum kdump_iommu_mode mode)
{
	switch (mode) {
	case KDUMP_IOMMU_OFF:
		return "off";
	case KDUMP_IOMMU_ON:
		return "on";
	case KDUMP_IOMMU_FORCE:
		return "force";
	}
	return "?";
}

static int __init kdump_iommu_setup(char *str)
{
	if (kdump_iommu_parse_mode(str, &kdump_iommu_param))
		pr_warn("ignoring kdump_iommu=%s: expected on, off or force; keeping %s\n",
			str ?: "", kdump_iommu_mode_name(kdump_iommu_param));
	return 0;
}
early_param("kdump_iommu", kdump_iommu_setup);

/**
 * kdump_iommu_parse_devices() - parse a list of PCI devices
 * @str: comma-separated devices, each [<domain>:]<bus>:<slot>.<function>
 *	in hex, as in "0000:00:04.0,01:00.1"
 * @sbdf: output: the devices as (domain << 16 | bus << 8 | devfn)
 * @max: room in @sbdf
 *
 * The whole list is refused if any part of it is malformed: a typo must
 * not silently shrink the set of devices the dump can use.
 *
 * Return: the number of devices, or -EINVAL (malformed, empty, out of
 * range, or more than @max).
 */
int kdump_iommu_parse_devices(const char *str, u32 *sbdf, unsigned int max)
{
	unsigned int n = 0;

	if (!str)
		return -EINVAL;
	for (;;) {
		unsigned int f[4], nf = 0, dots = 0, digits;
		const char *p = str;

		/* Up to four hex fields, "a:b:c.d" or "a:b.c": no signs,
		 * prefixes or spaces, which sscanf() would let through.
		 */
		while (nf < 4) {
			digits = 0;
			f[nf] = 0;
			while (isxdigit(*p) && digits < 5) {
				f[nf] = f[nf] << 4 | hex_to_bin(*p++);
				digits++;
			}
			if (!digits || digits > 4)
				return -EINVAL;
			nf++;
			if (*p == ':' && !dots) {
				p++;
			} else if (*p == '.' && !dots) {
				dots++;
				p++;
			} else {
				break;
			}
		}
		if (!dots || (nf != 3 && nf != 4) || (*p && *p != ','))
			return -EINVAL;
		if (nf == 3) {		/* bus:slot.fn */
			f[3] = f[2];
			f[2] = f[1];
			f[1] = f[0];
			f[0] = 0;
		}
		if (f[0] > 0xffff || f[1] > 0xff || f[2] > 0x1f || f[3] > 7 ||
		    n == max)
			return -EINVAL;
		sbdf[n++] = f[0] << 16 | f[1] << 8 | PCI_DEVFN(f[2], f[3]);
		if (!*p)
			return n;
		str = p + 1;
	}
}

/* kdump_iommu_devices=: the window only for these (isolation) */
#define KDUMP_IOMMU_MAX_TARGETS	8
static u32 targets[KDUMP_IOMMU_MAX_TARGETS];
static unsigned int nr_targets;

static int __init kdump_iommu_devices_setup(char *str)
{
	int n = kdump_iommu_parse_devices(str, targets, ARRAY_SIZE(targets));

	if (n < 0) {
		pr_warn("ignoring kdump_iommu_devices=%s: expected up to %u PCI devices, [dddd:]bb:dd.f, comma-separated; every device keeps the window\n",
			str ?: "", KDUMP_IOMMU_MAX_TARGETS);
		return 0;
	}
	nr_targets = n;
	return 0;
}
early_param("kdump_iommu_devices", kdump_iommu_devices_setup);

static u32 kdump_iommu_sbdf(struct pci_dev *pdev)
{
	return pci_domain_nr(pdev->bus) << 16 | pci_dev_id(pdev);
}

static bool kdump_iommu_is_target(struct device *dev)
{
	unsigned int i;

	if (!nr_targets)
		return true;
	if (!dev_is_pci(dev))
		return false;
	for (i = 0; i < nr_targets; i++)
		if (targets[i] == kdump_iommu_sbdf(to_pci_dev(dev)))
			return true;
	return false;
}

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
 * Return: the number of windows written to @windows.
 */
unsigned int kdump_iommu_make_windows(const struct kdump_iommu_range *regions,
				      unsigned int nr_regions, u64 page_size,
				      u64 max_addr,
				      struct kdump_iommu_range *windows,
				      u64 *clipped)
{
	unsigned int i, n = 0, merged = 0;

	*clipped = 0;
	if (WARN_ON(!is_power_of_2(page_size)))
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
		sizes &= GENMASK(__fls(left), 0);
	/* ... and no larger than the address's alignment. */
	if (addr)
		sizes &= GENMASK(__ffs(addr), 0);
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

/**
 * kdump_iommu_check_identity_range() - is a range mapped 1:1, read/write?
 * @lookup: the driver's translation of one IOVA through its tables
 * @data: the driver's cookie for @lookup
 * @start: first address
 * @end: last address (inclusive)
 * @bad: output on failure: the first address that fails and why
 *
 * Asks @lookup once per translation unit (a 2 MiB page costs one call),
 * so a 256 MiB window mapped with 2 MiB pages takes 128 lookups.
 *
 * Return: 0 if every address in the range translates to itself and is
 * writable; -ERANGE if one does not; the lookup's error if it fails.
 */
int kdump_iommu_check_identity_range(kdump_iommu_lookup_t lookup, void *data,
				     u64 start, u64 end,
				     struct kdump_iommu_mismatch *bad)
{
	u64 iova = start;

	while (iova <= end) {
		struct kdump_iommu_pte pte = {};
		int ret = lookup(data, iova, &pte);

		if (!ret && (!pte.size || !is_power_of_2(pte.size)))
			ret = -EINVAL;
		if (!ret && (pte.phys != iova || !pte.writable))
			ret = -ERANGE;
		if (ret) {
			bad->iova = iova;
			bad->phys = pte.phys;
			bad->err = ret == -ERANGE ? 0 : ret;
			return ret;
		}
		/* On to the next translation unit; stop if that wraps. */
		if ((iova | (pte.size - 1)) == U64_MAX)
			break;
		iova = (iova | (pte.size - 1)) + 1;
	}
	return 0;
}

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
int kdump_iommu_iova_space_check(const struct kdump_iommu_iova_space *s)
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
bool kdump_iommu_iova_space_translates(const struct kdump_iommu_iova_space *s,
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
 * A kdump kernel that leaves such an IOMMU as it is does DMA to physical
 * addresses: outside the space they go through untranslated, inside they
 * are translated by the crashed kernel's page table, so there each IOMMU
 * page of a window needs an identity entry the driver never hands out.
 *
 * Return: the number of @identity ranges (0: every window is reached
 * untranslated); -EINVAL if the space is not understood; -EBUSY if a
 * window reaches into the space above @last_usable.
 */
int kdump_iommu_iova_space_plan(const struct kdump_iommu_range *windows,
				unsigned int nr,
				const struct kdump_iommu_iova_space *s,
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
u64 kdump_iommu_bytes_below(const struct kdump_iommu_range *windows,
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

/* Primary kernel ------------------------------------------------------ */

/*
 * The crash regions are reserved in setup_arch() and IOMMUs start probing
 * devices at rootfs_initcall time: make the windows in between.
 */
static int __init kdump_iommu_init_windows(void)
{
	u64 clipped;

	if (is_kdump_kernel())
		return 0;
	crash_regions[0].start = crashk_res.start;
	crash_regions[0].end = crashk_res.end;
	crash_regions[1].start = crashk_low_res.start;
	crash_regions[1].end = crashk_low_res.end;
	nr_windows = kdump_iommu_make_windows(crash_regions,
					      ARRAY_SIZE(crash_regions),
					      PAGE_SIZE, U64_MAX, windows,
					      &clipped);
	return 0;
}
core_initcall(kdump_iommu_init_windows);

static bool kdump_iommu_arming(void)
{
	return kdump_iommu_param != KDUMP_IOMMU_OFF && nr_windows;
}

#ifdef CONFIG_KDUMP_IOMMU_RESERVE_DEBUG
/* fail_kdump_iommu_window=<interval>,<probability>,<space>,<times> */
static DECLARE_FAULT_ATTR(fail_window);

static int __init fail_window_setup(char *str)
{
	return setup_fault_attr(&fail_window, str);
}
__setup("fail_kdump_iommu_window=", fail_window_setup);

static bool kdump_iommu_fail_window(void)
{
	return should_fail(&fail_window, 1);
}
#else
static bool kdump_iommu_fail_window(void)
{
	return false;
}
#endif

static bool kdump_iommu_dev_untrusted(struct device *dev)
{
	return dev_is_pci(dev) && to_pci_dev(dev)->untrusted;
}

/**
 * kdump_iommu_get_resv_regions() - add the crash windows to a device's
 *	reserved regions
 * @dev: the device
 * @head: its list of reserved regions, as passed to the IOMMU driver's
 *	get_resv_regions()
 *
 * Called by IOMMU drivers from their get_resv_regions().  The IOMMU core
 * then maps the windows 1:1 in the device's default domain when that is a
 * DMA domain (iommu_create_device_direct_mappings(), also for devices that
 * are hot-plugged later), dma-iommu keeps the IOVA allocator out of them,
 * and they show in /sys/kernel/iommu_groups/<n>/reserved_regions.
 *
 * The windows are "direct-relaxable": VFIO does not reserve relaxable
 * regions, so a device assigned to a guest keeps its whole IOVA space and
 * its unmanaged domain has no window (the kdump kernel then finds the
 * device unmapped and falls back).  Untrusted (external-facing) devices
 * never get a window: it would let them reach the crash kernel's memory.
 */
void kdump_iommu_get_resv_regions(struct device *dev, struct list_head *head)
{
	struct iommu_resv_region *region;
	unsigned int i;

	if (!kdump_iommu_arming())
		return;
	if (kdump_iommu_dev_untrusted(dev)) {
		if (atomic_inc_return(&nr_untrusted) == 1)
			dev_info(dev, "untrusted device: no crash kernel window (said once for all untrusted devices)\n");
		return;
	}
	if (!kdump_iommu_is_target(dev))
		return;

	for (i = 0; i < nr_windows; i++) {
		region = NULL;
		if (!kdump_iommu_fail_window())
			region = iommu_alloc_resv_region(windows[i].start,
							 windows[i].end - windows[i].start + 1,
							 IOMMU_READ | IOMMU_WRITE,
							 IOMMU_RESV_DIRECT_RELAXABLE,
							 GFP_KERNEL);
		if (!region) {
			dev_warn(dev, "no memory for the crash kernel window: this device gets none\n");
			return;
		}
		list_add_tail(&region->list, head);
	}
	atomic_inc(&nr_advertised);
}
EXPORT_SYMBOL_GPL(kdump_iommu_get_resv_regions);

/**
 * kdump_iommu_def_domain_type() - the default domain a device must have
 * @dev: the device
 *
 * Called by the IOMMU core when it picks a device's default domain type.
 * With kdump_iommu_devices= (isolation), a device that is not one of the
 * targets must not reach the crash kernel's memory; an identity domain
 * (iommu=pt) reaches all memory, so such a device gets a DMA domain, in
 * which it has no window.
 *
 * Return: IOMMU_DOMAIN_DMA for such a device, else 0 (no preference).
 */
int kdump_iommu_def_domain_type(struct device *dev)
{
	if (!nr_targets || !kdump_iommu_arming() || kdump_iommu_is_target(dev))
		return 0;
	return IOMMU_DOMAIN_DMA;
}

/**
 * kdump_iommu_may_shrink() - may the crash region shrink to [.., @start)?
 * @start: first address that would be given back to the page allocator
 * @end: last address that would be given back
 *
 * Called by crash_shrink_memory() (a write to /sys/kernel/kexec_crash_size).
 * Memory given back to the page allocator must not stay reachable 1:1 by
 * every device through the window, and the IOMMU core has no way to take
 * a direct mapping out of the domains that hold it, so the shrink is
 * refused while windows are armed.
 *
 * Return: 0 if the shrink may go ahead, -EBUSY if not.
 */
int kdump_iommu_may_shrink(u64 start, u64 end)
{
	if (!atomic_read(&nr_advertised) ||
	    !kdump_iommu_overlaps(windows, nr_windows, start, end))
		return 0;
	pr_warn("not shrinking the crash kernel region: IOMMU domains map [mem %#010llx-%#010llx] 1:1 for kdump (boot with kdump_iommu=off to allow it)\n",
		start, end);
	return -EBUSY;
}

/* Devices limited to 32-bit DMA: their bounce buffers must be below 4 GiB. */
#define KDUMP_IOMMU_DMA32_LIMIT	0xffffffffULL

/**
 * kdump_iommu_iova_space_window() - arm the window in an IOMMU with a
 *	fixed IOVA space
 * @unit: the IOMMU's name, for the log and the status view
 * @s: its IOVA space, as it will translate once the driver enables it
 * @last_usable: the last address of the space the driver hands out
 * @identity: output, room for %KDUMP_IOMMU_MAX_WINDOWS ranges, see
 *	kdump_iommu_iova_space_plan()
 *
 * For IOMMUs outside the IOMMU API that translate one range of bus
 * addresses and pass every other address through (HP sba_iommu, "IOVA
 * bypass").  A kdump kernel leaves them translating as the crashed kernel
 * left them and does DMA with physical addresses, which reach the windows
 * untranslated unless the windows lie in the space.  There the driver
 * must write an identity entry for each page of @identity and mark it
 * used in its allocator, at boot, before any device does DMA.
 *
 * Says what it found, in the log and in the status view.
 *
 * Return: the number of @identity ranges, 0 if none is needed, or a
 * negative errno if the windows cannot be made reachable (said why).
 */
int kdump_iommu_iova_space_window(const char *unit,
				  const struct kdump_iommu_iova_space *s,
				  u64 last_usable,
				  struct kdump_iommu_range *identity)
{
	u64 last = s->base | ~s->mask, low, bytes = 0;
	char *state;
	int n, i;

	if (!kdump_iommu_arming())
		return 0;
	if (nr_units >= ARRAY_SIZE(units)) {
		pr_warn_once("more than %zu IOMMUs with a fixed IOVA space: not arming the others\n",
			     ARRAY_SIZE(units));
		return -ENOSPC;
	}
	strscpy(units[nr_units].name, unit, sizeof(units[nr_units].name));
	state = units[nr_units].state;
	nr_units++;

	n = kdump_iommu_iova_space_plan(windows, nr_windows, s, last_usable,
					identity);
	for (i = 0; i < n; i++)
		bytes += identity[i].end - identity[i].start + 1;
	if (n == -EINVAL)
		scnprintf(state, sizeof(units[0].state),
			  "NOT armed: IOVA space base %#llx mask %#llx not understood",
			  s->base, s->mask);
	else if (n == -EBUSY)
		scnprintf(state, sizeof(units[0].state),
			  "NOT armed: window in IOVA space %#llx-%#llx above %#llx, which the driver cannot give",
			  s->base, last, last_usable);
	else if (n)
		scnprintf(state, sizeof(units[0].state),
			  "armed: %llu KiB inside IOVA space %#llx-%#llx mapped 1:1, the rest untranslated",
			  bytes >> 10, s->base, last);
	else
		scnprintf(state, sizeof(units[0].state),
			  "armed: window outside IOVA space %#llx-%#llx, reached untranslated",
			  s->base, last);
	if (n < 0)
		pr_warn("%s: %s: a kdump kernel's DMA there would go astray (move crashkernel= out of it)\n",
			unit, state);
	else
		pr_info("%s: %s\n", unit, state);
	if (n > 0)
		atomic_inc(&nr_advertised);

	low = kdump_iommu_bytes_below(windows, nr_windows, KDUMP_IOMMU_DMA32_LIMIT);
	if (!low)
		pr_warn_once("no crash kernel memory below 4 GiB: devices limited to 32-bit DMA cannot do DMA in a kdump kernel (reserve some with crashkernel=...@<4G or ,low)\n");
	if (nr_targets)
		pr_warn_once("%s: kdump_iommu_devices= cannot isolate anything here: devices reach all memory untranslated outside the IOVA space\n",
			     unit);
	return n;
}
EXPORT_SYMBOL_GPL(kdump_iommu_iova_space_window);

/*
 * Check a DMA domain's window the way iommu_map() laid it out: one lookup
 * per leaf page, at its first byte.  A leaf maps all of its page through
 * one entry, so a damaged entry, or a damaged table above it, shows there.
 * Lock-free and allocation-free for VT-d and AMD-Vi, whose iova_to_phys()
 * only reads their tables.
 */
static bool kdump_iommu_window_intact(struct iommu_domain *domain, u64 *bad)
{
	unsigned int i;

	for (i = 0; i < nr_windows; i++) {
		u64 addr = windows[i].start, left = windows[i].end - addr + 1;

		while (left) {
			u64 leaf = kdump_iommu_leaf_size(addr, left,
							 domain->pgsize_bitmap);

			if (!leaf || iommu_iova_to_phys(domain, addr) != addr) {
				*bad = addr;
				return false;
			}
			addr += leaf;
			left -= leaf;
		}
	}
	return true;
}

/**
 * kdump_iommu_domain_mapped() - the IOMMU core mapped a device's direct
 *	regions into a domain
 * @dev: the device
 * @domain: its default domain
 *
 * Called by iommu_create_device_direct_mappings().  Records the domain for
 * the crash-path check if it now maps the window 1:1.
 */
void kdump_iommu_domain_mapped(struct device *dev, struct iommu_domain *domain)
{
	unsigned long flags;
	unsigned int i, free = KDUMP_IOMMU_MAX_ARMED;
	u64 bad;

	if (!kdump_iommu_arming() || !iommu_is_dma_domain(domain) ||
	    !kdump_iommu_window_intact(domain, &bad))
		return;

	spin_lock_irqsave(&armed_lock, flags);
	for (i = 0; i < KDUMP_IOMMU_MAX_ARMED; i++) {
		if (armed[i].domain == domain)
			goto out;
		if (!armed[i].domain && free == KDUMP_IOMMU_MAX_ARMED)
			free = i;
	}
	if (free == KDUMP_IOMMU_MAX_ARMED) {
		armed_overflow = true;
		goto out;
	}
	strscpy(armed[free].dev, dev_name(dev), sizeof(armed[free].dev));
	WRITE_ONCE(armed[free].domain, domain);
out:
	spin_unlock_irqrestore(&armed_lock, flags);
}

/**
 * kdump_iommu_domain_freed() - forget a domain before it is freed
 * @domain: the domain
 *
 * Called by iommu_domain_free().
 */
void kdump_iommu_domain_freed(struct iommu_domain *domain)
{
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&armed_lock, flags);
	for (i = 0; i < KDUMP_IOMMU_MAX_ARMED; i++)
		if (armed[i].domain == domain)
			WRITE_ONCE(armed[i].domain, NULL);
	spin_unlock_irqrestore(&armed_lock, flags);
}

/**
 * kdump_iommu_crash_check() - are the armed windows intact?
 * @buf: where to write the verdict, one line of text for VMCOREINFO
 * @len: size of @buf
 *
 * For the crash path: called with the other CPUs stopped and interrupts
 * off, it takes no lock, allocates nothing, and looks at each leaf page
 * of each armed domain once (128 lookups per domain for a 256 MiB window
 * in 2 MiB pages).
 *
 * Return: the number of damaged domains, or -ENOENT if nothing is armed.
 */
int kdump_iommu_crash_check(char *buf, size_t len)
{
	unsigned int i, nr = 0, damaged = 0;
	const char *first = NULL;
	u64 bad, first_bad = 0;

	if (!kdump_iommu_arming())
		return -ENOENT;
	for (i = 0; i < KDUMP_IOMMU_MAX_ARMED; i++) {
		struct iommu_domain *domain = READ_ONCE(armed[i].domain);

		if (!domain)
			continue;
		nr++;
		if (kdump_iommu_window_intact(domain, &bad))
			continue;
		if (!damaged++) {
			first = armed[i].dev;
			first_bad = bad;
		}
	}
	if (!nr)
		return -ENOENT;
	if (damaged)
		scnprintf(buf, len, "damaged,domains=%u,damaged=%u,first=%s@%#llx",
			  nr, damaged, first, first_bad);
	else
		scnprintf(buf, len, "intact,domains=%u%s", nr,
			  armed_overflow ? ",unchecked=some" : "");
	return damaged;
}

enum kdump_iommu_dev_state {
	DEV_NOT_TARGET,
	DEV_ARMED,
	DEV_IDENTITY,
	DEV_UNTRUSTED,
	DEV_UNMANAGED,
	DEV_NOT_MAPPED,
	DEV_NO_DOMAIN,
	DEV_NR_STATES,
};

static const char * const dev_state_names[DEV_NR_STATES] = {
	[DEV_NOT_TARGET] = "not a kdump_iommu_devices= target: isolated, no window",
	[DEV_ARMED] = "armed",
	[DEV_IDENTITY] = "identity domain (reaches all memory 1:1)",
	[DEV_UNTRUSTED] = "untrusted: no window",
	[DEV_UNMANAGED] = "unmanaged domain (e.g. VFIO): no window",
	[DEV_NOT_MAPPED] = "window NOT mapped 1:1",
	[DEV_NO_DOMAIN] = "no IOMMU domain",
};

/*
 * Check a DMA domain's window at every 2 MiB step and both ends: cheap
 * enough for boot and for reading the status file.  The kdump kernel
 * checks every translation unit before it relies on the window.
 */
static bool kdump_iommu_domain_armed(struct iommu_domain *domain)
{
	unsigned int i;
	u64 a;

	for (i = 0; i < nr_windows; i++) {
		for (a = windows[i].start; a <= windows[i].end; a += SZ_2M) {
			if (iommu_iova_to_phys(domain, a) != a)
				return false;
			if (windows[i].end - a < SZ_2M)
				break;
		}
		a = windows[i].end & PAGE_MASK;
		if (iommu_iova_to_phys(domain, a) != a)
			return false;
	}
	return true;
}

static enum kdump_iommu_dev_state kdump_iommu_dev_state(struct device *dev,
							struct iommu_domain **dom)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);

	*dom = domain;
	if (!domain)
		return DEV_NO_DOMAIN;
	if (domain->type == IOMMU_DOMAIN_IDENTITY)
		return DEV_IDENTITY;
	if (kdump_iommu_dev_untrusted(dev))
		return DEV_UNTRUSTED;
	if (!(domain->type & __IOMMU_DOMAIN_DMA_API))
		return DEV_UNMANAGED;
	if (!kdump_iommu_is_target(dev))
		return DEV_NOT_TARGET;
	return kdump_iommu_domain_armed(domain) ? DEV_ARMED : DEV_NOT_MAPPED;
}

struct kdump_iommu_census {
	unsigned int nr[DEV_NR_STATES];
	/* Armed domains, counted once however many devices share them. */
	unsigned int nr_domains;
	struct iommu_domain *seen[32];
	struct seq_file *seq;
};

static void kdump_iommu_count(struct kdump_iommu_census *c, struct device *dev)
{
	struct iommu_domain *domain;
	enum kdump_iommu_dev_state st = kdump_iommu_dev_state(dev, &domain);
	unsigned int i;

	c->nr[st]++;
	if (c->seq)
		seq_printf(c->seq, "  %s\t%s\n", dev_name(dev), dev_state_names[st]);
	if (st != DEV_ARMED)
		return;
	for (i = 0; i < min_t(unsigned int, c->nr_domains, ARRAY_SIZE(c->seen)); i++)
		if (c->seen[i] == domain)
			return;
	/* Past ARRAY_SIZE(seen) domains the count may include repeats. */
	if (c->nr_domains < ARRAY_SIZE(c->seen))
		c->seen[c->nr_domains] = domain;
	c->nr_domains++;
}

static void kdump_iommu_census(struct kdump_iommu_census *c)
{
	struct pci_dev *pdev = NULL;

	for_each_pci_dev(pdev) {
		if (!device_iommu_mapped(&pdev->dev))
			continue;
		kdump_iommu_count(c, &pdev->dev);
	}
}

static int __init kdump_iommu_report(void)
{
	struct kdump_iommu_census c = {};
	unsigned int i, total;

	if (is_kdump_kernel())
		return 0;
	if (kdump_iommu_param == KDUMP_IOMMU_OFF) {
		pr_info("disabled (kdump_iommu=off): no crash kernel window\n");
		return 0;
	}
	if (!kdump_iommu_arming()) {
		pr_info("no crashkernel= reservation: no crash kernel window\n");
		return 0;
	}
	kdump_iommu_census(&c);
	for (i = 0; i < nr_windows; i++)
		pr_info("crash kernel window [mem %#010llx-%#010llx] (%llu MiB)\n",
			windows[i].start, windows[i].end,
			(windows[i].end - windows[i].start + 1) >> 20);
	for (i = 0; i < nr_units; i++)
		pr_info("%s: %s\n", units[i].name, units[i].state);
	for (i = 0, total = 0; i < DEV_NR_STATES; i++)
		total += c.nr[i];
	/* Only IOMMUs outside the IOMMU API (ia64): no DMA domains to count */
	if (nr_units && !total)
		return 0;
	pr_info("identity-mapped in %u DMA domains (%u devices); %u in identity domains, %u untrusted, %u unmanaged, %u NOT mapped\n",
		c.nr_domains, c.nr[DEV_ARMED], c.nr[DEV_IDENTITY],
		c.nr[DEV_UNTRUSTED], c.nr[DEV_UNMANAGED], c.nr[DEV_NOT_MAPPED]);
	if (nr_targets) {
		char list[KDUMP_IOMMU_MAX_TARGETS * 13 + 1] = "";

		for (i = 0; i < nr_targets; i++)
			scnprintf(list + strlen(list), sizeof(list) - strlen(list),
				  "%s%04x:%02x:%02x.%x", i ? "," : "",
				  targets[i] >> 16, (targets[i] >> 8) & 0xff,
				  PCI_SLOT(targets[i]), PCI_FUNC(targets[i]));
		pr_info("isolation: the window only for %s; %u other devices kept out of the crash kernel's memory\n",
			list, c.nr[DEV_NOT_TARGET]);
		/* Tell the kdump kernel which devices to check. */
		vmcoreinfo_append_str("%s%s\n", VMCOREINFO_TARGETS, list);
	}
	return 0;
}
late_initcall_sync(kdump_iommu_report);

/* Kdump kernel -------------------------------------------------------- */

/**
 * kdump_iommu_handoff_wanted() - should an IOMMU driver try the hand-off?
 *
 * Return: true in a kdump kernel unless booted with kdump_iommu=off.
 */
bool kdump_iommu_handoff_wanted(void)
{
	return is_kdump_kernel() && kdump_iommu_param != KDUMP_IOMMU_OFF;
}
EXPORT_SYMBOL_GPL(kdump_iommu_handoff_wanted);

struct identity_walk {
	kdump_iommu_lookup_t lookup;
	void *data;
	struct kdump_iommu_mismatch *bad;
	int ret;
};

static int kdump_iommu_check_ram(struct resource *res, void *arg)
{
	struct identity_walk *w = arg;
	u64 start = max_t(u64, res->start, KDUMP_IOMMU_DMA_FLOOR);

	if (start > res->end)
		return 0;
	w->ret = kdump_iommu_check_identity_range(w->lookup, w->data, start,
						  res->end, w->bad);
	return w->ret;
}

/**
 * kdump_iommu_check_identity() - does a device's old domain map this
 *	kernel's memory 1:1?
 * @lookup: the driver's translation through the old tables
 * @data: the driver's cookie for @lookup (which tables)
 * @bad: output on failure: the first address that fails and why
 *
 * "This kernel's memory" is the System RAM of the kdump kernel, which is
 * what kexec gave it: the crash kernel regions (and the low megabyte,
 * which x86 never allocates from).  It is where every DMA buffer of the
 * kdump kernel will be.
 *
 * Return: 0 if all of it is mapped 1:1 read/write, else as
 * kdump_iommu_check_identity_range().
 */
int kdump_iommu_check_identity(kdump_iommu_lookup_t lookup, void *data,
			       struct kdump_iommu_mismatch *bad)
{
	struct identity_walk w = { .lookup = lookup, .data = data, .bad = bad };

	walk_system_ram_res(0, U64_MAX, &w, kdump_iommu_check_ram);
	return w.ret;
}
EXPORT_SYMBOL_GPL(kdump_iommu_check_identity);

/**
 * kdump_iommu_old_table() - map one table page of the crashed kernel's
 *	page tables, for reading
 * @t: the walk's mapped tables
 * @level: the level the table is at (below KDUMP_IOMMU_OLD_LEVELS)
 * @phys: its physical address; IOMMU page tables are 4 KiB pages in both
 *	the VT-d (9.8) and AMD-Vi (2.2.3) formats
 *
 * Return: the table, or NULL if it cannot be mapped.
 */
u64 *kdump_iommu_old_table(struct kdump_iommu_old_tables *t,
			   unsigned int level, u64 phys)
{
	phys &= ~(u64)(SZ_4K - 1);
	if (WARN_ON_ONCE(level >= KDUMP_IOMMU_OLD_LEVELS))
		return NULL;
	if (t->level[level].va && t->level[level].phys == phys)
		return t->level[level].va;
	if (t->level[level].va)
		memunmap(t->level[level].va);
	t->level[level].phys = phys;
	t->level[level].va = memremap(phys, SZ_4K, MEMREMAP_WB);
	return t->level[level].va;
}
EXPORT_SYMBOL_GPL(kdump_iommu_old_table);

/**
 * kdump_iommu_old_tables_done() - unmap what a walk mapped
 * @t: the walk's mapped tables
 */
void kdump_iommu_old_tables_done(struct kdump_iommu_old_tables *t)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t->level); i++) {
		if (t->level[i].va)
			memunmap(t->level[i].va);
		t->level[i].va = NULL;
	}
}
EXPORT_SYMBOL_GPL(kdump_iommu_old_tables_done);

/**
 * kdump_iommu_why() - say why a hand-off fails, naming the requester
 * @buf: where the reason goes, for kdump_iommu_handoff()
 * @len: its size
 * @rid: the PCI requester ID (bus, device, function) that failed
 * @fmt: printf format of the reason
 */
void kdump_iommu_why(char *buf, size_t len, u16 rid, const char *fmt, ...)
{
	int n = scnprintf(buf, len, "%02x:%02x.%d: ", PCI_BUS_NUM(rid),
			  PCI_SLOT(rid), PCI_FUNC(rid));
	va_list args;

	va_start(args, fmt);
	vscnprintf(buf + n, len - n, fmt, args);
	va_end(args);
}
EXPORT_SYMBOL_GPL(kdump_iommu_why);

static void kdump_iommu_say_mismatch(char *buf, size_t len, const char *who,
				     const struct kdump_iommu_mismatch *bad)
{
	if (bad->err)
		scnprintf(buf, len, "%s: IOVA %#llx not mapped (%d)", who,
			  bad->iova, bad->err);
	else
		scnprintf(buf, len, "%s: IOVA %#llx maps to %#llx, not 1:1 read/write",
			  who, bad->iova, bad->phys);
}

/**
 * kdump_iommu_check_root() - does an old page table map this kernel's
 *	memory 1:1?
 * @seen: roots already checked, updated on success
 * @root: the table's root, physical
 * @lookup: the driver's walk of that table format
 * @data: its cookie for @lookup
 * @tables: the table pages @lookup maps, unmapped before returning
 * @rid: the requester ID being checked, for @why
 * @why: where to say why not, for kdump_iommu_handoff()
 * @len: size of @why
 *
 * Return: 0 if @root was checked before or maps all of this kernel's
 * memory 1:1 read/write, else as kdump_iommu_check_identity().
 */
int kdump_iommu_check_root(struct kdump_iommu_roots *seen, u64 root,
			   kdump_iommu_lookup_t lookup, void *data,
			   struct kdump_iommu_old_tables *tables, u16 rid,
			   char *why, size_t len)
{
	struct kdump_iommu_mismatch bad = {};
	unsigned int i;
	int ret;

	for (i = 0; i < seen->nr; i++)
		if (seen->root[i] == root)
			return 0;
	ret = kdump_iommu_check_identity(lookup, data, &bad);
	kdump_iommu_old_tables_done(tables);
	if (ret) {
		char who[16];

		snprintf(who, sizeof(who), "%02x:%02x.%d", PCI_BUS_NUM(rid),
			 PCI_SLOT(rid), PCI_FUNC(rid));
		kdump_iommu_say_mismatch(why, len, who, &bad);
		return ret;
	}
	if (seen->nr < ARRAY_SIZE(seen->root))
		seen->root[seen->nr++] = root;
	return 0;
}
EXPORT_SYMBOL_GPL(kdump_iommu_check_root);

/* Find @key in the VMCOREINFO note text at @desc; copy its value. */
static bool kdump_iommu_vmcoreinfo_value(const char *desc, size_t size,
					 const char *key, char *buf, size_t len)
{
	const char *v = strnstr(desc, key, size), *end;

	if (!v)
		return false;
	v += strlen(key);
	end = memchr(v, '\n', desc + size - v);
	if (!end)
		return false;
	strscpy(buf, v, min_t(size_t, len, end - v + 1));
	return true;
}

/* One PT_NOTE segment of the crashed kernel: look for VMCOREINFO. */
static bool kdump_iommu_scan_notes(u64 phys, u64 size, const char *key,
				   char *buf, size_t len)
{
	void *notes = memremap(phys, size, MEMREMAP_WB);
	u64 off = 0;
	bool found = false;

	if (!notes)
		return false;
	while (!found && off + sizeof(struct elf64_note) <= size) {
		struct elf64_note *n = notes + off;
		u64 name = off + sizeof(*n);
		u64 desc = name + ALIGN(n->n_namesz, 4);

		if (!n->n_namesz || desc + n->n_descsz > size)
			break;
		if (n->n_namesz == sizeof(VMCOREINFO_NOTE_NAME) &&
		    !memcmp(notes + name, VMCOREINFO_NOTE_NAME, n->n_namesz))
			found = kdump_iommu_vmcoreinfo_value(notes + desc, n->n_descsz,
							     key, buf, len);
		off = desc + ALIGN(n->n_descsz, 4);
	}
	memunmap(notes);
	return found;
}

/*
 * vmcore_init() (fs_initcall) forgets elfcorehdr= once it has parsed the
 * header, before the IOMMU drivers (rootfs_initcall) ask: keep a copy.
 */
static u64 saved_elfcorehdr_addr = ELFCORE_ADDR_MAX;
static u64 saved_elfcorehdr_size;

static int __init kdump_iommu_save_elfcorehdr(void)
{
	if (is_kdump_kernel()) {
		saved_elfcorehdr_addr = elfcorehdr_addr;
		saved_elfcorehdr_size = elfcorehdr_size;
	}
	return 0;
}
early_initcall(kdump_iommu_save_elfcorehdr);

/*
 * What the crashed kernel left in its VMCOREINFO note for us (its
 * crash-path check, its isolation targets): find the note through the ELF
 * core header kexec prepared (elfcorehdr=), reading only.
 */
static bool kdump_iommu_read_vmcoreinfo(const char *key, char *buf, size_t len)
{
	struct elf64_hdr *ehdr;
	struct elf64_phdr *phdr;
	bool found = false;
	unsigned int i;
	u64 size;

	/*
	 * elfcorehdr= may give no size (kexec-tools passes only the address):
	 * the header says how far its program headers reach.
	 */
	if (saved_elfcorehdr_addr == ELFCORE_ADDR_MAX)
		return false;
	ehdr = memremap(saved_elfcorehdr_addr, sizeof(*ehdr), MEMREMAP_WB);
	if (!ehdr)
		return false;
	if (memcmp(ehdr->e_ident, ELFMAG, SELFMAG) ||
	    ehdr->e_ident[EI_CLASS] != ELFCLASS64 ||
	    ehdr->e_phentsize != sizeof(*phdr) || ehdr->e_phnum > 1024) {
		memunmap(ehdr);
		return false;
	}
	size = ehdr->e_phoff + (u64)ehdr->e_phnum * sizeof(*phdr);
	memunmap(ehdr);
	if (saved_elfcorehdr_size && size > saved_elfcorehdr_size)
		return false;
	ehdr = memremap(saved_elfcorehdr_addr, size, MEMREMAP_WB);
	if (!ehdr)
		return false;
	phdr = (void *)ehdr + ehdr->e_phoff;
	for (i = 0; i < ehdr->e_phnum && !found; i++)
		if (phdr[i].p_type == PT_NOTE && phdr[i].p_filesz)
			found = kdump_iommu_scan_notes(phdr[i].p_offset,
						       phdr[i].p_filesz, key, buf, len);
	memunmap(ehdr);
	return found;
}

/**
 * kdump_iommu_handoff_device() - must the kdump kernel check this device?
 * @dev: a device behind an IOMMU the crashed kernel left translating
 *
 * When the crashed kernel isolated the crash kernel's memory to a few
 * devices (kdump_iommu_devices=), only those have the window, and the
 * others cannot do DMA after the hand-off: they are not checked.
 *
 * Return: true if @dev's old domain must map this kernel's memory 1:1.
 */
bool kdump_iommu_handoff_device(struct device *dev)
{
	static bool read;
	char list[KDUMP_IOMMU_MAX_TARGETS * 13 + 1];
	int n;

	if (!read) {
		read = true;
		if (kdump_iommu_read_vmcoreinfo(VMCOREINFO_TARGETS, list, sizeof(list))) {
			n = kdump_iommu_parse_devices(list, targets, ARRAY_SIZE(targets));
			nr_targets = max(n, 0);
			pr_info("the crashed kernel gave the window only to %s: checking those\n",
				list);
		}
	}
	return kdump_iommu_is_target(dev);
}
EXPORT_SYMBOL_GPL(kdump_iommu_handoff_device);

static bool __kdump_iommu_handoff(const char *iommu, unsigned int nr,
				  const char *what, const char *why_not,
				  bool fixed)
{
	static char damaged[sizeof(handoff.crash_check) + 48];
	bool skip;

	/*
	 * The crashed kernel checked its windows on its way down.  Damage it
	 * saw is a reason to fall back even if the tables read fine now.
	 */
	if (!handoff.crash_check[0] &&
	    kdump_iommu_read_vmcoreinfo(VMCOREINFO_WINDOW, handoff.crash_check,
					sizeof(handoff.crash_check)))
		pr_info("crash-time check of the windows: %s\n", handoff.crash_check);
	if (!why_not && str_has_prefix(handoff.crash_check, "damaged")) {
		snprintf(damaged, sizeof(damaged),
			 "the crashed kernel found its window %s", handoff.crash_check);
		why_not = damaged;
	}
	skip = !why_not || fixed || kdump_iommu_param == KDUMP_IOMMU_FORCE;

	strscpy(handoff.iommu, iommu, sizeof(handoff.iommu));
	handoff.nr_devices = nr;
	handoff.skipped = skip;
	strscpy(handoff.why_not, why_not ?: "", sizeof(handoff.why_not));

	if (!why_not)
		pr_info("%s: old tables map this kernel's memory 1:1 for all %u %s: skipping DMA-remapping initialisation\n",
			iommu, nr, what);
	else if (fixed)
		pr_warn("%s: cannot verify the hand-off (%s): skipping DMA-remapping initialisation all the same, as without kdump_iommu\n",
			iommu, why_not);
	else if (skip)
		pr_warn("%s: %s; kdump_iommu=force: skipping DMA-remapping initialisation anyway (forced)\n",
			iommu, why_not);
	else
		pr_warn("%s: cannot hand off (%s): initialising DMA remapping as usual\n",
			iommu, why_not);
	return skip;
}

/**
 * kdump_iommu_handoff() - decide, and say, whether a kdump kernel skips
 *	DMA-remapping initialisation for an IOMMU
 * @iommu: the IOMMU's name, for the log
 * @nr_devices: devices whose old domains were checked
 * @why_not: NULL if every device's old domain maps this kernel's memory
 *	1:1, else why the hand-off cannot be verified
 *
 * Return: true if the driver should leave translation as the crashed
 * kernel left it and not initialise DMA remapping (devices then do DMA
 * with physical addresses, through the window); false to take the
 * driver's usual path.
 */
bool kdump_iommu_handoff(const char *iommu, unsigned int nr_devices,
			 const char *why_not)
{
	return __kdump_iommu_handoff(iommu, nr_devices, "devices", why_not,
				     false);
}
EXPORT_SYMBOL_GPL(kdump_iommu_handoff);

/**
 * kdump_iommu_handoff_fixed() - say how a hand-off the driver cannot
 *	refuse went
 * @iommu: the driver's name, for the log
 * @nr_units: IOMMUs whose old tables were checked
 * @why_not: NULL if they map this kernel's memory 1:1, else why not
 *
 * For drivers whose usual path in a kdump kernel already is to leave the
 * IOMMU as the crashed kernel left it (sba_iommu: re-enabling an IOC
 * under in-flight DMA machine-checks).  The check cannot change what they
 * do; it tells whether the kdump kernel's DMA will reach its memory.
 */
void kdump_iommu_handoff_fixed(const char *iommu, unsigned int nr_units,
			       const char *why_not)
{
	__kdump_iommu_handoff(iommu, nr_units, "IOMMUs", why_not, true);
}
EXPORT_SYMBOL_GPL(kdump_iommu_handoff_fixed);

/**
 * kdump_iommu_check_unit() - do an IOMMU's old tables map this kernel's
 *	memory 1:1?
 * @unit: the IOMMU's name, for @why
 * @lookup: the driver's translation through the old tables
 * @data: its cookie for @lookup
 * @tables: the table pages @lookup maps, unmapped before returning
 * @why: where to say why not, for kdump_iommu_handoff_fixed()
 * @len: size of @why
 *
 * For IOMMUs with one translation for all devices behind them (sba).
 *
 * Return: as kdump_iommu_check_identity().
 */
int kdump_iommu_check_unit(const char *unit, kdump_iommu_lookup_t lookup,
			   void *data, struct kdump_iommu_old_tables *tables,
			   char *why, size_t len)
{
	struct kdump_iommu_mismatch bad = {};
	int ret;

	ret = kdump_iommu_check_identity(lookup, data, &bad);
	kdump_iommu_old_tables_done(tables);
	if (ret)
		kdump_iommu_say_mismatch(why, len, unit, &bad);
	return ret;
}
EXPORT_SYMBOL_GPL(kdump_iommu_check_unit);

/* Status -------------------------------------------------------------- */

static int kdump_iommu_status_show(struct seq_file *seq, void *v)
{
	struct kdump_iommu_census c = { .seq = seq };
	char verdict[160];
	unsigned int i;

	seq_printf(seq, "mode: %s\n", kdump_iommu_mode_name(kdump_iommu_param));
	if (is_kdump_kernel()) {
		seq_puts(seq, "kernel: kdump\n");
		if (!handoff.iommu[0]) {
			seq_puts(seq, "handoff: none (no IOMMU was left translating, or kdump_iommu=off)\n");
			return 0;
		}
		seq_printf(seq, "handoff: %s %s (%u devices checked)%s%s\n",
			   handoff.iommu,
			   handoff.skipped ? "skipped DMA-remapping init" : "initialised as usual",
			   handoff.nr_devices, handoff.why_not[0] ? ": " : "",
			   handoff.why_not);
		seq_printf(seq, "crash-time check: %s\n",
			   handoff.crash_check[0] ? handoff.crash_check : "none");
		return 0;
	}

	seq_puts(seq, "kernel: primary\n");
	if (!kdump_iommu_arming()) {
		seq_puts(seq, "windows: none\n");
		return 0;
	}
	for (i = 0; i < nr_windows; i++)
		seq_printf(seq, "window: %#llx-%#llx (%llu MiB)\n",
			   windows[i].start, windows[i].end,
			   (windows[i].end - windows[i].start + 1) >> 20);
	for (i = 0; i < nr_units; i++)
		seq_printf(seq, "iommu %s: %s\n", units[i].name, units[i].state);
	seq_puts(seq, "devices:\n");
	kdump_iommu_census(&c);
	seq_printf(seq, "domains armed: %u\n", c.nr_domains);
	if (kdump_iommu_crash_check(verdict, sizeof(verdict)) >= 0)
		seq_printf(seq, "crash-path check now: %s\n", verdict);
	/* What iommu_map() made of the windows, with that domain's page sizes */
	for (i = 0; c.nr_domains && i < nr_windows; i++) {
		u64 largest, pages;

		pages = kdump_iommu_nr_pages(&windows[i], c.seen[0]->pgsize_bitmap,
					     &largest);
		seq_printf(seq, "window %u: %llu IOMMU pages per domain, up to %llu KiB, in %llu page tables\n",
			   i, pages, largest >> 10,
			   kdump_iommu_leaf_tables(&windows[i], c.seen[0]->pgsize_bitmap));
	}
	for (i = 0; i < DEV_NR_STATES; i++)
		seq_printf(seq, "devices %s: %u\n", dev_state_names[i], c.nr[i]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kdump_iommu_status);

#ifdef CONFIG_KDUMP_IOMMU_RESERVE_DEBUG
/*
 * Testing only: unmap the first page of the window from a device's DMA
 * domain, as a stray write to its page tables would, to show that the
 * crash-path check notices and the kdump kernel falls back.
 */
static ssize_t kdump_iommu_damage_write(struct file *file, const char __user *ubuf,
					size_t count, loff_t *ppos)
{
	struct iommu_domain *domain;
	struct pci_dev *pdev;
	char name[32];
	size_t unmapped;
	u32 sbdf;

	if (count >= sizeof(name))
		return -EINVAL;
	if (copy_from_user(name, ubuf, count))
		return -EFAULT;
	name[count] = '\0';
	if (kdump_iommu_parse_devices(strim(name), &sbdf, 1) != 1)
		return -EINVAL;
	pdev = pci_get_domain_bus_and_slot(sbdf >> 16, (sbdf >> 8) & 0xff,
					   sbdf & 0xff);
	if (!pdev)
		return -ENODEV;
	domain = iommu_get_domain_for_dev(&pdev->dev);
	if (!nr_windows || !domain || !iommu_is_dma_domain(domain)) {
		pci_dev_put(pdev);
		return -EINVAL;
	}
	unmapped = iommu_unmap(domain, windows[0].start, PAGE_SIZE);
	pci_warn(pdev, "kdump_iommu: damaged the crash kernel window for testing (%zu bytes unmapped at %#llx)\n",
		 unmapped, windows[0].start);
	add_taint(TAINT_USER, LOCKDEP_STILL_OK);
	pci_dev_put(pdev);
	return count;
}

static const struct file_operations kdump_iommu_damage_fops = {
	.write = kdump_iommu_damage_write,
	.llseek = noop_llseek,
};
#endif

static int __init kdump_iommu_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("kdump_iommu", NULL);

	debugfs_create_file("status", 0444, dir, NULL, &kdump_iommu_status_fops);
#ifdef CONFIG_KDUMP_IOMMU_RESERVE_DEBUG
	debugfs_create_file("damage", 0200, dir, NULL, &kdump_iommu_damage_fops);
#endif
	return 0;
}
late_initcall(kdump_iommu_debugfs_init);
