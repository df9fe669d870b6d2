#pragma once
// One command's way from argv to reply, with every check in one fixed order as Redis's
// processCommand: lookup (unknown command / subcommand), arity, authentication, then routing
// (in a cluster) and the handler. Used by connections and by in-process tests alike, so tests
// exercise the real path.
// Thread-safety: may run concurrently on every worker thread (ServerState is thread-safe; the
// ClientState belongs to the calling thread).

#include <string_view>

#include "resp/writer.h"
#include "server_state.h"

namespace ringkv {

class Router;
class ReplyDeferrer;

// What a connection lends a command that may finish later (a cluster forward). Without a
// router, every command runs locally.
struct DispatchContext {
  Router* router = nullptr;
  ReplyDeferrer* deferrer = nullptr;
  std::string_view raw;  // the request's bytes as received (multibulk), or empty
};

enum class DispatchResult {
  kDone,      // the reply was written to `reply`
  kDeferred,  // nothing was written; the reply comes later through the deferrer's completion
  kBlocked,   // nothing was written; the client is blocked (blocking.h: client.block)
};

DispatchResult Dispatch(ServerState& server, ClientState& client, const ArgList& args,
                        resp::ReplyWriter* reply, const DispatchContext& dc = {});

// The entry that will run for args (the subcommand entry for containers), or an error Status
// with Redis's text when the name, subcommand or arity is wrong.
Status ResolveCommand(const CommandTable& table, const ArgList& args, const CommandSpec** out);

// Runs a resolved command's handler here, with stats, writing exactly one reply. No checks.
// `overlay` (EXEC's TxnStorage) replaces the server's storage for this command; `now_ms` 0 =
// read the clock.
void Execute(ServerState& server, ClientState& client, const CommandSpec* spec, const ArgList& args,
             resp::ReplyWriter* reply, storage::Storage* overlay = nullptr, uint64_t now_ms = 0);

}  // namespace ringkv
