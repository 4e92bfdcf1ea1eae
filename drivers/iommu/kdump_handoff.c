// SPDX-License-Identifier: GPL-2.0
/*
 * The kdump crash kernel window, kdump kernel side: the hand-off.
 *
 * A kdump kernel finds the IOMMU translating with the crashed kernel's
 * tables.  If the crashed kernel had a crash image loaded, it had mapped
 * this kernel's memory 1:1 for the dump's devices (kdump_reserve.c).  The
 * IOMMU driver reads, never writes, the old tables and asks this file, for
 * every device, how its old translation treats this kernel's memory:
 *
 * - identity: its page tables map every page to itself, read/write (the
 *   window), and not the crashed kernel's RAM: the device can do DMA
 *   with physical addresses;
 * - pass-through: its DMA is not translated: it can too, but that is no
 *   sign of a window;
 * - blocked: no page is mapped: the device cannot reach this kernel's
 *   memory, and is not driven here;
 * - elsewhere: the addresses of this kernel's memory are mapped, but only
 *   to the crashed kernel's RAM: blocked as well.  If the crashed kernel
 *   armed a window, it kept those addresses free in every domain it
 *   managed, so this indicates a domain it did not: a guest's, whose
 *   device was assigned to it with VFIO and which keeps its whole IOVA
 *   space;
 * - mixed: anything else, or tables that cannot be read or are not
 *   understood.
 *
 * The driver hands off (leaves translation as it is and registers no
 * IOMMU) only if no device is mixed, and either at least one device is
 * identity (a window was armed) or every device is pass-through (nothing
 * would be left without DMA); and only if every device this kernel was
 * told it needs (kdump_iommu_devices=) can do DMA.  Otherwise it takes its
 * usual path, so the kdump kernel is never worse off than without the
 * window.  The decision rests on the old tables and on where the crashed
 * kernel's RAM is (the ELF core header kexec passed, checked against this
 * kernel's own memory): old tables are read only there, and "elsewhere"
 * means there.  Nothing else the crashed kernel wrote for this kernel is
 * trusted.
 *
 * Copyright (C) 2026 The kdump-iommu authors
 */

#define pr_fmt(fmt) "kdump_iommu: " fmt

#include <kunit/visibility.h>
#include <linux/cc_platform.h>
#include <linux/crash_dump.h>
#include <linux/elf.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "kdump_iommu.h"

/*
 * x86 reserves the first megabyte of RAM for good in every kernel
 * (arch/x86/realmode/init.c), so a kdump kernel never puts a DMA buffer
 * there even though kexec hands it that memory: the window leaves it out.
 */
#define KDUMP_IOMMU_DMA_FLOOR	(IS_ENABLED(CONFIG_X86) ? SZ_1M : 0)

/*
 * The crashed kernel's RAM: the PT_LOAD segments of the ELF core header it
 * prepared for this kernel (elfcorehdr=).  Its
 * IOMMU tables can only be there.  An old entry that points anywhere else
 * (MMIO, a hole, or this kernel's memory, which the header leaves out) is
 * corrupt, and a cached mapping of it could read a device register.
 * Read at boot: see kdump_iommu_old_ram_init().
 */
#define KDUMP_IOMMU_OLD_RAM_MAX	128

static struct kdump_iommu_range kdump_iommu_old_ram[KDUMP_IOMMU_OLD_RAM_MAX];
static int kdump_iommu_nr_old_ram;	/* or a negative errno */

/* A device without the window, on kdump_iommu_handoff::blocked */
struct kdump_iommu_blocked {
	struct list_head node;
	struct pci_dev *pdev;
	bool elsewhere;
};

/* What this kernel decided, for the status view. */
static struct {
	char iommu[24];
	bool decided;
	bool skipped;
	unsigned int nr_identity;
	unsigned int nr_passthrough;
	unsigned int nr_blocked;
	unsigned int nr_elsewhere;
	char why[128];
} kdump_iommu_decision;

/**
 * kdump_iommu_handoff_wanted() - should an IOMMU driver try the hand-off?
 *
 * Return: true in a kdump kernel unless booted with kdump_iommu=off, or
 * with host memory encryption on.
 */
bool kdump_iommu_handoff_wanted(void)
{
	if (!is_kdump_kernel() || kdump_iommu_mode() == KDUMP_IOMMU_OFF)
		return false;
	/*
	 * With AMD SME on, the window cannot serve this kernel's DMA: without
	 * an IOMMU, DMA to encrypted memory goes to addresses with the C-bit
	 * set (phys_to_dma()), which the window does not map, and DMA to
	 * decrypted buffers (swiotlb, and coherent memory of devices that
	 * cannot address the C-bit: force_dma_unencrypted()) goes to plain
	 * addresses, which it maps to pages with the C-bit set
	 * (iommu_v1_map_pages()): encrypted.
	 */
	if (cc_platform_has(CC_ATTR_HOST_MEM_ENCRYPT)) {
		pr_info_once("memory encryption is on: the crash kernel window cannot serve encrypted DMA, initialising the IOMMU as usual\n");
		return false;
	}
	return true;
}

/**
 * kdump_iommu_within() - does one range hold a whole address range?
 * @ranges: the ranges
 * @nr: how many
 * @start: first address of the range to look for
 * @size: its size in bytes
 *
 * Return: true if one of @ranges holds all of [@start, @start + @size).
 */
VISIBLE_IF_KUNIT bool kdump_iommu_within(const struct kdump_iommu_range *ranges,
					 unsigned int nr, u64 start, u64 size)
{
	u64 end = start + size - 1;
	unsigned int i;

	if (!size || end < start)
		return false;
	for (i = 0; i < nr; i++)
		if (start >= ranges[i].start && end <= ranges[i].end)
			return true;
	return false;
}

/*
 * Two translation units of one walk: holes and pages in the crashed
 * kernel's RAM together are elsewhere.  (Across a device's requester IDs
 * that is not so: see kdump_iommu_old_combine().)
 */
