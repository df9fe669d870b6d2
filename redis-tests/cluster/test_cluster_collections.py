"""Issue 10 through a cluster: every family, databases, gathered algebra, CROSSSLOT, blocking.

Runs on the shared 3-node cluster of conftest.py (and, for the tests not marked cluster_only, on
one Debian redis-server standing in for it, which proves the assertions themselves).
"""

import threading
import time

import pytest
import redis

import cluster_harness

CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot"


def test_every_family_through_every_node(fresh):
    cluster = fresh
    on = cluster.keys_on_each_node("fam:", 5)
    keys = [k for node_keys in on.values() for k in node_keys]
    writer = cluster.nodes[0].client()
    for i, k in enumerate(keys):
        kind = i % 5
        if kind == 0:
            writer.hset(k, mapping={"f1": "v1", "f2": str(i)})
        elif kind == 1:
            writer.rpush(k, "a", "b", str(i))
        elif kind == 2:
            writer.sadd(k, "x", "y", str(i))
        elif kind == 3:
            writer.zadd(k, {"m1": 1.5, "m2": i})
        else:
            writer.setbit(k, i, 1)
    for node in cluster.nodes:
        c = node.client()
        for i, k in enumerate(keys):
            kind = i % 5
            if kind == 0:
                assert c.type(k) == b"hash"
                assert c.hgetall(k) == {b"f1": b"v1", b"f2": str(i).encode()}
            elif kind == 1:
                assert c.lrange(k, 0, -1) == [b"a", b"b", str(i).encode()]
            elif kind == 2:
                assert c.smembers(k) == {b"x", b"y", str(i).encode()}
            elif kind == 3:
                assert c.zrange(k, 0, -1, withscores=True) == sorted(
                    [(b"m1", 1.5), (b"m2", float(i))], key=lambda p: (p[1], p[0]))
            else:
                assert c.getbit(k, i) == 1 and c.bitcount(k) == 1
        c.close()
    assert writer.dbsize() == len(keys)
    writer.close()


def test_databases_through_the_cluster(fresh):
    cluster = fresh
    on = cluster.keys_on_each_node("db:", 2)
    keys = [k for node_keys in on.values() for k in node_keys]
    db0 = cluster.nodes[0].client()
    db3 = redis.Redis(host=cluster_harness.harness.HOST, port=cluster.nodes[1].port, db=3)
    for k in keys:
        db0.set(k, "zero")
        db3.set(k, "three")
        db3.hset(k + ":h", "f", "v")
    assert db0.mget(keys) == [b"zero"] * len(keys)
    assert db3.mget(keys) == [b"three"] * len(keys)
    assert db0.dbsize() == len(keys)
    assert db3.dbsize() == 2 * len(keys)
    assert sorted(db3.keys("*:h")) == sorted((k + ":h").encode() for k in keys)
    assert sorted(db3.scan_iter(match="*", count=3)) == sorted(
        [k.encode() for k in keys] + [(k + ":h").encode() for k in keys])
    assert sorted(db3.scan_iter(_type="hash")) == sorted((k + ":h").encode() for k in keys)
    # INFO keyspace is the node's own (as in Redis Cluster): each database is listed.
    info = db0.info("keyspace")
    assert info["db0"]["keys"] >= 1 and info["db3"]["keys"] >= 2
    # A transaction in db 3 on a remote key, and WATCH there.
    remote = on["n3"][0]
    pipe = db3.pipeline(transaction=True)
    pipe.incr(remote + ":n")
    pipe.hset(remote + ":h", "g", "w")
    assert pipe.execute() == [1, 1]
    assert db0.exists(remote + ":n") == 0
    # FLUSHDB in db 3 leaves db 0 alone, on every node.
    db3.flushdb()
    assert db3.dbsize() == 0
    assert db0.dbsize() == len(keys)
    db0.close()
    db3.close()


def test_set_and_zset_algebra_over_keys_of_several_nodes(fresh):
    cluster = fresh
    on = cluster.keys_on_each_node("alg:", 1)
    a, b, c_ = on["n1"][0], on["n2"][0], on["n3"][0]
    client = cluster.nodes[0].client()
    client.sadd(a, "1", "2", "3", "4")
    client.sadd(b, "3", "4", "5")
    client.sadd(c_, "4", "9")
    assert client.sunion(a, b, c_) == {b"1", b"2", b"3", b"4", b"5", b"9"}
    assert client.sinter(a, b, c_) == {b"4"}
    assert client.sdiff(a, b, c_) == {b"1", b"2"}
    assert client.execute_command("SINTERCARD", 2, a, b) == 2
    assert client.execute_command("SINTERCARD", 3, a, b, c_, "LIMIT", 1) == 1
    assert client.sunion(a, "alg:missing") == {b"1", b"2", b"3", b"4"}
    za, zb = on["n2"][0] + ":z", on["n3"][0] + ":z"
    client.zadd(za, {"x": 1, "y": 2})
    client.zadd(zb, {"y": 10, "z": 3})
    assert client.zunion([za, zb], withscores=True) == [(b"x", 1.0), (b"z", 3.0), (b"y", 12.0)]
    assert client.zinter([za, zb], withscores=True, aggregate="MAX") == [(b"y", 10.0)]
    assert client.zdiff([za, zb]) == [b"x"]
    assert client.execute_command("ZINTERCARD", 2, za, zb) == 1
    # A set as a sorted-set input, and WRONGTYPE from a remote key, as one Redis answers.
    assert client.zunion([za, c_], withscores=True) == [
        (b"4", 1.0), (b"9", 1.0), (b"x", 1.0), (b"y", 2.0)]
    client.set(b + ":s", "string")
    with pytest.raises(redis.ResponseError, match="^WRONGTYPE"):
        client.sunion(a, b + ":s")
    client.close()


