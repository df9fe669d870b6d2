"""Binary safety, large values, pipelining order and concurrent atomicity through redis-py."""

import random
import threading

import redis

import harness


def test_binary_safe_keys_and_values(r):
    all_bytes = bytes(range(256))
    r.set(b"k\x00\r\n\xff", all_bytes)
    assert r.get(b"k\x00\r\n\xff") == all_bytes
    assert r.strlen(b"k\x00\r\n\xff") == 256
    assert r.exists(b"k\x00\r\n") == 0
    assert r.keys(b"k\x00*") == [b"k\x00\r\n\xff"]
    r.append(b"k\x00\r\n\xff", b"\r\n$-1\r\n")
    assert r.get(b"k\x00\r\n\xff").endswith(b"\xff\r\n$-1\r\n")
    assert r.getrange(b"k\x00\r\n\xff", 0, 2) == b"\x00\x01\x02"
    r.set(b"", b"empty key")
    assert r.get(b"") == b"empty key"
    r.set("emptyval", b"")
    assert r.get("emptyval") == b""
    assert r.exists("emptyval") == 1
    r.mset({b"\xe2\x82\xac": b"\xf0\x9f\x98\x80", b"a b": b"c d"})
    assert r.mget(b"\xe2\x82\xac", b"a b") == [b"\xf0\x9f\x98\x80", b"c d"]


def test_large_value_10mb(r):
    rnd = random.Random(7)
    big = bytes(rnd.getrandbits(8) for _ in range(1024)) * (10 * 1024)
    assert len(big) == 10 * 1024 * 1024
    assert r.set("big", big) is True
    assert r.strlen("big") == len(big)
    assert r.get("big") == big
    assert r.getrange("big", 5 * 1024 * 1024, 5 * 1024 * 1024 + 9) == big[5242880:5242890]
    assert r.append("big", b"tail") == len(big) + 4
    assert r.get("big")[-4:] == b"tail"
    r.delete("big")


def test_large_value_raw_socket_split_writes(server):
    # The 10 MB request arrives in many small TCP pieces.
    payload = b"x" * (10 * 1024 * 1024)
    cmd = harness.encode_command("SET", "bigraw", payload)
    with harness.RespConnection(harness.HOST, server.port) as c:
        for i in range(0, len(cmd), 65536):
            c.send_raw(cmd[i:i + 65536])
        assert c.read()[0] == b"+OK\r\n"
        assert c.call("STRLEN", "bigraw") == len(payload)
        c.call("DEL", "bigraw")


def test_pipeline_1000_mixed_in_order(r):
    rnd = random.Random(42)
    expected = []
    model = {}
    pipe = r.pipeline(transaction=False)
    for i in range(1000):
        key = "p%d" % rnd.randrange(20)
        op = rnd.randrange(6)
        if op == 0:
            val = "v%d" % i
            pipe.set(key, val)
            model[key] = val.encode()
            expected.append(True)
        elif op == 1:
            pipe.get(key)
            expected.append(model.get(key))
        elif op == 2:
            pipe.append(key, "a")
            model[key] = model.get(key, b"") + b"a"
            expected.append(len(model[key]))
        elif op == 3:
            pipe.exists(key)
            expected.append(1 if key in model else 0)
        elif op == 4:
            pipe.delete(key)
            expected.append(1 if model.pop(key, None) is not None else 0)
        else:
            pipe.echo("e%d" % i)
            expected.append(("e%d" % i).encode())
    replies = pipe.execute()
    assert len(replies) == 1000
    for i, (got, want) in enumerate(zip(replies, expected)):
        assert got == want, "reply %d: got %r want %r" % (i, got, want)


def test_pipeline_with_errors_in_order(r):
    pipe = r.pipeline(transaction=False)
    pipe.set("a", "notanumber")
    pipe.incr("a")
    pipe.set("b", "1")
    pipe.incr("b")
    pipe.execute_command("NOSUCH")
    pipe.get("b")
    replies = pipe.execute(raise_on_error=False)
    assert replies[0] is True
    assert isinstance(replies[1], redis.exceptions.ResponseError)
    assert str(replies[1]) == "value is not an integer or out of range"
    assert replies[2] is True
    assert replies[3] == 2
    assert isinstance(replies[4], redis.exceptions.ResponseError)
    assert replies[5] == b"2"


def test_concurrent_incr_20_threads(server, r):
    errors = []

    def worker():
        c = redis.Redis(host=harness.HOST, port=server.port, socket_timeout=30)
        try:
            for _ in range(500):
                c.incr("counter")
        except Exception as e:  # reported below; a thread cannot fail the test itself
            errors.append(e)
        finally:
            c.close()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert r.get("counter") == b"10000"


def test_concurrent_append_and_setnx(server, r):
    # APPEND and SETNX are read-modify-write: no lost update, exactly one SETNX winner.
    wins = []

    def worker(n):
        c = redis.Redis(host=harness.HOST, port=server.port, socket_timeout=30)
        try:
            for _ in range(100):
                c.append("log", "x")
            if c.setnx("winner", str(n)):
                wins.append(n)
        finally:
            c.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert r.strlen("log") == 1000
    assert len(wins) == 1
    assert r.get("winner") == str(wins[0]).encode()
