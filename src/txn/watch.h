#pragma once
// WATCH: optimistic locking for MULTI/EXEC (issue 6).
//
// Every watched key has an entry in the WatchRegistry holding a version; a write observer
// (WatchingStorage, installed around the server's Storage by InstallWatchLayer) gives the key a
// new version whenever anything writes or deletes it, and FLUSHALL/FLUSHDB (DeleteAll) renews
// every watched key that exists. A client remembers the version each key had when it watched it
// (a WatchSet); EXEC compares them under the keys' stripe locks and aborts on any difference.
// Versions come from one process-wide counter and an entry lives as long as someone watches its
// key, so a version never repeats: an EXEC can abort needlessly, never succeed wrongly.
//
// Expiry, as Redis 7.0 (multi.c): a key that was live with a TTL when watched and has expired by
// EXEC aborts it; a key already expired when watched counts as absent, so its expiry changes
// nothing.
//
// Cost when nothing is watched: the observer reads one relaxed atomic (the number of watched
// keys) per write. Why relaxed is enough: WATCH registers a key while holding its stripe lock and
// every writer holds the key's stripe while it writes (key_locks.h), so the mutex orders the two.
//
// Cluster (the entry node is not the owner of a watched key): the entry node asks the owner to
// watch the key on its behalf (RINGKV.WATCH <session> key...) in a *session*: a WatchSet that the
// owner keeps under a session id naming the client (node id, start time, a serial). The shipped
// transaction (RINGKV.EXEC <session> <nwatched> ...) takes the session and checks it under the
// owner's locks; the session must hold exactly the keys the entry node asked for, so a lost or
// expired registration aborts the transaction. Sessions are leased (kSessionLeaseMs, renewed by
// each RINGKV.WATCH) and capped (kMaxSessions), so abandoned ones do not accumulate.
//
// Thread-safety: WatchRegistry and WatchingStorage are thread-safe. WatchSet and ClientWatches
// belong to one client (its loop thread) or to one session (guarded by Session::mu).

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server_state.h"
#include "status.h"
#include "storage/storage.h"

namespace ringkv {

class WatchSet;

class WatchRegistry {
 public:
  static constexpr int64_t kSessionLeaseMs = 30000;
  static constexpr size_t kMaxSessions = 100000;

  // True when no key is watched: the observer's fast path.
  bool Idle() const { return watched_keys_.load(std::memory_order_relaxed) == 0; }
  size_t watched_keys() const { return watched_keys_.load(std::memory_order_relaxed); }

  // Adds a watcher to `key` and returns the key's current version. Caller holds the key's stripe.
  uint64_t Acquire(std::string_view key);
  // Removes a watcher added by Acquire; the entry goes when its last watcher does.
  void Release(std::string_view key);
  // True if `key` still has `version` (it is watched, so it has an entry).
  bool Current(std::string_view key, uint64_t version) const;
  // A write or delete of `key`: a watched key gets a new version.
  void Touch(std::string_view key);
  // DeleteAll: every watched key for which exists(key) is true gets a new version.
  template <typename Exists>
  void TouchAllIf(const Exists& exists);

  // ---- sessions (cluster: watches held for a client of another node) ----
  struct Session {
    explicit Session(WatchRegistry* registry);
    std::mutex mu;
    std::unique_ptr<WatchSet> watch;  // guarded by mu
    bool taken = false;               // guarded by mu: EXEC has taken it; add nothing more
    int64_t deadline_ms = 0;          // guarded by the registry's sessions_mu_
  };
  // The session `id`, created if new, its lease renewed to now + kSessionLeaseMs. Error when
  // kMaxSessions live sessions exist. Sweeps expired sessions.
  Status OpenSession(const std::string& id, int64_t now_ms, std::shared_ptr<Session>* out);
  // Removes the session and returns it (nullptr if it does not exist or its lease ran out); it is
  // marked taken, so a RINGKV.WATCH still in flight for it adds nothing.
  std::shared_ptr<Session> TakeSession(const std::string& id, int64_t now_ms);
  // Forgets the session (UNWATCH, DISCARD or an EXEC that did not ship it). No-op if absent.
  void DropSession(const std::string& id, int64_t now_ms);
  // Drops sessions whose lease ran out, if one may have (one relaxed atomic load otherwise).
  // The write observer calls it while keys are watched, so abandoned sessions end even when no
  // session operation follows. Callers may hold stripes, never a shard mutex or Session::mu.
  void SweepIfDue(int64_t now_ms);
  size_t sessions() const;

