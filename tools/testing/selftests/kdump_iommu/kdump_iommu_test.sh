#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In-guest tests of the kdump crash kernel window (KTAP output), in the
# primary kernel:
#
#  - every IOMMU group reserves each crash kernel region (crashkernel= and
#    its ,low part) as a reserved-relaxable region, as in /proc/iomem
#  - with no crash kernel loaded nothing is armed, and the boot line says
#    what is reserved
#  - /sys/kernel/kdump_iommu/devices refuses what is not a device the
#    window can be given to, with the errno its ABI documents, and keeps
#    what it had
#  - loading a crash kernel arms the targets' groups (and only those),
#    unloading disarms them; declaring devices is refused meanwhile
#  - the debug knob (CONFIG_KDUMP_IOMMU_RESERVE_DEBUG) refuses malformed
#    writes
#  - a VFIO container can map memory over the crash regions (they are
#    reserved-relaxable), and not over the MSI range (reserved)
#
# With kdump_iommu=off on the command line the expectations flip (nothing
# reserved, nothing armed): the same tests then show they can fail.
#
# Every test leaves the system as it found it: a crash kernel loaded
# before the test stays loaded (the tests that load one are skipped), and
# the declared devices are put back.  Two tests change what cannot be put
# back, and run only with KDUMP_IOMMU_TEST_DESTRUCTIVE=1 (a throwaway
# test machine): a PCI remove + rescan of a virtio device (the hot-plug
# path) while a crash kernel is loaded, shrinking the crash kernel region
# through /sys/kernel/kexec_crash_size, and binding a device that has no
# driver to vfio-pci (and unbinding it again).
#
# Needs root and debugfs at /sys/kernel/debug; loading a crash kernel
# needs kexec and KDUMP_IOMMU_TEST_KERNEL (default /boot/bzImage).
# Without a crashkernel= reservation every test is skipped (exit 4).

KSFT_SKIP=4
NR_TESTS=12
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
devices=/sys/kernel/kdump_iommu/devices
kernel=${KDUMP_IOMMU_TEST_KERNEL:-/boot/bzImage}
destructive=${KDUMP_IOMMU_TEST_DESTRUCTIVE:-0}
mode=on
grep -qw 'kdump_iommu=off' /proc/cmdline && mode=off

# The crash kernel regions from /proc/iomem ("Crash kernel": crashkernel=,
# and its ,low part when there is one), one "<start> <end>" per line.
regions() {
	sed -n 's/^ *\([0-9a-f]*\)-\([0-9a-f]*\) : Crash kernel$/\1 \2/p' /proc/iomem
}
nr_regions=$(regions | grep -c .)
loaded_at_start=$(cat /sys/kernel/kexec_crash_loaded 2>/dev/null || echo 0)

echo "TAP version 13"
echo "1..$NR_TESTS"
echo "# kdump_iommu=$mode, crash kernel regions: $(regions | tr '\n' ' ')"
if [ "$nr_regions" -eq 0 ]; then
	i=0
	while [ $i -lt $NR_TESTS ]; do
		skip "no crashkernel= reservation"
		i=$((i + 1))
	done
	echo "# Totals: pass:$passes fail:$fails xfail:0 xpass:0 skip:$skips error:0"
	exit $KSFT_SKIP
fi

# How reserved_regions prints a region: "0x<start> 0x<end> <type>" with 16
# hex digits.
resv_line() {
	printf '0x%016x 0x%016x reserved-relaxable' "0x$1" "0x$2"
}

# has_all_windows FILE: FILE reserves every crash region
has_all_windows() {
	regions | while read -r s e; do
		if ! grep -qx "$(resv_line "$s" "$e")" "$1"; then exit 1; fi
	done
}

# has_no_window FILE: FILE reserves none of them
has_no_window() {
	regions | while read -r s e; do
		if grep -qx "$(resv_line "$s" "$e")" "$1"; then exit 1; fi
	done
}

# status_windows: the status file lists exactly the crash regions
status_windows() {
	[ "$(grep -c '^window: ' $status)" -eq "$nr_regions" ] || return 1
	regions | while read -r s e; do
		if ! grep -q "^window: $(printf '0x%x-0x%x' "0x$s" "0x$e") " $status; then
			exit 1
		fi
	done
}

count() { # STATE: the status file's count of devices in STATE
	sed -n "s/^devices $1: //p" $status
}

