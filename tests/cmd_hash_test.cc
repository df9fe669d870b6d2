// Hash command tests, in-process through the real Dispatch (CommandHarness) over MemoryStorage
// with a fake clock. Expected bytes are Redis 7.0.15's, checked against redis-server where the
// behaviour is not obvious. Field order is ringkv's (bytewise), which Redis leaves unspecified.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "command_harness.h"
#include "resp_expect.h"
#include "storage/collections.h"
#include "storage/db_view.h"
#include "txn/watch.h"

namespace ringkv {
namespace {

using namespace test;  // kOk, Bulk(), Arr(), ...: resp_expect.h

// A parsed RESP2/RESP3 reply: enough of the protocol for these tests.
struct Value {
  char type = 0;  // '$', ':', '*', '%', '_', '+', '-'
  std::string str;
  long long integer = 0;
  std::vector<Value> items;  // arrays; maps hold key, value, key, value...
};

Value Parse(const std::string& in, size_t* pos) {
  Value v;
  v.type = in.at(*pos);
  size_t eol = in.find("\r\n", *pos);
  std::string line = in.substr(*pos + 1, eol - *pos - 1);
  *pos = eol + 2;
  switch (v.type) {
    case '$': {
      long long len = std::stoll(line);
      if (len >= 0) {
        v.str = in.substr(*pos, static_cast<size_t>(len));
        *pos += static_cast<size_t>(len) + 2;
      }
      break;
    }
    case ':':
      v.integer = std::stoll(line);
      break;
    case '*':
    case '%': {
      long long n = std::stoll(line);
      if (v.type == '%') n *= 2;
      for (long long i = 0; i < n; ++i) v.items.push_back(Parse(in, pos));
      break;
    }
    default:
      v.str = line;
  }
  return v;
}

Value Parse(const std::string& in) {
  size_t pos = 0;
  Value v = Parse(in, &pos);
  EXPECT_EQ(pos, in.size()) << "trailing bytes in " << in;
  return v;
}

std::vector<std::string> Strings(const Value& v) {
  std::vector<std::string> out;
  for (const Value& item : v.items) out.push_back(item.str);
  return out;
}

class HashCommandsTest : public ::testing::Test {
 protected:
  std::string Run(const std::vector<std::string>& argv) { return h.Run(argv); }

  // Fills key with fields f0000..f(n-1) = v0000... (zero-padded).
  void Fill(const std::string& key, int n, const std::string& value_suffix = "") {
    std::vector<std::string> argv = {"hset", key};
    for (int i = 0; i < n; ++i) {
      char buf[16];
      snprintf(buf, sizeof(buf), "%04d", i);
      argv.push_back(std::string("f") + buf);
      argv.push_back(std::string("v") + buf + value_suffix);
    }
    EXPECT_EQ(Run(argv), Int(n));
  }

  // A full HSCAN iteration; returns field -> how many times it came, and the number of calls.
  std::map<std::string, int> ScanAll(const std::string& key, std::vector<std::string> options,
                                     int* calls, std::function<void(int)> between = nullptr) {
    std::map<std::string, int> seen;
    std::string cursor = "0";
    *calls = 0;
    do {
      std::vector<std::string> argv = {"hscan", key, cursor};
      argv.insert(argv.end(), options.begin(), options.end());
      Value v = Parse(Run(argv));
      EXPECT_EQ(v.type, '*');
      EXPECT_EQ(v.items.size(), 2u);
      cursor = v.items[0].str;
      const std::vector<Value>& items = v.items[1].items;
      EXPECT_EQ(items.size() % 2, 0u);
      for (size_t i = 0; i < items.size(); i += 2) ++seen[items[i].str];
      ++*calls;
      if (between) between(*calls);
    } while (cursor != "0" && *calls < 100000);
    return seen;
  }

  // Writes a set's metadata under key: a key of another collection type, whatever set.cc does.
  void PutSetKey(const std::string& key) {
    storage::DbView view(&h.storage(), 0);
    storage::CollectionMeta meta;
    meta.version = storage::NewVersion();
    meta.size = 1;
    ASSERT_TRUE(view.Put(key, storage::EncodeMeta(storage::ValueType::kSet, meta), 0,
                         storage::ValueType::kSet)
                    .ok());
  }

