#pragma once
// Which stored database (the db byte of stored keys, storage.h) each SELECT index names.
//
// SWAPDB in Redis is O(1): it swaps two database pointers. Here a database is a byte inside
// every stored key, so SWAPDB swaps two entries of this map instead of rewriting keys: every
// command resolves its client's index through Physical() when it builds its storage view. The
// map is saved in the data directory (DBMAP, written to a temporary file, synced, renamed) before
// SWAPDB replies, and read at startup; a directory without DBMAP is the identity map.
//
// Thread-safety: Physical() is a relaxed atomic load, callable from any thread. Swap() is called
// with every key stripe held (SWAPDB locks everything), so no command runs between its two
// stores; commands that take no lock (GET) see either map.

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "status.h"

namespace ringkv {

class DatabaseMap {
 public:
  static constexpr int kMaxDatabases = 256;

  DatabaseMap();
  uint8_t Physical(int logical) const {
    return map_[static_cast<size_t>(logical) & 0xff].load(std::memory_order_relaxed);
  }
  // Reads `path` (the DBMAP file) if it exists; remembers the path for Save. An unreadable or
  // malformed file is an error naming it (never silently the identity: data would be misread).
  Status Load(const std::string& path);
  // Swaps two logical databases and saves the map (when a path was loaded).
  Status Swap(int a, int b);

 private:
  Status Save() const;

  std::array<std::atomic<uint8_t>, kMaxDatabases> map_;
  std::string path_;  // empty: not persisted (tests)
};

}  // namespace ringkv
