// Group commit (src/group_commit.h): the overlay and the stripes it keeps, on a MemoryStorage and
// real KeyLocks; then through the real server (worker loops, RocksDB) over TCP: read-your-writes
// inside pipelines, commands that must commit the group first, and read-modify-write atomicity
// across worker threads while both hold groups.

#include "txn/group_commit.h"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdarg>
#include <filesystem>
#include <future>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "command_harness.h"
#include "commands/command_table.h"
#include "storage/key_codec.h"
#include "storage/memory_storage.h"
#include "test_server.h"

namespace ringkv {
namespace {

using namespace std::chrono_literals;

std::string StoredValue(storage::Storage& s, std::string_view key) {
  storage::Entry e;
  return s.Get(key, &e).ok() ? e.payload : "(nil)";
}

// The stored value of user key `key` of database 0, as commands wrote it.
std::string UserValue(storage::Storage& s, std::string_view key) {
  return StoredValue(s, storage::QualifyKey(0, key));
}

// Polls until pred() holds or 10 s passed (a correctness wait, not a speed assertion).
template <typename Pred>
bool Eventually(Pred pred) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return pred();
}

// A storage whose batch writes fail (a full disk, a read-only RocksDB).
class FailingWrites final : public storage::Storage {
 public:
  explicit FailingWrites(storage::Storage* base) : base_(base) {}
  Status Get(std::string_view k, storage::Entry* e) override { return base_->Get(k, e); }
  Status Exists(std::string_view k, storage::Entry* e) override { return base_->Exists(k, e); }
  Status Put(std::string_view, std::string_view, uint64_t, storage::ValueType) override {
    return Status::IOError("disk full");
  }
  Status Delete(std::string_view) override { return Status::IOError("disk full"); }
  Status Write(const storage::WriteBatch&) override { return Status::IOError("disk full"); }
  Status Scan(uint64_t c, size_t n, std::vector<storage::ScanItem>* out, uint64_t* next,
              uint64_t end) override {
    return base_->Scan(c, n, out, next, end);
  }
  Status CountKeys(uint64_t* k, uint64_t* e) override { return base_->CountKeys(k, e); }
  Status GetElement(std::string_view k, std::string* v) override {
    return base_->GetElement(k, v);
  }
  std::unique_ptr<storage::ElementIterator> NewElementIterator(std::string_view lo,
                                                               std::string_view hi,
                                                               bool rev) override {
    return base_->NewElementIterator(lo, hi, rev);
  }
  Status DeleteAll() override { return Status::IOError("disk full"); }
  Status Flush() override { return Status::OK(); }
  void SetSyncMode(storage::SyncMode) override {}
  storage::StorageStats Stats() override { return base_->Stats(); }

