#!/usr/bin/python3
"""kill -9 durability of collections: with appendfsync always, every acknowledged HSET, RPUSH, SADD
and ZADD survives a crash with its exact value, score and list position.

Design note: 8 writer threads, each on its own connection, own the keys h<t>, l<t>, s<t>, z<t>
(threads with an odd t SELECT database 1, the others stay in 0, so the database part of the
encoding is crashed too). Write number i of a thread is, in turn, HSET h<t> f<i> v<i>...,
RPUSH l<t> <i>, SADD s<t> m<i>, ZADD z<t> <i> m<i>; i is unique over the whole run (it continues
from cycle to cycle), so every field, element and member names the one write that made it. A write
is acknowledged when its exact reply arrives: :1 for HSET/SADD/ZADD, and for RPUSH the list's
length, which must be one more than the last one (after a restart, the length verified there).
After ~3 s of load the server gets SIGKILL mid-stream and is restarted on the same data dir.

The keys are reused by every cycle, so a restart must also recover the list head/tail and the
sizes, and later writes must land after the recovered data. After each restart every key is read
whole (HGETALL, LRANGE 0 -1, SMEMBERS, ZRANGE 0 -1 WITHSCORES) and must hold exactly what was
acknowledged in this and every earlier cycle, in push order for the list and in (score, member)
order with the exact score text for the sorted set. The one write a thread had sent but not seen
acknowledged is indeterminate: it may be absent or present (for a list: only as the last element),
nothing else. What the restart shows for it is then fixed: later cycles expect it to stay as seen.
No other key may exist. Three cycles, about 30 s in all.

Against Debian's redis-server it runs with --appendonly yes --appendfsync always, against ringkv
with --appendfsync always (env RINGKV_SERVER, see harness.py). Prints per cycle
"acknowledged=N lost=0 indeterminate=M" and finally "durability: N passed, N failed".
"""

import argparse
import os
import random
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import harness  # noqa: E402

WRITERS = 8
KINDS = ("hash", "list", "set", "zset")
# Write numbers of cycle c start at c * CYCLE_STRIDE: unique over the run, exact as a double score.
CYCLE_STRIDE = 10_000_000


def db_of(t):
    return t % 2


def key_of(kind, t):
    return b"%s%d" % ({"hash": b"h", "list": b"l", "set": b"s", "zset": b"z"}[kind], t)


def command_for(kind, t, i):
    """The write number i of thread t: (command args, item). The item is what the key then holds
    for it: (field, value) for a hash, the element, the member, or (member, score text)."""
    if kind == "hash":
        field, value = b"f%d" % i, (b"v%d_" % i) + b"x" * (i % 61)
        return (b"HSET", key_of(kind, t), field, value), (field, value)
    if kind == "list":
        return (b"RPUSH", key_of(kind, t), b"%d" % i), b"%d" % i
    if kind == "set":
        return (b"SADD", key_of(kind, t), b"m%d" % i), b"m%d" % i
    return (b"ZADD", key_of(kind, t), b"%d" % i, b"m%d" % i), (b"m%d" % i, b"%d" % i)


class Expected:
    """What thread t's four keys must hold: every acknowledged write, plus the indeterminate ones a
    restart showed present. Owned by the main thread (writers get only the list length)."""

    def __init__(self):
        self.hash = {}  # field -> value
        self.list = []  # elements in push order
        self.set = set()
        self.zset = {}  # member -> score text

    def add(self, kind, item):
        if kind == "hash":
            self.hash[item[0]] = item[1]
        elif kind == "list":
            self.list.append(item)
        elif kind == "set":
            self.set.add(item)
        else:
            self.zset[item[0]] = item[1]

    def keys_present(self, t):
        return {key_of(k, t) for k, v in zip(KINDS, (self.hash, self.list, self.set, self.zset))
                if v}


class Writer(threading.Thread):
    def __init__(self, port, cycle, t, list_len, stop_event):
        super().__init__(daemon=True)
        self.port, self.cycle, self.t, self.stop_event = port, cycle, t, stop_event
        self.list_len = list_len  # LLEN l<t> as verified at the start of this cycle
        self.acked = []  # (kind, item) in acknowledgement order
        self.pending = None  # (kind, item): sent, not acknowledged
        self.error = None

    def run(self):
        try:
            conn = harness.RespConnection(harness.HOST, self.port, timeout=30)
            if db_of(self.t) != 0:
                reply = conn.call(b"SELECT", db_of(self.t))
                if reply != "OK":
                    self.error = "SELECT %d: %r" % (db_of(self.t), reply)
                    conn.close()
                    return
        except (OSError, harness.ConnectionClosed) as e:
            self.error = "connect: %s" % e
            return
        n = 0
        try:
            while not self.stop_event.is_set():
                kind = KINDS[n % len(KINDS)]
                i = self.cycle * CYCLE_STRIDE + n
                args, item = command_for(kind, self.t, i)
                self.pending = (kind, item)
                conn.send(*args)
                raw, _ = conn.read()
                want = b":%d\r\n" % (self.list_len + 1 if kind == "list" else 1)
                if raw != want:
                    self.error = "%s: reply %r, expected %r" % (b" ".join(args).decode(), raw, want)
                    return
                if kind == "list":
                    self.list_len += 1
                self.acked.append((kind, item))
                self.pending = None
                n += 1
        except (OSError, harness.ConnectionClosed):
            pass  # the kill: whatever was pending is indeterminate
        finally:
            conn.close()


