"""Transactions on one node, through real clients: redis-py's pipeline() (transactional by
default) and transaction() helper, raw RESP2/RESP3 sockets, redis-cli, and the 20 x 500
WATCH-increment load of issue 6. Every test also passes against Debian's redis-server
(RINGKV_SERVER=/usr/bin/redis-server) except those marked ringkv_only.
"""

import os
import subprocess
import threading
import time

import pytest
import redis

import harness
from increments import run_increments

# ---------------------------------------------------------------------------------------------
# redis-py pipeline() and transaction()


def test_pipeline_is_a_transaction(r):
    p = r.pipeline()  # transaction=True is redis-py's default: MULTI ... EXEC
    p.set("a", "1").incr("a").get("a").mget("a", "nokey")
    assert p.execute() == [True, 2, b"2", [b"2", None]]


def test_pipeline_runtime_error_in_place_without_rollback(r):
    r.set("s", "abc")
    p = r.pipeline()
    p.set("b", "1").incr("s").append("b", "2")
    out = p.execute(raise_on_error=False)
    assert out[0] is True and out[2] == 2
    assert isinstance(out[1], redis.ResponseError)
    assert "not an integer" in str(out[1])
    assert r.get("b") == b"12"
    with pytest.raises(redis.ResponseError):
        r.pipeline().set("c", "1").incr("s").execute()
    assert r.get("c") == b"1"  # no rollback


def test_pipeline_queueing_error_aborts_everything(r):
    p = r.pipeline()
    p.set("q", "1")
    p.execute_command("NOSUCHCOMMAND", "x")
    with pytest.raises(redis.ResponseError) as e:
        p.execute()
    assert "unknown command" in str(e.value)
    assert r.get("q") is None


def test_transaction_helper_retries_on_watch(r, client_factory):
    other = client_factory()
    r.set("balance", 100)
    calls = []

    def debit(pipe):
        calls.append(1)
        value = int(pipe.get("balance"))
        if len(calls) == 1:
            other.incrby("balance", 50)  # lands between WATCH and EXEC: first try aborts
        pipe.multi()
        pipe.set("balance", value - 30)

    assert r.transaction(debit, "balance") == [True]
    assert len(calls) == 2
    assert r.get("balance") == b"120"


def test_watch_error_on_change_and_success_without(r, client_factory):
    other = client_factory()
    with r.pipeline() as p:
        p.watch("w")
        p.multi()
        p.set("x", "1")
        other.set("w", "changed")
        with pytest.raises(redis.WatchError):
            p.execute()
    assert r.get("x") is None
    with r.pipeline() as p:
        p.watch("w")
        other.set("unrelated", "1")
        other.get("w")
        p.multi()
        p.set("x", "2")
        assert p.execute() == [True]
    assert r.get("x") == b"2"


def test_watch_expiry_and_flushall(r, client_factory):
    other = client_factory()
    r.set("e", "1", px=150)
    with r.pipeline() as p:
        p.watch("e")
        time.sleep(0.3)
        p.multi()
        p.ping()
        with pytest.raises(redis.WatchError):
            p.execute()
    r.set("f", "1")
    with r.pipeline() as p:
        p.watch("f", "missing")
        other.flushall()
        p.multi()
        p.ping()
        with pytest.raises(redis.WatchError):
            p.execute()
    # Only a missing key watched: FLUSHALL changes nothing (Redis 7.0).
    with r.pipeline() as p:
        p.watch("missing")
        other.flushall()
        p.multi()
        p.ping()
        assert p.execute() == [True]


def test_reset_discards_and_unwatches(r, client_factory):
    other = client_factory()
    p = r.pipeline()
    p.watch("k")
    p.reset()  # UNWATCH
    other.set("k", "1")
    p.multi()
    p.set("k", "2")
    assert p.execute() == [True]
    assert r.get("k") == b"2"


# ---------------------------------------------------------------------------------------------
# Raw bytes, RESP2 and RESP3


def test_raw_replies_resp2_and_resp3(server):
    with server.connect() as c, server.connect() as d:
        c.call("FLUSHALL")
        assert c.call_raw("MULTI") == b"+OK\r\n"
        assert c.call_raw("GET", "nokey") == b"+QUEUED\r\n"
        assert c.call_raw("SET", "k", "v") == b"+QUEUED\r\n"
        assert c.call_raw("EXEC") == b"*2\r\n$-1\r\n+OK\r\n"
        c.call("WATCH", "k")
        d.call("SET", "k", "w")
        c.call("MULTI")
        assert c.call_raw("EXEC") == b"*-1\r\n"
        c.call("HELLO", "3")
        c.call("MULTI")
        c.call("GET", "nokey")
        assert c.call_raw("EXEC") == b"*1\r\n_\r\n"
        c.call("WATCH", "k")
        d.call("DEL", "k")
        c.call("MULTI")
        assert c.call_raw("EXEC") == b"_\r\n"
        assert c.call_raw("EXEC") == b"-ERR EXEC without MULTI\r\n"


