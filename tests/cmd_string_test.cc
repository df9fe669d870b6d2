// String command tests, in-process through the real Dispatch (CommandHarness) over
// MemoryStorage with a fake clock. Expected bytes are Redis 7.0.15's, checked against
// redis-server where the behaviour is not obvious.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "command_harness.h"
#include "resp_expect.h"

namespace ringkv {
namespace {

using namespace test;  // kOk, Bulk(), Arr(), ...: resp_expect.h

class StringCommandsTest : public ::testing::Test {
 protected:
  CommandHarness h;
};

// --- GET / SET ---------------------------------------------------------------------------------

TEST_F(StringCommandsTest, GetMissingIsNil) { EXPECT_EQ(h.Run({"get", "nope"}), kNil); }

TEST_F(StringCommandsTest, SetThenGet) {
  EXPECT_EQ(h.Run({"set", "k", "v"}), kOk);
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("v"));
  EXPECT_EQ(h.Run({"set", "k", "other"}), kOk);
  EXPECT_EQ(h.Run({"GET", "k"}), Bulk("other"));
}

TEST_F(StringCommandsTest, BinarySafeValuesAndKeys) {
  std::string key("a\0b\r\n", 5);
  std::string value("\0\r\n$-1\r\n\xff", 9);
  EXPECT_EQ(h.Run({"set", key, value}), kOk);
  EXPECT_EQ(h.Run({"get", key}), Bulk(value));
  EXPECT_EQ(h.Run({"get", std::string("a\0c\r\n", 5)}), kNil);
  EXPECT_EQ(h.Run({"set", "empty", ""}), kOk);
  EXPECT_EQ(h.Run({"get", "empty"}), "$0\r\n\r\n");
}

TEST_F(StringCommandsTest, WrongArity) {
  EXPECT_EQ(h.Run({"get"}), Err("ERR wrong number of arguments for 'get' command"));
  EXPECT_EQ(h.Run({"get", "a", "b"}), Err("ERR wrong number of arguments for 'get' command"));
  EXPECT_EQ(h.Run({"set", "k"}), Err("ERR wrong number of arguments for 'set' command"));
  EXPECT_EQ(h.Run({"setex", "k", "1"}), Err("ERR wrong number of arguments for 'setex' command"));
}

TEST_F(StringCommandsTest, Resp3NullReplies) {
  h.SetProto(3);
  EXPECT_EQ(h.Run({"get", "nope"}), "_\r\n");
  EXPECT_EQ(h.Run({"getdel", "nope"}), "_\r\n");
  EXPECT_EQ(h.Run({"getex", "nope"}), "_\r\n");
  EXPECT_EQ(h.Run({"getset", "k", "v"}), "_\r\n");
  EXPECT_EQ(h.Run({"set", "k", "v", "nx"}), "_\r\n");
  EXPECT_EQ(h.Run({"set", "x", "v", "xx"}), "_\r\n");
  EXPECT_EQ(h.Run({"set", "y", "v", "get"}), "_\r\n");
  EXPECT_EQ(h.Run({"mget", "k", "nope"}), "*2\r\n$1\r\nv\r\n_\r\n");
  // INCRBYFLOAT stays a bulk string in RESP3.
  EXPECT_EQ(h.Run({"incrbyfloat", "f", "1.5"}), Bulk("1.5"));
}

TEST_F(StringCommandsTest, SetNxXx) {
  EXPECT_EQ(h.Run({"set", "k", "v1", "xx"}), kNil);
  EXPECT_EQ(h.Run({"get", "k"}), kNil);
  EXPECT_EQ(h.Run({"set", "k", "v1", "nx"}), kOk);
  EXPECT_EQ(h.Run({"set", "k", "v2", "NX"}), kNil);
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("v1"));
  EXPECT_EQ(h.Run({"set", "k", "v3", "Xx"}), kOk);
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("v3"));
}

TEST_F(StringCommandsTest, SetGetOption) {
  EXPECT_EQ(h.Run({"set", "k", "v1", "get"}), kNil);
  EXPECT_EQ(h.Run({"set", "k", "v2", "GET"}), Bulk("v1"));
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("v2"));
  // With NX the old value comes back and nothing is written.
  EXPECT_EQ(h.Run({"set", "k", "v3", "get", "nx"}), Bulk("v2"));
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("v2"));
  EXPECT_EQ(h.Run({"set", "k", "v4", "xx", "get"}), Bulk("v2"));
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("v4"));
  EXPECT_EQ(h.Run({"set", "missing", "v", "xx", "get"}), kNil);
  EXPECT_EQ(h.Run({"exists", "missing"}), Int(0));
  EXPECT_EQ(h.Run({"set", "new", "v", "nx", "get"}), kNil);
  EXPECT_EQ(h.Run({"get", "new"}), Bulk("v"));
}

