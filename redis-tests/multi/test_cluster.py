"""Transactions through a 3-node ringkv cluster (issue 6): a transaction whose keys (queued and
watched) all live on one node runs atomically there, whichever node the client is connected to;
keys on several nodes answer CROSSSLOT and nothing runs; WATCH works on keys of other nodes.

Against the reference (RINGKV_SERVER=/usr/bin/redis-server) one redis-server stands in for the
three nodes; the tests that need real nodes (CROSSSLOT, placement) are skipped there.
"""

import time

import pytest
import redis

import harness
from cluster_harness import CROSSSLOT
from increments import run_increments


def owner_of(cluster, key):
    return cluster.owners([key])[key]


def other_node(cluster, node_id):
    return next(n for n in cluster.nodes if n.id != node_id)


@pytest.mark.cluster_only
def test_tag_transaction_runs_on_owner_through_non_owner(fresh):
    tag = fresh.tag_owned_by("n2")
    entry = fresh.node("n1")
    c = entry.client()
    p = c.pipeline()
    p.set("{%s}a" % tag, "1").incr("{%s}a" % tag).mset({"{%s}b" % tag: "x", "{%s}c" % tag: "y"})
    p.rename("{%s}b" % tag, "{%s}d" % tag).mget("{%s}a" % tag, "{%s}d" % tag)
    assert p.execute() == [True, 2, True, True, [b"2", b"x"]]
    counts = fresh.local_counts()
    assert counts == {"n1": 0, "n2": 3, "n3": 0}, counts
    c.close()


@pytest.mark.cluster_only
def test_keys_on_several_nodes_answer_crossslot(fresh):
    spread = fresh.keys_on_each_node("x", 1)
    k1, k2 = spread["n2"][0], spread["n3"][0]
    c = fresh.node("n1").client()
    p = c.pipeline()
    p.set(k1, "1").set(k2, "2")
    with pytest.raises(redis.ResponseError) as e:
        p.execute()
    assert str(e.value) == CROSSSLOT
    assert c.exists(k1, k2) == 0
    # The connection is usable and the transaction is over.
    with pytest.raises(redis.ResponseError, match="EXEC without MULTI"):
        c.execute_command("EXEC")
    # A local key and a remote one: the same.
    local = spread["n1"][0]
    p = c.pipeline()
    p.set(local, "1").set(k2, "2")
    with pytest.raises(redis.ResponseError, match="CROSSSLOT"):
        p.execute()
    assert c.exists(local, k2) == 0
    c.close()


def test_keyless_and_local_transactions(fresh):
    c = fresh.nodes[0].client()
    assert c.pipeline().ping().echo("e").execute() == [True, b"e"]
    spread = fresh.keys_on_each_node("l", 1)
    k = spread[fresh.nodes[0].id][0]
    assert c.pipeline().set(k, "1").incr(k).execute() == [True, 2]
    c.close()


@pytest.mark.cluster_only
def test_runtime_errors_and_execabort_through_non_owner(fresh):
    tag = fresh.tag_owned_by("n3")
    c = fresh.node("n1").client()
    c.set("{%s}s" % tag, "abc")
    out = c.pipeline().set("{%s}b" % tag, "1").incr("{%s}s" % tag).get("{%s}b" % tag) \
        .execute(raise_on_error=False)
    assert out[0] is True and out[2] == b"1" and isinstance(out[1], redis.ResponseError)
    p = c.pipeline()
    p.set("{%s}q" % tag, "1")
    p.execute_command("NOSUCH")
    with pytest.raises(redis.ResponseError):
        p.execute()
    assert c.get("{%s}q" % tag) is None
    c.close()


@pytest.mark.cluster_only
def test_keyspace_commands_refused_inside_cluster_transaction(fresh):
    with fresh.nodes[0].raw() as c:
        assert c.call_raw("MULTI") == b"+OK\r\n"
        assert c.call_raw("KEYS", "*") == (
            b"-ERR ringkv: KEYS cannot be used inside a transaction in a cluster (it spans every "
            b"node)\r\n")
        assert c.call_raw("EXEC") == \
            b"-EXECABORT Transaction discarded because of previous errors.\r\n"


@pytest.mark.parametrize("entry_index", [0, 1, 2])
def test_watch_remote_key(fresh, entry_index):
    """The entry node watches a key owned by another node (or by itself), another client on a
    third node changes it: EXEC aborts; unchanged: EXEC runs on the owner."""
    key = "watched-%d" % entry_index
    entry = fresh.nodes[entry_index]
    writer_node = other_node(fresh, entry.id)
    c, w = entry.client(), writer_node.client()
    c.set(key, "0")
    with c.pipeline() as p:
        p.watch(key)
        assert p.get(key) == b"0"
        w.set(key, "changed")
        p.multi()
        p.set(key, "mine")
        with pytest.raises(redis.WatchError):
            p.execute()
    assert c.get(key) == b"changed"
    with c.pipeline() as p:
        p.watch(key)
        v = p.get(key)
        w.set("unrelated-%d" % entry_index, "1")
        p.multi()
        p.set(key, v + b"!")
        assert p.execute() == [True]
    assert w.get(key) == b"changed!"
    c.close()
    w.close()


