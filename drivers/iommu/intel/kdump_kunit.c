// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the VT-d kdump kernel's walk of first-level tables and
 * of a device's other PASIDs (included by kdump.c, whose static functions
 * they test).
 *
 * QEMU 7.2 has no first-level translation, so these tables are built in
 * memory as the VT-d specification (rev 4.0, 9.7) lays them out: 4- and
 * 5-level IA-32e paging entries, 4 KiB pages and 2 MiB and 1 GiB large
 * pages, with the present, R/W and U/S bits that every level of a walk
 * ANDs, and one entry pointing at a page that is not the crashed
 * kernel's (the walk must not read it).
 *
 * Copyright (C) 2026 The kdump-iommu authors
 */

#include <kunit/test.h>

#define FL_TEST_PAGES	6

/* The pages a test built: the only "old memory" its walk may read. */
static u64 *fl_test_page[FL_TEST_PAGES];
static unsigned int fl_test_nr;

static u64 *fl_test_map(u64 phys)
{
	unsigned int i;

	for (i = 0; i < fl_test_nr; i++)
		if (virt_to_phys(fl_test_page[i]) == phys)
			return fl_test_page[i];
	return NULL;
}

struct fl_case {
	const char *name;
	unsigned int levels;	/* 4 or 5 */
	unsigned int leaf;	/* level of the leaf: 1, 2 (2 MiB) or 3 (1 GiB) */
	u64 iova;
	unsigned int clear_level;	/* clear @clear in this level's entry */
	u64 clear;
	unsigned int set_level;		/* set @set in this level's entry */
	u64 set;
	unsigned int stray_level;	/* this level's entry points elsewhere */
	int ret;
	u64 size;
	bool writable;
};

#define FL_IOVA		0x12345678000ULL	/* indices 2, 72, 418, 376 */

static const struct fl_case fl_cases[] = {
	{ "4-level, 4 KiB page", 4, 1, FL_IOVA, .ret = 0, .size = SZ_4K,
	  .writable = true },
	{ "5-level, 4 KiB page", 5, 1, FL_IOVA, .ret = 0, .size = SZ_4K,
	  .writable = true },
	{ "2 MiB page", 4, 2, FL_IOVA, .ret = 0, .size = SZ_2M, .writable = true },
	{ "1 GiB page", 4, 3, FL_IOVA, .ret = 0, .size = SZ_1G, .writable = true },
	{ "1 GiB page, 5-level", 5, 3, FL_IOVA, .ret = 0, .size = SZ_1G,
	  .writable = true },
	{ "R/W clear at the top level", 4, 1, FL_IOVA, 4, FL_RW, .ret = 0,
	  .size = SZ_4K, .writable = false },
	{ "R/W clear at level 5", 5, 2, FL_IOVA, 5, FL_RW, .ret = 0,
	  .size = SZ_2M, .writable = false },
	{ "U/S clear at level 3", 4, 1, FL_IOVA, 3, FL_US, .ret = 0,
	  .size = SZ_4K, .writable = false },
	{ "R/W clear at the leaf", 4, 1, FL_IOVA, 1, FL_RW, .ret = 0,
	  .size = SZ_4K, .writable = false },
	{ "not present at level 2", 4, 1, FL_IOVA, 2, FL_PRESENT, .ret = -ENOENT,
	  .size = SZ_2M },
	{ "not present at the top", 5, 1, FL_IOVA, 5, FL_PRESENT, .ret = -ENOENT,
	  .size = BIT_ULL(48) },
	{ "PAT (bit 7) at level 1 is no large page", 4, 1, FL_IOVA,
	  .set_level = 1, .set = FL_PS, .ret = 0, .size = SZ_4K, .writable = true },
	{ "large page bit at level 4: reserved", 4, 1, FL_IOVA,
	  .set_level = 4, .set = FL_PS, .ret = -EINVAL, .size = BIT_ULL(39) },
	{ "level 3 points outside the old RAM", 4, 1, FL_IOVA, .stray_level = 3,
	  .ret = -ENOMEM, .size = SZ_2M },
	{ "beyond 4-level reach", 4, 1, BIT_ULL(48) | FL_IOVA, .ret = -ENOENT,
	  .size = BIT_ULL(48) },
};

