#!/usr/bin/env bash
# The whole test suite again, built with AddressSanitizer and UndefinedBehaviorSanitizer, in
# build-asan/ (${TOCSIN_ASAN_BUILD_DIR}). Any report fails the run: the build uses
# -fno-sanitize-recover=all, and LeakSanitizer reports leaks at exit.
# Not run here: the ABI checks (abidiff compares the baseline with an uninstrumented library's
# debug information, and a sanitized library exports the sanitizers' symbols too), the
# out-of-tree install and examples tests (they build third-party code without the sanitizers),
# and valgrind (it does not run sanitized programs). The old-plugin ABI tests do run.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/scripts/deps.sh"
tocsin_install_deps libsoup-3.0-dev glib-networking openssl nghttp2-server python3 python3-aiosmtpd groff-base
build=${TOCSIN_ASAN_BUILD_DIR:-$here/build-asan}
TOCSIN_BUILD_DIR=$build TOCSIN_BUILD_TYPE=Debug \
  TOCSIN_CMAKE_ARGS="-DTOCSIN_BUILD_TESTS=ON -DTOCSIN_BUILD_BENCH=OFF -DTOCSIN_SANITIZE=address,undefined" \
  "$here/scripts/build.sh"
# intercept_tls_get_addr=0: with it, LeakSanitizer's exit-time scan can crash (signal 11 in the
# tracer) on the dynamic TLS blocks libcurl's OpenSSL threads leave, depending only on memory
# layout (google/sanitizers#1322); the test itself has passed by then. Leaks are still checked.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:intercept_tls_get_addr=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" -LE '^(install|examples|valgrind)$' \
  -E '^/abi/(abidiff|exported-symbols)$' "$@"
