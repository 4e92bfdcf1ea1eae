#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Kdump through an emulated IOMMU, end to end, in QEMU.

For each test case: boot the kernel under QEMU with a vIOMMU (Intel VT-d or
AMD-Vi), load the same kernel as crash kernel with kexec -p, panic, let the
kdump kernel write /proc/vmcore with makedumpfile onto a disk whose DMA is
translated by the vIOMMU, and verify on the host that the dump is complete:
rebuilt by makedumpfile -R, opened by crash(8) with the matching vmlinux,
and holding the marker the primary kernel left in memory.

Each case writes OUTDIR/<case>/result.json and the run ends with a table.
A case may declare an expected failure (a known stock-kernel bug); a result
that differs from the expectation, either way, fails the run.

Exit status: 0 if every case met its expectation, 1 otherwise, 2 on bad
usage.
"""

import argparse
import contextlib
import io
import json
import multiprocessing
import os
import re
import secrets
import selectors
import shutil
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))

MEM = '1G'
CRASHKERNEL = '256M'
# no_timer_check (both kernels): under TCG the boot-time check of the
# IO-APIC timer now and then finds it too slow and panics ("timer doesn't
# work through Interrupt-remapped IO-APIC", seen on 6.12 with AMD-Vi
# interrupt remapping, before any of this code runs); virtual machines'
# usual option.
PRIMARY_CMDLINE = 'console=ttyS0 panic=-1 oops=panic no_timer_check'
# What distributions pass to the kdump kernel (kdump-tools, kexec-tools),
# without irqpoll: it would hide a lost interrupt by polling every handler
# on every timer tick.  The vtd-irqpoll case runs with it.
KDUMP_CMDLINE = 'console=ttyS0 nr_cpus=1 reset_devices panic=-1 no_timer_check'

# Fixed PCI addresses, so a case can name its devices on the command line.
DUMP_BDF = '0000:00:05.0'
EDU_BDF = '0000:00:06.0'
BUSY_BDF = '0000:00:07.0'
# QEMU's own NIC (q35: e1000e), which the test kernel has no driver for
NIC_BDF = '0000:00:02.0'


# Free slots on q35's root bus (00:01 VGA, 00:02 NIC, 00:03 AMD-Vi,
# 00:05-07 ours, 00:1f ICH9): with them, ~30 PCI functions sit behind
# the IOMMU.
MANY_SLOTS = [0x4] + list(range(0x8, 0x1f))

# PCIe root ports, eight functions a slot: each has ACS, so each is an
# IOMMU group of its own with a DMA domain.  No I/O or memory windows to
# reserve behind them: nothing is plugged in.
PORT_SLOTS = [0x4, 0x6, 0x7] + list(range(0x8, 0x1f))
NR_PORTS = 8 * len(PORT_SLOTS)

# The vIOMMU models.  VT-d interrupt remapping needs the split irqchip.
VTD = ['-machine', 'q35,kernel-irqchip=split', '-device']
AMD = ['-machine', 'q35,kernel-irqchip=split', '-device']


def vtd(opts=''):
    return VTD + ['intel-iommu' + (',' + opts if opts else '')]


def amd(opts=''):
    return AMD + ['amd-iommu' + (',' + opts if opts else '')]


# Each case: the vIOMMU, extra command line for the primary and the kdump
# kernel, the dump disk, and what is expected: the outcome ("pass", or
# "hang": no dump and no progress), how the kdump kernel treats the IOMMU
# it inherits ("skip": our hand-off, "copy": the driver's usual path of
# copying the old tables, "forced": skipped against a failed check), and
# whether the kdump kernel logs DMA faults.
#
# Stock 6.1 with VT-d, caching mode off and the primary in iommu=pt hangs
# in the kdump kernel: it copies the old pass-through context entries, and
# when it attaches the device, domain_context_mapping_one() invalidates the
# old entry while it is still present and only then writes the translated
# one, with a write-buffer flush and no context-cache invalidation after
# the write.  VT-d allows the IOMMU to keep using the cached pass-through
# entry (spec 6.5.3.3), and QEMU does: the device takes IOVAs as physical
# addresses and the virtio ring breaks.  caching-mode=on adds the flush
# after the write.  The series' first patch clears the entry before the
# invalidation; vtd-pt-stock takes that path (mk/fix-check.sh runs it on
# stock 6.1 with and without that patch alone).  With the hand-off the
# kdump kernel never touches the context entries.
# The rogue-early cases' write lands at the start of the crash region, where
# kexec_file_load puts the ELF core header.  Up to 6.5 purgatory checks it
# with the rest of the image and stops the kdump kernel; since 6.6, with
# CONFIG_CRASH_HOTPLUG, the header is left out of the digest (it is
# rewritten on hot-plug), so the kdump kernel boots and finds no
# /proc/vmcore.  Either way the dump is lost: that is the case's point.
ELFCOREHDR_UNCHECKED = [((6, 6), dict(
    expect='fail', no_kdump=False,
    console=[None, r'KDT: FAIL kdump kernel without /proc/vmcore']))]


def for_kernel(release):
    """Fit the cases to the kernel under test (its release): a case's
    'since' lists ((major, minor), changes) for kernels from that version
    on; None in a changed list keeps the case's own item there."""
    m = re.match(r'(\d+)\.(\d+)', release)
    version = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    for c in CASES.values():
        for since, changes in c.get('since', ()):
            if version < since:
                continue
            for k, v in changes.items():
                if isinstance(v, list):
                    old = c.get(k) or []
                    v = [old[i] if x is None else x for i, x in enumerate(v)]
                c[k] = v


