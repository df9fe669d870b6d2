"""Before AUTH (requirepass set): Redis 7.0's unauthenticated limits, and what a client can make
the server hold on to.

- At most 10 arguments and 16 KiB bulks, with Redis's exact protocol errors, then a close; the
  boundary values get -NOAUTH instead; after AUTH both limits are gone.
- Pending output is capped (CVE-2025-21605): a client that sends commands before AUTH and never
  reads is disconnected instead of piling up -NOAUTH replies.
- Four connections that each declare a 512 MB bulk and send 100 bytes: before AUTH they are
  refused; after AUTH the server must wait for the bytes without reserving the declared length.
  VmRSS is measured before and after (Redis reserves ~1 GB of address space per connection here,
  which shows in VmSize, not in VmRSS; ringkv must not grow either).
"""

import time

import harness
import hostile_lib as hl

PASSWORD = "hostile-pw"
NOAUTH = b"-NOAUTH Authentication required.\r\n"


def perr(text):
    return b"-ERR Protocol error: " + text + b"\r\n"


def multibulk(n_args):
    return b"*%d\r\n" % n_args + b"$4\r\nPING\r\n" * n_args


def test_unauthenticated_argument_and_bulk_limits(kind, launch):
    s = launch(kind, ["--requirepass", PASSWORD])
    # 10 arguments: a command like any other, refused for want of AUTH.
    p = hl.probe(s.port, multibulk(10), wait_s=0.3)
    assert (p.data, p.closed) == (NOAUTH, False)
    # 11: a protocol error as soon as the header is read.
    p = hl.probe(s.port, b"*11\r\n")
    assert p.data == perr(b"unauthenticated multibulk length")
    assert p.closed and p.close_after_s < 1.0
    # A 16384-byte bulk is fine, 16385 is refused at its header.
    p = hl.probe(s.port, b"*2\r\n$4\r\nECHO\r\n$16384\r\n" + b"x" * 16384 + b"\r\n", wait_s=0.3)
    assert (p.data, p.closed) == (NOAUTH, False)
    p = hl.probe(s.port, b"*2\r\n$4\r\nECHO\r\n$16385\r\n")
    assert p.data == perr(b"unauthenticated bulk length")
    assert p.closed and p.close_after_s < 1.0
    # Inline requests are not multibulk: no argument limit, -NOAUTH.
    p = hl.probe(s.port, b"PING " + b"a " * 20 + b"\r\n", wait_s=0.3)
    assert (p.data, p.closed) == (NOAUTH, False)
    # After AUTH, on the same connection, both limits are gone.
    with s.connect() as c:
        assert c.call_raw("AUTH", PASSWORD) == b"+OK\r\n"
        big = "y" * 16385
        assert c.call_raw("ECHO", big) == b"$16385\r\n" + big.encode() + b"\r\n"
        c.send_raw(b"*13\r\n$4\r\nMSET\r\n" + b"$1\r\nk\r\n$1\r\nv\r\n" * 5 + b"$1\r\nk\r\n"
                   b"$1\r\nw\r\n")
        assert c.read()[0] == b"+OK\r\n"
        assert c.call_raw("GET", "k") == b"$1\r\nw\r\n"


def test_unauthenticated_pending_output_is_capped(kind, launch):
    """CVE-2025-21605: -NOAUTH replies to a client that never reads must not pile up."""
    s = launch(kind, ["--requirepass", PASSWORD])
    rss_before = hl.rss_kb(s.pid)
    sock = hl.connect(s.port)
    sock.setblocking(False)
    chunk = b"PING\r\n" * 10000  # 60 KB of requests, 350 KB of -NOAUTH replies
    sent = 0
    cut = False
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < 10.0 and sent < 256 * 1024 * 1024:
            try:
                sent += sock.send(chunk)
            except BlockingIOError:
                time.sleep(0.001)
            except OSError as e:
                assert hl.is_reset_or_closed(e), e
                cut = True
                break
    finally:
        sock.close()
    elapsed = time.monotonic() - t0
    rss_after = hl.rss_kb(s.pid)
    print("%s: unauthenticated flood cut=%s after %d bytes sent in %.2f s; RSS %d -> %d kB" %
          (kind, cut, sent, elapsed, rss_before, rss_after))
    assert cut, "a client that never reads was not disconnected before AUTH"
    assert rss_after - rss_before < 16 * 1024
    with s.connect() as c:
        assert c.call_raw("PING") == NOAUTH


def _declare_huge_bulks(port, n, auth):
    conns = []
    for _ in range(n):
        sock = hl.connect(port)
        if auth:
            sock.sendall(harness.encode_command("AUTH", PASSWORD))
            assert sock.recv(64) == b"+OK\r\n"
        sock.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\n" + b"z" * 100)
        conns.append(sock)
    return conns


def test_declared_512mb_bulks_before_auth_are_refused(kind, launch):
    s = launch(kind, ["--requirepass", PASSWORD])
    rss_before = hl.settle_rss(s.pid)
    conns = _declare_huge_bulks(s.port, 4, auth=False)
    try:
        for sock in conns:
            p = hl.read_until_close(sock, 1.5)
            assert p.data == perr(b"unauthenticated bulk length")
            assert p.closed
    finally:
        for sock in conns:
            sock.close()
    rss_after = hl.settle_rss(s.pid)
    print("%s: 4 x $536870912 before AUTH: RSS %d -> %d kB" % (kind, rss_before, rss_after))
    assert rss_after - rss_before < 4 * 1024


def test_declared_512mb_bulks_after_auth_reserve_nothing(kind, launch):
    s = launch(kind, ["--requirepass", PASSWORD])
    rss_before = hl.settle_rss(s.pid)
    vm_before = hl.vmsize_kb(s.pid)
    conns = _declare_huge_bulks(s.port, 4, auth=True)
    try:
        rss_after = hl.settle_rss(s.pid, 0.5)
        vm_after = hl.vmsize_kb(s.pid)
        print("%s: 4 x $536870912 + 100 bytes after AUTH: RSS %d -> %d kB (+%d kB), "
              "VmSize %d -> %d kB (+%d kB)" % (kind, rss_before, rss_after, rss_after - rss_before,
                                              vm_before, vm_after, vm_after - vm_before))
        # The server waits for the rest of each bulk: nothing was answered, nothing closed.
        for sock in conns:
            sock.setblocking(False)
            try:
                assert sock.recv(64) == b"", "unexpected reply to a partial bulk"
                raise AssertionError("the server closed a connection with a partial bulk")
            except BlockingIOError:
                pass
        assert rss_after - rss_before < 4 * 1024, "RSS grew with the declared length"
        if not s.is_reference:
            # Redis itself reserves the declared length (VmSize grows by ~4 GB here).
            assert vm_after - vm_before < 256 * 1024, "address space reserved by declared length"
        with s.connect() as c:
            assert c.call_raw("AUTH", PASSWORD) == b"+OK\r\n"
            assert c.call_raw("PING") == b"+PONG\r\n"
    finally:
        for sock in conns:
            sock.close()
