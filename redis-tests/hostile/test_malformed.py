"""Malformed requests: reply bytes and close behaviour, byte for byte as Redis 7.0, timed.

Each row of CASES goes on a fresh connection to one server per kind (ringkv and Debian's
redis-server run the same table). A row names the exact bytes the server must send back and
whether it must close the connection; a close must come within 1 s of the last byte sent, and a
connection that must stay open is watched for 0.5 s. Rows marked `lowered` run while
proto-max-bulk-len is 1mb (Redis's minimum), set with CONFIG SET and restored afterwards.

The desync rows (`\\x00`, `*\\x00`, `$\\x00`) show that Redis keeps waiting for a line end (it
finds line ends with strchr, which stops at the NUL); the stream tests then send an endless stream
after those bytes and check that both servers give up at the 64 KiB line limit, with Redis's error,
within 1 s of the 64 KiB mark.
"""

import pytest

import harness
import hostile_lib as hl
from conftest import binary_for, stop_checked

PING = b"*1\r\n$4\r\nPING\r\n"
PONG = b"+PONG\r\n"


def perr(text):
    return b"-ERR Protocol error: " + text + b"\r\n"


# (id, request bytes, expected reply bytes, closed, needs proto-max-bulk-len 1mb)
CASES = [
    ("star_minus10_skipped", b"*-10\r\n" + PING, PONG, False, False),
    ("star_minus1_skipped", b"*-1\r\n" + PING, PONG, False, False),
    ("star_zero_skipped", b"*0\r\n" + PING, PONG, False, False),
    ("bulk_minus1_as_argument", b"*2\r\n$4\r\nECHO\r\n$-1\r\n", perr(b"invalid bulk length"),
     True, False),
    ("nested_array_as_argument", b"*1\r\n*1\r\n$4\r\nPING\r\n",
     perr(b"expected '$', got '*'"), True, False),
    ("nested_array_as_second_argument", b"*2\r\n$4\r\nECHO\r\n*1\r\n$1\r\na\r\n",
     perr(b"expected '$', got '*'"), True, False),
    ("integer_as_argument", b"*1\r\n:4\r\n", perr(b"expected '$', got ':'"), True, False),
    ("multibulk_length_not_a_number", b"*abc\r\n", perr(b"invalid multibulk length"), True, False),
    ("multibulk_length_with_plus", b"*+1\r\n" + PING, perr(b"invalid multibulk length"), True,
     False),
    ("multibulk_length_3000000000", b"*3000000000\r\n", perr(b"invalid multibulk length"), True,
     False),
    ("multibulk_length_int_max_plus_1", b"*2147483648\r\n", perr(b"invalid multibulk length"),
     True, False),
    ("multibulk_length_int_max_waits", b"*2147483647\r\n", b"", False, False),
    ("bulk_length_not_a_number", b"*1\r\n$abc\r\n", perr(b"invalid bulk length"), True, False),
    ("bulk_length_negative", b"*2\r\n$4\r\nECHO\r\n$-5\r\n", perr(b"invalid bulk length"), True,
     False),
    ("bulk_length_minus_zero", b"*1\r\n$-0\r\n", perr(b"invalid bulk length"), True, False),
    ("bulk_length_1073741824", b"*2\r\n$4\r\nECHO\r\n$1073741824\r\n" + b"x" * 100,
     perr(b"invalid bulk length"), True, False),
    ("bulk_length_512mb_plus_1", b"*2\r\n$4\r\nECHO\r\n$536870913\r\n",
     perr(b"invalid bulk length"), True, False),
    ("bulk_length_over_lowered_limit", b"*2\r\n$4\r\nECHO\r\n$1048577\r\n",
     perr(b"invalid bulk length"), True, True),
    ("bulk_length_at_lowered_limit_waits", b"*2\r\n$4\r\nECHO\r\n$1048576\r\nabc", b"", False,
     True),
    ("pipeline_then_error", b"PING\r\n" + PING + b"*1\r\n$x\r\n" + PING,
     PONG + PONG + perr(b"invalid bulk length"), True, False),
    ("desync_nul_waits_for_line_end", b"\x00\r\n", b"", False, False),
    ("desync_star_nul_waits_for_line_end", b"*\x00\r\n", b"", False, False),
    ("desync_dollar_nul_waits_for_line_end", b"*1\r\n$\x00\r\n", b"", False, False),
    ("inline_over_64k", b"a" * 70000, perr(b"too big inline request"), True, False),
    ("inline_over_64k_line_end_late", b"SET k " + b"v" * 300000 + b"\r\n",
     perr(b"too big inline request"), True, False),
    ("multibulk_count_line_over_64k", b"*" + b"1" * 70000, perr(b"too big mbulk count string"),
     True, False),
    ("bulk_count_line_over_64k", b"*1\r\n$" + b"1" * 70000, perr(b"too big bulk count string"),
     True, False),
    ("inline_unbalanced_double_quote", b'ECHO "unbalanced\r\n',
     perr(b"unbalanced quotes in request"), True, False),
    ("inline_unbalanced_single_quote", b"SET 'a b\r\n", perr(b"unbalanced quotes in request"),
     True, False),
    ("inline_closing_quote_followed_by_char", b'ECHO "a"b\r\n',
     perr(b"unbalanced quotes in request"), True, False),
]

