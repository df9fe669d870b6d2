// RocksStorage: Storage on two RocksDB column families: "default" holds the keys (strings and
// collection metadata), "elements" the element records of collections (storage.h). One
// rocksdb::WriteBatch spans both, so a collection's metadata and elements change atomically (the
// WAL is shared). The elements family has its own compaction filter (ttl_filter.h), which drops
// the records of collections that are gone.
//
// Data format: the directory holds a FORMAT file naming the layout version (kFormatVersion). A
// directory without one that already holds a database was written before issue 10 (stored keys
// without the database byte): Open upgrades it in place (UpgradeFromV1) before serving. A newer
// format is refused with a message naming both versions.
//
// Layout and reads: keys and values use key_codec.h, so a ring range is a contiguous key range
// and SCAN is an iterator walk (the shared ScanWalk) from a seek to the cursor's 8-byte prefix,
// bounded by iterate_upper_bound at `end`. Point lookups are the hot path: a bloom filter per
// SST, a hash index inside data blocks, an LRU block cache, PinnableSlice reads.
//
// Background threads (both owned here, both stopped by the destructor under bg_mu_/bg_cv_):
// - sync thread: in kEverySec mode, SyncWAL() once a second when an unsynced write happened.
//   It never compacts, so a long compaction cannot delay the once-a-second sync.
// - maintenance thread: every ttl_check_seconds runs the dead-data trigger (see rocks_storage.h)
//   and, when DeleteAll asks for it, compacts the whole keyspace. Its compactions are manual
//   ones, so DisableManualCompaction() in the destructor aborts them promptly.
//
// RocksDB reports failures through rocksdb::Status (it does not throw); FromRocks maps them to
// our Status. The background threads catch everything, since an exception there would end the
// process.

#include "storage/rocks_storage.h"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/statistics.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/table_properties_collectors.h>
#include <rocksdb/version.h>
#include <rocksdb/write_batch.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <limits>
#include <map>
#include <mutex>
#include <queue>
#include <unordered_map>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "cluster/key_hash.h"
#include "storage/collections.h"
#include "storage/key_codec.h"
#include "storage/ttl_filter.h"