TEST_F(StringCommandsTest, SetOptionSyntaxErrors) {
  EXPECT_EQ(h.Run({"set", "k", "v", "nx", "xx"}), kSyntax);
  EXPECT_EQ(h.Run({"set", "k", "v", "xx", "nx"}), kSyntax);
  EXPECT_EQ(h.Run({"set", "k", "v", "ex", "10", "px", "10"}), kSyntax);
  EXPECT_EQ(h.Run({"set", "k", "v", "px", "10", "ex", "10"}), kSyntax);
  EXPECT_EQ(h.Run({"set", "k", "v", "exat", "10", "pxat", "10"}), kSyntax);
  EXPECT_EQ(h.Run({"set", "k", "v", "keepttl", "ex", "10"}), kSyntax);
  EXPECT_EQ(h.Run({"set", "k", "v", "ex", "10", "keepttl"}), kSyntax);
  EXPECT_EQ(h.Run({"set", "k", "v", "ex"}), kSyntax);
  EXPECT_EQ(h.Run({"set", "k", "v", "foo"}), kSyntax);
  EXPECT_EQ(h.Run({"set", "k", "v", "persist"}), kSyntax);  // a GETEX option only
  EXPECT_EQ(h.Run({"set", "k", "v", "nxx"}), kSyntax);
  EXPECT_EQ(h.Run({"exists", "k"}), Int(0));
  // The same expire option twice is accepted; the last one wins.
  EXPECT_EQ(h.Run({"set", "k", "v", "ex", "10", "ex", "20"}), kOk);
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(20));
}

TEST_F(StringCommandsTest, SetExpireErrors) {
  const std::string invalid = Err("ERR invalid expire time in 'set' command");
  EXPECT_EQ(h.Run({"set", "k", "v", "ex", "0"}), invalid);
  EXPECT_EQ(h.Run({"set", "k", "v", "ex", "-1"}), invalid);
  EXPECT_EQ(h.Run({"set", "k", "v", "px", "0"}), invalid);
  EXPECT_EQ(h.Run({"set", "k", "v", "exat", "0"}), invalid);
  EXPECT_EQ(h.Run({"set", "k", "v", "pxat", "-5"}), invalid);
  EXPECT_EQ(h.Run({"set", "k", "v", "ex", "abc"}), kNotInt);
  EXPECT_EQ(h.Run({"set", "k", "v", "ex", "1.5"}), kNotInt);
  EXPECT_EQ(h.Run({"set", "k", "v", "ex", "99999999999999999999"}), kNotInt);
  // Overflow once converted to ms (x1000) or once made absolute (+now).
  EXPECT_EQ(h.Run({"set", "k", "v", "ex", "9223372036854776"}), invalid);
  EXPECT_EQ(h.Run({"set", "k", "v", "ex", "9223372036854775"}), invalid);
  EXPECT_EQ(h.Run({"set", "k", "v", "px", "9223372036854775807"}), invalid);
  EXPECT_EQ(h.Run({"set", "k", "v", "exat", "9223372036854776"}), invalid);
  EXPECT_EQ(h.Run({"exists", "k"}), Int(0));
  // Absolute times are not offset by now, so these fit.
  EXPECT_EQ(h.Run({"set", "k", "v", "exat", "9223372036854775"}), kOk);
  EXPECT_EQ(h.Run({"pexpiretime", "k"}), Int(9223372036854775000LL));
  EXPECT_EQ(h.Run({"set", "k", "v", "pxat", "9223372036854775807"}), kOk);
  EXPECT_EQ(h.Run({"pexpiretime", "k"}), Int(9223372036854775807LL));
}

