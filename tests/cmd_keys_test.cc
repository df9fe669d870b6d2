// Generic key command tests, in-process through the real Dispatch (CommandHarness) over
// MemoryStorage with a fake clock. Expected bytes are Redis 7.0.15's, checked against
// redis-server where the behaviour is not obvious.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "command_harness.h"
#include "resp_expect.h"

namespace ringkv {
namespace {

using namespace test;  // kOk, Bulk(), Arr(), ...: resp_expect.h

class KeyCommandsTest : public ::testing::Test {
 protected:
  // Runs SCAN from cursor 0 to the end with the given extra options; returns every key seen
  // (with repeats, so a test can check that each key comes exactly once) and the call count.
  std::vector<std::string> ScanAll(const std::vector<std::string>& options, int* calls) {
    std::vector<std::string> keys;
    std::string cursor = "0";
    *calls = 0;
    do {
      std::vector<std::string> argv = {"scan", cursor};
      argv.insert(argv.end(), options.begin(), options.end());
      std::string reply = h.Run(argv);
      EXPECT_EQ(reply.substr(0, 4), "*2\r\n") << reply;
      std::vector<std::string> parts = Bulks(reply);
      EXPECT_FALSE(parts.empty());
      if (parts.empty()) break;
      cursor = parts[0];
      keys.insert(keys.end(), parts.begin() + 1, parts.end());
      ++*calls;
    } while (cursor != "0" && *calls < 100000);
    return keys;
  }

  CommandHarness h;
};

// --- DEL, UNLINK, EXISTS, TOUCH, TYPE ------------------------------------------------------------

TEST_F(KeyCommandsTest, DelCountsDeletedKeysOnce) {
  EXPECT_EQ(h.Run({"mset", "a", "1", "b", "2", "c", "3"}), kOk);
  EXPECT_EQ(h.Run({"del", "a", "a", "nope"}), Int(1));
  EXPECT_EQ(h.Run({"exists", "a"}), Int(0));
  EXPECT_EQ(h.Run({"del", "b", "c"}), Int(2));
  EXPECT_EQ(h.Run({"del", "b"}), Int(0));
  EXPECT_EQ(h.Run({"del"}), Err("ERR wrong number of arguments for 'del' command"));
}

TEST_F(KeyCommandsTest, Unlink) {
  EXPECT_EQ(h.Run({"mset", "a", "1", "b", "2"}), kOk);
  EXPECT_EQ(h.Run({"unlink", "a", "b", "c", "b"}), Int(2));
  EXPECT_EQ(h.Run({"dbsize"}), Int(0));
}

TEST_F(KeyCommandsTest, DelIgnoresExpiredKeys) {
  EXPECT_EQ(h.Run({"set", "a", "1", "px", "10"}), kOk);
  h.AdvanceClockMs(11);
  EXPECT_EQ(h.Run({"del", "a"}), Int(0));
}

TEST_F(KeyCommandsTest, ExistsCountsRepeats) {
  EXPECT_EQ(h.Run({"exists", "a", "a", "a"}), Int(0));
  EXPECT_EQ(h.Run({"set", "a", "1"}), kOk);
  EXPECT_EQ(h.Run({"exists", "a", "a", "a", "b"}), Int(3));
}

TEST_F(KeyCommandsTest, Touch) {
  EXPECT_EQ(h.Run({"mset", "a", "1", "b", "2"}), kOk);
  EXPECT_EQ(h.Run({"touch", "a", "a", "b", "c"}), Int(3));
  EXPECT_EQ(h.Run({"touch", "c"}), Int(0));
}

TEST_F(KeyCommandsTest, Type) {
  EXPECT_EQ(h.Run({"type", "k"}), "+none\r\n");
  EXPECT_EQ(h.Run({"set", "k", "v"}), kOk);
  EXPECT_EQ(h.Run({"type", "k"}), "+string\r\n");
  h.SetProto(3);
  EXPECT_EQ(h.Run({"type", "k"}), "+string\r\n");
  EXPECT_EQ(h.Run({"type", "x"}), "+none\r\n");
}

// --- EXPIRE family -----------------------------------------------------------------------------

TEST_F(KeyCommandsTest, ExpireAndTtl) {
  EXPECT_EQ(h.Run({"expire", "k", "10"}), Int(0));
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(-2));
  EXPECT_EQ(h.Run({"pttl", "k"}), Int(-2));
  EXPECT_EQ(h.Run({"set", "k", "v"}), kOk);
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(-1));
  EXPECT_EQ(h.Run({"pttl", "k"}), Int(-1));
  EXPECT_EQ(h.Run({"expire", "k", "10"}), Int(1));
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(10));
  EXPECT_EQ(h.Run({"pttl", "k"}), Int(10000));
  h.AdvanceClockMs(9000);
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(1));
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("v"));
  h.AdvanceClockMs(1000);  // the expiry millisecond itself: still there, as in Redis
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("v"));
  EXPECT_EQ(h.Run({"pttl", "k"}), Int(0));
  h.AdvanceClockMs(1);
  EXPECT_EQ(h.Run({"get", "k"}), kNil);
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(-2));
}