def _cases():
    c = {}
    vtd_models = {
        'vtd': ('intremap=on', '', 'VT-d, interrupt remapping on'),
        'vtd-cm': ('intremap=on,caching-mode=on', '', 'VT-d, caching mode'),
        'vtd-aw48': ('intremap=on,aw-bits=48', '', 'VT-d, 4-level tables'),
        'vtd-sm': ('intremap=on,x-scalable-mode=on', 'intel_iommu=sm_on',
                   'VT-d, scalable mode'),
        'vtd-noir': ('intremap=off', '', 'VT-d, no interrupt remapping'),
    }
    for name, (opts, cmdline, what) in vtd_models.items():
        for pt in (False, True):
            c[name + ('-pt' if pt else '')] = dict(
                iommu='vtd', qemu=vtd(opts),
                primary=(cmdline + (' iommu=pt' if pt else '')).strip(),
                kdump=cmdline, ir='intremap=on' in opts,
                what=what + (', primary in iommu=pt' if pt else ''),
                expect='pass', path='skip', faults='none')
    vt = c['vtd']
    # Controls.  Fallback: no window in the primary, so the kdump kernel's
    # check fails and it copies the tables as stock 6.1 does.
    c['vtd-off'] = dict(vt, primary='kdump_iommu=off', path='copy',
                        console=[r"no device's old tables map this kernel's "
                                 r'memory 1:1 \(\d+ blocked, \d+ pass-through\)'],
                        what='VT-d, primary without the window: fallback')
    # Negative control: no window, but the kdump kernel skips anyway.
    c['vtd-off-force'] = dict(
        vt, primary='kdump_iommu=off', kdump='kdump_iommu=force',
        expect='hang', path='forced', faults='some',
        what='VT-d, no window, kdump forced to skip: DMA faults, no dump')
    # Stock's path where stock hangs, with the hand-off turned off in the
    # kdump kernel: the copied context entries, replaced as the first
    # patch does.
    c['vtd-pt-stock'] = dict(
        c['vtd-pt'], kdump='kdump_iommu=off', path='copy',
        what='VT-d, primary iommu=pt, kdump_iommu=off in kdump: the copy '
        'path that hangs in stock 6.1',
        # Stock 6.1: the disk took its driver's IOVAs for physical
        # addresses, and QEMU stopped its queue.
        without_fix=dict(console=[r'Guest says index \d+ is available']))
    # Pass-through needs no window: the kdump side alone fixes the hang.
    c['vtd-pt-off'] = dict(
        c['vtd-pt'], primary='iommu=pt kdump_iommu=off',
        what='VT-d, primary iommu=pt without the window')
    # What distributions pass, irqpoll included.
    c['vtd-irqpoll'] = dict(vt, kdump='irqpoll',
                            what='VT-d, kdump kernel with irqpoll')
    # QEMU's amd-iommu,intremap=off still lets Linux enable interrupt
    # remapping (the IVRS has no way to say there is none); amd-noir also
    # turns it off in Linux, so device MSIs bypass the device table.
    amd_models = {
        'amd': ('', '', 'AMD-Vi, QEMU intremap=off'),
        'amd-ir': ('intremap=on', '', 'AMD-Vi, interrupt remapping on'),
        'amd-noir': ('', 'intremap=off', 'AMD-Vi, no interrupt remapping in Linux'),
    }
    # QEMU 7.2's AMD-Vi logs no I/O page fault events, so AMD cases cannot
    # count faults: they are judged by outcome and path.
    for name, (opts, cmdline, what) in amd_models.items():
        for pt in (False, True):
            c[name + ('-pt' if pt else '')] = dict(
                iommu='amd', qemu=amd(opts),
                primary=(cmdline + (' iommu=pt' if pt else '')).strip(),
                kdump=cmdline, ir='intremap=off' not in cmdline,
                what=what + (', primary in iommu=pt' if pt else ''),
                expect='pass', path='skip', faults=None)
    am = c['amd-ir']
    c['amd-off'] = dict(am, primary='kdump_iommu=off', path='copy',
                        console=[r"no device's old tables map this kernel's "
                                 r'memory 1:1 \(\d+ blocked, \d+ pass-through\)'],
                        what='AMD-Vi + IR, primary without the window: fallback')
    c['amd-off-force'] = dict(
        am, primary='kdump_iommu=off', kdump='kdump_iommu=force',
        expect='hang', path='forced',
        what='AMD-Vi + IR, no window, kdump forced to skip: no dump')
    c['amd-pt-off'] = dict(
        c['amd-ir-pt'], primary='iommu=pt kdump_iommu=off',
        what='AMD-Vi + IR, primary iommu=pt without the window')
    # Old kdump guides turn the IOMMU off in the kdump kernel.  Stock 6.1
    # then leaves the AMD IOMMU translating with the crashed kernel's
    # tables and hangs (VT-d disables its units: intel_disable_iommus()).
    for opt, tag in (('amd_iommu=off', 'amdoff'), ('iommu=off', 'off')):
        c['amd-kdump-' + tag] = dict(
            am, kdump=opt, ir=False, path='off',
            # In the kdump kernel: told so, it found the IOMMU on and read
            # IommuEn (bit 0) back clear.
            kdump_console=[r'Command line: .*(?<![a-z_])%s' % opt,
                           r'AMD-Vi: IOMMU at 0x[0-9a-f]+ was left enabled: '
                           r'disabled \(control (0|0x[0-9a-f]*[02468ace])\)'],
            what='AMD-Vi + IR, %s in the kdump kernel: the IOMMU the crashed '
            'kernel left on is turned off' % opt,
            # Stock 6.1: interrupts through the old remapping tables.
            without_fix=dict(path='init', kdump_console=[], console=[
                r'qemu-system-x86_64: failed to remap interrupt from devid']))
    # A device the check never saw (the busy disk removed and found again
    # by a rescan in the kdump kernel) is not driven there.
    c['late-vtd'] = dict(
        vt, devices=['busy'], pre_dump='late_device',
        kdump_console=[r'KDT: late: before: driver=virtio-pci$',
                       r'0000:00:07\.0: kdump_iommu: added after the check: '
                       r'not driven in this kernel',
                       r'KDT: late: after: driver= override=kdump_iommu_unchecked$'],
        what='VT-d, a device added after the check in the kdump kernel: '
        'not driven')
    # Scalable mode: the PASID cache too.
    c['vtd-sm']['kdump_console'] = [
        r'DMAR: kdump: invalidated the context, PASID and IOTLB caches and '
        r'0 device TLBs$']
    # Device TLBs: the disk with ATS on.  After its check the kdump kernel
    # invalidates the caches before any DMA through the old tables; QEMU
    # traces the global invalidations (nothing traces device-TLB ones).
    c['vtd-ats'] = dict(
        vt, disk='virtio-ats',
        qemu=vtd('intremap=on,device-iotlb=on') +
        ['-trace', 'vtd_inv_desc_cc_global', '-trace', 'vtd_inv_desc_iotlb_global'],
        kdump_console=[r'kdump_iommu: .*skipping DMA-remapping initialisation',
                       r'vtd_inv_desc_cc_global', r'vtd_inv_desc_iotlb_global',
                       r'DMAR: kdump: invalidated the context and IOTLB caches '
                       r'and 1 device TLB$'],
        what='VT-d, the disk with ATS on: caches and its device TLB invalidated')
    # The same through NVMe, and through kexec_file_load.
    c['vtd-nvme'] = dict(c['vtd'], disk='nvme', what='VT-d, dump to NVMe')
    c['amd-ir-nvme'] = dict(c['amd-ir'], disk='nvme',
                            what='AMD-Vi + IR, dump to NVMe')
    for name in ('vtd', 'vtd-pt', 'amd-ir', 'amd-ir-pt'):
        c[name + '-file'] = dict(c[name], kexec='file',
                                 what=c[name]['what'] + ', kexec_file_load')
    # In-guest tests (no crash): reserved_regions, status, kexec_crash_size.
    for name, primary, what in (
            ('ks-vtd', '', 'in-guest tests, VT-d'),
            ('ks-vtd-pt', 'iommu=pt', 'in-guest tests, VT-d, iommu=pt'),
            ('ks-vtd-sm', 'intel_iommu=sm_on', 'in-guest tests, VT-d scalable'),
            ('ks-vtd-off', 'kdump_iommu=off',
             'in-guest tests, kdump_iommu=off: the checks flip'),
            ('ks-vtd-badparam', 'kdump_iommu=bogus',
             'in-guest tests, malformed kdump_iommu=: reported, stays on')):
        c[name] = dict(vt, mode='kselftest', primary=primary, what=what,
                       path=None, faults=None)
    for name, primary, what in (
            ('ks-amd', '', 'in-guest tests, AMD-Vi + IR'),
            ('ks-amd-pt', 'iommu=pt', 'in-guest tests, AMD-Vi + IR, iommu=pt'),
            ('ks-amd-off', 'kdump_iommu=off',
             'in-guest tests, AMD-Vi, kdump_iommu=off: the checks flip')):
        c[name] = dict(am, mode='kselftest', primary=primary, what=what,
                       path=None, faults=None)
    c['ks-vtd-sm']['qemu'] = vtd('intremap=on,x-scalable-mode=on')
    c['ks-vtd-baddevices'] = dict(
        c['ks-vtd'], primary='kdump_iommu_devices=0000:00:05.0;zz:1',
        console=[r"kdump_iommu: targets: 'zz:1' is not a PCI device",
                 r'kdump_iommu: ignoring kdump_iommu_devices=0000:00:05.0;zz:1: '
                 r'using the default targets'],
        what='in-guest tests, malformed kdump_iommu_devices=: reported, '
        'the default targets kept')
    c['ks-vtd-devices'] = dict(
        c['ks-vtd'], primary='kdump_iommu_devices=0000:00:05.0',
        console=[r'kdump_iommu: targets: 0000:00:05\.0$'],
        what='in-guest tests, kdump_iommu_devices= names the disk')
    c['ks-vtd-badparam']['console'] = [
        r'kdump_iommu: ignoring kdump_iommu=bogus: expected on or off or force; '
        r'keeping on']
    # The IOMMU's own PCI function is in no IOMMU group: as a target it is
    # refused and nothing is armed; the kdump kernel, finding no window,
    # must not hand off on a check that found nothing (it used to).
    c['amd-vacuous'] = dict(
        c['amd-ir'], primary='kdump_iommu_devices=0000:00:03.0', path='copy',
        console=[r'0000:00:03\.0: kdump_iommu: cannot be a kdump target: not '
                 r'behind an IOMMU',
                 r'no target device in a DMA domain: nothing armed',
                 r"no device's old tables map this kernel's memory 1:1"],
        what='AMD-Vi + IR; only the IOMMU\'s own function declared: nothing '
        'armed, no hand-off')
    _fault_cases(c)
    _layout_cases(c)
    # After a hand-off, the driver's debugfs reads without tables of its
    # own (init.sh reads every IOMMU debugfs file in the kdump kernel).
    c['vtd'] = dict(c['vtd'], kdump_console=c['vtd'].get('kdump_console', []) + [
        r'KDT: iommu debugfs: [1-9]\d* files read'])
    for v in c.values():
        v.setdefault('crashkernel', CRASHKERNEL)
        v.setdefault('mem', MEM)
        v.setdefault('devices', [])
        v.setdefault('pre_panic', '')
        v.setdefault('pre_load', '')
        v.setdefault('declare', '')
        v.setdefault('disk', 'virtio')
        v.setdefault('kexec', 'load')
        v.setdefault('mode', 'kdump')
        v.setdefault('console', [])
    return c


