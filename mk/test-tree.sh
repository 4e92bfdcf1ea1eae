#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Round-trip test of mk/tree.sh on a scratch copy of the assembled tree and
# of the repository: a kernel developer's commits (an upstream file edited,
# new files added, a new file touched again later) are written back, then
# assembled again; the result must be the same tree with the same commit
# messages.  Also checks that assemble refuses to drop work that was not
# written back.  On a base other than the primary one (BASE=6.1), a change
# to a new file the primary base's series has too goes to that base's
# new-files.diff, and the repository's file stays as it was.
#
# usage: [BASE=6.12|6.1] mk/test-tree.sh TREE
set -euo pipefail

BASE=${BASE:-6.12}
PRIMARY=6.12

src_tree=$(cd "$1" && pwd)
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

rsync -a --exclude /out --exclude /.git "$repo/" "$tmp/repo/"
git clone -q --shared "$src_tree" "$tmp/linux"
tree=$tmp/linux
git -C "$tree" config user.name "Round Trip"
git -C "$tree" config user.email "rt@example.invalid"
git -C "$tree" fetch -q origin 'refs/tags/pristine:refs/tags/pristine'
git -C "$tree" update-ref refs/kdump-iommu/synced HEAD
echo "scratch tree at $(git -C "$tree" log -1 --format='%h %s')"

# Assembling an unchanged repository leaves the tree alone.
out=$("$repo/mk/tree.sh" assemble "$tmp/repo" "$tree")
grep -q 'up to date' <<<"$out" || fail "assemble of an unchanged repo: $out"

cd "$tree"
echo "# roundtrip" >>drivers/iommu/Kconfig
mkdir -p drivers/iommu/rt
printf '// SPDX-License-Identifier: GPL-2.0\nint rt_a;\n' >drivers/iommu/rt/a.c
git add -A
git commit -q -m "iommu: round-trip edit" -m "Edits an upstream file and adds one."
printf '.. SPDX-License-Identifier: GPL-2.0\n\nRT\n' >Documentation/rt.rst
chmod +x Documentation/rt.rst
git add -A
git commit -q -m "docs: round-trip new file only"
printf 'int rt_b;\n' >>drivers/iommu/rt/a.c
git commit -q -am "iommu: touch the new file again"
if [ "$BASE" != "$PRIMARY" ]; then
	printf '/* rt: %s only */\n' "$BASE" >>drivers/iommu/kdump_status.c
	git commit -q -am "iommu: a change of this base's own to a shared file"
fi
want_tree=$(git rev-parse 'HEAD^{tree}')

# assemble must refuse to run over commits that were not written back ...
if "$repo/mk/tree.sh" assemble "$tmp/repo" "$tree" >"$tmp/out" 2>&1; then
	fail "assemble ran over unsynced commits"
fi
grep -q 'make writeback' "$tmp/out" || fail "no hint to writeback: $(cat "$tmp/out")"
# ... and over uncommitted edits.
echo "# dirty" >>drivers/iommu/Makefile
if "$repo/mk/tree.sh" writeback "$tmp/repo" "$tree" >"$tmp/out" 2>&1; then
	fail "writeback ran over uncommitted changes"
fi
git checkout -q drivers/iommu/Makefile

"$repo/mk/tree.sh" writeback "$tmp/repo" "$tree" | tee "$tmp/out"
! grep -q 'dropped' "$tmp/out" || fail "a commit was dropped: $(cat "$tmp/out")"
cd "$tmp/repo"
cmp drivers/iommu/rt/a.c "$tree/drivers/iommu/rt/a.c" || fail "new file content"
[ -x Documentation/rt.rst ] || fail "executable bit lost"
p=$(grep -n 'round-trip-edit' patches/$BASE/series | cut -d: -f1)
[ -n "$p" ] || fail "series lacks the edit patch: $(cat patches/$BASE/series)"
sed -n "$((p + 1))p" patches/$BASE/series | grep -q 'drivers/iommu/rt/a.c' || fail "new file not listed under its patch"
grep -q '^+# roundtrip' patches/$BASE/*round-trip-edit.patch || fail "upstream edit not in the patch"
! grep -q 'rt/a.c' patches/$BASE/*round-trip-edit.patch || fail "new file leaked into the patch"
grep -q 'Edits an upstream file' patches/$BASE/*round-trip-edit.patch || fail "commit body lost"
# The later change to a.c stays in its own patch, as a diff.
grep -q '^+int rt_b;' patches/$BASE/*touch-the-new-file-again.patch ||
	fail "the later change to a new file is not in its patch"

if [ "$BASE" != "$PRIMARY" ]; then
	cmp -s drivers/iommu/kdump_status.c "$repo/drivers/iommu/kdump_status.c" ||
		fail "a $BASE change to a shared file changed the repository's file"
	grep -q "^+/\* rt: $BASE only \*/" "patches/$BASE/new-files.diff" ||
		fail "a $BASE change to a shared file is not in its new-files.diff"
fi

# Re-assemble from the written-back repository: same tree, same messages,
# and the commit that adds a.c has it as it was then, without rt_b.
msgs=$(git -C "$tree" log --format='%an%n%s%n%b' pristine..HEAD)
"$repo/mk/tree.sh" assemble "$tmp/repo" "$tree" >/dev/null
got_tree=$(git -C "$tree" rev-parse 'HEAD^{tree}')
[ "$got_tree" = "$want_tree" ] || fail "re-assembled tree differs: $(git -C "$tree" diff --stat "$want_tree" HEAD)"
[ "$msgs" = "$(git -C "$tree" log --format='%an%n%s%n%b' pristine..HEAD)" ] || fail "commit messages differ"
added=$(git -C "$tree" log -1 --format=%H --grep='^iommu: round-trip edit$')
[ "$(git -C "$tree" show "$added:drivers/iommu/rt/a.c")" = "$(printf '// SPDX-License-Identifier: GPL-2.0\nint rt_a;')" ] ||
	fail "the commit that adds a.c does not have it as it was added: $(git -C "$tree" show "$added:drivers/iommu/rt/a.c")"
# A repository whose later diff no longer fits the file is refused.
sed -i 's/^int rt_b;$/int rt_c;/' drivers/iommu/rt/a.c
if "$repo/mk/tree.sh" assemble "$tmp/repo" "$tree" >"$tmp/out" 2>&1; then
	fail "assemble took a later diff that does not fit the new file"
fi
grep -q 'does not reverse-apply' "$tmp/out" || fail "no reason for the refusal: $(cat "$tmp/out")"
sed -i 's/^int rt_c;$/int rt_b;/' drivers/iommu/rt/a.c
out=$("$repo/mk/tree.sh" assemble "$tmp/repo" "$tree")
grep -q 'up to date' <<<"$out" || fail "second assemble not a no-op: $out"
echo "PASS: tree round trip"
