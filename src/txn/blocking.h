#pragma once
// Blocking commands (issue 10): BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX,
// BZMPOP.
//
// How a command blocks. Its handler tries to serve at once; when nothing can be served and
// MayBlock(ctx) is true, it calls Block(ctx, ...) *while holding its keys' stripes* and returns
// OK without writing a reply. Dispatch then answers kBlocked; the connection keeps the reply's
// place (a deferred slot), stops reading further commands of that client (as Redis, a blocked
// client's pipeline waits) and arms a timer for the timeout.
//
// How it is woken. The process-wide BlockingRegistry keeps, per qualified key, the clients
// blocked on it in arrival order. Every write of a list or sorted set reaches the storage through
// the write observer (watch.cc), which calls Signal(key, type) *after* the write is stored (for a
// transaction or a group commit: after their batch), so a woken client always sees the data.
// Signal readies only the first client waiting on that key for that type and posts it to its
// worker. There the connection runs the command again (ClientState::block.retry): served, it
// completes the slot, leaves the registry and passes the signal on to the next client of each
// of its keys (the data may not be exhausted); not served (someone else took the data first), it
// stays at the head of the queues. A command that finds others already waiting on its keys
// blocks behind them instead of taking the data, so clients are served first come first served.
//
// Timeout: the connection's timer runs the command once more with block.timed_out set; the
// handler then writes its timeout reply (null, or null array) if it still finds nothing.
// CLIENT UNBLOCK does the same (TIMEOUT) or completes with -UNBLOCKED (ERROR).
// A blocked client that disconnects leaves the registry at once (Connection::Close).
// Inside MULTI/EXEC, in tests without a connection and for peer nodes, MayBlock is false: the
// command answers as a timeout would.
//
// Thread-safety: BlockingRegistry is thread-safe (one mutex; Idle() is one relaxed atomic, the
// write observer's fast path). A Waiter's registry fields are guarded by the registry's mutex;
// everything else in it belongs to the owning connection's loop thread.

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "storage/storage.h"

namespace ringkv {

struct CommandContext;

// One blocked client. Created by Block, owned by the registry and the connection together.
struct Waiter {
  uint64_t client_id = 0;
  storage::ValueType type = storage::ValueType::kList;  // what the command pops
  std::vector<std::string> keys;                        // qualified keys, as given
  uint64_t deadline_ms = 0;                             // wall clock; 0 = forever
  // Posts this waiter to its connection's worker (any thread). Set by the connection.
  std::function<void(const std::shared_ptr<Waiter>&)> post;
  // 0: waiting; set by the registry (under its mutex) before post().
  enum Wake : int { kNone = 0, kReady = 1, kUnblockTimeout = 2, kUnblockError = 3 };
  std::atomic<int> wake{kNone};
  // The key whose push woke it (set with wake = kReady, read by the retry): Redis serves a
  // client from the key that was pushed first, whatever the keys' order in the command.
  std::string ready_key;
  bool registered = false;  // guarded by the registry's mutex
};

class BlockingRegistry {
 public:
  // True when no client is blocked: the write observer's fast path.
  bool Idle() const { return waiters_.load(std::memory_order_relaxed) == 0; }
  size_t blocked_clients() const { return waiters_.load(std::memory_order_relaxed); }

  // Queues w on each of its keys (behind the clients already there).
  void Add(const std::shared_ptr<Waiter>& w);
  // Takes w off every queue. No-op if it is not registered.
  void Remove(const std::shared_ptr<Waiter>& w);
  // A write stored a value of `type` under `qualified_key`: the first client waiting on that key
  // for that type, unless it was already woken, is woken (posted to its worker).
  void Signal(std::string_view qualified_key, storage::ValueType type);
  // True if some client other than `client_id` waits on `qualified_key`.
  bool OthersWaiting(std::string_view qualified_key, uint64_t client_id) const;
  // SWAPDB: wakes every client blocked on a key of stored database a or b; their retry finds
  // the data of the database their index now names, and re-registers on its keys.
  void WakeDatabases(uint8_t a, uint8_t b);
  // CLIENT UNBLOCK: wakes the blocked client `client_id` as a timeout or an error. False if that
  // client is not blocked.
  bool Unblock(uint64_t client_id, bool error);

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::deque<std::shared_ptr<Waiter>>> by_key_;  // guarded by mu_
  std::unordered_map<uint64_t, std::shared_ptr<Waiter>> by_client_;              // guarded by mu_
  std::atomic<size_t> waiters_{0};
};

// A blocking command's state in its client (ClientState::block). Loop thread only.
struct BlockState {
  // Set by the connection: whether this client can block at all, and how it is woken.
  std::function<void(const std::shared_ptr<Waiter>&)> post;
  // The registered waiter while the client is blocked.
  std::shared_ptr<Waiter> waiter;
  // Set by Block during the handler: Dispatch answers kBlocked.
  bool requested = false;
  // Set by the connection while it runs the command again after a wake-up or a timeout.
  bool retry = false;
  bool timed_out = false;
};

// A blocking command's timeout argument in seconds, as Redis's getTimeoutFromObjectOrReply:
// *ms = ceil(seconds * 1000), 0 = wait forever. Errors with Redis's texts ("timeout is not a
// float or out of range", "timeout is negative").
Status ParseBlockTimeout(std::string_view arg, int64_t* ms);

// The deadline Block takes for a relative timeout (0 = forever).
inline uint64_t BlockDeadline(uint64_t now_ms, int64_t timeout_ms) {
  return timeout_ms <= 0 ? 0 : now_ms + static_cast<uint64_t>(timeout_ms);
}

// True if the running command may block: a connection that supports it, not inside MULTI/EXEC,
// and not after its timeout.
bool MayBlock(const CommandContext& ctx);

// True if the command should block rather than serve now because other clients have been
// waiting on one of `keys` (user keys) longer: first come, first served.
bool ShouldQueueBehindOthers(CommandContext& ctx, const std::vector<std::string_view>& keys);

// `keys` in the order a retry should try them: the key whose push woke the client first.
std::vector<std::string_view> ServeOrder(CommandContext& ctx,
                                         const std::vector<std::string_view>& keys);

// Blocks the running command on `keys` (user keys of the client's database) until deadline_ms
// (0 = forever), for a value of `type`. Call with the keys' stripes held, write no reply and
// return OK. On a retry the client keeps its place in the queues.
void Block(CommandContext& ctx, const std::vector<std::string_view>& keys, storage::ValueType type,
           uint64_t deadline_ms);

}  // namespace ringkv
