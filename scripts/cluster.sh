#!/usr/bin/env bash
# Runs a local ringkv cluster: N nodes on 127.0.0.1, ids n1..nN, one data dir each.
# Usage: scripts/cluster.sh start [N] [base-port] [ringkv-server options...]
#        scripts/cluster.sh stop | status | clean | --help
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'EOF'
scripts/cluster.sh: run a local ringkv cluster on 127.0.0.1.

  scripts/cluster.sh start [N] [base-port] [options...]
      Starts N nodes (default 3) with ids n1..nN on ports base-port..base-port+N-1
      (default 7001). Every node gets the same --cluster-nodes list. Refuses to start if a
      node is already running or a port is in use. Waits until every node answers PING.
      Options after N and base-port go to every node unchanged, e.g.
        scripts/cluster.sh start 3 7001 --appendfsync always --cluster-vnodes 512
  scripts/cluster.sh status
      Shows each node up or down, its PID and its own key count (INFO keyspace).
  scripts/cluster.sh stop
      Stops the nodes whose PIDs start recorded: SIGTERM, then SIGKILL after 5 s. Keeps data.
  scripts/cluster.sh clean
      Removes the cluster folder (data, logs); only when no node is running.

Files: <cluster dir>/<id>/ (data), <id>.log, <id>.pid, <id>.port, nodes (the --cluster-nodes
list). The cluster dir is .cluster/ in the repository (git-ignored), or $RINGKV_CLUSTER_DIR.
The binary is $RINGKV_SERVER, else build/ringkv-server (build it with scripts/build.sh).
With --requirepass, export REDISCLI_AUTH=<password> so that status and redis-cli can log in.
EOF
}

CLUSTER_DIR="${RINGKV_CLUSTER_DIR:-.cluster}"
SERVER="${RINGKV_SERVER:-build/ringkv-server}"
STOP_GRACE_S=5
START_TIMEOUT_S=10

die() {
  echo "cluster.sh: $*" >&2
  exit 1
}

have_cli() { command -v redis-cli >/dev/null 2>&1; }

# Node ids recorded in the cluster dir, in numeric order (n1 n2 ... n10).
recorded_ids() {
  local f
  for f in "$CLUSTER_DIR"/n*.port; do
    [[ -e "$f" ]] || continue
    f="${f##*/}"
    echo "${f%.port}"
  done | sort -V
}

# True when PID is alive and is the ringkv node with this id (guards against a reused PID).
is_our_node() {
  local pid="$1" id="$2"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "--cluster-myself $id " || return 1
}

node_pid() { cat "$CLUSTER_DIR/$1.pid" 2>/dev/null || true; }
node_port() { cat "$CLUSTER_DIR/$1.port" 2>/dev/null || true; }

port_in_use() {
  local port="$1"
  if command -v ss >/dev/null 2>&1; then
    ss -Htln "sport = :$port" 2>/dev/null | grep -q . && return 0
  fi
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
  return 1
}

# PING through redis-cli (or a bare RESP PING over /dev/tcp); "up" also when AUTH is required.
node_answers() {
  local port="$1" reply
  if have_cli; then
    reply="$(timeout 2 redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null || true)"
  else
    reply="$(timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; printf 'PING\r\n' >&3; \
      head -c 7 <&3" 2>/dev/null || true)"
  fi
  [[ "$reply" == *PONG* || "$reply" == *NOAUTH* ]]
}

