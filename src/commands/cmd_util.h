#pragma once
// Small helpers shared by the command families (commands/*.cc): keyspace lookups
// that count hits/misses as Redis's lookupKeyRead does, dirty counting, argument parsing with
// Redis's error texts (SCAN options included), a per-thread random generator, and a reply mark
// that lets a handler undo a partly written reply. Everything here is header-only and stateless
// apart from the ServerState counters it bumps (relaxed atomics) and the generator (one per
// thread); thread-safe as the Storage and ServerState it uses.

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "commands/command_table.h"
#include "errors.h"
#include "resp/writer.h"
#include "server_state.h"
#include "status.h"
#include "storage/storage.h"
#include "util.h"

namespace ringkv::cmd {

// The name TYPE and SCAN ... TYPE use for a stored type.
inline std::string_view TypeName(storage::ValueType type) {
  switch (type) {
    case storage::ValueType::kString:
      return "string";
    case storage::ValueType::kHash:
      return "hash";
    case storage::ValueType::kList:
      return "list";
    case storage::ValueType::kSet:
      return "set";
    case storage::ValueType::kZset:
      return "zset";
  }
  return "none";
}

// Counts a read lookup in INFO stats (keyspace_hits / keyspace_misses). Redis counts every
// read-path lookup (GET, MGET, EXISTS, TTL, TYPE...), never write-path ones (INCR, EXPIRE...).
inline void CountLookup(CommandContext& ctx, bool hit) {
  auto& counter = hit ? ctx.server.stats.keyspace_hits : ctx.server.stats.keyspace_misses;
  counter.fetch_add(1, std::memory_order_relaxed);
}

// Adds n to the number of changes since the last save (Redis's server.dirty).
inline void MarkDirty(CommandContext& ctx, uint64_t n = 1) {
  if (n != 0) ctx.server.changes_since_save.fetch_add(n, std::memory_order_relaxed);
}

// Get with NotFound folded into *found. Returns a storage failure as is (then *found is false
// and *out unspecified).
inline Status Lookup(CommandContext& ctx, std::string_view key, storage::Entry* out, bool* found) {
  Status s = ctx.storage().Get(key, out);
  *found = s.ok();
  if (s.IsNotFound()) return Status::OK();
  return s;
}

// As Lookup, but only type and expiry are filled (no payload copy).
inline Status LookupMeta(CommandContext& ctx, std::string_view key, storage::Entry* out,
                         bool* found) {
  Status s = ctx.storage().Exists(key, out);
  *found = s.ok();
  if (s.IsNotFound()) return Status::OK();
  return s;
}

// Lookup for the read path: also counts the hit or miss.
inline Status LookupRead(CommandContext& ctx, std::string_view key, storage::Entry* out,
                         bool* found) {
  Status s = Lookup(ctx, key, out, found);
  if (s.ok()) CountLookup(ctx, *found);
  return s;
}

inline Status LookupReadMeta(CommandContext& ctx, std::string_view key, storage::Entry* out,
                             bool* found) {
  Status s = LookupMeta(ctx, key, out, found);
  if (s.ok()) CountLookup(ctx, *found);
  return s;
}

inline Status NotInteger() { return Status::Err(std::string(errors::kNotInteger)); }
inline Status SyntaxError() { return Status::Err(std::string(errors::kSyntax)); }

// An integer argument as Redis's getLongLongFromObjectOrReply takes it.
inline Status ParseIntArg(std::string_view arg, int64_t* out) {
  return ParseInt64(arg, out) ? Status::OK() : NotInteger();
}

// The options of SCAN, HSCAN, SSCAN and ZSCAN: [MATCH pattern] [COUNT count], and [TYPE type]
// for SCAN only.
struct ScanOptions {
  int64_t count = 10;
  std::string_view pattern;  // meaningful when use_pattern
  bool use_pattern = false;  // false for no MATCH and for MATCH *
  std::string_view type;     // meaningful when use_type
  bool use_type = false;

