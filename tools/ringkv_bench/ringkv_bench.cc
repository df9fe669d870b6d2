// ringkv-bench: an open-loop, rate-controlled load generator for Redis-protocol servers.
//
// Design note. redis-benchmark is a closed loop: a client sends its next request only when the
// previous reply came back, so when the server stalls the client stops asking, and the stall is
// recorded as one slow request instead of the thousands that a real user population would have
// suffered ("coordinated omission", Gil Tene). ringkv-bench instead gives every request an
// intended send time on a fixed schedule (request j of a thread is due at t0 + j / rate) and
// measures its latency from that intended time, as wrk2 does. Unlike HTTP/1.1, RESP allows many
// requests in flight on one connection, so a request is sent at its due time whatever is still
// outstanding (up to --max-inflight per connection); if the server or this client falls behind,
// the wait shows up in the latency, not as a lower offered rate.
//
// Threads. Each thread owns a libuv loop, its share of the connections (hiredis async contexts
// attached with the libuv adapter) and an equal share of the rate. Sends are timed by a timerfd
// watched with uv_poll (libuv's own timers have 1 ms resolution, too coarse for 10k req/s). The
// intended send time travels as the hiredis privdata of the request, so nothing is allocated per
// request beyond hiredis's own callback entry. Each thread records into its own Histogram; the
// main thread merges them after the run. The main thread only sequences the phases (connect,
// optional load, optional timed run) through a small barrier.
//
// Errors. Error replies are counted (the first few printed). A failed connect, a connection that
// does not answer PING within 5 s, or a lost connection is fatal: every loop is stopped through its
// uv_async and the run ends with a message and exit status 1. hiredis's own libuv adapter drops
// poll errors (a refused connect would hang), so this file carries its own small adapter.

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tools/ringkv_bench/histogram.h"
#include "tools/ringkv_bench/key_chooser.h"
#include "tools/ringkv_bench/key_owner.h"
#include "tools/ringkv_bench/options.h"

