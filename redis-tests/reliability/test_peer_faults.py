"""Peer faults on a 3-node loopback cluster: dead, paused, restarted, mismatched and hostile peers.

Every test starts its own nodes (cluster_harness.py / harness.py; free ports, temp dirs, stopped
by PID) with `--cluster-forward-timeout 300` and 2 worker threads per node.

Under load. Several client threads (raw RESP connections, one command at a time) on the two
surviving nodes keep sending GET/SET/MGET for keys of all three nodes and INCR/SET on survivor keys
while the third node is killed and restarted, or paused (SIGSTOP) and resumed (SIGCONT). For every
request: the reply or an error naming the faulty node arrives within forward timeout + 100 ms; a
client socket timeout of 5 s would count as a hang. Survivor keys always answer with the right
value. Per-node INFO keyspace counts of the survivors do not change and none of the faulty node's
keys appears on them (KEYS * through a peer handshake lists one node's own keys). After the peer's
return every client's requests to it succeed again; the time from the return (first PONG of the
restarted process, or SIGCONT) to the last client's first lasting success is the pool's recovery,
bounded by RECOVERY_LIMIT_S.

Restarts. Open descriptors (/proc/<pid>/fd) and VmRSS of the survivors, measured idle (no client
connected) after a warm-up restart, return to that baseline after N peer restarts.

Mismatch. Two nodes with different --cluster-nodes lists: every forwarded command is refused at the
handshake (an error within the bound), and INFO commandstats on both nodes shows each command ran
exactly as often as clients sent it to that node: nothing travelled between them.

Hostile peer. A tiny TCP server listed in cluster-nodes answers AUTH/RINGKV.HELLO with +OK and
then every command with a hostile header (`*4294967295`, `$4294967296`, ...): the forwarding node
stays up, PING answers, its RSS stays small, and the client gets an error.
"""

import os
import re
import socket
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reltools  # noqa: E402
from reltools import harness, pick  # noqa: E402
import cluster_harness  # noqa: E402
from cluster_harness import error_names_node  # noqa: E402

pytestmark = pytest.mark.cluster_only

FORWARD_TIMEOUT_MS = 300
BOUND_MS = FORWARD_TIMEOUT_MS + 100
RECOVERY_LIMIT_S = 1.0
CLIENTS_PER_ENTRY = 3
HANG_S = 5.0
NODE_ARGS = ["--threads", "2"]
# How long the peer stays down or paused; --long adds outages past the 2 s reconnect backoff cap.
# (Module level is fine: pytest_configure has applied --long before test modules are collected.)
FAULT_SECONDS = [0.5, 1.5] + ([3.0, 6.0] if reltools.LONG else [])


def make_cluster(name):
    return cluster_harness.Cluster(n=3, forward_timeout=FORWARD_TIMEOUT_MS,
                                   extra_args=list(NODE_ARGS), name=name).start()


def peer_conn(cluster, node, as_id):
    """A raw connection to `node` that introduced itself as its peer `as_id`: commands on it run
    on that node alone (KEYS * lists only its own keys)."""
    conn = node.raw()
    fp = cluster_harness.info_section(conn.call("CLUSTER", "INFO"))["cluster_fingerprint"]
    assert conn.call("RINGKV.HELLO", as_id, fp) == "OK"
    return conn


def own_keys(cluster, node):
    other = next(n for n in cluster.nodes if n is not node)
    with peer_conn(cluster, node, other.id) as c:
        return set(c.call("KEYS", "*"))