TEST_F(StringCommandsTest, SetExpireOptionsWithClock) {
  EXPECT_EQ(h.Run({"set", "k", "v", "ex", "10"}), kOk);
  EXPECT_EQ(h.Run({"pttl", "k"}), Int(10000));
  h.AdvanceClockMs(9999);
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("v"));
  h.AdvanceClockMs(1);  // the expiry millisecond: a key is expired only when now > expire-at
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("v"));
  h.AdvanceClockMs(1);
  EXPECT_EQ(h.Run({"get", "k"}), kNil);

  EXPECT_EQ(h.Run({"set", "k", "v", "PX", "1500"}), kOk);
  EXPECT_EQ(h.Run({"pttl", "k"}), Int(1500));
  h.AdvanceClockMs(1501);
  EXPECT_EQ(h.Run({"exists", "k"}), Int(0));

  const uint64_t now = h.NowMs();
  const std::string at_s = std::to_string(now / 1000 + 100);
  EXPECT_EQ(h.Run({"set", "k", "v", "exat", at_s}), kOk);
  EXPECT_EQ(h.Run({"pexpiretime", "k"}), Int((now / 1000 + 100) * 1000));
  EXPECT_EQ(h.Run({"set", "k", "v", "pxat", std::to_string(now + 777)}), kOk);
  EXPECT_EQ(h.Run({"pttl", "k"}), Int(777));
  // An absolute time already past: OK, and the key is gone.
  EXPECT_EQ(h.Run({"set", "k", "v", "pxat", std::to_string(now - 1)}), kOk);
  EXPECT_EQ(h.Run({"get", "k"}), kNil);
  EXPECT_EQ(h.Run({"set", "k", "v", "exat", "1"}), kOk);
  EXPECT_EQ(h.Run({"exists", "k"}), Int(0));
}

TEST_F(StringCommandsTest, SetClearsTtlUnlessKeepTtl) {
  EXPECT_EQ(h.Run({"set", "k", "v", "ex", "100"}), kOk);
  EXPECT_EQ(h.Run({"set", "k", "v2", "keepttl"}), kOk);
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(100));
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("v2"));
  EXPECT_EQ(h.Run({"set", "k", "v3"}), kOk);
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(-1));
  EXPECT_EQ(h.Run({"set", "fresh", "v", "KEEPTTL"}), kOk);
  EXPECT_EQ(h.Run({"ttl", "fresh"}), Int(-1));
}

TEST_F(StringCommandsTest, SetNxCommand) {
  EXPECT_EQ(h.Run({"setnx", "k", "v1"}), Int(1));
  EXPECT_EQ(h.Run({"setnx", "k", "v2"}), Int(0));
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("v1"));
  // An expired key counts as absent.
  EXPECT_EQ(h.Run({"pexpire", "k", "10"}), Int(1));
  h.AdvanceClockMs(11);
  EXPECT_EQ(h.Run({"setnx", "k", "v3"}), Int(1));
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("v3"));
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(-1));
}

TEST_F(StringCommandsTest, SetExAndPSetEx) {
  EXPECT_EQ(h.Run({"setex", "k", "10", "v"}), kOk);
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("v"));
  EXPECT_EQ(h.Run({"pttl", "k"}), Int(10000));
  EXPECT_EQ(h.Run({"psetex", "k", "250", "w"}), kOk);
  EXPECT_EQ(h.Run({"pttl", "k"}), Int(250));
  h.AdvanceClockMs(251);
  EXPECT_EQ(h.Run({"get", "k"}), kNil);

  EXPECT_EQ(h.Run({"setex", "k", "0", "v"}), Err("ERR invalid expire time in 'setex' command"));
  EXPECT_EQ(h.Run({"setex", "k", "-10", "v"}), Err("ERR invalid expire time in 'setex' command"));
  EXPECT_EQ(h.Run({"SETEX", "k", "9223372036854775", "v"}),
            Err("ERR invalid expire time in 'setex' command"));
  EXPECT_EQ(h.Run({"setex", "k", "abc", "v"}), kNotInt);
  EXPECT_EQ(h.Run({"psetex", "k", "-5", "v"}), Err("ERR invalid expire time in 'psetex' command"));
  EXPECT_EQ(h.Run({"psetex", "k", "9223372036854775807", "v"}),
            Err("ERR invalid expire time in 'psetex' command"));
  EXPECT_EQ(h.Run({"exists", "k"}), Int(0));
}

TEST_F(StringCommandsTest, GetSet) {
  EXPECT_EQ(h.Run({"getset", "k", "v1"}), kNil);
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("v1"));
  EXPECT_EQ(h.Run({"expire", "k", "100"}), Int(1));
  EXPECT_EQ(h.Run({"getset", "k", "v2"}), Bulk("v1"));
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("v2"));
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(-1));  // GETSET drops the TTL, like SET
}

