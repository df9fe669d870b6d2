#pragma once
// One command's way from argv to reply, with every check in one fixed order as Redis's
// processCommand: lookup (unknown command / subcommand), arity, authentication, then the
// handler. Used by connections and by in-process tests alike, so tests exercise the real path.
// Thread-safety: may run concurrently on every worker thread (ServerState is thread-safe; the
// ClientState belongs to the calling thread).

#include "resp/writer.h"
#include "server_state.h"

namespace ringkv {

// Runs one command and writes exactly one reply into `reply`.
void Dispatch(ServerState& server, ClientState& client, const ArgList& args,
              resp::ReplyWriter* reply);

// The entry that will run for args (the subcommand entry for containers), or an error Status
// with Redis's text when the name, subcommand or arity is wrong.
Status ResolveCommand(const CommandTable& table, const ArgList& args, const CommandSpec** out);

}  // namespace ringkv
