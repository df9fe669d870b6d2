// Server and Worker: process startup, listeners, worker loops and orderly shutdown.
// See server.h for the threading model.

#include "net/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>

#include "net/connection.h"
#include "errors.h"
#include "log.h"
#include "storage/rocks_storage.h"
#include "txn/watch.h"

namespace ringkv {
namespace {

int64_t NowWallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string RandomHex(size_t n) {
  std::random_device rd;
  std::mt19937_64 gen(rd());
  static const char kHex[] = "0123456789abcdef";
  std::string out(n, '0');
  for (char& c : out) c = kHex[gen() % 16];
  return out;
}

// A listening socket with SO_REUSEPORT, so every worker can have its own on the same port.
int ListenSocket(const std::string& addr, int port, int backlog, std::string* err) {
  bool v6 = addr.find(':') != std::string::npos;
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *err = std::strerror(errno);
    return -1;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  int rc;
  if (v6) {
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, addr.c_str(), &sa.sin6_addr) != 1) {
      *err = "invalid address";
      close(fd);
      return -1;
    }
    rc = bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  } else {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, addr == "*" ? "0.0.0.0" : addr.c_str(), &sa.sin_addr) != 1) {
      *err = "invalid address";
      close(fd);
      return -1;
    }
    rc = bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  }
  if (rc != 0 || listen(fd, backlog) != 0) {
    *err = std::strerror(errno);
    close(fd);
    return -1;
  }
  return fd;
}

// As Redis's adjustOpenFilesLimit: make room for maxclients plus descriptors the server needs
// itself (listeners, RocksDB's SST and WAL files, peer connections); raise the soft limit if the
// hard one allows, else lower maxclients so that surplus clients are told
// "-ERR max number of clients reached" instead of accept() failing with EMFILE (which would
// also leave RocksDB unable to open a file).
void FitMaxClientsToFileLimit(Config* config) {
  constexpr int64_t kReservedFds = 32 + 96;  // Redis reserves 32; RocksDB and peers need more
  int64_t want = config->maxclients.load() + kReservedFds;
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  if (rl.rlim_cur != RLIM_INFINITY && static_cast<int64_t>(rl.rlim_cur) < want) {
    rlim_t target = static_cast<rlim_t>(want);
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < target) target = rl.rlim_max;
    rlimit raised = rl;
    raised.rlim_cur = target;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
  }
  if (rl.rlim_cur == RLIM_INFINITY || static_cast<int64_t>(rl.rlim_cur) >= want) return;
  int64_t fit = static_cast<int64_t>(rl.rlim_cur) - kReservedFds;
  if (fit < 1) fit = 1;
  RINGKV_LOG(kWarning,
             "You requested maxclients of %lld requiring at least %lld max file descriptors, but "
             "the open files limit is %llu: maxclients is now %lld.",
             static_cast<long long>(config->maxclients.load()), static_cast<long long>(want),
             static_cast<unsigned long long>(rl.rlim_cur), static_cast<long long>(fit));
  config->maxclients = fit;
}

int BoundPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return -1;
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Worker

Worker::Worker(Server* server, int index) : server_(server), index_(index) {}

Worker::~Worker() { Join(); }