# write_devices VALUE: write to the devices file; prints the errno name
# (dd says why a write failed, where the shell's builtins do not)
write_devices() {
	err=$(printf '%s\n' "$1" | dd of=$devices 2>&1 >/dev/null | grep -i error)
	case "$err" in
	'') echo OK ;;
	*'Invalid argument'*) echo EINVAL ;;
	*'No such device'*) echo ENODEV ;;
	*'busy'*) echo EBUSY ;;
	*) echo "$err" ;;
	esac
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
echo "# $with of $groups IOMMU groups reserve all $nr_regions crash regions, $without none"
if [ $groups -eq 0 ]; then
	skip "reserved_regions: no IOMMU groups (no IOMMU, or iommu=off)"
elif [ $mode = on ]; then
	check "reserved_regions: every group reserves the crash regions" [ $with -eq $groups ]
else
	check "reserved_regions: no group reserves them (kdump_iommu=off)" [ $without -eq $groups ]
fi

# 2. the status file: mode and windows
if [ ! -r $status ]; then
	not_ok "status: $status missing"
elif [ $mode = on ]; then
	if grep -qx 'mode: on' $status && status_windows; then
		ok "status: mode on, windows match /proc/iomem ($nr_regions)"
	else
		not_ok "status: mode on, windows match /proc/iomem ($nr_regions)"
	fi
else
	check "status: mode off, no window" \
		sh -c "grep -qx 'mode: off' $status && ! grep -q '^window' $status"
fi

# 3. no crash kernel loaded: nothing mapped, every DMA-domain device only
#    reserved
if [ "$loaded_at_start" = 1 ]; then
	skip "not loaded: a crash kernel was loaded before the test"
elif [ $mode = on ]; then
	reserved=$(count reserved)
	pt=$(count pass-through)
	echo "# not loaded: $(count armed) armed, ${reserved:-?} reserved only," \
		"${pt:-?} pass-through"
	check "not loaded: nothing armed, ${reserved:-?} devices reserved only" \
		sh -c "grep -qx 'crash kernel: not loaded, nothing mapped' $status &&
		       [ '$(count armed)' = 0 ] && [ \$(( ${reserved:-0} + ${pt:-0} )) -gt 0 ]"
else
	# (the status file lists no device when off: nothing to check here
	# that test 1 has not shown)
	skip "not loaded: nothing reserved to arm (kdump_iommu=off)"
fi

# 4. the boot lines
if [ $mode = on ]; then
	check "dmesg: window reserved, targets named" \
		sh -c "dmesg | grep -q 'kdump_iommu: crash kernel window \[mem .*IOVAs reserved' &&
		       dmesg | grep -q 'kdump_iommu: targets: '"
else
	check "dmesg: says it is disabled" \
		sh -c "dmesg | grep -q 'kdump_iommu: disabled (kdump_iommu=off)'"
fi

# 5. declaring devices: bad input is refused, with its errno, and changes
#    nothing; a good list reads back
before=$(cat $devices 2>/dev/null)
# a device in a DMA domain, which can be declared
first=$(sed -n 's/^  \([0-9a-f:.]*\)	group [0-9]*	\(reserved\|blocked\|armed\).*/\1/p' \
	$status 2>/dev/null | head -n 1)
if [ ! -w $devices ]; then
	[ $mode = on ] && not_ok "declare: $devices missing" ||
		skip "declare: no $devices (kdump_iommu=off)"
elif [ -z "$first" ]; then
	skip "declare: no device in a DMA domain to declare"
