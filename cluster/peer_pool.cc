// PeerPool: hiredis 0.14 async connections on the caller's libuv loop.
//
// Structure. Peer (one per node) -> Slot (connections_per_peer of them; a Slot survives
// reconnects) -> Link (one hiredis connection, from connect to close). A Link keeps two FIFOs of
// Entries: `held` (accepted while AUTH/handshake are still pending, not yet given to hiredis)
// and `inflight` (given to hiredis, in the order of its reply callbacks; setup commands included).
// Every hiredis callback on a Link pops the front of `inflight`, so matching is by position,
// which is exactly hiredis's own guarantee.
//
// Exactly once. An Entry's user callback is moved out when it is completed; a Link that closes
// (timeout, error, peer gone, pool destroyed) completes all of its entries at once, marks them
// `done`, and only then lets hiredis run its leftover callbacks (with NULL replies), which find
// `done` entries and drop them. A late reply can therefore never reach a user callback twice.
//
// Lifetimes. hiredis frees a context on its own after an I/O or protocol error, and defers
// redisAsyncFree() called from inside one of its callbacks; its `cleanup` event hook is the one
// signal that always comes, once. We therefore write our own event adapter (the stock libuv.h
// one drops poll errors and owns its handle): the Link owns the uv_poll_t, `cleanup` closes it,
// and the Link is deleted by the poll handle's close callback, so every hiredis callback still
// finds it alive. Once closed, a Link never touches its pool: the pool may already be gone.
//
// Time. Deadlines use uv_now(); one pool timer is armed for the earliest deadline. Entries on a
// Link are in submission order and share one timeout, so each Link's earliest deadline is the
// front of `held` or `inflight` (or its setup deadline while connecting).
//
// Reply limits. hiredis 0.14.1 refuses `*n` headers beyond INT_MAX itself, but for anything up to
// that it calls createArray(task, n), which calloc()s n pointers at once (16 GB for *2147483647),
// and it assert()s (aborting the whole server) when a reply arrives with no callback queued. Our
// object functions wrap hiredis's defaults and return NULL (a reader error: hiredis drops that
// connection) for counts over max_reply_elements, replies past a per-reply byte budget, and
// replies nobody asked for. A bulk string or a status line is only handed to the object functions
// once complete, so the read hook also bounds the reader's pending buffer.

#include "cluster/peer_pool.h"

#include <hiredis/async.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <utility>

#include "resp/writer.h"

namespace ringkv::cluster {

namespace {

// What one reply object costs us beyond its payload (the redisReply plus allocator slack).
constexpr size_t kObjectOverhead = sizeof(redisReply) + 16;
// The reader may hold a little more than one reply's bytes (hiredis reads 16 KB at a time).
constexpr size_t kPendingSlack = 64 * 1024;
// Marks a NIL reply that came from "*-1" rather than "$-1" (see EncodeReply).
constexpr long long kNilArrayMarker = 1;
// A connection that worked at least this long is retried at once when it drops.
constexpr uint64_t kStableConnectionMs = 1000;

enum class EntryKind : unsigned char { kUser, kSetup };
enum class LinkState : unsigned char { kConnecting, kReady, kClosed };
enum class FailKind : unsigned char { kUnreachable, kTimeout, kLimit, kShutdown };

struct Entry {
  PeerPool::Callback cb;  // moved out when completed
  std::string bytes;      // held requests: the raw command; setup entries: the command's name
  uint64_t deadline_ms = 0;
  uint64_t start_ns = 0;
  int proto = 2;
  EntryKind kind = EntryKind::kUser;
  bool done = false;
};

struct Link;
struct Peer;

struct Slot {
  PeerPool::Impl* pool = nullptr;
  Peer* peer = nullptr;
  Link* link = nullptr;                   // the open or opening connection, if any
  uv_timer_t* reconnect_timer = nullptr;  // heap: freed by its close callback
  int backoff_ms = 0;                     // delay of the next non-immediate reconnect
};

struct Peer {
  int index = -1;
  NodeInfo node;
  std::string address;       // host:port, for texts
  std::string connect_host;  // host without IPv6 brackets
  std::vector<std::unique_ptr<Slot>> slots;
  size_t next_slot = 0;  // round robin over ready links
  PeerStats stats;
  std::string logged_error;  // last failure reason logged, to log each change once
};

}  // namespace

struct PeerPool::Impl {
  uv_loop_t* loop;
  PeerPoolOptions opts;
  std::map<int, std::unique_ptr<Peer>> peers;
  uv_timer_t* deadline_timer;  // heap: freed by its close callback
  bool timer_armed = false;
  uint64_t timer_due_ms = 0;
  uv_timer_t* soon_timer;  // delivers failures decided inside Forward()
  // Deferred writes are flushed after the turn's I/O callbacks (check) and, for requests queued
  // by timers or close callbacks, before the loop sleeps (prepare). Started only while needed.
  uv_check_t* flush_check;
  uv_prepare_t* flush_prepare;
  bool flush_armed = false;
  std::vector<std::pair<Callback, std::string>> soon;
  bool shutting_down = false;
  std::string scratch;  // NUL-terminated copy of a request for hiredis (see Forward)

  Impl(uv_loop_t* l, PeerPoolOptions o);
  void Shutdown();

  void Log(const std::string& line) const;
  std::string FailureText(const Peer& peer, FailKind kind, const std::string& reason) const;
  void FailNow(Peer* peer, Callback& cb, const std::string& text, bool timeout);
  void FailSoon(Peer* peer, Callback cb, std::string text);
  void RunSoon();

