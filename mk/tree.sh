#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Assemble the patched kernel tree from this repository, and write a kernel
# developer's commits in that tree back into the repository.
#
#   mk/tree.sh assemble  REPO TREE   pristine Debian $BASE + its series, as commits
#   mk/tree.sh writeback REPO TREE   commits pristine..HEAD -> overlay + patches/$BASE/
#
# BASE (default: the primary base, 6.12) is the Debian linux-source-$BASE
# the series is for.  Each base has its own series in patches/$BASE/.
#
# The repository is a sparse kernel tree: every file the series adds sits at
# its in-tree path, and edits to files that exist upstream are patches in
# patches/$BASE/.  Its series file lists the commits of the series in order;
# a patch name may be followed by indented lines naming the new files that
# commit adds (with their final content, taken from the repository):
#
#   0001-iommu-add-foo.patch
#           drivers/iommu/foo.c
#           include/linux/foo.h
#
# A later patch may change a file an earlier one adds: its diff then holds
# that change, and assemble gives the earlier commit the file as it was
# before (the final content with the later diffs reverse-applied).
#
# A patch may hold only a commit message (no diff) when its commit adds
# new files only.  Files under an upstream top-level directory that no
# base's series names are still assembled, as a trailing "WIP" commit.
#
# The new files hold the primary base's code.  Where another base's APIs
# differ, its new files differ by patches/$BASE/new-files.diff, applied to
# them before anything else (its writeback writes that diff, and leaves
# the primary base's files alone); a new file only one base's series names
# is that base's alone and sits in the repository as it is.
#
# assemble builds the commits with a private index (no work-tree churn) and
# then checks out the result, so only files that really changed get a new
# mtime and an incremental kernel build stays incremental.
set -euo pipefail

PRIMARY=6.12
BASE=${BASE:-$PRIMARY}
TARBALL=${TARBALL:-/usr/src/linux-source-$BASE.tar.xz}
BRANCH=kdump-iommu
SYNCED=refs/kdump-iommu/synced

die() { echo "tree: error: $*" >&2; exit 1; }
note() { echo "tree: $*"; }

[ $# -eq 3 ] || die "usage: [BASE=6.12|6.1] $0 assemble|writeback REPO TREE"
cmd=$1
REPO=$(cd "$2" && pwd)
PATCHES=$REPO/patches/$BASE
[ -d "$PATCHES" ] || die "no series for base $BASE: $PATCHES is missing"
mkdir -p "$(dirname "$3")"
TREE=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")

# Read patches/series into two parallel arrays: patch names, and for each a
# space-separated list of the new files it adds.
read_series() {
	local line name="" dir=${1:-$PATCHES}
	S_PATCH=()
	S_FILES=()
	[ -f "$dir/series" ] || return 0
	while IFS= read -r line || [ -n "$line" ]; do
		case "$line" in
		'' | '#'*) continue ;;
		[[:space:]]*)
			[ -n "$name" ] || die "$dir/series: file before any patch: $line"
			line=$(echo "$line" | tr -d '[:space:]')
			S_FILES[${#S_FILES[@]} - 1]+=" $line"
			;;
		*)
			name=$line
			S_PATCH+=("$name")
			S_FILES+=("")
			;;
		esac
	done <"$dir/series"
}

