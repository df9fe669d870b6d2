// MemoryStorage: a std::map from encoded key to encoded value under one mutex.
//
// It stores exactly the bytes RocksStorage would (key_codec.h), so the ordering, the SCAN walk
// (shared ScanWalk) and the expiry rules are the same code paths the RocksDB backend uses. Expired
// entries are not removed on read, as on disk they linger until compaction; DeleteAll clears.
// Element records live in a second map; an element iterator copies its range when it is made
// (tests only: simple beats fast here).

#include "storage/memory_storage.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "storage/key_codec.h"

namespace ringkv::storage {
namespace {

class MemoryStorage final : public Storage {
 public:
  Status Get(std::string_view key, Entry* out) override {
    std::string stored = EncodeKey(key);
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map_.find(stored);
    if (it == map_.end()) return Status::NotFound();
    std::string_view payload;
    Status s = DecodeValue(it->second, &out->expire_at_ms, &out->type, &payload);
    if (!s.ok()) return s;
    if (IsExpired(out->expire_at_ms, NowMs())) return Status::NotFound();
    out->payload.assign(payload.data(), payload.size());
    return Status::OK();
  }

  Status Exists(std::string_view key, Entry* meta_only) override {
    std::string stored = EncodeKey(key);
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map_.find(stored);
    if (it == map_.end()) return Status::NotFound();
    Status s = DecodeValue(it->second, &meta_only->expire_at_ms, &meta_only->type, nullptr);
    if (!s.ok()) return s;
    if (IsExpired(meta_only->expire_at_ms, NowMs())) return Status::NotFound();
    return Status::OK();
  }

  Status Put(std::string_view key, std::string_view payload, uint64_t expire_at_ms,
             ValueType type) override {
    std::string stored = EncodeKey(key);
    std::string value = EncodeValue(expire_at_ms, type, payload);
    std::lock_guard<std::mutex> lock(mu_);
    map_[std::move(stored)] = std::move(value);
    return Status::OK();
  }

  Status Delete(std::string_view key) override {
    std::string stored = EncodeKey(key);
    std::lock_guard<std::mutex> lock(mu_);
    map_.erase(stored);
    return Status::OK();
  }

  Status Write(const WriteBatch& batch) override {
    // Encode outside the lock; apply in order under it so the batch is atomic.
    std::vector<std::pair<std::string, std::string>> encoded;
    encoded.reserve(batch.ops().size());
    for (const WriteBatch::Op& op : batch.ops()) {
      if (op.element) {
        encoded.emplace_back(op.key, op.is_delete ? op.range_end : op.payload);
        continue;
      }
      encoded.emplace_back(
          EncodeKey(op.key),
          op.is_delete ? std::string() : EncodeValue(op.expire_at_ms, op.type, op.payload));
    }
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < encoded.size(); ++i) {
      const WriteBatch::Op& op = batch.ops()[i];
      Map& m = op.element ? elements_ : map_;
      if (!op.range_end.empty()) {
        m.erase(m.lower_bound(encoded[i].first), m.lower_bound(encoded[i].second));
      } else if (op.is_delete) {
        m.erase(encoded[i].first);
      } else {
        m[std::move(encoded[i].first)] = std::move(encoded[i].second);
      }
    }
    return Status::OK();
  }

  Status GetElement(std::string_view element_key, std::string* value) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = elements_.find(std::string(element_key));
    if (it == elements_.end()) return Status::NotFound();
    *value = it->second;
    return Status::OK();
  }

  std::unique_ptr<ElementIterator> NewElementIterator(std::string_view lower,
                                                      std::string_view upper,
                                                      bool reverse) override {
    std::vector<std::pair<std::string, std::string>> items;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = elements_.lower_bound(std::string(lower));
      auto stop = upper.empty() ? elements_.end() : elements_.lower_bound(std::string(upper));
      for (; it != stop; ++it) items.emplace_back(it->first, it->second);
    }
    if (reverse) std::reverse(items.begin(), items.end());
    return std::make_unique<VectorIterator>(std::move(items));
  }

  Status Scan(uint64_t cursor, size_t count, std::vector<ScanItem>* out, uint64_t* next_cursor,
              uint64_t end) override {
    if (end != 0 && end <= cursor) {  // empty range
      *next_cursor = 0;
      return Status::OK();
    }
    std::lock_guard<std::mutex> lock(mu_);
    MapCursor it(map_.lower_bound(EncodePrefix(cursor)),
                 end == 0 ? map_.end() : map_.lower_bound(EncodePrefix(end)));
    return ScanWalk(it, count, NowMs(), out, next_cursor);
  }

  Status CountKeys(uint64_t* keys, uint64_t* keys_with_expiry) override {
    uint64_t now = NowMs();
    uint64_t live = 0, with_expiry = 0;
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [k, v] : map_) {
      uint64_t expire_at_ms;
      ValueType type;
      Status s = DecodeValue(v, &expire_at_ms, &type, nullptr);
      if (!s.ok()) return s;
      if (IsExpired(expire_at_ms, now)) continue;
      ++live;
      if (expire_at_ms != 0) ++with_expiry;
    }
    *keys = live;
    *keys_with_expiry = with_expiry;
    return Status::OK();
  }

  Status DeleteAll() override {
    std::lock_guard<std::mutex> lock(mu_);
    map_.clear();
    elements_.clear();
    return Status::OK();
  }

  Status Flush() override { return Status::OK(); }
  void SetSyncMode(SyncMode) override {}

  StorageStats Stats() override {
    StorageStats stats;
    std::lock_guard<std::mutex> lock(mu_);
    stats.estimated_keys = map_.size();
    for (const auto& [k, v] : map_) stats.memtable_bytes += k.size() + v.size();
    for (const auto& [k, v] : elements_) stats.memtable_bytes += k.size() + v.size();
    stats.engine_info = "memory";
    return stats;
  }

 private:
  using Map = std::map<std::string, std::string>;

  // ScanWalk's cursor over [it, stop) of the map.
  class MapCursor {
   public:
    MapCursor(Map::const_iterator it, Map::const_iterator stop) : it_(it), stop_(stop) {}
    bool Valid() const { return it_ != stop_; }
    std::string_view key() const { return it_->first; }
    std::string_view value() const { return it_->second; }
    void Next() { ++it_; }
    Status status() const { return Status::OK(); }

   private:
    Map::const_iterator it_;
    Map::const_iterator stop_;
  };

  class VectorIterator final : public ElementIterator {
   public:
    explicit VectorIterator(std::vector<std::pair<std::string, std::string>> items)
        : items_(std::move(items)) {}
    bool Valid() const override { return pos_ < items_.size(); }
    void Next() override { ++pos_; }
    std::string_view key() const override { return items_[pos_].first; }
    std::string_view value() const override { return items_[pos_].second; }
    Status status() const override { return Status::OK(); }

   private:
    std::vector<std::pair<std::string, std::string>> items_;
    size_t pos_ = 0;
  };

  std::mutex mu_;
  Map map_;       // encoded key -> encoded value; guarded by mu_
  Map elements_;  // element key -> element value; guarded by mu_
};

}  // namespace

std::unique_ptr<Storage> NewMemoryStorage() { return std::make_unique<MemoryStorage>(); }

}  // namespace ringkv::storage