cmd_start() {
  local n=3 base=7001
  if [[ $# -gt 0 && "$1" =~ ^[0-9]+$ ]]; then n="$1"; shift; fi
  if [[ $# -gt 0 && "$1" =~ ^[0-9]+$ ]]; then base="$1"; shift; fi
  local passthrough=("$@")
  ((n >= 1 && n <= 64)) || die "N must be between 1 and 64 (got $n)"
  ((base >= 1 && base + n - 1 <= 65535)) || die "bad base port $base"
  [[ -x "$SERVER" ]] || die "$SERVER not found; run scripts/build.sh first (or set RINGKV_SERVER)"

  local id pid port i
  for id in $(recorded_ids); do
    pid="$(node_pid "$id")"
    if is_our_node "$pid" "$id"; then
      die "node $id is already running (pid $pid); run scripts/cluster.sh stop first"
    fi
  done
  for ((i = 0; i < n; i++)); do
    port=$((base + i))
    if port_in_use "$port"; then die "port $port is in use; pick another base port"; fi
  done

  mkdir -p "$CLUSTER_DIR"
  rm -f "$CLUSTER_DIR"/n*.pid "$CLUSTER_DIR"/n*.port
  local nodes=""
  for ((i = 1; i <= n; i++)); do
    nodes+="${nodes:+,}n$i@127.0.0.1:$((base + i - 1))"
  done
  echo "$nodes" >"$CLUSTER_DIR/nodes"

  for ((i = 1; i <= n; i++)); do
    id="n$i"
    port=$((base + i - 1))
    mkdir -p "$CLUSTER_DIR/$id"
    echo "$port" >"$CLUSTER_DIR/$id.port"
    echo "=== $(date '+%F %T') cluster.sh start: $id on 127.0.0.1:$port" >>"$CLUSTER_DIR/$id.log"
    nohup "$SERVER" --port "$port" --bind 127.0.0.1 --dir "$CLUSTER_DIR/$id" \
      --cluster-myself "$id" --cluster-nodes "$nodes" "${passthrough[@]}" \
      >>"$CLUSTER_DIR/$id.log" 2>&1 </dev/null &
    echo $! >"$CLUSTER_DIR/$id.pid"
  done

  # Wait for every node; if one dies or stays silent, stop them all and show its log.
  local deadline=$((SECONDS + START_TIMEOUT_S)) waiting
  while :; do
    waiting=0
    for ((i = 1; i <= n; i++)); do
      id="n$i"
      pid="$(node_pid "$id")"
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "cluster.sh: node $id exited at start; last lines of $CLUSTER_DIR/$id.log:" >&2
        tail -n 15 "$CLUSTER_DIR/$id.log" >&2
        cmd_stop >/dev/null
        exit 1
      fi
      node_answers "$(node_port "$id")" || waiting=1
    done
    ((waiting == 0)) && break
    if ((SECONDS >= deadline)); then
      echo "cluster.sh: not every node answered PING within ${START_TIMEOUT_S}s" >&2
      cmd_stop >/dev/null
      exit 1
    fi
    sleep 0.1
  done

  # A node that started before its peers may still be in its reconnect backoff towards them:
  # wait until DBSIZE (which asks every node) answers through every node.
  if have_cli; then
    local reply ready
    deadline=$((SECONDS + START_TIMEOUT_S))
    for ((i = 1; i <= n; i++)); do
      while :; do
        reply="$(timeout 2 redis-cli -h 127.0.0.1 -p "$(node_port "n$i")" dbsize 2>&1 || true)"
        ready=0
        [[ "$reply" =~ ^[0-9]+$ || "$reply" == *NOAUTH* ]] && ready=1
        ((ready == 1)) && break
        if ((SECONDS >= deadline)); then
          echo "cluster.sh: warning: n$i cannot reach every peer yet: $reply" >&2
          break
        fi
        sleep 0.1
      done
    done
  fi

  echo "cluster: $n nodes up ($nodes)"
  echo "data and logs in $CLUSTER_DIR/"
  echo "connect to any node, e.g.:"
  echo "  redis-cli -p $base"
  echo "  redis-cli -p $((base + n - 1)) cluster keynode mykey"
  echo "then: scripts/cluster.sh status | scripts/cluster.sh stop"
}

cmd_stop() {
  local id pid ids=() pids=()
  for id in $(recorded_ids); do
    pid="$(node_pid "$id")"
    if is_our_node "$pid" "$id"; then
      kill -TERM "$pid" 2>/dev/null || true
      ids+=("$id")
      pids+=("$pid")
    fi
  done
  local deadline=$((SECONDS + STOP_GRACE_S)) alive i
  while :; do
    alive=0
    for i in "${!pids[@]}"; do
      kill -0 "${pids[$i]}" 2>/dev/null && alive=1
    done
    ((alive == 0 || SECONDS >= deadline)) && break
    sleep 0.1
  done
  for i in "${!pids[@]}"; do
    if kill -0 "${pids[$i]}" 2>/dev/null; then
      echo "node ${ids[$i]} (pid ${pids[$i]}) did not exit after SIGTERM; SIGKILL"
      kill -KILL "${pids[$i]}" 2>/dev/null || true
    fi
  done
  rm -f "$CLUSTER_DIR"/n*.pid
  if ((${#ids[@]} == 0)); then
    echo "cluster: no node running"
  else
    echo "cluster: stopped ${ids[*]} (data kept in $CLUSTER_DIR/)"
  fi
}

# The node's own key count from INFO keyspace ("db0:keys=N,..."), or "?" when unavailable.
local_keys() {
  local port="$1" info
  have_cli || { echo "?"; return; }
  info="$(timeout 2 redis-cli -h 127.0.0.1 -p "$port" info keyspace 2>/dev/null || true)"
  if [[ "$info" == *NOAUTH* ]]; then
    echo "? (auth required: export REDISCLI_AUTH)"
  elif [[ "$info" =~ db0:keys=([0-9]+) ]]; then
    echo "${BASH_REMATCH[1]}"
  else
    echo 0
  fi
}

cmd_status() {
  local id pid port up=0 total=0 first_up=""
  for id in $(recorded_ids); do
    pid="$(node_pid "$id")"
    port="$(node_port "$id")"
    total=$((total + 1))
    if is_our_node "$pid" "$id" && node_answers "$port"; then
      up=$((up + 1))
      first_up="${first_up:-$port}"
      printf '%-4s 127.0.0.1:%-5s pid %-8s up    keys=%s\n' "$id" "$port" "$pid" \
        "$(local_keys "$port")"
    elif is_our_node "$pid" "$id"; then
      printf '%-4s 127.0.0.1:%-5s pid %-8s not answering\n' "$id" "$port" "$pid"
    else
      printf '%-4s 127.0.0.1:%-5s %-12s down\n' "$id" "$port" ""
    fi
  done
  if ((total == 0)); then
    echo "cluster: none started in $CLUSTER_DIR/ (scripts/cluster.sh start)"
    return 0
  fi
  local summary="cluster: $up of $total nodes up"
  if [[ -n "$first_up" ]] && have_cli; then
    summary+=", DBSIZE $(timeout 5 redis-cli -h 127.0.0.1 -p "$first_up" dbsize 2>&1 || true)"
  fi
  echo "$summary"
}

cmd_clean() {
  local id
  [[ -n "$CLUSTER_DIR" && "$CLUSTER_DIR" != "/" ]] || die "refusing to remove '$CLUSTER_DIR'"
  for id in $(recorded_ids); do
    if is_our_node "$(node_pid "$id")" "$id"; then
      die "node $id is running; run scripts/cluster.sh stop first"
    fi
  done
  rm -rf "$CLUSTER_DIR"
  echo "cluster: removed $CLUSTER_DIR/"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  clean) cmd_clean ;;
  -h | --help | help) usage ;;
  *) usage >&2; exit 2 ;;
esac