# The new files other bases' series name (one per line), which are not
# this base's unfinished work.
other_bases_files() {
	local d
	for d in "$REPO"/patches/*/; do
		[ "$(basename "$d")" != "$BASE" ] || continue
		read_series "${d%/}"
		# shellcheck disable=SC2068
		printf '%s\n' ${S_FILES[@]}
	done
	read_series
}

# final FILE: the path of FILE's content at the tip of this base's series:
# the repository's, or for a base other than the primary one with
# new-files.diff applied ($SCRATCH/final).
final() {
	if [ -f "$SCRATCH/final/$1" ]; then
		echo "$SCRATCH/final/$1"
	else
		echo "$REPO/$1"
	fi
}

# Apply this base's new-files.diff to copies of the files it changes.
apply_base_diff() {
	local diff=$PATCHES/new-files.diff f
	mkdir -p "$SCRATCH/final"
	[ -f "$diff" ] || return 0
	[ "$BASE" != "$PRIMARY" ] || die "$diff: the primary base's new files are the repository's"
	for f in $(sed -n 's|^+++ b/||p' "$diff"); do
		mkdir -p "$SCRATCH/final/$(dirname "$f")"
		cp "$REPO/$f" "$SCRATCH/final/$f" ||
			die "$(basename "$diff") changes $f, which is not in the repository"
	done
	(cd "$SCRATCH/final" && git apply -p1 "$diff") ||
		die "patches/$BASE/new-files.diff does not apply to the new files: port the change to $BASE (see README)"
}

# The top-level directories of the upstream tree: files of the repository
# under these are kernel files (the overlay); everything else (Makefile,
# README.md, mk/, patches/, .ci/) belongs to the project.
upstream_dirs() {
	git -C "$TREE" ls-tree -d --name-only pristine
}

overlay_files() {
	local dirs
	dirs=$(upstream_dirs)
	if git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1; then
		# shellcheck disable=SC2086
		git -C "$REPO" ls-files -co --exclude-standard -- $dirs
	else
		# shellcheck disable=SC2086
		(cd "$REPO" && for d in $dirs; do [ -d "$d" ] && find "$d" -type f; done)
	fi | while read -r f; do [ -f "$REPO/$f" ] && echo "$f"; done | sort -u
}

# Debian's top-level .gitignore ignores everything at the top level ("not
# in our repository"), which would hide a developer's new files.  Keep the
# committed file as shipped and drop that rule in the work tree only.
unhide_toplevel() {
	grep -qx '/\*' .gitignore 2>/dev/null || return 0
	git update-index --skip-worktree .gitignore
	sed -i '/^\/\*$/d; /^!\/debian\/$/d' .gitignore
}

unpack_pristine() {
	local tmp ver
	[ -r "$TARBALL" ] || die "$TARBALL missing (apt-get install linux-source-$BASE)"
	tmp=$TREE.unpack
	rm -rf "$tmp"
	mkdir -p "$tmp"
	note "unpacking $TARBALL"
	tar -xJf "$TARBALL" -C "$tmp" --strip-components=1
	ver=$(make -s -C "$tmp" kernelversion)
	(
		cd "$tmp"
		git init -q -b "$BRANCH"
		export GIT_AUTHOR_NAME="Debian linux-source-$BASE"
		export GIT_AUTHOR_EMAIL="linux-source@debian.invalid"
		export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME
		export GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
		git add -Af .
		date=$(date -R -r Makefile)
		GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date \
			git commit -q -m "Linux $ver (Debian linux-source-$BASE)" \
			-m "Pristine $(basename "$TARBALL") as shipped by Debian."
		git tag pristine
		git update-ref $SYNCED HEAD
	)
	mv "$tmp" "$TREE"
	note "pristine Linux $ver at $TREE (tag: pristine)"
}

require_clean() {
	if [ -n "$(git -C "$TREE" status --porcelain --untracked-files=no)" ]; then
		git -C "$TREE" status --short --untracked-files=no | head -20 >&2
		die "$TREE has uncommitted changes: commit them and run 'make writeback', or discard them"
	fi
}

# commit_entry PARENT PATCHFILE FILES... -> prints the new commit
commit_entry() {
	local parent=$1 patch=$2 tmp f mode blob subject
	shift 2
	tmp=$(mktemp -d)
	git mailinfo -b "$tmp/msg" "$tmp/diff" <"$patch" >"$tmp/info" ||
		die "$patch: not a mail-formatted patch"
	if [ -s "$tmp/diff" ]; then
		git apply --cached -p1 "$tmp/diff" ||
			die "$(basename "$patch") does not apply"
	fi
	for f in "$@"; do
		[ -f "$REPO/$f" ] || die "patches/$BASE/series names $f, which is not in the repository"
		mode=100644
		[ -x "$REPO/$f" ] && mode=100755
		blob=$(git hash-object -w -- "${SRC[$f]:-$(final "$f")}")
		git update-index --add --cacheinfo "$mode,$blob,$f"
	done
	subject=$(sed -n 's/^Subject: //p' "$tmp/info")
	[ -n "$subject" ] || die "$patch has no subject"
	{
		echo "$subject"
		if [ -s "$tmp/msg" ]; then
			echo
			cat "$tmp/msg"
		fi
	} >"$tmp/commitmsg"
	GIT_AUTHOR_NAME=$(sed -n 's/^Author: //p' "$tmp/info") \
	GIT_AUTHOR_EMAIL=$(sed -n 's/^Email: //p' "$tmp/info") \
	GIT_AUTHOR_DATE=$(sed -n 's/^Date: //p' "$tmp/info") \
	GIT_COMMITTER_NAME=$(sed -n 's/^Author: //p' "$tmp/info") \
	GIT_COMMITTER_EMAIL=$(sed -n 's/^Email: //p' "$tmp/info") \
	GIT_COMMITTER_DATE=$(sed -n 's/^Date: //p' "$tmp/info") \
		git commit-tree "$(git write-tree)" -p "$parent" -F "$tmp/commitmsg"
	rm -rf "$tmp"
}

# touches PATCH FILE: does PATCH's diff change FILE?
touches() {
	grep -qxF "diff --git a/$2 b/$2" "$1"
}

# as_added I FILE: FILE as patch I adds it, where a later patch changes it:
# its final content with the later patches' diffs reverse-applied, last
# first.  Prints the path of that content (under $SCRATCH), or nothing
# when no later patch touches FILE.
as_added() {
	local i=$1 f=$2 j p dir=""
	for ((j = ${#S_PATCH[@]} - 1; j > i; j--)); do
		p=$PATCHES/${S_PATCH[$j]}
		touches "$p" "$f" || continue
		if [ -z "$dir" ]; then
			dir=$SCRATCH/$i
			mkdir -p "$dir/$(dirname "$f")"
			cp "$(final "$f")" "$dir/$f"
		fi
		(cd "$dir" && git apply -R --include="$f" "$p") ||
			die "${S_PATCH[$j]}: its change to $f does not reverse-apply to the final $f"
	done
	[ -z "$dir" ] || echo "$dir/$f"
}

assemble() {
	local i head new listed others f src wip=() files date
	[ -d "$TREE/.git" ] || unpack_pristine
	cd "$TREE"
	unhide_toplevel
	require_clean
	head=$(git rev-parse -q --verify HEAD)
	if [ "$head" != "$(git rev-parse -q --verify $SYNCED || true)" ]; then
		git log --oneline "$(git rev-parse $SYNCED)..HEAD" >&2 || true
		die "$TREE has commits that are not in the repository: run 'make writeback' first (or 'make tree-reset' to drop them)"
	fi

	others=" $(other_bases_files | tr '\n' ' ') "
	read_series
	export GIT_INDEX_FILE=$TREE/.git/index.assemble
	git read-tree pristine
	new=$(git rev-parse pristine)
	listed=" "
	SCRATCH=$(mktemp -d)
	apply_base_diff
	declare -gA SRC=()
	for i in "${!S_PATCH[@]}"; do
		[ -f "$PATCHES/${S_PATCH[$i]}" ] ||
			die "patches/$BASE/series names ${S_PATCH[$i]}, which is missing"
		for f in ${S_FILES[$i]}; do
			src=$(as_added "$i" "$f") || exit 1
			[ -z "$src" ] || SRC[$f]=$src
		done
		# shellcheck disable=SC2086
		new=$(commit_entry "$new" "$PATCHES/${S_PATCH[$i]}" ${S_FILES[$i]})
		listed+="${S_FILES[$i]} "
	done
	while read -r f; do
		[ -n "$f" ] || continue
		case "$listed$others" in *" $f "*) ;; *) wip+=("$f") ;; esac
	done < <(overlay_files)
	if [ ${#wip[@]} -gt 0 ]; then
		note "not in patches/series yet (assembled as a WIP commit): ${wip[*]}"
		files=$(mktemp)
		date=$(git log -1 --format=%aD "$new")
		{
			printf 'From: kdump-iommu WIP <wip@kdump-iommu.invalid>\nDate: %s\n' "$date"
			printf 'Subject: [PATCH] WIP: files not yet in patches/series\n\n'
		} >"$files"
		new=$(commit_entry "$new" "$files" "${wip[@]}")
		rm -f "$files"
	fi
	rm -f "$GIT_INDEX_FILE"
	unset GIT_INDEX_FILE
	# Whatever the later patches did, the tip holds the repository's files.
	for f in $listed; do
		[ "$(git rev-parse "$new:$f")" = "$(git hash-object -- "$(final "$f")")" ] ||
			die "$f at the tip of the series differs from the repository's"
	done
	rm -rf "$SCRATCH"

	if [ "$new" = "$head" ]; then
		note "$TREE is up to date ($(git rev-list --count pristine..HEAD) commits on pristine)"
	else
		git checkout -q -B "$BRANCH" "$new"
		git update-ref $SYNCED HEAD
		note "$TREE now at pristine + $(git rev-list --count pristine..HEAD) commits:"
		git log --reverse --format='  %h %s' pristine..HEAD
	fi
}

# A file's commit: a patch of the commit's edits to upstream files only,
# plus the list of the files it adds.
writeback() {
	local c n=0 out tmp f parent added modified name
	[ -d "$TREE/.git" ] || die "no tree at $TREE: run 'make tree' first"
	cd "$TREE"
	require_clean
	[ -z "$(git rev-list --merges pristine..HEAD)" ] ||
		die "pristine..HEAD has merge commits: linearize the history first"
	out=$(mktemp -d)
	tmp=$(mktemp -d)
	: >"$out/series"
	declare -A owner=()
	for c in $(git rev-list --reverse pristine..HEAD); do
		parent=$(git rev-parse "$c^")
		added=()
		modified=()
		while IFS=$'\t' read -r st f; do
			if git cat-file -e "pristine:$f" 2>/dev/null; then
				modified+=("$f")
			elif [ "$st" = A ] && [ -z "${owner[$f]:-}" ]; then
				added+=("$f")
				owner[$f]=$((n + 1))
			elif [ -n "${owner[$f]:-}" ]; then
				# a change to a file an earlier patch adds: a
				# diff in this patch, like an upstream file's
				modified+=("$f")
			fi
		done < <(git diff-tree --no-commit-id -r --name-status --no-renames "$parent" "$c")
		if [ ${#added[@]} -eq 0 ] && [ ${#modified[@]} -eq 0 ]; then
			note "dropped $(git log -1 --format='%h %s' "$c"): nothing left of it"
			continue
		fi
		n=$((n + 1))

		# A synthetic commit with only the upstream-file edits, so that
		# format-patch writes the message, the stat and the diff for us.
		export GIT_INDEX_FILE=$tmp/index
		git read-tree "$parent"
		for f in "${modified[@]}"; do
			if git cat-file -e "$c:$f" 2>/dev/null; then
				git update-index --add --cacheinfo \
					"$(git ls-tree "$c" -- "$f" | awk '{print $1","$3}'),$f"
			else
				git update-index --force-remove -- "$f"
			fi
		done
		syn=$(GIT_AUTHOR_NAME=$(git log -1 --format=%an "$c") \
			GIT_AUTHOR_EMAIL=$(git log -1 --format=%ae "$c") \
			GIT_AUTHOR_DATE=$(git log -1 --format=%aD "$c") \
			git commit-tree "$(git write-tree)" -p "$parent" \
			-m "$(git log -1 --format=%B "$c")")
		unset GIT_INDEX_FILE
		# suppressBlankEmpty: a blank context line is written as an
		# empty line, not a lone space, which git apply takes alike and
		# checkpatch (run on the tracked patch as a file) does not flag.
		name=$(git -c diff.suppressBlankEmpty=true format-patch \
			--always --zero-commit --no-signature \
			--start-number "$n" -o "$out" -1 "$syn")
		name=$(basename "$name")
		echo "$name" >>"$out/series"
		for f in "${added[@]}"; do
			printf '\t%s\n' "$f" >>"$out/series"
		done
	done

	# Replace patches/$BASE/ and the overlay files of the old series
	# (but not the files another base's series still names).
	others=" $(other_bases_files | tr '\n' ' ') "
	read_series
	# shellcheck disable=SC2068
	for f in ${S_FILES[@]}; do
		case "$others" in *" $f "*) continue ;; esac
		git cat-file -e "HEAD:$f" 2>/dev/null || { rm -f "$REPO/$f"; note "removed $f"; }
	done
	rm -f "$PATCHES"/*.patch "$PATCHES/new-files.diff"
	cp "$out"/*.patch "$PATCHES/" 2>/dev/null || true
	{
		echo "# The series, in order: each patch, then (indented) the new files"
		echo "# its commit adds.  Written by 'make writeback'; see mk/tree.sh."
		cat "$out/series"
	} >"$PATCHES/series"
	# The new files: the primary base's go to the repository; another
	# base's, where the primary base's series has them too, go to its
	# new-files.diff as their difference from the repository's.
	primary=" "
	if [ "$BASE" != "$PRIMARY" ]; then
		read_series "$REPO/patches/$PRIMARY"
		primary=" ${S_FILES[*]} "
	fi
	mkdir -p "$tmp/a" "$tmp/b"
	for f in $(printf '%s\n' "${!owner[@]}" | sort); do
		git cat-file -e "HEAD:$f" 2>/dev/null || continue
		case "$primary" in
		*" $f "*)
			mkdir -p "$tmp/a/$(dirname "$f")" "$tmp/b/$(dirname "$f")"
			cp "$REPO/$f" "$tmp/a/$f"
			git show "HEAD:$f" >"$tmp/b/$f"
			[ "$(git ls-tree HEAD -- "$f" | cut -c1-6)" != 100755 ] || chmod +x "$tmp/b/$f"
			# (exit status 1: they differ)
			(cd "$tmp" && git diff --no-index --no-prefix "a/$f" "b/$f") \
				>>"$tmp/new-files.diff" || [ $? -eq 1 ]
			continue
			;;
		esac
		mkdir -p "$REPO/$(dirname "$f")"
		git show "HEAD:$f" >"$REPO/$f"
		if [ "$(git ls-tree HEAD -- "$f" | cut -c1-6)" = 100755 ]; then
			chmod +x "$REPO/$f"
		else
			chmod -x "$REPO/$f"
		fi
	done
	if [ -s "$tmp/new-files.diff" ]; then
		{
			echo "What the new files of the $PRIMARY series differ in on $BASE (written by"
			echo "'make writeback BASE=$BASE'; see mk/tree.sh)."
			echo
			cat "$tmp/new-files.diff"
		} >"$PATCHES/new-files.diff"
	fi
	rm -rf "$out" "$tmp"
	git update-ref $SYNCED HEAD
	note "wrote $n commits back to $REPO (patches/$BASE/ and the new files); review with 'git -C $REPO status'"
}

case "$cmd" in
assemble) assemble ;;
writeback) writeback ;;
*) die "unknown command $cmd" ;;
esac
