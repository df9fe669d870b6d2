// Storage contract tests, typed over every backend: MemoryStorage and RocksStorage (in a fresh
// temporary directory per test) must behave identically, TTL and SCAN included.

#include "storage/storage.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cluster/key_hash.h"
#include "storage/collections.h"
#include "storage/db_view.h"
#include "storage/memory_storage.h"
#include "storage/rocks_storage.h"

namespace ringkv::storage {
namespace {

constexpr uint64_t kStartMs = 1'700'000'000'000;
std::atomic<uint64_t> g_fake_now{kStartMs};
uint64_t FakeNow() { return g_fake_now.load(); }

// The contract is tested the way commands use a store: through database 0's view, with user
// keys (db_view.h). `owned` is the store itself.
class Db0View : public DbView {
 public:
  explicit Db0View(std::unique_ptr<Storage> owned) : DbView(owned.get(), 0), owned_(std::move(owned)) {}

 private:
  std::unique_ptr<Storage> owned_;
};

struct MemoryBackend {
  static std::unique_ptr<Storage> Open(const std::string& /*dir*/) {
    return std::make_unique<Db0View>(NewMemoryStorage());
  }
};

struct RocksBackend {
  static std::unique_ptr<Storage> Open(const std::string& dir) {
    RocksOptions opts;
    opts.path = dir;
    opts.block_cache_bytes = 8 << 20;
    opts.write_buffer_bytes = 4 << 20;
    std::unique_ptr<Storage> out;
    Status s = OpenRocksStorage(opts, &out);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out ? std::make_unique<Db0View>(std::move(out)) : nullptr;
  }
};

template <typename Backend>
class StorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_fake_now = kStartMs;
    SetClockForTest(&FakeNow);
    char tmpl[] = "/tmp/ringkv_storage_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    db_ = Backend::Open(dir_ + "/db");
    ASSERT_NE(db_, nullptr);
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
    SetClockForTest(nullptr);
  }

  void MustPut(std::string_view key, std::string_view payload, uint64_t expire_at_ms = 0) {
    Status s = db_->Put(key, payload, expire_at_ms);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  // The payload of `key`, or "<notfound>".
  std::string GetOrMissing(std::string_view key) {
    Entry e;
    Status s = db_->Get(key, &e);
    if (s.IsNotFound()) return "<notfound>";
    EXPECT_TRUE(s.ok()) << s.ToString();
    return e.payload;
  }
  // Walks the whole keyspace with `count`, checking that cursors only move forward.
  std::vector<std::string> ScanAll(size_t count, uint64_t end = 0, uint64_t start = 0,
                                   size_t* calls = nullptr) {
    std::vector<std::string> keys;
    uint64_t cursor = start;
    size_t n = 0;
    do {
      std::vector<ScanItem> items;
      uint64_t next = 0;
      Status s = db_->Scan(cursor, count, &items, &next, end);
      EXPECT_TRUE(s.ok()) << s.ToString();
      if (!s.ok()) break;
      for (const ScanItem& item : items) keys.push_back(item.key);
      if (next != 0) {
        EXPECT_GT(next, cursor);
        if (end != 0) {
          EXPECT_LT(next, end);
        }
      }
      cursor = next;
      ++n;
      if (n > 100000) {
        ADD_FAILURE() << "scan does not terminate";
        break;
      }
    } while (cursor != 0);
    if (calls != nullptr) *calls = n;
    return keys;
  }

  std::string dir_;
  std::unique_ptr<Storage> db_;
};

using Backends = ::testing::Types<MemoryBackend, RocksBackend>;
class BackendNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, MemoryBackend> ? "Memory" : "Rocks";
  }
};
TYPED_TEST_SUITE(StorageTest, Backends, BackendNames);

TYPED_TEST(StorageTest, GetPutDelete) {
  Entry e;
  EXPECT_TRUE(this->db_->Get("k", &e).IsNotFound());
  this->MustPut("k", "v");
  ASSERT_TRUE(this->db_->Get("k", &e).ok());
  EXPECT_EQ(e.payload, "v");
  EXPECT_EQ(e.expire_at_ms, 0u);
  EXPECT_EQ(e.type, ValueType::kString);
  ASSERT_TRUE(this->db_->Delete("k").ok());
  EXPECT_TRUE(this->db_->Get("k", &e).IsNotFound());
  EXPECT_TRUE(this->db_->Delete("k").ok());  // deleting an absent key is fine
}