TEST_F(KeyCommandsTest, TtlRoundsToNearestSecond) {
  EXPECT_EQ(h.Run({"set", "k", "v", "px", "1500"}), kOk);
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(2));
  h.AdvanceClockMs(1);
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(1));
  h.AdvanceClockMs(999);
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(1));  // 500 ms left
  h.AdvanceClockMs(1);
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(0));  // 499 ms left
  EXPECT_EQ(h.Run({"pttl", "k"}), Int(499));
}

TEST_F(KeyCommandsTest, PExpireExpireAtPExpireAt) {
  EXPECT_EQ(h.Run({"set", "k", "v"}), kOk);
  EXPECT_EQ(h.Run({"pexpire", "k", "2500"}), Int(1));
  EXPECT_EQ(h.Run({"pttl", "k"}), Int(2500));
  const uint64_t now = h.NowMs();
  EXPECT_EQ(h.Run({"expireat", "k", std::to_string(now / 1000 + 100)}), Int(1));
  EXPECT_EQ(h.Run({"pexpiretime", "k"}), Int((now / 1000 + 100) * 1000));
  EXPECT_EQ(h.Run({"expiretime", "k"}), Int(now / 1000 + 100));
  EXPECT_EQ(h.Run({"pexpireat", "k", std::to_string(now + 4321)}), Int(1));
  EXPECT_EQ(h.Run({"pexpiretime", "k"}), Int(now + 4321));
  EXPECT_EQ(h.Run({"pttl", "k"}), Int(4321));
  EXPECT_EQ(h.Run({"expiretime", "k"}), Int((now + 4321 + 500) / 1000));
}

TEST_F(KeyCommandsTest, ExpireTimeMissingAndPersistent) {
  EXPECT_EQ(h.Run({"expiretime", "k"}), Int(-2));
  EXPECT_EQ(h.Run({"pexpiretime", "k"}), Int(-2));
  EXPECT_EQ(h.Run({"set", "k", "v"}), kOk);
  EXPECT_EQ(h.Run({"expiretime", "k"}), Int(-1));
  EXPECT_EQ(h.Run({"pexpiretime", "k"}), Int(-1));
  // The largest expiry Redis accepts; the seconds rounding must not overflow.
  EXPECT_EQ(h.Run({"pexpireat", "k", "9223372036854775807"}), Int(1));
  EXPECT_EQ(h.Run({"pexpiretime", "k"}), Int(9223372036854775807LL));
  EXPECT_EQ(h.Run({"expiretime", "k"}), Int(9223372036854776LL));
  EXPECT_EQ(h.Run({"pttl", "k"}), Int(9223372036854775807LL - static_cast<long long>(h.NowMs())));
}

