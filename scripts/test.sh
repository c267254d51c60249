#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite through CTest.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/deps.sh
. "$here/scripts/deps.sh"
tocsin_install_deps
TOCSIN_BUILD_TYPE=${TOCSIN_BUILD_TYPE:-Debug} "$here/scripts/build.sh"
build=${TOCSIN_BUILD_DIR:-$here/build}
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" "$@"
