#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Negative controls for mk/series.sh: a series with one bad patch on top
# must fail each check it breaks, for the reason it breaks it.
#
#   1. checkpatch: a patch with a style error (no spaces around '=')
#      fails "checkpatch" and names the patch;
#   2. git am: a patch that does not apply fails "git-am";
#   2b. fixes: a patch that needs the first patch (the one with a Fixes:
#      tag) fails "fixes", and so does a Fixes: tag after other patches;
#   3. build: a patch that breaks the build fails "build: patch N/N" (run
#      only with --build: it builds that patch in OUT's build directories,
#      so run it after a real series-check, where it costs one object).
#
# usage: mk/test-series.sh TREE OUT [--build]
set -euo pipefail

src_tree=$(cd "$1" && pwd)
out=$(mkdir -p "$2" && cd "$2" && pwd)
build=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# The bad patches edit a few files (and what the series' first fix
# changes): only those are checked out (the whole tree would cost a minute
# to write and to remove, for nothing).
git clone -q --shared --no-checkout "$src_tree" "$tmp/linux"
tree=$tmp/linux
git -C "$tree" fetch -q origin 'refs/tags/pristine:refs/tags/pristine'
first=$(git -C "$tree" rev-list --reverse pristine..HEAD | head -n 1)
# shellcheck disable=SC2046
git -C "$tree" sparse-checkout set --no-cone /drivers/iommu/kdump_reserve.c \
	/drivers/iommu/iommu.c /drivers/net/ethernet/intel/e1000/e1000_main.c \
	$(git -C "$tree" show --format= --name-only "$first" | sed 's|^|/|')
git -C "$tree" checkout -q HEAD
[ -f "$tree/drivers/iommu/kdump_reserve.c" ] || fail "sparse checkout of the scratch tree"
git -C "$tree" config user.name "Series Check"
git -C "$tree" config user.email "series@check.invalid"
n=$(($(git -C "$tree" rev-list --count pristine..HEAD) + 1))

# bad_commit SUBJECT: commit what is staged, and mark the tree written back
bad_commit() {
	git -C "$tree" commit -q -s -m "$1" -m "A negative control for mk/series.sh."
	git -C "$tree" update-ref refs/kdump-iommu/synced HEAD
}

# 1. checkpatch
printf '\nint kdump_iommu_bad=1;\n' >>"$tree/drivers/iommu/kdump_reserve.c"
git -C "$tree" add -A
bad_commit "iommu: a patch checkpatch rejects"
if SERIES_STEPS=checkpatch "$here/series.sh" check "$tree" "$tmp/out" 99 >"$tmp/log" 2>&1; then
	fail "checkpatch: a bad patch passed"
fi
grep -q "FAILED: checkpatch: v99-00$n-" "$tmp/log" || fail "checkpatch: not the reason: $(tail -n 5 "$tmp/log")"
grep -q "ERROR: spaces required around that '='" "$tmp/log" || fail "checkpatch: no ERROR shown"
echo "ok: checkpatch fails a patch with a style error"

# 2. git am: the export is fine, then a context line of patch 2 is spoilt
git -C "$tree" reset -q --hard HEAD^
git -C "$tree" update-ref refs/kdump-iommu/synced HEAD
"$here/series.sh" export "$tree" "$tmp/out" 99 >/dev/null
python3 - "$tmp/out/v99/v99-0002-"*.patch <<'EOS' || fail "git am: could not spoil patch 2"
import sys
lines = open(sys.argv[1]).read().split('\n')
hunk = next(i for i, l in enumerate(lines) if l.startswith('@@'))
ctx = next(i for i in range(hunk + 1, len(lines)) if lines[i].startswith(' '))
lines[ctx] = ' spoilt' + lines[ctx][1:]
open(sys.argv[1], 'w').write('\n'.join(lines))
EOS
if SERIES_NO_EXPORT=1 SERIES_STEPS=none "$here/series.sh" check "$tree" "$tmp/out" 99 \
	>"$tmp/log" 2>&1; then
	fail "git am: a patch that does not apply passed"
fi
grep -q "FAILED: git-am: v99-0002-" "$tmp/log" || fail "git am: not the reason: $(tail -n 5 "$tmp/log")"
echo "ok: git am fails a patch that does not apply"

# 2b. A patch that edits what the fix added needs the fix; a Fixes: tag on
#     a patch after the first that has none is out of place.
grep -q '^Fixes: ' "$tmp/out/v99/v99-0001-"*.patch || fail "fixes: the series' first patch has no Fixes: tag"
# (after a statement the fix adds, one that stands once in its file)
python3 - "$tree" "$first" <<'EOS' || fail "fixes: no line of the fix to edit"
import subprocess, sys
tree, c = sys.argv[1:]
diff = subprocess.run(['git', '-C', tree, 'show', '--format=', '-U0', c],
                      capture_output=True, text=True, check=True).stdout