namespace ringkv {
namespace bench {
namespace {

constexpr int kMaxPrintedErrors = 5;
constexpr uint64_t kConnectTimeoutMs = 5000;
constexpr uint64_t kNsPerSec = 1000000000ULL;

uint64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * kNsPerSec + static_cast<uint64_t>(ts.tv_nsec);
}

// ---------------------------------------------------------------------------------------------
// hiredis <-> libuv. Same as hiredis 0.14's adapters/libuv.h except for poll errors: libuv stops
// a poll whose fd reports POLLERR and passes status < 0, which that adapter ignores, leaving a
// refused connect or a reset connection silent forever. Here the error goes back to hiredis,
// which reports it through the connect or disconnect callback.

struct UvEvents {
  redisAsyncContext* ac;
  uv_poll_t handle;
  int events;
};

void UvPollCb(uv_poll_t* handle, int status, int events) {
  auto* p = static_cast<UvEvents*>(handle->data);
  if (p->ac == nullptr) return;
  if (status < 0) {
    if (!(p->ac->c.flags & REDIS_CONNECTED)) {
      redisAsyncHandleWrite(p->ac);  // hiredis checks SO_ERROR and calls the connect callback
    } else {
      redisAsyncHandleRead(p->ac);  // the failing read makes hiredis disconnect
    }
    if (p->ac != nullptr && p->events != 0) uv_poll_start(&p->handle, p->events, UvPollCb);
    return;
  }
  if (events & UV_READABLE) redisAsyncHandleRead(p->ac);
  if (p->ac != nullptr && (events & UV_WRITABLE)) redisAsyncHandleWrite(p->ac);
}

void UvUpdate(UvEvents* p, int events) {
  p->events = events;
  if (events != 0) {
    uv_poll_start(&p->handle, events, UvPollCb);
  } else {
    uv_poll_stop(&p->handle);
  }
}

void UvAddRead(void* d) {
  UvUpdate(static_cast<UvEvents*>(d), static_cast<UvEvents*>(d)->events | UV_READABLE);
}
void UvDelRead(void* d) {
  UvUpdate(static_cast<UvEvents*>(d), static_cast<UvEvents*>(d)->events & ~UV_READABLE);
}
void UvAddWrite(void* d) {
  UvUpdate(static_cast<UvEvents*>(d), static_cast<UvEvents*>(d)->events | UV_WRITABLE);
}
void UvDelWrite(void* d) {
  UvUpdate(static_cast<UvEvents*>(d), static_cast<UvEvents*>(d)->events & ~UV_WRITABLE);
}

void UvCleanup(void* d) {
  auto* p = static_cast<UvEvents*>(d);
  p->ac = nullptr;  // the context is being freed; a poll callback already queued must not use it
  uv_close(reinterpret_cast<uv_handle_t*>(&p->handle),
           [](uv_handle_t* h) { delete static_cast<UvEvents*>(h->data); });
}

bool UvAttach(redisAsyncContext* ac, uv_loop_t* loop) {
  if (ac->ev.data != nullptr) return false;
  auto* p = new UvEvents{ac, {}, 0};
  if (uv_poll_init(loop, &p->handle, ac->c.fd) != 0) {
    delete p;
    return false;
  }
  p->handle.data = p;
  ac->ev.addRead = UvAddRead;
  ac->ev.delRead = UvDelRead;
  ac->ev.addWrite = UvAddWrite;
  ac->ev.delWrite = UvDelWrite;
  ac->ev.cleanup = UvCleanup;
  ac->ev.data = p;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Fatal errors: the first message wins; every worker loop is woken and stops.

struct Worker;
std::mutex g_fatal_mu;
std::string g_fatal_msg;
std::atomic<bool> g_fatal{false};
std::vector<Worker*> g_workers;  // written before any thread starts, then read-only
std::atomic<int> g_printed_errors{0};

void Fatal(const std::string& msg);

// ---------------------------------------------------------------------------------------------
// Phase barrier between the main thread and the workers.

enum class Phase { kLoad, kRun, kExit };

class PhaseControl {
 public:
  explicit PhaseControl(int workers) : workers_(workers) {}

  // Worker: report the current phase finished, then block until the main thread names the next.
  Phase ArriveAndWait(uint64_t* t0_ns) {
    std::unique_lock<std::mutex> lock(mu_);
    uint64_t gen = generation_;
    if (++arrived_ == workers_) all_arrived_.notify_one();
    released_.wait(lock, [&] { return generation_ != gen; });
    *t0_ns = t0_ns_;
    return next_;
  }
  // Main: wait until every worker has arrived.
  void WaitAll() {
    std::unique_lock<std::mutex> lock(mu_);
    all_arrived_.wait(lock, [&] { return arrived_ == workers_; });
  }
  // Main: start the next phase (after WaitAll).
  void Release(Phase next, uint64_t t0_ns) {
    std::lock_guard<std::mutex> lock(mu_);
    arrived_ = 0;
    next_ = next;
    t0_ns_ = t0_ns;
    ++generation_;
    released_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable all_arrived_;
  std::condition_variable released_;
  const int workers_;
  int arrived_ = 0;
  uint64_t generation_ = 0;
  Phase next_ = Phase::kExit;
  uint64_t t0_ns_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Workers.

struct Conn {
  Worker* worker = nullptr;
  redisAsyncContext* ac = nullptr;
  HostPort addr;
  int inflight = 0;
  bool answered = false;  // PING answered in the connect phase
  // load phase: the keys [next_key, end_key) are still to be written by this connection
  uint64_t next_key = 0;
  uint64_t end_key = 0;
};

enum class Mode { kConnect, kLoad, kRun, kIdle };

// One thread's state. Only that thread touches it while a phase runs; the main thread writes the
// setup fields before the thread starts and reads the results after the phase barrier (whose
// mutex orders the accesses). stop_async is the one handle other threads use (uv_async_send).
struct Worker {
  int id = 0;
  const Options* opt = nullptr;
  const ZipfTable* zipf = nullptr;
  const std::vector<uint64_t>* keyset = nullptr;  // --keys-(not-)owned-by: the keys to use
  PhaseControl* control = nullptr;
  uv_loop_t loop;
  uv_async_t stop_async;
  uv_poll_t timer_poll;
  int timer_fd = -1;
  uv_timer_t connect_timer;
  std::vector<std::unique_ptr<Conn>> conns;
  std::thread thread;
  Rng rng{0};
  std::string value;  // the SET payload, value_size bytes
  std::string cmd;    // scratch for one formatted request
  Mode mode = Mode::kConnect;
  int ready = 0;  // connections that answered PING

  // load phase
  uint64_t load_done = 0;  // SET replies
  uint64_t load_errors = 0;
  int load_conns_left = 0;
  uint64_t load_end_ns = 0;

  // timed phase: request seq is due at start_ns + offset_ns + seq * interval_ns
  uint64_t start_ns = 0;
  double interval_ns = 0;
  uint64_t offset_ns = 0;
  uint64_t measure_from_ns = 0;  // after the warm-up
  uint64_t end_ns = 0;           // no request is due at or after this
  uint64_t seq = 0;
  size_t rr = 0;  // round-robin position over conns
  bool sending_done = false;
  bool blocked = false;  // every connection at --max-inflight; a reply resumes sending
  bool draining_armed = false;
  int inflight = 0;
  Histogram hist;
  uint64_t sent = 0;  // measured requests sent (due after the warm-up)
  uint64_t replies = 0;
  uint64_t errors = 0;
  uint64_t gets = 0;
  uint64_t sets = 0;
  uint64_t last_reply_ns = 0;
};

void StopLoop(Worker* w) { uv_stop(&w->loop); }

void Fatal(const std::string& msg) {
  {
    std::lock_guard<std::mutex> lock(g_fatal_mu);
    if (g_fatal_msg.empty()) g_fatal_msg = msg;
  }
  g_fatal.store(true);
  for (Worker* w : g_workers) uv_async_send(&w->stop_async);
}

void PrintErrorReply(const Conn* c, const redisReply* reply) {
  int n = g_printed_errors.fetch_add(1);
  if (n < kMaxPrintedErrors) {
    std::fprintf(stderr, "ringkv-bench: error reply from %s: %.*s\n", c->addr.Name().c_str(),
                 static_cast<int>(reply->len), reply->str);
  } else if (n == kMaxPrintedErrors) {
    std::fprintf(stderr, "ringkv-bench: (further error replies are counted, not printed)\n");
  }
}

void ArmTimer(Worker* w, uint64_t at_ns) {
  itimerspec its{};
  its.it_value.tv_sec = static_cast<time_t>(at_ns / kNsPerSec);
  its.it_value.tv_nsec = static_cast<long>(at_ns % kNsPerSec);
  if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0) its.it_value.tv_nsec = 1;
  if (timerfd_settime(w->timer_fd, TFD_TIMER_ABSTIME, &its, nullptr) != 0) {
    Fatal(std::string("timerfd_settime: ") + std::strerror(errno));
  }
}

// --- request formatting (RESP multibulk, built by hand: no printf-style parsing per request) ---

void AppendBulk(std::string* out, const char* data, size_t len) {
  char head[32];
  int n = std::snprintf(head, sizeof(head), "$%zu\r\n", len);
  out->append(head, static_cast<size_t>(n));
  out->append(data, len);
  out->append("\r\n", 2);
}

void AppendKey(std::string* out, const std::string& prefix, uint64_t i) {
  char key[64];
  int n =
      std::snprintf(key, sizeof(key), "%s%llu", prefix.c_str(), static_cast<unsigned long long>(i));
  AppendBulk(out, key, static_cast<size_t>(n));
}

void FormatSet(Worker* w, uint64_t key) {
  std::string& cmd = w->cmd;
  cmd.clear();
  cmd.append(w->opt->ttl_s > 0 ? "*5\r\n$3\r\nSET\r\n" : "*3\r\n$3\r\nSET\r\n");
  AppendKey(&cmd, w->opt->key_prefix, key);
  AppendBulk(&cmd, w->value.data(), w->value.size());
  if (w->opt->ttl_s > 0) {
    cmd.append("$2\r\nEX\r\n");
    std::string ttl = std::to_string(w->opt->ttl_s);
    AppendBulk(&cmd, ttl.data(), ttl.size());
  }
}

void FormatGet(Worker* w, uint64_t key) {
  w->cmd.assign("*2\r\n$3\r\nGET\r\n");
  AppendKey(&w->cmd, w->opt->key_prefix, key);
}

// ---------------------------------------------------------------------------------------------
// Connect phase: connect, AUTH if asked, PING; the phase ends when every connection answered.

void OnConnect(const redisAsyncContext* ac, int status) {
  auto* c = static_cast<Conn*>(ac->data);
  if (status != REDIS_OK) {
    Fatal("cannot connect to " + c->addr.Name() + ": " + ac->errstr);
  }
}

void OnDisconnect(const redisAsyncContext* ac, int status) {
  auto* c = static_cast<Conn*>(ac->data);
  c->ac = nullptr;
  if (!g_fatal.load()) {
    std::string why = status == REDIS_OK ? "closed by the server" : ac->errstr;
    Fatal("connection to " + c->addr.Name() + " lost: " + why);
  }
}

void OnAuth(redisAsyncContext* ac, void* r, void*) {
  auto* reply = static_cast<redisReply*>(r);
  auto* c = static_cast<Conn*>(ac->data);
  if (reply != nullptr && reply->type == REDIS_REPLY_ERROR) {
    Fatal("AUTH on " + c->addr.Name() + " failed: " + std::string(reply->str, reply->len));
  }
}

void OnPing(redisAsyncContext* ac, void* r, void*) {
  auto* reply = static_cast<redisReply*>(r);
  auto* c = static_cast<Conn*>(ac->data);
  if (reply == nullptr) return;  // the disconnect callback reports why
  if (reply->type == REDIS_REPLY_ERROR) {
    Fatal(c->addr.Name() + " answered PING with: " + std::string(reply->str, reply->len));
    return;
  }
  Worker* w = c->worker;
  c->answered = true;
  if (++w->ready == static_cast<int>(w->conns.size())) {
    uv_timer_stop(&w->connect_timer);
    StopLoop(w);
  }
}

void OnConnectTimeout(uv_timer_t* timer) {
  auto* w = static_cast<Worker*>(timer->data);
  for (auto& c : w->conns) {
    if (!c->answered) {
      Fatal("no answer to PING from " + c->addr.Name() + " within " +
            std::to_string(kConnectTimeoutMs / 1000) + " s");
      return;
    }
  }
}

void StartConnections(Worker* w) {
  uv_timer_start(&w->connect_timer, OnConnectTimeout, kConnectTimeoutMs, 0);
  for (auto& cp : w->conns) {
    Conn* c = cp.get();
    c->ac = redisAsyncConnect(c->addr.host.c_str(), c->addr.port);
    if (c->ac == nullptr) {
      Fatal("out of memory connecting to " + c->addr.Name());
      return;
    }
    if (c->ac->err) {
      Fatal("cannot connect to " + c->addr.Name() + ": " + c->ac->errstr);
      return;
    }
    c->ac->data = c;
    if (!UvAttach(c->ac, &w->loop)) {
      Fatal("cannot attach a connection to the libuv loop");
      return;
    }
    redisAsyncSetConnectCallback(c->ac, OnConnect);
    redisAsyncSetDisconnectCallback(c->ac, OnDisconnect);
    if (!w->opt->password.empty()) {
      redisAsyncCommand(c->ac, OnAuth, nullptr, "AUTH %b", w->opt->password.data(),
                        w->opt->password.size());
    }
    redisAsyncCommand(c->ac, OnPing, nullptr, "PING");
  }
}

// ---------------------------------------------------------------------------------------------
// Load phase: each connection writes its own contiguous key range with up to --pipeline SETs in
// flight, sending the next as each reply arrives.

void OnLoadReply(redisAsyncContext* ac, void* r, void*);

void LoadSendNext(Worker* w, Conn* c) {
  FormatSet(w, c->next_key++);
  c->inflight++;
  redisAsyncFormattedCommand(c->ac, OnLoadReply, nullptr, w->cmd.data(), w->cmd.size());
}

void OnLoadReply(redisAsyncContext* ac, void* r, void*) {
  auto* reply = static_cast<redisReply*>(r);
  auto* c = static_cast<Conn*>(ac->data);
  Worker* w = c->worker;
  if (reply == nullptr || w->mode != Mode::kLoad) return;
  c->inflight--;
  w->load_done++;
  if (reply->type == REDIS_REPLY_ERROR) {
    w->load_errors++;
    PrintErrorReply(c, reply);
  }
  if (c->next_key < c->end_key) {
    LoadSendNext(w, c);
  } else if (c->inflight == 0 && --w->load_conns_left == 0) {
    w->load_end_ns = NowNs();
    StopLoop(w);
  }
}

void StartLoad(Worker* w) {
  w->mode = Mode::kLoad;
  w->load_conns_left = 0;
  for (auto& cp : w->conns) {
    Conn* c = cp.get();
    if (c->next_key >= c->end_key) continue;
    w->load_conns_left++;
    for (int i = 0; i < w->opt->pipeline && c->next_key < c->end_key; ++i) LoadSendNext(w, c);
  }
  if (w->load_conns_left == 0) {
    w->load_end_ns = NowNs();
    StopLoop(w);
  }
}

// ---------------------------------------------------------------------------------------------
// Timed phase.

void Pump(Worker* w);

void OnRunReply(redisAsyncContext* ac, void* r, void* privdata) {
  auto* reply = static_cast<redisReply*>(r);
  auto* c = static_cast<Conn*>(ac->data);
  Worker* w = c->worker;
  if (reply == nullptr || w->mode != Mode::kRun) return;
  uint64_t now = NowNs();
  auto due = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(privdata));
  c->inflight--;
  w->inflight--;
  if (due >= w->measure_from_ns) {
    w->replies++;
    w->last_reply_ns = now;
    // Latency from the intended send time: this is the coordinated-omission correction.
    w->hist.Record(now > due ? (now - due) / 1000 : 0);
    if (reply->type == REDIS_REPLY_ERROR) {
      w->errors++;
      PrintErrorReply(c, reply);
    }
  }
  if (w->blocked) {
    w->blocked = false;
    Pump(w);
  } else if (w->sending_done && w->inflight == 0) {
    StopLoop(w);
  }
}

// The next open connection below --max-inflight, round-robin; nullptr when all are full.
Conn* PickConn(Worker* w) {
  size_t n = w->conns.size();
  for (size_t k = 0; k < n; ++k) {
    Conn* c = w->conns[(w->rr + k) % n].get();
    if (c->ac != nullptr && c->inflight < w->opt->max_inflight) {
      w->rr = (w->rr + k + 1) % n;
      return c;
    }
  }
  return nullptr;
}

void SendOne(Worker* w, Conn* c, uint64_t due) {
  const Options& opt = *w->opt;
  uint64_t n = w->keyset != nullptr ? w->keyset->size() : opt.keys;
  uint64_t key = w->zipf ? w->zipf->Next(w->rng) : w->rng.Below(n);
  if (w->keyset != nullptr) key = (*w->keyset)[key];
  bool read = opt.reads >= 1.0 || (opt.reads > 0 && w->rng.Unit() < opt.reads);
  if (read) {
    FormatGet(w, key);
  } else {
    FormatSet(w, key);
  }
  if (due >= w->measure_from_ns) {
    w->sent++;
    (read ? w->gets : w->sets)++;
  }
  c->inflight++;
  w->inflight++;
  static_assert(sizeof(uintptr_t) >= sizeof(uint64_t), "the due time travels as privdata");
  redisAsyncFormattedCommand(c->ac, OnRunReply,
                             reinterpret_cast<void*>(static_cast<uintptr_t>(due)), w->cmd.data(),
                             w->cmd.size());
}

// Sends every request that is due by now; then arms the timer for the next one, or, once the
// schedule is over, for the end of the drain period.
void Pump(Worker* w) {
  if (g_fatal.load()) return;  // a connection is gone; the loop stops at the end of this turn
  uint64_t now = NowNs();
  while (!w->sending_done) {
    uint64_t due = w->start_ns + w->offset_ns + static_cast<uint64_t>(w->seq * w->interval_ns);
    if (due >= w->end_ns) {
      w->sending_done = true;
      break;
    }
    if (due > now) {
      now = NowNs();  // sending may have taken a while
      if (due > now) {
        ArmTimer(w, due);
        return;
      }
    }
    Conn* c = PickConn(w);
    if (c == nullptr) {
      w->blocked = true;  // the timer stays quiet; OnRunReply resumes us
      return;
    }
    SendOne(w, c, due);
    w->seq++;
  }
  if (w->inflight == 0) {
    StopLoop(w);
  } else if (!w->draining_armed) {
    w->draining_armed = true;
    ArmTimer(w, w->end_ns + static_cast<uint64_t>(w->opt->drain_s * 1e9));
  }
}

void OnTimer(uv_poll_t* handle, int status, int events) {
  auto* w = static_cast<Worker*>(handle->data);
  uint64_t expirations;
  while (read(w->timer_fd, &expirations, sizeof(expirations)) > 0) {
  }
  if (w->mode != Mode::kRun) return;
  if (w->draining_armed) {
    StopLoop(w);  // the drain period is over; what is still in flight counts as unanswered
    return;
  }
  if (!w->blocked) Pump(w);
}

void StartRun(Worker* w, uint64_t t0_ns) {
  const Options& opt = *w->opt;
  double thread_rate = opt.rate / opt.threads;
  w->mode = Mode::kRun;
  w->interval_ns = 1e9 / thread_rate;
  // Threads interleave their schedules so that the combined stream is evenly spaced.
  w->offset_ns = static_cast<uint64_t>(w->interval_ns * w->id / opt.threads);
  w->start_ns = t0_ns;
  w->measure_from_ns = t0_ns + static_cast<uint64_t>(opt.warmup_s * 1e9);
  w->end_ns = w->measure_from_ns + static_cast<uint64_t>(opt.duration_s * 1e9);
  Pump(w);
}

// ---------------------------------------------------------------------------------------------

void OnStopAsync(uv_async_t* handle) { StopLoop(static_cast<Worker*>(handle->data)); }

void WorkerMain(Worker* w) {
  StartConnections(w);
  if (!g_fatal.load()) uv_run(&w->loop, UV_RUN_DEFAULT);
  for (;;) {
    w->mode = Mode::kIdle;
    uint64_t t0 = 0;
    Phase phase = w->control->ArriveAndWait(&t0);
    if (phase == Phase::kExit || g_fatal.load()) break;
    if (phase == Phase::kLoad) {
      StartLoad(w);
    } else {
      StartRun(w, t0);
    }
    uv_run(&w->loop, UV_RUN_DEFAULT);
  }
  w->mode = Mode::kIdle;
}

// ---------------------------------------------------------------------------------------------
// --keys-owned-by / --keys-not-owned-by: ask the first entry node who owns each key, with
// CLUSTER KEYNODE pipelined over one blocking connection, before any worker starts.

constexpr size_t kKeyNodeBatch = 1000;

bool SelectKeys(const Options& opt, std::vector<uint64_t>* keys, std::string* err) {
  const HostPort& entry = opt.hosts[0];
  timeval tv{kConnectTimeoutMs / 1000, 0};
  std::unique_ptr<redisContext, void (*)(redisContext*)> ctx(
      redisConnectWithTimeout(entry.host.c_str(), entry.port, tv), redisFree);
  if (ctx == nullptr || ctx->err) {
    *err = "cannot connect to " + entry.Name() + ": " + (ctx ? ctx->errstr : "out of memory");
    return false;
  }
  redisSetTimeout(ctx.get(), timeval{30, 0});
  auto command = [&](const char* what, std::vector<std::string> argv) -> redisReply* {
    std::vector<const char*> a;
    std::vector<size_t> len;
    for (const std::string& s : argv) {
      a.push_back(s.data());
      len.push_back(s.size());
    }
    auto* r = static_cast<redisReply*>(
        redisCommandArgv(ctx.get(), static_cast<int>(a.size()), a.data(), len.data()));
    if (r == nullptr) *err = std::string(what) + " on " + entry.Name() + ": " + ctx->errstr;
    return r;
  };
  if (!opt.password.empty()) {
    redisReply* r = command("AUTH", {"AUTH", opt.password});
    if (r == nullptr) return false;
    bool ok = r->type != REDIS_REPLY_ERROR;
    if (!ok) *err = "AUTH on " + entry.Name() + " failed: " + std::string(r->str, r->len);
    freeReplyObject(r);
    if (!ok) return false;
  }
  auto lookup = [&](uint64_t first, size_t count, std::vector<KeyOwner>* owners) {
    std::string key;
    for (size_t j = 0; j < count; ++j) {
      key = opt.key_prefix + std::to_string(first + j);
      redisAppendCommand(ctx.get(), "CLUSTER KEYNODE %b", key.data(), key.size());
    }
    for (size_t j = 0; j < count; ++j) {
      void* raw = nullptr;
      if (redisGetReply(ctx.get(), &raw) != REDIS_OK) {
        *err = "CLUSTER KEYNODE on " + entry.Name() + ": " + ctx->errstr;
        return false;
      }
      auto* r = static_cast<redisReply*>(raw);
      bool ok = r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
                r->element[0]->type == REDIS_REPLY_STRING &&
                r->element[1]->type == REDIS_REPLY_STRING;
      if (ok) {
        owners->push_back({std::string(r->element[0]->str, r->element[0]->len),
                           std::string(r->element[1]->str, r->element[1]->len)});
      } else if (r->type == REDIS_REPLY_ERROR) {
        *err = entry.Name() + " answered CLUSTER KEYNODE with: " + std::string(r->str, r->len);
      } else {
        *err = entry.Name() + " answered CLUSTER KEYNODE with an unexpected reply (type " +
               std::to_string(r->type) + "); is it a ringkv node?";
      }
      freeReplyObject(r);
      if (!ok) return false;  // the connection is dropped with the rest of the replies
    }
    return true;
  };
  return SelectKeysByOwner(opt.keys, kKeyNodeBatch, opt.owner_node,
                           opt.owner_filter == OwnerFilter::kOwnedBy, lookup, keys, err);
}

// ---------------------------------------------------------------------------------------------
// Output.

std::string FormatUs(double us) {
  char buf[32];
  if (us < 1000) {
    std::snprintf(buf, sizeof(buf), "%.2fus", us);
  } else if (us < 1e6) {
    std::snprintf(buf, sizeof(buf), "%.2fms", us / 1e3);
  } else {
    std::snprintf(buf, sizeof(buf), "%.2fs", us / 1e6);
  }
  return buf;
}

void PrintRunSummary(const Options& opt, const std::vector<std::unique_ptr<Worker>>& workers) {
  Histogram hist;
  uint64_t sent = 0, replies = 0, errors = 0, gets = 0, sets = 0, last = 0, from = 0;
  for (const auto& w : workers) {
    hist.Merge(w->hist);
    sent += w->sent;
    replies += w->replies;
    errors += w->errors;
    gets += w->gets;
    sets += w->sets;
    last = std::max(last, std::max(w->last_reply_ns, w->end_ns));
    from = w->measure_from_ns;
  }
  double elapsed_s = last > from ? static_cast<double>(last - from) / 1e9 : opt.duration_s;
  std::printf("  Latency Distribution (HdrHistogram-style, corrected for coordinated omission)\n");
  static const double kPercentiles[] = {50, 75, 90, 99, 99.9, 99.99, 99.999, 100};
  for (double p : kPercentiles) {
    std::printf(" %7.3f%%  %10s\n", p,
                FormatUs(static_cast<double>(hist.ValueAtPercentile(p))).c_str());
  }
  std::printf("  Latency      avg %s  stdev %s  min %s  max %s\n", FormatUs(hist.Mean()).c_str(),
              FormatUs(hist.StdDev()).c_str(), FormatUs(static_cast<double>(hist.Min())).c_str(),
              FormatUs(static_cast<double>(hist.Max())).c_str());
  std::printf("  %llu requests in %.2fs (%llu GET, %llu SET), %llu errors, %llu unanswered\n",
              static_cast<unsigned long long>(replies), elapsed_s,
              static_cast<unsigned long long>(gets), static_cast<unsigned long long>(sets),
              static_cast<unsigned long long>(errors),
              static_cast<unsigned long long>(sent - replies));
  if (hist.Clamped() > 0) {
    std::printf("  %llu latencies above 60 s were recorded as 60 s\n",
                static_cast<unsigned long long>(hist.Clamped()));
  }
  std::printf("Requests/sec: %10.2f  (target %.2f)\n", replies / elapsed_s, opt.rate);
  // One line for scripts.
  std::printf(
      "SUMMARY target_rps=%.0f achieved_rps=%.2f p50_us=%llu p90_us=%llu p99_us=%llu "
      "p999_us=%llu max_us=%llu errors=%llu unanswered=%llu\n",
      opt.rate, replies / elapsed_s, static_cast<unsigned long long>(hist.ValueAtPercentile(50)),
      static_cast<unsigned long long>(hist.ValueAtPercentile(90)),
      static_cast<unsigned long long>(hist.ValueAtPercentile(99)),
      static_cast<unsigned long long>(hist.ValueAtPercentile(99.9)),
      static_cast<unsigned long long>(hist.Max()), static_cast<unsigned long long>(errors),
      static_cast<unsigned long long>(sent - replies));
}

}  // namespace
}  // namespace bench
}  // namespace ringkv

