"""Connection limits under hostile or careless clients. Every test also runs against Debian's
redis-server (the `kind` parameter), which passes all of them.

- `maxclients 10`: the 11th client gets `-ERR max number of clients reached` and is closed (within
  1 s); once others leave, new clients are served again.
- `timeout 2`: an idle client is closed within 2-4 s; a busy one is not.
- `client-output-buffer-limit normal 1mb 0 0`: a client that pipelines 200 MB worth of GETs and
  never reads is cut, and the server's peak RSS (VmHWM) stays within 32 MB of where it was.
- `ulimit -n 256` and 400 connection attempts, then bursts of 1000: no crash, no busy loop (process
  CPU time read from /proc while the server sits at the descriptor limit, and no log flood), every
  attempt is answered or closed, and service resumes once the connections close. Storage must keep
  working at the limit (RocksDB needs descriptors too), and surplus clients are told
  `-ERR max number of clients reached` (Redis lowers maxclients to fit the limit).
- 10,000 idle connections held while redis-benchmark runs `-t get,set -n 20000`: no error, every
  idle connection still answers afterwards; prints the memory per connection.
"""

import os
import re
import select
import socket
import subprocess
import time

import harness
import hostile_lib as hl
from conftest import NOFILE_LIMIT

MAXCLIENTS_ERROR = b"-ERR max number of clients reached\r\n"


# ---- maxclients -----------------------------------------------------------------------------

def test_maxclients_11th_rejected_then_slots_reusable(kind, launch):
    s = launch(kind, ["--maxclients", "10"])
    clients = [s.connect()]
    try:
        # The launcher's readiness probes may still be counted for a moment: wait until this
        # client is the only one, then fill the other nine slots.
        deadline = time.monotonic() + 5.0
        while b"connected_clients:1\r\n" not in clients[0].call("INFO", "clients"):
            assert time.monotonic() < deadline, "closed connections are never reaped"
            time.sleep(0.05)
        clients += [s.connect() for _ in range(9)]
        for c in clients:
            assert c.call_raw("PING") == b"+PONG\r\n"
        for _ in range(3):
            p = hl.probe(s.port, b"", wait_s=1.5)
            assert p.data == MAXCLIENTS_ERROR
            assert p.closed and p.close_after_s < 1.0
        # The ten are unaffected.
        for c in clients:
            assert c.call_raw("PING") == b"+PONG\r\n"
        # Two leave: two newcomers get in (once the server has reaped the closed ones), the
        # next one is rejected again.
        for c in clients[:2]:
            c.close()
        clients = clients[2:]
        newcomers = []
        deadline = time.monotonic() + 2.0
        while len(newcomers) < 2:
            assert time.monotonic() < deadline, "freed slots were not reusable within 2 s"
            c = s.connect()
            try:
                if c.call_raw("PING") == b"+PONG\r\n":
                    newcomers.append(c)
                    continue
            except (harness.ConnectionClosed, ValueError, OSError):
                pass
            c.close()
            time.sleep(0.02)
        clients += newcomers
        p = hl.probe(s.port, b"", wait_s=1.5)
        assert (p.data, p.closed) == (MAXCLIENTS_ERROR, True)
    finally:
        for c in clients:
            c.close()


# ---- timeout --------------------------------------------------------------------------------

def test_idle_timeout_2s(kind, launch):
    s = launch(kind, ["--timeout", "2"])
    idle = hl.connect(s.port)
    busy = s.connect()
    try:
        idle.sendall(b"PING\r\n")
        assert idle.recv(64) == b"+PONG\r\n"
        t_last = time.monotonic()
        closed_after = None
        while time.monotonic() - t_last < 5.0:
            assert busy.call_raw("PING") == b"+PONG\r\n"  # an active client is never dropped
            if hl.readable(idle, 0.1):
                try:
                    data = idle.recv(64)
                except ConnectionResetError:
                    data = b""
                assert data == b""
                closed_after = time.monotonic() - t_last
                break
        print("%s: idle client closed %.2f s after its last command (timeout 2)" %
              (kind, closed_after or -1))
        assert closed_after is not None, "idle client not closed within 5 s"
        assert 2.0 <= closed_after <= 4.0
    finally:
        idle.close()
        busy.close()


