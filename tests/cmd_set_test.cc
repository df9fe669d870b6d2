// Set command tests (issue 10), in-process through the real Dispatch (CommandHarness) over
// MemoryStorage with a fake clock. Expected bytes are Redis 7.0.15's, checked against
// redis-server (redis-tests/differential/families/set.txt runs the same cases against it).

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "command_harness.h"
#include "resp_expect.h"
#include "storage/collections.h"
#include "storage/db_view.h"

namespace ringkv {
namespace {

using namespace test;  // kOk, Bulk(), Arr(), ...: resp_expect.h

// The header line of a reply ("*3", "~2").
std::string Header(const std::string& reply) { return reply.substr(0, reply.find("\r\n")); }

class SetCommandsTest : public ::testing::Test {
 protected:
  std::vector<std::string> Members(const std::string& key) {
    return Sorted(Bulks(h.Run({"smembers", key})));
  }
  // A key of another collection type (a hash), written as the hash family stores one.
  void MakeHash(const std::string& key) {
    storage::DbView view(&h.storage(), static_cast<uint8_t>(h.client().db));
    storage::CollectionMeta meta;
    meta.version = storage::NewVersion();
    meta.size = 1;
    std::string q = view.Qualify(key);
    ASSERT_TRUE(view.Put(key, storage::EncodeMeta(storage::ValueType::kHash, meta), 0,
                         storage::ValueType::kHash)
                    .ok());
    storage::WriteBatch b;
    b.PutElement(storage::ElementKey(q, meta.version, "f"), "v");
    ASSERT_TRUE(h.storage().Write(b).ok());
  }
  void AddRange(const std::string& key, const std::string& prefix, int n) {
    std::vector<std::string> argv = {"sadd", key};
    for (int i = 0; i < n; ++i) argv.push_back(prefix + std::to_string(i));
    EXPECT_EQ(h.Run(argv), Int(n));
  }
  // Full SSCAN iteration; every member seen (with repeats) and the number of calls.
  std::vector<std::string> ScanAll(const std::string& key, const std::vector<std::string>& opts,
                                   int* calls) {
    std::vector<std::string> seen;
    std::string cursor = "0";
    *calls = 0;
    do {
      std::vector<std::string> argv = {"sscan", key, cursor};
      argv.insert(argv.end(), opts.begin(), opts.end());
      std::vector<std::string> parts = Bulks(h.Run(argv));
      EXPECT_FALSE(parts.empty());
      if (parts.empty()) break;
      cursor = parts[0];
      seen.insert(seen.end(), parts.begin() + 1, parts.end());
      ++*calls;
    } while (cursor != "0" && *calls < 100000);
    return seen;
  }