namespace ringkv::storage {
namespace {

constexpr uint64_t kPeriodicCompactionSeconds = 24 * 3600;
// The on-disk layout version, recorded in the FORMAT file (see the note at the top).
//   1: stored key = [hash][user key]   (before issue 10; no FORMAT file)
//   2: stored key = [hash][db][user key], collections with an "elements" column family
constexpr int kFormatVersion = 2;
constexpr char kFormatFile[] = "FORMAT";
constexpr char kElementsFamily[] = "elements";
constexpr size_t kMaxQueuedReclaims = 100000;
constexpr size_t kMaxDyingCollections = 1000000;
constexpr double kDeadFractionTrigger = 0.5;
// CompactOnDeletionCollector: a file is marked for compaction when any window of this many
// entries holds at least kDeletionTrigger deletions.
constexpr size_t kDeletionWindow = 128 * 1024;
constexpr size_t kDeletionTrigger = 64 * 1024;

Status FromRocks(const rocksdb::Status& s) {
  if (s.ok()) return Status::OK();
  if (s.IsNotFound()) return Status::NotFound();
  if (s.IsCorruption()) return Status::Corruption(s.ToString());
  if (s.IsInvalidArgument()) return Status::InvalidArgument(s.ToString());
  return Status::IOError(s.ToString());
}

std::string_view View(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

// LZ4 if this librocksdb has it, else Snappy, else none.
rocksdb::CompressionType PickCompression() {
  std::vector<rocksdb::CompressionType> supported = rocksdb::GetSupportedCompressions();
  auto has = [&](rocksdb::CompressionType t) {
    return std::find(supported.begin(), supported.end(), t) != supported.end();
  };
  if (has(rocksdb::kLZ4Compression)) return rocksdb::kLZ4Compression;
  if (has(rocksdb::kSnappyCompression)) return rocksdb::kSnappyCompression;
  return rocksdb::kNoCompression;
}

const char* CompressionName(rocksdb::CompressionType t) {
  switch (t) {
    case rocksdb::kLZ4Compression:
      return "lz4";
    case rocksdb::kSnappyCompression:
      return "snappy";
    default:
      return "none";
  }
}

// ScanWalk's cursor over a rocksdb::Iterator.
class IterCursor {
 public:
  explicit IterCursor(rocksdb::Iterator* it) : it_(it) {}
  bool Valid() const { return it_->Valid(); }
  std::string_view key() const { return View(it_->key()); }
  std::string_view value() const { return View(it_->value()); }
  void Next() { it_->Next(); }
  Status status() const { return FromRocks(it_->status()); }

 private:
  rocksdb::Iterator* it_;
};

// An ElementIterator over a bounded rocksdb::Iterator; owns its bounds (the iterator points at
// them).
class RocksElementIterator final : public ElementIterator {
 public:
  RocksElementIterator(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, std::string_view lower,
                       std::string_view upper, bool reverse)
      : lower_(lower), upper_(upper), lower_slice_(lower_), upper_slice_(upper_), reverse_(reverse) {
    rocksdb::ReadOptions ro;
    ro.iterate_lower_bound = &lower_slice_;
    if (!upper_.empty()) ro.iterate_upper_bound = &upper_slice_;
    it_.reset(db->NewIterator(ro, cf));
    if (reverse_) {
      it_->SeekToLast();
    } else {
      it_->Seek(lower_slice_);
    }
  }
  bool Valid() const override { return it_->Valid(); }
  void Next() override {
    if (reverse_) {
      it_->Prev();
    } else {
      it_->Next();
    }
  }
  std::string_view key() const override { return View(it_->key()); }
  std::string_view value() const override { return View(it_->value()); }
  Status status() const override { return FromRocks(it_->status()); }

 private:
  std::string lower_, upper_;
  rocksdb::Slice lower_slice_, upper_slice_;
  bool reverse_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

class RocksStorage final : public Storage {
 public:
  RocksStorage(const RocksOptions& opts, std::unique_ptr<rocksdb::DB> db,
               std::vector<rocksdb::ColumnFamilyHandle*> handles,
               std::shared_ptr<ElementFilterTarget> filter_target,
               std::shared_ptr<rocksdb::Cache> cache,
               std::shared_ptr<rocksdb::Statistics> statistics,
               rocksdb::CompressionType compression)
      : opts_(opts),
        db_(std::move(db)),
        elements_cf_(handles.at(1)),
        filter_target_(std::move(filter_target)),
        cache_(std::move(cache)),
        statistics_(std::move(statistics)),
        compression_(compression),
        sync_mode_(opts.sync) {
    sync_thread_ = std::thread([this] { SyncLoop(); });
    maintenance_thread_ = std::thread([this] { MaintenanceLoop(); });
  }

  ~RocksStorage() override {
    {
      std::lock_guard<std::mutex> lock(bg_mu_);
      stopping_ = true;
    }
    bg_cv_.notify_all();
    db_->DisableManualCompaction();  // a trigger compaction in progress returns Incomplete
    sync_thread_.join();
    maintenance_thread_.join();
    // Whatever the mode, leave nothing unsynced behind a clean shutdown.
    (void)db_->FlushWAL(/*sync=*/true);
    filter_target_->db.store(nullptr);
    (void)db_->DestroyColumnFamilyHandle(elements_cf_);
    (void)db_->Close();
  }

  // ---- point operations ----

  Status Get(std::string_view key, Entry* out) override {
    rocksdb::PinnableSlice value;
    Status s = ReadStored(key, &value);
    if (!s.ok()) return s;
    std::string_view payload;
    s = DecodeValue(View(value), &out->expire_at_ms, &out->type, &payload);
    if (!s.ok()) return s;
    if (IsExpired(out->expire_at_ms, NowMs())) return Status::NotFound();
    out->payload.assign(payload.data(), payload.size());
    return Status::OK();
  }

  Status Exists(std::string_view key, Entry* meta_only) override {
    rocksdb::PinnableSlice value;
    Status s = ReadStored(key, &value);
    if (!s.ok()) return s;
    s = DecodeValue(View(value), &meta_only->expire_at_ms, &meta_only->type, nullptr);
    if (!s.ok()) return s;
    if (IsExpired(meta_only->expire_at_ms, NowMs())) return Status::NotFound();
    return Status::OK();
  }

  Status Put(std::string_view key, std::string_view payload, uint64_t expire_at_ms,
             ValueType type) override {
    std::string stored = EncodeKey(key);
    std::string value = EncodeValue(expire_at_ms, type, payload);
    return FromRocks(db_->Put(WriteOpts(), stored, value));
  }

  Status Delete(std::string_view key) override {
    return FromRocks(db_->Delete(WriteOpts(), EncodeKey(key)));
  }

  Status Write(const WriteBatch& batch) override {
    if (batch.empty()) return Status::OK();
    rocksdb::WriteBatch wb;
    std::vector<std::pair<std::string, std::string>> reclaim;  // ranges to compact afterwards
    std::vector<DyingCollection> dying;
    for (const WriteBatch::Op& op : batch.ops()) {
      rocksdb::Status s;
      if (op.element && !op.range_end.empty()) {
        s = wb.DeleteRange(elements_cf_, op.key, op.range_end);
        reclaim.emplace_back(op.key, op.range_end);
      } else if (op.element) {
        s = op.is_delete ? wb.Delete(elements_cf_, op.key) : wb.Put(elements_cf_, op.key, op.payload);
      } else {
        if (!op.is_delete && op.expire_at_ms != 0 && IsCollection(op.type)) {
          NoteExpiringCollection(op, &dying);
        }
        s = op.is_delete ? wb.Delete(EncodeKey(op.key))
                         : wb.Put(EncodeKey(op.key), EncodeValue(op.expire_at_ms, op.type, op.payload));
      }
      if (!s.ok()) return FromRocks(s);
    }
    Status st = FromRocks(db_->Write(WriteOpts(), &wb));
    if (st.ok() && (!reclaim.empty() || !dying.empty())) {
      bool pushed = false;
      {
        std::lock_guard<std::mutex> lock(bg_mu_);
        for (auto& r : reclaim) {
          if (reclaim_queue_.size() < kMaxQueuedReclaims) reclaim_queue_.push_back(std::move(r));
        }
        for (auto& d : dying) {
          // Every write of a big collection re-puts its metadata: track each incarnation once
          // per expiry.
          auto& seen = dying_tracked_[d.qualified_key];
          if (seen.first == d.version && seen.second == d.expire_at_ms) continue;
          if (dying_.size() >= kMaxDyingCollections) continue;
          seen = {d.version, d.expire_at_ms};
          dying_.push(std::move(d));
          pushed = true;
        }
      }
      if (pushed || !reclaim.empty()) bg_cv_.notify_all();
    }
    return st;
  }

  Status GetElement(std::string_view element_key, std::string* value) override {
    rocksdb::PinnableSlice v;
    Status s = FromRocks(db_->Get(rocksdb::ReadOptions(), elements_cf_, element_key, &v));
    if (!s.ok()) return s;
    value->assign(v.data(), v.size());
    return Status::OK();
  }

  std::unique_ptr<ElementIterator> NewElementIterator(std::string_view lower,
                                                      std::string_view upper,
                                                      bool reverse) override {
    return std::make_unique<RocksElementIterator>(db_.get(), elements_cf_, lower, upper, reverse);
  }

  // ---- walks ----

  Status Scan(uint64_t cursor, size_t count, std::vector<ScanItem>* out, uint64_t* next_cursor,
              uint64_t end) override {
    if (end != 0 && end <= cursor) {  // empty range
      *next_cursor = 0;
      return Status::OK();
    }
    rocksdb::ReadOptions ro;
    std::string upper = EncodePrefix(end);
    rocksdb::Slice upper_slice(upper);  // must outlive the iterator
    if (end != 0) ro.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
    it->Seek(EncodePrefix(cursor));
    IterCursor walk(it.get());
    return ScanWalk(walk, count, NowMs(), out, next_cursor);
  }

  Status CountKeys(uint64_t* keys, uint64_t* keys_with_expiry) override {
    rocksdb::ReadOptions ro;
    ro.fill_cache = false;  // a full walk would evict the point-lookup working set
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
    uint64_t now = NowMs(), live = 0, with_expiry = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      uint64_t expire_at_ms;
      ValueType type;
      Status s = DecodeValue(View(it->value()), &expire_at_ms, &type, nullptr);
      if (!s.ok()) return s;
      if (IsExpired(expire_at_ms, now)) continue;
      ++live;
      if (expire_at_ms != 0) ++with_expiry;
    }
    Status s = FromRocks(it->status());
    if (!s.ok()) return s;
    *keys = live;
    *keys_with_expiry = with_expiry;
    return Status::OK();
  }

  // One batch: in both families a range deletion over every prefix below 2^64-1, plus point
  // deletions for keys at exactly 2^64-1 (no finite end key lies above all of those). Then the
  // space is reclaimed by a background compaction.
  Status DeleteAll() override {
    const std::string last_prefix = EncodePrefix(std::numeric_limits<uint64_t>::max());
    rocksdb::WriteBatch wb;
    for (rocksdb::ColumnFamilyHandle* cf : {db_->DefaultColumnFamily(), elements_cf_}) {
      rocksdb::Status rs = wb.DeleteRange(cf, rocksdb::Slice(), last_prefix);
      if (!rs.ok()) return FromRocks(rs);
      std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf));
      for (it->Seek(last_prefix); it->Valid(); it->Next()) {
        rs = wb.Delete(cf, it->key());
        if (!rs.ok()) return FromRocks(rs);
      }
      if (!it->status().ok()) return FromRocks(it->status());
    }
    Status s = FromRocks(db_->Write(WriteOpts(), &wb));
    if (!s.ok()) return s;
    {
      std::lock_guard<std::mutex> lock(bg_mu_);
      compact_all_requested_ = true;
    }
    bg_cv_.notify_all();
    return Status::OK();
  }

