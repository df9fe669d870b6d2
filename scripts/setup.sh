#!/usr/bin/env bash
# Installs every build and test dependency on Debian 12 (run as root; idempotent).
# Usage: scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config git
  libuv1-dev libhiredis-dev librocksdb-dev libxxhash-dev libgtest-dev
  redis-server redis-tools            # reference server, redis-cli, redis-benchmark
  python3 python3-redis python3-pytest  # redis-py suites run with /usr/bin/python3
  nodejs npm                          # node-redis and ioredis suites
  iproute2 procps                     # network namespaces for the protected-mode test
  clang libclang-rt-14-dev            # sanitizer and libFuzzer builds (scripts/test.sh under CI)
  nutcracker linux-perf bc            # scripts/bench.sh: twemproxy, profiles
  etcd-server etcd-client             # elastic cluster: the ring kept in etcd (tests start their own)
  golang-etcd-server-dev              # etcd's v3 .proto files, compiled at build time
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc  # the etcd client
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node and npm may come from elsewhere than Debian (the CI image ships its own); accept those.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]}")
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The Debian package starts a system redis on 6379 where a service manager runs; the tests
# never use it (they start their own servers on free ports).

# npm modules for the node client suites, into a git-ignored folder of the repo.
if [ -f redis-tests/node/install.sh ]; then
  bash redis-tests/node/install.sh
fi
echo "setup: ok"
