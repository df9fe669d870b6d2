#include "routing/cluster_state.h"

namespace ringkv {

Status ClusterState::Build(const Config& config, std::unique_ptr<ClusterState>* out) {
  out->reset();
  if (config.cluster_nodes.empty()) {
    if (!config.cluster_myself.empty()) {
      return Status::Err("cluster-myself is set but cluster-nodes is empty");
    }
    return Status::OK();
  }
  auto cs = std::make_unique<ClusterState>();
  std::string error;
  if (!cluster::ParseTopology(config.cluster_myself, config.cluster_nodes,
                              static_cast<int>(config.cluster_vnodes), &cs->topology, &error)) {
    return Status::Err(error);
  }
  cs->ring = cluster::Ring(cs->topology);
  cs->myself = cs->topology.MyIndex();
  cs->fingerprint = cluster::Fingerprint(cs->topology);
  cs->fingerprint_hex = cluster::FingerprintHex(cs->fingerprint);
  cs->counters = std::make_unique<PeerCounters[]>(cs->topology.nodes.size());
  if (cs->topology.nodes.size() > 255) return Status::Err("a cluster has at most 255 nodes");
  for (int i = 0; i < static_cast<int>(cs->topology.nodes.size()); ++i) cs->scan_order.push_back(i);
  std::sort(cs->scan_order.begin(), cs->scan_order.end(), [&](int a, int b) {
    return cs->topology.nodes[static_cast<size_t>(a)].id <
           cs->topology.nodes[static_cast<size_t>(b)].id;
  });
  *out = std::move(cs);
  return Status::OK();
}

std::string ClusterState::Describe(int i) const {
  const cluster::NodeInfo& n = node(i);
  return n.id + " (" + n.Address() + ")";
}

}  // namespace ringkv
