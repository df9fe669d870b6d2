// Ring construction and lookup.
//
// The constructor hashes every virtual node, sorts the points, and then flattens the circle
// into "segments" over the line [0, 2^64): point p (predecessor q) covers [q+1, p+1); the first
// point also covers the wrap-around tail [last+1, 2^64). Adjacent segments with the same owner
// are merged. Every query is then a binary search for the segment containing a position:
// Owner, NextBoundary and RangesOf all read the same table, so they cannot disagree.

#include "cluster/ring.h"

#include <xxhash.h>

#include <algorithm>
#include <string>

#include "cluster/key_hash.h"

namespace ringkv::cluster {

uint64_t Ring::PointHash(std::string_view id, int k) {
  std::string name;
  name.reserve(id.size() + 12);
  name.append(id);
  name.push_back('#');
  name.append(std::to_string(k));
  return XXH3_64bits(name.data(), name.size());
}

Ring::Ring(const Topology& topology) : num_nodes_(static_cast<int>(topology.nodes.size())) {
  const int vnodes = std::max(topology.vnodes, 1);
  // Points, sorted by position; ties by node id so that list order never matters.
  points_.reserve(topology.nodes.size() * static_cast<size_t>(vnodes));
  for (int n = 0; n < num_nodes_; n++) {
    for (int k = 0; k < vnodes; k++) {
      points_.push_back({PointHash(topology.nodes[n].id, k), n});
    }
  }
  const auto& nodes = topology.nodes;
  std::sort(points_.begin(), points_.end(), [&nodes](const Point& a, const Point& b) {
    if (a.hash != b.hash) return a.hash < b.hash;
    if (nodes[a.node].id != nodes[b.node].id) return nodes[a.node].id < nodes[b.node].id;
    return a.node < b.node;
  });
  if (points_.empty()) return;

  // Segments over [0, 2^64). The first point owns [0, p0+1) and the tail after the last point.
  AddSegment(0, points_[0].node);
  for (size_t i = 1; i < points_.size(); i++) {
    uint64_t start = points_[i - 1].hash + 1;
    // Equal positions: the later point owns nothing; a point at 2^64-1 leaves no tail.
    if (points_[i].hash == points_[i - 1].hash || start == 0) continue;
    AddSegment(start, points_[i].node);
  }
  uint64_t tail = points_.back().hash + 1;
  if (tail != 0) AddSegment(tail, points_[0].node);
}

void Ring::AddSegment(uint64_t start, int owner) {
  if (!owners_.empty() && owners_.back() == owner) return;  // merge with the previous segment
  starts_.push_back(start);
  owners_.push_back(owner);
}

size_t Ring::SegmentIndex(uint64_t pos) const {
  // The last segment whose start is <= pos; starts_[0] == 0 so one always exists. Hand-written
  // so that it stays fast in unoptimized builds too (the request path calls it per key).
  const uint64_t* starts = starts_.data();
  size_t lo = 0, n = starts_.size();
  while (n > 1) {
    size_t half = n / 2;
    if (starts[lo + half] <= pos) lo += half;
    n -= half;
  }
  return lo;
}

int Ring::Owner(uint64_t hash) const {
  if (starts_.empty()) return -1;
  return owners_[SegmentIndex(hash)];
}

int Ring::OwnerOfKey(std::string_view key) const { return Owner(KeyHash(key)); }

RangeOwner Ring::NextBoundary(uint64_t pos) const {
  if (starts_.empty()) return RangeOwner{};
  size_t i = SegmentIndex(pos);
  return RangeOwner{Range{starts_[i], SegmentEnd(i)}, owners_[i]};
}

std::vector<RangeOwner> Ring::AllRanges() const {
  std::vector<RangeOwner> out;
  out.reserve(starts_.size());
  for (size_t i = 0; i < starts_.size(); i++) {
    out.push_back(RangeOwner{Range{starts_[i], SegmentEnd(i)}, owners_[i]});
  }
  return out;
}

std::vector<Range> Ring::RangesOf(int node) const {
  std::vector<Range> out;
  for (const RangeOwner& r : AllRanges()) {
    if (r.owner == node) out.push_back(r.range);
  }
  return out;
}

}  // namespace ringkv::cluster
