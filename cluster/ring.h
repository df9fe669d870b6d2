#pragma once
// The consistent-hash ring: which node owns a key.
//
// Positions are 64-bit (0 .. 2^64-1) and wrap around. Node `i` of the topology has `vnodes`
// points, point k at XXH3_64bits("<id>#<k>") (k = 0 .. vnodes-1, decimal, seed 0). A position h
// belongs to the node of the first point clockwise at or after h, wrapping past 2^64-1 to the
// smallest point. So a point p whose predecessor point is q owns the positions (q, p], that is
// the half-open [q+1, p+1) in modular arithmetic. Two points at the same position (a 2^-64 event)
// are ordered by node id, so the ring depends only on the set of (id, vnodes) and never on the
// order in which cluster-nodes lists them; it is identical in every process and on every platform.
//
// A key's position is cluster::KeyHash(key) (key_hash.h: XXH3-64 of the key or of its {tag}).
//
// Ranges: the ring is cut into maximal runs of positions with the same owner (adjacent virtual
// nodes of one node are merged), and a run that crosses 2^64 -> 0 is split there, so every Range
// here is a non-empty, non-wrapping interval [start, end) where end == 0 stands for 2^64.
// Range{0, 0} is therefore the whole ring (a ring with one node).
//
// A Ring is immutable after construction: const methods are thread-safe. Lookups are a binary
// search over a sorted vector (O(log(nodes * vnodes)), no allocation).

#include <cstdint>
#include <string_view>
#include <vector>

#include "cluster/topology.h"

namespace ringkv::cluster {

struct Range {
  uint64_t start = 0;  // first position in the range
  uint64_t end = 0;    // one past the last position; 0 means 2^64 (the range runs to the top)

  bool Contains(uint64_t pos) const { return pos >= start && (end == 0 || pos < end); }
  bool operator==(const Range& o) const { return start == o.start && end == o.end; }
};

// One step of a walk over the whole ring (see Ring::NextBoundary).
struct RangeOwner {
  Range range;     // the maximal single-owner range containing the asked position
  int owner = -1;  // index into Topology::nodes
};

class Ring {
 public:
  // An empty ring: Owner() returns -1 everywhere.
  Ring() = default;
  // Builds the ring of `topology` (its `myself` is ignored). The topology should have passed
  // ValidateTopology; duplicate ids still build a well-defined ring. O(N*V log(N*V)).
  explicit Ring(const Topology& topology);

  // Number of nodes (owners are 0 .. size()-1, indexes into the topology's node list).
  int size() const { return num_nodes_; }
  bool empty() const { return starts_.empty(); }

  // The node owning position `hash`; -1 only for an empty ring.
  int Owner(uint64_t hash) const;
  // Owner(KeyHash(key)): keys sharing a {tag} always have the same owner.
  int OwnerOfKey(std::string_view key) const;

  // The ranges owned by `node`, sorted by start, merged where adjacent (no two returned ranges
  // touch, except across the 2^64 -> 0 wrap, where the split produces [s, 0) and [0, e)).
  // Empty if the node owns nothing or is out of bounds.
  std::vector<Range> RangesOf(int node) const;

  // The maximal single-owner range that contains `pos`, and its owner. range.start <= pos, and
  // range.end (0 = 2^64) is where the next owner begins. A walk over the whole ring, as a
  // cluster-wide SCAN cursor does:
  //
  //   uint64_t pos = 0;
  //   do {
  //     RangeOwner r = ring.NextBoundary(pos);
  //     visit(r.owner, pos, r.range.end);  // positions [pos, end), end 0 = 2^64
  //     pos = r.range.end;
  //   } while (pos != 0);
  //
  // visits every position exactly once, range by range in ascending order, and ends after the
  // range that reaches 2^64 (end == 0). Starting from a pos inside a range (a resumed cursor)
  // continues with the rest of that range. For an empty ring returns owner -1 and Range{0, 0}.
  RangeOwner NextBoundary(uint64_t pos) const;

  // Every range of the ring in ascending order, as NextBoundary walks them.
  std::vector<RangeOwner> AllRanges() const;

  // All virtual-node points, sorted (ties by node id): for tests and CLUSTER-style introspection.
  struct Point {
    uint64_t hash;
    int node;
  };
  const std::vector<Point>& points() const { return points_; }

  // The position of virtual node k of the node with this id (what the constructor uses).
  static uint64_t PointHash(std::string_view id, int k);

 private:
  size_t SegmentIndex(uint64_t pos) const;
  void AddSegment(uint64_t start, int owner);
  uint64_t SegmentEnd(size_t i) const { return i + 1 < starts_.size() ? starts_[i + 1] : 0; }

  int num_nodes_ = 0;
  std::vector<Point> points_;
  // Segments: segment i covers [starts_[i], starts_[i+1]) (the last one up to 2^64) and belongs
  // to owners_[i]. Sorted; starts_[0] == 0 when non-empty. Two arrays keep the search dense.
  std::vector<uint64_t> starts_;
  std::vector<int> owners_;
};

}  // namespace ringkv::cluster
