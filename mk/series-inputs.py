#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Does a commit change anything a kernel build read?

    series-inputs.py [--since REV] BUILD TREE FILE...

BUILD is a Kbuild output directory (O=) built from TREE; FILEs are the
paths, relative to TREE, that the commit changes (or the commits since
REV, up to TREE's HEAD).  Prints the first FILE
that is an input of the build and exits 0, or exits 1 when none is: the
build after the commit would do exactly what it did before, and the
series check need not run it.

Inputs are the sources and headers the .cmd files of BUILD list (what
each object was compiled from), and the Makefiles and Kbuild files of the
directories the build descended into (and scripts/), unless every line
the commit changes in them adds or removes an object under a CONFIG_
option that BUILD's .config does not set.  Kconfig files are not
inputs here: the caller compares .config after olddefconfig instead.
"""

import os
import re
import subprocess
import sys

OBJ_LINE = re.compile(r'^[-+]\s*obj-\$\(CONFIG_(\w+)\)\s*[+:]?=')


def build_inputs(build, tree):
    """Every file under TREE that a .cmd file of BUILD names as a source
    or a dependency (Kbuild writes them as absolute paths, one a line)."""
    prefix = os.path.realpath(tree) + os.sep
    inputs = set()
    for root, _, files in os.walk(build):
        for name in files:
            if not name.endswith('.cmd'):
                continue
            with open(os.path.join(root, name), errors='replace') as f:
                for line in f:
                    if line.startswith('source_'):
                        path = line.split(':=', 1)[-1].strip()
                    elif line.startswith('  /'):
                        path = line.strip().rstrip('\\').strip()
                    else:
                        continue
                    if path.startswith(prefix):
                        inputs.add(path[len(prefix):])
    return inputs


def config_set(build):
    opts = set()
    with open(os.path.join(build, '.config')) as f:
        for line in f:
            m = re.match(r'CONFIG_(\w+)=[ym]', line)
            if m:
                opts.add(m.group(1))
    return opts


def makefile_matters(tree, since, path, opts):
    """Whether a commit's change to a Makefile can change this build: any
    changed line but an obj-$(CONFIG_X) line with X unset counts."""
    diff = subprocess.run(['git', '-C', tree, 'diff', '-U0', since, 'HEAD', '--', path],
                          stdout=subprocess.PIPE, text=True).stdout
    for line in diff.splitlines():
        if not line.startswith(('+', '-')) or line.startswith(('+++', '---')):
            continue
        m = OBJ_LINE.match(line)
        if not m or m.group(1) in opts:
            return True
    return False


def main():
    args = sys.argv[1:]
    since = 'HEAD^'
    if args[:1] == ['--since']:
        since, args = args[1], args[2:]
    build, tree, files = args[0], args[1], args[2:]
    if not os.path.exists(os.path.join(build, '.config')):
        print('(no earlier build)')
        return 0
    inputs = build_inputs(build, tree)
    opts = config_set(build)
    for f in files:
        base = os.path.basename(f)
        if base.startswith('Kconfig'):
            continue
        if base.startswith(('Makefile', 'Kbuild')) or base.endswith('.mk'):
            # Kbuild makes an output directory for every directory it
            # descends into: a Makefile elsewhere (tools/, say) is not
            # read, and one that starts to be read is named by a change
            # to its parent's, which is.
            d = os.path.dirname(f)
            if d and not os.path.isdir(os.path.join(build, d)) and \
                    d.split('/')[0] != 'scripts':
                continue
            if makefile_matters(tree, since, f, opts):
                print(f)
                return 0
            continue
        if f in inputs:
            print(f)
            return 0
    return 1


if __name__ == '__main__':
    sys.exit(main())