@pytest.mark.cluster_only
def test_commands_writing_from_keys_of_several_nodes_answer_crossslot(fresh):
    cluster = fresh
    on = cluster.keys_on_each_node("cw:", 1)
    a, b = on["n1"][0], on["n2"][0]
    raw = cluster.nodes[0].raw()
    err = b"-" + CROSSSLOT.encode() + b"\r\n"
    raw.call("SADD", a, "1")
    raw.call("RPUSH", a + "l", "1")
    for cmd in (("SUNIONSTORE", b, a), ("SINTERSTORE", a, b), ("SDIFFSTORE", a, a, b),
                ("SMOVE", a, b, "1"), ("ZUNIONSTORE", b, 1, a), ("ZINTERSTORE", a, 2, a, b),
                ("BITOP", "OR", a + "x", b), ("COPY", a, b), ("LMPOP", 2, a, b, "LEFT"),
                ("SORT", a, "STORE", b), ("ZRANGESTORE", a, b, 0, -1)):
        assert raw.call_raw(*cmd) == err, cmd
    # One owner ({tag}): the same commands run.
    tag = cluster.tag_owned_by("n2")
    k = lambda s: "{%s}%s" % (tag, s)  # noqa: E731
    assert raw.call("SADD", k("s1"), "a", "b") == 2
    assert raw.call("SADD", k("s2"), "b", "c") == 2
    assert raw.call("SUNIONSTORE", k("dst"), k("s1"), k("s2")) == 3
    assert raw.call("SMOVE", k("s1"), k("s2"), "a") == 1
    assert raw.call("ZUNIONSTORE", k("z"), 2, k("s1"), k("s2")) == 3
    assert raw.call("RPUSH", k("l"), "1", "2") == 2
    assert raw.call("LMOVE", k("l"), k("l2"), "LEFT", "RIGHT") == b"1"
    raw.close()


def test_blocking_pop_woken_by_a_push_through_another_node(fresh):
    cluster = fresh
    on = cluster.keys_on_each_node("blk:", 1)
    local_key = on["n1"][0]
    waiter = cluster.nodes[0].client(socket_timeout=10)
    got = {}

    def wait():
        got["reply"] = waiter.blpop([local_key], timeout=5)

    t = threading.Thread(target=wait)
    t.start()
    time.sleep(0.3)
    pusher = cluster.nodes[2].client()
    pusher.rpush(local_key, "hello")
    t.join(10)
    assert got.get("reply") == (local_key.encode(), b"hello")
    pusher.close()
    waiter.close()


@pytest.mark.cluster_only
def test_blocking_pop_on_a_key_of_another_node(fresh):
    """A client blocks (through n1) on a key n2 owns, and is woken by a push through n3; the
    blocked command does not hold up other clients' forwards to n2, and a client that leaves
    leaves nothing blocked on n2."""
    cluster = fresh
    key = cluster.keys_on_each_node("rblk:", 1)["n2"][0]
    other = cluster.keys_on_each_node("rblk2:", 1)["n2"][0]
    waiter = cluster.nodes[0].client(socket_timeout=10)
    got = {}

    def wait():
        got["reply"] = waiter.blpop([key], timeout=0)

    t = threading.Thread(target=wait)
    t.start()
    owner = cluster.nodes[1].client()
    deadline = time.time() + 5
    while owner.info("clients")["blocked_clients"] != 1 and time.time() < deadline:
        time.sleep(0.05)
    assert owner.info("clients")["blocked_clients"] == 1
    # Other traffic to n2 through n1 is not held up by the blocked command.
    entry = cluster.nodes[0].client()
    start = time.time()
    for i in range(50):
        assert entry.set(other, str(i)) is True
    assert time.time() - start < 2.0
    cluster.nodes[2].client().rpush(key, "remote")
    t.join(10)
    assert got.get("reply") == (key.encode(), b"remote")
    # A timeout on a remote key answers like a local one.
    assert entry.blpop([key], timeout=0.2) is None
    # A client that disconnects while blocked on a remote key leaves nothing behind on n2.
    raw = cluster.nodes[0].raw()
    raw.send_raw(cluster_harness.harness.encode_command("BRPOP", key, "0"))
    deadline = time.time() + 5
    while owner.info("clients")["blocked_clients"] != 1 and time.time() < deadline:
        time.sleep(0.05)
    assert owner.info("clients")["blocked_clients"] == 1
    raw.close()
    deadline = time.time() + 5
    while owner.info("clients")["blocked_clients"] != 0 and time.time() < deadline:
        time.sleep(0.05)
    assert owner.info("clients")["blocked_clients"] == 0
    entry.rpush(key, "kept")
    assert entry.lrange(key, 0, -1) == [b"kept"]
    for c in (owner, entry, waiter):
        c.close()


def test_swapdb_through_the_cluster(fresh):
    cluster = fresh
    keys = [k for node_keys in cluster.keys_on_each_node("swap:", 2).values() for k in node_keys]
    db0 = cluster.nodes[0].client()
    db5 = redis.Redis(host=cluster_harness.harness.HOST, port=cluster.nodes[2].port, db=5)
    for k in keys:
        db0.set(k, "was0")
        db5.rpush(k, "was5")
    assert db0.swapdb(0, 5) is True
    assert db0.mget(keys) == [None] * len(keys)
    assert [db0.lrange(k, 0, -1) for k in keys] == [[b"was5"]] * len(keys)
    assert db5.mget(keys) == [b"was0"] * len(keys)
    assert db5.dbsize() == len(keys)
    assert db0.swapdb(5, 0) is True
    assert db0.mget(keys) == [b"was0"] * len(keys)
    db0.flushall()
    db0.close()
    db5.close()
