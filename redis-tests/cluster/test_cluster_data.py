"""A 3-node cluster seen through real clients must behave as one Redis.

Keys are written through one node and read through every node; keys spread evenly (INFO keyspace
per node); CLUSTER KEYNODE agrees with where keys land; pipelines that mix local, forwarded and
fanned-out commands come back in order; multi-key commands fan out and merge, or answer CROSSSLOT;
whole-keyspace commands answer for the cluster; RESP3 replies of forwarded commands.
"""

import collections
import os
import random
import socket
import subprocess
import sys
import threading
import time

import pytest
import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster_harness  # noqa: E402
from cluster_harness import CROSSSLOT  # noqa: E402

REDIS_CLI = "redis-cli"


def pipeline_set(client, items, batch=2000):
    items = list(items)
    for i in range(0, len(items), batch):
        p = client.pipeline(transaction=False)
        for k, v in items[i:i + batch]:
            p.set(k, v)
        replies = p.execute()
        assert all(r is True for r in replies), replies[:5]


def pipeline_get(client, keys, batch=2000):
    out = []
    for i in range(0, len(keys), batch):
        p = client.pipeline(transaction=False)
        for k in keys[i:i + batch]:
            p.get(k)
        out += p.execute()
    return out


def as_bytes(v):
    return v if isinstance(v, bytes) else str(v).encode()


# ---------------------------------------------------------------------------------------------
# Reads and writes through any node


def test_keys_written_through_one_node_readable_through_every_node(fresh):
    cluster = fresh
    keys = ["rw:%d" % i for i in range(1000)]
    values = {k: ("value-%d-" % i).encode() * (1 + i % 7) for i, k in enumerate(keys)}
    w = cluster.nodes[0].client()
    pipeline_set(w, values.items())
    w.close()
    for node in cluster.nodes:
        c = node.client()
        got = pipeline_get(c, keys)
        c.close()
        wrong = [(k, g) for k, g in zip(keys, got) if g != values[k]]
        assert not wrong, "through %s: %d of %d keys wrong, first %r" % (
            node.id, len(wrong), len(keys), wrong[:3])
    if not cluster.is_reference:
        owners = collections.Counter(cluster.owners(keys).values())
        counts = cluster.local_counts()
        assert counts == dict(owners), "INFO keyspace %r vs CLUSTER KEYNODE %r" % (counts, owners)
        assert all(counts[n.id] > 0 for n in cluster.nodes), counts


@pytest.mark.cluster_only
def test_key_spread_within_15_percent_of_mean(fresh, figures):
    cluster = fresh
    total = 30000
    c = cluster.nodes[0].client()
    pipeline_set(c, (("spread:%d" % i, b"x") for i in range(total)), batch=5000)
    assert c.dbsize() == total
    c.close()
    counts = cluster.local_counts()
    mean = total / len(cluster.nodes)
    line = "key spread, %d keys over %d nodes (vnodes 256): %s; max/min %.3f" % (
        total, len(counts), ", ".join("%s=%d (%+.1f%%)" % (k, v, 100.0 * (v - mean) / mean)
                                      for k, v in sorted(counts.items())),
        max(counts.values()) / max(1, min(counts.values())))
    print(line)
    figures.append(line)
    assert sum(counts.values()) == total, counts
    for node_id, v in counts.items():
        assert abs(v - mean) <= 0.15 * mean, "%s holds %d keys, mean %.0f: %s" % (
            node_id, v, mean, line)