  CommandHarness h;
};

// ---- HSET / HMSET / HSETNX ----------------------------------------------------------------

TEST_F(HashCommandsTest, HSetCountsNewFieldsOnly) {
  EXPECT_EQ(Run({"hset", "h", "a", "1", "b", "2"}), Int(2));
  EXPECT_EQ(Run({"hset", "h", "a", "10", "c", "3"}), Int(1));
  EXPECT_EQ(Run({"hset", "h", "d", "x", "d", "y"}), Int(1));  // a repeated field counts once
  EXPECT_EQ(Run({"hget", "h", "a"}), Bulk("10"));
  EXPECT_EQ(Run({"hget", "h", "d"}), Bulk("y"));  // the last value wins
  EXPECT_EQ(Run({"hlen", "h"}), Int(4));
  EXPECT_EQ(Run({"hset", "h", "", ""}), Int(1));  // empty field and value are fine
  EXPECT_EQ(Run({"hget", "h", ""}), Bulk(""));
  EXPECT_EQ(Run({"hlen", "h"}), Int(5));
  EXPECT_EQ(Run({"type", "h"}), "+hash\r\n");
}

TEST_F(HashCommandsTest, HSetArity) {
  EXPECT_EQ(Run({"hset", "h"}), Err("ERR wrong number of arguments for 'hset' command"));
  EXPECT_EQ(Run({"hset", "h", "a"}), Err("ERR wrong number of arguments for 'hset' command"));
  EXPECT_EQ(Run({"hset", "h", "a", "1", "b"}),
            Err("ERR wrong number of arguments for 'hset' command"));
  EXPECT_EQ(Run({"HMSET", "h", "a", "1", "b"}),
            Err("ERR wrong number of arguments for 'hmset' command"));
  EXPECT_EQ(Run({"exists", "h"}), Int(0));
}

TEST_F(HashCommandsTest, HMSet) {
  EXPECT_EQ(Run({"hmset", "h", "a", "1", "b", "2"}), kOk);
  EXPECT_EQ(Run({"hmset", "h", "a", "3"}), kOk);
  EXPECT_EQ(Run({"hmget", "h", "a", "b"}), Arr({"3", "2"}));
  EXPECT_EQ(Run({"hlen", "h"}), Int(2));
}

TEST_F(HashCommandsTest, HSetNx) {
  EXPECT_EQ(Run({"hsetnx", "h", "a", "1"}), Int(1));
  EXPECT_EQ(Run({"hsetnx", "h", "a", "2"}), Int(0));
  EXPECT_EQ(Run({"hsetnx", "h", "b", "3"}), Int(1));
  EXPECT_EQ(Run({"hget", "h", "a"}), Bulk("1"));
  EXPECT_EQ(Run({"hlen", "h"}), Int(2));
  EXPECT_EQ(Run({"hsetnx", "h", "a"}), Err("ERR wrong number of arguments for 'hsetnx' command"));
}

// ---- point reads ---------------------------------------------------------------------------

TEST_F(HashCommandsTest, PointReads) {
  EXPECT_EQ(Run({"hget", "nokey", "a"}), kNil);
  EXPECT_EQ(Run({"hmget", "nokey", "a", "b"}), "*2\r\n$-1\r\n$-1\r\n");
  EXPECT_EQ(Run({"hlen", "nokey"}), Int(0));
  EXPECT_EQ(Run({"hstrlen", "nokey", "a"}), Int(0));
  EXPECT_EQ(Run({"hexists", "nokey", "a"}), Int(0));

  Run({"hset", "h", "a", "hello", "b", "", "n", "-123"});
  EXPECT_EQ(Run({"hget", "h", "a"}), Bulk("hello"));
  EXPECT_EQ(Run({"hget", "h", "zz"}), kNil);
  EXPECT_EQ(Run({"hmget", "h", "a", "zz", "b", "a"}),
            "*4\r\n$5\r\nhello\r\n$-1\r\n$0\r\n\r\n" + Bulk("hello"));
  EXPECT_EQ(Run({"hstrlen", "h", "a"}), Int(5));
  EXPECT_EQ(Run({"hstrlen", "h", "b"}), Int(0));
  EXPECT_EQ(Run({"hstrlen", "h", "n"}), Int(4));
  EXPECT_EQ(Run({"hstrlen", "h", "zz"}), Int(0));
  EXPECT_EQ(Run({"hexists", "h", "a"}), Int(1));
  EXPECT_EQ(Run({"hexists", "h", "b"}), Int(1));
  EXPECT_EQ(Run({"hexists", "h", "zz"}), Int(0));
  EXPECT_EQ(Run({"hmget", "h"}), Err("ERR wrong number of arguments for 'hmget' command"));

  h.SetProto(3);
  EXPECT_EQ(Run({"hget", "h", "zz"}), kNull3);
  EXPECT_EQ(Run({"hget", "nokey", "zz"}), kNull3);
  EXPECT_EQ(Run({"hmget", "h", "zz", "a"}), "*2\r\n_\r\n" + Bulk("hello"));
}

TEST_F(HashCommandsTest, KeyspaceHitsAndMisses) {
  Run({"hset", "h", "a", "1"});
  uint64_t hits = h.server().stats.keyspace_hits.load();
  uint64_t misses = h.server().stats.keyspace_misses.load();
  Run({"hget", "h", "a"});
  Run({"hget", "nokey", "a"});
  Run({"hset", "h", "b", "2"});  // a write lookup counts nothing
  EXPECT_EQ(h.server().stats.keyspace_hits.load(), hits + 1);
  EXPECT_EQ(h.server().stats.keyspace_misses.load(), misses + 1);
}

// ---- HDEL ----------------------------------------------------------------------------------

TEST_F(HashCommandsTest, HDel) {
  EXPECT_EQ(Run({"hdel", "nokey", "a"}), Int(0));
  Run({"hset", "h", "a", "1", "b", "2", "c", "3"});
  EXPECT_EQ(Run({"hdel", "h", "a", "a", "zz"}), Int(1));  // a repeated field goes once
  EXPECT_EQ(Run({"hlen", "h"}), Int(2));
  EXPECT_EQ(Run({"hdel", "h", "zz"}), Int(0));
  EXPECT_EQ(Run({"hdel", "h", "b", "c", "b"}), Int(2));
  // The last field takes the key with it.
  EXPECT_EQ(Run({"exists", "h"}), Int(0));
  EXPECT_EQ(Run({"type", "h"}), "+none\r\n");
  EXPECT_EQ(Run({"hlen", "h"}), Int(0));
  // A new hash under the same name does not see old fields.
  EXPECT_EQ(Run({"hset", "h", "x", "1"}), Int(1));
  EXPECT_EQ(Run({"hgetall", "h"}), Arr({"x", "1"}));
  EXPECT_EQ(Run({"hdel", "h"}), Err("ERR wrong number of arguments for 'hdel' command"));
}

TEST_F(HashCommandsTest, DelOfAHashForgetsItsFields) {
  Fill("h", 50);
  EXPECT_EQ(Run({"del", "h"}), Int(1));
  EXPECT_EQ(Run({"hset", "h", "f0001", "new"}), Int(1));
  EXPECT_EQ(Run({"hlen", "h"}), Int(1));
  EXPECT_EQ(Run({"hgetall", "h"}), Arr({"f0001", "new"}));
}

// ---- HGETALL / HKEYS / HVALS -----------------------------------------------------------------

TEST_F(HashCommandsTest, GetAllShapes) {
  EXPECT_EQ(Run({"hgetall", "nokey"}), kEmptyArray);
  EXPECT_EQ(Run({"hkeys", "nokey"}), kEmptyArray);
  EXPECT_EQ(Run({"hvals", "nokey"}), kEmptyArray);
  Run({"hset", "h", "b", "2", "a", "1", "c", "3"});
  EXPECT_EQ(Run({"hgetall", "h"}), Arr({"a", "1", "b", "2", "c", "3"}));
  EXPECT_EQ(Run({"hkeys", "h"}), Arr({"a", "b", "c"}));
  EXPECT_EQ(Run({"hvals", "h"}), Arr({"1", "2", "3"}));

  h.SetProto(3);
  EXPECT_EQ(Run({"hgetall", "nokey"}), "%0\r\n");
  EXPECT_EQ(Run({"hkeys", "nokey"}), kEmptyArray);
  EXPECT_EQ(Run({"hvals", "nokey"}), kEmptyArray);
  EXPECT_EQ(Run({"hgetall", "h"}),
            "%3\r\n" + Bulk("a") + Bulk("1") + Bulk("b") + Bulk("2") + Bulk("c") + Bulk("3"));
  EXPECT_EQ(Run({"hkeys", "h"}), Arr({"a", "b", "c"}));
  EXPECT_EQ(Run({"hvals", "h"}), Arr({"1", "2", "3"}));
}

TEST_F(HashCommandsTest, GetAllLargeHash) {
  Fill("h", 1000);
  Value v = Parse(Run({"hgetall", "h"}));
  ASSERT_EQ(v.items.size(), 2000u);
  EXPECT_EQ(v.items[0].str, "f0000");
  EXPECT_EQ(v.items[1].str, "v0000");
  EXPECT_EQ(v.items[1998].str, "f0999");
  EXPECT_EQ(Parse(Run({"hkeys", "h"})).items.size(), 1000u);
  EXPECT_EQ(Parse(Run({"hvals", "h"})).items.size(), 1000u);
}

// ---- HINCRBY / HINCRBYFLOAT ------------------------------------------------------------------

TEST_F(HashCommandsTest, HIncrBy) {
  EXPECT_EQ(Run({"hincrby", "h", "n", "5"}), Int(5));  // creates the hash and the field
  EXPECT_EQ(Run({"hincrby", "h", "n", "-7"}), Int(-2));
  EXPECT_EQ(Run({"hget", "h", "n"}), Bulk("-2"));
  EXPECT_EQ(Run({"hlen", "h"}), Int(1));
  EXPECT_EQ(Run({"hincrby", "h", "n", "x"}), kNotInt);
  EXPECT_EQ(Run({"hincrby", "h", "n", "9223372036854775808"}), kNotInt);
  EXPECT_EQ(Run({"hincrby", "h", "n", " 1"}), kNotInt);

  Run({"hset", "h", "s", "abc", "sp", " 5", "f", "1.5", "max", "9223372036854775807", "min",
       "-9223372036854775808"});
  const std::string not_int = Err("ERR hash value is not an integer");
  EXPECT_EQ(Run({"hincrby", "h", "s", "1"}), not_int);
  EXPECT_EQ(Run({"hincrby", "h", "sp", "1"}), not_int);
  EXPECT_EQ(Run({"hincrby", "h", "f", "1"}), not_int);
  const std::string overflow = Err("ERR increment or decrement would overflow");
  EXPECT_EQ(Run({"hincrby", "h", "max", "1"}), overflow);
  EXPECT_EQ(Run({"hincrby", "h", "min", "-1"}), overflow);
  EXPECT_EQ(Run({"hincrby", "h", "max", "-1"}), Int(9223372036854775806LL));
  EXPECT_EQ(Run({"hincrby", "h", "min", "0"}), Int(-9223372036854775807LL - 1));
  EXPECT_EQ(Run({"hincrby", "h", "new", "-9223372036854775808"}), Int(-9223372036854775807LL - 1));
  // The increment is checked before the key's type.
  Run({"set", "str", "x"});
  EXPECT_EQ(Run({"hincrby", "str", "n", "x"}), kNotInt);
  EXPECT_EQ(Run({"hincrby", "str", "n", "1"}), kWrongType);
}

TEST_F(HashCommandsTest, HIncrByFloat) {
  EXPECT_EQ(Run({"hincrbyfloat", "h", "x", "10.5"}), Bulk("10.5"));
  EXPECT_EQ(Run({"hincrbyfloat", "h", "x", "0.1"}), Bulk("10.6"));
  EXPECT_EQ(Run({"hincrbyfloat", "h", "x", "-5"}), Bulk("5.6"));
  EXPECT_EQ(Run({"hincrbyfloat", "h", "y", "5.0e3"}), Bulk("5000"));
  EXPECT_EQ(Run({"hincrbyfloat", "h", "z", "-0.0"}), Bulk("0"));
  EXPECT_EQ(Run({"hincrbyfloat", "h", "w", "0x10"}), Bulk("16"));
  EXPECT_EQ(Run({"hincrbyfloat", "h", "p", "1.23456789012345678901"}), Bulk("1.23456789012345679"));
  EXPECT_EQ(Run({"hget", "h", "x"}), Bulk("5.6"));
  Run({"hset", "h", "i", "3", "e", "1e3", "s", "abc", "sp", " 1", "inf", "inf"});
  EXPECT_EQ(Run({"hincrbyfloat", "h", "i", "1.5"}), Bulk("4.5"));
  EXPECT_EQ(Run({"hincrbyfloat", "h", "e", "1"}), Bulk("1001"));
  const std::string not_float = Err("ERR hash value is not a float");
  EXPECT_EQ(Run({"hincrbyfloat", "h", "s", "1"}), not_float);
  EXPECT_EQ(Run({"hincrbyfloat", "h", "sp", "1"}), not_float);
  EXPECT_EQ(Run({"hincrbyfloat", "h", "inf", "1"}),
            Err("ERR increment would produce NaN or Infinity"));
  EXPECT_EQ(Run({"hincrbyfloat", "h", "x", "inf"}), Err("ERR value is NaN or Infinity"));
  EXPECT_EQ(Run({"hincrbyfloat", "h", "x", "-inf"}), Err("ERR value is NaN or Infinity"));
  const std::string bad = Err("ERR value is not a valid float");
  EXPECT_EQ(Run({"hincrbyfloat", "h", "x", "nan"}), bad);
  EXPECT_EQ(Run({"hincrbyfloat", "h", "x", "abc"}), bad);
  EXPECT_EQ(Run({"hincrbyfloat", "h", "x", " 1"}), bad);
  EXPECT_EQ(Run({"hincrbyfloat", "h", "x", ""}), bad);
  EXPECT_EQ(Run({"hincrbyfloat", "h", "x", "1e-5000"}), bad);  // underflow, as string2ld
  EXPECT_EQ(Run({"hincrbyfloat", "h", "x", "1e99999"}), bad);  // overflow
  // Past double range but within long double: formatted with every digit, as Redis does.
  std::string big = Parse(Run({"hincrbyfloat", "h", "big", "1e400"})).str;
  EXPECT_EQ(big.size(), 401u);
  EXPECT_EQ(big.substr(0, 5), "10000");
  EXPECT_EQ(Run({"hget", "h", "x"}), Bulk("5.6"));

  h.SetProto(3);  // still a bulk string
  EXPECT_EQ(Run({"hincrbyfloat", "h", "x", "1"}), Bulk("6.6"));
  Run({"set", "str", "x"});
  EXPECT_EQ(Run({"hincrbyfloat", "str", "x", "abc"}), bad);
  EXPECT_EQ(Run({"hincrbyfloat", "str", "x", "1"}), kWrongType);
}

// ---- HRANDFIELD ------------------------------------------------------------------------------

TEST_F(HashCommandsTest, HRandFieldArgumentErrors) {
  Run({"hset", "h", "a", "1"});
  const std::string range =
      Err("ERR value is out of range, value must between -9223372036854775807 and "
          "9223372036854775807");
  EXPECT_EQ(Run({"hrandfield", "h", "-9223372036854775808"}), range);
  EXPECT_EQ(Run({"hrandfield", "h", "-9223372036854775808", "withvalues"}), range);
  EXPECT_EQ(Run({"hrandfield", "h", "-9223372036854770000", "withvalues"}),
            Err("ERR value is out of range"));
  EXPECT_EQ(Run({"hrandfield", "h", "9223372036854775807", "withvalues"}),
            Err("ERR value is out of range"));
  EXPECT_EQ(Run({"hrandfield", "h", "abc"}), kNotInt);
  EXPECT_EQ(Run({"hrandfield", "h", "abc", "foo"}), kNotInt);  // the count first
  EXPECT_EQ(Run({"hrandfield", "h", "1", "foo"}), kSyntax);
  EXPECT_EQ(Run({"hrandfield", "h", "1", "withvalues", "x"}), kSyntax);
  EXPECT_EQ(Run({"hrandfield", "h", "1", "WithValues"}), Arr({"a", "1"}));
  // Argument errors come before the key's type.
  Run({"set", "str", "x"});
  EXPECT_EQ(Run({"hrandfield", "str", "1", "foo"}), kSyntax);
  EXPECT_EQ(Run({"hrandfield", "str", "1"}), kWrongType);
  EXPECT_EQ(Run({"hrandfield", "str"}), kWrongType);
}

TEST_F(HashCommandsTest, HRandFieldEmptyAndZero) {
  EXPECT_EQ(Run({"hrandfield", "nokey"}), kNil);
  EXPECT_EQ(Run({"hrandfield", "nokey", "5"}), kEmptyArray);
  EXPECT_EQ(Run({"hrandfield", "nokey", "-5", "withvalues"}), kEmptyArray);
  Run({"hset", "h", "a", "1"});
  EXPECT_EQ(Run({"hrandfield", "h", "0"}), kEmptyArray);
  EXPECT_EQ(Run({"hrandfield", "h", "0", "withvalues"}), kEmptyArray);
  h.SetProto(3);
  EXPECT_EQ(Run({"hrandfield", "nokey"}), kNull3);
  EXPECT_EQ(Run({"hrandfield", "nokey", "5"}), kEmptyArray);
  EXPECT_EQ(Run({"hrandfield", "h", "0"}), kEmptyArray);
}

TEST_F(HashCommandsTest, HRandFieldSingle) {
  Fill("h", 10);
  std::set<std::string> seen;
  for (int i = 0; i < 300; ++i) {
    Value v = Parse(Run({"hrandfield", "h"}));
    ASSERT_EQ(v.type, '$');
    seen.insert(v.str);
  }
  EXPECT_EQ(seen.size(), 10u);  // each has (9/10)^300 odds of never coming
  EXPECT_EQ(*seen.begin(), "f0000");
}

TEST_F(HashCommandsTest, HRandFieldPositiveCountIsDistinct) {
  Fill("h", 10);
  // count >= size: the whole hash.
  for (const char* count : {"10", "20"}) {
    EXPECT_EQ(Strings(Parse(Run({"hrandfield", "h", count}))).size(), 10u);
    std::vector<std::string> all = Strings(Parse(Run({"hrandfield", "h", count, "withvalues"})));
    ASSERT_EQ(all.size(), 20u);
    for (size_t i = 0; i < all.size(); i += 2) EXPECT_EQ("v" + all[i].substr(1), all[i + 1]);
  }
  // count < size: distinct fields, and every field comes eventually.
  for (int count : {1, 2, 8}) {
    std::set<std::string> ever;
    for (int round = 0; round < 200; ++round) {
      std::vector<std::string> got =
          Strings(Parse(Run({"hrandfield", "h", std::to_string(count), "withvalues"})));
      ASSERT_EQ(got.size(), static_cast<size_t>(count) * 2);
      std::set<std::string> distinct;
      for (size_t i = 0; i < got.size(); i += 2) {
        EXPECT_EQ("v" + got[i].substr(1), got[i + 1]);
        distinct.insert(got[i]);
      }
      EXPECT_EQ(distinct.size(), static_cast<size_t>(count));
      ever.insert(distinct.begin(), distinct.end());
    }
    EXPECT_EQ(ever.size(), 10u);
  }
}

TEST_F(HashCommandsTest, HRandFieldNegativeCountRepeatsUniformly) {
  Fill("h", 10);
  for (const char* count : {"-20", "-1001", "-5"}) {
    size_t n = static_cast<size_t>(-std::stoll(count));
    EXPECT_EQ(Strings(Parse(Run({"hrandfield", "h", count}))).size(), n);
    EXPECT_EQ(Strings(Parse(Run({"hrandfield", "h", count, "withvalues"}))).size(), 2 * n);
  }
  // Chi-square over 10 fields (df = 9): 40 has a 1e-5 chance, as Redis's own test uses.
  for (const char* count : {"-1000", "-9"}) {
    std::map<std::string, int> freq;
    int total = 0;
    for (int round = 0; round < (std::string(count) == "-9" ? 112 : 1); ++round) {
      for (const std::string& f : Strings(Parse(Run({"hrandfield", "h", count})))) {
        ++freq[f];
        ++total;
      }
    }
    ASSERT_EQ(freq.size(), 10u);
    double expected = total / 10.0, chi = 0;
    for (const auto& [f, n] : freq) chi += (n - expected) * (n - expected) / expected;
    EXPECT_LT(chi, 40) << count;
  }
  // Draws smaller than the hash (the sorted-walk path) come in draw order, not field order.
  Fill("big", 500);
  bool unordered = false;
  for (int round = 0; round < 20 && !unordered; ++round) {
    std::vector<std::string> got = Strings(Parse(Run({"hrandfield", "big", "-50"})));
    ASSERT_EQ(got.size(), 50u);
    unordered = !std::is_sorted(got.begin(), got.end());
  }
  EXPECT_TRUE(unordered);
}

TEST_F(HashCommandsTest, HRandFieldResp3Shapes) {
  Run({"hset", "h", "a", "1", "b", "2", "c", "3", "d", "4"});
  h.SetProto(3);
  for (const char* count : {"3", "-3", "10", "1"}) {
    Value v = Parse(Run({"hrandfield", "h", count, "withvalues"}));
    EXPECT_EQ(v.type, '*');
    EXPECT_EQ(v.items.size(), std::string(count) == "10" ? 4u : count[0] == '1' ? 1u : 3u);
    for (const Value& pair : v.items) {
      ASSERT_EQ(pair.type, '*');
      ASSERT_EQ(pair.items.size(), 2u);
      EXPECT_EQ(pair.items[0].str[0] - 'a' + 1, std::stoi(pair.items[1].str));
    }
    Value flat = Parse(Run({"hrandfield", "h", count}));
    for (const Value& f : flat.items) EXPECT_EQ(f.type, '$');
  }
}

TEST_F(HashCommandsTest, HRandFieldHugeNegativeCountStopsAtTheOutputLimit) {
  Run({"hset", "h", "a", "1"});
  h.config().output_limit_normal.hard = 100000;
  std::string reply = Run({"hrandfield", "h", "-9223372036854775807"});
  EXPECT_EQ(reply.substr(0, 22), "*9223372036854775807\r\n");
  EXPECT_GT(reply.size(), 100000u);
  EXPECT_LT(reply.size(), 200000u);
  EXPECT_TRUE(h.client().close_after_reply);  // the client goes, as in Redis
}

// ---- HSCAN -----------------------------------------------------------------------------------

TEST_F(HashCommandsTest, HScanErrorsAndEmpty) {
  const std::string empty_scan = "*2\r\n$1\r\n0\r\n*0\r\n";
  EXPECT_EQ(Run({"hscan", "nokey", "0"}), empty_scan);
  EXPECT_EQ(Run({"hscan", "nokey", "0", "count", "0"}), empty_scan);  // key before options
  EXPECT_EQ(Run({"hscan", "nokey", "abc"}), Err("ERR invalid cursor"));
  Run({"hset", "h", "a", "1"});
  EXPECT_EQ(Run({"hscan", "h", "abc"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"hscan", "h", " 1"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"hscan", "h", "18446744073709551616"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"hscan", "h", "0", "count", "0"}), kSyntax);
  EXPECT_EQ(Run({"hscan", "h", "0", "count", "-1"}), kSyntax);
  EXPECT_EQ(Run({"hscan", "h", "0", "count", "x"}), kNotInt);
  EXPECT_EQ(Run({"hscan", "h", "0", "count"}), kSyntax);
  EXPECT_EQ(Run({"hscan", "h", "0", "match"}), kSyntax);
  EXPECT_EQ(Run({"hscan", "h", "0", "type", "string"}), kSyntax);
  EXPECT_EQ(Run({"hscan", "h", "0", "foo", "bar"}), kSyntax);
  Run({"set", "str", "x"});
  EXPECT_EQ(Run({"hscan", "str", "abc"}), Err("ERR invalid cursor"));
  EXPECT_EQ(Run({"hscan", "str", "0"}), kWrongType);
  EXPECT_EQ(Run({"hscan", "str", "0", "count", "0"}), kWrongType);
}

TEST_F(HashCommandsTest, HScanSmallHashComesWhole) {
  Fill("h", 20);
  std::string reply = Run({"hscan", "h", "0", "count", "2"});
  Value v = Parse(reply);
  EXPECT_EQ(v.items[0].str, "0");
  EXPECT_EQ(v.items[1].items.size(), 40u);
  // Any cursor answers the whole small hash, as Redis does for a listpack.
  EXPECT_EQ(Run({"hscan", "h", "12345", "count", "2"}), reply);
  v = Parse(Run({"hscan", "h", "0", "match", "f001*"}));
  EXPECT_EQ(Strings(v.items[1]),
            std::vector<std::string>({"f0010", "v0010", "f0011", "v0011", "f0012", "v0012", "f0013",
                                      "v0013", "f0014", "v0014", "f0015", "v0015", "f0016", "v0016",
                                      "f0017", "v0017", "f0018", "v0018", "f0019", "v0019"}));
  EXPECT_EQ(Parse(Run({"hscan", "h", "0", "MATCH", "*", "COUNT", "1"})).items[1].items.size(), 40u);
  h.SetProto(3);  // an array in RESP3 too
  EXPECT_EQ(Run({"hscan", "h", "0", "match", "f0000"}),
            "*2\r\n$1\r\n0\r\n*2\r\n" + Bulk("f0000") + Bulk("v0000"));
}

TEST_F(HashCommandsTest, HScanPagesABigHash) {
  Fill("h", 1000);
  int calls;
  std::map<std::string, int> seen = ScanAll("h", {}, &calls);
  EXPECT_EQ(seen.size(), 1000u);
  for (const auto& [f, n] : seen) EXPECT_EQ(n, 1) << f;  // the table resumes exactly
  EXPECT_EQ(calls, 100);
  seen = ScanAll("h", {"count", "300"}, &calls);
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_EQ(calls, 4);
  seen = ScanAll("h", {"match", "f00*", "count", "50"}, &calls);
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(calls, 20);
  // Values come with their fields.
  Value v = Parse(Run({"hscan", "h", "0", "count", "3"}));
  EXPECT_EQ(Strings(v.items[1]),
            std::vector<std::string>({"f0000", "v0000", "f0001", "v0001", "f0002", "v0002"}));
  EXPECT_NE(v.items[0].str, "0");
}

TEST_F(HashCommandsTest, HScanLongValuesPage) {
  // Few fields but a value too long for a listpack: Redis pages such a hash.
  Fill("h", 20, std::string(70, 'x'));
  int calls;
  std::map<std::string, int> seen = ScanAll("h", {"count", "5"}, &calls);
  EXPECT_EQ(seen.size(), 20u);
  EXPECT_EQ(calls, 4);
  // hash-max-listpack-value raised: the same hash now comes whole.
  h.config().hash_max_listpack_value = 100;
  seen = ScanAll("h", {"count", "5"}, &calls);
  EXPECT_EQ(calls, 1);
  h.config().hash_max_listpack_entries = 10;
  seen = ScanAll("h", {"count", "5"}, &calls);
  EXPECT_EQ(calls, 4);
}

TEST_F(HashCommandsTest, HScanReturnsEveryFieldPresentThroughout) {
  Fill("h", 600);
  // Between calls: delete some fields, add new ones before and after the cursor.
  int calls;
  std::map<std::string, int> seen = ScanAll("h", {"count", "20"}, &calls, [this](int call) {
    char buf[16];
    snprintf(buf, sizeof(buf), "f%04d", 599 - call);
    Run({"hdel", "h", buf});  // from the end: never seen
    Run({"hset", "h", "a" + std::to_string(call), "x", "z" + std::to_string(call), "y"});
  });
  int present = 0;
  for (int i = 0; i < 600; ++i) {
    char buf[16];
    snprintf(buf, sizeof(buf), "f%04d", i);
    if (Run({"hexists", "h", buf}) == Int(1)) {
      ++present;
      EXPECT_EQ(seen.count(buf), 1u) << buf;
    }
  }
  EXPECT_GT(present, 500);
}

TEST_F(HashCommandsTest, HScanForgottenCursorResumesAtItsPrefix) {
  Fill("h", 300);
  // A cursor whose table entry is gone (ticket 0 is never issued) resumes at the 5 bytes it
  // carries: here "f0100".
  uint64_t prefix = 0;
  for (char c : std::string("f0100")) prefix = (prefix << 8) | static_cast<uint8_t>(c);
  std::string cursor = std::to_string(prefix << 23);
  Value v = Parse(Run({"hscan", "h", cursor, "count", "2"}));
  EXPECT_EQ(Strings(v.items[1]), std::vector<std::string>({"f0100", "v0100", "f0101", "v0101"}));
  // A short prefix is zero-padded in the cursor; the padding is not part of the field.
  prefix = static_cast<uint64_t>('f') << 32;
  v = Parse(Run({"hscan", "h", std::to_string(prefix << 23), "count", "1"}));
  EXPECT_EQ(Strings(v.items[1]), std::vector<std::string>({"f0000", "v0000"}));
  // A cursor issued for another key only lends this one its prefix.
  std::vector<std::string> argv = {"hset", "other"};
  for (int i = 0; i < 300; ++i) {
    argv.push_back("f0" + std::string(100, 'x') + std::to_string(1000 + i));
    argv.push_back("v");
  }
  Run(argv);
  Value first = Parse(Run({"hscan", "other", "0", "count", "250"}));
  v = Parse(Run({"hscan", "h", first.items[0].str, "count", "1"}));
  EXPECT_EQ(v.items[0].str, "0");  // resumed at "f0xxx", after every field of h
  EXPECT_TRUE(v.items[1].items.empty());
  v = Parse(Run({"hscan", "other", first.items[0].str, "count", "1"}));
  ASSERT_EQ(v.items[1].items.size(), 2u);
  EXPECT_EQ(v.items[1].items[0].str, "f0" + std::string(100, 'x') + "1250");
}

TEST_F(HashCommandsTest, HScanLongFieldsSharingAPrefixStillProgress) {
  // 40 fields whose first 600 bytes are equal: a cursor keeps 512 bytes of its field, so the
  // group is taken whole rather than revisited forever.
  const std::string common(600, 'p');
  std::vector<std::string> argv = {"hset", "h"};
  for (int i = 0; i < 40; ++i) {
    argv.push_back(common + std::to_string(100 + i));
    argv.push_back("v");
  }
  for (int i = 0; i < 40; ++i) {
    argv.push_back("q" + std::to_string(100 + i));
    argv.push_back("v");
  }
  Run(argv);
  int calls;
  std::map<std::string, int> seen = ScanAll("h", {"count", "5"}, &calls);
  EXPECT_EQ(seen.size(), 80u);
  for (const auto& [f, n] : seen) EXPECT_EQ(n, 1);
  EXPECT_EQ(calls, 9);  // 40 at once, then 8 calls of 5 over the "q" fields
}

// ---- types, expiry, databases, transactions, threads -----------------------------------------

TEST_F(HashCommandsTest, WrongTypeEverywhere) {
  Run({"set", "str", "x"});
  PutSetKey("set");
  for (const char* key : {"str", "set"}) {
    const std::string k = key;
    EXPECT_EQ(Run({"hset", k, "a", "1"}), kWrongType) << k;
    EXPECT_EQ(Run({"hmset", k, "a", "1"}), kWrongType);
    EXPECT_EQ(Run({"hsetnx", k, "a", "1"}), kWrongType);
    EXPECT_EQ(Run({"hget", k, "a"}), kWrongType);
    EXPECT_EQ(Run({"hmget", k, "a"}), kWrongType);
    EXPECT_EQ(Run({"hgetall", k}), kWrongType);
    EXPECT_EQ(Run({"hkeys", k}), kWrongType);
    EXPECT_EQ(Run({"hvals", k}), kWrongType);
    EXPECT_EQ(Run({"hlen", k}), kWrongType);
    EXPECT_EQ(Run({"hstrlen", k, "a"}), kWrongType);
    EXPECT_EQ(Run({"hexists", k, "a"}), kWrongType);
    EXPECT_EQ(Run({"hdel", k, "a"}), kWrongType);
    EXPECT_EQ(Run({"hincrby", k, "a", "1"}), kWrongType);
    EXPECT_EQ(Run({"hincrbyfloat", k, "a", "1"}), kWrongType);
    EXPECT_EQ(Run({"hrandfield", k}), kWrongType);
    EXPECT_EQ(Run({"hrandfield", k, "2", "withvalues"}), kWrongType);
    EXPECT_EQ(Run({"hscan", k, "0"}), kWrongType);
  }
  EXPECT_EQ(Run({"get", "str"}), Bulk("x"));
  Run({"hset", "h", "a", "1"});
  EXPECT_EQ(Run({"get", "h"}), kWrongType);
  EXPECT_EQ(Run({"incr", "h"}), kWrongType);
}

TEST_F(HashCommandsTest, ExpiryAndTtl) {
  Run({"hset", "h", "a", "1", "b", "2"});
  EXPECT_EQ(Run({"pexpire", "h", "1000"}), Int(1));
  Run({"hset", "h", "c", "3"});  // writes keep the TTL
  Run({"hincrby", "h", "n", "1"});
  Run({"hdel", "h", "a"});
  EXPECT_EQ(Run({"pttl", "h"}), Int(1000));
  h.AdvanceClockMs(999);
  EXPECT_EQ(Run({"hlen", "h"}), Int(3));
  h.AdvanceClockMs(2);
  EXPECT_EQ(Run({"hlen", "h"}), Int(0));
  EXPECT_EQ(Run({"hget", "h", "b"}), kNil);
  EXPECT_EQ(Run({"hgetall", "h"}), kEmptyArray);
  EXPECT_EQ(Run({"hscan", "h", "0"}), "*2\r\n$1\r\n0\r\n*0\r\n");
  EXPECT_EQ(Run({"hrandfield", "h"}), kNil);
  // Recreated after expiry: no TTL, no old fields.
  EXPECT_EQ(Run({"hset", "h", "x", "1"}), Int(1));
  EXPECT_EQ(Run({"pttl", "h"}), Int(-1));
  EXPECT_EQ(Run({"hgetall", "h"}), Arr({"x", "1"}));
  EXPECT_EQ(Run({"hincrby", "h", "b", "1"}), Int(1));
}

TEST_F(HashCommandsTest, DatabasesAreSeparate) {
  Run({"hset", "h", "a", "db0"});
  EXPECT_EQ(Run({"select", "1"}), kOk);
  EXPECT_EQ(Run({"hget", "h", "a"}), kNil);
  EXPECT_EQ(Run({"hset", "h", "a", "db1", "b", "x"}), Int(2));
  EXPECT_EQ(Run({"hlen", "h"}), Int(2));
  EXPECT_EQ(Run({"select", "0"}), kOk);
  EXPECT_EQ(Run({"hgetall", "h"}), Arr({"a", "db0"}));
  EXPECT_EQ(Run({"select", "1"}), kOk);
  EXPECT_EQ(Run({"hdel", "h", "a", "b"}), Int(2));
  EXPECT_EQ(Run({"select", "0"}), kOk);
  EXPECT_EQ(Run({"hlen", "h"}), Int(1));
}

TEST_F(HashCommandsTest, MultiExec) {
  Run({"hset", "h", "a", "1"});
  EXPECT_EQ(Run({"multi"}), kOk);
  EXPECT_EQ(Run({"hset", "h", "b", "2"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"hincrby", "h", "a", "10"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"hincrbyfloat", "h", "c", "1.5"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"hdel", "h", "b"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"hgetall", "h"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"hlen", "h"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"hscan", "h", "0"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"exec"}), "*7\r\n" + Int(1) + Int(11) + Bulk("1.5") + Int(1) +
                               Arr({"a", "11", "c", "1.5"}) + Int(2) + "*2\r\n$1\r\n0\r\n" +
                               Arr({"a", "11", "c", "1.5"}));
  // A transaction that empties the hash deletes it.
  Run({"multi"});
  Run({"hdel", "h", "a"});
  Run({"hdel", "h", "c"});
  Run({"exists", "h"});
  EXPECT_EQ(Run({"exec"}), "*3\r\n" + Int(1) + Int(1) + Int(0));
}

TEST_F(HashCommandsTest, WatchSeesHashWrites) {
  InstallWatchLayer(&h.server());
  Run({"hset", "h", "a", "1"});
  ASSERT_EQ(Run({"watch", "h"}), kOk);
  auto other = h.NewClient();
  h.Run(*other, {"hset", "h", "a", "2"});
  Run({"multi"});
  Run({"hget", "h", "a"});
  EXPECT_EQ(Run({"exec"}), "*-1\r\n");
}

TEST_F(HashCommandsTest, IncrementsAreAtomicAcrossThreads) {
  constexpr int kThreads = 8, kIncrs = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this] {
      auto client = h.NewClient();
      for (int i = 0; i < kIncrs; ++i) {
        h.Run(*client, {"hincrby", "h", "n", "1"});
        h.Run(*client, {"hincrbyfloat", "h", "f", "0.5"});
        h.Run(*client, {"hset", "h", "x" + std::to_string(i), "1"});
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(Run({"hget", "h", "n"}), Bulk(std::to_string(kThreads * kIncrs)));
  EXPECT_EQ(Run({"hget", "h", "f"}), Bulk(std::to_string(kThreads * kIncrs / 2)));
  EXPECT_EQ(Run({"hlen", "h"}), Int(kIncrs + 2));
  EXPECT_EQ(Parse(Run({"hkeys", "h"})).items.size(), static_cast<size_t>(kIncrs + 2));
}

TEST_F(HashCommandsTest, CommandTableEntries) {
  const CommandTable& table = *h.server().table;
  struct Want {
    const char* name;
    int arity;
  };
  for (Want w : {Want{"hset", -4},
                 {"hsetnx", 4},
                 {"hmset", -4},
                 {"hget", 3},
                 {"hmget", -3},
                 {"hgetall", 2},
                 {"hkeys", 2},
                 {"hvals", 2},
                 {"hlen", 2},
                 {"hstrlen", 3},
                 {"hexists", 3},
                 {"hdel", -3},
                 {"hincrby", 4},
                 {"hincrbyfloat", 4},
                 {"hrandfield", -2},
                 {"hscan", -3}}) {
    const CommandSpec* spec = table.Lookup(w.name);
    ASSERT_NE(spec, nullptr) << w.name;
    EXPECT_EQ(spec->arity, w.arity) << w.name;
    EXPECT_EQ(spec->group, "hash") << w.name;
    EXPECT_EQ(spec->first_key, 1);
    EXPECT_EQ(spec->last_key, 1);
    EXPECT_EQ(spec->step, 1);
  }
  EXPECT_TRUE(table.Lookup("hset")->flags & kCmdWrite);
  EXPECT_TRUE(table.Lookup("hdel")->flags & kCmdFast);
  EXPECT_FALSE(table.Lookup("hdel")->flags & kCmdDenyOom);
  EXPECT_TRUE(table.Lookup("hgetall")->flags & kCmdReadOnly);
  EXPECT_FALSE(table.Lookup("hgetall")->flags & kCmdFast);
}

}  // namespace
}  // namespace ringkv