class LoadClient(threading.Thread):
    """One connection to `entry`, cycling through `plan` until stopped.

    plan items: (target node id, command tuple, check) where check(value) -> problem text or None
    for a non-error reply. Each request is logged as (t_send, t_done, target, error text or None).
    """

    def __init__(self, entry, plan):
        super().__init__(daemon=True)
        self.entry, self.plan = entry, plan
        self.stop = threading.Event()
        self.log = []
        self.problems = []
        self.hang = None

    def run(self):
        conn = self.entry.raw(timeout=HANG_S)
        i = 0
        try:
            while not self.stop.is_set():
                target, cmd, check = self.plan[i % len(self.plan)]
                i += 1
                t0 = time.monotonic()
                try:
                    value = conn.call(*cmd)
                except socket.timeout:
                    self.hang = "%r to %s: no reply within %.0f s" % (cmd, target, HANG_S)
                    return
                except (OSError, harness.ConnectionClosed) as e:
                    self.problems.append("%r: connection lost: %r" % (cmd, e))
                    return
                t1 = time.monotonic()
                if isinstance(value, harness.RespError):
                    self.log.append((t0, t1, target, value.message))
                else:
                    problem = check(value)
                    if problem:
                        self.problems.append("%r via %s: %s" % (cmd, self.entry.id, problem))
                    self.log.append((t0, t1, target, None))
        finally:
            conn.close()


def expect(want):
    return lambda v: None if v == want else "got %r, want %r" % (v, want)


def expect_int(v):
    return None if isinstance(v, int) else "got %r, want an integer" % (v,)


class Scenario:
    """A started cluster with keys on every node and the load plans; n3 is the faulty peer."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.n1, self.n2, self.victim = cluster.nodes
        self.on = cluster.keys_on_each_node("pf:", 24)
        extra = cluster.keys_on_each_node("pfx:", 2 * CLIENTS_PER_ENTRY)
        self.value = {k: ("val-" + k).encode() for ks in self.on.values() for k in ks}
        with self.n1.client() as c:
            c.mset(self.value)
            for node_id in ("n1", "n2"):
                c.mset({k: 0 for k in extra[node_id]})
        self.counters = extra
        self.scratch_values = {}  # victim scratch key -> every value sent to it
        self.clients = []

    def plan(self, entry, idx):
        other = self.n2 if entry is self.n1 else self.n1
        vk = self.on[self.victim.id]
        mine, theirs = self.on[entry.id], self.on[other.id]
        counter = self.counters[entry.id][idx]
        plan = []
        for j in range(8):
            v, m, t = vk[(idx * 8 + j) % 20], mine[j], theirs[j]
            scratch = "pf:scratch:%s:%d:%d" % (entry.id, idx, j)
            owner = self.cluster.owners([scratch])[scratch]
            scratch_val = "s-%s-%d-%d" % (entry.id, idx, j)
            plan += [
                (self.victim.id, ("GET", v), expect(self.value[v])),
                (entry.id, ("GET", m), expect(self.value[m])),
                (other.id, ("GET", t), expect(self.value[t])),
                (entry.id, ("INCR", counter), expect_int),
                (self.victim.id, ("MGET", m, v), expect([self.value[m], self.value[v]])),
                (other.id, ("SET", t, self.value[t]), expect("OK")),
            ]
            if owner == self.victim.id:
                self.scratch_values.setdefault(scratch, set()).add(scratch_val.encode())
                plan.append((self.victim.id, ("SET", scratch, scratch_val), expect("OK")))
        return plan

    def start_load(self):
        for entry in (self.n1, self.n2):
            for idx in range(CLIENTS_PER_ENTRY):
                c = LoadClient(entry, self.plan(entry, idx))
                self.clients.append(c)
                c.start()

    def stop_load(self):
        for c in self.clients:
            c.stop.set()
        for c in self.clients:
            c.join(HANG_S + 5)

    def analyse(self, t_fault, t_return):
        """Asserts the bounds; returns the figures."""
        hangs = [c.hang for c in self.clients if c.hang]
        problems = [p for c in self.clients for p in c.problems]
        assert not hangs, hangs
        assert not problems, problems[:10]
        fwd_fault_ms, local_fault_ms, all_ms, recovery = [], [], [], []
        bad_errors = []
        errors_total = 0
        for c in self.clients:
            first_ok_after = None
            for t0, t1, target, err in c.log:
                ms = (t1 - t0) * 1000
                all_ms.append(ms)
                in_fault = t0 >= t_fault and t1 <= t_return
                if err is not None:
                    errors_total += 1
                    if target != self.victim.id or not error_names_node(err, self.victim):
                        bad_errors.append((target, err))
                    if target == self.victim.id and t1 >= t_return:
                        first_ok_after = None
                elif target == self.victim.id and t0 >= t_return and first_ok_after is None:
                    first_ok_after = t1
                if in_fault:
                    (fwd_fault_ms if target == self.victim.id else local_fault_ms).append(ms)
            slow = [(t0 - t_fault, (t1 - t0) * 1000, target, err) for t0, t1, target, err in c.log
                    if (t1 - t0) * 1000 > BOUND_MS]
            assert not slow, "requests over %d ms (start s after fault, ms, target, error): %r" \
                % (BOUND_MS, slow[:10])
            assert first_ok_after is not None, "client on %s never succeeded after the return" % \
                c.entry.id
            recovery.append(first_ok_after - t_return)
        assert not bad_errors, bad_errors[:10]
        assert errors_total > 0, "no request failed: the fault was not seen"
        assert fwd_fault_ms and local_fault_ms
        return {"fwd": fwd_fault_ms, "local": local_fault_ms, "all": all_ms,
                "recovery_s": max(recovery), "errors": errors_total,
                "requests": len(all_ms)}

    def check_nothing_moved(self, counts_before, keys_before):
        """Survivor key counts and key sets are unchanged; the victim's data is intact."""
        counts_after = {n.id: n.local_keys() for n in (self.n1, self.n2)}
        assert counts_after == counts_before, (counts_before, counts_after)
        for n in (self.n1, self.n2):
            keys = own_keys(self.cluster, n)
            assert keys == keys_before[n.id], (n.id, keys ^ keys_before[n.id])
            strays = {k.encode() for k in self.on[self.victim.id]} & keys
            strays |= {k.encode() for k in self.scratch_values} & keys
            assert not strays, (n.id, strays)
        with self.n1.client() as c:
            vk = self.on[self.victim.id]
            assert c.mget(vk) == [self.value[k] for k in vk]
            scratch = sorted(self.scratch_values)
            for k, v in zip(scratch, c.mget(scratch) if scratch else []):
                assert v is None or v in self.scratch_values[k], (k, v)