TEST_F(KeyCommandsTest, PastExpiryDeletesKey) {
  for (const std::vector<std::string>& cmd :
       std::vector<std::vector<std::string>>{{"expire", "k", "-1"},
                                             {"expire", "k", "0"},
                                             {"pexpire", "k", "-100"},
                                             {"expireat", "k", "1"},
                                             {"pexpireat", "k", "0"},
                                             {"expire", "k", "-9223372036854775"}}) {
    EXPECT_EQ(h.Run({"set", "k", "v"}), kOk);
    EXPECT_EQ(h.Run(cmd), Int(1)) << cmd[0] << " " << cmd[2];
    EXPECT_EQ(h.Run({"exists", "k"}), Int(0)) << cmd[0] << " " << cmd[2];
  }
  EXPECT_EQ(h.Run({"expire", "k", "-1"}), Int(0));  // already gone
}

TEST_F(KeyCommandsTest, ExpireOverflowErrors) {
  EXPECT_EQ(h.Run({"set", "k", "v"}), kOk);
  EXPECT_EQ(h.Run({"expire", "k", "9223372036854775"}),
            Err("ERR invalid expire time in 'expire' command"));
  EXPECT_EQ(h.Run({"expire", "k", "9223372036854776"}),
            Err("ERR invalid expire time in 'expire' command"));
  EXPECT_EQ(h.Run({"expire", "k", "-9223372036854776"}),
            Err("ERR invalid expire time in 'expire' command"));
  EXPECT_EQ(h.Run({"pexpire", "k", "9223372036854775807"}),
            Err("ERR invalid expire time in 'pexpire' command"));
  EXPECT_EQ(h.Run({"expireat", "k", "9223372036854776"}),
            Err("ERR invalid expire time in 'expireat' command"));
  EXPECT_EQ(h.Run({"expire", "k", "abc"}), kNotInt);
  EXPECT_EQ(h.Run({"pexpireat", "k", "1.5"}), kNotInt);
  EXPECT_EQ(h.Run({"expire", "missing", "abc"}), kNotInt);
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(-1));
  EXPECT_EQ(h.Run({"expireat", "k", "9223372036854775"}), Int(1));
  EXPECT_EQ(h.Run({"pexpiretime", "k"}), Int(9223372036854775000LL));
}

TEST_F(KeyCommandsTest, ExpireOptionErrors) {
  EXPECT_EQ(h.Run({"set", "k", "v"}), kOk);
  const std::string nx_err =
      Err("ERR NX and XX, GT or LT options at the same time are not compatible");
  EXPECT_EQ(h.Run({"expire", "k", "10", "nx", "xx"}), nx_err);
  EXPECT_EQ(h.Run({"expire", "k", "10", "nx", "gt"}), nx_err);
  EXPECT_EQ(h.Run({"expire", "k", "10", "lt", "NX"}), nx_err);
  EXPECT_EQ(h.Run({"expire", "k", "10", "gt", "lt"}),
            Err("ERR GT and LT options at the same time are not compatible"));
  EXPECT_EQ(h.Run({"expire", "k", "10", "foo"}), Err("ERR Unsupported option foo"));
  EXPECT_EQ(h.Run({"pexpireat", "k", "10", "xx", "bar"}), Err("ERR Unsupported option bar"));
  // Options are checked before the time argument and before the key.
  EXPECT_EQ(h.Run({"expire", "k", "abc", "foo"}), Err("ERR Unsupported option foo"));
  EXPECT_EQ(h.Run({"expire", "missing", "10", "foo"}), Err("ERR Unsupported option foo"));
  EXPECT_EQ(h.Run({"expire", "k"}), Err("ERR wrong number of arguments for 'expire' command"));
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(-1));
}

