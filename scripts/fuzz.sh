#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/*_fuzz.cc) with clang + ASan/UBSan and runs each one.
#
#   scripts/fuzz.sh [seconds] [target ...]     # default: 60 s for every target
#
# Each target starts from its seed corpus fuzz/corpus/<name>/ (read only) plus what earlier runs
# found in fuzz-out/<name>/corpus/ (git-ignored), where new inputs are written. A crash, leak,
# sanitizer report or slow input (-timeout) leaves its reproducer in fuzz-out/<name>/ (crash-*,
# leak-*, timeout-*, oom-*) and the log in fuzz-out/<name>/log.txt; the script then exits 1.
# Reproduce one with: build-fuzz/<name>_fuzz fuzz-out/<name>/crash-<sha1>
#
# Env: BUILD_DIR (default build-fuzz), FUZZ_MAX_LEN (default 4096), FUZZ_JOBS (parallel
# processes per target, default 1; the machine has 2 cores).
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
SECONDS_PER_TARGET="${1:-60}"
shift || true
BUILD_DIR="${BUILD_DIR:-$REPO/build-fuzz}"
MAX_LEN="${FUZZ_MAX_LEN:-4096}"
JOBS="${FUZZ_JOBS:-1}"
OUT="$REPO/fuzz-out"

if ! [[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ ]]; then
  echo "usage: scripts/fuzz.sh [seconds] [target ...]" >&2
  exit 2
fi

# Targets: the ones named on the command line, else every fuzz/*_fuzz.cc.
targets=()
if [[ $# -gt 0 ]]; then
  for t in "$@"; do targets+=("${t%_fuzz}"); done
else
  for src in "$REPO"/fuzz/*_fuzz.cc; do
    name="$(basename "$src" .cc)"
    targets+=("${name%_fuzz}")
  done
fi

# ---- Build (clang: libFuzzer and the sanitizer runtimes come with clang 14) ----------------
if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
  CXX="${CXX:-clang++}" cmake -S "$REPO" -B "$BUILD_DIR" -DRINGKV_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
build_targets=()
for t in "${targets[@]}"; do build_targets+=("${t}_fuzz"); done
cmake --build "$BUILD_DIR" -j2 --target "${build_targets[@]}"

# ---- Run ----------------------------------------------------------------------------------
# detect_leaks: a leak in one input is a finding too. -timeout: an input that runs over 10 s
# (a regex-like blowup in a glob, say) is reported as timeout-*.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
failed=()
for t in "${targets[@]}"; do
  bin="$BUILD_DIR/${t}_fuzz"
  seeds="$REPO/fuzz/corpus/$t"
  dir="$OUT/$t"
  mkdir -p "$dir/corpus"
  args=(-max_len="$MAX_LEN" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2560
        -print_final_stats=1 -artifact_prefix="$dir/")
  [[ -f "$REPO/fuzz/$t.dict" ]] && args+=(-dict="$REPO/fuzz/$t.dict")
  if [[ "$JOBS" -gt 1 ]]; then args+=(-fork="$JOBS" -ignore_crashes=0); fi
  echo "== $t: ${SECONDS_PER_TARGET}s, max_len $MAX_LEN, log $dir/log.txt"
  set +e
  "$bin" "${args[@]}" "$dir/corpus" "$seeds" >"$dir/log.txt" 2>&1
  rc=$?
  set -e
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)|cov: ' \
    "$dir/log.txt" | tail -4 || true
  if [[ $rc -ne 0 ]]; then
    echo "!! $t exited with $rc; reproducers:" >&2
    ls "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-* 2>/dev/null >&2 || true
    grep -m1 -A30 -E 'ERROR: |runtime error|invariant broken|ALARM' "$dir/log.txt" >&2 || true
    failed+=("$t")
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ok (${targets[*]}, ${SECONDS_PER_TARGET}s each)"
