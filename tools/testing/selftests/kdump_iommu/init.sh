#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the kdump_iommu test initramfs.  The same image boots the primary
# kernel and the kdump kernel; /proc/vmcore tells which one we are.
#
# Primary: leave a marker in kernel memory, load the crash kernel with
# kexec -p, panic.  Kdump: save /proc/vmcore with makedumpfile (flattened
# format) onto the disk whose serial is "kdtdump", and power off.
#
# /etc/kdt.conf (appended per test case by vmtest.py) sets:
#   KDT_MARKER    token written into kernel memory before the panic
#   KDT_KEXEC     "load" (kexec_load, kexec -c) or "file" (kexec_file_load, -s)
#   KDT_KDUMP_CMDLINE  command line of the kdump kernel
#   KDT_DUMP_LEVEL     makedumpfile -d level
#   KDT_PRE_LOAD       shell command(s) run before the crash kernel is loaded
#   KDT_DECLARE        devices to declare in /sys/kernel/kdump_iommu/devices
#                      before the crash kernel is loaded (optional)
#   KDT_PRE_PANIC      shell command(s) run right before the panic (optional)
#   KDT_PRE_DUMP       shell command(s) the kdump kernel runs before the dump
#   KDT_MODE      "kselftest": run the in-guest tests and power off instead
#   KDT_EDU, KDT_DUMP_BDF  PCI addresses of the edu device and the dump disk
#   KDT_VFIO      PCI address of the device vfio_guest assigns to a "guest"
#   KDT_BENCH     "1": print measurements for bench.py (see bench_iommu_init)
#   KDT_BENCH_MB  in KDT_MODE=bench: MiB to read from the dump disk per pass
#
# Every line this script prints starts with "KDT: " so the host can time and
# check the phases on the serial console.

PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PATH

# This powers the machine off and writes /dev/mem: only ever as /init.
if [ $$ -ne 1 ]; then
	echo "init.sh: the /init of the kdump_iommu test initramfs, not a program" >&2
	exit 1
fi

say() { echo "KDT: $*"; }

halt() {
	sync
	poweroff -f
	# poweroff -f never returns; if it did, keep the console quiet.
	sleep 1000000
}

fail() {
	say "FAIL $*"
	halt
}

mount -t proc none /proc
mount -t sysfs none /sys
mount -t devtmpfs none /dev 2>/dev/null
mount -t debugfs none /sys/kernel/debug 2>/dev/null
mount -t tmpfs none /tmp

[ -r /etc/kdt.conf ] || fail "no /etc/kdt.conf in the initramfs"
. /etc/kdt.conf

# The disk the dump goes to: the one QEMU gave the serial "kdtdump".
dump_disk() {
	for b in /sys/block/*; do
		s=$(cat "$b/serial" "$b/device/serial" 2>/dev/null | tr -d ' ')
		[ "$s" = kdtdump ] && { echo "/dev/${b##*/}"; return 0; }
	done
	return 1
}

# Interrupts taken by the dump disk's driver, and the irq chip they came
# through ("IR-PCI-MSI" when interrupt remapping is on).
disk_irqs() {
	awk '/virtio|nvme/ { n = 0; for (i = 2; i <= NF; i++) {
			if ($i ~ /^[0-9]+$/) n += $i; else break }
		total += n; if (chip == "") chip = $i }
	     END { printf "irqs=%d chip=%s\n", total, chip }' /proc/interrupts
}

crash_start() {
	sed -n 's/^ *\([0-9a-f]*\)-[0-9a-f]* : Crash kernel$/\1/p' /proc/iomem | head -n 1
}

# QEMU's edu test device (docs/specs/edu.txt), driven from user space: a
# rogue device that writes 2 KiB of zeros from its buffer (0x40000) to the
# start of the crash region, treating it as a DMA address.  Without a
# window (or with an identity domain) that address is the crash region.
edu_dma_to_crash_region() {
	d=/sys/bus/pci/devices/$KDT_EDU
	[ -e "$d/config" ] || fail "no edu device at $KDT_EDU"
	crash=$(crash_start)
	bar=$(head -n 1 "$d/resource" | cut -d' ' -f1)
	# memory space and bus master on: no driver did it for us
	printf '\006' | dd of="$d/config" bs=1 seek=4 conv=notrunc 2>/dev/null
	devmem $((bar + 0x80)) 64 0x40000 &&		# source: edu buffer
	devmem $((bar + 0x88)) 64 0x$crash &&		# destination
	devmem $((bar + 0x90)) 64 2048 &&		# count
	devmem $((bar + 0x98)) 64 3 ||			# start, edu -> RAM
		fail "programming edu failed"
	say "edu: DMA write of 2048 bytes to 0x$crash programmed"
}