static enum kdump_iommu_old kdump_iommu_walk_merge(enum kdump_iommu_old a,
						   enum kdump_iommu_old b)
{
	if ((a == KDUMP_OLD_ELSEWHERE && b == KDUMP_OLD_BLOCKED) ||
	    (a == KDUMP_OLD_BLOCKED && b == KDUMP_OLD_ELSEWHERE))
		return KDUMP_OLD_ELSEWHERE;
	return a == b ? a : KDUMP_OLD_MIXED;
}

static void kdump_iommu_walk_mixed(struct kdump_iommu_walk *w, u64 iova,
				   const struct kdump_iommu_pte *pte, int err)
{
	w->state = KDUMP_OLD_MIXED;
	w->iova = iova;
	w->phys = pte ? pte->phys : 0;
	w->writable = pte && pte->writable;
	w->err = err;
}

/**
 * kdump_iommu_walk_range() - how do old tables treat a range?
 * @lookup: the driver's translation of one IOVA through its tables
 * @data: the driver's cookie for @lookup
 * @start: first address
 * @end: last address (inclusive)
 * @w: the walk so far (zeroed before the first range), updated
 *
 * Looks up one address per translation unit: a 2 MiB page, or a hole of
 * any size, costs one lookup.  A unit mapped to the crashed kernel's RAM
 * (@w->old_ram) is as good as a hole: the device cannot reach this
 * kernel's memory through it.  Stops at the first address that makes the
 * walk %KDUMP_OLD_MIXED: mapped elsewhere than 1:1 or the old RAM, or
 * 1:1 read-only, or 1:1 where what came before was not (or the other way
 * round), or not readable.
 */
VISIBLE_IF_KUNIT void kdump_iommu_walk_range(kdump_iommu_lookup_t lookup,
					     void *data, u64 start, u64 end,
					     struct kdump_iommu_walk *w)
{
	u64 iova = start, last;

	while (w->state != KDUMP_OLD_MIXED || !w->started) {
		struct kdump_iommu_pte pte = {};
		enum kdump_iommu_old now;
		int ret = lookup(data, iova, &pte);

		w->lookups++;
		if ((ret && ret != -ENOENT) || !pte.size ||
		    !is_power_of_2(pte.size)) {
			w->started = true;
			kdump_iommu_walk_mixed(w, iova, NULL, ret ?: -EINVAL);
			return;
		}
		last = iova | (pte.size - 1);
		if (ret == -ENOENT) {
			now = KDUMP_OLD_BLOCKED;
		} else if (pte.phys == iova && pte.writable) {
			now = KDUMP_OLD_IDENTITY;
		} else if (kdump_iommu_within(w->old_ram, w->nr_old_ram,
					      pte.phys, last - iova + 1)) {
			now = KDUMP_OLD_ELSEWHERE;
			if (!w->started || w->state != now) {
				w->iova = iova;
				w->phys = pte.phys;
				w->writable = pte.writable;
			}
		} else {
			w->started = true;
			kdump_iommu_walk_mixed(w, iova, &pte, 0);
			return;
		}
		if (w->started)
			now = kdump_iommu_walk_merge(w->state, now);
		w->started = true;
		if (now == KDUMP_OLD_MIXED) {
			kdump_iommu_walk_mixed(w, iova, &pte, ret);
			return;
		}
		w->state = now;
		/* On to the next translation unit; stop at @end or a wrap. */
		if (last >= end)
			return;
		iova = last + 1;
	}
}

struct kdump_iommu_ram_walk {
	kdump_iommu_lookup_t lookup;
	void *data;
	struct kdump_iommu_walk *w;
};

static int kdump_iommu_walk_one(struct resource *res, void *arg)
{
	struct kdump_iommu_ram_walk *r = arg;
	u64 start = max_t(u64, res->start, KDUMP_IOMMU_DMA_FLOOR);

	if (start <= res->end)
		kdump_iommu_walk_range(r->lookup, r->data, start, res->end,
				       r->w);
	return r->w->started && r->w->state == KDUMP_OLD_MIXED;
}

/**
 * kdump_iommu_walk_ram() - how do old tables treat this kernel's memory?
 * @h: the decision, for the crashed kernel's RAM
 * @lookup: the driver's translation through the old tables
 * @data: its cookie for @lookup
 * @w: output (zeroed first)
 *
 * "This kernel's memory" is the System RAM of the kdump kernel, which is
 * what kexec gave it: the crash regions, and on x86 the low megabyte,
 * which is left out (KDUMP_IOMMU_DMA_FLOOR).  Every DMA buffer of this
 * kernel will be there.
 */
void kdump_iommu_walk_ram(const struct kdump_iommu_handoff *h,
			  kdump_iommu_lookup_t lookup, void *data,
			  struct kdump_iommu_walk *w)
{
	struct kdump_iommu_ram_walk r = { lookup, data, w };

	memset(w, 0, sizeof(*w));
	w->old_ram = h->old_ram;
	w->nr_old_ram = h->nr_old_ram;
	walk_system_ram_res(0, U64_MAX, &r, kdump_iommu_walk_one);
	/* No memory at all proves nothing. */
	if (!w->started)
		kdump_iommu_walk_mixed(w, 0, NULL, -ENOENT);
}

/**
 * kdump_iommu_old_combine() - the state of a device with several requester
 *	IDs (DMA aliases), from two of them
 * @a: one
 * @b: the other
 *
 * Both reaching this kernel's memory 1:1, one through the window: identity.
 * Neither reaching it, one in a domain that maps its addresses to the
 * crashed kernel's RAM and one in a domain without the window: blocked,
 * for the second may be one the dump needs.
 *
 * Return: @a if both agree, %KDUMP_OLD_IDENTITY for identity and
 * pass-through, %KDUMP_OLD_BLOCKED for elsewhere and blocked, else
 * %KDUMP_OLD_MIXED.
 */
