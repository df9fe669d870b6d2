// Transactions (issue 6): MULTI, EXEC, DISCARD, WATCH, UNWATCH with Redis 7.0's replies and
// error texts (multi.c), plus the internal commands one cluster node sends another for them:
// RINGKV.WATCH, RINGKV.EXEC, RINGKV.UNWATCH.
//
// Queueing happens in Dispatch (dispatch.cc): between MULTI and EXEC every command that passes
// the name/arity/auth checks is copied into ClientState::txn and answered +QUEUED; a command
// refused there marks the transaction dirty (Redis's flagTransaction), and EXEC then answers
// -EXECABORT. EXEC runs the queue through RunTransaction (txn_storage.h): all of it atomically,
// one storage batch, errors in place. WATCH registers keys in the WatchRegistry (watch.h).
//
// In a cluster the router (router.cc, "Transactions" section) decides where EXEC runs: here when
// every key of the queue and of the watches is on this node (or there are none), on the one owner
// through RINGKV.EXEC when they all live on one other node, and nowhere (-CROSSSLOT) otherwise.
// WATCH of another node's key goes to its owner as RINGKV.WATCH in this client's session.
//
// RINGKV.EXEC <session|-> <nwatched> <ncmds> <argc> <arg>... (ncmds times): runs the commands as
// one transaction on this node. When nwatched > 0 the session must exist and hold exactly
// nwatched keys, none of them changed; otherwise the reply is the null array. The commands run
// for a scratch client (protocol 2, the peer connection's id): connection commands inside a
// shipped transaction (CLIENT SETNAME, HELLO, ...) do not change the real client.

#include <string>
#include <vector>

#include "routing/cluster_state.h"
#include "commands/command_table.h"
#include "commands/dispatch.h"
#include "errors.h"
#include "server_state.h"
#include "txn/txn_storage.h"
#include "util.h"
#include "txn/watch.h"

