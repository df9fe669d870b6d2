#pragma once
// The whole storage API. Only rocks_storage.* and ttl_filter.* include RocksDB.
//
// Keys are ordered by ring position: the stored key is the 8-byte big-endian
// cluster::KeyHash(key) followed by the key's bytes, so one ring range is one contiguous key range
// and a SCAN cursor is a ring position. A stored value is [expire_at_ms:u64 LE][type:u8][payload];
// expire_at_ms 0 means no expiry. Reads treat a value with 0 < expire_at_ms < NowMs() as absent:
// as in Redis (keyIsExpired: now > when), a key lives through its expiry millisecond.
//
// Thread-safety: every method may be called from any thread concurrently. Single calls are atomic;
// read-modify-write sequences need the caller's key locks (src/key_locks.h).
// Out-params are left unspecified when a call returns an error or NotFound.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "status.h"

namespace ringkv::storage {

enum class ValueType : uint8_t { kString = 0 };

struct Entry {
  ValueType type = ValueType::kString;
  uint64_t expire_at_ms = 0;  // absolute unix time in ms; 0 = persistent
  std::string payload;
};

// A set of writes applied atomically (one WAL record) by Storage::Write.
class WriteBatch {
 public:
  struct Op {
    bool is_delete;
    std::string key;
    ValueType type;
    uint64_t expire_at_ms;
    std::string payload;
  };
  void Put(std::string_view key, std::string_view payload, uint64_t expire_at_ms,
           ValueType type = ValueType::kString) {
    ops_.push_back({false, std::string(key), type, expire_at_ms, std::string(payload)});
  }
  void Delete(std::string_view key) {
    ops_.push_back({true, std::string(key), ValueType::kString, 0, {}});
  }
  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }
  void Clear() { ops_.clear(); }

 private:
  std::vector<Op> ops_;
};

struct ScanItem {
  std::string key;
  ValueType type;
  uint64_t expire_at_ms;
};

enum class SyncMode { kAlways, kEverySec, kNo };  // appendfsync

struct StorageStats {
  uint64_t disk_bytes = 0;      // live SST + WAL bytes on disk
  uint64_t estimated_keys = 0;  // RocksDB's estimate, includes expired not yet compacted
  uint64_t memtable_bytes = 0;
  uint64_t block_cache_bytes = 0;
  uint64_t expired_compactions = 0;  // compactions started by the dead-data trigger
  std::string engine_info;           // free text for INFO (version, etc.)
};

// Milliseconds since the unix epoch. Tests may install their own clock (see SetClockForTest).
uint64_t NowMs();
// Replaces the clock used by NowMs() (nullptr restores the real one). Test use only.
void SetClockForTest(uint64_t (*clock)());

class Storage {
 public:
  virtual ~Storage() = default;

  // NotFound if the key is absent or expired.
  virtual Status Get(std::string_view key, Entry* out) = 0;
  // Existence without copying the payload; NotFound as Get.
  virtual Status Exists(std::string_view key, Entry* meta_only) = 0;
  virtual Status Put(std::string_view key, std::string_view payload, uint64_t expire_at_ms,
                     ValueType type = ValueType::kString) = 0;
  // OK whether or not the key existed.
  virtual Status Delete(std::string_view key) = 0;
  virtual Status Write(const WriteBatch& batch) = 0;

  // Visits live keys in ring order starting at ring position `cursor`, until at least `count`
  // stored entries have been examined (expired ones count, so a call is bounded), always finishing
  // the group of keys that share the last ring position (so {tag} groups never split and a cursor
  // always moves forward). Appends live keys to *out. *next_cursor = the ring position to continue
  // at, or 0 when the end of the keyspace was reached. `end` (exclusive, 0 = none) stops the walk
  // at that ring position: a cluster node scans only its own ranges. 0 is never a continuation
  // cursor (entries at position 0 sort first and are finished by the first call), so a returned
  // 0 always means "done".
  virtual Status Scan(uint64_t cursor, size_t count, std::vector<ScanItem>* out,
                      uint64_t* next_cursor, uint64_t end = 0) = 0;
  // Number of live keys (walks the keyspace: O(N)).
  virtual Status CountKeys(uint64_t* keys, uint64_t* keys_with_expiry) = 0;
  // Removes every key.
  virtual Status DeleteAll() = 0;
  // Persists memtables to SST files (SAVE / BGSAVE / shutdown).
  virtual Status Flush() = 0;

  virtual void SetSyncMode(SyncMode mode) = 0;
  virtual StorageStats Stats() = 0;
};

}  // namespace ringkv::storage