enum kdump_iommu_old kdump_iommu_old_combine(enum kdump_iommu_old a,
					     enum kdump_iommu_old b)
{
	if (a == b)
		return a;
	if ((a == KDUMP_OLD_IDENTITY && b == KDUMP_OLD_PASSTHROUGH) ||
	    (a == KDUMP_OLD_PASSTHROUGH && b == KDUMP_OLD_IDENTITY))
		return KDUMP_OLD_IDENTITY;
	if ((a == KDUMP_OLD_ELSEWHERE && b == KDUMP_OLD_BLOCKED) ||
	    (a == KDUMP_OLD_BLOCKED && b == KDUMP_OLD_ELSEWHERE))
		return KDUMP_OLD_BLOCKED;
	return KDUMP_OLD_MIXED;
}

/**
 * kdump_iommu_old_ram_add() - take in one program header of an ELF core
 *	header
 * @ram: the crashed kernel's RAM so far
 * @nr: how many ranges @ram holds
 * @max: how many it has room for
 * @phdr: the program header
 *
 * Only PT_LOAD segments describe RAM (p_paddr, p_memsz); one without
 * memory adds nothing, and so does one whose contents are elsewhere
 * (p_offset != p_paddr: x86 kexec-tools' copy of the low 640 KiB, whose
 * p_paddr is memory the kdump kernel now uses).
 *
 * Return: the new number of ranges, -EINVAL if the segment wraps around
 * the address space, or -E2BIG if @ram is full.
 */
VISIBLE_IF_KUNIT int kdump_iommu_old_ram_add(struct kdump_iommu_range *ram,
					     int nr, int max,
					     const struct elf64_phdr *phdr)
{
	u64 end = phdr->p_paddr + phdr->p_memsz - 1;

	if (phdr->p_type != PT_LOAD || !phdr->p_memsz ||
	    phdr->p_offset != phdr->p_paddr)
		return nr;
	if (end < phdr->p_paddr)
		return -EINVAL;
	if (nr >= max)
		return -E2BIG;
	ram[nr].start = phdr->p_paddr;
	ram[nr].end = end;
	return nr + 1;
}

