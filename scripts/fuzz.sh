#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (ASan + UBSan) and runs them.
#
#   scripts/fuzz.sh [TARGET...]          fuzz each target for $FUZZ_SECONDS (default 60) seconds,
#                                        starting from a fresh copy of its seed corpus
#   scripts/fuzz.sh --smoke [TARGET...]  run each target once over its seed corpus, no fuzzing
#   scripts/fuzz.sh --replay [TARGET...] run each target over tests/fuzz/crashes-found/TARGET/
#                                        (the inputs of known bugs: passes once they are fixed)
#
# Exits non-zero when any target crashes, leaks, times out, runs out of memory or a sanitizer
# reports anything. Environment: FUZZ_SECONDS, FUZZ_BUILD_DIR (default build-fuzz), CC (default
# clang-14, else clang), FUZZ_ARGS (more libFuzzer flags, e.g. "-jobs=2 -workers=2").
# Crashing inputs land in $FUZZ_BUILD_DIR/fuzz-artifacts/TARGET/; the grown corpus in
# $FUZZ_BUILD_DIR/fuzz-corpus/TARGET/.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$here/build-fuzz}
seconds=${FUZZ_SECONDS:-60}
all_targets=(fuzz-config fuzz-credentials fuzz-slack-payload fuzz-email-message)

mode=fuzz
targets=()
for arg in "$@"; do
  case "$arg" in
    --smoke) mode=smoke ;;
    --replay) mode=replay ;;
    -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    fuzz-*) targets+=("$arg") ;;
    *) echo "fuzz.sh: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

if ! grep -q 'add_subdirectory(tests/fuzz)' "$here/CMakeLists.txt"; then
  echo "fuzz.sh: $here/CMakeLists.txt has no TOCSIN_FUZZ option (see tests/fuzz/README.md)" >&2
  exit 2
fi
# clang and its fuzzer runtime, from Debian (apt-get as root, else the command to run).
# shellcheck source=scripts/deps.sh
. "$here/scripts/deps.sh"
tocsin_install_deps clang-14 libclang-rt-14-dev libsoup-3.0-dev python3-aiosmtpd
cc=${CC:-$(command -v clang-14 || command -v clang || true)}
if [ -z "$cc" ]; then
  echo "fuzz.sh: clang not found (apt-get install clang-14 libclang-rt-14-dev)" >&2
  exit 2
fi

# The fuzzers' own flags (sanitizers, -O1 -g) are set in tests/fuzz/CMakeLists.txt.
mkdir -p "$build/fuzz-logs"
if ! { cmake -S "$here" -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=Debug \
         -DTOCSIN_FUZZ=ON -DTOCSIN_BUILD_TESTS=OFF -DTOCSIN_BUILD_BENCH=OFF \
       && cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"; } \
     >"$build/fuzz-logs/build.log" 2>&1; then
  tail -40 "$build/fuzz-logs/build.log" >&2
  echo "fuzz.sh: the build failed (log: $build/fuzz-logs/build.log)" >&2
  exit 2
fi

# GLib's slice allocator hides leaks and overflows from ASan; GLib reads this at start-up.
export G_SLICE=always-malloc
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
bin=$build/tests/fuzz
common=(-rss_limit_mb=2048 -timeout=10)
status=0

# Anything a sanitizer printed counts, even if a target somehow exited 0.
report_failed () {
  grep -qE '^==[0-9]+== ?ERROR|^SUMMARY: |runtime error: |check failed: |-CRITICAL \*\*' "$1"
}

run_target () {
  local target=$1 log=$2
  shift 2
  if "$bin/$target" "$@" >"$log" 2>&1 && ! report_failed "$log"; then
    return 0
  fi
  echo "FAIL $target (log: $log)"
  grep -E 'ERROR|SUMMARY|CRITICAL|runtime error|check failed|Test unit written' "$log" \
    | head -20 | sed 's/^/  /'
  return 1
}

for target in "${targets[@]}"; do
  seeds=$here/tests/fuzz/corpus/$target
  log=$build/fuzz-logs/$target.$mode.log
  case "$mode" in
    smoke)
      mapfile -t inputs < <(find "$seeds" -type f | sort)
      if run_target "$target" "$log" "${common[@]}" "${inputs[@]}"; then
        echo "ok   $target: ${#inputs[@]} seed inputs"
      else
        status=1
      fi
      ;;
    replay)
      # One process per input: the first crash would stop a run over all of them.
      found=$here/tests/fuzz/crashes-found/$target
      mapfile -t inputs < <(find "$found" -type f 2>/dev/null | sort)
      failed=0
      for input in "${inputs[@]}"; do
        run_target "$target" "$log.$(basename "$input")" "${common[@]}" "$input" || failed=1
      done
      if [ "$failed" = 0 ]; then
        echo "ok   $target: ${#inputs[@]} saved crash inputs pass"
      else
        status=1
      fi
      ;;
    fuzz)
      corpus=$build/fuzz-corpus/$target
      artifacts=$build/fuzz-artifacts/$target/
      rm -rf "$corpus"
      mkdir -p "$corpus" "$artifacts"
      cp "$seeds"/* "$corpus"/
      # shellcheck disable=SC2086 # FUZZ_ARGS is a list of flags
      if run_target "$target" "$log" "${common[@]}" -max_total_time="$seconds" \
           -artifact_prefix="$artifacts" -print_final_stats=1 ${FUZZ_ARGS:-} "$corpus"; then
        # The last status line: "#RUNS DONE cov: N ft: N corp: N/size ... exec/s: N rss: N".
        echo "ok   $target: $(grep -E '^#[0-9]+' "$log" | tail -1)"
      else
        status=1
      fi
      ;;
  esac
done
exit $status
