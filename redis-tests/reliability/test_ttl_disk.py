"""TTL: no read ever returns an expired value, and expired data leaves the disk by itself.

Reads around expiry. Keys are written with SET ... PX (staggered expiries) and their absolute
expiry is read back with PEXPIRETIME: the server's own clock defines "expired". Half of them are
written before a kill -9 and restart (so they are read back from recovered, flushed data), half
after. Reader threads then poll every key in a window around its expiry with one pipelined
request `TIME, MGET window, EXISTS k, PTTL k, GET k, TIME`: the first TIME is a lower bound of
when the reads ran, the last an upper bound. Redis expires a key when now > expire time (ms):
- a value (or EXISTS 1, or PTTL >= 0) with the first TIME already past the expiry ms is a read of
  an expired key: there must be none;
- no value with the last TIME still before the expiry ms is a premature expiry: none either
  (the expiry millisecond itself is counted apart, and test_key_is_kept_through_its_expiry_
  millisecond checks Redis's rule there: a key still answers in that millisecond).
Finally KEYS and SCAN must not list any of them.

Disk use. N keys with `EX 1` on a server started with `--rocksdb-ttl-check-seconds 2` and
`--rocksdb-write-buffer-size 4mb` (so the data reaches SST files). Nobody sends SAVE or any
compaction command: the data dir (server.log excluded) and INFO persistence rocksdb_disk_bytes
are sampled every 200 ms until the dir is below 10% of its peak; that must happen within
SHRINK_BOUND_S of the last key's expiry.
"""

import bisect
import os
import random
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reltools  # noqa: E402
from reltools import harness, pick  # noqa: E402

WINDOW_MS = 40  # read each key from WINDOW_MS before to WINDOW_MS after its expiry
READERS = 4
NEAR_MS = 5  # reads within this distance of the expiry count as "near"
SHRINK_FRACTION = 0.10
TTL_CHECK_S = 2


def server_time_us(reply):
    sec, usec = reply
    return int(sec) * 1000000 + int(usec)


class Reader(threading.Thread):
    """Polls the keys whose expiry is near, until `until_ms` (server clock, ms)."""

    def __init__(self, port, keys_by_when, until_ms):
        super().__init__(daemon=True)
        self.port = port
        self.whens = [w for w, _ in keys_by_when]
        self.keys = [k for _, k in keys_by_when]
        self.until_ms = until_ms
        self.reads = self.after = self.before = self.near_after = 0
        self.boundary_nil = 0
        self.violations = []
        self.error = None

    def run(self):
        try:
            conn = harness.RespConnection(harness.HOST, self.port, timeout=10)
            offset_ms = 0.0  # server clock - local clock, refreshed from every TIME
            while True:
                now = time.time() * 1000 + offset_ms
                if now > self.until_ms:
                    break
                lo = bisect.bisect_left(self.whens, now - WINDOW_MS)
                hi = bisect.bisect_right(self.whens, now + WINDOW_MS)
                if lo == hi:
                    time.sleep(0.001)
                    continue
                idx = list(range(lo, hi))
                first = random.choice(idx)
                k = self.keys[first]
                replies = reltools.pipeline(conn, [
                    ("TIME",), ["MGET"] + [self.keys[i] for i in idx], ("EXISTS", k),
                    ("PTTL", k), ("GET", k), ("TIME",)])
                t1 = server_time_us(replies[0])
                t2 = server_time_us(replies[5])
                offset_ms = t2 / 1000.0 - time.time() * 1000
                observed = [(i, v is not None) for i, v in zip(idx, replies[1])]
                observed += [(first, replies[2] == 1), (first, replies[3] >= 0),
                             (first, replies[4] is not None)]
                for i, present in observed:
                    self.classify(self.keys[i], self.whens[i], present, t1, t2)
        except Exception as e:  # reported by the test
            self.error = repr(e)

    def classify(self, key, when_ms, present, t1_us, t2_us):
        self.reads += 1
        # Expired at execution time for sure: the earliest possible execution ms is past `when`.
        if t1_us // 1000 > when_ms:
            self.after += 1
            if t1_us // 1000 - when_ms <= NEAR_MS:
                self.near_after += 1
            if present:
                self.violations.append("expired key %r read %.3f ms after its expiry" %
                                       (key, t1_us / 1000.0 - when_ms))
        # Not yet expired for sure (Redis's rule): the latest possible execution ms is < `when`.
        elif t2_us // 1000 < when_ms:
            self.before += 1
            if not present:
                self.violations.append("key %r gone %.3f ms before its expiry" %
                                       (key, when_ms - t2_us / 1000.0))
        elif not present and t2_us // 1000 == when_ms:
            self.boundary_nil += 1