else
	bad=""
	for w in "bogus:EINVAL" "0000:00:1f:EINVAL" "$first,$first:EINVAL" \
		 "pci:zz:1:EINVAL" "0000:fe:1f.7:ENODEV" "$first;0000:fe:1f.7:ENODEV"; do
		v=${w%:*}
		want=${w##*:}
		got=$(write_devices "$v")
		[ "$got" = "$want" ] || bad="$bad '$v'->$got(want $want)"
		[ "$(cat $devices)" = "$before" ] || bad="$bad '$v'-changed-it"
	done
	# a device that is not behind an IOMMU (the AMD-Vi function), if any
	for d in /sys/bus/pci/devices/*; do
		[ -e "$d/iommu_group" ] && continue
		got=$(write_devices "${d##*/}")
		[ "$got" = EINVAL ] || bad="$bad '${d##*/}'(no IOMMU)->$got"
		echo "# declare ${d##*/} (no IOMMU group): $got"
		break
	done
	got=$(write_devices "$first")
	read_back=$(cat $devices)
	write_devices "$before" >/dev/null
	echo "# declare $first: $got, reads back '$read_back'; bad:${bad:- none}"
	check "declare: bad lists refused with EINVAL/ENODEV, '$first' accepted" \
		sh -c "[ -z '$bad' ] && [ '$got' = OK ] && [ '$read_back' = '$first' ] &&
		       [ \"\$(cat $devices)\" = '$before' ]"
fi

# 6-8. load a crash kernel: the targets' groups armed, the rest blocked;
#    declaring refused; unload: nothing mapped
can_load=1
why_not=""
if [ "$loaded_at_start" = 1 ]; then
	can_load=0 why_not="a crash kernel was loaded before the test"
elif ! command -v kexec >/dev/null || [ ! -r "$kernel" ]; then
	can_load=0 why_not="no kexec or no $kernel to load"
else
	# kexec refuses a crash region that cannot hold the kernel and more
	crash_bytes=$(regions | head -n 1 | while read -r s e; do echo $((0x$e - 0x$s + 1)); done)
	if [ "$crash_bytes" -lt $((2 * $(stat -c %s "$kernel"))) ]; then
		can_load=0 why_not="the crash region ($crash_bytes bytes) is too small for $kernel"
	fi
fi
# (dmesg lines are counted before and after: earlier loads left theirs)
said() {
	dmesg | grep -c "kdump_iommu: crash kernel $1"
}
loads_before=$(said loaded)
unloads_before=$(said unloaded)
loaded=0
if [ $can_load = 1 ] && kexec -p -s "$kernel" --append="console=ttyS0" 2>/dev/null; then
	loaded=1
fi
if [ $can_load = 0 ]; then
	skip "load: $why_not"
	skip "load: $why_not"
elif [ $loaded = 0 ]; then
	not_ok "load: kexec -p failed"
	not_ok "load: kexec -p failed"
elif [ $mode = on ]; then
	armed=$(count armed)
	blocked=$(count blocked)
	damaged=$(count damaged)
	reserved=$(count reserved)
	# every target in a DMA domain is armed
	untargeted=$(grep -E '^  [0-9a-f:.]+	group [0-9]+	blocked.*\(target\)' \
		$status | head -n 1)
	pt=$(count pass-through)
	echo "# loaded: $armed armed, $blocked blocked, $damaged damaged," \
		"$reserved reserved, $pt pass-through"
	# (with every device in pass-through there is nothing to arm)
	check "load: targets armed ($armed), others blocked ($blocked)" \
		sh -c "grep -qx 'crash kernel: loaded, window armed' $status &&
		       { [ '${armed:-0}' -gt 0 ] ||
		         [ \$(( ${blocked:-0} + ${damaged:-0} )) = 0 ]; } &&
		       [ '$damaged' = 0 ] && [ '$reserved' = 0 ] && [ -z '$untargeted' ] &&
		       [ \$(dmesg | grep -c 'kdump_iommu: crash kernel loaded') -gt $loads_before ]"
	got=$(write_devices "$first")
	check "load: declaring devices refused with EBUSY while loaded ($got)" \
		[ "$got" = EBUSY ]
else
	# loaded (kexec says so), and the kernel armed nothing: it says so
	# at every arming, when on (reading the status file waits for an
	# arming in flight)
	cat $status >/dev/null
	loads_after=$(said loaded)
	check "load: loaded, nothing armed (kdump_iommu=off)" \
		sh -c "[ \$(cat /sys/kernel/kexec_crash_loaded) = 1 ] &&
		       [ $loads_after = $loads_before ]"
	skip "load: no devices file (kdump_iommu=off)"
fi

# 9. hot-plug while loaded: a device that is removed and found again (the
#    path iommu_probe_device() takes) is armed again if it is a target
hotplug=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor")" = 0x1af4 ] && [ -e "$d/iommu_group" ] && { hotplug=$d; break; }
done
if [ "$destructive" != 1 ]; then
	skip "rescan: removes a device (KDUMP_IOMMU_TEST_DESTRUCTIVE=1 only)"
elif [ $loaded = 0 ] || [ -z "$hotplug" ] || [ $mode = off ] ||
     ! grep -q "^  ${hotplug##*/}	group [0-9]*	armed" $status; then
	skip "rescan: needs a loaded crash kernel and an armed virtio device"
