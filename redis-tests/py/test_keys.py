"""Keyspace commands through redis-py (RESP2): DEL ... FLUSHALL, TTLs and their options, SCAN."""

import time

import pytest
import redis

ResponseError = redis.exceptions.ResponseError


def test_del_unlink_exists_touch(r):
    r.mset({"a": "1", "b": "2", "c": "3"})
    assert r.exists("a") == 1
    assert r.exists("a", "a", "b", "missing") == 3  # duplicates count each time
    assert r.touch("a", "b", "missing") == 2
    assert r.delete("a", "missing") == 1
    assert r.exists("a") == 0
    assert r.unlink("b", "c", "b") == 2
    assert r.dbsize() == 0
    assert r.delete("nothing") == 0
    with pytest.raises(ResponseError, match="^wrong number of arguments for 'del' command$"):
        r.execute_command("DEL")


def test_type(r):
    r.set("s", "v")
    assert r.type("s") == b"string"
    assert r.type("missing") == b"none"


def test_expire_ttl_pttl(r):
    r.set("k", "v")
    assert r.ttl("k") == -1
    assert r.pttl("k") == -1
    assert r.ttl("missing") == -2
    assert r.pttl("missing") == -2
    assert r.expire("k", 100) is True
    assert 99 <= r.ttl("k") <= 100
    assert r.pexpire("k", 200000) is True
    assert 199000 <= r.pttl("k") <= 200000
    assert r.expire("missing", 100) is False
    at = int(time.time()) + 1000
    assert r.expireat("k", at) is True
    assert r.expiretime("k") == at
    pat = int(time.time() * 1000) + 2000000
    assert r.pexpireat("k", pat) is True
    assert r.pexpiretime("k") == pat
    assert r.expiretime("k") == (pat + 500) // 1000  # rounded to the nearest second
    assert r.expiretime("missing") == -2
    r.set("nottl", "v")
    assert r.expiretime("nottl") == -1
    assert r.pexpiretime("nottl") == -1


def test_expire_in_past_deletes(r):
    r.set("k", "v")
    assert r.expire("k", -1) is True
    assert r.exists("k") == 0
    r.set("k", "v")
    assert r.expireat("k", int(time.time()) - 10) is True
    assert r.exists("k") == 0
    r.set("k", "v")
    assert r.pexpire("k", 0) is True
    assert r.get("k") is None


def test_expire_options(r):
    r.set("k", "v")
    # No TTL: NX sets, XX does not; GT does not (no TTL counts as infinite), LT does.
    assert r.expire("k", 100, xx=True) is False
    assert r.expire("k", 100, gt=True) is False
    assert r.ttl("k") == -1
    assert r.expire("k", 100, nx=True) is True
    assert r.expire("k", 200, nx=True) is False
    assert 99 <= r.ttl("k") <= 100
    assert r.expire("k", 200, xx=True) is True
    assert 199 <= r.ttl("k") <= 200
    assert r.expire("k", 100, gt=True) is False
    assert r.expire("k", 300, gt=True) is True
    assert r.expire("k", 400, lt=True) is False
    assert r.expire("k", 50, lt=True) is True
    assert 49 <= r.ttl("k") <= 50
    r.persist("k")
    assert r.pexpire("k", 100000, lt=True) is True
    assert r.pexpire("k", 200000, xx=True, ) is True
    # Combined GT+XX is allowed.
    assert r.execute_command("EXPIRE", "k", "500", "XX", "GT") == 1


def test_expire_option_errors(r):
    r.set("k", "v")
    with pytest.raises(ResponseError, match="^NX and XX, GT or LT options at the same time are "
                                            "not compatible$"):
        r.execute_command("EXPIRE", "k", "10", "NX", "XX")
    with pytest.raises(ResponseError, match="^NX and XX, GT or LT options at the same time are "
                                            "not compatible$"):
        r.execute_command("PEXPIRE", "k", "10", "NX", "GT")
    with pytest.raises(ResponseError, match="^GT and LT options at the same time are not "
                                            "compatible$"):
        r.execute_command("EXPIRE", "k", "10", "GT", "LT")
    with pytest.raises(ResponseError, match="^Unsupported option FOO$"):
        r.execute_command("EXPIRE", "k", "10", "FOO")
    with pytest.raises(ResponseError, match="^value is not an integer or out of range$"):
        r.execute_command("EXPIRE", "k", "ten")
    with pytest.raises(ResponseError, match="^invalid expire time in 'expire' command$"):
        r.execute_command("EXPIRE", "k", str(2**62))
    with pytest.raises(ResponseError, match="^invalid expire time in 'pexpire' command$"):
        r.execute_command("PEXPIRE", "k", str(2**63 - 1))
    with pytest.raises(ResponseError, match="^invalid expire time in 'expireat' command$"):
        r.execute_command("EXPIREAT", "k", str(2**63 - 1))
    with pytest.raises(ResponseError, match="^invalid expire time in 'expire' command$"):
        r.execute_command("EXPIRE", "k", str(-2**63))
    assert r.ttl("k") == -1


def test_persist(r):
    r.set("k", "v", ex=100)
    assert r.persist("k") is True
    assert r.ttl("k") == -1
    assert r.persist("k") is False
    assert r.persist("missing") is False