static int kdump_iommu_range_cmp(const void *a, const void *b)
{
	const struct kdump_iommu_range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/**
 * kdump_iommu_old_ram_tidy() - put the crashed kernel's RAM in order
 * @ram: its ranges, as the ELF core header lists them
 * @nr: how many
 * @floor: the first address that counts (KDUMP_IOMMU_DMA_FLOOR): below
 *	it, the header may describe memory this kernel has too (x86
 *	kexec_file_load() gives both kernels the low 640 KiB)
 *
 * Sorts the ranges and merges those that overlap or touch, so that a page
 * or table that spans two segments (x86's kernel text is a segment of its
 * own, inside another) is found in one range (kdump_iommu_within()).
 *
 * Return: the new number of ranges in @ram.
 */
VISIBLE_IF_KUNIT unsigned int kdump_iommu_old_ram_tidy(struct kdump_iommu_range *ram,
						       unsigned int nr, u64 floor)
{
	unsigned int i, n = 0;

	for (i = 0; i < nr; i++) {
		if (ram[i].end < floor)
			continue;
		ram[n].start = max(ram[i].start, floor);
		ram[n++].end = ram[i].end;
	}
	sort(ram, n, sizeof(*ram), kdump_iommu_range_cmp, NULL);
	for (nr = n, n = 0, i = 0; i < nr; i++) {
		if (n && (ram[n - 1].end == U64_MAX ||
			  ram[i].start <= ram[n - 1].end + 1)) {
			ram[n - 1].end = max(ram[n - 1].end, ram[i].end);
			continue;
		}
		ram[n++] = ram[i];
	}
	return n;
}

static int kdump_iommu_found(struct resource *res, void *arg)
{
	return 1;
}

/**
 * kdump_iommu_old_ram_overlap() - does the crashed kernel's RAM claim
 *	this kernel's?
 * @ram: the crashed kernel's RAM, tidied (kdump_iommu_old_ram_tidy())
 * @nr: how many ranges @ram holds
 *
 * Return: the first range of @ram that holds System RAM of this kernel,
 * or NULL if none does.  (Where phys_addr_t is 32 bits, this kernel has
 * no memory above 4 GiB to claim.)
 */
VISIBLE_IF_KUNIT const struct kdump_iommu_range *
kdump_iommu_old_ram_overlap(const struct kdump_iommu_range *ram,
			    unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (ram[i].start <= PHYS_ADDR_MAX &&
		    walk_system_ram_res(ram[i].start,
					min_t(u64, ram[i].end, PHYS_ADDR_MAX),
					NULL, kdump_iommu_found) == 1)
			return &ram[i];
	return NULL;
}

/**
 * kdump_iommu_old_table_ok() - may a page be mapped as an old table?
 * @ram: the crashed kernel's RAM
 * @nr: how many ranges @ram holds
 * @phys: the page, 4 KiB
 *
 * The page must lie whole in @ram, and not in this kernel's own RAM.
 * Other resources this kernel knows cannot tell MMIO from the crashed
 * kernel's RAM: x86 claims the gap after each range of its RAM up to an
 * alignment as "RAM buffer", and in a kdump kernel that gap is the
 * crashed kernel's RAM.  So MMIO is kept out only as far as @ram is
 * right (kdump_iommu_old_ram_trusted()).
 *
 * Return: true if the page may be mapped.
 */
VISIBLE_IF_KUNIT bool kdump_iommu_old_table_ok(const struct kdump_iommu_range *ram,
					       unsigned int nr, u64 phys)
{
	if (!kdump_iommu_within(ram, nr, phys, SZ_4K) ||
	    phys + SZ_4K - 1 > PHYS_ADDR_MAX)
		return false;
	return walk_system_ram_res(phys, phys + SZ_4K - 1, NULL,
				   kdump_iommu_found) != 1;
}

/**
 * kdump_iommu_old_ram_parse() - the crashed kernel's RAM from its ELF core
 *	header
 * @read: reads the header: elfcorehdr_read(), or a test's
 * @addr: where the header is (elfcorehdr=)
 * @size: its size, or 0 if not known
 * @ram: output: the RAM, tidied (kdump_iommu_old_ram_tidy())
 * @max: room in @ram
 * @floor: see kdump_iommu_old_ram_tidy()
 *
 * Read as /proc/vmcore reads it, which also assumes the program headers
 * right after the ELF header.  The header is the crashed kernel's (or its
 * kexec-tools') word, written before the crash:
 * kdump_iommu_old_ram_trusted() checks it against what this kernel knows
 * of itself, once it knows it.
 *
 * Return: the number of ranges, -EIO if the header cannot be read,
 * -EINVAL if it is not a 64-bit ELF header as kexec writes them, -E2BIG
 * if it has more program headers than it can hold (or than
 * KDUMP_IOMMU_PHNUM_MAX) or more RAM segments than @max, -ENOENT if it
 * describes no RAM.
 */
VISIBLE_IF_KUNIT int kdump_iommu_old_ram_parse(kdump_iommu_read_t read,
					       u64 addr, u64 size,
					       struct kdump_iommu_range *ram,
					       int max, u64 floor)
{
	struct elf64_hdr ehdr;
	struct elf64_phdr phdr;
	u64 pos = addr;
	int nr = 0;
	unsigned int i;

	if (read((char *)&ehdr, sizeof(ehdr), &pos) != sizeof(ehdr))
		return -EIO;
	if (memcmp(ehdr.e_ident, ELFMAG, SELFMAG) ||
	    ehdr.e_ident[EI_CLASS] != ELFCLASS64 ||
	    ehdr.e_phentsize != sizeof(phdr) || ehdr.e_phoff != sizeof(ehdr))
		return -EINVAL;
	/* Past the header's end (when its size is known) is not its own. */
	if (ehdr.e_phnum > KDUMP_IOMMU_PHNUM_MAX ||
	    (size && sizeof(ehdr) + ehdr.e_phnum * sizeof(phdr) > size))
		return -E2BIG;
	for (i = 0; i < ehdr.e_phnum && nr >= 0; i++) {
		pos = addr + ehdr.e_phoff + (u64)i * sizeof(phdr);
		if (read((char *)&phdr, sizeof(phdr), &pos) != sizeof(phdr))
			return -EIO;
		nr = kdump_iommu_old_ram_add(ram, nr, max, &phdr);
	}
	if (nr <= 0)
		return nr ?: -ENOENT;
	nr = kdump_iommu_old_ram_tidy(ram, nr, floor);
	return nr ?: -ENOENT;
}

static int __init kdump_iommu_read_old_ram(void)
{
	/* Without /proc/vmcore there is neither the reader nor a dump. */
	if (!IS_ENABLED(CONFIG_PROC_VMCORE))
		return -EOPNOTSUPP;
	if (elfcorehdr_addr == ELFCORE_ADDR_MAX ||
	    elfcorehdr_addr == ELFCORE_ADDR_ERR)
		return -ENOENT;
	return kdump_iommu_old_ram_parse(elfcorehdr_read, elfcorehdr_addr,
					 elfcorehdr_size, kdump_iommu_old_ram,
					 ARRAY_SIZE(kdump_iommu_old_ram),
					 KDUMP_IOMMU_DMA_FLOOR);
}

/*
 * Kexec gave this kernel memory the crashed kernel did not use, so a
 * segment of the header that claims any of it is wrong, and so is the
 * header: the walk would otherwise map and read this kernel's own memory
 * as old tables, and take a device mapped to it for a guest's.  Checked
 * when the first driver decides, once this kernel's System RAM is known
 * as resources.
 */
static int __init kdump_iommu_old_ram_trusted(void)
{
	static bool checked __initdata;
	const struct kdump_iommu_range *r;

	if (checked || kdump_iommu_nr_old_ram <= 0)
		return kdump_iommu_nr_old_ram;
	checked = true;
	if (walk_system_ram_res(0, U64_MAX, NULL, kdump_iommu_found) != 1) {
		kdump_iommu_nr_old_ram = -ENODEV;
		return kdump_iommu_nr_old_ram;
	}
	r = kdump_iommu_old_ram_overlap(kdump_iommu_old_ram,
					kdump_iommu_nr_old_ram);
	if (r) {
		pr_warn("the crashed kernel's ELF core header gives [mem %#llx-%#llx] as its RAM, but this kernel has memory there: not trusted\n",
			r->start, r->end);
		kdump_iommu_nr_old_ram = -EEXIST;
	}
	return kdump_iommu_nr_old_ram;
}

/*
 * Before vmcore_init() (an fs_initcall), which frees the header and
 * forgets its address, and before any IOMMU driver's hand-off (VT-d and
 * AMD-Vi: pci_iommu_init(), a rootfs_initcall).
 */
static int __init kdump_iommu_old_ram_init(void)
{
	if (is_kdump_kernel())
		kdump_iommu_nr_old_ram = kdump_iommu_read_old_ram();
	return 0;
}
arch_initcall(kdump_iommu_old_ram_init);

/**
 * kdump_iommu_old_table() - map one table page of the crashed kernel's
 *	page tables, for reading
 * @t: the walk's mapped tables
 * @level: the level the table is at (below KDUMP_IOMMU_OLD_LEVELS)
 * @phys: its physical address; IOMMU page tables are 4 KiB pages in both
 *	the VT-d (9.8) and AMD-Vi (2.2.3) formats
 *
 * A table the crashed kernel left can only be in its RAM, as its ELF core
 * header describes it, and never in this kernel's memory (which the
 * hardware would then walk while this kernel writes it)
 * (kdump_iommu_old_table_ok()).  An entry that points anywhere else is
 * corrupt: it is not mapped, and the walk fails.
 *
 * Return: the table, or NULL if it cannot be mapped.
 */
u64 *kdump_iommu_old_table(struct kdump_iommu_old_tables *t,
			   unsigned int level, u64 phys)
{
	phys &= ~(u64)(SZ_4K - 1);
	if (WARN_ON_ONCE(level >= KDUMP_IOMMU_OLD_LEVELS))
		return NULL;
#if IS_ENABLED(CONFIG_KUNIT)
	if (t->test_map)
		return t->test_map(phys);
#endif
	if (t->level[level].va && t->level[level].phys == phys)
		return t->level[level].va;
	if (t->level[level].va)
		memunmap(t->level[level].va);
	t->level[level].va = NULL;
	if (kdump_iommu_nr_old_ram <= 0 ||
	    !kdump_iommu_old_table_ok(kdump_iommu_old_ram,
				      kdump_iommu_nr_old_ram, phys))
		return NULL;
	t->level[level].phys = phys;
	t->level[level].va = memremap(phys, SZ_4K, MEMREMAP_WB);
	return t->level[level].va;
}

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

/*
 * kdump_iommu_devices= in a kdump kernel: the devices its dump needs.  A
 * list that does not parse is a reason not to hand off: a typo must not
 * leave the dump's device without DMA.
 */
static void __init kdump_iommu_handoff_required(struct kdump_iommu_handoff *h)
{
	struct pci_dev *pdev = NULL;

	h->required = kdump_iommu_devices_param();
	/* Given empty, it names nothing: as if not given. */
	if (!h->required || !*h->required) {
		h->required = NULL;
		return;
	}
	for_each_pci_dev(pdev) {
		int ret = kdump_iommu_match_targets(pdev, h->required);

		if (ret < 0) {
			pci_dev_put(pdev);
			h->nr_mixed++;
			snprintf(h->why, sizeof(h->why),
				 ret == -ENOMEM ? "kdump_iommu_devices=%s: no memory to match it" :
				 "kdump_iommu_devices=%s does not parse",
				 h->required);
			return;
		}
	}
	pr_info("%s: this kernel's dump needs %s\n", h->iommu, h->required);
}

/**
 * kdump_iommu_handoff_begin() - start a driver's hand-off decision
 * @h: the decision, to be ended with kdump_iommu_handoff_end()
 * @iommu: the driver's name for its IOMMU(s), for the log
 */
void __init kdump_iommu_handoff_begin(struct kdump_iommu_handoff *h,
				      const char *iommu)
{
	memset(h, 0, sizeof(*h));
	h->iommu = iommu;
	xa_init(&h->roots);
	INIT_LIST_HEAD(&h->blocked);
	if (kdump_iommu_old_ram_trusted() <= 0) {
		h->nr_mixed++;
		if (kdump_iommu_nr_old_ram == -E2BIG)
			snprintf(h->why, sizeof(h->why),
				 "the crashed kernel's ELF core header has more than %d RAM segments",
				 KDUMP_IOMMU_OLD_RAM_MAX);
		else if (kdump_iommu_nr_old_ram == -EEXIST)
			snprintf(h->why, sizeof(h->why),
				 "the crashed kernel's ELF core header gives this kernel's memory as its RAM");
		else if (kdump_iommu_nr_old_ram == -ENODEV)
			snprintf(h->why, sizeof(h->why),
				 "this kernel's own memory is not known yet");
		else
			snprintf(h->why, sizeof(h->why),
				 "the crashed kernel's RAM is not known: its ELF core header cannot be read (%d)",
				 kdump_iommu_nr_old_ram);
		return;
	}
	h->old_ram = kdump_iommu_old_ram;
	h->nr_old_ram = kdump_iommu_nr_old_ram;
	kdump_iommu_handoff_required(h);
}

/**
 * kdump_iommu_handoff_why() - say why the hand-off cannot be made
 * @h: the decision
 * @rid: the PCI requester ID (bus, device, function) concerned
 * @fmt: printf format of the reason
 *
 * Only the first reason is kept.
 */
void kdump_iommu_handoff_why(struct kdump_iommu_handoff *h, u16 rid,
			     const char *fmt, ...)
{
	va_list args;
	int n;

	if (h->why[0])
		return;
	n = scnprintf(h->why, sizeof(h->why), "%02x:%02x.%d: ",
		      PCI_BUS_NUM(rid), PCI_SLOT(rid), PCI_FUNC(rid));
	va_start(args, fmt);
	vscnprintf(h->why + n, sizeof(h->why) - n, fmt, args);
	va_end(args);
}

/**
 * kdump_iommu_handoff_decide() - may a kdump kernel hand off?
 * @identity: devices whose old page tables map this kernel's memory 1:1
 * @passthrough: devices whose DMA is not translated
 * @blocked: devices that cannot reach this kernel's memory
 * @mixed: devices that reach part of it, or other memory than the
 *	crashed kernel's RAM, or that cannot be told (and devices this
 *	kernel needs that cannot do DMA)
 *
 * Pass-through devices alone prove nothing: with no window armed they
 * would do DMA and every device in a DMA domain would be left without.
 * Nothing at all proves nothing either.
 *
 * Return: true if no device is mixed and either a window was armed (a
 * device is identity) or every device is pass-through.
 */
VISIBLE_IF_KUNIT bool kdump_iommu_handoff_decide(unsigned int identity,
						 unsigned int passthrough,
						 unsigned int blocked,
						 unsigned int mixed)
{
	if (mixed)
		return false;
	return identity || (passthrough && !blocked);
}

/* Say where a walk found a device's old tables mixed. */
static void kdump_iommu_handoff_mixed(struct kdump_iommu_handoff *h, u16 rid,
				      const struct kdump_iommu_walk *w)
{
	if (w->err && w->err != -ENOENT)
		kdump_iommu_handoff_why(h, rid, "IOVA %#llx: old tables not readable (%d)",
					w->iova, w->err);
	else if (w->err)
		kdump_iommu_handoff_why(h, rid, "IOVA %#llx not mapped, %s",
					w->iova, "but other pages of this kernel's memory are");
	else if (w->phys == w->iova && w->writable)
		kdump_iommu_handoff_why(h, rid, "IOVA %#llx mapped 1:1, %s",
					w->iova, "but other pages of this kernel's memory are not");
	else if (w->phys == w->iova)
		kdump_iommu_handoff_why(h, rid, "IOVA %#llx mapped 1:1, %s",
					w->iova, "but not for both reads and writes");
	else
		kdump_iommu_handoff_why(h, rid, "IOVA %#llx maps to %#llx, not 1:1",
					w->iova, w->phys);
}

/**
 * kdump_iommu_handoff_root() - how does an old page table treat this
 *	kernel's memory?
 * @h: the decision
 * @root: the table's root, physical
 * @levels: how many levels the walk from @root takes
 * @format: which of the driver's table formats @lookup walks it as
 *	(below KDUMP_IOMMU_OLD_FORMATS; VT-d: second or first level)
 * @lookup: the driver's walk of that table format
 * @data: its cookie for @lookup
 * @t: the table pages @lookup maps, unmapped before returning
 * @rid: the requester ID that uses @root, for the reason
 *
 * Devices share domains: each root is walked once for each number of
 * levels and format it is walked with (the hardware would read the same
 * table another way differently).  So @lookup's verdict must depend on
 * @root, @levels and @format alone: what else decides how a device's
 * DMA is translated (AMD-Vi's DTE IR/IW, VT-d's context entry) the driver
 * checks before it calls this.
 *
 * Return: its state (a reason is kept for %KDUMP_OLD_MIXED), where a
 * table that maps all memory 1:1 is %KDUMP_OLD_PASSTHROUGH.
 */
enum kdump_iommu_old kdump_iommu_handoff_root(struct kdump_iommu_handoff *h,
					      u64 root, unsigned int levels,
					      unsigned int format,
					      kdump_iommu_lookup_t lookup,
					      void *data,
					      struct kdump_iommu_old_tables *t,
					      u16 rid)
{
	const unsigned long kinds = KDUMP_IOMMU_OLD_LEVELS * KDUMP_IOMMU_OLD_FORMATS;
	/* Tables are 4 KiB pages in every format, whatever PAGE_SIZE is */
	u64 page = root >> 12;
	/* A root whose key does not fit (32-bit) is walked every time. */
	bool cache = page <= (ULONG_MAX - (kinds - 1)) / kinds &&
		     levels < KDUMP_IOMMU_OLD_LEVELS &&
		     format < KDUMP_IOMMU_OLD_FORMATS;
	unsigned long key = cache ? page * kinds +
				    levels * KDUMP_IOMMU_OLD_FORMATS + format : 0;
	struct kdump_iommu_walk w;
	void *seen;

	seen = cache ? xa_load(&h->roots, key) : NULL;
	if (seen)
		return xa_to_value(seen);

	kdump_iommu_walk_ram(h, lookup, data, &w);
	/*
	 * A domain that maps the crashed kernel's RAM 1:1 too (its page
	 * table page, say) maps all memory 1:1: an identity domain built of
	 * page tables (VT-d without hardware pass-through), not the window,
	 * which maps the crash regions alone.  It reaches everything, and is
	 * no sign that a window was armed.
	 */
	if (w.state == KDUMP_OLD_IDENTITY) {
		struct kdump_iommu_pte pte = {};
		u64 page = root & ~(u64)(SZ_4K - 1);

		if (!lookup(data, page, &pte) && pte.phys == page &&
		    pte.writable)
			w.state = KDUMP_OLD_PASSTHROUGH;
	}
	kdump_iommu_old_tables_done(t);
	if (w.state == KDUMP_OLD_MIXED)
		kdump_iommu_handoff_mixed(h, rid, &w);
	/* A full cache costs a walk again, nothing else. */
	if (cache)
		xa_store(&h->roots, key, xa_mk_value(w.state), GFP_KERNEL);
	return w.state;
}

static const char kdump_iommu_why_needed[] =
	"needed by this kernel (kdump_iommu_devices=), but the crashed kernel gave it no window";
static const char kdump_iommu_why_untrusted[] =
	"untrusted (external-facing), but its old translation reaches this kernel's memory";

/**
 * kdump_iommu_device_refuses() - does one device stop the hand-off?
 * @state: its old state, all its requester IDs together
 *	(kdump_iommu_old_combine())
 * @told: this kernel was told which devices its dump needs
 *	(kdump_iommu_devices=)
 * @needed: and this device is one of them
 * @untrusted: the device is untrusted (external-facing)
 * @dump_class: a dump can be written through it
 *	(kdump_iommu_default_class())
 * @unwindowed: set if, told nothing, this kernel may need the device for
 *	its dump and the crashed kernel gave it no window
 *
 * A device this kernel needs must be 1:1: if the crashed kernel armed
 * other devices than the dump uses, the usual path is the one that works.
 * An untrusted device is never given the window: if it reaches this
 * kernel's memory all the same, something is not what it says.  Told
 * nothing, a kdump kernel may need any controller a dump can be written
 * through (the primary's default targets): one without the window
 * (@unwindowed) means the usual path, not a dump device left undriven.
 * One whose old tables map this kernel's addresses elsewhere is not: that
 * indicates a domain the window could not be in, if a window was armed;
 * if none was, blocked devices stop the hand-off anyway
 * (kdump_iommu_handoff_decide()).
 *
 * Return: why the device stops the hand-off, or NULL if it does not.
 */
VISIBLE_IF_KUNIT const char *kdump_iommu_device_refuses(enum kdump_iommu_old state,
							bool told, bool needed,
							bool untrusted,
							bool dump_class,
							bool *unwindowed)
{
	bool reaches = state == KDUMP_OLD_IDENTITY ||
		       state == KDUMP_OLD_PASSTHROUGH;

	*unwindowed = false;
	if (needed && !reaches)
		return kdump_iommu_why_needed;
	if (state == KDUMP_OLD_MIXED)
		return "reaches part of this kernel's memory";
	if (untrusted && reaches)
		return kdump_iommu_why_untrusted;
	*unwindowed = !told && state == KDUMP_OLD_BLOCKED && !untrusted &&
		      dump_class;
	return NULL;
}

/**
 * kdump_iommu_handoff_count() - count one device in a hand-off decision
 * @h: the decision
 * @rid: its requester ID, for the reason
 * @state: all its requester IDs together (kdump_iommu_old_combine())
 * @needed: this kernel was told it needs the device (kdump_iommu_devices=)
 * @untrusted: the device is untrusted (external-facing)
 * @dump_class: a dump can be written through it
 *
 * See kdump_iommu_device_refuses() for when a device stops the hand-off;
 * one that does not is counted as identity, pass-through or blocked (and
 * then, if %KDUMP_OLD_ELSEWHERE, in @h->nr_elsewhere too).
 *
 * Return: true if the device is to be blocked after a hand-off.
 */
VISIBLE_IF_KUNIT bool kdump_iommu_handoff_count(struct kdump_iommu_handoff *h,
						u16 rid, enum kdump_iommu_old state,
						bool needed, bool untrusted,
						bool dump_class)
{
	const char *why;
	bool unwindowed;

	why = kdump_iommu_device_refuses(state, !!h->required, needed,
					 untrusted, dump_class, &unwindowed);
	if (why) {
		h->nr_mixed++;
		kdump_iommu_handoff_why(h, rid, "%s", why);
		return false;
	}
	if (unwindowed && !h->nr_unwindowed++)
		h->unwindowed = rid;
	if (state == KDUMP_OLD_IDENTITY) {
		h->nr_identity++;
		return false;
	}
	if (state == KDUMP_OLD_PASSTHROUGH) {
		h->nr_passthrough++;
		return false;
	}
	h->nr_blocked++;
	h->nr_elsewhere += state == KDUMP_OLD_ELSEWHERE;
	return true;
}

/**
 * kdump_iommu_handoff_device() - record how a device's old translation
 *	treats this kernel's memory
 * @h: the decision
 * @pdev: the device
 * @state: all its requester IDs together (kdump_iommu_old_combine())
 */
void kdump_iommu_handoff_device(struct kdump_iommu_handoff *h,
				struct pci_dev *pdev,
				enum kdump_iommu_old state)
{
	struct kdump_iommu_blocked *b;

	if (!kdump_iommu_handoff_count(h, pci_dev_id(pdev), state,
				       h->required &&
				       kdump_iommu_match_targets(pdev, h->required) > 0,
				       pdev->untrusted,
				       kdump_iommu_default_class(pdev->class)))
		return;
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b) {
		h->nr_mixed++;
		kdump_iommu_handoff_why(h, pci_dev_id(pdev), "no memory");
		return;
	}
	b->pdev = pci_dev_get(pdev);
	b->elsewhere = state == KDUMP_OLD_ELSEWHERE;
	list_add_tail(&b->node, &h->blocked);
}

