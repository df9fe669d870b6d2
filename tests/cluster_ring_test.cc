// Topology parsing, the fingerprint and the ring: balance, movement on join/leave, determinism,
// {tag} placement and the range walk used by cluster-wide SCAN.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "cluster/key_hash.h"
#include "cluster/ring.h"
#include "cluster/topology.h"

namespace ringkv::cluster {
namespace {

Topology MakeCluster(int n, int vnodes = kDefaultVnodes, int first = 0) {
  Topology t;
  t.vnodes = vnodes;
  for (int i = first; i < first + n; i++) {
    t.nodes.push_back({"node" + std::to_string(i), "127.0.0.1", 7000 + i});
  }
  t.myself = t.nodes[0].id;
  return t;
}

std::string KeyName(int i) { return "key:" + std::to_string(i); }

// ---------------------------------------------------------------------------------------------
// Topology

TEST(TopologyTest, ParsesCommaAndWhitespaceSeparatedLists) {
  std::vector<NodeInfo> nodes;
  std::string error;
  ASSERT_TRUE(ParseNodeList("a@127.0.0.1:7000,b@localhost:7001", &nodes, &error)) << error;
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0], (NodeInfo{"a", "127.0.0.1", 7000}));
  EXPECT_EQ(nodes[1], (NodeInfo{"b", "localhost", 7001}));

  ASSERT_TRUE(ParseNodeList("  a@h1:1 \t b@h2:2\n,c@[::1]:65535 , ", &nodes, &error)) << error;
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[2], (NodeInfo{"c", "[::1]", 65535}));
  EXPECT_EQ(nodes[2].Address(), "[::1]:65535");
  EXPECT_EQ(nodes[0].Address(), "h1:1");
}

TEST(TopologyTest, RejectsBadEntriesWithClearErrors) {
  struct Case {
    const char* text;
    const char* expected;  // substring of the error
  };
  const Case cases[] = {
      {"", "cluster-nodes is empty"},
      {" , ,", "cluster-nodes is empty"},
      {"a127.0.0.1:7000", "missing '@' in cluster-nodes entry 'a127.0.0.1:7000'"},
      {"@h:1", "empty node id"},
      {"a@:1", "empty host"},
      {"a@h", "missing port"},
      {"a@h:", "bad port"},
      {"a@h:0", "bad port in cluster-nodes entry 'a@h:0'"},
      {"a@h:65536", "bad port"},
      {"a@h:99999999999", "bad port"},
      {"a@h:-1", "bad port"},
      {"a@h:12x", "bad port"},
      {"a@::1:7000", "IPv6 address without brackets"},
      {"a@[::1", "unterminated '['"},
      {"a@[::1]7000", "missing port"},
      {"a@h:1,a@h:2", "duplicate node id 'a'"},
      {"a@h:1,b@h:1", "duplicate address h:1"},
      {"a\x01@h:1", "bad character in node id"},
  };
  for (const Case& c : cases) {
    std::vector<NodeInfo> nodes;
    std::string error;
    EXPECT_FALSE(ParseNodeList(c.text, &nodes, &error)) << c.text;
    EXPECT_NE(error.find(c.expected), std::string::npos)
        << "input '" << c.text << "' gave error '" << error << "'";
  }
}

TEST(TopologyTest, ParseTopologyChecksMyselfAndVnodes) {
  Topology t;
  std::string error;
  EXPECT_TRUE(ParseTopology("b", "a@h:1,b@h:2", 256, &t, &error)) << error;
  EXPECT_EQ(t.MyIndex(), 1);
  EXPECT_EQ(t.IndexOf("a"), 0);
  EXPECT_EQ(t.IndexOf("zz"), -1);

  EXPECT_FALSE(ParseTopology("c", "a@h:1,b@h:2", 256, &t, &error));
  EXPECT_EQ(error, "cluster-myself 'c' is not in cluster-nodes");
  EXPECT_FALSE(ParseTopology("", "a@h:1", 256, &t, &error));
  EXPECT_EQ(error, "cluster-myself is not set");
  EXPECT_FALSE(ParseTopology("a", "a@h:1", 0, &t, &error));
  EXPECT_EQ(error, "cluster-vnodes must be between 1 and 16384, got 0");
  EXPECT_FALSE(ParseTopology("a", "a@h:1", kMaxVnodes + 1, &t, &error));
  EXPECT_FALSE(ParseTopology("a", "a@h:1,a@h:2", 256, &t, &error));
  EXPECT_EQ(error, "duplicate node id 'a' in cluster-nodes");

  // Hand-built topologies get the same checks.
  Topology bad = MakeCluster(2);
  bad.nodes[1].port = 0;
  EXPECT_FALSE(ValidateTopology(bad, &error));
  EXPECT_NE(error.find("bad port"), std::string::npos) << error;
  bad = MakeCluster(2);
  bad.nodes[1].id = "x y";
  EXPECT_FALSE(ValidateTopology(bad, &error));
  EXPECT_TRUE(ValidateTopology(MakeCluster(3), &error)) << error;
}

