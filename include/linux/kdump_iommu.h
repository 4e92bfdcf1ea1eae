/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Identity-mapped crash kernel window for kdump on systems with an IOMMU.
 *
 * The primary kernel maps the memory reserved with crashkernel= 1:1
 * (IOVA == physical address) in every DMA domain, so that a kdump kernel
 * can do DMA with physical addresses through the translation structures
 * the crashed kernel leaves behind, without rewriting them.  See
 * Documentation/admin-guide/kdump/iommu.rst.
 */
#ifndef _LINUX_KDUMP_IOMMU_H
#define _LINUX_KDUMP_IOMMU_H

#include <linux/types.h>

struct device;
struct iommu_domain;
struct list_head;

/**
 * struct kdump_iommu_range - a range of physical (and IO virtual) addresses
 * @start: first address
 * @end: last address (inclusive, as in struct resource)
 */
struct kdump_iommu_range {
	u64 start;
	u64 end;
};

/* crashk_res and crashk_low_res */
#define KDUMP_IOMMU_MAX_WINDOWS	2

/**
 * enum kdump_iommu_mode - the kdump_iommu= kernel parameter
 * @KDUMP_IOMMU_OFF: no window in the primary kernel; the kdump kernel
 *	takes the driver's usual path
 * @KDUMP_IOMMU_ON: window in the primary kernel; the kdump kernel skips
 *	DMA-remapping initialisation when the window verifies
 * @KDUMP_IOMMU_FORCE: as on, but the kdump kernel skips even when the
 *	verification fails (testing only: shows what the window prevents)
 */
enum kdump_iommu_mode {
	KDUMP_IOMMU_OFF,
	KDUMP_IOMMU_ON,
	KDUMP_IOMMU_FORCE,
};

/**
 * struct kdump_iommu_pte - what an IOMMU translation structure says of an IOVA
 * @phys: physical address the IOVA translates to
 * @size: size of the translation unit (page) that maps the IOVA
 * @writable: device writes are allowed
 *
 * A driver's lookup callback fills this in for the kdump kernel's
 * verification of the old tables.
 */
struct kdump_iommu_pte {
	u64 phys;
	u64 size;
	bool writable;
};

/**
 * typedef kdump_iommu_lookup_t - translate one IOVA through old tables
 * @data: the driver's cookie (which table, how many levels, ...)
 * @iova: the IO virtual address
 * @pte: result, on success
 *
 * Return: 0 on success, -ENOENT if @iova is not mapped, another negative
 * errno if the tables cannot be read or are not understood.
 */
typedef int (*kdump_iommu_lookup_t)(void *data, u64 iova,
				    struct kdump_iommu_pte *pte);

/**
 * struct kdump_iommu_mismatch - first IOVA of a failed identity check
 * @iova: the address that failed
 * @phys: what it maps to (valid if @err is 0)
 * @err: the lookup's error, or 0 if mapped but not 1:1 read/write
 */
struct kdump_iommu_mismatch {
	u64 iova;
	u64 phys;
	int err;
};

/**
 * struct kdump_iommu_iova_space - the fixed IOVA space of an IOMMU outside
 *	the IOMMU API
 * @base: its first address
 * @mask: an address A is translated when (A & @mask) == @base; every
 *	other address goes through untranslated
 * @page_shift: log2 of the IOMMU page size
 * @enabled: translation is on
 *
 * HP zx1/sx1000 IOC (sba_iommu): IBASE, IMASK and TCNFG.
 */
struct kdump_iommu_iova_space {
	u64 base;
	u64 mask;
	unsigned int page_shift;
	bool enabled;
};

/* Pure helpers, exported for the KUnit tests. */
int kdump_iommu_parse_mode(const char *str, enum kdump_iommu_mode *mode);
const char *kdump_iommu_mode_name(enum kdump_iommu_mode mode);
unsigned int kdump_iommu_make_windows(const struct kdump_iommu_range *regions,
				      unsigned int nr_regions, u64 page_size,
				      u64 max_addr,
				      struct kdump_iommu_range *windows,
				      u64 *clipped);
bool kdump_iommu_overlaps(const struct kdump_iommu_range *windows,
			  unsigned int nr, u64 start, u64 end);
u64 kdump_iommu_leaf_size(u64 addr, u64 left, unsigned long pgsize_bitmap);
u64 kdump_iommu_nr_pages(const struct kdump_iommu_range *window,
			 unsigned long pgsize_bitmap, u64 *largest);
u64 kdump_iommu_leaf_tables(const struct kdump_iommu_range *window,
			    unsigned long pgsize_bitmap);
int kdump_iommu_parse_devices(const char *str, u32 *sbdf, unsigned int max);
int kdump_iommu_check_identity_range(kdump_iommu_lookup_t lookup, void *data,
				     u64 start, u64 end,
				     struct kdump_iommu_mismatch *bad);
