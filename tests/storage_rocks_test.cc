// RocksStorage-only tests: persistence across reopen, TTL data leaving the disk (flush filter,
// compaction filter, and the dead-data trigger with no manual compaction), appendfsync modes,
// DeleteAll reclaiming space, corruption reporting. Results are checked against RocksDB itself
// where it matters (a plain rocksdb::DB opened on the same directory).

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "cluster/key_hash.h"
#include "storage/collections.h"
#include "storage/key_codec.h"
#include "storage/rocks_storage.h"
#include "storage/storage.h"

namespace ringkv::storage {
namespace {

constexpr uint64_t kStartMs = 1'700'000'000'000;
std::atomic<uint64_t> g_fake_now{kStartMs};
uint64_t FakeNow() { return g_fake_now.load(); }

// Incompressible payload so disk sizes move visibly under LZ4/Snappy.
std::string RandomPayload(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// Polls `pred` every 50 ms for up to `seconds`.
template <typename Pred>
bool WaitFor(Pred pred, double seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

class RocksStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_fake_now = kStartMs;
    SetClockForTest(&FakeNow);
    char tmpl[] = "/tmp/ringkv_rocks_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    opts_.path = dir_ + "/db";
    opts_.block_cache_bytes = 8 << 20;
    opts_.write_buffer_bytes = 8 << 20;
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
    SetClockForTest(nullptr);
  }

  void Open() {
    db_.reset();
    Status s = OpenRocksStorage(opts_, &db_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void MustPut(std::string_view key, std::string_view payload, uint64_t expire_at_ms = 0) {
    Status s = db_->Put(key, payload, expire_at_ms);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void MustFlush() {
    Status s = db_->Flush();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  std::string GetOrMissing(std::string_view key) {
    Entry e;
    Status s = db_->Get(key, &e);
    if (s.IsNotFound()) return "<notfound>";
    EXPECT_TRUE(s.ok()) << s.ToString();
    return e.payload;
  }
  // Entries a plain RocksDB (no ringkv plug-ins) sees in the directory. Closes db_ first.
  uint64_t CountWithPlainRocksDb() {
    db_.reset();
    rocksdb::DB* raw = nullptr;
    rocksdb::Status s = rocksdb::DB::OpenForReadOnly(rocksdb::Options(), opts_.path, &raw);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (!s.ok()) return ~0ull;
    std::unique_ptr<rocksdb::DB> db(raw);
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
    uint64_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    EXPECT_TRUE(it->status().ok());
    return n;
  }

  std::string dir_;
  RocksOptions opts_;
  std::unique_ptr<Storage> db_;
};

TEST_F(RocksStorageTest, RestartKeepsData) {
  Open();
  MustPut("plain", "v1");
  MustPut("ttl", "v2", kStartMs + 60000);
  MustPut(std::string("bin\0key", 7), std::string("\0\1\2", 3));
  MustPut("deleted", "x");
  ASSERT_TRUE(db_->Delete("deleted").ok());
  MustFlush();
  MustPut("after-flush", "in WAL only");  // recovered from the WAL
  Open();
  EXPECT_EQ(GetOrMissing("plain"), "v1");
  EXPECT_EQ(GetOrMissing(std::string("bin\0key", 7)), std::string("\0\1\2", 3));
  EXPECT_EQ(GetOrMissing("deleted"), "<notfound>");
  EXPECT_EQ(GetOrMissing("after-flush"), "in WAL only");
  Entry e;
  ASSERT_TRUE(db_->Get("ttl", &e).ok());
  EXPECT_EQ(e.expire_at_ms, kStartMs + 60000);
  uint64_t keys = 0, with_expiry = 0;
  ASSERT_TRUE(db_->CountKeys(&keys, &with_expiry).ok());
  EXPECT_EQ(keys, 4u);
  EXPECT_EQ(with_expiry, 1u);
}

TEST_F(RocksStorageTest, OpenErrorsAreStatuses) {
  std::unique_ptr<Storage> out;
  RocksOptions bad;
  EXPECT_EQ(OpenRocksStorage(bad, &out).code(), Code::kInvalidArgument);
  bad.path = dir_ + "/missing";
  bad.create_if_missing = false;
  Status s = OpenRocksStorage(bad, &out);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("does not exist"), std::string::npos) << s.message();
  EXPECT_EQ(out, nullptr);
}

TEST_F(RocksStorageTest, FlushDropsAlreadyExpiredValues) {
  Open();
  for (int i = 0; i < 1000; ++i) MustPut("e" + std::to_string(i), "v", kStartMs + 1000);
  for (int i = 0; i < 10; ++i) MustPut("p" + std::to_string(i), "v");
  g_fake_now = kStartMs + 1001;
  MustFlush();
  EXPECT_EQ(SstValueCountForTest(db_.get()), 10u);
  EXPECT_EQ(RawEntryCountForTest(db_.get()), 10u);
  EXPECT_EQ(CountWithPlainRocksDb(), 10u);
}

TEST_F(RocksStorageTest, CompactionFilterRemovesExpiredValuesFromDisk) {
  Open();
  std::mt19937_64 rng(1);
  for (int i = 0; i < 4000; ++i) {
    MustPut("e" + std::to_string(i), RandomPayload(rng, 200), kStartMs + 1000);
  }
  for (int i = 0; i < 100; ++i) MustPut("p" + std::to_string(i), RandomPayload(rng, 200));
  MustFlush();  // nothing expired yet: all of it reaches the SST
  EXPECT_EQ(SstValueCountForTest(db_.get()), 4100u);
  EXPECT_EQ(RawEntryCountForTest(db_.get()), 4100u);
  const uint64_t disk_before = db_->Stats().disk_bytes;
  EXPECT_GT(disk_before, 4000u * 200);

  g_fake_now = kStartMs + 1001;
  EXPECT_EQ(GetOrMissing("e1"), "<notfound>");  // reads hide them before any compaction
  ASSERT_TRUE(CompactAllForTest(db_.get()).ok());
  EXPECT_EQ(SstValueCountForTest(db_.get()), 100u);
  EXPECT_EQ(RawEntryCountForTest(db_.get()), 100u);
  const uint64_t disk_after = db_->Stats().disk_bytes;
  EXPECT_LT(disk_after, disk_before / 10) << disk_before << " -> " << disk_after;
  EXPECT_EQ(CountWithPlainRocksDb(), 100u);
}

TEST_F(RocksStorageTest, DeadDataTriggerCompactsExpiredFilesWithoutManualCompaction) {
  opts_.ttl_check_seconds = 1;
  Open();
  std::mt19937_64 rng(2);
  // Three SST files (below the L0 compaction trigger, so RocksDB leaves them alone), each mostly
  // keys that expire together plus a few persistent ones.
  for (int f = 0; f < 3; ++f) {
    for (int i = 0; i < 2000; ++i) {
      MustPut("f" + std::to_string(f) + ":e" + std::to_string(i), RandomPayload(rng, 100),
              kStartMs + 5000 + i);
    }
    for (int i = 0; i < 10; ++i) {
      MustPut("f" + std::to_string(f) + ":p" + std::to_string(i), "persistent");
    }
    MustFlush();
  }
  ASSERT_EQ(SstValueCountForTest(db_.get()), 6030u);
  const uint64_t disk_before = db_->Stats().disk_bytes;

  // Before the expiry, the trigger leaves the files alone.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(db_->Stats().expired_compactions, 0u);
  EXPECT_EQ(SstValueCountForTest(db_.get()), 6030u);

  g_fake_now = kStartMs + 10000;  // everything with an expiry has passed it
  EXPECT_TRUE(WaitFor([&] { return SstValueCountForTest(db_.get()) == 30u; }, 10))
      << SstValueCountForTest(db_.get());
  EXPECT_GT(db_->Stats().expired_compactions, 0u);  // it was the trigger that compacted
  EXPECT_EQ(RawEntryCountForTest(db_.get()), 30u);
  EXPECT_LT(db_->Stats().disk_bytes, disk_before / 10);
  EXPECT_EQ(GetOrMissing("f1:p3"), "persistent");
  EXPECT_EQ(CountWithPlainRocksDb(), 30u);
}

TEST_F(RocksStorageTest, DeadDataTriggerIgnoresFilesMostlyAlive) {
  opts_.ttl_check_seconds = 1;
  Open();
  // 30% of the entries expire: below the 50% threshold.
  for (int i = 0; i < 1000; ++i) {
    MustPut("k" + std::to_string(i), "v", i < 300 ? kStartMs + 100 : 0);
  }
  MustFlush();
  g_fake_now = kStartMs + 200;
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  EXPECT_EQ(db_->Stats().expired_compactions, 0u);
  EXPECT_EQ(SstValueCountForTest(db_.get()), 1000u);
  uint64_t keys = 0, with_expiry = 0;
  ASSERT_TRUE(db_->CountKeys(&keys, &with_expiry).ok());
  EXPECT_EQ(keys, 700u);
}

TEST_F(RocksStorageTest, DeleteAllReclaimsDiskInTheBackground) {
  Open();
  std::mt19937_64 rng(3);
  for (int i = 0; i < 3000; ++i) MustPut("d" + std::to_string(i), RandomPayload(rng, 200));
  MustFlush();
  const uint64_t disk_before = db_->Stats().disk_bytes;
  ASSERT_TRUE(db_->DeleteAll().ok());
  EXPECT_EQ(RawEntryCountForTest(db_.get()), 0u);
  EXPECT_TRUE(WaitFor([&] { return SstValueCountForTest(db_.get()) == 0; }, 10));
  EXPECT_LT(db_->Stats().disk_bytes, disk_before / 10);
  MustPut("d1", "new");
  Open();
  EXPECT_EQ(GetOrMissing("d1"), "new");
  EXPECT_EQ(GetOrMissing("d2"), "<notfound>");
  EXPECT_EQ(CountWithPlainRocksDb(), 1u);
}

TEST_F(RocksStorageTest, AppendfsyncAlwaysSyncsEachWriteAndSurvivesReopen) {
  opts_.sync = SyncMode::kAlways;
  Open();
  const uint64_t syncs0 = WalSyncCountForTest(db_.get());
  for (int i = 0; i < 20; ++i) MustPut("a" + std::to_string(i), "v" + std::to_string(i));
  WriteBatch batch;
  batch.Put("b1", "x", 0);
  batch.Delete("a0");
  ASSERT_TRUE(db_->Write(batch).ok());
  ASSERT_TRUE(db_->Delete("a1").ok());
  // Each call returned only after its own WAL sync.
  EXPECT_GE(WalSyncCountForTest(db_.get()), syncs0 + 22);
  Open();
  EXPECT_EQ(GetOrMissing("a0"), "<notfound>");
  EXPECT_EQ(GetOrMissing("a1"), "<notfound>");
  EXPECT_EQ(GetOrMissing("a19"), "v19");
  EXPECT_EQ(GetOrMissing("b1"), "x");
}

TEST_F(RocksStorageTest, SetSyncModeSwitchesAtRuntime) {
  opts_.sync = SyncMode::kNo;
  Open();
  const uint64_t s0 = WalSyncCountForTest(db_.get());
  for (int i = 0; i < 10; ++i) MustPut("n" + std::to_string(i), "v");
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  EXPECT_EQ(WalSyncCountForTest(db_.get()), s0);  // "no": nobody syncs

  db_->SetSyncMode(SyncMode::kAlways);
  const uint64_t s1 = WalSyncCountForTest(db_.get());
  for (int i = 0; i < 5; ++i) MustPut("a" + std::to_string(i), "v");
  const uint64_t s2 = WalSyncCountForTest(db_.get());
  EXPECT_GE(s2, s1 + 5);

  db_->SetSyncMode(SyncMode::kEverySec);
  MustPut("e", "v");
  EXPECT_EQ(WalSyncCountForTest(db_.get()), s2);  // not synced inline
  EXPECT_TRUE(WaitFor([&] { return WalSyncCountForTest(db_.get()) > s2; }, 2.5));
  // Idle: no further syncs when nothing was written.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const uint64_t s3 = WalSyncCountForTest(db_.get());
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  EXPECT_EQ(WalSyncCountForTest(db_.get()), s3);

  db_->SetSyncMode(SyncMode::kNo);
  Open();
  EXPECT_EQ(GetOrMissing("n9"), "v");
  EXPECT_EQ(GetOrMissing("a4"), "v");
  EXPECT_EQ(GetOrMissing("e"), "v");
}

TEST_F(RocksStorageTest, ShortStoredValueIsCorruption) {
  Open();
  MustPut("good", "v");
  db_.reset();
  {
    rocksdb::DB* raw = nullptr;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), opts_.path,
                                  {{rocksdb::kDefaultColumnFamilyName, {}}, {"elements", {}}},
                                  &handles, &raw)
                    .ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), EncodeKey("bad"), "short").ok());
    for (auto* h : handles) ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
  }
  Open();
  Entry e;
  EXPECT_EQ(db_->Get("bad", &e).code(), Code::kCorruption);
  EXPECT_EQ(db_->Exists("bad", &e).code(), Code::kCorruption);
  std::vector<ScanItem> items;
  uint64_t next = 0;
  EXPECT_EQ(db_->Scan(0, 100, &items, &next).code(), Code::kCorruption);
  uint64_t keys, with_expiry;
  EXPECT_EQ(db_->CountKeys(&keys, &with_expiry).code(), Code::kCorruption);
  EXPECT_EQ(GetOrMissing("good"), "v");
}