 private:
  storage::Storage* base_;
};

uint64_t g_fake_now = 0;
uint64_t FakeNow() { return g_fake_now; }

TEST(GroupCommitTest, WritesStayInTheOverlayUntilCommit) {
  auto base = storage::NewMemoryStorage();
  KeyLocks locks;
  GroupCommit group(base.get(), &locks);
  ASSERT_TRUE(base->Put("old", "1", 0).ok());

  group.Lock("a");
  ASSERT_TRUE(group.overlay()->Put("a", "v", 0).ok());
  group.Lock("old");
  ASSERT_TRUE(group.overlay()->Delete("old").ok());
  EXPECT_EQ(StoredValue(*group.overlay(), "a"), "v");  // read your writes
  EXPECT_EQ(StoredValue(*group.overlay(), "old"), "(nil)");
  EXPECT_EQ(StoredValue(*base, "a"), "(nil)");  // not stored yet
  EXPECT_EQ(StoredValue(*base, "old"), "1");
  EXPECT_EQ(group.pending(), 2u);
  EXPECT_TRUE(group.MustHoldReplies());

  ASSERT_TRUE(group.Commit().ok());
  EXPECT_EQ(StoredValue(*base, "a"), "v");
  EXPECT_EQ(StoredValue(*base, "old"), "(nil)");
  EXPECT_EQ(group.pending(), 0u);
  EXPECT_EQ(group.held_stripes(), 0u);
  EXPECT_FALSE(group.MustHoldReplies());
  EXPECT_EQ(group.commits(), 1u);
}

TEST(GroupCommitTest, KeepsTheStripeUntilCommitSoAnotherThreadWaits) {
  auto base = storage::NewMemoryStorage();
  KeyLocks locks;
  GroupCommit group(base.get(), &locks);
  { auto g = group.Lock("counter"); }  // the handler's guard goes; the group keeps the stripe
  ASSERT_TRUE(group.overlay()->Put("counter", "1", 0).ok());
  EXPECT_EQ(group.held_stripes(), 1u);

  // Another worker's INCR: lock, read, write. It must not read before the group's commit.
  std::promise<std::string> read;
  std::thread other([&] {
    auto g = locks.Lock("counter");
    read.set_value(StoredValue(*base, "counter"));
  });
  std::future<std::string> f = read.get_future();
  EXPECT_EQ(f.wait_for(100ms), std::future_status::timeout);
  ASSERT_TRUE(group.Commit().ok());
  EXPECT_EQ(f.get(), "1");  // it saw the committed write
  other.join();
}

TEST(GroupCommitTest, LockingTwiceKeepsOneHoldAndCommitReleasesIt) {
  auto base = storage::NewMemoryStorage();
  KeyLocks locks;
  GroupCommit group(base.get(), &locks);
  group.Lock("k");
  group.Lock("k");
  group.LockAll(std::vector<std::string_view>{"k", "k"});
  EXPECT_EQ(group.held_stripes(), 1u);
  ASSERT_TRUE(group.Commit().ok());
  // Nothing left locked: another thread takes it at once.
  std::thread other([&] {
    EXPECT_TRUE(locks.TryLockStripe(KeyLocks::StripeOf("k")));
    locks.UnlockStripe(KeyLocks::StripeOf("k"));
  });
  other.join();
}

// The group never waits while holding stripes: a busy stripe makes it commit first (so the
// holder, possibly waiting for one of ours, can go on), then wait.
TEST(GroupCommitTest, ABusyStripeCommitsBeforeWaiting) {
  for (bool lock_all : {false, true}) {
    auto base = storage::NewMemoryStorage();
    KeyLocks locks;
    std::optional<KeyLocks::Guard> other_holds(locks.Lock("b"));

    std::atomic<bool> done{false};
    std::thread worker([&] {
      GroupCommit group(base.get(), &locks);
      group.Lock("a");
      ASSERT_TRUE(group.overlay()->Put("a", "1", 0).ok());
      if (lock_all) {
        group.LockAll(std::vector<std::string_view>{"a", "b"});
      } else {
        group.Lock("b");
      }
      ASSERT_TRUE(group.overlay()->Put("b", "2", 0).ok());
      ASSERT_TRUE(group.Commit().ok());
      done = true;
    });
    // "a" reached storage and its stripe is free while the worker waits for "b".
    EXPECT_TRUE(Eventually([&] { return StoredValue(*base, "a") == "1"; })) << lock_all;
    EXPECT_TRUE(Eventually([&] {
      if (!locks.TryLockStripe(KeyLocks::StripeOf("a"))) return false;
      locks.UnlockStripe(KeyLocks::StripeOf("a"));
      return true;
    }));
    EXPECT_FALSE(done.load());
    other_holds.reset();
    worker.join();
    EXPECT_TRUE(done.load());
    EXPECT_EQ(StoredValue(*base, "b"), "2");
  }
}

TEST(GroupCommitTest, OnlyPointCommandsOfTheKeyFamiliesJoin) {
  auto table = CommandTable::CreateDefault();
  auto base = storage::NewMemoryStorage();
  KeyLocks locks;
  GroupCommit group(base.get(), &locks);
  for (const char* name : {"set", "get", "incr", "mset", "mget", "del", "expire", "rename", "getex",
                           "append", "exists", "ttl"}) {
    EXPECT_TRUE(group.Joins(*table->Lookup(name))) << name;
  }
  for (const char* name : {"ping", "dbsize", "keys", "scan", "flushall", "randomkey", "exec",
                           "multi", "watch", "info", "config", "client", "cluster"}) {
    EXPECT_FALSE(group.Joins(*table->Lookup(name))) << name;
  }
}

TEST(GroupCommitTest, AFailedCommitIsReportedOnceAndPausesTheGroup) {
  auto mem = storage::NewMemoryStorage();
  FailingWrites base(mem.get());
  KeyLocks locks;
  GroupCommit group(&base, &locks);
  auto table = CommandTable::CreateDefault();
  const CommandSpec& set = *table->Lookup("set");
  g_fake_now = 1'000'000;
  storage::SetClockForTest(FakeNow);

  group.Lock("k");
  ASSERT_TRUE(group.overlay()->Put("k", "v", 0).ok());
  Status s = group.Commit();
  EXPECT_EQ(s.code(), Code::kIOError) << s.ToString();
  EXPECT_EQ(group.pending(), 0u);  // dropped, not retried behind the clients' backs
  EXPECT_EQ(group.held_stripes(), 0u);
  EXPECT_TRUE(group.MustHoldReplies());  // until the worker has closed the waiting clients
  EXPECT_TRUE(group.TakeFailure());
  EXPECT_FALSE(group.TakeFailure());
  EXPECT_FALSE(group.MustHoldReplies());
  EXPECT_EQ(StoredValue(*mem, "k"), "(nil)");

  // Paused: commands run one by one and get their own errors; then the group resumes.
  EXPECT_FALSE(group.Joins(set));
  g_fake_now += GroupCommit::kFailurePauseMs;
  EXPECT_TRUE(group.Joins(set));
  storage::SetClockForTest(nullptr);
}

// group_commit.h: a joined handler locks once (a busy stripe makes the group release every
// stripe it holds, so a second lock call could drop the first one's in the middle of a
// read-modify-write). Runs every command that joins, with arguments that reach its write path,
// and fails when a joining command is missing from the list, so a new one gets checked too.
TEST(GroupCommitTest, EveryJoiningCommandLocksAtMostOnce) {
  CommandHarness h;
  GroupCommit group(h.server().storage, &h.server().locks);
  GroupCommit::SetCurrent(&group);
  const std::string far = std::to_string(h.NowMs() / 1000 + 100000);
  const std::string far_ms = std::to_string(h.NowMs() + 100000000);
  const std::vector<std::vector<std::string>> calls = {
      {"set", "k", "v"},
      {"set", "k", "v2", "XX", "GET"},
      {"set", "n", "v", "NX", "EX", "100"},
      {"set", "k", "v3", "KEEPTTL"},
      {"setnx", "sn", "v"},
      {"setex", "se", "100", "v"},
      {"psetex", "pe", "100000", "v"},
      {"getset", "k", "v4"},
      {"get", "k"},
      {"getdel", "pe"},
      {"getex", "k", "EX", "100"},
      {"getex", "k", "PERSIST"},
      {"mget", "k", "n", "none"},
      {"mset", "a", "1", "b", "2"},
      {"msetnx", "c", "1", "d", "2"},
      {"incr", "i"},
      {"decr", "i"},
      {"incrby", "i", "5"},
      {"decrby", "i", "2"},
      {"incrbyfloat", "f", "1.5"},
      {"append", "k", "x"},
      {"strlen", "k"},
      {"getrange", "k", "0", "-1"},
      {"setrange", "k", "2", "zz"},
      {"del", "a", "b", "none"},
      {"unlink", "c"},
      {"exists", "k", "n"},
      {"touch", "k", "d"},
      {"type", "k"},
      {"expire", "k", "100"},
      {"pexpire", "k", "100000"},
      {"expireat", "k", far},
      {"pexpireat", "k", far_ms},
      {"ttl", "k"},
      {"pttl", "k"},
      {"expiretime", "k"},
      {"pexpiretime", "k"},
      {"persist", "k"},
      {"rename", "k", "k2"},
      {"renamenx", "k2", "k3"},
      {"lcs", "k3", "n"},
      {"copy", "k3", "kc"},
      {"move", "kc", "1"},
      {"sort", "nokey"},
      {"sort_ro", "nokey"},
      // Issue 10's families.
      {"hset", "h", "f", "v"}, {"hsetnx", "h", "g", "v"}, {"hmset", "h", "a", "1", "b", "2"},
      {"hget", "h", "f"}, {"hmget", "h", "f", "a"}, {"hgetall", "h"}, {"hkeys", "h"},
      {"hvals", "h"}, {"hlen", "h"}, {"hstrlen", "h", "f"}, {"hexists", "h", "f"},
      {"hdel", "h", "g"}, {"hincrby", "h", "a", "1"}, {"hincrbyfloat", "h", "b", "1.5"},
      {"hrandfield", "h"}, {"hscan", "h", "0"},
      {"lpush", "l", "a", "b"}, {"rpush", "l", "c"}, {"lpushx", "l", "x"}, {"rpushx", "l", "y"},
      {"lpop", "l"}, {"rpop", "l"}, {"llen", "l"}, {"lrange", "l", "0", "-1"},
      {"lindex", "l", "0"}, {"lset", "l", "0", "z"}, {"linsert", "l", "BEFORE", "z", "w"},
      {"lrem", "l", "1", "w"}, {"ltrim", "l", "0", "-1"}, {"lpos", "l", "z"},
      {"lmove", "l", "l2", "LEFT", "RIGHT"}, {"rpoplpush", "l", "l2"}, {"blpop", "l2", "0.01"},
      {"brpop", "l2", "0.01"}, {"blmove", "l", "l3", "LEFT", "LEFT", "0.01"},
      {"brpoplpush", "l3", "l4", "0.01"},
      {"sadd", "s", "a", "b", "c"}, {"srem", "s", "c"}, {"smembers", "s"},
      {"sismember", "s", "a"}, {"smismember", "s", "a", "z"}, {"scard", "s"}, {"spop", "s"},
      {"srandmember", "s"}, {"sadd", "s2", "x"}, {"smove", "s2", "s", "x"},
      {"sinter", "s", "s2"}, {"sunion", "s", "s2"}, {"sdiff", "s", "s2"},
      {"sinterstore", "s3", "s", "s"}, {"sunionstore", "s4", "s", "s2"},
      {"sdiffstore", "s5", "s", "s2"}, {"sscan", "s", "0"},
      {"zadd", "z", "1", "a", "2", "b", "3", "c", "5", "q"}, {"zincrby", "z", "1", "a"},
      {"zrem", "z", "c"}, {"zcard", "z"}, {"zscore", "z", "a"}, {"zmscore", "z", "a", "b"},
      {"zrank", "z", "a"}, {"zrevrank", "z", "a"}, {"zcount", "z", "-inf", "+inf"},
      {"zlexcount", "z", "-", "+"}, {"zrange", "z", "0", "-1"},
      {"zrangestore", "z2", "z", "0", "-1"}, {"zrangebyscore", "z", "-inf", "+inf"},
      {"zrevrangebyscore", "z", "+inf", "-inf"}, {"zrangebylex", "z", "-", "+"},
      {"zrevrangebylex", "z", "+", "-"}, {"zrevrange", "z", "0", "-1"},
      {"zremrangebyscore", "z2", "100", "200"}, {"zremrangebyrank", "z2", "5", "6"},
      {"zremrangebylex", "z2", "[x", "[y"}, {"zpopmin", "z2"}, {"zpopmax", "z2"},
      {"bzpopmin", "z", "0.01"}, {"bzpopmax", "z", "0.01"}, {"zrandmember", "z"},
      {"zunionstore", "z3", "1", "z"}, {"zinterstore", "z4", "1", "z"},
      {"zdiffstore", "z5", "1", "z"}, {"zscan", "z", "0"},
      {"setbit", "b", "7", "1"}, {"getbit", "b", "7"}, {"bitcount", "b"}, {"bitpos", "b", "1"},
      {"bitop", "AND", "b2", "b", "b"}, {"bitfield", "b", "GET", "u8", "0"},
      {"bitfield_ro", "b", "GET", "u8", "0"},
  };
  std::set<std::string> covered;
  for (const auto& argv : calls) {
    std::string reply = h.Run(argv);
    EXPECT_NE(reply.substr(0, 1), "-") << argv[0] << ": " << reply;
    EXPECT_LE(group.lock_calls(), 1) << argv[0] << " locked " << group.lock_calls() << " times";
    covered.insert(argv[0]);
    ASSERT_TRUE(group.Commit().ok());
  }
  GroupCommit::SetCurrent(nullptr);
  for (const auto& spec : h.server().table->all()) {
    if (group.Joins(*spec)) {
      EXPECT_EQ(covered.count(spec->name), 1u) << spec->name << " joins the group: add it here";
    }
  }
  EXPECT_EQ(UserValue(h.storage(), "k3"), "v4zz");  // the writes went through the group
}

// Connection commands touch no storage, so they neither join nor commit the group (a pipeline
// that mixes PINGs with SETs still writes once per turn); anything else that may read storage
// commits it first.
TEST(GroupCommitTest, ConnectionCommandsLeaveTheGroupAlone) {
  CommandHarness h;
  GroupCommit group(h.server().storage, &h.server().locks);
  GroupCommit::SetCurrent(&group);
  EXPECT_EQ(h.Run({"set", "k", "v"}), "+OK\r\n");
  for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
           {"ping"}, {"echo", "x"}, {"client", "id"}, {"select", "0"}}) {
    h.Run(argv);
    EXPECT_EQ(group.pending(), 1u) << argv[0];
  }
  EXPECT_EQ(UserValue(h.storage(), "k"), "(nil)");
  EXPECT_EQ(h.Run({"dbsize"}), ":1\r\n");  // commits first, then counts
  EXPECT_EQ(group.pending(), 0u);
  EXPECT_EQ(UserValue(h.storage(), "k"), "v");
  GroupCommit::SetCurrent(nullptr);
}

