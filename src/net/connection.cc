// Connection: read -> parse -> dispatch -> buffer replies -> one write per read batch.
//
// Ordering: commands of one read are dispatched in order and their replies appended to out_ in
// the same order; out_ is handed to the kernel only after the batch, so a pipeline costs one
// write syscall per read instead of one per command. A uv_write in flight owns inflight_; new
// replies keep collecting in out_ until it completes. While the worker's group commit holds
// uncommitted writes (group_commit.h), Flush sends nothing: the worker flushes the connection
// after the commit, so no reply acknowledges a write before it is stored.
// Limits, as Redis: client-query-buffer-limit (1 MB before AUTH) closes the client;
// client-output-buffer-limit normal <hard> <soft> <secs> closes it; before AUTH more than 1024
// pending reply bytes close it (CVE-2025-21605: unauthenticated clients cannot pile up output).

#include "net/connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <chrono>

#include "commands/dispatch.h"
#include "errors.h"
#include "log.h"
#include "net/server.h"

namespace ringkv {
namespace {

constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kUnauthQueryLimit = 1024 * 1024;
constexpr size_t kUnauthOutputLimit = 1024;

int64_t NowWallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string FormatAddr(const sockaddr_storage& ss, bool* loopback) {
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  *loopback = false;
  if (ss.ss_family == AF_INET) {
    const auto* sa = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &sa->sin_addr, host, sizeof(host));
    port = ntohs(sa->sin_port);
    *loopback = (ntohl(sa->sin_addr.s_addr) >> 24) == 127;
    return std::string(host) + ":" + std::to_string(port);
  }
  if (ss.ss_family == AF_INET6) {
    const auto* sa = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &sa->sin6_addr, host, sizeof(host));
    port = ntohs(sa->sin6_port);
    *loopback = IN6_IS_ADDR_LOOPBACK(&sa->sin6_addr) ||
                (IN6_IS_ADDR_V4MAPPED(&sa->sin6_addr) && sa->sin6_addr.s6_addr[12] == 127);
    return std::string(host) + ":" + std::to_string(port);
  }
  return "?:0";
}

constexpr std::string_view kDeniedProtectedMode =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from the "
    "loopback interface. If you want to connect from external computers to Redis you may adopt "
    "one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG "
    "SET protected-mode no' from the loopback interface by connecting to Redis from the same host "
    "the server is running, however MAKE SURE Redis is not publicly accessible from internet if "
    "you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just "
    "disable the protected mode by editing the Redis configuration file, and setting the protected "
    "mode option to 'no', and then restarting the server. 3) If you started the server manually "
    "just for testing, restart it with the '--protected-mode no' option. 4) Setup a an "
    "authentication password for the default user. NOTE: You only need to do one of the above "
    "things in order for the server to start accepting connections from the outside.\r\n";

}  // namespace

Connection::Connection(Worker* worker)
    : worker_(worker), writer_(&out_), self_ref_(std::make_shared<Connection*>(this)) {
  uv_tcp_init(worker->loop(), &handle_);
  handle_.data = this;
  write_req_.data = this;
}

void Connection::Start() {
  ServerState& st = worker_->server()->state();
  Config& cfg = *st.config;
  client_.id = st.next_client_id.fetch_add(1);
  int64_t now = NowWallMs();
  client_.created_ms = now;
  client_.last_interaction_ms = now;
  std::string pass = cfg.RequirePass();
  client_.authenticated = pass.empty();

  sockaddr_storage peer{}, local{};
  int len = sizeof(peer);
  bool loopback = false, unused = false;
  uv_tcp_getpeername(&handle_, reinterpret_cast<sockaddr*>(&peer), &len);
  len = sizeof(local);
  uv_tcp_getsockname(&handle_, reinterpret_cast<sockaddr*>(&local), &len);
  uv_os_fd_t fd = -1;
  uv_fileno(reinterpret_cast<uv_handle_t*>(&handle_), &fd);
  {
    std::lock_guard<std::mutex> g(client_.info_mu);
    client_.addr = FormatAddr(peer, &loopback);
    client_.laddr = FormatAddr(local, &unused);
    client_.fd = fd;
  }
  uv_tcp_nodelay(&handle_, 1);
  int64_t keepalive = cfg.tcp_keepalive.load();
  if (keepalive > 0) uv_tcp_keepalive(&handle_, 1, static_cast<unsigned>(keepalive));

  resp::ParserLimits limits;
  limits.max_bulk_len = cfg.proto_max_bulk_len.load();
  limits.unauthenticated = !client_.authenticated;
  parser_.SetLimits(limits);

  // maxclients: accept, tell, close (Redis does the same so the client sees why).
  int64_t clients = st.connected_clients.fetch_add(1) + 1;
  st.clients.Add(&client_, [w = worker_] { w->Wake(); });
  registered_ = true;
  if (clients > cfg.maxclients.load()) {
    st.stats.rejected_connections.fetch_add(1, std::memory_order_relaxed);
    RejectAndClose("-ERR max number of clients reached\r\n");
    return;
  }
  if (cfg.protected_mode.load() && pass.empty() && !loopback) {
    RejectAndClose(kDeniedProtectedMode);
    return;
  }
  // Blocking commands: a wake-up from any thread is posted to this worker (blocking.h).
  client_.block.post = [w = worker_, ref = self_ref_](const std::shared_ptr<Waiter>& waiter) {
    w->PostBlocked(ref, waiter);
  };
  int rc = uv_read_start(reinterpret_cast<uv_stream_t*>(&handle_), OnAlloc, OnRead);
  if (rc != 0) {
    RINGKV_LOG(kVerbose, "read start: %s", uv_strerror(rc));
    Close();
  }
}

