#!/usr/bin/python3
"""Differential test: the same raw RESP traffic to Debian's redis-server and to ringkv.

Both servers are started by harness.py (reference: /usr/bin/redis-server --save '' --appendonly no;
under test: env RINGKV_SERVER). Every section of the sequences file runs on a fresh connection to
each server after FLUSHALL, once in RESP2 and once after `HELLO 3`, and the raw reply bytes of each
command are compared; then each section once more as a single pipelined stream cut into random
small writes. A mismatch prints the command and a diff of both replies.

Sequence file syntax (differential/sequences.txt):
  === NAME          starts a section (fresh connections, FLUSHALL on both)
  CMD ARG ...       a command; arguments split like redis-cli: "double quotes" with \\n \\r \\t
                    \\xHH \\" \\\\ escapes, 'single quotes' literal
  ~ CMD ...         compare only the reply's type byte (TIME, PTTL, CONFIG GET port, ...)
  ^ CMD ...         compare with every flat array inside the reply sorted (KEYS: order is free)
  ? CMD ...         send, read the reply, do not compare (set-up whose reply may differ)
  @sleep MS         pause both sides
  @scanall ARG ...  full SCAN iteration (SCAN cursor ARG... until cursor 0) on each server;
                    compare the sorted set of keys seen (cursors themselves legitimately differ)
  @resp2only        the rest of this section runs only in the RESP2 pass
  === auth: NAME    a section that runs (RESP2 pass only) against a second pair of servers
                    started with --requirepass difftest; the section's connection starts
                    unauthenticated
  !proto EXPR       protocol section: EXPR is a Python bytes expression sent on a fresh
                    connection; compare all bytes received until the server closes or goes quiet,
                    and whether it closed
Lines starting with # are comments.

Usage: differential.py [--sequences FILE]... [--reference-port N --test-port N] [--verbose]
Prints "differential: N passed, N failed" (one count per compared reply).
"""

import argparse
import concurrent.futures
import difflib
import glob
import os
import random
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import harness  # noqa: E402

REPLY_TIMEOUT_S = 10.0
PROTO_QUIET_S = 0.5


def split_args(line):
    """redis-cli / sdssplitargs style argument splitting; returns a list of bytes."""
    args = []
    i, n = 0, len(line)
    while True:
        while i < n and line[i].isspace():
            i += 1
        if i >= n:
            return args
        cur = bytearray()
        if line[i] == '"':
            i += 1
            while True:
                if i >= n:
                    raise ValueError("unbalanced double quote in: %s" % line)
                c = line[i]
                if c == "\\" and i + 1 < n:
                    nxt = line[i + 1]
                    if nxt == "x" and i + 3 < n:
                        cur.append(int(line[i + 2:i + 4], 16))
                        i += 4
                        continue
                    cur += {"n": b"\n", "r": b"\r", "t": b"\t", "b": b"\b", "a": b"\a"}.get(
                        nxt, nxt.encode("utf-8"))
                    i += 2
                    continue
                if c == '"':
                    i += 1
                    break
                cur += c.encode("utf-8")
                i += 1
        elif line[i] == "'":
            i += 1
            while True:
                if i >= n:
                    raise ValueError("unbalanced single quote in: %s" % line)
                c = line[i]
                if c == "\\" and i + 1 < n and line[i + 1] == "'":
                    cur += b"'"
                    i += 2
                    continue
                if c == "'":
                    i += 1
                    break
                cur += c.encode("utf-8")
                i += 1
        else:
            while i < n and not line[i].isspace():
                cur += line[i].encode("utf-8")
                i += 1
        args.append(bytes(cur))


class Step:
    def __init__(self, kind, args, lineno, text, resp2only=False):
        self.kind = kind  # exact, type, sorted, nocompare, sleep, scanall, proto
        self.args = args
        self.lineno = lineno
        self.text = text
        self.resp2only = resp2only


