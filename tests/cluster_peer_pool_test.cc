// PeerPool against real sockets on 127.0.0.1: Debian's redis-server as a healthy peer, and a
// scripted fake peer (a small TCP server on its own thread) for silence, slowness, refusals and
// hostile replies. Every server is started on a free port and stopped by PID / by the test.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cluster/peer_pool.h"

namespace ringkv::cluster {
namespace {

using Clock = std::chrono::steady_clock;
using Argv = std::vector<std::string>;

// hiredis writes with write(2): a peer that vanishes must not kill the test with SIGPIPE.
const bool kIgnoreSigpipe = [] {
  signal(SIGPIPE, SIG_IGN);
  return true;
}();

int64_t MsSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

std::string Cmd(std::initializer_list<std::string_view> args) {
  std::string out;
  EncodeCommand(std::vector<std::string_view>(args), &out);
  return out;
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

long RssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// ---- redis-server, started and stopped by PID -------------------------------------------------

class RedisServer {
 public:
  explicit RedisServer(int port, std::vector<std::string> extra = {}) : port_(port) {
    std::vector<std::string> args = {
        "redis-server", "--port",    std::to_string(port), "--bind", "127.0.0.1",
        "--save",       "",          "--appendonly",       "no",     "--daemonize",
        "no",           "--logfile", "/dev/null",          "--dir",  "/tmp"};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execvp("redis-server", argv.data());
      _exit(127);
    }
  }
  ~RedisServer() { Stop(); }

  bool WaitReady(const char* password = nullptr) {
    auto start = Clock::now();
    while (MsSince(start) < 5000) {
      redisContext* c = redisConnect("127.0.0.1", port_);
      if (c != nullptr && c->err == 0) {
        if (password != nullptr) freeReplyObject(redisCommand(c, "AUTH %s", password));
        auto* r = static_cast<redisReply*>(redisCommand(c, "PING"));
        bool ok = r != nullptr && r->type == REDIS_REPLY_STATUS;
        if (r != nullptr) freeReplyObject(r);
        redisFree(c);
        if (ok) return true;
      } else if (c != nullptr) {
        redisFree(c);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

 private:
  int port_;
  pid_t pid_ = -1;
};

// ---- A scripted fake peer -------------------------------------------------------------------

// Accepts any number of connections; parses multibulk commands; answers each with whatever the
// handler returns (empty: no answer). The handler runs on the fake peer's thread and may sleep.
class FakePeer {
 public:
  using Handler = std::function<std::string(const Argv& argv)>;

  explicit FakePeer(Handler handler, int port = 0) : handler_(std::move(handler)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        listen(listen_fd_, 64) != 0) {
      ADD_FAILURE() << "fake peer cannot listen: " << strerror(errno);
    }
    socklen_t len = sizeof(addr);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Run(); });
  }

  ~FakePeer() {
    stop_ = true;
    thread_.join();
    close(listen_fd_);
  }

  int port() const { return port_; }
  int connections() const { return accepted_.load(); }
  std::vector<Argv> Received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }

 private:
  struct Client {
    int fd;
    std::string buf;
  };

  void Run() {
    std::vector<Client> clients;
    while (!stop_) {
      std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
      for (auto& c : clients) fds.push_back({c.fd, POLLIN, 0});
      if (poll(fds.data(), fds.size(), 10) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        int fd = accept(listen_fd_, nullptr, nullptr);
        if (fd >= 0) {
          clients.push_back({fd, {}});
          accepted_++;
        }
      }
      for (size_t i = 1; i < fds.size(); i++) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        Client& c = clients[i - 1];
        char buf[65536];
        ssize_t n = read(c.fd, buf, sizeof(buf));
        if (n <= 0) {
          close(c.fd);
          c.fd = -1;
          continue;
        }
        c.buf.append(buf, static_cast<size_t>(n));
        Argv argv;
        while (TakeCommand(&c.buf, &argv)) {
          {
            std::lock_guard<std::mutex> lock(mu_);
            received_.push_back(argv);
          }
          std::string reply = handler_(argv);
          if (!WriteAll(c.fd, reply)) break;
        }
      }
      clients.erase(
          std::remove_if(clients.begin(), clients.end(), [](const Client& c) { return c.fd < 0; }),
          clients.end());
    }
    for (auto& c : clients) close(c.fd);
  }

