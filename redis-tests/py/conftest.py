"""Fixtures for the redis-py suites.

`server` is one ringkv-server for the whole session (started by harness.py from env
RINGKV_SERVER, stopped by PID at teardown even when tests fail), or an already running server when
`--existing-port N` is given. `r` is a redis-py 4.3.4 client (RESP2) on a flushed database.
Markers: `ringkv_only` (a documented ringkv choice that Redis does not share) and `reference_only`
(Redis behaviour that ringkv deliberately does not copy) are skipped on the other server.
"""

import os
import sys

import pytest
import redis

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import harness  # noqa: E402


def pytest_addoption(parser):
    parser.addoption("--existing-port", type=int, default=None,
                     help="test a server already listening on 127.0.0.1:PORT (it gets FLUSHALLed)")


def pytest_configure(config):
    config.addinivalue_line("markers", "ringkv_only: ringkv's documented deviation from Redis")
    config.addinivalue_line("markers", "reference_only: Redis behaviour ringkv does not copy")
    config.addinivalue_line("markers", "own_server: the test starts its own server")


class ExistingServer:
    """Stands in for harness.Server when --existing-port is used."""

    def __init__(self, port):
        self.port = port
        self.binary = None
        info = redis.Redis(host=harness.HOST, port=port).info("server")
        self.is_reference = "ringkv" not in repr(info).lower()

    def stop(self):
        pass


@pytest.fixture(scope="session")
def server(request):
    port = request.config.getoption("--existing-port")
    if port:
        yield ExistingServer(port)
        return
    s = harness.Server(name="py")
    try:
        s.start()
        yield s
    finally:
        s.cleanup()


@pytest.fixture(autouse=True)
def _skip_by_kind(request):
    if request.node.get_closest_marker("ringkv_only") or \
            request.node.get_closest_marker("reference_only"):
        srv = request.getfixturevalue("server")
        if request.node.get_closest_marker("ringkv_only") and srv.is_reference:
            pytest.skip("ringkv-only behaviour; the reference differs by design")
        if request.node.get_closest_marker("reference_only") and not srv.is_reference:
            pytest.skip("reference-only behaviour; ringkv differs by design")


@pytest.fixture
def r(server):
    client = redis.Redis(host=harness.HOST, port=server.port, socket_timeout=30)
    client.flushall()
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def client_factory(server):
    """Makes extra clients on the session server; all are closed at teardown."""
    made = []

    def make(**kw):
        c = redis.Redis(host=harness.HOST, port=server.port, socket_timeout=30, **kw)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


@pytest.fixture
def raw(server):
    """A raw-socket RespConnection (harness) to the session server, flushed first."""
    conn = harness.RespConnection(harness.HOST, server.port)
    conn.call("FLUSHALL")
    try:
        yield conn
    finally:
        conn.close()


@pytest.fixture
def own_server(request):
    """Factory: start a separate server for one test with extra args (stopped at teardown)."""
    if request.config.getoption("--existing-port"):
        pytest.skip("needs its own server; not possible with --existing-port")
    started = []

    def start(extra_args=()):
        s = harness.Server(extra_args=extra_args, name="py-own")
        started.append(s)
        s.start()
        return s

    try:
        yield start
    finally:
        for s in started:
            s.cleanup()