def load_sequences(path):
    sections = []
    current = None
    resp2only = False
    with open(path, encoding="utf-8") as f:
        for lineno, raw_line in enumerate(f, 1):
            line = raw_line.rstrip("\n")
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if stripped.startswith("==="):
                current = (stripped[3:].strip(), [])
                sections.append(current)
                resp2only = False
                continue
            if current is None:
                raise ValueError("%s:%d: command before the first === section" % (path, lineno))
            if stripped == "@resp2only":
                resp2only = True
                continue
            kind = "exact"
            body = stripped
            if stripped[0] in "~^?":
                kind = {"~": "type", "^": "sorted", "?": "nocompare"}[stripped[0]]
                body = stripped[1:].strip()
            elif stripped.startswith("@sleep"):
                kind, body = "sleep", stripped[len("@sleep"):].strip()
                current[1].append(Step(kind, float(body) / 1000.0, lineno, stripped, resp2only))
                continue
            elif stripped.startswith("@scanall"):
                kind, body = "scanall", stripped[len("@scanall"):].strip()
            elif stripped.startswith("!proto"):
                expr = stripped[len("!proto"):].strip()
                data = eval(expr, {"__builtins__": {}}, {})  # test data of this repo only
                if not isinstance(data, bytes):
                    raise ValueError("%s:%d: !proto needs a bytes expression" % (path, lineno))
                current[1].append(Step("proto", data, lineno, stripped, resp2only))
                continue
            current[1].append(Step(kind, split_args(body), lineno, stripped, resp2only))
    return sections


def sort_flat_arrays(value):
    """Recursively sorts every list whose items are all bytes/None, for order-free comparison."""
    if isinstance(value, list):
        items = [sort_flat_arrays(v) for v in value]
        if all(v is None or isinstance(v, bytes) for v in items):
            return type(value)(sorted(items, key=lambda v: (v is not None, v or b"")))
        return type(value)(items)
    if isinstance(value, dict):
        return {k: sort_flat_arrays(v) for k, v in value.items()}
    return value


class Side:
    """One server's connection for a section."""

    def __init__(self, name, port):
        self.name = name
        self.port = port
        self.conn = None

    def open(self):
        self.close()
        self.conn = harness.RespConnection(harness.HOST, self.port, timeout=REPLY_TIMEOUT_S)

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None

    def call(self, args):
        """Returns (raw_bytes, value); on timeout or close, a marker and reconnects."""
        try:
            self.conn.send(*args)
            return self.conn.read()
        except socket.timeout:
            self.open()
            return b"<no reply within %ss>" % str(REPLY_TIMEOUT_S).encode(), None
        except (harness.ConnectionClosed, ConnectionError) as e:
            self.open()
            return ("<connection closed: %s>" % e).encode(), None

    def scan_all(self, extra):
        keys = set()
        cursor = b"0"
        for _ in range(100000):
            raw, value = self.call([b"SCAN", cursor] + extra)
            if not isinstance(value, list) or len(value) != 2:
                return None, raw
            cursor, batch = value
            keys.update(batch)
            if cursor == b"0":
                return keys, None
        return None, b"<SCAN did not finish in 100000 calls>"


def proto_exchange(port, data):
    """Send raw bytes on a fresh connection; collect the bytes until close or quiet."""
    out = b""
    closed = False
    s = socket.create_connection((harness.HOST, port), timeout=REPLY_TIMEOUT_S)
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        s.settimeout(PROTO_QUIET_S)
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            out += chunk
    finally:
        s.close()
    return out, closed


def show(raw):
    """A reply as readable lines (repr, broken after each CRLF) for diffs."""
    lines = repr(raw)[2:-1].replace("\\r\\n", "\\r\\n\n").splitlines()
    return [line + "\n" for line in lines]