  static bool WriteAll(int fd, const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  static bool TakeCommand(std::string* buf, Argv* argv) {
    argv->clear();
    size_t pos = 0;
    auto read_line = [&](char prefix, long* v) {
      if (pos >= buf->size() || (*buf)[pos] != prefix) return false;
      size_t eol = buf->find("\r\n", pos);
      if (eol == std::string::npos) return false;
      *v = std::stol(buf->substr(pos + 1, eol - pos - 1));
      pos = eol + 2;
      return true;
    };
    long argc = 0;
    if (!read_line('*', &argc)) return false;
    for (long i = 0; i < argc; i++) {
      long len = 0;
      if (!read_line('$', &len)) return false;
      if (buf->size() < pos + static_cast<size_t>(len) + 2) return false;
      argv->push_back(buf->substr(pos, static_cast<size_t>(len)));
      pos += static_cast<size_t>(len) + 2;
    }
    buf->erase(0, pos);
    return true;
  }

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::mutex mu_;
  std::vector<Argv> received_;
  std::thread thread_;
};

// ---- The loop under test ------------------------------------------------------------------------

class PeerPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    ASSERT_EQ(uv_timer_init(&loop_, &tick_), 0);
  }

  void TearDown() override {
    pool_.reset();
    uv_close(reinterpret_cast<uv_handle_t*>(&tick_), nullptr);
    for (int i = 0; i < 10; i++) uv_run(&loop_, UV_RUN_NOWAIT);
    // Every handle the pool opened is closed: a leak would make this UV_EBUSY.
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }

  PeerPool* MakePool(PeerPoolOptions opts) {
    opts.log = [this](const std::string& line) { log_.push_back(line); };
    pool_ = std::make_unique<PeerPool>(&loop_, std::move(opts));
    return pool_.get();
  }

  // Runs the loop until `done` or `timeout_ms`; a 2 ms tick keeps UV_RUN_ONCE from blocking.
  bool RunUntil(const std::function<bool()>& done, int timeout_ms = 5000) {
    uv_timer_start(
        &tick_, [](uv_timer_t*) {}, 2, 2);
    auto start = Clock::now();
    bool ok = true;
    while (!done()) {
      if (MsSince(start) > timeout_ms) {
        ok = false;
        break;
      }
      uv_run(&loop_, UV_RUN_ONCE);
    }
    uv_timer_stop(&tick_);
    return ok;
  }
  void RunFor(int ms) {
    RunUntil([] { return false; }, ms);
  }

  struct Result {
    int calls = 0;
    bool ok = false;
    std::string data;
    int64_t after_ms = -1;
  };

  // Forwards and records the outcome in a shared Result.
  std::shared_ptr<Result> Send(int node, std::string_view request, int proto = 2) {
    auto result = std::make_shared<Result>();
    auto start = Clock::now();
    pool_->Forward(node, request, proto, [result, start](bool ok, std::string_view data) {
      result->calls++;
      result->ok = ok;
      result->data = std::string(data);
      result->after_ms = MsSince(start);
    });
    EXPECT_EQ(result->calls, 0) << "callbacks never run inside Forward()";
    return result;
  }

  // Send + wait for the callback.
  std::shared_ptr<Result> Call(int node, std::string_view request, int proto = 2,
                               int timeout_ms = 5000) {
    auto r = Send(node, request, proto);
    EXPECT_TRUE(RunUntil([&] { return r->calls > 0; }, timeout_ms)) << request;
    return r;
  }

  // Retries `request` until a reply (ok=true) comes back.
  bool WaitForOk(int node, std::string_view request, int timeout_ms) {
    auto start = Clock::now();
    while (MsSince(start) < timeout_ms) {
      auto r = Call(node, request, 2, timeout_ms);
      if (r->ok) return true;
      RunFor(20);
    }
    return false;
  }

  uv_loop_t loop_;
  uv_timer_t tick_;
  std::unique_ptr<PeerPool> pool_;
  std::vector<std::string> log_;
};

NodeInfo Node(const std::string& id, int port) { return NodeInfo{id, "127.0.0.1", port}; }

// ---- Codec helpers ----------------------------------------------------------------------------

TEST(PeerPoolCodecTest, EncodeCommandAndValidator) {
  std::string cmd = Cmd({"SET", "k", "hello world", ""});
  EXPECT_EQ(cmd, "*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$11\r\nhello world\r\n$0\r\n\r\n");
  std::string error;
  EXPECT_TRUE(IsOneMultibulkCommand(cmd, &error)) << error;
  for (std::string bad :
       {"", "PING\r\n", "*0\r\n", "*1\r\n", "*1\r\n$4\r\nPIN\r\n", "*1\r\n$4\r\nPINGX\r\n",
        "*1\r\n$-1\r\n", "*1\r\n$4\r\nPING\r\nextra", "*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n",
        "*1\r$4\r\nPING\r\n", "*1\r\n$99999999999999999999\r\nPING\r\n", "*-1\r\n"}) {
    EXPECT_FALSE(IsOneMultibulkCommand(bad, &error)) << bad;
  }
}

TEST(PeerPoolCodecTest, EncodeReplyPerProtocol) {
  redisReader* reader = redisReaderCreate();
  const std::string wire =
      "*6\r\n+OK\r\n-ERR bad\r\n:-42\r\n$3\r\na\r\n\r\n$-1\r\n*2\r\n*0\r\n$0\r\n\r\n";
  ASSERT_EQ(redisReaderFeed(reader, wire.data(), wire.size()), REDIS_OK);
  void* reply = nullptr;
  ASSERT_EQ(redisReaderGetReply(reader, &reply), REDIS_OK);
  ASSERT_NE(reply, nullptr);
  std::string resp2, resp3;
  EncodeReply(static_cast<redisReply*>(reply), 2, &resp2);
  EncodeReply(static_cast<redisReply*>(reply), 3, &resp3);
  EXPECT_EQ(resp2, wire) << "RESP2 is relayed byte for byte";
  EXPECT_EQ(resp3, "*6\r\n+OK\r\n-ERR bad\r\n:-42\r\n$3\r\na\r\n\r\n_\r\n*2\r\n*0\r\n$0\r\n\r\n");
  freeReplyObject(reply);
  redisReaderFree(reader);
}