  Status Flush() override {
    rocksdb::FlushOptions fo;
    fo.wait = true;
    // By default a manual flush first waits until compactions have brought L0 below the
    // write-stall trigger (one more L0 file could stall writes). After a bulk load that wait was
    // 13 s of a SIGTERM shutdown; SAVE and shutdown want the memtable on disk now.
    fo.allow_write_stall = true;
    return FromRocks(db_->Flush(fo, {db_->DefaultColumnFamily(), elements_cf_}));
  }

  void SetSyncMode(SyncMode mode) override {
    SyncMode old = sync_mode_.exchange(mode);
    // Leaving everysec: sync what it had not synced yet, so the switch loses nothing.
    if (old == SyncMode::kEverySec && mode != SyncMode::kEverySec && unsynced_.exchange(false)) {
      RecordBackgroundError(db_->SyncWAL());
    }
  }

  StorageStats Stats() override {
    StorageStats stats;
    uint64_t v = 0;
    if (db_->GetAggregatedIntProperty("rocksdb.live-sst-files-size", &v)) stats.disk_bytes = v;
    stats.disk_bytes += WalBytes();
    if (db_->GetIntProperty("rocksdb.estimate-num-keys", &v)) stats.estimated_keys = v;
    if (db_->GetAggregatedIntProperty("rocksdb.cur-size-all-mem-tables", &v)) {
      stats.memtable_bytes = v;
    }
    stats.block_cache_bytes = cache_ ? cache_->GetUsage() : 0;
    stats.expired_compactions = expired_compactions_.load();
    stats.reaped_collections = reaped_collections_.load();
    stats.element_range_compactions = element_range_compactions_.load();
    stats.engine_info = "rocksdb " + std::to_string(ROCKSDB_MAJOR) + "." +
                        std::to_string(ROCKSDB_MINOR) + "." + std::to_string(ROCKSDB_PATCH) +
                        " compression=" + CompressionName(compression_);
    std::lock_guard<std::mutex> lock(bg_mu_);
    if (!last_bg_error_.empty()) stats.engine_info += " last_background_error=" + last_bg_error_;
    return stats;
  }

