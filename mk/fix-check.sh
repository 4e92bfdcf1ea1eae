#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The series' first patches, fixes of stock kdump bugs, each on its own.
# For the k-th fix, with K0 stock Debian 6.1 and Kk = K(k-1) + fix k:
#
#   K(k-1)   the fix's cases hang in the kdump kernel, the way the bug does
#   Kk       they dump
#
# The first is the negative control of the second: the same cases, harness
# and QEMU, and kernels that differ by that one patch.  A case says what the
# hang looks like without the fix (its without_fix in vmtest.py).  The
# kernels are built with the test kernel's configuration (without the
# series' options, which stock does not have) in a work tree of the series
# cache, and kept there under a key of what they are built from, so a later
# run builds none.
#
# usage: mk/fix-check.sh TREE OUT INITRAMFS
set -euo pipefail

[ $# -eq 3 ] || { echo "usage: $0 TREE OUT INITRAMFS" >&2; exit 2; }
tree=$(cd "$1" && pwd) out=$2 initramfs=$3
KT=tools/testing/selftests/kdump_iommu
here=$(cd "$(dirname "$0")" && pwd)
cache=${SERIES_CACHE:-$out/cache}
mkdir -p "$cache" "$out"
cache=$(cd "$cache" && pwd)

# The cases that show each fix, by its subject.
declare -A CASES=(
	['iommu/vt-d: Clear a copied context entry before invalidating it']='vtd-pt-stock'
	['iommu/amd: Disable IOMMUs left enabled when amd_iommu=off or iommu=off']='amd-kdump-amdoff amd-kdump-off'
)

die() { echo "fix-check: error: $*" >&2; exit 1; }
say() { echo "fix-check: $*"; }

[ -d "$tree/.git" ] || die "$tree is not the assembled tree: run 'make tree'"
fixes=()
for c in $(git -C "$tree" rev-list --reverse pristine..HEAD); do
	git -C "$tree" log -1 --format=%B "$c" | grep -q '^Fixes: ' || break
	fixes+=("$c")
done
[ ${#fixes[@]} -gt 0 ] || die "the series starts with no patch with a Fixes: tag"
for c in "${fixes[@]}"; do
	subject=$(git -C "$tree" log -1 --format=%s "$c")
	[ -n "${CASES[$subject]:-}" ] || die "no case shows the fix '$subject': add it to CASES"
done

# The test kernel's fragment, as of the tip, less the series' options.
frag=$(git -C "$tree" show "HEAD:$KT/config" | grep -v 'KDUMP_IOMMU') ||
	die "no $KT/config in $tree"

# build LABEL REV: OUT/LABEL/{bzImage,vmlinux}, kept in the cache under a
# key of the source tree, the fragment and the compiler: a later run with
# the same builds nothing.  All are built in one directory: each differs
# from the one before by what one patch changes.
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

build k0 pristine
k=0
for c in "${fixes[@]}"; do
	k=$((k + 1))
	build "k$k" "$c"
done

# vmtest LABEL KERNEL ARGS... CASES
vmtest() {
	local label=$1 kernel=$2
	shift 2
	python3 "$tree/$KT/vmtest.py" -k "$out/$kernel/bzImage" -x "$out/$kernel/vmlinux" \
		-i "$initramfs" -o "$out/$label/vmtest" "$@" >"$out/$label/vmtest.log" 2>&1
}
rc=0 k=0
for c in "${fixes[@]}"; do
	k=$((k + 1))
	subject=$(git -C "$tree" log -1 --format=%s "$c")
	# shellcheck disable=SC2086
	{
		mkdir -p "$out/without-$k" "$out/with-$k"
		# One QEMU for each kernel at once.
		vmtest "without-$k" "k$((k - 1))" --expect hang -j 1 ${CASES[$subject]} &
		pid=$!
		ok=0
		vmtest "with-$k" "k$k" -j 1 ${CASES[$subject]} || ok=1
		wait $pid || ok=$((ok | 2))
	}
	for label in "without-$k" "with-$k"; do
		sed -n '/^case /,$p' "$out/$label/vmtest.log" | sed "s/^/fix-check: $label: /"
	done
	[ $((ok & 2)) -eq 0 ] ||
		echo "fix-check: FAIL: without '$subject', ${CASES[$subject]} did not hang the way the bug does: the control shows nothing" >&2
	[ $((ok & 1)) -eq 0 ] ||
		echo "fix-check: FAIL: with '$subject', ${CASES[$subject]} did not dump" >&2
	[ $ok -eq 0 ] && say "fix $k: ${CASES[$subject]} hang without '$subject' and dump with it"
	rc=$((rc | ok))
done
exit $rc
