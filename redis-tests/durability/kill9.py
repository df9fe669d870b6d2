#!/usr/bin/python3
"""kill -9 durability: with appendfsync always, every acknowledged write survives a crash.

Each cycle: 8 writer threads, each on its own connection, send SET c<cycle>_key_<thread>_<i> <value>
one at a time and record the write as acknowledged when +OK arrives. After ~3 s of load the server
gets SIGKILL mid-stream (writers are still sending), is restarted on the same data dir, and every
acknowledged write of this and every earlier cycle must be there with its exact value. A write that
was sent but never acknowledged is indeterminate: absent or its exact value are both fine, anything
else is a failure. Three cycles.

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


def value_for(cycle, t, i):
    return ("v_%d_%d_%d_" % (cycle, t, i) + "x" * (i % 97)).encode()


class Writer(threading.Thread):
    def __init__(self, port, cycle, t, stop_event):
        super().__init__(daemon=True)
        self.port, self.cycle, self.t, self.stop_event = port, cycle, t, stop_event
        self.acked = []  # (key, value)
        self.pending = None  # sent, not acknowledged
        self.error = None

    def run(self):
        try:
            conn = harness.RespConnection(harness.HOST, self.port, timeout=30)
        except OSError as e:
            self.error = e
            return
        i = 0
        try:
            while not self.stop_event.is_set():
                key = b"c%d_key_%d_%d" % (self.cycle, self.t, i)
                value = value_for(self.cycle, self.t, i)
                self.pending = (key, value)
                conn.send(b"SET", key, value)
                raw, _ = conn.read()
                if raw != b"+OK\r\n":
                    self.error = "unexpected reply %r" % raw
                    return
                self.acked.append((key, value))
                self.pending = None
                i += 1
        except (OSError, harness.ConnectionClosed):
            pass  # the kill: whatever was pending is indeterminate
        finally:
            conn.close()


def fetch(port, keys):
    """Current values of keys (None if absent), by MGET in batches."""
    out = {}
    with harness.RespConnection(harness.HOST, port, timeout=60) as c:
        for start in range(0, len(keys), 500):
            batch = keys[start:start + 500]
            values = c.call(b"MGET", *batch)
            if not isinstance(values, list):
                raise RuntimeError("MGET failed: %r" % (values,))
            out.update(zip(batch, values))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cycles", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()

    binary = harness.server_binary()
    extra = ["--appendfsync", "always"]
    if harness.is_reference_binary(binary):
        extra = ["--appendonly", "yes"] + extra
    data_dir = tempfile.mkdtemp(prefix="ringkv-kill9-")
    server = harness.Server(binary=binary, extra_args=extra, data_dir=data_dir, name="kill9")
    print("durability: %s %s, data dir %s" % (binary, " ".join(extra), data_dir))
    rnd = random.Random()
    all_acked = {}
    passed = failed = 0
    total_acked = total_indeterminate = 0
    try:
        server.start()
        for cycle in range(1, args.cycles + 1):
            stop = threading.Event()
            writers = [Writer(server.port, cycle, t, stop) for t in range(WRITERS)]
            for w in writers:
                w.start()
            time.sleep(args.seconds * rnd.uniform(0.85, 1.15))
            server.kill9()  # mid-load: the writers are still sending
            stop.set()
            for w in writers:
                w.join(timeout=30)
            errors = [w.error for w in writers if w.error]
            acked = [kv for w in writers for kv in w.acked]
            indeterminate = [w.pending for w in writers if w.pending is not None]
            all_acked.update(acked)

            server.start()  # same data dir (and port, if still free)
            keys = list(all_acked) + [k for k, _ in indeterminate]
            got = fetch(server.port, keys)
            lost = [k for k, v in all_acked.items() if got.get(k) != v]
            bad_indeterminate = [k for k, v in indeterminate if got.get(k) not in (None, v)]
            total_acked += len(acked)
            total_indeterminate += len(indeterminate)
            print("cycle %d: acknowledged=%d lost=%d indeterminate=%d (all cycles: %d keys checked)"
                  % (cycle, len(acked), len(lost), len(indeterminate), len(all_acked)))
            ok = True
            if errors:
                print("  writer errors: %s" % errors[:3])
                ok = False
            if not acked:
                print("  no write was acknowledged: the test proved nothing")
                ok = False
            if lost:
                print("  lost or wrong acknowledged writes (first 10):")
                for k in lost[:10]:
                    have = got.get(k)
                    print("    %r: expected %r got %r" %
                          (k, all_acked[k][:40], have[:40] if have is not None else None))
                ok = False
            if bad_indeterminate:
                print("  indeterminate writes with a wrong value: %r" % bad_indeterminate[:10])
                ok = False
            if ok:
                passed += 1
            else:
                failed += 1
    except harness.ServerError as e:
        print("server failed: %s" % e)
        failed += 1
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    print("durability total: acknowledged=%d lost=%s indeterminate=%d" %
          (total_acked, "0" if failed == 0 else "see above", total_indeterminate))
    print("durability: %d passed, %d failed" % (passed, failed))
    return 1 if failed or passed != args.cycles else 0


if __name__ == "__main__":
    sys.exit(main())