def run_fault(name, fault, heal, fault_s):
    cluster = make_cluster(name)
    try:
        s = Scenario(cluster)
        counts_before = {n.id: n.local_keys() for n in (s.n1, s.n2)}
        keys_before = {n.id: own_keys(cluster, n) for n in (s.n1, s.n2)}
        s.start_load()
        time.sleep(0.5)  # baseline: everything answers
        t_fault = time.monotonic()
        fault(s.victim)
        time.sleep(fault_s)
        t_return = heal(s.victim)
        time.sleep(2.5)  # long enough to see a recovery slower than the limit
        s.stop_load()
        for n in cluster.nodes:
            assert n.server.alive(), n.log_tail()
        fig = s.analyse(t_fault, t_return)
        s.check_nothing_moved(counts_before, keys_before)
        return fig
    finally:
        cluster.cleanup()


def restart_and_time(node):
    """Restarts a killed node; returns the monotonic time of its first PONG."""
    prober = reltools.PingProber(node.port)
    node.restart()
    elapsed = prober.result()
    return prober.t0 + elapsed if elapsed is not None else time.monotonic()


def resume_and_time(node):
    t = time.monotonic()
    node.resume()
    return t


def fault_line(kind, fault_s, fig):
    return ("%s for %.1f s under %d clients (timeout %d ms): %d requests, %d errors, all named "
            "the node, none over %d ms; forwarded to it during the fault %s; other keys during "
            "the fault %s; all requests %s; pool recovered %.0f ms after the peer's return" %
            (kind, fault_s, 2 * CLIENTS_PER_ENTRY, FORWARD_TIMEOUT_MS, fig["requests"],
             fig["errors"], BOUND_MS, reltools.summarize_ms(fig["fwd"]),
             reltools.summarize_ms(fig["local"]), reltools.summarize_ms(fig["all"]),
             fig["recovery_s"] * 1000))


