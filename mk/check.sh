#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every test of the project, base by base; each prints "ok" or "not ok"
# with the base and its name ("6.12/kernel"), and the run ends with
# "N passed, N failed".  Called by "make check" once each base's tree and
# initramfs are assembled.
#
# usage: mk/check.sh BASE:TREE:INITRAMFS:CACHE...
#
# The first base is the primary one (6.12) and runs everything.  The others
# (6.1) run what their own code can break, and not what is the same code,
# or the harness, tested again (README: "What make check runs"):
#
#   both       the kernel, KUnit with VT-d and AMD-Vi, the tree tooling
#              round trip (the primary base's writeback writes the new
#              files, another's its new-files.diff), the QEMU matrix
#              (another base: BACKPORT_CASES, every hook its own patches
#              place), the series checks and the stock fixes alone
#   primary    the harness's own tests, the rest of the matrix, the soak,
#              the debug kernel (KASAN, lockdep, UBSAN), the dump check's
#              negative controls and the series tooling's controls
#   6.1        ia64 (HP zx1), which left mainline in 6.7
#
# Environment (from the Makefile): O, KT, IA64_CACHE.  CHECK_CASES
# overrides the QEMU cases of every base (default: see above).
#
# The kernels it boots (the test kernel, KUnit's, the debug kernel) are
# built from the tree's commit checked out in a work tree that persists in
# the base's series cache (mk/cache-tree.sh), into build directories beside
# it: a clean clone then rebuilds what differs from the last build there,
# not every object of three kernels.
set -uo pipefail

ROOT=${O:-out}
KT=${KT:-tools/testing/selftests/kdump_iommu}

# The other bases' QEMU cases: the hand-off on both vIOMMUs, pass-through
# and scalable mode, the stock failures and controls, kexec_file_load (its
# own hook), a device added late and a VFIO domain (the IOMMU core's
# hooks), a rogue writer, a damaged and a failing window, the in-guest
# tests, and a crashkernel=,high layout.
BACKPORT_CASES="main controls vtd-file amd-ir-file late-vtd vfio-vtd vfio-amd rogue-vtd
	damage-vtd failmap-amd-ir ks-vtd ks-amd ck-highlow-kdump amd-kdump-amdoff"

passed=0
failed=0
failures=()
B=

result() { # NAME STATUS(0=pass) [DETAIL]
	if [ "$2" -eq 0 ]; then
		passed=$((passed + 1))
		echo "ok - $B/$1${3:+ ($3)}"
	else
		failed=$((failed + 1))
		failures+=("$B/$1")
		echo "not ok - $B/$1${3:+ ($3)}"
	fi
}