TEST_F(StringCommandsTest, GetDel) {
  EXPECT_EQ(h.Run({"getdel", "k"}), kNil);
  EXPECT_EQ(h.Run({"set", "k", "v"}), kOk);
  EXPECT_EQ(h.Run({"getdel", "k"}), Bulk("v"));
  EXPECT_EQ(h.Run({"exists", "k"}), Int(0));
  EXPECT_EQ(h.Run({"getdel", "k"}), kNil);
}

TEST_F(StringCommandsTest, GetExOptions) {
  EXPECT_EQ(h.Run({"set", "k", "v"}), kOk);
  EXPECT_EQ(h.Run({"getex", "k"}), Bulk("v"));
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(-1));
  EXPECT_EQ(h.Run({"getex", "k", "ex", "100"}), Bulk("v"));
  EXPECT_EQ(h.Run({"pttl", "k"}), Int(100000));
  EXPECT_EQ(h.Run({"getex", "k", "PX", "5000"}), Bulk("v"));
  EXPECT_EQ(h.Run({"pttl", "k"}), Int(5000));
  const uint64_t now = h.NowMs();
  EXPECT_EQ(h.Run({"getex", "k", "pxat", std::to_string(now + 1234)}), Bulk("v"));
  EXPECT_EQ(h.Run({"pttl", "k"}), Int(1234));
  EXPECT_EQ(h.Run({"getex", "k", "exat", std::to_string(now / 1000 + 50)}), Bulk("v"));
  EXPECT_EQ(h.Run({"pexpiretime", "k"}), Int((now / 1000 + 50) * 1000));
  EXPECT_EQ(h.Run({"getex", "k", "persist"}), Bulk("v"));
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(-1));
  EXPECT_EQ(h.Run({"getex", "k", "persist"}), Bulk("v"));
  // An absolute time already past deletes the key, after returning the value.
  EXPECT_EQ(h.Run({"getex", "k", "pxat", std::to_string(now - 1)}), Bulk("v"));
  EXPECT_EQ(h.Run({"exists", "k"}), Int(0));
  EXPECT_EQ(h.Run({"set", "k", "v"}), kOk);
  EXPECT_EQ(h.Run({"getex", "k", "exat", "1"}), Bulk("v"));
  EXPECT_EQ(h.Run({"exists", "k"}), Int(0));
}

TEST_F(StringCommandsTest, GetExErrors) {
  EXPECT_EQ(h.Run({"set", "k", "v"}), kOk);
  EXPECT_EQ(h.Run({"getex", "k", "ex", "0"}), Err("ERR invalid expire time in 'getex' command"));
  EXPECT_EQ(h.Run({"getex", "k", "px", "-1"}), Err("ERR invalid expire time in 'getex' command"));
  EXPECT_EQ(h.Run({"getex", "k", "ex", "9223372036854776"}),
            Err("ERR invalid expire time in 'getex' command"));
  EXPECT_EQ(h.Run({"getex", "k", "ex", "x"}), kNotInt);
  EXPECT_EQ(h.Run({"getex", "k", "foo"}), kSyntax);
  EXPECT_EQ(h.Run({"getex", "k", "ex"}), kSyntax);
  EXPECT_EQ(h.Run({"getex", "k", "persist", "ex", "10"}), kSyntax);
  EXPECT_EQ(h.Run({"getex", "k", "ex", "10", "persist"}), kSyntax);
  EXPECT_EQ(h.Run({"getex", "k", "ex", "10", "px", "10"}), kSyntax);
  EXPECT_EQ(h.Run({"getex", "k", "nx"}), kSyntax);  // SET options are not GETEX options
  EXPECT_EQ(h.Run({"getex", "k", "keepttl"}), kSyntax);
  EXPECT_EQ(h.Run({"getex", "k", "get"}), kSyntax);
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(-1));
  // A missing key answers nil before the expire value is looked at, but not before syntax.
  EXPECT_EQ(h.Run({"getex", "missing", "ex", "0"}), kNil);
  EXPECT_EQ(h.Run({"getex", "missing", "foo"}), kSyntax);
}

// --- MGET / MSET / MSETNX ----------------------------------------------------------------------

