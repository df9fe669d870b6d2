#include "command_table.h"

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