TEST_F(KeyCommandsTest, ExpireNxXx) {
  EXPECT_EQ(h.Run({"set", "k", "v"}), kOk);
  EXPECT_EQ(h.Run({"expire", "k", "10", "xx"}), Int(0));
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(-1));
  EXPECT_EQ(h.Run({"expire", "k", "10", "NX"}), Int(1));
  EXPECT_EQ(h.Run({"expire", "k", "20", "nx"}), Int(0));
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(10));
  EXPECT_EQ(h.Run({"expire", "k", "30", "xx"}), Int(1));
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(30));
  EXPECT_EQ(h.Run({"expire", "missing", "30", "nx"}), Int(0));
}

TEST_F(KeyCommandsTest, ExpireGtLt) {
  EXPECT_EQ(h.Run({"set", "k", "v"}), kOk);
  // No TTL counts as infinite: GT fails, LT succeeds.
  EXPECT_EQ(h.Run({"expire", "k", "100", "gt"}), Int(0));
  EXPECT_EQ(h.Run({"expire", "k", "-5", "gt"}), Int(0));
  EXPECT_EQ(h.Run({"exists", "k"}), Int(1));
  EXPECT_EQ(h.Run({"expire", "k", "100", "lt"}), Int(1));
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(100));
  EXPECT_EQ(h.Run({"expire", "k", "200", "lt"}), Int(0));
  EXPECT_EQ(h.Run({"expire", "k", "100", "gt"}), Int(0));  // equal is not greater
  EXPECT_EQ(h.Run({"expire", "k", "100", "lt"}), Int(0));  // nor less
  EXPECT_EQ(h.Run({"expire", "k", "200", "gt"}), Int(1));
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(200));
  EXPECT_EQ(h.Run({"expire", "k", "50", "gt"}), Int(0));
  EXPECT_EQ(h.Run({"pexpire", "k", "50", "lt", "xx"}), Int(1));
  EXPECT_EQ(h.Run({"pttl", "k"}), Int(50));
  EXPECT_EQ(h.Run({"expire", "k", "0", "lt"}), Int(1));  // past: deleted
  EXPECT_EQ(h.Run({"exists", "k"}), Int(0));
}

TEST_F(KeyCommandsTest, Persist) {
  EXPECT_EQ(h.Run({"persist", "k"}), Int(0));
  EXPECT_EQ(h.Run({"set", "k", "v"}), kOk);
  EXPECT_EQ(h.Run({"persist", "k"}), Int(0));
  EXPECT_EQ(h.Run({"expire", "k", "10"}), Int(1));
  EXPECT_EQ(h.Run({"persist", "k"}), Int(1));
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(-1));
  h.AdvanceClockMs(20000);
  EXPECT_EQ(h.Run({"get", "k"}), Bulk("v"));
}

// --- RENAME ------------------------------------------------------------------------------------

TEST_F(KeyCommandsTest, Rename) {
  EXPECT_EQ(h.Run({"rename", "missing", "x"}), Err("ERR no such key"));
  EXPECT_EQ(h.Run({"rename", "missing", "missing"}), Err("ERR no such key"));
  EXPECT_EQ(h.Run({"set", "a", "1"}), kOk);
  EXPECT_EQ(h.Run({"rename", "a", "a"}), kOk);
  EXPECT_EQ(h.Run({"get", "a"}), Bulk("1"));
  EXPECT_EQ(h.Run({"set", "b", "2", "ex", "100"}), kOk);
  EXPECT_EQ(h.Run({"rename", "a", "b"}), kOk);  // overwrites, and b's old TTL goes with it
  EXPECT_EQ(h.Run({"exists", "a"}), Int(0));
  EXPECT_EQ(h.Run({"get", "b"}), Bulk("1"));
  EXPECT_EQ(h.Run({"ttl", "b"}), Int(-1));
}

