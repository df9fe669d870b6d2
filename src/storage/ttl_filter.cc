// The TTL compaction filter and the per-file expiry statistics.
//
// Both decode only the 8-byte expiry at the front of a stored value (key_codec.h). A value too
// short to hold a header is kept and not counted: the filter must never lose data it cannot
// read, and reads report such values as Corruption. Nothing here allocates on the per-entry
// path, and every entry point is noexcept in effect: the only allocations (Finish) are guarded.

#include "storage/ttl_filter.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <string>

#include <rocksdb/db.h>

#include "storage/collections.h"
#include "storage/key_codec.h"

namespace ringkv::storage {
namespace {

class TtlCompactionFilter : public rocksdb::CompactionFilter {
 public:
  // RocksDB turns a removed value into a deletion marker where older versions may exist below,
  // so an older, unexpired version of the key cannot reappear.
  bool Filter(int /*level*/, const rocksdb::Slice& /*key*/, const rocksdb::Slice& value,
              std::string* /*new_value*/, bool* /*value_changed*/) const override {
    uint64_t expire_at_ms;
    if (!DecodeExpireAt(std::string_view(value.data(), value.size()), &expire_at_ms)) {
      return false;
    }
    return IsExpired(expire_at_ms, NowMs());
  }
  const char* Name() const override { return "ringkv.TtlCompactionFilter"; }
};

class TtlPropertiesCollector : public rocksdb::TablePropertiesCollector {
 public:
  rocksdb::Status AddUserKey(const rocksdb::Slice& /*key*/, const rocksdb::Slice& value,
                             rocksdb::EntryType type, rocksdb::SequenceNumber /*seq*/,
                             uint64_t /*file_size*/) override {
    if (type != rocksdb::kEntryPut) return rocksdb::Status::OK();
    uint64_t expire_at_ms;
    if (!DecodeExpireAt(std::string_view(value.data(), value.size()), &expire_at_ms) ||
        expire_at_ms == 0) {
      return rocksdb::Status::OK();
    }
    ++expiring_;
    min_expire_ms_ = std::min(min_expire_ms_, expire_at_ms);
    max_expire_ms_ = std::max(max_expire_ms_, expire_at_ms);
    return rocksdb::Status::OK();
  }

  rocksdb::Status Finish(rocksdb::UserCollectedProperties* props) override {
    try {
      *props = GetReadableProperties();
    } catch (...) {  // bad_alloc: the file is written without our statistics
      return rocksdb::Status::MemoryLimit("ringkv ttl properties");
    }
    return rocksdb::Status::OK();
  }

  rocksdb::UserCollectedProperties GetReadableProperties() const override {
    rocksdb::UserCollectedProperties props;
    props[kPropExpiringEntries] = std::to_string(expiring_);
    props[kPropMinExpireMs] = std::to_string(expiring_ == 0 ? 0 : min_expire_ms_);
    props[kPropMaxExpireMs] = std::to_string(max_expire_ms_);
    return props;
  }

  const char* Name() const override { return "ringkv.TtlPropertiesCollector"; }

 private:
  // One collector serves one file being written, on one thread.
  uint64_t expiring_ = 0;
  uint64_t min_expire_ms_ = std::numeric_limits<uint64_t>::max();
  uint64_t max_expire_ms_ = 0;
};

// One filter serves one compaction job on one thread. Consecutive records mostly belong to one
// collection, so the verdict for the last metadata key read is cached.
class ElementCompactionFilter : public rocksdb::CompactionFilter {
 public:
  explicit ElementCompactionFilter(std::shared_ptr<ElementFilterTarget> target)
      : target_(std::move(target)) {}

  bool Filter(int /*level*/, const rocksdb::Slice& key, const rocksdb::Slice& /*value*/,
              std::string* /*new_value*/, bool* /*value_changed*/) const override {
    try {
      std::string_view ekey(key.data(), key.size());
      std::string_view qkey, sub;
      uint64_t version;
      if (!DecodeElementKey(ekey, &qkey, &version, &sub)) return false;  // unreadable: keep
      std::string meta_key(ekey.substr(0, kPrefixSize));
      meta_key.append(qkey.data(), qkey.size());
      if (meta_key != cached_key_ || !cache_valid_) {
        if (!Lookup(meta_key)) return false;  // no verdict: keep
        cached_key_ = std::move(meta_key);
        cache_valid_ = true;
      }
      bool dead = !cached_alive_ || cached_version_ != version;
      if (dead) target_->dropped.fetch_add(1, std::memory_order_relaxed);
      return dead;
    } catch (...) {  // bad_alloc: keep the record
      return false;
    }
  }
  const char* Name() const override { return "ringkv.ElementCompactionFilter"; }

