"""Start and stop real servers for the black-box suites, and speak raw RESP to them.

Design note: every suite talks to the server under test only through real clients (redis-cli,
redis-benchmark, redis-py, node clients) or raw sockets. This module is the one place that knows how
to launch a server: pick a free loopback port (bind a socket to port 0, close it, start the server
on that port; retry if the server then fails to bind), give it a fresh temp data dir, wait until
PING answers, and stop it by its own PID (SIGTERM, then SIGKILL after 5 s). Nothing is ever killed by
name. An atexit hook stops whatever is still running, so a failing script leaves no server behind.

The binary under test comes from env RINGKV_SERVER (default: <repo>/build/ringkv-server). When its
basename is `redis-server` (Debian's reference), `--save '' --appendonly no` are added unless the
caller passes its own `--appendonly`, so every suite can be proved against real Redis.

It also holds a small RESP2/RESP3 reader (`RespReader`) that returns both the raw bytes of one reply
and a typed Python value, for the RESP3 and differential suites (redis-py 4.3.4 has no RESP3).
"""

import atexit
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFERENCE_BINARY = "/usr/bin/redis-server"
HOST = "127.0.0.1"
START_TIMEOUT_S = 10.0
STOP_GRACE_S = 5.0

_live_servers = []


def server_binary():
    """Path of the binary under test (env RINGKV_SERVER, else <repo>/build/ringkv-server)."""
    return os.environ.get("RINGKV_SERVER") or os.path.join(REPO_ROOT, "build", "ringkv-server")


def is_reference_binary(binary):
    return os.path.basename(binary) == "redis-server"


