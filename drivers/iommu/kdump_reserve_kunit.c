// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the kdump crash kernel window (drivers/iommu/kdump_*.c).
 *
 * kdump_iommu_pure, table-driven: kdump_iommu= parsing, the default
 * targets, windows from crash regions (odd sizes and alignments, low +
 * high regions, regions beyond the IOMMU's address width, no
 * crashkernel=), overlaps, page counts, the kdump kernel's walk of old
 * tables (identity, blocked, partial, read-only, holes stepped over in
 * one lookup), and the crashed kernel's RAM from its ELF core header,
 * which every old table pointer must lie in.
 *
 * kdump_iommu_live: the window in the running kernel's real IOMMU domains
 * (run it under QEMU with a vIOMMU and crashkernel=, see .kunitconfig):
 * every device of every group reserves the crash regions, the IOVA
 * allocator never returns an address inside them, arming maps them 1:1
 * in the targets' groups only and disarming unmaps them, and target lists
 * match the real devices.  Booted with kdump_iommu=off, the live tests
 * that depend on the window fail: their negative control.
 */

#include <kunit/test.h>
#include <linux/dma-mapping.h>
#include <linux/elf.h>
#include <linux/iommu.h>
#include <linux/kexec.h>
#include <linux/pci.h>
#include <linux/sizes.h>

#include "kdump_iommu.h"

/* kdump_iommu_parse_mode() ------------------------------------------- */

struct parse_case {
	const char *str;
	bool force_ok;
	int ret;
	enum kdump_iommu_mode mode;
};

static const struct parse_case parse_cases[] = {
	{ "on", false, 0, KDUMP_IOMMU_ON },
	{ "off", false, 0, KDUMP_IOMMU_OFF },
	{ "force", false, -EINVAL },		/* production kernels */
	{ "force", true, 0, KDUMP_IOMMU_FORCE },	/* debug kernels */
	{ NULL, true, -EINVAL },
	{ "", true, -EINVAL },
	{ "On", true, -EINVAL },
	{ "OFF", true, -EINVAL },
	{ "onx", true, -EINVAL },
	{ "of", true, -EINVAL },
	{ "o", true, -EINVAL },
	{ "offline", true, -EINVAL },
	{ "forced", true, -EINVAL },
	{ " on", true, -EINVAL },
	{ "on ", true, -EINVAL },
	{ "on,off", true, -EINVAL },
	{ "1", true, -EINVAL },
	{ "0", true, -EINVAL },
	{ "y", true, -EINVAL },
	{ "yes", true, -EINVAL },
	{ "=on", true, -EINVAL },
};

static void parse_case_desc(const struct parse_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"%s", c->str ?: "(null)",
		 c->force_ok ? ", debug" : "");
}

KUNIT_ARRAY_PARAM(parse, parse_cases, parse_case_desc);

static void test_parse_mode(struct kunit *test)
{
	const struct parse_case *c = test->param_value;
	/* A sentinel the parser must leave alone on error. */
	enum kdump_iommu_mode mode = (enum kdump_iommu_mode)0x5a;

	KUNIT_EXPECT_EQ(test, kdump_iommu_parse_mode(c->str, c->force_ok, &mode),
			c->ret);
	if (c->ret)
		KUNIT_EXPECT_EQ(test, mode, (enum kdump_iommu_mode)0x5a);
	else
		KUNIT_EXPECT_EQ(test, mode, c->mode);
}

static void test_mode_name_roundtrip(struct kunit *test)
{
	enum kdump_iommu_mode m, back;

	for (m = KDUMP_IOMMU_OFF; m <= KDUMP_IOMMU_FORCE; m++) {
		KUNIT_ASSERT_EQ(test, kdump_iommu_parse_mode(kdump_iommu_mode_name(m),
							     true, &back), 0);
		KUNIT_EXPECT_EQ(test, back, m);
	}
	KUNIT_EXPECT_STREQ(test, kdump_iommu_mode_name((enum kdump_iommu_mode)42), "?");
	KUNIT_EXPECT_STREQ(test, kdump_iommu_mode_name((enum kdump_iommu_mode)-1), "?");
}

/* kdump_iommu_default_class() ----------------------------------------- */

struct class_case {
	const char *name;
	u32 class;
	bool target;
};

static const struct class_case class_cases[] = {
	{ "SCSI (virtio-blk)", 0x010000, true },
	{ "IDE", 0x010180, true },
	{ "RAID", 0x010400, true },
	{ "AHCI", 0x010601, true },
	{ "SAS", 0x010700, true },
	{ "NVMe", 0x010802, true },
	{ "other storage", 0x018000, true },
	{ "Ethernet", 0x020000, true },
	{ "InfiniBand", 0x020700, true },
	{ "other network", 0x028000, true },
	{ "unclassified (edu)", 0x00ff00, false },
	{ "VGA", 0x030000, false },
	{ "audio", 0x040300, false },
	{ "host bridge", 0x060000, false },
	{ "PCI bridge", 0x060400, false },
	{ "FireWire", 0x0c0010, false },
	{ "Fibre Channel", 0x0c0400, true },
	{ "InfiniBand (serial bus)", 0x0c0600, true },
	{ "USB xHCI", 0x0c0330, true },
	{ "USB EHCI", 0x0c0320, true },
	{ "USB UHCI", 0x0c0300, true },
	{ "USB4 host interface", 0x0c0340, false },
	{ "USB device controller", 0x0c03fe, false },
	{ "SD host", 0x080501, true },
	{ "system peripheral (IOMMU)", 0x080600, false },
	{ "serial port", 0x070002, false },
	{ "SMBus", 0x0c0500, false },
	{ "accelerator", 0x120000, false },
	{ "unassigned", 0xff0000, false },
};

static void class_case_desc(const struct class_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(class, class_cases, class_case_desc);

static void test_default_class(struct kunit *test)
{
	const struct class_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, kdump_iommu_default_class(c->class), c->target);
}

/* kdump_iommu_make_windows() ----------------------------------------- */

#define R(s, e)		{ .start = (s), .end = (e) }
#define NONE		R(0, 0)
#define AW39		(BIT_ULL(39) - 1)
#define AW48		(BIT_ULL(48) - 1)

struct window_case {
	const char *name;
	struct kdump_iommu_range regions[KDUMP_IOMMU_MAX_WINDOWS];
	u64 page_size;
	u64 max_addr;
	unsigned int nr;
	struct kdump_iommu_range windows[KDUMP_IOMMU_MAX_WINDOWS];
	u64 clipped;
};

static const struct window_case window_cases[] = {
	{ "x86 crashkernel=256M at 752M",
	  { R(0x2f000000, 0x3effffff), NONE }, SZ_4K, AW39,
	  1, { R(0x2f000000, 0x3effffff) }, 0 },
	{ "no crashkernel=",
	  { NONE, NONE }, SZ_4K, AW39, 0, {}, 0 },
	{ "crashkernel=,high and ,low: sorted, low first",
	  { R(0x100000000ULL, 0x10fffffffULL), R(0x3000000, 0x12ffffff) },
	  SZ_4K, AW39, 2,
	  { R(0x3000000, 0x12ffffff), R(0x100000000ULL, 0x10fffffffULL) }, 0 },
	{ "low region only",
	  { NONE, R(0x3000000, 0x12ffffff) }, SZ_4K, AW39,
	  1, { R(0x3000000, 0x12ffffff) }, 0 },
	{ "unaligned start and end shrink inward",
	  { R(0x2f000800, 0x3f0007ff), NONE }, SZ_4K, AW39,
	  1, { R(0x2f001000, 0x3effffff) }, 0 },
	{ "odd size, aligned start",
	  { R(0x2f000000, 0x2f000000 + 0x1234567 - 1), NONE }, SZ_4K, AW39,
	  1, { R(0x2f000000, 0x30233fff) }, 0 },
	{ "smaller than a page",
	  { R(0x1000800, 0x1000fff), NONE }, SZ_4K, AW39, 0, {}, 0 },
	{ "one byte short of a page at each end",
	  { R(0x1000001, 0x1002ffe), NONE }, SZ_4K, AW39,
	  1, { R(0x1001000, 0x1001fff) }, 0 },
	{ "2 MiB IOMMU pages",
	  { R(0x2f100000, 0x3effffff), NONE }, SZ_2M, AW39,
	  1, { R(0x2f200000, 0x3effffff) }, 0 },
	{ "beyond a 39-bit IOMMU",
	  { R(0x8000000000ULL, 0x800fffffffULL), NONE }, SZ_4K, AW39,
	  0, {}, SZ_256M },
	{ "straddles a 39-bit IOMMU's limit",
	  { R(0x7ff0000000ULL, 0x800fffffffULL), NONE }, SZ_4K, AW39,
	  1, { R(0x7ff0000000ULL, AW39) }, SZ_256M },
	{ "fits a 48-bit IOMMU",
	  { R(0x8000000000ULL, 0x800fffffffULL), NONE }, SZ_4K, AW48,
	  1, { R(0x8000000000ULL, 0x800fffffffULL) }, 0 },
	{ "high beyond, low within",
	  { R(0x8000000000ULL, 0x800fffffffULL), R(0x3000000, 0x12ffffff) },
	  SZ_4K, AW39, 1, { R(0x3000000, 0x12ffffff) }, SZ_256M },
	{ "overlapping regions merge",
	  { R(0x1000000, 0x2ffffff), R(0x2000000, 0x3ffffff) }, SZ_4K, AW39,
	  1, { R(0x1000000, 0x3ffffff) }, 0 },
	{ "adjacent regions merge",
	  { R(0x2000000, 0x2ffffff), R(0x1000000, 0x1ffffff) }, SZ_4K, AW39,
	  1, { R(0x1000000, 0x2ffffff) }, 0 },
	{ "one region inside the other",
	  { R(0x1000000, 0x4ffffff), R(0x2000000, 0x2ffffff) }, SZ_4K, AW39,
	  1, { R(0x1000000, 0x4ffffff) }, 0 },
	{ "start above end is empty",
	  { R(0x2000000, 0x1ffffff), NONE }, SZ_4K, AW39, 0, {}, 0 },
	{ "region starting at 0",
	  { R(0, 0xfffffff), NONE }, SZ_4K, AW39,
	  1, { R(0, 0xfffffff) }, 0 },
	{ "top of the address space",
	  { R(0xfffffffffff00000ULL, U64_MAX), NONE }, SZ_4K, U64_MAX,
	  1, { R(0xfffffffffff00000ULL, U64_MAX) }, 0 },
	{ "no whole page at the top",
	  { R(0xfffffffffffff001ULL, U64_MAX), NONE }, SZ_4K, U64_MAX,
	  0, {}, 0 },
};

