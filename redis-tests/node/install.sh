#!/usr/bin/env bash
# Installs the node client libraries (node-redis, ioredis) from package-lock.json with `npm ci`.
# Idempotent: skipped when node_modules already matches the lock file.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
stamp=node_modules/.ringkv-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "redis-tests/node: node_modules is up to date"
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
version() { node -p "require('./node_modules/$1/package.json').version"; }
echo "redis-tests/node: installed redis $(version redis), ioredis $(version ioredis)"