TEST(TopologyTest, FingerprintIgnoresOrderAndMyselfButNothingElse) {
  Topology a = MakeCluster(3);
  Topology b = a;
  std::reverse(b.nodes.begin(), b.nodes.end());
  b.myself = "node2";
  EXPECT_EQ(Fingerprint(a), Fingerprint(b));

  std::vector<Topology> variants;
  Topology v = a;
  v.vnodes = 255;
  variants.push_back(v);
  v = a;
  v.nodes[1].port++;
  variants.push_back(v);
  v = a;
  v.nodes[1].host = "127.0.0.2";
  variants.push_back(v);
  v = a;
  v.nodes[1].id = "node1x";
  variants.push_back(v);
  v = a;
  v.nodes.pop_back();
  variants.push_back(v);
  v = a;
  v.nodes.push_back({"node3", "127.0.0.1", 7003});
  variants.push_back(v);
  // Shifting bytes between fields must not collide (length-prefixed encoding).
  v = a;
  v.nodes[0].id = "node0127";
  v.nodes[0].host = ".0.0.1";
  variants.push_back(v);
  for (size_t i = 0; i < variants.size(); i++) {
    EXPECT_NE(Fingerprint(variants[i]), Fingerprint(a)) << "variant " << i;
  }
}

TEST(TopologyTest, FingerprintValueIsPinned) {
  // A change here means nodes built from different sources would refuse each other at
  // handshake: only change it together with the encoding version in topology.cc.
  Topology t;
  std::string error;
  ASSERT_TRUE(
      ParseTopology("n1", "n1@127.0.0.1:7001,n2@127.0.0.1:7002,n3@127.0.0.1:7003", 256, &t, &error))
      << error;
  EXPECT_EQ(FingerprintHex(Fingerprint(t)), "4a350a921358e508");
  EXPECT_EQ(FingerprintHex(0x1234), "0000000000001234");
}

// ---------------------------------------------------------------------------------------------
// Ring structure

TEST(RingTest, EmptyRingOwnsNothing) {
  Ring ring;
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(ring.Owner(123), -1);
  EXPECT_EQ(ring.OwnerOfKey("k"), -1);
  EXPECT_EQ(ring.NextBoundary(5).owner, -1);
  EXPECT_TRUE(ring.RangesOf(0).empty());
}

TEST(RingTest, SingleNodeOwnsTheWholeRingAsOneRange) {
  Ring ring(MakeCluster(1));
  EXPECT_EQ(ring.size(), 1);
  EXPECT_EQ(ring.points().size(), 256u);
  for (uint64_t h : {uint64_t{0}, uint64_t{1}, ~uint64_t{0}, uint64_t{1} << 63}) {
    EXPECT_EQ(ring.Owner(h), 0);
  }
  auto ranges = ring.RangesOf(0);
  ASSERT_EQ(ranges.size(), 1u);
  EXPECT_EQ(ranges[0], (Range{0, 0}));
  RangeOwner r = ring.NextBoundary(12345);
  EXPECT_EQ(r.owner, 0);
  EXPECT_EQ(r.range.end, 0u);
  EXPECT_TRUE(ring.RangesOf(1).empty());
  EXPECT_TRUE(ring.RangesOf(-1).empty());
}