def _fault_cases(c):
    """Cases of DMA isolation and of faults: a rogue device, the dump's
    devices declared or not, DMA in flight at the panic, a damaged window,
    a window that fails to arm."""
    both = DUMP_BDF + ';' + EDU_BDF
    for base, tag in (('vtd', 'vtd'), ('amd-ir', 'amd')):
        b = c[base]
        vtd_fault = 'some' if tag == 'vtd' else None
        # QEMU's edu writes 2 KiB of zeros to the start of the crash region
        # and init.sh reads it back through /dev/mem: blocked or landed.
        # One guest goes through the life of a crash kernel: none loaded,
        # loaded with edu declared, unloaded again, loaded with the default
        # targets (edu is none of them); then the dump.
        c['rogue-' + tag] = dict(
            b, kexec='file', devices=['edu'], pre_load='edu_check unloaded',
            declare=both,
            pre_panic='edu_check loaded-declared; unload_crash_kernel; '
            'edu_check unloaded-again; declare_devices ""; '
            'load_crash_kernel; edu_check loaded-default',
            kdump_told='',
            primary_faults=vtd_fault, faults=None,
            console=[r'KDT: edu: unloaded: write blocked',
                     r'KDT: edu: loaded-declared: write landed',
                     r'KDT: edu: unloaded-again: write blocked',
                     r'KDT: edu: loaded-default: write blocked',
                     r'kdump_iommu: crash kernel unloaded: window unmapped'],
            what=b['what'] + '; edu writes into the crash region: no crash '
            'kernel, declared, unloaded, default targets')
        # The control that costs the dump: edu declared, its write lands on
        # the loaded image, purgatory's checksum stops the kdump kernel.
        c['rogue-early-' + tag] = dict(
            b, kexec='file', devices=['edu'], declare=both,
            pre_panic='edu_check loaded-declared', expect='hang', path=None,
            faults=None, no_kdump=True,
            console=[r'KDT: edu: loaded-declared: write landed'],
            since=ELFCOREHDR_UNCHECKED,
            what=b['what'] + '; edu declared writes into the loaded image: '
            'no kdump kernel (6.6+: no /proc/vmcore)')
        # A write at the panic, while the kdump kernel boots.
        c['rogue-panic-' + tag] = dict(
            b, kexec='file', devices=['edu'],
            pre_panic='edu_dma_to_crash_region', faults=None,
            any_faults=vtd_fault,
            console=[r'KDT: edu: DMA write of 2048 bytes to 0x[0-9a-f]+ programmed'],
            what=b['what'] + '; edu (no target) writes at the panic: blocked')
        # Its write lands on the ELF core header at the start of the
        # region: before 6.6 purgatory's digest stops the kdump kernel,
        # since then the kdump kernel finds no dump to read.
        c['rogue-panic-%s-declared' % tag] = dict(
            c['rogue-panic-' + tag], declare=both, expect='hang',
            path=None, any_faults=None, no_kdump=True,
            since=ELFCOREHDR_UNCHECKED,
            what=b['what'] + '; edu declared writes at the panic: the ELF '
            'core header is lost')
    # What the window cannot protect: a pass-through device reaches all
    # memory, crash kernel or not.
    c['rogue-early-vtd-pt'] = dict(
        c['vtd-pt'], kexec='file', devices=['edu'],
        pre_panic='edu_check loaded-pt', expect='hang', path=None,
        faults=None, no_kdump=True,
        console=[r'KDT: edu: loaded-pt: write landed'],
        since=ELFCOREHDR_UNCHECKED,
        what='VT-d, iommu=pt; edu in pass-through writes into the loaded '
        'image: no kdump kernel (6.6+: no /proc/vmcore), with or without '
        'the window')
    # A group is armed whole: a two-function device without ACS (one
    # group), one function declared.
    for base, tag in (('vtd', 'vtd'), ('amd-ir', 'amd')):
        c['group-' + tag] = dict(
            c[base], devices=['edu-fn1'], multifunction=True,
            declare=DUMP_BDF, pre_panic='show_status',
            same_group=[DUMP_BDF, '0000:00:05.1'],
            console=[r'KDT: status:   0000:00:05\.0\tgroup \d+\tarmed \(target\)$',
                     r'KDT: status:   0000:00:05\.1\tgroup \d+\tarmed \(in the '
                     r'group of target 0000:00:05\.0\)$',
                     r'KDT: status:   0000:00:02\.0\tgroup \d+\tblocked from '
                     r"the crash kernel's memory$",
                     r'KDT: status: groups armed: 1$'],
            what=c[base]['what'] + '; two functions in one group, one '
            'declared: the group is armed whole')
    # Eight declared targets (and the disk), each its own group.
    eight = ';'.join('0000:00:%02x.0' % slot for slot in MANY_SLOTS[:8])
    c['targets8-vtd'] = dict(
        c['vtd'], devices=['many'], declare=DUMP_BDF + ';' + eight,
        pre_panic='show_status',
        console=[r'kdump_iommu: crash kernel loaded: window .* mapped 1:1 for '
                 r'9 devices',
                 r'KDT: status: groups armed: 9$'],
        what='VT-d; 8 PCI test devices and the disk declared, 29 others not')
    # Over 200 DMA domains: the default targets are armed, every root port
    # is blocked in the primary and not driven in the kdump kernel.
    c['ports-vtd'] = dict(
        c['vtd'], devices=['ports'], timeout=600,
        # PCI enumeration of the ports is 20 s of silence on its own
        idle=90,
        console=[r'kdump_iommu: crash kernel loaded: window .* mapped 1:1 for '
                 r'\d+ devices \(.*\); 2\d\d other devices blocked from it',
                 r'kdump_iommu: dmar0: old tables map this kernel\'s memory 1:1 '
                 r'for \d+ devices \(0 more in pass-through\), 2\d\d others '
                 r'cannot reach it'],
        what='VT-d; %d PCIe root ports, each its own DMA domain' % NR_PORTS)
    # The tooling declared the wrong device: the dump disk has no window.
    # Without more, the kdump kernel hands off and leaves the disk undriven
    # (no dump); told which devices it needs, it takes the usual path.
    # A kdump kernel told nothing finds the disk without the window and
    # takes the usual path; told the same wrong list, it hands off and
    # leaves the disk undriven (what it cannot know); told what it needs,
    # the usual path again.
    c['misdeclared-vtd'] = dict(
        c['vtd'], devices=['edu'], declare=EDU_BDF, kdump_told='', path='copy',
        console=[r'cannot hand off \(00:0[25]\.0: a controller a dump can be '
                 r'written through, without the window'],
        what='VT-d; edu declared instead of the disk, kdump kernel told '
        'nothing: the usual path')
    c['misdeclared-vtd-told'] = dict(
        c['misdeclared-vtd'], kdump_told=EDU_BDF, expect='fail', path='skip',
        console=[r'0000:00:05\.0: kdump_iommu: no crash kernel window: bus '
                 r'mastering off, not driven in this kernel',
                 r'KDT: FAIL no disk with serial kdtdump'],
        what='VT-d; edu declared instead of the disk, and the kdump kernel '
        'told so: the disk is not driven')
    c['misdeclared-vtd-required'] = dict(
        c['misdeclared-vtd'], kdump_told=DUMP_BDF, path='copy', console=[
            r'cannot hand off \(00:05\.0: needed by this kernel '
            r'\(kdump_iommu_devices=\), but the crashed kernel gave it no '
            r'window\)'],
        what='VT-d; edu declared instead of the disk, kdump kernel told it '
        'needs the disk: the usual path')
    # A second disk busy with reads when the panic hits.
    for base in ('vtd', 'amd-ir'):
        c['inflight-' + base] = dict(
            c[base], devices=['busy'], pre_panic='busy_io',
            what=c[base]['what'] + '; another disk doing DMA at the panic')
    # A window damaged before the panic: the kdump kernel finds the disk's
    # window partial and takes the usual path.
    for base in ('vtd', 'amd-ir'):
        c['damage-' + base] = dict(
            c[base], pre_panic='damage_window', path='copy',
            # (iommu_unmap() of a page of a large page takes all of it)
            console=[r'kdump_iommu: damaged the crash kernel window for testing',
                     r'cannot hand off \(00:05\.0: IOVA 0x[0-9a-f]+ (not '
                     r'mapped, but other pages of this kernel\'s memory are|'
                     r'mapped 1:1, but other pages of this kernel\'s memory '
                     r'are not)\)'],
            what=c[base]['what'] + '; window damaged before the panic')
    # The NIC assigned to a guest at the panic, bus mastering on: its VFIO
    # domain maps the crash region's IOVAs to the guest's memory, as VFIO
    # leaves a guest its whole IOVA space.  It cannot reach the kdump
    # kernel's memory: told nothing, the kdump kernel hands off all the
    # same (a NIC it may need would have the window, a guest's is not its
    # own), stops the NIC's bus mastering and drives it not.
    nic = re.escape(NIC_BDF)
    for base, tag in (('vtd', 'vtd'), ('amd-ir', 'amd')):
        c['vfio-' + tag] = dict(
            c[base], pre_panic='vfio_guest', pre_dump='vfio_state',
            vfio=NIC_BDF,
            console=[r'KDT: vfio_map: holding 0x[0-9a-f]+-0x[0-9a-f]+ -> '
                     r'anonymous memory$',
                     r'KDT: vfio: %s: bus master on, driver=vfio-pci$' % nic],
            kdump_console=[
                r'kdump_iommu: .*others cannot reach it \(1 map its addresses '
                r'elsewhere\): skipping DMA-remapping initialisation',
                r"%s: kdump_iommu: old translation maps this kernel's "
                r"addresses to the crashed kernel's memory: bus mastering "
                r'off, not driven in this kernel' % nic,
                r'KDT: vfio: %s: bus master off, driver=none$' % nic],
            what=c[base]['what'] + '; the NIC assigned to a guest (VFIO) with '
            'its RAM at the crash region\'s IOVAs: hand-off, NIC stopped')
    # Controls: the same, but the guest's "RAM" is the crash region itself,
    # 2 MiB on: the NIC reaches the kdump kernel's memory, no hand-off, and
    # nothing stops its bus mastering.
    for tag in ('vtd', 'amd'):
        c['vfio-into-' + tag] = dict(
            c['vfio-' + tag], pre_panic='vfio_guest into', path='copy',
            console=[r'KDT: vfio_map: holding 0x[0-9a-f]+-0x[0-9a-f]+ -> \d+$',
                     r'KDT: vfio: %s: bus master on, driver=vfio-pci$' % nic],
            kdump_console=[r'cannot hand off \(00:02\.0: IOVA 0x[0-9a-f]+ maps '
                           r'to 0x[0-9a-f]+, not 1:1\)',
                           r'KDT: vfio: %s: bus master on, driver=none$' % nic],
            what=c['vfio-' + tag]['what'].split(';')[0] + '; the NIC '
            'assigned to a guest whose RAM is the crash region 2 MiB on: '
            'no hand-off')
    # The same NIC assigned to a guest under a primary in iommu=pt: every
    # other device is in pass-through, so no window is armed, and nothing
    # shows that the crashed kernel kept the crash region's IOVAs free in
    # its domains.  A domain mapping them into its RAM could as well be a
    # DMA domain of a disk or NIC the dump needs: the usual path.
    c['vfio-pt-vtd'] = dict(
        c['vfio-vtd'], primary='iommu=pt', path='copy',
        kdump_console=[r"cannot hand off \(no device's old tables map this "
                       r"kernel's memory 1:1 \(1 blocked, \d+ pass-through\)",
                       r'KDT: vfio: %s: bus master on, driver=none$' % nic],
        what='VT-d, primary iommu=pt, the NIC assigned to a guest: no window, '
        'so no hand-off')
    for base in ('vtd', 'amd-ir'):
        c['failmap-' + base] = dict(
            c[base], primary='fail_kdump_iommu_window=1,100,0,1', path='copy',
            console=[r'cannot map the crash kernel window \(-12\)',
                     r'kdump_iommu: arming the crash kernel window failed '
                     r'\(-12\): turned off until reboot',
                     r"no device's old tables map this kernel's memory 1:1"],
            what=c[base]['what'] + '; arming fails when the crash kernel is '
            'loaded')


