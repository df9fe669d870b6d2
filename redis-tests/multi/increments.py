"""The WATCH-increment load of issue 6: N client processes, each doing `loops` increments of one
key with redis-py's optimistic-locking loop (WATCH, GET, MULTI, SET value+1, EXEC; retry on
WatchError). Processes, not threads, so that the GIL does not serialize the clients. Client i
connects to ports[i % len(ports)], so a cluster is entered through different nodes.
"""

import multiprocessing
import time

import redis

HOST = "127.0.0.1"


def _client(port, key, loops, results):
    r = redis.Redis(host=HOST, port=port, socket_timeout=60)
    retries = 0
    try:
        for _ in range(loops):
            while True:
                with r.pipeline() as p:
                    try:
                        p.watch(key)
                        value = int(p.get(key) or 0)
                        p.multi()
                        p.set(key, value + 1)
                        p.execute()
                        break
                    except redis.WatchError:
                        retries += 1
        results.put(("ok", retries))
    except Exception as e:  # reported to the parent, which fails the test
        results.put(("error", repr(e)))
    finally:
        r.close()


def run_increments(ports, key, clients=20, loops=500):
    """Runs the load; returns (final value as int, total retries, seconds). Raises if a client
    failed."""
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    procs = [ctx.Process(target=_client, args=(ports[i % len(ports)], key, loops, results))
             for i in range(clients)]
    start = time.monotonic()
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    elapsed = time.monotonic() - start
    errors = [o[1] for o in outcomes if o[0] != "ok"]
    if errors:
        raise AssertionError("increment clients failed: %s" % errors[:3])
    final = redis.Redis(host=HOST, port=ports[0]).get(key)
    return int(final or 0), sum(o[1] for o in outcomes), elapsed