else
	bdf=${hotplug##*/}
	echo 1 >"$hotplug/remove"
	echo 1 >/sys/bus/pci/rescan
	i=0
	while [ $i -lt 20 ] && ! grep -q "^  $bdf	group [0-9]*	armed" $status; do
		sleep 0.1
		i=$((i + 1))
	done
	grep "^  $bdf	" $status | sed 's/^/# /'
	check "rescan: $bdf armed again" grep -q "^  $bdf	group [0-9]*	armed" $status
fi

# 10. unload: nothing mapped any more
if [ $loaded = 1 ]; then
	kexec -p -u
	if [ $mode = on ]; then
		unloads=$(said unloaded)
		check "unload: nothing armed, the window unmapped" \
			sh -c "grep -qx 'crash kernel: not loaded, nothing mapped' $status &&
			       [ '$(count armed)' = 0 ] && [ $unloads -gt $unloads_before ]"
	else
		check "unload: kexec -p -u" [ "$(cat /sys/kernel/kexec_crash_loaded)" = 0 ]
	fi
else
	skip "unload: nothing was loaded"
fi

# 11. kexec_crash_size: the region shrinks only while no crash kernel is
#    loaded, and the next load arms what is left
if [ "$destructive" != 1 ]; then
	skip "shrink: cannot be undone (KDUMP_IOMMU_TEST_DESTRUCTIVE=1 only)"
elif [ $can_load = 0 ]; then
	skip "shrink: $why_not"
else
	size=$(cat /sys/kernel/kexec_crash_size)
	half=$((size / 2))
	(echo $half >/sys/kernel/kexec_crash_size) 2>/dev/null
	rc=$?
	after=$(cat /sys/kernel/kexec_crash_size)
	echo "# shrink $size -> $half: rc=$rc, size now $after, regions $(regions | tr '\n' ' ')"
	if [ $mode = on ] && kexec -p -s "$kernel" --append="console=ttyS0" 2>/dev/null; then
		if [ $rc -eq 0 ] && [ "$after" -lt "$size" ] && status_windows; then
			ok "shrink: allowed while unloaded, the next load arms what is left"
		else
			not_ok "shrink: allowed while unloaded, the next load arms what is left"
		fi
		kexec -p -u
	else
		check "shrink: allowed while unloaded ($mode)" \
			sh -c "[ $rc -eq 0 ] && [ $after -lt $size ]"
	fi
fi

# 12. the debug knob refuses malformed writes
damage=/sys/kernel/debug/kdump_iommu/damage
if [ ! -e $damage ]; then
	skip "damage: no debug knob (CONFIG_KDUMP_IOMMU_RESERVE_DEBUG=n)"
else
	refused=0
	for w in " " "bogus" "0000:00:05" "0000:ff:1f.7" "00:05.0;00:06.0" \
		 "0000:00:05.0:1" "$(printf '%070d' 0)"; do
		if ( printf '%s' "$w" >$damage ) 2>/dev/null; then
			echo "# damage: '$w' was accepted"
		else
			refused=$((refused + 1))
		fi
	done
	check "damage: 7 malformed writes refused" [ $refused -eq 7 ]
fi

# 12. VFIO keeps its whole IOVA space: a VMM may put guest RAM over the
#    crash regions' IOVAs.  The MSI range, a reserved region, is the
#    control: vfio_map must be able to see a refusal.
vfio_map=$(dirname "$0")/vfio_map
vfio_dev=
for d in /sys/bus/pci/devices/*; do
	[ -e "$d/iommu_group" ] && [ ! -e "$d/driver" ] || continue
	[ "$(ls "$d/iommu_group/devices" | wc -l)" -eq 1 ] || continue
	grep -q "^  ${d##*/}	group [0-9]*	\(reserved\|blocked\)" $status 2>/dev/null ||
		continue
	vfio_dev=${d##*/}
	break
done
if [ "$destructive" != 1 ]; then
	skip "vfio: binds a device to vfio-pci (KDUMP_IOMMU_TEST_DESTRUCTIVE=1 only)"
elif [ ! -x "$vfio_map" ] || [ ! -e /dev/vfio/vfio ]; then
	skip "vfio: no vfio_map or no /dev/vfio/vfio (CONFIG_VFIO)"
elif [ -z "$vfio_dev" ] || [ $mode = off ]; then
	skip "vfio: no driverless device alone in a DMA-domain group"
else
	d=/sys/bus/pci/devices/$vfio_dev
	group=$(basename "$(readlink "$d/iommu_group")")
	echo vfio-pci >"$d/driver_override"
	echo "$vfio_dev" >/sys/bus/pci/drivers_probe
	start=$(regions | head -n 1 | cut -d' ' -f1)
	"$vfio_map" "$group" "0x$start" 0x200000 | sed 's/^/# /'
	crash_rc=$("$vfio_map" "$group" "0x$start" 0x200000 >/dev/null 2>&1; echo $?)
	"$vfio_map" "$group" 0xfee00000 0x100000 | sed 's/^/# /'
	msi_rc=$("$vfio_map" "$group" 0xfee00000 0x100000 >/dev/null 2>&1; echo $?)
	echo "$vfio_dev" >/sys/bus/pci/drivers/vfio-pci/unbind
	echo >"$d/driver_override"
	check "vfio: $vfio_dev maps the crash region ($crash_rc), not the MSI range ($msi_rc)" \
		sh -c "[ $crash_rc -eq 0 ] && [ $msi_rc -eq 1 ] && [ ! -e $d/driver ]"
fi

echo "# Totals: pass:$passes fail:$fails xfail:0 xpass:0 skip:$skips error:0"
[ $fails -eq 0 ]
