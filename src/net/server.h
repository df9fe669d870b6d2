#pragma once
// The server process: storage, listeners, and `threads` worker loops.
//
// Each worker is a thread running its own uv_loop_t with its own listening socket per bind
// address (SO_REUSEPORT, created by hand since libuv 1.44 has no flag for it, then adopted with
// uv_tcp_open), so the kernel spreads connections over the workers and no worker ever waits on
// another. RocksDB is shared (thread-safe); per-key atomicity comes from KeyLocks.
// Shutdown (SIGTERM, SIGINT, SHUTDOWN): each worker closes its listeners and clients and leaves
// its loop; then the storage is flushed and closed.

#include <uv.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "commands/command_table.h"
#include "config.h"
#include "txn/group_commit.h"
#include "routing/router.h"
#include "server_state.h"

namespace ringkv {

class Connection;
class Server;

class Worker {
 public:
  Worker(Server* server, int index);
  ~Worker();

  // Adopts listening sockets (one per bind address) and starts the loop thread.
  Status Start(const std::vector<int>& listen_fds);
  // Asks the loop to close everything and exit (any thread).
  void Stop();
  void Join();
  // Wakes the loop to act on kill requests (any thread).
  void Wake();
  // Hands a woken blocked client (blocking.h) to this loop (any thread).
  void PostBlocked(std::shared_ptr<Connection*> conn, std::shared_ptr<Waiter> waiter);

  Server* server() { return server_; }
  uv_loop_t* loop() { return &loop_; }
  // This loop's router (cluster forwarding), or nullptr for a single node.
  Router* router() { return router_.get(); }
  void Attach(Connection* c);
  void Detach(Connection* c);

  // Group commit (group_commit.h): while this is true a connection must not send replies; it
  // hands itself (its self reference, cleared when it closes) to WaitForCommit instead and is
  // flushed, or closed if the commit failed, once the worker committed.
  bool MustHoldReplies() const { return group_ != nullptr && group_->MustHoldReplies(); }
  void WaitForCommit(std::shared_ptr<Connection*> conn) {
    commit_waiters_.push_back(std::move(conn));
  }

 private:
  static void OnConnection(uv_stream_t* listener, int status);
  static void OnAsync(uv_async_t* a);
  static void OnCron(uv_timer_t* t);
  // After each turn's I/O callbacks (check) and before the loop sleeps (prepare).
  static void OnTurnEnd(uv_check_t* h);
  static void OnBeforePoll(uv_prepare_t* h);
  void CommitGroup();
  void Run();
  void CloseAll();

  Server* server_;
  int index_;
  uv_loop_t loop_;
  uv_async_t async_;
  uv_timer_t cron_;
  uv_check_t turn_end_;
  uv_prepare_t before_poll_;
  std::unique_ptr<GroupCommit> group_;                        // loop thread only
  std::vector<std::shared_ptr<Connection*>> commit_waiters_;  // loop thread only
  std::vector<std::shared_ptr<Connection*>> flushing_;        // CommitGroup's working list
  std::vector<uv_tcp_t*> listeners_;
  Connection* connections_ = nullptr;  // intrusive list head (loop thread only)
  std::unique_ptr<Router> router_;     // loop thread only
  std::atomic<bool> stop_requested_{false};
  std::thread thread_;
  // Woken blocked clients posted from any thread; drained by OnAsync.
  std::mutex blocked_mu_;
  std::vector<std::pair<std::shared_ptr<Connection*>, std::shared_ptr<Waiter>>> blocked_posts_;
};

class Server {
 public:
  explicit Server(Config* config);
  ~Server();

  // Opens storage, binds every address, starts the workers. On error nothing is left running.
  Status Start();
  // Blocks until shutdown is requested (signal or SHUTDOWN), then stops everything.
  void Run();
  // Thread-safe, async-signal-unsafe; signals go through the main loop's uv_signal_t.
  void RequestShutdown();

  ServerState& state() { return state_; }
  Config& config() { return *config_; }
  int port() const { return state_.listen_port; }

 private:
  Status Bind(std::vector<std::vector<int>>* fds_per_worker);
  static void OnShutdownAsync(uv_async_t* a);
  static void OnSignal(uv_signal_t* s, int signum);

  Config* config_;
  ServerState state_;
  std::unique_ptr<CommandTable> table_;
  std::unique_ptr<storage::Storage> storage_;
  std::unique_ptr<ClusterState> cluster_;
  std::vector<std::unique_ptr<Worker>> workers_;
  uv_loop_t main_loop_;
  uv_async_t shutdown_async_;
  uv_signal_t sigterm_;
  uv_signal_t sigint_;
  bool main_loop_ready_ = false;
  std::atomic<bool> shutdown_requested_{false};
};

}  // namespace ringkv
