#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build an ia64 cross compiler for compile-testing the series on HP zx1
# (sba_iommu): Debian 12 ships binutils-ia64-linux-gnu but no ia64 gcc, so
# build gcc's C compiler and libgcc from Debian's gcc-12-source, the way
# the kernel.org "nolibc" cross compilers are built (no C library, no
# threads, no shared libraries: all a kernel needs).
#
# The result is cached outside the repository and reused:
#   $IA64_CACHE/gcc-12/bin/ia64-linux-gnu-gcc
# (default IA64_CACHE=/var/cache/kdump-iommu/ia64).  About 30 minutes on
# two cores the first time; a no-op afterwards.
#
# usage: mk/ia64-toolchain.sh [--check]
#   --check: only say whether the cached compiler is there (exit 0/1)
set -euo pipefail

CACHE=${IA64_CACHE:-/var/cache/kdump-iommu/ia64}
PREFIX=$CACHE/gcc-12
TARGET=ia64-linux-gnu
CC_BIN=$PREFIX/bin/$TARGET-gcc
HERE=$(cd "$(dirname "$0")" && pwd)

works() {
	[ -x "$CC_BIN" ] && echo 'int f(int x) { return x + 1; }' |
		"$CC_BIN" -x c -c -o /dev/null - 2>/dev/null
}

if works; then
	echo "ia64-toolchain: $CC_BIN ($("$CC_BIN" -dumpversion))"
	exit 0
fi
if [ "${1:-}" = --check ]; then
	echo "ia64-toolchain: no cached compiler at $CC_BIN (make ia64-toolchain builds it)"
	exit 1
fi

"$HERE/deps.sh" binutils-ia64-linux-gnu gcc-12-source libgmp-dev libmpfr-dev \
	libmpc-dev flex bison xz-utils

tarball=$(ls /usr/src/gcc-12/gcc-*.tar.xz 2>/dev/null | grep -v gm2 | head -n 1)
if [ -z "$tarball" ]; then
	echo "ia64-toolchain: no gcc source tarball in /usr/src/gcc-12 (gcc-12-source)" >&2
	exit 1
fi

src=$CACHE/src
build=$CACHE/build
rm -rf "$src" "$build" "$PREFIX"
mkdir -p "$src" "$build"
echo "ia64-toolchain: unpacking $tarball"
tar -C "$src" --strip-components=1 -xf "$tarball"

cd "$build"
echo "ia64-toolchain: configuring gcc for $TARGET in $build"
"$src/configure" --target=$TARGET --prefix="$PREFIX" \
	--with-as=/usr/bin/$TARGET-as --with-ld=/usr/bin/$TARGET-ld \
	--enable-languages=c --without-headers --with-newlib \
	--disable-multilib --disable-nls --disable-shared --disable-threads \
	--disable-bootstrap --disable-decimal-float --disable-libatomic \
	--disable-libgomp --disable-libitm --disable-libquadmath \
	--disable-libsanitizer --disable-libssp --disable-libstdcxx \
	--disable-libvtv --disable-lto --disable-plugin >configure.log 2>&1 ||
	{ tail -n 20 configure.log >&2; exit 1; }

echo "ia64-toolchain: building (log: $build/build.log)"
t0=$(date +%s)
# Debian's -dfsg tarball has no gcc/doc/tm.texi, which "make install"
# would regenerate and compare (and fail): the docs are not needed.
{ make -j"$(nproc)" all-gcc && make -j"$(nproc)" all-target-libgcc &&
	touch gcc/s-tm-texi && make install-gcc install-target-libgcc; } \
	>build.log 2>&1 ||
	{ tail -n 30 build.log >&2; exit 1; }
# Binutils come from Debian; put them next to gcc so that one PATH entry
# (or CROSS_COMPILE=$PREFIX/bin/$TARGET-) finds the whole toolchain.
for t in /usr/bin/$TARGET-*; do
	[ -e "$PREFIX/bin/${t##*/}" ] || ln -s "$t" "$PREFIX/bin/"
done
rm -rf "$src" "$build"
works || { echo "ia64-toolchain: the new compiler does not work" >&2; exit 1; }
echo "ia64-toolchain: built $CC_BIN in $(($(date +%s) - t0)) s"