namespace ringkv {
namespace {

Status NoWatchLayer() {
  return Status::Err("ringkv: WATCH is not available (no watch layer installed)");
}

Status PeersOnly(std::string_view name) {
  return Status::Err("ringkv: " + ToUpper(name) + " is only accepted from cluster peers");
}

// A key this node does not own under its ring: the peer's ring and ours disagree.
Status CheckOwned(const ClusterState& cluster, std::string_view key) {
  int owner = cluster.OwnerOf(key);
  if (owner == cluster.myself) return Status::OK();
  return Status(Code::kClusterDown, "ringkv: key '" + std::string(key.substr(0, 128)) +
                                        "' belongs to node " + cluster.Describe(owner) +
                                        " under the ring of " + cluster.Describe(cluster.myself) +
                                        "; not forwarding again");
}

int64_t NowMs() { return static_cast<int64_t>(storage::NowMs()); }

// ---------------------------------------------------------------------------------------------
// MULTI / EXEC / DISCARD

Status CmdMulti(CommandContext& ctx, const ArgList&, resp::ReplyWriter* reply) {
  TxnState& txn = ctx.client.txn;
  if (txn.active) return Status::Err(std::string(txn_errors::kNested));
  txn.active = true;
  reply->Ok();
  return Status::OK();
}

Status CmdExec(CommandContext& ctx, const ArgList&, resp::ReplyWriter* reply) {
  ClientState& client = ctx.client;
  if (!client.txn.active) return Status::Err(std::string(txn_errors::kExecWithoutMulti));
  // The watches end with EXEC whatever happens; they stay registered until it returns.
  std::shared_ptr<ClientWatches> watches = std::move(client.watches);
  if (client.txn.dirty) {
    client.txn.Reset();
    return Status(Code::kExecAbort, std::string(txn_errors::kAbortPrevious));
  }
  std::vector<QueuedCommand> queue = std::move(client.txn.queue);
  client.txn.Reset();
  if (watches != nullptr && watches->failed) {
    reply->NullArray();
    return Status::OK();
  }
  return RunTransaction(ctx.server, client, queue,
                        watches != nullptr && !watches->local.empty() ? &watches->local : nullptr,
                        reply);
}

Status CmdDiscard(CommandContext& ctx, const ArgList&, resp::ReplyWriter* reply) {
  if (!ctx.client.txn.active) return Status::Err(std::string(txn_errors::kDiscardWithoutMulti));
  ctx.client.txn.Reset();
  ctx.client.watches.reset();
  reply->Ok();
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// WATCH / UNWATCH

Status CmdWatch(CommandContext& ctx, const ArgList& args, resp::ReplyWriter* reply) {
  if (ctx.client.txn.active) return Status::Err(std::string(txn_errors::kWatchInsideMulti));
  if (ctx.server.watches == nullptr) return NoWatchLayer();
  ClientWatches& w = EnsureClientWatches(ctx.server, ctx.client);
  const ClusterState* cluster = ctx.server.cluster;
  for (size_t i = 1; i < args.size(); ++i) {
    // In a cluster the router has sent other nodes' keys to their owners (RINGKV.WATCH).
    if (cluster != nullptr && !ctx.client.is_peer && cluster->OwnerOf(args[i]) != cluster->myself) {
      continue;
    }
    Status s = WatchLocalKey(ctx.server, &w.local, ctx.PhysicalDb(ctx.client.db), args[i]);
    if (!s.ok()) return s;
  }
  reply->Ok();
  return Status::OK();
}

Status CmdUnwatch(CommandContext& ctx, const ArgList&, resp::ReplyWriter* reply) {
  ctx.client.watches.reset();
  reply->Ok();
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// Internal commands between cluster nodes

// RINGKV.WATCH <session> <key>...: watch keys of this node for a client of the sending node.
Status CmdRingkvWatch(CommandContext& ctx, const ArgList& args, resp::ReplyWriter* reply) {
  if (!ctx.client.is_peer) return PeersOnly(args[0]);
  if (ctx.server.watches == nullptr) return NoWatchLayer();
  if (ctx.server.cluster != nullptr) {
    for (size_t i = 2; i < args.size(); ++i) {
      Status s = CheckOwned(*ctx.server.cluster, args[i]);
      if (!s.ok()) return s;
    }
  }
  std::shared_ptr<WatchRegistry::Session> session;
  Status s = ctx.server.watches->OpenSession(std::string(args[1]), NowMs(), &session);
  if (!s.ok()) return s;
  for (size_t i = 2; i < args.size(); ++i) {
    auto guard = ctx.locks().Lock(args[i]);
    std::lock_guard<std::mutex> g(session->mu);
    if (session->taken) break;  // its EXEC already ran (a reordered request): it aborted or ran
    s = session->watch->Add(ctx.PhysicalDb(ctx.client.db), args[i], *ctx.server.storage);
    if (!s.ok()) return s;
  }
  reply->Ok();
  return Status::OK();
}

// RINGKV.UNWATCH <session>
Status CmdRingkvUnwatch(CommandContext& ctx, const ArgList& args, resp::ReplyWriter* reply) {
  if (!ctx.client.is_peer) return PeersOnly(args[0]);
  if (ctx.server.watches != nullptr) ctx.server.watches->DropSession(std::string(args[1]), NowMs());
  reply->Ok();
  return Status::OK();
}

Status Malformed() { return Status::Err("ringkv: malformed RINGKV.EXEC request"); }

// RINGKV.EXEC: see the note at the top.
Status CmdRingkvExec(CommandContext& ctx, const ArgList& args, resp::ReplyWriter* reply) {
  if (!ctx.client.is_peer) return PeersOnly(args[0]);
  int64_t nwatched, ncmds;
  if (!ParseInt64(args[2], &nwatched) || !ParseInt64(args[3], &ncmds) || nwatched < 0 ||
      ncmds < 0 || static_cast<uint64_t>(ncmds) > args.size()) {
    return Malformed();
  }
  std::vector<QueuedCommand> queue;
  queue.reserve(static_cast<size_t>(ncmds));
  size_t pos = 4;
  ArgList argv;
  for (int64_t c = 0; c < ncmds; ++c) {
    int64_t argc;
    if (pos >= args.size() || !ParseInt64(args[pos], &argc) || argc < 1 ||
        static_cast<uint64_t>(argc) > args.size() - pos - 1) {
      return Malformed();
    }
    argv.assign(args.begin() + static_cast<std::ptrdiff_t>(pos + 1),
                args.begin() + static_cast<std::ptrdiff_t>(pos + 1 + static_cast<size_t>(argc)));
    pos += 1 + static_cast<size_t>(argc);
    const CommandSpec* spec = nullptr;
    Status s = ResolveCommand(*ctx.server.table, argv, &spec);
    if (!s.ok()) return s;
    if (RunsInsideMulti(*spec) || (spec->flags & kCmdNoMulti)) {
      return Status::Err(std::string(txn_errors::kNotAllowed));
    }
    if (ctx.server.cluster != nullptr) {
      std::vector<int> positions;
      spec->KeyPositionsOf(argv, &positions);
      for (int p : positions) {
        s = CheckOwned(*ctx.server.cluster, argv[static_cast<size_t>(p)]);
        if (!s.ok()) return s;
      }
    }
    queue.push_back({spec, std::vector<std::string>(argv.begin(), argv.end())});
  }
  if (pos != args.size()) return Malformed();

  std::shared_ptr<WatchRegistry::Session> session;
  if (nwatched > 0) {
    if (ctx.server.watches != nullptr) {
      session = ctx.server.watches->TakeSession(std::string(args[1]), NowMs());
    }
    // A lost or expired registration: the keys may have changed unseen.
    if (session == nullptr || session->watch->size() != static_cast<size_t>(nwatched)) {
      reply->NullArray();
      return Status::OK();
    }
  }
  ClientState scratch;
  scratch.id = ctx.client.id;
  scratch.authenticated = true;
  scratch.db = ctx.client.db;  // RINGKV.IN's database (the entry node client's SELECT)
  return RunTransaction(ctx.server, scratch, queue,
                        session != nullptr ? session->watch.get() : nullptr, reply);
}

}  // namespace

void RegisterMultiCommands(CommandTable& table) {
  // Values from Redis 7.0.15's COMMAND INFO / COMMAND DOCS.
  const uint32_t kBase = kCmdNoScript | kCmdLoading | kCmdStale;
  table.Register({"multi", 1, kBase | kCmdFast | kCmdAllowBusy, 0, 0, 0, CmdMulti, "transactions",
                  "Starts a transaction.", "1.2.0", "O(1)"});
  table.Register({"exec", 1, kBase, 0, 0, 0, CmdExec, "transactions",
                  "Executes all commands in a transaction.", "1.2.0",
                  "Depends on commands in the transaction"});
  table.Register({"discard", 1, kBase | kCmdFast | kCmdAllowBusy, 0, 0, 0, CmdDiscard,
                  "transactions", "Discards a transaction.", "2.0.0",
                  "O(N), when N is the number of queued commands"});
  table.Register({"watch", -2, kBase | kCmdFast | kCmdAllowBusy, 1, -1, 1, CmdWatch, "transactions",
                  "Monitors changes to keys to determine the execution of a transaction.", "2.2.0",
                  "O(1) for every key."});
  table.Register({"unwatch", 1, kBase | kCmdFast | kCmdAllowBusy, 0, 0, 0, CmdUnwatch,
                  "transactions", "Forgets about watched keys of a transaction.", "2.2.0", "O(1)"});
  // Internal (peers only). No key positions: the handlers check ownership themselves.
  table.Register({"ringkv.watch", -3, kCmdNoScript | kCmdFast, 0, 0, 0, CmdRingkvWatch,
                  "transactions", "Watches keys of this node for a client of a peer node.", "0.1.0",
                  "O(1) for every key."});
  table.Register({"ringkv.unwatch", 2, kCmdNoScript | kCmdFast, 0, 0, 0, CmdRingkvUnwatch,
                  "transactions", "Forgets a peer client's watch session.", "0.1.0", "O(N)"});
  table.Register({"ringkv.exec", -4, kCmdNoScript, 0, 0, 0, CmdRingkvExec, "transactions",
                  "Runs a transaction shipped by a peer node.", "0.1.0",
                  "Depends on commands in the transaction"});
}

}  // namespace ringkv