def free_port():
    """A loopback port that was free a moment ago (the OS picks it for port 0)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((HOST, 0))
        return s.getsockname()[1]
    finally:
        s.close()


class ServerError(RuntimeError):
    pass


class Server:
    """One server process on a loopback port with its own data dir.

    `start()` launches and waits for PING; `stop()` is SIGTERM then SIGKILL after 5 s; `kill9()`
    is an immediate SIGKILL (for crash tests); `start()` again reuses the same data dir and port
    when possible. The data dir is removed by `cleanup()` only if this object created it.
    """

    def __init__(self, binary=None, extra_args=(), data_dir=None, name="server"):
        self.binary = binary or server_binary()
        self.extra_args = list(extra_args)
        self.name = name
        self._own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="ringkv-%s-" % name)
        self.port = None
        self.proc = None
        self.log_path = os.path.join(self.data_dir, "server.log")
        self._log_file = None
        self.password = None
        for i, a in enumerate(self.extra_args):
            if a == "--requirepass" and i + 1 < len(self.extra_args):
                self.password = self.extra_args[i + 1]

    @property
    def is_reference(self):
        return is_reference_binary(self.binary)

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def command_line(self, port):
        args = [self.binary, "--port", str(port), "--bind", HOST, "--dir", self.data_dir]
        if self.is_reference:
            args += ["--save", ""]
            if "--appendonly" not in self.extra_args:
                args += ["--appendonly", "no"]
        return args + self.extra_args

    # Start and wait for PING. On a port clash (someone took the port between our probe and the
    # server's bind) try again with a new port, a few times.
    def start(self, port=None):
        if not os.path.exists(self.binary):
            raise ServerError("server binary not found: %s (set RINGKV_SERVER)" % self.binary)
        last_error = None
        for attempt in range(5):
            use_port = port or self.port or free_port()
            if attempt > 0 and port is None:
                use_port = free_port()
            try:
                self._launch(use_port)
                return self
            except ServerError as e:
                last_error = e
                self._reap()
        raise last_error

    def _launch(self, port):
        self._log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.command_line(port), stdout=self._log_file,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     cwd=self.data_dir)
        self.port = port
        if self not in _live_servers:
            _live_servers.append(self)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError("%s exited with %s at start; log tail:\n%s" %
                                  (self.binary, self.proc.returncode, self.log_tail()))
            if self._ping_once():
                return
            time.sleep(0.05)
        raise ServerError("%s did not answer PING on port %d within %.0f s; log tail:\n%s" %
                          (self.binary, port, START_TIMEOUT_S, self.log_tail()))

    def _ping_once(self):
        try:
            with socket.create_connection((HOST, self.port), timeout=1.0) as s:
                s.sendall(b"*1\r\n$4\r\nPING\r\n")
                data = s.recv(64)
                # With requirepass the server is up when it says NOAUTH.
                return data.startswith(b"+PONG") or data.startswith(b"-NOAUTH")
        except OSError:
            return False

    def log_tail(self, n=30):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
            return "\n".join(lines[-n:])
        except OSError:
            return "(no log)"

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """SIGTERM, wait up to 5 s, then SIGKILL. Returns the exit code (None if not started)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            except ProcessLookupError:
                pass
        code = self.proc.returncode
        self._reap()
        return code

    def kill9(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._reap()

    def _reap(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        if self._log_file:
            self._log_file.close()
            self._log_file = None
        if self in _live_servers:
            _live_servers.remove(self)

    def cleanup(self):
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self):
        return self.start() if self.proc is None else self

    def __exit__(self, *exc):
        self.cleanup()
        return False

    def connect(self, timeout=10.0):
        """A raw socket connection (RespConnection) to this server."""
        return RespConnection(HOST, self.port, timeout=timeout)


def start_server(extra_args=(), binary=None, data_dir=None, name="ringkv"):
    """Start the server under test; returns a running Server (use as a context manager)."""
    return Server(binary=binary, extra_args=extra_args, data_dir=data_dir, name=name).start()


def start_reference(extra_args=(), data_dir=None):
    """Start Debian's redis-server the same way (with --save '' --appendonly no)."""
    return Server(binary=REFERENCE_BINARY, extra_args=extra_args, data_dir=data_dir,
                  name="reference").start()


@atexit.register
def _stop_all():
    for s in list(_live_servers):
        try:
            s.stop()
        except Exception:
            pass


# ---------------------------------------------------------------------------------------------
# RESP encoding and a RESP2/RESP3 reader.


def encode_command(*args):
    """Multibulk encoding of one command; str args are UTF-8 encoded, ints are formatted."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, int):
            a = str(a).encode()
        elif isinstance(a, str):
            a = a.encode("utf-8")
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class RespError(Exception):
    """An error reply (`-` or `!`); str() is the message without the prefix char."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class Simple(str):
    """A RESP `+` simple string."""


class Double(float):
    """A RESP3 `,` double."""


class BigNumber(int):
    """A RESP3 `(` big number."""


class Verbatim(bytes):
    """A RESP3 `=` verbatim string; `.format` is the 3-letter type, the bytes are the payload."""
    format = b""


class RespMap(dict):
    """A RESP3 `%` map (keys are decoded replies, e.g. bytes)."""


class RespSet(list):
    """A RESP3 `~` set (kept as a list: elements may be unhashable)."""


class Push(list):
    """A RESP3 `>` push."""


class Attribute(dict):
    pass


class ConnectionClosed(Exception):
    pass


class RespReader:
    """Reads complete replies from a socket. `read()` returns (raw_bytes, value)."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.pos = 0

    def _fill(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionClosed("connection closed by server")
        self.buf = self.buf[self.pos:] + chunk
        self.pos = 0

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                line = self.buf[self.pos:i]
                self.pos = i + 2
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) - self.pos < n + 2:
            self._fill()
        data = self.buf[self.pos:self.pos + n]
        if self.buf[self.pos + n:self.pos + n + 2] != b"\r\n":
            raise ValueError("bulk not terminated by CRLF")
        self.pos += n + 2
        return data

    def read(self):
        # _fill() compacts the buffer, so the raw bytes are collected piece by piece.
        self._raw = []
        value = self._read_value()
        return b"".join(self._raw), value

    def _record(self, data):
        self._raw.append(data)

    def _read_value(self):
        line = self._line()
        self._record(line + b"\r\n")
        if not line:
            raise ValueError("empty reply line")
        t, rest = line[:1], line[1:]
        if t == b"+":
            return Simple(rest.decode("utf-8", "replace"))
        if t == b"-":
            return RespError(rest.decode("utf-8", "replace"))
        if t == b":":
            return int(rest)
        if t == b"$" or t == b"!" or t == b"=":
            n = int(rest)
            if n < 0:
                return None
            data = self._exact(n)
            self._record(data + b"\r\n")
            if t == b"!":
                return RespError(data.decode("utf-8", "replace"))
            if t == b"=":
                v = Verbatim(data[4:])
                v.format = data[:3]
                return v
            return data
        if t in (b"*", b"~", b">"):
            n = int(rest)
            if n < 0:
                return None
            items = [self._read_value() for _ in range(n)]
            return {b"*": list, b"~": RespSet, b">": Push}[t](items)
        if t == b"%" or t == b"|":
            n = int(rest)
            m = RespMap() if t == b"%" else Attribute()
            for _ in range(n):
                k = self._read_value()
                m[_hashable(k)] = self._read_value()
            if t == b"|":
                return self._read_value()  # attribute precedes the real reply
            return m
        if t == b"_":
            return None
        if t == b",":
            return Double(float(rest))
        if t == b"#":
            if rest not in (b"t", b"f"):
                raise ValueError("bad boolean %r" % rest)
            return rest == b"t"
        if t == b"(":
            return BigNumber(int(rest))
        raise ValueError("unknown reply type byte %r in line %r" % (t, line))


def _hashable(v):
    if isinstance(v, list):
        return tuple(_hashable(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((k, _hashable(x)) for k, x in v.items()))
    return v


class RespConnection:
    """A raw socket connection: send commands or raw bytes, read typed replies or raw bytes."""

    def __init__(self, host, port, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = RespReader(self.sock)

    def send(self, *args):
        self.sock.sendall(encode_command(*args))

    def send_raw(self, data):
        self.sock.sendall(data)

    def read(self):
        """Next reply as (raw_bytes, value)."""
        return self.reader.read()

    def call(self, *args):
        """Send one command, return its typed value (an error reply is returned, not raised)."""
        self.send(*args)
        return self.read()[1]

    def call_raw(self, *args):
        """Send one command, return the raw bytes of its reply."""
        self.send(*args)
        return self.read()[0]

    def is_closed_by_peer(self, timeout=2.0):
        """True when the server has closed the connection (EOF or reset) within `timeout`."""
        self.sock.settimeout(timeout)
        try:
            if len(self.reader.buf) > self.reader.pos:
                return False
            data = self.sock.recv(1)
            return data == b""
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
