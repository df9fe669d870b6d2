"""Fixtures and markers for the reliability suites (issue 5, part B).

Every test starts its own servers (harness.py, cluster_harness.py) on free loopback ports with
fresh temp data dirs and stops them by PID at teardown, also when it fails.

Markers:
- `ringkv_only`: about ringkv's own storage (RocksDB files on disk); skipped against Debian's
  redis-server (RINGKV_SERVER=/usr/bin/redis-server).
- `cluster_only`: needs real cluster nodes; the reference is one redis-server.
Sizes: CI by default; `RINGKV_RELIABILITY_LONG=1` (or `--long`) for the issue's full figures.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reltools  # noqa: E402


def pytest_addoption(parser):
    parser.addoption("--long", action="store_true", default=False,
                     help="the issue's full figures (same as RINGKV_RELIABILITY_LONG=1)")


def pytest_configure(config):
    config.addinivalue_line("markers", "ringkv_only: ringkv storage behaviour, not in Redis")
    config.addinivalue_line("markers", "cluster_only: needs real cluster nodes (not a reference)")
    if config.getoption("--long"):
        reltools.LONG = True  # before collection: test modules see it even at import


@pytest.fixture(autouse=True)
def _skip_by_kind(request):
    if reltools.is_reference():
        if request.node.get_closest_marker("ringkv_only"):
            pytest.skip("ringkv storage behaviour; the reference keeps no RocksDB files")
        if request.node.get_closest_marker("cluster_only"):
            pytest.skip("needs real cluster nodes; the reference is one redis-server")


def pytest_terminal_summary(terminalreporter):
    figs = reltools.recorded_figures()
    if figs:
        terminalreporter.section("reliability figures (%s)" % ("long" if reltools.LONG else "CI"))
        for f in figs:
            terminalreporter.write_line("%s: %s" % (f["test"], f["figure"]))