 private:
  // Reads the metadata of meta_key into the cache; false when no verdict can be had.
  bool Lookup(const std::string& meta_key) const {
    rocksdb::DB* db = target_->db.load();
    rocksdb::ColumnFamilyHandle* cf = target_->meta_cf.load();
    if (db == nullptr || cf == nullptr) return false;
    rocksdb::ReadOptions ro;
    ro.fill_cache = false;
    rocksdb::PinnableSlice value;
    rocksdb::Status s = db->Get(ro, cf, meta_key, &value);
    cached_alive_ = false;
    if (s.IsNotFound()) return true;
    if (!s.ok()) return false;
    uint64_t expire_at_ms;
    storage::ValueType type;
    std::string_view payload;
    if (!DecodeValue(std::string_view(value.data(), value.size()), &expire_at_ms, &type, &payload)
             .ok()) {
      return false;
    }
    if (type == storage::ValueType::kString || IsExpired(expire_at_ms, NowMs())) return true;
    CollectionMeta meta;
    if (!DecodeMeta(type, payload, &meta).ok()) return false;
    cached_alive_ = true;
    cached_version_ = meta.version;
    return true;
  }

  std::shared_ptr<ElementFilterTarget> target_;
  mutable std::string cached_key_;
  mutable bool cache_valid_ = false;
  mutable bool cached_alive_ = false;
  mutable uint64_t cached_version_ = 0;
};

bool ReadU64Property(const rocksdb::UserCollectedProperties& props, const char* name,
                     uint64_t* out) {
  auto it = props.find(name);
  if (it == props.end() || it->second.empty()) return false;
  char* end = nullptr;
  unsigned long long v = strtoull(it->second.c_str(), &end, 10);
  if (end == nullptr || *end != '\0') return false;
  *out = v;
  return true;
}

}  // namespace

std::unique_ptr<rocksdb::CompactionFilter> TtlCompactionFilterFactory::CreateCompactionFilter(
    const rocksdb::CompactionFilter::Context& /*context*/) {
  return std::make_unique<TtlCompactionFilter>();
}

bool TtlCompactionFilterFactory::ShouldFilterTableFileCreation(
    rocksdb::TableFileCreationReason /*reason*/) const {
  return true;
}

std::unique_ptr<rocksdb::CompactionFilter> ElementCompactionFilterFactory::CreateCompactionFilter(
    const rocksdb::CompactionFilter::Context& /*context*/) {
  return std::make_unique<ElementCompactionFilter>(target_);
}

bool ElementCompactionFilterFactory::ShouldFilterTableFileCreation(
    rocksdb::TableFileCreationReason reason) const {
  // Not during recovery: the metadata may not be readable yet.
  return reason != rocksdb::TableFileCreationReason::kRecovery;
}

rocksdb::TablePropertiesCollector* TtlPropertiesCollectorFactory::CreateTablePropertiesCollector(
    rocksdb::TablePropertiesCollectorFactory::Context /*context*/) {
  return new TtlPropertiesCollector();
}

double EstimateExpiredFraction(const rocksdb::TableProperties& props, uint64_t now_ms) {
  uint64_t expiring = 0, min_ms = 0, max_ms = 0;
  const auto& user = props.user_collected_properties;
  if (props.num_entries == 0 || !ReadU64Property(user, kPropExpiringEntries, &expiring) ||
      !ReadU64Property(user, kPropMinExpireMs, &min_ms) ||
      !ReadU64Property(user, kPropMaxExpireMs, &max_ms) || expiring == 0 || now_ms < min_ms) {
    return 0.0;
  }
  double passed = 1.0;
  if (now_ms < max_ms) {
    passed = static_cast<double>(now_ms - min_ms) / static_cast<double>(max_ms - min_ms);
  }
  double fraction = static_cast<double>(expiring) / static_cast<double>(props.num_entries);
  return std::min(1.0, fraction * passed);
}

}  // namespace ringkv::storage
