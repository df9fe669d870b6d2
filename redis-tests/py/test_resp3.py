"""RESP3 after `HELLO 3`, over a raw socket (redis-py 4.3.4 cannot speak RESP3).

Exact reply bytes are compared where Redis 7.0 fixes them: null `_`, maps `%`, sets `~`,
verbatim `=`. No command of issue 2 answers with a RESP3 double in Redis 7.0 (INCRBYFLOAT stays a
bulk string), so doubles, booleans and big numbers are checked in the harness reader's own test
below and by asserting INCRBYFLOAT's bulk reply.
"""

import socket

import pytest

import harness
from harness import RespMap, RespSet, Verbatim


@pytest.fixture
def r3(server):
    conn = harness.RespConnection(harness.HOST, server.port)
    hello = conn.call("HELLO", "3")
    assert isinstance(hello, RespMap), hello
    conn.call("FLUSHALL")
    try:
        yield conn
    finally:
        conn.close()


def test_hello3_map(server):
    with harness.RespConnection(harness.HOST, server.port) as c:
        c.send("HELLO", "3")
        raw, hello = c.read()
        assert raw.startswith(b"%")
        assert isinstance(hello, RespMap)
        for field in (b"server", b"version", b"proto", b"id", b"mode", b"role", b"modules"):
            assert field in hello, field
        assert hello[b"proto"] == 3
        assert int(hello[b"version"].split(b".")[0]) >= 7
        assert hello[b"role"] == b"master"
        assert hello[b"modules"] == []
        assert c.call("CLIENT", "ID") == hello[b"id"]
        # HELLO 3 again is fine; HELLO with no version reports the current protocol.
        assert c.call("HELLO", "3")[b"proto"] == 3
        assert c.call("HELLO")[b"proto"] == 3


def test_hello3_setname(server):
    with harness.RespConnection(harness.HOST, server.port) as c:
        hello = c.call("HELLO", "3", "SETNAME", "resp3-client")
        assert hello[b"proto"] == 3
        assert c.call_raw("CLIENT", "GETNAME") == b"$12\r\nresp3-client\r\n"


def test_nulls_are_underscore(r3):
    assert r3.call_raw("GET", "missing") == b"_\r\n"
    assert r3.call_raw("GETDEL", "missing") == b"_\r\n"
    assert r3.call_raw("GETEX", "missing", "EX", "10") == b"_\r\n"
    assert r3.call_raw("GETSET", "gs", "1") == b"_\r\n"
    assert r3.call_raw("SET", "a", "1", "GET") == b"_\r\n"
    assert r3.call_raw("SET", "a", "2", "NX") == b"_\r\n"
    assert r3.call_raw("SET", "nx", "2", "XX") == b"_\r\n"
    assert r3.call_raw("CLIENT", "GETNAME") == b"_\r\n"
    r3.call("FLUSHALL")
    assert r3.call_raw("RANDOMKEY") == b"_\r\n"


def test_mget_null_element(r3):
    r3.call("SET", "a", "1")
    assert r3.call_raw("MGET", "a", "missing") == b"*2\r\n$1\r\n1\r\n_\r\n"


def test_config_get_is_map(r3, server):
    port = str(server.port).encode()
    assert r3.call_raw("CONFIG", "GET", "port") == (
        b"%1\r\n$4\r\nport\r\n$" + str(len(port)).encode() + b"\r\n" + port + b"\r\n")
    both = r3.call("CONFIG", "GET", "port", "maxclients")
    assert isinstance(both, RespMap) and set(both) == {b"port", b"maxclients"}
    assert r3.call_raw("CONFIG", "GET", "nosuchparam") == b"%0\r\n"


def test_incrbyfloat_stays_bulk(r3):
    assert r3.call_raw("INCRBYFLOAT", "f", "1.5") == b"$3\r\n1.5\r\n"
    assert r3.call_raw("INCRBYFLOAT", "f", "0.25") == b"$4\r\n1.75\r\n"


def test_scalar_replies_unchanged(r3):
    assert r3.call_raw("PING") == b"+PONG\r\n"
    assert r3.call_raw("SET", "a", "1") == b"+OK\r\n"
    assert r3.call_raw("INCR", "a") == b":2\r\n"
    assert r3.call_raw("EXISTS", "a", "b") == b":1\r\n"
    assert r3.call_raw("TTL", "a") == b":-1\r\n"
    assert r3.call_raw("TYPE", "a") == b"+string\r\n"
    assert r3.call_raw("TYPE", "zz") == b"+none\r\n"
    assert r3.call_raw("ECHO", "x") == b"$1\r\nx\r\n"
    assert r3.call_raw("INCR", "nope", "x") == (
        b"-ERR wrong number of arguments for 'incr' command\r\n")
    assert r3.call_raw("GETRANGE", "missing", "0", "-1") == b"$0\r\n\r\n"


