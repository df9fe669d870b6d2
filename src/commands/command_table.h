#pragma once
// The one command table. Each entry carries the fields of Redis's COMMAND INFO (name, arity,
// flags, first/last/step key positions), so COMMAND, key extraction and routing share one source.
// Families register explicitly (RegisterStringCommands(table), ...), called from
// CommandTable::CreateDefault(); no static self-registration.
//
// Arity n means exactly n arguments including the name; -n means at least n. Subcommands
// ("client|id") live in their container's `subcommands` and have their own arity.
// Thread-safety: built once at startup, read-only afterwards (stats use relaxed atomics).

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "resp/writer.h"
#include "status.h"

namespace ringkv {

struct CommandContext;
using ArgList = std::vector<std::string_view>;  // args[0] is the command name as sent
// A handler writes exactly one reply when it returns OK; when it returns an error Status the
// dispatcher writes "-PREFIX message" instead (and the handler must have written nothing).
using Handler = Status (*)(CommandContext& ctx, const ArgList& args, resp::ReplyWriter* reply);

enum CommandFlag : uint32_t {
  kCmdWrite = 1u << 0,
  kCmdReadOnly = 1u << 1,
  kCmdDenyOom = 1u << 2,
  kCmdAdmin = 1u << 3,
  kCmdNoScript = 1u << 4,
  kCmdLoading = 1u << 5,  // "loading"
  kCmdStale = 1u << 6,    // "stale"
  kCmdFast = 1u << 7,
  kCmdNoAuth = 1u << 8,   // allowed before AUTH
  kCmdNoMulti = 1u << 9,  // "no_multi"
  kCmdAllowBusy = 1u << 10,
  kCmdKeyspace = 1u << 11,  // whole-keyspace command (DBSIZE, KEYS, SCAN, FLUSH*...)
  kCmdBlocking = 1u << 12,  // "blocking" (BLPOP, BZPOPMIN...: blocking.h)
};

// Finds the key positions of a command whose keys follow a count or an option (Redis's
// "movablekeys": ZUNION numkeys key..., SORT ... STORE key). Malformed arguments give no keys
// (the handler reports the error).
using KeyFinder = void (*)(const std::vector<std::string_view>& args, std::vector<int>* out);

struct CommandStats {
  std::atomic<uint64_t> calls{0};
  std::atomic<uint64_t> usec{0};
  std::atomic<uint64_t> rejected_calls{0};
  std::atomic<uint64_t> failed_calls{0};
};

struct CommandSpec {
  std::string name;  // lower case; "client|id" for subcommands
  int arity = 0;
  uint32_t flags = 0;
  int first_key = 0;  // 0 = no keys
  int last_key = 0;   // negative counts from the end (-1 = last argument)
  int step = 0;
  Handler handler = nullptr;
  std::string_view group;  // Redis's COMMAND DOCS group: "string", "hash", "sorted-set"...
  std::string_view summary;
  std::string_view since;
  std::string_view complexity;
  std::vector<CommandSpec> subcommands;
  KeyFinder find_keys = nullptr;  // set for movable-key commands (CommandTable::CreateDefault)

  // Filled by the table.
  std::unique_ptr<CommandStats> stats = std::make_unique<CommandStats>();

  bool ArityOk(size_t argc) const {
    return arity >= 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
  }
  // Positions of the key arguments in args (Redis's first/last/step rule).
  void KeyPositions(size_t argc, std::vector<int>* out) const;
  // Positions of the key arguments of these arguments: the command's KeyFinder if it has one,
  // else KeyPositions. Use this wherever the arguments are at hand (routing, EXEC's locks).
  template <typename Args>
  void KeyPositionsOf(const Args& args, std::vector<int>* out) const {
    if (find_keys == nullptr) return KeyPositions(args.size(), out);
    std::vector<std::string_view> views(args.begin(), args.end());
    out->clear();
    find_keys(views, out);
  }
  const CommandSpec* FindSubcommand(std::string_view sub) const;
};

class CommandTable {
 public:
  // A table with every family registered.
  static std::unique_ptr<CommandTable> CreateDefault();

  void Register(CommandSpec spec);
  // Gives a registered command (or "container|sub") its KeyFinder.
  void SetKeyFinder(std::string_view name, KeyFinder finder);
  // Case-insensitive; nullptr if unknown.
  const CommandSpec* Lookup(std::string_view name) const;
  const std::vector<std::unique_ptr<CommandSpec>>& all() const { return specs_; }
  void ResetStats();

 private:
  std::vector<std::unique_ptr<CommandSpec>> specs_;
  std::unordered_map<std::string, const CommandSpec*> by_name_;
};

// Families (one src/commands/<family>.cc each).
void RegisterStringCommands(CommandTable& table);
void RegisterKeyCommands(CommandTable& table);
void RegisterServerCommands(CommandTable& table);
void RegisterConnectionCommands(CommandTable& table);
void RegisterClusterCommands(CommandTable& table);
void RegisterMultiCommands(CommandTable& table);  // MULTI/EXEC/WATCH (commands/multi.cc)
// Issue 10's data model.
void RegisterHashCommands(CommandTable& table);
void RegisterListCommands(CommandTable& table);
void RegisterSetCommands(CommandTable& table);
void RegisterZsetCommands(CommandTable& table);
void RegisterBitmapCommands(CommandTable& table);
void RegisterSortCommands(CommandTable& table);  // SORT, SORT_RO (commands/sort.cc)

}  // namespace ringkv
