#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite through CTest.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/deps.sh
. "$here/scripts/deps.sh"
# The tests also run real HTTP(S) servers on loopback (libsoup, TLS through glib-networking; a
# python3 stand-in for ntfy), a real SMTP server (Debian's /usr/bin/python3 with aiosmtpd), make
# their certificates with openssl, and compare the library's
# ABI with the committed baseline (abigail-tools) and render the man pages (groff-base).
tocsin_install_deps libsoup-3.0-dev glib-networking openssl nghttp2-server python3 python3-aiosmtpd abigail-tools groff-base
TOCSIN_BUILD_TYPE=${TOCSIN_BUILD_TYPE:-Debug} TOCSIN_CMAKE_ARGS="-DTOCSIN_BUILD_TESTS=ON ${TOCSIN_CMAKE_ARGS:-}" \
  "$here/scripts/build.sh"
build=${TOCSIN_BUILD_DIR:-$here/build}
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" "$@"