TEST_F(StringCommandsTest, MGetMSet) {
  EXPECT_EQ(h.Run({"mset", "a", "1", "b", "2", "c", "3"}), kOk);
  EXPECT_EQ(h.Run({"mget", "a", "nope", "c", "a"}),
            "*4\r\n" + Bulk("1") + kNil + Bulk("3") + Bulk("1"));
  EXPECT_EQ(h.Run({"mset", "a", "x", "a", "y"}), kOk);  // the last value wins
  EXPECT_EQ(h.Run({"get", "a"}), Bulk("y"));
  EXPECT_EQ(h.Run({"mset", "a", "1", "b"}),
            Err("ERR wrong number of arguments for 'mset' command"));
  EXPECT_EQ(h.Run({"mset", "a"}), Err("ERR wrong number of arguments for 'mset' command"));
  EXPECT_EQ(h.Run({"mget"}), Err("ERR wrong number of arguments for 'mget' command"));
}

TEST_F(StringCommandsTest, MSetClearsTtl) {
  EXPECT_EQ(h.Run({"set", "a", "1", "ex", "100"}), kOk);
  EXPECT_EQ(h.Run({"mset", "a", "2"}), kOk);
  EXPECT_EQ(h.Run({"ttl", "a"}), Int(-1));
}

TEST_F(StringCommandsTest, MSetNx) {
  EXPECT_EQ(h.Run({"msetnx", "a", "1", "b", "2"}), Int(1));
  EXPECT_EQ(h.Run({"msetnx", "b", "x", "c", "3"}), Int(0));
  EXPECT_EQ(h.Run({"mget", "a", "b", "c"}), "*3\r\n" + Bulk("1") + Bulk("2") + kNil);
  EXPECT_EQ(h.Run({"msetnx", "a", "1", "b"}),
            Err("ERR wrong number of arguments for 'msetnx' command"));
}

// --- counters ----------------------------------------------------------------------------------

TEST_F(StringCommandsTest, IncrDecr) {
  EXPECT_EQ(h.Run({"incr", "n"}), Int(1));
  EXPECT_EQ(h.Run({"incr", "n"}), Int(2));
  EXPECT_EQ(h.Run({"decr", "n"}), Int(1));
  EXPECT_EQ(h.Run({"decr", "m"}), Int(-1));
  EXPECT_EQ(h.Run({"incrby", "n", "100"}), Int(101));
  EXPECT_EQ(h.Run({"incrby", "n", "-200"}), Int(-99));
  EXPECT_EQ(h.Run({"decrby", "n", "-99"}), Int(0));
  EXPECT_EQ(h.Run({"decrby", "n", "5"}), Int(-5));
  EXPECT_EQ(h.Run({"get", "n"}), Bulk("-5"));
}

TEST_F(StringCommandsTest, IncrErrors) {
  EXPECT_EQ(h.Run({"set", "s", "abc"}), kOk);
  EXPECT_EQ(h.Run({"incr", "s"}), kNotInt);
  for (const char* bad : {"1.5", " 1", "1 ", "-0", "01", "+1", "", "9223372036854775808"}) {
    EXPECT_EQ(h.Run({"set", "s", bad}), kOk);
    EXPECT_EQ(h.Run({"incr", "s"}), kNotInt) << bad;
  }
  EXPECT_EQ(h.Run({"incrby", "n", "abc"}), kNotInt);
  EXPECT_EQ(h.Run({"incrby", "n", "1.0"}), kNotInt);
  EXPECT_EQ(h.Run({"decrby", "n", ""}), kNotInt);
  EXPECT_EQ(h.Run({"exists", "n"}), Int(0));
}

TEST_F(StringCommandsTest, IncrOverflow) {
  EXPECT_EQ(h.Run({"set", "n", "9223372036854775807"}), kOk);
  EXPECT_EQ(h.Run({"incr", "n"}), Err("ERR increment or decrement would overflow"));
  EXPECT_EQ(h.Run({"incrby", "n", "-1"}), Int(9223372036854775806LL));
  EXPECT_EQ(h.Run({"set", "n", "-9223372036854775808"}), kOk);
  EXPECT_EQ(h.Run({"decr", "n"}), Err("ERR increment or decrement would overflow"));
  EXPECT_EQ(h.Run({"incrby", "n", "-1"}), Err("ERR increment or decrement would overflow"));
  EXPECT_EQ(h.Run({"get", "n"}), Bulk("-9223372036854775808"));
  EXPECT_EQ(h.Run({"set", "one", "1"}), kOk);
  EXPECT_EQ(h.Run({"decrby", "one", "-9223372036854775808"}), Err("ERR decrement would overflow"));
  EXPECT_EQ(h.Run({"decrby", "one", "9223372036854775807"}), Int(-9223372036854775806LL));
  EXPECT_EQ(h.Run({"incrby", "z", "-9223372036854775808"}), Int(INT64_MIN));
}