static void fl_case_desc(const struct fl_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(fl, fl_cases, fl_case_desc);

/* One table per level down to the leaf, for @c->iova alone, mapped 1:1. */
static u64 fl_build(struct kunit *test, const struct fl_case *c)
{
	unsigned int level, i;
	u64 *entry[VTD_MAX_LEVELS + 1] = {};

	fl_test_nr = 0;
	for (level = c->levels; level >= c->leaf; level--) {
		u64 *t = kunit_kzalloc(test, SZ_4K, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, t);
		KUNIT_ASSERT_TRUE(test, IS_ALIGNED((unsigned long)t, SZ_4K));
		fl_test_page[fl_test_nr++] = t;
		entry[level] = &t[(c->iova >> (12 + 9 * (level - 1))) & 0x1ff];
		if (level < c->levels)
			*entry[level + 1] = virt_to_phys(t) | FL_PRESENT | FL_RW | FL_US;
	}
	/* The leaf: a page (level 1) or a large page, at its own address */
	*entry[c->leaf] = (c->iova & ~(BIT_ULL(12 + 9 * (c->leaf - 1)) - 1)) |
			  FL_PRESENT | FL_RW | FL_US | (c->leaf > 1 ? FL_PS : 0);
	for (i = 1; i <= c->levels; i++) {
		if (!entry[i])
			continue;
		if (i == c->clear_level)
			*entry[i] &= ~c->clear;
		if (i == c->set_level)
			*entry[i] |= c->set;
		/* A table page nobody allocated: not the crashed kernel's */
		if (i == c->stray_level)
			*entry[i] = (*entry[i] & ~VTD_SL_ADDR_MASK) | 0xfed00000ULL;
	}
	return virt_to_phys(fl_test_page[0]);
}

static void test_fl_lookup(struct kunit *test)
{
	const struct fl_case *c = test->param_value;
	struct vtd_old_walk w = { .levels = c->levels, VTD_FL_BITS };
	struct kdump_iommu_pte pte = {};
	u64 iova = c->iova + 0x123;

	w.root = fl_build(test, c);
	w.tables.test_map = fl_test_map;
	KUNIT_EXPECT_EQ(test, vtd_old_lookup(&w, iova, &pte), c->ret);
	KUNIT_EXPECT_EQ(test, pte.size, c->size);
	if (!c->ret) {
		KUNIT_EXPECT_EQ(test, pte.phys, iova);
		KUNIT_EXPECT_EQ(test, pte.writable, c->writable);
	}
}

/*
 * The generic walk over a first-level table: a 1 GiB window mapped 1:1
 * read/write with 2 MiB pages is identity; with one 2 MiB page's R/W bit
 * cleared at level 2 it is mixed, at that page.
 */
static void test_fl_walk(struct kunit *test)
{
	struct vtd_old_walk w = { .levels = 4, VTD_FL_BITS };
	struct kdump_iommu_walk walk = {};
	u64 *l4, *l3, *l2;
	unsigned int i;

	l4 = kunit_kzalloc(test, SZ_4K, GFP_KERNEL);
	l3 = kunit_kzalloc(test, SZ_4K, GFP_KERNEL);
	l2 = kunit_kzalloc(test, SZ_4K, GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, l4 && l3 && l2);
	fl_test_page[0] = l4;
	fl_test_page[1] = l3;
	fl_test_page[2] = l2;
	fl_test_nr = 3;
	l4[0] = virt_to_phys(l3) | FL_PRESENT | FL_RW | FL_US;
	l3[1] = virt_to_phys(l2) | FL_PRESENT | FL_RW | FL_US;	/* 1 GiB..2 GiB */
	for (i = 0; i < 512; i++)
		l2[i] = (SZ_1G + (u64)i * SZ_2M) | FL_PRESENT | FL_RW | FL_US | FL_PS;
	w.root = virt_to_phys(l4);
	w.tables.test_map = fl_test_map;

	kdump_iommu_walk_range(vtd_old_lookup, &w, SZ_1G, 2ULL * SZ_1G - 1, &walk);
	KUNIT_EXPECT_EQ(test, walk.state, KDUMP_OLD_IDENTITY);
	KUNIT_EXPECT_EQ(test, walk.lookups, 512U);

	l2[100] &= ~FL_RW;
	memset(&walk, 0, sizeof(walk));
	kdump_iommu_walk_range(vtd_old_lookup, &w, SZ_1G, 2ULL * SZ_1G - 1, &walk);
	KUNIT_EXPECT_EQ(test, walk.state, KDUMP_OLD_MIXED);
	KUNIT_EXPECT_EQ(test, walk.iova, SZ_1G + 100ULL * SZ_2M);
	KUNIT_EXPECT_FALSE(test, walk.writable);
}

static struct kunit_case vtd_kdump_fl_cases[] = {
	KUNIT_CASE_PARAM(test_fl_lookup, fl_gen_params),
	KUNIT_CASE(test_fl_walk),
	{}
};

static struct kunit_suite vtd_kdump_fl_suite = {
	.name = "kdump_iommu_vtd_first_level",
	.test_cases = vtd_kdump_fl_cases,
};

/*
 * vtd_other_pasid(): a scalable-mode PASID directory (9.5) of the size the
 * context entry's PDTS gives (9.4), and PASID tables (9.6) of 64 entries
 * of 8 quadwords, built in memory; entries are present with bit 0 of
 * their first quadword.
 */
struct pasid_case {
	const char *name;
	unsigned int pdts;		/* 2^(pdts + 7) directory entries */
	unsigned int rid_pasid;
	unsigned int present[2];	/* PASIDs with an entry, besides RID_PASID's */
	unsigned int nr_present;
	unsigned int empty_de;		/* a directory entry with an empty table */
	unsigned int stray_de;		/* one whose table is not the crashed kernel's */
	bool other;
	const char *why;
};

static const struct pasid_case pasid_cases[] = {
	{ "RID_PASID alone", 2, 0, .other = false },
	{ "RID_PASID 1 alone", 2, 1, .other = false },
	{ "another PASID in RID_PASID's table", 2, 0, { 5 }, 1, .other = true,
	  .why = "PASID 5 also in use" },
	{ "PASID 0 beside RID_PASID 1", 2, 1, { 0 }, 1, .other = true,
	  .why = "PASID 0 also in use" },
	{ "another PASID in the directory's second page", 3, 0,
	  { 700 * 64 + 3 }, 1, .other = true, .why = "PASID 44803 also in use" },
	{ "an entry beyond the directory's size, not read", 2, 0,
	  { 700 * 64 + 3 }, 1, .other = false },
	{ "a directory entry with an empty table", 2, 0, .empty_de = 9,
	  .other = false },
	{ "a table outside the crashed kernel's RAM", 2, 0, .stray_de = 9,
	  .other = true, .why = "not readable" },
};

static void pasid_case_desc(const struct pasid_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(pasid, pasid_cases, pasid_case_desc);

/* The table of directory entry @de, made present on first use. */
static u64 *pasid_table(struct kunit *test, u64 *dir, unsigned int de)
{
	u64 *t;

	if (dir[de] & PE_PRESENT)
		return phys_to_virt(dir[de] & VTD_PAGE_MASK);
	t = kunit_kzalloc(test, SZ_4K, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_LT(test, fl_test_nr, FL_TEST_PAGES);
	fl_test_page[fl_test_nr++] = t;
	dir[de] = virt_to_phys(t) | PE_PRESENT;
	return t;
}

static void test_other_pasid(struct kunit *test)
{
	const struct pasid_case *c = test->param_value;
	struct vtd_handoff *h;
	unsigned int i, p;
	u64 *dir, *stray;
	bool other;

	h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	/* Two directory pages, contiguous as the kernel allocates them */
	dir = kunit_kzalloc(test, 2 * SZ_4K, GFP_KERNEL);
	stray = kunit_kzalloc(test, SZ_4K, GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, h && dir && stray);
	fl_test_page[0] = dir;
	fl_test_page[1] = dir + SZ_4K / sizeof(u64);
	fl_test_nr = 2;
	h->ctx.test_map = fl_test_map;

	pasid_table(test, dir, c->rid_pasid >> PASID_PDE_SHIFT)
		[(c->rid_pasid & PASID_PTE_MASK) * 8] = PE_PRESENT;
	for (i = 0; i < c->nr_present; i++) {
		p = c->present[i];
		pasid_table(test, dir, p >> PASID_PDE_SHIFT)
			[(p & PASID_PTE_MASK) * 8] = PE_PRESENT;
	}
	if (c->empty_de)
		pasid_table(test, dir, c->empty_de);
	if (c->stray_de)	/* a real page, but not one the walk may read */
		dir[c->stray_de] = virt_to_phys(stray) | PE_PRESENT;
	stray[0] = PE_PRESENT;

	other = vtd_other_pasid(h, PCI_DEVID(1, 0),
				virt_to_phys(dir) | ((u64)c->pdts << 9) | CTX_PRESENT,
				c->rid_pasid);
	KUNIT_EXPECT_EQ(test, other, c->other);
	if (c->why)
		KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(h->core.why, c->why), "%s",
					  h->core.why);
	else
		KUNIT_EXPECT_STREQ(test, h->core.why, "");
}

static struct kunit_case vtd_kdump_pasid_cases[] = {
	KUNIT_CASE_PARAM(test_other_pasid, pasid_gen_params),
	{}
};

static struct kunit_suite vtd_kdump_pasid_suite = {
	.name = "kdump_iommu_vtd_pasid",
	.test_cases = vtd_kdump_pasid_cases,
};

kunit_test_suites(&vtd_kdump_fl_suite, &vtd_kdump_pasid_suite);
