"""Protected mode, seen from a non-loopback address.

The test builds its own private network: a network namespace and a veth pair (iproute2), with a
/30 from 10.213.0.0/16 that no interface of this machine uses (root side .1, namespace side .2).
The server binds 127.0.0.1 and the root-side address; the client runs inside the namespace
(`ip netns exec`), so the server sees a non-loopback peer. Nothing ever talks to the machine's own
external address. The namespace and the veth pair are removed at teardown, also on failure (and at
exit, should teardown not run). Without CAP_SYS_ADMIN/CAP_NET_ADMIN the tests are skipped with the
reason.

- No password (protected mode on by default): the client gets Redis's `-DENIED ...` text, byte for
  byte, and the connection is closed; loopback clients are served.
- With requirepass: no DENIED, the usual -NOAUTH, and AUTH works from outside.
- With `protected-mode no`: served from outside.
"""

import atexit
import json
import os
import subprocess
import sys

import pytest

import harness

DENIED = (
    b"-DENIED Redis is running in protected mode because protected mode is enabled and no "
    b"password is set for the default user. In this mode connections are only accepted from the "
    b"loopback interface. If you want to connect from external computers to Redis you may adopt "
    b"one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG "
    b"SET protected-mode no' from the loopback interface by connecting to Redis from the same "
    b"host the server is running, however MAKE SURE Redis is not publicly accessible from "
    b"internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    b"you can just disable the protected mode by editing the Redis configuration file, and "
    b"setting the protected mode option to 'no', and then restarting the server. 3) If you "
    b"started the server manually just for testing, restart it with the '--protected-mode no' "
    b"option. 4) Setup a an authentication password for the default user. NOTE: You only need to "
    b"do one of the above things in order for the server to start accepting connections from the "
    b"outside.\r\n")

# Runs inside the namespace: sends the given requests one by one, collecting each reply (or the
# close), and prints the result as JSON.
CLIENT_SCRIPT = r"""
import json, socket, sys, time
host, port, reqs = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
s = socket.create_connection((host, port), timeout=3)
out = []
closed = False
for r in reqs:
    try:
        s.sendall(r.encode())
    except OSError:
        closed = True
        break
    data = b""
    deadline = time.time() + 3
    while time.time() < deadline and not data.endswith(b"\r\n"):
        try:
            chunk = s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            chunk = b""
        if not chunk:
            closed = True
            break
        data += chunk
    out.append(data.decode("latin-1"))
    if closed:
        break
if not closed:
    s.settimeout(1.0)
    try:
        closed = s.recv(1) == b""
    except socket.timeout:
        closed = False
    except ConnectionResetError:
        closed = True
print(json.dumps({"replies": out, "closed": closed}))
"""


def _ip(*args, check=True):
    return subprocess.run(["ip"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=10, check=check)


class PrivateNet:
    """A netns + veth pair with a private /30. `teardown()` is idempotent."""

    def __init__(self):
        tag = "rkvh%d" % (os.getpid() % 10000000)
        self.ns = tag
        self.veth_root = tag + "a"
        self.veth_ns = tag + "b"
        self.root_addr = None
        self.ns_addr = None
        self._created_ns = False
        self._created_link = False

    def _free_subnet(self):
        used = _ip("-4", "addr").stdout.decode() + _ip("-4", "route").stdout.decode()
        base = os.getpid() % 250
        for i in range(250):
            octet = (base + i) % 250 + 1
            if "10.213.%d." % octet not in used:
                return "10.213.%d.1" % octet, "10.213.%d.2" % octet
        raise RuntimeError("no free 10.213.x.0/30")

    def setup(self):
        r = _ip("netns", "add", self.ns, check=False)
        if r.returncode != 0:
            raise PermissionError(r.stderr.decode().strip())
        self._created_ns = True
        r = _ip("link", "add", self.veth_root, "type", "veth", "peer", "name", self.veth_ns,
                check=False)
        if r.returncode != 0:
            raise PermissionError(r.stderr.decode().strip())
        self._created_link = True
        self.root_addr, self.ns_addr = self._free_subnet()
        _ip("link", "set", self.veth_ns, "netns", self.ns)
        _ip("addr", "add", self.root_addr + "/30", "dev", self.veth_root)
        _ip("link", "set", self.veth_root, "up")
        _ip("netns", "exec", self.ns, "ip", "addr", "add", self.ns_addr + "/30", "dev",
            self.veth_ns)
        _ip("netns", "exec", self.ns, "ip", "link", "set", self.veth_ns, "up")
        _ip("netns", "exec", self.ns, "ip", "link", "set", "lo", "up")

    def teardown(self):
        if self._created_link:
            _ip("link", "del", self.veth_root, check=False)  # removes both ends
            self._created_link = False
        if self._created_ns:
            _ip("netns", "del", self.ns, check=False)
            self._created_ns = False

    def run_client(self, port, requests):
        r = subprocess.run(["ip", "netns", "exec", self.ns, sys.executable, "-c", CLIENT_SCRIPT,
                            self.root_addr, str(port), json.dumps(requests)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=15)
        assert r.returncode == 0, r.stderr.decode()
        result = json.loads(r.stdout)
        return [x.encode("latin-1") for x in result["replies"]], result["closed"]


@pytest.fixture(scope="module")
def private_net():
    if not os.path.exists("/usr/sbin/ip") and not os.path.exists("/sbin/ip"):
        pytest.skip("iproute2 (ip) is not installed")
    net = PrivateNet()
    atexit.register(net.teardown)
    try:
        try:
            net.setup()
        except PermissionError as e:
            pytest.skip("cannot create a network namespace / veth pair here "
                        "(needs CAP_SYS_ADMIN and CAP_NET_ADMIN): %s" % e)
        yield net
    finally:
        net.teardown()


def test_protected_mode_denies_non_loopback(kind, launch, private_net):
    s = launch(kind, ["--bind", harness.HOST, private_net.root_addr])
    replies, closed = private_net.run_client(s.port, ["PING\r\n"])
    assert replies == [DENIED]
    assert closed
    with s.connect() as c:  # loopback is served
        assert c.call_raw("PING") == b"+PONG\r\n"


def test_protected_mode_with_password_asks_for_auth(kind, launch, private_net):
    s = launch(kind, ["--bind", harness.HOST, private_net.root_addr, "--requirepass", "pw"])
    replies, closed = private_net.run_client(
        s.port, ["PING\r\n", "AUTH pw\r\n", "PING\r\n"])
    assert replies == [b"-NOAUTH Authentication required.\r\n", b"+OK\r\n", b"+PONG\r\n"]
    assert not closed


def test_protected_mode_off_serves_non_loopback(kind, launch, private_net):
    s = launch(kind, ["--bind", harness.HOST, private_net.root_addr, "--protected-mode", "no"])
    replies, closed = private_net.run_client(s.port, ["PING\r\n", "ECHO hi\r\n"])
    assert replies == [b"+PONG\r\n", b"$2\r\nhi\r\n"]
    assert not closed
