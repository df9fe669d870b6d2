"""String commands through redis-py (RESP2): replies and error texts as Redis 7.0 gives them.

ringkv stores only strings, so WRONGTYPE cannot be provoked through its command set and is not
tested here.
"""

import time

import pytest
import redis

ResponseError = redis.exceptions.ResponseError


def now_ms():
    return int(time.time() * 1000)


# --- GET / SET and its options -----------------------------------------------------------------


def test_get_set_basic(r):
    assert r.get("k") is None
    assert r.set("k", "v") is True
    assert r.get("k") == b"v"
    assert r.set("k", "v2") is True
    assert r.get("k") == b"v2"
    assert r.ttl("k") == -1


def test_set_ex_px(r):
    assert r.set("k", "v", ex=100)
    assert 99 <= r.ttl("k") <= 100
    assert r.set("k", "v", px=100000)
    assert 99000 <= r.pttl("k") <= 100000


def test_set_exat_pxat(r):
    at = int(time.time()) + 200
    assert r.set("k", "v", exat=at)
    assert 198 <= r.ttl("k") <= 200
    assert r.expiretime("k") == at
    pat = now_ms() + 300000
    assert r.set("k", "v", pxat=pat)
    assert r.pexpiretime("k") == pat


def test_set_nx_xx(r):
    assert r.set("k", "1", nx=True) is True
    assert r.set("k", "2", nx=True) is None
    assert r.get("k") == b"1"
    assert r.set("missing", "x", xx=True) is None
    assert r.exists("missing") == 0
    assert r.set("k", "3", xx=True) is True
    assert r.get("k") == b"3"


def test_set_keepttl(r):
    r.set("k", "v", ex=100)
    assert r.set("k", "w", keepttl=True)
    assert r.get("k") == b"w"
    assert 99 <= r.ttl("k") <= 100
    # A plain SET clears the TTL.
    r.set("k", "x")
    assert r.ttl("k") == -1


def test_set_get_option(r):
    assert r.set("k", "a", get=True) is None
    assert r.set("k", "b", get=True) == b"a"
    assert r.get("k") == b"b"
    assert r.set("k", "c", nx=True, get=True) == b"b"  # allowed since 7.0: NX+GET
    assert r.get("k") == b"b"
    assert r.set("k", "d", xx=True, get=True) == b"b"
    assert r.get("k") == b"d"


def test_set_option_errors(r):
    with pytest.raises(ResponseError, match="^syntax error$"):
        r.execute_command("SET", "k", "v", "NX", "XX")
    with pytest.raises(ResponseError, match="^syntax error$"):
        r.execute_command("SET", "k", "v", "EX", "10", "PX", "100")
    with pytest.raises(ResponseError, match="^syntax error$"):
        r.execute_command("SET", "k", "v", "KEEPTTL", "EX", "10")
    with pytest.raises(ResponseError, match="^syntax error$"):
        r.execute_command("SET", "k", "v", "BOGUS")
    with pytest.raises(ResponseError, match="^syntax error$"):
        r.execute_command("SET", "k", "v", "EX")
    with pytest.raises(ResponseError, match="^value is not an integer or out of range$"):
        r.execute_command("SET", "k", "v", "EX", "abc")
    with pytest.raises(ResponseError, match="^invalid expire time in 'set' command$"):
        r.execute_command("SET", "k", "v", "EX", "0")
    with pytest.raises(ResponseError, match="^invalid expire time in 'set' command$"):
        r.execute_command("SET", "k", "v", "PX", "-5")
    with pytest.raises(ResponseError, match="^wrong number of arguments for 'set' command$"):
        r.execute_command("SET", "k")
    assert r.exists("k") == 0


def test_setnx_setex_psetex(r):
    assert r.setnx("k", "1") is True
    assert r.setnx("k", "2") is False
    assert r.get("k") == b"1"
    assert r.setex("e", 100, "v") is True
    assert 99 <= r.ttl("e") <= 100
    assert r.psetex("p", 100000, "v") is True
    assert 99000 <= r.pttl("p") <= 100000
    with pytest.raises(ResponseError, match="^invalid expire time in 'setex' command$"):
        r.setex("e", 0, "v")
    with pytest.raises(ResponseError, match="^invalid expire time in 'psetex' command$"):
        r.execute_command("PSETEX", "p", "-1", "v")
    with pytest.raises(ResponseError, match="^value is not an integer or out of range$"):
        r.execute_command("SETEX", "e", "1.5", "v")