TYPED_TEST(StorageTest, ExistsReportsMetadata) {
  Entry e;
  EXPECT_TRUE(this->db_->Exists("k", &e).IsNotFound());
  this->MustPut("k", "value", kStartMs + 5000);
  ASSERT_TRUE(this->db_->Exists("k", &e).ok());
  EXPECT_EQ(e.expire_at_ms, kStartMs + 5000);
  EXPECT_EQ(e.type, ValueType::kString);
}

TYPED_TEST(StorageTest, OverwriteReplacesPayloadAndExpiry) {
  this->MustPut("k", "first", kStartMs + 1000);
  this->MustPut("k", "second");
  Entry e;
  ASSERT_TRUE(this->db_->Get("k", &e).ok());
  EXPECT_EQ(e.payload, "second");
  EXPECT_EQ(e.expire_at_ms, 0u);
  g_fake_now = kStartMs + 10000;
  EXPECT_EQ(this->GetOrMissing("k"), "second");
}

TYPED_TEST(StorageTest, BinaryKeysAndValues) {
  const std::string k1("a\0b", 3), k2("a\0c", 3), k3("a", 1);
  const std::string v1("\0\0\xff\x01", 4), v2(1 << 16, '\0');
  this->MustPut(k1, v1);
  this->MustPut(k2, v2);
  this->MustPut(k3, "");
  this->MustPut("", "empty key");
  EXPECT_EQ(this->GetOrMissing(k1), v1);
  EXPECT_EQ(this->GetOrMissing(k2), v2);
  EXPECT_EQ(this->GetOrMissing(k3), "");
  EXPECT_EQ(this->GetOrMissing(""), "empty key");
  std::vector<std::string> keys = this->ScanAll(100);
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"", k3, k1, k2}));
}

TYPED_TEST(StorageTest, ExpiredValuesAreAbsent) {
  this->MustPut("ttl", "v", kStartMs + 1000);
  this->MustPut("persist", "p");
  this->MustPut("past", "x", kStartMs - 1);  // already expired when written
  Entry e;
  EXPECT_EQ(this->GetOrMissing("ttl"), "v");
  EXPECT_TRUE(this->db_->Get("past", &e).IsNotFound());
  EXPECT_TRUE(this->db_->Exists("past", &e).IsNotFound());

  g_fake_now = kStartMs + 999;
  EXPECT_EQ(this->GetOrMissing("ttl"), "v");
  uint64_t keys = 0, with_expiry = 0;
  ASSERT_TRUE(this->db_->CountKeys(&keys, &with_expiry).ok());
  EXPECT_EQ(keys, 2u);
  EXPECT_EQ(with_expiry, 1u);

  g_fake_now = kStartMs + 1000;  // the expiry millisecond itself: still there (Redis: now > when)
  EXPECT_EQ(this->GetOrMissing("ttl"), "v");
  g_fake_now = kStartMs + 1001;
  EXPECT_TRUE(this->db_->Get("ttl", &e).IsNotFound());
  EXPECT_TRUE(this->db_->Exists("ttl", &e).IsNotFound());
  EXPECT_EQ(this->GetOrMissing("persist"), "p");
  ASSERT_TRUE(this->db_->CountKeys(&keys, &with_expiry).ok());
  EXPECT_EQ(keys, 1u);
  EXPECT_EQ(with_expiry, 0u);
  EXPECT_EQ(this->ScanAll(10), std::vector<std::string>{"persist"});

  // A new Put over an expired key revives it.
  this->MustPut("ttl", "again");
  EXPECT_EQ(this->GetOrMissing("ttl"), "again");
}

TYPED_TEST(StorageTest, WriteBatchAppliesPutsAndDeletesInOrder) {
  this->MustPut("old", "1");
  this->MustPut("gone", "2");
  WriteBatch batch;
  batch.Put("new", "n", kStartMs + 100);
  batch.Delete("gone");
  batch.Put("old", "replaced", 0);
  batch.Put("tmp", "t", 0);
  batch.Delete("tmp");  // later op wins
  ASSERT_TRUE(this->db_->Write(batch).ok());
  Entry e;
  ASSERT_TRUE(this->db_->Get("new", &e).ok());
  EXPECT_EQ(e.payload, "n");
  EXPECT_EQ(e.expire_at_ms, kStartMs + 100);
  EXPECT_EQ(this->GetOrMissing("gone"), "<notfound>");
  EXPECT_EQ(this->GetOrMissing("old"), "replaced");
  EXPECT_EQ(this->GetOrMissing("tmp"), "<notfound>");
  EXPECT_TRUE(this->db_->Write(WriteBatch()).ok());
}

