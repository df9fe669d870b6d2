"""Server limits and lifecycle, each on its own server: maxclients, idle timeout, SHUTDOWN,
SIGTERM, and (ringkv) data kept across a clean restart."""

import time

import pytest
import redis

import harness


def test_maxclients(own_server):
    s = own_server(["--maxclients", "3"])
    first = harness.RespConnection(harness.HOST, s.port)
    conns = [first]
    try:
        # The harness's readiness PING connection may not be reaped yet: wait until only this
        # client is counted.
        deadline = time.time() + 5
        while b"connected_clients:1\r\n" not in first.call("INFO", "clients"):
            assert time.time() < deadline, "closed connections are never reaped"
            time.sleep(0.05)
        conns += [harness.RespConnection(harness.HOST, s.port) for _ in range(2)]
        for c in conns:
            assert c.call_raw("PING") == b"+PONG\r\n"
        with harness.RespConnection(harness.HOST, s.port) as extra:
            # Accepted, told why, then closed.
            assert extra.read()[0] == b"-ERR max number of clients reached\r\n"
            assert extra.is_closed_by_peer()
        conns.pop().close()
        deadline = time.time() + 5
        while True:
            with harness.RespConnection(harness.HOST, s.port) as again:
                try:
                    if again.call_raw("PING") == b"+PONG\r\n":
                        break
                except harness.ConnectionClosed:
                    pass
            assert time.time() < deadline, "a freed slot was never reusable"
            time.sleep(0.1)
    finally:
        for c in conns:
            c.close()


def test_idle_timeout(own_server):
    s = own_server(["--timeout", "1"])
    with harness.RespConnection(harness.HOST, s.port) as idle, \
            harness.RespConnection(harness.HOST, s.port) as busy:
        assert idle.call_raw("PING") == b"+PONG\r\n"
        deadline = time.time() + 6
        closed = False
        while time.time() < deadline and not closed:
            assert busy.call_raw("PING") == b"+PONG\r\n"  # an active client is never dropped
            closed = idle.is_closed_by_peer(timeout=0.25)
        assert closed, "an idle client was not disconnected within timeout + 5 s"
    with harness.RespConnection(harness.HOST, s.port) as c:
        assert c.call_raw("CONFIG", "GET", "timeout") == b"*2\r\n$7\r\ntimeout\r\n$1\r\n1\r\n"


def test_shutdown_command(own_server):
    s = own_server()
    with harness.RespConnection(harness.HOST, s.port) as c:
        c.send("SHUTDOWN", "NOSAVE")
        try:
            data = c.sock.recv(100)  # Redis closes without replying on success
        except ConnectionResetError:
            data = b""
        assert data == b""
    s.proc.wait(timeout=10)
    assert s.proc.returncode == 0


def test_sigterm_exits_cleanly(own_server):
    s = own_server()
    r = redis.Redis(host=harness.HOST, port=s.port)
    r.set("k", "v")
    r.close()
    assert s.stop() == 0


@pytest.mark.ringkv_only
def test_data_survives_clean_restart(own_server):
    # The reference runs with --save '' --appendonly no, so only ringkv keeps data here.
    s = own_server()
    r = redis.Redis(host=harness.HOST, port=s.port)
    r.mset({"a": "1", "b": "2"})
    r.set("t", "v", ex=1000)
    r.set("gone", "v", px=100)
    r.close()
    assert s.stop() == 0
    time.sleep(0.2)
    s.start()
    r = redis.Redis(host=harness.HOST, port=s.port)
    try:
        assert r.mget("a", "b", "gone") == [b"1", b"2", None]
        assert 990 <= r.ttl("t") <= 1000
        assert r.dbsize() in (3, 4)  # "gone" may still be counted until it is reclaimed
        assert sorted(r.keys("*")) == [b"a", b"b", b"t"]
    finally:
        r.close()