  // ---- test hooks ----

  uint64_t RawEntryCount() {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    uint64_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    return n;
  }

  uint64_t SstValueCount() {
    rocksdb::TablePropertiesCollection props;
    if (!db_->GetPropertiesOfAllTables(&props).ok()) return 0;
    uint64_t n = 0;
    for (const auto& [name, p] : props) {
      n += p->num_entries - p->num_deletions - p->num_merge_operands;
    }
    return n;
  }

  uint64_t ElementSstValueCount() {
    rocksdb::TablePropertiesCollection props;
    if (!db_->GetPropertiesOfAllTables(elements_cf_, &props).ok()) return 0;
    uint64_t n = 0;
    for (const auto& [name, p] : props) {
      n += p->num_entries - p->num_deletions - p->num_merge_operands;
    }
    return n;
  }

  uint64_t WalSyncCount() { return statistics_->getTickerCount(rocksdb::WAL_FILE_SYNCED); }

  Status CompactAll() {
    rocksdb::CompactRangeOptions co;
    co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    // Keys first: the element filter then sees their metadata gone or expired.
    Status s = FromRocks(db_->CompactRange(co, nullptr, nullptr));
    if (!s.ok()) return s;
    return FromRocks(db_->CompactRange(co, elements_cf_, nullptr, nullptr));
  }

 private:
  Status ReadStored(std::string_view key, rocksdb::PinnableSlice* value) {
    rocksdb::Status s =
        db_->Get(rocksdb::ReadOptions(), db_->DefaultColumnFamily(), EncodeKey(key), value);
    return FromRocks(s);
  }

  rocksdb::WriteOptions WriteOpts() {
    rocksdb::WriteOptions wo;
    SyncMode mode = sync_mode_.load();
    wo.sync = mode == SyncMode::kAlways;
    if (mode == SyncMode::kEverySec) unsynced_.store(true);
    return wo;
  }

  // WAL files (<number>.log) in the database directory; errors count as 0 bytes.
  uint64_t WalBytes() {
    uint64_t total = 0;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(opts_.path, ec), end; !ec && it != end;
         it.increment(ec)) {
      if (it->path().extension() != ".log") continue;
      std::error_code size_ec;
      uintmax_t size = it->file_size(size_ec);
      if (!size_ec) total += size;
    }
    return total;
  }

  void RecordBackgroundError(const rocksdb::Status& s) {
    if (s.ok()) return;
    std::lock_guard<std::mutex> lock(bg_mu_);
    last_bg_error_ = s.ToString();
  }

  // ---- background threads ----

  void SyncLoop() {
    std::unique_lock<std::mutex> lock(bg_mu_);
    while (!stopping_) {
      bg_cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
      if (stopping_) break;
      if (sync_mode_.load() != SyncMode::kEverySec || !unsynced_.exchange(false)) continue;
      lock.unlock();
      rocksdb::Status s = db_->SyncWAL();
      if (!s.ok()) unsynced_.store(true);  // retry next second
      RecordBackgroundError(s);
      lock.lock();
    }
  }