int main(int argc, char** argv) {
  using namespace ringkv::bench;
  Options opt = ParseArgs(argc, argv);
  std::vector<uint64_t> keyset;
  std::string keydesc_owner;
  if (opt.owner_filter != OwnerFilter::kAll) {
    uint64_t t0 = NowNs();
    std::string err;
    if (!SelectKeys(opt, &keyset, &err)) {
      std::fprintf(stderr, "ringkv-bench: choosing keys by owner: %s\n", err.c_str());
      return 1;
    }
    keydesc_owner = std::string(" (") + std::to_string(keyset.size()) + " keys " +
                    (opt.owner_filter == OwnerFilter::kOwnedBy ? "owned by " : "not owned by ") +
                    opt.owner_node + ")";
    std::printf("Keys: %zu of %s0..%s%llu are%s owned by %s (CLUSTER KEYNODE via %s, %.2fs)\n",
                keyset.size(), opt.key_prefix.c_str(), opt.key_prefix.c_str(),
                static_cast<unsigned long long>(opt.keys - 1),
                opt.owner_filter == OwnerFilter::kOwnedBy ? "" : " not", opt.owner_node.c_str(),
                opt.hosts[0].Name().c_str(), static_cast<double>(NowNs() - t0) / 1e9);
    std::fflush(stdout);
  }
  std::unique_ptr<ZipfTable> zipf;
  if (opt.rate > 0 && opt.dist == Dist::kZipf) {
    zipf = std::make_unique<ZipfTable>(keyset.empty() ? opt.keys : keyset.size(), opt.zipf_theta);
  }

  // Build the workers and their loops here, before any thread runs, so that Fatal() can wake
  // every loop from any thread.
  PhaseControl control(opt.threads);
  std::vector<std::unique_ptr<Worker>> workers;
  std::string value(opt.value_size, 'x');
  for (int t = 0; t < opt.threads; ++t) {
    auto w = std::make_unique<Worker>();
    w->id = t;
    w->opt = &opt;
    w->zipf = zipf.get();
    w->keyset = keyset.empty() ? nullptr : &keyset;
    w->control = &control;
    w->rng = Rng(opt.seed + static_cast<uint64_t>(t) * 7919);
    w->value = value;
    if (uv_loop_init(&w->loop) != 0 || uv_async_init(&w->loop, &w->stop_async, OnStopAsync) != 0) {
      std::fprintf(stderr, "ringkv-bench: cannot initialise a libuv loop\n");
      return 1;
    }
    w->stop_async.data = w.get();
    uv_timer_init(&w->loop, &w->connect_timer);
    w->connect_timer.data = w.get();
    w->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (w->timer_fd < 0) {
      std::fprintf(stderr, "ringkv-bench: timerfd_create: %s\n", std::strerror(errno));
      return 1;
    }
    int rc = uv_poll_init(&w->loop, &w->timer_poll, w->timer_fd);
    if (rc == 0) {
      w->timer_poll.data = w.get();
      rc = uv_poll_start(&w->timer_poll, UV_READABLE, OnTimer);
    }
    if (rc != 0) {
      std::fprintf(stderr, "ringkv-bench: uv_poll on timerfd: %s\n", uv_strerror(rc));
      return 1;
    }
    workers.push_back(std::move(w));
  }
  // Connection i goes to host i % hosts and to thread i % threads; in the load phase it writes
  // the i-th contiguous slice of k0..k(load-1).
  for (int i = 0; i < opt.connections; ++i) {
    auto c = std::make_unique<Conn>();
    Worker* w = workers[static_cast<size_t>(i % opt.threads)].get();
    c->worker = w;
    c->addr = opt.hosts[static_cast<size_t>(i) % opt.hosts.size()];
    c->next_key = opt.load * static_cast<uint64_t>(i) / static_cast<uint64_t>(opt.connections);
    c->end_key = opt.load * static_cast<uint64_t>(i + 1) / static_cast<uint64_t>(opt.connections);
    w->conns.push_back(std::move(c));
  }
  for (auto& w : workers) g_workers.push_back(w.get());

  auto finish = [&](int status) {
    control.Release(Phase::kExit, 0);
    for (auto& w : workers) w->thread.join();
    std::fflush(stdout);
    if (g_fatal.load()) {
      std::fprintf(stderr, "ringkv-bench: %s\n", g_fatal_msg.c_str());
      return 1;
    }
    return status;
  };

  for (auto& w : workers) {
    Worker* wp = w.get();
    wp->thread = std::thread([wp] { WorkerMain(wp); });
  }
  control.WaitAll();
  if (g_fatal.load()) return finish(1);

  if (opt.load > 0) {
    std::printf(
        "Loading %llu keys (%s0..%s%llu, %zu-byte values%s) @ %s\n  %d threads and %d "
        "connections, pipeline %d\n",
        static_cast<unsigned long long>(opt.load), opt.key_prefix.c_str(), opt.key_prefix.c_str(),
        static_cast<unsigned long long>(opt.load - 1), opt.value_size,
        opt.ttl_s > 0 ? (", EX " + std::to_string(opt.ttl_s)).c_str() : "", HostList(opt).c_str(),
        opt.threads, opt.connections, opt.pipeline);
    std::fflush(stdout);
    uint64_t t0 = NowNs();
    control.Release(Phase::kLoad, t0);
    control.WaitAll();
    if (g_fatal.load()) return finish(1);
    uint64_t done = 0, errors = 0, end = t0;
    for (auto& w : workers) {
      done += w->load_done;
      errors += w->load_errors;
      end = std::max(end, w->load_end_ns);
    }
    double secs = static_cast<double>(end - t0) / 1e9;
    std::printf("  %llu keys written in %.2fs, %llu errors\nLoad SETs/sec: %10.2f\n",
                static_cast<unsigned long long>(done), secs,
                static_cast<unsigned long long>(errors), secs > 0 ? done / secs : 0.0);
    std::printf("LOAD keys=%llu seconds=%.3f rps=%.2f errors=%llu\n",
                static_cast<unsigned long long>(done), secs, secs > 0 ? done / secs : 0.0,
                static_cast<unsigned long long>(errors));
    std::fflush(stdout);
  }

  if (opt.rate > 0) {
    std::printf("Running %s test @ %s\n", FormatUs(opt.duration_s * 1e6).c_str(),
                HostList(opt).c_str());
    std::string keydesc = opt.dist == Dist::kZipf
                              ? "zipf(" + std::to_string(opt.zipf_theta).substr(0, 4) + ")"
                              : std::string("uniform");
    std::printf("  %d threads and %d connections, target %.0f requests/sec\n", opt.threads,
                opt.connections, opt.rate);
    std::printf("  %.0f%% GET / %.0f%% SET, %zu-byte values%s, %s keys over %s0..%s%llu%s\n",
                opt.reads * 100, (1 - opt.reads) * 100, opt.value_size,
                opt.ttl_s > 0 ? (", EX " + std::to_string(opt.ttl_s)).c_str() : "", keydesc.c_str(),
                opt.key_prefix.c_str(), opt.key_prefix.c_str(),
                static_cast<unsigned long long>(opt.keys - 1), keydesc_owner.c_str());
    std::fflush(stdout);
    control.Release(Phase::kRun, NowNs() + 1000000);  // 1 ms for the threads to wake up
    control.WaitAll();
    if (g_fatal.load()) return finish(1);
    PrintRunSummary(opt, workers);
  }
  return finish(0);
}
