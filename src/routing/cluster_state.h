#pragma once
// The cluster as this process sees it: topology, ring, which node it is, and per-peer counters.
// Built once at startup from the config; immutable afterwards except the counters (relaxed
// atomics, written by every worker's Router). nullptr in ServerState = a single node.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cluster/ring.h"
#include "cluster/topology.h"
#include "config.h"
#include "status.h"

namespace ringkv {

struct PeerCounters {
  std::atomic<uint64_t> forwarded{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> timeouts{0};
  std::atomic<uint64_t> latency_us_sum{0};
  std::atomic<uint64_t> latency_count{0};
};

struct ClusterState {
  cluster::Topology topology;
  cluster::Ring ring;
  int myself = -1;
  uint64_t fingerprint = 0;
  std::string fingerprint_hex;
  std::unique_ptr<PeerCounters[]> counters;  // by node index
  // SCAN walks the nodes one after another in id order (the same on every node, whatever the
  // order of cluster-nodes), each node its own keys in ring order. A cursor is
  // [ordinal + 1 : 8 bits][position >> 8 : 56 bits]; 0 is the start and the end.
  std::vector<int> scan_order;  // ordinal -> node index

  // nullptr in *out (and OK) when the config names no cluster.
  static Status Build(const Config& config, std::unique_ptr<ClusterState>* out);

  int OwnerOf(std::string_view key) const { return ring.OwnerOfKey(key); }
  // The ring ranges this node owns (sorted, merged): what it counts, lists and serves.
  std::vector<cluster::Range> MyRanges() const { return ring.RangesOf(myself); }

  // The node whose keys the cursor continues (cursor 0 = the first node's start); -1 if the
  // cursor names no node. *position = where in that node's keys to resume.
  int ScanNode(uint64_t cursor, uint64_t* position) const {
    uint64_t ord = cursor == 0 ? 0 : (cursor >> 56) - 1;
    *position = (cursor & ((uint64_t{1} << 56) - 1)) << 8;
    return ord < scan_order.size() ? scan_order[ord] : -1;
  }
  // The cursor after a local scan of `node` that stopped at ring position `next` (0 = the node
  // has no more keys: continue with the next node, or 0 when it was the last). Dropping the low
  // 8 bits of the position can only make a resumed scan repeat a key, never miss one.
  uint64_t NextScanCursor(int node, uint64_t next) const {
    uint64_t ord = static_cast<uint64_t>(std::find(scan_order.begin(), scan_order.end(), node) -
                                         scan_order.begin());
    if (next != 0) return ((ord + 1) << 56) | (next >> 8);
    return ord + 1 < scan_order.size() ? (ord + 2) << 56 : 0;
  }
  const cluster::NodeInfo& node(int i) const { return topology.nodes[static_cast<size_t>(i)]; }
  // "n2 (127.0.0.1:7002)", as error texts name a node.
  std::string Describe(int i) const;
};

}  // namespace ringkv