Status Worker::Start(const std::vector<int>& listen_fds) {
  int rc = uv_loop_init(&loop_);
  if (rc != 0) return Status::IOError(std::string("uv_loop_init: ") + uv_strerror(rc));
  loop_.data = this;
  uv_async_init(&loop_, &async_, OnAsync);
  async_.data = this;
  uv_timer_init(&loop_, &cron_);
  cron_.data = this;
  uv_timer_start(&cron_, OnCron, 1000, 1000);
  group_ = std::make_unique<GroupCommit>(server_->state().storage, &server_->state().locks);
  uv_check_init(&loop_, &turn_end_);
  turn_end_.data = this;
  uv_check_start(&turn_end_, OnTurnEnd);
  uv_prepare_init(&loop_, &before_poll_);
  before_poll_.data = this;
  uv_prepare_start(&before_poll_, OnBeforePoll);
  if (server_->state().cluster != nullptr) {
    router_ = std::make_unique<Router>(&server_->state(), &loop_);
  }
  for (int fd : listen_fds) {
    auto* l = new uv_tcp_t;
    uv_tcp_init(&loop_, l);
    l->data = this;
    rc = uv_tcp_open(l, fd);
    if (rc == 0)
      rc =
          uv_listen(reinterpret_cast<uv_stream_t*>(l), server_->config().tcp_backlog, OnConnection);
    if (rc != 0) {
      RINGKV_LOG(kWarning, "worker %d: cannot listen: %s", index_, uv_strerror(rc));
      uv_close(reinterpret_cast<uv_handle_t*>(l),
               [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
      continue;
    }
    listeners_.push_back(l);
  }
  thread_ = std::thread([this] { Run(); });
  return Status::OK();
}

void Worker::Run() {
  Router::SetCurrent(router_.get());
  GroupCommit::SetCurrent(group_.get());
  uv_run(&loop_, UV_RUN_DEFAULT);
  // Drain close callbacks, then release the loop.
  uv_run(&loop_, UV_RUN_DEFAULT);
  GroupCommit::SetCurrent(nullptr);
  group_.reset();  // commits anything left
  int rc = uv_loop_close(&loop_);
  if (rc != 0) RINGKV_LOG(kWarning, "worker %d: loop close: %s", index_, uv_strerror(rc));
}

void Worker::Stop() {
  stop_requested_ = true;
  uv_async_send(&async_);
}

void Worker::Join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::Wake() { uv_async_send(&async_); }

void Worker::PostBlocked(std::shared_ptr<Connection*> conn, std::shared_ptr<Waiter> waiter) {
  {
    std::lock_guard<std::mutex> g(blocked_mu_);
    blocked_posts_.emplace_back(std::move(conn), std::move(waiter));
  }
  uv_async_send(&async_);
}

void Worker::Attach(Connection* c) {
  c->next = connections_;
  c->prev = nullptr;
  if (connections_ != nullptr) connections_->prev = c;
  connections_ = c;
}

void Worker::Detach(Connection* c) {
  if (c->prev != nullptr) c->prev->next = c->next;
  if (c->next != nullptr) c->next->prev = c->prev;
  if (connections_ == c) connections_ = c->next;
  c->prev = c->next = nullptr;
}

void Worker::OnConnection(uv_stream_t* listener, int status) {
  auto* self = static_cast<Worker*>(listener->data);
  if (status < 0) {
    RINGKV_LOG(kWarning, "accept: %s", uv_strerror(status));
    return;
  }
  ServerState& st = self->server_->state();
  auto* conn = new Connection(self);
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(conn->handle())) != 0) {
    conn->Close();  // deletes itself once closed
    return;
  }
  st.stats.connections_received.fetch_add(1, std::memory_order_relaxed);
  self->Attach(conn);
  conn->Start();
}

void Worker::OnAsync(uv_async_t* a) {
  auto* self = static_cast<Worker*>(a->data);
  if (self->stop_requested_) {
    self->CloseAll();
    return;
  }
  // Kill requests from CLIENT KILL on other workers.
  for (Connection* c = self->connections_; c != nullptr;) {
    Connection* next = c->next;
    if (c->client().kill_requested.load()) c->Close();
    c = next;
  }
  // Blocked clients woken by writes on any worker (blocking.h).
  std::vector<std::pair<std::shared_ptr<Connection*>, std::shared_ptr<Waiter>>> posts;
  {
    std::lock_guard<std::mutex> g(self->blocked_mu_);
    posts.swap(self->blocked_posts_);
  }
  for (auto& [ref, waiter] : posts) {
    if (*ref != nullptr) (*ref)->OnBlockedWake(waiter);
  }
}

void Worker::OnCron(uv_timer_t* t) {
  auto* self = static_cast<Worker*>(t->data);
  int64_t now = NowWallMs();
  for (Connection* c = self->connections_; c != nullptr;) {
    Connection* next = c->next;
    c->Cron(now);
    c = next;
  }
}