def test_getset_getdel(r):
    assert r.getset("k", "a") is None
    assert r.getset("k", "b") == b"a"
    r.expire("k", 100)
    assert r.getset("k", "c") == b"b"
    assert r.ttl("k") == -1  # GETSET discards the TTL
    assert r.getdel("k") == b"c"
    assert r.exists("k") == 0
    assert r.getdel("k") is None


def test_getex(r):
    r.set("k", "v")
    assert r.getex("k") == b"v"
    assert r.ttl("k") == -1
    assert r.getex("k", ex=100) == b"v"
    assert 99 <= r.ttl("k") <= 100
    assert r.getex("k", px=50000) == b"v"
    assert 49000 <= r.pttl("k") <= 50000
    at = int(time.time()) + 500
    assert r.getex("k", exat=at) == b"v"
    assert r.expiretime("k") == at
    pat = now_ms() + 600000
    assert r.getex("k", pxat=pat) == b"v"
    assert r.pexpiretime("k") == pat
    assert r.getex("k", persist=True) == b"v"
    assert r.ttl("k") == -1
    assert r.getex("missing", ex=10) is None
    with pytest.raises(ResponseError, match="^syntax error$"):
        r.execute_command("GETEX", "k", "EX", "10", "PERSIST")
    with pytest.raises(ResponseError, match="^invalid expire time in 'getex' command$"):
        r.execute_command("GETEX", "k", "EX", "0")


def test_mget_mset_msetnx(r):
    assert r.mset({"a": "1", "b": "2", "c": "3"}) is True
    assert r.mget("a", "b", "missing", "c") == [b"1", b"2", None, b"3"]
    assert r.msetnx({"x": "1", "a": "9"}) is False
    assert r.exists("x") == 0
    assert r.get("a") == b"1"
    assert r.msetnx({"x": "1", "y": "2"}) is True
    assert r.mget("x", "y") == [b"1", b"2"]
    with pytest.raises(ResponseError, match="^wrong number of arguments for 'mset' command$"):
        r.execute_command("MSET", "a", "1", "b")
    with pytest.raises(ResponseError, match="^wrong number of arguments for 'msetnx' command$"):
        r.execute_command("MSETNX", "a")
    with pytest.raises(ResponseError, match="^wrong number of arguments for 'mget' command$"):
        r.execute_command("MGET")


def test_mset_duplicate_keys_last_wins(r):
    r.execute_command("MSET", "d", "1", "d", "2")
    assert r.get("d") == b"2"


# --- counters ------------------------------------------------------------------------------------


def test_incr_decr(r):
    assert r.incr("n") == 1
    assert r.incr("n") == 2
    assert r.decr("n") == 1
    assert r.incrby("n", 10) == 11
    assert r.decrby("n", 20) == -9
    assert r.decr("fresh") == -1
    assert r.execute_command("INCRBY", "n", "-1") == -10
    r.set("n", "  5")
    with pytest.raises(ResponseError, match="^value is not an integer or out of range$"):
        r.incr("n")
    r.set("n", "abc")
    with pytest.raises(ResponseError, match="^value is not an integer or out of range$"):
        r.incr("n")
    r.set("n", "1.5")
    with pytest.raises(ResponseError, match="^value is not an integer or out of range$"):
        r.incrby("n", 1)
    with pytest.raises(ResponseError, match="^value is not an integer or out of range$"):
        r.execute_command("INCRBY", "m", "x")


def test_incr_keeps_ttl(r):
    r.set("n", "1", ex=100)
    assert r.incr("n") == 2
    assert 99 <= r.ttl("n") <= 100


def test_incr_overflow(r):
    r.set("n", str(2**63 - 1))
    with pytest.raises(ResponseError, match="^increment or decrement would overflow$"):
        r.incr("n")
    r.set("n", str(-2**63))
    with pytest.raises(ResponseError, match="^increment or decrement would overflow$"):
        r.decr("n")
    with pytest.raises(ResponseError, match="^value is not an integer or out of range$"):
        r.execute_command("INCRBY", "n", str(2**63))
    r.set("m", "0")
    with pytest.raises(ResponseError, match="^decrement would overflow$"):
        r.execute_command("DECRBY", "m", str(-2**63))


