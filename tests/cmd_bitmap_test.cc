// Bitmap command and LCS tests, in-process through the real Dispatch (CommandHarness) over
// MemoryStorage with a fake clock. Expected bytes are Redis 7.0.15's (checked against
// redis-server; the differential suite redis-tests/differential/families/bitmap.txt covers the
// same ground against the real thing).

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "command_harness.h"
#include "resp_expect.h"
#include "storage/collections.h"
#include "storage/key_codec.h"

namespace ringkv {
namespace {

using namespace test;  // kOk, Bulk(), Arr(), ...: resp_expect.h

const std::string kBadOffset = "-ERR bit offset is not an integer or out of range\r\n";
const std::string kBadBit = "-ERR bit is not an integer or out of range\r\n";
const std::string kBadType =
    "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
    "i64 is.\r\n";

class BitmapCommandsTest : public ::testing::Test {
 protected:
  // Makes `key` (database `db`) a one-field hash, through the storage encodings: the hash
  // family's commands are not needed to test WRONGTYPE against a collection.
  void MakeHash(const std::string& key, uint8_t db = 0) {
    storage::CollectionMeta meta;
    meta.version = storage::NewVersion();
    meta.size = 1;
    const std::string qkey = storage::QualifyKey(db, key);
    storage::WriteBatch batch;
    batch.Put(qkey, storage::EncodeMeta(storage::ValueType::kHash, meta), 0,
              storage::ValueType::kHash);
    batch.PutElement(storage::ElementKey(qkey, meta.version, "f"), "v");
    ASSERT_TRUE(h.storage().Write(batch).ok());
  }