TEST_F(StringCommandsTest, CountersKeepTtl) {
  EXPECT_EQ(h.Run({"set", "n", "10", "ex", "100"}), kOk);
  EXPECT_EQ(h.Run({"incr", "n"}), Int(11));
  EXPECT_EQ(h.Run({"incrbyfloat", "n", "0.5"}), Bulk("11.5"));
  EXPECT_EQ(h.Run({"pttl", "n"}), Int(100000));
  h.AdvanceClockMs(100001);
  EXPECT_EQ(h.Run({"incr", "n"}), Int(1));  // expired: starts from 0, no TTL
  EXPECT_EQ(h.Run({"ttl", "n"}), Int(-1));
}

TEST_F(StringCommandsTest, IncrByFloat) {
  EXPECT_EQ(h.Run({"incrbyfloat", "f", "10.5"}), Bulk("10.5"));
  EXPECT_EQ(h.Run({"incrbyfloat", "f", "0.1"}), Bulk("10.6"));
  EXPECT_EQ(h.Run({"incrbyfloat", "f", "-10.6"}), Bulk("0"));
  EXPECT_EQ(h.Run({"incrbyfloat", "g", "3.0e3"}), Bulk("3000"));
  EXPECT_EQ(h.Run({"set", "i", "5"}), kOk);
  EXPECT_EQ(h.Run({"incrbyfloat", "i", "2"}), Bulk("7"));
  EXPECT_EQ(h.Run({"incrbyfloat", "i", "-0.25"}), Bulk("6.75"));
  EXPECT_EQ(h.Run({"get", "i"}), Bulk("6.75"));
  EXPECT_EQ(h.Run({"incr", "i"}), kNotInt);
}

TEST_F(StringCommandsTest, IncrByFloatErrors) {
  EXPECT_EQ(h.Run({"set", "s", "abc"}), kOk);
  EXPECT_EQ(h.Run({"incrbyfloat", "s", "1"}), kNotFloat);
  EXPECT_EQ(h.Run({"incrbyfloat", "f", "abc"}), kNotFloat);
  EXPECT_EQ(h.Run({"incrbyfloat", "f", " 1"}), kNotFloat);
  EXPECT_EQ(h.Run({"incrbyfloat", "f", "1 "}), kNotFloat);
  EXPECT_EQ(h.Run({"incrbyfloat", "f", "nan"}), kNotFloat);
  EXPECT_EQ(h.Run({"incrbyfloat", "f", ""}), kNotFloat);
  EXPECT_EQ(h.Run({"incrbyfloat", "f", "inf"}), Err("ERR increment would produce NaN or Infinity"));
  EXPECT_EQ(h.Run({"exists", "f"}), Int(0));
}

// --- APPEND, STRLEN, GETRANGE, SETRANGE ----------------------------------------------------------

TEST_F(StringCommandsTest, AppendAndStrlen) {
  EXPECT_EQ(h.Run({"strlen", "k"}), Int(0));
  EXPECT_EQ(h.Run({"append", "k", "hello"}), Int(5));
  EXPECT_EQ(h.Run({"append", "k", " world"}), Int(11));
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("hello world"));
  EXPECT_EQ(h.Run({"strlen", "k"}), Int(11));
  EXPECT_EQ(h.Run({"append", "k", ""}), Int(11));
  EXPECT_EQ(h.Run({"append", "e", ""}), Int(0));
  EXPECT_EQ(h.Run({"exists", "e"}), Int(1));  // APPEND "" still creates the key
  EXPECT_EQ(h.Run({"expire", "k", "100"}), Int(1));
  EXPECT_EQ(h.Run({"append", "k", "!"}), Int(12));
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(100));
}

TEST_F(StringCommandsTest, AppendRespectsProtoMaxBulkLen) {
  h.config().proto_max_bulk_len = 10;
  EXPECT_EQ(h.Run({"append", "k", "12345"}), Int(5));
  EXPECT_EQ(h.Run({"append", "k", "67890"}), Int(10));
  EXPECT_EQ(h.Run({"append", "k", "x"}),
            Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("1234567890"));
}