def _layout_cases(c):
    """crashkernel= layouts: each gives a clear message and a safe state.
    Regions beyond the IOMMU's address width need a guest with more than
    512 GiB of RAM: only KUnit covers those."""
    ks = dict(c['ks-vtd'], path=None, faults=None)
    for name, mem, ck, expect, console, what in (
            ('ck-absent', MEM, '', 'skip',
             [r'kdump_iommu: no crashkernel= reservation: no crash kernel window'],
             'no crashkernel=: no window, every test skipped'),
            ('ck-badaddr', MEM, '64M@0x10123000', 'skip',
             [r'crashkernel reservation failed',
              r'kdump_iommu: no crashkernel= reservation: no crash kernel window'],
             'crashkernel=X@Y at an address the kernel refuses: no window'),
            ('ck-odd', MEM, '126M@0x20100000', 'pass',
             [r'kdump_iommu: crash kernel window \[mem 0x20100000-0x27efffff\] \(126 MiB\)'],
             'crashkernel=X@Y with both ends off 2 MiB: 4 KiB pages at the ends'),
            ('ck-tiny', MEM, '2M', 'pass',
             [r'kdump_iommu: crash kernel window \[mem 0x[0-9a-f]+-0x[0-9a-f]+\] \(2 MiB\)'],
             'crashkernel=2M: a window too small for a crash kernel, still armed'),
            ('ck-highlow', '5G', '256M,high crashkernel=64M,low', 'pass',
             [r'kdump_iommu: crash kernel window \[mem 0x[0-9a-f]{8}-0x[0-9a-f]{8}\] \(64 MiB\)',
              r'kdump_iommu: crash kernel window \[mem 0x[1-9a-f][0-9a-f]{8}-0x[0-9a-f]{9}\] \(256 MiB\)'],
             'crashkernel=,high and ,low: two windows')):
        c[name] = dict(ks, mem=mem, crashkernel=ck, expect=expect,
                       console=console, what='in-guest tests, VT-d; ' + what)
    # A fixed @offset must not be where KASLR put the kernel, or the
    # reservation fails ("memory is in use") and the case tests nothing.
    c['ck-odd']['primary'] = (c['ck-odd']['primary'] + ' nokaslr').strip()
    # Since 6.9 (the generic crashkernel= code) x86 reserves X@Y only at a
    # Y aligned to 16 MiB (CRASH_ALIGN): only the end can be off 2 MiB.
    c['ck-odd']['since'] = [((6, 9), dict(
        crashkernel='127M@0x20000000',
        console=[r'kdump_iommu: crash kernel window \[mem 0x20000000-0x27efffff\] \(127 MiB\)'],
        what='in-guest tests, VT-d; crashkernel=X@Y with the end off 2 MiB '
        '(6.9+ aligns Y to 16 MiB): 4 KiB pages at the end'))]
    # Too small for the kdump kernel: kexec -p refuses to load it, as it
    # would without the window.
    c['ck-tiny-kdump'] = dict(
        c['vtd'], crashkernel='2M', expect='fail', path=None, faults=None,
        panics=False, console=[r'KDT: FAIL kexec -p failed'],
        what='VT-d; crashkernel=2M: kexec -p refuses, no crash')
    # The kdump kernel runs above 4 GiB, and DMAs through both windows.
    # The low region must leave DMA32 memory beyond the kdump kernel's
    # 64 MiB swiotlb: with crashkernel=64M,low, AMD-Vi's device table
    # allocation fails in the kdump kernel and it hangs, stock or not.
    c['ck-highlow-kdump'] = dict(
        c['vtd'], mem='5G', crashkernel='256M,high crashkernel=128M,low',
        console=[r'kdump_iommu: crash kernel window .*\(128 MiB\)',
                 r'kdump_iommu: crash kernel window .*\(256 MiB\)'],
        what='VT-d; crashkernel=,high and ,low: the kdump kernel above 4 GiB')
    c['ck-highlow-kdump-amd'] = dict(
        c['amd-ir'], mem='5G', crashkernel='256M,high crashkernel=128M,low',
        what='AMD-Vi + IR; crashkernel=,high and ,low: the kdump kernel above 4 GiB')


CASES = _cases()
GROUPS = {
    'all': list(CASES),
    'all-vtd': [n for n in CASES if CASES[n]['iommu'] == 'vtd' and
                CASES[n]['mode'] == 'kdump'],
    'all-amd': [n for n in CASES if CASES[n]['iommu'] == 'amd' and
                CASES[n]['mode'] == 'kdump'],
    'all-kselftest': [n for n in CASES if CASES[n]['mode'] == 'kselftest'],
    'controls': ['vtd-off', 'vtd-off-force', 'vtd-pt-stock', 'vtd-pt-off',
                 'amd-off', 'amd-off-force', 'amd-pt-off'],
    'faults': [n for n in CASES if n.split('-')[0] in
               ('rogue', 'inflight', 'damage', 'failmap', 'group', 'targets8',
                'misdeclared')],
    'layouts': [n for n in CASES if n.startswith('ck-')],
    'quick': ['vtd', 'vtd-pt', 'vtd-off-force', 'ks-vtd', 'amd-ir',
              'amd-off-force'],
    # What the soak and the debug-config run repeat: the main cases.
    'main': ['vtd', 'vtd-pt', 'vtd-sm', 'amd-ir', 'amd-ir-pt'],
}

# Seconds of silence that make an expected hang (the evidence that the
# case ran is checked on the console, not taken from the silence).
HANG_IDLE = 15

# Lines that report a DMA or interrupt-remapping fault.
FAULT_RE = {
    'vtd': re.compile(r'DMAR: \[(DMA (Read|Write)|INTR-REMAP)'),
    'amd': re.compile(r'AMD-Vi: Event logged \[|iommu.*Event logged \['),
}
# Reports of the debug options (KASAN, lockdep, UBSAN, might_sleep) and
# other kernel complaints; none may appear with --no-reports.
REPORT_RE = re.compile(r'BUG: |WARNING: |UBSAN: |possible circular locking|'
                       r'inconsistent lock state|sleeping function called from '
                       r'invalid context|DEBUG_LOCKS_WARN_ON|Oops:|'
                       r'general protection fault')

# What a debug kernel prints at boot when its checkers are on.
DEBUG_ON_RE = [
    ('KASAN', re.compile(r'kasan: KernelAddressSanitizer initialized')),
    ('lockdep', re.compile(r'Lock dependency validator')),
]

# How the kdump kernel dealt with the IOMMU it inherited.
PATH_RE = [
    ('forced', re.compile(r'kdump_iommu: .*\(forced\)')),
    ('skip', re.compile(r'kdump_iommu: .*skipping DMA-remapping')),
    ('copy', re.compile(r'(DMAR|AMD-Vi): .*(Copied translation tables|'
                        r'Copied DEV table) from previous kernel')),
    ('copy-failed', re.compile(r'Failed to copy (translation tables|DEV table)')),
    ('off', re.compile(r'(DMAR|AMD-Vi): .*disabled|IOMMU disabled')),
]


KMSG_TIME = re.compile(r'\[ *\d+\.\d{6}\] ')


