#pragma once
// What a command may know and change about the client that sent it. No sockets here: the
// Connection (connection.h) owns the socket and a ClientState; in-process tests own one directly.
// Thread-safety: fields are touched only on the owning worker's thread, except the ones marked
// shared, which CLIENT LIST / CLIENT KILL read from other workers under info_mu.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "txn/blocking.h"

namespace ringkv {

// ---- Transactions (issue 6: commands/multi.cc, watch.h, txn_storage.h) --------------------------
struct CommandSpec;
struct ClientWatches;

// A command queued between MULTI and EXEC.
struct QueuedCommand {
  const CommandSpec* spec = nullptr;  // resolved when queued (the table lives for the process)
  std::vector<std::string> argv;      // a copy: the parser's views die with its buffer
};

// MULTI state. Loop thread only.
struct TxnState {
  bool active = false;  // MULTI was called, and neither EXEC nor DISCARD since
  bool dirty = false;   // a command was refused while queueing: EXEC answers EXECABORT
  std::vector<QueuedCommand> queue;
  void Reset() {
    active = false;
    dirty = false;
    queue.clear();
  }
};
// ---------------------------------------------------------------------------------------------

struct ClientState {
  uint64_t id = 0;
  int proto = 2;  // RESP version chosen by HELLO
  int db = 0;     // SELECT's database, 0 <= db < databases (<= 256)
  bool authenticated = false;
  bool close_after_reply = false;  // QUIT, protocol error, CLIENT KILL of itself
  // A peer node that passed the RINGKV.HELLO handshake: its commands run here, never forwarded.
  bool is_peer = false;
  // A peer connection opened for one blocking command (RINGKV.HELLO ... BLOCKING): its command
  // may block here (blocking.h), since nothing else travels on it.
  bool peer_may_block = false;
  // MULTI/EXEC and WATCH (issue 6). `watches` is nullptr while nothing is watched; dropping it
  // unregisters the keys (its deleter lives in watch.cc).
  TxnState txn;
  std::shared_ptr<ClientWatches> watches;
  // Blocking commands (issue 10, blocking.h). Loop thread only.
  BlockState block;

  // shared (guarded by info_mu)
  std::mutex info_mu;
  std::string name;
  std::string lib_name;
  std::string lib_ver;
  std::string addr;   // "127.0.0.1:51234"
  std::string laddr;  // "127.0.0.1:6379"
  int fd = -1;
  // shared, lock-free
  std::atomic<int64_t> created_ms{0};
  std::atomic<int64_t> last_interaction_ms{0};
  std::atomic<uint64_t> query_buffer_bytes{0};
  std::atomic<uint64_t> output_bytes{0};
  std::atomic<bool> kill_requested{false};
  std::atomic<int> resp_shared{2};          // proto, readable from other threads
  std::atomic<int> db_shared{0};            // db, readable from other threads
  std::atomic<bool> blocked_shared{false};  // in a blocking command (CLIENT LIST flags=b)
  // Name of the last command run (points into the command table, which lives for the process).
  std::atomic<const char*> last_cmd{"NULL"};
};

}  // namespace ringkv
