"""MULTI/EXEC/WATCH sequences sent to Debian's redis-server and to the server under test, reply
bytes compared one by one, in RESP2 and again in RESP3 (HELLO 3 on both connections first).

Each section runs on a flushed database with two raw connections, `c` (the transaction's
client) and `d` (another client that changes keys in between). A step is (conn, *args), or
("sleep", seconds). HELLO replies are not compared (they carry the server version and client id).
"""

import time

import pytest

# (section name, steps)
SECTIONS = [
    ("basic", [
        ("c", "MULTI"), ("c", "SET", "a", "1"), ("c", "INCR", "a"), ("c", "GET", "a"),
        ("c", "MGET", "a", "nokey"), ("c", "EXEC"), ("c", "MULTI"), ("c", "EXEC"),
    ]),
    ("runtime errors in place", [
        ("c", "SET", "s", "abc"), ("c", "MULTI"), ("c", "INCR", "s"), ("c", "SET", "x", "1", "NX",
                                                                          "XX"),
        ("c", "SET", "b", "1"), ("c", "EXPIRE", "b", "notanumber"), ("c", "APPEND", "b", "2"),
        ("c", "EXEC"), ("c", "GET", "b"),
    ]),
    ("control errors", [
        ("c", "EXEC"), ("c", "DISCARD"), ("c", "MULTI"), ("c", "MULTI"), ("c", "WATCH", "a"),
        ("c", "SET", "a", "1"), ("c", "EXEC"), ("c", "MULTI"), ("c", "SET", "a", "2"),
        ("c", "DISCARD"), ("c", "GET", "a"), ("c", "DISCARD"), ("c", "UNWATCH"), ("c", "WATCH"),
    ]),
    ("queueing errors abort", [
        ("c", "MULTI"), ("c", "NOSUCH", "x", "y"), ("c", "SET", "a"), ("c", "SET", "a", "2"),
        ("c", "EXEC"), ("c", "GET", "a"), ("c", "EXEC"), ("c", "MULTI"), ("c", "GET"),
        ("c", "EXEC"), ("c", "MULTI"), ("c", "DISCARD", "x"), ("c", "EXEC"), ("c", "MULTI"),
        ("c", "MULTI", "x"), ("c", "EXEC"), ("c", "MULTI"), ("c", "SAVE"), ("c", "EXEC"),
        ("c", "MULTI"), ("c", "SHUTDOWN", "NOSAVE"), ("c", "DISCARD"), ("c", "MULTI"),
        ("c", "CLIENT", "NOSUCHSUB"), ("c", "EXEC"),
    ]),
    ("exec arity", [
        ("c", "WATCH", "w"), ("c", "MULTI"), ("c", "SET", "a", "1"), ("c", "EXEC", "x"),
        ("c", "DISCARD"), ("c", "GET", "a"), ("d", "SET", "w", "1"), ("c", "MULTI"),
        ("c", "EXEC"), ("c", "EXEC", "x"), ("c", "UNWATCH", "x"), ("c", "MULTI", "x"),
    ]),
    ("connection commands queued", [
        ("c", "MULTI"), ("c", "PING"), ("c", "PING", "hi"), ("c", "ECHO", "e"),
        ("c", "UNWATCH"), ("c", "SELECT", "0"), ("c", "AUTH", "x"), ("c", "EXEC"),
    ]),
    ("watch changed by another", [
        ("c", "WATCH", "w"), ("c", "MULTI"), ("c", "SET", "x", "1"), ("d", "SET", "w", "1"),
        ("c", "EXEC"), ("c", "GET", "x"),
        ("c", "WATCH", "w"), ("d", "DEL", "w"), ("c", "MULTI"), ("c", "EXEC"),
        ("c", "WATCH", "w"), ("d", "SET", "w", "v"), ("d", "SET", "w", "v"), ("c", "MULTI"),
        ("c", "EXEC"),
        ("c", "WATCH", "w"), ("d", "MULTI"), ("d", "INCR", "w2"), ("d", "APPEND", "w", "z"),
        ("d", "EXEC"), ("c", "MULTI"), ("c", "EXEC"),
    ]),
    ("watch unchanged", [
        ("c", "SET", "s", "abc"), ("c", "WATCH", "w", "s", "missing"), ("d", "SET", "other", "1"),
        ("d", "DEL", "missing"), ("d", "INCR", "s"), ("d", "SET", "s", "x", "NX"),
        ("d", "EXPIRE", "missing", "10"), ("d", "PERSIST", "s"), ("d", "GET", "s"),
        ("c", "MULTI"), ("c", "GET", "s"), ("c", "EXEC"),
    ]),
    ("watch own write", [
        ("c", "WATCH", "s"), ("c", "SET", "s", "1"), ("c", "MULTI"), ("c", "PING"), ("c", "EXEC"),
        ("c", "WATCH", "s"), ("c", "GET", "s"), ("c", "MULTI"), ("c", "PING"), ("c", "EXEC"),
    ]),
    ("watch ends", [
        ("c", "WATCH", "s"), ("c", "UNWATCH"), ("d", "SET", "s", "1"), ("c", "MULTI"),
        ("c", "EXEC"), ("c", "WATCH", "s"), ("c", "MULTI"), ("c", "DISCARD"),
        ("d", "SET", "s", "2"), ("c", "MULTI"), ("c", "EXEC"), ("c", "WATCH", "s"),
        ("d", "SET", "s", "3"), ("c", "MULTI"), ("c", "EXEC"), ("d", "SET", "s", "4"),
        ("c", "MULTI"), ("c", "EXEC"), ("c", "WATCH", "s", "s"), ("c", "WATCH", "s"),
        ("c", "MULTI"), ("c", "EXEC"),
    ]),
    ("watch expiry", [
        ("c", "SET", "e", "1", "PX", "100"), ("c", "WATCH", "e"), ("sleep", 0.25),
        ("c", "MULTI"), ("c", "PING"), ("c", "EXEC"),
        ("c", "SET", "e2", "1", "PX", "50"), ("sleep", 0.15), ("c", "WATCH", "e2"),
        ("c", "GET", "e2"), ("c", "MULTI"), ("c", "PING"), ("c", "EXEC"),
        ("c", "SET", "e3", "1", "EX", "100"), ("c", "WATCH", "e3"), ("c", "MULTI"),
        ("c", "TTL", "e3"), ("c", "EXEC"),
    ]),
    ("watch flush", [
        ("c", "SET", "f", "1"), ("c", "WATCH", "f"), ("d", "FLUSHALL"), ("c", "MULTI"),
        ("c", "PING"), ("c", "EXEC"), ("c", "WATCH", "nokey"), ("d", "FLUSHDB"),
        ("c", "MULTI"), ("c", "PING"), ("c", "EXEC"),
    ]),
    ("own writes visible inside", [
        ("c", "SET", "k", "v", "EX", "100"), ("c", "MULTI"), ("c", "APPEND", "k", "w"),
        ("c", "TTL", "k"), ("c", "SET", "k", "x"), ("c", "TTL", "k"), ("c", "GETDEL", "k"),
        ("c", "EXISTS", "k"), ("c", "MSET", "m1", "1", "m2", "2"), ("c", "RENAME", "m1", "m3"),
        ("c", "MGET", "m1", "m2", "m3"), ("c", "MSETNX", "m3", "x", "m4", "y"),
        ("c", "INCRBYFLOAT", "m2", "0.5"), ("c", "GETRANGE", "m2", "0", "1"),
        ("c", "SETRANGE", "m2", "5", "z"), ("c", "STRLEN", "m2"), ("c", "EXEC"),
        ("c", "MGET", "k", "m1", "m2", "m3", "m4"),
    ]),
    ("keyspace commands inside", [
        ("c", "MSET", "a", "1", "b", "2"), ("c", "MULTI"), ("c", "DEL", "a"),
        ("c", "SET", "d", "4"), ("c", "DBSIZE"), ("c", "KEYS", "d*"), ("c", "FLUSHALL"),
        ("c", "DBSIZE"), ("c", "SET", "z", "1"), ("c", "KEYS", "*"), ("c", "RANDOMKEY"),
        ("c", "EXISTS", "b", "z"), ("c", "EXEC"), ("c", "KEYS", "*"),
    ]),
    ("nothing visible before exec", [
        ("c", "MULTI"), ("c", "SET", "n", "1"), ("d", "GET", "n"), ("d", "SET", "n", "0"),
        ("c", "INCR", "n"), ("c", "EXEC"), ("d", "GET", "n"),
    ]),
]


def run_section(server, steps, proto):
    out = []
    with server.connect() as c, server.connect() as d:
        conns = {"c": c, "d": d}
        c.call("FLUSHALL")
        if proto == 3:
            for conn in conns.values():
                conn.call("HELLO", "3")
        for step in steps:
            if step[0] == "sleep":
                time.sleep(step[1])
                continue
            raw = conns[step[0]].call_raw(*step[1:])
            out.append((step, raw))
    return out


@pytest.mark.parametrize("proto", [2, 3])
@pytest.mark.parametrize("name,steps", SECTIONS, ids=[s[0].replace(" ", "_") for s in SECTIONS])
def test_same_bytes_as_redis(server, reference, name, steps, proto):
    got = run_section(server, steps, proto)
    want = run_section(reference, steps, proto)
    diffs = [(step, g, w) for (step, g), (_, w) in zip(got, want) if g != w]
    assert not diffs, "\n".join("%r:\n  got  %r\n  want %r" % d for d in diffs)