  CommandHarness h;
};

// --- SETBIT / GETBIT ---------------------------------------------------------------------------

TEST_F(BitmapCommandsTest, SetBitGetBit) {
  EXPECT_EQ(h.Run({"getbit", "b", "0"}), Int(0));
  EXPECT_EQ(h.Run({"setbit", "b", "7", "1"}), Int(0));
  EXPECT_EQ(h.Run({"get", "b"}), Bulk("\x01"));
  EXPECT_EQ(h.Run({"getbit", "b", "7"}), Int(1));
  EXPECT_EQ(h.Run({"getbit", "b", "6"}), Int(0));
  EXPECT_EQ(h.Run({"getbit", "b", "4294967295"}), Int(0));  // past the end reads 0
  EXPECT_EQ(h.Run({"setbit", "b", "7", "1"}), Int(1));
  EXPECT_EQ(h.Run({"setbit", "b", "7", "0"}), Int(1));
  EXPECT_EQ(h.Run({"get", "b"}), Bulk(std::string(1, '\0')));
  EXPECT_EQ(h.Run({"setbit", "b", "100", "1"}), Int(0));  // grows with zero bytes
  EXPECT_EQ(h.Run({"strlen", "b"}), Int(13));
  EXPECT_EQ(h.Run({"getbit", "b", "100"}), Int(1));
  EXPECT_EQ(h.Run({"setbit", "b", "100", "0"}), Int(1));
  EXPECT_EQ(h.Run({"strlen", "b"}), Int(13));  // never shrinks
  EXPECT_EQ(h.Run({"type", "b"}), "+string\r\n");

  EXPECT_EQ(h.Run({"set", "s", "foobar"}), kOk);
  EXPECT_EQ(h.Run({"setbit", "s", "1", "0"}), Int(1));
  EXPECT_EQ(h.Run({"setbit", "s", "6", "1"}), Int(1));
  EXPECT_EQ(h.Run({"get", "s"}), Bulk("&oobar"));
  EXPECT_EQ(h.Run({"set", "n", "12345"}), kOk);  // a number is its decimal text
  EXPECT_EQ(h.Run({"getbit", "n", "2"}), Int(1));
  EXPECT_EQ(h.Run({"getbit", "n", "3"}), Int(1));
  EXPECT_EQ(h.Run({"getbit", "n", "4"}), Int(0));
}

TEST_F(BitmapCommandsTest, SetBitGetBitErrors) {
  EXPECT_EQ(h.Run({"setbit", "b", "-1", "1"}), kBadOffset);
  EXPECT_EQ(h.Run({"setbit", "b", "x", "1"}), kBadOffset);
  EXPECT_EQ(h.Run({"setbit", "b", "01", "1"}), kBadOffset);
  EXPECT_EQ(h.Run({"setbit", "b", "+1", "1"}), kBadOffset);
  EXPECT_EQ(h.Run({"setbit", "b", "4294967296", "1"}), kBadOffset);  // byte 512MB
  EXPECT_EQ(h.Run({"setbit", "b", "9223372036854775808", "1"}), kBadOffset);
  EXPECT_EQ(h.Run({"setbit", "b", "0", "2"}), kBadBit);
  EXPECT_EQ(h.Run({"setbit", "b", "0", "-1"}), kBadBit);
  EXPECT_EQ(h.Run({"setbit", "b", "0", "x"}), kBadBit);
  EXPECT_EQ(h.Run({"setbit", "b", "-1", "x"}), kBadOffset);  // the offset is checked first
  EXPECT_EQ(h.Run({"getbit", "b", "-1"}), kBadOffset);
  EXPECT_EQ(h.Run({"getbit", "b", "4294967296"}), kBadOffset);
  EXPECT_EQ(h.Run({"setbit", "b", "0"}), Err("ERR wrong number of arguments for 'setbit' command"));
  EXPECT_EQ(h.Run({"getbit", "b"}), Err("ERR wrong number of arguments for 'getbit' command"));
  EXPECT_EQ(h.Run({"exists", "b"}), Int(0));
}

TEST_F(BitmapCommandsTest, OffsetLimitFollowsProtoMaxBulkLen) {
  EXPECT_EQ(h.Run({"config", "set", "proto-max-bulk-len", "1048576"}), kOk);
  EXPECT_EQ(h.Run({"setbit", "k", "8388608", "1"}), kBadOffset);
  EXPECT_EQ(h.Run({"bitfield", "k", "get", "u8", "8388608"}), kBadOffset);
  EXPECT_EQ(h.Run({"setbit", "k", "8388607", "1"}), Int(0));
  EXPECT_EQ(h.Run({"strlen", "k"}), Int(1048576));
  EXPECT_EQ(h.Run({"bitcount", "k"}), Int(1));
  EXPECT_EQ(h.Run({"bitpos", "k", "1"}), Int(8388607));
}

TEST_F(BitmapCommandsTest, WritesKeepTheTtl) {
  EXPECT_EQ(h.Run({"setbit", "t", "3", "1"}), Int(0));
  EXPECT_EQ(h.Run({"expire", "t", "100"}), Int(1));
  EXPECT_EQ(h.Run({"setbit", "t", "100", "1"}), Int(0));
  EXPECT_EQ(h.Run({"ttl", "t"}), Int(100));
  EXPECT_EQ(h.Run({"bitfield", "t", "incrby", "u8", "0", "1", "set", "u8", "200", "1"}),
            RawArr({Int(17), Int(0)}));
  EXPECT_EQ(h.Run({"ttl", "t"}), Int(100));
  h.AdvanceClockMs(100001);
  EXPECT_EQ(h.Run({"getbit", "t", "3"}), Int(0));
  EXPECT_EQ(h.Run({"exists", "t"}), Int(0));
  // An expired key is a missing one: SETBIT starts a new persistent string.
  EXPECT_EQ(h.Run({"setbit", "t", "0", "1"}), Int(0));
  EXPECT_EQ(h.Run({"ttl", "t"}), Int(-1));
  EXPECT_EQ(h.Run({"get", "t"}), Bulk("\x80"));
}

// --- BITCOUNT ----------------------------------------------------------------------------------

TEST_F(BitmapCommandsTest, BitCount) {
  EXPECT_EQ(h.Run({"bitcount", "missing"}), Int(0));
  EXPECT_EQ(h.Run({"bitcount", "missing", "x", "y"}), Int(0));  // missing: range not parsed
  EXPECT_EQ(h.Run({"set", "k", "foobar"}), kOk);
  EXPECT_EQ(h.Run({"bitcount", "k"}), Int(26));
  EXPECT_EQ(h.Run({"bitcount", "k", "0", "0"}), Int(4));
  EXPECT_EQ(h.Run({"bitcount", "k", "1", "1"}), Int(6));
  EXPECT_EQ(h.Run({"bitcount", "k", "0", "-1"}), Int(26));
  EXPECT_EQ(h.Run({"bitcount", "k", "-2", "-1"}), Int(7));
  EXPECT_EQ(h.Run({"bitcount", "k", "-1", "-2"}), Int(0));
  EXPECT_EQ(h.Run({"bitcount", "k", "-100", "100"}), Int(26));
  EXPECT_EQ(h.Run({"bitcount", "k", "100", "200"}), Int(0));
  EXPECT_EQ(h.Run({"bitcount", "k", "3", "1"}), Int(0));
  EXPECT_EQ(h.Run({"bitcount", "k", "0", "0", "BYTE"}), Int(4));
  EXPECT_EQ(h.Run({"bitcount", "k", "1", "1", "BIT"}), Int(1));
  EXPECT_EQ(h.Run({"bitcount", "k", "5", "30", "bit"}), Int(17));
  EXPECT_EQ(h.Run({"bitcount", "k", "0", "47", "BIT"}), Int(26));
  EXPECT_EQ(h.Run({"bitcount", "k", "-8", "-1", "BIT"}), Int(4));
  EXPECT_EQ(h.Run({"bitcount", "k", "8", "7", "BIT"}), Int(0));
  EXPECT_EQ(h.Run({"bitcount", "k", "-1", "-2", "garbage"}), Int(0));  // before the unit check
  EXPECT_EQ(h.Run({"bitcount", "k", "0"}), kSyntax);
  EXPECT_EQ(h.Run({"bitcount", "k", "0", "1", "2"}), kSyntax);
  EXPECT_EQ(h.Run({"bitcount", "k", "0", "1", "BIT", "x"}), kSyntax);
  EXPECT_EQ(h.Run({"bitcount", "k", "x", "1"}), kNotInt);
  EXPECT_EQ(h.Run({"bitcount", "k", "0", "x"}), kNotInt);
  EXPECT_EQ(h.Run({"bitcount", "k", "-9223372036854775808", "9223372036854775807", "BIT"}),
            Int(26));
  EXPECT_EQ(h.Run({"set", "e", ""}), kOk);
  EXPECT_EQ(h.Run({"bitcount", "e"}), Int(0));
  EXPECT_EQ(h.Run({"bitcount", "e", "0", "-1", "BIT"}), Int(0));
  EXPECT_EQ(h.Run({"bitcount"}), Err("ERR wrong number of arguments for 'bitcount' command"));
}

TEST_F(BitmapCommandsTest, BitCountLongValue) {
  std::string v(1000, '\xff');
  v[999] = '\x01';
  EXPECT_EQ(h.Run({"set", "k", v}), kOk);
  EXPECT_EQ(h.Run({"bitcount", "k"}), Int(999 * 8 + 1));
  EXPECT_EQ(h.Run({"bitcount", "k", "3", "-1"}), Int(996 * 8 + 1));
  EXPECT_EQ(h.Run({"bitcount", "k", "5", "7997", "BIT"}), Int(7987));
}

// --- BITPOS ------------------------------------------------------------------------------------

TEST_F(BitmapCommandsTest, BitPos) {
  EXPECT_EQ(h.Run({"bitpos", "missing", "0"}), Int(0));
  EXPECT_EQ(h.Run({"bitpos", "missing", "1"}), Int(-1));
  EXPECT_EQ(h.Run({"bitpos", "missing", "1", "x"}), Int(-1));  // missing: range not parsed
  EXPECT_EQ(h.Run({"bitpos", "missing", "2"}), Err("ERR The bit argument must be 1 or 0."));
  EXPECT_EQ(h.Run({"bitpos", "missing", "x"}), kNotInt);

  EXPECT_EQ(h.Run({"set", "k", std::string("\xff\xf0\x00", 3)}), kOk);
  EXPECT_EQ(h.Run({"bitpos", "k", "0"}), Int(12));
  EXPECT_EQ(h.Run({"bitpos", "k", "1"}), Int(0));
  EXPECT_EQ(h.Run({"bitpos", "k", "0", "2"}), Int(16));
  EXPECT_EQ(h.Run({"bitpos", "k", "1", "2"}), Int(-1));
  EXPECT_EQ(h.Run({"bitpos", "k", "1", "1"}), Int(8));
  EXPECT_EQ(h.Run({"bitpos", "k", "0", "0", "0"}), Int(-1));
  EXPECT_EQ(h.Run({"bitpos", "k", "0", "0", "-1"}), Int(12));
  EXPECT_EQ(h.Run({"bitpos", "k", "0", "3"}), Int(-1));  // start past the end: empty range
  EXPECT_EQ(h.Run({"bitpos", "k", "0", "0", "0", "BYTE"}), Int(-1));
  EXPECT_EQ(h.Run({"bitpos", "k", "0", "0", "11", "BIT"}), Int(-1));
  EXPECT_EQ(h.Run({"bitpos", "k", "0", "0", "12", "bit"}), Int(12));
  EXPECT_EQ(h.Run({"bitpos", "k", "1", "3", "BIT"}), kNotInt);  // BIT needs an end
  EXPECT_EQ(h.Run({"bitpos", "k", "1", "12", "-1", "BIT"}), Int(-1));
  EXPECT_EQ(h.Run({"bitpos", "k", "1", "3", "-1", "BIT"}), Int(3));
  EXPECT_EQ(h.Run({"bitpos", "k", "0", "4", "4", "BIT"}), Int(-1));
  EXPECT_EQ(h.Run({"bitpos", "k", "1", "5", "5", "BIT"}), Int(5));
  EXPECT_EQ(h.Run({"bitpos", "k", "0", "-12", "-1", "BIT"}), Int(12));
  EXPECT_EQ(h.Run({"bitpos", "k", "0", "1", "2", "bits"}), kSyntax);
  EXPECT_EQ(h.Run({"bitpos", "k", "0", "1", "2", "BIT", "x"}), kSyntax);
  EXPECT_EQ(h.Run({"bitpos", "k", "0", "x"}), kNotInt);
  EXPECT_EQ(h.Run({"bitpos", "k", "0", "0", "x"}), kNotInt);
  EXPECT_EQ(h.Run({"bitpos", "k", "0", "0", "x", "BIT"}), kNotInt);
  EXPECT_EQ(h.Run({"bitpos", "k", "0", "0", "1", "x"}), kSyntax);  // unit before end
  EXPECT_EQ(h.Run({"bitpos", "k"}), Err("ERR wrong number of arguments for 'bitpos' command"));
}

// Looking for a 0 in an all-ones value: past the end when no end is given (the value reads as
// zero-padded), -1 when the range is explicit.
TEST_F(BitmapCommandsTest, BitPosClearBitRules) {
  EXPECT_EQ(h.Run({"set", "ones", std::string(11, '\xff')}), kOk);
  EXPECT_EQ(h.Run({"bitpos", "ones", "0"}), Int(88));
  EXPECT_EQ(h.Run({"bitpos", "ones", "0", "0"}), Int(88));
  EXPECT_EQ(h.Run({"bitpos", "ones", "0", "3"}), Int(88));
  EXPECT_EQ(h.Run({"bitpos", "ones", "0", "0", "-1"}), Int(-1));
  EXPECT_EQ(h.Run({"bitpos", "ones", "0", "3", "-1", "BIT"}), Int(-1));
  EXPECT_EQ(h.Run({"bitpos", "ones", "0", "3", "87", "BIT"}), Int(-1));
  EXPECT_EQ(h.Run({"set", "zeros", std::string(10, '\0')}), kOk);
  EXPECT_EQ(h.Run({"bitpos", "zeros", "1"}), Int(-1));
  EXPECT_EQ(h.Run({"bitpos", "zeros", "0"}), Int(0));
  EXPECT_EQ(h.Run({"bitpos", "zeros", "0", "5", "-1", "BIT"}), Int(5));
  EXPECT_EQ(h.Run({"set", "e", ""}), kOk);
  EXPECT_EQ(h.Run({"bitpos", "e", "0"}), Int(-1));
  EXPECT_EQ(h.Run({"bitpos", "e", "1"}), Int(-1));
  std::string lng(20, '\0');
  lng += "\x04\xff";
  EXPECT_EQ(h.Run({"set", "long", lng}), kOk);
  EXPECT_EQ(h.Run({"bitpos", "long", "1"}), Int(165));
  EXPECT_EQ(h.Run({"bitpos", "long", "1", "3", "-2"}), Int(165));
  EXPECT_EQ(h.Run({"bitpos", "long", "1", "3", "-3"}), Int(-1));
  EXPECT_EQ(h.Run({"bitpos", "long", "1", "161", "170", "BIT"}), Int(165));
  EXPECT_EQ(h.Run({"bitpos", "long", "0", "168", "175", "BIT"}), Int(-1));
  EXPECT_EQ(h.Run({"bitpos", "long", "0", "21"}), Int(176));
}

// --- BITOP -------------------------------------------------------------------------------------

TEST_F(BitmapCommandsTest, BitOp) {
  EXPECT_EQ(h.Run({"bitop", "and", "dest", "a", "b"}), Int(0));
  EXPECT_EQ(h.Run({"exists", "dest"}), Int(0));
  EXPECT_EQ(h.Run({"set", "a", "\xff\x0f"}), kOk);
  EXPECT_EQ(h.Run({"set", "b", "\xf0"}), kOk);
  EXPECT_EQ(h.Run({"bitop", "AND", "dest", "a", "b"}), Int(2));
  EXPECT_EQ(h.Run({"get", "dest"}), Bulk(std::string("\xf0\x00", 2)));
  EXPECT_EQ(h.Run({"bitop", "OR", "dest", "a", "b"}), Int(2));
  EXPECT_EQ(h.Run({"get", "dest"}), Bulk("\xff\x0f"));
  EXPECT_EQ(h.Run({"bitop", "XOR", "dest", "a", "b"}), Int(2));
  EXPECT_EQ(h.Run({"get", "dest"}), Bulk("\x0f\x0f"));
  EXPECT_EQ(h.Run({"bitop", "not", "dest", "a"}), Int(2));
  EXPECT_EQ(h.Run({"get", "dest"}), Bulk(std::string("\x00\xf0", 2)));
  EXPECT_EQ(h.Run({"bitop", "and", "dest", "a", "b", "missing"}), Int(2));
  EXPECT_EQ(h.Run({"get", "dest"}), Bulk(std::string(2, '\0')));
  EXPECT_EQ(h.Run({"bitop", "xor", "dest", "a", "b", "a"}), Int(2));
  EXPECT_EQ(h.Run({"get", "dest"}), Bulk(std::string("\xf0\x00", 2)));
  // The same key many times: still one source at a time.
  EXPECT_EQ(h.Run({"bitop", "or", "dest", "a", "b", "a", "b", "a", "b"}), Int(2));
  EXPECT_EQ(h.Run({"get", "dest"}), Bulk("\xff\x0f"));
  // A destination among the sources.
  EXPECT_EQ(h.Run({"bitop", "and", "a", "a", "b"}), Int(2));
  EXPECT_EQ(h.Run({"get", "a"}), Bulk(std::string("\xf0\x00", 2)));
}

TEST_F(BitmapCommandsTest, BitOpLongValues) {
  std::string x, y;
  for (int i = 0; i < 100; ++i) x.push_back(static_cast<char>(i * 7));
  for (int i = 0; i < 77; ++i) y.push_back(static_cast<char>(255 - i * 3));
  EXPECT_EQ(h.Run({"set", "x", x}), kOk);
  EXPECT_EQ(h.Run({"set", "y", y}), kOk);
  std::string want_and(100, '\0'), want_or = x, want_xor = x, want_not = x;
  for (size_t i = 0; i < y.size(); ++i) {
    want_and[i] = static_cast<char>(x[i] & y[i]);
    want_or[i] = static_cast<char>(x[i] | y[i]);
    want_xor[i] = static_cast<char>(x[i] ^ y[i]);
  }
  for (char& c : want_not) c = static_cast<char>(~c);
  EXPECT_EQ(h.Run({"bitop", "and", "d", "x", "y"}), Int(100));
  EXPECT_EQ(h.Run({"get", "d"}), Bulk(want_and));
  EXPECT_EQ(h.Run({"bitop", "and", "d", "y", "x"}), Int(100));
  EXPECT_EQ(h.Run({"get", "d"}), Bulk(want_and));
  EXPECT_EQ(h.Run({"bitop", "or", "d", "y", "x"}), Int(100));
  EXPECT_EQ(h.Run({"get", "d"}), Bulk(want_or));
  EXPECT_EQ(h.Run({"bitop", "xor", "d", "y", "x"}), Int(100));
  EXPECT_EQ(h.Run({"get", "d"}), Bulk(want_xor));
  EXPECT_EQ(h.Run({"bitop", "not", "d", "x"}), Int(100));
  EXPECT_EQ(h.Run({"get", "d"}), Bulk(want_not));
}

TEST_F(BitmapCommandsTest, BitOpDestinationReplacedOrDeleted) {
  EXPECT_EQ(h.Run({"set", "a", "\x0f"}), kOk);
  // Overwritten whatever it held, expiry dropped.
  EXPECT_EQ(h.Run({"set", "dest", "old", "ex", "100"}), kOk);
  EXPECT_EQ(h.Run({"bitop", "or", "dest", "a"}), Int(1));
  EXPECT_EQ(h.Run({"ttl", "dest"}), Int(-1));
  EXPECT_EQ(h.Run({"get", "dest"}), Bulk("\x0f"));
  MakeHash("hdest");
  EXPECT_EQ(h.Run({"type", "hdest"}), "+hash\r\n");
  EXPECT_EQ(h.Run({"bitop", "not", "hdest", "a"}), Int(1));
  EXPECT_EQ(h.Run({"type", "hdest"}), "+string\r\n");
  EXPECT_EQ(h.Run({"get", "hdest"}), Bulk("\xf0"));
  // An empty result deletes the destination, whatever its type.
  EXPECT_EQ(h.Run({"bitop", "or", "dest", "missing"}), Int(0));
  EXPECT_EQ(h.Run({"exists", "dest"}), Int(0));
  MakeHash("hdest2");
  EXPECT_EQ(h.Run({"set", "e", ""}), kOk);
  EXPECT_EQ(h.Run({"bitop", "and", "hdest2", "e", "missing"}), Int(0));
  EXPECT_EQ(h.Run({"exists", "hdest2"}), Int(0));
  EXPECT_EQ(h.Run({"bitop", "not", "dest", "e"}), Int(0));
  EXPECT_EQ(h.Run({"exists", "dest"}), Int(0));
}

TEST_F(BitmapCommandsTest, BitOpErrors) {
  EXPECT_EQ(h.Run({"set", "a", "x"}), kOk);
  EXPECT_EQ(h.Run({"bitop", "not", "dest", "a", "b"}),
            Err("ERR BITOP NOT must be called with a single source key."));
  EXPECT_EQ(h.Run({"bitop", "nand", "dest", "a"}), kSyntax);
  EXPECT_EQ(h.Run({"bitop", "and", "dest"}),
            Err("ERR wrong number of arguments for 'bitop' command"));
  EXPECT_EQ(h.Run({"exists", "dest"}), Int(0));
}

// --- BITFIELD ----------------------------------------------------------------------------------

TEST_F(BitmapCommandsTest, BitFieldGetSetIncrBy) {
  EXPECT_EQ(h.Run({"bitfield", "missing", "get", "u8", "0"}), RawArr({Int(0)}));
  EXPECT_EQ(h.Run({"exists", "missing"}), Int(0));  // GET alone never creates the key
  EXPECT_EQ(h.Run({"bitfield", "missing"}), RawArr({}));
  EXPECT_EQ(h.Run({"bitfield", "k", "set", "u8", "0", "255"}), RawArr({Int(0)}));
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("\xff"));
  EXPECT_EQ(h.Run({"bitfield", "k",   "get", "u8", "0",   "get", "i8", "0",   "get", "u4",
                   "0",        "get", "i4",  "4",  "get", "u1",  "7",  "get", "i1",  "7"}),
            RawArr({Int(255), Int(-1), Int(15), Int(-1), Int(1), Int(-1)}));
  EXPECT_EQ(h.Run({"bitfield", "k", "set", "i8", "0", "-100", "get", "u8", "0"}),
            RawArr({Int(-1), Int(156)}));
  EXPECT_EQ(h.Run({"bitfield", "k", "incrby", "u8", "0", "10", "incrby", "u8", "0", "200"}),
            RawArr({Int(166), Int(110)}));  // WRAP by default
  EXPECT_EQ(h.Run({"bitfield", "k", "set", "u2", "100", "1", "get", "u2", "100"}),
            RawArr({Int(0), Int(1)}));
  EXPECT_EQ(h.Run({"strlen", "k"}), Int(13));
  // "#N" offsets are N times the type's width.
  EXPECT_EQ(h.Run({"bitfield", "k", "set", "u8", "#2", "7", "get", "u8", "#2", "get", "u16", "#1"}),
            RawArr({Int(0), Int(7), Int(1792)}));
  // Fields across byte boundaries, past the end of the value.
  EXPECT_EQ(h.Run({"set", "s", "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a"}), kOk);
  EXPECT_EQ(h.Run({"bitfield", "s",   "get", "u16", "4",   "get", "i32", "9",   "get", "u63",
                   "13",       "get", "i64", "17",  "get", "u12", "70",  "get", "i64", "60"}),
            RawArr({Int(0x1020), Int(67504138), Int(2319424522055352464), Int(434608410933072404),
                    Int(1064), Int(-9182663718347997184)}));
}

TEST_F(BitmapCommandsTest, BitField64BitLimits) {
  EXPECT_EQ(h.Run({"bitfield", "k", "set", "i64", "0", "-1", "get", "i64", "0", "get", "u63", "0",
                   "get", "u63", "1"}),
            RawArr({Int(0), Int(-1), Int(9223372036854775807), Int(9223372036854775807)}));
  EXPECT_EQ(
      h.Run({"bitfield", "k", "set", "i64", "0", "9223372036854775807", "incrby", "i64", "0", "1"}),
      RawArr({Int(-1), Int(INT64_MIN)}));
  EXPECT_EQ(h.Run({"bitfield", "k", "overflow", "sat", "incrby", "i64", "0", "-1", "set", "i64",
                   "0", "9223372036854775807", "incrby", "i64", "0", "100"}),
            RawArr({Int(INT64_MIN), Int(INT64_MIN), Int(INT64_MAX)}));
  EXPECT_EQ(
      h.Run({"bitfield", "k", "overflow", "fail", "incrby", "i64", "0", "1", "get", "i64", "0"}),
      RawArr({kNil, Int(INT64_MAX)}));
  EXPECT_EQ(h.Run({"bitfield", "k", "overflow", "sat", "set", "u63", "0", "9223372036854775807",
                   "incrby", "u63", "0", "1", "incrby", "u63", "0", "-9223372036854775808"}),
            RawArr({Int(4611686018427387903), Int(INT64_MAX), Int(0)}));
}

TEST_F(BitmapCommandsTest, BitFieldOverflow) {
  EXPECT_EQ(h.Run({"bitfield", "k", "overflow", "wrap", "set", "u8", "0", "256", "get", "u8", "0"}),
            RawArr({Int(0), Int(0)}));
  EXPECT_EQ(h.Run({"bitfield", "k", "overflow", "sat", "set", "u8", "0", "256", "get", "u8", "0"}),
            RawArr({Int(0), Int(255)}));
  EXPECT_EQ(
      h.Run({"bitfield", "k", "overflow", "fail", "set", "u8", "0", "1000", "get", "u8", "0"}),
      RawArr({kNil, Int(255)}));
  EXPECT_EQ(h.Run({"bitfield", "k", "overflow", "sat", "set", "u8", "0", "-1", "get", "u8", "0"}),
            RawArr({Int(255), Int(255)}));  // -1 read as 2^64-1: saturates high
  EXPECT_EQ(h.Run({"bitfield", "k",    "set",      "i8",  "0",      "120",  "incrby", "i8",
                   "0",        "10",   "overflow", "sat", "incrby", "i8",   "0",      "100",
                   "overflow", "fail", "incrby",   "i8",  "0",      "-1000"}),
            RawArr({Int(-1), Int(-126), Int(-26), kNil}));
  EXPECT_EQ(h.Run({"bitfield", "k", "overflow", "sat", "set", "i8", "0", "200", "set", "i8", "0",
                   "-200", "get", "i8", "0"}),
            RawArr({Int(-26), Int(127), Int(-128)}));
  EXPECT_EQ(h.Run({"bitfield", "k", "overflow", "wrap", "set", "i8", "0", "200", "get", "i8", "0"}),
            RawArr({Int(-128), Int(-56)}));
  EXPECT_EQ(h.Run({"bitfield", "k", "overflow", "sat", "incrby", "u8", "0", "-1000"}),
            RawArr({Int(0)}));
  EXPECT_EQ(h.Run({"bitfield", "k", "OVERFLOW", "FAIL"}), RawArr({}));
  // OVERFLOW FAIL still creates and pads the key, as Redis does.
  EXPECT_EQ(h.Run({"bitfield", "fresh", "overflow", "fail", "set", "u8", "80", "256"}),
            RawArr({kNil}));
  EXPECT_EQ(h.Run({"get", "fresh"}), Bulk(std::string(11, '\0')));
}

TEST_F(BitmapCommandsTest, BitFieldErrors) {
  EXPECT_EQ(h.Run({"bitfield", "k", "get", "u8"}), kSyntax);
  EXPECT_EQ(h.Run({"bitfield", "k", "set", "u8", "0"}), kSyntax);
  EXPECT_EQ(h.Run({"bitfield", "k", "incrby", "u8", "0"}), kSyntax);
  EXPECT_EQ(h.Run({"bitfield", "k", "foo", "u8", "0"}), kSyntax);
  EXPECT_EQ(h.Run({"bitfield", "k", "overflow"}), kSyntax);
  EXPECT_EQ(h.Run({"bitfield", "k", "overflow", "foo"}),
            Err("ERR Invalid OVERFLOW type specified"));
  EXPECT_EQ(h.Run({"bitfield", "k", "get", "u64", "0"}), kBadType);
  EXPECT_EQ(h.Run({"bitfield", "k", "get", "i65", "0"}), kBadType);
  EXPECT_EQ(h.Run({"bitfield", "k", "get", "i0", "0"}), kBadType);
  EXPECT_EQ(h.Run({"bitfield", "k", "get", "U8", "0"}), kBadType);
  EXPECT_EQ(h.Run({"bitfield", "k", "get", "", "0"}), kBadType);
  EXPECT_EQ(h.Run({"bitfield", "k", "get", "u08", "0"}), kBadType);
  EXPECT_EQ(h.Run({"bitfield", "k", "get", "u8", "-1"}), kBadOffset);
  EXPECT_EQ(h.Run({"bitfield", "k", "get", "u8", "#-1"}), kBadOffset);
  EXPECT_EQ(h.Run({"bitfield", "k", "get", "u8", "#"}), kBadOffset);
  EXPECT_EQ(h.Run({"bitfield", "k", "get", "u8", "#536870912"}), kBadOffset);
  EXPECT_EQ(h.Run({"bitfield", "k", "get", "u8", "#536870911"}), RawArr({Int(0)}));
  EXPECT_EQ(h.Run({"bitfield", "k", "set", "u8", "0", "x"}), kNotInt);
  EXPECT_EQ(h.Run({"bitfield", "k", "incrby", "u8", "0", "9223372036854775808"}), kNotInt);
  // Every subcommand is checked before anything is written.
  EXPECT_EQ(h.Run({"bitfield", "k", "set", "u8", "0", "1", "get", "u64", "0"}), kBadType);
  EXPECT_EQ(h.Run({"exists", "k"}), Int(0));
  EXPECT_EQ(h.Run({"bitfield"}), Err("ERR wrong number of arguments for 'bitfield' command"));
}

TEST_F(BitmapCommandsTest, BitFieldRo) {
  EXPECT_EQ(h.Run({"bitfield_ro", "missing", "get", "u8", "0"}), RawArr({Int(0)}));
  EXPECT_EQ(h.Run({"bitfield_ro", "missing"}), RawArr({}));
  EXPECT_EQ(h.Run({"set", "k", "\xab\xcd"}), kOk);
  EXPECT_EQ(h.Run({"bitfield_ro", "k", "get", "u8", "0", "get", "i8", "0", "get", "u16", "#0",
                   "get", "i12", "#1"}),
            RawArr({Int(0xab), Int(-85), Int(0xabcd), Int(-768)}));
  const std::string ro_err = Err("ERR BITFIELD_RO only supports the GET subcommand");
  EXPECT_EQ(h.Run({"bitfield_ro", "k", "get", "u8", "0", "set", "u8", "0", "1"}), ro_err);
  EXPECT_EQ(h.Run({"bitfield_ro", "k", "incrby", "u8", "0", "1"}), ro_err);
  EXPECT_EQ(h.Run({"bitfield_ro", "k", "overflow", "sat", "get", "u8", "0"}), RawArr({Int(0xab)}));
  EXPECT_EQ(h.Run({"bitfield_ro", "k", "set", "u8", "0", "x"}), kNotInt);  // parsed first
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("\xab\xcd"));
}

