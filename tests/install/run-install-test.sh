#!/usr/bin/env bash
# run-install-test.sh BUILD_DIR: the out-of-tree check of issue 2.
#
# Installs BUILD_DIR into a temporary prefix with `cmake --install`, checks the installed layout,
# then uses ONLY the installed files, the way a third party would:
#   - builds tests/install/thirdparty/pager.c, a channel plugin, with pkg-config's flags;
#   - loads it through config files (<plugin path=...>, and <plugin-path> + <plugin name=...>)
#     and sends alerts with the installed `tocsin` CLI, checking the lines it writes;
#   - lists it with `tocsin plugins`;
#   - builds tests/install/embed.c, an application, and runs it;
#   - builds the same plugin with CMake's find_package(Tocsin 1 CONFIG).
# Nothing may come from the build tree: TOCSIN_PLUGIN_PATH and TOCSIN_CONFIG are unset, and the
# installed CLI must resolve libtocsin-1.so.0 inside the prefix.
#
# Environment: CC (default cc), CMAKE (default cmake), TOCSIN_SANITIZE (as given to CMake: the
# third-party code is then built with the same -fsanitize, which an instrumented library
# needs), KEEP_TMP=1 keeps the temporary folder for a post-mortem.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail

if [[ $# -ne 1 || ! -d $1 ]]; then
  echo "usage: $0 BUILD_DIR   (a configured and built tocsin build tree)" >&2
  exit 2
fi
BUILD_DIR=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOURCE_DIR=$(cd "$HERE/../.." && pwd)
CC=${CC:-cc}
CMAKE=${CMAKE:-cmake}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tocsin-install-test.XXXXXX")
cleanup() {
  if [[ ${KEEP_TMP:-0} == 1 ]]; then
    echo "install test: kept $TMP" >&2
  else
    rm -rf "$TMP"
  fi
}
trap cleanup EXIT
# The loader refuses plugins in group- or other-writable folders; mktemp -d gives 0700, and
# everything created below must not be writable by others either.
umask 022

# Only what this script sets may reach the installed programs.
unset TOCSIN_PLUGIN_PATH TOCSIN_CONFIG LD_LIBRARY_PATH PKG_CONFIG_LIBDIR
export XDG_CONFIG_HOME="$TMP/xdg" LC_ALL=C.UTF-8 NO_COLOR=1

PREFIX="$TMP/prefix"
STEP="setup"
step() {
  STEP=$1
  echo "== $STEP"
}
fail() {
  echo "install test: FAILED at step '$STEP': $*" >&2
  exit 1
}
# expect_file PATH WHAT: PATH must exist (a symlink must resolve).
expect_file() {
  [[ -e $1 ]] || fail "missing $2: expected $1"
}
# run_logged NAME CMD...: runs CMD with its output in $TMP/NAME.log; on failure shows the log.
run_logged() {
  local name=$1
  shift
  if ! "$@" >"$TMP/$name.log" 2>&1; then
    sed 's/^/    /' "$TMP/$name.log" >&2
    fail "command failed: $*"
  fi
}

# expect_one_export PLUGIN: a plugin exports its entry point and nothing else.
expect_one_export() {
  local exported
  exported=$(nm -D --defined-only "$1" | awk '{ print $3 }' | sort | tr '\n' ' ')
  [[ $exported == "tocsin_plugin_get_descriptor " ]] ||
    fail "$1 must export only tocsin_plugin_get_descriptor; it exports: $exported"
}

# The third-party code must build warning-free against the installed headers.
THIRD_PARTY_FLAGS=(-Wall -Wextra -Werror)
if [[ -n ${TOCSIN_SANITIZE:-} ]]; then
  THIRD_PARTY_FLAGS+=("-fsanitize=$TOCSIN_SANITIZE")
fi

for tool in "$CMAKE" "$CC" pkg-config readelf nm ldd; do
  command -v "$tool" >/dev/null || fail "'$tool' is not installed (the test needs it)"
done

# ---------------------------------------------------------------------------------------------
step "cmake --install into a temporary prefix"
run_logged install "$CMAKE" --install "$BUILD_DIR" --prefix "$PREFIX"

# CMAKE_INSTALL_LIBDIR is "lib" for a custom prefix but "lib/<multiarch>" when the build was
# configured for /usr on Debian: find the libdir from where the .pc file went.
mapfile -t pc_files < <(find "$PREFIX" -name tocsin-1.pc -path '*/pkgconfig/*')
[[ ${#pc_files[@]} -eq 1 ]] || fail "expected one tocsin-1.pc under $PREFIX, found ${#pc_files[@]}"
LIBDIR=$(dirname "$(dirname "${pc_files[0]}")")
case ${LIBDIR#"$PREFIX"/} in
  lib | lib64 | lib/*-linux-gnu*) ;;
  *) fail "tocsin-1.pc installed under unexpected libdir $LIBDIR" ;;
esac
PLUGINDIR="$LIBDIR/tocsin-1/plugins"
echo "   libdir: $LIBDIR"

# ---------------------------------------------------------------------------------------------
step "installed layout"
expect_file "$LIBDIR/libtocsin-1.so.0" "the library (SONAME link)"
expect_file "$LIBDIR/libtocsin-1.so" "the development link used by -ltocsin-1"
soname=$(readelf -d "$LIBDIR/libtocsin-1.so.0" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[[ $soname == libtocsin-1.so.0 ]] || fail "SONAME of libtocsin-1.so.0 is '$soname', expected libtocsin-1.so.0"
for header in tocsin.h tocsin-plugin.h tocsin-version.h; do
  expect_file "$PREFIX/include/tocsin-1/tocsin/$header" "public header"
done
expect_file "$LIBDIR/pkgconfig/tocsin-1.pc" "pkg-config file"
expect_file "$PLUGINDIR/console.so" "console plugin"
expect_file "$PLUGINDIR/file.so" "file plugin"
expect_file "$PREFIX/share/tocsin-1/tocsin.rng" "RelaxNG schema"
expect_file "$LIBDIR/cmake/Tocsin/TocsinConfig.cmake" "CMake package file"
[[ -x $PREFIX/bin/tocsin ]] || fail "missing CLI: expected executable $PREFIX/bin/tocsin"

# Test-only and benchmark artefacts must stay out of an installation.
for plugin in "$PLUGINDIR"/*.so; do
  name=$(basename "$plugin" .so)
  [[ -d $SOURCE_DIR/plugins/$name ]] ||
    fail "installed plugin $plugin has no folder plugins/$name: test plugins need NO_INSTALL"
done
for program in "$PREFIX"/bin/*; do
  case $(basename "$program") in
    test-* | bench*) fail "test or benchmark program installed: $program" ;;
  esac
done
# A text file that names the build tree would break once the build tree is gone.
if leaks=$(grep -rIl --fixed-strings -- "$BUILD_DIR" "$PREFIX"); then
  fail "installed files refer to the build tree $BUILD_DIR: $leaks"
fi

# ---------------------------------------------------------------------------------------------
step "pkg-config resolves inside the prefix"
export PKG_CONFIG_PATH="$LIBDIR/pkgconfig"
pkg-config --print-errors --exists tocsin-1 || fail "pkg-config cannot use $LIBDIR/pkgconfig/tocsin-1.pc"
# pkg_var NAME EXPECTED: pkg-config's variable NAME must be the path EXPECTED.
pkg_var() {
  local value
  value=$(pkg-config --variable="$1" tocsin-1)
  [[ $value -ef $2 ]] ||
    fail "pkg-config --variable=$1 tocsin-1 gives '$value', expected $2" \
      "(the .pc file must follow the install prefix, not the configure-time one)"
}
pkg_var plugindir "$PLUGINDIR"
pkg_var libdir "$LIBDIR"
pkg_var includedir "$PREFIX/include/tocsin-1"
pkg_var schemadir "$PREFIX/share/tocsin-1"
CFLAGS_TOCSIN=$(pkg-config --cflags tocsin-1)
LIBS_TOCSIN=$(pkg-config --libs tocsin-1)
# A relocatable .pc spells paths through ${pcfiledir} (prefix/lib/pkgconfig/../..): compare files.
include_ok=0
for word in $CFLAGS_TOCSIN; do
  if [[ $word == -I* && ${word#-I} -ef $PREFIX/include/tocsin-1 ]]; then
    include_ok=1
  fi
done
[[ $include_ok == 1 ]] ||
  fail "pkg-config --cflags tocsin-1 lacks -I for $PREFIX/include/tocsin-1: $CFLAGS_TOCSIN"
echo "   cflags: $CFLAGS_TOCSIN"
echo "   libs:   $LIBS_TOCSIN"

# ---------------------------------------------------------------------------------------------
step "installed CLI finds the installed library"
runpath=$(readelf -d "$PREFIX/bin/tocsin" | sed -n 's/.*(R\(UN\)\{0,1\}PATH).*\[\(.*\)\]/\2/p')
if [[ -n $runpath && $runpath == *"$BUILD_DIR"* ]]; then
  fail "installed bin/tocsin has RPATH/RUNPATH '$runpath' into the build tree"
fi
# shellcheck disable=SC2016 # the literal text $ORIGIN
if [[ $runpath == *'$ORIGIN'* ]]; then
  echo "   RUNPATH '$runpath': relocatable, no LD_LIBRARY_PATH needed"
else
  # CMake strips the build RPATH on install and sets none unless INSTALL_RPATH is given.
  echo "   NOTE: bin/tocsin has no \$ORIGIN RUNPATH ('$runpath'); using LD_LIBRARY_PATH=$LIBDIR"
  export LD_LIBRARY_PATH="$LIBDIR"
fi
# resolved_lib PROGRAM: where the dynamic linker finds libtocsin-1.so.0 for PROGRAM.
resolved_lib() {
  ldd "$1" | sed -n 's/^[[:space:]]*libtocsin-1\.so\.0 => \([^ ]*\) .*/\1/p'
}
lib=$(resolved_lib "$PREFIX/bin/tocsin")
[[ -n $lib && $lib -ef $LIBDIR/libtocsin-1.so.0 ]] ||
  fail "bin/tocsin loads libtocsin-1.so.0 from '$lib', expected $LIBDIR/libtocsin-1.so.0"
TOCSIN=("$PREFIX/bin/tocsin")

# ---------------------------------------------------------------------------------------------
step "build the third-party plugin pager.so with pkg-config"
mkdir -p "$TMP/plugins"
# shellcheck disable=SC2086 # pkg-config output is a list of words
run_logged cc-pager "$CC" -shared -fPIC -fvisibility=hidden "${THIRD_PARTY_FLAGS[@]}" $CFLAGS_TOCSIN \
  "$HERE/thirdparty/pager.c" -o "$TMP/plugins/pager.so" $LIBS_TOCSIN
chmod go-w "$TMP/plugins" "$TMP/plugins/pager.so"
expect_one_export "$TMP/plugins/pager.so"

# ---------------------------------------------------------------------------------------------
step "tocsin send through a config loading the plugin by path"
mkdir -p "$TMP/conf"
cat >"$TMP/conf/by-path.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<tocsin version="1">
  <plugin path="$TMP/plugins/pager.so"/>
  <channel key="pg" name="oncall" type="pager" min-level="warning">
    <outfile>pages.log</outfile>
  </channel>
</tocsin>
EOF
run_logged check-by-path "${TOCSIN[@]}" check --config "$TMP/conf/by-path.xml"
grep -q 'pager' "$TMP/check-by-path.log" || fail "tocsin check does not list the pager channel"
set +e
"${TOCSIN[@]}" send --config "$TMP/conf/by-path.xml" --level warning --title T --body B \
  >"$TMP/send.log" 2>&1
status=$?
set -e
if [[ $status -ne 0 ]]; then
  sed 's/^/    /' "$TMP/send.log" >&2
  fail "tocsin send exited $status, expected 0"
fi
# <outfile> is a path setting: relative to the config file's folder.
expect_file "$TMP/conf/pages.log" "pager output (relative <outfile> resolved beside the config)"
lines=$(cat "$TMP/conf/pages.log")
[[ $lines == "WARNING|T|B" ]] || fail "pages.log holds '$lines', expected 'WARNING|T|B'"

# ---------------------------------------------------------------------------------------------
step "tocsin send through <plugin-path> and <plugin name>"
cat >"$TMP/conf/by-name.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<tocsin version="1">
  <plugin-path>$TMP/plugins</plugin-path>
  <plugin name="pager"/>
  <channel key="pg" type="pager">
    <outfile>$TMP/conf/by-name.log</outfile>
  </channel>
</tocsin>
EOF
run_logged send-by-name "${TOCSIN[@]}" send --config "$TMP/conf/by-name.xml" --level critical \
  --title "Disk full" --body "/var at 99%"
lines=$(cat "$TMP/conf/by-name.log")
[[ $lines == "CRITICAL|Disk full|/var at 99%" ]] ||
  fail "by-name.log holds '$lines', expected 'CRITICAL|Disk full|/var at 99%'"

# ---------------------------------------------------------------------------------------------
step "a missing required setting of the plugin is a config error with file:line"
cat >"$TMP/conf/missing.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<tocsin version="1">
  <plugin path="$TMP/plugins/pager.so"/>
  <channel key="pg" type="pager">
  </channel>
</tocsin>
EOF
set +e
"${TOCSIN[@]}" check --config "$TMP/conf/missing.xml" >"$TMP/missing.log" 2>&1
status=$?
set -e
[[ $status -eq 2 ]] || fail "tocsin check of a channel without <outfile> exited $status, expected 2"
if ! grep -q 'missing.xml:4' "$TMP/missing.log" || ! grep -q 'outfile' "$TMP/missing.log"; then
  sed 's/^/    /' "$TMP/missing.log" >&2
  fail "the error should cite missing.xml:4 and the setting 'outfile'"
fi

# ---------------------------------------------------------------------------------------------
step "tocsin plugins lists the plugin and its version"
TOCSIN_PLUGIN_PATH="$TMP/plugins" run_logged plugins "${TOCSIN[@]}" plugins
grep -Eq '^  pager 0\.3\.1 \(MIT\)' "$TMP/plugins.log" || {
  sed 's/^/    /' "$TMP/plugins.log" >&2
  fail "tocsin plugins does not show 'pager 0.3.1 (MIT)'"
}
grep -qF "$TMP/plugins/pager.so" "$TMP/plugins.log" || fail "tocsin plugins does not show pager.so's file"
# The library finds the installed plugin folder beside itself, so a relocated install works.
found_dir=0
while read -r dir; do
  if [[ $dir -ef $PLUGINDIR ]]; then
    found_dir=1
  fi
done < <(sed -n '/^Search path:/,/^Plugins:/p' "$TMP/plugins.log" | sed '1d;$d')
[[ $found_dir == 1 ]] || fail "the search path lacks the installed plugin folder $PLUGINDIR"
for name in console file; do
  grep -qF "file:            $PLUGINDIR/$name.so" "$TMP/plugins.log" ||
    fail "tocsin plugins does not list the installed $name plugin from $PLUGINDIR"
done

# ---------------------------------------------------------------------------------------------
step "the installed console and file plugins deliver with the installed example config"
cp "$PREFIX/share/tocsin-1/examples/tocsin.xml" "$TMP/conf/example.xml"
run_logged example "${TOCSIN[@]}" send \
  --config "$TMP/conf/example.xml" --level success --title "Installed" --body "example config"
grep -q '"title":"Installed"' "$TMP/conf/alerts.jsonl" 2>/dev/null ||
  fail "the file channel of the example config wrote no line with title 'Installed' to alerts.jsonl"
grep -q 'Installed' "$TMP/example.log" || fail "the console channel printed no line with 'Installed'"

# ---------------------------------------------------------------------------------------------
step "build and run an embedding application with pkg-config"
# shellcheck disable=SC2086
run_logged cc-embed "$CC" "${THIRD_PARTY_FLAGS[@]}" "$HERE/embed.c" -o "$TMP/embed" \
  $CFLAGS_TOCSIN $LIBS_TOCSIN
# An application linked against a library outside the system folders needs LD_LIBRARY_PATH
# (or its own -Wl,-rpath), like any other such library.
lib=$(LD_LIBRARY_PATH="$LIBDIR" resolved_lib "$TMP/embed")
[[ -n $lib && $lib -ef $LIBDIR/libtocsin-1.so.0 ]] ||
  fail "embed loads libtocsin-1.so.0 from '$lib', expected $LIBDIR/libtocsin-1.so.0"
LD_LIBRARY_PATH="$LIBDIR" run_logged embed "$TMP/embed" "$TMP/conf/by-path.xml"
grep -qx 'pg: ok' "$TMP/embed.log" || fail "embed did not report 'pg: ok': $(cat "$TMP/embed.log")"
last=$(tail -n 1 "$TMP/conf/pages.log")
[[ $last == "CRITICAL|Embedded|sent by embed.c" ]] ||
  fail "pages.log ends with '$last', expected 'CRITICAL|Embedded|sent by embed.c'"

# ---------------------------------------------------------------------------------------------
step "build the plugin with find_package(Tocsin 1 CONFIG)"
mkdir -p "$TMP/consumer"
cat >"$TMP/consumer/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.25)
project(pager LANGUAGES C)
find_package(Tocsin 1 CONFIG REQUIRED)
add_library(pager MODULE "$HERE/thirdparty/pager.c")
set_target_properties(pager PROPERTIES PREFIX "" C_VISIBILITY_PRESET hidden)
target_compile_options(pager PRIVATE ${THIRD_PARTY_FLAGS[*]})
target_link_options(pager PRIVATE ${THIRD_PARTY_FLAGS[*]})
target_link_libraries(pager PRIVATE Tocsin::tocsin)
file(REAL_PATH "\${TOCSIN_PLUGINDIR}" found)
file(REAL_PATH "$PLUGINDIR" expected)
if(NOT found STREQUAL expected)
  message(FATAL_ERROR "TOCSIN_PLUGINDIR is '\${TOCSIN_PLUGINDIR}', expected $PLUGINDIR")
endif()
EOF
run_logged consumer-configure "$CMAKE" -S "$TMP/consumer" -B "$TMP/consumer/build" \
  -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_C_COMPILER="$CC"
run_logged consumer-build "$CMAKE" --build "$TMP/consumer/build"
expect_file "$TMP/consumer/build/pager.so" "pager.so built through find_package"
expect_one_export "$TMP/consumer/build/pager.so"

echo "install test: all steps passed"