// ---- Against redis-server ---------------------------------------------------------------------

TEST_F(PeerPoolTest, ForwardsToRedisAndEncodesRepliesPerProtocol) {
  int port = FreePort();
  RedisServer redis(port);
  ASSERT_TRUE(redis.WaitReady());
  MakePool({});
  ASSERT_TRUE(pool_->AddPeer(1, Node("r1", port)));
  EXPECT_FALSE(pool_->AddPeer(1, Node("again", port)));

  EXPECT_EQ(Call(1, Cmd({"SET", "k", "v1"}))->data, "+OK\r\n");
  EXPECT_EQ(Call(1, Cmd({"GET", "k"}))->data, "$2\r\nv1\r\n");
  EXPECT_EQ(Call(1, Cmd({"INCR", "n"}))->data, ":1\r\n");
  auto err = Call(1, Cmd({"INCR", "k"}));
  EXPECT_TRUE(err->ok) << "a peer's error reply is the command's answer";
  EXPECT_EQ(err->data, "-ERR value is not an integer or out of range\r\n");
  // Nil bulk and nil array, in both protocols.
  EXPECT_EQ(Call(1, Cmd({"GET", "missing"}), 2)->data, "$-1\r\n");
  EXPECT_EQ(Call(1, Cmd({"GET", "missing"}), 3)->data, "_\r\n");
  EXPECT_EQ(Call(1, Cmd({"MGET", "k", "missing"}), 2)->data, "*2\r\n$2\r\nv1\r\n$-1\r\n");
  EXPECT_EQ(Call(1, Cmd({"MGET", "k", "missing"}), 3)->data, "*2\r\n$2\r\nv1\r\n_\r\n");
  EXPECT_EQ(Call(1, Cmd({"BLPOP", "nolist", "0.01"}), 2)->data, "*-1\r\n");
  EXPECT_EQ(Call(1, Cmd({"BLPOP", "nolist", "0.01"}), 3)->data, "_\r\n");
  // Binary-safe values and nested arrays.
  std::string bin("a\0b\r\nc", 6);
  EXPECT_EQ(Call(1, Cmd({"SET", "bin", bin}))->data, "+OK\r\n");
  EXPECT_EQ(Call(1, Cmd({"GET", "bin"}))->data, "$6\r\n" + bin + "\r\n");
  EXPECT_EQ(Call(1, Cmd({"SCAN", "0", "MATCH", "bin"}))->data,
            "*2\r\n$1\r\n0\r\n*1\r\n$3\r\nbin\r\n");

  PeerStats stats = pool_->Stats(1);
  EXPECT_EQ(stats.id, "r1");
  EXPECT_EQ(stats.address, "127.0.0.1:" + std::to_string(port));
  EXPECT_TRUE(stats.connected);
  EXPECT_EQ(stats.connections_up, 1);
  EXPECT_EQ(stats.forwarded, 13u);
  EXPECT_EQ(stats.replies, 13u);
  EXPECT_EQ(stats.errors, 0u);
  EXPECT_EQ(stats.latency_count, 13u);
  EXPECT_GT(stats.latency_us_sum, 0u);
  EXPECT_EQ(pool_->Peers(), std::vector<int>{1});
}

TEST_F(PeerPoolTest, PipelinesAThousandInFlightWithRepliesInOrder) {
  int port = FreePort();
  RedisServer redis(port);
  ASSERT_TRUE(redis.WaitReady());
  MakePool({});
  pool_->AddPeer(0, Node("r", port));
  ASSERT_TRUE(WaitForOk(0, Cmd({"PING"}), 3000));

  constexpr int kN = 1000;
  std::vector<std::string> replies;
  std::string incr = Cmd({"INCR", "counter"});
  for (int i = 0; i < kN; i++) {
    pool_->Forward(0, incr, 2, [&replies](bool ok, std::string_view data) {
      replies.push_back(ok ? std::string(data) : "error: " + std::string(data));
    });
  }
  EXPECT_TRUE(replies.empty());
  ASSERT_TRUE(RunUntil([&] { return replies.size() == kN; }));
  for (int i = 0; i < kN; i++) {
    ASSERT_EQ(replies[i], ":" + std::to_string(i + 1) + "\r\n") << "reply " << i;
  }
  // SET/GET pairs interleaved: each GET sees its own SET.
  std::vector<std::string> got;
  for (int i = 0; i < 200; i++) {
    std::string v = "value" + std::to_string(i);
    pool_->Forward(0, Cmd({"SET", "p", v}), 2, [](bool, std::string_view) {});
    pool_->Forward(0, Cmd({"GET", "p"}), 2,
                   [&got](bool ok, std::string_view data) { got.emplace_back(data); });
  }
  ASSERT_TRUE(RunUntil([&] { return got.size() == 200; }));
  for (int i = 0; i < 200; i++) {
    std::string v = "value" + std::to_string(i);
    EXPECT_EQ(got[i], "$" + std::to_string(v.size()) + "\r\n" + v + "\r\n");
  }
}