class Result:
    def __init__(self, verbose):
        self.passed = 0
        self.failed = 0
        self.type_only = 0
        self.verbose = verbose
        self.failures = []

    def check(self, where, step, ref, got, equal):
        if equal:
            self.passed += 1
            if self.verbose:
                print("ok   %s: %s" % (where, step.text))
            return
        self.failed += 1
        self.failures.append((where, step.text, ref, got))
        print("MISMATCH %s (line %d): %s" % (where, step.lineno, step.text))
        sys.stdout.writelines(difflib.unified_diff(show(ref), show(got), "redis-server",
                                                   "ringkv", n=20))


AUTH_PASSWORD = b"difftest"


def run_section(name, steps, ref, test, proto, result):
    where = "%s [RESP%d]" % (name, proto)
    auth = name.startswith("auth:")
    if auth and proto == 3:
        return
    ref.open()
    test.open()
    try:
        for side in (ref, test):
            if auth:
                with harness.RespConnection(harness.HOST, side.port) as admin:
                    assert admin.call(b"AUTH", AUTH_PASSWORD) == "OK"
                    admin.call(b"FLUSHALL")
                continue
            side.call([b"FLUSHALL"])
            if proto == 3:
                raw, value = side.call([b"HELLO", b"3"])
                if not raw.startswith(b"%"):
                    result.check(where, Step("type", [], 0, "HELLO 3"), b"%...", raw, False)
                    return
        for step in steps:
            if proto == 3 and step.resp2only:
                continue
            if step.kind == "sleep":
                time.sleep(step.args)
                continue
            if step.kind == "proto":
                if proto == 3:
                    continue
                # Both sides at once: a connection that stays open costs the quiet period.
                with concurrent.futures.ThreadPoolExecutor(2) as pool:
                    ref_f = pool.submit(proto_exchange, ref.port, step.args)
                    got_f = pool.submit(proto_exchange, test.port, step.args)
                    (ref_out, ref_closed), (got_out, got_closed) = ref_f.result(), got_f.result()
                ref_out += b"<closed>" if ref_closed else b"<open>"
                got_out += b"<closed>" if got_closed else b"<open>"
                result.check(where, step, ref_out, got_out, ref_out == got_out)
                continue
            if step.kind == "scanall":
                ref_keys, ref_err = ref.scan_all(step.args)
                got_keys, got_err = test.scan_all(step.args)
                a = ref_err if ref_keys is None else b"\n".join(sorted(ref_keys))
                b = got_err if got_keys is None else b"\n".join(sorted(got_keys))
                result.check(where, step, a, b, ref_keys is not None and a == b)
                continue
            ref_raw, ref_val = ref.call(step.args)
            got_raw, got_val = test.call(step.args)
            if step.kind == "nocompare":
                continue
            compare_reply(where, step, ref_raw, ref_val, got_raw, got_val, result)
    finally:
        ref.close()
        test.close()


def compare_reply(where, step, ref_raw, ref_val, got_raw, got_val, result):
    if step.kind == "exact":
        result.check(where, step, ref_raw, got_raw, ref_raw == got_raw)
    elif step.kind == "type":
        result.type_only += 1
        result.check(where, step, ref_raw, got_raw, ref_raw[:1] == got_raw[:1])
    elif step.kind == "sorted":
        a, b = sort_flat_arrays(ref_val), sort_flat_arrays(got_val)
        same = ref_raw[:1] == got_raw[:1] and a == b and type(a) is type(b)
        result.check(where, step, ref_raw, got_raw, same)


