#!/usr/bin/env bash
# Configures and builds tocsin into ${TOCSIN_BUILD_DIR:-build} (Release with debug info).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${TOCSIN_BUILD_DIR:-$here/build}
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE="${TOCSIN_BUILD_TYPE:-RelWithDebInfo}" \
      ${TOCSIN_CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j"$(nproc)"