# The first 2 KiB of the crash region, read through /dev/mem (the test
# kernel has no STRICT_DEVMEM), as a checksum.
crash_head_sum() {
	dd if=/dev/mem bs=2048 skip=$((0x$(crash_start) / 2048)) count=1 2>/dev/null |
		md5sum | cut -d" " -f1
}

# edu_check LABEL: let edu write zeros over the start of the crash region
# and say, from what is there afterwards, whether the write landed.  While
# no crash kernel is loaded the region is first filled with a pattern; a
# loaded one has its ELF core header there (kexec_file_load).
edu_check() {
	if [ "$(cat /sys/kernel/kexec_crash_loaded)" = 0 ]; then
		yes KDT | tr -d '\n' | head -c 2048 >/tmp/pattern
		dd if=/tmp/pattern of=/dev/mem bs=2048 count=1 \
			seek=$((0x$(crash_start) / 2048)) conv=notrunc 2>/dev/null ||
			fail "cannot write the crash region through /dev/mem"
	fi
	zeros=$(dd if=/dev/zero bs=2048 count=1 2>/dev/null | md5sum | cut -d" " -f1)
	before=$(crash_head_sum)
	[ "$before" != "$zeros" ] || fail "edu: $1: the crash region starts with zeros: cannot tell"
	edu_dma_to_crash_region
	sleep 1
	after=$(crash_head_sum)
	if [ "$after" = "$before" ]; then
		say "edu: $1: write blocked (crash region unchanged)"
	elif [ "$after" = "$zeros" ]; then
		say "edu: $1: write landed (crash region zeroed)"
	else
		say "edu: $1: crash region changed, but not to zeros"
	fi
}

# vfio_guest [into]: the device $KDT_VFIO assigned to a "guest": bound to
# vfio-pci, with 2 MiB of memory mapped at the crash region's IOVAs, as a
# VMM maps guest RAM (VFIO leaves a guest its whole IOVA space), held
# through the panic, and bus mastering on, as the guest's driver leaves
# it.  With "into", the memory is the crash region's own, 2 MiB on
# (/dev/mem): a mapping that reaches the kdump kernel's memory.
vfio_guest() {
	d=/sys/bus/pci/devices/$KDT_VFIO
	group=$(readlink "$d/iommu_group") || fail "vfio: $KDT_VFIO in no IOMMU group"
	[ -e "$d/driver" ] && echo "$KDT_VFIO" >"$d/driver/unbind"
	echo vfio-pci >"$d/driver_override"
	echo "$KDT_VFIO" >/sys/bus/pci/drivers_probe
	[ "$(drv "$d")" = vfio-pci ] || fail "vfio: $KDT_VFIO not bound to vfio-pci"
	crash=$((0x$(crash_start)))
	/kselftest/vfio_map "${group##*/}" $crash 0x200000 hold \
		${1:+$((crash + 0x200000))} >/tmp/vfio.out 2>&1 &
	for i in $(seq 50); do
		grep -q holding /tmp/vfio.out && break
		sleep 0.2
	done
	sed 's/^/KDT: /' /tmp/vfio.out
	grep -q holding /tmp/vfio.out || fail "vfio: no mapping held"
	printf '\006' | dd of="$d/config" bs=1 seek=4 conv=notrunc 2>/dev/null
	vfio_state
}

# vfio_state: say whether $KDT_VFIO may master the bus (PCI Command
# register bit 2), and which driver has it.
vfio_state() {
	d=/sys/bus/pci/devices/$KDT_VFIO
	cmd=$(od -An -tu1 -j4 -N1 "$d/config" | tr -d ' ')
	[ -n "$cmd" ] || fail "vfio: cannot read the config space of $KDT_VFIO"
	if [ $((cmd & 4)) -ne 0 ]; then bm=on; else bm=off; fi
	say "vfio: $KDT_VFIO: bus master $bm, driver=$(drv "$d" || echo none)"
}