void Connection::RejectAndClose(std::string_view error_line) {
  out_.append(error_line);
  close_after_write_ = true;
  Flush();
}

void Connection::Close() {
  if (closing_) return;
  closing_ = true;
  *self_ref_ = nullptr;  // deferred replies arriving from now on are dropped
  // Its blocking commands forwarded to other nodes go too (their connections close, so the
  // owners forget them).
  if (Router* router = worker_->router()) router->DropBlockingForwards(client_.id);
  // A blocked client leaves nothing behind: out of the registry, timer closed.
  if (client_.block.waiter) {
    worker_->server()->state().blocking.Remove(client_.block.waiter);
    client_.block.waiter.reset();
  }
  StopBlockTimer();
  uv_close(reinterpret_cast<uv_handle_t*>(&handle_), OnClose);
}

void Connection::OnClose(uv_handle_t* h) {
  auto* self = static_cast<Connection*>(h->data);
  if (self->registered_) {
    ServerState& st = self->worker_->server()->state();
    st.clients.Remove(&self->client_);
    st.connected_clients.fetch_sub(1);
  }
  self->worker_->Detach(self);
  delete self;
}

void Connection::OnAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* self = static_cast<Connection*>(h->data);
  size_t room = 0;
  buf->base = self->parser_.PrepareWrite(kReadChunk, &room);
  buf->len = room;
}

void Connection::OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t*) {
  auto* self = static_cast<Connection*>(s->data);
  if (nread < 0) {
    if (nread != UV_EOF)
      RINGKV_LOG(kVerbose, "client read: %s", uv_strerror(static_cast<int>(nread)));
    self->Close();
    return;
  }
  if (nread == 0) return;
  self->parser_.CommitWrite(static_cast<size_t>(nread));
  ServerState& st = self->worker_->server()->state();
  st.stats.net_input_bytes.fetch_add(static_cast<uint64_t>(nread), std::memory_order_relaxed);
  self->client_.last_interaction_ms = NowWallMs();
  self->ProcessInput();
}

void Connection::ProcessInput() {
  ServerState& st = worker_->server()->state();
  DispatchContext dc;
  dc.router = worker_->router();
  dc.deferrer = this;
  // The hard output limit is checked after every command, as Redis checks it on every reply it
  // adds: a pipeline of big replies to a client that never reads must not pile up first.
  size_t hard_limit = 0;
  {
    std::lock_guard<std::mutex> g(st.config->mu());
    hard_limit = static_cast<size_t>(st.config->output_limit_normal.hard);
  }
  while (!closing_ && !close_after_write_ && !blocked_) {
    resp::ParseResult r = parser_.Next(&argv_);
    if (r == resp::ParseResult::kNeedMore) break;
    // Behind a deferred reply, each reply is produced into scratch_ and queued in a slot.
    bool queued = !slots_.empty();
    writer_.SetBuffer(queued ? &scratch_ : &out_);
    writer_.SetProto(client_.proto);
    DispatchResult result = DispatchResult::kDone;
    if (r == resp::ParseResult::kError) {
      RINGKV_LOG(kVerbose, "Protocol error (%s) from client: id=%llu", parser_.error().c_str(),
                 static_cast<unsigned long long>(client_.id));
      writer_.Error("ERR Protocol error: " + parser_.error());
      close_after_write_ = true;
    } else {
      bool was_authenticated = client_.authenticated;
      dc.raw = parser_.last_was_inline() ? std::string_view() : parser_.last_raw();
      result = Dispatch(st, client_, argv_, &writer_, dc);
      if (client_.authenticated != was_authenticated) {
        resp::ParserLimits limits = parser_.limits();
        limits.unauthenticated = !client_.authenticated;
        parser_.SetLimits(limits);
      }
      if (client_.close_after_reply || client_.kill_requested.load()) close_after_write_ = true;
    }
    if (queued && result == DispatchResult::kDone) {
      slots_.push_back({std::move(scratch_), true});
      scratch_.clear();
    }
    if (result == DispatchResult::kBlocked) ParkBlocked();
    size_t pending = PendingOutput();
    if ((hard_limit != 0 && pending > hard_limit) ||
        (!client_.authenticated && pending > kUnauthOutputLimit)) {
      if (!CheckOutputLimits(NowWallMs())) return;  // closed
    }
  }
  writer_.SetBuffer(&out_);
  if (closing_) return;
  // Query buffer limit: a client that sends a huge partial request is cut off (no reply, as
  // Redis, which only logs it).
  size_t qlimit = client_.authenticated
                      ? static_cast<size_t>(st.config->client_query_buffer_limit.load())
                      : kUnauthQueryLimit;
  if (parser_.buffered() > qlimit) {
    RINGKV_LOG(kWarning, "Closing client that reached max query buffer length (id=%llu, qbuf=%zu)",
               static_cast<unsigned long long>(client_.id), parser_.buffered());
    Close();
    return;
  }
  client_.query_buffer_bytes.store(parser_.buffered(), std::memory_order_relaxed);
  Flush();
}

