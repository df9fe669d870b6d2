#pragma once
// Process-wide state shared by every worker thread and every command handler. Built by Server
// (server.h) or by a test harness; outlives every connection. Thread-safe as noted per member.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "txn/blocking.h"
#include "net/client_state.h"
#include "routing/cluster_state.h"
#include "commands/command_table.h"
#include "config.h"
#include "storage/database_map.h"
#include "txn/group_commit.h"
#include "txn/key_locks.h"
#include "storage/db_view.h"
#include "storage/storage.h"
#include "version.h"

namespace ringkv {

class WatchRegistry;

// All live clients of the process, for CLIENT LIST / KILL / INFO clients. Thread-safe.
class ClientRegistry {
 public:
  // `wake` is called (from any thread) after kill_requested is set on one of the worker's
  // clients, so that worker can close it on its own thread.
  void Add(ClientState* c, std::function<void()> wake);
  void Remove(ClientState* c);
  size_t Count() const;
  // Calls fn for each client under the registry lock (fn must not call back into the registry).
  void ForEach(const std::function<void(ClientState&)>& fn) const;
  // Sets kill_requested on every client for which pred is true and wakes its worker.
  // Returns how many were marked.
  size_t Kill(const std::function<bool(ClientState&)>& pred);

 private:
  mutable std::mutex mu_;
  std::map<uint64_t, std::pair<ClientState*, std::function<void()>>> clients_;  // by id
};

struct ServerStats {
  std::atomic<uint64_t> connections_received{0};
  std::atomic<uint64_t> commands_processed{0};
  std::atomic<uint64_t> rejected_connections{0};
  std::atomic<uint64_t> net_input_bytes{0};
  std::atomic<uint64_t> net_output_bytes{0};
  std::atomic<uint64_t> keyspace_hits{0};
  std::atomic<uint64_t> keyspace_misses{0};
  std::atomic<uint64_t> expired_keys{0};
  std::atomic<uint64_t> total_error_replies{0};
  std::atomic<uint64_t> unexpected_error_replies{0};
};

struct ServerState {
  Config* config = nullptr;
  storage::Storage* storage = nullptr;
  const CommandTable* table = nullptr;
  ClusterState* cluster = nullptr;  // nullptr = single node
  KeyLocks locks;
  BlockingRegistry blocking;  // blocked clients (blocking.h)
  DatabaseMap databases;      // SELECT index -> stored database (SWAPDB)
  ClientRegistry clients;
  ServerStats stats;
  std::atomic<uint64_t> next_client_id{1};
  std::atomic<int64_t> connected_clients{0};
  int64_t start_time_ms = 0;
  std::atomic<int64_t> last_save_unix{0};
  std::atomic<uint64_t> changes_since_save{0};
  int listen_port = 0;  // actual port (after binding port 0)
  int worker_threads = 1;
  std::string executable;  // absolute path of the binary, for INFO
  std::string run_id;      // 40 hex chars, fixed per process
  // SHUTDOWN: asks the process to stop (set by Server; nullptr in tests). Thread-safe.
  std::function<void()> request_shutdown;
  // WATCH (issue 6, watch.h): the registry of watched keys. InstallWatchLayer() sets it and
  // replaces `storage` by a write observer around it that bumps watched keys' versions;
  // `watch_layer` owns both. nullptr = not installed: WATCH answers an error.
  WatchRegistry* watches = nullptr;
  std::shared_ptr<void> watch_layer;
};

// Passed to every handler. Lives for one command.
struct CommandContext {
  ServerState& server;
  ClientState& client;
  const CommandSpec* cmd;  // the entry being executed (the subcommand's entry for containers)
  uint64_t now_ms;         // wall clock at command start; use it for TTL arithmetic
  // Inside EXEC: the transaction's overlay (txn_storage.h), which collects the writes so they
  // reach storage as one batch at the end. nullptr outside a transaction.
  storage::Storage* txn_storage = nullptr;
  // A command that joined its worker's group commit (group_commit.h): storage() is the group's
  // overlay and locks() keeps the stripes until the group's batch is written. nullptr otherwise.
  GroupCommit* group = nullptr;

  // The client's database (SELECT) of whatever this command writes to: the group's overlay,
  // EXEC's overlay, or the server's storage. Handlers name user keys; the view qualifies them.
  storage::DbView& storage() {
    storage::Storage* base = group != nullptr         ? group->overlay()
                             : txn_storage != nullptr ? txn_storage
                                                      : server.storage;
    view_.Reset(base, server.databases.Physical(client.db));
    return view_;
  }
  // The stored database of SELECT index `db` (database_map.h).
  uint8_t PhysicalDb(int db) const { return server.databases.Physical(db); }
  // The qualified key of a user key in the client's database (element keys are built from it).
  std::string QualifiedKey(std::string_view key) { return storage().Qualify(key); }
  Locker locks() { return Locker(&server.locks, group); }
  Config& config() { return *server.config; }

  storage::DbView view_;  // storage()'s view; use storage()
};

}  // namespace ringkv
