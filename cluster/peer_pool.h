#pragma once
// Forwarding commands to peer nodes over pooled, pipelined hiredis connections.
//
// One PeerPool lives on one libuv loop (a worker's) and is used only from that loop's thread:
// it is not thread-safe. For each peer it keeps `connections_per_peer` hiredis async connections
// (hiredis 0.14, RESP2) driven by that loop. A request is one complete RESP multibulk command,
// forwarded byte for byte; many may be in flight on a connection, and hiredis matches replies to
// callbacks in FIFO order. The reply comes back re-encoded for the client's protocol version.
//
// Contract of Forward()'s callback:
// - It is called exactly once, on the loop thread, never from inside Forward() itself (failures
//   known at once are delivered from a later loop callback).
// - ok=true: `data` is the peer's reply as RESP bytes for the requested protocol (see
//   EncodeReply); a peer's error reply (-ERR ...) is ok=true too: it is the command's answer.
// - ok=false: `data` is an error TEXT without the leading '-' and without CRLF, e.g.
//   "TRYAGAIN forward to node n2 (127.0.0.1:7002) timed out after 1000 ms" or
//   "CLUSTERDOWN node n2 (127.0.0.1:7002) is unreachable: Connection refused". The command may or
//   may not have run on the peer.
// - It comes within forward_timeout_ms (plus timer latency, a few ms) of Forward(), whether or not
//   the peer ever answers. A connection on which a request timed out is dropped (its FIFO can no
//   longer be trusted): every request still on it fails with the timeout error, and a late reply
//   is never delivered.
// - `data` is valid only during the call.
// - Callbacks may call Forward() again. They must not destroy the PeerPool.
//
// Connections: each is opened at AddPeer() and re-opened after any failure, with exponential
// backoff (reconnect_initial_ms doubling up to reconnect_max_ms; the first retry after a
// connection that had worked for a second or more is immediate). A new connection first sends `AUTH
// <password>` (if set) and the handshake command (if set); user commands are held until every one
// of those replied without an error, so nothing runs on a peer that refused us. A refused handshake
// marks the connection failed with the peer's error text (logged, and returned to the held
// requests). While no connection of a peer is open or opening, requests to it fail at once with
// CLUSTERDOWN ... is unreachable: <last error>, instead of queueing.
//
// Limits on what a peer's reply may make us allocate (hiredis 0.14 has no maxelements, and
// would calloc() whatever count an array header announces): an array longer than
// max_reply_elements, a reply whose objects would exceed max_reply_bytes, a bulk string whose
// pending bytes exceed max_reply_bytes, a reply nested deeper than hiredis's 7 levels, or a reply
// no request asked for, fails that one connection like a network error.
//
// Destruction: every request still pending gets its callback, with ok=false and
// "CLUSTERDOWN forward to node <id> (<address>) aborted: peer pool closed", before the destructor
// returns; callbacks invoked then may call Forward(), which fails the same way. No callback runs
// after the destructor returns. The pool's libuv handles are closed but freed by their close
// callbacks, so the loop must run once more (e.g. uv_run(loop, UV_RUN_NOWAIT)) before
// uv_loop_close().
//
// Hosts are resolved with a blocking getaddrinfo() when a connection opens: use IP addresses or
// names from /etc/hosts. hiredis writes with write(2): the process must ignore SIGPIPE.

#include <hiredis/hiredis.h>
#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/topology.h"