# run NAME CMD...: one test, output to $LOGS/NAME.log
run() {
	local name=$1 t0 rc
	shift
	echo "# $B/$name: $*"
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
	echo "# $B/$name (in the background): $*"
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

# check_base PRIMARY(1|0) BASE TREE INITRAMFS CACHE
check_base() {
	local primary=$1 TREE=$3 INITRAMFS=$4 KCACHE=$5
	local O=$ROOT/$2 ktree BUILD BZIMAGE VMLINUX DEBUG_BUILD jobs cases names c f
	B=$2
	LOGS=$O/check
	mkdir -p "$LOGS"
	export BASE=$B

	# 0. The kernel's source: the tree's HEAD in a work tree of the
	#    cache.  An edit not committed in the tree would be tested by the
	#    harness but left out of the kernels: refuse.
	if [ -n "$(git -C "$TREE" status --porcelain --untracked-files=all)" ]; then
		result tree 1 "$TREE has changes that are not committed (make writeback BASE=$B, or make tree-reset BASE=$B)"
		return
	fi
	if ! ktree=$(mk/cache-tree.sh "$TREE" "$KCACHE" tip HEAD); then
		result cache-tree 1 "cannot check out $TREE in $KCACHE"
		return
	fi
	BUILD=$KCACHE/build/x86_64
	BZIMAGE=$BUILD/arch/x86/boot/bzImage
	VMLINUX=$BUILD/vmlinux
	DEBUG_BUILD=$KCACHE/build/x86_64-debug

	# 1. The tree tooling: writeback of a commit and re-assembly
	#    round-trip, in a scratch clone of the tree and copy of the
	#    repository.  Mostly git writing and removing files: beside the
	#    kernel build, which only reads the tree.
	run_bg tree-roundtrip mk/test-tree.sh "$TREE"

	# The test kernel (and vmlinux), from that work tree.
	# (the build directory persists: a failed build must not leave the
	# last run's kernel to be tested)
	rm -f "$BZIMAGE"
	run kernel make --no-print-directory kernel-build TREE="$ktree" BUILD="$BUILD"

	if [ "$primary" = 1 ]; then
		# 2. The harness's own verdicts on canned consoles.
		run vmtest-analysis python3 "$TREE/$KT/test_vmtest.py"

		# 3. Bad input to the harness: an unknown case lists the
		#    valid ones.
		bad_case() {
			local out
			out=$(python3 "$TREE/$KT/vmtest.py" -k "$BZIMAGE" -x "$VMLINUX" -i "$INITRAMFS" \
				no-such-case 2>&1)
			[ $? -eq 2 ] && grep -q 'valid cases: vtd ' <<<"$out"
		}
		run vmtest-unknown-case bad_case
	fi

	# 4. KUnit, with the kernel's kunit.py and its own kernel: the
	#    window arithmetic, and the window in the real VT-d and AMD-Vi
	#    drivers' domains (one build, booted with each vIOMMU).
	run kunit-vtd mk/kunit.sh "$ktree" "$KCACHE/build/kunit" vtd build
	run kunit-amd mk/kunit.sh "$ktree" "$KCACHE/build/kunit" amd
	wait_bg tree-roundtrip

	# 5. The QEMU kdump matrix.  Each case is one test; a case passes
	#    when its result matches its expectation (including the known
	#    stock failures).  One QEMU per host CPU: each case has its own
	#    machine, disk and directory, and TCG runs a guest on about one
	#    CPU.
	jobs=${VMTEST_JOBS:-$(nproc)}
	if [ "$primary" = 1 ]; then
		cases=${CHECK_CASES:-all}
	else
		cases=${CHECK_CASES:-$BACKPORT_CASES}
	fi
	cases=$(echo $cases)
	echo "# $B/vmtest: $cases"
	# (every case's result.json must come from this run)
	rm -rf "$O/vmtest" "$O/vmtest-soak" "$O/vmtest-debug"
	# shellcheck disable=SC2086
	python3 "$TREE/$KT/vmtest.py" -k "$BZIMAGE" -x "$VMLINUX" -i "$INITRAMFS" \
		-o "$O/vmtest" -j "$jobs" $cases 2>&1 | tee "$LOGS/vmtest.log" | sed -u 's/^/#   /'
	# shellcheck disable=SC2086
	names=$(python3 - "$TREE/$KT" $cases <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
import vmtest
print(' '.join(vmtest.expand(sys.argv[2:])))
EOF
)
	[ -n "$names" ] || result vmtest 1 "no case to run"
	for c in $names; do
		f=$O/vmtest/$c/result.json
		if [ ! -f "$f" ]; then
			result "vmtest-$c" 1 "no result.json"
			continue
		fi
		python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); sys.exit(0 if r["ok"] else 1)' "$f"
		# (what differed, on the line itself: the CI log keeps only
		# the tail)
		result "vmtest-$c" $? "$(python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print("; ".join(["%s, expected %s" % (r["result"], r["expected"])] + r["mismatch"]))' "$f")"
	done

	if [ "$primary" = 1 ]; then
		# 6. Soak, short: the main cases again, twice each.
		run soak python3 "$TREE/$KT/vmtest.py" -k "$BZIMAGE" -x "$VMLINUX" -i "$INITRAMFS" \
			-o "$O/vmtest-soak" -j "$jobs" --repeat 2 --soak-report "$O/soak-check.json" main

		# 7. The Makefile's DEBUG_CASES (the main cases, a device added
		#    after the hand-off, patch 2's AMD-Vi disable) on the debug
		#    kernel (KASAN, lockdep, UBSAN, DEBUG_ATOMIC_SLEEP): no
		#    report in either kernel.
		rm -f "$DEBUG_BUILD/arch/x86/boot/bzImage"
		run debug-kernel make --no-print-directory kernel-build TREE="$ktree" \
			BUILD="$DEBUG_BUILD" KCONFIG_FRAGMENTS="$KT/config $KT/config.debug"
		run debug-check make --no-print-directory TREE="$TREE" OB="$O" \
			INITRAMFS="$INITRAMFS" DEBUG_BUILD="$DEBUG_BUILD" \
			VMTEST_JOBS="$jobs" debug-vmtest

		# 8. The dump check refuses what it must (negative controls on
		#    a real dump).
		verify_controls() {
			local out
			out=$(KDT_CASE_DIR=$O/vmtest/vtd KDT_VMLINUX=$VMLINUX python3 "$TREE/$KT/test_vmtest.py" 2>&1)
			echo "$out"
			! grep -q 'skipped' <<<"$out" && grep -q '^OK' <<<"$out"
		}
		run vmtest-verify-controls verify_controls
	fi

	# 9. The series as mailed: git am on pristine, checkpatch --strict,
	#    every patch building on its own with the feature on and off (and
	#    on ia64 where it touches ia64 and the cross compiler is cached),
	#    W=1 and sparse.
	run series-check env SERIES_CACHE="$KCACHE" mk/series.sh check "$TREE" "$O/series" 2
	if [ "$primary" = 1 ]; then
		# ... and fails a bad patch: checkpatch, git am, and (in the
		# build directories just used, so it costs one object) the
		# build.
		run series-check-controls env SERIES_CACHE="$KCACHE" \
			mk/test-series.sh "$TREE" "$O/series" --build
	fi

	# 9b. The series' fixes of stock bugs, each alone on stock: stock
	#     hangs in the fix's cases (the negative control), stock with
	#     that patch dumps.  The kernels are kept in the series cache.
	run fix-check env SERIES_CACHE="$KCACHE" mk/fix-check.sh "$TREE" "$O/fix-check" "$INITRAMFS"

	# 10. ia64 (HP zx1, sba_iommu), 6.1 only: zx1_defconfig with the
	#    feature on and off, W=1 on our files, after each patch that
	#    touches ia64 and for the whole series: series-check above built
	#    it (mk/ia64-check.sh in its build directories, so the whole
	#    series costs an incremental build).  Needs the cross compiler
	#    "make ia64-toolchain" caches outside the repository (30 minutes
	#    to build): skipped, and said so, where it is not there.
	if [ "$B" = 6.1 ]; then
		if ! mk/ia64-toolchain.sh --check >/dev/null 2>&1; then
			echo "ok - $B/ia64-zx1 # SKIP no cached ia64 cross compiler (make ia64-toolchain)"
		else
			ia64_log() { # the ia64 lines of series-check; fails unless the tip built
				grep -E '^series: .*ia64' "$LOGS/series-check.log"
				grep -qE '^series: the series builds, ia64 zx1 feature on and off' "$LOGS/series-check.log" &&
					! grep -qE '^series: .*(FAIL|SKIP).*ia64|ia64.*SKIP' "$LOGS/series-check.log"
			}
			run ia64-zx1 ia64_log
		fi
	fi
}

