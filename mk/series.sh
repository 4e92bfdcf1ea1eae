#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The series as it would be mailed, and the checks a maintainer would run
# on it before reading it.
#
#   mk/series.sh export TREE OUT VERSION
#	git format-patch of pristine..HEAD of the assembled tree into
#	OUT/vVERSION/: versioned, with --base, and with the cover letter of
#	patches/$BASE/cover-letter (first line the subject, the rest the
#	body).  The patches in the repository carry no identity of a
#	person: the series is the sender's, whose name and address git
#	gives (user.name, user.email): they become each patch's From: and
#	its Signed-off-by: (the Developer's Certificate of Origin is theirs
#	to give), and the maintainer of the new MAINTAINERS entry (a
#	placeholder in the repository).  "make series" refuses without them; the checks below,
#	which mail nothing, then use a placeholder that says so.
#
#   mk/series.sh check TREE OUT VERSION
#	export, then:
#	1. the patches apply with git am on the pristine Debian tree, and
#	   give exactly the assembled tree;
#	2. checkpatch.pl --strict: no error and no warning in any patch;
#	3. every patch builds on its own: x86_64 vmlinux with
#	   CONFIG_KDUMP_IOMMU_RESERVE on and off, after each patch in turn
#	   (one incremental build directory per configuration);
#	4. ia64 (HP zx1) with the feature on and off after each patch that
#	   touches arch/ia64, and for the whole series, when the cross
#	   compiler of mk/ia64-toolchain.sh is cached (else said, and
#	   skipped);
#	5. W=1 and sparse (C=2) on every object the series adds or changes:
#	   no warning at all in the files the series adds, and none in an
#	   upstream file that the pristine file does not have.
#
# SERIES_STEPS (default "checkpatch builds warnings") picks the checks
# after git am; SERIES_FROM=N builds only from patch N on, SERIES_CONFIGS
# (default "on off") only those x86_64 configurations (the tests of this
# script use them to fail fast).
#
# Exits non-zero if any of it fails; the last line says which.
set -uo pipefail

BASE=${BASE:-6.12}

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
KT=tools/testing/selftests/kdump_iommu

die() { echo "series: error: $*" >&2; exit 1; }
say() { echo "series: $*"; }

[ $# -eq 4 ] || die "usage: $0 export|check TREE OUT VERSION"
cmd=$1
tree=$(cd "$2" && pwd) || die "no tree at $2: run 'make tree'"
mkdir -p "$3"
out=$(cd "$3" && pwd)
version=$4
case "$version" in
[1-9] | [1-9][0-9]) ;;
*) die "VERSION must be a number from 1 to 99, not '$version'" ;;
esac
dir=$out/v$version

# The lists the series goes to (MAINTAINERS: IOMMU SUBSYSTEM, KEXEC, KDUMP).
TO=(iommu@lists.linux.dev kexec@lists.infradead.org)
CC=(linux-kernel@vger.kernel.org)