// ---- through the real server ----

redisReply* Cmd(redisContext* c, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  void* r = redisvCommand(c, fmt, ap);
  va_end(ap);
  return static_cast<redisReply*>(r);
}

TEST(GroupCommitServerTest, PipelineReadsItsOwnWritesAndWalksSeeThem) {
  LoopbackServer s;
  int fd = Connect(s.port());
  ASSERT_GE(fd, 0);
  // One read: writes, reads of them, a read-modify-write, then commands that do not join
  // (DBSIZE walks the keyspace, EXEC runs a transaction) and must see every earlier write.
  SendAll(fd,
          "SET a 1\r\nGET a\r\nINCR a\r\nAPPEND a x\r\nGET a\r\nMSET b 2 c 3\r\nDEL c\r\n"
          "EXISTS a b c\r\nDBSIZE\r\nMULTI\r\nGET b\r\nINCR b\r\nEXEC\r\nGET b\r\n"
          "RENAME b d\r\nKEYS d\r\nEXPIRE d 100\r\nTTL d\r\nFLUSHALL\r\nGET a\r\nDBSIZE\r\n");
  std::string expect =
      "+OK\r\n$1\r\n1\r\n:2\r\n:2\r\n$2\r\n2x\r\n+OK\r\n:1\r\n"
      ":2\r\n:2\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n$1\r\n2\r\n:3\r\n$1\r\n3\r\n"
      "+OK\r\n*1\r\n$1\r\nd\r\n:1\r\n:100\r\n+OK\r\n$-1\r\n:0\r\n";
  EXPECT_EQ(ReadFor(fd, expect.size(), 5000), expect);
  close(fd);
}

