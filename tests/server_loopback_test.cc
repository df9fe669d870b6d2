// The real Server (worker loops, connections, RocksDB) on a free loopback port, driven over
// TCP: a sync hiredis client and raw sockets for what a client library would hide.

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <chrono>
#include <string>
#include <thread>

#include "test_server.h"

namespace ringkv {
namespace {

TEST(LoopbackTest, HiredisSyncClientRoundTrip) {
  LoopbackServer s;
  redisContext* c = redisConnect("127.0.0.1", s.port());
  ASSERT_TRUE(c != nullptr && c->err == 0);
  auto* r = static_cast<redisReply*>(redisCommand(c, "SET %s %b", "bin", "a\0b", size_t{3}));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(std::string(r->str, r->len), "OK");
  freeReplyObject(r);
  r = static_cast<redisReply*>(redisCommand(c, "GET bin"));
  ASSERT_EQ(r->type, REDIS_REPLY_STRING);
  EXPECT_EQ(std::string(r->str, r->len), std::string("a\0b", 3));
  freeReplyObject(r);
  r = static_cast<redisReply*>(redisCommand(c, "INCRBY n 5"));
  EXPECT_EQ(r->integer, 5);
  freeReplyObject(r);
  redisFree(c);
}

TEST(LoopbackTest, PipelinedRepliesKeepRequestOrder) {
  LoopbackServer s;
  int fd = Connect(s.port());
  ASSERT_GE(fd, 0);
  std::string req, expect;
  for (int i = 0; i < 2000; ++i) {
    std::string k = "k" + std::to_string(i % 7);
    req += "*2\r\n$4\r\nINCR\r\n$" + std::to_string(k.size()) + "\r\n" + k + "\r\n";
    expect += ":" + std::to_string(i / 7 + 1) + "\r\n";
    if (i % 100 == 0) {
      req += "PING\r\n";  // inline commands mixed in
      expect += "+PONG\r\n";
    }
  }
  SendAll(fd, req);
  EXPECT_EQ(ReadFor(fd, expect.size(), 5000), expect);
  close(fd);
}

TEST(LoopbackTest, ProtocolErrorRepliesEarlierCommandsThenCloses) {
  LoopbackServer s;
  int fd = Connect(s.port());
  SendAll(fd, "*1\r\n$4\r\nPING\r\n*1\r\nx\r\n*1\r\n$4\r\nPING\r\n");
  bool closed = false;
  std::string got = ReadFor(fd, 1 << 20, 2000, &closed);
  EXPECT_EQ(got, "+PONG\r\n-ERR Protocol error: expected '$', got 'x'\r\n");
  EXPECT_TRUE(closed);
  close(fd);
}

TEST(LoopbackTest, MaxClientsRejectsThenRecovers) {
  LoopbackServer s(Options{{"maxclients", "2"}});
  int a = Connect(s.port()), b = Connect(s.port());
  SendAll(a, "PING\r\n");
  SendAll(b, "PING\r\n");
  EXPECT_EQ(ReadFor(a, 7, 2000), "+PONG\r\n");
  EXPECT_EQ(ReadFor(b, 7, 2000), "+PONG\r\n");
  int c = Connect(s.port());
  bool closed = false;
  EXPECT_EQ(ReadFor(c, 1 << 10, 2000, &closed), "-ERR max number of clients reached\r\n");
  EXPECT_TRUE(closed);
  close(c);
  close(a);
  // Once a slot frees, clients get in again (the close is noticed asynchronously).
  std::string got;
  for (int attempt = 0; attempt < 50 && got != "+PONG\r\n"; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    int d = Connect(s.port());
    SendAll(d, "PING\r\n");
    got = ReadFor(d, 7, 1000);
    close(d);
  }
  EXPECT_EQ(got, "+PONG\r\n");
  close(b);
}

TEST(LoopbackTest, IdleTimeoutClosesClient) {
  LoopbackServer s(Options{{"timeout", "1"}});
  int fd = Connect(s.port());
  SendAll(fd, "PING\r\n");
  EXPECT_EQ(ReadFor(fd, 7, 2000), "+PONG\r\n");
  auto start = std::chrono::steady_clock::now();
  bool closed = false;
  ReadFor(fd, 1, 4000, &closed);
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(closed);
  EXPECT_GE(secs, 0.9);
  close(fd);
}

TEST(LoopbackTest, ClientThatNeverReadsIsCutAtOutputLimit) {
  LoopbackServer s(Options{{"client-output-buffer-limit", "normal 1mb 0 0"}});
  int fd = Connect(s.port());
  std::string value(100000, 'v');
  SendAll(fd, "*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$100000\r\n" + value + "\r\n");
  EXPECT_EQ(ReadFor(fd, 5, 2000), "+OK\r\n");
  std::string gets;
  for (int i = 0; i < 400; ++i) gets += "GET big\r\n";  // 40 MB of replies, never read
  SendAll(fd, gets);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  bool closed = false;
  size_t total = 0;
  // Drain: the server must have closed us long before 40 MB arrived.
  for (int i = 0; i < 200 && !closed; ++i) total += ReadFor(fd, 1 << 24, 100, &closed).size();
  EXPECT_TRUE(closed);
  EXPECT_LT(total, 400u * 100000u);
  close(fd);
}

TEST(LoopbackTest, UnauthenticatedLimitsApplyBeforeAuth) {
  LoopbackServer s(Options{{"requirepass", "pw"}});
  int fd = Connect(s.port());
  SendAll(fd, "*1\r\n$20000\r\n");
  bool closed = false;
  EXPECT_EQ(ReadFor(fd, 1 << 10, 2000, &closed),
            "-ERR Protocol error: unauthenticated bulk length\r\n");
  EXPECT_TRUE(closed);
  close(fd);
  fd = Connect(s.port());
  SendAll(fd, "GET k\r\nAUTH pw\r\n*2\r\n$3\r\nGET\r\n$20000\r\n");
  EXPECT_EQ(ReadFor(fd, 40, 2000), "-NOAUTH Authentication required.\r\n+OK\r\n");
  SendAll(fd, std::string(20000, 'k') + "\r\n");  // allowed once authenticated
  EXPECT_EQ(ReadFor(fd, 5, 2000), "$-1\r\n");
  close(fd);
}

TEST(LoopbackTest, ClientKillClosesAnotherWorkersClient) {
  LoopbackServer s;
  std::vector<int> fds;
  for (int i = 0; i < 6; ++i) fds.push_back(Connect(s.port()));  // spread over both workers
  std::vector<std::string> ids;
  for (int fd : fds) {
    SendAll(fd, "CLIENT ID\r\n");
    std::string r = ReadFor(fd, 3, 2000);
    r += ReadFor(fd, r.find("\r\n") == std::string::npos ? 1 : 0, 200);
    ids.push_back(r.substr(1, r.find('\r') - 1));
  }
  for (size_t i = 1; i < fds.size(); ++i) {
    SendAll(fds[0], "CLIENT KILL ID " + ids[i] + "\r\n");
    EXPECT_EQ(ReadFor(fds[0], 4, 2000), ":1\r\n");
    bool closed = false;
    ReadFor(fds[i], 1, 2000, &closed);
    EXPECT_TRUE(closed) << "client " << ids[i];
  }
  for (int fd : fds) close(fd);
}

TEST(LoopbackTest, ShutdownCommandStopsTheServer) {
  LoopbackServer s;
  int fd = Connect(s.port());
  SendAll(fd, "SET k v\r\nSHUTDOWN\r\n");
  bool closed = false;
  EXPECT_EQ(ReadFor(fd, 1 << 10, 5000, &closed), "+OK\r\n");
  EXPECT_TRUE(closed);
  s.JoinAfterShutdownCommand();
  EXPECT_LT(Connect(s.port()), 0);
  close(fd);
}

}  // namespace
}  // namespace ringkv