/**
 * kdump_iommu_handoff_ok() - does a decision allow the hand-off?
 * @h: the decision, every device counted
 *
 * Return: true if no device stops it (kdump_iommu_device_refuses(), and a
 * dump controller without the window when this kernel was told nothing) and
 * the devices together allow it (kdump_iommu_handoff_decide()).
 */
VISIBLE_IF_KUNIT bool kdump_iommu_handoff_ok(const struct kdump_iommu_handoff *h)
{
	/*
	 * A domain that maps this kernel's addresses only to the crashed
	 * kernel's RAM is not one the window was missing from only if the
	 * crashed kernel kept those addresses free in every domain it
	 * managed: if it armed a window, which a device that has it shows.
	 * Without one (no device identity), it may be a DMA domain with live
	 * mappings there, of a controller the dump needs: it is blocked,
	 * and blocked devices without a window stop the hand-off.
	 */
	return !h->why[0] &&
	       kdump_iommu_handoff_decide(h->nr_identity, h->nr_passthrough,
					  h->nr_blocked - h->nr_unwindowed,
					  h->nr_mixed + h->nr_unwindowed);
}

static const char kdump_iommu_why_elsewhere[] =
	"old translation maps this kernel's addresses to the crashed kernel's memory";

/*
 * The endpoints the crashed kernel gave no window cannot do DMA to this
 * kernel's memory: stop what DMA they still have going into the memory
 * being dumped, and let no driver here make them try again.  Bridges,
 * host and ISA bridges included, do no DMA of their own, and their
 * services (AER, hot-plug, the LPC devices) are needed.
 */