 private:
  struct Entry {
    uint64_t version = 0;
    uint32_t watchers = 0;
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, Entry> keys;  // guarded by mu
  };
  static constexpr size_t kShards = 16;
  Shard& ShardOf(std::string_view key);
  const Shard& ShardOf(std::string_view key) const;
  uint64_t NextVersion() { return next_version_.fetch_add(1, std::memory_order_relaxed); }
  // Drops sessions whose lease ran out. Caller holds sessions_mu_; the dropped sessions are
  // moved to *dead so that they are destroyed (releasing their keys) after the lock.
  void SweepLocked(int64_t now_ms, std::vector<std::shared_ptr<Session>>* dead);

  std::array<Shard, kShards> shards_;
  std::atomic<size_t> watched_keys_{0};    // number of entries over all shards
  std::atomic<uint64_t> next_version_{1};  // versions are never reused

  mutable std::mutex sessions_mu_;
  std::unordered_map<std::string, std::shared_ptr<Session>> sessions_;  // guarded by sessions_mu_
  std::deque<std::pair<int64_t, std::string>> leases_;  // (deadline, id) in renewal order
  // The first deadline in leases_ (INT64_MAX if none): SweepIfDue's fast check.
  std::atomic<int64_t> first_deadline_{INT64_MAX};
};

// The keys one client (or one session) watches, with the version and TTL each had when watched.
// Releases its keys from the registry when destroyed.
class WatchSet {
 public:
  explicit WatchSet(WatchRegistry* registry) : registry_(registry) {}
  ~WatchSet();
  WatchSet(const WatchSet&) = delete;
  WatchSet& operator=(const WatchSet&) = delete;

  // Watches user key `key` of database `db` (a key already in the set is left as it is, as
  // Redis does). Caller holds the key's stripe; `storage` (qualified keys: the server's
  // storage) is read for the key's TTL. The registry tracks the qualified key, so a write to the
  // same name in another database does not touch it.
  Status Add(uint8_t db, std::string_view key, storage::Storage& storage);
  bool Contains(std::string_view key) const { return index_.count(std::string(key)) != 0; }
  size_t size() const { return keys_.size(); }
  bool empty() const { return keys_.empty(); }
  // The watched keys, in the order they were first watched.
  std::vector<std::string_view> Keys() const;
  // True if no watched key changed (or expired, see above) since it was watched. Caller holds the
  // stripes of every watched key.
  bool Unchanged(uint64_t now_ms) const;

 private:
  struct Watched {
    std::string key;        // the user key (locks are taken on it)
    std::string qualified;  // the registry's key (storage.h)
    uint64_t version;
    uint64_t expire_at_ms;  // 0: absent or persistent when watched
  };
  WatchRegistry* registry_;
  std::vector<Watched> keys_;
  std::set<std::string> index_;
};

// What one client watches: keys of this node, and (cluster) the keys its sessions on other nodes
// hold. Owned by ClientState::watches; completions of RINGKV.WATCH hold a weak_ptr.
struct ClientWatches {
  explicit ClientWatches(WatchRegistry* registry) : local(registry) {}
  WatchSet local;
  std::string session;                          // cluster: this client's session id
  std::map<int, std::set<std::string>> remote;  // node index -> keys watched there
  bool failed = false;                          // a remote WATCH failed: EXEC must abort
};

// Wraps server->storage in a WatchingStorage and sets server->watches (see server_state.h).
// Call once, before any client runs.
void InstallWatchLayer(ServerState* server);

// The client's ClientWatches, created if it has none (with a new session id in a cluster).
ClientWatches& EnsureClientWatches(ServerState& server, ClientState& client);

// Watches `key` for the client on this node: takes the key's stripe, registers it.
Status WatchLocalKey(ServerState& server, WatchSet* set, uint8_t db, std::string_view key);

// ---- template implementation ----

template <typename Exists>
void WatchRegistry::TouchAllIf(const Exists& exists) {
  if (Idle()) return;
  for (Shard& shard : shards_) {
    std::vector<std::string> keys;
    {
      std::lock_guard<std::mutex> g(shard.mu);
      keys.reserve(shard.keys.size());
      for (const auto& kv : shard.keys) keys.push_back(kv.first);
    }
    for (const std::string& k : keys) {
      if (exists(k)) Touch(k);
    }
  }
}

}  // namespace ringkv