// --- WRONGTYPE ---------------------------------------------------------------------------------

TEST_F(BitmapCommandsTest, WrongTypeAgainstACollection) {
  MakeHash("h");
  EXPECT_EQ(h.Run({"setbit", "h", "0", "1"}), kWrongType);
  EXPECT_EQ(h.Run({"getbit", "h", "0"}), kWrongType);
  EXPECT_EQ(h.Run({"bitcount", "h"}), kWrongType);
  EXPECT_EQ(h.Run({"bitcount", "h", "x", "y"}), kWrongType);  // type before the range
  EXPECT_EQ(h.Run({"bitpos", "h", "1"}), kWrongType);
  EXPECT_EQ(h.Run({"bitpos", "h", "2"}), Err("ERR The bit argument must be 1 or 0."));
  EXPECT_EQ(h.Run({"set", "s", "x"}), kOk);
  EXPECT_EQ(h.Run({"bitop", "and", "dest", "s", "h"}), kWrongType);
  EXPECT_EQ(h.Run({"exists", "dest"}), Int(0));
  EXPECT_EQ(h.Run({"bitfield", "h", "get", "u8", "0"}), kWrongType);
  EXPECT_EQ(h.Run({"bitfield", "h", "set", "u8", "0", "1"}), kWrongType);
  EXPECT_EQ(h.Run({"bitfield", "h"}), kWrongType);
  EXPECT_EQ(h.Run({"bitfield", "h", "get", "u8", "x"}), kBadOffset);  // parsing comes first
  EXPECT_EQ(h.Run({"bitfield_ro", "h", "get", "u8", "0"}), kWrongType);
  const std::string lcs_err = Err("ERR The specified keys must contain string values");
  EXPECT_EQ(h.Run({"lcs", "h", "s"}), lcs_err);
  EXPECT_EQ(h.Run({"lcs", "s", "h"}), lcs_err);
  EXPECT_EQ(h.Run({"lcs", "s", "h", "len", "idx"}), lcs_err);  // before the options
  EXPECT_EQ(h.Run({"type", "h"}), "+hash\r\n");
}

