// MULTI/EXEC/DISCARD/WATCH/UNWATCH in process (issue 6), through the real Dispatch over a
// MemoryStorage with the watch layer installed, as the server installs it. Reply bytes were
// checked against Redis 7.0.15. Also: the TxnStorage overlay alone, the internal RINGKV.WATCH /
// RINGKV.EXEC pair as a peer would send it, and multi-threaded atomicity.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "command_harness.h"
#include "storage/key_codec.h"
#include "storage/memory_storage.h"
#include "txn/txn_storage.h"
#include "txn/watch.h"

namespace ringkv {
namespace {

using Argv = std::vector<std::string>;

// Counts the calls that reach the real storage, below the watch layer.
class CountingStorage final : public storage::Storage {
 public:
  explicit CountingStorage(storage::Storage* base) : base_(base) {}
  std::atomic<int> puts{0}, deletes{0}, writes{0}, delete_alls{0};
  std::atomic<size_t> last_batch_ops{0};

  Status Get(std::string_view k, storage::Entry* e) override { return base_->Get(k, e); }
  Status Exists(std::string_view k, storage::Entry* e) override { return base_->Exists(k, e); }
  Status Put(std::string_view k, std::string_view p, uint64_t x, storage::ValueType t) override {
    ++puts;
    return base_->Put(k, p, x, t);
  }
  Status Delete(std::string_view k) override {
    ++deletes;
    return base_->Delete(k);
  }
  Status Write(const storage::WriteBatch& b) override {
    ++writes;
    last_batch_ops = b.ops().size();
    return base_->Write(b);
  }
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
  Status DeleteAll() override {
    ++delete_alls;
    return base_->DeleteAll();
  }
  Status Flush() override { return base_->Flush(); }
  void SetSyncMode(storage::SyncMode m) override { base_->SetSyncMode(m); }
  storage::StorageStats Stats() override { return base_->Stats(); }

 private:
  storage::Storage* base_;
};

// A harness with the watch layer installed over a counting storage.
class MultiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    counting_ = std::make_unique<CountingStorage>(h_.server().storage);
    h_.server().storage = counting_.get();
    InstallWatchLayer(&h_.server());
    other_ = h_.NewClient();
  }
  std::string Run(const Argv& argv) { return h_.Run(argv); }
  std::string Other(const Argv& argv) { return h_.Run(*other_, argv); }
  std::string RunAs(ClientState& c, const Argv& argv) { return h_.Run(c, argv); }

  CommandHarness h_;
  std::unique_ptr<CountingStorage> counting_;
  std::unique_ptr<ClientState> other_;
};

// ---------------------------------------------------------------------------------------------
// Queueing and the abort rules

TEST_F(MultiTest, QueuesAndRunsInOrder) {
  EXPECT_EQ(Run({"multi"}), "+OK\r\n");
  EXPECT_EQ(Run({"set", "a", "1"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"incr", "a"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"get", "a"}), "+QUEUED\r\n");
  // Nothing ran yet: another client sees no key.
  EXPECT_EQ(Other({"get", "a"}), "$-1\r\n");
  EXPECT_EQ(Run({"exec"}), "*3\r\n+OK\r\n:2\r\n$1\r\n2\r\n");
  EXPECT_EQ(Other({"get", "a"}), "$1\r\n2\r\n");
  EXPECT_EQ(Run({"multi"}), "+OK\r\n");
  EXPECT_EQ(Run({"exec"}), "*0\r\n");
}

TEST_F(MultiTest, RuntimeErrorsInPlaceWithoutRollback) {
  Run({"set", "s", "abc"});
  Run({"multi"});
  Run({"set", "b", "1"});
  Run({"incr", "s"});
  Run({"set", "x", "y", "nx", "xx"});
  Run({"append", "b", "2"});
  EXPECT_EQ(Run({"exec"}),
            "*4\r\n+OK\r\n-ERR value is not an integer or out of range\r\n-ERR syntax error\r\n"
            ":2\r\n");
  EXPECT_EQ(Run({"get", "b"}), "$2\r\n12\r\n");
}