  void OpenLink(Slot* slot);
  void SlotFailed(Slot* slot, const std::string& reason, bool was_stable);
  void ScheduleReconnect(Slot* slot, bool immediate);
  void CloseLink(Link* link, FailKind kind, const std::string& reason);
  void MarkReady(Link* link);
  void SendSetup(Link* link, const std::vector<std::string>& argv);
  bool SendUser(Link* link, Entry& entry, std::string_view bytes);
  void OnSetupReply(Link* link, Entry& entry, const redisReply* reply);
  void CompleteUser(Peer* peer, Entry& entry, const redisReply* reply);
  Link* PickLink(Peer* peer, uint64_t affinity);

  void ArmTimer(uint64_t due_ms);
  void OnDeadline();
  void ArmFlush();
  void FlushDeferredWrites();
};

namespace {

struct Link {
  PeerPool::Impl* pool = nullptr;   // valid while state != kClosed
  Slot* slot = nullptr;             // valid while state != kClosed
  redisAsyncContext* ac = nullptr;  // null once hiredis has freed it (cleanup hook ran)
  uv_poll_t poll;
  int events = 0;
  bool poll_open = false;
  int poll_error = 0;  // a uv_poll_start failure seen inside a hiredis hook
  LinkState state = LinkState::kConnecting;
  bool hiredis_freeing = false;  // hiredis frees `ac` itself: never call redisAsyncFree
  bool connected = false;
  // Output waits for the end of the loop turn (FlushDeferredWrites) instead of a writable event.
  bool write_deferred = false;
  bool flushing = false;  // inside FlushDeferredWrites' redisAsyncHandleWrite
  int setup_pending = 0;  // AUTH / handshake replies still awaited
  uint64_t setup_deadline_ms = 0;
  uint64_t ready_since_ms = 0;
  std::deque<Entry> held;
  std::deque<Entry> inflight;

  // Reader accounting (object functions; see the design note).
  uint64_t commands_sent = 0;
  uint64_t replies_started = 0;
  size_t reply_bytes = 0;
  size_t max_reply_bytes = 0;
  size_t max_reply_elements = 0;
  std::string limit_error;  // why the reader refused a reply, if it did

