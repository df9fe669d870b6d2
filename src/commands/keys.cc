// Generic key commands: DEL/UNLINK/EXISTS/TOUCH/TYPE, the EXPIRE and TTL families, PERSIST,
// RENAME/RENAMENX, COPY, MOVE, OBJECT and the whole-keyspace commands (KEYS, SCAN, DBSIZE,
// RANDOMKEY, FLUSHDB, FLUSHALL), with Redis 7.0.15's replies and error texts (db.c, expire.c,
// object.c). They work on every type: a collection is one metadata record (type, expiry,
// version) under its key, so DEL, EXPIRE, PERSIST, TTL, TYPE, EXISTS, KEYS and SCAN treat it as
// they treat a string; only RENAME, COPY and MOVE must copy its elements (see that section).
//
// Writes take the stripe locks of their keys (KeyLocks) around the read-modify-write. RENAME,
// RENAMENX, COPY and MOVE lock both keys and write the value with one storage::WriteBatch, so no
// reader ever sees the key under both names or under neither. An expiry that is already past when
// set deletes the key, as Redis does. The whole-keyspace commands answer for this node's Storage;
// fanning them out over a cluster is the router's job.
//
// SCAN's cursor is a ring position (Storage::Scan), so one cursor walks every node of a cluster;
// it is parsed as Redis parses its cursor (strtoul rules), so every cursor Redis accepts is
// accepted here.

#include <cctype>
#include <charconv>
#include <climits>
#include <cstdint>
#include <iterator>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command_table.h"
#include "commands/cmd_util.h"
#include "commands/collection.h"
#include "errors.h"
#include "server_state.h"
#include "storage/collections.h"
#include "storage/db_view.h"
#include "storage/storage.h"
#include "util.h"
#include "txn/watch.h"

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
// Deletes a live key of `type`. O(1) for any size: a big collection's element records also get
// one range tombstone, so their space comes back soon (storage::kBigCollection).
Status DeleteKey(CommandContext& ctx, std::string_view key, storage::ValueType type) {
  if (storage::IsCollection(type)) {
    cmd::Collection c;
    Status s = cmd::OpenCollection(ctx, key, type, &c);
    if (!s.ok()) return s;
    if (c.exists && c.meta.size >= storage::kBigCollection) {
      storage::WriteBatch batch;
      batch.Delete(key);
      batch.DeleteElementRange(c.Prefix(), c.PrefixEnd());
      return ctx.storage().Write(batch);
    }
  }
  return ctx.storage().Delete(key);
}

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
    s = DeleteKey(ctx, args[i], meta.type);
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
// RENAME, RENAMENX, COPY, MOVE
//
// These write the value under another key, or another database, with one batch of *qualified*
// keys written to the base store of the client's view (the group's or transaction's overlay, or
// the server's storage): a batch through a DbView can name only that view's database, and MOVE
// must delete in one database what it writes in another atomically. A string is written as it is.
// A collection's elements are keyed by their qualified key and version (collections.h), so the
// copy is a new incarnation (a new version) with every element copied into it: O(N), where Redis
// moves a pointer. Whatever the destination held before (any type) is simply replaced: its
// elements belong to an old version and are unreachable at once.

// Adds to `batch` the value `e` of the client's key `src`, written as `dst` of the database `to`
// with the same expiry.
Status AddCopy(CommandContext& ctx, std::string_view src, const Entry& e, const storage::DbView& to,
               std::string_view dst, storage::WriteBatch* batch) {
  const std::string dst_qualified = to.Qualify(dst);
  if (!storage::IsCollection(e.type)) {
    batch->Put(dst_qualified, e.payload, e.expire_at_ms, e.type);
    return Status::OK();
  }
  cmd::Collection from;
  from.key.assign(src.data(), src.size());
  from.qualified = ctx.QualifiedKey(src);
  from.exists = true;
  from.type = e.type;
  from.expire_at_ms = e.expire_at_ms;
  Status s = storage::DecodeMeta(e.type, e.payload, &from.meta);
  if (!s.ok()) return s;
  cmd::Collection copy = from;
  copy.key.assign(dst.data(), dst.size());
  copy.qualified = dst_qualified;
  copy.exists = false;
  copy.meta.version = storage::NewVersion();
  s = cmd::CopyElements(ctx, from, copy, batch);
  if (!s.ok()) return s;
  batch->Put(dst_qualified, storage::EncodeMeta(e.type, copy.meta), e.expire_at_ms, e.type);
  return Status::OK();
}