// Requests queued during a loop turn are written at its end, not on a later writable event; a
// request queued by a timer callback (outside the I/O phase) still leaves before the loop goes
// back to sleep. Here nothing else would wake the loop: without that flush the reply could only
// arrive after the watchdog (or the forward deadline) fired.
TEST_F(PeerPoolTest, RequestQueuedByATimerLeavesBeforeTheLoopSleeps) {
  int port = FreePort();
  RedisServer redis(port);
  ASSERT_TRUE(redis.WaitReady());
  PeerPoolOptions opts;
  opts.forward_timeout_ms = 10000;
  MakePool(opts);
  pool_->AddPeer(0, Node("r", port));
  ASSERT_TRUE(WaitForOk(0, Cmd({"PING"}), 3000));  // connected: the deferred path applies

  struct State {
    PeerPool* pool;
    uv_loop_t* loop;
    std::string reply;
    bool watchdog_fired = false;
  } st{pool_.get(), &loop_, {}, false};
  uv_timer_t send_timer, watchdog;
  uv_timer_init(&loop_, &send_timer);
  uv_timer_init(&loop_, &watchdog);
  send_timer.data = &st;
  watchdog.data = &st;
  uv_timer_start(
      &send_timer,
      [](uv_timer_t* t) {
        auto* s = static_cast<State*>(t->data);
        s->pool->Forward(0, Cmd({"ECHO", "from-a-timer"}), 2, [s](bool, std::string_view data) {
          s->reply = std::string(data);
          uv_stop(s->loop);
        });
      },
      1, 0);
  uv_timer_start(
      &watchdog,
      [](uv_timer_t* t) {
        auto* s = static_cast<State*>(t->data);
        s->watchdog_fired = true;
        uv_stop(s->loop);
      },
      5000, 0);
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_FALSE(st.watchdog_fired);
  EXPECT_EQ(st.reply, "$12\r\nfrom-a-timer\r\n");
  uv_timer_stop(&watchdog);
  uv_close(reinterpret_cast<uv_handle_t*>(&send_timer), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&watchdog), nullptr);
  uv_run(&loop_, UV_RUN_NOWAIT);
}

TEST_F(PeerPoolTest, RejectsBadRequestsAndUnknownPeersWithoutTouchingTheConnection) {
  int port = FreePort();
  RedisServer redis(port);
  ASSERT_TRUE(redis.WaitReady());
  MakePool({});
  pool_->AddPeer(0, Node("r", port));
  auto bad = Call(0, "GET k\r\n");
  EXPECT_FALSE(bad->ok);
  EXPECT_EQ(bad->data, "ERR forwarded request is not a RESP multibulk command");
  for (const char* name : {"SUBSCRIBE", "psubscribe", "UNSUBSCRIBE", "punsubscribe", "MONITOR"}) {
    auto r = Call(0, Cmd({name, "ch"}));
    EXPECT_FALSE(r->ok);
    EXPECT_NE(r->data.find("cannot be forwarded"), std::string::npos) << r->data;
  }
  auto unknown = Call(7, Cmd({"PING"}));
  EXPECT_FALSE(unknown->ok);
  EXPECT_EQ(unknown->data, "CLUSTERDOWN no peer with node index 7");
  EXPECT_EQ(Call(0, Cmd({"PING"}))->data, "+PONG\r\n");
}

TEST_F(PeerPoolTest, SendsAuthAndHandshakeToRealRedisAndReportsWrongPassword) {
  int port = FreePort();
  RedisServer redis(port, {"--requirepass", "s3cret"});
  ASSERT_TRUE(redis.WaitReady("s3cret"));
  PeerPoolOptions opts;
  opts.password = "s3cret";
  opts.handshake = {"CLIENT", "SETNAME", "ringkv-peer"};
  MakePool(opts);
  pool_->AddPeer(0, Node("r", port));
  auto r = Call(0, Cmd({"CLIENT", "GETNAME"}));
  EXPECT_TRUE(r->ok);
  EXPECT_EQ(r->data, "$11\r\nringkv-peer\r\n");
  pool_.reset();

  opts.password = "wrong";
  MakePool(opts);
  pool_->AddPeer(0, Node("r", port));
  auto refused = Call(0, Cmd({"PING"}));
  EXPECT_FALSE(refused->ok);
  EXPECT_EQ(refused->data,
            "CLUSTERDOWN node r (127.0.0.1:" + std::to_string(port) +
                ") is unreachable: AUTH refused: WRONGPASS invalid username-password pair or "
                "user is disabled.");
  EXPECT_FALSE(pool_->Stats(0).connected);
}