export_series() {
	local cover subject n
	git -C "$tree" rev-parse -q --verify pristine >/dev/null ||
		die "$tree has no 'pristine' tag: run 'make tree'"
	[ -z "$(git -C "$tree" status --porcelain --untracked-files=no)" ] ||
		die "$tree has uncommitted changes: commit and 'make writeback' them first"
	[ "$(git -C "$tree" rev-parse HEAD)" = "$(git -C "$tree" rev-parse refs/kdump-iommu/synced)" ] ||
		die "$tree has commits that are not written back: 'make writeback' first"
	if git -C "$tree" log --format=%s pristine..HEAD | grep -q '^WIP:'; then
		die "the tree has a WIP commit (files not in patches/$BASE/series): add them to the series first"
	fi
	[ -f "$repo/patches/$BASE/cover-letter" ] || die "patches/$BASE/cover-letter is missing"
	# The sender: git's identity (GIT_AUTHOR_NAME and _EMAIL override it).
	if [ -z "$(git -C "$repo" config user.email || echo "${GIT_AUTHOR_EMAIL:-}")" ] ||
		! sender=$(git -C "$repo" var GIT_AUTHOR_IDENT 2>/dev/null); then
		[ "$cmd" = check ] ||
			die "no sender: set git's user.name and user.email (git config --global), whose Signed-off-by the series carries"
		sender="kdump-iommu series check (not for mailing) <series-check@example.invalid> 0 +0000"
	fi
	sender=${sender% * *}

	rm -rf "$dir"
	mkdir -p "$dir"
	# shellcheck disable=SC2046
	git -C "$tree" -c diff.suppressBlankEmpty=true format-patch -q \
		--reroll-count="$version" --cover-letter --base=pristine \
		--thread=shallow --no-signature --zero-commit \
		$(printf -- '--to=%s ' "${TO[@]}") $(printf -- '--cc=%s ' "${CC[@]}") \
		-o "$dir" pristine..HEAD || die "git format-patch failed"

	# Each patch from the sender, with their Signed-off-by last in the
	# message (after any Fixes:, Cc: or other trailer it has).
	python3 - "$sender" "$dir"/*.patch <<'EOF' || die "could not sign the patches"
import re, sys
sender, paths = sys.argv[1], sys.argv[2:]
for path in paths:
    text = open(path).read()
    head, sep, rest = text.partition('\n\n')
    head = re.sub(r'^From: .*$', lambda m: 'From: ' + sender, head, count=1,
                  flags=re.M)
    if not path.endswith('0000-cover-letter.patch'):
        msg, dash, diff = rest.partition('\n---\n')
        if not dash:
            sys.exit('%s: no "---" line' % path)
        msg = msg.rstrip('\n')
        if not re.search(r'^Signed-off-by: %s$' % re.escape(sender), msg, re.M):
            last = msg.rsplit('\n\n', 1)[-1]
            trailers = '\n\n' in msg and all(
                re.match(r'[A-Za-z-]+: ', l) for l in last.split('\n'))
            msg += ('\n' if trailers else '\n\n') + 'Signed-off-by: ' + sender
        # The maintainer the MAINTAINERS entry names is the sender too.
        diff = re.sub(r'^\+M:\tkdump-iommu <kdump-iommu@example\.invalid>$',
                      lambda m: '+M:\t' + sender, diff, flags=re.M)
        rest = msg + '\n' + dash + diff
    open(path, 'w').write(head + sep + rest)
EOF
	cover=$(ls "$dir"/*0000-cover-letter.patch)
	subject=$(head -n 1 "$repo/patches/$BASE/cover-letter")
	n=$(git -C "$tree" rev-list --count pristine..HEAD)
	python3 - "$cover" "$subject" "$repo/patches/$BASE/cover-letter" "$version" <<'EOF' ||
import sys
path, subject, body_file, version = sys.argv[1:]
text = open(path).read()
body = open(body_file).read().split('\n', 1)[1].strip('\n')
if version != '1':
    body = body.replace('@CHANGES@', 'Changes since v%d: see the notes below the\n'
                        '"---" line of each patch.' % (int(version) - 1))
else:
    body = body.replace('@CHANGES@\n\n', '').replace('@CHANGES@', '')
for old, new in (('*** SUBJECT HERE ***', subject), ('*** BLURB HERE ***', body)):
    if old not in text:
        sys.exit('cover letter: no "%s" to fill in' % old)
    text = text.replace(old, new)
open(path, 'w').write(text)
EOF
		die "could not fill in the cover letter"
	! grep -q '\*\*\*' "$cover" || die "the cover letter still has *** placeholders"
	say "$dir: cover letter and $n patches (base: pristine, $(git -C "$tree" rev-parse --short pristine))"
}

# --- check -----------------------------------------------------------------

fail=0
failures=()
bad() { fail=1; failures+=("$1"); echo "series: FAIL: $*" >&2; }

# The work tree the series is applied in and the build directories stay
# in $SERIES_CACHE between runs, as ccache does outside the repository
# (make check puts it in /var/cache/kdump-iommu/series): git checkout
# rewrites only the files that differ, so a run after a change rebuilds
# what the change touches, not the whole kernel twice.  Without it, in
# OUT/check.
cache=${SERIES_CACHE:-$out/check}
if ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
	echo "series: $cache is not writable: building in $out/check" >&2
	cache=$out/check
fi
wt=$cache/linux
# git am runs in a second work tree of the same repository: it rewrites
# every file the series touches, and in the tree the builds read that
# would make Kbuild rebuild all that includes them on the next build,
# although the content is what that build last saw.
amwt=$cache/am
final=

# One check at a time in a cache: two would check out commits in the same
# work tree under each other's builds.
lock_cache() {
	exec 9>"$cache/.lock"
	if ! flock -n 9; then
		echo "series: $cache is in use by another series check: waiting for it"
		flock 9
	fi
}

# 1. git am on pristine, in that work tree (a repository of its own, which
#    fetches pristine from TREE: the assembled tree's commits are the same
#    in every clone).
check_am() {
	local p
	if [ ! -d "$wt/.git" ]; then
		rm -rf "$wt" "$amwt"
		git init -q "$wt" || die "git init $wt failed"
	fi
	git -C "$wt" fetch -q --no-tags "$tree" +refs/tags/pristine:refs/tags/pristine ||
		die "cannot fetch pristine from $tree into $wt"
	# (a work tree of this repository, not one left by a removed one)
	if [ "$(git -C "$amwt" rev-parse --path-format=absolute --git-common-dir 2>/dev/null)" != \
		"$(cd "$wt/.git" && pwd -P)" ]; then
		rm -rf "$amwt"
		git -C "$wt" worktree prune
		git -C "$wt" worktree add -q --detach "$amwt" pristine ||
			die "cannot add the work tree $amwt"
	fi
	git -C "$amwt" am --abort >/dev/null 2>&1 || true
	git -C "$amwt" checkout -q -f --detach pristine || die "cannot check out pristine in $amwt"
	git -C "$amwt" clean -q -fdx
	for p in "$dir"/*.patch; do
		case "$p" in *0000-cover-letter.patch) continue ;; esac
		if ! git -C "$amwt" -c user.name="series-check" -c user.email="series@check.invalid" \
			am -q --keep-cr --whitespace=error "$p"; then
			git -C "$amwt" am --abort >/dev/null 2>&1 || true
			bad "git-am: $(basename "$p") does not apply"
			return 1
		fi
	done
	# (tree ids: the assembled tree's commits need not be in this
	# repository).  The one difference allowed: the sender as the
	# maintainer of the new MAINTAINERS entry, for the placeholder.
	if [ "$(git -C "$amwt" rev-parse 'HEAD^{tree}')" != "$(git -C "$tree" rev-parse 'HEAD^{tree}')" ] &&
		! same_but_maintainer; then
		bad "git-am: the applied series differs from the assembled tree"
		return 1
	fi
	final=$(git -C "$amwt" rev-parse HEAD)
	say "git am: $(git -C "$amwt" rev-list --count pristine..HEAD) patches apply on pristine and give the assembled tree"
	# The builds' work tree: checkout rewrites only the files that differ.
	git -C "$wt" checkout -q -f --detach "$final" || die "cannot check out the series in $wt"
	git -C "$wt" clean -q -fdx
}

# Do the applied series ($amwt) and the assembled tree differ only in the
# maintainer line export_series() fills in?
same_but_maintainer() {
	local got
	[ "$(git -C "$amwt" ls-tree -r HEAD | grep -v '	MAINTAINERS$')" = \
	  "$(git -C "$tree" ls-tree -r HEAD | grep -v '	MAINTAINERS$')" ] || return 1
	got=$(diff <(git -C "$tree" show HEAD:MAINTAINERS) <(git -C "$amwt" show HEAD:MAINTAINERS) |
		grep '^[<>]')
	# (without an export here, whoever exported the series)
	if [ -n "${sender:-}" ]; then
		[ "$got" = "$(printf '< M:\tkdump-iommu <kdump-iommu@example.invalid>\n> M:\t%s' "$sender")" ]
	else
		[ "$(head -n 1 <<<"$got")" = "$(printf '< M:\tkdump-iommu <kdump-iommu@example.invalid>')" ] &&
			[ "$(wc -l <<<"$got")" = 2 ] &&
			tail -n 1 <<<"$got" | grep -qP '^> M:\t\S.* <\S+@\S+>$'
	fi
}

# 1b. A fix of an upstream bug stands alone: the patches with a Fixes: tag
#     come first, and the rest applies on pristine without them and makes
#     the same changes as in the series (so no later patch depends on a
#     fix, and a fix can go to stable on its own).
check_fixes_alone() {
	local p fixes=() rest=() fixed a b
	for p in "$dir"/*.patch; do
		case "$p" in *0000-cover-letter.patch) continue ;; esac
		if grep -q '^Fixes: ' "$p"; then
			if [ ${#rest[@]} -gt 0 ]; then
				bad "fixes: $(basename "$p") has a Fixes: tag but comes after $(basename "${rest[0]}"), which has none: fixes go first"
				return 1
			fi
			fixes+=("$p")
		else
			rest+=("$p")
		fi
	done
	[ ${#fixes[@]} -gt 0 ] || return 0
	git -C "$amwt" checkout -q -f --detach pristine || die "cannot check out pristine in $amwt"
	for p in "${rest[@]}"; do
		if ! git -C "$amwt" -c user.name="series-check" -c user.email="series@check.invalid" \
			am -q --keep-cr "$p" >/dev/null 2>&1; then
			git -C "$amwt" am --abort >/dev/null 2>&1 || true
			bad "fixes: $(basename "$p") does not apply without the fixes before it"
			return 1
		fi
	done
	# The series less the fixes, and the fixes: the same diff.
	fixed=$(git -C "$amwt" rev-list --reverse "pristine..$final" | sed -n "${#fixes[@]}p")
	a=$(git -C "$amwt" diff HEAD "$final" | git patch-id --stable | cut -d' ' -f1)
	b=$(git -C "$amwt" diff pristine "$fixed" | git patch-id --stable | cut -d' ' -f1)
	if [ -z "$a" ] || [ "$a" != "$b" ]; then
		bad "fixes: the series without the first ${#fixes[@]} patch(es) does not make the same changes as with them"
		return 1
	fi
	say "fixes: ${#fixes[@]} patch(es) with a Fixes: tag first; the other ${#rest[@]} apply on pristine without them"
}

# 2. checkpatch.pl --strict on every patch.  Its check that a Fixes: or
#    "commit <id>" reference exists needs upstream's history, which the
#    Debian tarball imported as pristine does not have: every id would be
#    unknown here.  That one check is left to a tree that has the history
#    (the README says so); the tag's form is still checked.
check_checkpatch() {
	local p log e w c
	for p in "$dir"/*.patch; do
		case "$p" in *0000-cover-letter.patch) continue ;; esac
		log=$out/check/checkpatch-$(basename "$p" .patch).log
		"$wt/scripts/checkpatch.pl" --strict --no-tree --terse \
			--ignore UNKNOWN_COMMIT_ID "$p" >"$log" 2>&1
		e=$(grep -c ': ERROR:' "$log")
		w=$(grep -c ': WARNING:' "$log")
		c=$(grep -c ': CHECK:' "$log")
		echo "series: checkpatch --strict $(basename "$p"): $e errors, $w warnings, $c checks"
		if [ "$e" -ne 0 ] || [ "$w" -ne 0 ]; then
			grep -E ': (ERROR|WARNING):' "$log" >&2
			bad "checkpatch: $(basename "$p")"
		fi
	done
	rm -f "$wt"/.checkpatch-camelcase.* 2>/dev/null
}

# The configuration of a per-patch build: the test kernel's options (a
# small x86_64 kernel with VT-d, AMD-Vi, kexec and kdump, from the tip of
# the series: the selftests patch adds that file), the debug and
# KUnit options the series adds, no debug info (for speed); "off" has the
# feature disabled.  Options a patch does not know yet are dropped by
# olddefconfig and come back with the patch that adds them.
fragment() { # on|off FILE
	local cfg
	# (from git: a tree may have only what it edits checked out)
	cfg=$(git -C "$tree" show "HEAD:$KT/config") || return 1
	grep -v 'DEBUG_INFO' <<<"$cfg" >"$2"
	echo 'CONFIG_KDUMP_IOMMU_RESERVE_KUNIT_TEST=y' >>"$2"
	[ "$1" = off ] && echo '# CONFIG_KDUMP_IOMMU_RESERVE is not set' >>"$2"
	echo '# CONFIG_DEBUG_INFO_DWARF4 is not set' >>"$2"
	echo 'CONFIG_DEBUG_INFO_NONE=y' >>"$2"
	# One link of vmlinux instead of three (nothing here boots it).
	echo '# CONFIG_KALLSYMS is not set' >>"$2"
}

kmake() { # BUILD ARGS...
	local b=$1
	shift
	make -C "$wt" O="$b" CC="ccache gcc" HOSTCC="ccache gcc" \
		KBUILD_BUILD_TIMESTAMP="2026-01-01 00:00:00 UTC" \
		KBUILD_BUILD_USER=kdump KBUILD_BUILD_HOST=kdump-iommu "$@"
}

configure() { # on|off BUILD
	local b=$2
	mkdir -p "$b"
	fragment "$1" "$b/fragment" || { echo "series: no $KT/config in $tree" >&2; return 1; }
	# (from tinyconfig each time: the .config is the patch's and the
	# fragment's, whatever the directory built before)
	kmake "$b" -s tinyconfig >/dev/null
	"$wt/scripts/kconfig/merge_config.sh" -m -O "$b" "$b/.config" "$b/fragment" >/dev/null &&
		kmake "$b" -s olddefconfig >/dev/null
}

# show_failure LOG: what a failed build said: the compiler's errors (a
# parallel build may print much after them) and the end of the log.
show_failure() {
	grep -E -A3 ': (fatal )?error:' "$1" | head -n 40 >&2
	tail -n 10 "$1" >&2
}

# 3. and 4. Every patch builds on its own.
check_builds() {
	local commits c i=0 n cfg cfgs b t0 want got subject ia64=0 ia64_why="" ia64_touched=0
	local ia64_last=
	# per configuration: the patch its build directory was last built at
	# in this run, empty when it was not (or the build failed)
	local -A built=()
	commits=$(git -C "$wt" rev-list --reverse "pristine..$final")
	n=$(echo "$commits" | wc -l)
	if IA64_CACHE=${IA64_CACHE:-/var/cache/kdump-iommu/ia64} "$here/ia64-toolchain.sh" --check >/dev/null 2>&1; then
		ia64=1
	else
		ia64_why="no cached ia64 cross compiler (make ia64-toolchain)"
	fi
	for c in $commits; do
		i=$((i + 1))
		[ "$i" -ge "${SERIES_FROM:-1}" ] || continue
		subject=$(git -C "$wt" log -1 --format=%s "$c")
		git -C "$wt" checkout -q --detach "$c"
		# Documentation, tools/, MAINTAINERS and other architectures
		# are no input of an x86_64 vmlinux build: such a patch builds
		# there exactly as the one before.
		cfgs=${SERIES_CONFIGS:-on off}
		if [ -z "$(x86_inputs "$c")" ]; then
			echo "series: patch $i/$n changes no x86_64 build input, builds there as patch $((i - 1)): $subject"
			cfgs=
		fi
		for cfg in $cfgs; do
			b=$cache/x86_64-$cfg
			t0=$(date +%s)
			cp "$b/.config" "$b/.config.before" 2>/dev/null || rm -f "$b/.config.before"
			: >"$b.log"
			# The .config changes only with a Kconfig file (the
			# fragment is the tip's throughout): after a patch built
			# in this run, one that changes no Kconfig file keeps it.
			if [ -n "${built[$cfg]:-}" ] &&
				! git -C "$wt" diff --name-only "$c^" "$c" | grep -q '/Kconfig[^/]*$\|^Kconfig'; then
				:
			elif ! configure "$cfg" "$b" >"$b.log" 2>&1; then
				show_failure "$b.log"
				bad "build: patch $i/$n, x86_64 feature $cfg: $subject"
				built[$cfg]=
				continue
			fi
			# Before the patch that adds the option, "on" and "off"
			# are one configuration: the same .config and sources
			# build the same.
			if [ "$cfg" = off ] && [ "${built[on]:-}" = "$i" ] &&
				! git -C "$wt" grep -q '^config KDUMP_IOMMU_RESERVE$' -- drivers/iommu/Kconfig &&
				cmp -s "$b/.config" "$cache/x86_64-on/.config"; then
				echo "series: patch $i/$n builds, x86_64 feature off: the .config of feature on (no such option yet), built above: $subject"
				continue
			fi
			# A patch that changes none of what the last build of this
			# configuration read (its sources and headers, the
			# Makefiles that apply, the .config) builds exactly as the
			# patch before: say so instead of running Kbuild.
			if [ -n "${built[$cfg]:-}" ] && cmp -s "$b/.config" "$b/.config.before" &&
				! "$here/series-inputs.py" "$b" "$wt" $(git -C "$wt" diff --name-only "$c^" "$c") >/dev/null; then
				echo "series: patch $i/$n builds, x86_64 feature $cfg: changes nothing that build reads, builds as patch ${built[$cfg]}: $subject"
				continue
			fi
			built[$cfg]=
			if ! kmake "$b" -s -j"$(nproc)" vmlinux >>"$b.log" 2>&1; then
				show_failure "$b.log"
				bad "build: patch $i/$n, x86_64 feature $cfg: $subject"
				continue
			fi
			want=n
			[ "$cfg" = on ] && git -C "$wt" grep -q '^config KDUMP_IOMMU_RESERVE$' -- drivers/iommu/Kconfig && want=y
			got=$(grep -q '^CONFIG_KDUMP_IOMMU_RESERVE=y' "$b/.config" && echo y || echo n)
			if [ "$want" != "$got" ]; then
				bad "build: patch $i/$n, x86_64 feature $cfg: Kconfig gave KDUMP_IOMMU_RESERVE=$got"
				continue
			fi
			# Compiler warnings fail the build check (the kernel is
			# warning-free in this configuration without the series).
			if grep -E ': (warning|error):' "$b.log" >&2; then
				bad "build: patch $i/$n, x86_64 feature $cfg: warnings"
				continue
			fi
			echo "series: patch $i/$n builds, x86_64 feature $cfg ($(($(date +%s) - t0)) s): $subject"
			built[$cfg]=$i
		done
		if git -C "$wt" diff --quiet "$c^" "$c" -- arch/ia64; then
			continue
		fi
		ia64_touched=1
		if [ $ia64 -eq 0 ]; then
			echo "series: patch $i/$n touches ia64: SKIP ($ia64_why): $subject"
			continue
		fi
		ia64_build "patch $i/$n" "$out/check/ia64-$i.log" "$subject" && ia64_last=$c
	done
	# ... and the whole series on ia64 (incremental: the build
	# directories of the last patch that touched ia64), with W=1 on our
	# files; make check counts this as its ia64 compile test.  If nothing
	# an ia64 build reads changed since that patch, it is that build.
	if [ $ia64_touched -eq 1 ] && [ $ia64 -eq 1 ] && [ "${SERIES_FROM:-1}" -le 1 ]; then
		git -C "$wt" checkout -q --detach "$final"
		subject=$(git -C "$wt" log -1 --format=%s "$final")
		if [ -n "$ia64_last" ] && ia64_configs_kept &&
			! "$here/series-inputs.py" --since "$ia64_last" "$cache/ia64-zx1-on" "$wt" \
				$(git -C "$wt" diff --name-only "$ia64_last" "$final") >/dev/null &&
			! "$here/series-inputs.py" --since "$ia64_last" "$cache/ia64-zx1-off" "$wt" \
				$(git -C "$wt" diff --name-only "$ia64_last" "$final") >/dev/null; then
			echo "series: the series builds, ia64 zx1 feature on and off: nothing an ia64 build reads changed after $(git -C "$wt" log -1 --format=%s "$ia64_last"): $subject"
		else
			ia64_build "the series" "$out/check/ia64-tip.log" "$subject"
		fi
	fi
}

# x86_inputs COMMIT: the files COMMIT changes that can be input to an
# x86_64 build (anything but Documentation/, tools/, MAINTAINERS and
# arch/ other than arch/x86/).
x86_inputs() {
	git -C "$wt" diff --name-only "$1^" "$1" |
		grep -vP '^(Documentation/|tools/|MAINTAINERS$|arch/(?!x86/))'
}

# ia64_configs_kept: whether the ia64 .configs, made again from
# zx1_defconfig in the worktree as checked out, are those of the last
# ia64 build (a Kconfig change may leave them as they were).
ia64_configs_kept() {
	local cfg
	for cfg in on off; do
		cp "$cache/ia64-zx1-$cfg/.config" "$cache/ia64-zx1-$cfg/.config.built" || return 1
	done
	IA64_CONFIG_ONLY=1 IA64_CACHE=${IA64_CACHE:-/var/cache/kdump-iommu/ia64} \
		"$here/ia64-check.sh" "$wt" "$cache" >/dev/null 2>&1 || return 1
	for cfg in on off; do
		cmp -s "$cache/ia64-zx1-$cfg/.config" "$cache/ia64-zx1-$cfg/.config.built" || return 1
	done
}

# ia64_build WHAT LOG SUBJECT: zx1_defconfig, feature on and off, W=1 on
# our files (mk/ia64-check.sh), in the worktree as checked out.
ia64_build() {
	local t0
	t0=$(date +%s)
	if IA64_CACHE=${IA64_CACHE:-/var/cache/kdump-iommu/ia64} \
		"$here/ia64-check.sh" "$wt" "$cache" >"$2" 2>&1; then
		echo "series: $1 builds, ia64 zx1 feature on and off ($(($(date +%s) - t0)) s): $3"
	else
		show_failure "$2"
		bad "build: $1, ia64: $3"
		return 1
	fi
}

# warnings_of PATH...: the warnings for PATHs (in the tree) in a build log
# on stdin, without line and column numbers (hunks move them), sorted.
# One line per warning in a .c file, so that comm(1) counts them: a
# second instance of a warning pristine has is a new one.  A header's are
# counted once each, as every object that includes it repeats them.
warnings_of() {
	local re
	re=$(printf '%s|' "$@" | sed 's/\./\\./g; s/|$//')
	grep -E "(^|/)($re):[0-9]+(:[0-9]+)?: (warning|error):" |
		sed -E "s#^(.*/)?($re):[0-9]+(:[0-9]+)?:#\2:#" | LC_ALL=C sort |
		awk -F: '$1 ~ /\.h$/ && seen[$0]++ { next } { print }'
}

