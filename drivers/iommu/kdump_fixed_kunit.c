// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for IOMMUs with a fixed IOVA space (drivers/iommu/kdump_fixed.c,
 * HP zx1/sx1000 sba_iommu: IBASE/IMASK), table-driven: which addresses an
 * IOC translates, which pages of a window need identity entries, what
 * 32-bit devices can reach, and the kdump kernel's walk through a pdir
 * built in memory as sba_iommu lays it out.  No emulator runs ia64: these
 * run on x86_64 with the rest of kdump_iommu's suites.
 */

#include <kunit/test.h>
#include <linux/io.h>
#include <linux/kdump_iommu.h>
#include <linux/sizes.h>

#include "kdump_iommu.h"

#define R(s, e)		{ .start = (s), .end = (e) }

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
 * The kdump kernel's walk through an IOC (kdump_iommu_fixed_lookup()),
 * against a pdir built in memory as sba_iommu lays it out: 16 MiB of IOVA
 * space at 0x41000000 in 64 KiB pages.
 */
#define FAKE_BASE	0x41000000ULL
#define FAKE_PAGES	256

struct fake_ioc {
	struct kdump_iommu_fixed unit;
	struct kdump_iommu_fixed_walk f;
	u64 *pdir;
};

/* The pdir the crashed kernel left, where kdump_iommu_old_table() maps it */
static u64 *fake_ioc_pdir;

static u64 *fake_ioc_map(u64 phys)
{
	return phys == virt_to_phys(fake_ioc_pdir) ? fake_ioc_pdir : NULL;
}

/* As sba_iommu's: bit 63 valid, the page's address in bits 12-60 */
static int fake_ioc_entry(struct kdump_iommu_fixed *unit, u64 entry, u64 *phys)
{
	if (!(entry >> 63))
		return -ENOENT;
	*phys = entry & ~0xE000000000000FFFULL;
	return 0;
}

static const struct kdump_iommu_fixed_ops fake_ioc_ops = {
	.old_entry = fake_ioc_entry,
};

static enum kdump_iommu_old fake_ioc_walk(struct fake_ioc *ioc, u64 start,
					  u64 end, struct kdump_iommu_walk *w)
{
	memset(w, 0, sizeof(*w));
	ioc->f.unit = &ioc->unit;
	ioc->f.tables.test_map = fake_ioc_map;
	kdump_iommu_walk_range(kdump_iommu_fixed_lookup, &ioc->f, start, end, w);
	kdump_iommu_old_tables_done(&ioc->f.tables);
	return w->state;
}

static void test_iova_space_walk(struct kunit *test)
{
	struct fake_ioc *ioc = kunit_kzalloc(test, sizeof(*ioc), GFP_KERNEL);
	struct kdump_iommu_range win = R(0x40000000, 0x41ffffff), id;
	struct kdump_iommu_walk w;
	u64 iova;

	KUNIT_ASSERT_NOT_NULL(test, ioc);
	/* A page of its own, as the hardware reads it (4 KiB aligned) */
	ioc->pdir = kunit_kzalloc(test, SZ_4K, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ioc->pdir);
	KUNIT_ASSERT_TRUE(test, IS_ALIGNED(virt_to_phys(ioc->pdir), SZ_4K));
	fake_ioc_pdir = ioc->pdir;
	ioc->unit.ops = &fake_ioc_ops;
	ioc->unit.old_table = virt_to_phys(ioc->pdir);
	ioc->unit.space = (struct kdump_iommu_iova_space){ FAKE_BASE, ~(u64)(SZ_16M - 1),
							   16, true };

	/* Nothing armed: the part in the space is not mapped. */
	KUNIT_EXPECT_EQ(test, fake_ioc_walk(ioc, win.start, win.end, &w),
			KDUMP_OLD_MIXED);
	KUNIT_EXPECT_EQ(test, w.iova, FAKE_BASE);

	/* What the primary kernel arms: the window's pages in the space. */
	KUNIT_ASSERT_EQ(test, kdump_iommu_iova_space_plan(&win, 1, &ioc->unit.space,
							  FAKE_BASE + SZ_16M - 1, &id), 1);
	for (iova = id.start; iova <= id.end; iova += SZ_64K)
		ioc->pdir[(iova - FAKE_BASE) >> 16] = BIT_ULL(63) | iova;
	KUNIT_EXPECT_EQ(test, fake_ioc_walk(ioc, win.start, win.end, &w),
			KDUMP_OLD_IDENTITY);

	/* A crashed kernel's own mapping in the middle: not 1:1. */
	ioc->pdir[17] = BIT_ULL(63) | 0x12340000;
	KUNIT_EXPECT_EQ(test, fake_ioc_walk(ioc, win.start, win.end, &w),
			KDUMP_OLD_MIXED);
	KUNIT_EXPECT_EQ(test, w.iova, FAKE_BASE + 17 * SZ_64K);
	KUNIT_EXPECT_EQ(test, w.phys, 0x12340000ULL);

	/* An entry the primary kernel never armed. */
	ioc->pdir[17] = 0;
	KUNIT_EXPECT_EQ(test, fake_ioc_walk(ioc, win.start, win.end, &w),
			KDUMP_OLD_MIXED);
	KUNIT_EXPECT_EQ(test, w.iova, FAKE_BASE + 17 * SZ_64K);
	KUNIT_EXPECT_EQ(test, w.err, -ENOENT);

	/* Outside the space nothing is looked up in the pdir: bypass. */
	KUNIT_EXPECT_EQ(test, fake_ioc_walk(ioc, 0x40000000, FAKE_BASE - 1, &w),
			KDUMP_OLD_IDENTITY);

	/* A pdir that cannot be mapped (outside the old RAM): not readable. */
	ioc->pdir[17] = BIT_ULL(63) | (FAKE_BASE + 17 * SZ_64K);
	ioc->unit.old_table += SZ_4K;
	KUNIT_EXPECT_EQ(test, fake_ioc_walk(ioc, win.start, win.end, &w),
			KDUMP_OLD_MIXED);
	KUNIT_EXPECT_EQ(test, w.iova, FAKE_BASE);
	KUNIT_EXPECT_EQ(test, w.err, -EFAULT);
	fake_ioc_pdir = NULL;
}

static struct kunit_case kdump_iommu_fixed_cases[] = {
	KUNIT_CASE_PARAM(test_iova_space_check, space_gen_params),
	KUNIT_CASE_PARAM(test_iova_space_translates, translates_gen_params),
	KUNIT_CASE_PARAM(test_iova_space_plan, plan_gen_params),
	KUNIT_CASE_PARAM(test_bytes_below, below_gen_params),
	KUNIT_CASE(test_iova_space_walk),
	{}
};

static struct kunit_suite kdump_iommu_fixed_suite = {
	.name = "kdump_iommu_fixed",
	.test_cases = kdump_iommu_fixed_cases,
};

kunit_test_suites(&kdump_iommu_fixed_suite);
