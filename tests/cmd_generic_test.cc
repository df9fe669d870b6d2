// Generic (keyspace) command tests over every type, in-process through the real Dispatch
// (CommandHarness) over MemoryStorage with a fake clock: RENAME/RENAMENX, COPY, MOVE, OBJECT,
// SORT/SORT_RO, and TYPE/SCAN TYPE/EXISTS/DEL/EXPIRE/PERSIST/TTL/KEYS/RANDOMKEY/FLUSHDB/DBSIZE
// with collections, databases kept apart. Expected bytes are Redis 7.0.15's (checked against
// redis-server where not obvious).
//
// Collections are written straight through the storage API (metadata + element records, the
// encodings of storage/collections.h), so these tests do not depend on the family commands;
// ReadBack reads a collection the same way.

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "command_harness.h"
#include "txn/group_commit.h"
#include "resp_expect.h"
#include "storage/collections.h"
#include "storage/db_view.h"

namespace ringkv {
namespace {

using namespace test;  // kOk, Bulk(), Arr(), ...: resp_expect.h

using storage::ValueType;

const std::string kSame = "-ERR source and destination objects are the same\r\n";
const std::string kDbRange = "-ERR DB index is out of range\r\n";

using Pairs = std::vector<std::pair<std::string, std::string>>;

class GenericCommandsTest : public ::testing::Test {
 protected:
  // ---- collections written and read through the storage API ----

  void Write(int db, const std::string& key, ValueType type, const Pairs& elements,
             uint64_t expire_at_ms, uint64_t head = storage::kListMidpoint) {
    storage::DbView view(&h.storage(), static_cast<uint8_t>(db));
    const std::string q = view.Qualify(key);
    storage::CollectionMeta meta;
    meta.version = storage::NewVersion();
    meta.head = meta.tail = head;
    storage::WriteBatch batch;
    for (const auto& [sub, value] : elements) {
      batch.PutElement(storage::ElementKey(q, meta.version, sub), value);
    }
    meta.size = type == ValueType::kZset ? elements.size() / 2 : elements.size();
    if (type == ValueType::kList) meta.tail = meta.head + elements.size();
    batch.Put(key, storage::EncodeMeta(type, meta), expire_at_ms, type);
    ASSERT_TRUE(view.Write(batch).ok());
  }
  void MakeHash(const std::string& key, const Pairs& fields, int db = 0, uint64_t expire = 0) {
    Write(db, key, ValueType::kHash, fields, expire);
  }
  void MakeSet(const std::string& key, const std::vector<std::string>& members, int db = 0,
               uint64_t expire = 0) {
    Pairs e;
    for (const std::string& m : members) e.push_back({m, ""});
    Write(db, key, ValueType::kSet, e, expire);
  }
  // `head` places the items somewhere other than the midpoint (lists grow both ways).
  void MakeList(const std::string& key, const std::vector<std::string>& items, int db = 0,
                uint64_t expire = 0, uint64_t head = storage::kListMidpoint - 2) {
    Pairs e;
    for (size_t i = 0; i < items.size(); ++i)
      e.push_back({storage::EncodeIndex(head + i), items[i]});
    Write(db, key, ValueType::kList, e, expire, head);
  }
  void MakeZset(const std::string& key, const std::vector<std::pair<double, std::string>>& members,
                int db = 0, uint64_t expire = 0) {
    Pairs e;
    for (const auto& [score, member] : members) {
      e.push_back({storage::kZsetMemberTag + member, storage::EncodeScore(score)});
      e.push_back({storage::kZsetScoreTag + storage::EncodeScore(score) + member, ""});
    }
    Write(db, key, ValueType::kZset, e, expire);
  }

  // The type and element records (sub -> value, in key order) of a key; "none" if absent.
  std::string ReadBack(const std::string& key, Pairs* elements, int db = 0,
                       storage::CollectionMeta* meta_out = nullptr) {
    elements->clear();
    storage::DbView view(&h.storage(), static_cast<uint8_t>(db));
    storage::Entry e;
    if (!view.Get(key, &e).ok()) return "none";
    if (e.type == ValueType::kString) {
      elements->push_back({"", e.payload});
      return "string";
    }
    storage::CollectionMeta meta;
    EXPECT_TRUE(storage::DecodeMeta(e.type, e.payload, &meta).ok());
    if (meta_out != nullptr) *meta_out = meta;
    const std::string prefix = storage::ElementPrefix(view.Qualify(key), meta.version);
    auto it = view.NewElementIterator(prefix, storage::PrefixEnd(prefix), false);
    for (; it->Valid(); it->Next()) {
      elements->push_back({std::string(it->key().substr(prefix.size())), std::string(it->value())});
    }
    EXPECT_EQ(elements->size(), e.type == ValueType::kZset ? meta.size * 2 : meta.size) << key;
    switch (e.type) {
      case ValueType::kHash:
        return "hash";
      case ValueType::kList:
        return "list";
      case ValueType::kSet:
        return "set";
      case ValueType::kZset:
        return "zset";
      default:
        return "?";
    }
  }
  // The values of a list, in order.
  std::vector<std::string> ListItems(const std::string& key, int db = 0) {
    Pairs e;
    EXPECT_EQ(ReadBack(key, &e, db), "list");
    std::vector<std::string> out;
    for (const auto& p : e) out.push_back(p.second);
    return out;
  }
  // Number of element records of every version stored under a key (dead versions included).
  size_t AllElementRecords(const std::string& key, int db = 0) {
    storage::DbView view(&h.storage(), static_cast<uint8_t>(db));
    const std::string q = view.Qualify(key);
    // Versions are 8 bytes after the qualified key: version 0 .. the largest.
    const std::string lower = storage::ElementPrefix(q, 0);
    const std::string upper = storage::PrefixEnd(storage::ElementPrefix(q, ~uint64_t{0}));
    size_t n = 0;
    for (auto it = view.NewElementIterator(lower, upper, false); it->Valid(); it->Next()) ++n;
    return n;
  }

  // One of each type in db 0: h (hash), l (list), s (set), z (zset), str (string).
  void MakeOneOfEach() {
    MakeHash("h", {{"f1", "v1"}, {"f2", "v2"}});
    MakeList("l", {"a", "b", "c"});
    MakeSet("s", {"m1", "m2", "m3"});
    MakeZset("z", {{1, "one"}, {2, "two"}});
    EXPECT_EQ(h.Run({"set", "str", "v"}), kOk);
  }