  void MaintenanceLoop() {
    using Clock = std::chrono::steady_clock;
    const bool trigger_enabled = opts_.ttl_check_seconds > 0;
    Clock::time_point next_check = Clock::now() + std::chrono::seconds(opts_.ttl_check_seconds);
    std::unique_lock<std::mutex> lock(bg_mu_);
    while (!stopping_) {
      const size_t dying_before = dying_.size();
      auto woken = [this, dying_before] {
        return stopping_ || compact_all_requested_ || !reclaim_queue_.empty() ||
               dying_.size() != dying_before;
      };
      // Wake for the dead-data trigger, and at the latest once a second while big collections
      // wait for their expiry.
      Clock::time_point until = next_check;
      if (!dying_.empty()) until = std::min(until, Clock::now() + std::chrono::seconds(1));
      if (trigger_enabled || !dying_.empty()) {
        bg_cv_.wait_until(lock, until, woken);
      } else {
        bg_cv_.wait(lock, woken);
      }
      if (stopping_) break;
      bool compact_all = std::exchange(compact_all_requested_, false);
      bool check = trigger_enabled && Clock::now() >= next_check;
      std::vector<std::pair<std::string, std::string>> reclaim;
      reclaim.swap(reclaim_queue_);
      std::vector<DyingCollection> due;
      const uint64_t now = NowMs();
      while (!dying_.empty() && dying_.top().expire_at_ms < now) {
        due.push_back(dying_.top());
        dying_.pop();
        auto t = dying_tracked_.find(due.back().qualified_key);
        if (t != dying_tracked_.end() && t->second.first == due.back().version &&
            t->second.second == due.back().expire_at_ms) {
          dying_tracked_.erase(t);
        }
      }
      lock.unlock();
      try {
        ReapExpiredCollections(due, &reclaim);
        CompactElementRanges(&reclaim);
        if (compact_all) {
          rocksdb::CompactRangeOptions co;
          co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
          rocksdb::Status s = db_->CompactRange(co, nullptr, nullptr);
          if (s.ok()) s = db_->CompactRange(co, elements_cf_, nullptr, nullptr);
          if (!s.IsIncomplete()) RecordBackgroundError(s);  // Incomplete: shutting down
        }
        if (check) CompactDeadFiles();
      } catch (...) {  // bad_alloc: skip this round
      }
      lock.lock();
      if (check) next_check = Clock::now() + std::chrono::seconds(opts_.ttl_check_seconds);
    }
  }

  // ---- big collections (issue 10) ----
  // A collection's elements leave the disk when compactions meet them after their metadata is
  // gone (the elements filter). For big collections that is made to happen soon: DEL writes a
  // range tombstone over the dead version's records (WriteBatch::DeleteElementRange), and a
  // collection of at least kBigCollection elements that carries a TTL is remembered here; once
  // it has expired, the maintenance thread writes the same tombstone. Either way the range is
  // then compacted, so the space comes back within seconds, without anyone asking.

  struct DyingCollection {
    uint64_t expire_at_ms;
    std::string qualified_key;
    uint64_t version;
    bool operator<(const DyingCollection& o) const { return expire_at_ms > o.expire_at_ms; }
  };

  void NoteExpiringCollection(const WriteBatch::Op& op, std::vector<DyingCollection>* out) {
    CollectionMeta meta;
    if (!DecodeMeta(op.type, op.payload, &meta).ok() || meta.size < kBigCollection) return;
    out->push_back({op.expire_at_ms, op.key, meta.version});
  }

