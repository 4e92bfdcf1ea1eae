#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the kdump_iommu KUnit suites with the kernel's own kunit.py, under
# QEMU with a vIOMMU and a crashkernel= reservation, exactly as the comment
# in drivers/iommu/.kunitconfig says (plus ccache and a build directory
# under out/).  The live suite must run, not skip: a skip here means the
# vIOMMU or the reservation is missing, which would make it prove nothing.
#
# usage: mk/kunit.sh TREE BUILD_DIR vtd|amd [build]
#   build: configure and build too (kunit.py run); else kunit.py exec on
#   an existing build.
set -euo pipefail

tree=$(cd "$1" && pwd)
build=$(mkdir -p "$2" && cd "$2" && pwd)
iommu=$3
action=${4:-exec}

# The vIOMMU, and a line its driver prints when it finds it.
case $iommu in
vtd) qemu_args='-machine q35,kernel-irqchip=split -device intel-iommu,intremap=on'
     found='DMAR: Intel\(R\) Virtualization Technology for Directed I/O' ;;
amd) qemu_args='-machine q35,kernel-irqchip=split -device amd-iommu,intremap=on'
     # (6.12 no longer says "Found IOMMU"; both print its features)
     found='AMD-Vi: (Found IOMMU|Extended features)' ;;
*) echo "kunit: unknown IOMMU $iommu (vtd or amd)" >&2; exit 2 ;;
esac

args=(--kunitconfig=drivers/iommu --arch=x86_64 --build_dir="$build"
      --qemu_args="$qemu_args" --kernel_args=crashkernel=64M --timeout=600)
if [ "$action" = build ]; then
	args=(run "${args[@]}" --jobs="$(nproc)" --make_options 'CC=ccache gcc')
else
	args=(exec "${args[@]}")
fi

# ccache across clones, as in the Makefile.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(cd "$(dirname "$0")/.." && pwd)}
export CCACHE_NOHASHDIR=1

log=$build/kunit-$iommu.log
cd "$tree"
set +e
python3 tools/testing/kunit/kunit.py "${args[@]}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
[ "$rc" -eq 0 ] || { echo "kunit: kunit.py failed ($rc)"; exit 1; }
summary=$(grep -E 'Testing complete\. Ran [0-9]+ tests' "$log" | tail -n 1)
[ -n "$summary" ] || { echo "kunit: no summary from kunit.py"; exit 1; }
case $summary in
*skipped*|*failed*|*crashed*|*errors*)
	echo "kunit: not every test ran and passed: $summary"
	exit 1 ;;
esac
grep -q 'kdump_iommu_live' "$log" || { echo "kunit: kdump_iommu_live did not run"; exit 1; }
cp "$build/test.log" "$build/kernel-$iommu.log"
grep -qE "$found" "$build/test.log" ||
	{ echo "kunit: the kernel did not find the $iommu vIOMMU"; exit 1; }
echo "kunit ($iommu): $summary"

# Negative control: the same kernel booted with kdump_iommu=off has no
# window, and every live test that depends on it must then fail (the
# target-list matching does not).
nlog=$build/kunit-$iommu-off.log
set +e
python3 tools/testing/kunit/kunit.py exec --arch=x86_64 --build_dir="$build" \
	--qemu_args="$qemu_args" --kernel_args=crashkernel=64M \
	--kernel_args=kdump_iommu=off --timeout=600 >"$nlog" 2>&1
set -e
must_fail="test_every_device_reserves test_iova_allocator_avoids_window test_arm_disarm"
live=$(sed -n '/kdump_iommu_live/,$p' "$nlog")
for t in $must_fail; do
	grep -q "\[FAILED\] $t\$" <<<"$live" ||
		{ echo "kunit: negative control: $t did not fail with kdump_iommu=off (see $nlog)"; exit 1; }
done
grep -q '\[PASSED\] test_match_targets$' <<<"$live" ||
	{ echo "kunit: negative control: test_match_targets did not run and pass (see $nlog)"; exit 1; }
echo "kunit ($iommu, kdump_iommu=off): $must_fail failed, as they must; test_match_targets passed"