  bool Matches(std::string_view s) const { return !use_pattern || GlobMatch(pattern, s); }
};

// Reads the options from args[first] on, in pairs and left to right as Redis's scanGenericCommand
// does, so the first bad pair decides the error: not an integer (COUNT), or a syntax error
// (COUNT < 1, an unknown or incomplete option, TYPE where allow_type is false). Views point into
// `args`. On error *out is partly filled and is not to be used.
inline Status ParseScanOptions(const std::vector<std::string_view>& args, size_t first,
                               bool allow_type, ScanOptions* out) {
  for (size_t i = first; i < args.size(); i += 2) {
    const bool has_value = i + 1 < args.size();
    if (EqualsIgnoreCase(args[i], "count") && has_value) {
      Status s = ParseIntArg(args[i + 1], &out->count);
      if (!s.ok()) return s;
      if (out->count < 1) return SyntaxError();
    } else if (EqualsIgnoreCase(args[i], "match") && has_value) {
      out->pattern = args[i + 1];
      out->use_pattern = out->pattern != "*";
    } else if (allow_type && EqualsIgnoreCase(args[i], "type") && has_value) {
      out->type = args[i + 1];
      out->use_type = true;
    } else {
      return SyntaxError();
    }
  }
  return Status::OK();
}

// The reply of a scan with nothing left: [cursor "0", []].
inline void ReplyEmptyScan(resp::ReplyWriter* reply) {
  reply->ArrayHeader(2);
  reply->Bulk("0");
  reply->ArrayHeader(0);
}

// This thread's generator for random picks (RANDOMKEY, HRANDFIELD, SPOP, SRANDMEMBER,
// ZRANDMEMBER). Seeded once per thread; not for anything that must be unpredictable.
inline std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

// A uniform integer in [0, n); n > 0.
inline uint64_t RandomBelow(uint64_t n) {
  return std::uniform_int_distribution<uint64_t>(0, n - 1)(Rng());
}

// The count of SPOP, LPOP/RPOP and ZPOPMIN/ZPOPMAX: Redis's getPositiveLongFromObjectOrReply,
// whose one message answers both a non-integer and a negative value.
inline Status ParsePopCount(std::string_view arg, int64_t* out) {
  if (ParseInt64(arg, out) && *out >= 0) return Status::OK();
  return Status::Err(std::string(errors::kMustBePositive));
}

// The count of HRANDFIELD, SRANDMEMBER and ZRANDMEMBER: -LONG_MAX..LONG_MAX, as Redis's
// getRangeLongFromObjectOrReply takes it (a negative count asks for picks with repeats).
inline Status ParseRandomCount(std::string_view arg, int64_t* count) {
  Status s = ParseIntArg(arg, count);
  if (!s.ok()) return s;
  if (*count < -INT64_MAX) return Status::Err(std::string(errors::kLongRange));
  return Status::OK();
}

// HRANDFIELD key count [WITHVALUES] and ZRANDMEMBER key count [WITHSCORES] (args.size() >= 3),
// checked in Redis's order: the count (ParseRandomCount), the syntax (nothing after it but
// `with_word`), then, with it, |count| <= LONG_MAX / 2 (each pick is two replies).
inline Status ParseRandomOptions(const std::vector<std::string_view>& args,
                                 std::string_view with_word, int64_t* count, bool* with) {
  *with = false;
  Status s = ParseRandomCount(args[2], count);
  if (!s.ok()) return s;
  if (args.size() > 4 || (args.size() == 4 && !EqualsIgnoreCase(args[3], with_word))) {
    return SyntaxError();
  }
  *with = args.size() == 4;
  if (*with && (*count < -INT64_MAX / 2 || *count > INT64_MAX / 2)) {
    return Status::Err(std::string(errors::kOutOfRange));
  }
  return Status::OK();
}

// A view of consecutive arguments (e.g. every key of DEL) for KeyLocks::LockAll, without copying.
struct ArgSpan {
  const std::string_view* first;
  size_t size;
  const std::string_view* begin() const { return first; }
  const std::string_view* end() const { return first + size; }
};

// The arguments of LMPOP and ZMPOP numkeys key [key ...] <where> [COUNT count], and of BLMPOP
// and BZMPOP, whose numkeys follows the timeout (numkeys_idx 2). Checked in Redis's order
// (lmpopGenericCommand, zmpopGenericCommand): numkeys (a syntax error when no argument is left
// for <where>), <where> (`parse_where(arg)` returns its Status), then COUNT (default 1). The
// timeout is the caller's to check, after these. `keys` points into `args`.
struct MPopArgs {
  ArgSpan keys{nullptr, 0};
  int64_t count = 1;
};
template <typename ParseWhere>
inline Status ParseMPopArgs(const std::vector<std::string_view>& args, size_t numkeys_idx,
                            ParseWhere parse_where, MPopArgs* out) {
  int64_t numkeys;
  if (!ParseInt64(args[numkeys_idx], &numkeys) || numkeys < 1) {
    return Status::Err(std::string(errors::kNumKeysPositive));
  }
  if (static_cast<uint64_t>(numkeys) >= args.size() - numkeys_idx - 1) return SyntaxError();
  const size_t where_idx = numkeys_idx + 1 + static_cast<size_t>(numkeys);
  Status s = parse_where(args[where_idx]);
  if (!s.ok()) return s;
  int64_t count = -1;
  for (size_t j = where_idx + 1; j < args.size(); ++j) {
    if (count == -1 && EqualsIgnoreCase(args[j], "count") && j + 1 < args.size()) {
      if (!ParseInt64(args[++j], &count) || count < 1) {
        return Status::Err(std::string(errors::kCountPositive));
      }
    } else {
      return SyntaxError();
    }
  }
  out->keys = ArgSpan{&args[numkeys_idx + 1], static_cast<size_t>(numkeys)};
  out->count = count == -1 ? 1 : count;
  return Status::OK();
}

// Remembers the reply buffer's size so that a handler which fails half-way through a
// multi-part reply (an array of values read one by one) can take back what it wrote and return
// an error Status instead, keeping the "error => nothing written" contract of Handler.
class ReplyMark {
 public:
  explicit ReplyMark(resp::ReplyWriter* reply)
      : buf_(reply->buffer()), size_(reply->buffer()->size()) {}
  Status Rewind(Status s) {
    buf_->resize(size_);
    return s;
  }

 private:
  std::string* buf_;
  size_t size_;
};

// One command's table entry, with Redis's COMMAND INFO / COMMAND DOCS values. `group` overrides
// the family's group for the odd command (DBSIZE is "server" in Redis, not "generic").
struct CommandDef {
  const char* name;
  int arity;
  uint32_t flags;
  int first_key;
  int last_key;
  int step;
  Handler handler;
  std::string_view summary;
  std::string_view since;
  std::string_view complexity;
  std::string_view group = {};
};

inline void RegisterAll(CommandTable& table, std::string_view group, const CommandDef* defs,
                        size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const CommandDef& d = defs[i];
    CommandSpec spec;
    spec.name = d.name;
    spec.arity = d.arity;
    spec.flags = d.flags;
    spec.first_key = d.first_key;
    spec.last_key = d.last_key;
    spec.step = d.step;
    spec.handler = d.handler;
    spec.group = d.group.empty() ? group : d.group;
    spec.summary = d.summary;
    spec.since = d.since;
    spec.complexity = d.complexity;
    table.Register(std::move(spec));
  }
}

}  // namespace ringkv::cmd
