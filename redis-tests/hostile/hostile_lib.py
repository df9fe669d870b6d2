"""Helpers for the hostile-client suite: raw-socket probes that time how a server answers and
closes, and readings of a server process's memory, CPU time and descriptors from /proc."""

import errno
import os
import select
import socket
import time

import harness

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# ---- /proc readings -------------------------------------------------------------------------

def proc_status_kb(pid, field):
    """A `kB` field of /proc/<pid>/status (VmRSS, VmSize, ...)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def rss_kb(pid):
    return proc_status_kb(pid, "VmRSS")


def vmsize_kb(pid):
    return proc_status_kb(pid, "VmSize")


def cpu_seconds(pid):
    """utime + stime of the whole process (all threads), in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def settle_rss(pid, seconds=0.3):
    """RSS after a short pause, so buffers freed a moment ago are accounted."""
    time.sleep(seconds)
    return rss_kb(pid)


# ---- Raw probes -----------------------------------------------------------------------------

def readable(sock, timeout_s):
    """True when sock has data or EOF within timeout_s (poll: works for any descriptor number,
    unlike select with its 1024 limit)."""
    p = select.poll()
    p.register(sock, select.POLLIN)
    return bool(p.poll(max(0.0, timeout_s) * 1000.0))


class Probe:
    """What a server did with some bytes: the reply bytes it sent, whether it closed the
    connection, and how long after the last byte was sent it closed (None if it did not)."""

    def __init__(self, data, closed, close_after_s, closed_at=None):
        self.data = data
        self.closed = closed
        self.close_after_s = close_after_s
        self.closed_at = closed_at  # time.monotonic() when the close was seen

    def __repr__(self):
        return "Probe(data=%r, closed=%r, close_after_s=%r)" % (
            self.data[:200], self.closed, self.close_after_s)


def connect(port, timeout=5.0):
    s = socket.create_connection((harness.HOST, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_until_close(sock, wait_s, t_sent=None):
    """Reads for up to wait_s seconds. Returns a Probe (close time measured from t_sent)."""
    return read_reply_or_close(sock, wait_s, done=lambda data: False, t_start=t_sent)


def read_reply_or_close(sock, wait_s, done=lambda data: data.endswith(b"\r\n"), t_start=None):
    """Reads until done(data) is true (by default: a complete line), the peer closes, or wait_s
    passes since t_start (default: now). Returns a Probe (closed is True only if the close was
    seen; its time is measured from t_start)."""
    t0 = time.monotonic() if t_start is None else t_start
    data = b""
    while True:
        left = t0 + wait_s - time.monotonic()
        if left <= 0:
            return Probe(data, False, None)
        if not readable(sock, left):
            continue
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            chunk = b""
        if not chunk:
            now = time.monotonic()
            return Probe(data, True, now - t0, now)
        data += chunk
        if done(data):
            return Probe(data, False, None)


def probe(port, payload, wait_s=1.5):
    """Sends payload on a fresh connection, then watches it for wait_s seconds."""
    with connect(port) as s:
        s.sendall(payload)
        return read_until_close(s, wait_s)


def stream_until_closed(port, prefix, filler, max_s=5.0, chunk_every_s=0.004):
    """Sends prefix, then filler over and over (a stream that never ends) until the server
    replies or closes, for at most max_s seconds. Returns (probe, bytes_sent, close_after_64k_s):
    the seconds from the moment more than 64 KiB had been sent until the close was seen (None if
    it did not close). Stops sending as soon as the server has something to say, so the error
    line is not lost to a reset."""
    s = connect(port)
    try:
        s.sendall(prefix)
        sent = len(prefix)
        t_over_64k = None
        deadline = time.monotonic() + max_s
        while time.monotonic() < deadline:
            if readable(s, chunk_every_s):
                break
            try:
                s.sendall(filler)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(filler)
            if t_over_64k is None and sent > 64 * 1024:
                t_over_64k = time.monotonic()
        p = read_until_close(s, 2.0)
        after = None
        if p.closed and t_over_64k is not None:
            after = p.closed_at - t_over_64k
        return p, sent, after
    finally:
        s.close()


def wait_connected_clients(port, want, timeout_s=10.0, password=None):
    """Polls INFO clients on a fresh connection until connected_clients == want (that polling
    connection included). Returns the last value seen."""
    deadline = time.monotonic() + timeout_s
    seen = None
    while True:
        with harness.RespConnection(harness.HOST, port) as c:
            if password:
                c.call("AUTH", password)
            info = c.call("INFO", "clients")
            for line in info.split(b"\r\n"):
                if line.startswith(b"connected_clients:"):
                    seen = int(line.split(b":")[1])
        if seen == want or time.monotonic() > deadline:
            return seen
        time.sleep(0.05)


def is_reset_or_closed(exc):
    return isinstance(exc, (ConnectionResetError, BrokenPipeError)) or \
        getattr(exc, "errno", None) in (errno.ECONNRESET, errno.EPIPE)