  uint64_t EarliestDeadline() const {
    uint64_t d = UINT64_MAX;
    if (state == LinkState::kConnecting) d = std::min(d, setup_deadline_ms);
    if (!held.empty()) d = std::min(d, held.front().deadline_ms);
    if (!inflight.empty()) d = std::min(d, inflight.front().deadline_ms);
    return d;
  }
};

// ---- Reply object functions with limits -------------------------------------------------

const redisReplyObjectFunctions* HiredisDefaults() {
  static const redisReplyObjectFunctions* fn = [] {
    redisReader* r = redisReaderCreate();
    const redisReplyObjectFunctions* f = r ? r->fn : nullptr;
    if (r) redisReaderFree(r);
    return f;
  }();
  return fn;
}

// Accounts `cost` bytes to the reply `task` belongs to. False refuses the object.
bool Admit(const redisReadTask* task, size_t cost) {
  Link* link = static_cast<Link*>(task->privdata);
  if (task->parent == nullptr) {
    // A new top-level reply. hiredis asserts (aborts) when a reply has no queued callback.
    if (link->replies_started >= link->commands_sent) {
      link->limit_error = "peer sent a reply that no request asked for";
      return false;
    }
    link->replies_started++;
    link->reply_bytes = 0;
  }
  link->reply_bytes += cost;
  if (link->reply_bytes > link->max_reply_bytes) {
    link->limit_error = "reply larger than " + std::to_string(link->max_reply_bytes) + " bytes";
    return false;
  }
  return true;
}

void* LimitedCreateString(const redisReadTask* task, char* str, size_t len) {
  if (!Admit(task, len + kObjectOverhead)) return nullptr;
  return HiredisDefaults()->createString(task, str, len);
}

void* LimitedCreateArray(const redisReadTask* task, int elements) {
  Link* link = static_cast<Link*>(task->privdata);
  if (elements < 0 || static_cast<size_t>(elements) > link->max_reply_elements) {
    // A negative count is a 64-bit header truncated to int by hiredis (e.g. *4294967295).
    link->limit_error = "array reply header out of range (more than " +
                        std::to_string(link->max_reply_elements) + " elements)";
    return nullptr;
  }
  if (!Admit(task, static_cast<size_t>(elements) * sizeof(redisReply*) + kObjectOverhead)) {
    return nullptr;
  }
  return HiredisDefaults()->createArray(task, elements);
}

void* LimitedCreateInteger(const redisReadTask* task, long long value) {
  if (!Admit(task, kObjectOverhead)) return nullptr;
  return HiredisDefaults()->createInteger(task, value);
}

void* LimitedCreateNil(const redisReadTask* task) {
  if (!Admit(task, kObjectOverhead)) return nullptr;
  void* obj = HiredisDefaults()->createNil(task);
  // hiredis makes the same NIL object for "$-1" and "*-1"; the task type tells them apart.
  if (obj != nullptr && task->type == REDIS_REPLY_ARRAY) {
    static_cast<redisReply*>(obj)->integer = kNilArrayMarker;
  }
  return obj;
}

void LimitedFreeObject(void* obj) { HiredisDefaults()->freeObject(obj); }

redisReplyObjectFunctions kLimitedFunctions = {LimitedCreateString, LimitedCreateArray,
                                               LimitedCreateInteger, LimitedCreateNil,
                                               LimitedFreeObject};

// ---- hiredis event adapter (replaces hiredis/adapters/libuv.h) -----------------------------

void OnPoll(uv_poll_t* handle, int status, int events);

// If the reader is in the middle of a bulk string whose length line "N\r\n" is buffered, sets
// *len = N. hiredis 0.14 consumes the '$' type byte, records the task's type, and leaves the
// length line unread until all N bytes have arrived.
bool PendingBulkLength(const redisReader* r, uint64_t* len) {
  if (r->ridx < 0 || r->rstack[r->ridx].type != REDIS_REPLY_STRING) return false;
  const char* p = r->buf + r->pos;
  size_t n = r->len - r->pos;
  uint64_t v = 0;
  size_t i = 0;
  for (; i < n && i < 20 && p[i] >= '0' && p[i] <= '9'; ++i) {
    v = v * 10 + static_cast<uint64_t>(p[i] - '0');
  }
  if (i == 0 || i >= n || p[i] != '\r') return false;
  *len = v;
  return true;
}

void UpdatePoll(Link* link) {
  if (!link->poll_open) return;
  int rc =
      link->events ? uv_poll_start(&link->poll, link->events, OnPoll) : uv_poll_stop(&link->poll);
  if (rc < 0 && link->poll_error == 0) {
    // Inside a hiredis hook we cannot free the context; the deadline timer closes the link.
    link->poll_error = rc;
    if (link->state != LinkState::kClosed) link->pool->ArmTimer(0);
  }
}

void AddRead(void* privdata) {
  Link* link = static_cast<Link*>(privdata);
  link->events |= UV_READABLE;
  UpdatePoll(link);
}

void DelRead(void* privdata) {
  Link* link = static_cast<Link*>(privdata);
  link->events &= ~UV_READABLE;
  UpdatePoll(link);
}

// On a connected link, hiredis's "wait until writable" becomes "write at the end of this loop
// turn": requests queued during a turn leave in one write without a poll round trip (two
// epoll_ctl calls and a wake-up per forward batch). Only what the socket does not take at once
// (or a connect in progress) waits for a writable event.
void AddWrite(void* privdata) {
  Link* link = static_cast<Link*>(privdata);
  if (link->connected && !link->flushing && link->state != LinkState::kClosed &&
      !link->pool->shutting_down) {
    link->write_deferred = true;
    link->pool->ArmFlush();
    return;
  }
  if (link->events & UV_WRITABLE) return;
  link->events |= UV_WRITABLE;
  UpdatePoll(link);
}

void DelWrite(void* privdata) {
  Link* link = static_cast<Link*>(privdata);
  link->write_deferred = false;
  if (!(link->events & UV_WRITABLE)) return;
  link->events &= ~UV_WRITABLE;
  UpdatePoll(link);
}

void OnPollClosed(uv_handle_t* handle) { delete static_cast<Link*>(handle->data); }

std::string ContextError(const redisAsyncContext* ac) {
  if (ac != nullptr && ac->c.err != 0 && ac->c.errstr[0] != '\0') return ac->c.errstr;
  return "connection closed";
}

std::string LinkFailureReason(const Link* link) {
  return link->limit_error.empty() ? ContextError(link->ac) : link->limit_error;
}

// hiredis is about to free the context (always called once, from __redisAsyncFree).
void Cleanup(void* privdata) {
  Link* link = static_cast<Link*>(privdata);
  if (link->state != LinkState::kClosed) {
    link->hiredis_freeing = true;
    link->pool->CloseLink(link,
                          link->limit_error.empty() ? FailKind::kUnreachable : FailKind::kLimit,
                          LinkFailureReason(link));
  }
  link->ac = nullptr;
  if (link->poll_open) {
    link->poll_open = false;
    uv_close(reinterpret_cast<uv_handle_t*>(&link->poll), OnPollClosed);
  }
}

void OnPoll(uv_poll_t* handle, int status, int events) {
  Link* link = static_cast<Link*>(handle->data);
  if (link->ac == nullptr) return;
  if (status < 0) {
    // libuv reports POLLERR (e.g. a refused connect) as UV_EBADF and stops the handle. Let
    // hiredis look at the socket so the error it reports is the real one ("Connection refused").
    if (link->connected) {
      redisAsyncHandleRead(link->ac);
    } else {
      redisAsyncHandleWrite(link->ac);
    }
    if (link->ac != nullptr && link->state != LinkState::kClosed) {
      int err = 0;
      socklen_t len = sizeof(err);
      getsockopt(link->ac->c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      link->pool->CloseLink(link, FailKind::kUnreachable,
                            err != 0 ? std::string(strerror(err))
                                     : std::string("poll error: ") + uv_strerror(status));
    }
    return;
  }
  if (events & UV_READABLE) {
    redisAsyncHandleRead(link->ac);
    // A bulk string or line waits in the reader's buffer until complete: bound it here.
    if (link->ac != nullptr && link->state != LinkState::kClosed) {
      const redisReader* r = link->ac->c.reader;
      uint64_t announced = 0;
      if (r != nullptr && r->len - r->pos > link->max_reply_bytes + kPendingSlack) {
        link->limit_error = "reply larger than " + std::to_string(link->max_reply_bytes) +
                            " bytes (" + std::to_string(r->len - r->pos) + " pending)";
        link->pool->CloseLink(link, FailKind::kLimit, link->limit_error);
      } else if (r != nullptr && PendingBulkLength(r, &announced) &&
                 announced > link->max_reply_bytes) {
        // hiredis leaves an incomplete bulk's "$N\r\n" unread until all N bytes are there:
        // a header announcing more than we accept fails the link now, before a peer can make
        // us buffer up to the limit.
        link->limit_error = "reply announces a " + std::to_string(announced) +
                            "-byte bulk string, over the " + std::to_string(link->max_reply_bytes) +
                            "-byte limit";
        link->pool->CloseLink(link, FailKind::kLimit, link->limit_error);
      }
    }
  }
  if (link->ac != nullptr && (events & UV_WRITABLE)) redisAsyncHandleWrite(link->ac);
}

// ---- hiredis callbacks ----------------------------------------------------------------------

void OnConnect(const redisAsyncContext* ac, int status) {
  Link* link = static_cast<Link*>(ac->data);
  if (link->state == LinkState::kClosed) return;
  if (status != REDIS_OK) {
    link->hiredis_freeing = true;  // hiredis frees the context right after this callback
    link->pool->CloseLink(link, FailKind::kUnreachable, ContextError(ac));
    return;
  }
  link->connected = true;
  int one = 1;
  setsockopt(ac->c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));  // best effort
  if (link->setup_pending == 0) link->pool->MarkReady(link);
}

void OnDisconnect(const redisAsyncContext* ac, int status) {
  Link* link = static_cast<Link*>(ac->data);
  if (link->state == LinkState::kClosed) return;
  link->hiredis_freeing = true;
  link->pool->CloseLink(link, FailKind::kUnreachable, ContextError(ac));
}

void OnReply(redisAsyncContext* ac, void* r, void* privdata) {
  Link* link = static_cast<Link*>(privdata);
  const redisReply* reply = static_cast<const redisReply*>(r);
  if (reply == nullptr && link->state != LinkState::kClosed) {
    // hiredis is tearing the connection down on its own (I/O error, EOF, reader refusal).
    link->hiredis_freeing = true;
    link->pool->CloseLink(link,
                          link->limit_error.empty() ? FailKind::kUnreachable : FailKind::kLimit,
                          LinkFailureReason(link));
  }
  if (link->inflight.empty()) return;  // cannot happen: one entry per queued hiredis callback
  Entry entry = std::move(link->inflight.front());
  link->inflight.pop_front();
  if (entry.done || reply == nullptr) return;
  if (entry.kind == EntryKind::kSetup) {
    link->pool->OnSetupReply(link, entry, reply);
  } else {
    link->pool->CompleteUser(link->slot->peer, entry, reply);
  }
}

void OnReconnectTimer(uv_timer_t* timer) {
  Slot* slot = static_cast<Slot*>(timer->data);
  if (slot->link == nullptr && !slot->pool->shutting_down) slot->pool->OpenLink(slot);
}

void OnDeadlineTimer(uv_timer_t* timer) { static_cast<PeerPool::Impl*>(timer->data)->OnDeadline(); }

void OnSoonTimer(uv_timer_t* timer) { static_cast<PeerPool::Impl*>(timer->data)->RunSoon(); }

void OnTimerClosed(uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); }

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Parses "<prefix><digits>\r\n" at *pos; advances *pos past it.
bool ReadCount(std::string_view s, size_t* pos, char prefix, uint64_t* value) {
  if (*pos >= s.size() || s[*pos] != prefix) return false;
  size_t i = *pos + 1;
  uint64_t v = 0;
  size_t digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    if (++digits > 18) return false;
    v = v * 10 + static_cast<uint64_t>(s[i] - '0');
    i++;
  }
  if (digits == 0 || i + 1 >= s.size() || s[i] != '\r' || s[i + 1] != '\n') return false;
  *pos = i + 2;
  *value = v;
  return true;
}