TEST_F(KeyCommandsTest, RenameKeepsTtl) {
  EXPECT_EQ(h.Run({"set", "a", "1", "px", "5000"}), kOk);
  EXPECT_EQ(h.Run({"rename", "a", "b"}), kOk);
  EXPECT_EQ(h.Run({"pttl", "b"}), Int(5000));
  EXPECT_EQ(h.Run({"renamenx", "b", "c"}), Int(1));
  EXPECT_EQ(h.Run({"pttl", "c"}), Int(5000));
  h.AdvanceClockMs(5001);
  EXPECT_EQ(h.Run({"exists", "a", "b", "c"}), Int(0));
  EXPECT_EQ(h.Run({"rename", "c", "d"}), Err("ERR no such key"));
}

TEST_F(KeyCommandsTest, RenameNx) {
  EXPECT_EQ(h.Run({"renamenx", "missing", "x"}), Err("ERR no such key"));
  EXPECT_EQ(h.Run({"mset", "a", "1", "b", "2"}), kOk);
  EXPECT_EQ(h.Run({"renamenx", "a", "a"}), Int(0));
  EXPECT_EQ(h.Run({"renamenx", "a", "b"}), Int(0));
  EXPECT_EQ(h.Run({"mget", "a", "b"}), "*2\r\n" + Bulk("1") + Bulk("2"));
  EXPECT_EQ(h.Run({"renamenx", "a", "c"}), Int(1));
  EXPECT_EQ(h.Run({"mget", "a", "c"}), "*2\r\n" + kNil + Bulk("1"));
}