def test_incrbyfloat(r, raw):
    assert r.incrbyfloat("f", 10.5) == 10.5
    # Exact reply bytes (redis-py would turn them into floats).
    assert raw.call_raw("INCRBYFLOAT", "f", "0.1") == b"$4\r\n10.6\r\n"
    assert raw.call("INCRBYFLOAT", "f", "-5") == b"5.6"
    assert raw.call("INCRBYFLOAT", "g", "5.0e3") == b"5000"
    assert raw.call("INCRBYFLOAT", "g", "2.0e2") == b"5200"
    r.set("h", "3")
    assert raw.call("INCRBYFLOAT", "h", "1.5") == b"4.5"
    r.set("h", "1.1")
    assert raw.call("INCRBYFLOAT", "h", "1.1") == b"2.2"
    assert raw.call("INCRBYFLOAT", "z", "-0.0") == b"0"
    assert raw.call("INCRBYFLOAT", "z", "3.0000000000000000001") == b"3"
    with pytest.raises(ResponseError, match="^value is not a valid float$"):
        r.execute_command("INCRBYFLOAT", "h", "abc")
    r.set("s", "abc")
    with pytest.raises(ResponseError, match="^value is not a valid float$"):
        r.execute_command("INCRBYFLOAT", "s", "1")
    r.set("big", "1e308")
    with pytest.raises(ResponseError, match="^increment would produce NaN or Infinity$"):
        r.execute_command("INCRBYFLOAT", "big", "inf")
    with pytest.raises(ResponseError, match="^increment would produce NaN or Infinity$"):
        r.execute_command("INCRBYFLOAT", "h", "-inf")
    with pytest.raises(ResponseError, match="^value is not a valid float$"):
        r.execute_command("INCRBYFLOAT", "h", "nan")
    assert r.get("h") == b"2.2"
    assert r.get("big") == b"1e308"


# --- APPEND / STRLEN / GETRANGE / SETRANGE -----------------------------------------------------


def test_append_strlen(r):
    assert r.strlen("k") == 0
    assert r.append("k", "Hello") == 5
    assert r.append("k", " World") == 11
    assert r.get("k") == b"Hello World"
    assert r.strlen("k") == 11


def test_getrange(r):
    r.set("k", "This is a string")
    assert r.getrange("k", 0, 3) == b"This"
    assert r.getrange("k", -3, -1) == b"ing"
    assert r.getrange("k", 0, -1) == b"This is a string"
    assert r.getrange("k", 10, 100) == b"string"
    assert r.getrange("k", 5, 3) == b""
    assert r.getrange("k", -100, 3) == b"This"
    assert r.getrange("k", 100, 200) == b""
    assert r.getrange("missing", 0, -1) == b""
    with pytest.raises(ResponseError, match="^value is not an integer or out of range$"):
        r.execute_command("GETRANGE", "k", "a", "1")


def test_setrange(r):
    r.set("k", "Hello World")
    assert r.setrange("k", 6, "Redis") == 11
    assert r.get("k") == b"Hello Redis"
    assert r.setrange("pad", 5, "x") == 6
    assert r.get("pad") == b"\x00\x00\x00\x00\x00x"
    assert r.setrange("k", 0, "") == 11
    assert r.setrange("empty", 10, "") == 0
    assert r.exists("empty") == 0
    with pytest.raises(ResponseError, match="^offset is out of range$"):
        r.setrange("k", -1, "x")
    with pytest.raises(ResponseError, match="^string exceeds maximum allowed size "
                                            r"\(proto-max-bulk-len\)$"):
        r.setrange("k", 512 * 1024 * 1024, "x")
    with pytest.raises(ResponseError, match="^value is not an integer or out of range$"):
        r.execute_command("SETRANGE", "k", "x", "y")


def test_wrong_arity_messages(r):
    for cmd, args in [("GET", []), ("GETSET", ["k"]), ("APPEND", ["k"]), ("STRLEN", []),
                      ("INCR", []), ("INCRBY", ["k"]), ("GETRANGE", ["k", "0"]),
                      ("SETRANGE", ["k", "0"]), ("SETNX", ["k"]), ("GETDEL", [])]:
        with pytest.raises(ResponseError) as e:
            r.execute_command(cmd, *args)
        assert str(e.value) == "wrong number of arguments for '%s' command" % cmd.lower()
