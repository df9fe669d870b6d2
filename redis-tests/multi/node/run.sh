#!/usr/bin/env bash
# Runs the node transaction suite (node --test) with the clients installed for redis-tests/node
# (installed first if missing). The server binary comes from env RINGKV_SERVER or the first
# argument.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if [[ $# -ge 1 ]]; then export RINGKV_SERVER="$1"; fi
bash ../../node/install.sh
exec node --test --test-concurrency=1 multi.test.mjs
