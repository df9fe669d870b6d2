// String commands: GET/SET and their variants, the INCR family, APPEND and the range commands,
// with Redis 7.0.15's replies, error texts and option rules (t_string.c).
//
// Every command that writes takes the key's stripe lock (KeyLocks) around its whole
// read-modify-write, plain SET included, so that an INCR on one worker can never lose a write
// made on another (DESIGN invariant 6). Multi-key writes (MSET, MSETNX) lock all their stripes
// and apply one storage::WriteBatch, so they are atomic. A handler finishes every storage write
// before it writes its reply: a storage failure then becomes an error reply instead of a reply
// followed by a lost write.
//
// Hot path: GET copies the value once (storage -> Entry.payload) and replies from it; a plain
// SET (no options) does one Put under its lock and no read.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command_table.h"
#include "commands/cmd_util.h"
#include "errors.h"
#include "server_state.h"
#include "storage/storage.h"
#include "util.h"

namespace ringkv {
namespace {

using cmd::CountLookup;
using cmd::Lookup;
using cmd::LookupMeta;
using cmd::LookupRead;
using cmd::MarkDirty;
using resp::ReplyWriter;
using storage::Entry;
using storage::ValueType;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

// Only for DECRBY: Redis checks this before negating the increment.
constexpr std::string_view kDecrementOverflow = "decrement would overflow";

// ---------------------------------------------------------------------------------------------
// SET / GETEX option parsing (parseExtendedStringArgumentsOrReply in t_string.c)

enum StringFlag : uint32_t {
  kSetNx = 1u << 0,
  kSetXx = 1u << 1,
  kExpireEx = 1u << 2,
  kExpirePx = 1u << 3,
  kKeepTtl = 1u << 4,
  kSetGet = 1u << 5,
  kExpireExAt = 1u << 6,
  kExpirePxAt = 1u << 7,
  kPersist = 1u << 8,
};
constexpr uint32_t kAnyExpire = kExpireEx | kExpirePx | kExpireExAt | kExpirePxAt;

enum class OptionsOf { kSet, kGetEx };

// Parses the options after SET key value / GETEX key. Redis's rules: an option that conflicts
// with one already given, an option the command does not take, or an expire option without its
// argument is a syntax error; repeating the same expire option is allowed (the last one wins).
Status ParseStringOptions(const ArgList& args, OptionsOf mode, uint32_t* flags,
                          std::string_view* expire_arg) {
  const bool is_set = mode == OptionsOf::kSet;
  uint32_t f = 0;
  for (size_t j = is_set ? 3 : 2; j < args.size(); ++j) {
    std::string_view opt = args[j];
    const bool has_next = j + 1 < args.size();
    if (is_set && EqualsIgnoreCase(opt, "nx") && !(f & kSetXx)) {
      f |= kSetNx;
    } else if (is_set && EqualsIgnoreCase(opt, "xx") && !(f & kSetNx)) {
      f |= kSetXx;
    } else if (is_set && EqualsIgnoreCase(opt, "get")) {
      f |= kSetGet;
    } else if (is_set && EqualsIgnoreCase(opt, "keepttl") && !(f & (kPersist | kAnyExpire))) {
      f |= kKeepTtl;
    } else if (!is_set && EqualsIgnoreCase(opt, "persist") && !(f & (kAnyExpire | kKeepTtl))) {
      f |= kPersist;
    } else if (EqualsIgnoreCase(opt, "ex") && has_next &&
               !(f & (kKeepTtl | kPersist | kExpireExAt | kExpirePx | kExpirePxAt))) {
      f |= kExpireEx;
      *expire_arg = args[++j];
    } else if (EqualsIgnoreCase(opt, "px") && has_next &&
               !(f & (kKeepTtl | kPersist | kExpireEx | kExpireExAt | kExpirePxAt))) {
      f |= kExpirePx;
      *expire_arg = args[++j];
    } else if (EqualsIgnoreCase(opt, "exat") && has_next &&
               !(f & (kKeepTtl | kPersist | kExpireEx | kExpirePx | kExpirePxAt))) {
      f |= kExpireExAt;
      *expire_arg = args[++j];
    } else if (EqualsIgnoreCase(opt, "pxat") && has_next &&
               !(f & (kKeepTtl | kPersist | kExpireEx | kExpireExAt | kExpirePx))) {
      f |= kExpirePxAt;
      *expire_arg = args[++j];
    } else {
      return cmd::SyntaxError();
    }
  }
  *flags = f;
  return Status::OK();
}

// The absolute expiry (unix ms) for an EX/PX/EXAT/PXAT argument, as Redis's
// getExpireMillisecondsOrReply: not an integer -> "value is not an integer..."; <= 0, or
// overflowing int64 once converted to ms and made absolute -> "invalid expire time in '<cmd>'".
Status ExpireArgToAbsMs(std::string_view arg, uint32_t flags, uint64_t now_ms,
                        std::string_view command, int64_t* out) {
  int64_t ms;
  if (!ParseInt64(arg, &ms)) return cmd::NotInteger();
  const bool seconds = flags & (kExpireEx | kExpireExAt);
  if (ms <= 0 || (seconds && ms > kInt64Max / 1000)) {
    return Status::Err(errors::InvalidExpire(command));
  }
  if (seconds) ms *= 1000;
  if (flags & (kExpireEx | kExpirePx)) {
    const int64_t now = static_cast<int64_t>(now_ms);
    if (ms > kInt64Max - now) return Status::Err(errors::InvalidExpire(command));
    ms += now;
  }
  *out = ms;
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// GET / SET family

Status CmdGet(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  Entry e;
  bool found;
  Status s = LookupRead(ctx, args[1], &e, &found);
  if (!s.ok()) return s;
  if (!found) {
    reply->Null();
    return Status::OK();
  }
  if (e.type != ValueType::kString) return Status::WrongType();
  reply->Bulk(e.payload);
  return Status::OK();
}

enum class SetReply { kOkOrNull, kOneOrZero };  // SET's replies / SETNX's replies

// setGenericCommand: `expire_at_ms` is used when flags has an expire option.
Status SetGeneric(CommandContext& ctx, std::string_view key, std::string_view value, uint32_t flags,
                  int64_t expire_at_ms, SetReply style, ReplyWriter* reply) {
  auto guard = ctx.locks().Lock(key);
  Entry old;
  bool found = false;
  if (flags & kSetGet) {
    Status s = LookupRead(ctx, key, &old, &found);
    if (!s.ok()) return s;
    if (found && old.type != ValueType::kString) return Status::WrongType();
  } else if (flags & (kSetNx | kSetXx | kKeepTtl)) {
    Status s = LookupMeta(ctx, key, &old, &found);
    if (!s.ok()) return s;
  }

  const bool aborted = ((flags & kSetNx) && found) || ((flags & kSetXx) && !found);
  if (!aborted) {
    uint64_t expire_at = 0;
    if (flags & kAnyExpire) {
      expire_at = static_cast<uint64_t>(expire_at_ms);
    } else if ((flags & kKeepTtl) && found) {
      expire_at = old.expire_at_ms;
    }
    // EXAT/PXAT in the past: the key is set and at once expired, i.e. gone.
    Status s = (expire_at != 0 && expire_at <= ctx.now_ms)
                   ? ctx.storage().Delete(key)
                   : ctx.storage().Put(key, value, expire_at);
    if (!s.ok()) return s;
    MarkDirty(ctx);
  }

  if (flags & kSetGet) {
    if (found) {
      reply->Bulk(old.payload);
    } else {
      reply->Null();
    }
  } else if (style == SetReply::kOneOrZero) {
    reply->Integer(aborted ? 0 : 1);
  } else if (aborted) {
    reply->Null();
  } else {
    reply->Ok();
  }
  return Status::OK();
}

Status CmdSet(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  std::string_view key = args[1];
  std::string_view value = args[2];
  if (args.size() == 3) {  // hot path: no options, nothing to read
    auto guard = ctx.locks().Lock(key);
    Status s = ctx.storage().Put(key, value, 0);
    if (!s.ok()) return s;
    MarkDirty(ctx);
    reply->Ok();
    return Status::OK();
  }
  uint32_t flags = 0;
  std::string_view expire_arg;
  Status s = ParseStringOptions(args, OptionsOf::kSet, &flags, &expire_arg);
  if (!s.ok()) return s;
  int64_t expire_at = 0;
  if (flags & kAnyExpire) {
    s = ExpireArgToAbsMs(expire_arg, flags, ctx.now_ms, "set", &expire_at);
    if (!s.ok()) return s;
  }
  return SetGeneric(ctx, key, value, flags, expire_at, SetReply::kOkOrNull, reply);
}

Status CmdSetNx(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return SetGeneric(ctx, args[1], args[2], kSetNx, 0, SetReply::kOneOrZero, reply);
}

Status SetExGeneric(CommandContext& ctx, const ArgList& args, uint32_t unit_flag,
                    std::string_view command, ReplyWriter* reply) {
  int64_t expire_at;
  Status s = ExpireArgToAbsMs(args[2], unit_flag, ctx.now_ms, command, &expire_at);
  if (!s.ok()) return s;
  return SetGeneric(ctx, args[1], args[3], unit_flag, expire_at, SetReply::kOkOrNull, reply);
}

Status CmdSetEx(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return SetExGeneric(ctx, args, kExpireEx, "setex", reply);
}

Status CmdPSetEx(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return SetExGeneric(ctx, args, kExpirePx, "psetex", reply);
}

Status CmdGetSet(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  std::string_view key = args[1];
  auto guard = ctx.locks().Lock(key);
  Entry old;
  bool found;
  Status s = LookupRead(ctx, key, &old, &found);
  if (!s.ok()) return s;
  if (found && old.type != ValueType::kString) return Status::WrongType();
  s = ctx.storage().Put(key, args[2], 0);  // like SET: the old TTL goes
  if (!s.ok()) return s;
  MarkDirty(ctx);
  if (found) {
    reply->Bulk(old.payload);
  } else {
    reply->Null();
  }
  return Status::OK();
}

Status CmdGetDel(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  std::string_view key = args[1];
  auto guard = ctx.locks().Lock(key);
  Entry e;
  bool found;
  Status s = LookupRead(ctx, key, &e, &found);
  if (!s.ok()) return s;
  if (!found) {
    reply->Null();
    return Status::OK();
  }
  if (e.type != ValueType::kString) return Status::WrongType();
  s = ctx.storage().Delete(key);
  if (!s.ok()) return s;
  MarkDirty(ctx);
  reply->Bulk(e.payload);
  return Status::OK();
}

// GETEX: options are checked for syntax first, then the key is looked up (a missing key answers
// nil even when the expire value is bad), then the expire value.
Status CmdGetEx(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  std::string_view key = args[1];
  uint32_t flags = 0;
  std::string_view expire_arg;
  Status s = ParseStringOptions(args, OptionsOf::kGetEx, &flags, &expire_arg);
  if (!s.ok()) return s;

  std::optional<KeyLocks::Guard> guard;  // a bare GETEX is a plain read
  if (flags != 0) guard.emplace(ctx.locks().Lock(key));
  Entry e;
  bool found;
  s = LookupRead(ctx, key, &e, &found);
  if (!s.ok()) return s;
  if (!found) {
    reply->Null();
    return Status::OK();
  }
  if (e.type != ValueType::kString) return Status::WrongType();

  if (flags & kAnyExpire) {
    int64_t expire_at;
    s = ExpireArgToAbsMs(expire_arg, flags, ctx.now_ms, "getex", &expire_at);
    if (!s.ok()) return s;
    // Only EXAT/PXAT can name a time already past; then the key is deleted.
    if (static_cast<uint64_t>(expire_at) <= ctx.now_ms) {
      s = ctx.storage().Delete(key);
    } else {
      s = ctx.storage().Put(key, e.payload, static_cast<uint64_t>(expire_at), e.type);
    }
    if (!s.ok()) return s;
    MarkDirty(ctx);
  } else if ((flags & kPersist) && e.expire_at_ms != 0) {
    s = ctx.storage().Put(key, e.payload, 0, e.type);
    if (!s.ok()) return s;
    MarkDirty(ctx);
  }
  reply->Bulk(e.payload);
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// Multi-key

Status CmdMGet(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  cmd::ReplyMark mark(reply);
  reply->ArrayHeader(args.size() - 1);
  Entry e;
  for (size_t i = 1; i < args.size(); ++i) {
    bool found;
    Status s = LookupRead(ctx, args[i], &e, &found);
    if (!s.ok()) return mark.Rewind(std::move(s));
    if (found && e.type == ValueType::kString) {
      reply->Bulk(e.payload);
    } else {
      reply->Null();  // missing and non-string keys alike
    }
  }
  return Status::OK();
}

Status MSetGeneric(CommandContext& ctx, const ArgList& args, bool nx, std::string_view command,
                   ReplyWriter* reply) {
  if (args.size() % 2 == 0) return Status::Err(errors::WrongArgs(command));
  std::vector<std::string_view> keys;
  keys.reserve(args.size() / 2);
  for (size_t i = 1; i < args.size(); i += 2) keys.push_back(args[i]);
  auto guard = ctx.locks().LockAll(keys);

  if (nx) {
    for (std::string_view key : keys) {
      Entry meta;
      bool found;
      Status s = LookupMeta(ctx, key, &meta, &found);
      if (!s.ok()) return s;
      if (found) {
        reply->Integer(0);
        return Status::OK();
      }
    }
  }
  storage::WriteBatch batch;
  for (size_t i = 1; i < args.size(); i += 2) batch.Put(args[i], args[i + 1], 0);
  Status s = ctx.storage().Write(batch);
  if (!s.ok()) return s;
  MarkDirty(ctx, keys.size());
  if (nx) {
    reply->Integer(1);
  } else {
    reply->Ok();
  }
  return Status::OK();
}

Status CmdMSet(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return MSetGeneric(ctx, args, false, "mset", reply);
}

Status CmdMSetNx(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return MSetGeneric(ctx, args, true, "msetnx", reply);
}

// ---------------------------------------------------------------------------------------------
// Counters. They keep the key's TTL, as Redis's dbReplaceValue does.

Status IncrDecr(CommandContext& ctx, std::string_view key, int64_t incr, ReplyWriter* reply) {
  auto guard = ctx.locks().Lock(key);
  Entry e;
  bool found;
  Status s = Lookup(ctx, key, &e, &found);
  if (!s.ok()) return s;
  if (found && e.type != ValueType::kString) return Status::WrongType();
  int64_t value = 0;
  if (found && !ParseInt64(e.payload, &value)) return cmd::NotInteger();
  if ((incr < 0 && value < 0 && incr < kInt64Min - value) ||
      (incr > 0 && value > 0 && incr > kInt64Max - value)) {
    return Status::Err(std::string(errors::kOverflow));
  }
  value += incr;
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), value);
  s = ctx.storage().Put(key, std::string_view(buf, static_cast<size_t>(res.ptr - buf)),
                        found ? e.expire_at_ms : 0);
  if (!s.ok()) return s;
  MarkDirty(ctx);
  reply->Integer(value);
  return Status::OK();
}

Status CmdIncr(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return IncrDecr(ctx, args[1], 1, reply);
}

Status CmdDecr(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return IncrDecr(ctx, args[1], -1, reply);
}

Status CmdIncrBy(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  int64_t incr;
  Status s = cmd::ParseIntArg(args[2], &incr);
  if (!s.ok()) return s;
  return IncrDecr(ctx, args[1], incr, reply);
}

Status CmdDecrBy(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  int64_t decr;
  Status s = cmd::ParseIntArg(args[2], &decr);
  if (!s.ok()) return s;
  if (decr == kInt64Min) return Status::Err(std::string(kDecrementOverflow));  // -decr overflows
  return IncrDecr(ctx, args[1], -decr, reply);
}

Status CmdIncrByFloat(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  std::string_view key = args[1];
  auto guard = ctx.locks().Lock(key);
  Entry e;
  bool found;
  Status s = Lookup(ctx, key, &e, &found);
  if (!s.ok()) return s;
  if (found && e.type != ValueType::kString) return Status::WrongType();
  long double value = 0;
  long double incr;
  if ((found && !ParseLongDouble(e.payload, &value)) || !ParseLongDouble(args[2], &incr)) {
    return Status::Err(std::string(errors::kNotFloat));
  }
  value += incr;
  if (std::isnan(value) || std::isinf(value)) return Status::Err(std::string(errors::kNanOrInf));
  std::string text = FormatLongDouble(value);
  s = ctx.storage().Put(key, text, found ? e.expire_at_ms : 0);
  if (!s.ok()) return s;
  MarkDirty(ctx);
  reply->Bulk(text);  // a bulk string in RESP3 too, as Redis does
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// APPEND, STRLEN, GETRANGE, SETRANGE

// checkStringLength: would a string of size + append bytes exceed proto-max-bulk-len?
bool TooLong(CommandContext& ctx, uint64_t size, uint64_t append) {
  const uint64_t limit =
      static_cast<uint64_t>(ctx.config().proto_max_bulk_len.load(std::memory_order_relaxed));
  return size > limit || append > limit - size;
}

Status CmdAppend(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  std::string_view key = args[1];
  std::string_view tail = args[2];
  auto guard = ctx.locks().Lock(key);
  Entry e;
  bool found;
  Status s = Lookup(ctx, key, &e, &found);
  if (!s.ok()) return s;
  if (!found) {
    s = ctx.storage().Put(key, tail, 0);
    if (!s.ok()) return s;
    MarkDirty(ctx);
    reply->Integer(static_cast<int64_t>(tail.size()));
    return Status::OK();
  }
  if (e.type != ValueType::kString) return Status::WrongType();
  if (TooLong(ctx, e.payload.size(), tail.size())) {
    return Status::Err(std::string(errors::kStringTooLong));
  }
  e.payload.append(tail);
  s = ctx.storage().Put(key, e.payload, e.expire_at_ms, e.type);
  if (!s.ok()) return s;
  MarkDirty(ctx);
  reply->Integer(static_cast<int64_t>(e.payload.size()));
  return Status::OK();
}

Status CmdStrLen(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  Entry e;
  bool found;
  Status s = LookupRead(ctx, args[1], &e, &found);
  if (!s.ok()) return s;
  if (found && e.type != ValueType::kString) return Status::WrongType();
  reply->Integer(found ? static_cast<int64_t>(e.payload.size()) : 0);
  return Status::OK();
}

Status CmdGetRange(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  int64_t start, end;
  Status s = cmd::ParseIntArg(args[2], &start);
  if (!s.ok()) return s;
  s = cmd::ParseIntArg(args[3], &end);
  if (!s.ok()) return s;
  Entry e;
  bool found;
  s = LookupRead(ctx, args[1], &e, &found);
  if (!s.ok()) return s;
  if (!found) {
    reply->Bulk("");  // an empty string, not nil
    return Status::OK();
  }
  if (e.type != ValueType::kString) return Status::WrongType();

  // Redis's index rules: negative counts from the end, then clamp into [0, len-1].
  const int64_t len = static_cast<int64_t>(e.payload.size());
  if (start < 0 && end < 0 && start > end) {
    reply->Bulk("");
    return Status::OK();
  }
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len == 0) {
    reply->Bulk("");
  } else {
    reply->Bulk(std::string_view(e.payload).substr(static_cast<size_t>(start),
                                                   static_cast<size_t>(end - start + 1)));
  }
  return Status::OK();
}

Status CmdSetRange(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  std::string_view key = args[1];
  std::string_view value = args[3];
  int64_t offset;
  Status s = cmd::ParseIntArg(args[2], &offset);
  if (!s.ok()) return s;
  if (offset < 0) return Status::Err(std::string(errors::kOffsetOutOfRange));

  auto guard = ctx.locks().Lock(key);
  Entry e;
  bool found;
  s = Lookup(ctx, key, &e, &found);
  if (!s.ok()) return s;
  if (found && e.type != ValueType::kString) return Status::WrongType();
  if (value.empty()) {  // nothing to write: the current length (0 when missing)
    reply->Integer(found ? static_cast<int64_t>(e.payload.size()) : 0);
    return Status::OK();
  }
  if (TooLong(ctx, static_cast<uint64_t>(offset), value.size())) {
    return Status::Err(std::string(errors::kStringTooLong));
  }
  if (!found) {
    e.payload.clear();
    e.expire_at_ms = 0;
    e.type = ValueType::kString;
  }
  const size_t needed = static_cast<size_t>(offset) + value.size();
  if (e.payload.size() < needed) e.payload.resize(needed, '\0');
  e.payload.replace(static_cast<size_t>(offset), value.size(), value);
  s = ctx.storage().Put(key, e.payload, e.expire_at_ms, e.type);
  if (!s.ok()) return s;
  MarkDirty(ctx);
  reply->Integer(static_cast<int64_t>(e.payload.size()));
  return Status::OK();
}

}  // namespace

void RegisterStringCommands(CommandTable& table) {
  constexpr uint32_t kW = kCmdWrite;
  constexpr uint32_t kR = kCmdReadOnly;
  constexpr uint32_t kM = kCmdDenyOom;
  constexpr uint32_t kF = kCmdFast;
  // Values from Redis 7.0.15's COMMAND INFO / COMMAND DOCS.
  const cmd::CommandDef defs[] = {
      {"get", 2, kR | kF, 1, 1, 1, CmdGet, "Get the value of a key", "1.0.0", "O(1)"},
      {"set", -3, kW | kM, 1, 1, 1, CmdSet, "Set the string value of a key", "1.0.0", "O(1)"},
      {"setnx", 3, kW | kM | kF, 1, 1, 1, CmdSetNx,
       "Set the value of a key, only if the key does not exist", "1.0.0", "O(1)"},
      {"setex", 4, kW | kM, 1, 1, 1, CmdSetEx, "Set the value and expiration of a key", "2.0.0",
       "O(1)"},
      {"psetex", 4, kW | kM, 1, 1, 1, CmdPSetEx,
       "Set the value and expiration in milliseconds of a key", "2.6.0", "O(1)"},
      {"getset", 3, kW | kM | kF, 1, 1, 1, CmdGetSet,
       "Set the string value of a key and return its old value", "1.0.0", "O(1)"},
      {"getdel", 2, kW | kF, 1, 1, 1, CmdGetDel, "Get the value of a key and delete the key",
       "6.2.0", "O(1)"},
      {"getex", -2, kW | kF, 1, 1, 1, CmdGetEx,
       "Get the value of a key and optionally set its expiration", "6.2.0", "O(1)"},
      {"mget", -2, kR | kF, 1, -1, 1, CmdMGet, "Get the values of all the given keys", "1.0.0",
       "O(N) where N is the number of keys to retrieve."},
      {"mset", -3, kW | kM, 1, -1, 2, CmdMSet, "Set multiple keys to multiple values", "1.0.1",
       "O(N) where N is the number of keys to set."},
      {"msetnx", -3, kW | kM, 1, -1, 2, CmdMSetNx,
       "Set multiple keys to multiple values, only if none of the keys exist", "1.0.1",
       "O(N) where N is the number of keys to set."},
      {"incr", 2, kW | kM | kF, 1, 1, 1, CmdIncr, "Increment the integer value of a key by one",
       "1.0.0", "O(1)"},
      {"decr", 2, kW | kM | kF, 1, 1, 1, CmdDecr, "Decrement the integer value of a key by one",
       "1.0.0", "O(1)"},
      {"incrby", 3, kW | kM | kF, 1, 1, 1, CmdIncrBy,
       "Increment the integer value of a key by the given amount", "1.0.0", "O(1)"},
      {"decrby", 3, kW | kM | kF, 1, 1, 1, CmdDecrBy,
       "Decrement the integer value of a key by the given number", "1.0.0", "O(1)"},
      {"incrbyfloat", 3, kW | kM | kF, 1, 1, 1, CmdIncrByFloat,
       "Increment the float value of a key by the given amount", "2.6.0", "O(1)"},
      {"append", 3, kW | kM | kF, 1, 1, 1, CmdAppend, "Append a value to a key", "2.0.0",
       "O(1). The amortized time complexity is O(1) assuming the appended value is small and the "
       "already present value is of any size, since the dynamic string library used by Redis "
       "will double the free space available on every reallocation."},
      {"strlen", 2, kR | kF, 1, 1, 1, CmdStrLen, "Get the length of the value stored in a key",
       "2.2.0", "O(1)"},
      {"getrange", 4, kR, 1, 1, 1, CmdGetRange, "Get a substring of the string stored at a key",
       "2.4.0",
       "O(N) where N is the length of the returned string. The complexity is ultimately "
       "determined by the returned length, but because creating a substring from an existing "
       "string is very cheap, it can be considered O(1) for small strings."},
      {"setrange", 4, kW | kM, 1, 1, 1, CmdSetRange,
       "Overwrite part of a string at key starting at the specified offset", "2.2.0",
       "O(1), not counting the time taken to copy the new string in place. Usually, this string "
       "is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M "
       "being the length of the value argument."},
  };
  cmd::RegisterAll(table, "string", defs, std::size(defs));
}

}  // namespace ringkv