int kdump_iommu_iova_space_check(const struct kdump_iommu_iova_space *s);
bool kdump_iommu_iova_space_translates(const struct kdump_iommu_iova_space *s,
				       u64 addr, u64 *index, u64 *run);
int kdump_iommu_iova_space_plan(const struct kdump_iommu_range *windows,
				unsigned int nr,
				const struct kdump_iommu_iova_space *s,
				u64 last_usable, struct kdump_iommu_range *identity);
u64 kdump_iommu_bytes_below(const struct kdump_iommu_range *windows,
			    unsigned int nr, u64 limit);

#ifdef CONFIG_KDUMP_IOMMU_RESERVE

enum kdump_iommu_mode kdump_iommu_mode(void);

/* Primary kernel */
void kdump_iommu_get_resv_regions(struct device *dev, struct list_head *head);
int kdump_iommu_may_shrink(u64 start, u64 end);
void kdump_iommu_domain_mapped(struct device *dev, struct iommu_domain *domain);
void kdump_iommu_domain_freed(struct iommu_domain *domain);
int kdump_iommu_def_domain_type(struct device *dev);
int kdump_iommu_crash_check(char *buf, size_t len);
int kdump_iommu_iova_space_window(const char *unit,
				  const struct kdump_iommu_iova_space *s,
				  u64 last_usable,
				  struct kdump_iommu_range *identity);

/* Kdump kernel */
bool kdump_iommu_handoff_wanted(void);
bool kdump_iommu_handoff_device(struct device *dev);
int kdump_iommu_check_identity(kdump_iommu_lookup_t lookup, void *data,
			       struct kdump_iommu_mismatch *bad);
bool kdump_iommu_handoff(const char *iommu, unsigned int nr_devices,
			 const char *why_not);
void kdump_iommu_handoff_fixed(const char *iommu, unsigned int nr_units,
			       const char *why_not);

/*
 * Deepest walk of an old page table: 6 levels on AMD-Vi (2.2.3), 5 on
 * VT-d (levels counted from 1, 9.8).
 */
#define KDUMP_IOMMU_OLD_LEVELS	7

/**
 * struct kdump_iommu_old_tables - old page tables mapped for a walk
 * @level: per level, the table page mapped last (@va NULL if none)
 *
 * A walk of the window visits the same few tables again and again: keep
 * the page of each level mapped until the walk moves to another table.
 * Start with the structure zeroed; end with kdump_iommu_old_tables_done().
 */
struct kdump_iommu_old_tables {
	struct {
		u64 phys;
		u64 *va;
	} level[KDUMP_IOMMU_OLD_LEVELS];
};

/**
 * struct kdump_iommu_roots - page table roots a hand-off check passed
 * @root: their physical addresses
 * @nr: how many
 *
 * Devices share domains: each old page table is walked once.
 */
struct kdump_iommu_roots {
	u64 root[16];
	unsigned int nr;
};

int kdump_iommu_check_root(struct kdump_iommu_roots *seen, u64 root,
			   kdump_iommu_lookup_t lookup, void *data,
			   struct kdump_iommu_old_tables *tables, u16 rid,
			   char *why, size_t len);
u64 *kdump_iommu_old_table(struct kdump_iommu_old_tables *t,
			   unsigned int level, u64 phys);
void kdump_iommu_old_tables_done(struct kdump_iommu_old_tables *t);
int kdump_iommu_check_unit(const char *unit, kdump_iommu_lookup_t lookup,
			   void *data, struct kdump_iommu_old_tables *tables,
			   char *why, size_t len);
__printf(4, 5) void kdump_iommu_why(char *buf, size_t len, u16 rid,
				    const char *fmt, ...);

#else /* !CONFIG_KDUMP_IOMMU_RESERVE */

static inline enum kdump_iommu_mode kdump_iommu_mode(void)
{
	return KDUMP_IOMMU_OFF;
}

static inline void kdump_iommu_get_resv_regions(struct device *dev,
						struct list_head *head)
{
}

static inline int kdump_iommu_may_shrink(u64 start, u64 end)
{
	return 0;
}

static inline void kdump_iommu_domain_mapped(struct device *dev,
					     struct iommu_domain *domain)
{
}

static inline void kdump_iommu_domain_freed(struct iommu_domain *domain)
{
}

static inline int kdump_iommu_def_domain_type(struct device *dev)
{
	return 0;
}

static inline bool kdump_iommu_handoff_wanted(void)
{
	return false;
}

#endif /* CONFIG_KDUMP_IOMMU_RESERVE */

#endif /* _LINUX_KDUMP_IOMMU_H */
