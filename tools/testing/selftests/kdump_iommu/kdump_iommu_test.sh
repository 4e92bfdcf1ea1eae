#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In-guest tests of the kdump crash kernel window (KTAP output), run in the
# primary kernel before any crash kernel is loaded:
#
#  - every IOMMU group lists each crash kernel region (crashkernel= and its
#    ,low part) as a direct-relaxable reserved region, as in /proc/iomem
#  - the status file and the boot summary line agree with it
#  - a device found again by a PCI rescan (the hot-plug path) gets it too
#  - /sys/kernel/kexec_crash_size cannot shrink the region under the window
#
# With kdump_iommu=off on the command line the expectations flip (no
# window, the shrink succeeds): the same tests then show they can fail.
#
# Needs root and debugfs at /sys/kernel/debug.  Without a crashkernel=
# reservation every test is skipped (exit 4): there is nothing to check.

KSFT_SKIP=4
nr=0
fails=0
passes=0
skips=0

ok() {
	nr=$((nr + 1))
	passes=$((passes + 1))
	echo "ok $nr $*"
}

not_ok() {
	nr=$((nr + 1))
	fails=$((fails + 1))
	echo "not ok $nr $*"
}

skip() {
	nr=$((nr + 1))
	skips=$((skips + 1))
	echo "ok $nr # SKIP $*"
}

check() { # DESCRIPTION COMMAND...: a test passes when COMMAND succeeds
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

status=/sys/kernel/debug/kdump_iommu/status
mode=on
grep -qw 'kdump_iommu=off' /proc/cmdline && mode=off

# The crash kernel regions from /proc/iomem ("Crash kernel": crashkernel=,
# and its ,low part when there is one), one "<start> <end>" per line.
regions=$(sed -n 's/^ *\([0-9a-f]*\)-\([0-9a-f]*\) : Crash kernel$/\1 \2/p' /proc/iomem)
nr_regions=$(echo "$regions" | grep -c .)

echo "TAP version 13"
echo "1..8"
echo "# kdump_iommu=$mode, crash kernel regions: $(echo ${regions:-none} | tr '\n' ' ')"
if [ $nr_regions -eq 0 ]; then
	for i in 1 2 3 4 5 6 7 8; do skip "no crashkernel= reservation"; done
	echo "# Totals: pass:$passes fail:$fails xfail:0 xpass:0 skip:$skips error:0"
	exit $KSFT_SKIP
fi

# How reserved_regions prints a region: "0x<start> 0x<end> direct-relaxable"
# with 16 hex digits.
resv_line() {
	printf '0x%016x 0x%016x direct-relaxable' "0x$1" "0x$2"
}

# has_all_windows FILE: FILE lists every crash region as a window
has_all_windows() {
	echo "$regions" | while read -r s e; do
		if ! grep -qx "$(resv_line $s $e)" "$1"; then exit 1; fi
	done
}

# has_no_window FILE: FILE lists none of them
has_no_window() {
	echo "$regions" | while read -r s e; do
		if grep -qx "$(resv_line $s $e)" "$1"; then exit 1; fi
	done
}

# status_windows: the status file lists exactly the crash regions
status_windows() {
	[ "$(grep -c '^window: ' $status)" -eq $nr_regions ] || return 1
	echo "$regions" | while read -r s e; do
		if ! grep -q "^window: $(printf '0x%x-0x%x' "0x$s" "0x$e") " $status; then
			exit 1
		fi
	done
}

# 1. reserved_regions of every group: the windows are there (or not, if off)
groups=0
with=0
without=0
for g in /sys/kernel/iommu_groups/*; do
	[ -r "$g/reserved_regions" ] || continue
	groups=$((groups + 1))
	has_all_windows "$g/reserved_regions" && with=$((with + 1))
	has_no_window "$g/reserved_regions" && without=$((without + 1))
done
echo "# $with of $groups IOMMU groups list all $nr_regions crash regions, $without none"
if [ $groups -eq 0 ]; then
	skip "reserved_regions: no IOMMU groups (no IOMMU, or iommu=off)"
elif [ $mode = on ]; then
	check "reserved_regions: every group has the window" [ $with -eq $groups ]
else
	check "reserved_regions: no group has the window (kdump_iommu=off)" [ $without -eq $groups ]
fi

# 2. the status file: mode and windows
if [ -r $status ]; then
	check "status: mode is $mode" grep -qx "mode: $mode" $status
	if [ $mode = on ]; then
		check "status: windows match /proc/iomem ($nr_regions)" status_windows
	else
		check "status: no window (kdump_iommu=off)" grep -qx "windows: none" $status
	fi
else
	not_ok "status: $status missing"
	not_ok "status: window (no status file)"
fi

# 3. every device in a DMA domain has the window mapped 1:1
if [ -r $status ] && [ $mode = on ]; then
	notmapped=$(sed -n 's/^devices window NOT mapped 1:1: //p' $status)
	check "status: no device with the window unmapped (${notmapped:-?})" \
		[ "${notmapped:-x}" = 0 ]
elif [ -r $status ]; then
	check "status: no devices listed (kdump_iommu=off)" \
		sh -c "! grep -q '^devices' $status"
else
	not_ok "status: no device with the window unmapped (no status file)"
fi

# 4. the boot summary line
if [ $mode = on ]; then
	check "dmesg: boot summary" \
		sh -c "dmesg | grep -q 'kdump_iommu: identity-mapped in [0-9]* DMA domains'"
else
	check "dmesg: says it is disabled" \
		sh -c "dmesg | grep -q 'kdump_iommu: disabled (kdump_iommu=off)'"
fi

# 5. a device that appears later (removed and found again by a rescan, the
#    path hot-plug takes through iommu_probe_device()) gets the window too
hotplug=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor")" = 0x1af4 ] && [ -e "$d/iommu_group" ] && { hotplug=$d; break; }
done
if [ -z "$hotplug" ]; then
	skip "rescan: no virtio device behind an IOMMU to remove"
else
	bdf=${hotplug##*/}
	echo 1 >"$hotplug/remove"
	echo 1 >/sys/bus/pci/rescan
	if [ ! -e "/sys/bus/pci/devices/$bdf/iommu_group" ]; then
		not_ok "rescan: $bdf did not come back behind the IOMMU"
	elif [ $mode = on ]; then
		g=$(readlink -f "/sys/bus/pci/devices/$bdf/iommu_group")
		if has_all_windows "$g/reserved_regions" &&
		   grep -Eq "^  $bdf	(armed|identity)" $status; then
			ok "rescan: $bdf has the window again"
		else
			not_ok "rescan: $bdf has the window again"
		fi
	else
		g=$(readlink -f "/sys/bus/pci/devices/$bdf/iommu_group")
		check "rescan: $bdf has no window (kdump_iommu=off)" \
			has_no_window "$g/reserved_regions"
	fi
