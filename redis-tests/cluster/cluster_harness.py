"""Start a local ringkv cluster for the cluster suites: N nodes on free loopback ports.

Design note: a cluster node must know every node's address before it starts (the same
`--cluster-nodes` list on each), so the ports are chosen first, all at once: random ports below the
kernel's ephemeral range (so outgoing peer connections cannot be handed one of them meanwhile),
each checked by binding it. Every node is a harness.Server (its own temp data dir, log, stop by PID:
SIGTERM, then SIGKILL after 5 s). If a node fails to come up (a port was taken after all), the whole
cluster is stopped and started again on new ports. After start, each port is checked to be served
by our own process (INFO server process_id), not by some other server that took the port.

Reference mode: when the binary under test is Debian's redis-server
(RINGKV_SERVER=/usr/bin/redis-server), one redis-server stands in for all N "nodes" (every node
handle points at it). A single Redis is exactly what a ringkv cluster must look like from a client,
so every whole-cluster assertion can be proved against it; tests of what only a cluster has
(spread, CLUSTER KEYNODE, peer failure) are skipped there (`cluster.is_reference`).
Wait-ready: a node that started before its peers may be in its reconnect backoff towards them, so
start() returns only when DBSIZE (which asks every node) answers through every node.
"""

import ctypes
import os
import random
import re
import signal
import socket
import sys
import time

import redis

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import harness  # noqa: E402

HOST = harness.HOST
CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot"


def ephemeral_port_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo, hi = (int(x) for x in f.read().split())
            return lo, hi
    except (OSError, ValueError):
        return 32768, 60999