# 5. W=1 and sparse on what the series adds or changes.
check_warnings() {
	local b=$cache/x86_64-on added changed headers objs=() f o new key rc
	command -v sparse >/dev/null || { bad "warnings: no sparse (make deps installs it)"; return; }
	git -C "$wt" checkout -q --detach "$final"
	added=$(git -C "$wt" diff --name-only --diff-filter=A pristine "$final" -- '*.c' '*.h')
	changed=$(git -C "$wt" diff --name-only --diff-filter=M pristine "$final" -- '*.c')
	headers=$(git -C "$wt" diff --name-only --diff-filter=M pristine "$final" -- '*.h')
	for f in $added $changed; do
		case "$f" in
		*.c) o=${f%.c}.o
			[ -f "$b/$o" ] && objs+=("$o") ;;
		esac
	done
	[ ${#objs[@]} -gt 0 ] || { bad "warnings: no object of the series was built"; return; }
	configure on "$b" >/dev/null 2>&1
	(cd "$b" && rm -f "${objs[@]}")
	kmake "$b" -k W=1 C=2 "${objs[@]}" >"$out/check/w1-sparse.log" 2>&1
	# shellcheck disable=SC2086
	new=$(warnings_of $added <"$out/check/w1-sparse.log")
	if [ -n "$new" ]; then
		echo "$new" >&2
		bad "warnings: W=1/sparse warnings in files the series adds"
	fi
	# The upstream files: compare with the same objects at pristine.
	# shellcheck disable=SC2086
	warnings_of $changed $headers <"$out/check/w1-sparse.log" \
		>"$out/check/w1-sparse.series.txt"
	objs=()
	for f in $changed; do
		o=${f%.c}.o
		[ -f "$b/$o" ] && objs+=("$o")
	done
	# Pristine's warnings depend on nothing but pristine, the objects,
	# the .config and the tools: kept in the cache under a hash of those,
	# they are built once (checking pristine out in the builds' tree
	# would cost the next build a rebuild of all that includes a header
	# the series changes).
	key=$( { echo "warnings_of 2"; echo $headers
		git -C "$wt" rev-parse pristine; printf '%s\n' "${objs[@]}"
		cat "$b/.config"; gcc --version; sparse --version 2>&1; } | sha1sum | cut -c1-16)
	if [ -f "$cache/w1-sparse.pristine-$key.txt" ]; then
		cp "$cache/w1-sparse.pristine-$key.txt" "$out/check/w1-sparse.pristine.txt"
		echo "(pristine's warnings as built before: $cache/w1-sparse.pristine-$key.txt)" \
			>"$out/check/w1-sparse.pristine.log"
	else
		git -C "$wt" checkout -q --detach pristine
		(cd "$b" && rm -f "${objs[@]}")
		kmake "$b" -k W=1 C=2 "${objs[@]}" >"$out/check/w1-sparse.pristine.log" 2>&1
		rc=$?
		# shellcheck disable=SC2086
		warnings_of $changed $headers <"$out/check/w1-sparse.pristine.log" \
			>"$out/check/w1-sparse.pristine.txt"
		# (only a build that made every object is worth keeping)
		[ $rc -ne 0 ] ||
			{ cp "$out/check/w1-sparse.pristine.txt" "$cache/w1-sparse.pristine-$key.tmp" &&
			  mv "$cache/w1-sparse.pristine-$key.tmp" "$cache/w1-sparse.pristine-$key.txt"; }
	fi
	new=$(LC_ALL=C comm -23 "$out/check/w1-sparse.series.txt" "$out/check/w1-sparse.pristine.txt")
	if [ -n "$new" ]; then
		echo "$new" >&2
		bad "warnings: W=1/sparse warnings the series brings to upstream files"
	fi
	say "W=1 + sparse: ${#objs[@]} changed upstream objects and $(echo "$added" | grep -c '\.c$') new files: $(wc -l <"$out/check/w1-sparse.series.txt") warnings in changed files, all already in pristine"
	git -C "$wt" checkout -q --detach "$final"
}

case "$cmd" in
export)
	export_series
	;;
check)
	# (SERIES_NO_EXPORT=1: check OUT/vVERSION as it is, for the tests)
	[ -n "${SERIES_NO_EXPORT:-}" ] || export_series
	mkdir -p "$out/check"
	export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$repo}
	export CCACHE_NOHASHDIR=1
	steps=" ${SERIES_STEPS:-checkpatch builds warnings} "
	lock_cache
	if check_am; then
		check_fixes_alone
		[[ $steps != *" checkpatch "* ]] || check_checkpatch
		[[ $steps != *" builds "* ]] || check_builds
		[[ $steps != *" warnings "* ]] || check_warnings
	fi
	if [ $fail -ne 0 ]; then
		echo "series-check: FAILED: ${failures[*]}"
		exit 1
	fi
	echo "series-check: ok"
	;;
*)
	die "unknown command $cmd"
	;;
esac