void Connection::Flush() {
  if (closing_) return;
  if (worker_->MustHoldReplies()) {
    if (!waiting_for_commit_) {
      waiting_for_commit_ = true;
      worker_->WaitForCommit(self_ref_);
    }
    return;
  }
  if (!writing_ && !out_.empty()) {
    ServerState& st = worker_->server()->state();
    uv_buf_t b = uv_buf_init(out_.data(), static_cast<unsigned>(out_.size()));
    int n = uv_try_write(reinterpret_cast<uv_stream_t*>(&handle_), &b, 1);
    if (n < 0 && n != UV_EAGAIN) {
      Close();
      return;
    }
    size_t written = n > 0 ? static_cast<size_t>(n) : 0;
    st.stats.net_output_bytes.fetch_add(written, std::memory_order_relaxed);
    if (written == out_.size()) {
      out_.clear();
    } else {
      inflight_.assign(out_, written, std::string::npos);
      out_.clear();
      writing_ = true;
      b = uv_buf_init(inflight_.data(), static_cast<unsigned>(inflight_.size()));
      int rc = uv_write(&write_req_, reinterpret_cast<uv_stream_t*>(&handle_), &b, 1, OnWrite);
      if (rc != 0) {
        writing_ = false;
        Close();
        return;
      }
    }
  }
  client_.output_bytes.store(PendingOutput(), std::memory_order_relaxed);
  if (!CheckOutputLimits(NowWallMs())) return;
  if (close_after_write_ && !writing_ && out_.empty() && slots_.empty()) Close();
}

void Connection::FlushAfterCommit() {
  waiting_for_commit_ = false;
  Flush();
}

Completion Connection::Defer() {
  slots_.push_back({std::string(), false});
  uint64_t seq = slots_base_ + slots_.size() - 1;
  std::shared_ptr<Connection*> ref = self_ref_;
  return [ref, seq](std::string_view reply) {
    if (*ref != nullptr) (*ref)->Complete(seq, reply);
  };
}

void Connection::Complete(uint64_t seq, std::string_view reply) {
  Slot& slot = slots_[static_cast<size_t>(seq - slots_base_)];
  slot.data.assign(reply);
  slot.done = true;
  while (!slots_.empty() && slots_.front().done) {
    out_ += slots_.front().data;
    slots_.pop_front();
    ++slots_base_;
  }
  Flush();
}

void Connection::OnWrite(uv_write_t* req, int status) {
  auto* self = static_cast<Connection*>(req->data);
  self->writing_ = false;
  if (status < 0) {
    self->Close();
    return;
  }
  self->worker_->server()->state().stats.net_output_bytes.fetch_add(self->inflight_.size(),
                                                                    std::memory_order_relaxed);
  self->inflight_.clear();
  self->Flush();
}