@pytest.mark.parametrize("fault_s", FAULT_SECONDS)
def test_killed_then_restarted_peer(fault_s):
    fig = run_fault("rel-kill", lambda n: n.kill9(), restart_and_time, fault_s)
    line = fault_line("peer kill -9", fault_s, fig)
    reltools.figure("peer killed, restarted", line,
                    "Redis Cluster: -CLUSTERDOWN/-TRYAGAIN, clients never hang")
    assert fig["recovery_s"] <= RECOVERY_LIMIT_S, (
        "SERVER ISSUE: pool recovered %.0f ms after the peer's return (limit %.0f ms): reconnect "
        "backoff" % (fig["recovery_s"] * 1000, RECOVERY_LIMIT_S * 1000))


@pytest.mark.parametrize("fault_s", FAULT_SECONDS)
def test_paused_then_resumed_peer(fault_s):
    fig = run_fault("rel-pause", lambda n: n.pause(), resume_and_time, fault_s)
    line = fault_line("peer SIGSTOP", fault_s, fig)
    reltools.figure("peer paused (SIGSTOP), resumed", line,
                    "Redis Cluster: -CLUSTERDOWN/-TRYAGAIN, clients never hang")
    assert fig["recovery_s"] <= RECOVERY_LIMIT_S, (
        "SERVER ISSUE: pool recovered %.0f ms after SIGCONT (limit %.0f ms): reconnect backoff" %
        (fig["recovery_s"] * 1000, RECOVERY_LIMIT_S * 1000))


# ---- descriptors and memory over many peer restarts -------------------------------------------


def drive_forwards(entry, keys_by_node, want, conns=6, limit_s=10.0):
    """Opens `conns` connections to entry (so both workers get some) and GETs a key of every node
    through each until all answer right; returns seconds taken. Closes them all."""
    t0 = time.monotonic()
    clients = [entry.raw(timeout=HANG_S) for _ in range(conns)]
    try:
        for c in clients:
            for node_id, keys in keys_by_node.items():
                k = keys[0]
                while True:
                    v = c.call("GET", k)
                    if v == want[k]:
                        break
                    assert isinstance(v, harness.RespError), v
                    assert time.monotonic() - t0 < limit_s, "no recovery: %s" % v.message
                    time.sleep(0.01)
    finally:
        for c in clients:
            c.close()
    return time.monotonic() - t0


def idle_probe(nodes, settle_s=0.3):
    """{node id: (fds, rss kB)} once the fd counts stop changing (closed clients are reaped)."""
    prev = None
    for _ in range(50):
        time.sleep(settle_s)
        now = {n.id: reltools.fd_count(n.pid) for n in nodes}
        if now == prev:
            break
        prev = now
    return {n.id: (reltools.fd_count(n.pid), reltools.rss_kb(n.pid)) for n in nodes}


