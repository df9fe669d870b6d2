#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test through ctest: the GoogleTest suites and
# the black-box redis-tests (redis-cli, redis-py, node-redis, ioredis, differential against
# Debian's redis-server, redis-benchmark, kill -9 durability, cluster, transactions, hostile
# clients, reliability).
#
# Usage: scripts/test.sh [--sanitize] [--fuzz SECONDS] [--quick] [ctest options, e.g. -R resp_]
#   --sanitize      also run the unit tests under ASan+UBSan (clang, build-sanitize) and TSan
#                   (build-tsan)
#   --fuzz SECONDS  also run each libFuzzer target that long (scripts/fuzz.sh, build-sanitize)
#   --quick         only the Release build and its tests
# Under CI (CI=true): the ASan+UBSan unit tests and 60 s per fuzz target run too. The full
# ctest run comes last, so its summary line closes the output.
set -euo pipefail
cd "$(dirname "$0")/.."

sanitize=0
tsan=0
fuzz_seconds=0
quick=0
ctest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --sanitize) sanitize=1; tsan=1 ;;
    --fuzz) fuzz_seconds="$2"; shift ;;
    --quick) quick=1 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) ctest_args+=("$1") ;;
  esac
  shift
done
if [ "${CI:-}" = "true" ]; then
  sanitize=1
  [ "$fuzz_seconds" = 0 ] && fuzz_seconds=60
fi
[ $quick = 1 ] && { sanitize=0; tsan=0; fuzz_seconds=0; }

if [ "$(id -u)" = 0 ]; then scripts/setup.sh; else echo "test: not root, skipping setup.sh"; fi
scripts/build.sh

# The unit tests only (the black-box suites carry the label redis-tests).
unit_tests() {
  (cd "$1" && ctest --output-on-failure --timeout 900 -j2 -LE redis-tests)
}

# One clang build serves the ASan+UBSan unit tests and the fuzz targets (RINGKV_FUZZ
# instruments everything with ASan, UBSan and fuzzer coverage).
if [ $sanitize = 1 ] || [ "$fuzz_seconds" != 0 ]; then
  if [ ! -f build-sanitize/CMakeCache.txt ]; then
    CC=clang CXX=clang++ cmake -S . -B build-sanitize -DRINGKV_FUZZ=ON \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  cmake --build build-sanitize -j2
fi
if [ $sanitize = 1 ]; then
  echo "test: unit tests under ASan+UBSan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    unit_tests build-sanitize
fi
if [ $tsan = 1 ]; then
  echo "test: unit tests under TSan"
  scripts/build.sh --tsan
  # detect_deadlocks=0: TSan's lock-order detector holds at most 64 locks per thread, and
  # FLUSHALL takes all 1024 key stripes. See tests/tsan.supp for the suppressions.
  tsan_options="halt_on_error=1 detect_deadlocks=0 ignore_noninstrumented_modules=1"
  # Debian's librocksdb is not built with TSan: its internal synchronisation is invisible.
  [ -f tests/tsan.supp ] && tsan_options+=" suppressions=$PWD/tests/tsan.supp"
  TSAN_OPTIONS="$tsan_options" unit_tests build-tsan
fi
if [ "$fuzz_seconds" != 0 ]; then
  BUILD_DIR="$PWD/build-sanitize" scripts/fuzz.sh "$fuzz_seconds"
fi

cd build
ctest --output-on-failure --timeout 900 -j2 "${ctest_args[@]}"