# The devices the dump tooling declares before it loads the crash kernel.
declare_devices() {
	echo "$1" >/sys/kernel/kdump_iommu/devices || fail "cannot declare '$1'"
	say "declared: '$(cat /sys/kernel/kdump_iommu/devices)'"
}

load_crash_kernel() {
	case "$KDT_KEXEC" in
	load) mode=-c ;;
	file) mode=-s ;;
	*) fail "KDT_KEXEC=$KDT_KEXEC: want load or file" ;;
	esac
	say "loading crash kernel (kexec -p $mode)"
	kexec -p $mode /boot/bzImage --initrd=/boot/initrd-kdump \
		--append="$KDT_KDUMP_CMDLINE" || fail "kexec -p failed"
	[ "$(cat /sys/kernel/kexec_crash_loaded)" = 1 ] ||
		fail "kexec_crash_loaded is not 1"
	# The window is armed from a work item: reading the status file
	# waits for it.
	cat /sys/kernel/debug/kdump_iommu/status >/dev/null 2>&1
}

unload_crash_kernel() {
	kexec -p -u || fail "kexec -p -u failed"
	[ "$(cat /sys/kernel/kexec_crash_loaded)" = 0 ] ||
		fail "kexec_crash_loaded is not 0 after unloading"
	say "crash kernel unloaded"
}

# The status file's device lines, on the console for the host to check.
show_status() {
	sed -n '/^devices:/,/^groups armed/p' /sys/kernel/debug/kdump_iommu/status |
		sed 's/^/KDT: status: /'
}

# Keep a second disk's DMA going through the panic.
# The busy disk (a target, so driven after the hand-off) removed and
# found again by a rescan: a device the check never saw.
late_device() {
	d=/sys/bus/pci/devices/0000:00:07.0
	say "late: before: driver=$(drv $d)"
	echo 1 >$d/remove
	echo 1 >/sys/bus/pci/rescan
	[ -e $d ] || fail "late: 0000:00:07.0 not found again"
	say "late: after: driver=$(drv $d) override=$(cat $d/driver_override)"
}

# The driver a PCI device is bound to, if any
drv() {
	l=$(readlink "$1/driver") && echo "${l##*/}"
}

busy_io() {
	for b in /sys/block/*; do
		[ "$(cat "$b/serial" 2>/dev/null)" = kdtbusy ] || continue
		( while :; do dd if=/dev/${b##*/} of=/dev/null bs=1M 2>/dev/null; done ) &
		sleep 1
		say "busy: reading /dev/${b##*/} in a loop"
		return
	done
	fail "no disk with serial kdtbusy"
}

# Unmap part of the dump disk's window (CONFIG_KDUMP_IOMMU_RESERVE_DEBUG).
damage_window() {
	echo "$KDT_DUMP_BDF" >/sys/kernel/debug/kdump_iommu/damage ||
		fail "cannot damage the window of $KDT_DUMP_BDF"
	grep "^  $KDT_DUMP_BDF	" /sys/kernel/debug/kdump_iommu/status | sed 's/^/KDT: status: /'
}

# How long the IOMMU's initcall took: initcall_debug on the command line
# logs every initcall at KERN_DEBUG, which stays in the log buffer (the
# console shows up to KERN_INFO), so the console is not flooded.
bench_iommu_init() {
	re='.*initcall pci_iommu_init[^ ]* returned -*[0-9]* after \([0-9]*\) usecs.*'
	us=$(dmesg | sed -n "s/$re/\\1/p" | head -n 1)
	say "bench: iommu_init_us=${us:-none}"
}

# Read the dump disk with O_DIRECT, each read a DMA through the IOMMU.
bench_dma() {
	disk=$(dump_disk) || fail "no disk with serial kdtdump"
	mb=${KDT_BENCH_MB:-512}
	for pass in 1 2 3 4 5; do
		t0=$(cut -d' ' -f1 /proc/uptime)
		dd if="$disk" of=/dev/null bs=1M count="$mb" iflag=direct 2>/dev/null ||
			fail "dd from $disk failed"
		t1=$(cut -d' ' -f1 /proc/uptime)
		secs=$(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }')
		say "bench: dma_pass=$pass mib=$mb seconds=$secs"
	done
}

# Every PCI bridge, and the dump disk: the targets of a bench with many
# DMA domains (one per PCIe root port).
bridges_and_disk() {
	list=$KDT_DUMP_BDF
	for d in /sys/bus/pci/devices/*; do
		case "$(cat "$d/class")" in 0x0604*) list="$list;${d##*/}" ;; esac
	done
	echo "$list"
}