def unsplice(lines):
    """The console prints a kernel message the moment it is logged, also in
    the middle of a line that user space is writing: "KDT: ab[  1.234567]
    msg", then "cd" on the next line.  Put "KDT: abcd" back together and
    keep the kernel message (and any that follow it) on lines of their
    own."""
    out, cut = [], None
    for t, line in lines:
        m = KMSG_TIME.search(line)
        if line.startswith('KDT: ') and m:
            if cut:
                out.append(cut)
            cut = (t, line[:m.start()])
            out.append((t, line[m.start():]))
        elif cut and not KMSG_TIME.match(line) and not line.startswith('KDT: '):
            out.append((cut[0], cut[1] + line))
            cut = None
        else:
            if cut and line.startswith('KDT: '):
                out.append(cut)     # its rest never came
                cut = None
            out.append((t, line))
    if cut:
        out.append(cut)
    return out


class Console:
    """Serial console lines with host timestamps (seconds since start)."""

    def __init__(self, lines):
        self.lines = unsplice(lines)

    def first(self, needle, after=0.0):
        for t, line in self.lines:
            if t >= after and needle in line:
                return t
        return None

    def text(self, start=None, end=None):
        return [l for t, l in self.lines
                if (start is None or t >= start) and (end is None or t < end)]

    @classmethod
    def load(cls, path):
        lines = []
        with open(path, errors='replace', newline='\n') as f:
            for raw in f:
                t, _, line = raw.rstrip('\n').partition(' ')
                lines.append((float(t), line))
        return cls(lines)


def run_qemu(cmd, logpath, timeout, idle, verbose):
    """Run QEMU, timestamp every console line into logpath.

    Returns 'exit' when the guest powered off, 'timeout' when it ran past
    timeout seconds, 'idle' when the console was silent for idle seconds.
    """
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ)
    try:
        how = _read_console(p, sel, logpath, start, timeout, idle, verbose)
    finally:
        # also when reading failed: no QEMU may outlive its case
        if p.poll() is None:
            p.kill()
        p.wait()
    return how


def _read_console(p, sel, logpath, start, timeout, idle, verbose):
    buf = b''
    last = start
    how = 'exit'
    with open(logpath, 'w') as log:
        def emit(raw):
            now = time.monotonic() - start
            line = raw.decode(errors='replace').rstrip('\r').replace('\r', ' ')
            log.write('%.3f %s\n' % (now, line))
            if verbose:
                print('  %7.2f | %s' % (now, line), flush=True)
            elif line.startswith('KDT: '):
                print('  %7.2f  %s' % (now, line[5:]), flush=True)
        while True:
            if sel.select(timeout=1.0):
                chunk = os.read(p.stdout.fileno(), 65536)
                if not chunk:
                    break
                last = time.monotonic()
                buf += chunk
                while b'\n' in buf:
                    raw, buf = buf.split(b'\n', 1)
                    emit(raw)
            now = time.monotonic()
            if now - start > timeout:
                how = 'timeout'
                break
            if now - last > idle:
                how = 'idle'
                break
        if buf:
            emit(buf)
    return how


def sh(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, errors='replace', **kw)


def build_initrds(base, bzimage, conf, d):
    """Per-case initrds: base image + /etc/kdt.conf (+ kernel for kexec)."""
    def cpio(root, out):
        files = sh(['find', '.', '-mindepth', '1'], cwd=root).stdout
        with open(out, 'wb') as f:
            subprocess.run(['cpio', '--quiet', '-o', '-H', 'newc', '-R', '0:0'],
                           input=files.encode(), stdout=f, cwd=root, check=True)

    def cat(parts, out):
        with open(out, 'wb') as f:
            for part in parts:
                with open(part, 'rb') as p:
                    shutil.copyfileobj(p, f)

    root = os.path.join(d, 'conf.d')
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, 'etc'))
    with open(os.path.join(root, 'etc', 'kdt.conf'), 'w') as f:
        for k, v in conf.items():
            f.write("%s='%s'\n" % (k, v.replace("'", "'\\''")))
    cpio(root, os.path.join(d, 'conf.cpio'))
    kdump_initrd = os.path.join(d, 'initrd-kdump')
    # Uncompressed archives first: the kernel's unpacker does not find an
    # archive that follows a compressed one.
    cat([os.path.join(d, 'conf.cpio'), base], kdump_initrd)

    boot = os.path.join(d, 'boot.d')
    shutil.rmtree(boot, ignore_errors=True)
    os.makedirs(os.path.join(boot, 'boot'))
    shutil.copy(bzimage, os.path.join(boot, 'boot', 'bzImage'))
    shutil.copy(kdump_initrd, os.path.join(boot, 'boot', 'initrd-kdump'))
    cpio(boot, os.path.join(d, 'boot.cpio'))
    primary_initrd = os.path.join(d, 'initrd-primary')
    cat([os.path.join(d, 'conf.cpio'), os.path.join(d, 'boot.cpio'), base],
        primary_initrd)
    shutil.rmtree(root)
    shutil.rmtree(boot)
    return primary_initrd


def disk_args(kind, img, multifunction=False):
    drive = ['-drive', 'if=none,id=dump,format=raw,file=' + img]
    mf = ',multifunction=on' if multifunction else ''
    if kind == 'nvme':
        return drive + ['-device', 'nvme,drive=dump,serial=kdtdump,addr=0x5' + mf]
    if kind == 'virtio-ats':
        # ATS needs a PCI Express device: behind a root port, not on the
        # root bus, where QEMU's virtio is a conventional PCI device.
        return drive + ['-device', 'pcie-root-port,id=rp5,chassis=5,addr=0x5' + mf,
                        '-device', 'virtio-blk-pci,drive=dump,serial=kdtdump,'
                        'iommu_platform=on,disable-legacy=on,ats=on,bus=rp5']
    return drive + ['-device', 'virtio-blk-pci,drive=dump,serial=kdtdump,'
                    'iommu_platform=on,disable-legacy=on,addr=0x5' + mf]


def extra_devices(case, d):
    """QEMU arguments for a case's extra devices: the edu DMA test device,
    and a second disk kept busy through the panic."""
    args = []
    if 'edu' in case['devices']:
        # edu's default DMA mask is 28 bits: widen it to reach any RAM
        args += ['-device', 'edu,dma_mask=0xffffffffffffffff,addr=0x6']
    if 'edu-fn1' in case['devices']:
        # The disk's second function: no ACS, so one IOMMU group with it
        args += ['-device', 'edu,dma_mask=0xffffffffffffffff,addr=0x5.1']
    if 'many' in case['devices']:
        # Fill q35's free root-bus slots with PCI test devices: each is
        # its own IOMMU group, so its own DMA domain with its own window.
        args += [a for slot in MANY_SLOTS
                 for a in ('-device', 'pci-testdev,addr=%#x' % slot)]
    if 'ports' in case['devices']:
        for i in range(NR_PORTS):
            args += ['-device', 'pcie-root-port,id=rp%d,bus=pcie.0,addr=%#x.%d,'
                     'chassis=%d,slot=%d,hotplug=off,io-reserve=0,mem-reserve=0,'
                     'pref64-reserve=0%s' %
                     (i, PORT_SLOTS[i // 8], i % 8, i % 255 + 1, i // 255,
                      ',multifunction=on' if i % 8 == 0 else '')]
    if 'busy' in case['devices']:
        img = os.path.join(d, 'busy.img')
        with open(img, 'wb') as f:
            f.truncate(256 << 20)
        args += ['-drive', 'if=none,id=busy,format=raw,file=' + img,
                 '-device', 'virtio-blk-pci,drive=busy,serial=kdtbusy,'
                 'iommu_platform=on,disable-legacy=on,addr=0x7']
    return args


# Debian 12's crash (8.0.2, 2022) reads a 6.1 dump whole, but stops on a
# 6.12 one while it sets up the panic task's context ("bt: invalid size
# request"), before any command runs.  Its minimal mode (log, rd, sym)
# still reads the dump's memory: the check then takes the node name and
# the release from init_uts_ns (struct new_utsname: sysname, nodename,
# release, ...) and the panic and the marker from the log.
CRASH_FULL_UPTO = (6, 1)


def kernel_version(vmlinux):
    """(major, minor) of the kernel in vmlinux, from its banner."""
    with open(vmlinux, 'rb') as f:
        m = re.search(rb'Linux version (\d+)\.(\d+)', f.read())
    return (int(m.group(1)), int(m.group(2))) if m else None


def verify_dump(vmcore, vmlinux, marker, release):
    """Open the dump with crash(8) and check it: returns (crash_ok,
    marker_ok, transcript)."""
    version = kernel_version(vmlinux)
    minimal = version is None or version > CRASH_FULL_UPTO
    cmds = ('rd -a init_uts_ns 200\nlog\nquit\n' if minimal else
            'sys\nlog\nquit\n')
    try:
        r = subprocess.run(['crash', '-s', '--kaslr=auto'] +
                           (['--minimal'] if minimal else []) + [vmlinux, vmcore],
                           input=cmds, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True,
                           errors='replace', timeout=300)
        out = r.stdout
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b'').decode(errors='replace') + '\n[crash timed out]'
    if minimal:
        uts = re.findall(r'^[0-9a-f]+:  (.*?)\s*$', out, re.M)[:3]
        uts += [None] * (3 - len(uts))
        crash_ok = (uts[0] == 'Linux' and uts[2] == release and
                    re.search(r'Kernel panic - not syncing: sysrq triggered crash',
                              out) is not None)
        marker_ok = uts[1] == marker and ('KDT-MARKER ' + marker) in out
    else:
        crash_ok = (re.search(r'RELEASE: %s\s' % re.escape(release), out) is not None
                    and re.search(r'PANIC: .*sysrq triggered crash', out) is not None)
        marker_ok = (re.search(r'NODENAME: %s\s*$' % re.escape(marker), out, re.M)
                     is not None and ('KDT-MARKER ' + marker) in out)
    return crash_ok, marker_ok, out


