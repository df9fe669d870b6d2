#include "errors.h"

#include <algorithm>
#include <cctype>

namespace ringkv::errors {

std::string WrongArgs(std::string_view command) {
  std::string out = "wrong number of arguments for '";
  out += command;
  out += "' command";
  return out;
}

// Mirrors processCommand in Redis's server.c: the name is cut at 128 bytes; arguments are
// appended while the list is shorter than 128 bytes, each cut so that the list stays near 128.
namespace {

// Redis formats these with "%.128s", which also stops at a NUL byte.
std::string_view CString(std::string_view s, size_t max) {
  size_t nul = s.find('\0');
  return s.substr(0, std::min(max, nul));
}

}  // namespace

std::string UnknownCommand(std::string_view name, const std::string_view* args, size_t nargs) {
  std::string list;
  for (size_t i = 0; i < nargs && list.size() < 128; ++i) {
    size_t room = 128 - list.size();  // "%.*s" with precision 128 - strlen(list)
    list += '\'';
    list += CString(args[i], room);
    list += "' ";
  }
  std::string out = "unknown command '";
  out += CString(name, 128);
  out += "', with args beginning with: ";
  out += list;
  return out;
}

std::string UnknownSubcommand(std::string_view sub, std::string_view container_upper) {
  std::string out = "unknown subcommand '";
  out += CString(sub, 128);
  out += "'. Try ";
  out += container_upper;
  out += " HELP.";
  return out;
}

std::string InvalidExpire(std::string_view command) {
  std::string out = "invalid expire time in '";
  out += command;
  out += "' command";
  return out;
}

}  // namespace ringkv::errors
