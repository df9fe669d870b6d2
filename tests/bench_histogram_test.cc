// Tests for ringkv-bench's latency histogram and key distributions (header-only, in
// tools/ringkv_bench/).

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "tools/ringkv_bench/histogram.h"
#include "tools/ringkv_bench/key_chooser.h"

namespace ringkv {
namespace bench {
namespace {

TEST(BenchHistogram, BucketsTileTheRangeWithoutGaps) {
  size_t last = Histogram::IndexOf(60ULL * 1000 * 1000);
  EXPECT_EQ(Histogram::LowestEquivalent(0), 0u);
  for (size_t i = 0; i < last; ++i) {
    ASSERT_EQ(Histogram::HighestEquivalent(i) + 1, Histogram::LowestEquivalent(i + 1)) << i;
  }
}

TEST(BenchHistogram, EveryValueLandsInABucketWithinOnePercent) {
  std::vector<uint64_t> values;
  for (uint64_t v = 0; v < 5000; ++v) values.push_back(v);
  for (uint64_t v = 5000; v < 60000000; v = v * 1013 / 1000 + 7) values.push_back(v);
  for (uint64_t v : values) {
    size_t i = Histogram::IndexOf(v);
    uint64_t lo = Histogram::LowestEquivalent(i);
    uint64_t hi = Histogram::HighestEquivalent(i);
    ASSERT_LE(lo, v);
    ASSERT_GE(hi, v);
    ASSERT_LE(static_cast<double>(hi - lo), 0.01 * static_cast<double>(v)) << v;
  }
  // Below 256 every value has its own counter.
  EXPECT_EQ(Histogram::IndexOf(255), 255u);
  EXPECT_EQ(Histogram::HighestEquivalent(Histogram::IndexOf(200)), 200u);
}

TEST(BenchHistogram, PercentilesOfAUniformSpread) {
  Histogram h;
  for (uint64_t v = 1; v <= 100000; ++v) h.Record(v);
  EXPECT_EQ(h.Count(), 100000u);
  EXPECT_EQ(h.Min(), 1u);
  EXPECT_EQ(h.Max(), 100000u);
  EXPECT_NEAR(h.Mean(), 50000.5, 0.01);
  EXPECT_NEAR(static_cast<double>(h.ValueAtPercentile(50)), 50000, 50000 * 0.01);
  EXPECT_NEAR(static_cast<double>(h.ValueAtPercentile(90)), 90000, 90000 * 0.01);
  EXPECT_NEAR(static_cast<double>(h.ValueAtPercentile(99)), 99000, 99000 * 0.01);
  EXPECT_NEAR(static_cast<double>(h.ValueAtPercentile(99.9)), 99900, 99900 * 0.01);
  EXPECT_EQ(h.ValueAtPercentile(100), 100000u);
  // Percentiles never exceed the exact maximum.
  EXPECT_LE(h.ValueAtPercentile(99.999), 100000u);
  EXPECT_NEAR(h.StdDev(), 100000 / std::sqrt(12.0), 10);
}

TEST(BenchHistogram, TailOfABimodalDistribution) {
  // 99% fast (100 us), 1% stalled (2 s): p99 is still fast, p99.9 sees the stall.
  Histogram h;
  h.RecordN(100, 99000);
  h.RecordN(2000000, 1000);
  EXPECT_EQ(h.ValueAtPercentile(50), 100u);
  EXPECT_EQ(h.ValueAtPercentile(99), 100u);
  EXPECT_NEAR(static_cast<double>(h.ValueAtPercentile(99.9)), 2e6, 2e6 * 0.01);
  EXPECT_EQ(h.Max(), 2000000u);
}

TEST(BenchHistogram, EmptyAndClamped) {
  Histogram h(1000);
  EXPECT_EQ(h.ValueAtPercentile(50), 0u);
  EXPECT_EQ(h.Max(), 0u);
  EXPECT_EQ(h.Min(), 0u);
  h.Record(5000);
  EXPECT_EQ(h.Clamped(), 1u);
  EXPECT_EQ(h.Max(), 1000u);
  EXPECT_EQ(h.ValueAtPercentile(50), 1000u);
}

TEST(BenchHistogram, MergeEqualsRecordingIntoOne) {
  Histogram a, b, all;
  for (uint64_t v = 1; v < 50000; v += 3) {
    (v % 2 ? a : b).Record(v * 7);
    all.Record(v * 7);
  }
  a.Merge(b);
  EXPECT_EQ(a.Count(), all.Count());
  EXPECT_EQ(a.Min(), all.Min());
  EXPECT_EQ(a.Max(), all.Max());
  for (double p : {1.0, 25.0, 50.0, 90.0, 99.0, 99.9, 100.0}) {
    EXPECT_EQ(a.ValueAtPercentile(p), all.ValueAtPercentile(p)) << p;
  }
}

TEST(BenchKeys, UniformStaysInRangeAndCoversIt) {
  Rng rng(42);
  std::vector<int> seen(10, 0);
  for (int i = 0; i < 100000; ++i) {
    uint64_t k = rng.Below(10);
    ASSERT_LT(k, 10u);
    seen[k]++;
  }
  for (int c : seen) EXPECT_NEAR(c, 10000, 600);
  for (int i = 0; i < 1000; ++i) {
    double u = rng.Unit();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

TEST(BenchKeys, ZipfFollowsItsWeights) {
  const uint64_t n = 1000;
  const double theta = 0.99;
  ZipfTable zipf(n, theta);
  double zetan = 0;
  for (uint64_t i = 1; i <= n; ++i) zetan += 1.0 / std::pow(static_cast<double>(i), theta);
  Rng rng(7);
  const int draws = 400000;
  std::vector<int> count(n, 0);
  for (int i = 0; i < draws; ++i) {
    uint64_t k = zipf.Next(rng);
    ASSERT_LT(k, n);
    count[k]++;
  }
  // Rank 0 and rank 1 are exact in YCSB's construction; later ranks are approximate.
  EXPECT_NEAR(count[0] / static_cast<double>(draws), 1.0 / zetan, 0.01);
  EXPECT_NEAR(count[1] / static_cast<double>(draws), std::pow(0.5, theta) / zetan, 0.01);
  // Heavily skewed: the top 10% of ranks draw most requests, the bottom half few.
  int top = 0, bottom = 0;
  for (uint64_t i = 0; i < n / 10; ++i) top += count[i];
  for (uint64_t i = n / 2; i < n; ++i) bottom += count[i];
  EXPECT_GT(top, draws * 6 / 10);
  EXPECT_LT(bottom, draws * 15 / 100);
  EXPECT_GT(bottom, 0);
}

}  // namespace
}  // namespace bench
}  // namespace ringkv