// Threads rename one key back and forth between two names, in both directions at once. With
// the two stripes locked and one batch per rename the key is never lost nor duplicated.
TEST_F(KeyCommandsTest, ConcurrentRenameIsAtomic) {
  EXPECT_EQ(h.Run({"set", "a", "v"}), kOk);
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto client = h.NewClient();
      const std::string from = t % 2 ? "a" : "b";
      const std::string to = t % 2 ? "b" : "a";
      for (int i = 0; i < 2000; ++i) {
        std::string r = h.Run(*client, {"rename", from, to});
        if (r != kOk && r != Err("ERR no such key")) ++bad;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(h.Run({"exists", "a", "b"}), Int(1));
  EXPECT_EQ(h.Run({"dbsize"}), Int(1));
}

// --- whole keyspace ----------------------------------------------------------------------------

TEST_F(KeyCommandsTest, DbSizeAndFlush) {
  EXPECT_EQ(h.Run({"dbsize"}), Int(0));
  EXPECT_EQ(h.Run({"mset", "a", "1", "b", "2", "c", "3"}), kOk);
  EXPECT_EQ(h.Run({"pexpire", "c", "10"}), Int(1));
  EXPECT_EQ(h.Run({"dbsize"}), Int(3));
  h.AdvanceClockMs(11);
  EXPECT_EQ(h.Run({"dbsize"}), Int(2));
  EXPECT_EQ(h.Run({"flushdb"}), kOk);
  EXPECT_EQ(h.Run({"dbsize"}), Int(0));
  EXPECT_EQ(h.Run({"set", "a", "1"}), kOk);
  EXPECT_EQ(h.Run({"flushall", "ASYNC"}), kOk);
  EXPECT_EQ(h.Run({"dbsize"}), Int(0));
  EXPECT_EQ(h.Run({"flushdb", "sync"}), kOk);
  EXPECT_EQ(h.Run({"flushall", "SYNC"}), kOk);
  EXPECT_EQ(h.Run({"flushdb", "async"}), kOk);
  EXPECT_EQ(h.Run({"set", "a", "1"}), kOk);
  EXPECT_EQ(h.Run({"flushdb", "foo"}), kSyntax);
  EXPECT_EQ(h.Run({"flushall", "sync", "async"}), kSyntax);
  EXPECT_EQ(h.Run({"flushall", "now"}), kSyntax);
  EXPECT_EQ(h.Run({"dbsize"}), Int(1));
  EXPECT_EQ(h.Run({"dbsize", "x"}), Err("ERR wrong number of arguments for 'dbsize' command"));
}

TEST_F(KeyCommandsTest, Keys) {
  EXPECT_EQ(h.Run({"keys", "*"}), "*0\r\n");
  EXPECT_EQ(h.Run({"mset", "one", "1", "two", "2", "three", "3", "four", "4"}), kOk);
  EXPECT_EQ(h.Run({"set", "gone", "x", "px", "1"}), kOk);
  h.AdvanceClockMs(2);
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  EXPECT_EQ(sorted(Bulks(h.Run({"keys", "*"}))),
            (std::vector<std::string>{"four", "one", "three", "two"}));
  EXPECT_EQ(sorted(Bulks(h.Run({"keys", "t*"}))), (std::vector<std::string>{"three", "two"}));
  EXPECT_EQ(sorted(Bulks(h.Run({"keys", "*o*"}))),
            (std::vector<std::string>{"four", "one", "two"}));
  EXPECT_EQ(sorted(Bulks(h.Run({"keys", "???"}))), (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(sorted(Bulks(h.Run({"keys", "[ot]*e"}))), (std::vector<std::string>{"one", "three"}));
  EXPECT_EQ(h.Run({"keys", "nomatch*"}), "*0\r\n");
  EXPECT_EQ(h.Run({"keys", "one"}), "*1\r\n" + Bulk("one"));
  EXPECT_EQ(h.Run({"keys"}), Err("ERR wrong number of arguments for 'keys' command"));
}

TEST_F(KeyCommandsTest, ScanWalksEveryKeyOnce) {
  constexpr int kKeys = 500;
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_EQ(h.Run({"set", "key:" + std::to_string(i), "v"}), kOk);
  }
  // Some keys share a hash tag, so they share a ring position.
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(h.Run({"set", "{tag}:" + std::to_string(i), "v"}), kOk);
  }
  int calls = 0;
  std::vector<std::string> keys = ScanAll({}, &calls);
  std::set<std::string> unique(keys.begin(), keys.end());
  EXPECT_EQ(keys.size(), unique.size());
  EXPECT_EQ(unique.size(), static_cast<size_t>(kKeys + 20));
  EXPECT_GT(calls, 10);  // COUNT 10 by default: many calls

  keys = ScanAll({"COUNT", "1000"}, &calls);
  EXPECT_EQ(keys.size(), static_cast<size_t>(kKeys + 20));
  EXPECT_EQ(calls, 1);

  keys = ScanAll({"match", "key:1*", "count", "7"}, &calls);
  unique = std::set<std::string>(keys.begin(), keys.end());
  EXPECT_EQ(unique.size(), 111u);  // key:1, key:10-19, key:100-199
  for (const std::string& k : keys) EXPECT_EQ(k.rfind("key:1", 0), 0u) << k;

  keys = ScanAll({"type", "string", "count", "50", "match", "{tag}*"}, &calls);
  EXPECT_EQ(keys.size(), 20u);
  keys = ScanAll({"TYPE", "STRING"}, &calls);
  EXPECT_EQ(keys.size(), static_cast<size_t>(kKeys + 20));
  keys = ScanAll({"type", "list"}, &calls);
  EXPECT_TRUE(keys.empty());
  keys = ScanAll({"type", "nosuchtype", "count", "100"}, &calls);
  EXPECT_TRUE(keys.empty());
}

TEST_F(KeyCommandsTest, ScanSkipsExpiredKeys) {
  EXPECT_EQ(h.Run({"mset", "a", "1", "b", "2"}), kOk);
  EXPECT_EQ(h.Run({"pexpire", "b", "5"}), Int(1));
  h.AdvanceClockMs(6);
  EXPECT_EQ(h.Run({"scan", "0", "count", "100"}), "*2\r\n$1\r\n0\r\n*1\r\n" + Bulk("a"));
}

TEST_F(KeyCommandsTest, ScanEmptyAndCursorForms) {
  const std::string empty = "*2\r\n$1\r\n0\r\n*0\r\n";
  EXPECT_EQ(h.Run({"scan", "0"}), empty);
  // Redis parses the cursor with strtoul: these are all valid.
  EXPECT_EQ(h.Run({"scan", ""}), empty);
  EXPECT_EQ(h.Run({"scan", "+0"}), empty);
  EXPECT_EQ(h.Run({"scan", "00"}), empty);
  EXPECT_EQ(h.Run({"scan", "-1"}), empty);
  EXPECT_EQ(h.Run({"scan", "18446744073709551615"}), empty);
  const std::string invalid = Err("ERR invalid cursor");
  EXPECT_EQ(h.Run({"scan", "abc"}), invalid);
  EXPECT_EQ(h.Run({"scan", " 0"}), invalid);
  EXPECT_EQ(h.Run({"scan", "0 "}), invalid);
  EXPECT_EQ(h.Run({"scan", "+"}), invalid);
  EXPECT_EQ(h.Run({"scan", "1.5"}), invalid);
  EXPECT_EQ(h.Run({"scan", "18446744073709551616"}), invalid);
  EXPECT_EQ(h.Run({"scan", "abc", "count", "0"}), invalid);  // the cursor is checked first
}

TEST_F(KeyCommandsTest, ScanOptionErrors) {
  EXPECT_EQ(h.Run({"scan", "0", "count", "0"}), kSyntax);
  EXPECT_EQ(h.Run({"scan", "0", "count", "-1"}), kSyntax);
  EXPECT_EQ(h.Run({"scan", "0", "count", "abc"}), kNotInt);
  EXPECT_EQ(h.Run({"scan", "0", "count"}), kSyntax);
  EXPECT_EQ(h.Run({"scan", "0", "match"}), kSyntax);
  EXPECT_EQ(h.Run({"scan", "0", "type"}), kSyntax);
  EXPECT_EQ(h.Run({"scan", "0", "foo", "bar"}), kSyntax);
  EXPECT_EQ(h.Run({"scan", "0", "match", "*", "count"}), kSyntax);
  EXPECT_EQ(h.Run({"scan"}), Err("ERR wrong number of arguments for 'scan' command"));
}

TEST_F(KeyCommandsTest, ScanResp3) {
  h.SetProto(3);
  EXPECT_EQ(h.Run({"set", "a", "1"}), kOk);
  EXPECT_EQ(h.Run({"scan", "0"}), "*2\r\n$1\r\n0\r\n*1\r\n" + Bulk("a"));
}

TEST_F(KeyCommandsTest, RandomKey) {
  EXPECT_EQ(h.Run({"randomkey"}), kNil);
  h.SetProto(3);
  EXPECT_EQ(h.Run({"randomkey"}), "_\r\n");
  h.SetProto(2);
  EXPECT_EQ(h.Run({"set", "only", "1"}), kOk);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(h.Run({"randomkey"}), Bulk("only"));
  EXPECT_EQ(h.Run({"mset", "a", "1", "b", "2", "c", "3"}), kOk);
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::vector<std::string> got = Bulks(h.Run({"randomkey"}));
    ASSERT_EQ(got.size(), 1u);
    seen.insert(got[0]);
  }
  for (const std::string& k : seen) {
    EXPECT_TRUE(k == "only" || k == "a" || k == "b" || k == "c") << k;
  }
  EXPECT_GE(seen.size(), 2u);
  // Only expired keys left: nil.
  EXPECT_EQ(h.Run({"flushall"}), kOk);
  EXPECT_EQ(h.Run({"mset", "x", "1", "y", "2"}), kOk);
  EXPECT_EQ(h.Run({"pexpire", "x", "1"}), Int(1));
  EXPECT_EQ(h.Run({"pexpire", "y", "1"}), Int(1));
  h.AdvanceClockMs(2);
  EXPECT_EQ(h.Run({"randomkey"}), kNil);
}

