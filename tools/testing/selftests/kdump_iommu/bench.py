#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What the kdump crash kernel window costs, and what it saves, against
stock kdump, measured in QEMU with the same configuration on both sides.

"Ours" is the series as it is; "stock" is the same kernel booted with
kdump_iommu=off in the primary and the kdump kernel, which is upstream's
behaviour (no window; the kdump kernel copies the old tables).  Absolute
times under TCG are noisy, so every number is the median of --reps runs,
ours and stock interleaved, and compared as a ratio.

1. kdump: panic -> first DMA of the dump (the dump tool starts writing),
   panic -> dump done, and the kdump kernel's IOMMU initcall
   (pci_iommu_init, timed by initcall_debug), VT-d and AMD-Vi.
2. memory: page tables holding the window's leaves, per domain, for an
   aligned and an unaligned crashkernel=, against the floor of one leaf
   table per GiB the window touches (2 MiB pages).
3. primary kernel: pci_iommu_init at boot (which probes every device;
   the window only reserves IOVAs there), and loading a crash kernel
   (kexec -p, which arms the window), with ~30 PCI functions behind the
   IOMMU (the default targets armed), and with over 200 PCIe root ports,
   each its own DMA domain (all declared: over 200 groups armed).
4. the smallest crashkernel= that still gives a dump crash(8) reads
   (a bisection over sizes, one run per size).
5. primary DMA throughput: O_DIRECT reads of a virtio disk behind the
   IOMMU.

Writes OUTDIR/results.json, OUTDIR/results.md and OUTDIR/bench.png
(gnuplot); the runs themselves stay in OUTDIR/runs/.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vmtest  # noqa: E402

IOMMUS = {'vtd': 'vtd', 'amd': 'amd-ir'}
NAMES = {'vtd': 'Intel VT-d', 'amd': 'AMD-Vi'}
# initcall_debug logs at KERN_DEBUG (kept out of the console); a larger
# log buffer keeps the early initcalls from being overwritten.  The
# initramfs is unpacked before the IOMMU initcall, not beside it: the
# asynchronous unpacking, started in the same initcall level, lands in
# the middle of pci_iommu_init in some boots and not in others, and
# doubled its time at random on either side.
TIMING = 'initcall_debug log_buf_len=1M initramfs_async=0'
ALIGNED = '256M'                # placed by the kernel, 16 MiB aligned


def median(xs):
    xs = [x for x in xs if x is not None]
    return round(statistics.median(xs), 3) if xs else None


def ratio(a, b):
    return round(a / b, 3) if a is not None and b else None


def case(iommu, stock, mode='kdump', crashkernel=None, devices=(), timing=True,
         declare=''):
    """A run of the bench.  timing=False leaves the command lines alone
    (for the size search: a larger log buffer costs crash kernel memory)."""
    base = dict(vmtest.CASES[IOMMUS[iommu]])
    extra = ((' ' + TIMING) if timing else '') + (' kdump_iommu=off' if stock else '')
    c = dict(base, mode=mode, bench=timing, expect='pass', console=[],
             devices=list(devices), pre_panic='', faults=None,
             declare='' if stock else declare, timeout=600,
             path='copy' if stock else 'skip',
             primary=(base['primary'] + extra).strip(),
             kdump=(base['kdump'] + extra).strip(),
             what='bench: %s, %s' % (NAMES[iommu], 'stock' if stock else 'ours'))
    if mode != 'kdump':
        c['path'] = None
    if crashkernel:
        c['crashkernel'] = crashkernel
    if crashkernel and '@' in crashkernel:
        # A fixed address: as in vmtest's ck-odd, a randomized kernel
        # image may sit there and fail the reservation.
        c['primary'] += ' nokaslr'
    return c


def vmtest_args(args):
    """vmtest.run_case()'s options: vmtest's own defaults, and ours."""
    return vmtest.arg_parser().parse_args(
        ['-k', args.kernel, '-x', args.vmlinux, '-i', args.initramfs,
         '-o', os.path.join(args.outdir, 'runs'), '--timeout', str(args.timeout)])


