#pragma once
// Test helpers: the real Server in-process on a free loopback port (RocksDB in a temp dir, run on
// its own thread, stopped and removed when the object dies, also when a test fails), and raw
// socket helpers for what client libraries hide.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "config.h"
#include "net/server.h"

namespace ringkv {

using Options = std::vector<std::pair<std::string, std::string>>;

class LoopbackServer {
 public:
  // `extra` are config directives applied after the test defaults (port 0, 127.0.0.1, 2 threads).
  explicit LoopbackServer(Options extra = {}) {
    char tmpl[] = "/tmp/ringkv_loopbackXXXXXX";
    dir_ = mkdtemp(tmpl);
    config_.port = 0;
    config_.bind = {"127.0.0.1"};
    config_.dir = dir_;
    config_.threads = 2;
    config_.loglevel = "warning";
    for (auto& [k, v] : extra) EXPECT_TRUE(config_.Apply({k, v}, true).ok()) << k;
    server_ = std::make_unique<Server>(&config_);
    Status st = server_->Start();
    EXPECT_TRUE(st.ok()) << st.ToString();
    thread_ = std::thread([this] { server_->Run(); });
  }
  ~LoopbackServer() {
    Stop();
    std::filesystem::remove_all(dir_);
  }
  void Stop() {
    if (thread_.joinable()) {
      server_->RequestShutdown();
      thread_.join();
    }
  }
  bool Running() const { return thread_.joinable(); }
  void JoinAfterShutdownCommand() { thread_.join(); }
  int port() const { return server_->port(); }

 private:
  std::string dir_;
  Config config_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

inline int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

inline void SendAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

// Reads until `want` bytes arrived, the peer closed, or the timeout passed. *closed tells
// whether the peer closed the connection.
inline std::string ReadFor(int fd, size_t want, int timeout_ms, bool* closed = nullptr) {
  std::string out;
  if (closed) *closed = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (out.size() < want) {
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, left) <= 0) break;
    char buf[65536];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      if (closed) *closed = true;
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// A port that was free a moment ago (bound to port 0, then released).
inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  socklen_t len = sizeof(sa);
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  close(fd);
  return ntohs(sa.sin_port);
}

}  // namespace ringkv