TYPED_TEST(StorageTest, WriteBatchIsAtomicForConcurrentReaders) {
  // A writer bumps two keys together; reading a then b must never find b older than a, which a
  // non-atomic put-a-then-put-b would show.
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 2000; ++i) {
      WriteBatch b;
      b.Put("{p}a", std::to_string(i), 0);
      b.Put("{p}b", std::to_string(i), 0);
      EXPECT_TRUE(this->db_->Write(b).ok());
    }
    stop = true;
  });
  size_t mismatches = 0;
  while (!stop) {
    Entry a, b;
    if (this->db_->Get("{p}a", &a).ok() && this->db_->Get("{p}b", &b).ok() &&
        std::stoi(b.payload) < std::stoi(a.payload)) {
      ++mismatches;
    }
  }
  writer.join();
  EXPECT_EQ(mismatches, 0u);
  EXPECT_EQ(this->GetOrMissing("{p}a"), "1999");
  EXPECT_EQ(this->GetOrMissing("{p}b"), "1999");
}

TYPED_TEST(StorageTest, ScanWalksEveryKeyExactlyOnce) {
  std::set<std::string> want;
  for (int i = 0; i < 300; ++i) want.insert("key:" + std::to_string(i));
  for (int i = 0; i < 20; ++i)
    want.insert("{grp" + std::to_string(i % 4) + "}m" + std::to_string(i));
  for (const std::string& k : want) this->MustPut(k, "v");
  for (size_t count : {1, 3, 10, 1000}) {
    SCOPED_TRACE(count);
    size_t calls = 0;
    std::vector<std::string> got = this->ScanAll(count, 0, 0, &calls);
    std::multiset<std::string> seen(got.begin(), got.end());
    EXPECT_EQ(seen.size(), want.size());
    EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), want);
    if (count == 1000) {
      EXPECT_EQ(calls, 1u);
    }
    if (count == 1) {
      EXPECT_GT(calls, 250u);  // the bound really applies
    }
    // Keys come back in ring order.
    for (size_t i = 1; i < got.size(); ++i) {
      EXPECT_LE(cluster::KeyHash(got[i - 1]), cluster::KeyHash(got[i]));
    }
  }
}

TYPED_TEST(StorageTest, ScanCursorIsARingPosition) {
  for (int i = 0; i < 50; ++i) this->MustPut("k" + std::to_string(i), "v");
  std::vector<ScanItem> items;
  uint64_t next = 0;
  ASSERT_TRUE(this->db_->Scan(0, 7, &items, &next).ok());
  ASSERT_NE(next, 0u);
  // Resuming at the returned cursor yields keys at or after it, none already returned.
  std::vector<ScanItem> rest;
  uint64_t next2 = 0;
  ASSERT_TRUE(this->db_->Scan(next, 1000, &rest, &next2).ok());
  EXPECT_EQ(next2, 0u);
  EXPECT_EQ(items.size() + rest.size(), 50u);
  EXPECT_EQ(cluster::KeyHash(rest.front().key), next);
  for (const ScanItem& it : rest) EXPECT_GE(cluster::KeyHash(it.key), next);
  for (const ScanItem& it : items) EXPECT_LT(cluster::KeyHash(it.key), next);
  // A cursor taken from any key's hash starts exactly at that key.
  std::vector<ScanItem> one;
  ASSERT_TRUE(this->db_->Scan(cluster::KeyHash("k17"), 1, &one, &next).ok());
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].key, "k17");
}