TEST_F(RocksStorageTest, StatsReportEngineState) {
  Open();
  std::mt19937_64 rng(4);
  for (int i = 0; i < 500; ++i) MustPut("s" + std::to_string(i), RandomPayload(rng, 100));
  StorageStats before = db_->Stats();
  EXPECT_GT(before.memtable_bytes, 500u * 100);
  MustFlush();
  for (int i = 0; i < 500; ++i) EXPECT_NE(GetOrMissing("s" + std::to_string(i)), "<notfound>");
  StorageStats stats = db_->Stats();
  EXPECT_GT(stats.disk_bytes, 500u * 100);
  EXPECT_GE(stats.estimated_keys, 400u);
  EXPECT_GT(stats.block_cache_bytes, 0u);
  EXPECT_EQ(stats.expired_compactions, 0u);
  EXPECT_EQ(stats.engine_info.rfind("rocksdb 7.8.3", 0), 0u) << stats.engine_info;
}

// ---- collections and the data format (issue 10) ----

// Writes a hash `key` (db 0) of version `version` with n fields, replacing its metadata.
void PutHash(Storage* db, std::string_view key, uint64_t version, int n, uint64_t expire_at_ms) {
  CollectionMeta meta;
  meta.version = version;
  meta.size = static_cast<uint64_t>(n);
  WriteBatch batch;
  std::string q = QualifyKey(0, key);
  batch.Put(q, EncodeMeta(ValueType::kHash, meta), expire_at_ms, ValueType::kHash);
  for (int i = 0; i < n; ++i) batch.PutElement(ElementKey(q, version, "f" + std::to_string(i)), "v");
  ASSERT_TRUE(db->Write(batch).ok());
}

