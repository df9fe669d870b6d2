"""Blocking commands (issue 10): BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX,
BZMPOP and CLIENT UNBLOCK, black-box, against the session server.

How the tests wait. A blocked client is a raw socket (harness.RespConnection) that has sent its
command and reads the reply later, or a redis-py client in a thread; every read has a socket
timeout, so a lost wake-up fails the test instead of hanging it. "The client is blocked now" is
INFO clients blocked_clients reaching the expected count (polled, bounded), which also orders the
clients for the first-come-first-served cases. "No reply yet" is a short MSG_PEEK that must time
out. The session server is shared by every suite, so the `conns` fixture closes this test's
connections and then waits for blocked_clients to return to 0.

Expected bytes were taken from Debian's redis-server 7.0 (RINGKV_SERVER=/usr/bin/redis-server),
including its quirks: a timed-out BLMOVE/BRPOPLPUSH answers a null *array* in RESP2 (`*-1`) while
inside MULTI it answers a null *bulk* (`$-1`); an out-of-range timeout (inf, 1e400) is "negative".
"""

import random
import socket
import threading
import time

import pytest
import redis

import harness
from harness import RespError, RespMap, encode_command

IO_TIMEOUT = 10.0  # the longest any single read may wait
WAIT_S = 5.0  # bound for polling the server's state
QUIET_S = 0.25  # "no reply within this long" means the client is still blocked

WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
NOT_FLOAT = b"-ERR timeout is not a float or out of range\r\n"
NEGATIVE = b"-ERR timeout is negative\r\n"
UNBLOCKED = b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"


# --- helpers ------------------------------------------------------------------------------------


def blocked_clients(r):
    return r.info("clients")["blocked_clients"]


def wait_until(pred, what, timeout=WAIT_S):
    deadline = time.monotonic() + timeout
    while True:
        if pred():
            return
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1f s waiting for %s" % (timeout, what))
        time.sleep(0.005)


def wait_blocked(r, n):
    wait_until(lambda: blocked_clients(r) == n, "blocked_clients == %d (now %d)" % (
        n, blocked_clients(r)))


def assert_no_reply(c, quiet=QUIET_S):
    """Nothing arrives on c within `quiet` seconds (peeked, so nothing is consumed)."""
    assert len(c.reader.buf) == c.reader.pos, "unexpected buffered bytes %r" % c.reader.buf
    c.sock.settimeout(quiet)
    try:
        data = c.sock.recv(1 << 16, socket.MSG_PEEK)
    except socket.timeout:
        return
    finally:
        c.sock.settimeout(IO_TIMEOUT)
    raise AssertionError("expected no reply yet, got %r" % data)


def bulk(s):
    s = s.encode() if isinstance(s, str) else s
    return b"$%d\r\n%s\r\n" % (len(s), s)


def arr(*items):
    return b"*%d\r\n" % len(items) + b"".join(items)


def key_elem(k, v):
    """BLPOP/BRPOP's reply: [key, element]."""
    return arr(bulk(k), bulk(v))


def client_id(c):
    return c.call("CLIENT", "ID")


def client_id_of_blocked(r):
    """The id of the only client CLIENT LIST shows with flags=b."""
    ids = [int(x["id"]) for x in r.client_list() if "b" in x["flags"]]
    assert len(ids) == 1, ids
    return ids[0]


@pytest.fixture
def conns(r, server):
    """Factory of raw connections: conns(proto=2|3, db=N). All are closed at teardown, and then
    no client may stay blocked (the session server is shared)."""
    made = []

    def make(proto=2, db=0):
        c = harness.RespConnection(harness.HOST, server.port, timeout=IO_TIMEOUT)
        made.append(c)
        if proto == 3:
            assert isinstance(c.call("HELLO", "3"), RespMap)
        if db:
            assert c.call_raw("SELECT", str(db)) == b"+OK\r\n"
        return c

    yield make
    for c in made:
        c.close()
    wait_blocked(r, 0)