TEST_F(BitmapCommandsTest, StringKeysAreRightType) {
  // A plain string (SET) is a bitmap; nothing here is WRONGTYPE.
  EXPECT_EQ(h.Run({"set", "s", "\x80"}), kOk);
  EXPECT_EQ(h.Run({"getbit", "s", "0"}), Int(1));
  EXPECT_EQ(h.Run({"bitcount", "s"}), Int(1));
  EXPECT_EQ(h.Run({"bitpos", "s", "0"}), Int(1));
  EXPECT_EQ(h.Run({"bitfield_ro", "s", "get", "u1", "0"}), RawArr({Int(1)}));
  EXPECT_EQ(h.Run({"lcs", "s", "s"}), Bulk("\x80"));
}

// --- LCS ---------------------------------------------------------------------------------------

TEST_F(BitmapCommandsTest, Lcs) {
  EXPECT_EQ(h.Run({"lcs", "m1", "m2"}), Bulk(""));
  EXPECT_EQ(h.Run({"lcs", "m1", "m2", "len"}), Int(0));
  EXPECT_EQ(h.Run({"lcs", "m1", "m2", "idx"}),
            RawArr({Bulk("matches"), RawArr({}), Bulk("len"), Int(0)}));
  EXPECT_EQ(h.Run({"mset", "key1", "ohmytext", "key2", "mynewtext"}), kOk);
  EXPECT_EQ(h.Run({"lcs", "key1", "key2"}), Bulk("mytext"));
  EXPECT_EQ(h.Run({"lcs", "key1", "key2", "LEN"}), Int(6));
  EXPECT_EQ(h.Run({"lcs", "key1", "key2", "idx"}),
            RawArr({Bulk("matches"),
                    RawArr({RawArr({RawArr({Int(4), Int(7)}), RawArr({Int(5), Int(8)})}),
                            RawArr({RawArr({Int(2), Int(3)}), RawArr({Int(0), Int(1)})})}),
                    Bulk("len"), Int(6)}));
  EXPECT_EQ(h.Run({"lcs", "key1", "key2", "idx", "minmatchlen", "4", "withmatchlen"}),
            RawArr({Bulk("matches"),
                    RawArr({RawArr({RawArr({Int(4), Int(7)}), RawArr({Int(5), Int(8)}), Int(4)})}),
                    Bulk("len"), Int(6)}));
  EXPECT_EQ(h.Run({"lcs", "key1", "key2", "idx", "minmatchlen", "-5", "withmatchlen"}),
            RawArr({Bulk("matches"),
                    RawArr({RawArr({RawArr({Int(4), Int(7)}), RawArr({Int(5), Int(8)}), Int(4)}),
                            RawArr({RawArr({Int(2), Int(3)}), RawArr({Int(0), Int(1)}), Int(2)})}),
                    Bulk("len"), Int(6)}));
  // WITHMATCHLEN and MINMATCHLEN without IDX change nothing.
  EXPECT_EQ(h.Run({"lcs", "key1", "key2", "withmatchlen", "minmatchlen", "3"}), Bulk("mytext"));
  EXPECT_EQ(h.Run({"lcs", "key1", "missing"}), Bulk(""));
  EXPECT_EQ(h.Run({"lcs", "key1", "key1"}), Bulk("ohmytext"));
  EXPECT_EQ(h.Run({"mset", "r1", "rosettacode", "r2", "raisethysword"}), kOk);
  EXPECT_EQ(h.Run({"lcs", "r1", "r2"}), Bulk("rsetod"));
  EXPECT_EQ(h.Run({"mset", "a", "abcabcbb", "b", "cbbacbacab"}), kOk);
  EXPECT_EQ(h.Run({"lcs", "a", "b"}), Bulk("cbcbb"));
  EXPECT_EQ(h.Run({"lcs", "a", "b", "len"}), Int(5));
}