TEST(RingTest, OwnerIsTheFirstPointAtOrAfterThePosition) {
  Ring ring(MakeCluster(5, 16));
  const auto& points = ring.points();
  ASSERT_EQ(points.size(), 80u);
  ASSERT_TRUE(
      std::is_sorted(points.begin(), points.end(),
                     [](const Ring::Point& a, const Ring::Point& b) { return a.hash < b.hash; }));
  for (size_t i = 0; i < points.size(); i++) {
    EXPECT_EQ(ring.Owner(points[i].hash), points[i].node) << "at the point itself";
    if (points[i].hash > 0 && (i == 0 || points[i - 1].hash + 1 < points[i].hash)) {
      EXPECT_EQ(ring.Owner(points[i].hash - 1), points[i].node) << "just before the point";
    }
    uint64_t after = points[i].hash + 1;
    int next = i + 1 < points.size() ? points[i + 1].node : points[0].node;  // wraps
    EXPECT_EQ(ring.Owner(after), next) << "just after the point";
  }
  // Positions past the last point wrap to the first point.
  EXPECT_EQ(ring.Owner(~uint64_t{0}),
            points.back().hash == ~uint64_t{0} ? points.back().node : points[0].node);
  EXPECT_EQ(ring.Owner(0), points[0].node);
  // Vnode positions are what the header documents.
  EXPECT_EQ(Ring::PointHash("node0", 7), XXH3_64bits("node0#7", 7));
}

TEST(RingTest, RangesPartitionTheRingAndAgreeWithOwner) {
  Topology t = MakeCluster(4, 32);
  Ring ring(t);
  std::vector<RangeOwner> all = ring.AllRanges();
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.front().range.start, 0u);
  EXPECT_EQ(all.back().range.end, 0u);
  size_t total = 0;
  for (size_t i = 0; i < all.size(); i++) {
    const Range& r = all[i].range;
    if (i + 1 < all.size()) {
      EXPECT_LT(r.start, r.end);
      EXPECT_EQ(r.end, all[i + 1].range.start) << "ranges are contiguous";
      EXPECT_NE(all[i].owner, all[i + 1].owner) << "adjacent same-owner ranges are merged";
    }
    EXPECT_EQ(ring.Owner(r.start), all[i].owner);
    EXPECT_EQ(ring.Owner(r.end - 1), all[i].owner);  // end 0 -> 2^64-1
    if (r.end != 0) {
      EXPECT_NE(ring.Owner(r.end), all[i].owner);
    }
  }
  for (int n = 0; n < 4; n++) {
    std::vector<Range> mine = ring.RangesOf(n);
    total += mine.size();
    for (const Range& r : mine) {
      EXPECT_EQ(ring.Owner(r.start), n);
      EXPECT_TRUE(r.Contains(r.start));
    }
    // Sorted and disjoint.
    for (size_t i = 1; i < mine.size(); i++) EXPECT_LT(mine[i - 1].start, mine[i].start);
  }
  EXPECT_EQ(total, all.size());
  // Keys fall into a range of their owner.
  for (int i = 0; i < 2000; i++) {
    uint64_t h = KeyHash(KeyName(i));
    int owner = ring.Owner(h);
    auto mine = ring.RangesOf(owner);
    EXPECT_EQ(
        std::count_if(mine.begin(), mine.end(), [h](const Range& r) { return r.Contains(h); }), 1);
  }
}

TEST(RingTest, WalkFromZeroVisitsEveryRangeOnceAndEnds) {
  for (int n : {1, 2, 3, 10}) {
    Ring ring(MakeCluster(n, 64));
    std::vector<RangeOwner> all = ring.AllRanges();
    std::vector<RangeOwner> walked;
    uint64_t pos = 0;
    size_t steps = 0;
    do {
      RangeOwner r = ring.NextBoundary(pos);
      ASSERT_EQ(r.range.start, pos) << "a walk from 0 lands on range starts";
      walked.push_back(r);
      pos = r.range.end;
      ASSERT_LT(++steps, all.size() + 2) << "the walk must end";
    } while (pos != 0);
    ASSERT_EQ(walked.size(), all.size()) << n << " nodes";
    for (size_t i = 0; i < all.size(); i++) {
      EXPECT_EQ(walked[i].range, all[i].range);
      EXPECT_EQ(walked[i].owner, all[i].owner);
    }
    // Every node is visited (64 vnodes: each owns something).
    for (int node = 0; node < n; node++) {
      EXPECT_TRUE(std::any_of(walked.begin(), walked.end(),
                              [node](const RangeOwner& r) { return r.owner == node; }));
    }
  }
}