# The blocking commands with a timeout `T` and key names `k`/`d`: (name, argv template).
LIST_CMDS = {
    "BLPOP": ["BLPOP", "k", "T"],
    "BRPOP": ["BRPOP", "k", "T"],
    "BLMOVE": ["BLMOVE", "k", "d", "LEFT", "RIGHT", "T"],
    "BRPOPLPUSH": ["BRPOPLPUSH", "k", "d", "T"],
    "BLMPOP": ["BLMPOP", "T", "1", "k", "LEFT"],
}
ZSET_CMDS = {
    "BZPOPMIN": ["BZPOPMIN", "k", "T"],
    "BZPOPMAX": ["BZPOPMAX", "k", "T"],
    "BZMPOP": ["BZMPOP", "T", "1", "k", "MIN"],
}
ALL_CMDS = dict(LIST_CMDS, **ZSET_CMDS)


def argv(name, timeout):
    return [timeout if a == "T" else a for a in ALL_CMDS[name]]


# --- served by a push ---------------------------------------------------------------------------


@pytest.mark.parametrize("cmd,expect", [("BLPOP", b"a"), ("BRPOP", b"b")])
def test_blocked_served_by_push_from_other_connection(r, conns, cmd, expect):
    c = conns()
    c.send(cmd, "k1", "k2", "k3", "0")
    wait_blocked(r, 1)
    assert_no_reply(c)
    assert r.rpush("k2", "a", "b") == 2
    assert c.read()[0] == key_elem("k2", expect)
    assert r.lrange("k2", 0, -1) == [b"b" if expect == b"a" else b"a"]
    wait_blocked(r, 0)
    assert c.call_raw("PING") == b"+PONG\r\n"


def test_first_key_with_data_wins(r, conns):
    c = conns()
    r.rpush("k3", "x3")
    r.rpush("k2", "x2", "y2")
    assert c.call_raw("BLPOP", "k1", "k2", "k3", "0") == key_elem("k2", "x2")
    assert c.call_raw("BRPOP", "k1", "k3", "k2", "0") == key_elem("k3", "x3")
    assert c.call_raw("BLMPOP", "0", "3", "k1", "k3", "k2", "LEFT") == arr(
        bulk("k2"), arr(bulk("y2")))
    assert r.exists("k1", "k2", "k3") == 0
    r.zadd("z2", {"m": 1})
    r.zadd("z3", {"n": 2})
    assert c.call_raw("BZPOPMAX", "z1", "z3", "z2", "0") == arr(bulk("z3"), bulk("n"), bulk("2"))
    assert c.call_raw("BZMPOP", "0", "2", "z1", "z2", "MIN") == arr(
        bulk("z2"), arr(arr(bulk("m"), bulk("1"))))


def test_lpush_several_values_serves_the_head(r, conns):
    # Redis documents it: the push completes first, then the client is served from the new head.
    c = conns()
    c.send("BLPOP", "k", "0")
    wait_blocked(r, 1)
    assert r.lpush("k", "a", "b", "c") == 3
    assert c.read()[0] == key_elem("k", "c")
    assert r.lrange("k", 0, -1) == [b"b", b"a"]


def test_push_to_several_keys_in_multi_serves_first_signalled_key(r, conns):
    # Redis's BLPOP page: when several keys get data at once (MULTI/EXEC or a script), the
    # client is served from the first key that received a push, not the first key it named.
    c, w = conns(), conns()
    c.send("BLPOP", "k1", "k2", "k3", "0")
    wait_blocked(r, 1)
    assert w.call_raw("MULTI") == b"+OK\r\n"
    assert w.call_raw("RPUSH", "k3", "x3") == b"+QUEUED\r\n"
    assert w.call_raw("RPUSH", "k2", "x2") == b"+QUEUED\r\n"
    assert w.call_raw("EXEC") == b"*2\r\n:1\r\n:1\r\n"
    assert c.read()[0] == key_elem("k3", "x3")
    assert r.lrange("k2", 0, -1) == [b"x2"]


def test_blmpop_count_woken(r, conns):
    c = conns()
    c.send("BLMPOP", "0", "2", "k1", "k2", "RIGHT", "COUNT", "2")
    wait_blocked(r, 1)
    r.rpush("k2", "a", "b", "c")
    assert c.read()[0] == arr(bulk("k2"), arr(bulk("c"), bulk("b")))
    assert r.lrange("k2", 0, -1) == [b"a"]


