// Hostile clients against the real server in-process (issue 5): output limits must be enforced as
// replies are queued, not once per socket read. A client that pipelines many GETs of a big value
// and never reads must be cut after about limit / value-size commands, as Redis does
// (closeClientOnOutputBufferLimitReached runs on every reply it appends), not after every command
// of its read buffer has been executed and its replies held in memory.

#include <gtest/gtest.h>

#include <string>

#include "test_server.h"

namespace ringkv {
namespace {

std::string Command(const std::vector<std::string>& argv) {
  std::string out = "*" + std::to_string(argv.size()) + "\r\n";
  for (const auto& a : argv) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

// The `calls=` figure of `cmdstat_<name>` in INFO commandstats, or -1.
long long CallsOf(int port, const std::string& name) {
  int fd = Connect(port);
  SendAll(fd, Command({"INFO", "commandstats"}));
  std::string info = ReadFor(fd, 1 << 20, 500);
  close(fd);
  std::string key = "cmdstat_" + name + ":calls=";
  size_t at = info.find(key);
  if (at == std::string::npos) return -1;
  return std::stoll(info.substr(at + key.size()));
}

TEST(HostileOutputLimitTest, ClientThatNeverReadsIsCutAfterAboutLimitWorthOfReplies) {
  LoopbackServer server(Options{{"client-output-buffer-limit", "normal 1mb 0 0"}});
  const std::string value(100 * 1024, 'v');
  {
    int fd = Connect(server.port());
    ASSERT_GE(fd, 0);
    SendAll(fd, Command({"SET", "big", value}));
    ASSERT_EQ(ReadFor(fd, 5, 2000), "+OK\r\n");
    close(fd);
  }
  // 2000 GETs in one write (about 44 KB of requests, 200 MB of replies); never read.
  int fd = Connect(server.port());
  ASSERT_GE(fd, 0);
  int small = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  std::string pipeline;
  for (int i = 0; i < 2000; ++i) pipeline += Command({"GET", "big"});
  SendAll(fd, pipeline);
  // Wait until the server has given up on the client.
  bool closed = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!closed && std::chrono::steady_clock::now() < deadline) {
    char buf[65536];
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) closed = true;
    // Reading here is slow on purpose (4 KB socket buffer): the server still piles up output.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  close(fd);
  EXPECT_TRUE(closed) << "a client over its output limit was never disconnected";
  // Redis 7.0 runs 11 of these GETs (1 MB / 100 KB, plus what the socket took) before the cut.
  long long gets = CallsOf(server.port(), "get");
  EXPECT_GT(gets, 0);
  std::printf("GET commands run before the cut: %lld\n", gets);
  EXPECT_LE(gets, 64) << "the server kept executing commands for a client over its output limit";
}

}  // namespace
}  // namespace ringkv
