#!/usr/bin/env bash
# The whole test suite again, built with ThreadSanitizer, in build-tsan/ (${TOCSIN_TSAN_BUILD_DIR}).
# Any report fails the run: halt_on_error=1 ends the test process at its first report (exit 66).
#
# Debian's GLib is not built with TSan, so its mutexes, conditions, queues and reference counts
# are invisible to it. tests/tsan/ builds a shim, preloaded into every test process, that tells
# TSan what they order (tests/tsan/README.md), and a canary that proves, before the suite runs,
# that TSan reports a race and that the shim orders what GLib orders. G_SLICE=always-malloc makes
# GSlice use malloc(), which TSan sees, instead of magazines shared between threads.
#
# Everything runs, the ABI and out-of-tree install and examples tests included (they build their
# third-party code with -fsanitize=thread). Only the valgrind tests are excluded (-LE valgrind):
# valgrind does not run TSan programs, and CMake registers none in a sanitizer build anyway.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/deps.sh
. "$here/scripts/deps.sh"
tocsin_install_deps libsoup-3.0-dev glib-networking openssl nghttp2-server python3 python3-aiosmtpd abigail-tools groff-base
build=${TOCSIN_TSAN_BUILD_DIR:-$here/build-tsan}
TOCSIN_BUILD_DIR=$build TOCSIN_BUILD_TYPE=Debug \
  TOCSIN_CMAKE_ARGS="-DTOCSIN_BUILD_TESTS=ON -DTOCSIN_BUILD_BENCH=OFF -DTOCSIN_SANITIZE=thread" \
  "$here/scripts/build.sh"

# The shim (not instrumented) and the canary, a CMake project of their own.
shim_build=$build/tsan-glib
cmake -S "$here/tests/tsan" -B "$shim_build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$shim_build" -j"$(nproc)"

export LD_PRELOAD="$shim_build/libtsan-glib.so${LD_PRELOAD:+ $LD_PRELOAD}"
export G_SLICE=always-malloc
# Options given by the caller come last and win.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$here/tests/tsan/tsan.supp ${TSAN_OPTIONS:-}"

# The canary: each race- scenario must be reported (exit 66), each ok- scenario must run clean.
for scenario in race-plain race-queue race-object-after-unref ok-mutex ok-queue ok-ptr-array ok-ptr-array-contended ok-object-contended ok-invoke ok-source ok-pool; do
  expected=0
  [[ $scenario == race-* ]] && expected=66
  status=0
  "$shim_build/tsan-canary" "$scenario" >"$shim_build/canary-$scenario.log" 2>&1 || status=$?
  if [[ $status -ne $expected ]]; then
    cat "$shim_build/canary-$scenario.log" >&2
    echo "test-tsan: canary $scenario exited $status, expected $expected: TSan or the shim is broken" >&2
    exit 1
  fi
done
echo "test-tsan: canary OK (TSan reports races; the shim orders GLib's hand-offs)"

ctest --test-dir "$build" --output-on-failure -j"$(nproc)" -LE '^valgrind$' "$@"