def test_descriptors_and_memory_return_to_baseline_after_peer_restarts():
    restarts = pick(10, 100)
    rss_slack_kb = 4096
    cluster = make_cluster("rel-fd")
    try:
        n1, n2, victim = cluster.nodes
        on = cluster.keys_on_each_node("fd:", 1)
        want = {ks[0]: ("v-" + ks[0]).encode() for ks in on.values()}
        with n1.client() as c:
            c.mset(want)

        def one_restart():
            victim.kill9()
            for entry in (n1, n2):  # the dead peer is seen by both survivors
                with entry.raw(timeout=HANG_S) as c:
                    out = c.call("GET", on[victim.id][0])
                    assert isinstance(out, harness.RespError), out
            victim.restart()
            return max(drive_forwards(n1, on, want), drive_forwards(n2, on, want))

        for _ in range(2):  # warm-up: one-time allocations belong to the baseline
            one_restart()
        base = idle_probe((n1, n2))
        heal = []
        trace = []
        for i in range(restarts):
            heal.append(one_restart())
            if (i + 1) % max(1, restarts // 5) == 0:
                trace.append((i + 1, idle_probe((n1, n2), settle_s=0.1)))
        end = idle_probe((n1, n2))
        for n in (n1, n2):
            assert n.server.alive(), n.log_tail()
            assert end[n.id][0] == base[n.id][0], ("fds", n.id, base, end, trace)
            assert end[n.id][1] <= base[n.id][1] + rss_slack_kb, ("rss", n.id, base, end, trace)
    finally:
        cluster.cleanup()
    reltools.figure(
        "descriptors and memory after peer restarts",
        "%d kill -9 + restarts of n3: survivors n1/n2 fds %d/%d -> %d/%d, VmRSS %d/%d kB -> "
        "%d/%d kB (limit +%d kB); forwards healed after each restart in %s" %
        (restarts, base["n1"][0], base["n2"][0], end["n1"][0], end["n2"][0], base["n1"][1],
         base["n2"][1], end["n1"][1], end["n2"][1], rss_slack_kb,
         reltools.summarize_ms([h * 1000 for h in heal])),
        "Redis Cluster node: stable fds/RSS across peer reconnects")


# ---- two nodes with different cluster-nodes lists --------------------------------------------


def test_nodes_with_different_cluster_nodes_lists_never_loop():
    pa, pb, pc = cluster_harness.free_ports(3)
    spec_a = "a@%s:%d,b@%s:%d" % (harness.HOST, pa, harness.HOST, pb)
    spec_b = spec_a + ",c@%s:%d" % (harness.HOST, pc)  # c never runs
    common = NODE_ARGS + ["--cluster-forward-timeout", str(FORWARD_TIMEOUT_MS)]
    a = harness.Server(extra_args=["--cluster-myself", "a", "--cluster-nodes", spec_a] + common,
                       name="rel-mm-a")
    b = harness.Server(extra_args=["--cluster-myself", "b", "--cluster-nodes", spec_b] + common,
                       name="rel-mm-b")
    per_node = 100
    try:
        a.start(port=pa)
        b.start(port=pb)
        with a.connect() as ca, b.connect() as cb:
            # Keys each node believes the other one owns.
            candidates = ["mm:%d" % i for i in range(3000)]
            own_a = reltools.pipeline(ca, [("CLUSTER", "KEYNODE", k) for k in candidates])
            own_b = reltools.pipeline(cb, [("CLUSTER", "KEYNODE", k) for k in candidates])
            to_b = [k for k, o in zip(candidates, own_a) if o[0] == b"b"][:per_node]
            to_a = [k for k, o in zip(candidates, own_b) if o[0] == b"a"][:per_node]
            assert len(to_b) == per_node and len(to_a) == per_node
            before = {"a": reltools.commandstats(ca), "b": reltools.commandstats(cb)}
            worst_ms = 0.0
            texts = set()
            sent = {"a": {"get": 0, "set": 0}, "b": {"get": 0, "set": 0}}
            address = {"a": "%s:%d" % (harness.HOST, pa), "b": "%s:%d" % (harness.HOST, pb)}
            for conn, keys, node, other in ((ca, to_b, "a", "b"), (cb, to_a, "b", "a")):
                for k in keys:
                    for cmd in (("GET", k), ("SET", k, "x")):
                        t0 = time.monotonic()
                        out = conn.call(*cmd)
                        worst_ms = max(worst_ms, (time.monotonic() - t0) * 1000)
                        sent[node][cmd[0].lower()] += 1
                        assert isinstance(out, harness.RespError), (node, cmd, out)
                        assert address[other] in out.message, out.message
                        texts.add(re.sub(r"[0-9a-f]{16}", "<fp>", out.message))
            after = {"a": reltools.commandstats(ca), "b": reltools.commandstats(cb)}
            sizes = (ca.call("DBSIZE"), cb.call("DBSIZE"))
        delta = {n: {cmd: after[n].get(cmd, 0) - before[n].get(cmd, 0)
                     for cmd in ("get", "set", "ringkv.hello")} for n in ("a", "b")}
        # Each node ran exactly what its own client sent: not one command arrived from the other.
        for n in ("a", "b"):
            assert delta[n]["get"] == sent[n]["get"] and delta[n]["set"] == sent[n]["set"], \
                (delta, sent)
        assert worst_ms <= BOUND_MS, worst_ms
        assert a.alive() and b.alive()
        logs = a.log_tail(400) + b.log_tail(400)
        assert "mismatch" in logs, logs[-2000:]
        assert any("mismatch" in t for t in texts), texts
        assert isinstance(sizes[0], harness.RespError) or sizes[0] == 0, sizes
    finally:
        a.cleanup()
        b.cleanup()
    reltools.figure(
        "two nodes, different cluster-nodes lists",
        "%d GET + %d SET sent to each node for keys it thinks the other owns: all refused at the "
        "handshake in <= %.0f ms; commandstats deltas a=%r b=%r (= what its own client sent: 0 "
        "hops, no loop); RINGKV.HELLO calls since start a=%d b=%d (reconnect backoff); error: %s" %
        (per_node, per_node, worst_ms, delta["a"], delta["b"], after["a"].get("ringkv.hello", 0),
         after["b"].get("ringkv.hello", 0), sorted(texts)[0][:160]),
        "Redis Cluster: a node never forwards; -MOVED at most one hop")


# ---- a hostile peer ---------------------------------------------------------------------------


class FakePeer(threading.Thread):
    """Listens on `port`; answers AUTH and RINGKV.HELLO with +OK and any other command with
    `payload` (then, if `stream_bytes`, that many more bytes of junk), keeping the socket open."""

    def __init__(self, port, payload, stream_bytes=0):
        super().__init__(daemon=True)
        self.payload, self.stream_bytes = payload, stream_bytes
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((harness.HOST, port))
        self.sock.listen(64)
        self.accepted = self.handshakes = self.hostile_sent = 0
        self.closing = False
        self.conns = []

    def run(self):
        while not self.closing:
            try:
                s, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.conns.append(s)
            threading.Thread(target=self.serve, args=(s,), daemon=True).start()

    def serve(self, s):
        reader = harness.RespReader(s)
        try:
            while not self.closing:
                # A peer sends multibulk commands; RespReader reads them like replies.
                _, cmd = reader.read()
                name = cmd[0].upper() if isinstance(cmd, list) and cmd else b""
                if name in (b"AUTH", b"RINGKV.HELLO"):
                    self.handshakes += 1
                    s.sendall(b"+OK\r\n")
                    continue
                self.hostile_sent += 1
                s.sendall(self.payload)
                left = self.stream_bytes
                chunk = b"x" * (1 << 20)
                while left > 0 and not self.closing:
                    s.sendall(chunk[:left])
                    left -= len(chunk)
        except (OSError, ValueError, harness.ConnectionClosed):
            pass
        finally:
            s.close()

    def close(self):
        self.closing = True
        self.sock.close()
        for s in self.conns:
            try:
                s.close()
            except OSError:
                pass


class RssSampler(threading.Thread):
    """Samples VmRSS of `pid` every 5 ms until finish(), which returns the peak in kB."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak = pid, reltools.rss_kb(pid)
        self.done = threading.Event()
        self.start()

    def run(self):
        while not self.done.wait(0.005):
            try:
                self.peak = max(self.peak, reltools.rss_kb(self.pid))
            except (OSError, RuntimeError):
                return

    def finish(self):
        self.done.set()
        self.join(2)
        return self.peak


RSS_LIMIT_KB = 32 * 1024  # "stays small": far below what the hostile headers announce
HOSTILE = {
    "array-4294967295": (b"*4294967295\r\n", 0),
    "array-2147483647": (b"*2147483647\r\n", 0),
    "bulk-4GB-header": (b"$4294967296\r\n", 0),
    # The same header, then the peer keeps sending: the declared length is already over any limit.
    "bulk-4GB-then-128MB": (b"$4294967296\r\n", 128 << 20),
    "nested-depth-9": (b"*1\r\n" * 9 + b":1\r\n", 0),
}


@pytest.mark.parametrize("variant", sorted(HOSTILE))
def test_hostile_peer_reply_headers(variant):
    payload, stream = HOSTILE[variant]
    p_real, p_fake = cluster_harness.free_ports(2)
    spec = "n1@%s:%d,n2@%s:%d" % (harness.HOST, p_real, harness.HOST, p_fake)
    fake = FakePeer(p_fake, payload, stream)
    fake.start()
    node = harness.Server(extra_args=["--cluster-myself", "n1", "--cluster-nodes", spec,
                                      "--cluster-forward-timeout", str(FORWARD_TIMEOUT_MS)] +
                          NODE_ARGS, name="rel-hostile")
    fake_node = type("FakeNode", (), {"id": "n2", "address": "%s:%d" % (harness.HOST, p_fake)})
    requests = 12
    try:
        node.start(port=p_real)
        base_rss = reltools.rss_kb(node.pid)
        with node.connect() as c:
            owners = reltools.pipeline(c, [("CLUSTER", "KEYNODE", "h:%d" % i) for i in range(64)])
            fake_keys = ["h:%d" % i for i, o in enumerate(owners) if o[0] == b"n2"]
            local_keys = ["h:%d" % i for i, o in enumerate(owners) if o[0] == b"n1"]
            assert c.call("SET", local_keys[0], "here") == "OK"
        worst_ms, texts, trace = 0.0, set(), []
        rss = RssSampler(node.pid)
        conns = [node.connect(timeout=HANG_S) for _ in range(3)]
        try:
            for i in range(requests):
                c = conns[i % len(conns)]
                t0 = time.monotonic()
                out = c.call("GET", fake_keys[i % len(fake_keys)])
                ms = (time.monotonic() - t0) * 1000
                worst_ms = max(worst_ms, ms)
                assert isinstance(out, harness.RespError), out
                assert error_names_node(out.message, fake_node), out.message
                trace.append("%.0f ms %s" % (ms, out.message))
                texts.add(re.sub(r"\d{3,}", "N", out.message))
                assert c.call("PING") == "PONG"
                assert c.call("GET", local_keys[0]) == b"here"
        finally:
            for c in conns:
                c.close()
            peak_rss = rss.finish()
        alive = node.alive() and reltools.ping_once(node.port, timeout=1.0)
        log = node.log_tail()
    finally:
        fake.close()
        node.cleanup()
    reltools.figure(
        "hostile peer: %s" % variant,
        "%d forwarded GETs: all answered with an error naming n2 in <= %.0f ms; node %s, PING "
        "and local keys fine; VmRSS %d kB -> peak %d kB; fake peer saw %d connections, "
        "%d handshakes; error e.g. %r" %
        (requests, worst_ms, "up" if alive else "DOWN", base_rss, peak_rss, fake.accepted,
         fake.handshakes, sorted(texts)[0][:140]),
        "hiredis 0.14 would calloc 34 GB for *4294967295 (hiredis #1357); Redis has no peer "
        "forwarding")
    assert alive, log
    assert fake.hostile_sent > 0, "the fake peer never got a command"
    assert peak_rss - base_rss < RSS_LIMIT_KB, (
        "SERVER BUG: VmRSS %d kB -> peak %d kB: the node buffered what the peer streamed after "
        "announcing a reply over max_reply_bytes" % (base_rss, peak_rss), trace)
    assert worst_ms <= BOUND_MS, trace