def scan_all(conn, pattern):
    """Every key a full SCAN walk lists for `pattern`."""
    cursor, listed = b"0", []
    while True:
        cursor, batch = conn.call("SCAN", cursor, "MATCH", pattern, "COUNT", 1000)
        listed += batch
        if cursor == b"0":
            return listed


def write_with_px(conn, prefix, n, base_ms, spread_ms):
    """SET prefix<i> PX (base..base+spread, staggered); returns [(expire ms, key)] from
    PEXPIRETIME."""
    keys = ["%s%d" % (prefix, i) for i in range(n)]
    cmds = [("SET", k, "val-" + k, "PX", base_ms + (i * spread_ms) // n)
            for i, k in enumerate(keys)]
    assert all(r == "OK" for r in reltools.pipeline(conn, cmds))
    whens = reltools.pipeline(conn, [("PEXPIRETIME", k) for k in keys])
    assert all(isinstance(w, int) and w > 0 for w in whens), whens[:5]
    return [(w, k.encode()) for w, k in zip(whens, keys)]


def test_no_read_returns_an_expired_value():
    n_per_group = pick(1000, 5000)
    spread_ms = pick(2000, 8000)
    args = ["--appendonly", "yes"] if reltools.is_reference() else []
    server = harness.Server(extra_args=args, name="rel-ttl-read")
    try:
        server.start()
        with server.connect() as c:
            before = write_with_px(c, "ttl:a:", n_per_group, 1500, spread_ms)
        server.kill9()
        reltools.timed_restart(server)
        with server.connect() as c:
            # Expiry survives the crash exactly (absolute ms, the server's clock).
            again = reltools.pipeline(c, [("PEXPIRETIME", k) for _, k in before])
            assert again == [w for w, _ in before]
            after = write_with_px(c, "ttl:b:", n_per_group, 1000, spread_ms)
        everything = sorted(before + after)
        until = everything[-1][0] + WINDOW_MS + 20
        readers = [Reader(server.port, everything, until) for _ in range(READERS)]
        for r in readers:
            r.start()
        for r in readers:
            r.join(timeout=spread_ms / 1000.0 + 30)
        assert all(not r.error for r in readers), [r.error for r in readers]
        violations = [v for r in readers for v in r.violations]
        total = {f: sum(getattr(r, f) for r in readers)
                 for f in ("reads", "after", "before", "near_after", "boundary_nil")}
        # The readers really did read around the expiries.
        assert total["after"] > len(everything) and total["before"] > len(everything), total
        assert total["near_after"] > len(everything) // 4, total
        assert not violations, (len(violations), violations[:10], total)
        with server.connect() as c:
            assert c.call("KEYS", "ttl:*") == []
            assert scan_all(c, "ttl:*") == []
    finally:
        server.cleanup()
    reltools.figure(
        "TTL: reads around expiry (PX, server clock)",
        "%d keys (half recovered after kill -9), %d reads within +-%d ms of expiry: "
        "%d certainly after expiry (%d within %d ms) -> 0 returned a value; "
        "%d certainly before -> 0 missing; %d nil in the expiry ms itself; KEYS/SCAN list none" %
        (len(everything), total["reads"], WINDOW_MS, total["after"], total["near_after"], NEAR_MS,
         total["before"], total["boundary_nil"]),
        "Redis: a key is expired when now > expire time; never served after it")


def test_key_is_kept_through_its_expiry_millisecond():
    """Redis's rule is `now > expire time`: in the expiry millisecond itself the key still
    answers (PTTL 0). A key gone in that millisecond expires 1 ms early."""
    server = harness.Server(name="rel-ttl-ms")
    try:
        server.start()
        with server.connect() as c:
            keys = write_with_px(c, "ttl:ms:", 400, 300, 400)
        reader = Reader(server.port, sorted(keys), keys[-1][0] + WINDOW_MS)
        reader.run()
        assert not reader.error, reader.error
        assert reader.after > len(keys) and not reader.violations, reader.violations[:5]
        reltools.figure(
            "TTL: the expiry millisecond itself",
            "%d keys, %d reads: %d found the key gone in its expiry ms (t <= expire time)" %
            (len(keys), reader.reads, reader.boundary_nil),
            "Redis 7.0.15 (same test): 0; a key lives while now <= expire time (keyIsExpired)")
        assert reader.boundary_nil == 0, (
            "SERVER BUG: %d of %d reads in a key's expiry millisecond found it gone; Redis keeps "
            "a key until now > expire time (db.c keyIsExpired)" % (reader.boundary_nil,
                                                                     reader.reads))
    finally:
        server.cleanup()


@pytest.mark.ringkv_only
def test_disk_use_after_expiry_returns_to_near_empty_by_itself():
    n = pick(200000, 1000000)
    shrink_bound_s = pick(15, 40)
    server = harness.Server(extra_args=["--rocksdb-ttl-check-seconds", str(TTL_CHECK_S),
                                        "--rocksdb-write-buffer-size", "4mb"],
                            name="rel-ttl-disk")
    samples = []  # (t, dir usage, rocksdb_disk_bytes)
    stop = threading.Event()
    sampler_error = []

    def sample():
        try:
            with server.connect() as c:
                while not stop.is_set():
                    disk = int(reltools.info_fields(c, "persistence")["rocksdb_disk_bytes"])
                    samples.append((time.monotonic(), reltools.dir_usage(server.data_dir), disk))
                    stop.wait(0.2)
        except Exception as e:
            sampler_error.append(repr(e))

    try:
        server.start()
        empty = reltools.dir_usage(server.data_dir)["total"]
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        t_write0 = time.monotonic()
        rnd = random.Random(5)
        with server.connect(timeout=60) as c:
            reltools.write_expiring(
                c, (("ex1:%d" % i, rnd.randbytes(50).hex()) for i in range(n)), ["EX", 1])
        t_written = time.monotonic()
        t_expired = t_written + 1.0  # EX 1: the last key is expired 1 s after its SET
        with server.connect() as c:
            written_info = reltools.info_fields(c, "persistence")
        # Wait for the shrink (no SAVE, no compaction command: the server alone).
        deadline = t_expired + shrink_bound_s
        t_shrunk = None
        while time.monotonic() < deadline + 1 and not sampler_error:
            time.sleep(0.2)
            peak = max(s[1]["total"] for s in samples)
            last = samples[-1]
            if last[0] > t_written and last[1]["total"] < SHRINK_FRACTION * peak:
                t_shrunk = next(s[0] for s in samples
                                if s[0] > t_written and s[1]["total"] < SHRINK_FRACTION * peak)
                break
        time.sleep(1.0)  # a few more samples: the final size
        stop.set()
        sampler.join(5)
        assert not sampler_error, sampler_error
        peak_sample = max(samples, key=lambda s: s[1]["total"])
        peak_disk = max(s[2] for s in samples)
        final = samples[-1]
        with server.connect() as c:
            assert scan_all(c, "ex1:*") == []
            compactions = reltools.info_fields(c, "persistence")["rocksdb_expired_compactions"]
        trace = ["%.1fs total=%d sst=%d wal=%d disk_bytes=%d" %
                 (s[0] - t_write0, s[1]["total"], s[1]["sst"], s[1]["wal"], s[2])
                 for s in samples[::5]]
    finally:
        stop.set()
        server.cleanup()
    shrunk = ("below 10%% of peak %.1f s after the last key expired" % (t_shrunk - t_expired)
              if t_shrunk is not None else "NOT below 10%% of peak %d s after the last key "
              "expired" % shrink_bound_s)
    reltools.figure(
        "TTL: disk use after %d keys with EX 1" % n,
        "written in %.1f s; data dir peak %.1f MB (rocksdb_disk_bytes peak %.1f MB, %.1f MB "
        "after the writes); %s (bound %d s; ttl-check 2 s, write buffer 4 MB, no manual step); "
        "final %.0f KB (empty dir %.0f KB; %d B sst, %d B wal), rocksdb_disk_bytes %d B; %s "
        "expired-data compactions" %
        (t_written - t_write0, peak_sample[1]["total"] / 1e6, peak_disk / 1e6,
         int(written_info["rocksdb_disk_bytes"]) / 1e6, shrunk, shrink_bound_s,
         final[1]["total"] / 1e3, empty / 1e3, final[1]["sst"], final[1]["wal"], final[2],
         compactions),
        "Redis frees expired keys in memory (active expiry); Kvrocks/Pika keep them on disk until "
        "a manual compaction")
    assert peak_sample[1]["total"] > 4 * (1 << 20), "the data never reached the disk: %r" % trace
    assert t_shrunk is not None, (
        "SERVER BUG: data dir still %d bytes (peak %d) %.0f s after the last key expired; "
        "sst=%d wal=%d; rocksdb_expired_compactions=%s; trace: %s" %
        (final[1]["total"], peak_sample[1]["total"], shrink_bound_s, final[1]["sst"],
         final[1]["wal"], compactions, trace))
    assert final[1]["total"] < SHRINK_FRACTION * peak_sample[1]["total"], trace


@pytest.mark.ringkv_only
def test_big_hash_with_a_ttl_leaves_the_disk_by_itself():
    """Issue 10: a 1M-field hash with a TTL; once it expires its fields leave the disk with no
    command from anyone (the server tombstones and compacts the dead collection's records)."""
    fields = pick(1000000, 1000000)
    per_command = 1000
    shrink_bound_s = pick(30, 60)
    server = harness.Server(extra_args=["--rocksdb-write-buffer-size", "8mb"],
                            name="rel-big-hash")
    try:
        server.start()
        empty = reltools.dir_usage(server.data_dir)["total"]
        t0 = time.monotonic()
        with server.connect(timeout=120) as c:
            batch = []
            for start in range(0, fields, per_command):
                args = ["HSET", "big"]
                for i in range(start, min(start + per_command, fields)):
                    args += ["field:%d" % i, "value-%d-%s" % (i, "x" * 20)]
                batch.append(tuple(args))
                if len(batch) == 50:
                    reltools.pipeline(c, batch)
                    batch = []
            if batch:
                reltools.pipeline(c, batch)
            assert reltools.pipeline(c, [("HLEN", "big")]) == [fields]
            assert reltools.pipeline(c, [("EXPIRE", "big", 2)]) == [1]
        t_written = time.monotonic()
        peak = reltools.dir_usage(server.data_dir)["total"]
        t_expired = t_written + 2.0
        t_shrunk = None
        final = peak
        while time.monotonic() < t_expired + shrink_bound_s:
            time.sleep(0.5)
            final = reltools.dir_usage(server.data_dir)["total"]
            if time.monotonic() > t_expired and final < SHRINK_FRACTION * peak:
                t_shrunk = time.monotonic()
                break
        with server.connect() as c:
            assert reltools.pipeline(c, [("EXISTS", "big"), ("HLEN", "big")]) == [0, 0]
    finally:
        server.cleanup()
    reltools.figure(
        "TTL: disk use after a %d-field hash with a TTL" % fields,
        "written in %.1f s; data dir %.1f MB after the writes (empty %.0f KB); %s; final %.0f KB"
        % (t_written - t0, peak / 1e6, empty / 1e3,
           ("below 10%% of it %.1f s after the expiry" % (t_shrunk - t_expired))
           if t_shrunk else "NOT below 10%% within %d s" % shrink_bound_s, final / 1e3),
        "Kvrocks keeps such data until compactions reach it")
    assert peak > 8 * (1 << 20), "the hash never reached the disk (%d bytes)" % peak
    assert t_shrunk is not None, (
        "SERVER BUG: data dir still %d bytes (after the writes %d) %d s after the hash expired"
        % (final, peak, shrink_bound_s))