@pytest.mark.cluster_only
def test_cluster_keynode_agrees_with_info_keyspace(fresh):
    cluster = fresh
    keys = ["kn:%d" % i for i in range(3000)]
    # Every node names the same owner for every key.
    views = {n.id: cluster.owners(keys, via=n) for n in cluster.nodes}
    for node_id, view in views.items():
        differ = [k for k in keys if view[k] != views["n1"][k]]
        assert not differ, "%s and n1 disagree on %d keys, e.g. %r" % (node_id, len(differ),
                                                                       differ[:3])
    # The reply is [owner id, "host:port"] with the owner's real address.
    by_id = {n.id: n for n in cluster.nodes}
    raw = cluster.nodes[1].raw()
    for k in keys[:30]:
        reply = raw.call("CLUSTER", "KEYNODE", k)
        owner = by_id[views["n1"][k]]
        assert reply == [owner.id.encode(), owner.address.encode()], (k, reply)
    assert isinstance(raw.call("CLUSTER", "KEYNODE"), cluster_harness.harness.RespError)
    raw.close()
    # Written through n2, every key is counted by the node KEYNODE named.
    c = cluster.nodes[1].client()
    pipeline_set(c, ((k, b"v") for k in keys))
    expected = collections.Counter(views["n1"].values())
    assert cluster.local_counts() == dict(expected)
    c.close()
    # One key at a time through n3: only the owner's count moves, by one.
    c3 = cluster.nodes[2].client()
    for i in range(40):
        k = "kn1:%d" % i
        owner = cluster.owners([k], via=cluster.nodes[2])[k]
        before = cluster.local_counts()
        assert c3.set(k, b"1") is True
        after = cluster.local_counts()
        moved = {n: after[n] - before[n] for n in after if after[n] != before[n]}
        assert moved == {owner: 1}, (k, owner, moved)
    c3.close()


@pytest.mark.cluster_only
def test_hash_tag_places_keys_with_their_tag(cluster):
    tags = ["user:%d" % i for i in range(200)]
    keys = []
    for t in tags:
        keys += [t, "{%s}.a" % t, "x{%s}y" % t, "{%s}{other}" % t]
    owners = cluster.owners(keys)
    for t in tags:
        group = {owners[t], owners["{%s}.a" % t], owners["x{%s}y" % t],
                 owners["{%s}{other}" % t]}
        assert len(group) == 1, (t, group)
    # Tags spread over all nodes like keys do.
    assert set(owners[t] for t in tags) == {n.id for n in cluster.nodes}


# ---------------------------------------------------------------------------------------------
# Pipelines mixing local and remote commands


def test_pipeline_of_mixed_local_and_remote_commands_in_order(fresh):
    cluster = fresh
    entry = cluster.nodes[0]
    spread = cluster.keys_on_each_node("pk:", 10)
    counters = cluster.keys_on_each_node("pc:", 3)
    strings = [k for ks in spread.values() for k in ks]
    ints = [k for ks in counters.values() for k in ks]
    if not cluster.is_reference:
        assert len(spread[entry.id]) == 10 and len(spread["n2"]) == 10  # local and remote
    rnd = random.Random(7)
    model = {}
    cmds, expected = [], []
    for i in range(5000):
        op = rnd.random()
        if op < 0.3:
            k, v = rnd.choice(strings), b"v%d" % i
            cmds.append(("SET", k, v))
            expected.append(True)
            model[k] = v
        elif op < 0.55:
            k = rnd.choice(strings + ints)
            cmds.append(("GET", k))
            expected.append(model.get(k))
        elif op < 0.8:
            k = rnd.choice(ints + strings[:3])  # a few INCRs on non-integers: errors in place
            cmds.append(("INCR", k))
            cur = model.get(k, b"0")
            try:
                n = int(cur) + 1
                model[k] = str(n).encode()
                expected.append(n)
            except ValueError:
                expected.append(redis.ResponseError("value is not an integer or out of range"))
        else:
            ks = rnd.sample(strings + ints + ["pk:missing"], rnd.randint(1, 6))
            cmds.append(("MGET",) + tuple(ks))
            expected.append([model.get(k) for k in ks])
    c = entry.client()
    p = c.pipeline(transaction=False)
    for cmd in cmds:
        p.execute_command(*cmd)
    got = p.execute(raise_on_error=False)
    c.close()
    assert len(got) == len(cmds)
    for i, (cmd, want, have) in enumerate(zip(cmds, expected, got)):
        if isinstance(want, Exception):
            assert isinstance(have, redis.ResponseError) and str(have) == str(want), \
                (i, cmd, have)
        else:
            assert have == want, "reply %d to %r: expected %r, got %r" % (i, cmd, want, have)


