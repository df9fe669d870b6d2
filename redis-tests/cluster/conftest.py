"""Fixtures for the cluster suites.

`cluster` is one 3-node ringkv cluster (ids n1..n3 on free loopback ports, temp data dirs) shared
by a test module; it is stopped by PID at teardown, also when tests fail. `fresh` is that cluster
after FLUSHALL, checked empty on every node. `make_cluster(...)` starts a separate cluster for one
test (peer failure, mismatched topology, requirepass) and stops it at teardown.

Against Debian's redis-server (RINGKV_SERVER=/usr/bin/redis-server) one Redis stands in for the
three nodes: that proves the whole-cluster assertions themselves; tests marked `cluster_only`
(they need real nodes: spread, CLUSTER KEYNODE, failures) are skipped there.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster_harness  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "cluster_only: needs real cluster nodes (not a reference)")


@pytest.fixture(scope="module")
def cluster():
    c = cluster_harness.Cluster(n=3, extra_args=["--threads", "2"], name="ct")
    try:
        c.start()
        yield c
    finally:
        c.cleanup()


@pytest.fixture(autouse=True)
def _skip_cluster_only(request):
    if request.node.get_closest_marker("cluster_only"):
        binary = cluster_harness.harness.server_binary()
        if cluster_harness.harness.is_reference_binary(binary):
            pytest.skip("needs real cluster nodes; the reference is one redis-server")


@pytest.fixture
def fresh(cluster):
    """The shared cluster, emptied with FLUSHALL through n1; every node's INFO keyspace is 0."""
    c = cluster.nodes[0].client()
    try:
        assert c.flushall() is True
    finally:
        c.close()
    counts = cluster.local_counts()
    assert all(v == 0 for v in counts.values()), "FLUSHALL left keys on nodes: %r" % counts
    return cluster


@pytest.fixture
def make_cluster():
    started = []

    def make(**kw):
        kw.setdefault("name", "ct-own")
        c = cluster_harness.Cluster(**kw)
        started.append(c)
        return c.start()

    try:
        yield make
    finally:
        for c in started:
            c.cleanup()


# Figures (key spread, latencies) that tests record; printed after the run, also with -q.
_FIGURES = []


@pytest.fixture
def figures():
    return _FIGURES


def pytest_terminal_summary(terminalreporter):
    if _FIGURES:
        terminalreporter.section("cluster figures")
        for line in _FIGURES:
            terminalreporter.write_line(line)