static void window_case_desc(const struct window_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(window, window_cases, window_case_desc);

static void test_make_windows(struct kunit *test)
{
	const struct window_case *c = test->param_value;
	struct kdump_iommu_range out[KDUMP_IOMMU_MAX_WINDOWS] = {};
	unsigned int i, nr;
	u64 clipped = 0x5a5a;

	nr = kdump_iommu_make_windows(c->regions, ARRAY_SIZE(c->regions),
				      c->page_size, c->max_addr, out, &clipped);
	KUNIT_ASSERT_EQ(test, nr, c->nr);
	KUNIT_EXPECT_EQ(test, clipped, c->clipped);
	for (i = 0; i < nr; i++) {
		KUNIT_EXPECT_EQ_MSG(test, out[i].start, c->windows[i].start, "window %u", i);
		KUNIT_EXPECT_EQ_MSG(test, out[i].end, c->windows[i].end, "window %u", i);
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED(out[i].start, c->page_size));
		KUNIT_EXPECT_TRUE(test, out[i].end == U64_MAX ||
				  IS_ALIGNED(out[i].end + 1, c->page_size));
	}
}

/* kdump_iommu_overlaps() ---------------------------------------------- */

struct overlap_case {
	const char *name;
	u64 start, end;
	bool overlaps;
};

static const struct kdump_iommu_range overlap_windows[] = {
	R(0x10000, 0x1ffff), R(0x50000, 0x5ffff),
};

static const struct overlap_case overlap_cases[] = {
	{ "below both", 0x0, 0xffff, false },
	{ "ends on the first byte", 0x0, 0x10000, true },
	{ "inside", 0x11000, 0x11fff, true },
	{ "covers a window", 0x0, 0x30000, true },
	{ "starts on the last byte", 0x1ffff, 0x2ffff, true },
	{ "between", 0x20000, 0x4ffff, false },
	{ "spans the gap", 0x1f000, 0x50fff, true },
	{ "above both", 0x60000, U64_MAX, false },
	{ "everything", 0, U64_MAX, true },
};

static void overlap_case_desc(const struct overlap_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(overlap, overlap_cases, overlap_case_desc);

static void test_overlaps(struct kunit *test)
{
	const struct overlap_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, kdump_iommu_overlaps(overlap_windows,
						   ARRAY_SIZE(overlap_windows),
						   c->start, c->end), c->overlaps);
	KUNIT_EXPECT_FALSE(test, kdump_iommu_overlaps(overlap_windows, 0,
						      c->start, c->end));
}

/* kdump_iommu_nr_pages() ---------------------------------------------- */

#define VTD_SIZES	(SZ_4K | SZ_2M | SZ_1G)

struct pages_case {
	const char *name;
	struct kdump_iommu_range window;
	unsigned long pgsize_bitmap;
	u64 nr;
	u64 largest;
};

static const struct pages_case pages_cases[] = {
	{ "256M at 752M: 2M pages", R(0x2f000000, 0x3effffff), VTD_SIZES, 128, SZ_2M },
	{ "1G at 1G: one 1G page", R(SZ_1G, 2ULL * SZ_1G - 1), VTD_SIZES, 1, SZ_1G },
	{ "1G + 2M at 1G", R(SZ_1G, 2ULL * SZ_1G + SZ_2M - 1), VTD_SIZES, 2, SZ_1G },
	{ "4K off 2M alignment", R(0x2f001000, 0x3effffff), VTD_SIZES, 511 + 127, SZ_2M },
	{ "4K pages only", R(0x2f000000, 0x3effffff), SZ_4K, 65536, SZ_4K },
	{ "one page", R(0x1000, 0x1fff), VTD_SIZES, 1, SZ_4K },
	{ "not aligned to the smallest page", R(0x800, 0x17ff), VTD_SIZES, 0, 0 },
	{ "no page sizes", R(0x1000, 0x1fff), 0, 0, 0 },
	{ "empty", R(0x2000, 0x1fff), VTD_SIZES, 0, 0 },
};