[ $# -ge 1 ] || { echo "usage: $0 BASE:TREE:INITRAMFS:CACHE..." >&2; exit 2; }
start=$(date +%s)
primary=1
for spec in "$@"; do
	IFS=: read -r base tree initramfs cache <<<"$spec"
	t0=$(date +%s)
	check_base $primary "$base" "$tree" "$initramfs" "$cache"
	echo "# $base: $(($(date +%s) - t0)) s"
	primary=0
done

echo "# $(($(date +%s) - start)) s"
if [ $failed -ne 0 ]; then
	echo "# failed: ${failures[*]}"
	# What a QEMU case that failed said about the IOMMU, last in the log
	# where CI keeps it.
	for t in "${failures[@]}"; do
		base=${t%%/*} c=${t#*/vmtest-}
		d=$ROOT/$base/vmtest/$c
		[ "$c" != "$t" ] && [ -f "$d/console.log" ] || continue
		echo "# $t: $(python3 -c 'import json, sys; print("; ".join(json.load(open(sys.argv[1]))["mismatch"]))' "$d/result.json" 2>/dev/null)"
		grep -aE 'kdump_iommu|AMD-Vi|DMAR|Kernel panic|KDT: (kdump|dump)' "$d/console.log" |
			tail -n 25 | sed "s|^|#   $t: |"
	done
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