TEST_F(MultiTest, ControlErrorsAsRedis) {
  EXPECT_EQ(Run({"exec"}), "-ERR EXEC without MULTI\r\n");
  EXPECT_EQ(Run({"discard"}), "-ERR DISCARD without MULTI\r\n");
  EXPECT_EQ(Run({"multi"}), "+OK\r\n");
  EXPECT_EQ(Run({"multi"}), "-ERR MULTI calls can not be nested\r\n");
  EXPECT_EQ(Run({"watch", "a"}), "-ERR WATCH inside MULTI is not allowed\r\n");
  EXPECT_EQ(Run({"set", "a", "1"}), "+QUEUED\r\n");
  // Neither error flags the transaction.
  EXPECT_EQ(Run({"exec"}), "*1\r\n+OK\r\n");
  EXPECT_EQ(Run({"multi"}), "+OK\r\n");
  EXPECT_EQ(Run({"set", "a", "2"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"discard"}), "+OK\r\n");
  EXPECT_EQ(Run({"get", "a"}), "$1\r\n1\r\n");
  EXPECT_EQ(Run({"discard"}), "-ERR DISCARD without MULTI\r\n");
}

TEST_F(MultiTest, QueueingErrorsAbortExec) {
  Run({"multi"});
  EXPECT_EQ(Run({"nosuch", "x"}),
            "-ERR unknown command 'nosuch', with args beginning with: 'x' \r\n");
  EXPECT_EQ(Run({"set", "a"}), "-ERR wrong number of arguments for 'set' command\r\n");
  EXPECT_EQ(Run({"set", "a", "2"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"exec"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");
  EXPECT_EQ(Run({"get", "a"}), "$-1\r\n");
  // The transaction is over.
  EXPECT_EQ(Run({"exec"}), "-ERR EXEC without MULTI\r\n");
  // An arity error of DISCARD or MULTI inside MULTI flags it too.
  Run({"multi"});
  EXPECT_EQ(Run({"discard", "x"}), "-ERR wrong number of arguments for 'discard' command\r\n");
  EXPECT_EQ(Run({"exec"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");
  Run({"multi"});
  EXPECT_EQ(Run({"multi", "x"}), "-ERR wrong number of arguments for 'multi' command\r\n");
  EXPECT_EQ(Run({"exec"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");
}

TEST_F(MultiTest, NoMultiCommandsAreRefusedAndFlag) {
  Run({"multi"});
  EXPECT_EQ(Run({"save"}), "-ERR Command not allowed inside a transaction\r\n");
  EXPECT_EQ(Run({"shutdown"}), "-ERR Command not allowed inside a transaction\r\n");
  EXPECT_EQ(Run({"exec"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");
}

TEST_F(MultiTest, ExecWithWrongArityDiscardsTransactionAndWatches) {
  EXPECT_EQ(Run({"watch", "w"}), "+OK\r\n");
  Run({"multi"});
  Run({"set", "a", "1"});
  EXPECT_EQ(Run({"exec", "x"}),
            "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' "
            "command\r\n");
  EXPECT_EQ(Run({"discard"}), "-ERR DISCARD without MULTI\r\n");
  EXPECT_EQ(Run({"get", "a"}), "$-1\r\n");
  // The watch went with it.
  Other({"set", "w", "1"});
  Run({"multi"});
  EXPECT_EQ(Run({"exec"}), "*0\r\n");
  // Outside MULTI the same text.
  EXPECT_EQ(Run({"exec", "x"}),
            "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' "
            "command\r\n");
}

TEST_F(MultiTest, ConnectionCommandsInsideMulti) {
  Run({"multi"});
  EXPECT_EQ(Run({"ping"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"unwatch"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"select", "0"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"exec"}), "*3\r\n+PONG\r\n+OK\r\n+OK\r\n");
  // QUIT runs at once.
  Run({"multi"});
  EXPECT_EQ(Run({"quit"}), "+OK\r\n");
  EXPECT_TRUE(h_.client().close_after_reply);
}

TEST_F(MultiTest, HelloInsideMultiSwitchesLaterReplies) {
  Run({"multi"});
  Run({"get", "nokey"});
  Run({"hello", "3"});
  Run({"get", "nokey"});
  std::string out = Run({"exec"});
  EXPECT_EQ(out.rfind("*3\r\n$-1\r\n%7\r\n", 0), 0u) << out;
  EXPECT_EQ(out.substr(out.size() - 3), "_\r\n");
  EXPECT_EQ(h_.client().proto, 3);
}

// ---------------------------------------------------------------------------------------------
// RESP3

TEST_F(MultiTest, Resp3Forms) {
  h_.SetProto(3);
  Run({"multi"});
  EXPECT_EQ(Run({"get", "nokey"}), "+QUEUED\r\n");
  EXPECT_EQ(Run({"exec"}), "*1\r\n_\r\n");
  Run({"watch", "w"});
  Run({"multi"});
  Other({"set", "w", "1"});
  EXPECT_EQ(Run({"exec"}), "_\r\n");
  Run({"multi"});
  Run({"nosuch"});
  EXPECT_EQ(Run({"exec"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");
  // RESP2's null array for comparison.
  h_.SetProto(2);
  Run({"watch", "w"});
  Other({"set", "w", "2"});
  Run({"multi"});
  EXPECT_EQ(Run({"exec"}), "*-1\r\n");
}

// ---------------------------------------------------------------------------------------------
// WATCH

TEST_F(MultiTest, WatchAbortsOnWriteByAnother) {
  EXPECT_EQ(Run({"watch", "w"}), "+OK\r\n");
  Run({"multi"});
  Run({"set", "x", "1"});
  EXPECT_EQ(Other({"set", "w", "1"}), "+OK\r\n");
  EXPECT_EQ(Run({"exec"}), "*-1\r\n");
  EXPECT_EQ(Run({"get", "x"}), "$-1\r\n");
}

TEST_F(MultiTest, WatchAbortsOnDeleteOwnWriteAndSameValue) {
  Run({"set", "w", "v"});
  Run({"watch", "w"});
  Other({"del", "w"});
  Run({"multi"});
  EXPECT_EQ(Run({"exec"}), "*-1\r\n");

  Run({"watch", "s"});
  Run({"set", "s", "1"});  // the watching client's own write counts too
  Run({"multi"});
  EXPECT_EQ(Run({"exec"}), "*-1\r\n");

  Run({"watch", "s"});
  Other({"set", "s", "1"});  // same value
  Run({"multi"});
  EXPECT_EQ(Run({"exec"}), "*-1\r\n");

  Run({"watch", "s"});
  Other({"expire", "s", "100"});
  Run({"multi"});
  EXPECT_EQ(Run({"exec"}), "*-1\r\n");
}

TEST_F(MultiTest, UntouchedAndUnchangedKeysDoNotAbort) {
  Run({"set", "s", "abc"});
  Run({"watch", "w", "s"});
  Other({"set", "other", "1"});
  Other({"del", "w"});             // deleting a missing key changes nothing
  Other({"incr", "s"});            // a failed write changes nothing
  Other({"set", "s", "x", "nx"});  // nor does a SET NX that does not set
  Other({"expire", "w", "10"});    // nor an EXPIRE of a missing key
  Other({"get", "s"});
  Run({"multi"});
  Run({"ping"});
  EXPECT_EQ(Run({"exec"}), "*1\r\n+PONG\r\n");
}

TEST_F(MultiTest, WatchAbortsWhenAWatchedKeyExpires) {
  Run({"set", "e", "1", "px", "100"});
  Run({"watch", "e"});
  h_.AdvanceClockMs(200);
  Run({"multi"});
  Run({"ping"});
  EXPECT_EQ(Run({"exec"}), "*-1\r\n");
  // A TTL that has not run out yet does not abort.
  Run({"set", "e", "1", "px", "100000"});
  Run({"watch", "e"});
  h_.AdvanceClockMs(200);
  Run({"multi"});
  EXPECT_EQ(Run({"exec"}), "*0\r\n");
}

TEST_F(MultiTest, KeyAlreadyExpiredWhenWatchedCountsAsAbsent) {
  Run({"set", "e2", "1", "px", "50"});
  h_.AdvanceClockMs(100);
  Run({"watch", "e2"});
  EXPECT_EQ(Run({"get", "e2"}), "$-1\r\n");
  Run({"multi"});
  Run({"ping"});
  EXPECT_EQ(Run({"exec"}), "*1\r\n+PONG\r\n");
}

TEST_F(MultiTest, FlushAbortsOnlyWatchersOfExistingKeys) {
  Run({"set", "f", "1"});
  Run({"watch", "f"});
  Other({"flushall"});
  Run({"multi"});
  EXPECT_EQ(Run({"exec"}), "*-1\r\n");
  // A watched key that does not exist is not changed by a flush (Redis 7.0).
  Run({"watch", "nokey"});
  Other({"flushdb"});
  Run({"multi"});
  EXPECT_EQ(Run({"exec"}), "*0\r\n");
}

TEST_F(MultiTest, UnwatchDiscardAndExecEndTheWatch) {
  Run({"watch", "s"});
  EXPECT_EQ(Run({"unwatch"}), "+OK\r\n");
  Other({"set", "s", "1"});
  Run({"multi"});
  EXPECT_EQ(Run({"exec"}), "*0\r\n");

  Run({"watch", "s"});
  Run({"multi"});
  Run({"discard"});
  Other({"set", "s", "2"});
  Run({"multi"});
  EXPECT_EQ(Run({"exec"}), "*0\r\n");

  Run({"watch", "s"});
  Other({"set", "s", "3"});
  Run({"multi"});
  EXPECT_EQ(Run({"exec"}), "*-1\r\n");
  // That EXEC ended the watch: the next transaction is not aborted.
  Other({"set", "s", "4"});
  Run({"multi"});
  EXPECT_EQ(Run({"exec"}), "*0\r\n");
  EXPECT_EQ(h_.server().watches->watched_keys(), 0u);
}

TEST_F(MultiTest, WatchedKeysAreReleasedWhenTheClientGoes) {
  {
    auto c = h_.NewClient();
    RunAs(*c, {"watch", "a", "b", "a"});
    EXPECT_EQ(h_.server().watches->watched_keys(), 2u);
  }
  EXPECT_EQ(h_.server().watches->watched_keys(), 0u);
}

TEST_F(MultiTest, WatchAbortFromAnotherTransaction) {
  Run({"watch", "k"});
  Other({"multi"});
  Other({"set", "k", "1"});
  Other({"exec"});
  Run({"multi"});
  Run({"set", "k", "mine"});
  EXPECT_EQ(Run({"exec"}), "*-1\r\n");
  EXPECT_EQ(Run({"get", "k"}), "$1\r\n1\r\n");
}

TEST_F(MultiTest, WatchWithoutWatchLayerIsAnError) {
  CommandHarness plain;
  EXPECT_EQ(plain.Run({"watch", "a"}),
            "-ERR ringkv: WATCH is not available (no watch layer installed)\r\n");
  EXPECT_EQ(plain.Run({"multi"}), "+OK\r\n");
  EXPECT_EQ(plain.Run({"set", "a", "1"}), "+QUEUED\r\n");
  EXPECT_EQ(plain.Run({"exec"}), "*1\r\n+OK\r\n");
}

// ---------------------------------------------------------------------------------------------
// The commit: one batch, reads of the transaction's own writes, keyspace commands

TEST_F(MultiTest, WritesReachStorageAsOneBatch) {
  Run({"set", "old", "x"});
  int puts = counting_->puts, deletes = counting_->deletes, writes = counting_->writes;
  Run({"multi"});
  Run({"set", "a", "1"});
  Run({"incr", "a"});
  Run({"mset", "b", "2", "c", "3"});
  Run({"del", "old"});
  Run({"rename", "b", "d"});
  Run({"set", "e", "1"});
  Run({"del", "e"});
  EXPECT_EQ(Run({"exec"}), "*7\r\n+OK\r\n:2\r\n+OK\r\n:1\r\n+OK\r\n+OK\r\n:1\r\n");
  EXPECT_EQ(counting_->puts, puts);
  EXPECT_EQ(counting_->deletes, deletes);
  EXPECT_EQ(counting_->writes, writes + 1);
  // One op per key: a, b (deleted by the rename), c, d, e (set then deleted), old.
  EXPECT_EQ(counting_->last_batch_ops, 6u);
  EXPECT_EQ(Run({"mget", "a", "b", "c", "d", "e", "old"}),
            "*6\r\n$1\r\n2\r\n$-1\r\n$1\r\n3\r\n$1\r\n2\r\n$-1\r\n$-1\r\n");
  // A read-only transaction writes nothing.
  writes = counting_->writes;
  Run({"multi"});
  Run({"get", "a"});
  Run({"exec"});
  EXPECT_EQ(counting_->writes, writes);
}

TEST_F(MultiTest, ReadsSeeTheTransactionsOwnWritesAndTtls) {
  Run({"set", "k", "v", "ex", "100"});
  Run({"multi"});
  Run({"append", "k", "w"});
  Run({"ttl", "k"});
  Run({"set", "k", "x"});
  Run({"ttl", "k"});
  Run({"getdel", "k"});
  Run({"exists", "k"});
  Run({"setex", "t", "5", "v"});
  Run({"pttl", "t"});
  EXPECT_EQ(Run({"exec"}), "*8\r\n:2\r\n:100\r\n+OK\r\n:-1\r\n$1\r\nx\r\n:0\r\n+OK\r\n:5000\r\n");
}

TEST_F(MultiTest, KeyspaceCommandsSeeTheOverlay) {
  Run({"mset", "a", "1", "b", "2", "c", "3"});
  Run({"multi"});
  Run({"del", "a"});
  Run({"set", "d", "4"});
  Run({"dbsize"});
  Run({"keys", "*"});
  Run({"flushall"});
  Run({"dbsize"});
  Run({"set", "z", "1"});
  Run({"keys", "*"});
  Run({"randomkey"});
  Run({"scan", "0", "count", "100"});
  std::string out = Run({"exec"});
  // DBSIZE 3; KEYS has b, c, d in ring order; after FLUSHALL: 0, then only z.
  EXPECT_EQ(out.rfind("*10\r\n:1\r\n+OK\r\n:3\r\n*3\r\n", 0), 0u) << out;
  for (const char* k : {"$1\r\nb\r\n", "$1\r\nc\r\n", "$1\r\nd\r\n"}) {
    EXPECT_NE(out.find(k), std::string::npos) << k;
  }
  EXPECT_NE(out.find("+OK\r\n:0\r\n+OK\r\n*1\r\n$1\r\nz\r\n$1\r\nz\r\n*2\r\n$1\r\n0\r\n*1\r\n"
                     "$1\r\nz\r\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(counting_->delete_alls, 1);
  EXPECT_EQ(Run({"keys", "*"}), "*1\r\n$1\r\nz\r\n");
}

// ---------------------------------------------------------------------------------------------
// TxnStorage alone

TEST(TxnStorageTest, ScanMergesPendingWritesInRingOrder) {
  auto base = storage::NewMemoryStorage();
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(base->Put("k" + std::to_string(i), "v", 0).ok());
  }
  TxnStorage txn(base.get());
  for (int i = 0; i < 50; i += 2) ASSERT_TRUE(txn.Delete("k" + std::to_string(i)).ok());
  for (int i = 50; i < 80; ++i) ASSERT_TRUE(txn.Put("k" + std::to_string(i), "n", 0).ok());
  ASSERT_TRUE(txn.Put("{t}a", "x", 0).ok());
  ASSERT_TRUE(base->Put("{t}b", "y", 0).ok());
  // Walk with a small COUNT: every live key exactly once, in ring order.
  std::vector<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    std::vector<storage::ScanItem> items;
    uint64_t next;
    ASSERT_TRUE(txn.Scan(cursor, 3, &items, &next, 0).ok());
    for (auto& it : items) seen.push_back(it.key);
    ASSERT_TRUE(next == 0 || next > cursor);
    cursor = next;
    ++calls;
  } while (cursor != 0 && calls < 1000);
  std::vector<std::string> want;
  for (int i = 1; i < 50; i += 2) want.push_back("k" + std::to_string(i));
  for (int i = 50; i < 80; ++i) want.push_back("k" + std::to_string(i));
  want.push_back("{t}a");
  want.push_back("{t}b");
  std::sort(want.begin(), want.end());
  std::vector<std::string> sorted = seen;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, want);
  for (size_t i = 1; i < seen.size(); ++i) {
    EXPECT_LE(storage::QualifiedKeyHash(seen[i - 1]), storage::QualifiedKeyHash(seen[i]));
  }
  uint64_t keys, with_expiry;
  ASSERT_TRUE(txn.CountKeys(&keys, &with_expiry).ok());
  EXPECT_EQ(keys, want.size());
  // Nothing reached the base yet.
  ASSERT_TRUE(base->CountKeys(&keys, &with_expiry).ok());
  EXPECT_EQ(keys, 51u);
  ASSERT_TRUE(txn.Commit().ok());
  ASSERT_TRUE(base->CountKeys(&keys, &with_expiry).ok());
  EXPECT_EQ(keys, want.size());
}

TEST(TxnStorageTest, DeleteAllHidesStoredKeys) {
  auto base = storage::NewMemoryStorage();
  ASSERT_TRUE(base->Put("a", "1", 0).ok());
  TxnStorage txn(base.get());
  ASSERT_TRUE(txn.DeleteAll().ok());
  storage::Entry e;
  EXPECT_TRUE(txn.Get("a", &e).IsNotFound());
  ASSERT_TRUE(txn.Put("b", "2", 0).ok());
  ASSERT_TRUE(txn.Delete("c").ok());
  std::vector<storage::ScanItem> items;
  uint64_t next;
  ASSERT_TRUE(txn.Scan(0, 10, &items, &next, 0).ok());
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].key, "b");
  EXPECT_EQ(next, 0u);
  EXPECT_TRUE(base->Get("a", &e).ok());
  ASSERT_TRUE(txn.Commit().ok());
  EXPECT_TRUE(base->Get("a", &e).IsNotFound());
  EXPECT_TRUE(base->Get("b", &e).ok());
}

// ---------------------------------------------------------------------------------------------
// The internal commands a cluster entry node sends the owner

TEST_F(MultiTest, RingkvCommandsArePeerOnly) {
  EXPECT_EQ(Run({"ringkv.exec", "-", "0", "1", "1", "ping"}),
            "-ERR ringkv: RINGKV.EXEC is only accepted from cluster peers\r\n");
  EXPECT_EQ(Run({"ringkv.watch", "s", "k"}),
            "-ERR ringkv: RINGKV.WATCH is only accepted from cluster peers\r\n");
}

TEST_F(MultiTest, RingkvExecRunsAShippedTransaction) {
  auto peer = h_.NewClient();
  peer->is_peer = true;
  EXPECT_EQ(RunAs(*peer, {"ringkv.exec", "-", "0", "3", "3", "set", "a", "1", "2", "incr", "a", "2",
                          "get", "a"}),
            "*3\r\n+OK\r\n:2\r\n$1\r\n2\r\n");
  EXPECT_EQ(RunAs(*peer, {"ringkv.exec", "-", "0", "1", "2", "set", "a"}),
            "-ERR wrong number of arguments for 'set' command\r\n");
  EXPECT_EQ(RunAs(*peer, {"ringkv.exec", "-", "0", "2", "1", "ping"}),
            "-ERR ringkv: malformed RINGKV.EXEC request\r\n");
  EXPECT_EQ(RunAs(*peer, {"ringkv.exec", "-", "0", "1", "1", "save"}),
            "-ERR Command not allowed inside a transaction\r\n");
  EXPECT_EQ(RunAs(*peer, {"ringkv.exec", "-", "0", "0"}), "*0\r\n");
}

TEST_F(MultiTest, RingkvWatchSessions) {
  auto peer = h_.NewClient();
  peer->is_peer = true;
  // Unchanged: runs.
  EXPECT_EQ(RunAs(*peer, {"ringkv.watch", "n1.1.1", "a", "b"}), "+OK\r\n");
  EXPECT_EQ(RunAs(*peer, {"ringkv.watch", "n1.1.1", "a"}), "+OK\r\n");
  EXPECT_EQ(h_.server().watches->sessions(), 1u);
  EXPECT_EQ(RunAs(*peer, {"ringkv.exec", "n1.1.1", "2", "1", "3", "set", "a", "1"}),
            "*1\r\n+OK\r\n");
  EXPECT_EQ(h_.server().watches->sessions(), 0u);
  EXPECT_EQ(h_.server().watches->watched_keys(), 0u);
  // Changed: aborts.
  RunAs(*peer, {"ringkv.watch", "n1.1.2", "a"});
  Other({"set", "a", "2"});
  EXPECT_EQ(RunAs(*peer, {"ringkv.exec", "n1.1.2", "1", "1", "3", "set", "a", "3"}), "*-1\r\n");
  EXPECT_EQ(Run({"get", "a"}), "$1\r\n2\r\n");
  // A lost registration (fewer keys than the entry node watched) or none at all: aborts.
  RunAs(*peer, {"ringkv.watch", "n1.1.3", "a"});
  EXPECT_EQ(RunAs(*peer, {"ringkv.exec", "n1.1.3", "2", "1", "3", "set", "a", "3"}), "*-1\r\n");
  EXPECT_EQ(RunAs(*peer, {"ringkv.exec", "n1.1.4", "1", "1", "3", "set", "a", "3"}), "*-1\r\n");
  // An expired lease: aborts.
  RunAs(*peer, {"ringkv.watch", "n1.1.5", "a"});
  h_.AdvanceClockMs(WatchRegistry::kSessionLeaseMs + 1);
  EXPECT_EQ(RunAs(*peer, {"ringkv.exec", "n1.1.5", "1", "1", "3", "set", "a", "3"}), "*-1\r\n");
  EXPECT_EQ(Run({"get", "a"}), "$1\r\n2\r\n");
  // UNWATCH drops a session and its keys.
  RunAs(*peer, {"ringkv.watch", "n1.1.6", "a", "b"});
  EXPECT_EQ(h_.server().watches->watched_keys(), 2u);
  EXPECT_EQ(RunAs(*peer, {"ringkv.unwatch", "n1.1.6"}), "+OK\r\n");
  EXPECT_EQ(h_.server().watches->watched_keys(), 0u);
}

TEST_F(MultiTest, ExpiredSessionsAreSweptAndReleaseTheirKeys) {
  auto peer = h_.NewClient();
  peer->is_peer = true;
  for (int i = 0; i < 10; ++i) {
    RunAs(*peer, {"ringkv.watch", "abandoned." + std::to_string(i), "k" + std::to_string(i)});
  }
  EXPECT_EQ(h_.server().watches->sessions(), 10u);
  EXPECT_EQ(h_.server().watches->watched_keys(), 10u);
  h_.AdvanceClockMs(WatchRegistry::kSessionLeaseMs + 1);
  RunAs(*peer, {"ringkv.watch", "fresh", "x"});
  EXPECT_EQ(h_.server().watches->sessions(), 1u);
  EXPECT_EQ(h_.server().watches->watched_keys(), 1u);
  // Without any further session operation, a write (while keys are watched) sweeps too.
  h_.AdvanceClockMs(WatchRegistry::kSessionLeaseMs + 1);
  EXPECT_EQ(Run({"set", "unrelated", "1"}), "+OK\r\n");
  EXPECT_EQ(h_.server().watches->sessions(), 0u);
  EXPECT_EQ(h_.server().watches->watched_keys(), 0u);
}

// ---------------------------------------------------------------------------------------------
// Concurrency

// WATCH/GET/MULTI/SET/EXEC increments from 8 threads, retried on abort: none is lost.
TEST_F(MultiTest, ConcurrentWatchIncrementsAreExact) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 250;
  std::atomic<int> retries{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      auto c = h_.NewClient();
      for (int i = 0; i < kPerThread; ++i) {
        while (true) {
          EXPECT_EQ(RunAs(*c, {"watch", "counter"}), "+OK\r\n");
          std::string got = RunAs(*c, {"get", "counter"});
          int64_t value = 0;
          if (got != "$-1\r\n") value = std::stoll(got.substr(got.find("\r\n") + 2));
          RunAs(*c, {"multi"});
          RunAs(*c, {"set", "counter", std::to_string(value + 1)});
          std::string r = RunAs(*c, {"exec"});
          if (r == "*1\r\n+OK\r\n") break;
          EXPECT_EQ(r, "*-1\r\n");
          ++retries;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(Run({"get", "counter"}), "$4\r\n2000\r\n");
  EXPECT_EQ(h_.server().watches->watched_keys(), 0u);
  std::printf("[ figures  ] %d threads x %d WATCH increments = 2000, %d retries\n", kThreads,
              kPerThread, retries.load());
}

// A transaction writing two keys is never seen half done: not by another transaction reading
// both, and not by plain GETs of a key the transaction writes twice.
TEST_F(MultiTest, NoOneSeesHalfATransaction) {
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0}, reads{0};
  std::thread writer([&] {
    auto c = h_.NewClient();
    for (int i = 0; i < 2000; ++i) {
      std::string v = std::to_string(i);
      RunAs(*c, {"multi"});
      RunAs(*c, {"set", "k1", v});
      RunAs(*c, {"set", "mid", "intermediate"});
      RunAs(*c, {"incr", "k2"});
      RunAs(*c, {"set", "k2", v});
      RunAs(*c, {"set", "mid", "final"});
      EXPECT_EQ(RunAs(*c, {"exec"}).rfind("*5\r\n+OK\r\n+OK\r\n", 0), 0u);
    }
    stop = true;
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&, r] {
      auto c = h_.NewClient();
      while (!stop) {
        if (r == 0) {
          std::string g = RunAs(*c, {"get", "mid"});
          if (g == "$12\r\nintermediate\r\n") ++torn;
        } else {
          RunAs(*c, {"multi"});
          RunAs(*c, {"get", "k1"});
          RunAs(*c, {"get", "k2"});
          std::string out = RunAs(*c, {"exec"});
          // *2 then two equal bulk strings (or two nulls before the first write).
          std::string body = out.substr(4);
          size_t half = body.size() / 2;
          if (body.substr(0, half) != body.substr(half)) ++torn;
        }
        ++reads;
      }
    });
  }
  writer.join();
  for (auto& t : readers) t.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GT(reads.load(), 0);
}

// Transactions on overlapping keys in opposite orders, mixed with multi-key commands and
// FLUSHALL, from several threads: the reentrant stripe locks never deadlock.
TEST_F(MultiTest, OverlappingTransactionsDoNotDeadlock) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto c = h_.NewClient();
      for (int i = 0; i < 300; ++i) {
        RunAs(*c, {"multi"});
        if (t % 2 == 0) {
          RunAs(*c, {"mset", "x", "1", "y", "2"});
          RunAs(*c, {"rename", "x", "z"});
        } else {
          RunAs(*c, {"incr", "y"});
          RunAs(*c, {"del", "z", "x"});
        }
        if (i % 50 == 0) RunAs(*c, {"flushall"});
        if (i % 70 == 0) RunAs(*c, {"keys", "*"});
        std::string r = RunAs(*c, {"exec"});
        EXPECT_EQ(r[0], '*') << r;
        RunAs(*c, {"mset", "y", "5", "x", "6"});
        if (i % 100 == 0) RunAs(*c, {"flushdb"});
      }
    });
  }
  for (auto& t : threads) t.join();
}

TEST(TxnStorageTest, ElementWalksMergePendingRecordsBothWays) {
  auto base = storage::NewMemoryStorage();
  storage::WriteBatch seed;
  for (const char* k : {"e1", "e3", "e5", "e7"}) seed.PutElement(k, std::string("base-") + k);
  seed.PutElement("z-outside", "x");
  ASSERT_TRUE(base->Write(seed).ok());
  TxnStorage txn(base.get());
  storage::WriteBatch b;
  b.PutElement("e2", "new-e2");
  b.PutElement("e3", "new-e3");
  b.DeleteElement("e5");
  b.PutElement("e6", "new-e6");
  b.DeleteElement("e9");  // deleting what does not exist hides nothing
  ASSERT_TRUE(txn.Write(b).ok());
  auto walk = [&](bool reverse) {
    std::vector<std::string> out;
    auto it = txn.NewElementIterator("e", "f", reverse);
    for (; it->Valid(); it->Next()) out.push_back(std::string(it->key()) + "=" + std::string(it->value()));
    return out;
  };
  std::vector<std::string> fwd = {"e1=base-e1", "e2=new-e2", "e3=new-e3", "e6=new-e6",
                                  "e7=base-e7"};
  EXPECT_EQ(walk(false), fwd);
  std::reverse(fwd.begin(), fwd.end());
  EXPECT_EQ(walk(true), fwd);
  std::string v;
  ASSERT_TRUE(txn.GetElement("e3", &v).ok());
  EXPECT_EQ(v, "new-e3");
  EXPECT_TRUE(txn.GetElement("e5", &v).IsNotFound());
  ASSERT_TRUE(base->GetElement("e5", &v).ok());  // nothing reached the base yet
  ASSERT_TRUE(txn.Commit().ok());
  EXPECT_TRUE(base->GetElement("e5", &v).IsNotFound());
  ASSERT_TRUE(base->GetElement("e2", &v).ok());
  EXPECT_EQ(v, "new-e2");
}

}  // namespace
}  // namespace ringkv
