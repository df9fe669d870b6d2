// WatchRegistry, WatchSet and the write observer: see watch.h for the scheme.
//
// The registry is sharded by key hash (16 shards, each a mutex and a hash map) so that clients
// watching different keys on different worker threads rarely meet on one mutex. Lock order:
// stripe (KeyLocks) -> Session::mu -> shard mutex, and sessions_mu_ -> Session::mu / shard mutex;
// nothing takes a stripe or sessions_mu_ while holding a shard mutex or Session::mu.

#include "txn/watch.h"

#include <chrono>

#include "cluster/key_hash.h"
#include "storage/key_codec.h"
#include "txn/group_commit.h"

namespace ringkv {
namespace {

// The Storage the server runs on once the watch layer is installed: every write first renews the
// versions of the watched keys it touches, then goes to the real storage. Reads pass through.
// It is also where blocked clients learn of pushes (blocking.h): after a list or sorted set is
// stored, the first client blocked on it is woken.
class WatchingStorage final : public storage::Storage {
 public:
  WatchingStorage(storage::Storage* base, WatchRegistry* registry, BlockingRegistry* blocking)
      : base_(base), registry_(registry), blocking_(blocking) {}

  Status Get(std::string_view key, storage::Entry* out) override { return base_->Get(key, out); }
  Status Exists(std::string_view key, storage::Entry* meta) override {
    return base_->Exists(key, meta);
  }
  Status Put(std::string_view key, std::string_view payload, uint64_t expire_at_ms,
             storage::ValueType type) override {
    if (!registry_->Idle()) Touch(key);
    Status s = base_->Put(key, payload, expire_at_ms, type);
    if (s.ok()) SignalBlocked(key, type);
    return s;
  }
  Status Delete(std::string_view key) override {
    if (!registry_->Idle()) Touch(key);
    return base_->Delete(key);
  }
  Status Write(const storage::WriteBatch& batch) override {
    if (!registry_->Idle()) {
      // Element writes come with their key's metadata write (storage.h), which touches it.
      for (const auto& op : batch.ops()) {
        if (!op.element) Touch(op.key);
      }
    }
    Status s = base_->Write(batch);
    if (s.ok() && blocking_ != nullptr && !blocking_->Idle()) {
      for (const auto& op : batch.ops()) {
        if (!op.element && !op.is_delete) SignalBlocked(op.key, op.type);
      }
    }
    return s;
  }
  Status GetElement(std::string_view element_key, std::string* value) override {
    return base_->GetElement(element_key, value);
  }
  std::unique_ptr<storage::ElementIterator> NewElementIterator(std::string_view lower,
                                                               std::string_view upper,
                                                               bool reverse) override {
    return base_->NewElementIterator(lower, upper, reverse);
  }
  Status Scan(uint64_t cursor, size_t count, std::vector<storage::ScanItem>* out,
              uint64_t* next_cursor, uint64_t end) override {
    return base_->Scan(cursor, count, out, next_cursor, end);
  }
  Status CountKeys(uint64_t* keys, uint64_t* keys_with_expiry) override {
    return base_->CountKeys(keys, keys_with_expiry);
  }
  // As Redis's touchAllWatchedKeysInDb: only watched keys that exist are changed by a flush.
  // The caller (FLUSHDB/FLUSHALL, or a transaction holding one) holds every stripe, so the
  // existence checks and the deletion see the same keyspace.
  Status DeleteAll() override {
    registry_->TouchAllIf([this](const std::string& key) {
      storage::Entry meta;
      return base_->Exists(key, &meta).ok();
    });
    return base_->DeleteAll();
  }
  Status Flush() override { return base_->Flush(); }
  void SetSyncMode(storage::SyncMode mode) override { base_->SetSyncMode(mode); }
  storage::StorageStats Stats() override { return base_->Stats(); }

 private:
  void SignalBlocked(std::string_view key, storage::ValueType type) {
    if (blocking_ == nullptr || blocking_->Idle()) return;
    if (type == storage::ValueType::kList || type == storage::ValueType::kZset) {
      blocking_->Signal(key, type);
    }
  }

