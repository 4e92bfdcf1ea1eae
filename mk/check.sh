#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every test of the project, in order; each prints "ok" or "not ok" with
# its name, and the run ends with "N passed, N failed".  Called by
# "make check" once the tree, the kernel and the initramfs are built.
#
# Environment (from the Makefile): O, TREE, KT, INITRAMFS, SERIES_CACHE.
# CHECK_CASES overrides the QEMU cases (default: all).
#
# The kernels it boots (the test kernel, KUnit's, the debug kernel) are
# built from the tree's commit checked out in a work tree that persists in
# SERIES_CACHE (mk/cache-tree.sh), into build directories beside it: a
# clean clone then rebuilds what differs from the last build there, not
# every object of three kernels.
set -uo pipefail

O=${O:-out}
TREE=${TREE:-$O/linux}
KT=${KT:-tools/testing/selftests/kdump_iommu}
INITRAMFS=${INITRAMFS:-$O/initramfs.cpio.gz}
KCACHE=${SERIES_CACHE:-$O/cache}
LOGS=$O/check
mkdir -p "$LOGS"

passed=0
failed=0
failures=()

result() { # NAME STATUS(0=pass) [DETAIL]
	if [ "$2" -eq 0 ]; then
		passed=$((passed + 1))
		echo "ok - $1${3:+ ($3)}"
	else
		failed=$((failed + 1))
		failures+=("$1")
		echo "not ok - $1${3:+ ($3)}"
	fi
}

# run NAME CMD...: one test, output to $LOGS/NAME.log
run() {
	local name=$1 t0 rc
	shift
	echo "# $name: $*"
	t0=$(date +%s)
	"$@" >"$LOGS/$name.log" 2>&1
	rc=$?
	result "$name" $rc "$(($(date +%s) - t0)) s"
	[ $rc -eq 0 ] || tail -n 15 "$LOGS/$name.log" | sed 's/^/#   /'
	return $rc
}

# run_bg NAME CMD...: as run, in the background; wait_bg NAME reports it.
declare -A bg_pid=() bg_t0=()
run_bg() {
	local name=$1
	shift
	echo "# $name (in the background): $*"
	bg_t0[$name]=$(date +%s)
	rm -f "$LOGS/$name.rc" "$LOGS/$name.end"
	# (its status and end time in files: wait's can be lost to a reused
	# pid, and the time until wait is not its own)
	( "$@"; echo $? >"$LOGS/$name.rc"; date +%s >"$LOGS/$name.end" ) \
		>"$LOGS/$name.log" 2>&1 &
	bg_pid[$name]=$!
}
wait_bg() {
	local name=$1 rc
	wait "${bg_pid[$name]}"
	rc=$(cat "$LOGS/$name.rc" 2>/dev/null || echo 1)
	result "$name" "$rc" "$(($(cat "$LOGS/$name.end" 2>/dev/null || date +%s) - ${bg_t0[$name]})) s, in the background"
	[ $rc -eq 0 ] || tail -n 15 "$LOGS/$name.log" | sed 's/^/#   /'
	return $rc
}

start=$(date +%s)

# 0. The kernel's source: the tree's HEAD in a work tree of the cache.
#    An edit not committed in the tree would be tested by the harness but
#    left out of the kernels: refuse.
if [ -n "$(git -C "$TREE" status --porcelain --untracked-files=all)" ]; then
	echo "not ok - tree: $TREE has changes that are not committed (make writeback, or make tree-reset)"
	echo "0 passed, 1 failed"
	exit 1
fi
if ! ktree=$(mk/cache-tree.sh "$TREE" "$KCACHE" tip HEAD); then
	echo "not ok - cache-tree: cannot check out $TREE in $KCACHE"
	echo "0 passed, 1 failed"
	exit 1
fi
BUILD=$KCACHE/build/x86_64
BZIMAGE=$BUILD/arch/x86/boot/bzImage
VMLINUX=$BUILD/vmlinux
DEBUG_BUILD=$KCACHE/build/x86_64-debug

# 1. The tree tooling: writeback of a commit and re-assembly round-trip,
#    in a scratch clone of the tree and copy of the repository.  Mostly
#    git writing and removing files: beside the KUnit build, which only
#    reads the tree.
run_bg tree-roundtrip mk/test-tree.sh "$TREE"

# The test kernel (and vmlinux), from that work tree.
# (the build directory persists: a failed build must not leave the last
# run's kernel to be tested)
rm -f "$BZIMAGE"
run kernel make --no-print-directory kernel-build TREE="$ktree" BUILD="$BUILD"

# 2. The harness's own verdicts on canned consoles.
run vmtest-analysis python3 "$TREE/$KT/test_vmtest.py"

# 3. Bad input to the harness: an unknown case lists the valid ones.
bad_case() {
	local out
	out=$(python3 "$TREE/$KT/vmtest.py" -k "$BZIMAGE" -x "$VMLINUX" -i "$INITRAMFS" \
		no-such-case 2>&1)
	[ $? -eq 2 ] && grep -q 'valid cases: vtd ' <<<"$out"
}
run vmtest-unknown-case bad_case

# 4. KUnit, with the kernel's kunit.py and its own kernel: the window
#    arithmetic, and the window in the real VT-d and AMD-Vi drivers'
#    domains (one build, booted with each vIOMMU).
run kunit-vtd mk/kunit.sh "$ktree" "$KCACHE/build/kunit" vtd build
run kunit-amd mk/kunit.sh "$ktree" "$KCACHE/build/kunit" amd
wait_bg tree-roundtrip

