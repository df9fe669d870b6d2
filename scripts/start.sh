#!/usr/bin/env bash
# Installs dependencies, builds, and runs one ringkv node on 127.0.0.1:6379 with its data in
# ./data. Extra arguments go to ringkv-server (e.g. --port 7000 --appendfsync always).
# Usage: scripts/start.sh [ringkv-server options]
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ]; then scripts/setup.sh; else echo "start: not root, skipping setup.sh"; fi
scripts/build.sh
mkdir -p data
exec build/ringkv-server --port 6379 --bind 127.0.0.1 --dir ./data "$@"