TEST(RingTest, WalkResumedInsideARangeFinishesThatRange) {
  Ring ring(MakeCluster(3, 8));
  std::vector<RangeOwner> all = ring.AllRanges();
  ASSERT_GE(all.size(), 3u);
  const RangeOwner& mid = all[1];
  uint64_t inside = mid.range.start + (mid.range.end - mid.range.start) / 2;
  RangeOwner r = ring.NextBoundary(inside);
  EXPECT_EQ(r.range, mid.range);
  EXPECT_EQ(r.owner, mid.owner);
  // The top of the ring belongs to the last range, which ends the walk.
  RangeOwner last = ring.NextBoundary(~uint64_t{0});
  EXPECT_EQ(last.range.end, 0u);
  EXPECT_EQ(last.range, all.back().range);
}

TEST(RingTest, NodeListOrderDoesNotChangeOwnership) {
  Topology a = MakeCluster(5);
  Topology b = a;
  std::reverse(b.nodes.begin(), b.nodes.end());
  Ring ra(a), rb(b);
  for (int i = 0; i < 20000; i++) {
    std::string key = KeyName(i);
    EXPECT_EQ(a.nodes[ra.OwnerOfKey(key)].id, b.nodes[rb.OwnerOfKey(key)].id);
  }
}

TEST(RingTest, DeterministicOwnersArePinned) {
  // Pinned values: if any of these changes, nodes built on another platform or from another
  // version would disagree about where keys live.
  EXPECT_EQ(KeyHash("foo"), 0xab6e5f64077e7d8aULL);
  EXPECT_EQ(KeyHash("{user1}.name"), KeyHash("user1"));
  EXPECT_EQ(Ring::PointHash("n1", 0), 0x517c1227c97404afULL);
  Topology t;
  std::string error;
  ASSERT_TRUE(ParseTopology("n1", "n1@127.0.0.1:7001,n2@127.0.0.1:7002,n3@127.0.0.1:7003", 256, &t,
                            &error));
  Ring ring(t);
  std::string owners;
  for (const char* key : {"foo", "bar", "key:0", "key:1", "key:2", "key:3", "{user1}.a", "x"}) {
    owners += t.nodes[ring.OwnerOfKey(key)].id + " ";
  }
  EXPECT_EQ(owners, "n1 n1 n2 n2 n3 n3 n3 n2 ");
}

TEST(RingTest, HashTagKeysLandTogether) {
  Ring ring(MakeCluster(10));
  for (int u = 0; u < 200; u++) {
    std::string tag = "user" + std::to_string(u);
    int owner = ring.OwnerOfKey(tag);
    for (const std::string& key : {"{" + tag + "}", "{" + tag + "}.name", "x{" + tag + "}y",
                                   "{" + tag + "}{other}", "prefix:{" + tag + "}:suffix"}) {
      EXPECT_EQ(ring.OwnerOfKey(key), owner) << key;
    }
  }
  // An empty tag hashes the whole key.
  EXPECT_EQ(ring.Owner(KeyHash("{}a")), ring.Owner(XXH3_64bits("{}a", 3)));
}

// ---------------------------------------------------------------------------------------------
// Balance and movement (1M keys)

constexpr int kKeys = 1000000;

std::vector<uint64_t> KeyHashes() {
  std::vector<uint64_t> hashes(kKeys);
  for (int i = 0; i < kKeys; i++) hashes[i] = KeyHash(KeyName(i));
  return hashes;
}

const std::vector<uint64_t>& Hashes() {
  static const std::vector<uint64_t>* hashes = new std::vector<uint64_t>(KeyHashes());
  return *hashes;
}

struct Spread {
  double max_over_mean;
  double max_over_min;
};

Spread MeasureSpread(int n, int vnodes) {
  Ring ring(MakeCluster(n, vnodes));
  std::vector<int> counts(n, 0);
  for (uint64_t h : Hashes()) counts[ring.Owner(h)]++;
  int mx = *std::max_element(counts.begin(), counts.end());
  int mn = *std::min_element(counts.begin(), counts.end());
  double mean = static_cast<double>(kKeys) / n;
  Spread s{mx / mean, mn > 0 ? static_cast<double>(mx) / mn : 1e9};
  std::printf(
      "[ spread   ] %2d nodes x %3d vnodes: min %6d max %6d mean %8.0f  max/min %.3f  "
      "max/mean %.3f\n",
      n, vnodes, mn, mx, mean, s.max_over_min, s.max_over_mean);
  return s;
}

