/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the kdump crash kernel window, shared by its parts in
 * drivers/iommu/ (kdump_*.c), the IOMMU core and the VT-d and AMD-Vi
 * drivers.  What other subsystems call is in <linux/kdump_iommu.h>.
 */
#ifndef _DRIVERS_IOMMU_KDUMP_IOMMU_H
#define _DRIVERS_IOMMU_KDUMP_IOMMU_H

#include <linux/kdump_iommu.h>
#include <linux/list.h>
#include <linux/types.h>
#include <linux/xarray.h>

struct dentry;
struct elf64_phdr;
struct device;
struct iommu_domain;
struct list_head;
struct pci_dev;
struct seq_file;

/* crashk_res and crashk_low_res */
#define KDUMP_IOMMU_MAX_WINDOWS	2

/**
 * enum kdump_iommu_mode - the kdump_iommu= kernel parameter
 * @KDUMP_IOMMU_OFF: no window in the primary kernel, no hand-off in the
 *	kdump kernel
 * @KDUMP_IOMMU_ON: both (the default)
 * @KDUMP_IOMMU_FORCE: as on, but a kdump kernel hands off even when its
 *	check fails; only with CONFIG_KDUMP_IOMMU_RESERVE_DEBUG, to show
 *	what the check prevents
 */
enum kdump_iommu_mode {
	KDUMP_IOMMU_OFF,
	KDUMP_IOMMU_ON,
	KDUMP_IOMMU_FORCE,
};

/* Hooks in the IOMMU core and the drivers */
#ifdef CONFIG_KDUMP_IOMMU_RESERVE
void kdump_iommu_get_resv_regions(struct device *dev, struct list_head *head);
void kdump_iommu_device_added(struct device *dev);
void kdump_iommu_domain_freed(struct iommu_domain *domain);
#else
static inline void kdump_iommu_get_resv_regions(struct device *dev,
						struct list_head *head)
{
}

static inline void kdump_iommu_device_added(struct device *dev)
{
}

static inline void kdump_iommu_domain_freed(struct iommu_domain *domain)
{
}
#endif

/* Primary kernel (kdump_reserve.c) */
enum kdump_iommu_mode kdump_iommu_mode(void);
const char *kdump_iommu_mode_name(enum kdump_iommu_mode mode);
unsigned int kdump_iommu_crash_windows(struct kdump_iommu_range *windows);
bool kdump_iommu_overlaps(const struct kdump_iommu_range *windows,
			  unsigned int nr, u64 start, u64 end);
u64 kdump_iommu_leaf_size(u64 addr, u64 left, unsigned long pgsize_bitmap);
u64 kdump_iommu_nr_pages(const struct kdump_iommu_range *window,
			 unsigned long pgsize_bitmap, u64 *largest);
u64 kdump_iommu_leaf_tables(const struct kdump_iommu_range *window,
			    unsigned long pgsize_bitmap);
int kdump_iommu_match_targets(struct pci_dev *pdev, const char *list);
bool kdump_iommu_default_class(u32 class);

/* The targets when none are declared, as dmesg and the status file say */
#define KDUMP_IOMMU_DEFAULT_TARGETS \
	"default (trusted storage, network, InfiniBand, FC, USB and SD host controllers)"

/**
 * enum kdump_iommu_dev_state - what the crash kernel window is to a device
 * @KDUMP_DEV_NO_IOMMU: not behind an IOMMU (or in no IOMMU group)
 * @KDUMP_DEV_UNTRUSTED: untrusted (external-facing): never armed
 * @KDUMP_DEV_PASSTHROUGH: identity (pass-through) default domain: reaches
 *	all memory, the window changes nothing
 * @KDUMP_DEV_OTHER: a default domain that is neither DMA nor identity
 * @KDUMP_DEV_RESERVED: DMA domain, crash image not loaded: the window's
 *	IOVAs are reserved, nothing is mapped
 * @KDUMP_DEV_BLOCKED: DMA domain, crash image loaded, group not armed:
 *	the device cannot reach the crash kernel's memory
 * @KDUMP_DEV_ARMED: DMA domain with the window mapped 1:1
 * @KDUMP_DEV_DAMAGED: armed, but the window does not translate 1:1
 * @KDUMP_DEV_NR_STATES: number of states
 */