  // The slow path, taken only while some key is watched.
  void Touch(std::string_view key) {
    registry_->Touch(key);
    registry_->SweepIfDue(static_cast<int64_t>(storage::NowMs()));
  }

  storage::Storage* base_;
  WatchRegistry* registry_;
  BlockingRegistry* blocking_;  // nullptr: nobody can block
};

struct WatchLayer {
  WatchLayer(storage::Storage* base, BlockingRegistry* blocking)
      : observer(base, &registry, blocking) {}
  WatchRegistry registry;
  WatchingStorage observer;
};

std::atomic<uint64_t> g_session_serial{1};

}  // namespace

// ---------------------------------------------------------------------------------------------
// WatchRegistry: keys

WatchRegistry::Shard& WatchRegistry::ShardOf(std::string_view key) {
  return shards_[cluster::KeyHash(key) % kShards];
}
const WatchRegistry::Shard& WatchRegistry::ShardOf(std::string_view key) const {
  return shards_[cluster::KeyHash(key) % kShards];
}

uint64_t WatchRegistry::Acquire(std::string_view key) {
  Shard& shard = ShardOf(key);
  std::lock_guard<std::mutex> g(shard.mu);
  auto [it, inserted] = shard.keys.try_emplace(std::string(key));
  if (inserted) {
    it->second.version = NextVersion();
    watched_keys_.fetch_add(1, std::memory_order_relaxed);
  }
  ++it->second.watchers;
  return it->second.version;
}

void WatchRegistry::Release(std::string_view key) {
  Shard& shard = ShardOf(key);
  std::lock_guard<std::mutex> g(shard.mu);
  auto it = shard.keys.find(std::string(key));
  if (it == shard.keys.end()) return;
  if (--it->second.watchers == 0) {
    shard.keys.erase(it);
    watched_keys_.fetch_sub(1, std::memory_order_relaxed);
  }
}

bool WatchRegistry::Current(std::string_view key, uint64_t version) const {
  const Shard& shard = ShardOf(key);
  std::lock_guard<std::mutex> g(shard.mu);
  auto it = shard.keys.find(std::string(key));
  return it != shard.keys.end() && it->second.version == version;
}

void WatchRegistry::Touch(std::string_view key) {
  Shard& shard = ShardOf(key);
  std::lock_guard<std::mutex> g(shard.mu);
  if (shard.keys.empty()) return;
  auto it = shard.keys.find(std::string(key));
  if (it != shard.keys.end()) it->second.version = NextVersion();
}

// ---------------------------------------------------------------------------------------------
// WatchRegistry: sessions

WatchRegistry::Session::Session(WatchRegistry* registry)
    : watch(std::make_unique<WatchSet>(registry)) {}

void WatchRegistry::SweepLocked(int64_t now_ms, std::vector<std::shared_ptr<Session>>* dead) {
  while (!leases_.empty() && leases_.front().first <= now_ms) {
    auto it = sessions_.find(leases_.front().second);
    // A renewed session has a later deadline (and a later lease entry): keep it.
    if (it != sessions_.end() && it->second->deadline_ms <= now_ms) {
      dead->push_back(std::move(it->second));
      sessions_.erase(it);
    }
    leases_.pop_front();
  }
  first_deadline_.store(leases_.empty() ? INT64_MAX : leases_.front().first,
                        std::memory_order_relaxed);
}

void WatchRegistry::SweepIfDue(int64_t now_ms) {
  if (now_ms < first_deadline_.load(std::memory_order_relaxed)) return;
  std::vector<std::shared_ptr<Session>> dead;
  std::lock_guard<std::mutex> g(sessions_mu_);
  SweepLocked(now_ms, &dead);
}

Status WatchRegistry::OpenSession(const std::string& id, int64_t now_ms,
                                  std::shared_ptr<Session>* out) {
  std::vector<std::shared_ptr<Session>> dead;  // destroyed after the lock is released
  std::lock_guard<std::mutex> g(sessions_mu_);
  SweepLocked(now_ms, &dead);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) {
    if (sessions_.size() >= kMaxSessions) {
      return Status::Err("ringkv: too many cluster WATCH sessions on this node (" +
                         std::to_string(kMaxSessions) + "), try again later");
    }
    it = sessions_.emplace(id, std::make_shared<Session>(this)).first;
  }
  it->second->deadline_ms = now_ms + kSessionLeaseMs;
  leases_.emplace_back(it->second->deadline_ms, id);
  if (leases_.size() == 1) first_deadline_.store(leases_.front().first, std::memory_order_relaxed);
  *out = it->second;
  return Status::OK();
}

