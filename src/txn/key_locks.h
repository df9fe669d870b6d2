#pragma once
// Striped per-key locks that make read-modify-write commands atomic across worker threads
// (DESIGN invariant 6). A key maps to a stripe by its ring hash, so keys sharing a {tag} share a
// stripe. Every write to a key takes its stripe, plain SET included: otherwise a SET landing
// between an INCR's read and write would be lost. Thread-safe.
//
// Reentrancy (transactions, issue 6): the stripes are recursive mutexes, so a thread that already
// holds a stripe may lock it again. EXEC locks the stripes of every key of every queued command
// up front (LockAll, or LockEverything for whole-keyspace commands), then runs the commands' own
// handlers, whose Lock/LockAll calls find their stripes already held by the same thread. Those
// nested locks only ever take stripes that the outer lock holds, so the stripe order that keeps
// multi-key locking deadlock-free is never broken.

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

  // Holds one or more stripes; releases them on destruction. Movable, not copyable. A single
  // stripe (the common case: one key) is held without any allocation.
  class Guard {
   public:
    Guard() = default;
    Guard(Guard&& o) noexcept : locks_(o.locks_), single_(o.single_), many_(std::move(o.many_)) {
      o.locks_ = nullptr;
    }
    Guard& operator=(Guard&&) = delete;
    Guard(const Guard&) = delete;
    ~Guard() {
      if (locks_ == nullptr) return;
      if (many_.empty()) {
        locks_->mu_[single_].unlock();
        return;
      }
      for (auto it = many_.rbegin(); it != many_.rend(); ++it) locks_->mu_[*it].unlock();
    }

   private:
    friend class KeyLocks;
    KeyLocks* locks_ = nullptr;
    uint16_t single_ = 0;
    std::vector<uint16_t> many_;  // sorted, unique; empty when only single_ is held
  };

  static size_t StripeOf(std::string_view key) { return cluster::KeyHash(key) % kStripes; }

  // The distinct stripes of keys, in stripe order.
  template <typename Keys>
  static std::vector<uint16_t> StripesOf(const Keys& keys) {
    std::vector<uint16_t> stripes;
    for (std::string_view k : keys) stripes.push_back(static_cast<uint16_t>(StripeOf(k)));
    std::sort(stripes.begin(), stripes.end());
    stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
    return stripes;
  }

  // One stripe without a guard, for a holder that keeps stripes past a command (GroupCommit,
  // group_commit.h). Each successful lock needs one UnlockStripe.
  bool TryLockStripe(size_t s) { return mu_[s].try_lock(); }
  void LockStripe(size_t s) { mu_[s].lock(); }
  void UnlockStripe(size_t s) { mu_[s].unlock(); }

  Guard Lock(std::string_view key) {
    Guard g;
    g.locks_ = this;
    g.single_ = static_cast<uint16_t>(StripeOf(key));
    mu_[g.single_].lock();
    return g;
  }

  // Locks every stripe, in order: FLUSHDB/FLUSHALL, and transactions that hold a whole-keyspace
  // command. No locked command (every write) runs while this is held.
  Guard LockEverything() {
    Guard g;
    g.locks_ = this;
    g.many_.resize(kStripes);
    for (size_t s = 0; s < kStripes; ++s) {
      g.many_[s] = static_cast<uint16_t>(s);
      mu_[s].lock();
    }
    return g;
  }

  // Locks the stripes of all keys, in stripe order (so two multi-key commands cannot deadlock).
  template <typename Keys>
  Guard LockAll(const Keys& keys) {
    Guard g;
    g.locks_ = this;
    std::vector<uint16_t> stripes = StripesOf(keys);
    if (stripes.empty()) {  // no keys: hold nothing (the guard must not unlock stripe 0)
      g.locks_ = nullptr;
      return g;
    }
    if (stripes.size() == 1) {
      g.single_ = stripes[0];
      mu_[g.single_].lock();
      return g;
    }
    for (uint16_t s : stripes) mu_[s].lock();
    g.many_ = std::move(stripes);
    return g;
  }

 private:
  std::array<std::recursive_mutex, kStripes> mu_;
};

}  // namespace ringkv