enum kdump_iommu_dev_state {
	KDUMP_DEV_NO_IOMMU,
	KDUMP_DEV_UNTRUSTED,
	KDUMP_DEV_PASSTHROUGH,
	KDUMP_DEV_OTHER,
	KDUMP_DEV_RESERVED,
	KDUMP_DEV_BLOCKED,
	KDUMP_DEV_ARMED,
	KDUMP_DEV_DAMAGED,
	KDUMP_DEV_NR_STATES,
};

/**
 * struct kdump_iommu_dev_info - one device, as the status view shows it
 * @state: see &enum kdump_iommu_dev_state
 * @group: its IOMMU group's id, -1 if none
 * @target: it is a target itself (declared, or by the default policy)
 * @armed_by: for an armed group, the target that armed it
 * @pgsize_bitmap: the page sizes of its default domain
 */
struct kdump_iommu_dev_info {
	enum kdump_iommu_dev_state state;
	int group;
	bool target;
	char armed_by[32];
	unsigned long pgsize_bitmap;
};

void kdump_iommu_dev_info(struct pci_dev *pdev,
			  struct kdump_iommu_dev_info *info);
bool kdump_iommu_is_armed(unsigned int *nr_groups,
			  struct kdump_iommu_range *windows,
			  unsigned int *nr_windows, bool *failed);
const char *kdump_iommu_declared(char *buf, size_t len);
void kdump_iommu_settle(void);

#if IS_ENABLED(CONFIG_KUNIT)
int kdump_iommu_parse_mode(const char *str, bool force_ok,
			   enum kdump_iommu_mode *mode);
unsigned int kdump_iommu_make_windows(const struct kdump_iommu_range *regions,
				      unsigned int nr_regions, u64 page_size,
				      u64 max_addr,
				      struct kdump_iommu_range *windows,
				      u64 *clipped);
#endif

/* Kdump kernel (kdump_handoff.c) */

/**
 * struct kdump_iommu_pte - what an old translation structure says of an IOVA
 * @phys: physical address the IOVA translates to (if mapped)
 * @size: size of the translation unit that holds the IOVA: the page that
 *	maps it, or the hole it lies in if it is not mapped (a power of two
 *	the IOVA's unit is aligned to)
 * @writable: device writes are allowed, at every level of the walk
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
 * @pte: result: filled in on success, and @pte->size on -ENOENT
 *
 * Return: 0 if @iova is mapped, -ENOENT if it is not (blocked), another
 * negative errno if the tables cannot be read or are not understood.
 */
typedef int (*kdump_iommu_lookup_t)(void *data, u64 iova,
				    struct kdump_iommu_pte *pte);

/**
 * enum kdump_iommu_old - how a device's old translation treats this kernel
 * @KDUMP_OLD_IDENTITY: its page tables map every page of this kernel's
 *	memory to itself, read/write: the crash kernel window
 * @KDUMP_OLD_BLOCKED: no page of it is mapped: the device cannot reach it
 * @KDUMP_OLD_MIXED: anything else, or the tables cannot be read
 * @KDUMP_OLD_PASSTHROUGH: DMA is not translated: the device reaches all
 *	memory, but that says nothing of a window
 * @KDUMP_OLD_ELSEWHERE: the addresses of its memory are mapped, but only to
 *	the crashed kernel's RAM (the rest not at all): the device cannot
 *	reach it either; if the crashed kernel armed a window, its domain is
 *	not one it kept those addresses free in (most likely a VFIO domain,
 *	with a guest's RAM there)
 * @KDUMP_OLD_NR: number of states
 */
enum kdump_iommu_old {
	KDUMP_OLD_IDENTITY,
	KDUMP_OLD_BLOCKED,
	KDUMP_OLD_MIXED,
	KDUMP_OLD_PASSTHROUGH,
	KDUMP_OLD_ELSEWHERE,
	KDUMP_OLD_NR,
};