static void kdump_iommu_handoff_block(struct kdump_iommu_handoff *h, bool block)
{
	struct kdump_iommu_blocked *b, *tmp;
	unsigned int n = 0;

	list_for_each_entry_safe(b, tmp, &h->blocked, node) {
		if (block && b->pdev->hdr_type == PCI_HEADER_TYPE_NORMAL &&
		    b->pdev->class >> 16 != PCI_BASE_CLASS_BRIDGE) {
			pci_clear_master(b->pdev);
			b->pdev->match_driver = false;
			if (n++ < 8)
				pci_info(b->pdev, "kdump_iommu: %s: bus mastering off, not driven in this kernel\n",
					 b->elsewhere ? kdump_iommu_why_elsewhere :
					 "no crash kernel window");
		}
		pci_dev_put(b->pdev);
		list_del(&b->node);
		kfree(b);
	}
	if (n > 8)
		pr_info("%s: %u more devices without the window not driven\n",
			h->iommu, n - 8);
}

/*
 * A PCI device added after the check (a rescan, a hot-plug, an SR-IOV VF)
 * was not checked: its old translation may reach this kernel's memory in
 * any way.  Let no driver bind to it here, unless its DMA goes out under
 * the requester ID of a device that was checked (VMD's endpoints).
 */
static int kdump_iommu_late_device(struct notifier_block *nb,
				   unsigned long action, void *data)
{
	struct pci_dev *pdev = to_pci_dev(data);
	static const char none[] = "kdump_iommu_unchecked";

	if (action != BUS_NOTIFY_ADD_DEVICE || pci_real_dma_dev(pdev) != pdev)
		return NOTIFY_DONE;
	if (device_set_driver_override(&pdev->dev, none)) {
		pci_warn(pdev, "kdump_iommu: added after the check, and cannot be kept from drivers\n");
		return NOTIFY_DONE;
	}
	pci_info(pdev, "kdump_iommu: added after the check: not driven in this kernel\n");
	return NOTIFY_OK;
}

