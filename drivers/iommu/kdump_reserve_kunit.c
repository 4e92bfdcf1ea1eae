// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the kdump crash kernel window (kdump_reserve.c).
 *
 * kdump_iommu_pure: the arithmetic, table-driven: kdump_iommu= parsing,
 * windows from crash regions (odd sizes and alignments, low + high
 * regions, regions beyond the IOMMU's address width, no crashkernel=),
 * overlaps, page counts, the identity check against fake tables, and
 * fixed IOVA spaces (HP sba_iommu): which addresses an IOC translates,
 * which pages of a window need identity entries, what 32-bit devices
 * can reach, and the kdump kernel's check through a fake pdir.
 *
 * kdump_iommu_live: the windows in the running kernel's real IOMMU domains
 * (run it under QEMU with a vIOMMU and crashkernel=, see .kunitconfig):
 * every DMA domain maps every page of the window to itself, the IOVA
 * allocator never returns an address inside it, untrusted devices get no
 * window, and the crash region cannot be shrunk under it.
 */

#include <kunit/test.h>
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/kdump_iommu.h>
#include <linux/kexec.h>
#include <linux/pci.h>
#include <linux/sizes.h>

/* kdump_iommu_parse_mode() ------------------------------------------- */

struct parse_case {
	const char *str;
	int ret;
	enum kdump_iommu_mode mode;
};

static const struct parse_case parse_cases[] = {
	{ "on", 0, KDUMP_IOMMU_ON },
	{ "off", 0, KDUMP_IOMMU_OFF },
	{ "force", 0, KDUMP_IOMMU_FORCE },
	{ NULL, -EINVAL },
	{ "", -EINVAL },
	{ "On", -EINVAL },
	{ "OFF", -EINVAL },
	{ "onx", -EINVAL },
	{ "of", -EINVAL },
	{ "o", -EINVAL },
	{ "offline", -EINVAL },
	{ "forced", -EINVAL },
	{ " on", -EINVAL },
	{ "on ", -EINVAL },
	{ "on,off", -EINVAL },
	{ "1", -EINVAL },
	{ "0", -EINVAL },
	{ "y", -EINVAL },
	{ "yes", -EINVAL },
	{ "=on", -EINVAL },
};

static void parse_case_desc(const struct parse_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", c->str ?: "(null)");
}

KUNIT_ARRAY_PARAM(parse, parse_cases, parse_case_desc);

static void test_parse_mode(struct kunit *test)
{
	const struct parse_case *c = test->param_value;
	/* A sentinel the parser must leave alone on error. */
	enum kdump_iommu_mode mode = (enum kdump_iommu_mode)0x5a;

	KUNIT_EXPECT_EQ(test, kdump_iommu_parse_mode(c->str, &mode), c->ret);
	if (c->ret)
		KUNIT_EXPECT_EQ(test, mode, (enum kdump_iommu_mode)0x5a);
	else
		KUNIT_EXPECT_EQ(test, mode, c->mode);
}

static void test_mode_name_roundtrip(struct kunit *test)
{
	enum kdump_iommu_mode m, back;

	for (m = KDUMP_IOMMU_OFF; m <= KDUMP_IOMMU_FORCE; m++) {
		KUNIT_ASSERT_EQ(test, kdump_iommu_parse_mode(kdump_iommu_mode_name(m), &back), 0);
		KUNIT_EXPECT_EQ(test, back, m);
	}
	KUNIT_EXPECT_STREQ(test, kdump_iommu_mode_name((enum kdump_iommu_mode)42), "?");
}

/* kdump_iommu_parse_devices() ---------------------------------------- */

struct devices_case {
	const char *str;
	int ret;
	u32 sbdf[3];
};

static const struct devices_case devices_cases[] = {
	{ "0000:00:04.0", 1, { 0x20 } },
	{ "00:04.0", 1, { 0x20 } },
	{ "0001:3a:1f.7", 1, { 0x13aff } },
	{ "ffff:ff:1f.7", 1, { 0xffffffff } },
	{ "00:04.0,00:05.1", 2, { 0x20, 0x29 } },
	{ "00:04.0,0000:00:04.0", 2, { 0x20, 0x20 } },
	{ "3A:00.0", 1, { 0x3a00 } },
	{ NULL, -EINVAL },
	{ "", -EINVAL },
	{ "00:04.0,", -EINVAL },
	{ ",00:04.0", -EINVAL },
	{ "00:04.0,,00:05.0", -EINVAL },
	{ "00:04", -EINVAL },
	{ "04.0", -EINVAL },
	{ "00:20.0", -EINVAL },		/* slot > 0x1f */
	{ "00:04.8", -EINVAL },		/* function > 7 */
	{ "100:04.0", -EINVAL },		/* bus > 0xff */
	{ "10000:00:04.0", -EINVAL },	/* domain > 0xffff */
	{ " 00:04.0", -EINVAL },
	{ "00:04.0 ", -EINVAL },
	{ "00: 04.0", -EINVAL },
	{ "0x00:04.0", -EINVAL },
	{ "+0:04.0", -EINVAL },
	{ "00:04.0;00:05.0", -EINVAL },
	{ "g0:04.0", -EINVAL },
	{ "00:04.0.1", -EINVAL },
	{ "0:0:0:0.0", -EINVAL },
	{ "0000:00:04:0", -EINVAL },
	{ "00:01.0,00:02.0,00:03.0,00:04.0,00:05.0,00:06.0,00:07.0,00:08.0,00:09.0",
	  -EINVAL },				/* more than the 8 allowed */
};

static void devices_case_desc(const struct devices_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", c->str ?: "(null)");
}

KUNIT_ARRAY_PARAM(devices, devices_cases, devices_case_desc);

static void test_parse_devices(struct kunit *test)
{
	const struct devices_case *c = test->param_value;
	u32 sbdf[8] = {};
	int i, n = kdump_iommu_parse_devices(c->str, sbdf, ARRAY_SIZE(sbdf));

	KUNIT_ASSERT_EQ(test, n, c->ret);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, sbdf[i], c->sbdf[i], "device %d", i);
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

/* kdump_iommu_check_identity_range() against fake tables -------------- */

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

struct identity_case {
	const char *name;
	const struct fake_pte *ptes;
	unsigned int nr;
	u64 start, end;
	int ret;
	u64 bad_iova;
	int bad_err;
	unsigned int lookups;
};

static const struct identity_case identity_cases[] = {
	{ "identity, one lookup per page", ptes_identity, ARRAY_SIZE(ptes_identity),
	  0x200000, 0x600fff, 0, 0, 0, 3 },
	{ "starts inside a 2M page", ptes_identity, ARRAY_SIZE(ptes_identity),
	  0x201000, 0x3fffff, 0, 0, 0, 1 },
	{ "hole", ptes_hole, ARRAY_SIZE(ptes_hole),
	  0x200000, 0x7fffff, -ENOENT, 0x400000, -ENOENT, 2 },
	{ "shifted page", ptes_shifted, ARRAY_SIZE(ptes_shifted),
	  0x200000, 0x400fff, -ERANGE, 0x400000, 0, 2 },
	{ "read-only page", ptes_readonly, ARRAY_SIZE(ptes_readonly),
	  0x200000, 0x5fffff, -ERANGE, 0x400000, 0, 2 },
	{ "table not readable", ptes_error, ARRAY_SIZE(ptes_error),
	  0x200000, 0x5fffff, -EIO, 0x400000, -EIO, 2 },
	{ "zero-sized page", ptes_zero_size, ARRAY_SIZE(ptes_zero_size),
	  0x200000, 0x200fff, -EINVAL, 0x200000, -EINVAL, 1 },
	{ "ends at the top of the address space", ptes_top, ARRAY_SIZE(ptes_top),
	  0xffffffffffc00000ULL, U64_MAX, 0, 0, 0, 2 },
};

static void identity_case_desc(const struct identity_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(identity, identity_cases, identity_case_desc);

static void test_check_identity_range(struct kunit *test)
{
	const struct identity_case *c = test->param_value;
	struct fake_table t = { .ptes = c->ptes, .nr = c->nr };
	struct kdump_iommu_mismatch bad = {};

	KUNIT_EXPECT_EQ(test, kdump_iommu_check_identity_range(fake_lookup, &t,
							       c->start, c->end,
							       &bad), c->ret);
	KUNIT_EXPECT_EQ(test, t.lookups, c->lookups);
	if (c->ret) {
		KUNIT_EXPECT_EQ(test, bad.iova, c->bad_iova);
		KUNIT_EXPECT_EQ(test, bad.err, c->bad_err);
	}
}

/* Fixed IOVA spaces (HP sba_iommu: IBASE/IMASK) ------------------------ */

/* A zx1-like IOC: 1 GiB of IOVA space at 1 GiB, in 4 KiB pages. */
#define ZX1_SPACE	{ SZ_1G, ~(u64)(SZ_1G - 1), 12, true }

struct space_case {
	const char *name;
	struct kdump_iommu_iova_space space;
	int ret;
};

static const struct space_case space_cases[] = {
	{ "1G at 1G, 4K pages", ZX1_SPACE, 0 },
	{ "512M at 2G, 16K pages", { SZ_2G, ~(u64)(SZ_512M - 1), 14, true }, 0 },
	{ "64K pages", { SZ_1G, ~(u64)(SZ_1G - 1), 16, true }, 0 },
	{ "base not aligned to the size", { 0x50000000, ~(u64)(SZ_1G - 1), 12, true }, -EINVAL },
	{ "mask with a hole", { SZ_1G, 0xffffffff00f00000ULL, 12, true }, -EINVAL },
	{ "mask 0: all of memory", { 0, 0, 12, true }, -EINVAL },
	{ "page below 4K", { SZ_1G, ~(u64)(SZ_1G - 1), 11, true }, -EINVAL },
	{ "page larger than the space", { SZ_1G, ~(u64)(SZ_4K - 1), 16, true }, -EINVAL },
	{ "page shift past 63", { SZ_1G, ~(u64)(SZ_1G - 1), 64, true }, -EINVAL },
};

static void space_case_desc(const struct space_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(space, space_cases, space_case_desc);

static void test_iova_space_check(struct kunit *test)
{
	const struct space_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, kdump_iommu_iova_space_check(&c->space), c->ret);
}

struct translates_case {
	const char *name;
	struct kdump_iommu_iova_space space;
	u64 addr;
	bool translated;
	u64 index_or_run;
};

static const struct translates_case translates_cases[] = {
	{ "first byte of the space", ZX1_SPACE, SZ_1G, true, 0 },
	{ "inside, 4th page", ZX1_SPACE, SZ_1G + 0x3fff, true, 3 },
	{ "last byte of the space", ZX1_SPACE, 0x7fffffff, true, 0x3ffff },
	{ "last page below: one page", ZX1_SPACE, 0x3ffff000, false, SZ_4K },
	{ "unaligned, below", ZX1_SPACE, 0x3ffff800, false, SZ_4K },
	{ "512M below: up to the space", ZX1_SPACE, SZ_512M, false, SZ_512M },
	{ "at 0: up to the space", ZX1_SPACE, 0, false, SZ_1G },
	{ "just above: by alignment", ZX1_SPACE, SZ_2G, false, SZ_2G },
	{ "above 4G", ZX1_SPACE, SZ_4G, false, SZ_4G },
	{ "translation off", { SZ_1G, ~(u64)(SZ_1G - 1), 12, false }, SZ_1G, false, SZ_1G },
	{ "16K pages", { SZ_1G, ~(u64)(SZ_1G - 1), 14, true }, SZ_1G + 0x8000, true, 2 },
};

static void translates_case_desc(const struct translates_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(translates, translates_cases, translates_case_desc);

static void test_iova_space_translates(struct kunit *test)
{
	const struct translates_case *c = test->param_value;
	u64 index = 0x5a5a, run = 0x5a5a;
	bool t = kdump_iommu_iova_space_translates(&c->space, c->addr, &index, &run);

	KUNIT_ASSERT_EQ(test, t, c->translated);
	KUNIT_EXPECT_EQ(test, t ? index : run, c->index_or_run);
}

struct plan_case {
	const char *name;
	struct kdump_iommu_range windows[KDUMP_IOMMU_MAX_WINDOWS];
	unsigned int nr;
	struct kdump_iommu_iova_space space;
	u64 last_usable;
	int ret;
	struct kdump_iommu_range identity[KDUMP_IOMMU_MAX_WINDOWS];
};

#define ZX1_LAST	0x7fffffffULL
#define ZX1_GART	0x5fffffffULL	/* AGP GART owns the upper half */

static const struct plan_case plan_cases[] = {
	{ "below the space: bypass", { R(0x10000000, 0x1fffffff) }, 1, ZX1_SPACE, ZX1_LAST, 0 },
	{ "above 4G: bypass", { R(SZ_4G, SZ_4G + SZ_256M - 1) }, 1, ZX1_SPACE, ZX1_LAST, 0 },
	{ "up to the space", { R(0x30000000, 0x3fffffff) }, 1, ZX1_SPACE, ZX1_LAST, 0 },
	{ "straddles the start", { R(0x3f000000, 0x40ffffff) }, 1, ZX1_SPACE, ZX1_LAST, 1,
	  { R(0x40000000, 0x40ffffff) } },
	{ "inside", { R(0x50000000, 0x50ffffff) }, 1, ZX1_SPACE, ZX1_LAST, 1,
	  { R(0x50000000, 0x50ffffff) } },
	{ "unaligned inside: whole pages", { R(0x50000800, 0x50001bff) }, 1, ZX1_SPACE, ZX1_LAST, 1,
	  { R(0x50000000, 0x50001fff) } },
	{ "covers the space and more", { R(0, 0xffffffff) }, 1, ZX1_SPACE, ZX1_LAST, 1,
	  { R(0x40000000, 0x7fffffff) } },
	{ "low inside, high outside", { R(0x50000000, 0x57ffffff), R(SZ_4G, SZ_4G + SZ_1G - 1) },
	  2, ZX1_SPACE, ZX1_LAST, 1, { R(0x50000000, 0x57ffffff) } },
	{ "both inside", { R(0x41000000, 0x41ffffff), R(0x70000000, 0x70ffffff) },
	  2, ZX1_SPACE, ZX1_LAST, 2, { R(0x41000000, 0x41ffffff), R(0x70000000, 0x70ffffff) } },
	{ "in the GART half", { R(0x60000000, 0x60ffffff) }, 1, ZX1_SPACE, ZX1_GART, -EBUSY },
	{ "below the GART half", { R(0x50000000, 0x5fffffff) }, 1, ZX1_SPACE, ZX1_GART, 1,
	  { R(0x50000000, 0x5fffffff) } },
	{ "empty window skipped", { R(0x50000000, 0x4fffffff) }, 1, ZX1_SPACE, ZX1_LAST, 0 },
	{ "bad space", { R(0x50000000, 0x50ffffff) }, 1,
	  { 0x50000000, ~(u64)(SZ_1G - 1), 12, true }, ZX1_LAST, -EINVAL },
	{ "last usable past the space", { R(0x50000000, 0x50ffffff) }, 1, ZX1_SPACE, SZ_4G,
	  -EINVAL },
	{ "64K pages round out", { R(0x50004000, 0x50017fff) }, 1,
	  { SZ_1G, ~(u64)(SZ_1G - 1), 16, true }, ZX1_LAST, 1, { R(0x50000000, 0x5001ffff) } },
};

static void plan_case_desc(const struct plan_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(plan, plan_cases, plan_case_desc);

static void test_iova_space_plan(struct kunit *test)
{
	const struct plan_case *c = test->param_value;
	struct kdump_iommu_range id[KDUMP_IOMMU_MAX_WINDOWS] = {};
	int i, n;

	n = kdump_iommu_iova_space_plan(c->windows, c->nr, &c->space,
					c->last_usable, id);
	KUNIT_ASSERT_EQ(test, n, c->ret);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, id[i].start, c->identity[i].start);
		KUNIT_EXPECT_EQ(test, id[i].end, c->identity[i].end);
	}
}

struct below_case {
	const char *name;
	struct kdump_iommu_range windows[KDUMP_IOMMU_MAX_WINDOWS];
	unsigned int nr;
	u64 limit;
	u64 bytes;
};

static const struct below_case below_cases[] = {
	{ "low window under 4G", { R(0x2f000000, 0x3effffff), R(SZ_4G, SZ_4G + SZ_256M - 1) },
	  2, 0xffffffff, SZ_256M },
	{ "and one page of the high", { R(0x2f000000, 0x3effffff), R(SZ_4G, SZ_4G + SZ_256M - 1) },
	  2, SZ_4G + SZ_4K - 1, SZ_256M + SZ_4K },
	{ "high only: nothing for 32-bit", { R(SZ_4G, SZ_4G + SZ_256M - 1) }, 1, 0xffffffff, 0 },
	{ "window across 4G", { R(0xf0000000, 0x10fffffffULL) }, 1, 0xffffffff, SZ_256M },
	{ "limit below everything", { R(0x2f000000, 0x3effffff) }, 1, 0x2effffff, 0 },
	{ "empty window", { R(0x2000, 0x1fff) }, 1, 0xffffffff, 0 },
	{ "no windows", { }, 0, U64_MAX, 0 },
};

static void below_case_desc(const struct below_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(below, below_cases, below_case_desc);

static void test_bytes_below(struct kunit *test)
{
	const struct below_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, kdump_iommu_bytes_below(c->windows, c->nr, c->limit),
			c->bytes);
}

/*
 * The kdump kernel's check through an IOC, as sba_kdump_lookup() does it,
 * against a fake pdir: 16 MiB of IOVA space at 0x41000000 in 64 KiB pages.
 */
#define FAKE_BASE	0x41000000ULL
#define FAKE_PAGES	256

struct fake_ioc {
	struct kdump_iommu_iova_space space;
	u64 pdir[FAKE_PAGES];
};

static int fake_ioc_lookup(void *data, u64 iova, struct kdump_iommu_pte *pte)
{
	struct fake_ioc *ioc = data;
	u64 index, run;

	if (!kdump_iommu_iova_space_translates(&ioc->space, iova, &index, &run)) {
		pte->phys = iova;
		pte->size = run;
		pte->writable = true;
		return 0;
	}
	if (!(ioc->pdir[index] >> 63))
		return -ENOENT;
	pte->phys = ioc->pdir[index] & ~0xE000000000000FFFULL;
	pte->size = BIT_ULL(ioc->space.page_shift);
	pte->writable = true;
	return 0;
}

static int fake_ioc_check(struct fake_ioc *ioc, u64 start, u64 end,
			  struct kdump_iommu_mismatch *bad)
{
	return kdump_iommu_check_identity_range(fake_ioc_lookup, ioc, start,
						end, bad);
}

static void test_iova_space_identity_walk(struct kunit *test)
{
	struct fake_ioc *ioc = kunit_kzalloc(test, sizeof(*ioc), GFP_KERNEL);
	struct kdump_iommu_range win = R(0x40000000, 0x41ffffff), id;
	struct kdump_iommu_mismatch bad = {};
	u64 iova;

	KUNIT_ASSERT_NOT_NULL(test, ioc);
	ioc->space = (struct kdump_iommu_iova_space){ FAKE_BASE, ~(u64)(SZ_16M - 1), 16, true };

	/* What the primary kernel arms: the window's pages in the space. */
	KUNIT_ASSERT_EQ(test, kdump_iommu_iova_space_plan(&win, 1, &ioc->space,
							  FAKE_BASE + SZ_16M - 1, &id), 1);
	for (iova = id.start; iova <= id.end; iova += SZ_64K)
		ioc->pdir[(iova - FAKE_BASE) >> 16] = BIT_ULL(63) | iova;
	KUNIT_EXPECT_EQ(test, fake_ioc_check(ioc, win.start, win.end, &bad), 0);

	/* A crashed kernel's own mapping in the middle: not 1:1. */
	ioc->pdir[17] = BIT_ULL(63) | 0x12340000;
	KUNIT_EXPECT_EQ(test, fake_ioc_check(ioc, win.start, win.end, &bad), -ERANGE);
	KUNIT_EXPECT_EQ(test, bad.iova, FAKE_BASE + 17 * SZ_64K);
	KUNIT_EXPECT_EQ(test, bad.phys, 0x12340000ULL);

	/* An entry the primary kernel never armed. */
	ioc->pdir[17] = 0;
	KUNIT_EXPECT_EQ(test, fake_ioc_check(ioc, win.start, win.end, &bad), -ENOENT);
	KUNIT_EXPECT_EQ(test, bad.iova, FAKE_BASE + 17 * SZ_64K);

	/* Outside the space nothing is looked up: bypass. */
	KUNIT_EXPECT_EQ(test, fake_ioc_check(ioc, 0x40000000, FAKE_BASE - 1, &bad), 0);
}

static struct kunit_case kdump_iommu_pure_cases[] = {
	KUNIT_CASE_PARAM(test_parse_mode, parse_gen_params),
	KUNIT_CASE(test_mode_name_roundtrip),
	KUNIT_CASE_PARAM(test_parse_devices, devices_gen_params),
	KUNIT_CASE_PARAM(test_make_windows, window_gen_params),
	KUNIT_CASE_PARAM(test_overlaps, overlap_gen_params),
	KUNIT_CASE_PARAM(test_nr_pages, pages_gen_params),
	KUNIT_CASE_PARAM(test_leaf_size, leaf_gen_params),
	KUNIT_CASE_PARAM(test_leaf_tables, tables_gen_params),
	KUNIT_CASE_PARAM(test_check_identity_range, identity_gen_params),
	KUNIT_CASE_PARAM(test_iova_space_check, space_gen_params),
	KUNIT_CASE_PARAM(test_iova_space_translates, translates_gen_params),
	KUNIT_CASE_PARAM(test_iova_space_plan, plan_gen_params),
	KUNIT_CASE_PARAM(test_bytes_below, below_gen_params),
	KUNIT_CASE(test_iova_space_identity_walk),
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
	struct kdump_iommu_range regions[] = {
		R(crashk_res.start, crashk_res.end),
		R(crashk_low_res.start, crashk_low_res.end),
	};
	struct live_ctx *ctx;
	u64 clipped;

	/*
	 * Booted with kdump_iommu=off these tests fail, and that is their
	 * negative control: the windows below are what should be armed.
	 */
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->nr_windows = kdump_iommu_make_windows(regions, ARRAY_SIZE(regions),
						   PAGE_SIZE, U64_MAX,
						   ctx->windows, &clipped);
	if (!ctx->nr_windows)
		kunit_skip(test, "no crashkernel= reservation");
	test->priv = ctx;
	return 0;
}

static bool dev_in_dma_domain(struct pci_dev *pdev)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(&pdev->dev);

	return domain && (domain->type & __IOMMU_DOMAIN_DMA_API) && !pdev->untrusted;
}

/* Every DMA domain translates every page of every window to itself. */
static void test_every_domain_identity(struct kunit *test)
{
	struct live_ctx *ctx = test->priv;
	struct pci_dev *pdev = NULL;
	unsigned int i, nr_devs = 0;
	u64 a;

	for_each_pci_dev(pdev) {
		struct iommu_domain *domain;

		if (!dev_in_dma_domain(pdev))
			continue;
		domain = iommu_get_domain_for_dev(&pdev->dev);
		nr_devs++;
		for (i = 0; i < ctx->nr_windows; i++) {
			for (a = ctx->windows[i].start; a < ctx->windows[i].end; a += PAGE_SIZE) {
				phys_addr_t phys = iommu_iova_to_phys(domain, a);

				if (phys != a) {
					KUNIT_FAIL(test, "%s: IOVA %#llx -> %pa, want 1:1",
						   pci_name(pdev), a, &phys);
					pci_dev_put(pdev);
					return;
				}
			}
		}
	}
	KUNIT_EXPECT_GT_MSG(test, nr_devs, 0, "no PCI device in a DMA domain: boot with a vIOMMU");
}

/*
 * The IOVA allocator hands out addresses top-down below the device's DMA
 * mask.  Shrink the mask to just above the window and map a buffer over
 * and over: the allocations must run down to the window and continue
 * below it, never inside.
 */
static void test_iova_allocator_avoids_window(struct kunit *test)
{
	struct live_ctx *ctx = test->priv;
	const struct kdump_iommu_range *w = &ctx->windows[ctx->nr_windows - 1];
	struct pci_dev *pdev = NULL;
	u64 old_mask, old_coherent, mask;
	dma_addr_t *addrs;
	unsigned int i, n, below = 0;
	struct page *page;
	struct device *dev;

	for_each_pci_dev(pdev)
		if (dev_in_dma_domain(pdev))
			break;
	KUNIT_ASSERT_NOT_NULL_MSG(test, pdev, "no PCI device in a DMA domain");
	dev = &pdev->dev;

	mask = roundup_pow_of_two(w->end + 1) - 1;
	/* Enough 4 MiB mappings to fill what is above the window, and more. */
	n = (mask - w->end) / SZ_4M + 8;
	addrs = kunit_kcalloc(test, n, sizeof(*addrs), GFP_KERNEL);
	page = alloc_pages(GFP_KERNEL, get_order(SZ_4M));
	if (!addrs || !page) {
		pci_dev_put(pdev);
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
			KUNIT_FAIL(test, "%s: mapping %u of %u failed", pci_name(pdev), i, n);
			break;
		}
		KUNIT_EXPECT_FALSE_MSG(test, kdump_iommu_overlaps(ctx->windows, ctx->nr_windows,
								  addrs[i], addrs[i] + SZ_4M - 1),
				       "%s: IOVA %pad inside the crash window", pci_name(pdev),
				       &addrs[i]);
		if (addrs[i] < w->start)
			below++;
	}
	while (i--)
		dma_unmap_page(dev, addrs[i], SZ_4M, DMA_BIDIRECTIONAL);
	*dev->dma_mask = old_mask;
	dev->coherent_dma_mask = old_coherent;
	__free_pages(page, get_order(SZ_4M));
	pci_dev_put(pdev);
	/* Otherwise the test never reached the window and proves nothing. */
	KUNIT_EXPECT_GT(test, below, 0);
}

