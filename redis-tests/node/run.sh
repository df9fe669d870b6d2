#!/usr/bin/env bash
# Runs the node client suite (node --test). Installs the clients first if they are missing.
# The server binary comes from env RINGKV_SERVER or the first argument.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if [[ $# -ge 1 ]]; then export RINGKV_SERVER="$1"; fi
bash ./install.sh
exec node --test --test-concurrency=1 test/clients.test.mjs
