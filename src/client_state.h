#pragma once
// What a command may know and change about the client that sent it. No sockets here: the
// Connection (connection.h) owns the socket and a ClientState; in-process tests own one directly.
// Thread-safety: fields are touched only on the owning worker's thread, except the ones marked
// shared, which CLIENT LIST / CLIENT KILL read from other workers under info_mu.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

namespace ringkv {

struct ClientState {
  uint64_t id = 0;
  int proto = 2;  // RESP version chosen by HELLO
  bool authenticated = false;
  bool close_after_reply = false;  // QUIT, protocol error, CLIENT KILL of itself
  // A peer node that passed the RINGKV.HELLO handshake: its commands run here, never forwarded.
  bool is_peer = false;

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
  std::atomic<int> resp_shared{2};  // proto, readable from other threads
  // Name of the last command run (points into the command table, which lives for the process).
  std::atomic<const char*> last_cmd{"NULL"};
};

}  // namespace ringkv