  CommandHarness h;
};

const char* const kAllKeys[] = {"h", "l", "s", "z", "str"};
const char* const kTypes[] = {"hash", "list", "set", "zset", "string"};

// --- TYPE, EXISTS, DEL, UNLINK, TOUCH on every type ----------------------------------------------

TEST_F(GenericCommandsTest, TypeOfEveryType) {
  MakeOneOfEach();
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(h.Run({"type", kAllKeys[i]}), "+" + std::string(kTypes[i]) + "\r\n");
  }
  h.SetProto(3);
  EXPECT_EQ(h.Run({"type", "z"}), "+zset\r\n");
  EXPECT_EQ(h.Run({"type", "nope"}), "+none\r\n");
}

TEST_F(GenericCommandsTest, ExistsDelUnlinkTouchOnCollections) {
  MakeOneOfEach();
  EXPECT_EQ(h.Run({"exists", "h", "l", "s", "z", "str", "nope", "h"}), Int(6));
  EXPECT_EQ(h.Run({"touch", "h", "l", "s", "z", "x"}), Int(4));
  EXPECT_EQ(h.Run({"del", "h", "l", "nope"}), Int(2));
  EXPECT_EQ(h.Run({"unlink", "s", "z", "s"}), Int(2));
  EXPECT_EQ(h.Run({"exists", "h", "l", "s", "z"}), Int(0));
  EXPECT_EQ(h.Run({"dbsize"}), Int(1));
  // DEL is O(1): the elements stay until the compaction filter drops them, unreachable.
  Pairs e;
  EXPECT_EQ(ReadBack("h", &e), "none");
  MakeHash("h", {{"new", "1"}});
  EXPECT_EQ(ReadBack("h", &e), "hash");
  EXPECT_EQ(e, (Pairs{{"new", "1"}}));
}

// --- EXPIRE family, PERSIST, TTL on every type ---------------------------------------------------

TEST_F(GenericCommandsTest, ExpireTtlPersistOnEveryType) {
  MakeOneOfEach();
  for (const char* key : kAllKeys) {
    SCOPED_TRACE(key);
    EXPECT_EQ(h.Run({"ttl", key}), Int(-1));
    EXPECT_EQ(h.Run({"expire", key, "100"}), Int(1));
    EXPECT_EQ(h.Run({"ttl", key}), Int(100));
    EXPECT_EQ(h.Run({"pexpire", key, "5000", "lt"}), Int(1));
    EXPECT_EQ(h.Run({"pttl", key}), Int(5000));
    EXPECT_EQ(h.Run({"expiretime", key}), Int((h.NowMs() + 5000 + 500) / 1000));
    EXPECT_EQ(h.Run({"persist", key}), Int(1));
    EXPECT_EQ(h.Run({"persist", key}), Int(0));
    EXPECT_EQ(h.Run({"ttl", key}), Int(-1));
    EXPECT_EQ(h.Run({"pexpire", key, "1000"}), Int(1));
  }
  // The metadata rewrite kept every element.
  Pairs e;
  EXPECT_EQ(ReadBack("z", &e), "zset");
  EXPECT_EQ(e.size(), 4u);
  h.AdvanceClockMs(1001);
  for (const char* key : kAllKeys) {
    EXPECT_EQ(h.Run({"type", key}), "+none\r\n") << key;
    EXPECT_EQ(h.Run({"ttl", key}), Int(-2)) << key;
    EXPECT_EQ(h.Run({"exists", key}), Int(0)) << key;
  }
  EXPECT_EQ(h.Run({"dbsize"}), Int(0));
  EXPECT_EQ(h.Run({"keys", "*"}), "*0\r\n");
  EXPECT_EQ(h.Run({"randomkey"}), kNil);
}

TEST_F(GenericCommandsTest, PastExpiryDeletesCollection) {
  MakeList("l", {"a"});
  EXPECT_EQ(h.Run({"expire", "l", "-1"}), Int(1));
  EXPECT_EQ(h.Run({"exists", "l"}), Int(0));
  MakeSet("s", {"a"});
  EXPECT_EQ(h.Run({"pexpireat", "s", "1"}), Int(1));
  EXPECT_EQ(h.Run({"type", "s"}), "+none\r\n");
}

// --- KEYS, SCAN ... TYPE, RANDOMKEY, DBSIZE, FLUSHDB ---------------------------------------------

TEST_F(GenericCommandsTest, KeysAndScanTypeSeeCollections) {
  MakeOneOfEach();
  EXPECT_EQ(Sorted(Bulks(h.Run({"keys", "*"}))),
            (std::vector<std::string>{"h", "l", "s", "str", "z"}));
  EXPECT_EQ(Sorted(Bulks(h.Run({"keys", "?"}))), (std::vector<std::string>{"h", "l", "s", "z"}));
  for (size_t i = 0; i < 5; ++i) {
    std::vector<std::string> parts =
        Bulks(h.Run({"scan", "0", "count", "1000", "type", kTypes[i]}));
    ASSERT_EQ(parts.size(), 2u) << kTypes[i];
    EXPECT_EQ(parts[0], "0");
    EXPECT_EQ(parts[1], kAllKeys[i]);
  }
  // Type names compare case-insensitively; unknown ones match nothing.
  EXPECT_EQ(Bulks(h.Run({"scan", "0", "count", "1000", "type", "HASH"})),
            (std::vector<std::string>{"0", "h"}));
  EXPECT_EQ(h.Run({"scan", "0", "count", "1000", "type", "stream"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  EXPECT_EQ(Bulks(h.Run({"scan", "0", "count", "1000", "match", "s*", "type", "set"})),
            (std::vector<std::string>{"0", "s"}));
}

TEST_F(GenericCommandsTest, RandomKeyReturnsCollections) {
  MakeSet("only", {"x"});
  EXPECT_EQ(h.Run({"randomkey"}), Bulk("only"));
  MakeZset("z", {{1, "a"}});
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) seen.insert(Bulks(h.Run({"randomkey"}))[0]);
  EXPECT_EQ(seen, (std::set<std::string>{"only", "z"}));
}

TEST_F(GenericCommandsTest, DatabasesAreSeparate) {
  MakeOneOfEach();
  MakeHash("h", {{"other", "db"}}, 3);
  MakeList("only3", {"x"}, 3);
  EXPECT_EQ(h.Run({"dbsize"}), Int(5));
  EXPECT_EQ(h.Run({"select", "3"}), kOk);
  EXPECT_EQ(h.Run({"dbsize"}), Int(2));
  EXPECT_EQ(h.Run({"type", "h"}), "+hash\r\n");
  EXPECT_EQ(h.Run({"type", "l"}), "+none\r\n");
  EXPECT_EQ(Sorted(Bulks(h.Run({"keys", "*"}))), (std::vector<std::string>{"h", "only3"}));
  EXPECT_EQ(Bulks(h.Run({"scan", "0", "count", "1000", "type", "list"})),
            (std::vector<std::string>{"0", "only3"}));
  EXPECT_EQ(h.Run({"exists", "s", "z", "str"}), Int(0));
  EXPECT_EQ(h.Run({"del", "l"}), Int(0));
  // FLUSHDB empties db 3 only.
  EXPECT_EQ(h.Run({"flushdb"}), kOk);
  EXPECT_EQ(h.Run({"dbsize"}), Int(0));
  EXPECT_EQ(h.Run({"randomkey"}), kNil);
  EXPECT_EQ(h.Run({"select", "0"}), kOk);
  EXPECT_EQ(h.Run({"dbsize"}), Int(5));
  Pairs e;
  EXPECT_EQ(ReadBack("h", &e), "hash");
  EXPECT_EQ(e.size(), 2u);
  // FLUSHALL empties every database.
  MakeSet("s15", {"x"}, 15);
  EXPECT_EQ(h.Run({"flushall"}), kOk);
  EXPECT_EQ(h.Run({"dbsize"}), Int(0));
  EXPECT_EQ(h.Run({"select", "15"}), kOk);
  EXPECT_EQ(h.Run({"dbsize"}), Int(0));
}

TEST_F(GenericCommandsTest, SelectRange) {
  EXPECT_EQ(h.Run({"select", "15"}), kOk);
  EXPECT_EQ(h.Run({"select", "16"}), kDbRange);
  EXPECT_EQ(h.Run({"select", "-1"}), kDbRange);
  EXPECT_EQ(h.Run({"select", "x"}), kNotInt);
  EXPECT_EQ(h.Run({"select", "9223372036854775808"}), kNotInt);
  EXPECT_EQ(h.Run({"select", "0"}), kOk);
  h.config().databases = 4;
  EXPECT_EQ(h.Run({"select", "3"}), kOk);
  EXPECT_EQ(h.Run({"select", "4"}), kDbRange);
  EXPECT_EQ(h.Run({"move", "k", "4"}), kDbRange);
  EXPECT_EQ(h.Run({"copy", "k", "j", "db", "4"}), kDbRange);
}

TEST_F(GenericCommandsTest, EveryCommandSeesOnlyItsDatabase) {
  EXPECT_EQ(h.Run({"set", "k", "zero"}), kOk);
  EXPECT_EQ(h.Run({"select", "1"}), kOk);
  EXPECT_EQ(h.Run({"get", "k"}), kNil);
  EXPECT_EQ(h.Run({"set", "k", "one"}), kOk);
  EXPECT_EQ(h.Run({"rename", "k", "k2"}), kOk);
  EXPECT_EQ(h.Run({"select", "0"}), kOk);
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("zero"));
  EXPECT_EQ(h.Run({"exists", "k2"}), Int(0));
  // A second client keeps its own database.
  auto other = h.NewClient();
  EXPECT_EQ(h.Run(*other, {"get", "k2"}), kNil);
  EXPECT_EQ(h.Run(*other, {"select", "1"}), kOk);
  EXPECT_EQ(h.Run(*other, {"get", "k2"}), Bulk("one"));
  EXPECT_EQ(h.Run({"get", "k2"}), kNil);
}

// --- RENAME / RENAMENX of collections ------------------------------------------------------------

TEST_F(GenericCommandsTest, RenameEveryType) {
  MakeOneOfEach();
  for (const char* key : kAllKeys) {
    SCOPED_TRACE(key);
    Pairs before, after;
    const std::string type = ReadBack(key, &before);
    const std::string to = std::string(key) + "_renamed";
    EXPECT_EQ(h.Run({"rename", key, to}), kOk);
    EXPECT_EQ(ReadBack(key, &after), "none");
    EXPECT_EQ(ReadBack(to, &after), type);
    EXPECT_EQ(after, before);
    EXPECT_EQ(h.Run({"type", to}), "+" + type + "\r\n");
  }
  EXPECT_EQ(h.Run({"dbsize"}), Int(5));
}

TEST_F(GenericCommandsTest, RenameKeepsListBoundsAndTtl) {
  MakeList("l", {"x", "y"}, 0, h.NowMs() + 10000, 12345);
  EXPECT_EQ(h.Run({"rename", "l", "m"}), kOk);
  storage::CollectionMeta meta;
  Pairs e;
  EXPECT_EQ(ReadBack("m", &e, 0, &meta), "list");
  EXPECT_EQ(meta.head, 12345u);
  EXPECT_EQ(meta.tail, 12347u);
  EXPECT_EQ(ListItems("m"), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(h.Run({"pttl", "m"}), Int(10000));
  h.AdvanceClockMs(10001);
  EXPECT_EQ(h.Run({"exists", "m"}), Int(0));
}

TEST_F(GenericCommandsTest, RenameReplacesAnyTypeWithANewVersion) {
  MakeHash("src", {{"a", "1"}});
  MakeSet("dst", {"old1", "old2", "old3"});
  storage::CollectionMeta old_meta, new_meta;
  Pairs e;
  ReadBack("dst", &e, 0, &old_meta);
  EXPECT_EQ(h.Run({"rename", "src", "dst"}), kOk);
  EXPECT_EQ(ReadBack("dst", &e, 0, &new_meta), "hash");
  EXPECT_EQ(e, (Pairs{{"a", "1"}}));
  EXPECT_NE(new_meta.version, old_meta.version);
  // The old set's elements are still on disk (dead version), never read again.
  EXPECT_EQ(AllElementRecords("dst"), 4u);
  // Back over a string, and a string over a collection.
  EXPECT_EQ(h.Run({"set", "str", "v"}), kOk);
  EXPECT_EQ(h.Run({"rename", "dst", "str"}), kOk);
  EXPECT_EQ(h.Run({"type", "str"}), "+hash\r\n");
  EXPECT_EQ(h.Run({"set", "s2", "plain"}), kOk);
  EXPECT_EQ(h.Run({"rename", "s2", "str"}), kOk);
  EXPECT_EQ(h.Run({"get", "str"}), Bulk("plain"));
  EXPECT_EQ(h.Run({"ttl", "str"}), Int(-1));
}

TEST_F(GenericCommandsTest, RenameEdgeCases) {
  EXPECT_EQ(h.Run({"rename", "nope", "x"}), Err("ERR no such key"));
  EXPECT_EQ(h.Run({"renamenx", "nope", "x"}), Err("ERR no such key"));
  MakeZset("z", {{1.5, "a"}});
  EXPECT_EQ(h.Run({"rename", "z", "z"}), kOk);
  EXPECT_EQ(h.Run({"renamenx", "z", "z"}), Int(0));
  EXPECT_EQ(h.Run({"type", "z"}), "+zset\r\n");
  MakeList("l", {"a"});
  EXPECT_EQ(h.Run({"renamenx", "z", "l"}), Int(0));
  EXPECT_EQ(h.Run({"renamenx", "z", "z2"}), Int(1));
  Pairs e;
  EXPECT_EQ(ReadBack("z2", &e), "zset");
  EXPECT_EQ(e.size(), 2u);
  EXPECT_EQ(h.Run({"rename", "z2"}), Err("ERR wrong number of arguments for 'rename' command"));
  h.AdvanceClockMs(1);
  MakeSet("gone", {"a"}, 0, h.NowMs() + 5);
  h.AdvanceClockMs(6);
  EXPECT_EQ(h.Run({"rename", "gone", "x"}), Err("ERR no such key"));
}

// --- COPY ----------------------------------------------------------------------------------------

TEST_F(GenericCommandsTest, CopyEveryType) {
  MakeOneOfEach();
  for (const char* key : kAllKeys) {
    SCOPED_TRACE(key);
    Pairs src, copy;
    const std::string type = ReadBack(key, &src);
    const std::string to = std::string(key) + "_copy";
    EXPECT_EQ(h.Run({"copy", key, to}), Int(1));
    EXPECT_EQ(ReadBack(key, &copy), type);
    EXPECT_EQ(ReadBack(to, &copy), type);
    EXPECT_EQ(copy, src);
  }
  EXPECT_EQ(h.Run({"dbsize"}), Int(10));
  // The copy is its own incarnation: deleting the source leaves it whole.
  EXPECT_EQ(h.Run({"del", "h", "l", "s", "z"}), Int(4));
  Pairs e;
  EXPECT_EQ(ReadBack("z_copy", &e), "zset");
  EXPECT_EQ(e.size(), 4u);
}

TEST_F(GenericCommandsTest, CopyDbReplaceAndTtl) {
  MakeSet("s", {"1", "2"}, 0, h.NowMs() + 20000);
  EXPECT_EQ(h.Run({"copy", "s", "s", "db", "2"}), Int(1));
  Pairs e;
  EXPECT_EQ(ReadBack("s", &e, 2), "set");
  EXPECT_EQ(e, (Pairs{{"1", ""}, {"2", ""}}));
  EXPECT_EQ(h.Run({"select", "2"}), kOk);
  EXPECT_EQ(h.Run({"pttl", "s"}), Int(20000));
  EXPECT_EQ(h.Run({"select", "0"}), kOk);
  // Destination present: 0 without REPLACE, whatever its type; replaced with it.
  MakeList("d", {"x"}, 2);
  EXPECT_EQ(h.Run({"copy", "s", "d", "db", "2"}), Int(0));
  EXPECT_EQ(ReadBack("d", &e, 2), "list");
  EXPECT_EQ(h.Run({"copy", "s", "d", "DB", "2", "REPLACE"}), Int(1));
  EXPECT_EQ(ReadBack("d", &e, 2), "set");
  EXPECT_EQ(e.size(), 2u);
  EXPECT_EQ(h.Run({"set", "str", "v"}), kOk);
  EXPECT_EQ(h.Run({"copy", "s", "str"}), Int(0));
  EXPECT_EQ(h.Run({"copy", "s", "str", "replace"}), Int(1));
  EXPECT_EQ(h.Run({"type", "str"}), "+set\r\n");
  EXPECT_EQ(h.Run({"copy", "str", "s", "replace", "db", "0"}), Int(1));
  // Another database, same name: allowed. Missing source: 0.
  EXPECT_EQ(h.Run({"copy", "nope", "x"}), Int(0));
  EXPECT_EQ(h.Run({"copy", "nope", "x", "db", "1"}), Int(0));
  EXPECT_EQ(h.Run({"select", "2"}), kOk);
  EXPECT_EQ(h.Run({"copy", "d", "d", "db", "0", "replace"}), Int(1));
  EXPECT_EQ(h.Run({"select", "0"}), kOk);
  EXPECT_EQ(h.Run({"type", "d"}), "+set\r\n");
}

TEST_F(GenericCommandsTest, CopyErrors) {
  EXPECT_EQ(h.Run({"set", "k", "v"}), kOk);
  EXPECT_EQ(h.Run({"copy", "k"}), Err("ERR wrong number of arguments for 'copy' command"));
  EXPECT_EQ(h.Run({"copy", "k", "k"}), kSame);
  EXPECT_EQ(h.Run({"copy", "k", "k", "db", "0"}), kSame);
  EXPECT_EQ(h.Run({"copy", "nope", "nope"}), kSame);
  EXPECT_EQ(h.Run({"copy", "k", "x", "db", "16"}), kDbRange);
  EXPECT_EQ(h.Run({"copy", "k", "x", "db", "-1"}), kDbRange);
  EXPECT_EQ(h.Run({"copy", "k", "x", "db", "a"}), kNotInt);
  EXPECT_EQ(h.Run({"copy", "k", "x", "db", "9223372036854775808"}), kNotInt);
  EXPECT_EQ(h.Run({"copy", "k", "x", "db", "99999999999"}),
            Err("ERR value is out of range, value must between -2147483648 and 2147483647"));
  EXPECT_EQ(h.Run({"copy", "k", "x", "db"}), kSyntax);
  EXPECT_EQ(h.Run({"copy", "k", "x", "foo"}), kSyntax);
  EXPECT_EQ(h.Run({"copy", "k", "x", "db", "1", "db"}), kSyntax);
  // Options are parsed before anything is read: a later bad option fails a good copy.
  EXPECT_EQ(h.Run({"copy", "k", "x", "replace", "bad"}), kSyntax);
  EXPECT_EQ(h.Run({"exists", "x"}), Int(0));
}

// --- MOVE ----------------------------------------------------------------------------------------

TEST_F(GenericCommandsTest, MoveEveryType) {
  MakeOneOfEach();
  for (size_t i = 0; i < 5; ++i) {
    SCOPED_TRACE(kAllKeys[i]);
    Pairs before, after;
    ReadBack(kAllKeys[i], &before);
    EXPECT_EQ(h.Run({"move", kAllKeys[i], "7"}), Int(1));
    EXPECT_EQ(ReadBack(kAllKeys[i], &after), "none");
    EXPECT_EQ(ReadBack(kAllKeys[i], &after, 7), kTypes[i]);
    EXPECT_EQ(after, before);
  }
  EXPECT_EQ(h.Run({"dbsize"}), Int(0));
  EXPECT_EQ(h.Run({"select", "7"}), kOk);
  EXPECT_EQ(h.Run({"dbsize"}), Int(5));
  EXPECT_EQ(h.Run({"move", "z", "0"}), Int(1));
  EXPECT_EQ(h.Run({"select", "0"}), kOk);
  EXPECT_EQ(h.Run({"type", "z"}), "+zset\r\n");
}

TEST_F(GenericCommandsTest, MoveRulesAndErrors) {
  MakeHash("h", {{"f", "v"}}, 0, h.NowMs() + 3000);
  MakeHash("h", {{"g", "w"}}, 1);
  EXPECT_EQ(h.Run({"move", "h", "1"}), Int(0));  // present there
  EXPECT_EQ(h.Run({"move", "nope", "1"}), Int(0));
  EXPECT_EQ(h.Run({"move", "h", "2"}), Int(1));
  EXPECT_EQ(h.Run({"select", "2"}), kOk);
  EXPECT_EQ(h.Run({"pttl", "h"}), Int(3000));
  EXPECT_EQ(h.Run({"move", "h", "2"}), kSame);
  EXPECT_EQ(h.Run({"move", "h", "16"}), kDbRange);
  EXPECT_EQ(h.Run({"move", "h", "-1"}), kDbRange);
  EXPECT_EQ(h.Run({"move", "h", "x"}), kNotInt);
  EXPECT_EQ(h.Run({"move", "h", "99999999999"}),
            Err("ERR value is out of range, value must between -2147483648 and 2147483647"));
  EXPECT_EQ(h.Run({"move", "h"}), Err("ERR wrong number of arguments for 'move' command"));
  EXPECT_EQ(h.Run({"move", "nope", "99"}), kDbRange);  // the index is checked first
  h.AdvanceClockMs(3001);
  EXPECT_EQ(h.Run({"move", "h", "0"}), Int(0));  // expired
}

// --- OBJECT --------------------------------------------------------------------------------------

TEST_F(GenericCommandsTest, ObjectEncodingStrings) {
  const std::vector<std::pair<std::string, std::string>> cases = {{"123", "int"},
                                                                  {"-9223372036854775808", "int"},
                                                                  {"9223372036854775808", "embstr"},
                                                                  {"007", "embstr"},
                                                                  {"-0", "embstr"},
                                                                  {"+1", "embstr"},
                                                                  {" 1", "embstr"},
                                                                  {"", "embstr"},
                                                                  {std::string(44, 'x'), "embstr"},
                                                                  {std::string(45, 'x'), "raw"},
                                                                  {std::string(1000, '7'), "raw"}};
  for (const auto& [value, encoding] : cases) {
    EXPECT_EQ(h.Run({"set", "k", value}), kOk);
    EXPECT_EQ(h.Run({"object", "encoding", "k"}), Bulk(encoding)) << value;
  }
}

TEST_F(GenericCommandsTest, ObjectEncodingHash) {
  MakeHash("h", {{"f", "v"}});
  EXPECT_EQ(h.Run({"object", "encoding", "h"}), Bulk("listpack"));
  MakeHash("h", {{"f", std::string(64, 'v')}, {std::string(64, 'f'), "v"}});
  EXPECT_EQ(h.Run({"object", "encoding", "h"}), Bulk("listpack"));
  MakeHash("h", {{"f", std::string(65, 'v')}});
  EXPECT_EQ(h.Run({"object", "encoding", "h"}), Bulk("hashtable"));
  MakeHash("h", {{std::string(65, 'f'), "v"}});
  EXPECT_EQ(h.Run({"object", "encoding", "h"}), Bulk("hashtable"));
  Pairs many;
  for (int i = 0; i < 129; ++i) many.push_back({"f" + std::to_string(i), "v"});
  MakeHash("h", many);
  EXPECT_EQ(h.Run({"object", "encoding", "h"}), Bulk("hashtable"));
  many.pop_back();
  MakeHash("h", many);
  EXPECT_EQ(h.Run({"object", "encoding", "h"}), Bulk("listpack"));
  EXPECT_EQ(h.Run({"config", "set", "hash-max-listpack-entries", "127"}), kOk);
  EXPECT_EQ(h.Run({"object", "encoding", "h"}), Bulk("hashtable"));
  EXPECT_EQ(h.Run({"config", "set", "hash-max-ziplist-entries", "128"}), kOk);
  EXPECT_EQ(h.Run({"config", "set", "hash-max-ziplist-value", "1"}), kOk);
  EXPECT_EQ(h.Run({"object", "encoding", "h"}), Bulk("hashtable"));
  EXPECT_EQ(h.Run({"config", "set", "hash-max-listpack-value", "4"}), kOk);  // "f127"
  EXPECT_EQ(h.Run({"object", "encoding", "h"}), Bulk("listpack"));
  EXPECT_EQ(h.Run({"config", "set", "hash-max-listpack-entries", "0"}), kOk);
  EXPECT_EQ(h.Run({"object", "encoding", "h"}), Bulk("hashtable"));
}

TEST_F(GenericCommandsTest, ObjectEncodingSet) {
  MakeSet("s", {"1", "-5", "9223372036854775807"});
  EXPECT_EQ(h.Run({"object", "encoding", "s"}), Bulk("intset"));
  MakeSet("s", {"1", "9223372036854775808"});
  EXPECT_EQ(h.Run({"object", "encoding", "s"}), Bulk("hashtable"));
  MakeSet("s", {"1", "a"});
  EXPECT_EQ(h.Run({"object", "encoding", "s"}), Bulk("hashtable"));
  MakeSet("s", {"01"});
  EXPECT_EQ(h.Run({"object", "encoding", "s"}), Bulk("hashtable"));
  std::vector<std::string> ints;
  for (int i = 0; i < 513; ++i) ints.push_back(std::to_string(i));
  MakeSet("s", ints);
  EXPECT_EQ(h.Run({"object", "encoding", "s"}), Bulk("hashtable"));
  EXPECT_EQ(h.Run({"config", "set", "set-max-intset-entries", "513"}), kOk);
  EXPECT_EQ(h.Run({"object", "encoding", "s"}), Bulk("intset"));
}

TEST_F(GenericCommandsTest, ObjectEncodingZsetAndList) {
  MakeZset("z", {{1, "a"}, {2, std::string(64, 'm')}});
  EXPECT_EQ(h.Run({"object", "encoding", "z"}), Bulk("listpack"));
  MakeZset("z", {{1, "a"}, {2, std::string(65, 'm')}});
  EXPECT_EQ(h.Run({"object", "encoding", "z"}), Bulk("skiplist"));
  std::vector<std::pair<double, std::string>> many;
  for (int i = 0; i < 129; ++i) many.push_back({i, "m" + std::to_string(i)});
  MakeZset("z", many);
  EXPECT_EQ(h.Run({"object", "encoding", "z"}), Bulk("skiplist"));
  EXPECT_EQ(h.Run({"config", "set", "zset-max-ziplist-entries", "200"}), kOk);
  EXPECT_EQ(h.Run({"object", "encoding", "z"}), Bulk("listpack"));
  EXPECT_EQ(h.Run({"config", "set", "zset-max-listpack-value", "2"}), kOk);
  EXPECT_EQ(h.Run({"object", "encoding", "z"}), Bulk("skiplist"));
  MakeList("l", {"a"});
  EXPECT_EQ(h.Run({"object", "encoding", "l"}), Bulk("quicklist"));
  MakeList("l", {std::string(10000, 'x'), "1"});
  EXPECT_EQ(h.Run({"object", "encoding", "l"}), Bulk("quicklist"));
}

TEST_F(GenericCommandsTest, ObjectRefcountIdletimeFreq) {
  MakeOneOfEach();
  EXPECT_EQ(h.Run({"set", "small", "100"}), kOk);
  EXPECT_EQ(h.Run({"set", "big", "10000"}), kOk);
  EXPECT_EQ(h.Run({"set", "neg", "-1"}), kOk);
  EXPECT_EQ(h.Run({"object", "refcount", "small"}), Int(2147483647));
  EXPECT_EQ(h.Run({"object", "refcount", "big"}), Int(1));
  EXPECT_EQ(h.Run({"object", "refcount", "neg"}), Int(1));
  const std::string freq_err =
      Err("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
          "that when switching between policies at runtime LRU and LFU data will take some time to "
          "adjust.");
  for (const char* key : kAllKeys) {
    EXPECT_EQ(h.Run({"object", "refcount", key}), Int(1)) << key;
    EXPECT_EQ(h.Run({"object", "idletime", key}), Int(0)) << key;
    EXPECT_EQ(h.Run({"object", "freq", key}), freq_err) << key;
  }
  for (const char* sub : {"encoding", "refcount", "idletime", "freq"}) {
    EXPECT_EQ(h.Run({"object", sub, "nope"}), kNil) << sub;
    h.SetProto(3);
    EXPECT_EQ(h.Run({"object", sub, "nope"}), kNull3) << sub;
    h.SetProto(2);
  }
}

TEST_F(GenericCommandsTest, ObjectHelpAndErrors) {
  std::string help = h.Run({"object", "help"});
  EXPECT_EQ(help.substr(0, 71),
            "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n");
  EXPECT_NE(help.find("+HELP\r\n+    Prints this help.\r\n"), std::string::npos);
  EXPECT_EQ(h.Run({"OBJECT", "HELP"}), help);
  EXPECT_EQ(h.Run({"object"}), Err("ERR wrong number of arguments for 'object' command"));
  EXPECT_EQ(h.Run({"object", "help", "x"}),
            Err("ERR wrong number of arguments for 'object|help' command"));
  EXPECT_EQ(h.Run({"object", "encoding"}),
            Err("ERR wrong number of arguments for 'object|encoding' command"));
  EXPECT_EQ(h.Run({"object", "encoding", "a", "b"}),
            Err("ERR wrong number of arguments for 'object|encoding' command"));
  EXPECT_EQ(h.Run({"object", "foo", "k"}), Err("ERR unknown subcommand 'foo'. Try OBJECT HELP."));
}

// --- SORT / SORT_RO ------------------------------------------------------------------------------

TEST_F(GenericCommandsTest, SortNumericListSetZset) {
  MakeList("l", {"3", "1", "2", "10", "-1.5"});
  MakeSet("s", {"3", "1", "2", "10", "-1.5"});
  MakeZset("z", {{1, "3"}, {2, "1"}, {3, "2"}, {4, "10"}, {5, "-1.5"}});
  for (const char* key : {"l", "s", "z"}) {
    SCOPED_TRACE(key);
    EXPECT_EQ(h.Run({"sort", key}), Arr({"-1.5", "1", "2", "3", "10"}));
    EXPECT_EQ(h.Run({"sort_ro", key}), Arr({"-1.5", "1", "2", "3", "10"}));
    EXPECT_EQ(h.Run({"sort", key, "desc"}), Arr({"10", "3", "2", "1", "-1.5"}));
    EXPECT_EQ(h.Run({"sort", key, "desc", "asc"}), Arr({"-1.5", "1", "2", "3", "10"}));
    EXPECT_EQ(h.Run({"sort", key, "limit", "1", "2"}), Arr({"1", "2"}));
    EXPECT_EQ(h.Run({"sort", key, "limit", "1", "2", "desc"}), Arr({"3", "2"}));
    EXPECT_EQ(h.Run({"sort", key, "alpha"}), Arr({"-1.5", "1", "10", "2", "3"}));
    EXPECT_EQ(h.Run({"sort", key, "ALPHA", "DESC"}), Arr({"3", "2", "10", "1", "-1.5"}));
  }
}

TEST_F(GenericCommandsTest, SortLimitArithmetic) {
  MakeList("l", {"3", "1", "2", "10"});
  EXPECT_EQ(h.Run({"sort", "l", "limit", "0", "0"}), "*0\r\n");
  EXPECT_EQ(h.Run({"sort", "l", "limit", "5", "1"}), "*0\r\n");
  EXPECT_EQ(h.Run({"sort", "l", "limit", "4", "1"}), "*0\r\n");
  EXPECT_EQ(h.Run({"sort", "l", "limit", "3", "100"}), Arr({"10"}));
  EXPECT_EQ(h.Run({"sort", "l", "limit", "-1", "2"}), Arr({"1", "2"}));
  EXPECT_EQ(h.Run({"sort", "l", "limit", "0", "-5"}), Arr({"1", "2", "3", "10"}));
  EXPECT_EQ(h.Run({"sort", "l", "limit", "2", "-1"}), Arr({"3", "10"}));
  EXPECT_EQ(h.Run({"sort", "l", "limit", "9223372036854775807", "9223372036854775807"}), "*0\r\n");
  EXPECT_EQ(h.Run({"sort", "l", "limit", "1", "9223372036854775807"}), Arr({"2", "3", "10"}));
  EXPECT_EQ(h.Run({"sort", "l", "limit", "-9223372036854775808", "1"}), Arr({"1"}));
  EXPECT_EQ(h.Run({"sort", "l", "limit", "1", "2", "limit", "0", "1"}), Arr({"1"}));
}

TEST_F(GenericCommandsTest, SortErrors) {
  MakeList("l", {"1", "x"});
  MakeHash("h", {{"f", "v"}});
  EXPECT_EQ(h.Run({"set", "str", "1"}), kOk);
  EXPECT_EQ(h.Run({"sort", "l"}), Err("ERR One or more scores can't be converted into double"));
  EXPECT_EQ(h.Run({"sort", "l", "alpha"}), Arr({"1", "x"}));
  EXPECT_EQ(h.Run({"sort", "str"}), kWrongType);
  EXPECT_EQ(h.Run({"sort", "h"}), kWrongType);
  EXPECT_EQ(h.Run({"sort_ro", "h", "alpha"}), kWrongType);
  EXPECT_EQ(h.Run({"sort"}), Err("ERR wrong number of arguments for 'sort' command"));
  EXPECT_EQ(h.Run({"sort_ro"}), Err("ERR wrong number of arguments for 'sort_ro' command"));
  for (const std::vector<std::string>& argv :
       std::vector<std::vector<std::string>>{{"sort", "l", "foo"},
                                             {"sort", "l", "limit", "1"},
                                             {"sort", "l", "by"},
                                             {"sort", "l", "get"},
                                             {"sort", "l", "store"},
                                             {"sort_ro", "l", "store", "dst"},
                                             {"sort", "str", "limit"},
                                             {"sort", "nope", "alpha", "bad"}}) {
    EXPECT_EQ(h.Run(argv), kSyntax) << argv.back();
  }
  EXPECT_EQ(h.Run({"sort", "l", "limit", "a", "1"}), kNotInt);
  EXPECT_EQ(h.Run({"sort", "l", "limit", "0", "1.5"}), kNotInt);
  // Option errors come before the key's type is checked.
  EXPECT_EQ(h.Run({"sort", "str", "limit", "x", "1"}), kNotInt);
  // An error replaces STORE's write.
  EXPECT_EQ(h.Run({"sort", "l", "store", "dst"}),
            Err("ERR One or more scores can't be converted into double"));
  EXPECT_EQ(h.Run({"exists", "dst"}), Int(0));
}

TEST_F(GenericCommandsTest, SortScoreParsing) {
  // strtod rules: leading spaces, hex and inf parse; an empty string is 0; overflow, underflow,
  // NaN and trailing garbage do not.
  MakeList("ok", {"", " 1", "0x10", "inf", "-inf", "1e3"});
  EXPECT_EQ(h.Run({"sort", "ok"}), Arr({"-inf", "", " 1", "0x10", "1e3", "inf"}));
  for (const char* bad : {"1e400", "1e-400", "nan", "1x", "1 "}) {
    MakeList("bad", {"1", bad});
    EXPECT_EQ(h.Run({"sort", "bad"}), Err("ERR One or more scores can't be converted into double"))
        << bad;
  }
  // Equal weights: the elements' bytes decide.
  MakeList("ties", {"1.0", "1", "01", "2"});
  EXPECT_EQ(h.Run({"sort", "ties"}), Arr({"01", "1", "1.0", "2"}));
  EXPECT_EQ(h.Run({"sort", "ties", "desc"}), Arr({"2", "1.0", "1", "01"}));
}

TEST_F(GenericCommandsTest, SortMissingKey) {
  EXPECT_EQ(h.Run({"sort", "nope"}), "*0\r\n");
  EXPECT_EQ(h.Run({"sort", "nope", "by", "x", "get", "#", "limit", "0", "10"}), "*0\r\n");
  EXPECT_EQ(h.Run({"sort", "nope", "store", "dst"}), Int(0));
  MakeList("dst", {"old"});
  EXPECT_EQ(h.Run({"sort", "nope", "store", "dst"}), Int(0));
  EXPECT_EQ(h.Run({"exists", "dst"}), Int(0));  // an empty result deletes the destination
}

TEST_F(GenericCommandsTest, SortByPatternAndGet) {
  MakeList("la", {"b", "a", "C", "10"});
  EXPECT_EQ(h.Run({"mset", "w_a", "3", "w_b", "1", "w_C", "2"}), kOk);
  // Missing weights count as 0 (numeric) or sort first (ALPHA).
  EXPECT_EQ(h.Run({"sort", "la", "by", "w_*"}), Arr({"10", "b", "C", "a"}));
  EXPECT_EQ(h.Run({"sort", "la", "by", "w_*", "desc"}), Arr({"a", "C", "b", "10"}));
  EXPECT_EQ(h.Run({"sort", "la", "by", "w_*", "alpha"}), Arr({"10", "b", "C", "a"}));
  EXPECT_EQ(h.Run({"sort", "la", "by", "w_*", "alpha", "desc"}), Arr({"a", "C", "b", "10"}));
  EXPECT_EQ(h.Run({"sort", "la", "by", "w_*", "limit", "1", "2"}), Arr({"b", "C"}));
  // GET: '#' is the element, a pattern a key (nil when missing), several GETs interleave.
  EXPECT_EQ(h.Run({"sort", "la", "by", "w_*", "get", "#", "get", "w_*"}),
            "*8\r\n$2\r\n10\r\n$-1\r\n$1\r\nb\r\n$1\r\n1\r\n$1\r\nC\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n"
            "3\r\n");
  h.SetProto(3);
  EXPECT_EQ(h.Run({"sort", "la", "by", "w_*", "get", "w_*", "limit", "0", "2"}),
            "*2\r\n_\r\n$1\r\n1\r\n");
  h.SetProto(2);
  // A GET pattern without '*' names no key; "#x" is not "#".
  EXPECT_EQ(h.Run({"sort", "la", "alpha", "get", "nostar", "limit", "0", "1"}), "*1\r\n$-1\r\n");
  EXPECT_EQ(h.Run({"sort", "la", "alpha", "get", "#x", "limit", "0", "1"}), "*1\r\n$-1\r\n");
  // Pattern keys of the wrong type count as missing.
  MakeList("w_10", {"5"});
  EXPECT_EQ(h.Run({"sort", "la", "by", "w_*", "get", "w_*"}),
            "*4\r\n$-1\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
  // The pattern's '*' may sit anywhere; only the first one is replaced.
  EXPECT_EQ(h.Run({"mset", "pre-a-post", "A", "pre-b-post", "B"}), kOk);
  EXPECT_EQ(h.Run({"sort", "la", "alpha", "get", "pre-*-post", "limit", "2", "2"}),
            "*2\r\n$1\r\nA\r\n$1\r\nB\r\n");
  EXPECT_EQ(h.Run({"set", "x_b*", "star"}), kOk);
  EXPECT_EQ(h.Run({"sort", "la", "alpha", "get", "x_**", "limit", "3", "1"}), Arr({"star"}));
}

TEST_F(GenericCommandsTest, SortHashFieldPatterns) {
  MakeList("l", {"a", "b", "c"});
  MakeHash("h_a", {{"f", "30"}, {"name", "Ann"}});
  MakeHash("h_b", {{"f", "10"}, {"name", "Bob"}});
  EXPECT_EQ(h.Run({"set", "h_c", "notahash"}), kOk);
  EXPECT_EQ(h.Run({"sort", "l", "by", "h_*->f", "get", "h_*->name", "get", "#"}),
            "*6\r\n$-1\r\n$1\r\nc\r\n$3\r\nBob\r\n$1\r\nb\r\n$3\r\nAnn\r\n$1\r\na\r\n");
  // A missing field is missing; "->" with nothing after it is a plain key name.
  EXPECT_EQ(h.Run({"sort", "l", "by", "h_*->nope", "get", "h_*->f"}),
            "*3\r\n$2\r\n30\r\n$2\r\n10\r\n$-1\r\n");
  EXPECT_EQ(h.Run({"set", "h_a->", "plain"}), kOk);
  EXPECT_EQ(h.Run({"sort", "l", "alpha", "get", "h_*->", "limit", "0", "1"}), Arr({"plain"}));
  // The field is what follows the first "->" after the '*'.
  MakeHash("k-a", {{"x->y", "deep"}});
  EXPECT_EQ(h.Run({"sort", "l", "alpha", "get", "k-*->x->y", "limit", "0", "1"}), Arr({"deep"}));
}

TEST_F(GenericCommandsTest, SortByConstantDoesNotSort) {
  MakeList("l", {"3", "1", "2", "10"});
  EXPECT_EQ(h.Run({"sort", "l", "by", "nosort"}), Arr({"3", "1", "2", "10"}));
  EXPECT_EQ(h.Run({"sort", "l", "by", "nosort", "desc"}), Arr({"10", "2", "1", "3"}));
  EXPECT_EQ(h.Run({"sort", "l", "by", "nosort", "limit", "1", "2"}), Arr({"1", "2"}));
  EXPECT_EQ(h.Run({"sort", "l", "by", "nosort", "desc", "limit", "1", "2"}), Arr({"2", "1"}));
  EXPECT_EQ(h.Run({"sort", "l", "by", "nosort", "limit", "3", "5"}), Arr({"10"}));
  EXPECT_EQ(h.Run({"sort", "l", "by", "nosort", "limit", "4", "5"}), "*0\r\n");
  EXPECT_EQ(h.Run({"sort", "l", "by", "", "get", "#"}), Arr({"3", "1", "2", "10"}));
  // Non-numbers are fine when nothing is sorted.
  MakeList("words", {"b", "a"});
  EXPECT_EQ(h.Run({"sort", "words", "by", "x"}), Arr({"b", "a"}));
  // Sorted sets keep score order.
  MakeZset("z", {{3, "c"}, {1, "a"}, {2, "b"}, {-5, "neg"}});
  EXPECT_EQ(h.Run({"sort", "z", "by", "nosort"}), Arr({"neg", "a", "b", "c"}));
  EXPECT_EQ(h.Run({"sort", "z", "by", "nosort", "desc"}), Arr({"c", "b", "a", "neg"}));
  EXPECT_EQ(h.Run({"sort", "z", "by", "nosort", "limit", "1", "2"}), Arr({"a", "b"}));
  EXPECT_EQ(h.Run({"sort", "z", "by", "nosort", "desc", "limit", "1", "2"}), Arr({"b", "a"}));
  EXPECT_EQ(h.Run({"sort", "z", "by", "nosort", "limit", "9", "2"}), "*0\r\n");
  // Sets that Redis holds as intsets come in numeric order.
  MakeSet("ints", {"5", "3", "10", "-1"});
  EXPECT_EQ(h.Run({"sort", "ints", "by", "nosort"}), Arr({"-1", "3", "5", "10"}));
  EXPECT_EQ(h.Run({"sort", "ints", "by", "nosort", "desc", "limit", "1", "2"}), Arr({"3", "5"}));
}

TEST_F(GenericCommandsTest, SortStore) {
  MakeSet("s", {"b", "c", "a", "10"});
  EXPECT_EQ(h.Run({"sort", "s", "alpha", "store", "dst"}), Int(4));
  EXPECT_EQ(ListItems("dst"), (std::vector<std::string>{"10", "a", "b", "c"}));
  EXPECT_EQ(h.Run({"type", "dst"}), "+list\r\n");
  // A set sorted for STORE with BY nosort is sorted ALPHA anyway.
  EXPECT_EQ(h.Run({"sort", "s", "by", "nosort", "desc", "store", "dst"}), Int(4));
  EXPECT_EQ(ListItems("dst"), (std::vector<std::string>{"c", "b", "a", "10"}));
  // STORE replaces any type and drops the old TTL.
  MakeHash("dst", {{"f", "v"}}, 0, h.NowMs() + 5000);
  EXPECT_EQ(h.Run({"sort", "s", "alpha", "limit", "0", "2", "store", "dst"}), Int(2));
  EXPECT_EQ(ListItems("dst"), (std::vector<std::string>{"10", "a"}));
  EXPECT_EQ(h.Run({"ttl", "dst"}), Int(-1));
  // GET with STORE: one item per GET, missing values stored as empty strings.
  EXPECT_EQ(h.Run({"mset", "w_a", "A", "w_b", "B"}), kOk);
  EXPECT_EQ(h.Run({"sort", "s", "alpha", "get", "#", "get", "w_*", "store", "dst"}), Int(8));
  EXPECT_EQ(ListItems("dst"), (std::vector<std::string>{"10", "", "a", "A", "b", "B", "c", ""}));
  // Storing over the sorted key itself.
  MakeList("l", {"3", "1", "2"});
  EXPECT_EQ(h.Run({"sort", "l", "store", "l"}), Int(3));
  EXPECT_EQ(ListItems("l"), (std::vector<std::string>{"1", "2", "3"}));
  // An empty range deletes the destination.
  EXPECT_EQ(h.Run({"sort", "l", "limit", "5", "1", "store", "dst"}), Int(0));
  EXPECT_EQ(h.Run({"exists", "dst"}), Int(0));
  // SORT_RO has no STORE.
  EXPECT_EQ(h.Run({"sort_ro", "l", "store", "dst"}), kSyntax);
}

TEST_F(GenericCommandsTest, SortAlphaBinary) {
  // Without STORE, ALPHA compares as C strings (strcoll in the C locale): bytes after a NUL are
  // not seen; with STORE the whole binary strings are compared.
  MakeList("l", {std::string("a\0z", 3), std::string("a\0b", 3), "B", "\xff"});
  std::string plain = h.Run({"sort", "l", "alpha"});
  EXPECT_EQ(Bulks(plain), (std::vector<std::string>{"B", std::string("a\0z", 3),
                                                    std::string("a\0b", 3), "\xff"}));
  EXPECT_EQ(h.Run({"sort", "l", "alpha", "store", "dst"}), Int(4));
  EXPECT_EQ(ListItems("dst"), (std::vector<std::string>{"B", std::string("a\0b", 3),
                                                        std::string("a\0z", 3), "\xff"}));
}

TEST_F(GenericCommandsTest, SortOtherDatabaseAndExpiry) {
  MakeList("l", {"2", "1"}, 4);
  EXPECT_EQ(h.Run({"set", "w_1", "9"}), kOk);  // db 0: not seen from db 4
  EXPECT_EQ(h.Run({"select", "4"}), kOk);
  EXPECT_EQ(h.Run({"sort", "l", "by", "w_*"}), Arr({"1", "2"}));
  EXPECT_EQ(h.Run({"set", "w_1", "9"}), kOk);
  EXPECT_EQ(h.Run({"sort", "l", "by", "w_*"}), Arr({"2", "1"}));
  EXPECT_EQ(h.Run({"pexpire", "l", "10"}), Int(1));
  h.AdvanceClockMs(11);
  EXPECT_EQ(h.Run({"sort", "l"}), "*0\r\n");
}

// --- MULTI/EXEC ----------------------------------------------------------------------------------

TEST_F(GenericCommandsTest, CommandsInsideMultiExec) {
  MakeList("l", {"3", "1", "2"});
  MakeHash("h", {{"f", "v"}});
  EXPECT_EQ(h.Run({"multi"}), kOk);
  for (const std::vector<std::string>& argv :
       std::vector<std::vector<std::string>>{{"copy", "l", "l2"},
                                             {"sort", "l2", "store", "sorted"},
                                             {"rename", "h", "h2"},
                                             {"move", "h2", "1"},
                                             {"object", "encoding", "sorted"},
                                             {"sort_ro", "sorted", "desc"},
                                             {"copy", "l", "l", "db", "5"}}) {
    EXPECT_EQ(h.Run(argv), "+QUEUED\r\n") << argv[0];
  }
  EXPECT_EQ(
      h.Run({"exec"}),
      "*7\r\n:1\r\n:3\r\n+OK\r\n:1\r\n$9\r\nquicklist\r\n*3\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n"
      ":1\r\n");
  EXPECT_EQ(ListItems("sorted"), (std::vector<std::string>{"1", "2", "3"}));
  Pairs e;
  EXPECT_EQ(ReadBack("h2", &e, 1), "hash");
  EXPECT_EQ(e, (Pairs{{"f", "v"}}));
  EXPECT_EQ(ListItems("l", 5), (std::vector<std::string>{"3", "1", "2"}));
  EXPECT_EQ(h.Run({"exists", "h", "h2"}), Int(0));
}

// COPY, MOVE, SORT, SORT_RO and OBJECT's subcommands join a worker's group commit (generic
// commands naming keys): each must lock once, read its own group's writes, and write through the
// group (tests/group_commit_test.cc explains why).
TEST_F(GenericCommandsTest, JoinedCommandsLockOnceAndSeeTheGroup) {
  GroupCommit group(h.server().storage, &h.server().locks);
  GroupCommit::SetCurrent(&group);
  MakeList("l", {"3", "1", "2"});
  MakeHash("w_1", {{"f", "9"}});
  const std::vector<std::vector<std::string>> calls = {
      {"set", "str", "v"},  // pending in the group: the commands below must see it
      {"copy", "str", "c1"},
      {"copy", "l", "l2", "db", "1"},
      {"move", "c1", "2"},
      {"sort", "l"},
      {"sort", "l", "by", "w_*->f", "get", "#", "store", "sorted"},
      {"sort_ro", "sorted", "by", "nosort"},
      {"object", "encoding", "str"},
      {"object", "refcount", "l"},
      {"object", "idletime", "l"},
      {"rename", "sorted", "renamed"},
  };
  for (const auto& argv : calls) {
    std::string reply = h.Run(argv);
    EXPECT_NE(reply.substr(0, 1), "-") << argv[0] << ": " << reply;
    EXPECT_LE(group.lock_calls(), 1) << argv[0] << " locked " << group.lock_calls() << " times";
  }
  EXPECT_GT(group.pending(), 0u);
  // By w_*->f: only w_1 has a weight (9); 2 and 3 weigh 0 and tie on their bytes.
  EXPECT_EQ(h.Run({"sort_ro", "renamed", "by", "nosort"}), Arr({"2", "3", "1"}));
  ASSERT_TRUE(group.Commit().ok());
  GroupCommit::SetCurrent(nullptr);
  EXPECT_EQ(ListItems("renamed"), (std::vector<std::string>{"2", "3", "1"}));
  EXPECT_EQ(ListItems("l2", 1), (std::vector<std::string>{"3", "1", "2"}));
  Pairs e;
  EXPECT_EQ(ReadBack("c1", &e, 2), "string");
  EXPECT_EQ(ReadBack("c1", &e, 0), "none");
}

TEST_F(GenericCommandsTest, CommandTableEntries) {
  EXPECT_EQ(h.Run({"command", "info", "copy", "move", "sort", "sort_ro"}).substr(0, 4), "*4\r\n");
  const std::string count = h.Run({"command", "count"});
  for (const char* name : {"copy", "move", "sort", "sort_ro", "object"}) {
    EXPECT_NE(h.Run({"command", "info", name}), "*1\r\n*-1\r\n") << name;
  }
  EXPECT_EQ(h.Run({"command", "getkeys", "copy", "a", "b"}), Arr({"a", "b"}));
  EXPECT_EQ(h.Run({"command", "getkeys", "move", "a", "1"}), Arr({"a"}));
}

}  // namespace
}  // namespace ringkv