class Runner:
    def __init__(self, args):
        self.args = args
        self.vargs = vmtest_args(args)
        release = vmtest.sh(['strings', args.kernel]).stdout
        m = re.search(r'^(\d+\.\d+\.\d+\S*) \(', release, re.M)
        self.release = m.group(1) if m else ''
        vmtest.for_kernel(self.release)
        self.runs = 0
        self.t0 = time.monotonic()

    def run(self, name, c):
        for k, v in (('mem', vmtest.MEM), ('crashkernel', vmtest.CRASHKERNEL),
                     ('disk', 'virtio'), ('kexec', 'load')):
            c.setdefault(k, v)
        vmtest.CASES[name] = c
        self.runs += 1
        r = vmtest.run_case(name, self.vargs, self.args.initramfs, self.release)
        if not r['ok']:
            print('   bench: %s did not go as expected: %s' %
                  (name, '; '.join(r['mismatch'])), flush=True)
        return r


def bench_kdump(rn, reps):
    """1: the kdump kernel's path, ours against stock."""
    out = {}
    for iommu in IOMMUS:
        samples = {'ours': [], 'stock': []}
        for i in range(reps):
            for side in ('ours', 'stock'):
                r = rn.run('bench-kdump-%s-%s' % (iommu, side),
                           case(iommu, side == 'stock'))
                kinit = r['bench']['iommu_init_us']
                samples[side].append({
                    'ok': r['ok'],
                    'panic_to_first_dma_s': r['t_panic_to_dump_start_s'],
                    'panic_to_dump_done_s': r['t_panic_to_dump_done_s'],
                    'kdump_iommu_init_ms': kinit[-1] / 1000 if kinit else None,
                    'path': r['kdump_path']})
        res = {'runs': samples}
        for side in samples:
            res[side] = {k: median([s[k] for s in samples[side] if s['ok']])
                         for k in ('panic_to_first_dma_s', 'panic_to_dump_done_s',
                                   'kdump_iommu_init_ms')}
            res[side]['ok'] = sum(1 for s in samples[side] if s['ok'])
        res['ratio'] = {k: ratio(res['ours'][k], res['stock'][k])
                        for k in res['ours'] if k != 'ok'}
        out[iommu] = res
    return out


def parse_tables(status):
    """From the status file: the windows and their page tables."""
    wins, tables, domains = [], [], None
    for l in status:
        m = re.match(r'window: (0x[0-9a-f]+)-(0x[0-9a-f]+)', l)
        if m:
            wins.append((int(m.group(1), 16), int(m.group(2), 16)))
        m = re.match(r'window \d+: (\d+) IOMMU pages per domain, up to (\d+) KiB, '
                     r'in (\d+) page tables', l)
        if m:
            tables.append((int(m.group(1)), int(m.group(2)), int(m.group(3))))
        m = re.match(r'groups armed: (\d+)', l)
        if m:
            domains = int(m.group(1))
    return wins, tables, domains


def devices_armed(status):
    for l in status:
        m = re.match(r'devices armed: (\d+)', l)
        if m:
            return int(m.group(1))
    return None


# The primary kernel's machines: ~30 PCI functions with the default
# targets, and over 200 root ports, every one declared.
MACHINES = {'many': (['many'], ''), 'ports': (['ports'], '@bridges')}
PRIMARY_KEYS = ('iommu_init_ms', 'load_ms', 'dma_mib_s')


