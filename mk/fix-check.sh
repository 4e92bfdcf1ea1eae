#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The series' first patch, a fix of stock VT-d kdump, on its own:
#
#   stock Debian 6.1            vtd-pt-stock hangs in the kdump kernel
#   stock + the first patch     vtd-pt-stock dumps
#
# The first is the negative control of the second: the same case, harness
# and QEMU, and a kernel that differs by that patch alone.  Both kernels
# are built with the test kernel's configuration (without the series'
# options, which stock does not have) in a work tree of the series cache,
# and kept there under a key of what they are built from, so a later run
# builds neither.
#
# usage: mk/fix-check.sh TREE OUT INITRAMFS
set -euo pipefail

[ $# -eq 3 ] || { echo "usage: $0 TREE OUT INITRAMFS" >&2; exit 2; }
tree=$(cd "$1" && pwd) out=$2 initramfs=$3
KT=tools/testing/selftests/kdump_iommu
CASE=vtd-pt-stock
here=$(cd "$(dirname "$0")" && pwd)
cache=${SERIES_CACHE:-$out/cache}
mkdir -p "$cache" "$out"
cache=$(cd "$cache" && pwd)

die() { echo "fix-check: error: $*" >&2; exit 1; }
say() { echo "fix-check: $*"; }

[ -d "$tree/.git" ] || die "$tree is not the assembled tree: run 'make tree'"
fix=$(git -C "$tree" rev-list --reverse pristine..HEAD | head -n 1)
[ -n "$fix" ] || die "$tree has no patch on pristine"
subject=$(git -C "$tree" log -1 --format=%s "$fix")
git -C "$tree" log -1 --format=%B "$fix" | grep -q '^Fixes: ' ||
	die "the first patch has no Fixes: tag, it is not the stock fix: $subject"

# The test kernel's fragment, as of the tip, less the series' options.
frag=$(git -C "$tree" show "HEAD:$KT/config" | grep -v 'KDUMP_IOMMU') ||
	die "no $KT/config in $tree"

# build LABEL REV: OUT/LABEL/{bzImage,vmlinux}, kept in the cache under a
# key of the source tree, the fragment and the compiler: a later run with
# the same builds nothing.  Both are built in one directory: the second
# differs from the first by what the patch changes.
build() {
	local label=$1 rev=$2 key b k t0 wt
	key=$({ git -C "$tree" rev-parse "$rev^{tree}"; echo "$frag"; gcc --version | head -n 1
		sha1sum <"$here/kconfig.sh"; } | sha1sum | cut -c1-16)
	k=$cache/kernels/$label-$key
	if [ ! -f "$k/vmlinux" ]; then
		t0=$(date +%s)
		wt=$("$here/cache-tree.sh" "$tree" "$cache" fix "$rev") || die "$label: no work tree"
		b=$cache/build/fix
		mkdir -p "$b"
		echo "$frag" >"$b/fragment"
		"$here/kconfig.sh" "$wt" "$b" "$b/fragment" >"$out/$label-build.log" 2>&1 ||
			{ tail -n 20 "$out/$label-build.log" >&2; die "$label: configuration failed"; }
		CCACHE_BASEDIR=$wt CCACHE_NOHASHDIR=1 make -C "$wt" O="$b" \
			CC="ccache gcc" HOSTCC="ccache gcc" \
			KBUILD_BUILD_TIMESTAMP="2026-01-01 00:00:00 UTC" \
			KBUILD_BUILD_USER=kdump KBUILD_BUILD_HOST=kdump-iommu \
			-s -j"$(nproc)" bzImage >>"$out/$label-build.log" 2>&1 ||
			{ grep -E -A3 ': (fatal )?error:' "$out/$label-build.log" | head -n 40 >&2
			  die "$label: the build failed"; }
		rm -rf "$cache/kernels/$label"-* "$k.tmp"
		mkdir -p "$k.tmp"
		cp "$b/arch/x86/boot/bzImage" "$b/vmlinux" "$k.tmp/"
		mv "$k.tmp" "$k"
		say "$label: built at $(git -C "$tree" log -1 --format='%h %s' "$rev") ($(($(date +%s) - t0)) s)"
	else
		say "$label: the kernel built before from the same source tree: $k"
	fi
	mkdir -p "$out/$label"
	ln -sf "$k/bzImage" "$out/$label/bzImage"
	ln -sf "$k/vmlinux" "$out/$label/vmlinux"
}

build stock pristine
build fixed "$fix"

# Both at once, one QEMU each.
vmtest() { # LABEL ARGS...
	local label=$1
	shift
	python3 "$tree/$KT/vmtest.py" -k "$out/$label/bzImage" -x "$out/$label/vmlinux" \
		-i "$initramfs" -o "$out/$label/vmtest" "$@" "$CASE" >"$out/$label/vmtest.log" 2>&1
}
vmtest stock --expect hang &
stock=$!
rc=0
vmtest fixed || rc=1
wait $stock || rc=$((rc | 2))
for label in stock fixed; do
	sed -n '/^case /,$p' "$out/$label/vmtest.log" | sed "s/^/fix-check: $label: /"
done
# Stock's hang is this bug: the disk took the new driver's IOVAs for
# physical addresses, and QEMU stopped its queue.
if [ $((rc & 2)) -eq 0 ] &&
	! grep -qE 'Guest says index [0-9]+ is available' "$out/stock/vmtest/$CASE/console.log"; then
	echo "fix-check: FAIL: stock 6.1 hung in $CASE, but its disk's queue did not break: another hang" >&2
	rc=$((rc | 2))
fi
[ $((rc & 2)) -eq 0 ] || echo "fix-check: FAIL: stock 6.1 did not hang in $CASE: the control shows nothing" >&2
[ $((rc & 1)) -eq 0 ] || echo "fix-check: FAIL: stock + '$subject' did not dump in $CASE" >&2
[ $rc -eq 0 ] && say "stock 6.1 hangs in $CASE, and dumps with '$subject' alone"
exit $rc
