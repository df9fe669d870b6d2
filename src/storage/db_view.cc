// DbView: see db_view.h. Whole-database walks go through base->Scan in steps of kWalkBatch
// examined entries, so they see exactly what SCAN would (expired keys skipped).

#include "storage/db_view.h"

#include "storage/key_codec.h"

namespace ringkv::storage {
namespace {
constexpr size_t kWalkBatch = 1024;
}  // namespace

std::string DbView::Qualify(std::string_view user_key) const { return QualifyKey(db_, user_key); }

Status DbView::Get(std::string_view key, Entry* out) { return base_->Get(Qualify(key), out); }

Status DbView::Exists(std::string_view key, Entry* meta_only) {
  return base_->Exists(Qualify(key), meta_only);
}

Status DbView::Put(std::string_view key, std::string_view payload, uint64_t expire_at_ms,
                   ValueType type) {
  return base_->Put(Qualify(key), payload, expire_at_ms, type);
}

Status DbView::Delete(std::string_view key) { return base_->Delete(Qualify(key)); }

Status DbView::Write(const WriteBatch& batch) {
  WriteBatch qualified;
  for (const WriteBatch::Op& op : batch.ops()) {
    if (op.element) {
      if (!op.range_end.empty()) {
        qualified.DeleteElementRange(op.key, op.range_end);
      } else if (op.is_delete) {
        qualified.DeleteElement(op.key);
      } else {
        qualified.PutElement(op.key, op.payload);
      }
    } else if (op.is_delete) {
      qualified.Delete(Qualify(op.key));
    } else {
      qualified.Put(Qualify(op.key), op.payload, op.expire_at_ms, op.type);
    }
  }
  return base_->Write(qualified);
}

Status DbView::Scan(uint64_t cursor, size_t count, std::vector<ScanItem>* out,
                    uint64_t* next_cursor, uint64_t end) {
  size_t first = out->size();
  Status s = base_->Scan(cursor, count, out, next_cursor, end);
  if (!s.ok()) return s;
  // Keep this database's keys, without their db byte, in place.
  size_t kept = first;
  for (size_t i = first; i < out->size(); ++i) {
    ScanItem& item = (*out)[i];
    if (item.key.empty() || static_cast<uint8_t>(item.key[0]) != db_) continue;
    item.key.erase(0, 1);
    if (kept != i) (*out)[kept] = std::move(item);
    ++kept;
  }
  out->resize(kept);
  return Status::OK();
}

Status DbView::CountKeys(uint64_t* keys, uint64_t* keys_with_expiry) {
  std::vector<DbKeyCount> per_db(static_cast<size_t>(db_) + 1);
  Status s = CountKeysPerDb(base_, &per_db);
  if (!s.ok()) return s;
  *keys = per_db[db_].keys;
  *keys_with_expiry = per_db[db_].expires;
  return Status::OK();
}

Status DbView::DeleteAll() {
  uint64_t cursor = 0;
  std::vector<ScanItem> items;
  do {
    items.clear();
    Status s = Scan(cursor, kWalkBatch, &items, &cursor);
    if (!s.ok()) return s;
    if (items.empty()) continue;
    WriteBatch batch;
    for (const ScanItem& item : items) batch.Delete(item.key);
    s = Write(batch);
    if (!s.ok()) return s;
  } while (cursor != 0);
  return Status::OK();
}

Status CountKeysPerDb(Storage* base, std::vector<DbKeyCount>* out) {
  for (DbKeyCount& c : *out) c = DbKeyCount();
  uint64_t cursor = 0;
  std::vector<ScanItem> items;
  do {
    items.clear();
    Status s = base->Scan(cursor, kWalkBatch, &items, &cursor);
    if (!s.ok()) return s;
    for (const ScanItem& item : items) {
      if (item.key.empty()) continue;
      size_t db = static_cast<uint8_t>(item.key[0]);
      if (db >= out->size()) continue;
      ++(*out)[db].keys;
      if (item.expire_at_ms != 0) ++(*out)[db].expires;
    }
  } while (cursor != 0);
  return Status::OK();
}

}  // namespace ringkv::storage
