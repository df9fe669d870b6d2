#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test through ctest: the GoogleTest suites and
# the black-box redis-tests (redis-cli, redis-py, node-redis, ioredis, differential against
# Debian's redis-server, redis-benchmark, kill -9 durability).
# Usage: scripts/test.sh [ctest options, e.g. -R resp_ or -L redis]
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ]; then scripts/setup.sh; else echo "test: not root, skipping setup.sh"; fi
scripts/build.sh
cd build
ctest --output-on-failure --timeout 600 -j2 "$@"