TEST_F(PeerPoolTest, PeerDownFailsFastThenRecoversWhenItComesBack) {
  int port = FreePort();
  PeerPoolOptions opts;
  opts.forward_timeout_ms = 500;
  MakePool(opts);
  pool_->AddPeer(2, Node("r2", port));
  const std::string who = "node r2 (127.0.0.1:" + std::to_string(port) + ")";

  auto down = Call(2, Cmd({"GET", "k"}));
  EXPECT_FALSE(down->ok);
  EXPECT_EQ(down->data, "CLUSTERDOWN " + who + " is unreachable: Connection refused");
  EXPECT_LT(down->after_ms, 100);
  // Still down a while later: every request fails fast, none waits for the timeout.
  RunFor(300);
  for (int i = 0; i < 5; i++) {
    auto r = Call(2, Cmd({"GET", "k"}));
    EXPECT_FALSE(r->ok);
    EXPECT_LT(r->after_ms, 100);
  }
  EXPECT_FALSE(pool_->Stats(2).connected);
  EXPECT_EQ(pool_->Stats(2).last_error, "Connection refused");

  {
    RedisServer redis(port);
    ASSERT_TRUE(redis.WaitReady());
    auto start = Clock::now();
    ASSERT_TRUE(WaitForOk(2, Cmd({"SET", "k", "v"}), 4000)) << "pool reconnects by itself";
    std::printf("[ recover  ] first success %lld ms after the peer started\n",
                static_cast<long long>(MsSince(start)));
    EXPECT_TRUE(pool_->Stats(2).connected);
    redis.Stop();  // kill -9 with the connection open
    auto lost = Call(2, Cmd({"GET", "k"}));
    EXPECT_FALSE(lost->ok);
    EXPECT_LE(lost->after_ms, 500 + 100);
    EXPECT_EQ(lost->data.rfind("CLUSTERDOWN " + who + " is unreachable: ", 0), 0u) << lost->data;
  }
  RedisServer again(port);
  ASSERT_TRUE(again.WaitReady());
  EXPECT_TRUE(WaitForOk(2, Cmd({"PING"}), 4000)) << "and again after a restart";
  bool logged_refused = false;
  for (const auto& line : log_) {
    if (line.find("Connection refused") != std::string::npos) logged_refused = true;
  }
  EXPECT_TRUE(logged_refused);
}

// ---- Against the fake peer --------------------------------------------------------------------

TEST_F(PeerPoolTest, SilentPeerTimesOutWhileAHealthyPeerKeepsWorking) {
  FakePeer silent([](const Argv&) { return std::string(); });
  int port = FreePort();
  RedisServer redis(port);
  ASSERT_TRUE(redis.WaitReady());
  PeerPoolOptions opts;
  opts.forward_timeout_ms = 300;
  MakePool(opts);
  pool_->AddPeer(0, Node("silent", silent.port()));
  pool_->AddPeer(1, Node("healthy", port));
  ASSERT_TRUE(WaitForOk(1, Cmd({"PING"}), 3000));
  ASSERT_TRUE(RunUntil([&] { return pool_->Stats(0).connected; }));
  const int connections_before = silent.connections();

  std::vector<std::shared_ptr<Result>> stuck;
  for (int i = 0; i < 5; i++) stuck.push_back(Send(0, Cmd({"GET", "k" + std::to_string(i)})));
  int healthy_replies = 0;
  auto start = Clock::now();
  // Keep the healthy peer busy while the silent one is pending.
  while (stuck.back()->calls == 0 && MsSince(start) < 2000) {
    auto r = Call(1, Cmd({"PING"}));
    if (r->ok && r->data == "+PONG\r\n") healthy_replies++;
  }
  EXPECT_GT(healthy_replies, 10);
  for (auto& r : stuck) {
    EXPECT_EQ(r->calls, 1);
    EXPECT_FALSE(r->ok);
    EXPECT_EQ(r->data, "TRYAGAIN forward to node silent (127.0.0.1:" +
                           std::to_string(silent.port()) + ") timed out after 300 ms");
    EXPECT_GE(r->after_ms, 295);
    EXPECT_LE(r->after_ms, 300 + 100);
  }
  std::printf("[ timeout  ] silent peer: callback after %lld ms (timeout 300 ms)\n",
              static_cast<long long>(stuck[0]->after_ms));
  PeerStats s = pool_->Stats(0);
  EXPECT_EQ(s.timeouts, 5u);
  EXPECT_EQ(s.errors, 5u);
  // The connection was dropped and a fresh one opened.
  EXPECT_TRUE(RunUntil([&] { return silent.connections() > connections_before; }));
  RunFor(100);
  for (auto& r : stuck) EXPECT_EQ(r->calls, 1);
  EXPECT_EQ(pool_->Stats(1).errors, 0u);
}

