#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the base initramfs of the kdump_iommu QEMU tests: busybox-static,
# kexec-tools and makedumpfile (with their shared libraries, from the host),
# init.sh as /init, and the in-guest tests.  vmtest.py appends the per-case
# configuration and, for the primary kernel, the kernel to kexec.
#
# usage: mkinitramfs.sh OUTPUT.cpio.gz
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=$1

# need PROGRAM DEBIAN-PACKAGE
need() {
	command -v "$1" >/dev/null 2>&1 && return
	for d in /usr/sbin /sbin /usr/bin; do
		[ -x "$d/$1" ] && return
	done
	echo "mkinitramfs: $1 not found (Debian package: $2)" >&2
	exit 1
}
need busybox busybox-static
need kexec kexec-tools
need makedumpfile "makedumpfile"
need cpio "cpio"

bin() { PATH=$PATH:/usr/sbin:/sbin command -v "$1"; }

busybox=$(bin busybox)
if ! file -L "$busybox" | grep -q 'statically linked'; then
	echo "mkinitramfs: $busybox is not static (apt-get install busybox-static)" >&2
	exit 1
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc,proc,sys,dev,tmp,boot}
ln -s lib "$root/usr/lib"

cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list-full); do
	[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done

# Dynamically linked tools with the libraries they load, at the same paths.
for tool in kexec makedumpfile; do
	path=$(bin $tool)
	rm -f "$root/sbin/$tool" "$root/bin/$tool" "$root/usr/sbin/$tool" "$root/usr/bin/$tool"
	cp "$path" "$root/sbin/$tool"
	ldd "$path" | grep -o '/[^ ]*' | while read -r lib; do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
done

install -m 755 "$here/init.sh" "$root/init"
mkdir -p "$root/kselftest"
install -m 755 "$here/kdump_iommu_test.sh" "$root/kselftest/"
# The in-guest VFIO test's helper, static: the image has no C library.
${CC:-gcc} -static -O2 -Wall -o "$root/kselftest/vfio_map" "$here/vfio_map.c" ||
	{ echo "mkinitramfs: cannot build vfio_map (Debian: gcc, libc6-dev)" >&2; exit 1; }

(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) |
	gzip -6 >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs: $out ($(du -h "$out" | cut -f1))"