# ---- client-output-buffer-limit -------------------------------------------------------------

def test_client_that_never_reads_is_cut_at_output_limit(kind, launch):
    """2000 pipelined GETs of a 100 KB value (200 MB of replies) from a client that reads none of
    them. Redis checks the limit as each reply is queued, so it stops after ~1 MB of output; the
    server's peak RSS (VmHWM) must stay near that too, not follow the replies it was asked for."""
    s = launch(kind, ["--client-output-buffer-limit", "normal 1mb 0 0"])
    value = "v" * (100 * 1024)
    with s.connect() as admin:
        assert admin.call_raw("SET", "big", value) == b"+OK\r\n"
        rss_before = hl.settle_rss(s.pid)
        peak_before = hl.proc_status_kb(s.pid, "VmHWM")
        reader = hl.connect(s.port)
        reader.sendall(harness.encode_command("CLIENT", "SETNAME", "never-reads"))
        assert reader.recv(64) == b"+OK\r\n"
        t0 = time.monotonic()
        cut_after = None
        try:
            reader.sendall(harness.encode_command("GET", "big") * 2000)
            while time.monotonic() - t0 < 5.0:
                if b"name=never-reads" not in admin.call("CLIENT", "LIST"):
                    cut_after = time.monotonic() - t0
                    break
                time.sleep(0.01)
        finally:
            reader.close()
        rss_after = hl.settle_rss(s.pid, 0.5)
        peak_after = hl.proc_status_kb(s.pid, "VmHWM")
        gets = [l for l in admin.call("INFO", "commandstats").split(b"\r\n")
                if l.startswith(b"cmdstat_get:")]
        print("%s: client that never reads cut after %s s; RSS %d -> %d kB, peak RSS %d -> %d kB "
              "(+%d kB); %s" % (kind, cut_after and round(cut_after, 3), rss_before, rss_after,
                                peak_before, peak_after, peak_after - peak_before, gets))
        assert cut_after is not None, "a client that never reads was not disconnected"
        assert peak_after - peak_before < 32 * 1024, "memory followed the unread replies"
        assert rss_after - rss_before < 16 * 1024
        assert admin.call_raw("PING") == b"+PONG\r\n"


# ---- descriptor limit -----------------------------------------------------------------------

def _attempt_connections(port, n, budget_s=8.0):
    """Up to n blocking connection attempts, within budget_s in total (a server that stops
    accepting fills its backlog, and then every attempt would wait for its own timeout)."""
    socks = []
    deadline = time.monotonic() + budget_s
    for _ in range(n):
        if time.monotonic() > deadline:
            break
        try:
            socks.append(socket.create_connection((harness.HOST, port), timeout=0.5))
        except OSError:
            pass  # a refused attempt is fine: the point is what the server does
    return socks


def _classify(socks, timeout_s=3.0):
    """PINGs every connection and watches them all together for up to timeout_s. Returns
    (served, told_maxclients_and_closed, closed_silently, hung): lists of sockets, hung as
    (socket, bytes received) pairs."""
    served, told, silent, hung = [], [], [], []
    data = {}
    poller = select.poll()
    by_fd = {}
    for sock in socks:
        try:
            sock.setblocking(True)
            sock.settimeout(1.0)
            sock.sendall(b"PING\r\n")
        except OSError:
            silent.append(sock)
            continue
        data[sock] = b""
        by_fd[sock.fileno()] = sock
        poller.register(sock, select.POLLIN)
    deadline = time.monotonic() + timeout_s
    while by_fd and time.monotonic() < deadline:
        for fd, _ in poller.poll(max(0.0, deadline - time.monotonic()) * 1000.0):
            sock = by_fd[fd]
            try:
                chunk = sock.recv(4096)
            except OSError:
                chunk = b""
            got = data[sock] + chunk
            data[sock] = got
            done = None
            if not chunk:
                if got == MAXCLIENTS_ERROR:
                    done = told
                elif got == b"":
                    done = silent
                else:
                    done = hung
            elif got == b"+PONG\r\n":
                done = served
            if done is not None:
                poller.unregister(fd)
                del by_fd[fd]
                done.append(sock if done is not hung else (sock, got))
    hung += [(sock, data[sock]) for sock in by_fd.values()]
    return served, told, silent, hung