TYPED_TEST(StorageTest, ScanNeverSplitsATagGroup) {
  for (int i = 0; i < 50; ++i) this->MustPut("{t}k" + std::to_string(i), "v");
  for (int i = 0; i < 30; ++i) this->MustPut("other" + std::to_string(i), "v");
  // With count 1 every call that touches the group returns all 50 of its keys.
  uint64_t cursor = 0;
  size_t calls = 0, group_calls = 0, total = 0;
  std::set<std::string> seen;
  do {
    std::vector<ScanItem> items;
    uint64_t next;
    ASSERT_TRUE(this->db_->Scan(cursor, 1, &items, &next).ok());
    size_t in_group = 0;
    for (const ScanItem& it : items) {
      seen.insert(it.key);
      if (it.key.rfind("{t}", 0) == 0) ++in_group;
    }
    if (in_group > 0) {
      ++group_calls;
      EXPECT_EQ(in_group, 50u);
      EXPECT_EQ(items.size(), 50u);
    }
    total += items.size();
    if (next != 0) {
      ASSERT_GT(next, cursor);
    }
    cursor = next;
    ASSERT_LT(++calls, 1000u);
  } while (cursor != 0);
  EXPECT_EQ(group_calls, 1u);
  EXPECT_EQ(total, 80u);
  EXPECT_EQ(seen.size(), 80u);
  EXPECT_EQ(calls, 31u);  // 30 single keys + one group
}

TYPED_TEST(StorageTest, ScanCountsExpiredEntriesTowardTheBound) {
  for (int i = 0; i < 100; ++i) this->MustPut("e" + std::to_string(i), "v", kStartMs + 10);
  this->MustPut("live", "v");
  g_fake_now = kStartMs + 11;
  std::vector<ScanItem> items;
  uint64_t next = 0;
  ASSERT_TRUE(this->db_->Scan(0, 10, &items, &next).ok());
  EXPECT_LE(items.size(), 1u);
  EXPECT_NE(next, 0u);  // stopped after ~10 entries, not at the end
  EXPECT_EQ(this->ScanAll(10), std::vector<std::string>{"live"});
}

TYPED_TEST(StorageTest, ScanStopsAtEnd) {
  std::vector<std::string> all;
  for (int i = 0; i < 200; ++i) {
    all.push_back("s" + std::to_string(i));
    this->MustPut(all.back(), "v");
  }
  std::vector<uint64_t> hashes;
  for (const std::string& k : all) hashes.push_back(cluster::KeyHash(k));
  std::sort(hashes.begin(), hashes.end());
  const uint64_t mid = hashes[100];
  for (size_t count : {1, 7, 1000}) {
    SCOPED_TRACE(count);
    std::vector<std::string> low = this->ScanAll(count, mid);
    std::vector<std::string> high = this->ScanAll(count, 0, mid);
    EXPECT_EQ(low.size(), 100u);
    EXPECT_EQ(high.size(), 100u);
    for (const std::string& k : low) EXPECT_LT(cluster::KeyHash(k), mid);
    for (const std::string& k : high) EXPECT_GE(cluster::KeyHash(k), mid);
  }
  // A range that ends at or before its start is empty.
  std::vector<ScanItem> items;
  uint64_t next = 1;
  ASSERT_TRUE(this->db_->Scan(mid, 10, &items, &next, mid).ok());
  EXPECT_TRUE(items.empty());
  EXPECT_EQ(next, 0u);
}

TYPED_TEST(StorageTest, DeleteAllRemovesEverything) {
  for (int i = 0; i < 500; ++i)
    this->MustPut("d" + std::to_string(i), "v", i % 2 ? 0 : kStartMs + 9);
  ASSERT_TRUE(this->db_->DeleteAll().ok());
  uint64_t keys = 1, with_expiry = 1;
  ASSERT_TRUE(this->db_->CountKeys(&keys, &with_expiry).ok());
  EXPECT_EQ(keys, 0u);
  EXPECT_EQ(with_expiry, 0u);
  EXPECT_TRUE(this->ScanAll(100).empty());
  EXPECT_EQ(this->GetOrMissing("d1"), "<notfound>");
  this->MustPut("d1", "after");
  EXPECT_EQ(this->GetOrMissing("d1"), "after");
  ASSERT_TRUE(this->db_->CountKeys(&keys, &with_expiry).ok());
  EXPECT_EQ(keys, 1u);
}