TEST_F(RocksStorageTest, ElementFilterDropsRecordsOfDeadCollections) {
  Open();
  PutHash(db_.get(), "deleted", 1, 300, 0);
  PutHash(db_.get(), "replaced", 2, 200, 0);
  PutHash(db_.get(), "expiring", 3, 100, kStartMs + 1000);
  PutHash(db_.get(), "live", 4, 50, 0);
  PutHash(db_.get(), "overwritten", 5, 20, 0);
  ASSERT_TRUE(db_->Delete(QualifyKey(0, "deleted")).ok());  // DEL: metadata only, O(1)
  PutHash(db_.get(), "replaced", 6, 10, 0);                   // a new incarnation
  ASSERT_TRUE(db_->Put(QualifyKey(0, "overwritten"), "now a string", 0).ok());
  MustFlush();
  g_fake_now = kStartMs + 1001;
  ASSERT_TRUE(CompactAllForTest(db_.get()).ok());
  // Left: "live" (50) and the new "replaced" (10).
  EXPECT_EQ(ElementSstValueCountForTest(db_.get()), 60u);
  // And they are still readable after a restart.
  Open();
  std::string prefix = ElementPrefix(QualifyKey(0, "live"), 4);
  auto it = db_->NewElementIterator(prefix, PrefixEnd(prefix), false);
  int n = 0;
  for (; it->Valid(); it->Next()) ++n;
  EXPECT_EQ(n, 50);
}