static struct notifier_block kdump_iommu_late_nb = {
	.notifier_call = kdump_iommu_late_device,
};

static bool kdump_iommu_late_wanted, kdump_iommu_late_guard;

/**
 * kdump_iommu_handoff_guard() - keep devices added after a hand-off's
 *	check from drivers
 *
 * Context: after kdump_iommu_handoff_end(), with no IOMMU driver lock
 * held: registering a PCI bus notifier takes the bus notifier chain's
 * lock, which dmar_pci_bus_notifier() holds while it takes
 * dmar_global_lock.
 */
void kdump_iommu_handoff_guard(void)
{
	if (!kdump_iommu_late_wanted || kdump_iommu_late_guard)
		return;
	bus_register_notifier(&pci_bus_type, &kdump_iommu_late_nb);
	kdump_iommu_late_guard = true;
}

/**
 * kdump_iommu_handoff_end() - decide, and say, whether a kdump kernel
 *	skips DMA-remapping initialisation
 * @h: the decision
 *
 * Hands off only if no device reaches part of this kernel's memory, and
 * at least one device's old translation maps all of it 1:1 or every
 * device is in pass-through (kdump_iommu_handoff_decide()); the blocked
 * devices are then not driven here.
 *
 * Return: true if the driver must leave translation as the crashed kernel
 * left it (devices then do DMA with physical addresses); false to take
 * its usual path.
 */