// Validates one multibulk command; *name is its first argument.
bool ParseMultibulk(std::string_view s, std::string_view* name, std::string* error) {
  size_t pos = 0;
  uint64_t argc = 0;
  if (!ReadCount(s, &pos, '*', &argc) || argc == 0) {
    *error = "forwarded request is not a RESP multibulk command";
    return false;
  }
  for (uint64_t i = 0; i < argc; i++) {
    uint64_t len = 0;
    if (!ReadCount(s, &pos, '$', &len) || len > s.size() - pos || s.size() - pos - len < 2 ||
        s[pos + len] != '\r' || s[pos + len + 1] != '\n') {
      *error = "forwarded request has a malformed or truncated argument";
      return false;
    }
    if (i == 0) *name = s.substr(pos, len);
    pos += len + 2;
  }
  if (pos != s.size()) {
    *error = "forwarded request has bytes after the command";
    return false;
  }
  return true;
}

}  // namespace

// ---- Free functions ---------------------------------------------------------------------------

namespace {

void EncodeInto(const redisReply* r, resp::ReplyWriter* w) {
  switch (r->type) {
    case REDIS_REPLY_STATUS:
      w->Simple(std::string_view(r->str, r->len));
      break;
    case REDIS_REPLY_ERROR:
      w->Error(std::string_view(r->str, r->len));
      break;
    case REDIS_REPLY_INTEGER:
      w->Integer(r->integer);
      break;
    case REDIS_REPLY_STRING:
      w->Bulk(std::string_view(r->str, r->len));
      break;
    case REDIS_REPLY_NIL:
      if (r->integer == kNilArrayMarker) {
        w->NullArray();
      } else {
        w->Null();
      }
      break;
    case REDIS_REPLY_ARRAY:
      w->ArrayHeader(r->elements);
      for (size_t i = 0; i < r->elements; i++) EncodeInto(r->element[i], w);
      break;
    default:
      w->Error("ERR unsupported reply type from peer");
      break;
  }
}

}  // namespace