def _burst(port, n):
    """n non-blocking connection attempts at once (both worker listeners race at the limit)."""
    socks = []
    for _ in range(n):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.connect_ex((harness.HOST, port))
        socks.append(sock)
    return socks


def test_fd_limit_256_no_crash_no_busy_loop(kind, launch):
    """400 connection attempts against `ulimit -n 256`, then five bursts of 1000 at once (two
    worker loops hitting EMFILE together is what can leave a loop without its reserve
    descriptor). CPU time is read from /proc while the server sits at the limit; a loop that spins
    on accept also floods the log, so the log size is checked too."""
    s = launch(kind, [], nofile=256)
    socks = _attempt_connections(s.port, 400)
    try:
        time.sleep(0.3)
        cpu0 = hl.cpu_seconds(s.pid)
        time.sleep(2.0)
        cpu_at_limit = hl.cpu_seconds(s.pid) - cpu0
        fds = hl.open_fds(s.pid)
        served, told, silent, hung = _classify(socks)
        print("%s: ulimit -n 256, %d attempts: served=%d told=%d closed_silently=%d hung=%d; "
              "server fds=%d; CPU %.2f s over 2 s at the limit" %
              (kind, len(socks), len(served), len(told), len(silent), len(hung), fds,
               cpu_at_limit))
        assert s.alive(), "server died at the descriptor limit:\n" + s.log_tail()
        assert cpu_at_limit < 0.2, "busy loop at the descriptor limit"
        assert not hung, "connections neither served nor closed: %r" % hung[:3]
        assert len(served) >= 100
    finally:
        for sock in socks:
            sock.close()
    burst_cpu = []
    for _ in range(5):
        socks = _burst(s.port, 1000)
        try:
            time.sleep(0.3)
            cpu0 = hl.cpu_seconds(s.pid)
            time.sleep(0.5)
            burst_cpu.append(hl.cpu_seconds(s.pid) - cpu0)
        finally:
            for sock in socks:
                sock.close()
        if burst_cpu[-1] >= 0.05:
            break
        time.sleep(0.1)
    log_bytes = os.path.getsize(s.log_path)
    print("%s: CPU over 0.5 s at the limit after each burst of 1000: %s; log %d bytes" %
          (kind, ["%.2f" % c for c in burst_cpu], log_bytes))
    assert s.alive(), "server died at the descriptor limit:\n" + s.log_tail()
    assert max(burst_cpu) < 0.05, "busy loop at the descriptor limit (accept failing with EMFILE)"
    assert log_bytes < 1024 * 1024, "log flooded at the descriptor limit:\n" + s.log_tail(5)
    # Everything closed: the server serves again and is idle.
    deadline = time.monotonic() + 3.0
    while True:
        try:
            with s.connect(timeout=2.0) as c:
                assert c.call_raw("PING") == b"+PONG\r\n"
                break
        except (OSError, harness.ConnectionClosed):
            assert time.monotonic() < deadline, "no service after the connections closed"
            time.sleep(0.1)
    cpu0 = hl.cpu_seconds(s.pid)
    time.sleep(1.0)
    assert hl.cpu_seconds(s.pid) - cpu0 < 0.1