bool Connection::CheckOutputLimits(int64_t now_ms) {
  size_t pending = PendingOutput();
  if (pending == 0) {
    soft_limit_since_ms_ = 0;
    return true;
  }
  ServerState& st = worker_->server()->state();
  if (!client_.authenticated && pending > kUnauthOutputLimit) {
    RINGKV_LOG(kWarning, "Closing unauthenticated client with %zu bytes of pending output",
               pending);
    Close();
    return false;
  }
  OutputLimit limit;
  {
    std::lock_guard<std::mutex> g(st.config->mu());
    limit = st.config->output_limit_normal;
  }
  bool hard = limit.hard > 0 && pending > static_cast<size_t>(limit.hard);
  bool soft = false;
  if (limit.soft > 0 && pending > static_cast<size_t>(limit.soft)) {
    if (soft_limit_since_ms_ == 0) soft_limit_since_ms_ = now_ms;
    soft = now_ms - soft_limit_since_ms_ >= limit.soft_seconds * 1000;
  } else {
    soft_limit_since_ms_ = 0;
  }
  if (hard || soft) {
    RINGKV_LOG(kWarning,
               "Client id=%llu scheduled to be closed ASAP for overcoming of output buffer limits.",
               static_cast<unsigned long long>(client_.id));
    Close();
    return false;
  }
  return true;
}

void Connection::Cron(int64_t now_ms) {
  if (closing_) return;
  if (client_.kill_requested.load()) {
    Close();
    return;
  }
  if (slots_.empty() && parser_.buffered() == 0) parser_.TrimIdle();
  int64_t timeout = worker_->server()->config().timeout.load();
  if (timeout > 0 && !writing_ && slots_.empty() &&
      now_ms - client_.last_interaction_ms.load() > timeout * 1000) {
    RINGKV_LOG(kVerbose, "Closing idle client");
    Close();
    return;
  }
  CheckOutputLimits(now_ms);
}

// ---------------------------------------------------------------------------------------------
// Blocking commands (blocking.h)

void Connection::ParkBlocked() {
  client_.block.requested = false;
  blocked_ = true;
  client_.blocked_shared.store(true);
  blocked_argv_.assign(argv_.begin(), argv_.end());
  blocked_done_ = Defer();
  uint64_t deadline = client_.block.waiter ? client_.block.waiter->deadline_ms : 0;
  if (deadline == 0) return;
  block_timer_ = new uv_timer_t;
  uv_timer_init(worker_->loop(), block_timer_);
  block_timer_->data = this;
  int64_t now = NowWallMs();
  uint64_t wait = deadline > static_cast<uint64_t>(now) ? deadline - static_cast<uint64_t>(now) : 0;
  uv_timer_start(block_timer_, OnBlockTimer, wait, 0);
}

void Connection::StopBlockTimer() {
  if (block_timer_ == nullptr) return;
  uv_timer_stop(block_timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(block_timer_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  block_timer_ = nullptr;
}

void Connection::OnBlockTimer(uv_timer_t* t) {
  auto* self = static_cast<Connection*>(t->data);
  if (self->blocked_ && !self->closing_) self->RetryBlocked(/*timed_out=*/true);
}

void Connection::OnBlockedWake(const std::shared_ptr<Waiter>& w) {
  if (!blocked_ || closing_ || client_.block.waiter != w) return;  // stale
  switch (w->wake.load()) {
    case Waiter::kUnblockError:
      FinishBlocked("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
      break;
    case Waiter::kUnblockTimeout:
      RetryBlocked(/*timed_out=*/true);
      break;
    case Waiter::kReady:
      RetryBlocked(/*timed_out=*/false);
      break;
    default:
      break;
  }
}

void Connection::RetryBlocked(bool timed_out) {
  ServerState& st = worker_->server()->state();
  std::vector<std::string_view> args(blocked_argv_.begin(), blocked_argv_.end());
  std::string reply;
  resp::ReplyWriter w(&reply, client_.proto);
  client_.block.retry = true;
  client_.block.timed_out = timed_out;
  const CommandSpec* spec = nullptr;
  if (ResolveCommand(*st.table, args, &spec).ok()) {
    Execute(st, client_, spec, args, &w);
  } else {
    w.Error("ERR blocked command could not be resolved again");
  }
  client_.block.retry = false;
  client_.block.timed_out = false;
  if (client_.block.requested) {  // still nothing to serve: keeps its place
    client_.block.requested = false;
    return;
  }
  FinishBlocked(reply);
}

void Connection::FinishBlocked(std::string_view reply) {
  ServerState& st = worker_->server()->state();
  std::shared_ptr<Waiter> w = std::move(client_.block.waiter);
  client_.block.waiter.reset();
  if (w) st.blocking.Remove(w);
  StopBlockTimer();
  blocked_ = false;
  client_.blocked_shared.store(false);
  blocked_argv_.clear();
  Completion done = std::move(blocked_done_);
  blocked_done_ = nullptr;
  if (done) done(reply);
  // The data that woke this client may not be exhausted: the next client in line tries.
  if (w) {
    for (const std::string& k : w->keys) st.blocking.Signal(k, w->type);
  }
  if (!closing_) ProcessInput();
}

}  // namespace ringkv
