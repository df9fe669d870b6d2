#pragma once
// Striped per-key locks that make read-modify-write commands atomic across worker threads
// (DESIGN invariant 6). A key maps to a stripe by its ring hash, so keys sharing a {tag} share a
// stripe. Every write to a key takes its stripe, plain SET included: otherwise a SET landing
// between an INCR's read and write would be lost. Thread-safe.

#include <algorithm>
#include <array>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <vector>

#include "cluster/key_hash.h"

namespace ringkv {

class KeyLocks {
 public:
  static constexpr size_t kStripes = 1024;

  // Holds one or more stripes; releases them on destruction. Movable, not copyable.
  class Guard {
   public:
    Guard() = default;
    Guard(Guard&& o) noexcept : locks_(o.locks_), stripes_(std::move(o.stripes_)) {
      o.locks_ = nullptr;
    }
    Guard& operator=(Guard&&) = delete;
    Guard(const Guard&) = delete;
    ~Guard() {
      if (locks_ == nullptr) return;
      for (auto it = stripes_.rbegin(); it != stripes_.rend(); ++it) locks_->mu_[*it].unlock();
    }

   private:
    friend class KeyLocks;
    KeyLocks* locks_ = nullptr;
    std::vector<uint16_t> stripes_;
  };

  static size_t StripeOf(std::string_view key) { return cluster::KeyHash(key) % kStripes; }

  Guard Lock(std::string_view key) {
    Guard g;
    g.locks_ = this;
    g.stripes_.push_back(static_cast<uint16_t>(StripeOf(key)));
    mu_[g.stripes_[0]].lock();
    return g;
  }

  // Locks the stripes of all keys, in stripe order (so two multi-key commands cannot deadlock).
  template <typename Keys>
  Guard LockAll(const Keys& keys) {
    Guard g;
    g.locks_ = this;
    for (std::string_view k : keys) g.stripes_.push_back(static_cast<uint16_t>(StripeOf(k)));
    std::sort(g.stripes_.begin(), g.stripes_.end());
    g.stripes_.erase(std::unique(g.stripes_.begin(), g.stripes_.end()), g.stripes_.end());
    for (uint16_t s : g.stripes_) mu_[s].lock();
    return g;
  }

 private:
  std::array<std::mutex, kStripes> mu_;
};

}  // namespace ringkv
