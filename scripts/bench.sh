#!/usr/bin/env bash
# Side-by-side benchmarks: ringkv against Redis, twemproxy + Redis and Redis Cluster, on this
# machine.
# Usage: scripts/bench.sh [--quick] [--only SECTION] [--no-build] [--build-dir DIR] [--keep]
#   SECTION: single|cluster|experiment|forward|restart|families|zset-rss|del-hash
#
# What it does, one system at a time (the machine's cores are shared by servers and clients):
#   single      Debian's redis-server (no persistence), redis-server with appendonly yes +
#               appendfsync everysec, and one ringkv-server (appendfsync everysec).
#   cluster     nutcracker (twemproxy, ketama) in front of 3 redis-servers; a 3-master Redis
#               Cluster driven with redis-benchmark --cluster; a 3-node ringkv cluster entered
#               through n1, then through n2 and n3.
#   experiment  ringkv-bench, open loop: load the k<i> keys (100-byte values), then GET at a fixed
#               1000 and 10000 req/s against 1 ringkv node, 3 ringkv nodes (connections spread
#               over all three) and, as a reference, one redis-server.
#   forward     3 ringkv nodes entered through n1 only: GETs at 1000 and 10000 req/s over the
#               keys n1 owns (local), then at the same rate over the keys it does not own
#               (forwarded), 3 rounds (--quick: 1); prints both p50/p99 and forwarded/local.
#   restart     one ringkv node (appendfsync everysec) loaded with 10,000,000 keys (--quick:
#               1,000,000; ~0.4 GB on disk): time from process start to the first PONG after
#               kill -9 (WAL replay; later rounds: clean stop, start, rewrite 400k keys, kill -9)
#               and after a clean SIGTERM stop, 3 rounds each; then kill -9 again with the old
#               default --rocksdb-write-buffer-size 64mb (400k keys rewritten). Its data dir is deleted at
#               the section's end (unless --keep).
#   families    (issue 10) redis-benchmark's default run (no -t: all 20 tests, -c 50 -d 100
#               -r 1000000 -n 20000; --quick 5000) against redis-server with appendonly yes +
#               appendfsync everysec, then against one ringkv-server, each on a fresh server; then
#               LPUSH, HSET, SADD, ZADD at -P 16, sized as in single. Ratios ringkv/Redis per test.
#   zset-rss    (issue 10) one sorted set of 1,000,000 members (--quick 100,000; random scores)
#               loaded with ZADD, 1000 members a command, through redis-cli --pipe into
#               redis-server (no persistence) and into ringkv: RSS after the load, ratio.
#   del-hash    (issue 10) one hash of 1,000,000 fields (--quick 100,000) loaded through
#               redis-cli --pipe into redis-server (appendonly yes, everysec) and into ringkv;
#               the time of DEL (redis-py, one call); ringkv's disk (INFO rocksdb_disk_bytes and
#               du of its data dir) before and right after the DEL, every second for 10 s, every
#               10 s up to 130 s (--quick: every second for 10 s, then 20 s), then after a clean
#               restart and every 10 s for 70 s (--quick 10 s).
# For single and cluster, every system first gets the k<i> keys loaded (ringkv-bench --load; for
# Redis Cluster, redis-cli --pipe per master) to measure RSS and data-dir size, then the same
# redis-benchmark runs: -c 50 -d 100 -r 1000000, tests SET GET INCR MSET at -P 1 and -P 16, each
# run long enough for >= 10 s (--quick: 2 s), sized from two short probe runs.
# Progress goes to stderr; the report (tables and ratios) to stdout at the end.
# Every process started here is stopped by its PID when the script exits, fails or is interrupted.
# Servers' logs and data live in a temporary directory, removed at the end unless --keep.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"

# The header comment above, up to `set -euo pipefail`.
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

QUICK=0
ONLY=""
BUILD=1
KEEP=0
BUILD_DIR=build
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --only)
      [[ $# -ge 2 ]] || {
        echo "bench.sh: --only needs a section name (see --help)" >&2
        exit 2
      }
      ONLY="$2"
      shift
      ;;
    --no-build) BUILD=0 ;;
    --keep) KEEP=1 ;;
    --build-dir)
      [[ $# -ge 2 ]] || { echo "bench.sh: --build-dir needs a directory" >&2; exit 2; }
      BUILD_DIR="$2"
      shift
      ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$ONLY" in
  "" | single | cluster | experiment | forward | restart | families | zset-rss | del-hash) ;;
  *)
    echo "bench.sh: --only takes single, cluster, experiment, forward, restart, families," \
      "zset-rss or del-hash" >&2
    exit 2
    ;;
esac

if ((QUICK)); then
  TEST_SECS=2        # target length of one redis-benchmark run
  PROBE_SECS=0.5     # length of the probe run that sizes it
  LOAD_KEYS=100000   # k<i> keys loaded before the redis-benchmark runs
  EXP_KEYS=100000
  EXP_SECS=10
  FWD_ROUNDS=1
  RESTART_KEYS=1000000
  RESTART_REWRITE=100000
  FAM_N=5000
  ZSET_MEMBERS=100000
  DH_FIELDS=100000
  DH_WAIT=20
  DH_WAIT_RESTART=10
else
  TEST_SECS=10
  PROBE_SECS=1
  LOAD_KEYS=1000000
  EXP_KEYS=1000000
  EXP_SECS=60
  FWD_ROUNDS=3
  RESTART_KEYS=10000000
  RESTART_REWRITE=400000    # rewritten before each kill -9 after the first: up to a memtable of WAL
  # redis-benchmark's default run uses one -n for every test. ringkv's SPOP walks to a random
  # member (O(N)) and ZPOPMIN walks over the pops' tombstones, so their time grows with the square
  # of -n: 20000 keeps ringkv's run near two minutes here.
  FAM_N=20000
  ZSET_MEMBERS=1000000
  DH_FIELDS=1000000
  DH_WAIT=130         # > 2 dead-data trigger periods (--rocksdb-ttl-check-seconds, 60 by default)
  DH_WAIT_RESTART=70
fi
FWD_SECS=$((EXP_SECS / 2))  # each forward run; FWD_ROUNDS x 2 rates x 2 key sets of them
RESTART_ROUNDS=3
CLIENTS=50
TESTS=(set get incr mset)
PIPELINES=(1 16)
EXP_RATES=(1000 10000)

SERVER="$ROOT/$BUILD_DIR/ringkv-server"
BENCH="$ROOT/$BUILD_DIR/ringkv-bench"
PY=/usr/bin/python3  # Debian's python, with python3-redis

log() { echo "[bench $(date +%T)] $*" >&2; }
die() {
  echo "bench.sh: $*" >&2
  exit 1
}

for tool in redis-server redis-cli redis-benchmark ss; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found; run scripts/setup.sh"
done
if [[ -z "$ONLY" || "$ONLY" == cluster ]]; then
  command -v nutcracker >/dev/null 2>&1 ||
    die "nutcracker (twemproxy) not found: apt-get install nutcracker (scripts/setup.sh)"
fi

# ---------------------------------------------------------------------------------------------
# Process bookkeeping: every server we start is in PIDS; cleanup stops them by PID.

WORK="$(mktemp -d "${TMPDIR:-/tmp}/ringkv-bench.XXXXXX")"
PIDS=()
REPORTED=0
RESULTS="$WORK/results.tsv"  # section system test pipeline rps p50 p99 note
MEMORY="$WORK/memory.tsv"    # section system keys load_rps rss_kb dir_bytes peak_kb note
: >"$RESULTS"
: >"$MEMORY"

