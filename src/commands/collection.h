#pragma once
// What every collection family (hash.cc, list.cc, set.cc, zset.cc) does to reach its records:
// open a key as a collection of one type (WRONGTYPE otherwise), walk or read its elements, and
// write elements plus metadata as one batch; and the checks HSCAN, SSCAN and ZSCAN share. The
// encodings themselves live in storage/collections.h; this is the glue between them and a command's
// CommandContext.
//
// Rules every family follows (storage.h explains why):
// - Take the key's lock (ctx.locks()) once, before Open, for reads as well as writes, so a walk
//   sees one state of the collection.
// - Every batch that changes elements also carries the metadata (Store), even when the size did
//   not change: WATCH observes metadata writes.
// - A collection whose size reaches 0 is deleted (Store does it), as Redis deletes empty keys.
// - Counts from clients never size an allocation by themselves; walks stream from iterators.
//
// Header-only; thread-safe as the CommandContext it is given (one command, one thread).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "commands/command_table.h"
#include "commands/cmd_util.h"
#include "resp/writer.h"
#include "server_state.h"
#include "status.h"
#include "storage/collections.h"
#include "storage/storage.h"

namespace ringkv::cmd {

struct Collection {
  std::string key;        // the user key
  std::string qualified;  // its qualified key (element keys are built from it)
  bool exists = false;
  storage::ValueType type = storage::ValueType::kString;
  uint64_t expire_at_ms = 0;
  storage::CollectionMeta meta;

  // Element keys of this incarnation.
  std::string Element(std::string_view sub) const {
    return storage::ElementKey(qualified, meta.version, sub);
  }
  std::string Prefix() const { return storage::ElementPrefix(qualified, meta.version); }
  std::string PrefixEnd() const { return storage::PrefixEnd(Prefix()); }
  // The element part of an element key of this incarnation.
  std::string_view Sub(std::string_view element_key) const {
    return element_key.substr(Prefix().size());
  }
};

// Reads `key` as a collection of type `want`. Absent (or expired): OK with exists = false and a
// fresh incarnation ready to be created (new version, size 0, no expiry). Another type:
// WRONGTYPE. `read` counts the lookup in keyspace_hits/misses (read commands pass true).
inline Status OpenCollection(CommandContext& ctx, std::string_view key, storage::ValueType want,
                             Collection* c, bool read = false) {
  c->key.assign(key.data(), key.size());
  c->qualified = ctx.QualifiedKey(key);
  c->type = want;
  storage::Entry e;
  Status s = ctx.storage().Get(key, &e);
  if (s.IsNotFound()) {
    if (read) ctx.server.stats.keyspace_misses.fetch_add(1, std::memory_order_relaxed);
    c->exists = false;
    c->expire_at_ms = 0;
    c->meta = storage::CollectionMeta();
    c->meta.version = storage::NewVersion();
    return Status::OK();
  }
  if (!s.ok()) return s;
  if (read) ctx.server.stats.keyspace_hits.fetch_add(1, std::memory_order_relaxed);
  if (e.type != want) return Status::WrongType();
  c->exists = true;
  c->expire_at_ms = e.expire_at_ms;
  return storage::DecodeMeta(want, e.payload, &c->meta);
}

// Adds the metadata write (or the key's deletion when size is 0) to `batch`.
inline void StoreMeta(const Collection& c, storage::WriteBatch* batch) {
  if (c.meta.size == 0) {
    if (c.exists) batch->Delete(c.key);
    return;
  }
  batch->Put(c.key, storage::EncodeMeta(c.type, c.meta), c.expire_at_ms, c.type);
}

// StoreMeta, then writes the batch through the command's storage.
inline Status Commit(CommandContext& ctx, const Collection& c, storage::WriteBatch* batch) {
  StoreMeta(c, batch);
  if (batch->empty()) return Status::OK();
  return ctx.storage().Write(*batch);
}

// The elements of c, ascending (or descending) by element key, from `from` (a sub, inclusive;
// empty = the first) when given.
inline std::unique_ptr<storage::ElementIterator> Elements(CommandContext& ctx, const Collection& c,
                                                          bool reverse = false) {
  return ctx.storage().NewElementIterator(c.Prefix(), c.PrefixEnd(), reverse);
}

// The elements whose sub lies in [sub_lower, sub_upper) (empty sub_upper = to the end).
inline std::unique_ptr<storage::ElementIterator> ElementRange(CommandContext& ctx,
                                                              const Collection& c,
                                                              std::string_view sub_lower,
                                                              std::string_view sub_upper,
                                                              bool reverse = false) {
  std::string lower = c.Element(sub_lower);
  std::string upper = sub_upper.empty() ? c.PrefixEnd() : c.Element(sub_upper);
  return ctx.storage().NewElementIterator(lower, upper, reverse);
}

// One element's value; NotFound if absent.
inline Status GetElement(CommandContext& ctx, const Collection& c, std::string_view sub,
                         std::string* value) {
  return ctx.storage().GetElement(c.Element(sub), value);
}

// Adds to `batch` a copy of every element of `from` under `to` (another key, database or
// version): RENAME, COPY and MOVE of collections. O(N) in time and in the batch's memory.
inline Status CopyElements(CommandContext& ctx, const Collection& from, const Collection& to,
                           storage::WriteBatch* batch) {
  std::unique_ptr<storage::ElementIterator> it = Elements(ctx, from);
  for (; it->Valid(); it->Next()) batch->PutElement(to.Element(from.Sub(it->key())), it->value());
  return it->status();
}

// The start of HSCAN, SSCAN and ZSCAN key cursor [MATCH pattern] [COUNT count], checked in
// Redis's order: the cursor (ERR invalid cursor), then the key (WRONGTYPE; a missing key answers
// an empty scan whatever the options), then the options (ParseScanOptions). The caller holds the
// key's lock. *open is true when the caller is to scan `c` from `*cursor` with `*opt`; false
// when the reply is already written (missing key) or on error.
inline Status OpenForScan(CommandContext& ctx, const ArgList& args, storage::ValueType type,
                          uint64_t* cursor, Collection* c, ScanOptions* opt,
                          resp::ReplyWriter* reply, bool* open) {
  *open = false;
  if (!ParseScanCursor(args[2], cursor)) return Status::Err(std::string(errors::kInvalidCursor));
  Status s = OpenCollection(ctx, args[1], type, c, /*read=*/true);
  if (!s.ok()) return s;
  if (!c->exists) {
    ReplyEmptyScan(reply);
    return Status::OK();
  }
  s = ParseScanOptions(args, 3, /*allow_type=*/false, opt);
  *open = s.ok();
  return s;
}

}  // namespace ringkv::cmd