def test_pipelined_in_one_write(server):
    """WATCH, GET, MULTI, commands, EXEC sent in one write: replies in order."""
    with server.connect() as c:
        c.call("FLUSHALL")
        c.send_raw(b"".join(harness.encode_command(*a) for a in [
            ("SET", "p", "5"), ("WATCH", "p"), ("GET", "p"), ("MULTI",), ("INCR", "p"),
            ("NOSUCH",), ("EXEC",), ("MULTI",), ("INCR", "p"), ("INCR", "p"), ("EXEC",)]))
        got = [c.read()[0] for _ in range(11)]
        assert got == [b"+OK\r\n", b"+OK\r\n", b"$1\r\n5\r\n", b"+OK\r\n", b"+QUEUED\r\n",
                       b"-ERR unknown command 'NOSUCH', with args beginning with: \r\n",
                       b"-EXECABORT Transaction discarded because of previous errors.\r\n",
                       b"+OK\r\n", b"+QUEUED\r\n", b"+QUEUED\r\n", b"*2\r\n:6\r\n:7\r\n"]


def test_large_transaction(r):
    p = r.pipeline()
    for i in range(2000):
        p.set("big%d" % i, i)
    p.dbsize()
    out = p.execute()
    assert out[:-1] == [True] * 2000 and out[-1] == 2000


# ---------------------------------------------------------------------------------------------
# redis-cli, side by side with the reference

CLI_SCRIPT = """FLUSHALL
SET s abc
MULTI
SET a 1
INCR a
INCR s
GET a
EXEC
MULTI
MULTI
WATCH a
SAVE
EXEC
EXEC
DISCARD
WATCH a
SET a 5
MULTI
GET a
EXEC
MULTI
SET b 1
DISCARD
GET b
MULTI
EXEC extra
HELLO 3
MULTI
GET nokey
EXEC
"""


def run_cli(port):
    proc = subprocess.run(["redis-cli", "-h", harness.HOST, "-p", str(port), "--no-raw"],
                          input=CLI_SCRIPT.encode(), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=60, env=dict(os.environ, LC_ALL="C"))
    return proc.stdout.decode()


def test_redis_cli_matches_reference(server, reference):
    got = run_cli(server.port)
    want = run_cli(reference.port)
    # HELLO's reply names the server version and the client id; compare everything else.
    def strip_hello(text):
        return [ln for ln in text.splitlines()
                if not any(f in ln for f in ('"id"', '"version"', '"server"'))]
    assert strip_hello(got) == strip_hello(want), got
    assert "(error) EXECABORT Transaction discarded because of previous errors." in got
    assert "(nil)" in got


# ---------------------------------------------------------------------------------------------
# Concurrency


def test_concurrent_watch_increments_20x500(server, figures):
    final, retries, secs = run_increments([server.port], "wcounter", clients=20, loops=500)
    figures.append("single node: 20 clients x 500 WATCH increments -> %d (retries %d, %.1f s)"
                   % (final, retries, secs))
    assert final == 10000


def test_no_reader_sees_half_a_transaction(server, client_factory):
    """A writer's transactions set k1 and k2 to the same value and 'mid' twice; readers (their own
    transactions, and plain GETs) never see them apart or 'mid' at its intermediate value."""
    stop = threading.Event()
    bad = []

    def writer():
        w = client_factory()
        for i in range(1500):
            p = w.pipeline()
            p.set("k1", i).set("mid", "intermediate").set("k2", i).set("mid", "final")
            p.execute()
        stop.set()

    def reader(kind):
        c = client_factory()
        while not stop.is_set():
            if kind == "txn":
                a, b = c.pipeline().get("k1").get("k2").execute()
                if a != b:
                    bad.append((a, b))
            elif c.get("mid") == b"intermediate":
                bad.append("intermediate")

    threads = [threading.Thread(target=writer)] + \
        [threading.Thread(target=reader, args=(k,)) for k in ("txn", "txn", "get")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not bad, bad[:5]


@pytest.mark.ringkv_only
def test_acknowledged_transaction_survives_kill9():
    """appendfsync always: an acknowledged EXEC is on disk (one synced batch) after kill -9."""
    s = harness.Server(extra_args=["--appendfsync", "always"], name="multi-dur")
    try:
        s.start()
        c = redis.Redis(host=harness.HOST, port=s.port)
        p = c.pipeline()
        for i in range(200):
            p.set("d%d" % i, i)
        p.incr("d0")
        assert p.execute()[-1] == 1
        c.close()
        s.kill9()
        s.start()
        c = redis.Redis(host=harness.HOST, port=s.port)
        assert c.dbsize() == 200
        assert c.get("d0") == b"1" and c.get("d199") == b"199"
        c.close()
    finally:
        s.cleanup()
