// SPDX-License-Identifier: GPL-2.0
/*
 * The kdump crash kernel window on the x86 crash path.
 *
 * A kdump kernel that hands off to the crashed kernel's IOMMU translation
 * relies on the windows that kernel armed still being intact: the 2008
 * objection to this design was that it makes kdump depend on the
 * integrity of primary-kernel structures.  So, once the other CPUs are
 * stopped, check every armed window (one lookup per leaf page, no lock,
 * no allocation) and leave the verdict in VMCOREINFO, where the kdump
 * kernel reads it before it decides to skip DMA-remapping initialisation
 * and where it stays in the dump for whoever reads it later.
 *
 * Copyright (C) 2026 The kdump-iommu authors
 */

#include <linux/crash_core.h>
#include <linux/kdump_iommu.h>

#include <asm/crash.h>

void crash_iommu_check(void)
{
	/* Static: nothing on the crash path may allocate. */
	static char verdict[160];

	if (kdump_iommu_crash_check(verdict, sizeof(verdict)) < 0)
		return;
	vmcoreinfo_append_str("KDUMP_IOMMU_WINDOW=%s\n", verdict);
	update_vmcoreinfo_note();
}
