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
#   KDT_PRE_PANIC      shell command(s) run right before the panic (optional)
#   KDT_MODE      "kselftest": run the in-guest tests and power off instead
#
# Every line this script prints starts with "KDT: " so the host can time and
# check the phases on the serial console.

PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PATH

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

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tmpfs tmpfs /tmp

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

primary() {
	say "primary up: $(uname -r)"
	hostname "$KDT_MARKER"
	echo "KDT-MARKER $KDT_MARKER" >/dev/kmsg

	case "$KDT_KEXEC" in
	load) mode=-c ;;
	file) mode=-s ;;
	*) fail "KDT_KEXEC=$KDT_KEXEC: want load or file" ;;
	esac
	say "crash region: $(grep -i 'crash kernel' /proc/iomem | tr -s ' ' | tr '\n' ';')"
	say "loading crash kernel (kexec -p $mode)"
	kexec -p $mode /boot/bzImage --initrd=/boot/initrd-kdump \
		--append="$KDT_KDUMP_CMDLINE" || fail "kexec -p failed"
	[ "$(cat /sys/kernel/kexec_crash_loaded)" = 1 ] ||
		fail "kexec_crash_loaded is not 1"
	say "primary ready"
	[ -n "$KDT_PRE_PANIC" ] && eval "$KDT_PRE_PANIC"
	say "panic now"
	echo c >/proc/sysrq-trigger
	fail "still alive after sysrq-c"
}

kdump() {
	say "kdump init: $(uname -r)"
	disk=$(dump_disk) || fail "no disk with serial kdtdump"
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
	/kselftest/kdump_iommu_test.sh
	say "kselftest done rc=$?"
	halt
}

if [ "$KDT_MODE" = kselftest ]; then
	kselftest
elif [ -e /proc/vmcore ]; then
	kdump
elif grep -q 'elfcorehdr=' /proc/cmdline; then
	fail "kdump kernel without /proc/vmcore"
else
	primary
fi