void Worker::OnTurnEnd(uv_check_t* h) { static_cast<Worker*>(h->data)->CommitGroup(); }

void Worker::OnBeforePoll(uv_prepare_t* h) { static_cast<Worker*>(h->data)->CommitGroup(); }

void Worker::CommitGroup() {
  (void)group_->Commit();
  bool failed = group_->TakeFailure();
  if (commit_waiters_.empty()) return;
  // Swapped with a member, not a local, so neither list gives back its capacity every turn.
  // Nothing below adds waiters: the group is empty until a command runs again.
  flushing_.swap(commit_waiters_);
  for (const std::shared_ptr<Connection*>& ref : flushing_) {
    Connection* c = *ref;
    if (c == nullptr) continue;  // closed meanwhile
    if (failed) {
      c->Close();  // its replies may acknowledge writes that were not stored
    } else {
      c->FlushAfterCommit();
    }
  }
  flushing_.clear();
}

void Worker::CloseAll() {
  for (uv_tcp_t* l : listeners_) {
    uv_close(reinterpret_cast<uv_handle_t*>(l),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
  }
  listeners_.clear();
  for (Connection* c = connections_; c != nullptr;) {
    Connection* next = c->next;
    c->Close();
    c = next;
  }
  // Fails the forwards still in flight (their connections are closing, so nothing is written);
  // the pool's handles are freed by the loop turns that follow.
  router_.reset();
  uv_timer_stop(&cron_);
  uv_close(reinterpret_cast<uv_handle_t*>(&cron_), nullptr);
  (void)group_->Commit();
  uv_check_stop(&turn_end_);
  uv_close(reinterpret_cast<uv_handle_t*>(&turn_end_), nullptr);
  uv_prepare_stop(&before_poll_);
  uv_close(reinterpret_cast<uv_handle_t*>(&before_poll_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
}

// ---------------------------------------------------------------------------------------------
// Server

Server::Server(Config* config) : config_(config) {}

Server::~Server() {
  for (auto& w : workers_) w->Join();
  if (main_loop_ready_) {
    uv_run(&main_loop_, UV_RUN_NOWAIT);
    uv_loop_close(&main_loop_);
  }
}

Status Server::Bind(std::vector<std::vector<int>>* fds_per_worker) {
  int port = config_->port;
  int nworkers = static_cast<int>(fds_per_worker->size());
  bool any = false;
  for (const std::string& raw : config_->bind) {
    bool optional = !raw.empty() && raw[0] == '-';
    std::string addr = optional ? raw.substr(1) : raw;
    std::vector<int> fds;
    std::string err;
    for (int w = 0; w < nworkers; ++w) {
      int fd = ListenSocket(addr, port, config_->tcp_backlog, &err);
      if (fd < 0) break;
      if (port == 0) port = BoundPort(fd);  // port 0: every other socket joins the one chosen
      fds.push_back(fd);
    }
    if (static_cast<int>(fds.size()) != nworkers) {
      for (int fd : fds) close(fd);
      if (optional) {
        RINGKV_LOG(kVerbose, "skipping optional bind address %s: %s", addr.c_str(), err.c_str());
        continue;
      }
      for (auto& list : *fds_per_worker) {
        for (int fd : list) close(fd);
        list.clear();
      }
      return Status::IOError("Failed listening on port " + std::to_string(config_->port) +
                             " (tcp), aborting: " + addr + ": " + err);
    }
    for (int w = 0; w < nworkers; ++w) (*fds_per_worker)[w].push_back(fds[w]);
    any = true;
  }
  if (!any) return Status::IOError("no address to listen on (check 'bind')");
  state_.listen_port = port;
  return Status::OK();
}

Status Server::Start() {
  // Storage first: if the data directory is unusable there is nothing to serve.
  storage::RocksOptions ro;
  ro.path = config_->dir;
  ro.block_cache_bytes = static_cast<uint64_t>(config_->rocksdb_block_cache_size);
  ro.write_buffer_bytes = static_cast<uint64_t>(config_->rocksdb_write_buffer_size);
  ro.bloom_bits_per_key = static_cast<int>(config_->rocksdb_bloom_bits);
  ro.ttl_check_seconds = static_cast<int>(config_->rocksdb_ttl_check_seconds);
  ro.sync = config_->appendfsync == "always" ? storage::SyncMode::kAlways
            : config_->appendfsync == "no"   ? storage::SyncMode::kNo
                                             : storage::SyncMode::kEverySec;
  Status st = storage::OpenRocksStorage(ro, &storage_);
  if (!st.ok()) return st;
  st = state_.databases.Load(config_->dir + "/DBMAP");  // SWAPDB's map (database_map.h)
  if (!st.ok()) return st;

  st = ClusterState::Build(*config_, &cluster_);
  if (!st.ok()) return st;
  table_ = CommandTable::CreateDefault();
  state_.config = config_;
  state_.cluster = cluster_.get();
  state_.storage = storage_.get();
  // WATCH (issue 6): every write from now on goes through the watch layer's observer.
  InstallWatchLayer(&state_);
  state_.table = table_.get();
  state_.start_time_ms = NowWallMs();
  state_.last_save_unix = NowWallMs() / 1000;
  state_.run_id = RandomHex(40);
  state_.worker_threads = config_->EffectiveThreads();
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) state_.executable.assign(exe, static_cast<size_t>(n));
  state_.request_shutdown = [this] { RequestShutdown(); };

  FitMaxClientsToFileLimit(config_);
  std::vector<std::vector<int>> fds(static_cast<size_t>(state_.worker_threads));
  st = Bind(&fds);
  if (!st.ok()) return st;

  uv_loop_init(&main_loop_);
  main_loop_ready_ = true;
  uv_async_init(&main_loop_, &shutdown_async_, OnShutdownAsync);
  shutdown_async_.data = this;
  uv_signal_init(&main_loop_, &sigterm_);
  uv_signal_init(&main_loop_, &sigint_);
  sigterm_.data = sigint_.data = this;
  uv_signal_start(&sigterm_, OnSignal, SIGTERM);
  uv_signal_start(&sigint_, OnSignal, SIGINT);
  signal(SIGPIPE, SIG_IGN);

  for (int i = 0; i < state_.worker_threads; ++i) {
    workers_.push_back(std::make_unique<Worker>(this, i));
    st = workers_.back()->Start(fds[static_cast<size_t>(i)]);
    if (!st.ok()) return st;
  }
  return Status::OK();
}

void Server::Run() {
  uv_run(&main_loop_, UV_RUN_DEFAULT);
  RINGKV_LOG(kWarning, "User requested shutdown...");
  for (auto& w : workers_) w->Stop();
  for (auto& w : workers_) w->Join();
  if (storage_ != nullptr) {
    Status st = storage_->Flush();
    if (!st.ok()) RINGKV_LOG(kWarning, "flush at shutdown failed: %s", st.ToString().c_str());
    storage_.reset();  // closes RocksDB (syncs the WAL)
  }
  RINGKV_LOG(kWarning, "ringkv is now ready to exit, bye bye...");
}

void Server::RequestShutdown() {
  if (shutdown_requested_.exchange(true)) return;  // the async handle closes after the first
  uv_async_send(&shutdown_async_);
}

void Server::OnShutdownAsync(uv_async_t* a) {
  auto* self = static_cast<Server*>(a->data);
  uv_close(reinterpret_cast<uv_handle_t*>(&self->shutdown_async_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&self->sigterm_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&self->sigint_), nullptr);
}

void Server::OnSignal(uv_signal_t* s, int signum) {
  auto* self = static_cast<Server*>(s->data);
  RINGKV_LOG(kWarning, "Received %s scheduling shutdown...",
             signum == SIGINT ? "SIGINT" : "SIGTERM");
  self->RequestShutdown();
}

}  // namespace ringkv