TEST_F(PeerPoolTest, PausedPeerThatNeverAnswersTheHandshakeTimesOutHeldRequests) {
  FakePeer paused([](const Argv&) { return std::string(); });  // accepts, never answers
  PeerPoolOptions opts;
  opts.forward_timeout_ms = 250;
  opts.handshake = {"RINGKV.HELLO", "n1", "0"};
  MakePool(opts);
  pool_->AddPeer(0, Node("paused", paused.port()));
  RunFor(50);
  auto r = Call(0, Cmd({"GET", "k"}));
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->data, "TRYAGAIN forward to node paused (127.0.0.1:" + std::to_string(paused.port()) +
                         ") timed out after 250 ms");
  EXPECT_LE(r->after_ms, 250 + 100);
  for (const Argv& argv : paused.Received()) EXPECT_EQ(argv[0], "RINGKV.HELLO");
  EXPECT_EQ(pool_->Stats(0).timeouts, 1u);
  // The pool keeps trying: a fresh connection (and handshake) follows.
  EXPECT_TRUE(RunUntil([&] { return paused.connections() >= 2; }));
}

TEST_F(PeerPoolTest, LateReplyIsDroppedAndTheConnectionIsReplaced) {
  std::atomic<int> gets{0};
  FakePeer slow([&gets](const Argv& argv) -> std::string {
    if (argv[0] == "GET" && gets++ == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(400));
      return "$4\r\nlate\r\n";
    }
    return "$5\r\nfresh\r\n";
  });
  PeerPoolOptions opts;
  opts.forward_timeout_ms = 150;
  MakePool(opts);
  pool_->AddPeer(0, Node("slow", slow.port()));
  auto first = Call(0, Cmd({"GET", "a"}));
  EXPECT_FALSE(first->ok);
  EXPECT_NE(first->data.find("timed out after 150 ms"), std::string::npos);
  RunFor(500);  // the late reply arrives (on the dropped connection) meanwhile
  EXPECT_EQ(first->calls, 1);
  auto second = Call(0, Cmd({"GET", "a"}));
  EXPECT_TRUE(second->ok);
  EXPECT_EQ(second->data, "$5\r\nfresh\r\n");
  EXPECT_GE(slow.connections(), 2);
}

TEST_F(PeerPoolTest, AuthAndHandshakeGoFirstAndCommandsWaitForThem) {
  FakePeer peer([](const Argv& argv) -> std::string {
    if (argv[0] == "RINGKV.HELLO") {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      return "+OK\r\n";
    }
    if (argv[0] == "AUTH") return "+OK\r\n";
    return "$1\r\nv\r\n";
  });
  PeerPoolOptions opts;
  opts.password = "pw";
  opts.handshake = {"RINGKV.HELLO", "n1", "00000000deadbeef"};
  opts.connections_per_peer = 2;
  MakePool(opts);
  pool_->AddPeer(0, Node("n2", peer.port()));
  auto r1 = Send(0, Cmd({"GET", "k1"}));  // before the connection is even open
  auto r2 = Send(0, Cmd({"GET", "k2"}));
  ASSERT_TRUE(RunUntil([&] { return r1->calls == 1 && r2->calls == 1; }));
  EXPECT_EQ(r1->data, "$1\r\nv\r\n");
  EXPECT_EQ(r2->data, "$1\r\nv\r\n");
  ASSERT_TRUE(RunUntil([&] { return pool_->Stats(0).connections_up == 2; }));
  std::vector<Argv> got = peer.Received();
  ASSERT_EQ(got.size(), 6u);  // 2 x (AUTH, HELLO) + 2 GETs
  int auths = 0, hellos = 0;
  for (size_t i = 0; i < got.size(); i++) {
    if (got[i][0] == "AUTH") {
      EXPECT_EQ(got[i], (Argv{"AUTH", "pw"}));
      auths++;
    } else if (got[i][0] == "RINGKV.HELLO") {
      EXPECT_EQ(got[i], (Argv{"RINGKV.HELLO", "n1", "00000000deadbeef"}));
      EXPECT_EQ(auths, hellos + 1) << "AUTH precedes HELLO";
      hellos++;
    } else {
      EXPECT_GE(hellos, 1) << "a user command was sent before any handshake";
    }
  }
  EXPECT_EQ(auths, 2);
  EXPECT_EQ(hellos, 2);
  EXPECT_EQ(got[0][0], "AUTH");
}

TEST_F(PeerPoolTest, RefusedHandshakeFailsHeldCommandsWhichAreNeverSent) {
  FakePeer peer([](const Argv& argv) -> std::string {
    if (argv[0] == "RINGKV.HELLO") return "-ERR topology fingerprint mismatch: mine 1 yours 2\r\n";
    return "+OK\r\n";
  });
  PeerPoolOptions opts;
  opts.handshake = {"RINGKV.HELLO", "n1", "0000000000000002"};
  MakePool(opts);
  pool_->AddPeer(0, Node("n2", peer.port()));
  auto r = Call(0, Cmd({"SET", "k", "v"}));
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->data, "CLUSTERDOWN node n2 (127.0.0.1:" + std::to_string(peer.port()) +
                         ") is unreachable: handshake refused: ERR topology fingerprint "
                         "mismatch: mine 1 yours 2");
  RunFor(300);  // reconnect attempts are refused the same way
  for (const Argv& argv : peer.Received()) {
    EXPECT_EQ(argv[0], "RINGKV.HELLO") << "nothing but the handshake reaches a refusing peer";
  }
  EXPECT_GE(peer.connections(), 2);
  EXPECT_FALSE(pool_->Stats(0).connected);
  EXPECT_EQ(pool_->Stats(0).last_error,
            "handshake refused: ERR topology fingerprint mismatch: mine 1 yours 2");
  ASSERT_FALSE(log_.empty());
  EXPECT_NE(log_[0].find("handshake refused: ERR topology fingerprint mismatch"), std::string::npos)
      << log_[0];
}

