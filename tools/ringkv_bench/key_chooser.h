#pragma once
// Key choice for ringkv-bench: a fast per-thread random source and the uniform and zipfian
// distributions over [0, n). Header-only so tests can pin the distributions.
//
// The zipfian generator is the one YCSB uses (Gray et al., "Quickly Generating Billion-Record
// Synthetic Databases", SIGMOD 1994): rank 0 is the most popular item and item i has weight
// 1/(i+1)^theta. Its constant zeta(n, theta) costs O(n) to compute, so it is built once
// (ZipfTable) and shared read-only by every thread; each Next() is O(1).

#include <cmath>
#include <cstdint>

namespace ringkv {
namespace bench {

// xoshiro256** seeded through splitmix64. Not thread-safe: one per thread.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& s : s_) {
      seed += 0x9E3779B97F4A7C15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      s = z ^ (z >> 31);
    }
  }
  uint64_t Next() {
    uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n) (Lemire's multiply-shift; the bias is below 2^-32 for n < 2^32).
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  // Uniform in [0, 1).
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// The precomputed constants of a zipfian distribution over [0, n) with exponent theta in (0, 1).
class ZipfTable {
 public:
  ZipfTable(uint64_t n, double theta) : n_(n ? n : 1), theta_(theta) {
    zeta2_ = 1.0 + std::pow(0.5, theta_);
    double zetan = 0;
    for (uint64_t i = 1; i <= n_; ++i) zetan += 1.0 / std::pow(static_cast<double>(i), theta_);
    zetan_ = zetan;
    alpha_ = 1.0 / (1.0 - theta_);
    eta_ = (1.0 - std::pow(2.0 / static_cast<double>(n_), 1.0 - theta_)) / (1.0 - zeta2_ / zetan_);
  }

  // A rank in [0, n); 0 is the most frequent.
  uint64_t Next(Rng& rng) const {
    double u = rng.Unit();
    double uz = u * zetan_;
    if (uz < 1.0) return 0;
    if (uz < zeta2_ || n_ < 2) return n_ < 2 ? 0 : 1;
    auto r =
        static_cast<uint64_t>(static_cast<double>(n_) * std::pow(eta_ * u - eta_ + 1.0, alpha_));
    return r < n_ ? r : n_ - 1;
  }

  uint64_t n() const { return n_; }

 private:
  uint64_t n_;
  double theta_;
  double zeta2_;
  double zetan_;
  double alpha_;
  double eta_;
};

}  // namespace bench
}  // namespace ringkv