TEST_F(BitmapCommandsTest, LcsResp3) {
  h.SetProto(3);
  EXPECT_EQ(h.Run({"mset", "key1", "ohmytext", "key2", "mynewtext"}), kOk);
  EXPECT_EQ(h.Run({"lcs", "key1", "key2", "idx", "minmatchlen", "4"}),
            "%2\r\n" + Bulk("matches") +
                RawArr({RawArr({RawArr({Int(4), Int(7)}), RawArr({Int(5), Int(8)})})}) +
                Bulk("len") + Int(6));
  EXPECT_EQ(h.Run({"bitfield", "k", "overflow", "fail", "set", "u8", "0", "256"}), "*1\r\n_\r\n");
}

TEST_F(BitmapCommandsTest, LcsErrors) {
  EXPECT_EQ(h.Run({"mset", "key1", "a", "key2", "b"}), kOk);
  EXPECT_EQ(h.Run({"lcs", "key1", "key2", "len", "idx"}),
            Err("ERR If you want both the length and indexes, please just use IDX."));
  EXPECT_EQ(h.Run({"lcs", "key1", "key2", "foo"}), kSyntax);
  EXPECT_EQ(h.Run({"lcs", "key1", "key2", "minmatchlen"}), kSyntax);
  EXPECT_EQ(h.Run({"lcs", "key1", "key2", "minmatchlen", "x"}), kNotInt);
  EXPECT_EQ(h.Run({"lcs", "key1"}), Err("ERR wrong number of arguments for 'lcs' command"));
}

