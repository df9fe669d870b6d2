// Generic key commands: DEL/UNLINK/EXISTS/TOUCH/TYPE, the EXPIRE and TTL families, PERSIST,
// RENAME/RENAMENX and the whole-keyspace commands (KEYS, SCAN, DBSIZE, RANDOMKEY, FLUSHDB,
// FLUSHALL), with Redis 7.0.15's replies and error texts (db.c, expire.c).
//
// Writes take the stripe locks of their keys (KeyLocks) around the read-modify-write. RENAME and
// RENAMENX lock both keys and move the value with one storage::WriteBatch, so no reader ever sees
// the key under both names or under neither. An expiry that is already past when set deletes the
// key, as Redis does. The whole-keyspace commands answer for this node's Storage; fanning them
// out over a cluster is the router's job.
//
// SCAN's cursor is a ring position (Storage::Scan), so one cursor walks every node of a cluster;
// it is parsed as Redis parses its cursor (strtoul rules), so every cursor Redis accepts is
// accepted here.

#include <cctype>
#include <charconv>
#include <cstdint>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "commands/cmd_util.h"
#include "command_table.h"
#include "errors.h"
#include "server_state.h"
#include "storage/storage.h"
#include "util.h"

namespace ringkv {
namespace {

using cmd::LookupMeta;
using cmd::LookupReadMeta;
using cmd::MarkDirty;
using resp::ReplyWriter;
using storage::Entry;
using storage::ScanItem;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

// ---------------------------------------------------------------------------------------------
// DEL, UNLINK, EXISTS, TOUCH, TYPE

// DEL and UNLINK: keys are deleted one after another, so a repeated key counts once.
Status CmdDel(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  auto guard = args.size() == 2 ? ctx.locks().Lock(args[1])
                                : ctx.locks().LockAll(cmd::ArgSpan{&args[1], args.size() - 1});
  int64_t deleted = 0;
  for (size_t i = 1; i < args.size(); ++i) {
    Entry meta;
    bool found;
    Status s = LookupMeta(ctx, args[i], &meta, &found);
    if (!s.ok()) return s;
    if (!found) continue;
    s = ctx.storage().Delete(args[i]);
    if (!s.ok()) return s;
    ++deleted;
  }
  MarkDirty(ctx, static_cast<uint64_t>(deleted));
  reply->Integer(deleted);
  return Status::OK();
}

// EXISTS and TOUCH: the number of arguments naming a live key (repeats count each time).
Status CmdExists(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  int64_t count = 0;
  for (size_t i = 1; i < args.size(); ++i) {
    Entry meta;
    bool found;
    Status s = LookupReadMeta(ctx, args[i], &meta, &found);
    if (!s.ok()) return s;
    count += found ? 1 : 0;
  }
  reply->Integer(count);
  return Status::OK();
}

Status CmdType(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  Entry meta;
  bool found;
  Status s = LookupReadMeta(ctx, args[1], &meta, &found);
  if (!s.ok()) return s;
  reply->Simple(found ? cmd::TypeName(meta.type) : "none");
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// EXPIRE family (expireGenericCommand in expire.c)

enum ExpireFlag : uint32_t { kNx = 1, kXx = 2, kGt = 4, kLt = 8 };

Status ParseExpireOptions(const ArgList& args, uint32_t* flags) {
  uint32_t f = 0;
  for (size_t j = 3; j < args.size(); ++j) {
    std::string_view opt = args[j];
    if (EqualsIgnoreCase(opt, "nx")) {
      f |= kNx;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      f |= kXx;
    } else if (EqualsIgnoreCase(opt, "gt")) {
      f |= kGt;
    } else if (EqualsIgnoreCase(opt, "lt")) {
      f |= kLt;
    } else {
      return Status::Err("Unsupported option " + std::string(opt));
    }
  }
  if ((f & kNx) && (f & (kXx | kGt | kLt))) {
    return Status::Err("NX and XX, GT or LT options at the same time are not compatible");
  }
  if ((f & kGt) && (f & kLt)) {
    return Status::Err("GT and LT options at the same time are not compatible");
  }
  *flags = f;
  return Status::OK();
}

// `basetime_ms` is now for EXPIRE/PEXPIRE and 0 for the *AT forms. Options are checked before
// the time argument, which is checked before the key is looked up (Redis's order).
Status ExpireGeneric(CommandContext& ctx, const ArgList& args, int64_t basetime_ms, bool seconds,
                     std::string_view command, ReplyWriter* reply) {
  std::string_view key = args[1];
  uint32_t flags = 0;
  Status s = ParseExpireOptions(args, &flags);
  if (!s.ok()) return s;
  int64_t when;
  s = cmd::ParseIntArg(args[2], &when);
  if (!s.ok()) return s;
  // Negative times are allowed (they delete the key); only overflow is an error.
  if (seconds) {
    if (when > kInt64Max / 1000 || when < kInt64Min / 1000) {
      return Status::Err(errors::InvalidExpire(command));
    }
    when *= 1000;
  }
  if (when > kInt64Max - basetime_ms) return Status::Err(errors::InvalidExpire(command));
  when += basetime_ms;

  auto guard = ctx.locks().Lock(key);
  Entry e;
  bool found;
  s = cmd::Lookup(ctx, key, &e, &found);
  if (!s.ok()) return s;
  if (!found) {
    reply->Integer(0);
    return Status::OK();
  }
  if (flags != 0) {
    // No TTL counts as an infinite one: GT never beats it, LT always does.
    const bool has_ttl = e.expire_at_ms != 0;
    const int64_t current = static_cast<int64_t>(e.expire_at_ms);
    if (((flags & kNx) && has_ttl) || ((flags & kXx) && !has_ttl) ||
        ((flags & kGt) && (!has_ttl || when <= current)) ||
        ((flags & kLt) && has_ttl && when >= current)) {
      reply->Integer(0);
      return Status::OK();
    }
  }
  if (when <= static_cast<int64_t>(ctx.now_ms)) {
    s = ctx.storage().Delete(key);
  } else {
    s = ctx.storage().Put(key, e.payload, static_cast<uint64_t>(when), e.type);
  }
  if (!s.ok()) return s;
  MarkDirty(ctx);
  reply->Integer(1);
  return Status::OK();
}

Status CmdExpire(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return ExpireGeneric(ctx, args, static_cast<int64_t>(ctx.now_ms), true, "expire", reply);
}

Status CmdPExpire(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return ExpireGeneric(ctx, args, static_cast<int64_t>(ctx.now_ms), false, "pexpire", reply);
}

Status CmdExpireAt(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return ExpireGeneric(ctx, args, 0, true, "expireat", reply);
}

Status CmdPExpireAt(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return ExpireGeneric(ctx, args, 0, false, "pexpireat", reply);
}

// TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 missing, -1 no expiry; seconds round to nearest.
Status TtlGeneric(CommandContext& ctx, const ArgList& args, bool ms, bool absolute,
                  ReplyWriter* reply) {
  Entry meta;
  bool found;
  Status s = LookupReadMeta(ctx, args[1], &meta, &found);
  if (!s.ok()) return s;
  if (!found) {
    reply->Integer(-2);
    return Status::OK();
  }
  if (meta.expire_at_ms == 0) {
    reply->Integer(-1);
    return Status::OK();
  }
  uint64_t ttl = absolute ? meta.expire_at_ms
                          : (meta.expire_at_ms > ctx.now_ms ? meta.expire_at_ms - ctx.now_ms : 0);
  // Unsigned, so (ttl + 500) cannot overflow for an expiry near INT64_MAX ms.
  reply->Integer(static_cast<int64_t>(ms ? ttl : (ttl + 500) / 1000));
  return Status::OK();
}

Status CmdTtl(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return TtlGeneric(ctx, args, false, false, reply);
}

Status CmdPTtl(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return TtlGeneric(ctx, args, true, false, reply);
}

Status CmdExpireTime(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return TtlGeneric(ctx, args, false, true, reply);
}

Status CmdPExpireTime(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return TtlGeneric(ctx, args, true, true, reply);
}

Status CmdPersist(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  std::string_view key = args[1];
  auto guard = ctx.locks().Lock(key);
  Entry e;
  bool found;
  Status s = cmd::Lookup(ctx, key, &e, &found);
  if (!s.ok()) return s;
  if (!found || e.expire_at_ms == 0) {
    reply->Integer(0);
    return Status::OK();
  }
  s = ctx.storage().Put(key, e.payload, 0, e.type);
  if (!s.ok()) return s;
  MarkDirty(ctx);
  reply->Integer(1);
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// RENAME, RENAMENX: both keep the source's TTL. Renaming a key to itself checks only that it
// exists.

Status RenameGeneric(CommandContext& ctx, const ArgList& args, bool nx, ReplyWriter* reply) {
  std::string_view src = args[1];
  std::string_view dst = args[2];
  const std::string_view both[] = {src, dst};
  auto guard = ctx.locks().LockAll(both);
  Entry e;
  bool found;
  Status s = cmd::Lookup(ctx, src, &e, &found);
  if (!s.ok()) return s;
  if (!found) return Status::Err(std::string(errors::kNoSuchKey));
  if (src == dst) {
    if (nx) {
      reply->Integer(0);
    } else {
      reply->Ok();
    }
    return Status::OK();
  }
  if (nx) {
    Entry meta;
    bool dst_found;
    s = LookupMeta(ctx, dst, &meta, &dst_found);
    if (!s.ok()) return s;
    if (dst_found) {
      reply->Integer(0);
      return Status::OK();
    }
  }
  storage::WriteBatch batch;
  batch.Put(dst, e.payload, e.expire_at_ms, e.type);
  batch.Delete(src);
  s = ctx.storage().Write(batch);
  if (!s.ok()) return s;
  MarkDirty(ctx);
  if (nx) {
    reply->Integer(1);
  } else {
    reply->Ok();
  }
  return Status::OK();
}

Status CmdRename(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return RenameGeneric(ctx, args, false, reply);
}

Status CmdRenameNx(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return RenameGeneric(ctx, args, true, reply);
}

// ---------------------------------------------------------------------------------------------
// Whole keyspace

bool MatchesPattern(std::string_view pattern, std::string_view key) {
  return (pattern.size() == 1 && pattern[0] == '*') || GlobMatch(pattern, key);
}

Status CmdKeys(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  constexpr size_t kBatch = 1024;
  std::string_view pattern = args[1];
  std::vector<std::string> keys;
  std::vector<ScanItem> items;
  uint64_t cursor = 0;
  do {
    items.clear();
    uint64_t next;
    Status s = ctx.storage().Scan(cursor, kBatch, &items, &next);
    if (!s.ok()) return s;
    for (ScanItem& item : items) {
      if (MatchesPattern(pattern, item.key)) keys.push_back(std::move(item.key));
    }
    cursor = next;
  } while (cursor != 0);
  reply->ArrayHeader(keys.size());
  for (const std::string& k : keys) reply->Bulk(k);
  return Status::OK();
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]. The cursor is checked first, then the
// options left to right; an unknown TYPE name matches nothing (Redis 7.0 does not reject it).
Status CmdScan(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  uint64_t cursor;
  if (!ParseScanCursor(args[1], &cursor)) {
    return Status::Err(std::string(errors::kInvalidCursor));
  }
  int64_t count = 10;
  std::string_view pattern;
  bool use_pattern = false;
  std::string_view type;
  bool use_type = false;
  for (size_t i = 2; i < args.size(); i += 2) {
    const bool has_value = i + 1 < args.size();
    if (EqualsIgnoreCase(args[i], "count") && has_value) {
      Status s = cmd::ParseIntArg(args[i + 1], &count);
      if (!s.ok()) return s;
      if (count < 1) return cmd::SyntaxError();
    } else if (EqualsIgnoreCase(args[i], "match") && has_value) {
      pattern = args[i + 1];
      use_pattern = !(pattern.size() == 1 && pattern[0] == '*');
    } else if (EqualsIgnoreCase(args[i], "type") && has_value) {
      type = args[i + 1];
      use_type = true;
    } else {
      return cmd::SyntaxError();
    }
  }

  // In a cluster the cursor names a node and a position among its keys (ClusterState::ScanNode);
  // this node scans its own keys and hands the walk on to the next node when it has no more.
  const ClusterState* cluster = ctx.server.cluster;
  if (cluster != nullptr) {
    int node = cluster->ScanNode(cursor, &cursor);
    if (node < 0) {  // past the last node: nothing left, as Redis answers a cursor past its end
      reply->ArrayHeader(2);
      reply->Bulk("0");
      reply->ArrayHeader(0);
      return Status::OK();
    }
    if (node != cluster->myself) {
      return Status::Err("ringkv: SCAN cursor belongs to node " + cluster->Describe(node));
    }
  }
  std::vector<ScanItem> items;
  uint64_t next;
  Status s = ctx.storage().Scan(cursor, static_cast<size_t>(count), &items, &next);
  if (!s.ok()) return s;
  if (cluster != nullptr) next = cluster->NextScanCursor(cluster->myself, next);
  size_t kept = 0;
  for (ScanItem& item : items) {
    if (use_pattern && !GlobMatch(pattern, item.key)) continue;
    if (use_type && !EqualsIgnoreCase(type, cmd::TypeName(item.type))) continue;
    if (&items[kept] != &item) items[kept] = std::move(item);
    ++kept;
  }
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), next);
  reply->ArrayHeader(2);
  reply->Bulk(std::string_view(buf, static_cast<size_t>(res.ptr - buf)));
  reply->ArrayHeader(kept);
  for (size_t i = 0; i < kept; ++i) reply->Bulk(items[i].key);
  return Status::OK();
}

Status CmdDbSize(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  uint64_t keys, with_expiry;
  Status s = ctx.storage().CountKeys(&keys, &with_expiry);
  if (!s.ok()) return s;
  reply->Integer(static_cast<int64_t>(keys));
  return Status::OK();
}

// A random ring position, then the first live key at or after it, wrapping to 0 once. Not
// uniform over keys (a key after a wide gap of the ring is likelier), as Redis's RANDOMKEY is
// not uniform over its hash-table buckets either.
Status CmdRandomKey(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const uint64_t start = rng();
  uint64_t cursor = start;
  bool wrapped = false;
  std::vector<ScanItem> items;
  while (true) {
    items.clear();
    uint64_t next;
    Status s = ctx.storage().Scan(cursor, 1, &items, &next);
    if (!s.ok()) return s;
    if (!items.empty()) {
      reply->Bulk(items.front().key);
      return Status::OK();
    }
    if (next == 0) {
      if (wrapped) break;
      wrapped = true;
      cursor = 0;
      continue;
    }
    if (wrapped && next >= start) break;  // the whole ring has been walked
    cursor = next;
  }
  reply->Null();
  return Status::OK();
}

// FLUSHDB / FLUSHALL [ASYNC|SYNC]: both modes empty the store before replying.
Status CmdFlush(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  if (args.size() > 2 || (args.size() == 2 && !EqualsIgnoreCase(args[1], "sync") &&
                          !EqualsIgnoreCase(args[1], "async"))) {
    return cmd::SyntaxError();
  }
  // Every stripe (issue 6): no locked command, and no EXEC, runs half before and half after the
  // flush, and the watch layer sees which watched keys the flush removes.
  auto guard = ctx.locks().LockEverything();
  // FLUSHALL empties every database; FLUSHDB the client's (storage::DbView::DeleteAll).
  storage::DbView& view = ctx.storage();
  Status s = ctx.cmd->name == "flushall" ? view.base()->DeleteAll() : view.DeleteAll();
  if (!s.ok()) return s;
  MarkDirty(ctx);
  reply->Ok();
  return Status::OK();
}

}  // namespace

void RegisterKeyCommands(CommandTable& table) {
  constexpr uint32_t kW = kCmdWrite;
  constexpr uint32_t kR = kCmdReadOnly;
  constexpr uint32_t kF = kCmdFast;
  constexpr uint32_t kK = kCmdKeyspace;
  // Values from Redis 7.0.15's COMMAND INFO / COMMAND DOCS.
  const cmd::CommandDef defs[] = {
      {"del", -2, kW, 1, -1, 1, CmdDel, "Delete a key", "1.0.0",
       "O(N) where N is the number of keys that will be removed. When a key to remove holds a "
       "value other than a string, the individual complexity for this key is O(M) where M is the "
       "number of elements in the list, set, sorted set or hash. Removing a single key that "
       "holds a string value is O(1)."},
      {"unlink", -2, kW | kF, 1, -1, 1, CmdDel,
       "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non "
       "blocking.",
       "4.0.0",
       "O(1) for each key removed regardless of its size. Then the command does O(N) work in a "
       "different thread in order to reclaim memory, where N is the number of allocations the "
       "deleted objects where composed of."},
      {"exists", -2, kR | kF, 1, -1, 1, CmdExists, "Determine if a key exists", "1.0.0",
       "O(N) where N is the number of keys to check."},
      {"touch", -2, kR | kF, 1, -1, 1, CmdExists,
       "Alters the last access time of a key(s). Returns the number of existing keys specified.",
       "3.2.1", "O(N) where N is the number of keys that will be touched."},
      {"type", 2, kR | kF, 1, 1, 1, CmdType, "Determine the type stored at key", "1.0.0", "O(1)"},
      {"expire", -3, kW | kF, 1, 1, 1, CmdExpire, "Set a key's time to live in seconds", "1.0.0",
       "O(1)"},
      {"pexpire", -3, kW | kF, 1, 1, 1, CmdPExpire, "Set a key's time to live in milliseconds",
       "2.6.0", "O(1)"},
      {"expireat", -3, kW | kF, 1, 1, 1, CmdExpireAt,
       "Set the expiration for a key as a UNIX timestamp", "1.2.0", "O(1)"},
      {"pexpireat", -3, kW | kF, 1, 1, 1, CmdPExpireAt,
       "Set the expiration for a key as a UNIX timestamp specified in milliseconds", "2.6.0",
       "O(1)"},
      {"ttl", 2, kR | kF, 1, 1, 1, CmdTtl, "Get the time to live for a key in seconds", "1.0.0",
       "O(1)"},
      {"pttl", 2, kR | kF, 1, 1, 1, CmdPTtl, "Get the time to live for a key in milliseconds",
       "2.6.0", "O(1)"},
      {"expiretime", 2, kR | kF, 1, 1, 1, CmdExpireTime,
       "Get the expiration Unix timestamp for a key", "7.0.0", "O(1)"},
      {"pexpiretime", 2, kR | kF, 1, 1, 1, CmdPExpireTime,
       "Get the expiration Unix timestamp for a key in milliseconds", "7.0.0", "O(1)"},
      {"persist", 2, kW | kF, 1, 1, 1, CmdPersist, "Remove the expiration from a key", "2.2.0",
       "O(1)"},
      {"rename", 3, kW, 1, 2, 1, CmdRename, "Rename a key", "1.0.0", "O(1)"},
      {"renamenx", 3, kW | kF, 1, 2, 1, CmdRenameNx,
       "Rename a key, only if the new key does not exist", "1.0.0", "O(1)"},
      {"keys", 2, kR | kK, 0, 0, 0, CmdKeys, "Find all keys matching the given pattern", "1.0.0",
       "O(N) with N being the number of keys in the database, under the assumption that the key "
       "names in the database and the given pattern have limited length."},
      {"scan", -2, kR | kK, 0, 0, 0, CmdScan, "Incrementally iterate the keys space", "2.8.0",
       "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
       "the cursor to return back to 0. N is the number of elements inside the collection."},
      {"dbsize", 1, kR | kF | kK, 0, 0, 0, CmdDbSize,
       "Return the number of keys in the selected database", "1.0.0", "O(1)", "server"},
      {"randomkey", 1, kR | kK, 0, 0, 0, CmdRandomKey, "Return a random key from the keyspace",
       "1.0.0", "O(1)"},
      {"flushdb", -1, kW | kK, 0, 0, 0, CmdFlush, "Remove all keys from the current database",
       "1.0.0", "O(N) where N is the number of keys in the selected database", "server"},
      {"flushall", -1, kW | kK, 0, 0, 0, CmdFlush, "Remove all keys from all databases", "1.0.0",
       "O(N) where N is the total number of keys in all databases", "server"},
  };
  cmd::RegisterAll(table, "generic", defs, std::size(defs));
}

}  // namespace ringkv