f = None
for l in diff.split('\n'):
    if l.startswith('+++ b/'):
        f = l[6:]
    elif f and f.endswith('.c') and l.startswith('+\t') and l.endswith(';'):
        path = '%s/%s' % (tree, f)
        s = open(path).read()
        if s.count(l[1:] + '\n') == 1:
            s = s.replace(l[1:] + '\n', l[1:] + '\n\t/* needs the fix */\n')
            open(path, 'w').write(s)
            sys.exit(0)
sys.exit(1)
EOS
git -C "$tree" diff --quiet && fail "fixes: the fix's line is not in the tree"
git -C "$tree" add -A
bad_commit "iommu: a patch that needs the fix"
if SERIES_STEPS=none "$here/series.sh" check "$tree" "$tmp/out" 99 >"$tmp/log" 2>&1; then
	fail "fixes: a patch that needs the fix passed"
fi
grep -q "FAILED: fixes: v99-00$n-.* does not apply without the fixes" "$tmp/log" ||
	fail "fixes: not the reason: $(tail -n 5 "$tmp/log")"
git -C "$tree" reset -q --hard HEAD^
git -C "$tree" update-ref refs/kdump-iommu/synced HEAD
"$here/series.sh" export "$tree" "$tmp/out" 99 >/dev/null
sed -i '0,/^Signed-off-by: /s//Fixes: 123456789abc ("not a fix")\n&/' "$tmp/out/v99/v99-0004-"*.patch
if SERIES_NO_EXPORT=1 SERIES_STEPS=none "$here/series.sh" check "$tree" "$tmp/out" 99 \
	>"$tmp/log" 2>&1; then
	fail "fixes: a Fixes: tag after other patches passed"
fi
grep -q "FAILED: fixes: v99-0004-.* has a Fixes: tag but comes after v99-000[1-3]-" "$tmp/log" ||
	fail "fixes: not the reason: $(tail -n 5 "$tmp/log")"
echo "ok: the fix stands alone and first: a patch that needs it fails, and so does a late Fixes: tag"

# 3. build
if [ "$build" = --build ]; then
	printf '\nstatic int kdump_iommu_broken(void) { return undeclared_thing; }\n' \
		>>"$tree/drivers/iommu/kdump_reserve.c"
	git -C "$tree" add -A
	bad_commit "iommu: a patch that does not build"
	if SERIES_STEPS=builds SERIES_FROM=$n SERIES_CONFIGS=on "$here/series.sh" check \
		"$tree" "$out" 99 >"$tmp/log" 2>&1; then
		fail "build: a patch that does not build passed"
	fi
	grep -q "FAILED: build: patch $n/$n, x86_64 feature on" "$tmp/log" ||
		fail "build: not the reason: $(tail -n 5 "$tmp/log")"
	grep -q "undeclared_thing" "$tmp/log" || fail "build: the compiler's error is not shown"
	rm -rf "$out/v99"
	echo "ok: a patch that does not build fails"

	# A patch that changes nothing a build read is not built again; one
	# that breaks the feature-off build only, after one that built, must
	# still be built, and fail.
	git -C "$tree" reset -q --hard HEAD^
	sed -i '1s|$| /* touched */|' "$tree/drivers/iommu/iommu.c"
	git -C "$tree" add -A
	bad_commit "iommu: a patch both configurations build"
	printf '\n/* nothing either build reads */\n' \
		>>"$tree/drivers/net/ethernet/intel/e1000/e1000_main.c"
	git -C "$tree" add -A
	bad_commit "e1000: a patch no build here reads"
	printf '\n#ifndef CONFIG_KDUMP_IOMMU_RESERVE\nstatic int off_only_broken(void) { return undeclared_off; }\n#endif\n' \
		>>"$tree/drivers/iommu/iommu.c"
	git -C "$tree" add -A
	bad_commit "iommu: a patch that breaks the feature-off build"
	if SERIES_STEPS=builds SERIES_FROM=$n "$here/series.sh" check "$tree" "$out" 99 \
		>"$tmp/log" 2>&1; then
		fail "build: a patch that breaks the feature-off build passed"
	fi
	grep -q "series: patch $n/$((n + 2)) builds, x86_64 feature off" "$tmp/log" ||
		fail "build: the first patch did not build: $(tail -n 5 "$tmp/log")"
	grep -q "FAILED: build: patch $((n + 2))/$((n + 2)), x86_64 feature off" "$tmp/log" ||
		fail "build: not the reason: $(tail -n 5 "$tmp/log")"
	grep -q "undeclared_off" "$tmp/log" || fail "build: the compiler's error is not shown"
	for cfg in on off; do
		grep -q "series: patch $((n + 1))/$((n + 2)) builds, x86_64 feature $cfg: changes nothing that build reads" \
			"$tmp/log" || fail "build: a patch no build reads was built ($cfg)"
	done
	grep -q "series: patch $((n + 2))/$((n + 2)) builds, x86_64 feature on (" "$tmp/log" ||
		fail "build: the feature-on build of the last patch did not run"
	rm -rf "$out/v99"
	echo "ok: a patch that breaks only the feature-off build fails, after one that built"
fi
echo "PASS: series-check negative controls"
