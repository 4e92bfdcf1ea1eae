#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Compile test of the series on HP zx1 (ia64, sba_iommu): zx1_defconfig
# with kexec and without kallsyms, once with CONFIG_KDUMP_IOMMU_RESERVE=y
# and once without, each linked into a vmlinux.  Then our files are rebuilt with W=1: the
# feature's own files must have no warning at all, and sba_iommu.c (an
# upstream file with W=1 warnings of its own) must have no warning with
# the feature on that it does not have with the feature off.
#
# Needs the cached cross compiler of mk/ia64-toolchain.sh; without it,
# says so and exits 2 (the caller decides whether that is a skip).
#
# usage: mk/ia64-check.sh TREE OUT [on|off]...
#
# IA64_CONFIG_ONLY=1: only make the .configs (for a caller that wants to
# know whether a change to Kconfig changes them).
set -uo pipefail

tree=$1 out=$2
shift 2
configs=${*:-on off}
CACHE=${IA64_CACHE:-/var/cache/kdump-iommu/ia64}
CROSS=$CACHE/gcc-12/bin/ia64-linux-gnu-
here=$(cd "$(dirname "$0")" && pwd)

if ! IA64_CACHE=$CACHE "$here/ia64-toolchain.sh" --check; then
	exit 2
fi

ours='drivers/iommu/kdump_reserve\.c|include/linux/kdump_iommu\.h'
# ccache across clones and build directories, as in the Makefile
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(cd "$here/.." && pwd)}
export CCACHE_NOHASHDIR=1
sba=arch/ia64/hp/common/sba_iommu.c
fail=0

# warnings FILE: FILE's warnings on stdin, without line numbers, sorted
warnings() {
	grep -E "$1:[0-9]+(:[0-9]+)?: warning:" | sed -E 's/^.*(sba_iommu\.c):[0-9]+(:[0-9]+)?:/\1:/' |
		sort -u
}

kmake() { # BUILD ARGS...
	local b=$1
	shift
	make -s -C "$tree" O="$b" ARCH=ia64 CROSS_COMPILE="$CROSS" \
		CC="ccache ${CROSS}gcc" HOSTCC="ccache gcc" \
		KBUILD_BUILD_TIMESTAMP="2026-01-01 00:00:00 UTC" \
		KBUILD_BUILD_USER=kdump KBUILD_BUILD_HOST=kdump-iommu "$@"
}

for cfg in $configs; do
	b=$(mkdir -p "$out/ia64-zx1-$cfg" && cd "$out/ia64-zx1-$cfg" && pwd)
	log=$b/build.log
	echo "ia64-check: zx1_defconfig, KDUMP_IOMMU_RESERVE=$cfg, in $b"
	kmake "$b" zx1_defconfig >/dev/null
	# (no kallsyms: one link of vmlinux instead of three, for a
	# compile test that boots nothing)
	"$tree/scripts/config" --file "$b/.config" --enable KEXEC --disable KALLSYMS \
		"--$([ "$cfg" = on ] && echo enable || echo disable)" KDUMP_IOMMU_RESERVE
	kmake "$b" olddefconfig >/dev/null
	want=$([ "$cfg" = on ] && echo y || echo n)
	got=$(grep -q '^CONFIG_KDUMP_IOMMU_RESERVE=y' "$b/.config" && echo y || echo n)
	if [ "$want" != "$got" ]; then
		echo "ia64-check: $cfg: Kconfig gave KDUMP_IOMMU_RESERVE=$got" >&2
		fail=1
		continue
	fi
	[ -z "${IA64_CONFIG_ONLY:-}" ] || continue
	if ! kmake "$b" -j"$(nproc)" vmlinux >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		echo "ia64-check: $cfg: vmlinux build FAILED (log: $log)" >&2
		fail=1
		continue
	fi
	echo "ia64-check: $cfg: vmlinux $(stat -c %s "$b/vmlinux") bytes"

	# W=1 on our objects only (the rest of ia64 is not ours to fix).
	objs=${sba%.c}.o
	[ "$cfg" = on ] && objs="$objs drivers/iommu/kdump_reserve.o"
	rm -f "$b/${sba%.c}.o" "$b/drivers/iommu/kdump_reserve.o"
	kmake "$b" W=1 $objs >"$b/w1.log" 2>&1 || { cat "$b/w1.log" >&2; fail=1; }
	if grep -E "($ours):[0-9]+(:[0-9]+)?: warning:" "$b/w1.log" >&2; then
		echo "ia64-check: $cfg: W=1 warnings in our files" >&2
		fail=1
	fi
	warnings "$sba" <"$b/w1.log" >"$b/sba-w1.txt"
	echo "ia64-check: $cfg: $(wc -l <"$b/sba-w1.txt") W=1 warnings in sba_iommu.c"
done

if [ -n "${IA64_CONFIG_ONLY:-}" ]; then
	exit $fail
fi

# sba_iommu.c is upstream's, with its own W=1 warnings (kernel-doc): the
# series may add none.  Compare with the pristine file, line numbers
# left out (our hunks move them).
base=$(git -C "$tree" rev-list --max-parents=0 HEAD)
git -C "$tree" show "$base:$sba" >"$out/sba_iommu.pristine.c"
"$tree/scripts/kernel-doc" -none "$out/sba_iommu.pristine.c" 2>&1 |
	sed "s|$out/sba_iommu.pristine.c|$sba|" | warnings "$sba" >"$out/sba-w1.pristine.txt"
for cfg in $configs; do
	new=$(comm -23 "$out/ia64-zx1-$cfg/sba-w1.txt" "$out/sba-w1.pristine.txt")
	if [ -n "$new" ]; then
		echo "ia64-check: $cfg: W=1 warnings the series brings to sba_iommu.c:" >&2
		echo "$new" >&2
		fail=1
	fi
done
[ $fail -eq 0 ] && echo "ia64-check: ok ($configs)"
exit $fail