// Redis refuses when its (len1+1)*(len2+1)*4-byte table would exceed proto-max-bulk-len.
TEST_F(BitmapCommandsTest, LcsMemoryLimit) {
  EXPECT_EQ(h.Run({"config", "set", "proto-max-bulk-len", "1048576"}), kOk);
  EXPECT_EQ(h.Run({"set", "la", std::string(701, 'a')}), kOk);
  EXPECT_EQ(h.Run({"set", "lb", std::string(401, 'a')}), kOk);
  EXPECT_EQ(h.Run({"set", "lc", std::string(301, 'a')}), kOk);
  const std::string too_big =
      Err("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
  EXPECT_EQ(h.Run({"lcs", "la", "lb", "len"}), too_big);
  EXPECT_EQ(h.Run({"lcs", "la", "lb"}), too_big);
  EXPECT_EQ(h.Run({"lcs", "la", "lc", "len"}), Int(301));
  EXPECT_EQ(h.Run({"lcs", "la", "lc"}), Bulk(std::string(301, 'a')));
  // ringkv's own ceiling (2^30 cells) holds even when proto-max-bulk-len is raised.
  EXPECT_EQ(h.Run({"config", "set", "proto-max-bulk-len", "64gb"}), kOk);
  EXPECT_EQ(h.Run({"setrange", "huge1", "40000", "x"}), Int(40001));
  EXPECT_EQ(h.Run({"setrange", "huge2", "30000", "x"}), Int(30001));
  EXPECT_EQ(h.Run({"lcs", "huge1", "huge2", "len"}),
            Err("ERR Insufficient memory, transient memory for LCS exceeds 128mb (ringkv's limit "
                "of 2^30 table cells)"));
}

// --- transactions, databases -------------------------------------------------------------------

TEST_F(BitmapCommandsTest, MultiExec) {
  EXPECT_EQ(h.Run({"multi"}), kOk);
  EXPECT_EQ(h.Run({"setbit", "k", "3", "1"}), "+QUEUED\r\n");
  EXPECT_EQ(h.Run({"bitcount", "k"}), "+QUEUED\r\n");
  EXPECT_EQ(h.Run({"bitfield", "k", "incrby", "u4", "0", "5"}), "+QUEUED\r\n");
  EXPECT_EQ(h.Run({"bitpos", "k", "1"}), "+QUEUED\r\n");
  EXPECT_EQ(h.Run({"bitop", "not", "d", "k"}), "+QUEUED\r\n");
  EXPECT_EQ(h.Run({"lcs", "k", "k", "len"}), "+QUEUED\r\n");
  EXPECT_EQ(h.Run({"setbit", "k", "-1", "1"}), "+QUEUED\r\n");  // a runtime error in place
  EXPECT_EQ(h.Run({"exec"}),
            RawArr({Int(0), Int(1), RawArr({Int(6)}), Int(1), Int(1), Int(1), kBadOffset}));
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("\x60"));
  EXPECT_EQ(h.Run({"get", "d"}), Bulk("\x9f"));
}

