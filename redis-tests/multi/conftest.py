"""Fixtures for the transaction suites (issue 6: MULTI/EXEC/DISCARD/WATCH/UNWATCH).

`server` is one server under test for a test module (env RINGKV_SERVER, started by harness.py,
stopped by PID at teardown even when tests fail); `r` is a redis-py 4.3.4 client on it after
FLUSHALL. `reference` is one Debian redis-server for the module, for side-by-side comparisons.
`cluster` is a 3-node ringkv cluster (redis-tests/cluster/cluster_harness.py).

Markers: `ringkv_only` (needs ringkv itself: kill -9 durability, RINGKV.* commands) and
`cluster_only` (needs real cluster nodes) are skipped when the binary under test is the reference
(RINGKV_SERVER=/usr/bin/redis-server), which proves the remaining assertions themselves right.
Figures (retry counts, timings) are printed after the run, also with -q.
"""

import os
import sys

import pytest
import redis

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "cluster"))
import cluster_harness  # noqa: E402
import harness  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "ringkv_only: needs ringkv (skipped on the reference)")
    config.addinivalue_line("markers", "cluster_only: needs real cluster nodes")


def under_test_is_reference():
    return harness.is_reference_binary(harness.server_binary())


@pytest.fixture(autouse=True)
def _skip_by_kind(request):
    if under_test_is_reference() and (request.node.get_closest_marker("ringkv_only") or
                                      request.node.get_closest_marker("cluster_only")):
        pytest.skip("needs ringkv; the binary under test is the reference")


@pytest.fixture(scope="module")
def server():
    args = [] if under_test_is_reference() else ["--threads", "2"]
    s = harness.Server(extra_args=args, name="multi")
    try:
        s.start()
        yield s
    finally:
        s.cleanup()


@pytest.fixture(scope="module")
def reference():
    s = harness.Server(binary=harness.REFERENCE_BINARY, name="multi-ref")
    try:
        s.start()
        yield s
    finally:
        s.cleanup()


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
    made = []

    def make(**kw):
        kw.setdefault("socket_timeout", 30)
        c = redis.Redis(host=harness.HOST, port=server.port, **kw)
        made.append(c)
        return c

    try:
        yield make
    finally:
        for c in made:
            c.close()


@pytest.fixture(scope="module")
def cluster():
    c = cluster_harness.Cluster(n=3, extra_args=["--threads", "2"], name="multi-ct")
    try:
        c.start()
        yield c
    finally:
        c.cleanup()


@pytest.fixture
def fresh(cluster):
    c = cluster.nodes[0].client()
    try:
        assert c.flushall() is True
    finally:
        c.close()
    return cluster


_FIGURES = []


@pytest.fixture
def figures():
    return _FIGURES


def pytest_terminal_summary(terminalreporter):
    if _FIGURES:
        terminalreporter.section("transaction figures")
        for line in _FIGURES:
            terminalreporter.write_line(line)