# 5. The QEMU kdump matrix.  Each case is one test; a case passes when its
#    result matches its expectation (including the known stock failures).
#    One QEMU per host CPU: each case has its own machine, disk and
#    directory, and TCG runs a guest on about one CPU.
jobs=${VMTEST_JOBS:-$(nproc)}
cases=${CHECK_CASES:-all}
echo "# vmtest: $cases"
# (every case's result.json must come from this run)
rm -rf "$O/vmtest" "$O/vmtest-soak" "$O/vmtest-debug"
# shellcheck disable=SC2086
python3 "$TREE/$KT/vmtest.py" -k "$BZIMAGE" -x "$VMLINUX" -i "$INITRAMFS" \
	-o "$O/vmtest" -j "$jobs" $cases 2>&1 | tee "$LOGS/vmtest.log" | sed -u 's/^/#   /'
names=$(python3 - "$TREE/$KT" $cases <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
import vmtest
print(' '.join(vmtest.expand(sys.argv[2:])))
EOF
)
for c in $names; do
	f=$O/vmtest/$c/result.json
	if [ ! -f "$f" ]; then
		result "vmtest-$c" 1 "no result.json"
		continue
	fi
	python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); sys.exit(0 if r["ok"] else 1)' "$f"
	# (what differed, on the line itself: the CI log keeps only the tail)
	result "vmtest-$c" $? "$(python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print("; ".join(["%s, expected %s" % (r["result"], r["expected"])] + r["mismatch"]))' "$f")"
done

# 6. Soak, short: the main cases again, twice each.
run soak python3 "$TREE/$KT/vmtest.py" -k "$BZIMAGE" -x "$VMLINUX" -i "$INITRAMFS" \
	-o "$O/vmtest-soak" -j "$jobs" --repeat 2 --soak-report "$O/soak-check.json" main

# 7. The Makefile's DEBUG_CASES (the main cases, a device added after the
#    hand-off, patch 2's AMD-Vi disable) on the debug kernel (KASAN,
#    lockdep, UBSAN, DEBUG_ATOMIC_SLEEP): no report in either kernel.
rm -f "$DEBUG_BUILD/arch/x86/boot/bzImage"
run debug-kernel make --no-print-directory kernel-build TREE="$ktree" BUILD="$DEBUG_BUILD" \
	KCONFIG_FRAGMENTS="$KT/config $KT/config.debug"
run debug-check make --no-print-directory O="$O" DEBUG_BUILD="$DEBUG_BUILD" \
	VMTEST_JOBS="$jobs" debug-vmtest

# 8. The dump check refuses what it must (negative controls on a real dump).
verify_controls() {
	local out
	out=$(KDT_CASE_DIR=$O/vmtest/vtd KDT_VMLINUX=$VMLINUX python3 "$TREE/$KT/test_vmtest.py" 2>&1)
	echo "$out"
	! grep -q 'skipped' <<<"$out" && grep -q '^OK' <<<"$out"
}
run vmtest-verify-controls verify_controls

# 9. The series as mailed: git am on pristine, checkpatch --strict, every
#    patch building on its own with the feature on and off (and on ia64
#    where it touches ia64 and the cross compiler is cached), W=1 and
#    sparse.
run series-check mk/series.sh check "$TREE" "$O/series" 2
# ... and fails a bad patch: checkpatch, git am, and (in the build
# directories just used, so it costs one object) the build.
run series-check-controls mk/test-series.sh "$TREE" "$O/series" --build

# 9b. The series' first patch, the VT-d fix, alone on stock 6.1: stock
#     hangs in vtd-pt-stock (the negative control), stock with that patch
#     dumps.  The two kernels are kept in the series cache.
run fix-check mk/fix-check.sh "$TREE" "$O/fix-check" "$INITRAMFS"

# 10. ia64 (HP zx1, sba_iommu): zx1_defconfig with the feature on and off,
#    W=1 on our files, after each patch that touches ia64 and for the
#    whole series: series-check above built it (mk/ia64-check.sh in its
#    build directories, so the whole series costs an incremental build).
#    Needs the cross compiler "make ia64-toolchain" caches outside the
#    repository (30 minutes to build): skipped, and said so, where it is
#    not there.
if ! mk/ia64-toolchain.sh --check >/dev/null 2>&1; then
	echo "ok - ia64-zx1 # SKIP no cached ia64 cross compiler (make ia64-toolchain)"
else
	ia64_log() { # the ia64 lines of series-check; fails unless the tip built
		grep -E '^series: .*ia64' "$LOGS/series-check.log"
		grep -qE '^series: the series builds, ia64 zx1 feature on and off' "$LOGS/series-check.log" &&
			! grep -qE '^series: .*(FAIL|SKIP).*ia64|ia64.*SKIP' "$LOGS/series-check.log"
	}
	run ia64-zx1 ia64_log
fi

echo "# $(($(date +%s) - start)) s"
if [ $failed -ne 0 ]; then
	echo "# failed: ${failures[*]}"
	# What a QEMU case that failed said about the IOMMU, last in the log
	# where CI keeps it.
	for t in "${failures[@]}"; do
		c=${t#vmtest-}
		[ "$c" != "$t" ] && [ -f "$O/vmtest/$c/console.log" ] || continue
		echo "# $c: $(python3 -c 'import json, sys; print("; ".join(json.load(open(sys.argv[1]))["mismatch"]))' "$O/vmtest/$c/result.json" 2>/dev/null)"
		grep -aE 'kdump_iommu|AMD-Vi|DMAR|Kernel panic|KDT: (kdump|dump)' "$O/vmtest/$c/console.log" |
			tail -n 25 | sed "s/^/#   $c: /"
	done
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
