// NowMs: the one clock every expiry check reads (reads, SCAN, the compaction filter, the
// dead-data trigger). A test may swap it for a fake one; the pointer is atomic because the
// compaction filter calls NowMs() from RocksDB's background threads.

#include <atomic>
#include <chrono>

#include "storage/storage.h"

namespace ringkv::storage {
namespace {

std::atomic<uint64_t (*)()> g_test_clock{nullptr};

}  // namespace

uint64_t NowMs() {
  uint64_t (*clock)() = g_test_clock.load(std::memory_order_acquire);
  if (clock != nullptr) return clock();
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

void SetClockForTest(uint64_t (*clock)()) { g_test_clock.store(clock, std::memory_order_release); }

}  // namespace ringkv::storage
