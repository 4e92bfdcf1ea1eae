#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A commit of the assembled tree, checked out in a work tree that persists
# in a cache outside the repository (make check: the series cache), and
# its path on stdout.
#
# A clean clone assembles its tree afresh: every file is new to make, and
# a build directory beside it would rebuild the whole kernel although
# ccache has every object.  git checkout in a work tree that persists
# rewrites only the files that differ from what it had, so a build
# directory that persists beside it rebuilds what changed.
#
# The work trees belong to one repository in CACHE/linux, which fetches
# from TREE (the assembled tree's commits are the same in every clone) and
# which mk/series.sh also uses; CACHE/.lock keeps their git commands apart.
#
# usage: mk/cache-tree.sh TREE CACHE NAME REV
set -euo pipefail

[ $# -eq 4 ] || { echo "usage: $0 TREE CACHE NAME REV" >&2; exit 2; }
tree=$(cd "$1" && pwd)
mkdir -p "$2"
cache=$(cd "$2" && pwd)
name=$3 rev=$4
repo=$cache/linux
wt=$cache/$name

die() { echo "cache-tree: error: $*" >&2; exit 1; }

commit=$(git -C "$tree" rev-parse --verify -q "$rev^{commit}") ||
	die "$rev is no commit of $tree"
exec 9>"$cache/.lock"
flock -n 9 || { echo "cache-tree: $cache is in use: waiting for it" >&2; flock 9; }
if [ ! -d "$repo/.git" ]; then
	rm -rf "$repo"
	git init -q "$repo" || die "git init $repo failed"
fi
git -C "$repo" fetch -q --no-tags "$tree" +refs/tags/pristine:refs/tags/pristine \
	"+HEAD:refs/cache-tree/$name" || die "cannot fetch from $tree"
git -C "$repo" cat-file -e "$commit^{commit}" 2>/dev/null ||
	die "$rev ($commit) is not reachable from $tree's HEAD"
# (a work tree of this repository, not one left by a removed one)
if [ "$(git -C "$wt" rev-parse --path-format=absolute --git-common-dir 2>/dev/null)" != \
	"$(cd "$repo/.git" && pwd -P)" ]; then
	rm -rf "$wt"
	git -C "$repo" worktree prune
	git -C "$repo" worktree add -q --detach "$wt" "$commit" >&2 ||
		die "cannot add the work tree $wt"
fi
git -C "$wt" checkout -q -f --detach "$commit" || die "cannot check out $rev in $wt"
git -C "$wt" clean -q -fdx
echo "$wt"