static void pages_case_desc(const struct pages_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(pages, pages_cases, pages_case_desc);

static void test_nr_pages(struct kunit *test)
{
	const struct pages_case *c = test->param_value;
	u64 largest = 0x5a5a;

	KUNIT_EXPECT_EQ(test, kdump_iommu_nr_pages(&c->window, c->pgsize_bitmap,
						   &largest), c->nr);
	KUNIT_EXPECT_EQ(test, largest, c->largest);
}

/* kdump_iommu_leaf_tables() -------------------------------------------- */

struct tables_case {
	const char *name;
	struct kdump_iommu_range window;
	unsigned long pgsize_bitmap;
	u64 nr;
};

static const struct tables_case tables_cases[] = {
	{ "256M, 2M aligned: one table", R(0x2f000000, 0x3effffff), VTD_SIZES, 1 },
	{ "4K off 2M at the start", R(0x2f001000, 0x3effffff), VTD_SIZES, 2 },
	{ "both ends off 2M (ck-odd)", R(0x20100000, 0x27efffff), VTD_SIZES, 3 },
	{ "1G + 2M at 1G", R(SZ_1G, 2ULL * SZ_1G + SZ_2M - 1), VTD_SIZES, 2 },
	{ "across a 1G boundary", R(0x3f000000, 0x40ffffff), VTD_SIZES, 2 },
	{ "4K pages only: 512 a table", R(0x2f000000, 0x3effffff), SZ_4K, 128 },
	{ "AMD: any power of two", R(0x2f000000, 0x3effffff), ~0xfffUL, 1 },
	{ "AMD: 4K off at both ends", R(0x2f001000, 0x3effefff), ~0xfffUL, 3 },
	{ "one page", R(0x1000, 0x1fff), VTD_SIZES, 1 },
	{ "not aligned to the smallest page", R(0x800, 0x17ff), VTD_SIZES, 0 },
	{ "no page sizes", R(0x1000, 0x1fff), 0, 0 },
	{ "empty", R(0x2000, 0x1fff), VTD_SIZES, 0 },
};

static void tables_case_desc(const struct tables_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(tables, tables_cases, tables_case_desc);

static void test_leaf_tables(struct kunit *test)
{
	const struct tables_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, kdump_iommu_leaf_tables(&c->window, c->pgsize_bitmap),
			c->nr);
}

/* kdump_iommu_leaf_size() ------------------------------------------------ */

struct leaf_case {
	const char *name;
	u64 addr, left;
	unsigned long pgsize_bitmap;
	u64 size;
};

static const struct leaf_case leaf_cases[] = {
	{ "2M aligned, plenty left", 0x2f000000, SZ_256M, VTD_SIZES, SZ_2M },
	{ "1G aligned, 1G left", SZ_1G, SZ_1G, VTD_SIZES, SZ_1G },
	{ "1G aligned, less left", SZ_1G, SZ_1G - SZ_4K, VTD_SIZES, SZ_2M },
	{ "4K aligned only", 0x2f001000, SZ_256M, VTD_SIZES, SZ_4K },
	{ "AMD: any power of two", 0x2f000000, SZ_256M, ~0xfffUL, SZ_16M },
	{ "at address 0", 0, SZ_2M, VTD_SIZES, SZ_2M },
	{ "less than a page left", 0x1000, 0x800, VTD_SIZES, 0 },
	{ "unaligned address", 0x1800, SZ_2M, VTD_SIZES, 0 },
};

static void leaf_case_desc(const struct leaf_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(leaf, leaf_cases, leaf_case_desc);

static void test_leaf_size(struct kunit *test)
{
	const struct leaf_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, kdump_iommu_leaf_size(c->addr, c->left,
						    c->pgsize_bitmap), c->size);
}

/* kdump_iommu_walk_range() against fake tables ------------------------- */

/*
 * A fake old table: pages, and holes.  An address in no page is a hole of
 * hole_size (aligned), as an upper-level entry that is not present.
 */
struct fake_pte {
	u64 iova;
	u64 size;
	u64 phys;
	bool writable;
	int err;
};

struct fake_table {
	const struct fake_pte *ptes;
	unsigned int nr;
	u64 hole_size;
	unsigned int lookups;
};

static int fake_lookup(void *data, u64 iova, struct kdump_iommu_pte *pte)
{
	struct fake_table *t = data;
	unsigned int i;

	t->lookups++;
	for (i = 0; i < t->nr; i++) {
		const struct fake_pte *p = &t->ptes[i];

		/* A zero-sized entry stands for a broken table at one IOVA. */
		if (iova < p->iova || iova > p->iova + (p->size ? p->size - 1 : 0))
			continue;
		if (p->err)
			return p->err;
		pte->size = p->size;
		pte->phys = p->phys + (p->size ? iova & (p->size - 1) : 0);
		pte->writable = p->writable;
		return 0;
	}
	pte->size = t->hole_size ?: SZ_4K;
	return -ENOENT;
}

/* 1:1 read/write pages */
static const struct fake_pte ptes_identity[] = {
	{ 0x200000, SZ_2M, 0x200000, true },
	{ 0x400000, SZ_2M, 0x400000, true },
	{ 0x600000, SZ_4K, 0x600000, true },
};

static const struct fake_pte ptes_hole[] = {
	{ 0x200000, SZ_2M, 0x200000, true },
	{ 0x600000, SZ_2M, 0x600000, true },
};

static const struct fake_pte ptes_late[] = {
	{ 0x600000, SZ_2M, 0x600000, true },
};

static const struct fake_pte ptes_elsewhere[] = {
	{ 0x600000, SZ_2M, 0x12600000, true },
};

/*
 * A guest's RAM over this kernel's addresses, in the crashed kernel's RAM
 * (a VFIO domain keeps its whole IOVA space): read-only pages too.
 */
static const struct fake_pte ptes_guest[] = {
	{ 0x200000, SZ_2M, 0x12200000, true },
	{ 0x400000, SZ_4K, 0x13401000, false },
};

/* 1:1, then a guest's page */
static const struct fake_pte ptes_window_guest[] = {
	{ 0x200000, SZ_2M, 0x200000, true },
	{ 0x400000, SZ_2M, 0x12400000, true },
};

/* A page whose end is past the end of the crashed kernel's RAM */
static const struct fake_pte ptes_guest_straddles[] = {
	{ 0x600000, SZ_2M, 0x1ff00000, true },
};

/* A guest's page, then 1:1 */
static const struct fake_pte ptes_guest_window[] = {
	{ 0x200000, SZ_2M, 0x12200000, true },
	{ 0x400000, SZ_2M, 0x400000, true },
};

/* A page that ends where the crashed kernel's RAM begins */
static const struct fake_pte ptes_guest_below[] = {
	{ 0x600000, SZ_2M, 0xfe00000, true },
};

/* A 1G page of guest RAM over two segments of the crashed kernel's RAM */
static const struct fake_pte ptes_guest_1g[] = {
	{ 0, SZ_1G, 0x40000000, true },
};

/* The crashed kernel's RAM, for the walks that have one */
static const struct kdump_iommu_range old_ram_256m[] = {
	{ 0x10000000, 0x1fffffff },
};

/* Two segments that touch, merged and not */
static const struct kdump_iommu_range old_ram_split[] = {
	{ 0x40000000, 0x5fffffff }, { 0x60000000, 0x7fffffff },
};

static const struct kdump_iommu_range old_ram_merged[] = {
	{ 0x40000000, 0x7fffffff },
};

/*
 * A unity map for an RMRR (VT-d 8.4) or IVMD (AMD 5.2.2.3): reserved
 * memory, never this kernel's RAM, so never walked; with the window too.
 */
static const struct fake_pte ptes_unity[] = {
	{ 0x7c000000, SZ_1M, 0x7c000000, true },
};

static const struct fake_pte ptes_unity_window[] = {
	{ 0x200000, SZ_2M, 0x200000, true },
	{ 0x7c000000, SZ_1M, 0x7c000000, true },
};

static const struct fake_pte ptes_shifted[] = {
	{ 0x200000, SZ_2M, 0x200000, true },
	{ 0x400000, SZ_4K, 0x401000, true },
};

static const struct fake_pte ptes_readonly[] = {
	{ 0x200000, SZ_2M, 0x200000, true },
	{ 0x400000, SZ_2M, 0x400000, false },
};

static const struct fake_pte ptes_error[] = {
	{ 0x200000, SZ_2M, 0x200000, true },
	{ 0x400000, SZ_2M, 0, false, -EIO },
};

static const struct fake_pte ptes_zero_size[] = {
	{ 0x200000, 0, 0x200000, true },
};

static const struct fake_pte ptes_top[] = {
	{ 0xffffffffffc00000ULL, SZ_2M, 0xffffffffffc00000ULL, true },
	{ 0xffffffffffe00000ULL, SZ_2M, 0xffffffffffe00000ULL, true },
};

struct walk_case {
	const char *name;
	const struct fake_pte *ptes;
	unsigned int nr;
	u64 hole_size;
	u64 start, end;
	enum kdump_iommu_old state;
	u64 iova;		/* where a mixed walk stopped, or elsewhere began */
	int err;
	unsigned int lookups;
	const struct kdump_iommu_range *old_ram;
	unsigned int nr_old_ram;
	u64 phys;		/* what .iova maps to, for elsewhere */
};

static const struct walk_case walk_cases[] = {
	{ "identity, one lookup per page", ptes_identity, ARRAY_SIZE(ptes_identity), 0,
	  0x200000, 0x600fff, KDUMP_OLD_IDENTITY, 0, 0, 3 },
	{ "starts inside a 2M page", ptes_identity, ARRAY_SIZE(ptes_identity), 0,
	  0x201000, 0x3fffff, KDUMP_OLD_IDENTITY, 0, 0, 1 },
	{ "nothing mapped: blocked, 4K holes", NULL, 0, SZ_4K,
	  0x200000, 0x203fff, KDUMP_OLD_BLOCKED, 0, 0, 4 },
	{ "nothing mapped: a 1G hole is one lookup", NULL, 0, SZ_1G,
	  0x2f000000, 0x3effffff, KDUMP_OLD_BLOCKED, 0, 0, 1 },
	{ "1:1, then a hole: partial", ptes_hole, ARRAY_SIZE(ptes_hole), SZ_2M,
	  0x200000, 0x7fffff, KDUMP_OLD_MIXED, 0x400000, -ENOENT, 2 },
	{ "a hole, then 1:1: partial", ptes_late, ARRAY_SIZE(ptes_late), SZ_2M,
	  0x200000, 0x7fffff, KDUMP_OLD_MIXED, 0x600000, 0, 3 },
	{ "mapped elsewhere", ptes_elsewhere, ARRAY_SIZE(ptes_elsewhere), SZ_2M,
	  0x600000, 0x7fffff, KDUMP_OLD_MIXED, 0x600000, 0, 1 },
	{ "hole, then mapped elsewhere", ptes_elsewhere, ARRAY_SIZE(ptes_elsewhere), SZ_2M,
	  0x200000, 0x7fffff, KDUMP_OLD_MIXED, 0x600000, 0, 3 },
	{ "window and an RMRR/IVMD unity map: identity", ptes_unity_window,
	  ARRAY_SIZE(ptes_unity_window), SZ_2M,
	  0x200000, 0x3fffff, KDUMP_OLD_IDENTITY, 0, 0, 1 },
	{ "an RMRR/IVMD unity map alone: blocked", ptes_unity,
	  ARRAY_SIZE(ptes_unity), SZ_2M,
	  0x200000, 0x3fffff, KDUMP_OLD_BLOCKED, 0, 0, 1 },
	{ "shifted page", ptes_shifted, ARRAY_SIZE(ptes_shifted), 0,
	  0x200000, 0x400fff, KDUMP_OLD_MIXED, 0x400000, 0, 2 },
	{ "read-only page", ptes_readonly, ARRAY_SIZE(ptes_readonly), 0,
	  0x200000, 0x5fffff, KDUMP_OLD_MIXED, 0x400000, 0, 2 },
	{ "table not readable", ptes_error, ARRAY_SIZE(ptes_error), 0,
	  0x200000, 0x5fffff, KDUMP_OLD_MIXED, 0x400000, -EIO, 2 },
	{ "zero-sized page", ptes_zero_size, ARRAY_SIZE(ptes_zero_size), 0,
	  0x200000, 0x200fff, KDUMP_OLD_MIXED, 0x200000, -EINVAL, 1 },
	{ "ends at the top of the address space", ptes_top, ARRAY_SIZE(ptes_top), 0,
	  0xffffffffffc00000ULL, U64_MAX, KDUMP_OLD_IDENTITY, 0, 0, 2 },
	{ "mapped to the crashed kernel's RAM: elsewhere", ptes_elsewhere,
	  ARRAY_SIZE(ptes_elsewhere), SZ_2M,
	  0x600000, 0x7fffff, KDUMP_OLD_ELSEWHERE, 0x600000, 0, 1,
	  old_ram_256m, ARRAY_SIZE(old_ram_256m), 0x12600000 },
	{ "holes, then the crashed kernel's RAM: elsewhere", ptes_elsewhere,
	  ARRAY_SIZE(ptes_elsewhere), SZ_2M,
	  0x200000, 0x9fffff, KDUMP_OLD_ELSEWHERE, 0x600000, 0, 4,
	  old_ram_256m, ARRAY_SIZE(old_ram_256m), 0x12600000 },
	{ "guest RAM, read-only too, then holes: elsewhere", ptes_guest,
	  ARRAY_SIZE(ptes_guest), SZ_4K,
	  0x200000, 0x402fff, KDUMP_OLD_ELSEWHERE, 0x200000, 0, 4,
	  old_ram_256m, ARRAY_SIZE(old_ram_256m), 0x12200000 },
	{ "elsewhere, starting inside a 2M page", ptes_elsewhere,
	  ARRAY_SIZE(ptes_elsewhere), SZ_2M,
	  0x6ff000, 0x7fffff, KDUMP_OLD_ELSEWHERE, 0x6ff000, 0, 1,
	  old_ram_256m, ARRAY_SIZE(old_ram_256m), 0x126ff000 },
	{ "the crashed kernel's RAM, then 1:1: partial", ptes_guest_window,
	  ARRAY_SIZE(ptes_guest_window), SZ_2M,
	  0x200000, 0x5fffff, KDUMP_OLD_MIXED, 0x400000, 0, 2,
	  old_ram_256m, ARRAY_SIZE(old_ram_256m) },
	{ "just below the crashed kernel's RAM", ptes_guest_below,
	  ARRAY_SIZE(ptes_guest_below), SZ_2M,
	  0x600000, 0x7fffff, KDUMP_OLD_MIXED, 0x600000, 0, 1,
	  old_ram_256m, ARRAY_SIZE(old_ram_256m) },
	{ "a page over two segments, not merged", ptes_guest_1g,
	  ARRAY_SIZE(ptes_guest_1g), SZ_1G,
	  0x200000, 0x3fffffff, KDUMP_OLD_MIXED, 0x200000, 0, 1,
	  old_ram_split, ARRAY_SIZE(old_ram_split) },
	{ "a page over two segments, merged", ptes_guest_1g,
	  ARRAY_SIZE(ptes_guest_1g), SZ_1G,
	  0x200000, 0x3fffffff, KDUMP_OLD_ELSEWHERE, 0x200000, 0, 1,
	  old_ram_merged, ARRAY_SIZE(old_ram_merged), 0x40200000 },
	{ "the crashed kernel's RAM unknown", ptes_elsewhere,
	  ARRAY_SIZE(ptes_elsewhere), SZ_2M,
	  0x600000, 0x7fffff, KDUMP_OLD_MIXED, 0x600000, 0, 1 },
	{ "1:1, then the crashed kernel's RAM: partial", ptes_window_guest,
	  ARRAY_SIZE(ptes_window_guest), SZ_2M,
	  0x200000, 0x5fffff, KDUMP_OLD_MIXED, 0x400000, 0, 2,
	  old_ram_256m, ARRAY_SIZE(old_ram_256m) },
	{ "past the end of the crashed kernel's RAM", ptes_guest_straddles,
	  ARRAY_SIZE(ptes_guest_straddles), SZ_2M,
	  0x600000, 0x7fffff, KDUMP_OLD_MIXED, 0x600000, 0, 1,
	  old_ram_256m, ARRAY_SIZE(old_ram_256m) },
	{ "mapped to this kernel's memory, not 1:1", ptes_shifted,
	  ARRAY_SIZE(ptes_shifted), 0,
	  0x200000, 0x400fff, KDUMP_OLD_MIXED, 0x400000, 0, 2,
	  old_ram_256m, ARRAY_SIZE(old_ram_256m) },
};

static void walk_case_desc(const struct walk_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(walk, walk_cases, walk_case_desc);

static void test_walk_range(struct kunit *test)
{
	const struct walk_case *c = test->param_value;
	struct fake_table t = { .ptes = c->ptes, .nr = c->nr,
				.hole_size = c->hole_size };
	struct kdump_iommu_walk w = { .old_ram = c->old_ram,
				      .nr_old_ram = c->nr_old_ram };

	kdump_iommu_walk_range(fake_lookup, &t, c->start, c->end, &w);
	KUNIT_EXPECT_TRUE(test, w.started);
	KUNIT_EXPECT_EQ(test, w.state, c->state);
	KUNIT_EXPECT_EQ(test, t.lookups, c->lookups);
	KUNIT_EXPECT_EQ(test, w.lookups, c->lookups);
	if (c->state == KDUMP_OLD_MIXED || c->state == KDUMP_OLD_ELSEWHERE) {
		KUNIT_EXPECT_EQ(test, w.iova, c->iova);
		KUNIT_EXPECT_EQ(test, w.err, c->err);
	}
	if (c->state == KDUMP_OLD_ELSEWHERE)
		KUNIT_EXPECT_EQ(test, w.phys, c->phys);
}

/* Two ranges of RAM walked in turn: the verdict spans both. */
static void test_walk_two_ranges(struct kunit *test)
{
	struct fake_table t = { .ptes = ptes_identity,
				.nr = ARRAY_SIZE(ptes_identity), .hole_size = SZ_2M };
	struct kdump_iommu_walk w = {};

	kdump_iommu_walk_range(fake_lookup, &t, 0x200000, 0x3fffff, &w);
	KUNIT_EXPECT_EQ(test, w.state, KDUMP_OLD_IDENTITY);
	kdump_iommu_walk_range(fake_lookup, &t, 0x400000, 0x5fffff, &w);
	KUNIT_EXPECT_EQ(test, w.state, KDUMP_OLD_IDENTITY);
	/* The second range of this kernel's RAM is not mapped: partial. */
	kdump_iommu_walk_range(fake_lookup, &t, 0x10000000, 0x101fffff, &w);
	KUNIT_EXPECT_EQ(test, w.state, KDUMP_OLD_MIXED);
	KUNIT_EXPECT_EQ(test, w.iova, 0x10000000ULL);
	/* Once mixed, a further range looks nothing up. */
	t.lookups = 0;
	kdump_iommu_walk_range(fake_lookup, &t, 0x200000, 0x3fffff, &w);
	KUNIT_EXPECT_EQ(test, t.lookups, 0U);
	KUNIT_EXPECT_EQ(test, w.state, KDUMP_OLD_MIXED);
}

struct combine_case {
	enum kdump_iommu_old a, b, ret;
};

static const struct combine_case combine_cases[] = {
	{ KDUMP_OLD_IDENTITY, KDUMP_OLD_IDENTITY, KDUMP_OLD_IDENTITY },
	{ KDUMP_OLD_BLOCKED, KDUMP_OLD_BLOCKED, KDUMP_OLD_BLOCKED },
	{ KDUMP_OLD_IDENTITY, KDUMP_OLD_BLOCKED, KDUMP_OLD_MIXED },
	{ KDUMP_OLD_BLOCKED, KDUMP_OLD_IDENTITY, KDUMP_OLD_MIXED },
	{ KDUMP_OLD_MIXED, KDUMP_OLD_MIXED, KDUMP_OLD_MIXED },
	{ KDUMP_OLD_IDENTITY, KDUMP_OLD_MIXED, KDUMP_OLD_MIXED },
	{ KDUMP_OLD_MIXED, KDUMP_OLD_BLOCKED, KDUMP_OLD_MIXED },
	{ KDUMP_OLD_PASSTHROUGH, KDUMP_OLD_PASSTHROUGH, KDUMP_OLD_PASSTHROUGH },
	{ KDUMP_OLD_IDENTITY, KDUMP_OLD_PASSTHROUGH, KDUMP_OLD_IDENTITY },
	{ KDUMP_OLD_PASSTHROUGH, KDUMP_OLD_IDENTITY, KDUMP_OLD_IDENTITY },
	{ KDUMP_OLD_PASSTHROUGH, KDUMP_OLD_BLOCKED, KDUMP_OLD_MIXED },
	{ KDUMP_OLD_MIXED, KDUMP_OLD_PASSTHROUGH, KDUMP_OLD_MIXED },
	{ KDUMP_OLD_ELSEWHERE, KDUMP_OLD_ELSEWHERE, KDUMP_OLD_ELSEWHERE },
	/* One requester ID in a domain without the window: blocked */
	{ KDUMP_OLD_ELSEWHERE, KDUMP_OLD_BLOCKED, KDUMP_OLD_BLOCKED },
	{ KDUMP_OLD_BLOCKED, KDUMP_OLD_ELSEWHERE, KDUMP_OLD_BLOCKED },
	{ KDUMP_OLD_ELSEWHERE, KDUMP_OLD_IDENTITY, KDUMP_OLD_MIXED },
	{ KDUMP_OLD_PASSTHROUGH, KDUMP_OLD_ELSEWHERE, KDUMP_OLD_MIXED },
	{ KDUMP_OLD_ELSEWHERE, KDUMP_OLD_MIXED, KDUMP_OLD_MIXED },
};

static void combine_case_desc(const struct combine_case *c, char *desc)
{
	static const char * const n[KDUMP_OLD_NR] = {
		"identity", "blocked", "mixed", "pass-through", "elsewhere",
	};

	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s + %s", n[c->a], n[c->b]);
}

KUNIT_ARRAY_PARAM(combine, combine_cases, combine_case_desc);

static void test_old_combine(struct kunit *test)
{
	const struct combine_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, kdump_iommu_old_combine(c->a, c->b), c->ret);
}

/* The crashed kernel's RAM from its ELF core header's program headers. */
struct old_ram_case {
	const char *name;
	struct elf64_phdr phdr[4];
	int nr_phdr;
	int max;
	int want;			/* ranges, or a negative errno */
	struct kdump_iommu_range ram[3];
};

/* (p_offset == p_paddr: the segment's contents are where it says) */
#define LOAD(a, n)	{ .p_type = PT_LOAD, .p_paddr = a, .p_offset = a, \
			  .p_memsz = (n) }
