// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the AMD-Vi kdump kernel's walk of v1 I/O page tables
 * (included by kdump.c, whose lookup they test).
 *
 * The QEMU tests show 3-level tables and the window's 16 MiB "next level
 * 7" pages only, and no SME, so these tables are built in memory as the
 * AMD IOMMU specification (48882 rev 3.08, 2.2.3) lays them out: 3- to
 * 6-level tables, 4 KiB pages, 2 MiB and 1 GiB pages at upper levels,
 * pages of other sizes in the "next level 7" encoding (2.2.3.2), IR and
 * IW, which every level of a walk ANDs (2.2.3.1), and, as with SME on,
 * the C-bit in the addresses the crashed kernel wrote: stripped from
 * table pointers, kept in a page's address (DMA through the page is
 * encrypted).  Broken tables too: levels skipped, a next level 7 page of
 * a size its level cannot hold, a table pointer outside the old RAM (the
 * walk must not read it).
 *
 * Copyright (C) 2026 The kdump-iommu authors
 */

#include <kunit/test.h>

#define AMD_TEST_PAGES	6
#define AMD_IR_IW	(IOMMU_PTE_IR | IOMMU_PTE_IW)
#define AMD_C_BIT	BIT_ULL(47)	/* EPYC 7001-7003; others put it elsewhere */

/* The pages a test built: the only "old memory" its walk may read. */
static u64 *amd_test_page[AMD_TEST_PAGES];
static unsigned int amd_test_nr;

static u64 *amd_test_map(u64 phys)
{
	unsigned int i;

	for (i = 0; i < amd_test_nr; i++)
		if (virt_to_phys(amd_test_page[i]) == phys)
			return amd_test_page[i];
	return NULL;
}

/*
 * Levels are the specification's: 1 holds 4 KiB pages.  Each page is
 * mapped to the page of its size next to its own address (the address
 * with the page-size bit flipped, within the 52 address bits of an entry),
 * so that a size misread shows.
 */
#define AMD_TARGET(iova, page)	(((iova) ^ (page)) & GENMASK_ULL(51, 0))

struct amd_case {
	const char *name;
	unsigned int mode;	/* paging mode: levels */
	unsigned int leaf;	/* level of the leaf */
	u64 large;		/* a next level 7 page of this size, or 0 */
	u64 iova;
	u64 c_bit;		/* in every address of the tables */
	u64 me_mask;		/* what the walk is told the C-bit is */
	unsigned int clear_level;	/* clear @clear in this level's entry */
	u64 clear;
	unsigned int next_level;	/* this level's entry says next level @next */
	u64 next;
	unsigned int stray_level;	/* this level's entry points elsewhere */
	int ret;
	u64 size;
	bool writable;
};

/* A non-zero index at every level each mode has */
#define AMD_IOVA3	0x2345678000ULL
#define AMD_IOVA4	0x7f2345678000ULL
#define AMD_IOVA5	0x01f2345678abc000ULL
#define AMD_IOVA6	0x81f2345678abc000ULL