def run_section_pipelined(name, steps, ref, test, result):
    """The whole section as one pipelined stream, cut into random 1..64-byte writes (the same
    cuts for both servers); replies read afterwards, in order. Sections with sleeps, SCAN loops
    or raw protocol cases are not pipelineable and are skipped."""
    if name.startswith("auth:") or any(s.kind in ("sleep", "scanall", "proto") for s in steps):
        return
    where = "%s [RESP2 pipelined]" % name
    cmds = list(steps)
    stream = b"".join(harness.encode_command(*s.args) for s in cmds)
    rnd = random.Random(name)
    cuts = []
    pos = 0
    while pos < len(stream):
        n = rnd.randint(1, 64)
        cuts.append(stream[pos:pos + n])
        pos += n
    replies = {}
    for side in (ref, test):
        side.open()
        try:
            side.call([b"FLUSHALL"])
            for piece in cuts:
                side.conn.send_raw(piece)
            out = []
            for _ in cmds:
                try:
                    out.append(side.conn.read())
                except (socket.timeout, harness.ConnectionClosed, ConnectionError) as e:
                    out.append((("<%s>" % type(e).__name__).encode(), None))
                    break
            replies[side.name] = out
        finally:
            side.close()
    ref_out, got_out = replies["redis-server"], replies["ringkv"]
    for i, step in enumerate(cmds):
        if step.kind == "nocompare":
            continue
        ref_raw, ref_val = ref_out[i] if i < len(ref_out) else (b"<missing>", None)
        got_raw, got_val = got_out[i] if i < len(got_out) else (b"<missing>", None)
        compare_reply(where, step, ref_raw, ref_val, got_raw, got_val, result)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sequences", action="append",
                    help="a sequences file (repeatable); default: sequences.txt and "
                         "families/*.txt (one file per command family)")
    ap.add_argument("--reference-port", type=int)
    ap.add_argument("--test-port", type=int)
    ap.add_argument("--section", action="append", help="run only sections whose name has this")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    files = args.sequences or ([os.path.join(HERE, "sequences.txt")] +
                               sorted(glob.glob(os.path.join(HERE, "families", "*.txt"))))
    sections = []
    for path in files:
        sections += load_sequences(path)
    if args.section:
        sections = [s for s in sections if any(x in s[0] for x in args.section)]
    ncmds = sum(len(s[1]) for s in sections)
    print("differential: %d sections, %d steps from %s" % (
        len(sections), ncmds, " ".join(os.path.basename(f) for f in files)))
    servers = []
    try:
        if args.reference_port:
            ref_port = args.reference_port
        else:
            servers.append(harness.start_reference())
            ref_port = servers[-1].port
        if args.test_port:
            test_port = args.test_port
        else:
            servers.append(harness.start_server(name="differential"))
            test_port = servers[-1].port
            print("under test: %s" % servers[-1].binary)
        auth_ref = auth_test = None
        if any(name.startswith("auth:") for name, _ in sections):
            auth_args = ["--requirepass", AUTH_PASSWORD.decode()]
            servers.append(harness.start_reference(auth_args))
            auth_ref = Side("redis-server", servers[-1].port)
            servers.append(harness.start_server(auth_args, name="differential-auth"))
            auth_test = Side("ringkv", servers[-1].port)
        result = Result(args.verbose)
        ref, test = Side("redis-server", ref_port), Side("ringkv", test_port)
        def guarded(fn, name, *fn_args):
            # A server that stops answering fails this section, not the whole run.
            try:
                fn(name, *fn_args)
            except OSError as e:
                result.failed += 1
                result.failures.append((name, "section aborted: %s" % e, b"", b""))
                print("SECTION ABORTED %s: %s" % (name, e))

        for proto in (2, 3):
            for name, steps in sections:
                if name.startswith("auth:"):
                    if auth_ref is not None:
                        guarded(run_section, name, steps, auth_ref, auth_test, proto, result)
                else:
                    guarded(run_section, name, steps, ref, test, proto, result)
        for name, steps in sections:
            guarded(run_section_pipelined, name, steps, ref, test, result)
        for s in servers:
            if not s.alive():
                print("server %s died; log tail:\n%s" % (s.binary, s.log_tail()))
                result.failed += 1
    finally:
        for s in servers:
            s.cleanup()

    if result.failures:
        print("\nmismatches:")
        for where, text, _, _ in result.failures:
            print("  %s: %s" % (where, text))
    print("differential: %d replies compared (%d by type only)" %
          (result.passed + result.failed, result.type_only))
    print("differential: %d passed, %d failed" % (result.passed, result.failed))
    return 1 if result.failed else 0


if __name__ == "__main__":
    sys.exit(main())
