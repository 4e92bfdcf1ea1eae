#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of vmtest.py's verdicts: the console analysis, and the dump check
against a real dump (negative controls: a wrong marker and a damaged dump
must be refused).

    test_vmtest.py                       console analysis only
    KDT_CASE_DIR=out/vmtest/vtd KDT_VMLINUX=.../vmlinux test_vmtest.py
                                         also the dump checks on that case
"""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vmtest  # noqa: E402

PRIMARY = [
    '[    0.000000] Linux version 6.1.192 (kdump@kdump-iommu)',
    '[    0.500000] DMAR: IOMMU enabled',
    'KDT: primary ready',
    '[    3.000000] DMAR: DRHD: handling fault status reg 2',
    '[    3.000001] DMAR: [DMA Write NO_PASID] Request device [00:03.0] '
    'fault addr 0x10000000 [fault reason 0x05] PTE Write access is not set',
    'KDT: panic now',
]
KDUMP = [
    '[    0.000000] Linux version 6.1.192 (kdump@kdump-iommu)',
    '[    0.400000] DMAR: Translation already enabled - trying to copy translation structures',
    '[    0.400001] DMAR: Copied translation tables from previous kernel for dmar0',
    '[    0.900000] DMAR: [DMA Read NO_PASID] Request device [00:03.0] fault addr 0x0',
    '[    0.900001] DMAR: [INTR-REMAP] Request device [00:03.0] fault index 0x4',
    'KDT: kdump init: 6.1.192',
    'KDT: dump start: /proc/vmcore (1 bytes) -> /dev/vda',
    'KDT: dump done rc=0 irqs=712 chip=IR-PCI-MSI',
]


def console(lines, t0=0.0, step=0.5):
    return [(t0 + i * step, l) for i, l in enumerate(lines)]


class Analyse(unittest.TestCase):
    def run_analyse(self, lines, iommu='vtd'):
        res = {}
        vmtest.analyse({'iommu': iommu}, vmtest.Console(lines), res)
        return res

    def test_faults_split_at_panic(self):
        res = self.run_analyse(console(PRIMARY + KDUMP))
        self.assertEqual(res['faults_primary'], 1)
        self.assertEqual(res['faults_kdump'], 2)

    def test_phase_times(self):
        res = self.run_analyse(console(PRIMARY + KDUMP))
        self.assertEqual(res['t_primary_boot_s'], 1.0)
        # "panic now" is line 5, "kdump init" line 11: 6 steps of 0.5 s.
        self.assertEqual(res['t_panic_to_kdump_init_s'], 3.0)
        self.assertEqual(res['t_dump_s'], 0.5)

    def test_copy_path_and_irqs(self):
        res = self.run_analyse(console(PRIMARY + KDUMP))
        self.assertEqual(res['kdump_path'], 'copy')
        self.assertEqual(res['dump_rc'], 0)
        self.assertEqual(res['kdump_disk_irqs'], 712)
        self.assertEqual(res['kdump_irq_chip'], 'IR-PCI-MSI')

    def test_panic_to_dump_times(self):
        res = self.run_analyse(console(PRIMARY + KDUMP))
        # "panic now" line 5, "dump start" line 12, "dump done" line 13
        self.assertEqual(res['t_panic_to_dump_start_s'], 3.5)
        self.assertEqual(res['t_panic_to_dump_done_s'], 4.0)

    def test_bench_lines(self):
        lines = console(PRIMARY[:3] + [
            'KDT: bench: iommu_init_us=81234',
            'KDT: bench: status: window: 0x2f000000-0x3effffff (256 MiB)',
            'KDT: bench: status: groups armed: 27',
            'KDT: bench: load_ms=412',
            'KDT: bench: iommu_groups=214',
            'KDT: bench: status: window 0: 128 IOMMU pages per domain, up to '
            '2048 KiB, in 1 page tables',
            'KDT: bench: dma_pass=1 mib=256 seconds=2.50',
            'KDT: bench: dma_pass=2 mib=256 seconds=bogus',
            'KDT: bench done'])
        b = self.run_analyse(lines)['bench']
        self.assertEqual(b['iommu_init_us'], [81234])
        self.assertEqual(b['dma'], [(256, 2.5)])
        self.assertEqual(b['load_ms'], [412])
        self.assertEqual(b['iommu_groups'], 214)
        import bench
        wins, tables, domains = bench.parse_tables(b['status'])
        self.assertEqual(wins, [(0x2f000000, 0x3effffff)])
        self.assertEqual(tables, [(128, 2048, 1)])
        self.assertEqual(domains, 27)

    def test_panic_line_lost(self):
        # The panic beat init.sh's "panic now" out of the serial port:
        # the kernel's sysrq line splits the consoles instead.
        primary = PRIMARY[:-1] + ['[    3.500000] sysrq: Trigger a crash']
        res = self.run_analyse(console(primary + KDUMP))
        self.assertEqual(res['faults_primary'], 1)
        self.assertEqual(res['faults_kdump'], 2)
        self.assertEqual(res['kdump_path'], 'copy')
        self.assertEqual(res['dump_rc'], 0)
        self.assertEqual(res['t_panic_to_dump_done_s'], 4.0)

    def test_no_panic_means_no_kdump(self):
        res = self.run_analyse(console(PRIMARY[:3]))
        self.assertEqual(res['kdump_path'], 'none')
        self.assertIsNone(res['t_panic_to_kdump_init_s'])
        self.assertIsNone(res['dump_rc'])
        self.assertEqual(res['faults_kdump'], 0)

    def test_amd_events_not_counted_as_dmar(self):
        lines = console(['KDT: panic now',
                         'AMD-Vi: Event logged [IO_PAGE_FAULT device=00:03.0 '
                         'domain=0x0001 address=0x0 flags=0x0020]'])
        self.assertEqual(self.run_analyse(lines, 'amd')['faults_kdump'], 1)
        self.assertEqual(self.run_analyse(lines, 'vtd')['faults_kdump'], 0)

    def test_guest_error(self):
        res = self.run_analyse(console(['KDT: FAIL kexec -p failed']))
        self.assertEqual(res['guest_error'], 'kexec -p failed')

    def test_console_unsplices_kernel_messages(self):
        con = vmtest.Console([
            (1.0, 'KDT: edu: unload[    4.722820] kdump_iommu: targets: x'),
            (1.1, '[    4.722900] another message'),
            (1.2, 'ed-again: write blocked'),
            (1.3, 'KDT: next line'),
        ])
        self.assertEqual(con.text(), [
            '[    4.722820] kdump_iommu: targets: x',
            '[    4.722900] another message',
            'KDT: edu: unloaded-again: write blocked',
            'KDT: next line'])
        # A user line whose rest never came stays cut, and is not glued
        # to the next one.
        con = vmtest.Console([(0.0, 'KDT: a[    1.000000] panic'),
                              (0.1, 'KDT: b')])
        self.assertEqual(con.text(), ['[    1.000000] panic', 'KDT: a', 'KDT: b'])
        # A kernel line is left alone, and so is a user line with none.
        plain = [(0.0, '[    0.100000] a [    0.200000] b'), (0.1, 'KDT: x')]
        self.assertEqual(vmtest.Console(plain).lines, plain)

    def test_console_roundtrip(self):
        with tempfile.NamedTemporaryFile('w', delete=False) as f:
            f.write('0.250 KDT: panic now\n1.500 KDT: kdump init: x\n')
        try:
            con = vmtest.Console.load(f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual(con.first('KDT: kdump init'), 1.5)
        self.assertIsNone(con.first('KDT: panic now', after=1.0))


class Expectations(unittest.TestCase):
    """A case is judged on its outcome, the kdump kernel's IOMMU path, its
    DMA faults and required console lines; any difference fails it."""

    CASE = dict(expect='pass', path='skip', faults='none', console=[],
                mode='kdump', ir=True)
    PANIC = '[    2.0] Kernel panic - not syncing: sysrq triggered crash'

    def res(self, **kw):
        r = dict(result='pass', kdump_path='skip', faults_kdump=0,
                 kdump_disk_irqs=700, kdump_irq_chip='IR-PCI-MSI')
        r.update(kw)
        return r

    def test_as_expected(self):
        con = vmtest.Console(console(['kdump_iommu: dmar0: skipping']))
        self.assertEqual(vmtest.mismatches(self.CASE, con, self.res()), [])

    def test_each_difference_counts(self):
        con = vmtest.Console([])
        for kw, word in ((dict(result='hang'), 'result'),
                         (dict(kdump_path='copy'), 'kdump path'),
                         (dict(faults_kdump=3), 'DMA faults')):
            bad = vmtest.mismatches(self.CASE, con, self.res(**kw))
            self.assertEqual(len(bad), 1, kw)
            self.assertIn(word, bad[0])

    def test_interrupts_asserted(self):
        con = vmtest.Console([])
        for kw, word in ((dict(kdump_disk_irqs=0), 'no interrupt'),
                         (dict(kdump_disk_irqs=None), 'no interrupt'),
                         (dict(kdump_irq_chip='PCI-MSI'), 'through PCI-MSI'),
                         (dict(kdump_irq_chip=None), 'through None')):
            bad = vmtest.mismatches(self.CASE, con, self.res(**kw))
            self.assertEqual(len(bad), 1, kw)
            self.assertIn(word, bad[0])
        # Without interrupt remapping, PCI-MSI is right and IR-PCI-MSI is not.
        noir = dict(self.CASE, ir=False)
        self.assertEqual(vmtest.mismatches(
            noir, con, self.res(kdump_irq_chip='PCI-MSI')), [])
        self.assertEqual(len(vmtest.mismatches(noir, con, self.res())), 1)
        # 6.2+ names a device's own MSI domain after it; nothing else
        # passes for the same chip.
        for chip, ok in (('IR-PCI-MSIX-0000:00:05.0', True),
                         ('IR-PCI-MSI-0000:00:05.0', True),
                         ('PCI-MSIX-0000:00:05.0', False),
                         ('IR-PCI-MSIX-', False),
                         ('IR-PCI-MSIX-0000:00:05.0x', False)):
            bad = vmtest.mismatches(self.CASE, con, self.res(kdump_irq_chip=chip))
            self.assertEqual(bad == [], ok, chip)
        self.assertEqual(vmtest.mismatches(
            noir, con, self.res(kdump_irq_chip='PCI-MSIX-0000:00:05.0')), [])
        self.assertEqual(len(vmtest.mismatches(
            noir, con, self.res(kdump_irq_chip='IR-PCI-MSIX-0000:00:05.0'))), 1)
        # A case that does not dump is not asked about interrupts.
        hang = dict(self.CASE, expect='hang', path=None)
        self.assertEqual(vmtest.mismatches(
            hang, vmtest.Console(console([self.PANIC])),
            self.res(result='hang', kdump_disk_irqs=None)), [])

    def test_kdump_console_in_order_after_the_panic(self):
        case = dict(self.CASE, kdump_console=['A', 'B'])
        for lines, ok in ((['KDT: panic now', 'A', 'B'], True),
                          (['KDT: panic now', 'A', 'x', 'B'], True),
                          (['KDT: panic now', 'B', 'A'], False),
                          (['A', 'KDT: panic now', 'B'], False),
                          (['A', 'B'], False),
                          (['KDT: panic now', 'A'], False)):
            bad = vmtest.mismatches(case, vmtest.Console(console(lines)), self.res())
            self.assertEqual(bad == [], ok, lines)
            if not ok:
                self.assertIn('in order', bad[0])

    def test_expected_failure_needs_the_panic(self):
        case = dict(self.CASE, expect=('fail', 'hang'), path=None)
        bad = vmtest.mismatches(case, vmtest.Console([]), self.res(result='hang'))
        self.assertEqual(len(bad), 1)
        self.assertIn('no panic', bad[0])
        self.assertEqual(vmtest.mismatches(
            case, vmtest.Console(console([self.PANIC])), self.res(result='hang')), [])
        # kexec refused before any panic: nothing to wait for
        self.assertEqual(vmtest.mismatches(
            dict(case, panics=False), vmtest.Console([]), self.res(result='fail')), [])

    def test_no_kdump_kernel(self):
        case = dict(self.CASE, expect='hang', path=None, no_kdump=True)
        boot = '[    0.0] Linux version 6.1.192+ (kdump@kdump-iommu)'
        one = vmtest.Console(console([boot, self.PANIC]))
        self.assertEqual(vmtest.mismatches(case, one, self.res(result='hang')), [])
        two = vmtest.Console(console([boot, self.PANIC, boot]))
        bad = vmtest.mismatches(case, two, self.res(result='hang'))
        self.assertEqual(len(bad), 1)
        self.assertIn('a kdump kernel started', bad[0])
        init = vmtest.Console(console([boot, self.PANIC, 'KDT: kdump init: x']))
        self.assertEqual(len(vmtest.mismatches(case, init, self.res(result='hang'))), 1)

    def test_same_group(self):
        case = dict(self.CASE, same_group=['0000:00:05.0', '0000:00:05.1'])
        line = 'KDT: status:   %s\tgroup %s\tarmed'
        same = vmtest.Console(console([line % ('0000:00:05.0', 3),
                                       line % ('0000:00:05.1', 3)]))
        self.assertEqual(vmtest.mismatches(case, same, self.res()), [])
        for lines in ([line % ('0000:00:05.0', 3), line % ('0000:00:05.1', 4)],
                      [line % ('0000:00:05.0', 3)], []):
            bad = vmtest.mismatches(case, vmtest.Console(console(lines)), self.res())
            self.assertEqual(len(bad), 1, lines)
            self.assertIn('not in one IOMMU group', bad[0])

    def test_negative_control_needs_faults(self):
        case = dict(expect='hang', path='forced', faults='some', console=[],
                    mode='kdump')
        con = vmtest.Console(console([self.PANIC]))
        ok = self.res(result='hang', kdump_path='forced', faults_kdump=2)
        self.assertEqual(vmtest.mismatches(case, con, ok), [])
        self.assertIn('no DMA fault',
                      vmtest.mismatches(case, con, dict(ok, faults_kdump=0))[0])

    def test_console_lines(self):
        case = dict(self.CASE, console=[r'ignoring kdump_iommu=bogus'])
        self.assertEqual(len(vmtest.mismatches(case, vmtest.Console([]), self.res())), 1)
        con = vmtest.Console(console(['kdump_iommu: ignoring kdump_iommu=bogus: x']))
        self.assertEqual(vmtest.mismatches(case, con, self.res()), [])

    def test_reports_fail_a_debug_run(self):
        case = dict(self.CASE, no_reports=True)
        for line in ('[    1.0] BUG: KASAN: slab-out-of-bounds in kdump_iommu_x+0x1/0x2',
                     '[    1.0] WARNING: possible circular locking dependency detected',
                     '[    1.0] UBSAN: array-index-out-of-bounds in foo.c:1:2',
                     '[    1.0] BUG: sleeping function called from invalid context at x.c:1'):
            res = {}
            vmtest.analyse({'iommu': 'vtd'}, vmtest.Console(console([line])), res)
            res.update(result='pass', kdump_path='skip', faults_kdump=0,
                       kdump_disk_irqs=700, kdump_irq_chip='IR-PCI-MSI')
            self.assertEqual(len(vmtest.mismatches(case, vmtest.Console([]), res)), 1,
                             line)
        res = {}
        vmtest.analyse({'iommu': 'vtd'}, vmtest.Console(console(
            ['[    0.0] kasan: KernelAddressSanitizer initialized',
             '[    1.0] Kernel panic - not syncing: sysrq triggered crash'])), res)
        self.assertEqual(res['reports'], [])

    def test_reports_need_a_debug_kernel(self):
        case = dict(self.CASE, no_reports=True)
        boot = '[    0.0] Linux version 6.1.192+ (kdump@kdump-iommu)'
        kasan = '[    0.1] kasan: KernelAddressSanitizer initialized'
        lockdep = '[    0.2] Lock dependency validator: Copyright (c) 2006'
        for lines, n in (([boot], 2), ([boot, kasan], 1), ([boot, kasan, lockdep], 0),
                         ([boot, kasan, lockdep, boot, kasan], 1),
                         ([boot, kasan, lockdep] * 2, 0)):
            con = vmtest.Console(console(lines))
            res = self.res()
            res['reports'] = []
            self.assertEqual(len(vmtest.mismatches(case, con, res)), n, lines)

    def test_no_dump_either_way(self):
        case = dict(self.CASE, expect=('fail', 'hang'), path=None)
        con = vmtest.Console(console([self.PANIC]))
        for result, n in (('fail', 0), ('hang', 0), ('pass', 1)):
            self.assertEqual(len(vmtest.mismatches(case, con,
                                                   self.res(result=result))), n)

    def test_ktap(self):
        con = vmtest.Console(console([
            'KDT: kselftest start', 'TAP version 13', '1..4', 'ok 1 a',
            'not ok 2 b', 'ok 3 # SKIP c', 'ok 4 d', 'KDT: kselftest done rc=1',
            'ok 5 after the end']))
        r = vmtest.ktap(con)
        self.assertEqual((r['ktap_pass'], r['ktap_fail'], r['ktap_skip'],
                          r['ktap_rc']), (2, 1, 1, 1))
        self.assertEqual(r['ktap_failed'], ['not ok 2 b'])

    def test_ktap_never_started(self):
        r = vmtest.ktap(vmtest.Console(console(['ok 1 stray'])))
        self.assertEqual((r['ktap_pass'], r['ktap_rc']), (0, None))


class ForKernel(unittest.TestCase):
    """Cases that depend on the kernel under test change only from the
    version they name on, and keep what they do not change."""

    def setUp(self):
        self.saved = {n: dict(c) for n, c in vmtest.CASES.items()}

    def tearDown(self):
        vmtest.CASES.clear()
        vmtest.CASES.update(self.saved)

    def test_before_and_since(self):
        vmtest.for_kernel('6.1.192')
        self.assertEqual(vmtest.CASES['rogue-early-vtd']['expect'], 'hang')
        self.assertTrue(vmtest.CASES['rogue-early-vtd']['no_kdump'])
        self.assertIn('0x20100000', vmtest.CASES['ck-odd']['crashkernel'])
        vmtest.for_kernel('6.12.117+')
        c = vmtest.CASES['rogue-early-vtd']
        self.assertEqual(c['expect'], 'fail')
        self.assertFalse(c['no_kdump'])
        self.assertEqual(c['console'], [r'KDT: edu: loaded-declared: write landed',
                                        r'KDT: FAIL kdump kernel without /proc/vmcore'])
        self.assertEqual(vmtest.CASES['ck-odd']['crashkernel'], '127M@0x20000000')
        self.assertEqual(vmtest.CASES['vtd'], self.saved['vtd'])

    def test_crash_mode(self):
        with tempfile.NamedTemporaryFile() as f:
            f.write(b'\0' * 100 + b'Linux version 6.12.117+ (kdump@x)' + b'\0')
            f.flush()
            self.assertEqual(vmtest.kernel_version(f.name), (6, 12))
            self.assertGreater(vmtest.kernel_version(f.name), vmtest.CRASH_FULL_UPTO)


class Jobs(unittest.TestCase):
    """run_cases with several jobs: every case runs once, the results come
    back in the order asked for, and each case's lines stay together."""
    def setUp(self):
        import multiprocessing
        self.saved = vmtest.run_case
        vmtest.run_case = self.fake_run_case
        # the first two cases meet, so each worker has taken one
        Jobs.barrier = multiprocessing.get_context('fork').Barrier(2)

    def tearDown(self):
        vmtest.run_case = self.saved

    @staticmethod
    def fake_run_case(name, args, base, release):
        import time
        if name == 'amd':
            raise OSError('No space left on device')
        start = time.monotonic()
        try:
            Jobs.barrier.wait(1 if args.jobs > 1 else 0)
        except Exception:   # the barrier is broken after the first pair
            pass
        print('== %s start' % name, flush=True)
        # cases end in another order than they started
        time.sleep(0.05 * (3 - len(name) % 3))
        print('   -> %s end' % name, flush=True)
        return {'case': name, 'pid': os.getpid(), 'start': start}

    def run_jobs(self, names, jobs):
        import argparse
        import contextlib
        import io
        args = argparse.Namespace(jobs=jobs, initramfs=None)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            res = vmtest.run_cases(names, args, '6.1')
        return res, out.getvalue().splitlines()

    def test_order_and_grouping(self):
        names = ['vtd', 'ports-vtd', 'vtd-off-force', 'amd-ir', 'ck-tiny']
        res, lines = self.run_jobs(names, 2)
        self.assertEqual([r['case'] for r in res], names)
        # in worker processes, not this one
        self.assertNotIn(os.getpid(), [r['pid'] for r in res])
        self.assertEqual(len(lines), 2 * len(names))
        self.assertEqual(len({r['pid'] for r in res}), 2)
        for i in range(0, len(lines), 2):
            name = lines[i].split()[1]
            self.assertEqual(lines[i + 1], '   -> %s end' % name)

    def test_long_cases_first(self):
        # its own timeout, then an expected hang (its silence), started
        # by the two workers before the rest
        res, _ = self.run_jobs(['vtd', 'amd-ir', 'vtd-off-force', 'ports-vtd'], 2)
        first = sorted(res, key=lambda r: r['start'])[:2]
        self.assertEqual({r['case'] for r in first}, {'ports-vtd', 'vtd-off-force'})

    def test_harness_error_keeps_the_others(self):
        res, lines = self.run_jobs(['vtd', 'amd', 'amd-ir'], 2)
        self.assertEqual([r['case'] for r in res], ['vtd', 'amd', 'amd-ir'])
        self.assertFalse(res[1]['ok'])
        self.assertTrue(res[1]['error'])
        self.assertIn('pid', res[0])
        self.assertIn('pid', res[2])
        self.assertTrue(any('No space left on device' in l for l in lines))

    def test_one_job_runs_here(self):
        res, lines = self.run_jobs(['vtd', 'amd-ir'], 1)
        self.assertEqual([r['pid'] for r in res], [os.getpid()] * 2)
        self.assertEqual(lines[0], '== vtd start')

    def test_harness_error_with_one_job(self):
        res, lines = self.run_jobs(['amd', 'vtd'], 1)
        self.assertTrue(res[0]['error'])
        self.assertEqual(res[1]['case'], 'vtd')
        self.assertIn('pid', res[1])


