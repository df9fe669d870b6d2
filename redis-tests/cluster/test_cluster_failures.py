"""Peers that die, pause, disagree about the ring, or need a password.

Each test starts its own 3-node cluster (ids n1..n3, free ports) and stops it by PID at teardown.
Latencies are measured on the client side and recorded as figures.
"""

import os
import socket
import statistics
import sys
import time

import pytest
import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster_harness  # noqa: E402
from cluster_harness import error_names_node  # noqa: E402

pytestmark = pytest.mark.cluster_only

FORWARD_TIMEOUT_MS = 500
SLACK_MS = 200
HEAL_LIMIT_S = 2.5


def timed(fn, *args):
    """(result or raised ResponseError, elapsed ms)."""
    t0 = time.monotonic()
    try:
        out = fn(*args)
    except redis.ResponseError as e:
        out = e
    return out, (time.monotonic() - t0) * 1000.0


def wait_healed(client, key, want, limit_s):
    """Polls GET key through client until it answers `want`; returns seconds taken or None."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit_s + 3.0:
        try:
            if client.get(key) == want:
                return time.monotonic() - t0
        except redis.ResponseError:
            pass
        time.sleep(0.02)
    return None


def summarize(ms):
    return "p50 %.1f ms, max %.1f ms over %d" % (statistics.median(ms), max(ms), len(ms))


@pytest.fixture
def setup3(make_cluster):
    """A cluster with a 500 ms forward timeout and keys written on every node."""
    cluster = make_cluster(n=3, forward_timeout=FORWARD_TIMEOUT_MS,
                           extra_args=["--threads", "2"], name="ct-fail")
    on = cluster.keys_on_each_node("pd:", 20)
    c = cluster.nodes[0].client()
    for ks in on.values():
        c.mset({k: ("val-" + k).encode() for k in ks})
    c.close()
    assert cluster.local_counts() == {"n1": 20, "n2": 20, "n3": 20}
    return cluster, on


def test_killed_peer_gives_errors_only_for_its_keys_and_heals_on_restart(setup3, figures):
    cluster, on = setup3
    entry, alive, victim = cluster.nodes
    c = entry.client(single_connection_client=True, socket_timeout=10)
    client_id = c.client_id()
    victim.kill9()
    bound = FORWARD_TIMEOUT_MS + SLACK_MS

    # Commands on the dead node's keys: an error naming the node, within the bound.
    get_ms = []
    for k in on["n3"][:10]:
        out, ms = timed(c.get, k)
        assert isinstance(out, redis.ResponseError), (k, out)
        assert error_names_node(str(out), victim), str(out)
        assert ms <= bound, "GET %s took %.0f ms (bound %d): %s" % (k, ms, bound, out)
        get_ms.append(ms)
    counts_before = {n.id: n.local_keys() for n in (entry, alive)}
    writes = [(c.set, on["n3"][0], "new"), (c.incr, on["n3"][1]), (c.append, on["n3"][2], "x"),
              (c.setnx, on["n3"][3], "1"), (c.delete, on["n3"][4]),
              (c.mset, {on["n3"][5]: "a", on["n3"][6]: "b"})]
    for fn, *args in writes:
        out, ms = timed(fn, *args)
        assert isinstance(out, redis.ResponseError), (fn.__name__, args, out)
        assert error_names_node(str(out), victim), str(out)
        assert ms <= bound, (fn.__name__, ms)
    # Nothing was written on the survivors for the dead node's keys.
    assert {n.id: n.local_keys() for n in (entry, alive)} == counts_before
    # Multi-key and whole-keyspace commands that need the dead node fail as a whole.
    for fn, *args in [(c.mget, [on["n1"][0], on["n3"][0], on["n2"][0]]),
                      (c.exists, on["n2"][0], on["n3"][0]),
                      (c.dbsize,), (c.keys, "*")]:
        out, ms = timed(fn, *args)
        assert isinstance(out, redis.ResponseError), (fn.__name__, args, out)
        assert error_names_node(str(out), victim), str(out)
        assert ms <= bound, (fn.__name__, ms)
    # Keys of live nodes keep working, on the same connection, fast.
    local_ms = []
    for k in on["n1"][:5] + on["n2"][:5]:
        out, ms = timed(c.get, k)
        assert out == ("val-" + k).encode(), (k, out)
        local_ms.append(ms)
    assert c.set(on["n1"][0], "changed") is True and c.get(on["n1"][0]) == b"changed"
    assert c.mget(on["n1"][1], on["n2"][1]) == [("val-" + k).encode()
                                                 for k in (on["n1"][1], on["n2"][1])]
    # A pipeline mixing live and dead keys keeps its order.
    p = c.pipeline(transaction=False)
    p.get(on["n1"][2]).get(on["n3"][2]).get(on["n2"][2]).ping()
    got = p.execute(raise_on_error=False)
    assert got[0] == ("val-" + on["n1"][2]).encode() and got[2] == ("val-" + on["n2"][2]).encode()
    assert isinstance(got[1], redis.ResponseError) and got[3] is True, got
    assert c.client_id() == client_id  # the same connection all along
    assert max(local_ms) < FORWARD_TIMEOUT_MS, local_ms

    # Restart on the same port and dir: requests to it succeed again, data intact.
    victim.restart()
    healed = wait_healed(c, on["n3"][7], ("val-" + on["n3"][7]).encode(), HEAL_LIMIT_S)
    assert healed is not None and healed <= HEAL_LIMIT_S, "not healed (%r s)" % healed
    for k in on["n3"]:
        assert c.get(k) == ("val-" + k).encode(), k  # no failed write reached it
    assert c.dbsize() == 60
    assert c.client_id() == client_id
    line = ("peer kill -9 (forward timeout %d ms): GET on its keys errors in %s; live keys %s; "
            "healed %.0f ms after restart" % (FORWARD_TIMEOUT_MS, summarize(get_ms),
                                              summarize(local_ms), healed * 1000))
    print(line)
    figures.append(line)
    c.close()


def test_paused_peer_times_out_then_recovers(setup3, figures):
    cluster, on = setup3
    entry, paused, _ = cluster.nodes
    c = entry.client(single_connection_client=True, socket_timeout=10)
    client_id = c.client_id()
    paused.pause()
    bound = FORWARD_TIMEOUT_MS + SLACK_MS
    get_ms = []
    for k in on["n2"][:6]:
        out, ms = timed(c.get, k)
        assert isinstance(out, redis.ResponseError), (k, out)
        assert error_names_node(str(out), paused), str(out)
        assert ms <= bound, "GET %s took %.0f ms (bound %d): %s" % (k, ms, bound, out)
        get_ms.append(ms)
    out, ms = timed(c.mget, on["n1"][0], on["n2"][0], on["n3"][0])
    assert isinstance(out, redis.ResponseError) and ms <= bound, (out, ms)
    local_ms = []
    for k in on["n1"][:5] + on["n3"][:5]:
        out, ms = timed(c.get, k)
        assert out == ("val-" + k).encode(), (k, out)
        local_ms.append(ms)
    p = c.pipeline(transaction=False)
    p.get(on["n1"][1]).get(on["n2"][10]).get(on["n3"][1])
    got = p.execute(raise_on_error=False)
    assert got[0] == ("val-" + on["n1"][1]).encode() and got[2] == ("val-" + on["n3"][1]).encode()
    assert isinstance(got[1], redis.ResponseError), got
    paused.resume()
    healed = wait_healed(c, on["n2"][11], ("val-" + on["n2"][11]).encode(), HEAL_LIMIT_S)
    assert healed is not None and healed <= HEAL_LIMIT_S, "not healed (%r s)" % healed
    # Replies the paused node sends late for timed-out requests must not answer new ones.
    for k in on["n2"]:
        assert c.get(k) == ("val-" + k).encode(), k
    assert c.mget(on["n2"][:6]) == [("val-" + k).encode() for k in on["n2"][:6]]
    assert c.client_id() == client_id
    line = ("peer SIGSTOP (forward timeout %d ms): forwarded GET errors in %s; live keys %s; "
            "healed %.0f ms after SIGCONT" % (FORWARD_TIMEOUT_MS, summarize(get_ms),
                                              summarize(local_ms), healed * 1000))
    print(line)
    figures.append(line)
    c.close()


def test_node_with_a_different_cluster_nodes_list_is_refused_at_handshake(make_cluster):
    cluster = make_cluster(n=3, forward_timeout=FORWARD_TIMEOUT_MS, name="ct-mismatch")
    port4 = cluster_harness.free_ports(1)[0]
    spec4 = cluster.nodes_spec + ",n4@%s:%d" % (cluster_harness.HOST, port4)
    odd = cluster_harness.harness.Server(extra_args=cluster.node_args("n4", spec4),
                                         name="ct-mismatch-n4")
    try:
        odd.start(port=port4)
        c4 = redis.Redis(host=cluster_harness.HOST, port=port4, socket_timeout=10,
                                         single_connection_client=True)
        keys = ["mm:%d" % i for i in range(200)]
        p = c4.pipeline(transaction=False)
        for k in keys:
            p.execute_command("CLUSTER", "KEYNODE", k)
        owners = {k: r[0].decode() for k, r in zip(keys, p.execute())}
        to_n1 = [k for k in keys if owners[k] == "n1"][:3]
        mine = [k for k in keys if owners[k] == "n4"][:3]
        assert to_n1 and mine, owners
        n1 = cluster.node("n1")
        cluster.nodes[0].client().set(to_n1[0], "on-n1")
        for attempt in range(3):
            out, ms = timed(c4.get, to_n1[0])
            assert isinstance(out, redis.ResponseError), (attempt, out)
            text = str(out)
            names_both = error_names_node(text, n1) and "n4" in text
            assert names_both or "mismatch" in text or "fingerprint" in text, text
            assert ms <= FORWARD_TIMEOUT_MS + SLACK_MS, (attempt, ms, text)
        # Its own keys work and the connection stays usable.
        assert c4.set(mine[0], "x") is True and c4.get(mine[0]) == b"x"
        assert c4.ping() is True
        # The refused node's log says why.
        assert "mismatch" in odd.log_tail(200) or "mismatch" in n1.log_tail(200)
        # The real cluster is unaffected.
        assert n1.client().get(to_n1[0]) == b"on-n1"
        assert cluster.nodes[2].client().dbsize() == 1
        c4.close()
    finally:
        odd.cleanup()


def test_commands_from_a_peer_run_locally_and_are_never_forwarded_again(make_cluster):
    cluster = make_cluster(n=3, name="ct-peer")
    n1, n2, n3 = cluster.nodes
    on = cluster.keys_on_each_node("lp:", 3)
    c = n2.client()
    c.mset({k: ("val-" + k).encode() for ks in on.values() for k in ks})
    fingerprint = cluster_harness.info_section(n1.raw().call("CLUSTER", "INFO"))[
        "cluster_fingerprint"]
    # A wrong fingerprint is refused, naming both sides.
    bad = n1.raw()
    out = bad.call("RINGKV.HELLO", "n2", "0123456789abcdef")
    assert isinstance(out, cluster_harness.harness.RespError), out
    assert "n1" in out.message and "n2" in out.message, out.message
    bad.close()
    # Introduce ourselves to n1 as its peer n2, then send commands as a peer would.
    peer = n1.raw()
    assert peer.call("RINGKV.HELLO", "n2", fingerprint) == "OK"
    before = n1.local_keys()
    assert peer.call("GET", on["n1"][0]) == ("val-" + on["n1"][0]).encode()
    for cmd in (("GET", on["n3"][0]), ("SET", on["n3"][0], "looped"), ("INCR", on["n2"][1]),
                ("MGET", on["n1"][0], on["n3"][1]), ("DEL", on["n2"][2])):
        out = peer.call(*cmd)
        assert isinstance(out, cluster_harness.harness.RespError), (cmd, out)
    # Whole-keyspace commands from a peer answer for this node only.
    assert peer.call("DBSIZE") == before == 3
    assert sorted(peer.call("KEYS", "*")) == sorted(k.encode() for k in on["n1"])
    peer.close()
    # Nothing moved: n3's and n2's keys are untouched, n1 has no new key.
    assert n1.local_keys() == before
    assert c.get(on["n3"][0]) == ("val-" + on["n3"][0]).encode()
    assert c.get(on["n2"][1]) == ("val-" + on["n2"][1]).encode()
    assert c.exists(on["n2"][2]) == 1
    assert c.dbsize() == 9
    c.close()


def test_cluster_with_requirepass_forwards_after_auth(make_cluster):
    cluster = make_cluster(n=3, extra_args=["--requirepass", "s3cret"], name="ct-auth")
    on = cluster.keys_on_each_node("au:", 2)
    noauth = cluster_harness.harness.RespConnection(cluster_harness.HOST, cluster.nodes[0].port)
    assert noauth.call_raw("GET", on["n2"][0]) == b"-NOAUTH Authentication required.\r\n"
    assert noauth.call_raw("MGET", on["n2"][0], on["n3"][0]) == \
        b"-NOAUTH Authentication required.\r\n"
    noauth.close()
    c = cluster.nodes[0].client()
    assert c.mset({k: "v" + k for ks in on.values() for k in ks}) is True
    assert c.get(on["n3"][1]) == ("v" + on["n3"][1]).encode()
    assert cluster.nodes[2].client().dbsize() == 6
    assert cluster.local_counts() == {"n1": 2, "n2": 2, "n3": 2}
    # A peer handshake without AUTH is refused like any other command.
    fp = cluster_harness.info_section(c.execute_command("CLUSTER", "INFO"))["cluster_fingerprint"]
    raw = cluster_harness.harness.RespConnection(cluster_harness.HOST, cluster.nodes[1].port)
    assert raw.call_raw("RINGKV.HELLO", "n1", fp) == b"-NOAUTH Authentication required.\r\n"
    raw.close()
    c.close()


def test_clients_disconnecting_while_forwards_wait_on_a_paused_peer(setup3):
    cluster, on = setup3
    entry, paused, other = cluster.nodes
    paused.pause()
    enc = cluster_harness.harness.encode_command
    burst = b"".join(enc("GET", k) for k in on["n2"]) + enc("MGET", *(on["n1"] + on["n2"])) + \
        enc("DBSIZE") + b"".join(enc("GET", k) for k in on["n1"])
    for i in range(30):
        s = socket.create_connection((cluster_harness.HOST, (entry, other)[i % 2].port))
        s.sendall(burst)
        s.close()  # gone while its forwards wait for the paused peer
    time.sleep((FORWARD_TIMEOUT_MS + SLACK_MS) / 1000.0)  # every forward timer has fired
    paused.resume()
    for node in cluster.nodes:
        assert node.server.alive(), node.log_tail()
    c = entry.client()
    healed = wait_healed(c, on["n2"][0], ("val-" + on["n2"][0]).encode(), HEAL_LIMIT_S)
    assert healed is not None, "not healed"
    assert c.dbsize() == 60
    assert c.mget(on["n2"]) == [("val-" + k).encode() for k in on["n2"]]
    c.close()
