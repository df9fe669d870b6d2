"""Connections that misbehave: abrupt closes with work in flight, many clients at once, a client
that writes far ahead of what it reads. The server must answer everyone else afterwards."""

import socket
import struct
import threading
import time

import harness


def assert_alive(server):
    with harness.RespConnection(harness.HOST, server.port) as c:
        assert c.call_raw("PING") == b"+PONG\r\n"


def test_close_with_pipeline_in_flight(server, r):
    stream = b"".join(harness.encode_command("INCR", "inflight") for _ in range(20000))
    for linger_reset in (False, True):
        s = socket.create_connection((harness.HOST, server.port))
        if linger_reset:  # close with RST instead of FIN
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.sendall(stream)
        s.close()
    assert_alive(server)
    # Let whatever was already read finish, so no stray INCR lands in a later test.
    last = None
    for _ in range(100):
        n = r.get("inflight")
        if n == last:
            break
        last = n
        time.sleep(0.1)
    assert 0 <= int(last or 0) <= 40000


def test_close_mid_command(server):
    for partial in (b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\nabc", b"*2\r\n$4\r\nEC", b"PING",
                    b"*1000000\r\n"):
        s = socket.create_connection((harness.HOST, server.port))
        s.sendall(partial)
        s.close()
    assert_alive(server)


def test_many_clients_at_once(server):
    conns = [harness.RespConnection(harness.HOST, server.port) for _ in range(200)]
    try:
        for i, c in enumerate(conns):
            c.send("SET", "many:%d" % i, str(i))
        for c in conns:
            assert c.read()[0] == b"+OK\r\n"
        for i, c in enumerate(conns):
            assert c.call("GET", "many:%d" % i) == str(i).encode()
    finally:
        for c in conns:
            c.close()
    assert_alive(server)


def test_write_far_ahead_of_reads(server):
    # 100k ECHOs written by one thread while another reads: replies complete and in order,
    # whatever backpressure the server applies.
    n = 100000
    c = harness.RespConnection(harness.HOST, server.port, timeout=60)
    errors = []

    def writer():
        try:
            batch = []
            for i in range(n):
                batch.append(harness.encode_command("ECHO", "m%d" % i))
                if len(batch) == 1000:
                    c.send_raw(b"".join(batch))
                    batch = []
            if batch:
                c.send_raw(b"".join(batch))
        except OSError as e:
            errors.append(e)

    t = threading.Thread(target=writer)
    t.start()
    try:
        for i in range(n):
            raw, value = c.read()
            assert value == b"m%d" % i, "reply %d out of order: %r" % (i, raw[:40])
    finally:
        t.join()
        c.close()
    assert errors == []


def test_connection_churn(server):
    for i in range(300):
        with harness.RespConnection(harness.HOST, server.port) as c:
            assert c.call_raw("PING") == b"+PONG\r\n"
    assert_alive(server)