def bench_primary(rn, reps, machines):
    """3 and 5: the primary kernel's boot, loading a crash kernel, DMA."""
    out = {}
    for iommu in IOMMUS:
        for machine, (devices, declare) in MACHINES.items():
            if machine not in machines:
                continue
            samples = {'ours': [], 'stock': []}
            status, groups = None, None
            for i in range(reps):
                for side in ('ours', 'stock'):
                    r = rn.run('bench-boot-%s-%s-%s' % (iommu, machine, side),
                               case(iommu, side == 'stock', mode='bench',
                                    devices=devices, declare=declare))
                    b = r['bench']
                    mibs = [mib / s for mib, s in b['dma'] if s > 0]
                    samples[side].append({
                        'ok': r['ok'],
                        'iommu_init_ms': b['iommu_init_us'][0] / 1000
                        if b['iommu_init_us'] else None,
                        'load_ms': b['load_ms'][0] if b['load_ms'] else None,
                        'dma_mib_s': median(mibs)})
                    if side == 'ours' and b['status']:
                        status = b['status']
                    groups = b['iommu_groups'] or groups
            res = {'runs': samples, 'iommu_groups': groups}
            for side in samples:
                res[side] = {k: median([s[k] for s in samples[side] if s['ok']])
                             for k in PRIMARY_KEYS}
            res['ratio'] = {k: ratio(res['ours'][k], res['stock'][k])
                            for k in PRIMARY_KEYS}
            res['arming_ms'] = (round(res['ours']['load_ms'] -
                                      res['stock']['load_ms'], 3)
                                if None not in (res['ours']['load_ms'],
                                                res['stock']['load_ms']) else None)
            wins, tables, domains = parse_tables(status or [])
            res['groups_armed'] = domains
            res['devices_armed'] = devices_armed(status or [])
            out['%s-%s' % (iommu, machine)] = res
    return out


def bench_memory(rn):
    """2: page tables for the window, aligned and unaligned."""
    out = {}
    for iommu in IOMMUS:
        out[iommu] = {}
        # Unaligned as the ck-odd case: both ends off 2 MiB, or only the
        # end where the kernel aligns crashkernel=X@Y's Y to 16 MiB (6.9+).
        unaligned = vmtest.CASES['ck-odd']['crashkernel']
        for layout, ck in (('aligned', ALIGNED), ('unaligned', unaligned)):
            r = rn.run('bench-mem-%s-%s' % (iommu, layout),
                       case(iommu, False, mode='bench', crashkernel=ck))
            wins, tables, domains = parse_tables(r['bench']['status'])
            size = sum(e - s + 1 for s, e in wins)
            n = sum(t[2] for t in tables)
            # The floor with 2 MiB pages: one leaf table per GiB touched.
            floor = sum((e >> 30) - (s >> 30) + 1 for s, e in wins)
            out[iommu][layout] = {
                'crashkernel': ck, 'ok': r['ok'], 'window_mib': size >> 20,
                'leaf_pages': sum(t[0] for t in tables),
                'page_tables_per_domain': n,
                'page_table_kib_per_domain': n * 4,
                'per_gib': round(n / (size / (1 << 30)), 2) if size else None,
                'floor_tables': floor,
                'over_floor': n - floor if tables else None,
                'domains_armed': domains,
            }
    return out


def bench_smallest(rn, lo, hi, step):
    """4: the smallest crashkernel= with a verified dump, by bisection.
    Assumes that a size that works keeps working above it; the largest
    size is run first to show that it works at all."""
    out = {}
    for iommu in IOMMUS:
        out[iommu] = {}
        for side in ('ours', 'stock'):
            tried = {}

            def works(mib):
                r = rn.run('bench-size-%s-%s' % (iommu, side),
                           case(iommu, side == 'stock', crashkernel='%dM' % mib,
                                timing=False))
                tried[mib] = r['result']
                return r['result'] == 'pass'
            sizes = list(range(lo, hi + 1, step))
            best = None
            if works(sizes[-1]):
                a, b = 0, len(sizes) - 1     # sizes[b] works
                while a < b:
                    m = (a + b) // 2
                    if works(sizes[m]):
                        b = m
                    else:
                        a = m + 1
                best = sizes[b]
            out[iommu][side] = {'smallest_mib': best, 'tried': tried}
        out[iommu]['ratio'] = ratio(out[iommu]['ours']['smallest_mib'],
                                    out[iommu]['stock']['smallest_mib'])
    return out


def fmt(v, unit=''):
    return '-' if v is None else ('%g%s' % (v, unit))