# ---------------------------------------------------------------------------------------------
# Reading back and comparing.


def pairs(flat):
    return [(flat[j], flat[j + 1]) for j in range(0, len(flat), 2)]


def read_thread_keys(conn, t):
    """The four keys of thread t as (hash dict, list, set, [(member, score text)])."""
    def call(*args):
        v = conn.call(*args)
        if isinstance(v, harness.RespError):
            raise RuntimeError("%s: -%s" % (b" ".join(args).decode(), v.message))
        return v
    call(b"SELECT", db_of(t))
    h_pairs = pairs(call(b"HGETALL", key_of("hash", t)))
    lst = call(b"LRANGE", key_of("list", t), 0, -1)
    s_list = call(b"SMEMBERS", key_of("set", t))
    z = pairs(call(b"ZRANGE", key_of("zset", t), 0, -1, b"WITHSCORES"))
    h, s = dict(h_pairs), set(s_list)
    # A field or member listed twice would vanish in the dict/set: that is a failure of its own.
    if len(h) != len(h_pairs) or len(s) != len(s_list) or len(dict(z)) != len(z):
        raise RuntimeError("thread %d: HGETALL, SMEMBERS or ZRANGE lists an entry twice" % t)
    return h, lst, s, z


def zset_order(members):
    """(member, score text) sorted as ZRANGE orders them: by score, then member bytes."""
    return sorted(members.items(), key=lambda ms: (float(ms[1]), ms[0]))


def short(v, n=6):
    v = list(v)
    return "%r%s" % (v[:n], " ... (%d in all)" % len(v) if len(v) > n else "")


def check_thread(t, exp, pending, got):
    """Compares thread t's keys with what is expected. Resolves the indeterminate write into exp
    (present: added; absent: it must stay absent). Returns (lost count, [problem lines])."""
    h, lst, s, z = got
    problems = []
    lost = 0
    p_kind, p_item = pending if pending else (None, None)
    p_present = False

    # Hash: every acknowledged field with its exact value; the only other field allowed is the
    # indeterminate one, with its exact value.
    missing = [f for f, v in exp.hash.items() if h.get(f) != v]
    lost += len(missing)
    if missing:
        problems.append("h%d: %d acknowledged fields lost or wrong, first %s (got %r)" %
                        (t, len(missing), short(missing, 3), [h.get(f) for f in missing[:3]]))
    extra = {f: v for f, v in h.items() if f not in exp.hash}
    if p_kind == "hash" and extra == {p_item[0]: p_item[1]}:
        p_present = True
    elif extra:
        problems.append("h%d: fields that were never written this way: %s" %
                        (t, short(sorted(extra.items()), 3)))

    # List: exactly the acknowledged elements in push order, possibly plus the indeterminate one
    # at the end.
    if p_kind == "list" and lst == exp.list + [p_item]:
        p_present = True
    elif lst != exp.list:
        n = next((j for j in range(min(len(lst), len(exp.list))) if lst[j] != exp.list[j]),
                 min(len(lst), len(exp.list)))
        lost += max(0, len(exp.list) - n)
        problems.append("l%d: %d elements, expected %d%s; first difference at index %d: got %r, "
                        "expected %r" % (t, len(lst), len(exp.list),
                                         " (+1 indeterminate %r)" % p_item if p_kind == "list"
                                         else "", n, lst[n:n + 3], exp.list[n:n + 3]))

    # Set: the acknowledged members, possibly plus the indeterminate one.
    missing = exp.set - s
    lost += len(missing)
    if missing:
        problems.append("s%d: %d acknowledged members lost: %s" %
                        (t, len(missing), short(sorted(missing), 3)))
    extra = s - exp.set
    if p_kind == "set" and extra == {p_item}:
        p_present = True
    elif extra:
        problems.append("s%d: members that were never written: %s" % (t, short(sorted(extra), 3)))

    # Sorted set: the acknowledged members with their exact score text, in ZRANGE order.
    want = zset_order(exp.zset)
    if z != want:
        with_pending = dict(exp.zset)
        if p_kind == "zset":
            with_pending[p_item[0]] = p_item[1]
        if p_kind == "zset" and z == zset_order(with_pending):
            p_present = True
        else:
            got_map = dict(z)
            missing = [m for m, sc in exp.zset.items() if got_map.get(m) != sc]
            lost += len(missing)
            problems.append("z%d: %d entries, expected %d; acknowledged missing or wrong "
                            "score: %s; in ZRANGE order: %s; first entries got %r expected %r" %
                            (t, len(z), len(want), short(missing, 3),
                             [m for m, _ in z] == [m for m, _ in zset_order(got_map)],
                             z[:2], want[:2]))

    if p_present:
        exp.add(p_kind, p_item)
    return lost, problems


