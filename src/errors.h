#pragma once
// Error texts, word for word as Redis 7.0 sends them (clients parse them). Each constant is the
// message after the prefix; the prefix comes from the Status code (see status.h).

#include <string>
#include <string_view>

namespace ringkv::errors {

inline constexpr std::string_view kSyntax = "syntax error";
inline constexpr std::string_view kNotInteger = "value is not an integer or out of range";
inline constexpr std::string_view kNotFloat = "value is not a valid float";
inline constexpr std::string_view kWrongType =
    "Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kNoSuchKey = "no such key";
inline constexpr std::string_view kOverflow = "increment or decrement would overflow";
inline constexpr std::string_view kNanOrInf = "increment would produce NaN or Infinity";
inline constexpr std::string_view kStringTooLong =
    "string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr std::string_view kOffsetOutOfRange = "offset is out of range";
inline constexpr std::string_view kNoAuth = "Authentication required.";
inline constexpr std::string_view kWrongPass =
    "invalid username-password pair or user is disabled.";
inline constexpr std::string_view kAuthNotConfigured =
    "AUTH <password> called without any password configured for the default user. Are you sure "
    "your configuration is correct?";
inline constexpr std::string_view kSelectInCluster = "SELECT is not allowed in cluster mode";
inline constexpr std::string_view kDbIndexOutOfRange = "DB index is out of range";
inline constexpr std::string_view kMaxClients = "max number of clients reached";
inline constexpr std::string_view kCrossSlot = "Keys in request don't hash to the same slot";
inline constexpr std::string_view kInvalidCursor = "invalid cursor";
inline constexpr std::string_view kMustBePositive = "value is out of range, must be positive";
inline constexpr std::string_view kOutOfRange = "value is out of range";
inline constexpr std::string_view kNumKeysPositive = "numkeys should be greater than 0";
inline constexpr std::string_view kCountPositive = "count should be greater than 0";
// getRangeLongFromObjectOrReply's text for -LONG_MAX..LONG_MAX.
inline constexpr std::string_view kLongRange =
    "value is out of range, value must between -9223372036854775807 and 9223372036854775807";

// "wrong number of arguments for 'get' command" (name as the client sent it, lower-cased by
// the caller; subcommands as "client|id").
std::string WrongArgs(std::string_view command);
// "unknown command 'foo', with args beginning with: 'a' 'b' " (Redis quotes at most 128 chars of
// the name and of each argument, and lists the arguments after the name).
std::string UnknownCommand(std::string_view name, const std::string_view* args, size_t nargs);
// "unknown subcommand 'foo'. Try CLIENT HELP."
std::string UnknownSubcommand(std::string_view sub, std::string_view container_upper);
// "invalid expire time in 'set' command"
std::string InvalidExpire(std::string_view command);

}  // namespace ringkv::errors
