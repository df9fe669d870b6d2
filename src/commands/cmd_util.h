#pragma once
// Small helpers shared by the command families (commands/*.cc): keyspace lookups
// that count hits/misses as Redis's lookupKeyRead does, dirty counting, argument parsing with
// Redis's error texts, and a reply mark that lets a handler undo a partly written reply.
// Everything here is header-only and stateless apart from the ServerState counters it bumps
// (relaxed atomics); thread-safe as the Storage and ServerState it uses.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "command_table.h"
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

// A view of consecutive arguments (e.g. every key of DEL) for KeyLocks::LockAll, without copying.
struct ArgSpan {
  const std::string_view* first;
  size_t size;
  const std::string_view* begin() const { return first; }
  const std::string_view* end() const { return first + size; }
};

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