def port_is_free(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((HOST, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_ports(n, consecutive=False):
    """n distinct loopback ports that were free a moment ago, below the ephemeral range.
    With consecutive=True they are base, base+1, ... (for scripts/cluster.sh's base port)."""
    lo = 20000
    hi = min(ephemeral_port_range()[0], 32768) - n - 1
    rnd = random.Random()
    for _ in range(500):
        if consecutive:
            base = rnd.randint(lo, hi)
            ports = list(range(base, base + n))
        else:
            ports = rnd.sample(range(lo, hi), n)
        if all(port_is_free(p) for p in ports):
            return ports
    raise RuntimeError("no %d free loopback ports found" % n)


def local_key_count(port, password=None):
    """This node's own key count: INFO keyspace `db0:keys=N` (0 when the section is empty)."""
    c = redis.Redis(host=HOST, port=port, password=password, socket_timeout=10)
    try:
        info = c.info("keyspace")
    finally:
        c.close()
    return int(info.get("db0", {}).get("keys", 0))


def xxh3_64(data):
    """XXH3-64 of bytes, through Debian's libxxhash (the library the server links)."""
    lib = ctypes.CDLL("libxxhash.so.0")
    lib.XXH3_64bits.restype = ctypes.c_uint64
    lib.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    return lib.XXH3_64bits(data, len(data))


class Node:
    """One cluster node: id, port, its harness.Server, and helpers that talk to it alone."""

    def __init__(self, cluster, node_id, server):
        self.cluster = cluster
        self.id = node_id
        self.server = server

    @property
    def port(self):
        return self.server.port

    @property
    def pid(self):
        return self.server.pid

    @property
    def address(self):
        return "%s:%d" % (HOST, self.port)

    def client(self, **kw):
        kw.setdefault("socket_timeout", 30)
        kw.setdefault("password", self.cluster.password)
        return redis.Redis(host=HOST, port=self.port, **kw)

    def raw(self, timeout=10.0):
        conn = harness.RespConnection(HOST, self.port, timeout=timeout)
        if self.cluster.password:
            assert conn.call("AUTH", self.cluster.password) == "OK"
        return conn

    def local_keys(self):
        return local_key_count(self.port, self.cluster.password)

    def kill9(self):
        self.server.kill9()

    def pause(self):
        """SIGSTOP, then wait until every thread has stopped: kill() returns before the group
        stop reaches all threads, and meanwhile a worker can still answer a request."""
        pid = self.server.pid
        os.kill(pid, signal.SIGSTOP)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                states = []
                for tid in os.listdir("/proc/%d/task" % pid):
                    with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                        states.append(f.read().rsplit(")", 1)[1].split()[0])
            except OSError:
                return  # gone
            if all(st in ("T", "t") for st in states):
                return
            time.sleep(0.001)
        raise AssertionError("node %s did not stop within 5 s of SIGSTOP" % self.id)

    def resume(self):
        if self.server.proc is not None and self.server.proc.poll() is None:
            os.kill(self.server.pid, signal.SIGCONT)

    def restart(self):
        """Start again on the same port and data dir (after kill9 or stop)."""
        self.server.start(port=self.server.port)
        self.cluster._check_owner(self)

    def log_tail(self, n=30):
        return self.server.log_tail(n)

    def __repr__(self):
        return "%s@%s" % (self.id, self.address)


class Cluster:
    """N nodes n1..nN. `nodes_spec` overrides the --cluster-nodes list (for mismatch tests)."""

    def __init__(self, n=3, extra_args=(), binary=None, forward_timeout=None, name="cluster"):
        self.n = n
        self.binary = binary or harness.server_binary()
        self.is_reference = harness.is_reference_binary(self.binary)
        self.extra_args = list(extra_args)
        if forward_timeout is not None:
            self.extra_args += ["--cluster-forward-timeout", str(forward_timeout)]
        self.forward_timeout = forward_timeout or 1000
        self.name = name
        self.password = None
        for i, a in enumerate(self.extra_args):
            if a == "--requirepass" and i + 1 < len(self.extra_args):
                self.password = self.extra_args[i + 1]
        self.nodes = []
        self.nodes_spec = ""

    # -- lifecycle --------------------------------------------------------------------------

    def start(self):
        last_error = None
        for _ in range(3):
            try:
                self._start_once()
                self.wait_ready()
                return self
            except (harness.ServerError, PortOwnerError) as e:
                last_error = e
                self.cleanup()
        raise last_error

    def _start_once(self):
        self.nodes = []
        if self.is_reference:
            srv = harness.Server(binary=self.binary, extra_args=_reference_args(self.extra_args),
                                 name=self.name)
            self.nodes = [Node(self, "n%d" % (i + 1), srv) for i in range(self.n)]
            srv.start()
            return
        ports = free_ports(self.n)
        ids = ["n%d" % (i + 1) for i in range(self.n)]
        self.nodes_spec = ",".join("%s@%s:%d" % (i, HOST, p) for i, p in zip(ids, ports))
        for node_id, port in zip(ids, ports):
            srv = harness.Server(binary=self.binary, extra_args=self.node_args(node_id),
                                 name="%s-%s" % (self.name, node_id))
            node = Node(self, node_id, srv)
            self.nodes.append(node)
            srv.start(port=port)
            self._check_owner(node)

    def wait_ready(self, timeout=10.0):
        """Waits until DBSIZE (which asks every node) answers through every node: a node that
        started before its peers may still be in its reconnect backoff towards them. Each worker
        thread of a node has its own peer connections, and the kernel spreads new connections
        over the workers, so DBSIZE is asked on several fresh connections per node."""
        deadline = time.monotonic() + timeout
        for node in self.nodes:
            for _ in range(16):
                c = node.client(socket_timeout=5)
                try:
                    while True:
                        try:
                            c.dbsize()
                            break
                        except redis.ResponseError as e:
                            if time.monotonic() > deadline:
                                raise harness.ServerError(
                                    "cluster not ready: DBSIZE through %s: %s" % (node.id, e))
                            time.sleep(0.05)
                finally:
                    c.close()

    def node_args(self, node_id, nodes_spec=None):
        return ["--cluster-myself", node_id, "--cluster-nodes", nodes_spec or self.nodes_spec,
                "--loglevel", "notice"] + self.extra_args

    def _check_owner(self, node):
        if self.is_reference:
            return
        c = node.client(socket_timeout=5)
        try:
            pid = int(c.info("server")["process_id"])
        finally:
            c.close()
        if pid != node.server.pid:
            raise PortOwnerError("port %d answered by pid %d, not by %s's pid %d" %
                                 (node.port, pid, node.id, node.server.pid))

    def cleanup(self):
        seen = set()
        for node in self.nodes:
            if id(node.server) in seen:
                continue
            seen.add(id(node.server))
            node.resume()  # a SIGSTOPped node would not act on SIGTERM
            node.server.cleanup()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()
        return False

    # -- queries ----------------------------------------------------------------------------

    def node(self, node_id):
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def local_counts(self):
        """{node id: INFO keyspace key count} (in reference mode the one server's count)."""
        return {n.id: n.local_keys() for n in self.nodes}

    def owners(self, keys, via=None):
        """{key: owner id} from CLUSTER KEYNODE (pipelined through `via`, default n1).
        Reference mode: a fixed round-robin assignment, so tests that want "keys on every node"
        still get a spread of keys."""
        keys = list(keys)
        if self.is_reference:
            return {k: self.nodes[i % self.n].id for i, k in enumerate(keys)}
        via = via or self.nodes[0]
        c = via.client()
        try:
            p = c.pipeline(transaction=False)
            for k in keys:
                p.execute_command("CLUSTER", "KEYNODE", k)
            replies = p.execute()
        finally:
            c.close()
        out = {}
        for k, r in zip(keys, replies):
            out[k] = _decode(r[0])
        return out

    def keys_on_each_node(self, prefix, per_node, exclude=()):
        """{node id: [keys]}: `per_node` keys named prefix<i> owned by each node."""
        want = {n.id: [] for n in self.nodes}
        i = 0
        while any(len(v) < per_node for v in want.values()):
            batch = ["%s%d" % (prefix, j) for j in range(i, i + 256)]
            i += 256
            for k, owner in self.owners(batch).items():
                if k not in exclude and len(want[owner]) < per_node:
                    want[owner].append(k)
            if i > 200000:
                raise RuntimeError("could not find %d keys for every node" % per_node)
        return want

    def tag_owned_by(self, node_id, prefix="t"):
        """A hash tag name whose keys ({tag}...) live on node_id."""
        for i in range(100000):
            tag = "%s%d" % (prefix, i)
            if self.owners(["{%s}" % tag])["{%s}" % tag] == node_id:
                return tag
        raise RuntimeError("no tag for %s" % node_id)

    def fingerprint_hex(self, nodes_spec=None, vnodes=256):
        """The handshake fingerprint of a topology, computed as cluster/topology.cc does
        (XXH3-64 of its canonical encoding v1), as 16 hex digits."""
        entries = []
        for e in (nodes_spec or self.nodes_spec).split(","):
            node_id, addr = e.split("@")
            host, port = addr.rsplit(":", 1)
            entries.append((node_id, host, int(port)))
        enc = "ringkv-topology-v1;vnodes=%d;" % vnodes
        for node_id, host, port in sorted(entries):
            enc += "%d:%s,%d:%s,%d;" % (len(node_id), node_id, len(host), host, port)
        return "%016x" % xxh3_64(enc.encode())


def _reference_args(args):
    """The arguments without ringkv-only options (each takes one value), for redis-server."""
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a == "--threads" or a.startswith("--cluster-"):
            skip = True
        else:
            out.append(a)
    return out


class PortOwnerError(RuntimeError):
    pass


def _decode(v):
    return v.decode() if isinstance(v, bytes) else v


def info_section(text_or_dict):
    """Parses an INFO text reply (bytes or str) into {field: value-string}."""
    if isinstance(text_or_dict, bytes):
        text_or_dict = text_or_dict.decode()
    out = {}
    for line in text_or_dict.splitlines():
        if not line or line.startswith("#") or ":" not in line:
            continue
        k, v = line.split(":", 1)
        out[k] = v
    return out


def error_names_node(message, node):
    """True when an error text names the node by id (as a word) or by host:port."""
    return bool(re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(node.id), message)) or \
        node.address in message