TEST_F(StringCommandsTest, GetRange) {
  EXPECT_EQ(h.Run({"getrange", "missing", "0", "-1"}), "$0\r\n\r\n");
  EXPECT_EQ(h.Run({"set", "k", "Hello World"}), kOk);
  EXPECT_EQ(h.Run({"getrange", "k", "0", "3"}), Bulk("Hell"));
  EXPECT_EQ(h.Run({"getrange", "k", "0", "-1"}), Bulk("Hello World"));
  EXPECT_EQ(h.Run({"getrange", "k", "-4", "-1"}), Bulk("orld"));
  EXPECT_EQ(h.Run({"getrange", "k", "5", "3"}), "$0\r\n\r\n");
  EXPECT_EQ(h.Run({"getrange", "k", "5", "5000"}), Bulk(" World"));
  EXPECT_EQ(h.Run({"getrange", "k", "-5000", "10000"}), Bulk("Hello World"));
  EXPECT_EQ(h.Run({"getrange", "k", "-1", "-5"}), "$0\r\n\r\n");
  EXPECT_EQ(h.Run({"getrange", "k", "20", "30"}), "$0\r\n\r\n");
  EXPECT_EQ(h.Run({"getrange", "k", "0", "-100"}), Bulk("H"));
  EXPECT_EQ(h.Run({"getrange", "k", "-9223372036854775808", "9223372036854775807"}),
            Bulk("Hello World"));
  EXPECT_EQ(h.Run({"set", "e", ""}), kOk);
  EXPECT_EQ(h.Run({"getrange", "e", "0", "-1"}), "$0\r\n\r\n");
  EXPECT_EQ(h.Run({"getrange", "k", "abc", "1"}), kNotInt);
  EXPECT_EQ(h.Run({"getrange", "k", "0", "1.5"}), kNotInt);
  EXPECT_EQ(h.Run({"getrange", "missing", "x", "1"}), kNotInt);  // arguments come first
}

TEST_F(StringCommandsTest, SetRange) {
  EXPECT_EQ(h.Run({"setrange", "k", "0", "Hello World"}), Int(11));
  EXPECT_EQ(h.Run({"setrange", "k", "6", "Redis"}), Int(11));
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("Hello Redis"));
  EXPECT_EQ(h.Run({"setrange", "k", "0", "J"}), Int(11));
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("Jello Redis"));
  EXPECT_EQ(h.Run({"setrange", "k", "", "x"}), kNotInt);
  EXPECT_EQ(h.Run({"setrange", "pad", "3", "ab"}), Int(5));
  EXPECT_EQ(h.Run({"get", "pad"}), Bulk(std::string("\0\0\0ab", 5)));
  EXPECT_EQ(h.Run({"setrange", "pad", "7", "c"}), Int(8));
  EXPECT_EQ(h.Run({"get", "pad"}), Bulk(std::string("\0\0\0ab\0\0c", 8)));
  // An empty value writes nothing and answers the current length.
  EXPECT_EQ(h.Run({"setrange", "nope", "5", ""}), Int(0));
  EXPECT_EQ(h.Run({"exists", "nope"}), Int(0));
  EXPECT_EQ(h.Run({"setrange", "k", "100", ""}), Int(11));
  EXPECT_EQ(h.Run({"setrange", "nope", "536870912", ""}), Int(0));
  // TTL is kept.
  EXPECT_EQ(h.Run({"expire", "k", "50"}), Int(1));
  EXPECT_EQ(h.Run({"setrange", "k", "0", "M"}), Int(11));
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(50));
}

TEST_F(StringCommandsTest, SetRangeErrors) {
  const std::string too_long = Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
  EXPECT_EQ(h.Run({"setrange", "k", "-1", "x"}), Err("ERR offset is out of range"));
  EXPECT_EQ(h.Run({"setrange", "k", "abc", "x"}), kNotInt);
  EXPECT_EQ(h.Run({"setrange", "k", "536870912", "x"}), too_long);
  EXPECT_EQ(h.Run({"setrange", "k", "9223372036854775807", "x"}), too_long);
  EXPECT_EQ(h.Run({"set", "k", "v"}), kOk);
  EXPECT_EQ(h.Run({"setrange", "k", "536870912", "x"}), too_long);
  h.config().proto_max_bulk_len = 8;
  EXPECT_EQ(h.Run({"setrange", "k", "4", "abcd"}), Int(8));
  EXPECT_EQ(h.Run({"setrange", "k", "4", "abcde"}), too_long);
  EXPECT_EQ(h.Run({"strlen", "k"}), Int(8));
}

// --- bookkeeping -------------------------------------------------------------------------------