def test_ttl_really_expires(r):
    r.set("k", "v", px=100)
    r.set("e", "v")
    r.pexpire("e", 100)
    assert r.get("k") == b"v"
    time.sleep(0.3)
    assert r.get("k") is None
    assert r.exists("k", "e") == 0
    assert r.ttl("k") == -2
    assert r.mget("k", "e") == [None, None]
    assert r.keys("*") == []
    assert r.dbsize() == 0


def test_rename(r):
    r.set("a", "1", ex=100)
    assert r.rename("a", "b") is True
    assert r.exists("a") == 0
    assert r.get("b") == b"1"
    assert 99 <= r.ttl("b") <= 100  # the TTL moves with the value
    r.set("c", "3")
    assert r.rename("b", "c") is True  # overwrites, and the target's old TTL-less state is gone
    assert r.get("c") == b"1"
    assert r.ttl("c") > 0
    assert r.rename("c", "c") is True
    assert r.get("c") == b"1"
    with pytest.raises(ResponseError, match="^no such key$"):
        r.rename("missing", "x")


def test_renamenx(r):
    r.set("a", "1")
    r.set("b", "2")
    assert r.renamenx("a", "b") is False
    assert r.get("a") == b"1"
    assert r.renamenx("a", "c") is True
    assert r.exists("a") == 0
    assert r.get("c") == b"1"
    assert r.renamenx("c", "c") is False
    with pytest.raises(ResponseError, match="^no such key$"):
        r.renamenx("missing", "x")


def test_keys_patterns(r):
    for k in ["hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo", "other", "h?llo"]:
        r.set(k, "1")
    assert sorted(r.keys("*")) == sorted(
        [b"hello", b"hallo", b"hxllo", b"hllo", b"heeeello", b"h*llo", b"other", b"h?llo"])
    assert sorted(r.keys("h?llo")) == [b"h*llo", b"h?llo", b"hallo", b"hello", b"hxllo"]
    assert sorted(r.keys("h*llo")) == [b"h*llo", b"h?llo", b"hallo", b"heeeello", b"hello",
                                       b"hllo", b"hxllo"]
    assert sorted(r.keys("h[ae]llo")) == [b"hallo", b"hello"]
    assert sorted(r.keys("h[^e]llo")) == [b"h*llo", b"h?llo", b"hallo", b"hxllo"]
    assert sorted(r.keys("h[a-b]llo")) == [b"hallo"]
    assert r.keys("h\\*llo") == [b"h*llo"]
    assert r.keys("h\\?llo") == [b"h?llo"]
    assert r.keys("nomatch*") == []
    assert r.keys("other") == [b"other"]


def test_scan_iter(r):
    names = ["user:%d" % i for i in range(300)] + ["item:%d" % i for i in range(200)]
    r.mset({n: "v" for n in names})
    seen = list(r.scan_iter())
    assert sorted(seen) == sorted(n.encode() for n in names)  # every key exactly once
    users = list(r.scan_iter(match="user:*", count=17))
    assert sorted(users) == sorted(("user:%d" % i).encode() for i in range(300))
    assert sorted(r.scan_iter(match="item:1?", count=1000)) == sorted(
        ("item:%d" % i).encode() for i in range(10, 20))
    assert len(list(r.scan_iter(_type="string"))) == 500
    assert list(r.scan_iter(_type="list")) == []
    assert list(r.scan_iter(match="none:*")) == []


def test_scan_cursor_and_errors(r):
    r.mset({"k%d" % i: "v" for i in range(50)})
    cursor, keys = r.scan(0, count=1000)
    assert cursor == 0
    assert len(keys) == 50
    with pytest.raises(ResponseError, match="^invalid cursor$"):
        r.execute_command("SCAN", "abc")
    with pytest.raises(ResponseError, match="^syntax error$"):
        r.execute_command("SCAN", "0", "COUNT", "0")
    with pytest.raises(ResponseError, match="^value is not an integer or out of range$"):
        r.execute_command("SCAN", "0", "COUNT", "x")
    with pytest.raises(ResponseError, match="^syntax error$"):
        r.execute_command("SCAN", "0", "BOGUS", "1")
    with pytest.raises(ResponseError, match="^syntax error$"):
        r.execute_command("SCAN", "0", "MATCH")


def test_scan_empty_db(r):
    assert r.scan(0) == (0, [])


def test_dbsize_randomkey(r):
    assert r.dbsize() == 0
    assert r.randomkey() is None
    r.mset({"a": "1", "b": "2", "c": "3"})
    assert r.dbsize() == 3
    got = {r.randomkey() for _ in range(50)}
    assert got <= {b"a", b"b", b"c"}
    assert len(got) >= 2


def test_flushdb_flushall(r, raw):
    r.mset({"a": "1", "b": "2"})
    assert r.flushdb() is True
    assert r.dbsize() == 0
    r.mset({"a": "1", "b": "2"})
    assert r.flushall() is True
    assert r.dbsize() == 0
    r.set("a", "1")
    assert raw.call_raw("FLUSHDB", "ASYNC") == b"+OK\r\n"
    r.set("a", "1")
    assert raw.call_raw("FLUSHALL", "SYNC") == b"+OK\r\n"
    assert r.get("a") is None
    with pytest.raises(ResponseError, match="^syntax error$"):
        r.execute_command("FLUSHALL", "NOW")