def test_arrays(r3):
    r3.call("MSET", "k1", "a", "k2", "b")
    keys = r3.call("KEYS", "*")
    assert type(keys) is list and sorted(keys) == [b"k1", b"k2"]
    r3.send("SCAN", "0", "COUNT", "100")
    raw, scan = r3.read()
    assert raw.startswith(b"*2\r\n$")
    assert scan[0] == b"0" and sorted(scan[1]) == [b"k1", b"k2"]
    secs, usecs = r3.call("TIME")
    assert secs.isdigit() and usecs.isdigit()


def test_verbatim_info_and_client_info(r3):
    r3.call("SET", "a", "1")
    info = r3.call("INFO", "keyspace")
    assert isinstance(info, Verbatim) and info.format == b"txt"
    assert info.startswith(b"# Keyspace\r\ndb0:keys=1,")
    ci = r3.call("CLIENT", "INFO")
    assert isinstance(ci, Verbatim) and ci.format == b"txt"
    assert b" resp=3" in ci


def test_command_info_sets_and_docs_maps(r3):
    info = r3.call("COMMAND", "INFO", "get")
    entry = info[0]
    assert entry[0] == b"get" and entry[1] == 2
    assert isinstance(entry[2], RespSet) and "readonly" in entry[2]
    docs = r3.call("COMMAND", "DOCS", "get")
    assert isinstance(docs, RespMap) and isinstance(docs[b"get"], RespMap)
    assert docs[b"get"][b"group"] == b"string"


def test_back_to_resp2(r3):
    assert r3.call("HELLO", "2")  # a flat RESP2 array now
    assert r3.call_raw("GET", "missing") == b"$-1\r\n"
    assert r3.call_raw("CONFIG", "GET", "nosuchparam") == b"*0\r\n"


def test_protocol_is_per_connection(r3, server):
    with harness.RespConnection(harness.HOST, server.port) as plain:
        assert plain.call_raw("GET", "missing") == b"$-1\r\n"
        assert r3.call_raw("GET", "missing") == b"_\r\n"


def test_pipelined_resp3_in_order(r3):
    cmds = []
    expected = []
    for i in range(300):
        if i % 3 == 0:
            cmds.append(("SET", "k%d" % i, "v%d" % i))
            expected.append(b"+OK\r\n")
        elif i % 3 == 1:
            cmds.append(("GET", "k%d" % (i - 1)))
            expected.append(b"$%d\r\nv%d\r\n" % (len("v%d" % (i - 1)), i - 1))
        else:
            cmds.append(("GET", "none%d" % i))
            expected.append(b"_\r\n")
    r3.send_raw(b"".join(harness.encode_command(*c) for c in cmds))
    got = [r3.read()[0] for _ in cmds]
    assert got == expected


def test_hello3_then_quit(server):
    with harness.RespConnection(harness.HOST, server.port) as c:
        c.call("HELLO", "3")
        assert c.call_raw("QUIT") == b"+OK\r\n"
        assert c.is_closed_by_peer()


def test_reader_parses_every_resp3_type():
    # Self-test of the harness reader on canned bytes, so the checks above mean what they say.
    a, b = socket.socketpair()
    try:
        a.sendall(b",3.25\r\n,-inf\r\n#t\r\n#f\r\n(12345678901234567890\r\n~2\r\n:1\r\n:2\r\n"
                  b"%1\r\n+k\r\n_\r\n=8\r\ntxt:abcd\r\n>2\r\n$1\r\na\r\n$1\r\nb\r\n"
                  b"!3\r\nERR\r\n$-1\r\n*-1\r\n")
        reader = harness.RespReader(b)
        vals = [reader.read()[1] for _ in range(12)]
    finally:
        a.close()
        b.close()
    assert vals[0] == 3.25 and isinstance(vals[0], harness.Double)
    assert vals[1] == float("-inf")
    assert vals[2] is True and vals[3] is False
    assert vals[4] == 12345678901234567890 and isinstance(vals[4], harness.BigNumber)
    assert vals[5] == [1, 2] and isinstance(vals[5], RespSet)
    assert vals[6] == {"k": None} and isinstance(vals[6], RespMap)
    assert vals[7] == b"abcd" and vals[7].format == b"txt"
    assert vals[8] == [b"a", b"b"] and isinstance(vals[8], harness.Push)
    assert isinstance(vals[9], harness.RespError) and vals[9].message == "ERR"
    assert vals[10] is None and vals[11] is None