TEST_F(StringCommandsTest, KeyspaceHitsAndMisses) {
  auto& stats = h.server().stats;
  EXPECT_EQ(h.Run({"set", "k", "v"}), kOk);
  const uint64_t hits = stats.keyspace_hits, misses = stats.keyspace_misses;
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("v"));
  EXPECT_EQ(h.Run({"get", "nope"}), kNil);
  EXPECT_EQ(h.Run({"mget", "k", "k", "nope"}), "*3\r\n" + Bulk("v") + Bulk("v") + kNil);
  EXPECT_EQ(stats.keyspace_hits, hits + 3);
  EXPECT_EQ(stats.keyspace_misses, misses + 2);
  // Write-path lookups are not counted.
  EXPECT_EQ(h.Run({"incr", "n"}), Int(1));
  EXPECT_EQ(stats.keyspace_hits, hits + 3);
  EXPECT_EQ(stats.keyspace_misses, misses + 2);
}

TEST_F(StringCommandsTest, WritesCountAsChanges) {
  auto& dirty = h.server().changes_since_save;
  const uint64_t before = dirty;
  EXPECT_EQ(h.Run({"set", "k", "v"}), kOk);
  EXPECT_EQ(h.Run({"mset", "a", "1", "b", "2"}), kOk);
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("v"));
  EXPECT_EQ(h.Run({"set", "k", "v", "nx"}), kNil);
  EXPECT_EQ(dirty, before + 3);
}

TEST_F(StringCommandsTest, CommandTableEntries) {
  const CommandSpec* get = h.server().table->Lookup("GET");
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(get->name, "get");
  EXPECT_EQ(get->arity, 2);
  EXPECT_EQ(get->flags, kCmdReadOnly | kCmdFast);
  EXPECT_EQ(get->first_key, 1);
  EXPECT_EQ(get->last_key, 1);
  EXPECT_EQ(get->step, 1);
  EXPECT_EQ(get->group, "string");
  EXPECT_EQ(get->since, "1.0.0");
  EXPECT_EQ(get->complexity, "O(1)");
  EXPECT_EQ(get->summary, "Get the value of a key");
  const CommandSpec* mset = h.server().table->Lookup("mset");
  ASSERT_NE(mset, nullptr);
  EXPECT_EQ(mset->arity, -3);
  EXPECT_EQ(mset->flags, kCmdWrite | kCmdDenyOom);
  EXPECT_EQ(mset->last_key, -1);
  EXPECT_EQ(mset->step, 2);
  std::vector<int> keys;
  mset->KeyPositions(7, &keys);
  EXPECT_EQ(keys, (std::vector<int>{1, 3, 5}));
  for (const char* name :
       {"set", "setnx", "setex", "psetex", "getset", "getdel", "getex", "mget", "msetnx", "incr",
        "decr", "incrby", "decrby", "incrbyfloat", "append", "strlen", "getrange", "setrange"}) {
    const CommandSpec* spec = h.server().table->Lookup(name);
    ASSERT_NE(spec, nullptr) << name;
    EXPECT_EQ(spec->group, "string") << name;
    EXPECT_FALSE(spec->summary.empty()) << name;
    EXPECT_EQ(spec->first_key, 1) << name;
  }
}

// DESIGN invariant 6: read-modify-write commands are atomic across threads.
TEST_F(StringCommandsTest, ConcurrentIncrIsAtomic) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this] {
      auto client = h.NewClient();
      for (int i = 0; i < kPerThread; ++i) {
        if (h.Run(*client, {"incr", "counter"})[0] != ':') ADD_FAILURE();
        if (i % 100 == 0 && h.Run(*client, {"append", "log", "x"})[0] != ':') ADD_FAILURE();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(h.Run({"get", "counter"}), Bulk(std::to_string(kThreads * kPerThread)));
  EXPECT_EQ(h.Run({"strlen", "log"}), Int(kThreads * kPerThread / 100));
}

TEST_F(StringCommandsTest, ConcurrentIncrByFloatAndSetNx) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 500;
  std::atomic<int> setnx_wins{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, &setnx_wins] {
      auto client = h.NewClient();
      for (int i = 0; i < kPerThread; ++i) {
        h.Run(*client, {"incrbyfloat", "f", "0.5"});
        if (h.Run(*client, {"setnx", "once:" + std::to_string(i), "x"}) == ":1\r\n") ++setnx_wins;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(h.Run({"get", "f"}), Bulk(std::to_string(kThreads * kPerThread / 2)));
  EXPECT_EQ(setnx_wins.load(), kPerThread);
}

}  // namespace
}  // namespace ringkv