TEST(RingBalanceTest, OneMillionKeysSpreadEvenlyWith256Vnodes) {
  // Measured (XXH3, 256 vnodes, keys "key:0".."key:999999", ids node0..nodeN-1):
  //   3 nodes: max/mean 1.129, max/min 1.261; 10 nodes: 1.105, 1.206; 24 nodes: 1.128, 1.313;
  //   24 nodes with 100 vnodes: 1.178, 1.360.
  // That is the expected statistics of 256 random points per node (a node's share has a relative
  // standard deviation of about 1/sqrt(256) = 6%). The bounds leave margin over those figures; a
  // regression in point placement (a weak hash, correlated vnode names) blows well past them.
  Spread s3 = MeasureSpread(3, 256);
  Spread s10 = MeasureSpread(10, 256);
  Spread s24 = MeasureSpread(24, 256);
  EXPECT_LE(s3.max_over_mean, 1.20);
  EXPECT_LE(s10.max_over_mean, 1.20);
  EXPECT_LE(s24.max_over_mean, 1.25);
  EXPECT_LE(s3.max_over_min, 1.45);
  EXPECT_LE(s10.max_over_min, 1.45);
  EXPECT_LE(s24.max_over_min, 1.50);
  // Fewer virtual nodes spread worse: the figures the issue compares against (100 vnodes).
  MeasureSpread(24, 100);
}

struct Movement {
  int moved = 0;
  int bad = 0;  // moved somewhere it should not have
};

TEST(RingBalanceTest, JoiningNodeTakesAboutOneNthAndOnlyForItself) {
  for (int n : {3, 10}) {
    Topology before = MakeCluster(n);
    Topology after = MakeCluster(n + 1);  // same first n nodes, one more
    Ring rb(before), ra(after);
    Movement m;
    for (uint64_t h : Hashes()) {
      int ob = rb.Owner(h), oa = ra.Owner(h);  // the first n nodes have the same indexes
      if (ob != oa) {
        m.moved++;
        if (oa != n) m.bad++;  // may only move to the new node
      }
    }
    double frac = static_cast<double>(m.moved) / kKeys;
    std::printf("[ join     ] %d -> %d nodes: %.4f of keys moved (ideal %.4f)\n", n, n + 1, frac,
                1.0 / (n + 1));
    EXPECT_EQ(m.bad, 0);
    EXPECT_NEAR(frac, 1.0 / (n + 1), 0.25 / (n + 1));
  }
}

TEST(RingBalanceTest, LeavingNodeGivesAwayOnlyItsOwnKeys) {
  for (int n : {4, 10}) {
    Topology before = MakeCluster(n);
    const int removed = n / 2;
    Topology after = before;
    after.nodes.erase(after.nodes.begin() + removed);
    Ring rb(before), ra(after);
    Movement m;
    for (uint64_t h : Hashes()) {
      int ob = rb.Owner(h);
      int oa = ra.Owner(h);
      if (oa >= removed) oa++;  // back to `before` numbering
      if (ob != oa) {
        m.moved++;
        if (ob != removed) m.bad++;  // only the removed node's keys move
      }
    }
    double frac = static_cast<double>(m.moved) / kKeys;
    std::printf("[ leave    ] %d -> %d nodes: %.4f of keys moved (ideal %.4f)\n", n, n - 1, frac,
                1.0 / n);
    EXPECT_EQ(m.bad, 0);
    EXPECT_NEAR(frac, 1.0 / n, 0.25 / n);
  }
}

TEST(RingBalanceTest, LookupIsFast) {
  Ring ring(MakeCluster(24));
  auto start = std::chrono::steady_clock::now();
  uint64_t sum = 0;
  for (uint64_t h : Hashes()) sum += static_cast<uint64_t>(ring.Owner(h));
  double ns =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() /
      kKeys;
  std::printf("[ lookup   ] 24 nodes x 256 vnodes: %.1f ns per Owner() (checksum %llu)\n", ns,
              static_cast<unsigned long long>(sum));
  EXPECT_LT(ns, 2000.0);  // generous: Debug builds and sanitizers run here too
}

}  // namespace
}  // namespace ringkv::cluster
