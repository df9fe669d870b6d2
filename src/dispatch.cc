// Dispatch: the check pipeline every command goes through, in Redis 7.0's order
// (processCommand in server.c): unknown command, unknown subcommand, arity, then NOAUTH.
// Errors found here count as "rejected" in commandstats; errors a handler returns count as
// "failed", as in Redis's INFO commandstats.

#include "dispatch.h"

#include <chrono>

#include "errors.h"
#include "util.h"

namespace ringkv {

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
  if (!spec->ArityOk(args.size())) return Status::Err(errors::WrongArgs(spec->name));
  *out = spec;
  return Status::OK();
}

void Dispatch(ServerState& server, ClientState& client, const ArgList& args,
              resp::ReplyWriter* reply) {
  server.stats.commands_processed.fetch_add(1, std::memory_order_relaxed);
  const CommandSpec* spec = nullptr;
  Status st = ResolveCommand(*server.table, args, &spec);
  if (st.ok() && !client.authenticated && !(spec->flags & kCmdNoAuth)) {
    st = Status(Code::kNoAuth, std::string(errors::kNoAuth));
  }
  if (!st.ok()) {
    if (spec != nullptr) spec->stats->rejected_calls.fetch_add(1, std::memory_order_relaxed);
    server.stats.total_error_replies.fetch_add(1, std::memory_order_relaxed);
    reply->Error(st.ToReplyText());
    return;
  }

  client.last_cmd.store(spec->name.c_str(), std::memory_order_relaxed);
  auto start = std::chrono::steady_clock::now();
  CommandContext ctx{server, client, spec, storage::NowMs()};
  st = spec->handler(ctx, args, reply);
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

}  // namespace ringkv