#define NOTE(a, n)	{ .p_type = PT_NOTE, .p_paddr = (a), .p_memsz = (n) }

static const struct old_ram_case old_ram_cases[] = {
	{ "one load", { LOAD(0x100000, 0x7ff00000) }, 1, 3, 1,
	  { R(0x100000, 0x7fffffff) } },
	{ "notes skipped", { NOTE(0, 0x1000), LOAD(0x1000, 0x9f000),
			     LOAD(0x100000, 0x1000) }, 3, 3, 2,
	  { R(0x1000, 0x9ffff), R(0x100000, 0x100fff) } },
	{ "empty load skipped", { LOAD(0x1000, 0), LOAD(0x2000, 0x1000) }, 2, 3, 1,
	  { R(0x2000, 0x2fff) } },
	{ "load up to the top", { LOAD(0xfffffffffffff000ULL, 0x1000) }, 1, 3, 1,
	  { R(0xfffffffffffff000ULL, U64_MAX) } },
	{ "load wraps", { LOAD(0xfffffffffffff000ULL, 0x2000) }, 1, 3, -EINVAL },
	{ "more loads than room", { LOAD(0, 0x1000), LOAD(0x2000, 0x1000),
				    LOAD(0x4000, 0x1000) }, 3, 2, -E2BIG },
	{ "no load at all", { NOTE(0, 0x1000) }, 1, 3, 0 },
	{ "contents elsewhere (x86 backup of the low 640 KiB)",
	  { { .p_type = PT_LOAD, .p_paddr = 0, .p_offset = 0x2f000000,
	      .p_memsz = 0xa0000 }, LOAD(0x100000, 0x1000) }, 2, 3, 1,
	  { R(0x100000, 0x100fff) } },
};

