"""Differential through a cluster entry node: the same raw RESP traffic to Debian's redis-server
and to node n2 of a 3-node cluster, raw replies compared (RESP2, RESP3, and pipelined in random
small writes), with the runner of redis-tests/differential/differential.py.

Sequences: cluster/sequences.txt (keys spread over all nodes, {tag}ged atomic multi-key commands),
plus every section of differential/sequences.txt except those where an MSETNX/RENAME/RENAMENX
spans two nodes (CROSSSLOT by design), those using INFO (its keyspace section is per node), raw
protocol-error cases (parsed before routing) and the AUTH sections (they need requirepass
servers). The same traffic also goes to a single ringkv node: a mismatch counts here only when the
single node matches Redis (anything else is the single-node differential's business), except in
cluster/sequences.txt, which must match outright.
"""

import collections
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "differential"))
import cluster_harness  # noqa: E402
import differential  # noqa: E402

SHARED_SEQUENCES = os.path.join(os.path.dirname(HERE), "differential", "sequences.txt")
CLUSTER_SEQUENCES = os.path.join(HERE, "sequences.txt")

# INFO's keyspace and stats sections are per node by design (DESIGN: INFO keeps its per-node
# sections), so a section using INFO cannot match a single Redis through one entry node.
PER_NODE_COMMANDS = {"INFO"}
ATOMIC_MULTIKEY = {"MSETNX": lambda a: a[1::2], "RENAME": lambda a: a[1:3],
                   "RENAMENX": lambda a: a[1:3]}


@pytest.fixture(scope="module")
def servers(cluster):
    """(reference redis-server, single ringkv node, the cluster)."""
    ref = cluster_harness.harness.start_reference()
    single = None
    try:
        single = cluster_harness.harness.start_server(name="ct-single")
        yield ref, single, cluster
    finally:
        ref.cleanup()
        if single is not None:
            single.cleanup()


def eligible_shared_sections(cluster):
    """(kept sections, {left-out name: reason}) from differential/sequences.txt."""
    kept, left_out = [], {}
    for name, steps in differential.load_sequences(SHARED_SEQUENCES):
        reason = None
        if name.startswith("auth:"):
            reason = "needs requirepass servers"
        for step in steps:
            if reason:
                break
            if step.kind in ("sleep", "scanall"):
                continue
            if step.kind == "proto":
                # Parsed before any routing, the same on every node; each case also costs a
                # quiet period, twice here. The differential suite covers them.
                reason = "raw protocol errors (parsed before routing)"
                break
            if not step.args:
                continue
            cmd = step.args[0].decode("latin-1").upper()
            if cmd in PER_NODE_COMMANDS:
                reason = "%s answers for one node" % cmd
            elif cmd in ATOMIC_MULTIKEY and not cluster.is_reference:
                keys = ATOMIC_MULTIKEY[cmd](step.args)
                if len(set(cluster.owners(keys).values())) > 1:
                    reason = "CROSSSLOT case: %s" % step.text
        if reason:
            left_out[name] = reason
        else:
            kept.append((name, steps))
    return kept, left_out


def run_all(sections, ref_port, test_port):
    result = differential.Result(verbose=False)
    ref = differential.Side("redis-server", ref_port)
    test = differential.Side("ringkv", test_port)
    for proto in (2, 3):
        for name, steps in sections:
            differential.run_section(name, steps, ref, test, proto, result)
    for name, steps in sections:
        differential.run_section_pipelined(name, steps, ref, test, result)
    return result


def test_differential_through_a_cluster_entry_node(servers, figures):
    ref, single, cluster = servers
    entry = cluster.nodes[1]
    own = differential.load_sequences(CLUSTER_SEQUENCES)
    shared, left_out = eligible_shared_sections(cluster)
    sections = own + shared
    nsteps = sum(len(s) for _, s in sections)
    print("cluster differential: %d sections (%d own, %d shared), %d steps, entry %s" % (
        len(sections), len(own), len(shared), nsteps, entry.id))
    for name, why in left_out.items():
        print("  left out %r: %s" % (name, why))
    assert nsteps >= 300
    # The sections really use every node: their keys spread over the ring.
    if not cluster.is_reference:
        keys = set()
        for _, steps in own:
            for s in steps:
                if s.kind == "exact" and len(s.args) > 1 and s.args[0].upper() == b"GET":
                    keys.add(s.args[1])
        spread = collections.Counter(cluster.owners(keys).values())
        assert set(spread) == {"n1", "n2", "n3"}, spread
    # The same traffic to one ringkv node: what differs there already is the single-node
    # differential's business; here only what the cluster adds counts.
    print("--- single ringkv node")
    alone = run_all(sections, ref.port, single.port)
    print("--- through cluster node %s" % entry.id)
    result = run_all(sections, ref.port, entry.port)
    alone_failed = {(w, t) for w, t, _, _ in alone.failures}
    cluster_only = [(w, t) for w, t, _, _ in result.failures if (w, t) not in alone_failed]
    line = ("differential through %s: %d replies compared (%d type only), %d mismatched, "
            "%d of them only through the cluster (%d also on a single node)" % (
                entry.id, result.passed + result.failed, result.type_only, result.failed,
                len(cluster_only), result.failed - len(cluster_only)))
    print(line)
    figures.append(line)
    assert all(n.server.alive() for n in cluster.nodes)
    assert not cluster_only, "\n".join("%s: %s" % wt for wt in cluster_only)
    # The cluster's own sequences must match Redis outright.
    own_names = {name for name, _ in own}
    own_failed = [(w, t) for w, t, _, _ in result.failures if w.split(" [")[0] in own_names]
    assert not own_failed, own_failed