std::shared_ptr<WatchRegistry::Session> WatchRegistry::TakeSession(const std::string& id,
                                                                   int64_t now_ms) {
  std::vector<std::shared_ptr<Session>> dead;
  std::shared_ptr<Session> s;
  {
    std::lock_guard<std::mutex> g(sessions_mu_);
    SweepLocked(now_ms, &dead);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return nullptr;
    s = std::move(it->second);
    sessions_.erase(it);
  }
  std::lock_guard<std::mutex> g(s->mu);
  s->taken = true;
  return s;
}

void WatchRegistry::DropSession(const std::string& id, int64_t now_ms) {
  std::shared_ptr<Session> s = TakeSession(id, now_ms);
}

size_t WatchRegistry::sessions() const {
  std::lock_guard<std::mutex> g(sessions_mu_);
  return sessions_.size();
}

// ---------------------------------------------------------------------------------------------
// WatchSet

WatchSet::~WatchSet() {
  for (const Watched& w : keys_) registry_->Release(w.qualified);
}

Status WatchSet::Add(uint8_t db, std::string_view key, storage::Storage& storage) {
  if (Contains(key)) return Status::OK();
  std::string qualified = storage::QualifyKey(db, key);
  storage::Entry meta;
  Status s = storage.Exists(qualified, &meta);
  if (!s.ok() && !s.IsNotFound()) return s;
  uint64_t expire_at = s.ok() ? meta.expire_at_ms : 0;
  uint64_t version = registry_->Acquire(qualified);
  keys_.push_back({std::string(key), qualified, version, expire_at});
  index_.insert(std::string(key));
  return Status::OK();
}

std::vector<std::string_view> WatchSet::Keys() const {
  std::vector<std::string_view> out;
  out.reserve(keys_.size());
  for (const Watched& w : keys_) out.push_back(w.key);
  return out;
}

bool WatchSet::Unchanged(uint64_t now_ms) const {
  for (const Watched& w : keys_) {
    if (!registry_->Current(w.qualified, w.version)) return false;
    // Unchanged version: the TTL is still the one seen at WATCH time.
    if (w.expire_at_ms != 0 && w.expire_at_ms < now_ms) return false;  // as keyIsExpired
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Installation and client helpers

void InstallWatchLayer(ServerState* server) {
  auto layer = std::make_shared<WatchLayer>(server->storage, &server->blocking);
  server->watches = &layer->registry;
  server->storage = &layer->observer;
  server->watch_layer = std::move(layer);
}

ClientWatches& EnsureClientWatches(ServerState& server, ClientState& client) {
  if (client.watches == nullptr) {
    client.watches = std::make_shared<ClientWatches>(server.watches);
    if (server.cluster != nullptr) {
      // Unique across nodes (node id), restarts (start time) and clients (serial).
      client.watches->session = server.cluster->node(server.cluster->myself).id + "." +
                                std::to_string(server.start_time_ms) + "." +
                                std::to_string(g_session_serial.fetch_add(1));
    }
  }
  return *client.watches;
}

Status WatchLocalKey(ServerState& server, WatchSet* set, uint8_t db, std::string_view key) {
  // The version and existence it records must include this worker's uncommitted writes.
  if (GroupCommit* group = GroupCommit::Current()) (void)group->Commit();
  auto guard = server.locks.Lock(key);
  return set->Add(db, key, *server.storage);
}

}  // namespace ringkv
