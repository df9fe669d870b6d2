#!/usr/bin/env bash
# Builds ringkv (Release by default) into build/.
# Usage: scripts/build.sh [--debug] [--asan] [--tsan] [--dir DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

build_type=Release
dir=build
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --debug) build_type=Debug ;;
    --asan) extra+=(-DRINGKV_ASAN=ON); dir=build-asan; build_type=RelWithDebInfo ;;
    --tsan) extra+=(-DRINGKV_TSAN=ON); dir=build-tsan; build_type=RelWithDebInfo ;;
    --dir) dir="$2"; shift ;;
    -h|--help) sed -n '2,3p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$build_type" "${extra[@]}" >/dev/null
cmake --build "$dir" -j"$(nproc)"
echo "build: $dir/ringkv-server"