  CommandHarness h;
};

// --- SADD, SREM, SCARD, SISMEMBER, SMISMEMBER, SMEMBERS --------------------------------------

TEST_F(SetCommandsTest, AddRemoveCard) {
  EXPECT_EQ(h.Run({"sadd", "s", "a", "b", "c"}), Int(3));
  EXPECT_EQ(h.Run({"sadd", "s", "a", "d", "a", "d"}), Int(1));
  EXPECT_EQ(h.Run({"scard", "s"}), Int(4));
  EXPECT_EQ(h.Run({"type", "s"}), "+set\r\n");
  EXPECT_EQ(h.Run({"sismember", "s", "a"}), Int(1));
  EXPECT_EQ(h.Run({"sismember", "s", "zz"}), Int(0));
  EXPECT_EQ(h.Run({"sismember", "nokey", "a"}), Int(0));
  EXPECT_EQ(h.Run({"scard", "nokey"}), Int(0));
  EXPECT_EQ(h.Run({"srem", "s", "a", "zz", "a"}), Int(1));
  EXPECT_EQ(h.Run({"srem", "nokey", "a"}), Int(0));
  EXPECT_EQ(Members("s"), (std::vector<std::string>{"b", "c", "d"}));
  EXPECT_EQ(h.Run({"srem", "s", "b", "c", "d", "e"}), Int(3));
  EXPECT_EQ(h.Run({"exists", "s"}), Int(0));  // an emptied set is deleted
  EXPECT_EQ(h.Run({"type", "s"}), "+none\r\n");
  EXPECT_EQ(h.Run({"sadd", "s", "x"}), Int(1));  // and comes back fresh
  EXPECT_EQ(Members("s"), (std::vector<std::string>{"x"}));
}

TEST_F(SetCommandsTest, BinaryAndEmptyMembers) {
  const std::string bin("\x00\xff\r\n", 4);
  EXPECT_EQ(h.Run({"sadd", "s", "", bin, "a b"}), Int(3));
  EXPECT_EQ(h.Run({"sismember", "s", ""}), Int(1));
  EXPECT_EQ(h.Run({"sismember", "s", bin}), Int(1));
  EXPECT_EQ(Members("s"), (std::vector<std::string>{"", bin, "a b"}));
  EXPECT_EQ(h.Run({"srem", "s", ""}), Int(1));
  EXPECT_EQ(h.Run({"scard", "s"}), Int(2));
}

TEST_F(SetCommandsTest, SMIsMember) {
  EXPECT_EQ(h.Run({"sadd", "s", "a", "c"}), Int(2));
  EXPECT_EQ(h.Run({"smismember", "s", "a", "b", "c", "a"}), "*4\r\n:1\r\n:0\r\n:1\r\n:1\r\n");
  EXPECT_EQ(h.Run({"smismember", "nokey", "a", "b"}), "*2\r\n:0\r\n:0\r\n");
  h.SetProto(3);
  EXPECT_EQ(h.Run({"smismember", "s", "a", "b"}), "*2\r\n:1\r\n:0\r\n");  // an array in RESP3
}

TEST_F(SetCommandsTest, SMembersShapes) {
  EXPECT_EQ(h.Run({"smembers", "nokey"}), kEmptyArray);
  EXPECT_EQ(h.Run({"sadd", "s", "b", "a"}), Int(2));
  EXPECT_EQ(h.Run({"smembers", "s"}), "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  h.SetProto(3);
  EXPECT_EQ(h.Run({"smembers", "s"}), "~2\r\n$1\r\na\r\n$1\r\nb\r\n");
  EXPECT_EQ(h.Run({"smembers", "nokey"}), "~0\r\n");
}

TEST_F(SetCommandsTest, Arity) {
  EXPECT_EQ(h.Run({"sadd", "s"}), Err("ERR wrong number of arguments for 'sadd' command"));
  EXPECT_EQ(h.Run({"srem", "s"}), Err("ERR wrong number of arguments for 'srem' command"));
  EXPECT_EQ(h.Run({"sismember", "s"}),
            Err("ERR wrong number of arguments for 'sismember' command"));
  EXPECT_EQ(h.Run({"scard", "s", "t"}), Err("ERR wrong number of arguments for 'scard' command"));
  EXPECT_EQ(h.Run({"smove", "a", "b"}), Err("ERR wrong number of arguments for 'smove' command"));
  EXPECT_EQ(h.Run({"sintercard", "1"}),
            Err("ERR wrong number of arguments for 'sintercard' command"));
  EXPECT_EQ(h.Run({"sinterstore", "d"}),
            Err("ERR wrong number of arguments for 'sinterstore' command"));
  EXPECT_EQ(h.Run({"sscan", "s"}), Err("ERR wrong number of arguments for 'sscan' command"));
  EXPECT_EQ(h.Run({"spop", "s", "1", "2"}), kSyntax);
  EXPECT_EQ(h.Run({"srandmember", "s", "1", "2"}), kSyntax);
}

TEST_F(SetCommandsTest, WrongTypeAgainstStringAndHash) {
  EXPECT_EQ(h.Run({"set", "str", "v"}), kOk);
  MakeHash("hash");
  for (const std::string key : {"str", "hash"}) {
    SCOPED_TRACE(key);
    EXPECT_EQ(h.Run({"sadd", key, "a"}), kWrongType);
    EXPECT_EQ(h.Run({"srem", key, "a"}), kWrongType);
    EXPECT_EQ(h.Run({"sismember", key, "a"}), kWrongType);
    EXPECT_EQ(h.Run({"smismember", key, "a"}), kWrongType);
    EXPECT_EQ(h.Run({"scard", key}), kWrongType);
    EXPECT_EQ(h.Run({"smembers", key}), kWrongType);
    EXPECT_EQ(h.Run({"spop", key}), kWrongType);
    EXPECT_EQ(h.Run({"spop", key, "0"}), kWrongType);  // the type is checked before count 0
    EXPECT_EQ(h.Run({"srandmember", key}), kWrongType);
    EXPECT_EQ(h.Run({"srandmember", key, "0"}), kWrongType);
    EXPECT_EQ(h.Run({"srandmember", key, "-3"}), kWrongType);
    EXPECT_EQ(h.Run({"sinter", "nokey", key}), kWrongType);  // every key is looked up
    EXPECT_EQ(h.Run({"sintercard", "2", "nokey", key}), kWrongType);
    EXPECT_EQ(h.Run({"sunion", key}), kWrongType);
    EXPECT_EQ(h.Run({"sdiff", "nokey", key}), kWrongType);
    EXPECT_EQ(h.Run({"sinterstore", "d", key}), kWrongType);
    EXPECT_EQ(h.Run({"sunionstore", "d", key}), kWrongType);
    EXPECT_EQ(h.Run({"sdiffstore", "d", "nokey", key}), kWrongType);
    EXPECT_EQ(h.Run({"sscan", key, "0"}), kWrongType);
    EXPECT_EQ(h.Run({"sscan", key, "0", "count", "0"}), kWrongType);  // before the options
  }
  EXPECT_EQ(h.Run({"get", "str"}), Bulk("v"));
  EXPECT_EQ(h.Run({"type", "hash"}), "+hash\r\n");
  // Argument errors come before the key's type.
  EXPECT_EQ(h.Run({"spop", "str", "-1"}), Err("ERR value is out of range, must be positive"));
  EXPECT_EQ(h.Run({"srandmember", "str", "x"}), kNotInt);
  EXPECT_EQ(h.Run({"sscan", "str", "x"}), Err("ERR invalid cursor"));
  EXPECT_EQ(h.Run({"sintercard", "1", "str", "limit", "-1"}), Err("ERR LIMIT can't be negative"));
}

// --- SPOP -------------------------------------------------------------------------------------

TEST_F(SetCommandsTest, SPopMissingAndErrors) {
  EXPECT_EQ(h.Run({"spop", "nokey"}), kNil);
  EXPECT_EQ(h.Run({"spop", "nokey", "3"}), kEmptyArray);
  EXPECT_EQ(h.Run({"spop", "nokey", "0"}), kEmptyArray);
  const std::string positive = Err("ERR value is out of range, must be positive");
  EXPECT_EQ(h.Run({"spop", "nokey", "-1"}), positive);
  EXPECT_EQ(h.Run({"spop", "nokey", "abc"}), positive);
  EXPECT_EQ(h.Run({"spop", "nokey", "9223372036854775808"}), positive);
  h.SetProto(3);
  EXPECT_EQ(h.Run({"spop", "nokey"}), "_\r\n");
  EXPECT_EQ(h.Run({"spop", "nokey", "2"}), "~0\r\n");
}

TEST_F(SetCommandsTest, SPopOneEmptiesAndDeletes) {
  AddRange("s", "m", 50);
  std::set<std::string> popped;
  for (int i = 0; i < 50; ++i) {
    std::vector<std::string> b = Bulks(h.Run({"spop", "s"}));
    ASSERT_EQ(b.size(), 1u);
    EXPECT_TRUE(popped.insert(b[0]).second) << b[0];
    EXPECT_EQ(h.Run({"sismember", "s", b[0]}), Int(0));
  }
  EXPECT_EQ(popped.size(), 50u);
  EXPECT_EQ(h.Run({"exists", "s"}), Int(0));
  EXPECT_EQ(h.Run({"spop", "s"}), kNil);
}

TEST_F(SetCommandsTest, SPopCount) {
  AddRange("s", "m", 20);
  EXPECT_EQ(h.Run({"spop", "s", "0"}), kEmptyArray);
  // Few popped: deleted one by one.
  std::string r = h.Run({"spop", "s", "3"});
  EXPECT_EQ(Header(r), "*3");
  std::vector<std::string> first = Bulks(r);
  EXPECT_EQ(std::set<std::string>(first.begin(), first.end()).size(), 3u);
  EXPECT_EQ(h.Run({"scard", "s"}), Int(17));
  // Most popped (2 * 5 <= 15): the survivors move to a new incarnation.
  r = h.Run({"spop", "s", "15"});
  EXPECT_EQ(Header(r), "*15");
  std::vector<std::string> second = Bulks(r);
  EXPECT_EQ(h.Run({"scard", "s"}), Int(2));
  std::vector<std::string> rest = Members("s");
  ASSERT_EQ(rest.size(), 2u);
  std::set<std::string> all(first.begin(), first.end());
  all.insert(second.begin(), second.end());
  all.insert(rest.begin(), rest.end());
  EXPECT_EQ(all.size(), 20u);  // every member exactly once across pops and survivors
  for (const std::string& m : rest) EXPECT_EQ(h.Run({"sismember", "s", m}), Int(1));
  for (const std::string& m : second) EXPECT_EQ(h.Run({"sismember", "s", m}), Int(0));
  // Count >= size: the whole set, and the key is gone.
  h.SetProto(3);
  r = h.Run({"spop", "s", "9223372036854775807"});
  EXPECT_EQ(Header(r), "~2");
  EXPECT_EQ(Sorted(Bulks(r)), rest);
  EXPECT_EQ(h.Run({"exists", "s"}), Int(0));
}

TEST_F(SetCommandsTest, SPopKeepsTtl) {
  AddRange("s", "m", 10);
  EXPECT_EQ(h.Run({"expire", "s", "100"}), Int(1));
  EXPECT_EQ(Bulks(h.Run({"spop", "s"})).size(), 1u);
  EXPECT_EQ(h.Run({"ttl", "s"}), Int(100));
  EXPECT_EQ(Bulks(h.Run({"spop", "s", "8"})).size(), 8u);  // move strategy keeps it too
  EXPECT_EQ(h.Run({"ttl", "s"}), Int(100));
  EXPECT_EQ(h.Run({"scard", "s"}), Int(1));
}

// --- SRANDMEMBER ------------------------------------------------------------------------------

TEST_F(SetCommandsTest, SRandMemberRules) {
  EXPECT_EQ(h.Run({"srandmember", "nokey"}), kNil);
  EXPECT_EQ(h.Run({"srandmember", "nokey", "3"}), kEmptyArray);
  EXPECT_EQ(h.Run({"srandmember", "nokey", "-3"}), kEmptyArray);
  EXPECT_EQ(h.Run({"srandmember", "s", "abc"}), kNotInt);
  EXPECT_EQ(h.Run({"srandmember", "s", "9223372036854775808"}), kNotInt);
  EXPECT_EQ(h.Run({"srandmember", "s", "-9223372036854775808"}),
            Err("ERR value is out of range, value must between -9223372036854775807 and "
                "9223372036854775807"));
  EXPECT_EQ(h.Run({"sadd", "s", "a", "b", "c"}), Int(3));
  EXPECT_EQ(h.Run({"srandmember", "s", "0"}), kEmptyArray);
  std::vector<std::string> abc = {"a", "b", "c"};
  EXPECT_EQ(Sorted(Bulks(h.Run({"srandmember", "s", "3"}))), abc);
  EXPECT_EQ(Sorted(Bulks(h.Run({"srandmember", "s", "9223372036854775807"}))), abc);
  std::vector<std::string> two = Bulks(h.Run({"srandmember", "s", "2"}));
  ASSERT_EQ(two.size(), 2u);
  EXPECT_NE(two[0], two[1]);
  std::string r = h.Run({"srandmember", "s", "-7"});
  EXPECT_EQ(Header(r), "*7");
  for (const std::string& m : Bulks(r)) EXPECT_TRUE(m == "a" || m == "b" || m == "c");
  EXPECT_EQ(h.Run({"scard", "s"}), Int(3));  // nothing removed
  h.SetProto(3);
  EXPECT_EQ(Header(h.Run({"srandmember", "s", "2"})), "*2");  // an array, even in RESP3
  EXPECT_EQ(Header(h.Run({"srandmember", "s", "-2"})), "*2");
  EXPECT_EQ(h.Run({"srandmember", "nokey"}), "_\r\n");
  EXPECT_EQ(h.Run({"srandmember", "nokey", "2"}), kEmptyArray);
}

// Uniformity: chi-square-ish bounds, loose enough never to flake (the expected count per
// member is 1000; a fair draw stays far inside +-25%).
TEST_F(SetCommandsTest, RandomPicksAreUniform) {
  AddRange("s", "m", 20);
  std::map<std::string, int> single, distinct, repeated;
  for (int i = 0; i < 20000; ++i) ++single[Bulks(h.Run({"srandmember", "s"}))[0]];
  for (int i = 0; i < 4000; ++i) {
    for (const std::string& m : Bulks(h.Run({"srandmember", "s", "5"}))) ++distinct[m];
  }
  for (int i = 0; i < 1000; ++i) {
    for (const std::string& m : Bulks(h.Run({"srandmember", "s", "-20"}))) ++repeated[m];
  }
  for (const auto* counts : {&single, &distinct, &repeated}) {
    EXPECT_EQ(counts->size(), 20u);
    for (const auto& [m, n] : *counts) {
      EXPECT_GT(n, 750) << m;
      EXPECT_LT(n, 1250) << m;
    }
  }
  // SPOP: which member goes first is uniform too.
  std::map<std::string, int> popped;
  for (int i = 0; i < 4000; ++i) {
    ++popped[Bulks(h.Run({"spop", "s"}))[0]];
    std::vector<std::string> b = Bulks(h.Run({"smembers", "s"}));
    ASSERT_EQ(b.size(), 19u);
    std::set<std::string> have(b.begin(), b.end());
    for (int j = 0; j < 20; ++j) {
      if (!have.count("m" + std::to_string(j))) {
        EXPECT_EQ(h.Run({"sadd", "s", "m" + std::to_string(j)}), Int(1));
      }
    }
  }
  for (const auto& [m, n] : popped) {
    EXPECT_GT(n, 120) << m;
    EXPECT_LT(n, 280) << m;
  }
}

TEST_F(SetCommandsTest, SRandMemberNegativeOrderIsRandom) {
  // With repetition the picks come in random order (Redis's CASE 1), not grouped by member.
  AddRange("s", "m", 200);
  std::vector<std::string> picks = Bulks(h.Run({"srandmember", "s", "-100"}));
  ASSERT_EQ(picks.size(), 100u);
  EXPECT_FALSE(std::is_sorted(picks.begin(), picks.end()));
  picks = Bulks(h.Run({"srandmember", "s", "-1000"}));  // more picks than members
  ASSERT_EQ(picks.size(), 1000u);
  EXPECT_FALSE(std::is_sorted(picks.begin(), picks.end()));
}

TEST_F(SetCommandsTest, SRandMemberHugeNegativeCountStopsAtOutputLimit) {
  h.config().output_limit_normal.hard = 64 * 1024;
  AddRange("s", "member-", 10);
  std::string r = h.Run({"srandmember", "s", "-9223372036854775807"});
  EXPECT_EQ(Header(r), "*9223372036854775807");  // announced, as Redis does, then cut
  EXPECT_GT(r.size(), 64u * 1024);
  EXPECT_LT(r.size(), 64u * 1024 + 100);
  EXPECT_TRUE(h.client().close_after_reply);
}

// --- SMOVE ------------------------------------------------------------------------------------

TEST_F(SetCommandsTest, SMove) {
  EXPECT_EQ(h.Run({"sadd", "a", "x", "y"}), Int(2));
  EXPECT_EQ(h.Run({"sadd", "b", "y", "z"}), Int(2));
  EXPECT_EQ(h.Run({"smove", "a", "b", "x"}), Int(1));
  EXPECT_EQ(Members("a"), (std::vector<std::string>{"y"}));
  EXPECT_EQ(Members("b"), (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_EQ(h.Run({"smove", "a", "b", "y"}), Int(1));  // already there: only removed from a
  EXPECT_EQ(h.Run({"exists", "a"}), Int(0));
  EXPECT_EQ(h.Run({"scard", "b"}), Int(3));
  EXPECT_EQ(h.Run({"smove", "a", "b", "y"}), Int(0));
  EXPECT_EQ(h.Run({"smove", "b", "b", "y"}), Int(1));
  EXPECT_EQ(h.Run({"smove", "b", "b", "nope"}), Int(0));
  EXPECT_EQ(h.Run({"smove", "b", "c", "nope"}), Int(0));
  EXPECT_EQ(h.Run({"exists", "c"}), Int(0));
  EXPECT_EQ(h.Run({"smove", "b", "c", "z"}), Int(1));
  EXPECT_EQ(Members("c"), (std::vector<std::string>{"z"}));
  EXPECT_EQ(h.Run({"set", "str", "v"}), kOk);
  EXPECT_EQ(h.Run({"smove", "b", "str", "x"}), kWrongType);
  EXPECT_EQ(h.Run({"smove", "str", "b", "x"}), kWrongType);
  EXPECT_EQ(h.Run({"smove", "nokey", "str", "x"}), Int(0));  // missing source first
  EXPECT_EQ(h.Run({"scard", "b"}), Int(2));
}

TEST_F(SetCommandsTest, SMoveKeepsDestinationTtl) {
  EXPECT_EQ(h.Run({"sadd", "a", "x"}), Int(1));
  EXPECT_EQ(h.Run({"sadd", "b", "y"}), Int(1));
  EXPECT_EQ(h.Run({"expire", "b", "50"}), Int(1));
  EXPECT_EQ(h.Run({"smove", "a", "b", "x"}), Int(1));
  EXPECT_EQ(h.Run({"ttl", "b"}), Int(50));
}

// --- SINTER, SINTERCARD, SINTERSTORE ----------------------------------------------------------

TEST_F(SetCommandsTest, SInter) {
  EXPECT_EQ(h.Run({"sadd", "a", "1", "2", "3", "4", "x"}), Int(5));
  EXPECT_EQ(h.Run({"sadd", "b", "2", "3", "4", "5", "x"}), Int(5));
  EXPECT_EQ(h.Run({"sadd", "c", "3", "4", "x", "9"}), Int(4));
  EXPECT_EQ(h.Run({"sinter", "a", "b", "c"}), "*3\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\nx\r\n");
  EXPECT_EQ(Sorted(Bulks(h.Run({"sinter", "a", "a", "b"}))),
            (std::vector<std::string>{"2", "3", "4", "x"}));
  EXPECT_EQ(h.Run({"sinter", "a", "nokey"}), kEmptyArray);
  EXPECT_EQ(h.Run({"sinter", "a", "d"}), kEmptyArray);
  h.SetProto(3);
  EXPECT_EQ(h.Run({"sinter", "a", "b", "c"}), "~3\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\nx\r\n");
  EXPECT_EQ(h.Run({"sinter", "nokey", "a"}), "~0\r\n");
}

TEST_F(SetCommandsTest, SInterCard) {
  EXPECT_EQ(h.Run({"sadd", "a", "1", "2", "3", "4"}), Int(4));
  EXPECT_EQ(h.Run({"sadd", "b", "2", "3", "4", "5"}), Int(4));
  EXPECT_EQ(h.Run({"sintercard", "2", "a", "b"}), Int(3));
  EXPECT_EQ(h.Run({"sintercard", "2", "a", "b", "limit", "2"}), Int(2));
  EXPECT_EQ(h.Run({"sintercard", "2", "a", "b", "LIMIT", "0"}), Int(3));
  EXPECT_EQ(h.Run({"sintercard", "1", "a", "LIMIT", "1", "LIMIT", "9"}), Int(4));
  EXPECT_EQ(h.Run({"sintercard", "2", "a", "nokey"}), Int(0));
  EXPECT_EQ(h.Run({"sintercard", "0", "a"}), Err("ERR numkeys should be greater than 0"));
  EXPECT_EQ(h.Run({"sintercard", "x", "a"}), Err("ERR numkeys should be greater than 0"));
  EXPECT_EQ(h.Run({"sintercard", "3", "a", "b"}),
            Err("ERR Number of keys can't be greater than number of args"));
  EXPECT_EQ(h.Run({"sintercard", "1", "a", "limit", "-1"}), Err("ERR LIMIT can't be negative"));
  EXPECT_EQ(h.Run({"sintercard", "1", "a", "limit", "x"}), Err("ERR LIMIT can't be negative"));
  EXPECT_EQ(h.Run({"sintercard", "1", "a", "limit"}), kSyntax);
  EXPECT_EQ(h.Run({"sintercard", "1", "a", "b"}), kSyntax);
}

TEST_F(SetCommandsTest, SInterStore) {
  EXPECT_EQ(h.Run({"sadd", "a", "1", "2", "3"}), Int(3));
  EXPECT_EQ(h.Run({"sadd", "b", "2", "3", "4"}), Int(3));
  EXPECT_EQ(h.Run({"sinterstore", "d", "a", "b"}), Int(2));
  EXPECT_EQ(Members("d"), (std::vector<std::string>{"2", "3"}));
  EXPECT_EQ(h.Run({"ttl", "d"}), Int(-1));
  // An empty result deletes the destination.
  EXPECT_EQ(h.Run({"sinterstore", "d", "a", "nokey"}), Int(0));
  EXPECT_EQ(h.Run({"exists", "d"}), Int(0));
  EXPECT_EQ(h.Run({"sinterstore", "d", "nokey"}), Int(0));
  // Any type is overwritten, and its TTL goes.
  EXPECT_EQ(h.Run({"set", "str", "v", "ex", "100"}), kOk);
  EXPECT_EQ(h.Run({"sinterstore", "str", "a", "b"}), Int(2));
  EXPECT_EQ(h.Run({"type", "str"}), "+set\r\n");
  EXPECT_EQ(h.Run({"ttl", "str"}), Int(-1));
  MakeHash("hash");
  EXPECT_EQ(h.Run({"sinterstore", "hash", "a"}), Int(3));
  EXPECT_EQ(Members("hash"), (std::vector<std::string>{"1", "2", "3"}));
  // A destination that is also a source.
  EXPECT_EQ(h.Run({"sinterstore", "a", "a", "b"}), Int(2));
  EXPECT_EQ(Members("a"), (std::vector<std::string>{"2", "3"}));
  // A stored set replaces the old one entirely (no member of the old incarnation survives).
  EXPECT_EQ(h.Run({"sadd", "e", "old1", "old2"}), Int(2));
  EXPECT_EQ(h.Run({"sinterstore", "e", "b"}), Int(3));
  EXPECT_EQ(Members("e"), (std::vector<std::string>{"2", "3", "4"}));
  EXPECT_EQ(h.Run({"sismember", "e", "old1"}), Int(0));
}

// --- SUNION, SDIFF and their STORE forms ------------------------------------------------------

TEST_F(SetCommandsTest, SUnion) {
  EXPECT_EQ(h.Run({"sadd", "a", "1", "2", "x"}), Int(3));
  EXPECT_EQ(h.Run({"sadd", "b", "2", "3", "y"}), Int(3));
  EXPECT_EQ(h.Run({"sadd", "c", "x", "y", "z"}), Int(3));
  EXPECT_EQ(Bulks(h.Run({"sunion", "a", "b", "c", "a", "nokey"})),
            (std::vector<std::string>{"1", "2", "3", "x", "y", "z"}));  // merged in order
  EXPECT_EQ(h.Run({"sunion", "nokey"}), kEmptyArray);
  h.SetProto(3);
  EXPECT_EQ(Header(h.Run({"sunion", "a", "b"})), "~5");
  EXPECT_EQ(h.Run({"sunion", "nokey", "other"}), "~0\r\n");
  h.SetProto(2);
  EXPECT_EQ(h.Run({"sunionstore", "d", "a", "b", "c"}), Int(6));
  EXPECT_EQ(h.Run({"scard", "d"}), Int(6));
  EXPECT_EQ(h.Run({"sunionstore", "a", "a", "b"}), Int(5));
  EXPECT_EQ(Members("a"), (std::vector<std::string>{"1", "2", "3", "x", "y"}));
  EXPECT_EQ(h.Run({"sunionstore", "d", "nokey"}), Int(0));
  EXPECT_EQ(h.Run({"exists", "d"}), Int(0));
}

TEST_F(SetCommandsTest, SDiff) {
  EXPECT_EQ(h.Run({"sadd", "a", "1", "2", "3", "4", "x", "y"}), Int(6));
  EXPECT_EQ(h.Run({"sadd", "b", "2", "x"}), Int(2));
  EXPECT_EQ(h.Run({"sadd", "c", "3", "zz"}), Int(2));
  EXPECT_EQ(Bulks(h.Run({"sdiff", "a", "b", "c", "nokey"})),
            (std::vector<std::string>{"1", "4", "y"}));
  EXPECT_EQ(Sorted(Bulks(h.Run({"sdiff", "a"}))),
            (std::vector<std::string>{"1", "2", "3", "4", "x", "y"}));
  EXPECT_EQ(h.Run({"sdiff", "nokey", "a"}), kEmptyArray);
  EXPECT_EQ(h.Run({"sdiff", "a", "b", "a"}), kEmptyArray);
  h.SetProto(3);
  EXPECT_EQ(Header(h.Run({"sdiff", "a", "b"})), "~4");
  EXPECT_EQ(h.Run({"sdiff", "a", "a"}), "~0\r\n");
  h.SetProto(2);
  EXPECT_EQ(h.Run({"sdiffstore", "d", "a", "b", "c"}), Int(3));
  EXPECT_EQ(Members("d"), (std::vector<std::string>{"1", "4", "y"}));
  EXPECT_EQ(h.Run({"sdiffstore", "d", "b", "a"}), Int(0));
  EXPECT_EQ(h.Run({"exists", "d"}), Int(0));
  EXPECT_EQ(h.Run({"sdiffstore", "a", "a", "b"}), Int(4));
  EXPECT_EQ(Members("a"), (std::vector<std::string>{"1", "3", "4", "y"}));
  EXPECT_EQ(h.Run({"set", "str", "v"}), kOk);
  EXPECT_EQ(h.Run({"sdiffstore", "str", "a", "c"}), Int(3));
  EXPECT_EQ(h.Run({"type", "str"}), "+set\r\n");
}

TEST_F(SetCommandsTest, LargeAlgebra) {
  AddRange("a", "k", 3000);  // k0..k2999
  std::vector<std::string> argv = {"sadd", "b"};
  for (int i = 0; i < 3000; i += 3) argv.push_back("k" + std::to_string(i));
  for (int i = 0; i < 500; ++i) argv.push_back("other" + std::to_string(i));
  EXPECT_EQ(h.Run(argv), Int(1500));
  EXPECT_EQ(h.Run({"sintercard", "2", "a", "b"}), Int(1000));
  EXPECT_EQ(Header(h.Run({"sinter", "b", "a"})), "*1000");
  EXPECT_EQ(Header(h.Run({"sunion", "a", "b"})), "*3500");
  EXPECT_EQ(Header(h.Run({"sdiff", "a", "b"})), "*2000");
  EXPECT_EQ(h.Run({"sdiffstore", "d", "b", "a"}), Int(500));
  EXPECT_EQ(h.Run({"sunionstore", "u", "a", "b"}), Int(3500));
  EXPECT_EQ(h.Run({"sintercard", "2", "u", "a", "limit", "10"}), Int(10));
}

// --- SSCAN ------------------------------------------------------------------------------------

TEST_F(SetCommandsTest, SScanRulesAndSmallSets) {
  EXPECT_EQ(h.Run({"sscan", "nokey", "0"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  EXPECT_EQ(h.Run({"sscan", "nokey", "0", "count", "0"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  EXPECT_EQ(h.Run({"sscan", "nokey", "x"}), Err("ERR invalid cursor"));
  EXPECT_EQ(h.Run({"sadd", "s", "a", "b", "abc"}), Int(3));
  EXPECT_EQ(h.Run({"sscan", "s", "0", "count", "0"}), kSyntax);
  EXPECT_EQ(h.Run({"sscan", "s", "0", "count", "-1"}), kSyntax);
  EXPECT_EQ(h.Run({"sscan", "s", "0", "count", "x"}), kNotInt);
  EXPECT_EQ(h.Run({"sscan", "s", "0", "match"}), kSyntax);
  EXPECT_EQ(h.Run({"sscan", "s", "0", "type", "set"}), kSyntax);  // SCAN's option only
  EXPECT_EQ(h.Run({"sscan", "s", "0"}),
            "*2\r\n$1\r\n0\r\n*3\r\n$1\r\na\r\n$3\r\nabc\r\n$1\r\nb\r\n");
  EXPECT_EQ(h.Run({"sscan", "s", "0", "match", "a*"}),
            "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$3\r\nabc\r\n");
  // A small all-integer set (Redis's intset) comes whole whatever COUNT says.
  EXPECT_EQ(h.Run({"sadd", "ints", "3", "1", "-5", "10"}), Int(4));
  std::string r = h.Run({"sscan", "ints", "0", "count", "1"});
  EXPECT_EQ(Bulks(r)[0], "0");
  EXPECT_EQ(Bulks(r).size(), 5u);
  h.SetProto(3);  // SSCAN replies with arrays in RESP3 as well
  EXPECT_EQ(h.Run({"sscan", "s", "0", "match", "b"}), "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nb\r\n");
}

TEST_F(SetCommandsTest, SScanFullIterationReturnsEveryMemberOnce) {
  // Members with a long shared prefix, and members sharing 8+ bytes after it.
  AddRange("s", "user:session:", 2000);
  for (int count : {1, 7, 10, 100, 5000}) {
    SCOPED_TRACE(count);
    int calls = 0;
    std::vector<std::string> seen = ScanAll("s", {"count", std::to_string(count)}, &calls);
    std::set<std::string> unique(seen.begin(), seen.end());
    EXPECT_EQ(unique.size(), 2000u);
    EXPECT_EQ(seen.size(), 2000u);  // no repeats on a set that does not change
    if (count <= 10) {
      EXPECT_GT(calls, 2000 / count / 20);  // it does split the walk
    }
  }
  int calls = 0;
  std::vector<std::string> seen = ScanAll("s", {"match", "*:1??", "count", "50"}, &calls);
  EXPECT_EQ(seen.size(), 100u);  // user:session:100 .. 199
}

TEST_F(SetCommandsTest, SScanGroupsOfEqualChunksStillProgress) {
  // Members equal in their first L+7 bytes come in one call (a group is never split).
  std::vector<std::string> argv = {"sadd", "s"};
  for (int i = 0; i < 30; ++i) argv.push_back("a" + std::string(10, 'x') + std::to_string(i));
  argv.push_back("b");
  argv.push_back(std::string("a\0", 2));
  argv.push_back("a");
  EXPECT_EQ(h.Run(argv), Int(33));
  int calls = 0;
  std::vector<std::string> seen = ScanAll("s", {"count", "1"}, &calls);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 33u);
  EXPECT_LT(calls, 33);
}

TEST_F(SetCommandsTest, SScanUnderChangeReturnsMembersPresentThroughout) {
  AddRange("s", "item:", 1000);
  std::set<std::string> seen;
  std::string cursor = "0";
  int round = 0;
  do {
    std::vector<std::string> parts = Bulks(h.Run({"sscan", "s", cursor, "count", "7"}));
    ASSERT_FALSE(parts.empty());
    cursor = parts[0];
    seen.insert(parts.begin() + 1, parts.end());
    // Churn between calls: remove some members and add others, some outside the common
    // prefix (the prefix shrinks, then grows back).
    ++round;
    EXPECT_EQ(h.Run({"sadd", "s", "new:" + std::to_string(round)}), Int(1));
    if (round % 3 == 0) {
      EXPECT_EQ(h.Run({"srem", "s", "new:" + std::to_string(round)}), Int(1));
    }
    if (round % 5 == 0) {
      EXPECT_EQ(h.Run({"sadd", "s", "zzz" + std::to_string(round)}), Int(1));
    }
    if (round % 5 == 1 && round > 1) {
      EXPECT_EQ(h.Run({"srem", "s", "zzz" + std::to_string(round - 1)}), Int(1));
    }
    EXPECT_EQ(h.Run({"srem", "s", "item:" + std::to_string(round * 7 % 1000) + "x"}), Int(0));
  } while (cursor != "0" && round < 100000);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(seen.count("item:" + std::to_string(i))) << i;
}

// The cursor skips the members' common prefix ("item:"); when that prefix shrinks mid-way (a
// member outside it arrives), the iteration restarts rather than miss anything, and when it
// grows back, cursors made under the shorter prefix still resume in place.
TEST_F(SetCommandsTest, SScanSurvivesCommonPrefixChanges) {
  AddRange("s", "item:", 500);
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    std::vector<std::string> parts = Bulks(h.Run({"sscan", "s", cursor, "count", "20"}));
    ASSERT_FALSE(parts.empty());
    cursor = parts[0];
    seen.insert(parts.begin() + 1, parts.end());
    ++calls;
    if (calls == 5) {
      EXPECT_EQ(h.Run({"sadd", "s", "zzz"}), Int(1));  // the prefix: "item:" -> ""
    }
    if (calls == 10) {
      EXPECT_EQ(h.Run({"srem", "s", "zzz"}), Int(1));  // and back
    }
    if (calls == 12) {
      EXPECT_EQ(h.Run({"srem", "s", "item:0"}), Int(1));  // gone mid-way
    }
  } while (cursor != "0" && calls < 10000);
  for (int i = 1; i < 500; ++i) EXPECT_TRUE(seen.count("item:" + std::to_string(i))) << i;
  EXPECT_LT(calls, 100);
}

TEST_F(SetCommandsTest, SScanForeignCursorsAreSafe) {
  AddRange("s", "m", 100);
  for (const char* cursor : {"1", "12345", "18446744073709551615", "-1", "9223372036854775807"}) {
    std::string r = h.Run({"sscan", "s", cursor});
    EXPECT_EQ(Header(r), "*2") << cursor;
  }
}

// --- expiry, databases, transactions, dirty -----------------------------------------------------

TEST_F(SetCommandsTest, ExpiredSetIsGoneAndRecreatedEmpty) {
  EXPECT_EQ(h.Run({"sadd", "s", "a", "b"}), Int(2));
  EXPECT_EQ(h.Run({"pexpire", "s", "100"}), Int(1));
  EXPECT_EQ(h.Run({"sadd", "s", "c"}), Int(1));  // SADD keeps the TTL
  EXPECT_EQ(h.Run({"pttl", "s"}), Int(100));
  h.AdvanceClockMs(101);
  EXPECT_EQ(h.Run({"scard", "s"}), Int(0));
  EXPECT_EQ(h.Run({"sismember", "s", "a"}), Int(0));
  EXPECT_EQ(h.Run({"smembers", "s"}), kEmptyArray);
  EXPECT_EQ(h.Run({"sadd", "s", "z"}), Int(1));
  EXPECT_EQ(Members("s"), (std::vector<std::string>{"z"}));  // nothing of the old incarnation
  EXPECT_EQ(h.Run({"ttl", "s"}), Int(-1));
}

TEST_F(SetCommandsTest, DelThenAddStartsFresh) {
  AddRange("s", "m", 100);
  EXPECT_EQ(h.Run({"del", "s"}), Int(1));
  EXPECT_EQ(h.Run({"sadd", "s", "m1"}), Int(1));
  EXPECT_EQ(h.Run({"scard", "s"}), Int(1));
  EXPECT_EQ(Members("s"), (std::vector<std::string>{"m1"}));
}

TEST_F(SetCommandsTest, DatabasesAreSeparate) {
  EXPECT_EQ(h.Run({"sadd", "s", "db0"}), Int(1));
  EXPECT_EQ(h.Run({"select", "1"}), kOk);
  EXPECT_EQ(h.Run({"scard", "s"}), Int(0));
  EXPECT_EQ(h.Run({"sadd", "s", "db1", "x"}), Int(2));
  EXPECT_EQ(h.Run({"sunionstore", "u", "s"}), Int(2));
  EXPECT_EQ(h.Run({"smove", "s", "t", "x"}), Int(1));
  EXPECT_EQ(Members("s"), (std::vector<std::string>{"db1"}));
  EXPECT_EQ(h.Run({"select", "0"}), kOk);
  EXPECT_EQ(Members("s"), (std::vector<std::string>{"db0"}));
  EXPECT_EQ(h.Run({"exists", "u", "t"}), Int(0));
  EXPECT_EQ(h.Run({"sinter", "s", "s"}), "*1\r\n$3\r\ndb0\r\n");
}

TEST_F(SetCommandsTest, MultiExec) {
  EXPECT_EQ(h.Run({"multi"}), kOk);
  EXPECT_EQ(h.Run({"sadd", "s", "a", "b", "c"}), "+QUEUED\r\n");
  EXPECT_EQ(h.Run({"srem", "s", "b"}), "+QUEUED\r\n");
  EXPECT_EQ(h.Run({"sinterstore", "d", "s", "s"}), "+QUEUED\r\n");
  EXPECT_EQ(h.Run({"smembers", "d"}), "+QUEUED\r\n");
  EXPECT_EQ(h.Run({"spop", "s", "5"}), "+QUEUED\r\n");
  EXPECT_EQ(h.Run({"scard", "s"}), "+QUEUED\r\n");
  EXPECT_EQ(h.Run({"sintercard", "1", "d"}), "+QUEUED\r\n");
  EXPECT_EQ(h.Run({"exec"}),
            "*7\r\n:3\r\n:1\r\n:2\r\n*2\r\n$1\r\na\r\n$1\r\nc\r\n*2\r\n$1\r\na\r\n$1\r\nc\r\n"
            ":0\r\n:2\r\n");
  EXPECT_EQ(h.Run({"exists", "s"}), Int(0));
  EXPECT_EQ(Members("d"), (std::vector<std::string>{"a", "c"}));
}

TEST_F(SetCommandsTest, ConcurrentAddsAreAtomic) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      auto client = h.NewClient();
      for (int i = 0; i < 250; ++i) {
        h.Run(*client, {"sadd", "s", "t" + std::to_string(t) + "-" + std::to_string(i), "shared"});
        h.Run(*client, {"smove", "s", "d", "shared"});
      }
    });
  }
  for (auto& t : threads) t.join();
  // Every SADD is followed by its thread's SMOVE, so "shared" ends up in d only.
  EXPECT_EQ(h.Run({"scard", "s"}), Int(1000));
  EXPECT_EQ(Bulks(h.Run({"smembers", "s"})).size(), 1000u);
  EXPECT_EQ(h.Run({"scard", "d"}), Int(1));
}

TEST_F(SetCommandsTest, CommandTableEntries) {
  const CommandSpec* sintercard = h.server().table->Lookup("sintercard");
  ASSERT_NE(sintercard, nullptr);
  EXPECT_EQ(sintercard->arity, -3);
  EXPECT_EQ(sintercard->first_key, 0);
  EXPECT_EQ(sintercard->group, "set");
  const CommandSpec* smove = h.server().table->Lookup("SMOVE");
  ASSERT_NE(smove, nullptr);
  EXPECT_EQ(smove->first_key, 1);
  EXPECT_EQ(smove->last_key, 2);
  EXPECT_TRUE(smove->flags & kCmdFast);
  const CommandSpec* sunionstore = h.server().table->Lookup("sunionstore");
  ASSERT_NE(sunionstore, nullptr);
  EXPECT_EQ(sunionstore->last_key, -1);
  EXPECT_TRUE(sunionstore->flags & kCmdDenyOom);
}

}  // namespace
}  // namespace ringkv
