"""scripts/cluster.sh: start N nodes, status, stop by recorded PID; refusals.

The script runs with RINGKV_CLUSTER_DIR pointing at a temp dir and a free base port, so it never
touches the repository's .cluster/ or a cluster the developer is running.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest
import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster_harness  # noqa: E402

pytestmark = pytest.mark.cluster_only

SCRIPT = os.path.join(cluster_harness.harness.REPO_ROOT, "scripts", "cluster.sh")


@pytest.fixture
def workdir():
    d = tempfile.mkdtemp(prefix="ringkv-cluster-sh-")
    try:
        yield d
    finally:
        # Whatever the test did, stop the nodes it started (by the PIDs the script recorded).
        for name in (os.listdir(d) if os.path.isdir(d) else []):
            if name.endswith(".pid"):
                try:
                    pid = int(open(os.path.join(d, name)).read())
                    cmdline = open("/proc/%d/cmdline" % pid, "rb").read()
                    if b"--cluster-myself" in cmdline:
                        os.kill(pid, signal.SIGKILL)
                except (OSError, ValueError):
                    pass
        shutil.rmtree(d, ignore_errors=True)


def run(workdir, *args, timeout=60):
    env = dict(os.environ, RINGKV_CLUSTER_DIR=workdir,
               RINGKV_SERVER=cluster_harness.harness.server_binary())
    return subprocess.run([SCRIPT] + list(args), capture_output=True, text=True, env=env,
                          timeout=timeout)


def pids(workdir):
    out = {}
    for name in sorted(os.listdir(workdir)):
        if name.endswith(".pid"):
            out[name[:-4]] = int(open(os.path.join(workdir, name)).read())
    return out


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purposes.
    with open("/proc/%d/stat" % pid) as f:
        return f.read().split(")")[-1].split()[0] != "Z"


def test_start_status_stop(workdir):
    base = cluster_harness.free_ports(3, consecutive=True)[0]
    r = run(workdir, "start", "3", str(base), "--appendfsync", "always")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "redis-cli -p %d" % base in r.stdout
    started = pids(workdir)
    assert sorted(started) == ["n1", "n2", "n3"]
    assert all(alive(p) for p in started.values())
    for i, (node_id, pid) in enumerate(sorted(started.items())):
        cmdline = open("/proc/%d/cmdline" % pid, "rb").read().split(b"\0")
        assert cmdline[cmdline.index(b"--port") + 1] == str(base + i).encode()
        assert cmdline[cmdline.index(b"--cluster-myself") + 1] == node_id.encode()
        assert b"always" in cmdline  # options after N and port reach every node
        assert os.path.isdir(os.path.join(workdir, node_id))
        assert os.path.exists(os.path.join(workdir, node_id + ".log"))
    # One keyspace across the three ports.
    a = redis.Redis(host="127.0.0.1", port=base)
    b = redis.Redis(host="127.0.0.1", port=base + 2)
    a.mset({"k%d" % i: i for i in range(30)})
    assert b.dbsize() == 30 and b.get("k7") == b"7"
    st = run(workdir, "status")
    assert st.returncode == 0, st.stderr
    lines = [ln for ln in st.stdout.splitlines() if ln.startswith("n")]
    assert len(lines) == 3 and all(" up " in ln for ln in lines), st.stdout
    counts = [int(ln.split("keys=")[1]) for ln in lines]
    assert sum(counts) == 30 and min(counts) > 0, st.stdout
    assert "3 of 3 nodes up" in st.stdout and "DBSIZE 30" in st.stdout
    # A second start is refused while the cluster runs.
    again = run(workdir, "start", "3", str(base))
    assert again.returncode != 0 and "already running" in again.stderr
    a.close()
    b.close()
    stop = run(workdir, "stop")
    assert stop.returncode == 0, stop.stderr
    deadline = time.monotonic() + 2
    while any(alive(p) for p in started.values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(p) for p in started.values())
    assert pids(workdir) == {}
    st = run(workdir, "status")
    assert st.stdout.count(" down") == 3, st.stdout
    # Data is kept: a restart on the same dir serves the same keys.
    r = run(workdir, "start", "3", str(base))
    assert r.returncode == 0, r.stdout + r.stderr
    c = redis.Redis(host="127.0.0.1", port=base + 1)
    assert c.dbsize() == 30
    c.close()
    assert run(workdir, "stop").returncode == 0
    assert run(workdir, "clean").returncode == 0
    assert not os.path.exists(workdir)


def test_start_refuses_a_port_in_use(workdir):
    base = cluster_harness.free_ports(3, consecutive=True)[0]
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", base + 1))
    s.listen(1)
    try:
        r = run(workdir, "start", "3", str(base))
    finally:
        s.close()
    assert r.returncode != 0
    assert "port %d is in use" % (base + 1) in r.stderr
    assert pids(workdir) == {}


def test_start_without_a_binary_says_to_build(workdir):
    env = dict(os.environ, RINGKV_CLUSTER_DIR=workdir, RINGKV_SERVER="/nonexistent/ringkv-server")
    r = subprocess.run([SCRIPT, "start"], capture_output=True, text=True, env=env, timeout=30)
    assert r.returncode != 0 and "scripts/build.sh" in r.stderr


def test_a_node_that_fails_to_start_stops_the_others(workdir):
    base = cluster_harness.free_ports(2, consecutive=True)[0]
    r = run(workdir, "start", "2", str(base), "--no-such-option", "1")
    assert r.returncode != 0
    assert "exited at start" in r.stderr and "no-such-option" in r.stderr
    assert pids(workdir) == {}


def test_help(workdir):
    r = run(workdir, "--help")
    assert r.returncode == 0
    for word in ("start [N] [base-port]", "status", "stop", "SIGKILL", "scripts/build.sh"):
        assert word in r.stdout
    bad = run(workdir, "bogus")
    assert bad.returncode == 2