def test_redis_cli_pipe_mass_insert_then_dbsize_through_another_node(fresh):
    cluster = fresh
    n = 20000
    stream = b"".join(cluster_harness.harness.encode_command("SET", "pipe:%d" % i, "val:%d" % i)
                      for i in range(n))
    r = subprocess.run([REDIS_CLI, "-h", cluster_harness.HOST, "-p", str(cluster.nodes[0].port),
                        "--pipe"], input=stream, capture_output=True, timeout=60)
    out = r.stdout.decode()
    assert r.returncode == 0, (out, r.stderr)
    assert "errors: 0, replies: %d" % n in out, out
    other = cluster.nodes[1].client()
    assert other.dbsize() == n
    assert cluster.nodes[2].client().mget("pipe:0", "pipe:19999", "pipe:20000") == \
        [b"val:0", b"val:19999", None]
    if not cluster.is_reference:
        counts = cluster.local_counts()
        assert sum(counts.values()) == n and min(counts.values()) > 0, counts
    other.close()


# ---------------------------------------------------------------------------------------------
# Multi-key commands


def test_multikey_commands_across_nodes_merge_in_key_order(fresh):
    cluster = fresh
    on = cluster.keys_on_each_node("mk:", 4)
    a, b, c_ = on["n1"], on["n2"], on["n3"]
    interleaved = [k for trio in zip(a, b, c_) for k in trio]
    values = {k: ("val-" + k).encode() for k in interleaved}
    via2 = cluster.nodes[1].client()
    via1 = cluster.nodes[0].client()
    args = [x for k in interleaved for x in (k, values[k])]
    assert via2.execute_command("MSET", *args) is True
    if not cluster.is_reference:
        assert cluster.local_counts() == {"n1": 4, "n2": 4, "n3": 4}
    for client in (via1, via2):
        assert client.mget(interleaved) == [values[k] for k in interleaved]
        assert client.mget(b[0], "mk:none", a[0], b[0], c_[0]) == \
            [values[b[0]], None, values[a[0]], values[b[0]], values[c_[0]]]
        assert client.mget(c_[1]) == [values[c_[1]]]
        assert client.exists(a[0], b[0], c_[0], "mk:none", a[0]) == 4
        assert client.touch(c_[0], "mk:none", b[0], a[0]) == 3
    assert via1.delete(a[0], b[0], "mk:none", c_[0]) == 3
    assert via1.exists(a[0], b[0], c_[0]) == 0
    assert via2.unlink(a[1], b[1], c_[1], a[1]) == 3
    assert via2.delete(b[2], b[2], c_[2]) == 2
    remaining = [a[2], a[3], b[3], c_[3]]
    assert sorted(via1.keys("mk:*")) == sorted(k.encode() for k in remaining)
    # MSET with a key repeated on another node: the last value wins, as in Redis.
    assert via1.execute_command("MSET", a[0], "1", b[0], "2", a[0], "3", c_[0], "4") is True
    assert via2.mget(a[0], b[0], c_[0]) == [b"3", b"2", b"4"]
    if not cluster.is_reference:
        assert sum(cluster.local_counts().values()) == 7
    # Errors are Redis's, before any routing.
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'mset'"):
        via1.execute_command("MSET", a[0], "1", b[0])
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'mget'"):
        via1.execute_command("MGET")
    via1.close()
    via2.close()


@pytest.mark.cluster_only
def test_atomic_multikey_commands_across_nodes_answer_crossslot(fresh):
    cluster = fresh
    on = cluster.keys_on_each_node("cs:", 2)
    a, b = on["n1"][0], on["n2"][0]
    raw = cluster.nodes[0].raw()
    err = b"-" + CROSSSLOT.encode() + b"\r\n"
    assert raw.call_raw("MSETNX", a, "1", b, "2") == err
    assert raw.call("EXISTS", a, b) == 0  # nothing written
    assert raw.call_raw("MSETNX", on["n3"][0], "1", on["n3"][1], "2", b, "3") == err
    assert raw.call("EXISTS", on["n3"][0], on["n3"][1], b) == 0
    assert raw.call("SET", a, "va") == "OK"
    assert raw.call_raw("RENAME", a, b) == err
    assert raw.call_raw("RENAMENX", a, b) == err
    assert raw.call_raw("RENAME", on["n3"][0], b) == err  # source missing: still CROSSSLOT
    assert raw.call("GET", a) == b"va" and raw.call("EXISTS", b) == 0
    # The connection is fine afterwards, and a pipeline keeps its order around the errors.
    raw.send_raw(b"".join(cluster_harness.harness.encode_command(*c) for c in (
        ("GET", a), ("RENAME", a, b), ("MSETNX", b, "x", a, "y"), ("GET", b), ("PING",))))
    assert [raw.read()[0] for _ in range(5)] == [b"$2\r\nva\r\n", err, err, b"$-1\r\n",
                                                 b"+PONG\r\n"]
    raw.close()


