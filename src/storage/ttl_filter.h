#pragma once
// RocksDB plug-ins that get expired values off the disk.
//
// - TtlCompactionFilterFactory: its filters drop every value with 0 < expire_at_ms < NowMs(),
//   at flush as well as at compaction. Dropping only reclaims space: reads check expiry
//   themselves, since filters run late and ignore snapshots.
// - TtlPropertiesCollectorFactory: records, for each SST file, how many entries carry an expiry
//   and their earliest and latest expire_at_ms as user-collected table properties, so the
//   dead-data trigger in rocks_storage.cc can tell which files are mostly expired without
//   reading them.
// - ElementCompactionFilterFactory (issue 10): on the elements column family, its filters drop
//   the element records of collections that are gone: no metadata, a string in their place, an
//   expired key, or another version (collections.h). They read the metadata from the database.
// All are thread-safe (RocksDB calls them from its background threads) and never throw.

#include <rocksdb/compaction_filter.h>
#include <rocksdb/table_properties.h>

#include <atomic>
#include <cstdint>
#include <memory>

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace ringkv::storage {

// User-collected property names (values are decimal strings, readable with sst_dump).
inline constexpr char kPropExpiringEntries[] = "ringkv.ttl.expiring-entries";
inline constexpr char kPropMinExpireMs[] = "ringkv.ttl.min-expire-ms";
inline constexpr char kPropMaxExpireMs[] = "ringkv.ttl.max-expire-ms";

class TtlCompactionFilterFactory : public rocksdb::CompactionFilterFactory {
 public:
  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context& context) override;
  // True for every reason (flush, compaction, recovery): expired data never needs to be written.
  bool ShouldFilterTableFileCreation(rocksdb::TableFileCreationReason reason) const override;
  const char* Name() const override { return "ringkv.TtlCompactionFilterFactory"; }
};

class TtlPropertiesCollectorFactory : public rocksdb::TablePropertiesCollectorFactory {
 public:
  rocksdb::TablePropertiesCollector* CreateTablePropertiesCollector(
      rocksdb::TablePropertiesCollectorFactory::Context context) override;
  const char* Name() const override { return "ringkv.TtlPropertiesCollectorFactory"; }
};

// Where element filters read metadata. Set after DB::Open (until then, and after Detach, the
// filters keep every record). Shared by the factory and the storage.
struct ElementFilterTarget {
  std::atomic<rocksdb::DB*> db{nullptr};
  std::atomic<rocksdb::ColumnFamilyHandle*> meta_cf{nullptr};
  std::atomic<uint64_t> dropped{0};  // element records dropped so far
};

class ElementCompactionFilterFactory : public rocksdb::CompactionFilterFactory {
 public:
  explicit ElementCompactionFilterFactory(std::shared_ptr<ElementFilterTarget> target)
      : target_(std::move(target)) {}
  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context& context) override;
  bool ShouldFilterTableFileCreation(rocksdb::TableFileCreationReason reason) const override;
  const char* Name() const override { return "ringkv.ElementCompactionFilterFactory"; }

 private:
  std::shared_ptr<ElementFilterTarget> target_;
};

// The estimated fraction (0..1) of a file's entries whose value has expired at `now_ms`, from
// the properties above: entries-with-expiry / entries, scaled by how far `now_ms` lies between
// the file's earliest and latest expiry (expiries assumed evenly spread). 0 for files written
// without the collector.
double EstimateExpiredFraction(const rocksdb::TableProperties& props, uint64_t now_ms);

}  // namespace ringkv::storage