void EncodeReply(const redisReply* reply, int proto, std::string* out) {
  resp::ReplyWriter writer(out, proto);
  EncodeInto(reply, &writer);
}

void EncodeCommand(const std::vector<std::string_view>& argv, std::string* out) {
  out->append("*").append(std::to_string(argv.size())).append("\r\n");
  for (std::string_view arg : argv) {
    out->append("$").append(std::to_string(arg.size())).append("\r\n");
    out->append(arg.data(), arg.size()).append("\r\n");
  }
}

bool IsOneMultibulkCommand(std::string_view s, std::string* error) {
  std::string_view name;
  return ParseMultibulk(s, &name, error);
}

// ---- PeerPool::Impl -----------------------------------------------------------------------

PeerPool::Impl::Impl(uv_loop_t* l, PeerPoolOptions o) : loop(l), opts(std::move(o)) {
  opts.forward_timeout_ms = std::max(opts.forward_timeout_ms, 1);
  opts.connections_per_peer = std::max(opts.connections_per_peer, 1);
  opts.reconnect_initial_ms = std::max(opts.reconnect_initial_ms, 1);
  opts.reconnect_max_ms = std::max(opts.reconnect_max_ms, opts.reconnect_initial_ms);
  deadline_timer = new uv_timer_t;
  soon_timer = new uv_timer_t;
  int rc = uv_timer_init(loop, deadline_timer);
  if (rc == 0) rc = uv_timer_init(loop, soon_timer);
  if (rc != 0) {
    // uv_timer_init only fails on a broken loop; nothing can work without the timers.
    std::fprintf(stderr, "PeerPool: uv_timer_init failed: %s\n", uv_strerror(rc));
    std::abort();
  }
  deadline_timer->data = this;
  soon_timer->data = this;
  flush_check = new uv_check_t;
  flush_prepare = new uv_prepare_t;
  uv_check_init(loop, flush_check);
  uv_prepare_init(loop, flush_prepare);
  flush_check->data = this;
  flush_prepare->data = this;
}

void PeerPool::Impl::ArmFlush() {
  if (flush_armed) return;
  flush_armed = true;
  uv_check_start(flush_check, [](uv_check_t* h) {
    static_cast<PeerPool::Impl*>(h->data)->FlushDeferredWrites();
  });
  uv_prepare_start(flush_prepare, [](uv_prepare_t* h) {
    static_cast<PeerPool::Impl*>(h->data)->FlushDeferredWrites();
  });
}

void PeerPool::Impl::FlushDeferredWrites() {
  flush_armed = false;
  uv_check_stop(flush_check);
  uv_prepare_stop(flush_prepare);
  // Collect first: a failed write runs completion callbacks, which must not find us iterating
  // the peer map. Links are only freed by a close callback, so these pointers stay valid here.
  std::vector<Link*> deferred;
  for (auto& [index, peer] : peers) {
    for (auto& slot : peer->slots) {
      if (slot->link != nullptr && slot->link->write_deferred) deferred.push_back(slot->link);
    }
  }
  for (Link* link : deferred) {
    link->write_deferred = false;
    if (link->ac == nullptr || link->state == LinkState::kClosed) continue;
    // A partial write re-arms through AddWrite, which polls for writable while flushing.
    link->flushing = true;
    redisAsyncHandleWrite(link->ac);
    link->flushing = false;
  }
}

void PeerPool::Impl::Shutdown() {
  shutting_down = true;
  // Complete everything in flight; callbacks may call Forward(), which queues on `soon`.
  for (auto& [index, peer] : peers) {
    for (auto& slot : peer->slots) {
      if (slot->link != nullptr) CloseLink(slot->link, FailKind::kShutdown, "peer pool closed");
      uv_close(reinterpret_cast<uv_handle_t*>(slot->reconnect_timer), OnTimerClosed);
    }
  }
  while (!soon.empty()) RunSoon();
  uv_close(reinterpret_cast<uv_handle_t*>(deadline_timer), OnTimerClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(soon_timer), OnTimerClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(flush_check),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_check_t*>(h); });
  uv_close(reinterpret_cast<uv_handle_t*>(flush_prepare),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_prepare_t*>(h); });
}