def markdown(res):
    L = []
    k, p, m, s = (res.get(x) for x in ('kdump', 'primary', 'memory', 'smallest'))
    L.append('Medians of %d runs each (ours and stock interleaved), QEMU %s, '
             'TCG, 2 vCPUs; ratio = ours / stock.\n' % (res['reps'], res['qemu']))
    if k:
        L.append('| kdump | IOMMU | ours | stock | ratio |')
        L.append('|---|---|---|---|---|')
        for what, key, unit in (('panic -> first DMA of the dump', 'panic_to_first_dma_s', ' s'),
                                ('panic -> dump done', 'panic_to_dump_done_s', ' s'),
                                ("kdump kernel's IOMMU init (pci_iommu_init)",
                                 'kdump_iommu_init_ms', ' ms')):
            for iommu in k:
                L.append('| %s | %s | %s | %s | %s |' % (
                    what, NAMES[iommu], fmt(k[iommu]['ours'][key], unit),
                    fmt(k[iommu]['stock'][key], unit), fmt(k[iommu]['ratio'][key])))
        L.append('')
    if p:
        L.append('| primary kernel | machine | IOMMU | ours | stock | ratio |')
        L.append('|---|---|---|---|---|---|')
        for what, key, unit in (('boot: pci_iommu_init', 'iommu_init_ms', ' ms'),
                                ('kexec -p (arms the window)', 'load_ms', ' ms'),
                                ('DMA throughput, O_DIRECT reads', 'dma_mib_s', ' MiB/s')):
            for name, v in p.items():
                iommu, machine = name.split('-', 1)
                L.append('| %s | %s IOMMU groups | %s | %s | %s | %s |' % (
                    what, fmt(v['iommu_groups']), NAMES[iommu],
                    fmt(v['ours'][key], unit), fmt(v['stock'][key], unit),
                    fmt(v['ratio'][key])))
        for name, v in p.items():
            iommu, machine = name.split('-', 1)
            L.append('| arming (kexec -p, ours - stock): %s devices in %s groups '
                     '| %s IOMMU groups | %s | %s | | |' % (
                         fmt(v['devices_armed']), fmt(v['groups_armed']),
                         fmt(v['iommu_groups']), NAMES[iommu],
                         fmt(v['arming_ms'], ' ms')))
        L.append('')
    if m:
        L.append('| window page tables per domain | IOMMU | crashkernel= | window | leaf pages '
                 '| page tables (KiB) | per GiB | floor (1 per GiB touched) |')
        L.append('|---|---|---|---|---|---|---|---|')
        for iommu in m:
            for layout, v in m[iommu].items():
                L.append('| %s | %s | `%s` | %s MiB | %s | %s (%s) | %s | %s |' % (
                    layout, NAMES[iommu], v['crashkernel'], v['window_mib'],
                    v['leaf_pages'], v['page_tables_per_domain'],
                    v['page_table_kib_per_domain'], v['per_gib'], v['floor_tables']))
        L.append('')
    if s:
        L.append('| smallest crashkernel= with a verified dump | ours | stock | ratio |')
        L.append('|---|---|---|---|')
        for iommu in s:
            L.append('| %s | %s | %s | %s |' % (
                NAMES[iommu], fmt(s[iommu]['ours']['smallest_mib'], ' MiB'),
                fmt(s[iommu]['stock']['smallest_mib'], ' MiB'), fmt(s[iommu]['ratio'])))
        L.append('')
    return '\n'.join(L)