TEST_F(RocksStorageTest, UpgradesAFormat1DirectoryInPlace) {
  // A directory as the release before issue 10 wrote it: stored key = [hash][user key], no
  // FORMAT file.
  {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, opts_.path, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    for (int i = 0; i < 2500; ++i) {
      std::string key = "old" + std::to_string(i);
      std::string stored = EncodePrefix(cluster::KeyHash(key)) + key;
      ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), stored,
                          EncodeValue(i % 2 ? 0 : kStartMs + 99999, ValueType::kString, "v"))
                      .ok());
    }
  }
  ASSERT_FALSE(std::filesystem::exists(opts_.path + "/FORMAT"));
  Open();
  for (int i = 0; i < 2500; i += 97) {
    Entry e;
    ASSERT_TRUE(db_->Get(QualifyKey(0, "old" + std::to_string(i)), &e).ok()) << i;
    EXPECT_EQ(e.payload, "v");
    EXPECT_EQ(e.expire_at_ms, i % 2 ? 0 : kStartMs + 99999);
  }
  uint64_t keys = 0, with_expiry = 0;
  ASSERT_TRUE(db_->CountKeys(&keys, &with_expiry).ok());
  EXPECT_EQ(keys, 2500u);
  EXPECT_EQ(with_expiry, 1250u);
  EXPECT_EQ(RawEntryCountForTest(db_.get()), 2500u);  // moved, not copied
  std::ifstream format(opts_.path + "/FORMAT");
  std::string word;
  format >> word;
  EXPECT_EQ(word, "2");
  // Opening again changes nothing.
  Open();
  ASSERT_TRUE(db_->CountKeys(&keys, &with_expiry).ok());
  EXPECT_EQ(keys, 2500u);
}