// --- bookkeeping -------------------------------------------------------------------------------

TEST_F(KeyCommandsTest, ReadLookupsCountHitsAndMisses) {
  auto& stats = h.server().stats;
  EXPECT_EQ(h.Run({"set", "k", "v"}), kOk);
  const uint64_t hits = stats.keyspace_hits, misses = stats.keyspace_misses;
  EXPECT_EQ(h.Run({"exists", "k", "nope", "k"}), Int(2));
  EXPECT_EQ(h.Run({"ttl", "k"}), Int(-1));
  EXPECT_EQ(h.Run({"type", "nope"}), "+none\r\n");
  EXPECT_EQ(stats.keyspace_hits, hits + 3);
  EXPECT_EQ(stats.keyspace_misses, misses + 2);
  EXPECT_EQ(h.Run({"expire", "k", "10"}), Int(1));  // a write: not counted
  EXPECT_EQ(h.Run({"del", "nope"}), Int(0));
  EXPECT_EQ(stats.keyspace_hits, hits + 3);
  EXPECT_EQ(stats.keyspace_misses, misses + 2);
}

TEST_F(KeyCommandsTest, WritesCountAsChanges) {
  auto& dirty = h.server().changes_since_save;
  EXPECT_EQ(h.Run({"mset", "a", "1", "b", "2", "c", "3"}), kOk);
  const uint64_t before = dirty;
  EXPECT_EQ(h.Run({"del", "a", "b", "x"}), Int(2));
  EXPECT_EQ(dirty, before + 2);
  EXPECT_EQ(h.Run({"expire", "c", "10"}), Int(1));
  EXPECT_EQ(h.Run({"expire", "c", "10", "nx"}), Int(0));
  EXPECT_EQ(h.Run({"persist", "c"}), Int(1));
  EXPECT_EQ(dirty, before + 4);
}