def plot(res, path):
    """bench.png: (1) kdump times and (4) smallest crashkernel=."""
    if not shutil.which('gnuplot'):
        print('bench: no gnuplot (make deps installs gnuplot-nox): no plot')
        return False
    d = os.path.dirname(path)
    k, s = res.get('kdump'), res.get('smallest')
    with open(os.path.join(d, 'kdump.dat'), 'w') as f:
        for iommu in (k or {}):
            for key, label in (('panic_to_first_dma_s', 'first DMA'),
                               ('panic_to_dump_done_s', 'dump done')):
                f.write('"%s\\n%s" %s %s\n' % (NAMES[iommu], label,
                                               k[iommu]['ours'][key] or 0,
                                               k[iommu]['stock'][key] or 0))
    with open(os.path.join(d, 'smallest.dat'), 'w') as f:
        for iommu in (s or {}):
            f.write('"%s" %s %s\n' % (NAMES[iommu], s[iommu]['ours']['smallest_mib'] or 0,
                                      s[iommu]['stock']['smallest_mib'] or 0))
    panels = []
    if k:
        panels.append('set title "(1) kdump: seconds after the panic (median of %d)"\n'
                      'set ylabel "s"\n'
                      'plot "%s/kdump.dat" using 2:xtic(1) title "ours (hand-off)", '
                      '"" using 3 title "stock (copy)"' % (res['reps'], d))
    if s:
        panels.append('set title "(4) smallest crashkernel= with a verified dump"\n'
                      'set ylabel "MiB"\n'
                      'plot "%s/smallest.dat" using 2:xtic(1) title "ours", '
                      '"" using 3 title "stock"' % d)
    if not panels:
        return False
    script = '\n'.join([
        'set terminal pngcairo size %d,420 font ",10"' % (500 * len(panels)),
        'set output "%s"' % path,
        'set multiplot layout 1,%d' % len(panels),
        'set style data histograms',
        'set style histogram clustered gap 1',
        'set style fill solid 0.8 border -1',
        'set boxwidth 0.9',
        'set grid ytics',
        'set yrange [0:*]',
        'set key top left',
        'set bmargin 4',
        'set offsets 0, 0, graph 0.2, 0'] + panels + ['unset multiplot', ''])
    r = subprocess.run(['gnuplot'], input=script, text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode:
        print('bench: gnuplot failed: ' + r.stdout)
    return r.returncode == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('-k', '--kernel', required=True)
    ap.add_argument('-x', '--vmlinux', required=True)
    ap.add_argument('-i', '--initramfs', required=True)
    ap.add_argument('-o', '--outdir', default='out/bench')
    ap.add_argument('--reps', type=int, default=5,
                    help='runs per measurement (medians; at least 5 for the README)')
    ap.add_argument('--only', default='kdump,primary,memory,smallest',
                    help='comma-separated parts to run')
    ap.add_argument('--machines', default=','.join(MACHINES),
                    help='comma-separated machines of the primary part (%s)' %
                    ', '.join(MACHINES))
    ap.add_argument('--sizes', default='16:256:8',
                    help='crashkernel= search, MiB: lo:hi:step')
    ap.add_argument('--timeout', type=int, default=300)
    args = ap.parse_args()
    only = set(args.only.split(','))
    machines = args.machines.split(',')
    bad = [m for m in machines if m not in MACHINES]
    if bad:
        ap.error('unknown machine %s: choose from %s' % (', '.join(bad), ', '.join(MACHINES)))
    lo, hi, step = (int(x) for x in args.sizes.split(':'))

    os.makedirs(args.outdir, exist_ok=True)
    rn = Runner(args)
    qemu = vmtest.sh(['qemu-system-x86_64', '--version']).stdout.split('\n')[0]
    res = {'reps': args.reps, 'qemu': re.sub(r'^QEMU emulator version ', '', qemu),
           'kernel': rn.release}
    if 'kdump' in only:
        res['kdump'] = bench_kdump(rn, args.reps)
    if 'primary' in only:
        res['primary'] = bench_primary(rn, args.reps, machines)
    if 'memory' in only:
        res['memory'] = bench_memory(rn)
    if 'smallest' in only:
        res['smallest'] = bench_smallest(rn, lo, hi, step)
    res['runs'] = rn.runs
    res['seconds'] = round(time.monotonic() - rn.t0)

    with open(os.path.join(args.outdir, 'results.json'), 'w') as f:
        json.dump(res, f, indent=2, sort_keys=True)
        f.write('\n')
    md = markdown(res)
    with open(os.path.join(args.outdir, 'results.md'), 'w') as f:
        f.write(md + '\n')
    print('\n' + md)
    plot(res, os.path.abspath(os.path.join(args.outdir, 'bench.png')))
    print('bench: %d runs in %d s; %s/results.{json,md}, bench.png' %
          (rn.runs, res['seconds'], args.outdir))
    return 0


if __name__ == '__main__':
    sys.exit(main())