TYPED_TEST(StorageTest, CountKeysCountsLiveKeysAndExpiries) {
  uint64_t keys = 1, with_expiry = 1;
  ASSERT_TRUE(this->db_->CountKeys(&keys, &with_expiry).ok());
  EXPECT_EQ(keys, 0u);
  EXPECT_EQ(with_expiry, 0u);
  for (int i = 0; i < 40; ++i) this->MustPut("p" + std::to_string(i), "v");
  for (int i = 0; i < 30; ++i) this->MustPut("t" + std::to_string(i), "v", kStartMs + 100);
  for (int i = 0; i < 20; ++i) this->MustPut("u" + std::to_string(i), "v", kStartMs + 200);
  ASSERT_TRUE(this->db_->Delete("p0").ok());
  ASSERT_TRUE(this->db_->CountKeys(&keys, &with_expiry).ok());
  EXPECT_EQ(keys, 89u);
  EXPECT_EQ(with_expiry, 50u);
  g_fake_now = kStartMs + 150;
  ASSERT_TRUE(this->db_->CountKeys(&keys, &with_expiry).ok());
  EXPECT_EQ(keys, 59u);
  EXPECT_EQ(with_expiry, 20u);
}

TYPED_TEST(StorageTest, ConcurrentWritersFromManyThreads) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 500; ++i) {
        Status s = this->db_->Put("c" + std::to_string(t) + ":" + std::to_string(i), "v", 0);
        EXPECT_TRUE(s.ok());
      }
    });
  }
  for (std::thread& th : threads) th.join();
  uint64_t keys = 0, with_expiry = 0;
  ASSERT_TRUE(this->db_->CountKeys(&keys, &with_expiry).ok());
  EXPECT_EQ(keys, 2000u);
}

TYPED_TEST(StorageTest, FlushKeepsDataReadable) {
  this->MustPut("f", "v");
  ASSERT_TRUE(this->db_->Flush().ok());
  EXPECT_EQ(this->GetOrMissing("f"), "v");
  StorageStats stats = this->db_->Stats();
  EXPECT_FALSE(stats.engine_info.empty());
  EXPECT_GE(stats.estimated_keys, 1u);
}

// ---- element records (issue 10) ----

// The element keys of a small hash "h" (db 0), version v, fields f0..f(n-1).
std::vector<std::string> HashElements(uint64_t version, int n) {
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) {
    keys.push_back(ElementKey(QualifyKey(0, "h"), version, "f" + std::to_string(i)));
  }
  return keys;
}

std::vector<std::pair<std::string, std::string>> Walk(Storage& db, std::string_view lower,
                                                      std::string_view upper, bool reverse) {
  std::vector<std::pair<std::string, std::string>> out;
  auto it = db.NewElementIterator(lower, upper, reverse);
  for (; it->Valid(); it->Next()) out.emplace_back(std::string(it->key()), std::string(it->value()));
  EXPECT_TRUE(it->status().ok());
  return out;
}

