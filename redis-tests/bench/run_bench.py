#!/usr/bin/python3
"""redis-benchmark smoke run: every test must report a non-zero rate and no error.

Runs `redis-benchmark -p PORT -q -t ping,set,get,incr,mset -r 100000 -n 20000` against the server
under test (env RINGKV_SERVER, started by harness.py) or --existing-port. redis-benchmark 7 exits
non-zero on the first error reply ("Error from server: ..."), so the exit status, any line naming
an error, and the final rate of each expected test are all checked. Prints "N passed, N failed"
(one count per expected benchmark line).
"""

import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import harness  # noqa: E402

EXPECTED = ["PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET (10 keys)"]
RATE_RE = re.compile(r"^(.+?): ([0-9.]+) requests per second")
ERROR_RE = re.compile(r"error|ERR|refused|closed the connection|WRONGTYPE", re.IGNORECASE)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--existing-port", type=int)
    ap.add_argument("-n", type=int, default=20000)
    args = ap.parse_args()

    server = None
    try:
        if args.existing_port:
            port = args.existing_port
        else:
            server = harness.start_server(name="bench")
            port = server.port
        cmd = ["redis-benchmark", "-h", harness.HOST, "-p", str(port), "-q",
               "-t", "ping,set,get,incr,mset", "-r", "100000", "-n", str(args.n)]
        print("benchmark: %s" % " ".join(cmd))
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=240)
        # -q still prints progress lines ending in \r; keep only the finished ones.
        lines = []
        for raw_line in proc.stdout.decode("utf-8", "replace").split("\n"):
            last = raw_line.split("\r")[-1].strip()
            if last:
                lines.append(last)
        rates = {}
        problems = []
        for line in lines:
            print("  " + line)
            m = RATE_RE.match(line)
            if m:
                rates[m.group(1)] = float(m.group(2))
            if ERROR_RE.search(line):
                problems.append("error line: %s" % line)
        if proc.returncode != 0:
            problems.append("redis-benchmark exited with %d" % proc.returncode)
        if server is not None and not server.alive():
            problems.append("server died; log tail:\n%s" % server.log_tail())
    finally:
        if server is not None:
            server.cleanup()

    passed = failed = 0
    for name in EXPECTED:
        rate = rates.get(name)
        if rate is None:
            problems.append("no result line for %s" % name)
            failed += 1
        elif rate <= 0:
            problems.append("zero rate for %s" % name)
            failed += 1
        else:
            passed += 1
    for p in problems:
        print("PROBLEM: " + p)
    if problems and failed == 0:
        failed = 1
    print("benchmark: %d passed, %d failed" % (passed, failed))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
