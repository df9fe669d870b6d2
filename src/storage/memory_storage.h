#pragma once
// An in-memory Storage for unit and in-process command tests.
//
// Same stored encoding and key order as RocksStorage (key_codec.h), so SCAN cursors, {tag}
// grouping and expiry behave identically; nothing is persisted. Flush and SetSyncMode are no-ops.
// Thread-safe: one mutex guards the map.

#include <memory>

#include "storage/storage.h"

namespace ringkv::storage {

// A new, empty in-memory store. Never fails.
std::unique_ptr<Storage> NewMemoryStorage();

}  // namespace ringkv::storage