void PeerPool::Impl::Log(const std::string& line) const {
  if (opts.log) {
    opts.log(line);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

std::string PeerPool::Impl::FailureText(const Peer& peer, FailKind kind,
                                        const std::string& reason) const {
  const std::string who = "node " + peer.node.id + " (" + peer.address + ")";
  switch (kind) {
    case FailKind::kTimeout:
      return "TRYAGAIN forward to " + who + " timed out after " +
             std::to_string(opts.forward_timeout_ms) + " ms";
    case FailKind::kLimit:
      return "CLUSTERDOWN forward to " + who + " failed: " + reason;
    case FailKind::kShutdown:
      return "CLUSTERDOWN forward to " + who + " aborted: " + reason;
    case FailKind::kUnreachable:
      break;
  }
  return "CLUSTERDOWN " + who + " is unreachable: " + reason;
}

void PeerPool::Impl::FailNow(Peer* peer, Callback& cb, const std::string& text, bool timeout) {
  if (peer != nullptr) {
    peer->stats.errors++;
    if (timeout) peer->stats.timeouts++;
  }
  if (cb) cb(false, text);
}

void PeerPool::Impl::FailSoon(Peer* peer, Callback cb, std::string text) {
  if (peer != nullptr) peer->stats.errors++;
  soon.emplace_back(std::move(cb), std::move(text));
  if (soon.size() == 1 && !shutting_down) {
    int rc = uv_timer_start(soon_timer, OnSoonTimer, 0, 0);
    if (rc != 0) Log(std::string("PeerPool: uv_timer_start failed: ") + uv_strerror(rc));
  }
}

void PeerPool::Impl::RunSoon() {
  std::vector<std::pair<Callback, std::string>> batch;
  batch.swap(soon);
  for (auto& [cb, text] : batch) {
    if (cb) cb(false, text);
  }
}

// ---- Connections ------------------------------------------------------------------------------

void PeerPool::Impl::OpenLink(Slot* slot) {
  Peer* peer = slot->peer;
  redisAsyncContext* ac = redisAsyncConnect(peer->connect_host.c_str(), peer->node.port);
  if (ac == nullptr) {
    SlotFailed(slot, "out of memory", false);
    return;
  }
  if (ac->err != 0) {
    std::string why = ContextError(ac);
    redisAsyncFree(ac);  // no events attached yet: frees at once, no callbacks
    SlotFailed(slot, why, false);
    return;
  }
  Link* link = new Link;
  link->pool = this;
  link->slot = slot;
  link->ac = ac;
  link->max_reply_bytes = opts.max_reply_bytes;
  link->max_reply_elements = opts.max_reply_elements;
  int rc = uv_poll_init(loop, &link->poll, ac->c.fd);
  if (rc != 0) {
    redisAsyncFree(ac);
    delete link;
    SlotFailed(slot, std::string("uv_poll_init: ") + uv_strerror(rc), false);
    return;
  }
  link->poll.data = link;
  link->poll_open = true;
  slot->link = link;

  // Attach: our event hooks, our reply functions, then the callbacks (the connect callback
  // registration asks for the first write event, which completes the connect).
  ac->data = link;
  ac->ev.data = link;
  ac->ev.addRead = AddRead;
  ac->ev.delRead = DelRead;
  ac->ev.addWrite = AddWrite;
  ac->ev.delWrite = DelWrite;
  ac->ev.cleanup = Cleanup;
  if (HiredisDefaults() != nullptr) {
    ac->c.reader->fn = &kLimitedFunctions;
    ac->c.reader->privdata = link;
  }
  redisAsyncSetConnectCallback(ac, OnConnect);
  redisAsyncSetDisconnectCallback(ac, OnDisconnect);

  link->setup_deadline_ms = uv_now(loop) + static_cast<uint64_t>(opts.forward_timeout_ms);
  if (!opts.password.empty()) SendSetup(link, {"AUTH", opts.password});
  if (!opts.handshake.empty()) SendSetup(link, opts.handshake);
  ArmTimer(link->setup_deadline_ms);
}

void PeerPool::Impl::SendSetup(Link* link, const std::vector<std::string>& argv) {
  std::vector<const char*> args;
  std::vector<size_t> lens;
  for (const std::string& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  if (redisAsyncCommandArgv(link->ac, OnReply, link, static_cast<int>(args.size()), args.data(),
                            lens.data()) != REDIS_OK) {
    return;  // only when the context is already closing; its failure path takes over
  }
  Entry entry;
  entry.kind = EntryKind::kSetup;
  entry.bytes = argv[0];
  entry.deadline_ms = link->setup_deadline_ms;
  link->inflight.push_back(std::move(entry));
  link->commands_sent++;
  link->setup_pending++;
}

// A connection attempt failed before a Link existed.
void PeerPool::Impl::SlotFailed(Slot* slot, const std::string& reason, bool was_stable) {
  Peer* peer = slot->peer;
  peer->stats.last_error = reason;
  if (peer->logged_error != reason) {
    peer->logged_error = reason;
    Log("cluster: cannot connect to node " + peer->node.id + " (" + peer->address + "): " + reason);
  }
  if (!shutting_down) ScheduleReconnect(slot, was_stable);
}

void PeerPool::Impl::ScheduleReconnect(Slot* slot, bool immediate) {
  int delay = 0;
  if (!immediate) {
    delay = slot->backoff_ms;
    slot->backoff_ms = std::min(slot->backoff_ms * 2, opts.reconnect_max_ms);
  }
  int rc = uv_timer_start(slot->reconnect_timer, OnReconnectTimer, static_cast<uint64_t>(delay), 0);
  if (rc != 0) Log(std::string("PeerPool: uv_timer_start failed: ") + uv_strerror(rc));
}

void PeerPool::Impl::MarkReady(Link* link) {
  Slot* slot = link->slot;
  Peer* peer = slot->peer;
  link->state = LinkState::kReady;
  link->ready_since_ms = uv_now(loop);
  slot->backoff_ms = opts.reconnect_initial_ms;
  peer->stats.connections_up++;
  peer->stats.connected = true;
  if (!peer->logged_error.empty()) {
    Log("cluster: connected to node " + peer->node.id + " (" + peer->address + ")");
    peer->logged_error.clear();
  }
  // Release the requests held during the handshake, in order.
  std::deque<Entry> held;
  held.swap(link->held);
  for (Entry& entry : held) {
    std::string bytes = std::move(entry.bytes);
    if (!SendUser(link, entry, bytes)) {
      FailSoon(peer, std::move(entry.cb),
               FailureText(*peer, FailKind::kUnreachable, "connection closing"));
    }
  }
}

bool PeerPool::Impl::SendUser(Link* link, Entry& entry, std::string_view bytes) {
  // hiredis inspects the command name with unbounded reads (it may read one byte past the end
  // of the buffer), so hand it a NUL-terminated copy.
  scratch.assign(bytes.data(), bytes.size());
  if (redisAsyncFormattedCommand(link->ac, OnReply, link, scratch.data(), scratch.size()) !=
      REDIS_OK) {
    return false;
  }
  entry.bytes.clear();
  link->inflight.push_back(std::move(entry));
  link->commands_sent++;
  return true;
}

void PeerPool::Impl::OnSetupReply(Link* link, Entry& entry, const redisReply* reply) {
  if (reply->type == REDIS_REPLY_ERROR) {
    Peer* peer = link->slot->peer;
    std::string reason =
        (EqualsNoCase(entry.bytes, "AUTH") ? "AUTH refused: " : "handshake refused: ") +
        std::string(reply->str, reply->len);
    Log("cluster: node " + peer->node.id + " (" + peer->address + ") " + reason);
    peer->logged_error = reason;
    CloseLink(link, FailKind::kUnreachable, reason);
    return;
  }
  if (--link->setup_pending == 0 && link->connected) MarkReady(link);
}

void PeerPool::Impl::CompleteUser(Peer* peer, Entry& entry, const redisReply* reply) {
  std::string out;
  EncodeReply(reply, entry.proto, &out);
  peer->stats.replies++;
  peer->stats.latency_us_sum += (uv_hrtime() - entry.start_ns) / 1000;
  peer->stats.latency_count++;
  Callback cb = std::move(entry.cb);
  if (cb) cb(true, out);
}

void PeerPool::Impl::CloseLink(Link* link, FailKind kind, const std::string& reason) {
  if (link->state == LinkState::kClosed) return;
  const bool was_ready = link->state == LinkState::kReady;
  const uint64_t now = uv_now(loop);
  const bool was_stable = was_ready && now - link->ready_since_ms >= kStableConnectionMs;
  link->state = LinkState::kClosed;
  Slot* slot = link->slot;
  Peer* peer = slot->peer;
  slot->link = nullptr;
  if (was_ready) {
    peer->stats.connections_up--;
    peer->stats.connected = peer->stats.connections_up > 0;
  }

  // Take every pending callback out first: from here on the Link only drains hiredis.
  std::vector<Callback> pending;
  for (Entry& e : link->inflight) {
    if (e.done) continue;
    e.done = true;
    if (e.kind == EntryKind::kUser) pending.push_back(std::move(e.cb));
  }
  for (Entry& e : link->held) pending.push_back(std::move(e.cb));
  link->held.clear();

  std::string why = kind == FailKind::kTimeout
                        ? "no reply within " + std::to_string(opts.forward_timeout_ms) + " ms"
                        : reason;
  if (kind != FailKind::kShutdown) {
    peer->stats.last_error = why;
    if (was_ready || peer->logged_error != why) {
      Log("cluster: connection to node " + peer->node.id + " (" + peer->address +
          ") closed: " + why +
          (pending.empty()
               ? ""
               : ", failing " + std::to_string(pending.size()) + " forwarded command(s)"));
      peer->logged_error = why;
    }
  }

  if (!link->hiredis_freeing && link->ac != nullptr) {
    // Runs the leftover hiredis callbacks (dropped: done) and Cleanup now, or, inside a
    // hiredis callback, as soon as it returns.
    redisAsyncFree(link->ac);
  }
  if (!shutting_down) ScheduleReconnect(slot, was_stable);

  const std::string text = FailureText(*peer, kind, reason);
  for (Callback& cb : pending) FailNow(peer, cb, text, kind == FailKind::kTimeout);
}

// With an affinity, the same caller always starts at the same slot, so its requests share one
// FIFO while that link is up (a client's pipelined SET then GET cannot overtake each other).
Link* PeerPool::Impl::PickLink(Peer* peer, uint64_t affinity) {
  const size_t n = peer->slots.size();
  Link* opening = nullptr;
  size_t start = affinity == kNoAffinity ? peer->next_slot : static_cast<size_t>(affinity % n);
  for (size_t i = 0; i < n; i++) {
    size_t at = (start + i) % n;
    Link* link = peer->slots[at]->link;
    if (link == nullptr) continue;
    if (link->state == LinkState::kReady) {
      if (affinity == kNoAffinity) peer->next_slot = (at + 1) % n;
      return link;
    }
    if (opening == nullptr) opening = link;
  }
  return opening;
}

// ---- Deadlines --------------------------------------------------------------------------------

void PeerPool::Impl::ArmTimer(uint64_t due_ms) {
  if (shutting_down) return;
  if (timer_armed && timer_due_ms <= due_ms) return;
  uint64_t now = uv_now(loop);
  int rc = uv_timer_start(deadline_timer, OnDeadlineTimer, due_ms > now ? due_ms - now : 0, 0);
  if (rc != 0) {
    Log(std::string("PeerPool: uv_timer_start failed: ") + uv_strerror(rc));
    return;
  }
  timer_armed = true;
  timer_due_ms = due_ms;
}

void PeerPool::Impl::OnDeadline() {
  timer_armed = false;
  const uint64_t now = uv_now(loop);
  // Collect first: closing runs callbacks, which may Forward() and change the links.
  std::vector<std::pair<Link*, FailKind>> expired;
  for (auto& [index, peer] : peers) {
    for (auto& slot : peer->slots) {
      Link* link = slot->link;
      if (link == nullptr) continue;
      if (link->poll_error != 0) {
        expired.emplace_back(link, FailKind::kUnreachable);
      } else if (link->EarliestDeadline() <= now) {
        expired.emplace_back(link, FailKind::kTimeout);
      }
    }
  }
  for (auto& [link, kind] : expired) {
    // A link closed by an earlier iteration's callbacks is not reopened within this call
    // (reconnects go through a timer), so `link` is still valid here.
    if (link->state == LinkState::kClosed) continue;
    CloseLink(link, kind,
              kind == FailKind::kTimeout ? "timed out"
                                         : std::string("poll: ") + uv_strerror(link->poll_error));
  }
  uint64_t next = UINT64_MAX;
  for (auto& [index, peer] : peers) {
    for (auto& slot : peer->slots) {
      if (slot->link != nullptr) next = std::min(next, slot->link->EarliestDeadline());
    }
  }
  if (next != UINT64_MAX) ArmTimer(next);
}

// ---- PeerPool -----------------------------------------------------------------------------

PeerPool::PeerPool(uv_loop_t* loop, PeerPoolOptions options)
    : impl_(std::make_unique<Impl>(loop, std::move(options))) {}

// Shutdown runs while impl_ is intact, so callbacks that call Forward() find a working object.
PeerPool::~PeerPool() { impl_->Shutdown(); }

bool PeerPool::AddPeer(int node_index, const NodeInfo& node) {
  if (node_index < 0 || impl_->peers.count(node_index) != 0 || impl_->shutting_down) return false;
  auto peer = std::make_unique<Peer>();
  peer->index = node_index;
  peer->node = node;
  peer->address = node.Address();
  peer->connect_host = node.host;
  if (peer->connect_host.size() >= 2 && peer->connect_host.front() == '[' &&
      peer->connect_host.back() == ']') {
    peer->connect_host = peer->connect_host.substr(1, peer->connect_host.size() - 2);
  }
  peer->stats.id = node.id;
  peer->stats.address = peer->address;
  Peer* p = peer.get();
  impl_->peers.emplace(node_index, std::move(peer));
  for (int i = 0; i < impl_->opts.connections_per_peer; i++) {
    auto slot = std::make_unique<Slot>();
    slot->pool = impl_.get();
    slot->peer = p;
    slot->backoff_ms = impl_->opts.reconnect_initial_ms;
    slot->reconnect_timer = new uv_timer_t;
    int rc = uv_timer_init(impl_->loop, slot->reconnect_timer);
    if (rc != 0) {
      std::fprintf(stderr, "PeerPool: uv_timer_init failed: %s\n", uv_strerror(rc));
      std::abort();
    }
    slot->reconnect_timer->data = slot.get();
    p->slots.push_back(std::move(slot));
  }
  for (auto& slot : p->slots) impl_->OpenLink(slot.get());
  return true;
}

bool PeerPool::HasPeer(int node_index) const { return impl_->peers.count(node_index) != 0; }

void PeerPool::Forward(int node_index, std::string_view request, int proto, Callback cb,
                       uint64_t affinity) {
  Impl& im = *impl_;
  auto it = im.peers.find(node_index);
  if (it == im.peers.end()) {
    im.FailSoon(nullptr, std::move(cb),
                "CLUSTERDOWN no peer with node index " + std::to_string(node_index));
    return;
  }
  Peer* peer = it->second.get();
  peer->stats.forwarded++;
  if (im.shutting_down) {
    im.FailSoon(peer, std::move(cb),
                im.FailureText(*peer, FailKind::kShutdown, "peer pool closed"));
    return;
  }
  std::string error;
  std::string_view name;
  if (!ParseMultibulk(request, &name, &error)) {
    im.FailSoon(peer, std::move(cb), "ERR " + error);
    return;
  }
  // hiredis would switch the shared connection into pub/sub or monitor mode.
  for (std::string_view bad :
       {"subscribe", "psubscribe", "unsubscribe", "punsubscribe", "monitor"}) {
    if (EqualsNoCase(name, bad)) {
      im.FailSoon(peer, std::move(cb),
                  "ERR '" + std::string(bad) + "' cannot be forwarded to another node");
      return;
    }
  }
  Link* link = im.PickLink(peer, affinity);
  if (link == nullptr) {
    im.FailSoon(
        peer, std::move(cb),
        im.FailureText(*peer, FailKind::kUnreachable,
                       peer->stats.last_error.empty() ? "not connected" : peer->stats.last_error));
    return;
  }
  Entry entry;
  entry.cb = std::move(cb);
  entry.proto = proto;
  entry.start_ns = uv_hrtime();
  entry.deadline_ms = uv_now(im.loop) + static_cast<uint64_t>(im.opts.forward_timeout_ms);
  const uint64_t deadline = entry.deadline_ms;
  if (link->state == LinkState::kReady) {
    if (!im.SendUser(link, entry, request)) {
      im.FailSoon(peer, std::move(entry.cb),
                  im.FailureText(*peer, FailKind::kUnreachable, "connection closing"));
      return;
    }
  } else {
    entry.bytes.assign(request.data(), request.size());
    link->held.push_back(std::move(entry));
  }
  im.ArmTimer(deadline);
}

PeerStats PeerPool::Stats(int node_index) const {
  auto it = impl_->peers.find(node_index);
  return it == impl_->peers.end() ? PeerStats{} : it->second->stats;
}

std::vector<int> PeerPool::Peers() const {
  std::vector<int> out;
  for (const auto& [index, peer] : impl_->peers) out.push_back(index);
  return out;
}

}  // namespace ringkv::cluster