static const struct amd_case amd_cases[] = {
	{ .name = "3-level, 4 KiB page", .mode = 3, .leaf = 1,
	  .iova = AMD_IOVA3, .size = SZ_4K, .writable = true },
	{ .name = "4-level, 4 KiB page", .mode = 4, .leaf = 1,
	  .iova = AMD_IOVA4, .size = SZ_4K, .writable = true },
	{ .name = "5-level, 4 KiB page", .mode = 5, .leaf = 1,
	  .iova = AMD_IOVA5, .size = SZ_4K, .writable = true },
	{ .name = "6-level, 4 KiB page", .mode = 6, .leaf = 1,
	  .iova = AMD_IOVA6, .size = SZ_4K, .writable = true },
	{ .name = "2 MiB page", .mode = 4, .leaf = 2,
	  .iova = AMD_IOVA4, .size = SZ_2M, .writable = true },
	{ .name = "1 GiB page", .mode = 6, .leaf = 3,
	  .iova = AMD_IOVA6, .size = SZ_1G, .writable = true },
	{ .name = "32 KiB page, next level 7", .mode = 3, .leaf = 1,
	  .large = SZ_32K, .iova = AMD_IOVA3, .size = SZ_4K, .writable = true },
	{ .name = "8 MiB page, next level 7 at level 2", .mode = 4, .leaf = 2,
	  .large = SZ_8M, .iova = AMD_IOVA4, .size = SZ_2M, .writable = true },
	{ .name = "next level 7 page of its level's own size", .mode = 4,
	  .leaf = 2, .large = SZ_2M, .iova = AMD_IOVA4, .ret = -EINVAL,
	  .size = SZ_2M },
	{ .name = "next level 7 page of the next level's size", .mode = 4,
	  .leaf = 2, .large = SZ_1G, .iova = AMD_IOVA4, .ret = -EINVAL,
	  .size = SZ_2M },
	{ .name = "IR clear at the top level", .mode = 4, .leaf = 1,
	  .iova = AMD_IOVA4, .clear_level = 4, .clear = IOMMU_PTE_IR,
	  .size = SZ_4K, .writable = false },
	{ .name = "IW clear at level 2", .mode = 4, .leaf = 1,
	  .iova = AMD_IOVA4, .clear_level = 2, .clear = IOMMU_PTE_IW,
	  .size = SZ_4K, .writable = false },
	{ .name = "IW clear at the leaf", .mode = 4, .leaf = 1,
	  .iova = AMD_IOVA4, .clear_level = 1, .clear = IOMMU_PTE_IW,
	  .size = SZ_4K, .writable = false },
	{ .name = "not present at level 2", .mode = 4, .leaf = 1,
	  .iova = AMD_IOVA4, .clear_level = 2, .clear = IOMMU_PTE_PR,
	  .ret = -ENOENT, .size = SZ_2M },
	{ .name = "level 2 skipped", .mode = 4, .leaf = 1, .iova = AMD_IOVA4,
	  .next_level = 3, .next = 1, .ret = -EOPNOTSUPP, .size = SZ_1G },
	{ .name = "level 3 points outside the old RAM", .mode = 4, .leaf = 1,
	  .iova = AMD_IOVA4, .stray_level = 3, .ret = -ENOMEM, .size = SZ_2M },
	{ .name = "beyond 3-level reach", .mode = 3, .leaf = 1,
	  .iova = BIT_ULL(39) | AMD_IOVA3, .ret = -ENOENT, .size = BIT_ULL(39) },
	{ .name = "C-bit, 4 KiB page", .mode = 4, .leaf = 1,
	  .iova = AMD_IOVA4, .c_bit = AMD_C_BIT, .me_mask = AMD_C_BIT,
	  .size = SZ_4K, .writable = true },
	{ .name = "C-bit, 32 KiB page, next level 7", .mode = 4, .leaf = 1,
	  .large = SZ_32K, .iova = AMD_IOVA4, .c_bit = AMD_C_BIT,
	  .me_mask = AMD_C_BIT, .size = SZ_4K, .writable = true },
	{ .name = "C-bit, 1 GiB page", .mode = 5, .leaf = 3,
	  .iova = AMD_IOVA5, .c_bit = AMD_C_BIT, .me_mask = AMD_C_BIT,
	  .size = SZ_1G, .writable = true },
	{ .name = "C-bit the walk is not told of", .mode = 4, .leaf = 1,
	  .iova = AMD_IOVA4, .c_bit = AMD_C_BIT, .ret = -ENOMEM, .size = SZ_1G },
};