stop_pids() {
  local pid deadline
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  deadline=$((SECONDS + 10))
  for pid in "$@"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      log "pid $pid did not exit after SIGTERM; SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  local keep=() p alive
  for p in "${PIDS[@]}"; do
    alive=1
    for pid in "$@"; do [[ "$p" == "$pid" ]] && alive=0; done
    ((alive)) && keep+=("$p")
  done
  PIDS=("${keep[@]}")
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if ((${#PIDS[@]} > 0)); then stop_pids "${PIDS[@]}"; fi
  if ((status != 0 && REPORTED == 0)) && [[ -s "$RESULTS" || -s "$MEMORY" ]]; then
    echo "bench.sh: failed (exit $status); the results so far:" >&2
    report || true
  fi
  if ((KEEP)); then
    echo "bench.sh: logs and data kept in $WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_bg LOG CMD...: runs CMD in the background; its PID is in LAST_PID.
start_bg() {
  local logf="$1"
  shift
  "$@" >"$logf" 2>&1 </dev/null &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}

# free_port: a port P with P and P+10000 (Redis Cluster's bus port) free, below the kernel's
# ephemeral range so that no client connection can take it meanwhile. Result in PORT.
USED_PORTS=" "
port_free() { ! ss -Htan "sport = :$1" 2>/dev/null | grep -q .; }
free_port() {
  local p i
  for ((i = 0; i < 500; i++)); do
    p=$((10000 + RANDOM % 12000))
    [[ "$USED_PORTS" == *" $p "* ]] && continue
    port_free "$p" && port_free $((p + 10000)) || continue
    USED_PORTS+="$p "
    PORT=$p
    return 0
  done
  die "no free port found"
}

# wait_ready PORT PID LOG NAME: until PING answers PONG (30 s), or fail with the log's tail.
wait_ready() {
  local port="$1" pid="$2" logf="$3" name="$4" deadline=$((SECONDS + 30))
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$logf" >&2 || true
      die "$name (port $port) exited at start"
    fi
    if [[ "$(timeout 2 redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null || true)" == PONG ]]; then
      return 0
    fi
    if ((SECONDS >= deadline)); then
      tail -n 20 "$logf" >&2 || true
      die "$name (port $port) did not answer PING within 30 s"
    fi
    sleep 0.1
  done
}

proc_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
sum_kb() {
  local field="$1" total=0 pid kb
  shift
  for pid in "$@"; do
    kb="$(proc_kb "$pid" "$field")"
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}
dir_bytes() { du -sb "$@" 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'; }

# ---------------------------------------------------------------------------------------------
# Starting the systems. Each start_* sets SYS_PIDS (to stop and measure), SYS_DIRS (data dirs)
# and the ports it listens on.

start_redis() {  # start_redis NAME DIR [redis-server options...]; port in PORT
  local name="$1" dir="$2"
  shift 2
  free_port
  mkdir -p "$dir"
  start_bg "$dir.log" redis-server --port "$PORT" --bind 127.0.0.1 --dir "$dir" --save '' \
    --daemonize no "$@"
  wait_ready "$PORT" "$LAST_PID" "$dir.log" "$name"
}

start_ringkv_single() {  # start_ringkv_single TAG: one node, fresh data dir $WORK/TAG
  local dir="$WORK/$1"
  free_port
  mkdir -p "$dir"
  start_bg "$dir.log" "$SERVER" --port "$PORT" --bind 127.0.0.1 --dir "$dir" --appendfsync everysec
  wait_ready "$PORT" "$LAST_PID" "$dir.log" ringkv-server
  SYS_PIDS=("$LAST_PID")
  SYS_DIRS=("$dir")
  SYS_PORTS=("$PORT")
}

# start_ringkv_cluster TAG: three ringkv nodes, with fresh data dirs $WORK/TAG-nX.
start_ringkv_cluster() {
  local tag="$1" i nodes="" ports=() dir
  for i in 1 2 3; do
    free_port
    ports+=("$PORT")
    nodes+="${nodes:+,}n$i@127.0.0.1:$PORT"
  done
  SYS_PIDS=()
  SYS_DIRS=()
  for i in 1 2 3; do
    dir="$WORK/$tag-n$i"
    mkdir -p "$dir"
    start_bg "$dir.log" "$SERVER" --port "${ports[$((i - 1))]}" --bind 127.0.0.1 --dir "$dir" \
      --appendfsync everysec --cluster-myself "n$i" --cluster-nodes "$nodes"
    SYS_PIDS+=("$LAST_PID")
    SYS_DIRS+=("$dir")
  done
  for i in 1 2 3; do
    wait_ready "${ports[$((i - 1))]}" "${SYS_PIDS[$((i - 1))]}" "$WORK/$tag-n$i.log" "ringkv n$i"
  done
  # A node may still be backing off its first connect to a peer: wait until DBSIZE, which asks
  # every node, answers through each of them.
  local deadline=$((SECONDS + 20)) reply
  for i in 1 2 3; do
    while :; do
      reply="$(timeout 2 redis-cli -h 127.0.0.1 -p "${ports[$((i - 1))]}" dbsize 2>&1 || true)"
      [[ "$reply" =~ ^[0-9]+$ ]] && break
      if ((SECONDS >= deadline)); then
        tail -n 5 "$WORK/$tag"-n*.log >&2 || true
        die "DBSIZE through ringkv n$i does not answer in 20 s (last: '${reply:-no reply in 2 s}')"
      fi
      sleep 0.1
    done
  done
  SYS_PORTS=("${ports[@]}")
}

start_redis_trio() {  # three plain redis-servers (for twemproxy); SYS_* as above
  local i
  SYS_PIDS=()
  SYS_DIRS=()
  SYS_PORTS=()
  for i in 1 2 3; do
    start_redis "redis r$i" "$WORK/twem-r$i" --appendonly no "$@"
    SYS_PIDS+=("$LAST_PID")
    SYS_DIRS+=("$WORK/twem-r$i")
    SYS_PORTS+=("$PORT")
  done
}

start_twemproxy() {
  start_redis_trio
  free_port
  local listen="$PORT" conf="$WORK/nutcracker.yml"
  free_port
  local stats="$PORT"
  cat >"$conf" <<EOF
ringkv_bench:
  listen: 127.0.0.1:$listen
  hash: fnv1a_64
  distribution: ketama
  redis: true
  auto_eject_hosts: false
  timeout: 10000
  servers:
   - 127.0.0.1:${SYS_PORTS[0]}:1 r1
   - 127.0.0.1:${SYS_PORTS[1]}:1 r2
   - 127.0.0.1:${SYS_PORTS[2]}:1 r3
EOF
  nutcracker --test-conf --conf-file="$conf" >/dev/null 2>&1 || die "nutcracker rejects $conf"
  start_bg "$WORK/nutcracker.log" nutcracker --conf-file="$conf" --stats-port="$stats" \
    --stats-addr=127.0.0.1
  SYS_PIDS+=("$LAST_PID")
  wait_ready "$listen" "$LAST_PID" "$WORK/nutcracker.log" nutcracker
  PROXY_PORT="$listen"
}

start_redis_cluster() {
  local i dir hosts=()
  SYS_PIDS=()
  SYS_DIRS=()
  SYS_PORTS=()
  for i in 1 2 3; do
    dir="$WORK/rcluster-$i"
    start_redis "redis cluster node $i" "$dir" --appendonly no --cluster-enabled yes \
      --cluster-config-file "$dir/nodes.conf" --cluster-node-timeout 5000
    SYS_PIDS+=("$LAST_PID")
    SYS_DIRS+=("$dir")
    SYS_PORTS+=("$PORT")
    hosts+=("127.0.0.1:$PORT")
  done
  redis-cli --cluster create "${hosts[@]}" --cluster-replicas 0 --cluster-yes \
    >"$WORK/rcluster-create.log" 2>&1 || {
    cat "$WORK/rcluster-create.log" >&2
    die "redis-cli --cluster create failed"
  }
  local deadline=$((SECONDS + 30)) port
  for port in "${SYS_PORTS[@]}"; do
    until redis-cli -h 127.0.0.1 -p "$port" cluster info 2>/dev/null |
      grep -q '^cluster_state:ok'; do
      ((SECONDS < deadline)) || die "Redis Cluster did not reach cluster_state:ok in 30 s"
      sleep 0.2
    done
  done
}

# ---------------------------------------------------------------------------------------------
# Loading and measuring.

# load_keys SECTION SYSTEM HOSTS: writes k0..k(LOAD_KEYS-1) with ringkv-bench, then records the
# load rate, RSS and data-dir size of SYS_PIDS / SYS_DIRS.
load_keys() {
  local section="$1" system="$2" hosts="$3" n="${4:-$LOAD_KEYS}" out rps
  out="$("$BENCH" --hosts "$hosts" --load "$n" --connections "$CLIENTS" --pipeline 64 \
    --value-size 100 2>&1)" || {
    echo "$out" >&2
    die "loading $system failed"
  }
  rps="$(sed -n 's/^LOAD .* rps=\([0-9.]*\) .*/\1/p' <<<"$out")"
  record_memory "$section" "$system" "$n" "${rps:-?}" "ringkv-bench --load, -c $CLIENTS -P 64"
}

# load_keys_redis_cluster SECTION SYSTEM: the same keys, sent to each master for its slots
# (ringkv-bench does not follow MOVED), through redis-cli --pipe.
load_keys_redis_cluster() {
  local section="$1" system="$2" ports="${SYS_PORTS[*]}" start end pid pids=() port rps
  "$PY" - "$LOAD_KEYS" "$WORK" $ports <<'EOF'
import sys
import redis
from redis.crc import key_slot
n, work, ports = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
owner = {}
for lo, hi, master, *_ in redis.Redis(port=int(ports[0])).execute_command("CLUSTER", "SLOTS"):
    for s in range(lo, hi + 1):
        owner[s] = int(master[1])
files = {int(p): open(f"{work}/load-{p}.resp", "wb") for p in ports}
value = b"x" * 100
for i in range(n):
    k = b"k%d" % i
    files[owner[key_slot(k)]].write(
        b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$100\r\n%s\r\n" % (len(k), k, value))
for f in files.values():
    f.close()
EOF
  start=$(date +%s.%N)
  for port in $ports; do
    redis-cli -h 127.0.0.1 -p "$port" --pipe <"$WORK/load-$port.resp" >"$WORK/load-$port.log" 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do
    wait "$pid" || die "redis-cli --pipe failed: $(cat "$WORK"/load-*.log)"
  done
  end=$(date +%s.%N)
  rm -f "$WORK"/load-*.resp
  rps="$(awk -v n="$LOAD_KEYS" -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", n / (b - a) }')"
  record_memory "$section" "$system" "$LOAD_KEYS" "$rps" "redis-cli --pipe per master"
}

record_memory() {  # SECTION SYSTEM KEYS LOAD_RPS NOTE (RSS and dir size of SYS_* right now)
  sleep 1  # let background flushes settle
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$(sum_kb VmRSS "${SYS_PIDS[@]}")" \
    "$(dir_bytes "${SYS_DIRS[@]}")" "-" "$5" >>"$MEMORY"
}

record_peak() {  # SECTION SYSTEM: fills in peak RSS (VmHWM) of SYS_PIDS for the row
  local peak
  peak="$(sum_kb VmHWM "${SYS_PIDS[@]}")"
  awk -F'\t' -v OFS='\t' -v s="$1" -v y="$2" -v p="$peak" \
    '$1 == s && $2 == y { $7 = p } { print }' "$MEMORY" >"$MEMORY.new"
  mv "$MEMORY.new" "$MEMORY"
}

# rb PORT TEST PIPELINE N [extra...]: one redis-benchmark run; prints "rps p50 p99" or "ERR msg".
# record_failure SECTION SYSTEM TEST P "ERR ...": logs a failed run and records it in RESULTS.
record_failure() {
  log "$2 ${3^^} -P $4: $5"
  printf '%s\t%s\t%s\t%s\t-\t-\t-\t%s\n' "$1" "$2" "${3^^}" "$4" "${5#ERR }" >>"$RESULTS"
}

rb() {
  local port="$1" test="$2" p="$3" n="$4" line err
  shift 4
  line="$(redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -d 100 -r 1000000 -n "$n" \
    -P "$p" -t "$test" --csv "$@" 2>"$WORK/rb.err" | grep -v '^"test"' | tail -n 1 || true)"
  # Columns: test, rps, avg, min, p50, p95, p99, max (latencies in ms).
  local name rps avg min p50 p95 p99 rest
  IFS=, read -r name rps avg min p50 p95 p99 rest <<<"${line//\"/}"
  if [[ "$rps" =~ ^[0-9.]+$ && "$p50" =~ ^[0-9.]+$ && "$p99" =~ ^[0-9.]+$ ]]; then
    echo "$rps $p50 $p99"
  else
    err="$(grep -v -i 'could not fetch server config' "$WORK/rb.err" | head -n 1 || true)"
    echo "ERR ${err:-no result}"
  fi
}

# bench_system SECTION SYSTEM PORT [extra redis-benchmark options...]: every test at every
# pipeline depth, each sized by a probe run to last about TEST_SECS.
bench_system() {
  local section="$1" system="$2" port="$3" test p probe_n n res rps p50 p99
  shift 3
  for test in "${TESTS[@]}"; do
    if [[ "$test" == mset && " $* " == *" --cluster "* ]]; then
      printf '%s\t%s\t%s\t%s\t-\t-\t-\t%s\n' "$section" "$system" MSET "-" \
        "skipped: redis-benchmark --cluster cannot send cross-slot MSET" >>"$RESULTS"
      continue
    fi
    for p in "${PIPELINES[@]}"; do
      # The probe should take well under a second: MSET writes 10 keys per request.
      probe_n=$((p == 1 ? 10000 : 50000))
      [[ "$test" == mset ]] && probe_n=$((probe_n / 5))
      res="$(rb "$port" "$test" "$p" "$probe_n" "$@")"
      if [[ "$res" == ERR* ]]; then
        record_failure "$section" "$system" "$test" "$p" "$res"
        continue
      fi
      # A second probe of PROBE_SECS gives a steadier rate; the run gets 25% more requests
      # than that rate needs for TEST_SECS, since rates drift on a shared machine.
      n="$(awk -v r="${res%% *}" -v s="$PROBE_SECS" -v m="$probe_n" \
        'BEGIN { n = int(r * s); print (n < m ? m : n) }')"
      if ((n > probe_n)); then
        res="$(rb "$port" "$test" "$p" "$n" "$@")"
        [[ "$res" == ERR* ]] && res="0 0 0"
      fi
      n="$(awk -v r="${res%% *}" -v s="$TEST_SECS" -v m="$n" \
        'BEGIN { n = int(r * s * 1.25); print (n < m ? m : n) }')"
      res="$(rb "$port" "$test" "$p" "$n" "$@")"
      if [[ "$res" == ERR* ]]; then
        record_failure "$section" "$system" "$test" "$p" "$res"
        continue
      fi
      read -r rps p50 p99 <<<"$res"
      log "$system ${test^^} -P $p: $rps req/s, p50 $p50 ms, p99 $p99 ms (n=$n)"
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n' "$section" "$system" "${test^^}" "$p" "$rps" "$p50" \
        "$p99" >>"$RESULTS"
    done
  done
}

# ---------------------------------------------------------------------------------------------
# Sections.

section_single() {
  log "single node: redis (no persistence)"
  start_redis redis "$WORK/redis" --appendonly no
  SYS_PIDS=("$LAST_PID")
  SYS_DIRS=("$WORK/redis")
  load_keys single redis "127.0.0.1:$PORT"
  bench_system single redis "$PORT"
  record_peak single redis
  stop_pids "${SYS_PIDS[@]}"

  log "single node: redis (appendonly yes, appendfsync everysec)"
  start_redis redis-aof "$WORK/redis-aof" --appendonly yes --appendfsync everysec
  SYS_PIDS=("$LAST_PID")
  SYS_DIRS=("$WORK/redis-aof")
  load_keys single redis-aof "127.0.0.1:$PORT"
  bench_system single redis-aof "$PORT"
  record_peak single redis-aof
  stop_pids "${SYS_PIDS[@]}"

  log "single node: ringkv (appendfsync everysec)"
  start_ringkv_single ringkv1
  load_keys single ringkv "127.0.0.1:${SYS_PORTS[0]}"
  bench_system single ringkv "${SYS_PORTS[0]}"
  record_peak single ringkv
  stop_pids "${SYS_PIDS[@]}"
}

section_cluster() {
  log "three shards: twemproxy (ketama) + 3 redis"
  start_twemproxy
  load_keys cluster twemproxy+3redis "127.0.0.1:$PROXY_PORT"
  bench_system cluster twemproxy+3redis "$PROXY_PORT"
  record_peak cluster twemproxy+3redis
  stop_pids "${SYS_PIDS[@]}"

  log "three shards: Redis Cluster, 3 masters (redis-benchmark --cluster)"
  start_redis_cluster
  load_keys_redis_cluster cluster redis-cluster
  bench_system cluster redis-cluster "${SYS_PORTS[0]}" --cluster
  record_peak cluster redis-cluster
  stop_pids "${SYS_PIDS[@]}"

  log "three shards: ringkv, 3 nodes"
  start_ringkv_cluster ringkv3
  local hosts="127.0.0.1:${SYS_PORTS[0]},127.0.0.1:${SYS_PORTS[1]},127.0.0.1:${SYS_PORTS[2]}"
  load_keys cluster ringkv-3 "$hosts"
  bench_system cluster "ringkv-3 via n1" "${SYS_PORTS[0]}"
  bench_system cluster "ringkv-3 via n2" "${SYS_PORTS[1]}"
  bench_system cluster "ringkv-3 via n3" "${SYS_PORTS[2]}"
  record_peak cluster ringkv-3
  stop_pids "${SYS_PIDS[@]}"
}

# experiment_runs SYSTEM HOSTS: load EXP_KEYS keys, then GET at each EXP_RATES for EXP_SECS.
experiment_runs() {
  local system="$1" hosts="$2" rate out
  load_keys experiment "$system" "$hosts" "$EXP_KEYS"
  for rate in "${EXP_RATES[@]}"; do
    log "experiment: $system GET at $rate req/s for $EXP_SECS s"
    out="$WORK/exp-${system}-$rate.txt"
    "$BENCH" --hosts "$hosts" --connections "$CLIENTS" --rate "$rate" --duration "$EXP_SECS" \
      --reads 1 --keys "$EXP_KEYS" --value-size 100 >"$out" 2>&1 || {
      cat "$out" >&2
      die "ringkv-bench against $system failed"
    }
    echo "$system" >>"$WORK/exp-order"
    echo "$out" >>"$WORK/exp-order"
  done
}

section_experiment() {
  : >"$WORK/exp-order"
  log "experiment: 1 ringkv node"
  start_ringkv_single exp-ringkv1
  experiment_runs ringkv-1 "127.0.0.1:${SYS_PORTS[0]}"
  record_peak experiment ringkv-1
  stop_pids "${SYS_PIDS[@]}"

  log "experiment: 3 ringkv nodes"
  start_ringkv_cluster exp-ringkv3
  experiment_runs ringkv-3 \
    "127.0.0.1:${SYS_PORTS[0]},127.0.0.1:${SYS_PORTS[1]},127.0.0.1:${SYS_PORTS[2]}"
  record_peak experiment ringkv-3
  stop_pids "${SYS_PIDS[@]}"

  log "experiment: redis (reference, no persistence)"
  start_redis redis "$WORK/exp-redis" --appendonly no
  SYS_PIDS=("$LAST_PID")
  SYS_DIRS=("$WORK/exp-redis")
  experiment_runs redis "127.0.0.1:$PORT"
  record_peak experiment redis
  stop_pids "${SYS_PIDS[@]}"
}

# forward: local against forwarded GETs through one entry node. Each run's SUMMARY values go to
# $WORK/fwd.tsv: round rate keyset achieved p50_us p99_us errors+unanswered.
section_forward() {
  log "forward: 3 ringkv nodes, entered through n1"
  start_ringkv_cluster fwd
  local entry="127.0.0.1:${SYS_PORTS[0]}" round rate set sets out opt
  load_keys forward ringkv-3 \
    "127.0.0.1:${SYS_PORTS[0]},127.0.0.1:${SYS_PORTS[1]},127.0.0.1:${SYS_PORTS[2]}" "$EXP_KEYS"
  : >"$WORK/fwd.tsv"
  for ((round = 1; round <= FWD_ROUNDS; round++)); do
    for rate in "${EXP_RATES[@]}"; do
      # Alternate which key set goes first, so that a drift in the machine's load between the two
      # runs does not always favour the same one.
      sets="local forwarded"
      ((round % 2 == 0)) && sets="forwarded local"
      for set in $sets; do
        opt=--keys-owned-by
        [[ "$set" == forwarded ]] && opt=--keys-not-owned-by
        log "forward: round $round, $set GETs via n1 at $rate req/s for $FWD_SECS s"
        out="$WORK/fwd-$round-$rate-$set.txt"
        "$BENCH" --hosts "$entry" --connections "$CLIENTS" --rate "$rate" --warmup 2 \
          --duration "$FWD_SECS" --reads 1 --keys "$EXP_KEYS" --value-size 100 "$opt" "$entry" \
          >"$out" 2>&1 || {
          cat "$out" >&2
          die "ringkv-bench ($set keys via n1) failed"
        }
        sed -n 's/^SUMMARY //p' "$out" | awk -v r="$round" -v R="$rate" -v k="$set" -v OFS='\t' '
          { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
            print r, R, k, v["achieved_rps"], v["p50_us"], v["p99_us"],
                  v["errors"] + v["unanswered"] }' >>"$WORK/fwd.tsv"
        sed -n 's/^Keys: //p' "$out" | head -n 1 >"$WORK/fwd-keys-$set.txt"
      done
    done
  done
  record_peak forward ringkv-3
  stop_pids "${SYS_PIDS[@]}"
}

# restart: time from exec to the first PONG, after kill -9 and after a clean stop, on one node
# holding RESTART_KEYS keys. Rows in $WORK/restart.tsv: kind round ms wal_mb ok.
# restart_node LOGTAG [ringkv-server options...]: starts the node on RS_DIR/RS_PORT (untimed).
restart_node() {
  local tag="$1"
  shift
  start_bg "$RS_DIR.$tag.log" "$SERVER" --port "$RS_PORT" --bind 127.0.0.1 --dir "$RS_DIR" \
    --appendfsync everysec "$@"
  SYS_PIDS=("$LAST_PID")
}

# restart_timed KIND ROUND WAL_MB [options...]: starts the node, polls PING every 10 ms, records.
restart_timed() {
  local kind="$1" round="$2" wal_mb="$3" tag t0 t1 last ok
  shift 3
  tag="${kind//[^a-z0-9]/}-$round"
  t0=$(date +%s%N)
  restart_node "$tag" "$@"
  until [[ "$(redis-cli -h 127.0.0.1 -p "$RS_PORT" ping 2>/dev/null || true)" == PONG ]]; do
    if ! kill -0 "$LAST_PID" 2>/dev/null; then
      tail -n 20 "$RS_DIR.$tag.log" >&2 || true
      die "ringkv exited while restarting ($kind, round $round)"
    fi
    (($(date +%s%N) - t0 < 120000000000)) || die "no PONG 120 s after restart ($kind, round $round)"
    sleep 0.01
  done
  t1=$(date +%s%N)
  # The data survived: the first and the last key loaded are there.
  last="$(redis-cli -h 127.0.0.1 -p "$RS_PORT" strlen "k$((RESTART_KEYS - 1))" 2>&1 || true)"
  ok=yes
  [[ "$(redis-cli -h 127.0.0.1 -p "$RS_PORT" strlen k0 2>&1 || true)" == 100 && "$last" == 100 ]] ||
    ok=no
  log "restart ($kind, round $round): PONG after $(((t1 - t0) / 1000000)) ms; WAL $wal_mb MB;" \
    "k0 and k$((RESTART_KEYS - 1)) present: $ok"
  printf '%s\t%s\t%s\t%s\t%s\n' "$kind" "$round" "$(((t1 - t0) / 1000000))" "$wal_mb" "$ok" \
    >>"$WORK/restart.tsv"
}

wal_mb() { du -cb "$RS_DIR"/*.log 2>/dev/null | awk 'END { printf "%.1f", $1 / 1048576 }'; }

# kill9_round KIND ROUND REWRITE [options...]: unless REWRITE is 0, first a clean stop and start
# (the stop flushes the memtable, so the WAL starts empty) and REWRITE keys written again; then
# kill -9 and a timed restart, both with the options.
kill9_round() {
  local kind="$1" round="$2" n="$3" pid out wal p keep
  shift 3
  if ((n > 0)); then
    stop_pids "${SYS_PIDS[@]}"
    restart_node "refill-${kind//[^a-z0-9]/}-$round" "$@"
    wait_ready "$RS_PORT" "$LAST_PID" "$RS_DIR.refill-${kind//[^a-z0-9]/}-$round.log" ringkv-server
    out="$("$BENCH" --hosts "127.0.0.1:$RS_PORT" --load "$n" --connections "$CLIENTS" \
      --pipeline 64 --value-size 100 2>&1)" || {
      echo "$out" >&2
      die "rewriting $n keys failed"
    }
  fi
  pid="${SYS_PIDS[0]}"
  wal="$(wal_mb)"
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null || true
  keep=()
  for p in "${PIDS[@]}"; do [[ "$p" == "$pid" ]] || keep+=("$p"); done
  PIDS=("${keep[@]}")
  restart_timed "$kind" "$round" "$wal" "$@"
}

section_restart() {
  log "restart: one ringkv node, $RESTART_KEYS keys"
  : >"$WORK/restart.tsv"
  start_ringkv_single restart
  RS_DIR="${SYS_DIRS[0]}"
  RS_PORT="${SYS_PORTS[0]}"
  load_keys restart ringkv "127.0.0.1:$RS_PORT" "$RESTART_KEYS"
  local round
  # Round 1 replays whatever the load left in the WAL; the later ones most of a memtable (16 MB
  # by default).
  for ((round = 1; round <= RESTART_ROUNDS; round++)); do
    kill9_round "kill -9" "$round" $((round == 1 ? 0 : RESTART_REWRITE))
  done
  for ((round = 1; round <= RESTART_ROUNDS; round++)); do
    stop_pids "${SYS_PIDS[@]}"
    restart_timed "SIGTERM" "$round" "$(wal_mb)"
  done
  # The replay time follows the WAL, which a memtable bounds: the same with the old default of
  # 64 MB memtables and most of one (400,000 keys) in the WAL.
  for ((round = 1; round <= RESTART_ROUNDS; round++)); do
    kill9_round "kill -9, 64mb" "$round" "$RESTART_REWRITE" --rocksdb-write-buffer-size 64mb
  done
  dir_bytes "$RS_DIR" >"$WORK/restart-dir-bytes"
  stop_pids "${SYS_PIDS[@]}"
  if ((KEEP == 0)); then rm -rf "$RS_DIR"; fi
}

# ---------------------------------------------------------------------------------------------
# Issue 10: the data structures.

# The tests of redis-benchmark 7.0's default run, in its order, with the names rb_default gives
# them (the CSV's names without "(first N elements)" and "(10 keys)").
FAM_DEFAULT_TESTS=(PING_INLINE PING_MBULK SET GET INCR LPUSH RPUSH LPOP RPOP SADD HSET SPOP ZADD
  ZPOPMIN "LPUSH (for LRANGE)" LRANGE_100 LRANGE_300 LRANGE_500 LRANGE_600 MSET)

# rb_default SYSTEM PORT: redis-benchmark's default run (no -t) with -n FAM_N; a RESULTS row per
# test (pipeline 1), and a failure row for each default test that printed no result.
rb_default() {
  local system="$1" port="$2" csv="$WORK/families-$1.csv" err="$WORK/families-$1.err" t0 rc=0
  t0=$SECONDS
  redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -d 100 -r 1000000 -n "$FAM_N" --csv \
    >"$csv" 2>"$err" || rc=$?
  log "$system: default run (-n $FAM_N) took $((SECONDS - t0)) s, exit status $rc"
  # Columns: test, rps, avg, min, p50, p95, p99, max (latencies in ms).
  awk -F, -v OFS='\t' -v sys="$system" '
    NR == 1 && /^"test"/ { next }
    { gsub(/"/, "")
      name = $1
      if (name ~ /^LPUSH \(needed/) name = "LPUSH (for LRANGE)"
      sub(/ \(first [0-9]+ elements\)/, "", name); sub(/ \(10 keys\)/, "", name)
      if ($2 ~ /^[0-9.]+$/) print "families", sys, name, 1, $2, $5, $7, "" }' "$csv" \
    >"$WORK/families-$1.tsv"
  cat "$WORK/families-$1.tsv" >>"$RESULTS"
  local test msg
  msg="$(grep -v -i 'could not fetch server config' "$err" | head -n 1 || true)"
  for test in "${FAM_DEFAULT_TESTS[@]}"; do
    awk -F'\t' -v t="$test" '$3 == t { found = 1 } END { exit !found }' \
      "$WORK/families-$1.tsv" && continue
    log "$system $test: no result (${msg:-redis-benchmark exit status $rc})"
    printf 'families\t%s\t%s\t1\t-\t-\t-\tno result: %s\n' "$system" "$test" \
      "${msg:-redis-benchmark exit status $rc}" >>"$RESULTS"
  done
}

# families_system SYSTEM PORT: the default run, then the -P 16 runs (sized as in bench_system).
families_system() {
  local TESTS=(lpush hset sadd zadd) PIPELINES=(16)
  rb_default "$1" "$2"
  bench_system families "$1" "$2"
}

section_families() {
  log "families: redis (appendonly yes, appendfsync everysec)"
  start_redis redis-aof "$WORK/fam-redis-aof" --appendonly yes --appendfsync everysec
  SYS_PIDS=("$LAST_PID")
  families_system redis-aof "$PORT"
  stop_pids "${SYS_PIDS[@]}"

  log "families: ringkv (appendfsync everysec)"
  start_ringkv_single fam-ringkv
  families_system ringkv "${SYS_PORTS[0]}"
  stop_pids "${SYS_PIDS[@]}"
}

# write_resp KIND N FILE: KIND zset = ZADD zset <score> m<i> with random scores, hash = HSET hash
# f<i> <16 hex chars>; 1000 members or fields a command; seeded, so every system gets the same.
write_resp() {
  "$PY" - "$@" <<'PYEOF'
import random
import sys
kind, n, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rng = random.Random(1)
def cmd(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)
with open(path, "wb") as f:
    for lo in range(0, n, 1000):
        args = [b"ZADD", b"zset"] if kind == "zset" else [b"HSET", b"hash"]
        for i in range(lo, min(n, lo + 1000)):
            if kind == "zset":
                args += [repr(rng.uniform(0, 1e6)).encode(), b"m%d" % i]
            else:
                args += [b"f%d" % i, b"%016x" % rng.getrandbits(64)]
        f.write(cmd(args))
PYEOF
}

# load_pipe SECTION SYSTEM PORT FILE N CHECK: sends FILE through redis-cli --pipe, checks that
# CHECK (e.g. "zcard zset") answers N, and records RSS and data-dir size of SYS_* in MEMORY.
load_pipe() {
  local section="$1" system="$2" port="$3" file="$4" n="$5" check="$6" t0 t1 got rps
  t0=$(date +%s.%N)
  redis-cli -h 127.0.0.1 -p "$port" --pipe <"$file" >"$WORK/$section-$system-pipe.log" 2>&1 ||
    die "redis-cli --pipe into $system failed: $(tail -n 3 "$WORK/$section-$system-pipe.log")"
  t1=$(date +%s.%N)
  # shellcheck disable=SC2086  # CHECK is a command and its arguments
  got="$(redis-cli -h 127.0.0.1 -p "$port" $check 2>&1 || true)"
  [[ "$got" == "$n" ]] || die "$system: $check answers '$got' after loading $n"
  rps="$(awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')"
  log "$system: $n loaded in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
  record_memory "$section" "$system" "$n" "$rps" "redis-cli --pipe, 1000 a command"
}

section_zset_rss() {
  log "zset-rss: writing ZADDs for $ZSET_MEMBERS members"
  write_resp zset "$ZSET_MEMBERS" "$WORK/zset.resp"

  log "zset-rss: redis (no persistence)"
  start_redis redis "$WORK/zset-redis" --appendonly no
  SYS_PIDS=("$LAST_PID")
  SYS_DIRS=("$WORK/zset-redis")
  load_pipe zset-rss redis "$PORT" "$WORK/zset.resp" "$ZSET_MEMBERS" "zcard zset"
  record_peak zset-rss redis
  stop_pids "${SYS_PIDS[@]}"

  log "zset-rss: ringkv (appendfsync everysec)"
  start_ringkv_single zset-ringkv
  load_pipe zset-rss ringkv "${SYS_PORTS[0]}" "$WORK/zset.resp" "$ZSET_MEMBERS" "zcard zset"
  record_peak zset-rss ringkv
  stop_pids "${SYS_PIDS[@]}"
  rm -f "$WORK/zset.resp"
}

# time_del SYSTEM PORT: the round trip of PING, then of DEL hash, from redis-py (one call each);
# a row in $WORK/del-time.tsv: system fields ping_ms del_ms deleted.
time_del() {
  "$PY" - "$2" <<'PYEOF' | awk -v OFS='\t' -v s="$1" -v n="$DH_FIELDS" '{ print s, n, $1, $2, $3 }' \
    >>"$WORK/del-time.tsv"
import sys
import time
import redis
r = redis.Redis(host="127.0.0.1", port=int(sys.argv[1]))
r.ping()
t = time.perf_counter()
r.ping()
ping = time.perf_counter() - t
t = time.perf_counter()
deleted = r.delete("hash")
took = time.perf_counter() - t
print("%.3f %.3f %d" % (ping * 1000, took * 1000, deleted))
PYEOF
  log "$1: $(tail -n 1 "$WORK/del-time.tsv" | awk -F'\t' '{ print "DEL of " $2 " fields: " $4 \
    " ms (PING " $3 " ms), deleted " $5 }')"
}

# disk_sample EVENT T0_NS: ringkv's INFO rocksdb_disk_bytes and du of its data dir, at the time
# since T0_NS (date +%s%N), as a row of $WORK/del-disk.tsv: event seconds info_bytes du_bytes.
disk_sample() {
  local info secs
  info="$(redis-cli -h 127.0.0.1 -p "$DH_PORT" info persistence 2>/dev/null |
    tr -d '\r' | sed -n 's/^rocksdb_disk_bytes://p')"
  secs="$(awk -v a="$2" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')"
  printf '%s\t%s\t%s\t%s\n' "$1" "$secs" "${info:-?}" "$(dir_bytes "$DH_DIR")" \
    >>"$WORK/del-disk.tsv"
  log "del-hash: $1 at $secs s: INFO rocksdb_disk_bytes ${info:-?}, du $(dir_bytes "$DH_DIR")"
}

section_del_hash() {
  log "del-hash: writing HSETs for $DH_FIELDS fields"
  write_resp hash "$DH_FIELDS" "$WORK/hash.resp"
  : >"$WORK/del-time.tsv"
  : >"$WORK/del-disk.tsv"

  log "del-hash: redis (appendonly yes, appendfsync everysec)"
  start_redis redis-aof "$WORK/del-redis-aof" --appendonly yes --appendfsync everysec
  SYS_PIDS=("$LAST_PID")
  SYS_DIRS=("$WORK/del-redis-aof")
  load_pipe del-hash redis-aof "$PORT" "$WORK/hash.resp" "$DH_FIELDS" "hlen hash"
  time_del redis-aof "$PORT"
  stop_pids "${SYS_PIDS[@]}"

  log "del-hash: ringkv (appendfsync everysec)"
  start_ringkv_single del-ringkv
  DH_DIR="${SYS_DIRS[0]}"
  DH_PORT="${SYS_PORTS[0]}"
  load_pipe del-hash ringkv "$DH_PORT" "$WORK/hash.resp" "$DH_FIELDS" "hlen hash"
  local t0 i until
  t0=$(date +%s%N)
  disk_sample "before DEL" "$t0"
  time_del ringkv "$DH_PORT"
  t0=$(date +%s%N)
  disk_sample "right after DEL" "$t0"
  # Every second for 10 s, then every 10 s.
  for ((i = 0; i < 10 && i < DH_WAIT; i++)); do
    sleep 1
    disk_sample "waiting" "$t0"
  done
  until=$((SECONDS + DH_WAIT - i))
  while ((SECONDS < until)); do
    sleep 10
    disk_sample "waiting" "$t0"
  done
  # A clean stop flushes the memtable; the restart opens the same directory.
  stop_pids "${SYS_PIDS[@]}"
  start_bg "$DH_DIR.restart.log" "$SERVER" --port "$DH_PORT" --bind 127.0.0.1 --dir "$DH_DIR" \
    --appendfsync everysec
  SYS_PIDS=("$LAST_PID")
  wait_ready "$DH_PORT" "$LAST_PID" "$DH_DIR.restart.log" "ringkv-server (restarted)"
  disk_sample "after restart" "$t0"
  until=$((SECONDS + DH_WAIT_RESTART))
  while ((SECONDS < until)); do
    sleep 10
    disk_sample "after restart, waiting" "$t0"
  done
  stop_pids "${SYS_PIDS[@]}"
  rm -f "$WORK/hash.resp"
}

# ---------------------------------------------------------------------------------------------
# Report.

print_results() {  # SECTION
  awk -F'\t' -v s="$1" 'BEGIN {
      printf "%-18s %-5s %3s %12s %9s %9s  %s\n", "system", "test", "P", "requests/s", "p50 ms",
             "p99 ms", ""
    }
    $1 == s { printf "%-18s %-5s %3s %12s %9s %9s  %s\n", $2, $3, $4, $5, $6, $7, $8 }' "$RESULTS"
}

# print_ratios SECTION "RINGKV|..." "REF|...": for each ringkv system, test and pipeline depth, its
# requests/s divided by each reference's, with the p50 and p99 ratios (lower is better).
print_ratios() {
  awk -F'\t' -v s="$1" -v rks="$2" -v refs="$3" '
    BEGIN { nrk = split(rks, rk, "|"); nref = split(refs, ref, "|") }
    $1 == s { rps[$2, $3, $4] = $5; p50[$2, $3, $4] = $6; p99[$2, $3, $4] = $7
              if ($4 != "-" && !(($3, $4) in seen)) { seen[$3, $4] = 1; order[++n] = $3 SUBSEP $4 }
            }
    END {
      printf "%-18s %-5s %3s", "ringkv", "test", "P"
      for (i = 1; i <= nref; i++) printf "  %-32s", "vs " ref[i]
      printf "\n"
      for (k = 1; k <= nrk; k++) for (j = 1; j <= n; j++) {
        split(order[j], tp, SUBSEP)
        printf "%-18s %-5s %3s", rk[k], tp[1], tp[2]
        for (i = 1; i <= nref; i++) {
          a = rps[rk[k], tp[1], tp[2]]; b = rps[ref[i], tp[1], tp[2]]
          if (a + 0 > 0 && b + 0 > 0)
            cell = sprintf("%.2fx (p50 %.2fx, p99 %.2fx)", a / b,
                           p50[rk[k], tp[1], tp[2]] / (p50[ref[i], tp[1], tp[2]] + 1e-9),
                           p99[rk[k], tp[1], tp[2]] / (p99[ref[i], tp[1], tp[2]] + 1e-9))
          else cell = "n/a"
          printf "  %-32s", cell
        }
        printf "\n"
      }
    }' "$RESULTS"
}

print_memory() {  # SECTION [COUNT_HEADER LOAD_HEADER]
  awk -F'\t' -v s="$1" -v ch="${2:-keys}" -v lh="${3:-load SET/s}" '
    function mb(kb) { return sprintf("%.1f MB", kb / 1024) }
    BEGIN {
      printf "%-18s %9s %12s %14s %12s %14s  %s\n", "system", ch, lh,
             "RSS after load", "data dir", "peak RSS (run)", "loaded with"
    }
    $1 == s {
      printf "%-18s %9s %12s %14s %12s %14s  %s\n", $2, $3, $4, mb($5), mb($6 / 1024),
             ($7 == "-" ? "-" : mb($7)), $8
    }' "$MEMORY"
}

# The families section: per test and pipeline depth, Redis and ringkv side by side, the ratio of
# their requests/s, and the geometric mean of the ratios of the default run.
print_families() {
  awk -F'\t' -v a=ringkv -v b=redis-aof '
    $1 == "families" { key = $3 SUBSEP $4; rps[$2, key] = $5; p50[$2, key] = $6; p99[$2, key] = $7
                       note[$2, key] = $8
                       if (!(key in seen)) { seen[key] = 1; order[++n] = key } }
    function cell(s, k) { return rps[s, k] + 0 > 0 ? sprintf("%10s %7s %7s", rps[s, k], p50[s, k],
                                                     p99[s, k]) : sprintf("%26s", "no result") }
    END {
      printf "%-20s %3s | %-26s | %-26s | %s\n", "", "", "redis-aof", "ringkv", "ringkv/redis"
      printf "%-20s %3s | %10s %7s %7s | %10s %7s %7s | %6s %6s\n", "test", "P", "req/s",
             "p50 ms", "p99 ms", "req/s", "p50 ms", "p99 ms", "req/s", "p50"
      for (i = 1; i <= n; i++) {
        split(order[i], tp, SUBSEP); k = order[i]
        r = "n/a"; q = ""
        if (rps[a, k] + 0 > 0 && rps[b, k] + 0 > 0) {
          r = sprintf("%.2fx", rps[a, k] / rps[b, k])
          q = sprintf("%.2fx", p50[a, k] / (p50[b, k] > 0 ? p50[b, k] : 0.001))
          if (tp[2] == 1) { lsum += log(rps[a, k] / rps[b, k]); nr++ }
        }
        printf "%-20s %3s | %s | %s | %6s %6s\n", tp[1], tp[2], cell(b, k), cell(a, k), r, q
        if (note[a, k] != "") printf "    ringkv: %s\n", note[a, k]
        if (note[b, k] != "") printf "    redis-aof: %s\n", note[b, k]
      }
      if (nr > 0) printf "default run (P 1): %d of 20 tests with both results; geometric mean" \
                         " of ringkv/redis req/s: %.2fx\n", nr, exp(lsum / nr)
    }' "$RESULTS"
}

print_del_hash() {
  awk -F'\t' '
    BEGIN { printf "%-10s %9s %14s %12s  %s\n", "system", "fields", "DEL ms", "PING ms", "deleted" }
    { printf "%-10s %9s %14s %12s  %s\n", $1, $2, $4, $3, $5; t[$1] = $4 }
    END { if (t["redis-aof"] > 0 && t["ringkv"] > 0)
            printf "DEL time, ringkv/redis: %.3fx\n", t["ringkv"] / t["redis-aof"] }' \
    "$WORK/del-time.tsv"
  echo
  echo "ringkv's disk (s = seconds since the DEL; the restart is a clean SIGTERM stop and a start):"
  awk -F'\t' '
    function mb(b) { return b ~ /^[0-9]+$/ ? sprintf("%.1f MB", b / 1048576) : b }
    BEGIN { printf "%-24s %7s %22s %14s\n", "when", "s", "INFO rocksdb_disk_bytes", "du data dir" }
    { printf "%-24s %7s %22s %14s\n", $1, $2, mb($3), mb($4) }' "$WORK/del-disk.tsv"
}

print_memory_ratio() {  # SECTION RINGKV REF
  awk -F'\t' -v s="$1" -v a="$2" -v b="$3" '
    $1 == s { rss[$2] = $5 }
    END {
      if (rss[a] > 0 && rss[b] > 0) printf "RSS after load, %s/%s: %.2fx\n", a, b, rss[a] / rss[b]
    }' "$MEMORY"
}

# The SUMMARY lines of the experiment's ringkv-bench runs as one table.
print_experiment() {
  printf '%-10s %8s %12s %10s %10s %10s %10s %10s %7s\n' system rate achieved p50 p90 p99 \
    p99.9 max errors
  local system out
  while read -r system && read -r out; do
    sed -n 's/^SUMMARY //p' "$out" | awk -v sys="$system" '
      function fmt(us) {
        if (us >= 1000000) return sprintf("%.2fs", us / 1e6)
        if (us >= 1000) return sprintf("%.2fms", us / 1e3)
        return sprintf("%dus", us)
      }
      {
        for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        printf "%-10s %8s %12s %10s %10s %10s %10s %10s %7s\n", sys, v["target_rps"],
               v["achieved_rps"], fmt(v["p50_us"]), fmt(v["p90_us"]), fmt(v["p99_us"]),
               fmt(v["p999_us"]), fmt(v["max_us"]), v["errors"] + v["unanswered"]
      }'
  done <"$WORK/exp-order"
}

# The forward runs: per round and rate, local and forwarded p50/p99 and forwarded/local; then the
# range over the rounds.
print_forward() {
  awk -F'\t' '
    function fmt(us) { return us >= 1000 ? sprintf("%.2fms", us / 1e3) : sprintf("%dus", us) }
    { a[$1, $2, $3] = $4; p50[$1, $2, $3] = $5; p99[$1, $2, $3] = $6; err[$1, $2, $3] = $7
      if (!(($1, $2) in seen)) { seen[$1, $2] = 1; order[++n] = $1 SUBSEP $2 }
      if (!($2 in rseen)) { rseen[$2] = 1; rates[++nr] = $2 } }
    END {
      printf "%5s %6s | %9s %9s %9s | %9s %9s %9s | %9s %9s %7s\n", "round", "rate", "local",
             "p50", "p99", "forwarded", "p50", "p99", "p50 f/l", "p99 f/l", "errors"
      for (j = 1; j <= n; j++) {
        split(order[j], k, SUBSEP); L = k[1] SUBSEP k[2] SUBSEP "local"
        F = k[1] SUBSEP k[2] SUBSEP "forwarded"
        if (!(L in p50) || !(F in p50)) continue
        r50 = p50[F] / (p50[L] > 0 ? p50[L] : 1); r99 = p99[F] / (p99[L] > 0 ? p99[L] : 1)
        printf "%5s %6s | %9.1f %9s %9s | %9.1f %9s %9s | %8.2fx %8.2fx %7d\n", k[1], k[2],
               a[L], fmt(p50[L]), fmt(p99[L]), a[F], fmt(p50[F]), fmt(p99[F]), r50, r99,
               err[L] + err[F]
        key = k[2]
        if (!(key in lo) || r50 < lo[key]) lo[key] = r50
        if (!(key in hi) || r50 > hi[key]) hi[key] = r50
        for (s = 1; s <= 2; s++) {
          set = s == 1 ? "local" : "forwarded"; v = p50[k[1], k[2], set]
          if (!((key, set) in plo) || v < plo[key, set]) plo[key, set] = v
          if (!((key, set) in phi) || v > phi[key, set]) phi[key, set] = v
        }
      }
      for (i = 1; i <= nr; i++) {
        R = rates[i]
        if (!(R in lo)) continue
        printf "at %s req/s: local p50 %s-%s, forwarded p50 %s-%s, forwarded/local p50 %.2f-%.2fx" \
               " (target <= 1.3x)\n", R, fmt(plo[R, "local"]), fmt(phi[R, "local"]),
               fmt(plo[R, "forwarded"]), fmt(phi[R, "forwarded"]), lo[R], hi[R]
      }
    }' "$WORK/fwd.tsv"
}

print_restart() {
  awk -F'\t' '
    BEGIN { printf "%-14s %5s %14s %18s %s\n", "stop", "round", "PONG after ms", "WAL before start",
                   "k0, k(N-1) there" }
    { printf "%-14s %5s %14s %15s MB %s\n", $1, $2, $3, $4, $5
      if (!($1 in lo) || $3 < lo[$1]) lo[$1] = $3
      if (!($1 in hi) || $3 > hi[$1]) hi[$1] = $3
      if (!($1 in seen)) { seen[$1] = 1; kinds[++n] = $1 } }
    END { for (i = 1; i <= n; i++)
            printf "%s: %d-%d ms to the first PONG (target < 1000 ms)\n", kinds[i], lo[kinds[i]],
                   hi[kinds[i]] }' "$WORK/restart.tsv"
}

report() {
  local cpu mem rev
  cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  mem="$(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo)"
  rev="$(git rev-parse --short HEAD 2>/dev/null || echo 'no commit')"
  [[ -n "$(git status --porcelain 2>/dev/null | head -n 1)" ]] && rev+=" + local changes"
  echo "ringkv benchmarks ($( ((QUICK)) && echo quick || echo full ) run, $(date '+%F %T'))"
  echo "machine: $(nproc) cores ($cpu), $mem RAM, Linux $(uname -r)"
  echo "NOTE: $(nproc) cores, shared by the servers and the load generators; one system at a time."
  echo "load average at start: $LOADAVG_START; at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "ringkv $rev; $(redis-server --version | awk '{ print $1, $2, $3 }');" \
    "$(nutcracker --version 2>&1 | head -n 1 || true)"
  echo "redis-benchmark -c $CLIENTS -d 100 -r 1000000 --csv, ~${TEST_SECS} s per run;" \
    "ringkv threads = default ($(nproc))"
  if [[ -z "$ONLY" || "$ONLY" == single ]]; then
    echo
    echo "== Single node: redis (no persistence), redis-aof (appendonly yes, appendfsync" \
      "everysec), ringkv (appendfsync everysec)"
    print_results single
    echo
    echo "Ratios, ringkv / reference (requests/s: higher is better; p50, p99: lower is better):"
    print_ratios single ringkv "redis|redis-aof"
    echo
    echo "Memory and disk, $LOAD_KEYS keys k<i> of 100 bytes loaded first:"
    print_memory single
    print_memory_ratio single ringkv redis
  fi
  if [[ -z "$ONLY" || "$ONLY" == cluster ]]; then
    echo
    echo "== Three shards: twemproxy+3redis (ketama), redis-cluster (3 masters, redis-benchmark" \
      "--cluster), ringkv-3 (3 nodes, entered via n1, n2, n3 in turn)"
    print_results cluster
    echo
    echo "Ratios, ringkv / reference (requests/s: higher is better; p50, p99: lower is better):"
    print_ratios cluster "ringkv-3 via n1|ringkv-3 via n2|ringkv-3 via n3" \
      "twemproxy+3redis|redis-cluster"
    echo
    echo "Memory and disk, $LOAD_KEYS keys k<i> of 100 bytes loaded first (sum over processes):"
    print_memory cluster
  fi
  if [[ (-z "$ONLY" || "$ONLY" == experiment) && -s "$WORK/exp-order" ]]; then
    echo
    echo "== Experiment: load $EXP_KEYS keys (k<i>, 100 bytes), then GET at fixed rates for" \
      "$EXP_SECS s"
    echo "   (ringkv-bench, open loop, -c $CLIENTS, latency from the intended send time)"
    print_experiment
    echo
    echo "Memory after loading $EXP_KEYS keys:"
    print_memory experiment
    print_memory_ratio experiment ringkv-1 redis
    echo
    echo "Full latency tables:"
    local system out
    while read -r system && read -r out; do
      echo "--- $system"
      cat "$out"
    done <"$WORK/exp-order"
  fi
  if [[ (-z "$ONLY" || "$ONLY" == forward) && -s "$WORK/fwd.tsv" ]]; then
    echo
    echo "== Forwarded vs local GET: 3 ringkv nodes, every request entered through n1; $EXP_KEYS" \
      "keys loaded"
    echo "   (ringkv-bench -c $CLIENTS, open loop, ${FWD_SECS} s per run after 2 s warm-up;" \
      "local = keys n1 owns, forwarded = the others)"
    cat "$WORK/fwd-keys-local.txt" "$WORK/fwd-keys-forwarded.txt" 2>/dev/null | sed 's/^/   /' ||
      true
    print_forward
  fi
  if [[ (-z "$ONLY" || "$ONLY" == families) && -s "$WORK/families-ringkv.csv" ]]; then
    echo
    echo "== Families (issue 10): redis-benchmark's default run (no -t), -c $CLIENTS -d 100" \
      "-r 1000000 -n $FAM_N, then -P 16 runs of ~${TEST_SECS} s; redis-aof = appendonly yes," \
      "appendfsync everysec; ringkv appendfsync everysec; a fresh server each"
    print_families
  fi
  if [[ (-z "$ONLY" || "$ONLY" == zset-rss) ]] && grep -q '^zset-rss' "$MEMORY"; then
    echo
    echo "== One sorted set of $ZSET_MEMBERS members (issue 10): redis (no persistence) and" \
      "ringkv (appendfsync everysec), loaded through redis-cli --pipe"
    print_memory zset-rss members "members/s"
    print_memory_ratio zset-rss ringkv redis
  fi
  if [[ (-z "$ONLY" || "$ONLY" == del-hash) && -s "$WORK/del-time.tsv" ]]; then
    echo
    echo "== DEL of one hash of $DH_FIELDS fields (issue 10): redis-aof (appendonly yes," \
      "everysec) and ringkv (appendfsync everysec); the round trip of one DEL from redis-py"
    print_memory del-hash fields "fields/s"
    print_del_hash
  fi
  if [[ (-z "$ONLY" || "$ONLY" == restart) && -s "$WORK/restart.tsv" ]]; then
    echo
    echo "== Restart: one ringkv node (appendfsync everysec) with $RESTART_KEYS keys of 100" \
      "bytes ($(awk '{ printf "%.2f GB", $1 / 1073741824 }' "$WORK/restart-dir-bytes" \
      2>/dev/null || echo '?') on disk)"
    echo "   time from exec to the first PONG (redis-cli ping every 10 ms); kill -9 round 1 right" \
      "after the load, later ones after a clean restart and $RESTART_REWRITE keys rewritten" \
      "(64mb rows: with --rocksdb-write-buffer-size 64mb, the default before 16mb)"
    print_memory restart
    print_restart
  fi
}

# ---------------------------------------------------------------------------------------------

if ((BUILD)); then
  log "building Release into $BUILD_DIR (scripts/build.sh)"
  scripts/build.sh --dir "$BUILD_DIR" >"$WORK/build.log" 2>&1 || {
    tail -n 30 "$WORK/build.log" >&2
    die "build failed"
  }
fi
[[ -x "$SERVER" ]] || die "$SERVER not found (build with scripts/build.sh)"
[[ -x "$BENCH" ]] || die "$BENCH not found (build with scripts/build.sh)"
LOADAVG_START="$(cut -d' ' -f1-3 /proc/loadavg)"
log "$(nproc) cores; load average $LOADAVG_START; work dir $WORK; one system at a time"

[[ -z "$ONLY" || "$ONLY" == single ]] && section_single
[[ -z "$ONLY" || "$ONLY" == cluster ]] && section_cluster
[[ -z "$ONLY" || "$ONLY" == experiment ]] && section_experiment
[[ -z "$ONLY" || "$ONLY" == forward ]] && section_forward
[[ -z "$ONLY" || "$ONLY" == restart ]] && section_restart
[[ -z "$ONLY" || "$ONLY" == families ]] && section_families
[[ -z "$ONLY" || "$ONLY" == zset-rss ]] && section_zset_rss
[[ -z "$ONLY" || "$ONLY" == del-hash ]] && section_del_hash
REPORTED=1
report
