#pragma once
// DbView: one database (SELECT's index) of a Storage, as a Storage over user keys.
//
// Handlers name user keys; the stores below name qualified keys (storage.h: the db byte, then
// the user key). A DbView qualifies every key on the way down and strips the db byte from what
// SCAN returns, keeping only its own database's keys. Element records already carry their
// qualified key (collections.h), so element calls pass through unchanged; build their keys from
// Qualify(key).
//
// Whole-database calls walk the ring: CountKeys and DeleteAll (FLUSHDB) are O(keys of every
// database); DeleteAll deletes in batches, so it is atomic only per batch (a FLUSHDB inside a
// transaction goes to the transaction's overlay and commits as one batch). FLUSHALL is
// base()->DeleteAll().
//
// Thread-safety: a DbView is a small value owned by one command (CommandContext); the base is
// shared and thread-safe.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "storage/storage.h"

namespace ringkv::storage {

class DbView : public Storage {
 public:
  DbView() = default;
  DbView(Storage* base, uint8_t db) : base_(base), db_(db) {}
  void Reset(Storage* base, uint8_t db) {
    base_ = base;
    db_ = db;
  }

  Storage* base() const { return base_; }
  uint8_t db() const { return db_; }
  // The qualified key of `user_key` in this database.
  std::string Qualify(std::string_view user_key) const;

  Status Get(std::string_view key, Entry* out) override;
  Status Exists(std::string_view key, Entry* meta_only) override;
  Status Put(std::string_view key, std::string_view payload, uint64_t expire_at_ms,
             ValueType type = ValueType::kString) override;
  Status Delete(std::string_view key) override;
  // Qualifies the keys of the batch's key ops; element ops pass as they are.
  Status Write(const WriteBatch& batch) override;
  Status GetElement(std::string_view element_key, std::string* value) override {
    return base_->GetElement(element_key, value);
  }
  std::unique_ptr<ElementIterator> NewElementIterator(std::string_view lower,
                                                      std::string_view upper,
                                                      bool reverse) override {
    return base_->NewElementIterator(lower, upper, reverse);
  }
  Status Scan(uint64_t cursor, size_t count, std::vector<ScanItem>* out, uint64_t* next_cursor,
              uint64_t end = 0) override;
  Status CountKeys(uint64_t* keys, uint64_t* keys_with_expiry) override;
  // FLUSHDB: deletes this database's keys (see the note at the top).
  Status DeleteAll() override;
  Status Flush() override { return base_->Flush(); }
  void SetSyncMode(SyncMode mode) override { base_->SetSyncMode(mode); }
  StorageStats Stats() override { return base_->Stats(); }

 private:
  Storage* base_ = nullptr;
  uint8_t db_ = 0;
};

struct DbKeyCount {
  uint64_t keys = 0;
  uint64_t expires = 0;
};

// Live keys per database of `base` (a store of qualified keys), in one walk; (*out)[db] for
// every db < out->size() (resize it to the number of databases first).
Status CountKeysPerDb(Storage* base, std::vector<DbKeyCount>* out);

}  // namespace ringkv::storage
