// List command tests, in-process through the real Dispatch (CommandHarness) over MemoryStorage
// with a fake clock. Expected bytes are Redis 7.0.15's (checked against redis-server; the
// differential test redis-tests/differential/families/list.txt compares them byte for byte).
// Besides the replies, the storage invariant of lists is checked: the element records of a
// list are exactly the indexes [head, tail), and an emptied list leaves no metadata.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "command_harness.h"
#include "resp_expect.h"
#include "storage/collections.h"
#include "storage/db_view.h"
#include "txn/watch.h"

namespace ringkv {
namespace {

using namespace test;  // kOk, Bulk(), Arr(), ...: resp_expect.h

const std::string kMustBePositive = "-ERR value is out of range, must be positive\r\n";
const std::string kTimeoutNotFloat = "-ERR timeout is not a float or out of range\r\n";
const std::string kTimeoutNegative = "-ERR timeout is negative\r\n";

std::string KeyAndArr(const std::string& key, const std::vector<std::string>& items) {
  return "*2\r\n" + Bulk(key) + Arr(items);
}

class ListCommandsTest : public ::testing::Test {
 protected:
  std::string Run(const std::vector<std::string>& argv) { return h.Run(argv); }

  // The list's items as LRANGE 0 -1 would give them.
  std::string Range(const std::string& key) { return Run({"lrange", key, "0", "-1"}); }

  // Writes a key of another collection type (a one-field hash's metadata) straight to storage,
  // so WRONGTYPE can be checked without depending on the hash family.
  void PutHashMeta(const std::string& key, int db = 0) {
    storage::DbView view(&h.storage(), static_cast<uint8_t>(db));
    storage::CollectionMeta m;
    m.version = storage::NewVersion();
    m.size = 1;
    ASSERT_TRUE(view.Put(key, storage::EncodeMeta(storage::ValueType::kHash, m), 0,
                         storage::ValueType::kHash)
                    .ok());
  }

  // Checks the storage invariant of list `key` in `db`: metadata size == tail - head, and the
  // element records of its version are exactly EncodeIndex(head) ... EncodeIndex(tail - 1).
  // An absent key must have no metadata record at all.
  void CheckInvariant(const std::string& key, int db = 0) {
    storage::DbView view(&h.storage(), static_cast<uint8_t>(db));
    storage::Entry e;
    Status s = view.Get(key, &e);
    if (s.IsNotFound()) return;
    ASSERT_TRUE(s.ok());
    ASSERT_EQ(e.type, storage::ValueType::kList);
    storage::CollectionMeta m;
    ASSERT_TRUE(storage::DecodeMeta(storage::ValueType::kList, e.payload, &m).ok());
    ASSERT_GT(m.size, 0u) << key;
    ASSERT_EQ(m.tail - m.head, m.size) << key;
    std::string prefix = storage::ElementPrefix(view.Qualify(key), m.version);
    auto it = h.storage().NewElementIterator(prefix, storage::PrefixEnd(prefix));
    uint64_t expect = m.head;
    for (; it->Valid(); it->Next(), ++expect) {
      ASSERT_EQ(it->key().substr(prefix.size()), storage::EncodeIndex(expect)) << key;
    }
    ASSERT_TRUE(it->status().ok());
    EXPECT_EQ(expect, m.tail) << key;
  }