def test_atomic_multikey_commands_with_hash_tags_or_one_owner(fresh):
    cluster = fresh
    entry = cluster.nodes[0]
    # A tag owned by another node than the entry node: forwarded as one command.
    tag = cluster.tag_owned_by("n3") if not cluster.is_reference else "t"
    k = lambda s: "{%s}%s" % (tag, s)  # noqa: E731
    raw = entry.raw()
    assert raw.call_raw("MSETNX", k("a"), "1", k("b"), "2") == b":1\r\n"
    assert raw.call_raw("MSETNX", k("a"), "9", k("z"), "9") == b":0\r\n"
    assert raw.call("MGET", k("a"), k("b"), k("z")) == [b"1", b"2", None]
    assert raw.call_raw("RENAME", k("a"), k("c")) == b"+OK\r\n"
    assert raw.call_raw("RENAMENX", k("b"), k("c")) == b":0\r\n"
    assert raw.call_raw("RENAMENX", k("b"), k("d")) == b":1\r\n"
    assert raw.call("MGET", k("a"), k("b"), k("c"), k("d")) == [None, None, b"1", b"2"]
    assert raw.call_raw("RENAME", k("nosuch"), k("e")) == b"-ERR no such key\r\n"
    # Untagged keys that happen to share an owner work too.
    on = cluster.keys_on_each_node("luck:", 2)
    x, y = on["n2"]
    assert raw.call_raw("MSETNX", x, "1", y, "2") == b":1\r\n"
    assert raw.call_raw("RENAME", x, y) == b"+OK\r\n"
    assert raw.call("MGET", x, y) == [None, b"1"]
    if not cluster.is_reference:
        counts = cluster.local_counts()
        assert counts["n3"] == 2 and counts["n2"] == 1 and counts["n1"] == 0, counts
    raw.close()


# ---------------------------------------------------------------------------------------------
# Whole-keyspace commands


def test_whole_keyspace_commands_answer_for_the_cluster(fresh):
    cluster = fresh
    on = cluster.keys_on_each_node("wk:", 100)
    allkeys = [k for ks in on.values() for k in ks] + ["other:%d" % i for i in range(30)]
    w = cluster.nodes[0].client()
    pipeline_set(w, ((k, b"1") for k in allkeys))
    expect_all = sorted(k.encode() for k in allkeys)
    for node in cluster.nodes:
        c = node.client()
        assert c.dbsize() == len(allkeys), node.id
        assert sorted(c.keys("*")) == expect_all, node.id
        assert sorted(c.keys("other:*")) == sorted(b"other:%d" % i for i in range(30))
        assert c.keys("nomatch*") == []
        assert c.randomkey() in set(expect_all)
        c.close()
    # FLUSHDB through n2 empties every node; FLUSHALL through n3 too.
    assert cluster.nodes[1].client().flushdb() is True
    assert all(v == 0 for v in cluster.local_counts().values()), cluster.local_counts()
    assert cluster.nodes[2].client().dbsize() == 0
    pipeline_set(w, ((k, b"1") for k in allkeys))
    assert cluster.nodes[2].client().flushall() is True
    assert all(v == 0 for v in cluster.local_counts().values()), cluster.local_counts()
    pipeline_set(w, ((k, b"1") for k in allkeys))
    assert w.execute_command("FLUSHALL", "ASYNC") is True
    assert cluster.nodes[1].client().dbsize() == 0
    assert w.randomkey() is None
    assert w.keys("*") == []
    w.close()