  // Tombstones the records of each due collection whose version no live metadata refers to (it
  // expired, or was deleted or replaced since), and adds the range to `reclaim`.
  void ReapExpiredCollections(const std::vector<DyingCollection>& due,
                              std::vector<std::pair<std::string, std::string>>* reclaim) {
    for (const DyingCollection& d : due) {
      rocksdb::PinnableSlice value;
      rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), db_->DefaultColumnFamily(),
                                    EncodeKey(d.qualified_key), &value);
      if (!rs.ok() && !rs.IsNotFound()) continue;
      if (rs.ok()) {
        uint64_t expire_at_ms;
        ValueType type;
        std::string_view payload;
        CollectionMeta meta;
        if (DecodeValue(View(value), &expire_at_ms, &type, &payload).ok() &&
            IsCollection(type) && DecodeMeta(type, payload, &meta).ok() &&
            meta.version == d.version && !IsExpired(expire_at_ms, NowMs())) {
          continue;  // still alive: its TTL was extended (a new entry tracks it) or removed
        }
      }
      std::string begin = ElementPrefix(d.qualified_key, d.version);
      std::string end = PrefixEnd(begin);
      rocksdb::WriteBatch wb;
      if (!wb.DeleteRange(elements_cf_, begin, end).ok()) continue;
      rs = db_->Write(rocksdb::WriteOptions(), &wb);
      RecordBackgroundError(rs);
      if (rs.ok()) {
        reaped_collections_.fetch_add(1);
        reclaim->emplace_back(std::move(begin), std::move(end));
      }
    }
  }

  void CompactElementRanges(std::vector<std::pair<std::string, std::string>>* ranges) {
    if (ranges->empty()) return;
    std::sort(ranges->begin(), ranges->end());
    // The WAL holding the records goes only once every family that wrote to it has flushed:
    // flush the keys' family too (CompactRange flushes only the elements family).
    rocksdb::FlushOptions fo;
    fo.allow_write_stall = true;
    RecordBackgroundError(db_->Flush(fo, db_->DefaultColumnFamily()));
    rocksdb::CompactRangeOptions co;
    co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
    for (const auto& [b, e] : *ranges) {
      {
        std::lock_guard<std::mutex> lock(bg_mu_);
        if (stopping_) return;
      }
      rocksdb::Slice begin(b), end(e);
      rocksdb::Status rs = db_->CompactRange(co, elements_cf_, &begin, &end);
      if (!rs.ok() && !rs.IsIncomplete()) RecordBackgroundError(rs);
      element_range_compactions_.fetch_add(1);
    }
  }

  // The dead-data trigger: compacts the key ranges of files estimated >= 50% expired.
  // Runs on the maintenance thread only (it alone touches tried_files_).
  void CompactDeadFiles() {
    rocksdb::TablePropertiesCollection props;
    rocksdb::Status s = db_->GetPropertiesOfAllTables(&props);
    if (!s.ok()) return RecordBackgroundError(s);
    std::map<std::string, const rocksdb::TableProperties*> by_file;  // "000012.sst" -> props
    for (const auto& [path, p] : props) {
      by_file[std::filesystem::path(path).filename().string()] = p.get();
    }

    std::vector<rocksdb::LiveFileMetaData> files;
    db_->GetLiveFilesMetaData(&files);
    const uint64_t now = NowMs();
    std::set<std::string> live;
    std::vector<std::pair<std::string, std::string>> ranges;  // [smallest, largest] user keys
    for (const rocksdb::LiveFileMetaData& f : files) {
      live.insert(f.relative_filename);
      if (f.column_family_name != rocksdb::kDefaultColumnFamilyName) continue;
      if (f.being_compacted || tried_files_.count(f.relative_filename) != 0) continue;
      auto it = by_file.find(f.relative_filename);
      if (it == by_file.end()) continue;
      if (EstimateExpiredFraction(*it->second, now) < kDeadFractionTrigger) continue;
      ranges.emplace_back(f.smallestkey, f.largestkey);
      // A file that survives the compaction of its own range (e.g. a snapshot pins it) is not
      // retried every round.
      tried_files_.insert(f.relative_filename);
    }
    // Forget files that are gone.
    for (auto it = tried_files_.begin(); it != tried_files_.end();) {
      it = live.count(*it) ? std::next(it) : tried_files_.erase(it);
    }
    if (ranges.empty()) return;

    // Merge overlapping ranges so each key range is compacted once.
    std::sort(ranges.begin(), ranges.end());
    std::vector<std::pair<std::string, std::string>> merged;
    for (auto& r : ranges) {
      if (!merged.empty() && r.first <= merged.back().second) {
        merged.back().second = std::max(merged.back().second, r.second);
      } else {
        merged.push_back(std::move(r));
      }
    }
    for (const auto& [smallest, largest] : merged) {
      {
        std::lock_guard<std::mutex> lock(bg_mu_);
        if (stopping_) return;
      }
      rocksdb::CompactRangeOptions co;
      co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
      rocksdb::Slice begin(smallest), end(largest);
      expired_compactions_.fetch_add(1);  // counts compactions started (StorageStats)
      s = db_->CompactRange(co, &begin, &end);
      if (!s.ok() && !s.IsIncomplete()) RecordBackgroundError(s);  // Incomplete: shutting down
    }
  }

  const RocksOptions opts_;
  const std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* const elements_cf_;  // destroyed before db_ closes
  const std::shared_ptr<ElementFilterTarget> filter_target_;
  const std::shared_ptr<rocksdb::Cache> cache_;
  const std::shared_ptr<rocksdb::Statistics> statistics_;
  const rocksdb::CompressionType compression_;

  std::atomic<SyncMode> sync_mode_;
  std::atomic<bool> unsynced_{false};  // a kEverySec write happened since the last SyncWAL
  std::atomic<uint64_t> expired_compactions_{0};
  std::atomic<uint64_t> reaped_collections_{0};         // expired big collections tombstoned
  std::atomic<uint64_t> element_range_compactions_{0};  // element ranges compacted
  std::set<std::string> tried_files_;  // maintenance thread only

  // bg_mu_ guards the fields below; bg_cv_ wakes the background threads.
  std::mutex bg_mu_;
  std::condition_variable bg_cv_;
  bool stopping_ = false;
  bool compact_all_requested_ = false;
  std::vector<std::pair<std::string, std::string>> reclaim_queue_;  // element ranges to compact
  std::priority_queue<DyingCollection> dying_;  // big collections with a TTL, soonest first
  // What dying_ holds per key: (version, expire_at_ms) of its latest entry.
  std::unordered_map<std::string, std::pair<uint64_t, uint64_t>> dying_tracked_;
  std::string last_bg_error_;
  std::thread sync_thread_;
  std::thread maintenance_thread_;
};