class BenchArgs(unittest.TestCase):
    """bench.py runs vmtest cases: with every option run_case() reads."""

    def test_vmtest_options(self):
        import argparse
        import bench
        ns = argparse.Namespace(kernel='bzImage', vmlinux='vmlinux',
                                initramfs='base.cpio.gz', outdir='out', timeout=77)
        args = bench.vmtest_args(ns)
        self.assertEqual(set(vars(args)), set(vars(vmtest.arg_parser().parse_args([]))))
        self.assertEqual((args.kernel, args.timeout, args.outdir, args.expect),
                         ('bzImage', 77, os.path.join('out', 'runs'), None))


@unittest.skipUnless(os.environ.get('KDT_CASE_DIR'), 'KDT_CASE_DIR not set')
class VerifyDump(unittest.TestCase):
    """The dump check on a real dump: accepts it as it is, refuses it with
    the wrong marker or damaged."""

    @classmethod
    def setUpClass(cls):
        cls.dir = os.environ['KDT_CASE_DIR']
        cls.vmlinux = os.environ['KDT_VMLINUX']
        with open(os.path.join(cls.dir, 'result.json')) as f:
            cls.res = json.load(f)
        cls.vmcore = os.path.join(cls.dir, 'vmcore')
        if not os.path.exists(cls.vmcore):
            raise AssertionError('%s: no vmcore (did the case pass?)' % cls.dir)
        cls.release = cls.res['release']

    def test_accepts_the_real_dump(self):
        crash_ok, marker_ok, _ = vmtest.verify_dump(
            self.vmcore, self.vmlinux, self.res['marker'], self.release)
        self.assertTrue(crash_ok)
        self.assertTrue(marker_ok)

    def test_refuses_wrong_marker(self):
        crash_ok, marker_ok, _ = vmtest.verify_dump(
            self.vmcore, self.vmlinux, 'kdt-000000000000', self.release)
        self.assertTrue(crash_ok)
        self.assertFalse(marker_ok)

    def test_refuses_wrong_release(self):
        crash_ok, _, _ = vmtest.verify_dump(
            self.vmcore, self.vmlinux, self.res['marker'], '5.10.0')
        self.assertFalse(crash_ok)

    def test_refuses_truncated_dump(self):
        with tempfile.TemporaryDirectory() as tmp:
            bad = os.path.join(tmp, 'vmcore')
            # Keep the headers, bitmaps and the first quarter of the pages.
            with open(self.vmcore, 'rb') as src, open(bad, 'wb') as dst:
                dst.write(src.read(os.path.getsize(self.vmcore) // 4))
            crash_ok, marker_ok, _ = vmtest.verify_dump(
                bad, self.vmlinux, self.res['marker'], self.release)
            self.assertFalse(crash_ok and marker_ok)

    def test_refuses_non_dump(self):
        with tempfile.TemporaryDirectory() as tmp:
            bad = os.path.join(tmp, 'vmcore')
            with open(bad, 'wb') as f:
                f.write(b'\0' * 4096)
            self.assertFalse(vmtest.is_kdump_file(bad))
        self.assertTrue(vmtest.is_kdump_file(self.vmcore))


if __name__ == '__main__':
    unittest.main(verbosity=2)
