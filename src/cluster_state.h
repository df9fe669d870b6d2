#pragma once
// The cluster as this process sees it: topology, ring, which node it is, and per-peer counters.
// Built once at startup from the config; immutable afterwards except the counters (relaxed
// atomics, written by every worker's Router). nullptr in ServerState = a single node.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

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

  // nullptr in *out (and OK) when the config names no cluster.
  static Status Build(const Config& config, std::unique_ptr<ClusterState>* out);

  int OwnerOf(std::string_view key) const { return ring.OwnerOfKey(key); }
  const cluster::NodeInfo& node(int i) const { return topology.nodes[static_cast<size_t>(i)]; }
  // "n2 (127.0.0.1:7002)", as error texts name a node.
  std::string Describe(int i) const;
};

}  // namespace ringkv
