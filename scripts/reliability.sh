#!/usr/bin/env bash
# Runs the reliability battery (redis-tests/reliability): kill -9 durability, restart cycles, TTL
# reads and on-disk expiry, peer faults on a 3-node loopback cluster, printing the figures.
# Usage: scripts/reliability.sh [--long] [--figures FILE] [pytest options, e.g. -k ttl]
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'EOF'
scripts/reliability.sh: the reliability battery of issue 5 (part B), with figures.

  scripts/reliability.sh [--long] [--figures FILE] [pytest options...]

Without --long: the CI sizes (what ctest's `reliability` runs, about two minutes):
5 kill -9 cycles per appendfsync mode, 20 restart cycles, 200k keys with EX 1, 10 peer restarts.
With --long: the issue's full figures, same code: 20 kill -9 cycles per mode (3 s of load each),
100 restart cycles, 1M keys with EX 1, 100 peer restarts (roughly 10-15 minutes).
--figures FILE appends every figure as one JSON line to FILE (for docs/reliability.md).
The binary is $RINGKV_SERVER, else build/ringkv-server (build it with scripts/build.sh); with
RINGKV_SERVER=/usr/bin/redis-server the suites that apply to Redis run against the reference.
Servers are started on free loopback ports with temp dirs and stopped by PID.
EOF
}

args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --long) export RINGKV_RELIABILITY_LONG=1 ;;
    --figures) export RINGKV_RELIABILITY_FIGURES="$(realpath -m "$2")"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) args+=("$1") ;;
  esac
  shift
done

export RINGKV_SERVER="${RINGKV_SERVER:-$PWD/build/ringkv-server}"
if [ ! -x "$RINGKV_SERVER" ]; then
  echo "reliability: no server binary at $RINGKV_SERVER (run scripts/build.sh or set RINGKV_SERVER)" >&2
  exit 2
fi
export PYTHONDONTWRITEBYTECODE=1

sizes=CI
[ -n "${RINGKV_RELIABILITY_LONG:-}" ] && sizes=long
echo "reliability: $RINGKV_SERVER, $sizes sizes"
exec /usr/bin/python3 -m pytest -q -p no:cacheprovider -rfEs redis-tests/reliability "${args[@]}"