RocksStorage* AsRocks(Storage* storage) { return dynamic_cast<RocksStorage*>(storage); }

// ---- data format ----

// The FORMAT file's version in `dir`; 0 when there is none.
Status ReadFormat(const std::string& dir, int* format) {
  *format = 0;
  std::filesystem::path path = std::filesystem::path(dir) / kFormatFile;
  std::ifstream in(path);
  if (!in) return Status::OK();
  std::string word;
  in >> word;
  int64_t v = 0;
  for (char c : word) {
    if (c < '0' || c > '9' || v > 1000000) {
      return Status::Corruption(path.string() + " does not hold a format version");
    }
    v = v * 10 + (c - '0');
  }
  if (word.empty() || v == 0) return Status::Corruption(path.string() + " is empty");
  *format = static_cast<int>(v);
  return Status::OK();
}

// Writes FORMAT through a temporary file and a rename, synced, so it is either old or new.
Status WriteFormat(const std::string& dir, int format) {
  std::filesystem::path path = std::filesystem::path(dir) / kFormatFile;
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  std::string text = std::to_string(format) + "\n";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return Status::IOError("cannot write " + tmp.string());
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IOError("cannot write " + path.string());
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return Status::OK();
}

// Version 1 stored [hash][user key]; version 2 stores [hash][db byte][user key] (database 0 for
// all old keys). A stored key is in the old layout exactly when its prefix is the hash of the
// rest, so a crash half-way leaves keys that the next attempt still tells apart: the upgrade is
// idempotent. Each batch writes the new keys and deletes the old ones atomically.
Status UpgradeFromV1(rocksdb::DB* db) {
  constexpr size_t kBatch = 10000;
  rocksdb::WriteOptions wo;
  wo.sync = true;
  uint64_t moved = 0;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  rocksdb::WriteBatch wb;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view key = View(it->key());
    if (key.size() < kPrefixSize) continue;
    std::string_view user = key.substr(kPrefixSize);
    if (DecodePrefix(key) != cluster::KeyHash(user)) continue;  // already upgraded
    std::string new_key(key.substr(0, kPrefixSize));
    new_key.push_back('\0');
    new_key.append(user.data(), user.size());
    rocksdb::Status rs = wb.Put(new_key, it->value());
    if (rs.ok()) rs = wb.Delete(it->key());
    if (!rs.ok()) return FromRocks(rs);
    if (wb.Count() >= 2 * kBatch) {
      rs = db->Write(wo, &wb);
      if (!rs.ok()) return FromRocks(rs);
      wb.Clear();
    }
    ++moved;
  }
  if (!it->status().ok()) return FromRocks(it->status());
  if (wb.Count() > 0) {
    rocksdb::Status rs = db->Write(wo, &wb);
    if (!rs.ok()) return FromRocks(rs);
  }
  fprintf(stderr, "ringkv: upgraded the data directory from format 1 to %d (%llu keys)\n",
          kFormatVersion, static_cast<unsigned long long>(moved));
  return Status::OK();
}

}  // namespace