namespace ringkv::cluster {

struct PeerPoolOptions {
  int forward_timeout_ms = 1000;  // cluster-forward-timeout; also bounds connect + handshake
  int connections_per_peer = 1;   // cluster-peer-connections, >= 1
  std::string password;           // sent as AUTH <password> on every new connection if non-empty
  // Sent after AUTH on every new connection, e.g. {"RINGKV.HELLO", myself, fingerprint hex};
  // empty = none. Any non-error reply accepts the connection.
  std::vector<std::string> handshake;
  // Most a single peer reply may cost us: payload bytes plus per-object overhead. The default
  // admits a proto-max-bulk-len (512 MB) value with room to spare.
  size_t max_reply_bytes = (size_t{512} << 20) + (size_t{1} << 20);
  size_t max_reply_elements = size_t{1} << 20;  // longest array a peer may announce
  int reconnect_initial_ms = 100;
  int reconnect_max_ms = 2000;
  // Receives one line per notable event (peer up/down, handshake refused, reply limit hit).
  // Empty = write to stderr.
  std::function<void(const std::string&)> log;
};

// Counters for INFO; all since AddPeer().
struct PeerStats {
  std::string id;
  std::string address;          // host:port
  bool connected = false;       // at least one connection has completed its handshake
  int connections_up = 0;       // connections that completed their handshake
  uint64_t forwarded = 0;       // Forward() calls for this peer
  uint64_t replies = 0;         // callbacks with ok=true
  uint64_t errors = 0;          // callbacks with ok=false (timeouts included)
  uint64_t timeouts = 0;        // callbacks with ok=false because of forward_timeout_ms
  uint64_t latency_us_sum = 0;  // over the ok=true callbacks: Forward() to reply, microseconds
  uint64_t latency_count = 0;
  std::string last_error;  // why the last connection failed; empty if none has
};

class PeerPool {
 public:
  using Callback = std::function<void(bool ok, std::string_view data)>;

  // `loop` must outlive the pool, and run on the thread that uses the pool.
  PeerPool(uv_loop_t* loop, PeerPoolOptions options);
  ~PeerPool();
  PeerPool(const PeerPool&) = delete;
  PeerPool& operator=(const PeerPool&) = delete;

  // Registers `node` under `node_index` (normally its index in Topology::nodes) and starts
  // connecting. Returns false (and does nothing) if the index is negative or already used.
  bool AddPeer(int node_index, const NodeInfo& node);
  bool HasPeer(int node_index) const;

  // Sends `request` (one complete RESP multibulk command, e.g. "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
  // to the peer and calls `cb` once with the reply encoded for protocol `proto` (2 or 3), or
  // with an error; see the contract above. The bytes are copied. Requests that are not a single
  // well-formed multibulk command, and SUBSCRIBE/PSUBSCRIBE/UNSUBSCRIBE/PUNSUBSCRIBE/MONITOR
  // (which would switch the pooled connection's mode), fail with an "ERR ..." text.
  // `affinity` (e.g. the client id) pins a caller to one of the peer's connections while it is
  // up, so one client's requests to a peer stay in order; kNoAffinity = round robin.
  static constexpr uint64_t kNoAffinity = ~uint64_t{0};
  void Forward(int node_index, std::string_view request, int proto, Callback cb,
               uint64_t affinity = kNoAffinity);

  // A copy of the peer's counters; a default PeerStats if the index is unknown.
  PeerStats Stats(int node_index) const;
  // The registered indexes, ascending.
  std::vector<int> Peers() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Appends `reply` to *out as RESP for a client speaking protocol `proto`: RESP2 byte for byte
// as the peer sent it; RESP3 the same except that a nil bulk or nil array becomes "_". Replies
// that RESP3 would type differently (maps, doubles, ...) stay in their RESP2 form, because the
// peer connection speaks RESP2 (hiredis 0.14 parses nothing else). A nil array is told apart
// from a nil bulk only for replies read by a PeerPool connection (it marks them); elsewhere both
// encode as a nil bulk.
void EncodeReply(const redisReply* reply, int proto, std::string* out);

// Encodes argv as a RESP multibulk command ("*N\r\n$len\r\narg\r\n..."), e.g. to build the
// per-owner sub-requests of MGET. Appends to *out.
void EncodeCommand(const std::vector<std::string_view>& argv, std::string* out);

// True if `request` is exactly one well-formed RESP multibulk command with at least one argument
// (and nothing after it). Otherwise false with *error set. Does not look at the command name.
bool IsOneMultibulkCommand(std::string_view request, std::string* error);

}  // namespace ringkv::cluster