TEST_F(PeerPoolTest, HostileArrayHeadersFailOneConnectionWithoutAllocating) {
  FakePeer peer([](const Argv& argv) -> std::string {
    if (argv[0] == "PING") return "+PONG\r\n";
    return argv[1] + "\r\n";  // the test chooses the reply header
  });
  MakePool({});
  pool_->AddPeer(0, Node("evil", peer.port()));
  ASSERT_TRUE(WaitForOk(0, Cmd({"PING"}), 3000));
  long rss_before = RssKb();
  const std::string who = "node evil (127.0.0.1:" + std::to_string(peer.port()) + ")";
  // Counts beyond INT_MAX (and below -1) are refused by hiredis 0.14.1's own reader check; the
  // ones it accepts would be calloc()ed in full (*2147483647: 16 GB) without our object
  // functions.
  const std::string ours = "CLUSTERDOWN forward to " + who +
                           " failed: array reply header out of range (more than 1048576 elements)";
  const std::string hiredis =
      "CLUSTERDOWN " + who + " is unreachable: Multi-bulk length out of range";
  const std::pair<const char*, std::string> cases[] = {
      {"*4294967295", hiredis},
      {"*99999999999999999999", "CLUSTERDOWN " + who + " is unreachable: Bad multi-bulk length"},
      {"*-2", hiredis},
      {"*2147483647", ours},
      {"*1048577", ours}};
  for (const auto& [header, expected] : cases) {
    auto r = Call(0, Cmd({"REPLY", header}));
    EXPECT_FALSE(r->ok) << header;
    EXPECT_EQ(r->data, expected) << header;
    EXPECT_TRUE(WaitForOk(0, Cmd({"PING"}), 3000)) << "the pool reconnects after " << header;
  }
  // An array at the limit is fine.
  auto fine = Call(0, Cmd({"REPLY", "*0"}));
  EXPECT_EQ(fine->data, "*0\r\n");
  long rss_after = RssKb();
  std::printf("[ limits   ] RSS before %ld kB, after hostile headers %ld kB\n", rss_before,
              rss_after);
  EXPECT_LT(rss_after - rss_before, 64 * 1024);
}

TEST_F(PeerPoolTest, HugeBulkHeaderIsCutOffAtTheReplyLimit) {
  FakePeer peer([](const Argv& argv) -> std::string {
    if (argv[0] == "PING") return "+PONG\r\n";
    if (argv[0] == "HUGE") return "$4294967296\r\n" + std::string(3 << 20, 'x');
    if (argv[0] == "LINE") return "+" + std::string(3 << 20, 'y');  // no CRLF ever
    if (argv[0] == "MANY") {
      std::string out = "*1000\r\n";
      for (int i = 0; i < 1000; i++) out += "$2000\r\n" + std::string(2000, 'z') + "\r\n";
      return out;  // 2 MB of objects
    }
    return "$" + std::to_string(512 << 10) + "\r\n" + std::string(512 << 10, 'o') + "\r\n";
  });
  PeerPoolOptions opts;
  opts.max_reply_bytes = 1 << 20;
  opts.forward_timeout_ms = 5000;  // slow machines must hit the size limit, not the timeout
  MakePool(opts);
  pool_->AddPeer(0, Node("big", peer.port()));
  ASSERT_TRUE(WaitForOk(0, Cmd({"PING"}), 3000));
  long rss_before = RssKb();
  const std::string prefix =
      "CLUSTERDOWN forward to node big (127.0.0.1:" + std::to_string(peer.port()) + ") failed: ";
  // A bulk header over the limit is refused as soon as its length line is read; an endless
  // line or many smaller objects when their bytes pass the limit.
  const std::pair<const char*, std::string> cases[] = {
      {"HUGE", "reply announces a 4294967296-byte bulk string, over the 1048576-byte limit"},
      {"LINE", "reply larger than 1048576 bytes"},
      {"MANY", "reply larger than 1048576 bytes"}};
  for (const auto& [cmd, reason] : cases) {
    auto r = Call(0, Cmd({cmd}));
    EXPECT_FALSE(r->ok) << cmd;
    EXPECT_EQ(r->data.rfind(prefix + reason, 0), 0u) << cmd << ": " << r->data;
    EXPECT_TRUE(WaitForOk(0, Cmd({"PING"}), 3000));
  }
  // Half the limit passes.
  auto ok = Call(0, Cmd({"HALF"}));
  EXPECT_TRUE(ok->ok);
  EXPECT_EQ(ok->data.size(), (512u << 10) + 11);  // "$524288\r\n" + data + "\r\n"
  long rss_after = RssKb();
  std::printf("[ limits   ] RSS before %ld kB, after oversized replies %ld kB\n", rss_before,
              rss_after);
  EXPECT_LT(rss_after - rss_before, 64 * 1024);
}

