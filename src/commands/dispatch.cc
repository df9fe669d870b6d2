// Dispatch: the check pipeline every command goes through, in Redis 7.0's order
// (processCommand in server.c): unknown command, unknown subcommand, arity, NOAUTH; then, in a
// cluster, routing. Errors found here count as "rejected" in commandstats; errors a handler
// returns count as "failed", as in Redis's INFO commandstats.

#include "commands/dispatch.h"

#include <chrono>

#include "errors.h"
#include "txn/group_commit.h"
#include "routing/router.h"
#include "txn/txn_storage.h"
#include "util.h"

namespace ringkv {
namespace {

// A command from a peer runs where it lands (no forwarding loops, DESIGN invariant 2). If this
// node's ring says a key belongs elsewhere, the two configurations disagree: refuse it.
Status CheckPeerOwnership(const ClusterState& cluster, const CommandSpec& spec,
                          const ArgList& args) {
  std::vector<int> positions;
  spec.KeyPositionsOf(args, &positions);
  for (int p : positions) {
    int owner = cluster.OwnerOf(args[static_cast<size_t>(p)]);
    if (owner != cluster.myself) {
      return Status(Code::kClusterDown,
                    "ringkv: key '" + std::string(args[static_cast<size_t>(p)].substr(0, 128)) +
                        "' belongs to node " + cluster.Describe(owner) + " under the ring of " +
                        cluster.Describe(cluster.myself) + "; not forwarding again");
    }
  }
  return Status::OK();
}

void Reject(ServerState& server, ClientState& client, const CommandSpec* spec, const Status& st,
            resp::ReplyWriter* reply) {
  if (spec != nullptr) spec->stats->rejected_calls.fetch_add(1, std::memory_order_relaxed);
  // Transactions (issue 6): a command refused while queueing makes EXEC abort (Redis's
  // flagTransaction).
  if (client.txn.active) client.txn.dirty = true;
  server.stats.total_error_replies.fetch_add(1, std::memory_order_relaxed);
  reply->Error(st.ToReplyText());
}

}  // namespace

Status ResolveCommand(const CommandTable& table, const ArgList& args, const CommandSpec** out) {
  const CommandSpec* spec = table.Lookup(args[0]);
  if (spec == nullptr) {
    return Status::Err(errors::UnknownCommand(args[0], args.data() + 1, args.size() - 1));
  }
  if (!spec->subcommands.empty() && args.size() >= 2) {
    const CommandSpec* sub = spec->FindSubcommand(args[1]);
    if (sub == nullptr) {
      return Status::Err(errors::UnknownSubcommand(args[1], ToUpper(spec->name)));
    }
    spec = sub;
  }
  *out = spec;
  if (!spec->ArityOk(args.size())) return Status::Err(errors::WrongArgs(spec->name));
  return Status::OK();
}

void Execute(ServerState& server, ClientState& client, const CommandSpec* spec, const ArgList& args,
             resp::ReplyWriter* reply, storage::Storage* overlay, uint64_t now_ms) {
  auto start = std::chrono::steady_clock::now();
  CommandContext ctx{server, client, spec, now_ms != 0 ? now_ms : storage::NowMs()};
  ctx.txn_storage = overlay;
  // Group commit (group_commit.h): point commands join the worker's group; anything else that
  // may touch storage first commits it, so it sees (and follows) every earlier write. Connection
  // commands (PING, ECHO, AUTH, HELLO, SELECT, CLIENT ...) never do: they leave the group as is.
  if (overlay == nullptr) {
    if (GroupCommit* group = GroupCommit::Current()) {
      if (group->Joins(*spec)) {
        group->BeginCommand();
        ctx.group = group;
      } else if (spec->group != "connection") {
        (void)group->Commit();
      }
    }
  }
  Status st = spec->handler(ctx, args, reply);
  auto usec = std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
  spec->stats->calls.fetch_add(1, std::memory_order_relaxed);
  spec->stats->usec.fetch_add(static_cast<uint64_t>(usec), std::memory_order_relaxed);
  if (!st.ok()) {
    spec->stats->failed_calls.fetch_add(1, std::memory_order_relaxed);
    server.stats.total_error_replies.fetch_add(1, std::memory_order_relaxed);
    reply->Error(st.ToReplyText());
  }
}

DispatchResult Dispatch(ServerState& server, ClientState& client, const ArgList& args,
                        resp::ReplyWriter* reply, const DispatchContext& dc) {
  server.stats.commands_processed.fetch_add(1, std::memory_order_relaxed);
  const CommandSpec* spec = nullptr;
  Status st = ResolveCommand(*server.table, args, &spec);
  if (!st.ok()) {
    // Transactions (issue 6): EXEC with a wrong arity discards the transaction and the watches,
    // inside MULTI or not (Redis's execCommandAbort).
    if (spec != nullptr && spec->name == "exec") {
      client.txn.Reset();
      client.watches.reset();
      st = Status(Code::kExecAbort, std::string(txn_errors::kAbortBecauseOf) + st.message());
    }
    Reject(server, client, spec, st, reply);  // spec is set only when the arity was wrong
    return DispatchResult::kDone;
  }
  if (!client.authenticated && !(spec->flags & kCmdNoAuth)) {
    Reject(server, client, spec, Status(Code::kNoAuth, std::string(errors::kNoAuth)), reply);
    return DispatchResult::kDone;
  }
  client.last_cmd.store(spec->name.c_str(), std::memory_order_relaxed);

  // ---- Transactions (issue 6, commands/multi.cc): inside MULTI a command that passed the checks
  // above is queued, not run; it is routed (in a cluster) and run at EXEC. ----
  if (client.txn.active && !RunsInsideMulti(*spec)) {
    if (spec->flags & kCmdNoMulti) {
      Reject(server, client, spec, Status::Err(std::string(txn_errors::kNotAllowed)), reply);
      return DispatchResult::kDone;
    }
    // A whole-keyspace command spans every node of a cluster: it cannot be part of a
    // transaction that runs atomically on one node.
    if (server.cluster != nullptr && (spec->flags & kCmdKeyspace)) {
      Reject(server, client, spec,
             Status::Err("ringkv: " + ToUpper(spec->name) +
                         " cannot be used inside a transaction in a cluster (it spans every node)"),
             reply);
      return DispatchResult::kDone;
    }
    client.txn.queue.push_back({spec, std::vector<std::string>(args.begin(), args.end())});
    reply->Simple("QUEUED");
    return DispatchResult::kDone;
  }
  // ---- end of transactions ----

  if (server.cluster != nullptr) {
    if (client.is_peer) {
      st = CheckPeerOwnership(*server.cluster, *spec, args);
      if (!st.ok()) {
        Reject(server, client, spec, st, reply);
        return DispatchResult::kDone;
      }
    } else if (dc.router != nullptr) {
      switch (dc.router->Route(client, *spec, args, dc.raw, dc.deferrer, &st)) {
        case Router::Result::kDeferred:
          spec->stats->calls.fetch_add(1, std::memory_order_relaxed);
          return DispatchResult::kDeferred;
        case Router::Result::kError:
          Reject(server, client, spec, st, reply);
          return DispatchResult::kDone;
        case Router::Result::kLocal:
          break;
      }
    }
  }
  Execute(server, client, spec, args, reply);
  if (client.block.requested) return DispatchResult::kBlocked;  // blocking.h
  return DispatchResult::kDone;
}

}  // namespace ringkv