TYPED_TEST(StorageTest, ElementsAreWrittenWithTheirMetadataAndWalkedInOrder) {
  CollectionMeta meta;
  meta.version = 7;
  meta.size = 5;
  WriteBatch batch;
  batch.Put("h", EncodeMeta(ValueType::kHash, meta), 0, ValueType::kHash);
  std::vector<std::string> keys = HashElements(7, 5);
  for (size_t i = 0; i < keys.size(); ++i) batch.PutElement(keys[i], "v" + std::to_string(i));
  // Another key's and another version's records around them.
  batch.PutElement(ElementKey(QualifyKey(0, "h2"), 7, "x"), "other key");
  batch.PutElement(ElementKey(QualifyKey(0, "h"), 6, "old"), "old version");
  batch.PutElement(ElementKey(QualifyKey(0, "h"), 8, "new"), "newer version");
  ASSERT_TRUE(this->db_->Write(batch).ok());

  Entry e;
  ASSERT_TRUE(this->db_->Get("h", &e).ok());
  EXPECT_EQ(e.type, ValueType::kHash);
  CollectionMeta got;
  ASSERT_TRUE(DecodeMeta(ValueType::kHash, e.payload, &got).ok());
  EXPECT_EQ(got.version, 7u);
  EXPECT_EQ(got.size, 5u);

  std::string prefix = ElementPrefix(QualifyKey(0, "h"), 7);
  auto fwd = Walk(*this->db_, prefix, PrefixEnd(prefix), false);
  ASSERT_EQ(fwd.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(fwd[i].first, keys[i]);
    EXPECT_EQ(fwd[i].second, "v" + std::to_string(i));
  }
  auto rev = Walk(*this->db_, prefix, PrefixEnd(prefix), true);
  ASSERT_EQ(rev.size(), 5u);
  EXPECT_EQ(rev.front().first, keys[4]);
  EXPECT_EQ(rev.back().first, keys[0]);
  // A bounded middle stretch, both ways.
  auto mid = Walk(*this->db_, keys[1], keys[3], false);
  ASSERT_EQ(mid.size(), 2u);
  EXPECT_EQ(mid[0].first, keys[1]);
  auto mid_rev = Walk(*this->db_, keys[1], keys[3], true);
  ASSERT_EQ(mid_rev.size(), 2u);
  EXPECT_EQ(mid_rev[0].first, keys[2]);

  std::string v;
  ASSERT_TRUE(this->db_->GetElement(keys[2], &v).ok());
  EXPECT_EQ(v, "v2");
  EXPECT_TRUE(this->db_->GetElement(ElementKey(QualifyKey(0, "h"), 7, "nope"), &v).IsNotFound());

  // Element records are not keys: SCAN and the key count see only "h".
  EXPECT_EQ(this->ScanAll(10), std::vector<std::string>{"h"});
  uint64_t nkeys = 0, with_expiry = 0;
  ASSERT_TRUE(this->db_->CountKeys(&nkeys, &with_expiry).ok());
  EXPECT_EQ(nkeys, 1u);

  WriteBatch del;
  del.DeleteElement(keys[0]);
  ASSERT_TRUE(this->db_->Write(del).ok());
  EXPECT_EQ(Walk(*this->db_, prefix, PrefixEnd(prefix), false).size(), 4u);

  // FLUSHDB removes the keys (their elements become unreachable and wait for compaction);
  // FLUSHALL (the store's DeleteAll) removes element records too.
  ASSERT_TRUE(this->db_->DeleteAll().ok());
  EXPECT_TRUE(this->db_->Get("h", &e).IsNotFound());
  ASSERT_TRUE(static_cast<DbView*>(this->db_.get())->base()->DeleteAll().ok());
  EXPECT_TRUE(Walk(*this->db_, "", "", false).empty());
}

TYPED_TEST(StorageTest, DatabasesAreSeparateKeyspaces) {
  Storage* base = static_cast<DbView*>(this->db_.get())->base();  // db_ is database 0's view
  DbView db1(base, 1), db2(base, 2);
  ASSERT_TRUE(this->db_->Put("k", "zero", 0).ok());
  ASSERT_TRUE(db1.Put("k", "one", kStartMs + 50).ok());
  ASSERT_TRUE(db1.Put("only1", "x", 0).ok());
  Entry e;
  ASSERT_TRUE(db1.Get("k", &e).ok());
  EXPECT_EQ(e.payload, "one");
  EXPECT_EQ(this->GetOrMissing("k"), "zero");
  EXPECT_TRUE(db2.Get("k", &e).IsNotFound());
  EXPECT_EQ(this->GetOrMissing("only1"), "<notfound>");

  std::vector<DbKeyCount> per_db(3);
  ASSERT_TRUE(CountKeysPerDb(base, &per_db).ok());
  EXPECT_EQ(per_db[0].keys, 1u);
  EXPECT_EQ(per_db[1].keys, 2u);
  EXPECT_EQ(per_db[1].expires, 1u);
  EXPECT_EQ(per_db[2].keys, 0u);
  uint64_t keys = 0, with_expiry = 0;
  ASSERT_TRUE(db1.CountKeys(&keys, &with_expiry).ok());
  EXPECT_EQ(keys, 2u);

  // SCAN in db 1 lists its keys without the db byte; FLUSHDB of db 1 leaves db 0 alone.
  std::vector<ScanItem> items;
  uint64_t next = 0;
  ASSERT_TRUE(db1.Scan(0, 100, &items, &next).ok());
  std::set<std::string> names;
  for (auto& it : items) names.insert(it.key);
  EXPECT_EQ(names, (std::set<std::string>{"k", "only1"}));
  ASSERT_TRUE(db1.DeleteAll().ok());
  ASSERT_TRUE(db1.CountKeys(&keys, &with_expiry).ok());
  EXPECT_EQ(keys, 0u);
  EXPECT_EQ(this->GetOrMissing("k"), "zero");
}

}  // namespace
}  // namespace ringkv::storage
