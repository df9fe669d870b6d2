#include "commands/command_table.h"

#include <cctype>

#include "util.h"

namespace ringkv {

void CommandSpec::KeyPositions(size_t argc, std::vector<int>* out) const {
  out->clear();
  if (first_key <= 0) return;
  int last = last_key >= 0 ? last_key : static_cast<int>(argc) + last_key;
  int step_by = step > 0 ? step : 1;
  for (int i = first_key; i <= last && i < static_cast<int>(argc); i += step_by) out->push_back(i);
}

const CommandSpec* CommandSpec::FindSubcommand(std::string_view sub) const {
  for (const CommandSpec& s : subcommands) {
    std::string_view short_name = std::string_view(s.name).substr(s.name.find('|') + 1);
    if (EqualsIgnoreCase(short_name, sub)) return &s;
  }
  return nullptr;
}

namespace {

// The keys after a count at `numkeys_at` (1-based argument index), as Redis's
// genericGetKeys: a count that is not a positive integer or overruns the arguments gives none.
void KeysAfterCount(const std::vector<std::string_view>& args, size_t numkeys_at,
                    std::vector<int>* out) {
  if (args.size() <= numkeys_at) return;
  int64_t n = 0;
  if (!ParseInt64(args[numkeys_at], &n) || n < 1 ||
      static_cast<uint64_t>(n) > args.size() - numkeys_at - 1) {
    return;
  }
  for (int64_t i = 0; i < n; ++i) out->push_back(static_cast<int>(numkeys_at + 1 + i));
}

// ZUNION numkeys key ..., SINTERCARD, ZINTERCARD, ZMPOP, LMPOP, ZINTER, ZDIFF.
void KeysCountFirst(const std::vector<std::string_view>& args, std::vector<int>* out) {
  KeysAfterCount(args, 1, out);
}
// BLMPOP timeout numkeys key ..., BZMPOP.
void KeysCountSecond(const std::vector<std::string_view>& args, std::vector<int>* out) {
  KeysAfterCount(args, 2, out);
}
// ZUNIONSTORE destination numkeys key ..., ZINTERSTORE, ZDIFFSTORE: the destination first.
void KeysDestThenCount(const std::vector<std::string_view>& args, std::vector<int>* out) {
  if (args.size() < 2) return;
  out->push_back(1);
  KeysAfterCount(args, 2, out);
  if (out->size() == 1) out->clear();
}
// SORT key [BY p] [LIMIT o c] [GET p]... [ASC|DESC] [ALPHA] [STORE dest]: the key and the last
// STORE's destination (Redis's sortGetKeys, which skips the arguments of LIMIT, GET and BY).
void KeysSort(const std::vector<std::string_view>& args, std::vector<int>* out) {
  if (args.size() < 2) return;
  out->push_back(1);
  int store = 0;
  for (size_t i = 2; i < args.size(); ++i) {
    size_t skip = 0;
    if (EqualsIgnoreCase(args[i], "limit")) {
      skip = 2;
    } else if (EqualsIgnoreCase(args[i], "get") || EqualsIgnoreCase(args[i], "by")) {
      skip = 1;
    } else if (EqualsIgnoreCase(args[i], "store")) {
      skip = 1;
      if (i + 1 < args.size()) store = static_cast<int>(i + 1);
    }
    i += skip;
  }
  if (store != 0) out->push_back(store);
}

}  // namespace

void CommandTable::SetKeyFinder(std::string_view name, KeyFinder finder) {
  for (auto& spec : specs_) {
    if (EqualsIgnoreCase(spec->name, name)) {
      spec->find_keys = finder;
      return;
    }
  }
}

std::unique_ptr<CommandTable> CommandTable::CreateDefault() {
  auto table = std::make_unique<CommandTable>();
  RegisterStringCommands(*table);
  RegisterKeyCommands(*table);
  RegisterServerCommands(*table);
  RegisterConnectionCommands(*table);
  RegisterClusterCommands(*table);
  RegisterMultiCommands(*table);
  RegisterHashCommands(*table);
  RegisterListCommands(*table);
  RegisterSetCommands(*table);
  RegisterZsetCommands(*table);
  RegisterBitmapCommands(*table);
  RegisterSortCommands(*table);
  // Movable keys: where the keys are depends on the arguments.
  for (const char* name :
       {"sintercard", "zunion", "zinter", "zdiff", "zintercard", "zmpop", "lmpop"}) {
    table->SetKeyFinder(name, KeysCountFirst);
  }
  for (const char* name : {"blmpop", "bzmpop"}) table->SetKeyFinder(name, KeysCountSecond);
  for (const char* name : {"zunionstore", "zinterstore", "zdiffstore"}) {
    table->SetKeyFinder(name, KeysDestThenCount);
  }
  for (const char* name : {"sort", "sort_ro"}) table->SetKeyFinder(name, KeysSort);
  return table;
}

void CommandTable::Register(CommandSpec spec) {
  auto owned = std::make_unique<CommandSpec>(std::move(spec));
  by_name_[owned->name] = owned.get();
  specs_.push_back(std::move(owned));
}

const CommandSpec* CommandTable::Lookup(std::string_view name) const {
  // Command names are short: lower-casing into a small std::string stays in its inline buffer.
  if (name.size() > 32) return nullptr;
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = by_name_.find(lower);
  return it == by_name_.end() ? nullptr : it->second;
}

void CommandTable::ResetStats() {
  auto reset = [](const CommandSpec& s) {
    s.stats->calls = 0;
    s.stats->usec = 0;
    s.stats->rejected_calls = 0;
    s.stats->failed_calls = 0;
  };
  for (const auto& spec : specs_) {
    reset(*spec);
    for (const CommandSpec& sub : spec->subcommands) reset(sub);
  }
}

}  // namespace ringkv