def test_randomkey_reaches_keys_on_other_nodes(fresh):
    cluster = fresh
    on = cluster.keys_on_each_node("rk:", 20)
    c1 = cluster.nodes[0].client()
    assert c1.randomkey() is None
    # Keys only on n2 and n3: RANDOMKEY through n1 still finds one.
    remote = on["n2"] + on["n3"]
    pipeline_set(c1, ((k, b"1") for k in remote))
    for _ in range(20):
        assert c1.randomkey().decode() in remote
    if cluster.is_reference:
        c1.close()
        return
    # Keys everywhere: over many calls, every node's keys come up.
    pipeline_set(c1, ((k, b"1") for k in on["n1"]))
    owners = cluster.owners(on["n1"] + remote)
    seen = collections.Counter(owners[c1.randomkey().decode()] for _ in range(300))
    assert set(seen) == {"n1", "n2", "n3"}, seen
    c1.close()


def test_scan_through_one_node_lists_every_key_once(fresh):
    cluster = fresh
    keys = ["sc:%d" % i for i in range(3000)] + ["other:%d" % i for i in range(100)]
    w = cluster.nodes[0].client()
    pipeline_set(w, ((k, b"1") for k in keys))
    expect = set(k.encode() for k in keys)
    for node, count in ((cluster.nodes[0], 10), (cluster.nodes[1], 1000)):
        c = node.client()
        got = list(c.scan_iter(count=count))
        dup = [k for k, n in collections.Counter(got).items() if n > 1]
        assert not dup, "SCAN COUNT %d via %s returned %d keys twice, e.g. %r" % (
            count, node.id, len(dup), dup[:3])
        assert set(got) == expect, "SCAN COUNT %d via %s: %d missing, %d extra" % (
            count, node.id, len(expect - set(got)), len(set(got) - expect))
        c.close()
    c3 = cluster.nodes[2].client()
    got = list(c3.scan_iter(match="other:*", count=100))
    assert sorted(got) == sorted(b"other:%d" % i for i in range(100))
    # A SCAN that ends: the last reply has cursor 0.
    cursor, seen, calls = 0, [], 0
    while True:
        cursor, batch = c3.scan(cursor=cursor, count=500)
        seen += batch
        calls += 1
        if cursor == 0:
            break
        assert calls < 1000
    assert len(seen) == len(expect) and set(seen) == expect
    c3.close()
    for args in ([], ["--pattern", "sc:1*"]):
        r = subprocess.run([REDIS_CLI, "-h", cluster_harness.HOST,
                            "-p", str(cluster.nodes[1].port), "--scan"] + args,
                           capture_output=True, timeout=60)
        assert r.returncode == 0, r.stderr
        lines = r.stdout.decode().split("\n")[:-1]
        want = sorted(k for k in keys if not args or k.startswith("sc:1"))
        assert len(lines) == len(want), (args, len(lines), len(want))
        assert sorted(lines) == want


def test_scan_on_an_empty_cluster(fresh):
    raw = fresh.nodes[0].raw()
    # Redis may answer an empty batch with a non-zero cursor, but a walk over an empty keyspace
    # must end within a few calls (Redis: one), not one call per ring range.
    for count in ("10", "1000"):
        cursor, calls = b"0", 0
        while calls < 5000:
            cursor, batch = raw.call("SCAN", cursor, "COUNT", count)
            calls += 1
            assert batch == [], batch
            if cursor == b"0":
                break
        assert calls <= 2 * len(fresh.nodes), \
            "SCAN COUNT %s over an empty cluster took %d calls" % (count, calls)
    assert raw.call_raw("DBSIZE") == b":0\r\n"
    assert raw.call_raw("RANDOMKEY") == b"$-1\r\n"
    assert raw.call_raw("KEYS", "*") == b"*0\r\n"
    raw.close()


# ---------------------------------------------------------------------------------------------
# RESP3 through a forward


