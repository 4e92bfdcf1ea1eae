// SPDX-License-Identifier: GPL-2.0
/*
 * The kdump crash kernel window: /sys/kernel/debug/kdump_iommu/status.
 *
 * In the primary kernel: the windows, the targets, whether a crash image
 * is loaded, and for every PCI device what the window is to it (armed,
 * and by which target of its group; blocked; reserved only; pass-through;
 * untrusted).  In a kdump kernel: what the hand-off decided, and why.
 *
 * Copyright (C) 2026 The kdump-iommu authors
 */

#include <linux/crash_dump.h>
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/seq_file.h>

#include "kdump_iommu.h"

/* The device states as the per-state counts name them */
static const char * const kdump_iommu_state_keys[KDUMP_DEV_NR_STATES] = {
	[KDUMP_DEV_NO_IOMMU] = "no-iommu",
	[KDUMP_DEV_UNTRUSTED] = "untrusted",
	[KDUMP_DEV_PASSTHROUGH] = "pass-through",
	[KDUMP_DEV_OTHER] = "other",
	[KDUMP_DEV_RESERVED] = "reserved",
	[KDUMP_DEV_BLOCKED] = "blocked",
	[KDUMP_DEV_ARMED] = "armed",
	[KDUMP_DEV_DAMAGED] = "damaged",
};

static const char * const kdump_iommu_state_names[KDUMP_DEV_NR_STATES] = {
	[KDUMP_DEV_NO_IOMMU] = "no IOMMU",
	[KDUMP_DEV_UNTRUSTED] = "untrusted: never armed",
	[KDUMP_DEV_PASSTHROUGH] = "pass-through: reaches all memory, window or not",
	[KDUMP_DEV_OTHER] = "not in a DMA domain",
	[KDUMP_DEV_RESERVED] = "reserved, not mapped (no crash kernel loaded)",
	[KDUMP_DEV_BLOCKED] = "blocked from the crash kernel's memory",
	[KDUMP_DEV_ARMED] = "armed",
	[KDUMP_DEV_DAMAGED] = "armed, but the window is NOT mapped 1:1",
};

static void kdump_iommu_status_primary(struct seq_file *seq)
{
	struct kdump_iommu_range windows[KDUMP_IOMMU_MAX_WINDOWS];
	unsigned int nr[KDUMP_DEV_NR_STATES] = {}, i, nr_windows, nr_groups;
	unsigned long pgsize_bitmap = 0;
	struct kdump_iommu_dev_info info;
	struct pci_dev *pdev = NULL;
	char targets[256];
	bool armed, failed;

	kdump_iommu_settle();
	armed = kdump_iommu_is_armed(&nr_groups, windows, &nr_windows, &failed);
	if (!armed)
		nr_windows = kdump_iommu_crash_windows(windows);
	if (!nr_windows) {
		seq_puts(seq, "windows: none\n");
		return;
	}
	for (i = 0; i < nr_windows; i++)
		seq_printf(seq, "window: %#llx-%#llx (%llu MiB)\n",
			   windows[i].start, windows[i].end,
			   (windows[i].end - windows[i].start + 1) >> 20);
	seq_printf(seq, "crash kernel: %s\n",
		   failed ? (armed ? "loaded, window OFF after a failure (see dmesg)" :
				     "not loaded; window OFF after a failure (see dmesg)") :
		   armed ? "loaded, window armed" : "not loaded, nothing mapped");
	seq_printf(seq, "targets: %s\n",
		   kdump_iommu_declared(targets, sizeof(targets)) ?:
		   KDUMP_IOMMU_DEFAULT_TARGETS);

	seq_puts(seq, "devices:\n");
	for_each_pci_dev(pdev) {
		kdump_iommu_dev_info(pdev, &info);
		nr[info.state]++;
		seq_printf(seq, "  %s\t", pci_name(pdev));
		if (info.group >= 0)
			seq_printf(seq, "group %d\t", info.group);
		else
			seq_puts(seq, "-\t");
		seq_puts(seq, kdump_iommu_state_names[info.state]);
		if (info.state == KDUMP_DEV_ARMED || info.state == KDUMP_DEV_DAMAGED) {
			if (!strcmp(info.armed_by, pci_name(pdev)))
				seq_puts(seq, " (target)");
			else
				seq_printf(seq, " (in the group of target %s)",
					   info.armed_by);
			pgsize_bitmap = info.pgsize_bitmap;
		} else if (info.target) {
			seq_puts(seq, " (target)");
		}
		seq_putc(seq, '\n');
	}
	seq_printf(seq, "groups armed: %u\n", armed ? nr_groups : 0);
	for (i = 0; i < KDUMP_DEV_NR_STATES; i++)
		seq_printf(seq, "devices %s: %u\n", kdump_iommu_state_keys[i],
			   nr[i]);
	/* What iommu_map() made of the windows, in an armed domain */
	for (i = 0; pgsize_bitmap && i < nr_windows; i++) {
		u64 largest, pages;

		pages = kdump_iommu_nr_pages(&windows[i], pgsize_bitmap, &largest);
		seq_printf(seq, "window %u: %llu IOMMU pages per domain, up to %llu KiB, in %llu page tables\n",
			   i, pages, largest >> 10,
			   kdump_iommu_leaf_tables(&windows[i], pgsize_bitmap));
	}
}

static int kdump_iommu_status_show(struct seq_file *seq, void *v)
{
	seq_printf(seq, "mode: %s\n", kdump_iommu_mode_name(kdump_iommu_mode()));
	if (is_kdump_kernel()) {
		seq_puts(seq, "kernel: kdump\n");
		kdump_iommu_status_handoff(seq);
		return 0;
	}
	seq_puts(seq, "kernel: primary\n");
	if (kdump_iommu_mode() != KDUMP_IOMMU_OFF)
		kdump_iommu_status_primary(seq);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kdump_iommu_status);

static int __init kdump_iommu_debugfs_setup(void)
{
	struct dentry *dir = debugfs_create_dir("kdump_iommu", NULL);

	debugfs_create_file("status", 0444, dir, NULL, &kdump_iommu_status_fops);
	kdump_iommu_debugfs_init(dir);
	return 0;
}
late_initcall(kdump_iommu_debugfs_setup);
