#!/usr/bin/env bash
# Compares the ABI of a libtocsin with the committed baseline abi/libtocsin-1.abi (libabigail).
#
#   scripts/check-abi.sh <build-dir>                       a build tree of any type built with -g
#                                                          (Debug, RelWithDebInfo)
#   scripts/check-abi.sh <libtocsin-1.so.0> [<headers>]    an installed library; <headers> is the
#                                                          folder holding tocsin/*.h (default: the
#                                                          prefix's include/tocsin-1)
#
# Two comparisons; both must find nothing:
#  1. abidiff of the baseline against the library itself: exported functions, the types they
#     reach, the symbols and their TOCSIN_1.x versions (types limited to the public headers);
#  2. abidiff of the baseline against a fresh abidw dump of the library made like the baseline,
#     with the types no exported function reaches (--non-reachable-types): the plugin side of the
#     ABI, e.g. TocsinPluginDescriptor, which plugins hand to the core through dlsym only.
# Locations in the baseline are file names without folders, so it does not depend on where it was
# built. abi/tocsin.abignore keeps GLib's and libxml2's own types out of the comparison.
#
# Exit status: 0 same ABI; 1 ABI changed, or abidiff could not compare; 2 usage; 77 abigail-tools
# is not installed (CTest reports the test as skipped).
#
#   scripts/check-abi.sh --dump <headers> <library> <out.abi>
# writes <out.abi> as the baseline is written (for update-abi-baseline.sh).
set -euo pipefail