TEST_F(BitmapCommandsTest, DatabasesAreSeparate) {
  EXPECT_EQ(h.Run({"setbit", "k", "0", "1"}), Int(0));
  EXPECT_EQ(h.Run({"select", "1"}), kOk);
  EXPECT_EQ(h.Run({"getbit", "k", "0"}), Int(0));
  EXPECT_EQ(h.Run({"bitcount", "k"}), Int(0));
  EXPECT_EQ(h.Run({"setbit", "k", "1", "1"}), Int(0));
  EXPECT_EQ(h.Run({"bitop", "or", "d", "k"}), Int(1));
  MakeHash("h", 1);
  EXPECT_EQ(h.Run({"bitcount", "h"}), kWrongType);
  EXPECT_EQ(h.Run({"select", "0"}), kOk);
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("\x80"));
  EXPECT_EQ(h.Run({"exists", "d"}), Int(0));
  EXPECT_EQ(h.Run({"bitcount", "h"}), Int(0));
  EXPECT_EQ(h.Run({"select", "1"}), kOk);
  EXPECT_EQ(h.Run({"get", "d"}), Bulk("\x40"));
}

TEST_F(BitmapCommandsTest, CommandInfo) {
  const std::string bitop = h.Run({"command", "info", "bitop"});
  EXPECT_EQ(
      bitop.rfind(
          "*1\r\n*10\r\n$5\r\nbitop\r\n:-4\r\n*2\r\n+write\r\n+denyoom\r\n:2\r\n:-1\r\n:1\r\n", 0),
      0u)
      << bitop;
  EXPECT_NE(h.Run({"command", "docs", "bitop"}).find("$5\r\ngroup\r\n$6\r\nbitmap\r\n"),
            std::string::npos);
  const std::string lcs = h.Run({"command", "info", "lcs"});
  EXPECT_EQ(lcs.rfind("*1\r\n*10\r\n$3\r\nlcs\r\n:-3\r\n*1\r\n+readonly\r\n:1\r\n:2\r\n:1\r\n", 0),
            0u)
      << lcs;
  EXPECT_NE(lcs.find("@string"), std::string::npos);
}

}  // namespace
}  // namespace ringkv