/**
 * struct kdump_iommu_walk - the result of a walk over old tables
 * @state: see &enum kdump_iommu_old; valid once @started
 * @started: at least one address was looked up
 * @iova: for %KDUMP_OLD_MIXED, the first address that decided it; for
 *	%KDUMP_OLD_ELSEWHERE, the first one mapped elsewhere
 * @phys: what @iova maps to, if @err is 0
 * @writable: and whether it is writable
 * @err: the lookup's error at @iova, or 0
 * @lookups: how many lookups the walk took
 * @old_ram: input: the crashed kernel's RAM, the only place an address of
 *	this kernel's memory may map to other than itself (none: nowhere)
 * @nr_old_ram: input: how many ranges @old_ram holds
 */
struct kdump_iommu_walk {
	enum kdump_iommu_old state;
	bool started;
	u64 iova;
	u64 phys;
	bool writable;
	int err;
	unsigned int lookups;
	const struct kdump_iommu_range *old_ram;
	unsigned int nr_old_ram;
};

enum kdump_iommu_old kdump_iommu_old_combine(enum kdump_iommu_old a,
					     enum kdump_iommu_old b);

/*
 * Deepest walk of an old page table: 6 levels on AMD-Vi (2.2.3), 5 on
 * VT-d (levels counted from 1, 9.8).
 */
#define KDUMP_IOMMU_OLD_LEVELS	7

/* Table formats of one driver: VT-d's second- and first-level tables */
#define KDUMP_IOMMU_OLD_FORMATS	2

/* ELF program headers read at most: one note per CPU, and the RAM */
#define KDUMP_IOMMU_PHNUM_MAX	8192

/* Reads the crashed kernel's ELF core header, as elfcorehdr_read() */
typedef ssize_t (*kdump_iommu_read_t)(char *buf, size_t count, u64 *ppos);

/**
 * struct kdump_iommu_old_tables - old table pages mapped for a walk
 * @level: per level, the page mapped last (@va NULL if none)
 * @level.phys: its physical address
 * @level.va: where it is mapped
 * @test_map: KUnit only: returns tables built in this kernel's memory
 *	instead of mapping old ones, NULL in a real walk
 *
 * A walk visits the same few tables again and again: keep the page of
 * each level mapped until the walk moves to another.  Start zeroed; end
 * with kdump_iommu_old_tables_done().
 */
struct kdump_iommu_old_tables {
	struct {
		u64 phys;
		u64 *va;
	} level[KDUMP_IOMMU_OLD_LEVELS];
#if IS_ENABLED(CONFIG_KUNIT)
	u64 *(*test_map)(u64 phys);
#endif
};

u64 *kdump_iommu_old_table(struct kdump_iommu_old_tables *t,
			   unsigned int level, u64 phys);
void kdump_iommu_old_tables_done(struct kdump_iommu_old_tables *t);

/**
 * struct kdump_iommu_handoff - one IOMMU driver's hand-off decision
 * @iommu: the driver's name for the IOMMU(s), for the log
 * @nr_identity: devices whose old page tables map this
 *	kernel's memory 1:1
 * @nr_passthrough: devices whose DMA is not translated
 * @nr_blocked: devices that cannot reach this kernel's memory
 * @nr_elsewhere: of @nr_blocked, those whose old tables map its addresses
 *	to the crashed kernel's RAM (%KDUMP_OLD_ELSEWHERE)
 * @nr_mixed: devices that can reach part of it, or other memory than the
 *	crashed kernel's RAM, or whose tables cannot be read
 * @nr_unwindowed: of @nr_blocked, the controllers a dump can be written
 *	through (kdump_iommu_default_class()), which a kdump kernel told
 *	nothing may need
 * @unwindowed: the first of @nr_unwindowed, for the log
 * @why: why the hand-off is refused: the first such device, or the
 *	reason the driver gave
 * @roots: verdicts per old page table root, for devices that share one
 * @blocked: the blocked devices, not driven after a hand-off
 * @required: kdump_iommu_devices= of this kernel: the devices its dump
 *	needs, which must be 1:1
 * @old_ram: the crashed kernel's RAM (sorted, merged), where its tables
 *	are and where a guest's memory may be
 * @nr_old_ram: how many ranges @old_ram holds
 */