TEST_F(RocksStorageTest, RefusesANewerFormat) {
  Open();
  db_.reset();
  {
    std::ofstream out(opts_.path + "/FORMAT", std::ios::trunc);
    out << "3\n";
  }
  std::unique_ptr<Storage> out;
  Status s = OpenRocksStorage(opts_, &out);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("format 3, newer than this ringkv's 2"), std::string::npos)
      << s.message();
  EXPECT_EQ(out, nullptr);
}

// Polls until pred() holds or 15 s passed (a correctness wait, not a speed assertion).
template <typename Pred>
bool WithinSeconds(Pred pred) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

TEST_F(RocksStorageTest, BigCollectionDeletedWithARangeLeavesTheDiskByItself) {
  Open();
  PutHash(db_.get(), "big", 9, 5000, 0);
  PutHash(db_.get(), "small", 10, 10, 0);
  MustFlush();
  ASSERT_EQ(ElementSstValueCountForTest(db_.get()), 5010u);
  // DEL of a big collection (commands/keys.cc): the metadata and one range tombstone.
  std::string q = QualifyKey(0, "big");
  std::string prefix = ElementPrefix(q, 9);
  WriteBatch del;
  del.Delete(q);
  del.DeleteElementRange(prefix, PrefixEnd(prefix));
  ASSERT_TRUE(db_->Write(del).ok());
  // No manual compaction: the store compacts the range in the background.
  EXPECT_TRUE(WithinSeconds([&] { return ElementSstValueCountForTest(db_.get()) == 10u; }))
      << ElementSstValueCountForTest(db_.get());
  EXPECT_GE(db_->Stats().element_range_compactions, 1u);
  std::string v;
  EXPECT_TRUE(db_->GetElement(ElementKey(QualifyKey(0, "small"), 10, "f3"), &v).ok());
}

TEST_F(RocksStorageTest, ExpiredBigCollectionLeavesTheDiskByItself) {
  Open();
  PutHash(db_.get(), "ttl", 11, 3000, kStartMs + 5000);
  PutHash(db_.get(), "extended", 12, 2000, kStartMs + 5000);
  PutHash(db_.get(), "extended", 12, 2000, kStartMs + 600000);  // EXPIRE moved it later
  MustFlush();
  ASSERT_EQ(ElementSstValueCountForTest(db_.get()), 5000u);
  g_fake_now = kStartMs + 5001;
  EXPECT_TRUE(WithinSeconds([&] { return ElementSstValueCountForTest(db_.get()) == 2000u; }))
      << ElementSstValueCountForTest(db_.get());
  EXPECT_EQ(db_->Stats().reaped_collections, 1u);
  std::string v;
  EXPECT_TRUE(db_->GetElement(ElementKey(QualifyKey(0, "extended"), 12, "f7"), &v).ok());
}

}  // namespace
}  // namespace ringkv::storage