def test_fd_limit_256_storage_stays_writable(kind, launch):
    """Clients must not take the descriptors storage needs: with the process at its descriptor
    limit, a write that needs a new file (SAVE flushes a memtable into a new SST file) must still
    succeed, and writes must work once the clients are gone. Redis reserves descriptors for
    itself by lowering maxclients to the limit minus 32 at startup."""
    s = launch(kind, [], nofile=256)
    socks = _attempt_connections(s.port, 400)
    try:
        time.sleep(0.3)
        served, told, silent, hung = _classify(socks)
        assert served, "no connection was served"
        c = served[0]
        c.settimeout(5.0)
        c.sendall(harness.encode_command("SET", "at-limit", "1"))
        assert c.recv(256) == b"+OK\r\n"
        c.sendall(harness.encode_command("SAVE"))
        save_reply = c.recv(512)
        print("%s: SAVE at the descriptor limit: %r" % (kind, save_reply))
        assert save_reply == b"+OK\r\n"
    finally:
        for sock in socks:
            sock.close()
    time.sleep(0.3)
    with s.connect() as c:
        set_reply = c.call_raw("SET", "after-limit", "2")
        save_reply = c.call_raw("SAVE")
        print("%s: after the connections closed: SET %r, SAVE %r" % (kind, set_reply, save_reply))
        assert set_reply == b"+OK\r\n"
        assert c.call_raw("GET", "after-limit") == b"$1\r\n2\r\n"
        assert save_reply == b"+OK\r\n"


def test_fd_limit_256_surplus_told_max_clients(kind, launch):
    """Redis 7.0 lowers maxclients to fit `ulimit -n` (minus 32 reserved descriptors), so the
    surplus clients are told `-ERR max number of clients reached` instead of being dropped
    without a word."""
    s = launch(kind, [], nofile=256)
    socks = _attempt_connections(s.port, 400)
    try:
        time.sleep(0.3)
        served, told, silent, hung = _classify(socks)
        print("%s: served=%d told=%d closed_silently=%d" % (kind, len(served), len(told),
                                                            len(silent)))
        assert not hung
        assert not silent, "%d surplus connections were closed without the maxclients error" % (
            len(silent))
        assert len(told) == len(socks) - len(served)
    finally:
        for sock in socks:
            sock.close()


# ---- 10,000 idle connections ----------------------------------------------------------------

IDLE_TARGET = 10000


def test_10k_idle_connections_while_benchmark_runs(kind, launch):
    # This process and the server each need a descriptor per connection plus some headroom.
    n = min(IDLE_TARGET, NOFILE_LIMIT - 500)
    if n < IDLE_TARGET:
        print("descriptor hard limit %d: scaled down to %d idle connections" % (NOFILE_LIMIT, n))
    s = launch(kind, ["--maxclients", str(n + 200)])
    assert hl.wait_connected_clients(s.port, 1) == 1
    rss_before = hl.settle_rss(s.pid)
    idle = []
    try:
        t0 = time.monotonic()
        for _ in range(n):
            idle.append(hl.connect(s.port, timeout=10.0))
        assert hl.wait_connected_clients(s.port, n + 1, timeout_s=20.0) == n + 1
        opened_s = time.monotonic() - t0
        rss_idle = hl.settle_rss(s.pid, 0.5)
        per_conn = (rss_idle - rss_before) * 1024.0 / n
        print("%s: %d idle connections opened in %.1f s; RSS %d -> %d kB: %.0f bytes per "
              "connection" % (kind, n, opened_s, rss_before, rss_idle, per_conn))

        cmd = ["redis-benchmark", "-h", harness.HOST, "-p", str(s.port), "-q", "-t", "get,set",
               "-n", "20000"]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        out = proc.stdout.decode("utf-8", "replace")
        lines = [l.split("\r")[-1].strip() for l in out.split("\n")]
        lines = [l for l in lines if l]
        print("%s: %s" % (kind, " | ".join(lines)))
        assert proc.returncode == 0, out
        assert not [l for l in lines if re.search(r"error|ERR|refused|closed", l, re.I)], out
        rates = dict(re.findall(r"^(SET|GET): ([0-9.]+) requests per second", "\n".join(lines),
                                re.M))
        assert set(rates) == {"SET", "GET"} and all(float(r) > 0 for r in rates.values()), out

        # Every idle connection is still served: one pipelined round over all of them.
        for sock in idle:
            sock.sendall(b"PING\r\n")
        bad = 0
        for sock in idle:
            sock.settimeout(10.0)
            if sock.recv(16) != b"+PONG\r\n":
                bad += 1
        assert bad == 0, "%d idle connections did not answer after the benchmark" % bad
        assert s.alive()
    finally:
        for sock in idle:
            sock.close()