struct kdump_iommu_handoff {
	const char *iommu;
	const char *required;
	unsigned int nr_identity;
	unsigned int nr_passthrough;
	unsigned int nr_blocked;
	unsigned int nr_elsewhere;
	unsigned int nr_mixed;
	unsigned int nr_unwindowed;
	u16 unwindowed;
	char why[128];
	struct xarray roots;
	struct list_head blocked;
	const struct kdump_iommu_range *old_ram;
	unsigned int nr_old_ram;
};

bool kdump_iommu_handoff_wanted(void);
void __init kdump_iommu_handoff_begin(struct kdump_iommu_handoff *h,
				      const char *iommu);
void kdump_iommu_walk_ram(const struct kdump_iommu_handoff *h,
			  kdump_iommu_lookup_t lookup, void *data,
			  struct kdump_iommu_walk *w);
enum kdump_iommu_old kdump_iommu_handoff_root(struct kdump_iommu_handoff *h,
					      u64 root, unsigned int levels,
					      unsigned int format,
					      kdump_iommu_lookup_t lookup,
					      void *data,
					      struct kdump_iommu_old_tables *t,
					      u16 rid);
void kdump_iommu_handoff_device(struct kdump_iommu_handoff *h,
				struct pci_dev *pdev,
				enum kdump_iommu_old state);
__printf(3, 4) void kdump_iommu_handoff_why(struct kdump_iommu_handoff *h,
					    u16 rid, const char *fmt, ...);
bool kdump_iommu_handoff_end(struct kdump_iommu_handoff *h);
void kdump_iommu_handoff_guard(void);
void kdump_iommu_status_handoff(struct seq_file *seq);
const char *kdump_iommu_devices_param(void);

#if IS_ENABLED(CONFIG_KUNIT)
void kdump_iommu_walk_range(kdump_iommu_lookup_t lookup, void *data,
			    u64 start, u64 end, struct kdump_iommu_walk *w);
bool kdump_iommu_handoff_decide(unsigned int identity, unsigned int passthrough,
				unsigned int blocked, unsigned int mixed);
const char *kdump_iommu_device_refuses(enum kdump_iommu_old state, bool told,
				       bool needed, bool untrusted,
				       bool dump_class, bool *unwindowed);
bool kdump_iommu_handoff_count(struct kdump_iommu_handoff *h, u16 rid,
			       enum kdump_iommu_old state, bool needed,
			       bool untrusted, bool dump_class);
bool kdump_iommu_handoff_ok(const struct kdump_iommu_handoff *h);
int kdump_iommu_old_ram_add(struct kdump_iommu_range *ram, int nr, int max,
			    const struct elf64_phdr *phdr);
unsigned int kdump_iommu_old_ram_tidy(struct kdump_iommu_range *ram,
				      unsigned int nr, u64 floor);
int kdump_iommu_old_ram_parse(kdump_iommu_read_t read, u64 addr, u64 size,
			      struct kdump_iommu_range *ram, int max,
			      u64 floor);
const struct kdump_iommu_range *
kdump_iommu_old_ram_overlap(const struct kdump_iommu_range *ram,
			    unsigned int nr);
bool kdump_iommu_old_table_ok(const struct kdump_iommu_range *ram,
			      unsigned int nr, u64 phys);
bool kdump_iommu_within(const struct kdump_iommu_range *ranges,
			unsigned int nr, u64 start, u64 size);
#endif

/* Testing only (kdump_debug.c, CONFIG_KDUMP_IOMMU_RESERVE_DEBUG) */
#ifdef CONFIG_KDUMP_IOMMU_RESERVE_DEBUG
bool kdump_iommu_fail_arm(void);
size_t kdump_iommu_damage_domain(struct iommu_domain *domain, u64 *iova);
void kdump_iommu_debugfs_init(struct dentry *dir);
#else
static inline bool kdump_iommu_fail_arm(void)
{
	return false;
}

static inline void kdump_iommu_debugfs_init(struct dentry *dir)
{
}
#endif

#endif /* _DRIVERS_IOMMU_KDUMP_IOMMU_H */