TEST_F(KeyCommandsTest, CommandTableEntries) {
  struct Want {
    const char* name;
    int arity;
    uint32_t flags;
    int first, last, step;
    const char* group;
  };
  const Want wants[] = {
      {"del", -2, kCmdWrite, 1, -1, 1, "generic"},
      {"unlink", -2, kCmdWrite | kCmdFast, 1, -1, 1, "generic"},
      {"exists", -2, kCmdReadOnly | kCmdFast, 1, -1, 1, "generic"},
      {"expire", -3, kCmdWrite | kCmdFast, 1, 1, 1, "generic"},
      {"rename", 3, kCmdWrite, 1, 2, 1, "generic"},
      {"renamenx", 3, kCmdWrite | kCmdFast, 1, 2, 1, "generic"},
      {"scan", -2, kCmdReadOnly | kCmdKeyspace, 0, 0, 0, "generic"},
      {"keys", 2, kCmdReadOnly | kCmdKeyspace, 0, 0, 0, "generic"},
      {"dbsize", 1, kCmdReadOnly | kCmdFast | kCmdKeyspace, 0, 0, 0, "server"},
      {"flushall", -1, kCmdWrite | kCmdKeyspace, 0, 0, 0, "server"},
      {"expiretime", 2, kCmdReadOnly | kCmdFast, 1, 1, 1, "generic"},
  };
  for (const Want& w : wants) {
    const CommandSpec* spec = h.server().table->Lookup(w.name);
    ASSERT_NE(spec, nullptr) << w.name;
    EXPECT_EQ(spec->arity, w.arity) << w.name;
    EXPECT_EQ(spec->flags, w.flags) << w.name;
    EXPECT_EQ(spec->first_key, w.first) << w.name;
    EXPECT_EQ(spec->last_key, w.last) << w.name;
    EXPECT_EQ(spec->step, w.step) << w.name;
    EXPECT_EQ(spec->group, w.group) << w.name;
    EXPECT_FALSE(spec->summary.empty()) << w.name;
    EXPECT_FALSE(spec->complexity.empty()) << w.name;
  }
  EXPECT_EQ(h.server().table->Lookup("expiretime")->since, "7.0.0");
}

}  // namespace
}  // namespace ringkv