@pytest.mark.cluster_only
def test_watch_remote_key_expiry_and_flushall(fresh):
    tag = fresh.tag_owned_by("n2")
    c = fresh.node("n1").client()
    other = fresh.node("n3").client()
    c.set("{%s}e" % tag, "1", px=150)
    with c.pipeline() as p:
        p.watch("{%s}e" % tag)
        time.sleep(0.3)
        p.multi()
        p.set("{%s}x" % tag, "1")
        with pytest.raises(redis.WatchError):
            p.execute()
    c.set("{%s}f" % tag, "1")
    with c.pipeline() as p:
        p.watch("{%s}f" % tag)
        other.flushall()
        p.multi()
        p.set("{%s}x" % tag, "1")
        with pytest.raises(redis.WatchError):
            p.execute()
    assert c.exists("{%s}x" % tag) == 0
    c.close()
    other.close()


@pytest.mark.cluster_only
def test_watch_and_queue_on_different_nodes_is_crossslot(fresh):
    spread = fresh.keys_on_each_node("wq", 1)
    c = fresh.node("n1").client()
    with c.pipeline() as p:
        p.watch(spread["n2"][0])
        p.multi()
        p.set(spread["n3"][0], "1")
        with pytest.raises(redis.ResponseError, match="CROSSSLOT"):
            p.execute()
    with c.pipeline() as p:  # a local watch and a remote queue
        p.watch(spread["n1"][0])
        p.multi()
        p.set(spread["n2"][0], "1")
        with pytest.raises(redis.ResponseError, match="CROSSSLOT"):
            p.execute()
    assert c.exists(spread["n2"][0], spread["n3"][0]) == 0
    c.close()


@pytest.mark.cluster_only
def test_unwatch_and_discard_end_remote_watches(fresh):
    tag = fresh.tag_owned_by("n3")
    c = fresh.node("n1").client()
    w = fresh.node("n2").client()
    for end in ("UNWATCH", "DISCARD"):
        c.execute_command("WATCH", "{%s}k" % tag)
        if end == "DISCARD":
            c.execute_command("MULTI")
        c.execute_command(end)
        w.set("{%s}k" % tag, end)
        p = c.pipeline()
        p.set("{%s}r" % tag, end)
        assert p.execute() == [True]
    c.close()
    w.close()


@pytest.mark.cluster_only
def test_pipelined_watch_multi_exec_in_one_write_resp3(fresh):
    """WATCH of a remote key, GET, MULTI, commands, EXEC in one write to a non-owner, in RESP3:
    replies in order, and an abort is RESP3's null."""
    tag = fresh.tag_owned_by("n2")
    k = "{%s}p" % tag
    with fresh.node("n1").raw() as c, fresh.node("n3").raw() as d:
        c.call("HELLO", "3")
        c.call("SET", k, "5")
        cmds = [("WATCH", k), ("GET", k), ("MULTI",), ("INCR", k), ("GET", "{%s}none" % tag),
                ("EXEC",)]
        c.send_raw(b"".join(harness.encode_command(*a) for a in cmds))
        got = [c.read()[0] for _ in cmds]
        assert got == [b"+OK\r\n", b"$1\r\n5\r\n", b"+OK\r\n", b"+QUEUED\r\n", b"+QUEUED\r\n",
                       b"*2\r\n:6\r\n_\r\n"]
        assert c.call_raw("WATCH", k) == b"+OK\r\n"
        d.call("SET", k, "x")
        c.call("MULTI")
        c.call("SET", k, "y")
        assert c.call_raw("EXEC") == b"_\r\n"
        # RESP2 client: the null array.
        d.call("WATCH", k)
        c.call("SET", k, "z")
        d.call("MULTI")
        assert d.call_raw("EXEC") == b"*-1\r\n"


def test_concurrent_watch_increments_through_every_node(fresh, figures):
    """20 clients, spread over the 3 nodes, 500 WATCH increments each of one key."""
    ports = [n.port for n in fresh.nodes]
    key = "ccounter"
    final, retries, secs = run_increments(ports, key, clients=20, loops=500)
    figures.append("3-node cluster (key on %s, clients on n1/n2/n3): 20 x 500 WATCH increments "
                   "-> %d (retries %d, %.1f s)" % (owner_of(fresh, key), final, retries, secs))
    assert final == 10000
