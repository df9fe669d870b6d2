// Sorted-set command tests, in-process through the real Dispatch (CommandHarness) over
// MemoryStorage with a fake clock. Expected bytes are Redis 7.0.15's, checked against
// redis-server (the differential test, redis-tests/differential/families/zset.txt, covers the
// same ground against the real thing). Also: large sets (ranks, lex seeks, ZSCAN cursors), a
// randomized comparison against an in-memory model, and PopFromZset as the blocking layer will
// call it.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "command_harness.h"
#include "resp/reply_reader.h"
#include "resp_expect.h"
#include "server_state.h"
#include "txn/watch.h"

namespace ringkv {

enum class ZpopShape { kFlat, kNested, kKeyFlat, kKeyNested };
Status PopFromZset(CommandContext& ctx, const std::vector<std::string_view>& keys, bool pop_max,
                   int64_t count, ZpopShape shape, resp::ReplyWriter* reply, bool* found);

namespace {

using namespace test;  // kOk, Bulk(), Arr(), ...: resp_expect.h

using Argv = std::vector<std::string>;

const std::string kMinMaxFloat = "-ERR min or max is not a float\r\n";
const std::string kMinMaxLex = "-ERR min or max not valid string range item\r\n";

// RESP3 [[member, score], ...] with scores as doubles.
std::string Pairs3(const std::vector<std::pair<std::string, std::string>>& items) {
  std::string out = "*" + std::to_string(items.size()) + "\r\n";
  for (const auto& [m, s] : items) out += "*2\r\n" + Bulk(m) + Dbl3(s);
  return out;
}

resp::ReplyValue Parse(const std::string& raw) {
  resp::ReplyValue v;
  EXPECT_EQ(resp::ReadReply(raw, &v), raw.size()) << raw;
  return v;
}

std::vector<std::string> Strings(const std::string& raw) {
  resp::ReplyValue v = Parse(raw);
  std::vector<std::string> out;
  for (const resp::ReplyValue& e : v.elements) out.push_back(e.str);
  return out;
}

class ZsetCommandsTest : public ::testing::Test {
 protected:
  std::string R(const Argv& argv) { return h.Run(argv); }
  CommandHarness h;
};

// --- ZADD ------------------------------------------------------------------------------------

TEST_F(ZsetCommandsTest, ZaddAddsAndUpdates) {
  EXPECT_EQ(R({"zadd", "z", "1", "a", "2", "b", "3", "c"}), Int(3));
  EXPECT_EQ(R({"zadd", "z", "1", "a"}), Int(0));
  EXPECT_EQ(R({"zadd", "z", "10", "a", "4", "d"}), Int(1));  // one update, one add
  EXPECT_EQ(R({"zrange", "z", "0", "-1", "withscores"}),
            Arr({"b", "2", "c", "3", "d", "4", "a", "10"}));
  EXPECT_EQ(R({"zcard", "z"}), Int(4));
  EXPECT_EQ(R({"type", "z"}), "+zset\r\n");
  // The same member twice in one call: the last score wins, counted once.
  EXPECT_EQ(R({"zadd", "z", "5", "e", "6", "e", "7", "e"}), Int(1));
  EXPECT_EQ(R({"zscore", "z", "e"}), Bulk("7"));
  EXPECT_EQ(R({"zrange", "z", "0", "-1"}), Arr({"b", "c", "d", "e", "a"}));
}

TEST_F(ZsetCommandsTest, ZaddTiesOrderByMemberBytes) {
  EXPECT_EQ(R({"zadd", "z", "1", "b", "1", "a", "1", std::string("\0", 1), "1", "\xff", "0", "z"}),
            Int(5));
  EXPECT_EQ(R({"zrange", "z", "0", "-1"}), Arr({"z", std::string("\0", 1), "a", "b", "\xff"}));
  EXPECT_EQ(R({"zadd", "e", "1", ""}), Int(1));
  EXPECT_EQ(R({"zscore", "e", ""}), Bulk("1"));
}

TEST_F(ZsetCommandsTest, ZaddFlags) {
  R({"zadd", "z", "1", "a", "2", "b"});
  EXPECT_EQ(R({"zadd", "z", "nx", "5", "a", "3", "c"}), Int(1));
  EXPECT_EQ(R({"zscore", "z", "a"}), Bulk("1"));
  EXPECT_EQ(R({"zadd", "z", "xx", "5", "a", "4", "d"}), Int(0));
  EXPECT_EQ(R({"zscore", "z", "a"}), Bulk("5"));
  EXPECT_EQ(R({"zscore", "z", "d"}), kNil);
  EXPECT_EQ(R({"zadd", "z", "xx", "ch", "6", "a", "4", "d"}), Int(1));
  EXPECT_EQ(R({"zadd", "z", "gt", "ch", "1", "a", "10", "b", "1", "new"}), Int(2));
  EXPECT_EQ(R({"zrange", "z", "0", "-1", "withscores"}),
            Arr({"new", "1", "c", "3", "a", "6", "b", "10"}));
  EXPECT_EQ(R({"zadd", "z", "LT", "CH", "1", "a", "20", "b"}), Int(1));
  EXPECT_EQ(R({"zadd", "z", "xx", "lt", "ch", "0", "b", "1", "zz"}), Int(1));
  EXPECT_EQ(R({"zrange", "z", "0", "-1", "withscores"}),
            Arr({"b", "0", "a", "1", "new", "1", "c", "3"}));
  EXPECT_EQ(R({"zadd", "z", "ch", "ch", "0", "b"}), Int(0));  // same score: no change
  // XX on a missing key creates nothing.
  EXPECT_EQ(R({"zadd", "nokey", "xx", "1", "a"}), Int(0));
  EXPECT_EQ(R({"exists", "nokey"}), Int(0));
  EXPECT_EQ(R({"zadd", "nokey", "xx", "incr", "1", "a"}), kNil);
  EXPECT_EQ(R({"exists", "nokey"}), Int(0));
}

TEST_F(ZsetCommandsTest, ZaddIncr) {
  EXPECT_EQ(R({"zadd", "z", "incr", "1", "a"}), Bulk("1"));
  EXPECT_EQ(R({"zadd", "z", "incr", "2.5", "a"}), Bulk("3.5"));
  EXPECT_EQ(R({"zadd", "z", "nx", "incr", "1", "a"}), kNil);
  EXPECT_EQ(R({"zadd", "z", "xx", "incr", "1", "zz"}), kNil);
  EXPECT_EQ(R({"zadd", "z", "gt", "incr", "-1", "a"}), kNil);
  EXPECT_EQ(R({"zadd", "z", "lt", "incr", "-1", "a"}), Bulk("2.5"));
  EXPECT_EQ(R({"zadd", "z", "incr", "inf", "a"}), Bulk("inf"));
  EXPECT_EQ(R({"zadd", "z", "incr", "-inf", "a"}),
            Err("ERR resulting score is not a number (NaN)"));
  EXPECT_EQ(R({"zscore", "z", "a"}), Bulk("inf"));
  EXPECT_EQ(R({"zadd", "z", "incr", "1", "a", "2", "b"}),
            Err("ERR INCR option supports a single increment-element pair"));
  h.SetProto(3);
  EXPECT_EQ(R({"zadd", "z", "incr", "1", "b"}), Dbl3("1"));
  EXPECT_EQ(R({"zadd", "z", "nx", "incr", "1", "b"}), kNull3);
}

TEST_F(ZsetCommandsTest, ZaddErrors) {
  EXPECT_EQ(R({"zadd", "z", "1"}), Err("ERR wrong number of arguments for 'zadd' command"));
  EXPECT_EQ(R({"zadd", "z", "1", "a", "2"}), kSyntax);
  EXPECT_EQ(R({"zadd", "z", "nx", "ch"}), kSyntax);
  EXPECT_EQ(R({"zadd", "z", "nx", "xx", "1", "a"}),
            Err("ERR XX and NX options at the same time are not compatible"));
  const std::string gtlt = Err("ERR GT, LT, and/or NX options at the same time are not compatible");
  EXPECT_EQ(R({"zadd", "z", "gt", "lt", "1", "a"}), gtlt);
  EXPECT_EQ(R({"zadd", "z", "gt", "nx", "1", "a"}), gtlt);
  EXPECT_EQ(R({"zadd", "z", "lt", "nx", "1", "a"}), gtlt);
  // NX+XX is checked first.
  EXPECT_EQ(R({"zadd", "z", "nx", "xx", "gt", "lt", "1", "a"}),
            Err("ERR XX and NX options at the same time are not compatible"));
  for (const char* bad : {"abc", "nan", "1e400", " 1", "1 ", "", "0x1g", "-nan"}) {
    EXPECT_EQ(R({"zadd", "z", bad, "a"}), kNotFloat) << bad;
  }
  // All or nothing: a bad score later on adds nothing.
  EXPECT_EQ(R({"zadd", "z", "1", "a", "x", "b"}), kNotFloat);
  EXPECT_EQ(R({"exists", "z"}), Int(0));
}

TEST_F(ZsetCommandsTest, ScoreFormatsResp2AndResp3) {
  R({"zadd",
     "z",
     "1.1",
     "a",
     "1e17",
     "b",
     "5e-324",
     "c",
     "-inf",
     "d",
     "+inf",
     "e",
     "-0",
     "f",
     "0.30000000000000004",
     "g",
     "123456789012345678",
     "i",
     ".5",
     "j"});
  EXPECT_EQ(R({"zscore", "z", "a"}), Bulk("1.1000000000000001"));
  EXPECT_EQ(R({"zscore", "z", "b"}), Bulk("1e+17"));
  EXPECT_EQ(R({"zscore", "z", "c"}), Bulk("4.9406564584124654e-324"));
  EXPECT_EQ(R({"zscore", "z", "d"}), Bulk("-inf"));
  EXPECT_EQ(R({"zscore", "z", "e"}), Bulk("inf"));
  EXPECT_EQ(R({"zscore", "z", "f"}), Bulk("0"));
  EXPECT_EQ(R({"zscore", "z", "g"}), Bulk("0.30000000000000004"));
  EXPECT_EQ(R({"zscore", "z", "i"}), Bulk("1.2345678901234568e+17"));
  EXPECT_EQ(R({"zscore", "z", "j"}), Bulk("0.5"));
  EXPECT_EQ(R({"zrange", "z", "0", "2"}), Arr({"d", "f", "c"}));
  h.SetProto(3);
  EXPECT_EQ(R({"zscore", "z", "a"}), Dbl3("1.1000000000000001"));
  EXPECT_EQ(R({"zscore", "z", "d"}), Dbl3("-inf"));
  EXPECT_EQ(R({"zscore", "z", "e"}), Dbl3("inf"));
  EXPECT_EQ(R({"zscore", "z", "nope"}), kNull3);
  EXPECT_EQ(R({"zmscore", "z", "j", "nope", "e"}), "*3\r\n,0.5\r\n_\r\n,inf\r\n");
  // ZINCRBY with -0 on a new member answers -0 (the computed score), as Redis does.
  EXPECT_EQ(R({"zincrby", "z", "-0", "negzero"}), Dbl3("-0"));
}

// --- ZINCRBY / ZREM / ZCARD / ZSCORE / ZMSCORE / ZRANK ------------------------------------------

TEST_F(ZsetCommandsTest, Zincrby) {
  EXPECT_EQ(R({"zincrby", "z", "1", "a"}), Bulk("1"));
  EXPECT_EQ(R({"zincrby", "z", "1.5", "a"}), Bulk("2.5"));
  EXPECT_EQ(R({"zincrby", "z", "-3", "b"}), Bulk("-3"));
  EXPECT_EQ(R({"zrange", "z", "0", "-1"}), Arr({"b", "a"}));
  EXPECT_EQ(R({"zincrby", "z", "abc", "a"}), kNotFloat);
  EXPECT_EQ(R({"zincrby", "z", "inf", "a"}), Bulk("inf"));
  EXPECT_EQ(R({"zincrby", "z", "-inf", "a"}), Err("ERR resulting score is not a number (NaN)"));
  // ZINCRBY parses options like ZADD: "nx" is taken as one, leaving an odd pair.
  EXPECT_EQ(R({"zincrby", "z", "nx", "a"}), kSyntax);
}

TEST_F(ZsetCommandsTest, ZremDeletesEmptyKey) {
  R({"zadd", "z", "1", "a", "2", "b", "3", "c"});
  EXPECT_EQ(R({"zrem", "z", "a", "zz", "a"}), Int(1));
  EXPECT_EQ(R({"zrem", "z", "zz"}), Int(0));
  EXPECT_EQ(R({"zcard", "z"}), Int(2));
  EXPECT_EQ(R({"zrem", "nokey", "a"}), Int(0));
  EXPECT_EQ(R({"zrem", "z", "b", "c", "d"}), Int(2));
  EXPECT_EQ(R({"exists", "z"}), Int(0));
  EXPECT_EQ(R({"zcard", "z"}), Int(0));
  // A re-created key starts empty.
  EXPECT_EQ(R({"zadd", "z", "5", "x"}), Int(1));
  EXPECT_EQ(R({"zrange", "z", "0", "-1", "withscores"}), Arr({"x", "5"}));
}

TEST_F(ZsetCommandsTest, ScoreLookups) {
  R({"zadd", "z", "1", "a", "2", "b"});
  EXPECT_EQ(R({"zscore", "z", "b"}), Bulk("2"));
  EXPECT_EQ(R({"zscore", "z", "x"}), kNil);
  EXPECT_EQ(R({"zscore", "nokey", "x"}), kNil);
  EXPECT_EQ(R({"zmscore", "z", "b", "x", "a"}), "*3\r\n$1\r\n2\r\n$-1\r\n$1\r\n1\r\n");
  EXPECT_EQ(R({"zmscore", "nokey", "a", "b"}), "*2\r\n$-1\r\n$-1\r\n");
  EXPECT_EQ(R({"zmscore", "z"}), Err("ERR wrong number of arguments for 'zmscore' command"));
}

TEST_F(ZsetCommandsTest, Ranks) {
  R({"zadd", "z", "1", "a", "2", "b", "3", "c", "3", "d", "10", "e"});
  EXPECT_EQ(R({"zrank", "z", "a"}), Int(0));
  EXPECT_EQ(R({"zrank", "z", "d"}), Int(3));
  EXPECT_EQ(R({"zrank", "z", "e"}), Int(4));
  EXPECT_EQ(R({"zrevrank", "z", "e"}), Int(0));
  EXPECT_EQ(R({"zrevrank", "z", "c"}), Int(2));
  EXPECT_EQ(R({"zrevrank", "z", "a"}), Int(4));
  EXPECT_EQ(R({"zrank", "z", "x"}), kNil);
  EXPECT_EQ(R({"zrank", "nokey", "x"}), kNil);
  h.SetProto(3);
  EXPECT_EQ(R({"zrevrank", "z", "x"}), kNull3);
}

// --- ZCOUNT / ZLEXCOUNT and ranges ---------------------------------------------------------------

TEST_F(ZsetCommandsTest, Zcount) {
  R({"zadd", "z", "-inf", "n", "1", "a", "2", "b", "3", "c", "4", "d", "inf", "p"});
  EXPECT_EQ(R({"zcount", "z", "-inf", "+inf"}), Int(6));
  EXPECT_EQ(R({"zcount", "z", "1", "3"}), Int(3));
  EXPECT_EQ(R({"zcount", "z", "(1", "3"}), Int(2));
  EXPECT_EQ(R({"zcount", "z", "1", "(3"}), Int(2));
  EXPECT_EQ(R({"zcount", "z", "(1", "(1"}), Int(0));
  EXPECT_EQ(R({"zcount", "z", "3", "1"}), Int(0));
  EXPECT_EQ(R({"zcount", "z", "(-inf", "(inf"}), Int(4));
  EXPECT_EQ(R({"zcount", "z", "inf", "inf"}), Int(1));
  // Redis takes bare strtod here: "(" and "" are 0, leading space and overflow are fine.
  EXPECT_EQ(R({"zcount", "z", "(", "2"}), Int(2));
  EXPECT_EQ(R({"zcount", "z", "", "2"}), Int(2));
  EXPECT_EQ(R({"zcount", "z", " 2", "2"}), Int(1));
  EXPECT_EQ(R({"zcount", "z", "1e400", "inf"}), Int(1));
  for (const char* bad : {"a", "nan", "(nan", "1 ", "((1"}) {
    EXPECT_EQ(R({"zcount", "z", bad, "5"}), kMinMaxFloat) << bad;
  }
  EXPECT_EQ(R({"zcount", "nokey", "1", "2"}), Int(0));
  EXPECT_EQ(R({"zcount", "nokey", "x", "2"}), kMinMaxFloat);
}

TEST_F(ZsetCommandsTest, ZlexcountAndLexRanges) {
  R({"zadd", "z", "0", "a", "0", "b", "0", "c", "0", "d", "0", "", "0", "aa", "0", "\xff"});
  EXPECT_EQ(R({"zlexcount", "z", "-", "+"}), Int(7));
  EXPECT_EQ(R({"zlexcount", "z", "[a", "[c"}), Int(4));
  EXPECT_EQ(R({"zlexcount", "z", "(a", "[c"}), Int(3));
  EXPECT_EQ(R({"zlexcount", "z", "(a", "(c"}), Int(2));
  EXPECT_EQ(R({"zlexcount", "z", "[c", "[a"}), Int(0));
  EXPECT_EQ(R({"zlexcount", "z", "+", "-"}), Int(0));
  EXPECT_EQ(R({"zlexcount", "z", "-", "-"}), Int(0));
  EXPECT_EQ(R({"zlexcount", "z", "[", "+"}), Int(7));
  EXPECT_EQ(R({"zlexcount", "z", "(", "+"}), Int(6));
  EXPECT_EQ(R({"zlexcount", "z", "[b", "[b"}), Int(1));
  EXPECT_EQ(R({"zlexcount", "z", "(b", "[b"}), Int(0));
  for (const char* bad : {"a", "+a", "-a", ""}) {
    EXPECT_EQ(R({"zlexcount", "z", bad, "+"}), kMinMaxLex) << bad;
  }
  EXPECT_EQ(R({"zrangebylex", "z", "-", "+"}), Arr({"", "a", "aa", "b", "c", "d", "\xff"}));
  EXPECT_EQ(R({"zrangebylex", "z", "(aa", "+", "limit", "1", "2"}), Arr({"c", "d"}));
  EXPECT_EQ(R({"zrangebylex", "z", "-", "+", "limit", "-1", "2"}), kEmptyArray);
  EXPECT_EQ(R({"zrangebylex", "z", "-", "+", "limit", "5", "-1"}), Arr({"d", "\xff"}));
  EXPECT_EQ(R({"zrevrangebylex", "z", "[c", "(a"}), Arr({"c", "b", "aa"}));
  EXPECT_EQ(R({"zrevrangebylex", "z", "-", "+"}), kEmptyArray);
  EXPECT_EQ(R({"zrangebylex", "z", "-", "+", "withscores"}),
            Err("ERR syntax error, WITHSCORES not supported in combination with BYLEX"));
  EXPECT_EQ(R({"zrange", "z", "[a", "[b", "bylex", "withscores"}),
            Err("ERR syntax error, WITHSCORES not supported in combination with BYLEX"));
}

TEST_F(ZsetCommandsTest, LexRangesOverMixedScoresFollowRedisWalk) {
  // Scores differ: Redis walks its small-set listpack from the low end to the first member
  // >= min, then on while <= max, regardless of the member order elsewhere.
  R({"zadd", "m", "1", "d", "2", "a", "3", "c", "4", "b", "5", "e"});
  EXPECT_EQ(R({"zrangebylex", "m", "-", "+"}), Arr({"d", "a", "c", "b", "e"}));
  EXPECT_EQ(R({"zrangebylex", "m", "[b", "+"}), Arr({"d", "a", "c", "b", "e"}));
  EXPECT_EQ(R({"zrangebylex", "m", "[a", "[c"}), kEmptyArray);
  EXPECT_EQ(R({"zrangebylex", "m", "[c", "[e"}), Arr({"d", "a", "c", "b", "e"}));
  EXPECT_EQ(R({"zrevrangebylex", "m", "[c", "[a"}), kEmptyArray);
  EXPECT_EQ(R({"zrevrangebylex", "m", "[d", "-"}), Arr({"b", "c", "a", "d"}));
  EXPECT_EQ(R({"zlexcount", "m", "[b", "[d"}), Int(4));
  EXPECT_EQ(R({"zremrangebylex", "m", "[d", "[d"}), Int(4));
  EXPECT_EQ(R({"zrange", "m", "0", "-1"}), Arr({"e"}));
}

// --- ZRANGE family
// --------------------------------------------------------------------------------

TEST_F(ZsetCommandsTest, ZrangeByRank) {
  R({"zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"});
  EXPECT_EQ(R({"zrange", "z", "1", "3"}), Arr({"b", "c", "d"}));
  EXPECT_EQ(R({"zrange", "z", "-2", "-1"}), Arr({"d", "e"}));
  EXPECT_EQ(R({"zrange", "z", "-100", "0"}), Arr({"a"}));
  EXPECT_EQ(R({"zrange", "z", "3", "100"}), Arr({"d", "e"}));
  EXPECT_EQ(R({"zrange", "z", "3", "1"}), kEmptyArray);
  EXPECT_EQ(R({"zrange", "z", "5", "10"}), kEmptyArray);
  EXPECT_EQ(R({"zrange", "z", "0", "1", "rev", "withscores"}), Arr({"e", "5", "d", "4"}));
  EXPECT_EQ(R({"zrevrange", "z", "1", "2"}), Arr({"d", "c"}));
  EXPECT_EQ(R({"zrange", "nokey", "0", "-1"}), kEmptyArray);
  // LIMIT with a rank range is refused unless the count is -1 (Redis checks limit != -1).
  EXPECT_EQ(R({"zrange", "z", "0", "-1", "limit", "0", "1"}),
            Err("ERR syntax error, LIMIT is only supported in combination with either BYSCORE "
                "or BYLEX"));
  EXPECT_EQ(R({"zrange", "z", "0", "1", "limit", "0", "-1"}), Arr({"a", "b"}));
  EXPECT_EQ(R({"zrange", "z", "0", "-1", "limit", "0"}), kSyntax);
  EXPECT_EQ(R({"zrange", "z", "a", "1"}), kNotInt);
  EXPECT_EQ(R({"zrange", "z", "0", "-1", "rev", "rev"}), kSyntax);
  EXPECT_EQ(R({"zrevrange", "z", "0", "-1", "rev"}), kSyntax);
  EXPECT_EQ(R({"zrevrange", "z", "0", "-1", "byscore"}), kSyntax);
  h.SetProto(3);
  EXPECT_EQ(R({"zrange", "z", "0", "1", "withscores"}), Pairs3({{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(R({"zrange", "z", "0", "1"}), Arr({"a", "b"}));
}

TEST_F(ZsetCommandsTest, ZrangeByScore) {
  R({"zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "5", "f", "5", "g"});
  EXPECT_EQ(R({"zrange", "z", "2", "4", "byscore"}), Arr({"b", "c", "d"}));
  EXPECT_EQ(R({"zrange", "z", "(2", "4", "byscore", "withscores"}), Arr({"c", "3", "d", "4"}));
  EXPECT_EQ(R({"zrange", "z", "-inf", "+inf", "byscore", "limit", "1", "3"}), Arr({"b", "c", "d"}));
  EXPECT_EQ(R({"zrange", "z", "-inf", "+inf", "byscore", "limit", "5", "-1"}), Arr({"f", "g"}));
  EXPECT_EQ(R({"zrange", "z", "-inf", "+inf", "byscore", "limit", "-1", "3"}), kEmptyArray);
  EXPECT_EQ(R({"zrange", "z", "-inf", "+inf", "byscore", "limit", "7", "3"}), kEmptyArray);
  EXPECT_EQ(R({"zrange", "z", "-inf", "+inf", "byscore", "limit", "0", "0"}), kEmptyArray);
  EXPECT_EQ(R({"zrange", "z", "4", "2", "byscore", "rev"}), Arr({"d", "c", "b"}));
  EXPECT_EQ(R({"zrange", "z", "2", "4", "byscore", "rev"}), kEmptyArray);
  EXPECT_EQ(R({"zrange", "z", "5", "5", "byscore", "rev"}), Arr({"g", "f", "e"}));
  EXPECT_EQ(R({"zrangebyscore", "z", "-inf", "+inf", "withscores", "limit", "2", "2"}),
            Arr({"c", "3", "d", "4"}));
  EXPECT_EQ(R({"zrevrangebyscore", "z", "(5", "(1"}), Arr({"d", "c", "b"}));
  EXPECT_EQ(R({"zrevrangebyscore", "z", "+inf", "-inf", "limit", "1", "2"}), Arr({"f", "e"}));
  EXPECT_EQ(R({"zrangebyscore", "z", "2", "4", "rev"}), kSyntax);
  EXPECT_EQ(R({"zrangebyscore", "z", "a", "4"}), kMinMaxFloat);
  EXPECT_EQ(R({"zrange", "z", "1", "5", "byscore", "bylex"}), kSyntax);
  EXPECT_EQ(R({"zrange", "z", "1", "5", "byscore", "limit", "1", "x"}), kNotInt);
  h.SetProto(3);
  EXPECT_EQ(R({"zrevrangebyscore", "z", "2", "1", "withscores"}), Pairs3({{"b", "2"}, {"a", "1"}}));
}

TEST_F(ZsetCommandsTest, Zrangestore) {
  R({"zadd", "src", "1", "a", "2", "b", "3", "c", "4", "d"});
  EXPECT_EQ(R({"zrangestore", "dst", "src", "0", "1"}), Int(2));
  EXPECT_EQ(R({"zrange", "dst", "0", "-1", "withscores"}), Arr({"a", "1", "b", "2"}));
  EXPECT_EQ(R({"zrangestore", "dst", "src", "2", "+inf", "byscore", "limit", "1", "5"}), Int(2));
  EXPECT_EQ(R({"zrange", "dst", "0", "-1", "withscores"}), Arr({"c", "3", "d", "4"}));
  EXPECT_EQ(R({"zrangestore", "dst", "src", "[a", "[b", "bylex"}), Int(2));
  EXPECT_EQ(R({"zrangestore", "dst", "src", "0", "0", "rev"}), Int(1));
  EXPECT_EQ(R({"zrange", "dst", "0", "-1", "withscores"}), Arr({"d", "4"}));
  // An empty result deletes the destination; a missing source too.
  EXPECT_EQ(R({"zrangestore", "dst", "src", "5", "10"}), Int(0));
  EXPECT_EQ(R({"exists", "dst"}), Int(0));
  // The destination is overwritten whatever it held, and loses its TTL.
  R({"set", "str", "x"});
  R({"expire", "str", "100"});
  EXPECT_EQ(R({"zrangestore", "str", "src", "0", "0"}), Int(1));
  EXPECT_EQ(R({"type", "str"}), "+zset\r\n");
  EXPECT_EQ(R({"ttl", "str"}), Int(-1));
  // Source and destination may be the same key.
  EXPECT_EQ(R({"zrangestore", "src", "src", "1", "2"}), Int(2));
  EXPECT_EQ(R({"zrange", "src", "0", "-1", "withscores"}), Arr({"b", "2", "c", "3"}));
  EXPECT_EQ(R({"zrangestore", "dst", "src", "0", "-1", "withscores"}), kSyntax);
  EXPECT_EQ(R({"zrangestore", "dst", "str", "0", "-1"}), Int(1));
  R({"set", "s2", "x"});
  EXPECT_EQ(R({"zrangestore", "dst", "s2", "0", "-1"}), kWrongType);
  EXPECT_EQ(R({"zrangestore", "dst", "nokey", "0", "-1"}), Int(0));
  EXPECT_EQ(R({"exists", "dst"}), Int(0));
}

// --- ZREMRANGE*
// -------------------------------------------------------------------------------------

TEST_F(ZsetCommandsTest, Zremrange) {
  R({"zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f"});
  EXPECT_EQ(R({"zremrangebyrank", "z", "0", "0"}), Int(1));
  EXPECT_EQ(R({"zremrangebyrank", "z", "-1", "-1"}), Int(1));
  EXPECT_EQ(R({"zremrangebyrank", "z", "10", "20"}), Int(0));
  EXPECT_EQ(R({"zremrangebyscore", "z", "(2", "4"}), Int(2));
  EXPECT_EQ(R({"zrange", "z", "0", "-1"}), Arr({"b", "e"}));
  EXPECT_EQ(R({"zremrangebyscore", "z", "-inf", "+inf"}), Int(2));
  EXPECT_EQ(R({"exists", "z"}), Int(0));
  R({"zadd", "z", "0", "a", "0", "b", "0", "c", "0", "d"});
  EXPECT_EQ(R({"zremrangebylex", "z", "(a", "[c"}), Int(2));
  EXPECT_EQ(R({"zrange", "z", "0", "-1"}), Arr({"a", "d"}));
  EXPECT_EQ(R({"zrangebyscore", "z", "0", "0"}), Arr({"a", "d"}));  // the index followed
  EXPECT_EQ(R({"zscore", "z", "b"}), kNil);
  EXPECT_EQ(R({"zremrangebylex", "z", "-", "+"}), Int(2));
  EXPECT_EQ(R({"exists", "z"}), Int(0));
  EXPECT_EQ(R({"zremrangebyrank", "z", "a", "1"}), kNotInt);
  EXPECT_EQ(R({"zremrangebyscore", "z", "a", "1"}), kMinMaxFloat);
  EXPECT_EQ(R({"zremrangebylex", "z", "a", "b"}), kMinMaxLex);
  EXPECT_EQ(R({"zremrangebyrank", "nokey", "0", "-1"}), Int(0));
}

// --- ZPOPMIN / ZPOPMAX / ZMPOP / PopFromZset
// ------------------------------------------------------------

TEST_F(ZsetCommandsTest, Zpop) {
  R({"zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"});
  EXPECT_EQ(R({"zpopmin", "z"}), Arr({"a", "1"}));
  EXPECT_EQ(R({"zpopmax", "z"}), Arr({"e", "5"}));
  EXPECT_EQ(R({"zpopmin", "z", "2"}), Arr({"b", "2", "c", "3"}));
  EXPECT_EQ(R({"zpopmax", "z", "0"}), kEmptyArray);
  EXPECT_EQ(R({"zpopmax", "z", "10"}), Arr({"d", "4"}));
  EXPECT_EQ(R({"exists", "z"}), Int(0));
  EXPECT_EQ(R({"zpopmin", "z"}), kEmptyArray);
  EXPECT_EQ(R({"zpopmin", "z", "-1"}), Err("ERR value is out of range, must be positive"));
  EXPECT_EQ(R({"zpopmin", "z", "abc"}), Err("ERR value is out of range, must be positive"));
  EXPECT_EQ(R({"zpopmin", "z", "1", "2"}), kSyntax);
  R({"zadd", "z", "1", "a", "2", "b"});
  h.SetProto(3);
  EXPECT_EQ(R({"zpopmin", "z"}), "*2\r\n$1\r\na\r\n,1\r\n");  // flat without COUNT
  EXPECT_EQ(R({"zpopmin", "z", "1"}), Pairs3({{"b", "2"}}));
  EXPECT_EQ(R({"zpopmin", "z", "1"}), kEmptyArray);
}

TEST_F(ZsetCommandsTest, Zmpop) {
  R({"zadd", "z1", "1", "a", "2", "b", "3", "c"});
  R({"zadd", "z2", "10", "x", "20", "y"});
  EXPECT_EQ(R({"zmpop", "1", "z1", "min"}),
            "*2\r\n" + Bulk("z1") + "*1\r\n*2\r\n" + Bulk("a") + Bulk("1"));
  EXPECT_EQ(R({"zmpop", "2", "nokey", "z2", "MAX", "COUNT", "5"}),
            "*2\r\n" + Bulk("z2") + "*2\r\n*2\r\n" + Bulk("y") + Bulk("20") + "*2\r\n" + Bulk("x") +
                Bulk("10"));
  EXPECT_EQ(R({"exists", "z2"}), Int(0));
  EXPECT_EQ(R({"zmpop", "1", "nokey", "min"}), "*-1\r\n");
  EXPECT_EQ(R({"zmpop", "0", "z1", "min"}), Err("ERR numkeys should be greater than 0"));
  EXPECT_EQ(R({"zmpop", "x", "z1", "min"}), Err("ERR numkeys should be greater than 0"));
  EXPECT_EQ(R({"zmpop", "2", "z1", "min"}), kSyntax);
  EXPECT_EQ(R({"zmpop", "1", "z1", "mid"}), kSyntax);
  EXPECT_EQ(R({"zmpop", "1", "z1", "min", "count"}), kSyntax);
  EXPECT_EQ(R({"zmpop", "1", "z1", "min", "count", "0"}),
            Err("ERR count should be greater than 0"));
  EXPECT_EQ(R({"zmpop", "1", "z1", "min", "count", "1", "count", "1"}), kSyntax);
  R({"set", "str", "v"});
  EXPECT_EQ(R({"zmpop", "2", "str", "z1", "min"}), kWrongType);
  EXPECT_EQ(R({"zmpop", "2", "z1", "str", "min"}),
            "*2\r\n" + Bulk("z1") + "*1\r\n*2\r\n" + Bulk("b") + Bulk("2"));
  h.SetProto(3);
  EXPECT_EQ(R({"zmpop", "1", "z1", "min"}),
            "*2\r\n" + Bulk("z1") + "*1\r\n*2\r\n" + Bulk("c") + Dbl3("3"));
  EXPECT_EQ(R({"zmpop", "1", "z1", "min"}), kNull3);
}

TEST_F(ZsetCommandsTest, PopFromZsetForBlockingCallers) {
  R({"zadd", "z", "1", "a", "2", "b"});
  R({"set", "str", "v"});
  CommandContext ctx{h.server(), h.client(), nullptr, h.NowMs()};
  std::string out;
  resp::ReplyWriter w(&out, 2);
  bool found = true;
  std::vector<std::string_view> none{"x", "y"};
  ASSERT_TRUE(PopFromZset(ctx, none, false, -1, ZpopShape::kKeyFlat, &w, &found).ok());
  EXPECT_FALSE(found);
  EXPECT_EQ(out, "");
  std::vector<std::string_view> keys{"x", "z", "str"};
  ASSERT_TRUE(PopFromZset(ctx, keys, true, -1, ZpopShape::kKeyFlat, &w, &found).ok());
  EXPECT_TRUE(found);
  EXPECT_EQ(out, Arr({"z", "b", "2"}));
  std::vector<std::string_view> bad{"str", "z"};
  out.clear();
  Status st = PopFromZset(ctx, bad, true, -1, ZpopShape::kKeyFlat, &w, &found);
  EXPECT_EQ(st.code(), Status::WrongType().code());
  EXPECT_EQ(out, "");
  EXPECT_EQ(R({"zcard", "z"}), Int(1));
}

// --- ZRANDMEMBER ---------------------------------------------------------------------------------

TEST_F(ZsetCommandsTest, Zrandmember) {
  EXPECT_EQ(R({"zrandmember", "nokey"}), kNil);
  EXPECT_EQ(R({"zrandmember", "nokey", "5"}), kEmptyArray);
  R({"zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"});
  const std::set<std::string> all{"a", "b", "c", "d", "e"};
  for (int i = 0; i < 20; ++i) {
    std::string one = Parse(R({"zrandmember", "z"})).str;
    EXPECT_EQ(all.count(one), 1u) << one;
  }
  // All of them, highest score first, when count >= size.
  EXPECT_EQ(R({"zrandmember", "z", "10"}), Arr({"e", "d", "c", "b", "a"}));
  EXPECT_EQ(R({"zrandmember", "z", "0"}), kEmptyArray);
  for (int count : {1, 2, 3, 4}) {
    std::vector<std::string> got = Strings(R({"zrandmember", "z", std::to_string(count)}));
    std::set<std::string> distinct(got.begin(), got.end());
    EXPECT_EQ(got.size(), static_cast<size_t>(count));
    EXPECT_EQ(distinct.size(), got.size());
    for (const std::string& m : got) EXPECT_EQ(all.count(m), 1u);
  }
  // Negative: exactly |count| picks, repeats allowed, from the set.
  std::vector<std::string> many = Strings(R({"zrandmember", "z", "-50"}));
  EXPECT_EQ(many.size(), 50u);
  std::set<std::string> seen(many.begin(), many.end());
  EXPECT_GT(seen.size(), 1u);
  for (const std::string& m : seen) EXPECT_EQ(all.count(m), 1u);
  std::vector<std::string> lots = Strings(R({"zrandmember", "z", "-3000"}));
  EXPECT_EQ(lots.size(), 3000u);
  // WITHSCORES: member, score pairs that belong together.
  std::vector<std::string> ws = Strings(R({"zrandmember", "z", "-20", "withscores"}));
  ASSERT_EQ(ws.size(), 40u);
  for (size_t i = 0; i < ws.size(); i += 2) {
    EXPECT_EQ(ws[i + 1], std::to_string(ws[i][0] - 'a' + 1));
  }
  EXPECT_EQ(R({"zrandmember", "z", "1", "withscore"}), kSyntax);
  EXPECT_EQ(R({"zrandmember", "z", "x"}), kNotInt);
  EXPECT_EQ(R({"zrandmember", "z", "-9223372036854775808"}),
            Err("ERR value is out of range, value must between -9223372036854775807 and "
                "9223372036854775807"));
  EXPECT_EQ(R({"zrandmember", "z", "4611686018427387904", "withscores"}),
            Err("ERR value is out of range"));
  h.SetProto(3);
  R({"zadd", "one", "7", "only"});
  EXPECT_EQ(R({"zrandmember", "one", "-2", "withscores"}), Pairs3({{"only", "7"}, {"only", "7"}}));
}

// --- ZUNION / ZINTER / ZDIFF / ZINTERCARD and STORE forms
// ------------------------------------------

TEST_F(ZsetCommandsTest, SetAlgebra) {
  R({"zadd", "a", "1", "x", "2", "y", "3", "z"});
  R({"zadd", "b", "10", "y", "20", "z", "30", "w"});
  R({"sadd", "s", "y", "w", "v"});
  EXPECT_EQ(R({"zunion", "2", "a", "b", "withscores"}),
            Arr({"x", "1", "y", "12", "z", "23", "w", "30"}));
  EXPECT_EQ(R({"zunion", "3", "a", "b", "s", "withscores"}),
            Arr({"v", "1", "x", "1", "y", "13", "z", "23", "w", "31"}));
  EXPECT_EQ(R({"zunion", "2", "a", "b", "weights", "2", "-1", "withscores"}),
            Arr({"w", "-30", "z", "-14", "y", "-6", "x", "2"}));
  EXPECT_EQ(R({"zunion", "2", "a", "b", "aggregate", "min", "withscores"}),
            Arr({"x", "1", "y", "2", "z", "3", "w", "30"}));
  EXPECT_EQ(R({"zinter", "2", "a", "b", "aggregate", "max", "withscores"}),
            Arr({"y", "10", "z", "20"}));
  EXPECT_EQ(R({"zinter", "3", "a", "b", "s", "withscores"}), Arr({"y", "13"}));
  EXPECT_EQ(R({"zinter", "2", "a", "nokey"}), kEmptyArray);
  EXPECT_EQ(R({"zdiff", "2", "a", "b", "withscores"}), Arr({"x", "1"}));
  EXPECT_EQ(R({"zdiff", "3", "b", "a", "s"}), kEmptyArray);
  EXPECT_EQ(R({"zdiff", "2", "s", "a", "withscores"}), Arr({"v", "1", "w", "1"}));
  EXPECT_EQ(R({"zunion", "1", "nokey"}), kEmptyArray);
  // inf + -inf sums to 0, as Redis.
  R({"zadd", "p", "inf", "m"});
  R({"zadd", "q", "-inf", "m"});
  EXPECT_EQ(R({"zunion", "2", "p", "q", "withscores"}), Arr({"m", "0"}));
  h.SetProto(3);
  EXPECT_EQ(R({"zinter", "2", "a", "b", "withscores"}), Pairs3({{"y", "12"}, {"z", "23"}}));
  h.SetProto(2);
  // Errors.
  EXPECT_EQ(R({"zunion", "0", "a"}),
            Err("ERR at least 1 input key is needed for 'zunion' command"));
  EXPECT_EQ(R({"zdiffstore", "d", "0", "a"}),
            Err("ERR at least 1 input key is needed for 'zdiffstore' command"));
  EXPECT_EQ(R({"zunion", "x", "a"}), kNotInt);
  EXPECT_EQ(R({"zunion", "3", "a", "b"}), kSyntax);
  EXPECT_EQ(R({"zunion", "2", "a", "b", "weights", "1"}), kSyntax);
  EXPECT_EQ(R({"zunion", "2", "a", "b", "weights", "1", "x"}),
            Err("ERR weight value is not a float"));
  EXPECT_EQ(R({"zunion", "2", "a", "b", "aggregate", "avg"}), kSyntax);
  EXPECT_EQ(R({"zdiff", "2", "a", "b", "weights", "1", "2"}), kSyntax);
  R({"set", "str", "v"});
  // Inputs are type-checked before the options are parsed.
  EXPECT_EQ(R({"zunion", "2", "str", "a", "weights", "x", "y"}), kWrongType);
  EXPECT_EQ(R({"zinter", "2", "nokey", "str"}), kWrongType);
}

TEST_F(ZsetCommandsTest, SetAlgebraStore) {
  R({"zadd", "a", "1", "x", "2", "y", "3", "z"});
  R({"zadd", "b", "10", "y", "20", "z", "30", "w"});
  EXPECT_EQ(R({"zunionstore", "d", "2", "a", "b"}), Int(4));
  EXPECT_EQ(R({"zrange", "d", "0", "-1", "withscores"}),
            Arr({"x", "1", "y", "12", "z", "23", "w", "30"}));
  EXPECT_EQ(R({"zinterstore", "d", "2", "a", "b", "weights", "1", "0"}), Int(2));
  EXPECT_EQ(R({"zrange", "d", "0", "-1", "withscores"}), Arr({"y", "2", "z", "3"}));
  EXPECT_EQ(R({"zrank", "d", "z"}), Int(1));
  EXPECT_EQ(R({"zdiffstore", "d", "2", "b", "a"}), Int(1));
  EXPECT_EQ(R({"zrange", "d", "0", "-1", "withscores"}), Arr({"w", "30"}));
  EXPECT_EQ(R({"zinterstore", "d", "2", "a", "nokey"}), Int(0));
  EXPECT_EQ(R({"exists", "d"}), Int(0));
  // The destination may be an input.
  EXPECT_EQ(R({"zunionstore", "a", "2", "a", "b"}), Int(4));
  EXPECT_EQ(R({"zscore", "a", "y"}), Bulk("12"));
  // Overwrites any type, drops the TTL.
  R({"set", "str", "v"});
  R({"expire", "str", "100"});
  EXPECT_EQ(R({"zinterstore", "str", "2", "a", "b"}), Int(3));
  EXPECT_EQ(R({"type", "str"}), "+zset\r\n");
  EXPECT_EQ(R({"ttl", "str"}), Int(-1));
  EXPECT_EQ(R({"zunionstore", "d", "2", "a", "b", "withscores"}), kSyntax);
  EXPECT_EQ(R({"zunionstore", "d", "1", "str"}), Int(3));  // str is a zset now
}

TEST_F(ZsetCommandsTest, Zintercard) {
  R({"zadd", "a", "1", "x", "2", "y", "3", "z", "4", "q"});
  R({"zadd", "b", "10", "y", "20", "z", "30", "w", "40", "q"});
  R({"sadd", "s", "y", "z"});
  EXPECT_EQ(R({"zintercard", "2", "a", "b"}), Int(3));
  EXPECT_EQ(R({"zintercard", "3", "a", "b", "s"}), Int(2));
  EXPECT_EQ(R({"zintercard", "2", "a", "b", "limit", "0"}), Int(3));
  EXPECT_EQ(R({"zintercard", "2", "a", "b", "limit", "2"}), Int(2));
  EXPECT_EQ(R({"zintercard", "2", "a", "nokey"}), Int(0));
  EXPECT_EQ(R({"zintercard", "2", "a", "b", "limit", "-1"}), Err("ERR LIMIT can't be negative"));
  EXPECT_EQ(R({"zintercard", "2", "a", "b", "limit", "x"}), Err("ERR LIMIT can't be negative"));
  EXPECT_EQ(R({"zintercard", "2", "a", "b", "withscores"}), kSyntax);
  EXPECT_EQ(R({"zintercard", "0", "a"}),
            Err("ERR at least 1 input key is needed for 'zintercard' command"));
}

// --- ZSCAN --------------------------------------------------------------------------------------

TEST_F(ZsetCommandsTest, ZscanSmallSetComesWhole) {
  R({"zadd", "z", "1.5", "a", "1e17", "b", "-inf", "c", "3", "d"});
  const std::string whole =
      "*2\r\n$1\r\n0\r\n" + Arr({"c", "-inf", "a", "1.5", "d", "3", "b", "100000000000000000"});
  EXPECT_EQ(R({"zscan", "z", "0"}), whole);
  EXPECT_EQ(R({"zscan", "z", "123", "count", "1"}), whole);
  EXPECT_EQ(R({"zscan", "z", "0", "match", "[ab]"}),
            "*2\r\n$1\r\n0\r\n" + Arr({"a", "1.5", "b", "100000000000000000"}));
  EXPECT_EQ(R({"zscan", "nokey", "0"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  EXPECT_EQ(R({"zscan", "nokey", "0", "bad"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  EXPECT_EQ(R({"zscan", "z", "0", "count", "0"}), kSyntax);
  EXPECT_EQ(R({"zscan", "z", "0", "count", "x"}), kNotInt);
  EXPECT_EQ(R({"zscan", "z", "0", "type", "zset"}), kSyntax);
  EXPECT_EQ(R({"zscan", "z", "x"}), Err("ERR invalid cursor"));
  h.SetProto(3);  // scores stay bulk strings
  EXPECT_EQ(R({"zscan", "z", "0", "match", "a"}), "*2\r\n$1\r\n0\r\n" + Arr({"a", "1.5"}));
}

TEST_F(ZsetCommandsTest, ZscanLargeSetCursorVisitsEveryMember) {
  // Members share long prefixes, so cursor groups (8-byte prefixes) hold many members.
  std::map<std::string, std::string> want;
  Argv add{"zadd", "z"};
  for (int i = 0; i < 600; ++i) {
    std::string m = "member:" + std::to_string(i);
    add.push_back(std::to_string(i) + ".5");
    add.push_back(m);
    want[m] = std::to_string(i) + ".5";
  }
  add.push_back("7");
  add.push_back("");  // the empty member sorts first
  want[""] = "7";
  ASSERT_EQ(R(add), Int(601));
  std::map<std::string, std::string> got;
  std::string cursor = "0";
  int calls = 0;
  do {
    resp::ReplyValue v = Parse(R({"zscan", "z", cursor, "count", "50"}));
    ASSERT_EQ(v.elements.size(), 2u);
    cursor = v.elements[0].str;
    const auto& items = v.elements[1].elements;
    ASSERT_EQ(items.size() % 2, 0u);
    for (size_t i = 0; i < items.size(); i += 2) got[items[i].str] = items[i + 1].str;
    ASSERT_LT(++calls, 1000);
  } while (cursor != "0");
  EXPECT_EQ(got, want);
  EXPECT_GT(calls, 1);
  // MATCH filters members; COUNT bounds a call when prefixes differ.
  Argv distinct{"zadd", "w"};
  for (int i = 0; i < 300; ++i) {
    distinct.push_back("1");
    distinct.push_back(std::string(1, static_cast<char>('A' + i % 26)) +
                       std::string(1, static_cast<char>('a' + i / 26)));
  }
  ASSERT_EQ(R(distinct), Int(300));
  resp::ReplyValue first = Parse(R({"zscan", "w", "0", "count", "10"}));
  EXPECT_EQ(first.elements[1].elements.size(), 20u);
  EXPECT_NE(first.elements[0].str, "0");
  resp::ReplyValue matched = Parse(R({"zscan", "w", "0", "count", "1000", "match", "A*"}));
  EXPECT_EQ(matched.elements[0].str, "0");
  EXPECT_EQ(matched.elements[1].elements.size(), 24u);  // Aa..Al: 12 members
}

// --- Larger sets
// ------------------------------------------------------------------------------------

TEST_F(ZsetCommandsTest, LargeSetRanksAndLexSeek) {
  Argv add{"zadd", "z"};
  for (int i = 0; i < 500; ++i) {
    char m[8];
    std::snprintf(m, sizeof(m), "m%04d", i);
    add.push_back("0");
    add.push_back(m);
  }
  ASSERT_EQ(R(add), Int(500));
  EXPECT_EQ(R({"zrank", "z", "m0321"}), Int(321));
  EXPECT_EQ(R({"zrevrank", "z", "m0321"}), Int(178));
  EXPECT_EQ(R({"zlexcount", "z", "[m0100", "(m0200"}), Int(100));
  EXPECT_EQ(R({"zrangebylex", "z", "(m0100", "+", "limit", "0", "2"}), Arr({"m0101", "m0102"}));
  EXPECT_EQ(R({"zrevrangebylex", "z", "(m0100", "-", "limit", "0", "2"}), Arr({"m0099", "m0098"}));
  EXPECT_EQ(R({"zrange", "z", "498", "-1"}), Arr({"m0498", "m0499"}));
  EXPECT_EQ(R({"zremrangebyrank", "z", "0", "99"}), Int(100));
  EXPECT_EQ(R({"zrank", "z", "m0321"}), Int(221));
  EXPECT_EQ(R({"zcard", "z"}), Int(400));
}

// A random walk of writes against an in-memory model: both records of every member stay in step.
TEST_F(ZsetCommandsTest, RandomOpsMatchModel) {
  std::mt19937 rng(7);
  std::map<std::string, double> model;
  auto member = [&] { return "m" + std::to_string(rng() % 40); };
  auto score = [&] { return static_cast<double>(static_cast<int>(rng() % 21) - 10); };
  for (int step = 0; step < 1500; ++step) {
    switch (rng() % 6) {
      case 0:
      case 1: {
        std::string m = member();
        double s = score();
        R({"zadd", "z", std::to_string(static_cast<int>(s)), m});
        model[m] = s;
        break;
      }
      case 2: {
        std::string m = member();
        double s = score();
        R({"zincrby", "z", std::to_string(static_cast<int>(s)), m});
        model[m] += s;
        break;
      }
      case 3: {
        std::string m = member();
        R({"zrem", "z", m});
        model.erase(m);
        break;
      }
      case 4: {
        std::string out = R({"zpopmin", "z"});
        if (!model.empty()) {
          auto best = std::min_element(model.begin(), model.end(), [](auto& a, auto& b) {
            return a.second != b.second ? a.second < b.second : a.first < b.first;
          });
          ASSERT_EQ(Strings(out)[0], best->first);
          model.erase(best);
        }
        break;
      }
      default: {
        int lo = static_cast<int>(score()), hi = lo + 3;
        R({"zremrangebyscore", "z", std::to_string(lo), std::to_string(hi)});
        for (auto it = model.begin(); it != model.end();) {
          it = (it->second >= lo && it->second <= hi) ? model.erase(it) : std::next(it);
        }
      }
    }
    if (step % 50 != 0) continue;
    std::vector<std::pair<double, std::string>> sorted;
    for (const auto& [m, s] : model) sorted.push_back({s, m});
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::string> expect;
    for (const auto& [s, m] : sorted) expect.push_back(m);
    ASSERT_EQ(Strings(R({"zrange", "z", "0", "-1"})), expect) << step;
    ASSERT_EQ(R({"zcard", "z"}), Int(static_cast<long long>(model.size())));
    ASSERT_EQ(R({"zcount", "z", "-inf", "+inf"}), Int(static_cast<long long>(model.size())));
    for (const auto& [m, s] : model) {
      ASSERT_EQ(Parse(R({"zscore", "z", m})).str, std::to_string(static_cast<long long>(s)));
    }
  }
}

// --- Types, expiry, transactions, databases ---------------------------------------------------

TEST_F(ZsetCommandsTest, WrongType) {
  R({"set", "str", "v"});
  R({"sadd", "set", "a"});
  for (const std::string& key : {std::string("str"), std::string("set")}) {
    const std::vector<Argv> cmds = {
        {"zadd", key, "1", "a"},
        {"zincrby", key, "1", "a"},
        {"zrem", key, "a"},
        {"zcard", key},
        {"zscore", key, "a"},
        {"zmscore", key, "a"},
        {"zrank", key, "a"},
        {"zrevrank", key, "a"},
        {"zcount", key, "0", "1"},
        {"zlexcount", key, "-", "+"},
        {"zrange", key, "0", "-1"},
        {"zrangestore", "d", key, "0", "-1"},
        {"zrangebyscore", key, "0", "1"},
        {"zrevrangebyscore", key, "1", "0"},
        {"zrangebylex", key, "-", "+"},
        {"zrevrangebylex", key, "+", "-"},
        {"zrevrange", key, "0", "-1"},
        {"zremrangebyscore", key, "0", "1"},
        {"zremrangebyrank", key, "0", "1"},
        {"zremrangebylex", key, "-", "+"},
        {"zpopmin", key},
        {"zpopmax", key, "2"},
        {"zmpop", "1", key, "min"},
        {"zrandmember", key},
        {"zrandmember", key, "2"},
        {"zscan", key, "0"},
    };
    for (const Argv& c : cmds) EXPECT_EQ(R(c), kWrongType) << c[0] << " " << key;
  }
  // Sets are fine inputs for the algebra; strings are not.
  EXPECT_EQ(R({"zunion", "1", "set"}), Arr({"a"}));
  EXPECT_EQ(R({"zunion", "1", "str"}), kWrongType);
  EXPECT_EQ(R({"zunionstore", "d", "1", "str"}), kWrongType);
  EXPECT_EQ(R({"zintercard", "1", "str"}), kWrongType);
  EXPECT_EQ(R({"get", "str"}), Bulk("v"));
  R({"zadd", "z", "1", "a"});
  EXPECT_EQ(R({"get", "z"}), kWrongType);
  EXPECT_EQ(R({"sadd", "z", "a"}), kWrongType);
}

TEST_F(ZsetCommandsTest, ExpiryAndTtlKept) {
  R({"zadd", "z", "1", "a", "2", "b"});
  R({"pexpire", "z", "1000"});
  EXPECT_EQ(R({"zadd", "z", "3", "c"}), Int(1));
  EXPECT_EQ(R({"zincrby", "z", "1", "a"}), Bulk("2"));
  EXPECT_EQ(R({"zpopmax", "z"}), Arr({"c", "3"}));
  EXPECT_EQ(R({"pttl", "z"}), Int(1000));
  h.AdvanceClockMs(1001);
  EXPECT_EQ(R({"zcard", "z"}), Int(0));
  EXPECT_EQ(R({"zrange", "z", "0", "-1"}), kEmptyArray);
  EXPECT_EQ(R({"zscore", "z", "a"}), kNil);
  // A new incarnation does not see the expired one's members.
  EXPECT_EQ(R({"zadd", "z", "9", "x"}), Int(1));
  EXPECT_EQ(R({"zrange", "z", "0", "-1", "withscores"}), Arr({"x", "9"}));
  EXPECT_EQ(R({"ttl", "z"}), Int(-1));
  // DEL then re-create.
  R({"del", "z"});
  EXPECT_EQ(R({"zadd", "z", "1", "y"}), Int(1));
  EXPECT_EQ(R({"zrange", "z", "0", "-1"}), Arr({"y"}));
}

TEST_F(ZsetCommandsTest, MultiExec) {
  InstallWatchLayer(&h.server());
  EXPECT_EQ(R({"multi"}), "+OK\r\n");
  EXPECT_EQ(R({"zadd", "t", "1", "a", "2", "b"}), "+QUEUED\r\n");
  EXPECT_EQ(R({"zincrby", "t", "5", "a"}), "+QUEUED\r\n");
  EXPECT_EQ(R({"zrange", "t", "0", "-1", "withscores"}), "+QUEUED\r\n");
  EXPECT_EQ(R({"zunionstore", "u", "1", "t"}), "+QUEUED\r\n");
  EXPECT_EQ(R({"zpopmin", "t"}), "+QUEUED\r\n");
  EXPECT_EQ(R({"exec"}),
            "*5\r\n:2\r\n$1\r\n6\r\n" + Arr({"b", "2", "a", "6"}) + ":2\r\n" + Arr({"b", "2"}));
  EXPECT_EQ(R({"zrange", "t", "0", "-1"}), Arr({"a"}));
  EXPECT_EQ(R({"zrange", "u", "0", "-1"}), Arr({"b", "a"}));
  // WATCH sees a ZADD.
  EXPECT_EQ(R({"watch", "t"}), "+OK\r\n");
  R({"zadd", "t", "1", "q"});
  R({"multi"});
  R({"zcard", "t"});
  EXPECT_EQ(R({"exec"}), "*-1\r\n");
}

TEST_F(ZsetCommandsTest, DatabasesAreSeparate) {
  R({"zadd", "z", "1", "a"});
  EXPECT_EQ(R({"select", "1"}), "+OK\r\n");
  EXPECT_EQ(R({"zcard", "z"}), Int(0));
  EXPECT_EQ(R({"zadd", "z", "5", "b", "6", "c"}), Int(2));
  EXPECT_EQ(R({"zrange", "z", "0", "-1"}), Arr({"b", "c"}));
  EXPECT_EQ(R({"zunionstore", "u", "1", "z"}), Int(2));
  R({"select", "0"});
  EXPECT_EQ(R({"zrange", "z", "0", "-1", "withscores"}), Arr({"a", "1"}));
  EXPECT_EQ(R({"exists", "u"}), Int(0));
  EXPECT_EQ(R({"zrank", "z", "b"}), kNil);
}

TEST_F(ZsetCommandsTest, CommandTableEntries) {
  const CommandSpec* zadd = h.server().table->Lookup("zadd");
  ASSERT_NE(zadd, nullptr);
  EXPECT_EQ(zadd->arity, -4);
  EXPECT_EQ(zadd->group, "sorted-set");
  EXPECT_EQ(zadd->flags, kCmdWrite | kCmdDenyOom | kCmdFast);
  const CommandSpec* store = h.server().table->Lookup("zrangestore");
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->first_key, 1);
  EXPECT_EQ(store->last_key, 2);
  for (const char* name : {"zincrby",         "zrem",           "zcard",         "zscore",
                           "zmscore",         "zrank",          "zrevrank",      "zcount",
                           "zlexcount",       "zrange",         "zrangebyscore", "zrevrangebyscore",
                           "zrangebylex",     "zrevrangebylex", "zrevrange",     "zremrangebyscore",
                           "zremrangebyrank", "zremrangebylex", "zpopmin",       "zpopmax",
                           "zmpop",           "zrandmember",    "zunion",        "zinter",
                           "zdiff",           "zintercard",     "zunionstore",   "zinterstore",
                           "zdiffstore",      "zscan"}) {
    EXPECT_NE(h.server().table->Lookup(name), nullptr) << name;
  }
}

}  // namespace
}  // namespace ringkv