// Writes a batch of qualified keys (see above).
Status WriteQualified(CommandContext& ctx, const storage::WriteBatch& batch) {
  return ctx.storage().base()->Write(batch);
}

// A database index argument, as Redis's getIntFromObjectOrReply then selectDb check it.
Status ParseDbIndex(CommandContext& ctx, std::string_view arg, int* db) {
  int64_t v;
  if (!ParseInt64(arg, &v)) return cmd::NotInteger();
  if (v < INT_MIN || v > INT_MAX) {
    return Status::Err("value is out of range, value must between -2147483648 and 2147483647");
  }
  if (v < 0 || v >= ctx.config().databases) {
    return Status::Err(std::string(errors::kDbIndexOutOfRange));
  }
  *db = static_cast<int>(v);
  return Status::OK();
}

Status SameObjectError() { return Status::Err("source and destination objects are the same"); }

// RENAME and RENAMENX keep the source's TTL. Renaming a key to itself checks only that it exists.
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
  s = AddCopy(ctx, src, e, ctx.storage(), dst, &batch);
  if (!s.ok()) return s;
  batch.Delete(ctx.QualifiedKey(src));
  s = WriteQualified(ctx, batch);
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

// COPY source destination [DB destination-db] [REPLACE] (copyCommand in db.c): options first,
// then "same object", then the source (0 if absent), then the destination (0 if present without
// REPLACE). The copy keeps the source's TTL. Unlike Redis Cluster, another database is allowed
// in a cluster too: a key's owner is the same node in every database.
Status CmdCopy(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  std::string_view src = args[1];
  std::string_view dst = args[2];
  bool replace = false;
  int db = ctx.client.db;
  for (size_t j = 3; j < args.size(); ++j) {
    if (EqualsIgnoreCase(args[j], "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(args[j], "db") && j + 1 < args.size()) {
      Status s = ParseDbIndex(ctx, args[j + 1], &db);
      if (!s.ok()) return s;
      ++j;
    } else {
      return cmd::SyntaxError();
    }
  }
  if (db == ctx.client.db && src == dst) return SameObjectError();

  const std::string_view both[] = {src, dst};
  auto guard = ctx.locks().LockAll(both);
  Entry e;
  bool found;
  Status s = cmd::LookupRead(ctx, src, &e, &found);
  if (!s.ok()) return s;
  if (!found) {
    reply->Integer(0);
    return Status::OK();
  }
  storage::DbView target(ctx.storage().base(), ctx.PhysicalDb(db));
  Entry meta;
  s = target.Exists(dst, &meta);
  if (s.ok() && !replace) {
    reply->Integer(0);
    return Status::OK();
  }
  if (!s.ok() && !s.IsNotFound()) return s;
  storage::WriteBatch batch;
  s = AddCopy(ctx, src, e, target, dst, &batch);
  if (!s.ok()) return s;
  s = WriteQualified(ctx, batch);
  if (!s.ok()) return s;
  MarkDirty(ctx);
  reply->Integer(1);
  return Status::OK();
}

// MOVE key db (moveCommand in db.c): 1 if moved, 0 if the key is absent here or present there.
// Allowed in a cluster (Redis Cluster refuses it): the key's owner is the same in every database.
Status CmdMove(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  std::string_view key = args[1];
  int db;
  Status s = ParseDbIndex(ctx, args[2], &db);
  if (!s.ok()) return s;
  if (db == ctx.client.db) return SameObjectError();

  // One lock covers the key in every database: stripes go by the user key's hash.
  auto guard = ctx.locks().Lock(key);
  Entry e;
  bool found;
  s = cmd::Lookup(ctx, key, &e, &found);
  if (!s.ok()) return s;
  if (!found) {
    reply->Integer(0);
    return Status::OK();
  }
  storage::DbView target(ctx.storage().base(), ctx.PhysicalDb(db));
  Entry meta;
  s = target.Exists(key, &meta);
  if (s.ok()) {
    reply->Integer(0);
    return Status::OK();
  }
  if (!s.IsNotFound()) return s;
  storage::WriteBatch batch;
  s = AddCopy(ctx, key, e, target, key, &batch);
  if (!s.ok()) return s;
  batch.Delete(ctx.QualifiedKey(key));
  s = WriteQualified(ctx, batch);
  if (!s.ok()) return s;
  MarkDirty(ctx);
  reply->Integer(1);
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// OBJECT ENCODING / FREQ / IDLETIME / REFCOUNT / HELP (objectCommand in object.c)
//
// ringkv keeps one layout per type, so ENCODING answers what Redis 7.0 would use for the value's
// current contents under the current *-max-listpack-* / set-max-intset-entries settings. Redis's
// conversions are one-way and depend on history: a hash that once outgrew its listpack stays a
// hashtable after shrinking, a string built by APPEND/SETRANGE stays raw though it is short, a
// set that once held a non-integer stays a hashtable. ringkv answers as if the value had been
// written at once (what Redis reports after a restart: RDB loading re-encodes by contents).
// Deciding needs the longest field or member: the walk happens only when the size is within the
// entries limit, so it is bounded by that setting.

constexpr size_t kEmbstrSizeLimit = 44;          // OBJ_ENCODING_EMBSTR_SIZE_LIMIT
constexpr int64_t kSharedIntegers = 10000;       // OBJ_SHARED_INTEGERS
constexpr int64_t kSharedRefcount = 2147483647;  // OBJ_SHARED_REFCOUNT (INT_MAX)

std::string_view StringEncoding(std::string_view value, int64_t* as_int, bool* is_int) {
  *is_int = value.size() <= 20 && ParseInt64(value, as_int);
  if (*is_int) return "int";
  return value.size() <= kEmbstrSizeLimit ? "embstr" : "raw";
}

Status CollectionEncoding(CommandContext& ctx, std::string_view key, const Entry& e,
                          std::string_view* out) {
  using storage::ValueType;
  if (e.type == ValueType::kList) {
    *out = "quicklist";  // 7.0 reports quicklist for every list (listpack lists came in 7.2)
    return Status::OK();
  }
  cmd::Collection c;
  c.key.assign(key.data(), key.size());
  c.qualified = ctx.QualifiedKey(key);
  c.exists = true;
  c.type = e.type;
  Status s = storage::DecodeMeta(e.type, e.payload, &c.meta);
  if (!s.ok()) return s;
  const Config& config = ctx.config();
  const uint64_t size = c.meta.size;
  std::unique_ptr<storage::ElementIterator> it;
  switch (e.type) {
    case ValueType::kHash: {
      const int64_t entries = config.hash_max_listpack_entries.load();
      const int64_t value_limit = config.hash_max_listpack_value.load();
      *out = "hashtable";
      if (size > static_cast<uint64_t>(entries)) return Status::OK();
      for (it = cmd::Elements(ctx, c); it->Valid(); it->Next()) {
        if (c.Sub(it->key()).size() > static_cast<uint64_t>(value_limit) ||
            it->value().size() > static_cast<uint64_t>(value_limit)) {
          return it->status();
        }
      }
      if (!it->status().ok()) return it->status();
      *out = "listpack";
      return Status::OK();
    }
    case ValueType::kSet: {
      *out = "hashtable";  // 7.0 has no listpack sets
      if (size > static_cast<uint64_t>(config.set_max_intset_entries.load())) return Status::OK();
      for (it = cmd::Elements(ctx, c); it->Valid(); it->Next()) {
        int64_t v;
        if (!ParseInt64(c.Sub(it->key()), &v)) return it->status();
      }
      if (!it->status().ok()) return it->status();
      *out = "intset";
      return Status::OK();
    }
    case ValueType::kZset: {
      const int64_t entries = config.zset_max_listpack_entries.load();
      const int64_t value_limit = config.zset_max_listpack_value.load();
      *out = "skiplist";
      if (size > static_cast<uint64_t>(entries)) return Status::OK();
      const std::string member_tag(1, storage::kZsetMemberTag);
      const std::string member_end(1, static_cast<char>(storage::kZsetMemberTag + 1));
      for (it = cmd::ElementRange(ctx, c, member_tag, member_end); it->Valid(); it->Next()) {
        if (c.Sub(it->key()).size() - 1 > static_cast<uint64_t>(value_limit)) {
          return it->status();
        }
      }
      if (!it->status().ok()) return it->status();
      *out = "listpack";
      return Status::OK();
    }
    default:
      return Status::Corruption("not a collection");
  }
}

// OBJECT <subcommand> key: locks the key and looks it up as Redis's objectCommandLookupOrReply
// does (a miss replies a null), then, on a hit, returns `on_hit(entry)`, still under the lock.
template <typename OnHit>
Status WithObject(CommandContext& ctx, const ArgList& args, ReplyWriter* reply, OnHit on_hit) {
  auto guard = ctx.locks().Lock(args[2]);
  Entry e;
  bool found;
  Status s = cmd::LookupRead(ctx, args[2], &e, &found);
  if (!s.ok()) return s;
  if (!found) {
    reply->Null();
    return Status::OK();
  }
  return on_hit(e);
}

Status CmdObjectEncoding(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return WithObject(ctx, args, reply, [&](const Entry& e) {
    std::string_view encoding;
    if (e.type == storage::ValueType::kString) {
      int64_t v;
      bool is_int;
      encoding = StringEncoding(e.payload, &v, &is_int);
    } else {
      Status s = CollectionEncoding(ctx, args[2], e, &encoding);
      if (!s.ok()) return s;
    }
    reply->Bulk(encoding);
    return Status::OK();
  });
}

// Small integers are Redis's shared objects (with maxmemory 0, ringkv's only setting), whose
// refcount is OBJ_SHARED_REFCOUNT; any other value is referenced once.
Status CmdObjectRefcount(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return WithObject(ctx, args, reply, [&](const Entry& e) {
    int64_t refcount = 1;
    if (e.type == storage::ValueType::kString) {
      int64_t v;
      bool is_int;
      StringEncoding(e.payload, &v, &is_int);
      if (is_int && v >= 0 && v < kSharedIntegers) refcount = kSharedRefcount;
    }
    reply->Integer(refcount);
    return Status::OK();
  });
}

// ringkv tracks no access times: every key answers as one Redis has just touched (0 seconds).
Status CmdObjectIdletime(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return WithObject(ctx, args, reply, [&](const Entry&) {
    reply->Integer(0);
    return Status::OK();
  });
}

// ringkv has no eviction (maxmemory-policy is always noeviction), so FREQ errors as Redis does
// without an LFU policy, after the key lookup.
Status CmdObjectFreq(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return WithObject(ctx, args, reply, [](const Entry&) {
    return Status::Err(
        "An LFU maxmemory policy is not selected, access frequency not tracked. Please note that "
        "when switching between policies at runtime LRU and LFU data will take some time to "
        "adjust.");
  });
}

Status CmdObjectHelp(CommandContext&, const ArgList&, ReplyWriter* reply) {
  static const char* kLines[] = {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
      "HELP",
      "    Prints this help."};
  reply->ArrayHeader(std::size(kLines));
  for (const char* line : kLines) reply->Simple(line);
  return Status::OK();
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
  cmd::ScanOptions opt;
  Status s = cmd::ParseScanOptions(args, 2, /*allow_type=*/true, &opt);
  if (!s.ok()) return s;

  // In a cluster the cursor names a node and a position among its keys (ClusterState::ScanNode);
  // this node scans its own keys and hands the walk on to the next node when it has no more.
  const ClusterState* cluster = ctx.server.cluster;
  if (cluster != nullptr) {
    int node = cluster->ScanNode(cursor, &cursor);
    if (node < 0) {  // past the last node: nothing left, as Redis answers a cursor past its end
      cmd::ReplyEmptyScan(reply);
      return Status::OK();
    }
    if (node != cluster->myself) {
      return Status::Err("ringkv: SCAN cursor belongs to node " + cluster->Describe(node));
    }
  }
  std::vector<ScanItem> items;
  uint64_t next;
  s = ctx.storage().Scan(cursor, static_cast<size_t>(opt.count), &items, &next);
  if (!s.ok()) return s;
  if (cluster != nullptr) next = cluster->NextScanCursor(cluster->myself, next);
  size_t kept = 0;
  for (ScanItem& item : items) {
    if (!opt.Matches(item.key)) continue;
    if (opt.use_type && !EqualsIgnoreCase(opt.type, cmd::TypeName(item.type))) continue;
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
  const uint64_t start = cmd::Rng()();
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

// SWAPDB index1 index2: O(1), as in Redis: the two indexes swap their stored databases
// (database_map.h). Every stripe is held, so no command runs half in either; watched keys of
// both databases are touched (EXEC aborts) and clients blocked in them re-check their keys.
Status CmdSwapdb(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  int64_t a, b;
  if (!ParseInt64(args[1], &a) || a < INT32_MIN || a > INT32_MAX) {
    return Status::Err("invalid first DB index");
  }
  if (!ParseInt64(args[2], &b) || b < INT32_MIN || b > INT32_MAX) {
    return Status::Err("invalid second DB index");
  }
  const int64_t n = ctx.config().databases;
  if (a < 0 || a >= n || b < 0 || b >= n) return Status::Err("DB index is out of range");
  auto guard = ctx.locks().LockEverything();
  const uint8_t pa = ctx.PhysicalDb(static_cast<int>(a));
  const uint8_t pb = ctx.PhysicalDb(static_cast<int>(b));
  if (a != b) {
    Status s = ctx.server.databases.Swap(static_cast<int>(a), static_cast<int>(b));
    if (!s.ok()) return s;
    if (ctx.server.watches != nullptr) {
      ctx.server.watches->TouchAllIf([pa, pb](const std::string& qualified) {
        return !qualified.empty() && (static_cast<uint8_t>(qualified[0]) == pa ||
                                      static_cast<uint8_t>(qualified[0]) == pb);
      });
    }
    ctx.server.blocking.WakeDatabases(pa, pb);
    MarkDirty(ctx);
  }
  reply->Ok();
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
      {"copy", -3, kW | kCmdDenyOom, 1, 2, 1, CmdCopy, "Copy a key", "6.2.0",
       "O(N) worst case for collections, where N is the number of nested items. O(1) for string "
       "values."},
      {"move", 3, kW | kF, 1, 1, 1, CmdMove, "Move a key to another database", "1.0.0", "O(1)"},
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
      {"swapdb", 3, kW | kF | kK, 0, 0, 0, CmdSwapdb, "Swaps two Redis databases", "4.0.0",
       "O(N) where N is the count of clients watching or blocking on keys from both databases.",
       "server"},
  };
  cmd::RegisterAll(table, "generic", defs, std::size(defs));

  CommandSpec object{"object",
                     -2,
                     0,
                     0,
                     0,
                     0,
                     nullptr,
                     "generic",
                     "A container for object introspection commands",
                     "2.2.3",
                     "Depends on subcommand."};
  auto sub = [](const char* name, int arity, uint32_t flags, int key, Handler handler,
                std::string_view summary, std::string_view since) {
    CommandSpec s;
    s.name = name;
    s.arity = arity;
    s.flags = flags;
    s.first_key = s.last_key = key;
    s.step = key != 0 ? 1 : 0;
    s.handler = handler;
    s.group = "generic";
    s.summary = summary;
    s.since = since;
    s.complexity = "O(1)";
    return s;
  };
  // In the order Redis 7.0 lists them (COMMAND INFO object).
  object.subcommands.push_back(sub("object|idletime", 3, kR, 2, CmdObjectIdletime,
                                   "Get the time since a Redis object was last accessed", "2.2.3"));
  object.subcommands.push_back(sub("object|freq", 3, kR, 2, CmdObjectFreq,
                                   "Get the logarithmic access frequency counter of a Redis object",
                                   "4.0.0"));
  object.subcommands.push_back(sub("object|encoding", 3, kR, 2, CmdObjectEncoding,
                                   "Inspect the internal encoding of a Redis object", "2.2.3"));
  object.subcommands.push_back(sub("object|help", 2, kCmdLoading | kCmdStale, 0, CmdObjectHelp,
                                   "Show helpful text about the different subcommands", "6.2.0"));
  object.subcommands.push_back(sub("object|refcount", 3, kR, 2, CmdObjectRefcount,
                                   "Get the number of references to the value of the key",
                                   "2.2.3"));
  table.Register(std::move(object));
}

}  // namespace ringkv
