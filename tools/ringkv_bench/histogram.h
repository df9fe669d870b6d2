#pragma once
// A latency histogram in the style of HdrHistogram: log-bucketed with linear sub-buckets, so every
// recorded value is kept with a fixed relative precision over a wide range at a fixed, small
// memory cost (about 2,700 counters for 1 µs .. 60 s).
//
// Layout: values below kSubBuckets (256) have one counter each. Above that, each power of two
// [2^e, 2^(e+1)) is split into kSubBuckets/2 = 128 sub-buckets of width 2^(e-7), so a reported
// value is within 1/128 (0.78%) of the recorded one — the layout and precision of HdrHistogram
// with 2 significant digits.
//
// Units are whatever the caller records (ringkv-bench records microseconds). Values above
// max_value are clamped to max_value and counted in Clamped(). Not thread-safe: keep one per
// thread and Merge() them at the end.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace ringkv {
namespace bench {

class Histogram {
 public:
  static constexpr int kSubBits = 8;
  static constexpr uint64_t kSubBuckets = 1ULL << kSubBits;  // 256
  static constexpr uint64_t kHalf = kSubBuckets / 2;         // 128

  // Values in [0, max_value] are tracked; max_value must be >= 1.
  explicit Histogram(uint64_t max_value = 60ULL * 1000 * 1000)
      : max_value_(std::max<uint64_t>(max_value, 1)), counts_(IndexOf(max_value_) + 1, 0) {}

  void Record(uint64_t value) { RecordN(value, 1); }

  void RecordN(uint64_t value, uint64_t n) {
    if (n == 0) return;
    if (value > max_value_) {
      value = max_value_;
      clamped_ += n;
    }
    counts_[IndexOf(value)] += n;
    total_ += n;
    sum_ += static_cast<double>(value) * n;
    sum_sq_ += static_cast<double>(value) * value * n;
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }

  // Adds every count of `other`; both must have been built with the same max_value.
  void Merge(const Histogram& other) {
    for (size_t i = 0; i < counts_.size() && i < other.counts_.size(); ++i) {
      counts_[i] += other.counts_[i];
    }
    total_ += other.total_;
    clamped_ += other.clamped_;
    sum_ += other.sum_;
    sum_sq_ += other.sum_sq_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }

  uint64_t Count() const { return total_; }
  uint64_t Clamped() const { return clamped_; }
  // Exact minimum and maximum recorded (after clamping); 0 when empty.
  uint64_t Min() const { return total_ ? min_ : 0; }
  uint64_t Max() const { return total_ ? max_ : 0; }
  double Mean() const { return total_ ? sum_ / total_ : 0; }
  double StdDev() const {
    if (total_ == 0) return 0;
    double mean = Mean();
    double var = sum_sq_ / total_ - mean * mean;
    return var > 0 ? std::sqrt(var) : 0;
  }

  // The value at percentile p (0..100): the highest value equivalent to the bucket holding the
  // ceil(p% * count)-th smallest recording, capped at the exact Max(), as HdrHistogram reports
  // it. p >= 100 gives Max(); an empty histogram gives 0.
  uint64_t ValueAtPercentile(double p) const {
    if (total_ == 0) return 0;
    if (p >= 100.0) return max_;
    if (p < 0) p = 0;
    uint64_t rank = static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(total_)));
    if (rank == 0) rank = 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(HighestEquivalent(i), max_);
    }
    return max_;
  }

  // Bucket arithmetic, public for tests.
  static size_t IndexOf(uint64_t v) {
    if (v < kSubBuckets) return static_cast<size_t>(v);
    int e = 63 - __builtin_clzll(v);      // v in [2^e, 2^(e+1)), e >= kSubBits
    int shift = e - (kSubBits - 1);       // sub-bucket width 2^shift
    uint64_t sub = (v >> shift) - kHalf;  // 0..127
    return static_cast<size_t>(kSubBuckets + static_cast<uint64_t>(e - kSubBits) * kHalf + sub);
  }
  static uint64_t LowestEquivalent(size_t index) {
    if (index < kSubBuckets) return index;
    uint64_t k = index - kSubBuckets;
    int e = static_cast<int>(k / kHalf) + kSubBits;
    uint64_t sub = k % kHalf;
    return (kHalf + sub) << (e - (kSubBits - 1));
  }
  static uint64_t HighestEquivalent(size_t index) {
    if (index < kSubBuckets) return index;
    uint64_t k = index - kSubBuckets;
    int e = static_cast<int>(k / kHalf) + kSubBits;
    return LowestEquivalent(index) + (1ULL << (e - (kSubBits - 1))) - 1;
  }

 private:
  uint64_t max_value_;
  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  uint64_t clamped_ = 0;
  double sum_ = 0;
  double sum_sq_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace bench
}  // namespace ringkv
