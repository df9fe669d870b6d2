#!/usr/bin/env bash
# Runs every black-box suite in turn against one server binary and prints a summary.
# Usage: redis-tests/run.sh [path/to/ringkv-server]
# (default: $RINGKV_SERVER, else build/ringkv-server)
# Each suite starts and stops its own servers by PID; nothing here kills by name.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export RINGKV_SERVER="${1:-${RINGKV_SERVER:-$here/../build/ringkv-server}}"
export PYTHONDONTWRITEBYTECODE=1
py=/usr/bin/python3

suites=(redis_cli py_resp2 py_resp3 node_clients differential benchmark durability_kill9 durability_collections cluster py_multi py_multi_cluster node_multi reliability hostile)
declare -A cmd=(
  [redis_cli]="$py $here/cli/run_cli.py"
  [py_resp2]="$py -m pytest -q -p no:cacheprovider $here/py --ignore=$here/py/test_resp3.py"
  [py_resp3]="$py -m pytest -q -p no:cacheprovider $here/py/test_resp3.py"
  [cluster]="$py -m pytest -q -p no:cacheprovider $here/cluster"
  [py_multi]="$py -m pytest -q -p no:cacheprovider $here/multi --ignore=$here/multi/test_cluster.py"
  [py_multi_cluster]="$py -m pytest -q -p no:cacheprovider $here/multi/test_cluster.py"
  [node_multi]="bash $here/multi/node/run.sh"
  [reliability]="$py -m pytest -q -p no:cacheprovider -rfEs $here/reliability"
  [hostile]="$py -m pytest -q -p no:cacheprovider -rfEs $here/hostile"
  [node_clients]="bash $here/node/run.sh"
  [differential]="$py $here/differential/differential.py"
  [benchmark]="$py $here/bench/run_bench.py"
  [durability_kill9]="$py $here/durability/kill9.py"
  [durability_collections]="$py $here/durability/kill9_collections.py"
)

echo "redis-tests against $RINGKV_SERVER"
passed=0
failed=()
for s in "${suites[@]}"; do
  echo "=== $s"
  if ${cmd[$s]}; then
    passed=$((passed + 1))
  else
    failed+=("$s")
  fi
done
echo "=== summary"
[[ ${#failed[@]} -gt 0 ]] && echo "failed suites: ${failed[*]}"
echo "redis-tests: $passed passed, ${#failed[@]} failed"
[[ ${#failed[@]} -eq 0 ]]