fi

# 6. kexec_crash_size: shrinking must be refused with EBUSY while armed
size=$(cat /sys/kernel/kexec_crash_size)
half=$((size / 2))
err=$( (echo $half >/sys/kernel/kexec_crash_size) 2>&1)
rc=$?
after=$(cat /sys/kernel/kexec_crash_size)
echo "# shrink $size -> $half: rc=$rc size now $after ${err:+($err)}"
if [ $mode = on ]; then
	check "kexec_crash_size: shrink refused, size unchanged" \
		sh -c "[ $rc -ne 0 ] && [ $after -eq $size ] && echo '$err' | grep -qi busy"
else
	check "kexec_crash_size: shrink allowed (kdump_iommu=off)" \
		sh -c "[ $rc -eq 0 ] && [ $after -lt $size ]"
fi

# 7. the debug knob (CONFIG_KDUMP_IOMMU_RESERVE_DEBUG) refuses malformed
#    writes and leaves every window intact
damage=/sys/kernel/debug/kdump_iommu/damage
if [ ! -e $damage ]; then
	skip "damage: no debug knob (CONFIG_KDUMP_IOMMU_RESERVE_DEBUG=n)"
else
	refused=0
	for w in " " "bogus" "0000:00:05" "0000:ff:1f.7" "00:05.0,00:06.0" \
		 "0000:00:05.0:1" "$(printf '%040d' 0)"; do
		if ( printf '%s' "$w" >$damage ) 2>/dev/null; then
			echo "# damage: '$w' was accepted"
		else
			refused=$((refused + 1))
		fi
	done
	if [ $mode = on ]; then
		# (with iommu=pt no domain holds a window: nothing to check)
		check "damage: 7 malformed writes refused, windows intact" \
			sh -c "[ $refused -eq 7 ] &&
				{ grep -q '^crash-path check now: intact' $status ||
				  grep -qx 'domains armed: 0' $status; }"
	else
		check "damage: 7 malformed writes refused" [ $refused -eq 7 ]
	fi
fi

echo "# Totals: pass:$passes fail:$fails xfail:0 xpass:0 skip:$skips error:0"
[ $fails -eq 0 ]