static bool has_window(struct kunit *test, struct device *dev,
		       const struct kdump_iommu_range *w)
{
	struct iommu_resv_region *region;
	bool found = false;
	LIST_HEAD(regions);

	iommu_get_resv_regions(dev, &regions);
	list_for_each_entry(region, &regions, list) {
		if (region->start != w->start ||
		    region->start + region->length - 1 != w->end)
			continue;
		found = true;
		KUNIT_EXPECT_EQ(test, region->type, IOMMU_RESV_DIRECT_RELAXABLE);
		KUNIT_EXPECT_EQ(test, region->prot, IOMMU_READ | IOMMU_WRITE);
	}
	iommu_put_resv_regions(dev, &regions);
	return found;
}

/* Untrusted devices are never offered the window; trusted ones are. */
static void test_untrusted_no_window(struct kunit *test)
{
	struct live_ctx *ctx = test->priv;
	struct pci_dev *pdev = NULL;
	unsigned int old;

	for_each_pci_dev(pdev)
		if (device_iommu_mapped(&pdev->dev))
			break;
	KUNIT_ASSERT_NOT_NULL_MSG(test, pdev, "no PCI device behind an IOMMU");

	old = pdev->untrusted;
	pdev->untrusted = 0;
	KUNIT_EXPECT_TRUE(test, has_window(test, &pdev->dev, &ctx->windows[0]));
	pdev->untrusted = 1;
	KUNIT_EXPECT_FALSE(test, has_window(test, &pdev->dev, &ctx->windows[0]));
	pdev->untrusted = old;
	pci_dev_put(pdev);
}

/* Memory under the window cannot go back to the page allocator. */
static void test_shrink_refused(struct kunit *test)
{
	struct live_ctx *ctx = test->priv;
	const struct kdump_iommu_range *w = &ctx->windows[0];

	KUNIT_EXPECT_EQ(test, kdump_iommu_may_shrink(w->start + SZ_1M, w->end), -EBUSY);
	KUNIT_EXPECT_EQ(test, kdump_iommu_may_shrink(w->end + 1, w->end + SZ_1M), 0);
}

static struct kunit_case kdump_iommu_live_cases[] = {
	KUNIT_CASE(test_every_domain_identity),
	KUNIT_CASE(test_iova_allocator_avoids_window),
	KUNIT_CASE(test_untrusted_no_window),
	KUNIT_CASE(test_shrink_refused),
	{}
};

static struct kunit_suite kdump_iommu_live_suite = {
	.name = "kdump_iommu_live",
	.init = live_init,
	.test_cases = kdump_iommu_live_cases,
};

kunit_test_suites(&kdump_iommu_pure_suite, &kdump_iommu_live_suite);