ms_now() {
	awk '{ printf "%d", $1 * 1000 }' /proc/uptime
}

# KDT_MODE=bench: the primary kernel's costs, no crash: the IOMMU's
# initcall at boot, loading a crash kernel (arming), the window's page
# tables, DMA throughput.
bench() {
	say "bench start: $(uname -r)"
	bench_iommu_init
	case "$KDT_DECLARE" in
	@bridges) declare_devices "$(bridges_and_disk)" ;;
	?*) declare_devices "$KDT_DECLARE" ;;
	esac
	t0=$(ms_now)
	load_crash_kernel
	t1=$(ms_now)
	say "bench: load_ms=$((t1 - t0))"
	grep -E '^(window|groups armed|devices armed)' /sys/kernel/debug/kdump_iommu/status |
		sed 's/^/KDT: bench: status: /'
	say "bench: iommu_groups=$(ls /sys/kernel/iommu_groups | wc -l)"
	bench_dma
	say "bench done"
	halt
}

primary() {
	say "primary up: $(uname -r)"
	hostname "$KDT_MARKER"
	echo "KDT-MARKER $KDT_MARKER" >/dev/kmsg

	say "crash region: $(grep -i 'crash kernel' /proc/iomem | tr -s ' ' | tr '\n' ';')"
	[ -n "$KDT_PRE_LOAD" ] && eval "$KDT_PRE_LOAD"
	[ -n "$KDT_DECLARE" ] && declare_devices "$KDT_DECLARE"
	load_crash_kernel
	say "primary ready"
	[ -n "$KDT_PRE_PANIC" ] && eval "$KDT_PRE_PANIC"
	# Let the console drain what we wrote: the panic's messages go out
	# directly and would cut into it.
	sleep 1
	say "panic now"
	echo c >/proc/sysrq-trigger
	fail "still alive after sysrq-c"
}

# Read every IOMMU debugfs file, as an administrator of the kdump kernel
# might: whichever path it took, each must read without killing the reader
# (an oops does; a hand-off leaves the driver without tables of its own).
read_iommu_debugfs() {
	n=0
	for f in $(find /sys/kernel/debug/iommu -type f); do
		cat "$f" >/dev/null 2>&1
		[ $? -lt 128 ] || fail "reading $f killed the reader"
		n=$((n + 1))
	done
	say "iommu debugfs: $n files read"
}

kdump() {
	say "kdump init: $(uname -r)"
	[ "$KDT_BENCH" = 1 ] && bench_iommu_init
	[ "$KDT_BENCH" = 1 ] || read_iommu_debugfs
	disk=$(dump_disk) || fail "no disk with serial kdtdump"
	[ -n "$KDT_PRE_DUMP" ] && eval "$KDT_PRE_DUMP"
	say "dump start: /proc/vmcore ($(stat -c %s /proc/vmcore) bytes) -> $disk"
	# -F: flattened format, so the dump can stream onto a raw disk; the
	# host turns it back into a dump file with makedumpfile -R.
	# --message-level 22: common, error and report messages.
	makedumpfile -F -d "${KDT_DUMP_LEVEL:-31}" --message-level 22 \
		/proc/vmcore >"$disk" 2>/tmp/mdf.err
	rc=$?
	if [ $rc -eq 0 ]; then
		grep -E 'Write bytes|not supported' /tmp/mdf.err | sed 's/^/KDT: makedumpfile: /'
	else
		sed 's/^/KDT: makedumpfile: /' /tmp/mdf.err
	fi
	sync
	say "dump done rc=$rc $(disk_irqs)"
	halt
}

# Run the in-guest tests (KTAP) instead of crashing.
kselftest() {
	say "kselftest start"
	# a throwaway guest: the tests that cannot undo what they do run too
	KDUMP_IOMMU_TEST_DESTRUCTIVE=1 /kselftest/kdump_iommu_test.sh
	say "kselftest done rc=$?"
	halt
}

if [ "$KDT_MODE" = kselftest ]; then
	kselftest
elif [ "$KDT_MODE" = bench ]; then
	bench
elif [ -e /proc/vmcore ]; then
	kdump
elif grep -q 'elfcorehdr=' /proc/cmdline; then
	fail "kdump kernel without /proc/vmcore"
else
	primary
fi
