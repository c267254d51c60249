#!/usr/bin/env bash
# Checks that libtocsin exports exactly the functions declared in the public headers, each
# versioned through core/tocsin.map, and that every plugin exports only its entry symbol.
#   scripts/check-symbols.sh <libtocsin-1.so> [plugin.so ...]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
lib=$1; shift
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# Declared: every function following a TOCSIN_AVAILABLE_IN_x_y marker in include/tocsin.
cat "$here"/include/tocsin/*.h "$here"/include/tocsin/*.h.in |
  grep -A3 -E '^TOCSIN_AVAILABLE_IN_[0-9]+_[0-9]+$' | grep -oE '\btocsin_[a-z0-9_]+ *\(' |
  sed 's/ *(//' | sort -u > "$tmp/declared"
# Listed in the version script.
grep -oE '^\s+tocsin_[a-z0-9_]+;' "$here/core/tocsin.map" | tr -d ' ;\t' | sort -u > "$tmp/mapped"
# Exported by the library, with their version node.
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRW]$/ {print $3}' | grep -v '^TOCSIN_' | sort -u > "$tmp/exported_raw"
sed 's/@.*//' "$tmp/exported_raw" | sort -u > "$tmp/exported"

status=0
if ! diff -u "$tmp/declared" "$tmp/mapped" > "$tmp/d1"; then
  echo "core/tocsin.map differs from the public headers (- header only, + map only):"; cat "$tmp/d1"; status=1
fi
if ! diff -u "$tmp/mapped" "$tmp/exported" > "$tmp/d2"; then
  echo "the library's exports differ from core/tocsin.map (- map only, + exported only):"; cat "$tmp/d2"; status=1
fi
if grep -v '@@\?TOCSIN_1\.[0-9]*$' "$tmp/exported_raw" > "$tmp/unversioned"; then
  echo "exported without a TOCSIN_x.y version:"; cat "$tmp/unversioned"; status=1
fi
for plugin in "$@"; do
  extra=$(nm -D --defined-only "$plugin" | awk '$2 ~ /^[TDBRW]$/ {print $3}' | grep -v '^tocsin_plugin_get_descriptor$' || true)
  if [ -n "$extra" ]; then
    echo "$plugin exports more than tocsin_plugin_get_descriptor:"; echo "$extra"; status=1
  fi
done
[ $status -eq 0 ] && echo "symbols OK: $(wc -l < "$tmp/exported") functions, all TOCSIN_1.x; $# plugin(s) export only their entry"
exit $status