// Two workers, each with its own group holding stripes between commits: concurrent INCRs of
// the same keys from many connections lose nothing, and every reply is a distinct count.
TEST(GroupCommitServerTest, IncrementsFromManyConnectionsOnTwoWorkersLoseNothing) {
  LoopbackServer s;  // 2 worker threads
  constexpr int kClients = 8, kRounds = 200, kPipeline = 10;
  std::vector<std::thread> threads;
  std::vector<std::vector<long long>> seen(kClients);
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      redisContext* c = redisConnect("127.0.0.1", s.port());
      ASSERT_TRUE(c != nullptr && c->err == 0);
      for (int r = 0; r < kRounds; ++r) {
        for (int p = 0; p < kPipeline; ++p) {
          redisAppendCommand(c, "INCR shared");
          redisAppendCommand(c, "INCR k%d", p);
        }
        for (int p = 0; p < 2 * kPipeline; ++p) {
          void* reply = nullptr;
          ASSERT_EQ(redisGetReply(c, &reply), REDIS_OK);
          auto* rr = static_cast<redisReply*>(reply);
          ASSERT_EQ(rr->type, REDIS_REPLY_INTEGER);
          if (p % 2 == 0) seen[t].push_back(rr->integer);
          freeReplyObject(rr);
        }
      }
      redisFree(c);
    });
  }
  for (auto& th : threads) th.join();

  redisContext* c = redisConnect("127.0.0.1", s.port());
  ASSERT_TRUE(c != nullptr && c->err == 0);
  redisReply* r = Cmd(c, "GET shared");
  ASSERT_EQ(r->type, REDIS_REPLY_STRING);
  EXPECT_EQ(std::stoll(r->str), kClients * kRounds * kPipeline);
  freeReplyObject(r);
  for (int p = 0; p < kPipeline; ++p) {
    r = Cmd(c, "GET k%d", p);
    EXPECT_EQ(std::stoll(r->str), kClients * kRounds) << p;
    freeReplyObject(r);
  }
  redisFree(c);
  std::vector<long long> all;
  for (auto& v : seen) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], static_cast<long long>(i + 1));
}

