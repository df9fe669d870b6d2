#!/usr/bin/python3
"""redis-benchmark smoke runs: every test must report a non-zero rate and no error.

Three runs, each with redis-benchmark's own client (no --cluster: a ringkv cluster must look like
one Redis to it):
  1. `-q -t ping,set,get,incr,mset -r 100000 -n 20000` against a single node;
  2. the default test list (no -t: PING_INLINE ... LRANGE_600, MSET; what a new user runs first)
     with `-q -r 100000 -n 5000` against a single node;
  3. the same default list through the entry node (n1) of a 3-node cluster
     (cluster/cluster_harness.py; against Debian's redis-server one server stands in for it).
The servers are started by harness.py (env RINGKV_SERVER) and stopped by PID; with --existing-port
runs 1 and 2 go to that port and run 3 is skipped. redis-benchmark 7 exits non-zero on the first
error reply ("Error from server: ..."), so the exit status, any line naming an error, and the final
rate of each expected test are all checked. Prints "N passed, N failed" (one count per expected
benchmark line of every run).
"""

import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "cluster"))
import harness  # noqa: E402

EXPECTED = ["PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET (10 keys)"]
# redis-benchmark 7.0's list when no -t is given, in its order.
DEFAULT_EXPECTED = [
    "PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "LPUSH", "RPUSH", "LPOP", "RPOP", "SADD",
    "HSET", "SPOP", "ZADD", "ZPOPMIN", "LPUSH (needed to benchmark LRANGE)",
    "LRANGE_100 (first 100 elements)", "LRANGE_300 (first 300 elements)",
    "LRANGE_500 (first 500 elements)", "LRANGE_600 (first 600 elements)", "MSET (10 keys)",
]
RATE_RE = re.compile(r"^(.+?): ([0-9.]+) requests per second")
ERROR_RE = re.compile(r"error|ERR|refused|closed the connection|WRONGTYPE", re.IGNORECASE)
BENCH_TIMEOUT_S = 120


def run_benchmark(label, port, test_args, expected):
    """One redis-benchmark run; returns (passed, failed, [problem lines])."""
    cmd = ["redis-benchmark", "-h", harness.HOST, "-p", str(port), "-q"] + test_args
    print("benchmark [%s]: %s" % (label, " ".join(cmd)))
    problems = []
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=BENCH_TIMEOUT_S)
        output, returncode = proc.stdout, proc.returncode
    except subprocess.TimeoutExpired as e:
        output, returncode = e.stdout or b"", None
        problems.append("redis-benchmark did not finish within %d s" % BENCH_TIMEOUT_S)
    # -q still prints progress lines ending in \r; keep only the finished ones.
    rates = {}
    for raw_line in output.decode("utf-8", "replace").split("\n"):
        line = raw_line.split("\r")[-1].strip()
        if not line:
            continue
        print("  " + line)
        m = RATE_RE.match(line)
        if m:
            rates[m.group(1)] = float(m.group(2))
        if ERROR_RE.search(line):
            problems.append("error line: %s" % line)
    if returncode not in (0, None):
        problems.append("redis-benchmark exited with %d" % returncode)
    passed = failed = 0
    for name in expected:
        rate = rates.get(name)
        if rate is None:
            problems.append("no result line for %s" % name)
            failed += 1
        elif rate <= 0:
            problems.append("zero rate for %s" % name)
            failed += 1
        else:
            passed += 1
    unexpected = sorted(set(rates) - set(expected))
    if unexpected:
        problems.append("result lines not expected: %s" % unexpected)
    if problems and failed == 0:
        failed = 1
    return passed, failed, ["[%s] %s" % (label, p) for p in problems]


def single_node_runs(port, n):
    """Runs 1 and 2 against one server on port."""
    runs = [("single -t", ["-t", "ping,set,get,incr,mset", "-r", "100000", "-n", str(n)],
             EXPECTED),
            ("single default", ["-r", "100000", "-n", "5000"], DEFAULT_EXPECTED)]
    return [run_benchmark(label, port, test_args, expected)
            for label, test_args, expected in runs]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--existing-port", type=int)
    ap.add_argument("-n", type=int, default=20000, help="requests per test of the -t run")
    ap.add_argument("--no-cluster", action="store_true", help="skip the 3-node cluster run")
    args = ap.parse_args()

    results = []
    if args.existing_port:
        results += single_node_runs(args.existing_port, args.n)
    else:
        server = harness.start_server(name="bench")
        try:
            results += single_node_runs(server.port, args.n)
            if not server.alive():
                results.append((0, 1, ["[single] server died; log tail:\n%s" %
                                       server.log_tail()]))
        finally:
            server.cleanup()

    if not args.existing_port and not args.no_cluster:
        import cluster_harness  # redis-py, only needed here
        cluster = cluster_harness.Cluster(n=3, name="bench-cluster")
        try:
            cluster.start()
            entry = cluster.nodes[0]
            results.append(run_benchmark("cluster via %s" % entry.id, entry.port,
                                         ["-r", "100000", "-n", "5000"], DEFAULT_EXPECTED))
            dead = [node.id for node in cluster.nodes if not node.server.alive()]
            if dead:
                results.append((0, 1, ["[cluster] nodes died: %s; log tail of %s:\n%s" %
                                       (dead, dead[0], cluster.node(dead[0]).log_tail())]))
        except harness.ServerError as e:
            results.append((0, 1, ["[cluster] did not start: %s" % e]))
        finally:
            cluster.cleanup()

    passed = sum(r[0] for r in results)
    failed = sum(r[1] for r in results)
    problems = [p for r in results for p in r[2]]
    for p in problems:
        print("PROBLEM: " + p)
    print("benchmark: %d passed, %d failed" % (passed, failed))
    return 1 if problems or failed else 0


if __name__ == "__main__":
    sys.exit(main())
