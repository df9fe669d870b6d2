#!/usr/bin/python3
"""redis-cli golden tests: run each case against the server and diff with its golden output.

Cases live in cli/cases/:
  NAME.cmds  one command per line, piped to `redis-cli -p PORT --no-raw` (non-interactive);
  NAME.sh    a bash script run with $CLI (= "redis-cli -p PORT") and $PORT, for --pipe, --scan,
             argument forms, -x, -r and -3;
  NAME.out   the expected stdout (+ stderr) of the case.
The database is flushed before each case. Goldens are made from Debian's redis-server only:
`run_cli.py --update` starts the reference and rewrites every NAME.out, so the reference defines
them and ringkv is held to them.

Usage: run_cli.py [--update] [--existing-port N] [CASE ...]
The server under test is env RINGKV_SERVER (see harness.py). Prints "N passed, N failed".
"""

import argparse
import difflib
import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import harness  # noqa: E402

CASES_DIR = os.path.join(HERE, "cases")
CASE_TIMEOUT_S = 60


def run_case(path, port):
    cli = "redis-cli -h %s -p %d" % (harness.HOST, port)
    env = dict(os.environ, CLI=cli, PORT=str(port), LC_ALL="C")
    if path.endswith(".cmds"):
        with open(path, "rb") as f:
            proc = subprocess.run(["redis-cli", "-h", harness.HOST, "-p", str(port), "--no-raw"],
                                  stdin=f, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  timeout=CASE_TIMEOUT_S, env=env)
    else:
        proc = subprocess.run(["bash", "-eo", "pipefail", path], stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=CASE_TIMEOUT_S, env=env)
    out = proc.stdout.decode("utf-8", "replace")
    if proc.returncode != 0:
        out += "[exit status %d]\n" % proc.returncode
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--update", action="store_true",
                    help="rewrite goldens from Debian's redis-server (the reference)")
    ap.add_argument("--existing-port", type=int)
    ap.add_argument("cases", nargs="*")
    args = ap.parse_args()

    paths = sorted(glob.glob(os.path.join(CASES_DIR, "*.cmds")) +
                   glob.glob(os.path.join(CASES_DIR, "*.sh")))
    if args.cases:
        paths = [p for p in paths if os.path.splitext(os.path.basename(p))[0] in args.cases]
    if not paths:
        print("no cases selected")
        return 2

    server = None
    if args.existing_port:
        port = args.existing_port
    else:
        binary = harness.REFERENCE_BINARY if args.update else harness.server_binary()
        server = harness.Server(binary=binary, name="cli")
        server.start()
        port = server.port
    print("redis_cli: %s on port %d" % (server.binary if server else "existing server", port))

    passed, failed = 0, []
    try:
        for path in paths:
            name = os.path.basename(path)
            golden = os.path.splitext(path)[0] + ".out"
            with harness.RespConnection(harness.HOST, port) as c:
                c.call("FLUSHALL")
            got = run_case(path, port)
            if args.update:
                with open(golden, "w") as f:
                    f.write(got)
                print("updated %s" % os.path.basename(golden))
                passed += 1
                continue
            with open(golden) as f:
                want = f.read()
            if got == want:
                passed += 1
                print("PASS %s" % name)
            else:
                failed.append(name)
                print("FAIL %s" % name)
                sys.stdout.writelines(difflib.unified_diff(
                    want.splitlines(True), got.splitlines(True), "expected/" + name,
                    "got/" + name))
            if server is not None and not server.alive():
                print("server died during %s; log tail:\n%s" % (name, server.log_tail()))
                failed.append("(server died)")
                break
    finally:
        if server is not None:
            server.cleanup()

    if failed:
        print("failed cases: %s" % ", ".join(failed))
    print("%d passed, %d failed" % (passed, len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