static void old_ram_case_desc(const struct old_ram_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(old_ram, old_ram_cases, old_ram_case_desc);

static void test_old_ram_add(struct kunit *test)
{
	const struct old_ram_case *c = test->param_value;
	struct kdump_iommu_range ram[3] = {};
	int i, nr = 0;

	for (i = 0; i < c->nr_phdr && nr >= 0; i++)
		nr = kdump_iommu_old_ram_add(ram, nr, c->max, &c->phdr[i]);
	KUNIT_ASSERT_EQ(test, nr, c->want);
	for (i = 0; i < nr; i++) {
		KUNIT_EXPECT_EQ(test, ram[i].start, c->ram[i].start);
		KUNIT_EXPECT_EQ(test, ram[i].end, c->ram[i].end);
	}
}

/*
 * The whole ELF core header, as kexec writes it and as a corrupt one may
 * be, read through a reader over a buffer as elfcorehdr_read() reads old
 * memory: a note, two RAM segments (the second out of order, touching
 * the first) and the kernel text inside the first.
 */
#define FAKE_ELF_ADDR	0x7000000ULL

struct fake_core {
	struct elf64_hdr ehdr;
	struct elf64_phdr phdr[4];
};

static const struct fake_core *fake_core;
static size_t fake_core_len;

static ssize_t fake_core_read(char *buf, size_t count, u64 *ppos)
{
	u64 off = *ppos - FAKE_ELF_ADDR;
	size_t n;

	if (*ppos < FAKE_ELF_ADDR || off >= fake_core_len)
		return 0;
	n = min_t(size_t, count, fake_core_len - off);
	memcpy(buf, (const u8 *)fake_core + off, n);
	*ppos += n;
	return n;
}

enum {
	CORE_OK, CORE_MAGIC, CORE_CLASS32, CORE_PHENTSIZE, CORE_PHOFF,
	CORE_PHNUM_HUGE, CORE_SHORT,
};

struct core_case {
	const char *name;
	unsigned int damage;	/* CORE_* */
	u64 size;		/* elfcorehdr= size, 0 if not given */
	int max;
	int want;
	struct kdump_iommu_range first;
};

static const struct core_case core_cases[] = {
	{ "as kexec writes it", CORE_OK, 0, 4, 1, R(0x100000, 0x7fffffff) },
	{ "with its size given", CORE_OK, sizeof(struct fake_core), 4, 1,
	  R(0x100000, 0x7fffffff) },
	{ "more segments than room", CORE_OK, 0, 2, -E2BIG },
	{ "not ELF", CORE_MAGIC, 0, 4, -EINVAL },
	{ "ELF32", CORE_CLASS32, 0, 4, -EINVAL },
	{ "other program header size", CORE_PHENTSIZE, 0, 4, -EINVAL },
	{ "program headers elsewhere", CORE_PHOFF, 0, 4, -EINVAL },
	{ "more program headers than allowed", CORE_PHNUM_HUGE, 0, 4, -E2BIG },
	{ "more program headers than its size holds", CORE_OK,
	  sizeof(struct fake_core) - 1, 4, -E2BIG },
	{ "cut short", CORE_SHORT, 0, 4, -EIO },
};

static void core_case_desc(const struct core_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(core, core_cases, core_case_desc);

static void test_old_ram_parse(struct kunit *test)
{
	const struct core_case *c = test->param_value;
	struct fake_core *core = kunit_kzalloc(test, sizeof(*core), GFP_KERNEL);
	struct kdump_iommu_range ram[4] = {};
	int nr;

	KUNIT_ASSERT_NOT_NULL(test, core);
	memcpy(core->ehdr.e_ident, ELFMAG, SELFMAG);
	core->ehdr.e_ident[EI_CLASS] = ELFCLASS64;
	core->ehdr.e_phoff = sizeof(core->ehdr);
	core->ehdr.e_phentsize = sizeof(core->phdr[0]);
	core->ehdr.e_phnum = ARRAY_SIZE(core->phdr);
	core->phdr[0] = (struct elf64_phdr)NOTE(0x1000, 0x400);
	core->phdr[1] = (struct elf64_phdr)LOAD(0x1000000, 0x2000000);
	core->phdr[2] = (struct elf64_phdr)LOAD(0x40000000, 0x40000000);
	core->phdr[3] = (struct elf64_phdr)LOAD(0x1000, 0x3ffff000);
	fake_core_len = sizeof(*core);
	switch (c->damage) {
	case CORE_MAGIC:
		core->ehdr.e_ident[EI_MAG1] = 'x';
		break;
	case CORE_CLASS32:
		core->ehdr.e_ident[EI_CLASS] = ELFCLASS32;
		break;
	case CORE_PHENTSIZE:
		core->ehdr.e_phentsize--;
		break;
	case CORE_PHOFF:
		core->ehdr.e_phoff += 8;
		break;
	case CORE_PHNUM_HUGE:
		core->ehdr.e_phnum = KDUMP_IOMMU_PHNUM_MAX + 1;
		break;
	case CORE_SHORT:
		fake_core_len -= sizeof(core->phdr[0]) / 2;
		break;
	}
	fake_core = core;
	nr = kdump_iommu_old_ram_parse(fake_core_read, FAKE_ELF_ADDR, c->size,
				       ram, c->max, SZ_1M);
	fake_core = NULL;
	KUNIT_ASSERT_EQ(test, nr, c->want);
	if (nr > 0) {
		/* Sorted, merged (text inside), cut at the floor */
		KUNIT_EXPECT_EQ(test, ram[0].start, c->first.start);
		KUNIT_EXPECT_EQ(test, ram[0].end, c->first.end);
	}
}

/* The crashed kernel's RAM sorted, merged and cut at the DMA floor */
struct tidy_case {
	const char *name;
	struct kdump_iommu_range in[4];
	unsigned int nr;
	u64 floor;
	unsigned int want;
	struct kdump_iommu_range out[4];
};

static const struct tidy_case tidy_cases[] = {
	{ "one range", { R(0x100000, 0x7fffffff) }, 1, 0, 1,
	  { R(0x100000, 0x7fffffff) } },
	{ "out of order", { R(0x80000000, 0x8fffffff), R(0x100000, 0xfffff) }, 2,
	  0, 2, { R(0x100000, 0xfffff), R(0x80000000, 0x8fffffff) } },
	{ "touching: merged", { R(0x60000000, 0x7fffffff), R(0x40000000, 0x5fffffff) },
	  2, 0, 1, { R(0x40000000, 0x7fffffff) } },
	{ "kernel text inside RAM: merged",
	  { R(0x100000, 0x7fffffff), R(0x1000000, 0x2ffffff) }, 2, 0, 1,
	  { R(0x100000, 0x7fffffff) } },
	{ "overlapping, the second ending later",
	  { R(0x100000, 0x1fffff), R(0x180000, 0x2fffff) }, 2, 0, 1,
	  { R(0x100000, 0x2fffff) } },
	{ "a gap of one byte kept", { R(0x1000, 0x1ffe), R(0x2000, 0x2fff) }, 2, 0,
	  2, { R(0x1000, 0x1ffe), R(0x2000, 0x2fff) } },
	{ "below the floor: dropped, and cut",
	  { R(0x1000, 0x9ffff), R(0xf0000, 0x7fffffff) }, 2, SZ_1M, 1,
	  { R(0x100000, 0x7fffffff) } },
	{ "up to the top, then one inside", { R(0xfffffffffffff000ULL, U64_MAX),
					      R(0xffffffffffffe000ULL, 0xffffffffffffefffULL) },
	  2, 0, 1, { R(0xffffffffffffe000ULL, U64_MAX) } },
	{ "nothing", { }, 0, SZ_1M, 0 },
	{ "all below the floor", { R(0x1000, 0x9ffff) }, 1, SZ_1M, 0 },
};

static void tidy_case_desc(const struct tidy_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(tidy, tidy_cases, tidy_case_desc);

static void test_old_ram_tidy(struct kunit *test)
{
	const struct tidy_case *c = test->param_value;
	struct kdump_iommu_range ram[4];
	unsigned int i, nr;

	memcpy(ram, c->in, sizeof(ram));
	nr = kdump_iommu_old_ram_tidy(ram, c->nr, c->floor);
	KUNIT_ASSERT_EQ(test, nr, c->want);
	for (i = 0; i < nr; i++) {
		KUNIT_EXPECT_EQ(test, ram[i].start, c->out[i].start);
		KUNIT_EXPECT_EQ(test, ram[i].end, c->out[i].end);
	}
}

/* kdump_iommu_within(): is an old table page in the crashed kernel's RAM? */
struct within_case {
	const char *name;
	u64 start, size;
	bool within;
};

static const struct kdump_iommu_range within_ram[] = {
	R(0x1000, 0x9fbff), R(0x100000, 0x27ffffff), R(0x38000000, 0x7fffffff),
};

static const struct within_case within_cases[] = {
	{ "a page inside", 0x200000, SZ_4K, true },
	{ "the first page", 0x100000, SZ_4K, true },
	{ "the last page", 0x7ffff000, SZ_4K, true },
	{ "a partial page at a range's end", 0x9f000, SZ_4K, false },
	{ "running past a range's end", 0x27fff000, SZ_8K, false },
	{ "the hole between (the crash kernel)", 0x30000000, SZ_4K, false },
	{ "MMIO above RAM", 0xfed90000, SZ_4K, false },
	{ "page zero", 0, SZ_4K, false },
	{ "no bytes", 0x200000, 0, false },
	{ "wraps around", U64_MAX - 0xfff, SZ_8K, false },
};

static void within_case_desc(const struct within_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(within, within_cases, within_case_desc);

static void test_within(struct kunit *test)
{
	const struct within_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, kdump_iommu_within(within_ram, ARRAY_SIZE(within_ram),
						 c->start, c->size), c->within);
	/* No RAM holds nothing. */
	KUNIT_EXPECT_FALSE(test, kdump_iommu_within(within_ram, 0, c->start, c->size));
}

/* The hand-off decision from the devices' states. */
struct decide_case {
	const char *name;
	unsigned int identity, passthrough, blocked, mixed;
	bool handoff;
};

static const struct decide_case decide_cases[] = {
	{ "window armed, the rest blocked", 3, 0, 27, 0, true },
	{ "window armed, pass-through too", 1, 5, 2, 0, true },
	{ "every device pass-through (iommu=pt)", 0, 7, 0, 0, true },
	{ "nothing at all: vacuous", 0, 0, 0, 0, false },
	{ "everything blocked: no window", 0, 0, 7, 0, false },
	{ "pass-through, but others blocked: no window", 0, 2, 5, 0, false },
	{ "one device partial", 3, 0, 26, 1, false },
	{ "only partial", 0, 0, 0, 1, false },
	{ "pass-through and partial", 0, 7, 0, 1, false },
};

static void decide_case_desc(const struct decide_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(decide, decide_cases, decide_case_desc);

static void test_handoff_decide(struct kunit *test)
{
	const struct decide_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, kdump_iommu_handoff_decide(c->identity, c->passthrough,
							 c->blocked, c->mixed),
			c->handoff);
}

/*
 * One device's part in the decision: what its old state means, with what
 * this kernel was told and what the device is.
 */
struct refuses_case {
	const char *name;
	enum kdump_iommu_old state;
	bool told, needed, untrusted, dump_class;
	const char *why;	/* the start of the reason, NULL if none */
	bool unwindowed;
};

#define NEEDED	"needed by this kernel"
#define PARTIAL	"reaches part of"
#define UNTRUSTED "untrusted"

static const struct refuses_case refuses_cases[] = {
	{ "the disk with the window", KDUMP_OLD_IDENTITY, .dump_class = true },
	{ "a NIC in pass-through", KDUMP_OLD_PASSTHROUGH, .dump_class = true },
	{ "a disk without the window, told nothing", KDUMP_OLD_BLOCKED,
	  .dump_class = true, .unwindowed = true },
	{ "a NIC assigned to a guest, told nothing", KDUMP_OLD_ELSEWHERE,
	  .dump_class = true },
	{ "another device without the window", KDUMP_OLD_BLOCKED },
	{ "another device assigned to a guest", KDUMP_OLD_ELSEWHERE },
	{ "an untrusted disk without the window", KDUMP_OLD_BLOCKED,
	  .untrusted = true, .dump_class = true },
	{ "an untrusted NIC assigned to a guest", KDUMP_OLD_ELSEWHERE,
	  .untrusted = true, .dump_class = true },
	{ "an untrusted device 1:1", KDUMP_OLD_IDENTITY, .untrusted = true,
	  .why = UNTRUSTED },
	{ "an untrusted device in pass-through", KDUMP_OLD_PASSTHROUGH,
	  .untrusted = true, .why = UNTRUSTED },
	{ "a partial window", KDUMP_OLD_MIXED, .why = PARTIAL },
	{ "an untrusted device, partial", KDUMP_OLD_MIXED, .untrusted = true,
	  .why = PARTIAL },
	{ "needed, 1:1", KDUMP_OLD_IDENTITY, true, true, .dump_class = true },
	{ "needed, pass-through", KDUMP_OLD_PASSTHROUGH, true, true },
	{ "needed, without the window", KDUMP_OLD_BLOCKED, true, true,
	  .why = NEEDED },
	{ "needed, assigned to a guest", KDUMP_OLD_ELSEWHERE, true, true,
	  .why = NEEDED },
	{ "needed, partial", KDUMP_OLD_MIXED, true, true, .why = NEEDED },
	{ "told, a disk not needed without the window", KDUMP_OLD_BLOCKED,
	  true, false, .dump_class = true },
	{ "told, a NIC not needed assigned to a guest", KDUMP_OLD_ELSEWHERE,
	  true, false, .dump_class = true },
};

static void refuses_case_desc(const struct refuses_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(refuses, refuses_cases, refuses_case_desc);

static void test_device_refuses(struct kunit *test)
{
	const struct refuses_case *c = test->param_value;
	bool unwindowed = !c->unwindowed;
	const char *why;

	why = kdump_iommu_device_refuses(c->state, c->told, c->needed,
					 c->untrusted, c->dump_class,
					 &unwindowed);
	if (c->why) {
		KUNIT_ASSERT_NOT_NULL(test, why);
		KUNIT_EXPECT_TRUE_MSG(test, str_has_prefix(why, c->why), "%s", why);
	} else {
		KUNIT_EXPECT_NULL(test, why);
	}
	KUNIT_EXPECT_EQ(test, unwindowed, c->unwindowed);
}

/*
 * The roots of several IOMMU units, as the drivers walk them: every
 * device's old root is walked (or the device is pass-through), a root
 * shared by units (one domain attached through both) is walked once for
 * each number of levels it is read with, the reason names the device
 * whose root was mixed, and the devices, counted as the drivers count
 * them (kdump_iommu_handoff_count()), decide together
 * (kdump_iommu_handoff_ok()): a disk without the window or an untrusted
 * device that reaches this kernel on one unit stops a hand-off that the
 * others allow.  The fake tables cover every address, so whatever RAM
 * this kernel has, a table is identity, blocked, read-only (mixed) or a
 * guest's (elsewhere: every address mapped into the crashed kernel's RAM,
 * given to the decision as kdump_iommu_handoff_begin() does) all over.
 */
enum {
	UT_IDENTITY, UT_BLOCKED, UT_READONLY, UT_ELSEWHERE, UT_ALLMEM, UT_TABLES,
	UT_PASSTHROUGH,
};

/* The fake roots: above this kernel's RAM, and above the window's 1:1 */
#define ROOTS_BASE	BIT_ULL(51)

/* The window: this kernel's RAM 1:1, not the fake roots above it */
static const struct fake_pte ptes_all_identity[] = {
	{ 0, ROOTS_BASE, 0, true },
};

/* All memory 1:1, the old tables too: an identity domain, not a window */
static const struct fake_pte ptes_all_memory[] = {
	{ 0, BIT_ULL(52), 0, true },
};

static const struct fake_pte ptes_all_readonly[] = {
	{ 0, BIT_ULL(52), 0, false },
};

static const struct fake_pte ptes_all_guest[] = {
	{ 0, BIT_ULL(52), BIT_ULL(52), true },
};

static const struct kdump_iommu_range old_ram_above[] = {
	R(BIT_ULL(52), BIT_ULL(53) - 1),
};

struct root_dev {
	unsigned int unit;
	unsigned int table;	/* UT_* */
	unsigned int levels;
	bool shared;		/* the root of unit 0's table of this kind */
	bool untrusted;
	bool dump_class;	/* a disk or a NIC */
	bool needed;		/* named in kdump_iommu_devices= */
	unsigned int alias;	/* UT_* + 1 of a second requester ID's table */
	unsigned int format;	/* VT-d: 0 second level, 1 first level */
};

struct roots_case {
	const char *name;
	const struct root_dev *devs;
	unsigned int nr;
	unsigned int walks;	/* roots walked */
	unsigned int identity, passthrough, blocked, mixed;
	bool handoff;
	u16 why_rid;		/* the mixed device named, when one is */
	const char *why;	/* and what the reason says of it */
	unsigned int unwindowed;	/* disks and NICs without the window */
	unsigned int elsewhere;
	bool told;		/* kdump_iommu_devices= given */
	bool no_old_ram;	/* the crashed kernel's RAM not known */
};

static const struct root_dev roots_window_one[] = {
	{ 0, UT_IDENTITY, 4 }, { 0, UT_BLOCKED, 4 },
	{ 1, UT_BLOCKED, 4 }, { 2, UT_BLOCKED, 4 },
};

static const struct root_dev roots_partial_last[] = {
	{ 0, UT_IDENTITY, 4 }, { 1, UT_BLOCKED, 4 }, { 2, UT_READONLY, 4 },
};

static const struct root_dev roots_all_blocked[] = {
	{ 0, UT_BLOCKED, 4 }, { 1, UT_BLOCKED, 4 },
};

static const struct root_dev roots_shared[] = {
	{ 0, UT_IDENTITY, 4 }, { 1, UT_IDENTITY, 4, true },
	{ 1, UT_BLOCKED, 4 },
};

static const struct root_dev roots_shared_levels[] = {
	{ 0, UT_IDENTITY, 4 }, { 1, UT_IDENTITY, 5, true },
};

static const struct root_dev roots_shared_format[] = {
	{ 0, UT_IDENTITY, 4 }, { 1, UT_IDENTITY, 4, true, .format = 1 },
};

static const struct root_dev roots_pt_and_window[] = {
	{ 0, UT_PASSTHROUGH, 0 }, { 0, UT_PASSTHROUGH, 0 },
	{ 1, UT_IDENTITY, 4 }, { 1, UT_BLOCKED, 4 },
};

static const struct root_dev roots_pt_and_blocked[] = {
	{ 0, UT_PASSTHROUGH, 0 }, { 1, UT_BLOCKED, 4 },
};

static const struct root_dev roots_all_pt[] = {
	{ 0, UT_PASSTHROUGH, 0 }, { 1, UT_PASSTHROUGH, 0 },
};

static const struct root_dev roots_disk_unwindowed[] = {
	{ 0, UT_IDENTITY, 4, .dump_class = true }, { 1, UT_BLOCKED, 4 },
	{ 2, UT_BLOCKED, 4, .dump_class = true },
};

static const struct root_dev roots_untrusted_window[] = {
	{ 0, UT_IDENTITY, 4, .dump_class = true },
	{ 1, UT_IDENTITY, 4, .untrusted = true },
};

static const struct root_dev roots_untrusted_pt[] = {
	{ 0, UT_PASSTHROUGH, 0 }, { 1, UT_PASSTHROUGH, 0, .untrusted = true },
};

static const struct root_dev roots_untrusted_blocked[] = {
	{ 0, UT_IDENTITY, 4, .dump_class = true },
	{ 1, UT_BLOCKED, 4, .untrusted = true, .dump_class = true },
};

static const struct root_dev roots_guest_nic[] = {
	{ 0, UT_IDENTITY, 4, .dump_class = true },
	{ 1, UT_ELSEWHERE, 4, .dump_class = true },
};

static const struct root_dev roots_guest_pt[] = {
	{ 0, UT_PASSTHROUGH, 0, .dump_class = true },
	{ 1, UT_ELSEWHERE, 4, .dump_class = true },
};

static const struct root_dev roots_allmem_guest[] = {
	{ 0, UT_ALLMEM, 4, .dump_class = true },
	{ 1, UT_ELSEWHERE, 4, .dump_class = true },
};

static const struct root_dev roots_allmem[] = {
	{ 0, UT_ALLMEM, 4, .dump_class = true }, { 1, UT_ALLMEM, 4 },
};

static const struct root_dev roots_other_guest_pt[] = {
	{ 0, UT_PASSTHROUGH, 0, .dump_class = true },
	{ 1, UT_ELSEWHERE, 4 },
};

static const struct root_dev roots_guest_needed[] = {
	{ 0, UT_IDENTITY, 4, .dump_class = true },
	{ 1, UT_ELSEWHERE, 4, .dump_class = true, .needed = true },
};

static const struct root_dev roots_guest_untrusted[] = {
	{ 0, UT_IDENTITY, 4, .dump_class = true },
	{ 1, UT_ELSEWHERE, 4, .untrusted = true, .dump_class = true },
};

static const struct root_dev roots_guest_alias[] = {
	{ 0, UT_IDENTITY, 4, .dump_class = true },
	{ 1, UT_ELSEWHERE, 4, .dump_class = true, .alias = UT_BLOCKED + 1 },
};

static const struct root_dev roots_guest_alias_both[] = {
	{ 0, UT_IDENTITY, 4, .dump_class = true },
	{ 1, UT_ELSEWHERE, 4, .dump_class = true, .alias = UT_ELSEWHERE + 1 },
};

static const struct roots_case roots_cases[] = {
	{ .name = "window in one unit, blocked in three", .devs = roots_window_one,
	  .nr = ARRAY_SIZE(roots_window_one),
	  .walks = 4, .identity = 1, .blocked = 3, .handoff = true },
	{ .name = "a read-only root in the last unit", .devs = roots_partial_last,
	  .nr = ARRAY_SIZE(roots_partial_last),
	  .walks = 3, .identity = 1, .blocked = 1, .mixed = 1,
	  .why_rid = PCI_DEVID(2, PCI_DEVFN(2, 0)) },
	{ .name = "every unit blocked: no window", .devs = roots_all_blocked,
	  .nr = ARRAY_SIZE(roots_all_blocked),
	  .walks = 2, .blocked = 2 },
	{ .name = "a root shared by two units: walked once", .devs = roots_shared,
	  .nr = ARRAY_SIZE(roots_shared),
	  .walks = 2, .identity = 2, .blocked = 1, .handoff = true },
	{ .name = "a shared root read with other levels: walked again",
	  .devs = roots_shared_levels,
	  .nr = ARRAY_SIZE(roots_shared_levels), .walks = 2, .identity = 2,
	  .handoff = true },
	{ .name = "a shared root read in another format: walked again",
	  .devs = roots_shared_format,
	  .nr = ARRAY_SIZE(roots_shared_format), .walks = 2, .identity = 2,
	  .handoff = true },
	{ .name = "one unit pass-through, another with the window",
	  .devs = roots_pt_and_window,
	  .nr = ARRAY_SIZE(roots_pt_and_window), .walks = 2, .identity = 1,
	  .passthrough = 2, .blocked = 1, .handoff = true },
	{ .name = "one unit pass-through, another blocked",
	  .devs = roots_pt_and_blocked,
	  .nr = ARRAY_SIZE(roots_pt_and_blocked), .walks = 1, .passthrough = 1,
	  .blocked = 1 },
	{ .name = "every unit pass-through", .devs = roots_all_pt,
	  .nr = ARRAY_SIZE(roots_all_pt), .passthrough = 2,
	  .handoff = true },
	{ .name = "a disk without the window on the third unit",
	  .devs = roots_disk_unwindowed, .nr = ARRAY_SIZE(roots_disk_unwindowed),
	  .walks = 3, .identity = 1, .blocked = 2, .unwindowed = 1 },
	{ .name = "an untrusted device 1:1 on the second unit",
	  .devs = roots_untrusted_window, .nr = ARRAY_SIZE(roots_untrusted_window),
	  .walks = 2, .identity = 1, .mixed = 1,
	  .why_rid = PCI_DEVID(1, PCI_DEVFN(1, 0)), .why = "untrusted" },
	{ .name = "an untrusted device in pass-through",
	  .devs = roots_untrusted_pt, .nr = ARRAY_SIZE(roots_untrusted_pt),
	  .passthrough = 1, .mixed = 1,
	  .why_rid = PCI_DEVID(1, PCI_DEVFN(1, 0)), .why = "untrusted" },
	{ .name = "an untrusted disk blocked on the second unit",
	  .devs = roots_untrusted_blocked, .nr = ARRAY_SIZE(roots_untrusted_blocked),
	  .walks = 2, .identity = 1, .blocked = 1, .handoff = true },
	{ .name = "a NIC in a guest's domain, told nothing",
	  .devs = roots_guest_nic, .nr = ARRAY_SIZE(roots_guest_nic),
	  .walks = 2, .identity = 1, .blocked = 1, .elsewhere = 1,
	  .handoff = true },
	{ .name = "a NIC in a guest's domain, the crashed kernel's RAM unknown",
	  .devs = roots_guest_nic, .nr = ARRAY_SIZE(roots_guest_nic),
	  .walks = 2, .identity = 1, .mixed = 1, .no_old_ram = true,
	  .why_rid = PCI_DEVID(1, PCI_DEVFN(1, 0)), .why = "not 1:1" },
	/*
	 * Without a window, nothing shows that the crashed kernel kept the
	 * addresses free: the NIC's domain may be a DMA domain with live
	 * mappings there (a crashed kernel without the reservation).
	 */
	{ .name = "a NIC mapped elsewhere, no window, the rest pass-through",
	  .devs = roots_guest_pt, .nr = ARRAY_SIZE(roots_guest_pt),
	  .walks = 1, .passthrough = 1, .blocked = 1, .elsewhere = 1 },
	/*
	 * VT-d without hardware pass-through builds identity domains of
	 * page tables over all memory: that is no window, and a NIC whose
	 * domain maps this kernel's addresses elsewhere may be a dump NIC.
	 */
	{ .name = "all memory 1:1 (no window), a NIC mapped elsewhere",
	  .devs = roots_allmem_guest, .nr = ARRAY_SIZE(roots_allmem_guest),
	  .walks = 2, .passthrough = 1, .blocked = 1, .elsewhere = 1 },
	{ .name = "all memory 1:1 in two units: as pass-through",
	  .devs = roots_allmem, .nr = ARRAY_SIZE(roots_allmem),
	  .walks = 2, .passthrough = 2, .handoff = true },
	{ .name = "another device mapped elsewhere, no window, pass-through",
	  .devs = roots_other_guest_pt, .nr = ARRAY_SIZE(roots_other_guest_pt),
	  .walks = 1, .passthrough = 1, .blocked = 1, .elsewhere = 1 },
	{ .name = "a needed NIC in a guest's domain",
	  .devs = roots_guest_needed, .nr = ARRAY_SIZE(roots_guest_needed),
	  .walks = 2, .identity = 1, .mixed = 1, .told = true,
	  .why_rid = PCI_DEVID(1, PCI_DEVFN(1, 0)), .why = "needed" },
	{ .name = "an untrusted NIC in a guest's domain",
	  .devs = roots_guest_untrusted, .nr = ARRAY_SIZE(roots_guest_untrusted),
	  .walks = 2, .identity = 1, .blocked = 1, .elsewhere = 1,
	  .handoff = true },
	{ .name = "a NIC's alias blocked, its other ID in a guest's domain",
	  .devs = roots_guest_alias, .nr = ARRAY_SIZE(roots_guest_alias),
	  .walks = 3, .identity = 1, .blocked = 1, .unwindowed = 1 },
	{ .name = "a NIC with both IDs in guests' domains",
	  .devs = roots_guest_alias_both, .nr = ARRAY_SIZE(roots_guest_alias_both),
	  .walks = 2, .identity = 1, .blocked = 1, .elsewhere = 1,
	  .handoff = true },
};

static void roots_case_desc(const struct roots_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(roots, roots_cases, roots_case_desc);

static void test_handoff_roots(struct kunit *test)
{
	const struct roots_case *c = test->param_value;
	struct fake_table tables[UT_TABLES] = {
		[UT_IDENTITY] = { ptes_all_identity, 1, ROOTS_BASE },
		[UT_ALLMEM] = { ptes_all_memory, 1 },
		[UT_BLOCKED] = { NULL, 0, BIT_ULL(52) },
		[UT_READONLY] = { ptes_all_readonly, 1 },
		[UT_ELSEWHERE] = { ptes_all_guest, 1 },
	};
	unsigned int walks = 0, i;
	struct kdump_iommu_handoff h = {};

	xa_init(&h.roots);
	if (!c->no_old_ram) {
		h.old_ram = old_ram_above;
		h.nr_old_ram = ARRAY_SIZE(old_ram_above);
	}
	h.required = c->told ? "the dump's" : NULL;
	for (i = 0; i < c->nr; i++) {
		const struct root_dev *d = &c->devs[i];
		enum kdump_iommu_old state = KDUMP_OLD_PASSTHROUGH;
		u16 rid = PCI_DEVID(d->unit, PCI_DEVFN(i, 0));
		unsigned int id, table = d->table;
		bool blocked;

		/* Each requester ID's state, combined as the drivers do */
		for (id = 0; id < 2 && table != UT_PASSTHROUGH; id++) {
			struct kdump_iommu_old_tables t = {};
			/* A root per unit and table, or unit 0's when shared */
			u64 root = ROOTS_BASE +
				   ((d->shared ? 0 : d->unit) + 1) * SZ_1M +
				   table * SZ_4K;
			unsigned int before = tables[table].lookups;
			enum kdump_iommu_old one;

			one = kdump_iommu_handoff_root(&h, root, d->levels,
						       d->format,
						       fake_lookup,
						       &tables[table], &t,
						       rid + id);
			walks += tables[table].lookups != before;
			state = id ? kdump_iommu_old_combine(state, one) : one;
			if (!d->alias)
				break;
			table = d->alias - 1;
		}
		blocked = kdump_iommu_handoff_count(&h, rid, state, d->needed,
						    d->untrusted, d->dump_class);
		/*
		 * A device that cannot reach this kernel's memory, and does
		 * not stop the hand-off, is the one blocked after it.
		 */
		KUNIT_EXPECT_EQ(test, blocked,
				(state == KDUMP_OLD_BLOCKED ||
				 state == KDUMP_OLD_ELSEWHERE) && !d->needed);
	}
	xa_destroy(&h.roots);

	KUNIT_EXPECT_EQ(test, walks, c->walks);
	KUNIT_EXPECT_EQ(test, h.nr_identity, c->identity);
	KUNIT_EXPECT_EQ(test, h.nr_passthrough, c->passthrough);
	KUNIT_EXPECT_EQ(test, h.nr_blocked, c->blocked);
	KUNIT_EXPECT_EQ(test, h.nr_mixed, c->mixed);
	KUNIT_EXPECT_EQ(test, h.nr_elsewhere, c->elsewhere);
	KUNIT_EXPECT_EQ(test, h.nr_unwindowed, c->unwindowed);
	KUNIT_EXPECT_EQ(test, kdump_iommu_handoff_ok(&h), c->handoff);
	if (c->mixed) {
		char rid[8];

		snprintf(rid, sizeof(rid), "%02x:%02x.%d", PCI_BUS_NUM(c->why_rid),
			 PCI_SLOT(c->why_rid), PCI_FUNC(c->why_rid));
		KUNIT_EXPECT_TRUE(test, str_has_prefix(h.why, rid));
		if (c->why)
			KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(h.why, c->why),
						  "%s", h.why);
	} else {
		KUNIT_EXPECT_STREQ(test, h.why, "");
	}
}

/*
 * An ELF core header that gives this kernel's own memory as the crashed
 * kernel's RAM is not trusted: checked against this kernel's System RAM,
 * a page of a buffer just allocated is found in a range that holds it,
 * and a range far above any RAM the test machine has is not.
 */
static void test_old_ram_overlap(struct kunit *test)
{
	void *buf = kunit_kzalloc(test, 64, GFP_KERNEL);
	struct kdump_iommu_range ram[2] = { R(BIT_ULL(50), BIT_ULL(51) - 1) };
	phys_addr_t phys;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	phys = virt_to_phys(buf);
	KUNIT_EXPECT_NULL(test, kdump_iommu_old_ram_overlap(ram, 1));
	ram[1].start = phys & PAGE_MASK;
	ram[1].end = phys | ~PAGE_MASK;
	KUNIT_EXPECT_PTR_EQ(test, kdump_iommu_old_ram_overlap(ram, 2), &ram[1]);
	/* No ranges claim nothing. */
	KUNIT_EXPECT_NULL(test, kdump_iommu_old_ram_overlap(ram, 0));
}

/*
 * Which pages a walk may map as old tables: whole in the crashed kernel's
 * RAM, and not this kernel's own.  Checked against this kernel's RAM: a
 * page of a buffer just allocated, and far above all RAM.
 */
static void test_old_table_ok(struct kunit *test)
{
	void *buf = kunit_kzalloc(test, SZ_8K, GFP_KERNEL);
	u64 page, far = BIT_ULL(50);
	struct kdump_iommu_range ram[] = { R(far, far + SZ_1G - 1), R(0, 0) };

	KUNIT_ASSERT_NOT_NULL(test, buf);
	if (far + SZ_1G > PHYS_ADDR_MAX)
		kunit_skip(test, "no physical addresses above 4 GiB");
	page = ALIGN(virt_to_phys(buf), SZ_4K);
	ram[1] = (struct kdump_iommu_range)R(page, page + SZ_4K - 1);
	/* Old RAM that is nothing in this kernel's view */
	KUNIT_EXPECT_TRUE(test, kdump_iommu_old_table_ok(ram, 2, far + SZ_4K));
	/* Not in the old RAM */
	KUNIT_EXPECT_FALSE(test, kdump_iommu_old_table_ok(ram, 2, far - SZ_4K));
	KUNIT_EXPECT_FALSE(test, kdump_iommu_old_table_ok(ram, 0, far));
	/* Partly in it */
	KUNIT_EXPECT_FALSE(test, kdump_iommu_old_table_ok(ram, 2,
							  far + SZ_1G - SZ_2K));
	/* Said to be old RAM, but this kernel's own */
	KUNIT_EXPECT_FALSE(test, kdump_iommu_old_table_ok(ram, 2, page));
}

static struct kunit_case kdump_iommu_pure_cases[] = {
	KUNIT_CASE_PARAM(test_parse_mode, parse_gen_params),
	KUNIT_CASE(test_mode_name_roundtrip),
	KUNIT_CASE_PARAM(test_default_class, class_gen_params),
	KUNIT_CASE_PARAM(test_make_windows, window_gen_params),
	KUNIT_CASE_PARAM(test_overlaps, overlap_gen_params),
	KUNIT_CASE_PARAM(test_nr_pages, pages_gen_params),
	KUNIT_CASE_PARAM(test_leaf_size, leaf_gen_params),
	KUNIT_CASE_PARAM(test_leaf_tables, tables_gen_params),
	KUNIT_CASE_PARAM(test_walk_range, walk_gen_params),
	KUNIT_CASE(test_walk_two_ranges),
	KUNIT_CASE_PARAM(test_old_combine, combine_gen_params),
	KUNIT_CASE_PARAM(test_handoff_decide, decide_gen_params),
	KUNIT_CASE_PARAM(test_device_refuses, refuses_gen_params),
	KUNIT_CASE_PARAM(test_handoff_roots, roots_gen_params),
	KUNIT_CASE_PARAM(test_old_ram_add, old_ram_gen_params),
	KUNIT_CASE_PARAM(test_old_ram_parse, core_gen_params),
	KUNIT_CASE_PARAM(test_old_ram_tidy, tidy_gen_params),
	KUNIT_CASE(test_old_ram_overlap),
	KUNIT_CASE(test_old_table_ok),
	KUNIT_CASE_PARAM(test_within, within_gen_params),
	{}
};

static struct kunit_suite kdump_iommu_pure_suite = {
	.name = "kdump_iommu_pure",
	.test_cases = kdump_iommu_pure_cases,
};

/* The window in the running kernel's IOMMU domains --------------------- */

struct live_ctx {
	struct kdump_iommu_range windows[KDUMP_IOMMU_MAX_WINDOWS];
	unsigned int nr_windows;
};

static int live_init(struct kunit *test)
{
	struct live_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->nr_windows = kdump_iommu_crash_windows(ctx->windows);
	if (!ctx->nr_windows)
		kunit_skip(test, "no crashkernel= reservation");
	test->priv = ctx;
	return 0;
}

static bool dev_in_dma_domain(struct pci_dev *pdev)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(&pdev->dev);

	return domain && iommu_is_dma_domain(domain) && !pdev->untrusted;
}

/* How many of the windows a device's reserved regions reserve, relaxably */
static unsigned int reserved_windows(struct kunit *test, struct device *dev,
				     const struct live_ctx *ctx)
{
	struct iommu_resv_region *region;
	unsigned int i, found = 0;
	LIST_HEAD(regions);

	iommu_get_resv_regions(dev, &regions);
	list_for_each_entry(region, &regions, list) {
		for (i = 0; i < ctx->nr_windows; i++) {
			if (region->start != ctx->windows[i].start ||
			    region->start + region->length - 1 != ctx->windows[i].end)
				continue;
			found++;
			KUNIT_EXPECT_EQ(test, region->type,
					IOMMU_RESV_RESERVED_RELAXABLE);
		}
	}
	iommu_put_resv_regions(dev, &regions);
	return found;
}

/*
 * Every device behind the IOMMU reserves every window: dma-iommu sets up
 * a group's allocator from whichever device comes first.
 */
static void test_every_device_reserves(struct kunit *test)
{
	struct live_ctx *ctx = test->priv;
	struct pci_dev *pdev = NULL;
	unsigned int nr_devs = 0;

	for_each_pci_dev(pdev) {
		if (!device_iommu_mapped(&pdev->dev))
			continue;
		nr_devs++;
		KUNIT_EXPECT_EQ_MSG(test, reserved_windows(test, &pdev->dev, ctx),
				    ctx->nr_windows, "%s", pci_name(pdev));
	}
	KUNIT_EXPECT_GT_MSG(test, nr_devs, 0, "no PCI device behind an IOMMU: boot with a vIOMMU");
}

/*
 * The IOVA allocator hands out addresses top-down below the device's DMA
 * mask.  Shrink the mask to just above the window and map a buffer over
 * and over: the allocations must run down to the window and continue
 * below it, never inside.  The device is the last one in a DMA domain
 * that no driver uses (its DMA mask is changed for the test), so that its
 * domain was set up from another device's reserved regions wherever
 * possible.
 */
static void test_iova_allocator_avoids_window(struct kunit *test)
{
	struct live_ctx *ctx = test->priv;
	const struct kdump_iommu_range *w = &ctx->windows[ctx->nr_windows - 1];
	struct pci_dev *pdev = NULL, *pick = NULL;
	u64 old_mask, old_coherent, mask;
	dma_addr_t *addrs;
	unsigned int i, n, below = 0;
	struct page *page;
	struct device *dev;

	for_each_pci_dev(pdev)
		if (dev_in_dma_domain(pdev) && !pdev->dev.driver) {
			pci_dev_put(pick);
			pick = pci_dev_get(pdev);
		}
	KUNIT_ASSERT_NOT_NULL_MSG(test, pick, "no driverless PCI device in a DMA domain");
	dev = &pick->dev;

	/*
	 * dma-iommu allocates top-down from the mask: the window is the
	 * first thing it meets below what lies above it (nothing, when the
	 * window ends at the mask), so without the reservation a mapping
	 * lands in it.
	 */
	mask = roundup_pow_of_two(w->end + 1) - 1;
	/* Enough 4 MiB mappings to fill what is above the window, and more. */
	n = (mask - w->end) / SZ_4M + 8;
	addrs = kunit_kcalloc(test, n, sizeof(*addrs), GFP_KERNEL);
	page = alloc_pages(GFP_KERNEL, get_order(SZ_4M));
	if (!addrs || !page) {
		pci_dev_put(pick);
		if (page)
			__free_pages(page, get_order(SZ_4M));
		KUNIT_FAIL(test, "no memory");
		return;
	}

	old_mask = *dev->dma_mask;
	old_coherent = dev->coherent_dma_mask;
	KUNIT_EXPECT_EQ(test, dma_set_mask_and_coherent(dev, mask), 0);
	for (i = 0; i < n; i++) {
		addrs[i] = dma_map_page(dev, page, 0, SZ_4M, DMA_BIDIRECTIONAL);
		if (dma_mapping_error(dev, addrs[i])) {
			KUNIT_FAIL(test, "%s: mapping %u of %u failed", pci_name(pick), i, n);
			break;
		}
		KUNIT_EXPECT_FALSE_MSG(test, kdump_iommu_overlaps(ctx->windows, ctx->nr_windows,
								  addrs[i], addrs[i] + SZ_4M - 1),
				       "%s: IOVA %pad inside the crash window", pci_name(pick),
				       &addrs[i]);
		if (addrs[i] < w->start)
			below++;
	}
	while (i--)
		dma_unmap_page(dev, addrs[i], SZ_4M, DMA_BIDIRECTIONAL);
	*dev->dma_mask = old_mask;
	dev->coherent_dma_mask = old_coherent;
	__free_pages(page, get_order(SZ_4M));
	pci_dev_put(pick);
	/* Otherwise the test never reached the window and proves nothing. */
	KUNIT_EXPECT_GT(test, below, 0);
}

/* Does @pdev's domain map every page of every window to itself? */
static bool maps_windows(struct pci_dev *pdev, const struct live_ctx *ctx,
			 bool *none)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(&pdev->dev);
	unsigned int i, mapped = 0, total = 0;
	u64 a;

	for (i = 0; i < ctx->nr_windows; i++) {
		for (a = ctx->windows[i].start; a < ctx->windows[i].end; a += SZ_64K) {
			total++;
			if (iommu_iova_to_phys(domain, a) == a)
				mapped++;
		}
	}
	*none = !mapped;
	return total && mapped == total;
}

/* A group, as the test sees it independently of what armed it */
struct live_group {
	int id;
	bool target;
	bool untrusted;
};

static struct live_group *live_group(struct live_group *g, unsigned int *n, int id)
{
	unsigned int i;

	for (i = 0; i < *n; i++)
		if (g[i].id == id)
			return &g[i];
	g[*n].id = id;
	return &g[(*n)++];
}

/*
 * Arm as kexec does when a crash image is loaded: every page of every
 * window maps 1:1 in the groups that hold a target (and no untrusted
 * device), and nowhere else, as the test works out on its own; disarmed,
 * nothing maps it.
 */
static void test_arm_disarm(struct kunit *test)
{
	struct live_ctx *ctx = test->priv;
	struct kdump_iommu_dev_info info;
	struct live_group *groups, *g;
	struct pci_dev *pdev = NULL;
	unsigned int nr = 0, armed = 0, blocked = 0, nr_devs = 0;
	bool none;

	if (kexec_crash_loaded())
		kunit_skip(test, "a crash kernel is loaded: not touching its window");
	/* At most a group per device (nothing is hot-plugged here) */
	for_each_pci_dev(pdev)
		nr_devs++;
	groups = kunit_kcalloc(test, nr_devs + 1, sizeof(*groups), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, groups);
	for_each_pci_dev(pdev) {
		kdump_iommu_dev_info(pdev, &info);
		if (info.group < 0 || nr == nr_devs)
			continue;
		g = live_group(groups, &nr, info.group);
		g->target |= info.target;
		g->untrusted |= pdev->untrusted;
	}

	kdump_iommu_arm();
	kdump_iommu_settle();
	for_each_pci_dev(pdev) {
		if (!dev_in_dma_domain(pdev))
			continue;
		kdump_iommu_dev_info(pdev, &info);
		g = live_group(groups, &nr, info.group);
		if (g->target && !g->untrusted) {
			armed++;
			KUNIT_EXPECT_TRUE_MSG(test, maps_windows(pdev, ctx, &none),
					      "%s: in a target's group, but not 1:1",
					      pci_name(pdev));
			KUNIT_EXPECT_EQ_MSG(test, info.state, KDUMP_DEV_ARMED,
					    "%s", pci_name(pdev));
		} else {
			blocked++;
			maps_windows(pdev, ctx, &none);
			KUNIT_EXPECT_TRUE_MSG(test, none,
					      "%s: no target in its group, but it maps the window",
					      pci_name(pdev));
			KUNIT_EXPECT_EQ_MSG(test, info.state, KDUMP_DEV_BLOCKED,
					    "%s", pci_name(pdev));
		}
	}
	kdump_iommu_disarm();
	KUNIT_EXPECT_GT_MSG(test, armed, 0, "no device in a target's group");

	for_each_pci_dev(pdev) {
		if (!dev_in_dma_domain(pdev))
			continue;
		maps_windows(pdev, ctx, &none);
		KUNIT_EXPECT_TRUE_MSG(test, none, "%s: still maps the window after disarming",
				      pci_name(pdev));
		kdump_iommu_dev_info(pdev, &info);
		KUNIT_EXPECT_EQ_MSG(test, info.state, KDUMP_DEV_RESERVED, "%s",
				    pci_name(pdev));
	}
	kunit_info(test, "%u devices armed, %u blocked", armed, blocked);
}

/* Target lists, in pci_dev_str_match() form, against a real device. */
static void test_match_targets(struct kunit *test)
{
	struct pci_dev *pdev = NULL;
	char s[96];

	for_each_pci_dev(pdev)
		if (device_iommu_mapped(&pdev->dev))
			break;
	KUNIT_ASSERT_NOT_NULL_MSG(test, pdev, "no PCI device behind an IOMMU");

	KUNIT_EXPECT_EQ(test, kdump_iommu_match_targets(pdev, pci_name(pdev)), 1);
	snprintf(s, sizeof(s), "%02x:%02x.%d", pdev->bus->number,
		 PCI_SLOT(pdev->devfn), PCI_FUNC(pdev->devfn));
	KUNIT_EXPECT_EQ(test, kdump_iommu_match_targets(pdev, s), 1);
	snprintf(s, sizeof(s), "pci:%04x:%04x", pdev->vendor, pdev->device);
	KUNIT_EXPECT_EQ(test, kdump_iommu_match_targets(pdev, s), 1);
	snprintf(s, sizeof(s), "0000:ff:1f.7;%s", pci_name(pdev));
	KUNIT_EXPECT_EQ(test, kdump_iommu_match_targets(pdev, s), 1);
	KUNIT_EXPECT_EQ(test, kdump_iommu_match_targets(pdev, "0000:ff:1f.7"), 0);
	KUNIT_EXPECT_EQ(test, kdump_iommu_match_targets(pdev, ""), 0);
	snprintf(s, sizeof(s), "pci:%04x:%04x", pdev->vendor ^ 1, pdev->device);
	KUNIT_EXPECT_EQ(test, kdump_iommu_match_targets(pdev, s), 0);
	KUNIT_EXPECT_EQ(test, kdump_iommu_match_targets(pdev, "bogus"), -EINVAL);
	KUNIT_EXPECT_EQ(test, kdump_iommu_match_targets(pdev, "0000:ff:1f.7;bogus"),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, kdump_iommu_match_targets(pdev, "0000:00:1f"), -EINVAL);
	snprintf(s, sizeof(s), "%s,", pci_name(pdev));
	KUNIT_EXPECT_EQ(test, kdump_iommu_match_targets(pdev, s), -EINVAL);
	snprintf(s, sizeof(s), "pci:%04x:%04xjunk", pdev->vendor, pdev->device);
	KUNIT_EXPECT_EQ(test, kdump_iommu_match_targets(pdev, s), -EINVAL);
	pci_dev_put(pdev);
}

static struct kunit_case kdump_iommu_live_cases[] = {
	KUNIT_CASE(test_every_device_reserves),
	KUNIT_CASE(test_iova_allocator_avoids_window),
	KUNIT_CASE(test_arm_disarm),
	KUNIT_CASE(test_match_targets),
	{}
};

static struct kunit_suite kdump_iommu_live_suite = {
	.name = "kdump_iommu_live",
	.init = live_init,
	.test_cases = kdump_iommu_live_cases,
};

kunit_test_suites(&kdump_iommu_pure_suite, &kdump_iommu_live_suite);