def test_resp3_replies_of_forwarded_commands(fresh):
    cluster = fresh
    entry = cluster.nodes[0]
    on = cluster.keys_on_each_node("r3:", 3)
    remote, remote2, local = on["n2"][0], on["n3"][0], on["n1"][0]
    missing_remote = on["n2"][1]
    raw = entry.raw()
    hello = raw.call("HELLO", "3")
    assert isinstance(hello, cluster_harness.harness.RespMap) and hello[b"proto"] == 3
    assert raw.call_raw("GET", missing_remote) == b"_\r\n"
    assert raw.call_raw("SET", remote, "v", "GET") == b"_\r\n"
    assert raw.call_raw("SET", remote, "w", "GET") == b"$1\r\nv\r\n"
    assert raw.call_raw("SET", local, "l") == b"+OK\r\n"
    assert raw.call_raw("MGET", remote, missing_remote, local, remote2) == \
        b"*4\r\n$1\r\nw\r\n_\r\n$1\r\nl\r\n_\r\n"
    assert raw.call_raw("INCR", remote) == b"-ERR value is not an integer or out of range\r\n"
    assert raw.call_raw("TTL", missing_remote) == b":-2\r\n"
    assert raw.call_raw("GETDEL", missing_remote) == b"_\r\n"
    assert raw.call_raw("EXISTS", remote, remote2, local) == b":2\r\n"
    # Pipelined: every null of a forwarded reply is `_`, in order with the local ones.
    raw.send_raw(b"".join(cluster_harness.harness.encode_command(*c) for c in (
        ("GET", missing_remote), ("GET", "r3:nolocal"), ("GET", remote), ("GET", remote2),
        ("MGET", missing_remote, remote))))
    assert [raw.read()[0] for _ in range(5)] == [b"_\r\n", b"_\r\n", b"$1\r\nw\r\n", b"_\r\n",
                                                 b"*2\r\n_\r\n$1\r\nw\r\n"]
    raw.close()
    # The same keys over RESP2 on another connection: `$-1` and `*-1`-free arrays.
    raw2 = entry.raw()
    assert raw2.call_raw("GET", missing_remote) == b"$-1\r\n"
    assert raw2.call_raw("MGET", missing_remote, remote) == b"*2\r\n$-1\r\n$1\r\nw\r\n"
    raw2.close()


# ---------------------------------------------------------------------------------------------
# CLUSTER INFO / NODES and the INFO cluster section


@pytest.mark.cluster_only
def test_cluster_info_nodes_and_info_cluster_section(cluster):
    fingerprints = set()
    for node in cluster.nodes:
        raw = node.raw()
        info = cluster_harness.info_section(raw.call("CLUSTER", "INFO"))
        assert info["cluster_state"] == "ok"
        assert info["cluster_myself"] == node.id
        assert info["cluster_known_nodes"] == "3"
        assert info["cluster_vnodes"] == "256"
        assert 0 <= int(info["cluster_peers_connected"]) <= 2
        fingerprints.add(info["cluster_fingerprint"])
        lines = raw.call("CLUSTER", "NODES").decode().splitlines()
        assert len(lines) == 3, lines
        for other, line in zip(cluster.nodes, lines):
            words = line.split()
            assert words[0] == other.id and words[1].split("@")[0] == other.address, line
            assert ("myself" in words[2]) == (other is node), line
        raw.close()
    # One ring, one fingerprint: the canonical encoding v1 of cluster/topology.cc.
    assert fingerprints == {cluster.fingerprint_hex()}
    # INFO cluster counts what n1 forwards to n2.
    entry = cluster.nodes[0]
    keys = cluster.keys_on_each_node("fw:", 50)["n2"]

    def forwarded_to_n2():
        text = entry.client().execute_command("INFO", "cluster")
        assert text["cluster_myself"] == "n1"
        peer = text["peer_n2"]  # redis-py parses "a=1,b=2" values into a dict
        assert peer["addr"] == cluster.node("n2").address
        return int(peer["forwarded"])

    before = forwarded_to_n2()
    c = entry.client()
    for k in keys:
        c.get(k)
    assert forwarded_to_n2() - before >= len(keys)
    c.close()


# ---------------------------------------------------------------------------------------------
# Large values, concurrency and abrupt disconnects through forwards