# The one way both the baseline and the dump compared with it are written. Keep the locations
# (--short-locs drops only the folders): without them --drop-private-types also drops the public
# structures, and changes to them go unseen.
tocsin_abi_dump() {
  abidw --headers-dir "$1" --drop-private-types --load-all-types \
        --short-locs --no-comp-dir-path --no-corpus-path --out-file "$3" "$2"
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
baseline=$here/abi/libtocsin-1.abi
suppr=$here/abi/tocsin.abignore

die() { echo "check-abi: $1" >&2; exit "${2:-1}"; }
usage() { sed -n '/^set -/q; 2,$s/^# \{0,1\}//p' "$0" >&2; exit 2; }

# "12" -> "12 = ABI change + incompatible change"
describe_status() {
  local s=$1 words=()
  (( s & 1 )) && words+=("error")
  (( s & 2 )) && words+=("usage error")
  (( s & 4 )) && words+=("ABI change")
  (( s & 8 )) && words+=("incompatible change")
  local IFS=+
  echo "$s = ${words[*]}" | sed 's/+/ + /g'
}

if [ $# -eq 4 ] && [ "$1" = --dump ]; then
  tocsin_abi_dump "$2" "$3" "$4"
  exit
fi
if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
case $1 in -h|--help) usage ;; esac
for tool in abidw abidiff; do
  command -v "$tool" >/dev/null ||
    die "$tool not found: install abigail-tools (sudo apt-get install abigail-tools); ABI check skipped" 77
done
[ -f "$baseline" ] || die "no baseline $baseline: create it with scripts/update-abi-baseline.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -d "$1" ]; then
  # A build tree: the headers are those of its source tree plus the generated tocsin-version.h,
  # staged as an install would lay them out.
  build=$(cd "$1" && pwd)
  [ -f "$build/CMakeCache.txt" ] || die "$build is not a CMake build tree of tocsin" 2
  src=$(sed -n 's/^tocsin_SOURCE_DIR:STATIC=//p' "$build/CMakeCache.txt")
  [ -d "$src/include/tocsin" ] || die "$build/CMakeCache.txt names no tocsin source tree" 2
  lib=$build/core/libtocsin-1.so.0
  [ -e "$lib" ] || die "$lib not found: build it first (cmake --build $build --target tocsin)" 2
  [ -f "$build/include/tocsin/tocsin-version.h" ] ||
    die "$build/include/tocsin/tocsin-version.h is missing: configure $build again" 2
  mkdir -p "$tmp/include/tocsin"
  cp "$src"/include/tocsin/*.h "$build/include/tocsin/tocsin-version.h" "$tmp/include/tocsin/"
  headers=$tmp/include
else
  lib=$1
  [ -f "$lib" ] || die "$lib: no such library or build tree" 2
  headers=${2:-}
  if [ -z "$headers" ]; then
    # <prefix>/lib/libtocsin-1.so.0 or <prefix>/lib/<multiarch>/libtocsin-1.so.0
    dir=$(cd "$(dirname "$lib")" && pwd)
    for up in "$dir/.." "$dir/../.."; do
      if [ -d "$up/include/tocsin-1/tocsin" ]; then
        headers=$(cd "$up/include/tocsin-1" && pwd)
        break
      fi
    done
    [ -n "$headers" ] ||
      die "no include/tocsin-1 found near $lib: name the headers folder as second argument" 2
  fi
  [ -n "$(find "$headers" -name 'tocsin-plugin.h' -print -quit)" ] ||
    die "$headers holds no tocsin/tocsin-plugin.h" 2
fi

# abidiff --fail-no-debug-info lets a library without any DWARF through (libabigail 2.2): then it
# compares symbols only, and would call a changed structure "no change".
readelf -S --wide "$lib" | grep -q 'debug_info' ||
  die "$lib has no debug information, so its types cannot be compared: build it with -g
  (CMAKE_BUILD_TYPE Debug or RelWithDebInfo)"

set +e
abidiff --headers-dir2 "$headers" --drop-private-types --fail-no-debug-info --no-added-syms \
        --suppr "$suppr" "$baseline" "$lib" > "$tmp/interfaces.txt" 2>&1
s1=$?
set -e
if (( s1 & 3 )); then
  cat "$tmp/interfaces.txt" >&2
  die "abidiff could not compare $lib (status $(describe_status $s1)); it needs DWARF debug information: build with -g (CMAKE_BUILD_TYPE Debug or RelWithDebInfo)"
fi
tocsin_abi_dump "$headers" "$lib" "$tmp/new.abi" 2> "$tmp/abidw.txt" ||
  { cat "$tmp/abidw.txt" >&2; die "abidw could not read $lib"; }
set +e
abidiff --non-reachable-types --no-added-syms --suppr "$suppr" "$baseline" "$tmp/new.abi" \
        > "$tmp/all-types.txt" 2>&1
s2=$?
set -e

if [ $s1 -eq 0 ] && [ $s2 -eq 0 ]; then
  echo "ABI OK: $lib matches abi/libtocsin-1.abi"
  echo "  (exported functions, symbol versions and every type of the public headers)"
  exit 0
fi

if [ $s1 -ne 0 ]; then
  echo "=== exported interfaces: abidiff status $(describe_status $s1)"
  cat "$tmp/interfaces.txt"
fi
# The second report repeats the first one's findings; show it when it adds types no exported
# function reaches.
if [ $s2 -ne 0 ]; then
  if [ $s1 -eq 0 ] ||
     grep -qE '^Unreachable types summary: .*\b[1-9][0-9]* (removed|changed|added)' "$tmp/all-types.txt"; then
    echo "=== all public types, reachable or not: abidiff status $(describe_status $s2)"
    cat "$tmp/all-types.txt"
  else
    echo "=== all public types, reachable or not: abidiff status $(describe_status $s2), the same changes"
  fi
fi
cat <<EOF
check-abi: FAILED: the ABI of $lib differs from the baseline abi/libtocsin-1.abi.
  abidiff status bits: 4 = ABI change, 8 = incompatible change. abidiff cannot tell a member
  appended in a reserved slot from a harmful insertion: read the report above.
  * Not intended? Fix the change. A public structure never shrinks, never reorders, and never
    grows in the middle: a new member takes the next reserved[] slot. A function never changes
    its signature and is never removed (docs/writing-plugins.md, the ABI rules).
  * A deliberate, compatible growth (a reserved[] slot taken with a "Since: 1.x" comment and
    TOCSIN_PLUGIN_ABI_MINOR bumped)? Refresh the baseline on purpose, in a commit of its own
    that says why:
        scripts/update-abi-baseline.sh && git commit abi/libtocsin-1.abi
  * A removed symbol, a changed signature or a moved member breaks every program and plugin
    built against tocsin 1: that needs libtocsin-2 (a new SONAME), never a new baseline.
EOF
exit 1