def verify(port, expected, pendings):
    """Reads every key after a restart; returns (lost, problems, indeterminate present count)."""
    lost_total = 0
    problems = []
    present = 0
    with harness.RespConnection(harness.HOST, port, timeout=60) as conn:
        for t in range(WRITERS):
            exp = expected[t]
            before = sum(map(len, (exp.hash, exp.list, exp.set, exp.zset)))
            lost, probs = check_thread(t, exp, pendings[t], read_thread_keys(conn, t))
            present += sum(map(len, (exp.hash, exp.list, exp.set, exp.zset))) - before
            lost_total += lost
            problems += probs
        # No other key: each database holds exactly the keys of its threads.
        for db in (0, 1):
            conn.call(b"SELECT", db)
            keys = set(conn.call(b"KEYS", b"*"))
            want = set()
            for t in range(WRITERS):
                if db_of(t) == db:
                    want |= expected[t].keys_present(t)
            if keys != want:
                problems.append("db %d: keys %s, expected %s" %
                                (db, short(sorted(keys)), short(sorted(want))))
    return lost_total, problems, present


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cycles", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()

    binary = harness.server_binary()
    extra = ["--appendfsync", "always"]
    if harness.is_reference_binary(binary):
        extra = ["--appendonly", "yes"] + extra
    data_dir = tempfile.mkdtemp(prefix="ringkv-kill9c-")
    server = harness.Server(binary=binary, extra_args=extra, data_dir=data_dir,
                            name="kill9-collections")
    print("durability: %s %s, data dir %s" % (binary, " ".join(extra), data_dir))
    rnd = random.Random()
    expected = [Expected() for _ in range(WRITERS)]
    passed = failed = 0
    total_acked = total_indeterminate = 0
    started = time.monotonic()
    try:
        server.start()
        for cycle in range(1, args.cycles + 1):
            stop = threading.Event()
            writers = [Writer(server.port, cycle, t, len(expected[t].list), stop)
                       for t in range(WRITERS)]
            for w in writers:
                w.start()
            time.sleep(args.seconds * rnd.uniform(0.85, 1.15))
            server.kill9()  # mid-load: the writers are still sending
            stop.set()
            for w in writers:
                w.join(timeout=30)
            errors = [w.error for w in writers if w.error]
            acked = sum(len(w.acked) for w in writers)
            by_kind = {k: sum(1 for w in writers for kind, _ in w.acked if kind == k)
                       for k in KINDS}
            for t, w in enumerate(writers):
                for kind, item in w.acked:
                    expected[t].add(kind, item)
            pendings = [w.pending for w in writers]
            indeterminate = sum(1 for p in pendings if p is not None)

            server.start()  # same data dir (and port, if still free)
            lost, problems, present = verify(server.port, expected, pendings)
            total_acked += acked
            total_indeterminate += indeterminate
            print("cycle %d: acknowledged=%d (hset=%d rpush=%d sadd=%d zadd=%d) lost=%d "
                  "indeterminate=%d (present after restart: %d)" %
                  (cycle, acked, by_kind["hash"], by_kind["list"], by_kind["set"],
                   by_kind["zset"], lost, indeterminate, present))
            ok = True
            if errors:
                print("  writer errors: %s" % errors[:3])
                ok = False
            if min(by_kind.values()) == 0:
                print("  some command was never acknowledged: the test proved nothing for it")
                ok = False
            for p in problems[:20]:
                print("  " + p)
            if problems:
                ok = False
            if ok:
                passed += 1
            else:
                failed += 1
    except (harness.ServerError, RuntimeError, OSError, harness.ConnectionClosed) as e:
        print("failed: %s" % e)
        if server.proc is not None:
            print("server log tail:\n%s" % server.log_tail())
        failed += 1
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    print("durability total: acknowledged=%d indeterminate=%d in %.1f s" %
          (total_acked, total_indeterminate, time.monotonic() - started))
    print("durability: %d passed, %d failed" % (passed, failed))
    return 1 if failed or passed != args.cycles else 0


if __name__ == "__main__":
    sys.exit(main())