TEST_F(PeerPoolTest, UnsolicitedReplyDropsTheConnectionInsteadOfAborting) {
  // hiredis 0.14 assert()s when a reply arrives with no callback queued.
  FakePeer peer([](const Argv& argv) -> std::string {
    if (argv[0] == "TWICE") return "+ONE\r\n+TWO\r\n";
    return "+PONG\r\n";
  });
  MakePool({});
  pool_->AddPeer(0, Node("chatty", peer.port()));
  ASSERT_TRUE(WaitForOk(0, Cmd({"PING"}), 3000));
  auto r = Call(0, Cmd({"TWICE"}));
  EXPECT_TRUE(r->ok);
  EXPECT_EQ(r->data, "+ONE\r\n");
  ASSERT_TRUE(RunUntil([&] { return peer.connections() == 2; }));
  EXPECT_TRUE(WaitForOk(0, Cmd({"PING"}), 3000));
  bool logged = false;
  for (const auto& line : log_) {
    if (line.find("no request asked for") != std::string::npos) logged = true;
  }
  EXPECT_TRUE(logged);
}

TEST_F(PeerPoolTest, ConnectionsPerPeerAreAllUsed) {
  FakePeer peer([](const Argv& argv) -> std::string { return ":1\r\n"; });
  PeerPoolOptions opts;
  opts.connections_per_peer = 3;
  MakePool(opts);
  pool_->AddPeer(0, Node("p", peer.port()));
  ASSERT_TRUE(RunUntil([&] { return pool_->Stats(0).connections_up == 3; }));
  int done = 0;
  for (int i = 0; i < 300; i++) {
    pool_->Forward(0, Cmd({"INCR", "x"}), 2, [&done](bool ok, std::string_view) { done += ok; });
  }
  ASSERT_TRUE(RunUntil([&] { return done == 300; }));
  EXPECT_EQ(peer.connections(), 3);
  EXPECT_EQ(pool_->Stats(0).replies, 300u);
}

TEST_F(PeerPoolTest, DestroyingThePoolCompletesEveryPendingCallbackOnce) {
  FakePeer silent([](const Argv&) { return std::string(); });
  FakePeer mute_handshake([](const Argv&) { return std::string(); });
  PeerPoolOptions opts;
  opts.forward_timeout_ms = 5000;
  MakePool(opts);
  pool_->AddPeer(0, Node("silent", silent.port()));
  ASSERT_TRUE(RunUntil([&] { return pool_->Stats(0).connected; }));

  PeerPoolOptions with_handshake = opts;
  with_handshake.handshake = {"HELLO"};
  // Second pool shape: requests held behind a handshake that never completes.
  auto held_pool = std::make_unique<PeerPool>(&loop_, with_handshake);
  held_pool->AddPeer(0, Node("mute", mute_handshake.port()));

  std::vector<int> calls(100, 0);
  std::vector<std::string> texts(100);
  int reentrant_calls = 0;
  PeerPool* pool = pool_.get();
  for (int i = 0; i < 100; i++) {
    pool->Forward(0, Cmd({"GET", "k"}), 2, [&, i](bool ok, std::string_view data) {
      calls[i]++;
      texts[i] = std::string(data);
      if (i == 0) {
        // A callback that forwards again during destruction gets its own error, once.
        pool->Forward(0, Cmd({"GET", "again"}), 2,
                      [&](bool ok2, std::string_view) { reentrant_calls += ok2 ? 100 : 1; });
      }
    });
  }
  std::vector<int> held_calls(10, 0);
  for (int i = 0; i < 10; i++) {
    held_pool->Forward(0, Cmd({"GET", "k"}), 2,
                       [&held_calls, i](bool ok, std::string_view) { held_calls[i]++; });
  }
  RunFor(100);  // the requests are on the wire / held
  ASSERT_EQ(silent.Received().size(), 100u);
  for (int c : calls) ASSERT_EQ(c, 0);

  pool_.reset();
  held_pool.reset();
  for (int i = 0; i < 100; i++) {
    EXPECT_EQ(calls[i], 1) << i;
    EXPECT_EQ(texts[i], "CLUSTERDOWN forward to node silent (127.0.0.1:" +
                            std::to_string(silent.port()) + ") aborted: peer pool closed");
  }
  EXPECT_EQ(reentrant_calls, 1);
  for (int c : held_calls) EXPECT_EQ(c, 1);
  RunFor(50);  // nothing runs after destruction; TearDown checks that every handle closed
  for (int c : calls) EXPECT_EQ(c, 1);
}

}  // namespace
}  // namespace ringkv::cluster
