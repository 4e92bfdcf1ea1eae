#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# (Re)generate BUILD/.config: tinyconfig + the config fragments, then check
# that every option the fragments ask for made it (a dependency that is not
# met makes Kconfig drop an option silently).  Does nothing if .config was
# made from the same fragments.
#
# usage: mk/kconfig.sh TREE BUILD FRAGMENT...
set -euo pipefail

tree=$1 build=$2
shift 2
mkdir -p "$build"
# The fragments, and every Kconfig file of the tree: a Kconfig change
# can drop an option silently, so it makes the .config (and its check)
# again.
want=$(cat "$@"; find "$tree" -name 'Kconfig*' -not -path '*/.git/*' | sort | xargs cat | sha1sum)
if [ -f "$build/.config" ] && [ "$want" = "$(cat "$build/.config.fragments" 2>/dev/null)" ]; then
	exit 0
fi
echo "kconfig: tinyconfig + $*"
kmake() { make -s -C "$tree" O="$(cd "$build" && pwd)" "$@"; }
kmake tinyconfig >/dev/null
"$tree/scripts/kconfig/merge_config.sh" -m -O "$build" "$build/.config" "$@" >/dev/null
kmake olddefconfig

bad=0
while read -r line; do
	case "$line" in
	CONFIG_*=n) opt=${line%%=*}
		grep -qx "# $opt is not set" "$build/.config" || grep -q "^$opt=" "$build/.config" ||
			continue
		grep -q "^$opt=[ym]" "$build/.config" && { echo "kconfig: $opt is set, fragment wants it off" >&2; bad=1; } ;;
	CONFIG_*) grep -qx "$line" "$build/.config" ||
		{ echo "kconfig: $line requested, got: $(grep "^${line%%=*}=" "$build/.config" || echo 'not set')" >&2; bad=1; } ;;
	'# CONFIG_'*' is not set') opt=${line#\# }; opt=${opt%% *}
		grep -q "^$opt=[ym]" "$build/.config" && { echo "kconfig: $opt is set, fragment wants it off" >&2; bad=1; } ;;
	esac
done < <(cat "$@")
if [ $bad -ne 0 ]; then
	rm -f "$build/.config.fragments"
	echo "kconfig: the fragments ask for options Kconfig would not give (unmet dependencies)" >&2
	exit 1
fi
printf '%s' "$want" >"$build/.config.fragments"