def is_kdump_file(path):
    try:
        with open(path, 'rb') as f:
            return f.read(8) == b'KDUMP   '
    except OSError:
        return False


def panic_time(con):
    """When the primary kernel was made to panic.  init.sh says "panic now"
    just before it writes to /proc/sysrq-trigger, but the panic can beat
    that line out of the serial port (seen once in make check); the
    kernel's own "sysrq: Trigger a crash" line marks it then."""
    t = con.first('KDT: panic now')
    return t if t is not None else con.first('sysrq: Trigger a crash')


def analyse(case, con, res):
    """Fill the console-derived fields of a result."""
    t_panic = panic_time(con)
    t_kinit = con.first('KDT: kdump init')
    t_start = con.first('KDT: dump start')
    t_done = con.first('KDT: dump done')
    t_ready = con.first('KDT: primary ready')

    def d(a, b):
        return round(b - a, 2) if a is not None and b is not None else None
    res['t_primary_boot_s'] = d(0.0, t_ready)
    res['t_panic_to_kdump_init_s'] = d(t_panic, t_kinit)
    res['t_panic_to_dump_start_s'] = d(t_panic, t_start)
    res['t_panic_to_dump_done_s'] = d(t_panic, t_done)
    res['t_dump_s'] = d(t_start, t_done)
    # bench.py's measurements (KDT_BENCH, KDT_MODE=bench)
    bench = {'iommu_init_us': [], 'dma': [], 'status': [], 'load_ms': [],
             'iommu_groups': None}
    for l in con.text():
        m = re.match(r'KDT: bench: iommu_init_us=(\d+)', l)
        if m:
            bench['iommu_init_us'].append(int(m.group(1)))
        m = re.match(r'KDT: bench: load_ms=(\d+)', l)
        if m:
            bench['load_ms'].append(int(m.group(1)))
        m = re.match(r'KDT: bench: iommu_groups=(\d+)', l)
        if m:
            bench['iommu_groups'] = int(m.group(1))
        m = re.match(r'KDT: bench: dma_pass=\d+ mib=(\d+) seconds=([\d.]+)', l)
        if m:
            bench['dma'].append((int(m.group(1)), float(m.group(2))))
        if l.startswith('KDT: bench: status: '):
            bench['status'].append(l[len('KDT: bench: status: '):])
    res['bench'] = bench
    fre = FAULT_RE[case['iommu']]
    prim = con.text(end=t_panic)
    kd = con.text(start=t_panic) if t_panic is not None else []
    res['faults_primary'] = sum(1 for l in prim if fre.search(l))
    res['faults_kdump'] = sum(1 for l in kd if fre.search(l))
    res['kdump_path'] = 'none' if t_panic is None else 'init'
    for name, rx in PATH_RE:
        if any(rx.search(l) for l in kd):
            res['kdump_path'] = name
            break
    m = None
    for l in kd:
        m = re.search(r'KDT: dump done rc=(\d+) irqs=(\d+) chip=(\S*)', l) or m
    res['dump_rc'] = int(m.group(1)) if m else None
    res['kdump_disk_irqs'] = int(m.group(2)) if m else None
    res['kdump_irq_chip'] = m.group(3) if m else None
    fails = [l[len('KDT: FAIL '):] for l in con.text() if l.startswith('KDT: FAIL ')]
    res['guest_error'] = fails[0] if fails else None
    res['reports'] = [l for l in con.text() if REPORT_RE.search(l)][:20]
    return t_panic, t_kinit