def test_large_values_through_forwards(fresh):
    cluster = fresh
    on = cluster.keys_on_each_node("big:", 2)
    big = bytes(range(256)) * (16 * 1024)  # 4 MiB, every byte value, CRLFs included
    one = b"\r\n$-1\r\n" * (1 << 17)
    c1, c2 = cluster.nodes[0].client(), cluster.nodes[1].client()
    assert c1.set(on["n3"][0], big) is True  # n1 -> n3
    assert c2.get(on["n3"][0]) == big  # n2 -> n3
    assert c2.mset({on["n1"][0]: one, on["n3"][1]: one, on["n2"][0]: b""}) is True
    assert c1.mget(on["n1"][0], on["n3"][1], on["n2"][0], on["n3"][0]) == [one, one, b"", big]
    assert c1.strlen(on["n3"][0]) == len(big)
    assert c1.getrange(on["n3"][0], 1000, 1003) == big[1000:1004]
    c1.close()
    c2.close()


def test_concurrent_incr_through_every_node_is_exact(fresh):
    cluster = fresh
    on = cluster.keys_on_each_node("ctr:", 1)
    keys = [on["n1"][0], on["n2"][0], on["n3"][0]]
    per_client, clients_per_node = 300, 6
    errors = []

    def work(node):
        try:
            c = node.client()
            for _ in range(per_client // 50):
                p = c.pipeline(transaction=False)
                for _ in range(50):
                    for k in keys:
                        p.incr(k)
                p.execute()
            c.close()
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in cluster.nodes
               for _ in range(clients_per_node)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    want = per_client * clients_per_node * len(cluster.nodes)
    assert cluster.nodes[0].client().mget(keys) == [str(want).encode()] * 3


def test_clients_closing_with_forwards_in_flight(fresh):
    cluster = fresh
    on = cluster.keys_on_each_node("cl:", 20)
    remote = on["n2"] + on["n3"]
    w = cluster.nodes[0].client()
    pipeline_set(w, ((k, b"x" * 1000) for k in remote + on["n1"]))
    enc = cluster_harness.harness.encode_command
    burst = b"".join(enc("GET", k) for k in remote) + \
        b"".join(enc("MGET", *remote[i:i + 5]) for i in range(0, len(remote), 5)) + \
        enc("DBSIZE") + enc("KEYS", "*")
    for round_ in range(40):
        s = socket.create_connection((cluster_harness.HOST, cluster.nodes[round_ % 3].port))
        s.sendall(burst * 5)
        if round_ % 2:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         b"\x01\x00\x00\x00\x00\x00\x00\x00")  # close with RST
        s.close()
    for node in cluster.nodes:
        assert node.server.alive(), node.log_tail()
        c = node.client()
        assert c.dbsize() == 60
        assert c.mget(remote[:3]) == [b"x" * 1000] * 3
        c.close()
    w.close()


def test_forwarded_request_latency_stays_close_to_local(fresh, figures):
    """Sequential GETs (one in flight) through n1: on n1's own keys and on n2's. A forward costs a
    loopback round trip more; a Nagle/delayed-ACK stall on peer connections would cost ~40 ms."""
    cluster = fresh
    on = cluster.keys_on_each_node("lat:", 1)
    c = cluster.nodes[0].client(single_connection_client=True)
    c.mset({on["n1"][0]: "x" * 100, on["n2"][0]: "y" * 100})
    stats = {}
    for where, key in (("local", on["n1"][0]), ("forwarded", on["n2"][0])):
        ms = []
        for _ in range(2000):
            t0 = time.perf_counter()
            c.get(key)
            ms.append((time.perf_counter() - t0) * 1000.0)
        ms.sort()
        stats[where] = (ms[len(ms) // 2], ms[int(len(ms) * 0.99)])
    c.close()
    line = "GET latency through n1 (redis-py, one in flight): local p50 %.3f ms p99 %.3f ms; " \
           "forwarded to n2 p50 %.3f ms p99 %.3f ms" % (stats["local"] + stats["forwarded"])
    print(line)
    figures.append(line)
    if not cluster.is_reference:
        assert stats["forwarded"][0] < 10.0, line  # a 40 ms stall shows in the median
