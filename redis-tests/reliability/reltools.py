"""Shared pieces of the reliability suites: scale, figures, process probes, load threads.

Design note: every suite here runs the same code in two sizes. The CI size (the default) keeps the
whole directory under about two minutes; `RINGKV_RELIABILITY_LONG=1` (set by
`scripts/reliability.sh --long`) switches every `pick(ci, long)` to the issue's full figures
(20 kill -9 cycles per fsync mode, 100 restarts, 1M expiring keys, 100 peer restarts). Nothing
else changes between the two, so a long run proves exactly what CI proves, only more often.

Figures (counts, latencies, sizes) are what these tests are for, so each test records them with
`figure(test, text, anchor)`: they are printed after the run (also with -q) and, when env
`RINGKV_RELIABILITY_FIGURES` names a file, appended to it as JSON lines for docs/reliability.md.

Process probes read /proc/<pid>/fd and /proc/<pid>/status (VmRSS) of servers this suite started;
`PingProber` times a restart to the first PONG with a 2 ms poll (the harness polls every 50 ms).
"""

import json
import os
import socket
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "cluster"))
import harness  # noqa: E402

LONG = os.environ.get("RINGKV_RELIABILITY_LONG", "") not in ("", "0")
FIGURES_FILE = os.environ.get("RINGKV_RELIABILITY_FIGURES", "")

_figures = []


def pick(ci, long):
    """The CI value, or the long one under RINGKV_RELIABILITY_LONG=1 or --long (which
    conftest.py applies in pytest_configure, before the test modules are imported)."""
    return long if LONG else ci


def figure(test, text, anchor=""):
    """Records one measured figure: printed after the run and appended to the figures file."""
    entry = {"test": test, "figure": text, "anchor": anchor, "long": LONG,
             "binary": os.path.basename(harness.server_binary())}
    _figures.append(entry)
    print("FIGURE %s: %s" % (test, text))
    if FIGURES_FILE:
        with open(FIGURES_FILE, "a") as f:
            f.write(json.dumps(entry) + "\n")


def recorded_figures():
    return list(_figures)


def is_reference():
    return harness.is_reference_binary(harness.server_binary())


def summarize_ms(values):
    """"p50 X ms, p99 Y ms, max Z ms (n=N)" of a list of milliseconds."""
    if not values:
        return "n=0"
    s = sorted(values)
    p99 = s[min(len(s) - 1, int(len(s) * 0.99))]
    return "p50 %.1f ms, p99 %.1f ms, max %.1f ms (n=%d)" % (statistics.median(s), p99, s[-1],
                                                             len(s))


# ---- process probes ---------------------------------------------------------------------------


def fd_count(pid):
    """Open descriptors of a process (entries of /proc/<pid>/fd)."""
    return len(os.listdir("/proc/%d/fd" % pid))


def rss_kb(pid):
    """VmRSS of a process in KiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for pid %d" % pid)


def ping_once(port, timeout=0.2):
    try:
        with socket.create_connection((harness.HOST, port), timeout=timeout) as s:
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class PingProber(threading.Thread):
    """Polls PING on `port` every 2 ms from now on; `.elapsed` is seconds to the first PONG."""

    def __init__(self, port, limit_s=15.0):
        super().__init__(daemon=True)
        self.port, self.limit_s = port, limit_s
        self.t0 = time.monotonic()
        self.elapsed = None
        self.start()

    def run(self):
        while time.monotonic() - self.t0 < self.limit_s:
            if ping_once(self.port):
                self.elapsed = time.monotonic() - self.t0
                return
            time.sleep(0.002)

    def result(self):
        self.join(self.limit_s + 1)
        return self.elapsed


def timed_restart(server, port=None):
    """Starts `server` (a harness.Server) again on its port and data dir; returns seconds from
    the start call to its first PONG (2 ms resolution)."""
    port = port or server.port
    prober = PingProber(port)
    server.start(port=port)
    elapsed = prober.result()
    if elapsed is None:  # the prober lost a race with the harness's own check: use the harness's
        elapsed = time.monotonic() - prober.t0
    return elapsed


def dir_usage(path, exclude=("server.log",)):
    """{'sst': bytes, 'wal': bytes, 'other': bytes, 'total': bytes} of a RocksDB data dir (the
    harness's server.log excluded)."""
    out = {"sst": 0, "wal": 0, "other": 0}
    for name in os.listdir(path):
        if name in exclude:
            continue
        try:
            size = os.path.getsize(os.path.join(path, name))
        except OSError:
            continue  # deleted by a compaction meanwhile
        kind = "sst" if name.endswith(".sst") else "wal" if name.endswith(".log") else "other"
        out[kind] += size
    out["total"] = out["sst"] + out["wal"] + out["other"]
    return out


def info_fields(conn, section):
    """INFO <section> over a harness.RespConnection, as {field: str}."""
    raw = conn.call("INFO", section)
    if isinstance(raw, harness.RespError):
        raise RuntimeError("INFO %s: %s" % (section, raw.message))
    out = {}
    for line in raw.decode().splitlines():
        if line and not line.startswith("#") and ":" in line:
            k, v = line.split(":", 1)
            out[k] = v
    return out


def commandstats(conn):
    """{command: calls} from INFO commandstats."""
    out = {}
    for k, v in info_fields(conn, "commandstats").items():
        if k.startswith("cmdstat_"):
            fields = dict(p.split("=", 1) for p in v.split(","))
            out[k[len("cmdstat_"):]] = int(fields["calls"])
    return out


def pipeline(conn, commands):
    """Sends every command in one write, returns the typed replies in order."""
    conn.send_raw(b"".join(harness.encode_command(*c) for c in commands))
    return [conn.read()[1] for _ in commands]


def write_expiring(conn, keys_and_values, extra, batch=5000):
    """SET key value <extra...> for every pair, pipelined in batches over a raw connection,
    counting the `+OK` replies without parsing each one. Raises on any other reply."""
    items = list(keys_and_values)
    for start in range(0, len(items), batch):
        chunk = items[start:start + batch]
        conn.send_raw(b"".join(harness.encode_command("SET", k, v, *extra) for k, v in chunk))
        want = len(chunk) * 5  # "+OK\r\n"
        got = b""
        reader = conn.reader
        while len(got) < want:
            pending = reader.buf[reader.pos:]
            reader.buf, reader.pos = b"", 0
            if pending:
                got += pending
                continue
            data = conn.sock.recv(1 << 20)
            if not data:
                raise harness.ConnectionClosed("closed during a SET batch")
            got += data
        if got != b"+OK\r\n" * len(chunk):
            bad = got.replace(b"+OK\r\n", b"")
            raise RuntimeError("SET batch: unexpected replies %r" % bad[:200])