def run_case(name, args, base, release):
    case = CASES[name]
    if args.expect:
        # On a kernel without the fix a case shows, what the fix makes
        # true is not there: the case says what the failure looks like.
        case = dict(case, expect=args.expect, **case.get('without_fix', {}))
    d = os.path.join(args.outdir, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    marker = 'kdt-' + secrets.token_hex(6)
    kexec = args.kexec or case['kexec']
    # What the tooling declares it also tells the kdump kernel
    # (kdump_told overrides that: '' tells it nothing).
    told = case.get('kdump_told', case['declare'])
    kdump_cmdline = ' '.join(x for x in (
        KDUMP_CMDLINE, case['kdump'], told and 'kdump_iommu_devices=' + told,
        args.kdump_append) if x)
    conf = {
        'KDT_MARKER': marker,
        'KDT_KEXEC': kexec,
        'KDT_KDUMP_CMDLINE': kdump_cmdline,
        'KDT_DUMP_LEVEL': '31',
        'KDT_PRE_PANIC': case['pre_panic'],
        'KDT_PRE_DUMP': case.get('pre_dump', ''),
        'KDT_PRE_LOAD': case['pre_load'],
        'KDT_DECLARE': case['declare'],
        'KDT_MODE': case['mode'],
        'KDT_EDU': '0000:00:05.1' if 'edu-fn1' in case['devices'] else EDU_BDF,
        'KDT_VFIO': case.get('vfio', EDU_BDF),
        'KDT_DUMP_BDF': DUMP_BDF,
        'KDT_BENCH': '1' if case.get('bench') else '',
        'KDT_BENCH_MB': str(case.get('bench_mb', 512)),
    }
    initrd = build_initrds(base, args.kernel, conf, d)
    img = os.path.join(d, 'disk.img')
    with open(img, 'wb') as f:
        f.truncate(512 << 20)
    ck = args.crashkernel or case['crashkernel']
    cmdline = ' '.join(x for x in (PRIMARY_CMDLINE, ck and 'crashkernel=' + ck,
                                    case['primary'], args.append) if x)
    cmd = ([args.qemu] + case['qemu'] +
           ['-m', case['mem'], '-smp', str(args.smp), '-display', 'none',
            '-monitor', 'none', '-serial', 'stdio', '-no-reboot',
            '-kernel', args.kernel, '-initrd', initrd, '-append', cmdline] +
           disk_args(case['disk'], img, case.get('multifunction')) +
           extra_devices(case, d) +
           args.qemu_args.split())
    res = dict(case=name, iommu=case['iommu'], what=case['what'],
               expected='/'.join(case['expect']) if isinstance(case['expect'], tuple)
               else case['expect'], kexec=kexec, disk=case['disk'],
               marker=marker, release=release, primary_cmdline=cmdline,
               kdump_cmdline=kdump_cmdline, qemu=' '.join(cmd))
    print('== %s: %s (kexec_%s, dump to %s, expect %s)' %
          (name, case['what'], kexec, case['disk'], res['expected']), flush=True)
    t0 = time.monotonic()
    # A case that expects a hang has nothing to wait for: the evidence
    # that it ran is on the console before the silence.
    expect = expected(case)
    idle = (min(args.idle, HANG_IDLE) if 'hang' in expect else
            max(args.idle, case.get('idle', 0)))
    how = run_qemu(cmd, os.path.join(d, 'console.log'),
                   max(args.timeout, case.get('timeout', 0)), idle, args.verbose)
    res['t_total_s'] = round(time.monotonic() - t0, 2)
    res['qemu_end'] = how
    con = Console.load(os.path.join(d, 'console.log'))
    analyse(case, con, res)

    vmcore = os.path.join(d, 'vmcore')
    res['dump_ok'] = res['crash_ok'] = res['marker_ok'] = False
    if res['dump_rc'] == 0:
        with open(img, 'rb') as src, open(os.path.join(d, 'makedumpfile-R.log'), 'w') as log:
            r = subprocess.run(['makedumpfile', '-R', vmcore], stdin=src,
                               stdout=log, stderr=subprocess.STDOUT)
        res['dump_ok'] = r.returncode == 0 and is_kdump_file(vmcore)
    if res['dump_ok']:
        res['vmcore_bytes'] = os.path.getsize(vmcore)
        crash_ok, marker_ok, out = verify_dump(vmcore, args.vmlinux, marker, release)
        with open(os.path.join(d, 'crash.log'), 'w') as f:
            f.write(out)
        res['crash_ok'], res['marker_ok'] = crash_ok, marker_ok
    os.unlink(img)
    if os.path.exists(os.path.join(d, 'busy.img')):
        os.unlink(os.path.join(d, 'busy.img'))
    if not args.keep:
        for f in ('initrd-primary', 'initrd-kdump', 'boot.cpio', 'conf.cpio'):
            os.unlink(os.path.join(d, f))

    if case['mode'] == 'bench':
        res['result'] = ('pass' if con.first('KDT: bench done') is not None else
                         'hang' if how in ('idle', 'timeout') else 'fail')
    elif case['mode'] == 'kselftest':
        res.update(ktap(con))
        # kselftest's exit code 4: every test skipped, nothing to check.
        res['result'] = ('pass' if res['ktap_rc'] == 0 and res['ktap_fail'] == 0
                         and res['ktap_pass'] > 0 else
                         'skip' if res['ktap_rc'] == 4 and res['ktap_fail'] == 0
                         and res['ktap_pass'] == 0 and res['ktap_skip'] > 0 else
                         'hang' if how in ('idle', 'timeout') else 'fail')
    elif res['dump_ok'] and res['crash_ok'] and res['marker_ok']:
        res['result'] = 'pass'
    elif how in ('idle', 'timeout') and res['dump_rc'] is None:
        res['result'] = 'hang'
    else:
        res['result'] = 'fail'
    if args.no_reports:
        case = dict(case, no_reports=True)
    res['expected_path'] = case.get('path')
    res['expected_faults'] = case.get('faults')
    res['mismatch'] = mismatches(case, con, res)
    res['ok'] = not res['mismatch']
    with open(os.path.join(d, 'result.json'), 'w') as f:
        json.dump(res, f, indent=2, sort_keys=True)
        f.write('\n')
    if case['mode'] == 'kselftest':
        print('   -> %s: %s; KTAP pass %d, fail %d, skip %d' %
              ('OK' if res['ok'] else 'UNEXPECTED: ' + '; '.join(res['mismatch']),
               res['result'], res['ktap_pass'], res['ktap_fail'],
               res['ktap_skip']), flush=True)
    else:
        print('   -> %s: %s; dump %s, crash %s, marker %s, faults %d/%d, '
              'kdump path %s' %
              ('OK' if res['ok'] else 'UNEXPECTED: ' + '; '.join(res['mismatch']),
               res['result'], yn(res['dump_ok']), yn(res['crash_ok']),
               yn(res['marker_ok']), res['faults_primary'], res['faults_kdump'],
               res['kdump_path']), flush=True)
    if args.report:
        report(d, con, res)
    return res


def ktap(con):
    """Results of the in-guest tests: the KTAP lines between the markers."""
    t0 = con.first('KDT: kselftest start')
    r = dict(ktap_pass=0, ktap_fail=0, ktap_skip=0, ktap_rc=None,
             ktap_failed=[])
    if t0 is None:
        return r
    for line in con.text(start=t0):
        m = re.match(r'KDT: kselftest done rc=(\d+)', line)
        if m:
            r['ktap_rc'] = int(m.group(1))
            break
        if re.match(r'ok \d+ .*# SKIP', line):
            r['ktap_skip'] += 1
        elif re.match(r'ok \d+ ', line):
            r['ktap_pass'] += 1
        elif re.match(r'not ok \d+ ', line):
            r['ktap_fail'] += 1
            r['ktap_failed'].append(line)
    return r


def mismatches(case, con, res):
    """How a result differs from what the case expects; empty if not."""
    bad = []
    expect = expected(case)
    if res['result'] not in expect:
        bad.append('result %s, expected %s' % (res['result'], ' or '.join(expect)))
    if case.get('path') and res['kdump_path'] != case['path']:
        bad.append('kdump path %s, expected %s' % (res['kdump_path'], case['path']))
    if case.get('faults') == 'none' and res['faults_kdump']:
        bad.append('%d DMA faults in the kdump kernel' % res['faults_kdump'])
    if case.get('faults') == 'some' and not res['faults_kdump']:
        bad.append('no DMA fault in the kdump kernel')
    if case.get('primary_faults') == 'some' and not res['faults_primary']:
        bad.append('no DMA fault in the primary kernel')
    if case.get('any_faults') == 'some' and not (res['faults_primary'] or
                                                 res['faults_kdump']):
        bad.append('no DMA fault in either kernel')
    # A dump through the vIOMMU must have taken the disk's interrupts, and
    # through interrupt remapping where it is on.
    if case['mode'] == 'kdump' and res['result'] == 'pass':
        if not res['kdump_disk_irqs']:
            bad.append('the dump disk took no interrupt in the kdump kernel')
        # (6.2+: a per-device MSI domain, IR-PCI-MSIX-0000:00:05.0)
        want = 'IR-PCI-MSI' if case.get('ir') else 'PCI-MSI'
        if not re.fullmatch(re.escape(want) + r'(X?-[0-9a-f]{4}:[0-9a-f]{2}:'
                            r'[0-9a-f]{2}\.[0-7])?', res['kdump_irq_chip'] or ''):
            bad.append('disk interrupts through %s, expected %s' %
                       (res['kdump_irq_chip'], want))
    # An expected failure counts only if the case got as far as the panic,
    # and "no kdump kernel" only if none started.
    if case['mode'] == 'kdump' and set(expect) & {'hang', 'fail'} and \
            case.get('panics', True) and \
            not any('Kernel panic - not syncing' in l for l in con.text()):
        bad.append('no panic on the console: the scenario did not run')
    if case.get('no_kdump'):
        boots = sum(1 for l in con.text() if re.search(r'\] Linux version ', l))
        if boots != 1 or con.first('KDT: kdump init') is not None:
            bad.append('a kdump kernel started (%d kernels booted)' % boots)
    if case.get('same_group'):
        groups = set()
        for dev in case['same_group']:
            for l in con.text():
                m = re.match(r'KDT: status:   %s\tgroup (\d+)\t' % re.escape(dev), l)
                if m:
                    groups.add(m.group(1))
                    break
            else:
                groups.add('missing ' + dev)
        if len(groups) != 1:
            bad.append('%s not in one IOMMU group: %s' %
                       (', '.join(case['same_group']), ', '.join(sorted(groups))))
    if case.get('no_reports') and res['reports']:
        bad.append('%d kernel reports, first: %s' % (len(res['reports']),
                                                     res['reports'][0]))
    if case.get('no_reports'):
        # No report means something only if every kernel that booted had
        # the checkers on.
        boots = sum(1 for l in con.text() if re.search(r'\] Linux version ', l))
        for what, rx in DEBUG_ON_RE:
            on = sum(1 for l in con.text() if rx.search(l))
            if on < boots:
                bad.append('%s off in %d of %d kernels: not a debug kernel' %
                           (what, boots - on, boots))
    for rx in case['console']:
        if not any(re.search(rx, l) for l in con.text()):
            bad.append('console lacks /%s/' % rx)
    # In this order, after the panic: what the kdump kernel did, and what
    # QEMU traced of it.
    start = panic_time(con)
    lines = iter(con.text(start=start) if start is not None else [])
    for rx in case.get('kdump_console', []):
        if not any(re.search(rx, l) for l in lines):
            bad.append('kdump kernel console lacks /%s/ (in order)' % rx)
            break
    return bad


def report(d, con, res):
    """What a person wants to see of one case: the IOMMU lines of the kdump
    kernel and what crash(8) read from the dump."""
    t_panic = panic_time(con)
    print('\n   primary kernel, crash kernel window:')
    for line in con.text(end=t_panic):
        if 'kdump_iommu:' in line:
            print('     ' + line)
    print('\n   kdump kernel, IOMMU lines:')
    rx = re.compile(r'\] (DMAR|DMAR-IR|AMD-Vi|kdump_iommu|iommu):')
    for line in con.text(start=t_panic) if t_panic is not None else []:
        if rx.search(line):
            print('     ' + line)
    path = os.path.join(d, 'crash.log')
    if os.path.exists(path):
        with open(path, errors='replace') as f:
            lines = f.readlines()
        # (minimal mode: init_uts_ns's sysname, nodename and release)
        uts = [l for l in lines if re.match(r'[0-9a-f]+:  ', l)][:3]
        print('\n   crash vmlinux vmcore, %s and "log":' %
              ('"rd -a init_uts_ns" (crash --minimal)' if uts else '"sys"'))
        for line in lines:
            if re.match(r'\s+(KERNEL|DUMPFILE|RELEASE|NODENAME|PANIC|UPTIME|MEMORY|CPUS):', line):
                print('     ' + line.rstrip())
        for line in uts:
            print('     ' + line.rstrip())
        for line in lines:
            if 'KDT-MARKER' in line or 'Kernel panic - not syncing' in line:
                print('     log: ' + line.strip())
    print('\n   result: %s (%s bytes of vmcore); details in %s/' %
          (res['result'], res.get('vmcore_bytes', 0), d))


def yn(b):
    return 'ok' if b else 'no'


def fmt_s(v):
    return '-' if v is None else '%.1f' % v


def summary(results):
    hdr = ('case', 'kexec', 'expected', 'result', 'dump', 'crash', 'marker',
           'faults p/k', 'kdump path', 'irqs', 'panic->init s', 'dump s', '')
    rows = [hdr]
    for r in results:
        if r.get('error'):
            rows.append((r['case'],) + ('-',) * 11 + ('<-- HARNESS ERROR',))
            continue
        exp = r['expected'] + ('/' + r['expected_path'] if r['expected_path'] else '')
        if 'ktap_pass' in r:
            rows.append((r['case'], '-', r['expected'], r['result'],
                         '-', '-', '-', '-', '-', '-', '-', '-',
                         'KTAP: %d ok, %d not ok, %d skipped%s' %
                         (r['ktap_pass'], r['ktap_fail'], r['ktap_skip'],
                          '' if r['ok'] else '  <-- UNEXPECTED')))
            continue
        rows.append((r['case'], r['kexec'], exp, r['result'],
                     yn(r['dump_ok']), yn(r['crash_ok']), yn(r['marker_ok']),
                     '%d/%d' % (r['faults_primary'], r['faults_kdump']),
                     r['kdump_path'],
                     '-' if r['kdump_disk_irqs'] is None else
                     '%d %s' % (r['kdump_disk_irqs'], r['kdump_irq_chip']),
                     fmt_s(r['t_panic_to_kdump_init_s']), fmt_s(r['t_dump_s']),
                     '' if r['ok'] else '<-- UNEXPECTED'))
    w = [max(len(str(row[i])) for row in rows) for i in range(len(hdr))]
    for i, row in enumerate(rows):
        print('  '.join(str(c).ljust(w[j]) for j, c in enumerate(row)).rstrip())
        if i == 0:
            print('  '.join('-' * x for x in w[:-1]))


def expected(case):
    """The outcomes a case accepts, as a tuple."""
    return case['expect'] if isinstance(case['expect'], tuple) else (case['expect'],)


def weight(name):
    """A case's expected length, to start the long ones first: its own
    timeout for the large machines, the silence that ends an expected
    hang, or a plain kdump."""
    case = CASES[name]
    return case.get('timeout', 0) + (HANG_IDLE if 'hang' in expected(case) else 0)


def _run_guarded(name, args, release):
    """run_case; an error of the harness in one case fails that case and
    does not stop the others."""
    try:
        return run_case(name, args, args.initramfs, release)
    except Exception:
        print('   -> ERROR in the harness:\n' + traceback.format_exc(), flush=True)
        return dict(case=name, ok=False, error=True, result='error',
                    mismatch=['the harness failed'])


def _run_buffered(job):
    """_run_guarded in a worker process: its lines come back with its
    result, to be printed together."""
    name, args, release = job
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        res = _run_guarded(name, args, release)
    return name, res, buf.getvalue()


def run_cases(names, args, release):
    """Run the cases, args.jobs at a time; the results in the order of names.

    Cases share nothing: each has its own QEMU, disk image and directory,
    and every time a case measures is the guest's or its own QEMU's.  A
    case's lines are printed together when it ends.  A name must not be
    twice in names (its directory would be shared).
    """
    if args.jobs <= 1 or len(names) <= 1:
        return [_run_guarded(n, args, release) for n in names]
    order = sorted(names, key=weight, reverse=True)
    results = {}
    with multiprocessing.get_context('fork').Pool(args.jobs) as pool:
        for name, res, text in pool.imap_unordered(
                _run_buffered, [(n, args, release) for n in order]):
            sys.stdout.write(text)
            sys.stdout.flush()
            results[name] = res
    return [results[n] for n in names]


def expand(names):
    out = []
    for n in names:
        for x in GROUPS.get(n, [n]):
            if x not in out:
                out.append(x)
    return out


def arg_parser():
    """vmtest's options; bench.py takes its defaults from here too."""
    ap = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='cases: %s\ngroups: %s' % (' '.join(CASES), ' '.join(GROUPS)))
    ap.add_argument('cases', nargs='*', help='case or group names')
    ap.add_argument('-k', '--kernel', help='bzImage (primary and kdump kernel)')
    ap.add_argument('-x', '--vmlinux', help='vmlinux matching the bzImage')
    ap.add_argument('-i', '--initramfs', help='base initramfs (mkinitramfs.sh)')
    ap.add_argument('-o', '--outdir', default='out/vmtest')
    ap.add_argument('--kexec', choices=('load', 'file'),
                    help='override the case: kexec_load or kexec_file_load')
    ap.add_argument('--append', default='', help='more primary command line')
    ap.add_argument('--kdump-append', default='',
                    help='more kdump kernel command line')
    ap.add_argument('--qemu-args', default='',
                    help='more QEMU arguments (e.g. "-trace vtd_*")')
    ap.add_argument('--smp', type=int, default=2)
    ap.add_argument('-j', '--jobs', type=int, default=1,
                    help='cases run at once, each in its own QEMU (default 1; '
                    'one per host CPU is about what TCG can use)')
    ap.add_argument('--expect', choices=('pass', 'fail', 'hang'),
                    help='the outcome every case must have instead of its '
                    'own: a case run on a kernel without the fix it tests '
                    '(its other checks stay, but for those its without_fix '
                    'replaces)')
    ap.add_argument('--crashkernel',
                    help='crashkernel= of the primary, for every case '
                    '(default: the case\'s, mostly %s)' % CRASHKERNEL)
    ap.add_argument('--no-reports', action='store_true',
                    help='fail a case on any KASAN, lockdep, UBSAN, BUG or '
                    'WARNING report in either kernel')
    ap.add_argument('--repeat', type=int, default=1,
                    help='run the cases this many times (soak)')
    ap.add_argument('--soak-report', help='write per-case soak counts here (JSON)')
    ap.add_argument('--timeout', type=int, default=300,
                    help='seconds a case may take in all')
    ap.add_argument('--idle', type=int, default=45,
                    help='seconds of console silence that count as a hang')
    ap.add_argument('--qemu', default='qemu-system-x86_64')
    ap.add_argument('--keep', action='store_true', help='keep the initrds')
    ap.add_argument('--report', action='store_true',
                    help='after each case, show what the dump holds')
    ap.add_argument('-l', '--list', action='store_true', help='list the cases')
    ap.add_argument('-v', '--verbose', action='store_true',
                    help='echo the whole serial console (with more than one '
                    'job, when the case ends)')
    return ap