// A write acknowledged by the group survives a restart on the same data directory: the reply
// left only after the batch reached RocksDB.
TEST(GroupCommitServerTest, AcknowledgedPipelinedWritesAreStored) {
  char tmpl[] = "/tmp/ringkv_groupXXXXXX";
  std::string dir = mkdtemp(tmpl);
  {
    LoopbackServer s({{"dir", dir}});
    int fd = Connect(s.port());
    std::string req, expect;
    for (int i = 0; i < 500; ++i) {
      req += "SET key" + std::to_string(i) + " v" + std::to_string(i) + "\r\n";
      expect += "+OK\r\n";
    }
    SendAll(fd, req);
    ASSERT_EQ(ReadFor(fd, expect.size(), 5000), expect);
    close(fd);
  }
  LoopbackServer s({{"dir", dir}});
  redisContext* c = redisConnect("127.0.0.1", s.port());
  ASSERT_TRUE(c != nullptr && c->err == 0);
  for (int i : {0, 250, 499}) {
    redisReply* r = Cmd(c, "GET key%d", i);
    ASSERT_EQ(r->type, REDIS_REPLY_STRING);
    EXPECT_EQ(std::string(r->str), "v" + std::to_string(i));
    freeReplyObject(r);
  }
  redisReply* r = Cmd(c, "DBSIZE");
  EXPECT_EQ(r->integer, 500);
  freeReplyObject(r);
  redisFree(c);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ringkv