bool kdump_iommu_handoff_end(struct kdump_iommu_handoff *h)
{
	bool ok, skip;

	ok = kdump_iommu_handoff_ok(h);
	/* With no window at all, that is the reason worth telling. */
	if (!ok && !h->why[0] && h->nr_identity && h->nr_unwindowed)
		kdump_iommu_handoff_why(h, h->unwindowed,
					"a controller a dump can be written through, without the window (kdump_iommu_devices= tells this kernel what it needs)");
	if (!ok && !h->why[0])
		snprintf(h->why, sizeof(h->why),
			 "no device's old tables map this kernel's memory 1:1 (%u blocked, %u pass-through): no crash kernel window was armed",
			 h->nr_blocked, h->nr_passthrough);
	skip = ok || kdump_iommu_mode() == KDUMP_IOMMU_FORCE;

	strscpy(kdump_iommu_decision.iommu, h->iommu,
		sizeof(kdump_iommu_decision.iommu));
	kdump_iommu_decision.decided = true;
	kdump_iommu_decision.skipped = skip;
	kdump_iommu_decision.nr_identity = h->nr_identity;
	kdump_iommu_decision.nr_passthrough = h->nr_passthrough;
	kdump_iommu_decision.nr_blocked = h->nr_blocked;
	kdump_iommu_decision.nr_elsewhere = h->nr_elsewhere;
	strscpy(kdump_iommu_decision.why, ok ? "" : h->why,
		sizeof(kdump_iommu_decision.why));

	if (ok && h->nr_elsewhere)
		pr_info("%s: old tables map this kernel's memory 1:1 for %u devices (%u more in pass-through), %u others cannot reach it (%u map its addresses elsewhere): skipping DMA-remapping initialisation\n",
			h->iommu, h->nr_identity, h->nr_passthrough,
			h->nr_blocked, h->nr_elsewhere);
	else if (ok)
		pr_info("%s: old tables map this kernel's memory 1:1 for %u devices (%u more in pass-through), %u others cannot reach it: skipping DMA-remapping initialisation\n",
			h->iommu, h->nr_identity, h->nr_passthrough,
			h->nr_blocked);
	else if (skip)
		pr_warn("%s: %s; kdump_iommu=force: skipping DMA-remapping initialisation anyway (forced)\n",
			h->iommu, h->why);
	else
		pr_warn("%s: cannot hand off (%s): initialising DMA remapping as usual\n",
			h->iommu, h->why);

	/* Forced, every device is driven: the point is to see them fault. */
	kdump_iommu_handoff_block(h, ok);
	kdump_iommu_late_wanted = ok;
	xa_destroy(&h->roots);
	return skip;
}

/**
 * kdump_iommu_status_handoff() - the kdump kernel's part of the status view
 * @seq: the status file
 */
void kdump_iommu_status_handoff(struct seq_file *seq)
{
	if (!kdump_iommu_decision.decided) {
		seq_puts(seq, "handoff: none (no IOMMU was left translating, or kdump_iommu=off)\n");
		return;
	}
	seq_printf(seq, "handoff: %s %s\n", kdump_iommu_decision.iommu,
		   kdump_iommu_decision.skipped ? "skipped DMA-remapping init" :
						  "initialised as usual");
	seq_printf(seq, "devices 1:1: %u\n", kdump_iommu_decision.nr_identity);
	seq_printf(seq, "devices pass-through: %u\n",
		   kdump_iommu_decision.nr_passthrough);
	seq_printf(seq, "devices blocked: %u%s\n", kdump_iommu_decision.nr_blocked,
		   kdump_iommu_decision.skipped && !kdump_iommu_decision.why[0] ?
		   ", not driven" : "");
	seq_printf(seq, "devices elsewhere: %u\n",
		   kdump_iommu_decision.nr_elsewhere);
	if (kdump_iommu_decision.why[0])
		seq_printf(seq, "why not: %s\n", kdump_iommu_decision.why);
}