static void amd_case_desc(const struct amd_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(amd, amd_cases, amd_case_desc);

/* One table per level down to the leaf, for @c->iova alone. */
static u64 amd_build(struct kunit *test, const struct amd_case *c)
{
	u64 *entry[AMD_MAX_LEVELS + 1] = {};
	unsigned int level, i, n = 1;
	u64 *leaf, base, page, e;

	amd_test_nr = 0;
	for (level = c->mode; level >= c->leaf; level--) {
		u64 *t = kunit_kzalloc(test, SZ_4K, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, t);
		KUNIT_ASSERT_TRUE(test, IS_ALIGNED((unsigned long)t, SZ_4K));
		KUNIT_ASSERT_LT(test, amd_test_nr, AMD_TEST_PAGES);
		amd_test_page[amd_test_nr++] = t;
		entry[level] = &t[PM_LEVEL_INDEX(level - 1, c->iova)];
		if (level < c->mode)
			*entry[level + 1] = PM_LEVEL_PDE(level, virt_to_phys(t) |
							 c->c_bit);
	}
	/* The leaf: a page of its level, or a next level 7 page */
	page = c->large ?: PTE_LEVEL_PAGE_SIZE(c->leaf - 1);
	base = c->iova & ~(page - 1);
	if (c->large) {
		e = PAGE_SIZE_PTE(AMD_TARGET(base, page), page) |
		    PM_LEVEL_ENC(PAGE_MODE_7_LEVEL);
		/* repeated in every entry the page spans (2.2.3.2) */
		n = max_t(u64, page / PTE_LEVEL_PAGE_SIZE(c->leaf - 1), 1);
	} else {
		e = AMD_TARGET(base, page);
	}
	e |= c->c_bit | IOMMU_PTE_PR | IOMMU_PTE_FC | AMD_IR_IW;
	leaf = amd_test_page[amd_test_nr - 1];
	for (i = 0; i < n; i++)
		leaf[PM_LEVEL_INDEX(c->leaf - 1, base) + i] = e;
	for (i = 1; i <= c->mode; i++) {
		if (!entry[i])
			continue;
		if (i == c->clear_level)
			*entry[i] &= ~c->clear;
		if (i == c->next_level)
			*entry[i] = (*entry[i] & ~PM_LEVEL_ENC(7)) | PM_LEVEL_ENC(c->next);
		/* A table page nobody allocated: not the crashed kernel's */
		if (i == c->stray_level)
			*entry[i] = (*entry[i] & ~PM_ADDR_MASK) | 0xfed00000ULL;
	}
	return virt_to_phys(amd_test_page[0]);
}

static void test_amd_lookup(struct kunit *test)
{
	const struct amd_case *c = test->param_value;
	struct amd_old_walk w = { .mode = c->mode, .me_mask = c->me_mask };
	struct kdump_iommu_pte pte = {};
	u64 iova = c->iova + 0x123;
	u64 page = c->large ?: PTE_LEVEL_PAGE_SIZE(c->leaf - 1);

	w.root = amd_build(test, c);
	w.tables.test_map = amd_test_map;
	KUNIT_EXPECT_EQ(test, amd_old_lookup(&w, iova, &pte), c->ret);
	KUNIT_EXPECT_EQ(test, pte.size, c->size);
	if (!c->ret) {
		/* A page's C-bit is part of where DMA goes: kept */
		KUNIT_EXPECT_EQ(test, pte.phys, AMD_TARGET(iova, page) | c->c_bit);
		KUNIT_EXPECT_EQ(test, pte.writable, c->writable);
	}
}

/*
 * The generic walk over a v1 table whose table pointers carry the C-bit:
 * a 1 GiB window mapped 1:1 read/write with 2 MiB pages is identity.  A
 * page with the C-bit (DMA through it encrypted), or with IW cleared, makes
 * it mixed, at that page.
 */
static void test_amd_walk(struct kunit *test)
{
	struct amd_old_walk w = { .mode = 3, .me_mask = AMD_C_BIT };
	struct kdump_iommu_walk walk = {};
	u64 *l3, *l2;
	unsigned int i;

	l3 = kunit_kzalloc(test, SZ_4K, GFP_KERNEL);
	l2 = kunit_kzalloc(test, SZ_4K, GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, l3 && l2);
	amd_test_page[0] = l3;
	amd_test_page[1] = l2;
	amd_test_nr = 2;
	/* 1 GiB..2 GiB */
	l3[1] = PM_LEVEL_PDE(2, virt_to_phys(l2) | AMD_C_BIT);
	for (i = 0; i < 512; i++)
		l2[i] = (SZ_1G + (u64)i * SZ_2M) | IOMMU_PTE_PR | IOMMU_PTE_FC |
			AMD_IR_IW;
	w.root = virt_to_phys(l3);
	w.tables.test_map = amd_test_map;

	kdump_iommu_walk_range(amd_old_lookup, &w, SZ_1G, 2ULL * SZ_1G - 1, &walk);
	KUNIT_EXPECT_EQ(test, walk.state, KDUMP_OLD_IDENTITY);
	KUNIT_EXPECT_EQ(test, walk.lookups, 512U);

	l2[7] |= AMD_C_BIT;
	memset(&walk, 0, sizeof(walk));
	kdump_iommu_walk_range(amd_old_lookup, &w, SZ_1G, 2ULL * SZ_1G - 1, &walk);
	KUNIT_EXPECT_EQ(test, walk.state, KDUMP_OLD_MIXED);
	KUNIT_EXPECT_EQ(test, walk.iova, SZ_1G + 7ULL * SZ_2M);
	KUNIT_EXPECT_EQ(test, walk.phys, AMD_C_BIT | (SZ_1G + 7ULL * SZ_2M));

	l2[7] &= ~AMD_C_BIT;
	l2[100] &= ~IOMMU_PTE_IW;
	memset(&walk, 0, sizeof(walk));
	kdump_iommu_walk_range(amd_old_lookup, &w, SZ_1G, 2ULL * SZ_1G - 1, &walk);
	KUNIT_EXPECT_EQ(test, walk.state, KDUMP_OLD_MIXED);
	KUNIT_EXPECT_EQ(test, walk.iova, SZ_1G + 100ULL * SZ_2M);
	KUNIT_EXPECT_FALSE(test, walk.writable);
}

static struct kunit_case amd_kdump_cases[] = {
	KUNIT_CASE_PARAM(test_amd_lookup, amd_gen_params),
	KUNIT_CASE(test_amd_walk),
	{}
};

static struct kunit_suite amd_kdump_suite = {
	.name = "kdump_iommu_amd_v1",
	.test_cases = amd_kdump_cases,
};

kunit_test_suite(amd_kdump_suite);