_servers = {}


@pytest.fixture(scope="module", autouse=True)
def _stop_table_servers():
    yield
    complaints = [stop_checked(s) for s in _servers.values()]
    for s in _servers.values():
        s.cleanup()
    _servers.clear()
    complaints = [c for c in complaints if c]
    if complaints:
        pytest.fail("\n".join(complaints), pytrace=False)


def table_server(kind):
    s = _servers.get(kind)
    if s is None or not s.alive():
        s = harness.Server(binary=binary_for(kind), name="malformed-" + kind).start()
        _servers[kind] = s
    return s


@pytest.mark.parametrize("case_id,payload,expected,closes,lowered", CASES,
                         ids=[c[0] for c in CASES])
def test_malformed_request(kind, case_id, payload, expected, closes, lowered):
    s = table_server(kind)
    admin = s.connect()
    try:
        if lowered:
            assert admin.call_raw("CONFIG", "SET", "proto-max-bulk-len", "1mb") == b"+OK\r\n"
        p = hl.probe(s.port, payload, wait_s=1.5 if closes else 0.5)
        print("%s %s: closed=%s after %s s" % (kind, case_id, p.closed, p.close_after_s))
        assert p.data == expected
        assert p.closed == closes
        if closes:
            assert p.close_after_s < 1.0
    finally:
        if lowered:
            admin.call_raw("CONFIG", "SET", "proto-max-bulk-len", "512mb")
        admin.close()
    # The server is unharmed: a new client is served.
    with s.connect() as c:
        assert c.call_raw("PING") == PONG


# Desync bytes, then a stream that never ends: PING requests, whose line ends the NUL hides.
STREAMS = [
    ("nul", b"\x00", perr(b"too big inline request")),
    ("star_nul", b"*\x00", perr(b"too big mbulk count string")),
    ("dollar_nul", b"*1\r\n$\x00", perr(b"too big bulk count string")),
]


@pytest.mark.parametrize("case_id,prefix,expected", STREAMS, ids=[c[0] for c in STREAMS])
def test_desync_then_endless_stream_closed_at_64k(kind, case_id, prefix, expected):
    s = table_server(kind)
    filler = PING * 292  # 4088 bytes per write, a write every 4 ms
    p, sent, after_64k = hl.stream_until_closed(s.port, prefix, filler)
    print("%s desync %s: closed=%s, %d bytes sent, closed %.3f s after the 64 KiB mark" %
          (kind, case_id, p.closed, sent, after_64k if after_64k is not None else -1))
    assert p.data == expected
    assert p.closed
    assert after_64k is not None and after_64k < 1.0
    # What was buffered stayed near the 64 KiB inline limit (the stream was cut short).
    assert sent < 64 * 1024 + 1024 * 1024