Status OpenRocksStorage(const RocksOptions& opts, std::unique_ptr<Storage>* out) {
  if (opts.path.empty()) return Status::InvalidArgument("rocksdb path is empty");
  try {
    if (opts.create_if_missing) {
      std::error_code ec;
      std::filesystem::create_directories(opts.path, ec);
      if (ec) return Status::IOError("cannot create " + opts.path + ": " + ec.message());
    }

    rocksdb::Options o;
    o.create_if_missing = opts.create_if_missing;
    o.IncreaseParallelism(2);
    o.compaction_style = rocksdb::kCompactionStyleLevel;
    o.level_compaction_dynamic_level_bytes = true;
    o.write_buffer_size = opts.write_buffer_bytes;
    // Writers from different worker threads join one write group; the followers' default wait
    // spins and sched_yield()s, which on a machine with as many busy threads as cores (the
    // common case for a server) burns the CPU the leader needs. Block on the futex instead.
    o.enable_write_thread_adaptive_yield = false;
    // A whole-key bloom filter in the memtable too: misses skip the memtable search.
    o.memtable_prefix_bloom_size_ratio = 0.02;
    o.memtable_whole_key_filtering = true;
    const rocksdb::CompressionType compression = PickCompression();
    o.compression = compression;
    o.optimize_filters_for_hits = false;
    o.periodic_compaction_seconds = kPeriodicCompactionSeconds;
    o.keep_log_file_num = 5;  // info LOG files
    // After a crash, DB::Open replays the WAL into a memtable and by default then writes that
    // memtable out as an L0 file before returning: 0.3-0.5 s of the ~2 s that a node with 10M
    // keys and a 48 MB WAL took to answer PING on 2 cores (docs/benchmarks.md, "Restart").
    // Keep the replayed memtable instead; it is flushed in the background when it fills, and
    // the WAL it came from stays until then. Single column family, no 2PC: nothing else needs
    // the flush.
    o.avoid_flush_during_recovery = true;
    o.compaction_filter_factory = std::make_shared<TtlCompactionFilterFactory>();
    o.table_properties_collector_factories.push_back(
        std::make_shared<TtlPropertiesCollectorFactory>());
    o.table_properties_collector_factories.push_back(
        rocksdb::NewCompactOnDeletionCollectorFactory(kDeletionWindow, kDeletionTrigger));
    std::shared_ptr<rocksdb::Statistics> statistics = rocksdb::CreateDBStatistics();
    statistics->set_stats_level(rocksdb::StatsLevel::kExceptHistogramOrTimers);
    o.statistics = statistics;

    rocksdb::BlockBasedTableOptions t;
    std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(opts.block_cache_bytes);
    t.block_cache = cache;
    if (opts.bloom_bits_per_key > 0) {
      t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(opts.bloom_bits_per_key, false));
    }
    t.data_block_index_type = rocksdb::BlockBasedTableOptions::kDataBlockBinaryAndHash;
    o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));

    // The elements family: same table format and cache, its own filter, no TTL statistics
    // (element records carry no expiry of their own).
    auto filter_target = std::make_shared<ElementFilterTarget>();
    rocksdb::ColumnFamilyOptions element_opts(o);
    element_opts.compaction_filter_factory =
        std::make_shared<ElementCompactionFilterFactory>(filter_target);
    element_opts.table_properties_collector_factories.clear();
    element_opts.table_properties_collector_factories.push_back(
        rocksdb::NewCompactOnDeletionCollectorFactory(kDeletionWindow, kDeletionTrigger));
    element_opts.memtable_whole_key_filtering = false;  // elements are mostly walked
    o.create_missing_column_families = true;

    int format = 0;
    Status fs = ReadFormat(opts.path, &format);
    if (!fs.ok()) return fs;
    if (format > kFormatVersion) {
      return Status::InvalidArgument("the data directory " + opts.path + " has format " +
                                     std::to_string(format) + ", newer than this ringkv's " +
                                     std::to_string(kFormatVersion) +
                                     ": run the release that wrote it, or a newer one");
    }
    // No FORMAT file but a database: written before the format was recorded (version 1).
    const bool existed = std::filesystem::exists(std::filesystem::path(opts.path) / "CURRENT");
    if (format == 0 && existed) format = 1;

    std::vector<rocksdb::ColumnFamilyDescriptor> families = {
        {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions(o)},
        {kElementsFamily, element_opts}};
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(rocksdb::DBOptions(o), opts.path, families, &handles, &raw);
    if (!s.ok()) return FromRocks(s);
    std::unique_ptr<rocksdb::DB> db(raw);
    // DB::Open hands out a handle for the default family too; the DB keeps its own.
    (void)db->DestroyColumnFamilyHandle(handles[0]);
    handles[0] = db->DefaultColumnFamily();
    if (format == 1) {
      fs = UpgradeFromV1(db.get());
      if (!fs.ok()) {
        (void)db->DestroyColumnFamilyHandle(handles[1]);
        return fs;
      }
    }
    if (format != kFormatVersion) {
      fs = WriteFormat(opts.path, kFormatVersion);
      if (!fs.ok()) {
        (void)db->DestroyColumnFamilyHandle(handles[1]);
        return fs;
      }
    }
    filter_target->meta_cf.store(db->DefaultColumnFamily());
    filter_target->db.store(db.get());
    *out = std::make_unique<RocksStorage>(opts, std::move(db), std::move(handles),
                                          std::move(filter_target), std::move(cache),
                                          std::move(statistics), compression);
    return Status::OK();
  } catch (const std::exception& e) {
    return Status::IOError(std::string("opening rocksdb: ") + e.what());
  }
}

uint64_t RawEntryCountForTest(Storage* storage) {
  RocksStorage* rocks = AsRocks(storage);
  return rocks ? rocks->RawEntryCount() : 0;
}

uint64_t SstValueCountForTest(Storage* storage) {
  RocksStorage* rocks = AsRocks(storage);
  return rocks ? rocks->SstValueCount() : 0;
}

uint64_t ElementSstValueCountForTest(Storage* storage) {
  RocksStorage* rocks = AsRocks(storage);
  return rocks ? rocks->ElementSstValueCount() : 0;
}

uint64_t WalSyncCountForTest(Storage* storage) {
  RocksStorage* rocks = AsRocks(storage);
  return rocks ? rocks->WalSyncCount() : 0;
}

Status CompactAllForTest(Storage* storage) {
  RocksStorage* rocks = AsRocks(storage);
  return rocks ? rocks->CompactAll() : Status::InvalidArgument("not a RocksStorage");
}

}  // namespace ringkv::storage