def main():
    args = arg_parser().parse_args()

    if args.list:
        for n, c in CASES.items():
            print('%-22s %-9s %-5s expect %-5s %-6s %s' %
                  (n, c['mode'], c['kexec'], '/'.join(c['expect'])
                   if isinstance(c['expect'], tuple) else c['expect'],
                   c.get('path') or '',
                   c['what']))
        print('groups: ' + ', '.join('%s (%d)' % (g, len(v)) for g, v in GROUPS.items()))
        return 0
    if args.jobs < 1:
        print('vmtest: --jobs %d: must be at least 1' % args.jobs, file=sys.stderr)
        return 2
    names = expand(args.cases or ['quick'])
    bad = [n for n in names if n not in CASES]
    if bad:
        print('vmtest: unknown case %s; valid cases: %s; groups: %s' %
              (', '.join(bad), ' '.join(CASES), ' '.join(GROUPS)), file=sys.stderr)
        return 2
    for what, path in (('--kernel', args.kernel), ('--vmlinux', args.vmlinux),
                       ('--initramfs', args.initramfs)):
        if not path or not os.path.isfile(path):
            print('vmtest: %s %s: no such file' % (what, path), file=sys.stderr)
            return 2
    for tool in (args.qemu, 'crash', 'makedumpfile', 'cpio'):
        if not shutil.which(tool):
            print('vmtest: %s not found (make deps installs it)' % tool,
                  file=sys.stderr)
            return 2
    release = sh(['strings', args.kernel]).stdout
    m = re.search(r'^(\d+\.\d+\.\d+\S*) \(', release, re.M)
    release = m.group(1) if m else ''
    for_kernel(release)

    os.makedirs(args.outdir, exist_ok=True)
    if args.repeat > 1:
        return soak(names, args, release)
    results = run_cases(names, args, release)
    print()
    summary(results)
    bad = sum(1 for r in results if not r['ok'])
    print('\nvmtest: %d cases, %d as expected, %d unexpected' %
          (len(results), len(results) - bad, bad))
    return 1 if bad else 0


def soak(names, args, release):
    """Run the cases args.repeat times; count what met its expectation."""
    counts = {n: {'runs': 0, 'ok': 0, 'unexpected': []} for n in names}
    t0 = time.monotonic()
    for i in range(args.repeat):
        print('== soak run %d/%d' % (i + 1, args.repeat), flush=True)
        for n, r in zip(names, run_cases(names, args, release)):
            counts[n]['runs'] += 1
            if r['ok']:
                counts[n]['ok'] += 1
            else:
                counts[n]['unexpected'].append(
                    {'run': i + 1, 'result': r['result'], 'mismatch': r['mismatch']})
                shutil.copytree(os.path.join(args.outdir, n),
                                os.path.join(args.outdir, '%s.run%d' % (n, i + 1)),
                                dirs_exist_ok=True)
    total = sum(c['runs'] for c in counts.values())
    good = sum(c['ok'] for c in counts.values())
    print('\n%-24s %5s %5s' % ('case', 'runs', 'ok'))
    for n, c in counts.items():
        print('%-24s %5d %5d%s' % (n, c['runs'], c['ok'],
                                   '' if c['ok'] == c['runs'] else '  <-- UNEXPECTED'))
    print('\nsoak: %d runs, %d as expected, %d unexpected, %.0f s' %
          (total, good, total - good, time.monotonic() - t0))
    if args.soak_report:
        with open(args.soak_report, 'w') as f:
            json.dump({'repeat': args.repeat, 'runs': total, 'ok': good,
                       'cases': counts}, f, indent=2)
            f.write('\n')
    return 0 if good == total else 1


if __name__ == '__main__':
    sys.exit(main())