def test_served_before_timeout_gets_no_late_reply(r, conns):
    c = conns()
    c.send("BLPOP", "k", "1")
    wait_blocked(r, 1)
    r.rpush("k", "v")
    assert c.read()[0] == key_elem("k", "v")
    time.sleep(1.1)  # past the original deadline: a timer left armed would answer *-1 now
    assert_no_reply(c, 0.05)
    assert c.call_raw("PING") == b"+PONG\r\n"


# --- first come, first served -------------------------------------------------------------------


def block_in_order(r, conns, n, *args):
    clients = []
    for i in range(n):
        c = conns()
        c.send(*args)
        wait_blocked(r, i + 1)
        clients.append(c)
    return clients


def test_fcfs_one_push_of_three(r, conns):
    clients = block_in_order(r, conns, 3, "BLPOP", "k", "0")
    assert r.rpush("k", "a", "b", "c") == 3
    assert [c.read()[0] for c in clients] == [key_elem("k", v) for v in ("a", "b", "c")]
    assert r.exists("k") == 0
    wait_blocked(r, 0)


def test_fcfs_three_pushes(r, conns):
    clients = block_in_order(r, conns, 3, "BLPOP", "k", "0")
    for i, v in enumerate(("a", "b", "c")):
        r.rpush("k", v)
        assert clients[i].read()[0] == key_elem("k", v)
        for later in clients[i + 1:]:
            assert_no_reply(later, 0.05)
    assert r.exists("k") == 0


def test_fcfs_across_keys(r, conns):
    # c1 waits on k1 and k2, c2 on k2 only: a push to k2 goes to c1, who came first.
    c1, c2 = conns(), conns()
    c1.send("BLPOP", "k1", "k2", "0")
    wait_blocked(r, 1)
    c2.send("BLPOP", "k2", "0")
    wait_blocked(r, 2)
    r.rpush("k2", "x")
    assert c1.read()[0] == key_elem("k2", "x")
    assert_no_reply(c2, 0.1)
    r.rpush("k2", "y")
    assert c2.read()[0] == key_elem("k2", "y")


def test_fcfs_zset(r, conns):
    clients = block_in_order(r, conns, 2, "BZPOPMIN", "z", "0")
    r.zadd("z", {"a": 1, "b": 2})
    assert clients[0].read()[0] == arr(bulk("z"), bulk("a"), bulk("1"))
    assert clients[1].read()[0] == arr(bulk("z"), bulk("b"), bulk("2"))
    assert r.exists("z") == 0


# --- timeouts -----------------------------------------------------------------------------------


@pytest.mark.parametrize("proto", [2, 3])
@pytest.mark.parametrize("name", sorted(ALL_CMDS))
def test_fractional_timeout(r, conns, name, proto):
    # RESP2: every one of them answers the null array on timeout, BLMOVE/BRPOPLPUSH included.
    timeout = "0.1" if len(name) % 2 else "0.25"
    c = conns(proto)
    start = time.monotonic()
    c.send(*argv(name, timeout))
    raw_reply = c.read()[0]
    elapsed = time.monotonic() - start
    assert raw_reply == (b"*-1\r\n" if proto == 2 else b"_\r\n")
    assert 0.08 <= elapsed < 2.0, elapsed
    assert blocked_clients(r) == 0
    assert c.call_raw("PING") == (b"+PONG\r\n")


BAD_TIMEOUTS = [
    ("-1", NEGATIVE), ("-0.5", NEGATIVE), ("-inf", NEGATIVE),
    # Redis 7.0 casts the overflowing milliseconds to long long: they come out negative.
    ("inf", NEGATIVE), ("1e400", NEGATIVE),
    ("abc", NOT_FLOAT), ("", NOT_FLOAT), ("1x", NOT_FLOAT), (" 1", NOT_FLOAT), ("nan", NOT_FLOAT),
]


@pytest.mark.parametrize("name", sorted(ALL_CMDS))
def test_timeout_errors(r, conns, name):
    c = conns()
    r.rpush("k", "keep")  # an error reply must not pop anything
    if name in ZSET_CMDS:
        r.delete("k")
        r.zadd("k", {"keep": 1})
    for arg, expect in BAD_TIMEOUTS:
        assert c.call_raw(*argv(name, arg)) == expect, arg
    assert r.type("k") == (b"zset" if name in ZSET_CMDS else b"list")
    assert (r.zcard("k") if name in ZSET_CMDS else r.llen("k")) == 1
    assert blocked_clients(r) == 0
    assert c.call_raw("PING") == b"+PONG\r\n"