  CommandHarness h;
};

// --- pushes and LLEN -----------------------------------------------------------------------

TEST_F(ListCommandsTest, PushOrderAndLength) {
  EXPECT_EQ(Run({"lpush", "l", "a"}), Int(1));
  EXPECT_EQ(Run({"lpush", "l", "b", "c"}), Int(3));
  EXPECT_EQ(Run({"rpush", "l", "d", "e"}), Int(5));
  EXPECT_EQ(Range("l"), Arr({"c", "b", "a", "d", "e"}));
  EXPECT_EQ(Run({"llen", "l"}), Int(5));
  EXPECT_EQ(Run({"type", "l"}), "+list\r\n");
  EXPECT_EQ(Run({"rpush", "l", ""}), Int(6));
  EXPECT_EQ(Run({"lindex", "l", "-1"}), "$0\r\n\r\n");
  CheckInvariant("l");
}

TEST_F(ListCommandsTest, PushXOnlyOnExistingLists) {
  EXPECT_EQ(Run({"lpushx", "l", "a"}), Int(0));
  EXPECT_EQ(Run({"rpushx", "l", "a", "b"}), Int(0));
  EXPECT_EQ(Run({"exists", "l"}), Int(0));
  Run({"rpush", "l", "m"});
  EXPECT_EQ(Run({"lpushx", "l", "x", "y"}), Int(3));
  EXPECT_EQ(Run({"rpushx", "l", "z"}), Int(4));
  EXPECT_EQ(Range("l"), Arr({"y", "x", "m", "z"}));
  CheckInvariant("l");
}

TEST_F(ListCommandsTest, BinaryItems) {
  std::string bin("\x00\x01\xff\r\n$-1\r\n", 10);
  EXPECT_EQ(h.Run({"rpush", "l", bin, "12345"}), Int(2));
  EXPECT_EQ(Range("l"), Arr({bin, "12345"}));
  EXPECT_EQ(Run({"lpos", "l", bin}), Int(0));
}

TEST_F(ListCommandsTest, Arity) {
  EXPECT_EQ(Run({"lpush", "l"}), Err("ERR wrong number of arguments for 'lpush' command"));
  EXPECT_EQ(Run({"rpushx", "l"}), Err("ERR wrong number of arguments for 'rpushx' command"));
  EXPECT_EQ(Run({"llen"}), Err("ERR wrong number of arguments for 'llen' command"));
  EXPECT_EQ(Run({"lpop", "l", "1", "2"}), Err("ERR wrong number of arguments for 'lpop' command"));
  EXPECT_EQ(Run({"rpop", "l", "1", "2", "3"}),
            Err("ERR wrong number of arguments for 'rpop' command"));
  EXPECT_EQ(Run({"lmove", "a", "b", "left"}),
            Err("ERR wrong number of arguments for 'lmove' command"));
  EXPECT_EQ(Run({"blpop", "l"}), Err("ERR wrong number of arguments for 'blpop' command"));
  EXPECT_EQ(Run({"blmpop", "0", "1", "l"}),
            Err("ERR wrong number of arguments for 'blmpop' command"));
  EXPECT_EQ(Run({"lmpop", "1", "l"}), Err("ERR wrong number of arguments for 'lmpop' command"));
}

// --- LPOP / RPOP -----------------------------------------------------------------------------

TEST_F(ListCommandsTest, PopSingleAndCount) {
  Run({"rpush", "l", "a", "b", "c", "d", "e", "f"});
  EXPECT_EQ(Run({"lpop", "l"}), Bulk("a"));
  EXPECT_EQ(Run({"rpop", "l"}), Bulk("f"));
  EXPECT_EQ(Run({"lpop", "l", "2"}), Arr({"b", "c"}));
  EXPECT_EQ(Run({"rpop", "l", "1"}), Arr({"e"}));
  EXPECT_EQ(Run({"lpop", "l", "0"}), kEmptyArray);
  EXPECT_EQ(Run({"rpop", "l", "10"}), Arr({"d"}));
  EXPECT_EQ(Run({"exists", "l"}), Int(0));
  CheckInvariant("l");
}

TEST_F(ListCommandsTest, PopRightCountIsTailFirst) {
  Run({"rpush", "l", "a", "b", "c"});
  EXPECT_EQ(Run({"rpop", "l", "2"}), Arr({"c", "b"}));
  EXPECT_EQ(Range("l"), Arr({"a"}));
  CheckInvariant("l");
}

TEST_F(ListCommandsTest, PopMissingKeyShapes) {
  EXPECT_EQ(Run({"lpop", "l"}), kNil);
  EXPECT_EQ(Run({"rpop", "l"}), kNil);
  EXPECT_EQ(Run({"lpop", "l", "1"}), kNilArray);
  EXPECT_EQ(Run({"rpop", "l", "0"}), kNilArray);
  h.SetProto(3);
  EXPECT_EQ(Run({"lpop", "l"}), kNull3);
  EXPECT_EQ(Run({"lpop", "l", "2"}), kNull3);
  EXPECT_EQ(Run({"rpop", "l", "0"}), kNull3);
  Run({"rpush", "l", "a"});
  EXPECT_EQ(Run({"lpop", "l", "0"}), kEmptyArray);
  EXPECT_EQ(Run({"lpop", "l", "5"}), Arr({"a"}));
}

TEST_F(ListCommandsTest, PopCountErrors) {
  Run({"rpush", "l", "a"});
  EXPECT_EQ(Run({"lpop", "l", "-1"}), kMustBePositive);
  EXPECT_EQ(Run({"lpop", "l", "abc"}), kMustBePositive);
  EXPECT_EQ(Run({"rpop", "l", "1.5"}), kMustBePositive);
  EXPECT_EQ(Run({"rpop", "l", "9223372036854775808"}), kMustBePositive);
  // The count is checked before the key.
  EXPECT_EQ(Run({"lpop", "missing", "-1"}), kMustBePositive);
  EXPECT_EQ(Run({"lpop", "l", "9223372036854775807"}), Arr({"a"}));
}

// --- LRANGE ----------------------------------------------------------------------------------

TEST_F(ListCommandsTest, Range) {
  Run({"rpush", "l", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"});
  EXPECT_EQ(Run({"lrange", "l", "0", "0"}), Arr({"0"}));
  EXPECT_EQ(Run({"lrange", "l", "-3", "-1"}), Arr({"7", "8", "9"}));
  EXPECT_EQ(Run({"lrange", "l", "-100", "2"}), Arr({"0", "1", "2"}));
  EXPECT_EQ(Run({"lrange", "l", "8", "100"}), Arr({"8", "9"}));
  EXPECT_EQ(Run({"lrange", "l", "5", "2"}), kEmptyArray);
  EXPECT_EQ(Run({"lrange", "l", "10", "20"}), kEmptyArray);
  EXPECT_EQ(Run({"lrange", "l", "-1", "-5"}), kEmptyArray);
  EXPECT_EQ(Run({"lrange", "l", "-9223372036854775808", "9223372036854775807"}),
            Run({"lrange", "l", "0", "-1"}));
  EXPECT_EQ(Run({"lrange", "l", "a", "1"}), kNotInt);
  EXPECT_EQ(Run({"lrange", "l", "1", "b"}), kNotInt);
  EXPECT_EQ(Run({"lrange", "missing", "0", "-1"}), kEmptyArray);
  EXPECT_EQ(Run({"lrange", "missing", "x", "-1"}), kNotInt);  // parsed before the lookup
}

// --- LINDEX / LSET ---------------------------------------------------------------------------

TEST_F(ListCommandsTest, IndexAndSet) {
  Run({"rpush", "l", "a", "b", "c"});
  EXPECT_EQ(Run({"lindex", "l", "0"}), Bulk("a"));
  EXPECT_EQ(Run({"lindex", "l", "-1"}), Bulk("c"));
  EXPECT_EQ(Run({"lindex", "l", "3"}), kNil);
  EXPECT_EQ(Run({"lindex", "l", "-4"}), kNil);
  EXPECT_EQ(Run({"lindex", "l", "-9223372036854775808"}), kNil);
  EXPECT_EQ(Run({"lindex", "l", "x"}), kNotInt);
  EXPECT_EQ(Run({"lindex", "missing", "x"}), kNil);  // looked up before the index is parsed
  EXPECT_EQ(Run({"lset", "l", "0", "A"}), kOk);
  EXPECT_EQ(Run({"lset", "l", "-1", "C"}), kOk);
  EXPECT_EQ(Range("l"), Arr({"A", "b", "C"}));
  EXPECT_EQ(Run({"lset", "l", "3", "x"}), Err("ERR index out of range"));
  EXPECT_EQ(Run({"lset", "l", "-4", "x"}), Err("ERR index out of range"));
  EXPECT_EQ(Run({"lset", "l", "x", "y"}), kNotInt);
  EXPECT_EQ(Run({"lset", "missing", "x", "y"}), Err("ERR no such key"));
  h.SetProto(3);
  EXPECT_EQ(Run({"lindex", "l", "9"}), kNull3);
  EXPECT_EQ(Run({"lindex", "missing", "0"}), kNull3);
  CheckInvariant("l");
}

// --- LINSERT ---------------------------------------------------------------------------------

TEST_F(ListCommandsTest, InsertBothSides) {
  Run({"rpush", "l", "a", "b", "c", "d", "e"});
  EXPECT_EQ(Run({"linsert", "l", "BEFORE", "a", "x"}), Int(6));
  EXPECT_EQ(Run({"linsert", "l", "after", "e", "y"}), Int(7));
  EXPECT_EQ(Run({"linsert", "l", "before", "c", "m"}), Int(8));
  EXPECT_EQ(Run({"linsert", "l", "AFTER", "c", "n"}), Int(9));
  EXPECT_EQ(Range("l"), Arr({"x", "a", "b", "m", "c", "n", "d", "e", "y"}));
  CheckInvariant("l");
  EXPECT_EQ(Run({"linsert", "l", "before", "zz", "v"}), Int(-1));
  EXPECT_EQ(Run({"linsert", "l", "middle", "a", "v"}), kSyntax);
  EXPECT_EQ(Run({"linsert", "missing", "before", "a", "v"}), Int(0));
  EXPECT_EQ(Run({"linsert", "missing", "middle", "a", "v"}), kSyntax);
  EXPECT_EQ(Run({"exists", "missing"}), Int(0));
}

TEST_F(ListCommandsTest, InsertFindsFirstPivot) {
  Run({"rpush", "l", "a", "b", "a", "b", "a"});
  EXPECT_EQ(Run({"linsert", "l", "after", "a", "X"}), Int(6));
  EXPECT_EQ(Run({"linsert", "l", "before", "b", "Y"}), Int(7));
  EXPECT_EQ(Range("l"), Arr({"a", "X", "Y", "b", "a", "b", "a"}));
  CheckInvariant("l");
}

// --- LREM ------------------------------------------------------------------------------------

TEST_F(ListCommandsTest, RemoveCounts) {
  Run({"rpush", "l", "a", "b", "a", "c", "a", "d", "a"});
  EXPECT_EQ(Run({"lrem", "l", "2", "a"}), Int(2));
  EXPECT_EQ(Range("l"), Arr({"b", "c", "a", "d", "a"}));
  CheckInvariant("l");
  EXPECT_EQ(Run({"lrem", "l", "-1", "a"}), Int(1));
  EXPECT_EQ(Range("l"), Arr({"b", "c", "a", "d"}));
  CheckInvariant("l");
  EXPECT_EQ(Run({"lrem", "l", "0", "a"}), Int(1));
  EXPECT_EQ(Run({"lrem", "l", "0", "zz"}), Int(0));
  EXPECT_EQ(Range("l"), Arr({"b", "c", "d"}));
  CheckInvariant("l");
  EXPECT_EQ(Run({"lrem", "l", "x", "a"}), kNotInt);
  EXPECT_EQ(Run({"lrem", "missing", "x", "a"}), kNotInt);
  EXPECT_EQ(Run({"lrem", "missing", "0", "a"}), Int(0));
}

TEST_F(ListCommandsTest, RemoveEverythingDeletesTheKey) {
  Run({"rpush", "l", "a", "a", "a"});
  EXPECT_EQ(Run({"lrem", "l", "-9223372036854775808", "a"}), Int(3));
  EXPECT_EQ(Run({"exists", "l"}), Int(0));
  Run({"rpush", "l", "a", "a"});
  EXPECT_EQ(Run({"lrem", "l", "9223372036854775807", "a"}), Int(2));
  EXPECT_EQ(Run({"exists", "l"}), Int(0));
  // A new list under the same name starts clean.
  Run({"rpush", "l", "z"});
  EXPECT_EQ(Range("l"), Arr({"z"}));
  CheckInvariant("l");
}

TEST_F(ListCommandsTest, RemoveNearEitherEnd) {
  Run({"rpush", "n", "1", "2", "3", "4", "5", "6", "7", "8", "9", "x", "10"});
  EXPECT_EQ(Run({"lrem", "n", "1", "x"}), Int(1));
  EXPECT_EQ(Range("n"), Arr({"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}));
  CheckInvariant("n");
  Run({"rpush", "o", "x", "1", "2", "3", "4", "5", "6", "7", "8", "9"});
  EXPECT_EQ(Run({"lrem", "o", "-1", "x"}), Int(1));
  EXPECT_EQ(Range("o"), Arr({"1", "2", "3", "4", "5", "6", "7", "8", "9"}));
  CheckInvariant("o");
  // Matches outside the removed span stay.
  Run({"rpush", "q", "b", "a", "a", "b", "a"});
  EXPECT_EQ(Run({"lrem", "q", "-2", "a"}), Int(2));
  EXPECT_EQ(Range("q"), Arr({"b", "a", "b"}));
  CheckInvariant("q");
  Run({"rpush", "r", "a", "b", "a", "a", "b"});
  EXPECT_EQ(Run({"lrem", "r", "2", "a"}), Int(2));
  EXPECT_EQ(Range("r"), Arr({"b", "a", "b"}));
  CheckInvariant("r");
}

// --- LTRIM -----------------------------------------------------------------------------------

TEST_F(ListCommandsTest, Trim) {
  Run({"rpush", "l", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"});
  EXPECT_EQ(Run({"ltrim", "l", "1", "-2"}), kOk);
  EXPECT_EQ(Range("l"), Arr({"1", "2", "3", "4", "5", "6", "7", "8"}));
  CheckInvariant("l");
  EXPECT_EQ(Run({"ltrim", "l", "-3", "100"}), kOk);
  EXPECT_EQ(Range("l"), Arr({"6", "7", "8"}));
  CheckInvariant("l");
  EXPECT_EQ(Run({"ltrim", "l", "0", "-1"}), kOk);
  EXPECT_EQ(Range("l"), Arr({"6", "7", "8"}));
  EXPECT_EQ(Run({"ltrim", "l", "x", "1"}), kNotInt);
  EXPECT_EQ(Run({"ltrim", "l", "0", "y"}), kNotInt);
  EXPECT_EQ(Run({"ltrim", "l", "2", "1"}), kOk);
  EXPECT_EQ(Run({"exists", "l"}), Int(0));
  EXPECT_EQ(Run({"ltrim", "missing", "0", "1"}), kOk);
  EXPECT_EQ(Run({"ltrim", "missing", "x", "1"}), kNotInt);
  Run({"rpush", "l", "a", "b", "c"});
  EXPECT_EQ(Run({"ltrim", "l", "0", "-9223372036854775808"}), kOk);
  EXPECT_EQ(Run({"exists", "l"}), Int(0));
}

// --- LPOS ------------------------------------------------------------------------------------

TEST_F(ListCommandsTest, Pos) {
  Run({"rpush", "l", "a", "b", "c", "1", "2", "3", "c", "c"});
  EXPECT_EQ(Run({"lpos", "l", "c"}), Int(2));
  EXPECT_EQ(Run({"lpos", "l", "c", "rank", "2"}), Int(6));
  EXPECT_EQ(Run({"lpos", "l", "c", "RANK", "4"}), kNil);
  EXPECT_EQ(Run({"lpos", "l", "c", "RANK", "-1"}), Int(7));
  EXPECT_EQ(Run({"lpos", "l", "c", "RANK", "-3"}), Int(2));
  EXPECT_EQ(Run({"lpos", "l", "c", "COUNT", "0"}), Ints({2, 6, 7}));
  EXPECT_EQ(Run({"lpos", "l", "c", "COUNT", "2"}), Ints({2, 6}));
  EXPECT_EQ(Run({"lpos", "l", "c", "RANK", "2", "COUNT", "0"}), Ints({6, 7}));
  EXPECT_EQ(Run({"lpos", "l", "c", "RANK", "-1", "COUNT", "2"}), Ints({7, 6}));
  EXPECT_EQ(Run({"lpos", "l", "c", "MAXLEN", "2"}), kNil);
  EXPECT_EQ(Run({"lpos", "l", "c", "MAXLEN", "3"}), Int(2));
  EXPECT_EQ(Run({"lpos", "l", "c", "RANK", "-1", "MAXLEN", "1", "COUNT", "0"}), Ints({7}));
  EXPECT_EQ(Run({"lpos", "l", "c", "RANK", "-2", "MAXLEN", "1"}), kNil);
  EXPECT_EQ(Run({"lpos", "l", "zz"}), kNil);
  EXPECT_EQ(Run({"lpos", "l", "zz", "COUNT", "0"}), kEmptyArray);
  // Redis's LONG_MIN rank: rank 1 from the tail, and COUNT never stops it.
  EXPECT_EQ(Run({"lpos", "l", "c", "RANK", "-9223372036854775808"}), Int(7));
  EXPECT_EQ(Run({"lpos", "l", "c", "RANK", "-9223372036854775808", "COUNT", "2"}), Ints({7, 6, 2}));
  EXPECT_EQ(Run({"lpos", "missing", "c"}), kNil);
  EXPECT_EQ(Run({"lpos", "missing", "c", "COUNT", "1"}), kEmptyArray);
  h.SetProto(3);
  EXPECT_EQ(Run({"lpos", "l", "zz"}), kNull3);
  EXPECT_EQ(Run({"lpos", "missing", "c"}), kNull3);
}

TEST_F(ListCommandsTest, PosErrors) {
  Run({"rpush", "l", "a"});
  EXPECT_EQ(Run({"lpos", "l", "a", "RANK", "0"}),
            Err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second "
                "... or use negative to start from the end of the list"));
  EXPECT_EQ(Run({"lpos", "l", "a", "RANK", "x"}), kNotInt);
  EXPECT_EQ(Run({"lpos", "l", "a", "COUNT", "-1"}), Err("ERR COUNT can't be negative"));
  EXPECT_EQ(Run({"lpos", "l", "a", "COUNT", "x"}), Err("ERR COUNT can't be negative"));
  EXPECT_EQ(Run({"lpos", "l", "a", "MAXLEN", "-1"}), Err("ERR MAXLEN can't be negative"));
  EXPECT_EQ(Run({"lpos", "l", "a", "MAXLEN", "x"}), Err("ERR MAXLEN can't be negative"));
  EXPECT_EQ(Run({"lpos", "l", "a", "RANK"}), kSyntax);
  EXPECT_EQ(Run({"lpos", "l", "a", "FOO", "1"}), kSyntax);
  EXPECT_EQ(Run({"lpos", "missing", "a", "RANK", "0"}),
            Err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second "
                "... or use negative to start from the end of the list"));
}

// --- LMOVE / RPOPLPUSH -----------------------------------------------------------------------

TEST_F(ListCommandsTest, Move) {
  Run({"rpush", "src", "a", "b", "c", "d"});
  EXPECT_EQ(Run({"lmove", "src", "dst", "LEFT", "RIGHT"}), Bulk("a"));
  EXPECT_EQ(Run({"lmove", "src", "dst", "right", "left"}), Bulk("d"));
  EXPECT_EQ(Run({"rpoplpush", "src", "dst"}), Bulk("c"));
  EXPECT_EQ(Range("dst"), Arr({"c", "d", "a"}));
  EXPECT_EQ(Run({"lmove", "src", "dst", "left", "left"}), Bulk("b"));
  EXPECT_EQ(Run({"exists", "src"}), Int(0));
  EXPECT_EQ(Run({"lmove", "src", "dst", "left", "left"}), kNil);
  EXPECT_EQ(Run({"rpoplpush", "src", "dst"}), kNil);
  EXPECT_EQ(Run({"lmove", "src", "dst", "up", "left"}), kSyntax);
  EXPECT_EQ(Run({"lmove", "src", "dst", "left", "down"}), kSyntax);
  CheckInvariant("dst");
  h.SetProto(3);
  EXPECT_EQ(Run({"rpoplpush", "src", "dst"}), kNull3);
}

TEST_F(ListCommandsTest, MoveToSameListRotates) {
  Run({"rpush", "r", "1", "2", "3"});
  EXPECT_EQ(Run({"lmove", "r", "r", "left", "right"}), Bulk("1"));
  EXPECT_EQ(Range("r"), Arr({"2", "3", "1"}));
  EXPECT_EQ(Run({"rpoplpush", "r", "r"}), Bulk("1"));
  EXPECT_EQ(Range("r"), Arr({"1", "2", "3"}));
  EXPECT_EQ(Run({"lmove", "r", "r", "left", "left"}), Bulk("1"));
  EXPECT_EQ(Run({"lmove", "r", "r", "right", "right"}), Bulk("3"));
  EXPECT_EQ(Range("r"), Arr({"1", "2", "3"}));
  CheckInvariant("r");
  Run({"rpush", "one", "x"});
  EXPECT_EQ(Run({"lmove", "one", "one", "left", "right"}), Bulk("x"));
  EXPECT_EQ(Run({"rpoplpush", "one", "one"}), Bulk("x"));
  EXPECT_EQ(Range("one"), Arr({"x"}));
  CheckInvariant("one");
}

TEST_F(ListCommandsTest, MoveKeepsDestinationTtl) {
  Run({"rpush", "src", "a"});
  Run({"rpush", "dst", "b"});
  Run({"expire", "dst", "100"});
  EXPECT_EQ(Run({"lmove", "src", "dst", "left", "left"}), Bulk("a"));
  EXPECT_EQ(Run({"ttl", "dst"}), Int(100));
}

// --- LMPOP -----------------------------------------------------------------------------------

TEST_F(ListCommandsTest, MPop) {
  Run({"rpush", "a", "1", "2", "3", "4", "5"});
  Run({"rpush", "b", "x", "y"});
  EXPECT_EQ(Run({"lmpop", "1", "a", "LEFT"}), KeyAndArr("a", {"1"}));
  EXPECT_EQ(Run({"lmpop", "1", "a", "right", "count", "2"}), KeyAndArr("a", {"5", "4"}));
  EXPECT_EQ(Run({"lmpop", "2", "missing", "b", "LEFT", "COUNT", "10"}), KeyAndArr("b", {"x", "y"}));
  EXPECT_EQ(Run({"exists", "b"}), Int(0));
  EXPECT_EQ(Run({"lmpop", "2", "missing", "b", "LEFT"}), kNilArray);
  h.SetProto(3);
  EXPECT_EQ(Run({"lmpop", "2", "missing", "b", "LEFT"}), kNull3);
  EXPECT_EQ(Run({"lmpop", "1", "a", "LEFT", "COUNT", "9223372036854775807"}),
            KeyAndArr("a", {"2", "3"}));
}

TEST_F(ListCommandsTest, MPopErrors) {
  const std::string numkeys = Err("ERR numkeys should be greater than 0");
  const std::string count = Err("ERR count should be greater than 0");
  EXPECT_EQ(Run({"lmpop", "0", "a", "LEFT"}), numkeys);
  EXPECT_EQ(Run({"lmpop", "-1", "a", "LEFT"}), numkeys);
  EXPECT_EQ(Run({"lmpop", "x", "a", "LEFT"}), numkeys);
  EXPECT_EQ(Run({"lmpop", "2", "a", "LEFT"}), kSyntax);
  EXPECT_EQ(Run({"lmpop", "9223372036854775807", "a", "LEFT"}), kSyntax);
  EXPECT_EQ(Run({"lmpop", "1", "a", "UP"}), kSyntax);
  EXPECT_EQ(Run({"lmpop", "1", "a", "LEFT", "COUNT", "0"}), count);
  EXPECT_EQ(Run({"lmpop", "1", "a", "LEFT", "COUNT", "x"}), count);
  EXPECT_EQ(Run({"lmpop", "1", "a", "LEFT", "COUNT"}), kSyntax);
  EXPECT_EQ(Run({"lmpop", "1", "a", "LEFT", "COUNT", "1", "COUNT", "1"}), kSyntax);
  EXPECT_EQ(Run({"lmpop", "1", "a", "LEFT", "FOO"}), kSyntax);
}

// --- blocking commands, served at once -------------------------------------------------------

TEST_F(ListCommandsTest, BlockingWithData) {
  Run({"rpush", "l", "a", "b", "c"});
  EXPECT_EQ(Run({"blpop", "missing", "l", "0"}), Arr({"l", "a"}));
  EXPECT_EQ(Run({"brpop", "l", "1.5"}), Arr({"l", "c"}));
  EXPECT_EQ(Run({"brpoplpush", "l", "d", "0"}), Bulk("b"));
  EXPECT_EQ(Run({"exists", "l"}), Int(0));
  EXPECT_EQ(Run({"blmove", "d", "e", "left", "right", "0"}), Bulk("b"));
  Run({"rpush", "m", "1", "2", "3"});
  EXPECT_EQ(Run({"blmpop", "0", "2", "missing", "m", "RIGHT", "COUNT", "2"}),
            KeyAndArr("m", {"3", "2"}));
  EXPECT_EQ(Run({"blmpop", "0", "1", "m", "LEFT"}), KeyAndArr("m", {"1"}));
}

TEST_F(ListCommandsTest, BlockingWithoutDataAnswersAsATimeout) {
  EXPECT_EQ(Run({"blpop", "a", "b", "0.01"}), kNilArray);
  EXPECT_EQ(Run({"brpop", "a", "0"}), kNilArray);
  EXPECT_EQ(Run({"blmove", "a", "b", "left", "left", "0.01"}), kNilArray);
  EXPECT_EQ(Run({"brpoplpush", "a", "b", "0.01"}), kNilArray);
  EXPECT_EQ(Run({"blmpop", "0.01", "1", "a", "left"}), kNilArray);
  EXPECT_EQ(Run({"exists", "b"}), Int(0));
  h.SetProto(3);
  EXPECT_EQ(Run({"blpop", "a", "0.01"}), kNull3);
  EXPECT_EQ(Run({"blmove", "a", "b", "left", "left", "0.01"}), kNull3);
}

TEST_F(ListCommandsTest, BlockingTimeoutParsing) {
  EXPECT_EQ(Run({"blpop", "l", "-1"}), kTimeoutNegative);
  EXPECT_EQ(Run({"blpop", "l", "inf"}), kTimeoutNegative);
  EXPECT_EQ(Run({"blpop", "l", "-inf"}), kTimeoutNegative);
  EXPECT_EQ(Run({"blpop", "l", "1e300"}), kTimeoutNegative);
  EXPECT_EQ(Run({"blpop", "l", "x"}), kTimeoutNotFloat);
  EXPECT_EQ(Run({"blpop", "l", ""}), kTimeoutNotFloat);
  EXPECT_EQ(Run({"blpop", "l", " 1"}), kTimeoutNotFloat);
  EXPECT_EQ(Run({"blpop", "l", "1 "}), kTimeoutNotFloat);
  EXPECT_EQ(Run({"blpop", "l", "nan"}), kTimeoutNotFloat);
  EXPECT_EQ(Run({"blpop", "l", "1e-5000"}), kTimeoutNotFloat);
  EXPECT_EQ(Run({"blpop", "l", "0x1p-10"}), kNilArray);
  EXPECT_EQ(Run({"blpop", "l", "-0.0001"}), kNilArray);  // ceil(-0.1) ms = 0: forever
  EXPECT_EQ(Run({"brpoplpush", "l", "d", "x"}), kTimeoutNotFloat);
  EXPECT_EQ(Run({"blmove", "l", "d", "left", "right", "-1"}), kTimeoutNegative);
  // Directions are checked before the timeout; LMPOP's arguments too.
  EXPECT_EQ(Run({"blmove", "l", "d", "up", "right", "x"}), kSyntax);
  EXPECT_EQ(Run({"blmpop", "x", "0", "l", "left"}), Err("ERR numkeys should be greater than 0"));
  EXPECT_EQ(Run({"blmpop", "x", "1", "l", "up"}), kSyntax);
  EXPECT_EQ(Run({"blmpop", "x", "1", "l", "left", "count", "0"}),
            Err("ERR count should be greater than 0"));
  EXPECT_EQ(Run({"blmpop", "x", "1", "l", "left"}), kTimeoutNotFloat);
  EXPECT_EQ(Run({"blmpop", "-1", "1", "l", "left"}), kTimeoutNegative);
}

// --- types, expiry, transactions, databases --------------------------------------------------

TEST_F(ListCommandsTest, WrongTypeAgainstString) {
  Run({"set", "s", "v"});
  for (const std::vector<std::string>& cmd : std::vector<std::vector<std::string>>{
           {"lpush", "s", "a"},
           {"rpushx", "s", "a"},
           {"lpop", "s"},
           {"rpop", "s", "0"},
           {"llen", "s"},
           {"lrange", "s", "0", "-1"},
           {"lindex", "s", "x"},
           {"lset", "s", "0", "v"},
           {"linsert", "s", "before", "a", "b"},
           {"lrem", "s", "0", "a"},
           {"ltrim", "s", "0", "1"},
           {"lpos", "s", "a", "count", "0"},
           {"lmove", "s", "d", "left", "left"},
           {"rpoplpush", "s", "d"},
           {"lmpop", "2", "missing", "s", "left"},
           {"blpop", "missing", "s", "0"},
           {"blmove", "s", "d", "left", "right", "0"},
           {"blmpop", "0", "1", "s", "left"},
       }) {
    EXPECT_EQ(h.Run(cmd), kWrongType) << cmd[0];
  }
  EXPECT_EQ(Run({"get", "s"}), Bulk("v"));
  // The destination is checked only when the source has data.
  EXPECT_EQ(Run({"lmove", "missing", "s", "left", "left"}), kNil);
  Run({"rpush", "l", "a"});
  EXPECT_EQ(Run({"lmove", "l", "s", "left", "left"}), kWrongType);
  EXPECT_EQ(Run({"rpoplpush", "l", "s"}), kWrongType);
  EXPECT_EQ(Range("l"), Arr({"a"}));
  // A key with data ahead of the wrong type serves.
  EXPECT_EQ(Run({"lmpop", "2", "l", "s", "left"}), KeyAndArr("l", {"a"}));
}

TEST_F(ListCommandsTest, WrongTypeAgainstAnotherCollection) {
  PutHashMeta("h");
  EXPECT_EQ(Run({"lpush", "h", "a"}), kWrongType);
  EXPECT_EQ(Run({"llen", "h"}), kWrongType);
  EXPECT_EQ(Run({"lrange", "h", "0", "-1"}), kWrongType);
  EXPECT_EQ(Run({"lpop", "h", "2"}), kWrongType);
  EXPECT_EQ(Run({"lpos", "h", "a"}), kWrongType);
  EXPECT_EQ(Run({"brpop", "h", "0"}), kWrongType);
  Run({"rpush", "l", "a"});
  EXPECT_EQ(Run({"rpoplpush", "l", "h"}), kWrongType);
  EXPECT_EQ(Run({"type", "h"}), "+hash\r\n");
}

TEST_F(ListCommandsTest, ExpiryKeepsAndEnds) {
  Run({"rpush", "l", "a", "b", "c"});
  Run({"pexpire", "l", "1000"});
  EXPECT_EQ(Run({"rpush", "l", "d"}), Int(4));
  EXPECT_EQ(Run({"lpop", "l"}), Bulk("a"));
  EXPECT_EQ(Run({"lset", "l", "0", "x"}), kOk);
  EXPECT_EQ(Run({"pttl", "l"}), Int(1000));
  h.AdvanceClockMs(1001);
  EXPECT_EQ(Run({"llen", "l"}), Int(0));
  EXPECT_EQ(Run({"lrange", "l", "0", "-1"}), kEmptyArray);
  EXPECT_EQ(Run({"lpop", "l"}), kNil);
  // A new list under an expired name has none of the old items and no TTL.
  EXPECT_EQ(Run({"rpush", "l", "new"}), Int(1));
  EXPECT_EQ(Range("l"), Arr({"new"}));
  EXPECT_EQ(Run({"ttl", "l"}), Int(-1));
  CheckInvariant("l");
}

TEST_F(ListCommandsTest, OverwriteAndDelete) {
  Run({"rpush", "l", "a", "b"});
  EXPECT_EQ(Run({"set", "l", "str"}), kOk);
  EXPECT_EQ(Run({"llen", "l"}), kWrongType);
  EXPECT_EQ(Run({"del", "l"}), Int(1));
  EXPECT_EQ(Run({"rpush", "l", "c"}), Int(1));
  EXPECT_EQ(Range("l"), Arr({"c"}));
  CheckInvariant("l");
}

TEST_F(ListCommandsTest, MultiExec) {
  Run({"rpush", "l", "a", "b", "c"});
  EXPECT_EQ(Run({"multi"}), kOk);
  EXPECT_EQ(Run({"lpush", "l", "z"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"rpop", "l"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"lrange", "l", "0", "-1"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"blpop", "missing", "0"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"blmove", "missing", "d", "left", "left", "0"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"brpoplpush", "l", "d", "0"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"lmove", "l", "d", "left", "right"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"lpop", "l", "x"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"exec"}), "*8\r\n" + Int(4) + Bulk("c") + Arr({"z", "a", "b"}) + kNilArray + kNil +
                               Bulk("b") + Bulk("z") + kMustBePositive);
  EXPECT_EQ(Range("l"), Arr({"a"}));
  EXPECT_EQ(Range("d"), Arr({"b", "z"}));
  CheckInvariant("l");
  CheckInvariant("d");
}

TEST_F(ListCommandsTest, WatchSeesListWrites) {
  InstallWatchLayer(&h.server());
  auto other = h.NewClient();
  Run({"rpush", "l", "a"});
  EXPECT_EQ(Run({"watch", "l"}), kOk);
  EXPECT_EQ(h.Run(*other, {"lset", "l", "0", "b"}), kOk);
  Run({"multi"});
  Run({"llen", "l"});
  EXPECT_EQ(Run({"exec"}), kNilArray);
  // LMOVE onto the same end still touches the key.
  EXPECT_EQ(Run({"watch", "l"}), kOk);
  EXPECT_EQ(h.Run(*other, {"lmove", "l", "l", "left", "left"}), Bulk("b"));
  Run({"multi"});
  Run({"llen", "l"});
  EXPECT_EQ(Run({"exec"}), kNilArray);
}

TEST_F(ListCommandsTest, DatabasesAreSeparate) {
  Run({"rpush", "l", "a", "b"});
  EXPECT_EQ(Run({"select", "1"}), kOk);
  EXPECT_EQ(Run({"llen", "l"}), Int(0));
  EXPECT_EQ(Run({"rpush", "l", "x"}), Int(1));
  EXPECT_EQ(Run({"lmove", "l", "l2", "left", "left"}), Bulk("x"));
  CheckInvariant("l2", 1);
  EXPECT_EQ(Run({"select", "0"}), kOk);
  EXPECT_EQ(Range("l"), Arr({"a", "b"}));
  EXPECT_EQ(Run({"llen", "l2"}), Int(0));
  CheckInvariant("l");
}

// --- a model check: random edits against std::deque ------------------------------------------

TEST_F(ListCommandsTest, RandomEditsMatchAModel) {
  std::mt19937 rng(12345);
  std::deque<std::string> model;
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  auto value = [&] { return std::string(1, static_cast<char>('a' + pick(4))); };
  auto expect_range = [&] {
    std::vector<std::string> items(model.begin(), model.end());
    EXPECT_EQ(Range("l"), model.empty() ? kEmptyArray : Arr(items));
    CheckInvariant("l");
  };
  for (int step = 0; step < 3000; ++step) {
    const int op = pick(10);
    const long long size = static_cast<long long>(model.size());
    if (op == 0) {
      std::string v = value();
      model.push_front(v);
      ASSERT_EQ(Run({"lpush", "l", v}), Int(static_cast<long long>(model.size())));
    } else if (op == 1) {
      std::string v = value();
      model.push_back(v);
      ASSERT_EQ(Run({"rpush", "l", v}), Int(static_cast<long long>(model.size())));
    } else if (op == 2 && size > 0) {
      ASSERT_EQ(Run({"lpop", "l"}), Bulk(model.front()));
      model.pop_front();
    } else if (op == 3) {
      std::string pivot = value(), v = value();
      const bool after = pick(2) == 1;
      auto it = std::find(model.begin(), model.end(), pivot);
      long long want = model.empty() ? 0 : -1;
      if (it != model.end()) {
        model.insert(after ? it + 1 : it, v);
        want = static_cast<long long>(model.size());
      }
      ASSERT_EQ(Run({"linsert", "l", after ? "after" : "before", pivot, v}), Int(want));
    } else if (op == 4) {
      std::string v = value();
      const long long count = pick(7) - 3;
      long long removed = 0;
      if (count >= 0) {
        for (auto it = model.begin(); it != model.end();) {
          if (*it == v && (count == 0 || removed < count)) {
            it = model.erase(it);
            ++removed;
          } else {
            ++it;
          }
        }
      } else {
        for (long long i = static_cast<long long>(model.size()) - 1; i >= 0; --i) {
          if (model[static_cast<size_t>(i)] == v && removed < -count) {
            model.erase(model.begin() + i);
            ++removed;
          }
        }
      }
      ASSERT_EQ(Run({"lrem", "l", std::to_string(count), v}), Int(removed));
    } else if (op == 5 && size > 0) {
      const long long start = pick(3), stop = -1 - pick(3);
      ASSERT_EQ(Run({"ltrim", "l", std::to_string(start), std::to_string(stop)}), kOk);
      long long first = start, last = size + stop;
      if (first > last || first >= size) {
        model.clear();
      } else {
        model.erase(model.begin() + (last + 1), model.end());
        model.erase(model.begin(), model.begin() + first);
      }
    } else if (op == 6 && size > 0) {
      const long long index = pick(static_cast<int>(size));
      std::string v = value();
      ASSERT_EQ(Run({"lset", "l", std::to_string(index), v}), kOk);
      model[static_cast<size_t>(index)] = v;
    } else if (op == 7 && size > 0) {
      ASSERT_EQ(Run({"lmove", "l", "l", "left", "right"}), Bulk(model.front()));
      model.push_back(model.front());
      model.pop_front();
    } else if (op == 8 && size > 0) {
      const long long count = 1 + pick(3);
      std::vector<std::string> popped;
      for (long long i = 0; i < count && !model.empty(); ++i) {
        popped.push_back(model.back());
        model.pop_back();
      }
      ASSERT_EQ(Run({"rpop", "l", std::to_string(count)}), Arr(popped));
    } else if (op == 9 && size > 0) {
      const long long index = pick(static_cast<int>(size));
      ASSERT_EQ(Run({"lindex", "l", std::to_string(index - size)}),
                Bulk(model[static_cast<size_t>(index)]));
    }
    if (step % 50 == 0 || model.size() < 3) expect_range();
    if (HasFatalFailure() || HasFailure()) {
      ADD_FAILURE() << "at step " << step << " op " << op;
      return;
    }
  }
  expect_range();
}

}  // namespace
}  // namespace ringkv
