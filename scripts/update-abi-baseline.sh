#!/usr/bin/env bash
# Rewrites abi/libtocsin-1.abi, the ABI baseline scripts/check-abi.sh compares with, from the
# current source tree. Run it on purpose only, and commit the result on its own, saying why
# (abi/README.md): a refreshed baseline accepts whatever the sources do now.
#
#   scripts/update-abi-baseline.sh
#
# Builds libtocsin as RelWithDebInfo in a scratch folder, installs it into a staging prefix
# there, and dumps the installed library with the installed headers (abidw).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

command -v abidw >/dev/null ||
  { echo "update-abi-baseline: abidw not found: install abigail-tools" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# abidw orders translation units by their full paths, so fixed names for the source and build
# folders make the file the same byte for byte from any checkout (the comparison never depends
# on them: the baseline keeps file names only).
cmake -S "$here" -B "$work/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_C_FLAGS="-fdebug-prefix-map=$here=/tocsin -fdebug-prefix-map=$work/build=/tocsin-build" \
      -DTOCSIN_BUILD_TESTS=OFF -DTOCSIN_BUILD_BENCH=OFF >/dev/null
cmake --build "$work/build" -j"$(nproc)" >/dev/null
cmake --install "$work/build" --prefix "$work/inst" >/dev/null

lib=$(find "$work/inst" -name 'libtocsin-1.so.0' -print -quit)
mkdir -p "$here/abi"
"$here/scripts/check-abi.sh" --dump "$work/inst/include/tocsin-1" "$lib" "$here/abi/libtocsin-1.abi"

# The new baseline must pass its own check, or the options above and check-abi.sh disagree.
"$here/scripts/check-abi.sh" "$lib" "$work/inst/include/tocsin-1" >/dev/null
n=$(grep -c '<elf-symbol name=.*is-defined=.yes.' "$here/abi/libtocsin-1.abi" || true)
rev=$(git -C "$here" describe --always --dirty 2>/dev/null || echo '(not a git checkout)')
echo "abi/libtocsin-1.abi written: $n exported symbols, from tocsin $rev."
if git -C "$here" rev-parse >/dev/null 2>&1; then
  git -C "$here" --no-pager diff --stat -- abi/libtocsin-1.abi
  echo "Review the change (git diff abi/libtocsin-1.abi), then commit it alone, saying why."
fi
