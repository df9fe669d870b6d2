#pragma once
// The whole storage API. Only rocks_storage.* and ttl_filter.* include RocksDB; only src/storage/
// knows the encodings.
//
// Keys. Every key handed to a Storage is a *qualified key*: one byte naming the database (SELECT's
// index, 0..255) followed by the user key's bytes (db_view.h qualifies the keys of a command).
// The stored key is the 8-byte big-endian cluster::KeyHash(user key) followed by the qualified
// key, so one ring range is one contiguous key range holding every database's keys of that range
// (DESIGN invariant 10) and a SCAN cursor is a ring position. A qualified key is never empty.
//
// Values. A stored value is [expire_at_ms:u64 LE][type:u8][payload]; expire_at_ms 0 means no
// expiry. Reads treat a value with 0 < expire_at_ms < NowMs() as absent: as in Redis
// (keyIsExpired: now > when), a key lives through its expiry millisecond. A string's payload is
// its bytes; a collection's payload is its metadata (collections.h: version, size, list bounds).
//
// Elements (issue 10). The fields, members and items of collections are *element records* in a
// second ordered keyspace: raw bytes in, raw bytes out, bytewise order, written only through
// Write() in the same batch as their key's metadata. collections.h builds their keys: the ring
// hash first (the same range as their key), then the qualified key, the collection's version and
// the element. A collection that is deleted, overwritten or expired simply gets no metadata (or
// a new version): its old elements are unreachable at once (O(1) DEL) and the elements
// compaction filter drops them from the disk later. Every write that changes a collection's
// elements also puts its metadata record in the same batch (WATCH observes metadata writes).
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

// Stored type codes: persisted, never renumber.
enum class ValueType : uint8_t { kString = 0, kHash = 1, kList = 2, kSet = 3, kZset = 4 };

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
    std::string key;  // a qualified key, or an element key when `element`
    ValueType type;
    uint64_t expire_at_ms;
    std::string payload;  // an element's raw value when `element`
    bool element = false;
    // A delete of every element record in [key, range_end) when not empty (DeleteElementRange).
    std::string range_end;
  };
  void Put(std::string_view key, std::string_view payload, uint64_t expire_at_ms,
           ValueType type = ValueType::kString) {
    ops_.push_back({false, std::string(key), type, expire_at_ms, std::string(payload)});
  }
  void Delete(std::string_view key) {
    ops_.push_back({true, std::string(key), ValueType::kString, 0, {}});
  }
  // Element records (collections.h builds `element_key`).
  void PutElement(std::string_view element_key, std::string_view value) {
    ops_.push_back(
        {false, std::string(element_key), ValueType::kString, 0, std::string(value), true});
  }
  void DeleteElement(std::string_view element_key) {
    ops_.push_back({true, std::string(element_key), ValueType::kString, 0, {}, true});
  }
  // Deletes the element records in [begin, end) at once (one range tombstone), and asks the
  // store to reclaim their space soon. Only for the records of an incarnation that no metadata
  // refers to any more (a deleted or expired collection's version): readers never look there,
  // so stores may apply it lazily, and it never races with a newer incarnation.
  void DeleteElementRange(std::string_view begin, std::string_view end) {
    ops_.push_back(
        {true, std::string(begin), ValueType::kString, 0, {}, true, std::string(end)});
  }
  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }
  void Clear() { ops_.clear(); }

 private:
  std::vector<Op> ops_;
};

// A one-direction walk over element records within [lower, upper): ascending from lower, or
// descending from just below upper. key() and value() stay valid until the next Next().
// Belongs to one thread; must not outlive the Storage that made it.
class ElementIterator {
 public:
  virtual ~ElementIterator() = default;
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  // OK, or the error that ended the walk early (then Valid() is false).
  virtual Status status() const = 0;
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
  uint64_t reaped_collections = 0;   // expired big collections whose records were tombstoned
  uint64_t element_range_compactions = 0;  // element ranges compacted after a DEL or expiry
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

  // ---- element records (see the note at the top) ----
  // NotFound if absent. Elements carry no expiry of their own: callers check their key's
  // metadata first.
  virtual Status GetElement(std::string_view element_key, std::string* value) = 0;
  // Element records in [lower, upper), ascending, or descending when `reverse`. Never null.
  virtual std::unique_ptr<ElementIterator> NewElementIterator(std::string_view lower,
                                                              std::string_view upper,
                                                              bool reverse = false) = 0;

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
  // Removes every key of every database, with their elements.
  virtual Status DeleteAll() = 0;
  // Persists memtables to SST files (SAVE / BGSAVE / shutdown).
  virtual Status Flush() = 0;

  virtual void SetSyncMode(SyncMode mode) = 0;
  virtual StorageStats Stats() = 0;
};

}  // namespace ringkv::storage