def test_tiny_timeout_is_not_forever(conns):
    # 0.0001 s is 1 ms after ceil: a real, short timeout.
    c = conns()
    c.sock.settimeout(2.0)
    assert c.call_raw("BLPOP", "k", "0.0001") == b"*-1\r\n"


# --- MULTI --------------------------------------------------------------------------------------


@pytest.mark.parametrize("proto", [2, 3])
def test_multi_does_not_block(r, conns, proto):
    c = conns(proto)
    assert c.call_raw("MULTI") == b"+OK\r\n"
    order = ["BLPOP", "BRPOP", "BLMOVE", "BRPOPLPUSH", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP"]
    for name in order:
        assert c.call_raw(*argv(name, "0")) == b"+QUEUED\r\n"
    start = time.monotonic()
    reply = c.call_raw("EXEC")
    assert time.monotonic() - start < 2.0
    if proto == 2:
        # BLMOVE and BRPOPLPUSH answer as LMOVE/RPOPLPUSH would: a null bulk.
        assert reply == b"*8\r\n*-1\r\n*-1\r\n$-1\r\n$-1\r\n*-1\r\n*-1\r\n*-1\r\n*-1\r\n"
    else:
        assert reply == b"*8\r\n" + b"_\r\n" * 8
    assert blocked_clients(r) == 0


def test_multi_with_data_serves(r, conns):
    c = conns()
    assert c.call_raw("MULTI") == b"+OK\r\n"
    assert c.call_raw("RPUSH", "k", "a", "b") == b"+QUEUED\r\n"
    assert c.call_raw("BLPOP", "k", "0") == b"+QUEUED\r\n"
    assert c.call_raw("BLMOVE", "k", "d", "LEFT", "LEFT", "0") == b"+QUEUED\r\n"
    assert c.call_raw("BLPOP", "k", "0") == b"+QUEUED\r\n"
    assert c.call_raw("EXEC") == arr(b":2\r\n", key_elem("k", "a"), bulk("b"), b"*-1\r\n")
    assert r.lrange("d", 0, -1) == [b"b"]


def test_push_inside_multi_wakes_after_exec(r, conns):
    c, w = conns(), conns()
    c.send("BLPOP", "k", "0")
    wait_blocked(r, 1)
    assert w.call_raw("MULTI") == b"+OK\r\n"
    assert w.call_raw("RPUSH", "k", "a") == b"+QUEUED\r\n"
    assert_no_reply(c)
    assert w.call_raw("EXEC") == b"*1\r\n:1\r\n"
    assert c.read()[0] == key_elem("k", "a")
    # A transaction that pushes and pops again leaves the list empty: the client stays blocked.
    c.send("BLPOP", "k", "0")
    wait_blocked(r, 1)
    assert w.call_raw("MULTI") == b"+OK\r\n"
    assert w.call_raw("RPUSH", "k", "x") == b"+QUEUED\r\n"
    assert w.call_raw("LPOP", "k") == b"+QUEUED\r\n"
    assert w.call_raw("EXEC") == arr(b":1\r\n", bulk("x"))
    assert_no_reply(c)
    assert blocked_clients(r) == 1
    r.rpush("k", "y")
    assert c.read()[0] == key_elem("k", "y")


# --- pipelining, disconnects --------------------------------------------------------------------


def test_blocked_client_pipeline_waits(r, conns):
    c = conns()
    c.send_raw(encode_command("BLPOP", "k", "0") + encode_command("PING"))
    wait_blocked(r, 1)
    assert_no_reply(c)
    r.rpush("k", "v")
    assert c.read()[0] == key_elem("k", "v")
    assert c.read()[0] == b"+PONG\r\n"


def test_pipelined_blocking_commands_run_in_order(r, conns):
    c = conns()
    c.send_raw(encode_command("BLPOP", "k", "0") + encode_command("BLPOP", "k", "0") +
               encode_command("BLPOP", "k", "0") + encode_command("ECHO", "done"))
    wait_blocked(r, 1)
    r.rpush("k", "a", "b")  # serves the first two; the third blocks again
    assert c.read()[0] == key_elem("k", "a")
    assert c.read()[0] == key_elem("k", "b")
    wait_blocked(r, 1)
    assert_no_reply(c)
    r.rpush("k", "c")
    assert c.read()[0] == key_elem("k", "c")
    assert c.read()[0] == bulk("done")


@pytest.mark.parametrize("name", ["BLPOP", "BLMOVE", "BLMPOP", "BZPOPMIN", "BZMPOP"])
def test_disconnect_while_blocked_leaves_nothing(r, conns, name):
    c = conns()
    cid = client_id(c)
    c.send(*argv(name, "0"))
    wait_blocked(r, 1)
    c.close()
    wait_blocked(r, 0)
    wait_until(lambda: cid not in [int(x["id"]) for x in r.client_list()], "client gone")
    if name in ZSET_CMDS:
        assert r.zadd("k", {"m": 1}) == 1
        time.sleep(0.1)
        assert r.zcard("k") == 1
    else:
        assert r.rpush("k", "v") == 1
        time.sleep(0.1)
        assert r.llen("k") == 1
        assert r.exists("d") == 0


def test_disconnect_of_first_waiter_passes_to_next(r, conns):
    c1, c2 = block_in_order(r, conns, 2, "BLPOP", "k", "0")
    c1.close()
    wait_blocked(r, 1)
    r.rpush("k", "v")
    assert c2.read()[0] == key_elem("k", "v")
    assert r.exists("k") == 0


# --- CLIENT UNBLOCK, CLIENT LIST ----------------------------------------------------------------


@pytest.mark.parametrize("proto", [2, 3])
@pytest.mark.parametrize("name", ["BLPOP", "BLMOVE", "BRPOPLPUSH", "BLMPOP", "BZPOPMAX", "BZMPOP"])
def test_client_unblock(r, conns, name, proto):
    c, admin = conns(proto), conns()
    cid = client_id(c)
    null = b"*-1\r\n" if proto == 2 else b"_\r\n"
    for reason, expect in ((None, null), ("TIMEOUT", null), ("timeout", null),
                           ("ERROR", UNBLOCKED), ("error", UNBLOCKED)):
        c.send(*argv(name, "0"))
        wait_blocked(r, 1)
        args = ["CLIENT", "UNBLOCK", str(cid)] + ([reason] if reason else [])
        assert admin.call_raw(*args) == b":1\r\n"
        assert c.read()[0] == expect, reason
        wait_blocked(r, 0)
        assert admin.call_raw(*args) == b":0\r\n"  # no longer blocked
    assert c.call_raw("PING") == (b"+PONG\r\n")
    # Nobody is left waiting: a push stays where it is.
    if name in ZSET_CMDS:
        r.zadd("k", {"m": 1})
        time.sleep(0.05)
        assert r.zcard("k") == 1
    else:
        r.rpush("k", "v")
        time.sleep(0.05)
        assert r.llen("k") == 1


def test_client_unblock_errors(r, conns):
    c = conns()
    assert c.call_raw("CLIENT", "UNBLOCK", str(client_id(c))) == b":0\r\n"  # itself, not blocked
    assert c.call_raw("CLIENT", "UNBLOCK", str(r.client_id())) == b":0\r\n"  # other, not blocked
    assert c.call_raw("CLIENT", "UNBLOCK", "999999999") == b":0\r\n"
    assert c.call_raw("CLIENT", "UNBLOCK", "-1") == b":0\r\n"
    assert c.call_raw("CLIENT", "UNBLOCK", "1", "foo") == (
        b"-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n")
    assert c.call_raw("CLIENT", "UNBLOCK", "x") == (
        b"-ERR value is not an integer or out of range\r\n")
    assert c.call_raw("CLIENT", "UNBLOCK") == (
        b"-ERR wrong number of arguments for 'client|unblock' command\r\n")
    b = conns()
    bid = client_id(b)
    b.send("BLPOP", "k", "0")
    wait_blocked(r, 1)
    assert client_id_of_blocked(r) == bid
    # A bad reason leaves the client blocked.
    assert c.call_raw("CLIENT", "UNBLOCK", str(bid), "foo") == (
        b"-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n")
    assert_no_reply(b, 0.1)
    assert blocked_clients(r) == 1
    assert r.client_unblock(bid, error=True) is True
    assert b.read()[0] == UNBLOCKED


def test_client_list_shows_blocked_flag(r, conns):
    c = conns()
    cid = client_id(c)
    c.send("BLPOP", "k", "0")
    wait_blocked(r, 1)
    (entry,) = r.client_list(client_id=[str(cid)])
    assert entry["flags"] == "b"
    assert entry["cmd"] == "blpop"
    r.rpush("k", "v")
    assert c.read()[0] == key_elem("k", "v")
    wait_until(lambda: r.client_list(client_id=[str(cid)])[0]["flags"] == "N", "flags=N")


def test_redis_py_clients_in_threads(r, server):
    # The redis-py calls, each blocked in its own thread (socket_timeout bounds them).
    calls = {
        "blpop": lambda c: c.blpop(["l1"], 0),
        "brpop": lambda c: c.brpop(["l2"], 0),
        "blmove": lambda c: c.blmove("l3", "d3", 0, "RIGHT", "LEFT"),
        "brpoplpush": lambda c: c.brpoplpush("l4", "d4", 0),
        "blmpop": lambda c: c.blmpop(0, 1, "l5", direction="LEFT", count=2),
        "bzpopmin": lambda c: c.bzpopmin(["z1"], 0),
        "bzpopmax": lambda c: c.bzpopmax(["z2"], 0),
        "bzmpop": lambda c: c.bzmpop(0, 1, ["z3"], max=True, count=2),
    }
    results, threads, clients = {}, [], []
    for i, (name, call) in enumerate(sorted(calls.items())):
        c = redis.Redis(host=harness.HOST, port=server.port, socket_timeout=IO_TIMEOUT)
        clients.append(c)

        def run(name=name, call=call, c=c):
            try:
                results[name] = call(c)
            except Exception as e:  # reported below
                results[name] = e

        t = threading.Thread(target=run, daemon=True)
        t.start()
        threads.append(t)
        wait_blocked(r, i + 1)
    for k in ("l1", "l2", "l3", "l4", "l5"):
        r.rpush(k, "a", "b")
    for k in ("z1", "z2", "z3"):
        r.zadd(k, {"a": 1, "b": 2.5})
    for t in threads:
        t.join(IO_TIMEOUT + 2)
    for c in clients:
        c.close()
    assert not any(t.is_alive() for t in threads)
    assert results == {
        "blpop": (b"l1", b"a"),
        "brpop": (b"l2", b"b"),
        "blmove": b"b",
        "brpoplpush": b"b",
        "blmpop": [b"l5", [b"a", b"b"]],
        "bzpopmin": (b"z1", b"a", 1.0),
        "bzpopmax": (b"z2", b"b", 2.5),
        "bzmpop": [b"z3", [[b"b", b"2.5"], [b"a", b"1"]]],
    }
    assert r.lrange("d3", 0, -1) == [b"b"] and r.lrange("d4", 0, -1) == [b"b"]
    assert blocked_clients(r) == 0


# --- BLMOVE / BRPOPLPUSH ------------------------------------------------------------------------


@pytest.mark.parametrize("cmd,moved,left", [
    (["BLMOVE", "src", "dst", "RIGHT", "LEFT", "0"], "b", "a"),
    (["BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"], "a", "b"),
    (["BRPOPLPUSH", "src", "dst", "0"], "b", "a"),
])
def test_blmove_moves_and_wakes_destination(r, conns, cmd, moved, left):
    waiter, mover = conns(), conns()
    waiter.send("BLPOP", "dst", "0")
    wait_blocked(r, 1)
    mover.send(*cmd)
    wait_blocked(r, 2)
    r.rpush("src", "a", "b")
    assert mover.read()[0] == bulk(moved)
    assert waiter.read()[0] == key_elem("dst", moved)
    assert r.lrange("src", 0, -1) == [left.encode()]
    assert r.exists("dst") == 0
    wait_blocked(r, 0)


def test_blmove_chain(r, conns):
    # a -> b -> c: one push travels through two blocked BLMOVEs to a BLPOP.
    c1, c2, c3 = conns(), conns(), conns()
    c1.send("BLPOP", "c", "0")
    wait_blocked(r, 1)
    c2.send("BLMOVE", "b", "c", "LEFT", "RIGHT", "0")
    wait_blocked(r, 2)
    c3.send("BRPOPLPUSH", "a", "b", "0")
    wait_blocked(r, 3)
    r.lpush("a", "v")
    assert c3.read()[0] == bulk("v")
    assert c2.read()[0] == bulk("v")
    assert c1.read()[0] == key_elem("c", "v")
    assert r.exists("a", "b", "c") == 0


def test_blmove_same_list_rotates(r, conns):
    c = conns()
    r.rpush("k", "a", "b", "c")
    assert c.call_raw("BLMOVE", "k", "k", "LEFT", "RIGHT", "0") == bulk("a")
    assert c.call_raw("BRPOPLPUSH", "k", "k", "0") == bulk("a")
    assert r.lrange("k", 0, -1) == [b"a", b"b", b"c"]
    r.delete("k")
    c.send("BLMOVE", "k", "k", "RIGHT", "LEFT", "0")
    wait_blocked(r, 1)
    r.rpush("k", "x", "y")
    assert c.read()[0] == bulk("y")
    assert r.lrange("k", 0, -1) == [b"y", b"x"]


# --- sorted sets --------------------------------------------------------------------------------


@pytest.mark.parametrize("proto", [2, 3])
def test_bzpop_woken_by_zadd(r, conns, proto):
    c = conns(proto)
    score = (lambda s: bulk(s)) if proto == 2 else (lambda s: b",%s\r\n" % s.encode())
    c.send("BZPOPMIN", "z1", "z2", "0")
    wait_blocked(r, 1)
    r.zadd("z2", {"m": 1.5, "n": 3, "o": 7})
    assert c.read()[0] == arr(bulk("z2"), bulk("m"), score("1.5"))
    r.delete("z2")
    c.send("BZPOPMAX", "z1", "z2", "0")
    wait_blocked(r, 1)
    r.zadd("z1", {"m": 1.5, "n": 3})
    assert c.read()[0] == arr(bulk("z1"), bulk("n"), score("3"))
    r.delete("z1")
    c.send("BZMPOP", "0", "2", "z1", "z2", "MAX", "COUNT", "2")
    wait_blocked(r, 1)
    r.zadd("z2", {"a": 1, "b": 2, "c": 3})
    assert c.read()[0] == arr(bulk("z2"), arr(arr(bulk("c"), score("3")),
                                               arr(bulk("b"), score("2"))))
    assert r.zrange("z2", 0, -1, withscores=True) == [(b"a", 1.0)]
    c.send("BZMPOP", "0", "1", "z3", "MIN")
    wait_blocked(r, 1)
    r.zadd("z3", {"x": -2.25})
    assert c.read()[0] == arr(bulk("z3"), arr(arr(bulk("x"), score("-2.25"))))
    assert r.exists("z3") == 0


def test_zset_waiter_ignores_list_push_and_string_set(r, conns):
    c = conns()
    c.send("BZPOPMIN", "z", "0")
    wait_blocked(r, 1)
    r.rpush("z", "not-a-zset")
    assert_no_reply(c)
    assert blocked_clients(r) == 1
    r.delete("z")
    r.zadd("z", {"m": 1})
    assert c.read()[0] == arr(bulk("z"), bulk("m"), bulk("1"))


# --- types and databases ------------------------------------------------------------------------


def test_wrongtype_at_call_time(r, conns):
    c = conns()
    r.set("s", "v")
    r.rpush("l", "e")
    r.zadd("z", {"m": 1})
    for args in (["BLPOP", "s", "0"], ["BRPOP", "nokey", "s", "0"], ["BLPOP", "z", "0"],
                 ["BLMPOP", "0", "2", "nokey", "s", "LEFT"],
                 ["BLMOVE", "s", "d", "LEFT", "LEFT", "0"], ["BRPOPLPUSH", "z", "d", "0"],
                 ["BZPOPMIN", "nokey", "s", "0"], ["BZPOPMAX", "l", "0"],
                 ["BZMPOP", "0", "1", "l", "MIN"]):
        assert c.call_raw(*args) == WRONGTYPE, args
    # Destination of the wrong type: nothing moves.
    assert c.call_raw("BLMOVE", "l", "s", "LEFT", "LEFT", "0") == WRONGTYPE
    assert c.call_raw("BRPOPLPUSH", "l", "z", "0") == WRONGTYPE
    assert r.lrange("l", 0, -1) == [b"e"]
    assert blocked_clients(r) == 0


def test_list_waiter_stays_blocked_when_key_becomes_another_type(r, conns):
    # Redis 7.0: a write of another type does not wake a list waiter.
    c = conns()
    c.send("BLPOP", "k", "0")
    wait_blocked(r, 1)
    r.set("k", "string")
    r.zadd("k2", {"m": 1})
    assert_no_reply(c)
    assert blocked_clients(r) == 1
    r.delete("k")
    r.rpush("k", "v")
    assert c.read()[0] == key_elem("k", "v")


def test_blocked_in_db1_not_woken_by_db0_push(r, conns):
    c = conns(db=1)
    c.send("BLPOP", "k", "0")
    wait_blocked(r, 1)
    r.rpush("k", "db0")
    assert_no_reply(c)
    assert r.llen("k") == 1
    w = conns(db=1)
    assert w.call_raw("RPUSH", "k", "db1") == b":1\r\n"
    assert c.read()[0] == key_elem("k", "db1")
    assert w.call_raw("EXISTS", "k") == b":0\r\n"
    assert r.lrange("k", 0, -1) == [b"db0"]


# --- many clients -------------------------------------------------------------------------------


def test_many_clients_many_keys_concurrent_pushes(r, conns):
    """20 clients blocked on 5 keys, 4 connections pushing at once: every item is received
    exactly once, nothing stays in the lists, and every client ends unblocked."""
    keys = ["mk%d" % i for i in range(5)]
    n_clients, n_pushers, per_pusher = 20, 4, 100
    received, errors, lock = [], [], threading.Lock()
    consumers = []

    def consume(c, i):
        ks = keys[i % 5:] + keys[:i % 5]
        kind = i % 3
        try:
            while True:
                if kind == 0:
                    c.send("BLPOP", *ks, "0")
                elif kind == 1:
                    c.send("BRPOP", *ks, "0")
                else:
                    c.send("BLMPOP", "0", str(len(ks)), *ks, "LEFT")
                _, v = c.read()
                if isinstance(v, RespError):
                    raise AssertionError("client %d got %s" % (i, v))
                item = v[1] if kind != 2 else v[1][0]
                if item == b"stop":
                    return
                with lock:
                    received.append(item)
        except Exception as e:
            with lock:
                errors.append("client %d: %r" % (i, e))

    clients = [conns() for _ in range(n_clients)]
    for i, c in enumerate(clients):
        t = threading.Thread(target=consume, args=(c, i), daemon=True)
        t.start()
        consumers.append(t)
    wait_blocked(r, n_clients)

    pushed = []

    def push(p, c):
        rnd = random.Random(p)
        seq = 0
        try:
            while seq < per_pusher:
                batch = ["p%d-%d" % (p, seq + j) for j in range(min(rnd.randint(1, 3),
                                                                   per_pusher - seq))]
                seq += len(batch)
                key = keys[rnd.randrange(5)]
                cmd = "RPUSH" if rnd.random() < 0.7 else "LPUSH"
                n = c.call(cmd, key, *batch)
                assert isinstance(n, int), n
        except Exception as e:
            with lock:
                errors.append("pusher %d: %r" % (p, e))

    pushers = []
    for p in range(n_pushers):
        pushed += ["p%d-%d" % (p, s) for s in range(per_pusher)]
        t = threading.Thread(target=push, args=(p, conns()), daemon=True)
        t.start()
        pushers.append(t)
    for t in pushers:
        t.join(IO_TIMEOUT * 2)
        assert not t.is_alive(), "pusher hung"
    assert not errors, errors
    total = n_pushers * per_pusher
    wait_until(lambda: len(received) >= total or errors,
               "all %d items received (got %d)" % (total, len(received)), timeout=15)
    assert not errors, errors
    # Everyone is blocked again; one stop item each (one multi-item push per key).
    wait_blocked(r, n_clients)
    for k in keys:
        r.rpush(k, *["stop"] * (n_clients // len(keys)))
    for t in consumers:
        t.join(IO_TIMEOUT + 2)
        assert not t.is_alive(), "a consumer never got its stop item"
    assert not errors, errors
    assert len(received) == total
    assert sorted(x.decode() for x in received) == sorted(pushed)  # each exactly once
    assert r.exists(*keys) == 0
    wait_blocked(r, 0)
