"""Fixtures for the hostile-client suite (issue 5, part A).

Every test that has a Redis anchor runs twice, through the `kind` parameter: once against the
server under test (env RINGKV_SERVER, through harness.py) and once against Debian's redis-server
(harness.REFERENCE_BINARY), with the same assertions, so the expected bytes and limits are proved
on real Redis. `HOSTILE_KINDS=ringkv` (or `redis`) runs one side only; the reference side is skipped
when /usr/bin/redis-server is missing.

`launch(kind, args, nofile=None)` starts a server of that kind on a free loopback port and stops it
(by PID) at teardown, also when the test fails. `nofile` starts it under `ulimit -n N` through a
tiny /bin/sh wrapper that execs the real binary (so the PID is the server's; the wrapper keeps the
binary's basename, so the harness still recognises redis-server).

At import, this process raises its own RLIMIT_NOFILE soft limit to the hard limit (servers it
starts inherit it): the 10,000-connection test needs it.
"""

import os
import resource
import shutil
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import harness  # noqa: E402

_soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if _hard == resource.RLIM_INFINITY or _hard > _soft:
    resource.setrlimit(resource.RLIMIT_NOFILE, (_hard, _hard))
NOFILE_LIMIT = resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def _kinds():
    wanted = os.environ.get("HOSTILE_KINDS", "ringkv,redis").split(",")
    return [k.strip() for k in wanted if k.strip() in ("ringkv", "redis")]


KINDS = _kinds()


def binary_for(kind):
    if kind == "redis":
        return harness.REFERENCE_BINARY
    return harness.server_binary()


def pytest_configure(config):
    config.addinivalue_line("markers", "ringkv_only: assertion about ringkv alone (no anchor)")


@pytest.fixture(params=KINDS)
def kind(request):
    if request.param == "redis" and not os.path.exists(harness.REFERENCE_BINARY):
        pytest.skip("Debian's redis-server is not installed")
    if request.param == "redis" and request.node.get_closest_marker("ringkv_only"):
        pytest.skip("ringkv-only assertion")
    return request.param


def _wrapper(binary, nofile, tmp):
    path = os.path.join(tmp, os.path.basename(binary))
    with open(path, "w") as f:
        f.write("#!/bin/sh\nulimit -n %d || exit 99\nexec %s \"$@\"\n" % (nofile, binary))
    os.chmod(path, 0o755)
    return path


def stop_checked(server):
    """Stops a server; returns a complaint when it did not exit cleanly on SIGTERM (a crash, a
    sanitizer report at exit, or a hang that needed SIGKILL), else None."""
    code = server.stop()
    if code in (0, None):
        return None
    return ("%s exited with %s when stopped (SIGTERM; -9 = needed SIGKILL after 5 s); "
            "log tail:\n%s" % (server.binary, code, server.log_tail(40)))


@pytest.fixture
def launch():
    started = []
    tmpdirs = []

    def _launch(kind, args=(), nofile=None):
        binary = binary_for(kind)
        if nofile is not None:
            tmp = tempfile.mkdtemp(prefix="ringkv-hostile-wrap-")
            tmpdirs.append(tmp)
            binary = _wrapper(binary, nofile, tmp)
        s = harness.Server(binary=binary, extra_args=list(args), name="hostile-" + kind)
        started.append(s)
        s.start()
        return s

    complaints = []
    try:
        yield _launch
    finally:
        for s in started:
            complaint = stop_checked(s)
            if complaint:
                complaints.append(complaint)
            s.cleanup()
        for t in tmpdirs:
            shutil.rmtree(t, ignore_errors=True)
    if complaints:
        pytest.fail("\n".join(complaints), pytrace=False)
