#pragma once
// Router: where a client's command runs in a cluster. One per worker loop (it owns that loop's
// PeerPool); used only on that loop's thread.
//
// - Key positions come from the command table (first/last/step), never per-command code.
// - All keys on this node -> run here. All keys on one other node -> the raw request bytes go to
//   it through the pool and its reply comes back in the client's protocol.
// - Keys on several nodes: MGET, MSET, DEL, UNLINK, EXISTS, TOUCH fan out (one sub-request per
//   owner, in parallel) and merge in key order; anything else answers CROSSSLOT.
// - Whole-keyspace commands (DBSIZE, KEYS, FLUSHDB, FLUSHALL, RANDOMKEY) go to every node; SCAN
//   goes to the node owning the ring position its cursor names.
// - A failure of any part (peer down, timeout, an error reply) is the error of the whole command.
// Commands from peers are never routed (see Dispatch): no forwarding loops.

#include <uv.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "cluster/peer_pool.h"
#include "server_state.h"

namespace ringkv {

// Delivers a deferred reply (complete RESP bytes in the client's protocol) exactly once, on the
// loop thread. Safe to call after the client went away: the reply is dropped.
using Completion = std::function<void(std::string_view reply)>;

// Implemented by the connection: reserves the reply position of the command being dispatched.
class ReplyDeferrer {
 public:
  virtual ~ReplyDeferrer() = default;
  virtual Completion Defer() = 0;
};

class Router {
 public:
  enum class Result { kLocal, kDeferred, kError };

  Router(ServerState* server, uv_loop_t* loop);
  ~Router();  // fails every forward still in flight (their completions run)

  // A client's connection closed: its blocking forwards to other nodes are dropped.
  void DropBlockingForwards(uint64_t client_id);

  // Routes one command that passed Dispatch's checks. kLocal: run it here. kDeferred: the reply
  // will come through the deferrer's completion. kError: *error holds the reply error.
  // `raw` is the request as received (multibulk bytes), or empty to re-encode args.
  Result Route(ClientState& client, const CommandSpec& spec, const ArgList& args,
               std::string_view raw, ReplyDeferrer* deferrer, Status* error);

  cluster::PeerPool& pool() { return *pool_; }

  // The router of the calling worker thread, or nullptr (not a worker, or a single node).
  static Router* Current();
  static void SetCurrent(Router* router);

 private:
  struct FanOut;
  struct ScanWalk;
  // Sends `request` (one multibulk command) to `node`. A client database other than 0 travels
  // with it: the request is wrapped as RINGKV.IN <db> <command...> (commands/cluster.cc).
  void Forward(int node, std::string_view request, int proto, uint64_t affinity, Completion done,
               int db = 0);
  Result FanOutKeys(ClientState& client, const CommandSpec& spec, const ArgList& args,
                    const std::vector<int>& positions, const std::vector<int>& owners,
                    ReplyDeferrer* deferrer);
  Result FanOutAll(ClientState& client, const CommandSpec& spec, const ArgList& args,
                   ReplyDeferrer* deferrer);
  // Read-only algebra over keys of several nodes (SUNION, ZINTER...): every key's records are
  // fetched from its owner (RINGKV.DUMPKEY) into a scratch store, and the command's own handler
  // runs over that store here, so the reply is exactly the one-node reply.
  Result Gather(ClientState& client, const CommandSpec& spec, const ArgList& args,
                const std::vector<int>& positions, const std::vector<int>& owners,
                ReplyDeferrer* deferrer);
  // Runs args through this node's handlers as the router's own internal client (the caller's
  // client may be gone by the time an asynchronous step runs); RESP2 reply bytes.
  std::string RunLocal(const ArgList& args, int db = 0);
  Result Scan(ClientState& client, const ArgList& args, ReplyDeferrer* deferrer);
  void ScanStep(const std::shared_ptr<ScanWalk>& walk);

  // ---- Transactions (issue 6; router.cc section "Transactions") ----
  // EXEC runs where all the keys of its queue and of the client's watches live (here, or shipped
  // whole to one other node as RINGKV.EXEC), else answers CROSSSLOT. WATCH of another node's
  // keys registers them on their owner (RINGKV.WATCH). DISCARD/UNWATCH release those.
  Result RouteTransaction(ClientState& client, const CommandSpec& spec, const ArgList& args,
                          ReplyDeferrer* deferrer, Status* error);
  Result RouteExec(ClientState& client, ReplyDeferrer* deferrer, Status* error);
  Result RouteWatch(ClientState& client, const ArgList& args, ReplyDeferrer* deferrer);
  // Tells the owners of the client's remote watches to forget them (fire and forget: the owners'
  // leases end them anyway).
  void ReleaseRemoteWatches(ClientState& client);
  // ---- end of transactions ----

  // ---- Blocking commands on other nodes' keys (blocking.h) ----
  // A blocking command must not hold up the pooled peer connections, so each one goes over a
  // connection of its own (a one-connection PeerPool whose handshake lets the owner block it).
  // Its forward timeout is the command's timeout plus cluster-forward-timeout (none for 0), so a
  // peer that dies or stalls still answers the client with an error. Dropped (and the owner's
  // blocked client with it) when the client disconnects.
  Result ForwardBlocking(ClientState& client, int node, std::string_view request,
                         int64_t timeout_ms, ReplyDeferrer* deferrer);
  // Destroys finished blocking pools (never from inside their own callbacks).
  static void OnReapBlocking(uv_timer_t* t);

  ServerState* server_;
  ClusterState* cluster_;
  uv_loop_t* loop_;
  std::unique_ptr<cluster::PeerPool> pool_;
  ClientState internal_client_;  // runs the local parts of fan-outs and SCAN walks
  std::map<uint64_t, std::vector<std::unique_ptr<cluster::PeerPool>>> blocking_;  // by client id
  std::vector<std::unique_ptr<cluster::PeerPool>> retired_;
  uv_timer_t* reaper_ = nullptr;  // heap-allocated; freed by its close callback
};

}  // namespace ringkv
